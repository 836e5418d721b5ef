/* test_pitch_svg.c — F0 estimation against pyworld and synthetic signals, the
 * FastSpeech2 F0 post-processing, SVG figures and the voxc-features tool.
 *
 * References: tests/data/f0/<clip>.txt, written by tests/ref/f0_fixture.py
 * (pyworld DIO + StoneMask on data/ljspeech-mini clips, numpy interpolation
 * and phoneme averages); synthetic tones and chirps whose true frequency is
 * known in closed form; matplotlib's viridis for the colour map. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio/pitch.h"
#include "audio/svg.h"
#include "audio/wav.h"
#include "core/json.h"
#include "nn/safetensors.h"
#include "test_files.h"
#include "test_util.h"

#define WAV_DIR "data/ljspeech-mini/wavs"
#define F0_DIR "tests/data/f0"
#define SR 22050

/* --- helpers ---------------------------------------------------------------- */

/* Vector NAME of a fixture file ("NAME COUNT VALUES..."), malloc'd; *n set. */
static float *fixture_vector(const char *clip, const char *name, int *n)
{
    char path[256];
    snprintf(path, sizeof path, F0_DIR "/%s.txt", clip);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s (run tests/ref/f0_fixture.py)", path);
    static char line[1 << 16];
    float *v = NULL;
    size_t name_len = strlen(name);
    while (!v && fgets(line, sizeof line, f)) {
        if (strncmp(line, name, name_len) != 0 || line[name_len] != ' ')
            continue;
        char *p = line + name_len;
        *n = (int)strtol(p, &p, 10);
        v = malloc(sizeof(float) * (size_t)(*n > 0 ? *n : 1));
        for (int i = 0; i < *n; i++)
            v[i] = strtof(p, &p);
    }
    fclose(f);
    ck_assert_msg(v != NULL, "%s has no vector '%s'", path, name);
    return v;
}

static vx_audio read_clip(const char *clip)
{
    char path[256];
    snprintf(path, sizeof path, WAV_DIR "/%s.wav", clip);
    vx_audio a;
    ck_assert_msg(vx_audio_read(path, true, &a) == VX_OK, "%s", vx_last_error());
    ck_assert_int_eq(a.sample_rate, SR);
    return a;
}

typedef struct agreement {
    int frames, both_voiced, voicing_errors, gross_errors;
    double max_rel; /* largest |a - b| / b over frames both call voiced */
} agreement;

/* Voicing decision error and gross pitch error (|delta| > 20 %) of a vs ref. */
static agreement compare_f0(const float *a, const float *ref, int n)
{
    agreement g = {.frames = n};
    for (int i = 0; i < n; i++) {
        bool va = a[i] > 0, vr = ref[i] > 0;
        g.voicing_errors += va != vr;
        if (va && vr) {
            double rel = fabs(a[i] - ref[i]) / ref[i];
            g.both_voiced++;
            g.gross_errors += rel > 0.2;
            g.max_rel = fmax(g.max_rel, rel);
        }
    }
    return g;
}

static void assert_matches_pyworld(const char *clip, bool refine)
{
    vx_audio a = read_clip(clip);
    vx_f0_cfg cfg = vx_f0_cfg_fastspeech2();
    cfg.refine = refine;
    int n_ref;
    float *ref = fixture_vector(clip, refine ? "stonemask" : "dio", &n_ref);
    ck_assert_int_eq(vx_f0_frames(&cfg, a.frames), n_ref);
    float *f0 = malloc(sizeof(float) * (size_t)n_ref);
    ck_assert_msg(vx_f0_estimate(&cfg, a.samples, a.frames, f0) == VX_OK, "%s", vx_last_error());
    agreement g = compare_f0(f0, ref, n_ref);
    ck_assert_msg(g.both_voiced > n_ref / 2, "%s: only %d of %d frames voiced in both", clip,
                  g.both_voiced, n_ref);
    /* Targets: gross pitch error < 5 %, voicing decision error < 10 %. */
    ck_assert_msg(g.gross_errors < 0.05 * g.both_voiced, "%s: GPE %d / %d", clip, g.gross_errors,
                  g.both_voiced);
    ck_assert_msg(g.voicing_errors < 0.10 * n_ref, "%s: VDE %d / %d", clip, g.voicing_errors,
                  n_ref);
    /* Same algorithm, so the agreement is in fact far closer than the targets. */
    ck_assert_msg(g.max_rel < 1e-3, "%s: largest relative F0 difference %.3g", clip, g.max_rel);
    free(f0);
    free(ref);
    vx_audio_free(&a);
}

/* Estimate the F0 of x [n] and check every voiced frame whose analysis lies
 * inside the signal against true_hz(t) within 1 %, and that >= 95 % of those
 * frames are voiced. */
static void assert_tracks(const float *x, int n, double (*true_hz)(double t, void *arg), void *arg,
                          const char *what)
{
    vx_f0_cfg cfg = vx_f0_cfg_fastspeech2();
    int64_t frames = vx_f0_frames(&cfg, n);
    float *f0 = malloc(sizeof(float) * (size_t)frames);
    ck_assert_msg(vx_f0_estimate(&cfg, x, n, f0) == VX_OK, "%s", vx_last_error());
    int inner = 0, voiced = 0;
    for (int64_t i = 2; i < frames - 2; i++) { /* edge frames see the signal's ends */
        double t = (double)i * cfg.hop / SR, f = true_hz(t, arg);
        inner++;
        if (f0[i] <= 0)
            continue;
        voiced++;
        ck_assert_msg(fabs(f0[i] - f) <= 0.01 * f, "%s: frame %lld: %.3f Hz, true %.3f Hz", what,
                      (long long)i, f0[i], f);
    }
    ck_assert_msg(voiced >= 0.95 * inner, "%s: %d of %d frames voiced", what, voiced, inner);
    free(f0);
}

static double constant_hz(double t, void *arg)
{
    (void)t;
    return *(const double *)arg;
}

typedef struct chirp {
    double f_start, f_end, duration;
    bool exponential;
} chirp;

static double chirp_hz(double t, void *arg)
{
    const chirp *c = arg;
    double u = t / c->duration;
    return c->exponential ? c->f_start * pow(c->f_end / c->f_start, u)
                          : c->f_start + (c->f_end - c->f_start) * u;
}

