/* normalize.c — English normalisation before espeak-ng (see normalize.h).
 *
 * One pass over the text. At each token start the rules are tried in order
 * (URL, e-mail, currency, number-led forms, abbreviations, model names,
 * acronyms, dates); each consumes what it matched and writes words. Anything
 * no rule takes is copied, with single symbols (& + = % / ...) spoken. Byte
 * patterns are ASCII plus a few UTF-8 symbols (€ £ ¥ ° × – −); other text is
 * copied unchanged. */
#include "normalize.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"
#include "lexicon.h"
#include "numbers.h"
#include "sbuf.h"
#include "utf8.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Scan limits keep the pass linear on hostile input ("a.a.a.a..."):
 * RFC 1035 host names are at most 253 bytes, RFC 5321 local parts 64. */
#define HOST_MAX 253
#define LOCAL_PART_MAX 64
#define ABBREV_SEGMENTS_MAX 8

#define EN_DASH "\xe2\x80\x93"
#define MINUS_SIGN "\xe2\x88\x92"
#define TIMES_SIGN "\xc3\x97"
#define RIGHT_QUOTE "\xe2\x80\x99"

typedef struct norm {
    const char *s;
    size_t n;
    vx_sbuf out;
    bool pending_space; /* a word was written: space before the next copied word */
    bool quantity;      /* the last rule read an amount with its unit ("five dollars") */
    bool after_quantity; /* ... and it was the rule just before this one */
} norm;

/* --- character helpers ------------------------------------------------------- */

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
static bool is_alpha(char c) { return is_upper(c) || is_lower(c); }
static bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static char ch(const norm *z, size_t i) { return i < z->n ? z->s[i] : '\0'; }

static bool starts(const norm *z, size_t i, const char *lit)
{
    size_t k = strlen(lit);
    return i <= z->n && z->n - i >= k && memcmp(z->s + i, lit, k) == 0;
}

static bool starts_ci(const norm *z, size_t i, const char *lit)
{
    size_t k = strlen(lit);
    if (i > z->n || z->n - i < k)
        return false;
    for (size_t m = 0; m < k; m++) {
        char c = z->s[i + m];
        if (is_upper(c))
            c = (char)(c + 32);
        if (c != lit[m])
            return false;
    }
    return true;
}

static size_t letters_end(const norm *z, size_t i)
{
    while (i < z->n && is_alpha(z->s[i]))
        i++;
    return i;
}

static size_t digits_end(const norm *z, size_t i)
{
    while (i < z->n && is_digit(z->s[i]))
        i++;
    return i;
}

/* Does a sentence end right after offset j (end of text, or whitespace and then
 * an upper-case letter, a digit or an opening quote)? Used to keep an
 * abbreviation's period as the sentence's period. */
static bool sentence_ends_at(const norm *z, size_t j)
{
    if (j >= z->n)
        return true;
    if (!is_blank(z->s[j]))
        return false;
    while (j < z->n && is_blank(z->s[j]))
        j++;
    return j >= z->n || is_upper(z->s[j]) || z->s[j] == '"' || starts(z, j, "\xe2\x80\x9c");
}

/* The word (letters) that ends just before offset i, skipping spaces: its
 * start in *start, or false when there is none. */
static bool word_before(const norm *z, size_t i, size_t *start, size_t *end)
{
    size_t e = i;
    while (e > 0 && (z->s[e - 1] == ' ' || z->s[e - 1] == '\t'))
        e--;
    size_t b = e;
    while (b > 0 && is_alpha(z->s[b - 1]))
        b--;
    *start = b;
    *end = e;
    return e > b;
}

/* --- writing ----------------------------------------------------------------- */

static void say(norm *z, const char *w)
{
    vx_sbuf_space(&z->out);
    vx_sbuf_puts(&z->out, w);
    z->pending_space = true;
}

static void say_n(norm *z, const char *w, size_t n)
{
    vx_sbuf_space(&z->out);
    vx_sbuf_put(&z->out, w, n);
    z->pending_space = true;
}

/* Letters one by one: "LED" -> "L E D". */
static void say_letters(norm *z, const char *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        say_n(z, w + i, 1);
}

/* Begin a spoken word: a separating space when the output ends in a word. */
static vx_sbuf *begin(norm *z)
{
    vx_sbuf_space(&z->out);
    z->pending_space = true;
    return &z->out;
}

/* --- numbers ------------------------------------------------------------------ */

#define GROUPED_MAX 24 /* digits kept for a number written with separators */

typedef struct number {
    size_t start, end;      /* byte range in the input                      */
    const char *ip;         /* integer digits ([ni]), separators removed    */
    size_t ni;
    const char *fp;         /* fraction digits ([nf]), in the input         */
    size_t nf;
    bool grouped;           /* written with thousands separators            */
    char buf[GROUPED_MAX];  /* storage for ip when grouped                  */
} number;

/* Scan "1099", "1,099", "11.3", ".5", "1,099.99" at i. */
static bool scan_number(const norm *z, size_t i, number *num)
{
    memset(num, 0, sizeof *num);
    num->start = i;
    size_t j = digits_end(z, i);
    num->ip = z->s + i;
    num->ni = j - i;
    if (num->ni >= 1 && num->ni <= 3 && ch(z, j) == ',' && is_digit(ch(z, j + 1))) {
        size_t k = j, len = num->ni;
        memcpy(num->buf, z->s + i, len);
        while (ch(z, k) == ',' && digits_end(z, k + 1) == k + 4 && len + 3 <= GROUPED_MAX) {
            memcpy(num->buf + len, z->s + k + 1, 3);
            len += 3;
            k += 4;
        }
        if (k > j) {
            num->ip = num->buf;
            num->ni = len;
            num->grouped = true;
            j = k;
        }
    }
    if (ch(z, j) == '.' && is_digit(ch(z, j + 1))) {
        size_t k = digits_end(z, j + 1);
        num->fp = z->s + j + 1;
        num->nf = k - j - 1;
        j = k;
    }
    num->end = j;
    return num->ni > 0 || num->nf > 0;
}

