/* vits_device.c — the VITS flow and decoder as op-level forwards over a
 * compute backend (hw/tensor_ops.h), and the synthesis pipeline around them
 * (see vits_device.h). The CPU path (vits_flow.c, vits_decoder.c) runs the
 * same equations as fused kernels over packed weights; here every layer is
 * one op on device tensors and the weights are plain [Cout, Cin, K] copies.
 *
 * ref: VITS §2.5.3 (flow), §2.5.4 and HiFi-GAN §2.1 (decoder), §2.6
 * (inference); shared/docs/PIPER.md "Inference path". */
#include "models/vits_device.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dispatch.h"
#include "hw/tensor_ops.h"
#include "models/vits_internal.h"

/* A sentence longer than this many frames is refused (as in vits.c). */
#define VITS_MAX_FRAMES 100000

/* A convolution's device weights: w [Cout, Cin, K] (ConvTranspose: [Cin, Cout, K]), b [Cout] or NULL. */
typedef struct dconv {
    vx_tensor *w, *b;
    int stride, pad, dilation;
} dconv;

typedef struct dcoupling {
    dconv pre, post, cond;           /* cond.w NULL without a speaker input */
    dconv in_layers[VITS_MAX_LAYERS], res_skip[VITS_MAX_LAYERS];
} dcoupling;

typedef struct dresblock {
    dconv convs1[VX_VITS_MAX_STAGES], convs2[VX_VITS_MAX_STAGES];
} dresblock;

struct vx_vits_device {
    const vx_vits *v;
    vx_ctx *ctx;                     /* weights: host copies + persistent device copies */
    char describe[160], placement[200];
    /* flow */
    dcoupling flows[VITS_MAX_FLOWS];
    vx_tensor *reverse_half;         /* i32 [C/2]: C/2−1, ..., 0 (the Flip, per half) */
    /* decoder */
    dconv conv_pre, dec_cond, conv_post, ups[VX_VITS_MAX_STAGES];
    dresblock blocks[VITS_MAX_RESBLOCKS];
};

/* --- loading ------------------------------------------------------------------------- */

/* Persistent device copies of w and b (b may be NULL), uploaded once. */
static vx_status upload(vx_ctx *ctx, vx_tensor *w, vx_tensor *b)
{
    if (!w || vx_to_device(ctx, w) || (b && vx_to_device(ctx, b)))
        return vx_last_status();
    return VX_OK;
}

/* A "same" convolution (vits_conv_load's shapes; k < 0: the file's kernel), uploaded. */
static vx_status load_conv(const vits_source *src, dconv *c, const char *prefix, int64_t cin, int64_t cout,
                           int64_t k, int dilation, bool with_bias)
{
    vits_conv vc;
    if (vits_conv_load(src, &vc, prefix, cin, cout, k, dilation, 1, with_bias))
        return vx_last_status();
    *c = (dconv){vc.w, vc.b, 1, vc.pad, dilation};
    return upload(src->ctx, vc.w, vc.b);
}

