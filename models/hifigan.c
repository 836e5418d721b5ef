/* hifigan.c — the HiFi-GAN generator: configs V1/V2/V3, construction,
 * forward pass and weight-norm removal (hifigan.h). */
#include "models/hifigan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/hifigan_layers.h"

#define LRELU_SLOPE 0.1f
#define FINAL_LRELU_SLOPE 0.01f /* the reference calls F.leaky_relu(x) with its default */
#define RB_MAX_CONVS 6          /* ResBlock1: convs1[0..2], convs2[0..2]; ResBlock2: convs[0..1] */

struct vx_hifigan {
    vx_hifigan_config cfg;
    hg_conv conv_pre, conv_post;
    hg_conv ups[VX_HIFIGAN_MAX_UP];
    hg_conv *rb;                  /* [n_up · n_kernels][RB_MAX_CONVS] */
    hg_list params;
};

vx_status vx_hifigan_config_named(const char *name, vx_hifigan_config *out)
{
    if (!name || !out)
        return vx_fail(VX_ERR_ARG, "hifigan: config name and output must not be NULL");
    vx_hifigan_config c = {.n_mels = 80, .n_kernels = 3};
    if (strcmp(name, "v1") == 0 || strcmp(name, "v2") == 0) {
        c.resblock = 1;
        c.initial_channels = name[1] == '1' ? 512 : 128;
        c.n_up = 4;
        memcpy(c.up_rates, (int[]){8, 8, 2, 2}, 4 * sizeof(int));
        memcpy(c.up_kernels, (int[]){16, 16, 4, 4}, 4 * sizeof(int));
        memcpy(c.rb_kernels, (int[]){3, 7, 11}, 3 * sizeof(int));
        for (int k = 0; k < 3; k++)
            memcpy(c.rb_dilations[k], (int[]){1, 3, 5}, 3 * sizeof(int));
    } else if (strcmp(name, "v3") == 0) {
        c.resblock = 2;
        c.initial_channels = 256;
        c.n_up = 3;
        memcpy(c.up_rates, (int[]){8, 8, 4}, 3 * sizeof(int));
        memcpy(c.up_kernels, (int[]){16, 16, 8}, 3 * sizeof(int));
        memcpy(c.rb_kernels, (int[]){3, 5, 7}, 3 * sizeof(int));
        memcpy(c.rb_dilations, (int[3][3]){{1, 2, 0}, {2, 6, 0}, {3, 12, 0}}, sizeof(int[3][3]));
    } else {
        return vx_fail(VX_ERR_ARG, "hifigan: unknown config '%s'; use v1, v2 or v3", name);
    }
    *out = c;
    return VX_OK;
}

vx_status vx_hifigan_config_check(const vx_hifigan_config *c)
{
    if (!c)
        return vx_fail(VX_ERR_ARG, "hifigan: config is NULL");
    if (c->n_mels <= 0)
        return vx_fail(VX_ERR_ARG, "hifigan: n_mels is %d; use > 0", c->n_mels);
    if (c->resblock != 1 && c->resblock != 2)
        return vx_fail(VX_ERR_ARG, "hifigan: resblock is %d; use 1 or 2", c->resblock);
    if (c->n_up < 1 || c->n_up > VX_HIFIGAN_MAX_UP)
        return vx_fail(VX_ERR_ARG, "hifigan: %d upsampling stages; use 1..%d", c->n_up,
                       VX_HIFIGAN_MAX_UP);
    if (c->n_kernels < 1 || c->n_kernels > VX_HIFIGAN_MAX_KERNELS)
        return vx_fail(VX_ERR_ARG, "hifigan: %d resblock kernels; use 1..%d", c->n_kernels,
                       VX_HIFIGAN_MAX_KERNELS);
    if (c->initial_channels <= 0 || c->initial_channels % (1 << c->n_up))
        return vx_fail(VX_ERR_ARG, "hifigan: initial_channels %d must be a positive multiple of "
                       "2^%d (it halves at each upsampling)", c->initial_channels, c->n_up);
    for (int i = 0; i < c->n_up; i++) {
        int u = c->up_rates[i], k = c->up_kernels[i];
        if (u < 1 || k < u || (k - u) % 2)
            return vx_fail(VX_ERR_ARG, "hifigan: upsampling %d has rate %d and kernel %d; the kernel "
                           "must be >= the rate with an even difference (output = input x rate)",
                           i, u, k);
    }
    int n_dil = c->resblock == 1 ? 3 : 2;
    for (int j = 0; j < c->n_kernels; j++)
        for (int d = 0; d < n_dil; d++)
            if (c->rb_kernels[j] < 1 || c->rb_dilations[j][d] < 1 ||
                (c->rb_kernels[j] - 1) * c->rb_dilations[j][d] % 2)
                return vx_fail(VX_ERR_ARG, "hifigan: resblock kernel %d with dilation %d does not "
                               "keep the length; use an odd kernel", c->rb_kernels[j],
                               c->rb_dilations[j][d]);
    return VX_OK;
}

