/* tts.c — voxc-tts: speak text with a Piper voice (VITS) or a FastSpeech2
 * model and a vocoder, sentence by sentence.
 *
 * The pipelines (normalise, split, phonemise, ids, synthesize) are
 * models/speak.h for VITS voices and models/fs2_speak.h for FastSpeech2
 * model files, told apart by the file's "format" metadata
 * (models/fastspeech2_io.h); this tool parses the options, sends each sentence's
 * audio to the output followed by --sentence-silence seconds of silence, and
 * prints figures. --raw streams each sentence's samples to standard output as
 * soon as they are ready; WAV output is written when all sentences are done
 * (atomically for files). --backend opencl|cuda runs a VITS voice's flow and
 * decoder on that compute backend (models/vits_device.h). */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audio/wav.h"
#include "core/json.h"
#include "core/threads.h"
#include "models/fastspeech2_io.h"
#include "models/fs2_speak.h"
#include "models/hifigan.h"
#include "hw/backend.h"
#include "models/speak.h"
#include "models/vits.h"
#include "models/vits_device.h"
#include "tools/cli.h"
#include "train/hifigan_json.h"

static void usage(FILE *out)
{
    fputs("usage: voxc-tts -m VOICE [-o OUT.wav | -o - | --raw] [options] [TEXT ...]\n"
          "       voxc-tts -m FS2.safetensors [--vocoder VOCODER|griffin-lim] [controls] ...\n"
          "\n"
          "Speaks TEXT (or standard input) with a Piper voice: VOICE.onnx (with\n"
          "VOICE.onnx.json next to it) or a .safetensors from `voxc-convert piper`; or with\n"
          "a FastSpeech2 model file (format voxc-fastspeech2-1, from `voxc-train\n"
          "fastspeech2`) whose mels a vocoder turns into audio.\n"
          "\n"
          "  -m, --model VOICE        the voice (get the default one with `make voice`)\n"
          "  -o, --output OUT.wav     write a 16-bit WAV file; `-o -` writes it to standard output\n"
          "  --raw                    stream 16-bit little-endian mono samples to standard\n"
          "                           output, each sentence as soon as it is ready\n"
          "  --length-scale X         speaking time factor, > 0 (voice default, usually 1;\n"
          "                           larger is slower)\n"
          "  --noise-scale X          prior noise (voice default, usually 0.667)\n"
          "  --noise-w X              duration noise (voice default, usually 0.8)\n"
          "  --speaker ID|NAME        speaker number or name (multi-speaker voices)\n"
          "  --sentence-silence S     seconds of silence after each sentence (default 0.2)\n"
          "  --seed N                 noise seed (default 0; the same seed gives the same audio)\n"
          "  --threads N              worker threads (default: $VOXC_THREADS or all CPUs)\n"
          "  --backend cpu|opencl|cuda  where a VITS voice runs (default cpu: the fused CPU\n"
          "                           kernels); opencl and cuda run the flow and the decoder\n"
          "                           on that device, op by op, and say so on standard error\n"
          "                           (text encoder and duration predictor stay on the cpu)\n"
          "  --strict                 with --backend: an op the device lacks is an error\n"
          "                           instead of running on the cpu with a warning\n"
          "  --no-normalize           speak the text as written (Piper does not normalise\n"
          "                           numbers, currency, units, ...; voxc does by default)\n"
          "  --ids \"1 0 23 0 ... 2\"   synthesize these phoneme ids instead of text; ';'\n"
          "                           separates sentences\n"
          "  --json                   print per-sentence and total figures as JSON: audio_s,\n"
          "                           compute_s, rtf, first_audio_ms, phoneme/id/frame counts\n"
          "  --timestamps             print each id's start and end time in seconds\n"
          "  --help                   show this help\n"
          "\n"
          "FastSpeech2 models only (an error with a VITS voice, as --length-scale,\n"
          "--noise-scale and --noise-w are with a FastSpeech2 model):\n"
          "  --vocoder FILE|griffin-lim  a HiFi-GAN generator (a voxc-train checkpoint or run\n"
          "                           folder, or\n"
          "                           generator weights with --vocoder-config) trained on\n"
          "                           the model's mel recipe, or Griffin-Lim (32 iterations,\n"
          "                           phasey; the default, with a note on standard error)\n"
          "  --vocoder-config C       the generator of a weights file without a config:\n"
          "                           v1, v2, v3 or a .json\n"
          "  --pitch-shift SEMITONES  transpose the predicted pitch (any sign, |s| <= 96)\n"
          "  --pitch-scale X          stretch the pitch contour about the speaker's mean,\n"
          "                           >= 0 (0: monotone, 1: as predicted)\n"
          "  --energy-scale X         multiply the predicted frame energy, >= 0\n"
          "  --speed X                speaking rate, > 0 (2: half the frames)\n"
          "  --speaker N              speaker number (multi-speaker models)\n"
          "  --seed N                 Griffin-Lim's initial phases\n"
          "FastSpeech2 audio is not peak-normalised (so --energy-scale is audible); a\n"
          "sentence louder than full scale is scaled down to it.\n"
          "\n"
          "JSON and timestamps go to standard output, or to standard error when the audio\n"
          "does. Inline phonemes may be written [[ ... ]]. Phonemes the voice lacks are\n"
          "skipped with one warning.\n"
          "Exit status: 0 on success, 1 on a missing voice or a synthesis error, 2 on bad usage.\n",
          out);
}

