/* batch.c — segment and bucket samplers (batch.h). */
#include "train/batch.h"

#include <stdlib.h>
#include <string.h>

#include "core/rng.h"

void vx_batch_free(vx_batch *b)
{
    if (!b)
        return;
    free(b->mel);
    free(b->audio);
    free(b->lengths);
    free(b->clips);
    free(b->starts);
    memset(b, 0, sizeof *b);
}

/* Size `out` for B items of F frames. */
static vx_status batch_reserve(vx_batch *out, int B, int64_t F, int n_mels, int hop)
{
    size_t mel_n = (size_t)B * (size_t)n_mels * (size_t)F, audio_n = (size_t)B * (size_t)F * (size_t)hop;
    if (mel_n > out->mel_cap) {
        float *m = realloc(out->mel, mel_n * sizeof *m);
        if (!m)
            return vx_fail(VX_ERR_OOM, "batch: out of memory for a [%d, %d, %lld] mel", B, n_mels,
                           (long long)F);
        out->mel = m;
        out->mel_cap = mel_n;
    }
    if (audio_n > out->audio_cap) {
        float *a = realloc(out->audio, audio_n * sizeof *a);
        if (!a)
            return vx_fail(VX_ERR_OOM, "batch: out of memory for %zu samples", audio_n);
        out->audio = a;
        out->audio_cap = audio_n;
    }
    if (B > out->items_cap) {
        int64_t *l = realloc(out->lengths, (size_t)B * sizeof *l);
        if (l)
            out->lengths = l;
        int *c = l ? realloc(out->clips, (size_t)B * sizeof *c) : NULL;
        if (c)
            out->clips = c;
        int64_t *s = c ? realloc(out->starts, (size_t)B * sizeof *s) : NULL;
        if (!s)
            return vx_fail(VX_ERR_OOM, "batch: out of memory");
        out->starts = s;
        out->items_cap = B;
    }
    out->size = B;
    out->frames = F;
    out->n_mels = n_mels;
    out->hop = hop;
    out->samples = F * hop;
    return VX_OK;
}

/* Item b of `out` from clip frames [start, start + F), padded past the clip. */
static void put_item(vx_batch *out, int b, const vx_clip_features *cf, int clip, int64_t start,
                     const float *silence)
{
    int64_t F = out->frames, hop = out->hop, n_mels = out->n_mels;
    int64_t take = cf->n_frames - start < F ? cf->n_frames - start : F;
    float *mel = out->mel + (size_t)b * (size_t)(n_mels * F);          /* [n_mels, F] */
    for (int64_t m = 0; m < n_mels; m++) {
        float *row = mel + m * F;
        for (int64_t t = 0; t < take; t++)
            row[t] = cf->mel[(start + t) * n_mels + m]; /* cache layout [T, n_mels] */
        for (int64_t t = take; t < F; t++)
            row[t] = silence[m];
    }
    float *audio = out->audio + (size_t)b * (size_t)(F * hop);          /* [1, F·hop] */
    memcpy(audio, cf->audio + start * hop, sizeof(float) * (size_t)(take * hop));
    memset(audio + take * hop, 0, sizeof(float) * (size_t)((F - take) * hop));
    out->lengths[b] = take;
    out->clips[b] = clip;
    out->starts[b] = start;
}

/* Fisher–Yates shuffle of 0..n-1 keyed by `key`. */
static void shuffle(int *perm, int n, uint64_t key)
{
    for (int i = 0; i < n; i++)
        perm[i] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(vx_rng_bits_at(key, (uint64_t)i) % (uint64_t)(i + 1));
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}

static int *copy_ints(const int *v, int n)
{
    int *c = malloc((size_t)(n > 0 ? n : 1) * sizeof *c);
    if (c && n > 0)
        memcpy(c, v, (size_t)n * sizeof *c);
    return c;
}

static vx_status check_clips(const vx_feature_cache *cache, const int *clips, int n, const char *what)
{
    if (!cache || !clips || n <= 0)
        return vx_fail(VX_ERR_ARG, "%s: needs a feature cache and at least one clip", what);
    for (int i = 0; i < n; i++)
        if (!vx_feature_cache_at(cache, clips[i]))
            return vx_fail(VX_ERR_ARG, "%s: clip index %d is not in the cache (0..%d)", what, clips[i],
                           vx_feature_cache_count(cache) - 1);
    return VX_OK;
}

