/* test_eval_metrics.c — the evaluation suite: DTW (audio/dtw.h), DTW-aligned
 * mel-cepstral distortion (audio/mcd.h), F0 metrics (audio/f0_metrics.h) and
 * the voxc-eval tool.
 *
 * Reference: tests/data/eval/metrics.json, written by
 * tests/ref/eval_metrics_ref.py (numpy DTW written independently, scipy DCT,
 * librosa log-mel, pyworld F0). Tolerances:
 *   small cases with stored inputs (the same float32 values on both sides):
 *     DTW costs 1e-9, paths exact; cepstra 1e-5; MCD 1e-6 relative; F0
 *     metrics 1e-9 relative;
 *   LJ Speech clip pairs (voxc log-mel and F0 vs librosa / pyworld, which
 *     tests/test_audio.c and test_pitch_svg.c hold to 1e-4 and 1e-3; the
 *     measured differences are ~1e-6 on every value): MCD within 0.002 dB,
 *     frame counts exact, DTW path length within 2, F0 RMSE within 0.5 %
 *     (+ 0.01 Hz / 0.1 cent), V/UV error within 0.01, F0 correlation
 *     within 0.002;
 *   the 44.1 kHz round trip (voxc's resampler here, scipy's in the
 *     reference): MCD within 0.02 dB of the reference, both below 0.05 dB. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audio/dtw.h"
#include "audio/f0_metrics.h"
#include "audio/mcd.h"
#include "audio/mel.h"
#include "audio/pitch.h"
#include "audio/resample.h"
#include "audio/wav.h"
#include "core/json.h"
#include "test_files.h"
#include "test_util.h"

#define FIXTURE "tests/data/eval/metrics.json"
#define CLIP_A "data/ljspeech-mini/wavs/LJ001-0002.wav"
#define CLIP_B "data/ljspeech-mini/wavs/LJ001-0008.wav"
#define CLIP_SHIFT "tests/data/eval/LJ001-0002_world_shift.flac"

/* --- fixture helpers ------------------------------------------------------------- */

static vx_json *load_fixture(void)
{
    size_t len;
    char *text = read_file(FIXTURE, &len);
    vx_json *j = vx_json_parse(text, len, FIXTURE);
    ck_assert_msg(j != NULL, "%s (run tests/ref/eval_metrics_ref.py)", vx_last_error());
    free(text);
    return j;
}

static const vx_json *member(const vx_json *j, const char *key)
{
    const vx_json *m = vx_json_get(j, key);
    ck_assert_msg(m != NULL, "fixture has no member '%s'", key);
    return m;
}

static double number(const vx_json *j, const char *key)
{
    const vx_json *m = member(j, key);
    ck_assert_msg(m->type == VX_JSON_NUMBER, "fixture member '%s' is not a number", key);
    return m->number;
}

/* A number or null (NAN). */
static double number_or_nan(const vx_json *j, const char *key)
{
    const vx_json *m = member(j, key);
    return m->type == VX_JSON_NULL ? NAN : m->number;
}

/* A JSON array of numbers -> malloc'd floats; *n set. */
static float *json_vector(const vx_json *arr, int64_t *n)
{
    ck_assert_int_eq(arr->type, VX_JSON_ARRAY);
    *n = (int64_t)arr->count;
    float *v = malloc(sizeof(float) * (arr->count ? arr->count : 1));
    for (size_t i = 0; i < arr->count; i++)
        v[i] = (float)arr->items[i]->number;
    return v;
}

/* A JSON array of equal-length number arrays -> malloc'd [rows, cols]. */
static float *json_matrix(const vx_json *arr, int64_t *rows, int *cols)
{
    ck_assert_int_eq(arr->type, VX_JSON_ARRAY);
    ck_assert_int_gt((int)arr->count, 0);
    *rows = (int64_t)arr->count;
    *cols = (int)arr->items[0]->count;
    float *m = malloc(sizeof(float) * arr->count * (size_t)*cols);
    for (size_t i = 0; i < arr->count; i++) {
        ck_assert_int_eq((int)arr->items[i]->count, *cols);
        for (int k = 0; k < *cols; k++)
            m[i * (size_t)*cols + (size_t)k] = (float)arr->items[i]->items[k]->number;
    }
    return m;
}

/* A path [[i, j], ...] -> ia, ib [len] (malloc'd). */
static int64_t json_path(const vx_json *arr, int32_t **ia, int32_t **ib)
{
    ck_assert_int_eq(arr->type, VX_JSON_ARRAY);
    *ia = malloc(sizeof(int32_t) * (arr->count ? arr->count : 1));
    *ib = malloc(sizeof(int32_t) * (arr->count ? arr->count : 1));
    for (size_t k = 0; k < arr->count; k++) {
        (*ia)[k] = (int32_t)arr->items[k]->items[0]->number;
        (*ib)[k] = (int32_t)arr->items[k]->items[1]->number;
    }
    return (int64_t)arr->count;
}

