/* test_text_normalize.c — the English normaliser's behaviour, as a table of
 * input -> spoken text. The table is the definition: every expectation is what
 * a careful reader says aloud (American English, hyphenated tens, no "and" in
 * numbers, units singular when used as a modifier). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "text/normalize.h"

typedef struct norm_case {
    const char *input;
    const char *spoken;
} norm_case;

static const norm_case cases[] = {
    /* currency */
    {"$1,099", "one thousand ninety-nine dollars"},
    {"$4.50", "four dollars and fifty cents"},
    {"€20", "twenty euros"},
    {"£3m", "three million pounds"},
    {"$1", "one dollar"},
    {"$0.99", "ninety-nine cents"},
    {"$1.01", "one dollar and one cent"},
    {"$5.00", "five dollars"},
    {"$2.5 billion", "two point five billion dollars"},
    {"$10k", "ten thousand dollars"},
    {"$3.5M", "three point five million dollars"},
    {"£1.50", "one pound and fifty pence"},
    {"£0.01", "one penny"},
    {"¥1000", "one thousand yen"},
    {"€1", "one euro"},
    {"20€", "twenty euros"},
    {"US$5", "five dollars"},
    {"$1,099.99", "one thousand ninety-nine dollars and ninety-nine cents"},
    {"50¢", "fifty cents"},
    {"It costs $500.", "It costs five hundred dollars."},
    {"$4.5", "four point five dollars"},
    {"$2bn", "two billion dollars"},
    {"$1 million", "one million dollars"},
    /* percent */
    {"20%", "twenty percent"},
    {"4.5%", "four point five percent"},
    {"-3%", "minus three percent"},
    {"100 %", "one hundred percent"},
    {"10–20%", "ten to twenty percent"},
    /* decimals */
    {"11.3", "eleven point three"},
    {"0.5", "zero point five"},
    {".5", "point five"},
    {"3.14159", "three point one four one five nine"},
    {"1,234.5", "one thousand two hundred thirty-four point five"},
    {"version 2.1.3", "version two point one point three"},
    /* cardinals */
    {"0", "zero"},
    {"7", "seven"},
    {"13", "thirteen"},
    {"21", "twenty-one"},
    {"100", "one hundred"},
    {"101", "one hundred one"},
    {"999", "nine hundred ninety-nine"},
    {"3,087", "three thousand eighty-seven"},
    {"12,041", "twelve thousand forty-one"},
    {"1,000,000", "one million"},
    {"2560", "two thousand five hundred sixty"},
    {"1234567", "one million two hundred thirty-four thousand five hundred sixty-seven"},
    {"007", "zero zero seven"},
    {"-5", "minus five"},
    {"−5", "minus five"},
    {"1000000000000", "one trillion"},
    {"12345678901234567890", "one two three four five six seven eight nine zero one two three four five six seven eight nine zero"},
    /* years */
    {"2024", "twenty twenty-four"},
    {"in 1999", "in nineteen ninety-nine"},
    {"1905", "nineteen oh five"},
    {"1900", "nineteen hundred"},
    {"2000", "two thousand"},
    {"2007", "two thousand seven"},
    {"2010", "twenty ten"},
    {"1100", "eleven hundred"},
    {"the 1990s", "the nineteen nineties"},
    {"the 1800s", "the eighteen hundreds"},
    {"the '90s", "the nineties"},
    {"the 60s", "the sixties"},
    {"2019–2024", "twenty nineteen to twenty twenty-four"},
    /* ordinals */
    {"1st", "first"},
    {"2nd", "second"},
    {"3rd", "third"},
    {"4th", "fourth"},
    {"12th", "twelfth"},
    {"21st", "twenty-first"},
    {"22nd", "twenty-second"},
    {"100th", "one hundredth"},
    {"the 40th", "the fortieth"},
    {"101st", "one hundred first"},
    /* times */
    {"6:42", "six forty-two"},
    {"10:30 am", "ten thirty AM"},
    {"6:05", "six oh five"},
    {"6:00", "six o'clock"},
    {"7:15 PM", "seven fifteen PM"},
    {"18:30", "eighteen thirty"},
    {"18:00", "eighteen hundred"},
    {"12:00 p.m.", "twelve PM."},
    {"at 10 a.m. Then we left.", "at ten AM. Then we left."},
    {"10am", "ten AM"},
    {"9 pm", "nine PM"},
    {"10:30:15", "ten thirty and fifteen seconds"},
    /* ranges */
    {"8–10", "eight to ten"},
    {"8-10", "eight to ten"},
    {"8 to 10", "eight to ten"},
    {"8–10 minutes", "eight to ten minutes"},
    {"pages 10-20", "pages ten to twenty"},
    {"5-10 kg", "five to ten kilograms"},
    /* phone numbers */
    {"555-1234", "five five five, one two three four"},
    {"555-123-4567", "five five five, one two three, four five six seven"},
    /* units */
    {"11.3 mm", "eleven point three millimeters"},
    {"1 mm", "one millimeter"},
    {"5cm", "five centimeters"},
    {"1.24 kg", "one point two four kilograms"},
    {"1 kg", "one kilogram"},
    {"2.7 lbs", "two point seven pounds"},
    {"1 lb", "one pound"},
    {"60 Hz", "sixty hertz"},
    {"2.4 GHz", "two point four gigahertz"},
    {"16GB", "sixteen gigabytes"},
    {"1 TB", "one terabyte"},
    {"512 GB of storage", "five hundred twelve gigabytes of storage"},
    {"65 mph", "sixty-five miles per hour"},
    {"100 km/h", "one hundred kilometers per hour"},
    {"20°C", "twenty degrees Celsius"},
    {"-5 °C", "minus five degrees Celsius"},
    {"98.6°F", "ninety-eight point six degrees Fahrenheit"},
    {"90°", "ninety degrees"},
    {"6 min 42 s", "six minutes forty-two seconds"},
    {"15 hrs and 20 mins", "fifteen hours and twenty minutes"},
    {"1 hr", "one hour"},
    {"250 ms", "two hundred fifty milliseconds"},
    {"5000 mAh", "five thousand milliamp hours"},
    {"30 W", "thirty watts"},
    {"120 fps", "one hundred twenty frames per second"},
    {"3.5 mm headphone jack", "three point five millimeter headphone jack"},
    {"11.3 mm thin", "eleven point three millimeters thin"},
    {"a 60 Hz panel", "a sixty hertz panel"},
    {"3 nm chip", "three nanometer chip"},
    {"5 kg of flour", "five kilograms of flour"},
    {"100 m", "one hundred meters"},
    {"0.5 kg", "zero point five kilograms"},
    /* dimensions */
    {"13.6-inch", "thirteen point six inch"},
    {"a 10-minute video", "a ten minute video"},
    {"a 3.5-mm jack", "a three point five millimeter jack"},
    {"2560 by 1664 pixels", "two thousand five hundred sixty by one thousand six hundred sixty-four pixels"},
    {"1920x1080", "one thousand nine hundred twenty by one thousand eighty"},
    {"1920 x 1080", "one thousand nine hundred twenty by one thousand eighty"},
    {"3 × 4", "three by four"},
    {"2x faster", "two times faster"},
    {"a 3-year-old", "a three year-old"},
    /* fractions and dates */
    {"1/2", "one half"},
    {"3/4 cup", "three quarters cup"},
    {"2/3", "two thirds"},
    {"1/3", "one third"},
    {"5/8", "five eighths"},
    {"24/7", "twenty-four seven"},
    {"3/14/2024", "March fourteenth, twenty twenty-four"},
    {"12/25/99", "December twenty-fifth, ninety-nine"},
    {"March 14, 2024", "March fourteenth, twenty twenty-four"},
    {"Jan. 5", "January fifth"},
    {"on May 1st", "on May first"},
    {"Sept 30", "September thirtieth"},
    /* model names */
    {"M3", "M three"},
    {"the M3 chip", "the M three chip"},
    {"4K", "four K"},
    {"USB-C", "USB C"},
    {"Wi-Fi", "Wi-Fi"},
    {"Wi-Fi 6E", "Wi-Fi six E"},
    {"USB4", "USB four"},
    {"A17 Pro", "A seventeen Pro"},
    {"1080p", "ten eighty p"},
    {"5G", "five G"},
    {"P3", "P three"},
    {"RTX 4090", "RTX forty ninety"},
    {"H2O", "H two O"},
    {"COVID-19", "COVID-nineteen"},
    /* abbreviations */
    {"Mr. Smith", "Mister Smith"},
    {"Mrs. Fry", "Missus Fry"},
    {"Ms. Lee", "Miz Lee"},
    {"Dr. Jones", "Doctor Jones"},
    {"St. John", "Saint John"},
    {"Main St.", "Main Street."},
    {"on Elm Dr. today", "on Elm Drive today"},
    {"Apple vs. Samsung", "Apple versus Samsung"},
    {"fruit, e.g. apples", "fruit, for example apples"},
    {"i.e. the best", "that is the best"},
    {"pens, etc. and more", "pens, et cetera and more"},
    {"pens, etc. Then", "pens, et cetera. Then"},
    {"No. 5", "number five"},
    {"I said no. Then", "I said no. Then"},
    {"see p. 12", "see page twelve"},
    {"approx. 5 kg", "approximately five kilograms"},
    {"Acme Inc. makes", "Acme Incorporated makes"},
    {"the U.S. economy", "the US economy"},
    {"in the U.S. Then", "in the US. Then"},
    {"J. K. Rowling", "J K Rowling"},
    {"E.g. this", "for example this"},
    {"Martin Luther King Jr. was", "Martin Luther King Junior was"},
    /* acronyms */
    {"LED", "L E D"},
    {"an LED light", "an L E D light"},
    {"NASA", "NASA"},
    {"FBI", "FBI"},
    {"AT&T", "A T and T"},
    {"R&D", "R and D"},
    /* symbols */
    {"salt & pepper", "salt and pepper"},
    {"C++", "C plus plus"},
    {"2 + 2 = 4", "two plus two equals four"},
    {"#1", "number one"},
    {"#tts", "hashtag tts"},
    {"~5 kg", "about five kilograms"},
    {"±2", "plus or minus two"},
    {"and/or", "and or"},
    {"yes/no", "yes or no"},
    {"Thunderbolt / USB 4", "Thunderbolt or USB four"},
    {"w/ case", "with case"},
    {"w/o case", "without case"},
    {"Apple™", "Apple"},
    /* URLs and e-mail */
    {"www.apple.com", "apple dot com"},
    {"https://www.apple.com/macbook-air", "apple dot com slash macbook dash air"},
    {"Visit apple.com.", "Visit apple dot com."},
    {"john.doe@example.com", "john dot doe at example dot com"},
    {"mail support@apple.com today", "mail support at apple dot com today"},
    {"http://localhost:8080/api", "localhost colon eight zero eight zero slash api"},
    /* more units, symbols and signs */
    {"$5/month", "five dollars per month"},
    {"5 kg/day", "five kilograms per day"},
    {"9/11", "nine eleven"},
    {"He is 6 ft tall", "He is six feet tall"},
    {"(-5)", "(minus five)"},
    {"x-5", "x-five"},
    {"in 1999 and 2000 people", "in nineteen ninety-nine and two thousand people"},
    {"Pi is ~3.14", "Pi is about three point one four"},
    /* text that needs nothing */
    {"", ""},
    {"Hello, world!", "Hello, world!"},
    {"Printing, in the only sense with which we are at present concerned,", "Printing, in the only sense with which we are at present concerned,"},
    {"naïve café", "naïve café"},
    {"multiple   spaces", "multiple spaces"},
    {"line one\nline two", "line one\nline two"},
    /* the product review */
    {"the 13.6-inch model that starts at $1,099.", "the thirteen point six inch model that starts at one thousand ninety-nine dollars."},
    {"It's 11.3 mm thin and weighs 1.24 kg, or about 2.7 lbs.", "It's eleven point three millimeters thin and weighs one point two four kilograms, or about two point seven pounds."},
    {"In Geekbench 6, the M3 scored 3,087 in single-core and 12,041 in multi-core, roughly 20% faster than the M2.", "In Geekbench six, the M three scored three thousand eighty-seven in single-core and twelve thousand forty-one in multi-core, roughly twenty percent faster than the M two."},
    {"Exporting a 10-minute 4K video in Final Cut Pro took 6 min 42 s.", "Exporting a ten minute four K video in Final Cut Pro took six minutes forty-two seconds."},
    {"it lasted 15 hrs and 20 mins.", "it lasted fifteen hours and twenty minutes."},
    {"it's 4.5 out of 5 stars from me.", "it's four point five out of five stars from me."},
    {"the 2024 MacBook Air", "the twenty twenty-four MacBook Air"},
    {"spend the extra $500 on a MacBook Pro.", "spend the extra five hundred dollars on a MacBook Pro."},
};

