/* test_audio.c — audio I/O, FFT, STFT, resampling, mel features, energy and
 * Griffin-Lim. Reference values come from tests/ref/mel_fixture.py (librosa,
 * written to tests/data/mel/), from a naive double-precision DFT, or from
 * analytic signals (tones whose amplitude is known). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio/energy.h"
#include "audio/fft.h"
#include "audio/griffinlim.h"
#include "audio/mel.h"
#include "audio/resample.h"
#include "audio/stft.h"
#include "audio/wav.h"
#include "core/json.h"
#include "test_files.h"
#include "test_util.h"

#define CLIP_A "data/ljspeech-mini/wavs/LJ001-0002.wav"
#define CLIP_B "data/ljspeech-mini/wavs/LJ001-0008.wav"
#define FIXTURE_DIR "tests/data/mel/"

/* --- helpers ----------------------------------------------------------------- */

static vx_json *load_fixture_json(void)
{
    size_t len;
    char *text = read_file(FIXTURE_DIR "fixture.json", &len);
    vx_json *j = vx_json_parse(text, len, "tests/data/mel/fixture.json");
    free(text);
    ck_assert_msg(j != NULL, "%s", vx_last_error());
    return j;
}

/* A float32 array of the librosa fixture; shape[0..1] set (1 for missing dims). */
static float *load_array(const char *name, int64_t shape[3])
{
    vx_json *j = load_fixture_json();
    const vx_json *a = vx_json_get(vx_json_get(j, "arrays"), name);
    ck_assert_msg(a != NULL, "fixture has no array %s", name);
    const vx_json *dims = vx_json_get(a, "shape");
    int64_t count = 1;
    for (int i = 0; i < 3; i++) {
        shape[i] = i < (int)dims->count ? dims->items[i]->integer : 1;
        count *= shape[i];
    }
    char path[256];
    snprintf(path, sizeof path, FIXTURE_DIR "%s", vx_json_get_string(a, "file", ""));
    vx_json_free(j);
    size_t len;
    char *bytes = read_file(path, &len);
    ck_assert_int_eq(len, (size_t)count * sizeof(float));
    float *v = malloc(len);
    memcpy(v, bytes, len); /* the fixture is little-endian float32, as this host */
    free(bytes);
    return v;
}

static double fixture_stat(const char *key)
{
    vx_json *j = load_fixture_json();
    double v = vx_json_get_number(vx_json_get(j, "energy_stats"), key, NAN);
    vx_json_free(j);
    return v;
}

static double max_abs_diff(const float *a, const float *b, int64_t n)
{
    double m = 0;
    for (int64_t i = 0; i < n; i++)
        m = fmax(m, fabs((double)a[i] - b[i]));
    return m;
}

static float *tone(int64_t n, double freq, int rate, double amp)
{
    float *x = malloc((size_t)n * sizeof(float));
    for (int64_t i = 0; i < n; i++)
        x[i] = (float)(amp * sin(2 * M_PI * freq * (double)i / rate));
    return x;
}

static float *noise(int64_t n, uint64_t seed)
{
    float *x = malloc((size_t)n * sizeof(float));
    vx_rng r;
    vx_rng_init(&r, seed);
    vx_rng_uniform(&r, x, (size_t)n, -0.5f, 0.5f);
    return x;
}

static vx_audio read_clip(const char *path)
{
    vx_audio a;
    ck_assert_msg(vx_audio_read(path, false, &a) == VX_OK, "%s", vx_last_error());
    return a;
}

/* --- WAV / FLAC / OGG -------------------------------------------------------- */

/* Writes a stereo tone with `subtype`, reads it back and checks every sample. */
static void round_trip(const char *ext, vx_audio_subtype subtype, int rate, double tol)
{
    char *dir = make_dir("audio");
    char path[128];
    snprintf(path, sizeof path, "%s/x.%s", dir, ext);
    int64_t frames = 1000;
    float *x = malloc(2 * (size_t)frames * sizeof(float));
    for (int64_t t = 0; t < frames; t++) {
        x[2 * t] = (float)(0.9 * sin(0.05 * t));
        x[2 * t + 1] = (float)(-0.3 * cos(0.011 * t));
    }
    ck_assert_msg(vx_audio_write(path, x, frames, 2, rate, subtype) == VX_OK, "%s", vx_last_error());
    vx_audio a = read_clip(path);
    ck_assert_int_eq(a.sample_rate, rate);
    ck_assert_int_eq(a.channels, 2);
    ck_assert_int_eq(a.frames, frames);
    ck_assert_msg(max_abs_diff(a.samples, x, 2 * frames) <= tol, "%s subtype %d at %d Hz: diff %g", ext,
                  (int)subtype, rate, max_abs_diff(a.samples, x, 2 * frames));
    vx_audio_free(&a);
    free(x);
    remove_dir(dir);
}

static const int rates[] = {8000, 16000, 22050, 24000, 44100, 48000};

START_TEST(wav_pcm16_round_trip_at_every_rate)
{
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++)
        round_trip("wav", VX_AUDIO_PCM16, rates[i], 2.0 / 32768);
}
END_TEST

START_TEST(wav_pcm24_round_trip_at_every_rate)
{
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++)
        round_trip("wav", VX_AUDIO_PCM24, rates[i], 2.0 / 8388608);
}
END_TEST

START_TEST(wav_float_round_trip_is_exact)
{
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++)
        round_trip("wav", VX_AUDIO_FLOAT, rates[i], 0);
}
END_TEST

START_TEST(flac_round_trip_pcm16_and_pcm24)
{
    round_trip("flac", VX_AUDIO_PCM16, 22050, 2.0 / 32768);
    round_trip("flac", VX_AUDIO_PCM24, 48000, 2.0 / 8388608);
}
END_TEST

START_TEST(ogg_vorbis_keeps_a_tone_within_lossy_error)
{
    char *dir = make_dir("audio");
    char path[128];
    snprintf(path, sizeof path, "%s/tone.ogg", dir);
    int64_t n = 22050;
    float *x = tone(n, 440, 22050, 0.5);
    ck_assert_msg(vx_audio_write(path, x, n, 1, 22050, VX_AUDIO_PCM16) == VX_OK, "%s", vx_last_error());
    vx_audio a = read_clip(path);
    ck_assert_int_eq(a.sample_rate, 22050);
    ck_assert_int_eq(a.channels, 1);
    ck_assert_int_eq(a.frames, n);
    double err = 0, ref = 0;
    for (int64_t i = 1000; i < n - 1000; i++) {
        err += pow(a.samples[i] - x[i], 2);
        ref += pow(x[i], 2);
    }
    ck_assert_msg(10 * log10(ref / err) > 20, "vorbis SNR %.1f dB", 10 * log10(ref / err));
    vx_audio_free(&a);
    free(x);
    remove_dir(dir);
}
END_TEST

