/* backend.c — the backend registry and dispatch with CPU fallback. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/backend.h"
#include "hw/backends.h"

static const char *const backend_names[] = {"cpu", "opencl", "cuda", NULL};

const char *const *vx_backend_names(void) { return backend_names; }

const vx_backend *vx_backend_get(const char *name)
{
    if (!name)
        return vx_fail_null(VX_ERR_ARG, "backend: no name given (cpu, opencl, cuda)");
    if (!strcmp(name, "cpu"))
        return &vx_backend_cpu;
    if (!strcmp(name, "opencl"))
        return &vx_backend_opencl;
    if (!strcmp(name, "cuda"))
        return &vx_backend_cuda;
    return vx_fail_null(VX_ERR_ARG, "backend: unknown name '%s' (cpu, opencl, cuda)", name);
}

const vx_backend *vx_backend_start(const char *name)
{
    const vx_backend *be = vx_backend_get(name);
    if (!be || be->init() != VX_OK)
        return NULL;
    return be;
}

/* --- dispatch with fallback --------------------------------------------------- */

static pthread_mutex_t fallback_lock = PTHREAD_MUTEX_INITIALIZER;
static bool strict_mode;
static int64_t fallback_count;
/* warned[backend index][op]: the warning is printed once per pair */
static bool warned[4][VX_OP_COUNT];

bool vx_backend_set_strict(bool strict)
{
    pthread_mutex_lock(&fallback_lock);
    bool old = strict_mode;
    strict_mode = strict;
    pthread_mutex_unlock(&fallback_lock);
    return old;
}

int64_t vx_backend_fallback_count(void)
{
    pthread_mutex_lock(&fallback_lock);
    int64_t n = fallback_count;
    pthread_mutex_unlock(&fallback_lock);
    return n;
}

static int backend_index(const vx_backend *be)
{
    for (int i = 0; backend_names[i]; i++)
        if (!strcmp(backend_names[i], be->name))
            return i;
    return 3;
}

static void free_host_copies(const vx_backend *cpu, vx_op_desc *h)
{
    for (int i = 0; i < h->n_in; i++)
        cpu->free(h->in[i].buf);
    cpu->free(h->out.buf);
}

/* The op on the cpu backend over host copies of the inputs; the output is
 * uploaded to d->out. */
static vx_status run_on_cpu(const vx_backend *be, const vx_op_desc *d)
{
    const vx_backend *cpu = &vx_backend_cpu;
    vx_status st = cpu->init();
    if (st)
        return st;
    vx_op_desc h = *d;
    for (int i = 0; i < h.n_in; i++)
        h.in[i].buf = NULL;
    h.out.buf = NULL;
    for (int i = 0; i < d->n_in && st == VX_OK; i++) {
        if (!d->in[i].buf)
            continue;
        size_t bytes = vx_operand_bytes(&d->in[i]);
        h.in[i].offset = 0;
        h.in[i].buf = cpu->alloc(bytes);
        st = h.in[i].buf ? be->download(d->in[i].buf, d->in[i].offset, h.in[i].buf->handle, bytes)
                         : vx_last_status();
    }
    size_t out_bytes = vx_operand_bytes(&d->out);
    if (st == VX_OK) {
        h.out.offset = 0;
        h.out.buf = cpu->alloc(out_bytes);
        st = h.out.buf ? cpu->run(&h) : vx_last_status();
    }
    if (st == VX_OK)
        st = be->upload(d->out.buf, d->out.offset, h.out.buf->handle, out_bytes);
    free_host_copies(cpu, &h);
    return st;
}

vx_status vx_backend_dispatch(const vx_backend *be, const vx_op_desc *d)
{
    if (!be)
        return vx_fail(VX_ERR_ARG, "backend dispatch: no backend");
    vx_status st = vx_op_desc_check(d);
    if (st)
        return st;
    if (be->supports(d))
        return be->run(d);
    const char *op = vx_op_table[d->op].name;
    pthread_mutex_lock(&fallback_lock);
    bool strict = strict_mode, first = !warned[backend_index(be)][d->op];
    if (!strict) {
        warned[backend_index(be)][d->op] = true;
        fallback_count++;
    }
    pthread_mutex_unlock(&fallback_lock);
    if (strict)
        return vx_fail(VX_ERR_UNSUPPORTED,
                       "%s: backend %s does not support this op (%s); run without --strict to fall "
                       "back to the cpu", op, be->name, vx_dtype_name(d->in[0].dtype));
    if (first)
        fprintf(stderr, "voxc: warning: %s has no %s kernel for this case; running it on the cpu "
                        "(copies in and out; --strict makes this an error)\n", op, be->name);
    return run_on_cpu(be, d);
}
