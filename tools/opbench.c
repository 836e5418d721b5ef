/* opbench.c — voxc-opbench: time one op (or the TTS shape suite) after
 * warm-up and report the median of N runs with GFLOP/s, GB/s and the fraction
 * of this machine's measured peak. Kernel engineers' entry point.
 *
 *   voxc-opbench gemm --shape 512,512,512 --threads 1 --impl 4 --vs-openblas
 *   voxc-opbench conv1d --shape 1,512,512,400,3   (B,Cin,Cout,T,K[,dilation,groups,stride])
 *   voxc-opbench --suite tts --json
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/kernels/gemm.h"
#include "core/kernels/peak.h"
#include "core/threads.h"
#include "core/vx.h"

typedef struct opts {
    const char *op;
    int64_t shape[8];
    int n_shape;
    int threads, impl, runs;
    bool json, vs_openblas, suite;
    const char *trace;
} opts;

typedef struct result {
    double median_ms, flops, bytes, openblas_ms;
} result;

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return 1e3 * (double)t.tv_sec + 1e-6 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* --- trace events (Chrome trace format, one complete event per run) -------- */
static FILE *trace_file;
static double trace_t0;
static int trace_count;

static void trace_event(const char *name, double start_ms, double dur_ms)
{
    if (!trace_file)
        return;
    fprintf(trace_file, "%s{\"name\":\"%s\",\"ph\":\"X\",\"pid\":1,\"tid\":1,\"ts\":%.3f,\"dur\":%.3f}",
            trace_count++ ? ",\n" : "", name, (start_ms - trace_t0) * 1e3, dur_ms * 1e3);
}

/* --- OpenBLAS as a peer, loaded at run time when present ----------------- */
typedef void (*cblas_sgemm_fn)(int, int, int, int, int, int, float, const float *, int,
                               const float *, int, float, float *, int);
typedef void (*openblas_threads_fn)(int);
static cblas_sgemm_fn openblas_sgemm;
static openblas_threads_fn openblas_set_threads;

static bool load_openblas(void)
{
    const char *names[] = {"libopenblas.so.0", "libopenblas.so", "libopenblasp-r0.3.21.so"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        void *h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (!h)
            continue;
        openblas_sgemm = (cblas_sgemm_fn)dlsym(h, "cblas_sgemm");
        openblas_set_threads = (openblas_threads_fn)dlsym(h, "openblas_set_num_threads");
        if (openblas_sgemm)
            return true;
    }
    return false;
}

/* --- the ops ----------------------------------------------------------------- */

typedef struct bench_case {
    vx_ctx *ctx;
    const opts *o;
    vx_tensor *x, *w, *b;
    float *A, *B, *C;
    int64_t s[8];
} bench_case;

static double median_of(const opts *o, const char *name, void (*fn)(bench_case *), bench_case *bc)
{
    double times[201];
    int runs = o->runs > 200 ? 200 : o->runs;
    for (int i = 0; i < 3; i++) /* warm-up: caches, page faults, thread start */
        fn(bc);
    for (int i = 0; i < runs; i++) {
        double t = now_ms();
        fn(bc);
        times[i] = now_ms() - t;
        trace_event(name, t, times[i]);
        vx_ctx_reset(bc->ctx);
    }
    qsort(times, (size_t)runs, sizeof *times, cmp_double);
    return times[runs / 2];
}

static void run_gemm(bench_case *bc)
{
    vx_sgemm_impl(bc->o->impl, false, false, bc->s[0], bc->s[1], bc->s[2], 1.0f, bc->A, bc->s[2],
                  bc->B, bc->s[1], 0.0f, bc->C, bc->s[1]);
}

static void run_openblas(bench_case *bc)
{
    /* CblasRowMajor = 101, CblasNoTrans = 111 */
    openblas_sgemm(101, 111, 111, (int)bc->s[0], (int)bc->s[1], (int)bc->s[2], 1.0f, bc->A,
                   (int)bc->s[2], bc->B, (int)bc->s[1], 0.0f, bc->C, (int)bc->s[1]);
}

static void run_conv1d(bench_case *bc)
{
    int64_t *s = bc->s;
    vx_conv1d(bc->ctx, bc->x, bc->w, bc->b, (int)s[7], (int)(s[5] * (s[4] - 1) / 2), (int)s[5], (int)s[6]);
}

static void run_conv_t(bench_case *bc)
{
    int64_t *s = bc->s;
    vx_conv_transpose1d(bc->ctx, bc->x, bc->w, bc->b, (int)s[5], (int)((s[4] - s[5]) / 2), 0, 1, 1);
}

