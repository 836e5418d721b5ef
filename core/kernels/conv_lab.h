/* conv_lab.h — the kernel lab of conv1d and conv_transpose1d: which lowering
 * the fast path uses (select with vx_conv_set_impl or `voxc-opbench conv1d
 * --impl N`). Forward passes and input gradients:
 *   1  the scalar reference loops of core/ops/conv.c
 *   2  explicit im2col tiles + packed SGEMM; conv_transpose1d as GEMM + col2im
 *      overlap-add scatter
 *   3  no column matrix: conv1d packs im2col straight from x into the GEMM;
 *      conv_transpose1d runs as `stride` phase convolutions in one GEMM
 *      (polyphase) whose rows are interleaved into y — no scatter
 *   0  auto: 3 (2 for the rare conv_transpose1d whose phases would waste more
 *      than half their multiplies on missing taps)
 * Weight gradients use version 2's lowering in versions 2 and 3.
 * ref: M. Bellanger et al., "Digital filtering by polyphase network" (1976),
 * for the polyphase decomposition of an upsampling filter. */
#ifndef VX_CONV_LAB_H
#define VX_CONV_LAB_H

#include <stdbool.h>

void vx_conv_set_impl(int impl);          /* process-wide (0 = auto)          */
int vx_conv_get_impl(void);               /* the value set, 0..3               */
bool vx_conv_impl_valid(int impl);        /* 0..3                              */
const char *vx_conv_impl_name(int impl);  /* one-line description              */

#endif
