/* ops_opencl.c — op descriptors to OpenCL kernel launches: the geometry of
 * each op family (broadcast strides, axis splits, GEMM operand strides,
 * conv sizes) computed on the host from a checked descriptor. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "hw/backends.h"
#include "hw/opencl/ops_opencl.h"

#define GROUP_1D 256 /* work-group size of the one-dimensional kernels */

static vxcl_mem mem_of(const vx_operand *t) { return (vxcl_mem)t->buf->handle; }

/* Element offset of an operand inside its buffer. */
static int64_t off_of(const vx_operand *t) { return (int64_t)(t->offset / vx_dtype_size(t->dtype)); }

static vx_status launch_1d(vxcl_family fam, const char *name, int n_args, const vxcl_arg *args,
                           int64_t items)
{
    if (items == 0)
        return VX_OK;
    return vxcl_launch(fam, name, n_args, args, 1, (size_t[]){(size_t)items}, (size_t[]){GROUP_1D});
}

/* An optional operand: its buffer, offset and a presence flag (absent: the
 * output's buffer stands in, never read). */
typedef struct opt_operand {
    vxcl_mem mem;
    int64_t off;
    int32_t present;
} opt_operand;

static opt_operand optional(const vx_operand *t, const vx_operand *stand_in)
{
    return t->buf ? (opt_operand){mem_of(t), off_of(t), 1} : (opt_operand){mem_of(stand_in), 0, 0};
}

/* --- elementwise ------------------------------------------------------------------ */

static vx_status run_binary(const vx_op_desc *d)
{
    int64_t n[4], so[4], na[4], sa[4], nb[4], sb[4];
    vx_operand_pad4(&d->out, n, so);
    vx_operand_pad4(&d->in[0], na, sa);
    vx_operand_pad4(&d->in[1], nb, sb);
    const vx_operand *a = &d->in[0], *b = &d->in[1], *y = &d->out;
    int64_t total = vx_operand_numel(y);
    if (vx_operand_numel(a) == total && vx_operand_numel(b) == total) /* same shape */
        return launch_1d(VXCL_ELEMENTWISE, "vx_binary_flat",
                         VXCL_ARGS(VXCL_MEM(mem_of(a)), VXCL_I64(off_of(a)), VXCL_MEM(mem_of(b)),
                                   VXCL_I64(off_of(b)), VXCL_MEM(mem_of(y)), VXCL_I64(off_of(y)),
                                   VXCL_I32((int32_t)d->op), VXCL_I64(total)),
                         total);
    return launch_1d(VXCL_ELEMENTWISE, "vx_binary",
                     VXCL_ARGS(VXCL_MEM(mem_of(a)), VXCL_I64(off_of(a)), VXCL_MEM(mem_of(b)),
                               VXCL_I64(off_of(b)), VXCL_MEM(mem_of(y)), VXCL_I64(off_of(y)),
                               VXCL_I32((int32_t)d->op), VXCL_L4(n), VXCL_L4(sa), VXCL_L4(sb),
                               VXCL_I64(vx_operand_numel(y))),
                     vx_operand_numel(y));
}

static vx_status run_unary(const vx_op_desc *d)
{
    const vx_operand *x = &d->in[0], *y = &d->out;
    return launch_1d(VXCL_ELEMENTWISE, "vx_unary",
                     VXCL_ARGS(VXCL_MEM(mem_of(x)), VXCL_I64(off_of(x)), VXCL_MEM(mem_of(y)),
                               VXCL_I64(off_of(y)), VXCL_I32((int32_t)d->op), VXCL_F32(d->farg[0]),
                               VXCL_F32(d->farg[1]), VXCL_I64(vx_operand_numel(y))),
                     vx_operand_numel(y));
}

/* --- along an axis ------------------------------------------------------------------ */

