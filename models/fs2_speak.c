/* fs2_speak.c — the sentence-by-sentence FastSpeech2 + vocoder pipeline
 * (fs2_speak.h). The text front end is models/speak_front.h, shared with the
 * VITS pipeline; the model call, the vocoder and the loudness rule are
 * FastSpeech2's. A HiFi-GAN vocoder runs in the fused inference engine
 * (models/hifigan_infer.h), its weights packed at vx_fs2_speak_new. */
#include "models/fs2_speak.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio/griffinlim.h"
#include "core/vx.h"
#include "models/hifigan_infer.h"
#include "models/speak_front.h"
#include "text/phoneme_ids.h"

struct vx_fs2_speak {
    vx_fs2 *model;
    vx_fs2_vocoder vocoder;
    vx_hifigan_infer *hifigan; /* vocoder.hifigan's inference engine, or NULL           */
    vx_logmel *griffin_lim;    /* the recipe's STFT and filterbank (Griffin-Lim only) */
    vx_ctx *ctx;               /* activations of the sentence being spoken            */
    vx_phoneme_id_map *map;    /* from the model file's phoneme set                   */
    char *espeak_voice;
    int sample_rate, hop, n_mels;
};

/* The phoneme map and espeak-ng voice of the model file. */
static vx_status load_phonemes(vx_fs2_speak *sp, const char *phonemes)
{
    if (!phonemes)
        return vx_fail(VX_ERR_ARG, "fs2 speak: the model info has no phoneme set");
    return vx_front_load_phonemes(phonemes, strlen(phonemes), "the model's phoneme set", &sp->map, &sp->espeak_voice);
}

/* The vocoder must take the model's mels at the recipe's hop. */
static vx_status check_vocoder(vx_fs2_speak *sp, const vx_fs2_file_info *info)
{
    const vx_fs2_vocoder *v = &sp->vocoder;
    if (v->griffin_lim_iters < 0 || v->griffin_lim_iters > 10000)
        return vx_fail(VX_ERR_ARG, "fs2 speak: %d Griffin-Lim iterations; use 1 .. 10000 (0: %d)",
                       v->griffin_lim_iters, VX_FS2_GRIFFIN_LIM_ITERS);
    if (!v->hifigan) {
        sp->griffin_lim = vx_logmel_new(&info->audio);
        return sp->griffin_lim ? VX_OK : vx_last_status();
    }
    const vx_hifigan_config *g = vx_hifigan_get_config(v->hifigan);
    if (g->n_mels != sp->n_mels)
        return vx_fail(VX_ERR_ARG, "fs2 speak: the vocoder takes %d mels, the model makes %d; use a vocoder "
                       "trained on the model's mel recipe", g->n_mels, sp->n_mels);
    if (vx_hifigan_hop(g) != sp->hop)
        return vx_fail(VX_ERR_ARG, "fs2 speak: the vocoder makes %d samples per frame, the model's mels have "
                       "hop %d; use a vocoder trained on the model's mel recipe", vx_hifigan_hop(g), sp->hop);
    sp->hifigan = vx_hifigan_infer_new(v->hifigan);
    return sp->hifigan ? VX_OK : vx_last_status();
}

vx_fs2_speak *vx_fs2_speak_new(vx_fs2 *model, const vx_fs2_file_info *info, const vx_fs2_vocoder *vocoder)
{
    if (!model || !info || !vocoder)
        return vx_fail_null(VX_ERR_ARG, "fs2 speak: need a model, its file info and a vocoder");
    vx_fs2_speak *sp = calloc(1, sizeof *sp);
    if (!sp)
        return vx_fail_null(VX_ERR_OOM, "fs2 speak: out of memory");
    sp->model = model;
    sp->vocoder = *vocoder;
    sp->sample_rate = info->audio.mel.sample_rate;
    sp->hop = info->audio.stft.hop;
    sp->n_mels = vx_fs2_get_config(model)->n_mels;
    vx_status st = info->audio.mel.n_mels != sp->n_mels
                       ? vx_fail(VX_ERR_ARG, "fs2 speak: the info's mel recipe has %d mels, the model %d",
                                 info->audio.mel.n_mels, sp->n_mels)
                       : check_vocoder(sp, info);
    if (!st)
        st = load_phonemes(sp, info->phonemes);
    if (!st && !(sp->ctx = vx_ctx_new((vx_ctx_opts){0})))
        st = vx_last_status();
    if (st) {
        vx_fs2_speak_free(sp);
        return NULL;
    }
    vx_set_grad_enabled(sp->ctx, false);
    return sp;
}

