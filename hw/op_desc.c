/* op_desc.c — validation of op descriptors, shared by every backend.
 *
 * Each op's output shape is recomputed here with the rules of core/ops.h
 * (broadcasting, reductions, matmul batch broadcast, conv output lengths),
 * so a device kernel never reads or writes outside its operands. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/backend.h"
#include "hw/backends.h"

int64_t vx_operand_numel(const vx_operand *t)
{
    int64_t n = 1;
    for (int d = 0; d < t->ndim; d++)
        n *= t->shape[d];
    return n;
}

size_t vx_operand_bytes(const vx_operand *t)
{
    return (size_t)vx_operand_numel(t) * vx_dtype_size(t->dtype);
}

vx_operand vx_operand_of(vx_buffer *buf, size_t offset, vx_dtype dt, int ndim, const int64_t *shape)
{
    vx_operand t = {.buf = buf, .offset = offset, .dtype = dt, .ndim = ndim};
    for (int d = 0; d < ndim && d < VX_MAX_DIMS; d++)
        t.shape[d] = shape[d];
    return t;
}

static const char *shape_str(const vx_operand *t, char *buf, size_t n)
{
    size_t k = (size_t)snprintf(buf, n, "[");
    for (int d = 0; d < t->ndim && k < n; d++)
        k += (size_t)snprintf(buf + k, n - k, "%s%lld", d ? ", " : "", (long long)t->shape[d]);
    if (k < n)
        snprintf(buf + k, n - k, "]");
    return buf;
}

/* Expected output shape, filled by the per-family rules below. */
typedef struct out_shape {
    int ndim;
    int64_t shape[VX_MAX_DIMS];
} out_shape;

static vx_status want(const char *op, bool ok, const char *what)
{
    return ok ? VX_OK : vx_fail(VX_ERR_ARG, "%s descriptor: %s", op, what);
}

static int norm_axis(int64_t axis, int ndim)
{
    if (axis < 0)
        axis += ndim;
    return axis >= 0 && axis < ndim ? (int)axis : -1;
}

static out_shape same_as(const vx_operand *t)
{
    out_shape o = {t->ndim, {0}};
    memcpy(o.shape, t->shape, sizeof o.shape);
    return o;
}

static vx_status broadcast(const char *op, const vx_operand *a, const vx_operand *b, out_shape *o)
{
    o->ndim = a->ndim > b->ndim ? a->ndim : b->ndim;
    for (int i = 0; i < o->ndim; i++) {
        int ia = a->ndim - o->ndim + i, ib = b->ndim - o->ndim + i;
        int64_t da = ia >= 0 ? a->shape[ia] : 1, db = ib >= 0 ? b->shape[ib] : 1;
        if (da != db && da != 1 && db != 1) {
            char sa[64], sb[64];
            return vx_fail(VX_ERR_ARG, "%s descriptor: shapes %s and %s do not broadcast", op,
                           shape_str(a, sa, 64), shape_str(b, sb, 64));
        }
        o->shape[i] = da == 1 ? db : da;
    }
    return VX_OK;
}

static vx_status reduce_shape(const char *op, const vx_op_desc *d, out_shape *o)
{
    const vx_operand *x = &d->in[0];
    int64_t n_axes = d->iarg[0];
    if (n_axes < 0 || n_axes > x->ndim || n_axes > 4)
        return vx_fail(VX_ERR_ARG, "%s descriptor: iarg[0] (n_axes) is %lld, want 0..%d", op,
                       (long long)n_axes, x->ndim);
    bool reduced[VX_MAX_DIMS] = {false};
    for (int d0 = 0; d0 < x->ndim; d0++)
        reduced[d0] = n_axes == 0;
    for (int k = 0; k < n_axes; k++) {
        int a = norm_axis(d->iarg[1 + k], x->ndim);
        if (a < 0 || reduced[a])
            return vx_fail(VX_ERR_ARG, "%s descriptor: axis %lld is out of range or listed twice", op,
                           (long long)d->iarg[1 + k]);
        reduced[a] = true;
    }
    o->ndim = 0;
    for (int k = 0; k < x->ndim; k++)
        if (!reduced[k] || d->iarg[5])
            o->shape[o->ndim++] = reduced[k] ? 1 : x->shape[k];
    return VX_OK;
}

static vx_status affine_ok(const char *op, const vx_operand *p, int64_t c)
{
    return want(op, !p->buf || (p->ndim == 1 && p->shape[0] == c),
                "gamma and beta must be [C] (C = the normalised dim) or absent");
}

