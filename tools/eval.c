/* eval.c — voxc-eval: objective evaluation of synthesised speech against
 * reference recordings: DTW-aligned mel-cepstral distortion (audio/mcd.h)
 * and F0 RMSE, voicing error and F0 correlation on the same alignment
 * (audio/f0_metrics.h), for one pair of files or for every file name that
 * two directories share. */
#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "audio/f0_metrics.h"
#include "audio/mcd.h"
#include "audio/mel.h"
#include "audio/pitch.h"
#include "audio/wav.h"
#include "core/json.h"
#include "tools/cli.h"

static void usage(FILE *out)
{
    fputs("usage: voxc-eval REF TEST [--json] [--with-c0] [--trim-db DB]\n"
          "       voxc-eval --ref-dir DIR --test-dir DIR [--list FILE] [--json] [--with-c0]\n"
          "                 [--trim-db DB]\n"
          "\n"
          "Compares TEST audio with REF audio (WAV, FLAC or OGG; mixed down to mono and\n"
          "resampled to 22050 Hz when the rate differs) and prints per pair:\n"
          "  MCD         mel-cepstral distortion in dB: HiFi-GAN log-mel (n_fft 1024, hop 256,\n"
          "              80 Slaney mels 0-8000 Hz, ln), cepstra c_d = DCT-II(log-mel) / (2 * 80),\n"
          "              d = 1..24, DTW (Euclidean, symmetric steps), then\n"
          "              (10 / ln 10) sqrt(2 sum_d dc_d^2) averaged over the DTW path\n"
          "  F0 RMSE     WORLD DIO + StoneMask F0 (floor 71 Hz, ceil 800 Hz), F0 frame t (at\n"
          "              t * 256 samples) paired with log-mel frame t, over the DTW pairs\n"
          "              voiced in both, in Hz and in cents (1200 log2(test / ref))\n"
          "  V/UV error  share of DTW pairs where exactly one side is voiced\n"
          "  F0 corr     Pearson correlation of the both-voiced F0 pairs\n"
          "  frames      log-mel frames of each file and the DTW path length\n"
          "With directories, REF files are every .wav/.flac/.ogg/.oga in --ref-dir (or the names\n"
          "in --list), each paired with the file of the same name in --test-dir; the means over\n"
          "the pairs follow (F0 means over pairs where the value is defined). A pair may not\n"
          "exceed 16777216 DTW cells (e.g. 47 s x 47 s).\n"
          "\n"
          "  --json        print JSON instead of text (undefined values are null)\n"
          "  --with-c0     include c_0 (overall level) in the MCD\n"
          "  --trim-db DB  drop frames more than DB dB below the file's loudest frame before\n"
          "                the DTW (default 0: keep every frame)\n"
          "  --list FILE   file names to evaluate, one per line ('#' comments, blank lines\n"
          "                skipped), instead of every audio file in --ref-dir\n"
          "  --help        show this help\n"
          "\n"
          "Exit status: 0 on success, 1 when a file is missing or cannot be evaluated,\n"
          "2 for bad usage.\n",
          out);
}

typedef struct options {
    const char *ref, *test, *ref_dir, *test_dir, *list;
    bool json;
    vx_mcd_cfg mcd;
} options;

