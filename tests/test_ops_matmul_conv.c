/* test_ops_matmul_conv.c — matmul, linear, conv1d and conv_transpose1d:
 * gradient checks, forward values and gradients against PyTorch (fixture
 * tests/data/ops_matmul_conv.txt from tests/ref/ops_matmul_conv.py), shape
 * rules, strided views, the conv/transposed-conv adjoint identity, and
 * argument errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"
#include "test_util.h"

/* --- gradient-check cases -------------------------------------------------- */

static vx_tensor *f_matmul(vx_ctx *c, vx_tensor **in) { return vx_matmul(c, in[0], in[1]); }
/* a given as [2,4,3], used through its transposed view [2,3,4] */
static vx_tensor *f_matmul_ta(vx_ctx *c, vx_tensor **in)
{
    return vx_matmul(c, vx_transpose(c, in[0], 1, 2), in[1]);
}
/* b [4,2] expanded (stride 0) to [2,4,2] */
static vx_tensor *f_matmul_eb(vx_ctx *c, vx_tensor **in)
{
    return vx_matmul(c, in[0], vx_expand(c, in[1], 3, (int64_t[]){2, 4, 2}));
}
static vx_tensor *f_linear(vx_ctx *c, vx_tensor **in) { return vx_linear(c, in[0], in[1], in[2]); }
static vx_tensor *f_linear_nb(vx_ctx *c, vx_tensor **in) { return vx_linear(c, in[0], in[1], NULL); }
/* x given as [4,3], used through its transposed view [3,4] */
static vx_tensor *f_linear_tx(vx_ctx *c, vx_tensor **in)
{
    return vx_linear(c, vx_transpose(c, in[0], 0, 1), in[1], in[2]);
}

static vx_tensor *f_conv_s2p1(vx_ctx *c, vx_tensor **in) { return vx_conv1d(c, in[0], in[1], in[2], 2, 1, 1, 1); }
static vx_tensor *f_conv_d3(vx_ctx *c, vx_tensor **in) { return vx_conv1d(c, in[0], in[1], in[2], 1, 2, 3, 1); }
static vx_tensor *f_conv_g2(vx_ctx *c, vx_tensor **in) { return vx_conv1d(c, in[0], in[1], in[2], 1, 1, 1, 2); }
static vx_tensor *f_conv_dw(vx_ctx *c, vx_tensor **in) { return vx_conv1d(c, in[0], in[1], in[2], 1, 1, 1, 3); }
static vx_tensor *f_conv_1x1(vx_ctx *c, vx_tensor **in) { return vx_conv1d(c, in[0], in[1], in[2], 1, 0, 1, 1); }
static vx_tensor *f_conv_nb(vx_ctx *c, vx_tensor **in) { return vx_conv1d(c, in[0], in[1], NULL, 3, 2, 1, 1); }
/* x given as [B,T,C] = [1,6,2], convolved through its transposed view [1,2,6] */
static vx_tensor *f_conv_tx(vx_ctx *c, vx_tensor **in)
{
    return vx_conv1d(c, vx_transpose(c, in[0], 1, 2), in[1], in[2], 1, 1, 1, 1);
}

static vx_tensor *f_convt_s2p1(vx_ctx *c, vx_tensor **in) { return vx_conv_transpose1d(c, in[0], in[1], in[2], 2, 1, 0, 1, 1); }
static vx_tensor *f_convt_s4p2(vx_ctx *c, vx_tensor **in) { return vx_conv_transpose1d(c, in[0], in[1], in[2], 4, 2, 0, 1, 1); }
static vx_tensor *f_convt_op1(vx_ctx *c, vx_tensor **in) { return vx_conv_transpose1d(c, in[0], in[1], in[2], 2, 1, 1, 1, 1); }
static vx_tensor *f_convt_g2(vx_ctx *c, vx_tensor **in) { return vx_conv_transpose1d(c, in[0], in[1], in[2], 2, 0, 0, 2, 1); }
static vx_tensor *f_convt_d2(vx_ctx *c, vx_tensor **in) { return vx_conv_transpose1d(c, in[0], in[1], NULL, 1, 1, 1, 1, 2); }

