/* test_text_phonemize.c — voxc's phonemiser against Piper's, phoneme ids in
 * Piper's layout, inline phonemes, NFD, language flags, thread safety and the
 * voxc-phonemize tool.
 *
 * Reference: tests/data/piper/phonemes_fixture.json, written by
 * tests/ref/piper_phonemes.py with the PyPI piper-phonemize package; ids with
 * the en_US-joe-medium voice's map (tests/data/piper/en_US-joe-medium.onnx.json).
 * Sentences that differ must be listed in tests/data/piper/phonemes_differences.md
 * (written by tests/ref/piper_phonemes_differences.py, which shows each one
 * comes from the espeak-ng version: Debian's `espeak-ng --ipa` agrees with voxc). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "test_files.h"
#include "test_util.h"
#include "text/phoneme_ids.h"
#include "text/phonemize.h"
#include "text/utf8.h"

#define FIXTURE "tests/data/piper/phonemes_fixture.json"
#define VOICE_JSON "tests/data/piper/en_US-joe-medium.onnx.json"
#define DIFFERENCES "tests/data/piper/phonemes_differences.md"

static vx_json *read_json(const char *path)
{
    size_t len;
    char *text = read_file(path, &len);
    vx_json *j = vx_json_parse(text, len, path);
    free(text);
    ck_assert_msg(j != NULL, "%s", vx_last_error());
    return j;
}

static vx_phoneme_id_map *joe_map(void)
{
    vx_phoneme_id_map *m = vx_phoneme_id_map_load(VOICE_JSON);
    ck_assert_msg(m != NULL, "%s", vx_last_error());
    return m;
}

static vx_phonemes *phonemize(const char *text, const char *voice)
{
    vx_phonemes *p = vx_phonemize(text, strlen(text), voice);
    ck_assert_msg(p != NULL, "phonemize(\"%s\"): %s", text, vx_last_error());
    return p;
}

/* Append a sentence's phonemes as UTF-8 to buf (NUL-terminated). */
static void append_utf8(const vx_phoneme_sentence *s, char *buf, size_t size)
{
    size_t at = strlen(buf);
    for (size_t i = 0; i < s->n && at + 5 < size; i++)
        at += vx_utf8_encode(s->phonemes[i], buf + at);
    buf[at] = '\0';
}

/* A sentence's phonemes as a UTF-8 string (one static buffer: not for threads). */
static const char *utf8_of(const vx_phoneme_sentence *s)
{
    static char buf[8192];
    buf[0] = '\0';
    append_utf8(s, buf, sizeof buf);
    return buf;
}

