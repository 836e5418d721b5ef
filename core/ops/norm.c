/* norm.c — normalisation ops: layer norm over the last dim, layer norm over
 * the channels of [B, C, T], softmax over any axis, and weight norm.
 *
 * Scalar reference forward and backward side by side. Every kernel works on
 * a contiguous input viewed as [outer, n, inner] around the normalised axis;
 * statistics are accumulated in double. Outside reference mode the forward
 * passes of layer norm and softmax run the vector kernels of
 * core/kernels/vmath.h, which accumulate in float. */
#include <math.h>

#include "../kernels/vmath.h"
#include "../threads.h"
#include "op_util.h"

/* Blocks [outer, n, inner] handed to the vector kernels of vmath.h across the
 * thread pool. A work item is one outer index and, for layer norm, a range of
 * up to LN_COLS columns (softmax: all inner columns), so layer_norm_channels
 * on [1, C, T] uses every thread. Each column's result is independent of the
 * range it is computed in: the same bits for any thread count. */
enum { LN_COLS = 256 }; /* a multiple of every version's columns per pass (4 vectors) */

typedef struct norm_job {
    axis_split s;
    const float *x, *gamma, *beta;
    float *y, *stats;
    float eps;
    bool softmax;
    int64_t ranges; /* work items per outer index (set by norm_blocks) */
} norm_job;

static void norm_range(void *arg, int64_t begin, int64_t end, int tid)
{
    (void)tid;
    const norm_job *j = arg;
    int64_t block = j->s.n * j->s.inner;
    for (int64_t w = begin; w < end; w++) {
        int64_t o = w / j->ranges, c0 = (w % j->ranges) * LN_COLS;
        if (j->softmax) {
            vx_vsoftmax(j->x + o * block, j->y + o * block, j->s.n, j->s.inner);
        } else {
            int64_t cols = j->s.inner - c0 < LN_COLS ? j->s.inner - c0 : LN_COLS;
            vx_vlayer_norm(j->x + o * block + c0, j->y + o * block + c0, j->s.n, j->s.inner,
                           cols, j->gamma, j->beta, j->eps, j->stats + 2 * (o * j->s.inner + c0));
        }
    }
}

static void norm_blocks(norm_job j)
{
    j.ranges = j.softmax ? 1 : (j.s.inner + LN_COLS - 1) / LN_COLS;
    int64_t item = j.s.n * (j.softmax || j.s.inner < LN_COLS ? j.s.inner : LN_COLS);
    vx_parallel_for(j.s.outer * j.ranges, (1 << 15) / (item > 0 ? item : 1) + 1, norm_range, &j);
}

/* Gradient buffer of input t into *g (NULL when t is absent or takes no
 * gradient). False only when the buffer could not be allocated. */
static bool input_grad(vx_ctx *ctx, vx_tensor *t, float **g)
{
    *g = vx_grad_buf(ctx, t);
    return *g || !t || !t->requires_grad;
}

/* --- layer norm (shared by both layouts) ------------------------------------- */

/* ref: Ba et al. (2016), PyTorch layer_norm: over the C axis of [outer, C, inner],
 *   μ = (1/C) Σ_c x_c,  var = (1/C) Σ_c (x_c − μ)²  (biased),  rstd = 1/√(var + eps)
 *   x̂_c = (x_c − μ)·rstd,  y_c = x̂_c·γ_c + β_c  (γ = 1, β = 0 when absent)
 * Backward, with g_c = dy_c·γ_c:
 *   dx_c += rstd·(g_c − mean_c(g) − x̂_c·mean_c(g·x̂))
 *   dγ_c += Σ dy_c·x̂_c,  dβ_c += Σ dy_c  (summed over every outer, inner)
 * saved[0] holds (μ, rstd) per line, line = o·inner + i. */
static vx_status layer_norm_backward(vx_ctx *ctx, vx_node *node)
{
    vx_tensor *x = node->in[0], *gamma = node->in[1], *beta = node->in[2];
    float *gx, *gg, *gb;
    if (!input_grad(ctx, x, &gx) || !input_grad(ctx, gamma, &gg) || !input_grad(ctx, beta, &gb))
        return vx_last_status();
    axis_split s = {node->iarg[0], node->iarg[1], node->iarg[2]};
    const float *px = x->data, *pg = gamma ? gamma->data : NULL, *stats = node->saved[0]->data;
    const float *gy = node->out->grad->data;
    for (int64_t o = 0; o < s.outer; o++)
        for (int64_t i = 0; i < s.inner; i++) {
            int64_t line = o * s.inner + i, base = o * s.n * s.inner + i;
            double mu = stats[2 * line], rstd = stats[2 * line + 1];
            double sum_g = 0, sum_gx = 0;
            for (int64_t c = 0; c < s.n; c++) {
                int64_t k = base + c * s.inner;
                double xhat = (px[k] - mu) * rstd;
                double g = (double)gy[k] * (pg ? pg[c] : 1.0f);
                sum_g += g;
                sum_gx += g * xhat;
                if (gg)
                    gg[c] += (float)(gy[k] * xhat);
                if (gb)
                    gb[c] += gy[k];
            }
            if (!gx)
                continue;
            double mean_g = sum_g / (double)s.n, mean_gx = sum_gx / (double)s.n;
            for (int64_t c = 0; c < s.n; c++) {
                int64_t k = base + c * s.inner;
                double xhat = (px[k] - mu) * rstd;
                double g = (double)gy[k] * (pg ? pg[c] : 1.0f);
                gx[k] += (float)(rstd * (g - mean_g - xhat * mean_gx));
            }
        }
    return VX_OK;
}

