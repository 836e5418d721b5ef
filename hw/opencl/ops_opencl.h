/* ops_opencl.h — op descriptors to OpenCL kernel launches (internal to the
 * opencl backend; callers hold vxcl_lock and have started the runtime). */
#ifndef VX_HW_OPENCL_OPS_OPENCL_H
#define VX_HW_OPENCL_OPS_OPENCL_H

#include "hw/backend.h"
#include "hw/opencl/cl_runtime.h"

/* Whether a kernel exists for this op, dtype and size. */
bool vxcl_op_supported(const vx_op_desc *d);

/* Queues the kernel(s) of a checked descriptor. */
vx_status vxcl_op_run(const vx_op_desc *d);

#endif
