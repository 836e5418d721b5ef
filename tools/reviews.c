/* reviews.c — voxc-reviews: a sectioned script (text/script.h) spoken with a
 * Piper voice, one WAV per section plus the sections joined, with a summary.
 *
 *   DIR/NAME_partK.wav      section K (from 1), sentences joined with
 *                           --sentence-silence seconds of silence
 *   DIR/NAME_combined.wav   the parts joined with --gap seconds of silence
 *   DIR/NAME_summary.json   per-section durations, compute times, RTF, totals
 *   DIR/NAME_summary.md     the same as a table
 *
 * Each sentence goes through the pipeline of models/speak.h. Every file is
 * written atomically (temporary file + rename); a part is written as soon as
 * its section is done, with one progress line on standard error. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audio/wav.h"
#include "core/atomic_file.h"
#include "core/json.h"
#include "core/threads.h"
#include "models/speak.h"
#include "models/vits.h"
#include "text/script.h"
#include "tools/cli.h"
#include "train/mkdirs.h"

static void usage(FILE *out)
{
    fputs("usage: voxc-reviews SCRIPT.txt -m VOICE -o DIR [options]\n"
          "\n"
          "Speaks a script of sections with a Piper voice. The script is UTF-8 text where a\n"
          "line \"## NAME\" starts a section and other lines starting with '#' are comments\n"
          "(example: data/texts/product-review-macbook-air.txt). Writes into DIR:\n"
          "  NAME_partK.wav      section K (K from 1)\n"
          "  NAME_combined.wav   every section, joined with --gap seconds of silence\n"
          "  NAME_summary.json   per-section durations, compute times, real-time factors\n"
          "  NAME_summary.md     the same as a table\n"
          "\n"
          "  -m, --model VOICE        the voice: VOICE.onnx (+ VOICE.onnx.json) or a\n"
          "                           .safetensors from voxc-convert (get the default one\n"
          "                           with `make voice`)\n"
          "  -o, --output DIR         the folder for the files (made when missing)\n"
          "  --gap S                  seconds of silence between sections (default 0.75)\n"
          "  --sentence-silence S     seconds of silence between sentences (default 0.2)\n"
          "  --name NAME              file name prefix (default: SCRIPT's name without its\n"
          "                           extension)\n"
          "  --seed N                 noise seed (default 0; the same seed gives the same audio)\n"
          "  --threads N              worker threads (default: $VOXC_THREADS or all CPUs)\n"
          "  --json                   also print the summary JSON on standard output\n"
          "  --help                   show this help\n"
          "\n"
          "RTF (real-time factor) = synthesis time / seconds of speech; below 1 is faster\n"
          "than real time. Progress goes to standard error, one line per section.\n"
          "Exit status: 0 on success, 1 on a bad script, a missing voice or a write error,\n"
          "2 on bad usage.\n",
          out);
}

typedef struct options {
    const char *script, *model, *dir, *name;
    float gap, sentence_silence;
    unsigned long long seed;
    int threads;
    bool json;
} options;

/* Returns 0 on success, 2 on bad usage (message printed), -1 after --help. */
static int parse_options(int argc, char **argv, options *o)
{
    *o = (options){.gap = 0.75f, .sentence_silence = 0.2f};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = true, takes = true;
        unsigned long long n;
        if (a[0] != '-' || !a[1]) {
            if (o->script) {
                fprintf(stderr, "voxc-reviews: one script at a time ('%s' and '%s'; see --help)\n", o->script, a);
                return 2;
            }
            o->script = a;
            continue;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return -1;
        } else if (!strcmp(a, "-m") || !strcmp(a, "--model")) {
            o->model = val;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            o->dir = val;
        } else if (!strcmp(a, "--name")) {
            o->name = val;
            ok = !val || (*val && !strchr(val, '/'));
        } else if (!strcmp(a, "--gap")) {
            ok = val && cli_float(val, 0, 60, &o->gap);
        } else if (!strcmp(a, "--sentence-silence")) {
            ok = val && cli_float(val, 0, 60, &o->sentence_silence);
        } else if (!strcmp(a, "--seed")) {
            ok = val && cli_count(val, &o->seed);
        } else if (!strcmp(a, "--threads")) {
            ok = val && cli_count(val, &n) && n >= 1 && n <= VX_MAX_THREADS;
            o->threads = ok ? (int)n : 0;
        } else if (!strcmp(a, "--json")) {
            takes = false;
            o->json = true;
        } else {
            fprintf(stderr, "voxc-reviews: unknown option '%s' (see --help)\n", a);
            return 2;
        }
        if (takes && !val) {
            fprintf(stderr, "voxc-reviews: %s needs a value (see --help)\n", a);
            return 2;
        }
        if (!ok) {
            fprintf(stderr, "voxc-reviews: bad value '%s' for %s (see --help)\n", val, a);
            return 2;
        }
        i += takes;
    }
    const char *missing = !o->script ? "no script: give SCRIPT.txt"
                          : !o->model ? "no voice: give -m VOICE.onnx (get the default voice with `make voice`)"
                          : !o->dir   ? "no output folder: give -o DIR"
                                      : NULL;
    if (missing) {
        fprintf(stderr, "voxc-reviews: %s (see --help)\n", missing);
        return 2;
    }
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The script's file name without folder and extension ("review" for "a/review.txt"). */
static char *default_name(const char *script)
{
    const char *base = strrchr(script, '/');
    base = base ? base + 1 : script;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    return n ? strndup(base, n) : strdup("script");
}

