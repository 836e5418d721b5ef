/* fastspeech2_layers.c — FastSpeech2's basic layers (linear, conv over time,
 * layer norm) with PyTorch's default initialisation, the named parameter
 * list, and padding masks (fastspeech2_internal.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "models/fastspeech2_internal.h"

vx_status fs2_list_push(fs2_list *l, vx_tensor *t)
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 64;
        vx_tensor **items = realloc(l->items, (size_t)cap * sizeof *items);
        if (!items)
            return vx_fail(VX_ERR_OOM, "fastspeech2: out of memory for the parameter list");
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n++] = t;
    return VX_OK;
}

void fs2_list_free(fs2_list *l)
{
    free(l->items);
    *l = (fs2_list){0};
}

vx_tensor *fs2_tensor(vx_ctx *ctx, fs2_list *list, bool requires_grad, int ndim,
                      const int64_t *shape, const char *fmt, ...)
{
    char name[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    if (n < 0 || n >= (int)sizeof(((vx_tensor *)0)->name))
        return vx_fail_null(VX_ERR_ARG, "fastspeech2: tensor name '%s' is longer than %d characters",
                            name, (int)sizeof(((vx_tensor *)0)->name) - 1);
    vx_tensor *t = vx_param(ctx, name, VX_F32, ndim, shape, requires_grad);
    if (!t || fs2_list_push(list, t) != VX_OK)
        return NULL;
    return t;
}

/* weight and bias U(±1/sqrt(fan_in)) (torch's kaiming_uniform(a = √5) and
 * bias init for nn.Linear and nn.Conv1d). */
static void default_init(vx_ctx *ctx, vx_tensor *w, vx_tensor *b, int64_t fan_in)
{
    float bound = (float)(1.0 / sqrt((double)fan_in));
    vx_fill_uniform(ctx, w, -bound, bound);
    vx_fill_uniform(ctx, b, -bound, bound);
}

vx_status fs2_linear_init(vx_ctx *ctx, fs2_list *params, fs2_linear *l, int in, int out,
                          const char *prefix)
{
    l->weight = fs2_tensor(ctx, params, true, 2, (int64_t[]){out, in}, "%s.weight", prefix);
    l->bias = l->weight ? fs2_tensor(ctx, params, true, 1, (int64_t[]){out}, "%s.bias", prefix)
                        : NULL;
    if (!l->bias)
        return vx_last_status();
    default_init(ctx, l->weight, l->bias, in);
    return VX_OK;
}

vx_status fs2_conv_init(vx_ctx *ctx, fs2_list *params, fs2_conv *c, int in, int out, int kernel,
                        const char *prefix)
{
    c->weight = fs2_tensor(ctx, params, true, 3, (int64_t[]){out, in, kernel}, "%s.weight", prefix);
    c->bias = c->weight ? fs2_tensor(ctx, params, true, 1, (int64_t[]){out}, "%s.bias", prefix)
                        : NULL;
    if (!c->bias)
        return vx_last_status();
    default_init(ctx, c->weight, c->bias, (int64_t)in * kernel);
    return VX_OK;
}

vx_status fs2_norm_init(vx_ctx *ctx, fs2_list *params, fs2_norm *n, int channels,
                        const char *prefix)
{
    n->weight = fs2_tensor(ctx, params, true, 1, (int64_t[]){channels}, "%s.weight", prefix);
    n->bias = n->weight ? fs2_tensor(ctx, params, true, 1, (int64_t[]){channels}, "%s.bias", prefix)
                        : NULL;
    if (!n->bias)
        return vx_last_status();
    vx_fill(n->weight, 1.0f);
    return VX_OK;
}

vx_tensor *fs2_linear_forward(vx_ctx *ctx, const fs2_linear *l, vx_tensor *x)
{
    return vx_linear(ctx, x, l->weight, l->bias);
}

vx_tensor *fs2_conv_forward(vx_ctx *ctx, const fs2_conv *c, vx_tensor *x)
{
    int k = (int)c->weight->shape[2];
    return vx_conv1d(ctx, x, c->weight, c->bias, 1, (k - 1) / 2, 1, 1);
}

vx_tensor *fs2_norm_forward(vx_ctx *ctx, const fs2_norm *n, vx_tensor *x)
{
    return vx_layer_norm(ctx, x, n->weight, n->bias, FS2_LN_EPS);
}

vx_tensor *fs2_pad_mask(vx_ctx *ctx, const vx_tensor *lens, int64_t t)
{
    int64_t batch = lens->shape[0];
    vx_tensor *pad = vx_new(ctx, VX_U8, 2, (int64_t[]){batch, t});
    if (!pad)
        return NULL;
    uint8_t *p = pad->data;
    for (int64_t b = 0; b < batch; b++) {
        int32_t len = vx_get_i(lens, b);
        for (int64_t i = 0; i < t; i++)
            p[b * t + i] = i >= len;
    }
    return pad;
}

vx_tensor *fs2_mask_rows(vx_ctx *ctx, vx_tensor *pad)
{
    if (!pad)
        return NULL;
    return vx_wrap(ctx, VX_U8, 3, (int64_t[]){pad->shape[0], pad->shape[1], 1}, pad->data);
}

vx_tensor *fs2_mask_frames(vx_ctx *ctx, vx_tensor *pad)
{
    if (!pad)
        return NULL;
    return vx_wrap(ctx, VX_U8, 3, (int64_t[]){pad->shape[0], 1, pad->shape[1]}, pad->data);
}

vx_tensor *fs2_mask_keys(vx_ctx *ctx, vx_tensor *pad)
{
    if (!pad)
        return NULL;
    return vx_wrap(ctx, VX_U8, 4, (int64_t[]){pad->shape[0], 1, 1, pad->shape[1]}, pad->data);
}
