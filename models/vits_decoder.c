/* vits_decoder.c — the VITS waveform decoder, a HiFi-GAN generator:
 *   x = conv_pre(z) (+ cond(g))
 *   per stage i: x = ConvTranspose_i(LeakyReLU(x, 0.1)) (×u_i samples);
 *                x = mean over kernels j of ResBlock_ij(x)
 *   audio = tanh(conv_post(LeakyReLU(x, 0.01)))
 * ResBlock1 (per dilation d): x += c2(lrelu(c1_d(lrelu(x))))
 * ResBlock2 (per dilation d): x += c_d(lrelu(x))
 *
 * Inference-only kernels: each convolution is one GEMM per column tile with
 * weights packed at load, W [Cout, Cin·K] · im2col(act(x)), the GEMM reading
 * im2col's rows in place from a window of x activated once (with the 1/n of
 * the kernel mean), and adding the residual and bias in its epilogue. Each
 * ConvTranspose runs as its u phases (vits_upsample): one GEMM of the same
 * kind, its result moved into the output once. The resblock convs with wide
 * kernels and many channels run through the FFT instead (core/kernels/
 * fftconv.h; which ones: vits_fft_size and vx_set_decoder_conv). A stage
 * needs four (ResBlock2) or five (ResBlock1) buffers, reused by every stage
 * and every chunk.
 *
 * Long sentences are decoded in chunks of frames with a margin on each side
 * at least as wide as the decoder's receptive field, so every kept sample is
 * computed from exactly the inputs the whole-sentence pass would use, and
 * memory stays bounded. With the direct GEMM only (VX_DECODER_CONV_DIRECT)
 * the result is the same bits (the GEMM's per-element arithmetic does not
 * depend on the column split); an FFT conv's rounding depends on where its
 * tiles fall, so chunks then differ from one pass in the last bits. After
 * each stage the chunk is cut down to the samples the kept output still
 * depends on, so the margins are paid in full only by conv_pre and the first
 * stage (at 128 frames per chunk, by sample count about 3 % extra work
 * instead of 19 %).
 *
 * ref: Kong et al. 2020, "HiFi-GAN" §2.1 (generator, MRF); VITS §2.5.4;
 * shared/docs/PIPER.md "Inference path" step 5 (final slope 0.01). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/kernels/gemm.h"
#include "core/kernels/vmath.h"
#include "core/threads.h"
#include "models/vits_internal.h"

/* Frames decoded per chunk (plus margins) when a sentence is longer than this. */
#define DECODE_CHUNK_FRAMES 128

/* One [ch, ch, kernel] conv of a resblock, through the FFT or the direct
 * GEMM as vits_fft_size says. */
static vx_status resblock_conv_load(const vits_source *src, vits_conv *conv, const char *prefix, int64_t ch,
                                    int kernel, int dilation)
{
    int n = vits_fft_size(ch, kernel);
    return n ? vits_conv_load_fft(src, conv, prefix, ch, kernel, dilation, n)
             : vits_conv_load_packed(src, conv, prefix, ch, ch, kernel, dilation, true);
}

