/* test_train.c — the training engine: optimisers and schedules (hand-derived
 * updates and the PyTorch fixture tests/data/train/optim.safetensors from
 * tests/ref/optim_fixture.py), gradient clipping and accumulation, parameter
 * groups, checkpoints (round trip, resume = uninterrupted run, rotation,
 * refusals), the JSONL log, progress line, SVG plot, NaN/Inf checks and the
 * SIGINT/SIGTERM flag. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/json.h"
#include "nn/safetensors.h"
#include "test_files.h"
#include "test_util.h"
#include "train/checkpoint.h"
#include "train/log.h"
#include "train/optim.h"
#include "train/stop.h"

#define OPTIM_FIXTURE "tests/data/train/optim.safetensors"

/* --- helpers ------------------------------------------------------------------ */

static vx_tensor *param_from(vx_ctx *ctx, const char *name, int ndim, const int64_t *shape,
                             const float *values)
{
    vx_tensor *p = vx_param(ctx, name, VX_F32, ndim, shape, true);
    ck_assert_ptr_nonnull(p);
    memcpy(p->data, values, (size_t)vx_numel(p) * sizeof(float));
    return p;
}

static void set_grad(vx_ctx *ctx, vx_tensor *p, const float *g)
{
    float *buf = vx_grad_buf(ctx, p);
    ck_assert_ptr_nonnull(buf);
    memcpy(buf, g, (size_t)vx_numel(p) * sizeof(float));
}

/* --- optimisers: hand-derived updates ------------------------------------------ */

