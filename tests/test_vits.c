/* test_vits.c — VITS inference against onnxruntime.
 *
 * Fixtures (tests/ref/vits_ort_fixture.py, onnxruntime with noise_scale =
 * noise_w = 0): tests/data/vits/{tiny_medium,tiny_multi,joe_medium}.safetensors
 * hold, per sentence, the ids, durations (w_ceil), logw, the waveform (f16) and
 * for most sentences m_p, logs_p and the flow output z (f32). voxc must give
 * identical durations, intermediate tensors within 1e-4 of the reference's
 * largest magnitude, and a waveform with SNR >= 50 dB.
 * The tiny models (tests/data/onnx/, random weights) always run; the real voice
 * data/voices/en_US-joe-medium.onnx runs when present and the build has no
 * sanitizers (it is slow there), else the test prints why it skipped.
 * The tiny models are also checked against the PyTorch run that made them
 * (tests/data/onnx/tiny_piper_ref.json, tests/ref/make_tiny_piper.py), and
 * voxc-tts is run through $VOXC_BIN (set by `make test-run`). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio/wav.h"
#include "core/json.h"
#include "core/threads.h"
#include "models/vits.h"
#include "models/vits_internal.h"
#include "nn/safetensors.h"
#include "test_files.h"
#include "test_util.h"

#define TINY_MEDIUM "tests/data/onnx/tiny_medium.onnx"
#define TINY_MULTI "tests/data/onnx/tiny_multi.onnx"
#define JOE_VOICE "data/voices/en_US-joe-medium.onnx"

#define MAX_REL_ERR 1e-4
#define MIN_SNR_DB 50.0

/* --- fixture access ------------------------------------------------------------ */

typedef struct fixture {
    vx_st_file *st;
    vx_json *cases;   /* array of {case, n_ids, length_scale, sid, frames, samples, tensors} */
} fixture;

static fixture fixture_open(const char *path)
{
    fixture fx;
    fx.st = vx_st_open(path);
    ck_assert_msg(fx.st != NULL, "%s", vx_last_error());
    const char *cases = vx_st_metadata(fx.st, "cases");
    ck_assert_ptr_nonnull(cases);
    fx.cases = vx_json_parse(cases, strlen(cases), path);
    ck_assert_msg(fx.cases && fx.cases->type == VX_JSON_ARRAY, "%s", vx_last_error());
    return fx;
}

static void fixture_close(fixture *fx)
{
    vx_json_free(fx->cases);
    vx_st_close(fx->st);
}

/* Fixture tensor "<k>.<what>" as f32 in the arena, or NULL when not stored. */
static vx_tensor *fixture_tensor(vx_ctx *ctx, const fixture *fx, int k, const char *what)
{
    char name[64];
    snprintf(name, sizeof name, "%d.%s", k, what);
    if (!vx_st_find(fx->st, name))
        return NULL;
    vx_tensor *t = vx_st_tensor(ctx, fx->st, name);
    ck_assert_msg(t != NULL, "%s", vx_last_error());
    return t->dtype == VX_F32 ? t : vx_cast(ctx, t, VX_F32);
}

/* max |a − b| / max |b| over the elements (same count required). */
static double max_rel_err(const vx_tensor *a, const vx_tensor *b)
{
    ck_assert_int_eq(vx_numel(a), vx_numel(b));
    double diff = 0, ref = 0;
    for (int64_t i = 0; i < vx_numel(a); i++) {
        double x = vx_get_f(a, i), y = vx_get_f(b, i);
        diff = fmax(diff, fabs(x - y));
        ref = fmax(ref, fabs(y));
    }
    return diff / (ref > 0 ? ref : 1);
}

/* 10·log10(Σ ref² / Σ (ours − ref)²). */
/* SNR of ours against ref over ref's samples (the fixture stores a prefix of
 * long sentences; their full length is checked against the metadata). */
static double snr_db(const vx_tensor *ours, const vx_tensor *ref)
{
    ck_assert_int_ge(vx_numel(ours), vx_numel(ref));
    double sig = 0, err = 0;
    for (int64_t i = 0; i < vx_numel(ref); i++) {
        double y = vx_get_f(ref, i), d = vx_get_f(ours, i) - y;
        sig += y * y;
        err += d * d;
    }
    return err > 0 ? 10 * log10(sig / err) : 300.0;
}

/* Phoneme ids of case k as int64 (malloc'd). */
static int64_t *case_ids(vx_ctx *ctx, const fixture *fx, int k, int64_t *n)
{
    char name[32];
    snprintf(name, sizeof name, "%d.ids", k);
    vx_tensor *ids = vx_st_tensor(ctx, fx->st, name);
    ck_assert_msg(ids != NULL, "%s", vx_last_error());
    *n = vx_numel(ids);
    int64_t *out = malloc(sizeof(int64_t) * (size_t)*n);
    for (int64_t i = 0; i < *n; i++)
        out[i] = vx_get_i(ids, i);
    return out;
}

