/* test_fastspeech2.c — FastSpeech2 against PyTorch and against itself.
 *
 * Fixtures in tests/data/fastspeech2/ come from tests/ref/fastspeech2_parity.py:
 * a tiny model with fixed weights (tiny.safetensors), a padded batch of two
 * utterances with NaN targets at the padding, the training forward's outputs
 * and losses, every parameter's gradient of the total loss, inference with
 * and without controls, and three Adam updates, computed by PyTorch in
 * float64. Outputs must match within 1e-4 relative to the largest magnitude
 * of each tensor, gradients within 1e-4 relative to the largest gradient of
 * their layer (see assert_grads in test_parity.h), losses within 1e-4
 * relative, durations exactly. Self-checks: batching does not change an
 * utterance's outputs, dropout follows the training mode, the controls follow
 * their definitions, the named configs' parameter counts, and argument errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/fastspeech2.h"
#include "nn/safetensors.h"
#include "test_parity.h"
#include "test_util.h"
#include "train/checkpoint.h"

#define FS2_DIR "tests/data/fastspeech2"
#define PARITY FS2_DIR "/parity.safetensors"
#define WEIGHTS FS2_DIR "/tiny.safetensors"
#define REL_TOL 1e-4

/* --- helpers --------------------------------------------------------------------- */

/* The config of tests/ref/fastspeech2_parity.py's TINY. */
static vx_fs2_config tiny_config(void)
{
    vx_fs2_config c;
    ck_assert_int_eq(vx_fs2_config_named("ljspeech", &c), VX_OK);
    c.n_vocab = 12;
    c.n_speakers = 3;
    c.n_mels = 10;
    c.hidden = 16;
    c.heads = 2;
    c.enc_layers = 2;
    c.dec_layers = 2;
    c.ffn_filter = 24;
    c.vp_filter = 12;
    c.n_bins = 32;
    c.pitch_mean = 180;
    c.pitch_std = 40;
    c.pitch_min = -2.5f;
    c.pitch_max = 3;
    c.energy_mean = 30;
    c.energy_std = 20;
    c.energy_min = -1.5f;
    c.energy_max = 4;
    c.postnet_channels = 16;
    return c;
}

/* A persistent copy (survives vx_ctx_reset and the file's closing). */
static vx_tensor *kept(vx_ctx *ctx, vx_st_file *f, const char *name)
{
    vx_tensor *t = fixture(ctx, f, name);
    vx_tensor *k = vx_param(ctx, NULL, t->dtype, t->ndim, t->shape, false);
    ck_assert_ptr_nonnull(k);
    memcpy(k->data, t->data, (size_t)vx_numel(t) * vx_dtype_size(t->dtype));
    return k;
}

static void assert_same_ints(const vx_tensor *got, const vx_tensor *want, const char *what)
{
    ck_assert_msg(got && vx_numel(got) == vx_numel(want), "%s: wrong size", what);
    for (int64_t i = 0; i < vx_numel(want); i++)
        ck_assert_msg(vx_get_i(got, i) == vx_get_i(want, i), "%s[%lld]: voxc %d, PyTorch %d", what,
                      (long long)i, (int)vx_get_i(got, i), (int)vx_get_i(want, i));
}

static void assert_rel(double got, double want, const char *what)
{
    ck_assert_msg(fabs(got - want) <= REL_TOL * fabs(want), "%s: voxc %.9g, PyTorch %.9g", what, got, want);
}

/* The tiny model with the fixture's weights and bins. */
static vx_fs2 *tiny_model(vx_ctx *ctx)
{
    vx_fs2_config cfg = tiny_config();
    vx_fs2 *m = vx_fs2_new(ctx, &cfg);
    ck_assert_msg(m != NULL, "%s", vx_last_error());
    vx_tensor *const *t;
    int n = vx_fs2_params(m, &t);
    ck_assert_msg(vx_ckpt_load_tensors(WEIGHTS, t, n) == VX_OK, "%s", vx_last_error());
    n = vx_fs2_buffers(m, &t);
    ck_assert_msg(vx_ckpt_load_tensors(WEIGHTS, t, n) == VX_OK, "%s", vx_last_error());
    return m;
}

