/* bench.c — voxc-bench: the voxc side of the text-to-speech benchmark
 * (tools/bench_tts.py runs it next to onnxruntime).
 *
 *   voxc-bench tts -m VOICE [--threads N] [--noise-scale X] [--noise-w X]
 *
 * loads the voice once, then answers requests read from standard input, one
 * per line, with one JSON line each on standard output, so a driver can
 * alternate voxc and another engine request by request without reloading:
 *
 *   ids 1 0 23 0 ... 2   one model call on these ids (vx_vits_synthesize, the
 *                        same work as one onnxruntime session.run):
 *                        {"compute_s", "audio_s", "samples", "frames"}
 *   text TEXT            TEXT through the whole pipeline (models/speak.h):
 *                        {"first_audio_ms", "compute_s", "wall_s", "audio_s",
 *                         "sentences"}
 *   rss                  {"max_rss_mb"}: peak resident memory so far
 *
 * A bad request answers {"error": "..."} and the loop goes on. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "core/json.h"
#include "core/threads.h"
#include "core/vx.h"
#include "models/speak.h"
#include "models/vits.h"

static void usage(FILE *out)
{
    fputs("usage: voxc-bench tts -m VOICE [--threads N] [--noise-scale X] [--noise-w X]\n"
          "\n"
          "Loads VOICE once and answers requests from standard input, one per line, with\n"
          "one JSON line each on standard output (driver: tools/bench_tts.py):\n"
          "  ids 1 0 23 0 ... 2   time one model call on these phoneme ids:\n"
          "                       compute_s, audio_s, samples, frames\n"
          "  text TEXT            time TEXT through the whole pipeline (normalise, split,\n"
          "                       phonemise, synthesize): first_audio_ms, compute_s,\n"
          "                       wall_s, audio_s, sentences\n"
          "  rss                  max_rss_mb, the peak resident memory so far\n"
          "\n"
          "  -m, --model VOICE    the voice (.onnx with its .onnx.json, or .safetensors)\n"
          "  --threads N          worker threads (default: $VOXC_THREADS or all CPUs)\n"
          "  --noise-scale X      prior noise (default: the voice's)\n"
          "  --noise-w X          duration noise (default: the voice's)\n"
          "  --help               show this help\n"
          "Exit status: 0 at the end of the input, 1 when the voice cannot be loaded, 2 on\n"
          "bad usage.\n",
          out);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void answer_error(void)
{
    fputs("{\"error\":", stdout);
    const char *e = vx_last_error();
    vx_json_write_string(stdout, e, strlen(e));
    fputs("}\n", stdout);
}

/* "ids ...": one model call, timed like onnxruntime's session.run. */
static void request_ids(const vx_vits *voice, vx_ctx *ctx, const vx_vits_params *p, const char *spec)
{
    size_t n = 0, cap = 256;
    int64_t *ids = malloc(sizeof *ids * cap);
    const char *s = spec;
    char *end;
    while (ids) {
        while (*s == ' ' || *s == '\t' || *s == ',')
            s++;
        if (!*s)
            break;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (end == s || errno) {
            vx_fail(VX_ERR_ARG, "ids: '%.20s' is not a number", s);
            free(ids);
            answer_error();
            return;
        }
        if (n == cap) {
            int64_t *grown = realloc(ids, sizeof *ids * (cap *= 2));
            if (!grown)
                free(ids);
            ids = grown;
        }
        if (ids)
            ids[n++] = v;
        s = end;
    }
    if (!ids) {
        vx_fail(VX_ERR_OOM, "ids: out of memory");
        answer_error();
        return;
    }
    vx_vits_output y;
    double t0 = now_s();
    vx_ctx_reset(ctx);
    vx_status st = vx_vits_synthesize(voice, ctx, ids, (int64_t)n, p, &y);
    double t1 = now_s();
    free(ids);
    if (st) {
        answer_error();
        return;
    }
    const vx_vits_config *cfg = vx_vits_config_of(voice);
    printf("{\"compute_s\":%.6f,\"audio_s\":%.6f,\"samples\":%lld,\"frames\":%lld}\n", t1 - t0,
           (double)vx_numel(y.audio) / cfg->sample_rate, (long long)vx_numel(y.audio), (long long)y.frames);
}

