/* kernels.h — the OpenCL C sources of the opencl backend, one program per op
 * family (kernels_*.c), embedded as C strings and built at first use.
 *
 * Sources are written inside VXCL_SRC(...), which turns them into one string
 * literal (comments vanish, so build logs report column positions on line 1).
 * They cannot hold preprocessor lines: constants come as -D build options
 * (the VX_OP_* ids of core/op_list.h, ROW_GROUP, TILE; see cl_runtime.c).
 * Every kernel takes element offsets next to its buffers, so operands can sit
 * anywhere inside a buffer. */
#ifndef VX_HW_OPENCL_KERNELS_H
#define VX_HW_OPENCL_KERNELS_H

#include "hw/opencl/cl_runtime.h"

#define VXCL_SRC(...) #__VA_ARGS__

extern const char vxcl_src_elementwise[]; /* binary broadcast, unary      */
extern const char vxcl_src_rows[];        /* softmax, layer norm, sum/mean, cumsum */
extern const char vxcl_src_gemm[];        /* tiled GEMM: matmul, linear   */
extern const char vxcl_src_conv[];        /* conv1d, conv_transpose1d     */
extern const char vxcl_src_index[];       /* embedding, index_select      */

extern const char *const vxcl_sources[VXCL_FAMILY_COUNT];
extern const char *const vxcl_family_names[VXCL_FAMILY_COUNT];

#endif