static void assert_path_equals(const vx_dtw_path *p, const vx_json *want, const char *what)
{
    int32_t *ia, *ib;
    int64_t n = json_path(want, &ia, &ib);
    ck_assert_msg(p->len == n, "%s: path length %lld, reference %lld", what, (long long)p->len,
                  (long long)n);
    for (int64_t k = 0; k < n; k++)
        ck_assert_msg(p->ia[k] == ia[k] && p->ib[k] == ib[k],
                      "%s: step %lld is (%d, %d), reference (%d, %d)", what, (long long)k,
                      p->ia[k], p->ib[k], ia[k], ib[k]);
    free(ia);
    free(ib);
}

static void assert_rel_close(double got, double want, double rel, const char *what)
{
    ck_assert_msg(fabs(got - want) <= rel * fmax(1.0, fabs(want)), "%s: %.9g, reference %.9g",
                  what, got, want);
}

/* The fixture's log-mel case: inputs a [ta, m] and b [tb, m] (malloc'd). */
typedef struct logmel_pair {
    vx_json *fixture;
    const vx_json *lc;      /* its "logmel_case" object */
    float *a, *b;
    int64_t ta, tb;
    int m;
} logmel_pair;

static logmel_pair logmel_pair_load(void)
{
    logmel_pair p = {.fixture = load_fixture()};
    p.lc = member(p.fixture, "logmel_case");
    p.a = json_matrix(member(p.lc, "a"), &p.ta, &p.m);
    p.b = json_matrix(member(p.lc, "b"), &p.tb, &p.m);
    return p;
}

static void logmel_pair_free(logmel_pair *p)
{
    free(p->a);
    free(p->b);
    vx_json_free(p->fixture);
}

/* MCD settings with the case's cepstral order. */
static vx_mcd_cfg case_mcd_cfg(const vx_json *lc, bool include_c0, double trim_db)
{
    vx_mcd_cfg cfg = vx_mcd_cfg_default();
    cfg.order = (int)number(lc, "order");
    cfg.include_c0 = include_c0;
    cfg.trim_db = trim_db;
    return cfg;
}

/* --- DTW ------------------------------------------------------------------------- */

START_TEST(dtw_matches_reference_on_hand_checkable_cases)
{
    vx_json *j = load_fixture();
    const vx_json *cases = member(j, "dtw_cases");
    ck_assert_int_ge((int)cases->count, 5);
    for (size_t c = 0; c < cases->count; c++) {
        const vx_json *cs = cases->items[c];
        const char *name = vx_json_get_string(cs, "name", "?");
        int64_t ta, tb;
        int da, db;
        float *a = json_matrix(member(cs, "a"), &ta, &da);
        float *b = json_matrix(member(cs, "b"), &tb, &db);
        ck_assert_int_eq(da, db);
        vx_dtw_path p;
        ck_assert_msg(vx_dtw(a, ta, b, tb, da, &p) == VX_OK, "%s: %s", name, vx_last_error());
        assert_path_equals(&p, member(cs, "path"), name);
        ck_assert_close(p.total_cost, number(cs, "total"), 1e-9);
        ck_assert_close(p.mean_cost, number(cs, "mean"), 1e-9);
        vx_dtw_path_free(&p);
        free(a);
        free(b);
    }
    vx_json_free(j);
}
END_TEST

START_TEST(dtw_hand_worked_example)
{
    /* a = 0 1 2, b = 0 1 1 2: b's repeated 1 maps to a's 1 at zero cost. */
    const float a[] = {0, 1, 2}, b[] = {0, 1, 1, 2};
    vx_dtw_path p;
    ck_assert_int_eq(vx_dtw(a, 3, b, 4, 1, &p), VX_OK);
    ck_assert_int_eq(p.len, 4);
    ck_assert_int_eq(p.ia[2], 1);
    ck_assert_int_eq(p.ib[2], 2);
    ck_assert_close(p.total_cost, 0.0, 0.0);
    vx_dtw_path_free(&p);
    /* one frame (3, 4) against two zero frames: two steps of distance 5 */
    const float c[] = {3, 4}, z[] = {0, 0, 0, 0};
    ck_assert_int_eq(vx_dtw(c, 1, z, 2, 2, &p), VX_OK);
    ck_assert_int_eq(p.len, 2);
    ck_assert_close(p.total_cost, 10.0, 1e-12);
    ck_assert_close(p.mean_cost, 5.0, 1e-12);
    vx_dtw_path_free(&p);
}
END_TEST

START_TEST(dtw_total_cost_is_symmetric)
{
    logmel_pair p = logmel_pair_load();
    vx_dtw_path ab, ba;
    ck_assert_int_eq(vx_dtw(p.a, p.ta, p.b, p.tb, p.m, &ab), VX_OK);
    ck_assert_int_eq(vx_dtw(p.b, p.tb, p.a, p.ta, p.m, &ba), VX_OK);
    ck_assert_close(ab.total_cost, ba.total_cost, 1e-9 * ab.total_cost);
    ck_assert_int_ge(ab.len, p.tb);
    ck_assert_int_le(ab.len, p.ta + p.tb - 1);
    for (int64_t k = 1; k < ab.len; k++) { /* monotone, unit steps */
        int di = ab.ia[k] - ab.ia[k - 1], dj = ab.ib[k] - ab.ib[k - 1];
        ck_assert(di >= 0 && di <= 1 && dj >= 0 && dj <= 1 && di + dj >= 1);
    }
    vx_dtw_path_free(&ab);
    vx_dtw_path_free(&ba);
    logmel_pair_free(&p);
}
END_TEST

