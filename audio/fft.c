/* fft.c — complex and real FFT plans: radix-2 for powers of two, Bluestein for
 * the rest, real transforms through a half-size complex FFT. */
#include "audio/fft.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"

struct vx_fft {
    int n;
    /* power-of-two sizes */
    int *bitrev;      /* [n] bit-reversed index             */
    double *twiddle;  /* [n/2, 2] e^{-2 pi i k / n}         */
    /* Bluestein (n not a power of two) */
    vx_fft *inner;    /* power-of-two plan of size m >= 2n-1 */
    double *chirp;    /* [n, 2] e^{-pi i k^2 / n}            */
    double *kernel;   /* [m, 2] FFT of the conjugate chirp, already divided by m */
    double *work;     /* [m, 2]                              */
};

struct vx_rfft {
    int n;
    vx_fft *half;     /* size n/2 (even n) or n (odd n)      */
    double *twiddle;  /* [n/2 + 1, 2] e^{-2 pi i k / n}, even n */
    double *work;     /* [n/2 or n, 2]                        */
};

static int is_pow2(int n) { return n > 0 && (n & (n - 1)) == 0; }

static void *alloc_doubles(size_t count) { return malloc((count ? count : 1) * sizeof(double)); }

/* e^{-pi i num / den} with num reduced modulo 2 den, so large k^2 keep precision. */
static void unit_phase(int64_t num, int64_t den, double *re, double *im)
{
    num %= 2 * den;
    double a = M_PI * (double)num / (double)den;
    *re = cos(a);
    *im = -sin(a);
}

void vx_fft_free(vx_fft *plan)
{
    if (!plan)
        return;
    free(plan->bitrev);
    free(plan->twiddle);
    vx_fft_free(plan->inner);
    free(plan->chirp);
    free(plan->kernel);
    free(plan->work);
    free(plan);
}

static vx_fft *oom(vx_fft *plan, int n)
{
    vx_fft_free(plan);
    return vx_fail_null(VX_ERR_OOM, "fft: out of memory planning size %d", n);
}

static vx_status init_pow2(vx_fft *p)
{
    int n = p->n, bits = 0;
    while ((1 << bits) < n)
        bits++;
    p->bitrev = malloc((size_t)n * sizeof(int));
    p->twiddle = alloc_doubles((size_t)n);
    if (!p->bitrev || !p->twiddle)
        return VX_ERR_OOM;
    for (int i = 0; i < n; i++) {
        int r = 0;
        for (int b = 0; b < bits; b++)
            r |= ((i >> b) & 1) << (bits - 1 - b);
        p->bitrev[i] = r;
    }
    for (int k = 0; k < n / 2; k++)
        unit_phase(2 * (int64_t)k, n, &p->twiddle[2 * k], &p->twiddle[2 * k + 1]);
    return VX_OK;
}

/* ref: Bluestein (1970): X[k] = c[k] sum_j (x[j] c[j]) conj(c[k - j]),
 * c[k] = e^{-pi i k^2 / n}, the sum a circular convolution of size m >= 2n - 1. */
static vx_status init_bluestein(vx_fft *p)
{
    int n = p->n, m = 1;
    while (m < 2 * n - 1)
        m <<= 1;
    p->inner = vx_fft_new(m);
    p->chirp = alloc_doubles(2 * (size_t)n);
    p->kernel = calloc(2 * (size_t)m, sizeof(double));
    p->work = alloc_doubles(2 * (size_t)m);
    if (!p->inner || !p->chirp || !p->kernel || !p->work)
        return VX_ERR_OOM;
    for (int k = 0; k < n; k++)
        unit_phase((int64_t)k * k, n, &p->chirp[2 * k], &p->chirp[2 * k + 1]);
    for (int k = 0; k < n; k++) {
        double re = p->chirp[2 * k] / m, im = -p->chirp[2 * k + 1] / m;
        p->kernel[2 * k] = re;
        p->kernel[2 * k + 1] = im;
        if (k > 0) {
            p->kernel[2 * (m - k)] = re;
            p->kernel[2 * (m - k) + 1] = im;
        }
    }
    vx_fft_forward(p->inner, p->kernel);
    return VX_OK;
}