/* Validate gamma or beta: f32 [C] or NULL; returns its contiguous form in *out. */
static vx_status affine_param(vx_ctx *ctx, const char *op, const char *what, vx_tensor *p,
                              int64_t channels, vx_tensor **out)
{
    *out = NULL;
    if (!p)
        return VX_OK;
    if (vx_require_f32(op, what, p))
        return VX_ERR_ARG;
    if (p->ndim != 1 || p->shape[0] != channels) {
        char buf[64];
        return vx_fail(VX_ERR_ARG, "%s: %s has shape %s but the normalised dim has %lld channels; "
                       "pass %s [%lld] or NULL", op, what, vx_shape_str(p, buf, sizeof buf),
                       (long long)channels, what, (long long)channels);
    }
    *out = vx_contiguous(ctx, p);
    return *out ? VX_OK : vx_last_status();
}

/* The reference forward of layer_norm_over: x [outer, n, inner] -> y, stats. */
static void layer_norm_forward_ref(axis_split s, const float *px, const float *pg,
                                   const float *pb, float eps, float *py, float *pstat)
{
    for (int64_t o = 0; o < s.outer; o++)
        for (int64_t i = 0; i < s.inner; i++) {
            int64_t line = o * s.inner + i, base = o * s.n * s.inner + i;
            double mu = 0, var = 0;
            for (int64_t c = 0; c < s.n; c++)
                mu += px[base + c * s.inner];
            mu /= (double)s.n;
            for (int64_t c = 0; c < s.n; c++) {
                double d = px[base + c * s.inner] - mu;
                var += d * d;
            }
            var /= (double)s.n;
            double rstd = 1.0 / sqrt(var + (double)eps);
            for (int64_t c = 0; c < s.n; c++) {
                int64_t k = base + c * s.inner;
                double y = (px[k] - mu) * rstd;
                py[k] = (float)(y * (pg ? pg[c] : 1.0f) + (pb ? pb[c] : 0.0f));
            }
            pstat[2 * line] = (float)mu;
            pstat[2 * line + 1] = (float)rstd;
        }
}

/* Layer norm of x over `axis`, for either op id. */
static vx_tensor *layer_norm_over(vx_ctx *ctx, vx_op_id op, vx_tensor *x, int axis,
                                  vx_tensor *gamma, vx_tensor *beta, float eps)
{
    const char *name = vx_op_table[op].name;
    if (!(eps >= 0) || isinf(eps))
        return vx_fail_null(VX_ERR_ARG, "%s: eps must be finite and >= 0, got %g", name, eps);
    if (x->shape[axis] == 0)
        return vx_fail_null(VX_ERR_ARG, "%s: the normalised dim %d is empty", name, axis);
    vx_tensor *in[3];
    if (affine_param(ctx, name, "gamma", gamma, x->shape[axis], &in[1]) ||
        affine_param(ctx, name, "beta", beta, x->shape[axis], &in[2]))
        return NULL;
    in[0] = vx_contiguous(ctx, x);
    VX_RETURN_IF_NULL(in[0]);
    vx_tensor *out = vx_new_like(ctx, in[0]);
    VX_RETURN_IF_NULL(out);
    axis_split s = axis_split_of(in[0], axis);
    vx_tensor *stats = vx_new(ctx, VX_F32, 2, (int64_t[]){s.outer * s.inner, 2});
    VX_RETURN_IF_NULL(stats);
    const float *px = in[0]->data;
    const float *pg = in[1] ? in[1]->data : NULL, *pb = in[2] ? in[2]->data : NULL;
    float *py = out->data, *pstat = stats->data;
    if (vx_reference(ctx))
        layer_norm_forward_ref(s, px, pg, pb, eps, py, pstat);
    else /* vector kernels: statistics in float, not double */
        norm_blocks((norm_job){s, px, pg, pb, py, pstat, eps, false, 0});
    if (vx_needs_grad(ctx, 3, in)) {
        vx_node *node = vx_record(ctx, op, out, 3, in, layer_norm_backward);
        VX_RETURN_IF_NULL(node);
        node->saved[0] = stats;
        node->iarg[0] = s.outer;
        node->iarg[1] = s.n;
        node->iarg[2] = s.inner;
    }
    return out;
}

