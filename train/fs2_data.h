/* fs2_data.h — FastSpeech2 training data from the feature cache: the
 * phoneme-level pitch and energy targets of each utterance, the corpus
 * statistics that normalise them, and length-bucketed batches.
 *
 * Targets (ref: ming024/FastSpeech2 preprocessor/preprocessor.py with
 * pitch_phoneme_averaging and energy_phoneme_averaging, the LJSpeech recipe):
 * an utterance whose durations add up to S frames uses the first S frames of
 * its features (the cache's mel, F0 and energy every 256 samples):
 *   F0:     unvoiced frames (F0 = 0) are filled by linear interpolation in
 *           the frame index between the neighbouring voiced frames, and held
 *           at the first / last voiced value before / after them
 *           (scipy interp1d over the voiced frames, fill_value = the end
 *           values); at least 2 voiced frames are required (ming024 drops the
 *           utterance otherwise);
 *   pitch:  the mean of that contour over each phoneme's frames (Hz);
 *   energy: the mean of the frame energy (L2 norm of the STFT magnitude
 *           frame) over each phoneme's frames.
 * A phoneme of 0 frames takes the value of the frame it sits at (the next
 * phoneme's first frame, or the last frame): a deliberate difference, ming024
 * gives it 0, which after normalisation is an extreme value that stretches
 * the bin range.
 *
 * Statistics (ref: ming024 Preprocessor.build_from_path, remove_outlier,
 * normalize): over the utterances of the training split,
 *   mean, std: of every utterance's phoneme values with its outliers removed
 *              (values v with p25 − 1.5·IQR < v < p75 + 1.5·IQR kept, the
 *              quartiles numpy's linear percentiles of that utterance), the
 *              population std (sklearn StandardScaler);
 *   min, max:  of the normalised values (v − mean) / std over every phoneme
 *              value of the training split, outliers included.
 * These go into the model config (vx_fs2_config pitch_* and energy_*); the
 * model sees normalised targets. */
#ifndef VX_TRAIN_FS2_DATA_H
#define VX_TRAIN_FS2_DATA_H

#include <stdbool.h>
#include <stdint.h>

#include "core/status.h"
#include "models/fastspeech2.h"
#include "train/batch.h"
#include "train/dataset.h"
#include "train/feature_cache.h"

/* --- one utterance --------------------------------------------------------------------- */

/* Phoneme-level targets of one utterance (see the top of this file):
 * f0 [n_frames] Hz (0: unvoiced), energy [n_frames], durations [n_phonemes]
 * → pitch [n_phonemes] Hz and phoneme_energy [n_phonemes]. Fails with
 * VX_ERR_ARG when a duration is negative, the durations add up to 0 or to
 * more than n_frames, and with VX_ERR_FORMAT when fewer than 2 of the aligned
 * frames are voiced; `what` names the utterance in the message. */
vx_status vx_fs2_phoneme_targets(const float *f0, const float *energy, int64_t n_frames,
                                 const int32_t *durations, int n_phonemes, const char *what,
                                 float *pitch, float *phoneme_energy);

/* --- statistics ------------------------------------------------------------------------ */

typedef struct vx_fs2_stats {
    double pitch_mean, pitch_std;    /* Hz                                        */
    double pitch_min, pitch_max;     /* normalised                                */
    double energy_mean, energy_std;
    double energy_min, energy_max;   /* normalised                                */
    int64_t n_values;                /* phoneme values seen                       */
    int64_t n_pitch_kept, n_energy_kept; /* of them, not outliers (mean, std)     */
} vx_fs2_stats;

/* Statistics over n_utts utterances: pitch[u], energy[u] hold n[u] phoneme
 * values each (see the top of this file). Fails with VX_ERR_ARG when no value
 * is left after the outlier removal or a std is 0 (constant values). */
vx_status vx_fs2_stats_compute(const float *const *pitch, const float *const *energy, const int *n,
                               int n_utts, vx_fs2_stats *out);

/* Copy the statistics into a model config (as f32). */
void vx_fs2_stats_apply(const vx_fs2_stats *s, vx_fs2_config *cfg);

/* The statistics a config holds (counts 0). */
vx_fs2_stats vx_fs2_stats_from_config(const vx_fs2_config *cfg);