const gc_case gc_cases_matmul_conv[] = {
    {"matmul", "[3,4] @ [4,5]", f_matmul, 2, {{2, {3, 4}}, {2, {4, 5}}}},
    {"matmul", "batched [2,3,4] @ [2,4,2]", f_matmul, 2, {{3, {2, 3, 4}}, {3, {2, 4, 2}}}},
    {"matmul", "broadcast batch [2,1,3,4] @ [3,4,2]", f_matmul, 2, {{4, {2, 1, 3, 4}}, {3, {3, 4, 2}}}},
    {"matmul", "transposed view a: [2,4,3]ᵀ @ [4,5]", f_matmul_ta, 2, {{3, {2, 4, 3}}, {2, {4, 5}}}},
    {"matmul", "expanded view b: [2,3,4] @ [4,2]->[2,4,2]", f_matmul_eb, 2, {{3, {2, 3, 4}}, {2, {4, 2}}}},
    {"linear", "[3,4] with bias", f_linear, 3, {{2, {3, 4}}, {2, {5, 4}}, {1, {5}}}},
    {"linear", "3-D [2,3,4] without bias", f_linear_nb, 2, {{3, {2, 3, 4}}, {2, {3, 4}}}},
    {"linear", "transposed view x [4,3]ᵀ", f_linear_tx, 3, {{2, {4, 3}}, {2, {2, 4}}, {1, {2}}}},
    {"linear", "1-D x [4]", f_linear, 3, {{1, {4}}, {2, {3, 4}}, {1, {3}}}},
    {"conv1d", "stride 2, padding 1", f_conv_s2p1, 3, {{3, {2, 2, 9}}, {3, {3, 2, 3}}, {1, {3}}}},
    {"conv1d", "dilation 3, padding 2", f_conv_d3, 3, {{3, {1, 2, 12}}, {3, {2, 2, 3}}, {1, {2}}}},
    {"conv1d", "groups 2", f_conv_g2, 3, {{3, {1, 4, 7}}, {3, {6, 2, 3}}, {1, {6}}}},
    {"conv1d", "depthwise groups = C = 3", f_conv_dw, 3, {{3, {1, 3, 8}}, {3, {3, 1, 3}}, {1, {3}}}},
    {"conv1d", "1x1 kernel", f_conv_1x1, 3, {{3, {2, 3, 5}}, {3, {4, 3, 1}}, {1, {4}}}},
    {"conv1d", "no bias, stride 3, padding 2", f_conv_nb, 2, {{3, {1, 2, 10}}, {3, {2, 2, 4}}}},
    {"conv1d", "transposed view x [1,6,2]ᵀ", f_conv_tx, 3, {{3, {1, 6, 2}}, {3, {2, 2, 3}}, {1, {2}}}},
    {"conv_transpose1d", "stride 2, padding 1", f_convt_s2p1, 3, {{3, {2, 2, 5}}, {3, {2, 3, 4}}, {1, {3}}}},
    {"conv_transpose1d", "stride 4, padding 2", f_convt_s4p2, 3, {{3, {1, 2, 4}}, {3, {2, 2, 8}}, {1, {2}}}},
    {"conv_transpose1d", "stride 2, output_padding 1", f_convt_op1, 3, {{3, {1, 3, 4}}, {3, {3, 2, 3}}, {1, {2}}}},
    {"conv_transpose1d", "groups 2, stride 2", f_convt_g2, 3, {{3, {1, 4, 5}}, {3, {4, 2, 3}}, {1, {4}}}},
    {"conv_transpose1d", "dilation 2, output_padding 1, no bias", f_convt_d2, 2, {{3, {1, 2, 5}}, {3, {2, 2, 3}}}},
    {0},
};

/* --- the PyTorch fixture ---------------------------------------------------- */

#define FIXTURE "tests/data/ops_matmul_conv.txt"
#define FX_MAX_TENSORS 10

/* One configuration of the fixture: op, hyperparameters and named tensors. */
typedef struct fx_case {
    char op[32];
    int stride, pad, dilation, groups, output_padding;
    int n;
    char name[FX_MAX_TENSORS][8];
    vx_tensor *t[FX_MAX_TENSORS];
} fx_case;

/* "NAME ndim d0 .. d(ndim-1)" plus the line of values after it -> arena tensor. */
static void fx_read_tensor(vx_ctx *ctx, fx_case *fc, const char *header, const char *values)
{
    ck_assert_int_lt(fc->n, FX_MAX_TENSORS);
    int ndim, used;
    ck_assert_int_eq(sscanf(header, "%7s %d%n", fc->name[fc->n], &ndim, &used), 2);
    ck_assert(ndim >= 0 && ndim <= VX_MAX_DIMS);
    int64_t shape[VX_MAX_DIMS] = {0};
    const char *p = header + used;
    for (int i = 0; i < ndim; i++) {
        char *end;
        shape[i] = strtoll(p, &end, 10);
        ck_assert_msg(end != p, "fixture: bad shape line '%s'", header);
        p = end;
    }
    vx_tensor *t = vx_new(ctx, VX_F32, ndim, shape);
    ck_assert_ptr_nonnull(t);
    float *v = t->data;
    p = values;
    for (int64_t i = 0; i < vx_numel(t); i++) {
        char *end;
        v[i] = strtof(p, &end);
        ck_assert_msg(end != p, "fixture: tensor %s has fewer values than its shape", fc->name[fc->n]);
        p = end;
    }
    fc->t[fc->n++] = t;
}

/* Load configuration `want` from the fixture into arena tensors of ctx. */
static void fx_load(vx_ctx *ctx, const char *want, fx_case *fc)
{
    memset(fc, 0, sizeof *fc);
    FILE *f = fopen(FIXTURE, "r");
    ck_assert_msg(f, "cannot open %s (run the tests from the repository root)", FIXTURE);
    char *line = NULL, *values = NULL;
    size_t cap = 0, vcap = 0;
    bool in_case = false, found = false;
    while (!found && getline(&line, &cap, f) > 0) {
        if (line[0] == '#')
            continue;
        if (strncmp(line, "case ", 5) == 0) {
            char name[64];
            ck_assert_int_eq(sscanf(line, "case %63s %31s %d %d %d %d %d", name, fc->op, &fc->stride,
                                    &fc->pad, &fc->dilation, &fc->groups, &fc->output_padding),
                             7);
            in_case = strcmp(name, want) == 0;
        } else if (strncmp(line, "end", 3) == 0) {
            found = in_case;
        } else if (in_case) {
            ck_assert_msg(getline(&values, &vcap, f) > 0, "fixture: %s ends early", want);
            fx_read_tensor(ctx, fc, line, values);
        }
    }
    free(line);
    free(values);
    fclose(f);
    ck_assert_msg(found, "fixture %s has no case '%s' (rerun tests/ref/ops_matmul_conv.py)", FIXTURE,
                  want);
}

/* The tensor called `name`, or NULL when the case has none (e.g. no bias). */
static vx_tensor *fx_get(const fx_case *fc, const char *name)
{
    for (int i = 0; i < fc->n; i++)
        if (strcmp(fc->name[i], name) == 0)
            return fc->t[i];
    return NULL;
}

