/* im2col.h — the lowerings that let 1-D convolutions ride the packed GEMM.
 *
 * For one batch item and group, x [C, T_in] becomes col [C·K, nt] holding,
 * for output columns t0 .. t0+nt−1,
 *     col[c·K + k, t − t0] = x[c, t·stride − pad + k·dilation]   (0 outside x)
 * so conv1d is W [C_out, C·K] · col. col2im is its adjoint (overlap-add):
 *     x[c, t·stride − pad + k·dilation] += col[c·K + k, t − t0]
 * which is the last step of conv_transpose1d and of conv1d's input gradient.
 * Working in column tiles bounds col's size for long signals.
 * ref: K. Chellapilla et al., "High performance convolutional neural networks
 * for document processing" (2006) — unrolling convolution into a matrix product.
 *
 * The tap and phase views below are the same matrices as GEMM operands that
 * are packed straight from x and w (gemm.h), so col is never written. */
#ifndef VX_IM2COL_H
#define VX_IM2COL_H

#include <stdbool.h>
#include <stdint.h>

#include "gemm.h"

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

/* Shifted rows of x [C, len] (row stride ldx) as a K×W GEMM operand:
 *     element (c·taps + u, j) = x[c, j·stride + offset[u]]   (0 outside [0, len))
 * With taps = K and offset[k] = t0·stride − pad + k·dilation it is col above;
 * conv_transpose1d's polyphase form uses stride 1 and one offset per shift.
 * per_item > 0 makes it a batch of such signals side by side: column
 * j = b·per_item + t is column t of signal b, which starts batch_step floats
 * after signal b − 1 (0: one signal). */
typedef struct vx_tap_view {
    const float *x;
    int64_t ldx, len;
    int64_t taps, stride;
    const int64_t *offset; /* [taps] */
    int64_t per_item, batch_step;
} vx_tap_view;

vx_gemm_operand vx_tap_operand(const vx_tap_view *v);

/* The weights of conv_transpose1d's phases as a K×W operand: for w [rows,
 * cols, K] (rows = input channels), every phase r < stride and shift index
 * u < n_shift, with tap kmap[r·n_shift + u] (−1: none),
 *     element (ci·n_shift + u, co·stride + r) = w[ci, co, kmap[r·n_shift + u]]   (0 for none)
 * Packed strip by strip from a table of each strip column's offset in w[ci]. */
typedef struct vx_phase_view {
    const float *w;
    int64_t cols, K, stride, n_shift;
    const int64_t *kmap;      /* [stride · n_shift] */
} vx_phase_view;

vx_gemm_operand vx_phase_operand(const vx_phase_view *v);

/* out[c·ld_out + i·s + r] (+)= z[i·ldz + c·s + r] for i < rows, c < cols, r < s:
 * a polyphase result z [rows, cols·s] (row i holds every channel's s phase
 * outputs of step i) moved into channel rows of the output. With overwrite
 * the output is not read: out = bias[c] + z (0 + z when bias is NULL), the
 * same bits as filling out with the bias first and adding; otherwise
 * out += z and bias is ignored. */
void vx_phase_interleave(const float *z, int64_t ldz, int64_t s, int64_t rows, int64_t cols,
                         bool overwrite, const float *bias, float *out, int64_t ld_out);

/* The same move from the transposed result: zt [cols·s, rows] (row c·s + r
 * holds channel c's phase-r outputs of steps 0 .. rows − 1):
 *     out[c·ld_out + i·s + r] (+)= zt[(c·s + r)·ldz + i]
 * with the same overwrite and bias rule. */
void vx_phase_zip(const float *zt, int64_t ldz, int64_t s, int64_t rows, int64_t cols,
                  bool overwrite, const float *bias, float *out, int64_t ld_out);

/* AVX-512 versions (im2col_avx512.c); call only when vx_cpu_avx512(). The
 * tap packer handles stride 1 and one signal (per_item 0); the interleave
 * handles s ∈ {2, 4, 8} on whole blocks and returns the rows it did, for the
 * first *cols_done columns. */
void vx_pack_taps_avx512(const vx_tap_view *v, int64_t j0, int64_t nc, int64_t p0, int64_t kc,
                         int width, float *dst);
/* The tap packer for strides 2 .. 65535 (gathers), one signal. */
void vx_pack_taps_strided_avx512(const vx_tap_view *v, int64_t j0, int64_t nc, int64_t p0,
                                 int64_t kc, int width, float *dst);
int64_t vx_phase_interleave_avx512(const float *z, int64_t ldz, int64_t s, int64_t rows,
                                   int64_t cols, bool overwrite, const float *bias, float *out,
                                   int64_t ld_out, int64_t *cols_done);
/* vx_phase_zip for s ∈ {2, 4, 8} on the first rows / 16 · 16 steps; returns
 * the steps it did (0 for other s). */
int64_t vx_phase_zip_avx512(const float *zt, int64_t ldz, int64_t s, int64_t rows, int64_t cols,
                            bool overwrite, const float *bias, float *out, int64_t ld_out);

#endif
