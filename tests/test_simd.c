/* test_simd.c — every SIMD kernel against its scalar reference: the vector
 * math of core/kernels/vmath.h (ulp bounds over dense sweeps, special values,
 * tails of every length), the ops that use it, the GEMM's masked edges and
 * packers, and the conv lowering versions of core/kernels/conv_lab.h, plus
 * bit-identical results for any thread count. */
#include <stdlib.h>
#include <string.h>

#include "core/kernels/conv_lab.h"
#include "core/kernels/gemm.h"
#include "core/kernels/vmath.h"
#include "core/threads.h"
#include "test_util.h"

/* Tail lengths: every size up to 67 (covers 8- and 16-lane tails and the
 * four-accumulator reductions), then two long odd ones. */
static const int64_t tail_sizes[] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14,
                                     15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
                                     29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42,
                                     43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56,
                                     57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 1000, 4097};
enum { N_TAILS = sizeof tail_sizes / sizeof *tail_sizes };

static float *random_floats(uint64_t seed, int64_t n, float lo, float hi)
{
    float *p = malloc(sizeof(float) * (size_t)(n > 0 ? n : 1));
    vx_rng r;
    vx_rng_init(&r, seed);
    vx_rng_uniform(&r, p, (size_t)n, lo, hi);
    return p;
}

/* --- ulp error against double-precision libm ----------------------------------- */

static double truth(vx_vfunc f, float xf)
{
    double x = xf;
    switch (f) {
    case VX_VEXP: return exp(x);
    case VX_VLOG: return log(x);
    case VX_VTANH: return tanh(x);
    case VX_VSIGMOID: return 1.0 / (1.0 + exp(-x));
    case VX_VERF: return erf(x);
    case VX_VGELU: return 0.5 * x * erfc(-x / sqrt(2.0));
    default: return NAN;
    }
}

/* |y − t| in units of the float spacing at t (2^−149 in the subnormals). */
static double ulp_error(float y, double t)
{
    float tf = (float)t;
    if (isinf(tf))
        return y == tf ? 0 : INFINITY;
    int e;
    frexp(tf == 0 ? 1e-45 : tf, &e);
    double ulp = fmax(ldexp(1.0, e - 24), ldexp(1.0, -149));
    return fabs((double)y - t) / ulp;
}

typedef struct sweep {
    vx_vfunc f;
    double lo, hi;   /* range swept (geometric for log)         */
    double bound;    /* max ulp error asserted (stated in vmath.h) */
} sweep;

/* Ranges cover every regime: exp down into the subnormal results and up to
 * overflow, log over all positive floats, gelu's tail until it underflows. */
static const sweep sweeps[] = {
    {VX_VEXP, -104.0, 89.0, 1.0},    {VX_VLOG, 1e-45, 3.4e38, 1.5},
    {VX_VTANH, -12.0, 12.0, 2.5},    {VX_VSIGMOID, -104.0, 30.0, 2.5},
    {VX_VERF, -6.0, 6.0, 2.0},       {VX_VGELU, -14.0, 12.0, 4.5},
};
enum { N_SWEEPS = sizeof sweeps / sizeof *sweeps, SWEEP_POINTS = 1 << 20 };

/* Loop index: sweep × SIMD version (2, 3). Version 3 must also give the
 * same bits as version 2 (one algorithm, vmath_simd.h). */
START_TEST(vmath_activations_stay_within_their_ulp_bounds)
{
    const sweep *s = &sweeps[_i / 2];
    int impl = 2 + _i % 2;
    if (!vx_vmath_impl_supported(impl))
        return; /* this CPU lacks the instruction set */
    float *x = malloc(sizeof(float) * SWEEP_POINTS), *y = malloc(sizeof(float) * SWEEP_POINTS);
    for (int64_t i = 0; i < SWEEP_POINTS; i++) {
        double t = (double)i / (SWEEP_POINTS - 1);
        x[i] = s->f == VX_VLOG ? (float)exp(log(s->lo) + t * (log(s->hi) - log(s->lo)))
                               : (float)(s->lo + t * (s->hi - s->lo));
    }
    vx_vunary_impl(impl, s->f, x, y, SWEEP_POINTS, 0, 0);
    double worst = 0;
    float at = 0;
    for (int64_t i = 0; i < SWEEP_POINTS; i++) {
        double e = ulp_error(y[i], truth(s->f, x[i]));
        if (e > worst) {
            worst = e;
            at = x[i];
        }
    }
    ck_assert_msg(worst <= s->bound, "%s (version %d): %.2f ulp at x = %.9g, bound %.1f",
                  vx_vfunc_name(s->f), impl, worst, at, s->bound);
    if (impl == 3 && vx_vmath_impl_supported(2)) {
        float *y2 = malloc(sizeof(float) * SWEEP_POINTS);
        vx_vunary_impl(2, s->f, x, y2, SWEEP_POINTS, 0, 0);
        for (int64_t i = 0; i < SWEEP_POINTS; i++)
            ck_assert_msg(memcmp(&y[i], &y2[i], sizeof(float)) == 0,
                          "%s(%.9g): version 3 gives %.9g, version 2 %.9g", vx_vfunc_name(s->f),
                          x[i], y[i], y2[i]);
        free(y2);
    }
    free(x);
    free(y);
}
END_TEST

