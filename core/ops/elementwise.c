/* elementwise.c — broadcasting binary ops, scalar ops and unary activations.
 *
 * Scalar reference forward and backward side by side. Binary ops work on any
 * strides through the 4-D broadcast walk; unary ops make the input contiguous
 * first. Each unary op is one row of a table: y = f(x), dy/dx = f'(x, y).
 * Outside reference mode the forward passes run the vector kernels of
 * core/kernels/vmath.h (threaded for large tensors): bit-identical for the
 * arithmetic ops, within the ulp bounds stated there for the activations. */
#include <math.h>

#include "../kernels/vmath.h"
#include "../threads.h"
#include "op_util.h"

/* --- binary: out[i] = a[i] OP b[i] with numpy broadcasting ------------------ */

typedef enum { BIN_ADD, BIN_SUB, BIN_MUL, BIN_DIV } bin_kind;

static float bin_apply(bin_kind k, float a, float b)
{
    switch (k) {
    case BIN_ADD: return a + b;
    case BIN_SUB: return a - b;
    case BIN_MUL: return a * b;
    case BIN_DIV: return a / b;
    }
    return 0;
}

/* Backward for a, b: out [..] (broadcast of a, b).
 *   add: da += dy,          db += dy
 *   sub: da += dy,          db -= dy
 *   mul: da += dy·b,        db += dy·a
 *   div: da += dy/b,        db -= dy·a/b²
 * then each is summed over the dims it was broadcast along. */
static vx_status binary_backward(vx_ctx *ctx, vx_node *node)
{
    bin_kind k = (bin_kind)node->iarg[0];
    vx_tensor *a = node->in[0], *b = node->in[1], *out = node->out;
    const float *gy = out->grad->data;
    shape4 o = shape4_of(out), sa = shape4_broadcast(a, out), sb = shape4_broadcast(b, out);
    const float *pa = a->data, *pb = b->data;
    int64_t n = vx_numel(out);
    float *ta, *tb; /* per-output-element grads before reduction */
    if (vx_pair_grads_alloc(ctx, a, b, n, &ta, &tb) != VX_OK)
        return vx_last_status();
    int64_t i = 0;
    for (int64_t i0 = 0; i0 < o.n[0]; i0++)
        for (int64_t i1 = 0; i1 < o.n[1]; i1++)
            for (int64_t i2 = 0; i2 < o.n[2]; i2++)
                for (int64_t i3 = 0; i3 < o.n[3]; i3++, i++) {
                    float av = pa[shape4_offset(&sa, i0, i1, i2, i3)];
                    float bv = pb[shape4_offset(&sb, i0, i1, i2, i3)];
                    float g = gy[i];
                    switch (k) {
                    case BIN_ADD: if (ta) ta[i] = g; if (tb) tb[i] = g; break;
                    case BIN_SUB: if (ta) ta[i] = g; if (tb) tb[i] = -g; break;
                    case BIN_MUL: if (ta) ta[i] = g * bv; if (tb) tb[i] = g * av; break;
                    case BIN_DIV: if (ta) ta[i] = g / bv; if (tb) tb[i] = -g * av / (bv * bv); break;
                    }
                }
    return vx_pair_grads_reduce(ctx, a, b, ta, tb, out);
}

typedef struct binary_rows {
    vx_vbinop op;
    shape4 o, sa, sb;
    const float *pa, *pb;
    float *py;
} binary_rows;

/* Rows [begin, end) of the output viewed as [n0·n1·n2, n3]. */
static void binary_rows_range(void *arg, int64_t begin, int64_t end, int tid)
{
    (void)tid;
    const binary_rows *j = arg;
    int64_t n3 = j->o.n[3];
    for (int64_t row = begin; row < end; row++) {
        int64_t i2 = row % j->o.n[2], i1 = row / j->o.n[2] % j->o.n[1], i0 = row / j->o.n[2] / j->o.n[1];
        vx_vbinary_impl(0, j->op, j->pa + shape4_offset(&j->sa, i0, i1, i2, 0), j->sa.s[3],
                        j->pb + shape4_offset(&j->sb, i0, i1, i2, 0), j->sb.s[3], j->py + row * n3, n3);
    }
}

