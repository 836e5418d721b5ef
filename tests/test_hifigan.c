/* test_hifigan.c — HiFi-GAN against PyTorch and against itself.
 *
 * Fixtures in tests/data/hifigan/ come from tests/ref/hifigan_parity.py:
 * tiny generators (ResBlock1 and ResBlock2), MPD and MSD with fixed weights,
 * their forward outputs, gradients and three steps of the GAN loop, computed
 * by PyTorch in float64. Outputs must match within 1e-4 relative to the
 * largest magnitude of each tensor, gradients within 1e-4 relative to the
 * largest gradient of their layer (see assert_grads in test_parity.h), losses
 * within 1e-4 relative. Self-checks: the published configs' parameter counts,
 * weight-norm removal, the differentiable log-mel against audio/mel.c, and
 * argument errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/hifigan.h"
#include "nn/safetensors.h"
#include "test_parity.h"
#include "test_util.h"
#include "train/checkpoint.h"

#define HG_DIR "tests/data/hifigan"
#define PARITY HG_DIR "/parity.safetensors"
#define REL_TOL 1e-4

/* --- helpers --------------------------------------------------------------------- */

static vx_hifigan_config tiny_gen_config(int resblock)
{
    vx_hifigan_config c = {.n_mels = 8, .resblock = resblock, .initial_channels = 16, .n_up = 2,
                           .up_rates = {4, 4}, .up_kernels = {8, 8}, .n_kernels = 2,
                           .rb_kernels = {3, 5}};
    int d1[2][3] = {{1, 3, 5}, {1, 3, 5}}, d2[2][3] = {{1, 2, 0}, {2, 6, 0}};
    memcpy(c.rb_dilations, resblock == 1 ? d1 : d2, sizeof d1);
    return c;
}

static vx_hifigan_disc_config tiny_disc_config(void)
{
    vx_hifigan_disc_config c = vx_hifigan_disc_config_default();
    memcpy(c.mpd_channels, (int[]){4, 8, 8, 16, 16}, sizeof c.mpd_channels);
    memcpy(c.msd_channels, (int[]){8, 8, 16, 16, 16, 16, 16}, sizeof c.msd_channels);
    memcpy(c.msd_groups, (int[]){1, 4, 8, 8, 8, 8, 1}, sizeof c.msd_groups);
    return c;
}

static vx_logmel_cfg tiny_loss_mel(void)
{
    return (vx_logmel_cfg){
        .stft = {.n_fft = 128, .win_length = 128, .hop = 32, .pad = 48, .pad_mode = VX_PAD_REFLECT},
        .mel = {.sample_rate = 22050, .n_fft = 128, .n_mels = 20, .fmin = 0, .fmax = 0,
                .scale = VX_MEL_SLANEY, .norm = VX_MEL_NORM_SLANEY},
        .mag_eps = 1e-9f,
        .log_floor = 1e-5f,
    };
}

static void load_weights(const char *path, vx_tensor *const *tensors, int n)
{
    ck_assert_msg(vx_ckpt_load_tensors(path, tensors, n) == VX_OK, "%s", vx_last_error());
}

static vx_hifigan *tiny_gen(vx_ctx *ctx, int resblock)
{
    vx_hifigan_config cfg = tiny_gen_config(resblock);
    vx_hifigan *g = vx_hifigan_new(ctx, &cfg);
    ck_assert_msg(g != NULL, "%s", vx_last_error());
    vx_tensor *const *params;
    int n = vx_hifigan_params(g, &params);
    load_weights(resblock == 1 ? HG_DIR "/g1.safetensors" : HG_DIR "/g2.safetensors", params, n);
    return g;
}

