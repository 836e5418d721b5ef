/* matmul.c — batched matrix product and the dense (linear) layer.
 *
 * Scalar reference forward and backward side by side, in loop orders that
 * walk the innermost dimension contiguously. matmul reads its operands
 * through their strides (so transposed and expanded views cost no copy) and
 * broadcasts batch dims through stride 0; linear makes its operands
 * contiguous and treats x as rows of length In. */
#include "op_util.h"

#include "../kernels/gemm.h"

/* --- matmul: a [..., M, K] @ b [..., K, N] -> [..., M, N] ------------------- */

/* Each operand is walked as a 4-D shape4: dims 0 and 1 are (padded) batch
 * dims, whose stride is 0 where the operand has size 1 (broadcast), and dims
 * 2 and 3 are its matrix rows and columns. Loops run over the output's batch
 * dims, so a broadcast operand is reused and its gradient summed. */

/* Backward, per batch:
 *   dA[i, k] += Σ_j dY[i, j] · B[k, j]      (dA = dY · Bᵀ)
 *   dB[k, j] += Σ_i A[i, k] · dY[i, j]      (dB = Aᵀ · dY)
 * Gradient buffers are contiguous with the operand's shape; their size-1
 * batch dims have stride 0, so += sums over the broadcast batch dims. */
/* How a strided [rows, cols] matrix maps onto the GEMM's row-major operand:
 * unit column stride (plain, ld = row stride) or unit row stride (stored
 * transposed, ld = column stride). False when neither stride is unit. */
static bool gemm_operand(int64_t rows, int64_t cols, int64_t s_rows, int64_t s_cols, bool *trans,
                         int64_t *ld)
{
    if (cols == 1 || s_cols == 1) {
        *trans = false;
        *ld = rows == 1 ? (cols > 1 ? cols : 1) : s_rows;
        return *ld >= cols || rows == 1;
    }
    if (rows == 1 || s_rows == 1) {
        *trans = true;
        *ld = s_cols;
        return *ld >= rows;
    }
    return false;
}

static vx_status matmul_backward(vx_ctx *ctx, vx_node *node)
{
    float *g[2];
    vx_status st = vx_input_grads(ctx, node, g);
    if (st != VX_OK)
        return st;
    vx_tensor *a = node->in[0], *b = node->in[1], *out = node->out;
    vx_tensor gah = vx_grad_header(a, g[0]), gbh = vx_grad_header(b, g[1]);
    shape4 o = shape4_of(out), sa = shape4_of(a), sb = shape4_of(b);
    shape4 sga = shape4_of(&gah), sgb = shape4_of(&gbh);
    int64_t M = o.n[2], N = o.n[3], K = sa.n[3];
    bool ta, tb;
    int64_t lda, ldb;
    bool fast = !vx_reference(ctx) && gemm_operand(M, K, sa.s[2], sa.s[3], &ta, &lda) &&
                gemm_operand(K, N, sb.s[2], sb.s[3], &tb, &ldb);
    const float *pa = a->data, *pb = b->data, *gy = out->grad->data;
    for (int64_t b0 = 0; b0 < o.n[0]; b0++)
        for (int64_t b1 = 0; b1 < o.n[1]; b1++) {
            const float *A = pa + shape4_offset(&sa, b0, b1, 0, 0);
            const float *B = pb + shape4_offset(&sb, b0, b1, 0, 0);
            const float *dY = gy + (b0 * o.n[1] + b1) * M * N; /* [M, N] */
            float *dA = g[0] ? g[0] + shape4_offset(&sga, b0, b1, 0, 0) : NULL; /* [M, K] */
            float *dB = g[1] ? g[1] + shape4_offset(&sgb, b0, b1, 0, 0) : NULL; /* [K, N] */
            if (fast) {
                if (dA) /* dA += dY · Bᵀ */
                    vx_sgemm(false, !tb, M, K, N, 1.0f, dY, N, B, ldb, 1.0f, dA, K);
                if (dB) /* dB += Aᵀ · dY */
                    vx_sgemm(!ta, false, K, N, M, 1.0f, A, lda, dY, N, 1.0f, dB, N);
                continue;
            }
            if (dA)
                for (int64_t i = 0; i < M; i++)
                    for (int64_t k = 0; k < K; k++) {
                        float acc = 0;
                        for (int64_t j = 0; j < N; j++)
                            acc += dY[i * N + j] * B[k * sb.s[2] + j * sb.s[3]];
                        dA[i * sga.s[2] + k * sga.s[3]] += acc;
                    }
            if (dB)
                for (int64_t i = 0; i < M; i++)
                    for (int64_t k = 0; k < K; k++) {
                        float aik = A[i * sa.s[2] + k * sa.s[3]];
                        for (int64_t j = 0; j < N; j++)
                            dB[k * sgb.s[2] + j * sgb.s[3]] += aik * dY[i * N + j];
                    }
        }
    return VX_OK;
}

