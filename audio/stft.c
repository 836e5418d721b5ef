/* stft.c — Hann-windowed STFT / iSTFT on real signals (double arithmetic). */
#include "audio/stft.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audio/fft.h"

struct vx_stft {
    vx_stft_cfg cfg;
    int bins;
    double *window;  /* [n_fft] periodic Hann, centred, zero outside win_length:
                        double, so quiet bins of loud frames keep their precision */
    float *window_f; /* [n_fft] the same in float, for vx_stft_window */
    vx_rfft *fft;
    double *frame;   /* [n_fft]            */
    double *spec;    /* [bins, 2]          */
};

vx_stft_cfg vx_stft_cfg_hifigan(void)
{
    return (vx_stft_cfg){.n_fft = 1024, .win_length = 1024, .hop = 256, .pad = (1024 - 256) / 2,
                         .pad_mode = VX_PAD_REFLECT};
}

void vx_stft_free(vx_stft *plan)
{
    if (!plan)
        return;
    free(plan->window);
    free(plan->window_f);
    vx_rfft_free(plan->fft);
    free(plan->frame);
    free(plan->spec);
    free(plan);
}

vx_stft *vx_stft_new(const vx_stft_cfg *cfg)
{
    vx_stft_cfg c = *cfg;
    if (c.win_length == 0)
        c.win_length = c.n_fft;
    if (c.n_fft < 2 || c.hop < 1 || c.win_length < 1 || c.win_length > c.n_fft || c.pad < 0)
        return vx_fail_null(VX_ERR_ARG,
                            "stft: need n_fft >= 2, hop >= 1, 1 <= win_length <= n_fft, pad >= 0 "
                            "(got n_fft %d, hop %d, win_length %d, pad %d)",
                            c.n_fft, c.hop, c.win_length, c.pad);
    if (c.pad_mode != VX_PAD_REFLECT && c.pad_mode != VX_PAD_CONSTANT)
        return vx_fail_null(VX_ERR_ARG, "stft: unknown pad_mode %d (use VX_PAD_REFLECT or VX_PAD_CONSTANT)",
                            (int)c.pad_mode);
    vx_stft *p = calloc(1, sizeof *p);
    if (!p)
        return vx_fail_null(VX_ERR_OOM, "stft: out of memory");
    p->cfg = c;
    p->bins = c.n_fft / 2 + 1;
    p->window = calloc((size_t)c.n_fft, sizeof(double));
    p->window_f = calloc((size_t)c.n_fft, sizeof(float));
    p->frame = malloc((size_t)c.n_fft * sizeof(double));
    p->spec = malloc(2 * (size_t)p->bins * sizeof(double));
    p->fft = vx_rfft_new(c.n_fft);
    if (!p->window || !p->window_f || !p->frame || !p->spec || !p->fft) {
        vx_stft_free(p);
        return vx_fail_null(VX_ERR_OOM, "stft: out of memory planning n_fft %d", c.n_fft);
    }
    /* ref: torch.hann_window(periodic=True) = 0.5 - 0.5 cos(2 pi n / N); torch.stft
     * pads a shorter window with zeros on both sides ((n_fft - win) / 2 on the left). */
    int offset = (c.n_fft - c.win_length) / 2;
    for (int i = 0; i < c.win_length; i++) {
        p->window[offset + i] = 0.5 - 0.5 * cos(2.0 * M_PI * i / c.win_length);
        p->window_f[offset + i] = (float)p->window[offset + i];
    }
    return p;
}

const vx_stft_cfg *vx_stft_config(const vx_stft *plan) { return &plan->cfg; }
int vx_stft_bins(const vx_stft *plan) { return plan->bins; }
const float *vx_stft_window(const vx_stft *plan) { return plan->window_f; }

int64_t vx_stft_frames(const vx_stft *plan, int64_t n_samples)
{
    int64_t padded = n_samples + 2 * (int64_t)plan->cfg.pad;
    if (n_samples < 0 || padded < plan->cfg.n_fft)
        return 0;
    return 1 + (padded - plan->cfg.n_fft) / plan->cfg.hop;
}

/* Sample i of the padded signal (i in [0, n + 2 pad)). */
static double padded_sample(const vx_stft *p, const float *x, int64_t n, int64_t i)
{
    int64_t j = i - p->cfg.pad;
    if (j >= 0 && j < n)
        return x[j];
    if (p->cfg.pad_mode == VX_PAD_CONSTANT)
        return 0;
    return j < 0 ? x[-j] : x[2 * (n - 1) - j]; /* reflect without repeating the edge */
}

