/* gemm.c — the SGEMM driver: lab versions, blocking, packing and dispatch.
 * See gemm.h for the list of versions and the operand interface. */
#include "gemm.h"

#include <stdlib.h>
#include <string.h>

#include "../threads.h"
#include "cpu.h"

/* Block sizes: a KC×NR strip of packed B (32 KiB at NR = 32) stays in L1/L2
 * while the micro-kernel sweeps the MC rows of packed A (MC×KC, 288 KiB, in
 * L2); the KC×NC panel of packed B (1 MiB) streams from L2/L3. Chosen by
 * measurement on Zen 4 (1 MiB L2); MC and NC are multiples of every MR and NR. */
enum { KC = 256, MC = 288, NC = 1024 };

/* The depth of K's blocks: K in ceil(K / KC) blocks of equal depth (the last
 * shorter by at most one float per block), so no block is thin: K = 576 runs as
 * 3 × 192, not 256 + 256 + 64, whose last block pays the C load and store of
 * a full one for a quarter of the work. */
static int64_t k_block(int64_t K)
{
    int64_t blocks = (K + KC - 1) / KC;
    return blocks > 0 ? (K + blocks - 1) / blocks : KC;
}

/* Largest operand (in floats) packed once and shared by the threads, and
 * the smallest product (in flops) for which that pays. */
enum { SHARED_MAX_FLOATS = 1 << 22 };
#define SHARED_MIN_FLOPS 5e7

typedef struct kernel_desc {
    int mr, nr;
    vx_gemm_ukernel fn;
    vx_gemm_ukernel_start fn_start; /* NULL: start_tile, then fn */
} kernel_desc;

static const char *const impl_names[] = {
    "auto: best supported version",
    "naive triple loop (oracle)",
    "blocked + packed, scalar 4x8 micro-kernel",
    "blocked + packed, AVX2+FMA 6x16 micro-kernel, masked edges",
    "blocked + packed, AVX-512 12x32 micro-kernel, masked edges, small products unpacked",
    "blocked + packed, NEON 8x12 micro-kernel",
};

static int default_impl = 0;

/* C[mr,nr] (+)= Σ_k a[k·4 + r] · b[k·8 + c] — portable micro-kernel (version 2). */
static void ukernel_scalar_4x8(int64_t kc, const float *a, const float *b, float *c, int64_t ldc,
                               int mr, int nr, bool accumulate)
{
    float acc[4][8] = {{0}};
    for (int64_t k = 0; k < kc; k++)
        for (int r = 0; r < 4; r++)
            for (int j = 0; j < 8; j++)
                acc[r][j] += a[4 * k + r] * b[8 * k + j];
    for (int r = 0; r < mr; r++)
        for (int j = 0; j < nr; j++)
            c[r * ldc + j] = accumulate ? c[r * ldc + j] + acc[r][j] : acc[r][j];
}

bool vx_sgemm_impl_supported(int impl)
{
    switch (impl) {
    case 0: case 1: case 2: return true;
#if defined(__x86_64__)
    case 3: return vx_cpu_avx2();
    case 4: return vx_cpu_avx512();
#endif
#if defined(__aarch64__)
    case 5: return true;
#endif
    default: return false;
    }
}

int vx_sgemm_best_impl(void)
{
    for (int impl = 5; impl >= 2; impl--)
        if (vx_sgemm_impl_supported(impl))
            return impl;
    return 2;
}

const char *vx_sgemm_impl_name(int impl)
{
    return (impl >= 0 && impl <= 5) ? impl_names[impl] : "unknown version";
}

void vx_sgemm_set_impl(int impl) { default_impl = impl; }

static kernel_desc kernel_for(int impl)
{
    switch (impl) {
#if defined(__x86_64__)
    case 3: return (kernel_desc){6, 16, vx_gemm_ukernel_avx2_6x16};
    case 4: return (kernel_desc){12, 32, vx_gemm_ukernel_avx512_12x32,
                                  vx_gemm_ukernel_start_avx512_12x32};
#endif
#if defined(__aarch64__)
    case 5: return (kernel_desc){8, 12, vx_gemm_ukernel_neon_8x12};
#endif
    default: return (kernel_desc){4, 8, ukernel_scalar_4x8};
    }
}

