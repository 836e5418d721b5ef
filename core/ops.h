/* ops.h — every tensor op, forward with autograd.
 *
 * Conventions: ops take the context first and return a new tensor, or NULL
 * with the error set (vx_last_error). A NULL input makes an op return NULL
 * without touching the error, so chains can be checked once at the end.
 * Float ops compute in f32; inputs may be any strided view (ops make them
 * contiguous first when their kernel needs it). Shapes follow PyTorch.
 * Each op's scalar reference forward and backward live together in one file
 * per family under core/ops/. */
#ifndef VX_OPS_H
#define VX_OPS_H

#include "autograd.h"

/* --- views (core/ops/view.c): share data, differentiable ------------------- */
vx_tensor *vx_reshape(vx_ctx *ctx, vx_tensor *x, int ndim, const int64_t *shape); /* one dim may be -1; copies when x is not contiguous */
vx_tensor *vx_permute(vx_ctx *ctx, vx_tensor *x, const int *perm);
vx_tensor *vx_transpose(vx_ctx *ctx, vx_tensor *x, int axis0, int axis1);
vx_tensor *vx_slice(vx_ctx *ctx, vx_tensor *x, int axis, int64_t start, int64_t end, int64_t step);
vx_tensor *vx_expand(vx_ctx *ctx, vx_tensor *x, int ndim, const int64_t *shape); /* broadcast size-1 dims */
vx_tensor *vx_contiguous(vx_ctx *ctx, vx_tensor *x);  /* x itself when already contiguous */

/* --- elementwise (core/ops/elementwise.c) --------------------------------- */
/* Binary ops broadcast numpy-style: shapes align on the right; size-1 dims stretch. */
vx_tensor *vx_add(vx_ctx *ctx, vx_tensor *a, vx_tensor *b);
vx_tensor *vx_sub(vx_ctx *ctx, vx_tensor *a, vx_tensor *b);
vx_tensor *vx_mul(vx_ctx *ctx, vx_tensor *a, vx_tensor *b);
vx_tensor *vx_div(vx_ctx *ctx, vx_tensor *a, vx_tensor *b);
vx_tensor *vx_scale(vx_ctx *ctx, vx_tensor *x, float s);        /* x * s */
vx_tensor *vx_add_scalar(vx_ctx *ctx, vx_tensor *x, float s);   /* x + s */

vx_tensor *vx_relu(vx_ctx *ctx, vx_tensor *x);
vx_tensor *vx_leaky_relu(vx_ctx *ctx, vx_tensor *x, float slope);
vx_tensor *vx_gelu(vx_ctx *ctx, vx_tensor *x);                  /* exact: x * Phi(x) via erf */
vx_tensor *vx_tanh(vx_ctx *ctx, vx_tensor *x);
vx_tensor *vx_sigmoid(vx_ctx *ctx, vx_tensor *x);
vx_tensor *vx_exp(vx_ctx *ctx, vx_tensor *x);
vx_tensor *vx_log(vx_ctx *ctx, vx_tensor *x);
vx_tensor *vx_softplus(vx_ctx *ctx, vx_tensor *x);              /* log(1 + e^x), stable */
vx_tensor *vx_sqrt(vx_ctx *ctx, vx_tensor *x);
vx_tensor *vx_abs(vx_ctx *ctx, vx_tensor *x);
vx_tensor *vx_square(vx_ctx *ctx, vx_tensor *x);
vx_tensor *vx_clamp(vx_ctx *ctx, vx_tensor *x, float lo, float hi);

/* Non-differentiable helpers. */
vx_tensor *vx_ceil(vx_ctx *ctx, vx_tensor *x);
vx_tensor *vx_cast(vx_ctx *ctx, vx_tensor *x, vx_dtype dt);     /* any -> any numeric dtype */

/* --- reductions (core/ops/reduce.c) --------------------------------------- */
/* Reduce over the n_axes listed axes (negative allowed); n_axes == 0 reduces
 * everything to a 0-d scalar. keepdim keeps reduced dims as size 1. */
vx_tensor *vx_sum(vx_ctx *ctx, vx_tensor *x, const int *axes, int n_axes, bool keepdim);
vx_tensor *vx_mean(vx_ctx *ctx, vx_tensor *x, const int *axes, int n_axes, bool keepdim);
vx_tensor *vx_argmax(vx_ctx *ctx, vx_tensor *x, int axis);      /* i32, axis removed */
vx_tensor *vx_cumsum(vx_ctx *ctx, vx_tensor *x, int axis);

/* --- matmul family (core/ops/matmul.c) ------------------------------------- */
/* a [..., M, K] @ b [..., K, N] -> [..., M, N]; batch dims broadcast; 1-D b or a not accepted. */
vx_tensor *vx_matmul(vx_ctx *ctx, vx_tensor *a, vx_tensor *b);
/* x [..., In] · w[Out, In]ᵀ + bias[Out] -> [..., Out]; bias may be NULL. */
vx_tensor *vx_linear(vx_ctx *ctx, vx_tensor *x, vx_tensor *w, vx_tensor *bias);