static vx_status run_softmax(const vx_op_desc *d)
{
    const vx_operand *x = &d->in[0], *y = &d->out;
    int64_t outer, n, inner;
    vx_operand_split(x, vx_axis_of(d->iarg[0], x->ndim), &outer, &n, &inner);
    if (outer * inner == 0 || n == 0)
        return VX_OK;
    return vxcl_launch(VXCL_ROWS, "vx_softmax",
                       VXCL_ARGS(VXCL_MEM(mem_of(x)), VXCL_I64(off_of(x)), VXCL_MEM(mem_of(y)),
                                 VXCL_I64(off_of(y)), VXCL_I64(n), VXCL_I64(inner)),
                       1, (size_t[]){(size_t)(outer * inner) * VXCL_ROW_GROUP},
                       (size_t[]){VXCL_ROW_GROUP});
}

static vx_status run_layer_norm(const vx_op_desc *d)
{
    const vx_operand *x = &d->in[0], *y = &d->out;
    int64_t outer, n, inner;
    vx_operand_split(x, d->op == VX_OP_LAYER_NORM ? x->ndim - 1 : 1, &outer, &n, &inner);
    if (outer * inner == 0)
        return VX_OK;
    opt_operand g = optional(&d->in[1], y), b = optional(&d->in[2], y);
    return vxcl_launch(VXCL_ROWS, "vx_layer_norm",
                       VXCL_ARGS(VXCL_MEM(mem_of(x)), VXCL_I64(off_of(x)), VXCL_MEM(g.mem),
                                 VXCL_I64(g.off), VXCL_I32(g.present), VXCL_MEM(b.mem),
                                 VXCL_I64(b.off), VXCL_I32(b.present), VXCL_MEM(mem_of(y)),
                                 VXCL_I64(off_of(y)), VXCL_I64(n), VXCL_I64(inner),
                                 VXCL_F32(d->farg[0])),
                       1, (size_t[]){(size_t)(outer * inner) * VXCL_ROW_GROUP},
                       (size_t[]){VXCL_ROW_GROUP});
}

/* Reductions of at least this many terms into at most this many outputs use
 * a work-group per output (too few outputs to fill a device one item each). */
#define REDUCE_GROUP_MIN_COUNT 1024
#define REDUCE_GROUP_MAX_OUT 65536

static vx_status run_reduce(const vx_op_desc *d)
{
    const vx_operand *x = &d->in[0], *y = &d->out;
    bool reduced[4] = {false};
    for (int k = 0; k < x->ndim; k++)
        reduced[k] = d->iarg[0] == 0;
    for (int k = 0; k < d->iarg[0]; k++)
        reduced[vx_axis_of(d->iarg[1 + k], x->ndim)] = true;
    int64_t n[4], xs[4], kn[4], rn[4], count = 1;
    vx_operand_pad4(x, n, xs);
    int64_t stride = 1;
    for (int i = 3; i >= 0; i--) { /* xs: plain contiguous strides (size-1 dims never step) */
        xs[i] = stride;
        stride *= n[i];
    }
    for (int i = 0; i < 4; i++) {
        int k = x->ndim - 4 + i;
        bool red = k >= 0 && reduced[k];
        kn[i] = red ? 1 : n[i];
        rn[i] = red ? n[i] : 1;
        count *= rn[i];
    }
    int64_t n_out = vx_operand_numel(y);
    if (count >= REDUCE_GROUP_MIN_COUNT && n_out <= REDUCE_GROUP_MAX_OUT)
        return vxcl_launch(VXCL_ROWS, "vx_reduce_group",
                           VXCL_ARGS(VXCL_MEM(mem_of(x)), VXCL_I64(off_of(x)), VXCL_MEM(mem_of(y)),
                                     VXCL_I64(off_of(y)), VXCL_L4(kn), VXCL_L4(rn), VXCL_L4(xs),
                                     VXCL_I64(count), VXCL_I32(d->op == VX_OP_MEAN)),
                           1, (size_t[]){(size_t)n_out * VXCL_ROW_GROUP}, (size_t[]){VXCL_ROW_GROUP});
    return launch_1d(VXCL_ROWS, "vx_reduce",
                     VXCL_ARGS(VXCL_MEM(mem_of(x)), VXCL_I64(off_of(x)), VXCL_MEM(mem_of(y)),
                               VXCL_I64(off_of(y)), VXCL_L4(kn), VXCL_L4(rn), VXCL_L4(xs),
                               VXCL_I64(n_out), VXCL_I64(count), VXCL_I32(d->op == VX_OP_MEAN)),
                     n_out);
}