vx_fft *vx_fft_new(int n)
{
    if (n < 1)
        return vx_fail_null(VX_ERR_ARG, "fft: size %d must be >= 1", n);
    if (n > (1 << 28))
        return vx_fail_null(VX_ERR_ARG, "fft: size %d is larger than the supported 2^28", n);
    vx_fft *p = calloc(1, sizeof *p);
    if (!p)
        return oom(NULL, n);
    p->n = n;
    if ((is_pow2(n) ? init_pow2(p) : init_bluestein(p)) != VX_OK)
        return oom(p, n);
    return p;
}

int vx_fft_size(const vx_fft *plan) { return plan->n; }

/* Iterative decimation-in-time radix-2 butterflies on bit-reversed input. */
static void radix2(const vx_fft *p, double *d)
{
    int n = p->n;
    for (int i = 0; i < n; i++) {
        int j = p->bitrev[i];
        if (j > i) {
            double tr = d[2 * i], ti = d[2 * i + 1];
            d[2 * i] = d[2 * j];
            d[2 * i + 1] = d[2 * j + 1];
            d[2 * j] = tr;
            d[2 * j + 1] = ti;
        }
    }
    for (int len = 2; len <= n; len <<= 1) {
        int half = len / 2, step = n / len;
        for (int start = 0; start < n; start += len) {
            for (int k = 0; k < half; k++) {
                double wr = p->twiddle[2 * k * step], wi = p->twiddle[2 * k * step + 1];
                double *a = d + 2 * (start + k), *b = d + 2 * (start + k + half);
                double br = b[0] * wr - b[1] * wi, bi = b[0] * wi + b[1] * wr;
                b[0] = a[0] - br;
                b[1] = a[1] - bi;
                a[0] += br;
                a[1] += bi;
            }
        }
    }
}

static void bluestein(vx_fft *p, double *d)
{
    int n = p->n, m = p->inner->n;
    double *w = p->work;
    for (int k = 0; k < n; k++) {
        double cr = p->chirp[2 * k], ci = p->chirp[2 * k + 1];
        w[2 * k] = d[2 * k] * cr - d[2 * k + 1] * ci;
        w[2 * k + 1] = d[2 * k] * ci + d[2 * k + 1] * cr;
    }
    memset(w + 2 * n, 0, 2 * (size_t)(m - n) * sizeof(double));
    vx_fft_forward(p->inner, w);
    for (int k = 0; k < m; k++) {
        double ar = w[2 * k], ai = w[2 * k + 1];
        double br = p->kernel[2 * k], bi = p->kernel[2 * k + 1];
        /* multiply, then conjugate: the inverse below is conj(FFT(conj(.))) */
        w[2 * k] = ar * br - ai * bi;
        w[2 * k + 1] = -(ar * bi + ai * br);
    }
    vx_fft_forward(p->inner, w); /* conj of the (unscaled) inverse; 1/m is in the kernel */
    for (int k = 0; k < n; k++) {
        double zr = w[2 * k], zi = -w[2 * k + 1];
        double cr = p->chirp[2 * k], ci = p->chirp[2 * k + 1];
        d[2 * k] = zr * cr - zi * ci;
        d[2 * k + 1] = zr * ci + zi * cr;
    }
}

void vx_fft_forward(vx_fft *plan, double *data)
{
    if (plan->n == 1)
        return;
    if (plan->inner)
        bluestein(plan, data);
    else
        radix2(plan, data);
}

/* ifft(x) = conj(fft(conj(x))) / n */
void vx_fft_inverse(vx_fft *plan, double *data)
{
    int n = plan->n;
    for (int k = 0; k < n; k++)
        data[2 * k + 1] = -data[2 * k + 1];
    vx_fft_forward(plan, data);
    double scale = 1.0 / n;
    for (int k = 0; k < n; k++) {
        data[2 * k] *= scale;
        data[2 * k + 1] *= -scale;
    }
}

/* --- real transforms ------------------------------------------------------ */

void vx_rfft_free(vx_rfft *plan)
{
    if (!plan)
        return;
    vx_fft_free(plan->half);
    free(plan->twiddle);
    free(plan->work);
    free(plan);
}