/* The fixture's batch; `keep` makes persistent copies. */
static void batch_of(vx_ctx *ctx, vx_st_file *f, bool keep, vx_fs2_input *in, vx_fs2_targets *tg)
{
    vx_tensor *(*get)(vx_ctx *, vx_st_file *, const char *) = keep ? kept : fixture;
    *in = (vx_fs2_input){.phonemes = get(ctx, f, "in.phonemes"), .src_lens = get(ctx, f, "in.src_lens"),
                         .speakers = get(ctx, f, "in.speakers")};
    *tg = (vx_fs2_targets){.durations = get(ctx, f, "in.durations"), .pitch = get(ctx, f, "in.pitch"),
                           .energy = get(ctx, f, "in.energy"), .mel = get(ctx, f, "in.mel")};
}

/* What most tests work on: a context, the parity fixture, the tiny model with
 * the fixture's weights and the fixture's batch. */
typedef struct parity_case {
    vx_ctx *ctx;
    vx_st_file *f;
    vx_fs2 *m;
    vx_fs2_input in;
    vx_fs2_targets tg;
} parity_case;

/* Open a parity_case; `keep` makes the batch persistent copies (batch_of). */
static parity_case parity_begin(bool keep)
{
    parity_case p = {.ctx = test_ctx()};
    p.f = parity_open(PARITY);
    p.m = tiny_model(p.ctx);
    batch_of(p.ctx, p.f, keep, &p.in, &p.tg);
    return p;
}

static void parity_end(parity_case *p)
{
    vx_fs2_free(p->m);
    vx_st_close(p->f);
    vx_ctx_free(p->ctx);
}

/* The six loss terms of l against the fixture's values PREFIX<term>. */
static void assert_losses(vx_ctx *ctx, vx_st_file *f, const vx_fs2_losses *l, const char *prefix)
{
    const char *names[6] = {"total", "mel", "postnet_mel", "duration", "pitch", "energy"};
    double got[6] = {l->total, l->mel, l->postnet_mel, l->duration, l->pitch, l->energy};
    for (int i = 0; i < 6; i++) {
        char key[48];
        snprintf(key, sizeof key, "%s%s", prefix, names[i]);
        assert_rel(got[i], vx_get_f(fixture(ctx, f, key), 0), key);
    }
}

/* --- parity ------------------------------------------------------------------------ */

START_TEST(training_forward_losses_and_gradients_match_pytorch)
{
    parity_case p = parity_begin(false);
    vx_fs2_output out;
    ck_assert_msg(vx_fs2_forward(p.ctx, p.m, &p.in, &p.tg, NULL, &out) == VX_OK, "%s", vx_last_error());
    ck_assert_int_eq(out.mel->shape[1], 13);
    ck_assert_int_eq(vx_get_i(out.mel_lens, 0), 13);
    ck_assert_int_eq(vx_get_i(out.mel_lens, 1), 10);
    assert_close_tensor(out.mel, fixture(p.ctx, p.f, "fwd.mel"), REL_TOL, "mel");
    assert_close_tensor(out.mel_postnet, fixture(p.ctx, p.f, "fwd.mel_postnet"), REL_TOL, "mel_postnet");
    assert_close_tensor(out.log_duration, fixture(p.ctx, p.f, "fwd.log_duration"), REL_TOL, "log_duration");
    assert_close_tensor(out.pitch, fixture(p.ctx, p.f, "fwd.pitch"), REL_TOL, "pitch");
    assert_close_tensor(out.energy, fixture(p.ctx, p.f, "fwd.energy"), REL_TOL, "energy");

    vx_fs2_losses l;
    vx_tensor *loss = vx_fs2_loss(p.ctx, p.m, &out, &p.tg, &l);
    ck_assert_msg(loss != NULL, "%s", vx_last_error());
    assert_losses(p.ctx, p.f, &l, "loss.");
    ck_assert_int_eq(vx_backward(p.ctx, loss), VX_OK);
    vx_tensor *const *params;
    int n = vx_fs2_params(p.m, &params);
    assert_grads(p.ctx, p.f, params, n, "grad.", REL_TOL);
    parity_end(&p);
}
END_TEST

