/* fftconv.c — fftconv.h: the plan (weights' spectra packed per bin, twiddles)
 * and the driver, which runs the tiles in passes of up to p->lanes: the
 * forward transforms (threads split channel pairs), one product per bin
 * (threads split bins), the inverse transforms (threads split channel
 * pairs). The per-tile kernels are fftconv_lanes.h, in the build the kernel
 * lab picks (auto: the widest the CPU runs). */
#include "core/kernels/fftconv.h"

#include <math.h>

#include "core/kernels/cpu.h"
#include "core/kernels/fftconv_job.h"
#include "core/threads.h"

#define FFTCONV_NAME(name) name##_generic
#include "core/kernels/fftconv_lanes.h"

/* Floats of spectra one pass may hold (in and out together, 2 MiB): at 128
 * channels, 16 tiles per pass with n = 64 and 48 with n = 32 (4 and 8 MiB
 * were 0-21 % slower: the spectra leave L2; docs/BENCHMARKS.md). */
#define PASS_FLOATS (1 << 19)
#define MAX_LANES 64
#define MAX_CIN 1024 /* the products' row tables live on the stack */

static bool real_bin(int f, int n) { return f == 0 || f == n / 2; }

/* Rows of bin f's left operand: Re W [cout, cin] or [Re W | Im W] [cout, 2·cin]. */
static int64_t bin_depth(int f, int n, int64_t cin) { return real_bin(f, n) ? cin : 2 * cin; }

/* Packed floats of one bin, rounded up to keep every bin 64-byte aligned. */
static int64_t bin_floats(int f, int n, int64_t cout, int64_t cin)
{
    return (vx_gemm_packed_floats(cout, bin_depth(f, n, cin)) + 15) / 16 * 16;
}

bool vx_fftconv_fits(int64_t cout, int64_t cin, int64_t kernel, int n)
{
    return cout >= 2 && cout % 2 == 0 && cin >= 2 && cin % 2 == 0 && cin <= MAX_CIN && kernel >= 1 &&
           kernel % 2 == 1 && n >= 8 && n <= VX_FFTCONV_MAX_N && (n & (n - 1)) == 0 && kernel < n;
}

int64_t vx_fftconv_weight_floats(int64_t cout, int64_t cin, int n)
{
    int64_t total = 0;
    for (int f = 0; f <= n / 2; f++)
        total += bin_floats(f, n, cout, cin);
    return total;
}

static int lanes_per_pass(int64_t cout, int64_t cin, int n)
{
    int64_t per_lane = (n / 2 + 1) * (3 * cin + 2 * cout);
    int64_t lanes = PASS_FLOATS / per_lane / VX_FFTCONV_LANES * VX_FFTCONV_LANES;
    return lanes < VX_FFTCONV_LANES ? VX_FFTCONV_LANES : lanes > MAX_LANES ? MAX_LANES : (int)lanes;
}

/* Bin f's left operand as the GEMM's implicit K×M operand (K = its depth,
 * M = cout): element (k, co) = s·Re W_co,k[f] for k < cin, s·Im W_co,k−cin[f]
 * above, W[f] = Σ_t w[t]·e^(−2πi·f·t/n), s = 1/(2n) (the 1/2 of the
 * two-channel split and the 1/n of the inverse). Computed while packing,
 * from the bin's s·e^(−2πi·f·t/n) tabled per tap. */
typedef struct spectrum_view {
    const float *w; /* [cout, cin, kernel] */
    int64_t cin, kernel;
    double re[VX_FFTCONV_MAX_N], im[VX_FFTCONV_MAX_N]; /* s·e^(−2πi·f·t/n) for tap t */
} spectrum_view;

static float spectrum_entry(const spectrum_view *v, int64_t k, int64_t co)
{
    bool imag = k >= v->cin;
    const float *taps = v->w + (co * v->cin + (imag ? k - v->cin : k)) * v->kernel;
    const double *e = imag ? v->im : v->re;
    double sum = 0.0;
    for (int64_t t = 0; t < v->kernel; t++)
        sum += taps[t] * e[t];
    return (float)sum;
}

static void pack_spectrum(const vx_gemm_operand *op, int64_t j0, int64_t nc, int64_t p0, int64_t kc, int width,
                          float *dst)
{
    const spectrum_view *v = op->view;
    for (int64_t s = 0; s < nc; s += width)
        for (int64_t k = 0; k < kc; k++)
            for (int c = 0; c < width; c++)
                *dst++ = s + c < nc ? spectrum_entry(v, p0 + k, j0 + s + c) : 0.0f;
}

