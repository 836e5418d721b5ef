/* mel.c — mel scales, librosa-compatible filterbanks and the HiFi-GAN log-mel. */
#include "audio/mel.h"

#include <math.h>
#include <stdlib.h>

/* ref: librosa.hz_to_mel (Slaney, htk=False): 3 mels per 200 Hz below 1 kHz,
 * then 27 mels per log(6.4) octave-ish step above. */
#define SLANEY_HZ_PER_MEL (200.0 / 3.0)
#define SLANEY_MIN_LOG_HZ 1000.0
#define SLANEY_MIN_LOG_MEL (SLANEY_MIN_LOG_HZ / SLANEY_HZ_PER_MEL)
#define SLANEY_LOGSTEP (log(6.4) / 27.0)

double vx_hz_to_mel(double hz, vx_mel_scale scale)
{
    if (scale == VX_MEL_HTK)
        return 2595.0 * log10(1.0 + hz / 700.0);
    if (hz >= SLANEY_MIN_LOG_HZ)
        return SLANEY_MIN_LOG_MEL + log(hz / SLANEY_MIN_LOG_HZ) / SLANEY_LOGSTEP;
    return hz / SLANEY_HZ_PER_MEL;
}

double vx_mel_to_hz(double mel, vx_mel_scale scale)
{
    if (scale == VX_MEL_HTK)
        return 700.0 * (pow(10.0, mel / 2595.0) - 1.0);
    if (mel >= SLANEY_MIN_LOG_MEL)
        return SLANEY_MIN_LOG_HZ * exp(SLANEY_LOGSTEP * (mel - SLANEY_MIN_LOG_MEL));
    return mel * SLANEY_HZ_PER_MEL;
}

/* ref: librosa.filters.mel — weights[i, k] = max(0, min(lower, upper)) with
 * lower = (f_k - m_i) / (m_{i+1} - m_i), upper = (m_{i+2} - f_k) / (m_{i+2} - m_{i+1});
 * Slaney norm multiplies row i by 2 / (m_{i+2} - m_i). */
float *vx_mel_filterbank(const vx_mel_cfg *cfg)
{
    double fmax = cfg->fmax > 0 ? cfg->fmax : cfg->sample_rate / 2.0;
    if (cfg->sample_rate < 1 || cfg->n_fft < 2 || cfg->n_mels < 1 || cfg->fmin < 0 || cfg->fmin >= fmax)
        return vx_fail_null(VX_ERR_ARG,
                            "mel_filterbank: need sample_rate >= 1, n_fft >= 2, n_mels >= 1 and "
                            "0 <= fmin < fmax (got sr %d, n_fft %d, n_mels %d, fmin %g, fmax %g)",
                            cfg->sample_rate, cfg->n_fft, cfg->n_mels, cfg->fmin, fmax);
    if (cfg->scale != VX_MEL_SLANEY && cfg->scale != VX_MEL_HTK)
        return vx_fail_null(VX_ERR_ARG, "mel_filterbank: unknown scale %d", (int)cfg->scale);
    if (cfg->norm != VX_MEL_NORM_SLANEY && cfg->norm != VX_MEL_NORM_NONE)
        return vx_fail_null(VX_ERR_ARG, "mel_filterbank: unknown norm %d", (int)cfg->norm);
    int n_mels = cfg->n_mels, bins = cfg->n_fft / 2 + 1;
    float *fb = malloc((size_t)n_mels * bins * sizeof(float));
    double *edges = malloc((size_t)(n_mels + 2) * sizeof(double)); /* [n_mels + 2] Hz */
    if (!fb || !edges) {
        free(fb);
        free(edges);
        return vx_fail_null(VX_ERR_OOM, "mel_filterbank: out of memory for %d x %d", n_mels, bins);
    }
    double mel_lo = vx_hz_to_mel(cfg->fmin, cfg->scale), mel_hi = vx_hz_to_mel(fmax, cfg->scale);
    for (int i = 0; i < n_mels + 2; i++)
        edges[i] = vx_mel_to_hz(mel_lo + (mel_hi - mel_lo) * i / (n_mels + 1), cfg->scale);
    double bin_hz = (double)cfg->sample_rate / cfg->n_fft;
    for (int i = 0; i < n_mels; i++) {
        double gain = cfg->norm == VX_MEL_NORM_SLANEY ? 2.0 / (edges[i + 2] - edges[i]) : 1.0;
        for (int k = 0; k < bins; k++) {
            double f = k * bin_hz;
            double lower = (f - edges[i]) / (edges[i + 1] - edges[i]);
            double upper = (edges[i + 2] - f) / (edges[i + 2] - edges[i + 1]);
            double w = fmin(lower, upper);
            fb[(size_t)i * bins + k] = (float)(w > 0 ? w * gain : 0.0);
        }
    }
    free(edges);
    return fb;
}

