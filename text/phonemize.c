/* phonemize.c — Piper-compatible phonemisation on libespeak-ng (see phonemize.h).
 *
 * Recovering the clause terminator (Debian's espeak-ng 1.51 does not report it):
 * each espeak_TextToPhonemes call reads one clause and moves the text pointer
 * past what it read. espeak-ng reads one codepoint of look-ahead after the
 * clause's end (after the punctuation and the spaces that follow it) and keeps
 * it for the next call, so the call's span is
 *     [clause text, punctuation run, spaces] + [look-ahead codepoint]
 * and the next clause starts with that look-ahead. From the span this file
 * rebuilds what espeak-ng's ReadClause decided (facts from its readclause.c):
 *   - two or more newlines in the trailing spaces: a paragraph, which ends the
 *     sentence and adds no punctuation;
 *   - otherwise the first character of the trailing run of clause punctuation
 *     decides (espeak-ng swallows the rest: "?!" is '?'; three or more dots
 *     are an ellipsis);
 *   - that punctuation ended the clause only if spaces, the end of text, a
 *     bracket or quote, or '?' followed it (or it needs no space after it, as
 *     the ellipsis and the full-width forms), and the clause has a letter or
 *     digit before it; anything else was a break for length (no punctuation).
 * Piper writes '.', '?', '!' and ", " ": " "; " for these; other terminators
 * (ellipsis, full-width forms, paragraphs) add nothing. */
#include "phonemize.h"

#include <espeak-ng/speak_lib.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "nfd.h"
#include "utf8.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define ESPEAK_IPA_NO_TIE 0x02 /* espeak_TextToPhonemes phonememode Piper uses */

/* --- espeak-ng global state -------------------------------------------------- */

static pthread_mutex_t espeak_lock = PTHREAD_MUTEX_INITIALIZER;
static int espeak_state;       /* 0: not tried, 1: ready, -1: failed  (lock held) */
static char espeak_voice[64];  /* voice currently selected ("" none)            */
static const char *espeak_version_str, *espeak_data_path;

/* Initialise espeak-ng once and select `voice`. Caller holds espeak_lock. */
static vx_status espeak_ready_locked(const char *voice)
{
    if (espeak_state == 0) {
        int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, NULL, espeakINITIALIZE_DONT_EXIT);
        espeak_state = rate > 0 ? 1 : -1;
        if (espeak_state == 1)
            espeak_version_str = espeak_Info(&espeak_data_path);
    }
    if (espeak_state < 0)
        return vx_fail(VX_ERR_UNSUPPORTED,
                       "espeak-ng could not be initialised (no espeak-ng-data?): run `make deps` "
                       "or set ESPEAK_DATA_PATH to the folder that holds espeak-ng-data");
    if (!voice || strcmp(voice, espeak_voice) == 0)
        return VX_OK;
    if (strlen(voice) >= sizeof espeak_voice)
        return vx_fail(VX_ERR_ARG, "espeak-ng voice name '%.40s...' is too long", voice);
    if (espeak_SetVoiceByName(voice) != EE_OK) {
        espeak_voice[0] = '\0';
        return vx_fail(VX_ERR_ARG,
                       "espeak-ng has no voice '%s': use the voice config's espeak.voice "
                       "(e.g. \"en-us\"; `espeak-ng --voices` lists them)",
                       voice);
    }
    strcpy(espeak_voice, voice);
    return VX_OK;
}

const char *vx_espeak_version(const char **data_path)
{
    pthread_mutex_lock(&espeak_lock);
    vx_status st = espeak_ready_locked(NULL);
    const char *v = espeak_version_str;
    if (data_path)
        *data_path = espeak_data_path;
    pthread_mutex_unlock(&espeak_lock);
    return st == VX_OK ? v : NULL;
}

/* --- character classes (espeak-ng's, for the clause terminator) -------------- */

typedef struct clause_punct {
    uint32_t cp;
    uint32_t phoneme;   /* what Piper writes; 0 for nothing                    */
    bool sentence;      /* ends the sentence                                   */
    bool no_space;      /* ends a clause without a space after it              */
} clause_punct;

/* Sorted by cp. espeak-ng's clause punctuation for Latin, Greek, Arabic,
 * Devanagari and CJK text (ref: espeak-ng 1.51 ucd proplist.c ESPEAKNG_PROPERTY_*
 * and readclause.c clause_type_from_codepoint). Piper maps the terminator with
 * `terminator & 0xFFFFF == CLAUSE_X`, so forms flagged "optional space after"
 * and the ellipsis end the clause but write nothing. */
