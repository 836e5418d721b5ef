/* distill.c — a corpus spoken by a Piper voice (distill.h): the voice and
 * settings checks, which earlier clips are kept, one VITS call per text, the
 * rows of metadata.csv and the feature cache. A wav's length is read from its
 * header with libsndfile (no samples decoded), so resuming a large corpus is
 * cheap. */
#include "train/distill.h"

#include <errno.h>
#include <math.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audio/wav.h"
#include "core/atomic_file.h"
#include "core/read_file.h"
#include "core/json.h"
#include "core/sbuf.h"
#include "core/vx.h"
#include "text/normalize.h"
#include "text/phonemize.h"
#include "train/distill_internal.h"
#include "train/mkdirs.h"

typedef struct distiller {
    const vx_vits *voice;
    const vx_vits_config *cfg;
    const vx_distill_opts *o;
    vx_data_report *report;
    vx_distill_stats *st;
    vx_phoneme_id_map *map;
    char *espeak_voice;
    vx_ctx *ctx;
    distill_input in;           /* the texts and an earlier run's rows        */
    char *meta_path, *settings_path, *wav_dir;
    FILE *append;               /* metadata.csv opened for appending rows    */
    double t_start, t_synth, last_progress;
    size_t chars_total, chars_done; /* text bytes to synthesise / done       */
} distiller;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static char *path_join(const char *dir, const char *name)
{
    char *p = NULL;
    if (asprintf(&p, "%s/%s", dir, name) < 0)
        return vx_fail_null(VX_ERR_OOM, "distill: out of memory");
    return p;
}

/* --- the voice --------------------------------------------------------------------- */

/* The phoneme map and espeak-ng voice from the voice config. */
static vx_status load_text_config(distiller *d)
{
    size_t len;
    const char *text = vx_vits_voice_json(d->voice, &len);
    vx_json *config = vx_json_parse(text, len, "the voice config");
    if (!config)
        return vx_last_status();
    vx_status st = VX_OK;
    if (!(d->map = vx_phoneme_id_map_from_config(config, "the voice config")))
        st = vx_last_status();
    else if (!(d->espeak_voice = strdup(vx_json_get_string(vx_json_get(config, "espeak"), "voice", "en-us"))))
        st = vx_fail(VX_ERR_OOM, "distill: out of memory");
    vx_json_free(config);
    return st;
}

static vx_status check_voice(const distiller *d)
{
    if (d->cfg->hop_length != VX_DISTILL_HOP)
        return vx_fail(VX_ERR_UNSUPPORTED,
                       "the voice's hop is %d samples, but corpora use %d-sample mel frames (durations "
                       "count them): use a voice whose decoder upsamples by %d (Piper's x_low, low, medium "
                       "and high voices do); voxc does not convert the frame grid",
                       d->cfg->hop_length, VX_DISTILL_HOP, VX_DISTILL_HOP);
    if (d->o->features && d->cfg->sample_rate != 22050)
        return vx_fail(VX_ERR_UNSUPPORTED,
                       "the voice speaks at %d Hz, but the feature cache reads audio at 22050 Hz, where "
                       "the durations would not match its frames: use a 22050 Hz voice, or no features",
                       d->cfg->sample_rate);
    return VX_OK;
}

/* --- settings (distill.json) -------------------------------------------------------- */

/* The voice file's name without folder and extension. */
static void voice_stem(const char *path, char *out, size_t size)
{
    const char *base = path ? strrchr(path, '/') : NULL;
    base = base ? base + 1 : path ? path : "voice";
    snprintf(out, size, "%s", base);
    static const char *const exts[] = {".onnx", ".safetensors"};
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        size_t n = strlen(out), k = strlen(exts[i]);
        if (n > k && !strcmp(out + n - k, exts[i]))
            out[n - k] = '\0';
    }
}

