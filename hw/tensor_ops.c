/* tensor_ops.c — a context's backend, and ops on its device tensors as
 * op descriptors (see tensor_ops.h). */
#include "hw/tensor_ops.h"

#include <string.h>

#include "hw/backends.h"

/* --- the memory hooks core/dispatch.h calls ------------------------------------------ */

static void *device_alloc(const vx_device *dev, size_t bytes)
{
    const vx_backend *be = dev->backend;
    return be->alloc(bytes);
}

static void device_release(void *buf)
{
    vx_buffer *b = buf;
    if (b)
        b->backend->free(b);
}

static vx_status device_upload(void *buf, size_t offset, const void *src, size_t bytes)
{
    vx_buffer *b = buf;
    return bytes ? b->backend->upload(b, offset, src, bytes) : VX_OK;
}

static vx_status device_download(void *buf, size_t offset, void *dst, size_t bytes)
{
    const vx_buffer *b = buf;
    return bytes ? b->backend->download(b, offset, dst, bytes) : VX_OK;
}

#define DEVICE_OF(be) \
    {.name = #be, .backend = &vx_backend_##be, .alloc = device_alloc, .release = device_release, \
     .upload = device_upload, .download = device_download}

static const vx_device devices[] = {DEVICE_OF(cpu), DEVICE_OF(opencl), DEVICE_OF(cuda)};

vx_status vx_ctx_use_backend(vx_ctx *ctx, const char *name)
{
    const vx_backend *be = vx_backend_start(name);
    if (!be)
        return vx_last_status();
    for (size_t i = 0; i < sizeof devices / sizeof devices[0]; i++)
        if (devices[i].backend == be)
            return vx_ctx_set_device(ctx, &devices[i]);
    return vx_fail(VX_ERR_UNSUPPORTED, "backend %s has no device hooks for tensors", name);
}

const vx_backend *vx_ctx_backend(const vx_ctx *ctx)
{
    const vx_device *dev = vx_ctx_device(ctx);
    return dev ? dev->backend : NULL;
}

/* --- descriptors from tensors --------------------------------------------------------- */

/* An operand for t on ctx's device: uploaded when needed, made contiguous
 * through the host when it is a strided view. */
static vx_status operand_of(vx_ctx *ctx, vx_tensor *t, vx_operand *o)
{
    if (!vx_is_contiguous(t)) {
        vx_tensor *c = vx_empty(ctx, t->dtype, t->ndim, t->shape);
        if (!c)
            return vx_last_status();
        vx_copy_elements(t, c->data); /* downloads t first when the device holds newer values */
        t = c;
    }
    vx_status st = vx_to_device(ctx, t);
    if (st)
        return st;
    size_t offset;
    vx_buffer *buf = vx_device_buffer(t, &offset);
    *o = vx_operand_of(buf, offset, t->dtype, t->ndim, t->shape);
    return VX_OK;
}

/* The descriptor of op over `in`, without its output. */
static vx_status build(vx_ctx *ctx, vx_op_desc *d, vx_op_id op, int n_in, vx_tensor *const *in,
                       const int64_t *iarg, const float *farg)
{
    if ((unsigned)op >= VX_OP_COUNT)
        return vx_fail(VX_ERR_ARG, "device op: unknown op id %d", (int)op);
    if (!vx_ctx_backend(ctx))
        return vx_fail(VX_ERR_ARG, "%s: the context has no backend (call vx_ctx_use_backend first)",
                       vx_op_table[op].name);
    if (n_in < 1 || n_in > VX_MAX_INPUTS)
        return vx_fail(VX_ERR_ARG, "device op: %d inputs (1..%d)", n_in, VX_MAX_INPUTS);
    memset(d, 0, sizeof *d);
    d->op = op;
    d->n_in = n_in;
    if (iarg)
        memcpy(d->iarg, iarg, sizeof d->iarg);
    if (farg)
        memcpy(d->farg, farg, sizeof d->farg);
    for (int i = 0; i < n_in; i++) {
        if (!in[i])
            continue;
        vx_status st = operand_of(ctx, in[i], &d->in[i]);
        if (st)
            return st;
    }
    return VX_OK;
}

