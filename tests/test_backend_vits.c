/* test_backend_vits.c — tensors that know their backend (core/dispatch.h,
 * hw/tensor_ops.h) and VITS with the flow and decoder on a backend
 * (models/vits_device.h) against the CPU path.
 *
 * The device-tensor cases run on the "cpu" backend (host memory as device
 * memory, scalar reference ops), so they run everywhere, and again on
 * opencl when a platform is present (PoCL here and in CI). The VITS cases
 * synthesize the tiny random-weight Piper voices of tests/data/onnx with
 * noise off (noise_scale = noise_w = 0) through vx_vits_synthesize (the CPU
 * path, the reference) and through the device path, and require SNR >= 60
 * dB (issue 8). Without an OpenCL platform the opencl cases print one
 * SKIPPED line each. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/dispatch.h"
#include "hw/tensor_ops.h"
#include "models/vits_device.h"
#include "test_files.h"
#include "test_util.h"

#define TINY_MEDIUM "tests/data/onnx/tiny_medium.onnx"
#define TINY_MULTI "tests/data/onnx/tiny_multi.onnx"
#define JOE "data/voices/en_US-joe-medium.onnx" /* `make voice`; not committed */

/* "The quick brown fox jumps over the lazy dog." in joe-medium's ids (voxc-phonemize --ids) */
static const int64_t JOE_IDS[] = {
    1,  0, 41, 0, 59, 0, 3,   0, 23,  0, 35, 0, 120, 0, 74, 0, 23, 0, 3,  0, 15, 0, 88,  0, 120, 0, 14, 0, 100, 0,
    26, 0, 3,  0, 19, 0, 120, 0, 51,  0, 122, 0, 23, 0, 31, 0, 3,  0, 17, 0, 108, 0, 120, 0, 102, 0, 25, 0, 28,  0,
    31, 0, 3,  0, 121, 0, 27, 0, 100, 0, 34, 0, 60, 0, 3,  0, 41, 0, 59, 0, 3,  0, 24, 0, 120, 0, 18, 0, 74,  0,
    38, 0, 21, 0, 3,   0, 17, 0, 120, 0, 51, 0, 122, 0, 66, 0, 10, 0, 2};

static const int64_t IDS[] = {1, 0, 5, 0, 9, 0, 13, 0, 21, 0, 17, 0, 8, 0, 2};
#define N_IDS ((int64_t)(sizeof IDS / sizeof IDS[0]))

/* True when `name` can run here; prints one SKIPPED line otherwise. */
static bool backend_here(const char *name, const char *test)
{
    if (vx_backend_start(name))
        return true;
    printf("test_backend_vits: SKIPPED %s on %s: %s\n", test, name, vx_last_error());
    ck_assert_msg(strstr(vx_last_error(), "not available"), "%s", vx_last_error());
    return false;
}

/* 10·log10(Σ ref² / Σ (ref − y)²); +inf when equal. */
static double snr_db(const vx_tensor *ref, const vx_tensor *y)
{
    ck_assert_int_eq(vx_numel(ref), vx_numel(y));
    double sig = 0, err = 0;
    for (int64_t i = 0; i < vx_numel(ref); i++) {
        double r = vx_get_f(ref, i), e = r - vx_get_f(y, i);
        sig += r * r;
        err += e * e;
    }
    return err > 0 ? 10.0 * log10(sig / err) : INFINITY;
}

/* --- device tensors ---------------------------------------------------------------- */

/* Ops on device tensors, read back through the tensor.h accessors, views of
 * device results, host writes re-uploaded, weights uploaded once, the device
 * arena reset with the context. */
