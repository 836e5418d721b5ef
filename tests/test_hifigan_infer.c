/* test_hifigan_infer.c — the fused HiFi-GAN inference engine
 * (models/hifigan_infer.h) against the op-API generator vx_hifigan_forward,
 * the oracle (itself checked against PyTorch in test_hifigan.c).
 *
 * Generators with the published structures (V1, V2: ResBlock1, rates
 * 8·8·2·2; V3: ResBlock2, rates 8·8·4) and random weights, their weight
 * norms' g rescaled so that folding g · v / ‖v‖ is not the identity. V2 and
 * V3 keep their published widths (128 and 256 channels); V1 is cut to 64 so
 * the test stays quick. Inputs: uniform random log-mels of an odd number of
 * frames, decoded whole and in chunks of 1, 5 and 7 frames so that chunk
 * edges fall everywhere. Each generator runs twice: its resblock convs by
 * the direct GEMM, where the chunked audio must equal the whole-input audio
 * bit for bit (vits_decoder.c's promise), and all by the FFT
 * (core/kernels/fftconv.h), whose tiles make chunking change the last bits.
 * Tolerance: every sample within 1e-5 times the oracle's peak |y| (the
 * engines sum the same products in a different order in float; measured
 * differences are below 1e-6 of the peak). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "models/hifigan.h"
#include "models/hifigan_infer.h"
#include "models/vits.h"
#include "test_util.h"

#define REL_TOL 1e-5

/* The published config `name`, its upsample_initial_channel set to channels. */
static vx_hifigan_config published(const char *name, int channels)
{
    vx_hifigan_config c;
    ck_assert_int_eq(vx_hifigan_config_named(name, &c), VX_OK);
    c.initial_channels = channels;
    return c;
}

/* A generator with random weights whose weight norms' g are scaled by
 * factors in [0.5, 1.5), so the folded weight differs from v. */
static vx_hifigan *random_generator(vx_ctx *ctx, const vx_hifigan_config *cfg)
{
    vx_hifigan *g = vx_hifigan_new(ctx, cfg);
    ck_assert_msg(g != NULL, "%s", vx_last_error());
    vx_tensor *const *params;
    int n = vx_hifigan_params(g, &params);
    vx_rng rng;
    vx_rng_init(&rng, 99);
    int scaled = 0;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(params[i]->name);
        if (len < 9 || strcmp(params[i]->name + len - 9, ".weight_g") != 0)
            continue;
        float *gv = params[i]->data;
        for (int64_t k = 0; k < vx_numel(params[i]); k++) {
            float f;
            vx_rng_uniform(&rng, &f, 1, 0.5f, 1.5f);
            gv[k] *= f;
        }
        scaled++;
    }
    ck_assert_int_gt(scaled, 0);
    return g;
}

/* A log-mel-like input [B, n_mels, T], uniform in [-6, 1). */
static vx_tensor *random_mel(vx_ctx *ctx, int64_t B, int n_mels, int64_t T, uint64_t seed)
{
    vx_tensor *mel = vx_new(ctx, VX_F32, 3, (int64_t[]){B, n_mels, T});
    ck_assert_ptr_nonnull(mel);
    vx_rng rng;
    vx_rng_init(&rng, seed);
    vx_rng_uniform(&rng, mel->data, (size_t)vx_numel(mel), -6.0f, 1.0f);
    return mel;
}

/* Largest |a − b| over n samples, relative to the largest |b|. */
static double max_rel_diff(const float *a, const float *b, int64_t n)
{
    double peak = 0, diff = 0;
    for (int64_t i = 0; i < n; i++) {
        peak = fmax(peak, fabs(b[i]));
        diff = fmax(diff, fabs((double)a[i] - b[i]));
    }
    ck_assert_msg(peak > 1e-3, "the oracle's output is nearly silent (peak %g): the test would be weak", peak);
    return diff / peak;
}

/* The engine on `frames` frames, whole and chunked, against the oracle:
 * its resblock convs run directly (chunking must change no bit), then all
 * through the FFT (chunks within the tolerance of the whole; different bits
 * from the direct run, so the FFT path did run). */
