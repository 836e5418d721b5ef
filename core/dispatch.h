/* dispatch.h — tensors with a device side: the hooks a compute backend
 * (hw/, e.g. OpenCL or CUDA) installs in a context, and moving a tensor's
 * values between host and device.
 *
 * core/ never includes hw/: hw/tensor_ops.h fills a vx_device with its
 * backend's functions and gives it to a context (vx_ctx_use_backend); core
 * only calls through these pointers.
 *
 * A device tensor is an ordinary vx_tensor whose `dev` points at a
 * vx_dstore: a device allocation mirroring a host allocation byte for byte.
 * `data` stays a valid host pointer (the mirror is allocated with the
 * device memory, uninitialised, so it costs address space, not time), and a
 * view's element offset on the device is its offset from the mirror's start,
 * so views (reshape, slice, ...) need nothing new: they copy `dev` and move
 * `data` as before. Two flags in the store say which side is stale; views
 * share the store and so the flags. A host tensor has dev == NULL and pays
 * nothing but that pointer.
 *
 * Who keeps the flags right:
 *   - every accessor in core/tensor.h (vx_get_f, vx_get_i, vx_copy_to_f32,
 *     vx_copy_elements; vx_set_f and the fills also mark the device stale);
 *   - hw/tensor_ops.h (uploads stale inputs, marks outputs device-written);
 *   - anything else that touches `data` directly must call vx_to_host first
 *     (and vx_host_written after writing): the kernels of core/ops.h do not
 *     (see hw/README.md, "What is not covered"). */
#ifndef VX_DISPATCH_H
#define VX_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "tensor.h"

/* A backend's memory functions, as the tensor layer sees them. `buf` is the
 * backend's own buffer object (hw's vx_buffer), opaque here. */
struct vx_device {
    const char *name;          /* the backend's name, for messages                 */
    const void *backend;       /* hw's vx_backend, opaque to core                  */
    /* NULL with the error set on failure */
    void *(*alloc)(const struct vx_device *dev, size_t bytes);
    void (*release)(void *buf);
    /* complete on return, like hw's upload/download */
    vx_status (*upload)(void *buf, size_t offset, const void *src, size_t bytes);
    vx_status (*download)(void *buf, size_t offset, void *dst, size_t bytes);
};

/* The device side of a tensor and its views: bytes [offset, offset + bytes)
 * of device buffer `buf` mirror host bytes [host, host + bytes). */
typedef struct vx_dstore {
    const vx_device *device;
    void *buf;
    size_t offset;
    char *host;
    size_t bytes;
    bool host_stale;           /* the device holds newer values                   */
    bool device_stale;         /* the host holds newer values                     */
} vx_dstore;

/* True when t has a device side. */
static inline bool vx_on_device(const vx_tensor *t) { return t && t->dev; }

/* Make t's host values current (download the whole store when the device
 * holds newer ones). VX_OK at once for host tensors. */
vx_status vx_to_host(const vx_tensor *t);

/* Give t a device side on ctx's device when it has none (persistent tensors
 * get persistent device memory: upload a weight once) and upload when the
 * host holds newer values. t must be a host tensor or on ctx's device. The
 * span of t's own elements is mirrored, so a view of a larger host tensor
 * mirrors only its part. */
vx_status vx_to_device(vx_ctx *ctx, vx_tensor *t);

/* New contiguous tensor on ctx's device (device arena; reset with the host
 * arena), values undefined until a kernel writes them: for op outputs. */
vx_tensor *vx_device_empty(vx_ctx *ctx, vx_dtype dt, int ndim, const int64_t *shape);

/* The host wrote t's data directly: the device copy is stale. */
void vx_host_written(const vx_tensor *t);

/* A kernel wrote t on the device: the host copy is stale. */
void vx_device_written(const vx_tensor *t);

/* t's device buffer and the byte offset of its element [0, ..] there. */
void *vx_device_buffer(const vx_tensor *t, size_t *offset);

#endif