START_TEST(read_mixdown_averages_the_channels)
{
    char *dir = make_dir("audio");
    char path[128];
    snprintf(path, sizeof path, "%s/st.wav", dir);
    float x[] = {0.5f, -0.25f, 0.125f, 0.375f, -1.0f, 0.0f};
    ck_assert_int_eq(vx_audio_write(path, x, 2, 3, 16000, VX_AUDIO_FLOAT), VX_OK);
    vx_audio a;
    ck_assert_int_eq(vx_audio_read(path, true, &a), VX_OK);
    ck_assert_int_eq(a.channels, 1);
    ck_assert_int_eq(a.frames, 2);
    ck_assert_float_eq_tol(a.samples[0], (0.5f - 0.25f + 0.125f) / 3, 1e-7);
    ck_assert_float_eq_tol(a.samples[1], (0.375f - 1.0f + 0.0f) / 3, 1e-7);
    vx_audio_free(&a);
    remove_dir(dir);
}
END_TEST

START_TEST(read_ljspeech_clip_as_22050_hz_mono)
{
    vx_audio a = read_clip(CLIP_A);
    ck_assert_int_eq(a.sample_rate, 22050);
    ck_assert_int_eq(a.channels, 1);
    vx_json *j = load_fixture_json();
    double samples = vx_json_get_number(vx_json_get(vx_json_get(j, "arrays"), "logmel_LJ001-0002"), "samples", -1);
    vx_json_free(j);
    ck_assert_int_eq(a.frames, (int64_t)samples);
    vx_audio_free(&a);
}
END_TEST

START_TEST(read_mono_resamples_to_the_requested_rate)
{
    vx_audio a;
    ck_assert_msg(vx_audio_read_mono(CLIP_A, 16000, &a) == VX_OK, "%s", vx_last_error());
    vx_audio orig = read_clip(CLIP_A);
    ck_assert_int_eq(a.sample_rate, 16000);
    ck_assert_int_eq(a.channels, 1);
    ck_assert_int_eq(a.frames, (orig.frames * 16000 + 22049) / 22050);
    vx_audio_free(&a);
    vx_audio_free(&orig);
}
END_TEST

START_TEST(read_missing_file_fails_with_io_error)
{
    vx_audio a;
    ck_assert_fails(vx_audio_read("tests/data/no-such-file.wav", false, &a) == VX_OK);
    ck_assert_int_eq(vx_last_status(), VX_ERR_IO);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "no-such-file.wav"));
    ck_assert_ptr_null(a.samples);
    ck_assert_fails(vx_audio_read("tests/data", false, &a) == VX_OK);
}
END_TEST

START_TEST(read_non_audio_file_fails_with_format_error)
{
    vx_audio a;
    ck_assert_fails(vx_audio_read(FIXTURE_DIR "fixture.json", false, &a) == VX_OK);
    ck_assert_int_eq(vx_last_status(), VX_ERR_FORMAT);
    /* a WAV header cut short */
    char *dir = make_dir("audio");
    char path[128];
    snprintf(path, sizeof path, "%s/cut.wav", dir);
    FILE *f = fopen(path, "wb");
    fwrite("RIFF\x24\x00\x00\x00WAVEfmt ", 1, 16, f);
    fclose(f);
    ck_assert_fails(vx_audio_read(path, false, &a) == VX_OK);
    ck_assert_int_eq(vx_last_status(), VX_ERR_FORMAT);
    remove_dir(dir);
}
END_TEST

START_TEST(write_rejects_unknown_containers_and_bad_arguments)
{
    char *dir = make_dir("audio");
    char path[128];
    float x[4] = {0};
    snprintf(path, sizeof path, "%s/x.mp4", dir);
    ck_assert_fails(vx_audio_write(path, x, 4, 1, 16000, VX_AUDIO_PCM16) == VX_OK);
    snprintf(path, sizeof path, "%s/x.flac", dir);
    ck_assert_fails(vx_audio_write(path, x, 4, 1, 16000, VX_AUDIO_FLOAT) == VX_OK);
    ck_assert_int_eq(vx_last_status(), VX_ERR_UNSUPPORTED);
    snprintf(path, sizeof path, "%s/x.wav", dir);
    ck_assert_fails(vx_audio_write(path, x, 4, 0, 16000, VX_AUDIO_PCM16) == VX_OK);
    ck_assert_fails(vx_audio_write(path, x, 4, 1, 0, VX_AUDIO_PCM16) == VX_OK);
    ck_assert_fails(vx_audio_write("/nonexistent-dir/x.wav", x, 4, 1, 16000, VX_AUDIO_PCM16) == VX_OK);
    ck_assert_int_eq(vx_last_status(), VX_ERR_IO);
    ck_assert_int_eq(count_files(dir), 0);
    remove_dir(dir);
}
END_TEST

START_TEST(write_replaces_atomically_and_leaves_no_temp_file)
{
    char *dir = make_dir("audio");
    char path[128];
    snprintf(path, sizeof path, "%s/out.wav", dir);
    float a[3] = {0.25f, 0.5f, 0.75f}, b[2] = {-0.5f, 0.5f};
    ck_assert_int_eq(vx_audio_write(path, a, 3, 1, 8000, VX_AUDIO_FLOAT), VX_OK);
    ck_assert_int_eq(vx_audio_write(path, b, 2, 1, 8000, VX_AUDIO_FLOAT), VX_OK);
    ck_assert_int_eq(count_files(dir), 1);
    vx_audio r = read_clip(path);
    ck_assert_int_eq(r.frames, 2);
    ck_assert_float_eq(r.samples[0], -0.5f);
    vx_audio_free(&r);
    remove_dir(dir);
}
END_TEST

START_TEST(write_clips_integer_samples_outside_unit_range)
{
    char *dir = make_dir("audio");
    char path[128];
    snprintf(path, sizeof path, "%s/clip.wav", dir);
    float x[2] = {1.5f, -3.0f};
    ck_assert_int_eq(vx_audio_write(path, x, 2, 1, 8000, VX_AUDIO_PCM16), VX_OK);
    vx_audio r = read_clip(path);
    ck_assert_float_eq_tol(r.samples[0], 1.0, 1e-4);
    ck_assert_float_eq_tol(r.samples[1], -1.0, 1e-4);
    vx_audio_free(&r);
    remove_dir(dir);
}
END_TEST

