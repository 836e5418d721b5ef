/* test_backend_ops.c — the backend parity suite: every op of every backend
 * that can start here against the cpu backend (core/ops.h in scalar
 * reference mode) on random shapes with odd sizes and tails.
 *
 * Each output is compared by NMSE = Σ(y − ref)² / Σ ref² against a bound per
 * op (f32; table `tolerance` below), sits at an offset inside a buffer whose
 * guard regions before and after must come back bit-identical, and for the
 * elementwise ops inputs carry injected NaN and ±Inf that must give NaN and
 * Inf at exactly the reference's positions; backward cases (matmul, linear,
 * convs) accumulate into a random starting gradient. Random malformed
 * descriptors must never crash and must be refused exactly where the cpu
 * refuses them. Also: the registry, the CPU fallback and --strict, and
 * voxc-opbench --backend opencl. A backend that cannot start (no OpenCL
 * platform) is skipped with one notice. Each op family is one test, so a
 * test process compiles one OpenCL program. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/backend.h"
#include "test_files.h"
#include "test_util.h"

#if defined(__has_include)
#if __has_include(<CL/cl.h>)
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include "hw/opencl/cl_api.h"
#define HAVE_CL_HEADER 1
#endif
#endif

#define GUARD 37                 /* guard elements on each side of an output */
#define GUARD_BITS 0x7fc0beefu   /* a NaN payload no kernel produces         */

typedef enum family { FAM_ELEMENTWISE, FAM_ROWS, FAM_GEMM, FAM_CONV, FAM_INDEX } family;

/* NMSE bound per op on f32 (0: bit-exact). Reference sums run in double,
 * device sums in float (Kahan-compensated for reductions and cumsum).
 * OpenCL allows 3 ulp for exp/log/division/sqrt and 16 for erf; an error of
 * 16 ulp on every element gives NMSE ~1e-12. Measured on PoCL (AVX-512):
 * transcendentals <= 9e-16, division/sqrt 0, accumulating ops <= 5e-14. */
static double tolerance(vx_op_id op)
{
    switch (op) {
    case VX_OP_ADD: case VX_OP_SUB: case VX_OP_MUL: case VX_OP_SCALE: case VX_OP_ADD_SCALAR:
    case VX_OP_RELU: case VX_OP_LEAKY_RELU: case VX_OP_ABS: case VX_OP_SQUARE: case VX_OP_CLAMP:
    case VX_OP_CEIL: case VX_OP_EMBEDDING: case VX_OP_INDEX_SELECT:
        return 0;
    case VX_OP_DIV: case VX_OP_SQRT: case VX_OP_EXP: case VX_OP_LOG: case VX_OP_TANH:
    case VX_OP_SIGMOID: case VX_OP_GELU: case VX_OP_SOFTPLUS:
        return 1e-12;
    default: /* reductions, softmax, layer norm, cumsum, GEMM, conv */
        return 1e-11;
    }
}

/* One case: inputs by shape (ndim 0 with absent = true for a missing optional input). */
typedef struct op_case {
    vx_op_id op;
    int n_in;
    int ndim[VX_MAX_INPUTS];
    int64_t shape[VX_MAX_INPUTS][VX_MAX_DIMS];
    bool absent[VX_MAX_INPUTS];
    int64_t iarg[8];
    float farg[4];
    float lo, hi;         /* uniform range of float inputs              */
    int32_t index_limit;  /* i32 inputs: uniform in [0, index_limit)    */
    bool inject_special;  /* NaN/±Inf in float inputs                   */
    int grad_of;          /* backward for input grad_of − 1 (0: forward) */
} op_case;

static vx_rng rng;

static void fill_inputs(const op_case *c, int i, vx_dtype dt, int64_t n, void *dst)
{
    if (dt == VX_I32) {
        int32_t *p = dst;
        for (int64_t k = 0; k < n; k++)
            p[k] = (int32_t)(vx_rng_bits_at(rng.seed, rng.counter++) % (uint64_t)c->index_limit);
        return;
    }
    float *p = dst;
    vx_rng_uniform(&rng, p, (size_t)n, c->lo, c->hi);
    if (c->inject_special)
        for (int64_t k = i; k < n; k += 5) /* every 5th element, shifted per input */
            p[k] = (k / 5) % 3 == 0 ? NAN : (k / 5) % 3 == 1 ? INFINITY : -INFINITY;
}

typedef struct host_case {
    vx_op_desc cpu;            /* descriptor over cpu buffers                  */
    int64_t n_out;
    float *init;               /* the output's values before the op (backward
                                  accumulates into them; zeros for forward)    */
    float *ref;                /* the cpu backend's output                     */
} host_case;

static vx_dtype input_dtype(const op_case *c, int i)
{
    return (c->op == VX_OP_EMBEDDING || c->op == VX_OP_INDEX_SELECT) && i == 1 ? VX_I32 : VX_F32;
}

/* A cpu buffer of the given operand shape with random values in [-1, 1). */
static vx_buffer *random_buffer(const vx_backend *cpu, vx_operand *t)
{
    vx_buffer *b = cpu->alloc(vx_operand_bytes(t));
    ck_assert_ptr_nonnull(b);
    vx_rng_uniform(&rng, b->handle, (size_t)vx_operand_numel(t), -1, 1);
    return b;
}

/* Inputs on the cpu backend and the reference output. A backward case gets
 * dL/dy (the forward output's shape) as its last input and a random
 * starting gradient to accumulate into. */