/* The special values stated in vmath.h, for every SIMD version. */
START_TEST(vmath_special_values_follow_the_stated_rules)
{
    const float inf = INFINITY, nan = NAN;
    struct { vx_vfunc f; float x, want; } cases[] = {
        {VX_VEXP, inf, inf},        {VX_VEXP, -inf, 0},        {VX_VEXP, 89.0f, inf},
        {VX_VEXP, 0, 1},            {VX_VLOG, 0, -inf},        {VX_VLOG, -0.0f, -inf},
        {VX_VLOG, inf, inf},        {VX_VLOG, 1, 0},           {VX_VLOG, 1e-45f, -103.27893f},
        {VX_VTANH, inf, 1},         {VX_VTANH, -inf, -1},      {VX_VTANH, 0, 0},
        {VX_VSIGMOID, inf, 1},      {VX_VSIGMOID, -inf, 0},    {VX_VSIGMOID, 0, 0.5f},
        {VX_VERF, inf, 1},          {VX_VERF, -inf, -1},       {VX_VERF, 0, 0},
        {VX_VGELU, inf, inf},       {VX_VGELU, -inf, -0.0f},   {VX_VGELU, 0, 0},
        {VX_VGELU, -0.0f, -0.0f},   {VX_VGELU, 15.5f, 15.5f},  {VX_VGELU, -15.5f, -0.0f},
        {VX_VGELU, 1e30f, 1e30f},   {VX_VGELU, -1e30f, -0.0f}, {VX_VGELU, 6.0f, 6.0f},
        {VX_VRELU, nan, 0},         {VX_VRELU, -0.0f, 0},
    };
    for (int impl = 2; impl <= 3; impl++) {
        if (!vx_vmath_impl_supported(impl))
            continue;
        for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
            float y;
            vx_vunary_impl(impl, cases[c].f, &cases[c].x, &y, 1, 0, 0);
            ck_assert_msg(y == cases[c].want || fabsf(y - cases[c].want) <= 1e-5f * fabsf(cases[c].want),
                          "%s(%g) = %g, want %g (version %d)", vx_vfunc_name(cases[c].f),
                          cases[c].x, y, cases[c].want, impl);
            ck_assert_msg(signbit(y) == signbit(cases[c].want), "%s(%g): sign of %g",
                          vx_vfunc_name(cases[c].f), cases[c].x, y);
        }
        /* NaN in, NaN out (every approximated function), and log of a negative */
        for (vx_vfunc f = VX_VEXP; f <= VX_VGELU; f++) {
            float y;
            vx_vunary_impl(impl, f, &nan, &y, 1, 0, 0);
            ck_assert_msg(isnan(y), "%s(NaN) = %g (version %d)", vx_vfunc_name(f), y, impl);
        }
        float neg = -1.0f, y;
        vx_vunary_impl(impl, VX_VLOG, &neg, &y, 1, 0, 0);
        ck_assert(isnan(y));
    }
}
END_TEST

/* --- tails: every length, against the reference ------------------------------- */

/* Close within the stated bound (relative, or absolute near 0), or identical
 * bits for the exact functions. */
static void assert_unary_matches(vx_vfunc f, const float *ref, const float *got, int64_t n,
                                 int impl)
{
    bool exact = f >= VX_VRELU;
    for (int64_t i = 0; i < n; i++) {
        if (exact)
            ck_assert_msg(memcmp(&ref[i], &got[i], sizeof(float)) == 0,
                          "%s n=%lld [%lld]: %.9g vs reference %.9g (version %d)", vx_vfunc_name(f),
                          (long long)n, (long long)i, got[i], ref[i], impl);
        else
            ck_assert_msg(fabsf(got[i] - ref[i]) <= 1e-6f * (1 + fabsf(ref[i])),
                          "%s n=%lld [%lld]: %.9g vs reference %.9g (version %d)", vx_vfunc_name(f),
                          (long long)n, (long long)i, got[i], ref[i], impl);
    }
}

