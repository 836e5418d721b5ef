/* autograd.c — the tape: recording nodes, gradient buffers, the reverse walk. */
#include <stdlib.h>
#include <string.h>

#include "ctx_internal.h"

const vx_op_info vx_op_table[VX_OP_COUNT] = {
#define VX_OP(id, name, diff) [VX_OP_##id] = {name, diff},
#include "op_list.h"
#undef VX_OP
};

int vx_op_lookup(const char *name)
{
    for (int i = 0; i < VX_OP_COUNT; i++)
        if (strcmp(vx_op_table[i].name, name) == 0)
            return i;
    return -1;
}

bool vx_needs_grad(const vx_ctx *ctx, int n, vx_tensor *const *inputs)
{
    if (!ctx->grad_enabled)
        return false;
    for (int i = 0; i < n; i++)
        if (inputs[i] && inputs[i]->requires_grad)
            return true;
    return false;
}

vx_node *vx_record(vx_ctx *ctx, vx_op_id op, vx_tensor *out, int n_in, vx_tensor *const *inputs,
                   vx_backward_fn backward)
{
    if (ctx->tape_len == ctx->tape_cap) {
        int cap = ctx->tape_cap ? 2 * ctx->tape_cap : 1024;
        vx_node **tape = realloc(ctx->tape, (size_t)cap * sizeof *tape);
        if (!tape)
            return vx_fail_null(VX_ERR_OOM, "autograd: cannot grow the tape to %d nodes", cap);
        ctx->tape = tape;
        ctx->tape_cap = cap;
    }
    vx_node *node = vx_arena_alloc(ctx, sizeof *node);
    if (!node)
        return NULL;
    node->op = op;
    node->out = out;
    node->n_in = n_in;
    for (int i = 0; i < n_in && i < VX_MAX_INPUTS; i++)
        node->in[i] = inputs[i];
    node->backward = backward;
    out->requires_grad = true;
    out->node = node;
    ctx->tape[ctx->tape_len++] = node;
    return node;
}

float *vx_grad_buf(vx_ctx *ctx, vx_tensor *t)
{
    if (!t || !t->requires_grad)
        return NULL;
    if (!t->grad) {
        int64_t shape[VX_MAX_DIMS];
        memcpy(shape, t->shape, sizeof shape);
        t->grad = t->persistent ? vx_param(ctx, NULL, VX_F32, t->ndim, shape, false)
                                : vx_new(ctx, VX_F32, t->ndim, shape);
        if (!t->grad)
            return NULL;
    }
    return t->grad->data;
}

vx_status vx_backward(vx_ctx *ctx, vx_tensor *loss)
{
    return vx_backward_from(ctx, loss, NULL);
}

vx_status vx_backward_from(vx_ctx *ctx, vx_tensor *loss, const float *seed)
{
    if (!loss)
        return vx_fail(VX_ERR_ARG, "backward: loss is NULL (did the forward pass fail?)");
    if (!loss->requires_grad)
        return vx_fail(VX_ERR_ARG,
                       "backward: the loss does not require grad (grad mode off, or no "
                       "parameter with requires_grad took part)");
    float *g = vx_grad_buf(ctx, loss);
    if (!g)
        return vx_last_status();
    int64_t n = vx_numel(loss);
    for (int64_t i = 0; i < n; i++)
        g[i] += seed ? seed[i] : 1.0f;
    bool was = vx_set_grad_enabled(ctx, false); /* backward itself records nothing */
    vx_status st = VX_OK;
    for (int i = ctx->tape_len - 1; i >= 0 && st == VX_OK; i--) {
        vx_node *node = ctx->tape[i];
        if (node->out->grad)
            st = node->backward(ctx, node);
    }
    vx_set_grad_enabled(ctx, was);
    return st;
}

void vx_zero_grad(vx_tensor **params, int n)
{
    for (int i = 0; i < n; i++) {
        vx_tensor *p = params[i];
        if (!p || !p->grad)
            continue;
        if (p->persistent)
            memset(p->grad->data, 0, (size_t)vx_numel(p) * sizeof(float));
        else
            p->grad = NULL;
    }
}

int vx_tape_len(const vx_ctx *ctx) { return ctx->tape_len; }
