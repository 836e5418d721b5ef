/* optim.c — SGD, Adam and AdamW updates, parameter groups, schedules and
 * gradient clipping behind optim.h. Update rules: torch.optim 1.13,
 * single-tensor path (f32 tensor arithmetic, double scalars). */
#include "train/optim.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define GROUP_NAME_MAX 48

typedef struct optim_group {
    vx_param_group cfg;          /* cfg.name points at name_buf              */
    char name_buf[GROUP_NAME_MAX];
    vx_optim_entry *entries;     /* [n], persistent                          */
    int n;
    struct optim_group *next;
} optim_group;

struct vx_optim {
    vx_ctx *ctx;
    vx_optim_cfg cfg;
    vx_schedule schedule;
    int64_t steps;
    optim_group *groups;         /* in the order added                       */
    int n_groups, n_entries;
};

/* --- schedules -------------------------------------------------------------- */

double vx_schedule_factor(const vx_schedule *s, int64_t k)
{
    if (k < 1)
        k = 1;
    switch (s ? s->kind : VX_SCHED_CONSTANT) {
    case VX_SCHED_EXPONENTIAL:
        return pow(s->gamma, (double)((k - 1) / (s->period > 0 ? s->period : 1)));
    case VX_SCHED_NOAM: {
        double w = (double)(s->warmup > 0 ? s->warmup : 1);
        return fmin((double)k / w, sqrt(w / (double)k));
    }
    case VX_SCHED_COSINE: {
        if (k <= s->warmup)
            return (double)k / (double)s->warmup;
        double span = (double)(s->total - s->warmup);
        double t = span > 0 ? fmin((double)(k - s->warmup) / span, 1.0) : 1.0;
        return s->min_factor + (1.0 - s->min_factor) * 0.5 * (1.0 + cos(M_PI * t));
    }
    case VX_SCHED_CONSTANT:
    default:
        return 1.0;
    }
}

vx_status vx_schedule_check(const vx_schedule *s)
{
    switch (s->kind) {
    case VX_SCHED_CONSTANT:
        return VX_OK;
    case VX_SCHED_EXPONENTIAL:
        if (!(s->gamma > 0 && s->gamma <= 1))
            return vx_fail(VX_ERR_ARG, "schedule: exponential gamma is %g; use a value in (0, 1]",
                           s->gamma);
        if (s->period < 1)
            return vx_fail(VX_ERR_ARG, "schedule: exponential period is %lld updates; use >= 1",
                           (long long)s->period);
        return VX_OK;
    case VX_SCHED_NOAM:
        if (s->warmup < 1)
            return vx_fail(VX_ERR_ARG, "schedule: Noam warm-up is %lld updates; use >= 1",
                           (long long)s->warmup);
        return VX_OK;
    case VX_SCHED_COSINE:
        if (s->warmup < 0 || s->total <= s->warmup)
            return vx_fail(VX_ERR_ARG,
                           "schedule: cosine needs 0 <= warmup < total (got warmup %lld, total %lld)",
                           (long long)s->warmup, (long long)s->total);
        if (!(s->min_factor >= 0 && s->min_factor <= 1))
            return vx_fail(VX_ERR_ARG, "schedule: cosine min_factor is %g; use a value in [0, 1]",
                           s->min_factor);
        return VX_OK;
    }
    return vx_fail(VX_ERR_ARG, "schedule: unknown kind %d", (int)s->kind);
}

/* --- construction ------------------------------------------------------------ */

static bool in_unit(double b) { return b >= 0 && b < 1; }

vx_optim *vx_optim_new(vx_ctx *ctx, const vx_optim_cfg *cfg)
{
    if (!ctx || !cfg)
        return vx_fail_null(VX_ERR_ARG, "optim: the context and config must not be NULL");
    if (cfg->kind != VX_OPTIM_SGD && cfg->kind != VX_OPTIM_ADAM && cfg->kind != VX_OPTIM_ADAMW)
        return vx_fail_null(VX_ERR_ARG, "optim: unknown optimiser kind %d", (int)cfg->kind);
    if (!(cfg->lr >= 0) || !(cfg->weight_decay >= 0) || !(cfg->momentum >= 0))
        return vx_fail_null(VX_ERR_ARG,
                            "optim: lr (%g), weight_decay (%g) and momentum (%g) must be >= 0",
                            cfg->lr, cfg->weight_decay, cfg->momentum);
    if (cfg->kind != VX_OPTIM_SGD &&
        (!in_unit(cfg->beta1) || !in_unit(cfg->beta2) || !(cfg->eps > 0)))
        return vx_fail_null(VX_ERR_ARG,
                            "optim: Adam needs betas in [0, 1) and eps > 0 (got %g, %g, eps %g)",
                            cfg->beta1, cfg->beta2, cfg->eps);
    vx_optim *o = vx_persistent_alloc(ctx, sizeof *o);
    if (!o)
        return NULL;
    o->ctx = ctx;
    o->cfg = *cfg;
    o->schedule.kind = VX_SCHED_CONSTANT;
    return o;
}

