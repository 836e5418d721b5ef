/* train.c — voxc-train: train models on a speech corpus: the HiFi-GAN vocoder
 * (train/hifigan_loop.h), from scratch, from a checkpoint or from a Piper
 * voice's decoder, and the FastSpeech2 acoustic model (train/fs2_loop.h) on a
 * corpus with phoneme alignments (voxc-distill). Runs resume where they
 * stopped. The options both models share are parsed by one table. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train/fs2_loop.h"
#include "train/hifigan_json.h"
#include "train/hifigan_loop.h"

static void usage_hifigan(FILE *out)
{
    fputs("usage: voxc-train hifigan --config v1|v2|v3|FILE.json --data DIR|FILELIST --out RUN\n"
          "                          [--init CKPT | --init-from-piper VOICE.onnx] [--steps N]\n"
          "                          [--batch B] [--segment S] [--threads N] [--lr X]\n"
          "                          [--val-every N] [--val-clips N] [--val-fraction F]\n"
          "                          [--ckpt-every N] [--keep K] [--seed N] [--cache DIR] [--quiet]\n"
          "\n"
          "Trains a HiFi-GAN vocoder (generator + multi-period and multi-scale discriminators)\n"
          "as jik876/hifi-gan does: AdamW beta (0.8, 0.99), lr decayed x0.999 per epoch, losses\n"
          "LSGAN + 2 x feature matching + 45 x mel L1, random segments of the training clips.\n"
          "\n"
          "  --config C        generator: v1, v2, v3, or a HiFi-GAN config .json (the authors'\n"
          "                    keys: resblock, upsample_rates, upsample_kernel_sizes, ...)\n"
          "  --data D          LJSpeech folder (metadata.csv id|text|normalized, wavs/<id>.wav) or\n"
          "                    a filelist (path|text per line, paths relative to the filelist);\n"
          "                    optional extra columns: phoneme ids and durations\n"
          "  --out RUN         run folder: checkpoints, train.jsonl, losses.svg, cache/; when it\n"
          "                    holds a checkpoint (RUN/latest) the run resumes from it\n"
          "  --init CKPT       start from a checkpoint's weights (generator, and the discriminators\n"
          "                    when it has them); fresh runs only\n"
          "  --init-from-piper VOICE.onnx\n"
          "                    start the generator from a Piper voice's decoder (medium voices:\n"
          "                    --config v3); conv_pre (80 mels in) is new\n"
          "  --steps N         train until step N (default 10000)\n"
          "  --batch B         clips per step (default 16)\n"
          "  --segment S       samples per clip, a multiple of 256 (default 8192)\n"
          "  --threads N       worker threads (default: all cores)\n"
          "  --lr X            learning rate (default 2e-4)\n"
          "  --val-every N     validation mel L1 every N steps (default 1000; 0: never)\n"
          "  --val-clips N     validate on at most N clips (default: all held-out clips)\n"
          "  --val-fraction F  share of clips held out, chosen by a hash of the id (default 0.05)\n"
          "  --ckpt-every N    checkpoint every N steps (default 1000; always at the end)\n"
          "  --keep K          checkpoints kept (default 2; 0: all)\n"
          "  --seed N          initial weights and batch order (default 1234)\n"
          "  --cache DIR       feature cache folder (default RUN/cache; share it between runs)\n"
          "  --quiet           no progress line or notes\n"
          "  --help            show this help\n",
          out);
}

static void usage_fastspeech2(FILE *out)
{
    fputs("usage: voxc-train fastspeech2 --config small|ljspeech|FILE.json --data DIR|FILELIST --out RUN\n"
          "                          [--voice-config VOICE.onnx.json] [--steps N] [--batch B]\n"
          "                          [--threads N] [--lr X] [--warmup N] [--val-every N]\n"
          "                          [--val-fraction F] [--ckpt-every N] [--keep K] [--seed N]\n"
          "                          [--cache DIR] [--quiet]\n"
          "\n"
          "Trains a FastSpeech2 acoustic model as ming024/FastSpeech2 does: phoneme-level pitch\n"
          "(F0 with unvoiced frames interpolated) and energy, normalised by the training split's\n"
          "statistics; losses mel L1 + PostNet mel L1 + MSE of log duration, pitch and energy;\n"
          "Adam beta (0.9, 0.98), eps 1e-9, Noam warm-up, gradient norm clipped to 1; batches\n"
          "of utterances of similar length.\n"
          "\n"
          "  --config C        small (3.65 M parameters; warm-up 1000, peak lr 1e-3), ljspeech\n"
          "                    (34.6 M; warm-up 4000, peak lr 9.9e-4), or a .json with every\n"
          "                    model config field (as in a model file's \"config\" metadata)\n"
          "  --data D          a corpus with phoneme columns, as voxc-distill writes:\n"
          "                    metadata.csv id|text|normalized|phoneme_ids|durations (durations\n"
          "                    in mel frames of 256 samples at 22050 Hz), wavs/<id>.wav\n"
          "  --out RUN         run folder: checkpoints, model.safetensors, train.jsonl, losses.svg,\n"
          "                    cache/; when it holds a checkpoint (RUN/latest) the run resumes\n"
          "  --voice-config V  the teacher's Piper voice config (.onnx.json): its phoneme map and\n"
          "                    espeak voice go into RUN/model.safetensors for voxc-tts (default:\n"
          "                    DIR/voice.json when the corpus has one; without either no model\n"
          "                    file is written)\n"
          "  --steps N         train until step N (default 10000)\n"
          "  --batch B         most utterances per step (default 16)\n"
          "  --threads N       worker threads (default: all cores)\n"
          "  --lr X            peak learning rate, reached at the end of the warm-up\n"
          "  --warmup N        Noam warm-up steps\n"
          "  --val-every N     validation losses every N steps (default 1000; 0: never)\n"
          "  --val-fraction F  share of utterances held out, chosen by a hash of the id (default 0.05)\n"
          "  --ckpt-every N    checkpoint (and model file) every N steps (default 1000; always at the end)\n"
          "  --keep K          checkpoints kept (default 2; 0: all)\n"
          "  --seed N          initial weights, dropout and batch order (default 1234)\n"
          "  --cache DIR       feature cache folder (default RUN/cache; share it between runs)\n"
          "  --quiet           no progress line or notes\n"
          "  --help            show this help\n",
          out);
}

static void usage_common(FILE *out)
{
    fputs("\n"
          "Ctrl-C (SIGINT) or SIGTERM stops after the current step with a checkpoint; the same\n"
          "command resumes. A NaN/Inf loss or gradient stops the run naming the step and tensor.\n"
          "Skipped rows and clips (missing or unreadable audio, bad rows) are listed by name.\n"
          "\n"
          "Exit status: 0 when the run reached its step count or was stopped cleanly, 1 when it\n"
          "failed (unreadable data, NaN/Inf, I/O), 2 for bad usage.\n",
          out);
}

static void usage(FILE *out, const char *model)
{
    if (!model || strcmp(model, "hifigan") == 0)
        usage_hifigan(out);
    if (!model)
        fputc('\n', out);
    if (!model || strcmp(model, "fastspeech2") == 0)
        usage_fastspeech2(out);
    usage_common(out);
}

/* --- option table ------------------------------------------------------------------------ */

