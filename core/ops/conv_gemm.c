/* conv_gemm.c — conv1d and conv_transpose1d lowered onto the packed SGEMM
 * (lab versions 2 and 3 of core/kernels/conv_lab.h).
 *
 * Per batch item b and group gi, with W_g the group's weights as a matrix:
 *   conv1d            W_g [cout_g, cin_g·K];  y_g += W_g · im2col(x_g)
 *     backward        dW_g += dy_g · colᵀ;     dx_g += col2im(W_gᵀ · dy_g)
 *   conv_transpose1d  W_g [cin_g, cout_g·K];  y_g += col2im(W_gᵀ · x_g)
 *     backward        dx_g += W_g · im2col(dy_g); dW_g += x_g · im2col(dy_g)ᵀ
 * Version 2 writes col in column tiles (≈ 2 MiB however long the signal).
 * Version 3 never writes col: conv1d hands the GEMM a tap view of x, and
 * conv_transpose1d is split by output phase (see polyphase below). conv1d's
 * input gradient is a conv_transpose1d of dy and the other way round, so
 * version 3 serves both with the same two routines. Depthwise conv1d
 * (one input channel per output channel, stride 1) runs the direct row kernel
 * of core/kernels/depthwise.h forward and backward. Tile widths depend only
 * on the shape, so results do not depend on the thread count (the GEMM
 * splits work deterministically). */
#include "conv_gemm.h"

#include "../kernels/conv_lab.h"
#include "../kernels/depthwise.h"
#include "../kernels/gemm.h"
#include "../kernels/im2col.h"
#include "../threads.h"

/* COL_BUDGET_FLOATS bounds version 2's col tiles. A polyphase tile holds
 * PHASE_TILE_FLOATS of Z (a quarter of the 1 MiB L2, where the interleave
 * finds it) and at least PHASE_TILE_MIN_ROWS rows, so that the phase
 * weights are packed once per that many outputs. */
enum { COL_BUDGET_FLOATS = 1 << 19, PHASE_TILE_FLOATS = 1 << 16, PHASE_TILE_MIN_ROWS = 512 };

/* One input channel per output channel, stride 1: the direct kernel of
 * core/kernels/depthwise.h runs conv1d. */
static bool depthwise(const conv_geom *g)
{
    return g->cin_g == 1 && g->cout_g == 1 && g->stride == 1;
}

bool conv_gemm_worth(const conv_geom *g, bool transposed)
{
    if (vx_conv_get_impl() == 1)
        return false;
    if (!transposed && depthwise(g))
        return true;
    int64_t a = transposed ? g->cin_g : g->cout_g, b = transposed ? g->cout_g : g->cin_g;
    return a >= 4 && b * g->K >= 8;
}

