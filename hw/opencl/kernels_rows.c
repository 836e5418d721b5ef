/* kernels_rows.c — OpenCL C: ops along one axis of x viewed as
 * [outer, n, inner] (element (o, j, i) at (o·n + j)·inner + i): softmax and
 * layer norm (one work-group of ROW_GROUP items per line, tree reductions in
 * local memory), sum/mean over any axes, cumsum (one item per line, Kahan-
 * compensated float sums in place of the reference's double accumulators),
 * and the bias gradient of linear and conv (a sum over all but one axis). */
#include "hw/opencl/kernels.h"

const char vxcl_src_rows[] = VXCL_SRC(

/* Sum of v over the work-group (every item gets it). */
float group_sum(__local float *red, float v)
{
    int lid = get_local_id(0);
    red[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = ROW_GROUP / 2; s > 0; s >>= 1) {
        if (lid < s)
            red[lid] += red[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = red[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

float group_max(__local float *red, float v)
{
    int lid = get_local_id(0);
    red[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = ROW_GROUP / 2; s > 0; s >>= 1) {
        if (lid < s)
            red[lid] = fmax(red[lid], red[lid + s]);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = red[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

/* ref: core/ops/norm.c softmax: y_j = e^{x_j − m} / Σ_k e^{x_k − m}, m = max x.
 * One work-group per line (o, i). */
__kernel void vx_softmax(__global const float *x, long x_off, __global float *y, long y_off, long n,
                         long inner)
{
    __local float red[ROW_GROUP];
    long line = get_group_id(0), lid = get_local_id(0);
    long base = (line / inner) * n * inner + line % inner;
    __global const float *xl = x + x_off + base;
    __global float *yl = y + y_off + base;
    float m = -INFINITY;
    for (long j = lid; j < n; j += ROW_GROUP)
        m = fmax(m, xl[j * inner]);
    m = group_max(red, m);
    float s = 0;
    for (long j = lid; j < n; j += ROW_GROUP)
        s += exp(xl[j * inner] - m);
    s = group_sum(red, s);
    for (long j = lid; j < n; j += ROW_GROUP)
        yl[j * inner] = exp(xl[j * inner] - m) / s;
}

/* ref: core/ops/norm.c layer norm: y = (x − μ)/√(σ² + eps)·γ + β over the n
 * elements of each line; σ² from a second pass over (x − μ)². */
__kernel void vx_layer_norm(__global const float *x, long x_off, __global const float *g, long g_off,
                            int has_g, __global const float *b, long b_off, int has_b,
                            __global float *y, long y_off, long n, long inner, float eps)
{
    __local float red[ROW_GROUP];
    long line = get_group_id(0), lid = get_local_id(0);
    long base = (line / inner) * n * inner + line % inner;
    __global const float *xl = x + x_off + base;
    __global float *yl = y + y_off + base;
    float s = 0;
    for (long j = lid; j < n; j += ROW_GROUP)
        s += xl[j * inner];
    float mu = group_sum(red, s) / (float)n;
    float v = 0;
    for (long j = lid; j < n; j += ROW_GROUP) {
        float d = xl[j * inner] - mu;
        v += d * d;
    }
    float rstd = 1.0f / sqrt(group_sum(red, v) / (float)n + eps);
    for (long j = lid; j < n; j += ROW_GROUP) {
        float t = (xl[j * inner] - mu) * rstd;
        yl[j * inner] = t * (has_g ? g[g_off + j] : 1.0f) + (has_b ? b[b_off + j] : 0.0f);
    }
}

/* y[o] = scale · Σ x over the reduced dims. kn: x's 4-D padded dims with 1 on
 * reduced ones (the output's dims); rn: 1 on kept dims, x's size on reduced
 * ones; xs: x's contiguous strides. scale is 1 (sum) or 1/count (mean; NaN
 * for an empty mean, as in the reference). One item per output element. */
__kernel void vx_reduce(__global const float *x, long x_off, __global float *y, long y_off, long4 kn,
                        long4 rn, long4 xs, long n_out, long count, int mean)
{
    long o = get_global_id(0);
    if (o >= n_out)
        return;
    long k3 = o % kn.w, q = o / kn.w;
    long k2 = q % kn.z;
    q /= kn.z;
    long k1 = q % kn.y, k0 = q / kn.y;
    float s = 0, c = 0;
    for (long r = 0; r < count; r++) {
        long r3 = r % rn.w, p = r / rn.w;
        long r2 = p % rn.z;
        p /= rn.z;
        long r1 = p % rn.y, r0 = p / rn.y;
        float v = x[x_off + (k0 + r0) * xs.x + (k1 + r1) * xs.y + (k2 + r2) * xs.z + (k3 + r3) * xs.w];
        float t = s + v, d = t - s;
        if (isfinite(t))
            c += (v - d) + (s - (t - d));
        s = t;
    }
    s += c;
    y[y_off + o] = mean ? (count > 0 ? s / (float)count : NAN) : s;
}

/* vx_reduce with one work-group of ROW_GROUP items per output element (for
 * few outputs over many elements): each item sums every ROW_GROUP-th term
 * (Kahan), then the group adds the partial sums. */
__kernel void vx_reduce_group(__global const float *x, long x_off, __global float *y, long y_off,
                              long4 kn, long4 rn, long4 xs, long count, int mean)
{
    __local float red[ROW_GROUP];
    long o = get_group_id(0);
    long k3 = o % kn.w, q = o / kn.w;
    long k2 = q % kn.z;
    q /= kn.z;
    long k1 = q % kn.y, k0 = q / kn.y;
    float s = 0, c = 0;
    for (long r = get_local_id(0); r < count; r += ROW_GROUP) {
        long r3 = r % rn.w, p = r / rn.w;
        long r2 = p % rn.z;
        p /= rn.z;
        long r1 = p % rn.y, r0 = p / rn.y;
        float v = x[x_off + (k0 + r0) * xs.x + (k1 + r1) * xs.y + (k2 + r2) * xs.z + (k3 + r3) * xs.w];
        float t = s + v, d = t - s;
        if (isfinite(t))
            c += (v - d) + (s - (t - d));
        s = t;
    }
    s = group_sum(red, s + c);
    if (get_local_id(0) == 0)
        y[y_off + o] = mean ? (count > 0 ? s / (float)count : NAN) : s;
}

/* Running sum along each line; one item per line (outer · inner of them). */
__kernel void vx_cumsum(__global const float *x, long x_off, __global float *y, long y_off, long n,
                        long inner, long lines)
{
    long line = get_global_id(0);
    if (line >= lines)
        return;
    long base = (line / inner) * n * inner + line % inner;
    float s = 0, c = 0;
    for (long j = 0; j < n; j++) {
        float v = x[x_off + base + j * inner];
        float t = s + v, d = t - s;
        if (isfinite(t))
            c += (v - d) + (s - (t - d));
        s = t;
        y[y_off + base + j * inner] = s + c;
    }
}

/* Bias gradient: db[c] += Σ_o Σ_i dy[(o·C + c)·inner + i] (linear: dy
 * [rows, C], inner 1; conv: dy [B, C, T]). One item per channel. */
__kernel void vx_bias_grad(__global const float *dy, long dy_off, __global float *db, long db_off,
                           long outer, long C, long inner)
{
    long c = get_global_id(0);
    if (c >= C)
        return;
    float s = 0, comp = 0;
    for (long o = 0; o < outer; o++)
        for (long i = 0; i < inner; i++) {
            float v = dy[dy_off + (o * C + c) * inner + i];
            float t = s + v, d = t - s;
            if (isfinite(t))
                comp += (v - d) + (s - (t - d));
            s = t;
        }
    db[db_off + c] += s + comp;
}

);
