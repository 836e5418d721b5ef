/* test_ops_elementwise.c — forward values and gradient checks for views,
 * broadcasting binary ops, scalar ops and unary activations. */
#include <math.h>

#include "gradcheck.h"
#include "test_util.h"

/* --- gradient-check cases -------------------------------------------------- */

static vx_tensor *f_add(vx_ctx *c, vx_tensor **in) { return vx_add(c, in[0], in[1]); }
static vx_tensor *f_sub(vx_ctx *c, vx_tensor **in) { return vx_sub(c, in[0], in[1]); }
static vx_tensor *f_mul(vx_ctx *c, vx_tensor **in) { return vx_mul(c, in[0], in[1]); }
static vx_tensor *f_div(vx_ctx *c, vx_tensor **in) { return vx_div(c, in[0], in[1]); }
/* non-contiguous operand: transpose [5,3] -> [3,5] before multiplying */
static vx_tensor *f_mul_t(vx_ctx *c, vx_tensor **in) { return vx_mul(c, vx_transpose(c, in[0], 0, 1), in[1]); }
static vx_tensor *f_scale(vx_ctx *c, vx_tensor **in) { return vx_scale(c, in[0], -1.7f); }
static vx_tensor *f_adds(vx_ctx *c, vx_tensor **in) { return vx_mul(c, vx_add_scalar(c, in[0], 0.3f), in[0]); }
static vx_tensor *f_relu(vx_ctx *c, vx_tensor **in) { return vx_relu(c, in[0]); }
static vx_tensor *f_lrelu(vx_ctx *c, vx_tensor **in) { return vx_leaky_relu(c, in[0], 0.1f); }
static vx_tensor *f_gelu(vx_ctx *c, vx_tensor **in) { return vx_gelu(c, in[0]); }
static vx_tensor *f_tanh(vx_ctx *c, vx_tensor **in) { return vx_tanh(c, in[0]); }
static vx_tensor *f_sigm(vx_ctx *c, vx_tensor **in) { return vx_sigmoid(c, in[0]); }
static vx_tensor *f_exp(vx_ctx *c, vx_tensor **in) { return vx_exp(c, in[0]); }
static vx_tensor *f_log(vx_ctx *c, vx_tensor **in) { return vx_log(c, in[0]); }
static vx_tensor *f_softplus(vx_ctx *c, vx_tensor **in) { return vx_softplus(c, vx_scale(c, in[0], 4)); }
static vx_tensor *f_sqrt(vx_ctx *c, vx_tensor **in) { return vx_sqrt(c, in[0]); }
static vx_tensor *f_abs(vx_ctx *c, vx_tensor **in) { return vx_abs(c, in[0]); }
static vx_tensor *f_square(vx_ctx *c, vx_tensor **in) { return vx_square(c, in[0]); }
static vx_tensor *f_clamp(vx_ctx *c, vx_tensor **in) { return vx_clamp(c, in[0], -0.3f, 0.3f); }
/* unary on a strided view: slice every other column */
static vx_tensor *f_tanh_view(vx_ctx *c, vx_tensor **in) { return vx_tanh(c, vx_slice(c, in[0], 1, 1, 7, 2)); }

static vx_tensor *f_reshape(vx_ctx *c, vx_tensor **in)
{
    return vx_mul(c, vx_reshape(c, in[0], 2, (int64_t[]){-1, 6}), in[1]);
}
/* reshape of a non-contiguous view copies through `contiguous` */
static vx_tensor *f_contig(vx_ctx *c, vx_tensor **in)
{
    return vx_square(c, vx_contiguous(c, vx_transpose(c, in[0], 0, 2)));
}
static vx_tensor *f_reshape_view(vx_ctx *c, vx_tensor **in)
{
    return vx_square(c, vx_reshape(c, vx_permute(c, in[0], (int[]){2, 0, 1}), 2, (int64_t[]){5, 6}));
}
static vx_tensor *f_permute(vx_ctx *c, vx_tensor **in)
{
    return vx_mul(c, vx_permute(c, in[0], (int[]){1, 2, 0}), in[1]);
}
static vx_tensor *f_slice(vx_ctx *c, vx_tensor **in)
{
    vx_tensor *a = vx_slice(c, in[0], -1, 1, 6, 2); /* [3, 3] */
    return vx_add(c, vx_square(c, a), vx_slice(c, in[0], 1, 0, 3, 1));
}
static vx_tensor *f_expand(vx_ctx *c, vx_tensor **in)
{
    return vx_mul(c, vx_expand(c, in[0], 3, (int64_t[]){2, 4, 3}), in[1]);
}

