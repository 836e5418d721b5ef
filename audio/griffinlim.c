/* griffinlim.c — fast Griffin-Lim and the mel pseudo-inverse. */
#include "audio/griffinlim.h"

#include <math.h>
#include <stdlib.h>

#include "core/rng.h"

double vx_spectral_convergence(const float *target, const float *estimate, int64_t count)
{
    double num = 0, den = 0;
    for (int64_t i = 0; i < count; i++) {
        double d = (double)target[i] - estimate[i];
        num += d * d;
        den += (double)target[i] * target[i];
    }
    return den > 0 ? sqrt(num / den) : 0.0;
}

/* spec [count, 2] -> mag [count] */
static void magnitudes(const float *spec, int64_t count, float *mag)
{
    for (int64_t i = 0; i < count; i++)
        mag[i] = hypotf(spec[2 * i], spec[2 * i + 1]);
}

/* ref: librosa.griffinlim: rebuilt = STFT(iSTFT(S e^{i angles}));
 *   angles = rebuilt - momentum / (1 + momentum) * previous rebuilt; angles /= |angles|. */
vx_status vx_griffinlim(vx_stft *plan, const float *mag, int64_t frames, const vx_griffinlim_opts *opts, float *y,
                        int64_t n_out, float *convergence)
{
    if (!mag || frames < 1 || opts->n_iter < 0 || !(opts->momentum >= 0 && opts->momentum < 1))
        return vx_fail(VX_ERR_ARG, "griffinlim: need frames >= 1, n_iter >= 0 and 0 <= momentum < 1 "
                       "(got %lld frames, %d iterations, momentum %g)",
                       (long long)frames, opts->n_iter, (double)opts->momentum);
    int64_t count = frames * vx_stft_bins(plan);
    int64_t n_sig = vx_istft_length(plan, frames);
    if (vx_stft_frames(plan, n_sig) != frames)
        return vx_fail(VX_ERR_ARG, "griffinlim: %lld frames are too few to re-analyse with this STFT",
                       (long long)frames);
    float *angles = malloc((size_t)count * 2 * sizeof(float));   /* [frames, bins, 2] unit phasors */
    float *spec = malloc((size_t)count * 2 * sizeof(float));     /* [frames, bins, 2] */
    float *prev = calloc((size_t)count * 2, sizeof(float));      /* previous rebuilt spectrum */
    float *sig = malloc((size_t)n_sig * sizeof(float));          /* [n_sig] */
    float *est = convergence ? malloc((size_t)count * sizeof(float)) : NULL;
    vx_status st = VX_OK;
    if (!angles || !spec || !prev || !sig || (convergence && !est)) {
        st = vx_fail(VX_ERR_OOM, "griffinlim: out of memory for %lld frames", (long long)frames);
        goto done;
    }
    vx_rng rng;
    vx_rng_init(&rng, opts->seed);
    vx_rng_uniform(&rng, angles, (size_t)count, 0.0f, (float)(2 * M_PI));
    for (int64_t i = count - 1; i >= 0; i--) { /* phase -> phasor, back to front in place */
        float a = angles[i];
        angles[2 * i] = cosf(a);
        angles[2 * i + 1] = sinf(a);
    }
    double keep = opts->momentum / (1.0 + opts->momentum);
    for (int it = 0; it < opts->n_iter; it++) {
        for (int64_t i = 0; i < count; i++) {
            spec[2 * i] = mag[i] * angles[2 * i];
            spec[2 * i + 1] = mag[i] * angles[2 * i + 1];
        }
        if ((st = vx_istft(plan, spec, frames, sig, n_sig)) || (st = vx_stft_forward(plan, sig, n_sig, spec)))
            goto done;
        if (convergence) {
            magnitudes(spec, count, est);
            convergence[it] = (float)vx_spectral_convergence(mag, est, count);
        }
        for (int64_t i = 0; i < 2 * count; i += 2) {
            double re = spec[i] - keep * prev[i], im = spec[i + 1] - keep * prev[i + 1];
            double norm = hypot(re, im) + 1e-16;
            angles[i] = (float)(re / norm);
            angles[i + 1] = (float)(im / norm);
            prev[i] = spec[i];
            prev[i + 1] = spec[i + 1];
        }
    }
    for (int64_t i = 0; i < count; i++) {
        spec[2 * i] = mag[i] * angles[2 * i];
        spec[2 * i + 1] = mag[i] * angles[2 * i + 1];
    }
    st = vx_istft(plan, spec, frames, y, n_out);
done:
    free(angles);
    free(spec);
    free(prev);
    free(sig);
    free(est);
    return st;
}

