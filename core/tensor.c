/* tensor.c — tensor headers, creation, element access and raw views. */
#include "tensor.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dispatch.h"
#include "status.h"

/* Check a shape and return its element count, or -1 with the error set. */
static int64_t checked_numel(int ndim, const int64_t *shape)
{
    if (ndim < 0 || ndim > VX_MAX_DIMS) {
        vx_fail(VX_ERR_ARG, "tensor rank %d is outside 0..%d", ndim, VX_MAX_DIMS);
        return -1;
    }
    int64_t n = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0 || (shape[i] > 0 && n > INT64_MAX / 4 / shape[i])) {
            vx_fail(VX_ERR_ARG, "tensor dim %d has invalid size %lld", i, (long long)shape[i]);
            return -1;
        }
        n *= shape[i];
    }
    return n;
}

static void set_contiguous_header(vx_tensor *t, vx_dtype dt, int ndim, const int64_t *shape)
{
    t->dtype = dt;
    t->ndim = ndim;
    int64_t s = 1;
    for (int i = VX_MAX_DIMS - 1; i >= 0; i--) {
        t->shape[i] = i < ndim ? shape[i] : 1;
        t->stride[i] = i < ndim ? s : 0;
        if (i < ndim)
            s *= shape[i];
    }
}

vx_tensor *vx_wrap(vx_ctx *ctx, vx_dtype dt, int ndim, const int64_t *shape, void *data)
{
    if (checked_numel(ndim, shape) < 0)
        return NULL;
    vx_tensor *t = vx_arena_alloc(ctx, sizeof *t);
    if (!t)
        return NULL;
    set_contiguous_header(t, dt, ndim, shape);
    t->data = data;
    return t;
}

vx_tensor *vx_new(vx_ctx *ctx, vx_dtype dt, int ndim, const int64_t *shape)
{
    int64_t n = checked_numel(ndim, shape);
    if (n < 0)
        return NULL;
    void *data = vx_arena_alloc(ctx, (size_t)n * vx_dtype_size(dt));
    return data ? vx_wrap(ctx, dt, ndim, shape, data) : NULL;
}

vx_tensor *vx_empty(vx_ctx *ctx, vx_dtype dt, int ndim, const int64_t *shape)
{
    int64_t n = checked_numel(ndim, shape);
    if (n < 0)
        return NULL;
    void *data = vx_arena_alloc_uninit(ctx, (size_t)n * vx_dtype_size(dt));
    return data ? vx_wrap(ctx, dt, ndim, shape, data) : NULL;
}

vx_tensor *vx_param(vx_ctx *ctx, const char *name, vx_dtype dt, int ndim, const int64_t *shape,
                    bool requires_grad)
{
    int64_t n = checked_numel(ndim, shape);
    if (n < 0)
        return NULL;
    vx_tensor *t = vx_persistent_alloc(ctx, sizeof *t);
    void *data = t ? vx_persistent_alloc(ctx, (size_t)n * vx_dtype_size(dt)) : NULL;
    if (!data)
        return NULL;
    set_contiguous_header(t, dt, ndim, shape);
    t->data = data;
    t->persistent = true;
    t->requires_grad = requires_grad && dt == VX_F32;
    if (name)
        snprintf(t->name, sizeof t->name, "%s", name);
    return t;
}

vx_tensor *vx_from_f32(vx_ctx *ctx, int ndim, const int64_t *shape, const float *values)
{
    vx_tensor *t = vx_new(ctx, VX_F32, ndim, shape);
    if (t)
        memcpy(t->data, values, (size_t)vx_numel(t) * sizeof(float));
    return t;
}

vx_tensor *vx_from_i32(vx_ctx *ctx, int ndim, const int64_t *shape, const int32_t *values)
{
    vx_tensor *t = vx_new(ctx, VX_I32, ndim, shape);
    if (t)
        memcpy(t->data, values, (size_t)vx_numel(t) * sizeof(int32_t));
    return t;
}

vx_tensor *vx_scalar(vx_ctx *ctx, float value)
{
    return vx_from_f32(ctx, 0, NULL, &value);
}

int64_t vx_numel(const vx_tensor *t)
{
    int64_t n = 1;
    for (int i = 0; i < t->ndim; i++)
        n *= t->shape[i];
    return n;
}

bool vx_is_contiguous(const vx_tensor *t)
{
    int64_t s = 1;
    for (int i = t->ndim - 1; i >= 0; i--) {
        if (t->shape[i] != 1 && t->stride[i] != s)
            return false;
        s *= t->shape[i];
    }
    return true;
}

bool vx_same_shape(const vx_tensor *a, const vx_tensor *b)
{
    if (a->ndim != b->ndim)
        return false;
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i])
            return false;
    return true;
}