static void fill_random(vx_ctx *ctx, float *p, int64_t n)
{
    vx_rng_uniform(vx_ctx_rng(ctx), p, (size_t)n, -1, 1);
}

/* Runs one measurement; returns 0 or prints an error and returns 1. */
static int bench_one(const opts *o, vx_ctx *ctx, result *r)
{
    bench_case bc = {.ctx = ctx, .o = o};
    memcpy(bc.s, o->shape, sizeof bc.s);
    *r = (result){0};
    if (strcmp(o->op, "gemm") == 0) {
        if (o->n_shape != 3)
            return fprintf(stderr, "voxc-opbench: gemm needs --shape M,N,K\n"), 1;
        int64_t M = bc.s[0], N = bc.s[1], K = bc.s[2];
        bc.A = vx_persistent_alloc(ctx, sizeof(float) * (size_t)(M * K));
        bc.B = vx_persistent_alloc(ctx, sizeof(float) * (size_t)(K * N));
        bc.C = vx_persistent_alloc(ctx, sizeof(float) * (size_t)(M * N));
        if (!bc.A || !bc.B || !bc.C)
            return fprintf(stderr, "voxc-opbench: %s\n", vx_last_error()), 1;
        fill_random(ctx, bc.A, M * K);
        fill_random(ctx, bc.B, K * N);
        r->flops = 2.0 * (double)(M * N * K);
        r->bytes = 4.0 * (double)(M * K + K * N + M * N);
        r->median_ms = median_of(o, "voxc sgemm", run_gemm, &bc);
        if (o->vs_openblas && openblas_sgemm) {
            if (openblas_set_threads)
                openblas_set_threads(o->threads);
            r->openblas_ms = median_of(o, "openblas sgemm", run_openblas, &bc);
        }
        return 0;
    }
    bool conv = strcmp(o->op, "conv1d") == 0, convt = strcmp(o->op, "conv_transpose1d") == 0;
    if (conv || convt) {
        /* B, Cin, Cout, T, K, dilation|stride, groups, stride */
        if (o->n_shape < 5)
            return fprintf(stderr, "voxc-opbench: %s needs --shape B,Cin,Cout,T,K[,%s]\n", o->op,
                           conv ? "dilation,groups,stride" : "stride"), 1;
        int64_t B = bc.s[0], Cin = bc.s[1], Cout = bc.s[2], T = bc.s[3], K = bc.s[4];
        if (o->n_shape < 6) bc.s[5] = conv ? 1 : 1;
        if (o->n_shape < 7) bc.s[6] = 1;
        if (o->n_shape < 8) bc.s[7] = 1;
        int64_t g = conv ? bc.s[6] : 1;
        bc.x = vx_param(ctx, "x", VX_F32, 3, (int64_t[]){B, Cin, T}, false);
        bc.w = conv ? vx_param(ctx, "w", VX_F32, 3, (int64_t[]){Cout, Cin / g, K}, false)
                    : vx_param(ctx, "w", VX_F32, 3, (int64_t[]){Cin, Cout, K}, false);
        bc.b = vx_param(ctx, "b", VX_F32, 1, (int64_t[]){Cout}, false);
        if (!bc.x || !bc.w || !bc.b)
            return fprintf(stderr, "voxc-opbench: %s\n", vx_last_error()), 1;
        fill_random(ctx, bc.x->data, vx_numel(bc.x));
        fill_random(ctx, bc.w->data, vx_numel(bc.w));
        vx_tensor *y = conv ? vx_conv1d(ctx, bc.x, bc.w, bc.b, (int)bc.s[7],
                                        (int)(bc.s[5] * (K - 1) / 2), (int)bc.s[5], (int)g)
                            : vx_conv_transpose1d(ctx, bc.x, bc.w, bc.b, (int)bc.s[5],
                                                  (int)((K - bc.s[5]) / 2), 0, 1, 1);
        if (!y)
            return fprintf(stderr, "voxc-opbench: %s\n", vx_last_error()), 1;
        int64_t Tout = y->shape[2];
        r->flops = conv ? 2.0 * (double)(B * Cout * Tout * (Cin / g) * K)
                        : 2.0 * (double)(B * Cin * T * Cout * K);
        r->bytes = 4.0 * (double)(vx_numel(bc.x) + vx_numel(bc.w) + vx_numel(y));
        vx_ctx_reset(ctx);
        r->median_ms = median_of(o, o->op, conv ? run_conv1d : run_conv_t, &bc);
        return 0;
    }
    return fprintf(stderr, "voxc-opbench: unknown op '%s' (try --help)\n", o->op), 1;
}

