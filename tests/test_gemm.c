/* test_gemm.c — every SGEMM lab version against the naive oracle, on random
 * shapes with ragged tails, all four transpose combinations, leading
 * dimensions larger than the matrix, and alpha/beta. */
#include <stdlib.h>
#include <string.h>

#include "core/kernels/gemm.h"
#include "core/threads.h"
#include "test_util.h"

typedef struct gemm_shape {
    int64_t m, n, k;
} gemm_shape;

static const gemm_shape shapes[] = {
    {1, 1, 1},   {3, 5, 7},    {12, 32, 256}, {13, 33, 257}, {6, 16, 1},
    {25, 17, 300}, {80, 100, 192}, {145, 70, 513}, {7, 2100, 9}, {200, 3, 40},
};
enum { N_SHAPES = sizeof shapes / sizeof *shapes };

static void fill(vx_rng *r, float *p, int64_t n)
{
    vx_rng_uniform(r, p, (size_t)n, -1, 1);
}

/* Compare version `impl` with the oracle for shape s and transposes (ta, tb). */
static void check_against_naive(int impl, gemm_shape s, bool ta, bool tb, float alpha, float beta)
{
    int64_t pad = 3; /* leading dims larger than the logical width */
    int64_t ar = ta ? s.k : s.m, ac = ta ? s.m : s.k;
    int64_t br = tb ? s.n : s.k, bc = tb ? s.k : s.n;
    int64_t lda = ac + pad, ldb = bc + pad, ldc = s.n + pad;
    float *a = malloc(sizeof(float) * (size_t)(ar * lda));
    float *b = malloc(sizeof(float) * (size_t)(br * ldb));
    float *c0 = malloc(sizeof(float) * (size_t)(s.m * ldc));
    float *c1 = malloc(sizeof(float) * (size_t)(s.m * ldc));
    vx_rng r;
    vx_rng_init(&r, (uint64_t)(s.m * 1000003 + s.n * 1009 + s.k));
    fill(&r, a, ar * lda);
    fill(&r, b, br * ldb);
    fill(&r, c0, s.m * ldc);
    for (int64_t i = 0; i < s.m * ldc; i++)
        c1[i] = c0[i];
    vx_sgemm_impl(1, ta, tb, s.m, s.n, s.k, alpha, a, lda, b, ldb, beta, c0, ldc);
    vx_sgemm_impl(impl, ta, tb, s.m, s.n, s.k, alpha, a, lda, b, ldb, beta, c1, ldc);
    /* f32 sums of k terms of size ≤ 1 differ by reassociation: ~k·eps */
    double tol = 1e-6 * (double)s.k + 1e-6;
    for (int64_t i = 0; i < s.m; i++)
        for (int64_t j = 0; j < ldc; j++) {
            float x = c0[i * ldc + j], y = c1[i * ldc + j];
            if (j >= s.n) /* padding columns must be untouched */
                ck_assert_msg(x == y, "impl %d wrote outside C at (%lld,%lld)", impl, (long long)i, (long long)j);
            else
                ck_assert_msg(fabs(x - y) <= tol, "impl %d %lldx%lldx%lld ta=%d tb=%d at (%lld,%lld): %g vs %g",
                              impl, (long long)s.m, (long long)s.n, (long long)s.k, ta, tb,
                              (long long)i, (long long)j, x, y);
        }
    free(a);
    free(b);
    free(c0);
    free(c1);
}

/* Loop index: impl (2..4) × shape × transpose combination. */
START_TEST(gemm_version_matches_naive_oracle)
{
    int impl = 2 + _i / (N_SHAPES * 4);
    int rest = _i % (N_SHAPES * 4);
    gemm_shape s = shapes[rest / 4];
    bool ta = rest & 1, tb = (rest >> 1) & 1;
    if (!vx_sgemm_impl_supported(impl))
        return; /* this CPU lacks the instruction set; nothing to compare */
    check_against_naive(impl, s, ta, tb, 1.0f, 0.0f);
}
END_TEST

START_TEST(gemm_applies_alpha_and_beta)
{
    gemm_shape s = {29, 41, 67};
    for (int impl = 2; impl <= 4; impl++)
        if (vx_sgemm_impl_supported(impl)) {
            check_against_naive(impl, s, false, false, 0.5f, 1.0f);
            check_against_naive(impl, s, true, false, -2.0f, 0.25f);
        }
}
END_TEST