/* Loop index: tail size. Every function, both versions, unaligned pointers,
 * and nothing written past n. */
START_TEST(vmath_unary_handles_every_tail_length)
{
    int64_t n = tail_sizes[_i];
    float *ref = malloc(sizeof(float) * (size_t)(n + 2)), *got = malloc(sizeof(float) * (size_t)(n + 2));
    for (vx_vfunc f = 0; f < VX_VFUNC_COUNT; f++) {
        bool positive = f == VX_VLOG || f == VX_VSQRT;
        float *x = random_floats(100 + (uint64_t)n, n + 1, positive ? 0.01f : -4, 4);
        const float *in = x + 1; /* unaligned */
        float p0 = f == VX_VCLAMP ? -1.5f : 0.3f, p1 = 2.0f;
        vx_vunary_impl(1, f, in, ref, n, p0, p1);
        for (int impl = 2; impl <= 3; impl++) {
            if (!vx_vmath_impl_supported(impl))
                continue;
            got[n] = got[n + 1] = 12345.0f;
            vx_vunary_impl(impl, f, in, got, n, p0, p1);
            assert_unary_matches(f, ref, got, n, impl);
            ck_assert_msg(got[n] == 12345.0f, "%s wrote past n = %lld", vx_vfunc_name(f), (long long)n);
        }
        free(x);
    }
    free(ref);
    free(got);
}
END_TEST

/* Loop index: tail size. Binary ops with each operand a vector or one
 * broadcast value: the same bits as the reference. */
START_TEST(vmath_binary_matches_reference_bit_for_bit)
{
    int64_t n = tail_sizes[_i];
    float *a = random_floats(7 + (uint64_t)n, n, -3, 3), *b = random_floats(9 + (uint64_t)n, n, 0.5f, 3);
    float *ref = malloc(sizeof(float) * (size_t)n), *got = malloc(sizeof(float) * (size_t)n);
    for (int op = VX_VADD; op <= VX_VDIV; op++)
        for (int strides = 0; strides < 3; strides++) {
            int64_t sa = strides == 1 ? 0 : 1, sb = strides == 2 ? 0 : 1;
            vx_vbinary_impl(1, op, a, sa, b, sb, ref, n);
            for (int impl = 2; impl <= 3; impl++) {
                if (!vx_vmath_impl_supported(impl))
                    continue;
                vx_vbinary_impl(impl, op, a, sa, b, sb, got, n);
                ck_assert_msg(memcmp(ref, got, sizeof(float) * (size_t)n) == 0,
                              "binary op %d strides %lld,%lld n=%lld differs (version %d)", op,
                              (long long)sa, (long long)sb, (long long)n, impl);
            }
        }
    free(a);
    free(b);
    free(ref);
    free(got);
}
END_TEST

/* Loop index: tail size. Sum and max (NaNs ignored by max, as fmaxf). */
START_TEST(vmath_reductions_match_reference)
{
    int64_t n = tail_sizes[_i];
    float *x = random_floats(11 + (uint64_t)n, n, -1, 1);
    if (n > 3)
        x[n / 2] = NAN;
    float ref_max = vx_vmax_impl(1, x, n);
    if (n > 3)
        x[n / 2] = 0.25f;
    float ref_sum = vx_vsum_impl(1, x, n);
    for (int impl = 2; impl <= 3; impl++) {
        if (!vx_vmath_impl_supported(impl))
            continue;
        ck_assert_close(vx_vsum_impl(impl, x, n), ref_sum, 1e-6 * (double)n);
        if (n > 3)
            x[n / 2] = NAN;
        ck_assert_float_eq(vx_vmax_impl(impl, x, n), ref_max);
        if (n > 3)
            x[n / 2] = 0.25f;
    }
    ck_assert(isinf(vx_vmax(x, 0)) && vx_vmax(x, 0) < 0);
    free(x);
}
END_TEST

