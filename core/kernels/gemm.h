/* gemm.h — single-precision matrix multiply, the engine under matmul, linear
 * and the convolutions.
 *
 * Kernel lab (select with vx_sgemm_set_impl or `voxc-opbench gemm --impl N`):
 *   1  naive triple loop, the oracle every other version is tested against
 *   2  cache-blocked and packed (Goto/BLIS loop nest), scalar 4×8 micro-kernel
 *   3  as 2 with an AVX2+FMA 6×16 register-tiled micro-kernel, masked edges
 *   4  as 2 with an AVX-512 12×32 register-tiled micro-kernel, masked edges;
 *      small products of plain row-major matrices read them in place, unpacked
 *   5  as 2 with a NEON 8×12 micro-kernel (aarch64 builds only)
 *   0  auto: the best version this CPU supports (cpuid at first use)
 * ref: K. Goto, R. van de Geijn, "Anatomy of high-performance matrix
 * multiplication", ACM TOMS 34(3), 2008 — the five-loop blocking used here.
 *
 * Every version computes each C element with the same k-order inside a
 * KC-block, so results do not depend on how rows/columns are split between
 * threads. */
#ifndef VX_GEMM_H
#define VX_GEMM_H

#include <stdbool.h>
#include <stdint.h>

/* C[M,N] = alpha · op(A)[M,K] · op(B)[K,N] + beta · C, all row-major.
 * op(A) = A (lda ≥ K) or Aᵀ when trans_a (A stored [K,M], lda ≥ M); same for B.
 * beta == 0 overwrites C (NaNs in C do not leak through). */
void vx_sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
              const float *A, int64_t lda, const float *B, int64_t ldb, float beta, float *C,
              int64_t ldc);

/* Same contract with an explicit lab version (1..5); an unsupported version
 * falls back to the best supported one. */
void vx_sgemm_impl(int impl, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K,
                   float alpha, const float *A, int64_t lda, const float *B, int64_t ldb,
                   float beta, float *C, int64_t ldc);

int vx_sgemm_best_impl(void);                 /* what impl 0 resolves to on this CPU */
bool vx_sgemm_impl_supported(int impl);
const char *vx_sgemm_impl_name(int impl);    /* one-line description            */
void vx_sgemm_set_impl(int impl);            /* process-wide default (0 = auto) */

/* --- operands the driver packs from ----------------------------------------
 * The driver sees each operand as a logical K×W matrix (W = N for B; for A it
 * is op(A)ᵀ, K×M) and asks the operand to pack a block of it: rows
 * [p0, p0+kc) of columns [j0, j0+nc), as strips of `width` columns, k-major
 * inside a strip — dst[(s/width)·width·kc + k·width + c] holds element
 * (p0 + k, j0 + s + c) — with the last strip zero-padded. A strided matrix is
 * one kind of operand; the convolutions add implicit ones (im2col views) so
 * that no column matrix is ever written to memory. */
typedef struct vx_gemm_operand vx_gemm_operand;
typedef void (*vx_gemm_pack_fn)(const vx_gemm_operand *op, int64_t j0, int64_t nc, int64_t p0,
                                int64_t kc, int width, float *dst);
struct vx_gemm_operand {
    vx_gemm_pack_fn pack;
    const float *data;  /* strided: element (k, j) = data[trans ? j·ld + k : k·ld + j] */
    int64_t ld;
    bool trans;
    float scale;        /* strided: every element is multiplied by it            */
    const void *view;   /* implicit operands: their geometry                     */
};

/* The strided K×W operand described above (scale 1). */
vx_gemm_operand vx_gemm_strided(const float *data, int64_t ld, bool trans);

/* C[M,N] = A·B + beta·C with A given as its K×M transpose `at` and B as the
 * K×N operand `b`; the same blocking, threading and determinism as vx_sgemm
 * (the best version this CPU supports, or the vx_sgemm_set_impl choice). */
void vx_sgemm_operands(int64_t M, int64_t N, int64_t K, const vx_gemm_operand *at,
                       const vx_gemm_operand *b, float beta, float *C, int64_t ldc);

/* --- a left operand packed once ---------------------------------------------
 * Weights multiply many right operands; packing them once in the driver's
 * layout (for the micro-kernel of the version in use when packed) takes the
 * packing of A out of every product. Row r (a multiple of MR) of K-block p
 * starts at data + p·kb·pad + r·kc, kb being the driver's block depth for K and
 * kc that block's depth. Products
 * with a packed A give the same bits as vx_sgemm_operands with that version. */
typedef struct vx_gemm_packed {
    int impl;           /* the lab version whose layout this is (2..5)     */
    int mr;             /* its micro-kernel's rows                          */
    int64_t M, K, pad;  /* pad: M rounded up to mr                          */
    const float *data;  /* K·pad floats (the caller's buffer)               */
} vx_gemm_packed;

/* Floats a packed M×K matrix takes with the version now in use. */
int64_t vx_gemm_packed_floats(int64_t M, int64_t K);

/* Pack A[M,K], given as its K×M transpose operand `at` (as for
 * vx_sgemm_operands), into buf: 64-byte aligned, vx_gemm_packed_floats(M, K)
 * floats, owned by the caller and kept while *out is used. */
void vx_gemm_pack(vx_gemm_packed *out, int64_t M, int64_t K, const vx_gemm_operand *at, float *buf);

