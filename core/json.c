/* json.c — a strict RFC 8259 JSON reader (recursive descent, bounded depth)
 * and JSON string escaping for writers. See json.h for the contract. */
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/sbuf.h"

typedef struct parser {
    const unsigned char *text; /* not NUL-terminated */
    size_t len;
    size_t pos;
    int depth;
    const char *what;
} parser;

/* --- errors ---------------------------------------------------------------- */

/* 1-based line and column (in UTF-8 characters) of byte offset `at`. */
static void line_col(const parser *p, size_t at, size_t *line, size_t *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < at && i < p->len; i++) {
        if (p->text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if ((p->text[i] & 0xc0u) != 0x80u) { /* not a UTF-8 continuation byte */
            (*col)++;
        }
    }
}

/* Record "WHAT: line L, column C: MESSAGE" and return NULL. */
static void *fail_at(const parser *p, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void *fail_at(const parser *p, size_t at, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t line, col;
    line_col(p, at, &line, &col);
    return vx_fail_null(VX_ERR_FORMAT, "%s: line %zu, column %zu: %s", p->what, line, col, msg);
}

/* Describe the byte at `at` for "found ..." in messages. */
static const char *found_at(const parser *p, size_t at, char *buf, size_t bufsize)
{
    if (at >= p->len)
        return "end of input";
    unsigned char c = p->text[at];
    if (c > 0x20 && c < 0x7f)
        snprintf(buf, bufsize, "'%c'", c);
    else
        snprintf(buf, bufsize, "byte 0x%02x", c);
    return buf;
}

/* Record "expected EXPECTED, found X" at the current position. */
static void *fail_expected(const parser *p, const char *expected)
{
    char buf[16];
    return fail_at(p, p->pos, "expected %s, found %s", expected, found_at(p, p->pos, buf, sizeof buf));
}

static void *fail_oom(void) { return vx_fail_null(VX_ERR_OOM, "JSON: out of memory"); }

/* --- helpers --------------------------------------------------------------- */

static void skip_ws(parser *p)
{
    while (p->pos < p->len) {
        unsigned char c = p->text[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        p->pos++;
    }
}

static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static bool buf_push(vx_sbuf *b, const void *src, size_t n)
{
    vx_sbuf_put(b, src, n);
    return !b->oom;
}

/* Encode code point cp (<= 0x10FFFF, no surrogates) as UTF-8 into out. */
static size_t utf8_encode(uint32_t cp, unsigned char out[4])
{
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xc0 | (cp >> 6));
        out[1] = (unsigned char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xe0 | (cp >> 12));
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (unsigned char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (unsigned char)(0xf0 | (cp >> 18));
    out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (unsigned char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Length of the well-formed UTF-8 sequence at s (n bytes available), or 0.
 * ref: RFC 3629 section 4 (no overlongs, no surrogates, max U+10FFFF). */
static size_t utf8_valid_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
    if (c >= 0xc2 && c <= 0xdf) {
        need = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else {
        return 0;
    }
    if (n < need || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < need; i++)
        if ((s[i] & 0xc0u) != 0x80u)
            return 0;
    return need;
}

/* Four hex digits at p->pos as a code unit, or -1. */
static long hex4(const parser *p, size_t at)
{
    if (at > p->len || p->len - at < 4)
        return -1;
    long v = 0;
    for (size_t i = 0; i < 4; i++) {
        unsigned char c = p->text[at + i];
        int d = is_digit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                                      : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* --- strings --------------------------------------------------------------- */

/* \uXXXX at p->pos (pointing at 'u'), with a following low surrogate when the
 * first unit is a high one. Advances past the escape; 0 on success. */
static int parse_unicode_escape(parser *p, uint32_t *cp)
{
    size_t start = p->pos - 1; /* the backslash */
    long u = hex4(p, p->pos + 1);
    if (u < 0) {
        fail_at(p, start, "expected four hex digits after \\u");
        return -1;
    }
    p->pos += 5;
    if (u >= 0xdc00 && u <= 0xdfff) {
        fail_at(p, start, "lone low surrogate \\u%04lX; a low surrogate must follow a high one (\\uD800-\\uDBFF)", u);
        return -1;
    }
    if (u >= 0xd800 && u <= 0xdbff) {
        long lo = (p->pos + 1 < p->len && p->text[p->pos] == '\\' && p->text[p->pos + 1] == 'u')
                      ? hex4(p, p->pos + 2) : -1;
        if (lo < 0xdc00 || lo > 0xdfff) {
            fail_at(p, start, "lone high surrogate \\u%04lX; expected a low surrogate \\uDC00-\\uDFFF right after it",
                    u);
            return -1;
        }
        p->pos += 6;
        /* ref: RFC 8259 section 7 / UTF-16: cp = 0x10000 + (hi - 0xD800) * 0x400 + (lo - 0xDC00) */
        *cp = 0x10000u + ((uint32_t)(u - 0xd800) << 10) + (uint32_t)(lo - 0xdc00);
        return 0;
    }
    *cp = (uint32_t)u;
    return 0;
}

/* String at p->pos (pointing at '"'): decoded bytes into *out (malloc'd, NUL
 * terminated) and its length. Returns false with the error set. */
static bool parse_string(parser *p, char **out, size_t *out_len)
{
    vx_sbuf b = {0};
    p->pos++; /* opening quote */
    for (;;) {
        if (p->pos >= p->len) {
            fail_expected(p, "'\"' to close the string");
            goto fail;
        }
        unsigned char c = p->text[p->pos];
        if (c == '"') {
            p->pos++;
            break;
        }
        if (c < 0x20) {
            fail_at(p, p->pos, "control character (byte 0x%02x) inside a string; write it as \\u%04X", c, c);
            goto fail;
        }
        if (c == '\\') {
            p->pos++;
            unsigned char e = p->pos < p->len ? p->text[p->pos] : 0;
            static const char simple_in[] = "\"\\/bfnrt", simple_out[] = "\"\\/\b\f\n\r\t";
            const char *hit = e ? strchr(simple_in, e) : NULL;
            if (hit) {
                char ch = simple_out[hit - simple_in];
                if (!buf_push(&b, &ch, 1))
                    goto oom;
                p->pos++;
            } else if (e == 'u') {
                uint32_t cp;
                if (parse_unicode_escape(p, &cp) != 0)
                    goto fail;
                unsigned char u8[4];
                if (!buf_push(&b, u8, utf8_encode(cp, u8)))
                    goto oom;
            } else {
                fail_expected(p, "an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX) after '\\'");
                goto fail;
            }
            continue;
        }
        size_t n = c < 0x80 ? 1 : utf8_valid_len(p->text + p->pos, p->len - p->pos);
        if (n == 0) {
            fail_at(p, p->pos, "invalid UTF-8 (byte 0x%02x) inside a string", c);
            goto fail;
        }
        if (!buf_push(&b, p->text + p->pos, n))
            goto oom;
        p->pos += n;
    }
    if (!b.data && !buf_push(&b, "", 0))
        goto oom;
    *out = b.data;
    *out_len = b.len;
    return true;
oom:
    fail_oom();
fail:
    free(b.data);
    return false;
}

/* --- numbers --------------------------------------------------------------- */

/* ref: RFC 8259 section 6: number = [ "-" ] int [ frac ] [ exp ],
 * int = "0" / digit1-9 *DIGIT. */
static bool parse_number(parser *p, vx_json *j)
{
    size_t start = p->pos;
    bool negative = false;
    if (p->text[p->pos] == '-') {
        negative = true;
        p->pos++;
    }
    if (p->pos >= p->len || !is_digit(p->text[p->pos])) {
        fail_expected(p, "a digit after '-'");
        return false;
    }
    /* Exact int64 accumulation (as a negative magnitude, which reaches INT64_MIN). */
    bool fits = true;
    int64_t acc = 0;
    if (p->text[p->pos] == '0') {
        p->pos++;
        if (p->pos < p->len && is_digit(p->text[p->pos])) {
            fail_at(p, start, "leading zeros are not allowed in numbers");
            return false;
        }
    } else {
        while (p->pos < p->len && is_digit(p->text[p->pos])) {
            int d = p->text[p->pos++] - '0';
            if (acc < (INT64_MIN + d) / 10)
                fits = false;
            else
                acc = acc * 10 - d;
        }
    }
    bool integral = true;
    if (p->pos < p->len && p->text[p->pos] == '.') {
        p->pos++;
        if (p->pos >= p->len || !is_digit(p->text[p->pos])) {
            fail_expected(p, "a digit after the decimal point");
            return false;
        }
        while (p->pos < p->len && is_digit(p->text[p->pos]))
            p->pos++;
        integral = false;
    }
    if (p->pos < p->len && (p->text[p->pos] == 'e' || p->text[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < p->len && (p->text[p->pos] == '+' || p->text[p->pos] == '-'))
            p->pos++;
        if (p->pos >= p->len || !is_digit(p->text[p->pos])) {
            fail_expected(p, "a digit in the exponent");
            return false;
        }
        while (p->pos < p->len && is_digit(p->text[p->pos]))
            p->pos++;
        integral = false;
    }

    /* strtod needs a NUL-terminated copy; the grammar above was checked, so
     * strtod must consume the whole token. */
    size_t n = p->pos - start;
    char small[64];
    char *tok = n < sizeof small ? small : malloc(n + 1);
    if (!tok) {
        fail_oom();
        return false;
    }
    memcpy(tok, p->text + start, n);
    tok[n] = '\0';
    char *end;
    errno = 0;
    double v = strtod(tok, &end);
    bool whole = end == tok + n, overflow = errno == ERANGE && isinf(v);
    if (tok != small)
        free(tok);
    if (!whole) {
        fail_at(p, start, "number could not be converted (is LC_NUMERIC a locale without '.' as decimal point?)");
        return false;
    }
    if (overflow) {
        fail_at(p, start, "number is too large for a double");
        return false;
    }
    j->type = VX_JSON_NUMBER;
    j->number = v;
    if (integral && fits && (negative || acc != INT64_MIN)) {
        j->is_integer = true;
        j->integer = negative ? acc : -acc;
    }
    return true;
}

/* --- values ---------------------------------------------------------------- */

static vx_json *parse_value(parser *p);

/* Append `item` (and `key` when an object) to j, growing the arrays. */
static bool append_item(vx_json *j, vx_json *item, char *key, size_t key_len)
{
    /* capacity is 4, 8, 16, ...: grow when count reaches it */
    if (j->count == 0 || (j->count >= 4 && (j->count & (j->count - 1)) == 0)) {
        size_t cap = j->count ? j->count * 2 : 4;
        vx_json **items = realloc(j->items, cap * sizeof *items);
        if (!items)
            return false;
        j->items = items;
        if (j->type == VX_JSON_OBJECT) {
            char **keys = realloc(j->keys, cap * sizeof *keys);
            if (!keys)
                return false;
            j->keys = keys;
            size_t *lens = realloc(j->key_lens, cap * sizeof *lens);
            if (!lens)
                return false;
            j->key_lens = lens;
        }
    }
    j->items[j->count] = item;
    if (j->type == VX_JSON_OBJECT) {
        j->keys[j->count] = key;
        j->key_lens[j->count] = key_len;
    }
    j->count++;
    return true;
}

typedef struct key_ref {
    const char *key;
    size_t len;
} key_ref;

static int key_ref_cmp(const void *a, const void *b)
{
    const key_ref *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->key, y->key, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Reject an object whose keys repeat (sort a copy, compare neighbours). */
static bool check_unique_keys(const parser *p, const vx_json *obj, size_t obj_start)
{
    if (obj->count < 2)
        return true;
    key_ref *refs = malloc(obj->count * sizeof *refs);
    if (!refs) {
        fail_oom();
        return false;
    }
    for (size_t i = 0; i < obj->count; i++)
        refs[i] = (key_ref){obj->keys[i], obj->key_lens[i]};
    qsort(refs, obj->count, sizeof *refs, key_ref_cmp);
    bool unique = true;
    for (size_t i = 1; i < obj->count && unique; i++) {
        if (key_ref_cmp(&refs[i - 1], &refs[i]) == 0) {
            char name[80];
            vx_json_excerpt(name, sizeof name, refs[i].key, refs[i].len);
            fail_at(p, obj_start, "the object starting here has the key \"%s\" more than once; keys must be unique",
                    name);
            unique = false;
        }
    }
    free(refs);
    return unique;
}

static vx_json *parse_container(parser *p, bool is_object)
{
    size_t start = p->pos;
    if (p->depth >= VX_JSON_MAX_DEPTH)
        return fail_at(p, start, "nesting is deeper than %d levels", VX_JSON_MAX_DEPTH);
    vx_json *j = calloc(1, sizeof *j);
    if (!j)
        return fail_oom();
    j->type = is_object ? VX_JSON_OBJECT : VX_JSON_ARRAY;
    const char close = is_object ? '}' : ']';
    p->depth++;
    p->pos++; /* '{' or '[' */
    skip_ws(p);
    if (p->pos < p->len && p->text[p->pos] == close) {
        p->pos++;
        p->depth--;
        return j;
    }
    for (;;) {
        char *key = NULL;
        size_t key_len = 0;
        skip_ws(p);
        if (is_object) {
            if (p->pos >= p->len || p->text[p->pos] != '"') {
                fail_expected(p, j->count ? "a string key after ',' (trailing commas are not allowed)"
                                          : "a string key or '}'");
                goto fail;
            }
            if (!parse_string(p, &key, &key_len))
                goto fail;
            skip_ws(p);
            if (p->pos >= p->len || p->text[p->pos] != ':') {
                fail_expected(p, "':' after the object key");
                free(key);
                goto fail;
            }
            p->pos++;
        } else if (j->count && p->pos < p->len && p->text[p->pos] == ']') {
            fail_expected(p, "a value after ',' (trailing commas are not allowed)");
            goto fail;
        }
        vx_json *item = parse_value(p);
        if (!item) {
            free(key);
            goto fail;
        }
        if (!append_item(j, item, key, key_len)) {
            free(key);
            vx_json_free(item);
            fail_oom();
            goto fail;
        }
        skip_ws(p);
        if (p->pos < p->len && p->text[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->text[p->pos] == close) {
            p->pos++;
            break;
        }
        fail_expected(p, is_object ? "',' or '}' after the object member" : "',' or ']' after the array element");
        goto fail;
    }
    p->depth--;
    if (is_object && !check_unique_keys(p, j, start)) {
        vx_json_free(j);
        return NULL;
    }
    return j;
fail:
    vx_json_free(j);
    return NULL;
}

static vx_json *parse_literal(parser *p, const char *word, vx_json_type type, bool value)
{
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->text + p->pos, word, n) != 0) {
        char expected[16];
        snprintf(expected, sizeof expected, "'%s'", word);
        return fail_expected(p, expected);
    }
    vx_json *j = calloc(1, sizeof *j);
    if (!j)
        return fail_oom();
    p->pos += n;
    j->type = type;
    j->boolean = value;
    return j;
}

static vx_json *parse_value(parser *p)
{
    skip_ws(p);
    if (p->pos >= p->len)
        return fail_expected(p, "a JSON value");
    unsigned char c = p->text[p->pos];
    switch (c) {
    case '{': return parse_container(p, true);
    case '[': return parse_container(p, false);
    case 't': return parse_literal(p, "true", VX_JSON_BOOL, true);
    case 'f': return parse_literal(p, "false", VX_JSON_BOOL, false);
    case 'n': return parse_literal(p, "null", VX_JSON_NULL, false);
    default: break;
    }
    if (c != '"' && c != '-' && !is_digit(c))
        return fail_expected(p, "a value (object, array, string, number, true, false or null)");
    vx_json *j = calloc(1, sizeof *j);
    if (!j)
        return fail_oom();
    bool ok;
    if (c == '"') {
        j->type = VX_JSON_STRING;
        ok = parse_string(p, &j->string, &j->len);
    } else {
        ok = parse_number(p, j);
    }
    if (!ok) {
        free(j);
        return NULL;
    }
    return j;
}

/* --- public API ------------------------------------------------------------ */

vx_json *vx_json_parse(const char *text, size_t len, const char *what)
{
    parser p = {(const unsigned char *)text, len, 0, 0, what ? what : "JSON"};
    if (!text && len)
        return vx_fail_null(VX_ERR_ARG, "%s: NULL text with length %zu", p.what, len);
    if (len > VX_JSON_MAX_BYTES)
        return vx_fail_null(VX_ERR_FORMAT, "%s: %zu bytes is over the %zu-byte JSON limit", p.what, len,
                            VX_JSON_MAX_BYTES);
    vx_json *j = parse_value(&p);
    if (!j)
        return NULL;
    skip_ws(&p);
    if (p.pos < p.len) {
        fail_expected(&p, "end of input after the JSON value");
        vx_json_free(j);
        return NULL;
    }
    return j;
}

void vx_json_free(vx_json *j)
{
    if (!j)
        return;
    for (size_t i = 0; i < j->count; i++) {
        vx_json_free(j->items[i]);
        if (j->keys)
            free(j->keys[i]);
    }
    free(j->items);
    free(j->keys);
    free(j->key_lens);
    free(j->string);
    free(j);
}

const vx_json *vx_json_get(const vx_json *j, const char *key)
{
    if (!j || j->type != VX_JSON_OBJECT || !key)
        return NULL;
    for (size_t i = 0; i < j->count; i++)
        if (strcmp(j->keys[i], key) == 0)
            return j->items[i];
    return NULL;
}

double vx_json_get_number(const vx_json *j, const char *key, double dflt)
{
    const vx_json *v = vx_json_get(j, key);
    return v && v->type == VX_JSON_NUMBER ? v->number : dflt;
}

const char *vx_json_get_string(const vx_json *j, const char *key, const char *dflt)
{
    const vx_json *v = vx_json_get(j, key);
    return v && v->type == VX_JSON_STRING ? v->string : dflt;
}

/* Escapes '"', '\\' and control bytes (short forms where JSON has them,
 * else \u00xx); other bytes, UTF-8 included, pass through. */
void vx_json_write_string(FILE *f, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (c < 0x20)
                fprintf(f, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
            else
                fputc(c, f);
        }
    }
    fputc('"', f);
}

const char *vx_json_type_name(vx_json_type t)
{
    switch (t) {
    case VX_JSON_NULL: return "null";
    case VX_JSON_BOOL: return "boolean";
    case VX_JSON_NUMBER: return "number";
    case VX_JSON_STRING: return "string";
    case VX_JSON_ARRAY: return "array";
    case VX_JSON_OBJECT: return "object";
    }
    return "unknown";
}

const char *vx_json_excerpt(char *buf, size_t bufsize, const char *s, size_t n)
{
    if (bufsize == 0)
        return buf;
    size_t room = bufsize - 1, i = 0;
    bool cut = n > room;
    if (cut)
        room = room > 3 ? room - 3 : 0;
    for (; i < n && i < room; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (cut)
        for (size_t k = 0; k < 3 && i + 1 < bufsize; k++)
            buf[i++] = '.';
    buf[i] = '\0';
    return buf;
}
