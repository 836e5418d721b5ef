/* hifigan_layers.h — internal to models/hifigan*.c: normalised convolution
 * layers (weight norm, spectral norm or a plain weight) and the list that
 * collects a model's parameters and buffers under their PyTorch names. */
#ifndef VX_MODELS_HIFIGAN_LAYERS_H
#define VX_MODELS_HIFIGAN_LAYERS_H

#include <stdbool.h>

#include "core/vx.h"

/* A growing list of persistent tensors (malloc'd array). */
typedef struct hg_list {
    vx_tensor **items;
    int n, cap;
} hg_list;

vx_status hg_list_push(hg_list *l, vx_tensor *t);
void hg_list_free(hg_list *l);

typedef enum hg_norm {
    HG_PLAIN = 0,   /* weight used as is                                        */
    HG_WEIGHT_NORM, /* w = g · v / ‖v‖ over every dim but 0 (torch weight_norm)  */
    HG_SPECTRAL,    /* w = W / σ(W), σ by one power iteration per training call  */
} hg_norm;

/* One Conv1d / ConvTranspose1d, or a Conv2d with kernel (k, 1) (MPD), with
 * its normalisation. Weights keep PyTorch's shapes: conv [O, I/groups, K]
 * (+ a trailing 1 for the 2-D case), transposed conv [I, O/groups, K]. */
typedef struct hg_conv {
    hg_norm norm;
    bool transposed;
    int stride, pad, dilation, groups;
    vx_tensor *weight;  /* PLAIN: the weight; SPECTRAL: weight_orig        */
    vx_tensor *g, *v;   /* WEIGHT_NORM: g [dim0, 1, ...], v like the weight */
    vx_tensor *u_vec;   /* SPECTRAL: left singular vector estimate [O]     */
    vx_tensor *v_vec;   /* SPECTRAL: right singular vector estimate [I·K]  */
    vx_tensor *bias;    /* [Cout]                                          */
    vx_tensor *w_pass;  /* WEIGHT_NORM: g·v/‖v‖ made once for several calls
                           (hg_conv_weight_pass), or NULL                   */
    char name[48];      /* module path, e.g. "resblocks.0.convs1.2"       */
} hg_conv;

typedef struct hg_conv_spec {
    const char *name;   /* module path (prefix of the tensor names)        */
    hg_norm norm;
    bool transposed;
    bool conv2d;        /* weight gets a trailing dim of 1 (Conv2d (k, 1)) */
    int cin, cout, kernel, stride, pad, dilation, groups;
} hg_conv_spec;

/* Create the layer's tensors (persistent, PyTorch default init from the
 * context RNG) and push parameters to `params`, u/v buffers to `buffers`. */
vx_status hg_conv_init(vx_ctx *ctx, hg_conv *c, const hg_conv_spec *spec, hg_list *params,
                       hg_list *buffers);

/* The effective weight for vx_conv1d / vx_conv_transpose1d (3-D),
 * differentiable in the layer's parameters. */
vx_tensor *hg_conv_weight(vx_ctx *ctx, hg_conv *c);

/* Weight norm once for several calls: after hg_conv_weight_pass, the
 * layer's calls return the weight it computed (one node on ctx's tape when
 * g, v take gradients, so every call's gradient flows through it and sums)
 * until hg_conv_weight_pass_end. Only for calls in one context between two
 * changes of g and v (an optimiser step); other norms are unaffected
 * (spectral norm keeps its power iteration per call). */
vx_status hg_conv_weight_pass(vx_ctx *ctx, hg_conv *c);
void hg_conv_weight_pass_end(hg_conv *c);

typedef struct vx_hifigan_disc vx_hifigan_disc; /* models/hifigan.h */

/* hg_conv_weight_pass and _end on every layer of a discriminator
 * (hifigan_disc.c): its weight-normed weights made once for the calls of
 * one training-step phase. */
vx_status hg_disc_weight_pass(vx_ctx *ctx, vx_hifigan_disc *d);
void hg_disc_weight_pass_end(vx_hifigan_disc *d);

/* x [B, Cin, T] -> [B, Cout, T']. */
vx_tensor *hg_conv_forward(vx_ctx *ctx, hg_conv *c, vx_tensor *x);

/* Replace weight norm by the plain weight it computes ("<name>.weight"). */
vx_status hg_conv_remove_weight_norm(vx_ctx *ctx, hg_conv *c);

/* Push the layer's current parameters (after a removal) to `params`. */
vx_status hg_conv_list_params(const hg_conv *c, hg_list *params);

#endif
