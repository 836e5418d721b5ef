/* test_core.c — dtypes, the RNG, the arena context, tensor headers and the
 * autograd tape itself (grad mode, accumulation, persistence across reset),
 * whole-file reads. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/read_file.h"

#include "test_util.h"

/* --- dtypes ------------------------------------------------------------------ */

START_TEST(dtype_sizes_and_names)
{
    ck_assert_int_eq(vx_dtype_size(VX_F32), 4);
    ck_assert_int_eq(vx_dtype_size(VX_F16), 2);
    ck_assert_int_eq(vx_dtype_size(VX_BF16), 2);
    ck_assert_int_eq(vx_dtype_size(VX_I32), 4);
    ck_assert_int_eq(vx_dtype_size(VX_I8), 1);
    ck_assert_int_eq(vx_dtype_size(VX_U8), 1);
    ck_assert_str_eq(vx_dtype_name(VX_BF16), "bf16");
    ck_assert_str_eq(vx_dtype_name((vx_dtype)99), "?");
}
END_TEST

/* Bit patterns from IEEE 754 binary16 (e.g. numpy: np.float16(x).view(np.uint16)). */
START_TEST(f16_conversion_matches_ieee_bit_patterns)
{
    struct { float f; uint16_t h; } rows[] = {
        {0.0f, 0x0000}, {-0.0f, 0x8000}, {1.0f, 0x3c00}, {-2.0f, 0xc000},
        {65504.0f, 0x7bff},            /* largest finite                    */
        {65520.0f, 0x7c00},            /* rounds up to Inf                  */
        {6.103515625e-05f, 0x0400},    /* smallest normal                   */
        {5.960464477539063e-08f, 0x0001}, /* smallest subnormal             */
        {2.980232238769531e-08f, 0x0000}, /* half of it: ties to even -> 0  */
        {1.00048828125f, 0x3c00},      /* 1 + 2^-11: tie, rounds to even    */
        {1.00146484375f, 0x3c02},      /* 1 + 3·2^-11: tie, rounds up to even */
        {INFINITY, 0x7c00}, {-INFINITY, 0xfc00},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
        ck_assert_msg(vx_f32_to_f16(rows[i].f) == rows[i].h, "f16(%g) = 0x%04x, want 0x%04x",
                      rows[i].f, vx_f32_to_f16(rows[i].f), rows[i].h);
    ck_assert(isnan(vx_f16_to_f32(vx_f32_to_f16(NAN))));
}
END_TEST

START_TEST(f16_round_trip_is_exact_for_every_finite_half)
{
    for (uint32_t h = 0; h < 0x10000; h++) {
        if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff))
            continue; /* NaN payloads */
        float f = vx_f16_to_f32((uint16_t)h);
        ck_assert_msg(vx_f32_to_f16(f) == h, "half 0x%04x -> %g -> 0x%04x", h, f, vx_f32_to_f16(f));
    }
}
END_TEST

/* bf16 = top half of the f32 bits, rounded to nearest even. */
START_TEST(bf16_conversion_rounds_to_nearest_even)
{
    ck_assert_uint_eq(vx_f32_to_bf16(1.0f), 0x3f80);
    ck_assert_uint_eq(vx_f32_to_bf16(-2.5f), 0xc020);
    float tie_down, tie_up, above;
    uint32_t b = 0x3f808000u; /* exactly halfway between 0x3f80 and 0x3f81: even is 0x3f80 */
    memcpy(&tie_down, &b, 4);
    b = 0x3f818000u;          /* halfway between 0x3f81 and 0x3f82: even is 0x3f82 */
    memcpy(&tie_up, &b, 4);
    b = 0x3f808001u;
    memcpy(&above, &b, 4);
    ck_assert_uint_eq(vx_f32_to_bf16(tie_down), 0x3f80);
    ck_assert_uint_eq(vx_f32_to_bf16(tie_up), 0x3f82);
    ck_assert_uint_eq(vx_f32_to_bf16(above), 0x3f81);
    ck_assert(isnan(vx_bf16_to_f32(vx_f32_to_bf16(NAN))));
    ck_assert(isinf(vx_bf16_to_f32(vx_f32_to_bf16(INFINITY))));
    for (uint32_t h = 0; h < 0x10000; h += 7) {
        if ((h & 0x7f80) == 0x7f80 && (h & 0x7f))
            continue;
        ck_assert_uint_eq(vx_f32_to_bf16(vx_bf16_to_f32((uint16_t)h)), h);
    }
}
END_TEST

