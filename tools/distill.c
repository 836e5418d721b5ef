/* distill.c — voxc-distill: a training corpus spoken by a Piper voice. Every
 * text line becomes one clip in an LJSpeech-layout folder with the VITS
 * durations as alignment, plus the feature cache (train/distill.h). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/threads.h"
#include "models/vits.h"
#include "tools/cli.h"
#include "train/distill.h"

#define DEFAULT_TEXTS "../shared/data/texts/ljspeech-transcripts.txt"

static void usage(FILE *out)
{
    fputs("usage: voxc-distill -m VOICE -o DIR [--texts FILE] [--limit N] [--threads N] [--seed N]\n"
          "                    [--noise-scale X] [--noise-w X] [--length-scale X] [--no-features]\n"
          "                    [--quiet]\n"
          "\n"
          "Speaks every line of a text file with a Piper voice into an LJSpeech-layout corpus:\n"
          "  DIR/wavs/<id>.wav   one clip per line, 16-bit PCM at the voice's rate, peak 1\n"
          "  DIR/metadata.csv    id|text|normalized|phoneme_ids|durations (durations: the VITS\n"
          "                      duration predictor's frames of 256 samples; the wav holds exactly\n"
          "                      their sum x 256 samples)\n"
          "  DIR/distill.json    the voice and options the clips were made with\n"
          "  DIR/cache/          mel, F0, energy, ids and durations for training (give the training\n"
          "                      tools --data DIR --cache DIR/cache)\n"
          "A line's sentences are spoken as one utterance (their phonemes joined, as Piper's\n"
          "training preprocessing does). Rerunning the same command resumes: clips whose wav has\n"
          "the right length are kept, the rest are made.\n"
          "\n"
          "  -m, --model VOICE   the voice: VOICE.onnx (+ VOICE.onnx.json) or a .safetensors from\n"
          "                      `voxc-convert piper`; its hop must be 256 samples (and its rate\n"
          "                      22050 Hz unless --no-features)\n"
          "  -o, --output DIR    the corpus folder (made when missing)\n"
          "  --texts FILE        lines 'id|text' (LJSpeech transcripts) or plain lines (ids\n"
          "                      line-000001, ... by line number); default\n"
          "                      " DEFAULT_TEXTS "\n"
          "  --limit N           the first N non-blank lines only (default: all)\n"
          "  --threads N         worker threads (default: $VOXC_THREADS or all CPUs)\n"
          "  --seed N            base noise seed (default 0); a clip's seed is N XOR a hash of its id\n"
          "  --noise-scale X     prior noise (voice default, usually 0.667)\n"
          "  --noise-w X         duration noise (voice default, usually 0.8)\n"
          "  --length-scale X    speaking time factor, > 0 (voice default, usually 1)\n"
          "  --no-features       do not build DIR/cache\n"
          "  --quiet             no progress; the summary and skipped texts are still printed\n"
          "  --help              show this help\n"
          "\n"
          "Texts that cannot be spoken (empty, no phonemes, bad or duplicate ids) are listed at the\n"
          "end and left out. Exit status: 0 on success, 1 on a missing voice or texts file, a\n"
          "synthesis or write error, or when no text could be spoken, 2 on bad usage.\n",
          out);
}

typedef struct options {
    const char *model, *dir, *texts;
    int limit, threads;
    unsigned long long seed;
    float noise_scale, noise_w, length_scale;
    bool has_noise_scale, has_noise_w, has_length_scale;
    bool features, quiet;
} options;

/* Returns 0 on success, 2 on bad usage (message printed), -1 after --help. */
static int parse_options(int argc, char **argv, options *o)
{
    *o = (options){.texts = DEFAULT_TEXTS, .features = true};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = true, takes = true;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return -1;
        } else if (!strcmp(a, "-m") || !strcmp(a, "--model")) {
            o->model = val;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            o->dir = val;
        } else if (!strcmp(a, "--texts")) {
            o->texts = val;
        } else if (!strcmp(a, "--limit")) {
            ok = val && cli_int(val, 1, 1 << 30, &o->limit);
        } else if (!strcmp(a, "--threads")) {
            ok = val && cli_int(val, 1, VX_MAX_THREADS, &o->threads);
        } else if (!strcmp(a, "--seed")) {
            ok = val && cli_count(val, &o->seed);
        } else if (!strcmp(a, "--noise-scale")) {
            ok = val && cli_float(val, 0, 1e3, &o->noise_scale);
            o->has_noise_scale = true;
        } else if (!strcmp(a, "--noise-w")) {
            ok = val && cli_float(val, 0, 1e3, &o->noise_w);
            o->has_noise_w = true;
        } else if (!strcmp(a, "--length-scale")) {
            ok = val && cli_float(val, 0, 1e3, &o->length_scale) && o->length_scale > 0;
            o->has_length_scale = true;
        } else {
            takes = false;
            if (!strcmp(a, "--no-features"))
                o->features = false;
            else if (!strcmp(a, "--quiet"))
                o->quiet = true;
            else {
                fprintf(stderr, "voxc-distill: unknown %s '%s' (see --help)\n", a[0] == '-' ? "option" : "argument",
                        a);
                return 2;
            }
        }
        if (takes && !val) {
            fprintf(stderr, "voxc-distill: %s needs a value (see --help)\n", a);
            return 2;
        }
        if (!ok) {
            fprintf(stderr, "voxc-distill: bad value '%s' for %s (see --help)\n", val, a);
            return 2;
        }
        i += takes;
    }
    const char *missing = !o->model ? "no voice: give -m VOICE.onnx (get the default voice with `make voice`)"
                          : !o->dir ? "no output folder: give -o DIR"
                                    : NULL;
    if (missing) {
        fprintf(stderr, "voxc-distill: %s (see --help)\n", missing);
        return 2;
    }
    return 0;
}