static vx_status run_cumsum(const vx_op_desc *d)
{
    const vx_operand *x = &d->in[0], *y = &d->out;
    int64_t outer, n, inner;
    vx_operand_split(x, vx_axis_of(d->iarg[0], x->ndim), &outer, &n, &inner);
    return launch_1d(VXCL_ROWS, "vx_cumsum",
                     VXCL_ARGS(VXCL_MEM(mem_of(x)), VXCL_I64(off_of(x)), VXCL_MEM(mem_of(y)),
                               VXCL_I64(off_of(y)), VXCL_I64(n), VXCL_I64(inner),
                               VXCL_I64(outer * inner)),
                     outer * inner);
}

/* --- GEMM ---------------------------------------------------------------------------- */

/* C [batches, M, N] (+)= A·B with A (m, k) at a_m·m + a_k·k (+ batch strides),
 * B likewise. */
typedef struct gemm_geom {
    int64_t M, N, K, n0, n1;
    int64_t a_m, a_k, sa0, sa1, b_k, b_n, sb0, sb1;
    int32_t accumulate;
} gemm_geom;

static const vx_operand no_operand = {.buf = NULL};

static vx_status run_gemm_geom(const gemm_geom *g, const vx_operand *a, const vx_operand *b,
                               const vx_operand *bias, const vx_operand *y)
{
    if (g->M * g->N * g->n0 * g->n1 == 0)
        return VX_OK;
    opt_operand bo = optional(bias, y);
    return vxcl_launch(VXCL_GEMM, "vx_gemm",
                       VXCL_ARGS(VXCL_MEM(mem_of(a)), VXCL_I64(off_of(a)), VXCL_I64(g->a_m),
                                 VXCL_I64(g->a_k), VXCL_I64(g->sa0), VXCL_I64(g->sa1),
                                 VXCL_MEM(mem_of(b)), VXCL_I64(off_of(b)), VXCL_I64(g->b_k),
                                 VXCL_I64(g->b_n), VXCL_I64(g->sb0), VXCL_I64(g->sb1),
                                 VXCL_MEM(bo.mem), VXCL_I64(bo.off), VXCL_I32(bo.present),
                                 VXCL_MEM(mem_of(y)), VXCL_I64(off_of(y)), VXCL_I64(g->M),
                                 VXCL_I64(g->N), VXCL_I64(g->K), VXCL_I64(g->n1),
                                 VXCL_I32(g->accumulate)),
                       3, (size_t[]){(size_t)((g->N + 63) / 64 * VXCL_TILE),
                                     (size_t)((g->M + 63) / 64 * VXCL_TILE), (size_t)(g->n0 * g->n1)},
                       (size_t[]){VXCL_TILE, VXCL_TILE, 1});
}

/* The two leading (batch) dims of a rank-4-padded operand: sizes and strides
 * (0 where the operand has size 1, so it broadcasts). vx_operand_pad4() strides run
 * over the whole operand, so they step whole matrices. */
static void batch_dims(const vx_operand *t, int64_t *n0, int64_t *n1, int64_t *s0, int64_t *s1)
{
    int64_t n[4], s[4];
    vx_operand_pad4(t, n, s);
    *n0 = n[0];
    *n1 = n[1];
    *s0 = s[0];
    *s1 = s[1];
}

/* t moved by `elems` elements (a batch slice). */
static vx_operand shifted(const vx_operand *t, int64_t elems)
{
    vx_operand r = *t;
    r.offset += (size_t)elems * vx_dtype_size(t->dtype);
    return r;
}

