/* checkpoint.c — save and restore training state as safetensors, and the
 * rotating checkpoint set of a run folder (see checkpoint.h for the layout). */
#include "train/checkpoint.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/atomic_file.h"
#include "core/json.h"
#include "nn/safetensors.h"

#define CKPT_FORMAT "voxc-checkpoint-1"
#define CKPT_PREFIX "ckpt-"
#define CKPT_SUFFIX ".safetensors"

static const char *kind_name(vx_optim_kind k)
{
    switch (k) {
    case VX_OPTIM_SGD: return "sgd";
    case VX_OPTIM_ADAM: return "adam";
    case VX_OPTIM_ADAMW: return "adamw";
    }
    return "?";
}

/* "optim/<opt>/<param>/<slot>" in malloc'd memory (NULL on OOM). */
static char *state_name(const char *opt, const char *param, const char *slot)
{
    size_t n = strlen(opt) + strlen(param) + strlen(slot) + 16;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "optim/%s/%s/%s", opt, param, slot);
    return s;
}

/* "optim/<opt>", the metadata key of an optimiser (malloc'd, NULL on OOM). */
static char *optim_key(const char *opt)
{
    size_t n = strlen(opt) + 8;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "optim/%s", opt);
    return s;
}

static void entry_shape(vx_st_write_entry *w, const vx_tensor *t)
{
    w->ndim = t->ndim;
    for (int d = 0; d < t->ndim; d++)
        w->shape[d] = t->shape[d];
}

/* --- checks shared by save and load ------------------------------------------ */

static vx_status check_ckpt(const char *path, const vx_ckpt *ck)
{
    if (!ck || ck->n_tensors < 0 || (ck->n_tensors > 0 && !ck->tensors) || ck->n_optims < 0 ||
        (ck->n_optims > 0 && !ck->optims))
        return vx_fail(VX_ERR_ARG, "%s: the checkpoint description has bad tensor or optimiser lists",
                       path);
    for (int i = 0; i < ck->n_tensors; i++) {
        const vx_tensor *t = ck->tensors[i];
        if (!t || !t->name[0])
            return vx_fail(VX_ERR_ARG, "%s: tensor %d of the checkpoint is NULL or has no name", path,
                           i);
        if (!vx_is_contiguous(t))
            return vx_fail(VX_ERR_ARG, "%s: tensor '%s' is not contiguous", path, t->name);
    }
    for (int k = 0; k < ck->n_optims; k++) {
        const vx_ckpt_optim *o = &ck->optims[k];
        if (!o->optim || !o->name || !o->name[0] || strchr(o->name, '/'))
            return vx_fail(VX_ERR_ARG, "%s: optimiser %d needs a name without '/' and an optimiser",
                           path, k);
        for (int i = 0; i < vx_optim_entry_count(o->optim); i++) {
            const vx_tensor *p = vx_optim_entry_at(o->optim, i)->param;
            if (!p->name[0])
                return vx_fail(VX_ERR_ARG, "%s: optimiser '%s' holds a parameter without a name", path,
                               o->name);
            for (int j = 0; j < i; j++)
                if (strcmp(vx_optim_entry_at(o->optim, j)->param->name, p->name) == 0)
                    return vx_fail(VX_ERR_ARG, "%s: optimiser '%s' holds two parameters named '%s'",
                                   path, o->name, p->name);
        }
    }
    return VX_OK;
}

/* --- save --------------------------------------------------------------------- */

/* The "optim/<opt>" metadata JSON (malloc'd, NULL on OOM). */
static char *optim_meta(vx_optim *o)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return NULL;
    fprintf(m, "{\"kind\":\"%s\",\"steps\":%" PRId64 ",\"param_steps\":{",
            kind_name(vx_optim_config(o)->kind), vx_optim_steps(o));
    for (int i = 0; i < vx_optim_entry_count(o); i++) {
        const vx_optim_entry *e = vx_optim_entry_at(o, i);
        if (i)
            fputc(',', m);
        vx_json_write_string(m, e->param->name, strlen(e->param->name));
        fprintf(m, ":%" PRId64, e->steps);
    }
    fputs("}}", m);
    bool bad = ferror(m) != 0;
    if (fclose(m) != 0 || bad) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* Entries and metadata built for one save; every string is owned. */
