/* speak_front.c — text or given ids to labelled sentences of phoneme ids
 * (see speak_front.h). */
#include "models/speak_front.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/json.h"
#include "text/normalize.h"
#include "text/phonemize.h"
#include "text/split.h"
#include "text/utf8.h"

double vx_front_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

vx_status vx_front_load_phonemes(const char *json, size_t len, const char *what, vx_phoneme_id_map **map,
                                 char **espeak_voice)
{
    *map = NULL;
    *espeak_voice = NULL;
    vx_json *config = json ? vx_json_parse(json, len, what) : NULL;
    if (!config)
        return json ? vx_last_status() : vx_fail(VX_ERR_ARG, "speak: %s is missing", what);
    vx_status st = VX_OK;
    if (!(*map = vx_phoneme_id_map_from_config(config, what)))
        st = vx_last_status();
    else if (!(*espeak_voice = strdup(vx_json_get_string(vx_json_get(config, "espeak"), "voice", "en-us"))))
        st = vx_fail(VX_ERR_OOM, "speak: out of memory");
    vx_json_free(config);
    if (st) {
        vx_phoneme_id_map_free(*map);
        *map = NULL;
    }
    return st;
}

/* --- sentences ---------------------------------------------------------------- */

/* A sentence being built: owns its ids and labels. */
typedef struct sentence {
    int64_t *ids;
    size_t n_ids, n_phonemes;
    char (*labels)[8];
    const char *text;
    size_t text_len;
    double progress;
} sentence;

static void sentence_free(sentence *s)
{
    free(s->ids);
    free(s->labels);
    memset(s, 0, sizeof *s);
}