/* --- speaking ---------------------------------------------------------------------- */

typedef struct part {
    const vx_script_section *section;
    char *file;           /* NAME_partK.wav (in DIR)                      */
    int64_t samples;      /* in the file: speech and silences             */
    vx_speak_totals t;    /* the pipeline's figures                       */
} part;

typedef struct job {
    options o;
    char *name;
    vx_vits *voice;
    vx_speak *sp;
    vx_speak_opts opts;
    int sample_rate;
    double load_s, t_start;
    vx_speak_buffer section;  /* the section being spoken   */
    vx_speak_buffer combined; /* every section so far       */
    part *parts;
    size_t n_parts;
} job;

/* Path DIR/file (malloc'd). */
static char *in_dir(const job *j, const char *file)
{
    char *path = NULL;
    if (asprintf(&path, "%s/%s", j->o.dir, file) < 0)
        return vx_fail_null(VX_ERR_OOM, "out of memory");
    return path;
}

/* Sentences of a section, joined with silence. */
static vx_status on_sentence(void *user, const vx_speak_sentence *s)
{
    job *j = user;
    vx_status st = VX_OK;
    if (s->index > 0)
        st = vx_speak_buffer_append(&j->section, NULL, lrintf(j->o.sentence_silence * (float)j->sample_rate));
    return st ? st : vx_speak_buffer_append(&j->section, s->audio, s->n_samples);
}

static vx_status write_wav(const job *j, const char *file, const vx_speak_buffer *b)
{
    char *path = in_dir(j, file);
    if (!path)
        return vx_last_status();
    vx_status st = vx_audio_write(path, b->samples, b->n, 1, j->sample_rate, VX_AUDIO_PCM16);
    free(path);
    return st;
}

