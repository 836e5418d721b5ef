/* conv.c — 1-D convolution and 1-D transposed convolution, PyTorch semantics.
 *
 * Scalar reference forward and backward side by side. Both ops make x, w and
 * bias contiguous, then walk (batch, output channel, input channel of its
 * group, tap) with the time loop innermost. Zero padding is implicit: a tap
 * that lands outside the signal contributes nothing.
 *
 * ref: PyTorch docs, torch.nn.Conv1d and torch.nn.ConvTranspose1d (output
 * length formulas, weight layouts, groups, output_padding rule). */
#include "conv_gemm.h"

static conv_geom geom_of(const vx_tensor *x, const vx_tensor *w, int64_t Cout, int64_t Tout,
                         const int64_t *iarg)
{
    conv_geom g = {
        .B = x->shape[0], .Cin = x->shape[1], .T = x->shape[2],
        .Cout = Cout, .Tout = Tout, .K = w->shape[2],
        .stride = iarg[0], .pad = iarg[1], .dilation = iarg[2], .groups = iarg[3],
    };
    g.cin_g = g.Cin / g.groups;
    g.cout_g = g.Cout / g.groups;
    return g;
}

/* dbias[co] += Σ_b Σ_t dy[b, co, t] — the same for both ops. */
static void bias_backward(float *db, const float *gy, const conv_geom *g)
{
    for (int64_t b = 0; b < g->B; b++)
        for (int64_t co = 0; co < g->Cout; co++)
            for (int64_t t = 0; t < g->Tout; t++)
                db[co] += gy[(b * g->Cout + co) * g->Tout + t];
}

/* Checks shared by both ops: dtypes, ranks, hyperparameter ranges, bias shape. */
static vx_status check_common(const char *op, const vx_tensor *x, const vx_tensor *w,
                              const vx_tensor *bias, int stride, int pad, int dilation,
                              int groups)
{
    char sx[64], sw[64];
    if (vx_require_f32(op, "x", x) || vx_require_f32(op, "w", w) ||
        (bias && vx_require_f32(op, "bias", bias)))
        return vx_last_status();
    if (x->ndim != 3)
        return vx_fail(VX_ERR_ARG, "%s: x must be [B, Cin, T], got %s (add a batch dim with reshape)",
                       op, vx_shape_str(x, sx, 64));
    if (w->ndim != 3)
        return vx_fail(VX_ERR_ARG, "%s: w must be 3-D, got %s", op, vx_shape_str(w, sw, 64));
    if (stride < 1 || dilation < 1)
        return vx_fail(VX_ERR_ARG, "%s: stride (%d) and dilation (%d) must be at least 1", op,
                       stride, dilation);
    if (pad < 0)
        return vx_fail(VX_ERR_ARG, "%s: padding must be non-negative, got %d", op, pad);
    if (groups < 1)
        return vx_fail(VX_ERR_ARG, "%s: groups must be at least 1, got %d", op, groups);
    if (x->shape[1] % groups)
        return vx_fail(VX_ERR_ARG, "%s: input channels (%lld, x %s) are not divisible by groups (%d)",
                       op, (long long)x->shape[1], vx_shape_str(x, sx, 64), groups);
    if (w->shape[2] < 1)
        return vx_fail(VX_ERR_ARG, "%s: kernel size must be at least 1, w is %s", op,
                       vx_shape_str(w, sw, 64));
    return VX_OK;
}

static vx_status check_bias(const char *op, const vx_tensor *bias, int64_t Cout)
{
    char sb[64];
    if (bias && (bias->ndim != 1 || bias->shape[0] != Cout))
        return vx_fail(VX_ERR_ARG, "%s: bias must be [Cout] = [%lld], got %s", op,
                       (long long)Cout, vx_shape_str(bias, sb, 64));
    return VX_OK;
}

/* Contiguous x, w, bias (bias stays NULL when absent); false on failure. */
static bool make_contiguous(vx_ctx *ctx, vx_tensor **x, vx_tensor **w, vx_tensor **bias)
{
    *x = vx_contiguous(ctx, *x);
    *w = vx_contiguous(ctx, *w);
    if (*bias && !(*bias = vx_contiguous(ctx, *bias)))
        return false;
    return *x && *w;
}

/* --- conv1d: x [B, Cin, T], w [Cout, Cin/groups, K] -> [B, Cout, Tout] ------- */

/* Output channel co belongs to group gi = co / cout_g and sees input channels
 * gi·cin_g .. gi·cin_g + cin_g − 1. With ti = t·stride − pad + k·dilation:
 *   y[b, co, t] = bias[co] + Σ_c Σ_k w[co, c, k] · x[b, gi·cin_g + c, ti]
 * Backward, over the same (b, co, c, k, t) with ti inside [0, T):
 *   dx[b, gi·cin_g + c, ti] += dy[b, co, t] · w[co, c, k]
 *   dw[co, c, k]            += dy[b, co, t] · x[b, gi·cin_g + c, ti]
 *   dbias[co]               += dy[b, co, t] */