START_TEST(dtw_rejects_empty_bad_dims_nonfinite_and_too_long_input)
{
    const float a[] = {0, 1, 2};
    vx_dtw_path p;
    ck_assert_fails(vx_dtw(a, 0, a, 3, 1, &p) == VX_OK);
    ck_assert_ptr_null(p.ia);
    ck_assert_fails(vx_dtw(a, 3, a, 0, 1, &p) == VX_OK);
    ck_assert_fails(vx_dtw(NULL, 3, a, 3, 1, &p) == VX_OK);
    ck_assert_fails(vx_dtw(a, 3, a, 3, 0, &p) == VX_OK);
    const float bad[] = {0, NAN, 2};
    ck_assert_fails(vx_dtw(a, 3, bad, 3, 1, &p) == VX_OK);
    const float inf[] = {0, 1, INFINITY};
    ck_assert_fails(vx_dtw(inf, 3, a, 3, 1, &p) == VX_OK);
    /* 4097 x 4097 > VX_DTW_MAX_CELLS: refused before allocating the table */
    int64_t n = 4097;
    float *long_seq = calloc((size_t)n, sizeof(float));
    ck_assert_fails(vx_dtw(long_seq, n, long_seq, n, 1, &p) == VX_OK);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "limit"));
    free(long_seq);
}
END_TEST

/* --- MCD --------------------------------------------------------------------------- */

START_TEST(mel_cepstrum_matches_scipy_dct)
{
    vx_json *j = load_fixture();
    const vx_json *lc = member(j, "logmel_case");
    int order = (int)number(lc, "order");
    int64_t ta, rows;
    int m, cols;
    float *a = json_matrix(member(lc, "a"), &ta, &m);
    float *want = json_matrix(member(lc, "cep_a"), &rows, &cols);
    ck_assert_int_eq(rows, ta);
    ck_assert_int_eq(cols, order + 1);
    float *cep = malloc(sizeof(float) * (size_t)(ta * cols));
    ck_assert_int_eq(vx_mel_cepstrum(a, ta, m, order, cep), VX_OK);
    for (int64_t i = 0; i < ta * cols; i++)
        ck_assert_close(cep[i], want[i], 1e-5);
    free(cep);
    free(want);
    free(a);
    vx_json_free(j);
}
END_TEST

START_TEST(mcd_matches_reference_with_and_without_c0_and_trimming)
{
    logmel_pair p = logmel_pair_load();
    const char *keys[] = {"default", "c0", "trim20"};
    for (int k = 0; k < 3; k++) {
        const vx_json *want = member(p.lc, keys[k]);
        vx_mcd_cfg cfg = case_mcd_cfg(p.lc, k == 1, k == 2 ? 20.0 : 0.0);
        vx_mcd_result r;
        ck_assert_msg(vx_mcd_dtw(&cfg, p.a, p.ta, p.b, p.tb, p.m, &r) == VX_OK, "%s", vx_last_error());
        assert_rel_close(r.mcd_db, number(want, "mcd_db"), 1e-6, keys[k]);
        ck_assert_int_eq(r.frames_ref, (int64_t)number(want, "frames_ref"));
        ck_assert_int_eq(r.frames_test, (int64_t)number(want, "frames_test"));
        assert_path_equals(&r.path, member(want, "path"), keys[k]);
        vx_mcd_result_free(&r);
    }
    /* trimming really dropped frames, and the quiet ones */
    ck_assert_int_lt((int64_t)number(member(p.lc, "trim20"), "frames_ref"), p.ta);
    logmel_pair_free(&p);
}
END_TEST

START_TEST(mcd_of_identical_input_is_zero_and_mcd_is_symmetric)
{
    logmel_pair p = logmel_pair_load();
    for (int c0 = 0; c0 <= 1; c0++) {
        vx_mcd_cfg cfg = case_mcd_cfg(p.lc, c0, 30.0 * c0);
        vx_mcd_result same, ab, ba;
        ck_assert_int_eq(vx_mcd_dtw(&cfg, p.a, p.ta, p.a, p.ta, p.m, &same), VX_OK);
        ck_assert_close(same.mcd_db, 0.0, 0.0);
        ck_assert_int_eq(same.path.len, same.frames_ref); /* the diagonal */
        ck_assert_int_eq(vx_mcd_dtw(&cfg, p.a, p.ta, p.b, p.tb, p.m, &ab), VX_OK);
        ck_assert_int_eq(vx_mcd_dtw(&cfg, p.b, p.tb, p.a, p.ta, p.m, &ba), VX_OK);
        ck_assert_msg(ab.mcd_db > 1.0, "MCD of different inputs %.3f", ab.mcd_db);
        ck_assert_close(ab.mcd_db, ba.mcd_db, 1e-9 * ab.mcd_db);
        vx_mcd_result_free(&same);
        vx_mcd_result_free(&ab);
        vx_mcd_result_free(&ba);
    }
    logmel_pair_free(&p);
}
END_TEST