START_TEST(sgd_without_momentum_subtracts_lr_times_gradient)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *p = param_from(ctx, "p", 1, (int64_t[]){3}, (float[]){1, -2, 0.5f});
    vx_optim *o = vx_optim_new(ctx, &(vx_optim_cfg){.kind = VX_OPTIM_SGD, .lr = 0.5});
    ck_assert_int_eq(vx_optim_add_params(o, &p, 1), 0);
    set_grad(ctx, p, (float[]){2, 4, -1});
    ck_assert_int_eq(vx_optim_step(o), VX_OK);
    ck_assert_float_eq(vx_get_f(p, 0), 0.0f);
    ck_assert_float_eq(vx_get_f(p, 1), -4.0f);
    ck_assert_float_eq(vx_get_f(p, 2), 1.0f);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(sgd_momentum_seeds_the_buffer_then_accumulates)
{
    /* g = 1 each step, μ = 0.5, lr = 1: buf = 1, 1.5, 1.75; p = −1, −2.5, −4.25 */
    vx_ctx *ctx = test_ctx();
    vx_tensor *p = param_from(ctx, "p", 1, (int64_t[]){1}, (float[]){0});
    vx_optim *o = vx_optim_new(ctx, &(vx_optim_cfg){.kind = VX_OPTIM_SGD, .lr = 1, .momentum = 0.5});
    vx_optim_add_params(o, &p, 1);
    const float want[3] = {-1.0f, -2.5f, -4.25f};
    for (int s = 0; s < 3; s++) {
        set_grad(ctx, p, (float[]){1});
        ck_assert_int_eq(vx_optim_step(o), VX_OK);
        ck_assert_float_eq(vx_get_f(p, 0), want[s]);
    }
    ck_assert_int_eq(vx_optim_steps(o), 3);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(adam_first_step_moves_each_weight_by_lr_against_its_gradient_sign)
{
    /* t = 1: m̂ = g, v̂ = g², update = lr · g / (|g| + ε) ≈ lr · sign(g) */
    vx_ctx *ctx = test_ctx();
    vx_tensor *p = param_from(ctx, "p", 1, (int64_t[]){3}, (float[]){1, 1, 1});
    vx_optim *o = vx_optim_new(ctx, &(vx_optim_cfg){.kind = VX_OPTIM_ADAM, .lr = 0.1, .beta1 = 0.9,
                                                    .beta2 = 0.999, .eps = 1e-8});
    vx_optim_add_params(o, &p, 1);
    set_grad(ctx, p, (float[]){3, -0.02f, 100});
    ck_assert_int_eq(vx_optim_step(o), VX_OK);
    ck_assert_close(vx_get_f(p, 0), 0.9, 1e-6);
    ck_assert_close(vx_get_f(p, 1), 1.1, 1e-6);
    ck_assert_close(vx_get_f(p, 2), 0.9, 1e-6);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(adamw_decays_weights_decoupled_from_the_gradient)
{
    /* zero gradient: Adam's moments stay 0 (update 0), AdamW still shrinks p by
     * (1 − lr·wd); Adam's L2 decay enters through the gradient instead. */
    vx_ctx *ctx = test_ctx();
    vx_tensor *pw = param_from(ctx, "pw", 1, (int64_t[]){1}, (float[]){2});
    vx_tensor *pa = param_from(ctx, "pa", 1, (int64_t[]){1}, (float[]){2});
    vx_optim_cfg cfg = {.kind = VX_OPTIM_ADAMW, .lr = 0.1, .weight_decay = 0.5, .beta1 = 0.8,
                        .beta2 = 0.99, .eps = 1e-8};
    vx_optim *ow = vx_optim_new(ctx, &cfg);
    cfg.kind = VX_OPTIM_ADAM;
    vx_optim *oa = vx_optim_new(ctx, &cfg);
    vx_optim_add_params(ow, &pw, 1);
    vx_optim_add_params(oa, &pa, 1);
    set_grad(ctx, pw, (float[]){0});
    set_grad(ctx, pa, (float[]){0});
    vx_optim_step(ow);
    vx_optim_step(oa);
    ck_assert_close(vx_get_f(pw, 0), 2 * (1 - 0.1 * 0.5), 1e-6);
    /* Adam: g = wd·p = 1 > 0, first step moves by −lr */
    ck_assert_close(vx_get_f(pa, 0), 1.9, 1e-6);
    vx_ctx_free(ctx);
}
END_TEST

/* --- optimisers: PyTorch fixture ------------------------------------------------ */

static void read_fixture(vx_st_file *f, const char *name, float *out, int64_t n)
{
    const vx_st_entry *e = vx_st_find(f, name);
    ck_assert_msg(e != NULL, "fixture lacks %s", name);
    ck_assert_uint_eq(e->nbytes, (size_t)n * sizeof(float));
    memcpy(out, e->data, e->nbytes);
}

/* Parameters after an update against PyTorch's: within 1e-6 relative to the
 * tensor's largest magnitude (an element that an update brings near zero
 * is a cancellation, where element-wise relative error is meaningless:
 * PyTorch's fused multiply-adds round differently from separate ones). */
static void assert_matches_fixture(vx_st_file *f, const char *name, const vx_tensor *p)
{
    float want[16];
    int64_t n = vx_numel(p);
    read_fixture(f, name, want, n);
    double scale = 0;
    for (int64_t i = 0; i < n; i++)
        scale = fmax(scale, fabs(want[i]));
    for (int64_t i = 0; i < n; i++) {
        double got = vx_get_f(p, i);
        ck_assert_msg(fabs(got - want[i]) <= 1e-6 * scale, "%s[%lld]: voxc %.9g, torch %.9g", name,
                      (long long)i, got, (double)want[i]);
    }
}

typedef enum { CASE_SGD_MOMENTUM, CASE_SGD_PLAIN, CASE_ADAM, CASE_ADAMW_GROUPS, CASE_ADAMW_CLIP_EXP } torch_case;

static void run_torch_case(torch_case which, const char *name)
{
    vx_ctx *ctx = test_ctx();
    vx_st_file *f = vx_st_open(OPTIM_FIXTURE);
    ck_assert_msg(f != NULL, "%s", vx_last_error());
    float v0[12], v1[5];
    read_fixture(f, "init.p0", v0, 12);
    read_fixture(f, "init.p1", v1, 5);
    vx_tensor *p[2] = {param_from(ctx, "p0", 2, (int64_t[]){3, 4}, v0),
                       param_from(ctx, "p1", 1, (int64_t[]){5}, v1)};
    vx_optim_cfg cfg = {0};
    switch (which) {
    case CASE_SGD_MOMENTUM:
        cfg = (vx_optim_cfg){.kind = VX_OPTIM_SGD, .lr = 0.1, .momentum = 0.9, .weight_decay = 0.01};
        break;
    case CASE_SGD_PLAIN: cfg = (vx_optim_cfg){.kind = VX_OPTIM_SGD, .lr = 0.05}; break;
    case CASE_ADAM:
        cfg = (vx_optim_cfg){.kind = VX_OPTIM_ADAM, .lr = 0.01, .beta1 = 0.9, .beta2 = 0.999,
                             .eps = 1e-8, .weight_decay = 0.01};
        break;
    case CASE_ADAMW_GROUPS:
        cfg = (vx_optim_cfg){.kind = VX_OPTIM_ADAMW, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-8};
        break;
    case CASE_ADAMW_CLIP_EXP:
        cfg = (vx_optim_cfg){.kind = VX_OPTIM_ADAMW, .lr = 0.05, .beta1 = 0.9, .beta2 = 0.99,
                             .eps = 1e-8, .weight_decay = 0.1};
        break;
    }
    vx_optim *o = vx_optim_new(ctx, &cfg);
    ck_assert_ptr_nonnull(o);
    if (which == CASE_ADAMW_GROUPS) {
        ck_assert_int_eq(vx_optim_add_group(o, &(vx_param_group){"g0", 0.01, 0.01, false}, &p[0], 1), 0);
        ck_assert_int_eq(vx_optim_add_group(o, &(vx_param_group){"g1", 0.002, 0, false}, &p[1], 1), 1);
    } else {
        ck_assert_int_eq(vx_optim_add_params(o, p, 2), 0);
    }
    if (which == CASE_ADAMW_CLIP_EXP)
        ck_assert_int_eq(vx_optim_set_schedule(o, &(vx_schedule){.kind = VX_SCHED_EXPONENTIAL,
                                                                 .gamma = 0.5, .period = 1}),
                         VX_OK);
    float norms[3] = {0};
    if (which == CASE_ADAMW_CLIP_EXP)
        read_fixture(f, "adamw_clip_exp.norms", norms, 3);
    for (int s = 1; s <= 3; s++) {
        float g0[12], g1[5];
        char key[64];
        snprintf(key, sizeof key, "grad.s%d.p0", s);
        read_fixture(f, key, g0, 12);
        snprintf(key, sizeof key, "grad.s%d.p1", s);
        read_fixture(f, key, g1, 5);
        vx_optim_zero_grad(o);
        set_grad(ctx, p[0], g0);
        set_grad(ctx, p[1], g1);
        if (which == CASE_ADAMW_CLIP_EXP) {
            double norm = vx_optim_clip_grad_norm(o, 0.5);
            ck_assert_close(norm, norms[s - 1], 1e-6 * norms[s - 1]);
        }
        ck_assert_int_eq(vx_optim_step(o), VX_OK);
        snprintf(key, sizeof key, "%s.s%d.p0", name, s);
        assert_matches_fixture(f, key, p[0]);
        snprintf(key, sizeof key, "%s.s%d.p1", name, s);
        assert_matches_fixture(f, key, p[1]);
    }
    vx_st_close(f);
    vx_ctx_free(ctx);
}

START_TEST(sgd_momentum_matches_pytorch_over_three_steps) { run_torch_case(CASE_SGD_MOMENTUM, "sgd_momentum"); }
END_TEST
START_TEST(sgd_plain_matches_pytorch_over_three_steps) { run_torch_case(CASE_SGD_PLAIN, "sgd_plain"); }
END_TEST
START_TEST(adam_with_l2_matches_pytorch_over_three_steps) { run_torch_case(CASE_ADAM, "adam"); }
END_TEST
START_TEST(adamw_with_two_lr_groups_matches_pytorch_over_three_steps)
{
    run_torch_case(CASE_ADAMW_GROUPS, "adamw_groups");
}
END_TEST
START_TEST(adamw_with_clipping_and_exponential_decay_matches_pytorch)
{
    run_torch_case(CASE_ADAMW_CLIP_EXP, "adamw_clip_exp");
}
END_TEST

/* --- groups, clipping, accumulation, schedules ------------------------------------ */

START_TEST(frozen_group_is_neither_updated_nor_differentiated)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *a = param_from(ctx, "a", 1, (int64_t[]){2}, (float[]){1, 2});
    vx_tensor *b = param_from(ctx, "b", 1, (int64_t[]){2}, (float[]){3, 4});
    vx_optim *o = vx_optim_new(ctx, &(vx_optim_cfg){.kind = VX_OPTIM_SGD, .lr = 1});
    int ga = vx_optim_add_group(o, &(vx_param_group){"base", 1, 0, true}, &a, 1);
    int gb = vx_optim_add_group(o, &(vx_param_group){"adapter", 0.5, 0, false}, &b, 1);
    ck_assert_int_eq(ga, 0);
    ck_assert_int_eq(gb, 1);
    ck_assert(!a->requires_grad);
    vx_tensor *loss = vx_sum(ctx, vx_mul(ctx, a, b), NULL, 0, false);
    ck_assert_int_eq(vx_backward(ctx, loss), VX_OK);
    ck_assert_ptr_null(a->grad);   /* frozen: backward skipped it */
    ck_assert_int_eq(vx_optim_step(o), VX_OK);
    ck_assert_float_eq(vx_get_f(a, 0), 1.0f);
    ck_assert_float_eq(vx_get_f(b, 0), 3.0f - 0.5f * 1.0f); /* dL/db = a, lr 0.5 */
    ck_assert_float_eq(vx_get_f(b, 1), 4.0f - 0.5f * 2.0f);
    ck_assert_int_eq(vx_optim_set_frozen(o, ga, false), VX_OK);
    ck_assert(a->requires_grad);
    ck_assert_double_eq(vx_optim_lr(o, gb), 0.5);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(clip_grad_norm_returns_the_norm_and_scales_to_max)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *a = param_from(ctx, "a", 1, (int64_t[]){2}, (float[]){0, 0});
    vx_tensor *b = param_from(ctx, "b", 1, (int64_t[]){1}, (float[]){0});
    vx_optim *o = vx_optim_new(ctx, &(vx_optim_cfg){.kind = VX_OPTIM_SGD, .lr = 1});
    vx_optim_add_params(o, (vx_tensor *[]){a, b}, 2);
    set_grad(ctx, a, (float[]){3, 0});
    set_grad(ctx, b, (float[]){4});
    ck_assert_double_eq_tol(vx_optim_clip_grad_norm(o, 0), 5.0, 1e-12); /* 0: measure only */
    ck_assert_float_eq(a->grad->data ? ((float *)a->grad->data)[0] : 0, 3.0f);
    ck_assert_double_eq_tol(vx_optim_clip_grad_norm(o, 1.0), 5.0, 1e-12);
    ck_assert_close(((float *)a->grad->data)[0], 3.0 / (5 + 1e-6), 1e-7);
    ck_assert_close(((float *)b->grad->data)[0], 4.0 / (5 + 1e-6), 1e-7);
    ck_assert_close(vx_optim_clip_grad_norm(o, 10.0), 1.0, 1e-6); /* below max: untouched */
    set_grad(ctx, b, (float[]){NAN});
    ck_assert(isnan(vx_optim_clip_grad_norm(o, 1.0)));
    ck_assert_fails(vx_optim_step(o) == VX_OK);
    ck_assert_int_eq(vx_last_status(), VX_ERR_NUMERIC);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "'b'"));
    ck_assert_float_eq(vx_get_f(a, 0), 0.0f); /* nothing moved */
    vx_ctx_free(ctx);
}
END_TEST

