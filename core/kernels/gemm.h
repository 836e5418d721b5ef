/* gemm.h — single-precision matrix multiply, the engine under matmul, linear
 * and the convolutions.
 *
 * Kernel lab (select with vx_sgemm_set_impl or `voxc-opbench gemm --impl N`):
 *   1  naive triple loop, the oracle every other version is tested against
 *   2  cache-blocked and packed (Goto/BLIS loop nest), scalar 4×8 micro-kernel
 *   3  as 2 with an AVX2+FMA 6×16 register-tiled micro-kernel
 *   4  as 2 with an AVX-512 12×32 register-tiled micro-kernel
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

/* Same contract with an explicit lab version (1..4); an unsupported version
 * falls back to the best supported one. */
void vx_sgemm_impl(int impl, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K,
                   float alpha, const float *A, int64_t lda, const float *B, int64_t ldb,
                   float beta, float *C, int64_t ldc);

int vx_sgemm_best_impl(void);                 /* what impl 0 resolves to on this CPU */
bool vx_sgemm_impl_supported(int impl);
const char *vx_sgemm_impl_name(int impl);    /* one-line description            */
void vx_sgemm_set_impl(int impl);            /* process-wide default (0 = auto) */

/* --- micro-kernel interface (for gemm_*.c) --------------------------------- */
/* C[MR,NR] (row-major, ldc) += Σ_k a[k·MR + r] · b[k·NR + c] over kc steps. */
typedef void (*vx_gemm_ukernel)(int64_t kc, const float *a, const float *b, float *c,
                                int64_t ldc);
void vx_gemm_ukernel_avx2_6x16(int64_t kc, const float *a, const float *b, float *c, int64_t ldc);
void vx_gemm_ukernel_avx512_12x32(int64_t kc, const float *a, const float *b, float *c,
                                  int64_t ldc);

#endif
