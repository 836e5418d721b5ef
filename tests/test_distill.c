/* test_distill.c — corpora spoken by a Piper voice (train/distill.h) and the
 * voxc-distill tool (run through $VOXC_BIN), with the tiny random-weight
 * voices tests/data/onnx/tiny_medium.onnx (22050 Hz, hop 256) and
 * tiny_multi.onnx (16000 Hz, hop 256).
 *
 * References: the rows must open with train/dataset.h; each wav must hold
 * Σdurations · 256 samples and equal a direct vx_vits_synthesize call on the
 * row's ids (noise seed = seed XOR vx_clip_hash(id)) divided by its peak, to
 * 16-bit precision (vx_vits_synthesize itself is checked against onnxruntime
 * in test_vits.c); the ids of a two-sentence line are built here by hand in
 * Piper's layout ^ _ p1 _ ... pn _ $ from the voice's own phoneme_id_map over
 * the concatenated sentences; voice.json must hold the voice's own config.
 * Resuming is checked by counts and by the wav's
 * modification time, which must not change for a kept clip. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audio/wav.h"
#include "core/json.h"
#include "core/vx.h"
#include "models/vits.h"
#include "text/normalize.h"
#include "text/phoneme_ids.h"
#include "text/phonemize.h"
#include "train/dataset.h"
#include "train/distill.h"
#include "test_files.h"
#include "test_util.h"

#define TINY_MEDIUM "tests/data/onnx/tiny_medium.onnx"
#define TINY_MULTI "tests/data/onnx/tiny_multi.onnx"

static const char *const THREE_TEXTS = "a1|Hello there. How are you today?\n"
                                       "a2|A second line, with a comma.\n"
                                       "a3|Third and last.\n";

static char *path_in(const char *dir, const char *name)
{
    char *p = NULL;
    ck_assert_int_ge(asprintf(&p, "%s/%s", dir, name), 0);
    return p;
}

static vx_vits *load_voice(const char *path)
{
    vx_vits *v = vx_vits_load(path);
    ck_assert_msg(v != NULL, "%s", vx_last_error());
    return v;
}

static vx_distill_opts opts_for(const vx_vits *v, const char *texts, const char *dir, int limit)
{
    return (vx_distill_opts){.texts = texts, .out_dir = dir, .voice_name = TINY_MEDIUM, .limit = limit,
                             .params = vx_vits_default_params(v)};
}

static void run_ok(const vx_vits *v, const vx_distill_opts *o, vx_data_report *r, vx_distill_stats *s)
{
    vx_status st = vx_distill_run(v, o, r, s);
    ck_assert_msg(st == VX_OK, "%s", vx_last_error());
}

static int64_t mtime_ns(const char *path)
{
    struct stat sb;
    ck_assert_int_eq(stat(path, &sb), 0);
    return (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
}

static int count_lines(const char *path)
{
    char *text = read_file(path, NULL);
    int n = 0;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    free(text);
    return n;
}

/* The ids of `text` built by hand: normalise, phonemise, join the sentences,
 * then ^ _ (ids of p, _)... $ with the voice's map. */
static int64_t *expected_ids(const vx_vits *v, const char *text, size_t *n, size_t *sentences)
{
    size_t len;
    const char *json = vx_vits_voice_json(v, &len);
    vx_json *cfg = vx_json_parse(json, len, "voice config");
    ck_assert_ptr_nonnull(cfg);
    vx_phoneme_id_map *map = vx_phoneme_id_map_from_config(cfg, "voice config");
    ck_assert_ptr_nonnull(map);
    char *norm = vx_normalize(text, strlen(text), &len);
    vx_phonemes *ph = vx_phonemize(norm, len, "en-us");
    ck_assert_ptr_nonnull(ph);
    *sentences = ph->count;
    int64_t *ids = malloc(sizeof *ids * 4096);
    size_t k = 0, one;
    ids[k++] = vx_phoneme_id_lookup(map, '^', &one)[0];
    int64_t pad = vx_phoneme_id_lookup(map, '_', &one)[0];
    ids[k++] = pad;
    for (size_t s = 0; s < ph->count; s++)
        for (size_t i = 0; i < ph->sentences[s].n; i++) {
            size_t m = 0;
            const int64_t *p = vx_phoneme_id_lookup(map, ph->sentences[s].phonemes[i], &m);
            for (size_t j = 0; p && j < m; j++)
                ids[k++] = p[j];
            if (p)
                ids[k++] = pad;
        }
    ids[k++] = vx_phoneme_id_lookup(map, '$', &one)[0];
    *n = k;
    vx_phonemes_free(ph);
    free(norm);
    vx_phoneme_id_map_free(map);
    vx_json_free(cfg);
    return ids;
}