typedef struct options {
    const char *model, *output, *ids, *speaker;
    bool raw, json, timestamps, normalize, strict;
    const char *backend;                       /* NULL: cpu */
    float length_scale, noise_scale, noise_w, sentence_silence;
    bool has_length_scale, has_noise_scale, has_noise_w;
    const char *vocoder, *vocoder_config;      /* FastSpeech2 only */
    vx_fs2_controls controls;                  /* FastSpeech2 only */
    const char *fs2_option;                    /* the first FastSpeech2-only option given */
    unsigned long long seed;
    int threads;
    const char **text; /* the TEXT arguments (malloc'd array) */
    int n_text;
} options;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Options may come before or after TEXT; everything after "--" is TEXT.
 * Returns 0 on success, 2 on bad usage (message printed), -1 after --help. */
static int parse_options(int argc, char **argv, options *o)
{
    *o = (options){.normalize = true, .sentence_silence = 0.2f, .threads = 0,
                   .controls = vx_fs2_controls_neutral()};
    o->text = calloc((size_t)argc, sizeof *o->text);
    if (!o->text) {
        fputs("voxc-tts: out of memory\n", stderr);
        return 2;
    }
    bool only_text = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = true, takes = true;
        unsigned long long n;
        if (only_text || a[0] != '-' || !a[1]) {
            o->text[o->n_text++] = a;
            continue;
        } else if (!strcmp(a, "--")) {
            only_text = true;
            continue;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return -1;
        } else if (!strcmp(a, "-m") || !strcmp(a, "--model")) {
            o->model = val;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            o->output = val;
        } else if (!strcmp(a, "--ids")) {
            o->ids = val;
        } else if (!strcmp(a, "--speaker")) {
            o->speaker = val;
        } else if (!strcmp(a, "--backend")) {
            o->backend = val;
            ok = val && vx_backend_get(val);
        } else if (!strcmp(a, "--length-scale")) {
            ok = val && cli_float(val, 0, 1e6, &o->length_scale) && o->length_scale > 0;
            o->has_length_scale = true;
        } else if (!strcmp(a, "--noise-scale")) {
            ok = val && cli_float(val, -1e6, 1e6, &o->noise_scale);
            o->has_noise_scale = true;
        } else if (!strcmp(a, "--noise-w")) {
            ok = val && cli_float(val, -1e6, 1e6, &o->noise_w);
            o->has_noise_w = true;
        } else if (!strcmp(a, "--vocoder")) {
            o->vocoder = val;
            o->fs2_option = o->fs2_option ? o->fs2_option : a;
        } else if (!strcmp(a, "--vocoder-config")) {
            o->vocoder_config = val;
            o->fs2_option = o->fs2_option ? o->fs2_option : a;
        } else if (!strcmp(a, "--pitch-shift") || !strcmp(a, "--pitch-scale") || !strcmp(a, "--energy-scale") ||
                   !strcmp(a, "--speed")) {
            vx_fs2_controls *c = &o->controls;
            float *target = !strcmp(a, "--pitch-shift") ? &c->pitch_shift
                            : !strcmp(a, "--pitch-scale") ? &c->pitch_scale
                            : !strcmp(a, "--energy-scale") ? &c->energy_scale
                                                           : &c->speed;
            double lo = target == &c->pitch_shift ? -96 : 0, hi = target == &c->pitch_shift ? 96 : 1e3;
            ok = val && cli_float(val, lo, hi, target) && (target != &c->speed || *target > 0);
            o->fs2_option = o->fs2_option ? o->fs2_option : a;
        } else if (!strcmp(a, "--sentence-silence")) {
            ok = val && cli_float(val, 0, 1e6, &o->sentence_silence) && o->sentence_silence >= 0 &&
                 o->sentence_silence <= 60;
        } else if (!strcmp(a, "--seed")) {
            ok = val && cli_count(val, &o->seed);
        } else if (!strcmp(a, "--threads")) {
            ok = val && cli_count(val, &n) && n >= 1 && n <= VX_MAX_THREADS;
            o->threads = ok ? (int)n : 0;
        } else {
            takes = false;
            if (!strcmp(a, "--raw"))
                o->raw = true;
            else if (!strcmp(a, "--json"))
                o->json = true;
            else if (!strcmp(a, "--timestamps"))
                o->timestamps = true;
            else if (!strcmp(a, "--no-normalize"))
                o->normalize = false;
            else if (!strcmp(a, "--strict"))
                o->strict = true;
            else {
                fprintf(stderr, "voxc-tts: unknown option '%s' (see --help)\n", a);
                return 2;
            }
        }
        if (takes && !val) {
            fprintf(stderr, "voxc-tts: %s needs a value (see --help)\n", a);
            return 2;
        }
        if (!ok) {
            fprintf(stderr, "voxc-tts: bad value '%s' for %s (see --help)\n", val, a);
            return 2;
        }
        i += takes;
    }
    if (!o->model) {
        fputs("voxc-tts: no voice: give -m VOICE.onnx (get the default voice with `make voice`)\n", stderr);
        return 2;
    }
    if (!o->output && !o->raw) {
        fputs("voxc-tts: no output: give -o OUT.wav, -o - or --raw\n", stderr);
        return 2;
    }
    if (o->output && o->raw) {
        fputs("voxc-tts: -o and --raw are exclusive\n", stderr);
        return 2;
    }
    if (o->ids && o->n_text > 0) {
        fputs("voxc-tts: give either --ids or TEXT, not both\n", stderr);
        return 2;
    }
    return 0;
}

