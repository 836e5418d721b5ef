/* numbers.c — English number words (see numbers.h). */
#include "numbers.h"

#include <stdint.h>
#include <string.h>

static const char *const ones[20] = {
    "zero",    "one",     "two",       "three",    "four",     "five",    "six",
    "seven",   "eight",   "nine",      "ten",      "eleven",   "twelve",  "thirteen",
    "fourteen", "fifteen", "sixteen",  "seventeen", "eighteen", "nineteen",
};
static const char *const tens[10] = {"",      "",      "twenty",  "thirty", "forty",
                                     "fifty", "sixty", "seventy", "eighty", "ninety"};
static const char *const scales[] = {"", "thousand", "million", "billion", "trillion"};

/* 1..99 */
static void say_under_100(vx_sbuf *b, unsigned n)
{
    if (n < 20) {
        vx_sbuf_puts(b, ones[n]);
        return;
    }
    vx_sbuf_puts(b, tens[n / 10]);
    if (n % 10) {
        vx_sbuf_putc(b, '-');
        vx_sbuf_puts(b, ones[n % 10]);
    }
}

/* 1..999 */
static void say_under_1000(vx_sbuf *b, unsigned n)
{
    if (n >= 100) {
        vx_sbuf_puts(b, ones[n / 100]);
        vx_sbuf_puts(b, " hundred");
        n %= 100;
        if (n)
            vx_sbuf_putc(b, ' ');
    }
    if (n)
        say_under_100(b, n);
}

static void say_u64(vx_sbuf *b, uint64_t n)
{
    if (n == 0) {
        vx_sbuf_puts(b, "zero");
        return;
    }
    unsigned groups[5];
    int count = 0;
    while (n && count < 5) {
        groups[count++] = (unsigned)(n % 1000);
        n /= 1000;
    }
    bool first = true;
    for (int g = count - 1; g >= 0; g--) {
        if (!groups[g])
            continue;
        if (!first)
            vx_sbuf_putc(b, ' ');
        first = false;
        say_under_1000(b, groups[g]);
        if (g) {
            vx_sbuf_putc(b, ' ');
            vx_sbuf_puts(b, scales[g]);
        }
    }
}

void vx_say_digits(vx_sbuf *b, const char *digits, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            vx_sbuf_putc(b, ' ');
        vx_sbuf_puts(b, ones[digits[i] - '0']);
    }
}

void vx_say_cardinal(vx_sbuf *b, const char *digits, size_t n)
{
    if (n == 0)
        return;
    if (n > VX_CARDINAL_MAX_DIGITS || (n > 1 && digits[0] == '0')) {
        vx_say_digits(b, digits, n);
        return;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (uint64_t)(digits[i] - '0');
    say_u64(b, v);
}

unsigned vx_digits_value(const char *digits, size_t n)
{
    if (n == 0 || n > 9)
        return 0;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (unsigned)(digits[i] - '0');
    return v;
}

/* Start of the last word written since `from` (after a space or hyphen). */
static size_t last_word_start(const vx_sbuf *b, size_t from)
{
    size_t i = b->len;
    while (i > from && b->data[i - 1] != ' ' && b->data[i - 1] != '-')
        i--;
    return i;
}

/* Replace the buffer's tail from `at` with `s`. */
static void replace_tail(vx_sbuf *b, size_t at, const char *s)
{
    if (b->oom)
        return;
    b->len = at;
    vx_sbuf_puts(b, s);
}

void vx_say_ordinal(vx_sbuf *b, const char *digits, size_t n)
{
    size_t from = b->len;
    vx_say_cardinal(b, digits, n);
    if (b->oom || b->len == from)
        return;
    static const char *const irregular[][2] = {
        {"one", "first"}, {"two", "second"}, {"three", "third"}, {"five", "fifth"},
        {"eight", "eighth"}, {"nine", "ninth"}, {"twelve", "twelfth"},
    };
    size_t w = last_word_start(b, from);
    const char *word = b->data + w;
    for (size_t i = 0; i < sizeof irregular / sizeof irregular[0]; i++)
        if (strcmp(word, irregular[i][0]) == 0) {
            replace_tail(b, w, irregular[i][1]);
            return;
        }
    if (b->data[b->len - 1] == 'y') {
        b->len--;
        vx_sbuf_puts(b, "ieth");
    } else {
        vx_sbuf_puts(b, "th");
    }
}

void vx_say_year(vx_sbuf *b, unsigned year)
{
    unsigned hi = year / 100, lo = year % 100;
    if (year < 1000 || year > 9999 || (year >= 2000 && year <= 2009) || (lo == 0 && hi % 10 == 0)) {
        say_u64(b, year); /* 2000..2009 "two thousand seven", 3000 "three thousand" */
        return;
    }
    say_under_100(b, hi);
    if (lo == 0) {
        vx_sbuf_puts(b, " hundred");
    } else if (lo < 10) {
        vx_sbuf_puts(b, " oh ");
        vx_sbuf_puts(b, ones[lo]);
    } else {
        vx_sbuf_putc(b, ' ');
        say_under_100(b, lo);
    }
}

void vx_say_decimal(vx_sbuf *b, const char *int_digits, size_t ni, const char *frac_digits,
                    size_t nf)
{
    if (ni) {
        vx_say_cardinal(b, int_digits, ni);
        vx_sbuf_putc(b, ' ');
    }
    vx_sbuf_puts(b, "point ");
    vx_say_digits(b, frac_digits, nf);
}

void vx_pluralize_last(vx_sbuf *b, size_t from)
{
    if (b->oom || b->len == from)
        return;
    size_t w = last_word_start(b, from);
    if (strcmp(b->data + w, "six") == 0) {
        vx_sbuf_puts(b, "es");
    } else if (b->data[b->len - 1] == 'y') {
        b->len--;
        vx_sbuf_puts(b, "ies");
    } else {
        vx_sbuf_putc(b, 's');
    }
}