/* loss(x) = Σ (w·x)² over a micro-batch; its gradient is linear in the batch. */
static void accumulate(vx_ctx *ctx, vx_tensor *w, const float *x, int n)
{
    vx_tensor *xs = vx_from_f32(ctx, 1, (int64_t[]){n}, x);
    vx_tensor *loss = vx_sum(ctx, vx_square(ctx, vx_mul(ctx, w, xs)), NULL, 0, false);
    ck_assert_int_eq(vx_backward(ctx, loss), VX_OK);
    vx_ctx_reset(ctx);
}

START_TEST(gradient_accumulation_equals_the_mean_of_micro_batch_gradients)
{
    vx_ctx *ctx = test_ctx();
    const float xa[2] = {1, 2}, xb[2] = {-3, 0.5f};
    vx_tensor *w1 = param_from(ctx, "w", 1, (int64_t[]){2}, (float[]){0.5f, -1});
    vx_optim *o1 = vx_optim_new(ctx, &(vx_optim_cfg){.kind = VX_OPTIM_SGD, .lr = 0.1});
    vx_optim_add_params(o1, &w1, 1);
    vx_optim_zero_grad(o1);
    accumulate(ctx, w1, xa, 2);
    accumulate(ctx, w1, xb, 2);
    vx_optim_scale_grads(o1, 0.5f);
    /* d/dw Σ (w x)² = 2 w x²; mean over the two micro-batches */
    for (int i = 0; i < 2; i++) {
        double w = i ? -1 : 0.5, want = (2 * w * xa[i] * xa[i] + 2 * w * xb[i] * xb[i]) / 2;
        ck_assert_close(((float *)w1->grad->data)[i], want, 1e-6);
    }
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(schedules_follow_their_formulas)
{
    vx_schedule ex = {.kind = VX_SCHED_EXPONENTIAL, .gamma = 0.999, .period = 10};
    ck_assert_double_eq(vx_schedule_factor(&ex, 1), 1.0);
    ck_assert_double_eq(vx_schedule_factor(&ex, 10), 1.0);
    ck_assert_double_eq_tol(vx_schedule_factor(&ex, 11), 0.999, 1e-15);
    ck_assert_double_eq_tol(vx_schedule_factor(&ex, 31), 0.999 * 0.999 * 0.999, 1e-15);
    /* Noam with warm-up 4000 and base lr d^-0.5 w^-0.5 equals Vaswani's formula */
    vx_schedule noam = {.kind = VX_SCHED_NOAM, .warmup = 4000};
    double base = pow(256, -0.5) * pow(4000, -0.5);
    for (int64_t k = 1; k <= 20000; k += 997) {
        double want = pow(256, -0.5) * fmin(pow((double)k, -0.5), (double)k * pow(4000, -1.5));
        ck_assert_double_eq_tol(base * vx_schedule_factor(&noam, k), want, 1e-12);
    }
    ck_assert_double_eq_tol(vx_schedule_factor(&noam, 4000), 1.0, 1e-12);
    vx_schedule cos_s = {.kind = VX_SCHED_COSINE, .warmup = 10, .total = 110, .min_factor = 0.1};
    ck_assert_double_eq_tol(vx_schedule_factor(&cos_s, 5), 0.5, 1e-12);
    ck_assert_double_eq_tol(vx_schedule_factor(&cos_s, 10), 1.0, 1e-12);
    ck_assert_double_eq_tol(vx_schedule_factor(&cos_s, 60), 0.55, 1e-12); /* half way */
    ck_assert_double_eq_tol(vx_schedule_factor(&cos_s, 110), 0.1, 1e-12);
    ck_assert_double_eq_tol(vx_schedule_factor(&cos_s, 500), 0.1, 1e-12);
    ck_assert_int_eq(vx_schedule_check(&cos_s), VX_OK);
    ck_assert_fails(vx_schedule_check(&(vx_schedule){.kind = VX_SCHED_NOAM}) == VX_OK);
    ck_assert_fails(vx_schedule_check(&(vx_schedule){.kind = VX_SCHED_EXPONENTIAL, .gamma = 2,
                                                     .period = 1}) == VX_OK);
}
END_TEST

START_TEST(optimiser_refuses_bad_configs_and_parameters)
{
    vx_ctx *ctx = test_ctx();
    ck_assert_fails(vx_optim_new(ctx, &(vx_optim_cfg){.kind = VX_OPTIM_ADAM, .lr = 1e-3, .beta1 = 1.0,
                                                      .beta2 = 0.9, .eps = 1e-8}));
    ck_assert_fails(vx_optim_new(ctx, &(vx_optim_cfg){.kind = VX_OPTIM_SGD, .lr = -1}));
    vx_optim *o = vx_optim_new(ctx, &(vx_optim_cfg){.kind = VX_OPTIM_SGD, .lr = 1});
    vx_tensor *p = param_from(ctx, "p", 1, (int64_t[]){1}, (float[]){0});
    vx_tensor *act = vx_new(ctx, VX_F32, 1, (int64_t[]){1});
    ck_assert_fails(vx_optim_add_params(o, &act, 1) >= 0);
    ck_assert_int_eq(vx_optim_add_params(o, &p, 1), 0);
    ck_assert_fails(vx_optim_add_params(o, &p, 1) >= 0);
    ck_assert_fails(vx_optim_set_frozen(o, 7, true) == VX_OK);
    vx_ctx_free(ctx);
}
END_TEST

/* --- checkpoints ----------------------------------------------------------------- */

/* A tiny regression model whose loss depends on the context RNG (random
 * inputs and dropout), so a resume must restore weights, optimiser and RNG. */
typedef struct tiny_model {
    vx_tensor *w1, *b1, *w2, *b2;
    vx_optim *optim;
} tiny_model;

static tiny_model tiny_new(vx_ctx *ctx, float init_std)
{
    tiny_model m;
    m.w1 = vx_param(ctx, "w1", VX_F32, 2, (int64_t[]){6, 4}, true);
    m.b1 = vx_param(ctx, "b1", VX_F32, 1, (int64_t[]){6}, true);
    m.w2 = vx_param(ctx, "w2", VX_F32, 2, (int64_t[]){1, 6}, true);
    m.b2 = vx_param(ctx, "b2", VX_F32, 1, (int64_t[]){1}, true);
    vx_fill_normal(ctx, m.w1, 0, init_std);
    vx_fill_normal(ctx, m.w2, 0, init_std);
    m.optim = vx_optim_new(ctx, &(vx_optim_cfg){.kind = VX_OPTIM_ADAMW, .lr = 0.05, .beta1 = 0.8,
                                                .beta2 = 0.99, .eps = 1e-8, .weight_decay = 0.01});
    vx_tensor *ps[4] = {m.w1, m.b1, m.w2, m.b2};
    ck_assert_int_eq(vx_optim_add_params(m.optim, ps, 4), 0);
    vx_optim_set_schedule(m.optim, &(vx_schedule){.kind = VX_SCHED_COSINE, .warmup = 2, .total = 8,
                                                  .min_factor = 0.1});
    return m;
}

static float tiny_step(vx_ctx *ctx, tiny_model *m)
{
    vx_set_training(ctx, true);
    vx_tensor *x = vx_randn(ctx, 2, (int64_t[]){8, 4});
    vx_tensor *target = vx_sum(ctx, x, (int[]){1}, 1, true);                      /* [8, 1] */
    vx_tensor *h = vx_dropout(ctx, vx_tanh(ctx, vx_linear(ctx, x, m->w1, m->b1)), 0.25f);
    vx_tensor *loss = vx_mse_loss(ctx, vx_linear(ctx, h, m->w2, m->b2), target);
    ck_assert_msg(loss != NULL, "%s", vx_last_error());
    vx_optim_zero_grad(m->optim);
    ck_assert_int_eq(vx_backward(ctx, loss), VX_OK);
    ck_assert_int_eq(vx_optim_step(m->optim), VX_OK);
    float value = vx_get_f(loss, 0);
    vx_ctx_reset(ctx);
    return value;
}

static vx_ckpt tiny_ckpt(vx_ctx *ctx, tiny_model *m, vx_tensor **store, vx_ckpt_optim *co, int64_t step)
{
    store[0] = m->w1;
    store[1] = m->b1;
    store[2] = m->w2;
    store[3] = m->b2;
    *co = (vx_ckpt_optim){"g", m->optim};
    return (vx_ckpt){.tensors = store, .n_tensors = 4, .optims = co, .n_optims = 1, .step = step,
                     .rng = vx_ctx_rng(ctx), .config = "{\"model\": \"tiny\", \"lr\": 0.05}"};
}

START_TEST(resumed_run_gives_the_same_losses_as_an_uninterrupted_run)
{
    enum { TOTAL = 6, SPLIT = 3 };
    float straight[TOTAL];
    vx_ctx *ctx = vx_ctx_new((vx_ctx_opts){.seed = 42});
    tiny_model m = tiny_new(ctx, 0.5f);
    for (int s = 0; s < TOTAL; s++)
        straight[s] = tiny_step(ctx, &m);
    vx_ctx_free(ctx);

    char *dir = make_dir("train");
    ctx = vx_ctx_new((vx_ctx_opts){.seed = 42});
    m = tiny_new(ctx, 0.5f);
    for (int s = 0; s < SPLIT; s++)
        ck_assert_float_eq(tiny_step(ctx, &m), straight[s]);
    vx_tensor *store[4];
    vx_ckpt_optim co;
    vx_ckpt ck = tiny_ckpt(ctx, &m, store, &co, SPLIT);
    ck_assert_int_eq(vx_ckpt_save_in_run(dir, &ck, 3, NULL, 0), VX_OK);
    vx_ctx_free(ctx);

    /* a fresh process: other seed, other initial weights, then resume */
    ctx = vx_ctx_new((vx_ctx_opts){.seed = 7});
    m = tiny_new(ctx, 2.0f);
    ck = tiny_ckpt(ctx, &m, store, &co, 0);
    char path[600], *config = NULL;
    ck_assert_int_eq(vx_ckpt_latest(dir, path, sizeof path), VX_OK);
    ck_assert_int_eq(vx_ckpt_load(path, &ck, &config), VX_OK);
    ck_assert_int_eq(ck.step, SPLIT);
    ck_assert_int_eq(vx_optim_steps(m.optim), SPLIT);
    ck_assert_str_eq(config, "{\"model\": \"tiny\", \"lr\": 0.05}");
    free(config);
    for (int s = SPLIT; s < TOTAL; s++)
        ck_assert_float_eq(tiny_step(ctx, &m), straight[s]);
    vx_ctx_free(ctx);
    remove_dir(dir);
}
END_TEST

START_TEST(checkpoint_is_a_readable_safetensors_file_with_state_and_metadata)
{
    vx_ctx *ctx = test_ctx();
    tiny_model m = tiny_new(ctx, 0.5f);
    tiny_step(ctx, &m);
    char *dir = make_dir("train"), path[600];
    snprintf(path, sizeof path, "%s/one.safetensors", dir);
    vx_tensor *store[4];
    vx_ckpt_optim co;
    vx_ckpt ck = tiny_ckpt(ctx, &m, store, &co, 1);
    ck_assert_int_eq(vx_ckpt_save(path, &ck), VX_OK);
    vx_st_file *f = vx_st_open(path);
    ck_assert_msg(f != NULL, "%s", vx_last_error());
    ck_assert_int_eq(vx_st_count(f), 4 + 8); /* weights + m and v of each */
    ck_assert_ptr_nonnull(vx_st_find(f, "w1"));
    ck_assert_ptr_nonnull(vx_st_find(f, "optim/g/w1/m"));
    ck_assert_ptr_nonnull(vx_st_find(f, "optim/g/b2/v"));
    ck_assert_str_eq(vx_st_metadata(f, "format"), "voxc-checkpoint-1");
    ck_assert_str_eq(vx_st_metadata(f, "step"), "1");
    ck_assert_ptr_nonnull(strstr(vx_st_metadata(f, "optim/g"), "\"kind\":\"adamw\""));
    ck_assert_int_eq(memcmp(vx_st_find(f, "w1")->data, m.w1->data, 24 * sizeof(float)), 0);
    vx_st_close(f);
    ck_assert_int_eq(count_files(dir), 1); /* no temporary file left */

    /* weights only, into a fresh model */
    vx_tensor *w1 = vx_param(ctx, "w1", VX_F32, 2, (int64_t[]){6, 4}, true);
    ck_assert_int_eq(vx_ckpt_load_tensors(path, &w1, 1), VX_OK);
    ck_assert_int_eq(memcmp(w1->data, m.w1->data, 24 * sizeof(float)), 0);
    vx_ctx_free(ctx);
    remove_dir(dir);
}
END_TEST

START_TEST(loading_a_mismatched_checkpoint_fails_and_changes_nothing)
{
    vx_ctx *ctx = test_ctx();
    tiny_model m = tiny_new(ctx, 0.5f);
    char *dir = make_dir("train"), path[600];
    snprintf(path, sizeof path, "%s/c.safetensors", dir);
    vx_tensor *store[4];
    vx_ckpt_optim co;
    vx_ckpt ck = tiny_ckpt(ctx, &m, store, &co, 5);
    ck_assert_int_eq(vx_ckpt_save(path, &ck), VX_OK);

    vx_tensor *other = vx_param(ctx, "w1", VX_F32, 2, (int64_t[]){4, 6}, true); /* wrong shape */
    vx_fill(other, 3.0f);
    ck_assert_fails(vx_ckpt_load_tensors(path, &other, 1) == VX_OK);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "'w1'"));
    ck_assert_float_eq(vx_get_f(other, 0), 3.0f);

    vx_tensor *extra = vx_param(ctx, "not_there", VX_F32, 1, (int64_t[]){2}, true);
    vx_tensor *list[5] = {m.w1, m.b1, m.w2, m.b2, extra};
    float before = vx_get_f(m.w1, 0);
    vx_fill(m.w1, 9.0f);
    vx_ckpt bad = ck;
    bad.tensors = list;
    bad.n_tensors = 5;
    bad.step = 0;
    ck_assert_fails(vx_ckpt_load(path, &bad, NULL) == VX_OK);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "not_there"));
    ck_assert_float_eq(vx_get_f(m.w1, 0), 9.0f); /* untouched on failure */
    ck_assert_int_eq(bad.step, 0);
    (void)before;

    /* an optimiser of another kind is refused */
    vx_optim *sgd = vx_optim_new(ctx, &(vx_optim_cfg){.kind = VX_OPTIM_SGD, .lr = 1, .momentum = 0.9});
    vx_tensor *w1 = vx_param(ctx, "w1", VX_F32, 2, (int64_t[]){6, 4}, true);
    vx_optim_add_params(sgd, &w1, 1);
    vx_ckpt_optim sco = {"g", sgd};
    vx_ckpt sck = {.tensors = &w1, .n_tensors = 1, .optims = &sco, .n_optims = 1};
    ck_assert_fails(vx_ckpt_load(path, &sck, NULL) == VX_OK);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "adamw"));

    /* a safetensors file that is not a checkpoint */
    ck_assert_fails(vx_ckpt_load("tests/data/train/optim.safetensors", &ck, NULL) == VX_OK);
    ck_assert_int_eq(vx_last_status(), VX_ERR_FORMAT);
    vx_ctx_free(ctx);
    remove_dir(dir);
}
END_TEST

