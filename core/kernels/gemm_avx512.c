/* gemm_avx512.c — AVX-512F 12×32 micro-kernel: 24 zmm accumulators, a B row
 * in 2 registers, A broadcast per row. Ragged edges run the same code with
 * fewer rows and masked C access, so no edge tile is computed in full and
 * copied; B read in place is loaded masked only on a ragged strip (unmasked
 * loads of full strips: 1–6 % faster on VITS decoder shapes). Compiled with -mavx512f; called only after cpuid says the CPU has
 * it. */
#include <immintrin.h>

#include "gemm.h"

enum { MR = 12, NR = 32 };

/* C[rows, ≤ 16·halves] (+)= A strip · B strip; `rows` and `halves` are
 * compile-time constants in every instantiation below. m0/m1 mask the
 * columns of the first/second 16-lane half. */
static inline __attribute__((always_inline)) void tile(int64_t kc, const float *a,
                                                        const float *b, float *c, int64_t ldc,
                                                        const int rows, const int halves,
                                                        __mmask16 m0, __mmask16 m1,
                                                        bool accumulate, const vx_gemm_start *st,
                                                        const float *const *brows, int64_t bcol,
                                                        const bool full)
{
    __m512 acc[MR][2];
#pragma GCC unroll 12
    for (int r = 0; r < rows; r++) {
        acc[r][0] = acc[r][1] = _mm512_setzero_ps();
        _mm_prefetch((const char *)(c + r * ldc), _MM_HINT_T0); /* C arrives during the loop */
        _mm_prefetch((const char *)(c + r * ldc + 16 * halves - 1), _MM_HINT_T0);
        if (st && st->res) {                                     /* so does the residual */
            _mm_prefetch((const char *)(st->res + r * st->ldr), _MM_HINT_T0);
            _mm_prefetch((const char *)(st->res + r * st->ldr + 16 * halves - 1), _MM_HINT_T0);
        }
    }
    for (int64_t k = 0; k < kc; k++) {
        __m512 b0, b1;
        if (brows) { /* B row k read in place: masked to the strip's columns */
            if (full) {
                b0 = _mm512_loadu_ps(brows[k] + bcol);
                b1 = halves == 2 ? _mm512_loadu_ps(brows[k] + bcol + 16) : b0;
            } else {
                b0 = _mm512_maskz_loadu_ps(m0, brows[k] + bcol);
                b1 = halves == 2 ? _mm512_maskz_loadu_ps(m1, brows[k] + bcol + 16) : b0;
            }
        } else {
            b0 = _mm512_loadu_ps(b + NR * k);
            b1 = halves == 2 ? _mm512_loadu_ps(b + NR * k + 16) : b0;
        }
#pragma GCC unroll 12
        for (int r = 0; r < rows; r++) {
            __m512 av = _mm512_set1_ps(a[MR * k + r]);
            acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
            if (halves == 2)
                acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
        }
    }
#pragma GCC unroll 12
    for (int r = 0; r < rows; r++) {
        float *cr = c + r * ldc;
        __m512 v0 = acc[r][0], v1 = acc[r][1];
        if (st) { /* C = start + product, start = (add ? C : 0) + (bias + res) */
            __m512 s0 = _mm512_set1_ps(st->bias ? st->bias[r] : 0.0f), s1 = s0;
            if (st->res) {
                s0 = _mm512_add_ps(s0, _mm512_maskz_loadu_ps(m0, st->res + r * st->ldr));
                if (halves == 2)
                    s1 = _mm512_add_ps(s1, _mm512_maskz_loadu_ps(m1, st->res + r * st->ldr + 16));
            }
            if (st->add) {
                s0 = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, cr), s0);
                if (halves == 2)
                    s1 = _mm512_add_ps(_mm512_maskz_loadu_ps(m1, cr + 16), s1);
            }
            v0 = _mm512_add_ps(s0, v0);
            v1 = _mm512_add_ps(s1, v1);
        } else if (accumulate) {
            v0 = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, cr), v0);
            if (halves == 2)
                v1 = _mm512_add_ps(_mm512_maskz_loadu_ps(m1, cr + 16), v1);
        }
        _mm512_mask_storeu_ps(cr, m0, v0);
        if (halves == 2)
            _mm512_mask_storeu_ps(cr + 16, m1, v1);
    }
}

