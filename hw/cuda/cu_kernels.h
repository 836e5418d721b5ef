/* cu_kernels.h — the interface between the cuda backend (plain C, always
 * built) and its kernel library (the hw/cuda .cu files, built by nvcc into
 * libvoxc_cuda.so only with `make CUDA=1`, loaded with dlopen at run time).
 *
 * The library exports one C function, vxcu_kernels_table(), returning a
 * table of host-side launchers. Each launcher queues its kernel(s) on the
 * given cudaStream_t (passed as void *) and returns the cudaError_t of the
 * launch as an int (0: queued). Pointers are device pointers already moved
 * to the operand's first element; absent optional inputs are NULL.
 * Shapes and strides are in elements. The geometry is computed on the host
 * by hw/cuda/ops_cuda.c from a checked descriptor, as hw/opencl does.
 *
 * This header is included by C and by CUDA C++ (the .cu files): plain C
 * types only. Bump VXCU_KERNELS_ABI on any change here; the backend refuses
 * a library built against another version. */
#ifndef VX_HW_CUDA_CU_KERNELS_H
#define VX_HW_CUDA_CU_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#define VXCU_KERNELS_ABI 1

/* Binary and unary op codes (the backend maps VX_OP_* onto these, so the
 * kernels need none of core/). */
enum vxcu_binary_op { VXCU_ADD, VXCU_SUB, VXCU_MUL, VXCU_DIV };
enum vxcu_unary_op {
    VXCU_SCALE, VXCU_ADD_SCALAR, VXCU_RELU, VXCU_LEAKY_RELU, VXCU_GELU, VXCU_TANH, VXCU_SIGMOID,
    VXCU_EXP, VXCU_LOG, VXCU_SOFTPLUS, VXCU_SQRT, VXCU_ABS, VXCU_SQUARE, VXCU_CLAMP, VXCU_CEIL
};

/* y [n0, n1, n2, n3] = a OP b; sa, sb: strides of a and b broadcast to y's
 * 4-D padded shape (0 on stretched dims). flat: same shapes, no index math. */
typedef struct vxcu_binary_args {
    const float *a, *b;
    float *y;
    int op, flat;
    int64_t n[4], sa[4], sb[4], total;
} vxcu_binary_args;

/* y[i] = f(x[i]; p0, p1). */
typedef struct vxcu_unary_args {
    const float *x;
    float *y;
    int op;
    float p0, p1;
    int64_t total;
} vxcu_unary_args;

/* Ops along one axis of x viewed as [outer, n, inner]: `lines` = outer·inner.
 * Softmax and cumsum ignore gamma, beta, eps; layer norm's gamma and beta
 * are [n] or NULL. */
typedef struct vxcu_rows_args {
    const float *x, *gamma, *beta;
    float *y;
    int64_t lines, n, inner;
    float eps;
} vxcu_rows_args;

/* y = scale · Σ x over reduced dims. kn: x's 4-D padded dims with 1 on the
 * reduced ones; rn: x's size on reduced dims, 1 on kept ones; xs: x's
 * contiguous strides; count = Π rn; mean: scale 1/count (NaN when empty). */
typedef struct vxcu_reduce_args {
    const float *x;
    float *y;
    int64_t kn[4], rn[4], xs[4], n_out, count;
    int mean;
} vxcu_reduce_args;

/* C[batch, m, n] = Σ_k A[m, k]·B[k, n] (+ bias[n]) (+ old C if accumulate),
 * batch = b0·n1 + b1 < n0·n1; A (m, k) at b0·sa0 + b1·sa1 + m·a_m + k·a_k,
 * B likewise; C contiguous [n0·n1, M, N]. */
typedef struct vxcu_gemm_args {
    const float *a, *b, *bias;
    float *c;
    int64_t M, N, K, n0, n1;
    int64_t a_m, a_k, sa0, sa1, b_k, b_n, sb0, sb1;
    int accumulate;
} vxcu_gemm_args;

/* conv1d (transposed 0) or conv_transpose1d (1): x [B, Cin, T], y [B, Cout,
 * Tout]; w [Cout, Cin/groups, K] or [Cin, Cout/groups, K]; PyTorch
 * semantics of core/ops/conv.c; accumulate adds into y. */
typedef struct vxcu_conv_args {
    const float *x, *w, *bias;
    float *y;
    int64_t B, Cin, T, Cout, Tout, K, stride, pad, dil, groups;
    int transposed, accumulate;
} vxcu_conv_args;

/* Weight gradient of both convs: dw[o, c, k] += Σ_b Σ_t P[b, o, t] ·
 * Q[b, g·q_g + c, t·stride − pad + k·dil], g = o / (P_ch/groups),
 * q_g = Q_ch/groups (conv1d: P = dy, Q = x; transposed: P = x, Q = dy). */
typedef struct vxcu_conv_grad_w_args {
    const float *p, *q;
    float *dw;
    int64_t B, P_ch, P_len, Q_ch, Q_len, K, stride, pad, dil, groups;
} vxcu_conv_grad_w_args;

/* Bias gradient: db[c] += Σ_o Σ_i dy[(o·C + c)·inner + i]. */
typedef struct vxcu_bias_grad_args {
    const float *dy;
    float *db;
    int64_t outer, C, inner;
} vxcu_bias_grad_args;

/* Gathers along the middle axis of x [outer, n, inner]: y [outer, m, inner]
 * = x rows idx [m] (embedding: outer 1, n = V, inner = D, m = #indices).
 * An index outside [0, n) writes 0 and atomicMin's its position into *bad
 * (the host sets *bad to INT_MAX first). */
typedef struct vxcu_gather_args {
    const float *x;
    const int32_t *idx;
    float *y;
    int32_t *bad;
    int64_t outer, n, m, inner;
} vxcu_gather_args;

typedef struct vxcu_kernels {
    int abi; /* VXCU_KERNELS_ABI of the library */
    /* "NVIDIA H100 80GB HBM3 (sm_90)" into buf; a cudaError_t. */
    int (*device_name)(int device, char *buf, size_t n);
    int (*binary)(void *stream, const vxcu_binary_args *a);
    int (*unary)(void *stream, const vxcu_unary_args *a);
    int (*softmax)(void *stream, const vxcu_rows_args *a);
    int (*layer_norm)(void *stream, const vxcu_rows_args *a);
    int (*cumsum)(void *stream, const vxcu_rows_args *a);
    int (*reduce)(void *stream, const vxcu_reduce_args *a);
    int (*gemm)(void *stream, const vxcu_gemm_args *a);
    int (*conv)(void *stream, const vxcu_conv_args *a);
    int (*conv_grad_w)(void *stream, const vxcu_conv_grad_w_args *a);
    int (*bias_grad)(void *stream, const vxcu_bias_grad_args *a);
    int (*gather)(void *stream, const vxcu_gather_args *a);
} vxcu_kernels;

#ifdef __cplusplus
extern "C"
#endif
const vxcu_kernels *vxcu_kernels_table(void);

#endif