static void print_result(const opts *o, const result *r, double peak_gflops)
{
    char shape[96] = "";
    for (int i = 0; i < o->n_shape; i++)
        snprintf(shape + strlen(shape), sizeof shape - strlen(shape), "%s%lld", i ? "," : "",
                 (long long)o->shape[i]);
    double gflops = r->flops / (r->median_ms * 1e6);
    double gbs = r->bytes / (r->median_ms * 1e6);
    if (o->json) {
        printf("{\"op\":\"%s\",\"shape\":\"%s\",\"threads\":%d,\"impl\":%d,\"median_ms\":%.4f,"
               "\"gflops\":%.2f,\"gbs\":%.2f,\"peak_frac\":%.4f",
               o->op, shape, o->threads, o->impl, r->median_ms, gflops, gbs, gflops / peak_gflops);
        if (r->openblas_ms > 0)
            printf(",\"openblas_ms\":%.4f,\"ratio\":%.3f", r->openblas_ms, r->median_ms / r->openblas_ms);
        printf("}\n");
    } else {
        printf("%-18s %-26s thr %d impl %d  %9.4f ms  %7.1f GFLOP/s  %6.1f GB/s  %5.1f%% peak",
               o->op, shape, o->threads, o->impl, r->median_ms, gflops, gbs, 100 * gflops / peak_gflops);
        if (r->openblas_ms > 0)
            printf("  openblas %9.4f ms  ratio %.2f", r->openblas_ms, r->median_ms / r->openblas_ms);
        printf("\n");
    }
    fflush(stdout);
}

/* Shapes of the three models (Piper-medium VITS decoder, HiFi-GAN V1, FastSpeech2). */
static const struct { const char *op; int64_t s[8]; int n; } tts_suite[] = {
    /* GEMM: M = channels, K = Cin·kernel, N = frames */
    {"gemm", {192, 100, 192}, 3},  {"gemm", {192, 400, 768}, 3},  {"gemm", {768, 400, 576}, 3},
    {"gemm", {256, 2000, 1536}, 3}, {"gemm", {512, 400, 1536}, 3}, {"gemm", {80, 2000, 512}, 3},
    {"gemm", {256, 100, 256}, 3},  {"gemm", {512, 2000, 512}, 3},
    {"gemm", {256, 256, 256}, 3},  {"gemm", {512, 512, 512}, 3},  {"gemm", {1024, 1024, 1024}, 3},
    /* Piper medium decoder: conv_pre, upsampling and resblock convs for 100 frames */
    {"conv1d", {1, 192, 256, 100, 7, 1, 1, 1}, 8},
    {"conv_transpose1d", {1, 256, 128, 100, 16, 8}, 6},
    {"conv1d", {1, 128, 128, 800, 3, 2, 1, 1}, 8},
    {"conv_transpose1d", {1, 128, 64, 800, 16, 8}, 6},
    {"conv1d", {1, 64, 64, 6400, 5, 6, 1, 1}, 8},
    {"conv_transpose1d", {1, 64, 32, 6400, 8, 4}, 6},
    {"conv1d", {1, 32, 32, 25600, 7, 12, 1, 1}, 8},
    /* HiFi-GAN V1: 512 channels, k = 3,7,11 dilated resblocks */
    {"conv1d", {1, 512, 512, 100, 7, 1, 1, 1}, 8},
    {"conv1d", {1, 256, 256, 800, 11, 5, 1, 1}, 8},
    /* VITS text encoder FFN and depthwise DDSConv */
    {"conv1d", {1, 192, 768, 100, 3, 1, 1, 1}, 8},
    {"conv1d", {1, 192, 192, 100, 3, 9, 192, 1}, 8},
    /* FastSpeech2 FFT-block conv FFN (k 9) */
    {"conv1d", {1, 256, 1024, 400, 9, 1, 1, 1}, 8},
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: voxc-opbench OP [--shape A,B,...] [--threads N] [--impl N] [--runs N]\n"
            "                    [--backend cpu] [--json] [--vs-openblas] [--trace FILE.json]\n"
            "       voxc-opbench --suite tts [options]\n"
            "\n"
            "Times OP after warm-up and prints the median of --runs (default 21) runs, GFLOP/s,\n"
            "GB/s and the fraction of the peak measured at start (FMA-throughput probe) .\n"
            "ops and shapes:\n"
            "  gemm              M,N,K              C[M,N] = A[M,K]·B[K,N]\n"
            "  conv1d            B,Cin,Cout,T,K[,dilation,groups,stride]   'same' padding\n"
            "  conv_transpose1d  B,Cin,Cout,T,K,stride                     padding (K-stride)/2\n"
            "options:\n"
            "  --impl N          gemm version (0 auto; 1 naive .. 4 AVX-512; see core/kernels/gemm.h)\n"
            "  --threads N       worker threads (default: $VOXC_THREADS or all CPUs)\n"
            "  --vs-openblas     time OpenBLAS cblas_sgemm on the same shapes (dlopen, if installed)\n"
            "  --json            one JSON object per measurement\n"
            "  --trace FILE      Chrome trace events of every timed run (chrome://tracing, Perfetto)\n");
}