/* 0 on success, 1 after --help, 2 on bad usage (message printed). */
static int parse_args(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->mcd = vx_mcd_cfg_default();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 1;
        }
        const char **value = strcmp(a, "--ref-dir") == 0    ? &o->ref_dir
                             : strcmp(a, "--test-dir") == 0 ? &o->test_dir
                             : strcmp(a, "--list") == 0     ? &o->list
                                                            : NULL;
        bool is_trim = strcmp(a, "--trim-db") == 0;
        if ((value || is_trim) && i + 1 >= argc) {
            fprintf(stderr, "voxc-eval: %s needs a value (try --help)\n", a);
            return 2;
        }
        if (value) {
            *value = argv[++i];
        } else if (is_trim) {
            float db;
            if (!cli_float(argv[++i], 0.0, 200.0, &db)) {
                fprintf(stderr, "voxc-eval: --trim-db wants a number of dB in [0, 200], got '%s'\n",
                        argv[i]);
                return 2;
            }
            o->mcd.trim_db = db;
        } else if (strcmp(a, "--json") == 0) {
            o->json = true;
        } else if (strcmp(a, "--with-c0") == 0) {
            o->mcd.include_c0 = true;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "voxc-eval: unknown option '%s' (try --help)\n", a);
            return 2;
        } else if (!o->ref) {
            o->ref = a;
        } else if (!o->test) {
            o->test = a;
        } else {
            fprintf(stderr, "voxc-eval: give two files, REF and TEST (extra argument '%s')\n", a);
            return 2;
        }
    }
    bool dirs = o->ref_dir || o->test_dir;
    if (dirs && (o->ref || !o->ref_dir || !o->test_dir)) {
        fprintf(stderr, "voxc-eval: use --ref-dir and --test-dir together, without file "
                        "arguments (try --help)\n");
        return 2;
    }
    if (!dirs && o->list) {
        fprintf(stderr, "voxc-eval: --list needs --ref-dir and --test-dir\n");
        return 2;
    }
    if (!dirs && !o->ref) {
        usage(stderr);
        return 2;
    }
    if (!dirs && !o->test) {
        fprintf(stderr, "voxc-eval: give two files, REF and TEST (try --help)\n");
        return 2;
    }
    return 0;
}

/* --- features and metrics of one pair ----------------------------------------- */

typedef struct features {
    int64_t frames; /* T log-mel frames                                 */
    float *mel;     /* [T, n_mels]                                      */
    float *f0;      /* [vx_f0_frames >= T]; frame t pairs with mel frame t */
} features;

static void features_free(features *f)
{
    free(f->mel);
    free(f->f0);
    memset(f, 0, sizeof *f);
}

static vx_status compute_features(vx_logmel *lm, const char *path, features *f)
{
    memset(f, 0, sizeof *f);
    vx_f0_cfg f0_cfg = vx_f0_cfg_fastspeech2();
    vx_audio a;
    vx_status st = vx_audio_read_mono(path, vx_logmel_config(lm)->mel.sample_rate, &a);
    if (st)
        return st;
    f->mel = vx_logmel_alloc(lm, a.samples, a.frames, &f->frames);
    if (!f->mel) {
        st = vx_last_status();
    } else if (!(f->f0 = malloc(sizeof(float) * (size_t)vx_f0_frames(&f0_cfg, a.frames)))) {
        st = vx_fail(VX_ERR_OOM, "out of memory for the F0 of %lld samples", (long long)a.frames);
    } else {
        st = vx_f0_estimate(&f0_cfg, a.samples, a.frames, f->f0);
    }
    vx_audio_free(&a);
    if (st)
        features_free(f);
    return st;
}

typedef struct pair_result {
    const char *name, *ref, *test;
    int64_t frames_ref, frames_test; /* log-mel frames of each file    */
    vx_mcd_result mcd;
    vx_f0_metrics f0;
} pair_result;

static vx_status evaluate_pair(const options *o, vx_logmel *lm, pair_result *r)
{
    features fr, ft;
    vx_status st = compute_features(lm, r->ref, &fr);
    if (st) {
        fprintf(stderr, "voxc-eval: %s: %s\n", r->ref, vx_last_error());
        return st;
    }
    st = compute_features(lm, r->test, &ft);
    if (st) {
        fprintf(stderr, "voxc-eval: %s: %s\n", r->test, vx_last_error());
        features_free(&fr);
        return st;
    }
    r->frames_ref = fr.frames;
    r->frames_test = ft.frames;
    int n_mels = vx_logmel_config(lm)->mel.n_mels;
    st = vx_mcd_dtw(&o->mcd, fr.mel, fr.frames, ft.mel, ft.frames, n_mels, &r->mcd);
    if (!st)
        st = vx_f0_metrics_compute(fr.f0, fr.frames, ft.f0, ft.frames, r->mcd.path.ia,
                                   r->mcd.path.ib, r->mcd.path.len, &r->f0);
    if (st)
        fprintf(stderr, "voxc-eval: %s vs %s: %s\n", r->ref, r->test, vx_last_error());
    features_free(&fr);
    features_free(&ft);
    return st;
}

