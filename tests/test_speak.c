/* test_speak.c — the sentence-by-sentence pipeline (models/speak.h) on the
 * tiny random-weight Piper model tests/data/onnx/tiny_medium.onnx.
 *
 * References: the ids come from the voice's own phoneme_id_map (its .onnx.json,
 * read with text/phoneme_ids.h) in Piper's layout ^ _ p1 _ ... _ $; the audio
 * must equal a direct vx_vits_synthesize call on those ids divided by its peak
 * (Piper's per-sentence normalisation), bit for bit; vx_vits_synthesize itself
 * is checked against onnxruntime in test_vits.c. Inline phonemes [[ ... ]]
 * keep espeak-ng out of the expected values. voxc-bench (the benchmark's
 * voxc side, tools/bench.c) is run through $VOXC_BIN. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "models/speak.h"
#include "text/phoneme_ids.h"
#include "test_files.h"
#include "test_util.h"

#define TINY_MEDIUM "tests/data/onnx/tiny_medium.onnx"
#define TINY_MULTI "tests/data/onnx/tiny_multi.onnx"

/* What a test's callback saw: a copy of every sentence. */
#define MAX_SEEN 8
typedef struct seen_sentence {
    size_t index, n_ids, n_phonemes;
    int64_t ids[64];
    char labels[64][8];
    char text[64];
    float *audio;
    int64_t n_samples, frames, duration_sum;
    float peak;
    double audio_s, ready_s, progress;
} seen_sentence;

typedef struct seen {
    seen_sentence s[MAX_SEEN];
    size_t count;
    size_t fail_at; /* return an error at this callback (0: never) */
} seen;

static vx_status record(void *user, const vx_speak_sentence *s)
{
    seen *w = user;
    if (w->fail_at && w->count + 1 == w->fail_at)
        return vx_fail(VX_ERR_IO, "test: the sink is full");
    ck_assert_uint_lt(w->count, MAX_SEEN);
    ck_assert_uint_le(s->n_ids, 64);
    seen_sentence *c = &w->s[w->count++];
    c->index = s->index;
    c->n_ids = s->n_ids;
    c->n_phonemes = s->n_phonemes;
    memcpy(c->ids, s->ids, sizeof *s->ids * s->n_ids);
    memcpy(c->labels, s->labels, sizeof *s->labels * s->n_ids);
    snprintf(c->text, sizeof c->text, "%.*s", s->text ? (int)s->text_len : 0, s->text ? s->text : "");
    c->n_samples = s->n_samples;
    c->audio = malloc(sizeof(float) * (size_t)s->n_samples);
    memcpy(c->audio, s->audio, sizeof(float) * (size_t)s->n_samples);
    c->frames = s->frames;
    for (size_t i = 0; i < s->n_ids; i++)
        c->duration_sum += s->durations[i];
    c->peak = s->peak;
    c->audio_s = s->audio_s;
    c->ready_s = s->ready_s;
    c->progress = s->progress;
    ck_assert_int_eq(s->sample_rate, 22050);
    ck_assert_double_eq_tol(s->frame_s, 256.0 / 22050.0, 1e-12);
    return VX_OK;
}

static void seen_free(seen *w)
{
    for (size_t i = 0; i < w->count; i++)
        free(w->s[i].audio);
}

typedef struct fixture {
    vx_vits *voice;
    vx_speak *sp;
    vx_speak_opts opts;
} fixture;

static fixture open_voice(const char *path)
{
    fixture f;
    f.voice = vx_vits_load(path);
    ck_assert_msg(f.voice != NULL, "%s", vx_last_error());
    f.sp = vx_speak_new(f.voice);
    ck_assert_msg(f.sp != NULL, "%s", vx_last_error());
    f.opts = (vx_speak_opts){.params = vx_vits_default_params(f.voice), .normalize = true};
    f.opts.params.seed = 5;
    return f;
}

static void close_voice(fixture *f)
{
    vx_speak_free(f->sp);
    vx_vits_free(f->voice);
}

/* Piper's ids for phoneme string `phonemes` (ASCII, one byte per phoneme)
 * from the voice config's map. Returns the count. */
