/* random.c — tensors of random numbers from the context RNG: randn, rand.
 *
 * Not differentiable. Values are drawn in row-major order from the context's
 * counter-based stream (core/rng.h), so they depend only on the seed and on
 * how many values were drawn before, never on threads or timing. */
#include "op_util.h"

/* [shape] ~ N(0, 1); advances the context RNG counter by 2 per element. */
vx_tensor *vx_randn(vx_ctx *ctx, int ndim, const int64_t *shape)
{
    vx_tensor *out = vx_new(ctx, VX_F32, ndim, shape);
    VX_RETURN_IF_NULL(out);
    vx_rng_normal(vx_ctx_rng(ctx), out->data, (size_t)vx_numel(out), 0.0f, 1.0f);
    return out;
}

/* [shape] ~ U[0, 1); advances the context RNG counter by 1 per element. */
vx_tensor *vx_rand(vx_ctx *ctx, int ndim, const int64_t *shape)
{
    vx_tensor *out = vx_new(ctx, VX_F32, ndim, shape);
    VX_RETURN_IF_NULL(out);
    vx_rng_uniform(vx_ctx_rng(ctx), out->data, (size_t)vx_numel(out), 0.0f, 1.0f);
    return out;
}
