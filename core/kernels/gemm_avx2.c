/* gemm_avx2.c — AVX2+FMA 6×16 micro-kernel: 12 ymm accumulators, B row in 2
 * registers, A broadcast per row. Compiled with -mavx2 -mfma only; called only
 * after cpuid says the CPU has them. */
#include <immintrin.h>

#include "gemm.h"

void vx_gemm_ukernel_avx2_6x16(int64_t kc, const float *a, const float *b, float *c, int64_t ldc)
{
    __m256 acc[6][2];
#pragma GCC unroll 6
    for (int r = 0; r < 6; r++)
        acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    for (int64_t k = 0; k < kc; k++) {
        __m256 b0 = _mm256_loadu_ps(b + 16 * k), b1 = _mm256_loadu_ps(b + 16 * k + 8);
#pragma GCC unroll 6
        for (int r = 0; r < 6; r++) {
            __m256 av = _mm256_broadcast_ss(a + 6 * k + r);
            acc[r][0] = _mm256_fmadd_ps(av, b0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(av, b1, acc[r][1]);
        }
    }
#pragma GCC unroll 6
    for (int r = 0; r < 6; r++) {
        float *cr = c + r * ldc;
        _mm256_storeu_ps(cr, _mm256_add_ps(_mm256_loadu_ps(cr), acc[r][0]));
        _mm256_storeu_ps(cr + 8, _mm256_add_ps(_mm256_loadu_ps(cr + 8), acc[r][1]));
    }
}