START_TEST(gemm_beta_zero_ignores_nan_in_c)
{
    float a[4] = {1, 2, 3, 4}, b[4] = {1, 0, 0, 1}, c[4] = {NAN, NAN, NAN, NAN};
    vx_sgemm(false, false, 2, 2, 2, 1.0f, a, 2, b, 2, 0.0f, c, 2);
    ck_assert_float_eq(c[0], 1);
    ck_assert_float_eq(c[1], 2);
    ck_assert_float_eq(c[2], 3);
    ck_assert_float_eq(c[3], 4);
}
END_TEST

START_TEST(gemm_with_k_zero_scales_c_by_beta)
{
    float c[2] = {3, 4};
    vx_sgemm(false, false, 1, 2, 0, 1.0f, NULL, 1, NULL, 2, 0.5f, c, 2);
    ck_assert_float_eq(c[0], 1.5f);
    ck_assert_float_eq(c[1], 2.0f);
}
END_TEST

START_TEST(gemm_versions_are_named_and_auto_is_supported)
{
    for (int impl = 0; impl <= 4; impl++)
        ck_assert_ptr_nonnull(vx_sgemm_impl_name(impl));
    ck_assert(vx_sgemm_impl_supported(vx_sgemm_best_impl()));
    ck_assert(!vx_sgemm_impl_supported(9));
}
END_TEST

/* Same bits for 1, 2 and 3 threads, splitting by columns and by rows. */
START_TEST(gemm_is_bit_identical_for_any_thread_count)
{
    gemm_shape cases[] = {{200, 300, 129}, {300, 40, 77}};
    for (int c = 0; c < 2; c++) {
        gemm_shape s = cases[c];
        float *a = malloc(sizeof(float) * (size_t)(s.m * s.k));
        float *b = malloc(sizeof(float) * (size_t)(s.k * s.n));
        float *c1 = malloc(sizeof(float) * (size_t)(s.m * s.n));
        float *cn = malloc(sizeof(float) * (size_t)(s.m * s.n));
        vx_rng r;
        vx_rng_init(&r, 5);
        fill(&r, a, s.m * s.k);
        fill(&r, b, s.k * s.n);
        vx_threads_set(1);
        vx_sgemm(false, false, s.m, s.n, s.k, 1, a, s.k, b, s.n, 0, c1, s.n);
        for (int t = 2; t <= 3; t++) {
            vx_threads_set(t);
            vx_sgemm(false, false, s.m, s.n, s.k, 1, a, s.k, b, s.n, 0, cn, s.n);
            ck_assert_mem_eq(c1, cn, sizeof(float) * (size_t)(s.m * s.n));
        }
        vx_threads_set(0);
        free(a);
        free(b);
        free(c1);
        free(cn);
    }
}
END_TEST

/* A packed once gives the same bits as packing it per product, for every
 * version, row ranges that start on a strip or not, beta 0 and 1, a scaled
 * B, and 1–3 threads; K spans several KC blocks. */