/* --- text ------------------------------------------------------------------------ */

static char *read_stream(FILE *f, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        char *grown = realloc(buf, cap * 2 + 1);
        if (!grown)
            free(buf);
        buf = grown;
        cap *= 2;
    }
    if (!buf)
        return vx_fail_null(VX_ERR_OOM, "out of memory reading standard input");
    if (ferror(f)) {
        free(buf);
        return vx_fail_null(VX_ERR_IO, "cannot read standard input");
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* The TEXT arguments joined with single spaces. */
static char *join_args(const char **args, int n_args, size_t *len)
{
    size_t n = 1;
    for (int i = 0; i < n_args; i++)
        n += strlen(args[i]) + 1;
    char *buf = malloc(n);
    if (!buf)
        return vx_fail_null(VX_ERR_OOM, "out of memory joining the arguments");
    size_t at = 0;
    for (int i = 0; i < n_args; i++) {
        size_t k = strlen(args[i]);
        memcpy(buf + at, args[i], k);
        at += k;
        if (i + 1 < n_args)
            buf[at++] = ' ';
    }
    buf[at] = '\0';
    *len = at;
    return buf;
}

/* --- audio output ------------------------------------------------------------------ */

typedef struct sink {
    const char *path;         /* WAV file, "-" for a WAV on stdout, NULL for --raw */
    int sample_rate;
    vx_speak_buffer wav;      /* WAV: every sample so far                          */
} sink;

static int16_t to_s16(float x)
{
    x = x > 1.0f ? 1.0f : x < -1.0f ? -1.0f : x;
    return (int16_t)lrintf(x * 32767.0f);
}

/* n samples (n zeros when samples is NULL) to the output. */
static vx_status sink_add(sink *k, const float *samples, int64_t n)
{
    if (k->path)
        return vx_speak_buffer_append(&k->wav, samples, n);
    int16_t chunk[4096]; /* --raw: out now */
    for (int64_t i = 0; i < n;) {
        int64_t m = n - i < 4096 ? n - i : 4096;
        for (int64_t j = 0; j < m; j++)
            chunk[j] = samples ? to_s16(samples[i + j]) : 0;
        if (fwrite(chunk, sizeof chunk[0], (size_t)m, stdout) != (size_t)m)
            return vx_fail(VX_ERR_IO, "cannot write to standard output: %s", strerror(errno));
        i += m;
    }
    return fflush(stdout) ? vx_fail(VX_ERR_IO, "cannot write to standard output: %s", strerror(errno)) : VX_OK;
}

static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8), p[2] = (unsigned char)(v >> 16),
    p[3] = (unsigned char)(v >> 24);
}

