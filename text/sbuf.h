/* sbuf.h — the text front end's string builder: core/sbuf.h plus the rule
 * for the space between words that normalize.c and numbers.c write. */
#ifndef VX_TEXT_SBUF_H
#define VX_TEXT_SBUF_H

#include "core/sbuf.h"

/* Append ' ' unless the buffer is empty or already ends in whitespace, a
 * hyphen or an opening bracket/quote: a word is about to follow. */
void vx_sbuf_space(vx_sbuf *b);

#endif
