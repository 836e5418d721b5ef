/* vits_decoder.c — the VITS waveform decoder, a HiFi-GAN generator:
 *   x = conv_pre(z) (+ cond(g))
 *   per stage i: x = ConvTranspose_i(LeakyReLU(x, 0.1)) (×u_i samples);
 *                x = mean over kernels j of ResBlock_ij(x)
 *   audio = tanh(conv_post(LeakyReLU(x, 0.01)))
 * ResBlock1 (per dilation d): x += c2(lrelu(c1_d(lrelu(x))))
 * ResBlock2 (per dilation d): x += c_d(lrelu(x))
 *
 * Inference-only kernels: each convolution is one GEMM per column tile,
 * W [Cout, Cin·K] · col, where col is built with the activation (and the 1/n
 * of the kernel mean) applied on the fly, and the GEMM accumulates onto the
 * residual and bias already in the output. A stage needs four (ResBlock2) or
 * five (ResBlock1) buffers, reused by every stage and every chunk.
 *
 * Long sentences are decoded in chunks of frames with a margin on each side
 * at least as wide as the decoder's receptive field, so every kept sample is
 * computed from exactly the inputs the whole-sentence pass would use (the
 * GEMM's per-element arithmetic does not depend on the column split), and
 * memory stays bounded.
 *
 * ref: Kong et al. 2020, "HiFi-GAN" §2.1 (generator, MRF); VITS §2.5.4;
 * shared/docs/PIPER.md "Inference path" step 5 (final slope 0.01). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/kernels/gemm.h"
#include "core/kernels/im2col.h"
#include "core/threads.h"
#include "models/vits_internal.h"

/* Frames decoded per chunk (plus margins) when a sentence is longer than this. */
#define DECODE_CHUNK_FRAMES 128

static vx_status resblock_load(const vits_source *src, const vx_vits_config *c, vits_resblock *rb, int index,
                               int64_t ch, int kernel, const int *dilations)
{
    rb->n_convs = c->n_resblock_dilations;
    for (int j = 0; j < rb->n_convs; j++) {
        char p[96];
        if (c->resblock_type == 1) {
            snprintf(p, sizeof p, "dec.resblocks.%d.convs1.%d", index, j);
            if (vits_conv_load(src, &rb->convs1[j], p, ch, ch, kernel, dilations[j], 1, true))
                return vx_last_status();
            snprintf(p, sizeof p, "dec.resblocks.%d.convs2.%d", index, j);
            if (vits_conv_load(src, &rb->convs2[j], p, ch, ch, kernel, 1, 1, true))
                return vx_last_status();
        } else {
            snprintf(p, sizeof p, "dec.resblocks.%d.convs.%d", index, j);
            if (vits_conv_load(src, &rb->convs1[j], p, ch, ch, kernel, dilations[j], 1, true))
                return vx_last_status();
        }
        if (!vits_tile_fits(&rb->convs1[j]))
            return vx_fail(VX_ERR_UNSUPPORTED, "VITS voice %s: resblock %d conv %d (%lld channels, kernel %d, "
                           "dilation %d) is too wide for the decoder's tiles", src->what, index, j,
                           (long long)ch, kernel, dilations[j]);
    }
    return VX_OK;
}