START_TEST(gemm_with_prepacked_a_matches_the_unpacked_product)
{
    gemm_shape s = {100, 700, 600};
    float *a = malloc(sizeof(float) * (size_t)(s.m * s.k));
    float *b = malloc(sizeof(float) * (size_t)(s.k * s.n));
    float *c0 = malloc(sizeof(float) * (size_t)(s.m * s.n));
    float *c1 = malloc(sizeof(float) * (size_t)(s.m * s.n));
    vx_rng r;
    vx_rng_init(&r, 11);
    fill(&r, a, s.m * s.k);
    fill(&r, b, s.k * s.n);
    const int64_t ranges[][2] = {{0, 100}, {24, 48}, {5, 30}, {96, 4}};
    for (int impl = 2; impl <= 4; impl++) {
        if (!vx_sgemm_impl_supported(impl))
            continue;
        vx_sgemm_set_impl(impl);
        vx_gemm_operand at = vx_gemm_strided(a, s.k, true), bo = vx_gemm_strided(b, s.n, false);
        bo.scale = -0.5f;
        vx_gemm_packed pk;
        size_t bytes = sizeof(float) * (size_t)vx_gemm_packed_floats(s.m, s.k);
        float *buf = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
        vx_gemm_pack(&pk, s.m, s.k, &at, buf);
        ck_assert_int_eq(pk.impl, impl);
        for (int q = 0; q < 4; q++)
            for (int t = 1; t <= 3; t++)
                for (int beta = 0; beta <= 1; beta++) {
                    int64_t row0 = ranges[q][0], rows = ranges[q][1];
                    vx_threads_set(t);
                    fill(&r, c0, s.m * s.n);
                    for (int64_t i = 0; i < s.m * s.n; i++)
                        c1[i] = c0[i];
                    vx_gemm_operand sub = vx_gemm_strided(a + row0 * s.k, s.k, true);
                    vx_sgemm_operands(rows, s.n, s.k, &sub, &bo, (float)beta, c0, s.n);
                    vx_sgemm_packed(&pk, row0, rows, s.n, &bo, (float)beta, c1, s.n);
                    ck_assert_msg(!memcmp(c0, c1, sizeof(float) * (size_t)(s.m * s.n)),
                                  "impl %d rows [%lld, +%lld) threads %d beta %d differ", impl,
                                  (long long)row0, (long long)rows, t, beta);
                }
        free(buf);
    }
    vx_threads_set(0);
    vx_sgemm_set_impl(0);
    free(a);
    free(b);
    free(c0);
    free(c1);
}
END_TEST

/* A product with a start (bias, residual, added onto C or not) gives the bits
 * of writing the start in a pass of its own and then adding the product, for
 * every version, 1–3 threads, row ranges on and off a strip, K over several
 * KC blocks; columns past N (ldc > N) stay untouched. */
START_TEST(gemm_start_gives_the_bits_of_a_separate_start_pass)
{
    gemm_shape s = {100, 301, 600};
    int64_t ldc = s.n + 3, ldr = s.n + 5;
    float *a = malloc(sizeof(float) * (size_t)(s.m * s.k));
    float *b = malloc(sizeof(float) * (size_t)(s.k * s.n));
    float *bias = malloc(sizeof(float) * (size_t)s.m);
    float *res = malloc(sizeof(float) * (size_t)(s.m * ldr));
    float *c0 = malloc(sizeof(float) * (size_t)(s.m * ldc));
    float *c1 = malloc(sizeof(float) * (size_t)(s.m * ldc));
    vx_rng r;
    vx_rng_init(&r, 13);
    fill(&r, a, s.m * s.k);
    fill(&r, b, s.k * s.n);
    fill(&r, bias, s.m);
    fill(&r, res, s.m * ldr);
    const int64_t ranges[][2] = {{0, 100}, {24, 48}, {5, 30}};
    for (int impl = 2; impl <= 4; impl++) {
        if (!vx_sgemm_impl_supported(impl))
            continue;
        vx_sgemm_set_impl(impl);
        vx_gemm_operand at = vx_gemm_strided(a, s.k, true), bo = vx_gemm_strided(b, s.n, false);
        vx_gemm_packed pk;
        size_t bytes = sizeof(float) * (size_t)vx_gemm_packed_floats(s.m, s.k);
        float *buf = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
        vx_gemm_pack(&pk, s.m, s.k, &at, buf);
        for (int q = 0; q < 3; q++)
            for (int t = 1; t <= 3; t++)
                for (int kind = 0; kind < 6; kind++) {
                    int64_t row0 = ranges[q][0], rows = ranges[q][1];
                    vx_gemm_start st = {kind & 1 ? NULL : bias + row0, kind >= 2 ? res + row0 * ldr : NULL, ldr,
                                        kind >= 4 || kind == 1};
                    vx_threads_set(t);
                    fill(&r, c0, s.m * ldc);
                    memcpy(c1, c0, sizeof(float) * (size_t)(s.m * ldc));
                    for (int64_t i = 0; i < rows; i++)
                        for (int64_t j = 0; j < s.n; j++) {
                            float v = st.bias ? st.bias[i] : 0.0f;
                            v = st.res ? v + st.res[i * ldr + j] : v;
                            c0[i * ldc + j] = st.add ? c0[i * ldc + j] + v : v;
                        }
                    vx_sgemm_packed(&pk, row0, rows, s.n, &bo, 1.0f, c0, ldc);
                    vx_sgemm_packed_start(&pk, row0, rows, s.n, &bo, &st, c1, ldc);
                    ck_assert_msg(!memcmp(c0, c1, sizeof(float) * (size_t)(s.m * ldc)),
                                  "impl %d rows [%lld, +%lld) threads %d start kind %d differ", impl,
                                  (long long)row0, (long long)rows, t, kind);
                }
        free(buf);
    }
    vx_threads_set(0);
    vx_sgemm_set_impl(0);
    free(a);
    free(b);
    free(bias);
    free(res);
    free(c0);
    free(c1);
}
END_TEST

