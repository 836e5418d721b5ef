/* gemm_avx512.c — AVX-512F 12×32 micro-kernel: 24 zmm accumulators, B row in
 * 2 registers, A broadcast per row. Compiled with -mavx512f; called only after
 * cpuid says the CPU has it. */
#include <immintrin.h>

#include "gemm.h"

void vx_gemm_ukernel_avx512_12x32(int64_t kc, const float *a, const float *b, float *c,
                                  int64_t ldc)
{
    __m512 acc[12][2];
#pragma GCC unroll 12
    for (int r = 0; r < 12; r++)
        acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    for (int64_t k = 0; k < kc; k++) {
        __m512 b0 = _mm512_loadu_ps(b + 32 * k), b1 = _mm512_loadu_ps(b + 32 * k + 16);
#pragma GCC unroll 12
        for (int r = 0; r < 12; r++) {
            __m512 av = _mm512_set1_ps(a[12 * k + r]);
            acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
        }
    }
#pragma GCC unroll 12
    for (int r = 0; r < 12; r++) {
        float *cr = c + r * ldc;
        _mm512_storeu_ps(cr, _mm512_add_ps(_mm512_loadu_ps(cr), acc[r][0]));
        _mm512_storeu_ps(cr + 16, _mm512_add_ps(_mm512_loadu_ps(cr + 16), acc[r][1]));
    }
}