const gc_case gc_cases_elementwise[] = {
    {"add", "broadcast [2,3,1] + [4]", f_add, 2, {{3, {2, 3, 1}}, {1, {4}}}},
    {"add", "same shape [3,5]", f_add, 2, {{2, {3, 5}}, {2, {3, 5}}}},
    {"sub", "broadcast [3,1] - [1,5]", f_sub, 2, {{2, {3, 1}}, {2, {1, 5}}}},
    {"mul", "broadcast [2,1,3,4] * [3,1]", f_mul, 2, {{4, {2, 1, 3, 4}}, {2, {3, 1}}}},
    {"mul", "transposed view [5,3]ᵀ * [3,5]", f_mul_t, 2, {{2, {5, 3}}, {2, {3, 5}}}},
    {"div", "broadcast [3,4] / [4]", f_div, 2, {{2, {3, 4}}, {1, {4}, GC_POSITIVE}}},
    {"scale", "[7] * -1.7", f_scale, 1, {{1, {7}}}},
    {"add_scalar", "(x + 0.3) * x", f_adds, 1, {{2, {3, 3}}}},
    {"relu", "[2,9] away from 0", f_relu, 1, {{2, {2, 9}, GC_AWAY}}},
    {"leaky_relu", "slope 0.1", f_lrelu, 1, {{2, {3, 5}, GC_AWAY}}},
    {"gelu", "exact erf", f_gelu, 1, {{2, {4, 5}}}},
    {"tanh", "[11]", f_tanh, 1, {{1, {11}}}},
    {"tanh", "strided slice view", f_tanh_view, 1, {{2, {3, 8}}}},
    {"sigmoid", "[3,4]", f_sigm, 1, {{2, {3, 4}}}},
    {"exp", "[5]", f_exp, 1, {{1, {5}}}},
    {"log", "positive [6]", f_log, 1, {{1, {6}, GC_POSITIVE}}},
    {"softplus", "large |x| stays stable", f_softplus, 1, {{1, {9}}}},
    {"sqrt", "positive [6]", f_sqrt, 1, {{1, {6}, GC_POSITIVE}}},
    {"abs", "away from 0", f_abs, 1, {{1, {8}, GC_AWAY}}},
    {"square", "[2,3,2]", f_square, 1, {{3, {2, 3, 2}}}},
    {"clamp", "[-0.3, 0.3], both sides", f_clamp, 1, {{1, {16}, GC_CLAMP_SAFE}}},
    {"reshape", "[3,4] -> [2,6]", f_reshape, 2, {{2, {3, 4}}, {2, {2, 6}}}},
    {"reshape", "of a permuted view", f_reshape_view, 1, {{3, {2, 3, 5}}}},
    {"contiguous", "of a transposed view", f_contig, 1, {{3, {2, 3, 4}}}},
    {"permute", "[2,3,4] -> [3,4,2]", f_permute, 2, {{3, {2, 3, 4}}, {3, {3, 4, 2}}}},
    {"slice", "step 2 and a row range", f_slice, 1, {{2, {3, 7}}}},
    {"expand", "[4,1] -> [2,4,3]", f_expand, 2, {{2, {4, 1}}, {3, {2, 4, 3}}}},
    {0},
};

/* --- forward values -------------------------------------------------------- */

START_TEST(add_broadcasts_numpy_style)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *a = vx_from_f32(ctx, 2, (int64_t[]){2, 1}, (float[]){1, 2});
    vx_tensor *b = vx_from_f32(ctx, 1, (int64_t[]){3}, (float[]){10, 20, 30});
    vx_tensor *y = vx_add(ctx, a, b);
    ck_assert_int_eq(y->ndim, 2);
    ck_assert_int_eq(y->shape[0], 2);
    ck_assert_int_eq(y->shape[1], 3);
    float want[6] = {11, 21, 31, 12, 22, 32};
    for (int i = 0; i < 6; i++)
        ck_assert_float_eq(vx_get_f(y, i), want[i]);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(incompatible_shapes_fail_with_message)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *a = vx_new(ctx, VX_F32, 1, (int64_t[]){3});
    vx_tensor *b = vx_new(ctx, VX_F32, 1, (int64_t[]){4});
    ck_assert_fails(vx_mul(ctx, a, b));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "broadcast"));
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(null_input_propagates_without_new_error)
{
    vx_ctx *ctx = test_ctx();
    vx_fail(VX_ERR_ARG, "original");
    ck_assert_ptr_null(vx_tanh(ctx, vx_add(ctx, NULL, NULL)));
    ck_assert_str_eq(vx_last_error(), "original");
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(integer_input_to_float_op_is_an_error)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *i = vx_new(ctx, VX_I32, 1, (int64_t[]){3});
    ck_assert_fails(vx_exp(ctx, i));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "f32"));
    vx_ctx_free(ctx);
}
END_TEST

/* Reference values printed by Python's math module, e.g.
 * python3 -c "import math; print(0.5*0.75*(1+math.erf(0.75/math.sqrt(2))))" */