/* --- output ------------------------------------------------------------------------ */

static void print_number(double v, const char *fmt)
{
    if (isnan(v))
        fputs("null", stdout);
    else
        printf(fmt, v);
}

/* v formatted with fmt into buf, or "n/a" when undefined (NaN). */
static const char *fmt_value(char *buf, size_t size, double v, const char *fmt)
{
    if (isnan(v))
        snprintf(buf, size, "n/a");
    else
        snprintf(buf, size, fmt, v);
    return buf;
}

/* One line: MCD, F0 RMSE (Hz / cents), V/UV error and F0 correlation. */
static void print_metrics_line(double mcd, double hz, double cents, double vde, double corr)
{
    char b[5][32];
    printf("  MCD %s dB, F0 RMSE %s Hz / %s cents, V/UV error %s %%, F0 corr %s\n",
           fmt_value(b[0], 32, mcd, "%.3f"), fmt_value(b[1], 32, hz, "%.2f"),
           fmt_value(b[2], 32, cents, "%.1f"), fmt_value(b[3], 32, 100.0 * vde, "%.1f"),
           fmt_value(b[4], 32, corr, "%.3f"));
}

static void print_pair_text(const options *o, const pair_result *r)
{
    if (o->ref_dir)
        printf("%s\n", r->name);
    else
        printf("%s vs %s\n", r->ref, r->test);
    print_metrics_line(r->mcd.mcd_db, r->f0.rmse_hz, r->f0.rmse_cents, r->f0.vde, r->f0.corr);
    printf("  frames %lld ref, %lld test, DTW path %lld, both voiced %lld\n",
           (long long)r->frames_ref, (long long)r->frames_test, (long long)r->mcd.path.len,
           (long long)r->f0.both_voiced);
}

static void print_pair_json(const pair_result *r, bool last)
{
    printf("  {\"name\": ");
    vx_json_write_string(stdout, r->name, strlen(r->name));
    printf(", \"ref\": ");
    vx_json_write_string(stdout, r->ref, strlen(r->ref));
    printf(", \"test\": ");
    vx_json_write_string(stdout, r->test, strlen(r->test));
    printf(",\n   \"frames_ref\": %lld, \"frames_test\": %lld, \"mcd_frames_ref\": %lld, "
           "\"mcd_frames_test\": %lld, \"path_len\": %lld, \"both_voiced\": %lld,\n",
           (long long)r->frames_ref, (long long)r->frames_test, (long long)r->mcd.frames_ref,
           (long long)r->mcd.frames_test, (long long)r->mcd.path.len,
           (long long)r->f0.both_voiced);
    printf("   \"mcd_db\": %.6f, \"f0_rmse_hz\": ", r->mcd.mcd_db);
    print_number(r->f0.rmse_hz, "%.6f");
    printf(", \"f0_rmse_cents\": ");
    print_number(r->f0.rmse_cents, "%.6f");
    printf(", \"vuv_error\": %.6f, \"f0_corr\": ", r->f0.vde);
    print_number(r->f0.corr, "%.6f");
    printf("}%s\n", last ? "" : ",");
}

/* Mean of the defined (non-NaN) values; NAN when none. */
typedef struct running_mean {
    double sum;
    int count;
} running_mean;

static void mean_add(running_mean *m, double v)
{
    if (!isnan(v)) {
        m->sum += v;
        m->count++;
    }
}

static double mean_of(const running_mean *m)
{
    return m->count ? m->sum / m->count : NAN;
}