/* x [..., C], gamma/beta [C] or NULL -> [..., C] */
vx_tensor *vx_layer_norm(vx_ctx *ctx, vx_tensor *x, vx_tensor *gamma, vx_tensor *beta, float eps)
{
    VX_RETURN_IF_NULL(x);
    if (vx_require_f32("layer_norm", "x", x))
        return NULL;
    if (x->ndim < 1)
        return vx_fail_null(VX_ERR_ARG, "layer_norm: x is a 0-d scalar; it needs a last dim to normalise");
    return layer_norm_over(ctx, VX_OP_LAYER_NORM, x, x->ndim - 1, gamma, beta, eps);
}

/* x [B, C, T], gamma/beta [C] or NULL -> [B, C, T], normalised over C at each (b, t) */
vx_tensor *vx_layer_norm_channels(vx_ctx *ctx, vx_tensor *x, vx_tensor *gamma, vx_tensor *beta,
                                  float eps)
{
    VX_RETURN_IF_NULL(x);
    if (vx_require_f32("layer_norm_channels", "x", x))
        return NULL;
    if (x->ndim != 3) {
        char buf[64];
        return vx_fail_null(VX_ERR_ARG, "layer_norm_channels: x must be [B, C, T], got %s",
                            vx_shape_str(x, buf, sizeof buf));
    }
    return layer_norm_over(ctx, VX_OP_LAYER_NORM_CHANNELS, x, 1, gamma, beta, eps);
}

/* --- softmax ----------------------------------------------------------------- */

/* x [outer, n, inner] -> y same shape: y_j = e^{x_j − m} / Σ_k e^{x_k − m},
 * m = max_k x_k (subtracting it keeps exp from overflowing).
 * dx_j += y_j·(dy_j − Σ_k dy_k·y_k). */
static vx_status softmax_backward(vx_ctx *ctx, vx_node *node)
{
    float *gx = vx_grad_buf(ctx, node->in[0]);
    if (!gx)
        return vx_last_status();
    axis_split s = axis_split_of(node->out, (int)node->iarg[0]);
    const float *py = node->out->data, *gy = node->out->grad->data;
    for (int64_t o = 0; o < s.outer; o++)
        for (int64_t i = 0; i < s.inner; i++) {
            int64_t base = o * s.n * s.inner + i;
            double dot = 0;
            for (int64_t j = 0; j < s.n; j++)
                dot += (double)gy[base + j * s.inner] * py[base + j * s.inner];
            for (int64_t j = 0; j < s.n; j++) {
                int64_t k = base + j * s.inner;
                gx[k] += (float)(py[k] * (gy[k] - dot));
            }
        }
    return VX_OK;
}

/* The reference forward of softmax: x [outer, n, inner] -> y. */
static void softmax_forward_ref(axis_split s, const float *px, float *py)
{
    for (int64_t o = 0; o < s.outer; o++)
        for (int64_t i = 0; i < s.inner; i++) {
            int64_t base = o * s.n * s.inner + i;
            float m = -INFINITY;
            for (int64_t j = 0; j < s.n; j++)
                m = fmaxf(m, px[base + j * s.inner]);
            double total = 0;
            for (int64_t j = 0; j < s.n; j++) {
                int64_t k = base + j * s.inner;
                py[k] = expf(px[k] - m);
                total += py[k];
            }
            for (int64_t j = 0; j < s.n; j++)
                py[base + j * s.inner] = (float)(py[base + j * s.inner] / total);
        }
}

vx_tensor *vx_softmax(vx_ctx *ctx, vx_tensor *x, int axis)
{
    VX_RETURN_IF_NULL(x);
    if (vx_require_f32("softmax", "input", x))
        return NULL;
    int a = vx_norm_axis(x, axis);
    if (a < 0)
        return vx_fail_null(VX_ERR_ARG, "softmax: axis %d is out of range for a rank-%d tensor (use %d..%d)",
                            axis, x->ndim, -x->ndim, x->ndim - 1);
    x = vx_contiguous(ctx, x);
    VX_RETURN_IF_NULL(x);
    vx_tensor *out = vx_new_like(ctx, x);
    VX_RETURN_IF_NULL(out);
    axis_split s = axis_split_of(x, a);
    const float *px = x->data;
    float *py = out->data;
    if (vx_reference(ctx))
        softmax_forward_ref(s, px, py);
    else
        norm_blocks((norm_job){s, px, NULL, NULL, py, NULL, 0, true, 0});
    if (vx_needs_grad(ctx, 1, &x)) {
        vx_node *node = vx_record(ctx, VX_OP_SOFTMAX, out, 1, &x, softmax_backward);
        VX_RETURN_IF_NULL(node);
        node->iarg[0] = a;
    }
    return out;
}

