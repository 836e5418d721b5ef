/* kernels.c — the table of kernel program sources by family. */
#include "hw/opencl/kernels.h"

const char *const vxcl_sources[VXCL_FAMILY_COUNT] = {
    [VXCL_ELEMENTWISE] = vxcl_src_elementwise,
    [VXCL_ROWS] = vxcl_src_rows,
    [VXCL_GEMM] = vxcl_src_gemm,
    [VXCL_CONV] = vxcl_src_conv,
    [VXCL_INDEX] = vxcl_src_index,
};

const char *const vxcl_family_names[VXCL_FAMILY_COUNT] = {
    [VXCL_ELEMENTWISE] = "elementwise",
    [VXCL_ROWS] = "row (softmax, layer norm, reduction, cumsum)",
    [VXCL_GEMM] = "gemm",
    [VXCL_CONV] = "conv",
    [VXCL_INDEX] = "index",
};
