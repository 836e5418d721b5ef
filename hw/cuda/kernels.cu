/* kernels.cu — the entry point of the cuda backend's kernel library
 * (libvoxc_cuda.so, `make CUDA=1`): the launcher table that
 * hw/cuda/cu_runtime.c looks up with dlsym, and the device name (read here
 * because cudaDeviceProp's layout comes from the CUDA headers).
 * Compile-tested only (no GPU on this project's machines). */
#include <stdio.h>

#include "hw/cuda/kernels_common.cuh"

static int device_name(int device, char *buf, size_t n)
{
    cudaDeviceProp prop;
    cudaError_t err = cudaGetDeviceProperties(&prop, device);
    if (err == cudaSuccess)
        snprintf(buf, n, "%s", prop.name);
    return (int)err;
}

static const vxcu_kernels table = {
    VXCU_KERNELS_ABI,
    device_name,
    vxcu_launch_binary,
    vxcu_launch_unary,
    vxcu_launch_softmax,
    vxcu_launch_layer_norm,
    vxcu_launch_cumsum,
    vxcu_launch_reduce,
    vxcu_launch_gemm,
    vxcu_launch_conv,
    vxcu_launch_conv_grad_w,
    vxcu_launch_bias_grad,
    vxcu_launch_gather,
};

extern "C" __attribute__((visibility("default"))) const vxcu_kernels *vxcu_kernels_table(void)
{
    return &table;
}
