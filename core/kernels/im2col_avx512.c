/* im2col_avx512.c — AVX-512 inner loops of the conv lowerings: packing a tap
 * view with unit stride (the im2col matrix of conv1d, the shifted input of
 * polyphase conv_transpose1d), and moving polyphase results into the output
 * as a transpose of stride-float blocks (interleave) or by zipping a
 * channel's `stride` phase rows (zip). Compiled with -mavx512f/bw/vl/dq;
 * called only after cpuid says so. */
#include <immintrin.h>
#include <stdint.h>

#include "im2col.h"

/* Lanes [0, n) of a 16-lane mask (n clamped to 0..16). */
static __mmask16 lanes(int64_t n)
{
    return n >= 16 ? (__mmask16)0xFFFF : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1);
}

/* Eight 12-float strip rows, rows[k][0..11], stored as the 96 contiguous
 * floats they take in a 12-wide strip: every four rows are merged into three
 * full vectors (two-source permutes), so no store is masked. */
static inline void store_8x12(const float *const rows[8], float *d)
{
    const __mmask16 m12 = 0x0FFF;
    const __m512i i0 = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19);
    const __m512i i1 = _mm512_setr_epi32(4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23);
    const __m512i i2 = _mm512_setr_epi32(8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27);
    for (int h = 0; h < 2; h++, d += 48) {
        __m512 r0 = _mm512_maskz_loadu_ps(m12, rows[4 * h]);
        __m512 r1 = _mm512_maskz_loadu_ps(m12, rows[4 * h + 1]);
        __m512 r2 = _mm512_maskz_loadu_ps(m12, rows[4 * h + 2]);
        __m512 r3 = _mm512_maskz_loadu_ps(m12, rows[4 * h + 3]);
        _mm512_storeu_ps(d, _mm512_permutex2var_ps(r0, i0, r1));
        _mm512_storeu_ps(d + 16, _mm512_permutex2var_ps(r1, i1, r2));
        _mm512_storeu_ps(d + 32, _mm512_permutex2var_ps(r2, i2, r3));
    }
}

void vx_pack_taps_avx512(const vx_tap_view *v, int64_t j0, int64_t nc, int64_t p0, int64_t kc,
                         int width, float *dst)
{
    enum { KB = 8 }; /* rows per pass: each strip then gets KB·width contiguous floats */
    /* x is read as KB streams that the hardware prefetcher follows poorly
     * when x is larger than L2: fetch this far ahead on each */
    enum { PREFETCH_FLOATS = 128 };
    __mmask16 lo = lanes(width), hi = lanes(width - 16); /* a strip row: ≤ 32 floats */
    int64_t c = p0 / v->taps, u = p0 % v->taps;
    for (int64_t k0 = 0; k0 < kc; k0 += KB) {
        int64_t nk = kc - k0 < KB ? kc - k0 : KB;
        const float *row[KB];
        int64_t i0[KB]; /* x index of column j0, per row */
        int64_t i_min = INT64_MAX, i_max = INT64_MIN;
        for (int64_t k = 0; k < nk; k++) {
            row[k] = v->x + c * v->ldx;
            i0[k] = j0 + v->offset[u];
            i_min = i0[k] < i_min ? i0[k] : i_min;
            i_max = i0[k] > i_max ? i0[k] : i_max;
            if (++u == v->taps) {
                u = 0;
                c++;
            }
        }
        for (int64_t s = 0; s < nc; s += width) {
            int64_t cols = nc - s < width ? nc - s : width;
            if (width == 12 && nk == KB && cols == 12 && i_min + s >= 0 && i_max + s + 12 <= v->len) {
                const float *src[KB];
                for (int k = 0; k < KB; k++) {
                    src[k] = row[k] + i0[k] + s;
                    _mm_prefetch((const char *)(src[k] + PREFETCH_FLOATS), _MM_HINT_T0);
                }
                store_8x12(src, dst + s * kc + k0 * width);
                continue;
            }
            for (int64_t k = 0; k < nk; k++) {
                float *d = dst + s * kc + (k0 + k) * width;
                int64_t first = i0[k] + s;
                if (cols == width && first >= 0 && first + cols <= v->len) {
                    _mm512_mask_storeu_ps(d, lo, _mm512_maskz_loadu_ps(lo, row[k] + first));
                    if (width > 16)
                        _mm512_mask_storeu_ps(d + 16, hi, _mm512_maskz_loadu_ps(hi, row[k] + first + 16));
                    continue;
                }
                for (int64_t j = 0; j < width; j++) /* edges of x, the last strip */
                    d[j] = j < cols && first + j >= 0 && first + j < v->len ? row[k][first + j] : 0.0f;
            }
        }
    }
}