static size_t expected_ids(const char *phonemes, int64_t *out)
{
    vx_phoneme_id_map *m = vx_phoneme_id_map_load(TINY_MEDIUM ".json");
    ck_assert_msg(m != NULL, "%s", vx_last_error());
    size_t n = 0, k;
    out[n++] = *vx_phoneme_id_lookup(m, '^', &k);
    out[n++] = *vx_phoneme_id_lookup(m, '_', &k);
    for (const char *p = phonemes; *p; p++) {
        out[n++] = *vx_phoneme_id_lookup(m, (unsigned char)*p, &k);
        out[n++] = *vx_phoneme_id_lookup(m, '_', &k);
    }
    out[n++] = *vx_phoneme_id_lookup(m, '$', &k);
    vx_phoneme_id_map_free(m);
    return n;
}

START_TEST(text_is_spoken_sentence_by_sentence_with_the_voices_ids)
{
    fixture f = open_voice(TINY_MEDIUM);
    seen w = {0};
    vx_speak_totals t;
    const char *text = "[[ abc ]]\n\n[[ de ]]\n\n[[ fab ]]";
    ck_assert_msg(vx_speak_text(f.sp, text, strlen(text), &f.opts, record, &w, &t) == VX_OK, "%s", vx_last_error());
    ck_assert_uint_eq(w.count, 3);
    const char *phonemes[3] = {"abc", "de", "fab"};
    int64_t samples = 0, frames = 0;
    double audio_s = 0;
    for (size_t i = 0; i < 3; i++) {
        int64_t want[64];
        size_t n = expected_ids(phonemes[i], want);
        ck_assert_uint_eq(w.s[i].index, i);
        ck_assert_uint_eq(w.s[i].n_ids, n);
        ck_assert_uint_eq(w.s[i].n_phonemes, strlen(phonemes[i]));
        ck_assert_mem_eq(w.s[i].ids, want, sizeof *want * n);
        /* labels: ^ _ a _ b _ c _ $ */
        ck_assert_str_eq(w.s[i].labels[0], "^");
        ck_assert_str_eq(w.s[i].labels[1], "_");
        ck_assert_int_eq(w.s[i].labels[2][0], phonemes[i][0]);
        ck_assert_str_eq(w.s[i].labels[n - 1], "$");
        ck_assert_int_eq(w.s[i].duration_sum, w.s[i].frames);
        ck_assert_int_eq(w.s[i].n_samples, w.s[i].frames * 256);
        ck_assert(i == 0 || w.s[i].ready_s >= w.s[i - 1].ready_s);
        ck_assert(i == 0 || w.s[i].progress > w.s[i - 1].progress);
        samples += w.s[i].n_samples;
        frames += w.s[i].frames;
        audio_s += w.s[i].audio_s;
    }
    ck_assert_double_eq_tol(w.s[2].progress, 1.0, 1e-12);
    ck_assert_uint_eq(t.sentences, 3);
    ck_assert_int_eq(t.samples, samples);
    ck_assert_int_eq(t.frames, frames);
    ck_assert_int_eq(t.phonemes, 3 + 2 + 3);
    ck_assert_double_eq_tol(t.audio_s, audio_s, 1e-9);
    ck_assert_double_eq_tol(t.first_audio_s, w.s[0].ready_s, 1e-12);
    ck_assert(t.first_audio_s > 0 && t.compute_s > 0 && t.wall_s >= t.first_audio_s);
    ck_assert_uint_eq(t.misses.total, 0);
    seen_free(&w);
    close_voice(&f);
}
END_TEST

