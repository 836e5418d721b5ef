/* fastspeech2.h — FastSpeech 2: phoneme encoder, variance adaptor (duration,
 * pitch and energy predictors, length regulator), mel decoder and PostNet,
 * with its losses, controllable inference and one training step
 * (ref: Ren et al. 2021, "FastSpeech 2: Fast and High-Quality End-to-End Text
 * to Speech"; layer layout, initialisation and training recipe follow
 * ming024/FastSpeech2, phoneme-level pitch and energy, linear bins).
 *
 * The model, in ming024's order (H = hidden, x [B, T_src, H]):
 *   x = src_word_emb(ids) + sinusoid(T_src)           (no dropout, no padding_idx)
 *   x = encoder FFT blocks(x)                          (key-padding masks)
 *   x = x + speaker_emb(speaker)                       (when n_speakers > 0)
 *   log_d = duration_predictor(x)                      (predicts log(d + 1))
 *   p = pitch_predictor(x);   x = x + pitch_emb(bucketize(p* , pitch_bins))
 *   e = energy_predictor(x);  x = x + energy_emb(bucketize(e*, energy_bins))
 *       p*, e*: the targets in training; at inference the (controlled) predictions
 *   x = length_regulate(x, d)                          [B, T_mel, H]
 *   x = decoder FFT blocks(x + sinusoid(T_mel))
 *   mel = mel_linear(x);  mel_postnet = mel + PostNet(mel)
 * FFT block (post-LN): a = LN(x + dropout(fc(MHA(x)))), zeroed at padding;
 *   y = LN(a + dropout(w_2(relu(w_1(a))))), with w_1 a conv of kernel ffn_kernel[0],
 *   w_2 of ffn_kernel[1] over time, zeroed at padding. MHA: d_k = H / heads,
 *   softmax(q kᵀ / sqrt(d_k)) with padded keys at −inf, no attention dropout.
 * Variance predictor: [conv(k) → ReLU → LN → dropout] × 2 → linear → [B, T_src],
 *   0 at padding; energy's sees x with the pitch embedding added, as ming024.
 * Bins: pitch_bins = linspace(pitch_min, pitch_max, n_bins − 1) (a buffer,
 *   not trained); bucketize(v) = the number of bins < v (torch.bucketize),
 *   so the embedding tables have n_bins rows.
 *
 * Deliberate differences from ming024, each marked where it is done:
 *  - PostNet: BatchNorm is not an op here. Its hidden convs use layer norm
 *    over channels instead (conv → LN → tanh → dropout); the last conv has no
 *    norm (a per-frame norm there would force every frame's residual to the
 *    same size). Parameter names differ ("postnet.convs.N", "postnet.norms.N")
 *    so that BatchNorm weights are never loaded into them by mistake.
 *  - Padding is zeroed wherever a conv over time would read it: after the
 *    speaker, pitch and energy embeddings are added, before the second conv
 *    of each variance predictor and of each FFT feed-forward, after every
 *    PostNet conv; and in the outputs. So an utterance's outputs do not
 *    depend on what it is batched with (ming024 leaves those positions
 *    non-zero, and a conv near the end of a shorter utterance reads them).
 *    With B = 1 nothing changes.
 *  - The token embedding has no padding_idx: id 0 is an ordinary symbol
 *    (Piper's ids put pad '_' = 0 between phonemes); padding comes from the
 *    lengths alone.
 *  - The sinusoid tables are computed for the length at hand (ming024 stores
 *    a 1001-row table as a non-trained parameter); there is no max_seq_len.
 *  - The energy embedding of inference uses the energy control (ming024
 *    passes the pitch control there).
 *
 * Parameter names are ming024's state-dict names ("encoder.layer_stack.0.
 * slf_attn.w_qs.weight", "variance_adaptor.pitch_embedding.weight",
 * "mel_linear.bias", "speaker_emb.weight", ...) except in the variance
 * predictors, whose "conv_layer." Sequential level and the Conv wrapper's
 * ".conv" are dropped to fit the 55-character name limit:
 * "variance_adaptor.duration_predictor.conv_layer.conv1d_1.conv.weight" is
 * "variance_adaptor.duration_predictor.conv1d_1.weight" here. Buffers:
 * "variance_adaptor.pitch_bins", "variance_adaptor.energy_bins".
 *
 * Initialisation (from scratch) is PyTorch's default, as ming024 ends up
 * with: linear and conv weights and biases U(±1/sqrt(fan_in)), embeddings
 * N(0, 1), layer norms γ = 1, β = 0; all draws from the context RNG.
 * Parameters and buffers live in the context's persistent memory; the model
 * structure is malloc'd: free it (before the context) with vx_fs2_free.
 *
 * Shapes: phoneme-level tensors are [B, T_src], frame-level mels
 * [B, T_mel, n_mels] (ming024's layout; transpose for a vocoder that wants
 * [B, n_mels, T]). */