static bool num_is_one(const number *num) { return num->nf == 0 && num->ni == 1 && num->ip[0] == '1'; }

/* Read a number; year_style reads plain four-digit numbers 1100..2099 in
 * pairs ("twenty twenty-four"). */
static void say_number(norm *z, const number *num, bool year_style)
{
    vx_sbuf *b = begin(z);
    if (num->nf) {
        vx_say_decimal(b, num->ip, num->ni, num->fp, num->nf);
        return;
    }
    if (year_style && !num->grouped && num->ni == 4 && num->ip[0] != '0') {
        unsigned v = vx_digits_value(num->ip, 4);
        if (v >= 1100 && v <= 2099) {
            vx_say_year(b, v);
            return;
        }
    }
    vx_say_cardinal(b, num->ip, num->ni);
}

/* "am" "pm" "a.m." "P.M." at j (after at most one space): 'A' or 'P' and the
 * length in *len, else 0. */
static char am_pm_at(const norm *z, size_t j, size_t *len)
{
    size_t k = j + (ch(z, j) == ' ');
    char c = ch(z, k);
    if (c != 'a' && c != 'p' && c != 'A' && c != 'P')
        return 0;
    size_t e;
    if ((ch(z, k + 1) == 'm' || ch(z, k + 1) == 'M') && !is_alnum(ch(z, k + 2)))
        e = k + 2;
    else if (ch(z, k + 1) == '.' && (ch(z, k + 2) == 'm' || ch(z, k + 2) == 'M') &&
             ch(z, k + 3) == '.')
        e = k + 4;
    else
        return 0;
    *len = e - j;
    return (c == 'a' || c == 'A') ? 'A' : 'P';
}

static void say_am_pm(norm *z, char which, size_t token_end)
{
    say(z, which == 'A' ? "AM" : "PM");
    if (z->s[token_end - 1] == '.' && sentence_ends_at(z, token_end))
        vx_sbuf_putc(&z->out, '.');
}

/* "6:42" "10:30 am" "18:00" "6:05:30"; hour <= 24, minutes < 60. */
static size_t rule_time(norm *z, const number *num)
{
    size_t j = num->end;
    if (num->nf || num->grouped || num->ni > 2 || ch(z, j) != ':' || digits_end(z, j + 1) != j + 3)
        return 0;
    unsigned hour = vx_digits_value(num->ip, num->ni);
    unsigned minute = vx_digits_value(z->s + j + 1, 2);
    if (hour > 24 || minute > 59)
        return 0;
    const char *mm = z->s + j + 1;
    j += 3;
    unsigned second = 0;
    bool has_seconds = false;
    if (ch(z, j) == ':' && digits_end(z, j + 1) == j + 3) {
        second = vx_digits_value(z->s + j + 1, 2);
        has_seconds = second < 60;
        if (has_seconds)
            j += 3;
    }
    size_t ap_len = 0;
    char ap = am_pm_at(z, j, &ap_len);
    vx_sbuf *b = begin(z);
    vx_say_cardinal(b, num->ip, num->ni);
    if (minute == 0) {
        if (!ap)
            vx_sbuf_puts(b, hour > 12 ? " hundred" : " o'clock");
    } else if (minute < 10) {
        vx_sbuf_puts(b, " oh ");
        vx_say_cardinal(b, mm + 1, 1);
    } else {
        vx_sbuf_putc(b, ' ');
        vx_say_cardinal(b, mm, 2);
    }
    if (has_seconds) {
        char digits[2] = {(char)('0' + second / 10), (char)('0' + second % 10)};
        vx_sbuf_puts(b, " and ");
        vx_say_cardinal(b, second < 10 ? digits + 1 : digits, second < 10 ? 1 : 2);
        vx_sbuf_puts(b, second == 1 ? " second" : " seconds");
    }
    if (ap) {
        say_am_pm(z, ap, j + ap_len);
        j += ap_len;
    }
    return j - num->start;
}

/* --- currency ---------------------------------------------------------------- */

typedef struct currency {
    const char *symbol;
    const char *one, *many;         /* "dollar", "dollars" */
    const char *sub_one, *sub_many; /* "cent", "cents"; NULL: no subunit */
} currency;

static const currency currencies[] = {
    {"$", "dollar", "dollars", "cent", "cents"},
    {"\xe2\x82\xac", "euro", "euros", "cent", "cents"},
    {"\xc2\xa3", "pound", "pounds", "penny", "pence"},
    {"\xc2\xa5", "yen", "yen", NULL, NULL},
};

static const currency *currency_at(const norm *z, size_t i, size_t *len)
{
    for (size_t k = 0; k < N_ELEMS(currencies); k++)
        if (starts(z, i, currencies[k].symbol)) {
            *len = strlen(currencies[k].symbol);
            return &currencies[k];
        }
    return NULL;
}

