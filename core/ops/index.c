/* index.c — indexing and shape assembly: embedding, concat, pad, index_select,
 * repeat_interleave, where, masked_fill, dropout and sequence_mask.
 *
 * Scalar reference forward and backward side by side. The gather-style ops
 * view a contiguous input as [outer, size, inner] around their axis, so one
 * loop nest serves every rank; their backward scatter-adds the output gradient
 * through the same index map, so an element read twice gets both gradients.
 * Integer inputs (indices, repeats, masks) are kept in node->saved[0]. */
#include <stdio.h>

#include "op_util.h"

/* --- shared helpers -------------------------------------------------------- */

/* New f32 tensor with x's shape except `size` along `axis`. */
static vx_tensor *new_resized(vx_ctx *ctx, const vx_tensor *x, int axis, int64_t size)
{
    int64_t shape[VX_MAX_DIMS];
    memcpy(shape, x->shape, sizeof shape);
    shape[axis] = size;
    return vx_new(ctx, VX_F32, x->ndim, shape);
}

/* Fails unless t has dtype dt and rank ndim (ndim < 0: any rank). */
static vx_status require_int(const char *op, const char *what, const vx_tensor *t, vx_dtype dt,
                             int ndim)
{
    if (t->dtype != dt)
        return vx_fail(VX_ERR_ARG, "%s: %s must be %s, got %s", op, what, vx_dtype_name(dt),
                       vx_dtype_name(t->dtype));
    if (ndim >= 0 && t->ndim != ndim) {
        char s[64];
        return vx_fail(VX_ERR_ARG, "%s: %s must be %d-D, got shape %s", op, what, ndim,
                       vx_shape_str(t, s, sizeof s));
    }
    return VX_OK;
}

/* Status for a backward whose input grad buffer came back NULL: fine when the
 * input needs no grad, the allocation error otherwise. */
static vx_status no_grad_status(const vx_tensor *x)
{
    return x->requires_grad ? vx_last_status() : VX_OK;
}

/* --- embedding ------------------------------------------------------------- */

/* weight [V, D], idx [...] (i32) -> out [..., D]: out[i, :] = weight[idx[i], :].
 * Backward: dweight[idx[i], :] += dout[i, :]; a row looked up twice sums both. */
static vx_status embedding_backward(vx_ctx *ctx, vx_node *node)
{
    vx_tensor *w = node->in[0];
    float *gw = vx_grad_buf(ctx, w);
    if (!gw)
        return no_grad_status(w);
    const int32_t *idx = node->saved[0]->data;
    const float *gy = node->out->grad->data;
    int64_t n = vx_numel(node->saved[0]), d = w->shape[1];
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < d; j++)
            gw[idx[i] * d + j] += gy[i * d + j];
    return VX_OK;
}

vx_tensor *vx_embedding(vx_ctx *ctx, vx_tensor *weight, vx_tensor *idx)
{
    VX_RETURN_IF_NULL(weight);
    VX_RETURN_IF_NULL(idx);
    char s[64];
    if (vx_require_f32("embedding", "weight", weight))
        return NULL;
    if (weight->ndim != 2)
        return vx_fail_null(VX_ERR_ARG, "embedding: weight must be 2-D [V, D], got shape %s",
                            vx_shape_str(weight, s, sizeof s));
    if (require_int("embedding", "indices", idx, VX_I32, -1))
        return NULL;
    if (idx->ndim >= VX_MAX_DIMS)
        return vx_fail_null(VX_ERR_ARG,
                            "embedding: indices of shape %s would give a rank-%d output; "
                            "at most %d dims are supported (reshape the indices first)",
                            vx_shape_str(idx, s, sizeof s), idx->ndim + 1, VX_MAX_DIMS);
    idx = vx_contiguous(ctx, idx);
    weight = vx_contiguous(ctx, weight);
    VX_RETURN_IF_NULL(idx);
    VX_RETURN_IF_NULL(weight);
    int64_t vocab = weight->shape[0], d = weight->shape[1], n = vx_numel(idx);
    const int32_t *pi = idx->data;
    for (int64_t i = 0; i < n; i++)
        if (pi[i] < 0 || pi[i] >= vocab)
            return vx_fail_null(VX_ERR_ARG,
                                "embedding: index %d (position %lld) is outside [0, %lld): the "
                                "table has V = %lld rows",
                                (int)pi[i], (long long)i, (long long)vocab, (long long)vocab);
    int64_t shape[VX_MAX_DIMS];
    memcpy(shape, idx->shape, (size_t)idx->ndim * sizeof *shape);
    shape[idx->ndim] = d;
    vx_tensor *out = vx_new(ctx, VX_F32, idx->ndim + 1, shape);
    VX_RETURN_IF_NULL(out);
    const float *pw = weight->data;
    float *py = out->data;
    for (int64_t i = 0; i < n; i++)
        memcpy(py + i * d, pw + pi[i] * d, (size_t)d * sizeof *py);
    if (vx_needs_grad(ctx, 1, &weight)) {
        vx_node *node = vx_record(ctx, VX_OP_EMBEDDING, out, 1, &weight, embedding_backward);
        VX_RETURN_IF_NULL(node);
        node->saved[0] = idx;
    }
    return out;
}