/* --- RNG ----------------------------------------------------------------------- */

START_TEST(rng_is_reproducible_and_seed_dependent)
{
    vx_rng a, b, c;
    vx_rng_init(&a, 42);
    vx_rng_init(&b, 42);
    vx_rng_init(&c, 43);
    float x[64], y[64], z[64];
    vx_rng_uniform(&a, x, 64, 0, 1);
    vx_rng_uniform(&b, y, 64, 0, 1);
    vx_rng_uniform(&c, z, 64, 0, 1);
    ck_assert_mem_eq(x, y, sizeof x);
    int same = 0;
    for (int i = 0; i < 64; i++)
        same += x[i] == z[i];
    ck_assert_int_lt(same, 3);
}
END_TEST

/* The stream does not depend on how it is cut: one call of 1000 equals ten
 * calls of 100 (what lets threads draw disjoint slices). */
START_TEST(rng_stream_is_independent_of_chunking)
{
    vx_rng whole, parts;
    vx_rng_init(&whole, 7);
    vx_rng_init(&parts, 7);
    float a[1000], b[1000];
    vx_rng_normal(&whole, a, 1000, 0, 1);
    for (int k = 0; k < 10; k++)
        vx_rng_normal(&parts, b + 100 * k, 100, 0, 1);
    ck_assert_mem_eq(a, b, sizeof a);
    ck_assert_uint_eq(whole.counter, parts.counter);
}
END_TEST

START_TEST(rng_moments_are_right)
{
    enum { N = 200000 };
    static float v[N];
    vx_rng r;
    vx_rng_init(&r, 99);
    vx_rng_normal(&r, v, N, 0, 1);
    double m = 0, s = 0;
    for (int i = 0; i < N; i++)
        m += v[i];
    m /= N;
    for (int i = 0; i < N; i++)
        s += (v[i] - m) * (v[i] - m);
    s = sqrt(s / N);
    /* standard error of the mean is 1/sqrt(N) ≈ 0.0022: allow 5 sigma */
    ck_assert_close(m, 0.0, 0.012);
    ck_assert_close(s, 1.0, 0.01);
    vx_rng_uniform(&r, v, N, -1, 3);
    double lo = 1e9, hi = -1e9;
    m = 0;
    for (int i = 0; i < N; i++) {
        lo = fmin(lo, v[i]);
        hi = fmax(hi, v[i]);
        m += v[i];
    }
    ck_assert(lo >= -1 && hi < 3);
    ck_assert_close(m / N, 1.0, 0.02);
}
END_TEST

/* --- context and memory -------------------------------------------------------- */