void vx_pack_taps_strided_avx512(const vx_tap_view *v, int64_t j0, int64_t nc, int64_t p0,
                                 int64_t kc, int width, float *dst)
{
    const __m512i step = _mm512_mullo_epi32(
        _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
        _mm512_set1_epi32((int)v->stride)); /* lane j reads x[first + j·stride] */
    const __m512 zero = _mm512_setzero_ps();
    __mmask16 lo = lanes(width), hi = lanes(width - 16); /* a strip row: ≤ 32 floats */
    int64_t c = p0 / v->taps, u = p0 % v->taps;
    for (int64_t k = 0; k < kc; k++) {
        int64_t off = v->offset[u];
        const float *row = v->x + c * v->ldx;
        for (int64_t s = 0; s < nc; s += width) {
            int64_t cols = nc - s < width ? nc - s : width, jb = j0 + s;
            int64_t first = jb * v->stride + off, last = (jb + cols - 1) * v->stride + off;
            float *d = dst + s * kc + k * width;
            if (cols == width && first >= 0 && last < v->len) {
                _mm512_mask_storeu_ps(d, lo, _mm512_mask_i32gather_ps(zero, lo, step, row + first, 4));
                if (width > 16)
                    _mm512_mask_storeu_ps(d + 16, hi,
                                          _mm512_mask_i32gather_ps(zero, hi, step,
                                                                   row + first + 16 * v->stride, 4));
                continue;
            }
            for (int64_t j = 0; j < width; j++) { /* edges of x, the last strip */
                int64_t i = (jb + j) * v->stride + off;
                d[j] = j < cols && i >= 0 && i < v->len ? row[i] : 0.0f;
            }
        }
        if (++u == v->taps) {
            u = 0;
            c++;
        }
    }
}

/* 8×8 transpose of 64-bit elements (pairs of floats) held in r[0..7]. */
static inline void transpose8x64(__m512d r[8])
{
    __m512d t[8], u[8];
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm512_unpacklo_pd(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_pd(r[2 * i], r[2 * i + 1]);
    }
    for (int h = 0; h < 2; h++) { /* rows 0–3, then 4–7 */
        __m512d *tt = t + 4 * h, *uu = u + 4 * h;
        uu[0] = _mm512_shuffle_f64x2(tt[0], tt[2], 0x88);
        uu[1] = _mm512_shuffle_f64x2(tt[0], tt[2], 0xdd);
        uu[2] = _mm512_shuffle_f64x2(tt[1], tt[3], 0x88);
        uu[3] = _mm512_shuffle_f64x2(tt[1], tt[3], 0xdd);
    }
    r[0] = _mm512_shuffle_f64x2(u[0], u[4], 0x88);
    r[4] = _mm512_shuffle_f64x2(u[0], u[4], 0xdd);
    r[2] = _mm512_shuffle_f64x2(u[1], u[5], 0x88);
    r[6] = _mm512_shuffle_f64x2(u[1], u[5], 0xdd);
    r[1] = _mm512_shuffle_f64x2(u[2], u[6], 0x88);
    r[5] = _mm512_shuffle_f64x2(u[2], u[6], 0xdd);
    r[3] = _mm512_shuffle_f64x2(u[3], u[7], 0x88);
    r[7] = _mm512_shuffle_f64x2(u[3], u[7], 0xdd);
}

/* out[c·ld_out + i·s + r] (+)= z[i·ldz + c·s + r] (see vx_phase_interleave):
 * one zmm holds L = 16/s channels' s-float groups, so L rows of z form an
 * L×L block of s-float elements whose transpose is L contiguous runs of out. */
static inline __attribute__((always_inline)) void interleave_blocks_pow2(
    const float *z, int64_t ldz, const int s, int64_t rows, int64_t cols, bool overwrite,
    const float *bias, float *out, int64_t ld_out)
{
    const int L = 16 / s;
    for (int64_t i = 0; i < rows; i += L)
        for (int64_t c = 0; c < cols; c += L) {
            __m512 v[8];
            for (int k = 0; k < L; k++)
                v[k] = _mm512_loadu_ps(z + (i + k) * ldz + c * s);
            if (s == 2) {
                __m512d d[8];
                for (int k = 0; k < 8; k++)
                    d[k] = _mm512_castps_pd(v[k]);
                transpose8x64(d);
                for (int k = 0; k < 8; k++)
                    v[k] = _mm512_castpd_ps(d[k]);
            } else if (s == 4) {
                __m512 t0 = _mm512_shuffle_f32x4(v[0], v[1], 0x44), t1 = _mm512_shuffle_f32x4(v[0], v[1], 0xee);
                __m512 t2 = _mm512_shuffle_f32x4(v[2], v[3], 0x44), t3 = _mm512_shuffle_f32x4(v[2], v[3], 0xee);
                v[0] = _mm512_shuffle_f32x4(t0, t2, 0x88);
                v[1] = _mm512_shuffle_f32x4(t0, t2, 0xdd);
                v[2] = _mm512_shuffle_f32x4(t1, t3, 0x88);
                v[3] = _mm512_shuffle_f32x4(t1, t3, 0xdd);
            } else { /* s == 8 */
                __m512 t0 = _mm512_shuffle_f32x4(v[0], v[1], 0x44), t1 = _mm512_shuffle_f32x4(v[0], v[1], 0xee);
                v[0] = t0;
                v[1] = t1;
            }
            for (int k = 0; k < L; k++) {
                float *o = out + (c + k) * ld_out + i * s;
                __m512 base = overwrite ? _mm512_set1_ps(bias ? bias[c + k] : 0.0f) : _mm512_loadu_ps(o);
                _mm512_storeu_ps(o, _mm512_add_ps(base, v[k]));
            }
        }
}