/* Both tiny discriminators with the fixture's weights and buffers. */
static void tiny_discs(vx_ctx *ctx, vx_hifigan_disc **mpd, vx_hifigan_disc **msd)
{
    vx_hifigan_disc_config cfg = tiny_disc_config();
    *mpd = vx_hifigan_mpd_new(ctx, &cfg);
    *msd = vx_hifigan_msd_new(ctx, &cfg);
    ck_assert_msg(*mpd && *msd, "%s", vx_last_error());
    vx_hifigan_disc *both[2] = {*mpd, *msd};
    for (int i = 0; i < 2; i++) {
        vx_tensor *const *t;
        int n = vx_hifigan_disc_params(both[i], &t);
        load_weights(HG_DIR "/disc.safetensors", t, n);
        n = vx_hifigan_disc_buffers(both[i], &t);
        if (n)
            load_weights(HG_DIR "/disc.safetensors", t, n);
    }
}

/* --- generator ------------------------------------------------------------------ */

START_TEST(resblock1_generator_output_matches_pytorch)
{
    vx_ctx *ctx = test_ctx();
    vx_st_file *f = parity_open(PARITY);
    vx_hifigan *g = tiny_gen(ctx, 1);
    vx_tensor *y = vx_hifigan_forward(ctx, g, fixture(ctx, f, "in.mel"));
    ck_assert_int_eq(y->ndim, 3);
    ck_assert_int_eq(y->shape[2], 16 * vx_hifigan_hop(vx_hifigan_get_config(g)));
    assert_close_tensor(y, fixture(ctx, f, "fwd.g1.y_hat"), REL_TOL, "G1(mel)");
    vx_hifigan_free(g);
    vx_st_close(f);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(resblock2_generator_output_and_mel_loss_gradients_match_pytorch)
{
    vx_ctx *ctx = test_ctx();
    vx_st_file *f = parity_open(PARITY);
    vx_hifigan *g = tiny_gen(ctx, 2);
    vx_logmel_cfg mc = tiny_loss_mel();
    vx_hifigan_melspec *mel = vx_hifigan_melspec_new(ctx, &mc);
    ck_assert_ptr_nonnull(mel);
    vx_tensor *y_hat = vx_hifigan_forward(ctx, g, fixture(ctx, f, "in.mel"));
    assert_close_tensor(y_hat, fixture(ctx, f, "fwd.g2.y_hat"), REL_TOL, "G2(mel)");
    vx_tensor *target = vx_hifigan_melspec_forward(ctx, mel, fixture(ctx, f, "in.y"));
    vx_tensor *loss = vx_scale(ctx, vx_l1_loss(ctx, vx_hifigan_melspec_forward(ctx, mel, y_hat), target),
                               45.0f);
    ck_assert_int_eq(vx_backward(ctx, loss), VX_OK);
    vx_tensor *const *params;
    int n = vx_hifigan_params(g, &params);
    ck_assert_int_eq(n, 3 * (1 + 2 + 2 * 2 * 2 + 1)); /* pre, 2 ups, 4 resblocks x 2 convs, post */
    assert_grads(ctx, f, params, n, "grad.g2.", REL_TOL);
    vx_hifigan_melspec_free(mel);
    vx_hifigan_free(g);
    vx_st_close(f);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(removing_weight_norm_keeps_the_output_and_renames_the_weights)
{
    vx_ctx *ctx = test_ctx();
    vx_st_file *f = parity_open(PARITY);
    vx_hifigan *g = tiny_gen(ctx, 1);
    vx_tensor *mel = fixture(ctx, f, "in.mel");
    vx_tensor *before = vx_hifigan_forward(ctx, g, mel);
    ck_assert_int_eq(vx_hifigan_remove_weight_norm(ctx, g), VX_OK);
    vx_tensor *after = vx_hifigan_forward(ctx, g, mel);
    assert_close_tensor(after, before, 1e-6, "G1 without weight norm");
    vx_tensor *const *params;
    int n = vx_hifigan_params(g, &params);
    ck_assert_int_eq(n, 2 * (1 + 2 + 4 * 6 + 1));
    ck_assert_str_eq(params[0]->name, "conv_pre.weight");
    ck_assert_str_eq(params[n - 2]->name, "conv_post.weight");
    ck_assert_int_eq(vx_hifigan_remove_weight_norm(ctx, g), VX_OK); /* a second call is a no-op */
    ck_assert_int_eq(vx_hifigan_params(g, &params), n);
    vx_hifigan_free(g);
    vx_st_close(f);
    vx_ctx_free(ctx);
}
END_TEST

/* Σ numel over the parameter list. */
static int64_t count_params(vx_tensor *const *params, int n)
{
    int64_t total = 0;
    for (int i = 0; i < n; i++)
        total += vx_numel(params[i]);
    return total;
}

START_TEST(published_configs_have_the_published_parameter_counts)
{
    /* Exact counts without weight norm's g, from the PyTorch reference modules:
     *   /usr/bin/python3 -c "import runpy; G = runpy.run_path('tests/ref/hifigan_parity.py',
     *   run_name='lib')['Generator']; g = G(80, 2, 256, [8, 8, 4], [16, 16, 8], [3, 5, 7],
     *   [[1, 2], [2, 6], [3, 12]]); print(sum(p.numel() for n, p in g.named_parameters()
     *   if not n.endswith('weight_g')))"            (v3; v1/v2 likewise)
     * MODELS.md's 13.92 M, 0.92 M, 1.46 M are these truncated to two decimals. */
    const char *names[3] = {"v1", "v2", "v3"};
    const int64_t exact[3] = {13926017, 925985, 1462273};
    const double published[3] = {13.92, 0.92, 1.46};
    for (int i = 0; i < 3; i++) {
        vx_ctx *ctx = vx_ctx_new((vx_ctx_opts){.seed = 1});
        vx_hifigan_config cfg;
        ck_assert_int_eq(vx_hifigan_config_named(names[i], &cfg), VX_OK);
        ck_assert_int_eq(vx_hifigan_hop(&cfg), 256);
        vx_hifigan *g = vx_hifigan_new(ctx, &cfg);
        ck_assert_msg(g != NULL, "%s", vx_last_error());
        ck_assert_int_eq(vx_hifigan_remove_weight_norm(ctx, g), VX_OK);
        vx_tensor *const *params;
        int n = vx_hifigan_params(g, &params);
        int64_t count = count_params(params, n);
        ck_assert_int_eq(count, exact[i]);
        ck_assert_double_eq_tol(floor((double)count / 1e4) / 100, published[i], 1e-9);
        vx_hifigan_free(g);
        vx_ctx_free(ctx);
    }
}
END_TEST

START_TEST(bad_generator_configs_and_inputs_are_refused)
{
    vx_ctx *ctx = test_ctx();
    vx_hifigan_config cfg;
    ck_assert_fails(vx_hifigan_config_named("v4", &cfg) == VX_OK);
    cfg = tiny_gen_config(1);
    cfg.up_kernels[0] = 7; /* k − u odd: output would not be T·u */
    ck_assert_fails(vx_hifigan_new(ctx, &cfg));
    cfg = tiny_gen_config(1);
    cfg.initial_channels = 6; /* does not halve twice */
    ck_assert_fails(vx_hifigan_new(ctx, &cfg));
    cfg = tiny_gen_config(3);
    ck_assert_fails(vx_hifigan_new(ctx, &cfg));
    cfg = tiny_gen_config(2);
    vx_hifigan *g = vx_hifigan_new(ctx, &cfg);
    ck_assert_ptr_nonnull(g);
    vx_tensor *wrong = vx_new(ctx, VX_F32, 3, (int64_t[]){1, 80, 4});
    ck_assert_fails(vx_hifigan_forward(ctx, g, wrong));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "[B, 8, T]"));
    vx_hifigan_free(g);
    vx_ctx_free(ctx);
}
END_TEST

