/* feature_cache.c — building, validating and mapping feature shards
 * (feature_cache.h). */
#include "train/feature_cache.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audio/energy.h"
#include "audio/wav.h"
#include "core/json.h"
#include "nn/safetensors.h"
#include "train/mkdirs.h"

#define CACHE_FORMAT "voxc-feature-cache-1"
#define DEFAULT_CLIPS_PER_SHARD 64
#define SHARD_PREFIX "shard-"
#define SHARD_SUFFIX ".safetensors"

struct vx_feature_cache {
    vx_logmel_cfg mel_cfg;
    vx_f0_cfg f0_cfg;
    float *silence;              /* [n_mels]                    */
    vx_st_file **shards;         /* [n_shards], mapped          */
    int n_shards;
    vx_clip_features *clips;     /* usable clips, corpus order  */
    int n_clips;
};

/* --- names and stamps ------------------------------------------------------------- */

static char *recipe_string(const vx_logmel_cfg *m, const vx_f0_cfg *f)
{
    char *s = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&s, &len);
    if (!mf)
        return NULL;
    fprintf(mf, "sr=%d n_fft=%d win=%d hop=%d pad=%d mels=%d fmin=%g fmax=%g scale=%d norm=%d "
            "eps=%g floor=%g f0=dio%s floor=%g ceil=%g octave=%g range=%g",
            m->mel.sample_rate, m->stft.n_fft, m->stft.win_length, m->stft.hop, m->stft.pad,
            m->mel.n_mels, m->mel.fmin, m->mel.fmax, (int)m->mel.scale, (int)m->mel.norm,
            (double)m->mag_eps, (double)m->log_floor, f->refine ? "+stonemask" : "", f->f0_floor,
            f->f0_ceil, f->channels_in_octave, f->allowed_range);
    return fclose(mf) == 0 ? s : NULL;
}

static uint64_t phoneme_hash(const vx_clip *c)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (int i = 0; i < c->n_phonemes; i++) {
        uint64_t v = (uint64_t)(uint32_t)c->phoneme_ids[i] << 32 | (uint32_t)c->durations[i];
        for (int b = 0; b < 8; b++) {
            h ^= (v >> (8 * b)) & 0xff;
            h *= 0x100000001b3ull;
        }
    }
    return c->n_phonemes ? h : 0;
}

/* Identity of a clip's sources; false when its audio cannot be stat'ed. */
static bool clip_stamp(const vx_clip *c, char *buf, size_t size)
{
    struct stat sb;
    if (stat(c->path, &sb) != 0)
        return false;
    snprintf(buf, size, "size=%lld mtime=%lld.%09ld phonemes=%016" PRIx64, (long long)sb.st_size,
             (long long)sb.st_mtim.tv_sec, (long)sb.st_mtim.tv_nsec, phoneme_hash(c));
    return true;
}

/* [[id, stamp], ...] of clips [first, end) as JSON text (malloc'd). */
static char *clip_list_json(const vx_dataset *ds, int first, int end)
{
    char *s = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&s, &len);
    if (!mf)
        return NULL;
    fputc('[', mf);
    for (int i = first; i < end; i++) {
        char stamp[128];
        if (!clip_stamp(&ds->clips[i], stamp, sizeof stamp))
            snprintf(stamp, sizeof stamp, "unreadable");
        fputs(i > first ? ",[" : "[", mf);
        vx_json_write_string(mf, ds->clips[i].id, strlen(ds->clips[i].id));
        fputc(',', mf);
        vx_json_write_string(mf, stamp, strlen(stamp));
        fputc(']', mf);
    }
    fputc(']', mf);
    return fclose(mf) == 0 ? s : NULL;
}

/* --- computing one clip ------------------------------------------------------------- */

typedef struct clip_data {
    vx_audio audio;
    int64_t frames;
    float *mel, *f0, *energy;    /* [T, n_mels], [T], [T] */
    char *error;                 /* why the clip is left out, or NULL */
} clip_data;

static void clip_data_free(clip_data *d)
{
    vx_audio_free(&d->audio);
    free(d->mel);
    free(d->f0);
    free(d->energy);
    free(d->error);
}