/* --- concat ---------------------------------------------------------------- */

/* xs[k] [.., n_k, ..] -> out [.., Σ n_k, ..] along axis; input k fills rows
 * off_k .. off_k + n_k − 1, off_k = Σ_{j<k} n_j.
 * Backward: dxs[k] += dout[.., off_k : off_k + n_k, ..]. */
static vx_status concat_backward(vx_ctx *ctx, vx_node *node)
{
    int axis = (int)node->iarg[0];
    axis_split o = axis_split_of(node->out, axis);
    const float *gy = node->out->grad->data;
    int64_t off = 0;
    for (int k = 0; k < node->n_in; k++) {
        vx_tensor *x = node->in[k];
        int64_t row = x->shape[axis] * o.inner;
        float *gx = vx_grad_buf(ctx, x);
        if (!gx && x->requires_grad)
            return vx_last_status();
        for (int64_t i = 0; gx && i < o.outer; i++)
            for (int64_t j = 0; j < row; j++)
                gx[i * row + j] += gy[(i * o.n + off) * o.inner + j];
        off += x->shape[axis];
    }
    return VX_OK;
}

/* Concatenate n ≤ VX_MAX_INPUTS validated tensors (one tape node). */
static vx_tensor *concat_group(vx_ctx *ctx, vx_tensor *const *xs, int n, int axis)
{
    vx_tensor *in[VX_MAX_INPUTS];
    int64_t total = 0;
    for (int k = 0; k < n; k++) {
        in[k] = vx_contiguous(ctx, xs[k]);
        VX_RETURN_IF_NULL(in[k]);
        total += in[k]->shape[axis];
    }
    vx_tensor *out = new_resized(ctx, xs[0], axis, total);
    VX_RETURN_IF_NULL(out);
    axis_split o = axis_split_of(out, axis);
    float *py = out->data;
    int64_t off = 0;
    for (int k = 0; k < n; k++) {
        const float *px = in[k]->data;
        int64_t row = in[k]->shape[axis] * o.inner;
        for (int64_t i = 0; i < o.outer; i++)
            memcpy(py + (i * o.n + off) * o.inner, px + i * row, (size_t)row * sizeof *py);
        off += in[k]->shape[axis];
    }
    if (vx_needs_grad(ctx, n, in)) {
        vx_node *node = vx_record(ctx, VX_OP_CONCAT, out, n, in, concat_backward);
        VX_RETURN_IF_NULL(node);
        node->iarg[0] = axis;
    }
    return out;
}