/* Loop index: tail size as n; columns inner ∈ {1, 3, 17}. */
START_TEST(vmath_softmax_and_layer_norm_match_reference)
{
    int64_t n = tail_sizes[_i];
    const int64_t inners[] = {1, 3, 17};
    for (int c = 0; c < 3; c++) {
        int64_t inner = inners[c], total = n * inner;
        float *x = random_floats(13 + (uint64_t)total, total, -5, 5);
        float *g = random_floats(17, n, 0.5f, 1.5f), *b = random_floats(19, n, -1, 1);
        float *ref = malloc(sizeof(float) * (size_t)total), *got = malloc(sizeof(float) * (size_t)total);
        float *sref = malloc(sizeof(float) * (size_t)(2 * inner)), *sgot = malloc(sizeof(float) * (size_t)(2 * inner));
        for (int impl = 2; impl <= 3; impl++) {
            if (!vx_vmath_impl_supported(impl))
                continue;
            vx_vsoftmax_impl(1, x, ref, n, inner);
            vx_vsoftmax_impl(impl, x, got, n, inner);
            for (int64_t i = 0; i < total; i++)
                ck_assert_msg(fabsf(got[i] - ref[i]) <= 1e-6f + 1e-5f * ref[i],
                              "softmax n=%lld inner=%lld [%lld]: %g vs %g", (long long)n,
                              (long long)inner, (long long)i, got[i], ref[i]);
            vx_vlayer_norm_impl(1, x, ref, n, inner, inner, g, b, 1e-5f, sref);
            vx_vlayer_norm_impl(impl, x, got, n, inner, inner, g, b, 1e-5f, sgot);
            for (int64_t i = 0; i < total; i++)
                ck_assert_msg(fabsf(got[i] - ref[i]) <= 2e-5f * (1 + fabsf(ref[i])),
                              "layer_norm n=%lld inner=%lld [%lld]: %g vs %g", (long long)n,
                              (long long)inner, (long long)i, got[i], ref[i]);
            for (int64_t i = 0; i < 2 * inner; i++)
                ck_assert_msg(fabsf(sgot[i] - sref[i]) <= 2e-5f * (1 + fabsf(sref[i])),
                              "layer_norm stats [%lld]: %g vs %g", (long long)i, sgot[i], sref[i]);
        }
        free(x);
        free(g);
        free(b);
        free(ref);
        free(got);
        free(sref);
        free(sgot);
    }
}
END_TEST

/* Layer norm of x [n, 150] column range by column range (0, 1, 37, 64 and
 * 48 columns, the one-column range on the strided path) gives the same bits
 * as one call over all 150, in every version. */
START_TEST(vmath_layer_norm_column_ranges_give_the_same_bits)
{
    enum { N = 23, INNER = 150 };
    const int64_t cuts[] = {0, 0, 1, 38, 102, INNER};
    float *x = random_floats(29, N * INNER, -5, 5), *g = random_floats(17, N, 0.5f, 1.5f),
          *b = random_floats(19, N, -1, 1);
    float whole[N * INNER], parts[N * INNER], swhole[2 * INNER], sparts[2 * INNER];
    for (int impl = 1; impl <= 3; impl++) {
        if (!vx_vmath_impl_supported(impl))
            continue;
        vx_vlayer_norm_impl(impl, x, whole, N, INNER, INNER, g, b, 1e-5f, swhole);
        for (size_t r = 0; r + 1 < sizeof cuts / sizeof *cuts; r++)
            vx_vlayer_norm_impl(impl, x + cuts[r], parts + cuts[r], N, INNER, cuts[r + 1] - cuts[r],
                                g, b, 1e-5f, sparts + 2 * cuts[r]);
        ck_assert_msg(memcmp(whole, parts, sizeof whole) == 0, "version %d: y differs", impl);
        ck_assert_msg(memcmp(swhole, sparts, sizeof swhole) == 0, "version %d: stats differ", impl);
    }
    free(x);
    free(g);
    free(b);
}
END_TEST

/* A NaN or +inf poisons its softmax column in both versions. */
START_TEST(vmath_softmax_propagates_nan_and_inf_like_the_reference)
{
    float x[6] = {1, 2, NAN, 4, 5, INFINITY}, y[6];
    vx_vsoftmax(x, y, 3, 1);
    for (int i = 0; i < 3; i++)
        ck_assert(isnan(y[i]));
    vx_vsoftmax(x + 3, y + 3, 3, 1);
    for (int i = 3; i < 6; i++)
        ck_assert(isnan(y[i]));
}
END_TEST

/* --- the ops: fast path against reference mode ---------------------------------- */

/* y of op on x [3, 5, 67] (odd inner dim: tails) in one mode. */
static float *run_op(bool reference, vx_tensor *(*fn)(vx_ctx *, vx_tensor **), int n_in,
                     const int64_t shapes[][4], const int *ndims, int64_t *n_out)
{
    vx_ctx *ctx = test_ctx();
    vx_set_reference(ctx, reference);
    vx_tensor *in[3];
    for (int i = 0; i < n_in; i++) {
        in[i] = vx_new(ctx, VX_F32, ndims[i], shapes[i]);
        vx_rng r;
        vx_rng_init(&r, 31 + (uint64_t)i);
        vx_rng_uniform(&r, in[i]->data, (size_t)vx_numel(in[i]), 0.1f, 3);
    }
    vx_tensor *y = fn(ctx, in);
    ck_assert_msg(y != NULL, "%s", vx_last_error());
    *n_out = vx_numel(y);
    float *out = malloc(sizeof(float) * (size_t)*n_out);
    vx_copy_to_f32(y, out);
    vx_ctx_free(ctx);
    return out;
}

