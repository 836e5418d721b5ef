/* test_ops_index.c — forward values, gradients, statistics and error handling
 * for the indexing/assembly ops (embedding, concat, pad, index_select,
 * repeat_interleave, where, masked_fill, dropout, sequence_mask) and the
 * random ops (randn, rand).
 *
 * Expected values are definitional; each one comes from the numpy one-liner in
 * the comment above it (numpy's pad mode='reflect' is PyTorch's 'reflect',
 * np.take is index_select, np.repeat is repeat_interleave). */
#include <math.h>
#include <string.h>

#include "gradcheck.h"
#include "test_util.h"

/* u8 tensor from values (masks and conditions). */
static vx_tensor *from_u8(vx_ctx *ctx, int ndim, const int64_t *shape, const uint8_t *values)
{
    vx_tensor *t = vx_new(ctx, VX_U8, ndim, shape);
    if (t)
        memcpy(t->data, values, (size_t)vx_numel(t));
    return t;
}

/* Assert t has n elements equal to want (exact: these ops only move values). */
static void expect_values(const vx_tensor *t, const float *want, int64_t n)
{
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(vx_numel(t), n);
    for (int64_t i = 0; i < n; i++)
        ck_assert_msg(vx_get_f(t, i) == want[i], "element %lld: got %g, want %g", (long long)i,
                      (double)vx_get_f(t, i), (double)want[i]);
}

static void expect_shape(const vx_tensor *t, int ndim, const int64_t *shape)
{
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(t->ndim, ndim);
    for (int i = 0; i < ndim; i++)
        ck_assert_int_eq(t->shape[i], shape[i]);
}

/* Persistent f32 leaf that requires grad, filled from values. */
static vx_tensor *leaf(vx_ctx *ctx, int ndim, const int64_t *shape, const float *values)
{
    vx_tensor *t = vx_param(ctx, NULL, VX_F32, ndim, shape, true);
    ck_assert_ptr_nonnull(t);
    memcpy(t->data, values, (size_t)vx_numel(t) * sizeof(float));
    return t;
}

/* --- gradient-check cases -------------------------------------------------- */

/* weight [5,3], indices [2,3] with rows 1 (three times) and others repeated */
static vx_tensor *f_embedding(vx_ctx *c, vx_tensor **in)
{
    vx_tensor *idx = vx_from_i32(c, 2, (int64_t[]){2, 3}, (int32_t[]){1, 3, 1, 0, 4, 1});
    return vx_embedding(c, in[0], idx);
}
/* [2,3,4] ++ [2,2,4] ++ ([4,1,2] transposed to [2,1,4]) along axis 1 */
static vx_tensor *f_concat3(vx_ctx *c, vx_tensor **in)
{
    vx_tensor *xs[3] = {in[0], in[1], vx_transpose(c, in[2], 0, 2)};
    return vx_concat(c, xs, 3, 1);
}
/* six operands (more than one tape node holds), each leaf used three times */
static vx_tensor *f_concat6(vx_ctx *c, vx_tensor **in)
{
    vx_tensor *xs[6] = {in[0], in[1], in[0], in[1], in[1], in[0]};
    return vx_concat(c, xs, 6, -1);
}
static vx_tensor *f_pad_const_last(vx_ctx *c, vx_tensor **in)
{
    return vx_pad(c, in[0], -1, 2, 1, VX_PAD_CONSTANT, 0.5f);
}
static vx_tensor *f_pad_reflect_last(vx_ctx *c, vx_tensor **in)
{
    return vx_pad(c, in[0], 1, 3, 4, VX_PAD_REFLECT, 0);
}
static vx_tensor *f_pad_reflect_mid(vx_ctx *c, vx_tensor **in)
{
    return vx_pad(c, in[0], 1, 2, 3, VX_PAD_REFLECT, 0);
}
/* constant pad of the middle axis of a transposed view: [2,3,4] -> [2,4,3] -> [2,7,3] */
static vx_tensor *f_pad_const_mid(vx_ctx *c, vx_tensor **in)
{
    return vx_pad(c, vx_transpose(c, in[0], 1, 2), 1, 1, 2, VX_PAD_CONSTANT, -2.0f);
}
static vx_tensor *f_index_select(vx_ctx *c, vx_tensor **in)
{
    vx_tensor *idx = vx_from_i32(c, 1, (int64_t[]){5}, (int32_t[]){3, 0, 3, 3, 1});
    return vx_index_select(c, in[0], 1, idx);
}
/* FastSpeech2 length regulator: phoneme features [1, T, C] by durations */
static vx_tensor *f_repeat_tc(vx_ctx *c, vx_tensor **in)
{
    vx_tensor *rep = vx_from_i32(c, 1, (int64_t[]){4}, (int32_t[]){2, 0, 3, 1});
    return vx_repeat_interleave(c, in[0], 1, rep);
}
/* channels-first layout [B, C, T] expanded over time (axis 2) */
static vx_tensor *f_repeat_ct(vx_ctx *c, vx_tensor **in)
{
    vx_tensor *rep = vx_from_i32(c, 1, (int64_t[]){4}, (int32_t[]){1, 0, 2, 3});
    return vx_repeat_interleave(c, in[0], 2, rep);
}
static vx_tensor *f_where(vx_ctx *c, vx_tensor **in)
{
    vx_tensor *cond = from_u8(c, 2, (int64_t[]){3, 1}, (uint8_t[]){1, 0, 1});
    return vx_where(c, cond, in[0], in[1]);
}
/* mask [1,4] over the transposed view [4,3]ᵀ = [3,4] */
static vx_tensor *f_masked_fill(vx_ctx *c, vx_tensor **in)
{
    vx_tensor *mask = from_u8(c, 2, (int64_t[]){1, 4}, (uint8_t[]){0, 1, 1, 0});
    return vx_masked_fill(c, vx_transpose(c, in[0], 0, 1), mask, 3.0f);
}
static vx_tensor *f_dropout_train(vx_ctx *c, vx_tensor **in)
{
    vx_set_training(c, true);
    return vx_dropout(c, in[0], 0.3f);
}
static vx_tensor *f_dropout_eval(vx_ctx *c, vx_tensor **in)
{
    vx_set_training(c, false);
    return vx_dropout(c, vx_slice(c, in[0], 1, 0, 6, 2), 0.5f);
}

