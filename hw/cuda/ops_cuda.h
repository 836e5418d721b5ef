/* ops_cuda.h — op descriptors to CUDA kernel launches (internal to the cuda
 * backend; callers hold vxcu_lock and have started the runtime). */
#ifndef VX_HW_CUDA_OPS_CUDA_H
#define VX_HW_CUDA_OPS_CUDA_H

#include "hw/backend.h"
#include "hw/cuda/cu_runtime.h"

/* Whether a kernel exists for this op, dtype and size. */
bool vxcu_op_supported(const vx_op_desc *d);

/* Queues the kernel(s) of a checked descriptor on the backend's stream. */
vx_status vxcu_op_run(const vx_op_desc *d);

#endif
