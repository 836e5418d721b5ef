/* vits_weights.c — VITS weight lookup by PyTorch name from an imported Piper
 * voice or a voxc safetensors file, with shape checks, plus the small shared
 * layers (convolution and channel LayerNorm wrappers). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "models/vits_internal.h"

static const char *shape_text(char *buf, size_t size, int ndim, const int64_t *shape)
{
    size_t n = (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < ndim && n < size; i++)
        n += (size_t)snprintf(buf + n, size - n, i ? ", %lld" : "%lld", (long long)shape[i]);
    if (n < size)
        snprintf(buf + n, size - n, "]");
    return buf;
}

vx_tensor *vits_weight(const vits_source *src, int ndim, const int64_t *shape, const char *fmt, ...)
{
    char name[VX_PIPER_NAME_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);

    int have_ndim = 0;
    int64_t have[VX_ONNX_MAX_DIMS] = {0};
    const float *f32 = NULL;
    const vx_st_entry *entry = NULL;
    if (src->piper) {
        const vx_piper_weight *w = vx_piper_find(src->piper, name);
        if (w) {
            have_ndim = w->ndim;
            memcpy(have, w->shape, sizeof(int64_t) * (size_t)w->ndim);
            f32 = w->data;
        }
    } else {
        entry = vx_st_find(src->st, name);
        if (entry) {
            have_ndim = entry->ndim;
            memcpy(have, entry->shape, sizeof(int64_t) * (size_t)entry->ndim);
        }
    }
    if (!f32 && !entry)
        return vx_fail_null(VX_ERR_FORMAT, "VITS voice %s lacks weight '%s' (is it a Piper VITS voice?)",
                            src->what, name);
    if (entry && entry->dtype != VX_F32) /* voxc-convert writes F32 */
        return vx_fail_null(VX_ERR_FORMAT, "VITS voice %s: weight '%s' is %s, expected F32 (re-run voxc-convert piper)",
                            src->what, name, vx_dtype_name(entry->dtype));
    bool ok = have_ndim == ndim && ndim <= VX_MAX_DIMS;
    for (int i = 0; ok && i < ndim; i++)
        ok = shape[i] < 0 || shape[i] == have[i];
    if (!ok) {
        char want_s[96], have_s[96];
        return vx_fail_null(VX_ERR_FORMAT, "VITS voice %s: weight '%s' has shape %s, expected %s",
                            src->what, name, shape_text(have_s, sizeof have_s, have_ndim, have),
                            shape_text(want_s, sizeof want_s, ndim, shape));
    }
    vx_tensor *t = vx_param(src->ctx, name, VX_F32, ndim, have, false);
    if (!t)
        return NULL;
    if (f32) {
        memcpy(t->data, f32, sizeof(float) * (size_t)vx_numel(t));
        return t;
    }
    memcpy(t->data, entry->data, entry->nbytes); /* may be unaligned in the file */
    return t;
}

vx_status vits_conv_load(const vits_source *src, vits_conv *c, const char *prefix, int64_t cin,
                         int64_t cout, int64_t k, int dilation, int groups, bool with_bias)
{
    int64_t wshape[3] = {cout, cin / groups, k}, bshape[1] = {cout};
    c->w = vits_weight(src, 3, wshape, "%s.weight", prefix);
    if (!c->w)
        return vx_last_status();
    c->b = NULL;
    if (with_bias && !(c->b = vits_weight(src, 1, bshape, "%s.bias", prefix)))
        return vx_last_status();
    c->stride = 1;
    c->dilation = dilation;
    c->groups = groups;
    c->pad = dilation * (int)(c->w->shape[2] - 1) / 2;
    return VX_OK;
}

vx_tensor *vits_conv_apply(vx_ctx *ctx, const vits_conv *c, vx_tensor *x)
{
    return vx_conv1d(ctx, x, c->w, c->b, c->stride, c->pad, c->dilation, c->groups);
}

vx_status vits_norm_load(const vits_source *src, vits_norm *n, const char *prefix, int64_t channels)
{
    int64_t shape[1] = {channels};
    n->gamma = vits_weight(src, 1, shape, "%s.gamma", prefix);
    n->beta = n->gamma ? vits_weight(src, 1, shape, "%s.beta", prefix) : NULL;
    return n->beta ? VX_OK : vx_last_status();
}
