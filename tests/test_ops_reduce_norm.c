/* test_ops_reduce_norm.c — gradient checks, forward values and errors for the
 * reductions (sum, mean, argmax, cumsum), normalisation ops (layer norm, layer
 * norm over channels, softmax, weight norm) and losses (L1, MSE).
 *
 * Forward values come from tests/data/ops_reduce_norm.txt, written by
 * tests/ref/ops_reduce_norm.py (numpy, float64); the inputs live in the same
 * file so both sides start from identical float32 values. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"
#include "test_util.h"

/* --- gradient-check cases -------------------------------------------------- */

static vx_tensor *f_sum_02_keep(vx_ctx *c, vx_tensor **in) { return vx_sum(c, in[0], (int[]){0, 2}, 2, true); }
static vx_tensor *f_sum_last(vx_ctx *c, vx_tensor **in) { return vx_sum(c, in[0], (int[]){-1}, 1, false); }
static vx_tensor *f_sum_all(vx_ctx *c, vx_tensor **in) { return vx_sum(c, in[0], NULL, 0, false); }
static vx_tensor *f_sum_all_keep(vx_ctx *c, vx_tensor **in) { return vx_sum(c, in[0], NULL, 0, true); }
/* [5,3]ᵀ -> [3,5], summed over axis 0 */
static vx_tensor *f_sum_t(vx_ctx *c, vx_tensor **in) { return vx_sum(c, vx_transpose(c, in[0], 0, 1), (int[]){0}, 1, false); }
/* [2,3,2,5] sliced to [2,3,2,3] (step 2 on the last axis), summed over axes 1 and 3 */
static vx_tensor *f_sum_slice(vx_ctx *c, vx_tensor **in)
{
    return vx_sum(c, vx_slice(c, in[0], 3, 0, 5, 2), (int[]){3, 1}, 2, false);
}
static vx_tensor *f_mean_12(vx_ctx *c, vx_tensor **in) { return vx_mean(c, in[0], (int[]){1, 2}, 2, false); }
static vx_tensor *f_mean_neg_keep(vx_ctx *c, vx_tensor **in) { return vx_mean(c, in[0], (int[]){-3, -1}, 2, true); }
static vx_tensor *f_mean_all(vx_ctx *c, vx_tensor **in) { return vx_mean(c, in[0], NULL, 0, false); }
/* [2,3,4] permuted to [4,2,3], mean over axis 1 */
static vx_tensor *f_mean_perm(vx_ctx *c, vx_tensor **in)
{
    return vx_mean(c, vx_permute(c, in[0], (int[]){2, 0, 1}), (int[]){1}, 1, true);
}
static vx_tensor *f_cumsum_0(vx_ctx *c, vx_tensor **in) { return vx_cumsum(c, in[0], 0); }
static vx_tensor *f_cumsum_last(vx_ctx *c, vx_tensor **in) { return vx_cumsum(c, in[0], -1); }
static vx_tensor *f_cumsum_mid(vx_ctx *c, vx_tensor **in) { return vx_cumsum(c, in[0], 1); }
/* [3,5]ᵀ -> [5,3], cumsum along axis 1 */
static vx_tensor *f_cumsum_t(vx_ctx *c, vx_tensor **in) { return vx_cumsum(c, vx_transpose(c, in[0], 0, 1), 1); }

