/* backend_cpu.c — the "cpu" backend: host buffers, and every op run through
 * core/ops.h in scalar reference mode (backward descriptors through the
 * autograd tape). It is the oracle the other backends are tested against,
 * and the fallback for ops they lack. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/ops.h"
#include "hw/backends.h"

static pthread_mutex_t cpu_lock = PTHREAD_MUTEX_INITIALIZER;
static vx_ctx *cpu_ctx; /* reference mode, grad off; reset after every op */

static vx_status cpu_init(void)
{
    pthread_mutex_lock(&cpu_lock);
    if (!cpu_ctx) {
        cpu_ctx = vx_ctx_new((vx_ctx_opts){.seed = 1});
        if (cpu_ctx) {
            vx_set_reference(cpu_ctx, true);
            vx_set_grad_enabled(cpu_ctx, false);
        }
    }
    vx_status st = cpu_ctx ? VX_OK : vx_last_status();
    pthread_mutex_unlock(&cpu_lock);
    return st;
}

static vx_buffer *cpu_alloc(size_t bytes)
{
    vx_buffer *b = calloc(1, sizeof *b);
    void *mem = calloc(bytes ? bytes : 1, 1);
    if (!b || !mem) {
        free(b);
        free(mem);
        return vx_fail_null(VX_ERR_OOM, "cpu backend: cannot allocate %zu bytes", bytes);
    }
    *b = (vx_buffer){.backend = &vx_backend_cpu, .bytes = bytes, .handle = mem};
    return b;
}

static void cpu_free(vx_buffer *b)
{
    if (!b)
        return;
    free(b->handle);
    free(b);
}

static vx_status range_ok(const vx_buffer *b, size_t offset, size_t bytes, const char *what)
{
    if (!b || offset > b->bytes || bytes > b->bytes - offset)
        return vx_fail(VX_ERR_ARG, "cpu backend: %s of %zu bytes at offset %zu is outside the %zu-byte buffer",
                       what, bytes, offset, b ? b->bytes : 0);
    return VX_OK;
}

static vx_status cpu_upload(vx_buffer *dst, size_t offset, const void *src, size_t bytes)
{
    if (range_ok(dst, offset, bytes, "upload"))
        return VX_ERR_ARG;
    memcpy((char *)dst->handle + offset, src, bytes);
    return VX_OK;
}

static vx_status cpu_download(const vx_buffer *src, size_t offset, void *dst, size_t bytes)
{
    if (range_ok(src, offset, bytes, "download"))
        return VX_ERR_ARG;
    memcpy(dst, (const char *)src->handle + offset, bytes);
    return VX_OK;
}

static vx_status cpu_synchronize(void) { return VX_OK; }

static bool cpu_supports(const vx_op_desc *d)
{
    for (int i = 0; i < d->n_in; i++)
        if (d->in[i].buf && d->in[i].buf->backend != &vx_backend_cpu)
            return false;
    return d->out.buf && d->out.buf->backend == &vx_backend_cpu;
}

static vx_tensor *wrap(const vx_operand *t)
{
    if (!t->buf)
        return NULL;
    return vx_wrap(cpu_ctx, t->dtype, t->ndim, t->shape, (char *)t->buf->handle + t->offset);
}