START_TEST(each_sentence_is_the_models_audio_divided_by_its_peak)
{
    fixture f = open_voice(TINY_MEDIUM);
    seen w = {0};
    const char *text = "[[ abc ]]\n\n[[ hij ]]";
    ck_assert(vx_speak_text(f.sp, text, strlen(text), &f.opts, record, &w, NULL) == VX_OK);
    ck_assert_uint_eq(w.count, 2);
    vx_ctx *ctx = test_ctx();
    for (size_t i = 0; i < w.count; i++) {
        vx_vits_output y;
        vx_ctx_reset(ctx);
        ck_assert(vx_vits_synthesize(f.voice, ctx, w.s[i].ids, (int64_t)w.s[i].n_ids, &f.opts.params, &y) == VX_OK);
        ck_assert_int_eq(vx_numel(y.audio), w.s[i].n_samples);
        const float *raw = y.audio->data;
        float peak = 0, out_peak = 0;
        for (int64_t k = 0; k < w.s[i].n_samples; k++)
            peak = fmaxf(peak, fabsf(raw[k]));
        ck_assert_float_eq(w.s[i].peak, peak);
        ck_assert(peak > 0.0f && peak < 1.0f); /* the tiny model is quiet: normalising changes it */
        for (int64_t k = 0; k < w.s[i].n_samples; k++) {
            ck_assert_float_eq(w.s[i].audio[k], raw[k] * (1.0f / peak));
            out_peak = fmaxf(out_peak, fabsf(w.s[i].audio[k]));
        }
        ck_assert_float_eq_tol(out_peak, 1.0f, 1e-6f);
    }
    vx_ctx_free(ctx);
    seen_free(&w);
    close_voice(&f);
}
END_TEST

START_TEST(a_failing_callback_stops_the_pipeline)
{
    fixture f = open_voice(TINY_MEDIUM);
    seen w = {.fail_at = 2};
    vx_speak_totals t;
    const char *text = "[[ a ]]\n\n[[ b ]]\n\n[[ c ]]";
    ck_assert_int_eq(vx_speak_text(f.sp, text, strlen(text), &f.opts, record, &w, &t), VX_ERR_IO);
    ck_assert_str_eq(vx_last_error(), "test: the sink is full");
    ck_assert_uint_eq(w.count, 1);
    ck_assert_uint_eq(t.sentences, 2); /* the second was synthesized, then refused */
    seen_free(&w);
    close_voice(&f);
}
END_TEST

START_TEST(text_without_words_speaks_nothing_and_succeeds)
{
    fixture f = open_voice(TINY_MEDIUM);
    seen w = {0};
    vx_speak_totals t;
    ck_assert(vx_speak_text(f.sp, "...", 3, &f.opts, record, &w, &t) == VX_OK);
    ck_assert(vx_speak_text(f.sp, "", 0, &f.opts, record, &w, &t) == VX_OK);
    ck_assert_uint_eq(w.count, 0);
    ck_assert_uint_eq(t.sentences, 0);
    ck_assert_double_eq(t.first_audio_s, 0.0);
    close_voice(&f);
}
END_TEST

START_TEST(normalisation_is_optional_and_missing_phonemes_are_counted)
{
    fixture f = open_voice(TINY_MEDIUM);
    seen w = {0};
    vx_speak_totals t;
    ck_assert(vx_speak_text(f.sp, "Room 2.", 7, &f.opts, record, &w, &t) == VX_OK);
    ck_assert_uint_eq(w.count, 1);
    ck_assert_str_eq(w.s[0].text, "Room two.");
    ck_assert_uint_gt(t.misses.total, 0); /* the tiny map has Latin letters only, no IPA */
    f.opts.normalize = false;
    ck_assert(vx_speak_text(f.sp, "Room 2.", 7, &f.opts, record, &w, &t) == VX_OK);
    ck_assert_uint_eq(w.count, 2);
    ck_assert_str_eq(w.s[1].text, "Room 2.");
    ck_assert_uint_eq(w.s[1].index, 0); /* indices restart per call */
    seen_free(&w);
    close_voice(&f);
}
END_TEST

