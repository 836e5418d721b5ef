/* ops_cuda.c — op descriptors to CUDA kernel launches: the geometry of each
 * op family (broadcast strides, axis splits, GEMM operand strides, conv
 * sizes) computed on the host from a checked descriptor, the same geometry
 * hw/opencl/ops_opencl.c computes, handed to the launchers of the kernel
 * library (hw/cuda/cu_kernels.h).
 *
 * Compile-tested only: this project's machines have no GPU, so none of
 * these launches has run yet (see /work/notes/doc-cuda.md). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "hw/backends.h"
#include "hw/cuda/ops_cuda.h"

/* Device pointer to an operand's first element (NULL for an absent one). */
static const float *cin_of(const vx_operand *t)
{
    return t->buf ? (const float *)((const char *)t->buf->handle + t->offset) : NULL;
}
static float *out_of(const vx_operand *t) { return (float *)((char *)t->buf->handle + t->offset); }
static const int32_t *idx_of(const vx_operand *t)
{
    return (const int32_t *)((const char *)t->buf->handle + t->offset);
}

static const vxcu_kernels *K(void) { return vxcu()->k; }
static void *stream(void) { return vxcu()->stream; }

/* --- elementwise ------------------------------------------------------------------ */

static vx_status run_binary(const vx_op_desc *d)
{
    vxcu_binary_args a = {.a = cin_of(&d->in[0]), .b = cin_of(&d->in[1]), .y = out_of(&d->out),
                          .op = d->op == VX_OP_ADD ? VXCU_ADD : d->op == VX_OP_SUB ? VXCU_SUB
                              : d->op == VX_OP_MUL ? VXCU_MUL : VXCU_DIV,
                          .total = vx_operand_numel(&d->out)};
    int64_t sizes[4], out_strides[4];
    vx_operand_pad4(&d->out, a.n, out_strides);
    vx_operand_pad4(&d->in[0], sizes, a.sa);
    vx_operand_pad4(&d->in[1], sizes, a.sb);
    a.flat = vx_operand_numel(&d->in[0]) == a.total && vx_operand_numel(&d->in[1]) == a.total;
    return a.total ? vxcu_check(K()->binary(stream(), &a), "binary kernel launch") : VX_OK;
}

static int unary_code(vx_op_id op)
{
    switch (op) {
    case VX_OP_SCALE: return VXCU_SCALE;
    case VX_OP_ADD_SCALAR: return VXCU_ADD_SCALAR;
    case VX_OP_RELU: return VXCU_RELU;
    case VX_OP_LEAKY_RELU: return VXCU_LEAKY_RELU;
    case VX_OP_GELU: return VXCU_GELU;
    case VX_OP_TANH: return VXCU_TANH;
    case VX_OP_SIGMOID: return VXCU_SIGMOID;
    case VX_OP_EXP: return VXCU_EXP;
    case VX_OP_LOG: return VXCU_LOG;
    case VX_OP_SOFTPLUS: return VXCU_SOFTPLUS;
    case VX_OP_SQRT: return VXCU_SQRT;
    case VX_OP_ABS: return VXCU_ABS;
    case VX_OP_SQUARE: return VXCU_SQUARE;
    case VX_OP_CLAMP: return VXCU_CLAMP;
    case VX_OP_CEIL: return VXCU_CEIL;
    default: return -1;
    }
}

static vx_status run_unary(const vx_op_desc *d)
{
    vxcu_unary_args a = {.x = cin_of(&d->in[0]), .y = out_of(&d->out), .op = unary_code(d->op),
                         .p0 = d->farg[0], .p1 = d->farg[1], .total = vx_operand_numel(&d->out)};
    return a.total ? vxcu_check(K()->unary(stream(), &a), "unary kernel launch") : VX_OK;
}

/* --- along an axis ------------------------------------------------------------------ */

static vxcu_rows_args rows_of(const vx_op_desc *d, int axis)
{
    int64_t outer, n, inner;
    vx_operand_split(&d->in[0], axis, &outer, &n, &inner);
    return (vxcu_rows_args){.x = cin_of(&d->in[0]), .y = out_of(&d->out), .lines = outer * inner,
                            .n = n, .inner = inner};
}

