/* vits_text_encoder.c — the VITS prior encoder enc_p: phoneme embedding and a
 * post-norm transformer whose self-attention adds relative-position terms.
 *
 * ref: VITS §2.5.1 (text encoder = Glow-TTS transformer encoder with relative
 * position representations); Shaw et al. 2018, "Self-Attention with Relative
 * Position Representations"; shared/docs/PIPER.md "Inference path" step 1. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/vits_internal.h"

vx_status vits_text_encoder_load(const vits_source *src, const vx_vits_config *c, vits_text_encoder *e)
{
    int64_t H = c->hidden_channels, F = c->filter_channels;
    if (c->n_layers < 1 || c->n_layers > VITS_MAX_LAYERS || c->n_heads < 1 || H % c->n_heads ||
        c->window_size < 0 || c->ffn_kernel_size % 2 == 0)
        return vx_fail(VX_ERR_FORMAT,
                       "VITS voice %s: unsupported text encoder (%d layers, %d heads, hidden %lld, "
                       "window %d, FFN kernel %d; need 1..%d layers, heads dividing hidden, an odd kernel)",
                       src->what, c->n_layers, c->n_heads, (long long)H, c->window_size,
                       c->ffn_kernel_size, VITS_MAX_LAYERS);
    e->hidden = (int)H;
    e->n_heads = c->n_heads;
    e->window = c->window_size;
    e->n_layers = c->n_layers;
    e->ffn_kernel = c->ffn_kernel_size;
    e->inter_channels = c->inter_channels;
    int64_t emb_shape[2] = {c->n_vocab, H};
    if (!(e->emb = vits_weight(src, 2, emb_shape, "enc_p.emb.weight")))
        return vx_last_status();
    int64_t rel_shape[3] = {1, 2 * (int64_t)c->window_size + 1, H / c->n_heads};
    for (int i = 0; i < c->n_layers; i++) {
        vits_encoder_layer *l = &e->layers[i];
        char p[96];
        const char *qkvo[4] = {"q", "k", "v", "o"};
        vits_conv *convs[4] = {&l->q, &l->k, &l->v, &l->o};
        for (int j = 0; j < 4; j++) {
            snprintf(p, sizeof p, "enc_p.encoder.attn_layers.%d.conv_%s", i, qkvo[j]);
            if (vits_conv_load_packed(src, convs[j], p, H, H, 1, 1, true))
                return vx_last_status();
        }
        if (!(l->rel_k = vits_weight(src, 3, rel_shape, "enc_p.encoder.attn_layers.%d.emb_rel_k", i)) ||
            !(l->rel_v = vits_weight(src, 3, rel_shape, "enc_p.encoder.attn_layers.%d.emb_rel_v", i)))
            return vx_last_status();
        snprintf(p, sizeof p, "enc_p.encoder.norm_layers_1.%d", i);
        if (vits_norm_load(src, &l->norm1, p, H))
            return vx_last_status();
        snprintf(p, sizeof p, "enc_p.encoder.norm_layers_2.%d", i);
        if (vits_norm_load(src, &l->norm2, p, H))
            return vx_last_status();
        snprintf(p, sizeof p, "enc_p.encoder.ffn_layers.%d.conv_1", i);
        if (vits_conv_load_packed(src, &l->ffn1, p, H, F, c->ffn_kernel_size, 1, true))
            return vx_last_status();
        snprintf(p, sizeof p, "enc_p.encoder.ffn_layers.%d.conv_2", i);
        if (vits_conv_load_packed(src, &l->ffn2, p, F, H, c->ffn_kernel_size, 1, true))
            return vx_last_status();
        if (!vits_tile_fits(&l->ffn1) || !vits_tile_fits(&l->ffn2))
            return vx_fail(VX_ERR_UNSUPPORTED, "VITS voice %s: the text encoder's FFN (%lld filter channels, "
                           "kernel %d) is too wide for the convolution tiles", src->what, (long long)F,
                           c->ffn_kernel_size);
    }
    return vits_conv_load_packed(src, &e->proj, "enc_p.proj", H, 2 * (int64_t)c->inter_channels, 1, 1, true);
}

/* y [1, Cout, T] = c(act(x)) + bias for x [1, Cin, T] (contiguous), a "same"
 * convolution with packed weights (vits_kernels.c); act = LeakyReLU(·, slope),
 * slope 1: none, 0: ReLU. act_buf: VITS_TILE_FLOATS of scratch. */