static void conv1d_forward_ref(const conv_geom *g, const float *px, const float *pw, float *py)
{
    conv_geom G = *g;
    for (int64_t b = 0; b < G.B; b++)
        for (int64_t co = 0; co < G.Cout; co++) {
            int64_t gi = co / G.cout_g;
            float *yr = py + (b * G.Cout + co) * G.Tout;                  /* [Tout] */
            for (int64_t c = 0; c < G.cin_g; c++) {
                const float *xr = px + (b * G.Cin + gi * G.cin_g + c) * G.T; /* [T] */
                const float *wr = pw + (co * G.cin_g + c) * G.K;             /* [K] */
                for (int64_t k = 0; k < G.K; k++) {
                    int64_t shift = k * G.dilation - G.pad;
                    for (int64_t t = 0; t < G.Tout; t++) {
                        int64_t ti = t * G.stride + shift;
                        if (ti >= 0 && ti < G.T)
                            yr[t] += wr[k] * xr[ti];
                    }
                }
            }
        }
}

static void conv1d_backward_ref(const conv_geom *g, const float *px, const float *pw,
                                const float *gy, float *dx, float *dw)
{
    conv_geom G = *g;
    for (int64_t b = 0; b < G.B; b++)
        for (int64_t co = 0; co < G.Cout; co++) {
            int64_t gi = co / G.cout_g;
            const float *dyr = gy + (b * G.Cout + co) * G.Tout;          /* [Tout] */
            for (int64_t c = 0; c < G.cin_g; c++) {
                int64_t xo = (b * G.Cin + gi * G.cin_g + c) * G.T;        /* x row  */
                int64_t wo = (co * G.cin_g + c) * G.K;                    /* w taps */
                for (int64_t k = 0; k < G.K; k++) {
                    int64_t shift = k * G.dilation - G.pad;
                    for (int64_t t = 0; t < G.Tout; t++) {
                        int64_t ti = t * G.stride + shift;
                        if (ti < 0 || ti >= G.T)
                            continue;
                        if (dx)
                            dx[xo + ti] += dyr[t] * pw[wo + k];
                        if (dw)
                            dw[wo + k] += dyr[t] * px[xo + ti];
                    }
                }
            }
        }
}

/* --- conv_transpose1d: x [B, Cin, T], w [Cin, Cout/groups, K] -> [B, Cout, Tout] */

/* The adjoint of conv1d: input channel ci belongs to group gi = ci / cin_g and
 * scatters into output channels gi·cout_g + c. With to = t·stride − pad + k·dilation:
 *   y[b, gi·cout_g + c, to] += x[b, ci, t] · w[ci, c, k]   (plus bias[co])
 * Backward, over the same (b, ci, c, k, t) with to inside [0, Tout):
 *   dx[b, ci, t]  += dy[b, gi·cout_g + c, to] · w[ci, c, k]
 *   dw[ci, c, k]  += dy[b, gi·cout_g + c, to] · x[b, ci, t]
 *   dbias[co]     += dy[b, co, to] */
static void conv_transpose1d_forward_ref(const conv_geom *g, const float *px, const float *pw,
                                         float *py)
{
    conv_geom G = *g;
    for (int64_t b = 0; b < G.B; b++)
        for (int64_t ci = 0; ci < G.Cin; ci++) {
            int64_t gi = ci / G.cin_g;
            const float *xr = px + (b * G.Cin + ci) * G.T;                   /* [T] */
            for (int64_t c = 0; c < G.cout_g; c++) {
                float *yr = py + (b * G.Cout + gi * G.cout_g + c) * G.Tout;  /* [Tout] */
                const float *wr = pw + (ci * G.cout_g + c) * G.K;            /* [K] */
                for (int64_t k = 0; k < G.K; k++) {
                    int64_t shift = k * G.dilation - G.pad;
                    for (int64_t t = 0; t < G.T; t++) {
                        int64_t to = t * G.stride + shift;
                        if (to >= 0 && to < G.Tout)
                            yr[to] += wr[k] * xr[t];
                    }
                }
            }
        }
}