static void make_reference(const op_case *c, host_case *h)
{
    const vx_backend *cpu = vx_backend_start("cpu");
    ck_assert_ptr_nonnull(cpu);
    vx_op_desc *d = &h->cpu;
    *d = (vx_op_desc){.op = c->op, .n_in = c->n_in};
    memcpy(d->iarg, c->iarg, sizeof d->iarg);
    memcpy(d->farg, c->farg, sizeof d->farg);
    for (int i = 0; i < c->n_in; i++) {
        if (c->absent[i])
            continue;
        vx_dtype dt = input_dtype(c, i);
        d->in[i] = vx_operand_of(NULL, 0, dt, c->ndim[i], c->shape[i]);
        int64_t n = vx_operand_numel(&d->in[i]);
        d->in[i].buf = cpu->alloc(vx_operand_bytes(&d->in[i]));
        ck_assert_ptr_nonnull(d->in[i].buf);
        fill_inputs(c, i, dt, n, d->in[i].buf->handle);
    }
    int ndim;
    int64_t shape[VX_MAX_DIMS];
    ck_assert_msg(vx_op_desc_out_shape(d, &ndim, shape) == VX_OK, "%s: %s", vx_op_table[c->op].name,
                  vx_last_error());
    if (c->grad_of) {
        vx_operand *dy = &d->in[d->n_in++];
        *dy = vx_operand_of(NULL, 0, VX_F32, ndim, shape);
        dy->buf = random_buffer(cpu, dy);
        d->grad_of = c->grad_of;
        ck_assert_int_eq(vx_op_desc_out_shape(d, &ndim, shape), VX_OK);
    }
    d->out = vx_operand_of(NULL, 0, VX_F32, ndim, shape);
    h->n_out = vx_operand_numel(&d->out);
    size_t out_bytes = vx_operand_bytes(&d->out);
    d->out.buf = c->grad_of ? random_buffer(cpu, &d->out) : cpu->alloc(out_bytes);
    ck_assert_ptr_nonnull(d->out.buf);
    h->init = malloc(out_bytes ? out_bytes : 1);
    memcpy(h->init, d->out.buf->handle, out_bytes);
    ck_assert_msg(cpu->run(d) == VX_OK, "cpu %s: %s", vx_op_table[c->op].name, vx_last_error());
    h->ref = d->out.buf->handle;
}

static void free_host(host_case *h)
{
    for (int i = 0; i < h->cpu.n_in; i++)
        vx_backend_get("cpu")->free(h->cpu.in[i].buf);
    vx_backend_get("cpu")->free(h->cpu.out.buf);
    free(h->init);
}

static double nmse(const float *y, const float *ref, int64_t n)
{
    double err = 0, norm = 0;
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(ref[i]) || !isfinite(y[i]))
            continue; /* special values are compared by position */
        err += ((double)y[i] - ref[i]) * ((double)y[i] - ref[i]);
        norm += (double)ref[i] * ref[i];
    }
    return norm > 0 ? err / norm : err;
}

static const char *case_str(const op_case *c, char *buf, size_t n)
{
    size_t k = (size_t)snprintf(buf, n, "%s%s", vx_op_table[c->op].name,
                                c->grad_of == 0 ? "" : c->grad_of == 1 ? " backward d/dx" :
                                c->grad_of == 2 ? " backward d/dw" : " backward d/dbias");
    for (int i = 0; i < c->n_in && k < n; i++) {
        k += (size_t)snprintf(buf + k, n - k, " [");
        for (int d = 0; d < c->ndim[i] && k < n; d++)
            k += (size_t)snprintf(buf + k, n - k, "%s%lld", d ? "," : "", (long long)c->shape[i][d]);
        if (k < n)
            k += (size_t)snprintf(buf + k, n - k, "]%s", c->absent[i] ? "absent" : "");
    }
    return buf;
}

/* Runs one case on `be` (inputs at element offset 3 of their buffers, the
 * output between guards) and checks it against the cpu reference. */
static void check_case(const vx_backend *be, const op_case *c)
{
    char what[160];
    case_str(c, what, sizeof what);
    host_case h;
    make_reference(c, &h);
    vx_op_desc d = h.cpu;
    vx_buffer *bufs[VX_MAX_INPUTS] = {NULL};
    for (int i = 0; i < h.cpu.n_in; i++) {
        if (!h.cpu.in[i].buf)
            continue;
        size_t bytes = vx_operand_bytes(&h.cpu.in[i]), off = 3 * vx_dtype_size(h.cpu.in[i].dtype);
        bufs[i] = be->alloc(bytes + off);
        ck_assert_msg(bufs[i] != NULL, "%s: %s", what, vx_last_error());
        ck_assert_int_eq(be->upload(bufs[i], off, h.cpu.in[i].buf->handle, bytes), VX_OK);
        d.in[i].buf = bufs[i];
        d.in[i].offset = off;
    }
    int64_t total = h.n_out + 2 * GUARD;
    uint32_t *guarded = malloc(sizeof(uint32_t) * (size_t)total);
    for (int64_t i = 0; i < total; i++)
        guarded[i] = GUARD_BITS;
    memcpy(guarded + GUARD, h.init, sizeof(float) * (size_t)h.n_out);
    vx_buffer *out = be->alloc(sizeof(float) * (size_t)total);
    ck_assert_ptr_nonnull(out);
    ck_assert_int_eq(be->upload(out, 0, guarded, sizeof(float) * (size_t)total), VX_OK);
    d.out.buf = out;
    d.out.offset = GUARD * sizeof(float);
    ck_assert_msg(be->supports(&d), "%s: %s does not support it", what, be->name);
    ck_assert_msg(be->run(&d) == VX_OK, "%s on %s: %s", what, be->name, vx_last_error());
    ck_assert_int_eq(be->download(out, 0, guarded, sizeof(float) * (size_t)total), VX_OK);
    for (int64_t i = 0; i < GUARD; i++)
        ck_assert_msg(guarded[i] == GUARD_BITS && guarded[total - 1 - i] == GUARD_BITS,
                      "%s on %s: wrote into the guard region", what, be->name);
    float *y = (float *)(guarded + GUARD);
    for (int64_t i = 0; i < h.n_out; i++) {
        bool ok = isnan(h.ref[i]) ? isnan(y[i]) : isinf(h.ref[i]) ? y[i] == h.ref[i] : isfinite(y[i]);
        ck_assert_msg(ok, "%s on %s: element %lld is %g, reference %g", what, be->name, (long long)i,
                      y[i], h.ref[i]);
    }
    double e = nmse(y, h.ref, h.n_out), tol = tolerance(c->op);
    ck_assert_msg(e <= tol, "%s on %s: NMSE %.3g > %.3g", what, be->name, e, tol);
    free(guarded);
    be->free(out);
    for (int i = 0; i < h.cpu.n_in; i++)
        be->free(bufs[i]);
    free_host(&h);
}

