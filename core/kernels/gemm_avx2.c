/* gemm_avx2.c — AVX2+FMA 6×16 micro-kernel: 12 ymm accumulators, a B row in
 * 2 registers, A broadcast per row. Ragged edges run the same code with fewer
 * rows and masked C access (vmaskmov). Compiled with -mavx2 -mfma only;
 * called only after cpuid says the CPU has them. */
#include <immintrin.h>

#include "gemm.h"

enum { MR = 6, NR = 16 };

/* Lanes [0, n) of an 8-lane mask (n clamped to 0..8). */
static __m256i lanes(int n)
{
    __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), idx);
}

/* C[rows, ≤ 8·halves] (±=) A strip · B strip; rows/halves are compile-time
 * constants in every instantiation below. */
static inline __attribute__((always_inline)) void tile(int64_t kc, const float *a,
                                                        const float *b, float *c, int64_t ldc,
                                                        const int rows, const int halves,
                                                        __m256i m0, __m256i m1, bool accumulate)
{
    __m256 acc[MR][2];
#pragma GCC unroll 6
    for (int r = 0; r < rows; r++)
        acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    for (int64_t k = 0; k < kc; k++) {
        __m256 b0 = _mm256_loadu_ps(b + NR * k);
        __m256 b1 = halves == 2 ? _mm256_loadu_ps(b + NR * k + 8) : b0;
#pragma GCC unroll 6
        for (int r = 0; r < rows; r++) {
            __m256 av = _mm256_broadcast_ss(a + MR * k + r);
            acc[r][0] = _mm256_fmadd_ps(av, b0, acc[r][0]);
            if (halves == 2)
                acc[r][1] = _mm256_fmadd_ps(av, b1, acc[r][1]);
        }
    }
#pragma GCC unroll 6
    for (int r = 0; r < rows; r++) {
        float *cr = c + r * ldc;
        __m256 v0 = acc[r][0], v1 = acc[r][1];
        if (accumulate) {
            v0 = _mm256_add_ps(_mm256_maskload_ps(cr, m0), v0);
            if (halves == 2)
                v1 = _mm256_add_ps(_mm256_maskload_ps(cr + 8, m1), v1);
        }
        _mm256_maskstore_ps(cr, m0, v0);
        if (halves == 2)
            _mm256_maskstore_ps(cr + 8, m1, v1);
    }
}

typedef void (*tile_fn)(int64_t, const float *, const float *, float *, int64_t, __m256i,
                        __m256i, bool);

#define TILE(R, H)                                                                           \
    static void tile_##R##_##H(int64_t kc, const float *a, const float *b, float *c,         \
                               int64_t ldc, __m256i m0, __m256i m1, bool accumulate)         \
    {                                                                                        \
        tile(kc, a, b, c, ldc, R, H, m0, m1, accumulate);                                    \
    }
#define TILE_ROWS(R) TILE(R, 1) TILE(R, 2)
TILE_ROWS(1) TILE_ROWS(2) TILE_ROWS(3) TILE_ROWS(4) TILE_ROWS(5) TILE_ROWS(6)

static const tile_fn tiles[MR][2] = {
    {tile_1_1, tile_1_2}, {tile_2_1, tile_2_2}, {tile_3_1, tile_3_2},
    {tile_4_1, tile_4_2}, {tile_5_1, tile_5_2}, {tile_6_1, tile_6_2},
};

void vx_gemm_ukernel_avx2_6x16(int64_t kc, const float *a, const float *b, float *c, int64_t ldc,
                               int mr, int nr, bool accumulate)
{
    int halves = nr > 8 ? 2 : 1;
    tiles[mr - 1][halves - 1](kc, a, b, c, ldc, lanes(nr), lanes(nr - 8), accumulate);
}