#ifndef VX_MODELS_FASTSPEECH2_H
#define VX_MODELS_FASTSPEECH2_H

#include <stdbool.h>
#include <stdint.h>

#include "core/vx.h"
#include "train/optim.h"

#define VX_FS2_MAX_LAYERS 16   /* FFT blocks per stack                       */
#define VX_FS2_MAX_POSTNET 8   /* PostNet convs                              */
#define VX_FS2_MAX_PHONEME_FRAMES 1000 /* cap on one predicted duration       */

typedef struct vx_fs2_config {
    int n_vocab;          /* phoneme ids 0 .. n_vocab − 1 (Piper's: 256)        */
    int n_speakers;       /* 0: single speaker (no table); else table rows      */
    int n_mels;           /* 80                                                 */
    int hidden;           /* encoder = decoder hidden size H                    */
    int heads;            /* attention heads; H % heads == 0                    */
    int enc_layers, dec_layers;
    int ffn_filter;       /* conv FFN inner channels                            */
    int ffn_kernel[2];    /* w_1 and w_2 kernels, odd (9, 1)                    */
    float dropout;        /* FFT blocks (0.2)                                   */
    int vp_filter;        /* variance predictor channels                        */
    int vp_kernel;        /* odd (3)                                            */
    float vp_dropout;     /* 0.5                                                */
    int n_bins;           /* pitch / energy embedding rows (256)                */
    /* Data statistics. Pitch and energy enter the model normalised,
     * p = (f0_hz − pitch_mean) / pitch_std, q = (energy − energy_mean) /
     * energy_std; min/max are the normalised range the bins span. The
     * named configs hold placeholders (mean 0, std 1, range ±4): set them
     * from the training data before making the model. */
    float pitch_mean, pitch_std, pitch_min, pitch_max;
    float energy_mean, energy_std, energy_min, energy_max;
    int postnet_layers;   /* 5; 0: no PostNet (mel_postnet = mel)               */
    int postnet_channels; /* 512                                                */
    int postnet_kernel;   /* odd (5)                                            */
    float postnet_dropout;/* 0.5                                                */
} vx_fs2_config;

/* Named configs into *out (data statistics as placeholders, see above):
 *   "ljspeech": the paper's / ming024's LJSpeech model: 4 + 6 FFT blocks,
 *               hidden 256, 2 heads, filter 1024, kernels (9, 1), dropout
 *               0.2; predictors 256 ch k3 dropout 0.5; 256 bins; PostNet
 *               5 × 512 ch k5; 256 phoneme ids, 80 mels, single speaker.
 *               34.6 M parameters.
 *   "small":    for training on 2 CPU cores: 2 + 2 FFT blocks, hidden 128,
 *               2 heads, filter 512, predictors 128 ch, PostNet 5 × 128 ch;
 *               the rest as "ljspeech". 3.65 M parameters; about 2 M
 *               multiply-adds per mel frame forward at 500 frames (decoder
 *               1.7 M with attention, PostNet 0.35 M) against about 23 M for
 *               "ljspeech", so a 2-core machine does an update on 16
 *               utterances of ~500 frames in a few seconds: on the order of
 *               a thousand updates an hour. */
vx_status vx_fs2_config_named(const char *name, vx_fs2_config *out);

