/* vmath_neon.c — vmath.h on 4-lane NEON vectors (aarch64): the primitives
 * that vmath_simd.h is written over, then the algorithms themselves.
 * Built only for aarch64 (`make ARCH=aarch64`), where NEON is always there. */
#include <arm_neon.h>
#include <string.h>

#include "vmath.h"

typedef float32x4_t VF;
typedef int32x4_t VI;
typedef uint32x4_t VM;
#define VW 4
#define VX_VNAME(name) name##_neon

static inline VF v_set(float a) { return vdupq_n_f32(a); }
static inline VF v_load(const float *p) { return vld1q_f32(p); }
static inline void v_store(float *p, VF v) { vst1q_f32(p, v); }

static inline VF v_load_part(const float *p, int n)
{
    float t[4] = {0, 0, 0, 0};
    memcpy(t, p, sizeof(float) * (size_t)n);
    return vld1q_f32(t);
}

static inline void v_store_part(float *p, VF v, int n)
{
    float t[4];
    vst1q_f32(t, v);
    memcpy(p, t, sizeof(float) * (size_t)n);
}

static inline VF v_add(VF a, VF b) { return vaddq_f32(a, b); }
static inline VF v_sub(VF a, VF b) { return vsubq_f32(a, b); }
static inline VF v_mul(VF a, VF b) { return vmulq_f32(a, b); }
static inline VF v_div(VF a, VF b) { return vdivq_f32(a, b); }
static inline VF v_sqrt(VF a) { return vsqrtq_f32(a); }
static inline VF v_fma(VF a, VF b, VF c) { return vfmaq_f32(c, a, b); }
static inline VF v_fnma(VF a, VF b, VF c) { return vfmsq_f32(c, a, b); }
/* x86 semantics (the second operand when unordered), which vmath_simd.h relies on */
static inline VF v_min(VF a, VF b) { return vbslq_f32(vcltq_f32(a, b), a, b); }
static inline VF v_max(VF a, VF b) { return vbslq_f32(vcgtq_f32(a, b), a, b); }
static inline VF v_round(VF a) { return vrndnq_f32(a); }
static inline VI v_int(VF a) { return vcvtnq_s32_f32(a); }
static inline VF v_float_of(VI a) { return vcvtq_f32_s32(a); }
static inline VI v_as_int(VF a) { return vreinterpretq_s32_f32(a); }
static inline VF v_as_float(VI a) { return vreinterpretq_f32_s32(a); }
static inline VI v_addi(VI a, VI b) { return vaddq_s32(a, b); }
static inline VI v_subi(VI a, VI b) { return vsubq_s32(a, b); }
static inline VI v_andi(VI a, VI b) { return vandq_s32(a, b); }
static inline VI v_ori(VI a, VI b) { return vorrq_s32(a, b); }
static inline VI v_seti(int a) { return vdupq_n_s32(a); }
static inline VI v_slli23(VI a) { return vshlq_n_s32(a, 23); }
static inline VI v_srai1(VI a) { return vshrq_n_s32(a, 1); }
static inline VI v_srai23(VI a) { return vshrq_n_s32(a, 23); }
static inline VF v_and(VF a, VF b)
{
    return vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(a), vreinterpretq_u32_f32(b)));
}
static inline VF v_or(VF a, VF b)
{
    return vreinterpretq_f32_u32(vorrq_u32(vreinterpretq_u32_f32(a), vreinterpretq_u32_f32(b)));
}
static inline VM v_lt(VF a, VF b) { return vcltq_f32(a, b); }
static inline VM v_gt(VF a, VF b) { return vcgtq_f32(a, b); }
static inline VM v_eq(VF a, VF b) { return vceqq_f32(a, b); }
static inline VM v_nan(VF a) { return vmvnq_u32(vceqq_f32(a, a)); }
static inline VF v_sel(VM m, VF a, VF b) { return vbslq_f32(m, a, b); }
static inline float v_hsum(VF a) { return vaddvq_f32(a); }
static inline float v_hmax(VF a) { return vmaxvq_f32(a); }

#include "vmath_simd.h"