START_TEST(inference_durations_and_mels_match_pytorch_with_and_without_controls)
{
    parity_case p = parity_begin(false);
    vx_set_grad_enabled(p.ctx, false);
    vx_fs2_output out;
    ck_assert_msg(vx_fs2_forward(p.ctx, p.m, &p.in, NULL, NULL, &out) == VX_OK, "%s", vx_last_error());
    assert_same_ints(out.durations, fixture(p.ctx, p.f, "inf.durations"), "durations");
    assert_close_tensor(out.log_duration, fixture(p.ctx, p.f, "inf.log_duration"), REL_TOL, "log_duration");
    assert_close_tensor(out.mel_postnet, fixture(p.ctx, p.f, "inf.mel_postnet"), REL_TOL, "mel_postnet");
    ck_assert_int_eq(vx_tape_len(p.ctx), 0);

    vx_fs2_controls c = {.pitch_shift = 3, .pitch_scale = 1.3f, .energy_scale = 0.7f, .speed = 1.25f};
    ck_assert_msg(vx_fs2_forward(p.ctx, p.m, &p.in, NULL, &c, &out) == VX_OK, "%s", vx_last_error());
    assert_same_ints(out.durations, fixture(p.ctx, p.f, "ctl.durations"), "controlled durations");
    assert_close_tensor(out.mel_postnet, fixture(p.ctx, p.f, "ctl.mel_postnet"), REL_TOL,
                        "controlled mel_postnet");
    parity_end(&p);
}
END_TEST

START_TEST(three_adam_updates_match_pytorch)
{
    parity_case p = parity_begin(true);
    vx_fs2_train_config tc = vx_fs2_train_config_default(vx_fs2_get_config(p.m));
    tc.optim.lr = 1e-2;
    tc.schedule.warmup = 2;
    vx_optim *opt = vx_fs2_optim_new(p.ctx, p.m, &tc);
    ck_assert_msg(opt != NULL, "%s", vx_last_error());
    vx_ctx_reset(p.ctx);
    for (int s = 1; s <= 3; s++) {
        vx_fs2_losses l;
        ck_assert_msg(vx_fs2_train_step(p.ctx, p.m, opt, tc.grad_clip, &p.in, &p.tg, &l) == VX_OK, "%s",
                      vx_last_error());
        char prefix[32];
        snprintf(prefix, sizeof prefix, "train.s%d.", s);
        assert_losses(p.ctx, p.f, &l, prefix);
        ck_assert(l.grad_norm > 1.0); /* the clip is active */
        vx_ctx_reset(p.ctx);
    }
    ck_assert_int_eq(vx_optim_steps(opt), 3);
    vx_tensor *const *params;
    int n = vx_fs2_params(p.m, &params);
    const char *finals[4] = {"encoder.layer_stack.0.slf_attn.w_qs.weight", "mel_linear.bias",
                             "variance_adaptor.pitch_embedding.weight", "postnet.convs.4.weight"};
    for (int i = 0; i < 4; i++) {
        char key[80];
        snprintf(key, sizeof key, "final.%s", finals[i]);
        assert_close_tensor(find_param(params, n, finals[i]), fixture(p.ctx, p.f, key), REL_TOL, key);
    }
    parity_end(&p);
}
END_TEST

START_TEST(bins_match_torch_linspace)
{
    vx_ctx *ctx = test_ctx();
    vx_fs2_config cfg = tiny_config();
    vx_fs2 *m = vx_fs2_new(ctx, &cfg);
    ck_assert_ptr_nonnull(m);
    vx_st_file *w = vx_st_open(WEIGHTS);
    ck_assert_ptr_nonnull(w);
    vx_tensor *const *b;
    int n = vx_fs2_buffers(m, &b);
    ck_assert_int_eq(n, 2);
    for (int i = 0; i < n; i++) {
        vx_tensor *want = vx_st_tensor(ctx, w, b[i]->name);
        ck_assert_msg(want != NULL, "%s", vx_last_error());
        ck_assert_int_eq(b[i]->shape[0], 31);
        assert_close_scaled(b[i], want, 1e-6, 1.0, b[i]->name);
    }
    vx_st_close(w);
    vx_fs2_free(m);
    vx_ctx_free(ctx);
}
END_TEST

/* --- self-consistency --------------------------------------------------------------- */