static void check_device_tensors(const char *backend)
{
    vx_ctx *ctx = test_ctx(), *wctx = test_ctx();
    ck_assert_int_eq(vx_ctx_use_backend(ctx, backend), VX_OK);
    ck_assert_int_eq(vx_ctx_use_backend(wctx, backend), VX_OK);
    ck_assert_str_eq(vx_ctx_backend(ctx)->name, backend);
    int64_t shape[3] = {1, 4, 3};
    float xs[12];
    for (int i = 0; i < 12; i++)
        xs[i] = (float)i - 5.5f;
    vx_tensor *x = vx_from_f32(ctx, 3, shape, xs);
    ck_assert(!vx_on_device(x));
    vx_tensor *y = vx_dev_unary(ctx, VX_OP_LEAKY_RELU, x, 0.25f, 0);
    ck_assert_ptr_nonnull(y);
    ck_assert(vx_on_device(y) && vx_on_device(x) && y->dev->host_stale);
    for (int i = 0; i < 12; i++) /* vx_get_f downloads */
        ck_assert_float_eq(vx_get_f(y, i), (xs[i] > 0 ? xs[i] : 0.25f * xs[i]));
    ck_assert(!y->dev->host_stale);

    /* a contiguous view of a device result is an operand at its offset */
    vx_tensor *rows = vx_slice(ctx, y, 1, 2, 4, 1); /* [1, 2, 3] */
    vx_tensor *twice = vx_dev_unary(ctx, VX_OP_SCALE, rows, 2.0f, 0);
    float got[6];
    vx_copy_to_f32(twice, got);
    for (int i = 0; i < 6; i++)
        ck_assert_float_eq(got[i], 2.0f * xs[6 + i]);

    /* a strided view goes through the host and still gives the right values */
    vx_tensor *cols = vx_transpose(ctx, twice, 1, 2); /* [1, 3, 2] */
    vx_tensor *neg = vx_dev_unary(ctx, VX_OP_SCALE, cols, -1.0f, 0);
    for (int i = 0; i < 6; i++)
        ck_assert_float_eq(vx_get_f(neg, i), -vx_get_f(cols, i));

    /* a host write to a device tensor reaches the next op */
    vx_set_f(y, 0, 100.0f);
    ck_assert(y->dev->device_stale);
    vx_tensor *y1 = vx_dev_unary(ctx, VX_OP_ADD_SCALAR, y, 1.0f, 0);
    ck_assert_float_eq(vx_get_f(y1, 0), 101.0f);
    ck_assert_float_eq(vx_get_f(y1, 11), vx_get_f(y, 11) + 1.0f);

    /* _into: write a result into half of a device tensor; the other half keeps its values */
    vx_tensor *both = vx_dev_unary(ctx, VX_OP_SCALE, x, 1.0f, 0);
    vx_tensor *in[2] = {vx_slice(ctx, x, 1, 0, 2, 1), vx_slice(ctx, x, 1, 2, 4, 1)};
    ck_assert_int_eq(vx_dev_op_into(ctx, vx_slice(ctx, both, 1, 2, 4, 1), VX_OP_ADD, 2, in, NULL, NULL), VX_OK);
    for (int i = 0; i < 12; i++)
        ck_assert_float_eq(vx_get_f(both, i), (i < 6 ? xs[i] : xs[i - 6] + xs[i]));
    vx_tensor *self[2] = {vx_slice(ctx, both, 1, 0, 2, 1), in[1]}; /* output over an input: refused */
    ck_assert_fails(vx_dev_op_into(ctx, self[0], VX_OP_ADD, 2, self, NULL, NULL) == VX_OK);

    /* a weight (persistent) is uploaded once and stays on the device across resets */
    int64_t wshape[3] = {2, 4, 1};
    vx_tensor *w = vx_param(wctx, "w", VX_F32, 3, wshape, false);
    vx_fill(w, 0.5f);
    ck_assert_int_eq(vx_to_device(wctx, w), VX_OK); /* the model's context owns the device copy */
    ck_assert(!w->dev->device_stale);
    vx_tensor *c = vx_dev_conv1d(ctx, x, w, NULL, 1, 0, 1, 1); /* [1, 2, 3] */
    ck_assert_ptr_nonnull(c);
    ck_assert(!w->dev->device_stale);
    for (int t = 0; t < 3; t++)
        ck_assert_float_eq(vx_get_f(c, t), 0.5f * (xs[t] + xs[3 + t] + xs[6 + t] + xs[9 + t]));
    ck_assert(vx_device_arena_used(ctx) > 0);
    /* an arena mark covers the device arena too */
    size_t used = vx_device_arena_used(ctx);
    vx_arena_point mark = vx_arena_mark(ctx);
    ck_assert_ptr_nonnull(vx_dev_unary(ctx, VX_OP_TANH, c, 0, 0));
    ck_assert(vx_device_arena_used(ctx) > used);
    vx_arena_release(ctx, mark);
    ck_assert_uint_eq(vx_device_arena_used(ctx), used);
    vx_tensor *again = vx_dev_unary(ctx, VX_OP_SCALE, c, 3.0f, 0); /* reuses the released bytes */
    ck_assert_float_eq(vx_get_f(again, 2), 3.0f * vx_get_f(c, 2));
    vx_ctx_reset(ctx);
    ck_assert_uint_eq(vx_device_arena_used(ctx), 0);
    x = vx_from_f32(ctx, 3, shape, xs);
    c = vx_dev_conv1d(ctx, x, w, NULL, 1, 0, 1, 1);
    ck_assert_float_eq(vx_get_f(c, 1), 0.5f * (xs[1] + xs[4] + xs[7] + xs[10]));

    /* bad shapes fail with the descriptor check's message */
    ck_assert_fails(vx_dev_binary(ctx, VX_OP_ADD, x, vx_slice(ctx, x, 2, 0, 2, 1)));
    vx_ctx_free(ctx);
    vx_ctx_free(wctx);
}

