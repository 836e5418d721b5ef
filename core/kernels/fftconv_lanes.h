/* fftconv_lanes.h — the per-tile work of fftconv.c, VX_FFTCONV_LANES tiles
 * at once (tile l of a group in lane l of every vector):
 *   forward: gather two input channels' tiles (activated, zero outside the
 *            signal) as x_a + i·x_b, FFT, split into X_a and X_b, and store
 *            them as the rows [Xr | Xi | −Xr] of the bins' right operands;
 *   inverse: merge two output channels' spectra Y_a + i·Y_b, inverse FFT,
 *            and add the n − K + 1 unwrapped outputs of each tile into y.
 * Written once over GCC/Clang vector types and included by fftconv.c (the
 * portable build), fftconv_avx2.c and fftconv_avx512.c, which first define
 * FFTCONV_NAME(name) (the exported function's name for that build).
 * ref: Cooley & Tukey 1965 (radix-2, decimation in time);
 * Numerical Recipes §12.3 (two real FFTs through one complex FFT). */
#include <stdint.h>
#include <string.h>

#include "core/kernels/fftconv_job.h"

#define LANES VX_FFTCONV_LANES
typedef float lanes_f __attribute__((vector_size(LANES * sizeof(float))));

/* Vectors move through memcpy (unaligned); macros, not functions, since a
 * function taking or returning a 64-byte vector has an ABI that depends on
 * the build. */
#define LOAD_LANES(v, src) memcpy(&(v), (src), sizeof(lanes_f))
#define STORE_LANES(dst, v)                                                                                   \
    do {                                                                                                       \
        lanes_f v_ = (v);                                                                                      \
        memcpy((dst), &v_, sizeof v_);                                                                         \
    } while (0)

typedef int32_t lanes_i __attribute__((vector_size(LANES * sizeof(int32_t))));

/* Every lane set to x (the vector operations below never mix in a scalar:
 * with vectors wider than the ISA's, compilers build such broadcasts badly). */
static inline void broadcast(lanes_f *v, float x)
{
    for (int l = 0; l < LANES; l++)
        (*v)[l] = x;
}

/* leaky_relu(scale·v, slope) on every lane, the constants as vectors */
#define ACTIVATE_LANES(v, scale_v, slope_v, one_v, zero_v)                                                     \
    do {                                                                                                       \
        lanes_f m_ = (v) * (scale_v);                                                                          \
        lanes_i neg_ = m_ < (zero_v);                                                                          \
        (v) = m_ * (lanes_f)((neg_ & (lanes_i)(slope_v)) | (~neg_ & (lanes_i)(one_v)));                        \
    } while (0)

/* In-place radix-2 FFT of n points (input in bit-reversed order, output in
 * natural order) over the lanes, twiddles e^(−2πi·k/n) (inverse: their
 * conjugates; unnormalised). */
static void fft_lanes(lanes_f *re, lanes_f *im, int n, const vx_fftconv *p, bool inverse)
{
    for (int len = 2; len <= n; len *= 2) {
        int half = len / 2, stride = n / len;
        for (int k = 0; k < half; k++) {
            lanes_f wr, wi;
            LOAD_LANES(wr, p->tw_re[k * stride]);
            LOAD_LANES(wi, p->tw_im[k * stride]);
            if (inverse)
                wi = -wi;
            for (int s = 0; s < n; s += len) {
                lanes_f br = re[s + k + half], bi = im[s + k + half];
                lanes_f tr = br * wr - bi * wi, ti = br * wi + bi * wr;
                re[s + k + half] = re[s + k] - tr;
                im[s + k + half] = im[s + k] - ti;
                re[s + k] = re[s + k] + tr;
                im[s + k] = im[s + k] + ti;
            }
        }
    }
}