typedef struct parity {
    double rel_logw, rel_m_p, rel_logs_p, rel_z; /* worst over the cases */
    double snr_min;
    int cases;
} parity;

/* Synthesize every fixture case with `v` and compare; returns the worst figures. */
static parity check_against_fixture(vx_vits *v, const char *fixture_path)
{
    fixture fx = fixture_open(fixture_path);
    vx_ctx *ctx = test_ctx();
    parity worst = {.snr_min = 1e9};
    for (size_t c = 0; c < fx.cases->count; c++) {
        const vx_json *meta = fx.cases->items[c];
        int k = (int)vx_json_get_number(meta, "case", -1);
        vx_vits_params p = vx_vits_default_params(v);
        p.noise_scale = 0.0f;
        p.noise_w = 0.0f;
        p.length_scale = (float)vx_json_get_number(meta, "length_scale", 1.0);
        const vx_json *sid = vx_json_get(meta, "sid");
        p.speaker = sid && sid->type == VX_JSON_NUMBER ? (int)sid->integer : 0;
        int64_t n_ids;
        int64_t *ids = case_ids(ctx, &fx, k, &n_ids);
        vx_vits_output out;
        ck_assert_msg(vx_vits_synthesize(v, ctx, ids, n_ids, &p, &out) == VX_OK, "case %d: %s", k,
                      vx_last_error());
        free(ids);

        vx_tensor *durations = fixture_tensor(ctx, &fx, k, "durations");
        ck_assert_int_eq(vx_numel(out.durations), vx_numel(durations));
        for (int64_t i = 0; i < vx_numel(durations); i++)
            ck_assert_msg(vx_get_i(out.durations, i) == (int32_t)vx_get_f(durations, i),
                          "case %d: duration of id %lld is %d, onnxruntime %g", k, (long long)i,
                          vx_get_i(out.durations, i), vx_get_f(durations, i));
        int64_t frames = (int64_t)vx_json_get_number(meta, "frames", -1);
        ck_assert_int_eq(out.frames, frames > 0 ? frames : 1); /* onnxruntime clamps to 1 frame too */

        double e = max_rel_err(out.logw, fixture_tensor(ctx, &fx, k, "logw"));
        ck_assert_msg(e <= MAX_REL_ERR, "case %d: logw relative error %.3g", k, e);
        worst.rel_logw = fmax(worst.rel_logw, e);
        struct { const char *name; vx_tensor *ours; double *worst; } inter[] = {
            {"m_p", out.m_p, &worst.rel_m_p}, {"logs_p", out.logs_p, &worst.rel_logs_p}, {"z", out.z, &worst.rel_z}};
        for (size_t i = 0; i < sizeof inter / sizeof inter[0]; i++) {
            vx_tensor *ref = fixture_tensor(ctx, &fx, k, inter[i].name);
            if (!ref)
                continue;
            e = max_rel_err(inter[i].ours, ref);
            ck_assert_msg(e <= MAX_REL_ERR, "case %d: %s relative error %.3g", k, inter[i].name, e);
            *inter[i].worst = fmax(*inter[i].worst, e);
        }
        ck_assert_int_eq(vx_numel(out.audio), (int64_t)vx_json_get_number(meta, "samples", -1));
        double snr = snr_db(out.audio, fixture_tensor(ctx, &fx, k, "audio"));
        ck_assert_msg(snr >= MIN_SNR_DB, "case %d: waveform SNR %.1f dB < %.0f dB", k, snr, MIN_SNR_DB);
        worst.snr_min = fmin(worst.snr_min, snr);
        worst.cases++;
        vx_ctx_reset(ctx);
    }
    vx_ctx_free(ctx);
    fixture_close(&fx);
    return worst;
}

static void report(const char *name, parity p)
{
    fprintf(stderr, "vits parity %s: %d sentences, durations identical, max rel err logw %.2g m_p %.2g "
            "logs_p %.2g z %.2g, min SNR %.1f dB\n", name, p.cases, p.rel_logw, p.rel_m_p, p.rel_logs_p, p.rel_z,
            p.snr_min);
}

static vx_vits *load_or_fail(const char *path)
{
    vx_vits *v = vx_vits_load(path);
    ck_assert_msg(v != NULL, "%s", vx_last_error());
    return v;
}

