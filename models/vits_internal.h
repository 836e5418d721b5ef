/* vits_internal.h — the parts of the VITS generator (weights and forward
 * functions), shared by models/vits*.c only. One file per part:
 *   vits_text_encoder.c  phoneme embedding + relative-position transformer
 *   vits_duration.c      stochastic duration predictor in reverse (spline flows)
 *   vits_flow.c          residual coupling flows in reverse (WaveNet)
 *   vits_decoder.c       HiFi-GAN generator
 *   vits_weights.c       weight lookup with shape checks (onnx or safetensors)
 *   vits_kernels.c       fused inference kernels of the flow and the decoder
 *   vits.c               loading, the synthesis pipeline, length regulation
 * All tensors are batch 1: activations [1, C, T]. Weights are persistent
 * tensors of the model's context. */
#ifndef VX_VITS_INTERNAL_H
#define VX_VITS_INTERNAL_H

#include "core/kernels/fftconv.h"
#include "core/kernels/gemm.h"
#include "models/vits.h"
#include "nn/safetensors.h"

#define VITS_MAX_LAYERS 16   /* encoder layers, WaveNet layers, DDSConv layers */
#define VITS_MAX_FLOWS 8     /* coupling layers / spline flows                */
#define VITS_MAX_RESBLOCKS (VX_VITS_MAX_STAGES * VX_VITS_MAX_STAGES)

/* --- weight lookup ----------------------------------------------------------- */

/* Where weights come from: exactly one of piper / st / hifigan is set. A
 * HiFi-GAN generator (models/hifigan.h) answers the decoder's names
 * "dec.<name>" with its parameter "<name>", weight norm folded. */
typedef struct vits_source {
    vx_ctx *ctx;                     /* model context (persistent copies)        */
    const vx_piper_voice *piper;
    const vx_st_file *st;
    const struct vx_hifigan *hifigan;
    const char *what;                /* the voice's path, for messages           */
} vits_source;

/* True when the source holds a weight called `name`. */
bool vits_has_weight(const vits_source *src, const char *name);

/* A persistent f32 copy of weight `name` (printf format) with rank `ndim`;
 * shape[i] >= 0 must match, -1 accepts any size. NULL + error when absent
 * or mis-shaped (the message names the voice, the weight and both shapes). */