START_TEST(run_folder_keeps_the_last_k_checkpoints_and_points_latest_at_the_newest)
{
    vx_ctx *ctx = test_ctx();
    tiny_model m = tiny_new(ctx, 0.5f);
    char *dir = make_dir("train"), path[600], latest[600], written[600];
    ck_assert_fails(vx_ckpt_latest(dir, latest, sizeof latest) == VX_OK);
    vx_tensor *store[4];
    vx_ckpt_optim co;
    for (int64_t step = 100; step <= 500; step += 100) {
        vx_ckpt ck = tiny_ckpt(ctx, &m, store, &co, step);
        ck_assert_int_eq(vx_ckpt_save_in_run(dir, &ck, 2, written, sizeof written), VX_OK);
    }
    ck_assert_int_eq(count_files(dir), 3); /* two checkpoints + latest */
    snprintf(path, sizeof path, "%s/ckpt-000400.safetensors", dir);
    ck_assert_int_eq(access(path, R_OK), 0);
    snprintf(path, sizeof path, "%s/ckpt-000500.safetensors", dir);
    ck_assert_str_eq(written, path);
    ck_assert_int_eq(vx_ckpt_latest(dir, latest, sizeof latest), VX_OK);
    ck_assert_str_eq(latest, path);
    snprintf(path, sizeof path, "%s/latest", dir);
    char *text = read_file(path, NULL);
    ck_assert_str_eq(text, "ckpt-000500.safetensors\n");
    free(text);
    vx_ctx_free(ctx);
    remove_dir(dir);
}
END_TEST

