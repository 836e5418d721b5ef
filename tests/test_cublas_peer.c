/* test_cublas_peer.c — cuBLAS as the benchmark peer of the cuda backend's
 * GEMM (hw/cuda/cublas_peer.c, voxc-opbench --vs-cublas): a missing library
 * or entry point is a clear "cuBLAS not available" error, bad arguments are
 * refused before any CUDA call, and the tool refuses --vs-cublas without
 * --backend cuda and says in one line why it cannot run where there is no
 * GPU. With a GPU, libcublas and `make CUDA=1` the same tests check the
 * row-major call against a host reference and the tool's cublas_ms/ratio;
 * without them those parts print one SKIPPED notice. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/backend.h"
#include "hw/cuda/cublas_peer.h"
#include "test_files.h"
#include "test_util.h"

/* Each test runs in its own process (check forks), so the library choice
 * below is made afresh: the peer keeps only a library that loaded. */
START_TEST(missing_cublas_library_or_entry_point_is_reported_not_fatal)
{
    setenv("VOXC_CUBLAS_LIBRARY", "/nonexistent/libcublas.so.13", 1);
    ck_assert_int_eq(vxcu_cublas_start(), VX_ERR_UNSUPPORTED);
    ck_assert_msg(strstr(vx_last_error(), "cuBLAS not available: /nonexistent/libcublas.so.13 could "
                                          "not be loaded") &&
                      strstr(vx_last_error(), "VOXC_CUBLAS_LIBRARY"),
                  "%s", vx_last_error());
    setenv("VOXC_CUBLAS_LIBRARY", "libm.so.6", 1); /* loads, but is no cuBLAS */
    ck_assert_int_eq(vxcu_cublas_start(), VX_ERR_UNSUPPORTED);
    ck_assert_msg(strstr(vx_last_error(), "cuBLAS not available: libm.so.6 lacks cublasCreate_v2"), "%s",
                  vx_last_error());
    ck_assert_str_eq(vxcu_cublas_name(), "");
    unsetenv("VOXC_CUBLAS_LIBRARY");
}
END_TEST

START_TEST(cublas_sgemm_refuses_bad_sizes_and_buffers_before_any_cuda_call)
{
    const vx_backend *cuda = vx_backend_get("cuda"), *cpu = vx_backend_get("cpu");
    ck_assert_ptr_nonnull(cuda);
    /* descriptors only: the checks must not touch the (absent) device memory */
    vx_buffer a = {cuda, 4 * 6, NULL}, b = {cuda, 4 * 12, NULL}, c = {cuda, 4 * 8, NULL};
    vx_buffer host = {cpu, 4 * 6, NULL}, small = {cuda, 4 * 7, NULL};
    double ms = -1;
    ck_assert_int_eq(vxcu_cublas_sgemm(0, 4, 3, &a, &b, &c, &ms), VX_ERR_ARG);
    ck_assert_int_eq(vxcu_cublas_sgemm(2, 4, (int64_t)1 << 31, &a, &b, &c, &ms), VX_ERR_ARG);
    ck_assert_msg(strstr(vx_last_error(), "must be 1..2147483647"), "%s", vx_last_error());
    ck_assert_int_eq(vxcu_cublas_sgemm(2, 4, 3, &host, &b, &c, &ms), VX_ERR_ARG);
    ck_assert_msg(strstr(vx_last_error(), "A must be a buffer of the cuda backend"), "%s", vx_last_error());
    ck_assert_int_eq(vxcu_cublas_sgemm(2, 4, 3, &a, NULL, &c, &ms), VX_ERR_ARG);
    ck_assert_int_eq(vxcu_cublas_sgemm(2, 4, 3, &a, &b, &small, &ms), VX_ERR_ARG);
    ck_assert_msg(strstr(vx_last_error(), "C holds 28 bytes, 8 floats are needed"), "%s", vx_last_error());
    ck_assert_int_eq(vxcu_cublas_sgemm(2, 3, 3, &a, &b, &a, &ms), VX_ERR_ARG); /* sizes fit */
    ck_assert_msg(strstr(vx_last_error(), "C must not be A or B"), "%s", vx_last_error());
    ck_assert(ms == -1);
}
END_TEST

/* Row-major C [M, N] = A [M, K] · B [K, N] against a double-precision host
 * product, on odd sizes (a swapped operand or leading dimension fails). */
