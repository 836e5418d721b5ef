/* peak.c — the FMA and bandwidth probes behind peak.h. */
#include "peak.h"

#include <stdlib.h>
#include <time.h>

#include "../threads.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct probe_job {
    double flops[VX_MAX_THREADS];
    long iters;
} probe_job;

static void fma_worker(void *arg, int64_t begin, int64_t end, int tid)
{
    probe_job *j = arg;
    (void)begin;
    (void)end;
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512f")) {
        j->flops[tid] = vx_peak_fma_avx512(j->iters);
        return;
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        j->flops[tid] = vx_peak_fma_avx2(j->iters);
        return;
    }
#endif
    /* portable fallback: 8 scalar chains */
    float acc[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    for (long i = 0; i < j->iters; i++)
        for (int r = 0; r < 8; r++)
            acc[r] = acc[r] * 0.999999f + 1e-7f;
    j->flops[tid] = (double)j->iters * 16 + (acc[0] == 12345.f);
}

double vx_probe_fma_gflops(int threads)
{
    int saved = vx_threads_get();
    vx_threads_set(threads);
    double best = 0;
    for (int rep = 0; rep < 3; rep++) {
        probe_job job = {.iters = 20000000};
        double t = now_s();
        vx_parallel_for(threads, 1, fma_worker, &job);
        t = now_s() - t;
        double flops = 0;
        for (int i = 0; i < threads; i++)
            flops += job.flops[i];
        if (flops / t > best)
            best = flops / t;
    }
    vx_threads_set(saved);
    return best / 1e9;
}

typedef struct triad_job {
    float *a;
    const float *b, *c;
} triad_job;

/* ref: J. McCalpin, STREAM benchmark, "Triad" kernel. */
static void triad_worker(void *arg, int64_t begin, int64_t end, int tid)
{
    triad_job *j = arg;
    (void)tid;
    for (int64_t i = begin; i < end; i++)
        j->a[i] = j->b[i] + 3.0f * j->c[i];
}

double vx_probe_bandwidth_gbs(int threads)
{
    const int64_t n = 1 << 24; /* 64 MiB per array, 192 MiB in all: far beyond L3 */
    float *a = malloc(sizeof(float) * (size_t)n), *b = malloc(sizeof(float) * (size_t)n),
          *c = malloc(sizeof(float) * (size_t)n);
    if (!a || !b || !c) {
        free(a);
        free(b);
        free(c);
        return 0;
    }
    for (int64_t i = 0; i < n; i++) {
        a[i] = 0;
        b[i] = 1;
        c[i] = 2;
    }
    int saved = vx_threads_get();
    vx_threads_set(threads);
    triad_job job = {a, b, c};
    double best = 0;
    for (int rep = 0; rep < 4; rep++) {
        double t = now_s();
        vx_parallel_for(n, 4096, triad_worker, &job);
        t = now_s() - t;
        double gbs = 12.0 * (double)n / t / 1e9;
        if (gbs > best)
            best = gbs;
    }
    vx_threads_set(saved);
    free(a);
    free(b);
    free(c);
    return best;
}