static vx_status hand_on(const sentence *s, vx_front_fn fn, void *user)
{
    vx_front_sentence out = {s->ids,   s->n_ids, s->n_phonemes, (const char(*)[8])s->labels,
                             s->text, s->text_len, s->progress};
    return fn(user, &out);
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

/* --- text -------------------------------------------------------------------- */

/* Phonemise one split span and hand on its sentences. Progress runs from
 * `from` to `to` over the span's sentences. */
static vx_status front_span(const vx_phoneme_id_map *map, const char *espeak_voice, const char *text,
                            const vx_text_span *span, double from, double to, vx_phoneme_misses *misses,
                            vx_front_fn fn, void *user)
{
    vx_phonemes *ph = vx_phonemize(text + span->start, span->len, espeak_voice);
    if (!ph)
        return vx_last_status();
    vx_status st = VX_OK;
    for (size_t i = 0; i < ph->count && !st; i++) {
        const vx_phoneme_sentence *ps = &ph->sentences[i];
        if (!ps->n)
            continue; /* no words: nothing to say */
        sentence s = {.text = text + span->start + ps->text_start, .text_len = ps->text_len, .n_phonemes = ps->n};
        s.progress = from + (to - from) * (double)(i + 1) / (double)ph->count;
        if (!(st = vx_phoneme_ids(map, ps->phonemes, ps->n, &s.ids, &s.n_ids, misses)) &&
            !(st = label_ids(&s, map, ps->phonemes, ps->n)))
            st = hand_on(&s, fn, user);
        sentence_free(&s);
    }
    vx_phonemes_free(ph);
    return st;
}

vx_status vx_front_text(const vx_phoneme_id_map *map, const char *espeak_voice, const char *text, size_t len,
                        bool normalize, vx_phoneme_misses *misses, vx_front_fn fn, void *user)
{
    if (!map || !espeak_voice || !fn || (!text && len))
        return vx_fail(VX_ERR_ARG, "speak: need a phoneme map, an espeak-ng voice, text and a callback");
    char *normalised = NULL;
    if (normalize && len) {
        if (!(normalised = vx_normalize(text, len, &len)))
            return vx_last_status();
        text = normalised;
    }
    vx_status st = VX_OK;
    size_t n_spans = 0;
    vx_text_span *spans = len ? vx_split(text, len, VX_SPLIT_SENTENCES, &n_spans) : NULL;
    if (len && !spans)
        st = vx_last_status();
    for (size_t k = 0; k < n_spans && !st; k++) {
        double from = (double)spans[k].start / (double)len;
        double to = k + 1 == n_spans ? 1.0 : (double)(spans[k].start + spans[k].len) / (double)len;
        st = front_span(map, espeak_voice, text, &spans[k], from, to, misses, fn, user);
    }
    free(spans);
    free(normalised);
    return st;
}

/* --- ids --------------------------------------------------------------------- */

/* One sentence's ids from *p up to ';' or the end; *p is left there. */
static vx_status parse_sentence(const char **p, const char *what, sentence *s)
{
    size_t cap = 0;
    for (;;) {
        while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r' || **p == ',')
            (*p)++;
        if (!**p || **p == ';')
            return VX_OK;
        char *end;
        errno = 0;
        long long v = strtoll(*p, &end, 10);
        if (end == *p || errno)
            return vx_fail(VX_ERR_ARG, "%s: '%.20s' is not a number", what, *p);
        if (s->n_ids == cap) {
            cap = cap ? 2 * cap : 64;
            int64_t *grown = realloc(s->ids, sizeof *grown * cap);
            if (!grown)
                return vx_fail(VX_ERR_OOM, "%s: out of memory", what);
            s->ids = grown;
        }
        s->ids[s->n_ids++] = v;
        *p = end;
    }
}

/* Sentences from "1 0 5 0 2; 1 0 7 0 2"; *count >= 1 on success. */
static sentence *parse_id_sentences(const char *spec, const char *what, size_t *count)
{
    *count = 0;
    size_t cap = 0;
    sentence *out = NULL;
    vx_status st = VX_OK;
    for (const char *p = spec; !st;) {
        sentence s = {0};
        st = parse_sentence(&p, what, &s);
        if (!st && s.n_ids && *count == cap) {
            cap = cap ? 2 * cap : 4;
            sentence *grown = realloc(out, sizeof *grown * cap);
            st = grown ? VX_OK : vx_fail(VX_ERR_OOM, "%s: out of memory", what);
            out = grown ? grown : out;
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

vx_status vx_front_ids(const char *spec, const char *what, vx_front_fn fn, void *user)
{
    what = what ? what : "phoneme ids";
    if (!spec || !fn)
        return vx_fail(VX_ERR_ARG, "%s: no ids given", what);
    size_t count;
    sentence *ss = parse_id_sentences(spec, what, &count);
    if (!ss)
        return vx_last_status();
    vx_status st = VX_OK;
    for (size_t i = 0; i < count && !st; i++) {
        ss[i].progress = (double)(i + 1) / (double)count;
        st = hand_on(&ss[i], fn, user);
    }
    for (size_t i = 0; i < count; i++)
        sentence_free(&ss[i]);
    free(ss);
    return st;
}

/* --- totals ------------------------------------------------------------------- */

vx_speak_sentence vx_front_spoken(const vx_front_sentence *s)
{
    return (vx_speak_sentence){.text = s->text,
                               .text_len = s->text_len,
                               .ids = s->ids,
                               .n_ids = s->n_ids,
                               .n_phonemes = s->n_phonemes,
                               .labels = s->labels,
                               .progress = s->progress};
}

void vx_speak_count_sentence(vx_speak_totals *t, vx_speak_sentence *out, double t_start)
{
    out->index = t->sentences;
    out->ready_s = vx_front_now() - t_start;
    if (t->sentences == 0)
        t->first_audio_s = out->ready_s;
    t->sentences++;
    t->phonemes += (int64_t)out->n_phonemes;
    t->ids += (int64_t)out->n_ids;
    t->frames += out->frames;
    t->samples += out->n_samples;
    t->audio_s += out->audio_s;
    t->compute_s += out->compute_s;
}