/* A scale after an amount: "k" "m" "bn" (attached) or " million" (word). */
static const char *scale_at(const norm *z, size_t j, size_t *len)
{
    static const struct {
        const char *suffix, *word;
    } attached[] = {{"k", "thousand"}, {"K", "thousand"}, {"m", "million"},   {"M", "million"},
                    {"mn", "million"}, {"bn", "billion"}, {"b", "billion"},   {"B", "billion"},
                    {"tn", "trillion"}, {"T", "trillion"}};
    static const char *const words[] = {"thousand", "million", "billion", "trillion"};
    for (size_t k = 0; k < N_ELEMS(attached); k++) {
        size_t l = strlen(attached[k].suffix);
        if (starts(z, j, attached[k].suffix) && !is_alnum(ch(z, j + l))) {
            *len = l;
            return attached[k].word;
        }
    }
    if (ch(z, j) == ' ')
        for (size_t k = 0; k < N_ELEMS(words); k++) {
            size_t l = strlen(words[k]);
            if (starts(z, j + 1, words[k]) && !is_alpha(ch(z, j + 1 + l))) {
                *len = l + 1;
                return words[k];
            }
        }
    return NULL;
}

static void say_money(norm *z, const number *num, const currency *c, const char *scale)
{
    vx_sbuf *b = begin(z);
    z->quantity = true;
    if (scale) {
        if (num->nf)
            vx_say_decimal(b, num->ip, num->ni, num->fp, num->nf);
        else
            vx_say_cardinal(b, num->ip, num->ni);
        vx_sbuf_putc(b, ' ');
        vx_sbuf_puts(b, scale);
        vx_sbuf_putc(b, ' ');
        vx_sbuf_puts(b, c->many);
        return;
    }
    if (num->nf && (num->nf != 2 || !c->sub_one)) {
        vx_say_decimal(b, num->ip, num->ni, num->fp, num->nf);
        vx_sbuf_putc(b, ' ');
        vx_sbuf_puts(b, c->many);
        return;
    }
    unsigned sub = num->nf ? vx_digits_value(num->fp, 2) : 0;
    bool no_main = num->ni == 0 || (num->ni == 1 && num->ip[0] == '0');
    if (!no_main || sub == 0) {
        if (num->ni)
            vx_say_cardinal(b, num->ip, num->ni);
        else
            vx_sbuf_puts(b, "zero");
        vx_sbuf_putc(b, ' ');
        vx_sbuf_puts(b, num->ni == 1 && num->ip[0] == '1' ? c->one : c->many);
    }
    if (sub) {
        if (!no_main)
            vx_sbuf_puts(b, " and ");
        vx_say_cardinal(b, num->fp[0] == '0' ? num->fp + 1 : num->fp, num->fp[0] == '0' ? 1 : 2);
        vx_sbuf_putc(b, ' ');
        vx_sbuf_puts(b, sub == 1 ? c->sub_one : c->sub_many);
    }
}

/* "$1,099" "$4.50" "€20" "£3m" "$2.5 billion" "US$5". */
static size_t rule_currency(norm *z, size_t i)
{
    size_t j = i + (starts(z, i, "US$") ? 2 : 0), sym_len;
    const currency *c = currency_at(z, j, &sym_len);
    if (!c)
        return 0;
    j += sym_len;
    number num;
    if (!(is_digit(ch(z, j)) || (ch(z, j) == '.' && is_digit(ch(z, j + 1)))) ||
        !scan_number(z, j, &num))
        return 0;
    size_t scale_len = 0;
    const char *scale = scale_at(z, num.end, &scale_len);
    say_money(z, &num, c, scale);
    return num.end + scale_len - i;
}

/* --- number-led forms --------------------------------------------------------- */

/* A unit after a number ("mm", " kg", "°C"): the unit, and the offset after it. */
static const vx_unit *unit_after(const norm *z, size_t j, size_t *unit_end)
{
    size_t k = j + (ch(z, j) == ' ');
    size_t len;
    const vx_unit *u = vx_lex_unit_prefix(z->s + k, z->n - k, &len);
    if (!u)
        return NULL;
    *unit_end = k + len;
    return u;
}

/* Is the unit used as a modifier ("3.5 mm headphone jack")? Then it is read
 * in the singular. */
static bool unit_is_modifier(const norm *z, size_t unit_end)
{
    if (ch(z, unit_end) != ' ' || !is_lower(ch(z, unit_end + 1)))
        return false;
    size_t e = letters_end(z, unit_end + 1);
    if (is_digit(ch(z, e)))
        return false;
    return !vx_lex_measure_follower(z->s + unit_end + 1, e - unit_end - 1);
}

static void say_unit(norm *z, const number *num, bool negative, const vx_unit *u, bool singular)
{
    if (negative)
        say(z, "minus");
    say_number(z, num, false);
    say(z, singular || (num_is_one(num) && !negative) ? u->singular : u->plural);
    z->quantity = true;
}

/* The denominator word of a fraction: "half", "quarter", else the ordinal. */
static void say_fraction(norm *z, const number *top, const number *bottom)
{
    unsigned d = vx_digits_value(bottom->ip, bottom->ni);
    bool plural = !num_is_one(top);
    say_number(z, top, false);
    vx_sbuf *b = begin(z);
    if (d == 2)
        vx_sbuf_puts(b, plural ? "halves" : "half");
    else if (d == 4)
        vx_sbuf_puts(b, plural ? "quarters" : "quarter");
    else {
        vx_say_ordinal(b, bottom->ip, bottom->ni);
        if (plural)
            vx_sbuf_putc(b, 's');
    }
}

/* "3/4" "1/2" (fractions), "3/14/2024" (US dates), "24/7" "9/11" (pairs), else
 * "a slash b". */