vx_tensor *vx_matmul(vx_ctx *ctx, vx_tensor *a, vx_tensor *b)
{
    VX_RETURN_IF_NULL(a);
    VX_RETURN_IF_NULL(b);
    if (vx_require_f32("matmul", "a", a) || vx_require_f32("matmul", "b", b))
        return NULL;
    char sa_str[64], sb_str[64];
    if (a->ndim < 2 || b->ndim < 2)
        return vx_fail_null(VX_ERR_ARG,
                            "matmul: a %s and b %s must both have at least 2 dims "
                            "(reshape a vector to [1, K] or [K, 1])",
                            vx_shape_str(a, sa_str, 64), vx_shape_str(b, sb_str, 64));
    int64_t M = a->shape[a->ndim - 2], K = a->shape[a->ndim - 1];
    int64_t N = b->shape[b->ndim - 1];
    if (b->shape[b->ndim - 2] != K)
        return vx_fail_null(VX_ERR_ARG,
                            "matmul: inner dims differ: a %s has K = %lld columns but b %s has "
                            "%lld rows",
                            vx_shape_str(a, sa_str, 64), (long long)K,
                            vx_shape_str(b, sb_str, 64), (long long)b->shape[b->ndim - 2]);
    /* batch dims: right-aligned, numpy broadcasting */
    int nd = a->ndim > b->ndim ? a->ndim : b->ndim;
    int64_t shape[VX_MAX_DIMS];
    for (int i = 0; i < nd - 2; i++) {
        int ia = i - (nd - a->ndim), ib = i - (nd - b->ndim);
        int64_t da = ia >= 0 ? a->shape[ia] : 1, db = ib >= 0 ? b->shape[ib] : 1;
        if (da != db && da != 1 && db != 1)
            return vx_fail_null(VX_ERR_ARG,
                                "matmul: batch dims of a %s and b %s do not broadcast "
                                "(batch dim %d: %lld vs %lld)",
                                vx_shape_str(a, sa_str, 64), vx_shape_str(b, sb_str, 64), i,
                                (long long)da, (long long)db);
        shape[i] = da == 1 ? db : da;
    }
    shape[nd - 2] = M;
    shape[nd - 1] = N;
    vx_tensor *out = vx_new(ctx, VX_F32, nd, shape);
    VX_RETURN_IF_NULL(out);

    /* forward, per batch: Y[i, j] = Σ_k A[i, k] · B[k, j] */
    shape4 o = shape4_of(out), sa = shape4_of(a), sb = shape4_of(b);
    bool ta, tb;
    int64_t lda, ldb;
    bool fast = !vx_reference(ctx) && gemm_operand(M, K, sa.s[2], sa.s[3], &ta, &lda) &&
                gemm_operand(K, N, sb.s[2], sb.s[3], &tb, &ldb);
    const float *pa = a->data, *pb = b->data;
    float *py = out->data;
    for (int64_t b0 = 0; b0 < o.n[0]; b0++)
        for (int64_t b1 = 0; b1 < o.n[1]; b1++) {
            const float *A = pa + shape4_offset(&sa, b0, b1, 0, 0);
            const float *B = pb + shape4_offset(&sb, b0, b1, 0, 0);
            float *Y = py + (b0 * o.n[1] + b1) * M * N; /* [M, N] */
            if (fast) {
                vx_sgemm(ta, tb, M, N, K, 1.0f, A, lda, B, ldb, 0.0f, Y, N);
                continue;
            }
            for (int64_t i = 0; i < M; i++)
                for (int64_t k = 0; k < K; k++) {
                    float aik = A[i * sa.s[2] + k * sa.s[3]];
                    for (int64_t j = 0; j < N; j++)
                        Y[i * N + j] += aik * B[k * sb.s[2] + j * sb.s[3]];
                }
        }

    vx_tensor *in[2] = {a, b};
    if (vx_needs_grad(ctx, 2, in))
        VX_RETURN_IF_NULL(vx_record(ctx, VX_OP_MATMUL, out, 2, in, matmul_backward));
    return out;
}

/* --- linear: x [..., In] · wᵀ + bias -> [..., Out] -------------------------- */

/* Rows of x: the product of every dim but the last. */
static int64_t linear_rows(const vx_tensor *x)
{
    int64_t rows = 1;
    for (int i = 0; i < x->ndim - 1; i++)
        rows *= x->shape[i];
    return rows;
}

/* x is R rows of In features; w [Out, In]; bias [Out].
 * Backward:
 *   dx[r, i] += Σ_o dy[r, o] · w[o, i]
 *   dw[o, i] += Σ_r dy[r, o] · x[r, i]
 *   dbias[o] += Σ_r dy[r, o] */