int vx_hifigan_hop(const vx_hifigan_config *c)
{
    int hop = 1;
    for (int i = 0; i < c->n_up; i++)
        hop *= c->up_rates[i];
    return hop;
}

static int rb_convs(const vx_hifigan_config *c) { return c->resblock == 1 ? 6 : 2; }

/* Conv `slot` of resblock r: its module path and dilation. */
static void rb_conv_spec(const vx_hifigan_config *c, int r, int slot, int ch, char *name, size_t size,
                         hg_conv_spec *s)
{
    int j = r % c->n_kernels, k = c->rb_kernels[j];
    int dil = c->resblock == 1 ? (slot < 3 ? c->rb_dilations[j][slot] : 1) : c->rb_dilations[j][slot];
    if (c->resblock == 1)
        snprintf(name, size, "resblocks.%d.convs%d.%d", r, slot < 3 ? 1 : 2, slot % 3);
    else
        snprintf(name, size, "resblocks.%d.convs.%d", r, slot);
    /* ref: get_padding(k, d) = (k·d − d) / 2 keeps the length */
    *s = (hg_conv_spec){.name = name, .norm = HG_WEIGHT_NORM, .cin = ch, .cout = ch, .kernel = k,
                        .stride = 1, .pad = (k * dil - dil) / 2, .dilation = dil, .groups = 1};
}

vx_hifigan *vx_hifigan_new(vx_ctx *ctx, const vx_hifigan_config *cfg)
{
    if (!ctx || vx_hifigan_config_check(cfg) != VX_OK)
        return ctx ? NULL : vx_fail_null(VX_ERR_ARG, "hifigan: the context is NULL");
    vx_hifigan *g = calloc(1, sizeof *g);
    int n_rb = cfg->n_up * cfg->n_kernels;
    if (g)
        g->rb = calloc((size_t)n_rb * RB_MAX_CONVS, sizeof *g->rb);
    if (!g || !g->rb) {
        free(g);
        return vx_fail_null(VX_ERR_OOM, "hifigan: out of memory for the generator");
    }
    g->cfg = *cfg;
    hg_list no_buffers = {0};
    int ch = cfg->initial_channels;
    vx_status st = hg_conv_init(ctx, &g->conv_pre,
                                &(hg_conv_spec){.name = "conv_pre", .norm = HG_WEIGHT_NORM,
                                                .cin = cfg->n_mels, .cout = ch, .kernel = 7,
                                                .stride = 1, .pad = 3, .dilation = 1, .groups = 1},
                                &g->params, &no_buffers);
    for (int i = 0; i < cfg->n_up && st == VX_OK; i++) {
        char name[32];
        snprintf(name, sizeof name, "ups.%d", i);
        int u = cfg->up_rates[i], k = cfg->up_kernels[i];
        st = hg_conv_init(ctx, &g->ups[i],
                          &(hg_conv_spec){.name = name, .norm = HG_WEIGHT_NORM, .transposed = true,
                                          .cin = ch >> i, .cout = ch >> (i + 1), .kernel = k,
                                          .stride = u, .pad = (k - u) / 2, .dilation = 1,
                                          .groups = 1},
                          &g->params, &no_buffers);
    }
    for (int r = 0; r < n_rb && st == VX_OK; r++)
        for (int slot = 0; slot < rb_convs(cfg) && st == VX_OK; slot++) {
            char name[80];
            hg_conv_spec s;
            rb_conv_spec(cfg, r, slot, ch >> (r / cfg->n_kernels + 1), name, sizeof name, &s);
            st = hg_conv_init(ctx, &g->rb[r * RB_MAX_CONVS + slot], &s, &g->params, &no_buffers);
        }
    if (st == VX_OK)
        st = hg_conv_init(ctx, &g->conv_post,
                          &(hg_conv_spec){.name = "conv_post", .norm = HG_WEIGHT_NORM,
                                          .cin = ch >> cfg->n_up, .cout = 1, .kernel = 7,
                                          .stride = 1, .pad = 3, .dilation = 1, .groups = 1},
                          &g->params, &no_buffers);
    hg_list_free(&no_buffers);
    if (st != VX_OK) {
        vx_hifigan_free(g);
        return NULL;
    }
    return g;
}