/* --- the start of C (vx_gemm_start) ------------------------------------------ */

/* c[i, j] = (add ? c[i, j] : 0) + (bias[i0 + i] + res[i0 + i, j0 + j]) for i < mr, j < nr. */
static void start_tile(const vx_gemm_start *s, int64_t i0, int64_t j0, int mr, int nr, float *c, int64_t ldc)
{
    for (int i = 0; i < mr; i++) {
        float b = s->bias ? s->bias[i0 + i] : 0.0f, *ci = c + i * ldc;
        const float *r = s->res ? s->res + (i0 + i) * s->ldr + j0 : NULL;
        for (int j = 0; j < nr; j++) {
            float v = r ? b + r[j] : b;
            ci[j] = s->add ? ci[j] + v : v;
        }
    }
}

/* The start of the tile whose first element is (i0, j0) of the product:
 * bias and res moved to it. */
static vx_gemm_start tile_start(const vx_gemm_start *s, int64_t i0, int64_t j0)
{
    return (vx_gemm_start){s->bias ? s->bias + i0 : NULL, s->res ? s->res + i0 * s->ldr + j0 : NULL, s->ldr,
                           s->add};
}

/* --- strided operands -------------------------------------------------------- */

/* Element (k, j) = data[k·ld + j] (rows contiguous): each source row is read
 * once, sequentially, and spread over the strips. */
static void pack_rows(const vx_gemm_operand *op, int64_t j0, int64_t nc, int64_t p0, int64_t kc,
                      int width, float *restrict dst)
{
    const float *restrict data = op->data + p0 * op->ld + j0;
    const int64_t ld = op->ld;
    const float scale = op->scale;
#if defined(__x86_64__)
    if (width <= 32 && vx_cpu_avx512()) {
        vx_gemm_pack_rows_avx512(data, ld, nc, kc, width, scale, dst);
        return;
    }
#endif
    for (int64_t k = 0; k < kc; k++)
        for (int64_t s = 0; s < nc; s += width) {
            int64_t cols = nc - s < width ? nc - s : width;
            const float *restrict src = data + k * ld + s;
            float *restrict d = dst + s * kc + k * width;
            for (int64_t c = 0; c < cols; c++)
                d[c] = scale * src[c];
            for (int64_t c = cols; c < width; c++)
                d[c] = 0.0f;
        }
}

/* Element (k, j) = data[j·ld + k] (columns contiguous): the strip's source
 * columns are read side by side (one stream each) and interleaved, so every
 * packed row is written contiguously. */
static void pack_cols(const vx_gemm_operand *op, int64_t j0, int64_t nc, int64_t p0, int64_t kc,
                      int width, float *restrict dst)
{
    enum { MAX_WIDTH = 64 };
    const float *src[MAX_WIDTH];
    const float scale = op->scale;
    for (int64_t s = 0; s < nc; s += width) {
        int cols = (int)(nc - s < width ? nc - s : width);
        float *restrict d = dst + s * kc;
        for (int c = 0; c < cols; c++)
            src[c] = op->data + (j0 + s + c) * op->ld + p0;
#if defined(__x86_64__)
        if (width <= 32 && vx_cpu_avx512()) {
            vx_gemm_pack_cols_avx512(src, cols, kc, width, scale, d);
            continue;
        }
#endif
        for (int64_t k = 0; k < kc; k++, d += width) {
            for (int c = 0; c < cols; c++)
                d[c] = scale * src[c][k];
            for (int c = cols; c < width; c++)
                d[c] = 0.0f;
        }
    }
}

static void pack_strided(const vx_gemm_operand *op, int64_t j0, int64_t nc, int64_t p0,
                         int64_t kc, int width, float *dst)
{
    (op->trans ? pack_cols : pack_rows)(op, j0, nc, p0, kc, width, dst);
}