static const clause_punct clause_puncts[] = {
    {0x0021, '!', true, false},  {0x002C, ',', false, false}, {0x002E, '.', true, false},
    {0x003A, ':', false, false}, {0x003B, ';', false, false}, {0x003F, '?', true, false},
    {0x00A1, 0, false, true},    {0x00BF, 0, false, true},    {0x037E, '?', true, false},
    {0x0387, ';', false, false}, {0x0589, 0, true, true},     {0x060C, ',', false, false},
    {0x061B, ';', false, false}, {0x061F, '?', true, false},  {0x06D4, '.', true, false},
    {0x0964, 0, true, true},     {0x2013, ';', false, false}, {0x2014, ';', false, false},
    {0x2026, 0, false, true},    {0x203C, '!', true, false},  {0x2047, '?', true, false},
    {0x2E3A, ';', false, false}, {0x2E3B, ';', false, false}, {0x3001, 0, false, true},
    {0x3002, 0, true, true},     {0xFE31, ';', false, false}, {0xFE32, ';', false, false},
    {0xFE50, ',', false, false}, {0xFE51, ',', false, false}, {0xFE52, '.', true, false},
    {0xFE54, ';', false, false}, {0xFE55, ':', false, false}, {0xFE56, '?', true, false},
    {0xFE57, '!', true, false},  {0xFF01, 0, true, true},     {0xFF0C, 0, false, true},
    {0xFF0E, 0, true, true},     {0xFF1A, 0, false, true},    {0xFF1B, 0, false, true},
    {0xFF1F, 0, true, true},     {0xFF61, '.', true, false},  {0xFF64, ',', false, false},
};