/* C[rows, ≤ 8]: the narrowest edge, on 256-bit vectors (half the cost of a
 * 16-lane half on CPUs that split 512-bit FMAs). */
static inline __attribute__((always_inline)) void tile8(int64_t kc, const float *a,
                                                         const float *b, float *c, int64_t ldc,
                                                         const int rows, __mmask8 m,
                                                         bool accumulate, const vx_gemm_start *st,
                                                         const float *const *brows, int64_t bcol)
{
    __m256 acc[MR];
#pragma GCC unroll 12
    for (int r = 0; r < rows; r++)
        acc[r] = _mm256_setzero_ps();
    for (int64_t k = 0; k < kc; k++) {
        __m256 b0 = brows ? _mm256_maskz_loadu_ps(m, brows[k] + bcol) : _mm256_loadu_ps(b + NR * k);
#pragma GCC unroll 12
        for (int r = 0; r < rows; r++)
            acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(a[MR * k + r]), b0, acc[r]);
    }
#pragma GCC unroll 12
    for (int r = 0; r < rows; r++) {
        float *cr = c + r * ldc;
        __m256 v = acc[r];
        if (st) {
            __m256 s0 = _mm256_set1_ps(st->bias ? st->bias[r] : 0.0f);
            if (st->res)
                s0 = _mm256_add_ps(s0, _mm256_maskz_loadu_ps(m, st->res + r * st->ldr));
            if (st->add)
                s0 = _mm256_add_ps(_mm256_maskz_loadu_ps(m, cr), s0);
            v = _mm256_add_ps(s0, v);
        } else if (accumulate) {
            v = _mm256_add_ps(_mm256_maskz_loadu_ps(m, cr), v);
        }
        _mm256_mask_storeu_ps(cr, m, v);
    }
}

typedef void (*tile_fn)(int64_t, const float *, const float *, float *, int64_t, __mmask16,
                        __mmask16, bool, const vx_gemm_start *);
typedef void (*rows_fn)(int64_t, const float *, const float *const *, int64_t, float *, int64_t,
                        __mmask16, __mmask16, bool, const vx_gemm_start *);

/* tile_R_H: packed B; rows_R_H: B read in place from row pointers. */
#define TILE(R, H)                                                                           \
    static void tile_##R##_##H(int64_t kc, const float *a, const float *b, float *c,         \
                               int64_t ldc, __mmask16 m0, __mmask16 m1, bool accumulate,     \
                               const vx_gemm_start *st)                                      \
    {                                                                                        \
        if (H == 0)                                                                          \
            tile8(kc, a, b, c, ldc, R, (__mmask8)m0, accumulate, st, NULL, 0);               \
        else                                                                                 \
            tile(kc, a, b, c, ldc, R, H, m0, m1, accumulate, st, NULL, 0, false);            \
    }                                                                                        \
    static void rows_##R##_##H(int64_t kc, const float *a, const float *const *brows,        \
                               int64_t bcol, float *c, int64_t ldc, __mmask16 m0,            \
                               __mmask16 m1, bool accumulate, const vx_gemm_start *st)       \
    {                                                                                        \
        if (H == 0)                                                                          \
            tile8(kc, a, NULL, c, ldc, R, (__mmask8)m0, accumulate, st, brows, bcol);        \
        else if (m0 == 0xFFFF && (H == 1 || m1 == 0xFFFF))                                   \
            tile(kc, a, NULL, c, ldc, R, H, m0, m1, accumulate, st, brows, bcol, true);      \
        else                                                                                 \
            tile(kc, a, NULL, c, ldc, R, H, m0, m1, accumulate, st, brows, bcol, false);     \
    }
