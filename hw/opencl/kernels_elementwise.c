/* kernels_elementwise.c — OpenCL C: broadcasting binary ops and unary
 * activations. Each expression is the one of core/ops/elementwise.c, so NaN
 * and Inf come out where the reference puts them (relu(NaN) = 0 there too). */
#include "hw/opencl/kernels.h"

const char vxcl_src_elementwise[] = VXCL_SRC(

/* y [n0, n1, n2, n3] = a OP b; sa, sb: element strides of a and b broadcast
 * to y's 4-D padded shape (0 on stretched dims). One item per element. */
__kernel void vx_binary(__global const float *a, long a_off, __global const float *b, long b_off,
                        __global float *y, long y_off, int op, long4 n, long4 sa, long4 sb,
                        long total)
{
    long i = get_global_id(0);
    if (i >= total)
        return;
    long i3 = i % n.w, r = i / n.w;
    long i2 = r % n.z;
    r /= n.z;
    long i1 = r % n.y, i0 = r / n.y;
    float av = a[a_off + i0 * sa.x + i1 * sa.y + i2 * sa.z + i3 * sa.w];
    float bv = b[b_off + i0 * sb.x + i1 * sb.y + i2 * sb.z + i3 * sb.w];
    float v;
    switch (op) {
    case VX_OP_ADD: v = av + bv; break;
    case VX_OP_SUB: v = av - bv; break;
    case VX_OP_MUL: v = av * bv; break;
    default: v = av / bv; break;
    }
    y[y_off + i] = v;
}

/* y = a OP b on same-shape operands (no broadcast: no index arithmetic). */
__kernel void vx_binary_flat(__global const float *a, long a_off, __global const float *b,
                             long b_off, __global float *y, long y_off, int op, long total)
{
    long i = get_global_id(0);
    if (i >= total)
        return;
    float av = a[a_off + i], bv = b[b_off + i], v;
    switch (op) {
    case VX_OP_ADD: v = av + bv; break;
    case VX_OP_SUB: v = av - bv; break;
    case VX_OP_MUL: v = av * bv; break;
    default: v = av / bv; break;
    }
    y[y_off + i] = v;
}

/* y[i] = f(x[i]; p0, p1) for the unary op `op`. */
__kernel void vx_unary(__global const float *x, long x_off, __global float *y, long y_off, int op,
                       float p0, float p1, long n)
{
    long i = get_global_id(0);
    if (i >= n)
        return;
    float v = x[x_off + i], r;
    switch (op) {
    case VX_OP_SCALE: r = v * p0; break;
    case VX_OP_ADD_SCALAR: r = v + p0; break;
    case VX_OP_RELU: r = v > 0 ? v : 0; break;
    case VX_OP_LEAKY_RELU: r = v > 0 ? v : p0 * v; break;
    case VX_OP_GELU: r = 0.5f * v * (1.0f + erf(v * 0.70710678f)); break;
    case VX_OP_TANH: r = tanh(v); break;
    case VX_OP_SIGMOID: r = 1.0f / (1.0f + exp(-v)); break;
    case VX_OP_EXP: r = exp(v); break;
    case VX_OP_LOG: r = log(v); break;
    case VX_OP_SOFTPLUS: r = fmax(v, 0.0f) + log1p(exp(-fabs(v))); break;
    case VX_OP_SQRT: r = sqrt(v); break;
    case VX_OP_ABS: r = fabs(v); break;
    case VX_OP_SQUARE: r = v * v; break;
    case VX_OP_CLAMP: r = v < p0 ? p0 : (v > p1 ? p1 : v); break;
    default: r = ceil(v); break;
    }
    y[y_off + i] = r;
}

);