/* "text ...": the whole pipeline; the audio is dropped. */
static void request_text(vx_speak *sp, const vx_speak_opts *o, const char *text)
{
    vx_speak_totals t;
    if (vx_speak_text(sp, text, strlen(text), o, NULL, NULL, &t)) {
        answer_error();
        return;
    }
    printf("{\"first_audio_ms\":%.3f,\"compute_s\":%.6f,\"wall_s\":%.6f,\"audio_s\":%.6f,\"sentences\":%zu}\n",
           1e3 * t.first_audio_s, t.compute_s, t.wall_s, t.audio_s, t.sentences);
}

static void request_rss(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"max_rss_mb\":%.1f}\n", (double)ru.ru_maxrss / 1024.0); /* ru_maxrss is in KiB on Linux */
}

static bool parse_number(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi))
        return false;
    *out = v;
    return true;
}

int main(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return 0;
    }
    if (argc < 2 || strcmp(argv[1], "tts")) {
        fputs("voxc-bench: the only benchmark is `tts` (see --help)\n", stderr);
        return 2;
    }
    const char *model = NULL;
    double threads = 0, noise_scale = -1, noise_w = -1;
    for (int i = 2; i < argc; i += 2) { /* every option takes a value */
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = val != NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "-m") || !strcmp(a, "--model")) {
            model = val;
        } else if (!strcmp(a, "--threads")) {
            ok = ok && parse_number(val, 1, VX_MAX_THREADS, &threads) && threads == (int)threads;
        } else if (!strcmp(a, "--noise-scale")) {
            ok = ok && parse_number(val, 0, 10, &noise_scale);
        } else if (!strcmp(a, "--noise-w")) {
            ok = ok && parse_number(val, 0, 10, &noise_w);
        } else {
            fprintf(stderr, "voxc-bench: unknown option '%s' (see --help)\n", a);
            return 2;
        }
        if (!ok) {
            fprintf(stderr, "voxc-bench: %s needs a valid value (see --help)\n", a);
            return 2;
        }
    }
    if (!model) {
        fputs("voxc-bench: give -m VOICE (get the default voice with `make voice`)\n", stderr);
        return 2;
    }
    if (threads > 0)
        vx_threads_set((int)threads);
    vx_vits *voice = vx_vits_load(model);
    vx_speak *sp = voice ? vx_speak_new(voice) : NULL;
    vx_ctx *ctx = sp ? vx_ctx_new((vx_ctx_opts){0}) : NULL;
    if (!ctx) {
        fprintf(stderr, "voxc-bench: %s\n", vx_last_error());
        vx_speak_free(sp);
        vx_vits_free(voice);
        return 1;
    }
    vx_speak_opts o = {.params = vx_vits_default_params(voice), .normalize = true};
    if (noise_scale >= 0)
        o.params.noise_scale = (float)noise_scale;
    if (noise_w >= 0)
        o.params.noise_w = (float)noise_w;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, stdin)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (!strncmp(line, "ids ", 4))
            request_ids(voice, ctx, &o.params, line + 4);
        else if (!strncmp(line, "text ", 5))
            request_text(sp, &o, line + 5);
        else if (!strcmp(line, "rss"))
            request_rss();
        else if (len > 0) {
            vx_fail(VX_ERR_ARG, "unknown request '%.20s': use ids, text or rss", line);
            answer_error();
        }
        fflush(stdout);
    }
    free(line);
    vx_ctx_free(ctx);
    vx_speak_free(sp);
    vx_vits_free(voice);
    return 0;
}