static void conv_transpose1d_backward_ref(const conv_geom *g, const float *px, const float *pw,
                                          const float *gy, float *dx, float *dw)
{
    conv_geom G = *g;
    for (int64_t b = 0; b < G.B; b++)
        for (int64_t ci = 0; ci < G.Cin; ci++) {
            int64_t gi = ci / G.cin_g;
            int64_t xo = (b * G.Cin + ci) * G.T;                             /* x row  */
            for (int64_t c = 0; c < G.cout_g; c++) {
                const float *dyr = gy + (b * G.Cout + gi * G.cout_g + c) * G.Tout; /* [Tout] */
                int64_t wo = (ci * G.cout_g + c) * G.K;                      /* w taps */
                for (int64_t k = 0; k < G.K; k++) {
                    int64_t shift = k * G.dilation - G.pad;
                    for (int64_t t = 0; t < G.T; t++) {
                        int64_t to = t * G.stride + shift;
                        if (to < 0 || to >= G.Tout)
                            continue;
                        if (dx)
                            dx[xo + t] += dyr[to] * pw[wo + k];
                        if (dw)
                            dw[wo + k] += dyr[to] * px[xo + t];
                    }
                }
            }
        }
}

/* --- shared by both ops: dispatch, recording, backward ------------------------- */

/* The kernels of one op: the GEMM path (fast) and the scalar reference. */
typedef struct conv_kind {
    vx_op_id op;
    bool transposed;
    vx_status (*forward_gemm)(vx_ctx *, const conv_geom *, const float *, const float *,
                              const float *, float *);
    void (*forward_ref)(const conv_geom *, const float *, const float *, float *);
    vx_status (*backward_gemm)(vx_ctx *, const conv_geom *, const float *, const float *,
                               const float *, float *, float *);
    void (*backward_ref)(const conv_geom *, const float *, const float *, const float *, float *,
                         float *);
} conv_kind;

static const conv_kind k_conv1d = {
    .op = VX_OP_CONV1D,
    .transposed = false,
    .forward_gemm = conv1d_forward_gemm,
    .forward_ref = conv1d_forward_ref,
    .backward_gemm = conv1d_backward_gemm,
    .backward_ref = conv1d_backward_ref,
};

static const conv_kind k_conv_transpose1d = {
    .op = VX_OP_CONV_TRANSPOSE1D,
    .transposed = true,
    .forward_gemm = conv_transpose1d_forward_gemm,
    .forward_ref = conv_transpose1d_forward_ref,
    .backward_gemm = conv_transpose1d_backward_gemm,
    .backward_ref = conv_transpose1d_backward_ref,
};

static vx_status conv_backward(vx_ctx *ctx, vx_node *node)
{
    const conv_kind *kind = node->op == VX_OP_CONV1D ? &k_conv1d : &k_conv_transpose1d;
    float *g[3];
    vx_status st = vx_input_grads(ctx, node, g);
    if (st != VX_OK)
        return st;
    conv_geom G = geom_of(node->in[0], node->in[1], node->out->shape[1], node->out->shape[2],
                          node->iarg);
    const float *px = node->in[0]->data, *pw = node->in[1]->data, *gy = node->out->grad->data;
    if (!vx_reference(ctx) && conv_gemm_worth(&G, kind->transposed)) {
        st = kind->backward_gemm(ctx, &G, px, pw, gy, g[0], g[1]);
        if (st != VX_OK)
            return st;
    } else {
        kind->backward_ref(&G, px, pw, gy, g[0], g[1]);
    }
    if (g[2])
        bias_backward(g[2], gy, &G);
    return VX_OK;
}

/* y [B, Cout, Tout] = the op on checked x, w, bias; records the node with the
 * geometry (iarg: stride, pad, dilation, groups) that the backward needs. */
static vx_tensor *conv_run(vx_ctx *ctx, const conv_kind *kind, vx_tensor *x, vx_tensor *w,
                           vx_tensor *bias, int64_t Cout, int64_t Tout, const int64_t iarg[4])
{
    if (!make_contiguous(ctx, &x, &w, &bias))
        return NULL;
    conv_geom G = geom_of(x, w, Cout, Tout, iarg);
    const float *pb = bias ? bias->data : NULL;
    /* both paths write every output (bias included) before reading it: no zero fill */
    vx_tensor *y = vx_empty(ctx, VX_F32, 3, (int64_t[]){x->shape[0], Cout, Tout});
    VX_RETURN_IF_NULL(y);
    if (!vx_reference(ctx) && conv_gemm_worth(&G, kind->transposed)) {
        if (kind->forward_gemm(ctx, &G, x->data, w->data, pb, y->data) != VX_OK)
            return NULL;
    } else {
        conv_fill_bias(y->data, pb, &G);
        kind->forward_ref(&G, x->data, w->data, y->data);
    }
    vx_tensor *in[3] = {x, w, bias};
    if (vx_needs_grad(ctx, 3, in)) {
        vx_node *node = vx_record(ctx, kind->op, y, 3, in, conv_backward);
        VX_RETURN_IF_NULL(node);
        memcpy(node->iarg, iarg, 4 * sizeof *iarg);
    }
    return y;
}