/* --- random segments ------------------------------------------------------------------ */

struct vx_segment_sampler {
    const vx_feature_cache *cache;
    int *clips, n_clips;
    int batch, frames, hop, n_mels;
    uint64_t seed;
    int *perm;            /* shuffle of epoch perm_epoch */
    int64_t perm_epoch;   /* −1: none yet                */
};

vx_segment_sampler *vx_segment_sampler_new(const vx_feature_cache *cache, const int *clips,
                                           int n_clips, int batch, int segment, uint64_t seed)
{
    if (check_clips(cache, clips, n_clips, "segment sampler") != VX_OK)
        return NULL;
    const vx_logmel_cfg *mc = vx_feature_cache_mel_cfg(cache);
    int hop = mc->stft.hop;
    if (batch < 1)
        return vx_fail_null(VX_ERR_ARG, "segment sampler: batch %d; use >= 1", batch);
    if (segment < hop || segment % hop)
        return vx_fail_null(VX_ERR_ARG, "segment sampler: segment %d is not a positive multiple of "
                            "the hop (%d samples)", segment, hop);
    vx_segment_sampler *s = calloc(1, sizeof *s);
    if (s) {
        s->clips = copy_ints(clips, n_clips);
        s->perm = malloc((size_t)n_clips * sizeof *s->perm);
    }
    if (!s || !s->clips || !s->perm) {
        vx_segment_sampler_free(s);
        return vx_fail_null(VX_ERR_OOM, "segment sampler: out of memory");
    }
    s->cache = cache;
    s->n_clips = n_clips;
    s->batch = batch;
    s->frames = segment / hop;
    s->hop = hop;
    s->n_mels = mc->mel.n_mels;
    s->seed = seed;
    s->perm_epoch = -1;
    return s;
}

void vx_segment_sampler_free(vx_segment_sampler *s)
{
    if (!s)
        return;
    free(s->clips);
    free(s->perm);
    free(s);
}

vx_status vx_segment_fill(void *sampler, int64_t k, vx_batch *out)
{
    vx_segment_sampler *s = sampler;
    if (!s || !out || k < 0)
        return vx_fail(VX_ERR_ARG, "segment sampler: needs a sampler, a batch and k >= 0");
    vx_status st = batch_reserve(out, s->batch, s->frames, s->n_mels, s->hop);
    if (st != VX_OK)
        return st;
    out->index = k;
    const float *silence = vx_feature_cache_silence(s->cache);
    for (int b = 0; b < s->batch; b++) {
        int64_t j = k * s->batch + b, epoch = j / s->n_clips;
        if (epoch != s->perm_epoch) {
            shuffle(s->perm, s->n_clips, vx_rng_bits_at(s->seed, 2 * (uint64_t)epoch));
            s->perm_epoch = epoch;
        }
        int clip = s->clips[s->perm[j % s->n_clips]];
        const vx_clip_features *cf = vx_feature_cache_at(s->cache, clip);
        int64_t max_start = cf->n_frames - s->frames, start = 0;
        if (max_start > 0)
            start = (int64_t)(vx_rng_bits_at(s->seed, 2 * (uint64_t)j + 1) % (uint64_t)(max_start + 1));
        put_item(out, b, cf, clip, start, silence);
    }
    return VX_OK;
}

int64_t vx_segment_batches_per_epoch(const vx_segment_sampler *s)
{
    return s->n_clips / s->batch > 0 ? s->n_clips / s->batch : 1;
}

/* --- length buckets -------------------------------------------------------------------- */

struct vx_bucket_sampler {
    const vx_feature_cache *cache;
    int *order;           /* clips sorted by length                  */
    int *first;           /* [n_buckets + 1] offsets into order      */
    int n_buckets;
    bool shuffle;
    uint64_t seed;
    int *perm;            /* bucket order of perm_epoch              */
    int64_t perm_epoch;
};

typedef struct length_key {
    int64_t frames;
    int clip;
} length_key;

