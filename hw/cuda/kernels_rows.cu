/* kernels_rows.cu — CUDA C: ops along one axis of x viewed as
 * [outer, n, inner] (element (o, j, i) at (o·n + j)·inner + i): softmax and
 * layer norm (one block of VXCU_ROW_BLOCK threads per line, warp-shuffle
 * block reductions), sum/mean over any axes, cumsum (one thread per line;
 * Kahan-compensated float sums in place of the reference's double
 * accumulators), and the bias gradient of linear and conv. The same
 * formulas as hw/opencl/kernels_rows.c. Compile-tested only (no GPU here). */
#include <math.h>

#include "hw/cuda/kernels_common.cuh"

#define WARPS (VXCU_ROW_BLOCK / 32)

/* Sum (or max) of v over the block; every thread gets it. `red` holds one
 * value per warp. */
__device__ static float block_reduce(float v, bool is_max, float *red)
{
    for (int s = 16; s > 0; s >>= 1) {
        float o = __shfl_xor_sync(0xffffffffu, v, s);
        v = is_max ? fmaxf(v, o) : v + o;
    }
    int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    if (lane == 0)
        red[warp] = v;
    __syncthreads();
    float r = red[0];
    for (int w = 1; w < WARPS; w++)
        r = is_max ? fmaxf(r, red[w]) : r + red[w];
    __syncthreads(); /* red is reused by the next reduction */
    return r;
}

/* Kahan step: s += v with compensation c (skipped once s is not finite,
 * so Inf and NaN propagate as in a plain sum). */
__device__ static void kahan_add(float &s, float &c, float v)
{
    float t = s + v, d = t - s;
    if (isfinite(t))
        c += (v - d) + (s - (t - d));
    s = t;
}

/* ref: core/ops/norm.c softmax: y_j = e^{x_j − m} / Σ_k e^{x_k − m}, m = max x. */
__global__ void softmax_kernel(vxcu_rows_args p)
{
    __shared__ float red[WARPS];
    for (int64_t line = blockIdx.x; line < p.lines; line += gridDim.x) {
        int64_t base = (line / p.inner) * p.n * p.inner + line % p.inner;
        const float *xl = p.x + base;
        float *yl = p.y + base;
        float m = -INFINITY;
        for (int64_t j = threadIdx.x; j < p.n; j += blockDim.x)
            m = fmaxf(m, xl[j * p.inner]);
        m = block_reduce(m, true, red);
        float s = 0;
        for (int64_t j = threadIdx.x; j < p.n; j += blockDim.x)
            s += expf(xl[j * p.inner] - m);
        s = block_reduce(s, false, red);
        for (int64_t j = threadIdx.x; j < p.n; j += blockDim.x)
            yl[j * p.inner] = expf(xl[j * p.inner] - m) / s;
    }
}

/* ref: core/ops/norm.c layer norm: y = (x − μ)/√(σ² + eps)·γ + β over the n
 * elements of each line; σ² from a second pass over (x − μ)². */
__global__ void layer_norm_kernel(vxcu_rows_args p)
{
    __shared__ float red[WARPS];
    for (int64_t line = blockIdx.x; line < p.lines; line += gridDim.x) {
        int64_t base = (line / p.inner) * p.n * p.inner + line % p.inner;
        const float *xl = p.x + base;
        float *yl = p.y + base;
        float s = 0;
        for (int64_t j = threadIdx.x; j < p.n; j += blockDim.x)
            s += xl[j * p.inner];
        float mu = block_reduce(s, false, red) / (float)p.n;
        float v = 0;
        for (int64_t j = threadIdx.x; j < p.n; j += blockDim.x) {
            float d = xl[j * p.inner] - mu;
            v += d * d;
        }
        float rstd = 1.0f / sqrtf(block_reduce(v, false, red) / (float)p.n + p.eps);
        for (int64_t j = threadIdx.x; j < p.n; j += blockDim.x) {
            float t = (xl[j * p.inner] - mu) * rstd;
            yl[j * p.inner] = t * (p.gamma ? p.gamma[j] : 1.0f) + (p.beta ? p.beta[j] : 0.0f);
        }
    }
}

/* Running sum along each line, one thread per line. */
__global__ void cumsum_kernel(vxcu_rows_args p)
{
    for (int64_t line = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; line < p.lines;
         line += (int64_t)gridDim.x * blockDim.x) {
        int64_t base = (line / p.inner) * p.n * p.inner + line % p.inner;
        float s = 0, c = 0;
        for (int64_t j = 0; j < p.n; j++) {
            kahan_add(s, c, p.x[base + j * p.inner]);
            p.y[base + j * p.inner] = s + c;
        }
    }
}

