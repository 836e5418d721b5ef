/* wav.c — audio file input/output through libsndfile, with atomic writes. */
#include "audio/wav.h"

#include <errno.h>
#include <fcntl.h>
#include <sndfile.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audio/resample.h"

#define MAX_CHANNELS 1024
#define MAX_SAMPLES ((int64_t)1 << 34) /* 64 GiB of floats: anything larger is a broken header */

void vx_audio_free(vx_audio *a)
{
    if (!a)
        return;
    free(a->samples);
    *a = (vx_audio){0};
}

/* Average the channels of a [frames, channels] buffer in place into [frames]. */
static void mix_down(vx_audio *a)
{
    int c = a->channels;
    if (c == 1)
        return;
    for (int64_t t = 0; t < a->frames; t++) {
        double sum = 0;
        for (int k = 0; k < c; k++)
            sum += a->samples[t * c + k];
        a->samples[t] = (float)(sum / c);
    }
    a->channels = 1;
}

vx_status vx_audio_read(const char *path, bool mixdown, vx_audio *out)
{
    *out = (vx_audio){0};
    struct stat sb;
    if (!path || stat(path, &sb) != 0)
        return vx_fail(VX_ERR_IO, "audio_read: cannot open '%s': %s", path ? path : "(null)",
                       strerror(path ? errno : EINVAL));
    if (S_ISDIR(sb.st_mode))
        return vx_fail(VX_ERR_IO, "audio_read: '%s' is a directory, not an audio file", path);
    if (access(path, R_OK) != 0)
        return vx_fail(VX_ERR_IO, "audio_read: cannot read '%s': %s", path, strerror(errno));
    SF_INFO info = {0};
    SNDFILE *f = sf_open(path, SFM_READ, &info);
    if (!f)
        return vx_fail(VX_ERR_FORMAT,
                       "audio_read: '%s' is not a readable audio file (%s); use WAV, FLAC or OGG/Vorbis",
                       path, sf_strerror(NULL));
    if (info.channels < 1 || info.channels > MAX_CHANNELS || info.samplerate < 1 || info.frames < 0 ||
        info.frames > MAX_SAMPLES / info.channels) {
        sf_close(f);
        return vx_fail(VX_ERR_FORMAT, "audio_read: '%s' has an implausible header (%d channels, %d Hz, %lld frames)",
                       path, info.channels, info.samplerate, (long long)info.frames);
    }
    float *samples = malloc((size_t)(info.frames > 0 ? info.frames : 1) * info.channels * sizeof(float));
    if (!samples) {
        sf_close(f);
        return vx_fail(VX_ERR_OOM, "audio_read: out of memory for %lld frames of '%s'", (long long)info.frames, path);
    }
    sf_count_t got = info.frames > 0 ? sf_readf_float(f, samples, info.frames) : 0;
    int err = sf_error(f);
    sf_close(f);
    if (err != SF_ERR_NO_ERROR || got < 0) {
        free(samples);
        return vx_fail(VX_ERR_FORMAT, "audio_read: decoding '%s' failed: %s", path, sf_error_number(err));
    }
    *out = (vx_audio){.samples = samples, .frames = got, .channels = info.channels, .sample_rate = info.samplerate};
    if (mixdown)
        mix_down(out);
    return VX_OK;
}

vx_status vx_audio_read_mono(const char *path, int sample_rate, vx_audio *out)
{
    if (sample_rate < 0)
        return vx_fail(VX_ERR_ARG, "audio_read_mono: sample_rate %d must be >= 0 (0 keeps the file's rate)", sample_rate);
    vx_status st = vx_audio_read(path, true, out);
    if (st || sample_rate == 0 || sample_rate == out->sample_rate)
        return st;
    int64_t n = 0;
    float *res = vx_resample(out->samples, out->frames, out->sample_rate, sample_rate, &n);
    if (!res) {
        vx_audio_free(out);
        return vx_last_status();
    }
    free(out->samples);
    out->samples = res;
    out->frames = n;
    out->sample_rate = sample_rate;
    return VX_OK;
}

