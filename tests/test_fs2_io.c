/* test_fs2_io.c — the FastSpeech2 model file (models/fastspeech2_io.h).
 *
 * A tiny random-weight model is saved and loaded into a context seeded
 * differently (so only the file can make the weights agree); the loaded
 * model must give bit-identical inference outputs for a fixed input, and the
 * config, mel recipe, phoneme set and teacher text must come back. Broken
 * files are made from a good one by rewriting it with one change each
 * (a tensor dropped, reshaped, added, or a metadata key dropped or altered);
 * each must fail with an error naming what is wrong. The phoneme set comes
 * from the tiny Piper voice's config tests/data/onnx/tiny_medium.onnx.json. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/fastspeech2_io.h"
#include "nn/safetensors.h"
#include "test_files.h"
#include "test_util.h"

#define VOICE_CONFIG "tests/data/onnx/tiny_medium.onnx.json"

/* A tiny config over the tiny voice's 64 phoneme ids, with data statistics. */
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
    c.pitch_min = -2.25f;
    c.pitch_max = 3.5f;
    c.energy_mean = 41.125f;
    c.energy_std = 18.0f;
    c.energy_min = -1.75f;
    c.energy_max = 4.25f;
    return c;
}

static void info_for_tests(vx_fs2_file_info *info)
{
    size_t len;
    char *text = read_file(VOICE_CONFIG, &len);
    vx_logmel_cfg audio = vx_logmel_cfg_hifigan();
    ck_assert_msg(vx_fs2_file_info_init(info, &audio, text, len, VOICE_CONFIG, "tiny test voice") == VX_OK, "%s",
                  vx_last_error());
    free(text);
}

/* Save a fresh tiny model to dir/name; returns the path (malloc'd). */
static char *save_tiny(const char *dir, const char *name, vx_fs2_config cfg)
{
    vx_ctx *ctx = test_ctx();
    vx_fs2 *m = vx_fs2_new(ctx, &cfg);
    ck_assert_ptr_nonnull(m);
    vx_fs2_file_info info;
    info_for_tests(&info);
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    ck_assert_msg(vx_fs2_save(path, m, &info) == VX_OK, "%s", vx_last_error());
    vx_fs2_file_info_free(&info);
    vx_fs2_free(m);
    vx_ctx_free(ctx);
    return path;
}

/* Inference on a fixed 7-id input with speaker 1 and non-neutral controls. */
static void infer(vx_ctx *ctx, vx_fs2 *m, vx_fs2_output *out)
{
    static const int32_t ids[7] = {1, 0, 23, 0, 41, 0, 2};
    vx_fs2_input in = {.phonemes = vx_from_i32(ctx, 2, (int64_t[]){1, 7}, ids),
                       .src_lens = vx_from_i32(ctx, 1, (int64_t[]){1}, (int32_t[]){7}),
                       .speakers = vx_from_i32(ctx, 1, (int64_t[]){1}, (int32_t[]){1})};
    vx_fs2_controls c = {.pitch_shift = 2, .pitch_scale = 1.5f, .energy_scale = 0.75f, .speed = 0.5f};
    ck_assert_msg(vx_fs2_forward(ctx, m, &in, NULL, &c, out) == VX_OK, "%s", vx_last_error());
}

/* Field by field (the struct has padding). */
static void assert_same_recipe(const vx_logmel_cfg *a, const vx_logmel_cfg *b)
{
    ck_assert_int_eq(a->stft.n_fft, b->stft.n_fft);
    ck_assert_int_eq(a->stft.win_length, b->stft.win_length);
    ck_assert_int_eq(a->stft.hop, b->stft.hop);
    ck_assert_int_eq(a->stft.pad, b->stft.pad);
    ck_assert_int_eq(a->stft.pad_mode, b->stft.pad_mode);
    ck_assert_int_eq(a->mel.sample_rate, b->mel.sample_rate);
    ck_assert_int_eq(a->mel.n_fft, b->mel.n_fft);
    ck_assert_int_eq(a->mel.n_mels, b->mel.n_mels);
    ck_assert(a->mel.fmin == b->mel.fmin && a->mel.fmax == b->mel.fmax);
    ck_assert_int_eq(a->mel.scale, b->mel.scale);
    ck_assert_int_eq(a->mel.norm, b->mel.norm);
    ck_assert(a->mag_eps == b->mag_eps && a->log_floor == b->log_floor);
}