static void check_sgemm_on_device(const vx_backend *be)
{
    enum { M = 33, N = 17, K = 9 };
    float A[M * K], B[K * N], C[M * N];
    for (int i = 0; i < M * K; i++)
        A[i] = (float)((i * 7 % 13) - 6) / 8;
    for (int i = 0; i < K * N; i++)
        B[i] = (float)((i * 5 % 11) - 5) / 4;
    vx_buffer *a = be->alloc(sizeof A), *b = be->alloc(sizeof B), *c = be->alloc(sizeof C);
    ck_assert(a && b && c);
    ck_assert_int_eq(be->upload(a, 0, A, sizeof A), VX_OK);
    ck_assert_int_eq(be->upload(b, 0, B, sizeof B), VX_OK);
    double ms = -1;
    ck_assert_msg(vxcu_cublas_sgemm(M, N, K, a, b, c, &ms) == VX_OK, "%s", vx_last_error());
    ck_assert(ms >= 0);
    ck_assert_int_eq(be->download(c, 0, C, sizeof C), VX_OK);
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double ref = 0;
            for (int k = 0; k < K; k++)
                ref += (double)A[i * K + k] * B[k * N + j];
            ck_assert_msg(fabs(C[i * N + j] - ref) <= 1e-5 * (1 + fabs(ref)), "C[%d,%d] = %g, want %g",
                          i, j, C[i * N + j], ref);
        }
    be->free(a);
    be->free(b);
    be->free(c);
}

START_TEST(cublas_peer_computes_row_major_gemm_or_says_why_not)
{
    vx_status st = vxcu_cublas_start();
    if (st != VX_OK) {
        printf("test_cublas_peer: SKIPPED the cuBLAS peer: %s\n", vx_last_error());
        ck_assert_int_eq(st, VX_ERR_UNSUPPORTED);
        ck_assert_msg(strstr(vx_last_error(), "CUDA not available") ||
                          strstr(vx_last_error(), "cuBLAS not available"),
                      "%s", vx_last_error());
        return;
    }
    printf("test_cublas_peer: cuBLAS peer %s\n", vxcu_cublas_name());
    ck_assert_msg(strstr(vxcu_cublas_name(), "libcublas"), "%s", vxcu_cublas_name());
    const vx_backend *be = vx_backend_start("cuda");
    ck_assert_msg(be != NULL, "%s", vx_last_error());
    check_sgemm_on_device(be);
}
END_TEST

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* The tool: --help lists the flag, it needs --backend cuda, and without a
 * GPU (or kernel library) it stops with one clear line and status 1, as
 * --backend cuda alone does; with them, gemm gets cublas_ms and ratio. */
START_TEST(opbench_vs_cublas_needs_cuda_and_reports_cublas_ms_and_ratio)
{
    char *out, *err;
    const char *help[] = {"--help", NULL};
    ck_assert_int_eq(run_tool("opbench", help, NULL, &out, NULL, &err), 0);
    ck_assert_msg(strstr(out, "--vs-cublas") && strstr(out, "ratio = voxc / cuBLAS"), "%s", out);
    free(out);
    free(err);

    const char *no_backend[] = {"gemm", "--shape", "8,8,8", "--vs-cublas", NULL};
    ck_assert_int_eq(run_tool("opbench", no_backend, NULL, &out, NULL, &err), 2);
    ck_assert_msg(strstr(err, "--vs-cublas compares with the cuda backend's gemm; add --backend cuda"),
                  "%s", err);
    free(out);
    free(err);

    bool gpu = vx_backend_start("cuda") != NULL;
    const char *args[] = {"gemm", "--shape", "33,17,9", "--backend", "cuda", "--vs-cublas", "--runs",
                          "3", "--json", NULL};
    int rc = run_tool("opbench", args, NULL, &out, NULL, &err);
    if (!gpu) {
        ck_assert_int_eq(rc, 1);
        ck_assert_msg(strstr(err, "voxc-opbench: CUDA not available: ") && count_lines(err) == 1, "%s", err);
        ck_assert_str_eq(out, "");
    } else if (strstr(err, "cuBLAS not available")) { /* as --vs-openblas without OpenBLAS */
        ck_assert_msg(rc == 0 && strstr(err, "timing voxc only") && !strstr(out, "cublas_ms"), "%s", err);
    } else {
        ck_assert_msg(rc == 0, "rc %d: %s", rc, err);
        ck_assert_msg(strstr(out, "\"backend\":\"cuda\"") && strstr(out, "\"cublas_ms\":") &&
                          strstr(out, "\"ratio\":") && strstr(out, "\"cublas_max_rel_err\":"),
                      "%s", out);
    }
    free(out);
    free(err);
}
END_TEST

Suite *suite_cublas_peer(void)
{
    Suite *s = suite_create("cublas_peer");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, missing_cublas_library_or_entry_point_is_reported_not_fatal);
    tcase_add_test(tc, cublas_sgemm_refuses_bad_sizes_and_buffers_before_any_cuda_call);
    tcase_add_test(tc, cublas_peer_computes_row_major_gemm_or_says_why_not);
    tcase_add_test(tc, opbench_vs_cublas_needs_cuda_and_reports_cublas_ms_and_ratio);
    suite_add_tcase(s, tc);
    return s;
}