static vx_status check_signal(const vx_stft *p, const float *x, int64_t n, const char *who)
{
    if (!x || n < 1)
        return vx_fail(VX_ERR_ARG, "%s: empty signal", who);
    if (p->cfg.pad_mode == VX_PAD_REFLECT && p->cfg.pad >= n)
        return vx_fail(VX_ERR_ARG,
                       "%s: reflect padding of %d samples needs a signal longer than that (got %lld)",
                       who, p->cfg.pad, (long long)n);
    if (vx_stft_frames(p, n) == 0)
        return vx_fail(VX_ERR_ARG, "%s: %lld samples (padded by %d each side) give no %d-sample frame",
                       who, (long long)n, p->cfg.pad, p->cfg.n_fft);
    return VX_OK;
}

/* FFT of frame t into p->spec [bins, 2]. */
static void frame_spectrum(vx_stft *p, const float *x, int64_t n, int64_t t)
{
    int64_t start = t * p->cfg.hop;
    for (int i = 0; i < p->cfg.n_fft; i++)
        p->frame[i] = p->window[i] ? p->window[i] * padded_sample(p, x, n, start + i) : 0.0;
    vx_rfft_forward(p->fft, p->frame, p->spec);
}

vx_status vx_stft_forward(vx_stft *plan, const float *x, int64_t n, float *spec)
{
    vx_status st = check_signal(plan, x, n, "stft");
    if (st)
        return st;
    int64_t frames = vx_stft_frames(plan, n);
    size_t row = 2 * (size_t)plan->bins;
    for (int64_t t = 0; t < frames; t++) {
        frame_spectrum(plan, x, n, t);
        for (size_t k = 0; k < row; k++)
            spec[(size_t)t * row + k] = (float)plan->spec[k];
    }
    return VX_OK;
}

vx_status vx_stft_magnitude(vx_stft *plan, const float *x, int64_t n, float eps, float *mag)
{
    vx_status st = check_signal(plan, x, n, "stft_magnitude");
    if (st)
        return st;
    int64_t frames = vx_stft_frames(plan, n);
    int bins = plan->bins;
    for (int64_t t = 0; t < frames; t++) {
        frame_spectrum(plan, x, n, t);
        for (int k = 0; k < bins; k++) {
            double re = plan->spec[2 * k], im = plan->spec[2 * k + 1];
            mag[(size_t)t * bins + k] = (float)sqrt(re * re + im * im + (double)eps);
        }
    }
    return VX_OK;
}

int64_t vx_istft_length(const vx_stft *plan, int64_t frames)
{
    if (frames < 1)
        return 0;
    int64_t len = (frames - 1) * plan->cfg.hop + plan->cfg.n_fft - 2 * (int64_t)plan->cfg.pad;
    return len > 0 ? len : 0;
}

/* ref: Griffin & Lim (1984) least-squares signal estimate:
 *   y[i] = sum_t w[i - t hop] ifft(S_t)[i - t hop] / sum_t w[i - t hop]^2 */
vx_status vx_istft(vx_stft *plan, const float *spec, int64_t frames, float *y, int64_t n_out)
{
    if (!spec || frames < 1 || n_out < 0)
        return vx_fail(VX_ERR_ARG, "istft: need at least one frame and n_out >= 0 (got %lld frames, n_out %lld)",
                       (long long)frames, (long long)n_out);
    int n_fft = plan->cfg.n_fft, hop = plan->cfg.hop, pad = plan->cfg.pad, bins = plan->bins;
    int64_t total = (frames - 1) * hop + n_fft; /* padded length covered */
    double *acc = calloc((size_t)total, sizeof(double));
    double *wsum = calloc((size_t)total, sizeof(double));
    if (!acc || !wsum) {
        free(acc);
        free(wsum);
        return vx_fail(VX_ERR_OOM, "istft: out of memory for %lld samples", (long long)total);
    }
    for (int64_t t = 0; t < frames; t++) {
        for (int k = 0; k < 2 * bins; k++)
            plan->spec[k] = spec[(size_t)t * 2 * bins + k];
        vx_rfft_inverse(plan->fft, plan->spec, plan->frame);
        for (int i = 0; i < n_fft; i++) {
            double w = plan->window[i];
            acc[t * hop + i] += w * plan->frame[i];
            wsum[t * hop + i] += w * w;
        }
    }
    for (int64_t i = 0; i < n_out; i++) {
        int64_t j = i + pad;
        y[i] = (j < total && wsum[j] > 1e-11) ? (float)(acc[j] / wsum[j]) : 0.0f;
    }
    free(acc);
    free(wsum);
    return VX_OK;
}
