/* tensor_ops.h — ops on device tensors: a context gets a backend, and an op
 * on its tensors becomes an op descriptor run by that backend (with the
 * CPU fallback and --strict of vx_backend_dispatch).
 *
 *   vx_ctx_use_backend(ctx, "opencl");
 *   vx_tensor *y = vx_dev_conv1d(ctx, x, w, b, 1, 3, 1, 1);  // on the device
 *   float v = vx_get_f(y, 0);                                  // downloads
 *
 * Inputs may be host tensors (uploaded; persistent ones, i.e. weights, get
 * a persistent device copy, uploaded once), device tensors of the context's
 * backend, or views of them. Contiguous views are operands at their offset;
 * other views are made contiguous through the host (one download and one
 * upload: there is no device `contiguous` kernel yet). Outputs are new
 * device tensors in the context's device arena (or, for the _into form, a
 * device tensor or contiguous view the caller gives). Grad mode is ignored:
 * nothing is recorded on the tape (inference).
 *
 * The "cpu" backend works here too: its "device" memory is host memory and
 * its ops are the scalar references, which tests the plumbing anywhere. */
#ifndef VX_HW_TENSOR_OPS_H
#define VX_HW_TENSOR_OPS_H

#include "core/dispatch.h"
#include "hw/backend.h"

/* Give ctx the backend `name` ("cpu", "opencl", "cuda"): started (the reason
 * when it cannot run here), its memory hooks installed (core/dispatch.h). */
vx_status vx_ctx_use_backend(vx_ctx *ctx, const char *name);

/* The backend of ctx, or NULL for a host-only context. */
const vx_backend *vx_ctx_backend(const vx_ctx *ctx);

/* y = op(in[0..n_in-1]; iarg, farg) in the conventions of hw/backend.h (an
 * absent optional input is NULL); y is a new device tensor. NULL with the
 * error set on failure (bad shapes: the messages of vx_op_desc_check). */
vx_tensor *vx_dev_op(vx_ctx *ctx, vx_op_id op, int n_in, vx_tensor *const *in, const int64_t *iarg,
                     const float *farg);

/* The same, writing the result into `out`: a contiguous device tensor (or
 * view) of ctx's backend with the op's output shape, not overlapping the
 * inputs. */
vx_status vx_dev_op_into(vx_ctx *ctx, vx_tensor *out, vx_op_id op, int n_in, vx_tensor *const *in,
                         const int64_t *iarg, const float *farg);

/* --- typed forms of the ops VITS uses (arguments as in core/ops.h) ------------- */
/* A NULL required input (the result of a failed op) gives NULL and keeps
 * that op's error, so a chain of calls can be checked once at its end. */

vx_tensor *vx_dev_conv1d(vx_ctx *ctx, vx_tensor *x, vx_tensor *w, vx_tensor *bias, int stride, int pad,
                         int dilation, int groups);
vx_tensor *vx_dev_conv_transpose1d(vx_ctx *ctx, vx_tensor *x, vx_tensor *w, vx_tensor *bias, int stride,
                                   int pad, int output_padding, int groups, int dilation);
/* ADD SUB MUL DIV with broadcasting */
vx_tensor *vx_dev_binary(vx_ctx *ctx, vx_op_id op, vx_tensor *a, vx_tensor *b);
/* elementwise unary ops; p0, p1 as farg[0], farg[1] (slope, scale, lo/hi) */
vx_tensor *vx_dev_unary(vx_ctx *ctx, vx_op_id op, vx_tensor *x, float p0, float p1);
vx_tensor *vx_dev_index_select(vx_ctx *ctx, vx_tensor *x, int axis, vx_tensor *idx);

#endif
