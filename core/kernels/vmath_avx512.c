/* vmath_avx512.c — vmath.h on 16-lane AVX-512 vectors: the primitives that
 * vmath_simd.h is written over, then the algorithms themselves. Compiled with
 * -mavx512f/bw/vl/dq; called only after cpuid says the CPU has them. */
#include <immintrin.h>

#include "vmath.h"

typedef __m512 VF;
typedef __m512i VI;
typedef __mmask16 VM;
#define VW 16
#define VX_VNAME(name) name##_avx512

static inline __mmask16 first(int n) { return (__mmask16)((1u << n) - 1); }

static inline VF v_set(float a) { return _mm512_set1_ps(a); }
static inline VF v_load(const float *p) { return _mm512_loadu_ps(p); }
static inline void v_store(float *p, VF v) { _mm512_storeu_ps(p, v); }
static inline VF v_load_part(const float *p, int n) { return _mm512_maskz_loadu_ps(first(n), p); }
static inline void v_store_part(float *p, VF v, int n) { _mm512_mask_storeu_ps(p, first(n), v); }
static inline VF v_add(VF a, VF b) { return _mm512_add_ps(a, b); }
static inline VF v_sub(VF a, VF b) { return _mm512_sub_ps(a, b); }
static inline VF v_mul(VF a, VF b) { return _mm512_mul_ps(a, b); }
static inline VF v_div(VF a, VF b) { return _mm512_div_ps(a, b); }
static inline VF v_sqrt(VF a) { return _mm512_sqrt_ps(a); }
static inline VF v_fma(VF a, VF b, VF c) { return _mm512_fmadd_ps(a, b, c); }
static inline VF v_fnma(VF a, VF b, VF c) { return _mm512_fnmadd_ps(a, b, c); }
static inline VF v_min(VF a, VF b) { return _mm512_min_ps(a, b); }
static inline VF v_max(VF a, VF b) { return _mm512_max_ps(a, b); }
static inline VF v_round(VF a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
static inline VI v_int(VF a) { return _mm512_cvtps_epi32(a); }
static inline VF v_float_of(VI a) { return _mm512_cvtepi32_ps(a); }
static inline VI v_as_int(VF a) { return _mm512_castps_si512(a); }
static inline VF v_as_float(VI a) { return _mm512_castsi512_ps(a); }
static inline VI v_addi(VI a, VI b) { return _mm512_add_epi32(a, b); }
static inline VI v_subi(VI a, VI b) { return _mm512_sub_epi32(a, b); }
static inline VI v_andi(VI a, VI b) { return _mm512_and_si512(a, b); }
static inline VI v_ori(VI a, VI b) { return _mm512_or_si512(a, b); }
static inline VI v_seti(int a) { return _mm512_set1_epi32(a); }
static inline VI v_slli23(VI a) { return _mm512_slli_epi32(a, 23); }
static inline VI v_srai23(VI a) { return _mm512_srai_epi32(a, 23); }
static inline VF v_and(VF a, VF b) { return _mm512_and_ps(a, b); }
static inline VF v_or(VF a, VF b) { return _mm512_or_ps(a, b); }
static inline VM v_lt(VF a, VF b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
static inline VM v_gt(VF a, VF b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
static inline VM v_eq(VF a, VF b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
static inline VM v_nan(VF a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
static inline VF v_sel(VM m, VF a, VF b) { return _mm512_mask_blend_ps(m, b, a); }
static inline float v_hsum(VF a) { return _mm512_reduce_add_ps(a); }
static inline float v_hmax(VF a) { return _mm512_reduce_max_ps(a); }
#define V_HAVE_LDEXP 1
static inline VF v_ldexp(VF p, VF n) { return _mm512_scalef_ps(p, n); } /* p·2^⌊n⌋, one rounding */

#include "vmath_simd.h"