vx_gemm_operand vx_gemm_strided(const float *data, int64_t ld, bool trans)
{
    return (vx_gemm_operand){.pack = pack_strided, .data = data, .ld = ld, .trans = trans,
                             .scale = 1.0f};
}

/* --- the blocked algorithm --------------------------------------------------- */

/* A growable buffer kept per thread (freed only when it must grow). */
typedef struct grow_buf {
    float *p;
    size_t cap;
} grow_buf;

static float *grow(grow_buf *g, size_t floats)
{
    if (floats > g->cap) {
        free(g->p);
        g->cap = floats + floats / 2;
        g->p = aligned_alloc(64, (g->cap * sizeof(float) + 63) & ~(size_t)63);
        if (!g->p)
            g->cap = 0;
    }
    return g->p;
}

/* Scratch for one thread's packing. */
static float *scratch(size_t floats)
{
    static _Thread_local grow_buf buf;
    return grow(&buf, floats);
}

/* The operand packed once for all threads, owned by the calling thread. */
static float *shared_panel(size_t floats)
{
    static _Thread_local grow_buf buf;
    return grow(&buf, floats);
}

static int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }
static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

typedef struct gemm_job {
    kernel_desc kd;
    bool direct;    /* operands read in place (see direct_worth)            */
    int64_t M, N, K;
    const vx_gemm_operand *at, *b;
    float *C;
    int64_t ldc;
    bool overwrite; /* beta == 0: the first K-block stores instead of adding */
    const vx_gemm_start *start; /* or NULL: C's start, written per tile before its first K-block */
    bool by_rows;   /* threads split M instead of N                          */
    /* The operand the threads do not split, packed once for all of them:
     * block (pc, start) sits at shared + pc·pad + start·kc, start being ic
     * (packed A, columns split) or jc (packed B, rows split); NULL: each
     * thread packs its own. */
    const float *shared;
    int64_t pad; /* M or N rounded up to the strip width */
    /* A packed once (vx_gemm_pack): rows a_row0 + i of block pc at
     * a_packed + pc·a_pad + (a_row0 + i)·kc; NULL: A is packed here. */
    const float *a_packed;
    int64_t a_pad, a_row0;
} gemm_job;

/* The oracle through the operand interface: both operands packed whole,
 * one column per strip, then one dot product per element. */
static bool sgemm_naive_operands(const gemm_job *j)
{
    float *ap = malloc(sizeof(float) * (size_t)(j->M * j->K));
    float *bp = malloc(sizeof(float) * (size_t)(j->K * j->N));
    if (!ap || !bp) {
        free(ap);
        free(bp);
        return false;
    }
    j->at->pack(j->at, 0, j->M, 0, j->K, 1, ap); /* ap[i·K + k] = A[i, k] */
    j->b->pack(j->b, 0, j->N, 0, j->K, 1, bp);   /* bp[c·K + k] = B[k, c] */
    for (int64_t i = 0; i < j->M; i++)
        for (int64_t c = 0; c < j->N; c++) {
            float s = 0;
            for (int64_t k = 0; k < j->K; k++)
                s += ap[i * j->K + k] * bp[c * j->K + k];
            float *y = &j->C[i * j->ldc + c];
            *y = j->overwrite ? s : *y + s;
        }
    free(ap);
    free(bp);
    return true;
}