/* Synthesize ids with params p into a malloc'd copy of the audio. */
static float *synth_copy(vx_vits *v, const int64_t *ids, int64_t n, const vx_vits_params *p, int64_t *n_samples)
{
    vx_ctx *ctx = test_ctx();
    vx_vits_output out;
    ck_assert_msg(vx_vits_synthesize(v, ctx, ids, n, p, &out) == VX_OK, "%s", vx_last_error());
    *n_samples = vx_numel(out.audio);
    float *copy = malloc(sizeof(float) * (size_t)*n_samples);
    memcpy(copy, out.audio->data, sizeof(float) * (size_t)*n_samples);
    vx_ctx_free(ctx);
    return copy;
}

static const int64_t SHORT_IDS[] = {1, 0, 5, 0, 9, 0, 13, 0, 21, 0, 2};
#define N_SHORT ((int64_t)(sizeof SHORT_IDS / sizeof SHORT_IDS[0]))

/* --- tests --------------------------------------------------------------------- */

START_TEST(tiny_medium_matches_onnxruntime)
{
    vx_vits *v = load_or_fail(TINY_MEDIUM);
    const vx_vits_config *c = vx_vits_config_of(v);
    ck_assert_int_eq(c->hop_length, 256);
    ck_assert_int_eq(c->sample_rate, 22050);
    report("tiny_medium", check_against_fixture(v, "tests/data/vits/tiny_medium.safetensors"));
    vx_vits_free(v);
}
END_TEST

START_TEST(tiny_multi_speaker_matches_onnxruntime_for_each_speaker)
{
    vx_vits *v = load_or_fail(TINY_MULTI);
    ck_assert_int_eq(vx_vits_config_of(v)->n_speakers, 4);
    report("tiny_multi", check_against_fixture(v, "tests/data/vits/tiny_multi.safetensors"));
    vx_vits_free(v);
}
END_TEST

START_TEST(real_voice_matches_onnxruntime)
{
    if (VX_SANITIZED) {
        fprintf(stderr, "note: real_voice_matches_onnxruntime skipped under sanitizers (slow); "
                "the tiny models cover the same code\n");
        return;
    }
    if (access(JOE_VOICE, R_OK) != 0) {
        fprintf(stderr, "note: %s absent — real-voice parity skipped (run `sh data/fetch_voice.sh`)\n", JOE_VOICE);
        return;
    }
    vx_vits *v = load_or_fail(JOE_VOICE);
    report("joe_medium", check_against_fixture(v, "tests/data/vits/joe_medium.safetensors"));
    vx_vits_free(v);
}
END_TEST

/* Write TINY_MULTI as voxc-convert does (F32 weights, VITS metadata) to
 * `path`; `config` replaces the derived hyper-parameters when not NULL. */
static void write_voice_safetensors(const char *path, const char *config)
{
    vx_piper_voice *pv = vx_piper_import(TINY_MULTI, NULL);
    ck_assert_msg(pv != NULL, "%s", vx_last_error());
    char *derived = vx_vits_config_json(&pv->config);
    ck_assert_ptr_nonnull(derived);
    vx_st_write_entry *entries = calloc(pv->n_weights, sizeof *entries);
    for (size_t i = 0; i < pv->n_weights; i++) {
        entries[i] = (vx_st_write_entry){.name = pv->weights[i].name, .dtype = VX_F32,
                                         .ndim = pv->weights[i].ndim, .data = pv->weights[i].data};
        for (int d = 0; d < pv->weights[i].ndim; d++)
            entries[i].shape[d] = pv->weights[i].shape[d];
    }
    const char *keys[] = {VX_VITS_META_MODEL, VX_VITS_META_CONFIG, VX_VITS_META_PIPER};
    const char *values[] = {"vits", config ? config : derived, pv->json_text};
    ck_assert_msg(vx_st_write(path, (int)pv->n_weights, entries, 3, keys, values) == VX_OK, "%s", vx_last_error());
    free(entries);
    free(derived);
    vx_piper_free(pv);
}

/* voxc-convert's safetensors loads to the same model as the ONNX file. */
START_TEST(safetensors_voice_gives_the_same_audio_as_onnx)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/voxc_test_vits_%d.safetensors", (int)getpid());
    write_voice_safetensors(path, NULL);
    vx_vits *a = load_or_fail(TINY_MULTI), *b = load_or_fail(path);
    unlink(path);
    ck_assert_mem_eq(vx_vits_config_of(a), vx_vits_config_of(b), sizeof(vx_vits_config));
    size_t la, lb;
    ck_assert_str_eq(vx_vits_voice_json(a, &la), vx_vits_voice_json(b, &lb));
    vx_vits_params p = vx_vits_default_params(a);
    p.speaker = 2;
    p.seed = 7;
    int64_t na, nb;
    float *ya = synth_copy(a, SHORT_IDS, N_SHORT, &p, &na), *yb = synth_copy(b, SHORT_IDS, N_SHORT, &p, &nb);
    ck_assert_int_eq(na, nb);
    ck_assert_mem_eq(ya, yb, sizeof(float) * (size_t)na);
    free(ya);
    free(yb);
    vx_vits_free(a);
    vx_vits_free(b);
}
END_TEST