static bool ids_equal(const int64_t *ids, size_t n, const vx_json *want)
{
    if (want->type != VX_JSON_ARRAY || want->count != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((int64_t)want->items[i]->number != ids[i])
            return false;
    return true;
}

/* Is case `id` listed as "- case: ID" in the differences file? */
static bool documented(const char *md, const char *id)
{
    char needle[128];
    snprintf(needle, sizeof needle, "- case: %s\n", id);
    return strstr(md, needle) != NULL;
}

START_TEST(phonemizer_gives_piper_ids_for_the_fixture_sentences)
{
    vx_json *fx = read_json(FIXTURE);
    vx_phoneme_id_map *map = joe_map();
    size_t md_len;
    char *md = read_file(DIFFERENCES, &md_len);
    const vx_json *cases = vx_json_get(fx, "cases");
    ck_assert_ptr_nonnull(cases);
    ck_assert_uint_ge(cases->count, 100);
    size_t sentences = 0, matched = 0, undocumented = 0;
    for (size_t c = 0; c < cases->count; c++) {
        const vx_json *cs = cases->items[c];
        const char *id = vx_json_get_string(cs, "id", "?");
        const vx_json *text = vx_json_get(cs, "text");
        const vx_json *want = vx_json_get(cs, "sentences");
        vx_phonemes *got = vx_phonemize(text->string, text->len, "en-us");
        ck_assert_msg(got != NULL, "%s: %s", id, vx_last_error());
        size_t case_matched = 0;
        for (size_t s = 0; s < want->count; s++) {
            if (s >= got->count)
                continue;
            int64_t *ids;
            size_t n_ids;
            ck_assert_int_eq(vx_phoneme_ids(map, got->sentences[s].phonemes, got->sentences[s].n,
                                            &ids, &n_ids, NULL),
                             VX_OK);
            case_matched += ids_equal(ids, n_ids, vx_json_get(want->items[s], "ids"));
            free(ids);
        }
        if (got->count != want->count)
            case_matched = 0;
        sentences += want->count;
        matched += case_matched;
        if (case_matched != want->count && !documented(md, id)) {
            fprintf(stderr, "%s: voxc differs from Piper and %s does not explain it\n", id,
                    DIFFERENCES);
            undocumented++;
        }
        vx_phonemes_free(got);
    }
    ck_assert_uint_ge(sentences, 100);
    ck_assert_msg(matched * 100 >= sentences * 95, "only %zu of %zu sentences match Piper's ids",
                  matched, sentences);
    ck_assert_msg(undocumented == 0, "%zu differing cases are not listed in %s", undocumented,
                  DIFFERENCES);
    free(md);
    vx_phoneme_id_map_free(map);
    vx_json_free(fx);
}
END_TEST

START_TEST(phoneme_ids_use_piper_layout_with_a_pad_after_bos)
{
    vx_phoneme_id_map *map = joe_map();
    /* "[[ç]]": NFD gives c + U+0327 (python3 -c "import unicodedata;
     * print(unicodedata.normalize('NFD', 'ç'))"); the map gives c=16, U+0327=140,
     * ^=1, _=0, $=2. */
    vx_phonemes *p = phonemize("[[ç]]", NULL);
    ck_assert_uint_eq(p->count, 1);
    ck_assert_uint_eq(p->sentences[0].n, 2);
    ck_assert_uint_eq(p->sentences[0].phonemes[0], 'c');
    ck_assert_uint_eq(p->sentences[0].phonemes[1], 0x0327);
    int64_t *ids;
    size_t n;
    ck_assert_int_eq(vx_phoneme_ids(map, p->sentences[0].phonemes, p->sentences[0].n, &ids, &n, NULL),
                     VX_OK);
    const int64_t want[] = {1, 0, 16, 0, 140, 0, 2};
    ck_assert_uint_eq(n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(ids[i], want[i]);
    free(ids);
    vx_phonemes_free(p);
    vx_phoneme_id_map_free(map);
}
END_TEST

START_TEST(phoneme_ids_skip_unknown_phonemes_and_name_them_once)
{
    vx_phoneme_id_map *map = joe_map();
    const uint32_t phonemes[] = {'h', 0x2603, 0x025B, 0x2603, 0x2603, 'Q'}; /* h ☃ ɛ ☃ ☃ Q */
    vx_phoneme_misses misses = {0};
    int64_t *ids;
    size_t n;
    ck_assert_int_eq(vx_phoneme_ids(map, phonemes, 6, &ids, &n, &misses), VX_OK);
    const int64_t want[] = {1, 0, 20, 0, 61, 0, 2}; /* h=20 ɛ=61 in the voice's map */
    ck_assert_uint_eq(n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(ids[i], want[i]);
    free(ids);
    ck_assert_uint_eq(misses.total, 4);
    ck_assert_uint_eq(misses.kinds, 2);
    char line[256];
    ck_assert_uint_gt(vx_phoneme_misses_format(&misses, line, sizeof line), 0);
    ck_assert_ptr_nonnull(strstr(line, "skipped 4 phonemes"));
    ck_assert_ptr_nonnull(strstr(line, "U+2603 x3"));
    ck_assert_ptr_nonnull(strstr(line, "U+0051 x1"));
    vx_phoneme_misses none = {0};
    ck_assert_uint_eq(vx_phoneme_misses_format(&none, line, sizeof line), 0);
    ck_assert_str_eq(line, "");
    vx_phoneme_id_map_free(map);
}
END_TEST

static vx_phoneme_id_map *map_from(const char *json)
{
    vx_json *j = vx_json_parse(json, strlen(json), "test config");
    ck_assert_ptr_nonnull(j);
    vx_phoneme_id_map *m = vx_phoneme_id_map_from_config(j, "test config");
    vx_json_free(j);
    return m;
}

START_TEST(phoneme_id_maps_that_piper_could_not_use_are_refused)
{
    ck_assert_fails(map_from("{\"audio\": {}}"));
    ck_assert_fails(map_from("{\"phoneme_id_map\": {\"^\": [1], \"$\": [2]}}"));          /* no pad */
    ck_assert_fails(map_from("{\"phoneme_id_map\": {\"^\": [1], \"$\": [2], \"_\": [0], \"ab\": [3]}}"));
    ck_assert_fails(map_from("{\"phoneme_id_map\": {\"^\": [1], \"$\": [2], \"_\": [-1]}}"));
    ck_assert_fails(map_from("{\"phoneme_id_map\": {\"^\": [1], \"$\": [2], \"_\": []}}"));
    ck_assert_fails(vx_phoneme_id_map_load("tests/data/piper/no-such-voice.onnx.json"));
    vx_phoneme_id_map *m = map_from("{\"phoneme_id_map\": {\"^\": [1], \"$\": [2], \"_\": [0], \"a\": [5, 6]}}");
    ck_assert_ptr_nonnull(m);
    size_t n;
    const int64_t *ids = vx_phoneme_id_lookup(m, 'a', &n);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(ids[1], 6);
    ck_assert_uint_eq(vx_phoneme_id_map_size(m), 4);
    vx_phoneme_id_map_free(m);
}
END_TEST

START_TEST(inline_phonemes_pass_through_inside_the_sentence)
{
    vx_phonemes *say = phonemize("Say", NULL), *now = phonemize("now.", NULL);
    vx_phonemes *mixed = phonemize("Say [[hˈɛloʊ]] now.", NULL);
    char want[512];
    snprintf(want, sizeof want, "%s", utf8_of(&say->sentences[0]));
    strcat(want, " hˈɛloʊ ");
    strcat(want, utf8_of(&now->sentences[0]));
    ck_assert_uint_eq(mixed->count, 1);
    ck_assert_str_eq(utf8_of(&mixed->sentences[0]), want);
    vx_phonemes_free(say);
    vx_phonemes_free(now);
    vx_phonemes_free(mixed);

    vx_phonemes *only = phonemize("[[ a  b ]]", NULL);
    ck_assert_str_eq(utf8_of(&only->sentences[0]), "a b");
    vx_phonemes_free(only);
    ck_assert_fails(vx_phonemize("Say [[hɛ", 10, NULL));
}
END_TEST

START_TEST(language_switch_flags_are_removed)
{
    /* `espeak-ng -q --ipa -v de 'Das ist Software.'` (Debian 1.51) prints
     * "das ɪst (en)sˈɒftweə(de)"; Piper drops the flags and adds the period. */
    vx_phonemes *p = phonemize("Das ist Software.", "de");
    ck_assert_uint_eq(p->count, 1);
    ck_assert_str_eq(utf8_of(&p->sentences[0]), "das ɪst sˈɒftweə.");
    vx_phonemes_free(p);
}
END_TEST

START_TEST(sentences_keep_their_source_text_ranges)
{
    const char *text = "Hello, world! Is it fine?";
    vx_phonemes *p = phonemize(text, NULL);
    ck_assert_uint_eq(p->count, 2);
    ck_assert_int_eq(strncmp(text + p->sentences[0].text_start, "Hello, world!", p->sentences[0].text_len), 0);
    ck_assert_uint_eq(p->sentences[0].text_len, 13);
    ck_assert_int_eq(strncmp(text + p->sentences[1].text_start, "Is it fine?", p->sentences[1].text_len), 0);
    vx_phonemes_free(p);
}
END_TEST

START_TEST(phonemizer_refuses_bad_utf8_unknown_voices_and_oversized_text)
{
    ck_assert_fails(vx_phonemize("caf\xc3", 4, NULL));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "invalid UTF-8 at byte 3"));
    ck_assert_fails(vx_phonemize("\xed\xa0\x80", 3, NULL)); /* a UTF-16 surrogate */
    ck_assert_fails(vx_phonemize("\xc0\xaf", 2, NULL));     /* an overlong '/' */
    ck_assert_fails(vx_phonemize("Hello", 5, "no-such-voice"));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "no-such-voice"));
    ck_assert_fails(vx_phonemize("x", VX_PHONEMIZE_MAX_BYTES + 1, NULL));
    /* the voice can be changed back after a failure */
    vx_phonemes *p = phonemize("Hello.", "en-us");
    ck_assert_uint_eq(p->count, 1);
    vx_phonemes_free(p);
}
END_TEST