/* A 16-bit mono WAV of the buffered samples on standard output. */
static vx_status write_wav_stdout(const sink *k)
{
    int64_t n = k->wav.n;
    if (n > (int64_t)(UINT32_MAX - 36) / 2)
        return vx_fail(VX_ERR_ARG, "%lld samples do not fit a WAV file", (long long)n);
    unsigned char h[44];
    uint32_t data = (uint32_t)(n * 2);
    memcpy(h, "RIFF", 4), put_u32(h + 4, 36 + data), memcpy(h + 8, "WAVEfmt ", 8);
    put_u32(h + 16, 16), put_u32(h + 20, 1u | 1u << 16); /* PCM, 1 channel */
    put_u32(h + 24, (uint32_t)k->sample_rate), put_u32(h + 28, (uint32_t)k->sample_rate * 2);
    put_u32(h + 32, 2u | 16u << 16), memcpy(h + 36, "data", 4), put_u32(h + 40, data);
    bool ok = fwrite(h, 1, sizeof h, stdout) == sizeof h;
    for (int64_t i = 0; ok && i < n; i++) {
        int16_t s = to_s16(k->wav.samples[i]);
        unsigned char le[2] = {(unsigned char)(s & 0xFF), (unsigned char)((uint16_t)s >> 8)};
        ok = fwrite(le, 1, 2, stdout) == 2;
    }
    return ok && !fflush(stdout) ? VX_OK : vx_fail(VX_ERR_IO, "cannot write the WAV to standard output");
}

static vx_status sink_finish(sink *k)
{
    if (!k->path)
        return VX_OK;
    if (!strcmp(k->path, "-"))
        return write_wav_stdout(k);
    static const float none = 0.0f; /* vx_audio_write wants a buffer even for no samples */
    return vx_audio_write(k->path, k->wav.samples ? k->wav.samples : &none, k->wav.n, 1, k->sample_rate,
                          VX_AUDIO_PCM16);
}

/* --- the run ---------------------------------------------------------------------- */

typedef struct run {
    options o;
    sink out;
    FILE *info;          /* JSON / timestamps stream                          */
    bool progress;       /* show progress on stderr (a terminal)              */
    bool progress_shown;
    double output_s;     /* speech and silence written so far                 */
} run;

static void print_timestamps(run *r, const vx_speak_sentence *s, double offset_s)
{
    int64_t f = 0;
    for (size_t i = 0; i < s->n_ids; i++) {
        int32_t d = s->durations[i];
        double t0 = offset_s + (double)f * s->frame_s, t1 = offset_s + (double)(f + d) * s->frame_s;
        if (r->o.json) {
            fprintf(r->info, "%s{\"id\":%lld,\"phoneme\":", i ? "," : "", (long long)s->ids[i]);
            vx_json_write_string(r->info, s->labels[i], strlen(s->labels[i]));
            fprintf(r->info, ",\"start_s\":%.4f,\"end_s\":%.4f}", t0, t1);
        } else {
            fprintf(r->info, "%zu\t%zu\t%s\t%.4f\t%.4f\n", s->index, i, s->labels[i], t0, t1);
        }
        f += d;
    }
}

