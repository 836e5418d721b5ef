/* test_fs2_speak.c — the FastSpeech2 text-to-speech pipeline
 * (models/fs2_speak.h) and voxc-tts with FastSpeech2 model files.
 *
 * A tiny random-weight FastSpeech2 (80 mels, the tiny Piper voice's 64
 * phoneme ids from tests/data/onnx/tiny_medium.onnx.json) is saved with
 * vx_fs2_save into a temporary folder and loaded back; its duration
 * predictor's output bias is set to log(8 + 1) so that phonemes last about 8
 * frames and the speed control has something to halve. A tiny random
 * HiFi-GAN generator (hop 16 × 16 = 256) is the other vocoder.
 *
 * References: frames and durations follow vx_fs2_duration_frames (the
 * rounding fastspeech2.h defines) on the model's own predicted log-durations;
 * the HiFi-GAN audio must equal the generator (in its inference engine,
 * models/hifigan_infer.h, itself checked against the op API in
 * test_hifigan_infer.c) run directly on the model's mel transposed to
 * [1, n_mels, T]; ids from text equal vx_phoneme_ids on the
 * voice's map. voxc-tts is run through $VOXC_BIN (set by `make test-run`). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio/wav.h"
#include "core/json.h"
#include "models/fastspeech2_io.h"
#include "models/fs2_speak.h"
#include "models/hifigan.h"
#include "models/hifigan_infer.h"
#include "test_files.h"
#include "test_util.h"
#include "text/phoneme_ids.h"
#include "train/checkpoint.h"
#include "train/hifigan_json.h"

#define VOICE_CONFIG "tests/data/onnx/tiny_medium.onnx.json"
#define TINY_VITS "tests/data/onnx/tiny_medium.onnx"
#define DURATION_BIAS "variance_adaptor.duration_predictor.linear_layer.bias"

static vx_fs2_config tiny_config(void)
{
    vx_fs2_config c;
    ck_assert_int_eq(vx_fs2_config_named("small", &c), VX_OK);
    c.n_vocab = 64;
    c.n_speakers = 2;
    c.hidden = 16;
    c.ffn_filter = 24;
    c.vp_filter = 12;
    c.n_bins = 16;
    c.postnet_layers = 2;
    c.postnet_channels = 8;
    c.pitch_mean = 171.25f;
    c.pitch_std = 37.5f;
    c.energy_mean = 41.125f;
    c.energy_std = 18.0f;
    return c;
}

static vx_hifigan_config tiny_generator_config(int n_mels)
{
    return (vx_hifigan_config){.n_mels = n_mels, .resblock = 2, .initial_channels = 16, .n_up = 2,
                               .up_rates = {16, 16}, .up_kernels = {32, 32}, .n_kernels = 1,
                               .rb_kernels = {3}, .rb_dilations = {{1, 2, 0}}};
}

/* Everything a test needs: the model file and its loaded model, a generator
 * (file and loaded). */
typedef struct fixture {
    char *dir, model_path[512], vocoder_path[512];
    vx_ctx *ctx;
    vx_fs2 *model;
    vx_fs2_file_info info;
    vx_hifigan *generator;
} fixture;

static void save_model(const char *path)
{
    vx_ctx *ctx = test_ctx();
    vx_fs2_config cfg = tiny_config();
    vx_fs2 *m = vx_fs2_new(ctx, &cfg);
    ck_assert_ptr_nonnull(m);
    vx_tensor *const *params;
    int n = vx_fs2_params(m, &params);
    bool found = false;
    for (int i = 0; i < n; i++)
        if (!strcmp(params[i]->name, DURATION_BIAS)) {
            vx_fill(params[i], logf(9.0f)); /* about 8 frames per phoneme */
            found = true;
        }
    ck_assert(found);
    size_t len;
    char *voice = read_file(VOICE_CONFIG, &len);
    vx_logmel_cfg audio = vx_logmel_cfg_hifigan();
    vx_fs2_file_info info;
    ck_assert_int_eq(vx_fs2_file_info_init(&info, &audio, voice, len, VOICE_CONFIG, NULL), VX_OK);
    ck_assert_msg(vx_fs2_save(path, m, &info) == VX_OK, "%s", vx_last_error());
    vx_fs2_file_info_free(&info);
    free(voice);
    vx_fs2_free(m);
    vx_ctx_free(ctx);
}

