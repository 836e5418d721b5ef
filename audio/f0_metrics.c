/* f0_metrics.c — F0 RMSE (Hz and cents), voicing decision error and F0
 * correlation over aligned frame pairs (definitions in f0_metrics.h). */
#include "audio/f0_metrics.h"

#include <math.h>
#include <string.h>

static vx_status check_track(const char *name, const float *f0, int64_t n)
{
    if (!f0 || n < 1)
        return vx_fail(VX_ERR_ARG, "f0_metrics: the %s F0 track is empty (%lld frames)", name,
                       (long long)n);
    for (int64_t i = 0; i < n; i++)
        if (!isfinite(f0[i]) || f0[i] < 0.0f)
            return vx_fail(VX_ERR_ARG,
                           "f0_metrics: the %s F0 track has %g Hz at frame %lld; F0 must be "
                           "finite, > 0 when voiced and 0 when unvoiced",
                           name, (double)f0[i], (long long)i);
    return VX_OK;
}

static vx_status check_alignment(const int32_t *ia, const int32_t *ib, int64_t n_pairs,
                                 int64_t n_ref, int64_t n_test)
{
    if (!ia && !ib) {
        if (n_ref != n_test)
            return vx_fail(VX_ERR_ARG,
                           "f0_metrics: tracks of %lld and %lld frames with no alignment; pass "
                           "one (e.g. the DTW path of vx_mcd_dtw) or tracks of equal length",
                           (long long)n_ref, (long long)n_test);
        return VX_OK;
    }
    if (!ia || !ib)
        return vx_fail(VX_ERR_ARG, "f0_metrics: the alignment needs both index arrays (or neither)");
    if (n_pairs < 1)
        return vx_fail(VX_ERR_ARG, "f0_metrics: the alignment is empty (%lld pairs)",
                       (long long)n_pairs);
    for (int64_t k = 0; k < n_pairs; k++)
        if (ia[k] < 0 || ia[k] >= n_ref || ib[k] < 0 || ib[k] >= n_test)
            return vx_fail(VX_ERR_ARG,
                           "f0_metrics: alignment pair %lld is (%d, %d), outside %lld x %lld frames",
                           (long long)k, ia[k], ib[k], (long long)n_ref, (long long)n_test);
    return VX_OK;
}

vx_status vx_f0_metrics_compute(const float *ref, int64_t n_ref, const float *test, int64_t n_test,
                                const int32_t *ia, const int32_t *ib, int64_t n_pairs,
                                vx_f0_metrics *out)
{
    if (!out)
        return vx_fail(VX_ERR_ARG, "f0_metrics: out is NULL");
    memset(out, 0, sizeof *out);
    vx_status st = check_track("reference", ref, n_ref);
    if (st == VX_OK)
        st = check_track("test", test, n_test);
    if (st == VX_OK)
        st = check_alignment(ia, ib, n_pairs, n_ref, n_test);
    if (st != VX_OK)
        return st;
    if (!ia)
        n_pairs = n_ref;

    /* Two passes over V: means first, then centred sums (stable variance). */
    double sum_r = 0.0, sum_s = 0.0, sq_hz = 0.0, sq_cents = 0.0;
    int64_t nv = 0, errors = 0;
    for (int64_t k = 0; k < n_pairs; k++) {
        double r = ref[ia ? ia[k] : k], s = test[ib ? ib[k] : k];
        if ((r > 0.0) != (s > 0.0))
            errors++;
        if (r > 0.0 && s > 0.0) {
            double cents = 1200.0 * log2(s / r);
            nv++;
            sum_r += r;
            sum_s += s;
            sq_hz += (s - r) * (s - r);
            sq_cents += cents * cents;
        }
    }
    out->pairs = n_pairs;
    out->both_voiced = nv;
    out->voicing_errors = errors;
    out->vde = (double)errors / (double)n_pairs;
    out->rmse_hz = nv ? sqrt(sq_hz / (double)nv) : NAN;
    out->rmse_cents = nv ? sqrt(sq_cents / (double)nv) : NAN;
    out->corr = NAN;
    if (nv < 2)
        return VX_OK;
    double mean_r = sum_r / (double)nv, mean_s = sum_s / (double)nv;
    double srr = 0.0, sss = 0.0, srs = 0.0;
    for (int64_t k = 0; k < n_pairs; k++) {
        double r = ref[ia ? ia[k] : k], s = test[ib ? ib[k] : k];
        if (r > 0.0 && s > 0.0) {
            srr += (r - mean_r) * (r - mean_r);
            sss += (s - mean_s) * (s - mean_s);
            srs += (r - mean_r) * (s - mean_s);
        }
    }
    /* ref: Pearson r = sum (r - mr)(s - ms) / sqrt(sum (r - mr)^2 sum (s - ms)^2) */
    if (srr > 0.0 && sss > 0.0)
        out->corr = srs / sqrt(srr * sss);
    return VX_OK;
}
