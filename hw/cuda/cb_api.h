/* cb_api.h — the few cuBLAS types, constants and entry points that the
 * cuBLAS benchmark peer (cublas_peer.c) uses, declared locally (vxcb_
 * prefix) so that no build needs the cuBLAS headers or links libcublas: the
 * library is loaded with dlopen at run time, and only by voxc-opbench
 * --vs-cublas. The values are those of NVIDIA's cublas_api.h;
 * cublas_check.cu checks them (and the parameter lists below) against that
 * header whenever `make CUDA=1` finds it. */
#ifndef VX_HW_CUDA_CB_API_H
#define VX_HW_CUDA_CB_API_H

typedef int vxcb_status;     /* cublasStatus_t    */
typedef void *vxcb_handle;   /* cublasHandle_t    */
typedef int vxcb_operation;  /* cublasOperation_t */

#define VXCB_STATUS_SUCCESS 0 /* CUBLAS_STATUS_SUCCESS */
#define VXCB_OP_N 0           /* CUBLAS_OP_N: the operand as stored */

/* Parameter lists written once with the handle, operation and stream types
 * as arguments: cb_api.h instantiates them with its own types, cublas_check.cu
 * with the header's, so the two cannot drift apart. */
#define VXCB_CREATE_PARAMS(HANDLE) (HANDLE * handle)
#define VXCB_DESTROY_PARAMS(HANDLE) (HANDLE handle)
#define VXCB_SET_STREAM_PARAMS(HANDLE, STREAM) (HANDLE handle, STREAM stream)
#define VXCB_GET_VERSION_PARAMS(HANDLE) (HANDLE handle, int *version)
#define VXCB_SGEMM_PARAMS(HANDLE, OPERATION)                                                        \
    (HANDLE handle, OPERATION transa, OPERATION transb, int m, int n, int k, const float *alpha,   \
     const float *A, int lda, const float *B, int ldb, const float *beta, float *C, int ldc)

/* The entry points, looked up with dlsym by their libcublas names:
 * cublasCreate_v2, cublasDestroy_v2, cublasSetStream_v2, cublasSgemm_v2,
 * and where present cublasGetVersion_v2 and cublasGetStatusString. */
typedef struct vxcb_api {
    vxcb_status(*Create) VXCB_CREATE_PARAMS(vxcb_handle);
    vxcb_status(*Destroy) VXCB_DESTROY_PARAMS(vxcb_handle);
    vxcb_status(*SetStream) VXCB_SET_STREAM_PARAMS(vxcb_handle, void *);
    vxcb_status(*Sgemm) VXCB_SGEMM_PARAMS(vxcb_handle, vxcb_operation);
    vxcb_status(*GetVersion) VXCB_GET_VERSION_PARAMS(vxcb_handle);
    const char *(*GetStatusString)(vxcb_status status);
} vxcb_api;

#endif