/* A voxc-train-style checkpoint of a tiny generator: weight-normed weights
 * and {"generator": {...}} as its config. */
static void save_generator(const char *path)
{
    vx_ctx *ctx = test_ctx();
    vx_hifigan_config cfg = tiny_generator_config(80);
    vx_hifigan *g = vx_hifigan_new(ctx, &cfg);
    ck_assert_ptr_nonnull(g);
    char *json = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&json, &len);
    fputs("{\"generator\":", m);
    vx_hifigan_config_write_json(m, &cfg, NULL);
    fputc('}', m);
    fclose(m);
    vx_tensor *const *params;
    int n = vx_hifigan_params(g, &params);
    vx_ckpt ck = {.tensors = params, .n_tensors = n, .config = json};
    ck_assert_msg(vx_ckpt_save(path, &ck) == VX_OK, "%s", vx_last_error());
    free(json);
    vx_hifigan_free(g);
    vx_ctx_free(ctx);
}

static void fixture_open(fixture *f)
{
    memset(f, 0, sizeof *f);
    f->dir = make_dir("fs2speak");
    snprintf(f->model_path, sizeof f->model_path, "%s/tiny.fs2.safetensors", f->dir);
    snprintf(f->vocoder_path, sizeof f->vocoder_path, "%s/generator.safetensors", f->dir);
    save_model(f->model_path);
    save_generator(f->vocoder_path);
    f->ctx = test_ctx();
    f->model = vx_fs2_load(f->ctx, f->model_path, &f->info);
    ck_assert_msg(f->model != NULL, "%s", vx_last_error());
    vx_hifigan_config cfg = tiny_generator_config(80);
    f->generator = vx_hifigan_new(f->ctx, &cfg);
    ck_assert_ptr_nonnull(f->generator);
    ck_assert_int_eq(vx_hifigan_remove_weight_norm(f->ctx, f->generator), VX_OK);
}

static void fixture_close(fixture *f)
{
    vx_hifigan_free(f->generator);
    vx_fs2_free(f->model);
    vx_fs2_file_info_free(&f->info);
    vx_ctx_free(f->ctx);
    remove_dir(f->dir);
}

/* What the callback saw. */
#define MAX_SEEN 4
typedef struct seen {
    size_t count;
    int64_t frames[MAX_SEEN], samples[MAX_SEEN], duration_sum[MAX_SEEN];
    size_t n_ids[MAX_SEEN];
    int64_t ids[MAX_SEEN][64];
    int32_t durations[MAX_SEEN][64];
    char labels[MAX_SEEN][64][8];
    float *audio[MAX_SEEN];
    float peak[MAX_SEEN];
} seen;

static vx_status record(void *user, const vx_speak_sentence *s)
{
    seen *w = user;
    ck_assert_uint_lt(w->count, MAX_SEEN);
    ck_assert_uint_le(s->n_ids, 64);
    size_t k = w->count++;
    ck_assert_uint_eq(s->index, k);
    w->frames[k] = s->frames;
    w->samples[k] = s->n_samples;
    w->n_ids[k] = s->n_ids;
    w->peak[k] = s->peak;
    memcpy(w->ids[k], s->ids, sizeof *s->ids * s->n_ids);
    memcpy(w->durations[k], s->durations, sizeof *s->durations * s->n_ids);
    memcpy(w->labels[k], s->labels, sizeof *s->labels * s->n_ids);
    for (size_t i = 0; i < s->n_ids; i++)
        w->duration_sum[k] += s->durations[i];
    w->audio[k] = malloc(sizeof(float) * (size_t)s->n_samples);
    memcpy(w->audio[k], s->audio, sizeof(float) * (size_t)s->n_samples);
    ck_assert_int_eq(s->sample_rate, 22050);
    ck_assert_double_eq_tol(s->frame_s, 256.0 / 22050.0, 1e-12);
    ck_assert_int_eq(s->n_samples, s->frames * 256);
    return VX_OK;
}

static void seen_free(seen *w)
{
    for (size_t i = 0; i < w->count; i++)
        free(w->audio[i]);
    memset(w, 0, sizeof *w);
}