/* --- FFT ------------------------------------------------------------------------- */

/* Naive DFT in double: X[k] = sum_j x[j] e^{-2 pi i j k / n}. */
static void naive_dft(const double *x, int n, double *out)
{
    for (int k = 0; k < n; k++) {
        double re = 0, im = 0;
        for (int j = 0; j < n; j++) {
            double a = -2 * M_PI * (double)((int64_t)j * k % n) / n;
            re += x[2 * j] * cos(a) - x[2 * j + 1] * sin(a);
            im += x[2 * j] * sin(a) + x[2 * j + 1] * cos(a);
        }
        out[2 * k] = re;
        out[2 * k + 1] = im;
    }
}

static double *random_complex(int n, uint64_t seed)
{
    float *f = noise(2 * (int64_t)n, seed);
    double *x = malloc(2 * (size_t)n * sizeof(double));
    for (int i = 0; i < 2 * n; i++)
        x[i] = f[i];
    free(f);
    return x;
}

/* Forward FFT against the naive DFT, then inverse back to the input. */
static void check_fft_size(int n)
{
    double *x = random_complex(n, 100 + n);
    double *ref = malloc(2 * (size_t)n * sizeof(double)), *y = malloc(2 * (size_t)n * sizeof(double));
    naive_dft(x, n, ref);
    memcpy(y, x, 2 * (size_t)n * sizeof(double));
    vx_fft *p = vx_fft_new(n);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(vx_fft_size(p), n);
    vx_fft_forward(p, y);
    double err = 0, inv = 0;
    for (int i = 0; i < 2 * n; i++)
        err = fmax(err, fabs(y[i] - ref[i]));
    vx_fft_inverse(p, y);
    for (int i = 0; i < 2 * n; i++)
        inv = fmax(inv, fabs(y[i] - x[i]));
    ck_assert_msg(err <= 1e-12 * n + 1e-13, "fft size %d: max error %g vs naive DFT", n, err);
    ck_assert_msg(inv <= 1e-13 * n + 1e-14, "fft size %d: round trip error %g", n, inv);
    vx_fft_free(p);
    free(x);
    free(ref);
    free(y);
}

START_TEST(fft_matches_naive_dft_for_sizes_1_to_64)
{
    for (int n = 1; n <= 64; n++)
        check_fft_size(n);
}
END_TEST

START_TEST(fft_matches_naive_dft_for_100_1000_1023_1024)
{
    int sizes[] = {100, 1000, 1023, 1024};
    for (size_t i = 0; i < 4; i++)
        check_fft_size(sizes[i]);
}
END_TEST

/* Real FFT against the naive DFT of the same real input, then back. */
static void check_rfft_size(int n)
{
    double *c = random_complex(n, 300 + n);
    double *x = malloc((size_t)n * sizeof(double)), *xc = calloc(2 * (size_t)n, sizeof(double));
    for (int i = 0; i < n; i++)
        x[i] = xc[2 * i] = c[2 * i];
    double *ref = malloc(2 * (size_t)n * sizeof(double));
    double *out = malloc(2 * (size_t)(n / 2 + 1) * sizeof(double)), *back = malloc((size_t)n * sizeof(double));
    naive_dft(xc, n, ref);
    vx_rfft *p = vx_rfft_new(n);
    ck_assert_ptr_nonnull(p);
    vx_rfft_forward(p, x, out);
    double err = 0, inv = 0;
    for (int i = 0; i < 2 * (n / 2 + 1); i++)
        err = fmax(err, fabs(out[i] - ref[i]));
    vx_rfft_inverse(p, out, back);
    for (int i = 0; i < n; i++)
        inv = fmax(inv, fabs(back[i] - x[i]));
    ck_assert_msg(err <= 1e-12 * n + 1e-13, "rfft size %d: max error %g vs naive DFT", n, err);
    ck_assert_msg(inv <= 1e-13 * n + 1e-14, "rfft size %d: round trip error %g", n, inv);
    vx_rfft_free(p);
    free(c);
    free(x);
    free(xc);
    free(ref);
    free(out);
    free(back);
}

START_TEST(rfft_matches_naive_dft_for_even_and_odd_sizes)
{
    for (int n = 1; n <= 64; n++)
        check_rfft_size(n);
    int sizes[] = {100, 1000, 1023, 1024};
    for (size_t i = 0; i < 4; i++)
        check_rfft_size(sizes[i]);
}
END_TEST

START_TEST(rfft_inverse_ignores_imaginary_parts_of_dc_and_nyquist)
{
    int n = 16;
    double spec[2 * 9] = {0}, spec2[2 * 9], a[16], b[16];
    for (int i = 0; i < 18; i++)
        spec[i] = sin(1.0 + i);
    memcpy(spec2, spec, sizeof spec);
    spec2[1] += 5;  /* Im X[0]   */
    spec2[17] -= 3; /* Im X[n/2] */
    vx_rfft *p = vx_rfft_new(n);
    vx_rfft_inverse(p, spec, a);
    vx_rfft_inverse(p, spec2, b);
    for (int i = 0; i < n; i++)
        ck_assert_double_eq_tol(a[i], b[i], 1e-14);
    vx_rfft_free(p);
}
END_TEST

START_TEST(fft_rejects_non_positive_sizes)
{
    ck_assert_fails(vx_fft_new(0) != NULL);
    ck_assert_fails(vx_rfft_new(-4) != NULL);
}
END_TEST

/* --- STFT ------------------------------------------------------------------------ */