#define TILE_ROWS(R) TILE(R, 0) TILE(R, 1) TILE(R, 2)
TILE_ROWS(1) TILE_ROWS(2) TILE_ROWS(3) TILE_ROWS(4) TILE_ROWS(5) TILE_ROWS(6)
TILE_ROWS(7) TILE_ROWS(8) TILE_ROWS(9) TILE_ROWS(10) TILE_ROWS(11) TILE_ROWS(12)

#define ROW(R) {tile_##R##_0, tile_##R##_1, tile_##R##_2}
static const tile_fn tiles[MR][3] = {
    ROW(1), ROW(2), ROW(3), ROW(4), ROW(5), ROW(6), ROW(7), ROW(8), ROW(9), ROW(10), ROW(11), ROW(12),
};
#define RROW(R) {rows_##R##_0, rows_##R##_1, rows_##R##_2}
static const rows_fn row_tiles[MR][3] = {
    RROW(1), RROW(2), RROW(3), RROW(4), RROW(5), RROW(6), RROW(7), RROW(8), RROW(9), RROW(10), RROW(11), RROW(12),
};

/* Lanes [0, n) of a 16-lane mask (n clamped to 0..16). */
static __mmask16 lanes(int n)
{
    return n >= 16 ? (__mmask16)0xFFFF : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1);
}

void vx_gemm_ukernel_avx512_12x32(int64_t kc, const float *a, const float *b, float *c,
                                  int64_t ldc, int mr, int nr, bool accumulate)
{
    int halves = nr > 16 ? 2 : nr > 8 ? 1 : 0; /* 0: one 8-lane vector */
    tiles[mr - 1][halves](kc, a, b, c, ldc, lanes(nr), lanes(nr - 16), accumulate, NULL);
}

void vx_gemm_ukernel_rows_avx512_12x32(int64_t kc, const float *a, const float *const *b_rows, int64_t col,
                                       float *c, int64_t ldc, int mr, int nr, bool accumulate,
                                       const vx_gemm_start *tile_start)
{
    int halves = nr > 16 ? 2 : nr > 8 ? 1 : 0;
    row_tiles[mr - 1][halves](kc, a, b_rows, col, c, ldc, lanes(nr), lanes(nr - 16), accumulate, tile_start);
}

void vx_gemm_ukernel_start_avx512_12x32(int64_t kc, const float *a, const float *b, float *c,
                                        int64_t ldc, int mr, int nr, const vx_gemm_start *tile_start)
{
    int halves = nr > 16 ? 2 : nr > 8 ? 1 : 0;
    tiles[mr - 1][halves](kc, a, b, c, ldc, lanes(nr), lanes(nr - 16), false, tile_start);
}

/* --- the same tiles on unpacked operands ---------------------------------------
 * A row-major (row r of the tile at a + r·lda), B row-major (row k at
 * b + k·ldb): the same FMAs in the same order as the packed tiles above, so
 * the same bits; only where the operands are read from differs. Rows are
 * addressed from four bases, three rows apart, plus 0, lda or 2·lda, which
 * keeps every row pointer in a register. */