static char *settings_text(const distiller *d)
{
    char stem[256];
    voice_stem(d->o->voice_name, stem, sizeof stem);
    const vx_vits_params *p = &d->o->params;
    vx_sbuf b = {0};
    vx_sbuf_lit(&b, "{\"format\":\"voxc-distill-1\",\"voice\":\"");
    for (const char *s = stem; *s; s++) /* a JSON string: escape what needs it */
        if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20)
            vx_sbuf_printf(&b, "\\u%04x", (unsigned char)*s);
        else
            vx_sbuf_putc(&b, *s);
    vx_sbuf_printf(&b, "\",\"sample_rate\":%d,\"hop\":%d,\"noise_scale\":%g,\"noise_w\":%g,"
                   "\"length_scale\":%g,\"speaker\":%d,\"seed\":%llu,\"normalize\":true}\n",
                   d->cfg->sample_rate, d->cfg->hop_length, (double)p->noise_scale, (double)p->noise_w,
                   (double)p->length_scale, p->speaker, (unsigned long long)p->seed);
    if (b.oom) {
        free(b.data);
        return vx_fail_null(VX_ERR_OOM, "distill: out of memory");
    }
    return b.data;
}

/* A member's value for messages. */
static void json_value_text(const vx_json *v, char *buf, size_t size)
{
    if (!v)
        snprintf(buf, size, "(none)");
    else if (v->type == VX_JSON_STRING)
        snprintf(buf, size, "'%s'", v->string);
    else if (v->type == VX_JSON_NUMBER)
        snprintf(buf, size, "%g", v->number);
    else
        snprintf(buf, size, "a %s", vx_json_type_name(v->type));
}

static bool json_same(const vx_json *a, const vx_json *b)
{
    if (!a || !b || a->type != b->type)
        return false;
    if (a->type == VX_JSON_NUMBER)
        return a->number == b->number;
    if (a->type == VX_JSON_STRING)
        return a->len == b->len && !memcmp(a->string, b->string, a->len);
    return a->type != VX_JSON_BOOL || a->boolean == b->boolean;
}

/* Write distill.json, or check that the folder's matches this run. A folder
 * with a metadata.csv but no distill.json was not made by voxc-distill: it is
 * left alone. */
static vx_status check_settings(distiller *d)
{
    char *want = settings_text(d);
    if (!want)
        return vx_last_status();
    vx_status st = VX_OK;
    if (!distill_file_exists(d->settings_path)) {
        if (distill_file_exists(d->meta_path))
            st = vx_fail(VX_ERR_ARG, "%s holds a metadata.csv that voxc-distill did not make (there is no "
                         "distill.json): give an empty or new folder", d->o->out_dir);
        else
            st = vx_write_file_atomic(d->settings_path, want, strlen(want));
        free(want);
        return st;
    }
    size_t len;
    char *have_text = vx_read_file(d->settings_path, 1 << 20, "settings", &len);
    vx_json *have = have_text ? vx_json_parse(have_text, len, d->settings_path) : NULL;
    vx_json *now = vx_json_parse(want, strlen(want), "the settings");
    if (!have || !now)
        st = vx_last_status();
    for (size_t i = 0; !st && i < now->count; i++) {
        const vx_json *a = vx_json_get(have, now->keys[i]);
        if (json_same(a, now->items[i]))
            continue;
        char was[128], is[128];
        json_value_text(a, was, sizeof was);
        json_value_text(now->items[i], is, sizeof is);
        st = vx_fail(VX_ERR_ARG, "%s was made with %s %s, this run has %s: resume with the same voice and "
                     "options, or give another folder", d->o->out_dir, now->keys[i], was, is);
    }
    vx_json_free(have);
    vx_json_free(now);
    free(have_text);
    free(want);
    return st;
}

/* --- an earlier run's rows ----------------------------------------------------------- */