static vx_tensor *op_add(vx_ctx *c, vx_tensor **in) { return vx_add(c, in[0], in[1]); }
static vx_tensor *op_mul(vx_ctx *c, vx_tensor **in) { return vx_mul(c, in[0], in[1]); }
static vx_tensor *op_sub(vx_ctx *c, vx_tensor **in) { return vx_sub(c, in[0], in[1]); }
static vx_tensor *op_div(vx_ctx *c, vx_tensor **in) { return vx_div(c, in[0], in[1]); }
static vx_tensor *op_clamp(vx_ctx *c, vx_tensor **in) { return vx_clamp(c, in[0], 0.5f, 2.0f); }
static vx_tensor *op_leaky(vx_ctx *c, vx_tensor **in) { return vx_leaky_relu(c, vx_add_scalar(c, in[0], -1.5f), 0.1f); }
static vx_tensor *op_tanh(vx_ctx *c, vx_tensor **in) { return vx_tanh(c, in[0]); }
static vx_tensor *op_gelu(vx_ctx *c, vx_tensor **in) { return vx_gelu(c, vx_scale(c, in[0], -1.0f)); }
static vx_tensor *op_softmax_last(vx_ctx *c, vx_tensor **in) { return vx_softmax(c, in[0], -1); }
static vx_tensor *op_softmax_mid(vx_ctx *c, vx_tensor **in) { return vx_softmax(c, in[0], 1); }
static vx_tensor *op_ln(vx_ctx *c, vx_tensor **in) { return vx_layer_norm(c, in[0], NULL, NULL, 1e-5f); }
static vx_tensor *op_ln_channels(vx_ctx *c, vx_tensor **in) { return vx_layer_norm_channels(c, in[0], NULL, NULL, 1e-5f); }

typedef struct op_case {
    const char *name;
    vx_tensor *(*fn)(vx_ctx *, vx_tensor **);
    int n_in;
    int64_t shapes[2][4];
    int ndims[2];
    bool exact;
} op_case;

/* Broadcast patterns of the models: same shape, a mask [B, 1, T], a bias
 * [C, 1], a scalar, and a row too short for vectors (the walk). */
static const op_case op_cases[] = {
    {"add same shape", op_add, 2, {{3, 5, 67}, {3, 5, 67}}, {3, 3}, true},
    {"mul by mask [B,1,T]", op_mul, 2, {{3, 5, 67}, {3, 1, 67}}, {3, 3}, true},
    {"sub bias [C,1]", op_sub, 2, {{3, 5, 67}, {5, 1}}, {3, 2}, true},
    {"div by scalar", op_div, 2, {{3, 5, 67}, {1}}, {3, 1}, true},
    {"add short rows", op_add, 2, {{4, 9, 3}, {9, 1}}, {3, 2}, true},
    {"clamp", op_clamp, 1, {{3, 5, 67}}, {3}, true},
    {"leaky_relu", op_leaky, 1, {{3, 5, 67}}, {3}, true},
    {"tanh", op_tanh, 1, {{3, 5, 67}}, {3}, false},
    {"gelu", op_gelu, 1, {{3, 5, 67}}, {3}, false},
    {"softmax last dim", op_softmax_last, 1, {{3, 5, 67}}, {3}, false},
    {"softmax middle dim", op_softmax_mid, 1, {{3, 5, 67}}, {3}, false},
    {"layer_norm", op_ln, 1, {{3, 5, 67}}, {3}, false},
    {"layer_norm_channels", op_ln_channels, 1, {{3, 5, 67}}, {3}, false},
    {"layer_norm_channels, T in column ranges", op_ln_channels, 1, {{2, 5, 600}}, {3}, false},
};
enum { N_OP_CASES = sizeof op_cases / sizeof *op_cases };

