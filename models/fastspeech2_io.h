/* fastspeech2_io.h — the FastSpeech2 model file ("voxc-fastspeech2-1"):
 * save a trained vx_fs2 with everything needed to speak with it, load it back.
 *
 * One .safetensors file (nn/safetensors.h), written atomically:
 *   tensors       every parameter and buffer under its vx_fs2 name
 *                 ("encoder.src_word_emb.weight", ..., "variance_adaptor.pitch_bins"),
 *                 F32, shapes as the config makes them;
 *   __metadata__  (string -> string):
 *     "format"    "voxc-fastspeech2-1"
 *     "config"    JSON object with every vx_fs2_config field under its C name
 *                 (ffn_kernel as a 2-array), pitch/energy statistics included;
 *     "audio"     JSON object, the mel recipe the training features used:
 *                 {"sample_rate", "hop", "n_fft", "win", "n_mels", "fmin",
 *                  "fmax", "pad", "pad_mode" ("reflect"|"constant"),
 *                  "mel_scale" ("slaney"|"htk"), "mel_norm" ("slaney"|"none"),
 *                  "mag_eps", "log_floor"} — audio/mel.h's HiFi-GAN recipe is
 *                 22050, 256, 1024, 1024, 80, 0, 8000, 384, reflect, slaney,
 *                 slaney, 1e-9, 1e-5;
 *     "phonemes"  JSON object from the teacher voice's Piper config (.onnx.json):
 *                 {"phoneme_id_map": {...}, "espeak": {"voice": "en-us"},
 *                  "phoneme_type": "espeak"} (phoneme_type only when the voice
 *                 config has it), so text becomes the ids the model learnt;
 *     "teacher"   free text (optional): where the training audio came from.
 * Readers are strict: every key above (but "teacher") must be present and
 * well-formed, config objects must hold exactly the vx_fs2_config fields,
 * and every tensor must be present with the config's shape; extra tensors are
 * refused too. Every error names the file and the key, field or tensor. */
#ifndef VX_MODELS_FASTSPEECH2_IO_H
#define VX_MODELS_FASTSPEECH2_IO_H

#include <stdbool.h>
#include <stddef.h>

#include "audio/mel.h"
#include "core/json.h"
#include "core/status.h"
#include "models/fastspeech2.h"

#define VX_FS2_FORMAT "voxc-fastspeech2-1"

/* What a model file holds besides the weights and the config. */
typedef struct vx_fs2_file_info {
    vx_logmel_cfg audio; /* the training features' mel recipe                  */
    char *phonemes;      /* JSON object text as described above (malloc'd on
                            load; borrowed on save)                              */
    char *teacher;       /* free text or NULL (same ownership)                  */
} vx_fs2_file_info;

/* --- config <-> JSON ------------------------------------------------------------- */

/* cfg as one JSON object on one line, every field (floats with 9 significant
 * digits, so they read back exactly). malloc'd; NULL with the error set. */
char *vx_fs2_config_to_json(const vx_fs2_config *cfg);

/* Read a config written by vx_fs2_config_to_json from object j: every field
 * required with its type (integers for int fields), unknown keys refused,
 * then vx_fs2_config_check. `what` names the source in errors, which name the
 * field ("x.safetensors config: \"hidden\" is missing"). *cfg is untouched on
 * failure. */
vx_status vx_fs2_config_from_json(const vx_json *j, const char *what, vx_fs2_config *cfg);

/* --- audio recipe <-> JSON -------------------------------------------------------- */

/* The "audio" object text for a recipe (malloc'd; NULL with the error set). */
char *vx_fs2_audio_to_json(const vx_logmel_cfg *audio);

/* Read the "audio" object (every key required, unknown keys refused, the
 * result accepted by vx_logmel_new). */
vx_status vx_fs2_audio_from_json(const vx_json *j, const char *what, vx_logmel_cfg *audio);

/* --- building the info -------------------------------------------------------------- */

/* Fill *info for a model trained on features of `audio` with the teacher
 * voice whose Piper config text (the .onnx.json, or vx_vits_voice_json of a
 * converted voice) is voice_config[len]: info->phonemes becomes the object
 * described above (the map is checked: it needs '^', '_' and '$');
 * info->teacher a copy of `teacher` (may be NULL). `what` names the config in
 * errors. Free with vx_fs2_file_info_free. */
vx_status vx_fs2_file_info_init(vx_fs2_file_info *info, const vx_logmel_cfg *audio, const char *voice_config,
                                size_t len, const char *what, const char *teacher);

/* Free the strings of an info filled by vx_fs2_file_info_init or vx_fs2_load
 * and zero it. */
void vx_fs2_file_info_free(vx_fs2_file_info *info);

/* --- files -------------------------------------------------------------------------- */

/* Write model m (its config, parameters and buffers) and info to `path`
 * atomically (a temporary file renamed over path; on failure path is left as
 * it was). info->phonemes must be a JSON object with a usable phoneme_id_map;
 * info->audio must be a valid recipe whose n_mels equals the config's. */
vx_status vx_fs2_save(const char *path, const vx_fs2 *m, const vx_fs2_file_info *info);

/* Read a model file: a vx_fs2 built from its config in ctx (parameters in
 * the context's persistent memory, as vx_fs2_new) with every tensor loaded
 * and checked, and (when info is not NULL) its info, which the caller frees
 * with vx_fs2_file_info_free. NULL with the error set on any failure (*info
 * then zeroed). Free the model with vx_fs2_free before the context. */
vx_fs2 *vx_fs2_load(vx_ctx *ctx, const char *path, vx_fs2_file_info *info);

/* True when `path` is a safetensors file whose "format" metadata starts with
 * "voxc-fastspeech2" (so vx_fs2_load should read it, and report a version it
 * does not know); false for anything else, a file that cannot be read
 * included (then the caller's own loader reports why). */
bool vx_fs2_file_detect(const char *path);

#endif