/* --- log-mel ------------------------------------------------------------------------ */

START_TEST(differentiable_logmel_matches_pytorch_and_the_audio_module)
{
    vx_ctx *ctx = test_ctx();
    vx_st_file *f = parity_open(PARITY);
    vx_logmel_cfg mc = tiny_loss_mel();
    vx_hifigan_melspec *mel = vx_hifigan_melspec_new(ctx, &mc);
    float *fb = vx_mel_filterbank(&mc.mel);
    vx_tensor *fbt = vx_from_f32(ctx, 2, (int64_t[]){20, 65}, fb);
    free(fb);
    assert_close_tensor(fbt, fixture(ctx, f, "mel.fb"), 1e-6, "filterbank");
    vx_tensor *lm = vx_hifigan_melspec_forward(ctx, mel, fixture(ctx, f, "in.y"));
    ck_assert_int_eq(lm->shape[1], 20);
    ck_assert_int_eq(lm->shape[2], 8);
    assert_close_tensor(lm, fixture(ctx, f, "fwd.mel.y"), REL_TOL, "log-mel");
    vx_hifigan_melspec_free(mel);
    vx_st_close(f);

    /* the full HiFi-GAN recipe against the FFT-based audio/mel.c on 4096 samples */
    vx_logmel_cfg hc = vx_logmel_cfg_hifigan();
    mel = vx_hifigan_melspec_new(ctx, &hc);
    vx_tensor *x = vx_new(ctx, VX_F32, 2, (int64_t[]){1, 4096});
    float *px = x->data;
    for (int i = 0; i < 4096; i++)
        px[i] = 0.4f * sinf(0.05f * i) + 0.2f * sinf(0.31f * i + 1.0f);
    lm = vx_hifigan_melspec_forward(ctx, mel, x); /* [1, 80, 16] */
    vx_logmel *plan = vx_logmel_new(&hc);
    int64_t frames;
    float *want = vx_logmel_alloc(plan, px, 4096, &frames); /* [16, 80] */
    ck_assert_int_eq(frames, lm->shape[2]);
    double worst = 0;
    for (int64_t t = 0; t < frames; t++)
        for (int m = 0; m < 80; m++)
            worst = fmax(worst, fabs(vx_get_f(lm, m * frames + t) - want[t * 80 + m]));
    ck_assert_msg(worst < 2e-3, "log-mel differs from audio/mel.c by %g", worst);
    free(want);
    vx_logmel_free(plan);
    vx_hifigan_melspec_free(mel);
    vx_ctx_free(ctx);
}
END_TEST