typedef struct save_plan {
    vx_st_write_entry *entries;
    char **owned_names;
    int n, n_owned;
    const char *keys[8 + 64];
    char *values[8 + 64];
    int n_meta;
} save_plan;

static void plan_free(save_plan *p)
{
    for (int i = 0; i < p->n_owned; i++)
        free(p->owned_names[i]);
    for (int i = 0; i < p->n_meta; i++)
        free(p->values[i]);
    free(p->owned_names);
    free(p->entries);
}

static bool add_meta(save_plan *p, const char *key, char *value)
{
    if (!value)
        return false;
    p->keys[p->n_meta] = key;
    p->values[p->n_meta++] = value;
    return true;
}

static char *fmt_u64(uint64_t v)
{
    char *s = malloc(24);
    if (s)
        snprintf(s, 24, "%" PRIu64, v);
    return s;
}

static vx_status build_plan(const char *path, const vx_ckpt *ck, save_plan *p, char **optim_keys)
{
    int n_state = 0;
    for (int k = 0; k < ck->n_optims; k++)
        n_state += 2 * vx_optim_entry_count(ck->optims[k].optim);
    p->entries = calloc((size_t)(ck->n_tensors + n_state + 1), sizeof *p->entries);
    p->owned_names = calloc((size_t)(n_state + 1), sizeof *p->owned_names);
    if (!p->entries || !p->owned_names)
        return vx_fail(VX_ERR_OOM, "%s: out of memory for the checkpoint plan", path);
    for (int i = 0; i < ck->n_tensors; i++) {
        vx_st_write_entry *w = &p->entries[p->n++];
        w->name = ck->tensors[i]->name;
        w->dtype = ck->tensors[i]->dtype;
        w->data = ck->tensors[i]->data;
        entry_shape(w, ck->tensors[i]);
    }
    for (int k = 0; k < ck->n_optims; k++) {
        vx_optim *o = ck->optims[k].optim;
        for (int i = 0; i < vx_optim_entry_count(o); i++) {
            const vx_optim_entry *e = vx_optim_entry_at(o, i);
            const float *slots[2] = {e->m, e->v};
            static const char *const slot_names[2] = {"m", "v"};
            for (int s = 0; s < 2; s++) {
                if (!slots[s])
                    continue;
                char *name = state_name(ck->optims[k].name, e->param->name, slot_names[s]);
                if (!name)
                    return vx_fail(VX_ERR_OOM, "%s: out of memory", path);
                p->owned_names[p->n_owned++] = name;
                vx_st_write_entry *w = &p->entries[p->n++];
                w->name = name;
                w->dtype = VX_F32;
                w->data = slots[s];
                entry_shape(w, e->param);
            }
        }
    }
    bool ok = add_meta(p, "format", strdup(CKPT_FORMAT)) &&
              add_meta(p, "step", fmt_u64((uint64_t)ck->step));
    if (ok && ck->rng)
        ok = add_meta(p, "rng_seed", fmt_u64(ck->rng->seed)) &&
             add_meta(p, "rng_counter", fmt_u64(ck->rng->counter));
    if (ok && ck->config)
        ok = add_meta(p, "config", strdup(ck->config));
    for (int k = 0; ok && k < ck->n_optims; k++)
        ok = add_meta(p, optim_keys[k], optim_meta(ck->optims[k].optim));
    return ok ? VX_OK : vx_fail(VX_ERR_OOM, "%s: out of memory for the checkpoint metadata", path);
}