/* The pipeline's callback: audio out, then figures. */
static vx_status on_sentence(void *user, const vx_speak_sentence *s)
{
    run *r = user;
    double offset_s = r->output_s;
    int64_t silence = lrintf(r->o.sentence_silence * (float)s->sample_rate);
    vx_status st = sink_add(&r->out, s->audio, s->n_samples);
    if (st || (st = sink_add(&r->out, NULL, silence)))
        return st;
    r->output_s += s->audio_s + (double)silence / s->sample_rate;
    if (r->o.json) {
        fprintf(r->info, "%s\n    {\"index\":%zu,\"text\":", s->index ? "," : "", s->index);
        if (s->text)
            vx_json_write_string(r->info, s->text, s->text_len);
        else
            fputs("null", r->info);
        fprintf(r->info, ",\"phonemes\":%zu,\"ids\":%zu,\"frames\":%lld,\"samples\":%lld,\"audio_s\":%.4f,"
                "\"compute_s\":%.4f,\"rtf\":%.4f", s->n_phonemes, s->n_ids, (long long)s->frames,
                (long long)s->n_samples, s->audio_s, s->compute_s, s->audio_s > 0 ? s->compute_s / s->audio_s : 0.0);
        if (r->o.timestamps) {
            fputs(",\"timestamps\":[", r->info);
            print_timestamps(r, s, offset_s);
            fputc(']', r->info);
        }
        fputc('}', r->info);
    } else if (r->o.timestamps) {
        print_timestamps(r, s, offset_s);
    }
    fflush(r->info);
    if (r->progress && (r->progress_shown || s->progress < 1.0)) {
        fprintf(stderr, "\rvoxc-tts: sentence %zu, %3.0f%% of the text, %.1f s of audio", s->index + 1,
                100.0 * s->progress, r->output_s);
        r->progress_shown = true;
    }
    return VX_OK;
}

/* --- the model ---------------------------------------------------------------------- */

/* The model behind -m: a VITS voice with its pipeline, or a FastSpeech2
 * model, its vocoder and their pipeline. */
typedef struct engine {
    vx_vits *voice;               /* VITS                                     */
    vx_vits_device *device;       /* VITS on --backend opencl|cuda, or NULL   */
    vx_speak *speak;
    vx_speak_opts speak_opts;
    vx_ctx *ctx;                  /* FastSpeech2: model and generator weights */
    vx_fs2 *fs2;
    vx_fs2_file_info info;
    vx_hifigan *generator;        /* NULL: Griffin-Lim                        */
    vx_fs2_speak *fs2_speak;
    vx_fs2_speak_opts fs2_opts;
    int sample_rate;
    bool usage_error;             /* an option that does not fit the model    */
} engine;

static vx_status usage_error(engine *e, const char *option, const char *fits)
{
    e->usage_error = true;
    return vx_fail(VX_ERR_ARG, "%s works with %s only (see --help)", option, fits);
}

static vx_status device_synthesize(void *device, vx_ctx *ctx, const int64_t *ids, int64_t n_ids,
                                   const vx_vits_params *p, vx_vits_output *out)
{
    return vx_vits_device_synthesize(device, ctx, ids, n_ids, p, out);
}