void vx_hifigan_free(vx_hifigan *g)
{
    if (!g)
        return;
    hg_list_free(&g->params);
    free(g->rb);
    free(g);
}

/* ResBlock1: x += c2(lrelu(c1(lrelu(x)))) for each of 3 (c1, c2) pairs;
 * ResBlock2: x += c(lrelu(x)) for each of 2 convs. */
static vx_tensor *resblock_forward(vx_ctx *ctx, vx_hifigan *g, int r, vx_tensor *x)
{
    hg_conv *convs = &g->rb[r * RB_MAX_CONVS];
    int pairs = g->cfg.resblock == 1 ? 3 : 2;
    for (int i = 0; i < pairs; i++) {
        vx_tensor *xt = hg_conv_forward(ctx, &convs[i], vx_leaky_relu(ctx, x, LRELU_SLOPE));
        if (g->cfg.resblock == 1)
            xt = hg_conv_forward(ctx, &convs[3 + i], vx_leaky_relu(ctx, xt, LRELU_SLOPE));
        x = vx_add(ctx, xt, x);
    }
    return x;
}

vx_tensor *vx_hifigan_forward(vx_ctx *ctx, vx_hifigan *g, vx_tensor *mel)
{
    if (!g)
        return vx_fail_null(VX_ERR_ARG, "hifigan: the generator is NULL");
    if (!mel)
        return NULL;
    if (mel->ndim != 3 || mel->shape[1] != g->cfg.n_mels) {
        char buf[64];
        return vx_fail_null(VX_ERR_ARG, "hifigan: mel is %s; the generator wants [B, %d, T]",
                            vx_shape_str(mel, buf, sizeof buf), g->cfg.n_mels);
    }
    vx_tensor *x = hg_conv_forward(ctx, &g->conv_pre, mel); /* [B, C, T] */
    int nk = g->cfg.n_kernels;
    for (int i = 0; i < g->cfg.n_up; i++) {
        x = hg_conv_forward(ctx, &g->ups[i], vx_leaky_relu(ctx, x, LRELU_SLOPE)); /* [B, C/2^(i+1), T·Πu] */
        vx_tensor *xs = NULL;
        for (int j = 0; j < nk; j++) {
            vx_tensor *y = resblock_forward(ctx, g, i * nk + j, x);
            xs = xs ? vx_add(ctx, xs, y) : y;
        }
        x = nk > 1 ? vx_scale(ctx, xs, 1.0f / (float)nk) : xs;
    }
    x = hg_conv_forward(ctx, &g->conv_post, vx_leaky_relu(ctx, x, FINAL_LRELU_SLOPE)); /* [B, 1, T·hop] */
    return vx_tanh(ctx, x);
}

vx_status vx_hifigan_remove_weight_norm(vx_ctx *ctx, vx_hifigan *g)
{
    if (!ctx || !g)
        return vx_fail(VX_ERR_ARG, "hifigan: remove_weight_norm needs a context and a generator");
    int n_rb = g->cfg.n_up * g->cfg.n_kernels;
    hg_list params = {0};
    vx_status st = hg_conv_remove_weight_norm(ctx, &g->conv_pre);
    if (st == VX_OK)
        st = hg_conv_list_params(&g->conv_pre, &params);
    for (int i = 0; i < g->cfg.n_up && st == VX_OK; i++) {
        st = hg_conv_remove_weight_norm(ctx, &g->ups[i]);
        if (st == VX_OK)
            st = hg_conv_list_params(&g->ups[i], &params);
    }
    for (int r = 0; r < n_rb && st == VX_OK; r++)
        for (int slot = 0; slot < rb_convs(&g->cfg) && st == VX_OK; slot++) {
            hg_conv *c = &g->rb[r * RB_MAX_CONVS + slot];
            st = hg_conv_remove_weight_norm(ctx, c);
            if (st == VX_OK)
                st = hg_conv_list_params(c, &params);
        }
    if (st == VX_OK)
        st = hg_conv_remove_weight_norm(ctx, &g->conv_post);
    if (st == VX_OK)
        st = hg_conv_list_params(&g->conv_post, &params);
    if (st != VX_OK) {
        hg_list_free(&params);
        return st;
    }
    hg_list_free(&g->params);
    g->params = params;
    return VX_OK;
}

int vx_hifigan_params(const vx_hifigan *g, vx_tensor *const **params)
{
    *params = g->params.items;
    return g->params.n;
}

const vx_hifigan_config *vx_hifigan_get_config(const vx_hifigan *g) { return &g->cfg; }
