/* peak_avx2.c — 10 independent AVX2 FMA chains (8 lanes each) for the peak probe. */
#include <immintrin.h>

#include "peak.h"

double vx_peak_fma_avx2(long iters)
{
    __m256 acc[10], x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
    for (int r = 0; r < 10; r++)
        acc[r] = _mm256_set1_ps((float)r);
    for (long i = 0; i < iters; i++) {
#pragma GCC unroll 10
        for (int r = 0; r < 10; r++)
            acc[r] = _mm256_fmadd_ps(acc[r], x, y);
    }
    __m256 s = acc[0];
    for (int r = 1; r < 10; r++)
        s = _mm256_add_ps(s, acc[r]);
    float out[8];
    _mm256_storeu_ps(out, s);
    return (double)iters * 10 * 8 * 2 + (out[0] == 12345.f); /* keep the result live */
}
