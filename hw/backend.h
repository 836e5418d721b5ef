/* backend.h — compute backends behind one vtable: cpu (the scalar reference
 * oracle), opencl, and later cuda.
 *
 * A backend owns device buffers and runs one op at a time from an op
 * descriptor: the op's id from core/op_list.h (VX_OP_*), its input and
 * output operands (buffer + byte offset + dtype + shape, contiguous
 * row-major) and the integer/float arguments the CPU op in core/ops.h takes.
 * Every backend is tested against the "cpu" backend, which runs the op
 * through core/ops.h in scalar reference mode (tests/test_backend_ops.c).
 *
 * Operand conventions per op (in[] order; "opt" inputs may have buf NULL):
 *   ADD SUB MUL DIV        a, b (numpy broadcasting)        -> broadcast shape
 *   SCALE ADD_SCALAR       x; farg[0] = s                   -> x's shape
 *   LEAKY_RELU             x; farg[0] = slope
 *   CLAMP                  x; farg[0] = lo, farg[1] = hi
 *   RELU GELU TANH SIGMOID EXP LOG SOFTPLUS SQRT ABS SQUARE CEIL   x
 *   SUM MEAN               x; iarg[0] = n_axes (0: all), iarg[1..4] = axes,
 *                          iarg[5] = keepdim
 *   CUMSUM SOFTMAX         x; iarg[0] = axis
 *   LAYER_NORM             x [..., C], gamma [C] opt, beta [C] opt; farg[0] = eps
 *   LAYER_NORM_CHANNELS    x [B, C, T], gamma [C] opt, beta [C] opt; farg[0] = eps
 *   MATMUL                 a [..., M, K], b [..., K, N] (batch dims broadcast)
 *   LINEAR                 x [..., In], w [Out, In], bias [Out] opt
 *   CONV1D                 x, w, bias opt; iarg = stride, pad, dilation, groups
 *   CONV_TRANSPOSE1D       x, w, bias opt; iarg = stride, pad, output_padding,
 *                          groups, dilation (the order vx_conv_transpose1d takes)
 *   EMBEDDING              weight [V, D] f32, idx i32 [...]
 *   INDEX_SELECT           x, idx i32 [n]; iarg[0] = axis
 * Float operands are f32 and indices i32: vx_op_desc_check refuses other
 * dtypes for now. f16/bf16 storage fits the same struct (the dtype field);
 * it will be allowed there first, with backends' supports() saying which
 * kernels take it and dispatch falling back for the rest.
 * Operands must not overlap the output.
 *
 * Backward (grad_of = k >= 1): the descriptor holds the forward inputs as
 * above plus dL/dy (the forward output's shape) as the last input, so n_in
 * is one more; out has input k−1's shape and receives out += dL/d in[k−1]
 * (accumulating, like the CPU backward into vx_grad_buf). Defined for
 * MATMUL, LINEAR, CONV1D and CONV_TRANSPOSE1D (bias: k = 3). */
#ifndef VX_HW_BACKEND_H
#define VX_HW_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/autograd.h"

typedef struct vx_backend vx_backend;

/* A device allocation. `handle` is the backend's own object (host memory
 * for cpu, a cl_mem for opencl, a device pointer for cuda). */
typedef struct vx_buffer {
    const vx_backend *backend;
    size_t bytes;
    void *handle;
} vx_buffer;

/* One operand: `buf` NULL marks an absent optional input. */
typedef struct vx_operand {
    vx_buffer *buf;
    size_t offset;                 /* bytes from the start of buf */
    vx_dtype dtype;
    int ndim;
    int64_t shape[VX_MAX_DIMS];    /* contiguous row-major        */
} vx_operand;

typedef struct vx_op_desc {
    vx_op_id op;
    int n_in;
    vx_operand in[VX_MAX_INPUTS];
    vx_operand out;
    int64_t iarg[8];
    float farg[4];
    int grad_of;                   /* 0: forward; k: backward for in[k−1] */
} vx_op_desc;

struct vx_backend {
    const char *name;
    /* The device it runs on, e.g. "NVIDIA H100" (after init). */
    const char *(*device_name)(void);
    /* Lazy start; idempotent. VX_ERR_UNSUPPORTED with the reason when the
     * backend cannot run here (no library, no platform, no device). */
    vx_status (*init)(void);
    /* NULL with the error set on failure. free(NULL) does nothing. */
    vx_buffer *(*alloc)(size_t bytes);
    void (*free)(vx_buffer *buf);
    /* Host <-> device copies of `bytes` at byte `offset`; they complete
     * before returning (the host memory may be reused at once). */
    vx_status (*upload)(vx_buffer *dst, size_t offset, const void *src, size_t bytes);
    vx_status (*download)(const vx_buffer *src, size_t offset, void *dst, size_t bytes);
    /* Wait for every queued op. */
    vx_status (*synchronize)(void);
    /* Whether run() can execute this descriptor (op, dtypes, ranks). */
    bool (*supports)(const vx_op_desc *desc);
    /* Queue the op (it may still run when this returns; download and
     * synchronize wait for it). Bad descriptors fail with VX_ERR_ARG. */
    vx_status (*run)(const vx_op_desc *desc);
    /* Device time in ms of the kernels of the last run() (waits for them),
     * or a negative value when the backend has no device timer. */
    double (*last_run_ms)(void);
};

/* The backend named "cpu", "opencl" or "cuda"; NULL with the error set for
 * an unknown name. Not started: call its init (or vx_backend_start) first. */
const vx_backend *vx_backend_get(const char *name);

/* Names of the backends built in, NULL-terminated. */
const char *const *vx_backend_names(void);

/* get + init in one call: NULL with the reason when unavailable. */
const vx_backend *vx_backend_start(const char *name);

/* --- descriptors ----------------------------------------------------------- */

/* Checks a descriptor against the op's shape rules and its buffers' sizes:
 * input count and dtypes, arguments, the output shape the op would make,
 * every operand inside its buffer, no operand overlapping the output.
 * Backends call it first in run(); VX_ERR_ARG with a message otherwise. */
vx_status vx_op_desc_check(const vx_op_desc *desc);

/* The shape the op makes from the descriptor's inputs and arguments (the
 * output operand is ignored): what a caller allocates the output with.
 * For a backward descriptor: the shape of the input whose gradient it is. */
vx_status vx_op_desc_out_shape(const vx_op_desc *desc, int *ndim, int64_t shape[VX_MAX_DIMS]);

/* Bytes an operand spans: numel · dtype size. */
size_t vx_operand_bytes(const vx_operand *t);
int64_t vx_operand_numel(const vx_operand *t);

/* Operand over `buf` at byte `offset` with the given dtype and shape. */
vx_operand vx_operand_of(vx_buffer *buf, size_t offset, vx_dtype dt, int ndim, const int64_t *shape);

/* --- dispatch with CPU fallback --------------------------------------------- */

/* Strict mode (the tools' --strict): an op the backend does not support
 * fails with VX_ERR_UNSUPPORTED instead of falling back. Default: off.
 * Returns the old value. */
bool vx_backend_set_strict(bool strict);

/* Runs desc on `be` when it supports it. Otherwise, unless strict, copies
 * the inputs to the host, runs the op on the cpu backend and copies the
 * output back, warning once per (backend, op) on stderr. */
vx_status vx_backend_dispatch(const vx_backend *be, const vx_op_desc *desc);

/* How many ops vx_backend_dispatch has sent to the cpu fallback so far. */
int64_t vx_backend_fallback_count(void);

#endif
