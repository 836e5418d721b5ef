/* features.c — voxc-features: the acoustic features of one audio file as the
 * TTS recipes compute them — HiFi-GAN log-mel, FastSpeech2 F0 (WORLD DIO +
 * StoneMask) and frame energy — written as safetensors, drawn as an SVG
 * figure and summarised as text or JSON. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio/energy.h"
#include "audio/mel.h"
#include "audio/pitch.h"
#include "audio/svg.h"
#include "audio/wav.h"
#include "core/json.h"
#include "nn/safetensors.h"

static void usage(FILE *out)
{
    fputs("usage: voxc-features IN.wav [--out F.safetensors] [--svg F.svg] [--json]\n"
          "                     [--interp] [--log-f0] [--title TEXT]\n"
          "\n"
          "Reads IN (WAV, FLAC or OGG; mixed down to mono, resampled to 22050 Hz) and computes\n"
          "  mel     HiFi-GAN log-mel: n_fft 1024, hop 256, Hann, 80 Slaney mels 0-8000 Hz,\n"
          "          ln(max(mel, 1e-5)), reflect padding 384, T = samples / 256 frames\n"
          "  f0      WORLD DIO + StoneMask (FastSpeech2: floor 71 Hz, ceil 800 Hz), Hz, 0 = unvoiced\n"
          "  energy  L2 norm of each STFT magnitude frame (FastSpeech2)\n"
          "all on the same T frames (F0 frame t at t * 256 samples, as FastSpeech2 truncates it).\n"
          "Without --out, --svg or --json a short summary is printed.\n"
          "\n"
          "  --out FILE    write tensors mel [T, 80], f0 [T], vuv [T] (1 voiced, 0 not) and\n"
          "                energy [T] (F32) with the recipe as metadata, to a .safetensors file\n"
          "  --svg FILE    write a figure: waveform, log-mel with the F0 contour, colour bar\n"
          "  --json        print a JSON summary (duration, frames, F0 median/range, voiced\n"
          "                fraction, energy statistics) on stdout\n"
          "  --interp      in --out, fill unvoiced F0 frames by linear interpolation\n"
          "  --log-f0      in --out, store ln(F0) (unvoiced frames stay 0 unless --interp)\n"
          "  --title TEXT  figure title (default: the input file name)\n"
          "  --help        show this help\n"
          "\n"
          "Exit status: 0 on success, 1 when a file cannot be read or written, 2 for bad usage.\n",
          out);
}

typedef struct options {
    const char *in, *out, *svg, *title;
    bool json, interp, log_f0;
} options;

/* 0 on success, 1 after --help, 2 on bad usage (message printed). */
static int parse_args(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 1;
        }
        const char **value = strcmp(a, "--out") == 0     ? &o->out
                             : strcmp(a, "--svg") == 0   ? &o->svg
                             : strcmp(a, "--title") == 0 ? &o->title
                                                         : NULL;
        if (value) {
            if (i + 1 >= argc) {
                fprintf(stderr, "voxc-features: %s needs a value (try --help)\n", a);
                return 2;
            }
            *value = argv[++i];
        } else if (strcmp(a, "--json") == 0) {
            o->json = true;
        } else if (strcmp(a, "--interp") == 0) {
            o->interp = true;
        } else if (strcmp(a, "--log-f0") == 0) {
            o->log_f0 = true;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "voxc-features: unknown option '%s' (try --help)\n", a);
            return 2;
        } else if (o->in) {
            fprintf(stderr, "voxc-features: give one input file (got '%s' and '%s')\n", o->in, a);
            return 2;
        } else {
            o->in = a;
        }
    }
    if (!o->in) {
        usage(stderr);
        return 2;
    }
    return 0;
}

typedef struct features {
    vx_audio audio;
    vx_logmel_cfg mel_cfg;
    vx_f0_cfg f0_cfg;
    int64_t frames;    /* T                    */
    float *mel;        /* [T, n_mels]          */
    float *f0;         /* [f0 frames >= T]     */
    float *energy;     /* [T]                  */
} features;

static void features_free(features *f)
{
    vx_audio_free(&f->audio);
    free(f->mel);
    free(f->f0);
    free(f->energy);
}