START_TEST(mcd_rejects_bad_input)
{
    float x[4 * 8] = {0}, y[4 * 6] = {0};
    vx_mcd_cfg cfg = vx_mcd_cfg_default();
    cfg.order = 4;
    vx_mcd_result r;
    ck_assert_fails(vx_mcd_dtw(&cfg, x, 0, x, 4, 8, &r) == VX_OK);  /* empty ref */
    ck_assert_fails(vx_mcd_dtw(&cfg, x, 4, NULL, 4, 8, &r) == VX_OK); /* no test */
    ck_assert_fails(vx_mcd_dtw(NULL, x, 4, x, 4, 8, &r) == VX_OK);
    cfg.order = 8; /* order must stay below n_mels */
    ck_assert_fails(vx_mcd_dtw(&cfg, x, 4, x, 4, 8, &r) == VX_OK);
    cfg.order = 0;
    ck_assert_fails(vx_mcd_dtw(&cfg, x, 4, x, 4, 8, &r) == VX_OK);
    cfg.order = 4;
    cfg.trim_db = -1.0;
    ck_assert_fails(vx_mcd_dtw(&cfg, x, 4, x, 4, 8, &r) == VX_OK);
    cfg.trim_db = NAN;
    ck_assert_fails(vx_mcd_dtw(&cfg, x, 4, x, 4, 8, &r) == VX_OK);
    cfg.trim_db = 0.0;
    y[5] = NAN;
    ck_assert_fails(vx_mcd_dtw(&cfg, x, 4, y, 4, 6, &r) == VX_OK);
    ck_assert_ptr_null(r.path.ia);
    float c[4];
    ck_assert_fails(vx_mel_cepstrum(x, 1, 8, 8, c) == VX_OK);
    /* mismatched dims cannot be expressed (one n_mels); too long pairs are
     * refused by the DTW: 4097 x 4097 frames */
    int64_t n = 4097;
    float *big = calloc((size_t)(n * 8), sizeof(float));
    ck_assert_fails(vx_mcd_dtw(&cfg, big, n, big, n, 8, &r) == VX_OK);
    free(big);
}
END_TEST

/* --- F0 metrics --------------------------------------------------------------------- */

static void assert_f0_metrics(const vx_f0_metrics *got, const vx_json *want, double rel,
                              const char *what)
{
    ck_assert_int_eq(got->pairs, (int64_t)number(want, "pairs"));
    ck_assert_int_eq(got->both_voiced, (int64_t)number(want, "both_voiced"));
    ck_assert_int_eq(got->voicing_errors, (int64_t)number(want, "voicing_errors"));
    assert_rel_close(got->vde, number(want, "vde"), rel, what);
    assert_rel_close(got->rmse_hz, number(want, "rmse_hz"), rel, what);
    assert_rel_close(got->rmse_cents, number(want, "rmse_cents"), rel, what);
    assert_rel_close(got->corr, number(want, "corr"), rel, what);
}

START_TEST(f0_metrics_match_reference_with_alignment_and_frame_by_frame)
{
    vx_json *j = load_fixture();
    const vx_json *fc = member(j, "f0_case");
    int64_t nr, nt, ns, no;
    float *ref = json_vector(member(fc, "ref"), &nr);
    float *test = json_vector(member(fc, "test"), &nt);
    int32_t *ia, *ib;
    int64_t np = json_path(member(fc, "path"), &ia, &ib);
    vx_f0_metrics m;
    ck_assert_msg(vx_f0_metrics_compute(ref, nr, test, nt, ia, ib, np, &m) == VX_OK, "%s",
                  vx_last_error());
    assert_f0_metrics(&m, member(fc, "metrics"), 1e-9, "aligned");
    /* swapping the tracks and the alignment's columns changes nothing */
    vx_f0_metrics s;
    ck_assert_int_eq(vx_f0_metrics_compute(test, nt, ref, nr, ib, ia, np, &s), VX_OK);
    ck_assert_close(s.rmse_hz, m.rmse_hz, 1e-12);
    ck_assert_close(s.rmse_cents, m.rmse_cents, 1e-9);
    ck_assert_close(s.vde, m.vde, 0.0);
    ck_assert_close(s.corr, m.corr, 1e-12);

    float *same = json_vector(member(fc, "same_length_ref"), &ns);
    float *other = json_vector(member(fc, "same_length_test"), &no);
    ck_assert_int_eq(vx_f0_metrics_compute(same, ns, other, no, NULL, NULL, 0, &m), VX_OK);
    assert_f0_metrics(&m, member(fc, "same_length_metrics"), 1e-9, "frame by frame");
    /* a track against itself */
    ck_assert_int_eq(vx_f0_metrics_compute(ref, nr, ref, nr, NULL, NULL, 0, &m), VX_OK);
    ck_assert_close(m.rmse_hz, 0.0, 0.0);
    ck_assert_close(m.rmse_cents, 0.0, 0.0);
    ck_assert_close(m.vde, 0.0, 0.0);
    ck_assert_close(m.corr, 1.0, 1e-12);
    free(ref);
    free(test);
    free(same);
    free(other);
    free(ia);
    free(ib);
    vx_json_free(j);
}
END_TEST