/* --- the cases ------------------------------------------------------------------- */

static int64_t rand_dim(int64_t max)
{
    return 1 + (int64_t)(vx_rng_bits_at(rng.seed, rng.counter++) % (uint64_t)max);
}

/* Two broadcast-compatible random shapes: rank 1..4, dims 1..max (large
 * only for rank <= 2, keeping every case under 100k elements), some dims of
 * either operand set to 1 and some leading dims dropped. */
static void random_broadcast(op_case *c, bool large)
{
    int nd = (int)rand_dim(4);
    int64_t max = !large ? 9 : nd <= 2 ? 300 : 17;
    int64_t full[4];
    for (int d = 0; d < nd; d++)
        full[d] = rand_dim(max);
    for (int i = 0; i < 2; i++) {
        int drop = (int)(vx_rng_bits_at(rng.seed, rng.counter++) % (uint64_t)nd);
        drop = i == 0 ? 0 : drop; /* a keeps the full rank */
        c->ndim[i] = nd - drop;
        for (int d = drop; d < nd; d++) {
            bool one = vx_rng_bits_at(rng.seed, rng.counter++) % 4 == 0;
            c->shape[i][d - drop] = one ? 1 : full[d];
        }
    }
}

static const vx_op_id binary_ops[] = {VX_OP_ADD, VX_OP_SUB, VX_OP_MUL, VX_OP_DIV};
static const vx_op_id unary_ops[] = {
    VX_OP_SCALE, VX_OP_ADD_SCALAR, VX_OP_RELU, VX_OP_LEAKY_RELU, VX_OP_GELU, VX_OP_TANH,
    VX_OP_SIGMOID, VX_OP_EXP, VX_OP_LOG, VX_OP_SOFTPLUS, VX_OP_SQRT, VX_OP_ABS, VX_OP_SQUARE,
    VX_OP_CLAMP, VX_OP_CEIL,
};

static void elementwise_cases(const vx_backend *be, bool special)
{
    for (size_t k = 0; k < sizeof binary_ops / sizeof *binary_ops; k++)
        for (int rep = 0; rep < 6; rep++) {
            op_case c = {.op = binary_ops[k], .n_in = 2, .lo = -3, .hi = 3, .inject_special = special};
            random_broadcast(&c, rep >= 3);
            check_case(be, &c);
        }
    for (size_t k = 0; k < sizeof unary_ops / sizeof *unary_ops; k++) {
        vx_op_id op = unary_ops[k];
        bool positive = op == VX_OP_LOG || op == VX_OP_SQRT;
        op_case c = {.op = op, .n_in = 1, .ndim = {3}, .shape = {{3, 17, rand_dim(300)}},
                     .farg = {op == VX_OP_CLAMP ? -0.5f : 0.3f, 0.75f},
                     .lo = positive ? 0.01f : -6, .hi = 6, .inject_special = special};
        check_case(be, &c);
        c.ndim[0] = 1;
        c.shape[0][0] = 1;
        check_case(be, &c);
    }
}

static void rows_cases(const vx_backend *be)
{
    static const int64_t shapes[][3] = {{2, 7, 5}, {3, 1, 129}, {1, 300, 3}, {4, 65, 1}};
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        for (int axis = -1; axis < 3; axis++) {
            op_case c = {.op = VX_OP_SOFTMAX, .n_in = 1, .ndim = {3}, .lo = -8, .hi = 8,
                         .iarg = {axis}};
            memcpy(c.shape[0], shapes[s], sizeof shapes[s]);
            check_case(be, &c);
            c.op = VX_OP_CUMSUM;
            check_case(be, &c);
        }
        op_case ln = {.op = VX_OP_LAYER_NORM, .n_in = 3, .ndim = {3, 1, 1}, .lo = -2, .hi = 5,
                      .farg = {1e-5f}};
        memcpy(ln.shape[0], shapes[s], sizeof shapes[s]);
        ln.shape[1][0] = ln.shape[2][0] = shapes[s][2];
        check_case(be, &ln);
        ln.absent[1] = ln.absent[2] = true;
        check_case(be, &ln);
        ln.op = VX_OP_LAYER_NORM_CHANNELS;
        ln.absent[1] = ln.absent[2] = false;
        ln.shape[1][0] = ln.shape[2][0] = shapes[s][1];
        check_case(be, &ln);
        ln.absent[2] = true;
        check_case(be, &ln);
    }
    /* sum and mean: every axis subset of a 4-D tensor, keepdim both ways */
    for (int mask = 0; mask < 16; mask++)
        for (int keep = 0; keep < 2; keep++) {
            op_case c = {.op = keep ? VX_OP_MEAN : VX_OP_SUM, .n_in = 1, .ndim = {4},
                         .shape = {{3, 5, 1, 37}}, .lo = -1, .hi = 2};
            for (int a = 0; a < 4; a++)
                if (mask & (1 << a))
                    c.iarg[1 + c.iarg[0]++] = a - (keep ? 4 : 0); /* negative axes too */
            c.iarg[5] = keep;
            check_case(be, &c);
        }
    /* many terms per output: the work-group reduction (last axis, and a middle one) */
    op_case big = {.op = VX_OP_SUM, .n_in = 1, .ndim = {2}, .shape = {{3, 20001}}, .lo = 0, .hi = 1,
                   .iarg = {1, 1}};
    check_case(be, &big);
    op_case mid = {.op = VX_OP_MEAN, .n_in = 1, .ndim = {3}, .shape = {{2, 1500, 3}}, .lo = -1, .hi = 2,
                   .iarg = {1, -2}};
    check_case(be, &mid);
    mid.op = VX_OP_SUM;
    mid.iarg[0] = 0; /* everything */
    check_case(be, &mid);
}