static size_t rule_slash(norm *z, const number *num)
{
    size_t j = num->end;
    if (num->nf || num->grouped || ch(z, j) != '/' || !is_digit(ch(z, j + 1)))
        return 0;
    number second, third;
    scan_number(z, j + 1, &second);
    if (second.nf || second.grouped)
        return 0;
    unsigned a = vx_digits_value(num->ip, num->ni), d = vx_digits_value(second.ip, second.ni);
    size_t e = second.end;
    if (ch(z, e) == '/' && is_digit(ch(z, e + 1))) {
        scan_number(z, e + 1, &third);
        bool year_ok = !third.nf && !third.grouped && (third.ni == 2 || third.ni == 4);
        if (!year_ok || a < 1 || a > 12 || d < 1 || d > 31 || num->ni > 2 || second.ni > 2)
            return 0;
        say(z, vx_lex_month_name((int)a));
        vx_say_ordinal(begin(z), second.ip, second.ni);
        vx_sbuf_putc(&z->out, ',');
        if (third.ni == 2) {
            unsigned y = vx_digits_value(third.ip, 2);
            vx_sbuf *b = begin(z);
            if (y < 10) {
                vx_sbuf_puts(b, "oh ");
                vx_say_cardinal(b, third.ip + 1, 1);
            } else {
                vx_say_cardinal(b, third.ip, 2);
            }
        } else {
            say_number(z, &third, true);
        }
        return third.end - num->start;
    }
    if (is_digit(ch(z, e)) || (ch(z, e) == '.' && is_digit(ch(z, e + 1))))
        return 0;
    bool common_denominator = d == 2 || d == 3 || d == 4 || d == 5 || d == 6 || d == 8 ||
                              d == 10 || d == 16;
    if (num->ni <= 2 && common_denominator && a >= 1 && a < d) {
        say_fraction(z, num, &second);
    } else if (num->ni <= 2 && second.ni <= 2 && a >= 1 && a <= 24 && d >= 1 && d <= 31) {
        say_number(z, num, false); /* "24/7" "9/11" */
        say_number(z, &second, false);
    } else {
        say_number(z, num, false);
        say(z, "slash");
        say_number(z, &second, false);
    }
    return e - num->start;
}

/* "555-1234" and "555-123-4567": digit groups. */
static size_t rule_phone(norm *z, const number *num)
{
    size_t j = num->end;
    if (num->nf || num->grouped || num->ni != 3 || ch(z, j) != '-')
        return 0;
    size_t a = digits_end(z, j + 1);
    size_t last_start = j + 1, e = a;
    if (a - (j + 1) == 3 && ch(z, a) == '-' && digits_end(z, a + 1) == a + 5) {
        last_start = a + 1;
        e = a + 5;
    } else if (a - (j + 1) != 4) {
        return 0;
    }
    if (is_alnum(ch(z, e)))
        return 0;
    vx_sbuf *b = begin(z);
    vx_say_digits(b, num->ip, 3);
    vx_sbuf_puts(b, ", ");
    if (last_start != j + 1) {
        vx_say_digits(b, z->s + j + 1, 3);
        vx_sbuf_puts(b, ", ");
    }
    vx_say_digits(b, z->s + last_start, 4);
    return e - num->start;
}

/* A range "8-10" "8–10": "eight to ten"; the second number is read next. */
static size_t rule_range(norm *z, const number *num)
{
    size_t j = num->end, dash;
    if (ch(z, j) == '-')
        dash = 1;
    else if (starts(z, j, EN_DASH))
        dash = 3;
    else
        return 0;
    if (!is_digit(ch(z, j + dash)))
        return 0;
    say_number(z, num, true);
    say(z, "to");
    return j + dash - num->start;
}

/* Is the number part of a dimension ("2560 by 1664", "1920x1080")? */
static bool in_dimension(const norm *z, const number *num)
{
    size_t ws, we;
    if (word_before(z, num->start, &ws, &we) && we - ws == 2 && memcmp(z->s + ws, "by", 2) == 0)
        return true;
    if ((num->start >= 1 && z->s[num->start - 1] == 'x') ||
        (num->start >= 2 && starts(z, num->start - 2, TIMES_SIGN)))
        return true;
    size_t j = num->end;
    return (starts(z, j, " by ") && is_digit(ch(z, j + 4))) ||
           ((ch(z, j) == 'x' || starts(z, j, " x ")) && is_digit(ch(z, j + (ch(z, j) == 'x' ? 1 : 3))));
}

static size_t rule_mixed(norm *z, size_t i);