static vx_tensor *f_ln_affine(vx_ctx *c, vx_tensor **in) { return vx_layer_norm(c, in[0], in[1], in[2], 1e-5f); }
static vx_tensor *f_ln_plain(vx_ctx *c, vx_tensor **in) { return vx_layer_norm(c, in[0], NULL, NULL, 1e-5f); }
static vx_tensor *f_ln_gamma(vx_ctx *c, vx_tensor **in) { return vx_layer_norm(c, in[0], in[1], NULL, 0.1f); }
/* beta only, on a transposed x: [5,3]ᵀ -> [3,5] */
static vx_tensor *f_ln_beta_t(vx_ctx *c, vx_tensor **in)
{
    return vx_layer_norm(c, vx_transpose(c, in[0], 0, 1), NULL, in[1], 1e-5f);
}
static vx_tensor *f_lnc_affine(vx_ctx *c, vx_tensor **in) { return vx_layer_norm_channels(c, in[0], in[1], in[2], 1e-5f); }
static vx_tensor *f_lnc_plain(vx_ctx *c, vx_tensor **in) { return vx_layer_norm_channels(c, in[0], NULL, NULL, 1e-4f); }
/* x arrives as [B, T, C] = [2,3,4] and is transposed to [B, C, T] = [2,4,3] */
static vx_tensor *f_lnc_t(vx_ctx *c, vx_tensor **in)
{
    return vx_layer_norm_channels(c, vx_transpose(c, in[0], 1, 2), in[1], in[2], 1e-5f);
}
static vx_tensor *f_softmax_mid(vx_ctx *c, vx_tensor **in) { return vx_softmax(c, in[0], 1); }
static vx_tensor *f_softmax_last(vx_ctx *c, vx_tensor **in) { return vx_softmax(c, in[0], -1); }
static vx_tensor *f_softmax_0(vx_ctx *c, vx_tensor **in) { return vx_softmax(c, in[0], 0); }
/* [3,4,5] with axes 0 and 2 swapped -> [5,4,3], softmax over the middle axis */
static vx_tensor *f_softmax_t(vx_ctx *c, vx_tensor **in) { return vx_softmax(c, vx_transpose(c, in[0], 0, 2), -2); }
static vx_tensor *f_wn(vx_ctx *c, vx_tensor **in) { return vx_weight_norm(c, in[0], in[1]); }
/* v [4,5]ᵀ -> [5,4], g [5,1] */
static vx_tensor *f_wn_t(vx_ctx *c, vx_tensor **in) { return vx_weight_norm(c, in[0], vx_transpose(c, in[1], 0, 1)); }

/* Losses are means, so their gradients are O(1/N): every loss case returns
 * N·loss, which keeps the gradients O(1) where the absolute tolerance bites. */
static vx_tensor *times_numel(vx_ctx *c, vx_tensor *loss, const vx_tensor *like)
{
    return vx_scale(c, loss, (float)vx_numel(like));
}
/* A constant that takes no gradient, shaped like t. */
static vx_tensor *constant_like(vx_ctx *c, const vx_tensor *t, float v)
{
    vx_tensor *k = vx_new(c, VX_F32, t->ndim, t->shape);
    if (k)
        vx_fill(k, v);
    return k;
}
/* l1 inputs are GC_AWAY (|x| >= 0.1) and the other side stays within 0.05
 * of zero, so pred − target keeps its sign under the ±0.01 step. */
static vx_tensor *f_l1(vx_ctx *c, vx_tensor **in)
{
    return times_numel(c, vx_l1_loss(c, in[0], vx_scale(c, in[1], 0.05f)), in[0]);
}
/* pred [5,3]ᵀ -> [3,5] */
static vx_tensor *f_l1_t(vx_ctx *c, vx_tensor **in)
{
    return times_numel(c, vx_l1_loss(c, vx_transpose(c, in[0], 0, 1), vx_scale(c, in[1], 0.05f)), in[1]);
}
static vx_tensor *f_l1_pred_only(vx_ctx *c, vx_tensor **in)
{
    return times_numel(c, vx_l1_loss(c, in[0], constant_like(c, in[0], 0.03f)), in[0]);
}
static vx_tensor *f_l1_target_only(vx_ctx *c, vx_tensor **in)
{
    return times_numel(c, vx_l1_loss(c, constant_like(c, in[0], -0.04f), in[0]), in[0]);
}
static vx_tensor *f_mse(vx_ctx *c, vx_tensor **in) { return times_numel(c, vx_mse_loss(c, in[0], in[1]), in[0]); }
/* pred is every other row of [7,3] -> [4,3] */
static vx_tensor *f_mse_slice(vx_ctx *c, vx_tensor **in)
{
    return times_numel(c, vx_mse_loss(c, vx_slice(c, in[0], 0, 0, 7, 2), in[1]), in[1]);
}
static vx_tensor *f_mse_pred_only(vx_ctx *c, vx_tensor **in)
{
    return times_numel(c, vx_mse_loss(c, in[0], constant_like(c, in[0], 0.5f)), in[0]);
}
static vx_tensor *f_mse_target_only(vx_ctx *c, vx_tensor **in)
{
    return times_numel(c, vx_mse_loss(c, constant_like(c, in[0], -0.3f), in[0]), in[0]);
}