START_TEST(hann_window_is_periodic_like_torch)
{
    vx_stft_cfg cfg = {.n_fft = 8, .win_length = 8, .hop = 2};
    vx_stft *p = vx_stft_new(&cfg);
    const float *w = vx_stft_window(p);
    /* torch.hann_window(8) = 0.5 - 0.5 cos(2 pi n / 8) */
    for (int i = 0; i < 8; i++)
        ck_assert_float_eq_tol(w[i], 0.5 - 0.5 * cos(2 * M_PI * i / 8), 1e-7);
    ck_assert_float_eq(w[0], 0.0f);
    ck_assert_float_eq(w[4], 1.0f);
    vx_stft_free(p);
    /* a shorter window sits in the middle of the frame: (n_fft - win) / 2 zeros first */
    cfg = (vx_stft_cfg){.n_fft = 8, .win_length = 4, .hop = 2};
    p = vx_stft_new(&cfg);
    w = vx_stft_window(p);
    ck_assert_float_eq(w[1], 0.0f);
    ck_assert_float_eq(w[2], 0.0f);
    ck_assert_float_eq_tol(w[3], 0.5, 1e-7);
    ck_assert_float_eq_tol(w[4], 1.0, 1e-7);
    ck_assert_float_eq(w[6], 0.0f);
    vx_stft_free(p);
}
END_TEST

START_TEST(stft_matches_librosa_with_short_window_and_zero_centre_padding)
{
    int64_t shape[3];
    float *ref = load_array("stft_zero_center", shape); /* [frames, 257, 2] */
    vx_audio a = read_clip(CLIP_A);
    vx_stft_cfg cfg = {.n_fft = 512, .win_length = 400, .hop = 160, .pad = 256, .pad_mode = VX_PAD_CONSTANT};
    vx_stft *p = vx_stft_new(&cfg);
    ck_assert_int_eq(vx_stft_frames(p, 4096), shape[0]);
    ck_assert_int_eq(vx_stft_bins(p), shape[1]);
    float *spec = malloc((size_t)shape[0] * shape[1] * 2 * sizeof(float));
    ck_assert_int_eq(vx_stft_forward(p, a.samples, 4096, spec), VX_OK);
    double diff = max_abs_diff(spec, ref, shape[0] * shape[1] * 2);
    ck_assert_msg(diff <= 1e-5, "stft vs librosa: max diff %g", diff);
    free(spec);
    free(ref);
    vx_stft_free(p);
    vx_audio_free(&a);
}
END_TEST

START_TEST(stft_frame_count_of_hifigan_recipe_is_samples_over_hop)
{
    vx_stft_cfg cfg = vx_stft_cfg_hifigan();
    vx_stft *p = vx_stft_new(&cfg);
    ck_assert_int_eq(vx_stft_frames(p, 41885), 41885 / 256);
    ck_assert_int_eq(vx_stft_frames(p, 256), 1);
    ck_assert_int_eq(vx_stft_frames(p, 255), 0);
    ck_assert_int_eq(vx_istft_length(p, 10), 9 * 256 + 1024 - 768);
    vx_stft_free(p);
}
END_TEST

/* iSTFT(STFT(x)) == x wherever the frames reach (all of x for these sizes);
 * past the end of the last frame the output is 0. */
static void check_istft_round_trip(vx_stft_cfg cfg, int64_t n)
{
    float *x = noise(n, 77);
    vx_stft *p = vx_stft_new(&cfg);
    ck_assert_ptr_nonnull(p);
    int64_t frames = vx_stft_frames(p, n), bins = vx_stft_bins(p);
    int64_t reach = (frames - 1) * cfg.hop + cfg.n_fft - cfg.pad; /* end of the last frame, unpadded */
    ck_assert_int_ge(reach, n);
    ck_assert_int_le(vx_istft_length(p, frames), n);
    float *spec = malloc((size_t)frames * bins * 2 * sizeof(float)), *y = malloc((size_t)(reach + 8) * sizeof(float));
    ck_assert_int_eq(vx_stft_forward(p, x, n, spec), VX_OK);
    ck_assert_int_eq(vx_istft(p, spec, frames, y, reach + 8), VX_OK);
    double diff = max_abs_diff(x, y, n);
    ck_assert_msg(diff <= 1e-6, "istft round trip (n_fft %d, win %d, hop %d, pad %d): max diff %g", cfg.n_fft,
                  cfg.win_length, cfg.hop, cfg.pad, diff);
    for (int64_t i = reach; i < reach + 8; i++)
        ck_assert_float_eq(y[i], 0.0f);
    free(x);
    free(spec);
    free(y);
    vx_stft_free(p);
}

START_TEST(istft_reconstructs_the_signal_with_reflect_padding)
{
    check_istft_round_trip(vx_stft_cfg_hifigan(), 5000);
    check_istft_round_trip((vx_stft_cfg){.n_fft = 1024, .win_length = 1024, .hop = 256, .pad = 512,
                                         .pad_mode = VX_PAD_REFLECT}, 4096);
}
END_TEST

START_TEST(istft_reconstructs_the_signal_with_zero_centre_padding_and_short_window)
{
    check_istft_round_trip((vx_stft_cfg){.n_fft = 512, .win_length = 400, .hop = 160, .pad = 256,
                                         .pad_mode = VX_PAD_CONSTANT}, 3001);
    check_istft_round_trip((vx_stft_cfg){.n_fft = 30, .win_length = 30, .hop = 10, .pad = 15,
                                         .pad_mode = VX_PAD_CONSTANT}, 333); /* Bluestein-sized FFT */
}
END_TEST

START_TEST(stft_rejects_bad_configs_and_short_signals)
{
    ck_assert_fails(vx_stft_new(&(vx_stft_cfg){.n_fft = 512, .win_length = 600, .hop = 128}) != NULL);
    ck_assert_fails(vx_stft_new(&(vx_stft_cfg){.n_fft = 512, .hop = 0}) != NULL);
    ck_assert_fails(vx_stft_new(&(vx_stft_cfg){.n_fft = 512, .hop = 128, .pad = -1}) != NULL);
    vx_stft_cfg cfg = vx_stft_cfg_hifigan();
    vx_stft *p = vx_stft_new(&cfg);
    float x[400] = {0}, out[2 * 513];
    ck_assert_fails(vx_stft_forward(p, x, 200, out) == VX_OK); /* reflect pad 384 > 200 samples */
    ck_assert_fails(vx_stft_magnitude(p, x, 0, 0, out) == VX_OK);
    ck_assert_fails(vx_istft(p, out, 0, x, 10) == VX_OK);
    vx_stft_free(p);
}
END_TEST

/* --- resampler ----------------------------------------------------------------- */

/* Least-squares amplitude of a `freq` Hz sinusoid in x[a, b) at `rate`;
 * *residual_rms gets the RMS of what the fitted sinusoid leaves. */