START_TEST(ids_are_spoken_as_given_with_numeric_labels)
{
    fixture f = open_voice(TINY_MEDIUM);
    seen w = {0};
    vx_speak_totals t;
    ck_assert_msg(vx_speak_ids(f.sp, "1 0 5 0 9 0 2; 1,0,7,0,2;", "--ids", &f.opts, record, &w, &t) == VX_OK, "%s",
                  vx_last_error());
    ck_assert_uint_eq(w.count, 2);
    ck_assert_uint_eq(w.s[0].n_ids, 7);
    ck_assert_uint_eq(w.s[1].n_ids, 5);
    ck_assert_int_eq(w.s[1].ids[2], 7);
    ck_assert_str_eq(w.s[0].labels[2], "5");
    ck_assert_uint_eq(w.s[0].n_phonemes, 0);
    ck_assert_str_eq(w.s[0].text, "");
    ck_assert_uint_eq(t.ids, 12);
    seen_free(&w);
    /* every sentence is checked before any is spoken */
    seen none = {0};
    ck_assert_fails(vx_speak_ids(f.sp, "1 0 2; 1 x 2", "--ids", &f.opts, record, &none, &t) == VX_OK);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "--ids"));
    ck_assert_uint_eq(none.count, 0);
    ck_assert_fails(vx_speak_ids(f.sp, " ; ;", "--ids", &f.opts, record, &none, &t) == VX_OK);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "no ids"));
    ck_assert_fails(vx_speak_ids(f.sp, "1 0 999 0 2", "--ids", &f.opts, record, &none, &t) == VX_OK);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "999"));
    ck_assert_uint_eq(none.count, 0);
    close_voice(&f);
}
END_TEST

START_TEST(speakers_are_found_by_number_or_name)
{
    vx_vits *v = vx_vits_load(TINY_MULTI);
    ck_assert_msg(v != NULL, "%s", vx_last_error());
    int id = -1;
    ck_assert(vx_speak_find_speaker(v, "speaker_2", &id) == VX_OK);
    ck_assert_int_eq(id, 2); /* tiny_multi.onnx.json: "speaker_2": 2 */
    ck_assert(vx_speak_find_speaker(v, "3", &id) == VX_OK);
    ck_assert_int_eq(id, 3);
    ck_assert_fails(vx_speak_find_speaker(v, "4", &id) == VX_OK);
    ck_assert_fails(vx_speak_find_speaker(v, "nobody", &id) == VX_OK);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "nobody"));
    vx_vits_free(v);
}
END_TEST

START_TEST(bad_arguments_fail_with_a_message)
{
    ck_assert_fails(vx_speak_new(NULL) != NULL);
    fixture f = open_voice(TINY_MEDIUM);
    ck_assert_fails(vx_speak_text(f.sp, NULL, 3, &f.opts, record, NULL, NULL) == VX_OK);
    ck_assert_fails(vx_speak_text(f.sp, "a", 1, NULL, record, NULL, NULL) == VX_OK);
    ck_assert_fails(vx_speak_ids(f.sp, NULL, "--ids", &f.opts, record, NULL, NULL) == VX_OK);
    f.opts.params.length_scale = 0.0f;
    ck_assert_fails(vx_speak_text(f.sp, "[[ a ]]", 7, &f.opts, record, NULL, NULL) == VX_OK);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "length_scale"));
    close_voice(&f);
}
END_TEST

START_TEST(buffer_appends_samples_and_silence)
{
    vx_speak_buffer b = {0};
    float x[3] = {0.5f, -0.25f, 1.0f};
    ck_assert(vx_speak_buffer_append(&b, NULL, 0) == VX_OK); /* nothing to an empty buffer */
    ck_assert_int_eq(b.n, 0);
    ck_assert(vx_speak_buffer_append(&b, x, 3) == VX_OK);
    ck_assert(vx_speak_buffer_append(&b, NULL, 100000) == VX_OK); /* grows past the first block */
    ck_assert(vx_speak_buffer_append(&b, x, 2) == VX_OK);
    ck_assert_int_eq(b.n, 100005);
    ck_assert_float_eq(b.samples[1], -0.25f);
    ck_assert_float_eq(b.samples[50000], 0.0f);
    ck_assert_float_eq(b.samples[100003], 0.5f);
    ck_assert_fails(vx_speak_buffer_append(&b, x, -1) == VX_OK);
    vx_speak_buffer_free(&b);
    ck_assert_ptr_null(b.samples);
}
END_TEST

/* --- voxc-bench ------------------------------------------------------------------- */