vx_status vits_decoder_load(const vits_source *src, const vx_vits_config *c, vits_decoder *d)
{
    if (c->n_upsamples < 1 || c->n_upsamples > VX_VITS_MAX_STAGES || c->n_resblock_kernels < 1 ||
        c->n_resblock_kernels > VX_VITS_MAX_STAGES || c->n_resblock_dilations < 1 ||
        c->n_resblock_dilations > VX_VITS_MAX_STAGES || (c->resblock_type != 1 && c->resblock_type != 2) ||
        c->upsample_initial_channel >> c->n_upsamples < 1)
        return vx_fail(VX_ERR_FORMAT,
                       "VITS voice %s: unsupported decoder (%d upsamples, %d resblock kernels, "
                       "%d dilations, resblock type %d, %d initial channels)",
                       src->what, c->n_upsamples, c->n_resblock_kernels, c->n_resblock_dilations,
                       c->resblock_type, c->upsample_initial_channel);
    if (!(c->lrelu_slope >= 0.0f && c->lrelu_slope <= 1.0f && c->final_lrelu_slope >= 0.0f &&
          c->final_lrelu_slope <= 1.0f))
        return vx_fail(VX_ERR_UNSUPPORTED, "VITS voice %s: LeakyReLU slopes %g and %g are outside [0, 1]", src->what,
                       c->lrelu_slope, c->final_lrelu_slope);
    d->n_upsamples = c->n_upsamples;
    d->n_kernels = c->n_resblock_kernels;
    d->resblock_type = c->resblock_type;
    d->lrelu_slope = c->lrelu_slope;
    d->final_lrelu_slope = c->final_lrelu_slope;
    int64_t ch = c->upsample_initial_channel, hop = 1;
    if (vits_conv_load(src, &d->conv_pre, "dec.conv_pre", c->inter_channels, ch, -1, 1, 1, true))
        return vx_last_status();
    memset(&d->cond, 0, sizeof d->cond);
    if (c->gin_channels > 0 && vits_conv_load(src, &d->cond, "dec.cond", c->gin_channels, ch, 1, 1, 1, true))
        return vx_last_status();
    for (int i = 0; i < d->n_upsamples; i++) {
        vits_conv *up = &d->ups[i];
        int64_t wshape[3] = {ch, ch / 2, c->upsample_kernels[i]}, bshape[1] = {ch / 2};
        int u = c->upsample_rates[i], k = c->upsample_kernels[i], pad = c->upsample_padding[i];
        /* output length T·u needs (T−1)·u − 2·pad + k = T·u */
        if (u < 1 || k - 2 * pad != u)
            return vx_fail(VX_ERR_FORMAT, "VITS voice %s: upsample %d (rate %d, kernel %d, padding %d) does not "
                           "multiply the length by its rate", src->what, i, u, k, pad);
        if (!(up->w = vits_weight(src, 3, wshape, "dec.ups.%d.weight", i)) ||
            !(up->b = vits_weight(src, 1, bshape, "dec.ups.%d.bias", i)))
            return vx_last_status();
        if (ch / 2 * k * 16 > VITS_TILE_FLOATS)
            return vx_fail(VX_ERR_UNSUPPORTED, "VITS voice %s: upsample %d (%lld channels, kernel %d) is too wide "
                           "for the decoder's tiles", src->what, i, (long long)ch / 2, k);
        up->stride = u;
        up->pad = pad;
        up->dilation = 1;
        up->groups = 1;
        ch /= 2;
        hop *= u;
        for (int j = 0; j < d->n_kernels; j++)
            if (resblock_load(src, c, &d->blocks[i * d->n_kernels + j], i * d->n_kernels + j, ch,
                              c->resblock_kernels[j], c->resblock_dilations[j]))
                return vx_last_status();
    }
    if (hop != c->hop_length)
        return vx_fail(VX_ERR_FORMAT, "VITS voice %s: upsample rates multiply to %lld, but hop_length is %d",
                       src->what, (long long)hop, c->hop_length);
    if (vits_conv_load(src, &d->conv_post, "dec.conv_post", ch, 1, -1, 1, 1, false))
        return vx_last_status();
    if (!vits_tile_fits(&d->conv_pre) || !vits_tile_fits(&d->conv_post))
        return vx_fail(VX_ERR_UNSUPPORTED, "VITS voice %s: conv_pre or conv_post is too wide for the decoder's tiles",
                       src->what);
    return VX_OK;
}

/* --- the upsampling convolution ------------------------------------------------- */

/* ConvTranspose pieces, split over channels: activate x in place, or
 * overlap-add a column tile into y. */
typedef struct upsample_job {
    const vits_conv *up;
    float *x, *y;
    const float *col;
    int64_t T, t0, nt;
    float scale, slope;
} upsample_job;

static void activate_rows(void *arg, int64_t c0, int64_t c1, int tid)
{
    const upsample_job *j = arg;
    for (int64_t i = c0 * j->T; i < c1 * j->T; i++)
        j->x[i] = vits_activate(j->x[i], j->scale, j->slope);
}

static void col2im_rows(void *arg, int64_t c0, int64_t c1, int tid)
{
    const upsample_job *j = arg;
    int64_t K = j->up->w->shape[2], Tout = j->T * j->up->stride;
    vx_conv_geom geom = {c1 - c0, Tout, K, j->up->stride, j->up->pad, 1};
    vx_col2im_add(&geom, j->col + c0 * K * j->nt, j->nt, j->t0, j->nt, j->y + c0 * Tout, Tout);
}