typedef enum opt_kind { OPT_STR, OPT_I64, OPT_INT, OPT_REAL, OPT_SEED } opt_kind;

typedef struct opt_spec {
    const char *name;
    opt_kind kind;
    void *target;       /* const char **, int64_t *, int *, double *, uint64_t * */
    double lo, hi;      /* numbers: the accepted range                          */
} opt_spec;

static int bad_value(const char *opt, const char *v, const char *want)
{
    fprintf(stderr, "voxc-train: %s '%s': %s (try --help)\n", opt, v, want);
    return 2;
}

static int parse_i64(const char *opt, const char *v, int64_t lo, int64_t hi, int64_t *out)
{
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (end == v || *end || errno || x < lo || x > hi) {
        char want[96];
        snprintf(want, sizeof want, "want an integer in %" PRId64 "..%" PRId64, lo, hi);
        return bad_value(opt, v, want);
    }
    *out = x;
    return 0;
}

static int parse_real(const char *opt, const char *v, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (end == v || *end || errno || !(x >= lo && x <= hi)) {
        char want[96];
        snprintf(want, sizeof want, "want a number in %g..%g", lo, hi);
        return bad_value(opt, v, want);
    }
    *out = x;
    return 0;
}

static int set_option(const opt_spec *s, const char *v)
{
    int64_t x;
    int rc = 0;
    switch (s->kind) {
    case OPT_STR:
        *(const char **)s->target = v;
        break;
    case OPT_I64:
        rc = parse_i64(s->name, v, (int64_t)s->lo, (int64_t)s->hi, (int64_t *)s->target);
        break;
    case OPT_INT:
        if ((rc = parse_i64(s->name, v, (int64_t)s->lo, (int64_t)s->hi, &x)) == 0)
            *(int *)s->target = (int)x;
        break;
    case OPT_SEED:
        if ((rc = parse_i64(s->name, v, 0, INT64_MAX, &x)) == 0)
            *(uint64_t *)s->target = (uint64_t)x;
        break;
    case OPT_REAL:
        rc = parse_real(s->name, v, s->lo, s->hi, (double *)s->target);
        break;
    }
    return rc;
}