void vx_fftconv_init(vx_fftconv *p, const float *w, int64_t cout, int64_t cin, int64_t kernel, int64_t dilation,
                     int n, float *buf)
{
    *p = (vx_fftconv){.cout = cout, .cin = cin, .kernel = kernel, .dilation = dilation, .n = n,
                      .step = n - (int)kernel + 1, .lanes = lanes_per_pass(cout, cin, n)};
    int bits = 0;
    while ((1 << bits) < n)
        bits++;
    for (int i = 0; i < n; i++) {
        int r = 0;
        for (int b = 0; b < bits; b++)
            r |= ((i >> b) & 1) << (bits - 1 - b);
        p->rev[i] = (unsigned char)r;
    }
    for (int k = 0; k < n / 2; k++)
        for (int l = 0; l < VX_FFTCONV_LANES; l++) {
            p->tw_re[k][l] = (float)cos(2.0 * M_PI * k / n);
            p->tw_im[k][l] = (float)-sin(2.0 * M_PI * k / n);
        }
    spectrum_view view = {w, cin, kernel};
    for (int f = 0; f <= n / 2; f++) {
        for (int64_t t = 0; t < kernel; t++) {
            double angle = 2.0 * M_PI * (double)(f * t % n) / n;
            view.re[t] = cos(angle) / (2.0 * n);
            view.im[t] = -sin(angle) / (2.0 * n);
        }
        vx_gemm_operand at = {.pack = pack_spectrum, .scale = 1.0f, .view = &view};
        vx_gemm_pack(&p->bin[f], cout, bin_depth(f, n, cin), &at, buf);
        buf += bin_floats(f, n, cout, cin);
    }
}

int64_t vx_fftconv_scratch_floats(const vx_fftconv *p)
{
    return (int64_t)(p->n / 2 + 1) * p->lanes * (3 * p->cin + 2 * p->cout);
}

static int lab_impl; /* vx_fftconv_set_impl; 0: auto */

bool vx_fftconv_impl_supported(int impl)
{
#if defined(__x86_64__)
    if (impl == 2)
        return vx_cpu_avx2();
    if (impl == 3)
        return vx_cpu_avx512();
#endif
    return impl == 0 || impl == 1;
}

void vx_fftconv_set_impl(int impl) { lab_impl = vx_fftconv_impl_supported(impl) ? impl : 0; }

/* The per-tile kernels of the build chosen (auto: the widest this CPU runs). */
static void pick_kernels(fftconv_job *j)
{
    int impl = lab_impl;
    if (impl == 0)
        impl = vx_fftconv_impl_supported(3) ? 3 : vx_fftconv_impl_supported(2) ? 2 : 1;
    j->forward = vx_fftconv_forward_generic;
    j->inverse = vx_fftconv_inverse_generic;
#if defined(__x86_64__)
    if (impl == 3) {
        j->forward = vx_fftconv_forward_avx512;
        j->inverse = vx_fftconv_inverse_avx512;
    } else if (impl == 2) {
        j->forward = vx_fftconv_forward_avx2;
        j->inverse = vx_fftconv_inverse_avx2;
    }
#endif
}

static void forward_items(void *arg, int64_t i0, int64_t i1, int tid)
{
    const fftconv_job *j = arg;
    int64_t groups = j->width / VX_FFTCONV_LANES;
    for (int64_t i = i0; i < i1; i++)
        j->forward(j, i / groups, i % groups);
}

static void inverse_items(void *arg, int64_t i0, int64_t i1, int tid)
{
    const fftconv_job *j = arg;
    int64_t groups = j->width / VX_FFTCONV_LANES;
    for (int64_t i = i0; i < i1; i++)
        j->inverse(j, i / groups, i % groups);
}

/* Bins [f0, f1): out[f] = bin[f] · in[f], the right operand's rows read in
 * place — row ci: Xr | Xi, row cin + ci: Xi | −Xr (real bins: Xr only). */
static void bin_products(void *arg, int64_t f0, int64_t f1, int tid)
{
    const fftconv_job *j = arg;
    const vx_fftconv *p = j->p;
    int64_t w = j->width;
    const float *rows[2 * MAX_CIN];
    vx_gemm_start zero = {0};
    for (int64_t f = f0; f < f1; f++) {
        const float *in = j->in + f * p->cin * 3 * w;
        bool real = real_bin((int)f, p->n);
        for (int64_t ci = 0; ci < p->cin; ci++) {
            rows[ci] = in + ci * 3 * w;
            if (!real)
                rows[p->cin + ci] = in + ci * 3 * w + w;
        }
        vx_sgemm_packed_rows(&p->bin[f], real ? w : 2 * w, rows, &zero, j->out + f * p->cout * 2 * w, 2 * w);
    }
}

void vx_fftconv_run(const vx_fftconv *p, const float *x, int64_t T, float scale, float slope,
                    const vx_gemm_start *start, float *y, float *scratch)
{
    int64_t d = p->dilation, per_phase = ((T + d - 1) / d + p->step - 1) / p->step;
    fftconv_job j = {p, x, T, scale, slope, start, y, d * per_phase};
    pick_kernels(&j);
    for (j.g0 = 0; j.g0 < j.tiles; j.g0 += p->lanes) {
        int64_t count = j.tiles - j.g0 < p->lanes ? j.tiles - j.g0 : p->lanes;
        j.width = (count + VX_FFTCONV_LANES - 1) / VX_FFTCONV_LANES * VX_FFTCONV_LANES;
        j.in = scratch;
        j.out = scratch + (int64_t)(p->n / 2 + 1) * p->cin * 3 * j.width;
        int64_t groups = j.width / VX_FFTCONV_LANES;
        vx_parallel_for(p->cin / 2 * groups, 1, forward_items, &j);
        vx_parallel_for(p->n / 2 + 1, 1, bin_products, &j);
        vx_parallel_for(p->cout / 2 * groups, 1, inverse_items, &j);
    }
}
