/* cl_api.h — the part of the OpenCL 1.2 host API that voxc uses, declared
 * here so the build needs no OpenCL headers and no link-time libOpenCL: the
 * functions are looked up with dlsym (cl_runtime.c) into a table.
 *
 * ref: Khronos OpenCL 1.2 specification (types, enum values, signatures);
 * tests/test_backend_ops.c checks the values against <CL/cl.h> when that
 * header is installed. Names carry a vxcl_ prefix so they never clash with
 * a real <CL/cl.h>. */
#ifndef VX_HW_OPENCL_CL_API_H
#define VX_HW_OPENCL_CL_API_H

#include <stddef.h>
#include <stdint.h>

typedef int32_t vxcl_int;
typedef uint32_t vxcl_uint;
typedef uint64_t vxcl_ulong;
typedef vxcl_ulong vxcl_bitfield;
typedef intptr_t vxcl_context_properties;

typedef struct vxcl_platform_s *vxcl_platform_id;
typedef struct vxcl_device_s *vxcl_device_id;
typedef struct vxcl_context_s *vxcl_context;
typedef struct vxcl_queue_s *vxcl_command_queue;
typedef struct vxcl_mem_s *vxcl_mem;
typedef struct vxcl_program_s *vxcl_program;
typedef struct vxcl_kernel_s *vxcl_kernel;
typedef struct vxcl_event_s *vxcl_event;

#define VXCL_SUCCESS 0
#define VXCL_TRUE 1u
#define VXCL_PLATFORM_NAME 0x0902u
#define VXCL_DEVICE_TYPE_GPU ((vxcl_bitfield)1 << 2)
#define VXCL_DEVICE_TYPE_ALL ((vxcl_bitfield)0xFFFFFFFF)
#define VXCL_DEVICE_TYPE 0x1000u
#define VXCL_DEVICE_MAX_WORK_GROUP_SIZE 0x1004u
#define VXCL_DEVICE_MAX_MEM_ALLOC_SIZE 0x1010u
#define VXCL_DEVICE_NAME 0x102Bu
#define VXCL_CONTEXT_PLATFORM 0x1084
#define VXCL_QUEUE_PROFILING_ENABLE ((vxcl_bitfield)1 << 1)
#define VXCL_MEM_READ_WRITE ((vxcl_bitfield)1 << 0)
#define VXCL_PROGRAM_BUILD_LOG 0x1183u
#define VXCL_PROFILING_COMMAND_START 0x1282u
#define VXCL_PROFILING_COMMAND_END 0x1283u

/* The entry points, resolved by name ("cl" + field name) from libOpenCL. */
typedef struct vxcl_api {
    vxcl_int (*GetPlatformIDs)(vxcl_uint, vxcl_platform_id *, vxcl_uint *);
    vxcl_int (*GetPlatformInfo)(vxcl_platform_id, vxcl_uint, size_t, void *, size_t *);
    vxcl_int (*GetDeviceIDs)(vxcl_platform_id, vxcl_bitfield, vxcl_uint, vxcl_device_id *, vxcl_uint *);
    vxcl_int (*GetDeviceInfo)(vxcl_device_id, vxcl_uint, size_t, void *, size_t *);
    vxcl_context (*CreateContext)(const vxcl_context_properties *, vxcl_uint, const vxcl_device_id *,
                                  void (*)(const char *, const void *, size_t, void *), void *,
                                  vxcl_int *);
    vxcl_int (*ReleaseContext)(vxcl_context);
    vxcl_command_queue (*CreateCommandQueue)(vxcl_context, vxcl_device_id, vxcl_bitfield, vxcl_int *);
    vxcl_int (*ReleaseCommandQueue)(vxcl_command_queue);
    vxcl_mem (*CreateBuffer)(vxcl_context, vxcl_bitfield, size_t, void *, vxcl_int *);
    vxcl_int (*ReleaseMemObject)(vxcl_mem);
    vxcl_int (*EnqueueWriteBuffer)(vxcl_command_queue, vxcl_mem, vxcl_uint, size_t, size_t,
                                   const void *, vxcl_uint, const vxcl_event *, vxcl_event *);
    vxcl_int (*EnqueueReadBuffer)(vxcl_command_queue, vxcl_mem, vxcl_uint, size_t, size_t, void *,
                                  vxcl_uint, const vxcl_event *, vxcl_event *);
    vxcl_program (*CreateProgramWithSource)(vxcl_context, vxcl_uint, const char **, const size_t *,
                                            vxcl_int *);
    vxcl_int (*BuildProgram)(vxcl_program, vxcl_uint, const vxcl_device_id *, const char *,
                             void (*)(vxcl_program, void *), void *);
    vxcl_int (*GetProgramBuildInfo)(vxcl_program, vxcl_device_id, vxcl_uint, size_t, void *, size_t *);
    vxcl_int (*ReleaseProgram)(vxcl_program);
    vxcl_kernel (*CreateKernel)(vxcl_program, const char *, vxcl_int *);
    vxcl_int (*ReleaseKernel)(vxcl_kernel);
    vxcl_int (*SetKernelArg)(vxcl_kernel, vxcl_uint, size_t, const void *);
    vxcl_int (*EnqueueNDRangeKernel)(vxcl_command_queue, vxcl_kernel, vxcl_uint, const size_t *,
                                     const size_t *, const size_t *, vxcl_uint, const vxcl_event *,
                                     vxcl_event *);
    vxcl_int (*Finish)(vxcl_command_queue);
    vxcl_int (*WaitForEvents)(vxcl_uint, const vxcl_event *);
    vxcl_int (*GetEventProfilingInfo)(vxcl_event, vxcl_uint, size_t, void *, size_t *);
    vxcl_int (*ReleaseEvent)(vxcl_event);
} vxcl_api;

#endif