static vx_status load_flow(const vits_source *src, const vx_vits_config *cfg, vx_vits_device *d)
{
    const vits_flow *f = &d->v->flow;
    int64_t C = f->channels, Hf = f->hidden, half = C / 2;
    for (int i = 0; i < f->n_flows; i++) {
        dcoupling *cl = &d->flows[i];
        char p[96];
        snprintf(p, sizeof p, "flow.flows.%d.pre", 2 * i);
        if (load_conv(src, &cl->pre, p, half, Hf, 1, 1, true))
            return vx_last_status();
        snprintf(p, sizeof p, "flow.flows.%d.post", 2 * i);
        if (load_conv(src, &cl->post, p, Hf, half, 1, 1, true))
            return vx_last_status();
        int dilation = 1;
        for (int l = 0; l < f->n_layers; l++) {
            snprintf(p, sizeof p, "flow.flows.%d.enc.in_layers.%d", 2 * i, l);
            if (load_conv(src, &cl->in_layers[l], p, Hf, 2 * Hf, cfg->flow_kernel_size, dilation, true))
                return vx_last_status();
            snprintf(p, sizeof p, "flow.flows.%d.enc.res_skip_layers.%d", 2 * i, l);
            if (load_conv(src, &cl->res_skip[l], p, Hf, l < f->n_layers - 1 ? 2 * Hf : Hf, 1, 1, true))
                return vx_last_status();
            dilation *= cfg->flow_dilation_rate;
        }
        snprintf(p, sizeof p, "flow.flows.%d.enc.cond_layer", 2 * i);
        if (cfg->gin_channels > 0 &&
            load_conv(src, &cl->cond, p, cfg->gin_channels, 2 * Hf * f->n_layers, 1, 1, true))
            return vx_last_status();
    }
    int64_t shape[1] = {half};
    if (!(d->reverse_half = vx_param(d->ctx, "flip", VX_I32, 1, shape, false)))
        return vx_last_status();
    for (int64_t c = 0; c < half; c++)
        ((int32_t *)d->reverse_half->data)[c] = (int32_t)(half - 1 - c);
    return upload(d->ctx, d->reverse_half, NULL);
}

static vx_status load_decoder(const vits_source *src, const vx_vits_config *cfg, vx_vits_device *d)
{
    const vits_decoder *dec = &d->v->dec;
    int64_t ch = dec->conv_pre.cout;
    if (load_conv(src, &d->conv_pre, "dec.conv_pre", cfg->inter_channels, ch, -1, 1, true) ||
        (dec->cond.w && load_conv(src, &d->dec_cond, "dec.cond", cfg->gin_channels, ch, 1, 1, true)))
        return vx_last_status();
    for (int i = 0; i < dec->n_upsamples; i++) {
        const vits_conv *up = &dec->ups[i];
        int64_t wshape[3] = {up->cin, up->cout, up->kernel}, bshape[1] = {up->cout};
        dconv *u = &d->ups[i];
        *u = (dconv){vits_weight(src, 3, wshape, "dec.ups.%d.weight", i),
                     vits_weight(src, 1, bshape, "dec.ups.%d.bias", i), up->stride, up->pad, 1};
        if (!u->b || upload(d->ctx, u->w, u->b))
            return vx_last_status();
        for (int j = 0; j < dec->n_kernels; j++) {
            int index = i * dec->n_kernels + j;
            const vits_resblock *rb = &dec->blocks[index];
            for (int k = 0; k < rb->n_convs; k++) {
                const vits_conv *c1 = &rb->convs1[k];
                char p[96];
                snprintf(p, sizeof p, dec->resblock_type == 1 ? "dec.resblocks.%d.convs1.%d" : "dec.resblocks.%d.convs.%d",
                         index, k);
                if (load_conv(src, &d->blocks[index].convs1[k], p, up->cout, up->cout, c1->kernel, c1->dilation,
                              true))
                    return vx_last_status();
                snprintf(p, sizeof p, "dec.resblocks.%d.convs2.%d", index, k);
                if (dec->resblock_type == 1 &&
                    load_conv(src, &d->blocks[index].convs2[k], p, up->cout, up->cout, rb->convs2[k].kernel, 1, true))
                    return vx_last_status();
            }
        }
    }
    return load_conv(src, &d->conv_post, "dec.conv_post", dec->conv_post.cin, 1, -1, 1, false);
}

static vx_status load_weights(vx_vits_device *d, const char *path)
{
    vits_source src = {.ctx = d->ctx, .what = path};
    vx_piper_voice *pv = NULL;
    vx_st_file *st = NULL;
    if (vits_looks_like_safetensors(path) ? !(src.st = st = vx_st_open(path)) : !(src.piper = pv = vx_piper_import(path, NULL)))
        return vx_last_status();
    vx_status s = load_flow(&src, &d->v->config, d);
    if (!s)
        s = load_decoder(&src, &d->v->config, d);
    vx_piper_free(pv);
    vx_st_close(st);
    return s;
}

