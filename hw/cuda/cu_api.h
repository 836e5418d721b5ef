/* cu_api.h — the CUDA runtime (libcudart) types, constants and entry points
 * the cuda backend uses, declared locally (vxcu_ prefix) so that the default
 * build needs no CUDA headers and no -lcudart: the library is loaded with
 * dlopen at run time. The constants are the values of cuda_runtime_api.h /
 * driver_types.h; kernels_common.cuh checks them against the real headers
 * whenever `make CUDA=1` compiles the kernel library. */
#ifndef VX_HW_CUDA_CU_API_H
#define VX_HW_CUDA_CU_API_H

#include <stddef.h>

typedef int vxcu_error;       /* cudaError_t */
typedef void *vxcu_stream;    /* cudaStream_t */
typedef void *vxcu_event;     /* cudaEvent_t  */

#define VXCU_SUCCESS 0                         /* cudaSuccess                  */
#define VXCU_MEMCPY_HOST_TO_DEVICE 1           /* cudaMemcpyHostToDevice       */
#define VXCU_MEMCPY_DEVICE_TO_HOST 2           /* cudaMemcpyDeviceToHost       */
#define VXCU_STREAM_NON_BLOCKING 0x01          /* cudaStreamNonBlocking        */
#define VXCU_ATTR_COMPUTE_CAPABILITY_MAJOR 75  /* cudaDevAttrComputeCapabilityMajor */
#define VXCU_ATTR_COMPUTE_CAPABILITY_MINOR 76  /* cudaDevAttrComputeCapabilityMinor */

/* The entry points, looked up with dlsym by their cudart names. */
typedef struct vxcu_api {
    vxcu_error (*GetDeviceCount)(int *count);
    vxcu_error (*SetDevice)(int device);
    vxcu_error (*DeviceGetAttribute)(int *value, int attr, int device);
    vxcu_error (*Malloc)(void **ptr, size_t bytes);
    vxcu_error (*Free)(void *ptr);
    vxcu_error (*MemcpyAsync)(void *dst, const void *src, size_t bytes, int kind, vxcu_stream s);
    vxcu_error (*StreamCreateWithFlags)(vxcu_stream *s, unsigned flags);
    vxcu_error (*StreamSynchronize)(vxcu_stream s);
    vxcu_error (*EventCreate)(vxcu_event *e);
    vxcu_error (*EventRecord)(vxcu_event e, vxcu_stream s);
    vxcu_error (*EventSynchronize)(vxcu_event e);
    vxcu_error (*EventElapsedTime)(float *ms, vxcu_event start, vxcu_event end);
    vxcu_error (*GetLastError)(void);
    const char *(*GetErrorName)(vxcu_error err);
    const char *(*GetErrorString)(vxcu_error err);
} vxcu_api;

#endif
