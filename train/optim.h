/* optim.h — optimisers (SGD with momentum, Adam, AdamW), parameter groups,
 * learning-rate schedules and global-norm gradient clipping.
 *
 * An optimiser updates persistent parameters (vx_param) from the gradients
 * that vx_backward accumulated in p->grad. Its state (moments, per-parameter
 * step counts, the groups themselves) lives in the context's persistent
 * memory and is freed with the context; checkpoints save and restore it
 * through vx_optim_entry_at. The update rules follow torch.optim (1.13) so a
 * run can be compared step by step with PyTorch.
 *
 * Parameter groups: each group has its own base learning rate and weight
 * decay and may be frozen. Freezing a group clears requires_grad on its
 * parameters (backward then skips them) and the optimiser leaves them alone;
 * unfreezing restores requires_grad.
 *
 * Learning rate: update number k (k = 1, 2, ...) of a group uses
 * group.lr · vx_schedule_factor(schedule, k).
 *
 * Gradient accumulation (N micro-batches per update):
 *     vx_optim_zero_grad(opt);
 *     for (i = 0; i < N; i++) {
 *         loss = forward(micro-batch i);
 *         vx_backward(ctx, loss);    // parameter grads add up (persistent)
 *         vx_ctx_reset(ctx);         // activations go; parameter grads stay
 *     }
 *     vx_optim_scale_grads(opt, 1.0f / N);    // the mean over micro-batches
 *     norm = vx_optim_clip_grad_norm(opt, max_norm);
 *     vx_optim_step(opt);
 */
#ifndef VX_TRAIN_OPTIM_H
#define VX_TRAIN_OPTIM_H

#include <stdbool.h>
#include <stdint.h>

#include "core/ctx.h"
#include "core/status.h"
#include "core/tensor.h"

typedef enum vx_optim_kind {
    VX_OPTIM_SGD = 0, /* momentum SGD; weight decay as L2 on the gradient  */
    VX_OPTIM_ADAM,    /* Adam; weight decay as L2 on the gradient           */
    VX_OPTIM_ADAMW,   /* Adam with decoupled weight decay                   */
} vx_optim_kind;

typedef struct vx_optim_cfg {
    vx_optim_kind kind;
    double lr;           /* base lr of the default group                     */
    double weight_decay; /* weight decay of the default group                */
    double momentum;     /* SGD: 0 = plain SGD                               */
    double beta1, beta2; /* Adam/AdamW moment decays, e.g. 0.9, 0.999        */
    double eps;          /* Adam/AdamW denominator term, e.g. 1e-8           */
} vx_optim_cfg;

/* Hyper-parameters are doubles, as PyTorch's Python floats are: its bias
 * corrections (1 − β^k) and step sizes are computed in double, and tensor
 * arithmetic in f32; this file does the same. */

typedef struct vx_param_group {
    const char *name;   /* for messages and checkpoints (copied; may be NULL) */
    double lr;           /* base learning rate                               */
    double weight_decay;
    bool frozen;
} vx_param_group;

typedef enum vx_schedule_kind {
    VX_SCHED_CONSTANT = 0,
    VX_SCHED_EXPONENTIAL, /* gamma^floor((k − 1) / period)                    */
    VX_SCHED_NOAM,        /* min(k / warmup, sqrt(warmup / k))                */
    VX_SCHED_COSINE,      /* linear warm-up, then cosine from 1 to min_factor */
} vx_schedule_kind;

/* ref (Noam): Vaswani et al. 2017 eq. 3, lrate = d^−0.5 · min(k^−0.5,
 * k · w^−1.5) = d^−0.5 · w^−0.5 · min(k / w, sqrt(w / k)): this factor with
 * a base lr of d^−0.5 · w^−0.5 (FastSpeech2's init_lr · w^−0.5) is exact.
 * ref (cosine): Loshchilov & Hutter 2017 (SGDR) without restarts:
 * factor = min + (1 − min) · (1 + cos(π · (k − warmup) / (total − warmup))) / 2,
 * held at min after `total`; during warm-up factor = k / warmup. */
