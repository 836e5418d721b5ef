/* energy.h — FastSpeech2 variance features: frame energy, per-phoneme
 * averaging and dataset statistics for normalisation.
 *
 * ref: ming024/FastSpeech2 preprocessor: energy = L2 norm of each STFT
 * magnitude frame; phoneme-level values average the frames of each phoneme
 * (pitch skips its unvoiced zeros); statistics are the population mean/std
 * (ddof 0, as sklearn StandardScaler) and the min/max of normalised values. */
#ifndef VX_AUDIO_ENERGY_H
#define VX_AUDIO_ENERGY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/status.h"

/* energy [frames] = sqrt(sum_k mag[t, k]^2) of mag [frames, bins]. */
void vx_energy_from_magnitude(const float *mag, int64_t frames, int bins, float *energy);

/* out [n_phones]: mean of values [n_frames] over each phoneme's durations[i]
 * consecutive frames (phoneme i starts at sum_{j<i} durations[j]). With
 * skip_zeros, zero values are left out of the mean (pitch of unvoiced frames);
 * a phoneme with no frames left gets 0. Fails when a duration is negative or
 * the durations cover more than n_frames. */
vx_status vx_average_by_duration(const float *values, int64_t n_frames, const int32_t *durations, int n_phones,
                                 bool skip_zeros, float *out);

/* Running statistics over any number of batches (Welford's algorithm). */
typedef struct vx_feature_stats {
    int64_t count;
    double mean;
    double m2;    /* sum of squared deviations from the mean */
    double min;
    double max;
} vx_feature_stats;

void vx_feature_stats_init(vx_feature_stats *s);
/* Add n values; non-finite values are skipped. */
void vx_feature_stats_add(vx_feature_stats *s, const float *values, int64_t n);
/* Combine the statistics of another accumulator into s (parallel Welford). */
void vx_feature_stats_merge(vx_feature_stats *s, const vx_feature_stats *other);
/* Population standard deviation (0 when count < 1). */
double vx_feature_stats_std(const vx_feature_stats *s);

/* values[i] = (values[i] - mean) / std in place; std <= 0 counts as 1. */
void vx_feature_normalize(float *values, int64_t n, double mean, double std);

#endif
