/* backend_opencl.c — the "opencl" backend vtable: device buffers as cl_mem,
 * blocking host <-> device copies, kernels from ops_opencl.c on one
 * in-order, profiling queue. Thread-safe: one lock around every call. */
#include <stdlib.h>

#include "hw/backends.h"
#include "hw/opencl/ops_opencl.h"

static vx_status ocl_init(void)
{
    pthread_mutex_lock(&vxcl_lock);
    vx_status st = vxcl_start();
    pthread_mutex_unlock(&vxcl_lock);
    return st;
}

static vx_buffer *ocl_alloc(size_t bytes)
{
    pthread_mutex_lock(&vxcl_lock);
    vx_buffer *b = NULL;
    if (vxcl_start() == VX_OK) {
        vxcl_runtime *rt = vxcl();
        vxcl_int err = 0;
        vxcl_mem m = NULL;
        if (bytes > rt->max_alloc)
            vx_fail(VX_ERR_OOM, "opencl: %zu bytes exceed the largest buffer of %s (%llu bytes)", bytes,
                    rt->device_name, (unsigned long long)rt->max_alloc);
        else if (!(m = rt->cl.CreateBuffer(rt->context, VXCL_MEM_READ_WRITE, bytes ? bytes : 1, NULL, &err)))
            vxcl_fail("clCreateBuffer", err);
        else if (!(b = calloc(1, sizeof *b)))
            rt->cl.ReleaseMemObject(m), vx_fail(VX_ERR_OOM, "opencl: out of host memory");
        else
            *b = (vx_buffer){.backend = &vx_backend_opencl, .bytes = bytes, .handle = m};
    }
    pthread_mutex_unlock(&vxcl_lock);
    return b;
}

static void ocl_free(vx_buffer *b)
{
    if (!b)
        return;
    pthread_mutex_lock(&vxcl_lock);
    vxcl()->cl.ReleaseMemObject((vxcl_mem)b->handle);
    pthread_mutex_unlock(&vxcl_lock);
    free(b);
}

static vx_status check_range(const vx_buffer *b, size_t offset, size_t bytes, const char *what)
{
    if (!b || b->backend != &vx_backend_opencl)
        return vx_fail(VX_ERR_ARG, "opencl: %s needs a buffer of the opencl backend", what);
    if (offset > b->bytes || bytes > b->bytes - offset)
        return vx_fail(VX_ERR_ARG, "opencl: %s of %zu bytes at offset %zu is outside the %zu-byte buffer",
                       what, bytes, offset, b->bytes);
    return VX_OK;
}

static vx_status ocl_upload(vx_buffer *dst, size_t offset, const void *src, size_t bytes)
{
    if (check_range(dst, offset, bytes, "upload"))
        return VX_ERR_ARG;
    if (!bytes)
        return VX_OK;
    pthread_mutex_lock(&vxcl_lock);
    vxcl_runtime *rt = vxcl();
    vxcl_int err = rt->cl.EnqueueWriteBuffer(rt->queue, (vxcl_mem)dst->handle, VXCL_TRUE, offset, bytes,
                                             src, 0, NULL, NULL);
    pthread_mutex_unlock(&vxcl_lock);
    return err ? vxcl_fail("clEnqueueWriteBuffer", err) : VX_OK;
}

static vx_status ocl_download(const vx_buffer *src, size_t offset, void *dst, size_t bytes)
{
    if (check_range(src, offset, bytes, "download"))
        return VX_ERR_ARG;
    if (!bytes)
        return VX_OK;
    pthread_mutex_lock(&vxcl_lock);
    vxcl_runtime *rt = vxcl();
    vxcl_int err = rt->cl.EnqueueReadBuffer(rt->queue, (vxcl_mem)src->handle, VXCL_TRUE, offset, bytes,
                                            dst, 0, NULL, NULL);
    pthread_mutex_unlock(&vxcl_lock);
    return err ? vxcl_fail("clEnqueueReadBuffer", err) : VX_OK;
}

static vx_status ocl_synchronize(void)
{
    pthread_mutex_lock(&vxcl_lock);
    vx_status st = vxcl_start();
    vxcl_int err = st ? 0 : vxcl()->cl.Finish(vxcl()->queue);
    pthread_mutex_unlock(&vxcl_lock);
    return st ? st : err ? vxcl_fail("clFinish", err) : VX_OK;
}

static bool ocl_supports(const vx_op_desc *d)
{
    for (int i = 0; i < d->n_in && i < VX_MAX_INPUTS; i++)
        if (d->in[i].buf && d->in[i].buf->backend != &vx_backend_opencl)
            return false;
    return d->out.buf && d->out.buf->backend == &vx_backend_opencl && vxcl_op_supported(d);
}

static vx_status ocl_run(const vx_op_desc *d)
{
    vx_status st = vx_op_desc_check(d);
    if (st)
        return st;
    if (!ocl_supports(d))
        return vx_fail(VX_ERR_UNSUPPORTED, "opencl: no kernel for this %s descriptor (dtype %s); "
                       "use vx_backend_dispatch to fall back to the cpu", vx_op_table[d->op].name,
                       vx_dtype_name(d->in[0].dtype));
    pthread_mutex_lock(&vxcl_lock);
    st = vxcl_start();
    if (st == VX_OK) {
        vxcl_begin_run();
        st = vxcl_op_run(d);
    }
    pthread_mutex_unlock(&vxcl_lock);
    return st;
}

static double ocl_last_run_ms(void)
{
    pthread_mutex_lock(&vxcl_lock);
    double ms = vxcl_start() == VX_OK ? vxcl_run_ms() : -1;
    pthread_mutex_unlock(&vxcl_lock);
    return ms;
}

static const char *ocl_device_name(void)
{
    pthread_mutex_lock(&vxcl_lock);
    const char *name = vxcl_start() == VX_OK ? vxcl()->device_name : "none (OpenCL not available)";
    pthread_mutex_unlock(&vxcl_lock);
    return name;
}

const vx_backend vx_backend_opencl = {
    .name = "opencl",
    .device_name = ocl_device_name,
    .init = ocl_init,
    .alloc = ocl_alloc,
    .free = ocl_free,
    .upload = ocl_upload,
    .download = ocl_download,
    .synchronize = ocl_synchronize,
    .supports = ocl_supports,
    .run = ocl_run,
    .last_run_ms = ocl_last_run_ms,
};
