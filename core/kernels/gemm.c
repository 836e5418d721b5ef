/* gemm.c — the SGEMM driver: lab versions, blocking, packing and dispatch.
 * See gemm.h for the list of versions. */
#include "gemm.h"

#include <stdlib.h>
#include "../threads.h"
#include <string.h>

/* Block sizes: a KC×NR strip of packed B (32 KiB at NR = 32) and the MR×KC
 * strip of A stay in L1/L2 while the micro-kernel runs; MC×KC of packed A
 * (144 KiB) stays in L2; KC×NC of packed B streams from L3. */
enum { KC = 256, MC = 144, NC = 2048 };

typedef struct kernel_desc {
    int mr, nr;
    vx_gemm_ukernel fn;
} kernel_desc;

static const char *const impl_names[] = {
    "auto: best supported version",
    "naive triple loop (oracle)",
    "blocked + packed, scalar 4x8 micro-kernel",
    "blocked + packed, AVX2+FMA 6x16 micro-kernel",
    "blocked + packed, AVX-512 12x32 micro-kernel",
};

static int default_impl = 0;

/* C[4,8] += Σ_k a[k·4 + r] · b[k·8 + c] — portable micro-kernel (version 2). */
static void ukernel_scalar_4x8(int64_t kc, const float *a, const float *b, float *c, int64_t ldc)
{
    float acc[4][8] = {{0}};
    for (int64_t k = 0; k < kc; k++)
        for (int r = 0; r < 4; r++)
            for (int j = 0; j < 8; j++)
                acc[r][j] += a[4 * k + r] * b[8 * k + j];
    for (int r = 0; r < 4; r++)
        for (int j = 0; j < 8; j++)
            c[r * ldc + j] += acc[r][j];
}

bool vx_sgemm_impl_supported(int impl)
{
    switch (impl) {
    case 0: case 1: case 2: return true;
#if defined(__x86_64__)
    case 3: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case 4: return __builtin_cpu_supports("avx512f");
#endif
    default: return false;
    }
}

int vx_sgemm_best_impl(void)
{
    for (int impl = 4; impl >= 2; impl--)
        if (vx_sgemm_impl_supported(impl))
            return impl;
    return 2;
}

const char *vx_sgemm_impl_name(int impl)
{
    return (impl >= 0 && impl <= 4) ? impl_names[impl] : "unknown version";
}

void vx_sgemm_set_impl(int impl) { default_impl = impl; }

static kernel_desc kernel_for(int impl)
{
    switch (impl) {
#if defined(__x86_64__)
    case 3: return (kernel_desc){6, 16, vx_gemm_ukernel_avx2_6x16};
    case 4: return (kernel_desc){12, 32, vx_gemm_ukernel_avx512_12x32};
#endif
    default: return (kernel_desc){4, 8, ukernel_scalar_4x8};
    }
}

/* Version 1: C = alpha·op(A)·op(B) + beta·C, one dot product per element. */
static void sgemm_naive(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha,
                        const float *A, int64_t lda, const float *B, int64_t ldb, float beta,
                        float *C, int64_t ldc)
{
    for (int64_t i = 0; i < M; i++)
        for (int64_t j = 0; j < N; j++) {
            float s = 0;
            for (int64_t k = 0; k < K; k++)
                s += (ta ? A[k * lda + i] : A[i * lda + k]) * (tb ? B[j * ldb + k] : B[k * ldb + j]);
            float *c = &C[i * ldc + j];
            *c = alpha * s + (beta == 0 ? 0 : beta * *c);
        }
}

/* Packed A block: mc rows of op(A) from row i0, k from p0, as MR-row strips,
 * k-major inside a strip (a[k·MR + r]), zero-padded, scaled by alpha. */
static void pack_a(const kernel_desc *kd, bool ta, const float *A, int64_t lda, int64_t i0,
                   int64_t mc, int64_t p0, int64_t kc, float alpha, float *dst)
{
    for (int64_t s = 0; s < mc; s += kd->mr) {
        int64_t rows = mc - s < kd->mr ? mc - s : kd->mr;
        for (int64_t k = 0; k < kc; k++) {
            float *d = dst + (s / kd->mr) * kd->mr * kc + k * kd->mr;
            for (int64_t r = 0; r < kd->mr; r++) {
                int64_t i = i0 + s + r, kk = p0 + k;
                d[r] = r < rows ? alpha * (ta ? A[kk * lda + i] : A[i * lda + kk]) : 0.0f;
            }
        }
    }
}

/* Packed B panel: nc columns of op(B) from column j0, as NR-column strips,
 * k-major inside a strip (b[k·NR + c]), zero-padded. */
static void pack_b(const kernel_desc *kd, bool tb, const float *B, int64_t ldb, int64_t j0,
                   int64_t nc, int64_t p0, int64_t kc, float *dst)
{
    for (int64_t s = 0; s < nc; s += kd->nr) {
        int64_t cols = nc - s < kd->nr ? nc - s : kd->nr;
        float *strip = dst + (s / kd->nr) * kd->nr * kc;
        for (int64_t k = 0; k < kc; k++) {
            float *d = strip + k * kd->nr;
            int64_t kk = p0 + k;
            if (!tb && cols == kd->nr) {
                memcpy(d, B + kk * ldb + j0 + s, (size_t)kd->nr * sizeof(float));
                continue;
            }
            for (int64_t c = 0; c < kd->nr; c++) {
                int64_t j = j0 + s + c;
                d[c] = c < cols ? (tb ? B[j * ldb + kk] : B[kk * ldb + j]) : 0.0f;
            }
        }
    }
}