/* Speak section k into its part file and append it to the combined audio. */
static vx_status speak_section(job *j, size_t k)
{
    part *p = &j->parts[k];
    const vx_script_section *sec = p->section;
    j->section.n = 0;
    if (asprintf(&p->file, "%s_part%zu.wav", j->name, k + 1) < 0)
        return vx_fail(VX_ERR_OOM, "out of memory");
    vx_status st = vx_speak_text(j->sp, sec->text, sec->text_len, &j->opts, on_sentence, j, &p->t);
    if (st) {
        char why[512];
        snprintf(why, sizeof why, "%s", vx_last_error());
        return vx_fail(st, "section '%s' (line %zu): %s", sec->name, sec->line, why);
    }
    if (p->t.sentences == 0)
        return vx_fail(VX_ERR_ARG, "%s line %zu: section '%s' has nothing to say", j->o.script, sec->line,
                       sec->name);
    char warning[1024];
    if (vx_phoneme_misses_format(&p->t.misses, warning, sizeof warning))
        fprintf(stderr, "voxc-reviews: warning: section '%s': %s\n", sec->name, warning);
    p->samples = j->section.n;
    int64_t gap = k > 0 ? lrintf(j->o.gap * (float)j->sample_rate) : 0;
    if ((st = write_wav(j, p->file, &j->section)) || (st = vx_speak_buffer_append(&j->combined, NULL, gap)) ||
        (st = vx_speak_buffer_append(&j->combined, j->section.samples, j->section.n)))
        return st;
    fprintf(stderr, "voxc-reviews: [%zu/%zu] %s: %.1f s of audio, RTF %.3f -> %s/%s\n", k + 1, j->n_parts,
            sec->name, (double)p->samples / j->sample_rate, p->t.compute_s / p->t.audio_s, j->o.dir, p->file);
    return VX_OK;
}

/* --- the summary ------------------------------------------------------------------- */

typedef struct sums {
    size_t sentences;
    double speech_s, compute_s;
} sums;

static sums sum_parts(const job *j)
{
    sums s = {0};
    for (size_t k = 0; k < j->n_parts; k++) {
        s.sentences += j->parts[k].t.sentences;
        s.speech_s += j->parts[k].t.audio_s;
        s.compute_s += j->parts[k].t.compute_s;
    }
    return s;
}

static void json_string(FILE *f, const char *s)
{
    vx_json_write_string(f, s, strlen(s));
}

static void summary_json(FILE *f, const job *j, const char *combined_file, double wall_s)
{
    sums s = sum_parts(j);
    double sr = j->sample_rate;
    fputs("{\"script\":", f);
    json_string(f, j->o.script);
    fputs(",\"voice\":", f);
    json_string(f, j->o.model);
    fputs(",\"name\":", f);
    json_string(f, j->name);
    fprintf(f, ",\"sample_rate\":%d,\"threads\":%d,\"seed\":%llu,\"gap_s\":%.3f,\"sentence_silence_s\":%.3f,"
            "\"load_s\":%.4f,\n  \"sections\":[", j->sample_rate, vx_threads_get(), j->o.seed, j->o.gap,
            j->o.sentence_silence, j->load_s);
    for (size_t k = 0; k < j->n_parts; k++) {
        const part *p = &j->parts[k];
        fprintf(f, "%s\n    {\"part\":%zu,\"name\":", k ? "," : "", k + 1);
        json_string(f, p->section->name);
        fputs(",\"file\":", f);
        json_string(f, p->file);
        fprintf(f, ",\"line\":%zu,\"sentences\":%zu,\"samples\":%lld,\"duration_s\":%.4f,\"speech_s\":%.4f,"
                "\"compute_s\":%.4f,\"rtf\":%.4f,\"first_audio_ms\":%.1f}", p->section->line, p->t.sentences,
                (long long)p->samples, p->samples / sr, p->t.audio_s, p->t.compute_s,
                p->t.compute_s / p->t.audio_s, 1e3 * p->t.first_audio_s);
    }
    fputs("],\n  \"combined\":{\"file\":", f);
    json_string(f, combined_file);
    fprintf(f, ",\"samples\":%lld,\"duration_s\":%.4f},\n", (long long)j->combined.n, j->combined.n / sr);
    fprintf(f, "  \"total\":{\"sections\":%zu,\"sentences\":%zu,\"speech_s\":%.4f,\"compute_s\":%.4f,"
            "\"rtf\":%.4f,\"wall_s\":%.4f}}\n", j->n_parts, s.sentences, s.speech_s, s.compute_s,
            s.compute_s / s.speech_s, wall_s);
}