/* Shorter first; equal lengths by clip index, so the order is total. */
static int by_length(const void *a, const void *b)
{
    const length_key *x = a, *y = b;
    if (x->frames != y->frames)
        return x->frames < y->frames ? -1 : 1;
    return (x->clip > y->clip) - (x->clip < y->clip);
}

vx_bucket_sampler *vx_bucket_sampler_new(const vx_feature_cache *cache, const int *clips, int n_clips,
                                         int max_batch, int64_t max_frames, bool shuffle_buckets,
                                         uint64_t seed)
{
    if (check_clips(cache, clips, n_clips, "bucket sampler") != VX_OK)
        return NULL;
    if (max_batch < 1 || max_frames < 0)
        return vx_fail_null(VX_ERR_ARG, "bucket sampler: max_batch %d, max_frames %lld; use >= 1 and "
                            ">= 0", max_batch, (long long)max_frames);
    vx_bucket_sampler *s = calloc(1, sizeof *s);
    if (s) {
        s->order = copy_ints(clips, n_clips);
        s->first = malloc((size_t)(n_clips + 1) * sizeof *s->first);
        s->perm = malloc((size_t)n_clips * sizeof *s->perm);
    }
    if (!s || !s->order || !s->first || !s->perm) {
        vx_bucket_sampler_free(s);
        return vx_fail_null(VX_ERR_OOM, "bucket sampler: out of memory");
    }
    s->cache = cache;
    s->shuffle = shuffle_buckets;
    s->seed = seed;
    s->perm_epoch = -1;
    length_key *keys = malloc((size_t)n_clips * sizeof *keys);
    if (!keys) {
        vx_bucket_sampler_free(s);
        return vx_fail_null(VX_ERR_OOM, "bucket sampler: out of memory");
    }
    for (int i = 0; i < n_clips; i++)
        keys[i] = (length_key){vx_feature_cache_at(cache, clips[i])->n_frames, clips[i]};
    qsort(keys, (size_t)n_clips, sizeof *keys, by_length);
    for (int i = 0; i < n_clips; i++)
        s->order[i] = keys[i].clip;
    free(keys);
    int count = 0;
    for (int i = 0; i < n_clips; i++) {
        int64_t len = vx_feature_cache_at(cache, s->order[i])->n_frames; /* the longest so far */
        bool full = count == max_batch || (max_frames > 0 && count > 0 && (count + 1) * len > max_frames);
        if (count == 0 || full) {
            s->first[s->n_buckets++] = i;
            count = 0;
        }
        count++;
    }
    s->first[s->n_buckets] = n_clips;
    return s;
}

void vx_bucket_sampler_free(vx_bucket_sampler *s)
{
    if (!s)
        return;
    free(s->order);
    free(s->first);
    free(s->perm);
    free(s);
}

vx_status vx_bucket_fill(void *sampler, int64_t k, vx_batch *out)
{
    vx_bucket_sampler *s = sampler;
    if (!s || !out || k < 0)
        return vx_fail(VX_ERR_ARG, "bucket sampler: needs a sampler, a batch and k >= 0");
    int64_t epoch = k / s->n_buckets;
    int j = (int)(k % s->n_buckets);
    if (s->shuffle && epoch != s->perm_epoch) {
        shuffle(s->perm, s->n_buckets, vx_rng_bits_at(s->seed, 2 * (uint64_t)epoch));
        s->perm_epoch = epoch;
    }
    int bucket = s->shuffle ? s->perm[j] : j;
    int first = s->first[bucket], B = s->first[bucket + 1] - first;
    const vx_logmel_cfg *mc = vx_feature_cache_mel_cfg(s->cache);
    int64_t F = vx_feature_cache_at(s->cache, s->order[first + B - 1])->n_frames;
    vx_status st = batch_reserve(out, B, F, mc->mel.n_mels, mc->stft.hop);
    if (st != VX_OK)
        return st;
    out->index = k;
    for (int b = 0; b < B; b++) {
        int clip = s->order[first + b];
        put_item(out, b, vx_feature_cache_at(s->cache, clip), clip, 0, vx_feature_cache_silence(s->cache));
    }
    return VX_OK;
}

int vx_bucket_count(const vx_bucket_sampler *s) { return s ? s->n_buckets : 0; }