START_TEST(elementwise_and_norm_fast_paths_match_reference_mode)
{
    const op_case *c = &op_cases[_i];
    int64_t n1, n2;
    float *fast = run_op(false, c->fn, c->n_in, c->shapes, c->ndims, &n1);
    float *ref = run_op(true, c->fn, c->n_in, c->shapes, c->ndims, &n2);
    ck_assert_int_eq(n1, n2);
    for (int64_t i = 0; i < n1; i++)
        ck_assert_msg(c->exact ? memcmp(&fast[i], &ref[i], sizeof(float)) == 0
                               : fabsf(fast[i] - ref[i]) <= 2e-5f * (1 + fabsf(ref[i])),
                      "%s [%lld]: fast %.9g vs reference %.9g", c->name, (long long)i, fast[i], ref[i]);
    free(fast);
    free(ref);
}
END_TEST

/* --- GEMM: masked edges and packers -------------------------------------------- */

/* Every M and N tail of both micro-kernels (AVX2 6×16, AVX-512 12×32), in all
 * four transpose combinations, against the oracle. */
START_TEST(gemm_masked_edges_cover_every_tail)
{
    int64_t mn = tail_sizes[_i], k = 1 + _i % 7 * 37;
    for (int impl = 3; impl <= 4; impl++) {
        if (!vx_sgemm_impl_supported(impl))
            continue;
        for (int t = 0; t < 4; t++) {
            bool ta = t & 1, tb = t & 2;
            int64_t M = mn, N = 67 - mn;
            float *a = random_floats(41, M * k, -1, 1), *b = random_floats(43, k * N, -1, 1);
            float *c0 = random_floats(47, M * N, -1, 1), *c1 = malloc(sizeof(float) * (size_t)(M * N));
            memcpy(c1, c0, sizeof(float) * (size_t)(M * N));
            vx_sgemm_impl(1, ta, tb, M, N, k, 0.5f, a, ta ? M : k, b, tb ? k : N, 1.0f, c0, N);
            vx_sgemm_impl(impl, ta, tb, M, N, k, 0.5f, a, ta ? M : k, b, tb ? k : N, 1.0f, c1, N);
            for (int64_t i = 0; i < M * N; i++)
                ck_assert_msg(fabsf(c0[i] - c1[i]) <= 1e-5f * (float)k,
                              "impl %d %lldx%lldx%lld ta=%d tb=%d [%lld]: %g vs %g", impl,
                              (long long)M, (long long)N, (long long)k, ta, tb, (long long)i, c1[i], c0[i]);
            free(a);
            free(b);
            free(c0);
            free(c1);
        }
    }
}
END_TEST

/* --- conv lowering versions ------------------------------------------------------- */

typedef struct conv_case {
    bool transposed;
    int64_t B, Cin, Cout, T, K;
    int stride, pad, dilation, groups, output_padding;
} conv_case;

/* The decoders' shapes in small (upsampling k = 2·stride, dilated
 * resblocks, 1×1, depthwise DDSConv), and the awkward ones: K not a multiple
 * of the stride, dilation in a transposed conv, output padding, groups,
 * padding ≥ stride, a strided depthwise conv. */
static const conv_case conv_cases[] = {
    {true, 1, 16, 8, 21, 16, 8, 4, 1, 1, 0},  {true, 2, 12, 6, 19, 4, 2, 1, 1, 1, 0},
    {true, 1, 8, 5, 33, 8, 4, 2, 1, 1, 1},    {true, 1, 9, 12, 17, 5, 3, 2, 1, 3, 2},
    {true, 1, 10, 7, 13, 3, 1, 1, 2, 1, 0},   {true, 2, 6, 9, 11, 7, 2, 5, 2, 1, 1},
    {true, 1, 8, 4, 9, 3, 4, 0, 1, 2, 0},     {true, 1, 16, 16, 600, 16, 8, 4, 1, 1, 0},
    {true, 1, 8, 19, 45, 4, 2, 1, 1, 1, 0},   {true, 1, 6, 9, 50, 8, 4, 2, 1, 1, 0},
    {false, 1, 16, 24, 37, 3, 1, 1, 1, 1, 0}, {false, 2, 8, 16, 50, 5, 2, 2, 1, 1, 0},
    {false, 1, 12, 12, 41, 3, 1, 3, 3, 1, 0}, {false, 2, 16, 32, 29, 7, 1, 3, 1, 2, 0},
    {false, 1, 32, 8, 64, 1, 1, 0, 1, 1, 0},  {false, 1, 9, 18, 300, 11, 1, 25, 5, 1, 0},
    {false, 1, 24, 24, 33, 3, 3, 0, 2, 3, 0}, {false, 1, 6, 10, 17, 4, 2, 3, 1, 1, 0},
    {false, 1, 12, 12, 77, 3, 1, 9, 9, 12, 0}, {false, 2, 8, 8, 40, 5, 1, 2, 1, 8, 0},
    {false, 1, 6, 6, 30, 3, 2, 1, 1, 6, 0},
};
enum { N_CONV = sizeof conv_cases / sizeof *conv_cases };