static double fit_tone(const float *x, int64_t a, int64_t b, double freq, int rate, double *residual_rms)
{
    double ss = 0, cc = 0, sc = 0, xs = 0, xc = 0;
    for (int64_t i = a; i < b; i++) {
        double s = sin(2 * M_PI * freq * i / rate), c = cos(2 * M_PI * freq * i / rate);
        ss += s * s;
        cc += c * c;
        sc += s * c;
        xs += x[i] * s;
        xc += x[i] * c;
    }
    double det = ss * cc - sc * sc, as = (xs * cc - xc * sc) / det, ac = (xc * ss - xs * sc) / det, r = 0;
    for (int64_t i = a; i < b; i++) {
        double e = x[i] - as * sin(2 * M_PI * freq * i / rate) - ac * cos(2 * M_PI * freq * i / rate);
        r += e * e;
    }
    *residual_rms = sqrt(r / (double)(b - a));
    return hypot(as, ac);
}

static const int rate_pairs[][2] = {{22050, 16000}, {16000, 22050}, {44100, 16000}, {16000, 48000},
                                    {44100, 48000}, {48000, 22050}, {22050, 24000}};
#define N_PAIRS (sizeof rate_pairs / sizeof rate_pairs[0])

START_TEST(resampler_passband_ripple_is_below_0_01_db)
{
    for (size_t p = 0; p < N_PAIRS; p++) {
        int ri = rate_pairs[p][0], ro = rate_pairs[p][1];
        double nyq = 0.5 * (ri < ro ? ri : ro), worst = 0, resid;
        int64_t n = ri / 8;
        vx_resampler *r = vx_resampler_new(ri, ro);
        int64_t m = vx_resample_length(r, n);
        float *y = malloc((size_t)m * sizeof(float));
        for (double frac = 0.05; frac <= 0.9001; frac += 0.085) {
            float *x = tone(n, frac * nyq, ri, 0.5);
            ck_assert_int_eq(vx_resampler_run(r, x, n, y, m), VX_OK);
            double gain_db = 20 * log10(fit_tone(y, m / 4, 3 * m / 4, frac * nyq, ro, &resid) / 0.5);
            worst = fmax(worst, fabs(gain_db));
            free(x);
        }
        ck_assert_msg(worst <= 0.01, "%d -> %d Hz: passband ripple %.4f dB", ri, ro, worst);
        free(y);
        vx_resampler_free(r);
    }
}
END_TEST

START_TEST(resampler_attenuates_tones_above_the_new_nyquist_by_80_db)
{
    for (size_t p = 0; p < N_PAIRS; p++) {
        int ri = rate_pairs[p][0], ro = rate_pairs[p][1];
        if (ro > ri)
            continue;
        double nyq = 0.5 * ro, worst = -1e9;
        int64_t n = ri / 8;
        vx_resampler *r = vx_resampler_new(ri, ro);
        int64_t m = vx_resample_length(r, n);
        float *y = malloc((size_t)m * sizeof(float));
        for (double f = nyq; f < 0.5 * ri; f += 0.13 * nyq) {
            float *x = tone(n, f, ri, 0.5);
            ck_assert_int_eq(vx_resampler_run(r, x, n, y, m), VX_OK);
            double e = 0;
            for (int64_t i = m / 4; i < 3 * m / 4; i++)
                e += (double)y[i] * y[i];
            double level_db = 20 * log10(sqrt(2 * e / (double)(m / 2)) / 0.5); /* aliased tone vs input */
            worst = fmax(worst, level_db);
            free(x);
        }
        ck_assert_msg(worst <= -80, "%d -> %d Hz: alias at %.1f dB", ri, ro, worst);
        free(y);
        vx_resampler_free(r);
    }
}
END_TEST

START_TEST(resampler_suppresses_images_when_upsampling_by_80_db)
{
    for (size_t p = 0; p < N_PAIRS; p++) {
        int ri = rate_pairs[p][0], ro = rate_pairs[p][1];
        if (ro < ri)
            continue;
        double nyq = 0.5 * ri, worst = -1e9, resid;
        int64_t n = ri / 8;
        vx_resampler *r = vx_resampler_new(ri, ro);
        int64_t m = vx_resample_length(r, n);
        float *y = malloc((size_t)m * sizeof(float));
        for (double frac = 0.1; frac <= 0.9001; frac += 0.2) {
            float *x = tone(n, frac * nyq, ri, 0.5);
            ck_assert_int_eq(vx_resampler_run(r, x, n, y, m), VX_OK);
            fit_tone(y, m / 4, 3 * m / 4, frac * nyq, ro, &resid);
            worst = fmax(worst, 20 * log10(resid * sqrt(2) / 0.5));
            free(x);
        }
        ck_assert_msg(worst <= -80, "%d -> %d Hz: images at %.1f dB", ri, ro, worst);
        free(y);
        vx_resampler_free(r);
    }
}
END_TEST

START_TEST(resampler_keeps_timing_and_copies_at_equal_rates)
{
    /* a 1 kHz tone stays in phase: zero delay */
    int64_t n = 2205, m;
    float *x = tone(n, 1000, 22050, 0.5);
    float *y = vx_resample(x, n, 22050, 16000, &m);
    ck_assert_int_eq(m, (n * 16000 + 22049) / 22050);
    double worst = 0;
    for (int64_t i = m / 4; i < 3 * m / 4; i++)
        worst = fmax(worst, fabs(y[i] - 0.5 * sin(2 * M_PI * 1000 * i / 16000)));
    ck_assert_msg(worst <= 1e-3, "delayed or distorted tone: %g", worst);
    free(y);
    y = vx_resample(x, n, 16000, 16000, &m);
    ck_assert_int_eq(m, n);
    ck_assert_float_eq(max_abs_diff(x, y, n), 0);
    free(y);
    free(x);
}
END_TEST

START_TEST(resampler_rejects_bad_rates)
{
    int64_t m;
    float x[4] = {0};
    ck_assert_fails(vx_resampler_new(0, 16000) != NULL);
    ck_assert_fails(vx_resample(x, 4, 16000, -1, &m) != NULL);
    ck_assert_int_eq(m, 0);
    ck_assert_fails(vx_resampler_new(1000003, 999983) != NULL); /* coprime: table too large */
}
END_TEST

/* --- mel ----------------------------------------------------------------------- */

static void check_filterbank(const char *name, vx_mel_cfg cfg)
{
    int64_t shape[3];
    float *ref = load_array(name, shape);
    ck_assert_int_eq(shape[0], cfg.n_mels);
    ck_assert_int_eq(shape[1], cfg.n_fft / 2 + 1);
    float *fb = vx_mel_filterbank(&cfg);
    ck_assert_ptr_nonnull(fb);
    double diff = max_abs_diff(fb, ref, shape[0] * shape[1]);
    ck_assert_msg(diff <= 1e-6, "%s: max diff %g vs librosa.filters.mel", name, diff);
    free(fb);
    free(ref);
}