const gc_case gc_cases_index[] = {
    {"embedding", "[5,3] table, [2,3] indices with repeats", f_embedding, 1, {{2, {5, 3}}}},
    {"concat", "3 inputs on the middle axis, one a transposed view", f_concat3, 3,
     {{3, {2, 3, 4}}, {3, {2, 2, 4}}, {3, {4, 1, 2}}}},
    {"concat", "6 inputs in grouped nodes, leaves repeated", f_concat6, 2, {{2, {2, 3}}, {2, {2, 2}}}},
    {"pad", "constant 0.5, last axis, (2, 1)", f_pad_const_last, 1, {{2, {2, 5}}}},
    {"pad", "reflect, last axis, (3, 4) of size 5", f_pad_reflect_last, 1, {{2, {2, 5}}}},
    {"pad", "reflect, middle axis, (2, 3) of size 4", f_pad_reflect_mid, 1, {{3, {2, 4, 3}}}},
    {"pad", "constant, middle axis of a transposed view", f_pad_const_mid, 1, {{3, {2, 3, 4}}}},
    {"index_select", "duplicate indices on the middle axis", f_index_select, 1, {{3, {3, 4, 2}}}},
    {"repeat_interleave", "length regulator [1,T,C] over axis 1, a zero repeat", f_repeat_tc, 1,
     {{3, {1, 4, 3}}}},
    {"repeat_interleave", "[B,C,T] over axis 2, a zero repeat", f_repeat_ct, 1, {{3, {2, 3, 4}}}},
    {"where", "cond [3,1] broadcast, a [3,4], b [4]", f_where, 2, {{2, {3, 4}}, {1, {4}}}},
    {"masked_fill", "mask [1,4] over a transposed view", f_masked_fill, 1, {{2, {4, 3}}}},
    {"dropout", "training, p = 0.3, mask fixed by the seed", f_dropout_train, 1, {{2, {4, 6}}}},
    {"dropout", "eval mode copy of a strided view", f_dropout_eval, 1, {{2, {3, 6}}}},
    {0},
};

/* --- embedding ------------------------------------------------------------- */

START_TEST(embedding_gathers_rows_for_2d_indices)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *w = vx_from_f32(ctx, 2, (int64_t[]){3, 2}, (float[]){0, 1, 10, 11, 20, 21});
    vx_tensor *idx = vx_from_i32(ctx, 2, (int64_t[]){2, 2}, (int32_t[]){2, 0, 1, 2});
    vx_tensor *y = vx_embedding(ctx, w, idx);
    expect_shape(y, 3, (int64_t[]){2, 2, 2});
    /* python3 -c "import numpy as np; w=np.array([[0,1],[10,11],[20,21]]);
     *             print(w[np.array([[2,0],[1,2]])].ravel())" */
    expect_values(y, (float[]){20, 21, 0, 1, 10, 11, 20, 21}, 8);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(embedding_backward_accumulates_repeated_rows)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *w = leaf(ctx, 2, (int64_t[]){3, 2}, (float[]){0, 1, 10, 11, 20, 21});
    vx_tensor *idx = vx_from_i32(ctx, 1, (int64_t[]){4}, (int32_t[]){2, 0, 1, 2});
    ck_assert_int_eq(vx_backward(ctx, vx_embedding(ctx, w, idx)), VX_OK);
    /* d(sum)/d(row r) = how often r is looked up:
     * python3 -c "import numpy as np; print(np.bincount([2,0,1,2],minlength=3))" -> [1 1 2] */
    expect_values(w->grad, (float[]){1, 1, 1, 1, 2, 2}, 6);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(embedding_rejects_bad_inputs_naming_index_and_vocab)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *w = vx_new(ctx, VX_F32, 2, (int64_t[]){3, 2});
    ck_assert_fails(vx_embedding(ctx, w, vx_from_i32(ctx, 1, (int64_t[]){2}, (int32_t[]){1, 7})));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "index 7"));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "V = 3"));
    ck_assert_fails(vx_embedding(ctx, w, vx_from_i32(ctx, 1, (int64_t[]){1}, (int32_t[]){-1})));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "index -1"));
    vx_tensor *ok_idx = vx_from_i32(ctx, 1, (int64_t[]){1}, (int32_t[]){0});
    ck_assert_fails(vx_embedding(ctx, vx_new(ctx, VX_F16, 2, (int64_t[]){3, 2}), ok_idx));
    ck_assert_fails(vx_embedding(ctx, vx_new(ctx, VX_F32, 1, (int64_t[]){3}), ok_idx));
    ck_assert_fails(vx_embedding(ctx, w, vx_new(ctx, VX_F32, 1, (int64_t[]){1})));
    ck_assert_fails(vx_embedding(ctx, w, vx_new(ctx, VX_I32, 4, (int64_t[]){1, 1, 1, 1})));
    vx_ctx_free(ctx);
}
END_TEST

/* --- concat ---------------------------------------------------------------- */