START_TEST(distill_rows_open_as_a_dataset_and_wavs_match_durations_and_vits)
{
    char *tmp = make_dir("distill");
    char *texts = path_in(tmp, "texts.txt"), *dir = path_in(tmp, "corpus");
    write_file(texts, THREE_TEXTS);
    vx_vits *v = load_voice(TINY_MEDIUM);
    vx_distill_opts o = opts_for(v, texts, dir, 0);
    o.features = true;
    vx_data_report rep = {0};
    vx_distill_stats s;
    run_ok(v, &o, &rep, &s);
    ck_assert_int_eq(rep.n, 0);
    ck_assert_int_eq(s.texts, 3);
    ck_assert_int_eq(s.made, 3);
    ck_assert_int_eq(s.clips, 3);
    ck_assert_int_eq(s.skipped, 0);
    ck_assert_int_eq(s.cache.clips, 3);
    /* voice.json: the voice's own config, for a student's model file */
    char *voice_json = path_in(dir, "voice.json");
    size_t config_len, voice_len;
    char *config = read_file(voice_json, &config_len);
    const char *voice_config = vx_vits_voice_json(v, &voice_len);
    ck_assert_ptr_nonnull(config);
    ck_assert_uint_eq(config_len, voice_len);
    ck_assert(memcmp(config, voice_config, voice_len) == 0);
    free(config);
    free(voice_json);

    vx_dataset *ds = vx_dataset_open(dir, &rep);
    ck_assert_msg(ds != NULL, "%s", vx_last_error());
    ck_assert_int_eq(rep.n, 0);
    ck_assert_int_eq(ds->n_clips, 3);
    vx_ctx *ctx = test_ctx();
    double audio_s = 0;
    for (int c = 0; c < ds->n_clips; c++) {
        const vx_clip *clip = &ds->clips[c];
        char want_id[16];
        snprintf(want_id, sizeof want_id, "a%d", c + 1);
        ck_assert_str_eq(clip->id, want_id);
        ck_assert_int_gt(clip->n_phonemes, 3);
        int64_t frames = 0;
        for (int i = 0; i < clip->n_phonemes; i++)
            frames += clip->durations[i];
        vx_audio a;
        ck_assert_int_eq(vx_audio_read(clip->path, false, &a), VX_OK);
        ck_assert_int_eq(a.sample_rate, 22050);
        ck_assert_int_eq(a.channels, 1);
        ck_assert_int_eq(a.frames, frames * 256);
        audio_s += (double)a.frames / 22050;
        /* the same ids through vx_vits_synthesize with the clip's seed, peak-normalised */
        int64_t *ids = malloc(sizeof *ids * (size_t)clip->n_phonemes);
        for (int i = 0; i < clip->n_phonemes; i++)
            ids[i] = clip->phoneme_ids[i];
        vx_vits_params p = vx_vits_default_params(v);
        p.seed ^= vx_clip_hash(clip->id);
        vx_ctx_reset(ctx);
        vx_vits_output y;
        ck_assert_int_eq(vx_vits_synthesize(v, ctx, ids, clip->n_phonemes, &p, &y), VX_OK);
        ck_assert_int_eq(y.frames, frames);
        const float *ref = y.audio->data;
        float peak = 0;
        for (int64_t i = 0; i < a.frames; i++)
            peak = fmaxf(peak, fabsf(ref[i]));
        float max_err = 0, wav_peak = 0;
        for (int64_t i = 0; i < a.frames; i++) {
            max_err = fmaxf(max_err, fabsf(a.samples[i] - ref[i] / peak));
            wav_peak = fmaxf(wav_peak, fabsf(a.samples[i]));
        }
        ck_assert_msg(max_err <= 1.5f / 32767, "%s: wav differs from VITS / peak by %g", clip->id, max_err);
        ck_assert_float_eq_tol(wav_peak, 1.0f, 1.0f / 32767);
        free(ids);
        vx_audio_free(&a);
    }
    ck_assert_double_eq_tol(s.audio_s, audio_s, 1e-9);
    /* a1 holds two sentences: one id sequence over both */
    size_t n_want, sentences;
    int64_t *want = expected_ids(v, "Hello there. How are you today?", &n_want, &sentences);
    ck_assert_uint_eq(sentences, 2);
    ck_assert_int_eq(ds->clips[0].n_phonemes, (int)n_want);
    for (size_t i = 0; i < n_want; i++)
        ck_assert_int_eq(ds->clips[0].phoneme_ids[i], want[i]);
    free(want);
    /* the row keeps the text and its normalised form */
    char *csv_path = path_in(dir, "metadata.csv");
    char *csv = read_file(csv_path, NULL);
    const char *row_start = "a1|Hello there. How are you today?|Hello there. How are you today?|";
    ck_assert_msg(!strncmp(csv, row_start, strlen(row_start)), "%s", csv);
    free(csv);
    free(csv_path);
    vx_ctx_free(ctx);
    vx_dataset_free(ds);
    vx_data_report_clear(&rep);
    vx_vits_free(v);
    free(texts);
    free(dir);
    remove_dir(tmp);
}
END_TEST

