/* resample.h — band-limited sample-rate conversion by any rational ratio.
 *
 * A polyphase windowed-sinc filter (Kaiser window, beta 7.857 for an 80 dB
 * design): with L / M = rate_out / rate_in in lowest terms, output sample n is
 * the filtered input evaluated at time n M / L (input samples), zero delay,
 * zeros beyond both ends. The cutoff sits at 0.95 of the lower rate's Nyquist
 * frequency with a transition band from 0.9 to 1.0 of it, so the filter spans
 * about 100 samples of the lower rate. Coefficients for all L phases are
 * tabulated once per plan (L * taps <= 2^24 entries, which covers any two
 * integer rates up to 160 kHz).
 *
 * Measured with steady-state tones (double-precision sines, least-squares
 * fits over the middle half of 0.5 s signals) for 22050 <-> 16000, 24000,
 * 44100, 48000 and 44100 <-> 48000, 48000 -> 16000:
 *   passband ripple, 0.02 .. 0.9 x the lower Nyquist:  <= 0.0008 dB
 *   tones from 1.0 x the new Nyquist up to the old one:  >= 84 dB down
 *   images when upsampling, same passband tones:        >= 89 dB down
 * tests/test_audio.c asserts ripple <= 0.01 dB, stopband and images >= 80 dB.
 * A plan is read-only after creation and may be shared between threads. */
#ifndef VX_AUDIO_RESAMPLE_H
#define VX_AUDIO_RESAMPLE_H

#include <stdint.h>

#include "core/status.h"

typedef struct vx_resampler vx_resampler;

/* A plan for rate_in -> rate_out Hz (both >= 1). NULL + message when the
 * rates are invalid or their ratio needs too large a table. */
vx_resampler *vx_resampler_new(int rate_in, int rate_out);
void vx_resampler_free(vx_resampler *r);

/* Output length for n_in input samples: ceil(n_in * rate_out / rate_in). */
int64_t vx_resample_length(const vx_resampler *r, int64_t n_in);

/* in [n_in] -> out [n_out]; n_out may be any length (samples past the input's
 * end decay to 0), normally vx_resample_length(r, n_in). */
vx_status vx_resampler_run(const vx_resampler *r, const float *in, int64_t n_in, float *out,
                           int64_t n_out);

/* One-shot conversion into a malloc'd buffer; *n_out is set. */
float *vx_resample(const float *in, int64_t n_in, int rate_in, int rate_out, int64_t *n_out);

#endif