static void gemm_cases(const vx_backend *be)
{
    static const int64_t mnk[][3] = {{1, 1, 1}, {5, 7, 3}, {16, 16, 16}, {17, 33, 65}, {64, 31, 130}, {130, 70, 33}};
    for (size_t s = 0; s < sizeof mnk / sizeof *mnk; s++) {
        int64_t M = mnk[s][0], N = mnk[s][1], K = mnk[s][2];
        op_case c = {.op = VX_OP_MATMUL, .n_in = 2, .ndim = {2, 2}, .shape = {{M, K}, {K, N}},
                     .lo = -1, .hi = 1};
        check_case(be, &c);
        op_case l = {.op = VX_OP_LINEAR, .n_in = 3, .ndim = {3, 2, 1},
                     .shape = {{2, M, K}, {N, K}, {N}}, .lo = -1, .hi = 1};
        check_case(be, &l);
        for (int k = 1; k <= 3; k++) { /* backward for x, w, bias */
            l.grad_of = k;
            l.absent[2] = false;
            check_case(be, &l);
        }
        l.absent[2] = true;
        l.grad_of = 0;
        check_case(be, &l);
        for (int k = 1; k <= 2; k++) {
            c.grad_of = k;
            check_case(be, &c);
        }
    }
    /* batch dims broadcast both ways */
    op_case b = {.op = VX_OP_MATMUL, .n_in = 2, .ndim = {4, 3},
                 .shape = {{2, 3, 9, 20}, {3, 20, 11}}, .lo = -1, .hi = 1};
    check_case(be, &b);
    for (int k = 1; k <= 2; k++) { /* backward sums over the broadcast batch dims */
        b.grad_of = k;
        check_case(be, &b);
    }
    op_case b2 = {.op = VX_OP_MATMUL, .n_in = 2, .ndim = {4, 4},
                  .shape = {{2, 1, 9, 20}, {1, 3, 20, 11}}, .lo = -1, .hi = 1};
    check_case(be, &b2);
}

static void conv_cases(const vx_backend *be)
{
    /* B, Cin, Cout, T, K, stride, pad, dilation, groups */
    static const int64_t convs[][9] = {
        {1, 3, 5, 17, 3, 1, 1, 1, 1},  {2, 4, 6, 33, 5, 2, 2, 1, 2}, {1, 8, 8, 40, 3, 1, 3, 3, 8},
        {2, 6, 9, 11, 7, 3, 3, 2, 3},  {1, 1, 1, 1, 1, 1, 0, 1, 1},  {1, 16, 4, 129, 9, 1, 4, 1, 1},
        /* cout_g >= 16: the implicit-GEMM kernel, with tails in every tile dim */
        {2, 10, 70, 67, 3, 1, 1, 1, 1}, {1, 6, 34, 130, 5, 2, 4, 2, 2}, {1, 24, 16, 9, 3, 1, 1, 1, 1},
        /* upsampler-like strides (conv_transpose1d's polyphase GEMM: K a multiple of
         * the stride or not, padding below and above the phase) */
        {1, 32, 16, 23, 16, 8, 4, 1, 1}, {2, 20, 18, 13, 4, 2, 1, 1, 1}, {1, 8, 32, 10, 7, 3, 2, 1, 2},
    };
    for (size_t s = 0; s < sizeof convs / sizeof *convs; s++) {
        const int64_t *v = convs[s];
        int64_t B = v[0], Cin = v[1], Cout = v[2], T = v[3], K = v[4], g = v[8];
        op_case c = {.op = VX_OP_CONV1D, .n_in = 3, .ndim = {3, 3, 1},
                     .shape = {{B, Cin, T}, {Cout, Cin / g, K}, {Cout}},
                     .iarg = {v[5], v[6], v[7], g}, .lo = -1, .hi = 1};
        check_case(be, &c);
        for (int k = 1; k <= 3; k++) {
            c.grad_of = k;
            check_case(be, &c);
        }
        c.grad_of = 0;
        c.absent[2] = true;
        check_case(be, &c);
        /* transposed: w [Cin, Cout/g, K]; iarg stride, pad, output_padding, groups, dilation */
        int64_t out_pad = v[5] > 1 ? 1 : 0;
        op_case t = {.op = VX_OP_CONV_TRANSPOSE1D, .n_in = 3, .ndim = {3, 3, 1},
                     .shape = {{B, Cin, T}, {Cin, Cout / g, K}, {Cout}},
                     .iarg = {v[5], v[6] < K ? v[6] : 0, out_pad, g, v[7]}, .lo = -1, .hi = 1};
        check_case(be, &t);
        for (int k = 1; k <= 3; k++) {
            t.grad_of = k;
            check_case(be, &t);
        }
        t.grad_of = 0;
        t.absent[2] = true;
        check_case(be, &t);
    }
}

static void index_cases(const vx_backend *be)
{
    op_case e = {.op = VX_OP_EMBEDDING, .n_in = 2, .ndim = {2, 2}, .shape = {{37, 19}, {3, 11}},
                 .lo = -1, .hi = 1, .index_limit = 37};
    check_case(be, &e);
    e.ndim[1] = 1;
    e.shape[1][0] = 1;
    check_case(be, &e);
    for (int axis = -3; axis < 3; axis++) {
        op_case s = {.op = VX_OP_INDEX_SELECT, .n_in = 2, .ndim = {3, 1},
                     .shape = {{5, 6, 7}, {13}}, .iarg = {axis}, .lo = -1, .hi = 1};
        s.index_limit = (int32_t)s.shape[0][axis < 0 ? axis + 3 : axis];
        check_case(be, &s);
    }
}

