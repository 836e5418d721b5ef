/* split.c — sentence and clause splitting (see split.h). One forward pass;
 * each candidate end looks at the token before it and the word after it. */
#include "split.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"
#include "lexicon.h"
#include "utf8.h"

#define ELLIPSIS 0x2026
#define EN_DASH 0x2013
#define EM_DASH 0x2014

typedef struct splitter {
    const char *s;
    size_t n;
    vx_text_span *spans;
    size_t count, cap;
    bool oom;
} splitter;

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
static bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static uint32_t cp_at(const splitter *p, size_t i, size_t *next)
{
    *next = i;
    return vx_utf8_next(p->s, p->n, next);
}

/* Closing quotes and brackets that may follow sentence punctuation. */
static size_t closer_len(const splitter *p, size_t i)
{
    char c = p->s[i];
    if (c == '"' || c == '\'' || c == ')' || c == ']' || c == '}')
        return 1;
    size_t next;
    uint32_t cp = cp_at(p, i, &next);
    return (cp == 0x201D || cp == 0x2019 || cp == 0xBB) ? next - i : 0;
}

static void emit(splitter *p, size_t start, size_t end, uint32_t terminator)
{
    while (start < end && is_space(p->s[start]))
        start++;
    while (end > start && is_space(p->s[end - 1]))
        end--;
    if (start == end || p->oom)
        return;
    if (p->count == p->cap) {
        size_t ncap = p->cap ? p->cap * 2 : 16;
        vx_text_span *grown = realloc(p->spans, ncap * sizeof *grown);
        if (!grown) {
            p->oom = true;
            return;
        }
        p->spans = grown;
        p->cap = ncap;
    }
    p->spans[p->count++] = (vx_text_span){start, end - start, terminator};
}

/* Does the single '.' at `dot` belong to a token that does not end a sentence
 * before the word at `next`? */
static bool period_continues(const splitter *p, size_t dot, size_t next)
{
    size_t t = dot;
    while (t > 0 && !is_space(p->s[t - 1]) && p->s[t - 1] != '(' && p->s[t - 1] != '"')
        t--;
    size_t tok_len = dot + 1 - t;
    char after = next < p->n ? p->s[next] : '\0';
    const vx_abbrev *a = vx_lex_abbrev(p->s + t, tok_len);
    if (a && (a->kind & VX_ABBR_TITLE))
        return true;
    if (a && (a->kind & VX_ABBR_NUMBER))
        return is_digit(after);
    if (a)
        return is_lower(after) || is_digit(after);
    return tok_len == 2 && is_upper(p->s[t]) && is_upper(after); /* "J. K. Rowling" */
}

vx_text_span *vx_split(const char *text, size_t len, vx_split_mode mode, size_t *count)
{
    if (!text && len)
        return vx_fail_null(VX_ERR_ARG, "split: text is NULL");
    if (vx_utf8_check(text ? text : "", len, "split: input text") != VX_OK)
        return NULL;
    splitter p = {.s = text ? text : "", .n = len};
    size_t start = 0, i = 0;
    while (i < p.n) {
        char c = p.s[i];
        size_t next;
        uint32_t cp = cp_at(&p, i, &next);
        if (c == '\n') { /* a blank line ends the sentence */
            size_t k = i + 1;
            bool blank = false;
            while (k < p.n && is_space(p.s[k]))
                blank |= p.s[k++] == '\n';
            if (blank) {
                emit(&p, start, i, 0);
                start = i = k;
                continue;
            }
        }
        bool sentence_punct = c == '.' || c == '?' || c == '!' || cp == ELLIPSIS;
        bool clause_punct = mode == VX_SPLIT_CLAUSES &&
                            (c == ',' || c == ';' || c == ':' || cp == EN_DASH || cp == EM_DASH);
        if (!sentence_punct && !clause_punct) {
            i = next;
            continue;
        }
        /* the run of punctuation and closers */
        size_t j = i, dots = 0;
        bool only_dots = true;
        while (j < p.n) {
            size_t k;
            uint32_t q = cp_at(&p, j, &k);
            if (sentence_punct && (q == '.' || q == '?' || q == '!' || q == ELLIPSIS)) {
                dots += q == '.';
                only_dots &= q == '.';
                j = k;
            } else {
                break;
            }
        }
        if (!sentence_punct)
            j = next;
        while (j < p.n && closer_len(&p, j))
            j += closer_len(&p, j);
        bool dash = cp == EN_DASH || cp == EM_DASH;
        if ((j < p.n && !is_space(p.s[j])) || (dash && (i == 0 || !is_space(p.s[i - 1])))) {
            i = j > i ? j : next;
            continue;
        }
        size_t word = j;
        while (word < p.n && is_space(p.s[word]))
            word++;
        char after = word < p.n ? p.s[word] : '\0';
        bool ends = true;
        if (sentence_punct && is_lower(after))
            ends = false;
        else if (sentence_punct && only_dots && dots == 1 && period_continues(&p, i, word))
            ends = false;
        if (ends) {
            uint32_t terminator = (sentence_punct && only_dots && dots >= 3) ? ELLIPSIS : cp;
            emit(&p, start, j, terminator);
            start = j;
        }
        i = j > i ? j : next;
    }
    emit(&p, start, p.n, 0);
    if (p.oom) {
        free(p.spans);
        return vx_fail_null(VX_ERR_OOM, "split: out of memory for %zu spans", p.count);
    }
    if (!p.spans && !(p.spans = malloc(sizeof *p.spans)))
        return vx_fail_null(VX_ERR_OOM, "split: out of memory");
    *count = p.count;
    return p.spans;
}