/* Row b of an i32/f32 [B, T] tensor, its first len entries, as [1, len]. */
static vx_tensor *row_of(vx_ctx *ctx, const vx_tensor *t, int64_t b, int64_t len)
{
    vx_tensor *r = vx_new(ctx, t->dtype, 2, (int64_t[]){1, len});
    size_t es = vx_dtype_size(t->dtype);
    memcpy(r->data, (const char *)t->data + (size_t)(b * t->shape[1]) * es, (size_t)len * es);
    return r;
}

/* Element [b, t, j] of batched [B, T, C] against [0, t, j] of single, for t < frames. */
static void assert_rows_equal(const vx_tensor *batched, int64_t b, const vx_tensor *single,
                              int64_t frames, const char *what)
{
    int64_t c = batched->ndim == 3 ? batched->shape[2] : 1, tb = batched->shape[1];
    ck_assert_int_eq(single->shape[1], frames);
    double scale = max_abs(single), worst = 0;
    for (int64_t t = 0; t < frames; t++)
        for (int64_t j = 0; j < c; j++)
            worst = fmax(worst, fabs(vx_get_f(batched, (b * tb + t) * c + j) - vx_get_f(single, t * c + j)));
    ck_assert_msg(worst <= 1e-5 * scale, "%s of utterance %lld: batched and alone differ by %g (scale %g)",
                  what, (long long)b, worst, scale);
}

START_TEST(an_utterance_gives_the_same_outputs_alone_and_in_a_padded_batch)
{
    parity_case p = parity_begin(false);
    for (int teacher = 0; teacher < 2; teacher++) {
        vx_fs2_output all;
        ck_assert_int_eq(vx_fs2_forward(p.ctx, p.m, &p.in, teacher ? &p.tg : NULL, NULL, &all), VX_OK);
        for (int64_t b = 0; b < 2; b++) {
            int64_t len = vx_get_i(p.in.src_lens, b), frames = vx_get_i(all.mel_lens, b);
            vx_fs2_input one = {.phonemes = row_of(p.ctx, p.in.phonemes, b, len),
                                .src_lens = vx_from_i32(p.ctx, 1, (int64_t[]){1}, (int32_t[]){(int32_t)len}),
                                .speakers = vx_from_i32(p.ctx, 1, (int64_t[]){1},
                                                        (int32_t[]){vx_get_i(p.in.speakers, b)})};
            vx_fs2_targets t1 = {.durations = row_of(p.ctx, p.tg.durations, b, len),
                                 .pitch = row_of(p.ctx, p.tg.pitch, b, len),
                                 .energy = row_of(p.ctx, p.tg.energy, b, len)};
            vx_fs2_output alone;
            ck_assert_int_eq(vx_fs2_forward(p.ctx, p.m, &one, teacher ? &t1 : NULL, NULL, &alone), VX_OK);
            ck_assert_int_eq(vx_get_i(alone.mel_lens, 0), frames);
            for (int64_t i = 0; i < len; i++)
                ck_assert_int_eq(vx_get_i(alone.durations, i), vx_get_i(all.durations, b * 7 + i));
            assert_rows_equal(all.log_duration, b, alone.log_duration, len, "log_duration");
            assert_rows_equal(all.pitch, b, alone.pitch, len, "pitch");
            assert_rows_equal(all.energy, b, alone.energy, len, "energy");
            assert_rows_equal(all.mel_postnet, b, alone.mel_postnet, frames, "mel_postnet");
        }
        /* padded frames of the shorter utterance are zero */
        int64_t tb = all.mel->shape[1], short_len = vx_get_i(all.mel_lens, 1);
        for (int64_t t = short_len; t < tb; t++)
            ck_assert(vx_get_f(all.mel_postnet, (tb + t) * 10 + 3) == 0.0f);
    }
    parity_end(&p);
}
END_TEST