void vx_mel_apply(const float *fb, int n_mels, int n_bins, const float *mag, int64_t frames, float *mel)
{
    for (int i = 0; i < n_mels; i++) {
        const float *row = fb + (size_t)i * n_bins;
        int lo = 0, hi = n_bins; /* the triangle's non-zero span */
        while (lo < hi && row[lo] == 0)
            lo++;
        while (hi > lo && row[hi - 1] == 0)
            hi--;
        for (int64_t t = 0; t < frames; t++) {
            const float *m = mag + (size_t)t * n_bins;
            double acc = 0;
            for (int k = lo; k < hi; k++)
                acc += (double)row[k] * m[k];
            mel[(size_t)t * n_mels + i] = (float)acc;
        }
    }
}

/* --- log-mel plan ------------------------------------------------------------ */

struct vx_logmel {
    vx_logmel_cfg cfg;
    vx_stft *stft;
    float *fb;        /* [n_mels, bins] */
};

vx_logmel_cfg vx_logmel_cfg_hifigan(void)
{
    return (vx_logmel_cfg){
        .stft = vx_stft_cfg_hifigan(),
        .mel = {.sample_rate = 22050, .n_fft = 1024, .n_mels = 80, .fmin = 0, .fmax = 8000,
                .scale = VX_MEL_SLANEY, .norm = VX_MEL_NORM_SLANEY},
        .mag_eps = 1e-9f,
        .log_floor = 1e-5f,
    };
}

void vx_logmel_free(vx_logmel *lm)
{
    if (!lm)
        return;
    vx_stft_free(lm->stft);
    free(lm->fb);
    free(lm);
}

vx_logmel *vx_logmel_new(const vx_logmel_cfg *cfg)
{
    if (cfg->mel.n_fft != cfg->stft.n_fft)
        return vx_fail_null(VX_ERR_ARG, "logmel: mel.n_fft %d differs from stft.n_fft %d; set both to the same size",
                            cfg->mel.n_fft, cfg->stft.n_fft);
    if (!(cfg->log_floor > 0) || !(cfg->mag_eps >= 0))
        return vx_fail_null(VX_ERR_ARG, "logmel: need log_floor > 0 and mag_eps >= 0 (got %g, %g)",
                            (double)cfg->log_floor, (double)cfg->mag_eps);
    vx_logmel *lm = calloc(1, sizeof *lm);
    if (!lm)
        return vx_fail_null(VX_ERR_OOM, "logmel: out of memory");
    lm->cfg = *cfg;
    lm->stft = vx_stft_new(&cfg->stft);
    lm->fb = lm->stft ? vx_mel_filterbank(&cfg->mel) : NULL;
    if (!lm->fb) { /* the failing constructor set the message */
        vx_logmel_free(lm);
        return NULL;
    }
    return lm;
}

const vx_logmel_cfg *vx_logmel_config(const vx_logmel *lm) { return &lm->cfg; }
const float *vx_logmel_filterbank(const vx_logmel *lm) { return lm->fb; }
vx_stft *vx_logmel_stft(vx_logmel *lm) { return lm->stft; }

int64_t vx_logmel_frames(const vx_logmel *lm, int64_t n_samples) { return vx_stft_frames(lm->stft, n_samples); }

vx_status vx_logmel_compute(vx_logmel *lm, const float *x, int64_t n, float *logmel, float *mag)
{
    int64_t frames = vx_logmel_frames(lm, n);
    int bins = vx_stft_bins(lm->stft), n_mels = lm->cfg.mel.n_mels;
    float *m = mag ? mag : malloc((size_t)(frames > 0 ? frames : 1) * bins * sizeof(float));
    if (!m)
        return vx_fail(VX_ERR_OOM, "logmel: out of memory for %lld frames", (long long)frames);
    vx_status st = vx_stft_magnitude(lm->stft, x, n, lm->cfg.mag_eps, m);
    if (st == VX_OK) {
        vx_mel_apply(lm->fb, n_mels, bins, m, frames, logmel);
        double floor = lm->cfg.log_floor;
        for (size_t i = 0; i < (size_t)frames * n_mels; i++)
            logmel[i] = (float)log(fmax(logmel[i], floor));
    }
    if (!mag)
        free(m);
    return st;
}

float *vx_logmel_alloc(vx_logmel *lm, const float *x, int64_t n, int64_t *n_frames)
{
    int64_t frames = vx_logmel_frames(lm, n);
    *n_frames = 0;
    float *out = malloc((size_t)(frames > 0 ? frames : 1) * lm->cfg.mel.n_mels * sizeof(float));
    if (!out)
        return vx_fail_null(VX_ERR_OOM, "logmel: out of memory for %lld frames", (long long)frames);
    if (vx_logmel_compute(lm, x, n, out, NULL) != VX_OK) {
        free(out);
        return NULL;
    }
    *n_frames = frames;
    return out;
}
