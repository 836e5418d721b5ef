/* test_reviews.c — the sectioned script format (text/script.h) and the
 * voxc-reviews tool, run through $VOXC_BIN (set by `make test-run`) with the
 * tiny random-weight model tests/data/onnx/tiny_medium.onnx.
 *
 * Expected values are the format's rules written out by hand (script.h) and,
 * for the tool, lengths that follow from its own per-part files: the combined
 * WAV must hold exactly the parts plus the gaps. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio/wav.h"
#include "core/json.h"
#include "text/script.h"
#include "test_files.h"
#include "test_util.h"

#define TINY_MEDIUM "tests/data/onnx/tiny_medium.onnx"

static vx_script *parse_ok(const char *text)
{
    vx_script *s = vx_script_parse(text, strlen(text), "test.txt");
    ck_assert_msg(s != NULL, "%s", vx_last_error());
    return s;
}

/* The parse fails and the message contains `needle`. */
static void parse_fails(const char *text, const char *needle)
{
    ck_assert_fails(vx_script_parse(text, strlen(text), "test.txt") != NULL);
    ck_assert_msg(strstr(vx_last_error(), needle) != NULL, "'%s' lacks '%s'", vx_last_error(), needle);
}

START_TEST(script_sections_have_names_lines_and_text)
{
    vx_script *s = parse_ok("# a comment\n"
                            "\n"
                            "## intro\n"
                            "Hello there.\n"
                            "Second line.\n"
                            "\n"
                            "## verdict  \n"
                            "  Buy it.  \n");
    ck_assert_uint_eq(s->count, 2);
    ck_assert_str_eq(s->sections[0].name, "intro");
    ck_assert_uint_eq(s->sections[0].line, 3);
    ck_assert_str_eq(s->sections[0].text, "Hello there.\nSecond line.");
    ck_assert_uint_eq(s->sections[0].text_len, strlen(s->sections[0].text));
    ck_assert_str_eq(s->sections[1].name, "verdict");
    ck_assert_uint_eq(s->sections[1].line, 7);
    ck_assert_str_eq(s->sections[1].text, "Buy it.");
    vx_script_free(s);
}
END_TEST

START_TEST(script_comments_vanish_and_blank_lines_stay_paragraph_breaks)
{
    vx_script *s = parse_ok("## a\n"
                            "\n"
                            "One.\n"
                            "# dropped, without breaking the paragraph\n"
                            "Two.\n"
                            "\n"
                            "\n"
                            "Three.\n"
                            "   # indented comment\n"
                            "\n");
    ck_assert_str_eq(s->sections[0].text, "One.\nTwo.\n\nThree.");
    vx_script_free(s);
}
END_TEST

START_TEST(script_line_endings_and_bom_do_not_matter)
{
    const char *lf = "## one\nA b.\nC d.\n\nE.\n## two\nF.\n";
    const char *variants[] = {
        "## one\r\nA b.\r\nC d.\r\n\r\nE.\r\n## two\r\nF.\r\n", /* CRLF */
        "## one\rA b.\rC d.\r\rE.\r## two\rF.",                    /* old Mac CR, no final newline */
        "\xEF\xBB\xBF## one\nA b.\nC d.\n\nE.\n## two\nF.\n",       /* UTF-8 byte-order mark */
    };
    vx_script *want = parse_ok(lf);
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
        vx_script *got = parse_ok(variants[v]);
        ck_assert_uint_eq(got->count, want->count);
        for (size_t k = 0; k < got->count; k++) {
            ck_assert_str_eq(got->sections[k].name, want->sections[k].name);
            ck_assert_str_eq(got->sections[k].text, want->sections[k].text);
            ck_assert_uint_eq(got->sections[k].line, want->sections[k].line);
        }
        vx_script_free(got);
    }
    vx_script_free(want);
}
END_TEST

START_TEST(script_headers_take_any_run_of_hashes_and_may_be_empty_sections)
{
    vx_script *s = parse_ok("### deep name ###x\n##tight\n  ## indented\nText.\n## last\n# only a comment\n");
    ck_assert_uint_eq(s->count, 4);
    ck_assert_str_eq(s->sections[0].name, "deep name ###x");
    ck_assert_str_eq(s->sections[1].name, "tight");
    ck_assert_str_eq(s->sections[2].name, "indented");
    ck_assert_str_eq(s->sections[2].text, "Text.");
    ck_assert_uint_eq(s->sections[0].text_len, 0); /* empty sections are kept; voxc-reviews refuses them */
    ck_assert_str_eq(s->sections[0].text, "");
    ck_assert_uint_eq(s->sections[3].text_len, 0);
    vx_script_free(s);
}
END_TEST

START_TEST(script_errors_name_the_line)
{
    parse_fails("# only comments\n\n", "no sections");
    parse_fails("", "no sections");
    parse_fails("# title\nStray text.\n## a\nText.\n", "line 2: text before the first section");
    parse_fails("## a\nText.\n##   \nMore.\n", "line 3: a section header needs a name");
    parse_fails("## a\nok\nbad \xC3\x28 byte\n", "line 3: invalid UTF-8");
    ck_assert_fails(vx_script_load("tests/data/absent_script.txt") != NULL);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "absent_script.txt"));
}
END_TEST