/* Phase (cycles) of the chirp at t: the integral of chirp_hz. */
static double chirp_cycles(const chirp *c, double t)
{
    if (c->exponential) {
        double k = log(c->f_end / c->f_start) / c->duration;
        return c->f_start * (exp(k * t) - 1.0) / k;
    }
    return c->f_start * t + 0.5 * (c->f_end - c->f_start) / c->duration * t * t;
}

/* Minimal XML well-formedness: one root, balanced and properly nested tags,
 * quoted attribute values without '<', and '&' only in the five named or
 * numeric character references. Returns NULL or a description of the first problem. */
static const char *xml_problem(const char *s)
{
    static char msg[160];
    const char *stack[256];
    size_t stack_len[256];
    int depth = 0, roots = 0;
    const char *p = s;
    if (strncmp(p, "<?xml", 5) == 0) {
        p = strstr(p, "?>");
        if (!p)
            return "unterminated XML declaration";
        p += 2;
    }
    while (*p) {
        if (*p == '&') {
            static const char *const refs[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#"};
            bool ok = false;
            for (int i = 0; i < 6; i++)
                ok = ok || strncmp(p, refs[i], strlen(refs[i])) == 0;
            if (!ok) {
                snprintf(msg, sizeof msg, "bare '&' at offset %ld", (long)(p - s));
                return msg;
            }
            p++;
            continue;
        }
        if (*p != '<') {
            if (depth == 0 && !(*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
                return "text outside the root element";
            p++;
            continue;
        }
        if (strncmp(p, "<!--", 4) == 0) {
            p = strstr(p, "-->");
            if (!p)
                return "unterminated comment";
            p += 3;
            continue;
        }
        bool closing = p[1] == '/';
        const char *name = p + 1 + closing;
        size_t nlen = strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:-_.");
        if (nlen == 0) {
            snprintf(msg, sizeof msg, "bad tag name at offset %ld", (long)(p - s));
            return msg;
        }
        p = name + nlen;
        if (closing) {
            if (depth == 0 || stack_len[depth - 1] != nlen || strncmp(stack[depth - 1], name, nlen)) {
                snprintf(msg, sizeof msg, "mismatched </%.*s> at offset %ld", (int)nlen, name,
                         (long)(name - s));
                return msg;
            }
            depth--;
            p += strspn(p, " \n\t");
            if (*p != '>')
                return "junk in a closing tag";
            p++;
            continue;
        }
        /* attributes */
        for (;;) {
            p += strspn(p, " \n\t");
            if (*p == '>' || (p[0] == '/' && p[1] == '>'))
                break;
            size_t alen = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:-_.");
            if (alen == 0 || p[alen] != '=' || p[alen + 1] != '"') {
                snprintf(msg, sizeof msg, "bad attribute in <%.*s> at offset %ld", (int)nlen, name,
                         (long)(p - s));
                return msg;
            }
            const char *v = p + alen + 2;
            const char *end = strchr(v, '"');
            if (!end)
                return "unterminated attribute value";
            for (const char *q = v; q < end; q++)
                if (*q == '<' || (*q == '&' && strncmp(q, "&amp;", 5) && strncmp(q, "&lt;", 4) &&
                                  strncmp(q, "&gt;", 4) && strncmp(q, "&quot;", 6) &&
                                  strncmp(q, "&apos;", 6) && strncmp(q, "&#", 2)))
                    return "unescaped '<' or '&' in an attribute value";
            p = end + 1;
        }
        if (depth == 0 && roots++ > 0)
            return "more than one root element";
        if (*p == '/') {
            p += 2;
            continue;
        }
        if (depth == 256)
            return "nesting too deep";
        stack[depth] = name;
        stack_len[depth] = nlen;
        depth++;
        p++;
    }
    if (depth != 0)
        return "unclosed element at the end";
    return roots == 1 ? NULL : "no root element";
}

static int count_of(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* A small figure: waveform, 60 frames x 10 mels ramp, F0 with two voiced runs. */
typedef struct small_figure {
    float wave[6000];
    float mel[60 * 10];
    float f0[60];
    vx_svg_figure fig;
} small_figure;

static void make_small_figure(small_figure *s)
{
    for (int i = 0; i < 6000; i++)
        s->wave[i] = 0.4f * sinf(2.0f * (float)M_PI * 200.0f * i / 8000.0f);
    for (int t = 0; t < 60; t++)
        for (int m = 0; m < 10; m++)
            s->mel[t * 10 + m] = -11.5f + 11.5f * (float)(t * 10 + m) / 599.0f;
    for (int t = 0; t < 60; t++)
        s->f0[t] = (t >= 5 && t < 20) || (t >= 30 && t < 50) ? 100.0f + 2.0f * t : 0.0f;
    s->fig = (vx_svg_figure){.title = "test <figure> & \"quotes\"",
                             .wave = s->wave,
                             .wave_len = 6000,
                             .sample_rate = 8000,
                             .mel = s->mel,
                             .mel_frames = 60,
                             .n_mels = 10,
                             .mel_hop_s = 0.0125,
                             .mel_t0_s = 0.00625,
                             .f0 = s->f0,
                             .f0_frames = 60,
                             .f0_hop_s = 0.0125};
}

static int b64_value(char c)
{
    const char *tab = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = strchr(tab, c);
    return c && p ? (int)(p - tab) : -1;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Inflate a zlib stream of stored and fixed-Huffman deflate blocks (what the
 * SVG writer emits; ref: RFC 1950, RFC 1951) into out [cap]; returns the
 * bytes written, or (size_t)-1 on a malformed stream or a bad Adler-32. */
typedef struct bit_reader {
    const uint8_t *p;
    size_t n, bit;
} bit_reader;

static int br_bits(bit_reader *r, int count) /* least significant bit first */
{
    int v = 0;
    for (int i = 0; i < count; i++, r->bit++) {
        if (r->bit / 8 >= r->n)
            return -1;
        v |= ((r->p[r->bit / 8] >> (r->bit % 8)) & 1) << i;
    }
    return v;
}

static int br_code(bit_reader *r, int count) /* Huffman code, most significant bit first */
{
    int v = 0;
    for (int i = 0; i < count; i++) {
        int b = br_bits(r, 1);
        if (b < 0)
            return -1;
        v = v << 1 | b;
    }
    return v;
}

/* The next fixed-code literal/length symbol (RFC 1951 3.2.6). */
static int fixed_symbol(bit_reader *r)
{
    int v = br_code(r, 7);
    if (v < 0)
        return -1;
    if (v <= 0x17)
        return 256 + v;
    v = v << 1 | br_bits(r, 1);
    if (v >= 0x30 && v <= 0xbf)
        return v - 0x30;
    if (v >= 0xc0 && v <= 0xc7)
        return 280 + v - 0xc0;
    v = v << 1 | br_bits(r, 1);
    return v >= 0x190 && v <= 0x1ff ? 144 + v - 0x190 : -1;
}

static size_t inflate_zlib(const uint8_t *z, size_t n, uint8_t *out, size_t cap)
{
    static const int len_base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                     31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
    static const int len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                      2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
    static const int dist_base[30] = {1,    2,    3,    4,    5,    7,     9,     13,    17,  25,
                                      33,   49,   65,   97,   129,  193,   257,   385,   513, 769,
                                      1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
    if (n < 6 || z[0] != 0x78 || ((z[0] << 8) | z[1]) % 31 != 0)
        return (size_t)-1;
    bit_reader r = {z + 2, n - 6, 0};
    size_t len = 0;
    int final = 0;
    while (!final) {
        final = br_bits(&r, 1);
        int type = br_bits(&r, 2);
        if (type == 0) {
            r.bit = (r.bit + 7) / 8 * 8;
            int lo = br_bits(&r, 16), inv = br_bits(&r, 16);
            if (lo < 0 || (lo ^ inv) != 0xffff || len + (size_t)lo > cap)
                return (size_t)-1;
            for (int i = 0; i < lo; i++)
                out[len++] = (uint8_t)br_bits(&r, 8);
        } else if (type == 1) {
            for (;;) {
                int sym = fixed_symbol(&r);
                if (sym < 0 || sym > 285)
                    return (size_t)-1;
                if (sym == 256)
                    break;
                if (sym < 256) {
                    if (len == cap)
                        return (size_t)-1;
                    out[len++] = (uint8_t)sym;
                    continue;
                }
                int length = len_base[sym - 257] + br_bits(&r, len_extra[sym - 257]);
                int dcode = br_code(&r, 5);
                if (dcode < 0 || dcode > 29)
                    return (size_t)-1;
                int dextra = dcode < 4 ? 0 : dcode / 2 - 1;
                size_t dist = (size_t)(dist_base[dcode] + br_bits(&r, dextra));
                if (dist > len || len + (size_t)length > cap)
                    return (size_t)-1;
                for (int i = 0; i < length; i++, len++)
                    out[len] = out[len - dist];
            }
        } else {
            return (size_t)-1;
        }
    }
    uint32_t s1 = 1, s2 = 0;
    for (size_t i = 0; i < len; i++) {
        s1 = (s1 + out[i]) % 65521u;
        s2 = (s2 + s1) % 65521u;
    }
    return be32(z + n - 4) == (s2 << 16 | s1) ? len : (size_t)-1;
}

/* --- F0 against pyworld -------------------------------------------------- */

START_TEST(dio_matches_pyworld_on_ljspeech_clips)
{
    assert_matches_pyworld("LJ001-0002", false);
    assert_matches_pyworld("LJ001-0008", false);
}
END_TEST

START_TEST(dio_with_stonemask_matches_pyworld_on_ljspeech_clips)
{
    assert_matches_pyworld("LJ001-0002", true);
    assert_matches_pyworld("LJ001-0008", true);
}
END_TEST

START_TEST(stonemask_alone_refines_pyworld_dio_like_pyworld)
{
    vx_audio a = read_clip("LJ001-0008");
    vx_f0_cfg cfg = vx_f0_cfg_fastspeech2();
    int n, n_ref;
    float *dio = fixture_vector("LJ001-0008", "dio", &n);
    float *ref = fixture_vector("LJ001-0008", "stonemask", &n_ref);
    ck_assert_int_eq(n, n_ref);
    float *out = malloc(sizeof(float) * (size_t)n);
    ck_assert_int_eq(vx_f0_stonemask(&cfg, a.samples, a.frames, dio, n, out), VX_OK);
    for (int i = 0; i < n; i++)
        ck_assert_msg(fabs(out[i] - ref[i]) <= 1e-3 * fmax(ref[i], 1.0), "frame %d: %g vs %g", i,
                      out[i], ref[i]);
    free(out);
    free(dio);
    free(ref);
    vx_audio_free(&a);
}
END_TEST

/* --- F0 on synthetic signals -------------------------------------------- */

START_TEST(pure_tones_are_tracked_within_one_percent)
{
    static const double tones[] = {80.0, 110.0, 150.0, 220.0, 330.0, 440.0, 600.0, 750.0};
    int n = SR; /* 1 s */
    float *x = malloc(sizeof(float) * (size_t)n);
    for (size_t k = 0; k < sizeof tones / sizeof tones[0]; k++) {
        for (int i = 0; i < n; i++)
            x[i] = 0.5f * (float)sin(2.0 * M_PI * tones[k] * i / SR);
        char what[32];
        snprintf(what, sizeof what, "sine %.0f Hz", tones[k]);
        assert_tracks(x, n, constant_hz, (void *)&tones[k], what);
    }
    free(x);
}
END_TEST

START_TEST(harmonic_tones_are_tracked_at_their_fundamental)
{
    static const double tones[] = {90.0, 130.0, 210.0, 400.0};
    int n = SR;
    float *x = malloc(sizeof(float) * (size_t)n);
    for (size_t k = 0; k < sizeof tones / sizeof tones[0]; k++) {
        for (int i = 0; i < n; i++) {
            double s = 0.0;
            for (int h = 1; h <= 12 && h * tones[k] < SR / 2.0; h++)
                s += sin(2.0 * M_PI * h * tones[k] * i / SR + 0.7 * h * h) / h;
            x[i] = (float)(0.3 * s);
        }
        char what[40];
        snprintf(what, sizeof what, "harmonic %.0f Hz", tones[k]);
        assert_tracks(x, n, constant_hz, (void *)&tones[k], what);
    }
    free(x);
}
END_TEST

START_TEST(linear_and_exponential_chirps_are_tracked_within_one_percent)
{
    int n = SR * 3 / 2;
    float *x = malloc(sizeof(float) * (size_t)n);
    chirp chirps[] = {{100.0, 300.0, (double)n / SR, false}, {90.0, 360.0, (double)n / SR, true}};
    for (int c = 0; c < 2; c++) {
        for (int i = 0; i < n; i++)
            x[i] = 0.5f * (float)sin(2.0 * M_PI * chirp_cycles(&chirps[c], (double)i / SR));
        assert_tracks(x, n, chirp_hz, &chirps[c], c ? "exponential chirp" : "linear chirp");
    }
    free(x);
}
END_TEST

START_TEST(silence_and_white_noise_are_unvoiced)
{
    int n = SR;
    float *x = calloc((size_t)n, sizeof(float));
    vx_f0_cfg cfg = vx_f0_cfg_fastspeech2();
    int64_t frames = vx_f0_frames(&cfg, n);
    float *f0 = malloc(sizeof(float) * (size_t)frames);
    ck_assert_int_eq(vx_f0_estimate(&cfg, x, n, f0), VX_OK);
    for (int64_t i = 0; i < frames; i++)
        ck_assert_float_eq(f0[i], 0.0f);
    uint32_t state = 12345;
    for (int i = 0; i < n; i++) {
        state = state * 1664525u + 1013904223u; /* LCG: uniform noise in [-0.25, 0.25) */
        x[i] = ((float)(state >> 8) / 16777216.0f - 0.5f) * 0.5f;
    }
    ck_assert_int_eq(vx_f0_estimate(&cfg, x, n, f0), VX_OK);
    int voiced = 0;
    for (int64_t i = 0; i < frames; i++)
        voiced += f0[i] > 0;
    ck_assert_msg(voiced < 0.1 * frames, "white noise: %d of %lld frames voiced", voiced,
                  (long long)frames);
    free(x);
    free(f0);
}
END_TEST

START_TEST(stonemask_corrects_a_detuned_estimate)
{
    int n = SR;
    double f = 173.0;
    float *x = malloc(sizeof(float) * (size_t)n);
    for (int i = 0; i < n; i++)
        x[i] = (float)(0.4 * sin(2.0 * M_PI * f * i / SR) + 0.2 * sin(4.0 * M_PI * f * i / SR + 1.0));
    vx_f0_cfg cfg = vx_f0_cfg_fastspeech2();
    int64_t frames = vx_f0_frames(&cfg, n);
    float *guess = malloc(sizeof(float) * (size_t)frames), *out = malloc(sizeof(float) * (size_t)frames);
    for (int64_t i = 0; i < frames; i++)
        guess[i] = i % 7 == 3 ? 0.0f : (float)(f * 1.06); /* 6 % sharp, some frames unvoiced */
    ck_assert_int_eq(vx_f0_stonemask(&cfg, x, n, guess, frames, out), VX_OK);
    for (int64_t i = 2; i < frames - 2; i++) {
        if (guess[i] == 0.0f)
            ck_assert_float_eq(out[i], 0.0f);
        else
            ck_assert_msg(fabs(out[i] - f) < 0.01 * f, "frame %lld: %g Hz", (long long)i, out[i]);
    }
    free(x);
    free(guess);
    free(out);
}
END_TEST

START_TEST(frame_count_and_bad_arguments)
{
    vx_f0_cfg cfg = vx_f0_cfg_fastspeech2();
    ck_assert_int_eq(vx_f0_frames(&cfg, 41885), 164); /* pyworld: int(41885 / 256) + 1 */
    ck_assert_int_eq(vx_f0_frames(&cfg, 0), 1);
    float x[512] = {0}, f0[8];
    ck_assert_fails(vx_f0_estimate(&cfg, x, 0, f0) == VX_OK);
    ck_assert_fails(vx_f0_estimate(&cfg, NULL, 512, f0) == VX_OK);
    ck_assert_fails(vx_f0_estimate(NULL, x, 512, f0) == VX_OK);
    vx_f0_cfg bad = cfg;
    bad.hop = 0;
    ck_assert_fails(vx_f0_dio(&bad, x, 512, f0) == VX_OK);
    bad = cfg;
    bad.f0_ceil = bad.f0_floor;
    ck_assert_fails(vx_f0_dio(&bad, x, 512, f0) == VX_OK);
    bad = cfg;
    bad.f0_ceil = 12000.0; /* above Nyquist */
    ck_assert_fails(vx_f0_dio(&bad, x, 512, f0) == VX_OK);
    bad = cfg;
    bad.allowed_range = 0.0;
    ck_assert_fails(vx_f0_dio(&bad, x, 512, f0) == VX_OK);
    ck_assert_fails(vx_f0_stonemask(&cfg, x, 512, NULL, 3, f0) == VX_OK);
    /* Non-finite samples and absurdly low F0 input are refused, NaN F0 is unvoiced. */
    x[100] = NAN;
    ck_assert_fails(vx_f0_dio(&cfg, x, 512, f0) == VX_OK);
    ck_assert_int_eq(vx_last_status(), VX_ERR_NUMERIC);
    x[100] = 0.0f;
    const float too_low[3] = {150.0f, 5.0f, 150.0f}, not_a_number[3] = {NAN, 0.0f, -1.0f};
    ck_assert_fails(vx_f0_stonemask(&cfg, x, 512, too_low, 3, f0) == VX_OK);
    ck_assert_int_eq(vx_f0_stonemask(&cfg, x, 512, not_a_number, 3, f0), VX_OK);
    for (int i = 0; i < 3; i++)
        ck_assert_float_eq(f0[i], 0.0f);
    /* A signal shorter than every filter still gives an all-unvoiced contour. */
    ck_assert_int_eq(vx_f0_estimate(&cfg, x, 300, f0), VX_OK);
    ck_assert_float_eq(f0[0], 0.0f);
    ck_assert_float_eq(f0[1], 0.0f);
}
END_TEST

/* --- FastSpeech2 post-processing ----------------------------------------- */

START_TEST(interpolation_matches_fastspeech2_fixture)
{
    int n, n_interp;
    float *f0 = fixture_vector("LJ001-0002", "stonemask", &n);
    float *ref = fixture_vector("LJ001-0002", "interp", &n_interp);
    ck_assert_int_eq(n, n_interp);
    float *out = malloc(sizeof(float) * (size_t)n);
    vx_f0_interpolate(f0, n, out);
    for (int i = 0; i < n; i++)
        ck_assert_msg(fabs(out[i] - ref[i]) < 1e-3, "frame %d: %g vs %g", i, out[i], ref[i]);
    /* In place gives the same. */
    vx_f0_interpolate(f0, n, f0);
    for (int i = 0; i < n; i++)
        ck_assert_float_eq(f0[i], out[i]);
    free(f0);
    free(ref);
    free(out);
}
END_TEST

START_TEST(interpolation_holds_edges_and_leaves_all_unvoiced_at_zero)
{
    /* ref: numpy.interp(range(7), [1, 4], [100, 200]) */
    const float f0[7] = {0, 100, 0, 0, 200, 0, 0};
    const float want[7] = {100, 100, 133.333333f, 166.666667f, 200, 200, 200};
    float out[7];
    vx_f0_interpolate(f0, 7, out);
    for (int i = 0; i < 7; i++)
        ck_assert_close(out[i], want[i], 1e-3);
    const float none[3] = {0, 0, 0};
    vx_f0_interpolate(none, 3, out);
    for (int i = 0; i < 3; i++)
        ck_assert_float_eq(out[i], 0.0f);
}
END_TEST

START_TEST(phoneme_averages_match_fastspeech2_fixture)
{
    int n, n_dur, n_ref;
    float *f0 = fixture_vector("LJ001-0002", "stonemask", &n);
    float *dur_f = fixture_vector("LJ001-0002", "durations", &n_dur);
    float *ref = fixture_vector("LJ001-0002", "phoneme", &n_ref);
    ck_assert_int_eq(n_dur, n_ref);
    int32_t *dur = malloc(sizeof(int32_t) * (size_t)n_dur);
    for (int i = 0; i < n_dur; i++)
        dur[i] = (int32_t)dur_f[i];
    float *out = malloc(sizeof(float) * (size_t)n_dur);
    ck_assert_int_eq(vx_f0_phoneme_average(f0, n, dur, n_dur, out), VX_OK);
    for (int i = 0; i < n_dur; i++)
        ck_assert_msg(fabs(out[i] - ref[i]) < 1e-2, "phoneme %d: %g vs %g", i, out[i], ref[i]);
    /* Durations past the contour, or negative, are refused. */
    dur[0] = n;
    ck_assert_fails(vx_f0_phoneme_average(f0, n, dur, n_dur, out) == VX_OK);
    dur[0] = -1;
    ck_assert_fails(vx_f0_phoneme_average(f0, n, dur, n_dur, out) == VX_OK);
    ck_assert_fails(vx_f0_phoneme_average(f0, n, NULL, n_dur, out) == VX_OK);
    free(f0);
    free(dur_f);
    free(ref);
    free(dur);
    free(out);
}
END_TEST

START_TEST(log_f0_and_summary_statistics)
{
    const float f0[6] = {0, 100, 200, 0, 400, 150};
    float lf[6];
    vx_f0_log(f0, 6, -1.0f, lf);
    ck_assert_float_eq(lf[0], -1.0f);
    ck_assert_float_eq(lf[3], -1.0f);
    ck_assert_close(lf[1], 4.605170186, 1e-6); /* ref: math.log(100) */
    ck_assert_close(lf[4], 5.991464547, 1e-6); /* ref: math.log(400) */
    vx_f0_summary s;
    ck_assert_int_eq(vx_f0_summarize(f0, 6, &s), VX_OK);
    ck_assert_int_eq(s.voiced, 4);
    ck_assert_close(s.voiced_fraction, 4.0 / 6.0, 1e-12);
    ck_assert_close(s.median_hz, 175.0, 1e-9); /* ref: numpy.median([100, 200, 400, 150]) */
    ck_assert_close(s.mean_hz, 212.5, 1e-9);
    ck_assert_close(s.min_hz, 100.0, 0);
    ck_assert_close(s.max_hz, 400.0, 0);
    ck_assert_int_eq(vx_f0_summarize(f0, 1, &s), VX_OK); /* only the unvoiced frame */
    ck_assert_int_eq(s.voiced, 0);
    ck_assert_close(s.median_hz, 0.0, 0);
}
END_TEST

/* --- SVG ------------------------------------------------------------------- */

START_TEST(colormap_is_viridis_with_rising_lightness)
{
    /* ref: matplotlib.colormaps["viridis"](x) for x = 0, 0.5, 1, times 255 */
    uint8_t c[3];
    vx_svg_colormap(0.0, c);
    ck_assert_msg(c[0] == 68 && c[1] == 1 && c[2] == 84, "0: %d %d %d", c[0], c[1], c[2]);
    vx_svg_colormap(0.5, c);
    ck_assert_msg(c[0] == 33 && c[1] == 145 && c[2] == 140, "0.5: %d %d %d", c[0], c[1], c[2]);
    vx_svg_colormap(1.0, c);
    ck_assert_msg(c[0] == 253 && c[1] == 231 && c[2] == 37, "1: %d %d %d", c[0], c[1], c[2]);
    vx_svg_colormap(NAN, c);
    ck_assert_int_eq(c[0], 68);
    vx_svg_colormap(7.0, c);
    ck_assert_int_eq(c[0], 253);
    /* A perceptually ordered map: luma (Rec. 709 weights) rises monotonically. */
    double prev = -1.0;
    for (int i = 0; i <= 100; i++) {
        vx_svg_colormap(i / 100.0, c);
        double luma = 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
        ck_assert_msg(luma > prev, "luma falls at %d: %g after %g", i, luma, prev);
        prev = luma;
    }
}
END_TEST

START_TEST(figure_is_well_formed_svg_with_every_element)
{
    small_figure *s = malloc(sizeof *s);
    make_small_figure(s);
    size_t len = 0;
    char *svg = vx_svg_render(&s->fig, &len);
    ck_assert_msg(svg != NULL, "%s", vx_last_error());
    ck_assert_uint_eq(strlen(svg), len);
    const char *problem = xml_problem(svg);
    ck_assert_msg(problem == NULL, "not well-formed: %s", problem);
    ck_assert_ptr_nonnull(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    static const char *const expected[] = {
        "<title>test &lt;figure&gt; &amp; &quot;quotes&quot;</title>",
        "<g id=\"waveform\">", "<g id=\"spectrogram\">", "<g id=\"f0\"", "<g id=\"colorbar\">",
        "<linearGradient id=\"cmap\"", "<clipPath id=\"spec-clip\">",
        "xlink:href=\"data:image/png;base64,", ">Time (s)</text>", ">Amplitude</text>",
        ">Mel bin</text>", ">F0 (Hz)</text>", ">Magnitude (dB)</text>", "<g id=\"legend\">",
    };
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        ck_assert_msg(strstr(svg, expected[i]) != NULL, "missing %s", expected[i]);
    /* Two voiced runs, each drawn as a halo and a line. */
    ck_assert_int_eq(count_of(svg, "<polyline"), 4);
    /* Mel bins 0..10 and negative amplitudes with a real minus sign. */
    ck_assert_ptr_nonnull(strstr(svg, ">10</text>"));
    ck_assert_ptr_nonnull(strstr(svg, ">\xe2\x88\x92" "0.4</text>"));
    free(svg);
    free(s);
}
END_TEST

/* The heat map embedded in an SVG document, checked as a PNG (signature,
 * 8-bit RGB IHDR, chunk CRCs, zlib stream, row filters) and returned as
 * malloc'd RGB pixels [height, width, 3]. */
static uint8_t *decode_heat_map(const char *svg, uint32_t *width, uint32_t *height)
{
    const char *b64 = strstr(svg, "base64,");
    ck_assert_ptr_nonnull(b64);
    b64 += 7;
    size_t n64 = strcspn(b64, "\"");
    ck_assert_uint_eq(n64 % 4, 0);
    uint8_t *png = malloc(n64);
    size_t n = 0;
    for (size_t i = 0; i < n64; i += 4) {
        int v[4];
        for (int k = 0; k < 4; k++)
            v[k] = b64[i + k] == '=' ? 0 : b64_value(b64[i + k]);
        ck_assert_msg(v[0] >= 0 && v[1] >= 0 && v[2] >= 0 && v[3] >= 0, "bad base64 at %zu", i);
        uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        png[n++] = (uint8_t)(w >> 16);
        if (b64[i + 2] != '=')
            png[n++] = (uint8_t)(w >> 8);
        if (b64[i + 3] != '=')
            png[n++] = (uint8_t)w;
    }
    ck_assert_mem_eq(png, "\x89PNG\r\n\x1a\n", 8);
    ck_assert_mem_eq(png + 12, "IHDR", 4);
    *width = be32(png + 16);
    *height = be32(png + 20);
    ck_assert_uint_eq(png[24], 8); /* bit depth */
    ck_assert_uint_eq(png[25], 2); /* RGB       */
    /* Every chunk's CRC (ref: zlib.crc32 over type + data). */
    uint32_t table[256];
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    const uint8_t *idat = NULL;
    size_t idat_len = 0;
    for (size_t pos = 8; pos + 12 <= n;) {
        uint32_t len = be32(png + pos);
        uint32_t crc = 0xffffffffu;
        for (size_t i = pos + 4; i < pos + 8 + len; i++)
            crc = table[(crc ^ png[i]) & 0xff] ^ (crc >> 8);
        ck_assert_uint_eq(crc ^ 0xffffffffu, be32(png + pos + 8 + len));
        if (memcmp(png + pos + 4, "IDAT", 4) == 0) {
            idat = png + pos + 8;
            idat_len = len;
        }
        pos += 12 + len;
    }
    ck_assert_ptr_nonnull(idat);
    size_t row = 1 + 3 * (size_t)*width;
    uint8_t *raw = malloc(row * *height);
    ck_assert_uint_eq(inflate_zlib(idat, idat_len, raw, row * *height), row * *height);
    free(png);
    /* Undo the row filters (None and Up are the ones a replicated image needs). */
    uint8_t *rgb = malloc(3 * (size_t)*width * *height);
    for (uint32_t y = 0; y < *height; y++) {
        uint8_t *line = raw + y * row;
        ck_assert_msg(line[0] == 0 || (line[0] == 2 && y > 0), "row %u: filter %u", y, line[0]);
        if (line[0] == 2)
            for (size_t i = 1; i < row; i++)
                line[i] = (uint8_t)(line[i] + line[i - row]);
        memcpy(rgb + (size_t)y * 3 * *width, line + 1, row - 1);
    }
    free(raw);
    return rgb;
}

START_TEST(embedded_heat_map_is_a_valid_png_of_the_spectrogram)
{
    small_figure *s = malloc(sizeof *s);
    make_small_figure(s);
    char *svg = vx_svg_render(&s->fig, NULL);
    ck_assert_ptr_nonnull(svg);
    uint32_t width, height;
    uint8_t *rgb = decode_heat_map(svg, &width, &height);
    /* Each of the 60 x 10 cells is an sx x sy block of one colour. */
    ck_assert_msg(width % 60 == 0 && height % 10 == 0, "%u x %u", width, height);
    uint32_t sx = width / 60, sy = height / 10;
    ck_assert_uint_ge(sx, 1);
    ck_assert_uint_ge(sy, 1);
    /* The top cells show the highest mel bin; colours span [max - 80 dB, max]
     * (the ramp covers 99.9 dB, so its low end saturates). */
    double hi = s->mel[599] * 20.0 / M_LN10;
    for (uint32_t y = 0; y < height; y++) {
        int bin = 9 - (int)(y / sy);
        for (uint32_t x = 0; x < width; x++) {
            double db = s->mel[(x / sx) * 10 + bin] * 20.0 / M_LN10;
            uint8_t want[3];
            vx_svg_colormap((db - (hi - 80.0)) / 80.0, want);
            ck_assert_msg(memcmp(rgb + 3 * ((size_t)y * width + x), want, 3) == 0,
                          "pixel (%u, %u)", x, y);
        }
    }
    free(rgb);
    free(svg);
    free(s);
}
END_TEST

START_TEST(long_spectrograms_are_averaged_and_silence_is_dark)
{
    enum { FRAMES = 5000, MELS = 4 };
    float *mel = malloc(sizeof(float) * FRAMES * MELS);
    for (int i = 0; i < FRAMES * MELS; i++)
        mel[i] = -11.512925f; /* ln(1e-5): the HiFi-GAN floor, i.e. silence */
    vx_svg_figure fig = {.mel = mel, .mel_frames = FRAMES, .n_mels = MELS, .mel_hop_s = 0.01};
    char *svg = vx_svg_render(&fig, NULL);
    ck_assert_msg(svg != NULL, "%s", vx_last_error());
    ck_assert_ptr_null(xml_problem(svg));
    uint32_t width, height;
    uint8_t *rgb = decode_heat_map(svg, &width, &height);
    /* At most 2048 columns: groups of ceil(5000 / 2048) = 3 frames -> 1667 columns. */
    ck_assert_uint_eq(width % 1667, 0);
    ck_assert_uint_eq(height % MELS, 0);
    uint8_t low[3];
    vx_svg_colormap(0.0, low);
    for (size_t i = 0; i < (size_t)width * height; i++)
        ck_assert_mem_eq(rgb + 3 * i, low, 3);
    free(rgb);
    free(svg);
    free(mel);
}
END_TEST

START_TEST(waveform_only_and_spectrogram_only_figures)
{
    small_figure *s = malloc(sizeof *s);
    make_small_figure(s);
    vx_svg_figure wave = {.wave = s->wave, .wave_len = 6000, .sample_rate = 8000};
    char *svg = vx_svg_render(&wave, NULL);
    ck_assert_ptr_nonnull(svg);
    ck_assert_ptr_null(xml_problem(svg));
    ck_assert_ptr_nonnull(strstr(svg, ">Time (s)</text>"));
    ck_assert_ptr_null(strstr(svg, "<image"));
    ck_assert_ptr_null(strstr(svg, "<title>"));
    free(svg);
    vx_svg_figure spec = s->fig;
    spec.wave = NULL;
    spec.f0 = NULL;
    svg = vx_svg_render(&spec, NULL);
    ck_assert_ptr_nonnull(svg);
    ck_assert_ptr_null(xml_problem(svg));
    ck_assert_ptr_nonnull(strstr(svg, "<image"));
    ck_assert_ptr_null(strstr(svg, "<polyline"));
    ck_assert_ptr_null(strstr(svg, ">F0 (Hz)</text>"));
    free(svg);
    free(s);
}
END_TEST

START_TEST(inconsistent_figures_are_refused)
{
    small_figure *s = malloc(sizeof *s);
    make_small_figure(s);
    vx_svg_figure f = {.title = "empty"};
    ck_assert_fails(vx_svg_render(&f, NULL) != NULL);
    ck_assert_fails(vx_svg_render(NULL, NULL) != NULL);
    f = s->fig;
    f.mel = NULL; /* F0 needs the spectrogram */
    ck_assert_fails(vx_svg_render(&f, NULL) != NULL);
    f = s->fig;
    f.mel_hop_s = 0.0;
    ck_assert_fails(vx_svg_render(&f, NULL) != NULL);
    f = s->fig;
    f.sample_rate = 0;
    ck_assert_fails(vx_svg_render(&f, NULL) != NULL);
    f = s->fig;
    f.f0_frames = 0;
    ck_assert_fails(vx_svg_render(&f, NULL) != NULL);
    free(s);
}
END_TEST

START_TEST(svg_write_is_atomic_and_reports_bad_paths)
{
    small_figure *s = malloc(sizeof *s);
    make_small_figure(s);
    char *dir = make_dir("pitch-svg");
    char path[512];
    snprintf(path, sizeof path, "%s/fig.svg", dir);
    write_file(path, "old");
    ck_assert_int_eq(vx_svg_write(path, &s->fig), VX_OK);
    char *text = read_file(path, NULL);
    char *want = vx_svg_render(&s->fig, NULL);
    ck_assert_str_eq(text, want);
    /* Only fig.svg is left in the directory (no temporary file). */
    ck_assert_int_eq(count_files(dir), 1);
    /* A missing directory fails with a message, and nothing is created. */
    char bad[600];
    snprintf(bad, sizeof bad, "%s/no/such/dir/fig.svg", dir);
    ck_assert_fails(vx_svg_write(bad, &s->fig) == VX_OK);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "no/such/dir"));
    ck_assert_fails(vx_svg_write("", &s->fig) == VX_OK);
    /* A bad figure leaves the existing file alone. */
    vx_svg_figure empty = {0};
    ck_assert_fails(vx_svg_write(path, &empty) == VX_OK);
    char *again = read_file(path, NULL);
    ck_assert_str_eq(again, want);
    remove_dir(dir);
    free(again);
    free(text);
    free(want);
    free(s);
}
END_TEST

/* --- voxc-features ------------------------------------------------------- */

START_TEST(features_tool_writes_json_safetensors_and_svg)
{
    char *dir = make_dir("pitch-svg");
    char st_path[600], svg_path[600];
    snprintf(st_path, sizeof st_path, "%s/f.safetensors", dir);
    snprintf(svg_path, sizeof svg_path, "%s/f.svg", dir);
    const char *args[] = {WAV_DIR "/LJ001-0002.wav", "--json", "--out", st_path, "--svg", svg_path, NULL};
    char *json_text, *err_text;
    int rc = run_tool("features", args, NULL, &json_text, NULL, &err_text);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err_text);
    free(err_text);

    /* JSON: T = 41885 / 256 = 163 frames; F0 statistics of the fixture's first T frames. */
    vx_json *j = vx_json_parse(json_text, strlen(json_text), "voxc-features --json");
    ck_assert_msg(j != NULL, "%s", vx_last_error());
    ck_assert_int_eq((int)vx_json_get_number(j, "frames", 0), 163);
    ck_assert_int_eq((int)vx_json_get_number(j, "samples", 0), 41885);
    ck_assert_close(vx_json_get_number(j, "duration_s", 0), 41885.0 / SR, 1e-5);
    int n;
    float *ref = fixture_vector("LJ001-0002", "stonemask", &n);
    vx_f0_summary want;
    ck_assert_int_eq(vx_f0_summarize(ref, 163, &want), VX_OK);
    const vx_json *f0 = vx_json_get(j, "f0");
    ck_assert_ptr_nonnull(f0);
    ck_assert_close(vx_json_get_number(f0, "voiced_fraction", -1), want.voiced_fraction, 1e-5);
    ck_assert_close(vx_json_get_number(f0, "median_hz", -1), want.median_hz, 0.05);
    ck_assert_close(vx_json_get_number(f0, "min_hz", -1), want.min_hz, 0.05);
    ck_assert_close(vx_json_get_number(f0, "max_hz", -1), want.max_hz, 0.05);
    const vx_json *energy = vx_json_get(j, "energy");
    ck_assert_ptr_nonnull(energy);
    ck_assert(vx_json_get_number(energy, "max", -1) > vx_json_get_number(energy, "mean", 1e9));

    /* safetensors: mel [T, 80], f0 / vuv / energy [T]; f0 equals pyworld's. */
    vx_st_file *st = vx_st_open(st_path);
    ck_assert_msg(st != NULL, "%s", vx_last_error());
    const vx_st_entry *mel = vx_st_find(st, "mel"), *f0e = vx_st_find(st, "f0");
    ck_assert_ptr_nonnull(mel);
    ck_assert_ptr_nonnull(f0e);
    ck_assert_ptr_nonnull(vx_st_find(st, "vuv"));
    ck_assert_ptr_nonnull(vx_st_find(st, "energy"));
    ck_assert_int_eq(mel->ndim, 2);
    ck_assert_int_eq(mel->shape[0], 163);
    ck_assert_int_eq(mel->shape[1], 80);
    ck_assert_int_eq(f0e->shape[0], 163);
    for (int t = 0; t < 163; t++) {
        float v;
        memcpy(&v, (const char *)f0e->data + 4 * t, 4);
        ck_assert_msg(fabs(v - ref[t]) <= 1e-3 * fmax(ref[t], 1.0f), "f0[%d] %g vs %g", t, v, ref[t]);
    }
    ck_assert_str_eq(vx_st_metadata(st, "hop"), "256");
    vx_st_close(st);

    char *svg = read_file(svg_path, NULL);
    ck_assert_ptr_null(xml_problem(svg));
    ck_assert_ptr_nonnull(strstr(svg, "<title>LJ001-0002.wav</title>"));
    ck_assert_ptr_nonnull(strstr(svg, "<g id=\"f0\""));
    free(svg);

    free(ref);
    vx_json_free(j);
    free(json_text);
    remove_dir(dir);
}
END_TEST

START_TEST(features_tool_reports_bad_input_and_usage)
{
    char *out, *err;
    const char *missing[] = {"no-such-file.wav", "--json", NULL};
    ck_assert_int_eq(run_tool("features", missing, NULL, &out, NULL, &err), 1);
    ck_assert_msg(strstr(err, "no-such-file.wav") != NULL, "stderr: %s", err);
    free(out);
    free(err);

    const char *unknown[] = {WAV_DIR "/LJ001-0002.wav", "--bogus", NULL};
    ck_assert_int_eq(run_tool("features", unknown, NULL, &out, NULL, &err), 2);
    ck_assert_ptr_nonnull(strstr(err, "--bogus"));
    free(out);
    free(err);

    const char *no_value[] = {WAV_DIR "/LJ001-0002.wav", "--svg", NULL};
    ck_assert_int_eq(run_tool("features", no_value, NULL, &out, NULL, &err), 2);
    free(out);
    free(err);
    const char *no_input[] = {NULL};
    ck_assert_int_eq(run_tool("features", no_input, NULL, &out, NULL, &err), 2);
    free(out);
    free(err);

    const char *help[] = {"--help", NULL};
    ck_assert_int_eq(run_tool("features", help, NULL, &out, NULL, &err), 0);
    ck_assert_ptr_nonnull(strstr(out, "usage: voxc-features"));
    free(out);
    free(err);
}
END_TEST

Suite *suite_pitch_svg(void)
{
    Suite *s = suite_create("pitch_svg");
    TCase *pitch = tcase_create("pitch");
    tcase_add_test(pitch, dio_matches_pyworld_on_ljspeech_clips);
    tcase_add_test(pitch, dio_with_stonemask_matches_pyworld_on_ljspeech_clips);
    tcase_add_test(pitch, stonemask_alone_refines_pyworld_dio_like_pyworld);
    tcase_add_test(pitch, pure_tones_are_tracked_within_one_percent);
    tcase_add_test(pitch, harmonic_tones_are_tracked_at_their_fundamental);
    tcase_add_test(pitch, linear_and_exponential_chirps_are_tracked_within_one_percent);
    tcase_add_test(pitch, silence_and_white_noise_are_unvoiced);
    tcase_add_test(pitch, stonemask_corrects_a_detuned_estimate);
    tcase_add_test(pitch, frame_count_and_bad_arguments);
    tcase_add_test(pitch, interpolation_matches_fastspeech2_fixture);
    tcase_add_test(pitch, interpolation_holds_edges_and_leaves_all_unvoiced_at_zero);
    tcase_add_test(pitch, phoneme_averages_match_fastspeech2_fixture);
    tcase_add_test(pitch, log_f0_and_summary_statistics);
    suite_add_tcase(s, pitch);
    TCase *svg = tcase_create("svg");
    tcase_add_test(svg, colormap_is_viridis_with_rising_lightness);
    tcase_add_test(svg, figure_is_well_formed_svg_with_every_element);
    tcase_add_test(svg, embedded_heat_map_is_a_valid_png_of_the_spectrogram);
    tcase_add_test(svg, long_spectrograms_are_averaged_and_silence_is_dark);
    tcase_add_test(svg, waveform_only_and_spectrogram_only_figures);
    tcase_add_test(svg, inconsistent_figures_are_refused);
    tcase_add_test(svg, svg_write_is_atomic_and_reports_bad_paths);
    suite_add_tcase(s, svg);
    TCase *tool = tcase_create("features_tool");
    tcase_add_test(tool, features_tool_writes_json_safetensors_and_svg);
    tcase_add_test(tool, features_tool_reports_bad_input_and_usage);
    suite_add_tcase(s, tool);
    return s;
}
