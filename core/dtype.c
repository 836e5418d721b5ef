/* dtype.c — element sizes, names, and f16/bf16 conversions (bit-exact). */
#include "dtype.h"

#include <string.h>

size_t vx_dtype_size(vx_dtype dt)
{
    switch (dt) {
    case VX_F32: case VX_I32: return 4;
    case VX_F16: case VX_BF16: return 2;
    case VX_I8: case VX_U8: return 1;
    default: return 0;
    }
}

const char *vx_dtype_name(vx_dtype dt)
{
    static const char *names[VX_DTYPE_COUNT] = {"f32", "f16", "bf16", "i32", "i8", "u8"};
    return (unsigned)dt < VX_DTYPE_COUNT ? names[dt] : "?";
}

static uint32_t f32_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static float bits_f32(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

/* ref: IEEE 754-2008 binary16: 1 sign, 5 exponent (bias 15), 10 mantissa bits. */
uint16_t vx_f32_to_f16(float f)
{
    uint32_t x = f32_bits(f);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    uint32_t exp = (x >> 23) & 0xffu;
    uint32_t man = x & 0x7fffffu;

    if (exp == 0xff) /* Inf or NaN (keep NaN quiet and non-zero) */
        return sign | 0x7c00u | (man ? (0x200u | (man >> 13)) : 0);
    int e = (int)exp - 127 + 15;
    if (e >= 31)
        return sign | 0x7c00u; /* overflow -> Inf */
    if (e <= 0) { /* subnormal or zero in f16 */
        if (e < -10)
            return sign;
        man |= 0x800000u; /* implicit leading one */
        int shift = 14 - e;
        uint32_t half = man >> shift;
        uint32_t rem = man & ((1u << shift) - 1);
        uint32_t mid = 1u << (shift - 1);
        if (rem > mid || (rem == mid && (half & 1u)))
            half++;
        return sign | (uint16_t)half;
    }
    uint32_t half = ((uint32_t)e << 10) | (man >> 13);
    uint32_t rem = man & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (half & 1u)))
        half++; /* may carry into the exponent, which is the correct rounding */
    return sign | (uint16_t)half;
}

float vx_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t man = h & 0x3ffu;
    if (exp == 0x1f)
        return bits_f32(sign | 0x7f800000u | (man << 13));
    if (exp == 0) {
        if (man == 0)
            return bits_f32(sign);
        /* subnormal: value = man * 2^-24 */
        float v = (float)man * (1.0f / 16777216.0f);
        return sign ? -v : v;
    }
    return bits_f32(sign | ((exp - 15 + 127) << 23) | (man << 13));
}

/* ref: bfloat16 is the top 16 bits of an f32, rounded to nearest even. */
uint16_t vx_f32_to_bf16(float f)
{
    uint32_t x = f32_bits(f);
    if ((x & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((x >> 16) | 0x40u); /* quiet NaN */
    uint32_t rounding = 0x7fffu + ((x >> 16) & 1u);
    return (uint16_t)((x + rounding) >> 16);
}

float vx_bf16_to_f32(uint16_t b) { return bits_f32((uint32_t)b << 16); }

void vx_f32_to_f16_n(const float *src, uint16_t *dst, size_t n)
{
    for (size_t i = 0; i < n; i++) dst[i] = vx_f32_to_f16(src[i]);
}
void vx_f16_to_f32_n(const uint16_t *src, float *dst, size_t n)
{
    for (size_t i = 0; i < n; i++) dst[i] = vx_f16_to_f32(src[i]);
}
void vx_f32_to_bf16_n(const float *src, uint16_t *dst, size_t n)
{
    for (size_t i = 0; i < n; i++) dst[i] = vx_f32_to_bf16(src[i]);
}
void vx_bf16_to_f32_n(const uint16_t *src, float *dst, size_t n)
{
    for (size_t i = 0; i < n; i++) dst[i] = vx_bf16_to_f32(src[i]);
}