vx_tensor *vx_concat(vx_ctx *ctx, vx_tensor *const *xs, int n, int axis)
{
    if (!xs || n < 1)
        return vx_fail_null(VX_ERR_ARG, "concat: needs at least one tensor (got n = %d)", n);
    for (int k = 0; k < n; k++)
        VX_RETURN_IF_NULL(xs[k]);
    const vx_tensor *x0 = xs[0];
    int a = vx_checked_axis("concat", x0, axis);
    if (a < 0)
        return NULL;
    for (int k = 0; k < n; k++) {
        char what[32], s0[64], sk[64];
        snprintf(what, sizeof what, "input %d", k);
        if (vx_require_f32("concat", what, xs[k]))
            return NULL;
        bool same = xs[k]->ndim == x0->ndim;
        for (int d = 0; same && d < x0->ndim; d++)
            same = d == a || xs[k]->shape[d] == x0->shape[d];
        if (!same)
            return vx_fail_null(VX_ERR_ARG,
                                "concat: input %d has shape %s but input 0 has %s; shapes must "
                                "match except along axis %d",
                                k, vx_shape_str(xs[k], sk, sizeof sk), vx_shape_str(x0, s0, sizeof s0),
                                a);
    }
    /* A tape node holds at most VX_MAX_INPUTS inputs: longer lists are joined
     * in groups, each group's result leading the next group. */
    vx_tensor *acc = concat_group(ctx, xs, n < VX_MAX_INPUTS ? n : VX_MAX_INPUTS, a);
    for (int k = VX_MAX_INPUTS; k < n && acc; k += VX_MAX_INPUTS - 1) {
        vx_tensor *group[VX_MAX_INPUTS] = {acc};
        int m = 1;
        for (; m < VX_MAX_INPUTS && k + m - 1 < n; m++)
            group[m] = xs[k + m - 1];
        acc = concat_group(ctx, group, m, a);
    }
    return acc;
}

/* --- pad ------------------------------------------------------------------- */

/* Source position on the input axis for output position j, or -1 where the
 * constant fills in. ref: PyTorch F.pad mode='reflect' mirrors about the edge
 * element without repeating it: i → −i below 0, i → 2(size−1) − i past the end
 * (valid for pads < size). */
static int64_t pad_source(int64_t j, int64_t left, int64_t size, vx_pad_mode mode)
{
    int64_t i = j - left;
    if (i >= 0 && i < size)
        return i;
    if (mode == VX_PAD_CONSTANT)
        return -1;
    return i < 0 ? -i : 2 * (size - 1) - i;
}

/* x [.., size, ..] -> out [.., left + size + right, ..]:
 * out[.., j, ..] = x[.., src(j), ..], or value where src(j) = −1.
 * Backward: dx[.., src(j), ..] += dout[.., j, ..] (reflected rows get two terms). */
static vx_status pad_backward(vx_ctx *ctx, vx_node *node)
{
    vx_tensor *x = node->in[0];
    float *gx = vx_grad_buf(ctx, x);
    if (!gx)
        return no_grad_status(x);
    int axis = (int)node->iarg[0];
    int64_t left = node->iarg[1];
    vx_pad_mode mode = (vx_pad_mode)node->iarg[2];
    axis_split xi = axis_split_of(x, axis), o = axis_split_of(node->out, axis);
    const float *gy = node->out->grad->data;
    for (int64_t i = 0; i < o.outer; i++)
        for (int64_t j = 0; j < o.n; j++) {
            int64_t src = pad_source(j, left, xi.n, mode);
            if (src < 0)
                continue;
            float *gxr = gx + (i * xi.n + src) * xi.inner;
            const float *gyr = gy + (i * o.n + j) * o.inner;
            for (int64_t k = 0; k < o.inner; k++)
                gxr[k] += gyr[k];
        }
    return VX_OK;
}