/* Speak `ids` with the given vocoder and options; returns what was seen. */
static void speak_ids(fixture *f, const vx_fs2_vocoder *voc, const vx_fs2_speak_opts *o, const char *ids,
                      seen *w)
{
    vx_fs2_speak *sp = vx_fs2_speak_new(f->model, &f->info, voc);
    ck_assert_msg(sp != NULL, "%s", vx_last_error());
    memset(w, 0, sizeof *w);
    vx_speak_totals t;
    ck_assert_msg(vx_fs2_speak_ids(sp, ids, "ids", o, record, w, &t) == VX_OK, "%s", vx_last_error());
    ck_assert_uint_eq(t.sentences, w->count);
    vx_fs2_speak_free(sp);
}

/* The model's predicted log-durations for ids (no controls). */
static void predicted_log_durations(fixture *f, const int32_t *ids, int n, float *log_d)
{
    vx_ctx *ctx = test_ctx();
    vx_fs2_input in = {.phonemes = vx_from_i32(ctx, 2, (int64_t[]){1, n}, ids),
                       .src_lens = vx_from_i32(ctx, 1, (int64_t[]){1}, (int32_t[]){n})};
    vx_fs2_output out;
    ck_assert_int_eq(vx_fs2_forward(ctx, f->model, &in, NULL, NULL, &out), VX_OK);
    for (int i = 0; i < n; i++)
        log_d[i] = vx_get_f(out.log_duration, i);
    vx_ctx_free(ctx);
}

static bool same_audio(const seen *a, const seen *b)
{
    return a->samples[0] == b->samples[0] &&
           !memcmp(a->audio[0], b->audio[0], sizeof(float) * (size_t)a->samples[0]);
}

START_TEST(ids_are_spoken_sentence_by_sentence_with_griffin_lim)
{
    fixture f;
    fixture_open(&f);
    vx_fs2_speak_opts o = vx_fs2_speak_default_opts();
    seen w;
    speak_ids(&f, &(vx_fs2_vocoder){0}, &o, "1 0 23 0 41 0 2; 1 0 7 0 2", &w);
    ck_assert_uint_eq(w.count, 2);
    ck_assert_uint_eq(w.n_ids[0], 7);
    ck_assert_uint_eq(w.n_ids[1], 5);
    for (size_t k = 0; k < 2; k++) {
        ck_assert_int_eq(w.duration_sum[k], w.frames[k]);
        ck_assert_int_gt(w.frames[k], (int64_t)w.n_ids[k]); /* ~8 frames per id */
        float peak = 0;
        for (int64_t i = 0; i < w.samples[k]; i++)
            peak = fmaxf(peak, fabsf(w.audio[k][i]));
        ck_assert(isfinite(w.peak[k]) && w.peak[k] > 0);
        ck_assert_float_eq_tol(peak, fminf(w.peak[k], 1.0f), 1e-6f); /* limited, not normalised */
    }
    ck_assert_str_eq(w.labels[0][2], "23");
    /* the same seed gives the same audio; another seed other phases */
    seen again, reseeded;
    speak_ids(&f, &(vx_fs2_vocoder){0}, &o, "1 0 23 0 41 0 2", &again);
    speak_ids(&f, &(vx_fs2_vocoder){.griffin_lim_seed = 7}, &o, "1 0 23 0 41 0 2", &reseeded);
    ck_assert(same_audio(&w, &again));
    ck_assert(!same_audio(&w, &reseeded));
    seen_free(&w);
    seen_free(&again);
    seen_free(&reseeded);
    fixture_close(&f);
}
END_TEST

START_TEST(speed_two_halves_the_frames_by_the_defined_rounding)
{
    fixture f;
    fixture_open(&f);
    static const int32_t ids[9] = {1, 0, 23, 0, 41, 0, 17, 0, 2};
    float log_d[9];
    predicted_log_durations(&f, ids, 9, log_d);
    int64_t want[2] = {0, 0};
    const float speeds[2] = {1.0f, 2.0f};
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < 9; i++)
            want[s] += vx_fs2_duration_frames(log_d[i], speeds[s]);
    seen w[2];
    for (int s = 0; s < 2; s++) {
        vx_fs2_speak_opts o = vx_fs2_speak_default_opts();
        o.controls.speed = speeds[s];
        speak_ids(&f, &(vx_fs2_vocoder){.griffin_lim_iters = 2}, &o, "1 0 23 0 41 0 17 0 2", &w[s]);
        ck_assert_int_eq(w[s].frames[0], want[s]);
        for (int i = 0; i < 9; i++)
            ck_assert_int_eq(w[s].durations[0][i], vx_fs2_duration_frames(log_d[i], speeds[s]));
    }
    /* about half: each phoneme's rounding moves it by at most half a frame */
    ck_assert_int_le(llabs(2 * w[1].frames[0] - w[0].frames[0]), 9);
    ck_assert_int_gt(w[0].frames[0], 40);
    seen_free(&w[0]);
    seen_free(&w[1]);
    fixture_close(&f);
}
END_TEST