/* Hyper-parameters that are missing, mistyped or disagree with the weights are refused. */
START_TEST(safetensors_voice_with_a_bad_config_is_refused)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/voxc_test_vits_bad_%d.safetensors", (int)getpid());
    struct { const char *config, *message; } cases[] = {
        {"not json", "line 1, column 1"},
        {"{\"n_vocab\": 48}", "hidden_channels"},
        {"[1, 2]", "n_vocab"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_voice_safetensors(path, cases[i].config);
        ck_assert_fails(vx_vits_load(path) != NULL);
        ck_assert_msg(strstr(vx_last_error(), cases[i].message) != NULL, "case %zu: %s", i, vx_last_error());
    }
    /* a config whose sizes disagree with the weights: hidden 8 instead of 4 */
    vx_piper_voice *pv = vx_piper_import(TINY_MULTI, NULL);
    ck_assert_ptr_nonnull(pv);
    pv->config.hidden_channels = 8;
    char *wrong = vx_vits_config_json(&pv->config);
    vx_piper_free(pv);
    write_voice_safetensors(path, wrong);
    free(wrong);
    ck_assert_fails(vx_vits_load(path) != NULL);
    ck_assert_msg(strstr(vx_last_error(), "expected") != NULL, "%s", vx_last_error());
    unlink(path);
}
END_TEST

START_TEST(noise_is_seeded_and_changes_the_audio)
{
    vx_vits *v = load_or_fail(TINY_MEDIUM);
    vx_vits_params p = vx_vits_default_params(v);
    ck_assert_float_eq_tol(p.noise_scale, 0.667f, 1e-6f);
    ck_assert_float_eq_tol(p.noise_w, 0.8f, 1e-6f);
    int64_t n1, n2, n3, n0;
    p.seed = 11;
    float *a = synth_copy(v, SHORT_IDS, N_SHORT, &p, &n1);
    float *b = synth_copy(v, SHORT_IDS, N_SHORT, &p, &n2);
    ck_assert_int_eq(n1, n2);
    ck_assert_mem_eq(a, b, sizeof(float) * (size_t)n1); /* same seed: same bits */
    p.seed = 12;
    float *c = synth_copy(v, SHORT_IDS, N_SHORT, &p, &n3);
    ck_assert(n3 != n1 || memcmp(a, c, sizeof(float) * (size_t)n1) != 0);
    p.noise_scale = p.noise_w = 0.0f;
    float *d = synth_copy(v, SHORT_IDS, N_SHORT, &p, &n0);
    ck_assert(n0 != n1 || memcmp(a, d, sizeof(float) * (size_t)n1) != 0);
    free(a);
    free(b);
    free(c);
    free(d);
    vx_vits_free(v);
}
END_TEST

START_TEST(same_bits_for_one_and_two_threads)
{
    vx_vits *v = load_or_fail(TINY_MULTI);
    vx_vits_params p = vx_vits_default_params(v);
    p.seed = 3;
    int64_t n1, n2;
    vx_threads_set(1);
    float *a = synth_copy(v, SHORT_IDS, N_SHORT, &p, &n1);
    vx_threads_set(2);
    float *b = synth_copy(v, SHORT_IDS, N_SHORT, &p, &n2);
    vx_threads_set(0);
    ck_assert_int_eq(n1, n2);
    ck_assert_mem_eq(a, b, sizeof(float) * (size_t)n1);
    free(a);
    free(b);
    vx_vits_free(v);
}
END_TEST

START_TEST(length_scale_stretches_durations)
{
    vx_vits *v = load_or_fail(TINY_MEDIUM);
    vx_ctx *ctx = test_ctx();
    vx_vits_params p = vx_vits_default_params(v);
    p.noise_w = p.noise_scale = 0.0f;
    vx_vits_output a, b;
    ck_assert(vx_vits_synthesize(v, ctx, SHORT_IDS, N_SHORT, &p, &a) == VX_OK);
    p.length_scale = 2.0f;
    ck_assert(vx_vits_synthesize(v, ctx, SHORT_IDS, N_SHORT, &p, &b) == VX_OK);
    ck_assert_int_gt(b.frames, a.frames);
    ck_assert_int_eq(vx_numel(a.audio), a.frames * vx_vits_config_of(v)->hop_length);
    int64_t sum = 0;
    for (int64_t i = 0; i < N_SHORT; i++) {
        /* ⌈2w⌉ >= ⌈w⌉ for each phoneme */
        ck_assert_int_ge(vx_get_i(b.durations, i), vx_get_i(a.durations, i));
        sum += vx_get_i(b.durations, i);
    }
    ck_assert_int_eq(sum, b.frames);
    vx_ctx_free(ctx);
    vx_vits_free(v);
}
END_TEST