vx_tensor *vx_pad(vx_ctx *ctx, vx_tensor *x, int axis, int64_t left, int64_t right,
                  vx_pad_mode mode, float value)
{
    VX_RETURN_IF_NULL(x);
    if (vx_require_f32("pad", "input", x))
        return NULL;
    int a = vx_checked_axis("pad", x, axis);
    if (a < 0)
        return NULL;
    if (mode != VX_PAD_CONSTANT && mode != VX_PAD_REFLECT)
        return vx_fail_null(VX_ERR_ARG, "pad: unknown mode %d (use VX_PAD_CONSTANT or VX_PAD_REFLECT)",
                            (int)mode);
    if (left < 0 || right < 0)
        return vx_fail_null(VX_ERR_ARG, "pad: pads (%lld, %lld) must be >= 0 (crop with vx_slice)",
                            (long long)left, (long long)right);
    int64_t size = x->shape[a];
    if (mode == VX_PAD_REFLECT && (left >= size || right >= size))
        return vx_fail_null(VX_ERR_ARG,
                            "pad: reflect pads (%lld, %lld) must be smaller than the size %lld of "
                            "axis %d",
                            (long long)left, (long long)right, (long long)size, a);
    x = vx_contiguous(ctx, x);
    VX_RETURN_IF_NULL(x);
    vx_tensor *out = new_resized(ctx, x, a, left + size + right);
    VX_RETURN_IF_NULL(out);
    axis_split o = axis_split_of(out, a);
    const float *px = x->data;
    float *py = out->data;
    for (int64_t i = 0; i < o.outer; i++)
        for (int64_t j = 0; j < o.n; j++) {
            int64_t src = pad_source(j, left, size, mode);
            float *yr = py + (i * o.n + j) * o.inner;
            for (int64_t k = 0; k < o.inner; k++)
                yr[k] = src < 0 ? value : px[(i * size + src) * o.inner + k];
        }
    if (vx_needs_grad(ctx, 1, &x)) {
        vx_node *node = vx_record(ctx, VX_OP_PAD, out, 1, &x, pad_backward);
        VX_RETURN_IF_NULL(node);
        node->iarg[0] = a;
        node->iarg[1] = left;
        node->iarg[2] = mode;
    }
    return out;
}

/* --- index_select ---------------------------------------------------------- */

/* x [.., size, ..], idx [n] -> out [.., n, ..]: out[.., j, ..] = x[.., idx[j], ..].
 * Backward: dx[.., idx[j], ..] += dout[.., j, ..]; duplicate indices accumulate. */
static vx_status index_select_backward(vx_ctx *ctx, vx_node *node)
{
    vx_tensor *x = node->in[0];
    float *gx = vx_grad_buf(ctx, x);
    if (!gx)
        return no_grad_status(x);
    int axis = (int)node->iarg[0];
    const int32_t *idx = node->saved[0]->data;
    axis_split xi = axis_split_of(x, axis), o = axis_split_of(node->out, axis);
    const float *gy = node->out->grad->data;
    for (int64_t i = 0; i < o.outer; i++)
        for (int64_t j = 0; j < o.n; j++) {
            float *gxr = gx + (i * xi.n + idx[j]) * xi.inner;
            const float *gyr = gy + (i * o.n + j) * o.inner;
            for (int64_t k = 0; k < o.inner; k++)
                gxr[k] += gyr[k];
        }
    return VX_OK;
}

vx_tensor *vx_index_select(vx_ctx *ctx, vx_tensor *x, int axis, vx_tensor *idx)
{
    VX_RETURN_IF_NULL(x);
    VX_RETURN_IF_NULL(idx);
    if (vx_require_f32("index_select", "input", x))
        return NULL;
    int a = vx_checked_axis("index_select", x, axis);
    if (a < 0 || require_int("index_select", "indices", idx, VX_I32, 1))
        return NULL;
    idx = vx_contiguous(ctx, idx);
    x = vx_contiguous(ctx, x);
    VX_RETURN_IF_NULL(idx);
    VX_RETURN_IF_NULL(x);
    const int32_t *pi = idx->data;
    axis_split xi = axis_split_of(x, a);
    for (int64_t j = 0; j < idx->shape[0]; j++)
        if (pi[j] < 0 || pi[j] >= xi.n)
            return vx_fail_null(VX_ERR_ARG,
                                "index_select: index %d (position %lld) is outside [0, %lld), the "
                                "size of axis %d",
                                (int)pi[j], (long long)j, (long long)xi.n, a);
    vx_tensor *out = new_resized(ctx, x, a, idx->shape[0]);
    VX_RETURN_IF_NULL(out);
    axis_split o = axis_split_of(out, a);
    const float *px = x->data;
    float *py = out->data;
    for (int64_t i = 0; i < o.outer; i++)
        for (int64_t j = 0; j < o.n; j++)
            memcpy(py + (i * o.n + j) * o.inner, px + (i * xi.n + pi[j]) * xi.inner,
                   (size_t)o.inner * sizeof *py);
    if (vx_needs_grad(ctx, 1, &x)) {
        vx_node *node = vx_record(ctx, VX_OP_INDEX_SELECT, out, 1, &x, index_select_backward);
        VX_RETURN_IF_NULL(node);
        node->iarg[0] = a;
        node->saved[0] = idx;
    }
    return out;
}