static inline __attribute__((always_inline)) void tile_direct(int64_t kc, const float *a,
                                                               int64_t lda, const float *b,
                                                               int64_t ldb, float *c, int64_t ldc,
                                                               const int rows, const int halves,
                                                               __mmask16 m0, __mmask16 m1,
                                                               bool accumulate, const bool full)
{
    __m512 acc[MR][2];
    __m256 acc8[MR];
    const float *base[4];
#pragma GCC unroll 4
    for (int g = 0; g < 4; g++)
        base[g] = 3 * g < rows ? a + 3 * g * lda : a;
#pragma GCC unroll 12
    for (int r = 0; r < rows; r++) {
        acc[r][0] = acc[r][1] = _mm512_setzero_ps();
        acc8[r] = _mm256_setzero_ps();
    }
    for (int64_t k = 0; k < kc; k++, b += ldb) {
        if (halves == 0) {
            __m256 b0 = _mm256_maskz_loadu_ps((__mmask8)m0, b);
#pragma GCC unroll 12
            for (int r = 0; r < rows; r++)
                acc8[r] = _mm256_fmadd_ps(_mm256_set1_ps(base[r / 3][k + (r % 3) * lda]), b0, acc8[r]);
            continue;
        }
        __m512 b0 = full ? _mm512_loadu_ps(b) : _mm512_maskz_loadu_ps(m0, b);
        __m512 b1 = halves < 2 ? b0 : full ? _mm512_loadu_ps(b + 16) : _mm512_maskz_loadu_ps(m1, b + 16);
#pragma GCC unroll 12
        for (int r = 0; r < rows; r++) {
            __m512 av = _mm512_set1_ps(base[r / 3][k + (r % 3) * lda]);
            acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
            if (halves == 2)
                acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
        }
    }
#pragma GCC unroll 12
    for (int r = 0; r < rows; r++) {
        float *cr = c + r * ldc;
        if (halves == 0) {
            __m256 v = acc8[r];
            if (accumulate)
                v = _mm256_add_ps(_mm256_maskz_loadu_ps((__mmask8)m0, cr), v);
            _mm256_mask_storeu_ps(cr, (__mmask8)m0, v);
            continue;
        }
        __m512 v0 = acc[r][0], v1 = acc[r][1];
        if (accumulate) {
            v0 = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, cr), v0);
            if (halves == 2)
                v1 = _mm512_add_ps(_mm512_maskz_loadu_ps(m1, cr + 16), v1);
        }
        _mm512_mask_storeu_ps(cr, m0, v0);
        if (halves == 2)
            _mm512_mask_storeu_ps(cr + 16, m1, v1);
    }
}

typedef void (*direct_fn)(int64_t, const float *, int64_t, const float *, int64_t, float *, int64_t,
                          __mmask16, __mmask16, bool);

#define DIRECT(R, H)                                                                          \
    static void direct_##R##_##H(int64_t kc, const float *a, int64_t lda, const float *b,    \
                                 int64_t ldb, float *c, int64_t ldc, __mmask16 m0,           \
                                 __mmask16 m1, bool accumulate)                              \
    {                                                                                         \
        if (H > 0 && m0 == 0xFFFF && (H == 1 || m1 == 0xFFFF))                                \
            tile_direct(kc, a, lda, b, ldb, c, ldc, R, H, m0, m1, accumulate, true);          \
        else                                                                                  \
            tile_direct(kc, a, lda, b, ldb, c, ldc, R, H, m0, m1, accumulate, false);         \
    }
#define DIRECT_ROWS(R) DIRECT(R, 0) DIRECT(R, 1) DIRECT(R, 2)
DIRECT_ROWS(1) DIRECT_ROWS(2) DIRECT_ROWS(3) DIRECT_ROWS(4) DIRECT_ROWS(5) DIRECT_ROWS(6)
DIRECT_ROWS(7) DIRECT_ROWS(8) DIRECT_ROWS(9) DIRECT_ROWS(10) DIRECT_ROWS(11) DIRECT_ROWS(12)

#define DROW(R) {direct_##R##_0, direct_##R##_1, direct_##R##_2}
static const direct_fn directs[MR][3] = {
    DROW(1), DROW(2), DROW(3), DROW(4), DROW(5), DROW(6), DROW(7), DROW(8), DROW(9), DROW(10), DROW(11), DROW(12),
};

void vx_gemm_direct_avx512_12x32(int64_t kc, const float *a, int64_t lda, const float *b,
                                 int64_t ldb, float *c, int64_t ldc, int mr, int nr,
                                 bool accumulate)
{
    int halves = nr > 16 ? 2 : nr > 8 ? 1 : 0; /* 0: one 8-lane vector */
    directs[mr - 1][halves](kc, a, lda, b, ldb, c, ldc, lanes(nr), lanes(nr - 16), accumulate);
}