START_TEST(bad_requests_fail_with_a_message)
{
    vx_vits *v = load_or_fail(TINY_MULTI);
    vx_ctx *ctx = test_ctx();
    vx_vits_params p = vx_vits_default_params(v);
    vx_vits_output out;
    int64_t bad_id[] = {1, 0, 999, 0, 2};
    ck_assert_fails(vx_vits_synthesize(v, ctx, bad_id, 5, &p, &out) == VX_OK);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "999"));
    ck_assert_ptr_null(out.audio);
    ck_assert_fails(vx_vits_synthesize(v, ctx, SHORT_IDS, 0, &p, &out) == VX_OK);
    p.speaker = 4;
    ck_assert_fails(vx_vits_synthesize(v, ctx, SHORT_IDS, N_SHORT, &p, &out) == VX_OK);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "speaker"));
    p.speaker = 0;
    p.length_scale = 0.0f;
    ck_assert_fails(vx_vits_synthesize(v, ctx, SHORT_IDS, N_SHORT, &p, &out) == VX_OK);
    p.length_scale = NAN;
    ck_assert_fails(vx_vits_synthesize(v, ctx, SHORT_IDS, N_SHORT, &p, &out) == VX_OK);
    vx_ctx_free(ctx);
    vx_vits_free(v);
}
END_TEST

START_TEST(bad_voices_fail_with_a_message)
{
    ck_assert_fails(vx_vits_load("data/voices/no-such-voice.onnx") != NULL);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "no voice at data/voices/no-such-voice.onnx"));
    /* an ONNX file that is no Piper voice, and a safetensors file without VITS metadata */
    ck_assert_fails(vx_vits_load("tests/data/onnx/features.onnx") != NULL);
    ck_assert_fails(vx_vits_load("tests/data/safetensors/good_pytorch.safetensors") != NULL);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "voxc-convert"));
}
END_TEST

/* The PyTorch model the tiny voice was exported from (tiny_piper_ref.json
 * "inference": noise off) gives the same waveform: length, first samples, sums. */
static void check_against_pytorch(const char *onnx_path, const char *model)
{
    size_t len;
    FILE *f = fopen("tests/data/onnx/tiny_piper_ref.json", "rb");
    ck_assert_ptr_nonnull(f);
    char *text = malloc(1 << 20);
    len = fread(text, 1, 1 << 20, f);
    fclose(f);
    vx_json *ref = vx_json_parse(text, len, "tiny_piper_ref.json");
    free(text);
    ck_assert_msg(ref != NULL, "%s", vx_last_error());
    const vx_json *inf = vx_json_get(vx_json_get(vx_json_get(ref, "models"), model), "inference");
    ck_assert_ptr_nonnull(inf);
    const vx_json *ids_j = vx_json_get(inf, "ids"), *first = vx_json_get(inf, "first"), *sid = vx_json_get(inf, "sid");
    int64_t ids[64];
    ck_assert_uint_le(ids_j->count, 64);
    for (size_t i = 0; i < ids_j->count; i++)
        ids[i] = ids_j->items[i]->integer;
    vx_vits *v = load_or_fail(onnx_path);
    vx_vits_params p = vx_vits_default_params(v);
    p.noise_scale = p.noise_w = 0.0f;
    p.speaker = sid->type == VX_JSON_NUMBER ? (int)sid->integer : 0;
    int64_t n;
    float *y = synth_copy(v, ids, (int64_t)ids_j->count, &p, &n);
    ck_assert_int_eq(n, (int64_t)vx_json_get_number(inf, "samples", -1));
    for (size_t i = 0; i < first->count; i++)
        ck_assert_close(y[i], first->items[i]->number, 1e-5);
    double sum = 0, abs_sum = 0;
    for (int64_t i = 0; i < n; i++) {
        sum += y[i];
        abs_sum += fabs(y[i]);
    }
    double want_abs = vx_json_get_number(inf, "abs_sum", 0);
    ck_assert_close(sum, vx_json_get_number(inf, "sum", 0), 1e-4 * want_abs);
    ck_assert_close(abs_sum, want_abs, 1e-4 * want_abs);
    free(y);
    vx_vits_free(v);
    vx_json_free(ref);
}