/* --- logs ------------------------------------------------------------------------ */

START_TEST(jsonl_log_appends_one_parseable_line_per_step)
{
    char *dir = make_dir("train"), path[600];
    snprintf(path, sizeof path, "%s/log.jsonl", dir);
    vx_trainlog *lg = vx_trainlog_open(path, 10);
    ck_assert_ptr_nonnull(lg);
    vx_trainlog_set_progress(lg, NULL);
    vx_log_value v[3] = {{"loss_g", 2.5}, {"loss_d", NAN}, {"lr", 2e-4}};
    ck_assert_int_eq(vx_trainlog_step(lg, 1, v, 3), VX_OK);
    ck_assert_int_eq(vx_trainlog_close(lg), VX_OK);
    lg = vx_trainlog_open(path, 10); /* a resumed run appends */
    vx_trainlog_set_progress(lg, NULL);
    v[1].value = 0.75;
    ck_assert_int_eq(vx_trainlog_step(lg, 2, v, 3), VX_OK);
    ck_assert_fails(vx_trainlog_step(lg, 3, (vx_log_value[]){{"bad key", 1}}, 1) == VX_OK);
    vx_trainlog_close(lg);

    char *text = read_file(path, NULL);
    char *second = strchr(text, '\n');
    ck_assert_ptr_nonnull(second);
    *second++ = '\0';
    vx_json *a = vx_json_parse(text, strlen(text), "line 1");
    vx_json *b = vx_json_parse(second, strlen(second), "line 2");
    ck_assert_msg(a && b, "%s", vx_last_error());
    ck_assert_double_eq(vx_json_get_number(a, "step", -1), 1);
    ck_assert_double_eq(vx_json_get_number(a, "loss_g", -1), 2.5);
    ck_assert_int_eq(vx_json_get(a, "loss_d")->type, VX_JSON_NULL);
    ck_assert_double_eq_tol(vx_json_get_number(a, "lr", -1), 2e-4, 1e-12);
    ck_assert_ptr_nonnull(vx_json_get(a, "steps_per_s"));
    ck_assert_ptr_nonnull(vx_json_get(a, "wall_s"));
    ck_assert_double_eq(vx_json_get_number(b, "loss_d", -1), 0.75);
    ck_assert_ptr_eq(strchr(second, '\n'), second + strlen(second) - 1); /* nothing after line 2 */
    vx_json_free(a);
    vx_json_free(b);
    free(text);
    remove_dir(dir);
}
END_TEST