static vx_status run_softmax(const vx_op_desc *d)
{
    vxcu_rows_args a = rows_of(d, vx_axis_of(d->iarg[0], d->in[0].ndim));
    if (a.lines == 0 || a.n == 0)
        return VX_OK;
    return vxcu_check(K()->softmax(stream(), &a), "softmax kernel launch");
}

static vx_status run_cumsum(const vx_op_desc *d)
{
    vxcu_rows_args a = rows_of(d, vx_axis_of(d->iarg[0], d->in[0].ndim));
    if (a.lines == 0 || a.n == 0)
        return VX_OK;
    return vxcu_check(K()->cumsum(stream(), &a), "cumsum kernel launch");
}

static vx_status run_layer_norm(const vx_op_desc *d)
{
    vxcu_rows_args a = rows_of(d, d->op == VX_OP_LAYER_NORM ? d->in[0].ndim - 1 : 1);
    if (a.lines == 0)
        return VX_OK;
    a.gamma = cin_of(&d->in[1]);
    a.beta = cin_of(&d->in[2]);
    a.eps = d->farg[0];
    return vxcu_check(K()->layer_norm(stream(), &a), "layer_norm kernel launch");
}

static vx_status run_reduce(const vx_op_desc *d)
{
    const vx_operand *x = &d->in[0];
    vxcu_reduce_args a = {.x = cin_of(x), .y = out_of(&d->out), .n_out = vx_operand_numel(&d->out),
                          .count = 1, .mean = d->op == VX_OP_MEAN};
    bool reduced[VX_MAX_DIMS] = {false};
    for (int k = 0; k < x->ndim; k++)
        reduced[k] = d->iarg[0] == 0;
    for (int k = 0; k < d->iarg[0]; k++)
        reduced[vx_axis_of(d->iarg[1 + k], x->ndim)] = true;
    int64_t n[4], unused[4], stride = 1;
    vx_operand_pad4(x, n, unused);
    for (int i = 3; i >= 0; i--) { /* plain contiguous strides (size-1 dims never step) */
        a.xs[i] = stride;
        stride *= n[i];
    }
    for (int i = 0; i < 4; i++) {
        int k = x->ndim - 4 + i;
        bool red = k >= 0 && reduced[k];
        a.kn[i] = red ? 1 : n[i];
        a.rn[i] = red ? n[i] : 1;
        a.count *= a.rn[i];
    }
    return a.n_out ? vxcu_check(K()->reduce(stream(), &a), "reduce kernel launch") : VX_OK;
}

/* --- GEMM ---------------------------------------------------------------------------- */

static vx_status run_gemm(vxcu_gemm_args *g)
{
    if (g->M * g->N * g->n0 * g->n1 == 0)
        return VX_OK;
    return vxcu_check(K()->gemm(stream(), g), "gemm kernel launch");
}

/* The two leading (batch) dims of a rank-4-padded operand: sizes and strides
 * (0 where the operand has size 1, so it broadcasts). */
static void batch_dims(const vx_operand *t, int64_t *n0, int64_t *n1, int64_t *s0, int64_t *s1)
{
    int64_t n[4], s[4];
    vx_operand_pad4(t, n, s);
    *n0 = n[0];
    *n1 = n[1];
    *s0 = s[0];
    *s1 = s[1];
}

static vx_status run_matmul(const vx_op_desc *d)
{
    const vx_operand *a = &d->in[0], *b = &d->in[1], *y = &d->out;
    vxcu_gemm_args g = {.a = cin_of(a), .b = cin_of(b), .c = out_of(y), .M = y->shape[y->ndim - 2],
                        .N = y->shape[y->ndim - 1], .K = a->shape[a->ndim - 1]};
    int64_t u0, u1;
    batch_dims(y, &g.n0, &g.n1, &u0, &u1);
    batch_dims(a, &u0, &u1, &g.sa0, &g.sa1);
    batch_dims(b, &u0, &u1, &g.sb0, &g.sb1);
    g.a_m = g.K;
    g.a_k = 1;
    g.b_k = g.N;
    g.b_n = 1;
    return run_gemm(&g);
}