static vx_status matmul_shape(const char *op, const vx_op_desc *d, out_shape *o)
{
    const vx_operand *a = &d->in[0], *b = &d->in[1];
    if (a->ndim < 2 || b->ndim < 2)
        return vx_fail(VX_ERR_ARG, "%s descriptor: a and b must be at least 2-D", op);
    if (a->shape[a->ndim - 1] != b->shape[b->ndim - 2])
        return vx_fail(VX_ERR_ARG, "%s descriptor: inner dims differ (K %lld vs %lld)", op,
                       (long long)a->shape[a->ndim - 1], (long long)b->shape[b->ndim - 2]);
    vx_operand ba = *a, bb = *b; /* batch dims only */
    ba.ndim -= 2;
    bb.ndim -= 2;
    if (broadcast(op, &ba, &bb, o))
        return VX_ERR_ARG;
    o->shape[o->ndim++] = a->shape[a->ndim - 2];
    o->shape[o->ndim++] = b->shape[b->ndim - 1];
    return VX_OK;
}

static vx_status linear_shape(const char *op, const vx_op_desc *d, out_shape *o)
{
    const vx_operand *x = &d->in[0], *w = &d->in[1], *bias = &d->in[2];
    if (x->ndim < 1 || w->ndim != 2 || x->shape[x->ndim - 1] != w->shape[1])
        return vx_fail(VX_ERR_ARG, "%s descriptor: want x [..., In] and w [Out, In]", op);
    if (bias->buf && (bias->ndim != 1 || bias->shape[0] != w->shape[0]))
        return vx_fail(VX_ERR_ARG, "%s descriptor: bias must be [Out] or absent", op);
    *o = same_as(x);
    o->shape[o->ndim - 1] = w->shape[0];
    return VX_OK;
}

/* conv1d and conv_transpose1d: the checks and length formulas of core/ops/conv.c. */
static vx_status conv_shape(const char *op, const vx_op_desc *d, out_shape *o)
{
    const vx_operand *x = &d->in[0], *w = &d->in[1], *bias = &d->in[2];
    bool transposed = d->op == VX_OP_CONV_TRANSPOSE1D;
    int64_t stride = d->iarg[0], pad = d->iarg[1];
    int64_t dilation = transposed ? d->iarg[4] : d->iarg[2], groups = d->iarg[3];
    int64_t out_pad = transposed ? d->iarg[2] : 0;
    if (x->ndim != 3 || w->ndim != 3)
        return vx_fail(VX_ERR_ARG, "%s descriptor: x and w must be 3-D", op);
    if (stride < 1 || dilation < 1 || pad < 0 || groups < 1 || w->shape[2] < 1 || stride > INT_MAX ||
        dilation > INT_MAX || pad > INT_MAX || groups > INT_MAX || out_pad > INT_MAX)
        return vx_fail(VX_ERR_ARG, "%s descriptor: stride, dilation, groups, K must be >= 1 and pad >= 0 "
                       "(and each an int)", op);
    int64_t Cin = x->shape[1], T = x->shape[2], K = w->shape[2], Cout, Tout;
    if (Cin % groups)
        return vx_fail(VX_ERR_ARG, "%s descriptor: Cin %lld is not divisible by groups %lld", op,
                       (long long)Cin, (long long)groups);
    if (!transposed) {
        Cout = w->shape[0];
        if (Cout % groups || w->shape[1] * groups != Cin)
            return vx_fail(VX_ERR_ARG, "%s descriptor: w must be [Cout, Cin/groups, K]", op);
        int64_t span = T + 2 * pad - dilation * (K - 1) - 1;
        if (span < 0)
            return vx_fail(VX_ERR_ARG, "%s descriptor: the dilated kernel is longer than the padded input", op);
        Tout = span / stride + 1;
    } else {
        Cout = w->shape[1] * groups;
        int64_t max_sd = stride > dilation ? stride : dilation;
        if (w->shape[0] != Cin || out_pad < 0 || out_pad >= max_sd || T < 1)
            return vx_fail(VX_ERR_ARG, "%s descriptor: want w [Cin, Cout/groups, K], T >= 1 and "
                           "output_padding in [0, max(stride, dilation))", op);
        Tout = (T - 1) * stride - 2 * pad + dilation * (K - 1) + out_pad + 1;
        if (Tout < 1)
            return vx_fail(VX_ERR_ARG, "%s descriptor: output length %lld < 1", op, (long long)Tout);
    }
    if (bias->buf && (bias->ndim != 1 || bias->shape[0] != Cout))
        return vx_fail(VX_ERR_ARG, "%s descriptor: bias must be [Cout] or absent", op);
    *o = (out_shape){3, {x->shape[0], Cout, Tout}};
    return VX_OK;
}

