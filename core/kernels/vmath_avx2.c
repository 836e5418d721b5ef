/* vmath_avx2.c — vmath.h on 8-lane AVX2+FMA vectors: the primitives that
 * vmath_simd.h is written over, then the algorithms themselves. Compiled with
 * -mavx2 -mfma; called only after cpuid says the CPU has them. */
#include <immintrin.h>

#include "vmath.h"

typedef __m256 VF;
typedef __m256i VI;
typedef __m256 VM; /* all-ones / all-zeros lanes */
#define VW 8
#define VX_VNAME(name) name##_avx2

static inline __m256i first(int n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

static inline VF v_set(float a) { return _mm256_set1_ps(a); }
static inline VF v_load(const float *p) { return _mm256_loadu_ps(p); }
static inline void v_store(float *p, VF v) { _mm256_storeu_ps(p, v); }
static inline VF v_load_part(const float *p, int n) { return _mm256_maskload_ps(p, first(n)); }
static inline void v_store_part(float *p, VF v, int n) { _mm256_maskstore_ps(p, first(n), v); }
static inline VF v_add(VF a, VF b) { return _mm256_add_ps(a, b); }
static inline VF v_sub(VF a, VF b) { return _mm256_sub_ps(a, b); }
static inline VF v_mul(VF a, VF b) { return _mm256_mul_ps(a, b); }
static inline VF v_div(VF a, VF b) { return _mm256_div_ps(a, b); }
static inline VF v_sqrt(VF a) { return _mm256_sqrt_ps(a); }
static inline VF v_fma(VF a, VF b, VF c) { return _mm256_fmadd_ps(a, b, c); }
static inline VF v_fnma(VF a, VF b, VF c) { return _mm256_fnmadd_ps(a, b, c); }
static inline VF v_min(VF a, VF b) { return _mm256_min_ps(a, b); }
static inline VF v_max(VF a, VF b) { return _mm256_max_ps(a, b); }
static inline VF v_round(VF a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
static inline VI v_int(VF a) { return _mm256_cvtps_epi32(a); }
static inline VF v_float_of(VI a) { return _mm256_cvtepi32_ps(a); }
static inline VI v_as_int(VF a) { return _mm256_castps_si256(a); }
static inline VF v_as_float(VI a) { return _mm256_castsi256_ps(a); }
static inline VI v_addi(VI a, VI b) { return _mm256_add_epi32(a, b); }
static inline VI v_subi(VI a, VI b) { return _mm256_sub_epi32(a, b); }
static inline VI v_andi(VI a, VI b) { return _mm256_and_si256(a, b); }
static inline VI v_ori(VI a, VI b) { return _mm256_or_si256(a, b); }
static inline VI v_seti(int a) { return _mm256_set1_epi32(a); }
static inline VI v_slli23(VI a) { return _mm256_slli_epi32(a, 23); }
static inline VI v_srai1(VI a) { return _mm256_srai_epi32(a, 1); }
static inline VI v_srai23(VI a) { return _mm256_srai_epi32(a, 23); }
static inline VF v_and(VF a, VF b) { return _mm256_and_ps(a, b); }
static inline VF v_or(VF a, VF b) { return _mm256_or_ps(a, b); }
static inline VM v_lt(VF a, VF b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
static inline VM v_gt(VF a, VF b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
static inline VM v_eq(VF a, VF b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
static inline VM v_nan(VF a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
static inline VF v_sel(VM m, VF a, VF b) { return _mm256_blendv_ps(b, a, m); }

static inline float v_hsum(VF a)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static inline float v_hmax(VF a)
{
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

#include "vmath_simd.h"