START_TEST(tiny_models_match_the_pytorch_model_they_came_from)
{
    check_against_pytorch(TINY_MEDIUM, "tiny_medium");
    check_against_pytorch(TINY_MULTI, "tiny_multi");
}
END_TEST

/* Decoding in chunks with receptive-field margins gives the same bits as one
 * pass with the direct decoder convs (the FFT's tiles make chunking change
 * the last bits: test_hifigan_infer.c checks that path within a tolerance). */
START_TEST(chunked_decoding_gives_the_same_samples)
{
    const char *paths[] = {TINY_MEDIUM, TINY_MULTI};
    for (int m = 0; m < 2; m++) {
        vx_set_decoder_conv(VX_DECODER_CONV_DIRECT);
        vx_vits *v = load_or_fail(paths[m]);
        vx_set_decoder_conv(VX_DECODER_CONV_AUTO);
        vx_ctx *ctx = test_ctx();
        vx_vits_params p = vx_vits_default_params(v);
        p.seed = 5;
        int64_t ids[61];
        ids[0] = 1;
        for (int i = 1; i < 60; i++)
            ids[i] = i % 2 ? 0 : 3 + (i * 7) % 40;
        ids[60] = 2;
        vx_vits_output out;
        ck_assert(vx_vits_synthesize(v, ctx, ids, 61, &p, &out) == VX_OK);
        vx_tensor *g = NULL;
        if (v->emb_g) {
            int64_t gshape[3] = {1, v->config.gin_channels, 1};
            g = vx_reshape(ctx, vx_slice(ctx, v->emb_g, 0, 0, 1, 1), 3, gshape);
        }
        int64_t zshape[3] = {1, out.z->shape[0], out.z->shape[1]};
        vx_tensor *z = vx_reshape(ctx, out.z, 3, zshape);
        vx_tensor *whole = vits_decoder_forward_chunked(ctx, &v->dec, z, g, 1 << 20);
        ck_assert_int_gt(out.frames, 40);
        for (int64_t chunk = 1; chunk <= 17; chunk += 8) {
            vx_tensor *parts = vits_decoder_forward_chunked(ctx, &v->dec, z, g, chunk);
            ck_assert_msg(parts != NULL, "%s", vx_last_error());
            ck_assert_int_eq(vx_numel(parts), vx_numel(whole));
            ck_assert_mem_eq(parts->data, whole->data, sizeof(float) * (size_t)vx_numel(whole));
        }
        vx_ctx_free(ctx);
        vx_vits_free(v);
    }
}
END_TEST

/* With every resblock conv through the FFT the tiny voice gives the direct
 * decoder's audio to rounding (within 1e-5 of the peak), and not its bits
 * (so the FFT path ran). */
START_TEST(fft_decoder_convs_give_the_direct_audio)
{
    vx_set_decoder_conv(VX_DECODER_CONV_DIRECT);
    vx_vits *direct = load_or_fail(TINY_MEDIUM);
    vx_set_decoder_conv(VX_DECODER_CONV_FFT);
    vx_vits *fft = load_or_fail(TINY_MEDIUM);
    vx_set_decoder_conv(VX_DECODER_CONV_AUTO);
    vx_vits_params p = vx_vits_default_params(direct);
    p.seed = 9;
    int64_t n_a, n_b;
    float *a = synth_copy(direct, SHORT_IDS, N_SHORT, &p, &n_a), *b = synth_copy(fft, SHORT_IDS, N_SHORT, &p, &n_b);
    ck_assert_int_eq(n_a, n_b);
    double peak = 0.0, worst = 0.0;
    for (int64_t i = 0; i < n_a; i++) {
        peak = fmax(peak, fabs(a[i]));
        worst = fmax(worst, fabs((double)a[i] - b[i]));
    }
    ck_assert_msg(peak > 1e-3, "nearly silent (peak %g): the test would be weak", peak);
    ck_assert_msg(worst <= 1e-5 * peak, "max |diff| %.3g of the peak", worst / peak);
    ck_assert_msg(memcmp(a, b, sizeof(float) * (size_t)n_a) != 0, "the FFT convs gave the direct bits: did they run?");
    fprintf(stderr, "vits decoder, FFT against direct convs: max |diff| %.2g of the peak\n", worst / peak);
    free(a);
    free(b);
    vx_vits_free(direct);
    vx_vits_free(fft);
}
END_TEST

/* The decoder's choice per resblock conv: AUTO takes the FFT only in the
 * measured range (docs/BENCHMARKS.md "FFT convolution"), DIRECT never, FFT
 * wherever it fits. */