/* Versions 2–4 on the block [i0, i1) × [j0, j1) of C: the five loops. */
static void sgemm_blocked(const gemm_job *j, int64_t i0, int64_t i1, int64_t j0, int64_t j1)
{
    const kernel_desc *kd = &j->kd;
    int64_t nc_max = round_up(min64(j1 - j0, NC), kd->nr);
    int64_t mc_max = round_up(min64(i1 - i0, MC), kd->mr);
    int64_t kb = k_block(j->K), kc_max = min64(j->K, kb);
    float *bp = scratch((size_t)(kc_max * (nc_max + mc_max)));
    if (!bp) { /* out of memory for packing: the oracle on this block */
        gemm_job sub = *j;
        float *c = j->C + i0 * j->ldc + j0;
        if (j->start)
            for (int64_t i = i0; i < i1; i++)
                start_tile(j->start, i, j0, 1, (int)(j1 - j0), c + (i - i0) * j->ldc, j->ldc);
        for (int64_t i = i0; i < i1; i++)
            for (int64_t jj = j0; jj < j1; jj++) {
                float s = 0, a, b;
                for (int64_t k = 0; k < j->K; k++) {
                    j->at->pack(j->at, i, 1, k, 1, 1, &a);
                    j->b->pack(j->b, jj, 1, k, 1, 1, &b);
                    s += a * b;
                }
                c[(i - i0) * j->ldc + jj - j0] = sub.overwrite ? s : c[(i - i0) * j->ldc + jj - j0] + s;
            }
        return;
    }
    float *ap = bp + kc_max * nc_max;
    for (int64_t jc = j0; jc < j1; jc += NC) {
        int64_t nc = min64(j1 - jc, NC);
        for (int64_t pc = 0; pc < j->K; pc += kb) {
            int64_t kc = min64(j->K - pc, kb);
            bool accumulate = pc > 0 || !j->overwrite;
            const float *bs0 = bp, *as0 = ap;
            if (j->shared && j->by_rows)
                bs0 = j->shared + pc * j->pad + jc * kc;
            else
                j->b->pack(j->b, jc, nc, pc, kc, kd->nr, bp);
            for (int64_t ic = i0; ic < i1; ic += MC) {
                int64_t mc = min64(i1 - ic, MC);
                if (j->a_packed)
                    as0 = j->a_packed + pc * j->a_pad + (j->a_row0 + ic) * kc;
                else if (j->shared && !j->by_rows)
                    as0 = j->shared + pc * j->pad + ic * kc;
                else
                    j->at->pack(j->at, ic, mc, pc, kc, kd->mr, ap);
                for (int64_t jr = 0; jr < nc; jr += kd->nr) {
                    int nr = (int)min64(nc - jr, kd->nr);
                    const float *bs = bs0 + jr * kc;
                    for (int64_t ir = 0; ir < mc; ir += kd->mr) {
                        int mr = (int)min64(mc - ir, kd->mr);
                        float *c = j->C + (ic + ir) * j->ldc + jc + jr;
                        if (pc == 0 && j->start && kd->fn_start) {
                            vx_gemm_start ts = tile_start(j->start, ic + ir, jc + jr);
                            kd->fn_start(kc, as0 + ir * kc, bs, c, j->ldc, mr, nr, &ts);
                            continue;
                        }
                        if (pc == 0 && j->start)
                            start_tile(j->start, ic + ir, jc + jr, mr, nr, c, j->ldc);
                        kd->fn(kc, as0 + ir * kc, bs, c, j->ldc, mr, nr, accumulate);
                    }
                }
            }
        }
    }
}

/* --- small products: no packing ------------------------------------------------
 * When A is row-major weights and B a row-major activation, both plain strided
 * matrices, version 4's micro-kernel can read them in place. Packing A is a
 * transpose that a small N does not amortise (for 192×100×192 it was 10 % of
 * the time, packing B another 4 %); the in-place kernel does the same FMAs in
 * the same order, so the bits are those of the packed path. It pays while
 * the KC×N block of B that every A tile meets stays in L2 (N ≤ 512) and the
 * product is small enough that packing is a visible share of it. Measured
 * on Zen 4, 1 thread (packed → in place): 192×100×192 81 → 71 µs,
 * 192×400×768 1.26 → 1.15 ms, 256³ 0.34 → 0.32 ms; 512³ and 768×400×576
 * were as fast or faster packed, and every N = 2000 shape faster packed. */
#define DIRECT_MAX_N 512
#define DIRECT_MAX_MNK 67108864.0 /* 2^26 */

