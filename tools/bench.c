/* bench.c — voxc-bench: the voxc side of the benchmarks that run voxc next
 * to another engine in one process tree (tools/bench_tts.py: onnxruntime on
 * a Piper voice; tools/bench_hifigan.py: PyTorch on HiFi-GAN).
 *
 *   voxc-bench tts -m VOICE [--threads N] [--noise-scale X] [--noise-w X] [--conv MODE]
 *   voxc-bench hifigan --config v1|v2|v3 [--threads N] [--seed S] [--engine fused|ops] [--conv MODE]
 *
 * --conv auto|direct|fft: how the waveform decoder runs its resblock
 * convolutions (models/vits.h vx_set_decoder_conv; default auto).
 *
 * Each mode builds its model once, then answers requests read from standard
 * input, one per line, with one JSON line each on standard output, so a
 * driver can alternate voxc and another engine request by request without
 * reloading.
 *
 * tts:
 *   ids 1 0 23 0 ... 2   one model call on these ids (vx_vits_synthesize, the
 *                        same work as one onnxruntime session.run):
 *                        {"compute_s", "audio_s", "samples", "frames"}
 *   text TEXT            TEXT through the whole pipeline (models/speak.h):
 *                        {"first_audio_ms", "compute_s", "wall_s", "audio_s",
 *                         "sentences"}
 * hifigan (random-weight models; inputs are log-mels of uniform noise):
 *   infer FRAMES         the generator, weight norm removed, no tape, on a
 *                        mel [1, 80, FRAMES]: {"compute_s", "cpu_s", "samples",
 *                        "audio_s"} (cpu_s: the process's CPU time, all threads);
 *                        run by models/hifigan_infer.h (the fused engine, the
 *                        default) or by the op API (vx_hifigan_forward, --engine ops)
 *   train BATCH SEGMENT  one GAN step (models/hifigan.h vx_hifigan_gan_step:
 *                        G forward, MPD + MSD update, G update with LSGAN,
 *                        feature-matching and mel losses, AdamW) on BATCH
 *                        items of SEGMENT samples: {"compute_s", "loss_g",
 *                        "loss_d", "mel"}
 * both:
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
#include "core/rng.h"
#include "core/threads.h"
#include "core/vx.h"
#include "audio/mel.h"
#include "models/hifigan.h"
#include "models/hifigan_infer.h"
#include "models/speak.h"
#include "models/vits.h"

static void usage(FILE *out)
{
    fputs("usage: voxc-bench tts -m VOICE [--threads N] [--noise-scale X] [--noise-w X] [--conv MODE]\n"
          "       voxc-bench hifigan --config v1|v2|v3 [--threads N] [--seed S] [--engine fused|ops]\n"
          "                          [--conv MODE]\n"
          "\n"
          "Builds the model once and answers requests from standard input, one per line,\n"
          "with one JSON line each on standard output (drivers: tools/bench_tts.py,\n"
          "tools/bench_hifigan.py).\n"
          "\n"
          "tts: a Piper voice\n"
          "  ids 1 0 23 0 ... 2   time one model call on these phoneme ids:\n"
          "                       compute_s, audio_s, samples, frames\n"
          "  text TEXT            time TEXT through the whole pipeline (normalise, split,\n"
          "                       phonemise, synthesize): first_audio_ms, compute_s,\n"
          "                       wall_s, audio_s, sentences\n"
          "  -m, --model VOICE    the voice (.onnx with its .onnx.json, or .safetensors)\n"
          "  --noise-scale X      prior noise (default: the voice's)\n"
          "  --noise-w X          duration noise (default: the voice's)\n"
          "\n"
          "hifigan: a HiFi-GAN generator and both discriminators with random weights;\n"
          "inputs are 80-band log-mels of uniform noise\n"
          "  infer FRAMES         time the generator (weight norm removed, no tape) on a\n"
          "                       mel of FRAMES frames: compute_s, cpu_s (CPU time of\n"
          "                       all threads), samples, audio_s\n"
          "  train BATCH SEGMENT  time one GAN training step (G forward, MPD + MSD update,\n"
          "                       G update on LSGAN + 2 x feature matching + 45 x mel L1,\n"
          "                       AdamW) on BATCH segments of SEGMENT samples (a multiple\n"
          "                       of 256): compute_s, loss_g, loss_d, mel\n"
          "  --config NAME        the generator: v1, v2 or v3\n"
          "  --engine E           what runs infer: fused (models/hifigan_infer.h, the\n"
          "                       default) or ops (the op-API generator)\n"
          "  --seed S             seed of the weights and inputs (default 1234)\n"
          "\n"
          "both:\n"
          "  rss                  max_rss_mb, the peak resident memory so far\n"
          "  --threads N          worker threads (default: $VOXC_THREADS or all CPUs)\n"
          "  --conv MODE          how the waveform decoder (the voice's; hifigan's fused\n"
          "                       engine, not --engine ops) runs its resblock convolutions:\n"
          "                       auto (the FFT where it is faster, the default), direct\n"
          "                       (the GEMM only) or fft (the FFT wherever it fits)\n"
          "  --help               show this help\n"
          "Exit status: 0 at the end of the input, 1 when the model cannot be loaded or\n"
          "built, 2 on bad usage.\n",
          out);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU time of the process (every thread) in seconds. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
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

/* A benchmark's option `a` with value `val` (NULL when argv ends) into its
 * settings; false when it has no such option. *ok starts as val != NULL and
 * ends false when the value is not valid. */