/* A persistent leaf that requires grad, holding a copy of t; NULL for NULL. */
static vx_tensor *leaf_copy(vx_ctx *ctx, const vx_tensor *t)
{
    if (!t)
        return NULL;
    vx_tensor *p = vx_param(ctx, NULL, VX_F32, t->ndim, t->shape, true);
    ck_assert_ptr_nonnull(p);
    memcpy(p->data, t->data, (size_t)vx_numel(t) * sizeof(float));
    return p;
}

/* Run the fixture case's op on in[0..2] (x/a, w/b, bias). */
static vx_tensor *fx_apply(vx_ctx *ctx, const fx_case *fc, vx_tensor *const *in)
{
    if (strcmp(fc->op, "conv1d") == 0)
        return vx_conv1d(ctx, in[0], in[1], in[2], fc->stride, fc->pad, fc->dilation, fc->groups);
    if (strcmp(fc->op, "conv_transpose1d") == 0)
        return vx_conv_transpose1d(ctx, in[0], in[1], in[2], fc->stride, fc->pad,
                                   fc->output_padding, fc->groups, fc->dilation);
    if (strcmp(fc->op, "matmul") == 0)
        return vx_matmul(ctx, in[0], in[1]);
    ck_assert_str_eq(fc->op, "linear");
    return vx_linear(ctx, in[0], in[1], in[2]);
}

/* Every element of got within 2e-5·(1 + |want|) of want (f32 accumulation of
 * a few dozen products against PyTorch's float64 result). */
static void expect_close_to(const char *what, const vx_tensor *got, const vx_tensor *want)
{
    ck_assert_msg(got, "%s: missing (%s)", what, vx_last_error());
    ck_assert_msg(want, "%s: missing from the fixture", what);
    char sg[64], sw[64];
    ck_assert_msg(vx_same_shape(got, want), "%s: shape %s, PyTorch %s", what,
                  vx_shape_str(got, sg, 64), vx_shape_str(want, sw, 64));
    for (int64_t i = 0; i < vx_numel(want); i++) {
        double g = vx_get_f(got, i), w = vx_get_f(want, i);
        ck_assert_msg(fabs(g - w) <= 2e-5 * (1 + fabs(w)), "%s[%lld] = %.9g, PyTorch %.9g", what,
                      (long long)i, g, w);
    }
}

/* Forward output and every input gradient of fixture case `name` against PyTorch. */
static void check_against_pytorch(const char *name)
{
    static const char *const matmul_inputs[3] = {"a", "b", NULL};
    static const char *const other_inputs[3] = {"x", "w", "bias"};
    vx_ctx *ctx = test_ctx();
    fx_case fc;
    fx_load(ctx, name, &fc);
    const char *const *inputs = strcmp(fc.op, "matmul") == 0 ? matmul_inputs : other_inputs;
    vx_tensor *leaves[3] = {0};
    for (int i = 0; i < 3; i++)
        leaves[i] = inputs[i] ? leaf_copy(ctx, fx_get(&fc, inputs[i])) : NULL;
    vx_tensor *y = fx_apply(ctx, &fc, leaves);
    expect_close_to("y", y, fx_get(&fc, "y"));
    vx_tensor *dy = fx_get(&fc, "dy");
    ck_assert_ptr_nonnull(dy);
    ck_assert_int_eq(vx_backward_from(ctx, y, dy->data), VX_OK);
    for (int i = 0; i < 3; i++) {
        if (!leaves[i])
            continue;
        char gname[16];
        snprintf(gname, sizeof gname, "d%s", inputs[i]);
        expect_close_to(gname, leaves[i]->grad, fx_get(&fc, gname));
    }
    vx_ctx_free(ctx);
}

START_TEST(conv1d_matches_pytorch_with_stride_and_padding)
{
    check_against_pytorch("conv1d_stride2_pad1");
}
END_TEST

START_TEST(conv1d_matches_pytorch_with_dilation_and_groups)
{
    check_against_pytorch("conv1d_dilation3_groups2");
}
END_TEST

START_TEST(conv1d_matches_pytorch_depthwise_with_stride_3)
{
    check_against_pytorch("conv1d_depthwise_stride3");
}
END_TEST

START_TEST(conv1d_matches_pytorch_without_bias)
{
    check_against_pytorch("conv1d_groups2_dilation2_no_bias");
}
END_TEST

START_TEST(conv_transpose1d_matches_pytorch_with_stride_and_padding)
{
    check_against_pytorch("conv_transpose1d_stride2_pad1");
}
END_TEST

START_TEST(conv_transpose1d_matches_pytorch_with_output_padding_and_groups)
{
    check_against_pytorch("conv_transpose1d_stride4_outpad1_groups2");
}
END_TEST

START_TEST(conv_transpose1d_matches_pytorch_with_dilation_without_bias)
{
    check_against_pytorch("conv_transpose1d_dilation2_outpad1_no_bias");
}
END_TEST

START_TEST(conv_transpose1d_matches_pytorch_with_stride_3_dilation_2_groups_3)
{
    check_against_pytorch("conv_transpose1d_stride3_dilation2_groups3");
}
END_TEST

START_TEST(matmul_matches_pytorch_with_broadcast_batch)
{
    check_against_pytorch("matmul_broadcast_batch");
}
END_TEST

START_TEST(matmul_matches_pytorch_2d)
{
    check_against_pytorch("matmul_2d");
}
END_TEST

START_TEST(linear_matches_pytorch_with_3d_input)
{
    check_against_pytorch("linear_3d_input");
}
END_TEST

START_TEST(linear_matches_pytorch_without_bias)
{
    check_against_pytorch("linear_no_bias");
}
END_TEST