/* True when DIR/wavs/<id>.wav is mono at the voice's rate with frames · hop samples. */
static bool wav_fits(const distiller *d, const char *id, int64_t frames)
{
    char *path = NULL;
    if (asprintf(&path, "%s/%s.wav", d->wav_dir, id) < 0)
        return false;
    SF_INFO info = {0};
    SNDFILE *f = sf_open(path, SFM_READ, &info);
    free(path);
    if (!f)
        return false;
    sf_close(f);
    return info.channels == 1 && info.samplerate == d->cfg->sample_rate &&
           (int64_t)info.frames == frames * d->cfg->hop_length;
}

static double frames_s(const distiller *d, int64_t frames)
{
    return (double)(frames * d->cfg->hop_length) / d->cfg->sample_rate;
}

/* Keep the rows whose clip is intact: those of this run's texts with the same
 * text, and those of other ids (after them). */
static vx_status claim_earlier_rows(distiller *d)
{
    for (int i = 0; i < d->in.n_items; i++) {
        distill_text *it = &d->in.items[i];
        distill_row *r = it->usable ? distill_find_row(&d->in, it->id) : NULL;
        if (!r || !r->line)
            continue;
        r->used = true;
        if (strcmp(r->text, it->text) || !wav_fits(d, r->id, r->frames)) {
            d->st->redone++;
            continue;
        }
        if (asprintf(&it->row, "%s\n", r->line) < 0) {
            it->row = NULL;
            return vx_fail(VX_ERR_OOM, "distill: out of memory");
        }
        it->audio_s = frames_s(d, r->frames);
        d->st->kept++;
    }
    for (int i = 0; i < d->in.n_rows; i++) {
        distill_row *r = &d->in.rows[i];
        if (!r->line || r->used)
            continue;
        if (wav_fits(d, r->id, r->frames)) {
            d->st->kept_other++;
            continue;
        }
        vx_data_report_add(d->report, r->id, "its metadata.csv row is dropped: the wav is missing or has "
                           "not Σdurations · %d samples", d->cfg->hop_length);
        free(r->line);
        r->line = NULL;
    }
    return VX_OK;
}

/* metadata.csv with every clip: this run's texts in order, then other rows in id order. */
static vx_status write_metadata(distiller *d)
{
    vx_sbuf b = {0};
    double audio_s = 0;
    int clips = 0;
    for (int i = 0; i < d->in.n_items; i++)
        if (d->in.items[i].row) {
            vx_sbuf_puts(&b, d->in.items[i].row);
            audio_s += d->in.items[i].audio_s;
            clips++;
        }
    for (int i = 0; i < d->in.n_rows; i++)
        if (d->in.rows[i].line && !d->in.rows[i].used) {
            vx_sbuf_printf(&b, "%s\n", d->in.rows[i].line);
            audio_s += frames_s(d, d->in.rows[i].frames);
            clips++;
        }
    vx_status st = b.oom ? vx_fail(VX_ERR_OOM, "distill: out of memory writing %s", d->meta_path)
                         : vx_write_file_atomic(d->meta_path, b.data ? b.data : "", b.len);
    free(b.data);
    d->st->clips = clips;
    d->st->audio_s = audio_s;
    return st;
}

/* --- synthesis ---------------------------------------------------------------------- */

static void format_eta(double s, char *buf, size_t size)
{
    if (s < 90)
        snprintf(buf, size, "%.0f s", s);
    else if (s < 5400)
        snprintf(buf, size, "%.0f min", s / 60);
    else
        snprintf(buf, size, "%.0f h %02.0f min", floor(s / 3600), fmod(s, 3600) / 60);
}

