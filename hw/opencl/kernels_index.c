/* kernels_index.c — OpenCL C: gathers by i32 index (embedding,
 * index_select). An index out of range writes 0 and records the smallest
 * bad position in *bad (atomic_min; the host starts it at INT_MAX), which
 * the host turns into the same error as the reference op. */
#include "hw/opencl/kernels.h"

const char vxcl_src_index[] = VXCL_SRC(

/* y [n, D] = weight [V, D] rows idx [n]. One item per output element. */
__kernel void vx_embedding(__global const float *w, long w_off, __global const int *idx, long i_off,
                           __global float *y, long y_off, long V, long D, long total,
                           __global int *bad)
{
    long e = get_global_id(0);
    if (e >= total)
        return;
    long i = e / D, j = e % D;
    int id = idx[i_off + i];
    if (id < 0 || id >= V) {
        atomic_min(bad, (int)i);
        y[y_off + e] = 0;
        return;
    }
    y[y_off + e] = w[w_off + id * D + j];
}

/* y [outer, m, inner] = x [outer, n, inner] at rows idx [m] of the middle axis. */
__kernel void vx_index_select(__global const float *x, long x_off, __global const int *idx,
                              long i_off, __global float *y, long y_off, long n, long m, long inner,
                              long total, __global int *bad)
{
    long e = get_global_id(0);
    if (e >= total)
        return;
    long i = e % inner, j = (e / inner) % m, o = e / inner / m;
    int id = idx[i_off + j];
    if (id < 0 || id >= n) {
        atomic_min(bad, (int)j);
        y[y_off + e] = 0;
        return;
    }
    y[y_off + e] = x[x_off + (o * n + id) * inner + i];
}

);