/* y [Cout, T·u] = ConvTranspose(act(x)) + bias for x [Cin, T]; x is activated in place. */
static void upsample(const vits_conv *up, float *x, int64_t T, float scale, float slope, float *y, float *col)
{
    int64_t cin = up->w->shape[0], cout = up->w->shape[1], K = up->w->shape[2], rows = cout * K;
    upsample_job job = {up, x, y, col, T, 0, 0, scale, slope};
    vx_parallel_for(cin, 4, activate_rows, &job);
    vits_init_output(y, up->b->data, NULL, cout, T * up->stride, false);
    int64_t nt_max = VITS_TILE_FLOATS / rows;
    for (int64_t t0 = 0; t0 < T; t0 += nt_max) {
        int64_t nt = T - t0 < nt_max ? T - t0 : nt_max;
        /* col [Cout·K, nt] = Wᵀ · x[:, t0 : t0+nt], then overlap-add into y */
        vx_sgemm(true, false, rows, nt, cin, 1.0f, up->w->data, rows, x + t0, T, 0.0f, col, nt);
        job.t0 = t0;
        job.nt = nt;
        vx_parallel_for(cout, 4, col2im_rows, &job);
    }
}

/* --- the generator --------------------------------------------------------------- */

typedef struct dec_buffers {
    float *x, *acc, *a, *b, *c; /* [ch, L] each, sized for the largest stage */
    float *act, *col;           /* VITS_TILE_FLOATS each                     */
} dec_buffers;

/* ResBlock j of a stage on x [ch, L]; the result is added into acc (or
 * written there when first). Uses a, b (and c for type 1) as scratch. */
static void resblock_run(const vits_decoder *d, const vits_resblock *rb, const float *x, int64_t ch, int64_t L,
                         bool first, dec_buffers *buf)
{
    const float *y = x;
    float slope = d->lrelu_slope;
    for (int k = 0; k < rb->n_convs; k++) {
        bool last = k == rb->n_convs - 1;
        float *out = last ? buf->acc : y == buf->a ? buf->b : buf->a;
        const vits_conv *second = d->resblock_type == 1 ? &rb->convs2[k] : &rb->convs1[k];
        const float *in = y;
        if (d->resblock_type == 1) { /* t = c1_k(lrelu(y)) */
            vits_init_output(buf->c, rb->convs1[k].b->data, NULL, ch, L, false);
            vits_conv_accumulate(&rb->convs1[k], y, L, 1.0f, slope, buf->c, buf->act, buf->col);
            in = buf->c;
        }
        /* out = y + bias + conv(lrelu(in)), added onto acc for the block's last conv */
        vits_init_output(out, second->b->data, y, ch, L, last && !first);
        vits_conv_accumulate(second, in, L, 1.0f, slope, out, buf->act, buf->col);
        y = out;
    }
}

/* Decode z [C, F] into audio [F·hop]: the chunk's full receptive field is inside z. */
static void decode_frames(const vits_decoder *d, const float *z, int64_t F, const float *pre_bias_g,
                          dec_buffers *buf, float *audio)
{
    int64_t ch = d->conv_pre.w->shape[0], L = F;
    /* x = conv_pre(z) + bias (+ cond(g), folded into the bias by the caller) */
    vits_init_output(buf->acc, pre_bias_g, NULL, ch, L, false);
    vits_conv_accumulate(&d->conv_pre, z, L, 1.0f, 1.0f, buf->acc, buf->act, buf->col);
    float scale = 1.0f; /* 1/n of the previous stage's kernel mean, applied lazily */
    for (int i = 0; i < d->n_upsamples; i++) {
        upsample(&d->ups[i], buf->acc, L, scale, d->lrelu_slope, buf->x, buf->col);
        ch /= 2;
        L *= d->ups[i].stride;
        for (int j = 0; j < d->n_kernels; j++)
            resblock_run(d, &d->blocks[i * d->n_kernels + j], buf->x, ch, L, j == 0, buf);
        scale = 1.0f / (float)d->n_kernels;
    }
    /* audio = tanh(conv_post(lrelu(acc / n, 0.01))) */
    vits_init_output(audio, NULL, NULL, 1, L, false);
    vits_conv_accumulate(&d->conv_post, buf->acc, L, scale, d->final_lrelu_slope, audio, buf->act, buf->col);
    for (int64_t t = 0; t < L; t++)
        audio[t] = tanhf(audio[t]);
}

/* Frames on each side that a decoded frame depends on (an upper bound):
 * walking back from the output, each "same" conv adds (K−1)/2·dilation
 * samples at its rate, each upsample by u divides by u and adds ⌈K/u⌉. */
