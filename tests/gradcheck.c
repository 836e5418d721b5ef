/* gradcheck.c — the finite-difference harness behind gradcheck.h. */
#include "gradcheck.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define GC_SEED 20261125u
#define GC_STEP 1e-2

static void init_leaf(vx_rng *rng, vx_tensor *t, gc_init kind)
{
    int64_t n = vx_numel(t);
    float *p = t->data;
    for (int64_t i = 0; i < n; i++) {
        float u[3];
        vx_rng_uniform(rng, u, 3, 0, 1);
        float sign = u[1] < 0.5f ? -1.f : 1.f;
        switch (kind) {
        case GC_NORMAL: vx_rng_normal(rng, &p[i], 1, 0, 1); break;
        case GC_POSITIVE: p[i] = 0.5f + 1.5f * u[0]; break;
        case GC_AWAY: p[i] = sign * (0.1f + 0.9f * u[0]); break;
        case GC_CLAMP_SAFE:
            p[i] = sign * (u[2] < 0.3f ? 0.1f + 0.15f * u[0] : 0.35f + 0.65f * u[0]);
            break;
        }
    }
}

/* One forward pass with a fresh arena and RNG; returns Σ R·out in double. */
static double objective(vx_ctx *ctx, const gc_case *c, vx_tensor **leaves, const float *r,
                        int64_t n_out, bool *ok)
{
    vx_ctx_reset(ctx);
    vx_rng_init(vx_ctx_rng(ctx), GC_SEED);
    vx_tensor *out = c->fn(ctx, leaves);
    if (!out || vx_numel(out) != n_out) {
        *ok = false;
        return 0;
    }
    double sum = 0;
    for (int64_t i = 0; i < n_out; i++)
        sum += (double)r[i] * (double)vx_get_f(out, i);
    return sum;
}

gc_result gc_run(const gc_case *c)
{
    gc_result res = {.ok = false};
    vx_ctx *ctx = vx_ctx_new((vx_ctx_opts){.arena_chunk_bytes = 1 << 20, .seed = GC_SEED});
    vx_rng init_rng;
    vx_rng_init(&init_rng, GC_SEED + 1);
    vx_tensor *leaves[4] = {0};
    for (int i = 0; i < c->n_in; i++) {
        leaves[i] = vx_param(ctx, NULL, VX_F32, c->in[i].ndim, c->in[i].shape, true);
        init_leaf(&init_rng, leaves[i], c->in[i].init);
    }

    /* analytic pass */
    vx_rng_init(vx_ctx_rng(ctx), GC_SEED);
    vx_tensor *out = c->fn(ctx, leaves);
    if (!out) {
        snprintf(res.msg, sizeof res.msg, "forward failed: %s", vx_last_error());
        goto done;
    }
    int64_t n_out = vx_numel(out);
    float r[4096];
    if (n_out > 4096) {
        snprintf(res.msg, sizeof res.msg, "output too large for a gradient check (%lld)", (long long)n_out);
        goto done;
    }
    vx_rng_normal(&init_rng, r, (size_t)n_out, 0, 1);
    if (vx_backward_from(ctx, out, r) != VX_OK) {
        snprintf(res.msg, sizeof res.msg, "backward failed: %s", vx_last_error());
        goto done;
    }
    float analytic[4][4096];
    for (int i = 0; i < c->n_in; i++) {
        int64_t n = vx_numel(leaves[i]);
        if (n > 4096 || !leaves[i]->grad) {
            snprintf(res.msg, sizeof res.msg, "input %d: %s", i,
                     leaves[i]->grad ? "too large" : "no gradient reached it");
            goto done;
        }
        memcpy(analytic[i], leaves[i]->grad->data, (size_t)n * sizeof(float));
    }

    /* numeric pass: central differences, objective accumulated in double */
    bool was = vx_set_grad_enabled(ctx, false);
    double tol = c->tol > 0 ? c->tol : 2e-2;
    res.ok = true;
    for (int i = 0; i < c->n_in && res.ok; i++) {
        float *p = leaves[i]->data;
        for (int64_t k = 0; k < vx_numel(leaves[i]); k++) {
            bool ok = true;
            float saved = p[k];
            p[k] = saved + (float)GC_STEP;
            double hi = objective(ctx, c, leaves, r, n_out, &ok);
            p[k] = saved - (float)GC_STEP;
            double lo = objective(ctx, c, leaves, r, n_out, &ok);
            p[k] = saved;
            double h = ((double)(saved + (float)GC_STEP) - (double)(saved - (float)GC_STEP));
            double numeric = (hi - lo) / h;
            double a = analytic[i][k];
            double scale = fmax(1.0, fmax(fabs(numeric), fabs(a)));
            double err = fabs(numeric - a) / scale;
            if (err > res.max_err)
                res.max_err = err;
            if (!ok || err > tol || isnan(err)) {
                res.ok = false;
                snprintf(res.msg, sizeof res.msg,
                         "input %d element %lld: autograd %.6g vs finite difference %.6g (err %.3g > %.3g)%s",
                         i, (long long)k, a, numeric, err, tol, ok ? "" : " [forward failed]");
                break;
            }
        }
    }
    vx_set_grad_enabled(ctx, was);
done:
    vx_ctx_free(ctx);
    return res;
}