static vx_status run(vx_ctx *ctx, vx_op_desc *d, vx_tensor *out)
{
    vx_status st = vx_backend_dispatch(vx_ctx_backend(ctx), d);
    if (st)
        return st;
    vx_device_written(out);
    return VX_OK;
}

vx_tensor *vx_dev_op(vx_ctx *ctx, vx_op_id op, int n_in, vx_tensor *const *in, const int64_t *iarg,
                     const float *farg)
{
    if (!in || !in[0]) /* a failed op before this one: keep its error */
        return vx_last_status() ? NULL : vx_fail_null(VX_ERR_ARG, "device op: no first input");
    vx_op_desc d;
    if (build(ctx, &d, op, n_in, in, iarg, farg))
        return NULL;
    int ndim;
    int64_t shape[VX_MAX_DIMS];
    if (vx_op_desc_out_shape(&d, &ndim, shape))
        return NULL;
    vx_tensor *out = vx_device_empty(ctx, VX_F32, ndim, shape);
    if (!out)
        return NULL;
    size_t offset;
    vx_buffer *buf = vx_device_buffer(out, &offset);
    d.out = vx_operand_of(buf, offset, VX_F32, ndim, shape);
    return run(ctx, &d, out) ? NULL : out;
}

vx_status vx_dev_op_into(vx_ctx *ctx, vx_tensor *out, vx_op_id op, int n_in, vx_tensor *const *in,
                         const int64_t *iarg, const float *farg)
{
    if (!out || !in || !in[0])
        return vx_last_status() ? vx_last_status() : vx_fail(VX_ERR_ARG, "device op: no output or first input");
    vx_op_desc d;
    vx_status st = build(ctx, &d, op, n_in, in, iarg, farg);
    if (st)
        return st;
    if (!vx_on_device(out) || !vx_is_contiguous(out))
        return vx_fail(VX_ERR_ARG, "%s: the output must be a contiguous device tensor", vx_op_table[op].name);
    /* the rest of out's store may hold newer host values: bring them over first */
    if ((st = vx_to_device(ctx, out)))
        return st;
    size_t offset;
    vx_buffer *buf = vx_device_buffer(out, &offset);
    d.out = vx_operand_of(buf, offset, out->dtype, out->ndim, out->shape);
    return run(ctx, &d, out);
}

/* --- typed forms ------------------------------------------------------------------------ */

vx_tensor *vx_dev_conv1d(vx_ctx *ctx, vx_tensor *x, vx_tensor *w, vx_tensor *bias, int stride, int pad,
                         int dilation, int groups)
{
    if (!x || !w)
        return NULL;
    vx_tensor *in[3] = {x, w, bias};
    int64_t iarg[8] = {stride, pad, dilation, groups};
    return vx_dev_op(ctx, VX_OP_CONV1D, 3, in, iarg, NULL);
}

vx_tensor *vx_dev_conv_transpose1d(vx_ctx *ctx, vx_tensor *x, vx_tensor *w, vx_tensor *bias, int stride,
                                   int pad, int output_padding, int groups, int dilation)
{
    if (!x || !w)
        return NULL;
    vx_tensor *in[3] = {x, w, bias};
    int64_t iarg[8] = {stride, pad, output_padding, groups, dilation};
    return vx_dev_op(ctx, VX_OP_CONV_TRANSPOSE1D, 3, in, iarg, NULL);
}

vx_tensor *vx_dev_binary(vx_ctx *ctx, vx_op_id op, vx_tensor *a, vx_tensor *b)
{
    if (!a || !b)
        return NULL;
    vx_tensor *in[2] = {a, b};
    return vx_dev_op(ctx, op, 2, in, NULL, NULL);
}

vx_tensor *vx_dev_unary(vx_ctx *ctx, vx_op_id op, vx_tensor *x, float p0, float p1)
{
    if (!x)
        return NULL;
    float farg[4] = {p0, p1};
    return vx_dev_op(ctx, op, 1, &x, NULL, farg);
}

vx_tensor *vx_dev_index_select(vx_ctx *ctx, vx_tensor *x, int axis, vx_tensor *idx)
{
    if (!x || !idx)
        return NULL;
    vx_tensor *in[2] = {x, idx};
    int64_t iarg[8] = {axis};
    return vx_dev_op(ctx, VX_OP_INDEX_SELECT, 2, in, iarg, NULL);
}