static int parse_shape(const char *s, opts *o)
{
    o->n_shape = 0;
    while (*s && o->n_shape < 8) {
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (end == s || v <= 0 || errno)
            return 1;
        o->shape[o->n_shape++] = v;
        s = *end == ',' ? end + 1 : end;
        if (*end && *end != ',')
            return 1;
    }
    return *s ? 1 : 0;
}

int main(int argc, char **argv)
{
    opts o = {.threads = 0, .impl = 0, .runs = 21};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--json")) {
            o.json = true;
        } else if (!strcmp(a, "--vs-openblas")) {
            o.vs_openblas = true;
        } else if (!strcmp(a, "--suite") && val) {
            if (strcmp(val, "tts"))
                return fprintf(stderr, "voxc-opbench: unknown suite '%s' (only 'tts')\n", val), 2;
            o.suite = true;
            i++;
        } else if (!strcmp(a, "--shape") && val) {
            if (parse_shape(val, &o))
                return fprintf(stderr, "voxc-opbench: bad --shape '%s' (positive integers, comma-separated)\n", val), 2;
            i++;
        } else if (!strcmp(a, "--threads") && val) {
            o.threads = atoi(val);
            i++;
        } else if (!strcmp(a, "--impl") && val) {
            o.impl = atoi(val);
            i++;
        } else if (!strcmp(a, "--runs") && val) {
            o.runs = atoi(val);
            i++;
        } else if (!strcmp(a, "--trace") && val) {
            o.trace = val;
            i++;
        } else if (!strcmp(a, "--backend") && val) {
            if (strcmp(val, "cpu"))
                return fprintf(stderr, "voxc-opbench: backend '%s' is not built in (only cpu)\n", val), 2;
            i++;
        } else if (a[0] != '-' && !o.op) {
            o.op = a;
        } else {
            fprintf(stderr, "voxc-opbench: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (!o.op && !o.suite) {
        usage(stderr);
        return 2;
    }
    if (o.runs < 1)
        o.runs = 1;
    if (o.impl < 0 || o.impl > 4)
        return fprintf(stderr, "voxc-opbench: --impl must be 0..4\n"), 2;
    if (o.impl && !vx_sgemm_impl_supported(o.impl))
        return fprintf(stderr, "voxc-opbench: impl %d (%s) is not supported on this CPU\n", o.impl,
                       vx_sgemm_impl_name(o.impl)), 2;
    if (o.threads > 0)
        vx_threads_set(o.threads);
    o.threads = vx_threads_get();
    if (o.vs_openblas && !load_openblas())
        fprintf(stderr, "voxc-opbench: OpenBLAS not found (apt-get install libopenblas0); timing voxc only\n");
    double peak = vx_probe_fma_gflops(o.threads);
    if (!o.json)
        printf("peak: %.1f GFLOP/s fp32 FMA at %d thread%s; gemm auto = %s\n", peak, o.threads,
               o.threads == 1 ? "" : "s", vx_sgemm_impl_name(vx_sgemm_best_impl()));
    if (o.trace) {
        trace_file = fopen(o.trace, "w");
        if (!trace_file)
            return fprintf(stderr, "voxc-opbench: cannot write %s: %s\n", o.trace, strerror(errno)), 1;
        fprintf(trace_file, "{\"traceEvents\":[\n");
        trace_t0 = now_ms();
    }
    vx_ctx *ctx = vx_ctx_new((vx_ctx_opts){.seed = 1});
    if (!ctx)
        return fprintf(stderr, "voxc-opbench: %s\n", vx_last_error()), 1;
    int rc = 0;
    size_t n = o.suite ? sizeof tts_suite / sizeof *tts_suite : 1;
    for (size_t k = 0; k < n && rc == 0; k++) {
        opts one = o;
        if (o.suite) {
            one.op = tts_suite[k].op;
            memcpy(one.shape, tts_suite[k].s, sizeof one.shape);
            one.n_shape = tts_suite[k].n;
        }
        result r;
        rc = bench_one(&one, ctx, &r);
        if (rc == 0)
            print_result(&one, &r, peak);
    }
    if (trace_file) {
        fprintf(trace_file, "\n]}\n");
        fclose(trace_file);
    }
    vx_ctx_free(ctx);
    return rc;
}