vx_vits_device *vx_vits_device_load(const vx_vits *v, const char *path, const char *backend)
{
    if (!v || !path || !backend)
        return vx_fail_null(VX_ERR_ARG, "vits device: needs a voice, its path and a backend name");
    vx_vits_device *d = calloc(1, sizeof *d);
    if (!d)
        return vx_fail_null(VX_ERR_OOM, "vits device: out of memory");
    d->v = v;
    if (!(d->ctx = vx_ctx_new((vx_ctx_opts){.arena_chunk_bytes = 1 << 16})) || vx_ctx_use_backend(d->ctx, backend) ||
        load_weights(d, path)) {
        vx_vits_device_free(d);
        return NULL;
    }
    const vx_backend *be = vx_ctx_backend(d->ctx);
    snprintf(d->describe, sizeof d->describe, "%s (%s)", be->name, be->device_name());
    snprintf(d->placement, sizeof d->placement,
             "text encoder, duration predictor and length regulation on the cpu; flow and decoder on %s",
             be->name);
    return d;
}

void vx_vits_device_free(vx_vits_device *d)
{
    if (!d)
        return;
    vx_ctx_free(d->ctx);
    free(d);
}

const char *vx_vits_device_describe(const vx_vits_device *d) { return d->describe; }
const char *vx_vits_device_placement(const vx_vits_device *d) { return d->placement; }

/* --- the forwards on the device ----------------------------------------------------------- */

static vx_tensor *conv(vx_ctx *ctx, const dconv *c, vx_tensor *x)
{
    return vx_dev_conv1d(ctx, x, c->w, c->b, 1, c->pad, c->dilation, 1);
}

static vx_tensor *lrelu(vx_ctx *ctx, vx_tensor *x, float slope)
{
    return vx_dev_unary(ctx, VX_OP_LEAKY_RELU, x, slope, 0.0f);
}

static vx_tensor *add(vx_ctx *ctx, vx_tensor *a, vx_tensor *b)
{
    return vx_dev_binary(ctx, VX_OP_ADD, a, b);
}

/* Channels [c0, c1) of x [1, C, T]: a contiguous view. */
static vx_tensor *channels(vx_ctx *ctx, vx_tensor *x, int64_t c0, int64_t c1)
{
    return x ? vx_slice(ctx, x, 1, c0, c1, 1) : NULL;
}

/* WaveNet block without dropout on h [1, Hf, F] -> the skip sum [1, Hf, F]:
 *   a = in_l(h) + gcond_l; acts = tanh(a[:Hf])·σ(a[Hf:]); rs = res_skip_l(acts);
 *   h += rs[:Hf], skip += rs[Hf:] (last layer: skip += rs)
 * ref: VITS appendix (WN); Oord et al. 2016 (gated activation). */
static vx_tensor *wavenet(vx_ctx *ctx, const dcoupling *cl, int layers, int64_t Hf, vx_tensor *h, vx_tensor *gcond)
{
    vx_tensor *skip = NULL;
    for (int l = 0; l < layers && h; l++) {
        vx_tensor *a = conv(ctx, &cl->in_layers[l], h); /* [1, 2Hf, F] */
        if (gcond)
            a = add(ctx, a, channels(ctx, gcond, 2 * Hf * l, 2 * Hf * (l + 1)));
        vx_tensor *acts = vx_dev_binary(ctx, VX_OP_MUL, vx_dev_unary(ctx, VX_OP_TANH, channels(ctx, a, 0, Hf), 0, 0),
                                        vx_dev_unary(ctx, VX_OP_SIGMOID, channels(ctx, a, Hf, 2 * Hf), 0, 0));
        vx_tensor *rs = conv(ctx, &cl->res_skip[l], acts);
        if (!rs)
            return NULL;
        vx_tensor *to_skip = rs;
        if (l < layers - 1) {
            h = add(ctx, h, channels(ctx, rs, 0, Hf));
            to_skip = channels(ctx, rs, Hf, 2 * Hf);
        }
        skip = skip ? add(ctx, skip, to_skip) : to_skip;
    }
    return h ? skip : NULL;
}

