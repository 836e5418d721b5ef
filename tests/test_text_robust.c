/* test_text_robust.c — the text front end on hostile input: empty text, 1 MiB
 * of text, invalid UTF-8, emoji, control characters and 10,000-character
 * words. Nothing may crash, hang or use memory out of proportion. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "test_util.h"
#include "text/normalize.h"
#include "text/phonemize.h"
#include "text/split.h"

#define MIB (1u << 20)

/* Peak resident set size of this process, in bytes. */
static size_t peak_rss(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (size_t)ru.ru_maxrss * 1024;
}

/* 1 MiB of real sentences: data/texts/ljspeech-sample.txt repeated. */
static char *one_mib_of_text(void)
{
    FILE *f = fopen("data/texts/ljspeech-sample.txt", "rb");
    ck_assert_msg(f != NULL, "data/texts/ljspeech-sample.txt is missing");
    char sample[65536];
    size_t n = fread(sample, 1, sizeof sample, f);
    fclose(f);
    ck_assert_uint_gt(n, 1000);
    char *text = malloc(MIB + 1);
    ck_assert_ptr_nonnull(text);
    for (size_t at = 0; at < MIB; at += n)
        memcpy(text + at, sample, at + n <= MIB ? n : MIB - at);
    text[MIB] = '\0';
    /* the cut may split a UTF-8 sequence; the sample is ASCII, so it does not */
    return text;
}

/* Run every front-end stage on text[0..len); all must succeed. */
static void front_end_survives(const char *what, const char *text, size_t len, bool phonemize)
{
    size_t out_len;
    char *spoken = vx_normalize(text, len, &out_len);
    ck_assert_msg(spoken != NULL, "%s: normalize: %s", what, vx_last_error());
    ck_assert_msg(out_len <= 16 * len + 16, "%s: normalize grew %zu bytes to %zu", what, len, out_len);
    size_t count;
    vx_text_span *spans = vx_split(spoken, out_len, VX_SPLIT_CLAUSES, &count);
    ck_assert_msg(spans != NULL, "%s: split: %s", what, vx_last_error());
    for (size_t i = 0; i < count; i++)
        ck_assert(spans[i].start + spans[i].len <= out_len && spans[i].len > 0);
    free(spans);
    if (phonemize) {
        vx_phonemes *p = vx_phonemize(spoken, out_len, NULL);
        ck_assert_msg(p != NULL, "%s: phonemize: %s", what, vx_last_error());
        size_t total = 0;
        for (size_t i = 0; i < p->count; i++)
            total += p->sentences[i].n;
        ck_assert_msg(total <= 2 * out_len + 16, "%s: %zu phonemes from %zu bytes", what, total, out_len);
        vx_phonemes_free(p);
    }
    free(spoken);
}

START_TEST(empty_and_blank_text_give_empty_results)
{
    front_end_survives("empty", "", 0, true);
    front_end_survives("blank", " \n\t\r\n ", 6, true);
    vx_phonemes *p = vx_phonemize("", 0, NULL);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(p->count, 1); /* like Piper: one empty sentence */
    ck_assert_uint_eq(p->sentences[0].n, 0);
    vx_phonemes_free(p);
}
END_TEST

START_TEST(one_mebibyte_of_text_runs_in_bounded_memory)
{
    char *text = one_mib_of_text();
    size_t before = peak_rss();
    front_end_survives("1 MiB", text, MIB, true);
    size_t grown = peak_rss() - before;
    ck_assert_msg(grown < 256u * MIB, "the front end took %zu MiB for 1 MiB of text", grown / MIB);
    free(text);
}
END_TEST

START_TEST(invalid_utf8_is_refused_by_every_stage)
{
    static const char *const bad[] = {
        "\xff",             /* never valid           */
        "abc\xc3",          /* truncated sequence    */
        "\xc0\xaf",         /* overlong '/'          */
        "\xed\xa0\x80",     /* UTF-16 surrogate      */
        "\xf4\x90\x80\x80", /* above U+10FFFF        */
        "ok \x80 then",     /* stray continuation    */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t len = strlen(bad[i]), count;
        ck_assert_fails(vx_normalize(bad[i], len, NULL));
        ck_assert_ptr_nonnull(strstr(vx_last_error(), "invalid UTF-8"));
        ck_assert_fails(vx_split(bad[i], len, VX_SPLIT_SENTENCES, &count));
        ck_assert_fails(vx_phonemize(bad[i], len, NULL));
    }
}
END_TEST

START_TEST(emoji_and_control_characters_pass_without_harm)
{
    static const char *const texts[] = {
        "I love it \xf0\x9f\x98\x80! Five stars \xe2\xad\x90\xe2\xad\x90.",
        "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7 family", /* ZWJ sequence */
        "bell\x07 escape\x1b[0m tab\there\r\nnext",
        ("\x01V embedded\x01" "B commands\x01"),           /* espeak-ng's control codes */
        "C1 \xc2\x85 and \xc2\x9b controls",
        "nul\0byte",
    };
    static const size_t lens[] = {0, 0, 0, 0, 0, 8};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        front_end_survives(texts[i], texts[i], lens[i] ? lens[i] : strlen(texts[i]), true);
}
END_TEST

static char *repeat(const char *unit, size_t times, const char *prefix)
{
    size_t u = strlen(unit), p = strlen(prefix);
    char *s = malloc(p + u * times + 1);
    ck_assert_ptr_nonnull(s);
    memcpy(s, prefix, p);
    for (size_t i = 0; i < times; i++)
        memcpy(s + p + i * u, unit, u);
    s[p + u * times] = '\0';
    return s;
}

START_TEST(ten_thousand_character_words_are_handled)
{
    static const struct {
        const char *unit, *prefix;
    } words[] = {
        {"a", ""},       {"7", ""},       {"7", "$"},     {"a.", ""},  {"1.", ""},
        {"a", "http://"}, {"a.", "x@"},   {"M3", ""},     {"-", ""},   {"\xc3\xa9", ""},
        {"1,", ""},      {"/", "a"},      {"[[", ""},     {"]]", "[["}, {"\xf0\x9f\x98\x80", ""},
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        char *w = repeat(words[i].unit, 10000 / strlen(words[i].unit), words[i].prefix);
        size_t len = strlen(w);
        size_t out_len;
        char *spoken = vx_normalize(w, len, &out_len);
        ck_assert_msg(spoken != NULL, "word %zu: %s", i, vx_last_error());
        ck_assert_uint_le(out_len, 16 * len + 16);
        size_t count;
        vx_text_span *spans = vx_split(w, len, VX_SPLIT_CLAUSES, &count);
        ck_assert_ptr_nonnull(spans);
        free(spans);
        vx_phonemes *p = vx_phonemize(w, len, NULL);
        /* "[[" without "]]" is refused; everything else phonemises */
        ck_assert_msg(p != NULL || strstr(vx_last_error(), "[[") != NULL, "word %zu: %s", i,
                      vx_last_error());
        vx_phonemes_free(p);
        free(spoken);
        free(w);
    }
}
END_TEST

Suite *suite_text_robust(void)
{
    Suite *s = suite_create("text_robust");
    TCase *tc = tcase_create("robust");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, empty_and_blank_text_give_empty_results);
    tcase_add_test(tc, one_mebibyte_of_text_runs_in_bounded_memory);
    tcase_add_test(tc, invalid_utf8_is_refused_by_every_stage);
    tcase_add_test(tc, emoji_and_control_characters_pass_without_harm);
    tcase_add_test(tc, ten_thousand_character_words_are_handled);
    suite_add_tcase(s, tc);
    return s;
}
