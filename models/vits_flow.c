/* vits_flow.c — the VITS normalising flow (residual coupling layers with
 * WaveNet blocks), run in reverse: z_p (prior sample) -> z (latent the
 * decoder turns into audio).
 *
 * flow.flows = [Coupling 0, Flip, Coupling 2, Flip, ...]; the reverse runs
 *   Flip, flows.(2n−2), ..., Flip, flows.2, Flip, flows.0
 * Each coupling is mean-only: x1 ← x1 − m(x0), x0 = the first C/2 channels.
 * Inference kernels (vits_kernels.c) on a handful of reused [C, F] buffers:
 * each GEMM accumulates straight into the residual, skip or x1 rows.
 *
 * ref: VITS §2.5.3 (flow) and appendix; Dinh et al. 2017 "Density estimation
 * using Real NVP" (affine coupling); Oord et al. 2016 "WaveNet" (gated
 * activation tanh·σ); shared/docs/PIPER.md "Inference path" step 4. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/kernels/vmath.h"
#include "core/threads.h"
#include "models/vits_internal.h"

vx_status vits_flow_load(const vits_source *src, const vx_vits_config *c, vits_flow *f)
{
    int64_t C = c->inter_channels, Hf = c->flow_hidden_channels;
    if (c->flow_n_flows < 1 || c->flow_n_flows > VITS_MAX_FLOWS || c->flow_n_layers < 1 ||
        c->flow_n_layers > VITS_MAX_LAYERS || C % 2 || c->flow_kernel_size % 2 == 0 ||
        c->flow_dilation_rate < 1 || c->flow_dilation_rate > 64)
        return vx_fail(VX_ERR_FORMAT,
                       "VITS voice %s: unsupported flow (%d couplings, %d WaveNet layers, %lld channels, "
                       "kernel %d, dilation rate %d)",
                       src->what, c->flow_n_flows, c->flow_n_layers, (long long)C, c->flow_kernel_size,
                       c->flow_dilation_rate);
    f->channels = (int)C;
    f->hidden = (int)Hf;
    f->n_layers = c->flow_n_layers;
    f->n_flows = c->flow_n_flows;
    for (int i = 0; i < f->n_flows; i++) {
        vits_coupling *cl = &f->layers[i];
        char p[96];
        snprintf(p, sizeof p, "flow.flows.%d.pre", 2 * i);
        if (vits_conv_load_packed(src, &cl->pre, p, C / 2, Hf, 1, 1, true))
            return vx_last_status();
        snprintf(p, sizeof p, "flow.flows.%d.post", 2 * i);
        if (vits_conv_load_packed(src, &cl->post, p, Hf, C / 2, 1, 1, true))
            return vx_last_status();
        int dilation = 1;
        for (int l = 0; l < f->n_layers; l++) {
            snprintf(p, sizeof p, "flow.flows.%d.enc.in_layers.%d", 2 * i, l);
            if (vits_conv_load_packed(src, &cl->in_layers[l], p, Hf, 2 * Hf, c->flow_kernel_size, dilation, true))
                return vx_last_status();
            if (!vits_tile_fits(&cl->in_layers[l]))
                return vx_fail(VX_ERR_UNSUPPORTED, "VITS voice %s: flow WaveNet layer %s is too wide for the tiles",
                               src->what, p);
            snprintf(p, sizeof p, "flow.flows.%d.enc.res_skip_layers.%d", 2 * i, l);
            int64_t out = l < f->n_layers - 1 ? 2 * Hf : Hf;
            if (vits_conv_load_packed(src, &cl->res_skip[l], p, Hf, out, 1, 1, true))
                return vx_last_status();
            dilation *= c->flow_dilation_rate;
        }
        memset(&cl->cond, 0, sizeof cl->cond);
        snprintf(p, sizeof p, "flow.flows.%d.enc.cond_layer", 2 * i);
        if (c->gin_channels > 0 &&
            vits_conv_load(src, &cl->cond, p, c->gin_channels, 2 * Hf * f->n_layers, 1, 1, 1, true))
            return vx_last_status();
    }
    return VX_OK;
}

/* Scratch of one reverse pass, F frames. */
typedef struct flow_buffers {
    float *x, *flipped;   /* [C, F]        */
    float *h, *skip;      /* [Hf, F]       */
    float *a;             /* [2·Hf, F]     */
    float *acts;          /* [Hf, F]       */
    float *bias;          /* [2·Hf]        */
    float *gcond;         /* [2·Hf·layers] */
    float *act;           /* VITS_TILE_FLOATS      */
} flow_buffers;

/* acts = tanh(a[:Hf]) · σ(a[Hf:]) row by row (ref: WaveNet gated activation). */
typedef struct gate_job {
    float *a; /* its sigmoid half is overwritten */
    float *acts;
    int64_t Hf, F;
} gate_job;

static void gate_rows(void *arg, int64_t c0, int64_t c1, int tid)
{
    const gate_job *j = arg;
    for (int64_t c = c0; c < c1; c++) {
        float *t = j->a + c * j->F, *s = j->a + (j->Hf + c) * j->F, *out = j->acts + c * j->F;
        vx_vunary_impl(0, VX_VSIGMOID, s, s, j->F, 0.0f, 0.0f);
        vx_vunary_impl(0, VX_VTANH, t, out, j->F, 0.0f, 0.0f);
        vx_vbinary_impl(0, VX_VMUL, out, 1, s, 1, out, j->F);
    }
}

