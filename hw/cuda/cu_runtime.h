/* cu_runtime.h — the CUDA runtime behind the cuda backend (internal):
 * libcudart and the kernel library libvoxc_cuda.so loaded with dlopen, one
 * device and one non-blocking stream per process, a pair of events timing
 * each run. Callers hold vxcu_lock. */
#ifndef VX_HW_CUDA_CU_RUNTIME_H
#define VX_HW_CUDA_CU_RUNTIME_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/status.h"
#include "hw/cuda/cu_api.h"
#include "hw/cuda/cu_kernels.h"

typedef struct vxcu_runtime {
    vxcu_api cu;
    const vxcu_kernels *k;      /* launchers of libvoxc_cuda.so */
    int device;
    vxcu_stream stream;
    vxcu_event run_start, run_end;
    bool timed;                 /* run_start/run_end hold a run */
    int32_t *bad_index;         /* one device int for the gathers */
    char device_name[192];
} vxcu_runtime;

extern pthread_mutex_t vxcu_lock;

/* Starts the runtime once (later calls return the first outcome).
 * VX_ERR_UNSUPPORTED "CUDA not available: ..." when libcudart, a GPU or the
 * kernel library is missing. libcudart: $VOXC_CUDA_LIBRARY (path or
 * soname), else libcudart.so.13, .so.12, .so. Device: $VOXC_CUDA_DEVICE (an
 * index), else 0. Kernel library: $VOXC_CUDA_KERNELS, else
 * libvoxc_cuda.so next to the binary or library holding voxc (or one
 * directory up: build/<dir>/ for build/<dir>/bin/voxc-*), else on the
 * loader path. */
vx_status vxcu_start(void);
vxcu_runtime *vxcu(void); /* valid after vxcu_start() succeeded */

/* Fails with "cuda: WHAT failed: cudaErrorX (code): text". */
vx_status vxcu_fail(const char *what, vxcu_error err);

/* A launcher's result: VX_OK, or the failure of `what`. */
vx_status vxcu_check(vxcu_error err, const char *what);

/* Records the start and end events around a run's launches. */
vx_status vxcu_begin_run(void);
vx_status vxcu_end_run(void);

/* Device milliseconds of the last run (waits for it); -1 when none. */
double vxcu_run_ms(void);

#endif
