/* train.c — voxc-train: train models on a speech corpus. Today: the HiFi-GAN
 * vocoder (train/hifigan_loop.h), from scratch, from a checkpoint or from a
 * Piper voice's decoder; runs resume where they stopped. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train/hifigan_json.h"
#include "train/hifigan_loop.h"

static void usage(FILE *out)
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
          "  --help            show this help\n"
          "\n"
          "Ctrl-C (SIGINT) or SIGTERM stops after the current step with a checkpoint; the same\n"
          "command resumes. A NaN/Inf loss or gradient stops the run naming the step and tensor.\n"
          "Skipped rows and clips (missing or unreadable audio, bad rows) are listed by name.\n"
          "\n"
          "Exit status: 0 when the run reached its step count or was stopped cleanly, 1 when it\n"
          "failed (unreadable data, NaN/Inf, I/O), 2 for bad usage.\n",
          out);
}

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

static int parse_int(const char *opt, const char *v, int lo, int hi, int *out)
{
    int64_t x;
    int rc = parse_i64(opt, v, lo, hi, &x);
    if (rc == 0)
        *out = (int)x;
    return rc;
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

typedef struct options {
    vx_hifigan_run_opts run;
    const char *config;
    bool quiet;
} options;

/* 0: run; 1: --help done; 2: bad usage (message printed). */
static int parse_args(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->run = vx_hifigan_run_defaults();
    o->run.steps = 10000;
    o->run.config_name = NULL;
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 1;
    }
    if (argc < 2 || strcmp(argv[1], "hifigan") != 0) {
        if (argc >= 2)
            fprintf(stderr, "voxc-train: unknown model '%s'; this version trains 'hifigan'\n", argv[1]);
        usage(stderr);
        return 2;
    }
    vx_hifigan_run_opts *r = &o->run;
    int rc = 0;
    for (int i = 2; i < argc && rc == 0; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 1;
        }
        if (strcmp(a, "--quiet") == 0) {
            o->quiet = true;
            continue;
        }
        if (strncmp(a, "--", 2) != 0) {
            fprintf(stderr, "voxc-train: unexpected argument '%s' (try --help)\n", a);
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "voxc-train: %s needs a value (try --help)\n", a);
            return 2;
        }
        const char *v = argv[++i];
        double lr;
        if (strcmp(a, "--config") == 0)
            o->config = v;
        else if (strcmp(a, "--data") == 0)
            r->data = v;
        else if (strcmp(a, "--out") == 0)
            r->run_dir = v;
        else if (strcmp(a, "--init") == 0)
            r->init_ckpt = v;
        else if (strcmp(a, "--init-from-piper") == 0)
            r->init_piper = v;
        else if (strcmp(a, "--cache") == 0)
            r->cache_dir = v;
        else if (strcmp(a, "--steps") == 0)
            rc = parse_i64(a, v, 0, INT64_MAX / 2, &r->steps);
        else if (strcmp(a, "--batch") == 0)
            rc = parse_int(a, v, 1, 4096, &r->batch);
        else if (strcmp(a, "--segment") == 0)
            rc = parse_int(a, v, 256, 1 << 24, &r->segment);
        else if (strcmp(a, "--threads") == 0)
            rc = parse_int(a, v, 1, 64, &r->threads);
        else if (strcmp(a, "--lr") == 0) {
            rc = parse_real(a, v, 1e-12, 1.0, &lr);
            r->train.optim.lr = lr;
        } else if (strcmp(a, "--val-every") == 0)
            rc = parse_i64(a, v, 0, INT64_MAX / 2, &r->val_every);
        else if (strcmp(a, "--val-clips") == 0)
            rc = parse_int(a, v, 0, 1 << 30, &r->val_max_clips);
        else if (strcmp(a, "--val-fraction") == 0)
            rc = parse_real(a, v, 0, 0.99, &r->val_fraction);
        else if (strcmp(a, "--ckpt-every") == 0)
            rc = parse_i64(a, v, 0, INT64_MAX / 2, &r->ckpt_every);
        else if (strcmp(a, "--keep") == 0)
            rc = parse_int(a, v, 0, 1 << 20, &r->keep);
        else if (strcmp(a, "--seed") == 0) {
            int64_t seed;
            rc = parse_i64(a, v, 0, INT64_MAX, &seed);
            r->seed = (uint64_t)seed;
        } else {
            fprintf(stderr, "voxc-train: unknown option '%s' (try --help)\n", a);
            return 2;
        }
    }
    if (rc)
        return rc;
    const char *missing = !o->config ? "--config" : !r->data ? "--data" : !r->run_dir ? "--out" : NULL;
    if (missing) {
        fprintf(stderr, "voxc-train: %s is required (try --help)\n", missing);
        return 2;
    }
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

static void print_summary(const vx_hifigan_trainer_info *in, const options *o)
{
    fprintf(stderr, "data: %d clips (%d train, %d validation); cache: %d shard%s, %d built, %d reused\n",
            in->n_clips, in->n_train, in->n_val, in->cache.shards, in->cache.shards == 1 ? "" : "s",
            in->cache.built, in->cache.reused);
    fprintf(stderr, "model: HiFi-GAN %s, generator %.3f M parameters, discriminators %.3f M; "
            "%lld steps per epoch\n", o->config, in->params_g / 1e6, in->params_d / 1e6,
            (long long)in->steps_per_epoch);
    if (in->resumed)
        fprintf(stderr, "resuming at step %lld of %lld from %s\n", (long long)in->start_step,
                (long long)o->run.steps, in->started_from);
    else
        fprintf(stderr, "starting from %s; training to step %lld\n", in->started_from,
                (long long)o->run.steps);
}

int main(int argc, char **argv)
{
    options o;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc == 1 ? 0 : rc;
    vx_data_report report = {0};
    vx_hifigan_trainer *t = vx_hifigan_trainer_new(&o.run, &report);
    vx_data_report_print(&report, stderr);
    vx_data_report_clear(&report);
    if (!t) {
        fprintf(stderr, "voxc-train: %s\n", vx_last_error());
        return 1;
    }
    if (!o.quiet)
        print_summary(vx_hifigan_trainer_get_info(t), &o);
    vx_hifigan_run_result r;
    vx_status st = vx_hifigan_trainer_run(t, &r);
    if (st != VX_OK) {
        fprintf(stderr, "voxc-train: %s\n", vx_last_error());
        vx_hifigan_trainer_free(t);
        return 1;
    }
    if (r.stopped)
        fprintf(stderr, "stopped%s at step %lld; checkpoint %s; run the same command to resume\n",
                r.signal == SIGINT ? " by SIGINT" : r.signal == SIGTERM ? " by SIGTERM" : "",
                (long long)r.step, r.checkpoint);
    else if (r.step == vx_hifigan_trainer_get_info(t)->start_step)
        fprintf(stderr, "nothing to do: the run is at step %lld (raise --steps to train on); "
                "checkpoint %s\n", (long long)r.step, r.checkpoint);
    else
        fprintf(stderr, "done: step %lld, loss_g %.4g, loss_d %.4g, mel L1 %.4g; checkpoint %s\n",
                (long long)r.step, r.last.gen_all, r.last.disc_all, r.last.mel, r.checkpoint);
    if (!isnan(r.val_mel))
        fprintf(stderr, "validation mel L1 %.4f\n", r.val_mel);
    vx_hifigan_trainer_free(t);
    return 0;
}
