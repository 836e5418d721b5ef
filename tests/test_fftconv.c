/* test_fftconv.c — the FFT convolution (core/kernels/fftconv.h) against a
 * direct convolution summed in double: kernels 1 to 11, dilations 1 to 12
 * (one larger than the signal), FFT sizes 8 to 64, signals shorter than a
 * tile and longer than a pass, activation, bias, a residual with its own row
 * stride, and add; each build of the per-tile kernels (portable, AVX2,
 * AVX-512); the same bits for 1 and 2 threads. Each case prints its worst
 * error (the figure docs/BENCHMARKS.md quotes). */
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/kernels/fftconv.h"
#include "core/threads.h"
#include "test_files.h"
#include "test_util.h"

typedef struct fft_case {
    int64_t cout, cin, kernel, dilation, T;
    int n;
} fft_case;

static const fft_case cases[] = {
    {2, 2, 3, 1, 5, 16},    {4, 6, 7, 3, 100, 32},   {8, 4, 11, 5, 1000, 32}, {16, 16, 11, 1, 2000, 64},
    {6, 10, 5, 12, 700, 16}, {32, 32, 7, 2, 3001, 32}, {2, 4, 1, 1, 40, 8},    {64, 64, 11, 3, 5000, 32},
    {4, 4, 5, 12, 7, 16}, /* dilation above T: phases 7..11 have no samples */
};
enum { N_CASES = sizeof cases / sizeof *cases };

static float *random_floats(vx_rng *r, int64_t n, float lo, float hi)
{
    float *v = malloc(sizeof(float) * (size_t)n);
    vx_rng_uniform(r, v, (size_t)n, lo, hi);
    return v;
}

static double act(double v, double scale, double slope)
{
    v *= scale;
    return v < 0.0 ? v * slope : v;
}

/* ref[co, t] = start + Σ_ci Σ_k w[co, ci, k] · act(x[ci, t + d·(k − (K−1)/2)]);
 * res has row stride T + RES_PAD */
#define RES_PAD 3
static void direct(const fft_case *c, const float *w, const float *x, float scale, float slope,
                   const float *bias, const float *res, const float *y0, double *ref)
{
    int64_t half = (c->kernel - 1) / 2;
    for (int64_t co = 0; co < c->cout; co++)
        for (int64_t t = 0; t < c->T; t++) {
            double sum = (y0 ? y0[co * c->T + t] : 0.0) + (bias ? bias[co] : 0.0) + (res ? res[co * (c->T + RES_PAD) + t] : 0.0);
            for (int64_t ci = 0; ci < c->cin; ci++)
                for (int64_t k = 0; k < c->kernel; k++) {
                    int64_t pos = t + c->dilation * (k - half);
                    if (pos >= 0 && pos < c->T)
                        sum += w[(co * c->cin + ci) * c->kernel + k] * act(x[ci * c->T + pos], scale, slope);
                }
            ref[co * c->T + t] = sum;
        }
}

