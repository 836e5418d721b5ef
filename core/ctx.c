/* ctx.c — context life cycle, the arena and persistent allocators. */
#include "ctx_internal.h"
#include "dispatch.h"

#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 64
#define DEFAULT_CHUNK (64u << 20)

static size_t align_up(size_t n) { return (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1); }
static size_t chunk_header(void) { return align_up(sizeof(arena_chunk)); }

vx_ctx *vx_ctx_new(vx_ctx_opts opts)
{
    vx_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return vx_fail_null(VX_ERR_OOM, "vx_ctx_new: out of memory for the context");
    if (!opts.arena_chunk_bytes)
        opts.arena_chunk_bytes = DEFAULT_CHUNK;
    ctx->opts = opts;
    ctx->grad_enabled = true;
    vx_rng_init(&ctx->rng, opts.seed);
    return ctx;
}

void vx_ctx_free(vx_ctx *ctx)
{
    if (!ctx)
        return;
    for (arena_chunk *c = ctx->chunks, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    for (persistent_block *p = ctx->persistent, *next; p; p = next) {
        next = p->next;
        free(p);
    }
    for (int list = 0; list < 2; list++)
        for (device_chunk *c = list ? ctx->device_persistent : ctx->device_chunks, *next; c; c = next) {
            next = c->next;
            ctx->device->release(c->buf);
            free(c);
        }
    free(ctx->tape);
    free(ctx);
}

void vx_ctx_reset(vx_ctx *ctx)
{
    for (arena_chunk *c = ctx->chunks; c; c = c->next)
        c->used = 0;
    ctx->current = ctx->chunks;
    ctx->arena_used = 0;
    ctx->tape_len = 0;
    for (device_chunk *c = ctx->device_chunks; c; c = c->next)
        c->used = 0;
    ctx->device_current = ctx->device_chunks;
    ctx->device_used = 0;
}

bool vx_set_grad_enabled(vx_ctx *ctx, bool on)
{
    bool old = ctx->grad_enabled;
    ctx->grad_enabled = on;
    return old;
}
bool vx_grad_enabled(const vx_ctx *ctx) { return ctx->grad_enabled; }

bool vx_set_training(vx_ctx *ctx, bool on)
{
    bool old = ctx->training;
    ctx->training = on;
    return old;
}
bool vx_training(const vx_ctx *ctx) { return ctx->training; }

bool vx_set_reference(vx_ctx *ctx, bool on)
{
    bool old = ctx->reference;
    ctx->reference = on;
    return old;
}
bool vx_reference(const vx_ctx *ctx) { return ctx->reference; }

vx_rng *vx_ctx_rng(vx_ctx *ctx) { return &ctx->rng; }
size_t vx_arena_used(const vx_ctx *ctx) { return ctx->arena_used; }
size_t vx_arena_high_water(const vx_ctx *ctx) { return ctx->arena_high; }

/* First chunk from `c` on with room for `bytes`, or NULL. */
static arena_chunk *find_room(arena_chunk *c, size_t bytes)
{
    for (; c; c = c->next)
        if (c->size - c->used >= bytes)
            return c;
    return NULL;
}

void *vx_arena_alloc_uninit(vx_ctx *ctx, size_t bytes)
{
    bytes = align_up(bytes ? bytes : 1);
    if (ctx->opts.arena_limit_bytes && ctx->arena_used + bytes > ctx->opts.arena_limit_bytes)
        return vx_fail_null(VX_ERR_OOM,
                            "arena limit of %zu bytes reached (%zu in use, %zu requested); "
                            "raise arena_limit_bytes or process shorter inputs",
                            ctx->opts.arena_limit_bytes, ctx->arena_used, bytes);
    arena_chunk *c = find_room(ctx->current, bytes);
    if (!c) {
        size_t size = bytes > ctx->opts.arena_chunk_bytes ? bytes : ctx->opts.arena_chunk_bytes;
        c = aligned_alloc(ARENA_ALIGN, chunk_header() + size);
        if (!c)
            return vx_fail_null(VX_ERR_OOM, "arena: cannot allocate a chunk of %zu bytes", size);
        c->size = size;
        c->used = 0;
        c->next = NULL;
        /* append at the end so reset walks chunks in allocation order */
        arena_chunk **tail = &ctx->chunks;
        while (*tail)
            tail = &(*tail)->next;
        *tail = c;
    }
    ctx->current = c;
    void *p = (char *)c + chunk_header() + c->used;
    c->used += bytes;
    ctx->arena_used += bytes;
    if (ctx->arena_used > ctx->arena_high)
        ctx->arena_high = ctx->arena_used;
    return p;
}

void *vx_arena_alloc(vx_ctx *ctx, size_t bytes)
{
    void *p = vx_arena_alloc_uninit(ctx, bytes);
    if (p)
        memset(p, 0, align_up(bytes ? bytes : 1));
    return p;
}

vx_arena_point vx_arena_mark(const vx_ctx *ctx)
{
    return (vx_arena_point){ctx->current, ctx->current ? ctx->current->used : 0, ctx->arena_used,
                            ctx->tape_len, ctx->device_current,
                            ctx->device_current ? ctx->device_current->used : 0, ctx->device_used};
}

void vx_arena_release(vx_ctx *ctx, vx_arena_point m)
{
    arena_chunk *mark = m.chunk, *c = mark ? mark->next : ctx->chunks;
    if (mark)
        mark->used = m.chunk_used;
    for (; c; c = c->next) /* chunks filled after the mark */
        c->used = 0;
    ctx->current = mark ? mark : ctx->chunks;
    ctx->arena_used = m.arena_used;
    ctx->tape_len = m.tape_len;
    device_chunk *dmark = m.device_chunk, *d = dmark ? dmark->next : ctx->device_chunks;
    if (dmark)
        dmark->used = m.device_chunk_used;
    for (; d; d = d->next)
        d->used = 0;
    ctx->device_current = dmark ? dmark : ctx->device_chunks;
    ctx->device_used = m.device_used;
}

void *vx_persistent_alloc(vx_ctx *ctx, size_t bytes)
{
    size_t header = align_up(sizeof(persistent_block));
    persistent_block *b = aligned_alloc(ARENA_ALIGN, header + align_up(bytes ? bytes : 1));
    if (!b)
        return vx_fail_null(VX_ERR_OOM, "cannot allocate %zu bytes of persistent memory", bytes);
    b->next = ctx->persistent;
    ctx->persistent = b;
    void *p = (char *)b + header;
    memset(p, 0, align_up(bytes ? bytes : 1));
    return p;
}

/* --- device memory ------------------------------------------------------------ */

#define DEVICE_ALIGN 256
#define DEVICE_MIN_CHUNK (16u << 20) /* fewer, larger device buffers than host chunks */

vx_status vx_ctx_set_device(vx_ctx *ctx, const vx_device *dev)
{
    if (ctx->device != dev && (ctx->device_chunks || ctx->device_persistent))
        return vx_fail(VX_ERR_ARG, "context: it holds %s memory already; use a new context for %s",
                       ctx->device->name, dev ? dev->name : "the host");
    ctx->device = dev;
    return VX_OK;
}

const vx_device *vx_ctx_device(const vx_ctx *ctx) { return ctx->device; }
size_t vx_device_arena_used(const vx_ctx *ctx) { return ctx->device_used; }
size_t vx_device_arena_high_water(const vx_ctx *ctx) { return ctx->device_high; }

static device_chunk *new_device_chunk(vx_ctx *ctx, size_t size)
{
    if (!ctx->device)
        return vx_fail_null(VX_ERR_ARG, "context: no device set for device memory (vx_ctx_use_backend)");
    device_chunk *c = calloc(1, sizeof *c);
    if (!c)
        return vx_fail_null(VX_ERR_OOM, "context: out of memory for a device chunk record");
    if (!(c->buf = ctx->device->alloc(ctx->device, size))) {
        free(c);
        return NULL;
    }
    c->size = size;
    return c;
}

void *vx_device_arena_alloc(vx_ctx *ctx, size_t bytes, size_t *offset)
{
    bytes = (bytes + DEVICE_ALIGN - 1) / DEVICE_ALIGN * DEVICE_ALIGN;
    bytes = bytes ? bytes : DEVICE_ALIGN;
    /* bump from the chunk being filled on, as the host arena, so a mark is one position */
    device_chunk *c = ctx->device_current ? ctx->device_current : ctx->device_chunks;
    while (c && c->size - c->used < bytes)
        c = c->next;
    if (!c) {
        size_t size = ctx->opts.arena_chunk_bytes > DEVICE_MIN_CHUNK ? ctx->opts.arena_chunk_bytes : DEVICE_MIN_CHUNK;
        if (!(c = new_device_chunk(ctx, bytes > size ? bytes : size)))
            return NULL;
        device_chunk **tail = &ctx->device_chunks; /* appended: reset walks them in order */
        while (*tail)
            tail = &(*tail)->next;
        *tail = c;
    }
    ctx->device_current = c;
    *offset = c->used;
    c->used += bytes;
    ctx->device_used += bytes;
    if (ctx->device_used > ctx->device_high)
        ctx->device_high = ctx->device_used;
    return c->buf;
}

void *vx_device_persistent_alloc(vx_ctx *ctx, size_t bytes)
{
    device_chunk *c = new_device_chunk(ctx, bytes ? bytes : 1);
    if (!c)
        return NULL;
    c->used = c->size;
    c->next = ctx->device_persistent;
    ctx->device_persistent = c;
    return c->buf;
}