/* The vector path: the innermost dim of a and b has stride 1 or 0 (broadcast)
 * and is long enough to fill vectors. False when the walk must do it. */
static bool binary_fast(bin_kind k, const vx_tensor *a, const vx_tensor *b, vx_tensor *out)
{
    static const vx_vbinop ops[] = {[BIN_ADD] = VX_VADD, [BIN_SUB] = VX_VSUB,
                                    [BIN_MUL] = VX_VMUL, [BIN_DIV] = VX_VDIV};
    int64_t n = vx_numel(out);
    if (vx_is_contiguous(a) && vx_is_contiguous(b) && (vx_numel(a) == n || vx_numel(a) == 1) &&
        (vx_numel(b) == n || vx_numel(b) == 1)) { /* same shape, or a scalar */
        vx_vbinary(ops[k], a->data, vx_numel(a) == n, b->data, vx_numel(b) == n, out->data, n);
        return true;
    }
    binary_rows j = {ops[k], shape4_of(out), shape4_broadcast(a, out), shape4_broadcast(b, out),
                     a->data, b->data, out->data};
    if (j.o.n[3] < 16 || (j.sa.s[3] != 0 && j.sa.s[3] != 1) || (j.sb.s[3] != 0 && j.sb.s[3] != 1))
        return false;
    int64_t rows = n / j.o.n[3];
    vx_parallel_for(rows, (1 << 15) / j.o.n[3] + 1, binary_rows_range, &j);
    return true;
}

static vx_tensor *binary(vx_ctx *ctx, vx_op_id op, bin_kind k, vx_tensor *a, vx_tensor *b)
{
    VX_RETURN_IF_NULL(a);
    VX_RETURN_IF_NULL(b);
    const char *name = vx_op_table[op].name;
    if (vx_require_f32(name, "a", a) || vx_require_f32(name, "b", b))
        return NULL;
    int nd;
    int64_t shape[VX_MAX_DIMS];
    if (vx_broadcast_shape(name, a, b, &nd, shape))
        return NULL;
    vx_tensor *out = vx_empty(ctx, VX_F32, nd, shape); /* every element written below */
    VX_RETURN_IF_NULL(out);
    shape4 o = shape4_of(out), sa = shape4_broadcast(a, out), sb = shape4_broadcast(b, out);
    const float *pa = a->data, *pb = b->data;
    float *py = out->data;
    if (vx_reference(ctx) || !binary_fast(k, a, b, out))
        for (int64_t i0 = 0; i0 < o.n[0]; i0++)
            for (int64_t i1 = 0; i1 < o.n[1]; i1++)
                for (int64_t i2 = 0; i2 < o.n[2]; i2++)
                    for (int64_t i3 = 0; i3 < o.n[3]; i3++)
                        *py++ = bin_apply(k, pa[shape4_offset(&sa, i0, i1, i2, i3)],
                                          pb[shape4_offset(&sb, i0, i1, i2, i3)]);
    vx_tensor *in[2] = {a, b};
    if (vx_needs_grad(ctx, 2, in)) {
        vx_node *node = vx_record(ctx, op, out, 2, in, binary_backward);
        VX_RETURN_IF_NULL(node);
        node->iarg[0] = k;
    }
    return out;
}

vx_tensor *vx_add(vx_ctx *ctx, vx_tensor *a, vx_tensor *b) { return binary(ctx, VX_OP_ADD, BIN_ADD, a, b); }
vx_tensor *vx_sub(vx_ctx *ctx, vx_tensor *a, vx_tensor *b) { return binary(ctx, VX_OP_SUB, BIN_SUB, a, b); }
vx_tensor *vx_mul(vx_ctx *ctx, vx_tensor *a, vx_tensor *b) { return binary(ctx, VX_OP_MUL, BIN_MUL, a, b); }
vx_tensor *vx_div(vx_ctx *ctx, vx_tensor *a, vx_tensor *b) { return binary(ctx, VX_OP_DIV, BIN_DIV, a, b); }

/* --- unary: y = f(x; p0, p1), dy/dx = f'(x, y; p0, p1) ---------------------- */

typedef float (*unary_fwd)(float x, float p0, float p1);
typedef float (*unary_der)(float x, float y, float p0, float p1);