START_TEST(f0_metrics_are_undefined_without_voiced_pairs)
{
    const float voiced[] = {100, 110, 120}, unvoiced[] = {0, 0, 0}, flat[] = {150, 150, 150};
    vx_f0_metrics m;
    ck_assert_int_eq(vx_f0_metrics_compute(voiced, 3, unvoiced, 3, NULL, NULL, 0, &m), VX_OK);
    ck_assert(isnan(m.rmse_hz) && isnan(m.rmse_cents) && isnan(m.corr));
    ck_assert_close(m.vde, 1.0, 0.0);
    ck_assert_int_eq(vx_f0_metrics_compute(voiced, 3, flat, 3, NULL, NULL, 0, &m), VX_OK);
    ck_assert(isnan(m.corr)); /* zero variance on one side */
    ck_assert_close(m.rmse_hz, sqrt((50.0 * 50 + 40 * 40 + 30 * 30) / 3), 1e-9);
}
END_TEST

START_TEST(f0_metrics_reject_bad_input)
{
    const float a[] = {0, 100, 110}, b[] = {0, 100}, neg[] = {0, -100, 110},
                nan_f0[] = {0, NAN, 110};
    const int32_t ia[] = {0, 1, 2}, ib[] = {0, 1, 2};
    vx_f0_metrics m;
    ck_assert_fails(vx_f0_metrics_compute(a, 0, a, 3, NULL, NULL, 0, &m) == VX_OK);
    ck_assert_fails(vx_f0_metrics_compute(a, 3, b, 2, NULL, NULL, 0, &m) == VX_OK);
    ck_assert_fails(vx_f0_metrics_compute(a, 3, neg, 3, NULL, NULL, 0, &m) == VX_OK);
    ck_assert_fails(vx_f0_metrics_compute(nan_f0, 3, a, 3, NULL, NULL, 0, &m) == VX_OK);
    ck_assert_fails(vx_f0_metrics_compute(a, 3, a, 3, ia, NULL, 3, &m) == VX_OK);
    ck_assert_fails(vx_f0_metrics_compute(a, 3, b, 2, ia, ib, 3, &m) == VX_OK); /* index 2 >= 2 */
    ck_assert_fails(vx_f0_metrics_compute(a, 3, a, 3, ia, ib, 0, &m) == VX_OK);
    ck_assert_int_eq(m.pairs, 0);
}
END_TEST

/* --- the clip pairs ----------------------------------------------------------------- */

typedef struct clip_features {
    int64_t frames;
    float *mel; /* [frames, 80]         */
    float *f0;  /* [>= frames]           */
} clip_features;

static clip_features clip_features_of(const float *x, int64_t n)
{
    vx_logmel_cfg cfg = vx_logmel_cfg_hifigan();
    vx_logmel *lm = vx_logmel_new(&cfg);
    ck_assert_ptr_nonnull(lm);
    clip_features f;
    f.mel = vx_logmel_alloc(lm, x, n, &f.frames);
    ck_assert_msg(f.mel != NULL, "%s", vx_last_error());
    vx_f0_cfg f0_cfg = vx_f0_cfg_fastspeech2();
    f.f0 = malloc(sizeof(float) * (size_t)vx_f0_frames(&f0_cfg, n));
    ck_assert_int_eq(vx_f0_estimate(&f0_cfg, x, n, f.f0), VX_OK);
    vx_logmel_free(lm);
    return f;
}

static clip_features read_features(const char *path)
{
    vx_audio a;
    ck_assert_msg(vx_audio_read_mono(path, 22050, &a) == VX_OK, "%s", vx_last_error());
    clip_features f = clip_features_of(a.samples, a.frames);
    vx_audio_free(&a);
    return f;
}

static void clip_features_free(clip_features *f)
{
    free(f->mel);
    free(f->f0);
}

