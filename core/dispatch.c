/* dispatch.c — device sides of tensors: attach, upload, download, flags. */
#include "dispatch.h"

#include <string.h>

vx_status vx_to_host(const vx_tensor *t)
{
    vx_dstore *s = t ? t->dev : NULL;
    if (!s || !s->host_stale)
        return VX_OK;
    vx_status st = s->device->download(s->buf, s->offset, s->host, s->bytes);
    if (st)
        return st;
    s->host_stale = false;
    return VX_OK;
}

/* Bytes from t->data to one past its last element (strides are >= 0). */
static size_t span_bytes(const vx_tensor *t)
{
    int64_t last = 0;
    for (int d = 0; d < t->ndim; d++) {
        if (t->shape[d] == 0)
            return 0;
        last += (t->shape[d] - 1) * t->stride[d];
    }
    return (size_t)(last + 1) * vx_dtype_size(t->dtype);
}

vx_status vx_to_device(vx_ctx *ctx, vx_tensor *t)
{
    const vx_device *dev = vx_ctx_device(ctx);
    if (!dev)
        return vx_fail(VX_ERR_ARG, "to_device: the context has no backend (call vx_ctx_use_backend first)");
    vx_dstore *s = t->dev;
    if (s && s->device != dev)
        return vx_fail(VX_ERR_ARG, "to_device: the tensor lives on %s, the context uses %s; copy it through "
                       "the host (vx_to_host) into a new tensor", s->device->name, dev->name);
    if (!s) {
        for (int d = 0; d < t->ndim; d++)
            if (t->stride[d] < 0)
                return vx_fail(VX_ERR_ARG, "to_device: negative strides are not supported");
        size_t bytes = span_bytes(t), offset = 0;
        s = t->persistent ? vx_persistent_alloc(ctx, sizeof *s) : vx_arena_alloc(ctx, sizeof *s);
        if (!s)
            return vx_last_status();
        void *buf = t->persistent ? vx_device_persistent_alloc(ctx, bytes) : vx_device_arena_alloc(ctx, bytes, &offset);
        if (!buf)
            return vx_last_status();
        *s = (vx_dstore){.device = dev, .buf = buf, .offset = offset, .host = t->data, .bytes = bytes,
                         .device_stale = true};
        t->dev = s;
    }
    if (!s->device_stale)
        return VX_OK;
    vx_status st = dev->upload(s->buf, s->offset, s->host, s->bytes);
    if (st)
        return st;
    s->device_stale = false;
    return VX_OK;
}

vx_tensor *vx_device_empty(vx_ctx *ctx, vx_dtype dt, int ndim, const int64_t *shape)
{
    if (!vx_ctx_device(ctx))
        return vx_fail_null(VX_ERR_ARG, "device_empty: the context has no backend (call vx_ctx_use_backend first)");
    vx_tensor *t = vx_empty(ctx, dt, ndim, shape);
    vx_dstore *s = t ? vx_arena_alloc(ctx, sizeof *s) : NULL;
    if (!s)
        return NULL;
    size_t bytes = (size_t)vx_numel(t) * vx_dtype_size(dt), offset = 0;
    void *buf = vx_device_arena_alloc(ctx, bytes, &offset);
    if (!buf)
        return NULL;
    *s = (vx_dstore){.device = vx_ctx_device(ctx), .buf = buf, .offset = offset, .host = t->data,
                     .bytes = bytes, .host_stale = true};
    t->dev = s;
    return t;
}

void vx_host_written(const vx_tensor *t)
{
    if (t && t->dev)
        t->dev->device_stale = true;
}

void vx_device_written(const vx_tensor *t)
{
    if (t && t->dev)
        t->dev->host_stale = true;
}

void *vx_device_buffer(const vx_tensor *t, size_t *offset)
{
    const vx_dstore *s = t->dev;
    if (!s)
        return NULL;
    *offset = s->offset + (size_t)((const char *)t->data - s->host);
    return s->buf;
}
