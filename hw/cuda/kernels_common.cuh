/* kernels_common.cuh — shared by the CUDA C kernel files of the cuda
 * backend (built by nvcc into libvoxc_cuda.so with `make CUDA=1` only):
 * launch geometry helpers, the launchers each file defines (collected into
 * the table by kernels.cu), and compile-time checks that the constants
 * hw/cuda/cu_api.h declares without CUDA headers equal the real ones.
 *
 * Compile-tested only: no kernel here has run on a GPU yet (this project's
 * machines have none); `make test-cuda` on a GPU machine is the first run. */
#ifndef VX_HW_CUDA_KERNELS_COMMON_CUH
#define VX_HW_CUDA_KERNELS_COMMON_CUH

#include <cuda_runtime.h>
#include <stdint.h>

#include "hw/cuda/cu_api.h"
#include "hw/cuda/cu_kernels.h"

static_assert(VXCU_SUCCESS == cudaSuccess, "cu_api.h: cudaSuccess");
static_assert(VXCU_MEMCPY_HOST_TO_DEVICE == cudaMemcpyHostToDevice, "cu_api.h: cudaMemcpyHostToDevice");
static_assert(VXCU_MEMCPY_DEVICE_TO_HOST == cudaMemcpyDeviceToHost, "cu_api.h: cudaMemcpyDeviceToHost");
static_assert(VXCU_STREAM_NON_BLOCKING == cudaStreamNonBlocking, "cu_api.h: cudaStreamNonBlocking");
static_assert(VXCU_ATTR_COMPUTE_CAPABILITY_MAJOR == cudaDevAttrComputeCapabilityMajor,
              "cu_api.h: cudaDevAttrComputeCapabilityMajor");
static_assert(VXCU_ATTR_COMPUTE_CAPABILITY_MINOR == cudaDevAttrComputeCapabilityMinor,
              "cu_api.h: cudaDevAttrComputeCapabilityMinor");
static_assert(sizeof(vxcu_stream) == sizeof(cudaStream_t), "cu_api.h: cudaStream_t");

/* Threads per block of the one-dimensional (grid-stride) kernels. */
#define VXCU_BLOCK 256
/* Threads per block of the per-line kernels (softmax, layer norm, group
 * reductions): a multiple of the warp size. */
#define VXCU_ROW_BLOCK 128
/* Grid limits used: grid-stride loops cover the rest. */
#define VXCU_MAX_BLOCKS_X (1 << 20)
#define VXCU_MAX_BLOCKS_YZ 65535

/* Blocks for `items` grid-stride items (items > 0). */
static inline unsigned vxcu_blocks(int64_t items, int per_block)
{
    int64_t b = (items + per_block - 1) / per_block;
    return (unsigned)(b < VXCU_MAX_BLOCKS_X ? b : VXCU_MAX_BLOCKS_X);
}

/* The launch's status (configuration errors surface here). */
static inline int vxcu_launched(void) { return (int)cudaGetLastError(); }

/* Launchers, one per table entry (cu_kernels.h documents each). */
int vxcu_launch_binary(void *stream, const vxcu_binary_args *a);
int vxcu_launch_unary(void *stream, const vxcu_unary_args *a);
int vxcu_launch_softmax(void *stream, const vxcu_rows_args *a);
int vxcu_launch_layer_norm(void *stream, const vxcu_rows_args *a);
int vxcu_launch_cumsum(void *stream, const vxcu_rows_args *a);
int vxcu_launch_reduce(void *stream, const vxcu_reduce_args *a);
int vxcu_launch_bias_grad(void *stream, const vxcu_bias_grad_args *a);
int vxcu_launch_gemm(void *stream, const vxcu_gemm_args *a);
int vxcu_launch_conv(void *stream, const vxcu_conv_args *a);
int vxcu_launch_conv_grad_w(void *stream, const vxcu_conv_grad_w_args *a);
int vxcu_launch_gather(void *stream, const vxcu_gather_args *a);

#endif
