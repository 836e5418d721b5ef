/* mcd.c — mel-cepstra from log-mels and the DTW-aligned mel-cepstral
 * distortion (definition in mcd.h). */
#include "audio/mcd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

vx_mcd_cfg vx_mcd_cfg_default(void)
{
    return (vx_mcd_cfg){.order = 24, .include_c0 = false, .trim_db = 0.0};
}

vx_status vx_mel_cepstrum(const float *logmel, int64_t frames, int n_mels, int order, float *cep)
{
    if (order < 0 || order >= n_mels || frames < 0)
        return vx_fail(VX_ERR_ARG,
                       "mel_cepstrum: order %d with %d mel bands and %lld frames; need "
                       "0 <= order < n_mels and frames >= 0",
                       order, n_mels, (long long)frames);
    double *basis = malloc(sizeof(double) * (size_t)(order + 1) * (size_t)n_mels); /* [P+1, M] */
    if (!basis)
        return vx_fail(VX_ERR_OOM, "mel_cepstrum: no memory for a %d x %d DCT basis", order + 1,
                       n_mels);
    /* ref: DCT-II scaled by 1 / (2M): c[d] = (1/M) sum_m L[m] cos(pi d (m + 1/2) / M) */
    const double pi = 3.14159265358979323846;
    for (int d = 0; d <= order; d++)
        for (int m = 0; m < n_mels; m++)
            basis[d * n_mels + m] = cos(pi * d * (m + 0.5) / n_mels) / n_mels;
    for (int64_t t = 0; t < frames; t++) {
        const float *row = logmel + t * n_mels;
        for (int d = 0; d <= order; d++) {
            const double *bd = basis + d * n_mels;
            double sum = 0.0;
            for (int m = 0; m < n_mels; m++)
                sum += bd[m] * row[m];
            cep[t * (order + 1) + d] = (float)sum;
        }
    }
    free(basis);
    return VX_OK;
}

/* Indices of the frames of logmel [frames, n_mels] whose level
 * 20 log10(mean_m exp(L)) is within trim_db of the loudest (all frames when
 * trim_db <= 0) into keep [frames]; returns how many. */
static int64_t frames_above_silence(const float *logmel, int64_t frames, int n_mels,
                                    double trim_db, double *level, int32_t *keep)
{
    double loudest = -INFINITY;
    for (int64_t t = 0; t < frames; t++) {
        const float *row = logmel + t * n_mels;
        double peak = row[0], sum = 0.0; /* log-sum-exp: no overflow for any finite L */
        for (int m = 1; m < n_mels; m++)
            peak = fmax(peak, row[m]);
        for (int m = 0; m < n_mels; m++)
            sum += exp((double)row[m] - peak);
        level[t] = 20.0 / log(10.0) * (peak + log(sum / n_mels));
        loudest = fmax(loudest, level[t]);
    }
    int64_t n = 0;
    for (int64_t t = 0; t < frames; t++)
        if (trim_db <= 0.0 || level[t] >= loudest - trim_db)
            keep[n++] = (int32_t)t;
    return n;
}

/* The DTW input of one file: vectors [*kept, dims] of its non-silent frames. */
static float *mcd_vectors(const vx_mcd_cfg *cfg, const float *logmel, int64_t frames, int n_mels,
                          int32_t *keep, int64_t *kept)
{
    int cols = cfg->order + 1, first = cfg->include_c0 ? 0 : 1, dims = cols - first;
    double *level = malloc(sizeof(double) * (size_t)frames);
    float *cep = malloc(sizeof(float) * (size_t)frames * (size_t)cols);
    float *vec = malloc(sizeof(float) * (size_t)frames * (size_t)(dims > 0 ? dims : 1));
    if (!level || !cep || !vec) {
        free(level);
        free(cep);
        free(vec);
        return vx_fail_null(VX_ERR_OOM, "mcd: no memory for %lld frames", (long long)frames);
    }
    *kept = frames_above_silence(logmel, frames, n_mels, cfg->trim_db, level, keep);
    free(level);
    vx_status st = vx_mel_cepstrum(logmel, frames, n_mels, cfg->order, cep);
    if (st != VX_OK) {
        free(cep);
        free(vec);
        return NULL;
    }
    for (int64_t k = 0; k < *kept; k++)
        memcpy(vec + k * dims, cep + (int64_t)keep[k] * cols + first, sizeof(float) * (size_t)dims);
    free(cep);
    return vec;
}