START_TEST(neutral_controls_equal_no_controls_and_each_control_changes_the_audio)
{
    fixture f;
    fixture_open(&f);
    /* model level: neutral controls are no controls, bit for bit */
    vx_ctx *ctx = test_ctx();
    static const int32_t ids[7] = {1, 0, 23, 0, 41, 0, 2};
    vx_fs2_input in = {.phonemes = vx_from_i32(ctx, 2, (int64_t[]){1, 7}, ids),
                       .src_lens = vx_from_i32(ctx, 1, (int64_t[]){1}, (int32_t[]){7})};
    vx_fs2_output plain, neutral;
    vx_fs2_controls c = vx_fs2_controls_neutral();
    ck_assert_int_eq(vx_fs2_forward(ctx, f.model, &in, NULL, NULL, &plain), VX_OK);
    ck_assert_int_eq(vx_fs2_forward(ctx, f.model, &in, NULL, &c, &neutral), VX_OK);
    ck_assert(vx_same_shape(plain.mel_postnet, neutral.mel_postnet));
    ck_assert_mem_eq(plain.mel_postnet->data, neutral.mel_postnet->data,
                     sizeof(float) * (size_t)vx_numel(plain.mel_postnet));
    vx_ctx_free(ctx);

    /* pipeline level (HiFi-GAN, deterministic): each control moves the audio,
     * the pitch and energy controls leave the durations alone */
    vx_fs2_vocoder voc = {.hifigan = f.generator};
    vx_fs2_speak_opts o = vx_fs2_speak_default_opts();
    seen base;
    speak_ids(&f, &voc, &o, "1 0 23 0 41 0 2", &base);
    vx_fs2_controls changes[4] = {{.pitch_shift = 12, .pitch_scale = 1, .energy_scale = 1, .speed = 1},
                                  {.pitch_shift = 0, .pitch_scale = 0, .energy_scale = 1, .speed = 1},
                                  {.pitch_shift = 0, .pitch_scale = 1, .energy_scale = 3, .speed = 1},
                                  {.pitch_shift = 0, .pitch_scale = 1, .energy_scale = 1, .speed = 0.5f}};
    for (int i = 0; i < 4; i++) {
        o.controls = changes[i];
        seen w;
        speak_ids(&f, &voc, &o, "1 0 23 0 41 0 2", &w);
        ck_assert_msg(!same_audio(&base, &w), "control %d left the audio as it was", i);
        if (i < 3)
            ck_assert_mem_eq(w.durations[0], base.durations[0], sizeof(int32_t) * 7);
        seen_free(&w);
    }
    seen_free(&base);
    fixture_close(&f);
}
END_TEST