/* --- repeat_interleave ----------------------------------------------------- */

/* x [.., size, ..], repeats [size] -> out [.., Σ repeats, ..]: slice i of the
 * axis appears repeats[i] times in a row (repeats[i] = 0 drops it).
 * Backward: dx[.., i, ..] += Σ of dout over the copies of slice i. */
static vx_status repeat_interleave_backward(vx_ctx *ctx, vx_node *node)
{
    vx_tensor *x = node->in[0];
    float *gx = vx_grad_buf(ctx, x);
    if (!gx)
        return no_grad_status(x);
    int axis = (int)node->iarg[0];
    const int32_t *rep = node->saved[0]->data;
    axis_split xi = axis_split_of(x, axis), o = axis_split_of(node->out, axis);
    const float *gy = node->out->grad->data;
    for (int64_t i = 0; i < o.outer; i++) {
        int64_t j = 0;
        for (int64_t s = 0; s < xi.n; s++)
            for (int32_t r = 0; r < rep[s]; r++, j++) {
                float *gxr = gx + (i * xi.n + s) * xi.inner;
                const float *gyr = gy + (i * o.n + j) * o.inner;
                for (int64_t k = 0; k < o.inner; k++)
                    gxr[k] += gyr[k];
            }
    }
    return VX_OK;
}

vx_tensor *vx_repeat_interleave(vx_ctx *ctx, vx_tensor *x, int axis, vx_tensor *repeats)
{
    VX_RETURN_IF_NULL(x);
    VX_RETURN_IF_NULL(repeats);
    if (vx_require_f32("repeat_interleave", "input", x))
        return NULL;
    int a = vx_checked_axis("repeat_interleave", x, axis);
    if (a < 0 || require_int("repeat_interleave", "repeats", repeats, VX_I32, 1))
        return NULL;
    if (repeats->shape[0] != x->shape[a])
        return vx_fail_null(VX_ERR_ARG,
                            "repeat_interleave: %lld repeats given for axis %d of size %lld; "
                            "give one per slice",
                            (long long)repeats->shape[0], a, (long long)x->shape[a]);
    repeats = vx_contiguous(ctx, repeats);
    x = vx_contiguous(ctx, x);
    VX_RETURN_IF_NULL(repeats);
    VX_RETURN_IF_NULL(x);
    const int32_t *rep = repeats->data;
    int64_t total = 0;
    for (int64_t s = 0; s < x->shape[a]; s++) {
        if (rep[s] < 0)
            return vx_fail_null(VX_ERR_ARG, "repeat_interleave: repeats[%lld] = %d is negative",
                                (long long)s, (int)rep[s]);
        total += rep[s];
    }
    if (total == 0)
        return vx_fail_null(VX_ERR_ARG,
                            "repeat_interleave: the repeats sum to 0, so the result would be "
                            "empty (e.g. every predicted duration rounded to 0)");
    vx_tensor *out = new_resized(ctx, x, a, total);
    VX_RETURN_IF_NULL(out);
    axis_split xi = axis_split_of(x, a), o = axis_split_of(out, a);
    const float *px = x->data;
    float *py = out->data;
    for (int64_t i = 0; i < o.outer; i++) {
        int64_t j = 0;
        for (int64_t s = 0; s < xi.n; s++)
            for (int32_t r = 0; r < rep[s]; r++, j++)
                memcpy(py + (i * o.n + j) * o.inner, px + (i * xi.n + s) * xi.inner,
                       (size_t)o.inner * sizeof *py);
    }
    if (vx_needs_grad(ctx, 1, &x)) {
        vx_node *node =
            vx_record(ctx, VX_OP_REPEAT_INTERLEAVE, out, 1, &x, repeat_interleave_backward);
        VX_RETURN_IF_NULL(node);
        node->iarg[0] = a;
        node->saved[0] = repeats;
    }
    return out;
}