static float scale_f(float x, float s, float u) { (void)u; return x * s; }
static float scale_d(float x, float y, float s, float u) { (void)x; (void)y; (void)u; return s; }
static float adds_f(float x, float s, float u) { (void)u; return x + s; }
static float adds_d(float x, float y, float s, float u) { (void)x; (void)y; (void)s; (void)u; return 1; }
static float relu_f(float x, float p, float u) { (void)p; (void)u; return x > 0 ? x : 0; }
static float relu_d(float x, float y, float p, float u) { (void)y; (void)p; (void)u; return x > 0 ? 1.f : 0.f; }
static float lrelu_f(float x, float s, float u) { (void)u; return x > 0 ? x : s * x; }
static float lrelu_d(float x, float y, float s, float u) { (void)y; (void)u; return x > 0 ? 1.f : s; }
/* ref: Hendrycks & Gimpel (2016): gelu(x) = x·Φ(x), Φ(x) = ½(1 + erf(x/√2));
 * d/dx = Φ(x) + x·φ(x), φ(x) = e^{−x²/2}/√(2π). */
static float gelu_f(float x, float p, float u) { (void)p; (void)u; return 0.5f * x * (1.0f + erff(x * 0.70710678f)); }
static float gelu_d(float x, float y, float p, float u)
{
    (void)y; (void)p; (void)u;
    return 0.5f * (1.0f + erff(x * 0.70710678f)) + x * 0.39894228f * expf(-0.5f * x * x);
}
static float tanh_f(float x, float p, float u) { (void)p; (void)u; return tanhf(x); }
static float tanh_d(float x, float y, float p, float u) { (void)x; (void)p; (void)u; return 1 - y * y; }
static float sigm_f(float x, float p, float u) { (void)p; (void)u; return 1.0f / (1.0f + expf(-x)); }
static float sigm_d(float x, float y, float p, float u) { (void)x; (void)p; (void)u; return y * (1 - y); }
static float exp_f(float x, float p, float u) { (void)p; (void)u; return expf(x); }
static float exp_d(float x, float y, float p, float u) { (void)x; (void)p; (void)u; return y; }
static float log_f(float x, float p, float u) { (void)p; (void)u; return logf(x); }
static float log_d(float x, float y, float p, float u) { (void)y; (void)p; (void)u; return 1 / x; }
/* softplus(x) = max(x,0) + log1p(e^{−|x|}) (no overflow); d/dx = sigmoid(x). */
static float softplus_f(float x, float p, float u) { (void)p; (void)u; return fmaxf(x, 0) + log1pf(expf(-fabsf(x))); }
static float softplus_d(float x, float y, float p, float u) { (void)y; (void)p; (void)u; return 1.0f / (1.0f + expf(-x)); }
static float sqrt_f(float x, float p, float u) { (void)p; (void)u; return sqrtf(x); }
static float sqrt_d(float x, float y, float p, float u) { (void)x; (void)p; (void)u; return 0.5f / y; }
static float abs_f(float x, float p, float u) { (void)p; (void)u; return fabsf(x); }
static float abs_d(float x, float y, float p, float u) { (void)y; (void)p; (void)u; return x > 0 ? 1.f : (x < 0 ? -1.f : 0.f); }
static float square_f(float x, float p, float u) { (void)p; (void)u; return x * x; }
static float square_d(float x, float y, float p, float u) { (void)y; (void)p; (void)u; return 2 * x; }
/* clamp: gradient passes inside [lo, hi], zero outside (PyTorch convention at the bounds: passes). */
static float clamp_f(float x, float lo, float hi) { return x < lo ? lo : (x > hi ? hi : x); }
static float clamp_d(float x, float y, float lo, float hi) { (void)y; return (x >= lo && x <= hi) ? 1.f : 0.f; }

typedef struct unary_def {
    unary_fwd f;
    unary_der d;
} unary_def;