START_TEST(hifigan_audio_is_the_generator_on_the_transposed_mel)
{
    fixture f;
    fixture_open(&f);
    vx_fs2_speak_opts o = vx_fs2_speak_default_opts();
    o.speaker = 1;
    o.controls.pitch_shift = -3;
    seen w;
    speak_ids(&f, &(vx_fs2_vocoder){.hifigan = f.generator}, &o, "1 0 23 0 41 0 2", &w);

    vx_ctx *ctx = test_ctx();
    vx_set_grad_enabled(ctx, false);
    static const int32_t ids[7] = {1, 0, 23, 0, 41, 0, 2};
    vx_fs2_input in = {.phonemes = vx_from_i32(ctx, 2, (int64_t[]){1, 7}, ids),
                       .src_lens = vx_from_i32(ctx, 1, (int64_t[]){1}, (int32_t[]){7}),
                       .speakers = vx_from_i32(ctx, 1, (int64_t[]){1}, (int32_t[]){1})};
    vx_fs2_output out;
    ck_assert_int_eq(vx_fs2_forward(ctx, f.model, &in, NULL, &o.controls, &out), VX_OK);
    int64_t T = out.mel_postnet->shape[1];
    ck_assert_int_eq(T, w.frames[0]);
    vx_tensor *mel = vx_new(ctx, VX_F32, 3, (int64_t[]){1, 80, T}); /* [1, n_mels, T] by hand */
    for (int64_t t = 0; t < T; t++)
        for (int c = 0; c < 80; c++)
            vx_set_f(mel, c * T + t, vx_get_f(out.mel_postnet, t * 80 + c)); /* from [1, T, n_mels] */
    vx_hifigan_infer *engine = vx_hifigan_infer_new(f.generator);
    ck_assert_ptr_nonnull(engine);
    vx_tensor *y = vx_hifigan_infer_forward(ctx, engine, mel); /* [1, 1, T·256] */
    vx_hifigan_infer_free(engine);
    ck_assert_ptr_nonnull(y);
    ck_assert_int_eq(vx_numel(y), w.samples[0]);
    float peak = 0;
    for (int64_t i = 0; i < vx_numel(y); i++)
        peak = fmaxf(peak, fabsf(vx_get_f(y, i)));
    ck_assert_float_eq(peak, w.peak[0]);
    float gain = peak > 1 ? 1 / peak : 1; /* tanh output: never above 1 */
    for (int64_t i = 0; i < vx_numel(y); i++)
        ck_assert_float_eq(w.audio[0][i], vx_get_f(y, i) * gain);
    vx_ctx_free(ctx);
    seen_free(&w);
    fixture_close(&f);
}
END_TEST

START_TEST(text_is_spoken_with_the_model_files_phoneme_map)
{
    fixture f;
    fixture_open(&f);
    vx_fs2_speak *sp = vx_fs2_speak_new(f.model, &f.info, &(vx_fs2_vocoder){.griffin_lim_iters = 1});
    ck_assert_ptr_nonnull(sp);
    vx_fs2_speak_opts o = vx_fs2_speak_default_opts();
    seen w = {0};
    vx_speak_totals t;
    const char *text = "[[ abc ]]";
    ck_assert_msg(vx_fs2_speak_text(sp, text, strlen(text), &o, record, &w, &t) == VX_OK, "%s", vx_last_error());
    ck_assert_uint_eq(w.count, 1);
    vx_phoneme_id_map *map = vx_phoneme_id_map_load(VOICE_CONFIG);
    ck_assert_ptr_nonnull(map);
    int64_t *ids;
    size_t n_ids;
    ck_assert_int_eq(vx_phoneme_ids(map, (const uint32_t[]){'a', 'b', 'c'}, 3, &ids, &n_ids, NULL), VX_OK);
    ck_assert_uint_eq(w.n_ids[0], n_ids);
    ck_assert_mem_eq(w.ids[0], ids, sizeof *ids * n_ids);
    ck_assert_str_eq(w.labels[0][0], "^");
    ck_assert_str_eq(w.labels[0][2], "a");
    ck_assert_int_eq(t.phonemes, 3);
    free(ids);
    vx_phoneme_id_map_free(map);
    seen_free(&w);
    /* nothing to say: no callback, success */
    ck_assert_int_eq(vx_fs2_speak_text(sp, "", 0, &o, record, &w, &t), VX_OK);
    ck_assert_uint_eq(t.sentences, 0);
    vx_fs2_speak_free(sp);
    fixture_close(&f);
}
END_TEST

