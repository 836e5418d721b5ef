/* vmath.c — version dispatch, the scalar reference (version 1) and thread
 * splitting for the vector math of vmath.h. */
#include "vmath.h"

#include <math.h>

#include "../threads.h"
#include "cpu.h"

/* Work per thread chunk: below two of these an array runs on the caller. */
enum { GRAIN = 1 << 15 };

static const char *const impl_names[] = {
    "auto: best supported version",
    "scalar reference (libm)",
    "AVX2+FMA, 8 lanes",
    "AVX-512, 16 lanes",
    "NEON, 4 lanes",
};

static const char *const func_names[VX_VFUNC_COUNT] = {
    "exp", "log", "tanh", "sigmoid", "erf", "gelu", "relu", "leaky_relu",
    "scale", "add_scalar", "abs", "square", "sqrt", "clamp",
};

bool vx_vmath_impl_supported(int impl)
{
    switch (impl) {
    case 0: case 1: return true;
    case 2: return vx_cpu_avx2();
    case 3: return vx_cpu_avx512();
#if defined(__aarch64__)
    case 4: return true;
#endif
    default: return false;
    }
}

int vx_vmath_best_impl(void)
{
#if defined(__aarch64__)
    return 4;
#else
    return vx_cpu_avx512() ? 3 : vx_cpu_avx2() ? 2 : 1;
#endif
}

const char *vx_vmath_impl_name(int impl)
{
    return impl >= 0 && impl <= 4 ? impl_names[impl] : "unknown version";
}

const char *vx_vfunc_name(vx_vfunc f)
{
    return (unsigned)f < VX_VFUNC_COUNT ? func_names[f] : "unknown";
}

static int default_impl = 0;

void vx_vmath_set_impl(int impl) { default_impl = vx_vmath_impl_supported(impl) ? impl : 0; }

static int resolve(int impl)
{
    if (impl == 0)
        impl = default_impl;
    return impl == 0 || !vx_vmath_impl_supported(impl) ? vx_vmath_best_impl() : impl;
}

/* --- version 1: the scalar reference --------------------------------------- */

static float ref_unary(vx_vfunc f, float x, float p0, float p1)
{
    switch (f) {
    case VX_VEXP: return expf(x);
    case VX_VLOG: return logf(x);
    case VX_VTANH: return tanhf(x);
    case VX_VSIGMOID: return 1.0f / (1.0f + expf(-x));
    case VX_VERF: return erff(x);
    case VX_VGELU: return 0.5f * x * (1.0f + erff(x * 0.70710678f));
    case VX_VRELU: return x > 0 ? x : 0;
    case VX_VLEAKY_RELU: return x > 0 ? x : p0 * x;
    case VX_VSCALE: return x * p0;
    case VX_VADD_SCALAR: return x + p0;
    case VX_VABS: return fabsf(x);
    case VX_VSQUARE: return x * x;
    case VX_VSQRT: return sqrtf(x);
    case VX_VCLAMP: return x < p0 ? p0 : (x > p1 ? p1 : x);
    default: return x;
    }
}

static float ref_binary(vx_vbinop op, float a, float b)
{
    switch (op) {
    case VX_VADD: return a + b;
    case VX_VSUB: return a - b;
    case VX_VMUL: return a * b;
    default: return a / b;
    }
}

/* Softmax of column i of x [n, inner] and layer norm of column i < cols of
 * rows `stride` apart, statistics in double (the same arithmetic as
 * core/ops/norm.c's reference). */
static void ref_softmax(const float *x, float *y, int64_t n, int64_t inner)
{
    for (int64_t i = 0; i < inner; i++) {
        float m = -INFINITY;
        for (int64_t j = 0; j < n; j++)
            m = fmaxf(m, x[j * inner + i]);
        double total = 0;
        for (int64_t j = 0; j < n; j++) {
            y[j * inner + i] = expf(x[j * inner + i] - m);
            total += y[j * inner + i];
        }
        for (int64_t j = 0; j < n; j++)
            y[j * inner + i] = (float)(y[j * inner + i] / total);
    }
}

static void ref_layer_norm(const float *x, float *y, int64_t n, int64_t stride, int64_t cols,
                           const float *gamma, const float *beta, float eps, float *stats)
{
    for (int64_t i = 0; i < cols; i++) {
        double mu = 0, var = 0;
        for (int64_t j = 0; j < n; j++)
            mu += x[j * stride + i];
        mu /= (double)n;
        for (int64_t j = 0; j < n; j++)
            var += (x[j * stride + i] - mu) * (x[j * stride + i] - mu);
        var /= (double)n;
        double rstd = 1.0 / sqrt(var + (double)eps);
        for (int64_t j = 0; j < n; j++) {
            double v = (x[j * stride + i] - mu) * rstd;
            y[j * stride + i] = (float)(v * (gamma ? gamma[j] : 1.0f) + (beta ? beta[j] : 0.0f));
        }
        stats[2 * i] = (float)mu;
        stats[2 * i + 1] = (float)rstd;
    }
}

/* --- dispatch ---------------------------------------------------------------- */

