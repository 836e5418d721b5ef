/* kernels_gemm.c — OpenCL C: tiled, register-blocked GEMM kernels. A
 * work-group of TILE × TILE (16 × 16) items computes a 64 × 64 block of C,
 * each item a 4 × 4 sub-block strided by 16 (so stores stay coalesced); A
 * and B tiles go through local memory 16 reduction steps at a time.
 * vx_gemm reads its operands through element strides, so it serves matmul
 * (b [K, N] row-major, batch dims broadcast through stride 0) and linear
 * (B = wᵀ, w [Out, In]); vx_conv1d_gemm is conv1d as an implicit GEMM per
 * (batch, group): W [cout_g, cin_g·K] times the im2col matrix of x, whose
 * elements it gathers while loading the B tile; vx_conv_transpose1d_gemm is
 * the polyphase form of conv_transpose1d, one implicit GEMM per output phase. */
#include "hw/opencl/kernels.h"

const char vxcl_src_gemm[] = VXCL_SRC(

/* acc[i][j] += Σ_kk As[kk][ty + 16i] · Bs[kk][tx + 16j] over one tile pair. */
void multiply_tiles(__local float (*As)[4 * TILE + 1], __local float (*Bs)[4 * TILE + 1],
                    float acc[4][4], int tx, int ty)
{
    for (int kk = 0; kk < TILE; kk++) {
        float a[4], b[4];
        for (int i = 0; i < 4; i++) {
            a[i] = As[kk][ty + i * TILE];
            b[i] = Bs[kk][tx + i * TILE];
        }
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
                acc[i][j] += a[i] * b[j];
    }
}

/* C[batch, m, n] = Σ_k A[m, k]·B[k, n] (+ bias[n]) (+ the old C when
 * `accumulate`: backward passes add into gradients) for batch = (b0, b1),
 * b1 < n1. A element (m, k) at a_off + b0·sa0 + b1·sa1 + m·a_m + k·a_k, B
 * likewise; C is contiguous [batch, M, N]. Global size (⌈N/64⌉·16,
 * ⌈M/64⌉·16, batches). */
__kernel __attribute__((reqd_work_group_size(TILE, TILE, 1)))
void vx_gemm(__global const float *A, long a_off, long a_m, long a_k, long sa0, long sa1,
             __global const float *B, long b_off, long b_k, long b_n, long sb0, long sb1,
             __global const float *bias, long bias_off, int has_bias,
             __global float *C, long c_off, long M, long N, long K, long n1, int accumulate)
{
    __local float As[TILE][4 * TILE + 1]; /* [k][m] */
    __local float Bs[TILE][4 * TILE + 1]; /* [k][n] */
    int tx = get_local_id(0), ty = get_local_id(1), tid = ty * TILE + tx;
    long n0 = get_group_id(0) * 4 * TILE, m0 = get_group_id(1) * 4 * TILE;
    long batch = get_global_id(2), b0 = batch / n1, b1 = batch % n1;
    __global const float *Ab = A + a_off + b0 * sa0 + b1 * sa1;
    __global const float *Bb = B + b_off + b0 * sb0 + b1 * sb1;
    float acc[4][4] = {{0}};
    for (long k0 = 0; k0 < K; k0 += TILE) {
        for (int i = 0; i < 4; i++) {
            int e = tid + i * TILE * TILE;
            int r = e / TILE, kk = e % TILE;  /* A tile: 64 rows × 16 k */
            long m = m0 + r, k = k0 + kk;
            As[kk][r] = m < M && k < K ? Ab[m * a_m + k * a_k] : 0.0f;
            int kb = e / (4 * TILE), cc = e % (4 * TILE); /* B tile: 16 k × 64 cols */
            long n = n0 + cc, kr = k0 + kb;
            Bs[kb][cc] = kr < K && n < N ? Bb[kr * b_k + n * b_n] : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        multiply_tiles(As, Bs, acc, tx, ty);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int i = 0; i < 4; i++) {
        long m = m0 + ty + i * TILE;
        for (int j = 0; j < 4; j++) {
            long n = n0 + tx + j * TILE;
            long e = c_off + (batch * M + m) * N + n;
            if (m < M && n < N)
                C[e] = acc[i][j] + (has_bias ? bias[bias_off + n] : 0.0f) + (accumulate ? C[e] : 0.0f);
        }
    }
}

/* ref: core/ops/conv.c conv1d as a GEMM per (b, gi), batch = b·groups + gi:
 * y[b, gi·cout_g + m, t] = bias + Σ_r W[m, r] · X̃[r, t], r = c·K + k,
 * W[m, r] = w[gi·cout_g + m, c, k], X̃[r, t] = x[b, gi·cin_g + c, t·stride − pad + k·dil]
 * (0 outside [0, T)), plus the old y when `accumulate`. Global size
 * (⌈Tout/64⌉·16, ⌈cout_g/64⌉·16, B·groups). */
__kernel __attribute__((reqd_work_group_size(TILE, TILE, 1)))
void vx_conv1d_gemm(__global const float *x, long x_off, __global const float *w, long w_off,
                    __global const float *bias, long bias_off, int has_bias,
                    __global float *y, long y_off, long Cin, long T, long Cout, long Tout,
                    long K, long stride, long pad, long dil, long groups, int accumulate)
{
    __local float As[TILE][4 * TILE + 1];
    __local float Bs[TILE][4 * TILE + 1];
    int tx = get_local_id(0), ty = get_local_id(1), tid = ty * TILE + tx;
    long n0 = get_group_id(0) * 4 * TILE, m0 = get_group_id(1) * 4 * TILE;
    long z = get_global_id(2), b = z / groups, gi = z % groups;
    long cin_g = Cin / groups, cout_g = Cout / groups, R = cin_g * K;
    __global const float *wg = w + w_off + gi * cout_g * R;              /* [cout_g, R] */
    __global const float *xg = x + x_off + (b * Cin + gi * cin_g) * T;   /* [cin_g, T]  */
    float acc[4][4] = {{0}};
    for (long r0 = 0; r0 < R; r0 += TILE) {
        for (int i = 0; i < 4; i++) {
            int e = tid + i * TILE * TILE;
            int row = e / TILE, rr = e % TILE;
            long m = m0 + row, r = r0 + rr;
            As[rr][row] = m < cout_g && r < R ? wg[m * R + r] : 0.0f;
            int rb = e / (4 * TILE), cc = e % (4 * TILE);
            long t = n0 + cc, rk = r0 + rb;
            long ti = t * stride - pad + (rk % K) * dil;
            Bs[rb][cc] = rk < R && t < Tout && ti >= 0 && ti < T ? xg[(rk / K) * T + ti] : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        multiply_tiles(As, Bs, acc, tx, ty);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int i = 0; i < 4; i++) {
        long m = m0 + ty + i * TILE;
        for (int j = 0; j < 4; j++) {
            long t = n0 + tx + j * TILE;
            long e = y_off + (b * Cout + gi * cout_g + m) * Tout + t;
            if (m < cout_g && t < Tout)
                y[e] = acc[i][j] + (has_bias ? bias[bias_off + gi * cout_g + m] : 0.0f) +
                       (accumulate ? y[e] : 0.0f);
        }
    }
}

/* ref: core/ops/conv.c conv_transpose1d with dilation 1, polyphase: for
 * u = to + pad, phase φ = u mod stride and q = u div stride, only taps
 * k = φ + j·stride reach to, from t = q − j. So per (b, gi, φ) it is a GEMM
 * y[b, gi·cout_g + c, q·stride + φ − pad] = bias + Σ_r W_φ[c, r] · X̃[r, q],
 * r = ci·J + j (J = ⌈K/stride⌉), W_φ[c, r] = w[gi·cin_g + ci, c, φ + j·stride]
 * (0 when that tap is ≥ K), X̃[r, q] = x[b, gi·cin_g + ci, q − j] (0 outside
 * [0, T)); columns n = q − q_lo with q_lo the first q whose output is ≥ 0.
 * Global size (⌈Q/64⌉·16, ⌈cout_g/64⌉·16, B·groups·stride), Q ≥ ⌈Tout/stride⌉ + 1. */
__kernel __attribute__((reqd_work_group_size(TILE, TILE, 1)))
void vx_conv_transpose1d_gemm(__global const float *x, long x_off, __global const float *w,
                              long w_off, __global const float *bias, long bias_off, int has_bias,
                              __global float *y, long y_off, long Cin, long T, long Cout,
                              long Tout, long K, long stride, long pad, long groups, int accumulate)
{
    __local float As[TILE][4 * TILE + 1];
    __local float Bs[TILE][4 * TILE + 1];
    int tx = get_local_id(0), ty = get_local_id(1), tid = ty * TILE + tx;
    long n0 = get_group_id(0) * 4 * TILE, m0 = get_group_id(1) * 4 * TILE;
    long z = get_global_id(2), phase = z % stride, bg = z / stride, b = bg / groups, gi = bg % groups;
    long cin_g = Cin / groups, cout_g = Cout / groups, J = (K + stride - 1) / stride, R = cin_g * J;
    long q_lo = phase >= pad ? 0 : (pad - phase + stride - 1) / stride;
    __global const float *wg = w + w_off + gi * cin_g * cout_g * K;      /* [cin_g, cout_g, K] */
    __global const float *xg = x + x_off + (b * Cin + gi * cin_g) * T;   /* [cin_g, T]         */
    float acc[4][4] = {{0}};
    for (long r0 = 0; r0 < R; r0 += TILE) {
        for (int i = 0; i < 4; i++) {
            int e = tid + i * TILE * TILE;
            int row = e / TILE, rr = e % TILE;
            long m = m0 + row, r = r0 + rr, k = phase + (r % J) * stride;
            As[rr][row] = m < cout_g && r < R && k < K ? wg[((r / J) * cout_g + m) * K + k] : 0.0f;
            int rb = e / (4 * TILE), cc = e % (4 * TILE);
            long rk = r0 + rb, t = q_lo + n0 + cc - rk % J;
            Bs[rb][cc] = rk < R && t >= 0 && t < T ? xg[(rk / J) * T + t] : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        multiply_tiles(As, Bs, acc, tx, ty);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int i = 0; i < 4; i++) {
        long m = m0 + ty + i * TILE;
        for (int j = 0; j < 4; j++) {
            long to = (q_lo + n0 + tx + j * TILE) * stride + phase - pad;
            long e = y_off + (b * Cout + gi * cout_g + m) * Tout + to;
            if (m < cout_g && to < Tout)
                y[e] = acc[i][j] + (has_bias ? bias[bias_off + gi * cout_g + m] : 0.0f) +
                       (accumulate ? y[e] : 0.0f);
        }
    }
}

);