static void set_error(clip_data *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_error(clip_data *d, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    free(d->error);
    d->error = strdup(msg);
}

/* Features of clip c; on a clip problem d->error is set and VX_OK returned
 * (only running out of memory fails). */
static vx_status compute_clip(vx_feature_cache *cache, vx_logmel *lm, const vx_clip *c, clip_data *d)
{
    memset(d, 0, sizeof *d);
    const vx_logmel_cfg *mc = &cache->mel_cfg;
    if (vx_audio_read_mono(c->path, mc->mel.sample_rate, &d->audio) != VX_OK) {
        set_error(d, "%s", vx_last_error());
        return VX_OK;
    }
    int64_t n = d->audio.frames;
    if (n < mc->stft.n_fft) {
        set_error(d, "%s has %lld samples at %d Hz; a clip needs at least one FFT window (%d)",
                  c->path, (long long)n, mc->mel.sample_rate, mc->stft.n_fft);
        return VX_OK;
    }
    d->frames = vx_logmel_frames(lm, n);
    int64_t dur_sum = 0;
    for (int i = 0; i < c->n_phonemes; i++)
        dur_sum += c->durations[i];
    if (dur_sum > d->frames) {
        set_error(d, "%s: the durations add up to %lld frames but the audio has %lld", c->path,
                  (long long)dur_sum, (long long)d->frames);
        return VX_OK;
    }
    int bins = mc->stft.n_fft / 2 + 1;
    float *mag = malloc(sizeof(float) * (size_t)d->frames * (size_t)bins);
    d->mel = malloc(sizeof(float) * (size_t)d->frames * (size_t)mc->mel.n_mels);
    d->f0 = malloc(sizeof(float) * (size_t)vx_f0_frames(&cache->f0_cfg, n));
    d->energy = malloc(sizeof(float) * (size_t)d->frames);
    vx_status st = VX_OK;
    if (!mag || !d->mel || !d->f0 || !d->energy)
        st = vx_fail(VX_ERR_OOM, "%s: out of memory for %lld frames", c->path, (long long)d->frames);
    else if (vx_logmel_compute(lm, d->audio.samples, n, d->mel, mag) != VX_OK ||
             vx_f0_estimate(&cache->f0_cfg, d->audio.samples, n, d->f0) != VX_OK)
        set_error(d, "%s", vx_last_error());
    else
        vx_energy_from_magnitude(mag, d->frames, bins, d->energy);
    free(mag);
    return st;
}

/* --- writing a shard --------------------------------------------------------------- */

static char *tensor_name(int k, const char *what)
{
    char buf[48];
    snprintf(buf, sizeof buf, "%d/%s", k, what);
    return strdup(buf);
}

/* Compute clips [first, end) and write them to `path`. */
static vx_status build_shard(vx_feature_cache *cache, const vx_dataset *ds, int first, int end,
                             const char *path, const char *recipe, const char *clip_list)
{
    int k_n = end - first, n_mels = cache->mel_cfg.mel.n_mels;
    clip_data *cd = calloc((size_t)k_n, sizeof *cd);
    vx_st_write_entry *e = calloc((size_t)k_n * 6, sizeof *e);
    vx_logmel *lm = vx_logmel_new(&cache->mel_cfg);
    vx_status st = cd && e ? VX_OK : vx_fail(VX_ERR_OOM, "%s: out of memory", path);
    if (st == VX_OK && !lm)
        st = vx_last_status();
    int n_e = 0;
    char *errors = NULL;
    size_t errors_len = 0;
    FILE *mf = st == VX_OK ? open_memstream(&errors, &errors_len) : NULL;
    if (st == VX_OK && !mf)
        st = vx_fail(VX_ERR_OOM, "%s: out of memory", path);
    if (mf)
        fputc('{', mf);
    bool first_error = true;
    for (int k = 0; k < k_n && st == VX_OK; k++) {
        const vx_clip *c = &ds->clips[first + k];
        clip_data *d = &cd[k];
        st = compute_clip(cache, lm, c, d);
        if (st != VX_OK)
            break;
        if (d->error) {
            fputs(first_error ? "" : ",", mf);
            vx_json_write_string(mf, c->id, strlen(c->id));
            fputc(':', mf);
            vx_json_write_string(mf, d->error, strlen(d->error));
            first_error = false;
            continue;
        }
        int64_t T = d->frames;
        e[n_e++] = (vx_st_write_entry){.name = tensor_name(k, "audio"), .dtype = VX_F32, .ndim = 1,
                                       .shape = {d->audio.frames}, .data = d->audio.samples};
        e[n_e++] = (vx_st_write_entry){.name = tensor_name(k, "mel"), .dtype = VX_F32, .ndim = 2,
                                       .shape = {T, n_mels}, .data = d->mel};
        e[n_e++] = (vx_st_write_entry){.name = tensor_name(k, "f0"), .dtype = VX_F32, .ndim = 1,
                                       .shape = {T}, .data = d->f0};
        e[n_e++] = (vx_st_write_entry){.name = tensor_name(k, "energy"), .dtype = VX_F32, .ndim = 1,
                                       .shape = {T}, .data = d->energy};
        if (c->n_phonemes) {
            e[n_e++] = (vx_st_write_entry){.name = tensor_name(k, "phoneme_ids"), .dtype = VX_I32,
                                           .ndim = 1, .shape = {c->n_phonemes}, .data = c->phoneme_ids};
            e[n_e++] = (vx_st_write_entry){.name = tensor_name(k, "durations"), .dtype = VX_I32,
                                           .ndim = 1, .shape = {c->n_phonemes}, .data = c->durations};
        }
    }
    if (mf) {
        fputc('}', mf);
        if (fclose(mf) != 0 && st == VX_OK)
            st = vx_fail(VX_ERR_OOM, "%s: out of memory", path);
    }
    for (int i = 0; i < n_e && st == VX_OK; i++)
        if (!e[i].name)
            st = vx_fail(VX_ERR_OOM, "%s: out of memory", path);
    if (st == VX_OK) {
        const char *keys[] = {"format", "recipe", "clips", "errors"};
        const char *values[] = {CACHE_FORMAT, recipe, clip_list, errors};
        st = vx_st_write(path, n_e, e, 4, keys, values);
    }
    for (int i = 0; i < n_e; i++)
        free((char *)e[i].name);
    for (int k = 0; cd && k < k_n; k++)
        clip_data_free(&cd[k]);
    free(cd);
    free(e);
    free(errors);
    vx_logmel_free(lm);
    return st;
}

/* --- mapping a shard ---------------------------------------------------------------- */

/* The f32/i32 entry "<k>/<what>" when it has rank `ndim`, the given first
 * dimension (−1: any) and aligned data; NULL otherwise. */
static const vx_st_entry *shard_entry(const vx_st_file *f, int k, const char *what, vx_dtype dt,
                                      int ndim, int64_t dim0)
{
    char name[48];
    snprintf(name, sizeof name, "%d/%s", k, what);
    const vx_st_entry *e = vx_st_find(f, name);
    if (!e || e->dtype != dt || e->ndim != ndim || (dim0 >= 0 && e->shape[0] != dim0) ||
        (uintptr_t)e->data % 4 != 0)
        return NULL;
    return e;
}

/* Fill cache clips from shard f for corpus clips [first, end); false when the
 * shard does not hold what its metadata promises (it is then rebuilt).
 * Clip errors recorded in the shard go to the report. */
static bool map_shard(vx_feature_cache *cache, const vx_dataset *ds, const vx_st_file *f, int first,
                      int end, vx_data_report *report, int *failed)
{
    const char *err_text = vx_st_metadata(f, "errors");
    vx_json *errs = err_text ? vx_json_parse(err_text, strlen(err_text), "cache errors") : NULL;
    if (!errs || errs->type != VX_JSON_OBJECT) {
        vx_json_free(errs);
        return false;
    }
    int n_mels = cache->mel_cfg.mel.n_mels, hop = cache->mel_cfg.stft.hop;
    int added = 0, n_failed = 0;
    bool ok = true;
    for (int k = 0; k < end - first && ok; k++) {
        const vx_clip *c = &ds->clips[first + k];
        const char *why = vx_json_get_string(errs, c->id, NULL);
        if (why) {
            n_failed++;
            continue;
        }
        const vx_st_entry *a = shard_entry(f, k, "audio", VX_F32, 1, -1);
        int64_t T = a ? a->shape[0] / hop : 0;
        const vx_st_entry *m = a ? shard_entry(f, k, "mel", VX_F32, 2, T) : NULL;
        const vx_st_entry *p = m ? shard_entry(f, k, "f0", VX_F32, 1, T) : NULL;
        const vx_st_entry *en = p ? shard_entry(f, k, "energy", VX_F32, 1, T) : NULL;
        const vx_st_entry *ids = NULL, *dur = NULL;
        if (en && c->n_phonemes) {
            ids = shard_entry(f, k, "phoneme_ids", VX_I32, 1, c->n_phonemes);
            dur = ids ? shard_entry(f, k, "durations", VX_I32, 1, c->n_phonemes) : NULL;
        }
        ok = en && m->shape[1] == n_mels && (!c->n_phonemes || dur);
        if (!ok)
            break;
        cache->clips[cache->n_clips + added++] = (vx_clip_features){
            .clip = first + k,
            .id = c->id,
            .n_samples = a->shape[0],
            .audio = a->data,
            .n_frames = T,
            .mel = m->data,
            .f0 = p->data,
            .energy = en->data,
            .n_phonemes = c->n_phonemes,
            .phoneme_ids = ids ? ids->data : NULL,
            .durations = dur ? dur->data : NULL,
        };
    }
    if (ok) {
        cache->n_clips += added;
        *failed += n_failed;
        for (int k = 0; k < end - first; k++) {
            const char *why = vx_json_get_string(errs, ds->clips[first + k].id, NULL);
            if (why)
                vx_data_report_add(report, ds->clips[first + k].id, "%s", why);
        }
    }
    vx_json_free(errs);
    return ok;
}

/* The shard at `path` when it exists and matches recipe and clip list. */
static vx_st_file *open_if_current(const char *path, const char *recipe, const char *clip_list)
{
    if (access(path, F_OK) != 0)
        return NULL;
    vx_st_file *f = vx_st_open(path);
    const char *fmt = f ? vx_st_metadata(f, "format") : NULL;
    const char *rec = f ? vx_st_metadata(f, "recipe") : NULL;
    const char *list = f ? vx_st_metadata(f, "clips") : NULL;
    if (f && fmt && rec && list && strcmp(fmt, CACHE_FORMAT) == 0 && strcmp(rec, recipe) == 0 &&
        strcmp(list, clip_list) == 0)
        return f;
    vx_st_close(f);
    vx_clear_error();
    return NULL;
}

/* Delete shard files numbered n_shards and up. */
static void remove_stale_shards(const char *dir, int n_shards)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    size_t np = strlen(SHARD_PREFIX), ns = strlen(SHARD_SUFFIX);
    for (struct dirent *de; (de = readdir(d));) {
        const char *name = de->d_name;
        size_t n = strlen(name);
        if (n != np + 5 + ns || strncmp(name, SHARD_PREFIX, np) != 0 || strcmp(name + np + 5, SHARD_SUFFIX) != 0)
            continue;
        if (strspn(name + np, "0123456789") < 5 || atoi(name + np) < n_shards)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        unlink(path);
    }
    closedir(d);
}

