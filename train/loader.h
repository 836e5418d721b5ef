/* loader.h — a thread that makes the next batches while the training step
 * computes.
 *
 * The loader calls a sampler's fill function (batch.h) for k = first,
 * first + 1, ... on its own thread into a ring of `depth` batch slots (a
 * bounded queue: it waits when every slot is full). The training loop takes
 * batches in order with vx_loader_next and hands each back with
 * vx_loader_release once the step no longer reads it. Because a sampler's
 * batch k depends on k alone, the batches are bit-identical to calling the
 * fill function in the loop (tests check it).
 *
 * A fill that fails stops the thread; vx_loader_next then returns its status
 * with its message. vx_loader_stop wakes the thread, waits for it (a fill in
 * progress finishes first) and frees the slots. SIGINT and SIGTERM are
 * blocked on the loader thread, so they reach the training thread. */
#ifndef VX_TRAIN_LOADER_H
#define VX_TRAIN_LOADER_H

#include <stdint.h>

#include "core/status.h"
#include "train/batch.h"

typedef struct vx_loader vx_loader;

/* Start producing batches first, first + 1, ... with fill(sampler, k, ·).
 * The sampler must not be used elsewhere until vx_loader_stop. depth ≥ 1
 * (2 lets one batch wait while the next is made). NULL + error on failure. */
vx_loader *vx_loader_start(vx_batch_fill_fn fill, void *sampler, int64_t first, int depth);

/* The next batch in order, waiting until it is ready. Fails with the fill's
 * status and message when making it failed, and with VX_ERR_ARG when `depth`
 * batches are already out (release one first). */
vx_status vx_loader_next(vx_loader *ld, vx_batch **out);

/* Give a batch from vx_loader_next back for reuse. */
void vx_loader_release(vx_loader *ld, vx_batch *b);

/* Stop the thread and free the loader (NULL is fine). Batches not released
 * are invalid afterwards. */
void vx_loader_stop(vx_loader *ld);

#endif
