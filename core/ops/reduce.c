/* reduce.c — reductions: sum and mean over a list of axes, argmax, cumsum.
 *
 * Scalar reference forward and backward side by side. sum/mean walk the input
 * in its own strides (the 4-D padded walk) and add every element into the
 * output slot named by its kept indices, accumulating in double. argmax and
 * cumsum view the contiguous input as [outer, n, inner] around their axis. */
#include <math.h>

#include "op_util.h"

/* --- sum and mean ------------------------------------------------------------ */

/* Mark the dims of x that the reduction removes: the listed axes (negative
 * counts from the end), or every dim when n_axes == 0. */
static vx_status reduce_mask(const char *op, const vx_tensor *x, const int *axes, int n_axes,
                             bool reduced[VX_MAX_DIMS])
{
    memset(reduced, 0, VX_MAX_DIMS * sizeof *reduced);
    if (n_axes < 0 || (n_axes > 0 && !axes))
        return vx_fail(VX_ERR_ARG,
                       "%s: got n_axes %d with axes %s; pass an axis list and its length "
                       "(n_axes 0 reduces every dim)",
                       op, n_axes, axes ? "set" : "NULL");
    if (n_axes == 0) {
        for (int d = 0; d < x->ndim; d++)
            reduced[d] = true;
        return VX_OK;
    }
    for (int k = 0; k < n_axes; k++) {
        int a = vx_checked_axis(op, x, axes[k]);
        if (a < 0)
            return vx_last_status();
        if (reduced[a])
            return vx_fail(VX_ERR_ARG, "%s: axis %d is listed twice; list each axis once", op, axes[k]);
        reduced[a] = true;
    }
    return VX_OK;
}

/* Strides that map an index of x (4-D padded) to the contiguous output slot:
 * 0 along reduced dims, the output's row-major strides along kept ones. */
static shape4 reduce_out_map(const vx_tensor *x, const bool *reduced)
{
    shape4 m = shape4_of(x);
    int lead = VX_MAX_DIMS - x->ndim;
    int64_t stride = 1;
    for (int i = 3; i >= 0; i--) {
        bool red = i >= lead && reduced[i - lead];
        m.s[i] = red ? 0 : stride;
        if (!red)
            stride *= m.n[i];
    }
    return m;
}

/* x [..] -> out [kept dims]; y[o] = scale · Σ_{x indices mapping to o} x,
 * scale = 1 (sum) or 1/count (mean). dx[i] += scale · dy[o(i)]. */
static vx_status reduce_backward(vx_ctx *ctx, vx_node *node)
{
    vx_tensor *x = node->in[0];
    float *gx = vx_grad_buf(ctx, x);
    if (!gx)
        return vx_last_status();
    bool reduced[VX_MAX_DIMS];
    for (int d = 0; d < VX_MAX_DIMS; d++)
        reduced[d] = node->iarg[d] != 0;
    shape4 xs = shape4_of(x), om = reduce_out_map(x, reduced);
    const float *gy = node->out->grad->data;
    float scale = node->farg[0];
    int64_t k = 0;
    for (int64_t i0 = 0; i0 < xs.n[0]; i0++)
        for (int64_t i1 = 0; i1 < xs.n[1]; i1++)
            for (int64_t i2 = 0; i2 < xs.n[2]; i2++)
                for (int64_t i3 = 0; i3 < xs.n[3]; i3++)
                    gx[k++] += scale * gy[shape4_offset(&om, i0, i1, i2, i3)];
    return VX_OK;
}

static vx_tensor *reduce(vx_ctx *ctx, vx_op_id op, vx_tensor *x, const int *axes, int n_axes,
                         bool keepdim)
{
    VX_RETURN_IF_NULL(x);
    const char *name = vx_op_table[op].name;
    bool reduced[VX_MAX_DIMS];
    if (vx_require_f32(name, "input", x) || reduce_mask(name, x, axes, n_axes, reduced))
        return NULL;
    int out_ndim = 0;
    int64_t out_shape[VX_MAX_DIMS], count = 1;
    for (int d = 0; d < x->ndim; d++) {
        if (reduced[d])
            count *= x->shape[d];
        if (!reduced[d] || keepdim)
            out_shape[out_ndim++] = reduced[d] ? 1 : x->shape[d];
    }
    vx_tensor *out = vx_new(ctx, VX_F32, out_ndim, out_shape);
    VX_RETURN_IF_NULL(out);
    int64_t n_out = vx_numel(out);
    double *acc = vx_arena_alloc(ctx, (size_t)n_out * sizeof *acc);
    VX_RETURN_IF_NULL(acc);
    shape4 xs = shape4_of(x), om = reduce_out_map(x, reduced);
    const float *px = x->data;
    for (int64_t i0 = 0; i0 < xs.n[0]; i0++)
        for (int64_t i1 = 0; i1 < xs.n[1]; i1++)
            for (int64_t i2 = 0; i2 < xs.n[2]; i2++)
                for (int64_t i3 = 0; i3 < xs.n[3]; i3++)
                    acc[shape4_offset(&om, i0, i1, i2, i3)] += px[shape4_offset(&xs, i0, i1, i2, i3)];
    /* the mean of nothing is NaN, as in PyTorch */
    float scale = op == VX_OP_SUM ? 1.0f : (count > 0 ? 1.0f / (float)count : NAN);
    float *py = out->data;
    for (int64_t i = 0; i < n_out; i++)
        py[i] = op == VX_OP_SUM ? (float)acc[i] : count > 0 ? (float)(acc[i] / (double)count) : NAN;
    if (vx_needs_grad(ctx, 1, &x)) {
        vx_node *node = vx_record(ctx, op, out, 1, &x, reduce_backward);
        VX_RETURN_IF_NULL(node);
        for (int d = 0; d < VX_MAX_DIMS; d++)
            node->iarg[d] = reduced[d];
        node->farg[0] = scale;
    }
    return out;
}

