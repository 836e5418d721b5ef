/* kernels_conv.cu — CUDA C: direct conv1d and conv_transpose1d, one output
 * element per thread (gather form: no atomics), PyTorch semantics as in
 * core/ops/conv.c, and the weight gradient of both. With `accumulate` a
 * kernel adds into its output (backward: each op's input gradient is the
 * other op's forward). The same formulas as hw/opencl/kernels_conv.c.
 * Not yet here: the implicit-GEMM forms (conv1d through the tiled GEMM with
 * im2col gathered into shared memory, polyphase conv_transpose1d) that the
 * opencl backend uses for >= 16 output channels per group.
 * Compile-tested only (no GPU on this project's machines). */
#include "hw/cuda/kernels_common.cuh"

/* ref: core/ops/conv.c conv1d: with gi = co / cout_g, ti = t·stride − pad + k·dil:
 * y[b, co, t] = bias[co] + Σ_c Σ_k w[co, c, k] · x[b, gi·cin_g + c, ti]. */
__device__ static float conv1d_at(const vxcu_conv_args &p, int64_t b, int64_t co, int64_t t)
{
    int64_t cin_g = p.Cin / p.groups, cout_g = p.Cout / p.groups, gi = co / cout_g;
    float acc = p.bias ? p.bias[co] : 0.0f;
    for (int64_t c = 0; c < cin_g; c++) {
        const float *xr = p.x + (b * p.Cin + gi * cin_g + c) * p.T;
        const float *wr = p.w + (co * cin_g + c) * p.K;
        for (int64_t k = 0; k < p.K; k++) {
            int64_t ti = t * p.stride - p.pad + k * p.dil;
            if (ti >= 0 && ti < p.T)
                acc = fmaf(wr[k], xr[ti], acc);
        }
    }
    return acc;
}

/* ref: core/ops/conv.c conv_transpose1d, gathered per output: with
 * gi = co / cout_g, c = co mod cout_g, and t·stride = to + pad − k·dil:
 * y[b, co, to] = bias[co] + Σ_{ci in group gi} Σ_k x[b, ci, t] · w[ci, c, k]. */
__device__ static float conv_transpose1d_at(const vxcu_conv_args &p, int64_t b, int64_t co, int64_t to)
{
    int64_t cin_g = p.Cin / p.groups, cout_g = p.Cout / p.groups, gi = co / cout_g, c = co % cout_g;
    float acc = p.bias ? p.bias[co] : 0.0f;
    /* with dil = 1 only taps k ≡ (to + pad) mod stride can land on an input */
    int64_t k_first = p.dil == 1 ? (to + p.pad) % p.stride : 0, k_step = p.dil == 1 ? p.stride : 1;
    for (int64_t ci = gi * cin_g; ci < (gi + 1) * cin_g; ci++) {
        const float *xr = p.x + (b * p.Cin + ci) * p.T;
        const float *wr = p.w + (ci * cout_g + c) * p.K;
        for (int64_t k = k_first; k < p.K; k += k_step) {
            int64_t num = to + p.pad - k * p.dil;
            if (num >= 0 && num % p.stride == 0 && num / p.stride < p.T)
                acc = fmaf(xr[num / p.stride], wr[k], acc);
        }
    }
    return acc;
}

__global__ void conv_kernel(vxcu_conv_args p)
{
    int64_t total = p.B * p.Cout * p.Tout;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total;
         i += (int64_t)gridDim.x * blockDim.x) {
        int64_t t = i % p.Tout, co = (i / p.Tout) % p.Cout, b = i / p.Tout / p.Cout;
        float v = p.transposed ? conv_transpose1d_at(p, b, co, t) : conv1d_at(p, b, co, t);
        p.y[i] = v + (p.accumulate ? p.y[i] : 0.0f);
    }
}

/* dw[o, c, k] += Σ_b Σ_t P[b, o, t] · Q[b, g·q_g + c, t·stride − pad + k·dil],
 * g = o / (P_ch / groups), one thread per weight.
 * ref: core/ops/conv.c backward: conv1d has P = dy, Q = x (o = co);
 * conv_transpose1d has P = x, Q = dy (o = ci). */
__global__ void conv_grad_w_kernel(vxcu_conv_grad_w_args p)
{
    int64_t q_g = p.Q_ch / p.groups, total = p.P_ch * q_g * p.K;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total;
         i += (int64_t)gridDim.x * blockDim.x) {
        int64_t k = i % p.K, c = (i / p.K) % q_g, o = i / p.K / q_g;
        int64_t g = o / (p.P_ch / p.groups);
        float acc = 0;
        for (int64_t b = 0; b < p.B; b++) {
            const float *pr = p.p + (b * p.P_ch + o) * p.P_len;
            const float *qr = p.q + (b * p.Q_ch + g * q_g + c) * p.Q_len;
            for (int64_t t = 0; t < p.P_len; t++) {
                int64_t tq = t * p.stride - p.pad + k * p.dil;
                if (tq >= 0 && tq < p.Q_len)
                    acc = fmaf(pr[t], qr[tq], acc);
            }
        }
        p.dw[i] += acc;
    }
}

int vxcu_launch_conv(void *stream, const vxcu_conv_args *a)
{
    int64_t total = a->B * a->Cout * a->Tout;
    if (total == 0)
        return cudaSuccess;
    conv_kernel<<<vxcu_blocks(total, VXCU_BLOCK), VXCU_BLOCK, 0, (cudaStream_t)stream>>>(*a);
    return vxcu_launched();
}

int vxcu_launch_conv_grad_w(void *stream, const vxcu_conv_grad_w_args *a)
{
    int64_t total = a->P_ch * (a->Q_ch / a->groups) * a->K;
    if (total == 0)
        return cudaSuccess;
    conv_grad_w_kernel<<<vxcu_blocks(total, VXCU_BLOCK), VXCU_BLOCK, 0, (cudaStream_t)stream>>>(*a);
    return vxcu_launched();
}