/* VX_OK, or VX_ERR_ARG naming the bad field. */
vx_status vx_fs2_config_check(const vx_fs2_config *cfg);

typedef struct vx_fs2 vx_fs2;

/* A model initialised from the context RNG. NULL with the error set on a bad
 * config or out of memory. */
vx_fs2 *vx_fs2_new(vx_ctx *ctx, const vx_fs2_config *cfg);
void vx_fs2_free(vx_fs2 *m);

/* The trained parameters, in a fixed order, and the buffers (the bins); both
 * stay valid until vx_fs2_free. */
int vx_fs2_params(const vx_fs2 *m, vx_tensor *const **params);
int vx_fs2_buffers(const vx_fs2 *m, vx_tensor *const **buffers);
int64_t vx_fs2_param_count(const vx_fs2 *m);  /* Σ numel over the parameters */
const vx_fs2_config *vx_fs2_get_config(const vx_fs2 *m);

/* --- forward ------------------------------------------------------------------ */

typedef struct vx_fs2_input {
    vx_tensor *phonemes;   /* i32 [B, T_src], ids < n_vocab (padding: any valid id) */
    vx_tensor *src_lens;   /* i32 [B], 1 ≤ len ≤ T_src                              */
    vx_tensor *speakers;   /* i32 [B] < n_speakers; NULL: speaker 0. Ignored when
                              n_speakers is 0                                        */
} vx_fs2_input;

/* Ground truth for training; padded entries are ignored (may be anything). */
typedef struct vx_fs2_targets {
    vx_tensor *durations;  /* i32 [B, T_src], frames per phoneme ≥ 0; each
                              utterance's total ≥ 1                              */
    vx_tensor *pitch;      /* f32 [B, T_src], normalised                          */
    vx_tensor *energy;     /* f32 [B, T_src], normalised                          */
    vx_tensor *mel;        /* f32 [B, T_mel, n_mels], T_mel = the largest total;
                              needed by vx_fs2_loss only                          */
} vx_fs2_targets;

/* Inference controls. Each acts on a predicted (normalised) value before it
 * is bucketed, or on the predicted durations; the functions below are the
 * definitions. Neutral: {0, 1, 1, 1}. */
typedef struct vx_fs2_controls {
    float pitch_shift;   /* semitones, any sign                                */
    float pitch_scale;   /* ≥ 0; the contour's range about the mean          */
    float energy_scale;  /* ≥ 0; multiplies the energy                          */
    float speed;         /* > 0; 2 halves the durations                         */
} vx_fs2_controls;

vx_fs2_controls vx_fs2_controls_neutral(void);

/* Pitch control on a normalised pitch p (cfg's pitch_mean μ, pitch_std σ):
 *   f0  = μ + σ·p                       (Hz)
 *   f0' = (μ + scale·(f0 − μ)) · 2^(semitones / 12)
 *   p'  = (f0' − μ) / σ  =  scale·p·2^(s/12) + (μ/σ)·(2^(s/12) − 1)
 * scale stretches the contour about the speaker's mean (0: monotone at the
 * mean, 1: unchanged; ming024's p_control), then the shift transposes it. */
float vx_fs2_pitch_control(const vx_fs2_config *cfg, float pitch, float semitones, float scale);

/* Energy control on a normalised energy q (energy_mean μ, energy_std σ):
 *   q' = (scale·(μ + σ·q) − μ) / σ       (the frame energy times scale) */
float vx_fs2_energy_control(const vx_fs2_config *cfg, float energy, float scale);

/* Frames of one phoneme from a predicted log(d + 1):
 *   d = rint((exp(log_duration) − 1) / speed), clamped to
 *   [0, VX_FS2_MAX_PHONEME_FRAMES] (rint: ties to even, as torch.round).
 * ming024 rounds first and multiplies by its d_control after. */
int32_t vx_fs2_duration_frames(float log_duration, float speed);