static vx_status compute(const char *path, features *f)
{
    memset(f, 0, sizeof *f);
    f->mel_cfg = vx_logmel_cfg_hifigan();
    f->f0_cfg = vx_f0_cfg_fastspeech2();
    vx_status st = vx_audio_read_mono(path, f->mel_cfg.mel.sample_rate, &f->audio);
    if (st)
        return st;
    vx_logmel *lm = vx_logmel_new(&f->mel_cfg);
    if (!lm)
        return vx_last_status();
    int64_t n = f->audio.frames;
    f->frames = vx_logmel_frames(lm, n);
    if (f->frames <= 0) {
        vx_logmel_free(lm);
        return vx_fail(VX_ERR_ARG, "%s: %lld samples is shorter than one %d-sample frame", path,
                       (long long)n, f->mel_cfg.stft.hop);
    }
    int bins = f->mel_cfg.stft.n_fft / 2 + 1;
    float *mag = malloc(sizeof(float) * (size_t)f->frames * (size_t)bins);
    f->mel = malloc(sizeof(float) * (size_t)f->frames * (size_t)f->mel_cfg.mel.n_mels);
    f->energy = malloc(sizeof(float) * (size_t)f->frames);
    f->f0 = malloc(sizeof(float) * (size_t)vx_f0_frames(&f->f0_cfg, n));
    if (!mag || !f->mel || !f->energy || !f->f0) {
        st = vx_fail(VX_ERR_OOM, "%s: out of memory for %lld frames", path, (long long)f->frames);
    } else if (!(st = vx_logmel_compute(lm, f->audio.samples, n, f->mel, mag))) {
        vx_energy_from_magnitude(mag, f->frames, bins, f->energy);
        st = vx_f0_estimate(&f->f0_cfg, f->audio.samples, n, f->f0);
    }
    free(mag);
    vx_logmel_free(lm);
    return st;
}

static void float_stats(const float *v, int64_t n, double *mean, double *sd, double *mn, double *mx)
{
    vx_feature_stats s;
    vx_feature_stats_init(&s);
    vx_feature_stats_add(&s, v, n);
    *mean = s.mean;
    *sd = vx_feature_stats_std(&s);
    *mn = s.min;
    *mx = s.max;
}

static vx_status print_summary(const options *o, const features *f)
{
    vx_f0_summary p;
    vx_status st = vx_f0_summarize(f->f0, f->frames, &p);
    if (st)
        return st;
    double duration = (double)f->audio.frames / f->audio.sample_rate;
    double e_mean, e_std, e_min, e_max, m_mean, m_std, m_min, m_max;
    float_stats(f->energy, f->frames, &e_mean, &e_std, &e_min, &e_max);
    float_stats(f->mel, f->frames * f->mel_cfg.mel.n_mels, &m_mean, &m_std, &m_min, &m_max);
    if (!o->json) {
        printf("%s: %.3f s, %lld frames of %d samples at %d Hz\n", o->in, duration,
               (long long)f->frames, f->mel_cfg.stft.hop, f->audio.sample_rate);
        printf("  F0      voiced %.1f %%, median %.1f Hz, range %.1f-%.1f Hz\n",
               100.0 * p.voiced_fraction, p.median_hz, p.min_hz, p.max_hz);
        printf("  energy  mean %.3f, std %.3f, range %.3f-%.3f\n", e_mean, e_std, e_min, e_max);
        printf("  log-mel mean %.3f, range %.3f-%.3f\n", m_mean, m_min, m_max);
        return VX_OK;
    }
    printf("{\"file\": ");
    vx_json_write_string(stdout, o->in, strlen(o->in));
    printf(", \"sample_rate\": %d, \"samples\": %lld, \"duration_s\": %.6f,\n", f->audio.sample_rate,
           (long long)f->audio.frames, duration);
    printf(" \"hop\": %d, \"frames\": %lld, \"n_mels\": %d,\n", f->mel_cfg.stft.hop,
           (long long)f->frames, f->mel_cfg.mel.n_mels);
    printf(" \"f0\": {\"method\": \"dio+stonemask\", \"voiced_frames\": %lld, "
           "\"voiced_fraction\": %.6f, \"median_hz\": %.3f, \"min_hz\": %.3f, \"max_hz\": %.3f, "
           "\"mean_hz\": %.3f},\n",
           (long long)p.voiced, p.voiced_fraction, p.median_hz, p.min_hz, p.max_hz, p.mean_hz);
    printf(" \"energy\": {\"mean\": %.6g, \"std\": %.6g, \"min\": %.6g, \"max\": %.6g},\n", e_mean,
           e_std, e_min, e_max);
    printf(" \"log_mel\": {\"mean\": %.6g, \"std\": %.6g, \"min\": %.6g, \"max\": %.6g}}\n", m_mean,
           m_std, m_min, m_max);
    return VX_OK;
}