vx_tensor *vx_sum(vx_ctx *ctx, vx_tensor *x, const int *axes, int n_axes, bool keepdim)
{
    return reduce(ctx, VX_OP_SUM, x, axes, n_axes, keepdim);
}

vx_tensor *vx_mean(vx_ctx *ctx, vx_tensor *x, const int *axes, int n_axes, bool keepdim)
{
    return reduce(ctx, VX_OP_MEAN, x, axes, n_axes, keepdim);
}

/* --- argmax (not differentiable) --------------------------------------------- */

/* x [.., n, ..] -> i32 [.., ..]: index of the largest value along the axis; the
 * first one wins ties, and a NaN counts as the largest (as in PyTorch). */
vx_tensor *vx_argmax(vx_ctx *ctx, vx_tensor *x, int axis)
{
    VX_RETURN_IF_NULL(x);
    if (vx_require_f32("argmax", "input", x))
        return NULL;
    int a = vx_checked_axis("argmax", x, axis);
    if (a < 0)
        return NULL;
    if (x->shape[a] == 0)
        return vx_fail_null(VX_ERR_ARG, "argmax: axis %d is empty; there is no largest value", axis);
    /* a contiguous copy for reading only: it must not join the tape */
    bool was = vx_set_grad_enabled(ctx, false);
    x = vx_contiguous(ctx, x);
    vx_set_grad_enabled(ctx, was);
    VX_RETURN_IF_NULL(x);
    int64_t out_shape[VX_MAX_DIMS];
    int out_ndim = 0;
    for (int d = 0; d < x->ndim; d++)
        if (d != a)
            out_shape[out_ndim++] = x->shape[d];
    vx_tensor *out = vx_new(ctx, VX_I32, out_ndim, out_shape);
    VX_RETURN_IF_NULL(out);
    axis_split s = axis_split_of(x, a);
    const float *px = x->data;
    int32_t *py = out->data;
    for (int64_t o = 0; o < s.outer; o++)
        for (int64_t i = 0; i < s.inner; i++) {
            const float *line = px + o * s.n * s.inner + i;
            int64_t best = 0;
            for (int64_t j = 1; j < s.n && !isnan(line[best * s.inner]); j++) {
                float v = line[j * s.inner];
                if (v > line[best * s.inner] || isnan(v))
                    best = j;
            }
            py[o * s.inner + i] = (int32_t)best;
        }
    return out;
}

/* --- cumsum ------------------------------------------------------------------ */

/* x [outer, n, inner] -> y same shape: y[o,j,i] = Σ_{k≤j} x[o,k,i].
 * dx[o,k,i] += Σ_{j≥k} dy[o,j,i] (a cumulative sum running backwards). */
static vx_status cumsum_backward(vx_ctx *ctx, vx_node *node)
{
    float *gx = vx_grad_buf(ctx, node->in[0]);
    if (!gx)
        return vx_last_status();
    axis_split s = axis_split_of(node->in[0], (int)node->iarg[0]);
    const float *gy = node->out->grad->data;
    for (int64_t o = 0; o < s.outer; o++)
        for (int64_t i = 0; i < s.inner; i++) {
            int64_t base = o * s.n * s.inner + i;
            double run = 0;
            for (int64_t j = s.n - 1; j >= 0; j--) {
                run += gy[base + j * s.inner];
                gx[base + j * s.inner] += (float)run;
            }
        }
    return VX_OK;
}

vx_tensor *vx_cumsum(vx_ctx *ctx, vx_tensor *x, int axis)
{
    VX_RETURN_IF_NULL(x);
    if (vx_require_f32("cumsum", "input", x))
        return NULL;
    int a = vx_checked_axis("cumsum", x, axis);
    if (a < 0)
        return NULL;
    x = vx_contiguous(ctx, x);
    VX_RETURN_IF_NULL(x);
    vx_tensor *out = vx_new_like(ctx, x);
    VX_RETURN_IF_NULL(out);
    axis_split s = axis_split_of(x, a);
    const float *px = x->data;
    float *py = out->data;
    for (int64_t o = 0; o < s.outer; o++)
        for (int64_t i = 0; i < s.inner; i++) {
            int64_t base = o * s.n * s.inner + i;
            double run = 0;
            for (int64_t j = 0; j < s.n; j++) {
                run += px[base + j * s.inner];
                py[base + j * s.inner] = (float)run;
            }
        }
    if (vx_needs_grad(ctx, 1, &x)) {
        vx_node *node = vx_record(ctx, VX_OP_CUMSUM, out, 1, &x, cumsum_backward);
        VX_RETURN_IF_NULL(node);
        node->iarg[0] = a;
    }
    return out;
}