const gc_case gc_cases_reduce_norm[] = {
    {"sum", "axes {0,2} keepdim of [3,4,5]", f_sum_02_keep, 1, {{3, {3, 4, 5}}}},
    {"sum", "axis -1 of [2,3,5]", f_sum_last, 1, {{3, {2, 3, 5}}}},
    {"sum", "everything -> 0-d", f_sum_all, 1, {{2, {3, 5}}}},
    {"sum", "everything, keepdim -> [1,1,1]", f_sum_all_keep, 1, {{3, {2, 3, 2}}}},
    {"sum", "transposed view [5,3]ᵀ over axis 0", f_sum_t, 1, {{2, {5, 3}}}},
    {"sum", "strided slice of 4-D, axes {3,1}", f_sum_slice, 1, {{4, {2, 3, 2, 5}}}},
    {"mean", "axes {1,2} of [3,4,5]", f_mean_12, 1, {{3, {3, 4, 5}}}},
    {"mean", "axes {-3,-1} keepdim of [3,4,5]", f_mean_neg_keep, 1, {{3, {3, 4, 5}}}},
    {"mean", "everything -> 0-d", f_mean_all, 1, {{2, {7, 3}}}},
    {"mean", "permuted view, axis 1 keepdim", f_mean_perm, 1, {{3, {2, 3, 4}}}},
    {"cumsum", "axis 0 of [4,3]", f_cumsum_0, 1, {{2, {4, 3}}}},
    {"cumsum", "axis -1 of [2,3,5]", f_cumsum_last, 1, {{3, {2, 3, 5}}}},
    {"cumsum", "middle axis of [3,4,2]", f_cumsum_mid, 1, {{3, {3, 4, 2}}}},
    {"cumsum", "transposed view [3,5]ᵀ along axis 1", f_cumsum_t, 1, {{2, {3, 5}}}},
    {"layer_norm", "[2,3,7] with gamma and beta", f_ln_affine, 3, {{3, {2, 3, 7}}, {1, {7}}, {1, {7}}}},
    {"layer_norm", "NULL gamma and beta, [4,5]", f_ln_plain, 1, {{2, {4, 5}}}},
    {"layer_norm", "gamma only, eps 0.1, [3,6]", f_ln_gamma, 2, {{2, {3, 6}}, {1, {6}}}},
    {"layer_norm", "beta only on a transposed x", f_ln_beta_t, 2, {{2, {5, 3}}, {1, {5}}}},
    {"layer_norm_channels", "[2,5,3] with gamma and beta", f_lnc_affine, 3, {{3, {2, 5, 3}}, {1, {5}}, {1, {5}}}},
    {"layer_norm_channels", "NULL gamma and beta, [1,4,6]", f_lnc_plain, 1, {{3, {1, 4, 6}}}},
    {"layer_norm_channels", "x transposed from [B,T,C]", f_lnc_t, 3, {{3, {2, 3, 4}}, {1, {4}}, {1, {4}}}},
    {"softmax", "middle axis of [3,4,5]", f_softmax_mid, 1, {{3, {3, 4, 5}}}},
    {"softmax", "last axis of [4,6]", f_softmax_last, 1, {{2, {4, 6}}}},
    {"softmax", "axis 0 of [5,3]", f_softmax_0, 1, {{2, {5, 3}}}},
    {"softmax", "middle axis of a transposed view", f_softmax_t, 1, {{3, {3, 4, 5}}}},
    {"weight_norm", "g [O] for v [4,3,2]", f_wn, 2, {{1, {4}}, {3, {4, 3, 2}}}},
    {"weight_norm", "g [O,1,1] for v [3,2,5]", f_wn, 2, {{3, {3, 1, 1}}, {3, {3, 2, 5}}}},
    {"weight_norm", "g [O,1] for a transposed v", f_wn_t, 2, {{2, {5, 1}}, {2, {4, 5}}}},
    {"l1_loss", "pred and target both take gradients", f_l1, 2, {{2, {3, 5}, GC_AWAY}, {2, {3, 5}, GC_AWAY}}},
    {"l1_loss", "transposed pred", f_l1_t, 2, {{2, {5, 3}, GC_AWAY}, {2, {3, 5}, GC_AWAY}}},
    {"l1_loss", "constant target, 4-D", f_l1_pred_only, 1, {{4, {2, 1, 3, 2}, GC_AWAY}}},
    {"l1_loss", "constant pred: the gradient reaches target alone", f_l1_target_only, 1, {{2, {4, 3}, GC_AWAY}}},
    {"mse_loss", "pred and target both take gradients", f_mse, 2, {{2, {4, 3}}, {2, {4, 3}}}},
    {"mse_loss", "strided slice of pred", f_mse_slice, 2, {{2, {7, 3}}, {2, {4, 3}}}},
    {"mse_loss", "constant target, 3-D", f_mse_pred_only, 1, {{3, {2, 3, 2}}}},
    {"mse_loss", "constant pred: the gradient reaches target alone", f_mse_target_only, 1, {{1, {9}}}},
    {0},
};