vx_status vx_ckpt_save(const char *path, const vx_ckpt *ck)
{
    if (!path)
        return vx_fail(VX_ERR_ARG, "checkpoint: the path is NULL");
    vx_status st = check_ckpt(path, ck);
    if (st != VX_OK)
        return st;
    if (ck->n_optims > 64)
        return vx_fail(VX_ERR_ARG, "%s: at most 64 optimisers per checkpoint (got %d)", path,
                       ck->n_optims);
    if (ck->step < 0)
        return vx_fail(VX_ERR_ARG, "%s: the step is negative (%lld)", path, (long long)ck->step);
    char *optim_keys[64] = {0};
    save_plan plan = {0};
    for (int k = 0; k < ck->n_optims && st == VX_OK; k++)
        if (!(optim_keys[k] = optim_key(ck->optims[k].name)))
            st = vx_fail(VX_ERR_OOM, "%s: out of memory", path);
    if (st == VX_OK)
        st = build_plan(path, ck, &plan, optim_keys);
    if (st == VX_OK)
        st = vx_st_write(path, plan.n, plan.entries, plan.n_meta, plan.keys,
                         (const char *const *)plan.values);
    plan_free(&plan);
    for (int k = 0; k < ck->n_optims; k++)
        free(optim_keys[k]);
    return st;
}

/* --- load ----------------------------------------------------------------------- */

/* The file's entry for `name`, checked against t's dtype and shape. */
static const vx_st_entry *matching_entry(const vx_st_file *f, const char *name, vx_dtype dt,
                                         const vx_tensor *like, vx_status *st)
{
    const vx_st_entry *e = vx_st_find(f, name);
    if (!e) {
        *st = vx_fail(VX_ERR_FORMAT, "%s: the checkpoint has no tensor '%s' (was it written by "
                      "another model or configuration?)", vx_st_name(f), name);
        return NULL;
    }
    bool same = e->dtype == dt && e->ndim == like->ndim;
    for (int d = 0; same && d < like->ndim; d++)
        same = e->shape[d] == like->shape[d];
    if (!same) {
        char want[64];
        *st = vx_fail(VX_ERR_FORMAT, "%s: tensor '%s' is %s with %d dims in the checkpoint but the "
                      "model expects %s %s", vx_st_name(f), name, vx_dtype_name(e->dtype), e->ndim,
                      vx_dtype_name(dt), vx_shape_str(like, want, sizeof want));
        return NULL;
    }
    return e;
}

static vx_status parse_u64(const vx_st_file *f, const char *key, uint64_t *out)
{
    const char *s = vx_st_metadata(f, key);
    if (!s)
        return vx_fail(VX_ERR_FORMAT, "%s: the checkpoint metadata has no \"%s\"", vx_st_name(f), key);
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || *s == '-')
        return vx_fail(VX_ERR_FORMAT, "%s: metadata \"%s\" is \"%s\", not a decimal integer",
                       vx_st_name(f), key, s);
    *out = v;
    return VX_OK;
}

/* Parsed "optim/<opt>" metadata of each optimiser, checked against it. */
static vx_status load_optim_meta(const vx_st_file *f, const vx_ckpt_optim *co, vx_json **out)
{
    char *key = optim_key(co->name);
    if (!key)
        return vx_fail(VX_ERR_OOM, "%s: out of memory", vx_st_name(f));
    const char *text = vx_st_metadata(f, key);
    vx_json *j = text ? vx_json_parse(text, strlen(text), key) : NULL;
    if (!j) {
        free(key);
        if (!text)
            return vx_fail(VX_ERR_FORMAT, "%s: the checkpoint has no state for optimiser '%s'",
                           vx_st_name(f), co->name);
        return vx_last_status();
    }
    const char *kind = vx_json_get_string(j, "kind", "");
    const char *want = kind_name(vx_optim_config(co->optim)->kind);
    const vx_json *steps = vx_json_get(j, "steps"), *ps = vx_json_get(j, "param_steps");
    vx_status st = VX_OK;
    if (strcmp(kind, want) != 0)
        st = vx_fail(VX_ERR_FORMAT, "%s: optimiser '%s' was %s in the checkpoint but is %s now",
                     vx_st_name(f), co->name, kind, want);
    else if (!steps || !steps->is_integer || steps->integer < 0 || !ps || ps->type != VX_JSON_OBJECT)
        st = vx_fail(VX_ERR_FORMAT, "%s: \"%s\" lacks a step count or param_steps object",
                     vx_st_name(f), key);
    for (int i = 0; st == VX_OK && i < vx_optim_entry_count(co->optim); i++) {
        const char *name = vx_optim_entry_at(co->optim, i)->param->name;
        const vx_json *k = vx_json_get(ps, name);
        if (!k || !k->is_integer || k->integer < 0)
            st = vx_fail(VX_ERR_FORMAT, "%s: \"%s\" has no step count for parameter '%s'",
                         vx_st_name(f), key, name);
    }
    free(key);
    if (st != VX_OK) {
        vx_json_free(j);
        return st;
    }
    *out = j;
    return VX_OK;
}

