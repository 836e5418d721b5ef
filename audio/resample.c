/* resample.c — polyphase Kaiser-windowed-sinc sample-rate conversion. */
#include "audio/resample.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Design, in units of the lower of the two rates (ref: Kaiser 1974; Oppenheim &
 * Schafer, Discrete-Time Signal Processing, 7.6): transition band from 0.9 to
 * 1.0 x Nyquist, i.e. 0.05 cycles/sample wide, centred on the cutoff. */
#define DESIGN_ATTEN_DB 80.0
#define DESIGN_CUTOFF 0.475     /* cycles per low-rate sample (0.95 x Nyquist) */
#define DESIGN_TRANSITION 0.05  /* cycles per low-rate sample                  */
#define MAX_TABLE (1 << 24)     /* phases x taps                               */

struct vx_resampler {
    int64_t up, down;  /* L, M: rate_out / rate_in = L / M in lowest terms */
    int half;          /* K: taps reach K input samples each side          */
    int taps;          /* 2 K                                              */
    float *table;      /* [L, taps]; empty when L == M (a plain copy)      */
};

static int64_t gcd64(int64_t a, int64_t b)
{
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* Modified Bessel function of the first kind, order 0 (power series). */
static double bessel_i0(double x)
{
    double sum = 1, term = 1, q = x * x / 4;
    for (int k = 1; k < 200 && term > 1e-17 * sum; k++) {
        term *= q / ((double)k * k);
        sum += term;
    }
    return sum;
}

void vx_resampler_free(vx_resampler *r)
{
    if (!r)
        return;
    free(r->table);
    free(r);
}

vx_resampler *vx_resampler_new(int rate_in, int rate_out)
{
    if (rate_in < 1 || rate_out < 1)
        return vx_fail_null(VX_ERR_ARG, "resample: rates must be >= 1 Hz (got %d -> %d)", rate_in, rate_out);
    vx_resampler *r = calloc(1, sizeof *r);
    if (!r)
        return vx_fail_null(VX_ERR_OOM, "resample: out of memory");
    int64_t g = gcd64(rate_in, rate_out);
    r->up = rate_out / g;
    r->down = rate_in / g;
    if (r->up == r->down)
        return r;
    /* ref: Kaiser's estimates beta = 0.1102 (A - 8.7) and
     * length N = (A - 7.95) / (14.36 df), df in cycles per sample. */
    double beta = 0.1102 * (DESIGN_ATTEN_DB - 8.7);
    double half_width = (DESIGN_ATTEN_DB - 7.95) / (14.36 * DESIGN_TRANSITION) / 2; /* low-rate samples */
    double s = r->up < r->down ? (double)r->up / r->down : 1.0; /* low rate / input rate */
    r->half = (int)ceil(half_width / s);
    r->taps = 2 * r->half;
    if ((double)r->up * r->taps > MAX_TABLE) {
        vx_fail(VX_ERR_UNSUPPORTED,
                "resample: %d -> %d Hz reduces to %lld/%lld, which needs a filter table beyond %d entries; "
                "resample through an intermediate rate",
                rate_in, rate_out, (long long)r->up, (long long)r->down, MAX_TABLE);
        vx_resampler_free(r);
        return NULL;
    }
    r->table = malloc((size_t)r->up * r->taps * sizeof(float));
    if (!r->table) {
        vx_resampler_free(r);
        return vx_fail_null(VX_ERR_OOM, "resample: out of memory for the filter table");
    }
    /* ref: h(t) = s 2fc sinc(2fc s t) kaiser(s t / half_width), t in input samples;
     * tap j of phase p multiplies x[base - K + 1 + j] at t = p / L + K - 1 - j. */
    double i0_beta = bessel_i0(beta);
    for (int64_t p = 0; p < r->up; p++) {
        for (int j = 0; j < r->taps; j++) {
            double t = s * ((double)p / r->up + r->half - 1 - j); /* low-rate samples */
            double u = t / half_width, h = 0;
            if (fabs(u) < 1) {
                double arg = 2 * DESIGN_CUTOFF * t;
                double sinc = arg == 0 ? 1.0 : sin(M_PI * arg) / (M_PI * arg);
                h = s * 2 * DESIGN_CUTOFF * sinc * bessel_i0(beta * sqrt(1 - u * u)) / i0_beta;
            }
            r->table[p * r->taps + j] = (float)h;
        }
    }
    return r;
}

int64_t vx_resample_length(const vx_resampler *r, int64_t n_in)
{
    if (n_in <= 0)
        return 0;
    return (n_in * r->up + r->down - 1) / r->down;
}

vx_status vx_resampler_run(const vx_resampler *r, const float *in, int64_t n_in, float *out, int64_t n_out)
{
    if (!in || n_in < 0 || n_out < 0)
        return vx_fail(VX_ERR_ARG, "resample: bad buffer (n_in %lld, n_out %lld)", (long long)n_in,
                       (long long)n_out);
    if (!r->table) {
        for (int64_t n = 0; n < n_out; n++)
            out[n] = n < n_in ? in[n] : 0.0f;
        return VX_OK;
    }
    for (int64_t n = 0; n < n_out; n++) {
        int64_t pos = n * r->down;
        int64_t base = pos / r->up, phase = pos % r->up;
        const float *h = r->table + phase * r->taps;
        int64_t first = base - r->half + 1; /* input index of tap 0 */
        int64_t j0 = first < 0 ? -first : 0, j1 = n_in - first; /* taps inside [0, n_in) */
        if (j1 > r->taps)
            j1 = r->taps;
        double acc = 0;
        for (int64_t j = j0; j < j1; j++)
            acc += (double)h[j] * in[first + j];
        out[n] = (float)acc;
    }
    return VX_OK;
}

float *vx_resample(const float *in, int64_t n_in, int rate_in, int rate_out, int64_t *n_out)
{
    *n_out = 0;
    vx_resampler *r = vx_resampler_new(rate_in, rate_out);
    if (!r)
        return NULL;
    int64_t len = vx_resample_length(r, n_in);
    float *out = malloc((size_t)(len > 0 ? len : 1) * sizeof(float));
    if (!out) {
        vx_resampler_free(r);
        return vx_fail_null(VX_ERR_OOM, "resample: out of memory for %lld samples", (long long)len);
    }
    if (vx_resampler_run(r, in, n_in, out, len) != VX_OK) {
        free(out);
        out = NULL;
    } else {
        *n_out = len;
    }
    vx_resampler_free(r);
    return out;
}