/* An index outside the table fails on the device as on the cpu. */
static void index_error_case(const vx_backend *be)
{
    vx_buffer *w = be->alloc(4 * 6 * sizeof(float)), *idx = be->alloc(3 * sizeof(int32_t));
    vx_buffer *y = be->alloc(3 * 6 * sizeof(float));
    ck_assert(w && idx && y);
    ck_assert_int_eq(be->upload(idx, 0, (int32_t[]){1, 4, 0}, 3 * sizeof(int32_t)), VX_OK);
    vx_op_desc d = {.op = VX_OP_EMBEDDING, .n_in = 2,
                    .in = {vx_operand_of(w, 0, VX_F32, 2, (int64_t[]){4, 6}),
                           vx_operand_of(idx, 0, VX_I32, 1, (int64_t[]){3})},
                    .out = vx_operand_of(y, 0, VX_F32, 2, (int64_t[]){3, 6})};
    vx_clear_error();
    ck_assert_int_eq(be->run(&d), VX_ERR_ARG);
    ck_assert_msg(strstr(vx_last_error(), "index 4 (position 1)"), "%s", vx_last_error());
    be->free(w);
    be->free(idx);
    be->free(y);
}

/* --- the tests --------------------------------------------------------------------- */

/* Runs `fam` on every backend but cpu that starts here; silent for the
 * others (opencl_available_or_skipped prints the one notice). */
static void run_family(family fam)
{
    vx_rng_init(&rng, 4242 + (uint64_t)fam);
    for (const char *const *name = vx_backend_names(); *name; name++) {
        if (!strcmp(*name, "cpu"))
            continue;
        const vx_backend *be = vx_backend_start(*name);
        if (!be)
            continue;
        switch (fam) {
        case FAM_ELEMENTWISE:
            elementwise_cases(be, false);
            elementwise_cases(be, true);
            break;
        case FAM_ROWS: rows_cases(be); break;
        case FAM_GEMM: gemm_cases(be); break;
        case FAM_CONV: conv_cases(be); break;
        case FAM_INDEX:
            index_cases(be);
            index_error_case(be);
            break;
        }
    }
}

START_TEST(opencl_available_or_skipped)
{
    const vx_backend *be = vx_backend_start("opencl");
    if (!be) {
        printf("test_backend_ops: SKIPPED the opencl backend: %s\n", vx_last_error());
        ck_assert_msg(strstr(vx_last_error(), "OpenCL not available"), "%s", vx_last_error());
        return;
    }
    vx_buffer *b = be->alloc(16);
    ck_assert_ptr_nonnull(b);
    float v[4] = {1, 2, 3, 4}, back[2] = {0};
    ck_assert_int_eq(be->upload(b, 0, v, sizeof v), VX_OK);
    ck_assert_int_eq(be->download(b, 4, back, sizeof back), VX_OK);
    ck_assert(back[0] == 2 && back[1] == 3);
    ck_assert_fails(be->download(b, 12, back, sizeof back) == VX_OK);
    ck_assert_int_eq(be->synchronize(), VX_OK);
    be->free(b);
}
END_TEST

/* The cuda backend (hw/cuda) starts only with a GPU, libcudart and the
 * kernel library of `make CUDA=1`; otherwise one notice. `make test-cuda`
 * requires the "cuda backend on" line. */
START_TEST(cuda_available_or_skipped)
{
    const vx_backend *be = vx_backend_start("cuda");
    if (!be) {
        printf("test_backend_ops: SKIPPED the cuda backend: %s\n", vx_last_error());
        ck_assert_msg(strstr(vx_last_error(), "CUDA not available"), "%s", vx_last_error());
        return;
    }
    printf("test_backend_ops: cuda backend on %s\n", be->device_name());
    vx_buffer *b = be->alloc(16);
    ck_assert_ptr_nonnull(b);
    float v[4] = {1, 2, 3, 4}, back[2] = {0};
    ck_assert_int_eq(be->upload(b, 0, v, sizeof v), VX_OK);
    ck_assert_int_eq(be->download(b, 4, back, sizeof back), VX_OK);
    ck_assert(back[0] == 2 && back[1] == 3);
    ck_assert_fails(be->download(b, 12, back, sizeof back) == VX_OK);
    ck_assert_int_eq(be->synchronize(), VX_OK);
    be->free(b);
}
END_TEST

START_TEST(backend_elementwise_ops_match_cpu_reference_with_nan_inf_positions) { run_family(FAM_ELEMENTWISE); }
END_TEST
START_TEST(backend_softmax_layer_norm_reductions_cumsum_match_cpu_reference) { run_family(FAM_ROWS); }
END_TEST
START_TEST(backend_matmul_and_linear_forward_and_backward_match_cpu_reference) { run_family(FAM_GEMM); }
END_TEST
START_TEST(backend_conv1d_and_conv_transpose1d_forward_and_backward_match_cpu_reference) { run_family(FAM_CONV); }
END_TEST
START_TEST(backend_embedding_and_index_select_match_cpu_and_reject_bad_indices) { run_family(FAM_INDEX); }
END_TEST

START_TEST(registry_knows_cpu_opencl_and_cuda)
{
    ck_assert_ptr_nonnull(vx_backend_get("cpu"));
    ck_assert_ptr_nonnull(vx_backend_get("opencl"));
    ck_assert_ptr_nonnull(vx_backend_get("cuda"));
    ck_assert_fails(vx_backend_get("tpu"));
    ck_assert_fails(vx_backend_get(NULL));
}
END_TEST

/* The cpu backend maps descriptor arguments onto the op signatures (e.g.
 * conv_transpose1d's argument order) and equals the op called directly. */