static bool is_unary(vx_op_id op)
{
    switch (op) {
    case VX_OP_SCALE: case VX_OP_ADD_SCALAR: case VX_OP_RELU: case VX_OP_LEAKY_RELU:
    case VX_OP_GELU: case VX_OP_TANH: case VX_OP_SIGMOID: case VX_OP_EXP: case VX_OP_LOG:
    case VX_OP_SOFTPLUS: case VX_OP_SQRT: case VX_OP_ABS: case VX_OP_SQUARE: case VX_OP_CLAMP:
    case VX_OP_CEIL:
        return true;
    default:
        return false;
    }
}

/* Inputs each op takes (optional ones included) and the output shape. */
static vx_status expected(const vx_op_desc *d, int *n_in, out_shape *o)
{
    const char *op = vx_op_table[d->op].name;
    const vx_operand *x = &d->in[0];
    if (is_unary(d->op)) {
        *n_in = 1;
        *o = same_as(x);
        return want(op, d->op != VX_OP_CLAMP || d->farg[0] <= d->farg[1],
                    "clamp needs farg[0] (lo) <= farg[1] (hi)");
    }
    switch (d->op) {
    case VX_OP_ADD: case VX_OP_SUB: case VX_OP_MUL: case VX_OP_DIV:
        *n_in = 2;
        return d->n_in == 2 ? broadcast(op, &d->in[0], &d->in[1], o) : VX_OK;
    case VX_OP_SUM: case VX_OP_MEAN:
        *n_in = 1;
        return reduce_shape(op, d, o);
    case VX_OP_CUMSUM: case VX_OP_SOFTMAX:
        *n_in = 1;
        *o = same_as(x);
        return want(op, norm_axis(d->iarg[0], x->ndim) >= 0, "iarg[0] (axis) is out of range");
    case VX_OP_LAYER_NORM: case VX_OP_LAYER_NORM_CHANNELS: {
        *n_in = 3;
        *o = same_as(x);
        bool channels = d->op == VX_OP_LAYER_NORM_CHANNELS;
        if (channels ? x->ndim != 3 : x->ndim < 1)
            return want(op, false, channels ? "x must be [B, C, T]" : "x must have a last dim");
        int64_t c = x->shape[channels ? 1 : x->ndim - 1];
        if (want(op, c > 0 && d->farg[0] >= 0 && isfinite(d->farg[0]),
                 "the normalised dim is empty, or eps (farg[0]) is not finite and >= 0"))
            return VX_ERR_ARG;
        return d->n_in == 3 && (affine_ok(op, &d->in[1], c) || affine_ok(op, &d->in[2], c)) ? VX_ERR_ARG
                                                                                               : VX_OK;
    }
    case VX_OP_MATMUL:
        *n_in = 2;
        return d->n_in == 2 ? matmul_shape(op, d, o) : VX_OK;
    case VX_OP_LINEAR:
        *n_in = 3;
        return d->n_in == 3 ? linear_shape(op, d, o) : VX_OK;
    case VX_OP_CONV1D: case VX_OP_CONV_TRANSPOSE1D:
        *n_in = 3;
        return d->n_in == 3 ? conv_shape(op, d, o) : VX_OK;
    case VX_OP_EMBEDDING:
        *n_in = 2;
        if (d->n_in != 2 || x->ndim != 2 || d->in[1].dtype != VX_I32 || d->in[1].ndim >= VX_MAX_DIMS)
            return want(op, d->n_in != 2, "want weight [V, D] and i32 indices of rank <= 3");
        *o = same_as(&d->in[1]);
        o->shape[o->ndim++] = x->shape[1];
        return VX_OK;
    case VX_OP_INDEX_SELECT: {
        *n_in = 2;
        int a = norm_axis(d->iarg[0], x->ndim);
        if (d->n_in != 2 || a < 0 || d->in[1].dtype != VX_I32 || d->in[1].ndim != 1)
            return want(op, d->n_in != 2, "want a valid iarg[0] (axis) and i32 indices [n]");
        *o = same_as(x);
        o->shape[a] = d->in[1].shape[0];
        return VX_OK;
    }
    default:
        return vx_fail(VX_ERR_UNSUPPORTED, "%s: no backend descriptor is defined for this op", op);
    }
}

