/* cl_runtime.h — the OpenCL runtime behind the opencl backend (internal):
 * libOpenCL loaded with dlopen, one platform/device/context/queue per
 * process, kernel programs built from embedded source at first use (one
 * program per op family, so a process compiles only the families it runs),
 * kernel launches with profiling events. Callers hold vxcl_lock. */
#ifndef VX_HW_OPENCL_CL_RUNTIME_H
#define VX_HW_OPENCL_CL_RUNTIME_H

#include <pthread.h>
#include <stdbool.h>

#include "core/status.h"
#include "hw/opencl/cl_api.h"

/* Op families: each is one OpenCL program (kernels_*.c). */
typedef enum vxcl_family {
    VXCL_ELEMENTWISE,
    VXCL_ROWS,
    VXCL_GEMM,
    VXCL_CONV,
    VXCL_INDEX,
    VXCL_FAMILY_COUNT
} vxcl_family;

/* Work-group size of the row kernels (softmax, layer norm): a power of two. */
#define VXCL_ROW_GROUP 64
/* Work-group edge of the GEMM kernel (TILE × TILE items, each computing
 * 4 × 4 outputs of a 4·TILE square block: kernels_gemm.c assumes 16). */
#define VXCL_TILE 16

typedef struct vxcl_runtime {
    vxcl_api cl;
    vxcl_device_id device;
    vxcl_context context;
    vxcl_command_queue queue;
    char device_name[168];      /* "platform: device"  */
    size_t max_group;           /* max work-group size */
    vxcl_ulong max_alloc;       /* largest buffer      */
} vxcl_runtime;

extern pthread_mutex_t vxcl_lock;

/* Starts the runtime once (later calls return the first outcome).
 * VX_ERR_UNSUPPORTED "OpenCL not available: ..." when the library, a
 * platform or the requested device is missing. Library: $VOXC_OPENCL_LIBRARY
 * (path or soname), else libOpenCL.so.1, else libOpenCL.so. Device: $VOXC_OPENCL_DEVICE
 * (an index into the list of all devices, or part of "platform: device"
 * name, case-insensitive), else the first GPU, else the first device. */
vx_status vxcl_start(void);
vxcl_runtime *vxcl(void); /* valid after vxcl_start() succeeded */

/* "CL_OUT_OF_RESOURCES (-5)"-style name of an OpenCL error code. */
const char *vxcl_error_name(vxcl_int err, char *buf, size_t n);

/* One kernel argument: a copy of `size` bytes at `ptr`. */
typedef struct vxcl_arg {
    size_t size;
    const void *ptr;
} vxcl_arg;
#define VXCL_MEM(m) ((vxcl_arg){sizeof(vxcl_mem), &(vxcl_mem){(m)}})
#define VXCL_I64(v) ((vxcl_arg){sizeof(int64_t), &(int64_t){(v)}})
#define VXCL_I32(v) ((vxcl_arg){sizeof(int32_t), &(int32_t){(v)}})
#define VXCL_F32(v) ((vxcl_arg){sizeof(float), &(float){(v)}})
#define VXCL_L4(a) ((vxcl_arg){4 * sizeof(int64_t), (a)}) /* long4 from int64_t[4] */
#define VXCL_ARGS(...) \
    (int)(sizeof((vxcl_arg[]){__VA_ARGS__}) / sizeof(vxcl_arg)), (vxcl_arg[]){__VA_ARGS__}

/* Forget the events of the previous run (start of a backend run()). */
void vxcl_begin_run(void);

/* Sets the arguments of kernel `name` of `family` (building the family's
 * program on first use) and enqueues it over `global` (rounded up to a
 * multiple of `local` when local is given); its event joins this run's. */
vx_status vxcl_launch(vxcl_family family, const char *name, int n_args, const vxcl_arg *args,
                      int dims, const size_t *global, const size_t *local);

/* Builds a family's program now (tests warm up with it). */
vx_status vxcl_build(vxcl_family family);

/* Device milliseconds of this run's kernels (waits for them); -1 on error. */
double vxcl_run_ms(void);

/* Fails with "opencl: WHAT failed: CL_... (code)". */
vx_status vxcl_fail(const char *what, vxcl_int err);

#endif