static optim_group *group_at(const vx_optim *o, int g)
{
    optim_group *grp = o->groups;
    for (int i = 0; grp && i < g; i++)
        grp = grp->next;
    return g >= 0 ? grp : NULL;
}

static bool already_added(const vx_optim *o, const vx_tensor *p)
{
    for (const optim_group *grp = o->groups; grp; grp = grp->next)
        for (int i = 0; i < grp->n; i++)
            if (grp->entries[i].param == p)
                return true;
    return false;
}

static vx_status check_new_params(const vx_optim *o, vx_tensor *const *params, int n)
{
    if (n < 0 || (n > 0 && !params))
        return vx_fail(VX_ERR_ARG, "optim: %d parameters given with %s list", n,
                       params ? "a" : "a NULL");
    for (int i = 0; i < n; i++) {
        const vx_tensor *p = params[i];
        if (!p)
            return vx_fail(VX_ERR_ARG, "optim: parameter %d of %d is NULL", i, n);
        if (!p->persistent || p->dtype != VX_F32)
            return vx_fail(VX_ERR_ARG,
                           "optim: parameter '%s' must be a persistent f32 tensor (make it with "
                           "vx_param)", p->name);
        if (already_added(o, p))
            return vx_fail(VX_ERR_ARG, "optim: parameter '%s' is already in the optimiser", p->name);
        for (int j = 0; j < i; j++)
            if (params[j] == p)
                return vx_fail(VX_ERR_ARG, "optim: parameter '%s' is listed twice", p->name);
    }
    return VX_OK;
}

int vx_optim_add_group(vx_optim *o, const vx_param_group *group, vx_tensor *const *params, int n)
{
    if (!o || !group) {
        vx_fail(VX_ERR_ARG, "optim: add_group needs an optimiser and a group");
        return -1;
    }
    if (!(group->lr >= 0) || !(group->weight_decay >= 0)) {
        vx_fail(VX_ERR_ARG, "optim: group '%s' has lr %g and weight decay %g; both must be >= 0",
                group->name ? group->name : "", group->lr, group->weight_decay);
        return -1;
    }
    if (check_new_params(o, params, n) != VX_OK)
        return -1;
    optim_group *grp = vx_persistent_alloc(o->ctx, sizeof *grp);
    vx_optim_entry *entries = grp ? vx_persistent_alloc(o->ctx, (size_t)n * sizeof *entries) : NULL;
    if (!entries)
        return -1;
    bool adam = o->cfg.kind != VX_OPTIM_SGD;
    bool sgd_buffer = o->cfg.kind == VX_OPTIM_SGD && o->cfg.momentum > 0;
    for (int i = 0; i < n; i++) {
        size_t bytes = (size_t)vx_numel(params[i]) * sizeof(float);
        entries[i].param = params[i];
        entries[i].group = o->n_groups;
        if (adam || sgd_buffer) {
            entries[i].m = vx_persistent_alloc(o->ctx, bytes);
            if (!entries[i].m)
                return -1;
        }
        if (adam) {
            entries[i].v = vx_persistent_alloc(o->ctx, bytes);
            if (!entries[i].v)
                return -1;
        }
    }
    grp->cfg = *group;
    snprintf(grp->name_buf, sizeof grp->name_buf, "%s", group->name ? group->name : "");
    grp->cfg.name = grp->name_buf;
    grp->entries = entries;
    grp->n = n;
    optim_group **tail = &o->groups;
    while (*tail)
        tail = &(*tail)->next;
    *tail = grp;
    o->n_entries += n;
    int index = o->n_groups++;
    if (group->frozen)
        vx_optim_set_frozen(o, index, true);
    return index;
}

int vx_optim_add_params(vx_optim *o, vx_tensor *const *params, int n)
{
    if (!o) {
        vx_fail(VX_ERR_ARG, "optim: add_params needs an optimiser");
        return -1;
    }
    vx_param_group g = {.name = "default", .lr = o->cfg.lr, .weight_decay = o->cfg.weight_decay};
    return vx_optim_add_group(o, &g, params, n);
}