START_TEST(progress_line_shows_step_losses_rate_and_eta)
{
    char buf[256];
    vx_log_value v[2] = {{"loss_g", 23.41}, {"loss_d", 2.113}};
    vx_progress_format(buf, sizeof buf, 1200, 50000, v, 2, 3.21);
    ck_assert_str_eq(buf, "step 1200/50000  loss_g 23.41  loss_d 2.113  3.21 steps/s  ETA 4h13m");
    vx_progress_format(buf, sizeof buf, 7, 0, v, 1, 0.5);
    ck_assert_str_eq(buf, "step 7  loss_g 23.41  0.5 steps/s");

    char *dir = make_dir("train"), path[600], prog[600];
    snprintf(path, sizeof path, "%s/log.jsonl", dir);
    snprintf(prog, sizeof prog, "%s/progress", dir);
    FILE *pf = fopen(prog, "w");
    vx_trainlog *lg = vx_trainlog_open(path, 100);
    vx_trainlog_set_progress(lg, pf);
    vx_trainlog_step(lg, 1, v, 2);
    vx_trainlog_close(lg);
    fclose(pf);
    char *text = read_file(prog, NULL);
    ck_assert_int_eq(text[0], '\r');
    ck_assert_ptr_nonnull(strstr(text, "step 1/100  loss_g 23.41"));
    ck_assert_int_eq(text[strlen(text) - 1], '\n');
    free(text);
    remove_dir(dir);
}
END_TEST

