/* tts.c — voxc-tts: speak text with a Piper voice (VITS), sentence by sentence.
 *
 * Text (arguments or standard input) is normalised (text/normalize.h), split
 * into sentences (text/split.h), phonemised the way Piper does
 * (text/phonemize.h) and mapped to the voice's ids (text/phoneme_ids.h); each
 * sentence is one model call (models/vits.h), peak-normalised as Piper does,
 * followed by --sentence-silence seconds of silence. --raw streams each
 * sentence's samples to standard output as soon as they are ready; WAV output
 * is written when all sentences are done (atomically for files). */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audio/wav.h"
#include "core/json.h"
#include "core/threads.h"
#include "models/vits.h"
#include "text/normalize.h"
#include "text/phoneme_ids.h"
#include "text/phonemize.h"
#include "text/split.h"

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

static bool parse_float(const char *s, float *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v))
        return false;
    *out = (float)v;
    return true;
}

static bool parse_ulong(const char *s, unsigned long long *out)
{
    char *end;
    errno = 0;
    if (*s == '-')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end)
        return false;
    *out = v;
    return true;
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
            ok = val && parse_float(val, &o->length_scale) && o->length_scale > 0;
            o->has_length_scale = true;
        } else if (!strcmp(a, "--noise-scale")) {
            ok = val && parse_float(val, &o->noise_scale);
            o->has_noise_scale = true;
        } else if (!strcmp(a, "--noise-w")) {
            ok = val && parse_float(val, &o->noise_w);
            o->has_noise_w = true;
        } else if (!strcmp(a, "--sentence-silence")) {
            ok = val && parse_float(val, &o->sentence_silence) && o->sentence_silence >= 0 &&
                 o->sentence_silence <= 60;
        } else if (!strcmp(a, "--seed")) {
            ok = val && parse_ulong(val, &o->seed);
        } else if (!strcmp(a, "--threads")) {
            ok = val && parse_ulong(val, &n) && n >= 1 && n <= VX_MAX_THREADS;
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

/* One sentence ready for the model: ids and a printable label per id. */
typedef struct sentence {
    int64_t *ids;
    size_t n_ids, n_phonemes;
    char (*labels)[8];    /* UTF-8 of the phoneme each id stands for, "^" "_" "$" */
    const char *text;     /* the source text span (not NUL-terminated), or NULL */
    size_t text_len;
} sentence;

static void sentence_free(sentence *s)
{
    free(s->ids);
    free(s->labels);
    memset(s, 0, sizeof *s);
}

static void utf8_encode(uint32_t c, char out[8])
{
    unsigned char *p = (unsigned char *)out;
    if (c < 0x80) {
        p[0] = (unsigned char)c, p[1] = 0;
    } else if (c < 0x800) {
        p[0] = (unsigned char)(0xC0 | c >> 6), p[1] = (unsigned char)(0x80 | (c & 0x3F)), p[2] = 0;
    } else if (c < 0x10000) {
        p[0] = (unsigned char)(0xE0 | c >> 12), p[1] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
        p[2] = (unsigned char)(0x80 | (c & 0x3F)), p[3] = 0;
    } else {
        p[0] = (unsigned char)(0xF0 | c >> 18), p[1] = (unsigned char)(0x80 | (c >> 12 & 0x3F));
        p[2] = (unsigned char)(0x80 | (c >> 6 & 0x3F)), p[3] = (unsigned char)(0x80 | (c & 0x3F)), p[4] = 0;
    }
}

/* Write label `str` for id position *at (when it exists) and advance. */
static void put_label(sentence *s, size_t *at, const char *str)
{
    if (*at < s->n_ids)
        snprintf(s->labels[*at], sizeof s->labels[*at], "%s", str);
    (*at)++;
}

/* Labels for ids made from phonemes in Piper's layout ^ _ p1 _ ... pn _ $:
 * walk the phonemes the map knows; when the count disagrees with the ids (or
 * there are no phonemes) the labels are the id numbers. */
static vx_status label_ids(sentence *s, const vx_phoneme_id_map *map, const uint32_t *phonemes, size_t n)
{
    s->labels = calloc(s->n_ids ? s->n_ids : 1, sizeof *s->labels);
    if (!s->labels)
        return vx_fail(VX_ERR_OOM, "out of memory");
    size_t at = 0;
    put_label(s, &at, "^");
    put_label(s, &at, "_");
    for (size_t i = 0; map && i < n; i++) {
        size_t k = 0;
        if (!vx_phoneme_id_lookup(map, phonemes[i], &k))
            continue;
        char u[8];
        utf8_encode(phonemes[i], u);
        for (size_t j = 0; j < k; j++)
            put_label(s, &at, u);
        put_label(s, &at, "_");
    }
    put_label(s, &at, "$");
    if (!map || at != s->n_ids)
        for (size_t i = 0; i < s->n_ids; i++)
            snprintf(s->labels[i], sizeof s->labels[i], "%lld", (long long)s->ids[i]);
    return VX_OK;
}

/* Sentences from an --ids string: numbers separated by spaces, ';' between sentences. */
static sentence *parse_id_sentences(const char *spec, size_t *count)
{
    size_t cap = 4;
    sentence *out = calloc(cap, sizeof *out);
    *count = 0;
    const char *p = spec;
    while (out) {
        size_t n = 0, icap = 64;
        int64_t *ids = malloc(sizeof *ids * icap);
        if (!ids)
            break;
        for (;;) {
            while (*p == ' ' || *p == '\t' || *p == '\n' || *p == ',')
                p++;
            if (!*p || *p == ';')
                break;
            char *end;
            errno = 0;
            long long v = strtoll(p, &end, 10);
            if (end == p || errno) {
                free(ids);
                for (size_t i = 0; i < *count; i++)
                    sentence_free(&out[i]);
                free(out);
                return vx_fail_null(VX_ERR_ARG, "--ids: '%.20s' is not a number", p);
            }
            if (n == icap) {
                int64_t *grown = realloc(ids, sizeof *ids * (icap *= 2));
                if (!grown) {
                    free(ids);
                    ids = NULL;
                    break;
                }
                ids = grown;
            }
            ids[n++] = v;
            p = end;
        }
        if (!ids)
            break;
        if (n) {
            if (*count == cap) {
                sentence *grown = realloc(out, sizeof *out * (cap *= 2));
                if (!grown) {
                    free(ids);
                    break;
                }
                out = grown;
            }
            sentence *s = &out[(*count)++];
            memset(s, 0, sizeof *s);
            s->ids = ids;
            s->n_ids = n;
            if (label_ids(s, NULL, NULL, 0))
                break;
        } else {
            free(ids);
        }
        if (!*p) {
            if (*count)
                return out;
            free(out);
            return vx_fail_null(VX_ERR_ARG, "--ids: no ids given");
        }
        p++; /* ';' */
    }
    for (size_t i = 0; out && i < *count; i++)
        sentence_free(&out[i]);
    free(out);
    return vx_fail_null(VX_ERR_OOM, "out of memory reading --ids");
}

/* --- audio output ------------------------------------------------------------------ */

typedef struct sink {
    const char *path;  /* WAV file, "-" for a WAV on stdout, NULL for --raw */
    int sample_rate;
    float *buf;        /* WAV: every sample so far                          */
    size_t n, cap;
} sink;

static int16_t to_s16(float x)
{
    x = x > 1.0f ? 1.0f : x < -1.0f ? -1.0f : x;
    return (int16_t)lrintf(x * 32767.0f);
}

static vx_status sink_add(sink *k, const float *samples, size_t n, float gain)
{
    if (!k->path) { /* --raw: out now */
        int16_t chunk[4096];
        for (size_t i = 0; i < n;) {
            size_t m = n - i < 4096 ? n - i : 4096;
            for (size_t j = 0; j < m; j++)
                chunk[j] = to_s16(samples ? samples[i + j] * gain : 0.0f);
            if (fwrite(chunk, sizeof chunk[0], m, stdout) != m)
                return vx_fail(VX_ERR_IO, "cannot write to standard output: %s", strerror(errno));
            i += m;
        }
        return fflush(stdout) ? vx_fail(VX_ERR_IO, "cannot write to standard output: %s", strerror(errno)) : VX_OK;
    }
    if (k->n + n > k->cap) {
        size_t cap = k->cap ? k->cap : 1 << 16;
        while (cap < k->n + n)
            cap *= 2;
        float *grown = realloc(k->buf, sizeof *grown * cap);
        if (!grown)
            return vx_fail(VX_ERR_OOM, "out of memory holding %zu samples", k->n + n);
        k->buf = grown;
        k->cap = cap;
    }
    for (size_t i = 0; i < n; i++)
        k->buf[k->n + i] = samples ? samples[i] * gain : 0.0f;
    k->n += n;
    return VX_OK;
}

static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8), p[2] = (unsigned char)(v >> 16),
    p[3] = (unsigned char)(v >> 24);
}