/* --- the numpy fixture ------------------------------------------------------ */

#define FIXTURE "tests/data/ops_reduce_norm.txt"

/* Tensor NAME of the fixture as a new f32 arena tensor; fails the test when absent. */
static vx_tensor *fx(vx_ctx *ctx, const char *name)
{
    FILE *f = fopen(FIXTURE, "r");
    ck_assert_msg(f != NULL, "cannot open %s (run the tests from the repository root)", FIXTURE);
    char *line = NULL;
    size_t cap = 0, len = strlen(name);
    vx_tensor *t = NULL;
    bool parsed = true;
    while (!t && getline(&line, &cap, f) > 0) {
        if (strncmp(line, name, len) != 0 || line[len] != ' ')
            continue;
        char *p = line + len, *end;
        int ndim = (int)strtol(p, &end, 10);
        int64_t shape[VX_MAX_DIMS] = {0};
        for (int d = 0; d < ndim && d < VX_MAX_DIMS; d++)
            shape[d] = strtoll(end, &end, 10);
        t = vx_new(ctx, VX_F32, ndim, shape);
        for (int64_t i = 0; t && i < vx_numel(t); i++) {
            p = end;
            ((float *)t->data)[i] = strtof(p, &end);
            parsed = parsed && end != p;
        }
    }
    free(line);
    fclose(f);
    ck_assert_msg(t && parsed, "%s: tensor %s is missing or malformed (regenerate it with "
                  "python3 tests/ref/ops_reduce_norm.py)", FIXTURE, name);
    return t;
}

/* got (f32 or i32) equals fixture tensor `name` in shape, and in value within 1e-5 (relative above 1). */
static void expect_fixture(vx_ctx *ctx, const vx_tensor *got, const char *name)
{
    ck_assert_msg(got != NULL, "%s: the op failed: %s", name, vx_last_error());
    vx_tensor *want = fx(ctx, name);
    char bg[64], bw[64];
    ck_assert_msg(vx_same_shape(got, want), "%s: shape %s, reference %s", name,
                  vx_shape_str(got, bg, sizeof bg), vx_shape_str(want, bw, sizeof bw));
    for (int64_t i = 0; i < vx_numel(want); i++) {
        double w = vx_get_f(want, i);
        double g = got->dtype == VX_I32 ? (double)vx_get_i(got, i) : (double)vx_get_f(got, i);
        ck_assert_msg(fabs(g - w) <= 1e-5 * fmax(1.0, fabs(w)), "%s[%lld] = %.9g, reference %.9g",
                      name, (long long)i, g, w);
    }
}

/* --- forward values against the fixture -------------------------------------- */

typedef vx_tensor *(*forward_fn)(vx_ctx *ctx);

