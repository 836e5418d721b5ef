/* tensor.h — the strided tensor and its views.
 *
 * A tensor is a header (dtype, up to 4 dims, strides in elements) over data it
 * does not own: data lives in the context's arena, in persistent memory, or in
 * a memory-mapped file. Views (reshape, permute, transpose, slice, expand)
 * make a new header over the same data; their autograd nodes live in ops.h.
 * Gradients are always contiguous f32 tensors with the owner's shape.
 *
 * A tensor may also have a device side (`dev`, core/dispatch.h): values on a
 * backend's device, with `data` as their host mirror. Every accessor below
 * makes the host values current first (vx_to_host); writers mark the device
 * copy stale. Host tensors have dev == NULL. */
#ifndef VX_TENSOR_H
#define VX_TENSOR_H

#include <stdbool.h>
#include <stdint.h>

#include "ctx.h"
#include "dtype.h"

#define VX_MAX_DIMS 4

typedef struct vx_node vx_node;
struct vx_dstore; /* core/dispatch.h */

typedef struct vx_tensor {
    vx_dtype dtype;
    int ndim;                       /* 0 (scalar) .. VX_MAX_DIMS              */
    int64_t shape[VX_MAX_DIMS];
    int64_t stride[VX_MAX_DIMS];    /* in elements; 0 on broadcast dims       */
    void *data;                     /* element [0,0,..] of this view          */
    struct vx_tensor *grad;         /* contiguous f32, same shape, or NULL    */
    vx_node *node;                  /* tape node that made it; NULL for leaves */
    bool requires_grad;
    bool persistent;                /* header and data outlive vx_ctx_reset   */
    char name[56];                  /* parameter name, "" for activations     */
    struct vx_dstore *dev;          /* device side shared with views, or NULL */
} vx_tensor;

/* --- creation ------------------------------------------------------------ */

/* New contiguous, zero-filled tensor in the arena. NULL + error on bad shape. */
vx_tensor *vx_new(vx_ctx *ctx, vx_dtype dt, int ndim, const int64_t *shape);

/* Like vx_new, but the data is not zero-filled: for outputs a kernel
 * overwrites in full before anything reads them. */
vx_tensor *vx_empty(vx_ctx *ctx, vx_dtype dt, int ndim, const int64_t *shape);

/* New contiguous, zero-filled persistent tensor that requires grad when
 * `requires_grad`; `name` is copied (parameter path, may be NULL). */
vx_tensor *vx_param(vx_ctx *ctx, const char *name, vx_dtype dt, int ndim,
                    const int64_t *shape, bool requires_grad);

/* Arena header over caller-owned memory (e.g. an mmapped safetensors blob). */
vx_tensor *vx_wrap(vx_ctx *ctx, vx_dtype dt, int ndim, const int64_t *shape, void *data);

/* Convenience: new f32 tensor in the arena filled from `values` (numel floats). */
vx_tensor *vx_from_f32(vx_ctx *ctx, int ndim, const int64_t *shape, const float *values);
vx_tensor *vx_from_i32(vx_ctx *ctx, int ndim, const int64_t *shape, const int32_t *values);
vx_tensor *vx_scalar(vx_ctx *ctx, float value);

/* --- queries -------------------------------------------------------------- */

int64_t vx_numel(const vx_tensor *t);
bool vx_is_contiguous(const vx_tensor *t);
bool vx_same_shape(const vx_tensor *a, const vx_tensor *b);
int vx_norm_axis(const vx_tensor *t, int axis); /* -1 -> ndim-1; -1 if invalid */
/* "[2, 3, 5]" into buf (for messages). Returns buf. */
const char *vx_shape_str(const vx_tensor *t, char *buf, int bufsize);

/* Element access by flat logical index (row-major over the shape), any
 * strides. f32 tensors only for get_f/set_f; i32 for get_i. Slow: tests,
 * debugging and non-hot helpers only. */
float vx_get_f(const vx_tensor *t, int64_t i);
void vx_set_f(vx_tensor *t, int64_t i, float v);
int32_t vx_get_i(const vx_tensor *t, int64_t i);
/* Byte offset of logical element i (row-major) from t->data. */
int64_t vx_offset_of(const vx_tensor *t, int64_t i);

/* (Device tensors: values are downloaded first; when that fails the error
 * is set, get_f returns NaN, get_i 0, set_f does nothing and the copies
 * zero-fill dst.) */

/* Copy all elements into a contiguous caller buffer as f32 (any dtype). */
void vx_copy_to_f32(const vx_tensor *t, float *dst);

/* Copy all elements, in row-major logical order and in t's own dtype, into
 * a contiguous caller buffer of vx_numel(t) elements (any strides; fast:
 * runs of the innermost dim are copied whole when it is contiguous). */
void vx_copy_elements(const vx_tensor *t, void *dst);

/* Fill helpers (any strides; f32 only). */
void vx_fill(vx_tensor *t, float v);
void vx_fill_uniform(vx_ctx *ctx, vx_tensor *t, float lo, float hi);
void vx_fill_normal(vx_ctx *ctx, vx_tensor *t, float mean, float std);

/* --- raw views (no autograd; ops.h wraps these as differentiable ops) ----- */
/* Each writes a new header into *out from `in` and returns VX_OK, or an error
 * status with a message. They are also applied to gradients in backward. */
vx_status vx_view_reshape(const vx_tensor *in, int ndim, const int64_t *shape, vx_tensor *out);
vx_status vx_view_permute(const vx_tensor *in, const int *perm, vx_tensor *out);
vx_status vx_view_slice(const vx_tensor *in, int axis, int64_t start, int64_t end, int64_t step,
                        vx_tensor *out);
vx_status vx_view_expand(const vx_tensor *in, int ndim, const int64_t *shape, vx_tensor *out);

#endif