/* Where the options every model takes go. */
typedef struct common_targets {
    const char **data, **out, **cache;
    int64_t *steps, *val_every, *ckpt_every;
    int *batch, *threads, *keep;
    double *lr, *val_fraction;
    uint64_t *seed;
} common_targets;

#define STEP_MAX ((double)(INT64_MAX / 2))

/* The shared rows of the table into specs; returns how many. */
static int common_specs(const common_targets *c, opt_spec *specs)
{
    opt_spec rows[] = {
        {"--data", OPT_STR, c->data, 0, 0},
        {"--out", OPT_STR, c->out, 0, 0},
        {"--cache", OPT_STR, c->cache, 0, 0},
        {"--steps", OPT_I64, c->steps, 0, STEP_MAX},
        {"--batch", OPT_INT, c->batch, 1, 4096},
        {"--threads", OPT_INT, c->threads, 1, 64},
        {"--lr", OPT_REAL, c->lr, 1e-12, 1.0},
        {"--val-every", OPT_I64, c->val_every, 0, STEP_MAX},
        {"--val-fraction", OPT_REAL, c->val_fraction, 0, 0.99},
        {"--ckpt-every", OPT_I64, c->ckpt_every, 0, STEP_MAX},
        {"--keep", OPT_INT, c->keep, 0, 1 << 20},
        {"--seed", OPT_SEED, c->seed, 0, 0},
    };
    int n = (int)(sizeof rows / sizeof rows[0]);
    memcpy(specs, rows, sizeof rows);
    return n;
}

/* Parse argv[2..] against specs. 0: fine; 1: --help done; 2: bad usage. */
static int parse_table(int argc, char **argv, const opt_spec *specs, int n_specs, bool *quiet)
{
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout, argv[1]);
            return 1;
        }
        if (strcmp(a, "--quiet") == 0) {
            *quiet = true;
            continue;
        }
        if (strncmp(a, "--", 2) != 0) {
            fprintf(stderr, "voxc-train: unexpected argument '%s' (try --help)\n", a);
            return 2;
        }
        const opt_spec *s = NULL;
        for (int k = 0; k < n_specs && !s; k++)
            if (strcmp(specs[k].name, a) == 0)
                s = &specs[k];
        if (!s) {
            fprintf(stderr, "voxc-train: unknown option '%s' for %s (try voxc-train %s --help)\n", a, argv[1],
                    argv[1]);
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "voxc-train: %s needs a value (try --help)\n", a);
            return 2;
        }
        int rc = set_option(s, argv[++i]);
        if (rc)
            return rc;
    }
    return 0;
}

