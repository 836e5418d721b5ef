/* fft.h — fast Fourier transforms in double precision, any size.
 *
 * Complex plans: iterative radix-2 for powers of two, Bluestein's chirp-z
 * transform (through a power-of-two plan) for every other size. Real plans of
 * even size n run one complex FFT of size n/2 plus a split step; odd sizes use
 * a complex FFT of size n. Twiddles and chirps are computed once per plan.
 *
 * Conventions (as numpy.fft): forward X[k] = sum_n x[n] e^{-2 pi i k n / N};
 * inverse carries the 1/N, so inverse(forward(x)) == x.
 * Complex data is interleaved (re, im): [n, 2].
 * A plan owns scratch memory: use one plan per thread. */
#ifndef VX_AUDIO_FFT_H
#define VX_AUDIO_FFT_H

typedef struct vx_fft vx_fft;
typedef struct vx_rfft vx_rfft;

/* A complex plan for size n >= 1 (NULL + message on bad n or no memory). */
vx_fft *vx_fft_new(int n);
void vx_fft_free(vx_fft *plan);
int vx_fft_size(const vx_fft *plan);

/* In-place transforms of data [n, 2]. */
void vx_fft_forward(vx_fft *plan, double *data);
void vx_fft_inverse(vx_fft *plan, double *data);

/* A real plan for size n >= 1. */
vx_rfft *vx_rfft_new(int n);
void vx_rfft_free(vx_rfft *plan);
int vx_rfft_size(const vx_rfft *plan);

/* in [n] real -> out [n/2 + 1, 2] (the non-negative frequencies). */
void vx_rfft_forward(vx_rfft *plan, const double *in, double *out);
/* in [n/2 + 1, 2] -> out [n] real; imaginary parts of bin 0 (and of bin n/2
 * for even n) are ignored, as numpy.fft.irfft does. */
void vx_rfft_inverse(vx_rfft *plan, const double *in, double *out);

#endif