START_TEST(mel_filterbank_slaney_scale_and_norm_matches_librosa)
{
    check_filterbank("fb_slaney_slaney", vx_logmel_cfg_hifigan().mel);
}
END_TEST

START_TEST(mel_filterbank_htk_without_norm_matches_librosa)
{
    check_filterbank("fb_htk_none", (vx_mel_cfg){.sample_rate = 22050, .n_fft = 1024, .n_mels = 80, .fmin = 0,
                                                 .fmax = 8000, .scale = VX_MEL_HTK, .norm = VX_MEL_NORM_NONE});
}
END_TEST

START_TEST(mel_filterbank_htk_with_slaney_norm_at_16k_matches_librosa)
{
    check_filterbank("fb_htk_slaney_16k", (vx_mel_cfg){.sample_rate = 16000, .n_fft = 512, .n_mels = 40,
                                                       .fmin = 20, .fmax = 7600, .scale = VX_MEL_HTK,
                                                       .norm = VX_MEL_NORM_SLANEY});
}
END_TEST

START_TEST(mel_scales_invert_and_slaney_is_linear_below_1_khz)
{
    for (double hz = 0; hz < 11025; hz += 97.3) {
        ck_assert_double_eq_tol(vx_mel_to_hz(vx_hz_to_mel(hz, VX_MEL_SLANEY), VX_MEL_SLANEY), hz, 1e-9);
        ck_assert_double_eq_tol(vx_mel_to_hz(vx_hz_to_mel(hz, VX_MEL_HTK), VX_MEL_HTK), hz, 1e-9);
    }
    /* librosa.hz_to_mel: 200/3 Hz per mel below 1 kHz, so 1 kHz is mel 15 */
    ck_assert_double_eq_tol(vx_hz_to_mel(1000, VX_MEL_SLANEY), 15.0, 1e-12);
    ck_assert_double_eq_tol(vx_hz_to_mel(500, VX_MEL_SLANEY), 7.5, 1e-12);
}
END_TEST

static void check_logmel(const char *clip, const char *name)
{
    int64_t shape[3];
    float *ref = load_array(name, shape);
    vx_audio a = read_clip(clip);
    vx_logmel_cfg cfg = vx_logmel_cfg_hifigan();
    vx_logmel *lm = vx_logmel_new(&cfg);
    ck_assert_ptr_nonnull(lm);
    int64_t frames;
    float *out = vx_logmel_alloc(lm, a.samples, a.frames, &frames);
    ck_assert_ptr_nonnull(out);
    ck_assert_int_eq(frames, shape[0]);
    ck_assert_int_eq(shape[1], 80);
    double diff = max_abs_diff(out, ref, frames * 80);
    ck_assert_msg(diff <= 1e-4, "%s: log-mel max diff %g vs librosa", clip, diff);
    free(out);
    free(ref);
    vx_logmel_free(lm);
    vx_audio_free(&a);
}

START_TEST(logmel_matches_librosa_hifigan_recipe_on_ljspeech)
{
    check_logmel(CLIP_A, "logmel_LJ001-0002");
    check_logmel(CLIP_B, "logmel_LJ001-0008");
}
END_TEST

START_TEST(logmel_rejects_mismatched_fft_sizes_and_short_input)
{
    vx_logmel_cfg cfg = vx_logmel_cfg_hifigan();
    cfg.mel.n_fft = 2048;
    ck_assert_fails(vx_logmel_new(&cfg) != NULL);
    cfg = vx_logmel_cfg_hifigan();
    cfg.mel.fmin = 9000;
    ck_assert_fails(vx_logmel_new(&cfg) != NULL);
    cfg = vx_logmel_cfg_hifigan();
    vx_logmel *lm = vx_logmel_new(&cfg);
    float x[100] = {0};
    int64_t frames = -1;
    ck_assert_fails(vx_logmel_alloc(lm, x, 100, &frames) != NULL);
    ck_assert_int_eq(frames, 0);
    vx_logmel_free(lm);
}
END_TEST

/* --- energy -------------------------------------------------------------------- */

/* FastSpeech2 energy of a clip through the recipe's STFT without eps. */
static float *clip_energy(const char *clip, int64_t *frames)
{
    vx_audio a = read_clip(clip);
    vx_stft_cfg cfg = vx_stft_cfg_hifigan();
    vx_stft *p = vx_stft_new(&cfg);
    *frames = vx_stft_frames(p, a.frames);
    float *mag = malloc((size_t)*frames * 513 * sizeof(float)), *e = malloc((size_t)*frames * sizeof(float));
    ck_assert_int_eq(vx_stft_magnitude(p, a.samples, a.frames, 0, mag), VX_OK);
    vx_energy_from_magnitude(mag, *frames, 513, e);
    free(mag);
    vx_stft_free(p);
    vx_audio_free(&a);
    return e;
}

START_TEST(energy_matches_fastspeech2_reference)
{
    int64_t shape[3], frames;
    float *ref = load_array("energy_LJ001-0002", shape);
    float *e = clip_energy(CLIP_A, &frames);
    ck_assert_int_eq(frames, shape[0]);
    for (int64_t t = 0; t < frames; t++)
        ck_assert_msg(fabs(e[t] - ref[t]) <= 1e-5 * (1 + ref[t]), "frame %lld: %g vs %g", (long long)t, e[t], ref[t]);
    free(e);
    free(ref);
}
END_TEST

START_TEST(phoneme_averages_match_reference_and_skip_unvoiced_zeros)
{
    int64_t sd[3], se[3], sp[3], sq[3], sr[3];
    float *dur_f = load_array("durations", sd);
    float *energy = load_array("energy_LJ001-0002", se);
    float *phone = load_array("phone_energy", sp);
    float *pitch = load_array("pitchlike", sq);
    float *phone_pitch = load_array("phone_pitchlike", sr);
    int n = (int)sd[0];
    int32_t *dur = malloc((size_t)n * sizeof(int32_t));
    for (int i = 0; i < n; i++)
        dur[i] = (int32_t)dur_f[i];
    float *out = malloc((size_t)n * sizeof(float));
    ck_assert_int_eq(vx_average_by_duration(energy, se[0], dur, n, false, out), VX_OK);
    for (int i = 0; i < n; i++)
        ck_assert_float_eq_tol(out[i], phone[i], 1e-5 * (1 + fabsf(phone[i])));
    ck_assert_int_eq(vx_average_by_duration(pitch, sq[0], dur, n, true, out), VX_OK);
    for (int i = 0; i < n; i++)
        ck_assert_float_eq_tol(out[i], phone_pitch[i], 1e-5 * (1 + fabsf(phone_pitch[i])));
    free(dur_f);
    free(energy);
    free(phone);
    free(pitch);
    free(phone_pitch);
    free(dur);
    free(out);
}
END_TEST

