/* cublas_peer.h — cuBLAS as a benchmark peer of the cuda backend's GEMM
 * (voxc-opbench --backend cuda --vs-cublas). Never a dependency: libcublas
 * is loaded with dlopen on first use ($VOXC_CUBLAS_LIBRARY, a path or
 * soname, else libcublas.so.13, .so.12, .so.11, .so), and nothing else in
 * voxc calls it. Its handle runs on the cuda backend's device and stream,
 * timed by the backend's CUDA events, so both GEMMs are timed the same way.
 *
 * Compile-tested only: this project's machines have no GPU, so no cuBLAS
 * call has run yet (hw/cuda/README.md says what the first GPU run checks). */
#ifndef VX_HW_CUDA_CUBLAS_PEER_H
#define VX_HW_CUDA_CUBLAS_PEER_H

#include <stdint.h>

#include "hw/backend.h"

/* Loads libcublas, starts the cuda backend's runtime and creates a cuBLAS
 * handle on its stream; later calls return VX_OK at once. Fails with
 * VX_ERR_UNSUPPORTED "cuBLAS not available: ..." when libcublas (or one of
 * its entry points) is missing, with the runtime's "CUDA not available: ..."
 * when there is no GPU or no kernel library. A failure is not remembered:
 * the next call tries again. */
vx_status vxcu_cublas_start(void);

/* "libcublas.so.13, version 13.1.0" once started; "" before. */
const char *vxcu_cublas_name(void);

/* Row-major C [M, N] = A [M, K] · B [K, N] in f32 by cublasSgemm on buffers
 * of the cuda backend (each from offset 0), started first if need be. *ms:
 * the call's device time from the backend's CUDA events (waited for; the
 * backend's last_run_ms reports it too until its next run). VX_ERR_ARG for a
 * size outside 1..INT_MAX, a buffer of another backend or one too small. */
vx_status vxcu_cublas_sgemm(int64_t M, int64_t N, int64_t K, const vx_buffer *a, const vx_buffer *b,
                            vx_buffer *c, double *ms);

#endif