static void check_config(const vx_hifigan_config *cfg, int64_t frames, const int64_t *chunks, int n_chunks)
{
    vx_ctx *ctx = test_ctx();
    vx_set_grad_enabled(ctx, false);
    vx_hifigan *g = random_generator(ctx, cfg);
    vx_tensor *mel = random_mel(ctx, 1, cfg->n_mels, frames, 7);
    vx_tensor *want = vx_hifigan_forward(ctx, g, mel); /* [1, 1, T·hop] */
    ck_assert_ptr_nonnull(want);
    int64_t n = frames * vx_hifigan_hop(cfg);
    ck_assert_int_eq(vx_numel(want), n);
    vx_tensor *direct = NULL;
    const vx_decoder_conv modes[] = {VX_DECODER_CONV_DIRECT, VX_DECODER_CONV_FFT};
    for (int m = 0; m < 2; m++) {
        vx_set_decoder_conv(modes[m]);
        vx_hifigan_infer *e = vx_hifigan_infer_new(g);
        vx_set_decoder_conv(VX_DECODER_CONV_AUTO);
        ck_assert_msg(e != NULL, "%s", vx_last_error());
        ck_assert_msg(vx_hifigan_infer_fallback(e) == NULL, "fell back: %s", vx_hifigan_infer_fallback(e));
        vx_tensor *got = vx_hifigan_infer_forward(ctx, e, mel);
        ck_assert_msg(got != NULL, "%s", vx_last_error());
        ck_assert_int_eq(got->ndim, 3);
        ck_assert_int_eq(got->shape[2], n);
        double d = max_rel_diff(got->data, want->data, n);
        ck_assert_msg(d <= REL_TOL, "mode %d, whole: max |diff| %.3g of the peak", m, d);
        fprintf(stderr, "hifigan_infer %d channels, %s convs: max |diff| %.2g of the oracle's peak\n",
                cfg->initial_channels, m == 0 ? "direct" : "FFT", d);
        if (m == 0)
            direct = got;
        else
            ck_assert_msg(memcmp(got->data, direct->data, sizeof(float) * (size_t)n) != 0,
                          "the FFT convs gave the direct bits: did they run?");
        for (int i = 0; i < n_chunks; i++) {
            vx_tensor *part = vx_hifigan_infer_forward_chunked(ctx, e, mel, chunks[i]);
            ck_assert_msg(part != NULL, "%s", vx_last_error());
            d = max_rel_diff(part->data, want->data, n);
            ck_assert_msg(d <= REL_TOL, "mode %d, chunks of %lld frames: max |diff| %.3g of the peak", m,
                          (long long)chunks[i], d);
            if (m == 0) /* the direct GEMM: chunking changes no bit */
                ck_assert_mem_eq(part->data, got->data, sizeof(float) * (size_t)n);
        }
        vx_hifigan_infer_free(e);
    }
    vx_hifigan_free(g);
    vx_ctx_free(ctx);
}

START_TEST(v1_shaped_generator_matches_the_op_api_whole_and_in_chunks)
{
    vx_hifigan_config c = published("v1", 64);
    check_config(&c, 23, (const int64_t[]){1, 5, 7}, 3);
}
END_TEST

START_TEST(v2_generator_matches_the_op_api_whole_and_in_chunks)
{
    vx_hifigan_config c = published("v2", 128);
    check_config(&c, 19, (const int64_t[]){5, 7}, 2);
}
END_TEST

START_TEST(v3_generator_matches_the_op_api_whole_and_in_chunks)
{
    vx_hifigan_config c = published("v3", 256);
    check_config(&c, 17, (const int64_t[]){5, 7}, 2);
}
END_TEST

