/* vits_kernels.c — inference-only kernels shared by the VITS flow and
 * decoder (declared in vits_internal.h): convolutions as one GEMM per column
 * tile with the input activation fused into the im2col copy, and output
 * initialisation (bias, residual) for GEMMs that accumulate.
 * ref: K. Chellapilla et al. 2006 (convolution as im2col + matrix product). */
#include <math.h>
#include <string.h>

#include "core/kernels/gemm.h"
#include "core/threads.h"
#include "models/vits_internal.h"

bool vits_tile_fits(const vits_conv *c)
{
    int64_t cin = c->w->shape[1], K = c->w->shape[2];
    return cin * K * 16 <= VITS_TILE_FLOATS && cin * ((K - 1) * c->dilation + 16) <= VITS_TILE_FLOATS;
}

/* One column tile [t0, t0 + nt) of a stride-1 convolution's input, activated:
 * first the window of x the tile reads, act[c, i] = act(x[c, t0 − pad + i])
 * (0 outside [0, T)), i < nt + (K−1)·dilation; then
 * col[(c·K + k), t] = act[c, t + k·dilation]. */
typedef struct im2col_job {
    const float *x;
    int64_t T, K, pad, dilation, t0, nt;
    float scale, slope;
    float *act, *col;
} im2col_job;

/* The row loops below run in blocks of 8 with a scalar tail: that shape is
 * what GCC vectorises at -O2 (its "very cheap" cost model skips loops whose
 * trip count is unknown). */

/* dst[i] = vits_activate(src[i], scale, slope) for i < n, written as
 * max(v, slope·v), which equals it for 0 <= slope <= 1. */
static void activate_span(float *restrict dst, const float *restrict src, int64_t n, float scale, float slope)
{
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++) {
            float v = src[i + k] * scale, w = v * slope;
            dst[i + k] = v > w ? v : w;
        }
    for (; i < n; i++)
        dst[i] = vits_activate(src[i], scale, slope);
}

static void im2col_rows(void *arg, int64_t c0, int64_t c1, int tid)
{
    const im2col_job *j = arg;
    int64_t width = j->nt + (j->K - 1) * j->dilation, start = j->t0 - j->pad;
    int64_t lo = start < 0 ? -start : 0, hi = j->T - start < width ? j->T - start : width; /* inside x */
    hi = hi < lo ? lo : hi;
    for (int64_t c = c0; c < c1; c++) {
        const float *row = j->x + c * j->T;
        float *act = j->act + c * width;
        for (int64_t i = 0; i < lo; i++)
            act[i] = 0.0f;
        activate_span(act + lo, row + start + lo, hi - lo, j->scale, j->slope);
        for (int64_t i = hi; i < width; i++)
            act[i] = 0.0f;
        for (int64_t k = 0; k < j->K; k++)
            memcpy(j->col + (c * j->K + k) * j->nt, act + k * j->dilation, sizeof(float) * (size_t)j->nt);
    }
}

void vits_conv_accumulate(const vits_conv *c, const float *x, int64_t T, float scale, float slope, float *y,
                            float *act, float *col)
{
    int64_t cout = c->w->shape[0], cin = c->w->shape[1], K = c->w->shape[2], rows = cin * K;
    int64_t halo = (K - 1) * c->dilation;
    int64_t nt_max = VITS_TILE_FLOATS / rows < VITS_TILE_FLOATS / cin - halo ? VITS_TILE_FLOATS / rows : VITS_TILE_FLOATS / cin - halo;
    for (int64_t t0 = 0; t0 < T; t0 += nt_max) {
        int64_t nt = T - t0 < nt_max ? T - t0 : nt_max;
        im2col_job job = {x, T, K, c->pad, c->dilation, t0, nt, scale, slope, act, col};
        vx_parallel_for(cin, 8, im2col_rows, &job);
        vx_sgemm(false, false, cout, nt, rows, 1.0f, c->w->data, rows, col, nt, 1.0f, y + t0, T);
    }
}

typedef struct init_job {
    float *y;
    const float *bias, *res;
    int64_t T;
    bool accumulate;
} init_job;

/* row[t] = b + r[t] (r NULL: b). */
static void set_row(float *restrict row, float b, const float *restrict r, int64_t T)
{
    int64_t t = 0;
    if (r) {
        for (; t + 8 <= T; t += 8)
            for (int k = 0; k < 8; k++)
                row[t + k] = b + r[t + k];
        for (; t < T; t++)
            row[t] = b + r[t];
    } else {
        for (; t < T; t++)
            row[t] = b;
    }
}

/* row[t] += b + r[t] (r NULL: b). */
static void add_row(float *restrict row, float b, const float *restrict r, int64_t T)
{
    int64_t t = 0;
    if (r) {
        for (; t + 8 <= T; t += 8)
            for (int k = 0; k < 8; k++)
                row[t + k] += b + r[t + k];
        for (; t < T; t++)
            row[t] += b + r[t];
    } else {
        for (; t + 8 <= T; t += 8)
            for (int k = 0; k < 8; k++)
                row[t + k] += b;
        for (; t < T; t++)
            row[t] += b;
    }
}

static void init_rows(void *arg, int64_t c0, int64_t c1, int tid)
{
    const init_job *j = arg;
    for (int64_t c = c0; c < c1; c++) {
        float b = j->bias ? j->bias[c] : 0.0f;
        const float *r = j->res ? j->res + c * j->T : NULL;
        if (j->accumulate)
            add_row(j->y + c * j->T, b, r, j->T);
        else
            set_row(j->y + c * j->T, b, r, j->T);
    }
}

void vits_init_output(float *y, const float *bias, const float *res, int64_t C, int64_t T, bool accumulate)
{
    init_job job = {y, bias, res, T, accumulate};
    vx_parallel_for(C, 4, init_rows, &job);
}

void vits_pointwise_accumulate(const vits_conv *c, int64_t row0, int64_t rows, const float *x, int64_t T,
                               float alpha, float *y)
{
    int64_t cin = c->w->shape[1];
    vx_sgemm(false, false, rows, T, cin, alpha, (const float *)c->w->data + row0 * cin, cin, x, T, 1.0f, y, T);
}