START_TEST(the_sample_review_script_parses_into_six_sections)
{
    vx_script *s = vx_script_load("data/texts/product-review-macbook-air.txt");
    ck_assert_msg(s != NULL, "%s", vx_last_error());
    const char *names[] = {"intro", "design", "display", "performance", "battery", "verdict"};
    ck_assert_uint_eq(s->count, 6);
    for (size_t k = 0; k < 6; k++)
        ck_assert_str_eq(s->sections[k].name, names[k]);
    ck_assert(!strncmp(s->sections[0].text, "Welcome back to the channel.", 28));
    ck_assert(!strcmp(s->sections[5].text + s->sections[5].text_len - 20, "Thanks for watching!"));
    vx_script_free(s);
}
END_TEST

/* --- voxc-reviews ------------------------------------------------------------------ */

static char *path_in(const char *dir, const char *file)
{
    char *path = NULL;
    ck_assert_int_ge(asprintf(&path, "%s/%s", dir, file), 0);
    return path;
}

static int64_t wav_frames(const char *dir, const char *file)
{
    char *path = path_in(dir, file);
    vx_audio a;
    ck_assert_msg(vx_audio_read(path, false, &a) == VX_OK, "%s", vx_last_error());
    ck_assert_int_eq(a.sample_rate, 22050);
    ck_assert_int_eq(a.channels, 1);
    int64_t n = a.frames;
    vx_audio_free(&a);
    free(path);
    return n;
}

START_TEST(reviews_tool_writes_parts_combined_and_summaries)
{
    char *tmp = make_dir("reviews");
    char *script = path_in(tmp, "talk.txt"), *dir = path_in(tmp, "out");
    write_file(script, "# two sections\n## first one\n[[ abc ]]\n\n[[ de ]]\n## second\r\n[[ fgh ]]\r\n");
    const char *args[] = {script, "-m", TINY_MEDIUM, "-o", dir, "--gap", "0.5", "--threads", "1", "--json", NULL};
    char *out, *err;
    int rc = run_tool("reviews", args, NULL, &out, NULL, &err);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    /* the name defaults to the script's base name without its extension; nothing else is left there */
    ck_assert_int_eq(count_files(dir), 5);
    int64_t n1 = wav_frames(dir, "talk_part1.wav"), n2 = wav_frames(dir, "talk_part2.wav");
    int64_t nc = wav_frames(dir, "talk_combined.wav");
    ck_assert_int_eq(nc, n1 + n2 + 11025); /* 0.5 s gap at 22050 Hz */
    /* the summary file is what --json printed */
    char *json_path = path_in(dir, "talk_summary.json"), *md_path = path_in(dir, "talk_summary.md");
    char *summary = read_file(json_path, NULL);
    ck_assert_str_eq(summary, out);
    vx_json *j = vx_json_parse(summary, strlen(summary), json_path);
    ck_assert_msg(j != NULL, "%s", vx_last_error());
    const vx_json *sections = vx_json_get(j, "sections");
    ck_assert_uint_eq(sections->count, 2);
    ck_assert_str_eq(vx_json_get_string(sections->items[0], "name", ""), "first one");
    ck_assert_str_eq(vx_json_get_string(sections->items[1], "file", ""), "talk_part2.wav");
    ck_assert_int_eq((int64_t)vx_json_get_number(sections->items[0], "samples", -1), n1);
    ck_assert_int_eq((int64_t)vx_json_get_number(sections->items[0], "sentences", -1), 2);
    ck_assert_int_eq((int64_t)vx_json_get_number(sections->items[1], "line", -1), 6);
    ck_assert_int_eq((int64_t)vx_json_get_number(vx_json_get(j, "combined"), "samples", -1), nc);
    const vx_json *total = vx_json_get(j, "total");
    ck_assert_int_eq((int64_t)vx_json_get_number(total, "sentences", -1), 3);
    ck_assert(vx_json_get_number(total, "rtf", -1) > 0);
    /* part 1: two sentences with 0.2 s (4410 samples) between them */
    double speech0 = vx_json_get_number(sections->items[0], "speech_s", -1);
    ck_assert_close(speech0 * 22050 + 4410, (double)n1, 2.0); /* speech_s has 4 decimals */
    char *md = read_file(md_path, NULL);
    ck_assert_ptr_nonnull(strstr(md, "| part | section | file |"));
    ck_assert_ptr_nonnull(strstr(md, "| 1 | first one | talk_part1.wav |"));
    ck_assert_ptr_nonnull(strstr(err, "[2/2] second"));
    ck_assert_ptr_nonnull(strstr(err, "real-time factor"));
    free(md);
    vx_json_free(j);
    free(summary);
    free(json_path);
    free(md_path);
    free(out);
    free(err);
    free(script);
    free(dir);
    remove_dir(tmp);
}
END_TEST

