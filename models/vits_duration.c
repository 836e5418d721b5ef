/* vits_duration.c — the VITS stochastic duration predictor, run in reverse
 * (inference): noise z [2, T] goes through the flows backwards, conditioned on
 * the text encoder's hidden states, and its first channel is logw.
 *
 * Order at inference (dp.flows = [ElementwiseAffine, ConvFlow ×4 with Flips];
 * the first ConvFlow, dp.flows.1, is skipped):
 *   Flip, dp.flows.7, Flip, dp.flows.5, Flip, dp.flows.3, Flip, dp.flows.0
 * ConvFlow inverts a monotonic rational-quadratic spline on [-B, B] (identity
 * outside) whose knots come from a DDSConv over the other channel.
 *
 * ref: VITS §2.3 and appendix (stochastic duration predictor); Durkan et al.
 * 2019, "Neural Spline Flows" §3.1 (rational-quadratic spline, its inverse);
 * shared/docs/PIPER.md "Inference path" step 2. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/vits_internal.h"

#define SPLINE_TAIL_BOUND 5.0f   /* B */
#define SPLINE_MIN_WIDTH 1e-3f
#define SPLINE_MIN_HEIGHT 1e-3f
#define SPLINE_MIN_DERIV 1e-3f
#define SPLINE_MAX_BINS 64

static vx_status ddsconv_load(const vits_source *src, const vx_vits_config *c, vits_ddsconv *d,
                              const char *prefix)
{
    int64_t F = c->dp_filter_channels;
    d->n_layers = c->dp_n_layers;
    for (int i = 0; i < c->dp_n_layers; i++) {
        char p[96];
        snprintf(p, sizeof p, "%s.convs_sep.%d", prefix, i);
        if (vits_conv_load(src, &d->sep[i], p, F, F, c->dp_kernel_size, c->dp_dilations[i], (int)F, true))
            return vx_last_status();
        snprintf(p, sizeof p, "%s.convs_1x1.%d", prefix, i);
        if (vits_conv_load(src, &d->pointwise[i], p, F, F, 1, 1, 1, true))
            return vx_last_status();
        snprintf(p, sizeof p, "%s.norms_1.%d", prefix, i);
        if (vits_norm_load(src, &d->norm1[i], p, F))
            return vx_last_status();
        snprintf(p, sizeof p, "%s.norms_2.%d", prefix, i);
        if (vits_norm_load(src, &d->norm2[i], p, F))
            return vx_last_status();
    }
    return VX_OK;
}

vx_status vits_duration_load(const vits_source *src, const vx_vits_config *c, vits_duration_predictor *d)
{
    int64_t H = c->hidden_channels, F = c->dp_filter_channels;
    if (c->dp_n_layers < 1 || c->dp_n_layers > VITS_MAX_LAYERS || c->dp_n_flows < 1 ||
        c->dp_n_flows > VITS_MAX_FLOWS || c->dp_num_bins < 2 || c->dp_num_bins > SPLINE_MAX_BINS ||
        c->dp_kernel_size % 2 == 0)
        return vx_fail(VX_ERR_FORMAT,
                       "VITS voice %s: unsupported duration predictor (%d DDSConv layers, %d flows, "
                       "%d spline bins, kernel %d)",
                       src->what, c->dp_n_layers, c->dp_n_flows, c->dp_num_bins, c->dp_kernel_size);
    d->filter_channels = (int)F;
    d->num_bins = c->dp_num_bins;
    d->n_flows = c->dp_n_flows;
    if (vits_conv_load(src, &d->pre, "dp.pre", H, F, 1, 1, 1, true) ||
        vits_conv_load(src, &d->proj, "dp.proj", F, F, 1, 1, 1, true) ||
        ddsconv_load(src, c, &d->convs, "dp.convs"))
        return vx_last_status();
    memset(&d->cond, 0, sizeof d->cond);
    if (c->gin_channels > 0 && vits_conv_load(src, &d->cond, "dp.cond", c->gin_channels, F, 1, 1, 1, true))
        return vx_last_status();
    int64_t affine_shape[2] = {2, 1};
    if (!(d->flow_m = vits_weight(src, 2, affine_shape, "dp.flows.0.m")) ||
        !(d->flow_logs = vits_weight(src, 2, affine_shape, "dp.flows.0.logs")))
        return vx_last_status();
    /* ConvFlows are dp.flows.1, 3, 5, ... (Flips between); inference runs the
     * last n_flows of them backwards: 2·n_flows+1, ..., 3 */
    for (int i = 0; i < d->n_flows; i++) {
        int index = 2 * (d->n_flows - i) + 1;
        vits_conv_flow *fl = &d->flows[i];
        char p[64];
        snprintf(p, sizeof p, "dp.flows.%d.pre", index);
        if (vits_conv_load(src, &fl->pre, p, 1, F, 1, 1, 1, true))
            return vx_last_status();
        snprintf(p, sizeof p, "dp.flows.%d.convs", index);
        if (ddsconv_load(src, c, &fl->convs, p))
            return vx_last_status();
        snprintf(p, sizeof p, "dp.flows.%d.proj", index);
        if (vits_conv_load(src, &fl->proj, p, F, 3 * (int64_t)c->dp_num_bins - 1, 1, 1, 1, true))
            return vx_last_status();
    }
    return VX_OK;
}