static vx_status check_input(const char *name, const float *logmel, int64_t frames, int n_mels)
{
    if (!logmel || frames < 1)
        return vx_fail(VX_ERR_ARG, "mcd: the %s log-mel is empty (%lld frames)", name,
                       (long long)frames);
    for (int64_t i = 0; i < frames * n_mels; i++)
        if (!isfinite(logmel[i]))
            return vx_fail(VX_ERR_ARG, "mcd: the %s log-mel has a non-finite value at frame %lld",
                           name, (long long)(i / n_mels));
    return VX_OK;
}

vx_status vx_mcd_dtw(const vx_mcd_cfg *cfg, const float *ref, int64_t t_ref, const float *test,
                     int64_t t_test, int n_mels, vx_mcd_result *out)
{
    if (!out)
        return vx_fail(VX_ERR_ARG, "mcd: out is NULL");
    memset(out, 0, sizeof *out);
    if (!cfg)
        return vx_fail(VX_ERR_ARG, "mcd: cfg is NULL (use vx_mcd_cfg_default())");
    if (cfg->order < 1 || cfg->order >= n_mels || !(cfg->trim_db >= 0.0) || !isfinite(cfg->trim_db))
        return vx_fail(VX_ERR_ARG,
                       "mcd: order %d with %d mel bands, trim_db %g; need 1 <= order < n_mels "
                       "and a finite trim_db >= 0",
                       cfg->order, n_mels, cfg->trim_db);
    vx_status st = check_input("reference", ref, t_ref, n_mels);
    if (st == VX_OK)
        st = check_input("test", test, t_test, n_mels);
    if (st != VX_OK)
        return st;

    int dims = cfg->order + (cfg->include_c0 ? 1 : 0);
    int32_t *keep_ref = malloc(sizeof(int32_t) * (size_t)t_ref);
    int32_t *keep_test = malloc(sizeof(int32_t) * (size_t)t_test);
    float *v_ref = NULL, *v_test = NULL;
    if (!keep_ref || !keep_test) {
        st = vx_fail(VX_ERR_OOM, "mcd: no memory for %lld + %lld frames", (long long)t_ref,
                     (long long)t_test);
        goto done;
    }
    v_ref = mcd_vectors(cfg, ref, t_ref, n_mels, keep_ref, &out->frames_ref);
    v_test = v_ref ? mcd_vectors(cfg, test, t_test, n_mels, keep_test, &out->frames_test) : NULL;
    if (!v_test) {
        st = vx_last_status();
        goto done;
    }
    st = vx_dtw(v_ref, out->frames_ref, v_test, out->frames_test, dims, &out->path);
    if (st != VX_OK)
        goto done;
    for (int64_t k = 0; k < out->path.len; k++) { /* kept-frame indices -> original frames */
        out->path.ia[k] = keep_ref[out->path.ia[k]];
        out->path.ib[k] = keep_test[out->path.ib[k]];
    }
    /* ref: MCD = (10 / ln 10) sqrt(2 sum_d dc_d^2), averaged over the path */
    out->mcd_db = 10.0 / log(10.0) * sqrt(2.0) * out->path.mean_cost;
done:
    free(keep_ref);
    free(keep_test);
    free(v_ref);
    free(v_test);
    if (st != VX_OK)
        vx_mcd_result_free(out);
    return st;
}

void vx_mcd_result_free(vx_mcd_result *r)
{
    if (!r)
        return;
    vx_dtw_path_free(&r->path);
    memset(r, 0, sizeof *r);
}
