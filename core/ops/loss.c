/* loss.c — regression losses: L1 and mean squared error, each the mean over
 * every element of pred − target, returned as a 0-d scalar.
 *
 * Scalar reference forward and backward side by side. pred and target must
 * have the same shape (no broadcasting, so a mismatch is caught rather than
 * silently averaged over a stretched grid); both may take gradients. */
#include <math.h>

#include "op_util.h"

typedef enum { LOSS_L1, LOSS_MSE } loss_kind;

/* Gradient buffer of input t into *g (NULL when it takes no gradient).
 * False only when the buffer could not be allocated. */
static bool input_grad(vx_ctx *ctx, vx_tensor *t, float **g)
{
    *g = vx_grad_buf(ctx, t);
    return *g || !t->requires_grad;
}

/* pred [..], target [..] -> [] with d = pred − target, N = numel:
 *   l1:  L = (1/N) Σ |d|,  dL/dpred = sign(d)/N  (sign(0) = 0, as PyTorch)
 *   mse: L = (1/N) Σ d²,   dL/dpred = 2·d/N
 *   dL/dtarget = −dL/dpred in both. */
static vx_status loss_backward(vx_ctx *ctx, vx_node *node)
{
    vx_tensor *pred = node->in[0], *target = node->in[1];
    float *gp, *gt;
    if (!input_grad(ctx, pred, &gp) || !input_grad(ctx, target, &gt))
        return vx_last_status();
    loss_kind kind = (loss_kind)node->iarg[0];
    int64_t n = vx_numel(pred);
    const float *pp = pred->data, *pt = target->data;
    float coef = ((const float *)node->out->grad->data)[0] / (float)n;
    for (int64_t i = 0; i < n; i++) {
        float d = pp[i] - pt[i];
        float g = kind == LOSS_L1 ? coef * (float)((d > 0) - (d < 0)) : coef * 2.0f * d;
        if (gp)
            gp[i] += g;
        if (gt)
            gt[i] -= g;
    }
    return VX_OK;
}

static vx_tensor *loss(vx_ctx *ctx, vx_op_id op, loss_kind kind, vx_tensor *pred, vx_tensor *target)
{
    VX_RETURN_IF_NULL(pred);
    VX_RETURN_IF_NULL(target);
    const char *name = vx_op_table[op].name;
    if (vx_require_f32(name, "pred", pred) || vx_require_f32(name, "target", target))
        return NULL;
    if (!vx_same_shape(pred, target)) {
        char bp[64], bt[64];
        return vx_fail_null(VX_ERR_ARG, "%s: pred %s and target %s must have the same shape "
                            "(reshape or slice one of them first)", name,
                            vx_shape_str(pred, bp, sizeof bp), vx_shape_str(target, bt, sizeof bt));
    }
    vx_tensor *in[2] = {vx_contiguous(ctx, pred), vx_contiguous(ctx, target)};
    VX_RETURN_IF_NULL(in[0]);
    VX_RETURN_IF_NULL(in[1]);
    vx_tensor *out = vx_new(ctx, VX_F32, 0, NULL);
    VX_RETURN_IF_NULL(out);
    int64_t n = vx_numel(pred);
    const float *pp = in[0]->data, *pt = in[1]->data;
    double total = 0;
    for (int64_t i = 0; i < n; i++) {
        double d = (double)pp[i] - (double)pt[i];
        total += kind == LOSS_L1 ? fabs(d) : d * d;
    }
    /* the mean of nothing is NaN, as in PyTorch */
    *(float *)out->data = n > 0 ? (float)(total / (double)n) : NAN;
    if (vx_needs_grad(ctx, 2, in)) {
        vx_node *node = vx_record(ctx, op, out, 2, in, loss_backward);
        VX_RETURN_IF_NULL(node);
        node->iarg[0] = kind;
    }
    return out;
}

vx_tensor *vx_l1_loss(vx_ctx *ctx, vx_tensor *pred, vx_tensor *target)
{
    return loss(ctx, VX_OP_L1_LOSS, LOSS_L1, pred, target);
}

vx_tensor *vx_mse_loss(vx_ctx *ctx, vx_tensor *pred, vx_tensor *target)
{
    return loss(ctx, VX_OP_MSE_LOSS, LOSS_MSE, pred, target);
}