START_TEST(concat_joins_along_middle_axis)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *a = vx_from_f32(ctx, 3, (int64_t[]){2, 1, 2}, (float[]){0, 1, 2, 3});
    float bv[12];
    for (int i = 0; i < 12; i++)
        bv[i] = 10.0f + (float)i;
    vx_tensor *b = vx_from_f32(ctx, 3, (int64_t[]){2, 3, 2}, bv);
    vx_tensor *y = vx_concat(ctx, (vx_tensor *[]){a, b}, 2, 1);
    expect_shape(y, 3, (int64_t[]){2, 4, 2});
    /* python3 -c "import numpy as np; a=np.arange(4).reshape(2,1,2); b=np.arange(10,22).reshape(2,3,2);
     *             print(np.concatenate([a,b],axis=1).ravel())" */
    expect_values(y, (float[]){0, 1, 10, 11, 12, 13, 14, 15, 2, 3, 16, 17, 18, 19, 20, 21}, 16);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(concat_of_eight_inputs_matches_numpy_and_routes_grads)
{
    /* eight inputs take three tape nodes (4 + 3 + 2 operands, the first being
     * the previous node's result) */
    vx_ctx *ctx = test_ctx();
    const int sizes[8] = {1, 2, 1, 3, 1, 2, 1, 2};
    vx_tensor *xs[8];
    for (int k = 0; k < 8; k++) {
        float start = 10.0f * (float)k, v[3] = {start, start + 1, start + 2};
        xs[k] = leaf(ctx, 1, (int64_t[]){sizes[k]}, v);
    }
    vx_tensor *y = vx_concat(ctx, xs, 8, 0);
    /* python3 -c "import numpy as np; print(np.concatenate([np.arange(s,s+k) for s,k in
     *             [(0,1),(10,2),(20,1),(30,3),(40,1),(50,2),(60,1),(70,2)]]))" */
    expect_values(y, (float[]){0, 10, 11, 20, 30, 31, 32, 40, 50, 51, 60, 70, 71}, 13);
    ck_assert_int_eq(vx_tape_len(ctx), 3);
    /* seeding with y's own values sends each input its own values back */
    float seed[13];
    vx_copy_to_f32(y, seed);
    ck_assert_int_eq(vx_backward_from(ctx, y, seed), VX_OK);
    for (int k = 0; k < 8; k++)
        for (int i = 0; i < sizes[k]; i++)
            ck_assert_float_eq(vx_get_f(xs[k]->grad, i), vx_get_f(xs[k], i));
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(concat_rejects_bad_inputs)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *a = vx_new(ctx, VX_F32, 2, (int64_t[]){2, 3});
    vx_tensor *b = vx_new(ctx, VX_F32, 2, (int64_t[]){3, 3});
    vx_tensor *r3 = vx_new(ctx, VX_F32, 3, (int64_t[]){2, 3, 1});
    vx_tensor *i = vx_new(ctx, VX_I32, 2, (int64_t[]){2, 3});
    ck_assert_fails(vx_concat(ctx, (vx_tensor *[]){a}, 0, 0));
    ck_assert_fails(vx_concat(ctx, NULL, 2, 0));
    ck_assert_fails(vx_concat(ctx, (vx_tensor *[]){a, a}, 2, 2));
    ck_assert_fails(vx_concat(ctx, (vx_tensor *[]){a, b}, 2, 1)); /* dim 0 differs */
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "input 1"));
    ck_assert_fails(vx_concat(ctx, (vx_tensor *[]){a, r3}, 2, 1));
    ck_assert_fails(vx_concat(ctx, (vx_tensor *[]){a, i}, 2, 0));
    ck_assert_ptr_nonnull(vx_concat(ctx, (vx_tensor *[]){a, b}, 2, 0));
    vx_ctx_free(ctx);
}
END_TEST

/* --- pad ------------------------------------------------------------------- */

START_TEST(pad_reflect_matches_numpy)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = vx_from_f32(ctx, 1, (int64_t[]){4}, (float[]){1, 2, 3, 4});
    /* python3 -c "import numpy as np; print(np.pad([1,2,3,4],2,mode='reflect'))" */
    expect_values(vx_pad(ctx, x, 0, 2, 2, VX_PAD_REFLECT, 0), (float[]){3, 2, 1, 2, 3, 4, 3, 2}, 8);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(pad_constant_fills_value_on_both_sides)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = vx_from_f32(ctx, 1, (int64_t[]){3}, (float[]){1, 2, 3});
    /* python3 -c "import numpy as np; print(np.pad([1,2,3],(2,1),constant_values=-1))" */
    expect_values(vx_pad(ctx, x, -1, 2, 1, VX_PAD_CONSTANT, -1), (float[]){-1, -1, 1, 2, 3, -1}, 6);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(pad_reflect_on_first_axis_and_constant_on_transposed_view)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = vx_from_f32(ctx, 2, (int64_t[]){3, 2}, (float[]){0, 1, 2, 3, 4, 5});
    vx_tensor *y = vx_pad(ctx, x, 0, 1, 2, VX_PAD_REFLECT, 0);
    expect_shape(y, 2, (int64_t[]){6, 2});
    /* python3 -c "import numpy as np; print(np.pad(np.arange(6).reshape(3,2),((1,2),(0,0)),
     *             mode='reflect').ravel())" */
    expect_values(y, (float[]){2, 3, 0, 1, 2, 3, 4, 5, 2, 3, 0, 1}, 12);
    vx_tensor *v = vx_from_f32(ctx, 2, (int64_t[]){2, 3}, (float[]){0, 1, 2, 3, 4, 5});
    vx_tensor *z = vx_pad(ctx, vx_transpose(ctx, v, 0, 1), 1, 1, 1, VX_PAD_CONSTANT, 7);
    expect_shape(z, 2, (int64_t[]){3, 4});
    /* python3 -c "import numpy as np; print(np.pad(np.arange(6).reshape(2,3).T,((0,0),(1,1)),
     *             constant_values=7).ravel())" */
    expect_values(z, (float[]){7, 0, 3, 7, 7, 1, 4, 7, 7, 2, 5, 7}, 12);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(pad_reflect_backward_counts_mirrored_elements)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = leaf(ctx, 1, (int64_t[]){4}, (float[]){1, 2, 3, 4});
    ck_assert_int_eq(vx_backward(ctx, vx_pad(ctx, x, 0, 2, 2, VX_PAD_REFLECT, 0)), VX_OK);
    /* d(sum)/dx_i, pad being linear:
     * python3 -c "import numpy as np; print([np.pad(np.eye(4)[i],2,mode='reflect').sum() for i in range(4)])" */
    expect_values(x->grad, (float[]){1, 3, 3, 1}, 4);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(pad_rejects_bad_inputs)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = vx_new(ctx, VX_F32, 2, (int64_t[]){2, 3});
    ck_assert_fails(vx_pad(ctx, vx_new(ctx, VX_I32, 1, (int64_t[]){3}), 0, 1, 1, VX_PAD_CONSTANT, 0));
    ck_assert_fails(vx_pad(ctx, x, 2, 1, 1, VX_PAD_CONSTANT, 0));
    ck_assert_fails(vx_pad(ctx, x, 1, 1, 1, (vx_pad_mode)7, 0));
    ck_assert_fails(vx_pad(ctx, x, 1, -1, 1, VX_PAD_CONSTANT, 0));
    ck_assert_fails(vx_pad(ctx, x, 1, 1, -1, VX_PAD_CONSTANT, 0));
    ck_assert_fails(vx_pad(ctx, x, 1, 3, 0, VX_PAD_REFLECT, 0)); /* pad == size */
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "smaller"));
    ck_assert_fails(vx_pad(ctx, x, 1, 0, 3, VX_PAD_REFLECT, 0));
    ck_assert_ptr_nonnull(vx_pad(ctx, x, 1, 2, 2, VX_PAD_REFLECT, 0)); /* pad = size - 1 is fine */
    vx_ctx_free(ctx);
}
END_TEST