/* The flows in reverse: z_p [1, C, F], g [1, gin, 1] or NULL -> z [1, C, F] (device).
 * The Flip (channel reversal) of x = [lo; hi] is [rev(hi); rev(lo)], so the
 * halves are kept apart and each Flip is two index_selects; the last
 * coupling writes straight into z. Coupling: hi −= post(WN(pre(lo))). */
static vx_tensor *flow_reverse(vx_ctx *ctx, const vx_vits_device *d, vx_tensor *z_p, vx_tensor *g)
{
    const vits_flow *f = &d->v->flow;
    int64_t C = f->channels, half = C / 2, Hf = f->hidden, F = z_p->shape[2];
    vx_tensor *lo = channels(ctx, z_p, 0, half), *hi = channels(ctx, z_p, half, C);
    int64_t zshape[3] = {1, C, F};
    vx_tensor *z = vx_device_empty(ctx, VX_F32, 3, zshape);
    if (!z)
        return NULL;
    for (int i = f->n_flows - 1; i >= 0 && lo && hi; i--) {
        const dcoupling *cl = &d->flows[i];
        vx_tensor *new_lo, *new_hi = vx_dev_index_select(ctx, lo, 1, d->reverse_half);
        if (i == 0) {
            vx_tensor *in[2] = {hi, d->reverse_half};
            int64_t iarg[8] = {1};
            new_lo = channels(ctx, z, 0, half);
            if (!new_lo || vx_dev_op_into(ctx, new_lo, VX_OP_INDEX_SELECT, 2, in, iarg, NULL))
                return NULL;
        } else {
            new_lo = vx_dev_index_select(ctx, hi, 1, d->reverse_half);
        }
        vx_tensor *gcond = g && cl->cond.w ? conv(ctx, &cl->cond, g) : NULL; /* [1, 2Hf·L, 1] */
        if (g && cl->cond.w && !gcond)
            return NULL;
        vx_tensor *skip = wavenet(ctx, cl, f->n_layers, Hf, conv(ctx, &cl->pre, new_lo), gcond);
        vx_tensor *m = skip ? conv(ctx, &cl->post, skip) : NULL;
        if (!m || !new_hi)
            return NULL;
        if (i == 0) {
            vx_tensor *in[2] = {new_hi, m}, *out = channels(ctx, z, half, C);
            if (!out || vx_dev_op_into(ctx, out, VX_OP_SUB, 2, in, NULL, NULL))
                return NULL;
        } else {
            new_hi = vx_dev_binary(ctx, VX_OP_SUB, new_hi, m);
        }
        lo = new_lo;
        hi = new_hi;
    }
    return lo && hi ? z : NULL;
}

/* ResBlock on x [1, ch, L]:
 *   type 1, per dilation k: x += c2_k(lrelu(c1_k(lrelu(x))))
 *   type 2, per dilation k: x += c_k(lrelu(x)) */
static vx_tensor *resblock(vx_ctx *ctx, const vx_vits_device *d, const dresblock *rb, int n_convs, vx_tensor *x)
{
    const vits_decoder *dec = &d->v->dec;
    for (int k = 0; k < n_convs && x; k++) {
        vx_tensor *t = conv(ctx, &rb->convs1[k], lrelu(ctx, x, dec->lrelu_slope));
        if (dec->resblock_type == 1)
            t = conv(ctx, &rb->convs2[k], lrelu(ctx, t, dec->lrelu_slope));
        x = add(ctx, t, x);
    }
    return x;
}

/* The HiFi-GAN generator: z [1, C, F] (device), g or NULL -> audio [1, 1, F·hop] (device):
 *   x = conv_pre(z) (+ cond(g)); per stage: x = mean_j ResBlock_j(ConvT(lrelu(x, 0.1)));
 *   audio = tanh(conv_post(lrelu(x, 0.01)))
 * Each ResBlock's intermediates are dropped (arena mark and release) once
 * its output is added into one of two accumulators made before, so device
 * memory holds one ResBlock's intermediates at a time, not a stage's. */