/* --- the ops: argument checks and output length ----------------------------- */

vx_tensor *vx_conv1d(vx_ctx *ctx, vx_tensor *x, vx_tensor *w, vx_tensor *bias, int stride,
                     int pad, int dilation, int groups)
{
    VX_RETURN_IF_NULL(x);
    VX_RETURN_IF_NULL(w);
    if (check_common("conv1d", x, w, bias, stride, pad, dilation, groups))
        return NULL;
    char sx[64], sw[64];
    int64_t Cin = x->shape[1], T = x->shape[2];
    int64_t Cout = w->shape[0], K = w->shape[2];
    if (Cout % groups)
        return vx_fail_null(VX_ERR_ARG,
                            "conv1d: output channels (%lld, w %s) are not divisible by groups (%d)",
                            (long long)Cout, vx_shape_str(w, sw, 64), groups);
    if (w->shape[1] * groups != Cin)
        return vx_fail_null(VX_ERR_ARG,
                            "conv1d: w %s must be [Cout, Cin/groups, K] with Cin/groups = %lld "
                            "(x %s, groups %d)",
                            vx_shape_str(w, sw, 64), (long long)(Cin / groups),
                            vx_shape_str(x, sx, 64), groups);
    if (check_bias("conv1d", bias, Cout))
        return NULL;
    /* ref: torch.nn.Conv1d: Tout = ⌊(T + 2·pad − dilation·(K − 1) − 1) / stride⌋ + 1 */
    int64_t span = T + 2 * (int64_t)pad - (int64_t)dilation * (K - 1) - 1;
    if (span < 0)
        return vx_fail_null(VX_ERR_ARG,
                            "conv1d: output length would be < 1: padded input (%lld) is shorter "
                            "than the dilated kernel (%lld); x %s, w %s",
                            (long long)(T + 2 * (int64_t)pad),
                            (long long)((int64_t)dilation * (K - 1) + 1), vx_shape_str(x, sx, 64),
                            vx_shape_str(w, sw, 64));
    int64_t Tout = span / stride + 1;
    return conv_run(ctx, &k_conv1d, x, w, bias, Cout, Tout,
                    (const int64_t[4]){stride, pad, dilation, groups});
}

vx_tensor *vx_conv_transpose1d(vx_ctx *ctx, vx_tensor *x, vx_tensor *w, vx_tensor *bias,
                               int stride, int pad, int output_padding, int groups, int dilation)
{
    VX_RETURN_IF_NULL(x);
    VX_RETURN_IF_NULL(w);
    if (check_common("conv_transpose1d", x, w, bias, stride, pad, dilation, groups))
        return NULL;
    char sx[64], sw[64];
    int64_t Cin = x->shape[1], T = x->shape[2];
    int64_t Cout = w->shape[1] * groups, K = w->shape[2];
    if (w->shape[0] != Cin)
        return vx_fail_null(VX_ERR_ARG,
                            "conv_transpose1d: w %s must be [Cin, Cout/groups, K] with Cin = %lld "
                            "(x %s)",
                            vx_shape_str(w, sw, 64), (long long)Cin, vx_shape_str(x, sx, 64));
    int max_sd = stride > dilation ? stride : dilation;
    if (output_padding < 0 || output_padding >= max_sd)
        return vx_fail_null(VX_ERR_ARG,
                            "conv_transpose1d: output_padding (%d) must be in [0, max(stride, "
                            "dilation)) = [0, %d)",
                            output_padding, max_sd);
    if (check_bias("conv_transpose1d", bias, Cout))
        return NULL;
    /* ref: torch.nn.ConvTranspose1d:
     * Tout = (T − 1)·stride − 2·pad + dilation·(K − 1) + output_padding + 1 */
    int64_t Tout = (T - 1) * stride - 2 * (int64_t)pad + (int64_t)dilation * (K - 1) +
                   output_padding + 1;
    if (T < 1)
        return vx_fail_null(VX_ERR_ARG, "conv_transpose1d: x %s has no time steps",
                            vx_shape_str(x, sx, 64));
    if (Tout < 1)
        return vx_fail_null(VX_ERR_ARG,
                            "conv_transpose1d: output length would be %lld (< 1) for x %s, w %s, "
                            "stride %d, padding %d, dilation %d, output_padding %d; reduce the "
                            "padding",
                            (long long)Tout, vx_shape_str(x, sx, 64),
                            vx_shape_str(w, sw, 64), stride, pad, dilation, output_padding);
    return conv_run(ctx, &k_conv_transpose1d, x, w, bias, Cout, Tout,
                    (const int64_t[4]){stride, pad, dilation, groups});
}