/* y = conv(x) + conv(x): each gradient must be twice PyTorch's for one conv,
 * so backward has to add into the buffers, not overwrite them. */
START_TEST(conv1d_backward_accumulates_into_existing_gradients)
{
    vx_ctx *ctx = test_ctx();
    fx_case fc;
    fx_load(ctx, "conv1d_stride2_pad1", &fc);
    vx_tensor *x = leaf_copy(ctx, fx_get(&fc, "x")), *w = leaf_copy(ctx, fx_get(&fc, "w"));
    vx_tensor *y = vx_add(ctx, vx_conv1d(ctx, x, w, NULL, 2, 1, 1, 1),
                          vx_conv1d(ctx, x, w, NULL, 2, 1, 1, 1));
    ck_assert_ptr_nonnull(y);
    ck_assert_int_eq(vx_backward_from(ctx, y, fx_get(&fc, "dy")->data), VX_OK);
    expect_close_to("dx/2", vx_scale(ctx, x->grad, 0.5f), fx_get(&fc, "dx"));
    expect_close_to("dw/2", vx_scale(ctx, w->grad, 0.5f), fx_get(&fc, "dw"));
    vx_ctx_free(ctx);
}
END_TEST

/* Only w requires grad: x gets no gradient buffer, w's matches PyTorch. */
START_TEST(conv_transpose1d_gives_grads_only_to_inputs_that_require_them)
{
    vx_ctx *ctx = test_ctx();
    fx_case fc;
    fx_load(ctx, "conv_transpose1d_stride2_pad1", &fc);
    vx_tensor *x = fx_get(&fc, "x"), *w = leaf_copy(ctx, fx_get(&fc, "w"));
    vx_tensor *y = vx_conv_transpose1d(ctx, x, w, fx_get(&fc, "bias"), 2, 1, 0, 1, 1);
    ck_assert_ptr_nonnull(y);
    ck_assert_int_eq(vx_backward_from(ctx, y, fx_get(&fc, "dy")->data), VX_OK);
    ck_assert_ptr_null(x->grad);
    ck_assert_ptr_null(fx_get(&fc, "bias")->grad);
    expect_close_to("dw", w->grad, fx_get(&fc, "dw"));
    vx_ctx_free(ctx);
}
END_TEST

/* --- shape rules ------------------------------------------------------------ */

START_TEST(matmul_output_shape_broadcasts_batch_dims)
{
    vx_ctx *ctx = test_ctx();
    struct { int na; int64_t a[4]; int nb; int64_t b[4]; int ny; int64_t y[4]; } rows[] = {
        {2, {3, 4}, 2, {4, 5}, 2, {3, 5}},
        {3, {2, 3, 4}, 2, {4, 5}, 3, {2, 3, 5}},
        {2, {3, 4}, 3, {6, 4, 1}, 3, {6, 3, 1}},
        {4, {2, 1, 3, 4}, 3, {5, 4, 2}, 4, {2, 5, 3, 2}},
        {4, {1, 7, 3, 4}, 4, {2, 1, 4, 2}, 4, {2, 7, 3, 2}},
    };
    for (size_t r = 0; r < sizeof rows / sizeof *rows; r++) {
        vx_tensor *y = vx_matmul(ctx, vx_new(ctx, VX_F32, rows[r].na, rows[r].a),
                                 vx_new(ctx, VX_F32, rows[r].nb, rows[r].b));
        ck_assert_msg(y, "row %zu: %s", r, vx_last_error());
        ck_assert_int_eq(y->ndim, rows[r].ny);
        for (int i = 0; i < y->ndim; i++)
            ck_assert_int_eq(y->shape[i], rows[r].y[i]);
    }
    vx_ctx_free(ctx);
}
END_TEST

/* Expected lengths printed by PyTorch, e.g.
 * /usr/bin/python3 -c "import torch, torch.nn.functional as F;
 *   print(F.conv1d(torch.zeros(1,1,10), torch.zeros(1,1,3), stride=2, padding=1).shape[-1])" */
START_TEST(conv_output_lengths_follow_pytorch)
{
    vx_ctx *ctx = test_ctx();
    struct { int64_t T, K; int s, p, d, op; int64_t conv, convt; } rows[] = {
        {10, 3, 1, 0, 1, 0, 8, -1},  {10, 3, 2, 1, 1, 0, 5, -1}, {13, 3, 1, 2, 3, 0, 11, -1},
        {7, 7, 1, 0, 1, 0, 1, -1},   {16, 5, 2, 3, 2, 0, 7, -1}, {1, 1, 1, 0, 1, 0, 1, 1},
        {7, 4, 2, 1, 1, 0, -1, 14},  {5, 8, 4, 2, 1, 1, -1, 21}, {6, 3, 1, 1, 2, 1, -1, 9},
        {4, 3, 3, 2, 2, 2, -1, 12},
    };
    for (size_t r = 0; r < sizeof rows / sizeof *rows; r++) {
        vx_tensor *x = vx_new(ctx, VX_F32, 3, (int64_t[]){2, 3, rows[r].T});
        vx_tensor *w = vx_new(ctx, VX_F32, 3, (int64_t[]){3, 3, rows[r].K});
        if (rows[r].conv > 0) {
            vx_tensor *y = vx_conv1d(ctx, x, w, NULL, rows[r].s, rows[r].p, rows[r].d, 1);
            ck_assert_msg(y, "row %zu: %s", r, vx_last_error());
            ck_assert_int_eq(y->shape[0], 2);
            ck_assert_int_eq(y->shape[1], 3);
            ck_assert_int_eq(y->shape[2], rows[r].conv);
        }
        if (rows[r].convt > 0) {
            vx_tensor *y = vx_conv_transpose1d(ctx, x, w, NULL, rows[r].s, rows[r].p, rows[r].op, 1,
                                               rows[r].d);
            ck_assert_msg(y, "row %zu: %s", r, vx_last_error());
            ck_assert_int_eq(y->shape[2], rows[r].convt);
        }
    }
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(linear_keeps_leading_dims)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *w = vx_new(ctx, VX_F32, 2, (int64_t[]){7, 5});
    vx_tensor *y4 = vx_linear(ctx, vx_new(ctx, VX_F32, 4, (int64_t[]){2, 3, 4, 5}), w, NULL);
    vx_tensor *y1 = vx_linear(ctx, vx_new(ctx, VX_F32, 1, (int64_t[]){5}), w, NULL);
    ck_assert_ptr_nonnull(y4);
    ck_assert_ptr_nonnull(y1);
    ck_assert_int_eq(y4->ndim, 4);
    ck_assert_int_eq(y4->shape[2], 4);
    ck_assert_int_eq(y4->shape[3], 7);
    ck_assert_int_eq(y1->ndim, 1);
    ck_assert_int_eq(y1->shape[0], 7);
    vx_ctx_free(ctx);
}
END_TEST

