/* test_conv_overwrite.c — the conv fast paths write their output into
 * memory that is not zero-filled (vx_empty) and fold the bias in: every
 * output must be written, with or without a bias. The arena is dirtied with
 * NaNs first, so an output the fast path skipped shows up as NaN. Compared
 * with the scalar reference kernels (vx_set_reference), for conv lab
 * versions 2 (im2col / col2im) and 3 (fused / polyphase). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/kernels/conv_lab.h"
#include "test_util.h"

/* conv_transpose1d and conv1d shapes; strides 2, 4, 8 take the AVX-512
 * interleave, 3 the scalar one; output_padding, groups, batch 2 and
 * padding that clips the first and last phase rows. */
typedef struct overwrite_case {
    bool transposed;
    int64_t B, Cin, Cout, T, K;
    int stride, pad, out_pad, groups;
} overwrite_case;

static const overwrite_case cases[] = {
    {true, 1, 16, 32, 70, 8, 4, 2, 0, 1},  {true, 2, 32, 16, 45, 4, 2, 1, 1, 1},
    {true, 1, 16, 24, 33, 16, 8, 4, 0, 2}, {true, 2, 12, 18, 21, 6, 3, 1, 2, 3},
    {true, 1, 8, 40, 50, 4, 2, 0, 0, 1},   {false, 2, 16, 24, 37, 3, 1, 1, 0, 1},
    {false, 1, 32, 16, 64, 1, 1, 0, 0, 1}, {false, 1, 12, 12, 40, 5, 2, 2, 0, 3},
};
enum { N_CASES = sizeof cases / sizeof *cases };

/* The op's output for case c, bias or not, in fast or reference mode, after
 * the arena was filled with NaNs. Returns a malloc'd copy; *n its length. */
static float *run(const overwrite_case *c, bool with_bias, bool reference, int64_t *n)
{
    vx_ctx *ctx = test_ctx();
    vx_set_reference(ctx, reference);
    vx_set_grad_enabled(ctx, false);
    for (int piece = 0; piece < 16; piece++) { /* 4 MiB of arena, chunk by chunk */
        vx_tensor *dirt = vx_empty(ctx, VX_F32, 1, (int64_t[]){1 << 16});
        ck_assert_ptr_nonnull(dirt);
        for (int64_t i = 0; i < vx_numel(dirt); i++)
            ((float *)dirt->data)[i] = NAN;
    }
    vx_ctx_reset(ctx);
    vx_rng r;
    vx_rng_init(&r, 991 + (uint64_t)c->T);
    int64_t ws[3] = {c->transposed ? c->Cin : c->Cout, c->transposed ? c->Cout / c->groups : c->Cin / c->groups, c->K};
    vx_tensor *x = vx_param(ctx, "x", VX_F32, 3, (int64_t[]){c->B, c->Cin, c->T}, false);
    vx_tensor *w = vx_param(ctx, "w", VX_F32, 3, ws, false);
    vx_tensor *b = vx_param(ctx, "b", VX_F32, 1, (int64_t[]){c->Cout}, false);
    vx_rng_uniform(&r, x->data, (size_t)vx_numel(x), -1, 1);
    vx_rng_uniform(&r, w->data, (size_t)vx_numel(w), -1, 1);
    vx_rng_uniform(&r, b->data, (size_t)vx_numel(b), -1, 1);
    vx_tensor *y = c->transposed
                       ? vx_conv_transpose1d(ctx, x, w, with_bias ? b : NULL, c->stride, c->pad,
                                             c->out_pad, c->groups, 1)
                       : vx_conv1d(ctx, x, w, with_bias ? b : NULL, c->stride, c->pad, 1, c->groups);
    ck_assert_msg(y != NULL, "%s", vx_last_error());
    *n = vx_numel(y);
    float *out = malloc(sizeof(float) * (size_t)*n);
    memcpy(out, y->data, sizeof(float) * (size_t)*n);
    vx_ctx_free(ctx);
    return out;
}

/* Loop index: lab version (2, 3) × case × bias or not. */
START_TEST(conv_fast_paths_write_every_output_with_or_without_bias)
{
    int version = 2 + _i / (2 * N_CASES);
    const overwrite_case *c = &cases[_i % (2 * N_CASES) / 2];
    bool with_bias = _i % 2;
    int64_t n_fast, n_ref;
    vx_conv_set_impl(version);
    float *fast = run(c, with_bias, false, &n_fast);
    vx_conv_set_impl(0);
    float *ref = run(c, with_bias, true, &n_ref);
    ck_assert_int_eq(n_fast, n_ref);
    double tol = 1e-5 * (double)(c->Cin * c->K) / 8;
    for (int64_t i = 0; i < n_fast; i++)
        ck_assert_msg(fabs(fast[i] - ref[i]) <= tol * (1 + fabs(ref[i])),
                      "version %d case %d bias %d: y[%lld] fast %g vs reference %g", version,
                      (int)(c - cases), with_bias, (long long)i, fast[i], ref[i]);
    free(fast);
    free(ref);
}
END_TEST

Suite *suite_conv_overwrite(void)
{
    Suite *s = suite_create("conv_overwrite");
    TCase *tc = tcase_create("outputs");
    tcase_add_loop_test(tc, conv_fast_paths_write_every_output_with_or_without_bias, 0, 4 * N_CASES);
    suite_add_tcase(s, tc);
    return s;
}