static vx_status operand_ok(const char *op, const char *what, const vx_operand *t)
{
    if ((unsigned)t->dtype >= VX_DTYPE_COUNT || t->ndim < 0 || t->ndim > VX_MAX_DIMS)
        return vx_fail(VX_ERR_ARG, "%s descriptor: %s has a bad dtype or rank", op, what);
    for (int k = 0; k < t->ndim; k++)
        if (t->shape[k] < 0)
            return vx_fail(VX_ERR_ARG, "%s descriptor: %s has a negative dim", op, what);
    if (t->offset % vx_dtype_size(t->dtype))
        return vx_fail(VX_ERR_ARG, "%s descriptor: %s offset %zu is not a multiple of its element size",
                       op, what, t->offset);
    if (t->offset > t->buf->bytes || vx_operand_bytes(t) > t->buf->bytes - t->offset)
        return vx_fail(VX_ERR_ARG, "%s descriptor: %s (%zu bytes at offset %zu) runs past its %zu-byte buffer",
                       op, what, vx_operand_bytes(t), t->offset, t->buf->bytes);
    return VX_OK;
}

static bool overlaps(const vx_operand *a, const vx_operand *b)
{
    size_t na = vx_operand_bytes(a), nb = vx_operand_bytes(b);
    return a->buf == b->buf && na && nb && a->offset < b->offset + nb && b->offset < a->offset + na;
}

/* Inputs that may be absent: gamma, beta of the norms; the bias of linear and convs. */
static bool optional_input(vx_op_id op, int i)
{
    switch (op) {
    case VX_OP_LAYER_NORM: case VX_OP_LAYER_NORM_CHANNELS: return i == 1 || i == 2;
    case VX_OP_LINEAR: case VX_OP_CONV1D: case VX_OP_CONV_TRANSPOSE1D: return i == 2;
    default: return false;
    }
}

/* Inputs checked (count, presence, dtypes, inside their buffers) and the output shape. */
static vx_status inputs_and_shape(const vx_op_desc *d, out_shape *o)
{
    if (!d || (unsigned)d->op >= VX_OP_COUNT)
        return vx_fail(VX_ERR_ARG, "op descriptor: NULL or unknown op id");
    const char *op = vx_op_table[d->op].name;
    if (d->n_in < 1 || d->n_in > VX_MAX_INPUTS || !d->in[0].buf)
        return vx_fail(VX_ERR_ARG, "%s descriptor: needs 1..%d inputs and a first input", op,
                       VX_MAX_INPUTS);
    char name[24];
    for (int i = 0; i < d->n_in; i++) {
        snprintf(name, sizeof name, "input %d", i);
        if (d->in[i].buf && operand_ok(op, name, &d->in[i]))
            return VX_ERR_ARG;
    }
    for (int i = 1; i < d->n_in; i++)
        if (!d->in[i].buf && !optional_input(d->op, i))
            return vx_fail(VX_ERR_ARG, "%s descriptor: input %d is required but has no buffer", op, i);
    int n_in = 0;
    vx_status st = expected(d, &n_in, o);
    if (st)
        return st;
    if (d->n_in != n_in)
        return vx_fail(VX_ERR_ARG, "%s descriptor: has %d inputs, the op takes %d (absent optional "
                       "ones have buf NULL)", op, d->n_in, n_in);
    bool index_op = d->op == VX_OP_EMBEDDING || d->op == VX_OP_INDEX_SELECT;
    for (int i = 0; i < n_in; i++)
        if (d->in[i].buf && d->in[i].dtype != (index_op && i == 1 ? VX_I32 : VX_F32))
            return vx_fail(VX_ERR_ARG, "%s descriptor: input %d is %s, want %s", op, i,
                           vx_dtype_name(d->in[i].dtype), index_op && i == 1 ? "i32" : "f32");
    return VX_OK;
}

static bool has_backward(vx_op_id op)
{
    return op == VX_OP_MATMUL || op == VX_OP_LINEAR || op == VX_OP_CONV1D ||
           op == VX_OP_CONV_TRANSPOSE1D;
}

static bool same_shape(const vx_operand *t, const out_shape *o)
{
    bool same = t->ndim == o->ndim;
    for (int k = 0; same && k < o->ndim; k++)
        same = t->shape[k] == o->shape[k];
    return same;
}

