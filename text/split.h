/* split.h — sentence and clause splitting for English text (raw or
 * normalised), for per-sentence synthesis and streaming.
 *
 * A sentence ends at '.', '?', '!' or an ellipsis (runs such as "?!" and
 * closing quotes/brackets included) followed by whitespace and not by a
 * lower-case word, and at a blank line (paragraph). A period does not end a
 * sentence in decimals ("4.5"), addresses ("apple.com"), abbreviations that
 * lead into a name ("Mr." "Dr." "e.g."), "No. 5", initials ("J. K. Rowling")
 * or other abbreviations followed by a lower-case word or a number ("etc. and").
 * Clause mode also ends a piece at ',' ';' ':' and spaced dashes (" – " " — ")
 * followed by whitespace. Lines wrapped with single newlines stay together.
 * The spans point into the caller's text; nothing is copied. */
#ifndef VX_TEXT_SPLIT_H
#define VX_TEXT_SPLIT_H

#include <stddef.h>
#include <stdint.h>

typedef enum vx_split_mode {
    VX_SPLIT_SENTENCES,
    VX_SPLIT_CLAUSES,
} vx_split_mode;

typedef struct vx_text_span {
    size_t start, len; /* byte range, surrounding whitespace trimmed, never empty */
    uint32_t end;      /* the punctuation that ended it: '.', '?', '!', ',', ';',
                          ':', U+2026, U+2013, U+2014; 0 at a paragraph break or
                          the end of the text                                     */
} vx_text_span;

/* Split len bytes of UTF-8 text. Returns a malloc'd array of *count spans
 * (non-NULL even when *count is 0), or NULL with the error set on invalid
 * UTF-8 or out of memory. */
vx_text_span *vx_split(const char *text, size_t len, vx_split_mode mode, size_t *count);

#endif