START_TEST(dropout_is_active_in_training_mode_only)
{
    parity_case p = parity_begin(false);
    vx_fs2_output a, b;
    ck_assert_int_eq(vx_fs2_forward(p.ctx, p.m, &p.in, &p.tg, NULL, &a), VX_OK);
    ck_assert_int_eq(vx_fs2_forward(p.ctx, p.m, &p.in, &p.tg, NULL, &b), VX_OK);
    assert_close_scaled(b.mel_postnet, a.mel_postnet, 0, 1, "eval forward twice");
    vx_set_training(p.ctx, true);
    ck_assert_int_eq(vx_fs2_forward(p.ctx, p.m, &p.in, &p.tg, NULL, &b), VX_OK);
    double diff = 0;
    for (int64_t i = 0; i < vx_numel(a.mel_postnet); i++)
        diff = fmax(diff, fabs(vx_get_f(a.mel_postnet, i) - vx_get_f(b.mel_postnet, i)));
    ck_assert_msg(diff > 0.05, "dropout changed the mel by only %g", diff);
    for (int64_t t = vx_get_i(b.mel_lens, 1); t < b.mel->shape[1]; t++) /* padding stays zero */
        ck_assert(vx_get_f(b.mel_postnet, (b.mel->shape[1] + t) * 10) == 0.0f);
    parity_end(&p);
}
END_TEST

START_TEST(controls_follow_their_definitions)
{
    vx_fs2_config c = tiny_config(); /* pitch 180 ± 40 Hz, energy 30 ± 20 */
    /* +12 semitones doubles f0: the mean 180 Hz (p = 0) becomes 360 Hz, p = 180 / 40 */
    ck_assert_close(vx_fs2_pitch_control(&c, 0.0f, 12, 1), 4.5, 1e-5);
    /* −12 halves it: 220 Hz (p = 1) -> 110 Hz, p = −70 / 40 */
    ck_assert_close(vx_fs2_pitch_control(&c, 1.0f, -12, 1), -1.75, 1e-5);
    /* scale stretches about the mean; 0 flattens to it */
    ck_assert_close(vx_fs2_pitch_control(&c, 1.5f, 0, 2), 3.0, 1e-6);
    ck_assert_close(vx_fs2_pitch_control(&c, -2.0f, 0, 0), 0.0, 1e-6);
    ck_assert_close(vx_fs2_pitch_control(&c, 0.7f, 0, 1), 0.7, 1e-6);
    /* energy 50 (q = 1) × 0.5 = 25, q = −5 / 20 */
    ck_assert_close(vx_fs2_energy_control(&c, 1.0f, 0.5f), -0.25, 1e-6);
    ck_assert_close(vx_fs2_energy_control(&c, -0.3f, 1), -0.3, 1e-6);
    /* log(3 + 1) is 3 frames; speed divides them before rounding */
    ck_assert_int_eq(vx_fs2_duration_frames(logf(4.0f), 1), 3);
    ck_assert_int_eq(vx_fs2_duration_frames(logf(4.0f), 4), 1);   /* 0.75 */
    ck_assert_int_eq(vx_fs2_duration_frames(logf(4.0f), 0.5f), 6);
    ck_assert_int_eq(vx_fs2_duration_frames(logf(11.0f), 2), 5);
    ck_assert_int_eq(vx_fs2_duration_frames(logf(8.2f), 0.4f), 18); /* 18.0 */
    ck_assert_int_eq(vx_fs2_duration_frames(-3.0f, 1), 0);
    ck_assert_int_eq(vx_fs2_duration_frames(80.0f, 1), VX_FS2_MAX_PHONEME_FRAMES);
}
END_TEST

START_TEST(predicted_durations_of_zero_still_give_one_frame)
{
    parity_case p = parity_begin(false);
    vx_tensor *const *params;
    int n = vx_fs2_params(p.m, &params);
    vx_fill(find_param(params, n, "variance_adaptor.duration_predictor.linear_layer.bias"), -30.0f);
    vx_fs2_output out;
    ck_assert_int_eq(vx_fs2_forward(p.ctx, p.m, &p.in, NULL, NULL, &out), VX_OK);
    ck_assert_int_eq(out.mel->shape[1], 1);
    for (int b = 0; b < 2; b++) {
        ck_assert_int_eq(vx_get_i(out.mel_lens, b), 1);
        ck_assert_int_eq(vx_get_i(out.durations, b * 7), 1);
    }
    parity_end(&p);
}
END_TEST