static vx_status resblock_load(const vits_source *src, const vx_vits_config *c, vits_resblock *rb, int index,
                               int64_t ch, int kernel, const int *dilations)
{
    rb->n_convs = c->n_resblock_dilations;
    for (int j = 0; j < rb->n_convs; j++) {
        char p[96];
        const char *first = c->resblock_type == 1 ? "convs1" : "convs";
        snprintf(p, sizeof p, "dec.resblocks.%d.%s.%d", index, first, j);
        if (resblock_conv_load(src, &rb->convs1[j], p, ch, kernel, dilations[j]))
            return vx_last_status();
        if (c->resblock_type == 1) {
            snprintf(p, sizeof p, "dec.resblocks.%d.convs2.%d", index, j);
            if (resblock_conv_load(src, &rb->convs2[j], p, ch, kernel, 1))
                return vx_last_status();
        }
        if (!rb->convs1[j].fft && !vits_tile_fits(&rb->convs1[j]))
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
    if (vits_conv_load_packed(src, &d->conv_pre, "dec.conv_pre", c->inter_channels, ch, -1, 1, true))
        return vx_last_status();
    memset(&d->cond, 0, sizeof d->cond);
    if (c->gin_channels > 0 && vits_conv_load(src, &d->cond, "dec.cond", c->gin_channels, ch, 1, 1, 1, true))
        return vx_last_status();
    for (int i = 0; i < d->n_upsamples; i++) {
        vits_conv *up = &d->ups[i];
        int u = c->upsample_rates[i], k = c->upsample_kernels[i], pad = c->upsample_padding[i];
        /* output length T·u needs (T−1)·u − 2·pad + k = T·u */
        if (u < 1 || k - 2 * pad != u)
            return vx_fail(VX_ERR_FORMAT, "VITS voice %s: upsample %d (rate %d, kernel %d, padding %d) does not "
                           "multiply the length by its rate", src->what, i, u, k, pad);
        int64_t taps = vits_upsample_taps(k, u);
        if (taps > VITS_MAX_KERNEL || ch * (taps - 1 + 16) > VITS_TILE_FLOATS || ch / 2 * u * 16 > VITS_TILE_FLOATS)
            return vx_fail(VX_ERR_UNSUPPORTED, "VITS voice %s: upsample %d (%lld channels, kernel %d) is too wide "
                           "for the decoder's tiles", src->what, i, (long long)ch / 2, k);
        char p[32];
        snprintf(p, sizeof p, "dec.ups.%d", i);
        if (vits_upsample_load_packed(src, up, p, ch, ch / 2, k, u, pad))
            return vx_last_status();
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
    /* VITS's conv_post has no bias; a HiFi-GAN generator's has one */
    if (vits_conv_load_packed(src, &d->conv_post, "dec.conv_post", ch, 1, -1, 1,
                              vits_has_weight(src, "dec.conv_post.bias")))
        return vx_last_status();
    if (!vits_tile_fits(&d->conv_pre) || !vits_tile_fits(&d->conv_post))
        return vx_fail(VX_ERR_UNSUPPORTED, "VITS voice %s: conv_pre or conv_post is too wide for the decoder's tiles",
                       src->what);
    return VX_OK;
}

/* --- the generator --------------------------------------------------------------- */

typedef struct dec_buffers {
    float *x, *acc, *a, *b, *c; /* [ch, L] each, sized for the largest stage */
    float *act, *z;             /* VITS_TILE_FLOATS each (z: an upsample's phases) */
    float *spectra;             /* the FFT convs' scratch (spectra_floats)        */
} dec_buffers;

/* Scratch floats the decoder's FFT convs need (the largest of them). */
static int64_t spectra_floats(const vits_decoder *d)
{
    int64_t most = 0;
    for (int i = 0; i < d->n_upsamples * d->n_kernels; i++)
        for (int k = 0; k < d->blocks[i].n_convs; k++) {
            const vits_conv *c[2] = {&d->blocks[i].convs1[k], &d->blocks[i].convs2[k]};
            for (int m = 0; m < 2; m++)
                if (c[m]->fft && vx_fftconv_scratch_floats(c[m]->fft) > most)
                    most = vx_fftconv_scratch_floats(c[m]->fft);
        }
    return most;
}

/* y = start + conv(lrelu(x, slope)) for a resblock conv, by the FFT or the GEMM. */
static void resblock_conv(const vits_conv *c, const float *x, int64_t L, float slope, const vx_gemm_start *start,
                          float *y, dec_buffers *buf)
{
    if (c->fft)
        vx_fftconv_run(c->fft, x, L, 1.0f, slope, start, y, buf->spectra);
    else
        vits_conv_accumulate(c, x, L, 1.0f, slope, start, y, buf->act);
}

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
            vx_gemm_start bias1 = {rb->convs1[k].b->data};
            resblock_conv(&rb->convs1[k], y, L, slope, &bias1, buf->c, buf);
            in = buf->c;
        }
        /* out = y + bias + conv(lrelu(in)), added onto acc for the block's last conv */
        vx_gemm_start res = {second->b->data, y, L, last && !first};
        resblock_conv(second, in, L, slope, &res, out, buf);
        y = out;
    }
}