static vx_tensor *decode(vx_ctx *ctx, const vx_vits_device *d, vx_tensor *z, vx_tensor *g)
{
    const vits_decoder *dec = &d->v->dec;
    vx_tensor *x = conv(ctx, &d->conv_pre, z);
    if (g && d->dec_cond.w)
        x = add(ctx, x, conv(ctx, &d->dec_cond, g));
    for (int i = 0; i < dec->n_upsamples && x; i++) {
        const dconv *up = &d->ups[i];
        x = vx_dev_conv_transpose1d(ctx, lrelu(ctx, x, dec->lrelu_slope), up->w, up->b, up->stride, up->pad, 0, 1, 1);
        vx_tensor *acc[2] = {x ? vx_device_empty(ctx, VX_F32, 3, x->shape) : NULL,
                             x ? vx_device_empty(ctx, VX_F32, 3, x->shape) : NULL};
        if (!acc[0] || !acc[1])
            return NULL;
        for (int j = 0; j < dec->n_kernels; j++) {
            int index = i * dec->n_kernels + j;
            vx_arena_point mark = vx_arena_mark(ctx);
            vx_tensor *in[2] = {acc[(j + 1) % 2], resblock(ctx, d, &d->blocks[index], dec->blocks[index].n_convs, x)};
            vx_status st = !in[1] ? vx_last_status()
                           : j == 0 ? vx_dev_op_into(ctx, acc[0], VX_OP_SCALE, 1, &in[1], NULL, (float[4]){1.0f})
                                    : vx_dev_op_into(ctx, acc[j % 2], VX_OP_ADD, 2, in, NULL, NULL);
            vx_arena_release(ctx, mark);
            if (st)
                return NULL;
        }
        x = vx_dev_unary(ctx, VX_OP_SCALE, acc[(dec->n_kernels - 1) % 2], 1.0f / (float)dec->n_kernels, 0);
    }
    x = conv(ctx, &d->conv_post, lrelu(ctx, x, dec->final_lrelu_slope));
    return vx_dev_unary(ctx, VX_OP_TANH, x, 0, 0);
}

/* --- the pipeline (as vits.c; the CPU parts call the CPU path's own code) ------------------- */

static vx_status synthesize(const vx_vits_device *d, vx_ctx *ctx, const int64_t *ids, int64_t T,
                            const vx_vits_params *p, vx_vits_output *out)
{
    /* on the cpu: text encoder, duration predictor, length regulation */
    vits_prior_out pr;
    vx_status st = vits_prior(d->v, ctx, ids, T, p, &pr);
    if (st)
        return st;
    /* on the backend: flow and decoder */
    vx_tensor *z = flow_reverse(ctx, d, pr.z_p, pr.g); /* [1, C, F] */
    vx_tensor *audio = z ? decode(ctx, d, z, pr.g) : NULL; /* [1, 1, F·hop] */
    if (!audio || vx_to_host(audio) || vx_to_host(z))
        return vx_last_status();
    return vits_output(ctx, d->v, &pr, z, audio, out);
}

vx_status vx_vits_device_synthesize(const vx_vits_device *d, vx_ctx *ctx, const int64_t *ids, int64_t n_ids,
                                    const vx_vits_params *p, vx_vits_output *out)
{
    if (!out)
        return vx_fail(VX_ERR_ARG, "vits: no output struct given");
    memset(out, 0, sizeof *out);
    if (!d || !ctx || !p)
        return vx_fail(VX_ERR_ARG, "vits: synthesize needs a voice, a context and parameters");
    vx_status st = vits_check_request(d->v, ids, n_ids, p);
    if (!st && vx_ctx_device(ctx) != vx_ctx_device(d->ctx))
        st = vx_ctx_set_device(ctx, vx_ctx_device(d->ctx));
    if (st)
        return st;
    bool grad = vx_set_grad_enabled(ctx, false);
    st = synthesize(d, ctx, ids, n_ids, p, out);
    vx_set_grad_enabled(ctx, grad);
    if (st)
        memset(out, 0, sizeof *out);
    return st;
}
