/* energy.c — frame energy, per-phoneme averages and feature statistics. */
#include "audio/energy.h"

#include <math.h>
#include <stddef.h>

void vx_energy_from_magnitude(const float *mag, int64_t frames, int bins, float *energy)
{
    for (int64_t t = 0; t < frames; t++) {
        const float *m = mag + (size_t)t * bins;
        double sum = 0;
        for (int k = 0; k < bins; k++)
            sum += (double)m[k] * m[k];
        energy[t] = (float)sqrt(sum);
    }
}

vx_status vx_average_by_duration(const float *values, int64_t n_frames, const int32_t *durations, int n_phones,
                                 bool skip_zeros, float *out)
{
    if (n_phones < 0 || n_frames < 0)
        return vx_fail(VX_ERR_ARG, "average_by_duration: negative size (n_phones %d, n_frames %lld)", n_phones,
                       (long long)n_frames);
    int64_t pos = 0;
    for (int i = 0; i < n_phones; i++) {
        if (durations[i] < 0)
            return vx_fail(VX_ERR_ARG, "average_by_duration: duration %d of phoneme %d is negative", durations[i], i);
        pos += durations[i];
    }
    if (pos > n_frames)
        return vx_fail(VX_ERR_ARG,
                       "average_by_duration: durations cover %lld frames but there are only %lld; "
                       "check the alignment against the feature frames",
                       (long long)pos, (long long)n_frames);
    pos = 0;
    for (int i = 0; i < n_phones; i++) {
        double sum = 0;
        int64_t used = 0;
        for (int64_t t = pos; t < pos + durations[i]; t++) {
            if (skip_zeros && values[t] == 0)
                continue;
            sum += values[t];
            used++;
        }
        out[i] = used ? (float)(sum / used) : 0.0f;
        pos += durations[i];
    }
    return VX_OK;
}

void vx_feature_stats_init(vx_feature_stats *s)
{
    *s = (vx_feature_stats){.min = INFINITY, .max = -INFINITY};
}

/* ref: Welford (1962): delta = x - mean; mean += delta / n; m2 += delta (x - mean). */
void vx_feature_stats_add(vx_feature_stats *s, const float *values, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        double x = values[i];
        if (!isfinite(x))
            continue;
        s->count++;
        double delta = x - s->mean;
        s->mean += delta / (double)s->count;
        s->m2 += delta * (x - s->mean);
        s->min = fmin(s->min, x);
        s->max = fmax(s->max, x);
    }
}

/* ref: Chan et al. (1979): m2 = m2_a + m2_b + delta^2 n_a n_b / n. */
void vx_feature_stats_merge(vx_feature_stats *s, const vx_feature_stats *other)
{
    if (other->count == 0)
        return;
    if (s->count == 0) {
        *s = *other;
        return;
    }
    double na = (double)s->count, nb = (double)other->count, n = na + nb;
    double delta = other->mean - s->mean;
    s->mean += delta * nb / n;
    s->m2 += other->m2 + delta * delta * na * nb / n;
    s->count += other->count;
    s->min = fmin(s->min, other->min);
    s->max = fmax(s->max, other->max);
}

double vx_feature_stats_std(const vx_feature_stats *s)
{
    return s->count > 0 ? sqrt(s->m2 / (double)s->count) : 0.0;
}

void vx_feature_normalize(float *values, int64_t n, double mean, double std)
{
    double scale = std > 0 ? 1.0 / std : 1.0;
    for (int64_t i = 0; i < n; i++)
        values[i] = (float)((values[i] - mean) * scale);
}