typedef struct vx_schedule {
    vx_schedule_kind kind;
    double gamma;       /* exponential: decay per period (HiFi-GAN 0.999)    */
    int64_t period;     /* exponential: updates per decay (an epoch); ≥ 1    */
    int64_t warmup;     /* noam (≥ 1), cosine (≥ 0): warm-up updates         */
    int64_t total;      /* cosine: update at which the factor reaches min    */
    double min_factor;  /* cosine: final factor                              */
} vx_schedule;

/* Factor for update k ≥ 1 (k < 1 counts as 1). The schedule must be valid. */
double vx_schedule_factor(const vx_schedule *s, int64_t k);

/* VX_OK, or VX_ERR_ARG naming the bad field. */
vx_status vx_schedule_check(const vx_schedule *s);

typedef struct vx_optim vx_optim;

/* One optimised parameter and its state. `m` is SGD's momentum buffer or
 * Adam's first moment, `v` Adam's second moment (NULL for SGD), both
 * numel(param) floats; `steps` counts the updates applied to this parameter
 * (Adam's bias correction uses it; SGD's first update seeds the buffer). */
typedef struct vx_optim_entry {
    vx_tensor *param;
    float *m;
    float *v;
    int64_t steps;
    int group;
} vx_optim_entry;

/* New optimiser in ctx's persistent memory. NULL + error on a bad config
 * (negative lr, weight decay or momentum; betas outside [0, 1); eps ≤ 0
 * for Adam/AdamW). */
vx_optim *vx_optim_new(vx_ctx *ctx, const vx_optim_cfg *cfg);

/* Add parameters to a new group; returns the group index ≥ 0, or −1 with
 * the error set (NULL or non-persistent or non-f32 parameter, a parameter
 * already added, a negative lr or weight decay). */
int vx_optim_add_group(vx_optim *o, const vx_param_group *group, vx_tensor *const *params, int n);

/* Add parameters to a group with the config's lr and weight decay (a new
 * group named "default"). Returns the group index or −1. */
int vx_optim_add_params(vx_optim *o, vx_tensor *const *params, int n);

/* Freeze or unfreeze a group (see the top of this file). */
vx_status vx_optim_set_frozen(vx_optim *o, int group, bool frozen);

/* Change a group's base learning rate. */
vx_status vx_optim_set_group_lr(vx_optim *o, int group, double lr);

/* Use `s` for every group from now on (copied; NULL: constant). */
vx_status vx_optim_set_schedule(vx_optim *o, const vx_schedule *s);

/* Learning rate the next update of `group` will use. */
double vx_optim_lr(const vx_optim *o, int group);

/* Updates done so far (vx_optim_step calls); checkpoints restore it. */
int64_t vx_optim_steps(const vx_optim *o);
void vx_optim_set_steps(vx_optim *o, int64_t steps);

/* One update of every unfrozen parameter that has a gradient buffer
 * (parameters that took no part in backward are skipped, as PyTorch skips
 * grad None). Fails with VX_ERR_NUMERIC, changing nothing, when a gradient
 * holds NaN/Inf (the message names the parameter). */
vx_status vx_optim_step(vx_optim *o);

/* Zero every gradient (frozen groups included). */
void vx_optim_zero_grad(vx_optim *o);

/* Multiply every unfrozen gradient by s (accumulation: s = 1 / N). */
void vx_optim_scale_grads(vx_optim *o, float s);

/* Global L2 norm over every unfrozen gradient. When max_norm > 0 and the
 * norm exceeds it, scales the gradients by max_norm / (norm + 1e-6)
 * (torch.nn.utils.clip_grad_norm_). Returns the norm before clipping; a
 * NaN/Inf norm is returned as is and nothing is scaled. */
double vx_optim_clip_grad_norm(vx_optim *o, double max_norm);

/* Entries, in the order they were added. */
int vx_optim_entry_count(const vx_optim *o);
vx_optim_entry *vx_optim_entry_at(vx_optim *o, int i); /* NULL if out of range */

int vx_optim_group_count(const vx_optim *o);
const vx_param_group *vx_optim_group_at(const vx_optim *o, int group); /* NULL if out of range */

const vx_optim_cfg *vx_optim_config(const vx_optim *o);

#endif
