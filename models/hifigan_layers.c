/* hifigan_layers.c — normalised conv layers and parameter lists for the
 * HiFi-GAN generator and discriminators (hifigan_layers.h). */
#include "models/hifigan_layers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

vx_status hg_list_push(hg_list *l, vx_tensor *t)
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 64;
        vx_tensor **items = realloc(l->items, (size_t)cap * sizeof *items);
        if (!items)
            return vx_fail(VX_ERR_OOM, "hifigan: out of memory for the parameter list");
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n++] = t;
    return VX_OK;
}

void hg_list_free(hg_list *l)
{
    free(l->items);
    *l = (hg_list){0};
}

vx_status hg_conv_list_params(const hg_conv *c, hg_list *params)
{
    vx_status st = VX_OK;
    if (c->norm == HG_WEIGHT_NORM) {
        st = hg_list_push(params, c->g);
        if (st == VX_OK)
            st = hg_list_push(params, c->v);
    } else {
        st = hg_list_push(params, c->weight);
    }
    return st == VX_OK ? hg_list_push(params, c->bias) : st;
}

/* A persistent tensor "<module>.<field>". */
static vx_tensor *named(vx_ctx *ctx, const char *module, const char *field, int ndim,
                        const int64_t *shape, bool requires_grad)
{
    char name[96];
    int n = snprintf(name, sizeof name, "%s.%s", module, field);
    if (n < 0 || n >= (int)sizeof(((vx_tensor *)0)->name))
        return vx_fail_null(VX_ERR_ARG, "hifigan: tensor name '%s.%s' is too long", module, field);
    return vx_param(ctx, name, VX_F32, ndim, shape, requires_grad);
}

/* Unit vector from N(0, 1) draws (torch: normalize(randn)). */
static void random_unit(vx_ctx *ctx, vx_tensor *t)
{
    vx_fill_normal(ctx, t, 0, 1);
    float *p = t->data;
    int64_t n = vx_numel(t);
    double sq = 0;
    for (int64_t i = 0; i < n; i++)
        sq += (double)p[i] * p[i];
    double norm = fmax(sqrt(sq), 1e-12);
    for (int64_t i = 0; i < n; i++)
        p[i] = (float)(p[i] / norm);
}

/* g[o] = ‖v[o, ...]‖ (torch weight_norm's initial g). */
static void norms_into(const vx_tensor *v, vx_tensor *g)
{
    int64_t rows = v->shape[0], cols = vx_numel(v) / rows;
    const float *pv = v->data;
    float *pg = g->data;
    for (int64_t o = 0; o < rows; o++) {
        double sq = 0;
        for (int64_t k = 0; k < cols; k++)
            sq += (double)pv[o * cols + k] * pv[o * cols + k];
        pg[o] = (float)sqrt(sq);
    }
}

vx_status hg_conv_init(vx_ctx *ctx, hg_conv *c, const hg_conv_spec *s, hg_list *params,
                       hg_list *buffers)
{
    memset(c, 0, sizeof *c);
    if (s->cin <= 0 || s->cout <= 0 || s->kernel <= 0 || s->groups <= 0 || s->cin % s->groups ||
        s->cout % s->groups)
        return vx_fail(VX_ERR_ARG, "hifigan: layer %s has %d -> %d channels, kernel %d, groups %d; "
                       "channels must be positive multiples of groups", s->name, s->cin, s->cout,
                       s->kernel, s->groups);
    snprintf(c->name, sizeof c->name, "%s", s->name);
    c->norm = s->norm;
    c->transposed = s->transposed;
    c->stride = s->stride;
    c->pad = s->pad;
    c->dilation = s->dilation;
    c->groups = s->groups;
    int ndim = s->conv2d ? 4 : 3;
    int64_t shape[4] = {s->transposed ? s->cin : s->cout,
                        s->transposed ? s->cout / s->groups : s->cin / s->groups, s->kernel, 1};
    int64_t gshape[4] = {shape[0], 1, 1, 1};
    int64_t cout = s->cout;
    double bound = 1.0 / sqrt((double)(shape[1] * s->kernel)); /* 1 / sqrt(fan_in) */
    vx_tensor *w = NULL;
    switch (s->norm) {
    case HG_PLAIN:
        w = c->weight = named(ctx, s->name, "weight", ndim, shape, true);
        break;
    case HG_WEIGHT_NORM:
        c->g = named(ctx, s->name, "weight_g", ndim, gshape, true);
        w = c->v = c->g ? named(ctx, s->name, "weight_v", ndim, shape, true) : NULL;
        break;
    case HG_SPECTRAL: {
        int64_t rows = shape[0], cols = shape[1] * s->kernel;
        c->u_vec = named(ctx, s->name, "weight_u", 1, &rows, false);
        c->v_vec = c->u_vec ? named(ctx, s->name, "weight_v", 1, &cols, false) : NULL;
        w = c->weight = c->v_vec ? named(ctx, s->name, "weight_orig", ndim, shape, true) : NULL;
        break;
    }
    }
    c->bias = w ? named(ctx, s->name, "bias", 1, &cout, true) : NULL;
    if (!c->bias)
        return vx_last_status();
    vx_status st = hg_conv_list_params(c, params);
    if (st == VX_OK && c->u_vec) {
        st = hg_list_push(buffers, c->u_vec);
        if (st == VX_OK)
            st = hg_list_push(buffers, c->v_vec);
    }
    if (st != VX_OK)
        return st;
    vx_fill_uniform(ctx, w, (float)-bound, (float)bound);
    vx_fill_uniform(ctx, c->bias, (float)-bound, (float)bound);
    if (c->g)
        norms_into(c->v, c->g);
    if (c->u_vec) {
        random_unit(ctx, c->u_vec);
        random_unit(ctx, c->v_vec);
    }
    return VX_OK;
}