/* B given by row pointers (shifted rows of one signal, as a convolution's
 * im2col) gives the bits of the same B as a packed operand, with and without
 * a start, for every version and 1–3 threads; K spans several KC blocks and
 * N ends in a partial strip; columns past N stay untouched. */
START_TEST(gemm_rows_operand_gives_the_bits_of_packing_those_rows)
{
    enum { M = 50, K = 600, N = 301, LDC = N + 3, TAPS = 3, LEN = N + 8 };
    float *a = malloc(sizeof(float) * M * K), *x = malloc(sizeof(float) * (K / TAPS) * LEN);
    float *bias = malloc(sizeof(float) * M), *b = malloc(sizeof(float) * K * N);
    float *c0 = malloc(sizeof(float) * M * LDC), *c1 = malloc(sizeof(float) * M * LDC);
    const float **rows = malloc(sizeof *rows * K);
    vx_rng r;
    vx_rng_init(&r, 17);
    fill(&r, a, M * K);
    fill(&r, x, (K / TAPS) * LEN);
    fill(&r, bias, M);
    for (int k = 0; k < K; k++) { /* row (ci, tap) = x[ci] shifted by 3·tap */
        rows[k] = x + (k / TAPS) * LEN + 3 * (k % TAPS);
        memcpy(b + k * N, rows[k], sizeof(float) * N);
    }
    for (int impl = 2; impl <= 4; impl++) {
        if (!vx_sgemm_impl_supported(impl))
            continue;
        vx_sgemm_set_impl(impl);
        vx_gemm_operand at = vx_gemm_strided(a, K, true), bo = vx_gemm_strided(b, N, false);
        vx_gemm_packed pk;
        size_t bytes = sizeof(float) * (size_t)vx_gemm_packed_floats(M, K);
        float *buf = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
        vx_gemm_pack(&pk, M, K, &at, buf);
        for (int t = 1; t <= 3; t++)
            for (int with_start = 0; with_start <= 1; with_start++) {
                vx_gemm_start st = {bias, NULL, 0, false};
                vx_threads_set(t);
                fill(&r, c0, M * LDC);
                memcpy(c1, c0, sizeof(float) * M * LDC);
                vx_sgemm_packed_start(&pk, 0, M, N, &bo, with_start ? &st : NULL, c0, LDC);
                vx_sgemm_packed_rows(&pk, N, rows, with_start ? &st : NULL, c1, LDC);
                ck_assert_msg(!memcmp(c0, c1, sizeof(float) * M * LDC), "impl %d threads %d start %d differ",
                              impl, t, with_start);
            }
        free(buf);
    }
    vx_threads_set(0);
    vx_sgemm_set_impl(0);
    free(a);
    free(x);
    free(bias);
    free(b);
    free(c0);
    free(c1);
    free(rows);
}
END_TEST

Suite *suite_gemm(void)
{
    Suite *s = suite_create("gemm");
    TCase *tc = tcase_create("versions");
    tcase_add_loop_test(tc, gemm_version_matches_naive_oracle, 0, 3 * N_SHAPES * 4);
    tcase_add_test(tc, gemm_applies_alpha_and_beta);
    tcase_add_test(tc, gemm_beta_zero_ignores_nan_in_c);
    tcase_add_test(tc, gemm_with_k_zero_scales_c_by_beta);
    tcase_add_test(tc, gemm_versions_are_named_and_auto_is_supported);
    tcase_add_test(tc, gemm_is_bit_identical_for_any_thread_count);
    tcase_add_test(tc, gemm_with_prepacked_a_matches_the_unpacked_product);
    tcase_add_test(tc, gemm_start_gives_the_bits_of_a_separate_start_pass);
    tcase_add_test(tc, gemm_rows_operand_gives_the_bits_of_packing_those_rows);
    suite_add_tcase(s, tc);
    return s;
}
