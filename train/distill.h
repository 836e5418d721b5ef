/* distill.h — a training corpus spoken by a Piper voice: every line of a text
 * file becomes one clip in an LJSpeech-layout folder, with the phoneme ids and
 * the VITS duration predictor's frame counts as alignment (train/dataset.h's
 * extended rows), ready for FastSpeech2-style training (distillation).
 *
 * Output folder DIR:
 *   wavs/<id>.wav   16-bit PCM mono at the voice's rate; exactly
 *                   Σdurations · 256 samples
 *   metadata.csv    id|text|normalized|phoneme_ids|durations, in text order
 *   distill.json    the settings the clips were made with (voice, noise,
 *                   length scale, seed, rate, hop); a rerun must match them
 *   voice.json      the voice's Piper config (phoneme map, espeak voice),
 *                   which voxc-train fastspeech2 reads for its model file
 *   cache/          the feature cache of train/feature_cache.h (mel, F0,
 *                   energy, ids, durations) unless features are off; training
 *                   tools pick it up with --cache DIR/cache
 *
 * Texts: UTF-8 lines `id|text` (the LJSpeech transcripts layout; a third
 * `|normalized` column is accepted and ignored because voxc normalises the
 * text itself) or plain lines, whose ids are `line-NNNNNN` (the line number,
 * 6 digits). The format is taken from the first non-blank line (a '|' there
 * means `id|text`). Blank lines are not texts; every other line counts towards
 * the limit, also when it is reported.
 *
 * One clip per line: the text is normalised (text/normalize.h, as voxc-tts
 * does by default), phonemised as a whole with espeak-ng (text/phonemize.h),
 * and the phonemes of all its sentences are concatenated into ONE id sequence
 * ^ _ p1 _ ... _ pn _ $ — what Piper's training preprocessing does
 * (piper_train/preprocess.py flattens phonemize_espeak's per-sentence lists
 * before phoneme_ids_espeak). Sentence-ending punctuation stays a phoneme and
 * no space is added between sentences, as in Piper. One vx_vits_synthesize
 * call makes the clip; its audio is divided by its peak |sample| (one gain per
 * clip, Piper's per-call normalisation, which voxc-tts also applies), which
 * changes no length: the wav holds frames · hop samples and the durations sum
 * to frames. The noise seed of a clip is `seed XOR vx_clip_hash(id)`, so a
 * clip's audio depends on its id and the options only, never on the order or
 * on resuming.
 *
 * A text that cannot be used — an unsafe or duplicate id, a line without
 * '|' in `id|text` files, a '|' inside the text, invalid UTF-8, nothing to
 * phonemise, no phoneme the voice knows, no frames — goes into the report
 * under its id (or "texts line N") and is skipped; the run goes on.
 *
 * Resuming: every file is written atomically (wavs and the final
 * metadata.csv: temporary file + rename); rows are appended to metadata.csv
 * (flushed and fsynced) as clips are made, and an interrupted append leaves at
 * most one line without its final newline, which a rerun drops. A rerun keeps
 * every row whose wav exists with Σdurations · hop samples at the voice's rate
 * and whose text is unchanged, and synthesises the rest. Rows of ids that are
 * not among this run's usable texts (a smaller limit) are kept after the
 * others. The voice must be 22050 Hz for the feature cache (which reads audio
 * at 22050 Hz) and its hop must be 256 samples (HiFi-GAN mel frames). */
#ifndef VX_TRAIN_DISTILL_H
#define VX_TRAIN_DISTILL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/status.h"
#include "models/vits.h"
#include "text/phoneme_ids.h"
#include "train/dataset.h"
#include "train/feature_cache.h"

/* The hop every corpus uses: mel frames of 256 samples. */
#define VX_DISTILL_HOP 256

typedef struct vx_distill_opts {
    const char *texts;        /* the text file                                  */
    const char *out_dir;      /* DIR; created when missing                      */
    const char *voice_name;   /* recorded in distill.json; the voice file's     */
                              /* name without folder and extension is compared  */
    int limit;                /* first `limit` texts; 0: all                    */
    vx_vits_params params;    /* from vx_vits_default_params; .seed is the base */
    bool features;            /* build DIR/cache                                */
    FILE *progress;           /* progress lines and the cache's; NULL: quiet    */
    bool progress_inline;     /* rewrite one line with '\r' (a terminal)        */
} vx_distill_opts;

typedef struct vx_distill_stats {
    int texts;                /* texts taken (after the limit)                  */
    int clips;                /* rows in metadata.csv at the end                */
    int made;                 /* clips synthesised by this run                  */
    int kept;                 /* clips of this run's texts kept from earlier    */
    int kept_other;           /* rows of ids outside this run's texts, kept     */
    int redone;               /* earlier rows dropped: wrong length, changed    */
                              /* text or missing wav (they are made again)      */
    int skipped;              /* texts reported and left out                    */
    double audio_s;           /* audio of every clip in metadata.csv            */
    double made_audio_s;      /* audio synthesised by this run                  */
    double synth_s;           /* time in synthesis (and writing wavs)           */
    double features_s;        /* time building the feature cache                */
    double wall_s;            /* the whole call                                 */
    vx_cache_stats cache;     /* when features are built                        */
    vx_phoneme_misses misses; /* phonemes the voice lacks, over every text      */
} vx_distill_stats;

/* Make (or complete) the corpus of `o->texts` in `o->out_dir` with `voice`.
 * Texts that cannot be used, and clips the feature cache leaves out, go to
 * `report` (may be NULL). `stats` may be NULL; it is filled also on failure
 * with what was done. Fails (error set) on a missing or unreadable text file,
 * a voice whose hop is not 256 (or whose rate is not 22050 Hz with features),
 * settings that differ from the folder's distill.json, a synthesis or write
 * error, or when no text could be used. */
vx_status vx_distill_run(const vx_vits *voice, const vx_distill_opts *o, vx_data_report *report,
                         vx_distill_stats *stats);

#endif