void vx_fs2_speak_free(vx_fs2_speak *sp)
{
    if (!sp)
        return;
    vx_ctx_free(sp->ctx);
    vx_hifigan_infer_free(sp->hifigan);
    vx_logmel_free(sp->griffin_lim);
    vx_phoneme_id_map_free(sp->map);
    free(sp->espeak_voice);
    free(sp);
}

vx_fs2_speak_opts vx_fs2_speak_default_opts(void)
{
    return (vx_fs2_speak_opts){.controls = vx_fs2_controls_neutral(), .speaker = 0, .normalize = true};
}

int vx_fs2_speak_sample_rate(const vx_fs2_speak *sp) { return sp ? sp->sample_rate : 0; }

/* --- one sentence ---------------------------------------------------------------- */

typedef struct call {
    vx_fs2_speak *sp;
    const vx_fs2_speak_opts *opts;
    vx_speak_fn fn;
    void *user;
    vx_speak_totals *totals;
    double t_start;
} call;

/* The model's input for one sentence: phonemes i32 [1, n], src_lens [1],
 * speakers [1] (ids outside int32 are left to vx_fs2_forward's range check
 * as -1). */
static vx_status model_input(vx_ctx *ctx, const vx_front_sentence *s, int speaker, vx_fs2_input *in)
{
    int64_t n = (int64_t)s->n_ids, one = 1;
    if (n < 1 || n > INT32_MAX)
        return vx_fail(VX_ERR_ARG, "fs2 speak: a sentence of %lld ids; need 1 .. %d", (long long)n, INT32_MAX);
    in->phonemes = vx_new(ctx, VX_I32, 2, (int64_t[]){1, n});
    in->src_lens = vx_from_i32(ctx, 1, &one, (int32_t[]){(int32_t)n});
    in->speakers = vx_from_i32(ctx, 1, &one, (int32_t[]){speaker});
    if (!in->phonemes || !in->src_lens || !in->speakers)
        return vx_last_status();
    int32_t *ids = in->phonemes->data;
    for (int64_t i = 0; i < n; i++)
        ids[i] = s->ids[i] >= 0 && s->ids[i] <= INT32_MAX ? (int32_t)s->ids[i] : -1;
    return VX_OK;
}

/* log-mel [1, T, n_mels] (time-major, the model's layout) -> audio [T · hop]
 * in the arena. */
static float *vocode(vx_fs2_speak *sp, vx_tensor *mel, int64_t frames)
{
    int64_t n = frames * sp->hop;
    if (sp->hifigan) {
        vx_tensor *x = vx_contiguous(sp->ctx, vx_transpose(sp->ctx, mel, 1, 2)); /* [1, n_mels, T] */
        vx_tensor *y = x ? vx_hifigan_infer_forward(sp->ctx, sp->hifigan, x) : NULL; /* [1, 1, T·hop] */
        if (!y)
            return NULL;
        if (vx_numel(y) != n)
            return vx_fail_null(VX_ERR_ARG, "fs2 speak: the vocoder made %lld samples for %lld frames; want %lld",
                                (long long)vx_numel(y), (long long)frames, (long long)n);
        float *audio = vx_arena_alloc(sp->ctx, sizeof(float) * (size_t)n);
        if (audio)
            vx_copy_to_f32(y, audio);
        return audio;
    }
    float *logmel = vx_arena_alloc(sp->ctx, sizeof(float) * (size_t)(frames * sp->n_mels)); /* [T, n_mels] */
    float *audio = vx_arena_alloc(sp->ctx, sizeof(float) * (size_t)n);
    if (!logmel || !audio)
        return NULL;
    vx_copy_to_f32(mel, logmel);
    vx_griffinlim_opts gl = {
        .n_iter = sp->vocoder.griffin_lim_iters ? sp->vocoder.griffin_lim_iters : VX_FS2_GRIFFIN_LIM_ITERS,
        .momentum = 0.99f,
        .seed = sp->vocoder.griffin_lim_seed,
    };
    return vx_griffinlim_from_logmel(sp->griffin_lim, logmel, frames, &gl, audio, n, NULL) ? NULL : audio;
}

