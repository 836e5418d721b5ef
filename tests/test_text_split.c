/* test_text_split.c — sentence and clause splitting: where English text
 * ends a sentence and where it only looks like it does. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "text/split.h"

/* Split `text` and compare the pieces with `expected` ("|"-separated). */
static void check_split(const char *text, vx_split_mode mode, const char *expected)
{
    size_t count;
    vx_text_span *spans = vx_split(text, strlen(text), mode, &count);
    ck_assert_msg(spans != NULL, "%s", vx_last_error());
    char got[1024] = "";
    for (size_t i = 0; i < count; i++) {
        ck_assert_uint_gt(spans[i].len, 0);
        if (i)
            strncat(got, "|", sizeof got - strlen(got) - 1);
        strncat(got, text + spans[i].start,
                spans[i].len < sizeof got - strlen(got) - 1 ? spans[i].len
                                                           : sizeof got - strlen(got) - 1);
    }
    ck_assert_msg(strcmp(got, expected) == 0, "split(\"%s\")\n  expected \"%s\"\n  got      \"%s\"",
                  text, expected, got);
    free(spans);
}

static void sentences(const char *text, const char *expected)
{
    check_split(text, VX_SPLIT_SENTENCES, expected);
}

START_TEST(sentences_end_at_periods_questions_and_exclamations)
{
    sentences("Hello there. How are you? Fine!", "Hello there.|How are you?|Fine!");
    sentences("One sentence without an end", "One sentence without an end");
    sentences("Really?! Yes.", "Really?!|Yes.");
    sentences("Wait... Then it came.", "Wait...|Then it came.");
    sentences("He said \"stop.\" Then he left.", "He said \"stop.\"|Then he left.");
    sentences("(It works.) Next one.", "(It works.)|Next one.");
    sentences("  Leading and trailing spaces.  ", "Leading and trailing spaces.");
}
END_TEST

START_TEST(sentences_do_not_break_on_decimals_abbreviations_or_initials)
{
    sentences("It weighs 1.24 kg. It is thin.", "It weighs 1.24 kg.|It is thin.");
    sentences("Dr. Smith met Mr. Jones at St. Paul's.", "Dr. Smith met Mr. Jones at St. Paul's.");
    sentences("Fruit, e.g. Apples and pears.", "Fruit, e.g. Apples and pears.");
    sentences("Pens, etc. and more. Next.", "Pens, etc. and more.|Next.");
    sentences("Pens, etc. Then more.", "Pens, etc.|Then more.");
    sentences("See No. 5 today.", "See No. 5 today.");
    sentences("J. K. Rowling wrote it.", "J. K. Rowling wrote it.");
    sentences("Visit apple.com today. Or not.", "Visit apple.com today.|Or not.");
    sentences("The U.S. economy grew. Then it fell.", "The U.S. economy grew.|Then it fell.");
    sentences("It costs $4.50 now.", "It costs $4.50 now.");
    sentences("\"Really?\" he asked.", "\"Really?\" he asked.");
}
END_TEST

START_TEST(sentences_end_at_blank_lines_but_not_at_wrapped_lines)
{
    sentences("A line that wraps\nonto the next. Done.\n\nNew paragraph",
              "A line that wraps\nonto the next.|Done.|New paragraph");
    sentences("No period\n\n\nAfter blank lines", "No period|After blank lines");
}
END_TEST

START_TEST(clauses_also_end_at_commas_semicolons_colons_and_spaced_dashes)
{
    check_split("Yes, I know; it works: fine.", VX_SPLIT_CLAUSES, "Yes,|I know;|it works:|fine.");
    check_split("It costs $1,099 at 10:30 today.", VX_SPLIT_CLAUSES,
                "It costs $1,099 at 10:30 today.");
    check_split("sure \xe2\x80\x93 really \xe2\x80\x94 yes", VX_SPLIT_CLAUSES,
                "sure \xe2\x80\x93|really \xe2\x80\x94|yes");
    check_split("a\xe2\x80\x94" "b stays", VX_SPLIT_CLAUSES, "a\xe2\x80\x94" "b stays");
}
END_TEST