START_TEST(cpu_backend_equals_direct_op_call)
{
    vx_ctx *ctx = test_ctx();
    vx_set_reference(ctx, true);
    vx_rng_init(&rng, 9);
    int64_t xs[3] = {2, 4, 9}, ws[3] = {4, 3, 5};
    vx_tensor *x = vx_new(ctx, VX_F32, 3, xs), *w = vx_new(ctx, VX_F32, 3, ws);
    vx_rng_uniform(&rng, x->data, 72, -1, 1);
    vx_rng_uniform(&rng, w->data, 60, -1, 1);
    vx_tensor *y = vx_conv_transpose1d(ctx, x, w, NULL, 2, 1, 1, 1, 2);
    ck_assert_ptr_nonnull(y);
    const vx_backend *cpu = vx_backend_start("cpu");
    vx_buffer *bx = cpu->alloc(72 * 4), *bw = cpu->alloc(60 * 4), *by = cpu->alloc((size_t)vx_numel(y) * 4);
    memcpy(bx->handle, x->data, 72 * 4);
    memcpy(bw->handle, w->data, 60 * 4);
    vx_op_desc d = {.op = VX_OP_CONV_TRANSPOSE1D, .n_in = 3,
                    .in = {vx_operand_of(bx, 0, VX_F32, 3, xs), vx_operand_of(bw, 0, VX_F32, 3, ws)},
                    .out = vx_operand_of(by, 0, VX_F32, 3, y->shape), .iarg = {2, 1, 1, 1, 2}};
    ck_assert_msg(cpu->run(&d) == VX_OK, "%s", vx_last_error());
    ck_assert(memcmp(by->handle, y->data, (size_t)vx_numel(y) * 4) == 0);
    cpu->free(bx);
    cpu->free(bw);
    cpu->free(by);
    vx_ctx_free(ctx);
}
END_TEST

START_TEST(descriptor_check_rejects_bad_shapes_buffers_and_overlap)
{
    const vx_backend *cpu = vx_backend_start("cpu");
    vx_buffer *b = cpu->alloc(64 * sizeof(float));
    int64_t s8[1] = {8}, s9[1] = {9}, s3[1] = {3};
    vx_op_desc d = {.op = VX_OP_ADD, .n_in = 2,
                    .in = {vx_operand_of(b, 0, VX_F32, 1, s8), vx_operand_of(b, 32, VX_F32, 1, s8)},
                    .out = vx_operand_of(b, 64, VX_F32, 1, s8)};
    ck_assert_int_eq(vx_op_desc_check(&d), VX_OK);
    d.out.shape[0] = 9; /* wrong output shape */
    ck_assert_fails(vx_op_desc_check(&d) == VX_OK);
    d.out = vx_operand_of(b, 40, VX_F32, 1, s8); /* overlaps input 1 */
    ck_assert_fails(vx_op_desc_check(&d) == VX_OK);
    d.out = vx_operand_of(b, 250, VX_F32, 1, s8); /* past the buffer end, misaligned */
    ck_assert_fails(vx_op_desc_check(&d) == VX_OK);
    d.out = vx_operand_of(b, 64, VX_F32, 1, s8);
    d.in[1] = vx_operand_of(b, 32, VX_F32, 1, s3); /* 8 vs 3 do not broadcast */
    ck_assert_fails(vx_op_desc_check(&d) == VX_OK);
    d.in[1] = vx_operand_of(b, 32, VX_I32, 1, s8); /* wrong dtype */
    ck_assert_fails(vx_op_desc_check(&d) == VX_OK);
    d.in[1] = vx_operand_of(b, 224, VX_F32, 1, s9); /* runs past the end */
    ck_assert_fails(vx_op_desc_check(&d) == VX_OK);
    vx_op_desc conv = {.op = VX_OP_CONV1D, .n_in = 3,
                       .in = {vx_operand_of(b, 0, VX_F32, 3, (int64_t[]){1, 3, 4}),
                              vx_operand_of(b, 48, VX_F32, 3, (int64_t[]){2, 2, 2})},
                       .out = vx_operand_of(b, 128, VX_F32, 3, (int64_t[]){1, 2, 3}), .iarg = {1, 0, 1, 1}};
    ck_assert_fails(vx_op_desc_check(&conv) == VX_OK); /* Cin 3 vs w's 2 */
    conv.iarg[3] = 0; /* groups 0 */
    ck_assert_fails(vx_op_desc_check(&conv) == VX_OK);
    ck_assert_fails(cpu->run(&conv) == VX_OK);
    cpu->free(b);
}
END_TEST

/* Random, mostly malformed descriptors (any op id, input count, dtype, rank,
 * dims, offsets, arguments, grad_of) never crash a backend, and every
 * backend accepts or rejects each one exactly as the cpu reference does:
 * the shared check must catch everything the CPU ops would refuse. */