/* The clip-pair tolerances of the header comment. */
static void assert_clip_pair(const vx_json *want, double mcd, double mcd_c0, double mcd_trim,
                             int64_t path_len, const vx_f0_metrics *f0, const char *what)
{
    ck_assert_msg(fabs(mcd - number(want, "mcd_db")) <= 0.002, "%s: MCD %.5f, reference %.5f",
                  what, mcd, number(want, "mcd_db"));
    if (!isnan(mcd_c0))
        ck_assert_msg(fabs(mcd_c0 - number(want, "mcd_c0_db")) <= 0.002,
                      "%s: MCD with c0 %.5f, reference %.5f", what, mcd_c0,
                      number(want, "mcd_c0_db"));
    if (!isnan(mcd_trim))
        ck_assert_msg(fabs(mcd_trim - number(want, "mcd_trim40_db")) <= 0.002,
                      "%s: MCD trimmed %.5f, reference %.5f", what, mcd_trim,
                      number(want, "mcd_trim40_db"));
    ck_assert_msg(llabs(path_len - (int64_t)number(want, "path_len")) <= 2,
                  "%s: path length %lld, reference %.0f", what, (long long)path_len,
                  number(want, "path_len"));
    const vx_json *wf = member(want, "f0");
    double hz = number_or_nan(wf, "rmse_hz"), cents = number_or_nan(wf, "rmse_cents");
    ck_assert_msg(fabs(f0->rmse_hz - hz) <= 0.005 * hz + 0.01, "%s: F0 RMSE %.4f Hz, reference %.4f",
                  what, f0->rmse_hz, hz);
    ck_assert_msg(fabs(f0->rmse_cents - cents) <= 0.005 * cents + 0.1,
                  "%s: F0 RMSE %.3f cents, reference %.3f", what, f0->rmse_cents, cents);
    ck_assert_msg(fabs(f0->vde - number(wf, "vde")) <= 0.01, "%s: V/UV error %.4f, reference %.4f",
                  what, f0->vde, number(wf, "vde"));
    ck_assert_msg(fabs(f0->corr - number(wf, "corr")) <= 0.002, "%s: F0 corr %.4f, reference %.4f",
                  what, f0->corr, number(wf, "corr"));
}

START_TEST(clip_pairs_match_numpy_librosa_pyworld_reference)
{
    vx_json *j = load_fixture();
    const vx_json *pairs = member(j, "clip_pairs");
    ck_assert_int_eq((int)pairs->count, 3);
    for (size_t p = 0; p < pairs->count; p++) {
        const vx_json *want = pairs->items[p];
        const char *ref_path = vx_json_get_string(want, "ref", ""),
                   *test_path = vx_json_get_string(want, "test", "");
        clip_features r = read_features(ref_path), t = read_features(test_path);
        ck_assert_int_eq(r.frames, (int64_t)number(want, "mel_frames_ref"));
        ck_assert_int_eq(t.frames, (int64_t)number(want, "mel_frames_test"));
        vx_mcd_cfg cfg = vx_mcd_cfg_default();
        vx_mcd_result m, m_c0, m_trim;
        ck_assert_int_eq(vx_mcd_dtw(&cfg, r.mel, r.frames, t.mel, t.frames, 80, &m), VX_OK);
        cfg.include_c0 = true;
        ck_assert_int_eq(vx_mcd_dtw(&cfg, r.mel, r.frames, t.mel, t.frames, 80, &m_c0), VX_OK);
        cfg.include_c0 = false;
        cfg.trim_db = 40.0;
        ck_assert_int_eq(vx_mcd_dtw(&cfg, r.mel, r.frames, t.mel, t.frames, 80, &m_trim), VX_OK);
        vx_f0_metrics f0;
        ck_assert_int_eq(vx_f0_metrics_compute(r.f0, r.frames, t.f0, t.frames, m.path.ia,
                                               m.path.ib, m.path.len, &f0),
                         VX_OK);
        assert_clip_pair(want, m.mcd_db, m_c0.mcd_db, m_trim.mcd_db, m.path.len, &f0,
                         vx_json_get_string(want, "note", "?"));
        if (p == 0) { /* the clip against itself: exactly zero */
            ck_assert_close(m.mcd_db, 0.0, 0.0);
            ck_assert_close(f0.rmse_hz, 0.0, 0.0);
            ck_assert_close(f0.vde, 0.0, 0.0);
        }
        vx_mcd_result_free(&m);
        vx_mcd_result_free(&m_c0);
        vx_mcd_result_free(&m_trim);
        clip_features_free(&r);
        clip_features_free(&t);
    }
    vx_json_free(j);
}
END_TEST

/* --- voxc-eval ------------------------------------------------------------------------- */

static void copy_audio(const char *from, const char *to, int rate)
{
    vx_audio a;
    ck_assert_msg(vx_audio_read_mono(from, 0, &a) == VX_OK, "%s", vx_last_error());
    float *x = a.samples;
    int64_t n = a.frames;
    if (rate != a.sample_rate) {
        x = vx_resample(a.samples, a.frames, a.sample_rate, rate, &n);
        ck_assert_ptr_nonnull(x);
    }
    ck_assert_msg(vx_audio_write(to, x, n, 1, rate, VX_AUDIO_FLOAT) == VX_OK, "%s",
                  vx_last_error());
    if (x != a.samples)
        free(x);
    vx_audio_free(&a);
}

static vx_json *run_eval_json(const char *const *args)
{
    char *out, *err;
    int rc = run_tool("eval", args, NULL, &out, NULL, &err);
    ck_assert_msg(rc == 0, "voxc-eval exit %d: %s", rc, err);
    vx_json *j = vx_json_parse(out, strlen(out), "voxc-eval --json");
    ck_assert_msg(j != NULL, "%s\n%s", vx_last_error(), out);
    free(out);
    free(err);
    return j;
}

static vx_f0_metrics tool_f0(const vx_json *pair)
{
    return (vx_f0_metrics){.rmse_hz = number_or_nan(pair, "f0_rmse_hz"),
                           .rmse_cents = number_or_nan(pair, "f0_rmse_cents"),
                           .vde = number(pair, "vuv_error"),
                           .corr = number_or_nan(pair, "f0_corr")};
}

