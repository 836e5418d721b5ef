/* hifigan_disc.c — HiFi-GAN's multi-period (MPD) and multi-scale (MSD)
 * discriminators (hifigan.h).
 *
 * MPD without a conv2d op: the reference reshapes y [B, 1, T] to
 * [B, 1, T/p, p] and applies Conv2d kernels (k, 1), strides (s, 1) and
 * paddings (pad, 0). A kernel of width 1 never mixes the p columns, so each
 * column is an independent 1-D signal convolved over time with the same
 * weights: fold the columns into the batch,
 *     [B, 1, T/p, p] --permute(0, 3, 1, 2)--> [B, p, 1, T/p] --reshape--> [B·p, 1, T/p],
 * and run vx_conv1d with the Conv2d weight [O, I, k, 1] viewed as [O, I, k].
 * Feature maps and logits stay in this folded layout [B·p, C, T'/p]; the
 * reference's [B, C, T'/p, p] is its permutation (0, 2, 3, 1) after
 * unfolding B·p, and the losses (means) are the same in either layout.
 *
 * MSD average pooling: AvgPool1d(4, 2, padding=2) counts the zero padding
 * (count_include_pad), so it is a conv1d with the fixed kernel
 * [0.25, 0.25, 0.25, 0.25], stride 2, zero padding 2. */
#include "models/hifigan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/hifigan_layers.h"

#define LRELU_SLOPE 0.1f
#define MPD_CONVS 5
#define MSD_CONVS 7
#define MSD_SCALES 3

struct vx_hifigan_disc {
    bool is_mpd;
    vx_hifigan_disc_config cfg;
    int n_subs, n_convs;
    hg_conv convs[VX_HIFIGAN_MAX_SUBS][MSD_CONVS];
    hg_conv post[VX_HIFIGAN_MAX_SUBS];
    vx_tensor *pool_kernel;      /* MSD: [1, 1, 4] of 0.25, not a parameter */
    hg_list params, buffers;
};

vx_hifigan_disc_config vx_hifigan_disc_config_default(void)
{
    return (vx_hifigan_disc_config){
        .n_periods = 5,
        .periods = {2, 3, 5, 7, 11},
        .mpd_channels = {32, 128, 512, 1024, 1024},
        .mpd_kernel = 5,
        .mpd_stride = 3,
        .msd_channels = {128, 128, 256, 512, 1024, 1024, 1024},
        .msd_groups = {1, 4, 16, 16, 16, 16, 1},
    };
}

static vx_hifigan_disc *disc_alloc(const vx_hifigan_disc_config *cfg, bool is_mpd)
{
    if (!cfg)
        return vx_fail_null(VX_ERR_ARG, "hifigan: the discriminator config is NULL");
    vx_hifigan_disc *d = calloc(1, sizeof *d);
    if (!d)
        return vx_fail_null(VX_ERR_OOM, "hifigan: out of memory for a discriminator");
    d->is_mpd = is_mpd;
    d->cfg = *cfg;
    return d;
}

static vx_hifigan_disc *disc_done(vx_hifigan_disc *d, vx_status st)
{
    if (st == VX_OK)
        return d;
    vx_hifigan_disc_free(d);
    return NULL;
}

