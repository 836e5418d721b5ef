/* kernels_elementwise.cu — CUDA C: broadcasting binary ops and unary
 * activations, one thread per element (grid-stride). Each expression is the
 * one of core/ops/elementwise.c (as in hw/opencl/kernels_elementwise.c), so
 * NaN and Inf come out where the reference puts them. Accurate libdevice
 * functions (no --use_fast_math). Compile-tested only (no GPU here). */
#include "hw/cuda/kernels_common.cuh"

__device__ static float binary_op(int op, float a, float b)
{
    switch (op) {
    case VXCU_ADD: return a + b;
    case VXCU_SUB: return a - b;
    case VXCU_MUL: return a * b;
    default: return a / b;
    }
}

/* y [n0, n1, n2, n3] = a OP b through broadcast strides sa, sb. */
__global__ void binary_kernel(vxcu_binary_args p)
{
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < p.total;
         i += (int64_t)gridDim.x * blockDim.x) {
        int64_t i3 = i % p.n[3], r = i / p.n[3];
        int64_t i2 = r % p.n[2];
        r /= p.n[2];
        int64_t i1 = r % p.n[1], i0 = r / p.n[1];
        float av = p.a[i0 * p.sa[0] + i1 * p.sa[1] + i2 * p.sa[2] + i3 * p.sa[3]];
        float bv = p.b[i0 * p.sb[0] + i1 * p.sb[1] + i2 * p.sb[2] + i3 * p.sb[3]];
        p.y[i] = binary_op(p.op, av, bv);
    }
}

/* Same-shape operands: no index arithmetic. */
__global__ void binary_flat_kernel(vxcu_binary_args p)
{
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < p.total;
         i += (int64_t)gridDim.x * blockDim.x)
        p.y[i] = binary_op(p.op, p.a[i], p.b[i]);
}

/* ref: core/ops/elementwise.c; gelu is the exact erf form. */
__global__ void unary_kernel(vxcu_unary_args p)
{
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < p.total;
         i += (int64_t)gridDim.x * blockDim.x) {
        float v = p.x[i], r;
        switch (p.op) {
        case VXCU_SCALE: r = v * p.p0; break;
        case VXCU_ADD_SCALAR: r = v + p.p0; break;
        case VXCU_RELU: r = v > 0 ? v : 0; break;
        case VXCU_LEAKY_RELU: r = v > 0 ? v : p.p0 * v; break;
        case VXCU_GELU: r = 0.5f * v * (1.0f + erff(v * 0.70710678f)); break;
        case VXCU_TANH: r = tanhf(v); break;
        case VXCU_SIGMOID: r = 1.0f / (1.0f + expf(-v)); break;
        case VXCU_EXP: r = expf(v); break;
        case VXCU_LOG: r = logf(v); break;
        case VXCU_SOFTPLUS: r = fmaxf(v, 0.0f) + log1pf(expf(-fabsf(v))); break;
        case VXCU_SQRT: r = sqrtf(v); break;
        case VXCU_ABS: r = fabsf(v); break;
        case VXCU_SQUARE: r = v * v; break;
        case VXCU_CLAMP: r = v < p.p0 ? p.p0 : (v > p.p1 ? p.p1 : v); break;
        default: r = ceilf(v); break;
        }
        p.y[i] = r;
    }
}

int vxcu_launch_binary(void *stream, const vxcu_binary_args *a)
{
    if (a->total == 0)
        return cudaSuccess;
    unsigned blocks = vxcu_blocks(a->total, VXCU_BLOCK);
    if (a->flat)
        binary_flat_kernel<<<blocks, VXCU_BLOCK, 0, (cudaStream_t)stream>>>(*a);
    else
        binary_kernel<<<blocks, VXCU_BLOCK, 0, (cudaStream_t)stream>>>(*a);
    return vxcu_launched();
}

int vxcu_launch_unary(void *stream, const vxcu_unary_args *a)
{
    if (a->total == 0)
        return cudaSuccess;
    unary_kernel<<<vxcu_blocks(a->total, VXCU_BLOCK), VXCU_BLOCK, 0, (cudaStream_t)stream>>>(*a);
    return vxcu_launched();
}