/* --- strided views and identities ------------------------------------------ */

static vx_tensor *random_tensor(vx_ctx *ctx, int ndim, const int64_t *shape)
{
    vx_tensor *t = vx_new(ctx, VX_F32, ndim, shape);
    ck_assert_ptr_nonnull(t);
    vx_fill_normal(ctx, t, 0, 1);
    return t;
}

/* Same values, same accumulation order: a view must give bit-identical results. */
static void expect_identical(const vx_tensor *got, const vx_tensor *want)
{
    ck_assert_ptr_nonnull(got);
    ck_assert_ptr_nonnull(want);
    ck_assert(vx_same_shape(got, want));
    for (int64_t i = 0; i < vx_numel(want); i++)
        ck_assert_float_eq(vx_get_f(got, i), vx_get_f(want, i));
}

START_TEST(matmul_reads_transposed_and_expanded_views)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *at = random_tensor(ctx, 3, (int64_t[]){2, 4, 3});           /* aᵀ storage */
    vx_tensor *b = random_tensor(ctx, 2, (int64_t[]){4, 5});
    vx_tensor *a = vx_transpose(ctx, at, 1, 2);                            /* [2, 3, 4] */
    vx_tensor *be = vx_expand(ctx, b, 3, (int64_t[]){2, 4, 5});            /* stride 0 */
    ck_assert(!vx_is_contiguous(a));
    vx_tensor *want = vx_matmul(ctx, vx_contiguous(ctx, a), b);
    expect_identical(vx_matmul(ctx, a, b), want);
    expect_identical(vx_matmul(ctx, a, be), want);
    expect_identical(vx_matmul(ctx, vx_contiguous(ctx, a), vx_contiguous(ctx, be)), want);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(linear_and_convs_accept_strided_views)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *wide = random_tensor(ctx, 2, (int64_t[]){3, 8});
    vx_tensor *x = vx_slice(ctx, wide, 1, 0, 8, 2);                        /* [3, 4], stride 2 */
    vx_tensor *w = random_tensor(ctx, 2, (int64_t[]){5, 4});
    vx_tensor *bias = vx_slice(ctx, random_tensor(ctx, 1, (int64_t[]){10}), 0, 1, 10, 2);
    expect_identical(vx_linear(ctx, x, w, bias),
                     vx_linear(ctx, vx_contiguous(ctx, x), w, vx_contiguous(ctx, bias)));
    vx_tensor *xbtc = random_tensor(ctx, 3, (int64_t[]){2, 9, 3});         /* [B, T, C] */
    vx_tensor *xv = vx_transpose(ctx, xbtc, 1, 2);                          /* [B, C, T] */
    vx_tensor *wc = random_tensor(ctx, 3, (int64_t[]){4, 3, 3});
    expect_identical(vx_conv1d(ctx, xv, wc, NULL, 2, 1, 1, 1),
                     vx_conv1d(ctx, vx_contiguous(ctx, xv), wc, NULL, 2, 1, 1, 1));
    vx_tensor *wt = vx_transpose(ctx, wc, 0, 1);                            /* [Cin 3, Cout 4, K] */
    ck_assert(!vx_is_contiguous(wt));
    expect_identical(vx_conv_transpose1d(ctx, xv, wt, NULL, 2, 1, 1, 1, 1),
                     vx_conv_transpose1d(ctx, vx_contiguous(ctx, xv), vx_contiguous(ctx, wt), NULL,
                                         2, 1, 1, 1, 1));
    vx_ctx_free(ctx);
}
END_TEST

/* conv_transpose1d is the adjoint of conv1d with the same weight tensor:
 * ⟨conv1d(x, w), u⟩ = ⟨x, conv_transpose1d(u, w)⟩, with output_padding making
 * the transposed output as long as x: (T + 2p − d(K−1) − 1) mod s. */
