/* view.c — differentiable views: reshape, permute, transpose, slice, expand,
 * and contiguous (the one that copies).
 *
 * Forward makes a new header over the input's data. Backward applies the
 * same view to the input's (contiguous) gradient buffer and adds the output
 * gradient through it; on an expanded (stride-0) dim that addition sums, which
 * is exactly the gradient of broadcasting. */
#include "op_util.h"

/* Allocate an arena header holding `view`, and record the node if needed. */
static vx_tensor *finish_view(vx_ctx *ctx, vx_op_id op, vx_tensor *x, const vx_tensor *view,
                              vx_backward_fn bw, const int64_t *iarg, int n_iarg)
{
    vx_tensor *out = vx_arena_alloc(ctx, sizeof *out);
    VX_RETURN_IF_NULL(out);
    *out = *view;
    if (vx_needs_grad(ctx, 1, &x)) {
        vx_node *node = vx_record(ctx, op, out, 1, &x, bw);
        VX_RETURN_IF_NULL(node);
        memcpy(node->iarg, iarg, (size_t)n_iarg * sizeof *iarg);
    }
    return out;
}

/* Shared backward: re-apply the forward view to the input's gradient. */
static vx_status view_backward(vx_ctx *ctx, vx_node *node)
{
    vx_tensor *x = node->in[0];
    float *gx = vx_grad_buf(ctx, x);
    if (!gx)
        return x->requires_grad ? vx_last_status() : VX_OK;
    vx_tensor g = vx_grad_header(x, gx), gv;
    const int64_t *a = node->iarg;
    vx_status st;
    switch (node->op) {
    case VX_OP_RESHAPE: st = vx_view_reshape(&g, (int)a[0], a + 1, &gv); break;
    case VX_OP_PERMUTE: {
        int perm[VX_MAX_DIMS] = {(int)a[0], (int)a[1], (int)a[2], (int)a[3]};
        st = vx_view_permute(&g, perm, &gv);
        break;
    }
    case VX_OP_SLICE: st = vx_view_slice(&g, (int)a[0], a[1], a[2], a[3], &gv); break;
    case VX_OP_EXPAND: st = vx_view_expand(&g, (int)a[0], a + 1, &gv); break;
    default: return vx_fail(VX_ERR_ARG, "view backward: op %d is not a view", node->op);
    }
    if (st != VX_OK)
        return st;
    vx_accum_strided(&gv, node->out->grad->data);
    return VX_OK;
}

/* [..] -> [..] same elements; y = x as a contiguous copy. dx += dy. */
static vx_status contiguous_backward(vx_ctx *ctx, vx_node *node)
{
    vx_tensor *x = node->in[0];
    float *gx = vx_grad_buf(ctx, x);
    if (!gx)
        return x->requires_grad ? vx_last_status() : VX_OK;
    const float *gy = node->out->grad->data;
    int64_t n = vx_numel(x);
    for (int64_t i = 0; i < n; i++)
        gx[i] += gy[i];
    return VX_OK;
}

vx_tensor *vx_contiguous(vx_ctx *ctx, vx_tensor *x)
{
    VX_RETURN_IF_NULL(x);
    if (vx_is_contiguous(x))
        return x;
    vx_tensor *out = vx_new(ctx, x->dtype, x->ndim, x->shape);
    VX_RETURN_IF_NULL(out);
    vx_copy_elements(x, out->data);
    if (vx_needs_grad(ctx, 1, &x))
        VX_RETURN_IF_NULL(vx_record(ctx, VX_OP_CONTIGUOUS, out, 1, &x, contiguous_backward));
    return out;
}

vx_tensor *vx_reshape(vx_ctx *ctx, vx_tensor *x, int ndim, const int64_t *shape)
{
    VX_RETURN_IF_NULL(x);
    if (ndim < 0 || ndim > VX_MAX_DIMS)
        return vx_fail_null(VX_ERR_ARG, "reshape: rank %d is outside 0..%d", ndim, VX_MAX_DIMS);
    int64_t iarg[1 + VX_MAX_DIMS] = {ndim};
    int64_t known = 1;
    int infer = -1;
    for (int i = 0; i < ndim; i++) {
        iarg[1 + i] = shape[i];
        if (shape[i] == -1) {
            if (infer >= 0)
                return vx_fail_null(VX_ERR_ARG, "reshape: only one dim may be -1");
            infer = i;
        } else {
            known *= shape[i];
        }
    }
    if (infer >= 0) {
        if (known == 0 || vx_numel(x) % known)
            return vx_fail_null(VX_ERR_ARG, "reshape: cannot infer the -1 dim for %lld elements",
                                (long long)vx_numel(x));
        iarg[1 + infer] = vx_numel(x) / known;
    }
    x = vx_contiguous(ctx, x);
    VX_RETURN_IF_NULL(x);
    vx_tensor view;
    if (vx_view_reshape(x, ndim, iarg + 1, &view) != VX_OK)
        return NULL;
    return finish_view(ctx, VX_OP_RESHAPE, x, &view, view_backward, iarg, 1 + VX_MAX_DIMS);
}

vx_tensor *vx_permute(vx_ctx *ctx, vx_tensor *x, const int *perm)
{
    VX_RETURN_IF_NULL(x);
    vx_tensor view;
    if (vx_view_permute(x, perm, &view) != VX_OK)
        return NULL;
    int64_t iarg[VX_MAX_DIMS] = {0, 1, 2, 3};
    for (int i = 0; i < x->ndim; i++)
        iarg[i] = perm[i];
    return finish_view(ctx, VX_OP_PERMUTE, x, &view, view_backward, iarg, VX_MAX_DIMS);
}

vx_tensor *vx_transpose(vx_ctx *ctx, vx_tensor *x, int axis0, int axis1)
{
    VX_RETURN_IF_NULL(x);
    int a = vx_norm_axis(x, axis0), b = vx_norm_axis(x, axis1);
    if (a < 0 || b < 0)
        return vx_fail_null(VX_ERR_ARG, "transpose: axes %d, %d out of range for rank %d", axis0,
                            axis1, x->ndim);
    int perm[VX_MAX_DIMS] = {0, 1, 2, 3};
    perm[a] = b;
    perm[b] = a;
    return vx_permute(ctx, x, perm);
}

vx_tensor *vx_slice(vx_ctx *ctx, vx_tensor *x, int axis, int64_t start, int64_t end, int64_t step)
{
    VX_RETURN_IF_NULL(x);
    vx_tensor view;
    if (vx_view_slice(x, axis, start, end, step, &view) != VX_OK)
        return NULL;
    int64_t iarg[4] = {axis, start, end, step};
    return finish_view(ctx, VX_OP_SLICE, x, &view, view_backward, iarg, 4);
}

vx_tensor *vx_expand(vx_ctx *ctx, vx_tensor *x, int ndim, const int64_t *shape)
{
    VX_RETURN_IF_NULL(x);
    vx_tensor view;
    if (vx_view_expand(x, ndim, shape, &view) != VX_OK)
        return NULL;
    int64_t iarg[1 + VX_MAX_DIMS] = {ndim};
    for (int i = 0; i < ndim; i++)
        iarg[1 + i] = shape[i];
    return finish_view(ctx, VX_OP_EXPAND, x, &view, view_backward, iarg, 1 + VX_MAX_DIMS);
}
