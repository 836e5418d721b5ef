/* cublas_peer.c — cuBLAS loaded with dlopen as the benchmark peer of the
 * cuda backend's GEMM (voxc-opbench --vs-cublas): the library and its entry
 * points, one handle on the backend's stream, and a row-major SGEMM timed by
 * the backend's CUDA events. Plain C, no CUDA or cuBLAS header, no link
 * dependency; see cublas_peer.h. Compile-tested only (no GPU here). */
#include <dlfcn.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "hw/backends.h"
#include "hw/cuda/cb_api.h"
#include "hw/cuda/cu_runtime.h"
#include "hw/cuda/cublas_peer.h"

static vxcb_api cb;
static void *cublas_lib;      /* libcublas once loaded with every required entry point */
static vxcb_handle cublas;    /* the handle, on the cuda backend's stream */
static char lib_name[256];    /* the soname or path that loaded */
static char peer_name[320];   /* lib_name and version, for the report */

static const char *status_text(vxcb_status s)
{
    const char *text = cb.GetStatusString ? cb.GetStatusString(s) : NULL;
    return text ? text : "cublasStatus_t";
}

static vx_status cublas_fail(const char *what, vxcb_status s)
{
    return vx_fail(VX_ERR_IO, "cuBLAS: %s failed: %s (%d)", what, status_text(s), s);
}

/* The library from $VOXC_CUBLAS_LIBRARY or the sonames, with its entry
 * points; nothing is kept when one is missing. */
static vx_status load_library(void)
{
    const char *env = getenv("VOXC_CUBLAS_LIBRARY");
    const char *names[] = {"libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so"};
    const char *used = NULL;
    void *lib = NULL;
    if (env && *env) {
        used = env;
        lib = dlopen(env, RTLD_NOW | RTLD_LOCAL);
    }
    for (size_t i = 0; !(env && *env) && !lib && i < sizeof names / sizeof *names; i++)
        if ((lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL)))
            used = names[i];
    if (!lib) {
        const char *why = dlerror();
        return vx_fail(VX_ERR_UNSUPPORTED,
                       "cuBLAS not available: %s could not be loaded (%s); install cuBLAS (part of "
                       "the CUDA toolkit) or set VOXC_CUBLAS_LIBRARY to its path",
                       env && *env ? env : "libcublas (.so.13, .so.12, .so.11, .so)",
                       why ? why : "not found");
    }
    vxcb_api api = {0};
    struct { const char *name; void **slot; bool required; } syms[] = {
        {"cublasCreate_v2", (void **)&api.Create, true},
        {"cublasDestroy_v2", (void **)&api.Destroy, true},
        {"cublasSetStream_v2", (void **)&api.SetStream, true},
        {"cublasSgemm_v2", (void **)&api.Sgemm, true},
        {"cublasGetVersion_v2", (void **)&api.GetVersion, false},
        {"cublasGetStatusString", (void **)&api.GetStatusString, false},
    };
    for (size_t i = 0; i < sizeof syms / sizeof *syms; i++)
        if (!(*syms[i].slot = dlsym(lib, syms[i].name)) && syms[i].required) {
            dlclose(lib);
            return vx_fail(VX_ERR_UNSUPPORTED, "cuBLAS not available: %s lacks %s; install cuBLAS 11 "
                           "or newer or set VOXC_CUBLAS_LIBRARY to it", used, syms[i].name);
        }
    cb = api;
    cublas_lib = lib;
    snprintf(lib_name, sizeof lib_name, "%s", used);
    return VX_OK;
}