START_TEST(conv_transpose1d_is_the_adjoint_of_conv1d)
{
    vx_ctx *ctx = test_ctx();
    const int s = 3, p = 2, d = 2, g = 2;
    const int64_t T = 11, K = 3;
    vx_tensor *x = random_tensor(ctx, 3, (int64_t[]){2, 4, T});
    vx_tensor *w = random_tensor(ctx, 3, (int64_t[]){6, 4 / g, K});
    vx_tensor *y = vx_conv1d(ctx, x, w, NULL, s, p, d, g);
    ck_assert_ptr_nonnull(y);
    vx_tensor *u = random_tensor(ctx, 3, y->shape);
    int op = (int)((T + 2 * p - d * (K - 1) - 1) % s);
    vx_tensor *xt = vx_conv_transpose1d(ctx, u, w, NULL, s, p, op, g, d);
    ck_assert_ptr_nonnull(xt);
    ck_assert(vx_same_shape(xt, x));
    double lhs = 0, rhs = 0, mag = 0;
    for (int64_t i = 0; i < vx_numel(y); i++) {
        lhs += (double)vx_get_f(y, i) * vx_get_f(u, i);
        mag += fabs((double)vx_get_f(y, i) * vx_get_f(u, i));
    }
    for (int64_t i = 0; i < vx_numel(x); i++)
        rhs += (double)vx_get_f(x, i) * vx_get_f(xt, i);
    ck_assert_close(lhs, rhs, 1e-5 * mag);
    vx_ctx_free(ctx);
}
END_TEST

/* linear(x, w, b) = x @ wᵀ + b, computed through matmul and add. */
START_TEST(linear_equals_matmul_with_transposed_weight_plus_bias)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = random_tensor(ctx, 3, (int64_t[]){2, 3, 6});
    vx_tensor *w = random_tensor(ctx, 2, (int64_t[]){4, 6});
    vx_tensor *b = random_tensor(ctx, 1, (int64_t[]){4});
    vx_tensor *got = vx_linear(ctx, x, w, b);
    vx_tensor *want = vx_add(ctx, vx_matmul(ctx, x, vx_transpose(ctx, w, 0, 1)), b);
    ck_assert_ptr_nonnull(got);
    ck_assert_ptr_nonnull(want);
    ck_assert(vx_same_shape(got, want));
    for (int64_t i = 0; i < vx_numel(want); i++)
        ck_assert_close(vx_get_f(got, i), vx_get_f(want, i), 1e-5 * (1 + fabs(vx_get_f(want, i))));
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(ops_record_nothing_when_grad_is_disabled)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = vx_param(ctx, NULL, VX_F32, 3, (int64_t[]){1, 2, 6}, true);
    vx_tensor *w = vx_param(ctx, NULL, VX_F32, 3, (int64_t[]){2, 2, 3}, true);
    vx_tensor *m = vx_param(ctx, NULL, VX_F32, 2, (int64_t[]){6, 6}, true);
    vx_set_grad_enabled(ctx, false);
    vx_tensor *outs[] = {
        vx_conv1d(ctx, x, w, NULL, 1, 1, 1, 1),
        vx_conv_transpose1d(ctx, x, w, NULL, 2, 0, 1, 1, 1),
        vx_matmul(ctx, x, m),
        vx_linear(ctx, x, m, NULL),
    };
    for (size_t i = 0; i < sizeof outs / sizeof *outs; i++) {
        ck_assert_ptr_nonnull(outs[i]);
        ck_assert(!outs[i]->requires_grad);
    }
    ck_assert_int_eq(vx_tape_len(ctx), 0);
    vx_ctx_free(ctx);
}
END_TEST

/* --- errors ----------------------------------------------------------------- */