/* A table cell: '|' escaped, line breaks as spaces. */
static void md_cell(FILE *f, const char *s)
{
    for (; *s; s++)
        if (*s == '|')
            fputs("\\|", f);
        else
            fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
}

static void summary_md(FILE *f, const job *j, const char *combined_file, double wall_s)
{
    sums s = sum_parts(j);
    double sr = j->sample_rate;
    fputs("# ", f);
    md_cell(f, j->name);
    fputs(": spoken review\n\nScript `", f);
    md_cell(f, j->o.script);
    fputs("`, voice `", f);
    md_cell(f, j->o.model);
    fprintf(f, "`, %d Hz, %d thread%s, seed %llu; %.2f s between sections, %.2f s between sentences.\n\n",
            j->sample_rate, vx_threads_get(), vx_threads_get() == 1 ? "" : "s", j->o.seed, j->o.gap,
            j->o.sentence_silence);
    fputs("| part | section | file | audio (s) | speech (s) | compute (s) | RTF |\n"
          "|---:|---|---|---:|---:|---:|---:|\n", f);
    for (size_t k = 0; k < j->n_parts; k++) {
        const part *p = &j->parts[k];
        fprintf(f, "| %zu | ", k + 1);
        md_cell(f, p->section->name);
        fprintf(f, " | %s | %.2f | %.2f | %.2f | %.3f |\n", p->file, p->samples / sr, p->t.audio_s, p->t.compute_s,
                p->t.compute_s / p->t.audio_s);
    }
    fprintf(f, "| | **all** | %s | %.2f | %.2f | %.2f | %.3f |\n\n", combined_file, j->combined.n / sr, s.speech_s,
            s.compute_s, s.compute_s / s.speech_s);
    fprintf(f, "%zu sentences. RTF (real-time factor) = compute / speech; below 1 is faster than real time. "
            "Wall time %.2f s, voice loading %.2f s.\n", s.sentences, wall_s, j->load_s);
}

/* Write a summary (made by `fill`) to DIR/file atomically. */
static vx_status write_summary(const job *j, const char *file, const char *combined_file, double wall_s,
                               void (*fill)(FILE *, const job *, const char *, double), bool also_stdout)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return vx_fail(VX_ERR_OOM, "out of memory writing %s", file);
    fill(f, j, combined_file, wall_s);
    bool ok = !ferror(f);
    fclose(f);
    char *path = ok ? in_dir(j, file) : NULL;
    vx_status st = !ok ? vx_fail(VX_ERR_OOM, "out of memory writing %s", file)
                   : !path ? vx_last_status()
                           : vx_write_file_atomic(path, text, len);
    if (!st && also_stdout)
        fwrite(text, 1, len, stdout);
    free(path);
    free(text);
    return st;
}

/* --- main -------------------------------------------------------------------------- */

/* The script, checked: every section has text. */
static vx_script *load_script(const char *path)
{
    vx_script *s = vx_script_load(path);
    for (size_t k = 0; s && k < s->count; k++)
        if (!s->sections[k].text_len) {
            vx_fail(VX_ERR_FORMAT, "%s line %zu: section '%s' is empty: give it text or remove it", path,
                    s->sections[k].line, s->sections[k].name);
            vx_script_free(s);
            return NULL;
        }
    return s;
}

/* Make DIR and check that files can be created in it. */
static vx_status prepare_dir(const char *dir)
{
    if (vx_mkdirs(dir)) {
        char why[512];
        snprintf(why, sizeof why, "%s", vx_last_error());
        return vx_fail(VX_ERR_IO, "cannot use the output folder: %s", why);
    }
    if (access(dir, W_OK | X_OK))
        return vx_fail(VX_ERR_IO, "cannot write into the output folder %s: %s", dir, strerror(errno));
    return VX_OK;
}