START_TEST(phoneme_averages_reject_durations_past_the_frames)
{
    float v[4] = {1, 2, 3, 4}, out[2];
    ck_assert_fails(vx_average_by_duration(v, 4, (int32_t[]){3, 2}, 2, false, out) == VX_OK);
    ck_assert_fails(vx_average_by_duration(v, 4, (int32_t[]){-1, 2}, 2, false, out) == VX_OK);
}
END_TEST

START_TEST(feature_stats_match_numpy_across_clips_and_merge)
{
    int64_t fa, fb;
    float *ea = clip_energy(CLIP_A, &fa), *eb = clip_energy(CLIP_B, &fb);
    vx_feature_stats all, part_a, part_b;
    vx_feature_stats_init(&all);
    vx_feature_stats_add(&all, ea, fa);
    vx_feature_stats_add(&all, eb, fb);
    ck_assert_int_eq(all.count, (int64_t)fixture_stat("count"));
    ck_assert_double_eq_tol(all.mean, fixture_stat("mean"), 1e-4);
    ck_assert_double_eq_tol(vx_feature_stats_std(&all), fixture_stat("std"), 1e-4);
    ck_assert_double_eq_tol(all.min, fixture_stat("min"), 1e-5);
    ck_assert_double_eq_tol(all.max, fixture_stat("max"), 1e-3);
    vx_feature_stats_init(&part_a);
    vx_feature_stats_init(&part_b);
    vx_feature_stats_add(&part_a, ea, fa);
    vx_feature_stats_add(&part_b, eb, fb);
    vx_feature_stats_merge(&part_a, &part_b);
    ck_assert_int_eq(part_a.count, all.count);
    ck_assert_double_eq_tol(part_a.mean, all.mean, 1e-9);
    ck_assert_double_eq_tol(vx_feature_stats_std(&part_a), vx_feature_stats_std(&all), 1e-9);
    /* normalised values have mean 0 and std 1 over the same data */
    vx_feature_normalize(ea, fa, all.mean, vx_feature_stats_std(&all));
    vx_feature_normalize(eb, fb, all.mean, vx_feature_stats_std(&all));
    vx_feature_stats norm;
    vx_feature_stats_init(&norm);
    vx_feature_stats_add(&norm, ea, fa);
    vx_feature_stats_add(&norm, eb, fb);
    ck_assert_double_eq_tol(norm.mean, 0, 1e-6);
    ck_assert_double_eq_tol(vx_feature_stats_std(&norm), 1, 1e-6);
    ck_assert_double_eq_tol(norm.min, (fixture_stat("min") - fixture_stat("mean")) / fixture_stat("std"), 1e-4);
    free(ea);
    free(eb);
}
END_TEST

/* --- Griffin-Lim --------------------------------------------------------------- */

/* The spectral convergence must fall below `ratio` of its random-phase start
 * and keep falling over the second half of the iterations. */
static void check_convergence(const float *sc, int n_iter, double ratio)
{
    ck_assert_msg(sc[n_iter - 1] < ratio * sc[0], "spectral convergence %.3f -> %.3f, above %.2f of the start",
                  sc[0], sc[n_iter - 1], ratio);
    ck_assert_msg(sc[n_iter - 1] < sc[n_iter / 2], "spectral convergence stalled: %.3f at %d, %.3f at the end",
                  sc[n_iter / 2], n_iter / 2, sc[n_iter - 1]);
}

START_TEST(griffinlim_improves_spectral_convergence_on_a_real_clip)
{
    vx_audio a = read_clip(CLIP_A);
    vx_stft_cfg cfg = vx_stft_cfg_hifigan();
    vx_stft *p = vx_stft_new(&cfg);
    int64_t frames = vx_stft_frames(p, a.frames);
    float *mag = malloc((size_t)frames * 513 * sizeof(float)), *y = malloc((size_t)a.frames * sizeof(float));
    ck_assert_int_eq(vx_stft_magnitude(p, a.samples, a.frames, 0, mag), VX_OK);
    enum { N_ITER = 32 };
    float sc[N_ITER];
    vx_griffinlim_opts opts = {.n_iter = N_ITER, .momentum = 0.99f, .seed = 5};
    ck_assert_msg(vx_griffinlim(p, mag, frames, &opts, y, a.frames, sc) == VX_OK, "%s", vx_last_error());
    check_convergence(sc, N_ITER, 0.15); /* measured 0.65 -> 0.044 */
    /* the result has the clip's energy scale */
    double ey = 0, ex = 0;
    for (int64_t i = 0; i < a.frames; i++) {
        ey += (double)y[i] * y[i];
        ex += (double)a.samples[i] * a.samples[i];
    }
    ck_assert_msg(ey > 0.5 * ex && ey < 2 * ex, "energy ratio %.3f", ey / ex);
    free(mag);
    free(y);
    vx_stft_free(p);
    vx_audio_free(&a);
}
END_TEST

START_TEST(griffinlim_from_logmel_improves_spectral_convergence)
{
    vx_audio a = read_clip(CLIP_B);
    vx_logmel_cfg cfg = vx_logmel_cfg_hifigan();
    vx_logmel *lm = vx_logmel_new(&cfg);
    int64_t frames;
    float *logmel = vx_logmel_alloc(lm, a.samples, a.frames, &frames);
    float *y = malloc((size_t)a.frames * sizeof(float));
    enum { N_ITER = 24 };
    float sc[N_ITER];
    vx_griffinlim_opts opts = {.n_iter = N_ITER, .momentum = 0.99f, .seed = 9};
    ck_assert_msg(vx_griffinlim_from_logmel(lm, logmel, frames, &opts, y, a.frames, sc) == VX_OK, "%s",
                  vx_last_error());
    check_convergence(sc, N_ITER, 0.4); /* measured 0.62 -> 0.15 */
    free(logmel);
    free(y);
    vx_logmel_free(lm);
    vx_audio_free(&a);
}
END_TEST

