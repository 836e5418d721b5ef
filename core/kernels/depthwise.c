/* depthwise.c — the portable depthwise row and its dispatch (see depthwise.h). */
#include "depthwise.h"

#include "cpu.h"

void vx_depthwise_row(const float *x, int64_t t_in, const float *w, int64_t K, int64_t pad,
                      int64_t dilation, float *y, int64_t t_out)
{
#if defined(__x86_64__)
    if (vx_cpu_avx512()) {
        vx_depthwise_row_avx512(x, t_in, w, K, pad, dilation, y, t_out);
        return;
    }
#endif
    for (int64_t k = 0; k < K; k++) { /* tap by tap: y and x are walked in order */
        int64_t off = k * dilation - pad, lo, hi;
        vx_depthwise_span(off, t_in, t_out, &lo, &hi);
        for (int64_t t = lo; t < hi; t++)
            y[t] += w[k] * x[t + off];
    }
}