START_TEST(vocoders_and_inputs_that_do_not_fit_are_refused)
{
    fixture f;
    fixture_open(&f);
    vx_hifigan_config narrow = tiny_generator_config(40);
    vx_hifigan *g40 = vx_hifigan_new(f.ctx, &narrow);
    ck_assert_fails(vx_fs2_speak_new(f.model, &f.info, &(vx_fs2_vocoder){.hifigan = g40}) != NULL);
    ck_assert_msg(strstr(vx_last_error(), "40 mels"), "%s", vx_last_error());
    vx_hifigan_config short_hop = tiny_generator_config(80);
    short_hop.up_rates[1] = 8;
    short_hop.up_kernels[1] = 16;
    vx_hifigan *g128 = vx_hifigan_new(f.ctx, &short_hop);
    ck_assert_fails(vx_fs2_speak_new(f.model, &f.info, &(vx_fs2_vocoder){.hifigan = g128}) != NULL);
    ck_assert_msg(strstr(vx_last_error(), "hop 256"), "%s", vx_last_error());
    ck_assert_fails(vx_fs2_speak_new(f.model, &f.info, &(vx_fs2_vocoder){.griffin_lim_iters = -1}) != NULL);
    ck_assert_fails(vx_fs2_speak_new(f.model, NULL, &(vx_fs2_vocoder){0}) != NULL);

    vx_fs2_speak *sp = vx_fs2_speak_new(f.model, &f.info, &(vx_fs2_vocoder){.griffin_lim_iters = 1});
    vx_fs2_speak_opts o = vx_fs2_speak_default_opts();
    seen w = {0};
    ck_assert_fails(vx_fs2_speak_ids(sp, "1 0 99 0 2", "--ids", &o, record, &w, NULL) == VX_OK);
    ck_assert_msg(strstr(vx_last_error(), "phoneme id 99"), "%s", vx_last_error());
    ck_assert_fails(vx_fs2_speak_ids(sp, "1 0 x", "--ids", &o, record, &w, NULL) == VX_OK);
    ck_assert_msg(strstr(vx_last_error(), "--ids"), "%s", vx_last_error());
    o.speaker = 2;
    ck_assert_fails(vx_fs2_speak_ids(sp, "1 0 2", "--ids", &o, record, &w, NULL) == VX_OK);
    o = vx_fs2_speak_default_opts();
    o.controls.speed = 0;
    ck_assert_fails(vx_fs2_speak_ids(sp, "1 0 2", "--ids", &o, record, &w, NULL) == VX_OK);
    ck_assert_uint_eq(w.count, 0);
    vx_fs2_speak_free(sp);
    vx_hifigan_free(g40);
    vx_hifigan_free(g128);
    fixture_close(&f);
}
END_TEST

/* --- voxc-tts ------------------------------------------------------------------------ */

/* Run voxc-tts; returns its exit status with stdout and stderr in *out and *err. */
static int tts(const char *const *args, char **out, char **err)
{
    return run_tool("tts", args, NULL, out, NULL, err);
}

START_TEST(tts_tool_speaks_a_fastspeech2_model_with_either_vocoder)
{
    fixture f;
    fixture_open(&f);
    char wav[600];
    snprintf(wav, sizeof wav, "%s/out.wav", f.dir);
    const char *gl[] = {"-m", f.model_path, "-o", wav, "--ids", "1 0 23 0 41 0 2; 1 0 7 0 2", "--json",
                        "--timestamps", "--sentence-silence", "0.5", NULL};
    char *out, *err;
    int rc = tts(gl, &out, &err);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    ck_assert_ptr_nonnull(strstr(err, "note: no --vocoder given; using Griffin-Lim (32 iterations)"));
    vx_json *j = vx_json_parse(out, strlen(out), "voxc-tts --json");
    ck_assert_msg(j != NULL, "%s\n%s", vx_last_error(), out);
    ck_assert_str_eq(vx_json_get_string(j, "vocoder", ""), "griffin-lim");
    const vx_json *sentences = vx_json_get(j, "sentences");
    ck_assert_uint_eq(sentences->count, 2);
    ck_assert_uint_eq(vx_json_get(sentences->items[0], "timestamps")->count, 7);
    int64_t frames = (int64_t)vx_json_get_number(vx_json_get(j, "total"), "frames", -1);
    vx_audio a;
    ck_assert_msg(vx_audio_read(wav, false, &a) == VX_OK, "%s", vx_last_error());
    ck_assert_int_eq(a.sample_rate, 22050);
    ck_assert_int_eq(a.frames, frames * 256 + 2 * 11025);
    vx_audio_free(&a);
    vx_json_free(j);
    free(out);
    free(err);

    /* HiFi-GAN from a checkpoint file, with controls; --speed 2 gives about half the frames */
    int64_t frames_at[2];
    const char *speeds[2] = {"1", "2"};
    for (int k = 0; k < 2; k++) {
        const char *hifi[] = {"-m", f.model_path, "--raw", "--vocoder", f.vocoder_path, "--ids",
                              "1 0 23 0 41 0 2", "--pitch-shift", "-2.5", "--pitch-scale", "0.5",
                              "--energy-scale", "1.5", "--speed", speeds[k], "--speaker", "1", "--json", NULL};
        size_t out_len;
        rc = run_tool("tts", hifi, NULL, &out, &out_len, &err);
        ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
        j = vx_json_parse(err, strlen(err), "voxc-tts --json"); /* JSON on stderr: audio on stdout */
        ck_assert_msg(j != NULL, "%s\n%s", vx_last_error(), err);
        ck_assert_str_eq(vx_json_get_string(j, "vocoder", ""), f.vocoder_path);
        frames_at[k] = (int64_t)vx_json_get_number(vx_json_get(j, "total"), "frames", -1);
        ck_assert_int_eq((int64_t)out_len, 2 * 256 * frames_at[k] + 2 * 4410);
        vx_json_free(j);
        free(out);
        free(err);
    }
    ck_assert_int_le(llabs(2 * frames_at[1] - frames_at[0]), 7);
    fixture_close(&f);
}
END_TEST