START_TEST(bench_tool_answers_each_request_with_one_json_line)
{
    char *tmp = make_dir("bench"), *requests = NULL;
    ck_assert_int_ge(asprintf(&requests, "%s/requests.txt", tmp), 0);
    write_file(requests, "ids 1 0 5 0 9 0 2\ntext [[ abc ]]\n\nrss\nwhat\nids 1 0 999 0 2\n");
    const char *args[] = {"tts", "-m", TINY_MEDIUM, "--threads", "1", "--noise-scale", "0", "--noise-w", "0", NULL};
    char *out, *err;
    ck_assert_int_eq(run_tool("bench", args, requests, &out, NULL, &err), 0);
    const char *want_keys[] = {"samples", "first_audio_ms", "max_rss_mb", "error", "error"};
    char *line = out;
    for (size_t k = 0; k < 5; k++) {
        char *nl = strchr(line, '\n');
        ck_assert_msg(nl != NULL, "answer %zu missing in: %s", k, out);
        vx_json *j = vx_json_parse(line, (size_t)(nl - line), "voxc-bench answer");
        ck_assert_msg(j != NULL, "%s", vx_last_error());
        ck_assert_msg(vx_json_get(j, want_keys[k]) != NULL, "answer %zu lacks %s", k, want_keys[k]);
        if (k == 0) /* frames x hop */
            ck_assert_int_eq((int64_t)vx_json_get_number(j, "samples", -1),
                             256 * (int64_t)vx_json_get_number(j, "frames", -1));
        vx_json_free(j);
        line = nl + 1;
    }
    ck_assert_str_eq(line, ""); /* the empty line has no answer */
    free(out);
    free(err);
    const char *help[] = {"--help", NULL};
    ck_assert_int_eq(run_tool("bench", help, NULL, &out, NULL, &err), 0);
    ck_assert_ptr_nonnull(strstr(out, "usage: voxc-bench tts"));
    free(out);
    free(err);
    const char *no_voice[] = {"tts", "-m", "data/voices/absent.onnx", NULL};
    ck_assert_int_eq(run_tool("bench", no_voice, NULL, &out, NULL, &err), 1);
    ck_assert_ptr_nonnull(strstr(err, "make voice"));
    free(out);
    free(err);
    const char *bad[] = {"tts", "--threads", "0", "-m", TINY_MEDIUM, NULL};
    ck_assert_int_eq(run_tool("bench", bad, NULL, &out, NULL, &err), 2);
    free(out);
    free(err);
    const char *bad_conv[] = {"tts", "--conv", "winograd", "-m", TINY_MEDIUM, NULL};
    ck_assert_int_eq(run_tool("bench", bad_conv, NULL, &out, NULL, &err), 2);
    ck_assert_msg(strstr(err, "--conv needs a valid value"), "%s", err);
    free(out);
    free(err);
    /* --conv is taken (the decoder's convs through the FFT) and the request
     * still answers; that the FFT path runs and matches the direct one is
     * test_vits.c's fft_decoder_convs_give_the_direct_audio */
    write_file(requests, "ids 1 0 5 0 9 0 2\n");
    const char *fft[] = {"tts", "-m", TINY_MEDIUM, "--threads", "1", "--conv", "fft", NULL};
    ck_assert_int_eq(run_tool("bench", fft, requests, &out, NULL, &err), 0);
    ck_assert_msg(strstr(out, "\"samples\""), "%s", out);
    free(out);
    free(err);
    free(requests);
    remove_dir(tmp);
}
END_TEST

Suite *suite_speak(void)
{
    Suite *s = suite_create("speak");
    TCase *tc = tcase_create("speak");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, text_is_spoken_sentence_by_sentence_with_the_voices_ids);
    tcase_add_test(tc, each_sentence_is_the_models_audio_divided_by_its_peak);
    tcase_add_test(tc, a_failing_callback_stops_the_pipeline);
    tcase_add_test(tc, text_without_words_speaks_nothing_and_succeeds);
    tcase_add_test(tc, normalisation_is_optional_and_missing_phonemes_are_counted);
    tcase_add_test(tc, ids_are_spoken_as_given_with_numeric_labels);
    tcase_add_test(tc, speakers_are_found_by_number_or_name);
    tcase_add_test(tc, bad_arguments_fail_with_a_message);
    tcase_add_test(tc, buffer_appends_samples_and_silence);
    tcase_add_test(tc, bench_tool_answers_each_request_with_one_json_line);
    suite_add_tcase(s, tc);
    return s;
}