/* The value of --config in argv[2..] (the FastSpeech2 defaults depend on it). */
static const char *find_config(int argc, char **argv)
{
    for (int i = 2; i + 1 < argc; i++)
        if (strcmp(argv[i], "--config") == 0)
            return argv[i + 1];
    return NULL;
}

static int need(const char *config, const char *data, const char *out)
{
    const char *missing = !config ? "--config" : !data ? "--data" : !out ? "--out" : NULL;
    if (missing) {
        fprintf(stderr, "voxc-train: %s is required (try --help)\n", missing);
        return 2;
    }
    return 0;
}

/* --- what both models print ----------------------------------------------------------------- */

/* The problems the corpus check found, on stderr; then forget them. */
static void print_report(vx_data_report *report)
{
    vx_data_report_print(report, stderr);
    vx_data_report_clear(report);
}

/* The error of the library call that just failed, on stderr; returns exit status 1. */
static int fail_with_last_error(void)
{
    fprintf(stderr, "voxc-train: %s\n", vx_last_error());
    return 1;
}

/* Where the run starts: a resumed checkpoint, or scratch / the initial weights. */
static void print_start(bool resumed, int64_t start_step, int64_t steps, const char *started_from)
{
    if (resumed)
        fprintf(stderr, "resuming at step %lld of %lld from %s\n", (long long)start_step, (long long)steps,
                started_from);
    else
        fprintf(stderr, "starting from %s; training to step %lld\n", started_from, (long long)steps);
}

/* How the run ended when it did not train to the end: stopped by a signal, or nothing to do. */
static void print_end(bool stopped, int sig, int64_t step, int64_t start_step, const char *ckpt)
{
    if (stopped)
        fprintf(stderr, "stopped%s at step %lld; checkpoint %s; run the same command to resume\n",
                sig == SIGINT ? " by SIGINT" : sig == SIGTERM ? " by SIGTERM" : "", (long long)step, ckpt);
    else if (step == start_step)
        fprintf(stderr, "nothing to do: the run is at step %lld (raise --steps to train on); "
                "checkpoint %s\n", (long long)step, ckpt);
}

/* --- hifigan ------------------------------------------------------------------------------ */

typedef struct hifigan_options {
    vx_hifigan_run_opts run;
    const char *config;
    bool quiet;
} hifigan_options;

static int parse_hifigan(int argc, char **argv, hifigan_options *o)
{
    memset(o, 0, sizeof *o);
    vx_hifigan_run_opts *r = &o->run;
    *r = vx_hifigan_run_defaults();
    r->steps = 10000;
    r->config_name = NULL;
    opt_spec specs[32];
    common_targets c = {&r->data, &r->run_dir, &r->cache_dir, &r->steps, &r->val_every, &r->ckpt_every,
                        &r->batch, &r->threads, &r->keep, &r->train.optim.lr, &r->val_fraction, &r->seed};
    int n = common_specs(&c, specs);
    specs[n++] = (opt_spec){"--config", OPT_STR, &o->config, 0, 0};
    specs[n++] = (opt_spec){"--init", OPT_STR, &r->init_ckpt, 0, 0};
    specs[n++] = (opt_spec){"--init-from-piper", OPT_STR, &r->init_piper, 0, 0};
    specs[n++] = (opt_spec){"--segment", OPT_INT, &r->segment, 256, 1 << 24};
    specs[n++] = (opt_spec){"--val-clips", OPT_INT, &r->val_max_clips, 0, 1 << 30};
    int rc = parse_table(argc, argv, specs, n, &o->quiet);
    if (rc == 0)
        rc = need(o->config, r->data, r->run_dir);
    if (rc)
        return rc;
    if (r->init_ckpt && r->init_piper) {
        fprintf(stderr, "voxc-train: give --init or --init-from-piper, not both\n");
        return 2;
    }
    if (vx_hifigan_config_load(o->config, &r->gen, &r->disc) != VX_OK) {
        fprintf(stderr, "voxc-train: --config: %s\n", vx_last_error());
        return 2;
    }
    r->config_name = o->config;
    r->log = o->quiet ? NULL : stderr;
    return 0;
}

