/* fs2_speak.h — text to speech with a FastSpeech2 model and a vocoder,
 * sentence by sentence: the FastSpeech2 side of voxc-tts.
 *
 *   text -> normalise (text/normalize.h, optional) -> sentences (text/split.h)
 *        -> phonemes (text/phonemize.h, the model file's espeak-ng voice)
 *        -> ids with the model file's phoneme_id_map (text/phoneme_ids.h),
 *           Piper's layout ^ _ p1 _ ... pn _ $
 *        -> vx_fs2_forward under the controls: log-mel [1, T, n_mels]
 *           (mel_postnet, time-major)
 *        -> vocoder: a HiFi-GAN generator ([1, n_mels, T] -> [1, 1, T·hop]) or
 *           Griffin-Lim (time-major [T, n_mels] -> T·hop samples)
 *        -> the caller's callback, once per sentence (models/speak.h's
 *           vx_speak_sentence, durations per id for timestamps).
 *
 * Loudness: unlike the VITS pipeline the audio is NOT peak-normalised, so
 * --energy-scale stays audible; a sentence whose peak exceeds 1 is scaled
 * down to peak 1 (vx_speak_sentence.peak holds the peak before that).
 *
 * The model, its info and the vocoder are borrowed: keep them alive until
 * vx_fs2_speak_free. A vx_fs2_speak owns the activation arena every sentence
 * reuses; one serves one thread at a time. */
#ifndef VX_MODELS_FS2_SPEAK_H
#define VX_MODELS_FS2_SPEAK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "models/fastspeech2.h"
#include "models/fastspeech2_io.h"
#include "models/hifigan.h"
#include "models/speak.h"

/* Griffin-Lim iterations when none are given: librosa's default (32), with
 * momentum 0.99 (fast Griffin-Lim). */
#define VX_FS2_GRIFFIN_LIM_ITERS 32

/* The vocoder that turns the model's log-mels into audio. */
typedef struct vx_fs2_vocoder {
    vx_hifigan *hifigan;   /* a generator (weight norm removed or not), whose
                              n_mels and hop (Π upsampling rates) must equal the
                              model file's; NULL: Griffin-Lim                     */
    int griffin_lim_iters; /* Griffin-Lim iterations, ≥ 1 (0: the default)      */
    uint64_t griffin_lim_seed; /* Griffin-Lim's random initial phases           */
} vx_fs2_vocoder;

typedef struct vx_fs2_speak vx_fs2_speak;

/* A pipeline for `model` with the phoneme set and mel recipe of `info` (as
 * vx_fs2_load filled it) and `vocoder`. NULL with the error set when the
 * vocoder does not fit the model (mels, hop) or out of memory. */
vx_fs2_speak *vx_fs2_speak_new(vx_fs2 *model, const vx_fs2_file_info *info, const vx_fs2_vocoder *vocoder);
void vx_fs2_speak_free(vx_fs2_speak *sp);

typedef struct vx_fs2_speak_opts {
    vx_fs2_controls controls; /* start from vx_fs2_controls_neutral()           */
    int speaker;              /* < n_speakers (ignored for one speaker)         */
    bool normalize;           /* read numbers, currency, ... as words first     */
} vx_fs2_speak_opts;

/* Neutral controls, speaker 0, normalising. */
vx_fs2_speak_opts vx_fs2_speak_default_opts(void);

int vx_fs2_speak_sample_rate(const vx_fs2_speak *sp);

/* Speak len bytes of UTF-8 text; as vx_speak_text (models/speak.h): fn is
 * called once per sentence, *totals (may be NULL) gets the call's figures. */
vx_status vx_fs2_speak_text(vx_fs2_speak *sp, const char *text, size_t len, const vx_fs2_speak_opts *o,
                            vx_speak_fn fn, void *user, vx_speak_totals *totals);

/* Speak phoneme ids given as text ("1 0 23 0 2; 1 0 7 0 2"), as vx_speak_ids. */
vx_status vx_fs2_speak_ids(vx_fs2_speak *sp, const char *spec, const char *what, const vx_fs2_speak_opts *o,
                           vx_speak_fn fn, void *user, vx_speak_totals *totals);

#endif