/* --- convolutions (core/ops/conv.c) --------------------------------------- */
/* x [B, Cin, T], w [Cout, Cin/groups, K], bias [Cout] or NULL
 * -> [B, Cout, (T + 2·pad − dilation·(K−1) − 1)/stride + 1] */
vx_tensor *vx_conv1d(vx_ctx *ctx, vx_tensor *x, vx_tensor *w, vx_tensor *bias,
                     int stride, int pad, int dilation, int groups);
/* x [B, Cin, T], w [Cin, Cout/groups, K], bias [Cout] or NULL
 * -> [B, Cout, (T−1)·stride − 2·pad + dilation·(K−1) + output_padding + 1] */
vx_tensor *vx_conv_transpose1d(vx_ctx *ctx, vx_tensor *x, vx_tensor *w, vx_tensor *bias,
                               int stride, int pad, int output_padding, int groups, int dilation);

/* --- normalisation (core/ops/norm.c) -------------------------------------- */
/* Over the last dim: x [..., C], gamma/beta [C] (either may be NULL). */
vx_tensor *vx_layer_norm(vx_ctx *ctx, vx_tensor *x, vx_tensor *gamma, vx_tensor *beta, float eps);
/* Over channels of x [B, C, T] at each time step (VITS/Glow-TTS LayerNorm). */
vx_tensor *vx_layer_norm_channels(vx_ctx *ctx, vx_tensor *x, vx_tensor *gamma, vx_tensor *beta,
                                  float eps);
vx_tensor *vx_softmax(vx_ctx *ctx, vx_tensor *x, int axis);
/* w = g · v / ‖v‖, norm over every dim but dim 0: v [O, ...], g [O, 1, ...] or [O]. */
vx_tensor *vx_weight_norm(vx_ctx *ctx, vx_tensor *g, vx_tensor *v);

/* --- indexing and assembly (core/ops/index.c) ------------------------------ */
/* weight [V, D], idx i32 [...] -> [..., D]; an index outside [0, V) is an error. */
vx_tensor *vx_embedding(vx_ctx *ctx, vx_tensor *weight, vx_tensor *idx);
vx_tensor *vx_concat(vx_ctx *ctx, vx_tensor *const *xs, int n, int axis);
typedef enum vx_pad_mode { VX_PAD_CONSTANT, VX_PAD_REFLECT } vx_pad_mode;
/* Pad one axis by `left` and `right` elements (reflect needs pad < size). */
vx_tensor *vx_pad(vx_ctx *ctx, vx_tensor *x, int axis, int64_t left, int64_t right,
                  vx_pad_mode mode, float value);
/* Gather along `axis` with idx i32 [n] -> axis size becomes n. */
vx_tensor *vx_index_select(vx_ctx *ctx, vx_tensor *x, int axis, vx_tensor *idx);
/* Repeat slice i of `axis` repeats[i] times (i32 [size of axis], each ≥ 0):
 * the length regulator of FastSpeech2 / VITS. */
vx_tensor *vx_repeat_interleave(vx_ctx *ctx, vx_tensor *x, int axis, vx_tensor *repeats);
/* cond ? a : b with broadcasting; cond is u8 (non-zero = true). */
vx_tensor *vx_where(vx_ctx *ctx, vx_tensor *cond, vx_tensor *a, vx_tensor *b);
/* x where mask is zero, `value` where mask is non-zero (mask u8, broadcast to x). */
vx_tensor *vx_masked_fill(vx_ctx *ctx, vx_tensor *x, vx_tensor *mask, float value);
/* Inverted dropout: in training mode zero with prob p and scale by 1/(1−p);
 * identity otherwise. Uses the context RNG. */
vx_tensor *vx_dropout(vx_ctx *ctx, vx_tensor *x, float p);
/* lengths i32 [B] -> u8 [B, max_len], 1 where t < lengths[b]. */
vx_tensor *vx_sequence_mask(vx_ctx *ctx, vx_tensor *lengths, int64_t max_len);

/* --- random (core/ops/random.c) ------------------------------------------- */
vx_tensor *vx_randn(vx_ctx *ctx, int ndim, const int64_t *shape);   /* N(0, 1), context RNG */
vx_tensor *vx_rand(vx_ctx *ctx, int ndim, const int64_t *shape);    /* U[0, 1) */

/* --- losses (core/ops/loss.c): mean over all elements -> 0-d ------------- */
vx_tensor *vx_l1_loss(vx_ctx *ctx, vx_tensor *pred, vx_tensor *target);
vx_tensor *vx_mse_loss(vx_ctx *ctx, vx_tensor *pred, vx_tensor *target);

#endif
