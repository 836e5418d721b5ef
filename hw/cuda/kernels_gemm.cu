/* kernels_gemm.cu — CUDA C: the shared-memory tiled SGEMM behind matmul,
 * linear and their backward (no cuBLAS). A block of TILE × TILE (16 × 16)
 * threads computes a 64 × 64 block of C, each thread a 4 × 4 sub-block
 * strided by 16 (so stores stay coalesced); A and B tiles pass through
 * shared memory 16 reduction steps at a time, with the load order chosen by
 * the operand's unit stride so global reads are coalesced whether an
 * operand is row-major or transposed (linear's B = wᵀ, the backward's aᵀ).
 * Operands are read through element strides and batch strides (0 for a
 * broadcast batch), so one kernel serves every caller; see vxcu_gemm_args.
 * The same blocking as hw/opencl/kernels_gemm.c. Not yet here: tensor cores
 * (mma) for f16/bf16, double buffering (cp.async), vectorised loads.
 * Compile-tested only (no GPU on this project's machines). */
#include "hw/cuda/kernels_common.cuh"

#define TILE 16
#define BLOCK_EDGE (4 * TILE) /* 64 rows/cols of C per block */

/* C[batch] (+)= A·B (+ bias[n]). Grid: x over N blocks, y over M blocks
 * (grid-stride), z over batches (grid-stride). */
__global__ void __launch_bounds__(TILE * TILE) gemm_kernel(vxcu_gemm_args p)
{
    __shared__ float As[TILE][BLOCK_EDGE + 1]; /* [k][m] */
    __shared__ float Bs[TILE][BLOCK_EDGE + 1]; /* [k][n] */
    int tx = threadIdx.x, ty = threadIdx.y, tid = ty * TILE + tx;
    int64_t n0 = (int64_t)blockIdx.x * BLOCK_EDGE;
    /* A contiguous along m (a_m == 1): walk m fastest; else k fastest. B
     * contiguous along k (b_k == 1): walk k fastest; else n fastest. */
    bool a_m_fast = p.a_m == 1 && p.a_k != 1, b_k_fast = p.b_k == 1 && p.b_n != 1;
    int64_t batches = p.n0 * p.n1;
    for (int64_t batch = blockIdx.z; batch < batches; batch += gridDim.z) {
        int64_t b0 = batch / p.n1, b1 = batch % p.n1;
        const float *A = p.a + b0 * p.sa0 + b1 * p.sa1;
        const float *B = p.b + b0 * p.sb0 + b1 * p.sb1;
        float *C = p.c + batch * p.M * p.N;
        for (int64_t m0 = (int64_t)blockIdx.y * BLOCK_EDGE; m0 < p.M; m0 += (int64_t)gridDim.y * BLOCK_EDGE) {
            float acc[4][4] = {{0}};
            for (int64_t k0 = 0; k0 < p.K; k0 += TILE) {
                for (int i = 0; i < 4; i++) {
                    int e = tid + i * TILE * TILE;
                    int r = a_m_fast ? e % BLOCK_EDGE : e / TILE, kk = a_m_fast ? e / BLOCK_EDGE : e % TILE;
                    int64_t m = m0 + r, k = k0 + kk;
                    As[kk][r] = m < p.M && k < p.K ? A[m * p.a_m + k * p.a_k] : 0.0f;
                    int kb = b_k_fast ? e % TILE : e / BLOCK_EDGE, cc = b_k_fast ? e / TILE : e % BLOCK_EDGE;
                    int64_t n = n0 + cc, kr = k0 + kb;
                    Bs[kb][cc] = kr < p.K && n < p.N ? B[kr * p.b_k + n * p.b_n] : 0.0f;
                }
                __syncthreads();
#pragma unroll
                for (int kk = 0; kk < TILE; kk++) {
                    float a[4], b[4];
#pragma unroll
                    for (int i = 0; i < 4; i++) {
                        a[i] = As[kk][ty + i * TILE];
                        b[i] = Bs[kk][tx + i * TILE];
                    }
#pragma unroll
                    for (int i = 0; i < 4; i++)
#pragma unroll
                        for (int j = 0; j < 4; j++)
                            acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
                }
                __syncthreads();
            }
            for (int i = 0; i < 4; i++) {
                int64_t m = m0 + ty + i * TILE;
                for (int j = 0; j < 4; j++) {
                    int64_t n = n0 + tx + j * TILE;
                    if (m < p.M && n < p.N) {
                        float *c = C + m * p.N + n;
                        *c = acc[i][j] + (p.bias ? p.bias[n] : 0.0f) + (p.accumulate ? *c : 0.0f);
                    }
                }
            }
        }
    }
}

int vxcu_launch_gemm(void *stream, const vxcu_gemm_args *a)
{
    int64_t batches = a->n0 * a->n1;
    if (a->M == 0 || a->N == 0 || batches == 0)
        return cudaSuccess;
    int64_t bn = (a->N + BLOCK_EDGE - 1) / BLOCK_EDGE, bm = (a->M + BLOCK_EDGE - 1) / BLOCK_EDGE;
    if (bn > 0x7fffffff)
        return cudaErrorInvalidValue;
    dim3 grid((unsigned)bn, (unsigned)(bm < VXCU_MAX_BLOCKS_YZ ? bm : VXCU_MAX_BLOCKS_YZ),
              (unsigned)(batches < VXCU_MAX_BLOCKS_YZ ? batches : VXCU_MAX_BLOCKS_YZ));
    gemm_kernel<<<grid, dim3(TILE, TILE), 0, (cudaStream_t)stream>>>(*a);
    return vxcu_launched();
}