/* The op through core/ops.h; NULL with the error set on failure. */
static vx_tensor *cpu_op(const vx_op_desc *d, vx_tensor *const *in)
{
    vx_ctx *c = cpu_ctx;
    const int64_t *ia = d->iarg;
    const float *fa = d->farg;
    switch (d->op) {
    case VX_OP_ADD: return vx_add(c, in[0], in[1]);
    case VX_OP_SUB: return vx_sub(c, in[0], in[1]);
    case VX_OP_MUL: return vx_mul(c, in[0], in[1]);
    case VX_OP_DIV: return vx_div(c, in[0], in[1]);
    case VX_OP_SCALE: return vx_scale(c, in[0], fa[0]);
    case VX_OP_ADD_SCALAR: return vx_add_scalar(c, in[0], fa[0]);
    case VX_OP_RELU: return vx_relu(c, in[0]);
    case VX_OP_LEAKY_RELU: return vx_leaky_relu(c, in[0], fa[0]);
    case VX_OP_GELU: return vx_gelu(c, in[0]);
    case VX_OP_TANH: return vx_tanh(c, in[0]);
    case VX_OP_SIGMOID: return vx_sigmoid(c, in[0]);
    case VX_OP_EXP: return vx_exp(c, in[0]);
    case VX_OP_LOG: return vx_log(c, in[0]);
    case VX_OP_SOFTPLUS: return vx_softplus(c, in[0]);
    case VX_OP_SQRT: return vx_sqrt(c, in[0]);
    case VX_OP_ABS: return vx_abs(c, in[0]);
    case VX_OP_SQUARE: return vx_square(c, in[0]);
    case VX_OP_CLAMP: return vx_clamp(c, in[0], fa[0], fa[1]);
    case VX_OP_CEIL: return vx_ceil(c, in[0]);
    case VX_OP_SUM:
    case VX_OP_MEAN: {
        int axes[4];
        for (int k = 0; k < ia[0] && k < 4; k++)
            axes[k] = (int)ia[1 + k];
        return (d->op == VX_OP_SUM ? vx_sum : vx_mean)(c, in[0], axes, (int)ia[0], ia[5] != 0);
    }
    case VX_OP_CUMSUM: return vx_cumsum(c, in[0], (int)ia[0]);
    case VX_OP_SOFTMAX: return vx_softmax(c, in[0], (int)ia[0]);
    case VX_OP_LAYER_NORM: return vx_layer_norm(c, in[0], in[1], in[2], fa[0]);
    case VX_OP_LAYER_NORM_CHANNELS: return vx_layer_norm_channels(c, in[0], in[1], in[2], fa[0]);
    case VX_OP_MATMUL: return vx_matmul(c, in[0], in[1]);
    case VX_OP_LINEAR: return vx_linear(c, in[0], in[1], in[2]);
    case VX_OP_CONV1D:
        return vx_conv1d(c, in[0], in[1], in[2], (int)ia[0], (int)ia[1], (int)ia[2], (int)ia[3]);
    case VX_OP_CONV_TRANSPOSE1D:
        return vx_conv_transpose1d(c, in[0], in[1], in[2], (int)ia[0], (int)ia[1], (int)ia[2],
                                   (int)ia[3], (int)ia[4]);
    case VX_OP_EMBEDDING: return vx_embedding(c, in[0], in[1]);
    case VX_OP_INDEX_SELECT: return vx_index_select(c, in[0], (int)ia[0], in[1]);
    default:
        return vx_fail_null(VX_ERR_UNSUPPORTED, "cpu backend: %s has no descriptor form",
                            vx_op_table[d->op].name);
    }
}

/* Backward: the forward op with input k−1 requiring grad, then a
 * vector-Jacobian product seeded with dL/dy; out += that input's grad. */
static vx_status cpu_backward(const vx_op_desc *d, vx_tensor *const *in, float *out)
{
    vx_op_desc fwd = *d;
    fwd.n_in--;
    fwd.grad_of = 0;
    vx_tensor *target = in[d->grad_of - 1];
    target->requires_grad = true;
    vx_set_grad_enabled(cpu_ctx, true);
    vx_tensor *y = cpu_op(&fwd, in);
    vx_status st = y ? vx_backward_from(cpu_ctx, y, in[d->n_in - 1]->data) : vx_last_status();
    vx_set_grad_enabled(cpu_ctx, false);
    if (st)
        return st;
    const float *g = target->grad->data;
    for (int64_t i = 0, n = vx_numel(target); i < n; i++)
        out[i] += g[i];
    return VX_OK;
}

static vx_status cpu_run(const vx_op_desc *d)
{
    vx_status st = vx_op_desc_check(d);
    if (st)
        return st;
    if (!cpu_supports(d))
        return vx_fail(VX_ERR_ARG, "cpu backend: %s got a buffer of another backend",
                       vx_op_table[d->op].name);
    if ((st = cpu_init()))
        return st;
    pthread_mutex_lock(&cpu_lock);
    vx_tensor *in[VX_MAX_INPUTS] = {NULL};
    bool wrapped = true;
    for (int i = 0; i < d->n_in; i++)
        if (d->in[i].buf && !(in[i] = wrap(&d->in[i])))
            wrapped = false;
    float *out = (float *)((char *)d->out.buf->handle + d->out.offset);
    if (!wrapped) {
        st = vx_last_status();
    } else if (d->grad_of) {
        st = cpu_backward(d, in, out);
    } else {
        vx_tensor *y = cpu_op(d, in);
        st = y ? VX_OK : vx_last_status();
        if (y) /* vx_op_desc_check fixed the output's shape: same numel */
            vx_copy_to_f32(y, out);
    }
    vx_ctx_reset(cpu_ctx);
    pthread_mutex_unlock(&cpu_lock);
    return st;
}

static double cpu_last_run_ms(void) { return -1; }

static const char *cpu_device_name(void) { return "host CPU (scalar reference kernels)"; }

const vx_backend vx_backend_cpu = {
    .name = "cpu",
    .device_name = cpu_device_name,
    .init = cpu_init,
    .alloc = cpu_alloc,
    .free = cpu_free,
    .upload = cpu_upload,
    .download = cpu_download,
    .synchronize = cpu_synchronize,
    .supports = cpu_supports,
    .run = cpu_run,
    .last_run_ms = cpu_last_run_ms,
};