START_TEST(normalizer_reads_every_table_case_as_a_careful_reader_would)
{
    size_t n = sizeof cases / sizeof cases[0], failed = 0;
    ck_assert_uint_ge(n, 150);
    for (size_t i = 0; i < n; i++) {
        size_t len;
        char *out = vx_normalize(cases[i].input, strlen(cases[i].input), &len);
        ck_assert_msg(out != NULL, "\"%s\": %s", cases[i].input, vx_last_error());
        ck_assert_uint_eq(len, strlen(out));
        if (strcmp(out, cases[i].spoken) != 0) {
            fprintf(stderr, "normalize(\"%s\")\n  expected \"%s\"\n  got      \"%s\"\n",
                    cases[i].input, cases[i].spoken, out);
            failed++;
        }
        free(out);
    }
    ck_assert_msg(failed == 0, "%zu of %zu normaliser cases differ (listed above)", failed, n);
}
END_TEST

START_TEST(normalizer_output_is_stable_when_run_twice)
{
    /* Spoken text has nothing left to normalise: a second pass changes nothing. */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *once = vx_normalize(cases[i].input, strlen(cases[i].input), NULL);
        ck_assert_ptr_nonnull(once);
        char *twice = vx_normalize(once, strlen(once), NULL);
        ck_assert_ptr_nonnull(twice);
        ck_assert_msg(strcmp(once, twice) == 0, "\"%s\" -> \"%s\" -> \"%s\"", cases[i].input, once,
                      twice);
        free(once);
        free(twice);
    }
}
END_TEST

START_TEST(normalizer_refuses_invalid_utf8_with_the_byte_offset)
{
    static const char bad[] = "price \xff$5";
    ck_assert_fails(vx_normalize(bad, sizeof bad - 1, NULL));
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "invalid UTF-8 at byte 6"));
}
END_TEST

START_TEST(normalizer_accepts_empty_text_and_a_null_pointer_of_length_zero)
{
    size_t len = 99;
    char *out = vx_normalize(NULL, 0, &len);
    ck_assert_ptr_nonnull(out);
    ck_assert_uint_eq(len, 0);
    ck_assert_str_eq(out, "");
    free(out);
}
END_TEST

Suite *suite_text_normalize(void)
{
    Suite *s = suite_create("text_normalize");
    TCase *tc = tcase_create("normalize");
    tcase_add_test(tc, normalizer_reads_every_table_case_as_a_careful_reader_would);
    tcase_add_test(tc, normalizer_output_is_stable_when_run_twice);
    tcase_add_test(tc, normalizer_refuses_invalid_utf8_with_the_byte_offset);
    tcase_add_test(tc, normalizer_accepts_empty_text_and_a_null_pointer_of_length_zero);
    suite_add_tcase(s, tc);
    return s;
}