/* --- the corpus -------------------------------------------------------------------------- */

typedef struct vx_fs2_utt {
    int clip;                     /* feature cache index                         */
    const char *id;
    int n_phonemes;
    const int32_t *phoneme_ids;   /* [n_phonemes], in the cache                  */
    const int32_t *durations;     /* [n_phonemes], in the cache                  */
    int64_t n_frames;             /* Σ durations: the mel frames trained on      */
    const float *mel;             /* [n_frames (of the clip's), n_mels]          */
    float *pitch;                 /* [n_phonemes] Hz                             */
    float *energy;                /* [n_phonemes]                                */
} vx_fs2_utt;

typedef struct vx_fs2_data {
    const vx_feature_cache *cache;
    vx_fs2_utt *utts;             /* usable clips, in cache order                */
    int n_utts;
    int *train, n_train;          /* indices into utts (the dataset.h split)     */
    int *val, n_val;
    int n_mels;
    vx_fs2_stats stats;           /* over the training split                     */
} vx_fs2_data;

/* The utterances of every cache clip that has phoneme ids and durations,
 * their targets, the train/validation split by id (vx_split_ids with
 * val_fraction) and the training statistics. A clip without phoneme columns
 * or with fewer than 2 voiced aligned frames goes into `report` (may be
 * NULL) and is left out. NULL with the error set when no clip has phoneme
 * columns (the corpus was not made for FastSpeech2: the message says how to
 * make one), when no usable clip is left for training, or on out of memory.
 * `what` names the corpus in messages. The cache must outlive the data. */
vx_fs2_data *vx_fs2_data_new(const vx_feature_cache *cache, double val_fraction, const char *what,
                             vx_data_report *report);
void vx_fs2_data_free(vx_fs2_data *d);

/* --- batches ---------------------------------------------------------------------------- */

/* One padded batch of utterances (model layout, see models/fastspeech2.h). */
typedef struct vx_fs2_batch {
    int64_t index;                /* batch number k                              */
    int size;                     /* B                                           */
    int n_mels;
    int64_t max_src;              /* T_src: most phonemes                        */
    int64_t max_mel;              /* T_mel: most frames                          */
    int32_t *phonemes;            /* [B, T_src] ids, 0 at padding                */
    int32_t *src_lens;            /* [B]                                         */
    int32_t *durations;           /* [B, T_src] frames, 0 at padding             */
    float *pitch;                 /* [B, T_src] normalised, 0 at padding         */
    float *energy;                /* [B, T_src] normalised, 0 at padding         */
    float *mel;                   /* [B, T_mel, n_mels], log-mel of silence at padding */
    int *utts;                    /* [B] indices into the data's utts            */
    int64_t frames;               /* Σ n_frames over the batch                   */
    size_t src_cap, mel_cap;      /* allocated elements (buffers are reused)     */
    int items_cap;
} vx_fs2_batch;

void vx_fs2_batch_free(vx_fs2_batch *b);

/* The batch of utterances utts [n] with targets normalised by `norm`
 * (buffers grown as needed). */
vx_status vx_fs2_batch_make(const vx_fs2_data *d, const vx_fs2_stats *norm, const int *utts, int n,
                            vx_fs2_batch *out);

/* Length buckets (train/batch.h vx_bucket_sampler over the utterances'
 * clips): utterances sorted by clip length in batches of at most max_batch;
 * with `shuffle` every epoch visits the batches in an order drawn from the
 * seed, else in length order (validation). Batch k depends on k alone. */
typedef struct vx_fs2_sampler vx_fs2_sampler;

/* Over utts [n] (indices into d->utts, copied), normalising by `norm` (copied). */
vx_fs2_sampler *vx_fs2_sampler_new(const vx_fs2_data *d, const vx_fs2_stats *norm, const int *utts, int n,
                                   int max_batch, bool shuffle, uint64_t seed);
void vx_fs2_sampler_free(vx_fs2_sampler *s);

/* Batch k (k ≥ 0; epoch k / count). */
vx_status vx_fs2_sampler_fill(vx_fs2_sampler *s, int64_t k, vx_fs2_batch *out);

/* Batches per epoch. */
int vx_fs2_sampler_count(const vx_fs2_sampler *s);

#endif