/* A 16-bit mono WAV of the buffered samples on standard output. */
static vx_status write_wav_stdout(const sink *k)
{
    if (k->n > (UINT32_MAX - 36) / 2)
        return vx_fail(VX_ERR_ARG, "%zu samples do not fit a WAV file", k->n);
    unsigned char h[44];
    uint32_t data = (uint32_t)(k->n * 2);
    memcpy(h, "RIFF", 4), put_u32(h + 4, 36 + data), memcpy(h + 8, "WAVEfmt ", 8);
    put_u32(h + 16, 16), put_u32(h + 20, 1u | 1u << 16); /* PCM, 1 channel */
    put_u32(h + 24, (uint32_t)k->sample_rate), put_u32(h + 28, (uint32_t)k->sample_rate * 2);
    put_u32(h + 32, 2u | 16u << 16), memcpy(h + 36, "data", 4), put_u32(h + 40, data);
    bool ok = fwrite(h, 1, sizeof h, stdout) == sizeof h;
    for (size_t i = 0; ok && i < k->n; i++) {
        int16_t s = to_s16(k->buf[i]);
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
    return vx_audio_write(k->path, k->buf, (int64_t)k->n, 1, k->sample_rate, VX_AUDIO_PCM16);
}

/* --- the run ---------------------------------------------------------------------- */

typedef struct run {
    options o;
    vx_vits *voice;
    const vx_vits_config *cfg;
    vx_vits_params params;
    vx_ctx *ctx;
    sink out;
    FILE *info;          /* JSON / timestamps stream                          */
    double t_start;      /* after the voice loaded                            */
    double first_audio_s;
    double compute_s;    /* synthesis time, all sentences                   */
    double audio_s;      /* speech, all sentences                            */
    double output_s;     /* speech and silence written so far                */
    int64_t frames, ids, phonemes;
    size_t sentences;
} run;

static void print_timestamps(run *r, const sentence *s, const vx_vits_output *y, double offset_s)
{
    double frame_s = (double)r->cfg->hop_length / r->cfg->sample_rate;
    int64_t f = 0;
    for (size_t i = 0; i < s->n_ids; i++) {
        int32_t d = vx_get_i(y->durations, (int64_t)i);
        double t0 = offset_s + (double)f * frame_s, t1 = offset_s + (double)(f + d) * frame_s;
        if (r->o.json) {
            fprintf(r->info, "%s{\"id\":%lld,\"phoneme\":", i ? "," : "", (long long)s->ids[i]);
            vx_json_write_string(r->info, s->labels[i], strlen(s->labels[i]));
            fprintf(r->info, ",\"start_s\":%.4f,\"end_s\":%.4f}", t0, t1);
        } else {
            fprintf(r->info, "%zu\t%zu\t%s\t%.4f\t%.4f\n", r->sentences, i, s->labels[i], t0, t1);
        }
        f += d;
    }
}

/* Synthesize one sentence, send its audio on, report it. */
static vx_status speak(run *r, const sentence *s)
{
    double t0 = now_s();
    vx_vits_output y;
    vx_ctx_reset(r->ctx);
    vx_status st = vx_vits_synthesize(r->voice, r->ctx, s->ids, (int64_t)s->n_ids, &r->params, &y);
    if (st)
        return st;
    double t1 = now_s();
    /* peak normalisation per sentence (ref: piper1-gpl: audio / max|audio|, silence stays silent) */
    const float *a = y.audio->data;
    int64_t n = vx_numel(y.audio);
    float peak = 0.0f;
    for (int64_t i = 0; i < n; i++)
        peak = fabsf(a[i]) > peak ? fabsf(a[i]) : peak;
    float gain = peak > 1e-8f ? 1.0f / peak : 0.0f;
    double offset_s = r->output_s;
    size_t silence = (size_t)lrintf(r->o.sentence_silence * (float)r->cfg->sample_rate);
    if ((st = sink_add(&r->out, a, (size_t)n, gain)) || (st = sink_add(&r->out, NULL, silence, 0.0f)))
        return st;
    double compute = t1 - t0, audio = (double)n / r->cfg->sample_rate;
    if (r->sentences == 0)
        r->first_audio_s = t1 - r->t_start;
    if (r->o.json) {
        fprintf(r->info, "%s\n    {\"index\":%zu,\"text\":", r->sentences ? "," : "", r->sentences);
        if (s->text)
            vx_json_write_string(r->info, s->text, s->text_len);
        else
            fputs("null", r->info);
        fprintf(r->info, ",\"phonemes\":%zu,\"ids\":%zu,\"frames\":%lld,\"samples\":%lld,\"audio_s\":%.4f,"
                "\"compute_s\":%.4f,\"rtf\":%.4f", s->n_phonemes, s->n_ids, (long long)y.frames, (long long)n,
                audio, compute, audio > 0 ? compute / audio : 0.0);
        if (r->o.timestamps) {
            fputs(",\"timestamps\":[", r->info);
            print_timestamps(r, s, &y, offset_s);
            fputc(']', r->info);
        }
        fputc('}', r->info);
    } else if (r->o.timestamps) {
        print_timestamps(r, s, &y, offset_s);
    }
    fflush(r->info);
    r->compute_s += compute;
    r->audio_s += audio;
    r->output_s += audio + (double)silence / r->cfg->sample_rate;
    r->frames += y.frames;
    r->ids += (int64_t)s->n_ids;
    r->phonemes += (int64_t)s->n_phonemes;
    r->sentences++;
    return VX_OK;
}

/* The voice's speaker id for a number or a name in its speaker_id_map. */
static vx_status resolve_speaker(run *r)
{
    if (!r->o.speaker)
        return VX_OK;
    int speakers = r->cfg->n_speakers > 1 ? r->cfg->n_speakers : 1;
    unsigned long long n;
    if (parse_ulong(r->o.speaker, &n)) {
        if (n >= (unsigned long long)speakers)
            return vx_fail(VX_ERR_ARG, "speaker %llu is outside this voice's 0..%d", n, speakers - 1);
        r->params.speaker = (int)n;
        return VX_OK;
    }
    size_t len;
    const char *text = vx_vits_voice_json(r->voice, &len);
    vx_json *j = vx_json_parse(text, len, "the voice config");
    if (!j)
        return vx_last_status();
    const vx_json *map = vx_json_get(j, "speaker_id_map");
    const vx_json *id = map ? vx_json_get(map, r->o.speaker) : NULL;
    vx_status st = VX_OK;
    if (!id || id->type != VX_JSON_NUMBER || !id->is_integer || id->integer < 0 || id->integer >= speakers)
        st = vx_fail(VX_ERR_ARG, "the voice has no speaker named '%s' (its speaker_id_map has %zu names)",
                     r->o.speaker, map && map->type == VX_JSON_OBJECT ? map->count : (size_t)0);
    else
        r->params.speaker = (int)id->integer;
    vx_json_free(j);
    return st;
}

/* Normalise, split, phonemise and speak `text`; warns once about unknown phonemes. */
static vx_status speak_text(run *r, const char *text, size_t len)
{
    size_t json_len;
    const char *config_text = vx_vits_voice_json(r->voice, &json_len);
    vx_json *config = vx_json_parse(config_text, json_len, "the voice config");
    if (!config)
        return vx_last_status();
    vx_status st = VX_OK;
    char *spoken = NULL, *espeak_voice = NULL;
    vx_text_span *spans = NULL;
    vx_phoneme_misses misses = {0};
    vx_phoneme_id_map *map = vx_phoneme_id_map_from_config(config, "the voice config");
    espeak_voice = strdup(vx_json_get_string(vx_json_get(config, "espeak"), "voice", "en-us"));
    vx_json_free(config);
    if (!map || !espeak_voice) {
        st = map ? vx_fail(VX_ERR_OOM, "out of memory") : vx_last_status();
        goto done;
    }
    if (r->o.normalize) {
        if (!(spoken = vx_normalize(text, len, &len))) {
            st = vx_last_status();
            goto done;
        }
        text = spoken;
    }
    size_t n_spans;
    if (!(spans = vx_split(text, len, VX_SPLIT_SENTENCES, &n_spans))) {
        st = vx_last_status();
        goto done;
    }
    for (size_t k = 0; k < n_spans && !st; k++) {
        vx_phonemes *ph = vx_phonemize(text + spans[k].start, spans[k].len, espeak_voice);
        if (!ph) {
            st = vx_last_status();
            break;
        }
        for (size_t i = 0; i < ph->count && !st; i++) {
            const vx_phoneme_sentence *ps = &ph->sentences[i];
            sentence s = {.text = text + spans[k].start + ps->text_start, .text_len = ps->text_len};
            if (!ps->n)
                continue; /* no words: nothing to say */
            if (!(st = vx_phoneme_ids(map, ps->phonemes, ps->n, &s.ids, &s.n_ids, &misses)) &&
                !(st = label_ids(&s, map, ps->phonemes, ps->n))) {
                s.n_phonemes = ps->n;
                st = speak(r, &s);
            }
            sentence_free(&s);
        }
        vx_phonemes_free(ph);
    }
    char warning[1024];
    if (vx_phoneme_misses_format(&misses, warning, sizeof warning))
        fprintf(stderr, "voxc-tts: warning: %s\n", warning);
done:
    free(spans);
    free(spoken);
    free(espeak_voice);
    vx_phoneme_id_map_free(map);
    return st;
}

static vx_status speak_ids(run *r)
{
    size_t count;
    sentence *ss = parse_id_sentences(r->o.ids, &count);
    if (!ss)
        return vx_last_status();
    vx_status st = VX_OK;
    for (size_t i = 0; i < count && !st; i++)
        st = speak(r, &ss[i]);
    for (size_t i = 0; i < count; i++)
        sentence_free(&ss[i]);
    free(ss);
    return st;
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
    int rc = 1;
    char *text = NULL;
    double t_load = now_s();
    if (!(r.voice = vx_vits_load(r.o.model)))
        goto done;
    double load_s = now_s() - t_load;
    r.cfg = vx_vits_config_of(r.voice);
    r.params = vx_vits_default_params(r.voice);
    if (r.o.has_length_scale)
        r.params.length_scale = r.o.length_scale;
    if (r.o.has_noise_scale)
        r.params.noise_scale = r.o.noise_scale;
    if (r.o.has_noise_w)
        r.params.noise_w = r.o.noise_w;
    r.params.seed = r.o.seed;
    if (resolve_speaker(&r))
        goto done;
    r.out = (sink){.path = r.o.raw ? NULL : r.o.output, .sample_rate = r.cfg->sample_rate};
    if (!(r.ctx = vx_ctx_new((vx_ctx_opts){0})))
        goto done;
    size_t len = 0;
    if (!r.o.ids && !(text = r.o.n_text > 0 ? join_args(r.o.text, r.o.n_text, &len) : read_stream(stdin, &len)))
        goto done;
    if (r.o.json) {
        fputs("{\"voice\":", r.info);
        vx_json_write_string(r.info, r.o.model, strlen(r.o.model));
        fprintf(r.info, ",\"sample_rate\":%d,\"threads\":%d,\"load_s\":%.4f,\n  \"sentences\":[",
                r.cfg->sample_rate, vx_threads_get(), load_s);
    }
    r.t_start = now_s();
    vx_status st = r.o.ids ? speak_ids(&r) : speak_text(&r, text, len);
    if (r.o.json)
        fprintf(r.info, "],\n  \"total\":{\"sentences\":%zu,\"phonemes\":%lld,\"ids\":%lld,\"frames\":%lld,"
                "\"audio_s\":%.4f,\"output_s\":%.4f,\"compute_s\":%.4f,\"rtf\":%.4f,\"first_audio_ms\":%.1f,"
                "\"wall_s\":%.4f}}\n",
                r.sentences, (long long)r.phonemes, (long long)r.ids, (long long)r.frames, r.audio_s, r.output_s,
                r.compute_s,
                r.audio_s > 0 ? r.compute_s / r.audio_s : 0.0, 1e3 * r.first_audio_s, now_s() - r.t_start);
    if (st || sink_finish(&r.out))
        goto done;
    if (r.sentences == 0)
        fputs("voxc-tts: warning: the text has nothing to say; the output holds no audio\n", stderr);
    rc = 0;
done:
    if (rc)
        fprintf(stderr, "voxc-tts: %s\n", vx_last_error());
    free(text);
    free(r.o.text);
    free(r.out.buf);
    vx_ctx_free(r.ctx);
    vx_vits_free(r.voice);
    return rc;
}