START_TEST(decoder_conv_mode_picks_the_fft_where_measured)
{
    ck_assert_int_eq(vits_fft_size(128, 7), 64);
    ck_assert_int_eq(vits_fft_size(256, 11), 32);
    ck_assert_int_eq(vits_fft_size(32, 11), 64);
    ck_assert_int_eq(vits_fft_size(128, 5), 32);
    ck_assert_int_eq(vits_fft_size(128, 3), 0);  /* loses to the GEMM */
    ck_assert_int_eq(vits_fft_size(32, 7), 0);   /* marginal */
    ck_assert_int_eq(vits_fft_size(256, 31), 0); /* not measured: slower with n = 32 */
    ck_assert_int_eq(vits_fft_size(127, 7), 0);  /* odd channel count: does not fit */
    vx_set_decoder_conv(VX_DECODER_CONV_DIRECT);
    ck_assert_int_eq(vits_fft_size(128, 11), 0);
    vx_set_decoder_conv(VX_DECODER_CONV_FFT);
    ck_assert_int_eq(vits_fft_size(8, 3), 32);
    ck_assert_int_eq(vits_fft_size(8, 31), 64);
    vx_set_decoder_conv(VX_DECODER_CONV_AUTO);
}
END_TEST

/* --- voxc-tts ----------------------------------------------------------------------- */

START_TEST(tts_tool_writes_sentences_with_silence_json_and_timestamps)
{
    char wav[64];
    snprintf(wav, sizeof wav, "/tmp/voxc_tts_%d.wav", (int)getpid());
    const char *args[] = {"-m", TINY_MEDIUM, "-o", wav, "--ids", "1 0 5 0 9 0 13 0 2; 1 0 7 0 2",
                          "--noise-scale", "0", "--noise-w", "0", "--sentence-silence", "0.5", "--json",
                          "--timestamps", NULL};
    char *out, *err;
    int rc = run_tool("tts", args, NULL, &out, NULL, &err);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    vx_json *j = vx_json_parse(out, strlen(out), "voxc-tts --json");
    ck_assert_msg(j != NULL, "%s\n%s", vx_last_error(), out);
    const vx_json *sentences = vx_json_get(j, "sentences"), *total = vx_json_get(j, "total");
    ck_assert_uint_eq(sentences->count, 2);
    ck_assert_uint_eq(vx_json_get(sentences->items[0], "timestamps")->count, 9);
    ck_assert_uint_eq(vx_json_get(sentences->items[1], "timestamps")->count, 5);
    int64_t frames = (int64_t)vx_json_get_number(total, "frames", -1);
    ck_assert_int_gt(frames, 0);
    ck_assert(vx_json_get_number(total, "rtf", -1) > 0);
    /* the last timestamp of sentence 1 ends where its audio ends: 0.5 s after sentence 0 */
    const vx_json *ts1 = vx_json_get(sentences->items[1], "timestamps");
    double audio0 = vx_json_get_number(sentences->items[0], "audio_s", -1);
    ck_assert_close(vx_json_get_number(ts1->items[0], "start_s", -1), audio0 + 0.5, 1e-3);
    vx_audio a;
    ck_assert_msg(vx_audio_read(wav, false, &a) == VX_OK, "%s", vx_last_error());
    unlink(wav);
    ck_assert_int_eq(a.sample_rate, 22050);
    ck_assert_int_eq(a.frames, frames * 256 + 2 * 11025);
    float peak = 0;
    for (int64_t i = 0; i < a.frames; i++)
        peak = fmaxf(peak, fabsf(a.samples[i]));
    ck_assert_float_eq_tol(peak, 1.0f, 1e-3f); /* peak-normalised */
    for (int64_t i = a.frames - 11025; i < a.frames; i++)
        ck_assert_float_eq(a.samples[i], 0.0f);
    vx_audio_free(&a);
    vx_json_free(j);
    free(out);
    free(err);
}
END_TEST

START_TEST(tts_tool_streams_raw_samples_and_reads_speaker_names)
{
    const char *args[] = {"-m", TINY_MULTI, "--raw", "--speaker", "speaker_2", "--sentence-silence", "0",
                          "--ids", "1 0 5 0 9 0 2", "--json", NULL};
    char *out, *err;
    size_t out_len;
    int rc = run_tool("tts", args, NULL, &out, &out_len, &err);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    /* the JSON went to stderr because the audio took stdout */
    vx_json *j = vx_json_parse(err, strlen(err), "voxc-tts --json");
    ck_assert_msg(j != NULL, "%s\n%s", vx_last_error(), err);
    int64_t samples = (int64_t)vx_json_get_number(vx_json_get(j, "sentences")->items[0], "samples", -1);
    ck_assert_int_eq((int64_t)out_len, 2 * samples);
    vx_json_free(j);
    free(out);
    free(err);
    const char *bad[] = {"-m", TINY_MULTI, "--raw", "--speaker", "nobody", "--ids", "1 0 2", NULL};
    ck_assert_int_eq(run_tool("tts", bad, NULL, &out, NULL, &err), 1);
    ck_assert_ptr_nonnull(strstr(err, "nobody"));
    free(out);
    free(err);
}
END_TEST