vx_hifigan_disc *vx_hifigan_mpd_new(vx_ctx *ctx, const vx_hifigan_disc_config *cfg)
{
    vx_hifigan_disc *d = disc_alloc(cfg, true);
    if (!d)
        return NULL;
    if (cfg->n_periods < 1 || cfg->n_periods > VX_HIFIGAN_MAX_PERIODS || cfg->mpd_kernel < 1 ||
        cfg->mpd_kernel % 2 == 0 || cfg->mpd_stride < 1)
        return disc_done(d, vx_fail(VX_ERR_ARG, "hifigan: MPD needs 1..%d periods, an odd kernel "
                                    "and a stride >= 1 (got %d, %d, %d)", VX_HIFIGAN_MAX_PERIODS,
                                    cfg->n_periods, cfg->mpd_kernel, cfg->mpd_stride));
    d->n_subs = cfg->n_periods;
    d->n_convs = MPD_CONVS;
    vx_status st = VX_OK;
    for (int k = 0; k < d->n_subs && st == VX_OK; k++) {
        if (cfg->periods[k] < 1)
            st = vx_fail(VX_ERR_ARG, "hifigan: MPD period %d is %d; use >= 1", k, cfg->periods[k]);
        int cin = 1;
        for (int j = 0; j < MPD_CONVS && st == VX_OK; j++) {
            char name[80];
            snprintf(name, sizeof name, "mpd.discriminators.%d.convs.%d", k, j);
            /* ref: get_padding(5, 1) = 2; the last conv has stride 1 */
            hg_conv_spec s = {.name = name, .norm = HG_WEIGHT_NORM, .conv2d = true, .cin = cin,
                              .cout = cfg->mpd_channels[j], .kernel = cfg->mpd_kernel,
                              .stride = j < MPD_CONVS - 1 ? cfg->mpd_stride : 1,
                              .pad = (cfg->mpd_kernel - 1) / 2, .dilation = 1, .groups = 1};
            st = hg_conv_init(ctx, &d->convs[k][j], &s, &d->params, &d->buffers);
            cin = cfg->mpd_channels[j];
        }
        char name[80];
        snprintf(name, sizeof name, "mpd.discriminators.%d.conv_post", k);
        if (st == VX_OK)
            st = hg_conv_init(ctx, &d->post[k],
                              &(hg_conv_spec){.name = name, .norm = HG_WEIGHT_NORM, .conv2d = true,
                                              .cin = cin, .cout = 1, .kernel = 3, .stride = 1,
                                              .pad = 1, .dilation = 1, .groups = 1},
                              &d->params, &d->buffers);
    }
    return disc_done(d, st);
}

vx_hifigan_disc *vx_hifigan_msd_new(vx_ctx *ctx, const vx_hifigan_disc_config *cfg)
{
    static const int kernels[MSD_CONVS] = {15, 41, 41, 41, 41, 41, 5};
    static const int strides[MSD_CONVS] = {1, 2, 2, 4, 4, 1, 1};
    vx_hifigan_disc *d = disc_alloc(cfg, false);
    if (!d)
        return NULL;
    d->n_subs = MSD_SCALES;
    d->n_convs = MSD_CONVS;
    d->pool_kernel = vx_param(ctx, NULL, VX_F32, 3, (int64_t[]){1, 1, 4}, false);
    if (!d->pool_kernel)
        return disc_done(d, vx_last_status());
    vx_fill(d->pool_kernel, 0.25f);
    vx_status st = VX_OK;
    for (int k = 0; k < MSD_SCALES && st == VX_OK; k++) {
        hg_norm norm = k == 0 ? HG_SPECTRAL : HG_WEIGHT_NORM;
        int cin = 1;
        for (int j = 0; j < MSD_CONVS && st == VX_OK; j++) {
            char name[80];
            snprintf(name, sizeof name, "msd.discriminators.%d.convs.%d", k, j);
            hg_conv_spec s = {.name = name, .norm = norm, .cin = cin, .cout = cfg->msd_channels[j],
                              .kernel = kernels[j], .stride = strides[j], .pad = (kernels[j] - 1) / 2,
                              .dilation = 1, .groups = cfg->msd_groups[j]};
            st = hg_conv_init(ctx, &d->convs[k][j], &s, &d->params, &d->buffers);
            cin = cfg->msd_channels[j];
        }
        char name[80];
        snprintf(name, sizeof name, "msd.discriminators.%d.conv_post", k);
        if (st == VX_OK)
            st = hg_conv_init(ctx, &d->post[k],
                              &(hg_conv_spec){.name = name, .norm = norm, .cin = cin, .cout = 1,
                                              .kernel = 3, .stride = 1, .pad = 1, .dilation = 1,
                                              .groups = 1},
                              &d->params, &d->buffers);
    }
    return disc_done(d, st);
}

void vx_hifigan_disc_free(vx_hifigan_disc *d)
{
    if (!d)
        return;
    hg_list_free(&d->params);
    hg_list_free(&d->buffers);
    free(d);
}

