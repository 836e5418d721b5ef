/* conv_gemm.c — conv1d and conv_transpose1d lowered onto the packed SGEMM.
 *
 * Per batch item b and group gi, with W_g the group's weights as a matrix:
 *   conv1d            W_g [cout_g, cin_g·K];  y_g += W_g · im2col(x_g)
 *     backward        dW_g += dy_g · colᵀ;     dx_g += col2im(W_gᵀ · dy_g)
 *   conv_transpose1d  W_g [cin_g, cout_g·K];  y_g += col2im(W_gᵀ · x_g)
 *     backward        dx_g += W_g · im2col(dy_g); dW_g += x_g · im2col(dy_g)ᵀ
 * Time is processed in column tiles so the col buffer stays small (≈ 2 MiB)
 * however long the signal. Tile widths depend only on the shape, so results
 * do not depend on the thread count (the GEMM splits work deterministically). */
#include "conv_gemm.h"

#include "../kernels/gemm.h"
#include "../kernels/im2col.h"

enum { COL_BUDGET_FLOATS = 1 << 19 };

bool conv_gemm_worth(const conv_geom *g, bool transposed)
{
    int64_t a = transposed ? g->cin_g : g->cout_g, b = transposed ? g->cout_g : g->cin_g;
    return a >= 4 && b * g->K >= 8;
}

/* Columns per tile for a col buffer with `rows` rows covering `n` columns. */
static int64_t tile_cols(int64_t rows, int64_t n)
{
    int64_t nt = COL_BUDGET_FLOATS / (rows > 0 ? rows : 1);
    nt = nt < 128 ? 128 : nt / 32 * 32;
    return nt < n ? nt : n;
}

/* im2col geometry of conv1d's input x_g [cin_g, T]. */
static vx_conv_geom x_geom(const conv_geom *g)
{
    return (vx_conv_geom){g->cin_g, g->T, g->K, g->stride, g->pad, g->dilation};
}

/* col2im/im2col geometry of conv_transpose1d's output y_g [cout_g, Tout]. */
static vx_conv_geom y_geom(const conv_geom *g)
{
    return (vx_conv_geom){g->cout_g, g->Tout, g->K, g->stride, g->pad, g->dilation};
}

/* 1×1, stride 1, no padding: x_g itself is the col matrix. */
static bool pointwise(const conv_geom *g)
{
    return g->K == 1 && g->stride == 1 && g->pad == 0;
}

vx_status conv1d_forward_gemm(vx_ctx *ctx, const conv_geom *g, const float *x, const float *w,
                              float *y)
{
    int64_t rows = g->cin_g * g->K, nt_max = tile_cols(rows, g->Tout);
    vx_conv_geom xg = x_geom(g);
    float *col = pointwise(g) ? NULL : vx_arena_alloc(ctx, sizeof(float) * (size_t)(rows * nt_max));
    if (!pointwise(g) && !col)
        return vx_last_status();
    for (int64_t b = 0; b < g->B; b++)
        for (int64_t gi = 0; gi < g->groups; gi++) {
            const float *xg_p = x + (b * g->Cin + gi * g->cin_g) * g->T;       /* [cin_g, T]     */
            const float *wg = w + gi * g->cout_g * rows;                         /* [cout_g, rows] */
            float *yg = y + (b * g->Cout + gi * g->cout_g) * g->Tout;            /* [cout_g, Tout] */
            if (pointwise(g)) {
                vx_sgemm(false, false, g->cout_g, g->Tout, rows, 1.0f, wg, rows, xg_p, g->T, 1.0f,
                         yg, g->Tout);
                continue;
            }
            for (int64_t t0 = 0; t0 < g->Tout; t0 += nt_max) {
                int64_t nt = g->Tout - t0 < nt_max ? g->Tout - t0 : nt_max;
                vx_im2col(&xg, xg_p, g->T, t0, nt, col, nt);
                vx_sgemm(false, false, g->cout_g, nt, rows, 1.0f, wg, rows, col, nt, 1.0f,
                         yg + t0, g->Tout);
            }
        }
    return VX_OK;
}