/* In-register transpose of a 16×16 block: r[i] lane j becomes r[j] lane i.
 * Pairs of rows interleave (unpack ps), then pairs of pairs (unpack pd),
 * then 128-bit lanes move between row groups (shuffle_f32x4, twice). */
static inline __attribute__((always_inline)) void transpose16(__m512 r[16])
{
    __m512 t[16];
#pragma GCC unroll 8
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++) {
        __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 1]);
        __m512d c = _mm512_castps_pd(t[4 * i + 2]), d = _mm512_castps_pd(t[4 * i + 3]);
        r[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
        r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
        r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
        r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
    }
    /* r[4i + j], 128-bit lane L: rows 4i..4i+3 of column 4L + j */
#pragma GCC unroll 4
    for (int j = 0; j < 4; j++) {
        t[j] = _mm512_shuffle_f32x4(r[j], r[4 + j], 0x88);
        t[4 + j] = _mm512_shuffle_f32x4(r[j], r[4 + j], 0xdd);
        t[8 + j] = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0x88);
        t[12 + j] = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0xdd);
    }
#pragma GCC unroll 4
    for (int j = 0; j < 4; j++) {
        r[j] = _mm512_shuffle_f32x4(t[j], t[8 + j], 0x88);
        r[8 + j] = _mm512_shuffle_f32x4(t[j], t[8 + j], 0xdd);
        r[4 + j] = _mm512_shuffle_f32x4(t[4 + j], t[12 + j], 0x88);
        r[12 + j] = _mm512_shuffle_f32x4(t[4 + j], t[12 + j], 0xdd);
    }
}

void vx_gemm_pack_cols_avx512(const float *const *src, int cols, int64_t kc, int width,
                              float scale, float *dst)
{
    __m512 s = _mm512_set1_ps(scale);
    for (int c0 = 0; c0 < width; c0 += 16) {
        __mmask16 out = lanes(width - c0); /* packed columns this group fills */
        for (int64_t k = 0; k < kc; k += 16) {
            int64_t nk = kc - k < 16 ? kc - k : 16;
            __mmask16 in = lanes((int)nk);
            __m512 r[16];
#pragma GCC unroll 16
            for (int i = 0; i < 16; i++)
                r[i] = c0 + i < cols ? _mm512_mul_ps(s, _mm512_maskz_loadu_ps(in, src[c0 + i] + k))
                                     : _mm512_setzero_ps();
            transpose16(r);
            for (int64_t i = 0; i < nk; i++)
                _mm512_mask_storeu_ps(dst + (k + i) * width + c0, out, r[i]);
        }
    }
}

void vx_gemm_pack_rows_avx512(const float *src, int64_t ld, int64_t nc, int64_t kc, int width,
                              float scale, float *dst)
{
    enum { KB = 8 }; /* rows per pass: each strip then gets KB·width contiguous floats */
    __m512 s = _mm512_set1_ps(scale);
    for (int64_t k0 = 0; k0 < kc; k0 += KB) {
        int64_t k1 = k0 + KB < kc ? k0 + KB : kc;
        for (int64_t j = 0; j < nc; j += width)
            for (int64_t k = k0; k < k1; k++) {
                float *d = dst + j * kc + k * width;
                const float *row = src + k * ld + j;
                for (int c0 = 0; c0 < width; c0 += 16) {
                    int64_t n = nc - j - c0;
                    __m512 v = n > 0 ? _mm512_mul_ps(s, _mm512_maskz_loadu_ps(lanes((int)(n < 16 ? n : 16)), row + c0))
                                     : _mm512_setzero_ps();
                    _mm512_mask_storeu_ps(d + c0, lanes(width - c0), v);
                }
            }
    }
}