static vx_status run_matmul(const vx_op_desc *d)
{
    const vx_operand *a = &d->in[0], *b = &d->in[1], *y = &d->out;
    gemm_geom g = {.M = y->shape[y->ndim - 2], .N = y->shape[y->ndim - 1], .K = a->shape[a->ndim - 1]};
    int64_t u0, u1;
    batch_dims(y, &g.n0, &g.n1, &u0, &u1);
    batch_dims(a, &u0, &u1, &g.sa0, &g.sa1);
    batch_dims(b, &u0, &u1, &g.sb0, &g.sb1);
    g.a_m = g.K;
    g.a_k = 1;
    g.b_k = g.N;
    g.b_n = 1;
    return run_gemm_geom(&g, a, b, &no_operand, y);
}

/* a [..., M, K], b [..., K, N], dy [..., M, N], per output batch (one GEMM
 * each, in queue order, so batches that share a broadcast operand add up):
 *   da[m, k] += Σ_n dy[m, n]·b[k, n]     (da = dy·bᵀ)
 *   db[k, n] += Σ_m a[m, k]·dy[m, n]     (db = aᵀ·dy) */
static vx_status run_matmul_backward(const vx_op_desc *d)
{
    const vx_operand *a = &d->in[0], *b = &d->in[1], *dy = &d->in[2];
    int64_t M = dy->shape[dy->ndim - 2], N = dy->shape[dy->ndim - 1], K = a->shape[a->ndim - 1];
    int64_t n0, n1, sa0, sa1, sb0, sb1, u0, u1;
    batch_dims(dy, &n0, &n1, &u0, &u1);
    batch_dims(a, &u0, &u1, &sa0, &sa1);
    batch_dims(b, &u0, &u1, &sb0, &sb1);
    bool grad_a = d->grad_of == 1;
    gemm_geom g = grad_a ? (gemm_geom){.M = M, .N = K, .K = N, .n0 = 1, .n1 = 1, .a_m = N, .a_k = 1,
                                       .b_k = 1, .b_n = N, .accumulate = 1}
                         : (gemm_geom){.M = K, .N = N, .K = M, .n0 = 1, .n1 = 1, .a_m = 1, .a_k = K,
                                       .b_k = N, .b_n = 1, .accumulate = 1};
    for (int64_t i0 = 0; i0 < n0; i0++)
        for (int64_t i1 = 0; i1 < n1; i1++) {
            int64_t oa = i0 * sa0 + i1 * sa1, ob = i0 * sb0 + i1 * sb1, oy = (i0 * n1 + i1) * M * N;
            vx_operand dyb = shifted(dy, oy), ab = shifted(a, oa), bb = shifted(b, ob);
            vx_operand gb = shifted(&d->out, grad_a ? oa : ob);
            vx_status st = grad_a ? run_gemm_geom(&g, &dyb, &bb, &no_operand, &gb)
                                  : run_gemm_geom(&g, &ab, &dyb, &no_operand, &gb);
            if (st)
                return st;
        }
    return VX_OK;
}

/* Bias gradient: db[c] += Σ dy over every axis but c's (dy [outer, C, inner]). */
static vx_status run_bias_grad(const vx_operand *dy, const vx_operand *db, int64_t outer,
                               int64_t inner)
{
    int64_t C = db->shape[0];
    return launch_1d(VXCL_ROWS, "vx_bias_grad",
                     VXCL_ARGS(VXCL_MEM(mem_of(dy)), VXCL_I64(off_of(dy)), VXCL_MEM(mem_of(db)),
                               VXCL_I64(off_of(db)), VXCL_I64(outer), VXCL_I64(C), VXCL_I64(inner)),
                     C);
}

static vx_status run_linear(const vx_op_desc *d)
{
    const vx_operand *x = &d->in[0], *w = &d->in[1], *y = &d->out;
    int64_t in = w->shape[1], out = w->shape[0];
    gemm_geom g = {.M = in ? vx_operand_numel(x) / in : vx_operand_numel(y) / (out ? out : 1),
                   .N = out, .K = in, .n0 = 1, .n1 = 1,
                   .a_m = in, .a_k = 1, .b_k = 1, .b_n = in};
    return run_gemm_geom(&g, x, w, &d->in[2], y);
}