static void assert_same_tensor(const vx_tensor *a, const vx_tensor *b, const char *what)
{
    ck_assert_msg(a->dtype == b->dtype && vx_same_shape(a, b), "%s: shapes differ", what);
    size_t bytes = (size_t)vx_numel(a) * vx_dtype_size(a->dtype);
    ck_assert_msg(vx_is_contiguous(a) && vx_is_contiguous(b), "%s: not contiguous", what);
    ck_assert_msg(memcmp(a->data, b->data, bytes) == 0, "%s: values differ", what);
}

START_TEST(saved_model_loads_back_with_identical_outputs_and_info)
{
    char *dir = make_dir("fs2io");
    vx_fs2_config cfg = tiny_config();
    vx_ctx *ctx = test_ctx();
    vx_fs2 *m = vx_fs2_new(ctx, &cfg);
    vx_fs2_file_info info;
    info_for_tests(&info);
    char path[512];
    snprintf(path, sizeof path, "%s/tiny.fs2.safetensors", dir);
    ck_assert_msg(vx_fs2_save(path, m, &info) == VX_OK, "%s", vx_last_error());

    vx_ctx *ctx2 = vx_ctx_new((vx_ctx_opts){.seed = 98765}); /* another initialisation */
    vx_fs2_file_info back;
    vx_fs2 *m2 = vx_fs2_load(ctx2, path, &back);
    ck_assert_msg(m2 != NULL, "%s", vx_last_error());
    ck_assert_mem_eq(vx_fs2_get_config(m2), &cfg, sizeof cfg);
    vx_logmel_cfg want_audio = vx_logmel_cfg_hifigan();
    assert_same_recipe(&back.audio, &want_audio);
    ck_assert_str_eq(back.phonemes, info.phonemes);
    ck_assert_str_eq(back.teacher, "tiny test voice");
    ck_assert_ptr_nonnull(strstr(back.phonemes, "\"espeak\":{\"voice\":\"en-us\"}"));
    ck_assert_ptr_nonnull(strstr(back.phonemes, "\"phoneme_type\":\"espeak\""));

    vx_tensor *const *p1, *const *p2;
    int n1 = vx_fs2_params(m, &p1), n2 = vx_fs2_params(m2, &p2);
    ck_assert_int_eq(n1, n2);
    for (int i = 0; i < n1; i++)
        assert_same_tensor(p1[i], p2[i], p1[i]->name);

    vx_fs2_output a, b;
    infer(ctx, m, &a);
    infer(ctx2, m2, &b);
    assert_same_tensor(a.durations, b.durations, "durations");
    assert_same_tensor(a.mel_postnet, b.mel_postnet, "mel_postnet");
    assert_same_tensor(a.pitch, b.pitch, "pitch");
    ck_assert_int_gt(vx_get_i(a.mel_lens, 0), 0);

    vx_fs2_file_info_free(&back);
    ck_assert_ptr_null(back.phonemes);
    vx_fs2_free(m2);
    vx_ctx_free(ctx2);
    vx_fs2_file_info_free(&info);
    vx_fs2_free(m);
    vx_ctx_free(ctx);
    remove_dir(dir);
}
END_TEST