/* libsndfile format for a path's extension and a subtype (0 + message when unsupported). */
static int file_format(const char *path, vx_audio_subtype subtype)
{
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    const char *ext = (dot && (!slash || dot > slash)) ? dot + 1 : "";
    int pcm = subtype == VX_AUDIO_PCM16 ? SF_FORMAT_PCM_16
            : subtype == VX_AUDIO_PCM24 ? SF_FORMAT_PCM_24
            : subtype == VX_AUDIO_FLOAT ? SF_FORMAT_FLOAT : 0;
    if (!pcm) {
        vx_fail(VX_ERR_ARG, "audio_write: unknown subtype %d (use VX_AUDIO_PCM16, PCM24 or FLOAT)", (int)subtype);
        return 0;
    }
    if (!strcasecmp(ext, "wav"))
        return SF_FORMAT_WAV | pcm;
    if (!strcasecmp(ext, "flac")) {
        if (subtype == VX_AUDIO_FLOAT) {
            vx_fail(VX_ERR_UNSUPPORTED, "audio_write: FLAC stores integer samples only; use PCM16/PCM24 or a .wav file for '%s'", path);
            return 0;
        }
        return SF_FORMAT_FLAC | pcm;
    }
    if (!strcasecmp(ext, "ogg") || !strcasecmp(ext, "oga"))
        return SF_FORMAT_OGG | SF_FORMAT_VORBIS;
    vx_fail(VX_ERR_ARG, "audio_write: cannot tell the format of '%s'; name it .wav, .flac or .ogg", path);
    return 0;
}

vx_status vx_audio_write(const char *path, const float *samples, int64_t frames, int channels, int sample_rate,
                         vx_audio_subtype subtype)
{
    if (!path || !samples || frames < 0 || channels < 1 || channels > MAX_CHANNELS || sample_rate < 1)
        return vx_fail(VX_ERR_ARG, "audio_write: need a path, samples, frames >= 0, 1..%d channels and a rate >= 1 "
                       "(got %lld frames, %d channels, %d Hz)", MAX_CHANNELS, (long long)frames, channels, sample_rate);
    int format = file_format(path, subtype);
    if (!format)
        return vx_last_status();
    SF_INFO info = {.samplerate = sample_rate, .channels = channels, .format = format};
    if (!sf_format_check(&info))
        return vx_fail(VX_ERR_UNSUPPORTED, "audio_write: libsndfile cannot write '%s' with %d channels at %d Hz in this format",
                       path, channels, sample_rate);

    static atomic_uint counter;
    size_t len = strlen(path) + 64;
    char *tmp = malloc(len);
    if (!tmp)
        return vx_fail(VX_ERR_OOM, "audio_write: out of memory");
    snprintf(tmp, len, "%s.tmp.%ld.%u", path, (long)getpid(), atomic_fetch_add(&counter, 1));
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
    if (fd < 0) {
        vx_status st = vx_fail(VX_ERR_IO, "audio_write: cannot create '%s': %s", tmp, strerror(errno));
        free(tmp);
        return st;
    }
    /* libsndfile leaves the descriptor open (SF_FALSE): it is flushed and closed here */
    SNDFILE *f = sf_open_fd(fd, SFM_WRITE, &info, SF_FALSE);
    if (!f) {
        vx_status st = vx_fail(VX_ERR_IO, "audio_write: cannot start '%s': %s", path, sf_strerror(NULL));
        close(fd);
        unlink(tmp);
        free(tmp);
        return st;
    }
    sf_command(f, SFC_SET_CLIPPING, NULL, SF_TRUE);
    sf_count_t put = frames ? sf_writef_float(f, samples, frames) : 0;
    int err = sf_error(f);
    int close_err = sf_close(f);
    int sync_failed = fsync(fd) != 0;
    sync_failed |= close(fd) != 0;
    vx_status st = VX_OK;
    if (put != frames || err || close_err)
        st = vx_fail(VX_ERR_IO, "audio_write: writing '%s' failed: %s", path,
                     sf_error_number(err ? err : close_err ? close_err : SF_ERR_SYSTEM));
    else if (sync_failed)
        st = vx_fail(VX_ERR_IO, "audio_write: flushing '%s' failed: %s", path, strerror(errno));
    else if (rename(tmp, path) != 0)
        st = vx_fail(VX_ERR_IO, "audio_write: cannot move the finished file to '%s': %s", path, strerror(errno));
    if (st)
        unlink(tmp);
    free(tmp);
    return st;
}