static bool direct_worth(int impl, int64_t M, int64_t N, int64_t K, const vx_gemm_operand *at,
                         const vx_gemm_operand *b)
{
#if defined(__x86_64__)
    return impl == 4 && at->pack == pack_strided && at->trans && at->scale == 1.0f &&
           b->pack == pack_strided && !b->trans && b->scale == 1.0f &&
           N <= DIRECT_MAX_N && (double)M * (double)N * (double)K <= DIRECT_MAX_MNK;
#else
    (void)impl, (void)M, (void)N, (void)K, (void)at, (void)b;
    return false;
#endif
}

/* The block [i0, i1) × [j0, j1) of C with operands read in place, in the
 * packed path's KC-blocks. An A tile (MR rows × KC) stays in L1 while it
 * meets every B strip. */
static void sgemm_direct(const gemm_job *j, int64_t i0, int64_t i1, int64_t j0, int64_t j1)
{
#if defined(__x86_64__)
    const float *A = j->at->data, *B = j->b->data;
    int64_t lda = j->at->ld, ldb = j->b->ld, mr_max = j->kd.mr, nr_max = j->kd.nr, kb = k_block(j->K);
    for (int64_t pc = 0; pc < j->K; pc += kb) {
        int64_t kc = min64(j->K - pc, kb);
        bool accumulate = pc > 0 || !j->overwrite;
        for (int64_t ir = i0; ir < i1; ir += mr_max) {
            int mr = (int)min64(i1 - ir, mr_max);
            for (int64_t jr = j0; jr < j1; jr += nr_max)
                vx_gemm_direct_avx512_12x32(kc, A + ir * lda + pc, lda, B + pc * ldb + jr, ldb,
                                            j->C + ir * j->ldc + jr, j->ldc, mr,
                                            (int)min64(j1 - jr, nr_max), accumulate);
        }
    }
#else
    (void)j, (void)i0, (void)i1, (void)j0, (void)j1;
#endif
}

/* One thread's slice: rows or columns [begin, end) of C. */
static void gemm_slice(void *arg, int64_t begin, int64_t end, int tid)
{
    (void)tid;
    const gemm_job *j = arg;
    void (*run)(const gemm_job *, int64_t, int64_t, int64_t, int64_t) =
        j->direct ? sgemm_direct : sgemm_blocked;
    if (j->by_rows)
        run(j, begin, end, 0, j->N);
    else
        run(j, 0, j->M, begin, end);
}

/* Blocks [begin, end) of the shared operand, in (pc, start) order. */
static void pack_shared(void *arg, int64_t begin, int64_t end, int tid)
{
    (void)tid;
    const gemm_job *j = arg;
    int64_t span = j->by_rows ? NC : MC, extent = j->by_rows ? j->N : j->M;
    int64_t per_k = (extent + span - 1) / span, kb = k_block(j->K);
    for (int64_t blk = begin; blk < end; blk++) {
        int64_t pc = blk / per_k * kb, start = blk % per_k * span;
        int64_t kc = min64(j->K - pc, kb), n = min64(extent - start, span);
        float *dst = (float *)j->shared + pc * j->pad + start * kc;
        if (j->by_rows)
            j->b->pack(j->b, start, n, pc, kc, j->kd.nr, dst);
        else
            j->at->pack(j->at, start, n, pc, kc, j->kd.mr, dst);
    }
}

/* C = beta·C, before adding the product (beta ≠ 0, 1). */
static void scale_c(float *C, int64_t ldc, int64_t M, int64_t N, float beta)
{
    for (int64_t i = 0; i < M; i++)
        for (int64_t c = 0; c < N; c++)
            C[i * ldc + c] *= beta;
}

/* C = op(A)·B + beta·C; `packed` (or NULL) is A already packed for `impl`,
 * its rows from row0 on, and `at` a view of the same matrix. */
/* C's start (vx_gemm_start) in a pass of its own, for the oracle. */
static void start_pass(const vx_gemm_start *s, int64_t M, int64_t N, float *C, int64_t ldc)
{
    for (int64_t i = 0; i < M; i++)
        start_tile(s, i, 0, 1, (int)N, C + i * ldc, ldc);
}