START_TEST(eval_tool_matches_reference_for_a_pair_of_files)
{
    vx_json *fx = load_fixture();
    const vx_json *want = member(fx, "clip_pairs")->items[2];
    const char *args[] = {CLIP_A, CLIP_SHIFT, "--json", NULL};
    vx_json *j = run_eval_json(args);
    const vx_json *pairs = member(j, "pairs");
    ck_assert_int_eq((int)pairs->count, 1);
    const vx_json *p = pairs->items[0];
    vx_f0_metrics f0 = tool_f0(p);
    assert_clip_pair(want, number(p, "mcd_db"), NAN, NAN, (int64_t)number(p, "path_len"), &f0,
                     "voxc-eval");
    ck_assert_int_eq((int64_t)number(p, "frames_ref"), (int64_t)number(want, "mel_frames_ref"));
    ck_assert_int_eq((int64_t)number(p, "frames_test"), (int64_t)number(want, "mel_frames_test"));
    ck_assert_close(number(member(j, "mean"), "mcd_db"), number(p, "mcd_db"), 1e-9);
    vx_json_free(j);

    const char *c0_args[] = {CLIP_A, CLIP_SHIFT, "--json", "--with-c0", NULL};
    j = run_eval_json(c0_args);
    ck_assert_close(number(member(j, "pairs")->items[0], "mcd_db"), number(want, "mcd_c0_db"), 0.002);
    vx_json_free(j);
    const char *trim_args[] = {CLIP_A, CLIP_SHIFT, "--json", "--trim-db", "40", NULL};
    j = run_eval_json(trim_args);
    p = member(j, "pairs")->items[0];
    ck_assert_close(number(p, "mcd_db"), number(want, "mcd_trim40_db"), 0.002);
    ck_assert_int_lt((int64_t)number(p, "mcd_frames_ref"), (int64_t)number(p, "frames_ref"));
    vx_json_free(j);

    /* the text form names the metrics */
    const char *text_args[] = {CLIP_A, CLIP_SHIFT, NULL};
    char *out, *err;
    ck_assert_int_eq(run_tool("eval", text_args, NULL, &out, NULL, &err), 0);
    ck_assert_msg(strstr(out, "MCD") && strstr(out, "cents") && strstr(out, "V/UV"), "%s", out);
    free(out);
    free(err);
    vx_json_free(fx);
}
END_TEST

START_TEST(eval_tool_pairs_directories_by_name_and_resamples)
{
    vx_json *fx = load_fixture();
    char *dir = make_dir("eval");
    char ref_dir[512], test_dir[512], path[600];
    snprintf(ref_dir, sizeof ref_dir, "%s/ref", dir);
    snprintf(test_dir, sizeof test_dir, "%s/test", dir);
    ck_assert_int_eq(mkdir(ref_dir, 0700), 0);
    ck_assert_int_eq(mkdir(test_dir, 0700), 0);
    snprintf(path, sizeof path, "%s/LJ001-0002.wav", ref_dir);
    copy_audio(CLIP_A, path, 22050);
    snprintf(path, sizeof path, "%s/LJ001-0008.wav", ref_dir);
    copy_audio(CLIP_B, path, 22050);
    snprintf(path, sizeof path, "%s/LJ001-0002.wav", test_dir);
    copy_audio(CLIP_SHIFT, path, 22050);
    snprintf(path, sizeof path, "%s/LJ001-0008.wav", test_dir); /* 44.1 kHz: resampled back */
    copy_audio(CLIP_B, path, 44100);

    const char *args[] = {"--ref-dir", ref_dir, "--test-dir", test_dir, "--json", NULL};
    vx_json *j = run_eval_json(args);
    const vx_json *pairs = member(j, "pairs");
    ck_assert_int_eq((int)pairs->count, 2);
    ck_assert_str_eq(vx_json_get_string(pairs->items[0], "name", ""), "LJ001-0002.wav");
    ck_assert_str_eq(vx_json_get_string(pairs->items[1], "name", ""), "LJ001-0008.wav");
    vx_f0_metrics f0 = tool_f0(pairs->items[0]);
    assert_clip_pair(member(fx, "clip_pairs")->items[2], number(pairs->items[0], "mcd_db"), NAN,
                     NAN, (int64_t)number(pairs->items[0], "path_len"), &f0, "directory pair");
    /* the 44.1 kHz copy: near zero, like scipy's round trip in the reference */
    const vx_json *rt = member(fx, "round_trip_44k");
    double mcd_rt = number(pairs->items[1], "mcd_db");
    ck_assert_msg(fabs(mcd_rt - number(rt, "mcd_db")) <= 0.02 && mcd_rt < 0.05,
                  "44.1 kHz copy: MCD %.4f, reference %.4f", mcd_rt, number(rt, "mcd_db"));
    ck_assert_int_eq((int64_t)number(pairs->items[1], "frames_test"),
                     (int64_t)number(rt, "frames_test"));
    const vx_json *mean = member(j, "mean");
    ck_assert_close(number(mean, "mcd_db"),
                    (number(pairs->items[0], "mcd_db") + mcd_rt) / 2, 1e-5);
    ck_assert_int_eq((int)number(mean, "pairs"), 2);
    vx_json_free(j);

    /* --list picks names; comments and blank lines are skipped */
    snprintf(path, sizeof path, "%s/list.txt", dir);
    write_file(path, "# one pair\n\n  LJ001-0008.wav  \n");
    const char *list_args[] = {"--ref-dir", ref_dir, "--test-dir", test_dir, "--list", path,
                               "--json", NULL};
    j = run_eval_json(list_args);
    ck_assert_int_eq((int)member(j, "pairs")->count, 1);
    vx_json_free(j);

    /* a reference without a test file: exit 1 naming it, nothing evaluated */
    snprintf(path, sizeof path, "%s/extra.wav", ref_dir);
    copy_audio(CLIP_A, path, 22050);
    char *out, *err;
    ck_assert_int_eq(run_tool("eval", args, NULL, &out, NULL, &err), 1);
    ck_assert_msg(strstr(err, "extra.wav") != NULL, "stderr: %s", err);
    ck_assert_str_eq(out, "");
    free(out);
    free(err);
    remove_dir(dir);
    vx_json_free(fx);
}
END_TEST