static vx_tensor *r_sum_02_keep(vx_ctx *c) { return vx_sum(c, fx(c, "x3"), (int[]){0, 2}, 2, true); }
static vx_tensor *r_sum_last(vx_ctx *c) { return vx_sum(c, fx(c, "x3"), (int[]){-1}, 1, false); }
static vx_tensor *r_sum_all(vx_ctx *c) { return vx_sum(c, fx(c, "x3"), NULL, 0, false); }
static vx_tensor *r_sum_t(vx_ctx *c) { return vx_sum(c, vx_transpose(c, fx(c, "x3"), 0, 2), (int[]){1}, 1, false); }
static vx_tensor *r_sum_4d(vx_ctx *c) { return vx_sum(c, fx(c, "x4"), (int[]){1, 3}, 2, false); }
static vx_tensor *r_mean_12(vx_ctx *c) { return vx_mean(c, fx(c, "x3"), (int[]){1, 2}, 2, false); }
static vx_tensor *r_mean_neg_keep(vx_ctx *c) { return vx_mean(c, fx(c, "x3"), (int[]){-3, -1}, 2, true); }
static vx_tensor *r_mean_all_keep(vx_ctx *c) { return vx_mean(c, fx(c, "x3"), NULL, 0, true); }
static vx_tensor *r_mean_slice(vx_ctx *c) { return vx_mean(c, vx_slice(c, fx(c, "x3"), 2, 1, 5, 2), (int[]){0}, 1, false); }
static vx_tensor *r_cumsum_0(vx_ctx *c) { return vx_cumsum(c, fx(c, "x3"), 0); }
static vx_tensor *r_cumsum_1(vx_ctx *c) { return vx_cumsum(c, fx(c, "x3"), 1); }
static vx_tensor *r_cumsum_last(vx_ctx *c) { return vx_cumsum(c, fx(c, "x3"), -1); }
static vx_tensor *r_cumsum_t(vx_ctx *c) { return vx_cumsum(c, vx_transpose(c, fx(c, "x3"), 1, 2), 2); }
static vx_tensor *r_argmax_ties_1(vx_ctx *c) { return vx_argmax(c, fx(c, "ties"), 1); }
static vx_tensor *r_argmax_ties_0(vx_ctx *c) { return vx_argmax(c, fx(c, "ties"), 0); }
static vx_tensor *r_argmax_x3(vx_ctx *c) { return vx_argmax(c, fx(c, "x3"), 1); }
static vx_tensor *r_argmax_nan(vx_ctx *c) { return vx_argmax(c, fx(c, "with_nan"), -1); }
static vx_tensor *r_ln_affine(vx_ctx *c) { return vx_layer_norm(c, fx(c, "ln_x"), fx(c, "ln_g"), fx(c, "ln_b"), 1e-5f); }
static vx_tensor *r_ln_plain(vx_ctx *c) { return vx_layer_norm(c, fx(c, "ln_x"), NULL, NULL, 1e-5f); }
static vx_tensor *r_ln_gamma(vx_ctx *c) { return vx_layer_norm(c, fx(c, "ln_x"), fx(c, "ln_g"), NULL, 0.1f); }
static vx_tensor *r_lnc_affine(vx_ctx *c)
{
    return vx_layer_norm_channels(c, fx(c, "lnc_x"), fx(c, "lnc_g"), fx(c, "lnc_b"), 1e-5f);
}
static vx_tensor *r_lnc_plain(vx_ctx *c) { return vx_layer_norm_channels(c, fx(c, "lnc_x"), NULL, NULL, 1e-4f); }
static vx_tensor *r_softmax_1(vx_ctx *c) { return vx_softmax(c, fx(c, "x3"), 1); }
static vx_tensor *r_softmax_last(vx_ctx *c) { return vx_softmax(c, fx(c, "x3"), -1); }
static vx_tensor *r_softmax_0(vx_ctx *c) { return vx_softmax(c, fx(c, "x3"), 0); }
static vx_tensor *r_softmax_big(vx_ctx *c) { return vx_softmax(c, fx(c, "big"), 1); }
static vx_tensor *r_wn_vec(vx_ctx *c) { return vx_weight_norm(c, fx(c, "wn_g"), fx(c, "wn_v")); }
static vx_tensor *r_wn_col(vx_ctx *c)
{
    return vx_weight_norm(c, vx_reshape(c, fx(c, "wn_g"), 3, (int64_t[]){4, 1, 1}), fx(c, "wn_v"));
}
static vx_tensor *r_l1(vx_ctx *c) { return vx_l1_loss(c, fx(c, "pred"), fx(c, "target")); }
static vx_tensor *r_mse(vx_ctx *c) { return vx_mse_loss(c, fx(c, "pred"), fx(c, "target")); }

static const struct {
    const char *expect; /* fixture tensor holding the reference output */
    forward_fn fn;
} forward_cases[] = {
    {"sum_x3_axes0_2_keep", r_sum_02_keep},
    {"sum_x3_axis_m1", r_sum_last},
    {"sum_x3_all", r_sum_all},
    {"sum_x3t_axis1", r_sum_t},
    {"sum_x4_axes1_3", r_sum_4d},
    {"mean_x3_axes1_2", r_mean_12},
    {"mean_x3_axes_m3_m1_keep", r_mean_neg_keep},
    {"mean_x3_all_keep", r_mean_all_keep},
    {"mean_x3s_axis0", r_mean_slice},
    {"cumsum_x3_axis0", r_cumsum_0},
    {"cumsum_x3_axis1", r_cumsum_1},
    {"cumsum_x3_axis_m1", r_cumsum_last},
    {"cumsum_x3t_axis2", r_cumsum_t},
    {"argmax_ties_axis1", r_argmax_ties_1},
    {"argmax_ties_axis0", r_argmax_ties_0},
    {"argmax_x3_axis1", r_argmax_x3},
    {"argmax_with_nan_axis1", r_argmax_nan},
    {"layer_norm_affine", r_ln_affine},
    {"layer_norm_plain", r_ln_plain},
    {"layer_norm_gamma_only_eps0.1", r_ln_gamma},
    {"layer_norm_channels_affine", r_lnc_affine},
    {"layer_norm_channels_plain", r_lnc_plain},
    {"softmax_x3_axis1", r_softmax_1},
    {"softmax_x3_axis_m1", r_softmax_last},
    {"softmax_x3_axis0", r_softmax_0},
    {"softmax_big_axis1", r_softmax_big},
    {"weight_norm", r_wn_vec},
    {"weight_norm", r_wn_col},
    {"l1_loss", r_l1},
    {"mse_loss", r_mse},
};
#define N_FORWARD_CASES ((int)(sizeof forward_cases / sizeof *forward_cases))