START_TEST(split_reports_the_terminator_of_each_piece)
{
    const char *text = "One. Two? Three! Four... Five, six\n\nseven";
    size_t count;
    vx_text_span *spans = vx_split(text, strlen(text), VX_SPLIT_CLAUSES, &count);
    ck_assert_ptr_nonnull(spans);
    const uint32_t want[] = {'.', '?', '!', 0x2026, ',', 0, 0};
    ck_assert_uint_eq(count, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < count; i++)
        ck_assert_uint_eq(spans[i].end, want[i]);
    free(spans);
}
END_TEST

START_TEST(split_splits_the_product_review_into_its_sentences)
{
    FILE *f = fopen("data/texts/product-review-macbook-air.txt", "rb");
    ck_assert_msg(f != NULL, "data/texts/product-review-macbook-air.txt is missing");
    char text[8192];
    size_t len = fread(text, 1, sizeof text, f);
    fclose(f);
    /* Section bodies are the lines between "## name" headers ('#' lines are
     * comments). Sentences per section, counted by hand: intro 3, design 4,
     * display 3, performance 3, battery 3, verdict 4. */
    static const size_t want[] = {3, 4, 3, 3, 3, 4};
    size_t section = 0, body_start = 0;
    bool in_body = false;
    for (size_t i = 0; i <= len; i++) {
        bool line_start = i == 0 || text[i - 1] == '\n';
        if (!(i == len || (line_start && text[i] == '#')))
            continue;
        if (in_body) {
            size_t count;
            vx_text_span *spans = vx_split(text + body_start, i - body_start, VX_SPLIT_SENTENCES,
                                           &count);
            ck_assert_ptr_nonnull(spans);
            ck_assert_uint_lt(section, sizeof want / sizeof want[0]);
            ck_assert_msg(count == want[section], "section %zu: %zu sentences, want %zu", section,
                          count, want[section]);
            section++;
            free(spans);
        }
        in_body = i + 1 < len && text[i + 1] == '#';
        while (i < len && text[i] != '\n')
            i++;
        body_start = i + 1;
    }
    ck_assert_uint_eq(section, 6);
}
END_TEST

START_TEST(split_refuses_invalid_utf8_and_accepts_empty_text)
{
    size_t count = 7;
    ck_assert_fails(vx_split("a\xc3", 2, VX_SPLIT_SENTENCES, &count));
    vx_text_span *spans = vx_split("", 0, VX_SPLIT_SENTENCES, &count);
    ck_assert_ptr_nonnull(spans);
    ck_assert_uint_eq(count, 0);
    free(spans);
    spans = vx_split(" \n\n \t", 5, VX_SPLIT_CLAUSES, &count);
    ck_assert_ptr_nonnull(spans);
    ck_assert_uint_eq(count, 0);
    free(spans);
}
END_TEST

Suite *suite_text_split(void)
{
    Suite *s = suite_create("text_split");
    TCase *tc = tcase_create("split");
    tcase_add_test(tc, sentences_end_at_periods_questions_and_exclamations);
    tcase_add_test(tc, sentences_do_not_break_on_decimals_abbreviations_or_initials);
    tcase_add_test(tc, sentences_end_at_blank_lines_but_not_at_wrapped_lines);
    tcase_add_test(tc, clauses_also_end_at_commas_semicolons_colons_and_spaced_dashes);
    tcase_add_test(tc, split_reports_the_terminator_of_each_piece);
    tcase_add_test(tc, split_splits_the_product_review_into_its_sentences);
    tcase_add_test(tc, split_refuses_invalid_utf8_and_accepts_empty_text);
    suite_add_tcase(s, tc);
    return s;
}