/* C[rows, N] = A[row0 : row0+rows, :] · B + beta·C, B the K×N operand `b`.
 * row0 should be a multiple of a->mr (any other row0 is still right, but
 * slow: the rows are repacked). Threads split C's columns where they can,
 * so nothing is packed twice. */
void vx_sgemm_packed(const vx_gemm_packed *a, int64_t row0, int64_t rows, int64_t N,
                     const vx_gemm_operand *b, float beta, float *C, int64_t ldc);

/* --- products that start from a bias and a residual -------------------------
 * C = start + A·B with start[i, j] = (add ? C[i, j] : 0) + (bias[i] + res[i, j])
 * (bias and res optional, i and j counted from the product's first row and
 * column). Each C tile gets its start just before its first product, while
 * it is in cache, so C is written once instead of in a pass of its own
 * first; the sums are those of that pass followed by vx_sgemm_packed with
 * beta 1, so the same bits. */
typedef struct vx_gemm_start {
    const float *bias;  /* [rows] or NULL                          */
    const float *res;   /* [rows, N], row stride ldr, or NULL      */
    int64_t ldr;
    bool add;           /* start from C's values plus bias and res */
} vx_gemm_start;

void vx_sgemm_packed_start(const vx_gemm_packed *a, int64_t row0, int64_t rows, int64_t N,
                           const vx_gemm_operand *b, const vx_gemm_start *start, float *C,
                           int64_t ldc);


/* --- a right operand read in place from row pointers --------------------------
 * C[M, N] = start + A · B with A packed (all its rows) and row k of B (k < K)
 * the N floats from b_rows[k] on: an im2col matrix whose rows are shifted
 * rows of a signal needs no copy at all. With the AVX-512 version the
 * micro-kernel reads the rows in place; other versions pack them. The same
 * blocking and k order as vx_sgemm_packed_start, so the same bits. start
 * NULL: C += A·B. */
void vx_sgemm_packed_rows(const vx_gemm_packed *a, int64_t N, const float *const *b_rows,
                          const vx_gemm_start *start, float *C, int64_t ldc);

/* --- micro-kernel interface (for gemm_*.c) --------------------------------- */
/* C[mr, nr] (row-major, ldc) = (accumulate ? C : 0) + Σ_k a[k·MR + r] · b[k·NR + c]
 * over kc steps, for r < mr ≤ MR and c < nr ≤ NR; nothing outside is touched.
 * a and b are packed strips (MR and NR wide, zero-padded). */
typedef void (*vx_gemm_ukernel)(int64_t kc, const float *a, const float *b, float *c,
                                int64_t ldc, int mr, int nr, bool accumulate);
void vx_gemm_ukernel_avx2_6x16(int64_t kc, const float *a, const float *b, float *c, int64_t ldc,
                               int mr, int nr, bool accumulate);
void vx_gemm_ukernel_avx512_12x32(int64_t kc, const float *a, const float *b, float *c,
                                  int64_t ldc, int mr, int nr, bool accumulate);
/* The AVX-512 micro-kernel on operands read in place, no packing: C[mr, nr]
 * (+)= A[mr, kc] · B[kc, nr] with A row-major (a, lda) and B row-major
 * (b, ldb). The same sums in the same order as vx_gemm_ukernel_avx512_12x32
 * on packed strips of A and B, so the same bits. */
void vx_gemm_direct_avx512_12x32(int64_t kc, const float *a, int64_t lda, const float *b,
                                 int64_t ldb, float *c, int64_t ldc, int mr, int nr,
                                 bool accumulate);
/* A micro-kernel's first K-block with the tile's start added in its
 * epilogue (C = start + product, the sums of vx_gemm_start): tile_start's
 * bias and res already point at the tile's first row (and column). Versions
 * without one write the start before calling the plain micro-kernel. */
typedef void (*vx_gemm_ukernel_start)(int64_t kc, const float *a, const float *b, float *c,
                                      int64_t ldc, int mr, int nr, const vx_gemm_start *tile_start);
void vx_gemm_ukernel_start_avx512_12x32(int64_t kc, const float *a, const float *b, float *c,
                                        int64_t ldc, int mr, int nr, const vx_gemm_start *tile_start);
/* The same micro-kernel with B read in place: row k of the strip is the nr
 * floats at b_rows[k] + col (no packing; the same FMAs in the same order as
 * with B packed, so the same bits). tile_start as above, or NULL. */
void vx_gemm_ukernel_rows_avx512_12x32(int64_t kc, const float *a, const float *const *b_rows, int64_t col,
                                       float *c, int64_t ldc, int mr, int nr, bool accumulate,
                                       const vx_gemm_start *tile_start);
void vx_gemm_ukernel_neon_8x12(int64_t kc, const float *a, const float *b, float *c, int64_t ldc,
                               int mr, int nr, bool accumulate);

/* dst[k·width + c] = scale · src[c][k] for c < cols, 0 for cols ≤ c < width
 * (width ≤ 32), k < kc: packing of column-contiguous operands, AVX-512. */
/* Packing of row-contiguous operands, AVX-512: nc columns × kc rows of src
 * (row stride ld) as strips of width ≤ 32 (layout as vx_gemm_pack_fn), times
 * scale, the last strip zero-padded. */
void vx_gemm_pack_rows_avx512(const float *src, int64_t ld, int64_t nc, int64_t kc, int width,
                              float scale, float *dst);
void vx_gemm_pack_cols_avx512(const float *const *src, int cols, int64_t kc, int width,
                              float scale, float *dst);

#endif
