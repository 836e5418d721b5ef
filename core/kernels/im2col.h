/* im2col.h — the lowering that lets 1-D convolutions ride the packed GEMM.
 *
 * For one batch item and group, x [C, T_in] becomes col [C·K, nt] holding,
 * for output columns t0 .. t0+nt−1,
 *     col[c·K + k, t − t0] = x[c, t·stride − pad + k·dilation]   (0 outside x)
 * so conv1d is W [C_out, C·K] · col. col2im is its adjoint (overlap-add):
 *     x[c, t·stride − pad + k·dilation] += col[c·K + k, t − t0]
 * which is the last step of conv_transpose1d and of conv1d's input gradient.
 * Working in column tiles bounds col's size for long signals.
 * ref: K. Chellapilla et al., "High performance convolutional neural networks
 * for document processing" (2006) — unrolling convolution into a matrix product. */
#ifndef VX_IM2COL_H
#define VX_IM2COL_H

#include <stdint.h>

typedef struct vx_conv_geom {
    int64_t channels;  /* C: rows of x                                  */
    int64_t t_in;      /* T_in: columns of x                            */
    int64_t kernel;    /* K                                             */
    int64_t stride, pad, dilation;
} vx_conv_geom;

/* col [C·K, nt] (row stride ldcol) from x [C, T_in] (row stride ldx). */
void vx_im2col(const vx_conv_geom *g, const float *x, int64_t ldx, int64_t t0, int64_t nt,
               float *col, int64_t ldcol);

/* x [C, T_in] (row stride ldx) += overlap-add of col [C·K, nt]. */
void vx_col2im_add(const vx_conv_geom *g, const float *col, int64_t ldcol, int64_t t0,
                   int64_t nt, float *x, int64_t ldx);

#endif