START_TEST(null_inputs_propagate_without_new_error)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *t = vx_new(ctx, VX_F32, 3, (int64_t[]){1, 2, 4});
    vx_fail(VX_ERR_ARG, "original");
    ck_assert_ptr_null(vx_matmul(ctx, NULL, t));
    ck_assert_ptr_null(vx_linear(ctx, t, NULL, NULL));
    ck_assert_ptr_null(vx_conv1d(ctx, NULL, t, NULL, 1, 0, 1, 1));
    ck_assert_ptr_null(vx_conv_transpose1d(ctx, t, NULL, NULL, 1, 0, 0, 1, 1));
    ck_assert_str_eq(vx_last_error(), "original");
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(matmul_rejects_mismatched_inner_dims)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *a = vx_new(ctx, VX_F32, 2, (int64_t[]){3, 4});
    vx_tensor *b = vx_new(ctx, VX_F32, 2, (int64_t[]){5, 2});
    ck_assert_fails(vx_matmul(ctx, a, b));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "inner dims"));
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(matmul_rejects_vectors_integers_and_unbroadcastable_batches)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *v = vx_new(ctx, VX_F32, 1, (int64_t[]){4});
    vx_tensor *m = vx_new(ctx, VX_F32, 2, (int64_t[]){4, 4});
    vx_tensor *mi = vx_new(ctx, VX_I32, 2, (int64_t[]){4, 4});
    vx_tensor *b2 = vx_new(ctx, VX_F32, 3, (int64_t[]){2, 4, 4});
    vx_tensor *b3 = vx_new(ctx, VX_F32, 3, (int64_t[]){3, 4, 4});
    ck_assert_fails(vx_matmul(ctx, v, m));
    ck_assert_fails(vx_matmul(ctx, m, v));
    ck_assert_fails(vx_matmul(ctx, mi, m));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "f32"));
    ck_assert_fails(vx_matmul(ctx, b2, b3));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "broadcast"));
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(linear_rejects_bad_weight_and_bias_shapes)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = vx_new(ctx, VX_F32, 2, (int64_t[]){3, 4});
    vx_tensor *w = vx_new(ctx, VX_F32, 2, (int64_t[]){5, 4});
    ck_assert_fails(vx_linear(ctx, x, vx_new(ctx, VX_F32, 2, (int64_t[]){5, 3}), NULL));
    ck_assert_fails(vx_linear(ctx, x, vx_new(ctx, VX_F32, 1, (int64_t[]){4}), NULL));
    ck_assert_fails(vx_linear(ctx, x, w, vx_new(ctx, VX_F32, 1, (int64_t[]){4})));
    ck_assert_fails(vx_linear(ctx, x, w, vx_new(ctx, VX_F32, 2, (int64_t[]){1, 5})));
    ck_assert_fails(vx_linear(ctx, vx_scalar(ctx, 1.0f), w, NULL));
    ck_assert_fails(vx_linear(ctx, vx_new(ctx, VX_I32, 2, (int64_t[]){3, 4}), w, NULL));
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(conv1d_rejects_channels_not_divisible_by_groups)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = vx_new(ctx, VX_F32, 3, (int64_t[]){1, 6, 8});
    /* Cin 6 with groups 4 */
    ck_assert_fails(vx_conv1d(ctx, x, vx_new(ctx, VX_F32, 3, (int64_t[]){4, 1, 3}), NULL, 1, 0, 1, 4));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "groups"));
    /* Cout 5 with groups 2 */
    ck_assert_fails(vx_conv1d(ctx, x, vx_new(ctx, VX_F32, 3, (int64_t[]){5, 3, 3}), NULL, 1, 0, 1, 2));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "groups"));
    /* w in-channels must be Cin/groups = 3, not 6 */
    ck_assert_fails(vx_conv1d(ctx, x, vx_new(ctx, VX_F32, 3, (int64_t[]){4, 6, 3}), NULL, 1, 0, 1, 2));
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(conv1d_rejects_bad_stride_padding_dilation_groups_and_bias)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = vx_new(ctx, VX_F32, 3, (int64_t[]){1, 2, 8});
    vx_tensor *w = vx_new(ctx, VX_F32, 3, (int64_t[]){4, 2, 3});
    ck_assert_fails(vx_conv1d(ctx, x, w, NULL, 0, 0, 1, 1));
    ck_assert_fails(vx_conv1d(ctx, x, w, NULL, 1, -1, 1, 1));
    ck_assert_fails(vx_conv1d(ctx, x, w, NULL, 1, 0, 0, 1));
    ck_assert_fails(vx_conv1d(ctx, x, w, NULL, 1, 0, 1, 0));
    ck_assert_fails(vx_conv1d(ctx, x, w, vx_new(ctx, VX_F32, 1, (int64_t[]){2}), 1, 0, 1, 1));
    ck_assert_fails(vx_conv1d(ctx, x, vx_new(ctx, VX_F32, 3, (int64_t[]){4, 2, 0}), NULL, 1, 0, 1, 1));
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(conv1d_rejects_output_length_below_one)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = vx_new(ctx, VX_F32, 3, (int64_t[]){1, 2, 5});
    vx_tensor *w = vx_new(ctx, VX_F32, 3, (int64_t[]){1, 2, 3});
    /* dilated kernel 2·(3−1)+1 = 5 fits exactly, 3·2+1 = 7 does not */
    ck_assert_ptr_nonnull(vx_conv1d(ctx, x, w, NULL, 1, 0, 2, 1));
    ck_assert_fails(vx_conv1d(ctx, x, w, NULL, 1, 0, 3, 1));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "output length"));
    /* padding 1 rescues it: 5 + 2 = 7 */
    ck_assert_ptr_nonnull(vx_conv1d(ctx, x, w, NULL, 4, 1, 3, 1));
    /* a long stride does not hide a too-short input */
    ck_assert_fails(vx_conv1d(ctx, x, vx_new(ctx, VX_F32, 3, (int64_t[]){1, 2, 6}), NULL, 8, 0, 1, 1));
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(conv_ops_reject_wrong_ranks_and_dtypes)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x2 = vx_new(ctx, VX_F32, 2, (int64_t[]){2, 8});
    vx_tensor *x = vx_new(ctx, VX_F32, 3, (int64_t[]){1, 2, 8});
    vx_tensor *xi = vx_new(ctx, VX_I32, 3, (int64_t[]){1, 2, 8});
    vx_tensor *w = vx_new(ctx, VX_F32, 3, (int64_t[]){2, 2, 3});
    vx_tensor *w2 = vx_new(ctx, VX_F32, 2, (int64_t[]){2, 6});
    vx_tensor *bi = vx_new(ctx, VX_I32, 1, (int64_t[]){2});
    ck_assert_fails(vx_conv1d(ctx, x2, w, NULL, 1, 0, 1, 1));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "[B, Cin, T]"));
    ck_assert_fails(vx_conv1d(ctx, x, w2, NULL, 1, 0, 1, 1));
    ck_assert_fails(vx_conv1d(ctx, xi, w, NULL, 1, 0, 1, 1));
    ck_assert_fails(vx_conv1d(ctx, x, w, bi, 1, 0, 1, 1));
    ck_assert_fails(vx_conv_transpose1d(ctx, x2, w, NULL, 1, 0, 0, 1, 1));
    ck_assert_fails(vx_conv_transpose1d(ctx, x, w2, NULL, 1, 0, 0, 1, 1));
    ck_assert_fails(vx_conv_transpose1d(ctx, xi, w, NULL, 1, 0, 0, 1, 1));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "f32"));
    vx_ctx_free(ctx);
}
END_TEST