static void show_progress(distiller *d, bool last)
{
    FILE *f = d->o->progress;
    double now = now_s();
    if (!f || (!last && now - d->last_progress < (d->o->progress_inline ? 1.0 : 30.0)))
        return;
    d->last_progress = now;
    const vx_distill_stats *s = d->st;
    double elapsed = now - d->t_synth;
    char eta[32] = "?";
    if (d->chars_done)
        format_eta(elapsed / (double)d->chars_done * (double)(d->chars_total - d->chars_done), eta, sizeof eta);
    fprintf(f, "%sdistill: %d/%d texts done (%d made, %d kept, %d skipped), %.2f h of audio, RTF %.3f, "
            "ETA %s%s", d->o->progress_inline ? "\r" : "", s->made + s->kept + s->skipped, s->texts, s->made,
            s->kept, s->skipped, (s->audio_s + s->made_audio_s) / 3600.0,
            s->made_audio_s > 0 ? s->synth_s / s->made_audio_s : 0.0, last ? "0 s" : eta,
            d->o->progress_inline && !last ? "" : "\n");
    fflush(f);
}

/* Normalise and phonemise a text into one id sequence (*ids NULL: reported). */
static vx_status text_to_ids(distiller *d, distill_text *it, char **normalized, int64_t **ids, size_t *n_ids)
{
    *ids = NULL;
    size_t len;
    if (!(*normalized = vx_normalize(it->text, strlen(it->text), &len))) {
        vx_data_report_add(d->report, it->id, "cannot normalise the text: %s", vx_last_error());
        return VX_OK;
    }
    vx_phonemes *ph = vx_phonemize(*normalized, len, d->espeak_voice);
    if (!ph) {
        vx_data_report_add(d->report, it->id, "cannot phonemise the text: %s", vx_last_error());
        return VX_OK;
    }
    size_t n = 0, at = 0;
    for (size_t i = 0; i < ph->count; i++)
        n += ph->sentences[i].n;
    uint32_t *all = malloc(sizeof *all * (n ? n : 1));
    vx_status st = all ? VX_OK : vx_fail(VX_ERR_OOM, "distill: out of memory");
    for (size_t i = 0; all && i < ph->count; i++)
        if (ph->sentences[i].n) { /* an empty sentence may have no array */
            memcpy(all + at, ph->sentences[i].phonemes, sizeof *all * ph->sentences[i].n);
            at += ph->sentences[i].n;
        }
    vx_phonemes_free(ph);
    if (!st && !n)
        vx_data_report_add(d->report, it->id, "nothing to say: espeak-ng gives no phonemes for '%.60s'",
                           *normalized);
    else if (!st && !(st = vx_phoneme_ids(d->map, all, n, ids, n_ids, &d->st->misses)) && *n_ids <= 3) {
        vx_data_report_add(d->report, it->id, "none of its %zu phonemes is in the voice's phoneme_id_map", n);
        free(*ids);
        *ids = NULL;
    }
    free(all);
    return st;
}

/* Append a row to metadata.csv, durably. */
static vx_status append_row(distiller *d, const char *row)
{
    size_t n = strlen(row);
    if (fwrite(row, 1, n, d->append) != n || fflush(d->append) || fsync(fileno(d->append)))
        return vx_fail(VX_ERR_IO, "%s: cannot append a row: %s", d->meta_path, strerror(errno));
    return VX_OK;
}

/* The row id|text|normalized|phoneme_ids|durations with '\n'. */
static char *make_row(const distill_text *it, const char *normalized, const int64_t *ids, const int32_t *dur,
                      size_t n)
{
    vx_sbuf b = {0};
    vx_sbuf_printf(&b, "%s|%s|", it->id, it->text);
    for (const char *s = normalized; *s; s++) /* the normaliser keeps one line; '|' would split fields */
        vx_sbuf_putc(&b, *s == '|' || *s == '\n' || *s == '\r' ? ' ' : *s);
    for (size_t i = 0; i < n; i++)
        vx_sbuf_printf(&b, "%s%lld", i ? " " : "|", (long long)ids[i]);
    for (size_t i = 0; i < n; i++)
        vx_sbuf_printf(&b, "%s%d", i ? " " : "|", (int)dur[i]);
    vx_sbuf_putc(&b, '\n');
    if (b.oom) {
        free(b.data);
        return vx_fail_null(VX_ERR_OOM, "distill: out of memory");
    }
    return b.data;
}