static void print_summary_hifigan(const vx_hifigan_trainer_info *in, const hifigan_options *o)
{
    fprintf(stderr, "data: %d clips (%d train, %d validation); cache: %d shard%s, %d built, %d reused\n",
            in->n_clips, in->n_train, in->n_val, in->cache.shards, in->cache.shards == 1 ? "" : "s",
            in->cache.built, in->cache.reused);
    fprintf(stderr, "model: HiFi-GAN %s, generator %.3f M parameters, discriminators %.3f M; "
            "%lld steps per epoch\n", o->config, in->params_g / 1e6, in->params_d / 1e6,
            (long long)in->steps_per_epoch);
    print_start(in->resumed, in->start_step, o->run.steps, in->started_from);
}

static int run_hifigan(int argc, char **argv)
{
    hifigan_options o;
    int rc = parse_hifigan(argc, argv, &o);
    if (rc)
        return rc == 1 ? 0 : rc;
    vx_data_report report = {0};
    vx_hifigan_trainer *t = vx_hifigan_trainer_new(&o.run, &report);
    print_report(&report);
    if (!t)
        return fail_with_last_error();
    if (!o.quiet)
        print_summary_hifigan(vx_hifigan_trainer_get_info(t), &o);
    vx_hifigan_run_result r;
    if (vx_hifigan_trainer_run(t, &r) != VX_OK) {
        fail_with_last_error();
        vx_hifigan_trainer_free(t);
        return 1;
    }
    int64_t start = vx_hifigan_trainer_get_info(t)->start_step;
    print_end(r.stopped, r.signal, r.step, start, r.checkpoint);
    if (!r.stopped && r.step != start)
        fprintf(stderr, "done: step %lld, loss_g %.4g, loss_d %.4g, mel L1 %.4g; checkpoint %s\n",
                (long long)r.step, r.last.gen_all, r.last.disc_all, r.last.mel, r.checkpoint);
    if (!isnan(r.val_mel))
        fprintf(stderr, "validation mel L1 %.4f\n", r.val_mel);
    vx_hifigan_trainer_free(t);
    return 0;
}

/* --- fastspeech2 -------------------------------------------------------------------------- */

typedef struct fs2_options {
    vx_fs2_run_opts run;
    const char *config;
    bool quiet;
} fs2_options;

static int parse_fastspeech2(int argc, char **argv, fs2_options *o)
{
    memset(o, 0, sizeof *o);
    vx_fs2_run_opts *r = &o->run;
    o->config = find_config(argc, argv);
    if (o->config && vx_fs2_run_defaults(o->config, r) != VX_OK) {
        fprintf(stderr, "voxc-train: --config: %s\n", vx_last_error());
        return 2;
    }
    r->steps = 10000;
    opt_spec specs[32];
    common_targets c = {&r->data, &r->run_dir, &r->cache_dir, &r->steps, &r->val_every, &r->ckpt_every,
                        &r->batch, &r->threads, &r->keep, &r->train.optim.lr, &r->val_fraction, &r->seed};
    int n = common_specs(&c, specs);
    specs[n++] = (opt_spec){"--config", OPT_STR, &o->config, 0, 0};
    specs[n++] = (opt_spec){"--voice-config", OPT_STR, &r->voice_config, 0, 0};
    specs[n++] = (opt_spec){"--warmup", OPT_I64, &r->train.schedule.warmup, 1, STEP_MAX};
    int rc = parse_table(argc, argv, specs, n, &o->quiet);
    if (rc == 0)
        rc = need(o->config, r->data, r->run_dir);
    if (rc)
        return rc;
    r->config_name = o->config;
    r->log = o->quiet ? NULL : stderr;
    return 0;
}