static vx_status linear_backward(vx_ctx *ctx, vx_node *node)
{
    float *g[3];
    vx_status st = vx_input_grads(ctx, node, g);
    if (st != VX_OK)
        return st;
    vx_tensor *x = node->in[0], *w = node->in[1];
    int64_t Out = w->shape[0], In = w->shape[1];
    int64_t R = linear_rows(x);
    const float *px = x->data, *pw = w->data, *gy = node->out->grad->data;
    float *dx = g[0], *dw = g[1], *db = g[2];
    if (!vx_reference(ctx)) {
        if (dx) /* dx [R, In] += dy [R, Out] · w [Out, In] */
            vx_sgemm(false, false, R, In, Out, 1.0f, gy, Out, pw, In, 1.0f, dx, In);
        if (dw) /* dw [Out, In] += dyᵀ · x */
            vx_sgemm(true, false, Out, In, R, 1.0f, gy, Out, px, In, 1.0f, dw, In);
        for (int64_t r = 0; db && r < R; r++)
            for (int64_t o = 0; o < Out; o++)
                db[o] += gy[r * Out + o];
        return VX_OK;
    }
    for (int64_t r = 0; r < R; r++)
        for (int64_t o = 0; o < Out; o++) {
            float gro = gy[r * Out + o];
            if (dx)
                for (int64_t i = 0; i < In; i++)
                    dx[r * In + i] += gro * pw[o * In + i];
            if (dw)
                for (int64_t i = 0; i < In; i++)
                    dw[o * In + i] += gro * px[r * In + i];
            if (db)
                db[o] += gro;
        }
    return VX_OK;
}

vx_tensor *vx_linear(vx_ctx *ctx, vx_tensor *x, vx_tensor *w, vx_tensor *bias)
{
    VX_RETURN_IF_NULL(x);
    VX_RETURN_IF_NULL(w);
    if (vx_require_f32("linear", "x", x) || vx_require_f32("linear", "w", w) ||
        (bias && vx_require_f32("linear", "bias", bias)))
        return NULL;
    char sx[64], sw[64], sbias[64];
    if (w->ndim != 2)
        return vx_fail_null(VX_ERR_ARG, "linear: w must be [Out, In], got %s",
                            vx_shape_str(w, sw, 64));
    int64_t Out = w->shape[0], In = w->shape[1];
    if (x->ndim < 1 || x->shape[x->ndim - 1] != In)
        return vx_fail_null(VX_ERR_ARG,
                            "linear: x %s must end in In = %lld features to match w %s",
                            vx_shape_str(x, sx, 64), (long long)In, vx_shape_str(w, sw, 64));
    if (bias && (bias->ndim != 1 || bias->shape[0] != Out))
        return vx_fail_null(VX_ERR_ARG, "linear: bias must be [Out] = [%lld], got %s",
                            (long long)Out, vx_shape_str(bias, sbias, 64));
    x = vx_contiguous(ctx, x);
    w = vx_contiguous(ctx, w);
    VX_RETURN_IF_NULL(x);
    VX_RETURN_IF_NULL(w);
    if (bias) {
        bias = vx_contiguous(ctx, bias);
        VX_RETURN_IF_NULL(bias);
    }
    int64_t shape[VX_MAX_DIMS];
    memcpy(shape, x->shape, sizeof shape);
    shape[x->ndim - 1] = Out;
    vx_tensor *out = vx_new(ctx, VX_F32, x->ndim, shape);
    VX_RETURN_IF_NULL(out);

    /* forward: y[r, o] = bias[o] + Σ_i x[r, i] · w[o, i] */
    int64_t R = linear_rows(x);
    const float *px = x->data, *pw = w->data, *pb = bias ? bias->data : NULL;
    float *py = out->data;
    if (!vx_reference(ctx)) { /* y [R, Out] = bias + x [R, In] · wᵀ */
        for (int64_t r = 0; r < R; r++)
            for (int64_t o = 0; o < Out; o++)
                py[r * Out + o] = pb ? pb[o] : 0.0f;
        vx_sgemm(false, true, R, Out, In, 1.0f, px, In, pw, In, 1.0f, py, Out);
    }
    for (int64_t r = 0; vx_reference(ctx) && r < R; r++)
        for (int64_t o = 0; o < Out; o++) {
            float acc = pb ? pb[o] : 0.0f;
            for (int64_t i = 0; i < In; i++)
                acc += px[r * In + i] * pw[o * In + i];
            py[r * Out + o] = acc;
        }

    vx_tensor *in[3] = {x, w, bias};
    if (vx_needs_grad(ctx, 3, in))
        VX_RETURN_IF_NULL(vx_record(ctx, VX_OP_LINEAR, out, 3, in, linear_backward));
    return out;
}