/* Cholesky factorisation in place of the SPD matrix a [n, n] (lower triangle). */
static int cholesky(double *a, int n)
{
    for (int j = 0; j < n; j++) {
        double d = a[j * n + j];
        for (int k = 0; k < j; k++)
            d -= a[j * n + k] * a[j * n + k];
        if (!(d > 0))
            return -1;
        a[j * n + j] = sqrt(d);
        for (int i = j + 1; i < n; i++) {
            double s = a[i * n + j];
            for (int k = 0; k < j; k++)
                s -= a[i * n + k] * a[j * n + k];
            a[i * n + j] = s / a[j * n + j];
        }
    }
    return 0;
}

float *vx_mel_pseudo_inverse(const float *fb, int n_mels, int n_bins)
{
    if (!fb || n_mels < 1 || n_bins < 1)
        return vx_fail_null(VX_ERR_ARG, "mel_pseudo_inverse: need a filterbank with n_mels, n_bins >= 1");
    double *gram = malloc((size_t)n_mels * n_mels * sizeof(double)); /* [n_mels, n_mels] */
    double *col = malloc((size_t)n_mels * sizeof(double));
    float *pinv = malloc((size_t)n_bins * n_mels * sizeof(float));   /* [n_bins, n_mels] */
    if (!gram || !col || !pinv) {
        free(gram);
        free(col);
        free(pinv);
        return vx_fail_null(VX_ERR_OOM, "mel_pseudo_inverse: out of memory");
    }
    double trace = 0;
    for (int i = 0; i < n_mels; i++)
        for (int j = 0; j <= i; j++) {
            double s = 0;
            for (int k = 0; k < n_bins; k++)
                s += (double)fb[(size_t)i * n_bins + k] * fb[(size_t)j * n_bins + k];
            gram[i * n_mels + j] = gram[j * n_mels + i] = s;
            if (i == j)
                trace += s;
        }
    double lambda = 1e-10 * (trace > 0 ? trace / n_mels : 1.0);
    for (int i = 0; i < n_mels; i++)
        gram[i * n_mels + i] += lambda;
    if (cholesky(gram, n_mels) != 0) {
        free(gram);
        free(col);
        free(pinv);
        return vx_fail_null(VX_ERR_NUMERIC, "mel_pseudo_inverse: the filterbank's Gram matrix is not positive definite");
    }
    /* column k of fb (length n_mels) -> solve L L^T c = fb[:, k]; pinv[k, :] = c */
    for (int k = 0; k < n_bins; k++) {
        for (int i = 0; i < n_mels; i++) {
            double s = fb[(size_t)i * n_bins + k];
            for (int j = 0; j < i; j++)
                s -= gram[i * n_mels + j] * col[j];
            col[i] = s / gram[i * n_mels + i];
        }
        for (int i = n_mels - 1; i >= 0; i--) {
            double s = col[i];
            for (int j = i + 1; j < n_mels; j++)
                s -= gram[j * n_mels + i] * col[j];
            col[i] = s / gram[i * n_mels + i];
        }
        for (int i = 0; i < n_mels; i++)
            pinv[(size_t)k * n_mels + i] = (float)col[i];
    }
    free(gram);
    free(col);
    return pinv;
}

void vx_mel_to_magnitude(const float *pinv, int n_mels, int n_bins, const float *mel, int64_t frames, float *mag)
{
    for (int64_t t = 0; t < frames; t++)
        for (int k = 0; k < n_bins; k++) {
            double s = 0;
            for (int i = 0; i < n_mels; i++)
                s += (double)pinv[(size_t)k * n_mels + i] * mel[(size_t)t * n_mels + i];
            mag[(size_t)t * n_bins + k] = s > 0 ? (float)s : 0.0f;
        }
}

vx_status vx_griffinlim_from_logmel(vx_logmel *lm, const float *logmel, int64_t frames,
                                    const vx_griffinlim_opts *opts, float *y, int64_t n_out, float *convergence)
{
    int n_mels = vx_logmel_config(lm)->mel.n_mels;
    vx_stft *plan = vx_logmel_stft(lm);
    int bins = vx_stft_bins(plan);
    if (!logmel || frames < 1)
        return vx_fail(VX_ERR_ARG, "griffinlim_from_logmel: need at least one frame");
    float *pinv = vx_mel_pseudo_inverse(vx_logmel_filterbank(lm), n_mels, bins);
    float *mel = malloc((size_t)frames * n_mels * sizeof(float));
    float *mag = malloc((size_t)frames * bins * sizeof(float));
    vx_status st = VX_OK;
    if (!pinv) {
        st = vx_last_status();
    } else if (!mel || !mag) {
        st = vx_fail(VX_ERR_OOM, "griffinlim_from_logmel: out of memory for %lld frames", (long long)frames);
    } else {
        for (int64_t i = 0; i < frames * n_mels; i++)
            mel[i] = expf(logmel[i]);
        vx_mel_to_magnitude(pinv, n_mels, bins, mel, frames, mag);
        st = vx_griffinlim(plan, mag, frames, opts, y, n_out, convergence);
    }
    free(pinv);
    free(mel);
    free(mag);
    return st;
}