static vx_tensor *conv_packed(vx_ctx *ctx, const vits_conv *c, vx_tensor *x, float slope, float *act_buf)
{
    int64_t T = x->shape[2], shape[3] = {1, c->cout, T};
    vx_tensor *y = vx_empty(ctx, VX_F32, 3, shape);
    if (!y)
        return NULL;
    vx_gemm_start bias = {c->b->data};
    if (c->kernel == 1 && slope == 1.0f)
        vits_pointwise_accumulate(c, 0, c->cout, x->data, T, 1.0f, &bias, y->data);
    else
        vits_conv_accumulate(c, x->data, T, 1.0f, slope, &bias, y->data, act_buf);
    return y;
}

/* Multi-head self-attention with relative positions for one sequence.
 * q, k, v [1, H, T] (heads are channel blocks of d = H/heads) -> [1, H, T].
 * Per head, with q̂ = q/√d and r = j − i:
 *   s_ij = q̂_i·k_j + [|r| ≤ w] q̂_i·rel_k[r + w]          (ref: Shaw et al. eq. 5)
 *   p_i  = softmax_j(s_ij)
 *   o_i  = Σ_j p_ij v_j + Σ_{|r| ≤ w} p_ij rel_v[r + w]    (ref: Shaw et al. eq. 3)
 * rel_k, rel_v [1, 2w+1, d] are shared by the heads. */
static vx_tensor *relative_attention(vx_ctx *ctx, vx_tensor *q, vx_tensor *k, vx_tensor *v,
                                     const vx_tensor *rel_k, const vx_tensor *rel_v, int heads,
                                     int window)
{
    int64_t H = q->shape[1], T = q->shape[2], d = H / heads;
    int64_t hdt[3] = {heads, d, T};
    vx_tensor *qs = vx_scale(ctx, q, 1.0f / sqrtf((float)d));
    vx_tensor *qh = vx_transpose(ctx, vx_reshape(ctx, qs, 3, hdt), 1, 2);  /* [h, T, d] */
    vx_tensor *kh = vx_reshape(ctx, k, 3, hdt);                              /* [h, d, T] */
    vx_tensor *vh = vx_transpose(ctx, vx_reshape(ctx, v, 3, hdt), 1, 2);  /* [h, T, d] */
    vx_tensor *scores = vx_matmul(ctx, qh, kh);                             /* [h, T, T] */
    qh = vx_contiguous(ctx, qh);
    if (!scores || !qh)
        return NULL;
    const float *rk = rel_k->data, *rv = rel_v->data, *pq = qh->data;
    float *s = scores->data;
    for (int64_t h = 0; h < heads; h++)
        for (int64_t i = 0; i < T; i++) {
            const float *qi = pq + (h * T + i) * d;
            float *si = s + (h * T + i) * T;
            int64_t j0 = i - window < 0 ? 0 : i - window, j1 = i + window >= T ? T - 1 : i + window;
            for (int64_t j = j0; j <= j1; j++) {
                const float *r = rk + (j - i + window) * d;
                float dot = 0.0f;
                for (int64_t c = 0; c < d; c++)
                    dot += qi[c] * r[c];
                si[j] += dot;
            }
        }
    vx_tensor *p = vx_softmax(ctx, scores, -1);                              /* [h, T, T] */
    vx_tensor *o = vx_contiguous(ctx, vx_matmul(ctx, p, vh));                /* [h, T, d] */
    if (!o)
        return NULL;
    const float *pp = p->data;
    float *po = o->data;
    for (int64_t h = 0; h < heads; h++)
        for (int64_t i = 0; i < T; i++) {
            const float *pi = pp + (h * T + i) * T;
            float *oi = po + (h * T + i) * d;
            int64_t j0 = i - window < 0 ? 0 : i - window, j1 = i + window >= T ? T - 1 : i + window;
            for (int64_t j = j0; j <= j1; j++) {
                const float *r = rv + (j - i + window) * d;
                for (int64_t c = 0; c < d; c++)
                    oi[c] += pi[j] * r[c];
            }
        }
    int64_t out_shape[3] = {1, H, T};
    return vx_reshape(ctx, vx_contiguous(ctx, vx_transpose(ctx, o, 1, 2)), 3, out_shape); /* [1, H, T] */
}

