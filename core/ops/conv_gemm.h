/* conv_gemm.h — the fast paths of conv1d and conv_transpose1d: im2col/col2im
 * lowering onto the packed SGEMM (internal to core/ops). conv.c holds the
 * scalar reference versions and decides which path runs. */
#ifndef VX_CONV_GEMM_H
#define VX_CONV_GEMM_H

#include "op_util.h"

/* Sizes of one convolution, read from its input, weight and output. */
typedef struct conv_geom {
    int64_t B, Cin, T;        /* x [B, Cin, T]                                 */
    int64_t Cout, Tout;       /* y [B, Cout, Tout]                             */
    int64_t K;                /* taps                                         */
    int64_t cin_g, cout_g;    /* channels per group: Cin/groups, Cout/groups   */
    int64_t stride, pad, dilation, groups;
} conv_geom;

/* True when the GEMM path beats the reference loops for this shape (it does
 * not for depthwise and other tiny-per-group convolutions). */
bool conv_gemm_worth(const conv_geom *g, bool transposed);

/* y[b, co, :] = bias[co], or 0 when bias is NULL. */
void conv_fill_bias(float *y, const float *bias, const conv_geom *g);

/* The forward passes write y = conv(x, w) + bias (bias may be NULL) into an
 * uninitialised y; the backward passes add into dx and dw (either may be
 * NULL). Scratch comes from the arena. */
vx_status conv1d_forward_gemm(vx_ctx *ctx, const conv_geom *g, const float *x, const float *w,
                              const float *bias, float *y);
vx_status conv1d_backward_gemm(vx_ctx *ctx, const conv_geom *g, const float *x, const float *w,
                               const float *dy, float *dx, float *dw);
vx_status conv_transpose1d_forward_gemm(vx_ctx *ctx, const conv_geom *g, const float *x,
                                        const float *w, const float *bias, float *y);
vx_status conv_transpose1d_backward_gemm(vx_ctx *ctx, const conv_geom *g, const float *x,
                                         const float *w, const float *dy, float *dx, float *dw);

#endif