/* y [B, 1, T] -> [B·p, 1, T'/p], reflect-padding T up to a multiple of p. */
static vx_tensor *fold_period(vx_ctx *ctx, vx_tensor *y, int p)
{
    int64_t B = y->shape[0], T = y->shape[2];
    if (T % p)
        y = vx_pad(ctx, y, 2, 0, p - T % p, VX_PAD_REFLECT, 0);
    T = (T + p - 1) / p * p;
    vx_tensor *x = vx_reshape(ctx, y, 4, (int64_t[]){B, 1, T / p, p}); /* [B, 1, T/p, p] */
    x = vx_permute(ctx, x, (int[]){0, 3, 1, 2});                       /* [B, p, 1, T/p] */
    return vx_reshape(ctx, x, 3, (int64_t[]){B * p, 1, T / p});        /* [B·p, 1, T/p]  */
}

/* One sub-discriminator: convs with LeakyReLU 0.1, then conv_post. */
static vx_status sub_forward(vx_ctx *ctx, vx_hifigan_disc *d, int k, vx_tensor *x, vx_disc_result *out)
{
    for (int j = 0; j < d->n_convs; j++) {
        x = vx_leaky_relu(ctx, hg_conv_forward(ctx, &d->convs[k][j], x), LRELU_SLOPE);
        out->fmaps[k][j] = x;
    }
    x = hg_conv_forward(ctx, &d->post[k], x);
    out->fmaps[k][d->n_convs] = x;
    out->n_fmaps[k] = d->n_convs + 1;
    out->logits[k] = x;
    return x ? VX_OK : vx_last_status();
}

vx_status vx_hifigan_disc_forward(vx_ctx *ctx, vx_hifigan_disc *d, vx_tensor *y, vx_disc_result *out)
{
    if (!ctx || !d || !out)
        return vx_fail(VX_ERR_ARG, "hifigan: discriminator forward needs a context, a model and an "
                       "output");
    if (!y)
        return vx_last_status() != VX_OK ? vx_last_status()
                                         : vx_fail(VX_ERR_ARG, "hifigan: discriminator input is NULL");
    if (y->ndim != 3 || y->shape[1] != 1) {
        char buf[64];
        return vx_fail(VX_ERR_ARG, "hifigan: discriminator input is %s; it wants audio [B, 1, T]",
                       vx_shape_str(y, buf, sizeof buf));
    }
    memset(out, 0, sizeof *out);
    out->n = d->n_subs;
    vx_status st = VX_OK;
    for (int k = 0; k < d->n_subs && st == VX_OK; k++) {
        vx_tensor *x = y;
        if (d->is_mpd) {
            int p = d->cfg.periods[k];
            if (y->shape[2] % p && y->shape[2] <= p - y->shape[2] % p)
                return vx_fail(VX_ERR_ARG, "hifigan: %lld samples are too few for period %d",
                               (long long)y->shape[2], p);
            x = fold_period(ctx, y, p);
        } else if (k > 0) { /* scales 1, 2: pool the previous scale's input */
            y = vx_conv1d(ctx, y, d->pool_kernel, NULL, 2, 2, 1, 1);
            x = y;
        }
        st = sub_forward(ctx, d, k, x, out);
    }
    return st;
}

vx_status hg_disc_weight_pass(vx_ctx *ctx, vx_hifigan_disc *d)
{
    vx_status st = VX_OK;
    for (int k = 0; k < d->n_subs && st == VX_OK; k++) {
        for (int j = 0; j < d->n_convs && st == VX_OK; j++)
            st = hg_conv_weight_pass(ctx, &d->convs[k][j]);
        if (st == VX_OK)
            st = hg_conv_weight_pass(ctx, &d->post[k]);
    }
    if (st != VX_OK)
        hg_disc_weight_pass_end(d);
    return st;
}

void hg_disc_weight_pass_end(vx_hifigan_disc *d)
{
    for (int k = 0; k < d->n_subs; k++) {
        for (int j = 0; j < d->n_convs; j++)
            hg_conv_weight_pass_end(&d->convs[k][j]);
        hg_conv_weight_pass_end(&d->post[k]);
    }
}

int vx_hifigan_disc_params(const vx_hifigan_disc *d, vx_tensor *const **params)
{
    *params = d->params.items;
    return d->params.n;
}

int vx_hifigan_disc_buffers(const vx_hifigan_disc *d, vx_tensor *const **buffers)
{
    *buffers = d->buffers.items;
    return d->buffers.n;
}