/* --- where ----------------------------------------------------------------- */

/* cond (u8), a, b broadcast to out [..]: out = cond ? a : b.
 * Backward: da += dout where cond, db += dout where not, each then summed over
 * the dims along which it was broadcast. */
static vx_status where_backward(vx_ctx *ctx, vx_node *node)
{
    vx_tensor *a = node->in[0], *b = node->in[1], *cond = node->saved[0], *out = node->out;
    const float *gy = out->grad->data;
    const uint8_t *pc = cond->data;
    shape4 o = shape4_of(out), sc = shape4_broadcast(cond, out);
    int64_t n = vx_numel(out);
    float *ta, *tb; /* per-output-element grads before reduction */
    if (vx_pair_grads_alloc(ctx, a, b, n, &ta, &tb) != VX_OK)
        return vx_last_status();
    int64_t i = 0;
    for (int64_t i0 = 0; i0 < o.n[0]; i0++)
        for (int64_t i1 = 0; i1 < o.n[1]; i1++)
            for (int64_t i2 = 0; i2 < o.n[2]; i2++)
                for (int64_t i3 = 0; i3 < o.n[3]; i3++, i++) {
                    bool take_a = pc[shape4_offset(&sc, i0, i1, i2, i3)] != 0;
                    if (ta)
                        ta[i] = take_a ? gy[i] : 0;
                    if (tb)
                        tb[i] = take_a ? 0 : gy[i];
                }
    return vx_pair_grads_reduce(ctx, a, b, ta, tb, out);
}

vx_tensor *vx_where(vx_ctx *ctx, vx_tensor *cond, vx_tensor *a, vx_tensor *b)
{
    VX_RETURN_IF_NULL(cond);
    VX_RETURN_IF_NULL(a);
    VX_RETURN_IF_NULL(b);
    if (require_int("where", "cond", cond, VX_U8, -1) || vx_require_f32("where", "a", a) ||
        vx_require_f32("where", "b", b))
        return NULL;
    vx_tensor ab = {.dtype = VX_F32}; /* shape holder for broadcast(a, b) */
    if (vx_broadcast_shape("where", a, b, &ab.ndim, ab.shape))
        return NULL;
    int nd;
    int64_t shape[VX_MAX_DIMS];
    if (vx_broadcast_shape("where", cond, &ab, &nd, shape))
        return NULL;
    vx_tensor *out = vx_new(ctx, VX_F32, nd, shape);
    VX_RETURN_IF_NULL(out);
    shape4 o = shape4_of(out), sc = shape4_broadcast(cond, out);
    shape4 sa = shape4_broadcast(a, out), sb = shape4_broadcast(b, out);
    const uint8_t *pc = cond->data;
    const float *pa = a->data, *pb = b->data;
    float *py = out->data;
    for (int64_t i0 = 0; i0 < o.n[0]; i0++)
        for (int64_t i1 = 0; i1 < o.n[1]; i1++)
            for (int64_t i2 = 0; i2 < o.n[2]; i2++)
                for (int64_t i3 = 0; i3 < o.n[3]; i3++)
                    *py++ = pc[shape4_offset(&sc, i0, i1, i2, i3)]
                                ? pa[shape4_offset(&sa, i0, i1, i2, i3)]
                                : pb[shape4_offset(&sb, i0, i1, i2, i3)];
    vx_tensor *in[2] = {a, b};
    if (vx_needs_grad(ctx, 2, in)) {
        vx_node *node = vx_record(ctx, VX_OP_WHERE, out, 2, in, where_backward);
        VX_RETURN_IF_NULL(node);
        node->saved[0] = cond;
    }
    return out;
}