/* One post-norm transformer layer: x = LN(x + attn(x)); x = LN(x + ffn(x)).
 * x [1, H, T] -> [1, H, T]; every intermediate lives in `ctx`. */
static vx_tensor *encoder_layer(vx_ctx *ctx, const vits_text_encoder *e, const vits_encoder_layer *l,
                                vx_tensor *x)
{
    float *act = vx_arena_alloc_uninit(ctx, sizeof(float) * VITS_TILE_FLOATS);
    if (!act)
        return NULL;
    vx_tensor *q = conv_packed(ctx, &l->q, x, 1.0f, act), *k = conv_packed(ctx, &l->k, x, 1.0f, act);
    vx_tensor *v = conv_packed(ctx, &l->v, x, 1.0f, act);
    if (!q || !k || !v)
        return NULL;
    vx_tensor *a = relative_attention(ctx, q, k, v, l->rel_k, l->rel_v, e->n_heads, e->window);
    a = a ? conv_packed(ctx, &l->o, a, 1.0f, act) : NULL;
    x = vx_contiguous(ctx, vx_layer_norm_channels(ctx, vx_add(ctx, x, a), l->norm1.gamma, l->norm1.beta, 1e-5f));
    if (!x)
        return NULL;
    vx_tensor *f = conv_packed(ctx, &l->ffn1, x, 1.0f, act);  /* [1, filter, T] */
    f = f ? conv_packed(ctx, &l->ffn2, f, 0.0f, act) : NULL; /* ReLU fused into ffn2's input */
    return vx_contiguous(ctx, vx_layer_norm_channels(ctx, vx_add(ctx, x, f), l->norm2.gamma, l->norm2.beta,
                                                      1e-5f));
}

/* Inference only (no tape): each layer's intermediates are dropped from the
 * arena as soon as its output is copied into x, so the memory of one layer
 * is reused by the next. */
vx_tensor *vits_text_encoder_forward(vx_ctx *ctx, const vits_text_encoder *e, vx_tensor *ids,
                                     vx_tensor **m_p, vx_tensor **logs_p)
{
    /* ref: VITS TextEncoder: x = emb(ids)·√H, [1, T, H] -> [1, H, T] */
    vx_tensor *x = vx_scale(ctx, vx_embedding(ctx, e->emb, ids), sqrtf((float)e->hidden)); /* [T, H] */
    x = vx_contiguous(ctx, vx_transpose(ctx, x, 0, 1));                                      /* [H, T] */
    if (!x)
        return NULL;
    int64_t shape[3] = {1, e->hidden, x->shape[1]};
    x = vx_reshape(ctx, x, 3, shape);                                                        /* [1, H, T] */
    if (!x)
        return NULL;
    /* each layer's intermediates are dropped once its output is copied into x */
    bool grad = vx_set_grad_enabled(ctx, false);
    vx_arena_point layer_start = vx_arena_mark(ctx);
    size_t bytes = sizeof(float) * (size_t)vx_numel(x);
    for (int i = 0; i < e->n_layers && x; i++) {
        vx_tensor *y = encoder_layer(ctx, e, &e->layers[i], x); /* [1, H, T] */
        if (y)
            memcpy(x->data, y->data, bytes);
        else
            x = NULL;
        vx_arena_release(ctx, layer_start);
    }
    vx_set_grad_enabled(ctx, grad);
    if (!x)
        return NULL;
    vx_tensor *stats = conv_packed(ctx, &e->proj, x, 1.0f, NULL); /* [1, 2C, T] */
    *m_p = vx_slice(ctx, stats, 1, 0, e->inter_channels, 1);
    *logs_p = vx_slice(ctx, stats, 1, e->inter_channels, 2 * e->inter_channels, 1);
    *m_p = vx_contiguous(ctx, *m_p);
    *logs_p = vx_contiguous(ctx, *logs_p);
    return *m_p && *logs_p ? x : NULL;
}