/* WaveNet block without dropout on h [Hf, F] (changed in place), skip sum into b->skip:
 *   for each layer l: a = in_l(h) + gcond_l; acts = tanh(a[:Hf])·σ(a[Hf:]);
 *   rs = res_skip_l(acts); h += rs[:Hf] and skip += rs[Hf:] (last layer: skip += rs)
 * ref: VITS appendix (WN from WaveGlow, Prenger et al. 2019). */
static void wavenet(const vits_coupling *cl, int layers, int64_t Hf, int64_t F, bool has_g, flow_buffers *b)
{
    vits_fill_bias(b->skip, NULL, Hf, F);
    for (int l = 0; l < layers; l++) {
        const vits_conv *in = &cl->in_layers[l], *rs = &cl->res_skip[l];
        for (int64_t c = 0; c < 2 * Hf; c++)
            b->bias[c] = ((const float *)in->b->data)[c] + (has_g ? b->gcond[2 * Hf * l + c] : 0.0f);
        vx_gemm_start in_bias = {b->bias};
        vits_conv_accumulate(in, b->h, F, 1.0f, 1.0f, &in_bias, b->a, b->act);
        gate_job gate = {b->a, b->acts, Hf, F};
        vx_parallel_for(Hf, 4, gate_rows, &gate);
        const float *rs_bias = rs->b->data;
        if (l < layers - 1) {
            vx_gemm_start res = {rs_bias, .add = true}, skip = {rs_bias + Hf, .add = true};
            vits_pointwise_accumulate(rs, 0, Hf, b->acts, F, 1.0f, &res, b->h);
            vits_pointwise_accumulate(rs, Hf, Hf, b->acts, F, 1.0f, &skip, b->skip);
        } else {
            vx_gemm_start skip = {rs_bias, .add = true};
            vits_pointwise_accumulate(rs, 0, Hf, b->acts, F, 1.0f, &skip, b->skip);
        }
    }
}

/* cond(g) for a 1×1 conv and g [gin]: out[o] = b[o] + Σ_i W[o, i]·g[i]. */
static void condition(const vits_conv *cond, const float *g, float *out)
{
    int64_t cout = cond->w->shape[0], gin = cond->w->shape[1];
    const float *w = cond->w->data, *bias = cond->b->data;
    for (int64_t o = 0; o < cout; o++) {
        float acc = bias[o];
        for (int64_t i = 0; i < gin; i++)
            acc += w[o * gin + i] * g[i];
        out[o] = acc;
    }
}

vx_tensor *vits_flow_reverse(vx_ctx *ctx, const vits_flow *f, vx_tensor *z_p, vx_tensor *g)
{
    z_p = vx_contiguous(ctx, z_p);
    vx_tensor *gc = g ? vx_contiguous(ctx, g) : NULL;
    if (!z_p || (g && !gc))
        return NULL;
    int64_t C = f->channels, half = C / 2, Hf = f->hidden, F = z_p->shape[2], L = f->n_layers;
    size_t floats = (size_t)(2 * C * F + 2 * Hf * F + 2 * Hf * F + Hf * F + 2 * Hf + 2 * Hf * L + VITS_TILE_FLOATS);
    float *pool = vx_arena_alloc_uninit(ctx, sizeof(float) * floats); /* written before read */
    vx_tensor *out = vx_new(ctx, VX_F32, 3, z_p->shape);
    if (!pool || !out)
        return NULL;
    flow_buffers b;
    b.x = pool;
    b.flipped = b.x + C * F;
    b.h = b.flipped + C * F;
    b.skip = b.h + Hf * F;
    b.a = b.skip + Hf * F;
    b.acts = b.a + 2 * Hf * F;
    b.bias = b.acts + Hf * F;
    b.gcond = b.bias + 2 * Hf;
    b.act = b.gcond + 2 * Hf * L;
    memcpy(b.x, z_p->data, sizeof(float) * (size_t)(C * F));
    for (int i = f->n_flows - 1; i >= 0; i--) {
        const vits_coupling *cl = &f->layers[i];
        /* Flip: reverse the channel order */
        for (int64_t c = 0; c < C; c++)
            memcpy(b.flipped + c * F, b.x + (C - 1 - c) * F, sizeof(float) * (size_t)F);
        float *swap = b.x;
        b.x = b.flipped;
        b.flipped = swap;
        /* coupling: h = pre(x0); WN; x1 −= post(skip) (x0 = rows [0, C/2), x1 = the rest) */
        bool has_g = gc && cl->cond.w;
        if (has_g)
            condition(&cl->cond, gc->data, b.gcond);
        vx_gemm_start pre = {cl->pre.b->data};
        vits_pointwise_accumulate(&cl->pre, 0, Hf, b.x, F, 1.0f, &pre, b.h);
        wavenet(cl, f->n_layers, Hf, F, has_g, &b);
        float *x1 = b.x + half * F;
        const float *post_bias = cl->post.b->data;
        for (int64_t c = 0; c < half; c++)
            for (int64_t t = 0; t < F; t++)
                x1[c * F + t] -= post_bias[c];
        vits_pointwise_accumulate(&cl->post, 0, half, b.skip, F, -1.0f, NULL, x1);
    }
    memcpy(out->data, b.x, sizeof(float) * (size_t)(C * F));
    return out;
}
