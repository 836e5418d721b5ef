/* peak_avx512.c — 12 independent AVX-512 FMA chains (16 lanes each) for the peak probe. */
#include <immintrin.h>

#include "peak.h"

double vx_peak_fma_avx512(long iters)
{
    __m512 acc[12], x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
    for (int r = 0; r < 12; r++)
        acc[r] = _mm512_set1_ps((float)r);
    for (long i = 0; i < iters; i++) {
#pragma GCC unroll 12
        for (int r = 0; r < 12; r++)
            acc[r] = _mm512_fmadd_ps(acc[r], x, y);
    }
    __m512 s = acc[0];
    for (int r = 1; r < 12; r++)
        s = _mm512_add_ps(s, acc[r]);
    return (double)iters * 12 * 16 * 2 + (_mm512_reduce_add_ps(s) == 12345.f);
}
