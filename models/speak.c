/* speak.c — the sentence-by-sentence text-to-speech pipeline (see speak.h);
 * the text front end is models/speak_front.h. */
#include "models/speak.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/vx.h"
#include "models/speak_front.h"

struct vx_speak {
    const vx_vits *voice;
    vx_ctx *ctx;               /* activations of the sentence being spoken    */
    vx_phoneme_id_map *map;    /* read from the voice config on first text    */
    char *espeak_voice;        /* the config's espeak.voice ("en-us")         */
};

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
    return vx_front_load_phonemes(text, len, "the voice config", &sp->map, &sp->espeak_voice);
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
static vx_status speak_one(void *arg, const vx_front_sentence *s)
{
    call *c = arg;
    const vx_vits_config *cfg = vx_vits_config_of(c->sp->voice);
    double t0 = vx_front_now();
    vx_ctx_reset(c->sp->ctx);
    vx_vits_output y;
    const vx_speak_opts *o = c->opts;
    vx_status st = o->synthesize ? o->synthesize(o->synthesize_user, c->sp->ctx, s->ids, (int64_t)s->n_ids, &o->params, &y)
                                 : vx_vits_synthesize(c->sp->voice, c->sp->ctx, s->ids, (int64_t)s->n_ids, &o->params, &y);
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
    vx_speak_sentence out = vx_front_spoken(s);
    out.audio = audio;
    out.n_samples = n;
    out.peak = peak;
    out.durations = y.durations->data;
    out.frames = y.frames;
    out.frame_s = (double)cfg->hop_length / cfg->sample_rate;
    out.sample_rate = cfg->sample_rate;
    out.audio_s = (double)n / cfg->sample_rate;
    out.compute_s = vx_front_now() - t0;
    vx_speak_count_sentence(c->totals, &out, c->t_start);
    return c->fn ? c->fn(c->user, &out) : VX_OK;
}

static vx_status call_begin(call *c, vx_speak *sp, const vx_speak_opts *o, vx_speak_fn fn, void *user,
                            vx_speak_totals *totals, vx_speak_totals *scratch)
{
    *c = (call){.sp = sp, .opts = o, .fn = fn, .user = user, .totals = totals ? totals : scratch,
                .t_start = vx_front_now()};
    memset(c->totals, 0, sizeof *c->totals);
    if (!sp || !o)
        return vx_fail(VX_ERR_ARG, "speak: need a pipeline and options");
    return VX_OK;
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
    st = vx_front_text(sp->map, sp->espeak_voice, text, len, o->normalize, &c.totals->misses, speak_one, &c);
    c.totals->wall_s = vx_front_now() - c.t_start;
    return st;
}

vx_status vx_speak_ids(vx_speak *sp, const char *spec, const char *what, const vx_speak_opts *o, vx_speak_fn fn,
                       void *user, vx_speak_totals *totals)
{
    call c;
    vx_speak_totals scratch;
    vx_status st = call_begin(&c, sp, o, fn, user, totals, &scratch);
    if (st)
        return st;
    st = vx_front_ids(spec, what, speak_one, &c);
    c.totals->wall_s = vx_front_now() - c.t_start;
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