/* Synthesise one text into its wav and row; text problems are reported. */
static vx_status make_clip(distiller *d, distill_text *it)
{
    char *normalized = NULL, *row = NULL, *path = NULL;
    int64_t *ids = NULL;
    size_t n_ids = 0;
    vx_status st = text_to_ids(d, it, &normalized, &ids, &n_ids);
    if (st || !ids) {
        d->st->skipped += !st;
        free(normalized);
        return st;
    }
    double t0 = now_s();
    vx_vits_params p = d->o->params;
    p.seed ^= vx_clip_hash(it->id);
    vx_ctx_reset(d->ctx);
    vx_vits_output y;
    if ((st = vx_vits_synthesize(d->voice, d->ctx, ids, (int64_t)n_ids, &p, &y))) {
        char why[512];
        snprintf(why, sizeof why, "%s", vx_last_error());
        st = vx_fail(st, "%s: synthesis failed: %s", it->id, why);
        goto done;
    }
    const int32_t *dur = y.durations->data;
    int64_t sum = 0, n = vx_numel(y.audio);
    for (size_t i = 0; i < n_ids; i++)
        sum += dur[i];
    if (sum == 0) {
        vx_data_report_add(d->report, it->id, "the duration predictor gives its %zu ids no frames", n_ids);
        d->st->skipped++;
        goto done;
    }
    if (sum != y.frames || n != sum * d->cfg->hop_length) {
        st = vx_fail(VX_ERR_NUMERIC, "%s: %lld samples for %lld frames of durations (want frames x %d)", it->id,
                     (long long)n, (long long)sum, d->cfg->hop_length);
        goto done;
    }
    /* one gain for the whole clip (ref: piper1-gpl: audio / max|audio|); lengths stay */
    float *audio = y.audio->data, peak = 0.0f;
    for (int64_t i = 0; i < n; i++)
        peak = fmaxf(peak, fabsf(audio[i]));
    float gain = peak > 1e-8f ? 1.0f / peak : 0.0f;
    for (int64_t i = 0; i < n; i++)
        audio[i] *= gain;
    if (asprintf(&path, "%s/%s.wav", d->wav_dir, it->id) < 0) {
        path = NULL;
        st = vx_fail(VX_ERR_OOM, "distill: out of memory");
        goto done;
    }
    if ((st = vx_audio_write(path, audio, n, 1, d->cfg->sample_rate, VX_AUDIO_PCM16)) ||
        !(row = make_row(it, normalized, ids, dur, n_ids)) || (st = append_row(d, row))) {
        st = st ? st : vx_last_status();
        goto done;
    }
    it->row = row;
    row = NULL;
    it->audio_s = frames_s(d, sum);
    d->st->made++;
    d->st->made_audio_s += it->audio_s;
    d->st->synth_s += now_s() - t0;
done:
    free(path);
    free(row);
    free(ids);
    free(normalized);
    return st;
}

static vx_status synthesise_all(distiller *d)
{
    if (!(d->ctx = vx_ctx_new((vx_ctx_opts){0})))
        return vx_last_status();
    if (!(d->append = fopen(d->meta_path, "ab")))
        return vx_fail(VX_ERR_IO, "%s: cannot open for appending: %s", d->meta_path, strerror(errno));
    for (int i = 0; i < d->in.n_items; i++)
        if (d->in.items[i].usable && !d->in.items[i].row)
            d->chars_total += strlen(d->in.items[i].text);
    d->t_synth = now_s();
    vx_status st = VX_OK;
    for (int i = 0; i < d->in.n_items && !st; i++) {
        distill_text *it = &d->in.items[i];
        if (!it->usable || it->row)
            continue;
        st = make_clip(d, it);
        d->chars_done += strlen(it->text);
        show_progress(d, false);
    }
    return st;
}

/* --- features ---------------------------------------------------------------------- */