/* VITS voice parameters from the options. */
static vx_status open_vits(engine *e, const options *o)
{
    if (o->fs2_option)
        return usage_error(e, o->fs2_option, "FastSpeech2 models");
    if (!(e->voice = vx_vits_load(o->model)))
        return vx_last_status();
    vx_speak_opts *so = &e->speak_opts;
    *so = (vx_speak_opts){.params = vx_vits_default_params(e->voice), .normalize = o->normalize};
    if (o->has_length_scale)
        so->params.length_scale = o->length_scale;
    if (o->has_noise_scale)
        so->params.noise_scale = o->noise_scale;
    if (o->has_noise_w)
        so->params.noise_w = o->noise_w;
    so->params.seed = o->seed;
    e->sample_rate = vx_vits_config_of(e->voice)->sample_rate;
    vx_status st = o->speaker ? vx_speak_find_speaker(e->voice, o->speaker, &so->params.speaker) : VX_OK;
    if (!st && !(e->speak = vx_speak_new(e->voice)))
        st = vx_last_status();
    if (!st && o->backend && strcmp(o->backend, "cpu")) {
        if (!(e->device = vx_vits_device_load(e->voice, o->model, o->backend)))
            return vx_last_status();
        vx_backend_set_strict(o->strict);
        so->synthesize = device_synthesize;
        so->synthesize_user = e->device;
        fprintf(stderr, "voxc-tts: backend %s: %s%s\n", vx_vits_device_describe(e->device),
                vx_vits_device_placement(e->device), o->strict ? " (--strict: no cpu fallback)" : "");
    }
    return st;
}

/* A FastSpeech2 model file, its vocoder and the controls. */
static vx_status open_fs2(engine *e, const options *o)
{
    const char *vits_option = o->has_length_scale ? "--length-scale (FastSpeech2 takes --speed)"
                              : o->has_noise_scale ? "--noise-scale"
                              : o->has_noise_w     ? "--noise-w"
                                                   : NULL;
    if (!vits_option && o->backend && strcmp(o->backend, "cpu"))
        vits_option = "--backend";
    if (vits_option)
        return usage_error(e, vits_option, "VITS voices");
    bool griffin_lim = !o->vocoder || !strcmp(o->vocoder, "griffin-lim");
    if (griffin_lim && o->vocoder_config)
        return usage_error(e, "--vocoder-config", "a --vocoder generator file");
    e->fs2_opts = (vx_fs2_speak_opts){.controls = o->controls, .normalize = o->normalize};
    if (o->speaker && !cli_int(o->speaker, 0, 1 << 20, &e->fs2_opts.speaker)) {
        e->usage_error = true;
        return vx_fail(VX_ERR_ARG, "--speaker '%s': FastSpeech2 models take a speaker number", o->speaker);
    }
    if (!(e->ctx = vx_ctx_new((vx_ctx_opts){0})) || !(e->fs2 = vx_fs2_load(e->ctx, o->model, &e->info)))
        return vx_last_status();
    int speakers = vx_fs2_get_config(e->fs2)->n_speakers;
    speakers = speakers > 1 ? speakers : 1;
    if (e->fs2_opts.speaker >= speakers)
        return vx_fail(VX_ERR_ARG, "speaker %d is outside this model's 0..%d", e->fs2_opts.speaker, speakers - 1);
    if (!o->vocoder)
        fprintf(stderr, "voxc-tts: note: no --vocoder given; using Griffin-Lim (%d iterations), which sounds "
                "phasey; give --vocoder GENERATOR.safetensors for a HiFi-GAN trained on the model's mels\n",
                VX_FS2_GRIFFIN_LIM_ITERS);
    if (!griffin_lim &&
        !(e->generator = vx_hifigan_load_generator(e->ctx, o->vocoder, o->vocoder_config, "--vocoder-config")))
        return vx_last_status();
    vx_fs2_vocoder vocoder = {.hifigan = e->generator, .griffin_lim_seed = o->seed};
    if (!(e->fs2_speak = vx_fs2_speak_new(e->fs2, &e->info, &vocoder)))
        return vx_last_status();
    e->sample_rate = vx_fs2_speak_sample_rate(e->fs2_speak);
    return VX_OK;
}

static vx_status engine_open(engine *e, const options *o)
{
    memset(e, 0, sizeof *e);
    return vx_fs2_file_detect(o->model) ? open_fs2(e, o) : open_vits(e, o);
}

