/* op_util.c — shape broadcasting and gradient accumulation helpers. */
#include "op_util.h"

vx_status vx_broadcast_shape(const char *op, const vx_tensor *a, const vx_tensor *b,
                             int *out_ndim, int64_t *out_shape)
{
    int nd = a->ndim > b->ndim ? a->ndim : b->ndim;
    for (int i = 0; i < nd; i++) {
        int ia = i - (nd - a->ndim), ib = i - (nd - b->ndim);
        int64_t da = ia >= 0 ? a->shape[ia] : 1;
        int64_t db = ib >= 0 ? b->shape[ib] : 1;
        if (da != db && da != 1 && db != 1) {
            char sa[64], sb[64];
            return vx_fail(VX_ERR_ARG, "%s: shapes %s and %s do not broadcast (dim %d: %lld vs %lld)",
                           op, vx_shape_str(a, sa, 64), vx_shape_str(b, sb, 64), i,
                           (long long)da, (long long)db);
        }
        out_shape[i] = da == 1 ? db : da;
    }
    *out_ndim = nd;
    return VX_OK;
}

vx_status vx_input_grads(vx_ctx *ctx, vx_node *node, float **g)
{
    for (int i = 0; i < node->n_in; i++) {
        vx_tensor *t = node->in[i];
        g[i] = vx_grad_buf(ctx, t);
        if (t && t->requires_grad && !g[i])
            return vx_last_status();
    }
    return VX_OK;
}

vx_status vx_require_f32(const char *op, const char *what, const vx_tensor *t)
{
    if (t->dtype != VX_F32)
        return vx_fail(VX_ERR_ARG, "%s: %s must be f32, got %s (convert with vx_cast)", op, what,
                       vx_dtype_name(t->dtype));
    return VX_OK;
}

int vx_checked_axis(const char *op, const vx_tensor *x, int axis)
{
    int a = vx_norm_axis(x, axis);
    if (a < 0)
        vx_fail(VX_ERR_ARG, "%s: axis %d is out of range for a rank-%d tensor (use %d..%d)", op, axis,
                x->ndim, -x->ndim, x->ndim - 1);
    return a;
}

vx_tensor *vx_new_like(vx_ctx *ctx, const vx_tensor *t)
{
    return vx_new(ctx, VX_F32, t->ndim, t->shape);
}

void vx_accum_broadcast_grad(float *dst_grad, const vx_tensor *dst, const float *src,
                             const vx_tensor *out)
{
    vx_tensor dh = vx_grad_header(dst, dst_grad);
    shape4 d = shape4_broadcast(&dh, out);
    shape4 o = shape4_of(out);
    int64_t k = 0;
    for (int64_t i0 = 0; i0 < o.n[0]; i0++)
        for (int64_t i1 = 0; i1 < o.n[1]; i1++)
            for (int64_t i2 = 0; i2 < o.n[2]; i2++)
                for (int64_t i3 = 0; i3 < o.n[3]; i3++)
                    dst_grad[shape4_offset(&d, i0, i1, i2, i3)] += src[k++];
}

vx_status vx_pair_grads_alloc(vx_ctx *ctx, const vx_tensor *a, const vx_tensor *b, int64_t n,
                              float **ta, float **tb)
{
    *ta = *tb = NULL;
    if (a->requires_grad && !(*ta = vx_arena_alloc(ctx, (size_t)n * sizeof **ta)))
        return vx_last_status();
    if (b->requires_grad && !(*tb = vx_arena_alloc(ctx, (size_t)n * sizeof **tb)))
        return vx_last_status();
    return VX_OK;
}

vx_status vx_pair_grads_reduce(vx_ctx *ctx, vx_tensor *a, vx_tensor *b, const float *ta,
                               const float *tb, const vx_tensor *out)
{
    vx_tensor *in[2] = {a, b};
    const float *t[2] = {ta, tb};
    for (int k = 0; k < 2; k++) {
        if (!t[k])
            continue;
        float *g = vx_grad_buf(ctx, in[k]);
        if (!g)
            return vx_last_status();
        vx_accum_broadcast_grad(g, in[k], t[k], out);
    }
    return VX_OK;
}

void vx_accum_strided(vx_tensor *dst, const float *src)
{
    shape4 d = shape4_of(dst);
    float *p = dst->data;
    int64_t k = 0;
    for (int64_t i0 = 0; i0 < d.n[0]; i0++)
        for (int64_t i1 = 0; i1 < d.n[1]; i1++)
            for (int64_t i2 = 0; i2 < d.n[2]; i2++)
                for (int64_t i3 = 0; i3 < d.n[3]; i3++)
                    p[shape4_offset(&d, i0, i1, i2, i3)] += src[k++];
}

vx_tensor vx_grad_header(const vx_tensor *t, float *grad)
{
    vx_tensor h;
    memset(&h, 0, sizeof h);
    h.dtype = VX_F32;
    h.ndim = t->ndim;
    int64_t s = 1;
    for (int i = VX_MAX_DIMS - 1; i >= 0; i--) {
        h.shape[i] = i < t->ndim ? t->shape[i] : 1;
        h.stride[i] = i < t->ndim ? s : 0;
        if (i < t->ndim)
            s *= t->shape[i];
    }
    h.data = grad;
    return h;
}
