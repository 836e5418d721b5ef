/* threads.h — a persistent pthread pool and a static parallel-for.
 *
 * Work [0, n) is cut into one contiguous chunk per thread (chunk sizes are a
 * multiple of `grain`), so which thread computes which element depends only on
 * n and the thread count — never on timing. Kernels that keep each element's
 * arithmetic independent of the split give the same bits for any count.
 * With one thread, or work smaller than two grains, the function runs inline:
 * single-thread runs pay no threading cost. A parallel_for issued from inside
 * a worker runs inline too (no nested pools). Calls from several application
 * threads are serialised. */
#ifndef VX_THREADS_H
#define VX_THREADS_H

#include <stdint.h>

/* fn processes [begin, end) on worker `tid` (0 = the calling thread). */
typedef void (*vx_range_fn)(void *arg, int64_t begin, int64_t end, int tid);

/* Thread count in use: vx_threads_set's value, else $VOXC_THREADS, else the
 * number of online CPUs (capped at VX_MAX_THREADS). */
int vx_threads_get(void);

/* Set the count (1..VX_MAX_THREADS); 0 returns to the default. Not to be
 * called while a parallel_for runs. */
void vx_threads_set(int n);

#define VX_MAX_THREADS 64

void vx_parallel_for(int64_t n, int64_t grain, vx_range_fn fn, void *arg);

#endif
