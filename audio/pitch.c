/* pitch.c — F0 estimation (DIO + StoneMask) and FastSpeech2's F0 post-processing.
 * The algorithm is summarised in pitch.h; the steps below follow that order. */
#include "audio/pitch.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audio/energy.h"
#include "audio/fft.h"

#define REJECTED_SCORE DBL_MAX     /* score of a band with no valid candidate      */
#define SCORE_GUARD 1e-12          /* keeps score / F0 finite when F0 is 0         */
#define LOW_CUT_HZ 50.0            /* DIO's high-pass before the filter bank       */
#define MAX_REFINE_CORRECTION 0.2  /* StoneMask keeps DIO's F0 beyond this change  */
#define MAX_PLAN_LOG2 24           /* longest StoneMask FFT: 2^24 points          */

vx_f0_cfg vx_f0_cfg_fastspeech2(void)
{
    return (vx_f0_cfg){.sample_rate = 22050,
                       .hop = 256,
                       .f0_floor = 71.0,
                       .f0_ceil = 800.0,
                       .channels_in_octave = 2.0,
                       .allowed_range = 0.1,
                       .refine = true};
}

static vx_status check_cfg(const vx_f0_cfg *cfg, const char *fn)
{
    if (!cfg)
        return vx_fail(VX_ERR_ARG, "%s: cfg is NULL; start from vx_f0_cfg_fastspeech2()", fn);
    if (cfg->sample_rate <= 0 || cfg->hop <= 0)
        return vx_fail(VX_ERR_ARG, "%s: sample_rate %d and hop %d must be positive", fn,
                       cfg->sample_rate, cfg->hop);
    if (!(cfg->f0_floor > 0) || !(cfg->f0_ceil > cfg->f0_floor) ||
        !(cfg->f0_ceil < cfg->sample_rate / 2.0))
        return vx_fail(VX_ERR_ARG,
                       "%s: need 0 < f0_floor (%g) < f0_ceil (%g) < sample_rate / 2 (%g)", fn,
                       cfg->f0_floor, cfg->f0_ceil, cfg->sample_rate / 2.0);
    if (!(cfg->channels_in_octave > 0 && cfg->channels_in_octave <= 16))
        return vx_fail(VX_ERR_ARG, "%s: channels_in_octave %g must be in (0, 16]", fn,
                       cfg->channels_in_octave);
    if (!(cfg->allowed_range > 0 && cfg->allowed_range < 1))
        return vx_fail(VX_ERR_ARG, "%s: allowed_range %g must be in (0, 1)", fn,
                       cfg->allowed_range);
    return VX_OK;
}

