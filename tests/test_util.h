/* test_util.h — shared helpers for the Check suites. */
#ifndef VX_TEST_UTIL_H
#define VX_TEST_UTIL_H

#include <check.h>
#include <math.h>

#include "core/vx.h"

/* A fresh context with a fixed seed; tests free it with vx_ctx_free. */
static inline vx_ctx *test_ctx(void)
{
    vx_ctx *ctx = vx_ctx_new((vx_ctx_opts){.arena_chunk_bytes = 1 << 20, .seed = 1234});
    ck_assert_ptr_nonnull(ctx);
    return ctx;
}

/* Assert |a - b| <= tol with both values printed. */
#define ck_assert_close(a, b, tol)                                                            \
    do {                                                                                      \
        double a_ = (a), b_ = (b);                                                            \
        ck_assert_msg(fabs(a_ - b_) <= (tol), "%s = %.9g, %s = %.9g, |diff| %.3g > %.3g", #a, \
                      a_, #b, b_, fabs(a_ - b_), (double)(tol));                              \
    } while (0)

/* Assert that a call failed with a non-empty error message. */
#define ck_assert_fails(expr)                                                     \
    do {                                                                          \
        vx_clear_error();                                                         \
        ck_assert_msg(!(expr), "%s should have failed", #expr);                   \
        ck_assert_msg(vx_last_error()[0] != '\0', "%s set no error message", #expr); \
    } while (0)

/* 1 in `make asan` builds (AddressSanitizer, gcc or clang), else 0: for the
 * few cases that are skipped there, each saying why. */
#if defined(__SANITIZE_ADDRESS__)
#define VX_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VX_SANITIZED 1
#endif
#endif
#ifndef VX_SANITIZED
#define VX_SANITIZED 0
#endif

#endif