/* a [..., M, K], b [..., K, N], dy [..., M, N], one GEMM per output batch
 * (in stream order, so batches sharing a broadcast operand add up):
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
    for (int64_t i0 = 0; i0 < n0; i0++)
        for (int64_t i1 = 0; i1 < n1; i1++) {
            int64_t oa = i0 * sa0 + i1 * sa1, ob = i0 * sb0 + i1 * sb1, oy = (i0 * n1 + i1) * M * N;
            const float *dyb = cin_of(dy) + oy, *ab = cin_of(a) + oa, *bb = cin_of(b) + ob;
            float *gb = out_of(&d->out) + (grad_a ? oa : ob);
            vxcu_gemm_args g = grad_a
                ? (vxcu_gemm_args){.a = dyb, .b = bb, .c = gb, .M = M, .N = K, .K = N, .n0 = 1, .n1 = 1,
                                   .a_m = N, .a_k = 1, .b_k = 1, .b_n = N, .accumulate = 1}
                : (vxcu_gemm_args){.a = ab, .b = dyb, .c = gb, .M = K, .N = N, .K = M, .n0 = 1, .n1 = 1,
                                   .a_m = 1, .a_k = K, .b_k = N, .b_n = 1, .accumulate = 1};
            vx_status st = run_gemm(&g);
            if (st)
                return st;
        }
    return VX_OK;
}

/* Bias gradient: db[c] += Σ dy over every axis but c's (dy [outer, C, inner]). */
static vx_status run_bias_grad(const vx_operand *dy, const vx_operand *db, int64_t outer, int64_t inner)
{
    vxcu_bias_grad_args a = {.dy = cin_of(dy), .db = out_of(db), .outer = outer, .C = db->shape[0],
                             .inner = inner};
    return a.C ? vxcu_check(K()->bias_grad(stream(), &a), "bias gradient kernel launch") : VX_OK;
}

static vx_status run_linear(const vx_op_desc *d)
{
    const vx_operand *x = &d->in[0], *w = &d->in[1], *y = &d->out;
    int64_t in = w->shape[1], out = w->shape[0];
    vxcu_gemm_args g = {.a = cin_of(x), .b = cin_of(w), .bias = cin_of(&d->in[2]), .c = out_of(y),
                        .M = in ? vx_operand_numel(x) / in : vx_operand_numel(y) / (out ? out : 1),
                        .N = out, .K = in, .n0 = 1, .n1 = 1, .a_m = in, .a_k = 1, .b_k = 1, .b_n = in};
    return run_gemm(&g);
}

/* x [R, In], w [Out, In], dy [R, Out]:
 *   dx += dy·w,  dw += dyᵀ·x,  dbias[o] += Σ_r dy[r, o] */
static vx_status run_linear_backward(const vx_op_desc *d)
{
    const vx_operand *x = &d->in[0], *w = &d->in[1], *dy = &d->in[3], *g = &d->out;
    int64_t in = w->shape[1], out = w->shape[0];
    int64_t R = out ? vx_operand_numel(dy) / out : (in ? vx_operand_numel(x) / in : 0);
    vxcu_gemm_args a;
    switch (d->grad_of) {
    case 1:
        a = (vxcu_gemm_args){.a = cin_of(dy), .b = cin_of(w), .c = out_of(g), .M = R, .N = in,
                             .K = out, .n0 = 1, .n1 = 1, .a_m = out, .a_k = 1, .b_k = in, .b_n = 1,
                             .accumulate = 1};
        return run_gemm(&a);
    case 2:
        a = (vxcu_gemm_args){.a = cin_of(dy), .b = cin_of(x), .c = out_of(g), .M = out, .N = in,
                             .K = R, .n0 = 1, .n1 = 1, .a_m = 1, .a_k = out, .b_k = in, .b_n = 1,
                             .accumulate = 1};
        return run_gemm(&a);
    default:
        return run_bias_grad(dy, g, R, 1);
    }
}