/* Output and input/weight/bias gradients of one conv in the given lab
 * version (1 = reference mode), into one malloc'd array. */
static float *run_conv(const conv_case *c, int impl, int threads, int64_t *n)
{
    vx_conv_set_impl(impl);
    vx_threads_set(threads);
    vx_ctx *ctx = test_ctx();
    vx_set_reference(ctx, impl == 1);
    int64_t wshape[3] = {c->transposed ? c->Cin : c->Cout,
                         c->transposed ? c->Cout / c->groups : c->Cin / c->groups, c->K};
    vx_tensor *x = vx_param(ctx, "x", VX_F32, 3, (int64_t[]){c->B, c->Cin, c->T}, true);
    vx_tensor *w = vx_param(ctx, "w", VX_F32, 3, wshape, true);
    vx_tensor *b = vx_param(ctx, "b", VX_F32, 1, (int64_t[]){c->Cout}, true);
    vx_rng r;
    vx_rng_init(&r, 5);
    vx_rng_uniform(&r, x->data, (size_t)vx_numel(x), -1, 1);
    vx_rng_uniform(&r, w->data, (size_t)vx_numel(w), -1, 1);
    vx_rng_uniform(&r, b->data, (size_t)vx_numel(b), -1, 1);
    vx_tensor *y = c->transposed ? vx_conv_transpose1d(ctx, x, w, b, c->stride, c->pad,
                                                      c->output_padding, c->groups, c->dilation)
                                 : vx_conv1d(ctx, x, w, b, c->stride, c->pad, c->dilation, c->groups);
    ck_assert_msg(y != NULL, "%s", vx_last_error());
    int64_t ny = vx_numel(y), nx = vx_numel(x), nw = vx_numel(w), nb = vx_numel(b);
    float *seed = random_floats(3, ny, -1, 1);
    ck_assert_int_eq(vx_backward_from(ctx, y, seed), VX_OK);
    *n = ny + nx + nw + nb;
    float *all = malloc(sizeof(float) * (size_t)*n);
    vx_copy_to_f32(y, all);
    vx_copy_to_f32(x->grad, all + ny);
    vx_copy_to_f32(w->grad, all + ny + nx);
    vx_copy_to_f32(b->grad, all + ny + nx + nw);
    free(seed);
    vx_ctx_free(ctx);
    vx_conv_set_impl(0);
    vx_threads_set(0);
    return all;
}

/* Loop index: case × version (2, 3): forward and all gradients against the
 * reference loops. */
START_TEST(conv_lowering_versions_match_reference)
{
    const conv_case *c = &conv_cases[_i / 2];
    int impl = 2 + _i % 2;
    int64_t n1, n2;
    float *ref = run_conv(c, 1, 1, &n1), *got = run_conv(c, impl, 1, &n2);
    ck_assert_int_eq(n1, n2);
    double tol = 1e-5 * (double)(c->Cin * c->K + c->T) / 8;
    for (int64_t i = 0; i < n1; i++)
        ck_assert_msg(fabs(got[i] - ref[i]) <= tol * (1 + fabs(ref[i])),
                      "%s case %d version %d [%lld]: %.7g vs reference %.7g",
                      c->transposed ? "conv_transpose1d" : "conv1d", _i / 2, impl, (long long)i,
                      got[i], ref[i]);
    free(ref);
    free(got);
}
END_TEST

/* Same bits for 1, 2 and 3 threads in every version. */
START_TEST(conv_lowering_is_bit_identical_for_any_thread_count)
{
    const conv_case *c = &conv_cases[_i / 2];
    int impl = 2 + _i % 2;
    int64_t n1, n2, n3;
    float *one = run_conv(c, impl, 1, &n1), *two = run_conv(c, impl, 2, &n2),
          *three = run_conv(c, impl, 3, &n3);
    ck_assert(n1 == n2 && n1 == n3);
    ck_assert_mem_eq(one, two, sizeof(float) * (size_t)n1);
    ck_assert_mem_eq(one, three, sizeof(float) * (size_t)n1);
    free(one);
    free(two);
    free(three);
}
END_TEST

START_TEST(conv_lab_versions_are_named)
{
    for (int impl = 0; impl <= 3; impl++) {
        ck_assert(vx_conv_impl_valid(impl));
        ck_assert_str_ne(vx_conv_impl_name(impl), "unknown version");
    }
    ck_assert(!vx_conv_impl_valid(4));
    for (int impl = 0; impl <= 3; impl++)
        ck_assert_ptr_nonnull(vx_vmath_impl_name(impl));
}
END_TEST

