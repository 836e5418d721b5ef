/* vits.h — VITS inference for Piper voices: phoneme ids -> waveform.
 *
 * The generator path, as Piper runs it (ref: Kim et al. 2021, "Conditional
 * Variational Autoencoder with Adversarial Learning for End-to-End
 * Text-to-Speech"; shared/docs/PIPER.md):
 *   1. text encoder: ids -> hidden x [H, T] and the prior m_p, logs_p [C, T]
 *   2. stochastic duration predictor, run in reverse: noise -> logw [T]
 *   3. durations = ceil(exp(logw) · length_scale); frame f takes the prior
 *      of the id it belongs to; z_p = m_p + ε · exp(logs_p) · noise_scale
 *   4. coupling flows in reverse: z_p -> z [C, F]
 *   5. HiFi-GAN decoder: z -> audio [F · hop]
 * Multi-speaker voices condition 2, 4 and 5 on a speaker embedding.
 *
 * A voice loads from a Piper .onnx (+ .onnx.json next to it) through the
 * importer (models/piper_import.h), or from the .safetensors that
 * `voxc-convert piper` writes. Weights are copied into the model's own
 * memory, so the source file is closed after loading.
 *
 * Synthesis runs with autograd off; every activation lives in the caller's
 * context arena and stays valid until vx_ctx_reset (reset once per sentence).
 * A model may be shared by threads that each use their own context. */
#ifndef VX_VITS_H
#define VX_VITS_H

#include <stddef.h>
#include <stdint.h>

#include "core/vx.h"
#include "models/piper_import.h"

typedef struct vx_vits vx_vits;

/* Load a voice: PATH.onnx (config PATH.onnx.json) or PATH.safetensors
 * (chosen by the file's first bytes). NULL with the error set on failure. */
vx_vits *vx_vits_load(const char *path);
void vx_vits_free(vx_vits *v);

/* How the waveform decoders loaded from now on (VITS voices, and HiFi-GAN
 * generators through models/hifigan_infer.h) run their resblock
 * convolutions; process-wide, read at load time:
 *   VX_DECODER_CONV_AUTO    through the FFT where that was measured faster
 *                           (kernels 5-11 at 32 channels and more, by
 *                           kernel; core/kernels/fftconv.h), the direct
 *                           GEMM elsewhere — the default
 *   VX_DECODER_CONV_DIRECT  the direct GEMM only: less memory (the FFT's
 *                           weight spectra take 2.9-9x the weights), and
 *                           chunked decoding gives the same bits as one pass
 *   VX_DECODER_CONV_FFT     through the FFT wherever it fits (for tests)
 * The FFT changes results by rounding only (measured up to 1e-6 of the
 * peak). */
typedef enum vx_decoder_conv { VX_DECODER_CONV_AUTO, VX_DECODER_CONV_DIRECT, VX_DECODER_CONV_FFT } vx_decoder_conv;
void vx_set_decoder_conv(vx_decoder_conv mode);

/* Hyper-parameters (sample rate, hop, speakers, inference defaults). */
const vx_vits_config *vx_vits_config_of(const vx_vits *v);

/* The voice's Piper config text (the .onnx.json): phoneme_id_map,
 * speaker_id_map, espeak voice. NUL-terminated; *len gets its length when
 * len is not NULL. */
const char *vx_vits_voice_json(const vx_vits *v, size_t *len);

typedef struct vx_vits_params {
    float noise_scale;   /* prior noise (Piper default 0.667)                 */
    float length_scale;  /* > 0; larger is slower speech (default 1)          */
    float noise_w;       /* duration noise (default 0.8)                      */
    int speaker;         /* 0 .. n_speakers − 1 (0 for single-speaker voices) */
    uint64_t seed;       /* noise stream; the same seed gives the same audio  */
} vx_vits_params;

/* The voice's defaults from its config, speaker 0, seed 0. */
vx_vits_params vx_vits_default_params(const vx_vits *v);

typedef struct vx_vits_output {
    vx_tensor *audio;      /* [N] f32 in [-1, 1], N = frames · hop             */
    vx_tensor *durations;  /* i32 [T] frames per id (w_ceil)                   */
    int64_t frames;        /* Σ durations, at least 1                         */
    vx_tensor *logw;       /* [T] log-durations from the duration predictor    */
    vx_tensor *m_p;        /* [C, T] prior mean (text encoder output)         */
    vx_tensor *logs_p;     /* [C, T] prior log standard deviation             */
    vx_tensor *z;          /* [C, frames] flow output, the decoder's input    */
} vx_vits_output;

/* Synthesize one sentence of n_ids phoneme ids (Piper layout: 1, 0, ..., 0, 2).
 * Ids must lie in [0, n_vocab). On failure returns the status with the error
 * set and leaves *out zeroed. */
vx_status vx_vits_synthesize(const vx_vits *v, vx_ctx *ctx, const int64_t *ids, int64_t n_ids,
                             const vx_vits_params *p, vx_vits_output *out);

#endif