/* C = op(A)·B + (start ? start : beta·C); start needs beta 1. */
static void run_packed(int impl, int64_t M, int64_t N, int64_t K, const vx_gemm_operand *at,
                       const vx_gemm_operand *b, float beta, float *C, int64_t ldc,
                       const vx_gemm_packed *packed, int64_t row0, const vx_gemm_start *start)
{
    if (beta != 0.0f && beta != 1.0f)
        scale_c(C, ldc, M, N, beta);
    gemm_job job = {kernel_for(impl), !packed && !start && direct_worth(impl, M, N, K, at, b), M, N, K,
                    at, b, C, ldc, beta == 0.0f && !start, start, false};
    if (packed) {
        job.a_packed = packed->data;
        job.a_pad = packed->pad;
        job.a_row0 = row0;
    }
    if (impl == 1) { /* the oracle: the start in a pass of its own, then C += A·B */
        if (start)
            start_pass(start, M, N, C, ldc);
        job.start = NULL;
        if (sgemm_naive_operands(&job))
            return;
        job.kd = kernel_for(2); /* no memory for the oracle's copies */
    }
    double flops = 2.0 * (double)M * (double)N * (double)K;
    int threads = flops < 4e6 ? 1 : vx_threads_get();
    if (threads <= 1) {
        (job.direct ? sgemm_direct : sgemm_blocked)(&job, 0, M, 0, N);
        return;
    }
    /* Split C into column slices or row slices; every element is computed
     * exactly as in the single-thread run. Each thread packs the whole of
     * the operand it does not split, so split the dimension whose operand
     * is larger to pack: rows when M > N (B is repacked), columns otherwise
     * (A is repacked), unless the split dimension is too narrow to share. */
    bool rows_ok = M >= 4 * (int64_t)threads * job.kd.mr;
    job.by_rows = N < 4 * (int64_t)threads * job.kd.nr || (M > N && rows_ok && !packed);
    int64_t n = job.by_rows ? M : N;
    int64_t grain = job.by_rows ? job.kd.mr : job.kd.nr;
    /* ...or better, pack that operand once, the threads sharing the work
     * (worth the extra hand-off to the pool only for larger products) */
    job.pad = job.by_rows ? round_up(N, job.kd.nr) : round_up(M, job.kd.mr);
    if (!job.direct && flops >= SHARED_MIN_FLOPS && K * job.pad <= SHARED_MAX_FLOATS &&
        (job.by_rows || !packed) && (job.shared = shared_panel((size_t)(K * job.pad)))) {
        int64_t span = job.by_rows ? NC : MC, extent = job.by_rows ? N : M;
        int64_t kb = k_block(K), blocks = (K + kb - 1) / kb * ((extent + span - 1) / span);
        vx_parallel_for(blocks, 1, pack_shared, &job);
    }
    vx_parallel_for(n, grain, gemm_slice, &job);
}

static void run_operands(int impl, int64_t M, int64_t N, int64_t K, const vx_gemm_operand *at,
                         const vx_gemm_operand *b, float beta, float *C, int64_t ldc)
{
    run_packed(impl, M, N, K, at, b, beta, C, ldc, NULL, 0, NULL);
}

static int resolve(int impl)
{
    return impl == 0 || !vx_sgemm_impl_supported(impl) ? vx_sgemm_best_impl() : impl;
}

