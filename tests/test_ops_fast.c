/* test_ops_fast.c — every fast path (GEMM-lowered conv1d, conv_transpose1d,
 * matmul, linear) against the scalar reference kernels, forward and backward,
 * on random shapes with odd sizes, groups, strides, dilations, batches and
 * views. */
#include <stdio.h>
#include <stdlib.h>

#include "test_util.h"

typedef vx_tensor *(*op_fn)(vx_ctx *ctx, vx_tensor **in, const int *p);

/* Forward + backward once in the given mode; copies output and input grads. */
static void run_mode(bool reference, op_fn fn, int n_in, const int64_t shapes[][4],
                     const int *ndims, const int *p, float **out, int64_t *n_out, float **grads)
{
    vx_ctx *ctx = test_ctx();
    vx_set_reference(ctx, reference);
    vx_rng r;
    vx_rng_init(&r, 77);
    vx_tensor *in[4];
    for (int i = 0; i < n_in; i++) {
        in[i] = vx_param(ctx, NULL, VX_F32, ndims[i], shapes[i], true);
        vx_rng_uniform(&r, in[i]->data, (size_t)vx_numel(in[i]), -1, 1);
    }
    vx_tensor *y = fn(ctx, in, p);
    ck_assert_msg(y != NULL, "%s", vx_last_error());
    *n_out = vx_numel(y);
    *out = malloc(sizeof(float) * (size_t)*n_out);
    vx_copy_to_f32(y, *out);
    float *seed = malloc(sizeof(float) * (size_t)*n_out);
    vx_rng_uniform(&r, seed, (size_t)*n_out, -1, 1);
    ck_assert_int_eq(vx_backward_from(ctx, y, seed), VX_OK);
    free(seed);
    for (int i = 0; i < n_in; i++) {
        grads[i] = malloc(sizeof(float) * (size_t)vx_numel(in[i]));
        vx_copy_to_f32(in[i]->grad, grads[i]);
    }
    vx_ctx_free(ctx);
}

static void assert_close_arrays(const char *what, const float *a, const float *b, int64_t n,
                                double scale)
{
    double tol = 1e-5 * scale;
    for (int64_t i = 0; i < n; i++)
        ck_assert_msg(fabs(a[i] - b[i]) <= tol * (1 + fabs(a[i])), "%s[%lld]: fast %.7g vs ref %.7g",
                      what, (long long)i, a[i], b[i]);
}

static void compare(op_fn fn, int n_in, const int64_t shapes[][4], const int *ndims, const int *p,
                    double scale)
{
    float *o1, *o2, *g1[4], *g2[4];
    int64_t n1, n2;
    run_mode(false, fn, n_in, shapes, ndims, p, &o1, &n1, g1);
    run_mode(true, fn, n_in, shapes, ndims, p, &o2, &n2, g2);
    ck_assert_int_eq(n1, n2);
    assert_close_arrays("output", o1, o2, n1, scale);
    for (int i = 0; i < n_in; i++) {
        int64_t n = 1;
        for (int d = 0; d < ndims[i]; d++)
            n *= shapes[i][d];
        char what[32];
        snprintf(what, sizeof what, "grad of input %d", i);
        assert_close_arrays(what, g1[i], g2[i], n, scale);
        free(g1[i]);
        free(g2[i]);
    }
    free(o1);
    free(o2);
}

/* p = {stride, pad, dilation, groups} */
static vx_tensor *f_conv(vx_ctx *c, vx_tensor **in, const int *p)
{
    return vx_conv1d(c, in[0], in[1], in[2], p[0], p[1], p[2], p[3]);
}
/* p = {stride, pad, output_padding, groups, dilation} */
static vx_tensor *f_convt(vx_ctx *c, vx_tensor **in, const int *p)
{
    return vx_conv_transpose1d(c, in[0], in[1], in[2], p[0], p[1], p[2], p[3], p[4]);
}

typedef struct conv_case { int64_t B, Cin, Cout, T, K; int p[4]; } conv_case;
static const conv_case conv_cases[] = {
    {1, 16, 24, 37, 3, {1, 1, 1, 1}},  {2, 8, 16, 50, 5, {2, 2, 1, 1}},
    {1, 12, 12, 41, 3, {1, 3, 3, 1}},  {2, 16, 32, 29, 7, {1, 3, 1, 2}},
    {1, 32, 8, 64, 1, {1, 0, 1, 1}},   {1, 9, 18, 300, 11, {1, 25, 5, 1}},
    {1, 24, 24, 33, 3, {3, 0, 2, 3}},  {2, 6, 10, 17, 4, {1, 0, 1, 1}},
};
enum { N_CONV = sizeof conv_cases / sizeof *conv_cases };