/* x [R, In], w [Out, In], dy [R, Out]:
 *   dx += dy·w,  dw += dyᵀ·x,  dbias[o] += Σ_r dy[r, o] */
static vx_status run_linear_backward(const vx_op_desc *d)
{
    const vx_operand *x = &d->in[0], *w = &d->in[1], *dy = &d->in[3], *g = &d->out;
    int64_t in = w->shape[1], out = w->shape[0];
    int64_t R = out ? vx_operand_numel(dy) / out : (in ? vx_operand_numel(x) / in : 0);
    switch (d->grad_of) {
    case 1:
        return run_gemm_geom(&(gemm_geom){.M = R, .N = in, .K = out, .n0 = 1, .n1 = 1, .a_m = out,
                                          .a_k = 1, .b_k = in, .b_n = 1, .accumulate = 1},
                             dy, w, &no_operand, g);
    case 2:
        return run_gemm_geom(&(gemm_geom){.M = out, .N = in, .K = R, .n0 = 1, .n1 = 1, .a_m = 1,
                                          .a_k = out, .b_k = in, .b_n = 1, .accumulate = 1},
                             dy, x, &no_operand, g);
    default:
        return run_bias_grad(dy, g, R, 1);
    }
}

/* --- convolutions --------------------------------------------------------------------- */

/* Output channels per group from which conv1d (and conv_transpose1d with
 * dilation 1) runs as an implicit GEMM (below it, most of a 64-row tile
 * would be idle: the direct kernel wins). */
#define CONV_GEMM_MIN_COUT_G 16

/* One conv1d or conv_transpose1d launch: x [B, Cin, T] -> y [B, Cout, Tout]. */
typedef struct conv_call {
    const vx_operand *x, *w, *y;
    opt_operand bias;
    int64_t B, Cin, T, Cout, Tout, K, stride, pad, dil, groups;
    int32_t accumulate;
} conv_call;