/* Element r of the reduced index space of output o (see vxcu_reduce_args). */
__device__ static float reduce_term(const vxcu_reduce_args &p, int64_t o, int64_t r)
{
    int64_t k3 = o % p.kn[3], q = o / p.kn[3];
    int64_t k2 = q % p.kn[2];
    q /= p.kn[2];
    int64_t k1 = q % p.kn[1], k0 = q / p.kn[1];
    int64_t r3 = r % p.rn[3], t = r / p.rn[3];
    int64_t r2 = t % p.rn[2];
    t /= p.rn[2];
    int64_t r1 = t % p.rn[1], r0 = t / p.rn[1];
    return p.x[(k0 + r0) * p.xs[0] + (k1 + r1) * p.xs[1] + (k2 + r2) * p.xs[2] + (k3 + r3) * p.xs[3]];
}

__device__ static float reduce_result(const vxcu_reduce_args &p, float s)
{
    return p.mean ? (p.count > 0 ? s / (float)p.count : NAN) : s;
}

/* One thread per output element. */
__global__ void reduce_kernel(vxcu_reduce_args p)
{
    for (int64_t o = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; o < p.n_out;
         o += (int64_t)gridDim.x * blockDim.x) {
        float s = 0, c = 0;
        for (int64_t r = 0; r < p.count; r++)
            kahan_add(s, c, reduce_term(p, o, r));
        p.y[o] = reduce_result(p, s + c);
    }
}

/* One block per output element (few outputs over many terms). */
__global__ void reduce_block_kernel(vxcu_reduce_args p)
{
    __shared__ float red[WARPS];
    for (int64_t o = blockIdx.x; o < p.n_out; o += gridDim.x) {
        float s = 0, c = 0;
        for (int64_t r = threadIdx.x; r < p.count; r += blockDim.x)
            kahan_add(s, c, reduce_term(p, o, r));
        s = block_reduce(s + c, false, red);
        if (threadIdx.x == 0)
            p.y[o] = reduce_result(p, s);
    }
}

/* db[c] += Σ_o Σ_i dy[(o·C + c)·inner + i], one thread per channel. */
__global__ void bias_grad_kernel(vxcu_bias_grad_args p)
{
    for (int64_t ch = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; ch < p.C;
         ch += (int64_t)gridDim.x * blockDim.x) {
        float s = 0, c = 0;
        for (int64_t o = 0; o < p.outer; o++)
            for (int64_t i = 0; i < p.inner; i++)
                kahan_add(s, c, p.dy[(o * p.C + ch) * p.inner + i]);
        p.db[ch] += s + c;
    }
}

/* Reductions of at least this many terms into at most this many outputs
 * use a block per output (too few outputs to fill the device otherwise). */
#define REDUCE_BLOCK_MIN_COUNT 1024
#define REDUCE_BLOCK_MAX_OUT 65536

int vxcu_launch_softmax(void *stream, const vxcu_rows_args *a)
{
    if (a->lines == 0 || a->n == 0)
        return cudaSuccess;
    softmax_kernel<<<vxcu_blocks(a->lines, 1), VXCU_ROW_BLOCK, 0, (cudaStream_t)stream>>>(*a);
    return vxcu_launched();
}

int vxcu_launch_layer_norm(void *stream, const vxcu_rows_args *a)
{
    if (a->lines == 0)
        return cudaSuccess;
    layer_norm_kernel<<<vxcu_blocks(a->lines, 1), VXCU_ROW_BLOCK, 0, (cudaStream_t)stream>>>(*a);
    return vxcu_launched();
}

int vxcu_launch_cumsum(void *stream, const vxcu_rows_args *a)
{
    if (a->lines == 0 || a->n == 0)
        return cudaSuccess;
    cumsum_kernel<<<vxcu_blocks(a->lines, VXCU_BLOCK), VXCU_BLOCK, 0, (cudaStream_t)stream>>>(*a);
    return vxcu_launched();
}

int vxcu_launch_reduce(void *stream, const vxcu_reduce_args *a)
{
    if (a->n_out == 0)
        return cudaSuccess;
    if (a->count >= REDUCE_BLOCK_MIN_COUNT && a->n_out <= REDUCE_BLOCK_MAX_OUT)
        reduce_block_kernel<<<vxcu_blocks(a->n_out, 1), VXCU_ROW_BLOCK, 0, (cudaStream_t)stream>>>(*a);
    else
        reduce_kernel<<<vxcu_blocks(a->n_out, VXCU_BLOCK), VXCU_BLOCK, 0, (cudaStream_t)stream>>>(*a);
    return vxcu_launched();
}

int vxcu_launch_bias_grad(void *stream, const vxcu_bias_grad_args *a)
{
    if (a->C == 0)
        return cudaSuccess;
    bias_grad_kernel<<<vxcu_blocks(a->C, VXCU_BLOCK), VXCU_BLOCK, 0, (cudaStream_t)stream>>>(*a);
    return vxcu_launched();
}