START_TEST(arena_reset_reuses_memory_without_growth)
{
    vx_ctx *ctx = test_ctx();
    for (int step = 0; step < 5; step++) {
        for (int i = 0; i < 100; i++)
            ck_assert_ptr_nonnull(vx_new(ctx, VX_F32, 2, (int64_t[]){64, 64}));
        vx_ctx_reset(ctx);
        ck_assert_uint_eq(vx_arena_used(ctx), 0);
    }
    size_t high = vx_arena_high_water(ctx);
    ck_assert_uint_ge(high, 100 * 64 * 64 * 4);
    ck_assert_uint_lt(high, 2 * 100 * (64 * 64 * 4 + 256));
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(arena_allocations_are_aligned_and_zeroed)
{
    vx_ctx *ctx = test_ctx();
    for (int i = 1; i < 50; i++) {
        unsigned char *p = vx_arena_alloc(ctx, (size_t)i * 3);
        ck_assert_uint_eq((uintptr_t)p % 64, 0);
        for (int k = 0; k < i * 3; k++)
            ck_assert_uint_eq(p[k], 0);
        memset(p, 0xab, (size_t)i * 3);
    }
    vx_ctx_reset(ctx);
    unsigned char *q = vx_arena_alloc(ctx, 16);
    for (int k = 0; k < 16; k++)
        ck_assert_uint_eq(q[k], 0);
    vx_ctx_free(ctx);
}
END_TEST

/* Releasing to a mark hands the memory after it out again, in order, also
 * when chunks were added after the mark, and restores the bytes in use and
 * the tape; what came before the mark stays. */
START_TEST(arena_release_to_a_mark_reuses_what_came_after_it)
{
    vx_ctx *ctx = vx_ctx_new((vx_ctx_opts){.arena_chunk_bytes = 1 << 12});
    float *kept = vx_arena_alloc(ctx, 1000);
    kept[0] = 42.0f;
    vx_arena_point m = vx_arena_mark(ctx);
    size_t used = vx_arena_used(ctx);
    vx_tensor *w = vx_param(ctx, "w", VX_F32, 1, (int64_t[]){8}, true);
    ck_assert_ptr_nonnull(w);
    for (int round = 0; round < 3; round++) {
        void *first = vx_arena_alloc(ctx, 100);
        ck_assert_ptr_nonnull(vx_arena_alloc(ctx, 3 << 12)); /* a chunk of its own */
        void *later = vx_arena_alloc(ctx, 2000);             /* after that chunk  */
        ck_assert_ptr_nonnull(vx_scale(ctx, w, 2.0f));       /* one tape entry    */
        ck_assert_int_eq(vx_tape_len(ctx), 1);
        vx_arena_release(ctx, m);
        ck_assert_uint_eq(vx_arena_used(ctx), used);
        ck_assert_int_eq(vx_tape_len(ctx), 0);
        ck_assert_ptr_eq(vx_arena_alloc(ctx, 100), first);
        vx_arena_release(ctx, m);
        (void)later;
    }
    ck_assert_float_eq(kept[0], 42.0f);
    vx_ctx_free(ctx);
    ctx = test_ctx(); /* a mark taken before the first chunk exists */
    vx_arena_point start = vx_arena_mark(ctx);
    void *p = vx_arena_alloc(ctx, 64);
    vx_arena_release(ctx, start);
    ck_assert_uint_eq(vx_arena_used(ctx), 0);
    ck_assert_ptr_eq(vx_arena_alloc(ctx, 64), p);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(arena_limit_gives_out_of_memory_error)
{
    vx_ctx *ctx = vx_ctx_new((vx_ctx_opts){.arena_limit_bytes = 1 << 16});
    ck_assert_ptr_nonnull(vx_new(ctx, VX_F32, 1, (int64_t[]){1000}));
    ck_assert_fails(vx_new(ctx, VX_F32, 1, (int64_t[]){100000}));
    ck_assert_int_eq(vx_last_status(), VX_ERR_OOM);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "arena limit"));
    vx_ctx_free(ctx);
}
END_TEST

/* vx_empty: same header, alignment and checks as vx_new; the memory it
 * hands out is not cleared, but vx_new's still is after it was dirtied. */
START_TEST(empty_tensors_have_the_shape_and_checks_of_new)
{
    vx_ctx *ctx = vx_ctx_new((vx_ctx_opts){.arena_limit_bytes = 1 << 16});
    vx_tensor *e = vx_empty(ctx, VX_F32, 3, (int64_t[]){2, 3, 5});
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->ndim, 3);
    ck_assert_int_eq(vx_numel(e), 30);
    ck_assert(vx_is_contiguous(e));
    ck_assert_uint_eq((uintptr_t)e->data % 64, 0);
    memset(e->data, 0xab, 30 * sizeof(float));
    vx_ctx_reset(ctx);
    vx_tensor *z = vx_new(ctx, VX_F32, 3, (int64_t[]){2, 3, 5});
    ck_assert_ptr_eq(z->data, e->data); /* the same memory, cleared again */
    for (int i = 0; i < 30; i++)
        ck_assert_float_eq(((float *)z->data)[i], 0.0f);
    ck_assert_fails(vx_empty(ctx, VX_F32, 1, (int64_t[]){-3}));
    ck_assert_fails(vx_empty(ctx, VX_F32, 1, (int64_t[]){100000}));
    ck_assert_int_eq(vx_last_status(), VX_ERR_OOM);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(bad_shapes_are_errors)
{
    vx_ctx *ctx = test_ctx();
    ck_assert_fails(vx_new(ctx, VX_F32, 5, (int64_t[]){1, 1, 1, 1, 1}));
    ck_assert_fails(vx_new(ctx, VX_F32, 1, (int64_t[]){-3}));
    ck_assert_fails(vx_new(ctx, VX_F32, 2, (int64_t[]){INT64_MAX / 2, 4}));
    ck_assert_fails(vx_param(ctx, "w", VX_F32, -1, NULL, true));
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(params_survive_reset_and_keep_names)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *w = vx_param(ctx, "dec.ups.0.weight", VX_F32, 3, (int64_t[]){4, 2, 3}, true);
    vx_fill(w, 2.5f);
    vx_tensor *i = vx_param(ctx, "ids", VX_I32, 1, (int64_t[]){3}, true);
    ck_assert(!i->requires_grad); /* integer tensors never require grad */
    for (int k = 0; k < 3; k++)
        vx_ctx_reset(ctx);
    ck_assert_str_eq(w->name, "dec.ups.0.weight");
    ck_assert_float_eq(vx_get_f(w, 23), 2.5f);
    ck_assert(w->persistent && w->requires_grad);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(tensor_queries)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *t = vx_new(ctx, VX_F32, 3, (int64_t[]){2, 3, 4});
    char buf[64];
    ck_assert_str_eq(vx_shape_str(t, buf, sizeof buf), "[2, 3, 4]");
    ck_assert_int_eq(vx_numel(t), 24);
    ck_assert_int_eq(vx_norm_axis(t, -1), 2);
    ck_assert_int_eq(vx_norm_axis(t, 3), -1);
    ck_assert(vx_is_contiguous(t));
    vx_tensor *s = vx_scalar(ctx, 3.0f);
    ck_assert_int_eq(s->ndim, 0);
    ck_assert_int_eq(vx_numel(s), 1);
    ck_assert_float_eq(vx_get_f(s, 0), 3.0f);
    vx_ctx_free(ctx);
}
END_TEST

