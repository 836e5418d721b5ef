/* fs2_data.c — FastSpeech2 targets, statistics and batches (fs2_data.h). */
#include "train/fs2_data.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* --- one utterance --------------------------------------------------------------------- */

/* F0 over frames [0, S) with unvoiced frames filled (see the top of fs2_data.h). */
static void interpolate_f0(const float *f0, int64_t S, double *out)
{
    int64_t prev = -1; /* last voiced frame so far */
    for (int64_t t = 0; t < S; t++) {
        if (!(f0[t] > 0))
            continue;
        if (prev < 0) {
            for (int64_t u = 0; u < t; u++)
                out[u] = f0[t];                               /* before the first voiced */
        } else {
            double slope = ((double)f0[t] - (double)f0[prev]) / (double)(t - prev);
            for (int64_t u = prev + 1; u < t; u++)
                out[u] = slope * (double)(u - prev) + (double)f0[prev];
        }
        out[t] = f0[t];
        prev = t;
    }
    for (int64_t u = prev + 1; u < S; u++)
        out[u] = f0[prev];                                    /* after the last voiced */
}

vx_status vx_fs2_phoneme_targets(const float *f0, const float *energy, int64_t n_frames,
                                 const int32_t *durations, int n_phonemes, const char *what,
                                 float *pitch, float *phoneme_energy)
{
    if (!f0 || !energy || !durations || !pitch || !phoneme_energy || n_phonemes < 1 || n_frames < 0)
        return vx_fail(VX_ERR_ARG, "%s: phoneme targets need F0, energy, durations and at least one "
                       "phoneme", what);
    int64_t S = 0;
    for (int i = 0; i < n_phonemes; i++) {
        if (durations[i] < 0)
            return vx_fail(VX_ERR_ARG, "%s: phoneme %d has a negative duration (%d)", what, i,
                           (int)durations[i]);
        S += durations[i];
    }
    if (S < 1 || S > n_frames)
        return vx_fail(VX_ERR_ARG, "%s: the durations add up to %lld frames; the audio has %lld "
                       "(need 1..%lld)", what, (long long)S, (long long)n_frames, (long long)n_frames);
    int64_t voiced = 0;
    for (int64_t t = 0; t < S; t++)
        voiced += f0[t] > 0;
    if (voiced < 2)
        return vx_fail(VX_ERR_FORMAT, "%s: %lld of its %lld aligned frames are voiced; pitch targets "
                       "need at least 2", what, (long long)voiced, (long long)S);
    double *contour = malloc(sizeof(double) * (size_t)S);
    if (!contour)
        return vx_fail(VX_ERR_OOM, "%s: out of memory for %lld frames", what, (long long)S);
    interpolate_f0(f0, S, contour);
    int64_t pos = 0;
    for (int i = 0; i < n_phonemes; i++) {
        int64_t d = durations[i];
        if (d == 0) {                      /* the frame it sits at (deliberate, see the header) */
            int64_t at = pos < S ? pos : S - 1;
            pitch[i] = (float)contour[at];
            phoneme_energy[i] = energy[at];
            continue;
        }
        double sp = 0, se = 0;
        for (int64_t t = pos; t < pos + d; t++) {
            sp += contour[t];
            se += energy[t];
        }
        pitch[i] = (float)(sp / (double)d);
        phoneme_energy[i] = (float)(se / (double)d);
        pos += d;
    }
    free(contour);
    return VX_OK;
}

/* --- statistics ------------------------------------------------------------------------ */

/* Running mean and M2 (ref: Chan et al. 1979, pairwise combination). */
typedef struct moments {
    double n, mean, m2;
} moments;