static const clause_punct *find_punct(uint32_t cp)
{
    size_t lo = 0, hi = N_ELEMS(clause_puncts);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (clause_puncts[mid].cp == cp)
            return &clause_puncts[mid];
        if (clause_puncts[mid].cp < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static bool is_space(uint32_t cp)
{
    return cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
           cp == 0x205F || cp == 0x3000;
}

/* espeak-ng's IsBracket: brackets, quotes and U+2014..U+201F. */
static bool is_bracket(uint32_t cp)
{
    static const uint32_t brackets[] = {'(', ')', '[', ']', '{', '}', '<', '>', '"', '\'', '`',
                                        0xAB, 0xBB, 0x300A, 0x300B};
    if (cp >= 0x2014 && cp <= 0x201F)
        return true;
    for (size_t i = 0; i < N_ELEMS(brackets); i++)
        if (brackets[i] == cp)
            return true;
    return false;
}

/* A letter or digit in any script (close enough to iswalnum for deciding
 * whether a clause has any word before its punctuation). */
static bool is_alnum(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= '0' && cp <= '9') || ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z');
    if (cp < 0xC0 || cp == 0xD7 || cp == 0xF7 || is_space(cp) || find_punct(cp))
        return false;
    return !((cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) ||
             (cp >= 0xFE10 && cp <= 0xFE6F) || (cp >= 0xFF00 && cp <= 0xFF0F) ||
             (cp >= 0x1F000 && cp <= 0x1FAFF) || (cp >= 0xE000 && cp <= 0xF8FF));
}

/* The codepoint that ends at s[*k] (k > start); moves *k to its first byte. */
static uint32_t prev_cp(const char *s, size_t start, size_t *k)
{
    size_t at = *k - vx_utf8_prev_len(s, start, *k);
    size_t pos = at;
    *k = at;
    return vx_utf8_next(s, SIZE_MAX, &pos);
}

typedef struct clause_info {
    uint32_t punct; /* phoneme Piper appends, 0 for none              */
    bool space;     /* ... followed by ' ' (", " ": " "; ")            */
    bool sentence;  /* the sentence ends after this clause             */
} clause_info;

/* How the clause s[start..end) ended; look is the look-ahead codepoint that
 * espeak-ng read after it (0 at the end of the text). eof: the clause ends the
 * text espeak-ng was given; last: that text ends the input (so the sentence
 * ends). See the file comment. */
static clause_info classify_clause(const char *s, size_t start, size_t end, uint32_t look, bool eof,
                                   bool last)
{
    clause_info r = {0, false, eof && last};
    size_t k = end;
    unsigned newlines = 0;
    bool spaces = false;
    while (k > start) {
        size_t q = k;
        uint32_t cp = prev_cp(s, start, &q);
        if (!is_space(cp))
            break;
        spaces = true;
        newlines += cp == '\n';
        k = q;
    }
    if (newlines >= 2) {
        r.sentence = true;
        return r;
    }
    size_t run = k;
    const clause_punct *first = NULL;
    while (run > start) {
        size_t q = run;
        const clause_punct *p = find_punct(prev_cp(s, start, &q));
        if (!p)
            break;
        first = p;
        run = q;
    }
    if (!first)
        return r;
    size_t dots = 0;
    while (run + dots < k && s[run + dots] == '.')
        dots++;
    if (dots >= 3)
        first = find_punct(0x2026);
    bool ended = spaces || eof || first->no_space || is_bracket(look) || look == '?';
    bool has_word = false;
    for (size_t pos = start; pos < run && !has_word;)
        has_word = is_alnum(vx_utf8_next(s, run, &pos));
    if (!ended || !has_word)
        return r;
    r.punct = first->phoneme;
    r.space = !first->sentence;
    r.sentence = r.sentence || first->sentence;
    return r;
}

/* --- output building ------------------------------------------------------------ */

typedef struct builder {
    vx_phonemes *out;
    size_t cap_sentences;
    vx_phoneme_sentence *cur; /* open sentence or NULL */
    size_t cur_cap;
    uint32_t *scratch;        /* NFD of one clause */
    size_t scratch_n, scratch_cap;
} builder;

static vx_status open_sentence(builder *b, size_t text_pos)
{
    if (b->cur)
        return VX_OK;
    vx_phonemes *o = b->out;
    if (o->count == b->cap_sentences) {
        size_t ncap = b->cap_sentences ? b->cap_sentences * 2 : 8;
        vx_phoneme_sentence *grown = realloc(o->sentences, ncap * sizeof *grown);
        if (!grown)
            return vx_fail(VX_ERR_OOM, "phonemize: out of memory for %zu sentences", ncap);
        o->sentences = grown;
        b->cap_sentences = ncap;
    }
    b->cur = &o->sentences[o->count++];
    *b->cur = (vx_phoneme_sentence){.text_start = text_pos};
    b->cur_cap = 0;
    return VX_OK;
}

static vx_status push_phoneme(builder *b, uint32_t cp)
{
    vx_phoneme_sentence *s = b->cur;
    if (s->n == b->cur_cap) {
        size_t ncap = b->cur_cap ? b->cur_cap * 2 : 64;
        uint32_t *grown = realloc(s->phonemes, ncap * sizeof *grown);
        if (!grown)
            return vx_fail(VX_ERR_OOM, "phonemize: out of memory for %zu phonemes", ncap);
        s->phonemes = grown;
        b->cur_cap = ncap;
    }
    s->phonemes[s->n++] = cp;
    return VX_OK;
}

/* Extend the open sentence's text range to cover text[from..to), trimmed. */
static void cover_text(builder *b, const char *text, size_t from, size_t to)
{
    while (from < to && is_space((unsigned char)text[from]))
        from++;
    while (to > from && is_space((unsigned char)text[to - 1]))
        to--;
    if (from >= to)
        return;
    vx_phoneme_sentence *s = b->cur;
    if (s->text_len == 0)
        s->text_start = from;
    s->text_len = to - s->text_start;
}

/* Append espeak-ng's IPA for one clause: NFD, language flags "(xx)" removed. */
static vx_status append_clause_ipa(builder *b, const char *ipa)
{
    b->scratch_n = 0;
    if (vx_nfd_append(ipa, strlen(ipa), &b->scratch, &b->scratch_n, &b->scratch_cap) != VX_OK)
        return VX_ERR_OOM;
    bool in_flag = false;
    for (size_t i = 0; i < b->scratch_n; i++) {
        uint32_t cp = b->scratch[i];
        if (in_flag) {
            in_flag = cp != ')';
            continue;
        }
        if (cp == '(') {
            in_flag = true;
            continue;
        }
        if (push_phoneme(b, cp) != VX_OK)
            return VX_ERR_OOM;
    }
    return VX_OK;
}

/* Phonemise text[from..to) with espeak-ng, one clause per call (Piper's loop).
 * `last` says whether this is the final piece of the input: the end of a piece
 * followed by inline phonemes does not end the sentence. space_before: the
 * piece follows inline phonemes with a space between them. */
static vx_status phonemize_piece(builder *b, char *text, size_t from, size_t to, bool last,
                                 bool space_before)
{
    char saved = text[to];
    text[to] = '\0';
    const char *seg = text + from;
    size_t seg_len = to - from;
    const void *ptr = seg;
    size_t clause_start = 0;
    vx_status st = VX_OK;
    while (ptr) {
        const char *before = ptr;
        const char *ipa = espeak_TextToPhonemes(&ptr, espeakCHARS_AUTO, ESPEAK_IPA_NO_TIE);
        if (!ipa) {
            st = vx_fail(VX_ERR_FORMAT, "espeak-ng could not read the text at byte %zu",
                         from + (size_t)(before - seg));
            break;
        }
        bool eof = ptr == NULL;
        size_t span_start = (size_t)(before - seg);
        size_t span_end = eof ? seg_len : (size_t)((const char *)ptr - seg);
        uint32_t look = 0;
        size_t clause_end = span_end;
        if (!eof && span_end > span_start) {
            clause_end = span_end - vx_utf8_prev_len(seg, span_start, span_end);
            size_t pos = clause_end;
            look = vx_utf8_next(seg, span_end, &pos);
        }
        if (clause_end < clause_start)
            clause_end = clause_start;
        clause_info c = classify_clause(seg, clause_start, clause_end, look, eof, last);
        if ((st = open_sentence(b, from + clause_start)) != VX_OK)
            break;
        cover_text(b, text, from + clause_start, from + clause_end);
        if (space_before && ipa[0] && b->cur->n > 0 && b->cur->phonemes[b->cur->n - 1] != ' ' &&
            (st = push_phoneme(b, ' ')) != VX_OK)
            break;
        space_before = space_before && !ipa[0];
        if ((st = append_clause_ipa(b, ipa)) != VX_OK)
            break;
        if (c.punct) {
            if ((st = push_phoneme(b, c.punct)) != VX_OK)
                break;
            if (c.space && (st = push_phoneme(b, ' ')) != VX_OK)
                break;
        }
        if (c.sentence)
            b->cur = NULL;
        clause_start = clause_end;
    }
    /* drain espeak-ng after an error so no look-ahead leaks into the next call */
    while (ptr && espeak_TextToPhonemes(&ptr, espeakCHARS_AUTO, ESPEAK_IPA_NO_TIE))
        ;
    text[to] = saved;
    return st;
}

/* Append inline phonemes text[from..to) (inside "[[ ]]"): NFD, whitespace
 * runs as one ' ', trimmed; separated from neighbouring words by ' ' when the
 * text had a space there. */
static vx_status append_inline(builder *b, const char *text, size_t from, size_t to,
                               bool space_before)
{
    vx_status st = open_sentence(b, from);
    if (st != VX_OK)
        return st;
    cover_text(b, text, from, to);
    b->scratch_n = 0;
    if (vx_nfd_append(text + from, to - from, &b->scratch, &b->scratch_n, &b->scratch_cap) !=
        VX_OK)
        return VX_ERR_OOM;
    vx_phoneme_sentence *s = b->cur;
    bool pending_space = space_before && s->n > 0 && s->phonemes[s->n - 1] != ' ';
    for (size_t i = 0; i < b->scratch_n; i++) {
        uint32_t cp = b->scratch[i];
        if (is_space(cp)) {
            pending_space = b->cur->n > 0 && b->cur->phonemes[b->cur->n - 1] != ' ';
            continue;
        }
        if (pending_space && (st = push_phoneme(b, ' ')) != VX_OK)
            return st;
        pending_space = false;
        if ((st = push_phoneme(b, cp)) != VX_OK)
            return st;
    }
    return VX_OK;
}

/* Replace control characters (C0 but tab/LF/CR, DEL, C1) with spaces in place;
 * byte offsets are kept (C1 controls are two bytes and become two spaces). */
static void blank_controls(char *t, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)t[i];
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
            t[i] = ' ';
        } else if (c == 0xc2 && i + 1 < len && (unsigned char)t[i + 1] >= 0x80 &&
                   (unsigned char)t[i + 1] <= 0x9f) {
            t[i] = ' ';
            t[i + 1] = ' ';
        }
    }
}