static vx_status engine_speak(engine *e, run *r, const char *text, size_t len, vx_speak_totals *t)
{
    if (e->fs2_speak)
        return r->o.ids ? vx_fs2_speak_ids(e->fs2_speak, r->o.ids, "--ids", &e->fs2_opts, on_sentence, r, t)
                        : vx_fs2_speak_text(e->fs2_speak, text, len, &e->fs2_opts, on_sentence, r, t);
    return r->o.ids ? vx_speak_ids(e->speak, r->o.ids, "--ids", &e->speak_opts, on_sentence, r, t)
                    : vx_speak_text(e->speak, text, len, &e->speak_opts, on_sentence, r, t);
}

static void engine_close(engine *e)
{
    vx_speak_free(e->speak);
    vx_vits_device_free(e->device);
    vx_vits_free(e->voice);
    vx_fs2_speak_free(e->fs2_speak);
    vx_hifigan_free(e->generator);
    vx_fs2_free(e->fs2);
    vx_fs2_file_info_free(&e->info);
    vx_ctx_free(e->ctx);
}

int main(int argc, char **argv)
{
    run r = {0};
    int usage_rc = parse_options(argc, argv, &r.o);
    if (usage_rc) {
        free(r.o.text);
        return usage_rc < 0 ? 0 : usage_rc;
    }
    if (r.o.threads)
        vx_threads_set(r.o.threads);
    bool audio_on_stdout = r.o.raw || !strcmp(r.o.output, "-");
    r.info = audio_on_stdout ? stderr : stdout;
    r.progress = r.info != stderr && isatty(STDERR_FILENO);
    int rc = 1;
    char *text = NULL;
    engine e;
    double t_load = now_s();
    if (engine_open(&e, &r.o))
        goto done;
    double load_s = now_s() - t_load;
    r.out = (sink){.path = r.o.raw ? NULL : r.o.output, .sample_rate = e.sample_rate};
    size_t len = 0;
    if (!r.o.ids && !(text = r.o.n_text > 0 ? join_args(r.o.text, r.o.n_text, &len) : read_stream(stdin, &len)))
        goto done;
    if (r.o.json) {
        fputs("{\"voice\":", r.info);
        vx_json_write_string(r.info, r.o.model, strlen(r.o.model));
        if (e.fs2) {
            const char *vocoder = r.o.vocoder ? r.o.vocoder : "griffin-lim";
            fputs(",\"model\":\"fastspeech2\",\"vocoder\":", r.info);
            vx_json_write_string(r.info, vocoder, strlen(vocoder));
        }
        fprintf(r.info, ",\"backend\":\"%s\",\"sample_rate\":%d,\"threads\":%d,\"load_s\":%.4f,\n  \"sentences\":[",
                e.device ? r.o.backend : "cpu", e.sample_rate, vx_threads_get(), load_s);
    }
    vx_speak_totals t;
    vx_status st = engine_speak(&e, &r, text, len, &t);
    if (r.progress_shown)
        fputc('\n', stderr);
    if (r.o.json)
        fprintf(r.info, "],\n  \"total\":{\"sentences\":%zu,\"phonemes\":%lld,\"ids\":%lld,\"frames\":%lld,"
                "\"audio_s\":%.4f,\"output_s\":%.4f,\"compute_s\":%.4f,\"rtf\":%.4f,\"first_audio_ms\":%.1f,"
                "\"wall_s\":%.4f}}\n",
                t.sentences, (long long)t.phonemes, (long long)t.ids, (long long)t.frames, t.audio_s, r.output_s,
                t.compute_s, t.audio_s > 0 ? t.compute_s / t.audio_s : 0.0, 1e3 * t.first_audio_s, t.wall_s);
    char warning[1024];
    if (vx_phoneme_misses_format(&t.misses, warning, sizeof warning))
        fprintf(stderr, "voxc-tts: warning: %s\n", warning);
    if (st || sink_finish(&r.out))
        goto done;
    if (t.sentences == 0)
        fputs("voxc-tts: warning: the text has nothing to say; the output holds no audio\n", stderr);
    rc = 0;
done:
    if (rc)
        fprintf(stderr, "voxc-tts: %s\n", vx_last_error());
    free(text);
    free(r.o.text);
    vx_speak_buffer_free(&r.out.wav);
    engine_close(&e);
    return rc && e.usage_error ? 2 : rc;
}