static const unary_def unary_defs[VX_OP_COUNT] = {
    [VX_OP_SCALE] = {scale_f, scale_d},       [VX_OP_ADD_SCALAR] = {adds_f, adds_d},
    [VX_OP_RELU] = {relu_f, relu_d},          [VX_OP_LEAKY_RELU] = {lrelu_f, lrelu_d},
    [VX_OP_GELU] = {gelu_f, gelu_d},          [VX_OP_TANH] = {tanh_f, tanh_d},
    [VX_OP_SIGMOID] = {sigm_f, sigm_d},       [VX_OP_EXP] = {exp_f, exp_d},
    [VX_OP_LOG] = {log_f, log_d},             [VX_OP_SOFTPLUS] = {softplus_f, softplus_d},
    [VX_OP_SQRT] = {sqrt_f, sqrt_d},          [VX_OP_ABS] = {abs_f, abs_d},
    [VX_OP_SQUARE] = {square_f, square_d},    [VX_OP_CLAMP] = {clamp_f, clamp_d},
};

/* x [..], y [..]: dx += dy · f'(x, y) */
static vx_status unary_backward(vx_ctx *ctx, vx_node *node)
{
    const unary_def *def = &unary_defs[node->op];
    float *gx = vx_grad_buf(ctx, node->in[0]);
    if (!gx)
        return vx_last_status();
    const float *x = node->in[0]->data, *y = node->out->data, *gy = node->out->grad->data;
    float p0 = node->farg[0], p1 = node->farg[1];
    int64_t n = vx_numel(node->out);
    for (int64_t i = 0; i < n; i++)
        gx[i] += gy[i] * def->d(x[i], y[i], p0, p1);
    return VX_OK;
}

/* The vector kernel of each unary op that has one (softplus has none). */
static bool unary_fast(vx_op_id op, vx_vfunc *f)
{
    switch (op) {
    case VX_OP_SCALE: *f = VX_VSCALE; return true;
    case VX_OP_ADD_SCALAR: *f = VX_VADD_SCALAR; return true;
    case VX_OP_RELU: *f = VX_VRELU; return true;
    case VX_OP_LEAKY_RELU: *f = VX_VLEAKY_RELU; return true;
    case VX_OP_GELU: *f = VX_VGELU; return true;
    case VX_OP_TANH: *f = VX_VTANH; return true;
    case VX_OP_SIGMOID: *f = VX_VSIGMOID; return true;
    case VX_OP_EXP: *f = VX_VEXP; return true;
    case VX_OP_LOG: *f = VX_VLOG; return true;
    case VX_OP_SQRT: *f = VX_VSQRT; return true;
    case VX_OP_ABS: *f = VX_VABS; return true;
    case VX_OP_SQUARE: *f = VX_VSQUARE; return true;
    case VX_OP_CLAMP: *f = VX_VCLAMP; return true;
    default: return false;
    }
}

static vx_tensor *unary(vx_ctx *ctx, vx_op_id op, vx_tensor *x, float p0, float p1)
{
    VX_RETURN_IF_NULL(x);
    if (vx_require_f32(vx_op_table[op].name, "input", x))
        return NULL;
    x = vx_contiguous(ctx, x);
    VX_RETURN_IF_NULL(x);
    vx_tensor *out = vx_empty(ctx, VX_F32, x->ndim, x->shape); /* every element written below */
    VX_RETURN_IF_NULL(out);
    const unary_def *def = &unary_defs[op];
    const float *px = x->data;
    float *py = out->data;
    int64_t n = vx_numel(x);
    vx_vfunc vf;
    if (!vx_reference(ctx) && unary_fast(op, &vf))
        vx_vunary(vf, px, py, n, p0, p1);
    else
        for (int64_t i = 0; i < n; i++)
            py[i] = def->f(px[i], p0, p1);
    if (vx_needs_grad(ctx, 1, &x)) {
        vx_node *node = vx_record(ctx, op, out, 1, &x, unary_backward);
        VX_RETURN_IF_NULL(node);
        node->farg[0] = p0;
        node->farg[1] = p1;
    }
    return out;
}

