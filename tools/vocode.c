/* vocode.c — voxc-vocode: copy-synthesis with a HiFi-GAN generator: audio
 * (or a mel written by voxc-features --out) -> log-mel -> generator (run by
 * the fused inference engine, models/hifigan_infer.h) -> audio. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audio/mel.h"
#include "audio/wav.h"
#include "core/threads.h"
#include "core/vx.h"
#include "models/hifigan.h"
#include "models/hifigan_infer.h"
#include "nn/safetensors.h"
#include "train/hifigan_json.h"

static void usage(FILE *out)
{
    fputs("usage: voxc-vocode -m VOCODER.safetensors IN.wav|IN.mel.safetensors -o OUT.wav\n"
          "                   [--threads N] [--config v1|v2|v3|FILE.json]\n"
          "\n"
          "Copy-synthesis: the HiFi-GAN log-mel of IN (n_fft 1024, hop 256, 80 Slaney mels\n"
          "0-8000 Hz; the audio is mixed down to mono and resampled to 22050 Hz) goes through\n"
          "the generator of VOCODER; the result is written as 16-bit 22050 Hz audio.\n"
          "\n"
          "  -m FILE|RUN    a voxc-train checkpoint (its config names the generator), a run\n"
          "                 folder (its latest checkpoint), or any\n"
          "                 safetensors file with the generator's weights under the reference's\n"
          "                 names, with weight norm (conv_pre.weight_g, ...) or without\n"
          "                 (conv_pre.weight, ...); such a file needs --config\n"
          "  IN             audio (WAV, FLAC, OGG), or a .safetensors file holding `mel`\n"
          "                 [frames, 80] as voxc-features --out writes it\n"
          "  -o OUT         output audio (.wav, .flac or .ogg)\n"
          "  --threads N    worker threads (default: all cores)\n"
          "  --config C     the generator when the file has no config: v1, v2, v3 or a .json\n"
          "  --help         show this help\n"
          "\n"
          "Exit status: 0 on success, 1 when a file cannot be read or written, 2 for bad usage.\n",
          out);
}

typedef struct options {
    const char *model, *in, *out, *config;
    int threads;
} options;

/* 0: run; 1: --help done; 2: bad usage (message printed). */
static int parse_args(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 1;
        }
        const char **value = strcmp(a, "-m") == 0 || strcmp(a, "--model") == 0   ? &o->model
                             : strcmp(a, "-o") == 0 || strcmp(a, "--out") == 0    ? &o->out
                             : strcmp(a, "--config") == 0                         ? &o->config
                                                                                  : NULL;
        if (value || strcmp(a, "--threads") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "voxc-vocode: %s needs a value (try --help)\n", a);
                return 2;
            }
            const char *v = argv[++i];
            if (value) {
                *value = v;
                continue;
            }
            char *end;
            errno = 0;
            long n = strtol(v, &end, 10);
            if (end == v || *end || errno || n < 1 || n > VX_MAX_THREADS) {
                fprintf(stderr, "voxc-vocode: --threads '%s': want 1..%d\n", v, VX_MAX_THREADS);
                return 2;
            }
            o->threads = (int)n;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "voxc-vocode: unknown option '%s' (try --help)\n", a);
            return 2;
        } else if (o->in) {
            fprintf(stderr, "voxc-vocode: give one input (got '%s' and '%s')\n", o->in, a);
            return 2;
        } else {
            o->in = a;
        }
    }
    const char *missing = !o->model ? "-m VOCODER" : !o->in ? "an input file" : !o->out ? "-o OUT" : NULL;
    if (missing) {
        fprintf(stderr, "voxc-vocode: %s is required (try --help)\n", missing);
        return 2;
    }
    return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static vx_tensor *input_mel(vx_ctx *ctx, const options *o, int n_mels)
{
    float *mel = NULL; /* [T, n_mels] */
    int64_t T = 0;
    vx_st_file *f = NULL;
    if (ends_with(o->in, ".safetensors")) {
        f = vx_st_open(o->in);
        const vx_st_entry *e = f ? vx_st_find(f, "mel") : NULL;
        if (f && (!e || e->dtype != VX_F32 || e->ndim != 2 || e->shape[1] != n_mels)) {
            vx_st_close(f);
            return vx_fail_null(VX_ERR_FORMAT, "%s: want an F32 tensor `mel` [frames, %d] (as voxc-features "
                                "--out writes)", o->in, n_mels);
        }
        if (!f)
            return NULL;
        T = e->shape[0];
        mel = malloc(e->nbytes ? e->nbytes : 1);
        if (mel)
            memcpy(mel, e->data, e->nbytes);
        vx_st_close(f);
    } else {
        vx_logmel_cfg mc = vx_logmel_cfg_hifigan();
        if (mc.mel.n_mels != n_mels)
            return vx_fail_null(VX_ERR_ARG, "the generator takes %d mels; audio input gives %d", n_mels,
                                mc.mel.n_mels);
        vx_audio a;
        if (vx_audio_read_mono(o->in, mc.mel.sample_rate, &a) != VX_OK)
            return NULL;
        vx_logmel *lm = vx_logmel_new(&mc);
        mel = lm ? vx_logmel_alloc(lm, a.samples, a.frames, &T) : NULL;
        vx_logmel_free(lm);
        vx_audio_free(&a);
        if (!mel)
            return NULL;
    }
    if (!mel)
        return vx_fail_null(VX_ERR_OOM, "%s: out of memory", o->in);
    if (T < 1) {
        free(mel);
        return vx_fail_null(VX_ERR_FORMAT, "%s: no mel frames", o->in);
    }
    vx_tensor *t = vx_new(ctx, VX_F32, 3, (int64_t[]){1, n_mels, T});
    if (t) {
        float *d = t->data;
        for (int64_t i = 0; i < T; i++)
            for (int c = 0; c < n_mels; c++)
                d[c * T + i] = mel[i * n_mels + c];
    }
    free(mel);
    return t;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    options o;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc == 1 ? 0 : rc;
    if (o.threads)
        vx_threads_set(o.threads);
    vx_ctx *ctx = vx_ctx_new((vx_ctx_opts){0});
    vx_hifigan *g = ctx ? vx_hifigan_load_generator(ctx, o.model, o.config, "--config") : NULL;
    vx_hifigan_infer *engine = g ? vx_hifigan_infer_new(g) : NULL;
    vx_tensor *mel = engine ? input_mel(ctx, &o, vx_hifigan_get_config(g)->n_mels) : NULL;
    vx_status st = mel ? VX_OK : vx_last_status();
    if (engine && vx_hifigan_infer_fallback(engine))
        fprintf(stderr, "voxc-vocode: note: %s; the slower op-API generator runs it\n",
                vx_hifigan_infer_fallback(engine));
    double t0 = now_s(), seconds = 0;
    if (st == VX_OK) {
        vx_set_grad_enabled(ctx, false);
        vx_tensor *y = vx_hifigan_infer_forward(ctx, engine, mel); /* [1, 1, T·hop] */
        double elapsed = now_s() - t0;
        float *samples = y ? malloc(sizeof(float) * (size_t)vx_numel(y)) : NULL;
        if (!y)
            st = vx_last_status();
        else if (!samples)
            st = vx_fail(VX_ERR_OOM, "out of memory for %lld samples", (long long)vx_numel(y));
        else {
            vx_copy_to_f32(y, samples);
            st = vx_audio_write(o.out, samples, vx_numel(y), 1, 22050, VX_AUDIO_PCM16);
            seconds = (double)vx_numel(y) / 22050.0;
        }
        free(samples);
        if (st == VX_OK)
            fprintf(stderr, "%s: %lld mel frames -> %s, %.2f s of audio in %.2f s (%.1fx real time)\n",
                    o.in, (long long)mel->shape[2], o.out, seconds, elapsed,
                    elapsed > 0 ? seconds / elapsed : 0.0);
    }
    if (st != VX_OK)
        fprintf(stderr, "voxc-vocode: %s\n", vx_last_error());
    vx_hifigan_infer_free(engine);
    vx_hifigan_free(g);
    vx_ctx_free(ctx);
    return st == VX_OK ? 0 : 1;
}