START_TEST(tts_tool_speaks_inline_phonemes)
{
    char wav[64];
    snprintf(wav, sizeof wav, "/tmp/voxc_tts_%d.wav", (int)getpid());
    const char *args[] = {"-m", TINY_MEDIUM, "-o", wav, "[[ abc ]]", "[[ de ]]", NULL};
    char *out, *err;
    int rc = run_tool("tts", args, NULL, &out, NULL, &err);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    vx_audio a;
    ck_assert_msg(vx_audio_read(wav, false, &a) == VX_OK, "%s", vx_last_error());
    unlink(wav);
    ck_assert_int_gt(a.frames, 4410);
    vx_audio_free(&a);
    free(out);
    free(err);
}
END_TEST

START_TEST(tts_tool_reports_bad_usage_and_missing_voices)
{
    char *out, *err;
    const char *help[] = {"--help", NULL};
    ck_assert_int_eq(run_tool("tts", help, NULL, &out, NULL, &err), 0);
    ck_assert_ptr_nonnull(strstr(out, "usage: voxc-tts"));
    free(out);
    free(err);
    const char *missing[] = {"-m", "data/voices/absent.onnx", "-o", "/tmp/voxc_never.wav", "hello", NULL};
    ck_assert_int_eq(run_tool("tts", missing, NULL, &out, NULL, &err), 1);
    ck_assert_ptr_nonnull(strstr(err, "no voice at data/voices/absent.onnx"));
    ck_assert_ptr_nonnull(strstr(err, "make voice"));
    free(out);
    free(err);
    const char *bad_scale[] = {"-m", TINY_MEDIUM, "--raw", "--length-scale", "0", "--ids", "1 0 2", NULL};
    ck_assert_int_eq(run_tool("tts", bad_scale, NULL, &out, NULL, &err), 2);
    free(out);
    free(err);
    const char *no_output[] = {"-m", TINY_MEDIUM, "--ids", "1 0 2", NULL};
    ck_assert_int_eq(run_tool("tts", no_output, NULL, &out, NULL, &err), 2);
    free(out);
    free(err);
    const char *bad_ids[] = {"-m", TINY_MEDIUM, "--raw", "--ids", "1 0 x 2", NULL};
    ck_assert_int_eq(run_tool("tts", bad_ids, NULL, &out, NULL, &err), 1);
    ck_assert_ptr_nonnull(strstr(err, "--ids"));
    free(out);
    free(err);
}
END_TEST

Suite *suite_vits(void)
{
    Suite *s = suite_create("vits");
    TCase *tc = tcase_create("vits");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, tiny_medium_matches_onnxruntime);
    tcase_add_test(tc, tiny_multi_speaker_matches_onnxruntime_for_each_speaker);
    tcase_add_test(tc, real_voice_matches_onnxruntime);
    tcase_add_test(tc, safetensors_voice_gives_the_same_audio_as_onnx);
    tcase_add_test(tc, safetensors_voice_with_a_bad_config_is_refused);
    tcase_add_test(tc, noise_is_seeded_and_changes_the_audio);
    tcase_add_test(tc, same_bits_for_one_and_two_threads);
    tcase_add_test(tc, length_scale_stretches_durations);
    tcase_add_test(tc, bad_requests_fail_with_a_message);
    tcase_add_test(tc, bad_voices_fail_with_a_message);
    tcase_add_test(tc, tiny_models_match_the_pytorch_model_they_came_from);
    tcase_add_test(tc, chunked_decoding_gives_the_same_samples);
    tcase_add_test(tc, fft_decoder_convs_give_the_direct_audio);
    tcase_add_test(tc, decoder_conv_mode_picks_the_fft_where_measured);
    tcase_add_test(tc, tts_tool_writes_sentences_with_silence_json_and_timestamps);
    tcase_add_test(tc, tts_tool_streams_raw_samples_and_reads_speaker_names);
    tcase_add_test(tc, tts_tool_speaks_inline_phonemes);
    tcase_add_test(tc, tts_tool_reports_bad_usage_and_missing_voices);
    suite_add_tcase(s, tc);
    return s;
}