vx_tensor *vx_scale(vx_ctx *ctx, vx_tensor *x, float s) { return unary(ctx, VX_OP_SCALE, x, s, 0); }
vx_tensor *vx_add_scalar(vx_ctx *ctx, vx_tensor *x, float s) { return unary(ctx, VX_OP_ADD_SCALAR, x, s, 0); }
vx_tensor *vx_relu(vx_ctx *ctx, vx_tensor *x) { return unary(ctx, VX_OP_RELU, x, 0, 0); }
vx_tensor *vx_leaky_relu(vx_ctx *ctx, vx_tensor *x, float slope) { return unary(ctx, VX_OP_LEAKY_RELU, x, slope, 0); }
vx_tensor *vx_gelu(vx_ctx *ctx, vx_tensor *x) { return unary(ctx, VX_OP_GELU, x, 0, 0); }
vx_tensor *vx_tanh(vx_ctx *ctx, vx_tensor *x) { return unary(ctx, VX_OP_TANH, x, 0, 0); }
vx_tensor *vx_sigmoid(vx_ctx *ctx, vx_tensor *x) { return unary(ctx, VX_OP_SIGMOID, x, 0, 0); }
vx_tensor *vx_exp(vx_ctx *ctx, vx_tensor *x) { return unary(ctx, VX_OP_EXP, x, 0, 0); }
vx_tensor *vx_log(vx_ctx *ctx, vx_tensor *x) { return unary(ctx, VX_OP_LOG, x, 0, 0); }
vx_tensor *vx_softplus(vx_ctx *ctx, vx_tensor *x) { return unary(ctx, VX_OP_SOFTPLUS, x, 0, 0); }
vx_tensor *vx_sqrt(vx_ctx *ctx, vx_tensor *x) { return unary(ctx, VX_OP_SQRT, x, 0, 0); }
vx_tensor *vx_abs(vx_ctx *ctx, vx_tensor *x) { return unary(ctx, VX_OP_ABS, x, 0, 0); }
vx_tensor *vx_square(vx_ctx *ctx, vx_tensor *x) { return unary(ctx, VX_OP_SQUARE, x, 0, 0); }

vx_tensor *vx_clamp(vx_ctx *ctx, vx_tensor *x, float lo, float hi)
{
    if (x && !(lo <= hi))
        return vx_fail_null(VX_ERR_ARG, "clamp: lo (%g) must not exceed hi (%g)", lo, hi);
    return unary(ctx, VX_OP_CLAMP, x, lo, hi);
}

/* --- non-differentiable ------------------------------------------------------ */

vx_tensor *vx_ceil(vx_ctx *ctx, vx_tensor *x)
{
    VX_RETURN_IF_NULL(x);
    if (vx_require_f32("ceil", "input", x))
        return NULL;
    vx_tensor *out = vx_new_like(ctx, x);
    VX_RETURN_IF_NULL(out);
    float *py = out->data;
    int64_t n = vx_numel(x);
    for (int64_t i = 0; i < n; i++)
        py[i] = ceilf(vx_get_f(x, i));
    return out;
}

vx_tensor *vx_cast(vx_ctx *ctx, vx_tensor *x, vx_dtype dt)
{
    VX_RETURN_IF_NULL(x);
    if ((unsigned)dt >= VX_DTYPE_COUNT)
        return vx_fail_null(VX_ERR_ARG, "cast: unknown dtype %d", (int)dt);
    vx_tensor *out = vx_new(ctx, dt, x->ndim, x->shape);
    VX_RETURN_IF_NULL(out);
    int64_t n = vx_numel(x);
    float *tmp = vx_arena_alloc(ctx, (size_t)n * sizeof *tmp);
    VX_RETURN_IF_NULL(tmp);
    vx_copy_to_f32(x, tmp);
    for (int64_t i = 0; i < n; i++) {
        float v = tmp[i];
        switch (dt) {
        case VX_F32: ((float *)out->data)[i] = v; break;
        case VX_F16: ((uint16_t *)out->data)[i] = vx_f32_to_f16(v); break;
        case VX_BF16: ((uint16_t *)out->data)[i] = vx_f32_to_bf16(v); break;
        case VX_I32: ((int32_t *)out->data)[i] = (int32_t)fmaxf(fminf(truncf(v), 2147483520.f), -2147483648.f); break;
        case VX_I8: ((int8_t *)out->data)[i] = (int8_t)fmaxf(fminf(truncf(v), 127.f), -128.f); break;
        case VX_U8: ((uint8_t *)out->data)[i] = (uint8_t)fmaxf(fminf(truncf(v), 255.f), 0.f); break;
        default: break;
        }
    }
    return out;
}
