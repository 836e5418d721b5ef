/* kernels_conv.c — OpenCL C: direct conv1d (used for few output channels
 * per group, e.g. depthwise, where the 64-row GEMM tiles of vx_conv1d_gemm
 * would sit idle) and conv_transpose1d, one output element per work-item
 * (gather form: no atomics), PyTorch semantics as in core/ops/conv.c; and
 * the weight gradient of both. With `accumulate` a kernel adds into its
 * output (backward: each op's input gradient is the other op's forward). */
#include "hw/opencl/kernels.h"

const char vxcl_src_conv[] = VXCL_SRC(

/* ref: core/ops/conv.c conv1d: with gi = co / cout_g, ti = t·stride − pad + k·dil:
 * y[b, co, t] = bias[co] + Σ_c Σ_k w[co, c, k] · x[b, gi·cin_g + c, ti]. */
__kernel void vx_conv1d(__global const float *x, long x_off, __global const float *w, long w_off,
                        __global const float *bias, long bias_off, int has_bias,
                        __global float *y, long y_off, long Cin, long T, long Cout, long Tout,
                        long K, long stride, long pad, long dil, long groups, long total,
                        int accumulate)
{
    long i = get_global_id(0);
    if (i >= total)
        return;
    long t = i % Tout, co = (i / Tout) % Cout, b = i / Tout / Cout;
    long cin_g = Cin / groups, cout_g = Cout / groups, gi = co / cout_g;
    float acc = has_bias ? bias[bias_off + co] : 0.0f;
    for (long c = 0; c < cin_g; c++) {
        __global const float *xr = x + x_off + (b * Cin + gi * cin_g + c) * T;
        __global const float *wr = w + w_off + (co * cin_g + c) * K;
        for (long k = 0; k < K; k++) {
            long ti = t * stride - pad + k * dil;
            if (ti >= 0 && ti < T)
                acc += wr[k] * xr[ti];
        }
    }
    y[y_off + i] = acc + (accumulate ? y[y_off + i] : 0.0f);
}

/* ref: core/ops/conv.c conv_transpose1d, gathered per output: with
 * gi = co / cout_g, c = co mod cout_g, and t·stride = to + pad − k·dil:
 * y[b, co, to] = bias[co] + Σ_{ci in group gi} Σ_k x[b, ci, t] · w[ci, c, k]. */
__kernel void vx_conv_transpose1d(__global const float *x, long x_off, __global const float *w,
                                  long w_off, __global const float *bias, long bias_off,
                                  int has_bias, __global float *y, long y_off, long Cin, long T,
                                  long Cout, long Tout, long K, long stride, long pad, long dil,
                                  long groups, long total, int accumulate)
{
    long i = get_global_id(0);
    if (i >= total)
        return;
    long to = i % Tout, co = (i / Tout) % Cout, b = i / Tout / Cout;
    long cin_g = Cin / groups, cout_g = Cout / groups, gi = co / cout_g, c = co % cout_g;
    float acc = has_bias ? bias[bias_off + co] : 0.0f;
    /* with dil = 1 only taps k ≡ (to + pad) mod stride can land on an input */
    long k_first = dil == 1 ? (to + pad) % stride : 0, k_step = dil == 1 ? stride : 1;
    for (long ci = gi * cin_g; ci < (gi + 1) * cin_g; ci++) {
        __global const float *xr = x + x_off + (b * Cin + ci) * T;
        __global const float *wr = w + w_off + (ci * cout_g + c) * K;
        for (long k = k_first; k < K; k += k_step) {
            long num = to + pad - k * dil;
            if (num >= 0 && num % stride == 0 && num / stride < T)
                acc += xr[num / stride] * wr[k];
        }
    }
    y[y_off + i] = acc + (accumulate ? y[y_off + i] : 0.0f);
}

/* Weight gradient of conv1d and conv_transpose1d, one item per weight:
 * dw[o, c, k] += Σ_b Σ_t P[b, o, t] · Q[b, g·q_g + c, t·stride − pad + k·dil],
 * g = o / (P_ch / groups), q_g = Q_ch / groups, terms outside [0, Q_len) dropped.
 * ref: core/ops/conv.c backward: conv1d has P = dy, Q = x (o = co);
 * conv_transpose1d has P = x, Q = dy (o = ci). */
__kernel void vx_conv_grad_w(__global const float *P, long p_off, __global const float *Q, long q_off,
                             __global float *dw, long dw_off, long B, long P_ch, long P_len,
                             long Q_ch, long Q_len, long K, long stride, long pad, long dil,
                             long groups, long total)
{
    long i = get_global_id(0);
    if (i >= total)
        return;
    long q_g = Q_ch / groups, k = i % K, c = (i / K) % q_g, o = i / K / q_g;
    long g = o / (P_ch / groups);
    float acc = 0;
    for (long b = 0; b < B; b++) {
        __global const float *pr = P + p_off + (b * P_ch + o) * P_len;
        __global const float *qr = Q + q_off + (b * Q_ch + g * q_g + c) * Q_len;
        for (long t = 0; t < P_len; t++) {
            long tq = t * stride - pad + k * dil;
            if (tq >= 0 && tq < Q_len)
                acc += pr[t] * qr[tq];
        }
    }
    dw[dw_off + i] += acc;
}

);