START_TEST(random_descriptors_never_crash_and_backends_agree_on_errors)
{
    enum { BUF_BYTES = 512, N_BUF = 5 };
    vx_rng_init(&rng, 77);
    const vx_backend *cpu = vx_backend_start("cpu"), *dev = vx_backend_start("opencl");
    vx_buffer *cb[N_BUF], *db[N_BUF] = {NULL};
    float init[BUF_BYTES / 4];
    for (int i = 0; i < N_BUF; i++) {
        vx_rng_uniform(&rng, init, BUF_BYTES / 4, -2, 2);
        if (i == 3) /* small non-negative i32 values: valid indices now and then */
            for (int k = 0; k < BUF_BYTES / 4; k++)
                ((int32_t *)init)[k] = k % 3;
        cb[i] = cpu->alloc(BUF_BYTES);
        memcpy(cb[i]->handle, init, BUF_BYTES);
        if (dev) {
            db[i] = dev->alloc(BUF_BYTES);
            ck_assert_int_eq(dev->upload(db[i], 0, init, BUF_BYTES), VX_OK);
        }
    }
    int accepted = 0;
    for (int iter = 0; iter < 3000; iter++) {
#define RND(n) ((int64_t)(vx_rng_bits_at(rng.seed, rng.counter++) % (uint64_t)(n)))
        vx_op_desc d = {.op = (vx_op_id)RND(VX_OP_COUNT + 1), .n_in = (int)RND(5),
                        .grad_of = RND(4) ? 0 : (int)RND(4)};
        bool shared = RND(2); /* inputs share one shape (plausible for most ops) */
        int64_t common[VX_MAX_DIMS];
        int common_ndim = (int)RND(4) + 1;
        for (int k = 0; k < VX_MAX_DIMS; k++)
            common[k] = RND(3) + 1;
        for (int i = 0; i <= d.n_in; i++) {
            vx_operand *t = i < d.n_in ? &d.in[i] : &d.out;
            int b = i < d.n_in ? (int)RND(N_BUF - 1) : N_BUF - 1; /* the output has its own */
            t->buf = RND(8) ? cb[b] : NULL;
            t->dtype = RND(12) ? VX_F32 : (vx_dtype)RND(VX_DTYPE_COUNT + 1);
            t->ndim = shared ? common_ndim : (int)RND(6);
            t->offset = (size_t)(RND(10) ? 4 * RND(20) : RND(BUF_BYTES + 8));
            for (int k = 0; k < VX_MAX_DIMS; k++)
                t->shape[k] = shared ? common[k] : RND(12) ? RND(3) + 1 : RND(3) - 1;
        }
        for (int k = 0; k < 8; k++)
            d.iarg[k] = RND(7) - 2;
        for (int k = 0; k < 4; k++)
            d.farg[k] = RND(10) ? (float)RND(5) * 0.25f : (RND(2) ? NAN : INFINITY);
        int ndim;
        int64_t shape[VX_MAX_DIMS];
        if (RND(4) && vx_op_desc_out_shape(&d, &ndim, shape) == VX_OK) /* a fitting output, mostly */
            d.out = vx_operand_of(cb[N_BUF - 1], 4 * (size_t)RND(20), VX_F32, ndim, shape);
#undef RND
        vx_status want = vx_op_desc_check(&d);
        if (want != VX_OK)
            continue;
        accepted++;
        vx_op_desc h = d;
        vx_status got_cpu = cpu->run(&h);
        if (!dev)
            continue;
        for (int i = 0; i < d.n_in; i++)
            for (int b = 0; b < N_BUF; b++)
                if (d.in[i].buf == cb[b])
                    d.in[i].buf = db[b];
        d.out.buf = db[N_BUF - 1];
        char what[96];
        snprintf(what, sizeof what, "%s (grad_of %d, %d inputs)", vx_op_table[d.op].name, d.grad_of,
                 d.n_in);
        ck_assert_msg(dev->supports(&d) || got_cpu != VX_OK, "%s: cpu ran it, %s does not support it",
                      what, dev->name);
        if (!dev->supports(&d))
            continue;
        vx_status got_dev = dev->run(&d);
        ck_assert_msg((got_cpu == VX_OK) == (got_dev == VX_OK), "%s: cpu says %s, %s says %s (%s)", what,
                      vx_status_name(got_cpu), dev->name, vx_status_name(got_dev), vx_last_error());
    }
    ck_assert_msg(accepted > 30, "only %d random descriptors were valid", accepted);
    for (int i = 0; i < N_BUF; i++) {
        cpu->free(cb[i]);
        if (dev)
            dev->free(db[i]);
    }
}
END_TEST

/* An op the backend lacks runs on the cpu with one warning; --strict
 * (vx_backend_set_strict) refuses it instead. Ops are masked with
 * VOXC_OPENCL_SKIP_OPS, read at each supports() call. */
START_TEST(dispatch_falls_back_to_cpu_and_strict_refuses)
{
    if (VX_SANITIZED) {
        /* In the full `make asan` run (not when this suite runs alone) LeakSanitizer's
         * exit-time scan of this test's process crashes ("Tracer caught signal 11") on a
         * bogus dynamic-TLS range left by PoCL's JIT libraries; `make test` runs it. */
        puts("test_backend_ops: SKIPPED dispatch_falls_back_to_cpu_and_strict_refuses under sanitizers "
             "(LeakSanitizer crashes scanning PoCL's dynamic TLS; make test runs it)");
        return;
    }
    const vx_backend *be = vx_backend_start("opencl");
    if (!be)
        return;
    setenv("VOXC_OPENCL_SKIP_OPS", "relu,softmax", 1);
    vx_buffer *x = be->alloc(6 * sizeof(float)), *y = be->alloc(6 * sizeof(float));
    float in[6] = {-1, 2, -3, 4, 0.5f, -0.5f}, out[6];
    ck_assert_int_eq(be->upload(x, 0, in, sizeof in), VX_OK);
    vx_op_desc d = {.op = VX_OP_SOFTMAX, .n_in = 1, .in = {vx_operand_of(x, 0, VX_F32, 2, (int64_t[]){2, 3})},
                    .out = vx_operand_of(y, 0, VX_F32, 2, (int64_t[]){2, 3}), .iarg = {-1}};
    ck_assert(!be->supports(&d));
    int64_t before = vx_backend_fallback_count();
    ck_assert_msg(vx_backend_dispatch(be, &d) == VX_OK, "%s", vx_last_error());
    ck_assert_int_eq(vx_backend_fallback_count(), before + 1);
    ck_assert_int_eq(be->download(y, 0, out, sizeof out), VX_OK);
    /* ref: softmax([-1, 2, -3]) = e^x / Σ e^x: numpy one-liner
     * np.exp([-1,2,-3]) / np.exp([-1,2,-3]).sum() = [0.0471, 0.9465, 0.0064] */
    ck_assert_close(out[0], 0.04712342, 1e-6);
    ck_assert_close(out[1], 0.94649912, 1e-6);
    ck_assert_close(out[2], 0.00637746, 1e-6);
    vx_backend_set_strict(true);
    vx_clear_error();
    ck_assert_int_eq(vx_backend_dispatch(be, &d), VX_ERR_UNSUPPORTED);
    ck_assert(strstr(vx_last_error(), "--strict"));
    vx_backend_set_strict(false);
    unsetenv("VOXC_OPENCL_SKIP_OPS");
    ck_assert(be->supports(&d));
    memset(out, 0, sizeof out);
    ck_assert_int_eq(be->upload(y, 0, out, sizeof out), VX_OK);
    ck_assert_int_eq(vx_backend_dispatch(be, &d), VX_OK);
    ck_assert_int_eq(vx_backend_fallback_count(), before + 1);
    /* the device kernel's result too; waiting for it also lets the runtime's
     * worker threads settle before the test process exits (LeakSanitizer's
     * exit-time scan once crashed while they were still starting) */
    ck_assert_int_eq(be->download(y, 0, out, sizeof out), VX_OK);
    ck_assert_close(out[1], 0.94649912, 1e-6);
    be->free(x);
    be->free(y);
}
END_TEST