static vx_status launch_conv(const conv_call *c, bool transposed)
{
    int64_t total = c->B * c->Cout * c->Tout;
    if (total == 0)
        return VX_OK;
    if (!transposed && c->Cout / c->groups >= CONV_GEMM_MIN_COUT_G)
        return vxcl_launch(VXCL_GEMM, "vx_conv1d_gemm",
                           VXCL_ARGS(VXCL_MEM(mem_of(c->x)), VXCL_I64(off_of(c->x)),
                                     VXCL_MEM(mem_of(c->w)), VXCL_I64(off_of(c->w)),
                                     VXCL_MEM(c->bias.mem), VXCL_I64(c->bias.off),
                                     VXCL_I32(c->bias.present), VXCL_MEM(mem_of(c->y)),
                                     VXCL_I64(off_of(c->y)), VXCL_I64(c->Cin), VXCL_I64(c->T),
                                     VXCL_I64(c->Cout), VXCL_I64(c->Tout), VXCL_I64(c->K),
                                     VXCL_I64(c->stride), VXCL_I64(c->pad), VXCL_I64(c->dil),
                                     VXCL_I64(c->groups), VXCL_I32(c->accumulate)),
                           3, (size_t[]){(size_t)((c->Tout + 63) / 64 * VXCL_TILE),
                                         (size_t)((c->Cout / c->groups + 63) / 64 * VXCL_TILE),
                                         (size_t)(c->B * c->groups)},
                           (size_t[]){VXCL_TILE, VXCL_TILE, 1});
    if (transposed && c->dil == 1 && c->Cout / c->groups >= CONV_GEMM_MIN_COUT_G)
        return vxcl_launch(VXCL_GEMM, "vx_conv_transpose1d_gemm",
                           VXCL_ARGS(VXCL_MEM(mem_of(c->x)), VXCL_I64(off_of(c->x)),
                                     VXCL_MEM(mem_of(c->w)), VXCL_I64(off_of(c->w)),
                                     VXCL_MEM(c->bias.mem), VXCL_I64(c->bias.off),
                                     VXCL_I32(c->bias.present), VXCL_MEM(mem_of(c->y)),
                                     VXCL_I64(off_of(c->y)), VXCL_I64(c->Cin), VXCL_I64(c->T),
                                     VXCL_I64(c->Cout), VXCL_I64(c->Tout), VXCL_I64(c->K),
                                     VXCL_I64(c->stride), VXCL_I64(c->pad), VXCL_I64(c->groups),
                                     VXCL_I32(c->accumulate)),
                           3, (size_t[]){(size_t)(((c->Tout + c->stride - 1) / c->stride + 1 + 63) / 64 * VXCL_TILE),
                                         (size_t)((c->Cout / c->groups + 63) / 64 * VXCL_TILE),
                                         (size_t)(c->B * c->groups * c->stride)},
                           (size_t[]){VXCL_TILE, VXCL_TILE, 1});
    return launch_1d(VXCL_CONV, transposed ? "vx_conv_transpose1d" : "vx_conv1d",
                     VXCL_ARGS(VXCL_MEM(mem_of(c->x)), VXCL_I64(off_of(c->x)), VXCL_MEM(mem_of(c->w)),
                               VXCL_I64(off_of(c->w)), VXCL_MEM(c->bias.mem), VXCL_I64(c->bias.off),
                               VXCL_I32(c->bias.present), VXCL_MEM(mem_of(c->y)),
                               VXCL_I64(off_of(c->y)), VXCL_I64(c->Cin), VXCL_I64(c->T),
                               VXCL_I64(c->Cout), VXCL_I64(c->Tout), VXCL_I64(c->K),
                               VXCL_I64(c->stride), VXCL_I64(c->pad), VXCL_I64(c->dil),
                               VXCL_I64(c->groups), VXCL_I64(total), VXCL_I32(c->accumulate)),
                     total);
}

/* The descriptor's geometry; x, w, y are the forward operands. */
static conv_call conv_geometry(const vx_op_desc *d, const vx_operand *y)
{
    const vx_operand *x = &d->in[0], *w = &d->in[1];
    bool transposed = d->op == VX_OP_CONV_TRANSPOSE1D;
    return (conv_call){.x = x, .w = w, .y = y, .bias = {mem_of(y), 0, 0},
                       .B = x->shape[0], .Cin = x->shape[1], .T = x->shape[2],
                       .Cout = y->shape[1], .Tout = y->shape[2], .K = w->shape[2],
                       .stride = d->iarg[0], .pad = d->iarg[1],
                       .dil = transposed ? d->iarg[4] : d->iarg[2], .groups = d->iarg[3]};
}

static vx_status run_conv(const vx_op_desc *d)
{
    conv_call c = conv_geometry(d, &d->out);
    c.bias = optional(&d->in[2], &d->out);
    return launch_conv(&c, d->op == VX_OP_CONV_TRANSPOSE1D);
}

/* Backward of conv1d (x -> y) and conv_transpose1d: each op's input
 * gradient is the other op's forward on dy with the same weights, stride,
 * padding, dilation and groups (ref: the adjoint pairs in core/ops/conv.c);
 * weight and bias gradients have their own kernels. */