/* --- convolutions --------------------------------------------------------------------- */

/* The forward geometry of a conv descriptor with output (or dL/dy) y. */
static vxcu_conv_args conv_geometry(const vx_op_desc *d, const vx_operand *y)
{
    const vx_operand *x = &d->in[0], *w = &d->in[1];
    bool transposed = d->op == VX_OP_CONV_TRANSPOSE1D;
    return (vxcu_conv_args){.x = cin_of(x), .w = cin_of(w), .B = x->shape[0], .Cin = x->shape[1],
                            .T = x->shape[2], .Cout = y->shape[1], .Tout = y->shape[2],
                            .K = w->shape[2], .stride = d->iarg[0], .pad = d->iarg[1],
                            .dil = transposed ? d->iarg[4] : d->iarg[2], .groups = d->iarg[3],
                            .transposed = transposed};
}

static vx_status launch_conv(const vxcu_conv_args *c)
{
    if (c->B * c->Cout * c->Tout == 0)
        return VX_OK;
    return vxcu_check(K()->conv(stream(), c), c->transposed ? "conv_transpose1d kernel launch"
                                                            : "conv1d kernel launch");
}

static vx_status run_conv(const vx_op_desc *d)
{
    vxcu_conv_args c = conv_geometry(d, &d->out);
    c.bias = cin_of(&d->in[2]);
    c.y = out_of(&d->out);
    return launch_conv(&c);
}

/* Backward of conv1d and conv_transpose1d: each op's input gradient is the
 * other op's forward on dy with the same weights, stride, padding, dilation
 * and groups (ref: the adjoint pairs in core/ops/conv.c), accumulated;
 * weight and bias gradients have their own kernels. */
static vx_status run_conv_backward(const vx_op_desc *d)
{
    const vx_operand *dy = &d->in[3], *g = &d->out;
    vxcu_conv_args f = conv_geometry(d, dy);
    if (d->grad_of == 3)
        return run_bias_grad(dy, g, f.B, f.Tout);
    if (d->grad_of == 1) {
        vxcu_conv_args c = f;
        c.x = cin_of(dy);
        c.y = out_of(g);
        c.Cin = f.Cout;
        c.T = f.Tout;
        c.Cout = f.Cin;
        c.Tout = f.T;
        c.transposed = !f.transposed;
        c.accumulate = 1;
        return launch_conv(&c);
    }
    /* dw: P is the operand indexed by w's first dim (conv: dy, transposed: x) */
    vxcu_conv_grad_w_args a = {.p = f.transposed ? f.x : cin_of(dy), .q = f.transposed ? cin_of(dy) : f.x,
                               .dw = out_of(g), .B = f.B,
                               .P_ch = f.transposed ? f.Cin : f.Cout, .P_len = f.transposed ? f.T : f.Tout,
                               .Q_ch = f.transposed ? f.Cout : f.Cin, .Q_len = f.transposed ? f.Tout : f.T,
                               .K = f.K, .stride = f.stride, .pad = f.pad, .dil = f.dil, .groups = f.groups};
    if (vx_operand_numel(g) == 0)
        return VX_OK;
    return vxcu_check(K()->conv_grad_w(stream(), &a), "conv weight gradient kernel launch");
}

/* --- gathers --------------------------------------------------------------------------- */

/* Runs the gather with the bad-index flag reset, then reports the first
 * index outside [0, n) like the reference op does. */