/* A missing OpenCL library is a clear "not available" error (checked in a
 * fresh process, the tool: the runtime starts once per process; the library
 * is chosen with VOXC_OPENCL_LIBRARY). */
START_TEST(missing_opencl_library_is_reported_not_fatal)
{
    setenv("VOXC_OPENCL_LIBRARY", "/nonexistent/libOpenCL.so.1", 1);
    char *out, *err;
    const char *args[] = {"add", "--shape", "64", "--backend", "opencl", NULL};
    ck_assert_int_eq(run_tool("opbench", args, NULL, &out, NULL, &err), 1);
    ck_assert_msg(strstr(err, "OpenCL not available: cannot load the OpenCL library"), "%s", err);
    free(out);
    free(err);
    unsetenv("VOXC_OPENCL_LIBRARY");
}
END_TEST

/* voxc-opbench --backend opencl times the op on the device (or says why it
 * cannot), and refuses unknown backends. */
START_TEST(opbench_times_ops_on_the_opencl_backend)
{
    char *out, *err;
    const char *bad[] = {"add", "--shape", "64", "--backend", "tpu", NULL};
    ck_assert_int_eq(run_tool("opbench", bad, NULL, &out, NULL, &err), 2);
    ck_assert_msg(strstr(err, "unknown backend"), "%s", err);
    free(out);
    free(err);
    bool available = vx_backend_start("opencl") != NULL;
    static const char *const ops[][2] = {{"add", "1000"}, {"conv1d", "1,16,16,50,3"}, {"gemm", "33,17,9"}};
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
        const char *args[] = {ops[i][0], "--shape", ops[i][1], "--backend", "opencl", "--runs", "3",
                              "--json", NULL};
        int rc = run_tool("opbench", args, NULL, &out, NULL, &err);
        if (available) {
            ck_assert_msg(rc == 0, "%s: rc %d: %s", ops[i][0], rc, err);
            ck_assert_msg(strstr(out, "\"backend\":\"opencl\"") && strstr(out, "\"clock\":\"device\""),
                          "%s", out);
        } else {
            ck_assert_int_eq(rc, 1);
            ck_assert_msg(strstr(err, "OpenCL not available"), "%s", err);
        }
        free(out);
        free(err);
    }
}
END_TEST

#ifdef HAVE_CL_HEADER
/* cl_api.h's hand-written values against the Khronos header. */
START_TEST(cl_api_constants_match_khronos_header)
{
    ck_assert_int_eq(VXCL_PLATFORM_NAME, CL_PLATFORM_NAME);
    ck_assert_int_eq(VXCL_DEVICE_TYPE_GPU, CL_DEVICE_TYPE_GPU);
    ck_assert_int_eq(VXCL_DEVICE_TYPE_ALL, CL_DEVICE_TYPE_ALL);
    ck_assert_int_eq(VXCL_DEVICE_TYPE, CL_DEVICE_TYPE);
    ck_assert_int_eq(VXCL_DEVICE_MAX_WORK_GROUP_SIZE, CL_DEVICE_MAX_WORK_GROUP_SIZE);
    ck_assert_int_eq(VXCL_DEVICE_MAX_MEM_ALLOC_SIZE, CL_DEVICE_MAX_MEM_ALLOC_SIZE);
    ck_assert_int_eq(VXCL_DEVICE_NAME, CL_DEVICE_NAME);
    ck_assert_int_eq(VXCL_CONTEXT_PLATFORM, CL_CONTEXT_PLATFORM);
    ck_assert_int_eq(VXCL_QUEUE_PROFILING_ENABLE, CL_QUEUE_PROFILING_ENABLE);
    ck_assert_int_eq(VXCL_MEM_READ_WRITE, CL_MEM_READ_WRITE);
    ck_assert_int_eq(VXCL_PROGRAM_BUILD_LOG, CL_PROGRAM_BUILD_LOG);
    ck_assert_int_eq(VXCL_PROFILING_COMMAND_START, CL_PROFILING_COMMAND_START);
    ck_assert_int_eq(VXCL_PROFILING_COMMAND_END, CL_PROFILING_COMMAND_END);
    ck_assert_int_eq(VXCL_TRUE, CL_TRUE);
    ck_assert_int_eq(VXCL_SUCCESS, CL_SUCCESS);
    ck_assert_int_eq(sizeof(vxcl_context_properties), sizeof(cl_context_properties));
}
END_TEST
#endif

Suite *suite_backend_ops(void)
{
    Suite *s = suite_create("backend_ops");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120); /* a cold PoCL cache compiles a kernel program for seconds */
    tcase_add_test(tc, registry_knows_cpu_opencl_and_cuda);
    tcase_add_test(tc, cpu_backend_equals_direct_op_call);
    tcase_add_test(tc, descriptor_check_rejects_bad_shapes_buffers_and_overlap);
    tcase_add_test(tc, opencl_available_or_skipped);
    tcase_add_test(tc, cuda_available_or_skipped);
    tcase_add_test(tc, backend_elementwise_ops_match_cpu_reference_with_nan_inf_positions);
    tcase_add_test(tc, backend_softmax_layer_norm_reductions_cumsum_match_cpu_reference);
    tcase_add_test(tc, backend_matmul_and_linear_forward_and_backward_match_cpu_reference);
    tcase_add_test(tc, backend_conv1d_and_conv_transpose1d_forward_and_backward_match_cpu_reference);
    tcase_add_test(tc, backend_embedding_and_index_select_match_cpu_and_reject_bad_indices);
    tcase_add_test(tc, random_descriptors_never_crash_and_backends_agree_on_errors);
    tcase_add_test(tc, dispatch_falls_back_to_cpu_and_strict_refuses);
    tcase_add_test(tc, opbench_times_ops_on_the_opencl_backend);
    tcase_add_test(tc, missing_opencl_library_is_reported_not_fatal);
#ifdef HAVE_CL_HEADER
    tcase_add_test(tc, cl_api_constants_match_khronos_header);
#endif
    suite_add_tcase(s, tc);
    return s;
}