/* --- settings ------------------------------------------------------------------ */

static optim_group *checked_group(const vx_optim *o, int g)
{
    optim_group *grp = o ? group_at(o, g) : NULL;
    if (!grp)
        vx_fail(VX_ERR_ARG, "optim: no parameter group %d (the optimiser has %d)", g,
                o ? o->n_groups : 0);
    return grp;
}

vx_status vx_optim_set_frozen(vx_optim *o, int group, bool frozen)
{
    optim_group *grp = checked_group(o, group);
    if (!grp)
        return VX_ERR_ARG;
    grp->cfg.frozen = frozen;
    for (int i = 0; i < grp->n; i++)
        grp->entries[i].param->requires_grad = !frozen;
    return VX_OK;
}

vx_status vx_optim_set_group_lr(vx_optim *o, int group, double lr)
{
    optim_group *grp = checked_group(o, group);
    if (!grp)
        return VX_ERR_ARG;
    if (!(lr >= 0))
        return vx_fail(VX_ERR_ARG, "optim: lr %g for group %d must be >= 0", lr, group);
    grp->cfg.lr = lr;
    return VX_OK;
}

vx_status vx_optim_set_schedule(vx_optim *o, const vx_schedule *s)
{
    if (!o)
        return vx_fail(VX_ERR_ARG, "optim: set_schedule needs an optimiser");
    if (!s) {
        o->schedule = (vx_schedule){.kind = VX_SCHED_CONSTANT};
        return VX_OK;
    }
    vx_status st = vx_schedule_check(s);
    if (st == VX_OK)
        o->schedule = *s;
    return st;
}

double vx_optim_lr(const vx_optim *o, int group)
{
    const optim_group *grp = o ? group_at(o, group) : NULL;
    return grp ? grp->cfg.lr * vx_schedule_factor(&o->schedule, o->steps + 1) : 0.0;
}

int64_t vx_optim_steps(const vx_optim *o) { return o->steps; }
void vx_optim_set_steps(vx_optim *o, int64_t steps) { o->steps = steps; }

int vx_optim_entry_count(const vx_optim *o) { return o->n_entries; }

vx_optim_entry *vx_optim_entry_at(vx_optim *o, int i)
{
    if (i < 0)
        return NULL;
    for (optim_group *grp = o->groups; grp; grp = grp->next) {
        if (i < grp->n)
            return &grp->entries[i];
        i -= grp->n;
    }
    return NULL;
}

int vx_optim_group_count(const vx_optim *o) { return o->n_groups; }

const vx_param_group *vx_optim_group_at(const vx_optim *o, int group)
{
    const optim_group *grp = group_at(o, group);
    return grp ? &grp->cfg : NULL;
}

const vx_optim_cfg *vx_optim_config(const vx_optim *o) { return &o->cfg; }

/* --- gradients ------------------------------------------------------------------- */

/* The gradient of an entry that takes part in updates, or NULL. */
static float *live_grad(const optim_group *grp, const vx_optim_entry *e)
{
    if (grp->cfg.frozen || !e->param->grad)
        return NULL;
    return e->param->grad->data;
}

void vx_optim_zero_grad(vx_optim *o)
{
    for (optim_group *grp = o->groups; grp; grp = grp->next)
        for (int i = 0; i < grp->n; i++) {
            vx_tensor *p = grp->entries[i].param;
            if (p->grad)
                memset(p->grad->data, 0, (size_t)vx_numel(p) * sizeof(float));
        }
}

void vx_optim_scale_grads(vx_optim *o, float s)
{
    for (optim_group *grp = o->groups; grp; grp = grp->next)
        for (int i = 0; i < grp->n; i++) {
            float *g = live_grad(grp, &grp->entries[i]);
            int64_t n = vx_numel(grp->entries[i].param);
            for (int64_t k = 0; g && k < n; k++)
                g[k] *= s;
        }
}

double vx_optim_clip_grad_norm(vx_optim *o, double max_norm)
{
    double sq = 0;
    for (optim_group *grp = o->groups; grp; grp = grp->next)
        for (int i = 0; i < grp->n; i++) {
            const float *g = live_grad(grp, &grp->entries[i]);
            int64_t n = vx_numel(grp->entries[i].param);
            for (int64_t k = 0; g && k < n; k++)
                sq += (double)g[k] * g[k];
        }
    double norm = sqrt(sq);
    if (max_norm > 0 && isfinite(norm) && norm > max_norm)
        vx_optim_scale_grads(o, (float)(max_norm / (norm + 1e-6)));
    return norm;
}

