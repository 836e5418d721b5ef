/* ctx.h — the execution context: memory, autograd tape, RNG, grad mode.
 *
 * Memory has two lifetimes:
 *  - persistent: parameters, their gradients, optimiser state. Lives until
 *    vx_ctx_free (or vx_persistent_free).
 *  - arena: activations, the autograd tape and activation gradients. A bump
 *    allocator in large chunks; vx_ctx_reset drops it all at once (per step or
 *    per utterance) and keeps the chunks for reuse, so steady state does no
 *    malloc. An optional byte limit turns runaway growth into VX_ERR_OOM. */
#ifndef VX_CTX_H
#define VX_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rng.h"
#include "status.h"

typedef struct vx_ctx vx_ctx;
typedef struct vx_device vx_device; /* core/dispatch.h */

typedef struct vx_ctx_opts {
    size_t arena_chunk_bytes; /* size of each arena chunk (0: 64 MiB)          */
    size_t arena_limit_bytes; /* cap on arena bytes in use (0: no cap)          */
    uint64_t seed;            /* RNG seed for dropout, randn, rand             */
} vx_ctx_opts;

vx_ctx *vx_ctx_new(vx_ctx_opts opts);   /* NULL with error set on failure      */
void vx_ctx_free(vx_ctx *ctx);

/* Drop every arena allocation (activations, tape, activation grads). */
void vx_ctx_reset(vx_ctx *ctx);

/* Grad mode: when off, ops record nothing on the tape. Returns the old mode. */
bool vx_set_grad_enabled(vx_ctx *ctx, bool on);
bool vx_grad_enabled(const vx_ctx *ctx);

/* Training mode (dropout active). Returns the old mode. Default: off. */
bool vx_set_training(vx_ctx *ctx, bool on);
bool vx_training(const vx_ctx *ctx);

/* Reference mode: ops use their scalar reference kernels (the oracle every
 * fast path is tested against) instead of SIMD/GEMM fast paths. Returns the
 * old mode. Default: off. */
bool vx_set_reference(vx_ctx *ctx, bool on);
bool vx_reference(const vx_ctx *ctx);

/* 64-byte-aligned, zero-filled arena memory; NULL with VX_ERR_OOM on failure. */
void *vx_arena_alloc(vx_ctx *ctx, size_t bytes);

/* The same without the zero fill, for buffers that are written in full
 * before they are read. */
void *vx_arena_alloc_uninit(vx_ctx *ctx, size_t bytes);

/* 64-byte-aligned, zero-filled persistent memory, freed with the context. */
void *vx_persistent_alloc(vx_ctx *ctx, size_t bytes);

/* A point in the arena to come back to. vx_arena_release(ctx, m) drops
 * everything allocated since vx_arena_mark(ctx) returned m (tape entries
 * and the device arena too) and keeps the memory for what comes next: for a part of an inference
 * whose intermediates are dead once its result is copied out. Tensors made
 * after the mark must not be used after the release. */
typedef struct vx_arena_point {
    void *chunk;              /* the chunk being filled at the mark (or NULL) */
    size_t chunk_used, arena_used;
    int tape_len;
    void *device_chunk;       /* the same for the device arena (core/dispatch.h) */
    size_t device_chunk_used, device_used;
} vx_arena_point;
vx_arena_point vx_arena_mark(const vx_ctx *ctx);
void vx_arena_release(vx_ctx *ctx, vx_arena_point m);

size_t vx_arena_used(const vx_ctx *ctx);       /* bytes handed out since reset */
size_t vx_arena_high_water(const vx_ctx *ctx); /* max of vx_arena_used ever    */

vx_rng *vx_ctx_rng(vx_ctx *ctx);

/* --- device memory (core/dispatch.h; hw/tensor_ops.h sets the device) ----- */

/* The device this context's device tensors live on; NULL (the default):
 * host only. Fails when the context already holds memory of another device. */
vx_status vx_ctx_set_device(vx_ctx *ctx, const vx_device *dev);
const vx_device *vx_ctx_device(const vx_ctx *ctx);

/* Device arena: `bytes` (256-byte aligned) inside a large device buffer (at
 * least 16 MiB, or arena_chunk_bytes when larger),
 * returned with the byte offset there; vx_ctx_reset drops it with the host
 * arena and keeps the buffers. NULL with the error set on failure. */
void *vx_device_arena_alloc(vx_ctx *ctx, size_t bytes, size_t *offset);

/* A device buffer of its own, freed with the context (weights). */
void *vx_device_persistent_alloc(vx_ctx *ctx, size_t bytes);

size_t vx_device_arena_used(const vx_ctx *ctx);       /* since the last reset */
size_t vx_device_arena_high_water(const vx_ctx *ctx);

#endif
