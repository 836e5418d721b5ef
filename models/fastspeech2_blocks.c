/* fastspeech2_blocks.c — FastSpeech2's FFT blocks (multi-head self-attention
 * with key-padding masks, conv feed-forward, post-LN residuals) and the
 * encoder/decoder stacks with sinusoidal positions (ref: ming024/FastSpeech2
 * transformer/{Models,Layers,SubLayers,Modules}.py; Vaswani et al. 2017). */
#include <math.h>
#include <stdio.h>

#include "models/fastspeech2_internal.h"

vx_status fs2_fft_block_init(vx_ctx *ctx, fs2_list *params, fs2_fft_block *b,
                             const vx_fs2_config *cfg, const char *prefix)
{
    char name[96];
    int h = cfg->hidden;
    struct { fs2_linear *l; const char *what; } lin[4] = {
        {&b->w_qs, "w_qs"}, {&b->w_ks, "w_ks"}, {&b->w_vs, "w_vs"}, {&b->fc, "fc"}};
    vx_status st = VX_OK;
    for (int i = 0; i < 4 && st == VX_OK; i++) {
        snprintf(name, sizeof name, "%s.slf_attn.%s", prefix, lin[i].what);
        st = fs2_linear_init(ctx, params, lin[i].l, h, h, name);
    }
    if (st == VX_OK) {
        snprintf(name, sizeof name, "%s.slf_attn.layer_norm", prefix);
        st = fs2_norm_init(ctx, params, &b->attn_norm, h, name);
    }
    if (st == VX_OK) {
        snprintf(name, sizeof name, "%s.pos_ffn.w_1", prefix);
        st = fs2_conv_init(ctx, params, &b->w_1, h, cfg->ffn_filter, cfg->ffn_kernel[0], name);
    }
    if (st == VX_OK) {
        snprintf(name, sizeof name, "%s.pos_ffn.w_2", prefix);
        st = fs2_conv_init(ctx, params, &b->w_2, cfg->ffn_filter, h, cfg->ffn_kernel[1], name);
    }
    if (st == VX_OK) {
        snprintf(name, sizeof name, "%s.pos_ffn.layer_norm", prefix);
        st = fs2_norm_init(ctx, params, &b->ffn_norm, h, name);
    }
    return st;
}

/* [B, T, H] -> [B, heads, T, d_k]: head j holds features j·d_k .. (j+1)·d_k − 1. */
static vx_tensor *split_heads(vx_ctx *ctx, vx_tensor *x, int64_t batch, int64_t t, int heads,
                              int64_t dk)
{
    x = vx_reshape(ctx, x, 4, (int64_t[]){batch, t, heads, dk});
    return vx_permute(ctx, x, (int[]){0, 2, 1, 3});
}

/* ref: ScaledDotProductAttention and MultiHeadAttention (ming024 transformer/):
 *   A = softmax(q kᵀ / sqrt(d_k)) per head, padded keys at −inf;
 *   out = LN(x + dropout(fc(concat_heads(A v)))).
 * x [B, T, H]; keys u8 [B, 1, 1, T]. Every batch row keeps ≥ 1 valid key,
 * so no softmax row is all −inf. */
static vx_tensor *self_attention(vx_ctx *ctx, const fs2_fft_block *b, const vx_fs2_config *cfg,
                                 vx_tensor *x, vx_tensor *keys)
{
    int64_t batch = x->shape[0], t = x->shape[1], h = cfg->hidden, dk = h / cfg->heads;
    vx_tensor *q = split_heads(ctx, fs2_linear_forward(ctx, &b->w_qs, x), batch, t, cfg->heads, dk);
    vx_tensor *k = split_heads(ctx, fs2_linear_forward(ctx, &b->w_ks, x), batch, t, cfg->heads, dk);
    vx_tensor *v = split_heads(ctx, fs2_linear_forward(ctx, &b->w_vs, x), batch, t, cfg->heads, dk);
    vx_tensor *scores = vx_matmul(ctx, q, vx_transpose(ctx, k, 2, 3));      /* [B, heads, T, T] */
    scores = vx_scale(ctx, scores, (float)(1.0 / sqrt((double)dk)));
    scores = vx_masked_fill(ctx, scores, keys, -INFINITY);
    vx_tensor *ctxv = vx_matmul(ctx, vx_softmax(ctx, scores, -1), v);       /* [B, heads, T, d_k] */
    ctxv = vx_permute(ctx, ctxv, (int[]){0, 2, 1, 3});                      /* [B, T, heads, d_k] */
    ctxv = vx_reshape(ctx, ctxv, 3, (int64_t[]){batch, t, h});              /* [B, T, H] */
    vx_tensor *y = vx_dropout(ctx, fs2_linear_forward(ctx, &b->fc, ctxv), cfg->dropout);
    return fs2_norm_forward(ctx, &b->attn_norm, vx_add(ctx, y, x));
}