static void moments_add(moments *a, const double *v, int n)
{
    if (n == 0)
        return;
    double mean = 0, m2 = 0;
    for (int i = 0; i < n; i++)
        mean += v[i];
    mean /= n;
    for (int i = 0; i < n; i++)
        m2 += (v[i] - mean) * (v[i] - mean);
    double total = a->n + n, delta = mean - a->mean;
    a->mean += delta * n / total;
    a->m2 += m2 + delta * delta * a->n * n / total;
    a->n = total;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* numpy.percentile(sorted, q) with linear interpolation. */
static double percentile(const double *sorted, int n, double q)
{
    double idx = q / 100.0 * (n - 1);
    int lo = (int)floor(idx), hi = lo + 1 < n ? lo + 1 : lo;
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (idx - lo);
}

/* The values of v [n] strictly inside the 1.5·IQR fences, into kept; returns
 * how many (ref: ming024 Preprocessor.remove_outlier). scratch holds n. */
static int remove_outliers(const float *v, int n, double *scratch, double *kept)
{
    for (int i = 0; i < n; i++)
        scratch[i] = v[i];
    qsort(scratch, (size_t)n, sizeof *scratch, cmp_double);
    double p25 = percentile(scratch, n, 25), p75 = percentile(scratch, n, 75);
    double lower = p25 - 1.5 * (p75 - p25), upper = p75 + 1.5 * (p75 - p25);
    int k = 0;
    for (int i = 0; i < n; i++)
        if (v[i] > lower && v[i] < upper)
            kept[k++] = v[i];
    return k;
}

vx_status vx_fs2_stats_compute(const float *const *pitch, const float *const *energy, const int *n,
                               int n_utts, vx_fs2_stats *out)
{
    if (!pitch || !energy || !n || !out || n_utts < 1)
        return vx_fail(VX_ERR_ARG, "fastspeech2 statistics: need at least one utterance");
    int most = 0;
    for (int u = 0; u < n_utts; u++)
        most = n[u] > most ? n[u] : most;
    double *scratch = malloc(sizeof(double) * (size_t)(most > 0 ? most : 1));
    double *kept = malloc(sizeof(double) * (size_t)(most > 0 ? most : 1));
    if (!scratch || !kept) {
        free(scratch);
        free(kept);
        return vx_fail(VX_ERR_OOM, "fastspeech2 statistics: out of memory");
    }
    moments mp = {0}, me = {0};
    double p_lo = INFINITY, p_hi = -INFINITY, e_lo = INFINITY, e_hi = -INFINITY;
    int64_t n_values = 0;
    for (int u = 0; u < n_utts; u++) {
        if (n[u] <= 0)
            continue;
        moments_add(&mp, kept, remove_outliers(pitch[u], n[u], scratch, kept));
        moments_add(&me, kept, remove_outliers(energy[u], n[u], scratch, kept));
        for (int i = 0; i < n[u]; i++) {
            p_lo = fmin(p_lo, pitch[u][i]);
            p_hi = fmax(p_hi, pitch[u][i]);
            e_lo = fmin(e_lo, energy[u][i]);
            e_hi = fmax(e_hi, energy[u][i]);
        }
        n_values += n[u];
    }
    free(scratch);
    free(kept);
    double p_std = mp.n > 0 ? sqrt(mp.m2 / mp.n) : 0, e_std = me.n > 0 ? sqrt(me.m2 / me.n) : 0;
    if (!(p_std > 0) || !(e_std > 0))
        return vx_fail(VX_ERR_ARG, "fastspeech2 statistics: %s is constant over the %lld phoneme values "
                       "(%.0f kept after removing outliers); the corpus needs varied speech",
                       !(p_std > 0) ? "pitch" : "energy", (long long)n_values, !(p_std > 0) ? mp.n : me.n);
    *out = (vx_fs2_stats){
        .pitch_mean = mp.mean, .pitch_std = p_std,
        .pitch_min = (p_lo - mp.mean) / p_std, .pitch_max = (p_hi - mp.mean) / p_std,
        .energy_mean = me.mean, .energy_std = e_std,
        .energy_min = (e_lo - me.mean) / e_std, .energy_max = (e_hi - me.mean) / e_std,
        .n_values = n_values, .n_pitch_kept = (int64_t)mp.n, .n_energy_kept = (int64_t)me.n,
    };
    return VX_OK;
}

void vx_fs2_stats_apply(const vx_fs2_stats *s, vx_fs2_config *cfg)
{
    cfg->pitch_mean = (float)s->pitch_mean;
    cfg->pitch_std = (float)s->pitch_std;
    cfg->pitch_min = (float)s->pitch_min;
    cfg->pitch_max = (float)s->pitch_max;
    cfg->energy_mean = (float)s->energy_mean;
    cfg->energy_std = (float)s->energy_std;
    cfg->energy_min = (float)s->energy_min;
    cfg->energy_max = (float)s->energy_max;
}

vx_fs2_stats vx_fs2_stats_from_config(const vx_fs2_config *cfg)
{
    return (vx_fs2_stats){
        .pitch_mean = cfg->pitch_mean, .pitch_std = cfg->pitch_std,
        .pitch_min = cfg->pitch_min, .pitch_max = cfg->pitch_max,
        .energy_mean = cfg->energy_mean, .energy_std = cfg->energy_std,
        .energy_min = cfg->energy_min, .energy_max = cfg->energy_max,
    };
}

/* --- the corpus -------------------------------------------------------------------------- */

void vx_fs2_data_free(vx_fs2_data *d)
{
    if (!d)
        return;
    for (int i = 0; i < d->n_utts; i++) {
        free(d->utts[i].pitch);
        free(d->utts[i].energy);
    }
    free(d->utts);
    free(d->train);
    free(d->val);
    free(d);
}

/* Targets of cache clip cf into *u; VX_ERR_FORMAT / VX_ERR_ARG for a clip to skip. */
static vx_status make_utt(const vx_clip_features *cf, int clip, vx_fs2_utt *u)
{
    *u = (vx_fs2_utt){.clip = clip, .id = cf->id, .n_phonemes = cf->n_phonemes,
                      .phoneme_ids = cf->phoneme_ids, .durations = cf->durations, .mel = cf->mel};
    for (int i = 0; i < cf->n_phonemes; i++)
        u->n_frames += cf->durations[i];
    u->pitch = malloc(sizeof(float) * (size_t)cf->n_phonemes);
    u->energy = malloc(sizeof(float) * (size_t)cf->n_phonemes);
    if (!u->pitch || !u->energy)
        return vx_fail(VX_ERR_OOM, "%s: out of memory", cf->id);
    return vx_fs2_phoneme_targets(cf->f0, cf->energy, cf->n_frames, cf->durations, cf->n_phonemes, cf->id,
                                  u->pitch, u->energy);
}

static vx_status read_utts(vx_fs2_data *d, const char *what, vx_data_report *report)
{
    const vx_feature_cache *cache = d->cache;
    int n = vx_feature_cache_count(cache), with_columns = 0;
    d->utts = calloc((size_t)(n > 0 ? n : 1), sizeof *d->utts);
    if (!d->utts)
        return vx_fail(VX_ERR_OOM, "%s: out of memory", what);
    for (int c = 0; c < n; c++) {
        const vx_clip_features *cf = vx_feature_cache_at(cache, c);
        if (cf->n_phonemes == 0) {
            if (report)
                vx_data_report_add(report, cf->id, "no phoneme ids and durations (columns 4 and 5)");
            continue;
        }
        with_columns++;
        vx_fs2_utt *u = &d->utts[d->n_utts];
        vx_status st = make_utt(cf, c, u);
        if (st == VX_OK) {
            d->n_utts++;
            continue;
        }
        free(u->pitch);
        free(u->energy);
        if (st == VX_ERR_OOM)
            return st;
        if (report)
            vx_data_report_add(report, cf->id, "%s", vx_last_error());
    }
    if (with_columns == 0)
        return vx_fail(VX_ERR_FORMAT, "%s: no clip has phoneme ids and durations; FastSpeech2 needs "
                       "rows id|text|normalized|phoneme_ids|durations (durations in mel frames): make the "
                       "corpus with voxc-distill", what);
    if (d->n_utts == 0)
        return vx_fail(VX_ERR_FORMAT, "%s: none of the %d clips with phonemes is usable (see the "
                       "skipped clips)", what, with_columns);
    return VX_OK;
}

static vx_status split(vx_fs2_data *d, double val_fraction, const char *what)
{
    int n = d->n_utts;
    const char **ids = malloc((size_t)n * sizeof *ids);
    bool *is_val = malloc((size_t)n * sizeof *is_val);
    d->train = malloc((size_t)n * sizeof *d->train);
    d->val = malloc((size_t)n * sizeof *d->val);
    vx_status st = ids && is_val && d->train && d->val ? VX_OK : vx_fail(VX_ERR_OOM, "%s: out of memory", what);
    if (st == VX_OK) {
        for (int i = 0; i < n; i++)
            ids[i] = d->utts[i].id;
        vx_split_ids(ids, n, val_fraction, is_val);
        for (int i = 0; i < n; i++) {
            if (is_val[i])
                d->val[d->n_val++] = i;
            else
                d->train[d->n_train++] = i;
        }
        if (d->n_train == 0)
            st = vx_fail(VX_ERR_ARG, "%s: no utterance is left for training (%d usable, %d held out)",
                         what, n, d->n_val);
    }
    free(ids);
    free(is_val);
    return st;
}

static vx_status train_stats(vx_fs2_data *d, const char *what)
{
    const float **p = malloc((size_t)d->n_train * sizeof *p);
    const float **e = malloc((size_t)d->n_train * sizeof *e);
    int *n = malloc((size_t)d->n_train * sizeof *n);
    vx_status st = p && e && n ? VX_OK : vx_fail(VX_ERR_OOM, "%s: out of memory", what);
    if (st == VX_OK) {
        for (int i = 0; i < d->n_train; i++) {
            const vx_fs2_utt *u = &d->utts[d->train[i]];
            p[i] = u->pitch;
            e[i] = u->energy;
            n[i] = u->n_phonemes;
        }
        st = vx_fs2_stats_compute(p, e, n, d->n_train, &d->stats);
        if (st != VX_OK)
            st = vx_fail(st, "%s: %s", what, vx_last_error());
    }
    free(p);
    free(e);
    free(n);
    return st;
}

vx_fs2_data *vx_fs2_data_new(const vx_feature_cache *cache, double val_fraction, const char *what,
                             vx_data_report *report)
{
    if (!what)
        what = "fastspeech2 data";
    if (!cache)
        return vx_fail_null(VX_ERR_ARG, "%s: needs a feature cache", what);
    vx_fs2_data *d = calloc(1, sizeof *d);
    if (!d)
        return vx_fail_null(VX_ERR_OOM, "%s: out of memory", what);
    d->cache = cache;
    d->n_mels = vx_feature_cache_mel_cfg(cache)->mel.n_mels;
    vx_status st = read_utts(d, what, report);
    if (st == VX_OK)
        st = split(d, val_fraction, what);
    if (st == VX_OK)
        st = train_stats(d, what);
    if (st != VX_OK) {
        vx_fs2_data_free(d);
        return NULL;
    }
    return d;
}

/* --- batches ---------------------------------------------------------------------------- */

void vx_fs2_batch_free(vx_fs2_batch *b)
{
    if (!b)
        return;
    free(b->phonemes);
    free(b->src_lens);
    free(b->durations);
    free(b->pitch);
    free(b->energy);
    free(b->mel);
    free(b->utts);
    memset(b, 0, sizeof *b);
}

static bool grow(void **p, size_t n, size_t elem)
{
    void *q = realloc(*p, n * elem);
    if (q)
        *p = q;
    return q != NULL;
}

static vx_status batch_reserve(vx_fs2_batch *b, int B, int64_t T_src, int64_t T_mel, int n_mels)
{
    size_t src = (size_t)B * (size_t)T_src, mel = (size_t)B * (size_t)T_mel * (size_t)n_mels;
    bool ok = true;
    if (src > b->src_cap) {
        ok = grow((void **)&b->phonemes, src, sizeof(int32_t)) && grow((void **)&b->durations, src, sizeof(int32_t)) &&
             grow((void **)&b->pitch, src, sizeof(float)) && grow((void **)&b->energy, src, sizeof(float));
        if (ok)
            b->src_cap = src;
    }
    if (ok && mel > b->mel_cap) {
        ok = grow((void **)&b->mel, mel, sizeof(float));
        if (ok)
            b->mel_cap = mel;
    }
    if (ok && B > b->items_cap) {
        ok = grow((void **)&b->src_lens, (size_t)B, sizeof(int32_t)) && grow((void **)&b->utts, (size_t)B, sizeof(int));
        if (ok)
            b->items_cap = B;
    }
    if (!ok)
        return vx_fail(VX_ERR_OOM, "fastspeech2 batch: out of memory for %d utterances of up to %lld "
                       "frames", B, (long long)T_mel);
    b->size = B;
    b->max_src = T_src;
    b->max_mel = T_mel;
    b->n_mels = n_mels;
    return VX_OK;
}

vx_status vx_fs2_batch_make(const vx_fs2_data *d, const vx_fs2_stats *norm, const int *utts, int n,
                            vx_fs2_batch *out)
{
    if (!d || !norm || !utts || n < 1 || !out)
        return vx_fail(VX_ERR_ARG, "fastspeech2 batch: needs the data, statistics and at least one utterance");
    int64_t T_src = 0, T_mel = 0;
    for (int b = 0; b < n; b++) {
        if (utts[b] < 0 || utts[b] >= d->n_utts)
            return vx_fail(VX_ERR_ARG, "fastspeech2 batch: utterance %d is not in 0..%d", utts[b], d->n_utts - 1);
        const vx_fs2_utt *u = &d->utts[utts[b]];
        T_src = u->n_phonemes > T_src ? u->n_phonemes : T_src;
        T_mel = u->n_frames > T_mel ? u->n_frames : T_mel;
    }
    int n_mels = d->n_mels;
    vx_status st = batch_reserve(out, n, T_src, T_mel, n_mels);
    if (st != VX_OK)
        return st;
    const float *silence = vx_feature_cache_silence(d->cache);
    out->frames = 0;
    for (int b = 0; b < n; b++) {
        const vx_fs2_utt *u = &d->utts[utts[b]];
        int32_t *ids = out->phonemes + b * T_src, *dur = out->durations + b * T_src;
        float *p = out->pitch + b * T_src, *e = out->energy + b * T_src;
        for (int64_t i = 0; i < T_src; i++) {
            bool in = i < u->n_phonemes;
            ids[i] = in ? u->phoneme_ids[i] : 0;
            dur[i] = in ? u->durations[i] : 0;
            p[i] = in ? (float)(((double)u->pitch[i] - norm->pitch_mean) / norm->pitch_std) : 0.0f;
            e[i] = in ? (float)(((double)u->energy[i] - norm->energy_mean) / norm->energy_std) : 0.0f;
        }
        float *mel = out->mel + (size_t)b * (size_t)(T_mel * n_mels);      /* [T_mel, n_mels] */
        memcpy(mel, u->mel, sizeof(float) * (size_t)(u->n_frames * n_mels));
        for (int64_t t = u->n_frames; t < T_mel; t++)
            memcpy(mel + t * n_mels, silence, sizeof(float) * (size_t)n_mels);
        out->src_lens[b] = u->n_phonemes;
        out->utts[b] = utts[b];
        out->frames += u->n_frames;
    }
    return VX_OK;
}

struct vx_fs2_sampler {
    const vx_fs2_data *data;
    vx_fs2_stats norm;
    vx_bucket_sampler *buckets;   /* over the utterances' cache clips */
    vx_batch clips;               /* the bucket sampler's batch (its clip list is used) */
    int *clip_to_utt;             /* [cache clips] → utterance, −1 */
    int *items;                   /* [max_batch] utterances of the batch being made */
};

vx_fs2_sampler *vx_fs2_sampler_new(const vx_fs2_data *d, const vx_fs2_stats *norm, const int *utts, int n,
                                   int max_batch, bool shuffle, uint64_t seed)
{
    if (!d || !norm || !utts || n < 1 || max_batch < 1)
        return vx_fail_null(VX_ERR_ARG, "fastspeech2 sampler: needs the data, statistics, at least one "
                            "utterance and a batch size >= 1");
    vx_fs2_sampler *s = calloc(1, sizeof *s);
    int n_clips = vx_feature_cache_count(d->cache);
    int *clips = malloc((size_t)n * sizeof *clips);
    if (s) {
        s->clip_to_utt = malloc((size_t)n_clips * sizeof *s->clip_to_utt);
        s->items = malloc((size_t)max_batch * sizeof *s->items);
    }
    if (!s || !clips || !s->clip_to_utt || !s->items) {
        free(clips);
        vx_fs2_sampler_free(s);
        return vx_fail_null(VX_ERR_OOM, "fastspeech2 sampler: out of memory");
    }
    s->data = d;
    s->norm = *norm;
    for (int c = 0; c < n_clips; c++)
        s->clip_to_utt[c] = -1;
    for (int i = 0; i < n; i++) {
        if (utts[i] < 0 || utts[i] >= d->n_utts) {
            free(clips);
            vx_fs2_sampler_free(s);
            return vx_fail_null(VX_ERR_ARG, "fastspeech2 sampler: utterance %d is not in 0..%d", utts[i],
                                d->n_utts - 1);
        }
        clips[i] = d->utts[utts[i]].clip;
        s->clip_to_utt[clips[i]] = utts[i];
    }
    s->buckets = vx_bucket_sampler_new(d->cache, clips, n, max_batch, 0, shuffle, seed);
    free(clips);
    if (!s->buckets) {
        vx_fs2_sampler_free(s);
        return NULL;
    }
    return s;
}

void vx_fs2_sampler_free(vx_fs2_sampler *s)
{
    if (!s)
        return;
    vx_bucket_sampler_free(s->buckets);
    vx_batch_free(&s->clips);
    free(s->clip_to_utt);
    free(s->items);
    free(s);
}

vx_status vx_fs2_sampler_fill(vx_fs2_sampler *s, int64_t k, vx_fs2_batch *out)
{
    if (!s || !out)
        return vx_fail(VX_ERR_ARG, "fastspeech2 sampler: needs a sampler and a batch");
    vx_status st = vx_bucket_fill(s->buckets, k, &s->clips);
    if (st != VX_OK)
        return st;
    for (int b = 0; b < s->clips.size; b++)
        s->items[b] = s->clip_to_utt[s->clips.clips[b]];
    st = vx_fs2_batch_make(s->data, &s->norm, s->items, s->clips.size, out);
    if (st == VX_OK)
        out->index = k;
    return st;
}

int vx_fs2_sampler_count(const vx_fs2_sampler *s) { return s ? vx_bucket_count(s->buckets) : 0; }