static vx_status run_conv_backward(const vx_op_desc *d)
{
    const vx_operand *dy = &d->in[3], *g = &d->out;
    bool transposed = d->op == VX_OP_CONV_TRANSPOSE1D;
    conv_call f = conv_geometry(d, dy); /* the forward geometry (y has dy's shape) */
    if (d->grad_of == 3)
        return run_bias_grad(dy, g, f.B, f.Tout);
    if (d->grad_of == 1) {
        conv_call c = f;
        c.x = dy;
        c.y = g;
        c.Cin = f.Cout;
        c.T = f.Tout;
        c.Cout = f.Cin;
        c.Tout = f.T;
        c.accumulate = 1;
        return launch_conv(&c, !transposed);
    }
    /* dw: P is the operand indexed by w's first dim (conv: dy, transposed: x) */
    const vx_operand *P = transposed ? f.x : dy, *Q = transposed ? dy : f.x;
    int64_t P_ch = transposed ? f.Cin : f.Cout, P_len = transposed ? f.T : f.Tout;
    int64_t Q_ch = transposed ? f.Cout : f.Cin, Q_len = transposed ? f.Tout : f.T;
    return launch_1d(VXCL_CONV, "vx_conv_grad_w",
                     VXCL_ARGS(VXCL_MEM(mem_of(P)), VXCL_I64(off_of(P)), VXCL_MEM(mem_of(Q)),
                               VXCL_I64(off_of(Q)), VXCL_MEM(mem_of(g)), VXCL_I64(off_of(g)),
                               VXCL_I64(f.B), VXCL_I64(P_ch), VXCL_I64(P_len), VXCL_I64(Q_ch),
                               VXCL_I64(Q_len), VXCL_I64(f.K), VXCL_I64(f.stride), VXCL_I64(f.pad),
                               VXCL_I64(f.dil), VXCL_I64(f.groups), VXCL_I64(vx_operand_numel(g))),
                     vx_operand_numel(g));
}

/* --- gathers --------------------------------------------------------------------------- */

static vxcl_mem bad_index_mem; /* one int: smallest out-of-range position */

/* Runs a gather kernel with the bad-index flag reset, then reports the first
 * index outside [0, limit) like the reference op does. */
static vx_status run_gather(const vx_op_desc *d, const char *kernel, int n_args, vxcl_arg *args,
                            int64_t total, int64_t limit, const char *what)
{
    vxcl_runtime *rt = vxcl();
    vxcl_int err = 0;
    if (!bad_index_mem && !(bad_index_mem = rt->cl.CreateBuffer(rt->context, VXCL_MEM_READ_WRITE,
                                                                sizeof(int32_t), NULL, &err)))
        return vxcl_fail("clCreateBuffer", err);
    int32_t bad = INT_MAX;
    if ((err = rt->cl.EnqueueWriteBuffer(rt->queue, bad_index_mem, VXCL_TRUE, 0, sizeof bad, &bad, 0,
                                         NULL, NULL)))
        return vxcl_fail("clEnqueueWriteBuffer", err);
    args[n_args - 1] = VXCL_MEM(bad_index_mem);
    vx_status st = launch_1d(VXCL_INDEX, kernel, n_args, args, total);
    if (st)
        return st;
    if ((err = rt->cl.EnqueueReadBuffer(rt->queue, bad_index_mem, VXCL_TRUE, 0, sizeof bad, &bad, 0,
                                        NULL, NULL)))
        return vxcl_fail("clEnqueueReadBuffer", err);
    if (bad == INT_MAX)
        return VX_OK;
    const vx_operand *idx = &d->in[1];
    int32_t value = 0;
    if ((err = rt->cl.EnqueueReadBuffer(rt->queue, mem_of(idx), VXCL_TRUE,
                                        idx->offset + (size_t)bad * sizeof value, sizeof value,
                                        &value, 0, NULL, NULL)))
        return vxcl_fail("clEnqueueReadBuffer", err);
    return vx_fail(VX_ERR_ARG, "%s: index %d (position %d) is outside [0, %lld), %s",
                   vx_op_table[d->op].name, (int)value, (int)bad, (long long)limit, what);
}

static vx_status run_embedding(const vx_op_desc *d)
{
    const vx_operand *w = &d->in[0], *idx = &d->in[1], *y = &d->out;
    int64_t total = vx_operand_numel(y);
    vxcl_arg *args = (vxcl_arg[]){VXCL_MEM(mem_of(w)), VXCL_I64(off_of(w)), VXCL_MEM(mem_of(idx)),
                                  VXCL_I64(off_of(idx)), VXCL_MEM(mem_of(y)), VXCL_I64(off_of(y)),
                                  VXCL_I64(w->shape[0]), VXCL_I64(w->shape[1]), VXCL_I64(total),
                                  VXCL_MEM(NULL)};
    return run_gather(d, "vx_embedding", 10, args, total, w->shape[0], "the table has V rows");
}

