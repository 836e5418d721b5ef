/* cublas_check.cu — compile-time checks that the cuBLAS declarations of
 * hw/cuda/cb_api.h (used by the --vs-cublas benchmark peer without any
 * cuBLAS header) equal NVIDIA's cublas_api.h: constants, type sizes and the
 * exact parameter lists of the entry points. Compiled by `make CUDA=1` into
 * libvoxc_cuda.so, where it adds no code; skipped when the toolkit has no
 * cuBLAS header (cuBLAS is a benchmark peer, never a build dependency). */
#if defined(__has_include)
#if __has_include(<cublas_api.h>)
#include <cublas_api.h>
#include <type_traits>

#include "hw/cuda/cb_api.h"

static_assert(VXCB_STATUS_SUCCESS == CUBLAS_STATUS_SUCCESS, "cb_api.h: CUBLAS_STATUS_SUCCESS");
static_assert(VXCB_OP_N == CUBLAS_OP_N, "cb_api.h: CUBLAS_OP_N");
static_assert(sizeof(vxcb_status) == sizeof(cublasStatus_t), "cb_api.h: cublasStatus_t");
static_assert(sizeof(vxcb_operation) == sizeof(cublasOperation_t), "cb_api.h: cublasOperation_t");
static_assert(sizeof(vxcb_handle) == sizeof(cublasHandle_t), "cb_api.h: cublasHandle_t");

static_assert(std::is_same<decltype(&cublasCreate_v2),
                           cublasStatus_t(*) VXCB_CREATE_PARAMS(cublasHandle_t)>::value,
              "cb_api.h: cublasCreate_v2's parameters");
static_assert(std::is_same<decltype(&cublasDestroy_v2),
                           cublasStatus_t(*) VXCB_DESTROY_PARAMS(cublasHandle_t)>::value,
              "cb_api.h: cublasDestroy_v2's parameters");
static_assert(std::is_same<decltype(&cublasSetStream_v2),
                           cublasStatus_t(*) VXCB_SET_STREAM_PARAMS(cublasHandle_t, cudaStream_t)>::value,
              "cb_api.h: cublasSetStream_v2's parameters");
static_assert(std::is_same<decltype(&cublasGetVersion_v2),
                           cublasStatus_t(*) VXCB_GET_VERSION_PARAMS(cublasHandle_t)>::value,
              "cb_api.h: cublasGetVersion_v2's parameters");
static_assert(std::is_same<decltype(&cublasSgemm_v2),
                           cublasStatus_t(*) VXCB_SGEMM_PARAMS(cublasHandle_t, cublasOperation_t)>::value,
              "cb_api.h: cublasSgemm_v2's parameters");
static_assert(std::is_same<decltype(&cublasGetStatusString), const char *(*)(cublasStatus_t)>::value,
              "cb_api.h: cublasGetStatusString's parameters");
#endif
#endif