/* --- index_select ---------------------------------------------------------- */

START_TEST(index_select_gathers_with_duplicates)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = vx_from_f32(ctx, 2, (int64_t[]){2, 3}, (float[]){0, 1, 2, 3, 4, 5});
    vx_tensor *idx = vx_from_i32(ctx, 1, (int64_t[]){3}, (int32_t[]){2, 0, 2});
    vx_tensor *y = vx_index_select(ctx, x, 1, idx);
    expect_shape(y, 2, (int64_t[]){2, 3});
    /* python3 -c "import numpy as np; print(np.take(np.arange(6).reshape(2,3),[2,0,2],axis=1).ravel())" */
    expect_values(y, (float[]){2, 0, 2, 5, 3, 5}, 6);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(index_select_backward_accumulates_duplicates)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = leaf(ctx, 1, (int64_t[]){3}, (float[]){5, 6, 7});
    vx_tensor *idx = vx_from_i32(ctx, 1, (int64_t[]){4}, (int32_t[]){2, 0, 2, 2});
    ck_assert_int_eq(vx_backward(ctx, vx_index_select(ctx, x, 0, idx)), VX_OK);
    /* python3 -c "import numpy as np; g=np.zeros(3); np.add.at(g,[2,0,2,2],1); print(g)" */
    expect_values(x->grad, (float[]){1, 0, 3}, 3);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(index_select_reads_transposed_view)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = vx_from_f32(ctx, 2, (int64_t[]){2, 3}, (float[]){0, 1, 2, 3, 4, 5});
    vx_tensor *idx = vx_from_i32(ctx, 1, (int64_t[]){3}, (int32_t[]){1, 1, 0});
    vx_tensor *y = vx_index_select(ctx, vx_transpose(ctx, x, 0, 1), 0, idx);
    expect_shape(y, 2, (int64_t[]){3, 2});
    /* python3 -c "import numpy as np; print(np.take(np.arange(6).reshape(2,3).T,[1,1,0],axis=0).ravel())" */
    expect_values(y, (float[]){1, 4, 1, 4, 0, 3}, 6);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(index_select_rejects_bad_inputs)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = vx_new(ctx, VX_F32, 2, (int64_t[]){2, 3});
    vx_tensor *idx = vx_from_i32(ctx, 1, (int64_t[]){2}, (int32_t[]){0, 1});
    ck_assert_fails(vx_index_select(ctx, vx_new(ctx, VX_U8, 2, (int64_t[]){2, 3}), 1, idx));
    ck_assert_fails(vx_index_select(ctx, x, -3, idx));
    ck_assert_fails(vx_index_select(ctx, x, 1, vx_new(ctx, VX_F32, 1, (int64_t[]){2})));
    ck_assert_fails(vx_index_select(ctx, x, 1, vx_new(ctx, VX_I32, 2, (int64_t[]){1, 2})));
    ck_assert_fails(vx_index_select(ctx, x, 1, vx_from_i32(ctx, 1, (int64_t[]){2}, (int32_t[]){0, 3})));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "index 3"));
    ck_assert_fails(vx_index_select(ctx, x, 0, vx_from_i32(ctx, 1, (int64_t[]){1}, (int32_t[]){-1})));
    vx_ctx_free(ctx);
}
END_TEST

/* --- repeat_interleave ----------------------------------------------------- */

START_TEST(repeat_interleave_regulates_length_of_time_major_features)
{
    vx_ctx *ctx = test_ctx();
    float v[8];
    for (int i = 0; i < 8; i++)
        v[i] = (float)i;
    vx_tensor *x = vx_from_f32(ctx, 3, (int64_t[]){1, 4, 2}, v); /* [1, T, C] */
    vx_tensor *dur = vx_from_i32(ctx, 1, (int64_t[]){4}, (int32_t[]){2, 0, 3, 1});
    vx_tensor *y = vx_repeat_interleave(ctx, x, 1, dur);
    expect_shape(y, 3, (int64_t[]){1, 6, 2});
    /* python3 -c "import numpy as np; print(np.repeat(np.arange(8).reshape(1,4,2),[2,0,3,1],axis=1).ravel())" */
    expect_values(y, (float[]){0, 1, 0, 1, 4, 5, 4, 5, 4, 5, 6, 7}, 12);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(repeat_interleave_expands_channels_first_over_time)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = vx_from_f32(ctx, 3, (int64_t[]){1, 2, 3}, (float[]){0, 1, 2, 3, 4, 5}); /* [B, C, T] */
    vx_tensor *dur = vx_from_i32(ctx, 1, (int64_t[]){3}, (int32_t[]){1, 0, 2});
    vx_tensor *y = vx_repeat_interleave(ctx, x, -1, dur);
    expect_shape(y, 3, (int64_t[]){1, 2, 3});
    /* python3 -c "import numpy as np; print(np.repeat(np.arange(6).reshape(1,2,3),[1,0,2],axis=2).ravel())" */
    expect_values(y, (float[]){0, 2, 2, 3, 5, 5}, 6);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(repeat_interleave_rejects_bad_repeats)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = vx_new(ctx, VX_F32, 2, (int64_t[]){2, 3});
    vx_tensor *rep = vx_from_i32(ctx, 1, (int64_t[]){3}, (int32_t[]){1, 1, 1});
    ck_assert_fails(vx_repeat_interleave(ctx, vx_new(ctx, VX_I32, 2, (int64_t[]){2, 3}), 1, rep));
    ck_assert_fails(vx_repeat_interleave(ctx, x, 2, rep));
    ck_assert_fails(vx_repeat_interleave(ctx, x, 1, vx_new(ctx, VX_F32, 1, (int64_t[]){3})));
    ck_assert_fails(vx_repeat_interleave(ctx, x, 1, vx_new(ctx, VX_I32, 2, (int64_t[]){1, 3})));
    ck_assert_fails(vx_repeat_interleave(ctx, x, 0, rep)); /* 3 repeats for size 2 */
    ck_assert_fails(vx_repeat_interleave(ctx, x, 1, vx_from_i32(ctx, 1, (int64_t[]){3}, (int32_t[]){1, -2, 1})));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "negative"));
    ck_assert_fails(vx_repeat_interleave(ctx, x, 1, vx_from_i32(ctx, 1, (int64_t[]){3}, (int32_t[]){0, 0, 0})));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "empty"));
    vx_ctx_free(ctx);
}
END_TEST