START_TEST(device_tensors_on_the_cpu_backend_read_back_current_values)
{
    check_device_tensors("cpu");
}
END_TEST

START_TEST(device_tensors_on_opencl_read_back_current_values)
{
    if (backend_here("opencl", "device tensors"))
        check_device_tensors("opencl");
}
END_TEST

START_TEST(host_tensors_have_no_device_side_and_host_contexts_refuse_device_ops)
{
    vx_ctx *ctx = test_ctx();
    int64_t shape[1] = {3};
    vx_tensor *x = vx_new(ctx, VX_F32, 1, shape);
    ck_assert_ptr_null(x->dev);
    ck_assert_ptr_null(vx_ctx_backend(ctx));
    ck_assert_int_eq(vx_to_host(x), VX_OK);
    ck_assert_fails(vx_dev_unary(ctx, VX_OP_TANH, x, 0, 0));
    ck_assert_fails(vx_to_device(ctx, x) == VX_OK);
    ck_assert_fails(vx_ctx_use_backend(ctx, "tpu") == VX_OK);
    vx_ctx_free(ctx);
}
END_TEST

/* --- VITS --------------------------------------------------------------------------- */

/* CPU path vs the device path on `backend` with noise off: SNR of the audio and the flow output z. */
static void check_vits(const char *voice, const char *backend, int speaker)
{
    vx_vits *v = vx_vits_load(voice);
    ck_assert_msg(v != NULL, "%s", vx_last_error());
    vx_vits_device *d = vx_vits_device_load(v, voice, backend);
    ck_assert_msg(d != NULL, "%s", vx_last_error());
    vx_ctx *cpu = test_ctx(), *dev = test_ctx();
    vx_vits_params p = vx_vits_default_params(v);
    p.noise_scale = p.noise_w = 0.0f;
    p.speaker = speaker;
    vx_vits_output ref, out;
    ck_assert_int_eq(vx_vits_synthesize(v, cpu, IDS, N_IDS, &p, &ref), VX_OK);
    vx_status st = vx_vits_device_synthesize(d, dev, IDS, N_IDS, &p, &out);
    ck_assert_msg(st == VX_OK, "%s", vx_last_error());
    ck_assert_int_eq(out.frames, ref.frames);
    for (int64_t i = 0; i < N_IDS; i++)
        ck_assert_int_eq(vx_get_i(out.durations, i), vx_get_i(ref.durations, i));
    double snr_audio = snr_db(ref.audio, out.audio), snr_z = snr_db(ref.z, out.z);
    printf("test_backend_vits: %s speaker %d on %s: %lld samples, SNR audio %.1f dB, z %.1f dB\n", voice,
           speaker, vx_vits_device_describe(d), (long long)vx_numel(out.audio), snr_audio, snr_z);
    ck_assert_msg(snr_audio >= 60.0 && snr_z >= 60.0, "SNR audio %.1f dB, z %.1f dB (need >= 60)", snr_audio, snr_z);
    /* the next sentence reuses the context's device arena */
    size_t high = vx_device_arena_high_water(dev);
    vx_ctx_reset(dev);
    ck_assert_int_eq(vx_vits_device_synthesize(d, dev, IDS, N_IDS, &p, &out), VX_OK);
    ck_assert_uint_eq(vx_device_arena_high_water(dev), high);
    ck_assert(snr_db(ref.audio, out.audio) >= 60.0);
    vx_ctx_free(cpu);
    vx_ctx_free(dev);
    vx_vits_device_free(d);
    vx_vits_free(v);
}

START_TEST(vits_on_the_cpu_backend_matches_the_cpu_path)
{
    check_vits(TINY_MEDIUM, "cpu", 0);
}
END_TEST

START_TEST(vits_on_opencl_matches_the_cpu_path_within_60_db)
{
    if (!backend_here("opencl", "VITS"))
        return;
    check_vits(TINY_MEDIUM, "opencl", 0);
    check_vits(TINY_MULTI, "opencl", 1);
}
END_TEST

