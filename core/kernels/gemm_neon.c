/* gemm_neon.c — NEON 8×12 micro-kernel (aarch64): 24 accumulators of 4
 * lanes, a B row in 3 registers, each A value broadcast from a lane of the
 * A column (fused multiply-add by lane). Ragged edges spill the tile and
 * update only the valid part. Built only for aarch64 (`make ARCH=aarch64`). */
#include <arm_neon.h>

#include "gemm.h"

enum { MR = 8, NR = 12 };

void vx_gemm_ukernel_neon_8x12(int64_t kc, const float *a, const float *b, float *c, int64_t ldc,
                               int mr, int nr, bool accumulate)
{
    float32x4_t acc[MR][3];
    for (int r = 0; r < MR; r++)
        acc[r][0] = acc[r][1] = acc[r][2] = vdupq_n_f32(0.0f);
    for (int64_t k = 0; k < kc; k++) {
        float32x4_t a0 = vld1q_f32(a + MR * k), a1 = vld1q_f32(a + MR * k + 4);
        float32x4_t b0 = vld1q_f32(b + NR * k), b1 = vld1q_f32(b + NR * k + 4);
        float32x4_t b2 = vld1q_f32(b + NR * k + 8);
#define ROW(R, AV, L)                                        \
    acc[R][0] = vfmaq_laneq_f32(acc[R][0], b0, AV, L);       \
    acc[R][1] = vfmaq_laneq_f32(acc[R][1], b1, AV, L);       \
    acc[R][2] = vfmaq_laneq_f32(acc[R][2], b2, AV, L);
        ROW(0, a0, 0) ROW(1, a0, 1) ROW(2, a0, 2) ROW(3, a0, 3)
        ROW(4, a1, 0) ROW(5, a1, 1) ROW(6, a1, 2) ROW(7, a1, 3)
#undef ROW
    }
    if (mr == MR && nr == NR) {
        for (int r = 0; r < MR; r++)
            for (int v = 0; v < 3; v++) {
                float *p = c + r * ldc + 4 * v;
                vst1q_f32(p, accumulate ? vaddq_f32(vld1q_f32(p), acc[r][v]) : acc[r][v]);
            }
        return;
    }
    float tile[MR][NR];
    for (int r = 0; r < MR; r++)
        for (int v = 0; v < 3; v++)
            vst1q_f32(&tile[r][4 * v], acc[r][v]);
    for (int r = 0; r < mr; r++)
        for (int j = 0; j < nr; j++)
            c[r * ldc + j] = accumulate ? c[r * ldc + j] + tile[r][j] : tile[r][j];
}
