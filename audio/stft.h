/* stft.h — short-time Fourier transform and its inverse with a Hann window.
 *
 * The window is the periodic Hann window of torch.hann_window / librosa
 * ("hann", fftbins=True): w[n] = 0.5 - 0.5 cos(2 pi n / win_length), centred
 * in the n_fft frame when win_length < n_fft. Before framing, `pad` samples are
 * added to each side (reflect or zeros); frames start every `hop` samples of the
 * padded signal and never run past its end (torch/librosa center=False on the
 * padded signal):  frames = 1 + (n + 2 pad - n_fft) / hop.
 *   librosa/torch center=True  <=> pad = n_fft / 2
 *   HiFi-GAN / VITS mel recipe <=> pad = (n_fft - hop) / 2, reflect  (frames = n / hop)
 * Spectra are time-major: [frames, bins, 2] interleaved (re, im), bins = n_fft/2 + 1.
 * Arithmetic is done in double; inputs and outputs are float.
 * A plan owns scratch memory: use one plan per thread. */
#ifndef VX_AUDIO_STFT_H
#define VX_AUDIO_STFT_H

#include <stdint.h>

#include "core/ops.h" /* vx_pad_mode: VX_PAD_REFLECT, VX_PAD_CONSTANT */
#include "core/status.h"

typedef struct vx_stft_cfg {
    int n_fft;            /* frame and FFT size                                  */
    int win_length;       /* Hann window length, <= n_fft (0 means n_fft)        */
    int hop;              /* samples between frame starts                        */
    int pad;              /* samples added to each side before framing (>= 0)    */
    vx_pad_mode pad_mode; /* VX_PAD_REFLECT: x[-1] = x[1] (numpy/torch "reflect");
                             VX_PAD_CONSTANT: zeros (librosa >= 0.10 default) */
} vx_stft_cfg;

/* n_fft 1024, win 1024, hop 256, pad 384 reflect: the HiFi-GAN / VITS recipe. */
vx_stft_cfg vx_stft_cfg_hifigan(void);

typedef struct vx_stft vx_stft;

/* A plan: window and FFT twiddles computed once. NULL + message on a bad cfg. */
vx_stft *vx_stft_new(const vx_stft_cfg *cfg);
void vx_stft_free(vx_stft *plan);

const vx_stft_cfg *vx_stft_config(const vx_stft *plan);
int vx_stft_bins(const vx_stft *plan);            /* n_fft / 2 + 1 */
const float *vx_stft_window(const vx_stft *plan); /* [n_fft], zero outside the window */

/* Frames produced for n samples; 0 when the padded signal is shorter than n_fft. */
int64_t vx_stft_frames(const vx_stft *plan, int64_t n_samples);

/* x [n] -> spec [frames, bins, 2]. Fails (VX_ERR_ARG) when x gives no frame or
 * when reflect padding needs pad < n. */
vx_status vx_stft_forward(vx_stft *plan, const float *x, int64_t n, float *spec);

/* x [n] -> mag [frames, bins] with mag = sqrt(re^2 + im^2 + eps)
 * (eps = 1e-9 in the HiFi-GAN recipe; 0 gives the plain magnitude). */
vx_status vx_stft_magnitude(vx_stft *plan, const float *x, int64_t n, float eps, float *mag);

/* Length of the signal that `frames` frames span once both paddings are removed
 * (torch.istft's default length): (frames - 1) * hop + n_fft - 2 * pad
 * (0 when that is negative). Its STFT has `frames` frames again. */
int64_t vx_istft_length(const vx_stft *plan, int64_t frames);

/* spec [frames, bins, 2] -> y [n_out]: inverse FFT of each frame, windowed
 * overlap-add divided by the summed squared window (least-squares inverse, as
 * torch.istft), the left padding removed: y[i] is padded sample i + pad. Samples
 * past the end of the last frame ((frames - 1) hop + n_fft - pad), or where the
 * summed window is ~0, are 0. ISTFT(STFT(x)) == x to float precision. */
vx_status vx_istft(vx_stft *plan, const float *spec, int64_t frames, float *y, int64_t n_out);

#endif