/* Everything that starts with a number (and an optional minus sign). */
static size_t rule_number(norm *z, size_t i)
{
    bool negative = false;
    size_t k = i;
    if (ch(z, i) == '-' || starts(z, i, MINUS_SIGN)) {
        size_t sign = ch(z, i) == '-' ? 1 : 3;
        if (!is_digit(ch(z, i + sign)) || (i > 0 && !is_blank(z->s[i - 1]) && z->s[i - 1] != '('))
            return 0;
        negative = true;
        k = i + sign;
    }
    if (!is_digit(ch(z, k)) && !(ch(z, k) == '.' && is_digit(ch(z, k + 1))))
        return 0;
    number num;
    scan_number(z, k, &num);
    size_t j = num.end, used;
    if (negative) {
        /* "-3%" "-5 °C" "-2.5": the sign, then what follows a plain number */
        size_t unit_end;
        const vx_unit *u = unit_after(z, j, &unit_end);
        if (u) {
            say_unit(z, &num, true, u, false);
            return unit_end - i;
        }
        say(z, "minus");
        say_number(z, &num, false);
        if (ch(z, j) == '%') {
            say(z, "percent");
            j++;
        }
        return j - i;
    }
    if ((used = rule_time(z, &num)) || (used = rule_slash(z, &num)) ||
        (used = rule_phone(z, &num)) || (used = rule_range(z, &num)))
        return used;

    /* "1.2.3" (versions) */
    if (num.nf && ch(z, j) == '.' && is_digit(ch(z, j + 1))) {
        say_number(z, &num, false);
        while (ch(z, j) == '.' && is_digit(ch(z, j + 1))) {
            size_t e = digits_end(z, j + 1);
            vx_sbuf *b = begin(z);
            vx_sbuf_puts(b, "point ");
            vx_say_digits(b, z->s + j + 1, e - j - 1);
            j = e;
        }
        return j - i;
    }
    bool integer = !num.nf;
    /* "21st" "2nd" */
    if (integer && (starts_ci(z, j, "st") || starts_ci(z, j, "nd") || starts_ci(z, j, "rd") ||
                    starts_ci(z, j, "th")) &&
        !is_alpha(ch(z, j + 2))) {
        vx_say_ordinal(begin(z), num.ip, num.ni);
        return j + 2 - i;
    }
    /* "1990s" "90s" "1990's" */
    if (integer && num.ip[num.ni - 1] == '0' && !num.grouped) {
        size_t e = ch(z, j) == 's' ? j + 1 : starts(z, j, "'s") ? j + 2 : 0;
        if (e && !is_alpha(ch(z, e))) {
            say_number(z, &num, true);
            vx_pluralize_last(&z->out, 0);
            return e - i;
        }
    }
    /* "20%" "20 %" */
    if (ch(z, j) == '%' || (ch(z, j) == ' ' && ch(z, j + 1) == '%')) {
        say_number(z, &num, false);
        say(z, "percent");
        return j + (ch(z, j) == '%' ? 1 : 2) - i;
    }
    /* "10 am" "7pm" */
    size_t ap_len;
    char ap = integer && num.ni <= 2 ? am_pm_at(z, j, &ap_len) : 0;
    if (ap && vx_digits_value(num.ip, num.ni) >= 1 && vx_digits_value(num.ip, num.ni) <= 12) {
        say_number(z, &num, false);
        say_am_pm(z, ap, j + ap_len);
        return j + ap_len - i;
    }
    /* "20€" "50 ¢" */
    size_t sym_len, sp = ch(z, j) == ' ';
    const currency *c = currency_at(z, j + sp, &sym_len);
    if (c && !is_alnum(ch(z, j + sp + sym_len))) {
        say_money(z, &num, c, NULL);
        return j + sp + sym_len - i;
    }
    if (starts(z, j + sp, "\xc2\xa2") && !is_alnum(ch(z, j + sp + 2))) {
        say_number(z, &num, false);
        say(z, num_is_one(&num) ? "cent" : "cents");
        return j + sp + 2 - i;
    }
    /* "2560x1664" "1920 x 1080" "13×9": "by" */
    size_t x_len = ch(z, j) == 'x' ? 1 : starts(z, j, " x ") ? 3
                 : starts(z, j, TIMES_SIGN) ? 2 : starts(z, j, " " TIMES_SIGN " ") ? 4 : 0;
    if (x_len && is_digit(ch(z, j + x_len))) {
        number right;
        scan_number(z, j + x_len, &right);
        say_number(z, &num, false);
        say(z, "by");
        say_number(z, &right, false);
        return right.end - i;
    }
    /* "2x" "3×": "times" */
    if ((ch(z, j) == 'x' && !is_alnum(ch(z, j + 1))) ||
        (starts(z, j, TIMES_SIGN) && !is_alnum(ch(z, j + 2)))) {
        say_number(z, &num, false);
        say(z, "times");
        return j + (ch(z, j) == 'x' ? 1 : 2) - i;
    }
    /* "13.6-inch" "10-minute" "3.5-mm" */
    if (ch(z, j) == '-' && is_alpha(ch(z, j + 1))) {
        size_t e = letters_end(z, j + 1);
        const vx_unit *u = vx_lex_unit(z->s + j + 1, e - j - 1);
        if (u) {
            say_unit(z, &num, false, u, true);
            return e - i;
        }
        say_number(z, &num, false);
        return j + 1 - i;
    }
    /* "11.3 mm" "1 kg" "20°C" */
    size_t unit_end;
    const vx_unit *u = unit_after(z, j, &unit_end);
    if (u) {
        say_unit(z, &num, false, u, unit_is_modifier(z, unit_end));
        return unit_end - i;
    }
    /* "4K" "1080p": a model name */
    if (is_alpha(ch(z, j)))
        return rule_mixed(z, i);
    /* "RTX 4090": a model number after an upper-case name, read in pairs */
    size_t ws, we;
    if (!num.grouped && num.ni == 4 && num.ip[0] != '0' && word_before(z, i, &ws, &we) &&
        we - ws >= 2 && is_upper(z->s[ws]) && is_upper(z->s[we - 1]) && we < i) {
        vx_say_year(begin(z), vx_digits_value(num.ip, 4));
        return j - i;
    }
    say_number(z, &num, !in_dimension(z, &num));
    return j - i;
}

/* --- words --------------------------------------------------------------------- */

