/* kernels_index.cu — CUDA C: gathers by i32 index (embedding and
 * index_select), one thread per output element. An index out of range
 * writes 0 and atomicMin's its position into *bad (the host starts it at
 * INT_MAX), which the host turns into the same error as the reference op.
 * The same scheme as hw/opencl/kernels_index.c.
 * Compile-tested only (no GPU on this project's machines). */
#include "hw/cuda/kernels_common.cuh"

/* y [outer, m, inner] = x [outer, n, inner] at rows idx [m] of the middle axis. */
__global__ void gather_kernel(vxcu_gather_args p)
{
    int64_t total = p.outer * p.m * p.inner;
    for (int64_t e = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; e < total;
         e += (int64_t)gridDim.x * blockDim.x) {
        int64_t i = e % p.inner, j = (e / p.inner) % p.m, o = e / p.inner / p.m;
        int32_t id = p.idx[j];
        if (id < 0 || id >= p.n) {
            atomicMin(p.bad, (int32_t)j);
            p.y[e] = 0;
        } else {
            p.y[e] = p.x[(o * p.n + id) * p.inner + i];
        }
    }
}

int vxcu_launch_gather(void *stream, const vxcu_gather_args *a)
{
    int64_t total = a->outer * a->m * a->inner;
    if (total == 0)
        return cudaSuccess;
    gather_kernel<<<vxcu_blocks(total, VXCU_BLOCK), VXCU_BLOCK, 0, (cudaStream_t)stream>>>(*a);
    return vxcu_launched();
}