static vx_status check_signal(const vx_f0_cfg *cfg, const float *x, int64_t n, const void *out,
                              const char *fn)
{
    vx_status st = check_cfg(cfg, fn);
    if (st)
        return st;
    if (!x || !out)
        return vx_fail(VX_ERR_ARG, "%s: signal or output is NULL", fn);
    if (n <= 0)
        return vx_fail(VX_ERR_ARG, "%s: the signal is empty (%lld samples)", fn, (long long)n);
    /* FFT sizes are int: keep the padded signal well below 2^30 samples. */
    if (n > (1 << 28))
        return vx_fail(VX_ERR_ARG, "%s: %lld samples is too long; split the signal", fn,
                       (long long)n);
    for (int64_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return vx_fail(VX_ERR_NUMERIC, "%s: sample %lld is %g; clean the signal first", fn,
                           (long long)i, x[i]);
    return VX_OK;
}

int64_t vx_f0_frames(const vx_f0_cfg *cfg, int64_t n_samples)
{
    if (!cfg || cfg->hop <= 0 || n_samples < 0)
        return 0;
    return n_samples / cfg->hop + 1;
}

/* Round half away from zero (MATLAB's round, used throughout WORLD). */
static int round_half_away(double v) { return v > 0 ? (int)(v + 0.5) : (int)(v - 0.5); }

/* The smallest power of two strictly above `v`. */
static int pow2_above(int v)
{
    int size = 1;
    while (size <= v)
        size <<= 1;
    return size;
}

static int n_bands(const vx_f0_cfg *cfg)
{
    return 1 + (int)(log2(cfg->f0_ceil / cfg->f0_floor) * cfg->channels_in_octave);
}

/* Upper cut-off of filter band b: f0_floor * 2^((b + 1) / channels_in_octave). */
static double band_boundary(const vx_f0_cfg *cfg, int b)
{
    return cfg->f0_floor * pow(2.0, (b + 1) / cfg->channels_in_octave);
}

/* a *= b for half spectra [bins, 2]. */
static void spectrum_multiply(double *a, const double *b, int bins)
{
    for (int k = 0; k < bins; k++) {
        double re = a[2 * k] * b[2 * k] - a[2 * k + 1] * b[2 * k + 1];
        double im = a[2 * k] * b[2 * k + 1] + a[2 * k + 1] * b[2 * k];
        a[2 * k] = re;
        a[2 * k + 1] = im;
    }
}

/* Zero-phase high-pass: a unit impulse minus a unit-sum Hann low-pass of
 * 2 round(fs / 50) + 1 taps, laid out circularly around lag 0 in h [size]. */
static void low_cut_filter(double fs, int size, double *h)
{
    int taps = 2 * round_half_away(fs / LOW_CUT_HZ) + 1;
    int half = (taps - 1) / 2;
    memset(h, 0, sizeof(double) * (size_t)size);
    double sum = 0.0;
    for (int i = 0; i < taps; i++)
        sum += 0.5 - 0.5 * cos(2.0 * M_PI * (i + 1) / (taps + 1));
    for (int i = 0; i < taps; i++) {
        int lag = i - half;
        double v = 0.5 - 0.5 * cos(2.0 * M_PI * (i + 1) / (taps + 1));
        h[(lag + size) % size] = -v / sum;
    }
    h[0] += 1.0;
}

/* Nuttall window (4-term, minimum side lobes) of `len` samples. */
static void nuttall_window(int len, double *w)
{
    for (int i = 0; i < len; i++) {
        double t = len > 1 ? (double)i / (len - 1) : 0.0;
        w[i] = 0.355768 - 0.487396 * cos(2.0 * M_PI * t) + 0.144232 * cos(4.0 * M_PI * t) -
               0.012604 * cos(6.0 * M_PI * t);
    }
}

/* Falling zero crossings of sign * s [len]: each pair of consecutive crossings
 * gives an F0 estimate fs / interval (Hz) at the pair's midpoint (s). Returns
 * the number of intervals (0 when fewer than two crossings). */
static int crossing_intervals(const double *s, int len, double sign, double fs, double *where,
                              double *hz)
{
    int count = 0;
    double prev = 0.0;
    for (int i = 0; i + 1 < len; i++) {
        double a = sign * s[i], b = sign * s[i + 1];
        if (!(a > 0.0 && b <= 0.0))
            continue;
        double edge = (i + 1) - a / (b - a); /* linear interpolation of the crossing */
        if (count > 0) {
            hz[count - 1] = fs / (edge - prev);
            where[count - 1] = (edge + prev) / 2.0 / fs;
        }
        prev = edge;
        count++;
    }
    return count > 1 ? count - 1 : 0;
}

/* Linear interpolation of (where, hz) [count >= 2, increasing where] at the
 * frame times t_i = i * step, extrapolating the end segments. */
static void interpolate_at_frames(const double *where, const double *hz, int count, double step,
                                  int frames, double *out)
{
    int k = 1; /* segment [k - 1, k] */
    for (int i = 0; i < frames; i++) {
        double t = i * step;
        while (k < count - 1 && where[k] <= t)
            k++;
        double s = (t - where[k - 1]) / (where[k] - where[k - 1]);
        out[i] = hz[k - 1] + s * (hz[k] - hz[k - 1]);
    }
}

/* Scratch shared by the filter bank. */
typedef struct dio_work {
    int y_len, fft_size, bins, frames;
    double fs, frame_step; /* frame_step in seconds */
    vx_rfft *plan;
    double *spectrum;      /* [bins, 2] the high-passed signal            */
    double *band_spec;     /* [bins, 2]                                   */
    double *buf;           /* [fft_size]                                  */
    double *deriv;         /* [y_len]                                     */
    double *where[4], *hz[4]; /* [y_len] event intervals                 */
    double *track[4];      /* [frames] interpolated event F0s             */
} dio_work;

static void dio_work_free(dio_work *w)
{
    vx_rfft_free(w->plan);
    free(w->spectrum);
    free(w->band_spec);
    free(w->buf);
    free(w->deriv);
    for (int e = 0; e < 4; e++) {
        free(w->where[e]);
        free(w->hz[e]);
        free(w->track[e]);
    }
}

static vx_status dio_work_init(dio_work *w, const vx_f0_cfg *cfg, int64_t n)
{
    memset(w, 0, sizeof *w);
    w->fs = cfg->sample_rate;
    w->y_len = (int)n + 1; /* WORLD analyses one extra (zero) sample */
    w->frames = (int)vx_f0_frames(cfg, n);
    w->frame_step = (double)cfg->hop / cfg->sample_rate;
    int longest_filter = 4 * (int)(1.0 + w->fs / band_boundary(cfg, 0) / 2.0);
    int low_cut_taps = 2 * round_half_away(w->fs / LOW_CUT_HZ) + 1;
    w->fft_size = pow2_above(w->y_len + longest_filter);
    if (w->fft_size < 2 * low_cut_taps)
        w->fft_size = pow2_above(2 * low_cut_taps);
    w->bins = w->fft_size / 2 + 1;
    w->plan = vx_rfft_new(w->fft_size);
    if (!w->plan)
        return vx_last_status();
    w->spectrum = malloc(sizeof(double) * 2 * (size_t)w->bins);
    w->band_spec = malloc(sizeof(double) * 2 * (size_t)w->bins);
    w->buf = malloc(sizeof(double) * (size_t)w->fft_size);
    w->deriv = malloc(sizeof(double) * (size_t)w->y_len);
    bool ok = w->spectrum && w->band_spec && w->buf && w->deriv;
    for (int e = 0; e < 4; e++) {
        w->where[e] = malloc(sizeof(double) * (size_t)w->y_len);
        w->hz[e] = malloc(sizeof(double) * (size_t)w->y_len);
        w->track[e] = malloc(sizeof(double) * (size_t)w->frames);
        ok = ok && w->where[e] && w->hz[e] && w->track[e];
    }
    if (!ok) {
        dio_work_free(w);
        return vx_fail(VX_ERR_OOM, "f0 dio: out of memory for %lld samples", (long long)n);
    }
    return VX_OK;
}

/* Spectrum of the DC-free, high-passed signal (zero padded to fft_size). */
static void dio_signal_spectrum(dio_work *w, const float *x, int64_t n)
{
    double *y = w->buf;
    memset(y, 0, sizeof(double) * (size_t)w->fft_size);
    double mean = 0.0;
    for (int64_t i = 0; i < n; i++) {
        y[i] = x[i];
        mean += x[i];
    }
    mean /= w->y_len;
    for (int i = 0; i < w->y_len; i++)
        y[i] -= mean;
    vx_rfft_forward(w->plan, y, w->spectrum);
    low_cut_filter(w->fs, w->fft_size, y);
    vx_rfft_forward(w->plan, y, w->band_spec);
    spectrum_multiply(w->spectrum, w->band_spec, w->bins);
}

/* One band: low-pass at `boundary` Hz, the four event F0 tracks, then
 * candidate[frames] (0 = none) and score[frames] (std / mean, lower is better). */
static void dio_band(dio_work *w, const vx_f0_cfg *cfg, double boundary, double *candidate,
                     double *score)
{
    int half_len = round_half_away(w->fs / boundary / 2.0);
    int len = 4 * half_len;
    double *f = w->buf;
    memset(f, 0, sizeof(double) * (size_t)w->fft_size);
    nuttall_window(len, f);
    vx_rfft_forward(w->plan, f, w->band_spec);
    spectrum_multiply(w->band_spec, w->spectrum, w->bins);
    vx_rfft_inverse(w->plan, w->band_spec, f);
    /* Remove the filter's delay of 2 half_len samples. */
    memmove(f, f + 2 * half_len, sizeof(double) * (size_t)w->y_len);

    for (int i = 0; i + 1 < w->y_len; i++)
        w->deriv[i] = f[i + 1] - f[i];
    int count[4];
    count[0] = crossing_intervals(f, w->y_len, 1.0, w->fs, w->where[0], w->hz[0]);
    count[1] = crossing_intervals(f, w->y_len, -1.0, w->fs, w->where[1], w->hz[1]);
    count[2] = crossing_intervals(w->deriv, w->y_len - 1, -1.0, w->fs, w->where[2], w->hz[2]);
    count[3] = crossing_intervals(w->deriv, w->y_len - 1, 1.0, w->fs, w->where[3], w->hz[3]);

    for (int e = 0; e < 4; e++) {
        if (count[e] <= 2) {
            for (int i = 0; i < w->frames; i++) {
                candidate[i] = 0.0;
                score[i] = REJECTED_SCORE;
            }
            return;
        }
    }
    for (int e = 0; e < 4; e++)
        interpolate_at_frames(w->where[e], w->hz[e], count[e], w->frame_step, w->frames,
                              w->track[e]);
    for (int i = 0; i < w->frames; i++) {
        double mean = 0.0, var = 0.0;
        for (int e = 0; e < 4; e++)
            mean += w->track[e][i] / 4.0;
        for (int e = 0; e < 4; e++)
            var += (w->track[e][i] - mean) * (w->track[e][i] - mean);
        double spread = sqrt(var / 3.0);
        /* A band's output is near-sinusoidal only for F0 in [boundary / 2, boundary]. */
        if (mean > boundary || mean < boundary / 2.0 || mean > cfg->f0_ceil ||
            mean < cfg->f0_floor) {
            candidate[i] = 0.0;
            score[i] = REJECTED_SCORE;
        } else {
            candidate[i] = mean;
            score[i] = spread / (mean + SCORE_GUARD);
        }
    }
}

/* The candidate nearest the linear prediction from f0[cur] and f0[prev]; 0
 * when even that one is further than allowed_range from the prediction. */
static double nearest_candidate(double cur, double prev, const double *cand, int bands,
                                int frames, int target, double allowed_range)
{
    double predicted = (3.0 * cur - prev) / 2.0;
    double best = cand[target];
    double best_err = fabs(predicted - best);
    for (int b = 1; b < bands; b++) {
        double err = fabs(predicted - cand[(size_t)b * frames + target]);
        if (err < best_err) {
            best_err = err;
            best = cand[(size_t)b * frames + target];
        }
    }
    if (fabs(1.0 - best / predicted) > allowed_range)
        return 0.0;
    return best;
}

/* Post-processing of the best contour (in place on f0 [frames]); cand is
 * [bands, frames]; tmp is scratch [frames]; starts/ends int scratch [frames]. */
static void dio_fix_contour(const vx_f0_cfg *cfg, const double *cand, int bands, int frames,
                            double *f0, double *tmp, int *starts, int *ends)
{
    int min_run = (int)(0.5 + (double)cfg->sample_rate / cfg->hop / cfg->f0_floor) * 2 + 1;
    double range = cfg->allowed_range;

    /* Step 1: no F0 near the edges; drop frames that jump from their predecessor. */
    for (int i = 0; i < frames; i++)
        tmp[i] = (i < min_run || i >= frames - min_run) ? 0.0 : f0[i];
    for (int i = 0; i < frames; i++) {
        if (i < min_run)
            f0[i] = 0.0;
        else
            f0[i] = fabs((tmp[i] - tmp[i - 1]) / (SCORE_GUARD + tmp[i])) < range ? tmp[i] : 0.0;
    }
    /* Step 2: a frame stays voiced only with its whole neighbourhood voiced. */
    int center = (min_run - 1) / 2;
    memcpy(tmp, f0, sizeof(double) * (size_t)frames);
    for (int i = center; i < frames - center; i++)
        for (int j = -center; j <= center; j++)
            if (tmp[i + j] == 0.0) {
                f0[i] = 0.0;
                break;
            }
    /* Voiced runs of the step-2 contour. */
    int n_starts = 0, n_ends = 0;
    for (int i = 1; i < frames; i++) {
        if (f0[i] == 0.0 && f0[i - 1] != 0.0)
            ends[n_ends++] = i - 1;
        else if (f0[i - 1] == 0.0 && f0[i] != 0.0)
            starts[n_starts++] = i;
    }
    /* Step 3: extend each run forwards up to the end of the next one. */
    for (int r = 0; r < n_ends; r++) {
        int limit = r == n_ends - 1 ? frames - 1 : ends[r + 1];
        for (int j = ends[r]; j < limit && j >= 1; j++) {
            f0[j + 1] = nearest_candidate(f0[j], f0[j - 1], cand, bands, frames, j + 1, range);
            if (f0[j + 1] == 0.0)
                break;
        }
    }
    /* Step 4: extend each run backwards down to the start of the previous one. */
    for (int r = n_starts - 1; r >= 0; r--) {
        int limit = r == 0 ? 1 : starts[r - 1];
        for (int j = starts[r]; j > limit && j + 1 < frames; j--) {
            f0[j - 1] = nearest_candidate(f0[j], f0[j + 1], cand, bands, frames, j - 1, range);
            if (f0[j - 1] == 0.0)
                break;
        }
    }
}

/* DIO into a double contour f0d [frames]. */
static vx_status dio_contour(const vx_f0_cfg *cfg, const float *x, int64_t n, double *f0d)
{
    dio_work w;
    vx_status st = dio_work_init(&w, cfg, n);
    if (st)
        return st;
    int bands = n_bands(cfg), frames = w.frames;
    double *cand = malloc(sizeof(double) * (size_t)bands * (size_t)frames);
    double *score = malloc(sizeof(double) * (size_t)bands * (size_t)frames);
    double *tmp = malloc(sizeof(double) * (size_t)frames);
    int *runs = malloc(sizeof(int) * 2 * (size_t)frames);
    if (!cand || !score || !tmp || !runs) {
        st = vx_fail(VX_ERR_OOM, "f0 dio: out of memory for %d frames x %d bands", frames,
                     bands);
        goto done;
    }
    dio_signal_spectrum(&w, x, n);
    for (int b = 0; b < bands; b++)
        dio_band(&w, cfg, band_boundary(cfg, b), cand + (size_t)b * frames,
                 score + (size_t)b * frames);
    /* The best (lowest) score per frame; the first band wins ties. */
    for (int i = 0; i < frames; i++) {
        double best_score = score[i];
        f0d[i] = cand[i];
        for (int b = 1; b < bands; b++) {
            if (score[(size_t)b * frames + i] < best_score) {
                best_score = score[(size_t)b * frames + i];
                f0d[i] = cand[(size_t)b * frames + i];
            }
        }
    }
    dio_fix_contour(cfg, cand, bands, frames, f0d, tmp, runs, runs + frames);
done:
    free(cand);
    free(score);
    free(tmp);
    free(runs);
    dio_work_free(&w);
    return st;
}

vx_status vx_f0_dio(const vx_f0_cfg *cfg, const float *x, int64_t n, float *f0)
{
    vx_status st = check_signal(cfg, x, n, f0, "f0 dio");
    if (st)
        return st;
    int64_t frames = vx_f0_frames(cfg, n);
    double *f0d = malloc(sizeof(double) * (size_t)frames);
    if (!f0d)
        return vx_fail(VX_ERR_OOM, "f0 dio: out of memory for %lld frames", (long long)frames);
    st = dio_contour(cfg, x, n, f0d);
    if (!st)
        for (int64_t i = 0; i < frames; i++)
            f0[i] = (float)f0d[i];
    free(f0d);
    return st;
}

/* --- StoneMask ------------------------------------------------------------ */

typedef struct refine_work {
    vx_rfft *plans[MAX_PLAN_LOG2 + 1]; /* by log2 of the FFT size */
    double *frame, *main_spec, *diff_spec, *window, *dwindow, *power, *phase_rate;
} refine_work;

static void refine_work_free(refine_work *r)
{
    for (int i = 0; i <= MAX_PLAN_LOG2; i++)
        vx_rfft_free(r->plans[i]);
    free(r->frame);
    free(r->main_spec);
    free(r->diff_spec);
    free(r->window);
    free(r->dwindow);
    free(r->power);
    free(r->phase_rate);
}

/* Half window length (samples) and FFT size for a frame with F0 `f0`. */
static int refine_half_window(double fs, double f0) { return (int)(1.5 * fs / f0 + 1.0); }
static int refine_fft_log2(int half) { return 2 + (int)log2(2.0 * half + 1.0); }

/* Weighted instantaneous frequency of harmonics 1..n_harm of `f0`:
 * sum_k a_k IF_k / sum_k a_k k with a_k the magnitude at the harmonic's bin. */
static double harmonic_if(const refine_work *r, int fft_size, double fs, double f0, int n_harm)
{
    double num = 0.0, den = 0.0;
    for (int k = 1; k <= n_harm; k++) {
        int bin = round_half_away(f0 * fft_size / fs * k);
        if (bin < 0 || bin > fft_size / 2)
            break;
        double inst = r->power[bin] == 0.0
                          ? 0.0
                          : bin * fs / fft_size + r->phase_rate[bin] / r->power[bin] * fs /
                                                      (2.0 * M_PI);
        double amp = sqrt(r->power[bin]);
        num += amp * inst;
        den += amp * k;
    }
    return num / (den + SCORE_GUARD);
}

/* StoneMask for one frame centred on sample `center`; returns the refined F0
 * (0 for an unvoiced input, `f0` when the correction is implausible). */
static vx_status refine_frame(refine_work *r, const float *x, int64_t n, double fs,
                              int64_t center, double f0, double *out)
{
    *out = 0.0;
    if (!(f0 > 0.0) || f0 > fs / 12.0) /* unvoiced, NaN, or harmonics past Nyquist */
        return VX_OK;
    int half = refine_half_window(fs, f0);
    int len = 2 * half + 1;
    int lg = refine_fft_log2(half); /* <= the caller's bound for the lowest F0 */
    int fft_size = 1 << lg;
    if (!r->plans[lg] && !(r->plans[lg] = vx_rfft_new(fft_size)))
        return vx_last_status();
    /* Blackman window over offsets -half-1 .. half-1 around the centre (WORLD's
     * MATLAB indexing) and its negated central-difference derivative. */
    for (int k = 0; k < len; k++) {
        double t = (double)(k - half - 1) / len;
        r->window[k] = 0.42 + 0.5 * cos(2.0 * M_PI * t) + 0.08 * cos(4.0 * M_PI * t);
    }
    r->dwindow[0] = -r->window[1] / 2.0;
    for (int k = 1; k < len - 1; k++)
        r->dwindow[k] = -(r->window[k + 1] - r->window[k - 1]) / 2.0;
    r->dwindow[len - 1] = r->window[len - 2] / 2.0;

    double *seg = r->frame;
    memset(seg, 0, sizeof(double) * (size_t)fft_size);
    for (int k = 0; k < len; k++) {
        int64_t s = center + k - half - 1;
        s = s < 0 ? 0 : s >= n ? n - 1 : s; /* the edge samples repeat */
        seg[k] = x[s] * r->window[k];
    }
    vx_rfft_forward(r->plans[lg], seg, r->main_spec);
    for (int k = 0; k < len; k++) {
        int64_t s = center + k - half - 1;
        s = s < 0 ? 0 : s >= n ? n - 1 : s;
        seg[k] = x[s] * r->dwindow[k];
    }
    vx_rfft_forward(r->plans[lg], seg, r->diff_spec);
    /* ref: reassignment, omega_inst = omega_k + Im(D conj X) / |X|^2 with X the
     * windowed spectrum and D the spectrum with the negated window derivative. */
    for (int k = 0; k <= fft_size / 2; k++) {
        double xr = r->main_spec[2 * k], xi = r->main_spec[2 * k + 1];
        double dr = r->diff_spec[2 * k], di = r->diff_spec[2 * k + 1];
        r->power[k] = xr * xr + xi * xi;
        r->phase_rate[k] = di * xr - dr * xi;
    }
    double tentative = harmonic_if(r, fft_size, fs, f0, 2);
    double refined = 0.0;
    if (tentative > 0.0 && tentative <= 2.0 * f0)
        refined = harmonic_if(r, fft_size, fs, tentative, 6);
    *out = fabs(refined - f0) / f0 > MAX_REFINE_CORRECTION ? f0 : refined;
    return VX_OK;
}

vx_status vx_f0_stonemask(const vx_f0_cfg *cfg, const float *x, int64_t n, const float *f0_in,
                          int64_t frames, float *f0_out)
{
    vx_status st = check_signal(cfg, x, n, f0_out, "f0 stonemask");
    if (st)
        return st;
    if (!f0_in || frames < 0)
        return vx_fail(VX_ERR_ARG, "f0 stonemask: f0_in is NULL or frames (%lld) < 0",
                       (long long)frames);
    double fs = cfg->sample_rate;
    /* Buffers sized for the lowest F0 (the longest window). */
    double lowest = 0.0;
    for (int64_t i = 0; i < frames; i++) {
        if (!(f0_in[i] > 0.0f) || f0_in[i] > fs / 12.0)
            continue;
        if (f0_in[i] < cfg->f0_floor / 2.0)
            return vx_fail(VX_ERR_ARG,
                           "f0 stonemask: frame %lld has F0 %g Hz, below half of f0_floor (%g Hz)",
                           (long long)i, f0_in[i], cfg->f0_floor);
        if (lowest == 0.0 || f0_in[i] < lowest)
            lowest = f0_in[i];
    }
    if (lowest == 0.0) {
        for (int64_t i = 0; i < frames; i++)
            f0_out[i] = 0.0f;
        return VX_OK;
    }
    int half = refine_half_window(fs, lowest);
    if (refine_fft_log2(half) > MAX_PLAN_LOG2)
        return vx_fail(VX_ERR_ARG, "f0 stonemask: F0 %g Hz needs too long a window", lowest);
    refine_work r = {0};
    size_t cap = (size_t)1 << refine_fft_log2(half);
    r.frame = malloc(sizeof(double) * cap);
    r.main_spec = malloc(sizeof(double) * (cap + 2));
    r.diff_spec = malloc(sizeof(double) * (cap + 2));
    r.window = malloc(sizeof(double) * (size_t)(2 * half + 1));
    r.dwindow = malloc(sizeof(double) * (size_t)(2 * half + 1));
    r.power = malloc(sizeof(double) * (cap / 2 + 1));
    r.phase_rate = malloc(sizeof(double) * (cap / 2 + 1));
    if (!r.frame || !r.main_spec || !r.diff_spec || !r.window || !r.dwindow || !r.power ||
        !r.phase_rate) {
        refine_work_free(&r);
        return vx_fail(VX_ERR_OOM, "f0 stonemask: out of memory for a %zu-point FFT", cap);
    }
    for (int64_t i = 0; i < frames && !st; i++) {
        double refined;
        st = refine_frame(&r, x, n, fs, i * (int64_t)cfg->hop, f0_in[i], &refined);
        f0_out[i] = (float)refined;
    }
    refine_work_free(&r);
    return st;
}

vx_status vx_f0_estimate(const vx_f0_cfg *cfg, const float *x, int64_t n, float *f0)
{
    vx_status st = vx_f0_dio(cfg, x, n, f0);
    if (st || !cfg->refine)
        return st;
    return vx_f0_stonemask(cfg, x, n, f0, vx_f0_frames(cfg, n), f0);
}

/* --- FastSpeech2 post-processing ----------------------------------------- */

void vx_f0_interpolate(const float *f0, int64_t frames, float *out)
{
    int64_t prev = -1; /* last voiced frame seen */
    for (int64_t i = 0; i < frames; i++) {
        if (!(f0[i] > 0.0f))
            continue;
        float v = f0[i];
        if (prev < 0) {
            for (int64_t j = 0; j < i; j++)
                out[j] = v;
        } else {
            float p = out[prev];
            for (int64_t j = prev + 1; j < i; j++)
                out[j] = p + (v - p) * (float)(j - prev) / (float)(i - prev);
        }
        out[i] = v;
        prev = i;
    }
    if (prev < 0) {
        for (int64_t i = 0; i < frames; i++)
            out[i] = 0.0f;
        return;
    }
    for (int64_t j = prev + 1; j < frames; j++)
        out[j] = out[prev];
}

vx_status vx_f0_phoneme_average(const float *f0, int64_t frames, const int32_t *durations,
                                int n_phonemes, float *out)
{
    if (!f0 || frames < 0 || (n_phonemes > 0 && (!durations || !out)))
        return vx_fail(VX_ERR_ARG,
                       "f0 phoneme average: NULL f0, durations or output, or frames %lld < 0",
                       (long long)frames);
    float *smooth = malloc(sizeof(float) * (size_t)(frames > 0 ? frames : 1));
    if (!smooth)
        return vx_fail(VX_ERR_OOM, "f0 phoneme average: out of memory for %lld frames",
                       (long long)frames);
    vx_f0_interpolate(f0, frames, smooth);
    vx_status st = vx_average_by_duration(smooth, frames, durations, n_phonemes, false, out);
    free(smooth);
    return st;
}

void vx_f0_log(const float *f0, int64_t frames, float unvoiced_value, float *out)
{
    for (int64_t i = 0; i < frames; i++)
        out[i] = f0[i] > 0.0f ? logf(f0[i]) : unvoiced_value;
}

static int compare_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

vx_status vx_f0_summarize(const float *f0, int64_t frames, vx_f0_summary *out)
{
    memset(out, 0, sizeof *out);
    out->frames = frames;
    if (frames <= 0)
        return VX_OK;
    float *voiced = malloc(sizeof(float) * (size_t)frames);
    if (!voiced)
        return vx_fail(VX_ERR_OOM, "f0 summary: out of memory for %lld frames", (long long)frames);
    int64_t nv = 0;
    double sum = 0.0;
    for (int64_t i = 0; i < frames; i++)
        if (f0[i] > 0.0f) {
            voiced[nv++] = f0[i];
            sum += f0[i];
        }
    out->voiced = nv;
    out->voiced_fraction = (double)nv / (double)frames;
    if (nv > 0) {
        qsort(voiced, (size_t)nv, sizeof(float), compare_float);
        out->min_hz = voiced[0];
        out->max_hz = voiced[nv - 1];
        out->mean_hz = sum / (double)nv;
        out->median_hz = nv % 2 ? voiced[nv / 2]
                                : 0.5 * ((double)voiced[nv / 2 - 1] + (double)voiced[nv / 2]);
    }
    free(voiced);
    return VX_OK;
}
