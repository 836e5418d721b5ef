/* ctx_internal.h — the context's fields, shared by ctx.c and autograd.c only. */
#ifndef VX_CTX_INTERNAL_H
#define VX_CTX_INTERNAL_H

#include "autograd.h"

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t size; /* usable bytes after the header */
    size_t used;
} arena_chunk;

typedef struct persistent_block {
    struct persistent_block *next;
} persistent_block;

/* A device buffer of the device arena (handed out front to back), or a
 * persistent device buffer (used == size). */
typedef struct device_chunk {
    struct device_chunk *next;
    void *buf;
    size_t size, used;
} device_chunk;

struct vx_ctx {
    vx_ctx_opts opts;
    arena_chunk *chunks;     /* chunk list; `current` is being filled        */
    arena_chunk *current;
    size_t arena_used;       /* bytes handed out since the last reset        */
    size_t arena_high;
    persistent_block *persistent;
    vx_node **tape;          /* malloc'ed array, kept across resets          */
    int tape_len, tape_cap;
    bool grad_enabled;
    bool training;
    bool reference;          /* scalar reference kernels only */
    vx_rng rng;
    const vx_device *device;     /* NULL: host only (core/dispatch.h)     */
    device_chunk *device_chunks; /* the device arena, in allocation order */
    device_chunk *device_current; /* being filled (NULL: none yet)        */
    device_chunk *device_persistent;
    size_t device_used, device_high;
};

#endif