/* Dilated depth-separable convolutions, x [1, F, T] -> [1, F, T]:
 * per layer y = GELU(LN(1×1(GELU(LN(sep(x)))))); x = x + y.
 * ref: VITS appendix, DDSConv. */
static vx_tensor *ddsconv_forward(vx_ctx *ctx, const vits_ddsconv *d, vx_tensor *x)
{
    for (int i = 0; i < d->n_layers; i++) {
        vx_tensor *y = vits_conv_apply(ctx, &d->sep[i], x);
        y = vx_gelu(ctx, vx_layer_norm_channels(ctx, y, d->norm1[i].gamma, d->norm1[i].beta, 1e-5f));
        y = vits_conv_apply(ctx, &d->pointwise[i], y);
        y = vx_gelu(ctx, vx_layer_norm_channels(ctx, y, d->norm2[i].gamma, d->norm2[i].beta, 1e-5f));
        x = vx_add(ctx, x, y);
    }
    return x;
}

/* Knots of one spline axis from unnormalised bin sizes u[K]:
 * size_k = min + (1 − min·K)·softmax(u)_k; knots cum[0..K] on [-B, B] with
 * the ends pinned to ±B (ref: Neural Spline Flows §3.1, "knots"). */
static void spline_knots(const float *u, int K, float minimum, float *cum)
{
    float mx = u[0], sum = 0.0f, e[SPLINE_MAX_BINS];
    for (int k = 1; k < K; k++)
        mx = u[k] > mx ? u[k] : mx;
    for (int k = 0; k < K; k++)
        sum += e[k] = expf(u[k] - mx);
    float acc = 0.0f;
    cum[0] = -SPLINE_TAIL_BOUND;
    for (int k = 0; k < K; k++) {
        acc += minimum + (1.0f - minimum * (float)K) * (e[k] / sum);
        cum[k + 1] = 2.0f * SPLINE_TAIL_BOUND * acc - SPLINE_TAIL_BOUND;
    }
    cum[K] = SPLINE_TAIL_BOUND;
}

static float softplus(float x)
{
    return x > 20.0f ? x : log1pf(expf(x));
}

/* Inverse rational-quadratic spline of one value y with K bins given by
 * unnormalised widths uw[K], heights uh[K] (already divided by √F) and
 * interior derivatives ud[K−1]. Outside [-B, B] the map is the identity
 * (linear tails; boundary derivatives are 1).
 * ref: Neural Spline Flows eq. 4-8 and appendix A (inverse): with ξ the
 * position inside bin k, s = h_k/w_k, δ_k the knot derivatives,
 *   a = h_k(s − δ_k) + (y − y_k)(δ_k + δ_{k+1} − 2s)
 *   b = h_k δ_k − (y − y_k)(δ_k + δ_{k+1} − 2s)
 *   c = −s (y − y_k)
 *   ξ = 2c / (−b − √(b² − 4ac)),  x = x_k + ξ w_k. */
static float spline_inverse(float y, const float *uw, const float *uh, const float *ud, int K)
{
    if (y < -SPLINE_TAIL_BOUND || y > SPLINE_TAIL_BOUND)
        return y;
    float cw[SPLINE_MAX_BINS + 1], ch[SPLINE_MAX_BINS + 1], deriv[SPLINE_MAX_BINS + 1];
    spline_knots(uw, K, SPLINE_MIN_WIDTH, cw);
    spline_knots(uh, K, SPLINE_MIN_HEIGHT, ch);
    /* the boundary derivatives are padded with log(e^(1−min) − 1), so min + softplus(·) = 1 */
    float edge = logf(expf(1.0f - SPLINE_MIN_DERIV) - 1.0f);
    deriv[0] = SPLINE_MIN_DERIV + softplus(edge);
    deriv[K] = deriv[0];
    for (int k = 1; k < K; k++)
        deriv[k] = SPLINE_MIN_DERIV + softplus(ud[k - 1]);
    /* bin: the last k with y >= ch[k] (the top knot nudged up by 1e-6), clamped to [0, K−1] */
    int bin = -1;
    for (int k = 0; k <= K; k++)
        bin += y >= (k == K ? ch[k] + 1e-6f : ch[k]);
    bin = bin < 0 ? 0 : bin > K - 1 ? K - 1 : bin;
    float w = cw[bin + 1] - cw[bin], h = ch[bin + 1] - ch[bin];
    float s = h / w, d0 = deriv[bin], d1 = deriv[bin + 1], dy = y - ch[bin];
    float a = dy * (d0 + d1 - 2.0f * s) + h * (s - d0);
    float b = h * d0 - dy * (d0 + d1 - 2.0f * s);
    float c = -s * dy;
    float disc = b * b - 4.0f * a * c;
    float xi = (2.0f * c) / (-b - sqrtf(disc > 0.0f ? disc : 0.0f));
    return xi * w + cw[bin];
}