/* A letter for defuse_letter_chains: ASCII letters and every non-ASCII
 * codepoint that is_alnum() takes for a letter. */
static bool is_letter(uint32_t cp)
{
    return ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') || (cp >= 0xC0 && is_alnum(cp));
}

/* Debian's espeak-ng 1.51 overflows a stack buffer (and aborts the process)
 * on long chains of single letters joined by dots, such as "a.a.a.a..." or
 * "a .a .a ..." of 90 or more letters (found by fuzzing voxc: see
 * tests/fuzz/fuzz_text.c). Real text has short chains ("U.S.A.", "J. K."),
 * so after every LETTER_CHAIN_MAX single letters next to a dot, with no
 * longer word between them, the dots up to the next letter become spaces.
 * In place; offsets kept. */
#define LETTER_CHAIN_MAX 16
static void defuse_letter_chains(char *t, size_t len)
{
    size_t pos = 0, chain = 0, run = 0, before_run = SIZE_MAX;
    while (pos <= len) {
        size_t at = pos;
        uint32_t cp = pos < len ? vx_utf8_next(t, len, &pos) : 0;
        if (pos == at)
            pos++;
        if (at < len && is_letter(cp)) {
            run++;
            continue;
        }
        if (run == 1) {
            bool dot_after = at < len && t[at] == '.';
            bool dot_before = before_run != SIZE_MAX && t[before_run] == '.';
            if ((dot_after || dot_before) && ++chain > LETTER_CHAIN_MAX) {
                for (size_t k = at; k < len && !is_letter((unsigned char)t[k]) &&
                                    (unsigned char)t[k] < 0x80;
                     k++)
                    if (t[k] == '.')
                        t[k] = ' '; /* every dot up to the next letter */
                chain = 0;
            }
        } else if (run > 1) {
            chain = 0;
        }
        run = 0;
        before_run = at;
    }
}

