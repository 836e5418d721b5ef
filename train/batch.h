/* batch.h — training batches cut from the feature cache.
 *
 * Two samplers, both deterministic: batch k is a pure function of (the
 * clips, the seed, k), so a resumed run asks for batch k and gets exactly
 * what the uninterrupted run got, and a loader thread can make batches ahead.
 *
 * Random segments (vocoders, ref: jik876/hifi-gan meldataset.py): item j of
 * the stream (batch k holds items k·B .. k·B + B − 1) is clip perm_e[j mod n]
 * of epoch e = j div n, perm_e a Fisher–Yates shuffle of the n clips drawn
 * from the seed; its segment starts at a uniformly drawn mel frame s in
 * [0, T − F] (F = segment / hop) and takes frames s .. s + F − 1 and the
 * matching samples s·hop .. (s + F)·hop − 1. A clip shorter than F frames is
 * padded: silence for the audio, the log-mel of silence for the mel.
 *
 * Length buckets (whole utterances): clips sorted by length are cut into
 * batches of at most `max_batch` clips whose padded size (clips × longest)
 * stays within `max_frames` (0: no limit); each epoch visits every bucket
 * once, in an order shuffled from the seed (or in length order without
 * shuffling). Items are padded to the batch's longest clip.
 *
 * Random draws: position 2e of the counter stream keyed by the seed keys the
 * shuffle of epoch e, position 2j + 1 the start frame of item j. */
#ifndef VX_TRAIN_BATCH_H
#define VX_TRAIN_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "train/feature_cache.h"

typedef struct vx_batch {
    int64_t index;       /* the batch number k                              */
    int size;            /* B                                               */
    int n_mels;
    int hop;
    int64_t frames;      /* F: mel frames per item                          */
    int64_t samples;     /* F · hop                                         */
    float *mel;          /* [B, n_mels, F]                                  */
    float *audio;        /* [B, 1, F · hop]                                 */
    int64_t *lengths;    /* [B] frames taken from the clip (rest: padding)  */
    int *clips;          /* [B] index into the feature cache                */
    int64_t *starts;     /* [B] first clip frame taken                      */
    size_t mel_cap, audio_cap; /* allocated floats (buffers are reused)    */
    int items_cap;
} vx_batch;

/* Free the buffers and zero the batch. */
void vx_batch_free(vx_batch *b);

/* How a sampler makes batch k into `out` (buffers grown as needed). */
typedef vx_status (*vx_batch_fill_fn)(void *sampler, int64_t k, vx_batch *out);

/* --- random segments ------------------------------------------------------------------ */

typedef struct vx_segment_sampler vx_segment_sampler;

/* Segments of `segment` samples (a positive multiple of the cache's hop) from
 * the cache clips listed in `clips` [n_clips] (copied), `batch` per batch. */
vx_segment_sampler *vx_segment_sampler_new(const vx_feature_cache *cache, const int *clips,
                                           int n_clips, int batch, int segment, uint64_t seed);
void vx_segment_sampler_free(vx_segment_sampler *s);

/* vx_batch_fill_fn. A sampler is used by one thread at a time. */
vx_status vx_segment_fill(void *sampler, int64_t k, vx_batch *out);

/* Batches in one pass over the clips: max(1, n_clips / batch). */
int64_t vx_segment_batches_per_epoch(const vx_segment_sampler *s);

/* --- length buckets -------------------------------------------------------------------- */

typedef struct vx_bucket_sampler vx_bucket_sampler;

vx_bucket_sampler *vx_bucket_sampler_new(const vx_feature_cache *cache, const int *clips, int n_clips,
                                         int max_batch, int64_t max_frames, bool shuffle,
                                         uint64_t seed);
void vx_bucket_sampler_free(vx_bucket_sampler *s);

/* vx_batch_fill_fn. */
vx_status vx_bucket_fill(void *sampler, int64_t k, vx_batch *out);

/* Buckets (batches per epoch). */
int vx_bucket_count(const vx_bucket_sampler *s);

#endif