START_TEST(removing_weight_norm_first_gives_the_same_audio_and_batches_run_item_by_item)
{
    vx_ctx *ctx = test_ctx();
    vx_set_grad_enabled(ctx, false);
    vx_hifigan_config c = published("v3", 32);
    vx_hifigan *g = random_generator(ctx, &c);
    vx_hifigan_infer *with_norm = vx_hifigan_infer_new(g);
    ck_assert_ptr_nonnull(with_norm);
    vx_tensor *mel = random_mel(ctx, 2, c.n_mels, 9, 11); /* [2, 80, 9] */
    vx_tensor *a = vx_hifigan_infer_forward(ctx, with_norm, mel);
    ck_assert_int_eq(vx_hifigan_remove_weight_norm(ctx, g), VX_OK);
    vx_hifigan_infer *plain = vx_hifigan_infer_new(g);
    ck_assert_ptr_nonnull(plain);
    vx_tensor *b = vx_hifigan_infer_forward(ctx, plain, mel);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(a->shape[0], 2);
    ck_assert_mem_eq(a->data, b->data, sizeof(float) * (size_t)vx_numel(a));
    /* item 1 of the batch is item 1 decoded alone */
    int64_t n = a->shape[2];
    vx_tensor *one = vx_hifigan_infer_forward(ctx, plain, vx_contiguous(ctx, vx_slice(ctx, mel, 0, 1, 2, 1)));
    ck_assert_ptr_nonnull(one);
    ck_assert_mem_eq((float *)a->data + n, one->data, sizeof(float) * (size_t)n);
    vx_hifigan_infer_free(plain);
    vx_hifigan_infer_free(with_norm);
    vx_hifigan_free(g);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(a_kernel_too_wide_for_the_engine_falls_back_to_the_op_api)
{
    vx_ctx *ctx = test_ctx();
    vx_set_grad_enabled(ctx, false);
    vx_hifigan_config c = {.n_mels = 8, .resblock = 2, .initial_channels = 8, .n_up = 1, .up_rates = {4},
                           .up_kernels = {8}, .n_kernels = 1, .rb_kernels = {33}, .rb_dilations = {{1, 1, 0}}};
    vx_hifigan *g = random_generator(ctx, &c);
    vx_hifigan_infer *e = vx_hifigan_infer_new(g);
    ck_assert_msg(e != NULL, "%s", vx_last_error());
    const char *why = vx_hifigan_infer_fallback(e);
    ck_assert_ptr_nonnull(why);
    ck_assert_msg(strstr(why, "kernel size 33"), "%s", why);
    vx_tensor *mel = random_mel(ctx, 1, 8, 6, 3);
    vx_tensor *got = vx_hifigan_infer_forward(ctx, e, mel), *want = vx_hifigan_forward(ctx, g, mel);
    ck_assert_ptr_nonnull(got);
    ck_assert_ptr_nonnull(want);
    ck_assert_mem_eq(got->data, want->data, sizeof(float) * (size_t)vx_numel(want));
    vx_hifigan_infer_free(e);
    vx_hifigan_free(g);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(bad_engines_and_inputs_are_refused)
{
    vx_ctx *ctx = test_ctx();
    vx_hifigan_config c = published("v3", 32);
    vx_hifigan *g = random_generator(ctx, &c);
    vx_hifigan_infer *e = vx_hifigan_infer_new(g);
    ck_assert_ptr_nonnull(e);
    ck_assert_fails(vx_hifigan_infer_new(NULL) != NULL);
    ck_assert_fails(vx_hifigan_infer_forward(ctx, e, random_mel(ctx, 1, 40, 5, 1)) != NULL);
    ck_assert_msg(strstr(vx_last_error(), "[B, 80, T]"), "%s", vx_last_error());
    ck_assert_fails(vx_hifigan_infer_forward(ctx, e, vx_new(ctx, VX_F32, 2, (int64_t[]){80, 5})) != NULL);
    ck_assert_fails(vx_hifigan_infer_forward(ctx, e, vx_new(ctx, VX_F32, 3, (int64_t[]){1, 80, 0})) != NULL);
    ck_assert_fails(vx_hifigan_infer_forward(ctx, e, vx_new(ctx, VX_I32, 3, (int64_t[]){1, 80, 5})) != NULL);
    ck_assert_fails(vx_hifigan_infer_forward_chunked(ctx, e, random_mel(ctx, 1, 80, 5, 1), 0) != NULL);
    ck_assert_fails(vx_hifigan_infer_forward(ctx, NULL, random_mel(ctx, 1, 80, 5, 1)) != NULL);
    vx_hifigan_infer_free(e);
    vx_hifigan_free(g);
    vx_ctx_free(ctx);
}
END_TEST

Suite *suite_hifigan_infer(void)
{
    Suite *s = suite_create("hifigan_infer");
    TCase *tc = tcase_create("fused");
    tcase_add_test(tc, v1_shaped_generator_matches_the_op_api_whole_and_in_chunks);
    tcase_add_test(tc, v2_generator_matches_the_op_api_whole_and_in_chunks);
    tcase_add_test(tc, v3_generator_matches_the_op_api_whole_and_in_chunks);
    tcase_add_test(tc, removing_weight_norm_first_gives_the_same_audio_and_batches_run_item_by_item);
    tcase_add_test(tc, a_kernel_too_wide_for_the_engine_falls_back_to_the_op_api);
    tcase_add_test(tc, bad_engines_and_inputs_are_refused);
    suite_add_tcase(s, tc);
    return s;
}