/* --- where and masked_fill -------------------------------------------------- */

START_TEST(where_broadcasts_condition_and_operands)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *cond = from_u8(ctx, 2, (int64_t[]){2, 1}, (uint8_t[]){1, 0});
    vx_tensor *a = vx_from_f32(ctx, 2, (int64_t[]){2, 3}, (float[]){0, 1, 2, 3, 4, 5});
    vx_tensor *b = vx_from_f32(ctx, 1, (int64_t[]){3}, (float[]){-1, -2, -3});
    vx_tensor *y = vx_where(ctx, cond, a, b);
    expect_shape(y, 2, (int64_t[]){2, 3});
    /* python3 -c "import numpy as np; print(np.where(np.array([[1],[0]],bool),np.arange(6).reshape(2,3),
     *             np.array([-1,-2,-3])).ravel())" */
    expect_values(y, (float[]){0, 1, 2, -1, -2, -3}, 6);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(where_sends_gradient_to_the_chosen_side)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *cond = from_u8(ctx, 1, (int64_t[]){3}, (uint8_t[]){1, 0, 2});
    vx_tensor *a = leaf(ctx, 1, (int64_t[]){3}, (float[]){1, 2, 3});
    vx_tensor *b = leaf(ctx, 0, NULL, (float[]){9});
    ck_assert_int_eq(vx_backward(ctx, vx_where(ctx, cond, a, b)), VX_OK);
    expect_values(a->grad, (float[]){1, 0, 1}, 3); /* non-zero cond (1 and 2) picks a */
    expect_values(b->grad, (float[]){1}, 1);       /* the scalar b was broadcast once */
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(where_rejects_bad_inputs)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *a = vx_new(ctx, VX_F32, 2, (int64_t[]){2, 3});
    vx_tensor *cond = vx_new(ctx, VX_U8, 2, (int64_t[]){2, 3});
    ck_assert_fails(vx_where(ctx, vx_new(ctx, VX_F32, 2, (int64_t[]){2, 3}), a, a));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "u8"));
    ck_assert_fails(vx_where(ctx, cond, vx_new(ctx, VX_I32, 2, (int64_t[]){2, 3}), a));
    ck_assert_fails(vx_where(ctx, cond, a, vx_new(ctx, VX_I32, 2, (int64_t[]){2, 3})));
    ck_assert_fails(vx_where(ctx, cond, a, vx_new(ctx, VX_F32, 1, (int64_t[]){2})));
    ck_assert_fails(vx_where(ctx, vx_new(ctx, VX_U8, 1, (int64_t[]){4}), a, a));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "broadcast"));
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(masked_fill_broadcasts_mask_over_rows)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = vx_from_f32(ctx, 2, (int64_t[]){2, 3}, (float[]){0, 1, 2, 3, 4, 5});
    vx_tensor *mask = from_u8(ctx, 1, (int64_t[]){3}, (uint8_t[]){1, 0, 1});
    /* python3 -c "import numpy as np; x=np.arange(6.).reshape(2,3);
     *             x[np.broadcast_to(np.array([1,0,1],bool),(2,3))]=9; print(x.ravel())" */
    expect_values(vx_masked_fill(ctx, x, mask, 9), (float[]){9, 1, 9, 9, 4, 9}, 6);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(masked_fill_gives_filled_elements_no_gradient)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = leaf(ctx, 2, (int64_t[]){2, 2}, (float[]){1, 2, 3, 4});
    vx_tensor *mask = from_u8(ctx, 2, (int64_t[]){2, 1}, (uint8_t[]){0, 1});
    ck_assert_int_eq(vx_backward(ctx, vx_masked_fill(ctx, x, mask, -1e4f)), VX_OK);
    expect_values(x->grad, (float[]){1, 1, 0, 0}, 4);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(masked_fill_rejects_bad_inputs)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = vx_new(ctx, VX_F32, 2, (int64_t[]){2, 3});
    vx_tensor *mask = vx_new(ctx, VX_U8, 1, (int64_t[]){3});
    ck_assert_fails(vx_masked_fill(ctx, vx_new(ctx, VX_I32, 2, (int64_t[]){2, 3}), mask, 0));
    ck_assert_fails(vx_masked_fill(ctx, x, vx_new(ctx, VX_I32, 1, (int64_t[]){3}), 0));
    ck_assert_fails(vx_masked_fill(ctx, x, vx_new(ctx, VX_U8, 1, (int64_t[]){2}), 0));
    ck_assert_fails(vx_masked_fill(ctx, x, vx_new(ctx, VX_U8, 3, (int64_t[]){4, 2, 3}), 0));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "enlarge"));
    vx_ctx_free(ctx);
}
END_TEST

/* --- dropout --------------------------------------------------------------- */

#define STAT_N 100000

/* Zeros are Binomial(n, p)/n with sd sqrt(p(1−p)/n) = 0.00145 for p = 0.3:
 * 0.01 is about 7 sd, so a correct implementation essentially never fails. */
