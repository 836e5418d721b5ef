/* speak.c — the sentence-by-sentence text-to-speech pipeline (see speak.h). */
#include "models/speak.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/json.h"
#include "core/vx.h"
#include "text/normalize.h"
#include "text/phonemize.h"
#include "text/split.h"
#include "text/utf8.h"

struct vx_speak {
    const vx_vits *voice;
    vx_ctx *ctx;               /* activations of the sentence being spoken    */
    vx_phoneme_id_map *map;    /* read from the voice config on first text    */
    char *espeak_voice;        /* the config's espeak.voice ("en-us")         */
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

vx_speak *vx_speak_new(const vx_vits *voice)
{
    if (!voice)
        return vx_fail_null(VX_ERR_ARG, "speak: no voice given");
    vx_speak *sp = calloc(1, sizeof *sp);
    if (!sp)
        return vx_fail_null(VX_ERR_OOM, "speak: out of memory");
    sp->voice = voice;
    if (!(sp->ctx = vx_ctx_new((vx_ctx_opts){0}))) {
        free(sp);
        return NULL;
    }
    return sp;
}

void vx_speak_free(vx_speak *sp)
{
    if (!sp)
        return;
    vx_ctx_free(sp->ctx);
    vx_phoneme_id_map_free(sp->map);
    free(sp->espeak_voice);
    free(sp);
}

/* The phoneme map and espeak-ng voice from the voice config, read once. */
static vx_status load_text_config(vx_speak *sp)
{
    if (sp->map)
        return VX_OK;
    size_t len;
    const char *text = vx_vits_voice_json(sp->voice, &len);
    vx_json *config = vx_json_parse(text, len, "the voice config");
    if (!config)
        return vx_last_status();
    vx_status st = VX_OK;
    sp->map = vx_phoneme_id_map_from_config(config, "the voice config");
    if (!sp->map)
        st = vx_last_status();
    else if (!(sp->espeak_voice = strdup(vx_json_get_string(vx_json_get(config, "espeak"), "voice", "en-us"))))
        st = vx_fail(VX_ERR_OOM, "speak: out of memory");
    vx_json_free(config);
    if (st) {
        vx_phoneme_id_map_free(sp->map);
        sp->map = NULL;
    }
    return st;
}

/* --- one sentence ------------------------------------------------------------ */

/* A sentence ready for the model. */
typedef struct sentence {
    int64_t *ids;          /* malloc'd [n_ids]                               */
    size_t n_ids, n_phonemes;
    char (*labels)[8];     /* malloc'd [n_ids]                               */
    const char *text;      /* span of the caller's (or normalised) text      */
    size_t text_len;
    double progress;
} sentence;

static void sentence_free(sentence *s)
{
    free(s->ids);
    free(s->labels);
    memset(s, 0, sizeof *s);
}

/* Label for id position *at (when it exists), then advance. */
static void put_label(sentence *s, size_t *at, const char *label, size_t len)
{
    if (*at < s->n_ids) {
        memcpy(s->labels[*at], label, len);
        s->labels[*at][len] = '\0';
    }
    (*at)++;
}

/* Labels in Piper's layout ^ _ p1 _ ... pn _ $ for ids made from phonemes
 * (map != NULL); when the count disagrees with the ids, or the ids were given
 * directly, the labels are the id numbers. */
static vx_status label_ids(sentence *s, const vx_phoneme_id_map *map, const uint32_t *phonemes, size_t n)
{
    s->labels = calloc(s->n_ids ? s->n_ids : 1, sizeof *s->labels);
    if (!s->labels)
        return vx_fail(VX_ERR_OOM, "speak: out of memory labelling %zu ids", s->n_ids);
    size_t at = 0;
    put_label(s, &at, "^", 1);
    put_label(s, &at, "_", 1);
    for (size_t i = 0; map && i < n; i++) {
        size_t k = 0;
        if (!vx_phoneme_id_lookup(map, phonemes[i], &k))
            continue;
        char u[4];
        size_t u_len = vx_utf8_encode(phonemes[i], u);
        for (size_t j = 0; j < k; j++)
            put_label(s, &at, u, u_len);
        put_label(s, &at, "_", 1);
    }
    put_label(s, &at, "$", 1);
    if (!map || at != s->n_ids)
        for (size_t i = 0; i < s->n_ids; i++)
            snprintf(s->labels[i], sizeof s->labels[i], "%lld", (long long)s->ids[i]);
    return VX_OK;
}

typedef struct call {
    vx_speak *sp;
    const vx_speak_opts *opts;
    vx_speak_fn fn;
    void *user;
    vx_speak_totals *totals;
    double t_start;
} call;

/* Synthesize one sentence, peak-normalise it in place, hand it on. */
static vx_status speak_one(call *c, const sentence *s)
{
    const vx_vits_config *cfg = vx_vits_config_of(c->sp->voice);
    double t0 = now_s();
    vx_ctx_reset(c->sp->ctx);
    vx_vits_output y;
    vx_status st = vx_vits_synthesize(c->sp->voice, c->sp->ctx, s->ids, (int64_t)s->n_ids, &c->opts->params, &y);
    if (st)
        return st;
    /* peak normalisation per sentence (ref: piper1-gpl: audio / max|audio|, silence stays silent) */
    float *audio = y.audio->data;
    int64_t n = vx_numel(y.audio);
    float peak = 0.0f;
    for (int64_t i = 0; i < n; i++)
        peak = fmaxf(peak, fabsf(audio[i]));
    float gain = peak > 1e-8f ? 1.0f / peak : 0.0f;
    for (int64_t i = 0; i < n; i++)
        audio[i] *= gain;
    double t1 = now_s();
    vx_speak_totals *t = c->totals;
    vx_speak_sentence out = {
        .index = t->sentences,
        .text = s->text,
        .text_len = s->text_len,
        .ids = s->ids,
        .n_ids = s->n_ids,
        .n_phonemes = s->n_phonemes,
        .labels = (const char(*)[8])s->labels,
        .audio = audio,
        .n_samples = n,
        .peak = peak,
        .durations = y.durations->data,
        .frames = y.frames,
        .frame_s = (double)cfg->hop_length / cfg->sample_rate,
        .sample_rate = cfg->sample_rate,
        .audio_s = (double)n / cfg->sample_rate,
        .compute_s = t1 - t0,
        .ready_s = t1 - c->t_start,
        .progress = s->progress,
    };
    if (t->sentences == 0)
        t->first_audio_s = out.ready_s;
    t->sentences++;
    t->phonemes += (int64_t)s->n_phonemes;
    t->ids += (int64_t)s->n_ids;
    t->frames += y.frames;
    t->samples += n;
    t->audio_s += out.audio_s;
    t->compute_s += out.compute_s;
    return c->fn ? c->fn(c->user, &out) : VX_OK;
}

static vx_status call_begin(call *c, vx_speak *sp, const vx_speak_opts *o, vx_speak_fn fn, void *user,
                            vx_speak_totals *totals, vx_speak_totals *scratch)
{
    *c = (call){.sp = sp, .opts = o, .fn = fn, .user = user, .totals = totals ? totals : scratch,
                .t_start = now_s()};
    memset(c->totals, 0, sizeof *c->totals);
    if (!sp || !o)
        return vx_fail(VX_ERR_ARG, "speak: need a pipeline and options");
    return VX_OK;
}

/* --- text -------------------------------------------------------------------- */

/* Phonemise one split span and speak its sentences. Progress runs from
 * `from` to `to` over the span's sentences. */
static vx_status speak_span(call *c, const char *text, const vx_text_span *span, double from, double to)
{
    vx_phonemes *ph = vx_phonemize(text + span->start, span->len, c->sp->espeak_voice);
    if (!ph)
        return vx_last_status();
    vx_status st = VX_OK;
    for (size_t i = 0; i < ph->count && !st; i++) {
        const vx_phoneme_sentence *ps = &ph->sentences[i];
        if (!ps->n)
            continue; /* no words: nothing to say */
        sentence s = {.text = text + span->start + ps->text_start, .text_len = ps->text_len, .n_phonemes = ps->n};
        s.progress = from + (to - from) * (double)(i + 1) / (double)ph->count;
        if (!(st = vx_phoneme_ids(c->sp->map, ps->phonemes, ps->n, &s.ids, &s.n_ids, &c->totals->misses)) &&
            !(st = label_ids(&s, c->sp->map, ps->phonemes, ps->n)))
            st = speak_one(c, &s);
        sentence_free(&s);
    }
    vx_phonemes_free(ph);
    return st;
}

vx_status vx_speak_text(vx_speak *sp, const char *text, size_t len, const vx_speak_opts *o, vx_speak_fn fn,
                        void *user, vx_speak_totals *totals)
{
    call c;
    vx_speak_totals scratch;
    vx_status st = call_begin(&c, sp, o, fn, user, totals, &scratch);
    if (!st && !text && len)
        st = vx_fail(VX_ERR_ARG, "speak: no text given");
    if (st || (st = load_text_config(sp)))
        return st;
    char *normalised = NULL;
    if (o->normalize && len) {
        if (!(normalised = vx_normalize(text, len, &len)))
            return vx_last_status();
        text = normalised;
    }
    size_t n_spans = 0;
    vx_text_span *spans = len ? vx_split(text, len, VX_SPLIT_SENTENCES, &n_spans) : NULL;
    if (len && !spans)
        st = vx_last_status();
    for (size_t k = 0; k < n_spans && !st; k++) {
        double from = (double)spans[k].start / (double)len;
        double to = k + 1 == n_spans ? 1.0 : (double)(spans[k].start + spans[k].len) / (double)len;
        st = speak_span(&c, text, &spans[k], from, to);
    }
    free(spans);
    free(normalised);
    c.totals->wall_s = now_s() - c.t_start;
    return st;
}

/* --- ids --------------------------------------------------------------------- */

/* Sentences from "1 0 5 0 2; 1 0 7 0 2"; *count >= 1 on success. */
static sentence *parse_id_sentences(const char *spec, const char *what, size_t *count)
{
    *count = 0;
    size_t cap = 0;
    sentence *out = NULL;
    vx_status st = VX_OK;
    const char *p = spec;
    while (!st) {
        sentence s = {0};
        size_t ids_cap = 0;
        for (;;) {
            while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ',')
                p++;
            if (!*p || *p == ';')
                break;
            char *end;
            errno = 0;
            long long v = strtoll(p, &end, 10);
            if (end == p || errno) {
                st = vx_fail(VX_ERR_ARG, "%s: '%.20s' is not a number", what, p);
                break;
            }
            if (s.n_ids == ids_cap) {
                ids_cap = ids_cap ? 2 * ids_cap : 64;
                int64_t *grown = realloc(s.ids, sizeof *grown * ids_cap);
                if (!grown) {
                    st = vx_fail(VX_ERR_OOM, "%s: out of memory", what);
                    break;
                }
                s.ids = grown;
            }
            s.ids[s.n_ids++] = v;
            p = end;
        }
        if (!st && s.n_ids && *count == cap) {
            cap = cap ? 2 * cap : 4;
            sentence *grown = realloc(out, sizeof *grown * cap);
            if (grown)
                out = grown;
            else
                st = vx_fail(VX_ERR_OOM, "%s: out of memory", what);
        }
        if (!st && s.n_ids && !(st = label_ids(&s, NULL, NULL, 0)))
            out[(*count)++] = s;
        else
            sentence_free(&s);
        if (!st && !*p++)
            break;
    }
    if (!st && !*count)
        st = vx_fail(VX_ERR_ARG, "%s: no ids given", what);
    if (st) {
        for (size_t i = 0; i < *count; i++)
            sentence_free(&out[i]);
        free(out);
        *count = 0;
        return NULL;
    }
    return out;
}