START_TEST(config_json_round_trips_exactly_and_names_bad_fields)
{
    vx_fs2_config cfg = tiny_config(), back;
    cfg.dropout = 0.1f; /* not exact in decimal: must still come back bit for bit */
    char *text = vx_fs2_config_to_json(&cfg);
    ck_assert_ptr_nonnull(text);
    vx_json *j = vx_json_parse(text, strlen(text), "config");
    ck_assert_int_eq(vx_fs2_config_from_json(j, "config", &back), VX_OK);
    ck_assert_mem_eq(&back, &cfg, sizeof cfg);
    vx_json_free(j);
    free(text);

    struct { const char *json, *message; } bad[] = {
        {"{\"n_vocab\":64}", "\"n_speakers\" is missing"},
        {"[1]", "want a JSON object"},
        {NULL, "unknown key \"max_seq_len\""},
        {NULL, "\"hidden\" must be an integer"},
        {NULL, "\"ffn_kernel\" must be an array of 2 integers"},
        {NULL, "\"pitch_std\" must be a finite number"},
        {NULL, "heads"},
    };
    char *good = vx_fs2_config_to_json(&cfg);
    size_t cap = strlen(good) + 64;
    char *edits[5];
    for (int i = 0; i < 5; i++)
        edits[i] = calloc(1, cap);
    snprintf(edits[0], cap, "{\"max_seq_len\":1000,%s", good + 1);
    const char *hidden = strstr(good, "\"hidden\":16");
    snprintf(edits[1], cap, "%.*s\"hidden\":16.5%s", (int)(hidden - good), good, hidden + 11);
    const char *kernel = strstr(good, "\"ffn_kernel\":[9,1]");
    snprintf(edits[2], cap, "%.*s\"ffn_kernel\":[9]%s", (int)(kernel - good), good, kernel + 18);
    const char *std = strstr(good, "\"pitch_std\":");
    const char *std_end = strchr(std, ',');
    snprintf(edits[3], cap, "%.*s\"pitch_std\":\"wide\"%s", (int)(std - good), good, std_end);
    const char *heads = strstr(good, "\"heads\":2");
    snprintf(edits[4], cap, "%.*s\"heads\":3%s", (int)(heads - good), good, heads + 9); /* 16 % 3 != 0 */
    for (int i = 0; i < 5; i++)
        bad[2 + i].json = edits[i];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vx_fs2_config untouched = cfg;
        j = vx_json_parse(bad[i].json, strlen(bad[i].json), "bad config");
        ck_assert_msg(j != NULL, "%s", vx_last_error());
        ck_assert_fails(vx_fs2_config_from_json(j, "bad config", &untouched) == VX_OK);
        ck_assert_msg(strstr(vx_last_error(), bad[i].message), "case %zu: '%s' lacks '%s'", i, vx_last_error(),
                      bad[i].message);
        ck_assert_mem_eq(&untouched, &cfg, sizeof cfg);
        vx_json_free(j);
    }
    for (int i = 0; i < 5; i++)
        free(edits[i]);
    free(good);
}
END_TEST

