/* backends.h — the built-in backend vtables, for the registry in backend.c,
 * and the launch-geometry helpers the device backends share (op_desc.c)
 * (internal: callers use vx_backend_get). */
#ifndef VX_HW_BACKENDS_H
#define VX_HW_BACKENDS_H

#include "hw/backend.h"

extern const vx_backend vx_backend_cpu;    /* hw/cpu/backend_cpu.c       */
extern const vx_backend vx_backend_opencl; /* hw/opencl/backend_opencl.c */
extern const vx_backend vx_backend_cuda;   /* hw/cuda/backend_cuda.c     */


/* t right-aligned into 4 dims: sizes n, contiguous strides s (0 on size-1 dims). */
void vx_operand_pad4(const vx_operand *t, int64_t n[4], int64_t s[4]);

/* [outer, n, inner] around `axis` (0 <= axis < t->ndim). */
void vx_operand_split(const vx_operand *t, int axis, int64_t *outer, int64_t *n, int64_t *inner);

/* A possibly negative axis counted from the front (-1: ndim - 1). */
int vx_axis_of(int64_t axis, int ndim);

/* True when the op is named in the comma-separated list of environment
 * variable `env` (VOXC_OPENCL_SKIP_OPS=softmax,gelu: those ops fall back). */
bool vx_op_skip_listed(const char *env, int op);

/* The pre-checks every device backend makes before its kernel table: the op
 * is not skip-listed in `env`, its operands are f32 (a gather's indices i32)
 * and a gather's index count fits an int (kernels record bad positions in
 * one). */
bool vx_op_device_ready(const char *env, const vx_op_desc *d);

#endif