static void print_means(const options *o, const pair_result *r, int n)
{
    running_mean mcd = {0}, hz = {0}, cents = {0}, vde = {0}, corr = {0};
    for (int i = 0; i < n; i++) {
        mean_add(&mcd, r[i].mcd.mcd_db);
        mean_add(&hz, r[i].f0.rmse_hz);
        mean_add(&cents, r[i].f0.rmse_cents);
        mean_add(&vde, r[i].f0.vde);
        mean_add(&corr, r[i].f0.corr);
    }
    if (o->json) {
        printf(" \"mean\": {\"pairs\": %d, \"mcd_db\": ", n);
        print_number(mean_of(&mcd), "%.6f");
        printf(", \"f0_rmse_hz\": ");
        print_number(mean_of(&hz), "%.6f");
        printf(", \"f0_rmse_cents\": ");
        print_number(mean_of(&cents), "%.6f");
        printf(", \"vuv_error\": ");
        print_number(mean_of(&vde), "%.6f");
        printf(", \"f0_corr\": ");
        print_number(mean_of(&corr), "%.6f");
        printf(", \"f0_pairs\": %d}\n", hz.count);
        return;
    }
    if (n < 2)
        return; /* the mean of one pair repeats it */
    printf("mean over %d pairs (F0 RMSE over the %d with frames voiced in both)\n", n, hz.count);
    print_metrics_line(mean_of(&mcd), mean_of(&hz), mean_of(&cents), mean_of(&vde),
                       mean_of(&corr));
}

/* --- the pairs ------------------------------------------------------------------------ */

typedef struct name_list {
    char **items;
    int count, cap;
} name_list;

static bool names_push(name_list *l, const char *s, size_t len)
{
    if (l->count == l->cap) {
        int cap = l->cap ? 2 * l->cap : 16;
        char **items = realloc(l->items, sizeof(char *) * (size_t)cap);
        if (!items)
            return false;
        l->items = items;
        l->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return false;
    memcpy(copy, s, len);
    copy[len] = '\0';
    l->items[l->count++] = copy;
    return true;
}

static void names_free(name_list *l)
{
    for (int i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

static bool is_audio_name(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && dot != name &&
           (strcasecmp(dot, ".wav") == 0 || strcasecmp(dot, ".flac") == 0 ||
            strcasecmp(dot, ".ogg") == 0 || strcasecmp(dot, ".oga") == 0);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every audio file name in dir, sorted. false (message printed) on failure. */
static bool list_dir(const char *dir, name_list *out)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "voxc-eval: cannot open directory %s: ", dir);
        perror(NULL);
        return false;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (is_audio_name(e->d_name) && !names_push(out, e->d_name, strlen(e->d_name))) {
            closedir(d);
            fprintf(stderr, "voxc-eval: out of memory listing %s\n", dir);
            return false;
        }
    }
    closedir(d);
    qsort(out->items, (size_t)out->count, sizeof(char *), compare_names);
    return true;
}

/* The names in a list file: one per line, surrounding blanks removed, blank
 * lines and lines starting with '#' skipped. */
static bool read_list(const char *path, name_list *out)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "voxc-eval: cannot open list %s: ", path);
        perror(NULL);
        return false;
    }
    char line[4096];
    int lineno = 0;
    bool ok = true;
    while (ok && fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n') {
            fprintf(stderr, "voxc-eval: %s:%d: line longer than %zu bytes\n", path, lineno,
                    sizeof line - 2);
            ok = false;
            break;
        }
        char *s = line;
        while (*s && isspace((unsigned char)*s))
            s++;
        len = strlen(s);
        while (len && isspace((unsigned char)s[len - 1]))
            len--;
        if (len == 0 || s[0] == '#')
            continue;
        if (!names_push(out, s, len)) {
            fprintf(stderr, "voxc-eval: out of memory reading %s\n", path);
            ok = false;
        }
    }
    fclose(f);
    if (ok && out->count == 0) {
        fprintf(stderr, "voxc-eval: list %s names no file\n", path);
        ok = false;
    }
    return ok;
}

static char *join_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* Builds the REF/TEST paths of every pair. false (message printed) when a
 * file is missing or memory runs out. */