/* reach[i + 1]: samples on each side, at the rate of stage i's output, that
 * a decoded sample depends on through the layers after stage i (reach[0]:
 * after conv_pre, in frames). Upper bounds: walking back from the output,
 * each "same" conv adds (K−1)/2·dilation samples at its rate, each upsample
 * by u divides by u and adds ⌈K/u⌉. */
static void stage_reach(const vits_decoder *d, int64_t *reach)
{
    int64_t r = (d->conv_post.kernel - 1) / 2;
    reach[d->n_upsamples] = r;
    for (int i = d->n_upsamples - 1; i >= 0; i--) {
        int64_t widest = 0;
        for (int j = 0; j < d->n_kernels; j++) {
            const vits_resblock *rb = &d->blocks[i * d->n_kernels + j];
            int64_t w = 0;
            for (int k = 0; k < rb->n_convs; k++) {
                w += (rb->convs1[k].kernel - 1) / 2 * rb->convs1[k].dilation;
                if (d->resblock_type == 1)
                    w += (rb->convs2[k].kernel - 1) / 2;
            }
            widest = w > widest ? w : widest;
        }
        int64_t u = d->ups[i].stride, K = d->ups[i].kernel;
        r = (r + widest + u - 1) / u + (K + u - 1) / u;
        reach[i] = r;
    }
}

/* The samples of a stage still needed: x [ch, *L] (row stride *L) holds
 * samples [*origin, *origin + *L) of the chunk at this rate; keep only
 * [lo − reach, hi + reach) of them, moved to the front of each row. */
static void crop(float *x, int64_t ch, int64_t *L, int64_t *origin, int64_t lo, int64_t hi, int64_t reach)
{
    int64_t a = lo - reach > *origin ? lo - reach : *origin;
    int64_t b = hi + reach < *origin + *L ? hi + reach : *origin + *L;
    if (a == *origin && b == *origin + *L)
        return;
    for (int64_t c = 0; c < ch; c++) /* rows only move towards the front */
        memmove(x + c * (b - a), x + c * *L + (a - *origin), sizeof(float) * (size_t)(b - a));
    *L = b - a;
    *origin = a;
}

/* Decode z [C, F] (a chunk with its margins) into audio for its frames
 * [keep0, keep0 + keep_n): out [keep_n·hop]. After every stage only the
 * samples that the kept output still depends on are carried on, so the
 * margins cost their full width only in conv_pre. */
static void decode_frames(const vits_decoder *d, const int64_t *reach, const float *z, int64_t F, int64_t keep0,
                          int64_t keep_n, const float *pre_bias_g, dec_buffers *buf, float *scratch_audio,
                          float *out)
{
    int64_t ch = d->conv_pre.cout, L = F, origin = 0, rate = 1;
    /* x = conv_pre(z) + bias (+ cond(g), folded into the bias by the caller) */
    vx_gemm_start pre = {pre_bias_g};
    vits_conv_accumulate(&d->conv_pre, z, L, 1.0f, 1.0f, &pre, buf->acc, buf->act);
    crop(buf->acc, ch, &L, &origin, keep0, keep0 + keep_n, reach[0]);
    float scale = 1.0f; /* 1/n of the previous stage's kernel mean, applied lazily */
    for (int i = 0; i < d->n_upsamples; i++) {
        vits_upsample(&d->ups[i], buf->acc, L, scale, d->lrelu_slope, buf->x, buf->act, buf->z);
        ch /= 2;
        L *= d->ups[i].stride;
        origin *= d->ups[i].stride;
        rate *= d->ups[i].stride;
        for (int j = 0; j < d->n_kernels; j++)
            resblock_run(d, &d->blocks[i * d->n_kernels + j], buf->x, ch, L, j == 0, buf);
        crop(buf->acc, ch, &L, &origin, keep0 * rate, (keep0 + keep_n) * rate, reach[i + 1]);
        scale = 1.0f / (float)d->n_kernels;
    }
    /* audio = tanh(conv_post(lrelu(acc / n, 0.01))) */
    vx_gemm_start post = {d->conv_post.b ? d->conv_post.b->data : NULL};
    vits_conv_accumulate(&d->conv_post, buf->acc, L, scale, d->final_lrelu_slope, &post, scratch_audio, buf->act);
    memcpy(out, scratch_audio + keep0 * rate - origin, sizeof(float) * (size_t)(keep_n * rate));
    vx_vunary(VX_VTANH, out, out, keep_n * rate, 0.0f, 0.0f);
}

