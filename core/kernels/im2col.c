/* im2col.c — im2col and its adjoint col2im for 1-D convolutions (see im2col.h). */
#include "im2col.h"

#include <string.h>

/* Range of output columns t in [t0, t0+nt) whose tap k lands inside x:
 * 0 ≤ t·stride − pad + k·dilation < T_in. */
static void valid_range(const vx_conv_geom *g, int64_t k, int64_t t0, int64_t nt, int64_t *lo,
                        int64_t *hi)
{
    int64_t off = k * g->dilation - g->pad; /* input index = t·stride + off */
    int64_t first = off >= 0 ? 0 : (-off + g->stride - 1) / g->stride;
    int64_t last = g->t_in - 1 - off < 0 ? -1 : (g->t_in - 1 - off) / g->stride; /* inclusive */
    *lo = first > t0 ? first : t0;
    *hi = last + 1 < t0 + nt ? last + 1 : t0 + nt;
    if (*hi < *lo)
        *hi = *lo;
}

void vx_im2col(const vx_conv_geom *g, const float *x, int64_t ldx, int64_t t0, int64_t nt,
               float *col, int64_t ldcol)
{
    for (int64_t k = 0; k < g->kernel; k++) {
        int64_t lo, hi, off = k * g->dilation - g->pad;
        valid_range(g, k, t0, nt, &lo, &hi);
        for (int64_t c = 0; c < g->channels; c++) {
            float *dst = col + (c * g->kernel + k) * ldcol;
            const float *row = x + c * ldx;
            for (int64_t t = t0; t < lo; t++)
                dst[t - t0] = 0.0f;
            if (g->stride == 1 && hi > lo)
                memcpy(dst + (lo - t0), row + lo + off, (size_t)(hi - lo) * sizeof(float));
            else
                for (int64_t t = lo; t < hi; t++)
                    dst[t - t0] = row[t * g->stride + off];
            for (int64_t t = hi; t < t0 + nt; t++)
                dst[t - t0] = 0.0f;
        }
    }
}

void vx_col2im_add(const vx_conv_geom *g, const float *col, int64_t ldcol, int64_t t0,
                   int64_t nt, float *x, int64_t ldx)
{
    for (int64_t c = 0; c < g->channels; c++)
        for (int64_t k = 0; k < g->kernel; k++) {
            int64_t lo, hi, off = k * g->dilation - g->pad;
            valid_range(g, k, t0, nt, &lo, &hi);
            const float *src = col + (c * g->kernel + k) * ldcol;
            float *row = x + c * ldx;
            for (int64_t t = lo; t < hi; t++)
                row[t * g->stride + off] += src[t - t0];
        }
}
