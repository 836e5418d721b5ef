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

#endif