typedef struct vx_fs2_output {
    vx_tensor *mel;          /* [B, T_mel, n_mels]: mel_linear(decoder), 0 at padding */
    vx_tensor *mel_postnet;  /* mel + PostNet(mel); mel itself without a PostNet      */
    vx_tensor *log_duration; /* [B, T_src] predicted log(d + 1), 0 at padding         */
    vx_tensor *pitch;        /* [B, T_src] predicted normalised pitch (before
                                controls), 0 at padding                              */
    vx_tensor *energy;       /* [B, T_src] likewise                                   */
    vx_tensor *durations;    /* i32 [B, T_src]: frames the length regulator used       */
    vx_tensor *mel_lens;     /* i32 [B]: Σ durations                                   */
    vx_tensor *src_pad;      /* u8 [B, T_src]: 1 at padding                            */
    vx_tensor *mel_pad;      /* u8 [B, T_mel]: 1 at padding                            */
} vx_fs2_output;

/* One forward pass. With `targets` (training, teacher forcing) the length
 * regulator uses targets->durations and the embeddings the target pitch and
 * energy; `controls` must then be NULL. Without targets (inference) it uses
 * the predictions under `controls` (NULL: neutral); an utterance whose
 * predicted durations all round to 0 gets one frame on its first phoneme.
 * Dropout is active in the context's training mode. Activations live in the
 * arena until the caller's vx_ctx_reset. */
vx_status vx_fs2_forward(vx_ctx *ctx, vx_fs2 *m, const vx_fs2_input *in,
                         const vx_fs2_targets *targets, const vx_fs2_controls *controls,
                         vx_fs2_output *out);

/* --- losses and training --------------------------------------------------------- */

typedef struct vx_fs2_losses {
    double total;        /* mel + postnet_mel + duration + pitch + energy       */
    double mel;          /* mean |mel − target| over valid frames × n_mels      */
    double postnet_mel;  /* same for mel_postnet (0 without a PostNet, and then
                            left out of total)                                  */
    double duration;     /* mean (log_d − log(d + 1))² over valid phonemes      */
    double pitch;        /* mean (p − p_target)² over valid phonemes            */
    double energy;       /* mean (e − e_target)² over valid phonemes            */
    double grad_norm;    /* vx_fs2_train_step: global norm before clipping      */
} vx_fs2_losses;

/* ref: ming024 model/loss.py. The total loss as a 0-d tensor (differentiable),
 * with every term's value in *values (may be NULL). `out` must come from a
 * training forward with these targets; targets->mel is [B, T_mel, n_mels]. */
vx_tensor *vx_fs2_loss(vx_ctx *ctx, const vx_fs2 *m, const vx_fs2_output *out,
                       const vx_fs2_targets *targets, vx_fs2_losses *values);

typedef struct vx_fs2_train_config {
    vx_optim_cfg optim;   /* Adam β (0.9, 0.98), eps 1e-9, no weight decay       */
    vx_schedule schedule; /* Noam, warm-up 4000                                 */
    double grad_clip;     /* global norm 1.0 (0: none)                          */
} vx_fs2_train_config;

/* ming024's LJSpeech recipe for this config: lr = (hidden · warmup)^−0.5 ·
 * min(k / warmup, sqrt(warmup / k)) (its init_lr hidden^−0.5 times the Noam
 * scale). Its annealing (×0.3 after 300k, 400k, 500k steps) is left out. */
vx_fs2_train_config vx_fs2_train_config_default(const vx_fs2_config *cfg);

/* An optimiser over every parameter of m with cfg's settings and schedule;
 * gradient buffers are made up front. NULL with the error set on failure. */
vx_optim *vx_fs2_optim_new(vx_ctx *ctx, vx_fs2 *m, const vx_fs2_train_config *cfg);

/* One update (ming024 train.py): zero the gradients, forward with targets,
 * loss, backward, clip to grad_clip, step. The context's training mode
 * decides dropout. A NaN/Inf loss or gradient fails with VX_ERR_NUMERIC
 * before the update. The activations stay in the arena until the caller's
 * vx_ctx_reset; parameter gradients stay in p->grad. */
vx_status vx_fs2_train_step(vx_ctx *ctx, vx_fs2 *m, vx_optim *optim, double grad_clip,
                            const vx_fs2_input *in, const vx_fs2_targets *targets,
                            vx_fs2_losses *losses);

#endif