/* ref: PositionwiseFeedForward: LN(x + dropout(w_2(relu(w_1(x))))), the
 * convs over time. x [B, T, H], zero at padding; w_2's input is zeroed there
 * too, so that a kernel wider than 1 sees what an unpadded utterance sees.
 * frames u8 [B, 1, T]. */
static vx_tensor *conv_ffn(vx_ctx *ctx, const fs2_fft_block *b, const vx_fs2_config *cfg,
                           vx_tensor *x, vx_tensor *frames)
{
    vx_tensor *y = vx_transpose(ctx, x, 1, 2);                              /* [B, H, T] */
    y = vx_masked_fill(ctx, vx_relu(ctx, fs2_conv_forward(ctx, &b->w_1, y)), frames, 0.0f);
    y = fs2_conv_forward(ctx, &b->w_2, y);                                  /* [B, H, T] */
    y = vx_dropout(ctx, vx_transpose(ctx, y, 1, 2), cfg->dropout);          /* [B, T, H] */
    return fs2_norm_forward(ctx, &b->ffn_norm, vx_add(ctx, y, x));
}

/* ref: FFTBlock: attention, zero the padded rows, feed-forward, zero them
 * again. The masks view one u8 [B, T] padding mask (fs2_mask_*). */
typedef struct block_masks {
    vx_tensor *rows, *frames, *keys;
} block_masks;

static vx_tensor *fft_block(vx_ctx *ctx, const fs2_fft_block *b, const vx_fs2_config *cfg,
                            vx_tensor *x, const block_masks *mk)
{
    vx_tensor *y = vx_masked_fill(ctx, self_attention(ctx, b, cfg, x, mk->keys), mk->rows, 0.0f);
    if (!y)
        return NULL;
    return vx_masked_fill(ctx, conv_ffn(ctx, b, cfg, y, mk->frames), mk->rows, 0.0f);
}

/* ref: get_sinusoid_encoding_table: angle(pos, i) = pos / 10000^(2·⌊i/2⌋ / H),
 * sin at even i, cos at odd i. -> [1, T, H], computed in double. */
static vx_tensor *sinusoid(vx_ctx *ctx, int64_t t, int h)
{
    vx_tensor *pe = vx_new(ctx, VX_F32, 3, (int64_t[]){1, t, h});
    if (!pe)
        return NULL;
    float *p = pe->data;
    for (int i = 0; i < h; i++) {
        double rate = pow(10000.0, 2.0 * (i / 2) / (double)h);
        for (int64_t pos = 0; pos < t; pos++) {
            double angle = (double)pos / rate;
            p[pos * h + i] = (float)(i % 2 ? cos(angle) : sin(angle));
        }
    }
    return pe;
}

vx_tensor *fs2_fft_stack(vx_ctx *ctx, const fs2_fft_block *blocks, int n,
                         const vx_fs2_config *cfg, vx_tensor *x, vx_tensor *pad)
{
    if (!x || !pad)
        return NULL;
    block_masks mk = {fs2_mask_rows(ctx, pad), fs2_mask_frames(ctx, pad), fs2_mask_keys(ctx, pad)};
    x = vx_add(ctx, x, sinusoid(ctx, x->shape[1], cfg->hidden));
    for (int i = 0; i < n && x; i++)
        x = fft_block(ctx, &blocks[i], cfg, x, &mk);
    return x;
}