/* One ConvFlow in reverse on z [1, 2, T] with condition x [1, F, T]:
 * x0 = z[0] stays; h = proj(DDSConv(pre(x0) + x)); z[1] = spline⁻¹(z[1]; h). */
static vx_tensor *conv_flow_reverse(vx_ctx *ctx, const vits_conv_flow *fl, int num_bins, int filter,
                                    vx_tensor *z, vx_tensor *x)
{
    if (!z)
        return NULL;
    int64_t T = z->shape[2];
    vx_tensor *x0 = vx_slice(ctx, z, 1, 0, 1, 1);                      /* [1, 1, T] */
    vx_tensor *h = vits_conv_apply(ctx, &fl->pre, x0);                 /* [1, F, T] */
    h = ddsconv_forward(ctx, &fl->convs, vx_add(ctx, h, x));
    h = vits_conv_apply(ctx, &fl->proj, h);                            /* [1, 3K−1, T] */
    vx_tensor *out = vx_contiguous(ctx, vx_add_scalar(ctx, z, 0.0f));  /* a copy of z */
    if (!h || !out)
        return NULL;
    const float *ph = h->data;
    float *po = out->data;
    float inv_sqrt_f = 1.0f / sqrtf((float)filter);
    int K = num_bins;
    for (int64_t t = 0; t < T; t++) {
        float uw[SPLINE_MAX_BINS], uh[SPLINE_MAX_BINS], ud[SPLINE_MAX_BINS];
        for (int k = 0; k < K; k++) {
            uw[k] = ph[k * T + t] * inv_sqrt_f;
            uh[k] = ph[(K + k) * T + t] * inv_sqrt_f;
        }
        for (int k = 0; k < K - 1; k++)
            ud[k] = ph[(2 * K + k) * T + t];
        po[T + t] = spline_inverse(po[T + t], uw, uh, ud, K);
    }
    return out;
}

/* Reverse the two channels of z [1, 2, T] (Flip). */
static vx_tensor *flip2(vx_ctx *ctx, vx_tensor *z)
{
    vx_tensor *out = z ? vx_new(ctx, VX_F32, 3, z->shape) : NULL;
    if (!out)
        return NULL;
    int64_t T = z->shape[2];
    memcpy(out->data, (float *)z->data + T, sizeof(float) * (size_t)T);
    memcpy((float *)out->data + T, z->data, sizeof(float) * (size_t)T);
    return out;
}

static vx_tensor *duration_forward(vx_ctx *ctx, const vits_duration_predictor *d, vx_tensor *x, vx_tensor *g,
                                   vx_tensor *noise)
{
    x = vits_conv_apply(ctx, &d->pre, x);                               /* [1, F, T] */
    if (g && d->cond.w)
        x = vx_add(ctx, x, vits_conv_apply(ctx, &d->cond, g));          /* + [1, F, 1] */
    x = vits_conv_apply(ctx, &d->proj, ddsconv_forward(ctx, &d->convs, x));
    vx_tensor *z = vx_contiguous(ctx, noise);                           /* [1, 2, T] */
    for (int i = 0; i < d->n_flows && z && x; i++)
        z = conv_flow_reverse(ctx, &d->flows[i], d->num_bins, d->filter_channels, flip2(ctx, z), x);
    z = flip2(ctx, z);
    /* ElementwiseAffine in reverse: z = (z − m)·exp(−logs) */
    z = vx_mul(ctx, vx_sub(ctx, z, d->flow_m), vx_exp(ctx, vx_scale(ctx, d->flow_logs, -1.0f)));
    return vx_contiguous(ctx, vx_slice(ctx, z, 1, 0, 1, 1));           /* logw [1, 1, T] */
}

/* Inference only (no tape). Its intermediates (tens of MB for a long sentence: the spline flows work
 * on [1, F, T] tensors) are dropped from the arena once logw is copied out,
 * so they do not stay until the sentence's reset; the memory is reused. */
vx_tensor *vits_duration_forward(vx_ctx *ctx, const vits_duration_predictor *d, vx_tensor *x,
                                 vx_tensor *g, vx_tensor *noise)
{
    int64_t shape[3] = {1, 1, x ? x->shape[2] : 0};
    vx_tensor *logw = x ? vx_new(ctx, VX_F32, 3, shape) : NULL;
    if (!logw)
        return NULL;
    bool grad = vx_set_grad_enabled(ctx, false);
    vx_arena_point start = vx_arena_mark(ctx);
    vx_tensor *y = duration_forward(ctx, d, x, g, noise);
    if (y)
        memcpy(logw->data, y->data, sizeof(float) * (size_t)shape[2]);
    vx_arena_release(ctx, start);
    vx_set_grad_enabled(ctx, grad);
    return y ? logw : NULL;
}