START_TEST(dropout_zeroes_a_fraction_p_and_scales_the_rest)
{
    vx_ctx *ctx = test_ctx();
    vx_set_training(ctx, true);
    vx_tensor *x = vx_new(ctx, VX_F32, 1, (int64_t[]){STAT_N});
    vx_fill(x, 2.0f);
    const float p = 0.3f;
    vx_tensor *y = vx_dropout(ctx, x, p);
    ck_assert_ptr_nonnull(y);
    int64_t zeros = 0;
    for (int64_t i = 0; i < STAT_N; i++) {
        float v = vx_get_f(y, i);
        if (v == 0.0f)
            zeros++;
        else
            ck_assert_close(v, 2.0 / (1.0 - p), 1e-5);
    }
    ck_assert_close((double)zeros / STAT_N, p, 0.01);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(dropout_mask_depends_only_on_the_seed)
{
    vx_ctx *c1 = test_ctx(), *c2 = test_ctx();
    vx_ctx *c3 = vx_ctx_new((vx_ctx_opts){.arena_chunk_bytes = 1 << 20, .seed = 99});
    vx_tensor *x[3], *y[3];
    vx_ctx *cs[3] = {c1, c2, c3};
    for (int k = 0; k < 3; k++) {
        vx_set_training(cs[k], true);
        x[k] = vx_new(cs[k], VX_F32, 1, (int64_t[]){1000});
        vx_fill(x[k], 1.0f);
        y[k] = vx_dropout(cs[k], x[k], 0.5f);
        ck_assert_ptr_nonnull(y[k]);
    }
    vx_tensor *again = vx_dropout(c1, x[0], 0.5f); /* the counter moved on: a new mask */
    ck_assert_ptr_nonnull(again);
    int same_seed_diff = 0, other_seed_diff = 0, next_call_diff = 0;
    for (int64_t i = 0; i < 1000; i++) {
        same_seed_diff += vx_get_f(y[0], i) != vx_get_f(y[1], i);
        other_seed_diff += vx_get_f(y[0], i) != vx_get_f(y[2], i);
        next_call_diff += vx_get_f(y[0], i) != vx_get_f(again, i);
    }
    ck_assert_int_eq(same_seed_diff, 0);
    ck_assert_int_gt(other_seed_diff, 300); /* independent masks differ in ~half the places */
    ck_assert_int_gt(next_call_diff, 300);
    vx_ctx_free(c1);
    vx_ctx_free(c2);
    vx_ctx_free(c3);
}
END_TEST

START_TEST(dropout_in_eval_mode_is_an_identity_copy)
{
    vx_ctx *ctx = test_ctx();
    ck_assert(!vx_training(ctx));
    vx_tensor *x = leaf(ctx, 1, (int64_t[]){4}, (float[]){1, -2, 3, -4});
    uint64_t counter = vx_ctx_rng(ctx)->counter;
    vx_tensor *y = vx_dropout(ctx, x, 0.9f);
    ck_assert_ptr_ne(y->data, x->data);
    expect_values(y, (float[]){1, -2, 3, -4}, 4);
    ck_assert_uint_eq(vx_ctx_rng(ctx)->counter, counter);
    ck_assert_int_eq(vx_backward(ctx, y), VX_OK);
    expect_values(x->grad, (float[]){1, 1, 1, 1}, 4);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(dropout_with_p_zero_in_training_is_identity)
{
    vx_ctx *ctx = test_ctx();
    vx_set_training(ctx, true);
    vx_tensor *x = vx_from_f32(ctx, 1, (int64_t[]){3}, (float[]){1, 2, 3});
    uint64_t counter = vx_ctx_rng(ctx)->counter;
    expect_values(vx_dropout(ctx, x, 0.0f), (float[]){1, 2, 3}, 3);
    ck_assert_uint_eq(vx_ctx_rng(ctx)->counter, counter);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(dropout_backward_reuses_the_forward_mask)
{
    vx_ctx *ctx = test_ctx();
    vx_set_training(ctx, true);
    vx_tensor *x = vx_param(ctx, NULL, VX_F32, 1, (int64_t[]){1000}, true);
    vx_fill(x, 1.0f);
    vx_tensor *y = vx_dropout(ctx, x, 0.25f);
    vx_tensor *z = vx_dropout(ctx, vx_new(ctx, VX_F32, 1, (int64_t[]){1000}), 0.25f); /* moves the RNG on */
    ck_assert_ptr_nonnull(z);
    ck_assert_int_eq(vx_backward(ctx, y), VX_OK);
    int zeros = 0;
    for (int64_t i = 0; i < 1000; i++) {
        float kept = vx_get_f(y, i) != 0.0f ? 1.0f / 0.75f : 0.0f;
        ck_assert_close(vx_get_f(x->grad, i), kept, 1e-6);
        zeros += kept == 0.0f;
    }
    ck_assert_int_gt(zeros, 0);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(dropout_rejects_bad_p_and_dtype)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = vx_new(ctx, VX_F32, 1, (int64_t[]){3});
    ck_assert_fails(vx_dropout(ctx, x, -0.1f));
    ck_assert_fails(vx_dropout(ctx, x, 1.0f));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "[0, 1)"));
    ck_assert_fails(vx_dropout(ctx, x, NAN));
    ck_assert_fails(vx_dropout(ctx, vx_new(ctx, VX_F16, 1, (int64_t[]){3}), 0.1f));
    vx_ctx_free(ctx);
}
END_TEST

/* --- sequence_mask --------------------------------------------------------- */

START_TEST(sequence_mask_marks_valid_steps)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *len = vx_from_i32(ctx, 1, (int64_t[]){3}, (int32_t[]){2, 0, 4});
    vx_tensor *m = vx_sequence_mask(ctx, len, 4);
    expect_shape(m, 2, (int64_t[]){3, 4});
    ck_assert_int_eq(m->dtype, VX_U8);
    /* python3 -c "import numpy as np; print((np.arange(4)<np.array([2,0,4])[:,None]).astype(int).ravel())" */
    const uint8_t want[12] = {1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1};
    ck_assert_mem_eq(m->data, want, 12);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(sequence_mask_rejects_bad_lengths)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *len = vx_from_i32(ctx, 1, (int64_t[]){2}, (int32_t[]){2, 3});
    ck_assert_fails(vx_sequence_mask(ctx, vx_new(ctx, VX_F32, 1, (int64_t[]){2}), 3));
    ck_assert_fails(vx_sequence_mask(ctx, vx_new(ctx, VX_I32, 2, (int64_t[]){1, 2}), 3));
    ck_assert_fails(vx_sequence_mask(ctx, len, -1));
    ck_assert_fails(vx_sequence_mask(ctx, len, 2)); /* length 3 does not fit */
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "length 3"));
    ck_assert_fails(vx_sequence_mask(ctx, vx_from_i32(ctx, 1, (int64_t[]){1}, (int32_t[]){-1}), 3));
    vx_ctx_free(ctx);
}
END_TEST