static void print_summary(const options *o, const vx_distill_stats *s)
{
    fprintf(stderr, "voxc-distill: %s: %d clips, %.3f h of audio (%d made now, %.3f h; %d kept from an earlier "
            "run", o->dir, s->clips, s->audio_s / 3600.0, s->made, s->made_audio_s / 3600.0, s->kept);
    if (s->kept_other)
        fprintf(stderr, "; %d rows of ids outside these texts kept", s->kept_other);
    if (s->redone)
        fprintf(stderr, "; %d redone", s->redone);
    fprintf(stderr, ")\n  %d texts read, %d skipped; synthesis %.1f s (RTF %.3f at %d thread%s), ", s->texts,
            s->skipped, s->synth_s, s->made_audio_s > 0 ? s->synth_s / s->made_audio_s : 0.0, vx_threads_get(),
            vx_threads_get() == 1 ? "" : "s");
    if (o->features)
        fprintf(stderr, "features %.1f s (%d shards: %d built, %d reused; %d clips), ", s->features_s,
                s->cache.shards, s->cache.built, s->cache.reused, s->cache.clips);
    fprintf(stderr, "wall %.1f s\n", s->wall_s);
    char warning[1024];
    if (vx_phoneme_misses_format(&s->misses, warning, sizeof warning))
        fprintf(stderr, "voxc-distill: warning: %s\n", warning);
}

int main(int argc, char **argv)
{
    options o;
    int usage_rc = parse_options(argc, argv, &o);
    if (usage_rc)
        return usage_rc < 0 ? 0 : usage_rc;
    if (o.threads)
        vx_threads_set(o.threads);
    if (access(o.texts, F_OK) != 0) {
        fprintf(stderr, "voxc-distill: the texts file %s is missing: give --texts FILE (lines 'id|text' or "
                "plain text lines)%s\n", o.texts,
                strcmp(o.texts, DEFAULT_TEXTS) ? "" : "; the default is the LJSpeech transcripts of ../shared");
        return 1;
    }
    vx_vits *voice = vx_vits_load(o.model);
    if (!voice) {
        fprintf(stderr, "voxc-distill: %s\n", vx_last_error());
        return 1;
    }
    vx_distill_opts opts = {
        .texts = o.texts,
        .out_dir = o.dir,
        .voice_name = o.model,
        .limit = o.limit,
        .params = vx_vits_default_params(voice),
        .features = o.features,
        .progress = o.quiet ? NULL : stderr,
        .progress_inline = isatty(STDERR_FILENO),
    };
    if (o.has_noise_scale)
        opts.params.noise_scale = o.noise_scale;
    if (o.has_noise_w)
        opts.params.noise_w = o.noise_w;
    if (o.has_length_scale)
        opts.params.length_scale = o.length_scale;
    opts.params.seed = o.seed;
    vx_data_report report = {0};
    vx_distill_stats stats;
    vx_status st = vx_distill_run(voice, &opts, &report, &stats);
    char error[1024];
    snprintf(error, sizeof error, "%s", st ? vx_last_error() : "");
    vx_data_report_print(&report, stderr);
    if (!st || stats.made > 0 || stats.clips > 0)
        print_summary(&o, &stats);
    if (st)
        fprintf(stderr, "voxc-distill: %s\n", error);
    vx_data_report_clear(&report);
    vx_vits_free(voice);
    return st ? 1 : 0;
}