/* layer_norm_channels on [B, C, T] with T split across threads (T = 1000
 * and 2 batches: ranges of 256 columns and a short last one), and layer_norm
 * over the last dim: the same bits for 1, 2 and 3 threads. */
START_TEST(layer_norm_is_bit_identical_for_any_thread_count)
{
    const int64_t shapes[][3] = {{1, 192, 1000}, {2, 37, 1000}, {1, 300, 192}};
    for (int k = 0; k < 3; k++) {
        float *y[3] = {NULL, NULL, NULL};
        int64_t n = shapes[k][0] * shapes[k][1] * shapes[k][2];
        for (int threads = 1; threads <= 3; threads++) {
            vx_ctx *ctx = test_ctx();
            vx_tensor *x = vx_new(ctx, VX_F32, 3, shapes[k]);
            vx_rng r;
            vx_rng_init(&r, 37);
            vx_rng_uniform(&r, x->data, (size_t)n, -3, 3);
            vx_threads_set(threads);
            vx_tensor *out = k < 2 ? vx_layer_norm_channels(ctx, x, NULL, NULL, 1e-5f)
                                   : vx_layer_norm(ctx, x, NULL, NULL, 1e-5f);
            vx_threads_set(0);
            ck_assert_msg(out != NULL, "%s", vx_last_error());
            y[threads - 1] = malloc(sizeof(float) * (size_t)n);
            vx_copy_to_f32(out, y[threads - 1]);
            vx_ctx_free(ctx);
        }
        for (int t = 1; t < 3; t++)
            ck_assert_msg(memcmp(y[0], y[t], sizeof(float) * (size_t)n) == 0,
                          "shape %d: %d threads differ from 1", k, t + 1);
        for (int t = 0; t < 3; t++)
            free(y[t]);
    }
}
END_TEST

/* Elementwise results over the thread pool: same bits for 1 and 2 threads. */
START_TEST(vmath_threaded_arrays_are_bit_identical)
{
    int64_t n = 300001;
    float *x = random_floats(23, n, -3, 3), *y1 = malloc(sizeof(float) * (size_t)n),
          *y2 = malloc(sizeof(float) * (size_t)n);
    vx_threads_set(1);
    vx_vunary(VX_VGELU, x, y1, n, 0, 0);
    vx_threads_set(2);
    vx_vunary(VX_VGELU, x, y2, n, 0, 0);
    vx_threads_set(0);
    ck_assert_mem_eq(y1, y2, sizeof(float) * (size_t)n);
    free(x);
    free(y1);
    free(y2);
}
END_TEST

Suite *suite_simd(void)
{
    Suite *s = suite_create("simd");
    TCase *tc = tcase_create("vmath");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, vmath_activations_stay_within_their_ulp_bounds, 0, 2 * N_SWEEPS);
    tcase_add_test(tc, vmath_special_values_follow_the_stated_rules);
    tcase_add_loop_test(tc, vmath_unary_handles_every_tail_length, 0, N_TAILS);
    tcase_add_loop_test(tc, vmath_binary_matches_reference_bit_for_bit, 0, N_TAILS);
    tcase_add_loop_test(tc, vmath_reductions_match_reference, 0, N_TAILS);
    tcase_add_loop_test(tc, vmath_softmax_and_layer_norm_match_reference, 0, N_TAILS);
    tcase_add_test(tc, vmath_softmax_propagates_nan_and_inf_like_the_reference);
    tcase_add_test(tc, vmath_layer_norm_column_ranges_give_the_same_bits);
    tcase_add_test(tc, layer_norm_is_bit_identical_for_any_thread_count);
    tcase_add_test(tc, vmath_threaded_arrays_are_bit_identical);
    tcase_add_loop_test(tc, elementwise_and_norm_fast_paths_match_reference_mode, 0, N_OP_CASES);
    suite_add_tcase(s, tc);
    TCase *lower = tcase_create("lowering");
    tcase_set_timeout(lower, 120);
    tcase_add_loop_test(lower, gemm_masked_edges_cover_every_tail, 0, 40);
    tcase_add_loop_test(lower, conv_lowering_versions_match_reference, 0, 2 * N_CONV);
    tcase_add_loop_test(lower, conv_lowering_is_bit_identical_for_any_thread_count, 0, 2 * N_CONV);
    tcase_add_test(lower, conv_lab_versions_are_named);
    suite_add_tcase(s, lower);
    return s;
}
