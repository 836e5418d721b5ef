/* dtw.c — symmetric unweighted DTW with one byte of back-pointer per cell
 * (see dtw.h for the recurrence, tie order and limits). */
#include "audio/dtw.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { FROM_DIAG = 0, FROM_UP = 1 /* (i-1, j) */, FROM_LEFT = 2 /* (i, j-1) */ };

/* Euclidean distance between rows x [dims] and y [dims], in double. */
static double frame_distance(const float *x, const float *y, int dims)
{
    double sum = 0.0;
    for (int k = 0; k < dims; k++) {
        double diff = (double)x[k] - (double)y[k];
        sum += diff * diff;
    }
    return sqrt(sum);
}

static vx_status check_sequence(const char *name, const float *x, int64_t frames, int dims)
{
    if (frames < 1)
        return vx_fail(VX_ERR_ARG, "dtw: sequence %s is empty (%lld frames); give at least one frame",
                       name, (long long)frames);
    if (!x)
        return vx_fail(VX_ERR_ARG, "dtw: sequence %s is NULL", name);
    for (int64_t i = 0; i < frames * dims; i++)
        if (!isfinite(x[i]))
            return vx_fail(VX_ERR_ARG, "dtw: sequence %s has a non-finite value at frame %lld, dim %lld",
                           name, (long long)(i / dims), (long long)(i % dims));
    return VX_OK;
}

/* Walk the back-pointers [ta, tb] from the last cell to (0, 0) into *out. */
static vx_status backtrack(const uint8_t *from, int64_t ta, int64_t tb, vx_dtw_path *out)
{
    int64_t cap = ta + tb - 1;
    out->ia = malloc(sizeof(int32_t) * (size_t)cap);
    out->ib = malloc(sizeof(int32_t) * (size_t)cap);
    if (!out->ia || !out->ib)
        return vx_fail(VX_ERR_OOM, "dtw: no memory for a path of up to %lld steps", (long long)cap);
    int64_t i = ta - 1, j = tb - 1, n = 0;
    for (;;) {
        out->ia[n] = (int32_t)i;
        out->ib[n] = (int32_t)j;
        n++;
        if (i == 0 && j == 0)
            break;
        uint8_t step = from[i * tb + j];
        if (step == FROM_DIAG) {
            i--;
            j--;
        } else if (step == FROM_UP) {
            i--;
        } else {
            j--;
        }
    }
    for (int64_t k = 0; k < n / 2; k++) { /* reverse into start-to-end order */
        int32_t t = out->ia[k];
        out->ia[k] = out->ia[n - 1 - k];
        out->ia[n - 1 - k] = t;
        t = out->ib[k];
        out->ib[k] = out->ib[n - 1 - k];
        out->ib[n - 1 - k] = t;
    }
    out->len = n;
    return VX_OK;
}

vx_status vx_dtw(const float *a, int64_t ta, const float *b, int64_t tb, int dims, vx_dtw_path *out)
{
    if (!out)
        return vx_fail(VX_ERR_ARG, "dtw: out is NULL");
    memset(out, 0, sizeof *out);
    if (dims < 1)
        return vx_fail(VX_ERR_ARG, "dtw: dims is %d; each frame needs at least one value", dims);
    vx_status st = check_sequence("a", a, ta, dims);
    if (st == VX_OK)
        st = check_sequence("b", b, tb, dims);
    if (st != VX_OK)
        return st;
    if (ta > VX_DTW_MAX_CELLS / tb)
        return vx_fail(VX_ERR_ARG,
                       "dtw: %lld x %lld frames exceed the limit of %lld cells (one byte each); "
                       "split the audio into shorter pieces",
                       (long long)ta, (long long)tb, (long long)VX_DTW_MAX_CELLS);

    uint8_t *from = malloc((size_t)(ta * tb)); /* [ta, tb] back-pointers */
    double *prev = malloc(sizeof(double) * (size_t)tb); /* D(i-1, .) */
    double *cur = malloc(sizeof(double) * (size_t)tb);  /* D(i, .)   */
    if (!from || !prev || !cur) {
        free(from);
        free(prev);
        free(cur);
        return vx_fail(VX_ERR_OOM, "dtw: no memory for %lld x %lld frames", (long long)ta,
                       (long long)tb);
    }
    for (int64_t i = 0; i < ta; i++) {
        const float *ai = a + i * dims;
        for (int64_t j = 0; j < tb; j++) {
            double d = frame_distance(ai, b + j * dims, dims);
            double best;
            uint8_t step;
            if (i == 0 && j == 0) {
                best = 0.0;
                step = FROM_DIAG;
            } else if (i == 0) {
                best = cur[j - 1];
                step = FROM_LEFT;
            } else if (j == 0) {
                best = prev[j];
                step = FROM_UP;
            } else {
                best = prev[j - 1];
                step = FROM_DIAG;
                if (prev[j] < best) {
                    best = prev[j];
                    step = FROM_UP;
                }
                if (cur[j - 1] < best) {
                    best = cur[j - 1];
                    step = FROM_LEFT;
                }
            }
            cur[j] = d + best;
            from[i * tb + j] = step;
        }
        double *t = prev;
        prev = cur;
        cur = t;
    }
    double total = prev[tb - 1];
    free(prev);
    free(cur);
    st = backtrack(from, ta, tb, out);
    free(from);
    if (st != VX_OK) {
        vx_dtw_path_free(out);
        return st;
    }
    out->total_cost = total;
    out->mean_cost = total / (double)out->len;
    return VX_OK;
}

void vx_dtw_path_free(vx_dtw_path *p)
{
    if (!p)
        return;
    free(p->ia);
    free(p->ib);
    memset(p, 0, sizeof *p);
}