/* --- discriminators ------------------------------------------------------------------- */

static void assert_fmaps(vx_ctx *ctx, vx_st_file *f, const char *which, const vx_disc_result *r)
{
    for (int k = 0; k < r->n; k++)
        for (int j = 0; j < r->n_fmaps[k]; j++) {
            char key[64];
            snprintf(key, sizeof key, "fwd.%s.%d.fmap.%d", which, k, j);
            assert_close_tensor(r->fmaps[k][j], fixture(ctx, f, key), REL_TOL, key);
        }
}

START_TEST(discriminator_feature_maps_and_power_iteration_match_pytorch)
{
    vx_ctx *ctx = test_ctx();
    vx_st_file *f = parity_open(PARITY);
    vx_hifigan_disc *mpd, *msd;
    tiny_discs(ctx, &mpd, &msd);
    vx_set_training(ctx, true);
    vx_tensor *y = fixture(ctx, f, "in.y");
    vx_disc_result r;
    ck_assert_int_eq(vx_hifigan_disc_forward(ctx, mpd, y, &r), VX_OK);
    ck_assert_int_eq(r.n, 5);
    ck_assert_int_eq(r.n_fmaps[0], 6);
    ck_assert_int_eq(r.logits[4]->shape[0], 2 * 11); /* folded: B·p */
    assert_fmaps(ctx, f, "mpd", &r);
    ck_assert_int_eq(vx_hifigan_disc_forward(ctx, msd, y, &r), VX_OK);
    ck_assert_int_eq(r.n, 3);
    ck_assert_int_eq(r.n_fmaps[2], 8);
    assert_fmaps(ctx, f, "msd", &r);
    vx_tensor *const *buf;
    int nb = vx_hifigan_disc_buffers(msd, &buf);
    ck_assert_int_eq(nb, 2 * 8); /* u, v of 7 convs + conv_post on scale 0 */
    assert_close_tensor(find_param(buf, nb, "msd.discriminators.0.convs.0.weight_u"),
                        fixture(ctx, f, "fwd.msd.u"), REL_TOL, "u after one power iteration");
    assert_close_tensor(find_param(buf, nb, "msd.discriminators.0.convs.0.weight_v"),
                        fixture(ctx, f, "fwd.msd.v"), REL_TOL, "v after one power iteration");
    vx_hifigan_disc_free(mpd);
    vx_hifigan_disc_free(msd);
    vx_st_close(f);
    vx_ctx_free(ctx);
}
END_TEST