vx_rfft *vx_rfft_new(int n)
{
    if (n < 1)
        return vx_fail_null(VX_ERR_ARG, "rfft: size %d must be >= 1", n);
    vx_rfft *p = calloc(1, sizeof *p);
    if (!p)
        return vx_fail_null(VX_ERR_OOM, "rfft: out of memory planning size %d", n);
    p->n = n;
    int even = n % 2 == 0, inner = even ? n / 2 : n;
    p->half = vx_fft_new(inner);
    p->work = alloc_doubles(2 * (size_t)inner);
    if (even) {
        p->twiddle = alloc_doubles(2 * (size_t)(n / 2 + 1));
        if (p->twiddle)
            for (int k = 0; k <= n / 2; k++)
                unit_phase(2 * (int64_t)k, n, &p->twiddle[2 * k], &p->twiddle[2 * k + 1]);
    }
    if (!p->half || !p->work || (even && !p->twiddle)) {
        vx_rfft_free(p);
        return vx_fail_null(VX_ERR_OOM, "rfft: out of memory planning size %d", n);
    }
    return p;
}

int vx_rfft_size(const vx_rfft *plan) { return plan->n; }

/* ref: even n = 2h, z[j] = x[2j] + i x[2j+1], Z = FFT_h(z):
 *   E[k] = (Z[k] + conj Z[h-k]) / 2,  O[k] = (Z[k] - conj Z[h-k]) / 2i,
 *   X[k] = E[k] + e^{-2 pi i k / n} O[k],  k = 0..h  (Z[h] = Z[0]). */
void vx_rfft_forward(vx_rfft *plan, const double *in, double *out)
{
    int n = plan->n;
    double *z = plan->work;
    if (n % 2) {
        for (int j = 0; j < n; j++) {
            z[2 * j] = in[j];
            z[2 * j + 1] = 0;
        }
        vx_fft_forward(plan->half, z);
        memcpy(out, z, 2 * (size_t)(n / 2 + 1) * sizeof(double));
        return;
    }
    int h = n / 2;
    memcpy(z, in, (size_t)n * sizeof(double)); /* x[2j], x[2j+1] are re, im of z[j] */
    vx_fft_forward(plan->half, z);
    for (int k = 0; k <= h; k++) {
        int a = k % h, b = (h - k) % h;
        double zr = z[2 * a], zi = z[2 * a + 1], cr = z[2 * b], ci = -z[2 * b + 1];
        double er = 0.5 * (zr + cr), ei = 0.5 * (zi + ci);
        double dr = 0.5 * (zr - cr), di = 0.5 * (zi - ci);
        double orr = di, oi = -dr; /* (d) / i */
        double wr = plan->twiddle[2 * k], wi = plan->twiddle[2 * k + 1];
        out[2 * k] = er + wr * orr - wi * oi;
        out[2 * k + 1] = ei + wr * oi + wi * orr;
    }
}

/* Inverse of the split above: E[k] = (X[k] + conj X[h-k]) / 2,
 * O[k] = (X[k] - conj X[h-k]) / 2 * e^{+2 pi i k / n}, z = IFFT_h(E + i O). */
void vx_rfft_inverse(vx_rfft *plan, const double *in, double *out)
{
    int n = plan->n, h = n / 2;
    double *z = plan->work;
    if (n % 2) {
        for (int k = 0; k <= h; k++) {
            z[2 * k] = in[2 * k];
            z[2 * k + 1] = k ? in[2 * k + 1] : 0;
            if (k) {
                z[2 * (n - k)] = in[2 * k];
                z[2 * (n - k) + 1] = -in[2 * k + 1];
            }
        }
        vx_fft_inverse(plan->half, z);
        for (int j = 0; j < n; j++)
            out[j] = z[2 * j];
        return;
    }
    for (int k = 0; k < h; k++) {
        int b = h - k;
        double xr = in[2 * k], xi = (k == 0) ? 0 : in[2 * k + 1];
        double cr = in[2 * b], ci = (b == h) ? 0 : -in[2 * b + 1];
        double er = 0.5 * (xr + cr), ei = 0.5 * (xi + ci);
        double dr = 0.5 * (xr - cr), di = 0.5 * (xi - ci);
        double wr = plan->twiddle[2 * k], wi = -plan->twiddle[2 * k + 1];
        double orr = dr * wr - di * wi, oi = dr * wi + di * wr;
        z[2 * k] = er - oi; /* E + i O */
        z[2 * k + 1] = ei + orr;
    }
    vx_fft_inverse(plan->half, z);
    memcpy(out, z, (size_t)n * sizeof(double));
}