/* --- masked_fill ----------------------------------------------------------- */

/* x [..], mask (u8) broadcast to x -> out [..]: out = mask ? value : x.
 * Backward: dx += dout where the mask is zero; filled elements get no gradient. */
static vx_status masked_fill_backward(vx_ctx *ctx, vx_node *node)
{
    vx_tensor *x = node->in[0], *mask = node->saved[0], *out = node->out;
    float *gx = vx_grad_buf(ctx, x);
    if (!gx)
        return no_grad_status(x);
    const float *gy = out->grad->data;
    const uint8_t *pm = mask->data;
    shape4 o = shape4_of(out), sm = shape4_broadcast(mask, out);
    int64_t i = 0;
    for (int64_t i0 = 0; i0 < o.n[0]; i0++)
        for (int64_t i1 = 0; i1 < o.n[1]; i1++)
            for (int64_t i2 = 0; i2 < o.n[2]; i2++)
                for (int64_t i3 = 0; i3 < o.n[3]; i3++, i++)
                    if (!pm[shape4_offset(&sm, i0, i1, i2, i3)])
                        gx[i] += gy[i];
    return VX_OK;
}

vx_tensor *vx_masked_fill(vx_ctx *ctx, vx_tensor *x, vx_tensor *mask, float value)
{
    VX_RETURN_IF_NULL(x);
    VX_RETURN_IF_NULL(mask);
    if (vx_require_f32("masked_fill", "input", x) ||
        require_int("masked_fill", "mask", mask, VX_U8, -1))
        return NULL;
    int nd;
    int64_t shape[VX_MAX_DIMS];
    if (vx_broadcast_shape("masked_fill", mask, x, &nd, shape))
        return NULL;
    bool fits = nd == x->ndim;
    for (int d = 0; fits && d < nd; d++)
        fits = shape[d] == x->shape[d];
    if (!fits) {
        char sm[64], sx[64];
        return vx_fail_null(VX_ERR_ARG,
                            "masked_fill: mask %s would enlarge input %s; the mask must "
                            "broadcast to the input's shape",
                            vx_shape_str(mask, sm, sizeof sm), vx_shape_str(x, sx, sizeof sx));
    }
    vx_tensor *out = vx_new_like(ctx, x);
    VX_RETURN_IF_NULL(out);
    shape4 o = shape4_of(out), sx = shape4_of(x), sm = shape4_broadcast(mask, out);
    const uint8_t *pm = mask->data;
    const float *px = x->data;
    float *py = out->data;
    for (int64_t i0 = 0; i0 < o.n[0]; i0++)
        for (int64_t i1 = 0; i1 < o.n[1]; i1++)
            for (int64_t i2 = 0; i2 < o.n[2]; i2++)
                for (int64_t i3 = 0; i3 < o.n[3]; i3++)
                    *py++ = pm[shape4_offset(&sm, i0, i1, i2, i3)]
                                ? value
                                : px[shape4_offset(&sx, i0, i1, i2, i3)];
    if (vx_needs_grad(ctx, 1, &x)) {
        vx_node *node = vx_record(ctx, VX_OP_MASKED_FILL, out, 1, &x, masked_fill_backward);
        VX_RETURN_IF_NULL(node);
        node->saved[0] = mask;
    }
    return out;
}

/* --- dropout --------------------------------------------------------------- */

#define DROPOUT_DRAW_BLOCK 256 /* uniforms drawn per RNG call */

/* ref: Srivastava et al. (2014), inverted form: out = keep · x / (1 − p) with
 * keep = [u ≥ p], u ~ U[0, 1) from the context RNG (one draw per element).
 * Backward: dx += keep · dout / (1 − p), with the mask saved by the forward;
 * without a mask (eval mode, or p = 0) the op is a copy and dx += dout. */