void vx_vunary_impl(int impl, vx_vfunc f, const float *x, float *y, int64_t n, float p0, float p1)
{
    switch (resolve(impl)) {
#if defined(__x86_64__)
    case 3: vx_vunary_avx512(f, x, y, n, p0, p1); return;
    case 2: vx_vunary_avx2(f, x, y, n, p0, p1); return;
#endif
#if defined(__aarch64__)
    case 4: vx_vunary_neon(f, x, y, n, p0, p1); return;
#endif
    default:
        for (int64_t i = 0; i < n; i++)
            y[i] = ref_unary(f, x[i], p0, p1);
    }
}

void vx_vbinary_impl(int impl, vx_vbinop op, const float *a, int64_t sa, const float *b,
                     int64_t sb, float *y, int64_t n)
{
    switch (resolve(impl)) {
#if defined(__x86_64__)
    case 3: vx_vbinary_avx512(op, a, sa, b, sb, y, n); return;
    case 2: vx_vbinary_avx2(op, a, sa, b, sb, y, n); return;
#endif
#if defined(__aarch64__)
    case 4: vx_vbinary_neon(op, a, sa, b, sb, y, n); return;
#endif
    default:
        for (int64_t i = 0; i < n; i++)
            y[i] = ref_binary(op, a[i * sa], b[i * sb]);
    }
}

float vx_vsum_impl(int impl, const float *x, int64_t n)
{
    switch (resolve(impl)) {
#if defined(__x86_64__)
    case 3: return vx_vsum_avx512(x, n);
    case 2: return vx_vsum_avx2(x, n);
#endif
#if defined(__aarch64__)
    case 4: return vx_vsum_neon(x, n);
#endif
    default: {
        double s = 0;
        for (int64_t i = 0; i < n; i++)
            s += x[i];
        return (float)s;
    }
    }
}

float vx_vmax_impl(int impl, const float *x, int64_t n)
{
    switch (resolve(impl)) {
#if defined(__x86_64__)
    case 3: return vx_vmax_avx512(x, n);
    case 2: return vx_vmax_avx2(x, n);
#endif
#if defined(__aarch64__)
    case 4: return vx_vmax_neon(x, n);
#endif
    default: {
        float m = -INFINITY;
        for (int64_t i = 0; i < n; i++)
            m = fmaxf(m, x[i]);
        return m;
    }
    }
}

void vx_vsoftmax_impl(int impl, const float *x, float *y, int64_t n, int64_t inner)
{
    switch (resolve(impl)) {
#if defined(__x86_64__)
    case 3: vx_vsoftmax_avx512(x, y, n, inner); return;
    case 2: vx_vsoftmax_avx2(x, y, n, inner); return;
#endif
#if defined(__aarch64__)
    case 4: vx_vsoftmax_neon(x, y, n, inner); return;
#endif
    default: ref_softmax(x, y, n, inner);
    }
}

void vx_vlayer_norm_impl(int impl, const float *x, float *y, int64_t n, int64_t stride,
                         int64_t cols, const float *gamma, const float *beta, float eps,
                         float *stats)
{
    switch (resolve(impl)) {
#if defined(__x86_64__)
    case 3: vx_vlayer_norm_avx512(x, y, n, stride, cols, gamma, beta, eps, stats); return;
    case 2: vx_vlayer_norm_avx2(x, y, n, stride, cols, gamma, beta, eps, stats); return;
#endif
#if defined(__aarch64__)
    case 4: vx_vlayer_norm_neon(x, y, n, stride, cols, gamma, beta, eps, stats); return;
#endif
    default: ref_layer_norm(x, y, n, stride, cols, gamma, beta, eps, stats);
    }
}

/* --- threaded forms ------------------------------------------------------------ */

typedef struct map_job {
    vx_vfunc f;
    vx_vbinop op;
    bool binary;
    const float *a, *b;
    int64_t sa, sb;
    float *y;
    float p0, p1;
} map_job;

static void map_range(void *arg, int64_t begin, int64_t end, int tid)
{
    (void)tid;
    const map_job *j = arg;
    if (j->binary)
        vx_vbinary_impl(0, j->op, j->a + begin * j->sa, j->sa, j->b + begin * j->sb, j->sb,
                        j->y + begin, end - begin);
    else
        vx_vunary_impl(0, j->f, j->a + begin, j->y + begin, end - begin, j->p0, j->p1);
}

void vx_vunary(vx_vfunc f, const float *x, float *y, int64_t n, float p0, float p1)
{
    map_job j = {.f = f, .a = x, .y = y, .p0 = p0, .p1 = p1};
    vx_parallel_for(n, GRAIN, map_range, &j);
}

void vx_vbinary(vx_vbinop op, const float *a, int64_t sa, const float *b, int64_t sb, float *y,
                int64_t n)
{
    map_job j = {.op = op, .binary = true, .a = a, .b = b, .sa = sa, .sb = sb, .y = y};
    vx_parallel_for(n, GRAIN, map_range, &j);
}

float vx_vsum(const float *x, int64_t n) { return vx_vsum_impl(0, x, n); }
float vx_vmax(const float *x, int64_t n) { return vx_vmax_impl(0, x, n); }

void vx_vsoftmax(const float *x, float *y, int64_t n, int64_t inner)
{
    vx_vsoftmax_impl(0, x, y, n, inner);
}

void vx_vlayer_norm(const float *x, float *y, int64_t n, int64_t stride, int64_t cols,
                    const float *gamma, const float *beta, float eps, float *stats)
{
    vx_vlayer_norm_impl(0, x, y, n, stride, cols, gamma, beta, eps, stats);
}
