/* hifigan_loss.c — HiFi-GAN's losses and the differentiable log-mel of its
 * mel loss (hifigan.h).
 *
 * Log-mel as ops (ref: jik876/hifi-gan meldataset.py mel_spectrogram):
 *   y [B, 1, T] --reflect pad--> [B, 1, T + 2·pad]
 *   --conv1d(basis [2F, 1, n_fft], stride hop)--> [B, 2F, frames]
 * where basis row k < F is w[n]·cos(2πkn/N) and row F + k is −w[n]·sin(2πkn/N)
 * (w: the periodic Hann window centred in n_fft, F = n_fft/2 + 1), i.e. the
 * real and imaginary parts of the one-sided DFT of every windowed frame;
 *   mag = sqrt(re² + im² + eps)                      [B, F, frames]
 *   mel = fb [n_mels, F] @ mag                        [B, n_mels, frames]
 *   logmel = log(clamp(mel, floor, +inf)).
 * Every step is a differentiable op, so the mel L1 loss trains the generator. */
#include "models/hifigan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* --- GAN losses ---------------------------------------------------------------------- */

static vx_status check_pair(const vx_disc_result *real, const vx_disc_result *fake)
{
    if (!real || !fake || real->n != fake->n || real->n < 1)
        return vx_fail(VX_ERR_ARG, "hifigan loss: real and fake results must come from the same "
                       "discriminator");
    return VX_OK;
}

/* mean((1 − x)²) */
static vx_tensor *mean_sq_from_one(vx_ctx *ctx, vx_tensor *x)
{
    return vx_mean(ctx, vx_square(ctx, vx_add_scalar(ctx, vx_scale(ctx, x, -1.0f), 1.0f)), NULL, 0,
                   false);
}

static vx_tensor *accumulate(vx_ctx *ctx, vx_tensor *acc, vx_tensor *term)
{
    return acc ? vx_add(ctx, acc, term) : term;
}

vx_tensor *vx_hifigan_disc_loss(vx_ctx *ctx, const vx_disc_result *real, const vx_disc_result *fake)
{
    if (check_pair(real, fake) != VX_OK)
        return NULL;
    vx_tensor *loss = NULL;
    for (int k = 0; k < real->n; k++) {
        vx_tensor *r = mean_sq_from_one(ctx, real->logits[k]);
        vx_tensor *g = vx_mean(ctx, vx_square(ctx, fake->logits[k]), NULL, 0, false);
        loss = accumulate(ctx, loss, vx_add(ctx, r, g));
    }
    return loss;
}

vx_tensor *vx_hifigan_gen_loss(vx_ctx *ctx, const vx_disc_result *fake)
{
    if (!fake || fake->n < 1)
        return vx_fail_null(VX_ERR_ARG, "hifigan loss: no discriminator outputs");
    vx_tensor *loss = NULL;
    for (int k = 0; k < fake->n; k++)
        loss = accumulate(ctx, loss, mean_sq_from_one(ctx, fake->logits[k]));
    return loss;
}

vx_tensor *vx_hifigan_feature_loss(vx_ctx *ctx, const vx_disc_result *real, const vx_disc_result *fake)
{
    if (check_pair(real, fake) != VX_OK)
        return NULL;
    vx_tensor *loss = NULL;
    for (int k = 0; k < real->n; k++) {
        if (real->n_fmaps[k] != fake->n_fmaps[k])
            return vx_fail_null(VX_ERR_ARG, "hifigan loss: feature maps of sub-discriminator %d "
                                "differ in number", k);
        for (int l = 0; l < real->n_fmaps[k]; l++)
            loss = accumulate(ctx, loss, vx_l1_loss(ctx, fake->fmaps[k][l], real->fmaps[k][l]));
    }
    return loss;
}

/* --- differentiable log-mel ------------------------------------------------------------ */

struct vx_hifigan_melspec {
    vx_logmel_cfg cfg;
    int bins;
    vx_tensor *basis; /* [2F, 1, n_fft] */
    vx_tensor *fb;    /* [n_mels, F]    */
};

