/* tts.c — voxc-tts: speak text with a Piper voice (VITS), sentence by sentence.
 *
 * The pipeline (normalise, split, phonemise, ids, synthesize, peak-normalise)
 * is models/speak.h; this tool parses the options, sends each sentence's
 * audio to the output followed by --sentence-silence seconds of silence, and
 * prints figures. --raw streams each sentence's samples to standard output as
 * soon as they are ready; WAV output is written when all sentences are done
 * (atomically for files). */
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
#include "models/speak.h"
#include "models/vits.h"
#include "tools/cli.h"

static void usage(FILE *out)
{
    fputs("usage: voxc-tts -m VOICE [-o OUT.wav | -o - | --raw] [options] [TEXT ...]\n"
          "\n"
          "Speaks TEXT (or standard input) with a Piper voice: VOICE.onnx (with\n"
          "VOICE.onnx.json next to it) or a .safetensors from `voxc-convert piper`.\n"
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
          "  --no-normalize           speak the text as written (Piper does not normalise\n"
          "                           numbers, currency, units, ...; voxc does by default)\n"
          "  --ids \"1 0 23 0 ... 2\"   synthesize these phoneme ids instead of text; ';'\n"
          "                           separates sentences\n"
          "  --json                   print per-sentence and total figures as JSON: audio_s,\n"
          "                           compute_s, rtf, first_audio_ms, phoneme/id/frame counts\n"
          "  --timestamps             print each id's start and end time in seconds\n"
          "  --help                   show this help\n"
          "\n"
          "JSON and timestamps go to standard output, or to standard error when the audio\n"
          "does. Inline phonemes may be written [[ ... ]]. Phonemes the voice lacks are\n"
          "skipped with one warning.\n"
          "Exit status: 0 on success, 1 on a missing voice or a synthesis error, 2 on bad usage.\n",
          out);
}

typedef struct options {
    const char *model, *output, *ids, *speaker;
    bool raw, json, timestamps, normalize;
    float length_scale, noise_scale, noise_w, sentence_silence;
    bool has_length_scale, has_noise_scale, has_noise_w;
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
    *o = (options){.normalize = true, .sentence_silence = 0.2f, .threads = 0};
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
        } else if (!strcmp(a, "--length-scale")) {
            ok = val && cli_float(val, 0, 1e6, &o->length_scale) && o->length_scale > 0;
            o->has_length_scale = true;
        } else if (!strcmp(a, "--noise-scale")) {
            ok = val && cli_float(val, -1e6, 1e6, &o->noise_scale);
            o->has_noise_scale = true;
        } else if (!strcmp(a, "--noise-w")) {
            ok = val && cli_float(val, -1e6, 1e6, &o->noise_w);
            o->has_noise_w = true;
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

/* Voice parameters from the options. */
static vx_status make_opts(const run *r, const vx_vits *voice, vx_speak_opts *so)
{
    *so = (vx_speak_opts){.params = vx_vits_default_params(voice), .normalize = r->o.normalize};
    if (r->o.has_length_scale)
        so->params.length_scale = r->o.length_scale;
    if (r->o.has_noise_scale)
        so->params.noise_scale = r->o.noise_scale;
    if (r->o.has_noise_w)
        so->params.noise_w = r->o.noise_w;
    so->params.seed = r->o.seed;
    return r->o.speaker ? vx_speak_find_speaker(voice, r->o.speaker, &so->params.speaker) : VX_OK;
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
    vx_speak *sp = NULL;
    vx_speak_opts so;
    double t_load = now_s();
    vx_vits *voice = vx_vits_load(r.o.model);
    if (!voice)
        goto done;
    double load_s = now_s() - t_load;
    const vx_vits_config *cfg = vx_vits_config_of(voice);
    if (make_opts(&r, voice, &so) || !(sp = vx_speak_new(voice)))
        goto done;
    r.out = (sink){.path = r.o.raw ? NULL : r.o.output, .sample_rate = cfg->sample_rate};
    size_t len = 0;
    if (!r.o.ids && !(text = r.o.n_text > 0 ? join_args(r.o.text, r.o.n_text, &len) : read_stream(stdin, &len)))
        goto done;
    if (r.o.json) {
        fputs("{\"voice\":", r.info);
        vx_json_write_string(r.info, r.o.model, strlen(r.o.model));
        fprintf(r.info, ",\"sample_rate\":%d,\"threads\":%d,\"load_s\":%.4f,\n  \"sentences\":[",
                cfg->sample_rate, vx_threads_get(), load_s);
    }
    vx_speak_totals t;
    vx_status st = r.o.ids ? vx_speak_ids(sp, r.o.ids, "--ids", &so, on_sentence, &r, &t)
                           : vx_speak_text(sp, text, len, &so, on_sentence, &r, &t);
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
    vx_speak_free(sp);
    vx_vits_free(voice);
    return rc;
}