/* Synthesize one sentence, limit its peak to 1, hand it on. */
static vx_status speak_one(void *arg, const vx_front_sentence *s)
{
    call *c = arg;
    vx_fs2_speak *sp = c->sp;
    double t0 = vx_front_now();
    vx_ctx_reset(sp->ctx);
    vx_fs2_input in;
    vx_fs2_output y;
    vx_status st = model_input(sp->ctx, s, c->opts->speaker, &in);
    if (!st)
        st = vx_fs2_forward(sp->ctx, sp->model, &in, NULL, &c->opts->controls, &y);
    if (st)
        return st;
    int64_t frames = ((const int32_t *)y.mel_lens->data)[0];
    float *audio = vocode(sp, y.mel_postnet, frames); /* mel_postnet [1, T, n_mels] */
    if (!audio)
        return vx_last_status();
    int64_t n = frames * sp->hop;
    float peak = 0.0f;
    for (int64_t i = 0; i < n; i++)
        peak = fmaxf(peak, fabsf(audio[i]));
    if (!isfinite(peak))
        return vx_fail(VX_ERR_NUMERIC, "fs2 speak: the vocoder made a non-finite sample (sentence %zu)",
                       c->totals->sentences);
    for (int64_t i = 0; peak > 1.0f && i < n; i++)
        audio[i] /= peak;
    vx_speak_sentence out = vx_front_spoken(s);
    out.audio = audio;
    out.n_samples = n;
    out.peak = peak;
    out.durations = y.durations->data;
    out.frames = frames;
    out.frame_s = (double)sp->hop / sp->sample_rate;
    out.sample_rate = sp->sample_rate;
    out.audio_s = (double)n / sp->sample_rate;
    out.compute_s = vx_front_now() - t0;
    vx_speak_count_sentence(c->totals, &out, c->t_start);
    return c->fn ? c->fn(c->user, &out) : VX_OK;
}

static vx_status call_begin(call *c, vx_fs2_speak *sp, const vx_fs2_speak_opts *o, vx_speak_fn fn, void *user,
                            vx_speak_totals *totals, vx_speak_totals *scratch)
{
    *c = (call){.sp = sp, .opts = o, .fn = fn, .user = user, .totals = totals ? totals : scratch,
                .t_start = vx_front_now()};
    memset(c->totals, 0, sizeof *c->totals);
    if (!sp || !o)
        return vx_fail(VX_ERR_ARG, "fs2 speak: need a pipeline and options");
    return VX_OK;
}

vx_status vx_fs2_speak_text(vx_fs2_speak *sp, const char *text, size_t len, const vx_fs2_speak_opts *o,
                            vx_speak_fn fn, void *user, vx_speak_totals *totals)
{
    call c;
    vx_speak_totals scratch;
    vx_status st = call_begin(&c, sp, o, fn, user, totals, &scratch);
    if (!st && !text && len)
        st = vx_fail(VX_ERR_ARG, "fs2 speak: no text given");
    if (st)
        return st;
    st = vx_front_text(sp->map, sp->espeak_voice, text, len, o->normalize, &c.totals->misses, speak_one, &c);
    c.totals->wall_s = vx_front_now() - c.t_start;
    return st;
}

vx_status vx_fs2_speak_ids(vx_fs2_speak *sp, const char *spec, const char *what, const vx_fs2_speak_opts *o,
                           vx_speak_fn fn, void *user, vx_speak_totals *totals)
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