/* Scratch for packing, grown on demand and kept per thread. */
static float *scratch(size_t floats)
{
    static _Thread_local float *buf;
    static _Thread_local size_t cap;
    if (floats > cap) {
        free(buf);
        cap = floats + floats / 2;
        buf = aligned_alloc(64, (cap * sizeof(float) + 63) & ~(size_t)63);
        if (!buf)
            cap = 0;
    }
    return buf;
}

static int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

/* Versions 2–4: the five-loop blocked algorithm around a micro-kernel. */
static void sgemm_blocked(const kernel_desc *kd, bool ta, bool tb, int64_t M, int64_t N,
                          int64_t K, float alpha, const float *A, int64_t lda, const float *B,
                          int64_t ldb, float *C, int64_t ldc)
{
    int64_t nc_max = round_up(N < NC ? N : NC, kd->nr);
    int64_t mc_max = round_up(M < MC ? M : MC, kd->mr);
    float *bp = scratch((size_t)(KC * nc_max + KC * mc_max + kd->mr * kd->nr));
    if (!bp) { /* out of memory for packing: the oracle needs none */
        sgemm_naive(ta, tb, M, N, K, alpha, A, lda, B, ldb, 1.0f, C, ldc);
        return;
    }
    float *ap = bp + KC * nc_max;
    float *edge = ap + KC * mc_max; /* MR×NR tile for ragged edges */
    for (int64_t jc = 0; jc < N; jc += NC) {
        int64_t nc = N - jc < NC ? N - jc : NC;
        for (int64_t pc = 0; pc < K; pc += KC) {
            int64_t kc = K - pc < KC ? K - pc : KC;
            pack_b(kd, tb, B, ldb, jc, nc, pc, kc, bp);
            for (int64_t ic = 0; ic < M; ic += MC) {
                int64_t mc = M - ic < MC ? M - ic : MC;
                pack_a(kd, ta, A, lda, ic, mc, pc, kc, alpha, ap);
                for (int64_t jr = 0; jr < nc; jr += kd->nr) {
                    int64_t nr = nc - jr < kd->nr ? nc - jr : kd->nr;
                    const float *bs = bp + (jr / kd->nr) * kd->nr * kc;
                    for (int64_t ir = 0; ir < mc; ir += kd->mr) {
                        int64_t mr = mc - ir < kd->mr ? mc - ir : kd->mr;
                        const float *as = ap + (ir / kd->mr) * kd->mr * kc;
                        float *c = C + (ic + ir) * ldc + jc + jr;
                        if (mr == kd->mr && nr == kd->nr) {
                            kd->fn(kc, as, bs, c, ldc);
                            continue;
                        }
                        memset(edge, 0, (size_t)(kd->mr * kd->nr) * sizeof(float));
                        kd->fn(kc, as, bs, edge, kd->nr);
                        for (int64_t r = 0; r < mr; r++)
                            for (int64_t j = 0; j < nr; j++)
                                c[r * ldc + j] += edge[r * kd->nr + j];
                    }
                }
            }
        }
    }
}

typedef struct gemm_job {
    kernel_desc kd;
    bool ta, tb;
    int64_t M, N, K;
    float alpha;
    const float *A;
    int64_t lda;
    const float *B;
    int64_t ldb;
    float *C;
    int64_t ldc;
    bool by_rows; /* split M instead of N */
} gemm_job;

/* One thread's slice: rows or columns [begin, end) of C. */
static void gemm_slice(void *arg, int64_t begin, int64_t end, int tid)
{
    (void)tid;
    const gemm_job *j = arg;
    if (j->by_rows) {
        const float *a = j->ta ? j->A + begin : j->A + begin * j->lda;
        sgemm_blocked(&j->kd, j->ta, j->tb, end - begin, j->N, j->K, j->alpha, a, j->lda, j->B,
                      j->ldb, j->C + begin * j->ldc, j->ldc);
    } else {
        const float *b = j->tb ? j->B + begin * j->ldb : j->B + begin;
        sgemm_blocked(&j->kd, j->ta, j->tb, j->M, end - begin, j->K, j->alpha, j->A, j->lda, b,
                      j->ldb, j->C + begin, j->ldc);
    }
}

void vx_sgemm_impl(int impl, bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha,
                   const float *A, int64_t lda, const float *B, int64_t ldb, float beta,
                   float *C, int64_t ldc)
{
    if (M <= 0 || N <= 0)
        return;
    if (impl == 0 || !vx_sgemm_impl_supported(impl))
        impl = vx_sgemm_best_impl();
    if (impl == 1 || K <= 0) {
        sgemm_naive(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    if (beta != 1.0f)
        for (int64_t i = 0; i < M; i++)
            for (int64_t j = 0; j < N; j++)
                C[i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[i * ldc + j];
    gemm_job job = {kernel_for(impl), ta, tb, M, N, K, alpha, A, lda, B, ldb, C, ldc, false};
    double flops = 2.0 * (double)M * (double)N * (double)K;
    int threads = flops < 4e6 ? 1 : vx_threads_get();
    if (threads <= 1) {
        sgemm_blocked(&job.kd, ta, tb, M, N, K, alpha, A, lda, B, ldb, C, ldc);
        return;
    }
    /* Split C into column slices (or row slices when N is narrow); every
     * element is computed exactly as in the single-thread run. */
    job.by_rows = N < 4 * (int64_t)threads * job.kd.nr;
    int64_t n = job.by_rows ? M : N;
    int64_t grain = job.by_rows ? job.kd.mr : job.kd.nr;
    vx_parallel_for(n, grain, gemm_slice, &job);
}

void vx_sgemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float *A,
              int64_t lda, const float *B, int64_t ldb, float beta, float *C, int64_t ldc)
{
    vx_sgemm_impl(default_impl, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