int vx_norm_axis(const vx_tensor *t, int axis)
{
    int a = axis < 0 ? axis + t->ndim : axis;
    return (a >= 0 && a < t->ndim) ? a : -1;
}

const char *vx_shape_str(const vx_tensor *t, char *buf, int bufsize)
{
    int n = snprintf(buf, (size_t)bufsize, "[");
    for (int i = 0; i < t->ndim && n < bufsize; i++)
        n += snprintf(buf + n, (size_t)(bufsize - n), "%s%lld", i ? ", " : "", (long long)t->shape[i]);
    if (n < bufsize)
        snprintf(buf + n, (size_t)(bufsize - n), "]");
    return buf;
}

int64_t vx_offset_of(const vx_tensor *t, int64_t i)
{
    int64_t off = 0;
    for (int d = t->ndim - 1; d >= 0; d--) {
        off += (i % t->shape[d]) * t->stride[d];
        i /= t->shape[d];
    }
    return off * (int64_t)vx_dtype_size(t->dtype);
}

float vx_get_f(const vx_tensor *t, int64_t i)
{
    if (t->dev && vx_to_host(t))
        return NAN;
    return *(const float *)((const char *)t->data + vx_offset_of(t, i));
}

void vx_set_f(vx_tensor *t, int64_t i, float v)
{
    if (t->dev && vx_to_host(t))
        return;
    *(float *)((char *)t->data + vx_offset_of(t, i)) = v;
    if (t->dev)
        vx_host_written(t);
}

int32_t vx_get_i(const vx_tensor *t, int64_t i)
{
    if (t->dev && vx_to_host(t))
        return 0;
    return *(const int32_t *)((const char *)t->data + vx_offset_of(t, i));
}

void vx_copy_elements(const vx_tensor *t, void *dst)
{
    if (t->dev && vx_to_host(t)) {
        memset(dst, 0, (size_t)vx_numel(t) * vx_dtype_size(t->dtype));
        return;
    }
    /* as 4-D: leading dims of size 1 */
    int64_t shape[4] = {1, 1, 1, 1}, stride[4] = {0, 0, 0, 0};
    for (int d = 0; d < t->ndim; d++) {
        shape[4 - t->ndim + d] = t->shape[d];
        stride[4 - t->ndim + d] = t->stride[d];
    }
    size_t es = vx_dtype_size(t->dtype);
    int64_t inner = shape[3], s3 = stride[3];
    char *out = dst;
    for (int64_t i0 = 0; i0 < shape[0]; i0++)
        for (int64_t i1 = 0; i1 < shape[1]; i1++)
            for (int64_t i2 = 0; i2 < shape[2]; i2++) {
                const char *row = (const char *)t->data + (i0 * stride[0] + i1 * stride[1] + i2 * stride[2]) * (int64_t)es;
                if (s3 == 1) {
                    memcpy(out, row, (size_t)inner * es);
                } else if (es == 4) {
                    uint32_t *o = (uint32_t *)out;
                    for (int64_t k = 0; k < inner; k++)
                        memcpy(&o[k], row + k * s3 * 4, 4);
                } else {
                    for (int64_t k = 0; k < inner; k++)
                        memcpy(out + k * (int64_t)es, row + k * s3 * (int64_t)es, es);
                }
                out += inner * (int64_t)es;
            }
}

void vx_copy_to_f32(const vx_tensor *t, float *dst)
{
    if (t->dtype == VX_F32) {
        vx_copy_elements(t, dst);
        return;
    }
    int64_t n = vx_numel(t);
    if (t->dev && vx_to_host(t)) {
        memset(dst, 0, (size_t)n * sizeof *dst);
        return;
    }
    for (int64_t i = 0; i < n; i++) {
        const char *p = (const char *)t->data + vx_offset_of(t, i);
        switch (t->dtype) {
        case VX_F32: dst[i] = *(const float *)p; break;
        case VX_F16: dst[i] = vx_f16_to_f32(*(const uint16_t *)p); break;
        case VX_BF16: dst[i] = vx_bf16_to_f32(*(const uint16_t *)p); break;
        case VX_I32: dst[i] = (float)*(const int32_t *)p; break;
        case VX_I8: dst[i] = (float)*(const int8_t *)p; break;
        case VX_U8: dst[i] = (float)*(const uint8_t *)p; break;
        default: dst[i] = 0; break;
        }
    }
}

void vx_fill(vx_tensor *t, float v)
{
    int64_t n = vx_numel(t);
    for (int64_t i = 0; i < n; i++)
        vx_set_f(t, i, v);
}

/* Draw into a contiguous scratch order so values depend only on the seed. */
void vx_fill_uniform(vx_ctx *ctx, vx_tensor *t, float lo, float hi)
{
    int64_t n = vx_numel(t);
    for (int64_t i = 0; i < n; i++) {
        float v;
        vx_rng_uniform(vx_ctx_rng(ctx), &v, 1, lo, hi);
        vx_set_f(t, i, v);
    }
}

