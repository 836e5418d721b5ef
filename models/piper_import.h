/* piper_import.h — read a Piper voice (a VITS generator exported to ONNX, plus
 * its .onnx.json) into voxc's VITS weight names and hyper-parameters.
 *
 * Weight names keep PyTorch's module paths ("enc_p.encoder.attn_layers.0.
 * conv_q.weight", "dec.ups.0.weight", "flow.flows.0.enc.in_layers.0.weight",
 * "dp.flows.0.logs", "enc_p.emb.weight", "emb_g.weight"). What the exporter
 * renamed or folded is recovered from the graph, never from fixed names:
 *   - the phoneme embedding is the table of the Gather over graph input
 *     "input" (single-speaker exports call it "sid");
 *   - the speaker embedding is the table of the Gather over graph input "sid";
 *   - anonymous Conv weights ("onnx::Conv_123", weight norm folded) are named
 *     after their Conv node's bias ("X.bias" -> "X.weight") or, without a
 *     bias, the node's scope ("/flow/flows.0/enc/in_layers.0/Conv");
 *   - dp.flows.0.logs is traced from the ElementwiseAffine under "/dp/flows.0/":
 *     a folded exp(-logs) multiplier, an Exp over a folded -logs constant, or
 *     an Exp(Neg(logs)).
 * Hyper-parameters come from weight shapes and node attributes (Conv
 * dilations and strides, LeakyRelu slopes), the sample rate and inference
 * defaults from the JSON.
 *
 * ref: Kim et al. 2021, "Conditional Variational Autoencoder with Adversarial
 * Learning for End-to-End Text-to-Speech" (VITS); shared/docs/PIPER.md. */
#ifndef VX_PIPER_IMPORT_H
#define VX_PIPER_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "models/onnx.h"

#define VX_VITS_MAX_STAGES 8    /* upsample stages, resblock kernels, dilations */
#define VX_PIPER_NAME_MAX 160   /* longest weight name                          */

/* safetensors __metadata__ keys written by voxc-convert piper. */
#define VX_VITS_META_MODEL "voxc_model"    /* value "vits"                       */
#define VX_VITS_META_CONFIG "vits_config"  /* vx_vits_config_json()              */
#define VX_VITS_META_PIPER "piper_config"  /* the .onnx.json text, verbatim      */

typedef struct vx_vits_config {
    /* text encoder (enc_p) */
    int n_vocab;                 /* enc_p.emb.weight [n_vocab, hidden]           */
    int hidden_channels;         /* H                                            */
    int filter_channels;         /* FFN inner width: ffn conv_1 [filter, H, k]   */
    int ffn_kernel_size;         /* FFN conv kernel                              */
    int n_heads;                 /* H / emb_rel_k.shape[2] (heads share it)      */
    int n_layers;                /* attention + FFN layers                       */
    int window_size;             /* emb_rel_k [1, 2w+1, H/heads]                 */
    int inter_channels;          /* enc_p.proj out / 2 (m_p, logs_p)            */
    /* flow: coupling layers flow.flows.0, 2, 4, ... (Flip between) */
    int flow_n_flows;
    int flow_hidden_channels;    /* pre out                                      */
    int flow_n_layers;           /* WaveNet layers per coupling                  */
    int flow_kernel_size;        /* in_layers kernel                             */
    int flow_dilation_rate;      /* dilation of layer i is rate^i                */
    /* stochastic duration predictor (dp) */
    int dp_filter_channels;      /* dp.pre out                                   */
    int dp_kernel_size;          /* DDSConv depthwise kernel                     */
    int dp_n_layers;             /* DDSConv layers                               */
    int dp_dilations[VX_VITS_MAX_STAGES]; /* per layer, from Conv nodes (1,3,9)  */
    int dp_n_flows;              /* ConvFlows run at inference (dp.flows.3,5,7)  */
    int dp_num_bins;             /* spline bins: ConvFlow proj out = 3*bins - 1 */
    /* decoder (dec, HiFi-GAN) */
    int upsample_initial_channel;
    int n_upsamples;
    int upsample_rates[VX_VITS_MAX_STAGES];    /* ConvTranspose strides        */
    int upsample_kernels[VX_VITS_MAX_STAGES];  /* ConvTranspose kernels        */
    int upsample_padding[VX_VITS_MAX_STAGES];  /* ConvTranspose pads           */
    int resblock_type;           /* 1 (convs1/convs2) or 2 (convs)               */
    int n_resblock_kernels;
    int resblock_kernels[VX_VITS_MAX_STAGES];
    int n_resblock_dilations;
    int resblock_dilations[VX_VITS_MAX_STAGES][VX_VITS_MAX_STAGES];
    float lrelu_slope;           /* before each upsample (0.1)                   */
    float final_lrelu_slope;     /* before conv_post (0.01)                      */
    int hop_length;              /* product of the upsample rates                */
    /* speakers */
    int n_speakers;              /* emb_g.weight [n_speakers, gin]; 1 when none  */
    int gin_channels;            /* 0 for single-speaker voices                  */
    /* from the .onnx.json */
    int sample_rate;
    float noise_scale, length_scale, noise_w;
} vx_vits_config;

typedef struct vx_piper_weight {
    char name[VX_PIPER_NAME_MAX]; /* voxc name                                   */
    int ndim;
    int64_t shape[VX_ONNX_MAX_DIMS];
    const float *data;           /* numel float32 values                        */
    const char *source;          /* the ONNX initializer it came from           */
    const vx_onnx_node *conv;    /* the Conv/ConvTranspose using it, or NULL    */
} vx_piper_weight;

typedef struct vx_piper_voice {
    vx_vits_config config;
    size_t n_weights;
    vx_piper_weight *weights;    /* sorted by name                               */
    char *json_text;             /* the .onnx.json contents (NUL-terminated)     */
    size_t json_len;
    vx_onnx *onnx;               /* owned by vx_piper_import's result only       */
    float *logs;                 /* storage for the recovered dp.flows.0.logs    */
} vx_piper_voice;

/* Open MODEL.onnx and its config (json_path NULL: onnx_path + ".json") and
 * import them. NULL with the error set on failure. */
vx_piper_voice *vx_piper_import(const char *onnx_path, const char *json_path);

/* Import from an open model (borrowed: keep it open while the voice lives)
 * and config text (copied). `what` names the voice in messages. */
vx_piper_voice *vx_piper_import_onnx(const vx_onnx *m, const char *json_text, size_t json_len,
                                     const char *what);

void vx_piper_free(vx_piper_voice *v);

/* Weight by voxc name, or NULL when absent (no error is set). */
const vx_piper_weight *vx_piper_find(const vx_piper_voice *v, const char *name);

/* The hyper-parameters as a JSON object (VITS config key names where they
 * exist), malloc'ed; NULL with VX_ERR_OOM on failure. */
char *vx_vits_config_json(const vx_vits_config *c);

/* The inverse: fills *c from text written by vx_vits_config_json. VX_ERR_FORMAT
 * naming `what` and the key when a key is missing, mistyped or out of range. */
vx_status vx_vits_config_from_json(const char *text, vx_vits_config *c, const char *what);

#endif