vx_hifigan_melspec *vx_hifigan_melspec_new(vx_ctx *ctx, const vx_logmel_cfg *cfg)
{
    if (!ctx || !cfg)
        return vx_fail_null(VX_ERR_ARG, "hifigan melspec: the context and config must not be NULL");
    if (cfg->mel.n_fft != cfg->stft.n_fft)
        return vx_fail_null(VX_ERR_ARG, "hifigan melspec: mel n_fft %d differs from the STFT's %d",
                            cfg->mel.n_fft, cfg->stft.n_fft);
    vx_stft *plan = vx_stft_new(&cfg->stft); /* validates the STFT config, gives the window */
    if (!plan)
        return NULL;
    float *fb = vx_mel_filterbank(&cfg->mel);
    if (!fb) {
        vx_stft_free(plan);
        return NULL;
    }
    int n_fft = cfg->stft.n_fft, bins = n_fft / 2 + 1;
    vx_hifigan_melspec *m = calloc(1, sizeof *m);
    if (!m)
        vx_fail(VX_ERR_OOM, "hifigan melspec: out of memory");
    else
        m->basis = vx_param(ctx, NULL, VX_F32, 3, (int64_t[]){2 * bins, 1, n_fft}, false);
    if (m && m->basis)
        m->fb = vx_param(ctx, NULL, VX_F32, 2, (int64_t[]){cfg->mel.n_mels, bins}, false);
    if (!m || !m->fb) {
        vx_stft_free(plan);
        free(fb);
        free(m);
        return NULL;
    }
    m->cfg = *cfg;
    m->bins = bins;
    const float *w = vx_stft_window(plan);
    float *basis = m->basis->data;
    for (int k = 0; k < bins; k++)
        for (int n = 0; n < n_fft; n++) {
            double phase = 2.0 * M_PI * (double)((int64_t)k * n % n_fft) / n_fft;
            basis[(size_t)k * n_fft + n] = (float)(w[n] * cos(phase));
            basis[(size_t)(bins + k) * n_fft + n] = (float)(-w[n] * sin(phase));
        }
    memcpy(m->fb->data, fb, (size_t)cfg->mel.n_mels * bins * sizeof(float));
    free(fb);
    vx_stft_free(plan);
    return m;
}

void vx_hifigan_melspec_free(vx_hifigan_melspec *m) { free(m); }

vx_tensor *vx_hifigan_melspec_forward(vx_ctx *ctx, const vx_hifigan_melspec *m, vx_tensor *y)
{
    if (!m)
        return vx_fail_null(VX_ERR_ARG, "hifigan melspec: the plan is NULL");
    if (!y)
        return NULL;
    if (y->ndim == 2)
        y = vx_reshape(ctx, y, 3, (int64_t[]){y->shape[0], 1, y->shape[1]});
    if (!y || y->ndim != 3 || y->shape[1] != 1) {
        char buf[64];
        return y ? vx_fail_null(VX_ERR_ARG, "hifigan melspec: audio is %s; use [B, 1, T] or [B, T]",
                                vx_shape_str(y, buf, sizeof buf))
                 : NULL;
    }
    const vx_stft_cfg *s = &m->cfg.stft;
    if (y->shape[2] + 2 * (int64_t)s->pad < s->n_fft)
        return vx_fail_null(VX_ERR_ARG, "hifigan melspec: %lld samples give no %d-sample frame",
                            (long long)y->shape[2], s->n_fft);
    int64_t F = m->bins;
    vx_tensor *x = s->pad ? vx_pad(ctx, y, 2, s->pad, s->pad, s->pad_mode, 0) : y; /* [B, 1, T + 2·pad] */
    vx_tensor *spec = vx_conv1d(ctx, x, m->basis, NULL, s->hop, 0, 1, 1);        /* [B, 2F, frames]  */
    vx_tensor *re = vx_slice(ctx, spec, 1, 0, F, 1), *im = vx_slice(ctx, spec, 1, F, 2 * F, 1);
    vx_tensor *power = vx_add(ctx, vx_square(ctx, re), vx_square(ctx, im));
    vx_tensor *mag = vx_sqrt(ctx, vx_add_scalar(ctx, power, m->cfg.mag_eps));       /* [B, F, frames]   */
    vx_tensor *mel = vx_matmul(ctx, m->fb, mag);                                   /* [B, mels, frames] */
    return vx_log(ctx, vx_clamp(ctx, mel, m->cfg.log_floor, INFINITY));
}