/* --- autograd ---------------------------------------------------------------------- */

START_TEST(no_grad_records_nothing)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *w = vx_param(ctx, "w", VX_F32, 1, (int64_t[]){8}, true);
    vx_set_grad_enabled(ctx, false);
    vx_tensor *y = vx_tanh(ctx, vx_mul(ctx, w, w));
    ck_assert_ptr_nonnull(y);
    ck_assert_int_eq(vx_tape_len(ctx), 0);
    ck_assert(!y->requires_grad);
    ck_assert_int_ne(vx_backward(ctx, y), VX_OK);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "does not require grad"));
    vx_set_grad_enabled(ctx, true);
    y = vx_tanh(ctx, vx_mul(ctx, w, w));
    ck_assert_int_eq(vx_tape_len(ctx), 2);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(inputs_without_grad_record_nothing)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *x = vx_new(ctx, VX_F32, 1, (int64_t[]){8});
    vx_tensor *y = vx_exp(ctx, vx_add(ctx, x, x));
    ck_assert_int_eq(vx_tape_len(ctx), 0);
    ck_assert(!y->requires_grad);
    vx_ctx_free(ctx);
}
END_TEST

/* y = w·w + w  →  dy/dw = 2w + 1; two backward passes accumulate. */
START_TEST(gradients_accumulate_until_zeroed)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *w = vx_param(ctx, "w", VX_F32, 1, (int64_t[]){3}, true);
    for (int i = 0; i < 3; i++)
        vx_set_f(w, i, (float)i - 1);
    for (int pass = 1; pass <= 2; pass++) {
        vx_tensor *y = vx_add(ctx, vx_mul(ctx, w, w), w);
        ck_assert_int_eq(vx_backward(ctx, y), VX_OK);
        for (int i = 0; i < 3; i++)
            ck_assert_float_eq(vx_get_f(w->grad, i), pass * (2.0f * ((float)i - 1) + 1));
        vx_ctx_reset(ctx);
    }
    vx_zero_grad(&w, 1);
    for (int i = 0; i < 3; i++)
        ck_assert_float_eq(vx_get_f(w->grad, i), 0);
    vx_ctx_free(ctx);
}
END_TEST

/* A tensor used twice gets both contributions: y = sum-free tanh(w)·w. */
START_TEST(fan_out_sums_gradient_contributions)
{
    vx_ctx *ctx = test_ctx();
    vx_tensor *w = vx_param(ctx, "w", VX_F32, 1, (int64_t[]){1}, true);
    vx_set_f(w, 0, 0.5f);
    vx_tensor *y = vx_mul(ctx, vx_tanh(ctx, w), w);
    ck_assert_int_eq(vx_backward(ctx, y), VX_OK);
    double t = tanh(0.5);
    ck_assert_close(vx_get_f(w->grad, 0), (1 - t * t) * 0.5 + t, 1e-6);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(backward_of_null_loss_is_an_error)
{
    vx_ctx *ctx = test_ctx();
    ck_assert_int_eq(vx_backward(ctx, NULL), VX_ERR_ARG);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "NULL"));
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(op_registry_is_consistent)
{
    ck_assert_int_eq(vx_op_lookup("conv1d"), VX_OP_CONV1D);
    ck_assert_int_eq(vx_op_lookup("no_such_op"), -1);
    for (int i = 0; i < VX_OP_COUNT; i++) {
        ck_assert_ptr_nonnull(vx_op_table[i].name);
        ck_assert_int_eq(vx_op_lookup(vx_op_table[i].name), i);
    }
    ck_assert(!vx_op_table[VX_OP_ARGMAX].differentiable);
    ck_assert(vx_op_table[VX_OP_WEIGHT_NORM].differentiable);
}
END_TEST