/* --- the cache ---------------------------------------------------------------------- */

static vx_status compute_silence(vx_feature_cache *c)
{
    int n = c->mel_cfg.stft.n_fft;
    float *zeros = calloc((size_t)n, sizeof *zeros);
    vx_logmel *lm = vx_logmel_new(&c->mel_cfg);
    int64_t frames = 0;
    float *mel = zeros && lm ? vx_logmel_alloc(lm, zeros, n, &frames) : NULL;
    vx_status st = mel ? VX_OK : vx_fail(VX_ERR_OOM, "feature cache: out of memory");
    if (mel) {
        c->silence = malloc(sizeof(float) * (size_t)c->mel_cfg.mel.n_mels);
        if (c->silence)
            memcpy(c->silence, mel, sizeof(float) * (size_t)c->mel_cfg.mel.n_mels);
        else
            st = vx_fail(VX_ERR_OOM, "feature cache: out of memory");
    }
    free(mel);
    free(zeros);
    vx_logmel_free(lm);
    return st;
}

vx_feature_cache *vx_feature_cache_open(const vx_dataset *ds, const vx_cache_opts *opts,
                                        vx_data_report *report, vx_cache_stats *stats)
{
    if (!ds || !opts || !opts->dir)
        return vx_fail_null(VX_ERR_ARG, "feature cache: needs a corpus and a cache folder");
    int per = opts->clips_per_shard > 0 ? opts->clips_per_shard : DEFAULT_CLIPS_PER_SHARD;
    vx_status st = vx_mkdirs(opts->dir);
    if (st != VX_OK)
        return NULL;
    vx_feature_cache *c = calloc(1, sizeof *c);
    if (!c)
        return vx_fail_null(VX_ERR_OOM, "feature cache: out of memory");
    c->mel_cfg = vx_logmel_cfg_hifigan();
    c->f0_cfg = vx_f0_cfg_fastspeech2();
    c->n_shards = (ds->n_clips + per - 1) / per;
    c->shards = calloc((size_t)c->n_shards, sizeof *c->shards);
    c->clips = calloc((size_t)ds->n_clips, sizeof *c->clips);
    char *recipe = recipe_string(&c->mel_cfg, &c->f0_cfg);
    if (!c->shards || !c->clips || !recipe)
        st = vx_fail(VX_ERR_OOM, "feature cache: out of memory");
    if (st == VX_OK)
        st = compute_silence(c);
    vx_cache_stats s = {.shards = c->n_shards};
    for (int sh = 0; sh < c->n_shards && st == VX_OK; sh++) {
        int first = sh * per, end = first + per < ds->n_clips ? first + per : ds->n_clips;
        char path[4096];
        snprintf(path, sizeof path, "%s/" SHARD_PREFIX "%05d" SHARD_SUFFIX, opts->dir, sh);
        char *list = clip_list_json(ds, first, end);
        if (!list) {
            st = vx_fail(VX_ERR_OOM, "feature cache: out of memory");
            break;
        }
        vx_st_file *f = open_if_current(path, recipe, list);
        if (f && map_shard(c, ds, f, first, end, report, &s.failed)) {
            s.reused++;
        } else {
            vx_st_close(f);
            st = build_shard(c, ds, first, end, path, recipe, list);
            f = st == VX_OK ? vx_st_open(path) : NULL;
            if (st == VX_OK && !f)
                st = vx_last_status();
            if (st == VX_OK && !map_shard(c, ds, f, first, end, report, &s.failed))
                st = vx_fail(VX_ERR_FORMAT, "%s: the shard just written does not read back", path);
            s.built++;
            if (st == VX_OK && opts->progress)
                fprintf(opts->progress, "feature cache: built %s (%d clips)\n", path, end - first);
        }
        c->shards[sh] = f;
        free(list);
    }
    free(recipe);
    if (st == VX_OK) {
        remove_stale_shards(opts->dir, c->n_shards);
        s.clips = c->n_clips;
        if (c->n_clips == 0)
            st = vx_fail(VX_ERR_FORMAT, "%s: none of the %d clips is usable (see the report)",
                         ds->source, ds->n_clips);
    }
    if (stats)
        *stats = s;
    if (st != VX_OK) {
        vx_feature_cache_close(c);
        return NULL;
    }
    return c;
}

void vx_feature_cache_close(vx_feature_cache *c)
{
    if (!c)
        return;
    for (int i = 0; c->shards && i < c->n_shards; i++)
        vx_st_close(c->shards[i]);
    free(c->shards);
    free(c->clips);
    free(c->silence);
    free(c);
}

int vx_feature_cache_count(const vx_feature_cache *c) { return c ? c->n_clips : 0; }

const vx_clip_features *vx_feature_cache_at(const vx_feature_cache *c, int i)
{
    return c && i >= 0 && i < c->n_clips ? &c->clips[i] : NULL;
}

const vx_logmel_cfg *vx_feature_cache_mel_cfg(const vx_feature_cache *c) { return &c->mel_cfg; }
const vx_f0_cfg *vx_feature_cache_f0_cfg(const vx_feature_cache *c) { return &c->f0_cfg; }
const float *vx_feature_cache_silence(const vx_feature_cache *c) { return c->silence; }
