/* griffinlim.h — phase reconstruction from magnitude spectrograms.
 *
 * Fast Griffin-Lim (ref: Griffin & Lim 1984; Perraudin, Balazs & Sondergaard
 * 2013, as librosa.griffinlim): alternate iSTFT and STFT, keep the target
 * magnitude, take the phase of the re-analysed spectrum with momentum. A log-mel
 * spectrogram is first mapped back to a linear magnitude with the ridge
 * pseudo-inverse of its filterbank, clamped at 0. */
#ifndef VX_AUDIO_GRIFFINLIM_H
#define VX_AUDIO_GRIFFINLIM_H

#include <stdint.h>

#include "audio/mel.h"
#include "audio/stft.h"
#include "core/status.h"

typedef struct vx_griffinlim_opts {
    int n_iter;       /* iterations (librosa default 32)                   */
    float momentum;   /* 0.99 = fast Griffin-Lim (librosa default), 0 = classic */
    uint64_t seed;    /* initial phases are uniform random from this seed */
} vx_griffinlim_opts;

/* mag [frames, bins] (bins of `plan`) -> y [n_out]. When `convergence` is not
 * NULL it receives n_iter values: the spectral convergence of the estimate
 * entering each iteration (convergence[0] is the random-phase start). */
vx_status vx_griffinlim(vx_stft *plan, const float *mag, int64_t frames, const vx_griffinlim_opts *opts, float *y,
                        int64_t n_out, float *convergence);

/* ||target - estimate||_F / ||target||_F over count values (0 when target is 0). */
double vx_spectral_convergence(const float *target, const float *estimate, int64_t count);

/* The ridge pseudo-inverse of a filterbank fb [n_mels, n_bins]:
 * pinv [n_bins, n_mels] = fb^T (fb fb^T + lambda I)^-1, lambda 1e-10 x the mean
 * diagonal (keeps empty filters harmless). malloc'd; NULL + message on failure. */
float *vx_mel_pseudo_inverse(const float *fb, int n_mels, int n_bins);

/* mag [frames, n_bins] = max(0, pinv . mel) for a linear mel [frames, n_mels]. */
void vx_mel_to_magnitude(const float *pinv, int n_mels, int n_bins, const float *mel, int64_t frames, float *mag);

/* Griffin-Lim from a log-mel spectrogram [frames, n_mels] computed with `lm`:
 * exp, pseudo-inverse, then vx_griffinlim with the plan's STFT. */
vx_status vx_griffinlim_from_logmel(vx_logmel *lm, const float *logmel, int64_t frames,
                                    const vx_griffinlim_opts *opts, float *y, int64_t n_out, float *convergence);

#endif