void vx_sgemm_operands(int64_t M, int64_t N, int64_t K, const vx_gemm_operand *at,
                       const vx_gemm_operand *b, float beta, float *C, int64_t ldc)
{
    if (M <= 0 || N <= 0)
        return;
    if (K <= 0) {
        if (beta != 1.0f)
            for (int64_t i = 0; i < M; i++)
                for (int64_t c = 0; c < N; c++)
                    C[i * ldc + c] = beta == 0.0f ? 0.0f : beta * C[i * ldc + c];
        return;
    }
    run_operands(resolve(default_impl), M, N, K, at, b, beta, C, ldc);
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

void vx_sgemm_impl(int impl, bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha,
                   const float *A, int64_t lda, const float *B, int64_t ldb, float beta,
                   float *C, int64_t ldc)
{
    if (M <= 0 || N <= 0)
        return;
    impl = resolve(impl);
    if (impl == 1 || K <= 0) {
        sgemm_naive(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    /* op(A)ᵀ as a K×M operand: A stored [M,K] is read by columns, Aᵀ by rows. */
    vx_gemm_operand at = vx_gemm_strided(A, lda, !ta), bo = vx_gemm_strided(B, ldb, tb);
    at.scale = alpha;
    run_operands(impl, M, N, K, &at, &bo, beta, C, ldc);
}

void vx_sgemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float *A,
              int64_t lda, const float *B, int64_t ldb, float beta, float *C, int64_t ldc)
{
    vx_sgemm_impl(default_impl, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

/* --- a left operand packed once ---------------------------------------------- */

/* The rows of a packed A seen again as a K×M operand (element (k, i) =
 * A[row0 + i, k]), for the oracle and for rows that do not start a strip. */
typedef struct packed_view {
    const vx_gemm_packed *a;
    int64_t row0;
} packed_view;

static void pack_from_packed(const vx_gemm_operand *op, int64_t j0, int64_t nc, int64_t p0,
                             int64_t kc, int width, float *dst)
{
    const packed_view *v = op->view;
    const vx_gemm_packed *a = v->a;
    int64_t kb = k_block(a->K);
    for (int64_t s = 0; s < round_up(nc, width); s++) {
        float *strip = dst + s / width * width * kc + s % width;
        int64_t i = v->row0 + j0 + s;
        for (int64_t k = 0; k < kc; k++) {
            int64_t kk = p0 + k, pc = kk / kb * kb, depth = min64(a->K - pc, kb);
            strip[k * width] = s < nc ? a->data[pc * a->pad + i / a->mr * a->mr * depth +
                                                (kk - pc) * a->mr + i % a->mr]
                                      : 0.0f;
        }
    }
}

/* The version packed products use: the one in use, or the scalar blocked
 * layout for the oracle (which packs nothing). */
static kernel_desc packing_kernel(int *impl)
{
    *impl = resolve(default_impl);
    *impl = *impl == 1 ? 2 : *impl;
    return kernel_for(*impl);
}

int64_t vx_gemm_packed_floats(int64_t M, int64_t K)
{
    int impl;
    kernel_desc kd = packing_kernel(&impl);
    return M > 0 && K > 0 ? round_up(M, kd.mr) * K : 0;
}

void vx_gemm_pack(vx_gemm_packed *out, int64_t M, int64_t K, const vx_gemm_operand *at, float *buf)
{
    int impl;
    kernel_desc kd = packing_kernel(&impl);
    int64_t pad = round_up(M, kd.mr), kb = k_block(K);
    for (int64_t pc = 0; pc < K; pc += kb)
        for (int64_t ic = 0; ic < M; ic += MC) {
            int64_t kc = min64(K - pc, kb), mc = min64(M - ic, MC);
            at->pack(at, ic, mc, pc, kc, kd.mr, buf + pc * pad + ic * kc);
        }
    *out = (vx_gemm_packed){impl, kd.mr, M, K, pad, M > 0 && K > 0 ? buf : NULL};
}

static void packed_product(const vx_gemm_packed *a, int64_t row0, int64_t rows, int64_t N,
                           const vx_gemm_operand *b, float beta, const vx_gemm_start *start, float *C,
                           int64_t ldc)
{
    if (rows <= 0 || N <= 0)
        return;
    packed_view pv = {a, row0};
    vx_gemm_operand at = {.pack = pack_from_packed, .scale = 1.0f, .view = &pv};
    if (a->K <= 0 || !a->data) {
        if (start)
            start_pass(start, rows, N, C, ldc);
        else
            vx_sgemm_operands(rows, N, 0, &at, b, beta, C, ldc);
        return;
    }
    run_packed(a->impl, rows, N, a->K, &at, b, beta, C, ldc, row0 % a->mr ? NULL : a, row0, start);
}

void vx_sgemm_packed(const vx_gemm_packed *a, int64_t row0, int64_t rows, int64_t N,
                     const vx_gemm_operand *b, float beta, float *C, int64_t ldc)
{
    packed_product(a, row0, rows, N, b, beta, NULL, C, ldc);
}

void vx_sgemm_packed_start(const vx_gemm_packed *a, int64_t row0, int64_t rows, int64_t N,
                           const vx_gemm_operand *b, const vx_gemm_start *start, float *C,
                           int64_t ldc)
{
    packed_product(a, row0, rows, N, b, 1.0f, start, C, ldc);
}

/* --- a right operand read from row pointers ------------------------------------ */

/* Element (k, j) = rows[k][j], packed as any operand (versions without an
 * in-place micro-kernel). */
static void pack_row_pointers(const vx_gemm_operand *op, int64_t j0, int64_t nc, int64_t p0, int64_t kc,
                              int width, float *dst)
{
    const float *const *rows = op->view;
    for (int64_t s = 0; s < round_up(nc, width); s++) {
        float *strip = dst + s / width * width * kc + s % width;
        for (int64_t k = 0; k < kc; k++)
            strip[k * width] = s < nc ? rows[p0 + k][j0 + s] : 0.0f;
    }
}

typedef struct rows_job {
    const vx_gemm_packed *a;
    const float *const *b_rows;
    const vx_gemm_start *start;
    float *C;
    int64_t ldc;
} rows_job;

/* Columns [j0, j1) of C, in sgemm_blocked's loop order and KC blocks, the
 * AVX-512 micro-kernel reading B's rows in place. */
static void rows_slice(void *arg, int64_t j0, int64_t j1, int tid)
{
    (void)tid;
#if defined(__x86_64__)
    const rows_job *j = arg;
    const vx_gemm_packed *a = j->a;
    enum { MR4 = 12, NR4 = 32 };
    int64_t kb = k_block(a->K);
    for (int64_t jc = j0; jc < j1; jc += NC) {
        int64_t nc = min64(j1 - jc, NC);
        for (int64_t pc = 0; pc < a->K; pc += kb) {
            int64_t kc = min64(a->K - pc, kb);
            for (int64_t ic = 0; ic < a->M; ic += MC) {
                int64_t mc = min64(a->M - ic, MC);
                for (int64_t jr = 0; jr < nc; jr += NR4) {
                    int nr = (int)min64(nc - jr, NR4);
                    for (int64_t ir = 0; ir < mc; ir += MR4) {
                        int mr = (int)min64(mc - ir, MR4);
                        float *c = j->C + (ic + ir) * j->ldc + jc + jr;
                        vx_gemm_start ts, *st = NULL;
                        if (pc == 0 && j->start) {
                            ts = tile_start(j->start, ic + ir, jc + jr);
                            st = &ts;
                        }
                        vx_gemm_ukernel_rows_avx512_12x32(kc, a->data + pc * a->pad + (ic + ir) * kc,
                                                          j->b_rows + pc, jc + jr, c, j->ldc, mr, nr,
                                                          true, st);
                    }
                }
            }
        }
    }
#else
    (void)arg, (void)j0, (void)j1;
#endif
}

void vx_sgemm_packed_rows(const vx_gemm_packed *a, int64_t N, const float *const *b_rows,
                          const vx_gemm_start *start, float *C, int64_t ldc)
{
    if (a->M <= 0 || N <= 0)
        return;
    if (a->impl != 4 || a->K <= 0 || !a->data) {
        vx_gemm_operand b = {.pack = pack_row_pointers, .scale = 1.0f, .view = b_rows};
        packed_product(a, 0, a->M, N, &b, 1.0f, start, C, ldc);
        return;
    }
    rows_job job = {a, b_rows, start, C, ldc};
    double flops = 2.0 * (double)a->M * (double)N * (double)a->K;
    if (flops < 4e6 || vx_threads_get() <= 1)
        rows_slice(&job, 0, N, 0);
    else
        vx_parallel_for(N, 32, rows_slice, &job);
}