/* Forward or backward: inputs checked, and the shape `out` must have. */
static vx_status desc_shape(const vx_op_desc *d, out_shape *o)
{
    if (!d || !d->grad_of)
        return inputs_and_shape(d, o);
    const char *op = (unsigned)d->op < VX_OP_COUNT ? vx_op_table[d->op].name : "?";
    if (!has_backward(d->op))
        return vx_fail(VX_ERR_UNSUPPORTED, "%s: no backward descriptor is defined for this op", op);
    if (d->n_in < 2 || d->n_in > VX_MAX_INPUTS)
        return vx_fail(VX_ERR_ARG, "%s backward descriptor: needs the forward inputs and dL/dy", op);
    vx_op_desc fwd = *d;
    fwd.n_in--;
    fwd.grad_of = 0;
    vx_status st = inputs_and_shape(&fwd, o);
    if (st)
        return st;
    const vx_operand *dy = &d->in[d->n_in - 1];
    if (!dy->buf || dy->dtype != VX_F32 || operand_ok(op, "dL/dy", dy) || !same_shape(dy, o))
        return vx_fail(VX_ERR_ARG, "%s backward descriptor: dL/dy (the last input) must be f32 "
                       "with the forward output's shape", op);
    if (d->grad_of < 1 || d->grad_of > fwd.n_in || !d->in[d->grad_of - 1].buf)
        return vx_fail(VX_ERR_ARG, "%s backward descriptor: grad_of %d names no present input", op,
                       d->grad_of);
    *o = same_as(&d->in[d->grad_of - 1]);
    return VX_OK;
}

vx_status vx_op_desc_out_shape(const vx_op_desc *d, int *ndim, int64_t shape[VX_MAX_DIMS])
{
    out_shape o = {0, {0}};
    vx_status st = desc_shape(d, &o);
    if (st == VX_OK) {
        *ndim = o.ndim;
        memcpy(shape, o.shape, sizeof o.shape);
    }
    return st;
}

vx_status vx_op_desc_check(const vx_op_desc *d)
{
    out_shape o = {0, {0}};
    vx_status st = desc_shape(d, &o);
    if (st)
        return st;
    const char *op = vx_op_table[d->op].name;
    if (!d->out.buf)
        return vx_fail(VX_ERR_ARG, "%s descriptor: no output buffer", op);
    if (operand_ok(op, "the output", &d->out))
        return VX_ERR_ARG;
    for (int i = 0; i < d->n_in; i++)
        if (d->in[i].buf && overlaps(&d->in[i], &d->out))
            return vx_fail(VX_ERR_ARG, "%s descriptor: input %d overlaps the output", op, i);
    if (d->out.dtype != VX_F32 || !same_shape(&d->out, &o)) {
        char got[64], exp[64];
        vx_operand e = {.ndim = o.ndim};
        memcpy(e.shape, o.shape, sizeof e.shape);
        return vx_fail(VX_ERR_ARG, "%s descriptor: output is %s %s, the op makes f32 %s", op,
                       vx_dtype_name(d->out.dtype), shape_str(&d->out, got, 64), shape_str(&e, exp, 64));
    }
    return VX_OK;
}

/* --- launch geometry shared by the device backends ------------------------------- */

void vx_operand_pad4(const vx_operand *t, int64_t n[4], int64_t s[4])
{
    int64_t stride = 1;
    for (int i = 3; i >= 0; i--) {
        int k = t->ndim - 4 + i;
        n[i] = k >= 0 ? t->shape[k] : 1;
        s[i] = n[i] == 1 ? 0 : stride;
        stride *= n[i];
    }
}

void vx_operand_split(const vx_operand *t, int axis, int64_t *outer, int64_t *n, int64_t *inner)
{
    *outer = *inner = 1;
    *n = t->shape[axis];
    for (int d = 0; d < axis; d++)
        *outer *= t->shape[d];
    for (int d = axis + 1; d < t->ndim; d++)
        *inner *= t->shape[d];
}

int vx_axis_of(int64_t axis, int ndim) { return (int)(axis < 0 ? axis + ndim : axis); }

bool vx_op_skip_listed(const char *env, int op)
{
    const char *list = getenv(env), *name = vx_op_table[op].name;
    size_t n = strlen(name);
    for (const char *p = list; p && *p; p += strcspn(p, ","), p += *p == ',')
        if (!strncmp(p, name, n) && (p[n] == ',' || p[n] == '\0'))
            return true;
    return false;
}

bool vx_op_device_ready(const char *env, const vx_op_desc *d)
{
    if ((unsigned)d->op >= VX_OP_COUNT || vx_op_skip_listed(env, d->op))
        return false;
    bool index_op = d->op == VX_OP_EMBEDDING || d->op == VX_OP_INDEX_SELECT;
    if (index_op && vx_operand_numel(&d->in[1]) > INT_MAX)
        return false;
    for (int i = 0; i < d->n_in && i < VX_MAX_INPUTS; i++)
        if (d->in[i].buf && d->in[i].dtype != (index_op && i == 1 ? VX_I32 : VX_F32))
            return false;
    return d->out.dtype == VX_F32;
}
