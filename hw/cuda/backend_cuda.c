/* backend_cuda.c — the "cuda" backend vtable: device buffers from
 * cudaMalloc, host <-> device copies on the backend's stream (complete on
 * return), kernels from ops_cuda.c, device time from CUDA events.
 * Thread-safe: one lock around every call.
 *
 * Always compiled (plain C, no CUDA header, no -lcudart): libcudart and the
 * kernel library libvoxc_cuda.so (`make CUDA=1`) are loaded with dlopen by
 * cu_runtime.c; without them or a GPU, init fails with "CUDA not available".
 * Compile-tested only so far: this project's machines have no GPU. */
#include <stdlib.h>

#include "hw/backends.h"
#include "hw/cuda/ops_cuda.h"

static vx_status cu_init(void)
{
    pthread_mutex_lock(&vxcu_lock);
    vx_status st = vxcu_start();
    pthread_mutex_unlock(&vxcu_lock);
    return st;
}

static vx_buffer *cu_alloc(size_t bytes)
{
    pthread_mutex_lock(&vxcu_lock);
    vx_buffer *b = NULL;
    void *p = NULL;
    if (vxcu_start() == VX_OK) {
        vxcu_error err = vxcu()->cu.Malloc(&p, bytes ? bytes : 1);
        if (err)
            vx_fail(VX_ERR_OOM, "cuda: cudaMalloc of %zu bytes on %s failed: %s", bytes,
                    vxcu()->device_name, vxcu()->cu.GetErrorString(err));
        else if (!(b = calloc(1, sizeof *b)))
            vxcu()->cu.Free(p), vx_fail(VX_ERR_OOM, "cuda: out of host memory");
        else
            *b = (vx_buffer){.backend = &vx_backend_cuda, .bytes = bytes, .handle = p};
    }
    pthread_mutex_unlock(&vxcu_lock);
    return b;
}

static void cu_free(vx_buffer *b)
{
    if (!b)
        return;
    pthread_mutex_lock(&vxcu_lock);
    vxcu()->cu.Free(b->handle); /* cudaFree waits for the kernels using it */
    pthread_mutex_unlock(&vxcu_lock);
    free(b);
}

static vx_status check_range(const vx_buffer *b, size_t offset, size_t bytes, const char *what)
{
    if (!b || b->backend != &vx_backend_cuda)
        return vx_fail(VX_ERR_ARG, "cuda: %s needs a buffer of the cuda backend", what);
    if (offset > b->bytes || bytes > b->bytes - offset)
        return vx_fail(VX_ERR_ARG, "cuda: %s of %zu bytes at offset %zu is outside the %zu-byte buffer",
                       what, bytes, offset, b->bytes);
    return VX_OK;
}

/* A copy on the stream (after the queued kernels), waited for. */
static vx_status copy(void *dst, const void *src, size_t bytes, int kind, const char *what)
{
    pthread_mutex_lock(&vxcu_lock);
    vxcu_runtime *rt = vxcu();
    vxcu_error err = rt->cu.MemcpyAsync(dst, src, bytes, kind, rt->stream);
    if (!err)
        err = rt->cu.StreamSynchronize(rt->stream);
    pthread_mutex_unlock(&vxcu_lock);
    return vxcu_check(err, what);
}

static vx_status cu_upload(vx_buffer *dst, size_t offset, const void *src, size_t bytes)
{
    if (check_range(dst, offset, bytes, "upload"))
        return VX_ERR_ARG;
    return bytes ? copy((char *)dst->handle + offset, src, bytes, VXCU_MEMCPY_HOST_TO_DEVICE, "upload")
                 : VX_OK;
}

static vx_status cu_download(const vx_buffer *src, size_t offset, void *dst, size_t bytes)
{
    if (check_range(src, offset, bytes, "download"))
        return VX_ERR_ARG;
    return bytes ? copy(dst, (const char *)src->handle + offset, bytes, VXCU_MEMCPY_DEVICE_TO_HOST,
                        "download")
                 : VX_OK;
}

static vx_status cu_synchronize(void)
{
    pthread_mutex_lock(&vxcu_lock);
    vx_status st = vxcu_start();
    if (st == VX_OK)
        st = vxcu_check(vxcu()->cu.StreamSynchronize(vxcu()->stream), "cudaStreamSynchronize");
    pthread_mutex_unlock(&vxcu_lock);
    return st;
}

static bool cu_supports(const vx_op_desc *d)
{
    for (int i = 0; i < d->n_in && i < VX_MAX_INPUTS; i++)
        if (d->in[i].buf && d->in[i].buf->backend != &vx_backend_cuda)
            return false;
    return d->out.buf && d->out.buf->backend == &vx_backend_cuda && vxcu_op_supported(d);
}

static vx_status cu_run(const vx_op_desc *d)
{
    vx_status st = vx_op_desc_check(d);
    if (st)
        return st;
    if (!cu_supports(d))
        return vx_fail(VX_ERR_UNSUPPORTED, "cuda: no kernel for this %s descriptor (dtype %s); "
                       "use vx_backend_dispatch to fall back to the cpu", vx_op_table[d->op].name,
                       vx_dtype_name(d->in[0].dtype));
    pthread_mutex_lock(&vxcu_lock);
    st = vxcu_start();
    if (st == VX_OK)
        st = vxcu_begin_run();
    if (st == VX_OK)
        st = vxcu_op_run(d);
    if (st == VX_OK)
        st = vxcu_end_run();
    pthread_mutex_unlock(&vxcu_lock);
    return st;
}

static double cu_last_run_ms(void)
{
    pthread_mutex_lock(&vxcu_lock);
    double ms = vxcu_start() == VX_OK ? vxcu_run_ms() : -1;
    pthread_mutex_unlock(&vxcu_lock);
    return ms;
}

static const char *cu_device_name(void)
{
    pthread_mutex_lock(&vxcu_lock);
    const char *name = vxcu_start() == VX_OK ? vxcu()->device_name : "none (CUDA not available)";
    pthread_mutex_unlock(&vxcu_lock);
    return name;
}

const vx_backend vx_backend_cuda = {
    .name = "cuda",
    .device_name = cu_device_name,
    .init = cu_init,
    .alloc = cu_alloc,
    .free = cu_free,
    .upload = cu_upload,
    .download = cu_download,
    .synchronize = cu_synchronize,
    .supports = cu_supports,
    .run = cu_run,
    .last_run_ms = cu_last_run_ms,
};