/* ref: Miyato et al. 2018, "Spectral Normalization for GANs", Alg. 1, as
 * torch.nn.utils.spectral_norm: with W as [O, N],
 *   v = normalize(Wᵀ u),  u = normalize(W v)   (no gradient; one step per call),
 *   σ = uᵀ W v (u, v constants), weight = W / σ. normalize(x) = x / max(‖x‖, 1e-12). */
static void power_iteration(const vx_tensor *w, vx_tensor *u_vec, vx_tensor *v_vec)
{
    int64_t rows = w->shape[0], cols = vx_numel(w) / rows;
    const float *W = w->data;
    float *u = u_vec->data, *v = v_vec->data;
    double sq = 0;
    for (int64_t k = 0; k < cols; k++) {
        double acc = 0;
        for (int64_t o = 0; o < rows; o++)
            acc += (double)W[o * cols + k] * u[o];
        v[k] = (float)acc;
        sq += acc * acc;
    }
    double nv = fmax(sqrt(sq), 1e-12);
    for (int64_t k = 0; k < cols; k++)
        v[k] = (float)(v[k] / nv);
    sq = 0;
    for (int64_t o = 0; o < rows; o++) {
        double acc = 0;
        for (int64_t k = 0; k < cols; k++)
            acc += (double)W[o * cols + k] * v[k];
        u[o] = (float)acc;
        sq += acc * acc;
    }
    double nu = fmax(sqrt(sq), 1e-12);
    for (int64_t o = 0; o < rows; o++)
        u[o] = (float)(u[o] / nu);
}

static vx_tensor *spectral_weight(vx_ctx *ctx, hg_conv *c)
{
    vx_tensor *w = c->weight;
    int64_t rows = w->shape[0], cols = vx_numel(w) / rows;
    if (vx_training(ctx))
        power_iteration(w, c->u_vec, c->v_vec);
    /* the graph keeps copies: the buffers change on the next call, before backward */
    vx_tensor *u = vx_from_f32(ctx, 2, (int64_t[]){1, rows}, c->u_vec->data);   /* [1, O] */
    vx_tensor *v = vx_from_f32(ctx, 2, (int64_t[]){cols, 1}, c->v_vec->data);   /* [N, 1] */
    vx_tensor *wm = vx_reshape(ctx, w, 2, (int64_t[]){rows, cols});             /* [O, N] */
    vx_tensor *sigma = vx_matmul(ctx, u, vx_matmul(ctx, wm, v));                 /* [1, 1] */
    int64_t ones[4] = {1, 1, 1, 1};
    return vx_div(ctx, w, vx_reshape(ctx, sigma, w->ndim, ones));
}

vx_tensor *hg_conv_weight(vx_ctx *ctx, hg_conv *c)
{
    if (c->w_pass)
        return c->w_pass;
    vx_tensor *w = c->norm == HG_WEIGHT_NORM ? vx_weight_norm(ctx, c->g, c->v)
                   : c->norm == HG_SPECTRAL  ? spectral_weight(ctx, c)
                                             : c->weight;
    if (w && w->ndim == 4) /* Conv2d (k, 1) weight as a Conv1d weight */
        w = vx_reshape(ctx, w, 3, (int64_t[]){w->shape[0], w->shape[1], w->shape[2]});
    return w;
}

vx_status hg_conv_weight_pass(vx_ctx *ctx, hg_conv *c)
{
    c->w_pass = NULL;
    if (c->norm != HG_WEIGHT_NORM)
        return VX_OK;
    vx_tensor *w = hg_conv_weight(ctx, c);
    if (!w)
        return vx_last_status();
    c->w_pass = w;
    return VX_OK;
}

void hg_conv_weight_pass_end(hg_conv *c) { c->w_pass = NULL; }

vx_tensor *hg_conv_forward(vx_ctx *ctx, hg_conv *c, vx_tensor *x)
{
    vx_tensor *w = hg_conv_weight(ctx, c);
    if (c->transposed)
        return vx_conv_transpose1d(ctx, x, w, c->bias, c->stride, c->pad, 0, c->groups, c->dilation);
    return vx_conv1d(ctx, x, w, c->bias, c->stride, c->pad, c->dilation, c->groups);
}

vx_status hg_conv_remove_weight_norm(vx_ctx *ctx, hg_conv *c)
{
    if (c->norm != HG_WEIGHT_NORM)
        return VX_OK;
    bool was = vx_set_grad_enabled(ctx, false);
    vx_tensor *w = vx_weight_norm(ctx, c->g, c->v);
    vx_set_grad_enabled(ctx, was);
    vx_tensor *plain = w ? named(ctx, c->name, "weight", c->v->ndim, c->v->shape, true) : NULL;
    if (!plain)
        return vx_last_status();
    memcpy(plain->data, w->data, (size_t)vx_numel(w) * sizeof(float));
    c->weight = plain;
    c->g = c->v = NULL;
    c->norm = HG_PLAIN;
    return VX_OK;
}