static const char *find2(const char *t, size_t from, size_t len, char c)
{
    for (size_t i = from; i + 1 < len; i++)
        if (t[i] == c && t[i + 1] == c)
            return t + i;
    return NULL;
}

static vx_status phonemize_locked(builder *b, char *t, size_t len)
{
    size_t pos = 0;
    vx_status st;
    for (;;) {
        const char *open = find2(t, pos, len, '[');
        size_t text_end = open ? (size_t)(open - t) : len;
        if (text_end > pos || !open) {
            bool space_before = pos > 0 && is_space((unsigned char)t[pos]);
            st = phonemize_piece(b, t, pos, text_end, open == NULL, space_before);
            if (st != VX_OK || !open)
                return st;
        }
        const char *close = find2(t, text_end + 2, len, ']');
        if (!close)
            return vx_fail(VX_ERR_FORMAT,
                           "phonemize: \"[[\" at byte %zu has no closing \"]]\": inline phonemes "
                           "are written [[ ... ]]",
                           text_end);
        size_t ipa_end = (size_t)(close - t);
        bool space_before = text_end > 0 && is_space((unsigned char)t[text_end - 1]);
        if ((st = append_inline(b, t, text_end + 2, ipa_end, space_before)) != VX_OK)
            return st;
        pos = ipa_end + 2;
        if (pos >= len)
            return VX_OK;
    }
}

vx_phonemes *vx_phonemize(const char *text, size_t len, const char *voice)
{
    if (!text && len)
        return vx_fail_null(VX_ERR_ARG, "phonemize: text is NULL");
    if (len > VX_PHONEMIZE_MAX_BYTES)
        return vx_fail_null(VX_ERR_ARG,
                            "phonemize: %zu bytes of text is more than %zu: split it into "
                            "paragraphs first (text/split.h)",
                            len, VX_PHONEMIZE_MAX_BYTES);
    if (vx_utf8_check(text ? text : "", len, "phonemize: input text") != VX_OK)
        return NULL;
    char *t = malloc(len + 1);
    vx_phonemes *out = calloc(1, sizeof *out);
    if (!t || !out) {
        free(t);
        free(out);
        return vx_fail_null(VX_ERR_OOM, "phonemize: out of memory copying %zu bytes", len);
    }
    if (len)
        memcpy(t, text, len);
    t[len] = '\0';
    blank_controls(t, len);
    defuse_letter_chains(t, len);

    builder b = {.out = out};
    pthread_mutex_lock(&espeak_lock);
    vx_status st = espeak_ready_locked(voice ? voice : "en-us");
    if (st == VX_OK)
        st = phonemize_locked(&b, t, len);
    pthread_mutex_unlock(&espeak_lock);
    free(b.scratch);
    free(t);
    if (st != VX_OK) {
        vx_phonemes_free(out);
        return NULL;
    }
    return out;
}

void vx_phonemes_free(vx_phonemes *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->count; i++)
        free(p->sentences[i].phonemes);
    free(p->sentences);
    free(p);
}

void vx_phonemes_write(FILE *f, const vx_phoneme_sentence *s)
{
    char buf[4];
    for (size_t i = 0; i < s->n; i++)
        fwrite(buf, 1, vx_utf8_encode(s->phonemes[i], buf), f);
}
