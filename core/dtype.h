/* dtype.h — element types and conversions.
 *
 * f32 is the compute type; f16 and bf16 are storage types converted to f32
 * before compute; i32 holds indices and lengths; i8/u8 hold quantized values
 * and masks. Conversions round to nearest even. */
#ifndef VX_DTYPE_H
#define VX_DTYPE_H

#include <stddef.h>
#include <stdint.h>

typedef enum vx_dtype {
    VX_F32 = 0,
    VX_F16,
    VX_BF16,
    VX_I32,
    VX_I8,
    VX_U8,
    VX_DTYPE_COUNT
} vx_dtype;

size_t vx_dtype_size(vx_dtype dt);        /* bytes per element           */
const char *vx_dtype_name(vx_dtype dt);   /* "f32", "f16", ...            */

/* IEEE binary16 and bfloat16 <-> f32, round-to-nearest-even; NaN and Inf
 * survive the round trip, f16 overflow becomes Inf, subnormals are kept. */
uint16_t vx_f32_to_f16(float f);
float vx_f16_to_f32(uint16_t h);
uint16_t vx_f32_to_bf16(float f);
float vx_bf16_to_f32(uint16_t b);

/* Bulk conversions of n contiguous values. */
void vx_f32_to_f16_n(const float *src, uint16_t *dst, size_t n);
void vx_f16_to_f32_n(const uint16_t *src, float *dst, size_t n);
void vx_f32_to_bf16_n(const float *src, uint16_t *dst, size_t n);
void vx_bf16_to_f32_n(const uint16_t *src, float *dst, size_t n);

#endif