static void print_summary_fastspeech2(const vx_fs2_trainer_info *in, const fs2_options *o)
{
    const vx_fs2_stats *s = &in->stats;
    fprintf(stderr, "data: %d clips, %d with phoneme targets (%d train, %d validation); cache: %d shard%s, "
            "%d built, %d reused\n", in->n_clips, in->n_utts, in->n_train, in->n_val, in->cache.shards,
            in->cache.shards == 1 ? "" : "s", in->cache.built, in->cache.reused);
    fprintf(stderr, "pitch: mean %.2f Hz, std %.2f Hz, normalised range [%.3f, %.3f]; energy: mean %.4g, "
            "std %.4g, range [%.3f, %.3f]\n", s->pitch_mean, s->pitch_std, s->pitch_min, s->pitch_max,
            s->energy_mean, s->energy_std, s->energy_min, s->energy_max);
    fprintf(stderr, "model: FastSpeech2 %s, %.3f M parameters; %d batches per epoch; peak lr %g after "
            "%lld warm-up steps\n", o->config, in->params / 1e6, in->batches_per_epoch,
            o->run.train.optim.lr, (long long)o->run.train.schedule.warmup);
    if (in->voice_config)
        fprintf(stderr, "model file: %s/model.safetensors (phonemes from %s)\n", o->run.run_dir, in->voice_config);
    print_start(in->resumed, in->start_step, o->run.steps, in->started_from);
}

static int run_fastspeech2(int argc, char **argv)
{
    fs2_options o;
    int rc = parse_fastspeech2(argc, argv, &o);
    if (rc)
        return rc == 1 ? 0 : rc;
    vx_data_report report = {0};
    vx_fs2_trainer *t = vx_fs2_trainer_new(&o.run, &report);
    print_report(&report);
    if (!t)
        return fail_with_last_error();
    if (!o.quiet)
        print_summary_fastspeech2(vx_fs2_trainer_get_info(t), &o);
    vx_fs2_run_result r;
    if (vx_fs2_trainer_run(t, &r) != VX_OK) {
        fail_with_last_error();
        vx_fs2_trainer_free(t);
        return 1;
    }
    int64_t start = vx_fs2_trainer_get_info(t)->start_step;
    print_end(r.stopped, r.signal, r.step, start, r.checkpoint);
    if (!r.stopped && r.step != start)
        fprintf(stderr, "done: step %lld, loss %.4g (mel %.4g, postnet %.4g, duration %.4g, pitch %.4g, "
                "energy %.4g), %.3f s/step; checkpoint %s\n", (long long)r.step, r.last.total, r.last.mel,
                r.last.postnet_mel, r.last.duration, r.last.pitch, r.last.energy, r.step_s, r.checkpoint);
    if (!isnan(r.val.total))
        fprintf(stderr, "validation loss %.4f (mel %.4f, postnet %.4f, duration %.4f, pitch %.4f, energy %.4f)\n",
                r.val.total, r.val.mel, r.val.postnet_mel, r.val.duration, r.val.pitch, r.val.energy);
    if (r.model_file[0])
        fprintf(stderr, "model file %s\n", r.model_file);
    vx_fs2_trainer_free(t);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout, NULL);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "hifigan") == 0)
        return run_hifigan(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "fastspeech2") == 0)
        return run_fastspeech2(argc, argv);
    if (argc >= 2)
        fprintf(stderr, "voxc-train: unknown model '%s'; this version trains 'hifigan' and 'fastspeech2'\n",
                argv[1]);
    usage(stderr, NULL);
    return 2;
}