START_TEST(mel_pseudo_inverse_is_a_right_inverse_of_the_filterbank)
{
    vx_mel_cfg cfg = vx_logmel_cfg_hifigan().mel;
    float *fb = vx_mel_filterbank(&cfg);
    float *pinv = vx_mel_pseudo_inverse(fb, 80, 513); /* [513, 80] */
    ck_assert_ptr_nonnull(pinv);
    double worst = 0;
    for (int i = 0; i < 80; i++)
        for (int j = 0; j < 80; j++) {
            double s = 0;
            for (int k = 0; k < 513; k++)
                s += (double)fb[i * 513 + k] * pinv[k * 80 + j];
            worst = fmax(worst, fabs(s - (i == j)));
        }
    ck_assert_msg(worst <= 1e-3, "fb . pinv differs from I by %g", worst);
    free(fb);
    free(pinv);
}
END_TEST

START_TEST(griffinlim_rejects_bad_options)
{
    vx_stft_cfg cfg = vx_stft_cfg_hifigan();
    vx_stft *p = vx_stft_new(&cfg);
    float mag[513 * 4] = {0}, y[1024];
    ck_assert_fails(vx_griffinlim(p, mag, 4, &(vx_griffinlim_opts){.n_iter = 4, .momentum = 1.5f}, y, 1024, NULL) ==
                    VX_OK);
    ck_assert_fails(vx_griffinlim(p, mag, 0, &(vx_griffinlim_opts){.n_iter = 4}, y, 1024, NULL) == VX_OK);
    vx_stft_free(p);
}
END_TEST

Suite *suite_audio_io(void)
{
    Suite *s = suite_create("audio_io");
    TCase *tc = tcase_create("wav");
    tcase_add_test(tc, wav_pcm16_round_trip_at_every_rate);
    tcase_add_test(tc, wav_pcm24_round_trip_at_every_rate);
    tcase_add_test(tc, wav_float_round_trip_is_exact);
    tcase_add_test(tc, flac_round_trip_pcm16_and_pcm24);
    tcase_add_test(tc, ogg_vorbis_keeps_a_tone_within_lossy_error);
    tcase_add_test(tc, read_mixdown_averages_the_channels);
    tcase_add_test(tc, read_ljspeech_clip_as_22050_hz_mono);
    tcase_add_test(tc, read_mono_resamples_to_the_requested_rate);
    tcase_add_test(tc, read_missing_file_fails_with_io_error);
    tcase_add_test(tc, read_non_audio_file_fails_with_format_error);
    tcase_add_test(tc, write_rejects_unknown_containers_and_bad_arguments);
    tcase_add_test(tc, write_replaces_atomically_and_leaves_no_temp_file);
    tcase_add_test(tc, write_clips_integer_samples_outside_unit_range);
    suite_add_tcase(s, tc);
    tc = tcase_create("resample");
    tcase_add_test(tc, resampler_passband_ripple_is_below_0_01_db);
    tcase_add_test(tc, resampler_attenuates_tones_above_the_new_nyquist_by_80_db);
    tcase_add_test(tc, resampler_suppresses_images_when_upsampling_by_80_db);
    tcase_add_test(tc, resampler_keeps_timing_and_copies_at_equal_rates);
    tcase_add_test(tc, resampler_rejects_bad_rates);
    suite_add_tcase(s, tc);
    return s;
}

Suite *suite_audio_spectral(void)
{
    Suite *s = suite_create("audio_spectral");
    TCase *tc = tcase_create("fft");
    tcase_add_test(tc, fft_matches_naive_dft_for_sizes_1_to_64);
    tcase_add_test(tc, fft_matches_naive_dft_for_100_1000_1023_1024);
    tcase_add_test(tc, rfft_matches_naive_dft_for_even_and_odd_sizes);
    tcase_add_test(tc, rfft_inverse_ignores_imaginary_parts_of_dc_and_nyquist);
    tcase_add_test(tc, fft_rejects_non_positive_sizes);
    suite_add_tcase(s, tc);
    tc = tcase_create("stft");
    tcase_add_test(tc, hann_window_is_periodic_like_torch);
    tcase_add_test(tc, stft_matches_librosa_with_short_window_and_zero_centre_padding);
    tcase_add_test(tc, stft_frame_count_of_hifigan_recipe_is_samples_over_hop);
    tcase_add_test(tc, istft_reconstructs_the_signal_with_reflect_padding);
    tcase_add_test(tc, istft_reconstructs_the_signal_with_zero_centre_padding_and_short_window);
    tcase_add_test(tc, stft_rejects_bad_configs_and_short_signals);
    suite_add_tcase(s, tc);
    return s;
}

Suite *suite_audio_features(void)
{
    Suite *s = suite_create("audio_features");
    TCase *tc = tcase_create("mel");
    tcase_add_test(tc, mel_filterbank_slaney_scale_and_norm_matches_librosa);
    tcase_add_test(tc, mel_filterbank_htk_without_norm_matches_librosa);
    tcase_add_test(tc, mel_filterbank_htk_with_slaney_norm_at_16k_matches_librosa);
    tcase_add_test(tc, mel_scales_invert_and_slaney_is_linear_below_1_khz);
    tcase_add_test(tc, logmel_matches_librosa_hifigan_recipe_on_ljspeech);
    tcase_add_test(tc, logmel_rejects_mismatched_fft_sizes_and_short_input);
    suite_add_tcase(s, tc);
    tc = tcase_create("energy");
    tcase_add_test(tc, energy_matches_fastspeech2_reference);
    tcase_add_test(tc, phoneme_averages_match_reference_and_skip_unvoiced_zeros);
    tcase_add_test(tc, phoneme_averages_reject_durations_past_the_frames);
    tcase_add_test(tc, feature_stats_match_numpy_across_clips_and_merge);
    suite_add_tcase(s, tc);
    tc = tcase_create("griffinlim");
    tcase_add_test(tc, griffinlim_improves_spectral_convergence_on_a_real_clip);
    tcase_add_test(tc, griffinlim_from_logmel_improves_spectral_convergence);
    tcase_add_test(tc, mel_pseudo_inverse_is_a_right_inverse_of_the_filterbank);
    tcase_add_test(tc, griffinlim_rejects_bad_options);
    suite_add_tcase(s, tc);
    return s;
}