vx_tensor *vits_weight(const vits_source *src, int ndim, const int64_t *shape, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A 1-D convolution: weight [Cout, Cin/groups, K] (ConvTranspose: [Cin, Cout, K]),
 * bias [Cout] or NULL. The convolutions of the fused kernels below keep their
 * weight only packed for the GEMM (w NULL, pk set; no second copy) or only
 * as its spectra for the FFT (w NULL, fft set); the others keep w for the
 * op API. */
typedef struct vits_conv {
    vx_tensor *w, *b;
    int64_t cout, cin, kernel;       /* cin per group (ConvTranspose: its input) */
    int stride, pad, dilation, groups;
    vx_gemm_packed pk;               /* W as [Cout, Cin·K] (ConvTranspose: Wᵀ as */
                                     /* [Cout·K, Cin]), or empty                 */
    vx_fftconv *fft;                 /* or W's spectra (vits_conv_load_fft)       */
} vits_conv;

/* Load "<prefix>.weight" [cout, cin/groups, k] and, when with_bias, "<prefix>.bias" [cout]. */
vx_status vits_conv_load(const vits_source *src, vits_conv *c, const char *prefix, int64_t cin,
                         int64_t cout, int64_t k, int dilation, int groups, bool with_bias);

/* The same (groups 1), the weight packed for vits_conv_accumulate and
 * vits_pointwise_accumulate instead of kept. */
vx_status vits_conv_load_packed(const vits_source *src, vits_conv *c, const char *prefix, int64_t cin,
                                int64_t cout, int64_t k, int dilation, bool with_bias);

/* The same for a [ch, ch, k] resblock conv run through the FFT (tiles of n
 * samples, core/kernels/fftconv.h; vx_fftconv_fits must hold): c->fft
 * holds the weights' spectra, c->pk stays empty. */
vx_status vits_conv_load_fft(const vits_source *src, vits_conv *c, const char *prefix, int64_t ch, int64_t k,
                            int dilation, int n);

/* Taps per phase of a ConvTranspose with kernel k and stride u: ⌈k / u⌉. */
static inline int64_t vits_upsample_taps(int64_t k, int64_t u) { return (k + u - 1) / u; }

/* A ConvTranspose: "<prefix>.weight" [cin, cout, k] packed in its phase form
 * [cout·u, cin·taps] (u = stride, taps = vits_upsample_taps; see
 * vits_upsample), and "<prefix>.bias" [cout]. */
vx_status vits_upsample_load_packed(const vits_source *src, vits_conv *c, const char *prefix, int64_t cin,
                                    int64_t cout, int64_t k, int stride, int pad);

/* "Same" convolution of x [1, Cin, T] -> [1, Cout, T] (odd kernels: pad dilation·(K−1)/2). */
vx_tensor *vits_conv_apply(vx_ctx *ctx, const vits_conv *c, vx_tensor *x);

/* A context for the intermediates of one part of a sentence, freed (or
 * reset) as soon as its result is copied out: grad off, ctx's kernel mode. */
vx_ctx *vits_scratch_new(const vx_ctx *ctx);

/* --- inference kernels (vits_kernels.c), on contiguous [C, T] float rows ------- */

/* Floats in one activated input window and in one ConvTranspose phase tile
 * (512 KiB each: half of the L2 of the Zen 4 core this was measured on, so the
 * window is still there when the GEMM reads it; 1-2 % faster than 2 MiB for
 * the VITS voice at 1 thread, 256 KiB 1 % slower). */
#define VITS_TILE_FLOATS (1 << 17)
#define VITS_MAX_KERNEL 32

/* True when conv c ("same", stride 1) can run with tiles of >= 16 columns. */
bool vits_tile_fits(const vits_conv *c);

/* The FFT size for a [ch, ch, kernel] resblock conv under the current
 * vx_set_decoder_conv mode, or 0: the direct GEMM. */
int vits_fft_size(int64_t ch, int64_t kernel);

/* y = leaky_relu(scale · x, slope); slope 1 is the identity. */
static inline float vits_activate(float x, float scale, float slope)
{
    x *= scale;
    return x < 0.0f ? x * slope : x;
}

/* y [Cout, T·u] = ConvTranspose(act(x)) + bias for x [Cin, T] (act =
 * vits_activate(·, scale, slope); u = up->stride, "pad" up->pad), as u
 * phases of taps = ⌈K/u⌉ taps each (ref: the polyphase decomposition of a
 * strided transposed convolution):
 *   Z[co·u + r, i] = Σ_ci Σ_m w[ci, co, r + u·m] · act(x)[ci, i − m]   (m < taps, r + u·m < K)
 *   y[co, u·i + r − pad] = bias[co] + Z[co·u + r, i]
 * Z is one GEMM per column tile with the rows of act(x) read in place from
 * a window, then moved into y, each sample written once. act and z are
 * scratch of VITS_TILE_FLOATS each. */
void vits_upsample(const vits_conv *up, const float *x, int64_t T, float scale, float slope, float *y, float *act,
                   float *z);

/* y [C, T] = bias[c] in every column (bias NULL: 0). */
void vits_fill_bias(float *y, const float *bias, int64_t C, int64_t T);

/* y [Cout, T] = start + W · im2col(act(x)) for x [Cin, T], act = vits_activate(·,
 * scale, slope), "same" padding, stride 1, groups 1, c packed. start (bias,
 * residual [Cout, T] with ldr T, add) is written into y tile by tile by the
 * GEMM (core/kernels/gemm.h); NULL: y's own values (y +=). act is scratch of
 * VITS_TILE_FLOATS. */
void vits_conv_accumulate(const vits_conv *c, const float *x, int64_t T, float scale, float slope,
                          const vx_gemm_start *start, float *y, float *act);

/* y [rows, T] = start + alpha · W[row0 : row0+rows] · x for a packed 1×1 conv c,
 * x [Cin, T]; start as above (its bias indexed from row0), NULL: y +=. */
void vits_pointwise_accumulate(const vits_conv *c, int64_t row0, int64_t rows, const float *x, int64_t T,
                               float alpha, const vx_gemm_start *start, float *y);

/* LayerNorm over channels: gamma, beta [C]. */
typedef struct vits_norm {
    vx_tensor *gamma, *beta;
} vits_norm;

vx_status vits_norm_load(const vits_source *src, vits_norm *n, const char *prefix, int64_t channels);

/* --- text encoder (enc_p) ------------------------------------------------------ */

typedef struct vits_encoder_layer {
    vits_conv q, k, v, o;            /* 1×1, H -> H                              */
    vx_tensor *rel_k, *rel_v;        /* [1, 2w+1, H/heads], shared by the heads  */
    vits_norm norm1, norm2;
    vits_conv ffn1, ffn2;            /* H -> filter -> H, kernel ffn_kernel_size */
} vits_encoder_layer;

typedef struct vits_text_encoder {
    vx_tensor *emb;                  /* [n_vocab, H]                             */
    int hidden, n_heads, window, n_layers, ffn_kernel;
    vits_encoder_layer layers[VITS_MAX_LAYERS];
    vits_conv proj;                  /* 1×1, H -> 2·C (m_p, logs_p)              */
    int inter_channels;              /* C                                        */
} vits_text_encoder;

vx_status vits_text_encoder_load(const vits_source *src, const vx_vits_config *c, vits_text_encoder *e);

/* ids i32 [T] -> hidden x [1, H, T]; *m_p, *logs_p get [1, C, T]. */
vx_tensor *vits_text_encoder_forward(vx_ctx *ctx, const vits_text_encoder *e, vx_tensor *ids,
                                     vx_tensor **m_p, vx_tensor **logs_p);

/* --- stochastic duration predictor (dp) ---------------------------------------- */

typedef struct vits_ddsconv {
    int n_layers;
    vits_conv sep[VITS_MAX_LAYERS];  /* depthwise, dilated                       */
    vits_conv pointwise[VITS_MAX_LAYERS];
    vits_norm norm1[VITS_MAX_LAYERS], norm2[VITS_MAX_LAYERS];
} vits_ddsconv;

typedef struct vits_conv_flow {
    vits_conv pre;                   /* 1×1, 1 -> F                              */
    vits_ddsconv convs;
    vits_conv proj;                  /* 1×1, F -> 3·bins − 1                     */
} vits_conv_flow;

typedef struct vits_duration_predictor {
    int filter_channels, num_bins, n_flows;
    vits_conv pre, proj, cond;       /* cond.w NULL for single-speaker voices    */
    vits_ddsconv convs;
    vx_tensor *flow_m, *flow_logs;   /* ElementwiseAffine dp.flows.0: [2, 1]     */
    vits_conv_flow flows[VITS_MAX_FLOWS]; /* in run order: dp.flows.7, 5, 3      */
} vits_duration_predictor;

vx_status vits_duration_load(const vits_source *src, const vx_vits_config *c, vits_duration_predictor *d);

/* x [1, H, T] (encoder hidden), g [1, gin, 1] or NULL, noise [1, 2, T]
 * (ε · noise_w) -> logw [1, 1, T]. */
vx_tensor *vits_duration_forward(vx_ctx *ctx, const vits_duration_predictor *d, vx_tensor *x,
                                 vx_tensor *g, vx_tensor *noise);

/* --- coupling flows (flow) ------------------------------------------------------ */

typedef struct vits_coupling {
    vits_conv pre;                   /* 1×1, C/2 -> Hf                           */
    vits_conv in_layers[VITS_MAX_LAYERS];   /* Hf -> 2·Hf, kernel k, dilation rate^i */
    vits_conv res_skip[VITS_MAX_LAYERS];    /* 1×1, Hf -> 2·Hf (last: Hf)        */
    vits_conv cond;                  /* 1×1, gin -> 2·Hf·layers; w NULL if none  */
    vits_conv post;                  /* 1×1, Hf -> C/2                           */
} vits_coupling;

typedef struct vits_flow {
    int channels, hidden, n_layers, n_flows;
    vits_coupling layers[VITS_MAX_FLOWS]; /* flow.flows.0, 2, 4, ... */
} vits_flow;

vx_status vits_flow_load(const vits_source *src, const vx_vits_config *c, vits_flow *f);

/* z_p [1, C, F], g [1, gin, 1] or NULL -> z [1, C, F]. */
vx_tensor *vits_flow_reverse(vx_ctx *ctx, const vits_flow *f, vx_tensor *z_p, vx_tensor *g);

/* --- decoder (dec) -------------------------------------------------------------- */

typedef struct vits_resblock {
    int n_convs;                     /* dilations per block                      */
    vits_conv convs1[VX_VITS_MAX_STAGES];  /* type 1: dilated; type 2: the only convs */
    vits_conv convs2[VX_VITS_MAX_STAGES];  /* type 1 only: dilation 1          */
} vits_resblock;

typedef struct vits_decoder {
    int n_upsamples, n_kernels, resblock_type;
    float lrelu_slope, final_lrelu_slope;
    vits_conv conv_pre, cond, conv_post;   /* cond.w NULL for single-speaker    */
    vits_conv ups[VX_VITS_MAX_STAGES];     /* ConvTranspose                     */
    vits_resblock blocks[VITS_MAX_RESBLOCKS];
} vits_decoder;

vx_status vits_decoder_load(const vits_source *src, const vx_vits_config *c, vits_decoder *d);

/* z [1, C, F], g [1, gin, 1] or NULL -> audio [1, 1, F · hop]. */
vx_tensor *vits_decoder_forward(vx_ctx *ctx, const vits_decoder *d, vx_tensor *z, vx_tensor *g);

/* The same, decoding at most chunk_frames frames per pass (plus margins
 * covering the receptive field); the result does not depend on chunk_frames
 * (bit for bit where no resblock conv runs through the FFT, else to rounding). */
vx_tensor *vits_decoder_forward_chunked(vx_ctx *ctx, const vits_decoder *d, vx_tensor *z, vx_tensor *g,
                                        int64_t chunk_frames);

/* --- the model ------------------------------------------------------------------- */

struct vx_vits {
    vx_vits_config config;
    vx_ctx *ctx;                     /* owns every weight (persistent memory)    */
    char *voice_json;                /* the Piper config text                    */
    size_t voice_json_len;
    vx_tensor *emb_g;                /* [n_speakers, gin] or NULL                */
    vits_text_encoder enc;
    vits_duration_predictor dp;
    vits_flow flow;
    vits_decoder dec;
};

/* --- the pipeline's shared halves (vits.c; vits_device.c runs the second half
 * on a backend) ------------------------------------------------------------------ */

/* True when the file starts like a safetensors file: 8-byte header length, then '{'
 * (otherwise a voice is read as a Piper .onnx). */
bool vits_looks_like_safetensors(const char *path);

/* VX_OK, or VX_ERR_ARG naming the bad id, scale or speaker. */
vx_status vits_check_request(const vx_vits *v, const int64_t *ids, int64_t n_ids, const vx_vits_params *p);

/* What the first half of a synthesis gives (all in ctx, on the host). */
typedef struct vits_prior_out {
    vx_tensor *g;              /* speaker embedding [1, gin, 1], NULL for one speaker */
    vx_tensor *m_p, *logs_p;   /* [1, C, T]                                          */
    vx_tensor *logw;           /* [1, 1, T]                                          */
    vx_tensor *durations;      /* i32 [T], frames per phoneme                        */
    int64_t frames;            /* Σ durations (at least 1)                           */
    vx_tensor *z_p;            /* [1, C, frames]: the prior, length-regulated, noised */
} vits_prior_out;

/* Text encoder, duration predictor, durations and length regulation for a
 * checked request of T ids. */
vx_status vits_prior(const vx_vits *v, vx_ctx *ctx, const int64_t *ids, int64_t T, const vx_vits_params *p,
                     vits_prior_out *pr);

/* Fills *out from the prior and the second half's z [1, C, F] and audio [1, 1, F·hop]. */
vx_status vits_output(vx_ctx *ctx, const vx_vits *v, const vits_prior_out *pr, vx_tensor *z, vx_tensor *audio,
                      vx_vits_output *out);

#endif