/* --- the GAN loop -------------------------------------------------------------------------- */

static void assert_loss(vx_ctx *ctx, vx_st_file *f, int step, const char *name, double got)
{
    char key[64];
    snprintf(key, sizeof key, "train.s%d.%s", step, name);
    double want = vx_get_f(fixture(ctx, f, key), 0);
    ck_assert_msg(fabs(got - want) <= REL_TOL * fabs(want), "%s: voxc %.9g, PyTorch %.9g", key, got, want);
}

START_TEST(three_gan_steps_match_pytorch_losses_gradients_and_weights)
{
    vx_ctx *ctx = test_ctx();
    vx_st_file *f = parity_open(PARITY);
    vx_hifigan *g = tiny_gen(ctx, 1);
    vx_hifigan_disc *mpd, *msd;
    tiny_discs(ctx, &mpd, &msd);
    vx_hifigan_train_config tc = vx_hifigan_train_config_default();
    tc.loss_mel = tiny_loss_mel();
    tc.optim.lr = 2e-3;
    tc.lr_decay = 0.9;
    vx_hifigan_gan *gan = vx_hifigan_gan_new(ctx, g, mpd, msd, &tc);
    ck_assert_msg(gan != NULL, "%s", vx_last_error());
    vx_st_file *persist = parity_open(PARITY); /* inputs outlive the per-step resets: copy them */
    vx_tensor *mel_in = fixture(ctx, persist, "in.mel"), *y_in = fixture(ctx, persist, "in.y");
    vx_tensor *mel = vx_param(ctx, NULL, VX_F32, 3, mel_in->shape, false);
    vx_tensor *y = vx_param(ctx, NULL, VX_F32, 3, y_in->shape, false);
    memcpy(mel->data, mel_in->data, (size_t)vx_numel(mel) * sizeof(float));
    memcpy(y->data, y_in->data, (size_t)vx_numel(y) * sizeof(float));
    vx_st_close(persist);
    vx_ctx_reset(ctx);
    for (int s = 1; s <= 3; s++) {
        vx_hifigan_losses l;
        ck_assert_msg(vx_hifigan_gan_step(ctx, gan, mel, y, &l) == VX_OK, "%s", vx_last_error());
        assert_loss(ctx, f, s, "disc_all", l.disc_all);
        assert_loss(ctx, f, s, "disc_f", l.disc_f);
        assert_loss(ctx, f, s, "disc_s", l.disc_s);
        assert_loss(ctx, f, s, "gen_all", l.gen_all);
        assert_loss(ctx, f, s, "gen_f", l.gen_f);
        assert_loss(ctx, f, s, "gen_s", l.gen_s);
        assert_loss(ctx, f, s, "fm_f", l.fm_f);
        assert_loss(ctx, f, s, "fm_s", l.fm_s);
        assert_loss(ctx, f, s, "mel", l.mel);
        ck_assert(l.grad_norm_g > 0 && l.grad_norm_d > 0);
        if (s == 1) {
            vx_tensor *const *p;
            int n = vx_hifigan_params(g, &p);
            assert_grads(ctx, f, p, n, "grad.s1.", REL_TOL);
            n = vx_hifigan_disc_params(mpd, &p);
            assert_grads(ctx, f, p, n, "grad.s1.", REL_TOL);
            n = vx_hifigan_disc_params(msd, &p);
            assert_grads(ctx, f, p, n, "grad.s1.", REL_TOL);
        }
        vx_ctx_reset(ctx);
    }
    vx_tensor *const *p;
    int n = vx_hifigan_params(g, &p);
    assert_close_tensor(find_param(p, n, "conv_post.weight_v"),
                        fixture(ctx, f, "final.conv_post.weight_v"), REL_TOL, "final conv_post.weight_v");
    n = vx_hifigan_disc_buffers(msd, &p);
    assert_close_tensor(find_param(p, n, "msd.discriminators.0.convs.0.weight_u"),
                        fixture(ctx, f, "final.msd.discriminators.0.convs.0.weight_u"), REL_TOL,
                        "u after 12 power iterations");
    n = vx_hifigan_disc_params(mpd, &p);
    assert_close_tensor(find_param(p, n, "mpd.discriminators.4.conv_post.bias"),
                        fixture(ctx, f, "final.mpd.discriminators.4.conv_post.bias"), REL_TOL,
                        "final MPD bias");
    ck_assert_int_eq(vx_optim_steps(vx_hifigan_gan_optim_g(gan)), 3);
    vx_hifigan_gan_free(gan);
    vx_hifigan_disc_free(mpd);
    vx_hifigan_disc_free(msd);
    vx_hifigan_free(g);
    vx_st_close(f);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(gan_step_refuses_audio_that_does_not_match_the_mel)
{
    vx_ctx *ctx = test_ctx();
    vx_hifigan *g = tiny_gen(ctx, 1);
    vx_hifigan_disc *mpd, *msd;
    tiny_discs(ctx, &mpd, &msd);
    vx_hifigan_train_config tc = vx_hifigan_train_config_default();
    tc.loss_mel = tiny_loss_mel();
    vx_hifigan_gan *gan = vx_hifigan_gan_new(ctx, g, mpd, msd, &tc);
    ck_assert_ptr_nonnull(gan);
    vx_tensor *mel = vx_new(ctx, VX_F32, 3, (int64_t[]){1, 8, 16});
    vx_tensor *y = vx_new(ctx, VX_F32, 3, (int64_t[]){1, 1, 200});
    vx_hifigan_losses l;
    ck_assert_fails(vx_hifigan_gan_step(ctx, gan, mel, y, &l) == VX_OK);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "frames x hop"));
    ck_assert_int_eq(vx_optim_steps(vx_hifigan_gan_optim_d(gan)), 0);
    vx_hifigan_gan_free(gan);
    vx_hifigan_disc_free(mpd);
    vx_hifigan_disc_free(msd);
    vx_hifigan_free(g);
    vx_ctx_free(ctx);
}
END_TEST

Suite *suite_hifigan(void)
{
    Suite *s = suite_create("hifigan");
    TCase *tc = tcase_create("generator");
    tcase_add_test(tc, resblock1_generator_output_matches_pytorch);
    tcase_add_test(tc, resblock2_generator_output_and_mel_loss_gradients_match_pytorch);
    tcase_add_test(tc, removing_weight_norm_keeps_the_output_and_renames_the_weights);
    tcase_add_test(tc, published_configs_have_the_published_parameter_counts);
    tcase_add_test(tc, bad_generator_configs_and_inputs_are_refused);
    tcase_add_test(tc, differentiable_logmel_matches_pytorch_and_the_audio_module);
    suite_add_tcase(s, tc);
    tc = tcase_create("discriminators");
    tcase_add_test(tc, discriminator_feature_maps_and_power_iteration_match_pytorch);
    suite_add_tcase(s, tc);
    tc = tcase_create("gan");
    tcase_add_test(tc, three_gan_steps_match_pytorch_losses_gradients_and_weights);
    tcase_add_test(tc, gan_step_refuses_audio_that_does_not_match_the_mel);
    suite_add_tcase(s, tc);
    return s;
}
