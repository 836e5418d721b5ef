/* wav.h — reading and writing audio files (WAV, FLAC, OGG/Vorbis) through libsndfile.
 *
 * Samples are 32-bit floats in [-1, 1], interleaved by channel: [frames, channels].
 * Any sample rate and channel count libsndfile can decode are accepted; a file that
 * is missing, unreadable or not audio gives VX_ERR_IO / VX_ERR_FORMAT with a message
 * (never a crash). Writes go to a temporary file next to the target and are renamed
 * into place, so a failed or interrupted write never leaves a half-written file. */
#ifndef VX_AUDIO_WAV_H
#define VX_AUDIO_WAV_H

#include <stdbool.h>
#include <stdint.h>

#include "core/status.h"

/* Audio held in memory. `samples` is malloc'd and owned by the struct. */
typedef struct vx_audio {
    float *samples;     /* [frames, channels] interleaved, in [-1, 1] */
    int64_t frames;     /* samples per channel                         */
    int channels;
    int sample_rate;    /* Hz                                          */
} vx_audio;

/* Sample encoding of a written file. FLAC stores PCM16/PCM24 only; OGG/Vorbis
 * is lossy and ignores the subtype. */
typedef enum vx_audio_subtype {
    VX_AUDIO_PCM16 = 0, /* 16-bit signed integer (the default)  */
    VX_AUDIO_PCM24,     /* 24-bit signed integer                */
    VX_AUDIO_FLOAT,     /* 32-bit IEEE float (WAV only)         */
} vx_audio_subtype;

/* Read a whole file. With `mixdown` the channels are averaged into one
 * (out->channels == 1). On failure *out is zeroed and a message is set. */
vx_status vx_audio_read(const char *path, bool mixdown, vx_audio *out);

/* Read a file as mono at `sample_rate` Hz: mix down, then resample with
 * vx_resample when the file's rate differs (sample_rate 0 keeps the file's rate). */
vx_status vx_audio_read_mono(const char *path, int sample_rate, vx_audio *out);

/* Write `frames` x `channels` interleaved samples. The container comes from the
 * extension of `path` (.wav, .flac, .ogg/.oga); samples outside [-1, 1] are
 * clipped for the integer subtypes. Atomic: temp file + rename. */
vx_status vx_audio_write(const char *path, const float *samples, int64_t frames, int channels,
                         int sample_rate, vx_audio_subtype subtype);

/* Free the samples and zero the struct (safe on a zeroed struct). */
void vx_audio_free(vx_audio *a);

#endif