/* --- random ---------------------------------------------------------------- */

/* Mean of N(0,1) over n = 1e5 has sd 0.0032, the sample sd has sd ≈ 1/sqrt(2n)
 * = 0.0022, the fraction within ±1 has sd 0.0015: bounds are ≥ 6 sd wide. */
START_TEST(randn_has_unit_normal_statistics)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *z = vx_randn(ctx, 2, (int64_t[]){100, STAT_N / 100});
    expect_shape(z, 2, (int64_t[]){100, STAT_N / 100});
    double sum = 0, sq = 0;
    int64_t within_one = 0;
    const float *p = z->data;
    for (int64_t i = 0; i < STAT_N; i++) {
        sum += p[i];
        sq += (double)p[i] * p[i];
        within_one += fabsf(p[i]) < 1.0f;
    }
    double mean = sum / STAT_N, sd = sqrt(sq / STAT_N - mean * mean);
    ck_assert_close(mean, 0.0, 0.02);
    ck_assert_close(sd, 1.0, 0.02);
    /* python3 -c "import math; print(math.erf(1/math.sqrt(2)))" -> 0.6826894921370859 */
    ck_assert_close((double)within_one / STAT_N, 0.6826894921370859, 0.01);
    vx_ctx_free(ctx);
}
END_TEST

/* U[0,1) has mean 1/2 and variance 1/12; over 1e5 draws the mean has sd 0.0009. */
START_TEST(rand_is_uniform_on_the_unit_interval)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *u = vx_rand(ctx, 1, (int64_t[]){STAT_N});
    ck_assert_ptr_nonnull(u);
    double sum = 0, sq = 0;
    int64_t below_tenth = 0;
    const float *p = u->data;
    for (int64_t i = 0; i < STAT_N; i++) {
        ck_assert(p[i] >= 0.0f && p[i] < 1.0f);
        sum += p[i];
        sq += (double)p[i] * p[i];
        below_tenth += p[i] < 0.1f;
    }
    double mean = sum / STAT_N;
    ck_assert_close(mean, 0.5, 0.006);
    ck_assert_close(sq / STAT_N - mean * mean, 1.0 / 12.0, 0.003);
    ck_assert_close((double)below_tenth / STAT_N, 0.1, 0.006);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(random_values_repeat_for_a_seed_and_differ_across_seeds)
{
    vx_ctx *c1 = test_ctx(), *c2 = test_ctx();
    vx_ctx *c3 = vx_ctx_new((vx_ctx_opts){.arena_chunk_bytes = 1 << 20, .seed = 4321});
    vx_tensor *n1 = vx_randn(c1, 1, (int64_t[]){64}), *u1 = vx_rand(c1, 1, (int64_t[]){64});
    vx_tensor *n2 = vx_randn(c2, 1, (int64_t[]){64}), *u2 = vx_rand(c2, 1, (int64_t[]){64});
    vx_tensor *n3 = vx_randn(c3, 1, (int64_t[]){64}), *u3 = vx_rand(c3, 1, (int64_t[]){64});
    ck_assert_mem_eq(n1->data, n2->data, 64 * sizeof(float));
    ck_assert_mem_eq(u1->data, u2->data, 64 * sizeof(float));
    int n_same = 0, u_same = 0;
    for (int i = 0; i < 64; i++) {
        n_same += vx_get_f(n1, i) == vx_get_f(n3, i);
        u_same += vx_get_f(u1, i) == vx_get_f(u3, i);
    }
    ck_assert_int_lt(n_same, 4);
    ck_assert_int_lt(u_same, 4);
    vx_ctx_free(c1);
    vx_ctx_free(c2);
    vx_ctx_free(c3);
}
END_TEST

/* Values depend only on (seed, counter): two draws of 10 equal one draw of 20,
 * and rewinding the counter replays the stream. */
START_TEST(random_stream_continues_across_calls_and_replays_on_rewind)
{
    vx_ctx *c1 = test_ctx(), *c2 = test_ctx();
    vx_tensor *a = vx_rand(c1, 1, (int64_t[]){10}), *b = vx_rand(c1, 1, (int64_t[]){10});
    vx_tensor *ab = vx_rand(c2, 2, (int64_t[]){2, 10});
    ck_assert_mem_eq(a->data, ab->data, 10 * sizeof(float));
    ck_assert_mem_eq(b->data, (float *)ab->data + 10, 10 * sizeof(float));
    ck_assert_uint_eq(vx_ctx_rng(c1)->counter, 20);
    vx_tensor *z = vx_randn(c1, 1, (int64_t[]){5});
    ck_assert_uint_eq(vx_ctx_rng(c1)->counter, 30); /* two positions per normal */
    vx_ctx_rng(c1)->counter = 20;
    vx_tensor *z2 = vx_randn(c1, 1, (int64_t[]){5});
    ck_assert_mem_eq(z->data, z2->data, 5 * sizeof(float));
    vx_ctx_free(c1);
    vx_ctx_free(c2);
}
END_TEST

START_TEST(random_rejects_bad_shapes)
{
    vx_ctx *ctx = test_ctx();
    ck_assert_fails(vx_randn(ctx, 5, (int64_t[]){1, 1, 1, 1, 1}));
    ck_assert_fails(vx_rand(ctx, 2, (int64_t[]){3, -1}));
    ck_assert_ptr_nonnull(vx_rand(ctx, 0, NULL)); /* a 0-d scalar is fine */
    vx_ctx_free(ctx);
}
END_TEST

/* --- cross-cutting --------------------------------------------------------- */