static vx_status build_features(distiller *d)
{
    double t0 = now_s();
    vx_dataset *ds = vx_dataset_open(d->o->out_dir, d->report);
    if (!ds)
        return vx_last_status();
    char *cache_dir = path_join(d->o->out_dir, "cache");
    vx_status st = cache_dir ? VX_OK : vx_last_status();
    vx_cache_opts co = {.dir = cache_dir, .progress = d->o->progress};
    vx_feature_cache *c = st ? NULL : vx_feature_cache_open(ds, &co, d->report, &d->st->cache);
    if (!st && !c)
        st = vx_last_status();
    vx_feature_cache_close(c);
    free(cache_dir);
    vx_dataset_free(ds);
    d->st->features_s = now_s() - t0;
    return st;
}

/* --- the run ------------------------------------------------------------------------ */

static void distiller_free(distiller *d)
{
    distill_input_free(&d->in);
    if (d->append)
        fclose(d->append);
    vx_ctx_free(d->ctx);
    vx_phoneme_id_map_free(d->map);
    free(d->espeak_voice);
    free(d->meta_path);
    free(d->settings_path);
    free(d->wav_dir);
}

/* DIR/voice.json: the voice's Piper config (phoneme map, espeak voice), so a
 * student trained on the corpus can speak text the way the teacher read it
 * (voxc-train fastspeech2 picks it up). Written once, atomically. */
static vx_status write_voice_config(distiller *d)
{
    char *path = path_join(d->o->out_dir, "voice.json");
    if (!path)
        return vx_last_status();
    size_t len;
    const char *text = vx_vits_voice_json(d->voice, &len);
    vx_status st = distill_file_exists(path) || !text ? VX_OK : vx_write_file_atomic(path, text, len);
    free(path);
    return st;
}

vx_status vx_distill_run(const vx_vits *voice, const vx_distill_opts *o, vx_data_report *report,
                         vx_distill_stats *stats)
{
    vx_distill_stats scratch;
    distiller d = {.voice = voice, .o = o, .report = report, .st = stats ? stats : &scratch,
                   .t_start = now_s()};
    memset(d.st, 0, sizeof *d.st);
    if (!voice || !o || !o->texts || !o->out_dir || o->limit < 0)
        return vx_fail(VX_ERR_ARG, "distill: need a voice, a texts file, an output folder and a limit >= 0");
    d.cfg = vx_vits_config_of(voice);
    vx_status st = check_voice(&d);
    if (!st && !(st = distill_read_texts(o->texts, o->limit, report, &d.in)) && !(st = load_text_config(&d)) && !(st = vx_mkdirs(o->out_dir))) {
        d.meta_path = path_join(o->out_dir, "metadata.csv");
        d.settings_path = path_join(o->out_dir, "distill.json");
        d.wav_dir = path_join(o->out_dir, "wavs");
        if (!d.meta_path || !d.settings_path || !d.wav_dir)
            st = vx_last_status();
    }
    d.st->texts = d.in.n_items;
    for (int i = 0; i < d.in.n_items; i++)
        d.st->skipped += !d.in.items[i].usable;
    if (!st && !(st = vx_mkdirs(d.wav_dir)) && !(st = check_settings(&d)) && !(st = write_voice_config(&d)) &&
        !(st = distill_read_rows(d.meta_path, report, &d.in)) &&
        !(st = claim_earlier_rows(&d)) && !(st = write_metadata(&d)))
        st = synthesise_all(&d);
    if (d.append) {
        fclose(d.append);
        d.append = NULL;
    }
    if (d.t_synth > 0) {
        show_progress(&d, true);
        vx_status written = d.st->made ? write_metadata(&d) : VX_OK; /* in text order */
        st = st ? st : written;
    }
    if (!st && !d.st->clips)
        st = vx_fail(VX_ERR_FORMAT, "no text of %s could be spoken (%d reported)", o->texts, d.st->skipped);
    if (!st && o->features)
        st = build_features(&d);
    distiller_free(&d);
    d.st->wall_s = now_s() - d.t_start;
    return st;
}
