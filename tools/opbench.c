/* opbench.c — voxc-opbench: time one op (or the TTS shape suite) after
 * warm-up and report the median of N runs with GFLOP/s, GB/s and the fraction
 * of this machine's measured peak. Kernel engineers' entry point.
 *
 *   voxc-opbench gemm --shape 512,512,512 --threads 1 --impl 4 --vs-openblas
 *   voxc-opbench conv1d --shape 1,512,512,400,3   (B,Cin,Cout,T,K[,dilation,groups,stride])
 *   voxc-opbench fftconv --shape 128,128,20000,11,3,64   (the same conv through the FFT)
 *   voxc-opbench gelu --shape 2097152 --impl 3
 *   voxc-opbench --suite tts --json
 *   voxc-opbench gemm --shape 512,512,512 --backend opencl   (device time, profiling events)
 *   voxc-opbench --suite tts --backend cuda --vs-cublas        (CUDA events, cuBLAS as a peer)
 */
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/kernels/conv_lab.h"
#include "core/kernels/cpu.h"
#include "core/kernels/fftconv.h"
#include "core/kernels/gemm.h"
#include "core/kernels/peak.h"
#include "core/kernels/vmath.h"
#include "core/threads.h"
#include "core/vx.h"
#include "hw/backend.h"
#include "hw/cuda/cublas_peer.h"
#include "tools/cli.h"

/* Op families: each has its own lab (--impl) and its own shape grammar. */
typedef enum family { FAM_GEMM, FAM_CONV, FAM_CONVT, FAM_FFTCONV, FAM_UNARY, FAM_BINARY, FAM_ROWS } family;

typedef struct op_info {
    const char *name;
    family fam;
    vx_vfunc f;   /* FAM_UNARY */
    vx_vbinop op; /* FAM_BINARY */
} op_info;

static const op_info op_table[] = {
    {"gemm", FAM_GEMM, 0, 0},           {"conv1d", FAM_CONV, 0, 0},
    {"conv_transpose1d", FAM_CONVT, 0, 0}, {"fftconv", FAM_FFTCONV, 0, 0},
    {"exp", FAM_UNARY, VX_VEXP, 0},     {"log", FAM_UNARY, VX_VLOG, 0},
    {"tanh", FAM_UNARY, VX_VTANH, 0},   {"sigmoid", FAM_UNARY, VX_VSIGMOID, 0},
    {"gelu", FAM_UNARY, VX_VGELU, 0},   {"relu", FAM_UNARY, VX_VRELU, 0},
    {"add", FAM_BINARY, 0, VX_VADD},    {"mul", FAM_BINARY, 0, VX_VMUL},
    {"softmax", FAM_ROWS, 0, 0},        {"layer_norm", FAM_ROWS, 0, 0},
    {"layer_norm_channels", FAM_ROWS, 0, 0},
};

typedef struct opts {
    const char *op;
    int64_t shape[8];
    int n_shape;
    int threads, impl, runs;
    bool json, vs_openblas, vs_cublas, suite, cpu_clock, raw;
    const char *trace;
    const vx_backend *device; /* --backend other than cpu, started; NULL for cpu */
} opts;

typedef struct result {
    double median_ms, flops, bytes, openblas_ms;
    double cublas_ms, cublas_err; /* --vs-cublas: its median; max|ours − its| / max|its| */
} result;

static bool cpu_clock; /* --cpu-time: process CPU time instead of wall time */

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(cpu_clock ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &t);
    return 1e3 * (double)t.tv_sec + 1e-6 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static const op_info *find_op(const char *name)
{
    for (size_t i = 0; i < sizeof op_table / sizeof *op_table; i++)
        if (!strcmp(op_table[i].name, name))
            return &op_table[i];
    return NULL;
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
    /* OpenBLAS workers busy-wait about 2^28 cycles after each call unless
     * told otherwise; with runs alternating, that spinning would take the
     * other core from voxc's next run. 2^4 cycles makes them sleep at once,
     * as voxc's workers do (a value already in the environment wins). */
    setenv("OPENBLAS_THREAD_TIMEOUT", "4", 0);
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
    const op_info *info;
    vx_tensor *x, *w, *b;
    float *A, *B, *C;
    int64_t s[8], n;
    vx_fftconv fft; /* fftconv: the plan; A its scratch, C its output */
} bench_case;

typedef void (*run_fn)(bench_case *);

/* Median of o->runs timed calls of fn after three warm-up calls (caches, page
 * faults, thread start); with a peer, runs of the two alternate so that both
 * see the same load, and the peer's median goes to *peer_ms. */