START_TEST(loss_plot_draws_one_panel_per_loss_key)
{
    char *dir = make_dir("train"), path[600], svg[600];
    snprintf(path, sizeof path, "%s/log.jsonl", dir);
    snprintf(svg, sizeof svg, "%s/loss.svg", dir);
    vx_trainlog *lg = vx_trainlog_open(path, 0);
    vx_trainlog_set_progress(lg, NULL);
    for (int s = 1; s <= 50; s++) {
        vx_log_value v[3] = {{"loss_mel", 40.0 / s}, {"loss_d", s == 20 ? NAN : 2.0 + sin(s)},
                             {"lr", 1e-3}};
        vx_trainlog_step(lg, s, v, 3);
    }
    vx_trainlog_close(lg);
    ck_assert_int_eq(vx_trainlog_plot(path, svg, NULL, 0), VX_OK);
    char *text = read_file(svg, NULL);
    ck_assert_ptr_nonnull(strstr(text, "<svg"));
    ck_assert_ptr_nonnull(strstr(text, ">loss_mel</text>"));
    ck_assert_ptr_nonnull(strstr(text, ">loss_d</text>"));
    ck_assert_ptr_null(strstr(text, ">lr</text>"));
    int polylines = 0;
    for (const char *p = text; (p = strstr(p, "<polyline")); p++)
        polylines++;
    ck_assert_int_eq(polylines, 3); /* loss_mel whole, loss_d broken by its null */
    free(text);
    ck_assert_int_eq(vx_trainlog_plot(path, svg, (const char *[]){"lr"}, 1), VX_OK);
    ck_assert_fails(vx_trainlog_plot(path, svg, (const char *[]){"nope"}, 1) == VX_OK);

    FILE *f = fopen(path, "a");
    fputs("not json\n", f);
    fclose(f);
    ck_assert_fails(vx_trainlog_plot(path, svg, NULL, 0) == VX_OK);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "line 51"));
    remove_dir(dir);
}
END_TEST