/* Check (copy == false) or copy (copy == true) every optimiser slot. */
static vx_status optim_slots(const vx_st_file *f, const vx_ckpt_optim *co, bool copy)
{
    vx_status st = VX_OK;
    for (int i = 0; st == VX_OK && i < vx_optim_entry_count(co->optim); i++) {
        vx_optim_entry *e = vx_optim_entry_at(co->optim, i);
        float *slots[2] = {e->m, e->v};
        static const char *const slot_names[2] = {"m", "v"};
        for (int s = 0; s < 2 && st == VX_OK; s++) {
            if (!slots[s])
                continue;
            char *name = state_name(co->name, e->param->name, slot_names[s]);
            if (!name)
                return vx_fail(VX_ERR_OOM, "%s: out of memory", vx_st_name(f));
            const vx_st_entry *se = matching_entry(f, name, VX_F32, e->param, &st);
            if (se && copy)
                memcpy(slots[s], se->data, se->nbytes);
            free(name);
        }
    }
    return st;
}

static vx_status check_tensors(const vx_st_file *f, vx_tensor *const *tensors, int n)
{
    vx_status st = VX_OK;
    for (int i = 0; i < n && st == VX_OK; i++)
        matching_entry(f, tensors[i]->name, tensors[i]->dtype, tensors[i], &st);
    return st;
}

static void copy_tensors(const vx_st_file *f, vx_tensor *const *tensors, int n)
{
    for (int i = 0; i < n; i++) {
        const vx_st_entry *e = vx_st_find(f, tensors[i]->name);
        memcpy(tensors[i]->data, e->data, e->nbytes);
    }
}

