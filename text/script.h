/* script.h — the sectioned script format voxc-reviews speaks
 * (example: data/texts/product-review-macbook-air.txt):
 *
 *     # a comment
 *     ## intro
 *     Welcome back to the channel. Today we're reviewing ...
 *
 *     ## design
 *     The design hasn't changed much ...
 *
 * Rules (tests/test_reviews.c is the definition):
 *   - UTF-8; one leading byte-order mark is skipped; lines end at "\n", "\r\n"
 *     or "\r"; invalid UTF-8 is an error naming the line.
 *   - A line whose first non-blank characters are "##" starts a section; its
 *     name is the rest of the line after the run of '#', trimmed ("### x" is
 *     section "x"). A header without a name is an error.
 *   - Any other line whose first non-blank character is '#' is a comment,
 *     wherever it is (it is dropped without breaking a paragraph).
 *   - Text before the first section header (other than blank lines and
 *     comments) is an error: a script is sections only. So is a script
 *     without any section.
 *   - A section's text is its lines, each trimmed of blanks, joined with
 *     '\n'; blank lines at its start and end are dropped and a run of blank
 *     lines inside becomes one empty line (a paragraph break for
 *     text/split.h). A section may be empty (text_len 0): the caller decides
 *     (voxc-reviews refuses it). */
#ifndef VX_TEXT_SCRIPT_H
#define VX_TEXT_SCRIPT_H

#include <stddef.h>

#include "core/status.h"

typedef struct vx_script_section {
    char *name;      /* NUL-terminated, never empty            */
    char *text;      /* NUL-terminated, text_len bytes         */
    size_t text_len;
    size_t line;     /* 1-based line of the "##" header        */
} vx_script_section;

typedef struct vx_script {
    vx_script_section *sections; /* [count] in file order, count >= 1 */
    size_t count;
} vx_script;

/* Largest script accepted (bytes). */
#define VX_SCRIPT_MAX_BYTES ((size_t)16 << 20)

/* Parse len bytes; `what` names the script in errors ("review.txt").
 * NULL with the error set on a malformed script or out of memory. */
vx_script *vx_script_parse(const char *text, size_t len, const char *what);

/* Read and parse the file at path. */
vx_script *vx_script_load(const char *path);

void vx_script_free(vx_script *s);

#endif