static vx_status write_safetensors(const options *o, const features *f)
{
    int64_t T = f->frames;
    float *f0 = malloc(sizeof(float) * (size_t)T);
    float *vuv = malloc(sizeof(float) * (size_t)T);
    if (!f0 || !vuv) {
        free(f0);
        free(vuv);
        return vx_fail(VX_ERR_OOM, "%s: out of memory", o->out);
    }
    for (int64_t t = 0; t < T; t++)
        vuv[t] = f->f0[t] > 0.0f ? 1.0f : 0.0f;
    if (o->interp)
        vx_f0_interpolate(f->f0, T, f0);
    else
        memcpy(f0, f->f0, sizeof(float) * (size_t)T);
    if (o->log_f0)
        vx_f0_log(f0, T, 0.0f, f0);

    const vx_logmel_cfg *c = &f->mel_cfg;
    char sr[16], hop[16], nfft[16], nmels[16], fmax[32];
    snprintf(sr, sizeof sr, "%d", c->mel.sample_rate);
    snprintf(hop, sizeof hop, "%d", c->stft.hop);
    snprintf(nfft, sizeof nfft, "%d", c->stft.n_fft);
    snprintf(nmels, sizeof nmels, "%d", c->mel.n_mels);
    snprintf(fmax, sizeof fmax, "%g", c->mel.fmax);
    const char *keys[] = {"sample_rate", "hop",     "n_fft",    "n_mels",    "fmax",
                          "mel",         "f0",      "f0_scale", "f0_interp", "energy"};
    const char *values[] = {sr,
                            hop,
                            nfft,
                            nmels,
                            fmax,
                            "hifigan: ln(max(slaney mel of |STFT|, 1e-5)), [frames, n_mels]",
                            "world dio+stonemask, floor 71 Hz, ceil 800 Hz",
                            o->log_f0 ? "ln_hz" : "hz",
                            o->interp ? "linear" : "none (0 = unvoiced)",
                            "l2 norm of each |STFT| frame"};
    vx_st_write_entry e[4] = {
        {.name = "mel", .dtype = VX_F32, .ndim = 2, .shape = {T, c->mel.n_mels}, .data = f->mel},
        {.name = "f0", .dtype = VX_F32, .ndim = 1, .shape = {T}, .data = f0},
        {.name = "vuv", .dtype = VX_F32, .ndim = 1, .shape = {T}, .data = vuv},
        {.name = "energy", .dtype = VX_F32, .ndim = 1, .shape = {T}, .data = f->energy},
    };
    vx_status st = vx_st_write(o->out, 4, e, (int)(sizeof keys / sizeof keys[0]), keys, values);
    free(f0);
    free(vuv);
    return st;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static vx_status write_svg(const options *o, const features *f)
{
    double sr = f->audio.sample_rate, hop = f->mel_cfg.stft.hop;
    int pad = f->mel_cfg.stft.pad, n_fft = f->mel_cfg.stft.n_fft;
    vx_svg_figure fig = {
        .title = o->title ? o->title : base_name(o->in),
        .wave = f->audio.samples,
        .wave_len = f->audio.frames,
        .sample_rate = f->audio.sample_rate,
        .mel = f->mel,
        .mel_frames = f->frames,
        .n_mels = f->mel_cfg.mel.n_mels,
        .mel_hop_s = hop / sr,
        /* Frame t covers padded samples [t hop, t hop + n_fft): its centre is
         * t hop + n_fft / 2 - pad in the signal. */
        .mel_t0_s = (n_fft / 2.0 - pad) / sr,
        .f0 = f->f0,
        .f0_frames = f->frames,
        .f0_hop_s = hop / sr,
        .f0_t0_s = 0.0,
    };
    return vx_svg_write(o->svg, &fig);
}

int main(int argc, char **argv)
{
    options o;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc == 1 ? 0 : rc;
    features f;
    vx_status st = compute(o.in, &f);
    if (!st && o.out)
        st = write_safetensors(&o, &f);
    if (!st && o.svg)
        st = write_svg(&o, &f);
    if (!st && (o.json || (!o.out && !o.svg)))
        st = print_summary(&o, &f);
    features_free(&f);
    if (st) {
        fprintf(stderr, "voxc-features: %s\n", vx_last_error());
        return 1;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "voxc-features: writing to stdout failed\n");
        return 1;
    }
    return 0;
}
