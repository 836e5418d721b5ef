/* depthwise_avx512.c — the depthwise row of depthwise.h on 16-lane FMAs:
 * tap by tap, y[t..t+15] += w[k]·x[t + off ..]. Compiled with -mavx512f;
 * called only after cpuid says the CPU has it. */
#include <immintrin.h>

#include "depthwise.h"

void vx_depthwise_row_avx512(const float *x, int64_t t_in, const float *w, int64_t K,
                             int64_t pad, int64_t dilation, float *y, int64_t t_out)
{
    for (int64_t k = 0; k < K; k++) {
        int64_t off = k * dilation - pad, lo, hi;
        vx_depthwise_span(off, t_in, t_out, &lo, &hi);
        __m512 wk = _mm512_set1_ps(w[k]);
        int64_t t = lo;
        for (; t + 16 <= hi; t += 16)
            _mm512_storeu_ps(y + t, _mm512_fmadd_ps(wk, _mm512_loadu_ps(x + t + off),
                                                    _mm512_loadu_ps(y + t)));
        if (t < hi) {
            __mmask16 m = (__mmask16)((1u << (hi - t)) - 1);
            _mm512_mask_storeu_ps(y + t, m, _mm512_fmadd_ps(wk, _mm512_maskz_loadu_ps(m, x + t + off),
                                                            _mm512_maskz_loadu_ps(m, y + t)));
        }
    }
}