static vx_status run_index_select(const vx_op_desc *d)
{
    const vx_operand *x = &d->in[0], *idx = &d->in[1], *y = &d->out;
    int64_t outer, n, inner, total = vx_operand_numel(y);
    vx_operand_split(x, vx_axis_of(d->iarg[0], x->ndim), &outer, &n, &inner);
    vxcl_arg *args = (vxcl_arg[]){VXCL_MEM(mem_of(x)), VXCL_I64(off_of(x)), VXCL_MEM(mem_of(idx)),
                                  VXCL_I64(off_of(idx)), VXCL_MEM(mem_of(y)), VXCL_I64(off_of(y)),
                                  VXCL_I64(n), VXCL_I64(idx->shape[0]), VXCL_I64(inner),
                                  VXCL_I64(total), VXCL_MEM(NULL)};
    return run_gather(d, "vx_index_select", 11, args, total, n, "the size of the axis");
}

/* --- dispatch ---------------------------------------------------------------------------- */

typedef vx_status (*op_runner)(const vx_op_desc *d);

static op_runner runner_of(vx_op_id op)
{
    switch (op) {
    case VX_OP_ADD: case VX_OP_SUB: case VX_OP_MUL: case VX_OP_DIV:
        return run_binary;
    case VX_OP_SCALE: case VX_OP_ADD_SCALAR: case VX_OP_RELU: case VX_OP_LEAKY_RELU:
    case VX_OP_GELU: case VX_OP_TANH: case VX_OP_SIGMOID: case VX_OP_EXP: case VX_OP_LOG:
    case VX_OP_SOFTPLUS: case VX_OP_SQRT: case VX_OP_ABS: case VX_OP_SQUARE: case VX_OP_CLAMP:
    case VX_OP_CEIL:
        return run_unary;
    case VX_OP_SUM: case VX_OP_MEAN: return run_reduce;
    case VX_OP_CUMSUM: return run_cumsum;
    case VX_OP_SOFTMAX: return run_softmax;
    case VX_OP_LAYER_NORM: case VX_OP_LAYER_NORM_CHANNELS: return run_layer_norm;
    case VX_OP_MATMUL: return run_matmul;
    case VX_OP_LINEAR: return run_linear;
    case VX_OP_CONV1D: case VX_OP_CONV_TRANSPOSE1D: return run_conv;
    case VX_OP_EMBEDDING: return run_embedding;
    case VX_OP_INDEX_SELECT: return run_index_select;
    default: return NULL;
    }
}

/* Whether $VOXC_OPENCL_SKIP_OPS (comma-separated op names) lists `name`:
 * those ops go to the cpu fallback, to bisect a suspect kernel. */
static op_runner backward_runner_of(vx_op_id op)
{
    switch (op) {
    case VX_OP_MATMUL: return run_matmul_backward;
    case VX_OP_LINEAR: return run_linear_backward;
    case VX_OP_CONV1D: case VX_OP_CONV_TRANSPOSE1D: return run_conv_backward;
    default: return NULL;
    }
}

bool vxcl_op_supported(const vx_op_desc *d)
{
    return vx_op_device_ready("VOXC_OPENCL_SKIP_OPS", d) && (d->grad_of ? backward_runner_of(d->op) : runner_of(d->op));
}

vx_status vxcl_op_run(const vx_op_desc *d)
{
    op_runner run = d->grad_of ? backward_runner_of(d->op) : runner_of(d->op);
    if (!run)
        return vx_fail(VX_ERR_UNSUPPORTED, "opencl: no kernel for %s", vx_op_table[d->op].name);
    return run(d);
}
