/* speak.h — text to speech with a VITS voice, sentence by sentence: the
 * pipeline behind voxc-tts and voxc-reviews.
 *
 *   text -> normalise (text/normalize.h, optional) -> sentences (text/split.h)
 *        -> phonemes (text/phonemize.h, Piper-exact espeak-ng)
 *        -> ids with the voice's phoneme_id_map (text/phoneme_ids.h)
 *        -> one vx_vits_synthesize call per sentence
 *        -> peak normalisation per sentence (Piper: audio / max|audio|,
 *           silence stays silent; shared/docs/PIPER.md)
 *        -> the caller's callback, once per sentence, as soon as its audio
 *           is ready (write it, stream it, or collect it).
 *
 * A vx_speak reads the voice's config once (phoneme map, espeak-ng voice)
 * and owns the activation arena that every sentence reuses (reset per
 * sentence), so speaking many texts costs no reloading. The voice is borrowed: keep it alive until
 * vx_speak_free. One vx_speak serves one thread at a time; several may share
 * a voice. */
#ifndef VX_MODELS_SPEAK_H
#define VX_MODELS_SPEAK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "models/vits.h"
#include "text/phoneme_ids.h"

typedef struct vx_speak vx_speak;

/* A pipeline for `voice` (NULL with the error set when out of memory). The
 * voice config's phoneme_id_map and espeak-ng voice are read at the first
 * vx_speak_text, which reports a config without a usable map; phoneme ids
 * given directly (vx_speak_ids) need neither. */
vx_speak *vx_speak_new(const vx_vits *voice);
void vx_speak_free(vx_speak *sp);

typedef struct vx_speak_opts {
    vx_vits_params params; /* start from vx_vits_default_params(voice)         */
    bool normalize;        /* read numbers, currency, units, ... as words first */
                           /* (voxc's default; Piper does not)                  */
    /* The model call for one sentence; NULL: vx_vits_synthesize on the voice.
     * (voxc-tts --backend passes vx_vits_device_synthesize, models/vits_device.h.) */
    vx_status (*synthesize)(void *user, vx_ctx *ctx, const int64_t *ids, int64_t n_ids, const vx_vits_params *p,
                            vx_vits_output *out);
    void *synthesize_user;
} vx_speak_opts;

/* What the callback gets for each sentence. Pointers are valid during the
 * call only (they point into the pipeline's arena). */
typedef struct vx_speak_sentence {
    size_t index;               /* 0, 1, ... within one vx_speak_* call           */
    const char *text;           /* the sentence's text (not NUL-terminated; the   */
    size_t text_len;            /* normalised text when normalising), NULL for ids */
    const int64_t *ids;         /* [n_ids] the model's input                      */
    size_t n_ids, n_phonemes;   /* n_phonemes 0 for ids given directly            */
    const char (*labels)[8];    /* [n_ids] UTF-8 phoneme per id: "^" "_" "$" and  */
                                /* the phonemes, or the id numbers for given ids  */
    const float *audio;         /* [n_samples] peak-normalised, in [-1, 1]        */
    int64_t n_samples;
    float peak;                 /* max |audio| before normalisation               */
    const int32_t *durations;   /* [n_ids] frames per id (timestamps)             */
    int64_t frames;             /* Σ durations (at least 1)                       */
    double frame_s;             /* seconds per frame: hop / sample rate           */
    int sample_rate;
    double audio_s;             /* n_samples / sample_rate                         */
    double compute_s;           /* the synthesis (model call and normalisation)   */
    double ready_s;             /* since the call began: first one = first audio  */
    double progress;            /* share of the input spoken so far, 0..1 (1 at  */
                                /* the last sentence)                             */
} vx_speak_sentence;

/* Called once per sentence, in order. A non-zero return (with the error set)
 * stops the pipeline and is returned by the vx_speak_* call. */
typedef vx_status (*vx_speak_fn)(void *user, const vx_speak_sentence *s);

typedef struct vx_speak_totals {
    size_t sentences;
    int64_t phonemes, ids, frames, samples;
    double audio_s;        /* speech, all sentences                             */
    double compute_s;      /* synthesis, all sentences                          */
    double first_audio_s;  /* call start -> first sentence ready (0: none)      */
    double wall_s;         /* the whole call                                    */
    vx_phoneme_misses misses; /* phonemes the voice lacks (skipped); format a  */
                              /* warning with vx_phoneme_misses_format          */
} vx_speak_totals;

/* Speak len bytes of UTF-8 text. *totals (may be NULL) is overwritten with the
 * call's figures, also on failure (what was spoken until then). Text with
 * nothing to say calls fn zero times and succeeds. */
vx_status vx_speak_text(vx_speak *sp, const char *text, size_t len, const vx_speak_opts *o, vx_speak_fn fn,
                        void *user, vx_speak_totals *totals);

/* Speak phoneme ids given as text: numbers separated by spaces or commas,
 * ';' between sentences ("1 0 23 0 2; 1 0 7 0 2"). Every sentence is parsed
 * and checked before the first is spoken; `what` names the source in errors
 * ("--ids"). */
vx_status vx_speak_ids(vx_speak *sp, const char *spec, const char *what, const vx_speak_opts *o, vx_speak_fn fn,
                       void *user, vx_speak_totals *totals);

/* The voice's speaker number for "3" or for a name in its speaker_id_map. */
vx_status vx_speak_find_speaker(const vx_vits *voice, const char *number_or_name, int *speaker);

/* A growable mono sample buffer for callers that collect sentences. */
typedef struct vx_speak_buffer {
    float *samples;
    int64_t n, cap;
} vx_speak_buffer;

/* Append n samples (n zeros when samples is NULL). */
vx_status vx_speak_buffer_append(vx_speak_buffer *b, const float *samples, int64_t n);
void vx_speak_buffer_free(vx_speak_buffer *b);

#endif