/* --- weight norm ------------------------------------------------------------- */

/* ref: Salimans & Kingma (2016): v [O, K...] viewed as [O, K], g [O]:
 *   n_o = ‖v_o‖ = √(Σ_k v_ok²),  w_ok = g_o·v_ok / n_o
 * Backward, with s_o = Σ_k dw_ok·v_ok:
 *   dg_o += s_o / n_o
 *   dv_ok += (g_o / n_o)·(dw_ok − v_ok·s_o / n_o²)
 * saved[0] holds n_o. */
static vx_status weight_norm_backward(vx_ctx *ctx, vx_node *node)
{
    vx_tensor *g = node->in[0], *v = node->in[1];
    float *gg, *gv;
    if (!input_grad(ctx, g, &gg) || !input_grad(ctx, v, &gv))
        return vx_last_status();
    int64_t rows = v->shape[0], cols = rows ? vx_numel(v) / rows : 0;
    const float *pg = g->data, *pv = v->data, *norms = node->saved[0]->data;
    const float *gw = node->out->grad->data;
    for (int64_t o = 0; o < rows; o++) {
        const float *vrow = pv + o * cols, *gwrow = gw + o * cols;
        double n = norms[o], dot = 0;
        for (int64_t k = 0; k < cols; k++)
            dot += (double)gwrow[k] * vrow[k];
        if (gg)
            gg[o] += (float)(dot / n);
        if (gv)
            for (int64_t k = 0; k < cols; k++)
                gv[o * cols + k] += (float)(pg[o] / n * (gwrow[k] - vrow[k] * dot / (n * n)));
    }
    return VX_OK;
}

/* True when g is [O] or [O, 1, ...] with v's rank. */
static bool weight_norm_g_fits(const vx_tensor *g, const vx_tensor *v)
{
    if (g->ndim < 1 || g->shape[0] != v->shape[0])
        return false;
    if (g->ndim == 1)
        return true;
    if (g->ndim != v->ndim)
        return false;
    for (int d = 1; d < g->ndim; d++)
        if (g->shape[d] != 1)
            return false;
    return true;
}

vx_tensor *vx_weight_norm(vx_ctx *ctx, vx_tensor *g, vx_tensor *v)
{
    VX_RETURN_IF_NULL(g);
    VX_RETURN_IF_NULL(v);
    if (vx_require_f32("weight_norm", "g", g) || vx_require_f32("weight_norm", "v", v))
        return NULL;
    if (v->ndim < 1)
        return vx_fail_null(VX_ERR_ARG, "weight_norm: v is a 0-d scalar; it needs an output dim 0");
    if (!weight_norm_g_fits(g, v)) {
        char bg[64], bv[64];
        return vx_fail_null(VX_ERR_ARG, "weight_norm: g has shape %s but v is %s; pass g as [%lld] "
                            "or [%lld, 1, ...] with v's rank", vx_shape_str(g, bg, sizeof bg),
                            vx_shape_str(v, bv, sizeof bv), (long long)v->shape[0],
                            (long long)v->shape[0]);
    }
    vx_tensor *in[2] = {vx_contiguous(ctx, g), vx_contiguous(ctx, v)};
    VX_RETURN_IF_NULL(in[0]);
    VX_RETURN_IF_NULL(in[1]);
    vx_tensor *out = vx_new_like(ctx, in[1]);
    VX_RETURN_IF_NULL(out);
    int64_t rows = v->shape[0], cols = rows ? vx_numel(v) / rows : 0;
    vx_tensor *norms = vx_new(ctx, VX_F32, 1, &rows);
    VX_RETURN_IF_NULL(norms);
    const float *pg = in[0]->data, *pv = in[1]->data;
    float *pw = out->data, *pn = norms->data;
    for (int64_t o = 0; o < rows; o++) {
        double sq = 0;
        for (int64_t k = 0; k < cols; k++)
            sq += (double)pv[o * cols + k] * pv[o * cols + k];
        double n = sqrt(sq);
        pn[o] = (float)n;
        for (int64_t k = 0; k < cols; k++)
            pw[o * cols + k] = (float)(pg[o] * pv[o * cols + k] / n);
    }
    if (vx_needs_grad(ctx, 2, in)) {
        vx_node *node = vx_record(ctx, VX_OP_WEIGHT_NORM, out, 2, in, weight_norm_backward);
        VX_RETURN_IF_NULL(node);
        node->saved[0] = norms;
    }
    return out;
}