START_TEST(null_inputs_propagate_without_new_error)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = vx_new(ctx, VX_F32, 1, (int64_t[]){3});
    vx_tensor *i = vx_from_i32(ctx, 1, (int64_t[]){3}, (int32_t[]){0, 1, 1});
    vx_tensor *m = vx_new(ctx, VX_U8, 1, (int64_t[]){3});
    vx_fail(VX_ERR_ARG, "original");
    ck_assert_ptr_null(vx_embedding(ctx, NULL, i));
    ck_assert_ptr_null(vx_embedding(ctx, x, NULL));
    ck_assert_ptr_null(vx_concat(ctx, (vx_tensor *[]){x, NULL}, 2, 0));
    ck_assert_ptr_null(vx_pad(ctx, NULL, 0, 1, 1, VX_PAD_CONSTANT, 0));
    ck_assert_ptr_null(vx_index_select(ctx, NULL, 0, i));
    ck_assert_ptr_null(vx_index_select(ctx, x, 0, NULL));
    ck_assert_ptr_null(vx_repeat_interleave(ctx, NULL, 0, i));
    ck_assert_ptr_null(vx_repeat_interleave(ctx, x, 0, NULL));
    ck_assert_ptr_null(vx_where(ctx, NULL, x, x));
    ck_assert_ptr_null(vx_where(ctx, m, NULL, x));
    ck_assert_ptr_null(vx_where(ctx, m, x, NULL));
    ck_assert_ptr_null(vx_masked_fill(ctx, NULL, m, 0));
    ck_assert_ptr_null(vx_masked_fill(ctx, x, NULL, 0));
    ck_assert_ptr_null(vx_dropout(ctx, NULL, 0.5f));
    ck_assert_ptr_null(vx_sequence_mask(ctx, NULL, 3));
    ck_assert_str_eq(vx_last_error(), "original");
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(ops_record_nothing_without_grad)
{
    vx_ctx *ctx = test_ctx();
    vx_set_training(ctx, true);
    vx_tensor *x = leaf(ctx, 2, (int64_t[]){2, 2}, (float[]){1, 2, 3, 4});
    vx_tensor *idx = vx_from_i32(ctx, 1, (int64_t[]){2}, (int32_t[]){1, 0});
    vx_tensor *mask = from_u8(ctx, 1, (int64_t[]){2}, (uint8_t[]){1, 0});
    vx_set_grad_enabled(ctx, false);
    ck_assert_ptr_nonnull(vx_embedding(ctx, x, idx));
    ck_assert_ptr_nonnull(vx_concat(ctx, (vx_tensor *[]){x, x}, 2, 0));
    ck_assert_ptr_nonnull(vx_pad(ctx, x, 1, 1, 1, VX_PAD_REFLECT, 0));
    ck_assert_ptr_nonnull(vx_index_select(ctx, x, 0, idx));
    ck_assert_ptr_nonnull(vx_repeat_interleave(ctx, x, 1, idx));
    ck_assert_ptr_nonnull(vx_where(ctx, mask, x, x));
    ck_assert_ptr_nonnull(vx_masked_fill(ctx, x, mask, 0));
    ck_assert_ptr_nonnull(vx_dropout(ctx, x, 0.5f));
    ck_assert_int_eq(vx_tape_len(ctx), 0);
    vx_set_grad_enabled(ctx, true);
    vx_tensor *y = vx_concat(ctx, (vx_tensor *[]){x, x}, 2, 0);
    ck_assert(y->requires_grad);
    ck_assert_int_eq(vx_tape_len(ctx), 1);
    vx_ctx_free(ctx);
}
END_TEST

Suite *suite_ops_index(void)
{
    Suite *s = suite_create("ops_index");
    TCase *tc = tcase_create("assembly");
    tcase_add_test(tc, embedding_gathers_rows_for_2d_indices);
    tcase_add_test(tc, embedding_backward_accumulates_repeated_rows);
    tcase_add_test(tc, embedding_rejects_bad_inputs_naming_index_and_vocab);
    tcase_add_test(tc, concat_joins_along_middle_axis);
    tcase_add_test(tc, concat_of_eight_inputs_matches_numpy_and_routes_grads);
    tcase_add_test(tc, concat_rejects_bad_inputs);
    tcase_add_test(tc, pad_reflect_matches_numpy);
    tcase_add_test(tc, pad_constant_fills_value_on_both_sides);
    tcase_add_test(tc, pad_reflect_on_first_axis_and_constant_on_transposed_view);
    tcase_add_test(tc, pad_reflect_backward_counts_mirrored_elements);
    tcase_add_test(tc, pad_rejects_bad_inputs);
    tcase_add_test(tc, index_select_gathers_with_duplicates);
    tcase_add_test(tc, index_select_backward_accumulates_duplicates);
    tcase_add_test(tc, index_select_reads_transposed_view);
    tcase_add_test(tc, index_select_rejects_bad_inputs);
    tcase_add_test(tc, repeat_interleave_regulates_length_of_time_major_features);
    tcase_add_test(tc, repeat_interleave_expands_channels_first_over_time);
    tcase_add_test(tc, repeat_interleave_rejects_bad_repeats);
    tcase_add_test(tc, where_broadcasts_condition_and_operands);
    tcase_add_test(tc, where_sends_gradient_to_the_chosen_side);
    tcase_add_test(tc, where_rejects_bad_inputs);
    tcase_add_test(tc, masked_fill_broadcasts_mask_over_rows);
    tcase_add_test(tc, masked_fill_gives_filled_elements_no_gradient);
    tcase_add_test(tc, masked_fill_rejects_bad_inputs);
    tcase_add_test(tc, sequence_mask_marks_valid_steps);
    tcase_add_test(tc, sequence_mask_rejects_bad_lengths);
    tcase_add_test(tc, null_inputs_propagate_without_new_error);
    tcase_add_test(tc, ops_record_nothing_without_grad);
    suite_add_tcase(s, tc);
    tc = tcase_create("random");
    tcase_add_test(tc, dropout_zeroes_a_fraction_p_and_scales_the_rest);
    tcase_add_test(tc, dropout_mask_depends_only_on_the_seed);
    tcase_add_test(tc, dropout_in_eval_mode_is_an_identity_copy);
    tcase_add_test(tc, dropout_with_p_zero_in_training_is_identity);
    tcase_add_test(tc, dropout_backward_reuses_the_forward_mask);
    tcase_add_test(tc, dropout_rejects_bad_p_and_dtype);
    tcase_add_test(tc, randn_has_unit_normal_statistics);
    tcase_add_test(tc, rand_is_uniform_on_the_unit_interval);
    tcase_add_test(tc, random_values_repeat_for_a_seed_and_differ_across_seeds);
    tcase_add_test(tc, random_stream_continues_across_calls_and_replays_on_rewind);
    tcase_add_test(tc, random_rejects_bad_shapes);
    suite_add_tcase(s, tc);
    return s;
}