START_TEST(reviews_tool_takes_a_name_and_makes_missing_folders)
{
    char *tmp = make_dir("reviews");
    char *script = path_in(tmp, "talk.txt"), *nested = path_in(tmp, "a/b");
    write_file(script, "## only\n[[ ab ]]\n");
    const char *args[] = {script, "-m", TINY_MEDIUM, "-o", nested, "--name", "demo", "--gap", "0", NULL};
    char *out, *err;
    int rc = run_tool("reviews", args, NULL, &out, NULL, &err);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    ck_assert_int_eq(wav_frames(nested, "demo_combined.wav"), wav_frames(nested, "demo_part1.wav"));
    ck_assert_str_eq(out, ""); /* no --json: nothing on standard output */
    free(out);
    free(err);
    free(script);
    free(nested);
    remove_dir(tmp);
}
END_TEST

/* voxc-reviews exits with `want` and says `needle` on standard error. */
static void reviews_fails(const char *const *args, int want, const char *needle)
{
    char *out, *err;
    int rc = run_tool("reviews", args, NULL, &out, NULL, &err);
    ck_assert_msg(rc == want, "exit %d, want %d: %s", rc, want, err);
    ck_assert_msg(strstr(err, needle) != NULL, "stderr lacks '%s': %s", needle, err);
    free(out);
    free(err);
}

START_TEST(reviews_tool_reports_bad_scripts_voices_folders_and_usage)
{
    char *tmp = make_dir("reviews");
    char *plain = path_in(tmp, "plain.txt"), *empty = path_in(tmp, "empty.txt"), *blocker = path_in(tmp, "file");
    char *inside = path_in(blocker, "out"), *dir = path_in(tmp, "out");
    write_file(plain, "Just text, no sections.\n");
    write_file(empty, "## one\n[[ a ]]\n## two\n# nothing here\n## three\nText.\n");
    write_file(blocker, "a file where a folder should be");
    char *out, *err;
    const char *help[] = {"--help", NULL};
    ck_assert_int_eq(run_tool("reviews", help, NULL, &out, NULL, &err), 0);
    ck_assert_ptr_nonnull(strstr(out, "usage: voxc-reviews"));
    free(out);
    free(err);
    const char *no_sections[] = {plain, "-m", TINY_MEDIUM, "-o", dir, NULL};
    reviews_fails(no_sections, 1, "line 1: text before the first section");
    const char *no_text[] = {empty, "-m", TINY_MEDIUM, "-o", dir, NULL};
    reviews_fails(no_text, 1, "line 3: section 'two' is empty");
    const char *ok_script = "data/texts/product-review-macbook-air.txt";
    const char *no_voice[] = {ok_script, "-m", "data/voices/absent.onnx", "-o", dir, NULL};
    reviews_fails(no_voice, 1, "make voice");
    const char *bad_dir[] = {ok_script, "-m", TINY_MEDIUM, "-o", inside, NULL};
    reviews_fails(bad_dir, 1, "output folder");
    const char *no_script[] = {"tests/data/absent_script.txt", "-m", TINY_MEDIUM, "-o", dir, NULL};
    reviews_fails(no_script, 1, "absent_script.txt");
    const char *usage_missing_dir[] = {ok_script, "-m", TINY_MEDIUM, NULL};
    reviews_fails(usage_missing_dir, 2, "-o DIR");
    const char *usage_bad_gap[] = {ok_script, "-m", TINY_MEDIUM, "-o", dir, "--gap", "-1", NULL};
    reviews_fails(usage_bad_gap, 2, "--gap");
    const char *usage_two_scripts[] = {ok_script, ok_script, "-m", TINY_MEDIUM, "-o", dir, NULL};
    reviews_fails(usage_two_scripts, 2, "one script");
    ck_assert_int_eq(count_files(tmp), 3); /* the failed runs made nothing */
    free(plain);
    free(empty);
    free(blocker);
    free(inside);
    free(dir);
    remove_dir(tmp);
}
END_TEST

Suite *suite_reviews(void)
{
    Suite *s = suite_create("reviews");
    TCase *tc = tcase_create("reviews");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, script_sections_have_names_lines_and_text);
    tcase_add_test(tc, script_comments_vanish_and_blank_lines_stay_paragraph_breaks);
    tcase_add_test(tc, script_line_endings_and_bom_do_not_matter);
    tcase_add_test(tc, script_headers_take_any_run_of_hashes_and_may_be_empty_sections);
    tcase_add_test(tc, script_errors_name_the_line);
    tcase_add_test(tc, the_sample_review_script_parses_into_six_sections);
    tcase_add_test(tc, reviews_tool_writes_parts_combined_and_summaries);
    tcase_add_test(tc, reviews_tool_takes_a_name_and_makes_missing_folders);
    tcase_add_test(tc, reviews_tool_reports_bad_scripts_voices_folders_and_usage);
    suite_add_tcase(s, tc);
    return s;
}