vx_tensor *vits_decoder_forward_chunked(vx_ctx *ctx, const vits_decoder *d, vx_tensor *z, vx_tensor *g,
                                        int64_t chunk_frames)
{
    z = vx_contiguous(ctx, z);
    if (!z)
        return NULL;
    int64_t C = z->shape[1], F = z->shape[2], ch0 = d->conv_pre.cout;
    int64_t hop = 1, reach[VX_VITS_MAX_STAGES + 1];
    stage_reach(d, reach);
    int64_t margin = reach[0] + (d->conv_pre.kernel - 1) / 2; /* frames */
    for (int i = 0; i < d->n_upsamples; i++)
        hop *= d->ups[i].stride;
    chunk_frames = chunk_frames < 1 ? 1 : chunk_frames;
    int64_t step = F <= chunk_frames ? F : chunk_frames;          /* frames kept per decode call */
    int64_t span = step + 2 * margin < F ? step + 2 * margin : F; /* frames decoded per call     */
    /* buffer size: the largest channels × length over the stages */
    int64_t most = ch0 * span, ch = ch0, L = span, spectra = spectra_floats(d);
    for (int i = 0; i < d->n_upsamples; i++) {
        ch /= 2;
        L *= d->ups[i].stride;
        most = ch * L > most ? ch * L : most;
    }
    most = (most + 15) / 16 * 16; /* every buffer 64-byte aligned */
    int n_bufs = d->resblock_type == 1 ? 5 : 4;
    float *pool = vx_arena_alloc_uninit(
        ctx, sizeof(float) * (size_t)(n_bufs * most + 2 * VITS_TILE_FLOATS + spectra + ch0 + L));
    int64_t ashape[3] = {1, 1, F * hop};
    vx_tensor *audio = vx_new(ctx, VX_F32, 3, ashape);
    if (!pool || !audio)
        return NULL;
    dec_buffers buf = {pool, pool + most, pool + 2 * most, pool + 3 * most, n_bufs == 5 ? pool + 4 * most : NULL,
                       pool + n_bufs * most, pool + n_bufs * most + VITS_TILE_FLOATS,
                       pool + n_bufs * most + 2 * VITS_TILE_FLOATS};
    float *pre_bias = buf.spectra + spectra, *chunk_audio = pre_bias + ch0;
    /* conv_pre bias + cond(g): a per-channel constant */
    memcpy(pre_bias, d->conv_pre.b->data, sizeof(float) * (size_t)ch0);
    if (g && d->cond.w) {
        vx_tensor *cg = vx_contiguous(ctx, vits_conv_apply(ctx, &d->cond, g)); /* [1, ch0, 1] */
        if (!cg)
            return NULL;
        for (int64_t c = 0; c < ch0; c++)
            pre_bias[c] += ((const float *)cg->data)[c];
    }
    float *zc = vx_arena_alloc_uninit(ctx, sizeof(float) * (size_t)(C * span));
    if (!zc)
        return NULL;
    for (int64_t f0 = 0; f0 < F; f0 += step) {
        int64_t keep = F - f0 < step ? F - f0 : step;
        int64_t a = f0 - margin < 0 ? 0 : f0 - margin, b = f0 + keep + margin > F ? F : f0 + keep + margin;
        for (int64_t c = 0; c < C; c++)
            memcpy(zc + c * (b - a), (const float *)z->data + c * F + a, sizeof(float) * (size_t)(b - a));
        decode_frames(d, reach, zc, b - a, f0 - a, keep, pre_bias, &buf, chunk_audio,
                      (float *)audio->data + f0 * hop);
    }
    return audio;
}

vx_tensor *vits_decoder_forward(vx_ctx *ctx, const vits_decoder *d, vx_tensor *z, vx_tensor *g)
{
    return vits_decoder_forward_chunked(ctx, d, z, g, DECODE_CHUNK_FRAMES);
}
