/* hifigan_infer.c — HiFi-GAN inference through the VITS decoder engine
 * (hifigan_infer.h): the generator's config as a VITS decoder config, its
 * weights read through a vits_source of kind hifigan (models/vits_weights.c:
 * "dec.<name>" is the generator's "<name>", weight norm folded), and the
 * op-API generator as the fallback for what the engine cannot take. */
#include "models/hifigan_infer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/vits_internal.h"

/* LeakyReLU slopes of the generator (hifigan.h: 0.1 before each upsampling
 * and in the resblocks, F.leaky_relu's default 0.01 before conv_post). */
#define LRELU_SLOPE 0.1f
#define FINAL_LRELU_SLOPE 0.01f

struct vx_hifigan_infer {
    vx_hifigan *g;          /* borrowed; run directly when fallback is set   */
    vx_hifigan_config cfg;
    vx_ctx *ctx;            /* owns the packed weights                       */
    vits_decoder *dec;      /* NULL when falling back                        */
    char *fallback;         /* why the op-API generator runs, or NULL        */
};

/* The decoder part of a VITS config for generator config c (no speaker
 * conditioning; the mel bands are the decoder's input channels). */
static vx_vits_config decoder_config(const vx_hifigan_config *c)
{
    vx_vits_config v = {0};
    v.inter_channels = c->n_mels;
    v.upsample_initial_channel = c->initial_channels;
    v.n_upsamples = c->n_up;
    for (int i = 0; i < c->n_up; i++) {
        v.upsample_rates[i] = c->up_rates[i];
        v.upsample_kernels[i] = c->up_kernels[i];
        v.upsample_padding[i] = (c->up_kernels[i] - c->up_rates[i]) / 2; /* as hifigan.c's ups */
    }
    v.resblock_type = c->resblock;
    v.n_resblock_kernels = c->n_kernels;
    v.n_resblock_dilations = c->resblock == 1 ? 3 : 2;
    for (int j = 0; j < c->n_kernels; j++) {
        v.resblock_kernels[j] = c->rb_kernels[j];
        for (int d = 0; d < v.n_resblock_dilations; d++)
            v.resblock_dilations[j][d] = c->rb_dilations[j][d];
    }
    v.lrelu_slope = LRELU_SLOPE;
    v.final_lrelu_slope = FINAL_LRELU_SLOPE;
    v.hop_length = vx_hifigan_hop(c);
    v.gin_channels = 0;
    v.n_speakers = 1;
    return v;
}

/* Pack g's weights into a decoder. VX_ERR_UNSUPPORTED: the engine's limits
 * (kernel sizes, tile widths) rule this generator out. */
static vx_status build_decoder(vx_hifigan_infer *e)
{
    if (!(e->ctx = vx_ctx_new((vx_ctx_opts){0})) || !(e->dec = calloc(1, sizeof *e->dec)))
        return e->ctx ? vx_fail(VX_ERR_OOM, "hifigan infer: out of memory for the decoder") : vx_last_status();
    vx_set_grad_enabled(e->ctx, false);
    vx_vits_config vc = decoder_config(&e->cfg);
    vits_source src = {.ctx = e->ctx, .hifigan = e->g, .what = "(HiFi-GAN generator)"};
    return vits_decoder_load(&src, &vc, e->dec);
}

vx_hifigan_infer *vx_hifigan_infer_new(vx_hifigan *g)
{
    if (!g)
        return vx_fail_null(VX_ERR_ARG, "hifigan infer: the generator is NULL");
    vx_hifigan_infer *e = calloc(1, sizeof *e);
    if (!e)
        return vx_fail_null(VX_ERR_OOM, "hifigan infer: out of memory");
    e->g = g;
    e->cfg = *vx_hifigan_get_config(g);
    vx_status st = build_decoder(e);
    if (st == VX_ERR_UNSUPPORTED) { /* the op-API generator takes any config */
        size_t size = strlen(vx_last_error()) + 96;
        if ((e->fallback = malloc(size)))
            snprintf(e->fallback, size, "the fused engine cannot take this generator (%s)", vx_last_error());
        free(e->dec);
        e->dec = NULL;
        vx_ctx_free(e->ctx);
        e->ctx = NULL;
        vx_clear_error();
        st = e->fallback ? VX_OK : vx_fail(VX_ERR_OOM, "hifigan infer: out of memory");
    }
    if (st != VX_OK) {
        vx_hifigan_infer_free(e);
        return NULL;
    }
    return e;
}

void vx_hifigan_infer_free(vx_hifigan_infer *e)
{
    if (!e)
        return;
    free(e->dec);
    vx_ctx_free(e->ctx);
    free(e->fallback);
    free(e);
}

const vx_hifigan_config *vx_hifigan_infer_config(const vx_hifigan_infer *e) { return e ? &e->cfg : NULL; }

const char *vx_hifigan_infer_fallback(const vx_hifigan_infer *e) { return e ? e->fallback : NULL; }

/* mel [B, n_mels, T] -> audio [B, 1, T·hop], chunk_frames per decoder pass
 * (0: the decoder's default, vits_decoder_forward). */
static vx_tensor *infer(vx_ctx *ctx, const vx_hifigan_infer *e, vx_tensor *mel, int64_t chunk_frames)
{
    if (!ctx || !e)
        return vx_fail_null(VX_ERR_ARG, "hifigan infer: need a context and an engine");
    if (!mel)
        return NULL;
    if (mel->ndim != 3 || mel->shape[1] != e->cfg.n_mels || mel->shape[2] < 1 || mel->dtype != VX_F32) {
        char buf[64];
        return vx_fail_null(VX_ERR_ARG, "hifigan infer: mel is %s %s; the generator wants F32 [B, %d, T], T >= 1",
                            vx_dtype_name(mel->dtype), vx_shape_str(mel, buf, sizeof buf), e->cfg.n_mels);
    }
    bool grad_was = vx_set_grad_enabled(ctx, false);
    vx_tensor *audio = NULL;
    if (!e->dec) {
        audio = vx_hifigan_forward(ctx, e->g, mel); /* [B, 1, T·hop] */
    } else {
        int64_t B = mel->shape[0], n = mel->shape[2] * vx_hifigan_hop(&e->cfg);
        audio = vx_new(ctx, VX_F32, 3, (int64_t[]){B, 1, n});
        for (int64_t b = 0; audio && b < B; b++) {
            vx_tensor *z = vx_slice(ctx, mel, 0, b, b + 1, 1); /* [1, n_mels, T] */
            vx_tensor *y = !z               ? NULL
                           : chunk_frames ? vits_decoder_forward_chunked(ctx, e->dec, z, NULL, chunk_frames)
                                          : vits_decoder_forward(ctx, e->dec, z, NULL); /* [1, 1, T·hop] */
            if (!y)
                audio = NULL;
            else
                memcpy((float *)audio->data + b * n, y->data, sizeof(float) * (size_t)n);
        }
    }
    vx_set_grad_enabled(ctx, grad_was);
    return audio;
}

vx_tensor *vx_hifigan_infer_forward(vx_ctx *ctx, const vx_hifigan_infer *e, vx_tensor *mel)
{
    return infer(ctx, e, mel, 0);
}

vx_tensor *vx_hifigan_infer_forward_chunked(vx_ctx *ctx, const vx_hifigan_infer *e, vx_tensor *mel,
                                            int64_t chunk_frames)
{
    if (chunk_frames < 1)
        return vx_fail_null(VX_ERR_ARG, "hifigan infer: %lld frames per chunk; use >= 1", (long long)chunk_frames);
    return infer(ctx, e, mel, chunk_frames);
}