vx_status conv1d_backward_gemm(vx_ctx *ctx, const conv_geom *g, const float *x, const float *w,
                               const float *dy, float *dx, float *dw)
{
    int64_t rows = g->cin_g * g->K, nt_max = tile_cols(rows, g->Tout);
    vx_conv_geom xg = x_geom(g);
    float *col = vx_arena_alloc(ctx, sizeof(float) * (size_t)(rows * nt_max));
    if (!col)
        return vx_last_status();
    for (int64_t b = 0; b < g->B; b++)
        for (int64_t gi = 0; gi < g->groups; gi++) {
            const float *xg_p = x + (b * g->Cin + gi * g->cin_g) * g->T;
            const float *wg = w + gi * g->cout_g * rows;
            const float *dyg = dy + (b * g->Cout + gi * g->cout_g) * g->Tout;
            for (int64_t t0 = 0; t0 < g->Tout; t0 += nt_max) {
                int64_t nt = g->Tout - t0 < nt_max ? g->Tout - t0 : nt_max;
                if (dw) { /* dW_g [cout_g, rows] += dy_g [cout_g, nt] · colᵀ */
                    vx_im2col(&xg, xg_p, g->T, t0, nt, col, nt);
                    vx_sgemm(false, true, g->cout_g, rows, nt, 1.0f, dyg + t0, g->Tout, col, nt,
                             1.0f, dw + gi * g->cout_g * rows, rows);
                }
                if (dx) { /* col = W_gᵀ · dy_g, then overlap-add into dx_g */
                    vx_sgemm(true, false, rows, nt, g->cout_g, 1.0f, wg, rows, dyg + t0, g->Tout,
                             0.0f, col, nt);
                    vx_col2im_add(&xg, col, nt, t0, nt, dx + (b * g->Cin + gi * g->cin_g) * g->T, g->T);
                }
            }
        }
    return VX_OK;
}

vx_status conv_transpose1d_forward_gemm(vx_ctx *ctx, const conv_geom *g, const float *x,
                                        const float *w, float *y)
{
    int64_t rows = g->cout_g * g->K, nt_max = tile_cols(rows, g->T);
    vx_conv_geom yg_geom = y_geom(g);
    float *col = vx_arena_alloc(ctx, sizeof(float) * (size_t)(rows * nt_max));
    if (!col)
        return vx_last_status();
    for (int64_t b = 0; b < g->B; b++)
        for (int64_t gi = 0; gi < g->groups; gi++) {
            const float *xg_p = x + (b * g->Cin + gi * g->cin_g) * g->T;  /* [cin_g, T]     */
            const float *wg = w + gi * g->cin_g * rows;                     /* [cin_g, rows]  */
            float *yg = y + (b * g->Cout + gi * g->cout_g) * g->Tout;       /* [cout_g, Tout] */
            for (int64_t t0 = 0; t0 < g->T; t0 += nt_max) {
                int64_t nt = g->T - t0 < nt_max ? g->T - t0 : nt_max;
                vx_sgemm(true, false, rows, nt, g->cin_g, 1.0f, wg, rows, xg_p + t0, g->T, 0.0f,
                         col, nt);
                vx_col2im_add(&yg_geom, col, nt, t0, nt, yg, g->Tout);
            }
        }
    return VX_OK;
}

vx_status conv_transpose1d_backward_gemm(vx_ctx *ctx, const conv_geom *g, const float *x,
                                         const float *w, const float *dy, float *dx, float *dw)
{
    int64_t rows = g->cout_g * g->K, nt_max = tile_cols(rows, g->T);
    vx_conv_geom yg_geom = y_geom(g);
    float *col = vx_arena_alloc(ctx, sizeof(float) * (size_t)(rows * nt_max));
    if (!col)
        return vx_last_status();
    for (int64_t b = 0; b < g->B; b++)
        for (int64_t gi = 0; gi < g->groups; gi++) {
            const float *xg_p = x + (b * g->Cin + gi * g->cin_g) * g->T;
            const float *wg = w + gi * g->cin_g * rows;
            const float *dyg = dy + (b * g->Cout + gi * g->cout_g) * g->Tout;
            for (int64_t t0 = 0; t0 < g->T; t0 += nt_max) {
                int64_t nt = g->T - t0 < nt_max ? g->T - t0 : nt_max;
                vx_im2col(&yg_geom, dyg, g->Tout, t0, nt, col, nt); /* [rows, nt] */
                if (dx) /* dx_g [cin_g, nt] += W_g · col */
                    vx_sgemm(false, false, g->cin_g, nt, rows, 1.0f, wg, rows, col, nt, 1.0f,
                             dx + (b * g->Cin + gi * g->cin_g) * g->T + t0, g->T);
                if (dw) /* dW_g [cin_g, rows] += x_g [cin_g, nt] · colᵀ */
                    vx_sgemm(false, true, g->cin_g, rows, nt, 1.0f, xg_p + t0, g->T, col, nt,
                             1.0f, dw + gi * g->cin_g * rows, rows);
            }
        }
    return VX_OK;
}