static bool collect_pairs(const options *o, name_list *names, name_list *refs, name_list *tests)
{
    if (!o->ref_dir) {
        return names_push(names, o->test, strlen(o->test)) &&
               names_push(refs, o->ref, strlen(o->ref)) &&
               names_push(tests, o->test, strlen(o->test));
    }
    if (!(o->list ? read_list(o->list, names) : list_dir(o->ref_dir, names)))
        return false;
    if (names->count == 0) {
        fprintf(stderr, "voxc-eval: no .wav/.flac/.ogg/.oga file in %s\n", o->ref_dir);
        return false;
    }
    int missing = 0;
    for (int i = 0; i < names->count; i++) {
        char *r = join_path(o->ref_dir, names->items[i]);
        char *t = join_path(o->test_dir, names->items[i]);
        bool ok = r && t && names_push(refs, r, strlen(r)) && names_push(tests, t, strlen(t));
        if (ok && access(r, R_OK) != 0) {
            fprintf(stderr, "voxc-eval: missing or unreadable reference file %s\n", r);
            missing++;
        }
        if (ok && access(t, R_OK) != 0) {
            fprintf(stderr, "voxc-eval: missing or unreadable test file %s\n", t);
            missing++;
        }
        free(r);
        free(t);
        if (!ok) {
            fprintf(stderr, "voxc-eval: out of memory collecting pairs\n");
            return false;
        }
    }
    if (missing)
        fprintf(stderr, "voxc-eval: %d file%s missing; nothing evaluated\n", missing,
                missing == 1 ? "" : "s");
    return missing == 0;
}

static void print_json_head(const options *o)
{
    printf("{\"definition\": {\"sample_rate\": 22050, \"features\": \"hifigan log-mel, 80 mels, "
           "hop 256\", \"cepstrum\": \"dct-ii / (2 n_mels)\", \"order\": %d, \"include_c0\": %s, "
           "\"trim_db\": %g, \"dtw\": \"euclidean, symmetric1\", \"f0\": \"dio+stonemask\"},\n",
           o->mcd.order, o->mcd.include_c0 ? "true" : "false", o->mcd.trim_db);
    printf(" \"pairs\": [\n");
}

int main(int argc, char **argv)
{
    options o;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc == 1 ? 0 : 2;
    name_list names = {0}, refs = {0}, tests = {0};
    pair_result *results = NULL;
    vx_logmel_cfg mel_cfg = vx_logmel_cfg_hifigan();
    vx_logmel *lm = vx_logmel_new(&mel_cfg);
    rc = 1;
    if (!lm) {
        fprintf(stderr, "voxc-eval: %s\n", vx_last_error());
        goto done;
    }
    if (!collect_pairs(&o, &names, &refs, &tests))
        goto done;
    results = calloc(names.count > 0 ? (size_t)names.count : 1, sizeof *results);
    if (!results) {
        fprintf(stderr, "voxc-eval: out of memory for %d pairs\n", names.count);
        goto done;
    }
    int evaluated = 0;
    for (; evaluated < names.count; evaluated++) {
        pair_result *r = &results[evaluated];
        r->name = names.items[evaluated];
        r->ref = refs.items[evaluated];
        r->test = tests.items[evaluated];
        if (evaluate_pair(&o, lm, r) != VX_OK)
            break;
    }
    if (evaluated == names.count) {
        if (o.json)
            print_json_head(&o);
        for (int i = 0; i < names.count; i++) {
            if (o.json)
                print_pair_json(&results[i], i + 1 == names.count);
            else
                print_pair_text(&o, &results[i]);
        }
        if (o.json)
            printf(" ],\n");
        print_means(&o, results, names.count);
        if (o.json)
            printf("}\n");
        rc = 0;
    }
    for (int i = 0; i < names.count && results; i++)
        vx_mcd_result_free(&results[i].mcd);
done:
    free(results);
    names_free(&names);
    names_free(&refs);
    names_free(&tests);
    vx_logmel_free(lm);
    if (fflush(stdout) != 0 && rc == 0) {
        perror("voxc-eval: writing the output");
        rc = 1;
    }
    return rc;
}