int64_t vx_phase_interleave_avx512(const float *z, int64_t ldz, int64_t s, int64_t rows,
                                   int64_t cols, bool overwrite, const float *bias, float *out,
                                   int64_t ld_out, int64_t *cols_done)
{
    int64_t L = s == 2 || s == 4 || s == 8 ? 16 / s : 0;
    int64_t full_rows = L ? rows / L * L : 0, full_cols = L ? cols / L * L : 0;
    *cols_done = full_cols;
    if (full_rows == 0 || full_cols == 0)
        return 0;
    switch (s) {
    case 2: interleave_blocks_pow2(z, ldz, 2, full_rows, full_cols, overwrite, bias, out, ld_out); break;
    case 4: interleave_blocks_pow2(z, ldz, 4, full_rows, full_cols, overwrite, bias, out, ld_out); break;
    default: interleave_blocks_pow2(z, ldz, 8, full_rows, full_cols, overwrite, bias, out, ld_out); break;
    }
    return full_rows;
}

/* lo = a0 b0 a1 b1 … a7 b7, hi = a8 b8 … a15 b15. */
static inline void zip2(__m512 a, __m512 b, __m512 *lo, __m512 *hi)
{
    const __m512i i_lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i i_hi = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    *lo = _mm512_permutex2var_ps(a, i_lo, b);
    *hi = _mm512_permutex2var_ps(a, i_hi, b);
}

/* out[c·ld_out + i·s + r] (+)= zt[(c·s + r)·ldz + i] for 16 steps i at a
 * time: the s phase rows of a channel (16 floats each) are zipped pairwise
 * log2(s) times — row r with row r + s/2, then the results the same way —
 * which leaves the 16·s outputs in order. */
static inline __attribute__((always_inline)) void zip_pow2(const float *zt, int64_t ldz,
                                                           const int s, int64_t rows,
                                                           int64_t cols, bool overwrite,
                                                           const float *bias, float *out,
                                                           int64_t ld_out)
{
    for (int64_t c = 0; c < cols; c++) {
        __m512 fill = _mm512_set1_ps(bias ? bias[c] : 0.0f);
        const float *src = zt + c * s * ldz;
        for (int64_t i = 0; i < rows; i += 16) {
            __m512 seq[8], next[8]; /* s/n sequences of n vectors each, n = 1, 2, 4, 8 */
            for (int r = 0; r < s; r++)
                seq[r] = _mm512_loadu_ps(src + r * ldz + i);
            for (int n = 1; n < s; n *= 2) {
                int half = s / (2 * n); /* sequences after this level */
                for (int q = 0; q < half; q++)
                    for (int k = 0; k < n; k++)
                        zip2(seq[q * n + k], seq[(q + half) * n + k], &next[q * 2 * n + 2 * k],
                             &next[q * 2 * n + 2 * k + 1]);
                for (int k = 0; k < s; k++)
                    seq[k] = next[k];
            }
            float *o = out + c * ld_out + i * s;
            for (int k = 0; k < s; k++) {
                __m512 base = overwrite ? fill : _mm512_loadu_ps(o + 16 * k);
                _mm512_storeu_ps(o + 16 * k, _mm512_add_ps(base, seq[k]));
            }
        }
    }
}

int64_t vx_phase_zip_avx512(const float *zt, int64_t ldz, int64_t s, int64_t rows, int64_t cols,
                            bool overwrite, const float *bias, float *out, int64_t ld_out)
{
    int64_t full = rows / 16 * 16;
    if (full == 0)
        return 0;
    switch (s) {
    case 2: zip_pow2(zt, ldz, 2, full, cols, overwrite, bias, out, ld_out); return full;
    case 4: zip_pow2(zt, ldz, 4, full, cols, overwrite, bias, out, ld_out); return full;
    case 8: zip_pow2(zt, ldz, 8, full, cols, overwrite, bias, out, ld_out); return full;
    default: return 0;
    }
}