START_TEST(distill_resumes_keeping_intact_clips_and_redoing_broken_ones)
{
    char *tmp = make_dir("distill");
    char *texts = path_in(tmp, "texts.txt"), *dir = path_in(tmp, "corpus");
    char *meta = path_in(dir, "metadata.csv"), *wav1 = path_in(dir, "wavs/a1.wav"),
         *wav2 = path_in(dir, "wavs/a2.wav");
    write_file(texts, THREE_TEXTS);
    vx_vits *v = load_voice(TINY_MEDIUM);
    vx_distill_opts o = opts_for(v, texts, dir, 2);
    vx_distill_stats s;
    run_ok(v, &o, NULL, &s);
    ck_assert_int_eq(s.made, 2);
    int64_t t1 = mtime_ns(wav1);

    o.limit = 3; /* one more text: only it is made */
    run_ok(v, &o, NULL, &s);
    ck_assert_int_eq(s.made, 1);
    ck_assert_int_eq(s.kept, 2);
    ck_assert_int_eq(s.clips, 3);
    ck_assert_int_eq(mtime_ns(wav1), t1);

    FILE *f = fopen(meta, "ab"); /* an interrupted append: a row without its newline */
    ck_assert_ptr_nonnull(f);
    fputs("a9|half a row|half", f);
    fclose(f);
    run_ok(v, &o, NULL, &s);
    ck_assert_int_eq(s.made, 0);
    ck_assert_int_eq(s.kept, 3);
    ck_assert_int_eq(count_lines(meta), 3);

    ck_assert_int_eq(unlink(wav2), 0); /* a lost wav is made again */
    run_ok(v, &o, NULL, &s);
    ck_assert_int_eq(s.made, 1);
    ck_assert_int_eq(s.redone, 1);
    ck_assert_int_eq(s.kept, 2);
    vx_dataset *ds = vx_dataset_open(dir, NULL);
    ck_assert_ptr_nonnull(ds);
    ck_assert_int_eq(ds->n_clips, 3);
    ck_assert_str_eq(ds->clips[1].id, "a2"); /* text order, also after a redo */
    vx_dataset_free(ds);

    o.limit = 1; /* rows of ids outside the texts stay */
    run_ok(v, &o, NULL, &s);
    ck_assert_int_eq(s.kept, 1);
    ck_assert_int_eq(s.kept_other, 2);
    ck_assert_int_eq(s.clips, 3);
    ck_assert_int_eq(mtime_ns(wav1), t1);

    o.params.noise_scale = 0.25f; /* other settings: refused, nothing touched */
    ck_assert_fails(vx_distill_run(v, &o, NULL, &s) == VX_OK);
    ck_assert_msg(strstr(vx_last_error(), "noise_scale") != NULL, "%s", vx_last_error());
    ck_assert_int_eq(count_lines(meta), 3);

    vx_vits_free(v);
    free(meta), free(wav1), free(wav2), free(texts), free(dir);
    remove_dir(tmp);
}
END_TEST