/* Compiled everywhere, run where a GPU, libcudart and `make CUDA=1`'s kernel library are. */
START_TEST(vits_on_cuda_matches_the_cpu_path_within_60_db)
{
    if (!backend_here("cuda", "VITS"))
        return;
    check_vits(TINY_MEDIUM, "cuda", 0);
    check_vits(TINY_MULTI, "cuda", 1);
}
END_TEST

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The real voice, when `make voice` has fetched it: one sentence with noise
 * off on opencl vs the CPU path (SNR >= 60 dB), timed, alternating the two
 * twice (PoCL runs on the CPU cores: slow; a GPU is the point). */
START_TEST(vits_on_opencl_matches_the_cpu_path_on_the_real_voice_when_present)
{
    if (access(JOE, R_OK) != 0) {
        printf("test_backend_vits: SKIPPED the real voice: %s is missing (make voice)\n", JOE);
        return;
    }
    if (!backend_here("opencl", "the real voice"))
        return;
    vx_vits *v = vx_vits_load(JOE);
    ck_assert_msg(v != NULL, "%s", vx_last_error());
    vx_vits_device *d = vx_vits_device_load(v, JOE, "opencl");
    ck_assert_msg(d != NULL, "%s", vx_last_error());
    vx_ctx *cpu = test_ctx(), *dev = test_ctx();
    vx_vits_params p = vx_vits_default_params(v);
    p.noise_scale = p.noise_w = 0.0f;
    int64_t n = (int64_t)(sizeof JOE_IDS / sizeof JOE_IDS[0]);
    vx_vits_output ref, out;
    double t_cpu = INFINITY, t_dev = INFINITY;
    for (int run = 0; run < 2; run++) {
        vx_ctx_reset(cpu);
        vx_ctx_reset(dev);
        double t0 = now_s();
        ck_assert_int_eq(vx_vits_synthesize(v, cpu, JOE_IDS, n, &p, &ref), VX_OK);
        double t1 = now_s();
        ck_assert_msg(vx_vits_device_synthesize(d, dev, JOE_IDS, n, &p, &out) == VX_OK, "%s", vx_last_error());
        double t2 = now_s();
        t_cpu = fmin(t_cpu, t1 - t0);
        t_dev = fmin(t_dev, t2 - t1);
    }
    double snr = snr_db(ref.audio, out.audio), audio_s = (double)vx_numel(ref.audio) / vx_vits_config_of(v)->sample_rate;
    printf("test_backend_vits: %s, %.2f s of audio: SNR %.1f dB (z %.1f dB); best of 2: cpu path %.3f s, %s %.3f s; "
           "device arena %.0f MiB\n", JOE, audio_s, snr, snr_db(ref.z, out.z), t_cpu, vx_vits_device_describe(d), t_dev,
           (double)vx_device_arena_high_water(dev) / (1 << 20));
    ck_assert_msg(snr >= 60.0, "SNR %.1f dB < 60", snr);
    vx_ctx_free(cpu);
    vx_ctx_free(dev);
    vx_vits_device_free(d);
    vx_vits_free(v);
}
END_TEST

/* An op the backend declines falls back to the cpu (same audio) unless strict. */
START_TEST(vits_on_opencl_falls_back_per_op_and_strict_refuses)
{
    if (!backend_here("opencl", "VITS fallback"))
        return;
    vx_vits *v = vx_vits_load(TINY_MEDIUM);
    ck_assert_ptr_nonnull(v);
    vx_vits_device *d = vx_vits_device_load(v, TINY_MEDIUM, "opencl");
    ck_assert_ptr_nonnull(d);
    vx_ctx *ctx = test_ctx();
    vx_vits_params p = vx_vits_default_params(v);
    p.noise_scale = p.noise_w = 0.0f;
    vx_vits_output ref, out;
    ck_assert_int_eq(vx_vits_synthesize(v, ctx, IDS, N_IDS, &p, &ref), VX_OK);
    setenv("VOXC_OPENCL_SKIP_OPS", "sigmoid", 1);
    int64_t before = vx_backend_fallback_count();
    ck_assert_int_eq(vx_vits_device_synthesize(d, ctx, IDS, N_IDS, &p, &out), VX_OK);
    ck_assert(vx_backend_fallback_count() > before);
    ck_assert(snr_db(ref.audio, out.audio) >= 60.0);
    bool old = vx_backend_set_strict(true);
    ck_assert_fails(vx_vits_device_synthesize(d, ctx, IDS, N_IDS, &p, &out) == VX_OK);
    ck_assert_msg(strstr(vx_last_error(), "sigmoid") && strstr(vx_last_error(), "opencl"), "%s", vx_last_error());
    vx_backend_set_strict(old);
    unsetenv("VOXC_OPENCL_SKIP_OPS");
    vx_ctx_free(ctx);
    vx_vits_device_free(d);
    vx_vits_free(v);
}
END_TEST