void conv_fill_bias(float *y, const float *bias, const conv_geom *g)
{
    for (int64_t b = 0; b < g->B; b++)
        for (int64_t co = 0; co < g->Cout; co++) {
            float *row = y + (b * g->Cout + co) * g->Tout; /* [Tout] */
            float v = bias ? bias[co] : 0.0f;
            for (int64_t t = 0; t < g->Tout; t++)
                row[t] = v;
        }
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

/* --- version 3: taps and phases ------------------------------------------------ */

/* One lowered convolution between a signal `in` [ch, len] and an output
 * `out` [m, n_out] (both contiguous rows), with the conv hyperparameters. */
typedef struct lowered {
    const float *in;
    int64_t ch, len;
    const float *w;
    float *out;
    int64_t m, n_out;
    int64_t K, stride, pad, dilation;
} lowered;

/* out [m, n_out] += W [m, ch·K] · taps, taps[(c, k), t] = in[c, t·stride − pad + k·dilation]:
 * conv1d's forward, and conv_transpose1d's input gradient (in = dy). */
static vx_status tap_gemm(vx_ctx *ctx, const lowered *l)
{
    int64_t rows = l->ch * l->K;
    vx_gemm_operand at = vx_gemm_strided(l->w, rows, true); /* Wᵀ as a K×M operand */
    if (l->K == 1 && l->stride == 1 && l->pad == 0 && l->n_out <= l->len) {
        vx_gemm_operand b = vx_gemm_strided(l->in, l->len, false);
        vx_sgemm_operands(l->m, l->n_out, rows, &at, &b, 1.0f, l->out, l->n_out);
        return VX_OK;
    }
    int64_t *offset = vx_arena_alloc(ctx, sizeof(int64_t) * (size_t)l->K);
    if (!offset)
        return vx_last_status();
    for (int64_t k = 0; k < l->K; k++)
        offset[k] = k * l->dilation - l->pad;
    vx_tap_view view = {l->in, l->len, l->len, l->K, l->stride, offset};
    vx_gemm_operand b = vx_tap_operand(&view);
    vx_sgemm_operands(l->m, l->n_out, rows, &at, &b, 1.0f, l->out, l->n_out);
    return VX_OK;
}

/* Polyphase form of out [m, n_out] += conv_transpose(in [ch, len], w [ch, m, K]).
 * Output index o satisfies o + pad = t·stride + k·dilation. Writing
 * k·dilation = shift_k·stride + phase_k and o + pad = q·stride + r, the taps
 * with phase_k = r feed exactly the outputs of phase r, from t = q − shift_k:
 *   Z[q, co·stride + r] = Σ_ci Σ_{k: phase_k = r} w[ci, co, k] · in[ci, q − shift_k]
 *   out[co, q·stride + r − pad] = Z[q, co·stride + r]
 * All phases share one GEMM: rows q, columns (co, r), reduction over
 * (ci, distinct shift); a (phase, shift) pair without a tap is a zero weight.
 * A row of Z holds, per channel, `stride` consecutive outputs, so moving Z
 * into out is a transpose of stride-float blocks. */
typedef struct polyphase {
    int64_t n_shift;  /* distinct shifts                    */
    int64_t *shift;   /* [n_shift] their values (ascending) */
    int64_t *kmap;    /* [stride · n_shift] tap or −1       */
    int64_t *run;     /* [n_shift] see vx_phase_view.run_start, or NULL */
} polyphase;

/* Plans the phases of (K, stride, dilation); *worth is false when they
 * would waste more than half the multiplies on missing taps. */
static vx_status polyphase_plan(vx_ctx *ctx, int64_t K, int64_t stride, int64_t dilation,
                                polyphase *pp, bool *worth)
{
    int64_t max_shift = (K - 1) * dilation / stride;
    int64_t *index = vx_arena_alloc(ctx, sizeof(int64_t) * (size_t)(max_shift + 1));
    *worth = false;
    if (!index)
        return vx_last_status();
    for (int64_t m = 0; m <= max_shift; m++)
        index[m] = -1;
    pp->n_shift = 0;
    for (int64_t k = 0; k < K; k++)
        if (index[k * dilation / stride] < 0)
            index[k * dilation / stride] = pp->n_shift++;
    if (stride * pp->n_shift > 2 * K)
        return VX_OK;
    pp->shift = vx_arena_alloc(ctx, sizeof(int64_t) * (size_t)pp->n_shift);
    pp->kmap = vx_arena_alloc(ctx, sizeof(int64_t) * (size_t)(stride * pp->n_shift));
    if (!pp->shift || !pp->kmap)
        return vx_last_status();
    /* renumber in ascending shift order */
    pp->n_shift = 0;
    for (int64_t m = 0; m <= max_shift; m++)
        if (index[m] >= 0) {
            index[m] = pp->n_shift;
            pp->shift[pp->n_shift++] = m;
        }
    for (int64_t i = 0; i < stride * pp->n_shift; i++)
        pp->kmap[i] = -1;
    for (int64_t k = 0; k < K; k++)
        pp->kmap[(k * dilation % stride) * pp->n_shift + index[k * dilation / stride]] = k;
    pp->run = NULL;
    if (dilation == 1 && K % stride == 0) { /* shift u holds taps u·stride .. u·stride + stride − 1 */
        if (!(pp->run = vx_arena_alloc(ctx, sizeof(int64_t) * (size_t)pp->n_shift)))
            return vx_last_status();
        for (int64_t u = 0; u < pp->n_shift; u++)
            pp->run[u] = pp->kmap[u];
    }
    *worth = true;
    return VX_OK;
}

typedef struct interleave_job {
    const float *z;    /* [nq, m·stride] */
    float *out;        /* [m, n_out]     */
    int64_t nq, q0, m, n_out, stride, pad;
    bool overwrite;    /* out = bias + z (out not read) instead of out += z */
    const float *bias; /* [m] or NULL (0) */
} interleave_job;

enum { CHANNEL_BLOCK = 16 };

static int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

/* out[co, q·stride + r − pad] (+)= z[q − q0, co·stride + r] for channels in
 * blocks [begin, end) of CHANNEL_BLOCK (overwriting with bias + z when the
 * job says so). Rows whose s outputs all land inside [0, n_out) go to
 * vx_phase_interleave; the few at either end are clipped here. */
static void interleave_blocks(void *arg, int64_t begin, int64_t end, int tid)
{
    (void)tid;
    const interleave_job *j = arg;
    int64_t s = j->stride, ldz = j->m * s;
    int64_t i_a = floor_div(j->pad + s - 1, s) - j->q0;            /* first whole row  */
    int64_t i_b = floor_div(j->n_out + j->pad - s, s) - j->q0 + 1; /* past the last   */
    i_a = i_a < 0 ? 0 : (i_a > j->nq ? j->nq : i_a);
    i_b = i_b < i_a ? i_a : (i_b > j->nq ? j->nq : i_b);
    for (int64_t blk = begin; blk < end; blk++) {
        int64_t c0 = blk * CHANNEL_BLOCK, c1 = c0 + CHANNEL_BLOCK < j->m ? c0 + CHANNEL_BLOCK : j->m;
        if (i_b > i_a)
            vx_phase_interleave(j->z + i_a * ldz + c0 * s, ldz, s, i_b - i_a, c1 - c0, j->overwrite,
                                j->bias ? j->bias + c0 : NULL,
                                j->out + c0 * j->n_out + (j->q0 + i_a) * s - j->pad, j->n_out);
        for (int64_t i = 0; i < j->nq; i++) {
            if (i == i_a)
                i = i_b; /* done above */
            if (i >= j->nq)
                break;
            int64_t o = (j->q0 + i) * s - j->pad; /* output of phase 0 */
            int64_t r0 = o < 0 ? -o : 0, r1 = j->n_out - o < s ? j->n_out - o : s;
            for (int64_t co = c0; co < c1; co++)
                for (int64_t r = r0; r < r1; r++) {
                    float *y = &j->out[co * j->n_out + o + r];
                    float fill = j->bias ? j->bias[co] : 0.0f;
                    *y = (j->overwrite ? fill : *y) + j->z[i * ldz + co * s + r];
                }
        }
    }
}

/* out (+)= the polyphase product (see polyphase above); with overwrite, out
 * is written once, bias + product, and never read (every output index has
 * exactly one (q, r)). */
static vx_status phase_gemm(vx_ctx *ctx, const lowered *l, const polyphase *pp, bool overwrite,
                            const float *bias)
{
    int64_t s = l->stride, ncol = l->m * s, kdim = l->ch * pp->n_shift;
    /* q covers every output: o + pad ∈ [pad, pad + n_out) */
    int64_t q_lo = l->pad / s, q_hi = (l->n_out - 1 + l->pad) / s;
    int64_t tile = PHASE_TILE_FLOATS / ncol, nq = q_hi - q_lo + 1;
    tile = tile < PHASE_TILE_MIN_ROWS ? PHASE_TILE_MIN_ROWS : tile;
    tile = nq < tile ? nq : tile;
    float *z = vx_arena_alloc(ctx, sizeof(float) * (size_t)(tile * ncol));
    int64_t *offset = vx_arena_alloc(ctx, sizeof(int64_t) * (size_t)pp->n_shift);
    if (!z || !offset)
        return vx_last_status();
    vx_phase_view wv = {l->w, l->m, l->K, s, pp->n_shift, pp->kmap, pp->run};
    vx_gemm_operand b = vx_phase_operand(&wv);
    vx_tap_view xv = {l->in, l->len, l->len, pp->n_shift, 1, offset};
    vx_gemm_operand at = vx_tap_operand(&xv);
    int64_t blocks = (l->m + CHANNEL_BLOCK - 1) / CHANNEL_BLOCK;
    for (int64_t q0 = q_lo; q0 <= q_hi; q0 += tile) {
        int64_t nt = q_hi + 1 - q0 < tile ? q_hi + 1 - q0 : tile;
        for (int64_t u = 0; u < pp->n_shift; u++) /* row j of the tile reads in[q0 + j − shift] */
            offset[u] = q0 - pp->shift[u];
        vx_sgemm_operands(nt, ncol, kdim, &at, &b, 0.0f, z, ncol);
        interleave_job job = {z, l->out, nt, q0, l->m, l->n_out, s, l->pad, overwrite, bias};
        vx_parallel_for(blocks, nt * ncol >= (1 << 16) ? 1 : blocks, interleave_blocks, &job);
    }
    return VX_OK;
}

/* The lowering version 3 runs, or 2 when the phases of a transposed
 * convolution do not pay. */
static int version(void)
{
    int impl = vx_conv_get_impl();
    return impl == 2 ? 2 : 3;
}

/* --- conv1d -------------------------------------------------------------------- */

vx_status conv1d_forward_gemm(vx_ctx *ctx, const conv_geom *g, const float *x, const float *w,
                              const float *bias, float *y)
{
    conv_fill_bias(y, bias, g); /* every lowering below adds into y */
    if (depthwise(g)) { /* x [B, C, T], w [C, 1, K] -> y [B, C, Tout] */
        for (int64_t b = 0; b < g->B; b++)
            for (int64_t c = 0; c < g->Cout; c++)
                vx_depthwise_row(x + (b * g->Cin + c) * g->T, g->T, w + c * g->K, g->K, g->pad,
                                 g->dilation, y + (b * g->Cout + c) * g->Tout, g->Tout);
        return VX_OK;
    }
    int64_t rows = g->cin_g * g->K, nt_max = tile_cols(rows, g->Tout);
    bool v3 = version() == 3;
    vx_conv_geom xg = x_geom(g);
    float *col = NULL;
    if (!v3 && !pointwise(g) && !(col = vx_arena_alloc(ctx, sizeof(float) * (size_t)(rows * nt_max))))
        return vx_last_status();
    for (int64_t b = 0; b < g->B; b++)
        for (int64_t gi = 0; gi < g->groups; gi++) {
            const float *xg_p = x + (b * g->Cin + gi * g->cin_g) * g->T;       /* [cin_g, T]     */
            const float *wg = w + gi * g->cout_g * rows;                         /* [cout_g, rows] */
            float *yg = y + (b * g->Cout + gi * g->cout_g) * g->Tout;            /* [cout_g, Tout] */
            if (v3) {
                lowered l = {xg_p, g->cin_g, g->T, wg, yg, g->cout_g, g->Tout,
                             g->K, g->stride, g->pad, g->dilation};
                vx_status st = tap_gemm(ctx, &l);
                if (st != VX_OK)
                    return st;
                continue;
            }
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

/* Depthwise backward, per (b, c) with taps at off_k = k·dilation − pad:
 *   dx[t + off_k] += w[k]·dy[t]: the same row kernel on dy with the taps
 *     reversed (w_rev[k] = w[K−1−k], pad' = (K−1)·dilation − pad)
 *   dw[k] += Σ_t dy[t]·x[t + off_k] */
static vx_status depthwise_backward(vx_ctx *ctx, const conv_geom *g, const float *x,
                                    const float *w, const float *dy, float *dx, float *dw)
{
    float *w_rev = vx_arena_alloc(ctx, sizeof(float) * (size_t)g->K);
    if (!w_rev)
        return vx_last_status();
    for (int64_t b = 0; b < g->B; b++)
        for (int64_t c = 0; c < g->Cout; c++) {
            const float *xr = x + (b * g->Cin + c) * g->T, *wr = w + c * g->K;
            const float *dyr = dy + (b * g->Cout + c) * g->Tout;
            if (dx) {
                for (int64_t k = 0; k < g->K; k++)
                    w_rev[k] = wr[g->K - 1 - k];
                vx_depthwise_row(dyr, g->Tout, w_rev, g->K, (g->K - 1) * g->dilation - g->pad,
                                 g->dilation, dx + (b * g->Cin + c) * g->T, g->T);
            }
            for (int64_t k = 0; dw && k < g->K; k++) {
                int64_t off = k * g->dilation - g->pad, lo, hi;
                vx_depthwise_span(off, g->T, g->Tout, &lo, &hi);
                float acc = 0;
                for (int64_t t = lo; t < hi; t++)
                    acc += dyr[t] * xr[t + off];
                dw[c * g->K + k] += acc;
            }
        }
    return VX_OK;
}

vx_status conv1d_backward_gemm(vx_ctx *ctx, const conv_geom *g, const float *x, const float *w,
                               const float *dy, float *dx, float *dw)
{
    if (depthwise(g))
        return depthwise_backward(ctx, g, x, w, dy, dx, dw);
    int64_t rows = g->cin_g * g->K, nt_max = tile_cols(rows, g->Tout);
    vx_conv_geom xg = x_geom(g);
    polyphase pp;
    bool phases = false;
    if (dx && version() == 3 &&
        polyphase_plan(ctx, g->K, g->stride, g->dilation, &pp, &phases) != VX_OK)
        return vx_last_status();
    float *col = vx_arena_alloc(ctx, sizeof(float) * (size_t)(rows * nt_max));
    if (!col)
        return vx_last_status();
    for (int64_t b = 0; b < g->B; b++)
        for (int64_t gi = 0; gi < g->groups; gi++) {
            const float *xg_p = x + (b * g->Cin + gi * g->cin_g) * g->T;
            const float *wg = w + gi * g->cout_g * rows;
            const float *dyg = dy + (b * g->Cout + gi * g->cout_g) * g->Tout;
            float *dxg = dx ? dx + (b * g->Cin + gi * g->cin_g) * g->T : NULL;
            if (phases) { /* dx_g = conv_transpose(dy_g) with w_g read as [cout_g, cin_g, K] */
                lowered l = {dyg, g->cout_g, g->Tout, wg, dxg, g->cin_g, g->T,
                             g->K, g->stride, g->pad, g->dilation};
                vx_status st = phase_gemm(ctx, &l, &pp, false, NULL);
                if (st != VX_OK)
                    return st;
            }
            for (int64_t t0 = 0; t0 < g->Tout; t0 += nt_max) {
                int64_t nt = g->Tout - t0 < nt_max ? g->Tout - t0 : nt_max;
                if (dw) { /* dW_g [cout_g, rows] += dy_g [cout_g, nt] · colᵀ */
                    vx_im2col(&xg, xg_p, g->T, t0, nt, col, nt);
                    vx_sgemm(false, true, g->cout_g, rows, nt, 1.0f, dyg + t0, g->Tout, col, nt,
                             1.0f, dw + gi * g->cout_g * rows, rows);
                }
                if (dx && !phases) { /* col = W_gᵀ · dy_g, then overlap-add into dx_g */
                    vx_sgemm(true, false, rows, nt, g->cout_g, 1.0f, wg, rows, dyg + t0, g->Tout,
                             0.0f, col, nt);
                    vx_col2im_add(&xg, col, nt, t0, nt, dxg, g->T);
                }
            }
        }
    return VX_OK;
}

/* --- conv_transpose1d ---------------------------------------------------------- */

vx_status conv_transpose1d_forward_gemm(vx_ctx *ctx, const conv_geom *g, const float *x,
                                        const float *w, const float *bias, float *y)
{
    int64_t rows = g->cout_g * g->K, nt_max = tile_cols(rows, g->T);
    polyphase pp;
    bool phases = false;
    if (version() == 3 && polyphase_plan(ctx, g->K, g->stride, g->dilation, &pp, &phases) != VX_OK)
        return vx_last_status();
    if (phases) {
        for (int64_t b = 0; b < g->B; b++)
            for (int64_t gi = 0; gi < g->groups; gi++) {
                lowered l = {x + (b * g->Cin + gi * g->cin_g) * g->T, g->cin_g, g->T,
                             w + gi * g->cin_g * rows,
                             y + (b * g->Cout + gi * g->cout_g) * g->Tout, g->cout_g, g->Tout,
                             g->K, g->stride, g->pad, g->dilation};
                vx_status st = phase_gemm(ctx, &l, &pp, true, bias ? bias + gi * g->cout_g : NULL);
                if (st != VX_OK)
                    return st;
            }
        return VX_OK;
    }
    conv_fill_bias(y, bias, g); /* col2im adds into y */
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
    bool v3 = version() == 3;
    vx_conv_geom yg_geom = y_geom(g);
    float *col = NULL;
    if ((dw || !v3) && !(col = vx_arena_alloc(ctx, sizeof(float) * (size_t)(rows * nt_max))))
        return vx_last_status();
    for (int64_t b = 0; b < g->B; b++)
        for (int64_t gi = 0; gi < g->groups; gi++) {
            const float *xg_p = x + (b * g->Cin + gi * g->cin_g) * g->T;
            const float *wg = w + gi * g->cin_g * rows;
            const float *dyg = dy + (b * g->Cout + gi * g->cout_g) * g->Tout;
            float *dxg = dx ? dx + (b * g->Cin + gi * g->cin_g) * g->T : NULL;
            if (dx && v3) { /* dx_g = conv1d(dy_g) with w_g read as [cin_g, cout_g·K] */
                lowered l = {dyg, g->cout_g, g->Tout, wg, dxg, g->cin_g, g->T,
                             g->K, g->stride, g->pad, g->dilation};
                vx_status st = tap_gemm(ctx, &l);
                if (st != VX_OK)
                    return st;
            }
            if (!dw && v3)
                continue;
            for (int64_t t0 = 0; t0 < g->T; t0 += nt_max) {
                int64_t nt = g->T - t0 < nt_max ? g->T - t0 : nt_max;
                vx_im2col(&yg_geom, dyg, g->Tout, t0, nt, col, nt); /* [rows, nt] */
                if (dx && !v3) /* dx_g [cin_g, nt] += W_g · col */
                    vx_sgemm(false, false, g->cin_g, nt, rows, 1.0f, wg, rows, col, nt, 1.0f,
                             dxg + t0, g->T);
                if (dw) /* dW_g [cin_g, rows] += x_g [cin_g, nt] · colᵀ */
                    vx_sgemm(false, true, g->cin_g, rows, nt, 1.0f, xg_p + t0, g->T, col, nt,
                             1.0f, dw + gi * g->cin_g * rows, rows);
            }
        }
    return VX_OK;
}