START_TEST(distill_reports_unusable_texts_and_goes_on)
{
    char *tmp = make_dir("distill");
    char *texts = path_in(tmp, "texts.txt"), *dir = path_in(tmp, "corpus");
    write_file(texts, "b1|\n"
                      "b2|...\n"
                      "b3|Fine text here.\n"
                      "b4/x|a bad id\n"
                      "b3|a duplicate id\n"
                      "a line without a bar\n"
                      "b5|[[\xc9\x99\xc9\xaa\xca\x8a]]\n" /* ə ɪ ʊ: none in the tiny voice's map */
                      "b6|a|b|c\n"
                      "b7|bad \xff\xfe bytes\n");
    vx_vits *v = load_voice(TINY_MEDIUM);
    vx_distill_opts o = opts_for(v, texts, dir, 0);
    vx_data_report rep = {0};
    vx_distill_stats s;
    run_ok(v, &o, &rep, &s);
    ck_assert_int_eq(s.texts, 9);
    ck_assert_int_eq(s.made, 1);
    ck_assert_int_eq(s.clips, 1);
    ck_assert_int_eq(s.skipped, 8);
    const char *where[] = {"b1", "b2", "texts line 4", "texts line 5", "texts line 6", "b5", "texts line 8", "b7"};
    for (size_t i = 0; i < sizeof where / sizeof where[0]; i++)
        ck_assert_msg(vx_data_report_find(&rep, where[i]) >= 0, "no report entry for %s", where[i]);
    ck_assert_int_eq(rep.n, 8);
    ck_assert_msg(strstr(rep.items[vx_data_report_find(&rep, "b2")].what, "no phonemes"), "%s",
                  rep.items[vx_data_report_find(&rep, "b2")].what);
    vx_data_report_clear(&rep);
    vx_vits_free(v);
    free(texts), free(dir);
    remove_dir(tmp);
}
END_TEST

START_TEST(distill_plain_lines_get_line_number_ids_and_limit_counts_lines)
{
    char *tmp = make_dir("distill");
    char *texts = path_in(tmp, "texts.txt"), *dir = path_in(tmp, "corpus");
    write_file(texts, "\xEF\xBB\xBFHello.\r\n\r\n  \nWorld here.\nNot taken.\n");
    vx_vits *v = load_voice(TINY_MEDIUM);
    vx_distill_opts o = opts_for(v, texts, dir, 2);
    vx_distill_stats s;
    run_ok(v, &o, NULL, &s);
    ck_assert_int_eq(s.texts, 2);
    vx_dataset *ds = vx_dataset_open(dir, NULL);
    ck_assert_ptr_nonnull(ds);
    ck_assert_int_eq(ds->n_clips, 2);
    ck_assert_str_eq(ds->clips[0].id, "line-000001");
    ck_assert_str_eq(ds->clips[1].id, "line-000004");
    vx_dataset_free(ds);
    vx_vits_free(v);
    free(texts), free(dir);
    remove_dir(tmp);
}
END_TEST