START_TEST(audio_recipe_json_round_trips_and_refuses_bad_recipes)
{
    vx_logmel_cfg a = vx_logmel_cfg_hifigan(), back;
    char *text = vx_fs2_audio_to_json(&a);
    ck_assert_str_eq(text, "{\"sample_rate\":22050,\"hop\":256,\"n_fft\":1024,\"win\":1024,\"n_mels\":80,\"fmin\":0,"
                           "\"fmax\":8000,\"pad\":384,\"pad_mode\":\"reflect\",\"mel_scale\":\"slaney\","
                           "\"mel_norm\":\"slaney\",\"mag_eps\":9.99999972e-10,\"log_floor\":9.99999975e-06}");
    vx_json *j = vx_json_parse(text, strlen(text), "audio");
    ck_assert_int_eq(vx_fs2_audio_from_json(j, "audio", &back), VX_OK);
    assert_same_recipe(&back, &a);
    vx_json_free(j);
    free(text);
    const char *bad[][2] = {
        {"{\"sample_rate\":22050}", "\"hop\" is missing"},
        {"{\"sample_rate\":22050,\"hop\":256,\"n_fft\":1024,\"win\":1024,\"n_mels\":80,\"fmin\":0,\"fmax\":8000,"
         "\"pad\":384,\"pad_mode\":\"mirror\",\"mel_scale\":\"slaney\",\"mel_norm\":\"slaney\",\"mag_eps\":1e-9,"
         "\"log_floor\":1e-5}", "\"pad_mode\" must be \"reflect\" or \"constant\""},
        {"{\"sample_rate\":22050,\"hop\":256,\"n_fft\":1024,\"win\":1024,\"n_mels\":80,\"fmin\":0,\"fmax\":8000,"
         "\"pad\":384,\"pad_mode\":\"reflect\",\"mel_scale\":\"slaney\",\"mel_norm\":\"slaney\",\"mag_eps\":1e-9,"
         "\"log_floor\":0}", "not a usable mel recipe"},
        {"{\"hop_length\":256}", "unknown key \"hop_length\""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        j = vx_json_parse(bad[i][0], strlen(bad[i][0]), "audio");
        ck_assert_ptr_nonnull(j);
        ck_assert_fails(vx_fs2_audio_from_json(j, "audio", &back) == VX_OK);
        ck_assert_msg(strstr(vx_last_error(), bad[i][1]), "case %zu: '%s'", i, vx_last_error());
        vx_json_free(j);
    }
}
END_TEST

/* --- broken files -------------------------------------------------------------------- */

typedef struct edit {
    const char *drop_tensor;   /* leave this tensor out                       */
    const char *grow_tensor;   /* write this one with its first dim + 1       */
    bool extra_tensor;         /* add "extra.weight"                          */
    const char *meta_key;      /* replace (value) or drop (value NULL) a key  */
    const char *meta_value;
} edit;

/* Copy src to dst with one edit. */
static void rewrite(const char *src, const char *dst, const edit *e)
{
    vx_st_file *f = vx_st_open(src);
    ck_assert_ptr_nonnull(f);
    int n = vx_st_count(f), k = 0;
    vx_st_write_entry *w = calloc((size_t)n + 1, sizeof *w);
    float *grown = NULL;
    for (int i = 0; i < n; i++) {
        const vx_st_entry *s = vx_st_entry_at(f, i);
        if (e->drop_tensor && !strcmp(s->name, e->drop_tensor))
            continue;
        w[k] = (vx_st_write_entry){.name = s->name, .dtype = s->dtype, .ndim = s->ndim, .data = s->data};
        memcpy(w[k].shape, s->shape, sizeof s->shape);
        if (e->grow_tensor && !strcmp(s->name, e->grow_tensor)) {
            w[k].shape[0]++;
            grown = calloc(s->nbytes / (size_t)s->shape[0] * (size_t)w[k].shape[0], 1);
            w[k].data = grown;
        }
        k++;
    }
    static const float extra[3] = {1, 2, 3};
    if (e->extra_tensor)
        w[k++] = (vx_st_write_entry){.name = "extra.weight", .dtype = VX_F32, .ndim = 1, .shape = {3}, .data = extra};
    const char *keys[8], *values[8];
    int m = 0;
    for (int i = 0; i < vx_st_metadata_count(f); i++) {
        const char *key = vx_st_metadata_key(f, i);
        bool edited = e->meta_key && !strcmp(key, e->meta_key);
        if (edited && !e->meta_value)
            continue;
        keys[m] = key;
        values[m++] = edited ? e->meta_value : vx_st_metadata_value(f, i);
    }
    ck_assert_int_eq(vx_st_write(dst, k, w, m, keys, values), VX_OK);
    free(grown);
    free(w);
    vx_st_close(f);
}

START_TEST(broken_files_fail_with_an_error_naming_the_problem)
{
    char *dir = make_dir("fs2io");
    char *good = save_tiny(dir, "good.safetensors", tiny_config());
    char bad[512];
    snprintf(bad, sizeof bad, "%s/bad.safetensors", dir);
    struct { edit e; const char *message; } cases[] = {
        {{.drop_tensor = "mel_linear.weight"}, "tensor mel_linear.weight is missing"},
        {{.drop_tensor = "variance_adaptor.pitch_bins"}, "tensor variance_adaptor.pitch_bins is missing"},
        {{.grow_tensor = "encoder.src_word_emb.weight"}, "encoder.src_word_emb.weight is F32 [65, 16]; the config "
                                                         "wants F32 [64, 16]"},
        {{.extra_tensor = true}, "tensor extra.weight is not part of the model"},
        {{.meta_key = "format", .meta_value = NULL}, "no \"format\" metadata"},
        {{.meta_key = "format", .meta_value = "voxc-fastspeech2-9"}, "format \"voxc-fastspeech2-9\"; this build reads "
                                                                     "voxc-fastspeech2-1"},
        {{.meta_key = "config", .meta_value = NULL}, "metadata \"config\" is missing"},
        {{.meta_key = "config", .meta_value = "{\"n_vocab\":64"}, "metadata \"config\""},
        {{.meta_key = "audio", .meta_value = NULL}, "metadata \"audio\" is missing"},
        {{.meta_key = "phonemes", .meta_value = NULL}, "metadata \"phonemes\" is missing"},
        {{.meta_key = "phonemes", .meta_value = "{\"espeak\":{\"voice\":\"en-us\"}}"}, "phoneme_id_map"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rewrite(good, bad, &cases[i].e);
        vx_ctx *ctx = test_ctx();
        vx_fs2_file_info info = {.teacher = (char *)"stale"};
        vx_clear_error();
        ck_assert_msg(vx_fs2_load(ctx, bad, &info) == NULL, "case %zu loaded", i);
        ck_assert_msg(strstr(vx_last_error(), cases[i].message), "case %zu: '%s' lacks '%s'", i, vx_last_error(),
                      cases[i].message);
        ck_assert_ptr_null(info.phonemes);
        ck_assert_ptr_null(info.teacher);
        vx_ctx_free(ctx);
    }

    /* bins that disagree with the config's range: the config claims another range */
    vx_fs2_config other = tiny_config();
    other.pitch_max = 3.75f;
    char *other_json = vx_fs2_config_to_json(&other);
    rewrite(good, bad, &(edit){.meta_key = "config", .meta_value = other_json});
    vx_ctx *ctx = test_ctx();
    ck_assert_fails(vx_fs2_load(ctx, bad, NULL) != NULL);
    ck_assert_msg(strstr(vx_last_error(), "buffer variance_adaptor.pitch_bins differs"), "%s", vx_last_error());
    free(other_json);

    /* a truncated file */
    size_t len;
    char *bytes = read_file(good, &len);
    FILE *f = fopen(bad, "wb");
    ck_assert_uint_eq(fwrite(bytes, 1, len / 2, f), len / 2);
    fclose(f);
    free(bytes);
    ck_assert_fails(vx_fs2_load(ctx, bad, NULL) != NULL);
    ck_assert_fails(vx_fs2_load(ctx, "/nonexistent/model.safetensors", NULL) != NULL);
    vx_ctx_free(ctx);
    free(good);
    remove_dir(dir);
}
END_TEST

START_TEST(save_refuses_bad_info_and_leaves_no_file)
{
    char *dir = make_dir("fs2io");
    vx_ctx *ctx = test_ctx();
    vx_fs2_config cfg = tiny_config();
    vx_fs2 *m = vx_fs2_new(ctx, &cfg);
    vx_fs2_file_info info;
    info_for_tests(&info);
    char path[512];
    snprintf(path, sizeof path, "%s/m.safetensors", dir);

    vx_fs2_file_info no_map = info;
    no_map.phonemes = (char *)"{\"espeak\":{\"voice\":\"en-us\"}}";
    ck_assert_fails(vx_fs2_save(path, m, &no_map) == VX_OK);
    vx_fs2_file_info no_phonemes = info;
    no_phonemes.phonemes = NULL;
    ck_assert_fails(vx_fs2_save(path, m, &no_phonemes) == VX_OK);
    vx_fs2_file_info wrong_mels = info;
    wrong_mels.audio.mel.n_mels = 40;
    ck_assert_fails(vx_fs2_save(path, m, &wrong_mels) == VX_OK);
    ck_assert_msg(strstr(vx_last_error(), "40 mels"), "%s", vx_last_error());
    ck_assert_int_eq(count_files(dir), 0);
    ck_assert_fails(vx_fs2_save("/nonexistent-dir/m.safetensors", m, &info) == VX_OK);

    /* a voice config without a usable map is refused when the info is made */
    vx_fs2_file_info made;
    vx_logmel_cfg audio = vx_logmel_cfg_hifigan();
    const char *no_pad = "{\"phoneme_id_map\":{\"^\":[1],\"$\":[2]}}";
    ck_assert_fails(vx_fs2_file_info_init(&made, &audio, no_pad, strlen(no_pad), "voice", NULL) == VX_OK);
    ck_assert_ptr_null(made.phonemes);

    /* a model without speakers or PostNet and without teacher text round-trips too */
    cfg.n_speakers = 0;
    cfg.postnet_layers = 0;
    vx_fs2 *plain = vx_fs2_new(ctx, &cfg);
    vx_fs2_file_info quiet = info;
    quiet.teacher = NULL;
    ck_assert_msg(vx_fs2_save(path, plain, &quiet) == VX_OK, "%s", vx_last_error());
    vx_fs2_file_info back;
    vx_fs2 *loaded = vx_fs2_load(ctx, path, &back);
    ck_assert_msg(loaded != NULL, "%s", vx_last_error());
    ck_assert_ptr_null(back.teacher);
    ck_assert_int_eq(vx_fs2_get_config(loaded)->postnet_layers, 0);
    ck_assert(vx_fs2_file_detect(path));
    vx_fs2_file_info_free(&back);
    vx_fs2_free(loaded);
    vx_fs2_free(plain);

    vx_fs2_file_info_free(&info);
    vx_fs2_free(m);
    vx_ctx_free(ctx);
    remove_dir(dir);
}
END_TEST

START_TEST(detect_tells_fastspeech2_files_from_voices)
{
    char *dir = make_dir("fs2io");
    char *path = save_tiny(dir, "m.safetensors", tiny_config());
    ck_assert(vx_fs2_file_detect(path));
    ck_assert(!vx_fs2_file_detect("tests/data/vits/tiny_medium.safetensors"));
    ck_assert(!vx_fs2_file_detect("tests/data/onnx/tiny_medium.onnx"));
    ck_assert(!vx_fs2_file_detect("/nonexistent/model.safetensors"));
    ck_assert(!vx_fs2_file_detect(NULL));
    free(path);
    remove_dir(dir);
}
END_TEST

Suite *suite_fs2_io(void)
{
    Suite *s = suite_create("fs2_io");
    TCase *tc = tcase_create("file");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, saved_model_loads_back_with_identical_outputs_and_info);
    tcase_add_test(tc, config_json_round_trips_exactly_and_names_bad_fields);
    tcase_add_test(tc, audio_recipe_json_round_trips_and_refuses_bad_recipes);
    tcase_add_test(tc, broken_files_fail_with_an_error_naming_the_problem);
    tcase_add_test(tc, save_refuses_bad_info_and_leaves_no_file);
    tcase_add_test(tc, detect_tells_fastspeech2_files_from_voices);
    suite_add_tcase(s, tc);
    return s;
}