/* --- updates ------------------------------------------------------------------------ */

/* ref: torch.optim.SGD — d = g + wd·p; buf = d on the first update, else
 * buf = μ·buf + d; p -= lr·buf (p -= lr·d without momentum). */
static void sgd_update(const vx_optim_cfg *cfg, double lr, double wd, vx_optim_entry *e,
                       const float *g)
{
    float *p = e->param->data;
    int64_t n = vx_numel(e->param);
    float wdf = (float)wd, mu = (float)cfg->momentum, alpha = (float)-lr;
    for (int64_t k = 0; k < n; k++) {
        float d = wd != 0 ? g[k] + wdf * p[k] : g[k];
        if (e->m) {
            e->m[k] = e->steps == 0 ? d : mu * e->m[k] + d;
            d = e->m[k];
        }
        p[k] += alpha * d;
    }
}

/* ref: Kingma & Ba 2015, Alg. 1, as torch.optim.Adam/AdamW compute it:
 * Adam: g += wd·p.  AdamW (Loshchilov & Hutter 2019): p *= 1 − lr·wd.
 * m = β1·m + (1 − β1)·g;  v = β2·v + (1 − β2)·g²;
 * p −= lr / (1 − β1^t) · m / (sqrt(v) / sqrt(1 − β2^t) + ε). */
static void adam_update(const vx_optim_cfg *cfg, double lr, double wd, vx_optim_entry *e,
                        const float *g)
{
    float *p = e->param->data, *m = e->m, *v = e->v;
    int64_t n = vx_numel(e->param);
    double t = (double)(e->steps + 1);
    double bc1 = 1.0 - pow(cfg->beta1, t), bc2_sqrt = sqrt(1.0 - pow(cfg->beta2, t));
    float b1 = (float)cfg->beta1, b2 = (float)cfg->beta2;
    float one_b1 = (float)(1.0 - cfg->beta1), one_b2 = (float)(1.0 - cfg->beta2);
    float step_size = (float)(lr / bc1), bc2f = (float)bc2_sqrt, epsf = (float)cfg->eps;
    bool decoupled = cfg->kind == VX_OPTIM_ADAMW;
    float decay = (float)(1.0 - lr * wd), wdf = (float)wd;
    for (int64_t k = 0; k < n; k++) {
        float gk = g[k];
        if (decoupled)
            p[k] *= decay;
        else if (wd != 0)
            gk += wdf * p[k];
        m[k] = m[k] * b1 + one_b1 * gk;
        v[k] = v[k] * b2 + one_b2 * gk * gk;
        float denom = sqrtf(v[k]) / bc2f + epsf;
        p[k] += -step_size * (m[k] / denom);
    }
}

/* The first non-finite gradient element, reported with its parameter. */
static vx_status check_grads_finite(vx_optim *o)
{
    for (optim_group *grp = o->groups; grp; grp = grp->next)
        for (int i = 0; i < grp->n; i++) {
            const float *g = live_grad(grp, &grp->entries[i]);
            int64_t n = vx_numel(grp->entries[i].param);
            for (int64_t k = 0; g && k < n; k++)
                if (!isfinite(g[k]))
                    return vx_fail(VX_ERR_NUMERIC,
                                   "optim: the gradient of '%s' holds %g at element %lld; the "
                                   "update was skipped (lower the lr or clip gradients)",
                                   grp->entries[i].param->name, (double)g[k], (long long)k);
        }
    return VX_OK;
}

vx_status vx_optim_step(vx_optim *o)
{
    if (!o)
        return vx_fail(VX_ERR_ARG, "optim: step needs an optimiser");
    vx_status st = check_grads_finite(o);
    if (st != VX_OK)
        return st;
    double factor = vx_schedule_factor(&o->schedule, o->steps + 1);
    for (optim_group *grp = o->groups; grp; grp = grp->next) {
        double lr = grp->cfg.lr * factor, wd = grp->cfg.weight_decay;
        for (int i = 0; i < grp->n; i++) {
            vx_optim_entry *e = &grp->entries[i];
            const float *g = live_grad(grp, e);
            if (!g)
                continue;
            if (o->cfg.kind == VX_OPTIM_SGD)
                sgd_update(&o->cfg, lr, wd, e, g);
            else
                adam_update(&o->cfg, lr, wd, e, g);
            e->steps++;
        }
    }
    o->steps++;
    return VX_OK;
}
