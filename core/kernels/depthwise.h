/* depthwise.h — one channel of a depthwise (groups = channels) 1-D
 * convolution, the shape GEMM lowering cannot use: a K-tap filter slid
 * along one row. VITS's dilated DDSConv layers are made of these. */
#ifndef VX_DEPTHWISE_H
#define VX_DEPTHWISE_H

#include <stdint.h>

/* y[t] += Σ_k w[k]·x[t − pad + k·dilation] for t < t_out (stride 1; taps
 * outside x [t_in] contribute nothing). */
void vx_depthwise_row(const float *x, int64_t t_in, const float *w, int64_t K, int64_t pad,
                      int64_t dilation, float *y, int64_t t_out);

/* The same with AVX-512 (depthwise_avx512.c); call only when vx_cpu_avx512(). */
void vx_depthwise_row_avx512(const float *x, int64_t t_in, const float *w, int64_t K,
                             int64_t pad, int64_t dilation, float *y, int64_t t_out);

/* Output positions t of [0, t_out) whose tap at offset `off` lands in x:
 * 0 ≤ t + off < t_in, as [*lo, *hi). */
static inline void vx_depthwise_span(int64_t off, int64_t t_in, int64_t t_out, int64_t *lo,
                                     int64_t *hi)
{
    *lo = off < 0 ? -off : 0;
    *hi = t_in - off < t_out ? t_in - off : t_out;
    if (*hi < *lo)
        *hi = *lo;
}

#endif
