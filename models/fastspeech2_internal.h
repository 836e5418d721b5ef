/* fastspeech2_internal.h — internal to models/fastspeech2*.c: the model
 * struct, its layers (linear, conv, layer norm, FFT block, variance
 * predictor), padding masks, and the parts each file provides. */
#ifndef VX_MODELS_FASTSPEECH2_INTERNAL_H
#define VX_MODELS_FASTSPEECH2_INTERNAL_H

#include "models/fastspeech2.h"

#define FS2_LN_EPS 1e-5f /* torch.nn.LayerNorm's default */

/* A growing list of persistent tensors (malloc'd array). */
typedef struct fs2_list {
    vx_tensor **items;
    int n, cap;
} fs2_list;

typedef struct fs2_linear {
    vx_tensor *weight; /* [out, in] */
    vx_tensor *bias;   /* [out]     */
} fs2_linear;

typedef struct fs2_conv {
    vx_tensor *weight; /* [out, in, k]; padding (k − 1) / 2 keeps the length */
    vx_tensor *bias;   /* [out]                                              */
} fs2_conv;

typedef struct fs2_norm {
    vx_tensor *weight, *bias; /* γ, β [C] */
} fs2_norm;

typedef struct fs2_fft_block {
    fs2_linear w_qs, w_ks, w_vs, fc; /* slf_attn.*            */
    fs2_norm attn_norm;              /* slf_attn.layer_norm   */
    fs2_conv w_1, w_2;               /* pos_ffn.*             */
    fs2_norm ffn_norm;               /* pos_ffn.layer_norm    */
} fs2_fft_block;

typedef struct fs2_predictor {
    fs2_conv conv1d_1, conv1d_2;
    fs2_norm layer_norm_1, layer_norm_2;
    fs2_linear linear_layer; /* [1, vp_filter] */
} fs2_predictor;

struct vx_fs2 {
    vx_fs2_config cfg;
    vx_tensor *src_word_emb; /* [n_vocab, H]          */
    fs2_fft_block enc[VX_FS2_MAX_LAYERS], dec[VX_FS2_MAX_LAYERS];
    vx_tensor *speaker_emb;  /* [n_speakers, H] or NULL */
    fs2_predictor duration, pitch, energy;
    vx_tensor *pitch_bins, *energy_bins;  /* buffers [n_bins − 1] */
    vx_tensor *pitch_emb, *energy_emb;    /* [n_bins, H]          */
    fs2_linear mel_linear;                /* [n_mels, H]          */
    fs2_conv postnet[VX_FS2_MAX_POSTNET];
    fs2_norm postnet_norm[VX_FS2_MAX_POSTNET]; /* all but the last conv */
    fs2_list params, buffers;
};

/* --- fastspeech2_layers.c ------------------------------------------------------- */

vx_status fs2_list_push(fs2_list *l, vx_tensor *t);
void fs2_list_free(fs2_list *l);

/* Persistent f32 tensor named printf(fmt, ...), pushed to `list`; NULL with
 * the error set when the name does not fit a tensor name. */
vx_tensor *fs2_tensor(vx_ctx *ctx, fs2_list *list, bool requires_grad, int ndim,
                      const int64_t *shape, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Layers named "<prefix>.weight" / "<prefix>.bias", PyTorch default init. */
vx_status fs2_linear_init(vx_ctx *ctx, fs2_list *params, fs2_linear *l, int in, int out,
                          const char *prefix);
vx_status fs2_conv_init(vx_ctx *ctx, fs2_list *params, fs2_conv *c, int in, int out, int kernel,
                        const char *prefix);
vx_status fs2_norm_init(vx_ctx *ctx, fs2_list *params, fs2_norm *n, int channels,
                        const char *prefix);

vx_tensor *fs2_linear_forward(vx_ctx *ctx, const fs2_linear *l, vx_tensor *x); /* [.., in] -> [.., out] */
vx_tensor *fs2_conv_forward(vx_ctx *ctx, const fs2_conv *c, vx_tensor *x);     /* [B, in, T] -> [B, out, T] */
vx_tensor *fs2_norm_forward(vx_ctx *ctx, const fs2_norm *n, vx_tensor *x);     /* over the last dim */

/* u8 [B, T]: 1 where t ≥ lens[b] (padding). lens i32 [B], checked by the caller. */
vx_tensor *fs2_pad_mask(vx_ctx *ctx, const vx_tensor *lens, int64_t t);
/* The same mask data seen as [B, T, 1] (rows of [B, T, C]), [B, 1, T]
 * (frames of [B, C, T]) or [B, 1, 1, T] (keys of [B, heads, T, T]). */
vx_tensor *fs2_mask_rows(vx_ctx *ctx, vx_tensor *pad);
vx_tensor *fs2_mask_frames(vx_ctx *ctx, vx_tensor *pad);
vx_tensor *fs2_mask_keys(vx_ctx *ctx, vx_tensor *pad);

/* --- fastspeech2_blocks.c ------------------------------------------------------- */

/* "encoder.layer_stack.i" / "decoder.layer_stack.i" block parameters. */
vx_status fs2_fft_block_init(vx_ctx *ctx, fs2_list *params, fs2_fft_block *b,
                             const vx_fs2_config *cfg, const char *prefix);

/* x [B, T, H] + sinusoid(T), then every block; pad u8 [B, T]. */
vx_tensor *fs2_fft_stack(vx_ctx *ctx, const fs2_fft_block *blocks, int n,
                         const vx_fs2_config *cfg, vx_tensor *x, vx_tensor *pad);

/* --- fastspeech2_variance.c ----------------------------------------------------- */

vx_status fs2_predictor_init(vx_ctx *ctx, fs2_list *params, fs2_predictor *p,
                             const vx_fs2_config *cfg, const char *prefix);

/* The variance adaptor on the encoder output x [B, T_src, H] (speaker added):
 * fills out->log_duration, pitch, energy, durations, mel_lens, mel_pad and
 * returns the regulated [B, T_mel, H]. targets NULL: inference under c. */
vx_tensor *fs2_variance_adaptor(vx_ctx *ctx, const vx_fs2 *m, vx_tensor *x,
                                const vx_fs2_targets *targets, const vx_fs2_controls *c,
                                vx_fs2_output *out);

#endif