START_TEST(distill_refuses_missing_texts_foreign_folders_and_rate_mismatch)
{
    char *tmp = make_dir("distill");
    char *texts = path_in(tmp, "texts.txt"), *dir = path_in(tmp, "corpus"), *missing = path_in(tmp, "none.txt");
    char *foreign = path_in(tmp, "lj"), *foreign_meta = path_in(foreign, "metadata.csv");
    vx_vits *v = load_voice(TINY_MEDIUM);
    vx_distill_opts o = opts_for(v, missing, dir, 0);
    vx_distill_stats s;
    ck_assert_fails(vx_distill_run(v, &o, NULL, &s) == VX_OK);
    ck_assert_msg(strstr(vx_last_error(), "none.txt") != NULL, "%s", vx_last_error());

    write_file(texts, "x1|\nx2|...\n"); /* nothing to say at all */
    o.texts = texts;
    ck_assert_fails(vx_distill_run(v, &o, NULL, &s) == VX_OK);
    ck_assert_int_eq(s.skipped, 2);

    write_file(texts, THREE_TEXTS);
    ck_assert_int_eq(mkdir(foreign, 0777), 0);
    write_file(foreign_meta, "LJ001|text|text\n");
    o.out_dir = foreign;
    ck_assert_fails(vx_distill_run(v, &o, NULL, &s) == VX_OK);
    ck_assert_msg(strstr(vx_last_error(), "did not make") != NULL, "%s", vx_last_error());
    char *kept = read_file(foreign_meta, NULL);
    ck_assert_str_eq(kept, "LJ001|text|text\n");
    free(kept);
    vx_vits_free(v);

    v = load_voice(TINY_MULTI); /* 16000 Hz: no feature cache, but a corpus */
    char *dir16 = path_in(tmp, "corpus16k");
    o = opts_for(v, texts, dir16, 1);
    o.features = true;
    ck_assert_fails(vx_distill_run(v, &o, NULL, &s) == VX_OK);
    ck_assert_msg(strstr(vx_last_error(), "22050") != NULL, "%s", vx_last_error());
    o.features = false;
    run_ok(v, &o, NULL, &s);
    ck_assert_int_eq(s.made, 1);
    char *wav = path_in(dir16, "wavs/a1.wav");
    vx_audio a;
    ck_assert_int_eq(vx_audio_read(wav, false, &a), VX_OK);
    ck_assert_int_eq(a.sample_rate, 16000);
    vx_audio_free(&a);
    vx_vits_free(v);
    free(wav), free(dir16), free(texts), free(dir), free(missing), free(foreign), free(foreign_meta);
    remove_dir(tmp);
}
END_TEST

START_TEST(distill_tool_has_help_usage_errors_and_a_summary)
{
    char *tmp = make_dir("distill");
    char *texts = path_in(tmp, "texts.txt"), *dir = path_in(tmp, "corpus");
    write_file(texts, "c1|Hello.\nc2|Good bye.\n");
    char *out, *err;
    const char *help[] = {"--help", NULL};
    ck_assert_int_eq(run_tool("distill", help, NULL, &out, NULL, &err), 0);
    ck_assert_ptr_nonnull(strstr(out, "usage: voxc-distill"));
    free(out), free(err);
    const char *no_voice[] = {"-o", dir, NULL};
    ck_assert_int_eq(run_tool("distill", no_voice, NULL, &out, NULL, &err), 2);
    ck_assert_ptr_nonnull(strstr(err, "no voice"));
    free(out), free(err);
    const char *bad_limit[] = {"-m", TINY_MEDIUM, "-o", dir, "--limit", "0", NULL};
    ck_assert_int_eq(run_tool("distill", bad_limit, NULL, &out, NULL, &err), 2);
    free(out), free(err);
    const char *no_texts[] = {"-m", TINY_MEDIUM, "-o", dir, "--texts", "/nonexistent/texts.txt", NULL};
    ck_assert_int_eq(run_tool("distill", no_texts, NULL, &out, NULL, &err), 1);
    ck_assert_msg(strstr(err, "is missing") != NULL, "%s", err);
    free(out), free(err);
    const char *ok[] = {"-m", TINY_MEDIUM, "-o", dir, "--texts", texts, "--no-features", "--quiet", NULL};
    ck_assert_int_eq(run_tool("distill", ok, NULL, &out, NULL, &err), 0);
    ck_assert_msg(strstr(err, "2 clips") != NULL && strstr(err, "2 made now") != NULL, "%s", err);
    free(out), free(err);
    ck_assert_int_eq(run_tool("distill", ok, NULL, &out, NULL, &err), 0);
    ck_assert_msg(strstr(err, "0 made now") != NULL && strstr(err, "2 kept") != NULL, "%s", err);
    free(out), free(err);
    free(texts), free(dir);
    remove_dir(tmp);
}
END_TEST

Suite *suite_distill(void)
{
    Suite *s = suite_create("distill");
    TCase *tc = tcase_create("distill");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, distill_rows_open_as_a_dataset_and_wavs_match_durations_and_vits);
    tcase_add_test(tc, distill_resumes_keeping_intact_clips_and_redoing_broken_ones);
    tcase_add_test(tc, distill_reports_unusable_texts_and_goes_on);
    tcase_add_test(tc, distill_plain_lines_get_line_number_ids_and_limit_counts_lines);
    tcase_add_test(tc, distill_refuses_missing_texts_foreign_folders_and_rate_mismatch);
    tcase_add_test(tc, distill_tool_has_help_usage_errors_and_a_summary);
    suite_add_tcase(s, tc);
    return s;
}