void vx_fill_normal(vx_ctx *ctx, vx_tensor *t, float mean, float std)
{
    int64_t n = vx_numel(t);
    for (int64_t i = 0; i < n; i++) {
        float v;
        vx_rng_normal(vx_ctx_rng(ctx), &v, 1, mean, std);
        vx_set_f(t, i, v);
    }
}

/* --- raw views ------------------------------------------------------------- */

static void copy_header(const vx_tensor *in, vx_tensor *out)
{
    memset(out, 0, sizeof *out);
    out->dtype = in->dtype;
    out->data = in->data;
    out->dev = in->dev;
    out->persistent = false;
}

vx_status vx_view_reshape(const vx_tensor *in, int ndim, const int64_t *shape, vx_tensor *out)
{
    if (!vx_is_contiguous(in))
        return vx_fail(VX_ERR_ARG, "reshape view needs a contiguous tensor");
    int64_t n = checked_numel(ndim, shape);
    if (n < 0)
        return VX_ERR_ARG;
    if (n != vx_numel(in))
        return vx_fail(VX_ERR_ARG, "reshape: %lld elements cannot take a shape of %lld",
                       (long long)vx_numel(in), (long long)n);
    vx_tensor t;
    copy_header(in, &t);
    set_contiguous_header(&t, in->dtype, ndim, shape);
    t.data = in->data;
    *out = t;
    return VX_OK;
}

vx_status vx_view_permute(const vx_tensor *in, const int *perm, vx_tensor *out)
{
    int seen[VX_MAX_DIMS] = {0};
    for (int i = 0; i < in->ndim; i++) {
        if (perm[i] < 0 || perm[i] >= in->ndim || seen[perm[i]]++)
            return vx_fail(VX_ERR_ARG, "permute: axis list is not a permutation of 0..%d",
                           in->ndim - 1);
    }
    vx_tensor t;
    copy_header(in, &t);
    t.ndim = in->ndim;
    for (int i = 0; i < VX_MAX_DIMS; i++) {
        t.shape[i] = i < in->ndim ? in->shape[perm[i]] : 1;
        t.stride[i] = i < in->ndim ? in->stride[perm[i]] : 0;
    }
    *out = t;
    return VX_OK;
}

vx_status vx_view_slice(const vx_tensor *in, int axis, int64_t start, int64_t end, int64_t step,
                        vx_tensor *out)
{
    int a = vx_norm_axis(in, axis);
    if (a < 0)
        return vx_fail(VX_ERR_ARG, "slice: axis %d out of range for rank %d", axis, in->ndim);
    int64_t size = in->shape[a];
    if (start < 0) start += size;
    if (end < 0) end += size;
    if (end > size) end = size;
    if (step <= 0 || start < 0 || start > end)
        return vx_fail(VX_ERR_ARG, "slice: [%lld:%lld:%lld] is invalid for axis %d of size %lld",
                       (long long)start, (long long)end, (long long)step, a, (long long)size);
    vx_tensor t = *in;
    copy_header(in, &t);
    t.ndim = in->ndim;
    memcpy(t.shape, in->shape, sizeof t.shape);
    memcpy(t.stride, in->stride, sizeof t.stride);
    t.shape[a] = (end - start + step - 1) / step;
    t.stride[a] = in->stride[a] * step;
    t.data = (char *)in->data + start * in->stride[a] * (int64_t)vx_dtype_size(in->dtype);
    *out = t;
    return VX_OK;
}

vx_status vx_view_expand(const vx_tensor *in, int ndim, const int64_t *shape, vx_tensor *out)
{
    if (ndim < in->ndim || ndim > VX_MAX_DIMS)
        return vx_fail(VX_ERR_ARG, "expand: cannot expand rank %d to rank %d", in->ndim, ndim);
    vx_tensor t;
    copy_header(in, &t);
    t.ndim = ndim;
    int lead = ndim - in->ndim;
    for (int i = 0; i < VX_MAX_DIMS; i++) {
        if (i >= ndim) {
            t.shape[i] = 1;
            t.stride[i] = 0;
            continue;
        }
        int64_t have = i < lead ? 1 : in->shape[i - lead];
        int64_t stride = i < lead ? 0 : in->stride[i - lead];
        if (have == shape[i]) {
            t.shape[i] = have;
            t.stride[i] = have == 1 ? 0 : stride;
        } else if (have == 1 && shape[i] >= 0) {
            t.shape[i] = shape[i];
            t.stride[i] = 0;
        } else {
            return vx_fail(VX_ERR_ARG, "expand: dim %d of size %lld cannot become %lld", i,
                           (long long)have, (long long)shape[i]);
        }
    }
    *out = t;
    return VX_OK;
}