static vx_status run_gather(const vx_op_desc *d, vxcu_gather_args *a, const char *what)
{
    vxcu_runtime *rt = vxcu();
    int32_t bad = INT_MAX;
    vxcu_error err;
    if (a->outer * a->m * a->inner == 0)
        return VX_OK;
    a->bad = rt->bad_index;
    if ((err = rt->cu.MemcpyAsync(rt->bad_index, &bad, sizeof bad, VXCU_MEMCPY_HOST_TO_DEVICE, rt->stream)))
        return vxcu_fail("cudaMemcpyAsync", err);
    if ((err = K()->gather(rt->stream, a)))
        return vxcu_fail("gather kernel launch", err);
    if ((err = rt->cu.MemcpyAsync(&bad, rt->bad_index, sizeof bad, VXCU_MEMCPY_DEVICE_TO_HOST, rt->stream)) ||
        (err = rt->cu.StreamSynchronize(rt->stream)))
        return vxcu_fail("reading the gather's index check", err);
    if (bad == INT_MAX)
        return VX_OK;
    int32_t value = 0;
    if ((err = rt->cu.MemcpyAsync(&value, a->idx + bad, sizeof value, VXCU_MEMCPY_DEVICE_TO_HOST, rt->stream)) ||
        (err = rt->cu.StreamSynchronize(rt->stream)))
        return vxcu_fail("reading a bad index", err);
    return vx_fail(VX_ERR_ARG, "%s: index %d (position %d) is outside [0, %lld), %s",
                   vx_op_table[d->op].name, (int)value, (int)bad, (long long)a->n, what);
}

static vx_status run_embedding(const vx_op_desc *d)
{
    const vx_operand *w = &d->in[0], *idx = &d->in[1];
    vxcu_gather_args a = {.x = cin_of(w), .idx = idx_of(idx),
                          .y = out_of(&d->out), .outer = 1, .n = w->shape[0],
                          .m = vx_operand_numel(idx), .inner = w->shape[1]};
    return run_gather(d, &a, "the table has V rows");
}

static vx_status run_index_select(const vx_op_desc *d)
{
    const vx_operand *x = &d->in[0], *idx = &d->in[1];
    vxcu_gather_args a = {.x = cin_of(x), .idx = idx_of(idx),
                          .y = out_of(&d->out), .m = idx->shape[0]};
    vx_operand_split(x, vx_axis_of(d->iarg[0], x->ndim), &a.outer, &a.n, &a.inner);
    return run_gather(d, &a, "the size of the axis");
}

/* --- dispatch ---------------------------------------------------------------------------- */

typedef vx_status (*op_runner)(const vx_op_desc *d);

static op_runner runner_of(vx_op_id op)
{
    switch (op) {
    case VX_OP_ADD: case VX_OP_SUB: case VX_OP_MUL: case VX_OP_DIV:
        return run_binary;
    case VX_OP_SUM: case VX_OP_MEAN: return run_reduce;
    case VX_OP_CUMSUM: return run_cumsum;
    case VX_OP_SOFTMAX: return run_softmax;
    case VX_OP_LAYER_NORM: case VX_OP_LAYER_NORM_CHANNELS: return run_layer_norm;
    case VX_OP_MATMUL: return run_matmul;
    case VX_OP_LINEAR: return run_linear;
    case VX_OP_CONV1D: case VX_OP_CONV_TRANSPOSE1D: return run_conv;
    case VX_OP_EMBEDDING: return run_embedding;
    case VX_OP_INDEX_SELECT: return run_index_select;
    default: return unary_code(op) >= 0 ? run_unary : NULL;
    }
}

static op_runner backward_runner_of(vx_op_id op)
{
    switch (op) {
    case VX_OP_MATMUL: return run_matmul_backward;
    case VX_OP_LINEAR: return run_linear_backward;
    case VX_OP_CONV1D: case VX_OP_CONV_TRANSPOSE1D: return run_conv_backward;
    default: return NULL;
    }
}

/* Whether $VOXC_CUDA_SKIP_OPS (comma-separated op names) lists `name`:
 * those ops go to the cpu fallback, to bisect a suspect kernel. */
bool vxcu_op_supported(const vx_op_desc *d)
{
    return vx_op_device_ready("VOXC_CUDA_SKIP_OPS", d) && (d->grad_of ? backward_runner_of(d->op) : runner_of(d->op));
}

vx_status vxcu_op_run(const vx_op_desc *d)
{
    op_runner run = d->grad_of ? backward_runner_of(d->op) : runner_of(d->op);
    if (!run)
        return vx_fail(VX_ERR_UNSUPPORTED, "cuda: no kernel for %s", vx_op_table[d->op].name);
    return run(d);
}