START_TEST(forward_matches_numpy_reference)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *got = forward_cases[_i].fn(ctx);
    expect_fixture(ctx, got, forward_cases[_i].expect);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(argmax_returns_i32_with_the_axis_removed)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *y = vx_argmax(ctx, vx_new(ctx, VX_F32, 3, (int64_t[]){2, 5, 3}), -2);
    ck_assert_ptr_nonnull(y);
    ck_assert_int_eq(y->dtype, VX_I32);
    ck_assert_int_eq(y->ndim, 2);
    ck_assert_int_eq(y->shape[0], 2);
    ck_assert_int_eq(y->shape[1], 3);
    for (int i = 0; i < 6; i++) /* all zeros: the first maximum is index 0 */
        ck_assert_int_eq(vx_get_i(y, i), 0);
    vx_ctx_free(ctx);
}
END_TEST

/* d/dpred mean|pred − target| = sign(pred − target)/N with sign(0) = 0 (torch.sign):
 * here N = 4 and pred − target = {1, 0, −2, 0}. */
START_TEST(l1_gradient_is_zero_where_pred_equals_target)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *pred = vx_param(ctx, "pred", VX_F32, 1, (int64_t[]){4}, true);
    vx_tensor *target = vx_param(ctx, "target", VX_F32, 1, (int64_t[]){4}, true);
    memcpy(pred->data, (float[]){2, 1, -1, 3}, sizeof(float[4]));
    memcpy(target->data, (float[]){1, 1, 1, 3}, sizeof(float[4]));
    vx_tensor *loss = vx_l1_loss(ctx, pred, target);
    ck_assert_int_eq(vx_backward(ctx, loss), VX_OK);
    ck_assert_close(vx_get_f(loss, 0), 0.75, 1e-7);
    float want[4] = {0.25f, 0.0f, -0.25f, 0.0f};
    for (int i = 0; i < 4; i++) {
        ck_assert_close(vx_get_f(pred->grad, i), want[i], 1e-7);
        ck_assert_close(vx_get_f(target->grad, i), -want[i], 1e-7);
    }
    vx_ctx_free(ctx);
}
END_TEST

/* --- errors ------------------------------------------------------------------- */

