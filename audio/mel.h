/* mel.h — mel filterbanks and the log-mel spectrogram of the HiFi-GAN / VITS recipe.
 *
 * Filterbanks follow librosa.filters.mel: triangles between n_mels + 2 points
 * evenly spaced on the mel scale (Slaney: linear below 1 kHz, logarithmic above;
 * or HTK: 2595 log10(1 + f / 700)), evaluated at the FFT bin frequencies; the
 * Slaney norm scales each triangle to unit area (2 / bandwidth in Hz).
 * Log-mel (ref: jik876/hifi-gan meldataset.py mel_spectrogram):
 *   mag = sqrt(re^2 + im^2 + 1e-9) of the reflect-padded STFT (center False),
 *   mel = filterbank . mag,   logmel = log(max(mel, 1e-5)).
 * Layouts: filterbank [n_mels, n_fft/2 + 1]; spectrograms are time-major
 * [frames, n_mels] (transpose for a model's [n_mels, T] input). */
#ifndef VX_AUDIO_MEL_H
#define VX_AUDIO_MEL_H

#include <stdint.h>

#include "audio/stft.h"
#include "core/status.h"

typedef enum vx_mel_scale {
    VX_MEL_SLANEY = 0, /* librosa default (htk=False) */
    VX_MEL_HTK,        /* htk=True                   */
} vx_mel_scale;

typedef enum vx_mel_norm {
    VX_MEL_NORM_SLANEY = 0, /* librosa default norm="slaney" */
    VX_MEL_NORM_NONE,       /* norm=None: peak 1 triangles    */
} vx_mel_norm;

typedef struct vx_mel_cfg {
    int sample_rate;   /* Hz                                 */
    int n_fft;         /* bins = n_fft / 2 + 1               */
    int n_mels;
    double fmin;       /* Hz                                 */
    double fmax;       /* Hz; <= 0 means sample_rate / 2     */
    vx_mel_scale scale;
    vx_mel_norm norm;
} vx_mel_cfg;

/* Hz <-> mel on the given scale (librosa.hz_to_mel / mel_to_hz). */
double vx_hz_to_mel(double hz, vx_mel_scale scale);
double vx_mel_to_hz(double mel, vx_mel_scale scale);

/* A malloc'd filterbank [n_mels, n_fft/2 + 1] (NULL + message on a bad cfg). */
float *vx_mel_filterbank(const vx_mel_cfg *cfg);

/* mel [frames, n_mels] = mag [frames, n_bins] . fb^T. */
void vx_mel_apply(const float *fb, int n_mels, int n_bins, const float *mag, int64_t frames,
                  float *mel);

typedef struct vx_logmel_cfg {
    vx_stft_cfg stft;
    vx_mel_cfg mel;    /* mel.n_fft must equal stft.n_fft     */
    float mag_eps;     /* added under the square root (1e-9)  */
    float log_floor;   /* clamp before the log (1e-5)         */
} vx_logmel_cfg;

/* sr 22050, n_fft 1024, win 1024, hop 256, pad 384 reflect, 80 mels,
 * fmin 0, fmax 8000, Slaney scale and norm, eps 1e-9, floor 1e-5. */
vx_logmel_cfg vx_logmel_cfg_hifigan(void);

typedef struct vx_logmel vx_logmel;

/* A plan holding the STFT plan and the filterbank. One plan per thread. */
vx_logmel *vx_logmel_new(const vx_logmel_cfg *cfg);
void vx_logmel_free(vx_logmel *lm);

const vx_logmel_cfg *vx_logmel_config(const vx_logmel *lm);
const float *vx_logmel_filterbank(const vx_logmel *lm); /* [n_mels, bins] */
vx_stft *vx_logmel_stft(vx_logmel *lm);                 /* the plan's STFT */

/* Frames for n samples (n / hop for the HiFi-GAN recipe). */
int64_t vx_logmel_frames(const vx_logmel *lm, int64_t n_samples);

/* x [n] -> logmel [frames, n_mels]; when `mag` is not NULL the linear
 * magnitudes [frames, bins] (sqrt(re^2 + im^2 + mag_eps)) are stored there too,
 * e.g. for vx_energy_from_magnitude. */
vx_status vx_logmel_compute(vx_logmel *lm, const float *x, int64_t n, float *logmel, float *mag);

/* Like vx_logmel_compute into a malloc'd [frames, n_mels] buffer; *n_frames is set. */
float *vx_logmel_alloc(vx_logmel *lm, const float *x, int64_t n, int64_t *n_frames);

#endif