void FFTCONV_NAME(vx_fftconv_forward)(const fftconv_job *j, int64_t pair, int64_t group)
{
    const vx_fftconv *p = j->p;
    int n = p->n;
    int64_t d = p->dilation, half = (p->kernel - 1) / 2, T = j->T, w = j->width, lane0 = group * LANES;
    const float *xa = j->x + 2 * pair * T, *xb = xa + T;
    float ga[VX_FFTCONV_MAX_N][LANES], gb[VX_FFTCONV_MAX_N][LANES]; /* tile samples, natural order */
    int64_t tile = (j->g0 + lane0) / d, phase = (j->g0 + lane0) - tile * d; /* of lane 0 */
    for (int l = 0; l < LANES; l++, phase = phase + 1 < d ? phase + 1 : 0, tile += phase == 0) {
        int64_t g = j->g0 + lane0 + l;
        if (g >= j->tiles) { /* past the last tile: zeros */
            for (int i = 0; i < n; i++)
                ga[i][l] = gb[i][l] = 0.0f;
            continue;
        }
        int64_t base = phase + d * (tile * p->step - half); /* x index of the tile's sample 0 */
        if (base >= 0 && base + d * (n - 1) < T) {
            for (int i = 0; i < n; i++) {
                ga[i][l] = xa[base + d * i];
                gb[i][l] = xb[base + d * i];
            }
        } else {
            for (int i = 0; i < n; i++) {
                int64_t pos = base + d * i;
                bool in = pos >= 0 && pos < T;
                ga[i][l] = in ? xa[pos] : 0.0f;
                gb[i][l] = in ? xb[pos] : 0.0f;
            }
        }
    }
    lanes_f re[VX_FFTCONV_MAX_N], im[VX_FFTCONV_MAX_N], scale, slope, one, zero;
    broadcast(&scale, j->scale);
    broadcast(&slope, j->slope);
    broadcast(&one, 1.0f);
    broadcast(&zero, 0.0f);
    for (int i = 0; i < n; i++) {
        lanes_f a, b;
        LOAD_LANES(a, ga[i]);
        LOAD_LANES(b, gb[i]);
        ACTIVATE_LANES(a, scale, slope, one, zero);
        ACTIVATE_LANES(b, scale, slope, one, zero);
        re[p->rev[i]] = a;
        im[p->rev[i]] = b;
    }
    fft_lanes(re, im, n, p, false);
    /* 2·X_a[f] = Z[f] + conj(Z[n − f]), 2·X_b[f] = (Z[f] − conj(Z[n − f])) / i
     * (the 1/2 is in the weights) */
    for (int f = 0; f <= n / 2; f++) {
        int nf = (n - f) & (n - 1);
        lanes_f ar = re[f] + re[nf], ai = im[f] - im[nf], br = im[f] + im[nf], bi = re[nf] - re[f];
        float *sa = j->in + ((int64_t)f * p->cin + 2 * pair) * 3 * w + lane0, *sb = sa + 3 * w;
        STORE_LANES(sa, ar);
        STORE_LANES(sb, br);
        if (f == 0 || f == n / 2) /* real bins: the product reads Xr only */
            continue;
        STORE_LANES(sa + w, ai);
        STORE_LANES(sa + 2 * w, -ar);
        STORE_LANES(sb + w, bi);
        STORE_LANES(sb + 2 * w, -br);
    }
}

void FFTCONV_NAME(vx_fftconv_inverse)(const fftconv_job *j, int64_t pair, int64_t group)
{
    const vx_fftconv *p = j->p;
    int n = p->n;
    int64_t d = p->dilation, T = j->T, w = j->width, lane0 = group * LANES;
    lanes_f re[VX_FFTCONV_MAX_N], im[VX_FFTCONV_MAX_N];
    /* Z = Y_a + i·Y_b over the whole circle (Y_a, Y_b Hermitian) */
    for (int f = 0; f <= n / 2; f++) {
        const float *oa = j->out + ((int64_t)f * p->cout + 2 * pair) * 2 * w + lane0, *ob = oa + 2 * w;
        lanes_f ar, br, ai, bi;
        LOAD_LANES(ar, oa);
        LOAD_LANES(br, ob);
        if (f == 0 || f == n / 2) {
            re[p->rev[f]] = ar;
            im[p->rev[f]] = br;
            continue;
        }
        LOAD_LANES(ai, oa + w);
        LOAD_LANES(bi, ob + w);
        re[p->rev[f]] = ar - bi;
        im[p->rev[f]] = ai + br;
        re[p->rev[n - f]] = ar + bi;
        im[p->rev[n - f]] = br - ai;
    }
    fft_lanes(re, im, n, p, true);
    int64_t ca = 2 * pair, cb = ca + 1;
    const vx_gemm_start *st = j->start;
    bool add = !st || st->add;
    float bias_a = st && st->bias ? st->bias[ca] : 0.0f, bias_b = st && st->bias ? st->bias[cb] : 0.0f;
    const float *res_a = st && st->res ? st->res + ca * st->ldr : NULL, *res_b = res_a ? res_a + st->ldr : NULL;
    float *ya = j->y + ca * T, *yb = ya + T;
    int64_t tile = (j->g0 + lane0) / d, phase = (j->g0 + lane0) - tile * d; /* of lane 0 */
    for (int l = 0; l < LANES; l++, phase = phase + 1 < d ? phase + 1 : 0, tile += phase == 0) {
        int64_t g = j->g0 + lane0 + l;
        if (g >= j->tiles)
            break;
        int64_t m0 = tile * p->step, left = (T - phase + d - 1) / d - m0; /* outputs of this phase from m0 */
        int64_t count = left < p->step ? left : p->step;
        for (int64_t s = 0; s < count; s++) {
            int64_t t = phase + d * (m0 + s);
            float a = (add ? ya[t] : 0.0f) + (bias_a + (res_a ? res_a[t] : 0.0f));
            float b = (add ? yb[t] : 0.0f) + (bias_b + (res_b ? res_b[t] : 0.0f));
            ya[t] = a + re[s][l];
            yb[t] = b + im[s][l];
        }
    }
}

#undef LANES
#undef LOAD_LANES
#undef STORE_LANES
#undef ACTIVATE_LANES