vx_status vx_ckpt_load(const char *path, vx_ckpt *ck, char **config)
{
    if (!path)
        return vx_fail(VX_ERR_ARG, "checkpoint: the path is NULL");
    vx_status st = check_ckpt(path, ck);
    if (st != VX_OK)
        return st;
    vx_st_file *f = vx_st_open(path);
    if (!f)
        return vx_last_status();
    vx_json **metas = calloc((size_t)ck->n_optims + 1, sizeof *metas);
    uint64_t step = 0, seed = 0, counter = 0;
    const char *format = vx_st_metadata(f, "format");
    if (!metas)
        st = vx_fail(VX_ERR_OOM, "%s: out of memory", path);
    else if (!format || strcmp(format, CKPT_FORMAT) != 0)
        st = vx_fail(VX_ERR_FORMAT, "%s: not a voxc checkpoint (metadata \"format\" is %s%s%s)", path,
                     format ? "\"" : "", format ? format : "missing", format ? "\"" : "");
    if (st == VX_OK)
        st = parse_u64(f, "step", &step);
    if (st == VX_OK && ck->rng) {
        st = parse_u64(f, "rng_seed", &seed);
        if (st == VX_OK)
            st = parse_u64(f, "rng_counter", &counter);
    }
    if (st == VX_OK && step > INT64_MAX)
        st = vx_fail(VX_ERR_FORMAT, "%s: step %" PRIu64 " is out of range", path, step);
    if (st == VX_OK)
        st = check_tensors(f, ck->tensors, ck->n_tensors);
    for (int k = 0; k < ck->n_optims && st == VX_OK; k++) {
        st = load_optim_meta(f, &ck->optims[k], &metas[k]);
        if (st == VX_OK)
            st = optim_slots(f, &ck->optims[k], false);
    }
    char *cfg_copy = NULL;
    const char *cfg_text = vx_st_metadata(f, "config");
    if (st == VX_OK && config && cfg_text && !(cfg_copy = strdup(cfg_text)))
        st = vx_fail(VX_ERR_OOM, "%s: out of memory", path);
    if (st == VX_OK) { /* everything checked: now change the caller's state */
        copy_tensors(f, ck->tensors, ck->n_tensors);
        for (int k = 0; k < ck->n_optims; k++) {
            vx_optim *o = ck->optims[k].optim;
            optim_slots(f, &ck->optims[k], true);
            const vx_json *ps = vx_json_get(metas[k], "param_steps");
            for (int i = 0; i < vx_optim_entry_count(o); i++) {
                vx_optim_entry *e = vx_optim_entry_at(o, i);
                e->steps = vx_json_get(ps, e->param->name)->integer;
            }
            vx_optim_set_steps(o, vx_json_get(metas[k], "steps")->integer);
        }
        ck->step = (int64_t)step;
        if (ck->rng) {
            ck->rng->seed = seed;
            ck->rng->counter = counter;
        }
        if (config)
            *config = cfg_copy;
    }
    for (int k = 0; metas && k < ck->n_optims; k++)
        vx_json_free(metas[k]);
    free(metas);
    vx_st_close(f);
    return st;
}

vx_status vx_ckpt_load_tensors(const char *path, vx_tensor *const *tensors, int n)
{
    vx_ckpt ck = {.tensors = tensors, .n_tensors = n};
    vx_status st = check_ckpt(path ? path : "(null)", &ck);
    if (st != VX_OK)
        return st;
    if (!path)
        return vx_fail(VX_ERR_ARG, "checkpoint: the path is NULL");
    vx_st_file *f = vx_st_open(path);
    if (!f)
        return vx_last_status();
    st = check_tensors(f, tensors, n);
    if (st == VX_OK)
        copy_tensors(f, tensors, n);
    vx_st_close(f);
    return st;
}

/* --- run folders ------------------------------------------------------------------ */

/* Step number of a "ckpt-<digits>.safetensors" name, or −1. */
static int64_t ckpt_step_of(const char *name)
{
    size_t np = strlen(CKPT_PREFIX), ns = strlen(CKPT_SUFFIX), n = strlen(name);
    if (n <= np + ns || strncmp(name, CKPT_PREFIX, np) != 0 || strcmp(name + n - ns, CKPT_SUFFIX) != 0)
        return -1;
    int64_t step = 0;
    for (size_t i = np; i < n - ns; i++) {
        if (name[i] < '0' || name[i] > '9' || step > (INT64_MAX - 9) / 10)
            return -1;
        step = step * 10 + (name[i] - '0');
    }
    return step;
}

typedef struct ckpt_file {
    int64_t step;
    char name[256];
} ckpt_file;

