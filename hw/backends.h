/* backends.h — the built-in backend vtables, for the registry in backend.c
 * (internal: callers use vx_backend_get). */
#ifndef VX_HW_BACKENDS_H
#define VX_HW_BACKENDS_H

#include "hw/backend.h"

extern const vx_backend vx_backend_cpu;    /* hw/cpu/backend_cpu.c       */
extern const vx_backend vx_backend_opencl; /* hw/opencl/backend_opencl.c */
extern const vx_backend vx_backend_cuda;   /* hw/cuda/backend_cuda.c     */

#endif