START_TEST(conv1d_gemm_path_matches_reference)
{
    conv_case c = conv_cases[_i];
    int64_t shapes[3][4] = {{c.B, c.Cin, c.T}, {c.Cout, c.Cin / c.p[3], c.K}, {c.Cout}};
    int ndims[3] = {3, 3, 1};
    compare(f_conv, 3, shapes, ndims, c.p, (double)(c.Cin * c.K) / 8);
}
END_TEST

typedef struct convt_case { int64_t B, Cin, Cout, T, K; int p[5]; } convt_case;
static const convt_case convt_cases[] = {
    {1, 16, 8, 20, 16, {8, 4, 0, 1, 1}}, {2, 12, 10, 13, 4, {2, 1, 1, 1, 1}},
    {1, 8, 16, 31, 8, {4, 2, 0, 2, 1}},  {1, 10, 6, 9, 3, {1, 1, 0, 1, 2}},
    {2, 9, 12, 11, 5, {3, 2, 2, 3, 2}},  {1, 32, 16, 700, 4, {2, 1, 0, 1, 1}},
};
enum { N_CONVT = sizeof convt_cases / sizeof *convt_cases };

START_TEST(conv_transpose1d_gemm_path_matches_reference)
{
    convt_case c = convt_cases[_i];
    int64_t shapes[3][4] = {{c.B, c.Cin, c.T}, {c.Cin, c.Cout / c.p[3], c.K}, {c.Cout}};
    int ndims[3] = {3, 3, 1};
    compare(f_convt, 3, shapes, ndims, c.p, (double)(c.Cin * c.K) / 8);
}
END_TEST

/* Batches share one packing of the weights, short signals go side by side
 * into one product and long ones are split into tiles (core/ops/conv_gemm.c):
 * shapes that take each of those paths, against the reference. */
START_TEST(conv_gemm_batched_and_tiled_paths_match_reference)
{
    /* conv_transpose1d 4 -> 512, stride 8: Zᵀ has 4096 rows, so ~300
     * steps per item split into two tiles; backward: batched taps and dW */
    convt_case t = {2, 4, 512, 300, 16, {8, 4, 0, 1, 1}};
    int64_t ts[3][4] = {{t.B, t.Cin, t.T}, {t.Cin, t.Cout, t.K}, {t.Cout}};
    int nd[3] = {3, 3, 1};
    compare(f_convt, 3, ts, nd, t.p, (double)(t.Cin * t.K) / 8);
    /* the same for one item of 600 steps: Z in two row tiles of 512 */
    ts[0][0] = 1;
    ts[0][2] = 600;
    compare(f_convt, 3, ts, nd, t.p, (double)(t.Cin * t.K) / 8);
    /* one item of a short signal: conv_transpose1d reads the weights in place
     * (AVX-512); 300 input channels take two K-blocks, 20·7 columns end in
     * a partial strip, 37 steps in a partial row tile */
    convt_case d = {1, 300, 20, 37, 7, {3, 2, 1, 1, 1}};
    int64_t ds[3][4] = {{d.B, d.Cin, d.T}, {d.Cin, d.Cout, d.K}, {d.Cout}};
    compare(f_convt, 3, ds, nd, d.p, (double)(d.Cin * d.K) / 8);
    /* conv1d 128 -> 8, K 8: 600 outputs per item, each item its own product,
     * dW in column tiles of one item; dx through 2 phases of stride 2 */
    conv_case c = {2, 128, 8, 1201, 8, {2, 3, 1, 1}};
    int64_t cs[3][4] = {{c.B, c.Cin, c.T}, {c.Cout, c.Cin, c.K}, {c.Cout}};
    compare(f_conv, 3, cs, nd, c.p, (double)(c.Cin * c.K) / 8);
}
END_TEST

/* Random shapes for both ops: batch 2..6 (outputs that straddle the GEMM's
 * 32-column strips from one item into the next), groups 1..3, strides 2..8,
 * dilations 1..3, kernels 1..9, output_padding, odd channel counts. */
