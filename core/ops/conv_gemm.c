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
 * of core/kernels/depthwise.h forward and backward.
 *
 * The weights are the same for every batch item: with more than one item,
 * version 3 packs each group's weights once per call (vx_gemm_pack) and
 * short signals are set side by side as the columns of one product (batched
 * tap views), and the weight gradients sum over items inside one product
 * (the items' columns concatenated), so that neither the weights nor dW are
 * streamed once per item. One short item of a conv_transpose1d with large
 * weights reads them in place (transpose_direct, AVX-512) instead of packing
 * them on every call. Tile widths depend only on the shape, so results
 * do not depend on the thread count (the GEMM splits work deterministically).
 * Scratch comes from the arena and is given back before returning. */
#include "conv_gemm.h"

#include "../kernels/conv_lab.h"
#include "../kernels/cpu.h"
#include "../kernels/depthwise.h"
#include "../kernels/gemm.h"
#include "../kernels/im2col.h"
#include "../threads.h"

/* COL_BUDGET_FLOATS bounds version 2's col tiles. A tile of one item's
 * polyphase product Z (row form) holds Z_TILE_FLOATS (a quarter of the
 * 1 MiB L2) and at least Z_TILE_MIN_ROWS rows. A tile of the column
 * form holds at most ZT_TILE_FLOATS of Zᵀ and at least ZT_TILE_MIN_COLS
 * columns, so that the packed phase weights are streamed once per that many
 * outputs. Weight gradients take at least WGRAD_MIN_COLS columns (time
 * steps, over items) per product, so that dW is read and written once per
 * that many. Batched tap products take up to TAP_TILE_COLS columns. */
enum {
    COL_BUDGET_FLOATS = 1 << 19,
    Z_TILE_FLOATS = 1 << 16,
    Z_TILE_MIN_ROWS = 512,
    ZT_TILE_FLOATS = 1 << 20,
    ZT_TILE_MIN_COLS = 256,
    WGRAD_MIN_COLS = 512,
    TAP_TILE_COLS = 1024,
};

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

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

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

/* One lowered convolution, for `batch` items at once, between signals `in`
 * [ch, len] and outputs `out` [m, n_out] (contiguous rows; item b's start
 * in_step / out_step floats after item b − 1's), with weights shared by all
 * items and the conv hyperparameters. */
typedef struct lowered {
    const float *in;
    int64_t ch, len, in_step;
    const float *w;
    float *out;
    int64_t m, n_out, out_step;
    int64_t batch;
    int64_t K, stride, pad, dilation;
} lowered;

/* Floats of scratch for a packed m × k matrix, 64-byte aligned. */
static float *packed_buffer(vx_ctx *ctx, int64_t m, int64_t k)
{
    return vx_arena_alloc_uninit(ctx, sizeof(float) * (size_t)vx_gemm_packed_floats(m, k));
}

/* out_b [m, n_out] += W [m, ch·K] · taps_b, taps_b[(c, k), t] = in_b[c, t·stride − pad + k·dilation]
 * for every item b: conv1d's forward, and conv_transpose1d's input gradient
 * (in = dy). One item: one product. More: W packed once; long outputs take
 * one product per item, short ones go side by side into the columns of a
 * scratch product that is then added into the items' outputs. */
static vx_status tap_gemm(vx_ctx *ctx, const lowered *l)
{
    int64_t rows = l->ch * l->K;
    vx_gemm_operand at = vx_gemm_strided(l->w, rows, true); /* Wᵀ as a K×M operand */
    bool plain = l->K == 1 && l->stride == 1 && l->pad == 0 && l->n_out <= l->len;
    int64_t *offset = vx_arena_alloc(ctx, sizeof(int64_t) * (size_t)l->K);
    if (!offset)
        return vx_last_status();
    for (int64_t k = 0; k < l->K; k++)
        offset[k] = k * l->dilation - l->pad;
    vx_tap_view view = {l->in, l->len, l->len, l->K, l->stride, offset, 0, 0};
    if (l->batch == 1) {
        vx_gemm_operand b = plain ? vx_gemm_strided(l->in, l->len, false) : vx_tap_operand(&view);
        vx_sgemm_operands(l->m, l->n_out, rows, &at, &b, 1.0f, l->out, l->n_out);
        return VX_OK;
    }
    float *buf = packed_buffer(ctx, l->m, rows);
    if (!buf)
        return vx_last_status();
    vx_gemm_packed pw;
    vx_gemm_pack(&pw, l->m, rows, &at, buf);
    if (l->n_out * 2 > TAP_TILE_COLS) { /* long: straight into each item's output */
        for (int64_t b = 0; b < l->batch; b++) {
            view.x = l->in + b * l->in_step;
            vx_gemm_operand op = plain ? vx_gemm_strided(view.x, l->len, false) : vx_tap_operand(&view);
            vx_sgemm_packed(&pw, 0, l->m, l->n_out, &op, 1.0f, l->out + b * l->out_step, l->n_out);
        }
        return VX_OK;
    }
    int64_t per_tile = TAP_TILE_COLS / l->n_out, ncols = per_tile * l->n_out;
    float *tmp = vx_arena_alloc_uninit(ctx, sizeof(float) * (size_t)(l->m * ncols)); /* [m, ncols] */
    if (!tmp)
        return vx_last_status();
    view.per_item = l->n_out;
    view.batch_step = l->in_step;
    vx_gemm_operand op = vx_tap_operand(&view);
    for (int64_t b0 = 0; b0 < l->batch; b0 += per_tile) {
        int64_t nb = min64(per_tile, l->batch - b0), n = nb * l->n_out;
        view.x = l->in + b0 * l->in_step;
        vx_sgemm_packed(&pw, 0, l->m, n, &op, 0.0f, tmp, n);
        for (int64_t i = 0; i < nb; i++)
            for (int64_t co = 0; co < l->m; co++) {
                float *y = l->out + (b0 + i) * l->out_step + co * l->n_out;
                const float *z = tmp + co * n + i * l->n_out;
                for (int64_t t = 0; t < l->n_out; t++)
                    y[t] += z[t];
            }
    }
    return VX_OK;
}

/* Polyphase form of out [m, n_out] += conv_transpose(in [ch, len], w [ch, m, K]).
 * Output index o satisfies o + pad = t·stride + k·dilation. Writing
 * k·dilation = shift_k·stride + phase_k and o + pad = q·stride + r, the taps
 * with phase_k = r feed exactly the outputs of phase r, from t = q − shift_k:
 *   Z[q, co·stride + r] = Σ_ci Σ_{k: phase_k = r} w[ci, co, k] · in[ci, q − shift_k]
 *   out[co, q·stride + r − pad] = Z[q, co·stride + r]
 * All phases share one GEMM, reduction over (ci, distinct shift); a (phase,
 * shift) pair without a tap is a zero weight. Two forms:
 *  - rows: Z [q, (co, r)], the phase weights the GEMM's right operand, packed
 *    by the GEMM (once per row tile). A row of Z holds, per channel, `stride`
 *    consecutive outputs, so moving Z into out is a transpose of
 *    stride-float blocks (vx_phase_interleave). For one item; measured
 *    faster there than the column form even where it packs the weights
 *    twice (T = 800, 1 thread: 2.03 vs 2.19 ms for 128→64, 8.5 vs 9.7 ms for
 *    256→128, stride 8).
 *  - columns: Zᵀ [(co, r), q], the phase weights the left operand, packed
 *    once per call (vx_gemm_pack) for every item and tile; items with few
 *    steps sit side by side in the columns. The rows of a channel hold its
 *    `stride` phases, so moving Zᵀ into out zips them (vx_phase_zip). */
typedef struct polyphase {
    int64_t n_shift;  /* distinct shifts                    */
    int64_t *shift;   /* [n_shift] their values (ascending) */
    int64_t *kmap;    /* [stride · n_shift] tap or −1       */
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
        int64_t c0 = blk * CHANNEL_BLOCK, c1 = min64(c0 + CHANNEL_BLOCK, j->m);
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

/* The row form for one item, steps q_lo .. q_hi in tiles of Z_TILE_FLOATS
 * (at least Z_TILE_MIN_ROWS rows). */
static vx_status phase_gemm_rows(vx_ctx *ctx, const lowered *l, const polyphase *pp,
                                 int64_t q_lo, int64_t q_hi, bool overwrite, const float *bias)
{
    int64_t s = l->stride, ncol = l->m * s, kdim = l->ch * pp->n_shift;
    int64_t tile = min64(max64(Z_TILE_FLOATS / ncol, Z_TILE_MIN_ROWS), q_hi - q_lo + 1);
    float *z = vx_arena_alloc_uninit(ctx, sizeof(float) * (size_t)(tile * ncol));
    int64_t *offset = vx_arena_alloc(ctx, sizeof(int64_t) * (size_t)pp->n_shift);
    if (!z || !offset)
        return vx_last_status();
    vx_phase_view wv = {l->w, l->m, l->K, s, pp->n_shift, pp->kmap};
    vx_gemm_operand b = vx_phase_operand(&wv);
    vx_tap_view xv = {l->in, l->len, l->len, pp->n_shift, 1, offset, 0, 0};
    vx_gemm_operand at = vx_tap_operand(&xv);
    int64_t blocks = (l->m + CHANNEL_BLOCK - 1) / CHANNEL_BLOCK;
    for (int64_t q0 = q_lo; q0 <= q_hi; q0 += tile) {
        int64_t nt = min64(q_hi + 1 - q0, tile);
        for (int64_t u = 0; u < pp->n_shift; u++) /* row j of the tile reads in[q0 + j − shift] */
            offset[u] = q0 - pp->shift[u];
        vx_sgemm_operands(nt, ncol, kdim, &at, &b, 0.0f, z, ncol);
        interleave_job job = {z, l->out, nt, q0, l->m, l->n_out, s, l->pad, overwrite, bias};
        vx_parallel_for(blocks, nt * ncol >= (1 << 16) ? 1 : blocks, interleave_blocks, &job);
    }
    return VX_OK;
}

/* A tile of Zᵀ [m·stride, ldz] holding, for items b0 .. b0 + nb − 1, the
 * steps q0 .. q0 + nq − 1 of each (item i at columns i·nq ..). */
typedef struct zip_job {
    const float *zt;
    int64_t ldz, nb, nq, q0;
    float *out;        /* item b0's [m, n_out] */
    int64_t out_step, m, n_out, stride, pad;
    bool overwrite;    /* out = bias + Zᵀ (out not read) instead of out += Zᵀ */
    const float *bias; /* [m] or NULL (0) */
} zip_job;

/* out[co, q·stride + r − pad] (+)= Zᵀ[co·stride + r, q] for channels in
 * blocks [begin, end) of CHANNEL_BLOCK, every item of the tile (overwriting
 * with bias + Zᵀ when the job says so). Steps whose s outputs all land
 * inside [0, n_out) go to vx_phase_zip; the few at either end are clipped
 * here. */
static void zip_blocks(void *arg, int64_t begin, int64_t end, int tid)
{
    (void)tid;
    const zip_job *j = arg;
    int64_t s = j->stride;
    int64_t i_a = floor_div(j->pad + s - 1, s) - j->q0;            /* first whole step */
    int64_t i_b = floor_div(j->n_out + j->pad - s, s) - j->q0 + 1; /* past the last   */
    i_a = i_a < 0 ? 0 : (i_a > j->nq ? j->nq : i_a);
    i_b = i_b < i_a ? i_a : (i_b > j->nq ? j->nq : i_b);
    for (int64_t item = 0; item < j->nb; item++) {
        const float *zt = j->zt + item * j->nq; /* [m·s, nq] at row stride ldz */
        float *out = j->out + item * j->out_step;
        for (int64_t blk = begin; blk < end; blk++) {
            int64_t c0 = blk * CHANNEL_BLOCK, c1 = min64(c0 + CHANNEL_BLOCK, j->m);
            if (i_b > i_a)
                vx_phase_zip(zt + c0 * s * j->ldz + i_a, j->ldz, s, i_b - i_a, c1 - c0,
                             j->overwrite, j->bias ? j->bias + c0 : NULL,
                             out + c0 * j->n_out + (j->q0 + i_a) * s - j->pad, j->n_out);
            for (int64_t i = 0; i < j->nq; i++) {
                if (i == i_a)
                    i = i_b; /* done above */
                if (i >= j->nq)
                    break;
                int64_t o = (j->q0 + i) * s - j->pad; /* output of phase 0 */
                int64_t r0 = o < 0 ? -o : 0, r1 = j->n_out - o < s ? j->n_out - o : s;
                for (int64_t co = c0; co < c1; co++)
                    for (int64_t r = r0; r < r1; r++) {
                        float *y = &out[co * j->n_out + o + r];
                        float fill = j->bias ? j->bias[co] : 0.0f;
                        *y = (j->overwrite ? fill : *y) + zt[(co * s + r) * j->ldz + i];
                    }
            }
        }
    }
}

/* out (+)= the polyphase product (see polyphase above) for every item; with
 * overwrite, out is written once, bias + product, and never read (every
 * output index has exactly one (q, r)). One item: the row form; more: the
 * column form, the phase weights packed once, items with few steps sharing
 * a tile, long ones split into tiles. */
static vx_status phase_gemm(vx_ctx *ctx, const lowered *l, const polyphase *pp, bool overwrite,
                            const float *bias)
{
    int64_t s = l->stride, nrow = l->m * s, kdim = l->ch * pp->n_shift;
    /* q covers every output: o + pad ∈ [pad, pad + n_out) */
    int64_t q_lo = l->pad / s, q_hi = (l->n_out - 1 + l->pad) / s, nq = q_hi - q_lo + 1;
    if (l->batch == 1)
        return phase_gemm_rows(ctx, l, pp, q_lo, q_hi, overwrite, bias);
    int64_t tile = max64(ZT_TILE_FLOATS / nrow, ZT_TILE_MIN_COLS) / 16 * 16;
    int64_t per_tile = nq < tile ? tile / nq : 1, step = nq < tile ? nq : tile;
    float *zt = vx_arena_alloc_uninit(ctx, sizeof(float) * (size_t)(nrow * per_tile * step));
    float *buf = packed_buffer(ctx, nrow, kdim);
    int64_t *offset = vx_arena_alloc(ctx, sizeof(int64_t) * (size_t)pp->n_shift);
    if (!zt || !buf || !offset)
        return vx_last_status();
    vx_phase_view wv = {l->w, l->m, l->K, s, pp->n_shift, pp->kmap};
    vx_gemm_operand wop = vx_phase_operand(&wv);
    vx_gemm_packed pw;
    vx_gemm_pack(&pw, nrow, kdim, &wop, buf);
    /* column j of item b reads in_b[ci, q0 + j − shift] */
    vx_tap_view xv = {l->in, l->len, l->len, pp->n_shift, 1, offset, per_tile > 1 ? nq : 0,
                      l->in_step};
    vx_gemm_operand op = vx_tap_operand(&xv);
    int64_t blocks = (l->m + CHANNEL_BLOCK - 1) / CHANNEL_BLOCK;
    for (int64_t b0 = 0; b0 < l->batch; b0 += per_tile) {
        int64_t nb = min64(per_tile, l->batch - b0);
        for (int64_t q0 = q_lo; q0 <= q_hi; q0 += step) {
            int64_t nt = min64(q_hi + 1 - q0, step), ncol = nb * nt;
            for (int64_t u = 0; u < pp->n_shift; u++)
                offset[u] = q0 - pp->shift[u];
            xv.x = l->in + b0 * l->in_step;
            vx_sgemm_packed(&pw, 0, nrow, ncol, &op, 0.0f, zt, ncol);
            zip_job job = {zt, ncol, nb, nt, q0, l->out + b0 * l->out_step, l->out_step, l->m,
                           l->n_out, s, l->pad, overwrite, bias};
            vx_parallel_for(blocks, nrow * ncol >= (1 << 16) ? 1 : blocks, zip_blocks, &job);
        }
    }
    return VX_OK;
}

/* --- conv_transpose1d of one short item, weights read in place ------------------
 * y[co, t·stride − pad + k] = bias[co] + Σ_ci x[ci, t] · w[ci, co, k] (dilation 1):
 *   Y [T, cout·K] = xᵀ · W, W = w as the row-major [cin, cout·K] it is,
 *   y[co, t·stride − pad + k] += Y[t, co·K + k]   (overlap-add, K floats per (t, co))
 * AVX-512's micro-kernel reads W in place (vx_gemm_direct_avx512_12x32), so
 * the weights are never packed: each 32-column strip of W is read once and
 * meets every row tile of xᵀ (all T ≤ DIRECT_MAX_T rows, in L2) while it
 * sits in L1. For one item with large weights this beats the polyphase
 * forms, which pack the weights on every call: 1 thread, T = 100, stride 8,
 * K 16: 512→256 (8 MiB of weights) 5.66 → 5.08 ms; but 256→128 (2 MiB)
 * 1.07 → 1.16 ms, so only from DIRECT_MIN_WEIGHTS floats on. */
enum {
    DIRECT_MAX_T = 256,
    DIRECT_MIN_WEIGHTS = 1 << 20,
    DIRECT_MR = 12,
    DIRECT_NR = 32,
    DIRECT_KC = 256,
};

typedef struct direct_job {
    const float *xt; /* [T, ch] */
    const float *w;  /* [ch, ncol] */
    float *y;        /* [T, ncol] */
    int64_t T, ch, ncol;
} direct_job;

/* Strips [begin, end) of Y: each strip's K-blocks in order, so every
 * element sums in the same order however the strips are split. */
static void direct_strips(void *arg, int64_t begin, int64_t end, int tid)
{
    (void)tid;
    const direct_job *j = arg;
#if defined(__x86_64__)
    for (int64_t strip = begin; strip < end; strip++) {
        int64_t c0 = strip * DIRECT_NR;
        int nr = (int)min64(j->ncol - c0, DIRECT_NR);
        for (int64_t p0 = 0; p0 < j->ch; p0 += DIRECT_KC) {
            int64_t kc = min64(j->ch - p0, DIRECT_KC);
            for (int64_t t0 = 0; t0 < j->T; t0 += DIRECT_MR)
                vx_gemm_direct_avx512_12x32(kc, j->xt + t0 * j->ch + p0, j->ch,
                                            j->w + p0 * j->ncol + c0, j->ncol,
                                            j->y + t0 * j->ncol + c0, j->ncol,
                                            (int)min64(j->T - t0, DIRECT_MR), nr, p0 > 0);
        }
    }
#else
    (void)j, (void)begin, (void)end;
#endif
}

static bool direct_worth(const conv_geom *g)
{
#if defined(__x86_64__)
    return g->B == 1 && g->dilation == 1 && g->T <= DIRECT_MAX_T &&
           g->cin_g * g->cout_g * g->K >= DIRECT_MIN_WEIGHTS && vx_cpu_avx512();
#else
    (void)g;
    return false;
#endif
}

/* y_g [cout_g, Tout] = bias + conv_transpose1d(x_g [cin_g, T], w_g [cin_g, cout_g, K]). */
static vx_status transpose_direct(vx_ctx *ctx, const conv_geom *g, const float *x, const float *w,
                                  const float *bias, float *y)
{
    int64_t T = g->T, ch = g->cin_g, m = g->cout_g, K = g->K, ncol = m * K;
    float *xt = vx_arena_alloc_uninit(ctx, sizeof(float) * (size_t)(T * ch));  /* [T, ch]   */
    float *big = vx_arena_alloc_uninit(ctx, sizeof(float) * (size_t)(T * ncol)); /* [T, ncol] */
    if (!xt || !big)
        return vx_last_status();
    for (int64_t c = 0; c < ch; c++)
        for (int64_t t = 0; t < T; t++)
            xt[t * ch + c] = x[c * T + t];
    direct_job job = {xt, w, big, T, ch, ncol};
    vx_parallel_for((ncol + DIRECT_NR - 1) / DIRECT_NR, 1, direct_strips, &job);
    for (int64_t co = 0; co < m; co++) { /* overlap-add, output row by output row */
        float *yr = y + co * g->Tout;
        float fill = bias ? bias[co] : 0.0f;
        for (int64_t o = 0; o < g->Tout; o++)
            yr[o] = fill;
        for (int64_t t = 0; t < T; t++) {
            const float *src = big + t * ncol + co * K;
            int64_t o0 = t * g->stride - g->pad;
            int64_t k0 = o0 < 0 ? -o0 : 0, k1 = g->Tout - o0 < K ? g->Tout - o0 : K;
            for (int64_t k = k0; k < k1; k++)
                yr[o0 + k] += src[k];
        }
    }
    return VX_OK;
}

/* dW [m, rows] += Σ_b a_b [m, n] · im2col(src_b)ᵀ, rows = channels·K of
 * `geom`, for items a_b = a + b·a_step (row stride lda) and src_b = src +
 * b·src_step ([channels, t_in]): the weight gradient of both ops. Items
 * with fewer than WGRAD_MIN_COLS columns are gathered side by side (a's
 * rows and the col matrices), so that one product covers several. */
static vx_status weight_grad(vx_ctx *ctx, int64_t batch, const float *a, int64_t a_step,
                             int64_t lda, int64_t m, int64_t n, const float *src,
                             int64_t src_step, const vx_conv_geom *geom, float *dw)
{
    int64_t rows = geom->channels * geom->kernel;
    int64_t ncols = max64(COL_BUDGET_FLOATS / rows, WGRAD_MIN_COLS) / 32 * 32;
    int64_t per_tile = n < ncols ? ncols / n : 1, width = n < ncols ? per_tile * n : ncols;
    float *col = vx_arena_alloc_uninit(ctx, sizeof(float) * (size_t)(rows * width));
    float *ac = per_tile > 1 ? vx_arena_alloc_uninit(ctx, sizeof(float) * (size_t)(m * width)) : NULL;
    if (!col || (per_tile > 1 && !ac))
        return vx_last_status();
    if (per_tile == 1) { /* each item in column tiles */
        for (int64_t b = 0; b < batch; b++)
            for (int64_t t0 = 0; t0 < n; t0 += ncols) {
                int64_t nt = min64(n - t0, ncols);
                vx_im2col(geom, src + b * src_step, geom->t_in, t0, nt, col, nt);
                vx_sgemm(false, true, m, rows, nt, 1.0f, a + b * a_step + t0, lda, col, nt, 1.0f,
                         dw, rows);
            }
        return VX_OK;
    }
    for (int64_t b0 = 0; b0 < batch; b0 += per_tile) {
        int64_t nb = min64(per_tile, batch - b0), nt = nb * n;
        for (int64_t i = 0; i < nb; i++) {
            vx_im2col(geom, src + (b0 + i) * src_step, geom->t_in, 0, n, col + i * n, nt);
            for (int64_t r = 0; r < m; r++)
                memcpy(ac + r * nt + i * n, a + (b0 + i) * a_step + r * lda, sizeof(float) * (size_t)n);
        }
        vx_sgemm(false, true, m, rows, nt, 1.0f, ac, nt, col, nt, 1.0f, dw, rows);
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

static vx_status conv1d_forward_run(vx_ctx *ctx, const conv_geom *g, const float *x,
                                    const float *w, const float *bias, float *y)
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
    if (version() == 3) {
        for (int64_t gi = 0; gi < g->groups; gi++) { /* all items at once */
            lowered l = {x + gi * g->cin_g * g->T, g->cin_g, g->T, g->Cin * g->T,
                         w + gi * g->cout_g * rows, y + gi * g->cout_g * g->Tout, g->cout_g,
                         g->Tout, g->Cout * g->Tout, g->B, g->K, g->stride, g->pad, g->dilation};
            vx_status st = tap_gemm(ctx, &l);
            if (st != VX_OK)
                return st;
        }
        return VX_OK;
    }
    vx_conv_geom xg = x_geom(g);
    float *col = NULL;
    if (!pointwise(g) && !(col = vx_arena_alloc(ctx, sizeof(float) * (size_t)(rows * nt_max))))
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

vx_status conv1d_forward_gemm(vx_ctx *ctx, const conv_geom *g, const float *x, const float *w,
                              const float *bias, float *y)
{
    vx_arena_point mark = vx_arena_mark(ctx);
    vx_status st = conv1d_forward_run(ctx, g, x, w, bias, y);
    vx_arena_release(ctx, mark);
    return st;
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

static vx_status conv1d_backward_run(vx_ctx *ctx, const conv_geom *g, const float *x,
                                     const float *w, const float *dy, float *dx, float *dw)
{
    if (depthwise(g))
        return depthwise_backward(ctx, g, x, w, dy, dx, dw);
    int64_t rows = g->cin_g * g->K;
    vx_conv_geom xg = x_geom(g);
    polyphase pp;
    bool phases = false;
    if (dx && version() == 3 &&
        polyphase_plan(ctx, g->K, g->stride, g->dilation, &pp, &phases) != VX_OK)
        return vx_last_status();
    for (int64_t gi = 0; gi < g->groups; gi++) {
        const float *xg_p = x + gi * g->cin_g * g->T;          /* item 0's [cin_g, T]     */
        const float *wg = w + gi * g->cout_g * rows;            /* [cout_g, rows]          */
        const float *dyg = dy + gi * g->cout_g * g->Tout;       /* item 0's [cout_g, Tout] */
        if (phases) { /* dx_g = conv_transpose(dy_g) with w_g read as [cout_g, cin_g, K] */
            lowered l = {dyg, g->cout_g, g->Tout, g->Cout * g->Tout, wg,
                         dx + gi * g->cin_g * g->T, g->cin_g, g->T, g->Cin * g->T, g->B,
                         g->K, g->stride, g->pad, g->dilation};
            vx_status st = phase_gemm(ctx, &l, &pp, false, NULL);
            if (st != VX_OK)
                return st;
        }
        /* dW_g [cout_g, rows] += Σ_b dy_g [cout_g, Tout] · colᵀ */
        if (dw && weight_grad(ctx, g->B, dyg, g->Cout * g->Tout, g->Tout, g->cout_g, g->Tout, xg_p,
                              g->Cin * g->T, &xg, dw + gi * g->cout_g * rows) != VX_OK)
            return vx_last_status();
    }
    if (!dx || phases)
        return VX_OK;
    int64_t nt_max = tile_cols(rows, g->Tout);
    float *col = vx_arena_alloc_uninit(ctx, sizeof(float) * (size_t)(rows * nt_max));
    if (!col)
        return vx_last_status();
    for (int64_t b = 0; b < g->B; b++)
        for (int64_t gi = 0; gi < g->groups; gi++) {
            const float *wg = w + gi * g->cout_g * rows;
            const float *dyg = dy + (b * g->Cout + gi * g->cout_g) * g->Tout;
            float *dxg = dx + (b * g->Cin + gi * g->cin_g) * g->T;
            for (int64_t t0 = 0; t0 < g->Tout; t0 += nt_max) { /* col = W_gᵀ · dy_g, overlap-added */
                int64_t nt = g->Tout - t0 < nt_max ? g->Tout - t0 : nt_max;
                vx_sgemm(true, false, rows, nt, g->cout_g, 1.0f, wg, rows, dyg + t0, g->Tout,
                         0.0f, col, nt);
                vx_col2im_add(&xg, col, nt, t0, nt, dxg, g->T);
            }
        }
    return VX_OK;
}

vx_status conv1d_backward_gemm(vx_ctx *ctx, const conv_geom *g, const float *x, const float *w,
                               const float *dy, float *dx, float *dw)
{
    vx_arena_point mark = vx_arena_mark(ctx);
    vx_status st = conv1d_backward_run(ctx, g, x, w, dy, dx, dw);
    vx_arena_release(ctx, mark);
    return st;
}

/* --- conv_transpose1d ---------------------------------------------------------- */

static vx_status conv_transpose1d_forward_run(vx_ctx *ctx, const conv_geom *g, const float *x,
                                              const float *w, const float *bias, float *y)
{
    int64_t rows = g->cout_g * g->K, nt_max = tile_cols(rows, g->T);
    polyphase pp;
    bool phases = false;
    if (version() == 3 && polyphase_plan(ctx, g->K, g->stride, g->dilation, &pp, &phases) != VX_OK)
        return vx_last_status();
    if (phases && direct_worth(g)) {
        for (int64_t gi = 0; gi < g->groups; gi++) {
            vx_status st = transpose_direct(ctx, g, x + gi * g->cin_g * g->T,
                                            w + gi * g->cin_g * rows,
                                            bias ? bias + gi * g->cout_g : NULL,
                                            y + gi * g->cout_g * g->Tout);
            if (st != VX_OK)
                return st;
        }
        return VX_OK;
    }
    if (phases) {
        for (int64_t gi = 0; gi < g->groups; gi++) { /* all items at once */
            lowered l = {x + gi * g->cin_g * g->T, g->cin_g, g->T, g->Cin * g->T,
                         w + gi * g->cin_g * rows, y + gi * g->cout_g * g->Tout, g->cout_g,
                         g->Tout, g->Cout * g->Tout, g->B, g->K, g->stride, g->pad, g->dilation};
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

vx_status conv_transpose1d_forward_gemm(vx_ctx *ctx, const conv_geom *g, const float *x,
                                        const float *w, const float *bias, float *y)
{
    vx_arena_point mark = vx_arena_mark(ctx);
    vx_status st = conv_transpose1d_forward_run(ctx, g, x, w, bias, y);
    vx_arena_release(ctx, mark);
    return st;
}

static vx_status conv_transpose1d_backward_run(vx_ctx *ctx, const conv_geom *g, const float *x,
                                               const float *w, const float *dy, float *dx,
                                               float *dw)
{
    int64_t rows = g->cout_g * g->K;
    bool v3 = version() == 3;
    vx_conv_geom yg_geom = y_geom(g);
    for (int64_t gi = 0; gi < g->groups; gi++) {
        const float *xg_p = x + gi * g->cin_g * g->T;      /* item 0's [cin_g, T]     */
        const float *wg = w + gi * g->cin_g * rows;         /* [cin_g, rows]           */
        const float *dyg = dy + gi * g->cout_g * g->Tout;   /* item 0's [cout_g, Tout] */
        if (dx && v3) { /* dx_g = conv1d(dy_g) with w_g read as [cin_g, cout_g·K] */
            lowered l = {dyg, g->cout_g, g->Tout, g->Cout * g->Tout, wg,
                         dx + gi * g->cin_g * g->T, g->cin_g, g->T, g->Cin * g->T, g->B,
                         g->K, g->stride, g->pad, g->dilation};
            vx_status st = tap_gemm(ctx, &l);
            if (st != VX_OK)
                return st;
        }
        /* dW_g [cin_g, rows] += Σ_b x_g [cin_g, T] · im2col(dy_g)ᵀ */
        if (dw && weight_grad(ctx, g->B, xg_p, g->Cin * g->T, g->T, g->cin_g, g->T, dyg,
                              g->Cout * g->Tout, &yg_geom, dw + gi * g->cin_g * rows) != VX_OK)
            return vx_last_status();
    }
    if (!dx || v3)
        return VX_OK;
    int64_t nt_max = tile_cols(rows, g->T);
    float *col = vx_arena_alloc_uninit(ctx, sizeof(float) * (size_t)(rows * nt_max));
    if (!col)
        return vx_last_status();
    for (int64_t b = 0; b < g->B; b++)
        for (int64_t gi = 0; gi < g->groups; gi++) {
            const float *wg = w + gi * g->cin_g * rows;
            const float *dyg = dy + (b * g->Cout + gi * g->cout_g) * g->Tout;
            float *dxg = dx + (b * g->Cin + gi * g->cin_g) * g->T;
            for (int64_t t0 = 0; t0 < g->T; t0 += nt_max) { /* dx_g [cin_g, nt] += W_g · col */
                int64_t nt = g->T - t0 < nt_max ? g->T - t0 : nt_max;
                vx_im2col(&yg_geom, dyg, g->Tout, t0, nt, col, nt); /* [rows, nt] */
                vx_sgemm(false, false, g->cin_g, nt, rows, 1.0f, wg, rows, col, nt, 1.0f,
                         dxg + t0, g->T);
            }
        }
    return VX_OK;
}

vx_status conv_transpose1d_backward_gemm(vx_ctx *ctx, const conv_geom *g, const float *x,
                                         const float *w, const float *dy, float *dx, float *dw)
{
    vx_arena_point mark = vx_arena_mark(ctx);
    vx_status st = conv_transpose1d_backward_run(ctx, g, x, w, dy, dx, dw);
    vx_arena_release(ctx, mark);
    return st;
}