static double median_of(const opts *o, const char *name, run_fn fn, bench_case *bc,
                        const char *peer_name, run_fn peer, double *peer_ms)
{
    double times[200], peer_times[200];
    int runs = o->runs > 200 ? 200 : o->runs;
    for (int i = 0; i < 3; i++) {
        fn(bc);
        vx_ctx_reset(bc->ctx);
        if (peer)
            peer(bc);
    }
    for (int i = 0; i < runs; i++) {
        double t = now_ms();
        fn(bc);
        times[i] = now_ms() - t;
        trace_event(name, t, times[i]);
        vx_ctx_reset(bc->ctx);
        if (peer) {
            t = now_ms();
            peer(bc);
            peer_times[i] = now_ms() - t;
            trace_event(peer_name, t, peer_times[i]);
        }
    }
    qsort(times, (size_t)runs, sizeof *times, cmp_double);
    if (peer) {
        qsort(peer_times, (size_t)runs, sizeof *peer_times, cmp_double);
        *peer_ms = peer_times[runs / 2];
    }
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

/* The decoder's activation (LeakyReLU 0.1) and a bias, as a resblock conv runs. */
static void run_fftconv(bench_case *bc)
{
    vx_gemm_start start = {bc->b->data};
    vx_fftconv_run(&bc->fft, bc->x->data, bc->s[2], 1.0f, 0.1f, &start, bc->C, bc->A);
}

/* Elementwise ops through the public op API (allocation included), or with
 * --raw the vector kernel alone on preallocated buffers. */
static void run_unary(bench_case *bc)
{
    if (bc->o->raw) {
        vx_vunary(bc->info->f, bc->x->data, bc->C, bc->n, 0.1f, 0);
        return;
    }
    switch (bc->info->f) {
    case VX_VEXP: vx_exp(bc->ctx, bc->x); break;
    case VX_VLOG: vx_log(bc->ctx, bc->x); break;
    case VX_VTANH: vx_tanh(bc->ctx, bc->x); break;
    case VX_VSIGMOID: vx_sigmoid(bc->ctx, bc->x); break;
    case VX_VGELU: vx_gelu(bc->ctx, bc->x); break;
    default: vx_relu(bc->ctx, bc->x); break;
    }
}

static void run_binary(bench_case *bc)
{
    if (bc->o->raw)
        vx_vbinary(bc->info->op, bc->x->data, 1, bc->w->data, 1, bc->C, bc->n);
    else if (bc->info->op == VX_VADD)
        vx_add(bc->ctx, bc->x, bc->w);
    else
        vx_mul(bc->ctx, bc->x, bc->w);
}

static void run_rows(bench_case *bc)
{
    if (!strcmp(bc->info->name, "softmax"))
        vx_softmax(bc->ctx, bc->x, -1);
    else if (!strcmp(bc->info->name, "layer_norm"))
        vx_layer_norm(bc->ctx, bc->x, bc->w, bc->b, 1e-5f);
    else
        vx_layer_norm_channels(bc->ctx, bc->x, bc->w, bc->b, 1e-5f);
}

static void fill_random(vx_ctx *ctx, float *p, int64_t n, float lo, float hi)
{
    vx_rng_uniform(vx_ctx_rng(ctx), p, (size_t)n, lo, hi);
}

static vx_tensor *random_param(vx_ctx *ctx, const char *name, int ndim, const int64_t *shape,
                               float lo, float hi)
{
    vx_tensor *t = vx_param(ctx, name, VX_F32, ndim, shape, false);
    if (t)
        fill_random(ctx, t->data, vx_numel(t), lo, hi);
    return t;
}

static int fail_alloc(void) { return fprintf(stderr, "voxc-opbench: %s\n", vx_last_error()), 1; }

static int bench_gemm(bench_case *bc, result *r)
{
    const opts *o = bc->o;
    if (o->n_shape != 3)
        return fprintf(stderr, "voxc-opbench: gemm needs --shape M,N,K\n"), 1;
    int64_t M = bc->s[0], N = bc->s[1], K = bc->s[2];
    bc->A = vx_persistent_alloc(bc->ctx, sizeof(float) * (size_t)(M * K));
    bc->B = vx_persistent_alloc(bc->ctx, sizeof(float) * (size_t)(K * N));
    bc->C = vx_persistent_alloc(bc->ctx, sizeof(float) * (size_t)(M * N));
    if (!bc->A || !bc->B || !bc->C)
        return fail_alloc();
    fill_random(bc->ctx, bc->A, M * K, -1, 1);
    fill_random(bc->ctx, bc->B, K * N, -1, 1);
    r->flops = 2.0 * (double)(M * N * K);
    r->bytes = 4.0 * (double)(M * K + K * N + M * N);
    bool peer = o->vs_openblas && openblas_sgemm;
    if (peer && openblas_set_threads)
        openblas_set_threads(o->threads);
    r->median_ms = median_of(o, "voxc sgemm", run_gemm, bc, "openblas sgemm",
                             peer ? run_openblas : NULL, &r->openblas_ms);
    return 0;
}

static int bench_conv(bench_case *bc, result *r, bool conv)
{
    const opts *o = bc->o;
    /* B, Cin, Cout, T, K, dilation|stride, groups, stride */
    if (o->n_shape < 5)
        return fprintf(stderr, "voxc-opbench: %s needs --shape B,Cin,Cout,T,K[,%s]\n", o->op,
                       conv ? "dilation,groups,stride" : "stride"), 1;
    int64_t *s = bc->s, B = s[0], Cin = s[1], Cout = s[2], T = s[3], K = s[4];
    for (int i = o->n_shape; i < 8; i++)
        s[i] = 1;
    int64_t g = conv ? s[6] : 1;
    if (Cin % g || Cout % g)
        return fprintf(stderr, "voxc-opbench: groups (%lld) must divide Cin and Cout\n", (long long)g), 1;
    bc->x = random_param(bc->ctx, "x", 3, (int64_t[]){B, Cin, T}, -1, 1);
    bc->w = conv ? random_param(bc->ctx, "w", 3, (int64_t[]){Cout, Cin / g, K}, -1, 1)
                 : random_param(bc->ctx, "w", 3, (int64_t[]){Cin, Cout, K}, -1, 1);
    bc->b = random_param(bc->ctx, "b", 1, (int64_t[]){Cout}, -1, 1);
    if (!bc->x || !bc->w || !bc->b)
        return fail_alloc();
    vx_conv_set_impl(o->impl);
    vx_tensor *y = conv ? vx_conv1d(bc->ctx, bc->x, bc->w, bc->b, (int)s[7], (int)(s[5] * (K - 1) / 2),
                                    (int)s[5], (int)g)
                        : vx_conv_transpose1d(bc->ctx, bc->x, bc->w, bc->b, (int)s[5],
                                              (int)((K - s[5]) / 2), 0, 1, 1);
    if (!y)
        return fail_alloc();
    int64_t Tout = y->shape[2];
    r->flops = conv ? 2.0 * (double)(B * Cout * Tout * (Cin / g) * K)
                    : 2.0 * (double)(B * Cin * T * Cout * K);
    r->bytes = 4.0 * (double)(vx_numel(bc->x) + vx_numel(bc->w) + vx_numel(y));
    vx_ctx_reset(bc->ctx);
    r->median_ms = median_of(o, o->op, conv ? run_conv1d : run_conv_t, bc, NULL, NULL, NULL);
    return 0;
}

/* fftconv: Cin,Cout,T,K[,dilation,n] (n: FFT size, default 64); the plan
 * (weights' spectra) is made once, outside the timing. flops: the direct
 * convolution's, so GFLOP/s compares with conv1d's on the same shape. */
static int bench_fftconv(bench_case *bc, result *r)
{
    const opts *o = bc->o;
    int64_t *s = bc->s, Cin = s[0], Cout = s[1], T = s[2], K = s[3];
    int64_t dilation = o->n_shape > 4 ? s[4] : 1, n = o->n_shape > 5 ? s[5] : 64;
    if (o->n_shape < 4 || o->n_shape > 6)
        return fprintf(stderr, "voxc-opbench: fftconv needs --shape Cin,Cout,T,K[,dilation,n]\n"), 1;
    if (!vx_fftconv_fits(Cout, Cin, K, (int)n))
        return fprintf(stderr, "voxc-opbench: fftconv takes even channel counts (Cin <= 1024), an odd K < n "
                       "and n a power of 2 in 8..%d\n", VX_FFTCONV_MAX_N), 1;
    bc->x = random_param(bc->ctx, "x", 2, (int64_t[]){Cin, T}, -1, 1);
    bc->w = random_param(bc->ctx, "w", 3, (int64_t[]){Cout, Cin, K}, -1, 1);
    bc->b = random_param(bc->ctx, "b", 1, (int64_t[]){Cout}, -1, 1);
    float *spectra = vx_persistent_alloc(bc->ctx, sizeof(float) * (size_t)vx_fftconv_weight_floats(Cout, Cin, (int)n));
    bc->C = vx_persistent_alloc(bc->ctx, sizeof(float) * (size_t)(Cout * T));
    if (!bc->x || !bc->w || !bc->b || !spectra || !bc->C)
        return fail_alloc();
    vx_fftconv_init(&bc->fft, bc->w->data, Cout, Cin, K, dilation, (int)n, spectra);
    vx_fftconv_set_impl(o->impl);
    if (!(bc->A = vx_persistent_alloc(bc->ctx, sizeof(float) * (size_t)vx_fftconv_scratch_floats(&bc->fft))))
        return fail_alloc();
    r->flops = 2.0 * (double)(Cout * Cin * K * T);
    r->bytes = 4.0 * (double)(Cin * T + Cout * T + vx_fftconv_weight_floats(Cout, Cin, (int)n));
    r->median_ms = median_of(o, o->op, run_fftconv, bc, NULL, NULL, NULL);
    return 0;
}

/* unary/binary: --shape N or up to 4 dims; softmax, layer_norm: rows,cols
 * (normalised over cols); layer_norm_channels: B,C,T (over C). */
static int bench_elementwise(bench_case *bc, result *r)
{
    const opts *o = bc->o;
    family fam = bc->info->fam;
    bool lnc = !strcmp(bc->info->name, "layer_norm_channels");
    int want = fam == FAM_ROWS ? (lnc ? 3 : 2) : 0; /* 0: any rank up to 4 */
    if (want ? o->n_shape != want : o->n_shape < 1 || o->n_shape > 4)
        return fprintf(stderr, "voxc-opbench: %s needs --shape %s\n", o->op,
                       !want ? "N (or up to 4 dims)" : want == 2 ? "rows,cols" : "B,C,T"), 1;
    bc->n = 1;
    for (int i = 0; i < o->n_shape; i++)
        bc->n *= bc->s[i];
    float lo = bc->info->f == VX_VLOG && fam == FAM_UNARY ? 0.01f : -4.0f;
    bc->x = random_param(bc->ctx, "x", o->n_shape, bc->s, lo, 4.0f);
    if (fam == FAM_BINARY)
        bc->w = random_param(bc->ctx, "w", o->n_shape, bc->s, -4, 4);
    if (fam == FAM_ROWS && strcmp(bc->info->name, "softmax")) {
        int64_t c = bc->s[1]; /* cols, or C of [B, C, T] */
        bc->w = random_param(bc->ctx, "gamma", 1, &c, 0.5f, 1.5f);
        bc->b = random_param(bc->ctx, "beta", 1, &c, -1, 1);
    }
    bc->C = vx_persistent_alloc(bc->ctx, sizeof(float) * (size_t)bc->n);
    if (!bc->x || !bc->C || (fam == FAM_BINARY && !bc->w))
        return fail_alloc();
    vx_vmath_set_impl(o->impl);
    r->flops = 0;
    r->bytes = 4.0 * (double)bc->n * (fam == FAM_BINARY ? 3 : 2); /* reads + writes */
    run_fn fn = fam == FAM_UNARY ? run_unary : fam == FAM_BINARY ? run_binary : run_rows;
    r->median_ms = median_of(o, o->op, fn, bc, NULL, NULL, NULL);
    vx_vmath_set_impl(0);
    return 0;
}

/* --- --backend: the op as a descriptor on a device backend ------------------- */

/* A descriptor of the op's inputs on --shape (the shapes the cpu benchmarks
 * use); 0, or 1 after printing why not. */
static int device_desc(const opts *o, vx_op_desc *d, result *r)
{
    const op_info *info = find_op(o->op);
    int64_t s[8];
    memcpy(s, o->shape, sizeof s);
    for (int i = o->n_shape; i < 8; i++)
        s[i] = 1;
    *d = (vx_op_desc){.op = (vx_op_id)vx_op_lookup(o->op), .n_in = 1};
    vx_operand *in = d->in;
    switch (info->fam) {
    case FAM_GEMM:
        if (o->n_shape != 3)
            return fprintf(stderr, "voxc-opbench: gemm needs --shape M,N,K\n"), 1;
        d->op = VX_OP_MATMUL;
        d->n_in = 2;
        in[0] = vx_operand_of(NULL, 0, VX_F32, 2, (int64_t[]){s[0], s[2]});
        in[1] = vx_operand_of(NULL, 0, VX_F32, 2, (int64_t[]){s[2], s[1]});
        r->flops = 2.0 * (double)(s[0] * s[1] * s[2]);
        break;
    case FAM_CONV:
    case FAM_CONVT: {
        bool conv = info->fam == FAM_CONV;
        if (o->n_shape < 5)
            return fprintf(stderr, "voxc-opbench: %s needs --shape B,Cin,Cout,T,K[,...]\n", o->op), 1;
        int64_t g = conv ? s[6] : 1, K = s[4];
        if (s[1] % g || s[2] % g)
            return fprintf(stderr, "voxc-opbench: groups must divide Cin and Cout\n"), 1;
        d->n_in = 3;
        in[0] = vx_operand_of(NULL, 0, VX_F32, 3, (int64_t[]){s[0], s[1], s[3]});
        in[1] = conv ? vx_operand_of(NULL, 0, VX_F32, 3, (int64_t[]){s[2], s[1] / g, K})
                     : vx_operand_of(NULL, 0, VX_F32, 3, (int64_t[]){s[1], s[2], K});
        in[2] = vx_operand_of(NULL, 0, VX_F32, 1, &s[2]);
        if (conv)
            memcpy(d->iarg, (int64_t[]){s[7], s[5] * (K - 1) / 2, s[5], g}, 4 * sizeof(int64_t));
        else
            memcpy(d->iarg, (int64_t[]){s[5], (K - s[5]) / 2, 0, 1, 1}, 5 * sizeof(int64_t));
        break;
    }
    default: {
        bool lnc = !strcmp(o->op, "layer_norm_channels"), rows = info->fam == FAM_ROWS;
        int want = rows ? (lnc ? 3 : 2) : 0;
        if (want ? o->n_shape != want : o->n_shape < 1 || o->n_shape > 4)
            return fprintf(stderr, "voxc-opbench: bad --shape for %s (see --help)\n", o->op), 1;
        in[0] = vx_operand_of(NULL, 0, VX_F32, o->n_shape, s);
        if (info->fam == FAM_BINARY)
            in[d->n_in++] = in[0];
        if (rows && strcmp(o->op, "softmax")) {
            d->n_in = 3;
            in[1] = in[2] = vx_operand_of(NULL, 0, VX_F32, 1, &s[1]);
            d->farg[0] = 1e-5f;
        }
        d->iarg[0] = -1; /* softmax axis */
        r->flops = 0;
    }
    }
    return 0;
}

/* FLOPs and bytes moved of a complete descriptor. */
static void count_work(const vx_op_desc *d, result *r)
{
    const vx_operand *in = d->in;
    int64_t elems = vx_operand_numel(&d->out);
    for (int i = 0; i < d->n_in; i++)
        elems += vx_operand_numel(&in[i]);
    r->bytes = 4.0 * (double)elems;
    if (d->op == VX_OP_CONV1D)
        r->flops = 2.0 * (double)(vx_operand_numel(&d->out) * in[1].shape[1] * in[1].shape[2]);
    if (d->op == VX_OP_CONV_TRANSPOSE1D)
        r->flops = 2.0 * (double)(vx_operand_numel(&in[0]) * in[1].shape[1] * in[1].shape[2]);
}

/* Largest max|voxc − cuBLAS| / max|cuBLAS| that --vs-cublas accepts. ref: on
 * the suite's GEMM shapes with inputs uniform in [-1, 1], two f32 summation
 * orders differ by at most 1e-6 of max|C|, TF32-rounded inputs by about
 * 2.6e-4 (numpy; the script is quoted with the --vs-cublas notes): 2e-5
 * passes any correct f32 GEMM and fails a wrong kernel or call, or a cuBLAS
 * that computed in TF32 (not an f32 peer then). */
#define CUBLAS_MAX_REL_ERR 2e-5

/* *err = max|ours − peer| / max|peer| of two device outputs of `bytes`
 * (NaN when either holds a NaN); 0, or 1 after printing why not. */
static int device_max_rel_err(const vx_backend *be, const vx_buffer *ours, const vx_buffer *peer,
                              size_t bytes, double *err)
{
    size_t n = bytes / sizeof(float);
    float *x = malloc(bytes), *y = malloc(bytes);
    int rc = 1;
    if (!x || !y)
        fprintf(stderr, "voxc-opbench: out of memory\n");
    else if (be->download(ours, 0, x, bytes) || be->download(peer, 0, y, bytes))
        fprintf(stderr, "voxc-opbench: %s\n", vx_last_error());
    else {
        double diff = 0, scale = 0;
        for (size_t i = 0; i < n; i++) {
            double e = fabs((double)x[i] - (double)y[i]), m = fabs((double)y[i]);
            diff = e <= diff ? diff : e; /* a NaN sticks */
            scale = m <= scale ? scale : m;
        }
        *err = scale > 0 ? diff / scale : diff;
        rc = 0;
    }
    free(x);
    free(y);
    return rc;
}

/* Median device time (the backend's profiling timer) of o->runs runs after
 * three warm-up runs (the first builds the kernels). With --vs-cublas a gemm
 * alternates with cublasSgemm on the same A and B (its own C, on the same
 * stream and events); its median goes to r->cublas_ms and the two results
 * must agree (CUBLAS_MAX_REL_ERR). */
static int bench_device(const opts *o, vx_ctx *ctx, result *r)
{
    const vx_backend *be = o->device;
    vx_op_desc d;
    if (device_desc(o, &d, r))
        return 1;
    int rc = 1;
    vx_buffer *peer_c = NULL; /* --vs-cublas: cuBLAS's C [M, N] */
    vx_operand *ops[VX_MAX_INPUTS + 1] = {NULL};
    for (int i = 0; i < d.n_in; i++)
        ops[i] = &d.in[i];
    ops[d.n_in] = &d.out;
    for (int i = 0; i <= d.n_in; i++) {
        if (i == d.n_in) { /* inputs are in place: the output's shape */
            int ndim;
            int64_t shape[VX_MAX_DIMS];
            if (vx_op_desc_out_shape(&d, &ndim, shape) != VX_OK)
                goto device_error;
            d.out = vx_operand_of(NULL, 0, VX_F32, ndim, shape);
            count_work(&d, r);
        }
        size_t bytes = vx_operand_bytes(ops[i]);
        float *host = malloc(bytes ? bytes : 1);
        ops[i]->buf = host ? be->alloc(bytes) : NULL;
        if (!ops[i]->buf) {
            free(host);
            fprintf(stderr, "voxc-opbench: %s\n", host ? vx_last_error() : "out of memory");
            goto done;
        }
        /* log needs positive inputs */
        fill_random(ctx, host, vx_operand_numel(ops[i]), d.op == VX_OP_LOG ? 0.01f : -1.0f, 1.0f);
        vx_status st = be->upload(ops[i]->buf, 0, host, bytes);
        free(host);
        if (st)
            goto device_error;
    }
    bool peer = o->vs_cublas && d.op == VX_OP_MATMUL;
    int64_t M = d.in[0].shape[0], K = d.in[0].shape[1], N = d.in[1].shape[1];
    if (peer && !(peer_c = be->alloc(vx_operand_bytes(&d.out))))
        goto device_error;
    double times[200], peer_times[200];
    int runs = o->runs > 200 ? 200 : o->runs;
    for (int i = 0; i < 3 + runs; i++) {
        if (be->run(&d) != VX_OK)
            goto device_error;
        double ms = be->last_run_ms(), peer_ms = 0;
        if (ms < 0) {
            fprintf(stderr, "voxc-opbench: backend %s has no device timer\n", be->name);
            goto done;
        }
        if (peer && vxcu_cublas_sgemm(M, N, K, d.in[0].buf, d.in[1].buf, peer_c, &peer_ms) != VX_OK)
            goto device_error;
        if (i >= 3) {
            times[i - 3] = ms;
            trace_event(o->op, now_ms(), ms);
            if (peer) {
                peer_times[i - 3] = peer_ms;
                trace_event("cublas sgemm", now_ms(), peer_ms);
            }
        }
    }
    qsort(times, (size_t)runs, sizeof *times, cmp_double);
    r->median_ms = times[runs / 2];
    if (peer) {
        qsort(peer_times, (size_t)runs, sizeof *peer_times, cmp_double);
        r->cublas_ms = peer_times[runs / 2];
        if (device_max_rel_err(be, d.out.buf, peer_c, vx_operand_bytes(&d.out), &r->cublas_err))
            goto done;
        if (!(r->cublas_err <= CUBLAS_MAX_REL_ERR)) {
            fprintf(stderr, "voxc-opbench: gemm %lld,%lld,%lld: voxc's CUDA GEMM and cuBLAS disagree: "
                    "max|voxc - cuBLAS| / max|cuBLAS| = %.3g > %.0e (a wrong kernel or call, or "
                    "cuBLAS in TF32: try NVIDIA_TF32_OVERRIDE=0)\n", (long long)M, (long long)N,
                    (long long)K, r->cublas_err, CUBLAS_MAX_REL_ERR);
            goto done;
        }
    }
    rc = 0;
    goto done;
device_error:
    fprintf(stderr, "voxc-opbench: %s on %s: %s\n", o->op, be->name, vx_last_error());
done:
    be->free(peer_c);
    for (int i = 0; i <= d.n_in; i++)
        if (ops[i]->buf)
            be->free(ops[i]->buf);
    return rc;
}

/* Runs one measurement; returns 0 or prints an error and returns 1. */
static int bench_one(const opts *o, vx_ctx *ctx, result *r)
{
    bench_case bc = {.ctx = ctx, .o = o, .info = find_op(o->op)};
    memcpy(bc.s, o->shape, sizeof bc.s);
    *r = (result){0};
    if (!bc.info)
        return fprintf(stderr, "voxc-opbench: unknown op '%s' (try --help)\n", o->op), 1;
    if (o->device && bc.info->fam == FAM_FFTCONV)
        return fprintf(stderr, "voxc-opbench: fftconv runs on the CPU only\n"), 1;
    if (o->device)
        return bench_device(o, ctx, r);
    switch (bc.info->fam) {
    case FAM_GEMM: return bench_gemm(&bc, r);
    case FAM_CONV: return bench_conv(&bc, r, true);
    case FAM_CONVT: return bench_conv(&bc, r, false);
    case FAM_FFTCONV: return bench_fftconv(&bc, r);
    default: return bench_elementwise(&bc, r);
    }
}

static bool memory_bound(const char *op)
{
    const op_info *info = find_op(op);
    return info && info->fam >= FAM_UNARY;
}

static void print_result(const opts *o, const result *r, double peak_gflops, double peak_gbs)
{
    char shape[96] = "";
    for (int i = 0; i < o->n_shape; i++)
        snprintf(shape + strlen(shape), sizeof shape - strlen(shape), "%s%lld", i ? "," : "",
                 (long long)o->shape[i]);
    double gflops = r->flops / (r->median_ms * 1e6);
    double gbs = r->bytes / (r->median_ms * 1e6);
    bool mem = memory_bound(o->op);
    if (o->device) { /* device time: no host peak to compare with */
        if (o->json) {
            printf("{\"op\":\"%s\",\"shape\":\"%s\",\"backend\":\"%s\",\"median_ms\":%.4f,"
                   "\"gflops\":%.2f,\"gbs\":%.2f",
                   o->op, shape, o->device->name, r->median_ms, gflops, gbs);
            if (r->cublas_ms > 0)
                printf(",\"cublas_ms\":%.4f,\"ratio\":%.3f,\"cublas_max_rel_err\":%.2e", r->cublas_ms,
                       r->median_ms / r->cublas_ms, r->cublas_err);
            printf(",\"clock\":\"device\"}\n");
        } else {
            printf("%-18s %-26s %-6s  %9.4f ms  %7.1f GFLOP/s  %6.1f GB/s  (device time)", o->op,
                   shape, o->device->name, r->median_ms, gflops, gbs);
            if (r->cublas_ms > 0)
                printf("  cublas %9.4f ms  ratio %.2f", r->cublas_ms, r->median_ms / r->cublas_ms);
            printf("\n");
        }
        fflush(stdout);
        return;
    }
    if (o->json) {
        printf("{\"op\":\"%s\",\"shape\":\"%s\",\"threads\":%d,\"impl\":%d,\"median_ms\":%.4f,"
               "\"gflops\":%.2f,\"gbs\":%.2f,\"peak_frac\":%.4f",
               o->op, shape, o->threads, o->impl, r->median_ms, gflops, gbs, gflops / peak_gflops);
        if (mem)
            printf(",\"bw_frac\":%.4f", gbs / peak_gbs);
        if (r->openblas_ms > 0)
            printf(",\"openblas_ms\":%.4f,\"ratio\":%.3f", r->openblas_ms, r->median_ms / r->openblas_ms);
        printf(",\"clock\":\"%s\"}\n", o->cpu_clock ? "cpu" : "wall");
    } else {
        printf("%-18s %-26s thr %d impl %d  %9.4f ms  %7.1f GFLOP/s  %6.1f GB/s  ", o->op, shape,
               o->threads, o->impl, r->median_ms, gflops, gbs);
        if (mem)
            printf("%5.1f%% bw", 100 * gbs / peak_gbs);
        else
            printf("%5.1f%% peak", 100 * gflops / peak_gflops);
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
    /* HiFi-GAN V1: 512 channels, upsampling 8, 8, 2, 2; k = 3,7,11 dilated resblocks */
    {"conv1d", {1, 512, 512, 100, 7, 1, 1, 1}, 8},
    {"conv_transpose1d", {1, 512, 256, 100, 16, 8}, 6},
    {"conv_transpose1d", {1, 256, 128, 800, 16, 8}, 6},
    {"conv1d", {1, 256, 256, 800, 11, 5, 1, 1}, 8},
    {"conv_transpose1d", {1, 128, 64, 6400, 4, 2}, 6},
    {"conv_transpose1d", {1, 64, 32, 12800, 4, 2}, 6},
    /* VITS text encoder FFN and depthwise DDSConv */
    {"conv1d", {1, 192, 768, 100, 3, 1, 1, 1}, 8},
    {"conv1d", {1, 192, 192, 100, 3, 9, 192, 1}, 8},
    /* FastSpeech2 FFT-block conv FFN (k 9) */
    {"conv1d", {1, 256, 1024, 400, 9, 1, 1, 1}, 8},
    /* elementwise and normalisation on 8 MiB tensors */
    {"exp", {2097152}, 1},  {"tanh", {2097152}, 1}, {"sigmoid", {2097152}, 1},
    {"gelu", {2097152}, 1}, {"add", {2097152}, 1},  {"mul", {2097152}, 1},
    {"softmax", {2048, 1024}, 2}, {"layer_norm", {10923, 192}, 2},
    {"layer_norm_channels", {1, 192, 10923}, 3},
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: voxc-opbench OP [--shape A,B,...] [--threads N] [--impl N] [--runs N]\n"
            "                    [--backend cpu|opencl|cuda] [--json] [--vs-openblas] [--vs-cublas]\n"
            "                    [--trace FILE.json] [--cpu-time] [--raw]\n"
            "       voxc-opbench --suite tts [options]\n"
            "\n"
            "Times OP after warm-up and prints the median of --runs (default 21) runs, GFLOP/s,\n"
            "GB/s and the fraction of the peak measured at start (FMA-throughput probe; for\n"
            "elementwise ops the bandwidth probe, a STREAM triad).\n"
            "ops and shapes:\n"
            "  gemm              M,N,K              C[M,N] = A[M,K]·B[K,N]\n"
            "  conv1d            B,Cin,Cout,T,K[,dilation,groups,stride]   'same' padding\n"
            "  conv_transpose1d  B,Cin,Cout,T,K,stride                     padding (K-stride)/2\n"
            "  fftconv           Cin,Cout,T,K[,dilation,n]   conv1d's 'same' conv (batch 1, LeakyReLU 0.1\n"
            "                    on the input, bias) through the FFT, tiles of n samples (default 64;\n"
            "                    core/kernels/fftconv.h); GFLOP/s counted as for conv1d\n"
            "  exp log tanh sigmoid gelu relu   N (or up to 4 dims)   add mul   the same, two inputs\n"
            "  softmax layer_norm  rows,cols (over cols)   layer_norm_channels  B,C,T (over C)\n"
            "options:\n"
            "  --impl N          lab version (0 auto): gemm 1 naive .. 4 AVX-512, 5 NEON (core/kernels/gemm.h);\n"
            "                    conv 1 reference, 2 im2col/col2im, 3 fused/polyphase\n"
            "                    (core/kernels/conv_lab.h); fftconv 1 portable, 2 AVX2, 3 AVX-512\n"
            "                    (core/kernels/fftconv.h); elementwise 1 scalar, 2 AVX2, 3 AVX-512,\n"
            "                    4 NEON (core/kernels/vmath.h)\n"
            "  --threads N       worker threads (default: $VOXC_THREADS or all CPUs)\n"
            "  --backend B       cpu (default: the ops of core/ops.h with their fast paths), opencl\n"
            "                    or cuda: the op's kernel on the device ($VOXC_OPENCL_DEVICE or the\n"
            "                    first GPU/device; cuda: the first GPU, kernels of make CUDA=1),\n"
            "                    timed by OpenCL profiling / CUDA events: device time, no copies;\n"
            "                    gemm runs as matmul; --impl, --threads, --vs-openblas, --raw do not\n"
            "                    apply\n"
            "  --vs-openblas     time OpenBLAS cblas_sgemm on the same shapes, runs alternating with\n"
            "                    voxc's (dlopen, if installed; OPENBLAS_THREAD_TIMEOUT=4 unless set,\n"
            "                    so its idle workers sleep as voxc's do); ratio = voxc / OpenBLAS\n"
            "  --vs-cublas       with --backend cuda: time cuBLAS cublasSgemm (fp32, default math\n"
            "                    mode) on the same device buffers, stream and CUDA events, runs\n"
            "                    alternating with voxc's gemm; ratio = voxc / cuBLAS; fails when\n"
            "                    the results differ by more than 2e-5 of max|C| (libcublas by\n"
            "                    dlopen: $VOXC_CUBLAS_LIBRARY, else libcublas.so.13, .12, .11, .so;\n"
            "                    not found: says so and times voxc only)\n"
            "  --json            one JSON object per measurement\n"
            "  --trace FILE      Chrome trace events of every timed run (chrome://tracing, Perfetto)\n"
            "  --cpu-time        time by process CPU time, not wall time (a 1-thread run on a shared\n"
            "                    machine then ignores the time it waits to be scheduled)\n"
            "  --raw             elementwise ops: time the vector kernel alone, without the op's\n"
            "                    output allocation\n");
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

/* With --cpu-time at one thread the FMA peak is timed the same way (the
 * probe's own wall-clock timing would count the time other processes held
 * the core): best of three runs of the widest FMA chains the CPU has. */
static double fma_peak_cpu_time(void)
{
    double best = 0;
#if defined(__x86_64__)
    for (int rep = 0; rep < 3; rep++) {
        double t = now_ms(), flops = 0;
        if (vx_cpu_avx512())
            flops = vx_peak_fma_avx512(20000000);
        else if (vx_cpu_avx2())
            flops = vx_peak_fma_avx2(20000000);
        t = now_ms() - t;
        if (t > 0 && flops / (t * 1e6) > best)
            best = flops / (t * 1e6);
    }
#endif
    return best > 0 ? best : vx_probe_fma_gflops(1);
}

/* Is --impl valid for this op's lab? Prints why not when `loud`. */
static bool impl_ok(const opts *o, const char *op, bool loud)
{
    const op_info *info = find_op(op);
    if (!info || o->impl == 0)
        return true;
    switch (info->fam) {
    case FAM_GEMM:
        if (o->impl <= 5 && vx_sgemm_impl_supported(o->impl))
            return true;
        if (loud)
            fprintf(stderr, "voxc-opbench: gemm impl %d (%s) is not 1..5 or not supported on this CPU\n",
                    o->impl, vx_sgemm_impl_name(o->impl));
        return false;
    case FAM_CONV:
    case FAM_CONVT:
        if (vx_conv_impl_valid(o->impl))
            return true;
        if (loud)
            fprintf(stderr, "voxc-opbench: %s impl must be 0..3\n", op);
        return false;
    case FAM_FFTCONV:
        if (o->impl <= 3 && vx_fftconv_impl_supported(o->impl))
            return true;
        if (loud)
            fprintf(stderr, "voxc-opbench: fftconv impl %d is not 0..3 or not supported on this CPU\n", o->impl);
        return false;
    default:
        if (vx_vmath_impl_supported(o->impl))
            return true;
        if (loud)
            fprintf(stderr, "voxc-opbench: %s impl %d is not 1..4 or not supported on this CPU\n", op,
                    o->impl);
        return false;
    }
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
        } else if (!strcmp(a, "--vs-cublas")) {
            o.vs_cublas = true;
        } else if (!strcmp(a, "--cpu-time")) {
            o.cpu_clock = true;
        } else if (!strcmp(a, "--raw")) {
            o.raw = true;
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
            if (!cli_int(val, 1, VX_MAX_THREADS, &o.threads))
                return fprintf(stderr, "voxc-opbench: bad value '%s' for --threads (1..64)\n", val), 2;
            i++;
        } else if (!strcmp(a, "--impl") && val) {
            if (!cli_int(val, 0, 9, &o.impl))
                return fprintf(stderr, "voxc-opbench: bad value '%s' for --impl (0..9)\n", val), 2;
            i++;
        } else if (!strcmp(a, "--runs") && val) {
            if (!cli_int(val, 1, 200, &o.runs))
                return fprintf(stderr, "voxc-opbench: bad value '%s' for --runs (1..200)\n", val), 2;
            i++;
        } else if (!strcmp(a, "--trace") && val) {
            o.trace = val;
            i++;
        } else if (!strcmp(a, "--backend") && val) {
            if (strcmp(val, "cpu") && strcmp(val, "opencl") && strcmp(val, "cuda"))
                return fprintf(stderr, "voxc-opbench: unknown backend '%s' (cpu, opencl or cuda)\n", val), 2;
            if (strcmp(val, "cpu") && !(o.device = vx_backend_start(val)))
                return fprintf(stderr, "voxc-opbench: %s\n", vx_last_error()), 1;
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
    if (o.op && !find_op(o.op))
        return fprintf(stderr, "voxc-opbench: unknown op '%s' (try --help)\n", o.op), 2;
    if (o.runs < 1)
        o.runs = 1;
    if (o.impl < 0 || (o.op && !impl_ok(&o, o.op, true)))
        return fprintf(stderr, "voxc-opbench: bad --impl %d\n", o.impl), 2;
    if (o.threads > 0)
        vx_threads_set(o.threads);
    o.threads = vx_threads_get();
    cpu_clock = o.cpu_clock;
    if (o.vs_openblas && !load_openblas())
        fprintf(stderr, "voxc-opbench: OpenBLAS not found (apt-get install libopenblas0); timing voxc only\n");
    if (o.device && o.vs_openblas)
        return fprintf(stderr, "voxc-opbench: --vs-openblas times the cpu only; drop it or --backend\n"), 2;
    if (o.vs_cublas && (!o.device || strcmp(o.device->name, "cuda")))
        return fprintf(stderr, "voxc-opbench: --vs-cublas compares with the cuda backend's gemm; add "
                       "--backend cuda\n"), 2;
    if (o.vs_cublas && vxcu_cublas_start() != VX_OK) {
        fprintf(stderr, "voxc-opbench: %s; timing voxc only\n", vx_last_error());
        o.vs_cublas = false;
    }
    double peak = o.device                       ? 0
                  : o.cpu_clock && o.threads == 1 ? fma_peak_cpu_time()
                                                  : vx_probe_fma_gflops(o.threads);
    bool any_memory_bound = !o.device && (o.suite || memory_bound(o.op));
    double bw = any_memory_bound ? vx_probe_bandwidth_gbs(o.threads) : 0;
    if (o.device && !o.json) {
        printf("backend: %s on %s (device time from profiling events)\n", o.device->name,
               o.device->device_name());
        if (o.vs_cublas)
            printf("peer: cuBLAS (%s), same stream and events; ratio = voxc / cuBLAS\n",
                   vxcu_cublas_name());
    } else if (!o.json) {
        printf("peak: %.1f GFLOP/s fp32 FMA at %d thread%s; gemm auto = %s\n", peak, o.threads,
               o.threads == 1 ? "" : "s", vx_sgemm_impl_name(vx_sgemm_best_impl()));
        if (any_memory_bound)
            printf("bandwidth: %.1f GB/s (STREAM triad); vector math auto = %s\n", bw,
                   vx_vmath_impl_name(vx_vmath_best_impl()));
    }
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
            if (!impl_ok(&one, one.op, false))
                one.impl = 0; /* a version this op's lab lacks: auto */
        }
        result r;
        rc = bench_one(&one, ctx, &r);
        if (rc == 0)
            print_result(&one, &r, peak, bw);
    }
    if (trace_file) {
        fprintf(trace_file, "\n]}\n");
        fclose(trace_file);
    }
    vx_ctx_free(ctx);
    return rc;
}