START_TEST(status_messages_are_thread_local_strings)
{
    vx_clear_error();
    ck_assert_str_eq(vx_last_error(), "");
    ck_assert_int_eq(vx_last_status(), VX_OK);
    ck_assert_int_eq(vx_fail(VX_ERR_IO, "cannot open %s", "x.wav"), VX_ERR_IO);
    ck_assert_str_eq(vx_last_error(), "cannot open x.wav");
    ck_assert_str_eq(vx_status_name(VX_ERR_FORMAT), "format error");
}
END_TEST

/* Whole-file reads: content and length, an empty file, the size limit and a
 * missing file are each told apart. */
START_TEST(read_file_returns_the_bytes_and_refuses_missing_or_large_files)
{
    char path[] = "/tmp/voxc-read-file-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "a\0bc", 4), 4);
    close(fd);
    size_t len = 99;
    char *text = vx_read_file(path, 4, "test file", &len);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(len, 4);
    ck_assert(memcmp(text, "a\0bc", 5) == 0); /* NUL-terminated after the bytes */
    free(text);
    ck_assert_ptr_null(vx_read_file(path, 3, "test file", &len));
    ck_assert_int_eq(vx_last_status(), VX_ERR_FORMAT);
    ck_assert(strstr(vx_last_error(), "test file") && strstr(vx_last_error(), "larger than 3 bytes"));
    ck_assert_int_eq(truncate(path, 0), 0);
    ck_assert_ptr_nonnull(text = vx_read_file(path, 0, NULL, &len));
    ck_assert_uint_eq(len, 0);
    ck_assert_int_eq(text[0], '\0');
    free(text);
    unlink(path);
    ck_assert_ptr_null(vx_read_file(path, 100, NULL, &len));
    ck_assert_int_eq(vx_last_status(), VX_ERR_IO);
    ck_assert(strstr(vx_last_error(), "cannot open"));
}
END_TEST

Suite *suite_core(void)
{
    Suite *s = suite_create("core");
    TCase *tc = tcase_create("dtype");
    tcase_add_test(tc, dtype_sizes_and_names);
    tcase_add_test(tc, f16_conversion_matches_ieee_bit_patterns);
    tcase_add_test(tc, f16_round_trip_is_exact_for_every_finite_half);
    tcase_add_test(tc, bf16_conversion_rounds_to_nearest_even);
    suite_add_tcase(s, tc);
    tc = tcase_create("rng");
    tcase_add_test(tc, rng_is_reproducible_and_seed_dependent);
    tcase_add_test(tc, rng_stream_is_independent_of_chunking);
    tcase_add_test(tc, rng_moments_are_right);
    suite_add_tcase(s, tc);
    tc = tcase_create("memory");
    tcase_add_test(tc, arena_reset_reuses_memory_without_growth);
    tcase_add_test(tc, arena_allocations_are_aligned_and_zeroed);
    tcase_add_test(tc, arena_limit_gives_out_of_memory_error);
    tcase_add_test(tc, arena_release_to_a_mark_reuses_what_came_after_it);
    tcase_add_test(tc, empty_tensors_have_the_shape_and_checks_of_new);
    tcase_add_test(tc, bad_shapes_are_errors);
    tcase_add_test(tc, params_survive_reset_and_keep_names);
    tcase_add_test(tc, tensor_queries);
    suite_add_tcase(s, tc);
    tc = tcase_create("autograd");
    tcase_add_test(tc, no_grad_records_nothing);
    tcase_add_test(tc, inputs_without_grad_record_nothing);
    tcase_add_test(tc, gradients_accumulate_until_zeroed);
    tcase_add_test(tc, fan_out_sums_gradient_contributions);
    tcase_add_test(tc, backward_of_null_loss_is_an_error);
    tcase_add_test(tc, op_registry_is_consistent);
    tcase_add_test(tc, status_messages_are_thread_local_strings);
    tcase_add_test(tc, read_file_returns_the_bytes_and_refuses_missing_or_large_files);
    suite_add_tcase(s, tc);
    return s;
}