/* Letters-and-digits tokens: "M3" "USB4" "A17" "4K" "1080p" "H2O". */
static size_t rule_mixed(norm *z, size_t i)
{
    size_t j = i;
    bool letters = false, digits = false;
    while (j < z->n && is_alnum(z->s[j])) {
        letters |= is_alpha(z->s[j]);
        digits |= is_digit(z->s[j]);
        j++;
    }
    if (!letters || !digits)
        return 0;
    for (size_t k = i; k < j;) {
        size_t e = is_digit(z->s[k]) ? digits_end(z, k) : letters_end(z, k);
        if (is_digit(z->s[k]) && e - k == 4 && z->s[k] != '0') {
            vx_say_year(begin(z), vx_digits_value(z->s + k, 4)); /* "1080p" "RTX4090" */
        } else if (is_digit(z->s[k])) {
            number part = {.start = k, .end = e, .ip = z->s + k, .ni = e - k};
            say_number(z, &part, false);
        } else if (vx_lex_spelled_acronym(z->s + k, e - k)) {
            say_letters(z, z->s + k, e - k);
        } else {
            say_n(z, z->s + k, e - k);
        }
        k = e;
    }
    return j - i;
}

/* Abbreviations with periods ("Mr." "e.g." "etc." "No. 5"), dotted acronyms
 * ("U.S." -> "US") and initials ("J. K. Rowling" -> "J K Rowling"). */
static size_t rule_abbrev(norm *z, size_t i)
{
    size_t j = letters_end(z, i);
    if (j == i || ch(z, j) != '.')
        return 0;
    size_t end = j + 1;
    bool single_letters = j - i == 1;
    int segments = 1;
    while (segments < ABBREV_SEGMENTS_MAX) {
        size_t k = letters_end(z, end);
        if (k == end || ch(z, k) != '.')
            break;
        single_letters &= k - end == 1;
        segments++;
        end = k + 1;
    }
    const vx_abbrev *a = vx_lex_abbrev(z->s + i, end - i);
    if (a) {
        if (a->kind & VX_ABBR_NUMBER) {
            size_t k = end + (ch(z, end) == ' ');
            if (!is_digit(ch(z, k)))
                return 0;
            say(z, a->spoken);
            return end - i;
        }
        const char *spoken = a->spoken;
        bool leads = a->kind & VX_ABBR_TITLE;
        size_t ws, we;
        bool prev_capital = word_before(z, i, &ws, &we) && is_upper(z->s[ws]);
        size_t next = end + (ch(z, end) == ' ');
        bool next_capital = ch(z, end) == ' ' && is_upper(ch(z, next));
        if (prev_capital && !next_capital && strcmp(a->abbr, "St.") == 0) {
            spoken = "Street";
            leads = false;
        } else if (prev_capital && !next_capital && strcmp(a->abbr, "Dr.") == 0) {
            spoken = "Drive";
            leads = false;
        }
        say(z, spoken);
        if (!leads && sentence_ends_at(z, end))
            vx_sbuf_putc(&z->out, '.');
        return end - i;
    }
    if (segments >= 2 && single_letters) { /* "U.S." "F.B.I." */
        vx_sbuf *b = begin(z);
        for (size_t k = i; k < end; k += 2)
            vx_sbuf_putc(b, is_lower(z->s[k]) ? (char)(z->s[k] - 32) : z->s[k]);
        if (sentence_ends_at(z, end))
            vx_sbuf_putc(b, '.');
        return end - i;
    }
    if (segments == 1 && single_letters && is_upper(z->s[i]) && ch(z, end) == ' ' &&
        is_upper(ch(z, end + 1)) && (i == 0 || is_blank(z->s[i - 1]))) {
        say_n(z, z->s + i, 1); /* an initial: "J. K. Rowling" */
        return end - i;
    }
    return 0;
}

/* "LED" -> "L E D" (acronyms espeak-ng would read as a word); "AT&T" -> "A T
 * and T"; "USB-C" -> "USB C". */
static size_t rule_acronym(norm *z, size_t i)
{
    size_t j = letters_end(z, i);
    if (j == i)
        return 0;
    bool caps = true;
    for (size_t k = i; k < j; k++)
        caps &= is_upper(z->s[k]);
    if (caps && j - i <= 3 && ch(z, j) == '&' && is_upper(ch(z, j + 1))) {
        size_t e = letters_end(z, j + 1);
        bool caps2 = true;
        for (size_t k = j + 1; k < e; k++)
            caps2 &= is_upper(z->s[k]);
        if (caps2 && e - j - 1 <= 3 && !is_alnum(ch(z, e))) {
            say_letters(z, z->s + i, j - i);
            say(z, "and");
            say_letters(z, z->s + j + 1, e - j - 1);
            return e - i;
        }
    }
    if (is_digit(ch(z, j)))
        return 0;
    if (caps && j - i >= 2 && ch(z, j) == '-' && (is_upper(ch(z, j + 1)) || is_digit(ch(z, j + 1))) &&
        !is_alnum(ch(z, j + 2))) {
        say_n(z, z->s + i, j - i);
        if (is_digit(ch(z, j + 1))) {
            number part = {.start = j + 1, .end = j + 2, .ip = z->s + j + 1, .ni = 1};
            say_number(z, &part, false);
        } else {
            say_n(z, z->s + j + 1, 1);
        }
        return j + 2 - i;
    }
    if (caps && vx_lex_spelled_acronym(z->s + i, j - i) && !is_alnum(ch(z, j))) {
        say_letters(z, z->s + i, j - i);
        return j - i;
    }
    return 0;
}