START_TEST(vits_device_load_reports_an_unknown_backend)
{
    vx_vits *v = vx_vits_load(TINY_MEDIUM);
    ck_assert_ptr_nonnull(v);
    ck_assert_fails(vx_vits_device_load(v, TINY_MEDIUM, "tpu"));
    ck_assert_msg(strstr(vx_last_error(), "unknown"), "%s", vx_last_error());
    vx_vits_free(v);
}
END_TEST

/* voxc-tts --backend opencl says where the parts run and gives the CPU's
 * samples (16-bit, so within one step after peak normalisation); --strict
 * with a declined op fails naming it; bad or misplaced --backend is a usage error. */
START_TEST(tts_tool_runs_vits_on_the_chosen_backend)
{
    const char *ids = "1 0 5 0 9 0 13 0 21 0 17 0 8 0 2";
    char *out[2], *err[2];
    size_t len[2];
    const char *cpu_args[] = {"-m", TINY_MEDIUM, "--raw", "--noise-scale", "0", "--noise-w", "0", "--ids", ids,
                              "--backend", "cpu", NULL};
    ck_assert_int_eq(run_tool("tts", cpu_args, NULL, &out[0], &len[0], &err[0]), 0);
    const char *dev_args[] = {"-m", TINY_MEDIUM, "--raw", "--noise-scale", "0", "--noise-w", "0", "--ids", ids,
                              "--backend", "opencl", NULL};
    int rc = run_tool("tts", dev_args, NULL, &out[1], &len[1], &err[1]);
    if (!vx_backend_start("opencl")) {
        printf("test_backend_vits: SKIPPED voxc-tts --backend opencl: %s\n", vx_last_error());
        ck_assert_int_eq(rc, 1);
        ck_assert_msg(strstr(err[1], "OpenCL not available"), "%s", err[1]);
    } else {
        ck_assert_msg(rc == 0, "%s", err[1]);
        ck_assert_msg(strstr(err[1], "flow and decoder on opencl") && strstr(err[1], "duration predictor") &&
                      strstr(err[1], "on the cpu"), "%s", err[1]);
        ck_assert_uint_eq(len[0], len[1]);
        const int16_t *a = (const int16_t *)out[0], *b = (const int16_t *)out[1];
        for (size_t i = 0; i < len[0] / 2; i++)
            ck_assert_msg(abs(a[i] - b[i]) <= 1, "sample %zu: %d vs %d", i, a[i], b[i]);
        free(out[1]);
        free(err[1]);
        setenv("VOXC_OPENCL_SKIP_OPS", "tanh", 1);
        const char *strict_args[] = {"-m", TINY_MEDIUM, "--raw", "--ids", ids, "--backend", "opencl", "--strict", NULL};
        ck_assert_int_eq(run_tool("tts", strict_args, NULL, &out[1], NULL, &err[1]), 1);
        ck_assert_msg(strstr(err[1], "tanh") && strstr(err[1], "--strict"), "%s", err[1]);
        unsetenv("VOXC_OPENCL_SKIP_OPS");
    }
    for (int i = 0; i < 2; i++) {
        free(out[i]);
        free(err[i]);
    }
    const char *bad_args[] = {"-m", TINY_MEDIUM, "--raw", "--ids", ids, "--backend", "tpu", NULL};
    ck_assert_int_eq(run_tool("tts", bad_args, NULL, &out[0], NULL, &err[0]), 2);
    ck_assert_msg(strstr(err[0], "--backend"), "%s", err[0]);
    free(out[0]);
    free(err[0]);
}
END_TEST

Suite *suite_backend_vits(void)
{
    Suite *s = suite_create("backend_vits");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, device_tensors_on_the_cpu_backend_read_back_current_values);
    tcase_add_test(tc, device_tensors_on_opencl_read_back_current_values);
    tcase_add_test(tc, host_tensors_have_no_device_side_and_host_contexts_refuse_device_ops);
    tcase_add_test(tc, vits_on_the_cpu_backend_matches_the_cpu_path);
    tcase_add_test(tc, vits_on_opencl_matches_the_cpu_path_within_60_db);
    tcase_add_test(tc, vits_on_cuda_matches_the_cpu_path_within_60_db);
    tcase_add_test(tc, vits_on_opencl_matches_the_cpu_path_on_the_real_voice_when_present);
    tcase_add_test(tc, vits_on_opencl_falls_back_per_op_and_strict_refuses);
    tcase_add_test(tc, vits_device_load_reports_an_unknown_backend);
    tcase_add_test(tc, tts_tool_runs_vits_on_the_chosen_backend);
    suite_add_tcase(s, tc);
    return s;
}