/* Where the files are and how fast it went (standard error). */
static void print_done(const job *j, const char *combined_file, const char *json_file, const char *md_file)
{
    sums s = sum_parts(j);
    fprintf(stderr, "voxc-reviews: %zu section%s, %.1f s of audio, in %s/:\n  %s_part1.wav", j->n_parts,
            j->n_parts == 1 ? "" : "s", j->combined.n / (double)j->sample_rate, j->o.dir, j->name);
    if (j->n_parts > 1)
        fprintf(stderr, " .. %s_part%zu.wav", j->name, j->n_parts);
    fprintf(stderr, ", %s,\n  %s, %s\n"
            "voxc-reviews: real-time factor %.3f: %.1f s of synthesis for %.1f s of speech "
            "(%.0fx faster than real time, %d thread%s)\n",
            combined_file, json_file, md_file, s.compute_s / s.speech_s, s.compute_s, s.speech_s,
            s.speech_s / s.compute_s, vx_threads_get(), vx_threads_get() == 1 ? "" : "s");
}

static vx_status run(job *j, const vx_script *script)
{
    double t0 = now_s();
    if (!(j->voice = vx_vits_load(j->o.model)))
        return vx_last_status();
    j->load_s = now_s() - t0;
    vx_status st = prepare_dir(j->o.dir);
    if (st)
        return st;
    j->sample_rate = vx_vits_config_of(j->voice)->sample_rate;
    j->opts = (vx_speak_opts){.params = vx_vits_default_params(j->voice), .normalize = true};
    j->opts.params.seed = j->o.seed;
    if (!(j->sp = vx_speak_new(j->voice)))
        return vx_last_status();
    if (!(j->parts = calloc(script->count, sizeof *j->parts)))
        return vx_fail(VX_ERR_OOM, "out of memory");
    j->n_parts = script->count;
    j->t_start = now_s();
    for (size_t k = 0; k < script->count && !st; k++) {
        j->parts[k].section = &script->sections[k];
        st = speak_section(j, k);
    }
    char *combined_file = NULL, *json_file = NULL, *md_file = NULL;
    if (!st && (asprintf(&combined_file, "%s_combined.wav", j->name) < 0 ||
                asprintf(&json_file, "%s_summary.json", j->name) < 0 || asprintf(&md_file, "%s_summary.md", j->name) < 0))
        st = vx_fail(VX_ERR_OOM, "out of memory");
    if (!st)
        st = write_wav(j, combined_file, &j->combined);
    double wall_s = now_s() - j->t_start;
    if (!st)
        st = write_summary(j, json_file, combined_file, wall_s, summary_json, j->o.json);
    if (!st)
        st = write_summary(j, md_file, combined_file, wall_s, summary_md, false);
    if (!st)
        print_done(j, combined_file, json_file, md_file);
    free(combined_file);
    free(json_file);
    free(md_file);
    return st;
}

int main(int argc, char **argv)
{
    job j = {0};
    int usage_rc = parse_options(argc, argv, &j.o);
    if (usage_rc)
        return usage_rc < 0 ? 0 : usage_rc;
    if (j.o.threads)
        vx_threads_set(j.o.threads);
    vx_script *script = load_script(j.o.script);
    vx_status st = script ? VX_OK : vx_last_status();
    if (!st && !(j.name = j.o.name ? strdup(j.o.name) : default_name(j.o.script)))
        st = vx_fail(VX_ERR_OOM, "out of memory");
    if (!st)
        st = run(&j, script);
    if (st)
        fprintf(stderr, "voxc-reviews: %s\n", vx_last_error());
    for (size_t k = 0; k < j.n_parts; k++)
        free(j.parts[k].file);
    free(j.parts);
    vx_speak_buffer_free(&j.section);
    vx_speak_buffer_free(&j.combined);
    vx_speak_free(j.sp);
    vx_vits_free(j.voice);
    vx_script_free(script);
    free(j.name);
    return st ? 1 : 0;
}