/* Caller holds vxcu_lock. */
static vx_status start_locked(void)
{
    if (cublas)
        return VX_OK;
    vx_status st = cublas_lib ? VX_OK : load_library();
    if (st == VX_OK)
        st = vxcu_start(); /* "CUDA not available: ..." without a GPU */
    if (st)
        return st;
    vxcb_handle h = NULL;
    vxcb_status s = cb.Create(&h);
    if (s != VXCB_STATUS_SUCCESS)
        return cublas_fail("cublasCreate_v2", s);
    if ((s = cb.SetStream(h, vxcu()->stream)) != VXCB_STATUS_SUCCESS) {
        cb.Destroy(h);
        return cublas_fail("cublasSetStream_v2", s);
    }
    int version = 0;
    if (cb.GetVersion && cb.GetVersion(h, &version) == VXCB_STATUS_SUCCESS && version > 0)
        snprintf(peer_name, sizeof peer_name, "%s, version %d.%d.%d", lib_name, version / 10000,
                 version / 100 % 100, version % 100); /* MAJOR·10000 + MINOR·100 + PATCH */
    else
        snprintf(peer_name, sizeof peer_name, "%s", lib_name);
    cublas = h;
    return VX_OK;
}

vx_status vxcu_cublas_start(void)
{
    pthread_mutex_lock(&vxcu_lock);
    vx_status st = start_locked();
    pthread_mutex_unlock(&vxcu_lock);
    return st;
}

const char *vxcu_cublas_name(void) { return peer_name; }

static vx_status check_buffer(const vx_buffer *buf, const char *name, int64_t floats)
{
    if (!buf || buf->backend != &vx_backend_cuda)
        return vx_fail(VX_ERR_ARG, "cuBLAS sgemm: %s must be a buffer of the cuda backend", name);
    if (buf->bytes / sizeof(float) < (size_t)floats)
        return vx_fail(VX_ERR_ARG, "cuBLAS sgemm: %s holds %zu bytes, %lld floats are needed", name,
                       buf->bytes, (long long)floats);
    return VX_OK;
}

vx_status vxcu_cublas_sgemm(int64_t M, int64_t N, int64_t K, const vx_buffer *a, const vx_buffer *b,
                            vx_buffer *c, double *ms)
{
    if (M < 1 || N < 1 || K < 1 || M > INT_MAX || N > INT_MAX || K > INT_MAX)
        return vx_fail(VX_ERR_ARG, "cuBLAS sgemm: M, N, K = %lld, %lld, %lld must be 1..%d",
                       (long long)M, (long long)N, (long long)K, INT_MAX);
    vx_status st = check_buffer(a, "A", M * K);
    if (st == VX_OK)
        st = check_buffer(b, "B", K * N);
    if (st == VX_OK)
        st = check_buffer(c, "C", M * N);
    if (st == VX_OK && (c == a || c == b))
        st = vx_fail(VX_ERR_ARG, "cuBLAS sgemm: C must not be A or B");
    if (st)
        return st;
    pthread_mutex_lock(&vxcu_lock);
    st = start_locked();
    if (st == VX_OK)
        st = vxcu_begin_run();
    if (st == VX_OK) {
        /* ref: cuBLAS is column-major, and a row-major [R, C] array read
         * column-major is its transpose [C, R] with leading dimension C. So
         * row-major C = A·B is column-major Cᵀ [N, M] = Bᵀ [N, K] · Aᵀ [K, M]:
         * m = N, n = M, k = K, first operand B (ld N), second A (ld K), ldc N. */
        const float one = 1.0f, zero = 0.0f;
        vxcb_status s = cb.Sgemm(cublas, VXCB_OP_N, VXCB_OP_N, (int)N, (int)M, (int)K, &one,
                                 (const float *)b->handle, (int)N, (const float *)a->handle, (int)K,
                                 &zero, (float *)c->handle, (int)N);
        if (s != VXCB_STATUS_SUCCESS)
            st = cublas_fail("cublasSgemm_v2", s);
    }
    if (st == VX_OK)
        st = vxcu_end_run();
    if (st == VX_OK && (*ms = vxcu_run_ms()) < 0)
        st = vx_fail(VX_ERR_IO, "cuBLAS sgemm: waiting for its CUDA end event failed (a failed "
                     "kernel? run with CUDA_LAUNCH_BLOCKING=1 to see which)");
    pthread_mutex_unlock(&vxcu_lock);
    return st;
}
