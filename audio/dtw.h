/* dtw.h — dynamic time warping between two feature sequences, the alignment
 * step of the evaluation metrics (audio/mcd.h, audio/f0_metrics.h).
 *
 * Sequences are time-major: a [ta, dims], b [tb, dims]. The local cost of a
 * frame pair is the Euclidean distance
 *     d(i, j) = sqrt(sum_k (a[i, k] - b[j, k])^2).
 * Step pattern: symmetric and unweighted (dtw-python's "symmetric1"): steps
 * (1, 1), (1, 0) and (0, 1), each adding the cost of the cell it enters:
 *     D(0, 0) = d(0, 0)
 *     D(i, j) = d(i, j) + min(D(i-1, j-1), D(i-1, j), D(i, j-1))
 * The path runs from (0, 0) to (ta-1, tb-1) with no slope or band limit; its
 * length lies in [max(ta, tb), ta + tb - 1]. Exact ties are broken in the
 * order diagonal, then (i-1, j), then (i, j-1), so the path is reproducible.
 * total_cost = D(ta-1, tb-1) (the sum of d over the path) and
 * mean_cost = total_cost / path length. Swapping a and b gives the same
 * total cost (the path transposed, up to ties).
 * Arithmetic is in double. Memory: two rows of doubles for D plus one byte
 * of back-pointer per cell, so ta * tb may not exceed VX_DTW_MAX_CELLS
 * (16 MiB of back-pointers; e.g. 4096 x 4096 frames, 47 s x 47 s at
 * hop 256 / 22050 Hz); larger pairs fail with VX_ERR_ARG before allocating. */
#ifndef VX_AUDIO_DTW_H
#define VX_AUDIO_DTW_H

#include <stdint.h>

#include "core/status.h"

#define VX_DTW_MAX_CELLS ((int64_t)1 << 24)

typedef struct vx_dtw_path {
    int32_t *ia;       /* [len] frame index into a, non-decreasing          */
    int32_t *ib;       /* [len] frame index into b, non-decreasing          */
    int64_t len;
    double total_cost; /* sum of local costs along the path                 */
    double mean_cost;  /* total_cost / len                                  */
} vx_dtw_path;

/* Align a [ta, dims] with b [tb, dims] into *out (malloc'd index arrays; free
 * with vx_dtw_path_free). Fails (VX_ERR_ARG) on an empty sequence, dims < 1,
 * a non-finite value, or ta * tb > VX_DTW_MAX_CELLS; VX_ERR_OOM on no memory.
 * On failure *out is zeroed. */
vx_status vx_dtw(const float *a, int64_t ta, const float *b, int64_t tb, int dims,
                 vx_dtw_path *out);

/* Free the index arrays and zero the struct (safe on a zeroed struct). */
void vx_dtw_path_free(vx_dtw_path *p);

#endif