vx_status vx_speak_ids(vx_speak *sp, const char *spec, const char *what, const vx_speak_opts *o, vx_speak_fn fn,
                       void *user, vx_speak_totals *totals)
{
    call c;
    vx_speak_totals scratch;
    vx_status st = call_begin(&c, sp, o, fn, user, totals, &scratch);
    if (st)
        return st;
    what = what ? what : "phoneme ids";
    if (!spec)
        return vx_fail(VX_ERR_ARG, "%s: no ids given", what);
    size_t count;
    sentence *ss = parse_id_sentences(spec, what, &count);
    if (!ss)
        return vx_last_status();
    for (size_t i = 0; i < count && !st; i++) {
        ss[i].progress = (double)(i + 1) / (double)count;
        st = speak_one(&c, &ss[i]);
    }
    for (size_t i = 0; i < count; i++)
        sentence_free(&ss[i]);
    free(ss);
    c.totals->wall_s = now_s() - c.t_start;
    return st;
}

/* --- speakers ---------------------------------------------------------------- */

vx_status vx_speak_find_speaker(const vx_vits *voice, const char *number_or_name, int *speaker)
{
    if (!voice || !number_or_name || !speaker)
        return vx_fail(VX_ERR_ARG, "speak: find_speaker needs a voice, a name and an output");
    const vx_vits_config *cfg = vx_vits_config_of(voice);
    int speakers = cfg->n_speakers > 1 ? cfg->n_speakers : 1;
    const char *s = number_or_name;
    char *end;
    errno = 0;
    unsigned long long n = *s >= '0' && *s <= '9' ? strtoull(s, &end, 10) : 0;
    if (*s >= '0' && *s <= '9' && !*end && !errno) {
        if (n >= (unsigned long long)speakers)
            return vx_fail(VX_ERR_ARG, "speaker %llu is outside this voice's 0..%d", n, speakers - 1);
        *speaker = (int)n;
        return VX_OK;
    }
    size_t len;
    const char *text = vx_vits_voice_json(voice, &len);
    vx_json *j = vx_json_parse(text, len, "the voice config");
    if (!j)
        return vx_last_status();
    const vx_json *map = vx_json_get(j, "speaker_id_map");
    const vx_json *id = map ? vx_json_get(map, s) : NULL;
    vx_status st = VX_OK;
    if (!id || id->type != VX_JSON_NUMBER || !id->is_integer || id->integer < 0 || id->integer >= speakers)
        st = vx_fail(VX_ERR_ARG, "the voice has no speaker named '%s' (its speaker_id_map has %zu names)", s,
                     map && map->type == VX_JSON_OBJECT ? map->count : (size_t)0);
    else
        *speaker = (int)id->integer;
    vx_json_free(j);
    return st;
}

/* --- sample buffer ------------------------------------------------------------- */

vx_status vx_speak_buffer_append(vx_speak_buffer *b, const float *samples, int64_t n)
{
    if (n < 0)
        return vx_fail(VX_ERR_ARG, "speak buffer: negative sample count %lld", (long long)n);
    if (n == 0)
        return VX_OK;
    if (b->n + n > b->cap) {
        int64_t cap = b->cap ? b->cap : 1 << 16;
        while (cap < b->n + n)
            cap *= 2;
        float *grown = realloc(b->samples, sizeof *grown * (size_t)cap);
        if (!grown)
            return vx_fail(VX_ERR_OOM, "out of memory holding %lld samples", (long long)(b->n + n));
        b->samples = grown;
        b->cap = cap;
    }
    if (samples)
        memcpy(b->samples + b->n, samples, sizeof *samples * (size_t)n);
    else
        memset(b->samples + b->n, 0, sizeof *b->samples * (size_t)n);
    b->n += n;
    return VX_OK;
}

void vx_speak_buffer_free(vx_speak_buffer *b)
{
    free(b->samples);
    memset(b, 0, sizeof *b);
}
