/* op_util.h — small helpers shared by the op families in core/ops/ (internal).
 *
 * Shapes are handled as 4-D "padded" shapes: a rank-r tensor is viewed as
 * [1,..,1, d0..d(r-1)] with stride 0 on the leading ones, so kernels can loop
 * over exactly four indices whatever the rank. */
#ifndef VX_OP_UTIL_H
#define VX_OP_UTIL_H

#include <stdbool.h>
#include <string.h>

#include "../ops.h"

/* Right-aligned 4-D shape and element strides of t (broadcast-friendly). */
typedef struct shape4 {
    int64_t n[4];
    int64_t s[4];
} shape4;

static inline shape4 shape4_of(const vx_tensor *t)
{
    shape4 r;
    int lead = 4 - t->ndim;
    for (int i = 0; i < 4; i++) {
        r.n[i] = i < lead ? 1 : t->shape[i - lead];
        r.s[i] = i < lead ? 0 : t->stride[i - lead];
        if (r.n[i] == 1)
            r.s[i] = 0;
    }
    return r;
}

/* Strides of `t` after broadcasting it to `out` (right-aligned, 0 on stretched dims). */
static inline shape4 shape4_broadcast(const vx_tensor *t, const vx_tensor *out)
{
    shape4 r = shape4_of(t);
    shape4 o = shape4_of(out);
    for (int i = 0; i < 4; i++) {
        if (r.n[i] != o.n[i])
            r.s[i] = 0;
        r.n[i] = o.n[i];
    }
    return r;
}

static inline int64_t shape4_offset(const shape4 *s, int64_t i0, int64_t i1, int64_t i2, int64_t i3)
{
    return i0 * s->s[0] + i1 * s->s[1] + i2 * s->s[2] + i3 * s->s[3];
}

/* t viewed around `axis` as [outer, n, inner]: contiguous element (o, j, i)
 * sits at (o·n + j)·inner + i. */
typedef struct axis_split {
    int64_t outer, n, inner;
} axis_split;

static inline axis_split axis_split_of(const vx_tensor *t, int axis)
{
    axis_split s = {1, t->shape[axis], 1};
    for (int d = 0; d < axis; d++)
        s.outer *= t->shape[d];
    for (int d = axis + 1; d < t->ndim; d++)
        s.inner *= t->shape[d];
    return s;
}

/* Broadcast result shape of a and b into out_shape/out_ndim; VX_ERR_ARG when incompatible. */
vx_status vx_broadcast_shape(const char *op, const vx_tensor *a, const vx_tensor *b,
                             int *out_ndim, int64_t *out_shape);

/* Gradient buffers of node->in[0..n_in-1] into g: NULL where an input is
 * absent or does not require grad. Fails only when a needed buffer cannot be
 * allocated. */
vx_status vx_input_grads(vx_ctx *ctx, vx_node *node, float **g);

/* Fails with a message unless t is f32. */
vx_status vx_require_f32(const char *op, const char *what, const vx_tensor *t);

/* Axis of x normalised to 0..ndim-1 (negative counts from the end), or -1
 * with a message naming op and the valid range. */
int vx_checked_axis(const char *op, const vx_tensor *x, int axis);

/* New contiguous f32 arena tensor with the same shape as t. */
vx_tensor *vx_new_like(vx_ctx *ctx, const vx_tensor *t);

/* dst_grad (contiguous, shape of dst) += src (contiguous, shape of out),
 * summing over the dims along which dst was broadcast to out. */
void vx_accum_broadcast_grad(float *dst_grad, const vx_tensor *dst, const float *src,
                             const vx_tensor *out);

/* Scratch for the per-output-element gradients of two broadcast inputs a, b
 * (n = numel of the output): *ta / *tb are NULL for an input that takes no
 * gradient. vx_pair_grads_reduce then sums each into its input's gradient
 * over the dims along which it was broadcast. */
vx_status vx_pair_grads_alloc(vx_ctx *ctx, const vx_tensor *a, const vx_tensor *b, int64_t n,
                              float **ta, float **tb);
vx_status vx_pair_grads_reduce(vx_ctx *ctx, vx_tensor *a, vx_tensor *b, const float *ta,
                               const float *tb, const vx_tensor *out);

/* dst (any strides, f32) += src (contiguous, same shape). Used by view backward:
 * stride-0 dims of dst accumulate sums, which is the gradient of expand. */
void vx_accum_strided(vx_tensor *dst, const float *src);

/* Header over a gradient buffer with t's shape (contiguous f32). */
vx_tensor vx_grad_header(const vx_tensor *t, float *grad);

#define VX_RETURN_IF_NULL(x) \
    do {                      \
        if (!(x))             \
            return NULL;      \
    } while (0)

#endif
