/* fftconv.h — "same" 1-D convolutions of many channels through the FFT
 * (overlap-save), for the wide-kernel convolutions of a HiFi-GAN / VITS
 * decoder at inference.
 *
 * A stride-1 convolution with K taps `dilation` apart is, on each of its
 * `dilation` phases (the samples t ≡ p mod dilation), a plain K-tap
 * correlation. Each phase is cut into tiles of n samples overlapping by
 * K − 1; per tile
 *   X_ci = FFT(act(x_ci)),   Y_co[f] = Σ_ci conj(W_co,ci[f]) · X_ci[f],
 *   y_co = IFFT(Y_co)[0 .. n − K]   (the n − K + 1 outputs that do not wrap)
 * and the sum over ci is one matrix product per frequency bin over many
 * tiles at once — where the time goes: 2n − 2 multiply-adds per (co, ci)
 * pair for n − K + 1 outputs against K per output directly (3.9× fewer for
 * K = 11, n = 32, 4.7× for n = 64; 2.9× for K = 7, n = 32). Two real channels share one complex
 * FFT (x_a + i·x_b) and are told apart afterwards; complex bins are one
 * real product [Re W | Im W] · [[Xr, Xi], [Xi, −Xr]] (A: Cout × 2·Cin).
 * ref: Oppenheim & Schafer, "Discrete-Time Signal Processing" §8.7.3
 * (overlap-save); Cooley & Tukey 1965 (radix-2 FFT); Lavin & Gray 2016 (a
 * fast convolution as batched products in the transform domain).
 *
 * The results differ from the direct convolution's by rounding (up to
 * 2.7e-7 of the output's peak measured, 1e-6 asserted: tests/test_fftconv.c). Unlike the direct GEMM's they
 * depend on where the tiles fall, so a signal cut into chunks does not give
 * the same bits. */
#ifndef VX_FFTCONV_H
#define VX_FFTCONV_H

#include <stdbool.h>
#include <stdint.h>

#include "core/kernels/gemm.h"

#define VX_FFTCONV_MAX_N 64   /* largest FFT size                                */
#define VX_FFTCONV_LANES 16   /* tiles transformed together (one AVX-512 vector) */

typedef struct vx_fftconv {
    int64_t cout, cin, kernel, dilation; /* cout and cin even               */
    int n, step;               /* FFT size (a power of 2 > kernel); outputs per tile, n − kernel + 1 */
    int lanes;                 /* tiles per pass, a multiple of VX_FFTCONV_LANES */
    vx_gemm_packed bin[VX_FFTCONV_MAX_N / 2 + 1]; /* bins 0 and n/2: Re W [cout, cin]; */
                                                  /* the others [Re W | Im W] [cout, 2·cin] */
    float tw_re[VX_FFTCONV_MAX_N / 2][VX_FFTCONV_LANES]; /* e^(−2πik/n), one copy  */
    float tw_im[VX_FFTCONV_MAX_N / 2][VX_FFTCONV_LANES]; /* per lane (no broadcasts) */
    unsigned char rev[VX_FFTCONV_MAX_N]; /* bit reversal of log2(n) bits   */
} vx_fftconv;

/* True when a conv of this shape can run here: even channel counts, at most
 * 1024 input channels, an odd kernel (so "same" padding is symmetric)
 * shorter than n, n a power of 2 in [8, VX_FFTCONV_MAX_N]. */
bool vx_fftconv_fits(int64_t cout, int64_t cin, int64_t kernel, int n);

/* Floats of packed weights the plan needs (with the GEMM version now in use). */
int64_t vx_fftconv_weight_floats(int64_t cout, int64_t cin, int n);

/* Plan the conv of w [cout, cin, kernel] (dilation ≥ 1) with FFT size n
 * (vx_fftconv_fits must hold), its weights' spectra packed into buf
 * (64-byte aligned, vx_fftconv_weight_floats floats, kept by the caller). */
void vx_fftconv_init(vx_fftconv *p, const float *w, int64_t cout, int64_t cin, int64_t kernel, int64_t dilation,
                     int n, float *buf);

/* Floats of scratch vx_fftconv_run needs (the spectra of one pass of tiles). */
int64_t vx_fftconv_scratch_floats(const vx_fftconv *p);

/* y [cout, T] = start + conv(act(x)) for x [cin, T], "same" padding
 * (dilation·(kernel − 1)/2 each side, zeros), act(v) = leaky_relu(scale·v,
 * slope) (scale 1, slope 1: the identity). start as for the GEMM
 * (gemm.h: bias, residual [cout, T] with row stride ldr, add y's own
 * values); NULL: y += conv. y must not overlap x. scratch: 64-byte aligned,
 * vx_fftconv_scratch_floats floats. Threads split channels and bins. */
void vx_fftconv_run(const vx_fftconv *p, const float *x, int64_t T, float scale, float slope,
                    const vx_gemm_start *start, float *y, float *scratch);

/* Kernel lab of the per-tile work (fftconv_lanes.h): 1 portable C, 2 AVX2,
 * 3 AVX-512, 0 auto (the widest this CPU runs; the default). An unsupported
 * version falls back to auto. Process-wide; not while a conv runs. */
bool vx_fftconv_impl_supported(int impl);
void vx_fftconv_set_impl(int impl);

#endif