START_TEST(bad_axes_fail_with_messages)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = vx_new(ctx, VX_F32, 3, (int64_t[]){2, 3, 4});
    ck_assert_fails(vx_sum(ctx, x, (int[]){3}, 1, false));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "out of range"));
    ck_assert_fails(vx_sum(ctx, x, (int[]){-4}, 1, false));
    ck_assert_fails(vx_mean(ctx, x, (int[]){1, -2}, 2, true));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "twice"));
    ck_assert_fails(vx_mean(ctx, x, (int[]){0}, -1, false));
    ck_assert_fails(vx_sum(ctx, x, NULL, 2, false));
    ck_assert_fails(vx_argmax(ctx, x, 3));
    ck_assert_fails(vx_argmax(ctx, vx_new(ctx, VX_F32, 2, (int64_t[]){2, 0}), 1));
    ck_assert_fails(vx_cumsum(ctx, x, -4));
    ck_assert_fails(vx_softmax(ctx, x, 5));
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(loss_shape_mismatch_fails_with_message)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *a = vx_new(ctx, VX_F32, 2, (int64_t[]){3, 5});
    vx_tensor *b = vx_new(ctx, VX_F32, 2, (int64_t[]){5, 3});
    vx_tensor *flat = vx_new(ctx, VX_F32, 1, (int64_t[]){15});
    vx_tensor *row = vx_new(ctx, VX_F32, 2, (int64_t[]){1, 5});
    ck_assert_fails(vx_l1_loss(ctx, a, b));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "same shape"));
    ck_assert_fails(vx_mse_loss(ctx, a, flat));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "same shape"));
    ck_assert_fails(vx_mse_loss(ctx, a, row)); /* no silent broadcasting */
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(norm_parameters_of_the_wrong_shape_fail)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = vx_new(ctx, VX_F32, 3, (int64_t[]){2, 5, 7});
    vx_tensor *c5 = vx_new(ctx, VX_F32, 1, (int64_t[]){5});
    vx_tensor *c7 = vx_new(ctx, VX_F32, 1, (int64_t[]){7});
    vx_tensor *c7x1 = vx_new(ctx, VX_F32, 2, (int64_t[]){7, 1});
    ck_assert_fails(vx_layer_norm(ctx, x, c5, NULL, 1e-5f));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "gamma"));
    ck_assert_fails(vx_layer_norm(ctx, x, c7, c5, 1e-5f));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "beta"));
    ck_assert_fails(vx_layer_norm(ctx, x, c7x1, NULL, 1e-5f));
    ck_assert_fails(vx_layer_norm(ctx, x, NULL, NULL, -1.0f));
    ck_assert_fails(vx_layer_norm(ctx, vx_scalar(ctx, 1.0f), NULL, NULL, 1e-5f));
    ck_assert_fails(vx_layer_norm_channels(ctx, x, c7, NULL, 1e-5f));
    ck_assert_fails(vx_layer_norm_channels(ctx, x, NULL, c7, 1e-5f));
    ck_assert_fails(vx_layer_norm_channels(ctx, vx_new(ctx, VX_F32, 2, (int64_t[]){5, 7}), c5, NULL, 1e-5f));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "[B, C, T]"));
    vx_tensor *v = vx_new(ctx, VX_F32, 3, (int64_t[]){4, 3, 2});
    ck_assert_fails(vx_weight_norm(ctx, c5, v));
    ck_assert_fails(vx_weight_norm(ctx, vx_new(ctx, VX_F32, 2, (int64_t[]){4, 1}), v));
    ck_assert_fails(vx_weight_norm(ctx, vx_new(ctx, VX_F32, 3, (int64_t[]){4, 3, 1}), v));
    ck_assert_fails(vx_weight_norm(ctx, vx_scalar(ctx, 1.0f), vx_scalar(ctx, 1.0f)));
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(integer_inputs_are_rejected)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *i3 = vx_new(ctx, VX_I32, 3, (int64_t[]){2, 3, 4});
    vx_tensor *f3 = vx_new(ctx, VX_F32, 3, (int64_t[]){2, 3, 4});
    vx_tensor *i4 = vx_new(ctx, VX_I32, 1, (int64_t[]){4});
    vx_tensor *i2 = vx_new(ctx, VX_I32, 1, (int64_t[]){2});
    ck_assert_fails(vx_sum(ctx, i3, NULL, 0, false));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "f32"));
    ck_assert_fails(vx_mean(ctx, i3, (int[]){1}, 1, false));
    ck_assert_fails(vx_argmax(ctx, i3, 0));
    ck_assert_fails(vx_cumsum(ctx, i3, 0));
    ck_assert_fails(vx_layer_norm(ctx, i3, NULL, NULL, 1e-5f));
    ck_assert_fails(vx_layer_norm(ctx, f3, i4, NULL, 1e-5f));
    ck_assert_fails(vx_layer_norm_channels(ctx, i3, NULL, NULL, 1e-5f));
    ck_assert_fails(vx_softmax(ctx, i3, 1));
    ck_assert_fails(vx_weight_norm(ctx, i2, f3));
    ck_assert_fails(vx_weight_norm(ctx, vx_new(ctx, VX_F32, 1, (int64_t[]){2}), i3));
    ck_assert_fails(vx_l1_loss(ctx, i3, f3));
    ck_assert_fails(vx_mse_loss(ctx, f3, i3));
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(null_inputs_propagate_without_new_error)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = vx_new(ctx, VX_F32, 2, (int64_t[]){2, 3});
    vx_fail(VX_ERR_ARG, "original");
    ck_assert_ptr_null(vx_sum(ctx, NULL, NULL, 0, false));
    ck_assert_ptr_null(vx_mean(ctx, NULL, NULL, 0, false));
    ck_assert_ptr_null(vx_argmax(ctx, NULL, 0));
    ck_assert_ptr_null(vx_cumsum(ctx, NULL, 0));
    ck_assert_ptr_null(vx_layer_norm(ctx, NULL, NULL, NULL, 1e-5f));
    ck_assert_ptr_null(vx_layer_norm_channels(ctx, NULL, NULL, NULL, 1e-5f));
    ck_assert_ptr_null(vx_softmax(ctx, NULL, 0));
    ck_assert_ptr_null(vx_weight_norm(ctx, NULL, x));
    ck_assert_ptr_null(vx_l1_loss(ctx, x, NULL));
    ck_assert_ptr_null(vx_mse_loss(ctx, NULL, x));
    ck_assert_str_eq(vx_last_error(), "original");
    vx_ctx_free(ctx);
}
END_TEST