typedef bool (*set_option_fn)(void *settings, const char *a, const char *val, bool *ok);

/* --conv auto|direct|fft: vx_set_decoder_conv for the model loaded next. */
static bool set_decoder_conv(const char *val)
{
    static const char *names[] = {"auto", "direct", "fft"};
    for (int m = 0; m < 3; m++)
        if (!strcmp(val, names[m])) {
            vx_set_decoder_conv((vx_decoder_conv)m);
            return true;
        }
    return false;
}

/* The option loop of every benchmark (argv[2..]; each option takes a value).
 * 0: parsed; 1: --help was shown; 2: bad usage, said on stderr. */
static int parse_options(int argc, char **argv, set_option_fn set, void *settings)
{
    for (int i = 2; i < argc; i += 2) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = val != NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 1;
        }
        if (!strcmp(a, "--conv")) { /* both benchmarks: how the decoder runs its resblock convs */
            ok = ok && set_decoder_conv(val);
        } else if (!set(settings, a, val, &ok)) {
            fprintf(stderr, "voxc-bench: unknown option '%s' (see --help)\n", a);
            return 2;
        }
        if (!ok) {
            fprintf(stderr, "voxc-bench: %s needs a valid value (see --help)\n", a);
            return 2;
        }
    }
    return 0;
}

/* The next request line from standard input without its line end; its
 * length, or −1 at the end of input. */
static ssize_t read_request(char **line, size_t *cap)
{
    ssize_t len = getline(line, cap, stdin);
    while (len > 0 && ((*line)[len - 1] == '\n' || (*line)[len - 1] == '\r'))
        (*line)[--len] = '\0';
    return len;
}

/* --threads N: a whole number of threads. */
static bool parse_threads(const char *val, double *threads)
{
    return parse_number(val, 1, VX_MAX_THREADS, threads) && *threads == (int)*threads;
}

/* --- tts ---------------------------------------------------------------------------- */

typedef struct tts_settings {
    const char *model;
    double threads, noise_scale, noise_w;
} tts_settings;

static bool set_tts_option(void *settings, const char *a, const char *val, bool *ok)
{
    tts_settings *o = settings;
    if (!strcmp(a, "-m") || !strcmp(a, "--model"))
        o->model = val;
    else if (!strcmp(a, "--threads"))
        *ok = *ok && parse_threads(val, &o->threads);
    else if (!strcmp(a, "--noise-scale"))
        *ok = *ok && parse_number(val, 0, 10, &o->noise_scale);
    else if (!strcmp(a, "--noise-w"))
        *ok = *ok && parse_number(val, 0, 10, &o->noise_w);
    else
        return false;
    return true;
}