typedef struct thread_job {
    const char *text;
    const char *voice;
    char result[2048];
} thread_job;

static void *phonemize_job(void *arg)
{
    thread_job *job = arg;
    for (int round = 0; round < 5; round++) {
        vx_phonemes *p = vx_phonemize(job->text, strlen(job->text), job->voice);
        if (!p)
            return NULL;
        job->result[0] = '\0';
        for (size_t i = 0; i < p->count; i++)
            append_utf8(&p->sentences[i], job->result, sizeof job->result);
        vx_phonemes_free(p);
    }
    return job;
}

START_TEST(concurrent_calls_with_different_voices_get_their_own_results)
{
    thread_job jobs[4] = {
        {.text = "The quick brown fox jumps over the lazy dog.", .voice = "en-us"},
        {.text = "Das ist Software.", .voice = "de"},
        {.text = "Printing, in the only sense with which we are at present concerned.", .voice = "en-us"},
        {.text = "Hola, buenos dias.", .voice = "es"},
    };
    char serial[4][2048];
    for (int k = 0; k < 4; k++) {
        ck_assert_ptr_nonnull(phonemize_job(&jobs[k]));
        memcpy(serial[k], jobs[k].result, sizeof serial[k]);
    }
    pthread_t threads[4];
    for (int k = 0; k < 4; k++)
        ck_assert_int_eq(pthread_create(&threads[k], NULL, phonemize_job, &jobs[k]), 0);
    for (int k = 0; k < 4; k++) {
        void *ret;
        pthread_join(threads[k], &ret);
        ck_assert_ptr_nonnull(ret);
        ck_assert_str_eq(jobs[k].result, serial[k]);
    }
}
END_TEST

