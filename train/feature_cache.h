/* feature_cache.h — the acoustic features of every clip of a corpus, computed
 * once and kept in safetensors shards under a cache folder.
 *
 * Per clip (audio read as mono and resampled to 22050 Hz):
 *   audio   [N]          f32 samples in [-1, 1]
 *   mel     [T, 80]      HiFi-GAN log-mel (audio/mel.h), T = N / 256
 *   f0      [T]          WORLD DIO + StoneMask, Hz, 0 = unvoiced (audio/pitch.h)
 *   energy  [T]          L2 norm of each STFT magnitude frame (audio/energy.h)
 *   phoneme_ids, durations [P] i32, when the corpus row gave them.
 *
 * Shards: clips are cut, in corpus order, into groups of `clips_per_shard`;
 * group s lives in DIR/shard-<s, 5 digits>.safetensors with tensors
 * "<k>/audio", "<k>/mel", ... for its k-th clip, and metadata
 *   "format"  "voxc-feature-cache-1"
 *   "recipe"  the feature parameters (a shard made with others is rebuilt)
 *   "clips"   [[id, stamp], ...] where stamp = "size=<bytes> mtime=<s.ns>
 *             phonemes=<hash>" of the source file and the row's phoneme columns
 *   "errors"  {id: message} for clips that could not be used.
 * A shard is reused when its format, recipe and clip list match the corpus
 * exactly, and rebuilt otherwise: changing, touching, adding or removing a
 * clip rebuilds only the shards it falls in (adding at the end: the last).
 * Shards past the corpus's last are deleted. Files are written atomically, so
 * an interrupted build leaves complete shards only.
 *
 * Clips whose audio cannot be decoded, is shorter than one FFT window (1024
 * samples), or whose durations add up to more than T frames go into the
 * report under their id (also when the shard is reused) and are left out.
 * Feature pointers point into the memory-mapped shards: valid until close. */
#ifndef VX_TRAIN_FEATURE_CACHE_H
#define VX_TRAIN_FEATURE_CACHE_H

#include <stdint.h>
#include <stdio.h>

#include "audio/mel.h"
#include "audio/pitch.h"
#include "core/status.h"
#include "train/dataset.h"

typedef struct vx_clip_features {
    int clip;                    /* index into the corpus's clips             */
    const char *id;
    int64_t n_samples;           /* N                                         */
    const float *audio;          /* [N]                                       */
    int64_t n_frames;            /* T = N / hop                               */
    const float *mel;            /* [T, n_mels]                               */
    const float *f0;             /* [T]                                       */
    const float *energy;         /* [T]                                       */
    int n_phonemes;              /* 0 when the corpus gave none               */
    const int32_t *phoneme_ids;  /* [n_phonemes] or NULL                      */
    const int32_t *durations;    /* [n_phonemes] or NULL                      */
} vx_clip_features;

typedef struct vx_cache_opts {
    const char *dir;             /* cache folder; created when missing        */
    int clips_per_shard;         /* 0: 64                                     */
    FILE *progress;              /* a line per shard built; NULL: quiet       */
} vx_cache_opts;

typedef struct vx_cache_stats {
    int shards;                  /* in use                                    */
    int built, reused;           /* shards (re)computed / taken as they were  */
    int clips;                   /* usable clips                              */
    int failed;                  /* clips reported and left out               */
} vx_cache_stats;

typedef struct vx_feature_cache vx_feature_cache;

/* Open (building what is missing or stale) the features of `ds`. Clip
 * problems go to `report` (may be NULL); `stats` may be NULL. NULL with the
 * error set when the folder or a shard cannot be written or read, or when no
 * clip is usable. */
vx_feature_cache *vx_feature_cache_open(const vx_dataset *ds, const vx_cache_opts *opts,
                                        vx_data_report *report, vx_cache_stats *stats);
void vx_feature_cache_close(vx_feature_cache *c);

/* Usable clips, in corpus order. */
int vx_feature_cache_count(const vx_feature_cache *c);
const vx_clip_features *vx_feature_cache_at(const vx_feature_cache *c, int i);

/* The recipe: log-mel (hop = stft.hop, n_mels, sample rate) and F0. */
const vx_logmel_cfg *vx_feature_cache_mel_cfg(const vx_feature_cache *c);
const vx_f0_cfg *vx_feature_cache_f0_cfg(const vx_feature_cache *c);

/* Log-mel of silence [n_mels], the value padded frames take. */
const float *vx_feature_cache_silence(const vx_feature_cache *c);

#endif
