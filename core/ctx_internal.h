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
};

#endif