/* PyTorch: "output padding must be smaller than either stride or dilation". */
START_TEST(conv_transpose1d_rejects_output_padding_not_below_stride_or_dilation)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = vx_new(ctx, VX_F32, 3, (int64_t[]){1, 2, 5});
    vx_tensor *w = vx_new(ctx, VX_F32, 3, (int64_t[]){2, 3, 3});
    ck_assert_ptr_nonnull(vx_conv_transpose1d(ctx, x, w, NULL, 2, 0, 1, 1, 1));
    ck_assert_fails(vx_conv_transpose1d(ctx, x, w, NULL, 2, 0, 2, 1, 1));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "output_padding"));
    ck_assert_fails(vx_conv_transpose1d(ctx, x, w, NULL, 1, 0, 1, 1, 1));
    ck_assert_fails(vx_conv_transpose1d(ctx, x, w, NULL, 1, 0, -1, 1, 1));
    /* dilation 3 allows output_padding 2 at stride 1 */
    ck_assert_ptr_nonnull(vx_conv_transpose1d(ctx, x, w, NULL, 1, 0, 2, 1, 3));
    ck_assert_fails(vx_conv_transpose1d(ctx, x, w, NULL, 1, 0, 3, 1, 3));
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(conv_transpose1d_rejects_bad_channels_groups_and_lengths)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = vx_new(ctx, VX_F32, 3, (int64_t[]){1, 4, 3});
    vx_tensor *w = vx_new(ctx, VX_F32, 3, (int64_t[]){4, 2, 3});
    /* w must be [Cin, Cout/groups, K] with Cin = 4 */
    ck_assert_fails(vx_conv_transpose1d(ctx, x, vx_new(ctx, VX_F32, 3, (int64_t[]){2, 4, 3}), NULL,
                                        1, 0, 0, 1, 1));
    /* Cin 4 with groups 3 */
    ck_assert_fails(vx_conv_transpose1d(ctx, x, w, NULL, 1, 0, 0, 3, 1));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "groups"));
    /* groups 2 gives Cout 4: a bias of 2 is wrong, of 4 is right */
    ck_assert_fails(vx_conv_transpose1d(ctx, x, w, vx_new(ctx, VX_F32, 1, (int64_t[]){2}), 1, 0, 0, 2, 1));
    ck_assert_ptr_nonnull(vx_conv_transpose1d(ctx, x, w, vx_new(ctx, VX_F32, 1, (int64_t[]){4}), 1, 0, 0, 2, 1));
    /* (3−1)·1 − 2·3 + 2 + 1 = −1 < 1 */
    ck_assert_fails(vx_conv_transpose1d(ctx, x, w, NULL, 1, 3, 0, 1, 1));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "output length"));
    ck_assert_fails(vx_conv_transpose1d(ctx, vx_new(ctx, VX_F32, 3, (int64_t[]){1, 4, 0}), w, NULL,
                                        1, 0, 0, 1, 1));
    ck_assert_fails(vx_conv_transpose1d(ctx, x, w, NULL, 0, 0, 0, 1, 1));
    ck_assert_fails(vx_conv_transpose1d(ctx, x, w, NULL, 1, -1, 0, 1, 1));
    vx_ctx_free(ctx);
}
END_TEST

Suite *suite_ops_matmul_conv(void)
{
    Suite *s = suite_create("ops_matmul_conv");
    TCase *tc = tcase_create("pytorch");
    tcase_add_test(tc, conv1d_matches_pytorch_with_stride_and_padding);
    tcase_add_test(tc, conv1d_matches_pytorch_with_dilation_and_groups);
    tcase_add_test(tc, conv1d_matches_pytorch_depthwise_with_stride_3);
    tcase_add_test(tc, conv1d_matches_pytorch_without_bias);
    tcase_add_test(tc, conv_transpose1d_matches_pytorch_with_stride_and_padding);
    tcase_add_test(tc, conv_transpose1d_matches_pytorch_with_output_padding_and_groups);
    tcase_add_test(tc, conv_transpose1d_matches_pytorch_with_dilation_without_bias);
    tcase_add_test(tc, conv_transpose1d_matches_pytorch_with_stride_3_dilation_2_groups_3);
    tcase_add_test(tc, matmul_matches_pytorch_with_broadcast_batch);
    tcase_add_test(tc, matmul_matches_pytorch_2d);
    tcase_add_test(tc, linear_matches_pytorch_with_3d_input);
    tcase_add_test(tc, linear_matches_pytorch_without_bias);
    tcase_add_test(tc, conv1d_backward_accumulates_into_existing_gradients);
    tcase_add_test(tc, conv_transpose1d_gives_grads_only_to_inputs_that_require_them);
    suite_add_tcase(s, tc);

    tc = tcase_create("shapes_and_views");
    tcase_add_test(tc, matmul_output_shape_broadcasts_batch_dims);
    tcase_add_test(tc, conv_output_lengths_follow_pytorch);
    tcase_add_test(tc, linear_keeps_leading_dims);
    tcase_add_test(tc, matmul_reads_transposed_and_expanded_views);
    tcase_add_test(tc, linear_and_convs_accept_strided_views);
    tcase_add_test(tc, conv_transpose1d_is_the_adjoint_of_conv1d);
    tcase_add_test(tc, linear_equals_matmul_with_transposed_weight_plus_bias);
    tcase_add_test(tc, ops_record_nothing_when_grad_is_disabled);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_test(tc, null_inputs_propagate_without_new_error);
    tcase_add_test(tc, matmul_rejects_mismatched_inner_dims);
    tcase_add_test(tc, matmul_rejects_vectors_integers_and_unbroadcastable_batches);
    tcase_add_test(tc, linear_rejects_bad_weight_and_bias_shapes);
    tcase_add_test(tc, conv1d_rejects_channels_not_divisible_by_groups);
    tcase_add_test(tc, conv1d_rejects_bad_stride_padding_dilation_groups_and_bias);
    tcase_add_test(tc, conv1d_rejects_output_length_below_one);
    tcase_add_test(tc, conv_ops_reject_wrong_ranks_and_dtypes);
    tcase_add_test(tc, conv_transpose1d_rejects_output_padding_not_below_stride_or_dilation);
    tcase_add_test(tc, conv_transpose1d_rejects_bad_channels_groups_and_lengths);
    suite_add_tcase(s, tc);
    return s;
}