static int by_step_desc(const void *a, const void *b)
{
    int64_t x = ((const ckpt_file *)a)->step, y = ((const ckpt_file *)b)->step;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* Delete checkpoints other than `keep_name` beyond the keep − 1 newest. */
static vx_status prune(const char *run_dir, const char *keep_name, int keep)
{
    DIR *d = opendir(run_dir);
    if (!d)
        return vx_fail(VX_ERR_IO, "%s: cannot list the run folder: %s", run_dir, strerror(errno));
    ckpt_file *files = NULL;
    size_t n = 0, cap = 0;
    for (struct dirent *de; (de = readdir(d));) {
        int64_t s = ckpt_step_of(de->d_name);
        if (s < 0 || strcmp(de->d_name, keep_name) == 0 || strlen(de->d_name) >= sizeof files->name)
            continue;
        if (n == cap) {
            ckpt_file *grown = realloc(files, (cap = cap ? 2 * cap : 16) * sizeof *files);
            if (!grown) {
                free(files);
                closedir(d);
                return vx_fail(VX_ERR_OOM, "%s: out of memory listing checkpoints", run_dir);
            }
            files = grown;
        }
        files[n].step = s;
        snprintf(files[n++].name, sizeof files->name, "%s", de->d_name);
    }
    closedir(d);
    if (n > 1)
        qsort(files, n, sizeof *files, by_step_desc);
    vx_status st = VX_OK;
    for (size_t i = (size_t)(keep - 1); i < n; i++) {
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", run_dir, files[i].name);
        if (unlink(path) != 0 && errno != ENOENT && st == VX_OK)
            st = vx_fail(VX_ERR_IO, "%s: cannot delete the old checkpoint: %s", path, strerror(errno));
    }
    free(files);
    return st;
}

vx_status vx_ckpt_save_in_run(const char *run_dir, const vx_ckpt *ck, int keep_last, char *written,
                              size_t written_size)
{
    if (!run_dir || !ck)
        return vx_fail(VX_ERR_ARG, "checkpoint: save_in_run needs a run folder and a checkpoint");
    if (strlen(run_dir) > 4000)
        return vx_fail(VX_ERR_ARG, "checkpoint: the run folder path is too long");
    if (mkdir(run_dir, 0777) != 0 && errno != EEXIST)
        return vx_fail(VX_ERR_IO, "%s: cannot create the run folder: %s", run_dir, strerror(errno));
    char name[64], path[4200], latest[4200];
    snprintf(name, sizeof name, CKPT_PREFIX "%06" PRId64 CKPT_SUFFIX, ck->step);
    snprintf(path, sizeof path, "%s/%s", run_dir, name);
    snprintf(latest, sizeof latest, "%s/latest", run_dir);
    vx_status st = vx_ckpt_save(path, ck);
    if (st == VX_OK) {
        char line[80];
        snprintf(line, sizeof line, "%s\n", name);
        st = vx_write_file_atomic(latest, line, strlen(line));
    }
    if (st == VX_OK && keep_last > 0)
        st = prune(run_dir, name, keep_last);
    if (st == VX_OK && written)
        snprintf(written, written_size, "%s", path);
    return st;
}

vx_status vx_ckpt_latest(const char *run_dir, char *buf, size_t bufsize)
{
    if (!run_dir || !buf || bufsize == 0)
        return vx_fail(VX_ERR_ARG, "checkpoint: latest needs a run folder and a buffer");
    char latest[4200], name[256] = "";
    snprintf(latest, sizeof latest, "%s/latest", run_dir);
    FILE *f = fopen(latest, "r");
    if (!f)
        return vx_fail(VX_ERR_IO, "%s: no checkpoint to resume from (%s)", latest, strerror(errno));
    bool got = fgets(name, sizeof name, f) != NULL;
    fclose(f);
    name[strcspn(name, "\r\n")] = '\0';
    if (!got || ckpt_step_of(name) < 0)
        return vx_fail(VX_ERR_FORMAT, "%s: expected one line \"ckpt-<step>.safetensors\", got \"%s\"",
                       latest, name);
    int n = snprintf(buf, bufsize, "%s/%s", run_dir, name);
    if (n < 0 || (size_t)n >= bufsize)
        return vx_fail(VX_ERR_ARG, "checkpoint: the buffer is too small for the latest path");
    if (access(buf, R_OK) != 0)
        return vx_fail(VX_ERR_IO, "%s: names %s, which cannot be read (%s)", latest, buf,
                       strerror(errno));
    return VX_OK;
}