/* --- grad mode ------------------------------------------------------------------ */

/* Runs every differentiable op of this family once on leaves that require grad. */
static void run_every_op(vx_ctx *ctx, vx_tensor *x, vx_tensor *c, vx_tensor *g, vx_tensor *v)
{
    vx_tensor *outs[] = {
        vx_sum(ctx, x, (int[]){1}, 1, false),
        vx_mean(ctx, x, NULL, 0, true),
        vx_cumsum(ctx, x, 2),
        vx_layer_norm(ctx, x, c, c, 1e-5f),
        vx_layer_norm_channels(ctx, x, c, c, 1e-5f),
        vx_softmax(ctx, x, 1),
        vx_weight_norm(ctx, g, v),
        vx_l1_loss(ctx, x, x),
        vx_mse_loss(ctx, x, x),
    };
    for (size_t i = 0; i < sizeof outs / sizeof *outs; i++)
        ck_assert_msg(outs[i] != NULL, "op %zu failed: %s", i, vx_last_error());
}

START_TEST(no_grad_mode_records_nothing)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = vx_param(ctx, "x", VX_F32, 3, (int64_t[]){2, 4, 4}, true);
    vx_tensor *c = vx_param(ctx, "c", VX_F32, 1, (int64_t[]){4}, true);
    vx_tensor *g = vx_param(ctx, "g", VX_F32, 1, (int64_t[]){3}, true);
    vx_tensor *v = vx_param(ctx, "v", VX_F32, 2, (int64_t[]){3, 5}, true);
    vx_fill(x, 0.5f);
    vx_fill(v, 1.0f);
    vx_set_grad_enabled(ctx, false);
    run_every_op(ctx, x, c, g, v);
    ck_assert_int_eq(vx_tape_len(ctx), 0);
    /* the same calls with grad on record one node each */
    vx_set_grad_enabled(ctx, true);
    run_every_op(ctx, x, c, g, v);
    ck_assert_int_eq(vx_tape_len(ctx), 9);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(argmax_never_joins_the_tape)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = vx_param(ctx, "x", VX_F32, 2, (int64_t[]){3, 4}, true);
    vx_tensor *y = vx_argmax(ctx, vx_transpose(ctx, x, 0, 1), 1);
    ck_assert_ptr_nonnull(y);
    ck_assert(!y->requires_grad);
    ck_assert_int_eq(vx_tape_len(ctx), 1); /* only the transpose */
    vx_ctx_free(ctx);
}
END_TEST

Suite *suite_ops_reduce_norm(void)
{
    Suite *s = suite_create("ops_reduce_norm");
    TCase *tc = tcase_create("forward");
    tcase_add_loop_test(tc, forward_matches_numpy_reference, 0, N_FORWARD_CASES);
    tcase_add_test(tc, argmax_returns_i32_with_the_axis_removed);
    tcase_add_test(tc, l1_gradient_is_zero_where_pred_equals_target);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_add_test(tc, bad_axes_fail_with_messages);
    tcase_add_test(tc, loss_shape_mismatch_fails_with_message);
    tcase_add_test(tc, norm_parameters_of_the_wrong_shape_fail);
    tcase_add_test(tc, integer_inputs_are_rejected);
    tcase_add_test(tc, null_inputs_propagate_without_new_error);
    suite_add_tcase(s, tc);
    tc = tcase_create("grad_mode");
    tcase_add_test(tc, no_grad_mode_records_nothing);
    tcase_add_test(tc, argmax_never_joins_the_tape);
    suite_add_tcase(s, tc);
    return s;
}
