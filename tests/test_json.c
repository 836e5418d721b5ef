/* test_json.c — the strict JSON reader (core/json.h): a table of valid and
 * invalid documents, decoded values, error positions, the depth limit and
 * string escaping.
 *
 * Validity follows the RFC 8259 grammar; decoded strings and numbers match
 * Python's json.loads on the same text (e.g. python3 -c 'import json;
 * print(json.loads("\"\\uD83D\\uDE00\"").encode())' gives b'\xf0\x9f\x98\x80'),
 * and the escaping matches json.dumps(s, ensure_ascii=False). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "test_util.h"

typedef struct json_case {
    const char *label;
    const char *text;
    size_t len;          /* 0: strlen(text) */
    bool valid;
    const char *message; /* invalid: a part of the expected error */
} json_case;

static const json_case json_cases[] = {
    {"empty object", "{}", 0, true, NULL},
    {"empty array", "[]", 0, true, NULL},
    {"all four whitespace kinds", " \t\n\r[1, 2 ,3 ] \n", 0, true, NULL},
    {"zero", "0", 0, true, NULL},
    {"negative zero", "-0", 0, true, NULL},
    {"exponent", "1.5e3", 0, true, NULL},
    {"negative exponent, capital E", "-2.25E-2", 0, true, NULL},
    {"exponent with plus", "1e+2", 0, true, NULL},
    {"underflow to zero is fine", "1e-400", 0, true, NULL},
    {"int64 max", "9223372036854775807", 0, true, NULL},
    {"every short escape", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", 0, true, NULL},
    {"unicode escape", "\"\\u00e9\\u20AC\"", 0, true, NULL},
    {"surrogate pair", "\"\\uD83D\\uDE00\"", 0, true, NULL},
    {"escaped NUL", "\"a\\u0000b\"", 0, true, NULL},
    {"raw UTF-8", "\"h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80\"", 0, true, NULL},
    {"literals", "[true, false, null]", 0, true, NULL},
    {"nested", "{\"a\": {\"b\": [1, {\"c\": null}]}, \"d\": \"\"}", 0, true, NULL},
    {"same key in different objects", "[{\"a\": 1}, {\"a\": 2}]", 0, true, NULL},

    {"empty input", "", 0, false, "expected a JSON value, found end of input"},
    {"only whitespace", "  \n ", 0, false, "found end of input"},
    {"trailing comma in array", "[1,2,]", 0, false, "trailing commas are not allowed"},
    {"trailing comma in object", "{\"a\":1,}", 0, false, "trailing commas are not allowed"},
    {"leading zero", "01", 0, false, "leading zeros"},
    {"negative leading zero", "-01", 0, false, "leading zeros"},
    {"bare minus", "-", 0, false, "a digit after '-'"},
    {"dot without fraction", "1.", 0, false, "a digit after the decimal point"},
    {"fraction without integer", ".5", 0, false, "expected a value"},
    {"plus sign", "+1", 0, false, "expected a value"},
    {"empty exponent", "1e", 0, false, "a digit in the exponent"},
    {"exponent sign only", "1e+", 0, false, "a digit in the exponent"},
    {"overflowing number", "1e400", 0, false, "too large for a double"},
    {"NaN", "NaN", 0, false, "expected a value"},
    {"Infinity", "[Infinity]", 0, false, "expected a value"},
    {"raw tab in string", "\"a\tb\"", 0, false, "control character (byte 0x09)"},
    {"raw newline in string", "\"a\nb\"", 0, false, "control character"},
    {"unknown escape", "\"\\x41\"", 0, false, "expected an escape"},
    {"short unicode escape", "\"\\u12\"", 0, false, "four hex digits"},
    {"bad hex digit", "\"\\u12G4\"", 0, false, "four hex digits"},
    {"lone high surrogate", "\"\\uD800\"", 0, false, "lone high surrogate"},
    {"high surrogate then letter", "\"\\uD800\\u0041\"", 0, false, "lone high surrogate"},
    {"lone low surrogate", "\"\\uDC00\"", 0, false, "lone low surrogate"},
    {"unterminated string", "\"abc", 0, false, "to close the string"},
    {"unterminated array", "[1", 0, false, "',' or ']'"},
    {"missing comma", "[1 2]", 0, false, "',' or ']'"},
    {"missing colon", "{\"a\" 1}", 0, false, "':' after the object key"},
    {"number key", "{1:2}", 0, false, "a string key"},
    {"single quotes", "'a'", 0, false, "expected a value"},
    {"truncated literal", "tru", 0, false, "expected 'true'"},
    {"trailing garbage", "[1] x", 0, false, "end of input after the JSON value"},
    {"two documents", "{} {}", 0, false, "end of input after the JSON value"},
    {"NUL between tokens", "[1\0]", 4, false, "byte 0x00"},
    {"byte order mark", "\xef\xbb\xbf{}", 0, false, "byte 0xef"},
    {"overlong UTF-8", "\"\xc0\xaf\"", 0, false, "invalid UTF-8"},
    {"UTF-8 encoded surrogate", "\"\xed\xa0\x80\"", 0, false, "invalid UTF-8"},
    {"truncated UTF-8", "\"\xe2\x9c\"", 0, false, "invalid UTF-8"},
    {"above U+10FFFF", "\"\xf4\x90\x80\x80\"", 0, false, "invalid UTF-8"},
    {"duplicate key", "{\"a\": 1, \"b\": 2, \"a\": 3}", 0, false, "key \"a\" more than once"},
};

START_TEST(json_table_accepts_valid_and_rejects_invalid_documents)
{
    const json_case *c = &json_cases[_i];
    size_t len = c->len ? c->len : strlen(c->text);
    vx_clear_error();
    vx_json *j = vx_json_parse(c->text, len, "case");
    if (c->valid) {
        ck_assert_msg(j != NULL, "'%s' should parse: %s", c->label, vx_last_error());
    } else {
        ck_assert_msg(j == NULL, "'%s' should be rejected", c->label);
        ck_assert_msg(strncmp(vx_last_error(), "case: line ", 11) == 0, "'%s': message lacks the prefix: %s",
                      c->label, vx_last_error());
        ck_assert_msg(strstr(vx_last_error(), c->message), "'%s': message '%s' lacks '%s'", c->label,
                      vx_last_error(), c->message);
        ck_assert_int_eq(vx_last_status(), VX_ERR_FORMAT);
    }
    vx_json_free(j);
}
END_TEST

static vx_json *parse_ok(const char *text)
{
    vx_json *j = vx_json_parse(text, strlen(text), "test");
    ck_assert_msg(j != NULL, "%s: %s", text, vx_last_error());
    return j;
}

START_TEST(json_decodes_unicode_escapes_and_surrogate_pairs_to_utf8)
{
    vx_json *j = parse_ok("[\"\\u00e9\\u20AC\", \"\\uD83D\\uDE00\", \"a\\u0000b\", \"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]");
    ck_assert_str_eq(j->items[0]->string, "\xc3\xa9\xe2\x82\xac");
    ck_assert_uint_eq(j->items[0]->len, 5);
    ck_assert_str_eq(j->items[1]->string, "\xf0\x9f\x98\x80");
    ck_assert_uint_eq(j->items[2]->len, 3);
    ck_assert_mem_eq(j->items[2]->string, "a\0b", 3);
    ck_assert_str_eq(j->items[3]->string, "\"\\/\b\f\n\r\t");
    vx_json_free(j);
}
END_TEST

START_TEST(json_numbers_keep_value_and_exact_integers)
{
    vx_json *j = parse_ok("[1.5e3, -2.25E-2, 1e+2, -0, 42, 9223372036854775807, 9223372036854775808,"
                          " -9223372036854775808, 2.0, 1e-400]");
    ck_assert_double_eq(j->items[0]->number, 1500.0);
    ck_assert(!j->items[0]->is_integer);
    ck_assert_double_eq(j->items[1]->number, -0.0225);
    ck_assert_double_eq(j->items[2]->number, 100.0);
    ck_assert(j->items[3]->is_integer && j->items[3]->integer == 0);
    ck_assert(j->items[4]->is_integer && j->items[4]->integer == 42);
    ck_assert(j->items[5]->is_integer && j->items[5]->integer == INT64_MAX);
    ck_assert(!j->items[6]->is_integer);
    ck_assert_double_eq(j->items[6]->number, 9223372036854775808.0);
    ck_assert(j->items[7]->is_integer && j->items[7]->integer == INT64_MIN);
    ck_assert(!j->items[8]->is_integer);
    ck_assert_double_eq(j->items[9]->number, 0.0);
    vx_json_free(j);
}
END_TEST

START_TEST(json_error_names_source_line_and_column)
{
    const char *text = "{\"a\": [1,\n  2,\n \xc3\xa9 x]}";
    ck_assert_fails(vx_json_parse(text, strlen(text), "voice.json"));
    /* line 3: ' ', 'é' (one character), ' ', then 'x'... the first bad byte is é at column 2 */
    ck_assert_str_eq(vx_last_error(), "voice.json: line 3, column 2: expected a value (object, array, string, "
                                      "number, true, false or null), found byte 0xc3");
}
END_TEST

static char *nested(int depth)
{
    char *s = malloc((size_t)depth * 2 + 1);
    for (int i = 0; i < depth; i++) {
        s[i] = '[';
        s[depth * 2 - 1 - i] = ']';
    }
    s[depth * 2] = '\0';
    return s;
}

START_TEST(json_depth_limit_is_64_levels)
{
    char *ok = nested(VX_JSON_MAX_DEPTH), *deep = nested(VX_JSON_MAX_DEPTH + 1), *huge = nested(100000);
    vx_json *j = vx_json_parse(ok, strlen(ok), "deep");
    ck_assert_msg(j != NULL, "%s", vx_last_error());
    vx_json_free(j);
    ck_assert_fails(vx_json_parse(deep, strlen(deep), "deep"));
    ck_assert(strstr(vx_last_error(), "nesting is deeper than 64 levels"));
    ck_assert_fails(vx_json_parse(huge, strlen(huge), "deep")); /* no stack overflow */
    free(ok);
    free(deep);
    free(huge);
}
END_TEST

START_TEST(json_every_truncation_of_a_document_fails_cleanly)
{
    const char *text = "{\"name\": \"h\\u00e9\\uD83D\\uDE00\", \"dims\": [1, -2.5e-3, true, null], \"x\": {}}";
    size_t n = strlen(text);
    for (size_t cut = 0; cut < n; cut++) {
        vx_json *j = vx_json_parse(text, cut, "cut");
        ck_assert_msg(j == NULL, "prefix of %zu bytes parsed", cut);
        ck_assert(vx_last_error()[0] != '\0');
    }
    vx_json_free(parse_ok(text));
}
END_TEST

START_TEST(json_accessors_return_members_or_defaults)
{
    vx_json *j = parse_ok("{\"rate\": 22050, \"name\": \"amy\", \"list\": [1]}");
    ck_assert_ptr_nonnull(vx_json_get(j, "list"));
    ck_assert_ptr_null(vx_json_get(j, "missing"));
    ck_assert_ptr_null(vx_json_get(j->items[2], "rate")); /* not an object */
    ck_assert_double_eq(vx_json_get_number(j, "rate", -1), 22050);
    ck_assert_double_eq(vx_json_get_number(j, "name", -1), -1); /* mistyped */
    ck_assert_str_eq(vx_json_get_string(j, "name", "?"), "amy");
    ck_assert_str_eq(vx_json_get_string(j, "rate", "?"), "?");
    ck_assert_str_eq(vx_json_type_name(j->items[2]->type), "array");
    vx_json_free(j);
}
END_TEST

START_TEST(json_write_string_escapes_like_python_and_round_trips)
{
    /* python3 -c 'import json; print(json.dumps("a\"b\\c\n\x01\x1f\u00e9/\t", ensure_ascii=False))' */
    const char in[] = "a\"b\\c\n\x01\x1f\xc3\xa9/\t";
    char *out = NULL;
    size_t out_len = 0;
    FILE *m = open_memstream(&out, &out_len);
    vx_json_write_string(m, in, sizeof in - 1);
    fclose(m);
    ck_assert_str_eq(out, "\"a\\\"b\\\\c\\n\\u0001\\u001f\xc3\xa9/\\t\"");
    free(out);

    char all[128];
    for (int i = 0; i < 128; i++)
        all[i] = (char)i;
    m = open_memstream(&out, &out_len);
    vx_json_write_string(m, all, sizeof all);
    fclose(m);
    vx_json *j = vx_json_parse(out, out_len, "round trip");
    ck_assert_msg(j != NULL, "%s", vx_last_error());
    ck_assert_uint_eq(j->len, sizeof all);
    ck_assert_mem_eq(j->string, all, sizeof all);
    vx_json_free(j);
    free(out);
}
END_TEST

START_TEST(json_excerpt_hides_control_bytes_and_cuts_long_strings)
{
    char buf[8];
    ck_assert_str_eq(vx_json_excerpt(buf, sizeof buf, "a\x1b[2J", 5), "a?[2J");
    ck_assert_str_eq(vx_json_excerpt(buf, sizeof buf, "abcdefghijk", 11), "abcd...");
}
END_TEST

Suite *suite_json(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("json");
    tcase_add_loop_test(tc, json_table_accepts_valid_and_rejects_invalid_documents, 0,
                        (int)(sizeof json_cases / sizeof json_cases[0]));
    tcase_add_test(tc, json_decodes_unicode_escapes_and_surrogate_pairs_to_utf8);
    tcase_add_test(tc, json_numbers_keep_value_and_exact_integers);
    tcase_add_test(tc, json_error_names_source_line_and_column);
    tcase_add_test(tc, json_depth_limit_is_64_levels);
    tcase_add_test(tc, json_every_truncation_of_a_document_fails_cleanly);
    tcase_add_test(tc, json_accessors_return_members_or_defaults);
    tcase_add_test(tc, json_write_string_escapes_like_python_and_round_trips);
    tcase_add_test(tc, json_excerpt_hides_control_bytes_and_cuts_long_strings);
    suite_add_tcase(s, tc);
    return s;
}
