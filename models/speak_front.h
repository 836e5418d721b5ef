/* speak_front.h — the text front end shared by the speech pipelines
 * (models/speak.h for VITS voices, models/fs2_speak.h for FastSpeech2):
 *
 *   text -> normalise (optional) -> split into sentences -> phonemise
 *        (Piper-exact espeak-ng) -> ids with a phoneme_id_map, Piper's layout
 *        ^ _ p1 _ ... pn _ $, and a label per id (for timestamps)
 *   or ids given as text ("1 0 23 0 2; 1 0 7 0 2"), all parsed before the
 *   first sentence is handed on,
 *
 * then the caller's model runs once per sentence (the callback), and
 * vx_speak_count_sentence keeps the call's totals. */
#ifndef VX_MODELS_SPEAK_FRONT_H
#define VX_MODELS_SPEAK_FRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "models/speak.h"
#include "text/phoneme_ids.h"

/* One sentence ready for a model; valid during the callback only. */
typedef struct vx_front_sentence {
    const int64_t *ids;          /* [n_ids]                                       */
    size_t n_ids, n_phonemes;    /* n_phonemes 0 for ids given directly           */
    const char (*labels)[8];     /* [n_ids] UTF-8 phoneme per id, or id numbers   */
    const char *text;            /* the sentence's text (not NUL-terminated;      */
    size_t text_len;             /* normalised when normalising), NULL for ids    */
    double progress;             /* share of the input done after it, 0..1        */
} vx_front_sentence;

/* Called once per sentence, in order; non-zero (with the error set) stops. */
typedef vx_status (*vx_front_fn)(void *user, const vx_front_sentence *s);

/* The phoneme_id_map and espeak.voice ("en-us" when absent) of a Piper-style
 * config (JSON text of len bytes; `what` names it in errors). */
vx_status vx_front_load_phonemes(const char *json, size_t len, const char *what, vx_phoneme_id_map **map,
                                 char **espeak_voice);

/* Speak len bytes of UTF-8 text sentence by sentence; phonemes the map lacks
 * are skipped and counted in *misses. Text with nothing to say calls fn zero
 * times and succeeds. */
vx_status vx_front_text(const vx_phoneme_id_map *map, const char *espeak_voice, const char *text, size_t len,
                        bool normalize, vx_phoneme_misses *misses, vx_front_fn fn, void *user);

/* Ids given as text: numbers separated by spaces or commas, ';' between
 * sentences. Every sentence is parsed before fn sees the first; `what` names
 * the source in errors ("--ids"). */
vx_status vx_front_ids(const char *spec, const char *what, vx_front_fn fn, void *user);

/* Seconds on a monotonic clock. */
double vx_front_now(void);

/* A vx_speak_sentence with the front end's fields of s filled in (text,
 * ids, labels, progress); the caller adds the audio and its figures. */
vx_speak_sentence vx_front_spoken(const vx_front_sentence *s);

/* Complete `out` for the call that began at t_start and count it in *t:
 * sets out->index and out->ready_s, first_audio_s at the first sentence, and
 * adds the sentence's phonemes, ids, frames, samples, audio and compute time. */
void vx_speak_count_sentence(vx_speak_totals *t, vx_speak_sentence *out, double t_start);

#endif