static vx_status dropout_backward(vx_ctx *ctx, vx_node *node)
{
    vx_tensor *x = node->in[0];
    float *gx = vx_grad_buf(ctx, x);
    if (!gx)
        return no_grad_status(x);
    const float *gy = node->out->grad->data;
    const uint8_t *keep = node->saved[0] ? node->saved[0]->data : NULL;
    float scale = node->farg[0];
    int64_t n = vx_numel(x);
    for (int64_t i = 0; i < n; i++)
        gx[i] += keep ? (keep[i] ? gy[i] * scale : 0.0f) : gy[i];
    return VX_OK;
}

vx_tensor *vx_dropout(vx_ctx *ctx, vx_tensor *x, float p)
{
    VX_RETURN_IF_NULL(x);
    if (!(p >= 0.0f && p < 1.0f))
        return vx_fail_null(VX_ERR_ARG, "dropout: p = %g must be in [0, 1)", (double)p);
    if (vx_require_f32("dropout", "input", x))
        return NULL;
    x = vx_contiguous(ctx, x);
    VX_RETURN_IF_NULL(x);
    vx_tensor *out = vx_new_like(ctx, x);
    VX_RETURN_IF_NULL(out);
    const float *px = x->data;
    float *py = out->data;
    int64_t n = vx_numel(x);
    vx_tensor *mask = NULL;
    float scale = 1.0f;
    if (vx_training(ctx) && p > 0.0f) {
        mask = vx_new(ctx, VX_U8, x->ndim, x->shape);
        VX_RETURN_IF_NULL(mask);
        uint8_t *keep = mask->data;
        scale = 1.0f / (1.0f - p);
        float u[DROPOUT_DRAW_BLOCK];
        for (int64_t i0 = 0; i0 < n; i0 += DROPOUT_DRAW_BLOCK) {
            int64_t m = n - i0 < DROPOUT_DRAW_BLOCK ? n - i0 : DROPOUT_DRAW_BLOCK;
            vx_rng_uniform(vx_ctx_rng(ctx), u, (size_t)m, 0.0f, 1.0f);
            for (int64_t k = 0; k < m; k++) {
                keep[i0 + k] = u[k] >= p;
                py[i0 + k] = keep[i0 + k] ? px[i0 + k] * scale : 0.0f;
            }
        }
    } else {
        memcpy(py, px, (size_t)n * sizeof *py);
    }
    if (vx_needs_grad(ctx, 1, &x)) {
        vx_node *node = vx_record(ctx, VX_OP_DROPOUT, out, 1, &x, dropout_backward);
        VX_RETURN_IF_NULL(node);
        node->saved[0] = mask;
        node->farg[0] = scale;
    }
    return out;
}

/* --- sequence_mask (not differentiable) ------------------------------------ */

/* lengths [B] (i32) -> mask [B, max_len] (u8): mask[b, t] = [t < lengths[b]]. */
vx_tensor *vx_sequence_mask(vx_ctx *ctx, vx_tensor *lengths, int64_t max_len)
{
    VX_RETURN_IF_NULL(lengths);
    if (require_int("sequence_mask", "lengths", lengths, VX_I32, 1))
        return NULL;
    if (max_len < 0)
        return vx_fail_null(VX_ERR_ARG, "sequence_mask: max_len = %lld must be >= 0",
                            (long long)max_len);
    int64_t batch = lengths->shape[0];
    for (int64_t b = 0; b < batch; b++) {
        int32_t len = vx_get_i(lengths, b);
        if (len < 0 || len > max_len)
            return vx_fail_null(VX_ERR_ARG,
                                "sequence_mask: length %d of item %lld is outside [0, max_len = "
                                "%lld]; pass a max_len of at least the longest length",
                                (int)len, (long long)b, (long long)max_len);
    }
    vx_tensor *out = vx_new(ctx, VX_U8, 2, (int64_t[]){batch, max_len});
    VX_RETURN_IF_NULL(out);
    uint8_t *pm = out->data;
    for (int64_t b = 0; b < batch; b++) {
        int32_t len = vx_get_i(lengths, b);
        for (int64_t t = 0; t < max_len; t++)
            pm[b * max_len + t] = t < len;
    }
    return out;
}