static int64_t receptive_margin(const vits_decoder *d)
{
    int64_t reach = (d->conv_post.w->shape[2] - 1) / 2;
    for (int i = d->n_upsamples - 1; i >= 0; i--) {
        int64_t widest = 0;
        for (int j = 0; j < d->n_kernels; j++) {
            const vits_resblock *rb = &d->blocks[i * d->n_kernels + j];
            int64_t r = 0;
            for (int k = 0; k < rb->n_convs; k++) {
                r += (rb->convs1[k].w->shape[2] - 1) / 2 * rb->convs1[k].dilation;
                if (d->resblock_type == 1)
                    r += (rb->convs2[k].w->shape[2] - 1) / 2;
            }
            widest = r > widest ? r : widest;
        }
        int64_t u = d->ups[i].stride, K = d->ups[i].w->shape[2];
        reach = (reach + widest + u - 1) / u + (K + u - 1) / u;
    }
    return reach + (d->conv_pre.w->shape[2] - 1) / 2;
}

vx_tensor *vits_decoder_forward_chunked(vx_ctx *ctx, const vits_decoder *d, vx_tensor *z, vx_tensor *g,
                                        int64_t chunk_frames)
{
    z = vx_contiguous(ctx, z);
    if (!z)
        return NULL;
    int64_t C = z->shape[1], F = z->shape[2], ch0 = d->conv_pre.w->shape[0];
    int64_t hop = 1, margin = receptive_margin(d);
    for (int i = 0; i < d->n_upsamples; i++)
        hop *= d->ups[i].stride;
    chunk_frames = chunk_frames < 1 ? 1 : chunk_frames;
    int64_t step = F <= chunk_frames ? F : chunk_frames;          /* frames kept per decode call */
    int64_t span = step + 2 * margin < F ? step + 2 * margin : F; /* frames decoded per call     */
    /* buffer size: the largest channels × length over the stages */
    int64_t most = ch0 * span, ch = ch0, L = span;
    for (int i = 0; i < d->n_upsamples; i++) {
        ch /= 2;
        L *= d->ups[i].stride;
        most = ch * L > most ? ch * L : most;
    }
    int n_bufs = d->resblock_type == 1 ? 5 : 4;
    float *pool = vx_arena_alloc(ctx, sizeof(float) * (size_t)(n_bufs * most + 2 * VITS_TILE_FLOATS + ch0 + L));
    int64_t ashape[3] = {1, 1, F * hop};
    vx_tensor *audio = vx_new(ctx, VX_F32, 3, ashape);
    if (!pool || !audio)
        return NULL;
    dec_buffers buf = {pool, pool + most, pool + 2 * most, pool + 3 * most, n_bufs == 5 ? pool + 4 * most : NULL,
                       pool + n_bufs * most, pool + n_bufs * most + VITS_TILE_FLOATS};
    float *pre_bias = buf.col + VITS_TILE_FLOATS, *chunk_audio = pre_bias + ch0;
    /* conv_pre bias + cond(g): a per-channel constant */
    memcpy(pre_bias, d->conv_pre.b->data, sizeof(float) * (size_t)ch0);
    if (g && d->cond.w) {
        vx_tensor *cg = vx_contiguous(ctx, vits_conv_apply(ctx, &d->cond, g)); /* [1, ch0, 1] */
        if (!cg)
            return NULL;
        for (int64_t c = 0; c < ch0; c++)
            pre_bias[c] += ((const float *)cg->data)[c];
    }
    float *zc = vx_arena_alloc(ctx, sizeof(float) * (size_t)(C * span));
    if (!zc)
        return NULL;
    for (int64_t f0 = 0; f0 < F; f0 += step) {
        int64_t keep = F - f0 < step ? F - f0 : step;
        int64_t a = f0 - margin < 0 ? 0 : f0 - margin, b = f0 + keep + margin > F ? F : f0 + keep + margin;
        for (int64_t c = 0; c < C; c++)
            memcpy(zc + c * (b - a), (const float *)z->data + c * F + a, sizeof(float) * (size_t)(b - a));
        decode_frames(d, zc, b - a, pre_bias, &buf, chunk_audio);
        memcpy((float *)audio->data + f0 * hop, chunk_audio + (f0 - a) * hop, sizeof(float) * (size_t)(keep * hop));
    }
    return audio;
}

vx_tensor *vits_decoder_forward(vx_ctx *ctx, const vits_decoder *d, vx_tensor *z, vx_tensor *g)
{
    return vits_decoder_forward_chunked(ctx, d, z, g, DECODE_CHUNK_FRAMES);
}