/* Run voxc-phonemize with args and stdin text; its stdout in *out (malloc'd). */
static int phonemize_tool(char *const args[], const char *stdin_text, char **out)
{
    char *dir = make_dir("phonemize"), in_path[600];
    snprintf(in_path, sizeof in_path, "%s/stdin", dir);
    write_file(in_path, stdin_text);
    char *err;
    int rc = run_tool("phonemize", (const char *const *)args, in_path, out, NULL, &err);
    free(err);
    remove_dir(dir);
    return rc;
}

START_TEST(phonemize_tool_prints_sentences_phonemes_and_piper_ids)
{
    vx_json *fx = read_json(FIXTURE);
    const vx_json *cases = vx_json_get(fx, "cases");
    const vx_json *chosen = NULL;
    for (size_t c = 0; c < cases->count && !chosen; c++)
        if (strcmp(vx_json_get_string(cases->items[c], "id", ""), "review:design") == 0)
            chosen = cases->items[c];
    ck_assert_ptr_nonnull(chosen);
    char *out;
    char *args[] = {"--voice", VOICE_JSON, "--ids", NULL};
    ck_assert_int_eq(phonemize_tool(args, vx_json_get_string(chosen, "text", ""), &out), 0);
    const vx_json *sentences = vx_json_get(chosen, "sentences");
    const char *at = out;
    for (size_t s = 0; s < sentences->count; s++) {
        const vx_json *ids = vx_json_get(sentences->items[s], "ids");
        char want[4096] = "ids:";
        for (size_t k = 0; k < ids->count; k++)
            snprintf(want + strlen(want), sizeof want - strlen(want), " %lld",
                     (long long)ids->items[k]->number);
        strcat(want, "\n");
        const char *found = strstr(at, want);
        ck_assert_msg(found != NULL, "sentence %zu: tool output lacks \"%s\":\n%s", s, want, out);
        at = found + strlen(want);
    }
    ck_assert_ptr_nonnull(strstr(out, "sentence: The design hasn't changed much since the M2 version."));
    ck_assert_ptr_nonnull(strstr(out, "phonemes: "));
    free(out);
    vx_json_free(fx);

    char *help[] = {"--help", NULL}, *ids_only[] = {"--ids", "Hi.", NULL};
    char *norm[] = {"--normalize", "It costs $5.", NULL}, *bad[] = {"--bogus", NULL};
    ck_assert_int_eq(phonemize_tool(help, "", &out), 0);
    ck_assert_ptr_nonnull(strstr(out, "usage: voxc-phonemize"));
    free(out);
    ck_assert_int_eq(phonemize_tool(ids_only, "", &out), 2);
    free(out);
    ck_assert_int_eq(phonemize_tool(bad, "", &out), 2);
    free(out);
    ck_assert_int_eq(phonemize_tool(norm, "", &out), 0);
    ck_assert_ptr_nonnull(strstr(out, "sentence: It costs five dollars."));
    free(out);
    char *plain[] = {NULL};
    ck_assert_int_eq(phonemize_tool(plain, "caf\xc3", &out), 1);
    free(out);
}
END_TEST

Suite *suite_text_phonemize(void)
{
    Suite *s = suite_create("text_phonemize");
    TCase *tc = tcase_create("phonemize");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, phonemizer_gives_piper_ids_for_the_fixture_sentences);
    tcase_add_test(tc, phoneme_ids_use_piper_layout_with_a_pad_after_bos);
    tcase_add_test(tc, phoneme_ids_skip_unknown_phonemes_and_name_them_once);
    tcase_add_test(tc, phoneme_id_maps_that_piper_could_not_use_are_refused);
    tcase_add_test(tc, inline_phonemes_pass_through_inside_the_sentence);
    tcase_add_test(tc, language_switch_flags_are_removed);
    tcase_add_test(tc, sentences_keep_their_source_text_ranges);
    tcase_add_test(tc, phonemizer_refuses_bad_utf8_unknown_voices_and_oversized_text);
    tcase_add_test(tc, concurrent_calls_with_different_voices_get_their_own_results);
    tcase_add_test(tc, phonemize_tool_prints_sentences_phonemes_and_piper_ids);
    suite_add_tcase(s, tc);
    return s;
}