START_TEST(fft_convolution_matches_the_direct_sum)
{
    const fft_case *c = &cases[_i];
    ck_assert(vx_fftconv_fits(c->cout, c->cin, c->kernel, c->n));
    vx_rng r;
    vx_rng_init(&r, (uint64_t)(100 + _i));
    float *w = random_floats(&r, c->cout * c->cin * c->kernel, -0.3f, 0.3f);
    float *x = random_floats(&r, c->cin * c->T, -2.0f, 2.0f);
    float *bias = random_floats(&r, c->cout, -1.0f, 1.0f), *res = random_floats(&r, c->cout * (c->T + RES_PAD), -1.0f, 1.0f);
    float *y0 = random_floats(&r, c->cout * c->T, -1.0f, 1.0f);
    float *buf = aligned_alloc(64, sizeof(float) * (size_t)vx_fftconv_weight_floats(c->cout, c->cin, c->n));
    vx_fftconv p;
    vx_fftconv_init(&p, w, c->cout, c->cin, c->kernel, c->dilation, c->n, buf);
    float *scratch = aligned_alloc(64, sizeof(float) * (size_t)vx_fftconv_scratch_floats(&p));
    int64_t ny = c->cout * c->T;
    float *y = malloc(sizeof(float) * (size_t)ny), *y1 = malloc(sizeof(float) * (size_t)ny);
    double *ref = malloc(sizeof(double) * (size_t)ny), worst_of_case = 0.0;
    /* three starts: bias + residual; y's own values + bias (add); NULL (y +=), each with its activation */
    for (int variant = 0; variant < 3; variant++) {
        float scale = variant == 0 ? 1.0f : 0.25f, slope = variant == 2 ? 1.0f : 0.1f;
        vx_gemm_start st = {bias, variant == 0 ? res : NULL, c->T + RES_PAD, variant == 1};
        const vx_gemm_start *start = variant == 2 ? NULL : &st;
        direct(c, w, x, scale, slope, variant == 2 ? NULL : bias, variant == 0 ? res : NULL,
               variant == 0 ? NULL : y0, ref);
        for (int impl = 1; impl <= 3; impl++) { /* every build of the per-tile kernels this CPU runs */
            if (!vx_fftconv_impl_supported(impl))
                continue;
            vx_fftconv_set_impl(impl);
            int threads = vx_threads_get();
            for (int nt = 1; nt <= 2; nt++) {
                vx_threads_set(nt);
                float *out = nt == 1 ? y : y1;
                memcpy(out, y0, sizeof(float) * (size_t)ny);
                vx_fftconv_run(&p, x, c->T, scale, slope, start, out, scratch);
            }
            vx_threads_set(threads);
            vx_fftconv_set_impl(0);
            ck_assert_mem_eq(y, y1, sizeof(float) * (size_t)ny); /* the thread count changes no bit */
            double peak = 0.0, worst = 0.0;
            for (int64_t i = 0; i < ny; i++) {
                peak = fmax(peak, fabs(ref[i]));
                worst = fmax(worst, fabs(y[i] - ref[i]));
            }
            ck_assert_msg(peak > 0.1, "case %d: the reference is nearly zero (peak %g)", _i, peak);
            ck_assert_msg(worst <= 1e-6 * peak, "case %d variant %d impl %d: max |diff| %.3g = %.3g of the peak %.3g",
                          _i, variant, impl, worst, worst / peak, peak);
            worst_of_case = fmax(worst_of_case, worst / peak);
        }
    }
    printf("fftconv case %d (%lld->%lld channels, kernel %lld, dilation %lld, T %lld, n %d): worst |diff| %.2g of "
           "the peak\n", _i, (long long)c->cin, (long long)c->cout, (long long)c->kernel, (long long)c->dilation,
           (long long)c->T, c->n, worst_of_case);
    free(w);
    free(x);
    free(bias);
    free(res);
    free(y0);
    free(buf);
    free(scratch);
    free(y);
    free(y1);
    free(ref);
}
END_TEST

START_TEST(fft_convolution_fits_only_what_it_can_run)
{
    ck_assert(vx_fftconv_fits(128, 128, 11, 32));
    ck_assert(!vx_fftconv_fits(127, 128, 11, 32)); /* odd channel counts */
    ck_assert(!vx_fftconv_fits(128, 3, 11, 32));
    ck_assert(!vx_fftconv_fits(128, 128, 4, 32));  /* even kernel */
    ck_assert(!vx_fftconv_fits(128, 128, 33, 32)); /* kernel ≥ n */
    ck_assert(!vx_fftconv_fits(128, 128, 11, 48)); /* n not a power of 2 */
    ck_assert(!vx_fftconv_fits(128, 128, 11, 128));
}
END_TEST

/* voxc-opbench fftconv times the FFT conv and refuses what it cannot run. */
START_TEST(opbench_times_the_fft_convolution)
{
    char *out, *err;
    const char *args[] = {"fftconv", "--shape", "8,6,300,7,2,32", "--runs", "3", "--threads", "1", "--json", NULL};
    ck_assert_int_eq(run_tool("opbench", args, NULL, &out, NULL, &err), 0);
    ck_assert_msg(strstr(out, "\"op\":\"fftconv\""), "%s", out);
    free(out);
    free(err);
    const char *odd[] = {"fftconv", "--shape", "8,7,300,7", NULL};
    ck_assert_int_eq(run_tool("opbench", odd, NULL, &out, NULL, &err), 1);
    ck_assert_msg(strstr(err, "even channel counts"), "%s", err);
    free(out);
    free(err);
    const char *device[] = {"fftconv", "--shape", "8,8,300,7", "--backend", "opencl", NULL};
    int rc = run_tool("opbench", device, NULL, &out, NULL, &err);
    ck_assert_msg(rc == 1 || rc == 2, "rc %d", rc); /* 2: no OpenCL here at all */
    ck_assert_msg(rc == 2 || strstr(err, "CPU only"), "%s", err);
    free(out);
    free(err);
}
END_TEST

Suite *suite_fftconv(void)
{
    Suite *s = suite_create("fftconv");
    TCase *tc = tcase_create("fftconv");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, fft_convolution_matches_the_direct_sum, 0, N_CASES);
    tcase_add_test(tc, fft_convolution_fits_only_what_it_can_run);
    tcase_add_test(tc, opbench_times_the_fft_convolution);
    suite_add_tcase(s, tc);
    return s;
}
