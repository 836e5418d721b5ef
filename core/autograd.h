/* autograd.h — the reverse-mode tape, and the helpers op files use to join it.
 *
 * Ops run eagerly. When grad mode is on and any input requires grad, the op
 * calls vx_record() to append a node: op id, output, inputs, a few saved
 * integers/floats/tensors, and its backward function. vx_backward() seeds the
 * loss gradient with ones and walks the tape in reverse; each backward reads
 * node->out->grad and accumulates into its inputs' grads (vx_grad_buf), which
 * are allocated zero-filled on first use (persistent for parameters, arena
 * for activations). With grad off, vx_record() is never reached: inference
 * pays one branch per op. */
#ifndef VX_AUTOGRAD_H
#define VX_AUTOGRAD_H

#include "tensor.h"

#define VX_MAX_INPUTS 4

typedef enum vx_op_id {
#define VX_OP(id, name, diff) VX_OP_##id,
#include "op_list.h"
#undef VX_OP
    VX_OP_COUNT
} vx_op_id;

typedef struct vx_op_info {
    const char *name;
    bool differentiable;
} vx_op_info;

/* The registry: vx_op_table[id] for every id < VX_OP_COUNT. */
extern const vx_op_info vx_op_table[VX_OP_COUNT];
int vx_op_lookup(const char *name); /* id, or -1 */

typedef vx_status (*vx_backward_fn)(vx_ctx *ctx, vx_node *node);

struct vx_node {
    vx_op_id op;
    vx_tensor *out;
    vx_tensor *in[VX_MAX_INPUTS];     /* NULL where an input is absent       */
    int n_in;
    vx_tensor *saved[2];              /* op-specific tensors kept for backward */
    int64_t iarg[8];                  /* op-specific integer arguments        */
    float farg[4];                    /* op-specific float arguments          */
    vx_backward_fn backward;
};

/* True when an op on these inputs must be recorded (grad on, some input
 * requires grad). NULL entries are ignored. */
bool vx_needs_grad(const vx_ctx *ctx, int n, vx_tensor *const *inputs);

/* Append a node for `out` (sets out->requires_grad and out->node). Returns
 * the node for the caller to fill iarg/farg/saved, or NULL on OOM. */
vx_node *vx_record(vx_ctx *ctx, vx_op_id op, vx_tensor *out, int n_in,
                   vx_tensor *const *inputs, vx_backward_fn backward);

/* Gradient buffer of t (contiguous f32, t's shape), allocated zero-filled on
 * first use; NULL when t does not require grad or on OOM (error set). */
float *vx_grad_buf(vx_ctx *ctx, vx_tensor *t);

/* Reverse pass from `loss` (any shape; its grad is seeded with ones). */
vx_status vx_backward(vx_ctx *ctx, vx_tensor *loss);

/* Reverse pass from `out` with d(objective)/d(out) = seed (numel floats):
 * a vector-Jacobian product. vx_backward is this with a seed of ones. */
vx_status vx_backward_from(vx_ctx *ctx, vx_tensor *out, const float *seed);

/* Zero (or drop, for activations) the grads of n parameters. */
void vx_zero_grad(vx_tensor **params, int n);

/* Number of nodes on the tape now (tests check no_grad records nothing). */
int vx_tape_len(const vx_ctx *ctx);

#endif