START_TEST(activations_match_reference_values)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = vx_from_f32(ctx, 1, (int64_t[]){4}, (float[]){-2.0f, -0.5f, 0.75f, 30.0f});
    struct { vx_tensor *y; double want[4]; } rows[] = {
        {vx_gelu(ctx, x), {-0.04550026389635842, -0.15426876936299344, 0.5800294857173488, 30.0}},
        {vx_tanh(ctx, x), {-0.9640275800758169, -0.46211715726000974, 0.6351489523872873, 1.0}},
        {vx_sigmoid(ctx, x), {0.11920292202211755, 0.3775406687981454, 0.679178699175393, 1.0}},
        {vx_softplus(ctx, x), {0.1269280110429725, 0.4740769841801067, 1.1368710061148999, 30.0}},
        {vx_leaky_relu(ctx, x, 0.01f), {-0.02, -0.005, 0.75, 30.0}},
    };
    for (size_t r = 0; r < sizeof rows / sizeof *rows; r++)
        for (int i = 0; i < 4; i++)
            ck_assert_close(vx_get_f(rows[r].y, i), rows[r].want[i], 2e-6 * fmax(1, fabs(rows[r].want[i])));
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(views_share_data_without_copying)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = vx_from_f32(ctx, 2, (int64_t[]){2, 3}, (float[]){0, 1, 2, 3, 4, 5});
    vx_tensor *t = vx_transpose(ctx, x, 0, 1);
    ck_assert_ptr_eq(t->data, x->data);
    ck_assert(!vx_is_contiguous(t));
    ck_assert_float_eq(vx_get_f(t, 1), 3); /* t[0,1] = x[1,0] */
    vx_tensor *s = vx_slice(ctx, x, 1, 1, 3, 1);
    ck_assert_ptr_eq(s->data, (float *)x->data + 1);
    ck_assert_float_eq(vx_get_f(s, 2), 4);
    vx_tensor *e = vx_expand(ctx, vx_slice(ctx, x, 0, 0, 1, 1), 2, (int64_t[]){4, 3});
    ck_assert_int_eq(e->stride[0], 0);
    ck_assert_float_eq(vx_get_f(e, 10), 1);
    vx_tensor *c = vx_contiguous(ctx, t);
    ck_assert(vx_is_contiguous(c));
    ck_assert_float_eq(vx_get_f(c, 1), 3);
    ck_assert_ptr_eq(vx_contiguous(ctx, x), x);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(bad_views_fail_with_messages)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = vx_new(ctx, VX_F32, 2, (int64_t[]){2, 3});
    ck_assert_fails(vx_reshape(ctx, x, 2, (int64_t[]){4, 2}));
    ck_assert_fails(vx_reshape(ctx, x, 2, (int64_t[]){-1, -1}));
    ck_assert_fails(vx_permute(ctx, x, (int[]){0, 0}));
    ck_assert_fails(vx_slice(ctx, x, 2, 0, 1, 1));
    ck_assert_fails(vx_slice(ctx, x, 1, 2, 1, 1));
    ck_assert_fails(vx_slice(ctx, x, 1, 0, 3, 0));
    ck_assert_fails(vx_expand(ctx, x, 2, (int64_t[]){4, 3}));
    ck_assert_fails(vx_transpose(ctx, x, 0, 5));
    ck_assert_fails(vx_clamp(ctx, x, 1, -1));
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(cast_round_trips_through_storage_types)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = vx_from_f32(ctx, 1, (int64_t[]){4}, (float[]){1.5f, -2.25f, 300.7f, -1000.f});
    vx_tensor *h = vx_cast(ctx, vx_cast(ctx, x, VX_F16), VX_F32);
    vx_tensor *i8 = vx_cast(ctx, x, VX_I8);
    ck_assert_float_eq(vx_get_f(h, 0), 1.5f);
    ck_assert_float_eq(vx_get_f(h, 1), -2.25f);
    ck_assert_close(vx_get_f(h, 2), 300.75, 1e-6);
    ck_assert_int_eq(((int8_t *)i8->data)[2], 127);  /* saturates */
    ck_assert_int_eq(((int8_t *)i8->data)[3], -128);
    vx_tensor *c = vx_ceil(ctx, x);
    ck_assert_float_eq(vx_get_f(c, 1), -2.0f);
    vx_ctx_free(ctx);
}
END_TEST

Suite *suite_ops_elementwise(void)
{
    Suite *s = suite_create("ops_elementwise");
    TCase *tc = tcase_create("forward");
    tcase_add_test(tc, add_broadcasts_numpy_style);
    tcase_add_test(tc, incompatible_shapes_fail_with_message);
    tcase_add_test(tc, null_input_propagates_without_new_error);
    tcase_add_test(tc, integer_input_to_float_op_is_an_error);
    tcase_add_test(tc, activations_match_reference_values);
    tcase_add_test(tc, views_share_data_without_copying);
    tcase_add_test(tc, bad_views_fail_with_messages);
    tcase_add_test(tc, cast_round_trips_through_storage_types);
    suite_add_tcase(s, tc);
    return s;
}