START_TEST(nonfinite_checks_name_the_step_and_tensor)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *loss = vx_from_f32(ctx, 1, (int64_t[]){3}, (float[]){1, INFINITY, 0});
    ck_assert_fails(vx_check_finite(loss, "loss_mel", 1234) == VX_OK);
    ck_assert_int_eq(vx_last_status(), VX_ERR_NUMERIC);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "step 1234: loss_mel is +Inf"));
    vx_tensor *ok = vx_scalar(ctx, 2.0f);
    ck_assert_int_eq(vx_check_finite(ok, "loss", 1), VX_OK);
    vx_tensor *p = vx_param(ctx, "ups.0.weight_v", VX_F32, 1, (int64_t[]){2}, true);
    set_grad(ctx, p, (float[]){0, NAN});
    ck_assert_fails(vx_check_grads_finite(&p, 1, 77) == VX_OK);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "step 77: the gradient of 'ups.0.weight_v' is NaN"));
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(sigint_and_sigterm_set_the_stop_flag)
{
    ck_assert_int_eq(vx_stop_install(), VX_OK);
    ck_assert(!vx_stop_requested());
    raise(SIGTERM);
    ck_assert(vx_stop_requested());
    ck_assert_int_eq(vx_stop_signal(), SIGTERM);
    vx_stop_uninstall();
    ck_assert_int_eq(vx_stop_install(), VX_OK);
    ck_assert(!vx_stop_requested());
    raise(SIGINT);
    ck_assert_int_eq(vx_stop_signal(), SIGINT);
    vx_stop_uninstall();
    vx_stop_clear();
    vx_stop_request();
    ck_assert(vx_stop_requested());
    ck_assert_int_eq(vx_stop_signal(), 0);
    vx_stop_clear();
}
END_TEST

Suite *suite_train(void)
{
    Suite *s = suite_create("train");
    TCase *tc = tcase_create("optim");
    tcase_add_test(tc, sgd_without_momentum_subtracts_lr_times_gradient);
    tcase_add_test(tc, sgd_momentum_seeds_the_buffer_then_accumulates);
    tcase_add_test(tc, adam_first_step_moves_each_weight_by_lr_against_its_gradient_sign);
    tcase_add_test(tc, adamw_decays_weights_decoupled_from_the_gradient);
    tcase_add_test(tc, sgd_momentum_matches_pytorch_over_three_steps);
    tcase_add_test(tc, sgd_plain_matches_pytorch_over_three_steps);
    tcase_add_test(tc, adam_with_l2_matches_pytorch_over_three_steps);
    tcase_add_test(tc, adamw_with_two_lr_groups_matches_pytorch_over_three_steps);
    tcase_add_test(tc, adamw_with_clipping_and_exponential_decay_matches_pytorch);
    tcase_add_test(tc, frozen_group_is_neither_updated_nor_differentiated);
    tcase_add_test(tc, clip_grad_norm_returns_the_norm_and_scales_to_max);
    tcase_add_test(tc, gradient_accumulation_equals_the_mean_of_micro_batch_gradients);
    tcase_add_test(tc, schedules_follow_their_formulas);
    tcase_add_test(tc, optimiser_refuses_bad_configs_and_parameters);
    suite_add_tcase(s, tc);
    tc = tcase_create("checkpoint");
    tcase_add_test(tc, resumed_run_gives_the_same_losses_as_an_uninterrupted_run);
    tcase_add_test(tc, checkpoint_is_a_readable_safetensors_file_with_state_and_metadata);
    tcase_add_test(tc, loading_a_mismatched_checkpoint_fails_and_changes_nothing);
    tcase_add_test(tc, run_folder_keeps_the_last_k_checkpoints_and_points_latest_at_the_newest);
    suite_add_tcase(s, tc);
    tc = tcase_create("log");
    tcase_add_test(tc, jsonl_log_appends_one_parseable_line_per_step);
    tcase_add_test(tc, progress_line_shows_step_losses_rate_and_eta);
    tcase_add_test(tc, loss_plot_draws_one_panel_per_loss_key);
    tcase_add_test(tc, nonfinite_checks_name_the_step_and_tensor);
    tcase_add_test(tc, sigint_and_sigterm_set_the_stop_flag);
    suite_add_tcase(s, tc);
    return s;
}