/* "March 14" "Mar. 14th" -> "March fourteenth". */
static size_t rule_date(norm *z, size_t i)
{
    size_t j = letters_end(z, i);
    int month = vx_lex_month(z->s + i, j - i);
    if (!month)
        return 0;
    size_t k = j + (ch(z, j) == '.' && j - i <= 4);
    if (ch(z, k) != ' ' || !is_digit(ch(z, k + 1)))
        return 0;
    size_t e = digits_end(z, k + 1);
    unsigned day = vx_digits_value(z->s + k + 1, e - k - 1);
    if (e - k - 1 > 2 || day < 1 || day > 31)
        return 0;
    size_t after = e;
    if (starts_ci(z, e, "st") || starts_ci(z, e, "nd") || starts_ci(z, e, "rd") || starts_ci(z, e, "th"))
        after = e + 2;
    if (is_alnum(ch(z, after)) || ch(z, after) == ':' || (ch(z, after) == '.' && is_digit(ch(z, after + 1))))
        return 0;
    say(z, vx_lex_month_name(month));
    vx_say_ordinal(begin(z), z->s + k + 1, e - k - 1);
    return after - i;
}

/* --- URLs and e-mail ----------------------------------------------------------- */

/* Speak a URL or address part: '.' "dot", '/' "slash", ... */
static void say_address(norm *z, size_t from, size_t to)
{
    static const struct {
        char c;
        const char *word;
    } names[] = {{'.', "dot"},   {'/', "slash"},   {'-', "dash"},         {'_', "underscore"},
                 {':', "colon"}, {'@', "at"},      {'?', "question mark"}, {'=', "equals"},
                 {'&', "and"},   {'#', "hash"},    {'%', "percent"},      {'~', "tilde"},
                 {'+', "plus"}};
    size_t k = from;
    while (k < to) {
        char c = z->s[k];
        if (is_alpha(c)) {
            size_t e = letters_end(z, k);
            if (e > to)
                e = to;
            say_n(z, z->s + k, e - k);
            k = e;
        } else if (is_digit(c)) {
            size_t e = digits_end(z, k);
            if (e > to)
                e = to;
            vx_sbuf *b = begin(z);
            if (e - k <= 2)
                vx_say_cardinal(b, z->s + k, e - k);
            else
                vx_say_digits(b, z->s + k, e - k);
            k = e;
        } else {
            for (size_t m = 0; m < N_ELEMS(names); m++)
                if (names[m].c == c && !(c == '/' && k + 1 == to))
                    say(z, names[m].word);
            k++;
        }
    }
}

static bool is_host_char(char c) { return is_alnum(c) || c == '-'; }

/* Host labels at i ("apple.com"): the offset after them, the number of
 * labels, and where the last label starts. */
static size_t scan_host(const norm *z, size_t i, int *labels, size_t *last_label)
{
    size_t k = i;
    *labels = 0;
    *last_label = i;
    for (;;) {
        size_t l = k;
        while (k < z->n && is_host_char(z->s[k]) && k - i < HOST_MAX)
            k++;
        if (k == l)
            return l > i ? l - 1 : i;
        (*labels)++;
        *last_label = l;
        if (ch(z, k) == '.' && is_host_char(ch(z, k + 1)) && k - i < HOST_MAX)
            k++;
        else
            return k;
    }
}

static bool known_tld(const char *s, size_t n)
{
    static const char *const tlds[] = {"com", "org", "net", "io", "dev", "ai",   "co",
                                       "edu", "gov", "app", "uk", "us",  "info", "tv"};
    for (size_t k = 0; k < N_ELEMS(tlds); k++)
        if (strlen(tlds[k]) == n && memcmp(tlds[k], s, n) == 0)
            return true;
    return false;
}

static bool is_url_char(char c)
{
    return is_alnum(c) || (c && strchr("/._~%?=&#+-:", c) != NULL);
}

/* "https://www.apple.com/macbook-air" -> "apple dot com slash macbook dash air". */
static size_t rule_url(norm *z, size_t i)
{
    size_t j = i;
    bool marked = false;
    if (starts_ci(z, j, "https://"))
        j += 8, marked = true;
    else if (starts_ci(z, j, "http://"))
        j += 7, marked = true;
    if (starts_ci(z, j, "www."))
        j += 4, marked = true;
    int labels;
    size_t last;
    size_t host_end = scan_host(z, j, &labels, &last);
    if (labels < 1 || (!marked && (labels < 2 || !known_tld(z->s + last, host_end - last))))
        return 0;
    if (ch(z, host_end) == '@')
        return 0;
    size_t k = host_end;
    if (ch(z, k) == '/' || (ch(z, k) == ':' && is_digit(ch(z, k + 1))))
        while (k < z->n && is_url_char(z->s[k]))
            k++;
    while (k > host_end && strchr(".,;:!?", z->s[k - 1]))
        k--;
    say_address(z, j, k);
    return k - i;
}

/* "john.doe@example.com" -> "john dot doe at example dot com". */
static size_t rule_email(norm *z, size_t i)
{
    size_t j = i;
    while (j < z->n && j - i <= LOCAL_PART_MAX && (is_alnum(z->s[j]) || strchr("._%+-", z->s[j])))
        j++;
    if (j == i || ch(z, j) != '@')
        return 0;
    int labels;
    size_t last;
    size_t host_end = scan_host(z, j + 1, &labels, &last);
    if (labels < 2 || host_end - last < 2)
        return 0;
    say_address(z, i, j);
    say(z, "at");
    say_address(z, j + 1, host_end);
    return host_end - i;
}

/* --- symbols ------------------------------------------------------------------- */