START_TEST(conv_gemm_random_batched_shapes_match_reference)
{
    vx_rng r;
    vx_rng_init(&r, 4242 + (uint64_t)_i);
    float u[10];
    vx_rng_uniform(&r, u, 10, 0, 1);
    int64_t B = 2 + (int64_t)(u[0] * 5), groups = 1 + (int64_t)(u[1] * 3);
    int64_t cin_g = 4 + (int64_t)(u[2] * 9), cout_g = 4 + (int64_t)(u[3] * 9);
    int64_t K = 2 + (int64_t)(u[4] * 8);
    int stride = 2 + (int)(u[5] * 7), dilation = 1 + (int)(u[6] * 3);
    int pad = (int)(u[7] * (double)((K - 1) * dilation / 2 + 1));
    int64_t T = (K - 1) * dilation + 1 + (int64_t)(u[8] * 60);
    int nd[3] = {3, 3, 1};
    if (_i % 2 == 0) {
        int p[4] = {stride, pad, dilation, (int)groups};
        int64_t shapes[3][4] = {{B, cin_g * groups, T}, {cout_g * groups, cin_g, K}, {cout_g * groups}};
        compare(f_conv, 3, shapes, nd, p, (double)(cin_g * K) / 8);
    } else {
        int max_sd = stride > dilation ? stride : dilation;
        int p[5] = {stride, pad, (int)(u[9] * (float)max_sd), (int)groups, dilation};
        int64_t shapes[3][4] = {{B, cin_g * groups, T / stride + 3}, {cin_g * groups, cout_g, K},
                                {cout_g * groups}};
        compare(f_convt, 3, shapes, nd, p, (double)(cin_g * K) / 8);
    }
}
END_TEST

/* p[0]: 0 plain, 1 transpose a's last two dims, 2 transpose b's */
static vx_tensor *f_matmul(vx_ctx *c, vx_tensor **in, const int *p)
{
    vx_tensor *a = p[0] == 1 ? vx_transpose(c, in[0], -1, -2) : in[0];
    vx_tensor *b = p[0] == 2 ? vx_transpose(c, in[1], -1, -2) : in[1];
    return vx_matmul(c, a, b);
}

START_TEST(matmul_gemm_path_matches_reference)
{
    int modes[3] = {0, 1, 2};
    /* broadcast batch: a [2, 3, 17, 40] @ b [3, 40, 23] */
    int64_t s0[2][4] = {{2, 3, 17, 40}, {3, 40, 23}};
    int nd0[2] = {4, 3};
    compare(f_matmul, 2, s0, nd0, &modes[0], 5);
    /* a stored [.., K, M] and transposed */
    int64_t s1[2][4] = {{4, 33, 19}, {4, 33, 21}};
    int nd1[2] = {3, 3};
    compare(f_matmul, 2, s1, nd1, &modes[1], 5);
    /* b stored [.., N, K] and transposed; M = 1 */
    int64_t s2[2][4] = {{5, 1, 64}, {5, 30, 64}};
    compare(f_matmul, 2, s2, nd1, &modes[2], 8);
}
END_TEST

static vx_tensor *f_linear(vx_ctx *c, vx_tensor **in, const int *p)
{
    return vx_linear(c, in[0], in[1], p[0] ? in[2] : NULL);
}

START_TEST(linear_gemm_path_matches_reference)
{
    int with_bias = 1, no_bias = 0;
    int64_t s[3][4] = {{3, 7, 50}, {33, 50}, {33}};
    int nd[3] = {3, 2, 1};
    compare(f_linear, 3, s, nd, &with_bias, 6);
    int64_t s2[2][4] = {{1, 200}, {5, 200}};
    int nd2[2] = {2, 2};
    compare(f_linear, 2, s2, nd2, &no_bias, 20);
}
END_TEST

Suite *suite_ops_fast(void)
{
    Suite *s = suite_create("ops_fast");
    TCase *tc = tcase_create("gemm_paths");
    tcase_add_loop_test(tc, conv1d_gemm_path_matches_reference, 0, N_CONV);
    tcase_add_loop_test(tc, conv_transpose1d_gemm_path_matches_reference, 0, N_CONVT);
    tcase_add_test(tc, conv_gemm_batched_and_tiled_paths_match_reference);
    tcase_add_loop_test(tc, conv_gemm_random_batched_shapes_match_reference, 0, 40);
    tcase_add_test(tc, matmul_gemm_path_matches_reference);
    tcase_add_test(tc, linear_gemm_path_matches_reference);
    suite_add_tcase(s, tc);
    return s;
}
