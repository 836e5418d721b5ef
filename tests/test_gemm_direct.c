/* test_gemm_direct.c — small products read their operands in place (no
 * packing, core/kernels/gemm.c "small products"); they must give the same
 * bits as the packed path and stay close to the naive oracle, on ragged
 * shapes, padded leading dimensions, several KC blocks and beta 0 / 1. */
#include <stdlib.h>
#include <string.h>

#include "core/kernels/gemm.h"
#include "core/threads.h"
#include "test_util.h"

typedef struct direct_case {
    int64_t m, n, k;
} direct_case;

/* Shapes below the in-place limits, with every kind of edge tile (rows and
 * columns short of 12 / 32 / 16 / 8) and K across one and three KC blocks. */
static const direct_case cases[] = {
    {1, 1, 1}, {12, 32, 256}, {13, 33, 257}, {11, 7, 9}, {25, 17, 300},
    {192, 100, 192}, {37, 20, 600}, {5, 500, 40}, {24, 9, 64},
};
enum { N_CASES = sizeof cases / sizeof *cases };

START_TEST(gemm_in_place_gives_the_packed_bits)
{
    direct_case s = cases[_i / 2];
    float beta = (float)(_i % 2);
    if (!vx_sgemm_impl_supported(4))
        return; /* the in-place kernel is version 4's */
    vx_sgemm_set_impl(4);
    int64_t lda = s.k + 3, ldb = s.n + 5, ldc = s.n + 2;
    float *a = malloc(sizeof(float) * (size_t)(s.m * lda));
    float *b = malloc(sizeof(float) * (size_t)(s.k * ldb));
    float *c0 = malloc(sizeof(float) * (size_t)(s.m * ldc));
    float *c1 = malloc(sizeof(float) * (size_t)(s.m * ldc));
    float *c2 = malloc(sizeof(float) * (size_t)(s.m * ldc));
    size_t packed_bytes = sizeof(float) * (size_t)vx_gemm_packed_floats(s.m, s.k);
    float *buf = aligned_alloc(64, (packed_bytes + 63) & ~(size_t)63);
    vx_rng r;
    vx_rng_init(&r, (uint64_t)(s.m * 7919 + s.n * 31 + s.k));
    vx_rng_uniform(&r, a, (size_t)(s.m * lda), -1, 1);
    vx_rng_uniform(&r, b, (size_t)(s.k * ldb), -1, 1);
    vx_rng_uniform(&r, c0, (size_t)(s.m * ldc), -1, 1);
    memcpy(c1, c0, sizeof(float) * (size_t)(s.m * ldc));
    memcpy(c2, c0, sizeof(float) * (size_t)(s.m * ldc));
    for (int threads = 1; threads <= 2; threads++) {
        vx_threads_set(threads);
        if (threads == 2)
            memcpy(c1, c2, sizeof(float) * (size_t)(s.m * ldc));
        /* in place: alpha 1, A and B plain row-major */
        vx_sgemm(false, false, s.m, s.n, s.k, 1.0f, a, lda, b, ldb, beta, c1, ldc);
        /* packed: A packed once, B packed by the driver */
        vx_gemm_operand at = vx_gemm_strided(a, lda, true), bo = vx_gemm_strided(b, ldb, false);
        vx_gemm_packed pk;
        vx_gemm_pack(&pk, s.m, s.k, &at, buf);
        float *cp = malloc(sizeof(float) * (size_t)(s.m * ldc));
        memcpy(cp, c2, sizeof(float) * (size_t)(s.m * ldc));
        vx_sgemm_packed(&pk, 0, s.m, s.n, &bo, beta, cp, ldc);
        ck_assert_msg(!memcmp(c1, cp, sizeof(float) * (size_t)(s.m * ldc)),
                      "%lldx%lldx%lld beta %g threads %d: in-place and packed bits differ",
                      (long long)s.m, (long long)s.n, (long long)s.k, beta, threads);
        free(cp);
    }
    /* and the oracle agrees to rounding (padding columns untouched) */
    vx_sgemm_impl(1, false, false, s.m, s.n, s.k, 1.0f, a, lda, b, ldb, beta, c0, ldc);
    double tol = 1e-6 * (double)s.k + 1e-6;
    for (int64_t i = 0; i < s.m; i++)
        for (int64_t j = 0; j < ldc; j++) {
            float x = c0[i * ldc + j], y = c1[i * ldc + j];
            if (j >= s.n)
                ck_assert_msg(x == y, "wrote outside C at (%lld, %lld)", (long long)i, (long long)j);
            else
                ck_assert_msg(fabs(x - y) <= tol, "(%lld, %lld): %g vs oracle %g", (long long)i,
                              (long long)j, y, x);
        }
    vx_threads_set(0);
    vx_sgemm_set_impl(0);
    free(a);
    free(b);
    free(c0);
    free(c1);
    free(c2);
    free(buf);
}
END_TEST

Suite *suite_gemm_direct(void)
{
    Suite *s = suite_create("gemm_direct");
    TCase *tc = tcase_create("in_place");
    tcase_add_loop_test(tc, gemm_in_place_gives_the_packed_bits, 0, 2 * N_CASES);
    suite_add_tcase(s, tc);
    return s;
}