START_TEST(single_speaker_model_without_postnet_trains)
{
    vx_ctx *ctx = test_ctx();
    vx_fs2_config cfg = tiny_config();
    cfg.n_speakers = 0;
    cfg.postnet_layers = 0;
    vx_fs2 *m = vx_fs2_new(ctx, &cfg);
    ck_assert_ptr_nonnull(m);
    vx_tensor *const *p;
    int n = vx_fs2_params(m, &p);
    for (int i = 0; i < n; i++)
        ck_assert(strncmp(p[i]->name, "postnet", 7) != 0 && strncmp(p[i]->name, "speaker", 7) != 0);
    vx_st_file *f = parity_open(PARITY);
    vx_fs2_input in;
    vx_fs2_targets tg;
    batch_of(ctx, f, true, &in, &tg);
    vx_st_close(f);
    vx_fs2_train_config tc = vx_fs2_train_config_default(&cfg);
    tc.optim.lr = 3e-3;
    tc.schedule = (vx_schedule){.kind = VX_SCHED_CONSTANT};
    vx_optim *opt = vx_fs2_optim_new(ctx, m, &tc);
    ck_assert_ptr_nonnull(opt);
    vx_fs2_losses first = {0}, l = {0};
    for (int s = 0; s < 10; s++) {
        ck_assert_msg(vx_fs2_train_step(ctx, m, opt, tc.grad_clip, &in, &tg, &l) == VX_OK, "%s",
                      vx_last_error());
        if (s == 0)
            first = l;
        vx_ctx_reset(ctx);
    }
    ck_assert_double_eq(l.postnet_mel, 0);
    ck_assert_close(first.total, first.mel + first.duration + first.pitch + first.energy, 1e-5);
    ck_assert_msg(l.total < 0.8 * first.total, "loss %g -> %g", first.total, l.total);
    vx_fs2_output out;
    vx_set_grad_enabled(ctx, false);
    ck_assert_int_eq(vx_fs2_forward(ctx, m, &in, NULL, NULL, &out), VX_OK);
    ck_assert_ptr_eq(out.mel_postnet, out.mel);
    vx_fs2_free(m);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(named_configs_have_the_reference_parameter_counts)
{
    /* PyTorch's counts of the same modules, printed by
     *   /usr/bin/python3 tests/ref/fastspeech2_parity.py
     * ("parameters: ljspeech 34619299, small 3646243, tiny 30483"); ming024's
     * LJSpeech model is ~35 M (its vocabulary, BatchNorm and position tables differ). */
    const char *names[2] = {"ljspeech", "small"};
    const int64_t want[2] = {34619299, 3646243};
    for (int i = 0; i < 2; i++) {
        vx_ctx *ctx = vx_ctx_new((vx_ctx_opts){.seed = 1});
        vx_fs2_config cfg;
        ck_assert_int_eq(vx_fs2_config_named(names[i], &cfg), VX_OK);
        vx_fs2 *m = vx_fs2_new(ctx, &cfg);
        ck_assert_msg(m != NULL, "%s", vx_last_error());
        ck_assert_int_eq(vx_fs2_param_count(m), want[i]);
        vx_fs2_free(m);
        vx_ctx_free(ctx);
    }
    vx_ctx *ctx = test_ctx();
    vx_fs2 *m = tiny_model(ctx);
    ck_assert_int_eq(vx_fs2_param_count(m), 30483);
    vx_fs2_free(m);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(bad_configs_and_inputs_are_refused)
{
    vx_ctx *ctx = test_ctx();
    vx_fs2_config cfg;
    ck_assert_fails(vx_fs2_config_named("fastspeech3", &cfg) == VX_OK);
    cfg = tiny_config();
    cfg.heads = 3; /* 16 does not split into 3 heads */
    ck_assert_fails(vx_fs2_new(ctx, &cfg));
    cfg = tiny_config();
    cfg.ffn_kernel[0] = 8;
    ck_assert_fails(vx_fs2_new(ctx, &cfg));
    cfg = tiny_config();
    cfg.pitch_std = 0;
    ck_assert_fails(vx_fs2_new(ctx, &cfg));
    cfg = tiny_config();
    cfg.energy_min = 5; /* > energy_max */
    ck_assert_fails(vx_fs2_new(ctx, &cfg));
    cfg = tiny_config();
    cfg.dropout = 1.0f;
    ck_assert_fails(vx_fs2_new(ctx, &cfg));

    vx_st_file *f = parity_open(PARITY);
    vx_fs2 *m = tiny_model(ctx);
    vx_fs2_input in;
    vx_fs2_targets tg;
    batch_of(ctx, f, false, &in, &tg);
    vx_fs2_output out;
    vx_fs2_input bad = in;
    bad.phonemes = vx_from_i32(ctx, 2, (int64_t[]){1, 2}, (int32_t[]){3, 12});
    bad.src_lens = vx_from_i32(ctx, 1, (int64_t[]){1}, (int32_t[]){2});
    bad.speakers = NULL;
    ck_assert_fails(vx_fs2_forward(ctx, m, &bad, NULL, NULL, &out) == VX_OK);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "phoneme id 12"));
    bad.src_lens = vx_from_i32(ctx, 1, (int64_t[]){1}, (int32_t[]){3});
    bad.phonemes = vx_from_i32(ctx, 2, (int64_t[]){1, 2}, (int32_t[]){3, 4});
    ck_assert_fails(vx_fs2_forward(ctx, m, &bad, NULL, NULL, &out) == VX_OK); /* length 3 > 2 */
    bad = in;
    bad.speakers = vx_from_i32(ctx, 1, (int64_t[]){2}, (int32_t[]){0, 3});
    ck_assert_fails(vx_fs2_forward(ctx, m, &bad, NULL, NULL, &out) == VX_OK);

    vx_fs2_targets bt = tg;
    bt.durations = vx_from_i32(ctx, 2, (int64_t[]){2, 7},
                               (int32_t[]){1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 3, 3});
    ck_assert_fails(vx_fs2_forward(ctx, m, &in, &bt, NULL, &out) == VX_OK); /* utterance 1: 0 frames */
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "utterance 1"));
    bt.durations = vx_from_i32(ctx, 2, (int64_t[]){2, 7},
                               (int32_t[]){1, 1, -1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 3});
    ck_assert_fails(vx_fs2_forward(ctx, m, &in, &bt, NULL, &out) == VX_OK);
    bt = tg;
    bt.pitch = vx_new(ctx, VX_F32, 2, (int64_t[]){2, 6});
    ck_assert_fails(vx_fs2_forward(ctx, m, &in, &bt, NULL, &out) == VX_OK);
    vx_fs2_controls c = vx_fs2_controls_neutral();
    ck_assert_fails(vx_fs2_forward(ctx, m, &in, &tg, &c, &out) == VX_OK); /* controls with targets */
    c.speed = 0;
    ck_assert_fails(vx_fs2_forward(ctx, m, &in, NULL, &c, &out) == VX_OK);

    ck_assert_int_eq(vx_fs2_forward(ctx, m, &in, &tg, NULL, &out), VX_OK);
    bt = tg;
    bt.mel = vx_new(ctx, VX_F32, 3, (int64_t[]){2, 12, 10});
    ck_assert_fails(vx_fs2_loss(ctx, m, &out, &bt, NULL));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "[2, 13, 10]"));
    vx_fs2_free(m);
    vx_st_close(f);
    vx_ctx_free(ctx);
}
END_TEST

Suite *suite_fastspeech2(void)
{
    Suite *s = suite_create("fastspeech2");
    TCase *tc = tcase_create("parity");
    tcase_add_test(tc, training_forward_losses_and_gradients_match_pytorch);
    tcase_add_test(tc, inference_durations_and_mels_match_pytorch_with_and_without_controls);
    tcase_add_test(tc, three_adam_updates_match_pytorch);
    tcase_add_test(tc, bins_match_torch_linspace);
    suite_add_tcase(s, tc);
    tc = tcase_create("model");
    tcase_add_test(tc, an_utterance_gives_the_same_outputs_alone_and_in_a_padded_batch);
    tcase_add_test(tc, dropout_is_active_in_training_mode_only);
    tcase_add_test(tc, controls_follow_their_definitions);
    tcase_add_test(tc, predicted_durations_of_zero_still_give_one_frame);
    tcase_add_test(tc, single_speaker_model_without_postnet_trains);
    tcase_add_test(tc, named_configs_have_the_reference_parameter_counts);
    tcase_add_test(tc, bad_configs_and_inputs_are_refused);
    suite_add_tcase(s, tc);
    return s;
}