START_TEST(tts_tool_refuses_options_that_do_not_fit_the_model)
{
    fixture f;
    fixture_open(&f);
    char *out, *err;
    struct { const char *args[12]; int rc; const char *message; } cases[] = {
        {{"-m", f.model_path, "--raw", "--vocoder", "/nonexistent/gen.safetensors", "--ids", "1 0 2"}, 1,
         "/nonexistent/gen.safetensors"},
        {{"-m", f.model_path, "--raw", "--vocoder", f.model_path, "--ids", "1 0 2"}, 1, "has no \"generator\""},
        {{"-m", f.model_path, "--raw", "--noise-w", "0", "--ids", "1 0 2"}, 2, "--noise-w works with VITS voices"},
        {{"-m", f.model_path, "--raw", "--vocoder-config", "v1", "--ids", "1 0 2"}, 2, "--vocoder-config"},
        {{"-m", f.model_path, "--raw", "--speaker", "anna", "--ids", "1 0 2"}, 2, "speaker number"},
        {{"-m", f.model_path, "--raw", "--speaker", "2", "--ids", "1 0 2"}, 1, "speaker 2 is outside this model's 0..1"},
        {{"-m", TINY_VITS, "--raw", "--pitch-shift", "2", "--ids", "1 0 2"}, 2,
         "--pitch-shift works with FastSpeech2 models only"},
        {{"-m", TINY_VITS, "--raw", "--vocoder", "griffin-lim", "--ids", "1 0 2"}, 2, "--vocoder works with"},
        {{"-m", f.model_path, "--raw", "--speed", "0", "--ids", "1 0 2"}, 2, "bad value '0' for --speed"},
        {{"-m", f.model_path, "--raw", "--pitch-scale", "-1", "--ids", "1 0 2"}, 2, "--pitch-scale"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = tts(cases[i].args, &out, &err);
        ck_assert_msg(rc == cases[i].rc, "case %zu: exit %d, want %d: %s", i, rc, cases[i].rc, err);
        ck_assert_msg(strstr(err, cases[i].message), "case %zu: '%s' lacks '%s'", i, err, cases[i].message);
        free(out);
        free(err);
    }
    const char *help[] = {"--help", NULL};
    ck_assert_int_eq(tts(help, &out, &err), 0);
    ck_assert_ptr_nonnull(strstr(out, "--pitch-shift SEMITONES"));
    ck_assert_ptr_nonnull(strstr(out, "error with a VITS voice"));
    free(out);
    free(err);
    fixture_close(&f);
}
END_TEST

Suite *suite_fs2_speak(void)
{
    Suite *s = suite_create("fs2_speak");
    TCase *tc = tcase_create("fs2_speak");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, ids_are_spoken_sentence_by_sentence_with_griffin_lim);
    tcase_add_test(tc, speed_two_halves_the_frames_by_the_defined_rounding);
    tcase_add_test(tc, neutral_controls_equal_no_controls_and_each_control_changes_the_audio);
    tcase_add_test(tc, hifigan_audio_is_the_generator_on_the_transposed_mel);
    tcase_add_test(tc, text_is_spoken_with_the_model_files_phoneme_map);
    tcase_add_test(tc, vocoders_and_inputs_that_do_not_fit_are_refused);
    tcase_add_test(tc, tts_tool_speaks_a_fastspeech2_model_with_either_vocoder);
    tcase_add_test(tc, tts_tool_refuses_options_that_do_not_fit_the_model);
    suite_add_tcase(s, tc);
    return s;
}