static int tts_main(int argc, char **argv)
{
    tts_settings set = {.threads = 0, .noise_scale = -1, .noise_w = -1};
    int rc = parse_options(argc, argv, set_tts_option, &set);
    if (rc)
        return rc == 1 ? 0 : rc;
    if (!set.model) {
        fputs("voxc-bench: give -m VOICE (get the default voice with `make voice`)\n", stderr);
        return 2;
    }
    if (set.threads > 0)
        vx_threads_set((int)set.threads);
    vx_vits *voice = vx_vits_load(set.model);
    vx_speak *sp = voice ? vx_speak_new(voice) : NULL;
    vx_ctx *ctx = sp ? vx_ctx_new((vx_ctx_opts){0}) : NULL;
    if (!ctx) {
        fprintf(stderr, "voxc-bench: %s\n", vx_last_error());
        vx_speak_free(sp);
        vx_vits_free(voice);
        return 1;
    }
    vx_speak_opts o = {.params = vx_vits_default_params(voice), .normalize = true};
    if (set.noise_scale >= 0)
        o.params.noise_scale = (float)set.noise_scale;
    if (set.noise_w >= 0)
        o.params.noise_w = (float)set.noise_w;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = read_request(&line, &cap)) >= 0) {
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

/* --- hifigan ------------------------------------------------------------------------ */

#define HG_MAX_FRAMES 100000 /* about 19 minutes of audio at hop 256 */

typedef struct hg_bench {
    vx_hifigan_config cfg;
    int hop, sample_rate;
    vx_logmel *input_mel;    /* the recipe's input mel (80 bands, 0 .. 8 kHz)         */
    vx_rng rng;              /* the noise the inputs are made from                    */
    vx_ctx *infer_ctx;       /* grad off                                              */
    vx_hifigan *infer_g;     /* weight norm removed                                   */
    vx_hifigan_infer *infer; /* infer_g in the fused engine; NULL: --engine ops       */
    int64_t infer_frames;
    float *infer_mel;        /* [80, infer_frames]                                    */
    vx_ctx *train_ctx;       /* the models below are made on the first train request */
    vx_hifigan *train_g;
    vx_hifigan_disc *mpd, *msd;
    vx_hifigan_gan *gan;
    int batch, segment;
    float *audio;            /* [batch, 1, segment]                                   */
    float *mel;              /* [batch, 80, segment / hop]                            */
} hg_bench;

/* n_items clips of uniform noise in [-0.5, 0.5) of `frames` hops each into
 * *audio [n_items, 1, frames·hop] and their log-mels into *mel
 * [n_items, n_mels, frames] (both malloc'd). */
static vx_status hg_make_inputs(hg_bench *hb, int64_t n_items, int64_t frames, float **audio, float **mel)
{
    int n_mels = hb->cfg.n_mels;
    int64_t samples = frames * hb->hop;
    float *a = malloc(sizeof *a * (size_t)(n_items * samples));
    float *m = malloc(sizeof *m * (size_t)(n_items * n_mels * frames));
    float *tf = malloc(sizeof *tf * (size_t)(n_mels * frames)); /* [frames, n_mels] */
    vx_status st = a && m && tf ? VX_OK : vx_fail(VX_ERR_OOM, "hifigan: out of memory for the inputs");
    for (int64_t b = 0; st == VX_OK && b < n_items; b++) {
        float *clip = a + b * samples;
        vx_rng_uniform(&hb->rng, clip, (size_t)samples, -0.5f, 0.5f);
        st = vx_logmel_compute(hb->input_mel, clip, samples, tf, NULL);
        for (int64_t t = 0; st == VX_OK && t < frames; t++)
            for (int c = 0; c < n_mels; c++)
                m[(b * n_mels + c) * frames + t] = tf[t * n_mels + c];
    }
    free(tf);
    if (st != VX_OK) {
        free(a);
        free(m);
        return st;
    }
    *audio = a;
    *mel = m;
    return VX_OK;
}

static vx_status hg_init(hg_bench *hb, const char *config, uint64_t seed, bool fused)
{
    vx_status st = vx_hifigan_config_named(config, &hb->cfg);
    if (st != VX_OK)
        return st;
    hb->hop = vx_hifigan_hop(&hb->cfg);
    vx_logmel_cfg mel_cfg = vx_logmel_cfg_hifigan();
    hb->sample_rate = mel_cfg.mel.sample_rate;
    if (mel_cfg.mel.n_mels != hb->cfg.n_mels || mel_cfg.stft.hop != hb->hop)
        return vx_fail(VX_ERR_ARG, "hifigan: config %s (%d mels, hop %d) does not fit the recipe's mel "
                       "(%d mels, hop %d)", config, hb->cfg.n_mels, hb->hop, mel_cfg.mel.n_mels,
                       mel_cfg.stft.hop);
    vx_rng_init(&hb->rng, seed ^ 0x6d656c696e707574ull); /* a stream apart from the weights' */
    if (!(hb->input_mel = vx_logmel_new(&mel_cfg)) ||
        !(hb->infer_ctx = vx_ctx_new((vx_ctx_opts){.seed = seed})) ||
        !(hb->infer_g = vx_hifigan_new(hb->infer_ctx, &hb->cfg)))
        return vx_last_status();
    vx_set_grad_enabled(hb->infer_ctx, false);
    vx_set_training(hb->infer_ctx, false);
    st = vx_hifigan_remove_weight_norm(hb->infer_ctx, hb->infer_g);
    if (st == VX_OK && fused && !(hb->infer = vx_hifigan_infer_new(hb->infer_g)))
        st = vx_last_status();
    if (st == VX_OK && hb->infer && vx_hifigan_infer_fallback(hb->infer))
        fprintf(stderr, "voxc-bench: %s; the op-API generator runs it\n", vx_hifigan_infer_fallback(hb->infer));
    return st;
}

static void hg_free(hg_bench *hb)
{
    vx_hifigan_gan_free(hb->gan);
    vx_hifigan_disc_free(hb->msd);
    vx_hifigan_disc_free(hb->mpd);
    vx_hifigan_free(hb->train_g);
    vx_ctx_free(hb->train_ctx);
    vx_hifigan_infer_free(hb->infer);
    vx_hifigan_free(hb->infer_g);
    vx_ctx_free(hb->infer_ctx);
    vx_logmel_free(hb->input_mel);
    free(hb->infer_mel);
    free(hb->audio);
    free(hb->mel);
}

/* Reads the request's integer arguments into v[0..n-1], each in [lo, hi]. */
static bool hg_parse_ints(const char *s, int n, long long lo, long long hi, long long *v)
{
    for (int i = 0; i < n; i++) {
        char *end;
        errno = 0;
        v[i] = strtoll(s, &end, 10);
        if (end == s || errno || v[i] < lo || v[i] > hi)
            return false;
        s = end;
    }
    while (*s == ' ' || *s == '\t')
        s++;
    return *s == '\0';
}

/* "infer FRAMES" */
static void hg_request_infer(hg_bench *hb, const char *args)
{
    long long frames;
    if (!hg_parse_ints(args, 1, 1, HG_MAX_FRAMES, &frames)) {
        vx_fail(VX_ERR_ARG, "infer: give FRAMES, a number of mel frames in 1..%d", HG_MAX_FRAMES);
        answer_error();
        return;
    }
    if (frames != hb->infer_frames) {
        float *audio, *mel;
        if (hg_make_inputs(hb, 1, frames, &audio, &mel) != VX_OK) {
            answer_error();
            return;
        }
        free(audio);
        free(hb->infer_mel);
        hb->infer_mel = mel;
        hb->infer_frames = frames;
    }
    double t0 = now_s(), c0 = cpu_s();
    vx_ctx_reset(hb->infer_ctx);
    vx_tensor *mel = vx_wrap(hb->infer_ctx, VX_F32, 3, (int64_t[]){1, hb->cfg.n_mels, frames}, hb->infer_mel);
    vx_tensor *y = !mel       ? NULL
                   : hb->infer ? vx_hifigan_infer_forward(hb->infer_ctx, hb->infer, mel)
                               : vx_hifigan_forward(hb->infer_ctx, hb->infer_g, mel); /* [1, 1, T·hop] */
    double t1 = now_s(), c1 = cpu_s();
    if (!y) {
        answer_error();
        return;
    }
    printf("{\"compute_s\":%.6f,\"cpu_s\":%.6f,\"samples\":%lld,\"audio_s\":%.6f}\n", t1 - t0, c1 - c0,
           (long long)vx_numel(y), (double)vx_numel(y) / hb->sample_rate);
}

/* The training models, on the first "train" request. */
static vx_status hg_make_trainer(hg_bench *hb, uint64_t seed)
{
    vx_hifigan_disc_config dc = vx_hifigan_disc_config_default();
    vx_hifigan_train_config tc = vx_hifigan_train_config_default();
    if (!(hb->train_ctx = vx_ctx_new((vx_ctx_opts){.seed = seed})) ||
        !(hb->train_g = vx_hifigan_new(hb->train_ctx, &hb->cfg)) ||
        !(hb->mpd = vx_hifigan_mpd_new(hb->train_ctx, &dc)) ||
        !(hb->msd = vx_hifigan_msd_new(hb->train_ctx, &dc)) ||
        !(hb->gan = vx_hifigan_gan_new(hb->train_ctx, hb->train_g, hb->mpd, hb->msd, &tc)))
        return vx_last_status();
    return VX_OK;
}

/* "train BATCH SEGMENT" */
static void hg_request_train(hg_bench *hb, const char *args, uint64_t seed)
{
    long long v[2];
    if (!hg_parse_ints(args, 2, 1, 1 << 24, v) || v[0] > 1024 || v[1] % hb->hop) {
        vx_fail(VX_ERR_ARG, "train: give BATCH (1..1024) and SEGMENT (samples, a multiple of %d)", hb->hop);
        answer_error();
        return;
    }
    if (!hb->gan && hg_make_trainer(hb, seed) != VX_OK) {
        answer_error();
        return;
    }
    int batch = (int)v[0], segment = (int)v[1], frames = segment / hb->hop;
    if (batch != hb->batch || segment != hb->segment) {
        float *audio, *mel;
        if (hg_make_inputs(hb, batch, frames, &audio, &mel) != VX_OK) {
            answer_error();
            return;
        }
        free(hb->audio);
        free(hb->mel);
        hb->audio = audio;
        hb->mel = mel;
        hb->batch = batch;
        hb->segment = segment;
    }
    vx_hifigan_losses l;
    double t0 = now_s();
    vx_ctx_reset(hb->train_ctx);
    vx_tensor *mel = vx_wrap(hb->train_ctx, VX_F32, 3, (int64_t[]){batch, hb->cfg.n_mels, frames}, hb->mel);
    vx_tensor *y = vx_wrap(hb->train_ctx, VX_F32, 3, (int64_t[]){batch, 1, segment}, hb->audio);
    vx_status st = mel && y ? vx_hifigan_gan_step(hb->train_ctx, hb->gan, mel, y, &l) : vx_last_status();
    double t1 = now_s();
    if (st != VX_OK) {
        answer_error();
        return;
    }
    printf("{\"compute_s\":%.6f,\"loss_g\":%.6g,\"loss_d\":%.6g,\"mel\":%.6g}\n", t1 - t0, l.gen_all,
           l.disc_all, l.mel);
}

typedef struct hifigan_settings {
    const char *config, *engine;
    double threads, seed;
} hifigan_settings;

static bool set_hifigan_option(void *settings, const char *a, const char *val, bool *ok)
{
    hifigan_settings *o = settings;
    if (!strcmp(a, "--config")) {
        o->config = val;
    } else if (!strcmp(a, "--engine")) {
        o->engine = val;
        *ok = *ok && (!strcmp(val, "fused") || !strcmp(val, "ops"));
    } else if (!strcmp(a, "--threads")) {
        *ok = *ok && parse_threads(val, &o->threads);
    } else if (!strcmp(a, "--seed")) {
        *ok = *ok && parse_number(val, 0, 9007199254740992.0, &o->seed) && o->seed == (double)(uint64_t)o->seed;
    } else {
        return false;
    }
    return true;
}

static int hifigan_main(int argc, char **argv)
{
    hifigan_settings set = {.engine = "fused", .threads = 0, .seed = 1234};
    int rc = parse_options(argc, argv, set_hifigan_option, &set);
    if (rc)
        return rc == 1 ? 0 : rc;
    if (!set.config) {
        fputs("voxc-bench: give --config v1, v2 or v3\n", stderr);
        return 2;
    }
    if (set.threads > 0)
        vx_threads_set((int)set.threads);
    hg_bench hb = {0};
    if (hg_init(&hb, set.config, (uint64_t)set.seed, !strcmp(set.engine, "fused")) != VX_OK) {
        fprintf(stderr, "voxc-bench: %s\n", vx_last_error());
        hg_free(&hb);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = read_request(&line, &cap)) >= 0) {
        if (!strncmp(line, "infer ", 6))
            hg_request_infer(&hb, line + 6);
        else if (!strncmp(line, "train ", 6))
            hg_request_train(&hb, line + 6, (uint64_t)set.seed);
        else if (!strcmp(line, "rss"))
            request_rss();
        else if (len > 0) {
            vx_fail(VX_ERR_ARG, "unknown request '%.20s': use infer, train or rss", line);
            answer_error();
        }
        fflush(stdout);
    }
    free(line);
    hg_free(&hb);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "tts"))
        return tts_main(argc, argv);
    if (argc > 1 && !strcmp(argv[1], "hifigan"))
        return hifigan_main(argc, argv);
    fputs("voxc-bench: give a benchmark, tts or hifigan (see --help)\n", stderr);
    return 2;
}