/* A symbol spoken as a word (or dropped); bytes consumed, 0 when c is none. */
static size_t rule_symbol(norm *z, size_t i)
{
    static const struct {
        const char *sym;
        const char *word; /* NULL: dropped */
    } symbols[] = {
        {"&", "and"},           {"+", "plus"},         {"=", "equals"},
        {"@", "at"},            {"%", "percent"},      {"\xe2\x89\x88", "approximately"},
        {"\xc2\xb1", "plus or minus"}, {TIMES_SIGN, "times"}, {"\xc3\xb7", "divided by"},
        {"\xc2\xb0", "degrees"}, {"\xc2\xa7", "section"}, {"\xc2\xa9", "copyright"},
        {"\xe2\x84\xa2", NULL}, {"\xc2\xae", NULL},    {"*", NULL},
    };
    char c = z->s[i];
    if (c == '#') {
        say(z, is_digit(ch(z, i + 1)) ? "number" : is_alpha(ch(z, i + 1)) ? "hashtag" : "number");
        return 1;
    }
    if (c == '~' && (is_digit(ch(z, i + 1)) || (ch(z, i + 1) == ' ' && is_digit(ch(z, i + 2))))) {
        say(z, "about");
        return 1;
    }
    if ((c == '\'' || starts(z, i, RIGHT_QUOTE)) && (i == 0 || !is_alnum(z->s[i - 1]))) {
        size_t q = c == '\'' ? 1 : 3;
        size_t e = digits_end(z, i + q);
        if (e == i + q + 2 && ch(z, e) == 's' && !is_alpha(ch(z, e + 1)) && z->s[e - 1] == '0') {
            vx_sbuf *b = begin(z); /* "'90s" -> "nineties" */
            size_t from = b->len;
            vx_say_cardinal(b, z->s + i + q, 2);
            vx_pluralize_last(b, from);
            return e + 1 - i;
        }
        return 0;
    }
    if (c == '/' && z->after_quantity && is_alpha(ch(z, i + 1))) {
        say(z, "per"); /* "$5/month" "5 kg/day" */
        return 1;
    }
    if (c == '/') {
        size_t ws, we;
        bool word_left = word_before(z, i, &ws, &we);
        size_t r = i + 1 + (ch(z, i + 1) == ' ');
        if (word_left && is_alpha(ch(z, r))) {
            size_t re = letters_end(z, r);
            bool and_or = we - ws == 3 && memcmp(z->s + ws, "and", 3) == 0 && re - r == 2 &&
                          memcmp(z->s + r, "or", 2) == 0;
            if (!and_or)
                say(z, "or");
            else
                z->pending_space = true;
            return r - i;
        }
        say(z, "slash");
        return 1;
    }
    for (size_t k = 0; k < N_ELEMS(symbols); k++)
        if (starts(z, i, symbols[k].sym)) {
            if (symbols[k].word)
                say(z, symbols[k].word);
            return strlen(symbols[k].sym);
        }
    return 0;
}

/* "w/" -> "with", "w/o" -> "without". */
static size_t rule_with(norm *z, size_t i)
{
    if (!starts_ci(z, i, "w/"))
        return 0;
    if (starts_ci(z, i, "w/o") && !is_alnum(ch(z, i + 3))) {
        say(z, "without");
        return 3;
    }
    if (ch(z, i + 2) == ' ') {
        say(z, "with");
        return 2;
    }
    return 0;
}

/* --- driver ---------------------------------------------------------------------- */

/* After a spoken word, does the next copied character start a new word? */
static bool starts_word(char c) { return is_alnum(c) || c == '(' || c == '['; }

static size_t rule_at(norm *z, size_t i)
{
    char c = z->s[i];
    bool boundary = i == 0 || !is_alnum(z->s[i - 1]);
    size_t used = 0;
    if (boundary && is_alnum(c) &&
        ((used = rule_with(z, i)) || (used = rule_url(z, i)) || (used = rule_email(z, i))))
        return used;
    if (boundary && (used = rule_currency(z, i)))
        return used;
    if (boundary && (is_digit(c) || c == '-' || c == '.' || (unsigned char)c == 0xe2) &&
        (used = rule_number(z, i)))
        return used;
    if (boundary && is_alpha(c) &&
        ((used = rule_date(z, i)) || (used = rule_abbrev(z, i)) || (used = rule_acronym(z, i)) ||
         (used = rule_mixed(z, i))))
        return used;
    return rule_symbol(z, i);
}

char *vx_normalize(const char *text, size_t len, size_t *out_len)
{
    if (!text && len)
        return vx_fail_null(VX_ERR_ARG, "normalize: text is NULL");
    if (vx_utf8_check(text ? text : "", len, "normalize: input text") != VX_OK)
        return NULL;
    norm z = {.s = text ? text : "", .n = len};
    vx_sbuf_put(&z.out, "", 0);
    size_t i = 0;
    while (i < z.n && !z.out.oom) {
        z.after_quantity = z.quantity;
        z.quantity = false;
        size_t used = rule_at(&z, i);
        if (used) {
            i += used;
            continue;
        }
        char c = z.s[i];
        if (c == ' ' && vx_sbuf_last(&z.out) == ' ') {
            i++;
            continue;
        }
        if (z.pending_space && starts_word(c) && vx_sbuf_last(&z.out) != ' ')
            vx_sbuf_putc(&z.out, ' ');
        z.pending_space = false;
        size_t next = i;
        vx_utf8_next(z.s, z.n, &next);
        vx_sbuf_put(&z.out, z.s + i, next - i);
        i = next;
    }
    if (z.out.oom) {
        free(z.out.data);
        return vx_fail_null(VX_ERR_OOM, "normalize: out of memory for %zu bytes of text", len);
    }
    if (out_len)
        *out_len = z.out.len;
    return z.out.data;
}