START_TEST(eval_tool_reports_usage_and_file_errors)
{
    char *out, *err;
    const char *help[] = {"--help", NULL};
    ck_assert_int_eq(run_tool("eval", help, NULL, &out, NULL, &err), 0);
    ck_assert_ptr_nonnull(strstr(out, "usage: voxc-eval"));
    free(out);
    free(err);

    const char *const bad[][6] = {
        {CLIP_A, NULL},                                 /* one file            */
        {CLIP_A, CLIP_B, CLIP_B, NULL},                 /* three files         */
        {CLIP_A, CLIP_B, "--bogus", NULL},              /* unknown option      */
        {CLIP_A, CLIP_B, "--trim-db", "loud", NULL},    /* not a number        */
        {CLIP_A, CLIP_B, "--trim-db", NULL},            /* no value            */
        {CLIP_A, CLIP_B, "--list", "x.txt", NULL},      /* --list without dirs */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(run_tool("eval", bad[i], NULL, &out, NULL, &err), 2);
        ck_assert_msg(err[0] != '\0', "case %zu printed no message", i);
        free(out);
        free(err);
    }
    const char *only_ref_dir[] = {"--ref-dir", "data", NULL};
    ck_assert_int_eq(run_tool("eval", only_ref_dir, NULL, &out, NULL, &err), 2);
    free(out);
    free(err);

    const char *missing[] = {CLIP_A, "tests/data/no-such-file.wav", NULL};
    ck_assert_int_eq(run_tool("eval", missing, NULL, &out, NULL, &err), 1);
    ck_assert_msg(strstr(err, "no-such-file.wav") != NULL, "stderr: %s", err);
    free(out);
    free(err);
    const char *not_audio[] = {FIXTURE, CLIP_A, NULL};
    ck_assert_int_eq(run_tool("eval", not_audio, NULL, &out, NULL, &err), 1);
    ck_assert_msg(strstr(err, "metrics.json") != NULL, "stderr: %s", err);
    free(out);
    free(err);
    const char *no_dir[] = {"--ref-dir", "tests/data/no-such-dir", "--test-dir", "data", NULL};
    ck_assert_int_eq(run_tool("eval", no_dir, NULL, &out, NULL, &err), 1);
    ck_assert_msg(strstr(err, "no-such-dir") != NULL, "stderr: %s", err);
    free(out);
    free(err);
}
END_TEST

Suite *suite_eval_metrics(void)
{
    Suite *s = suite_create("eval_metrics");
    TCase *tc = tcase_create("eval_metrics");
    tcase_add_test(tc, dtw_matches_reference_on_hand_checkable_cases);
    tcase_add_test(tc, dtw_hand_worked_example);
    tcase_add_test(tc, dtw_total_cost_is_symmetric);
    tcase_add_test(tc, dtw_rejects_empty_bad_dims_nonfinite_and_too_long_input);
    tcase_add_test(tc, mel_cepstrum_matches_scipy_dct);
    tcase_add_test(tc, mcd_matches_reference_with_and_without_c0_and_trimming);
    tcase_add_test(tc, mcd_of_identical_input_is_zero_and_mcd_is_symmetric);
    tcase_add_test(tc, mcd_rejects_bad_input);
    tcase_add_test(tc, f0_metrics_match_reference_with_alignment_and_frame_by_frame);
    tcase_add_test(tc, f0_metrics_are_undefined_without_voiced_pairs);
    tcase_add_test(tc, f0_metrics_reject_bad_input);
    tcase_add_test(tc, clip_pairs_match_numpy_librosa_pyworld_reference);
    tcase_add_test(tc, eval_tool_matches_reference_for_a_pair_of_files);
    tcase_add_test(tc, eval_tool_pairs_directories_by_name_and_resamples);
    tcase_add_test(tc, eval_tool_reports_usage_and_file_errors);
    suite_add_tcase(s, tc);
    return s;
}
