/* sbuf.h — a growable UTF-8 string for the text front end's writers
 * (normalize.c, numbers.c). An allocation failure sets `oom` and later
 * appends do nothing, so callers check once at the end. */
#ifndef VX_TEXT_SBUF_H
#define VX_TEXT_SBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct vx_sbuf {
    char *data; /* NUL-terminated when data != NULL */
    size_t len, cap;
    bool oom;
} vx_sbuf;

void vx_sbuf_put(vx_sbuf *b, const char *s, size_t n);
void vx_sbuf_puts(vx_sbuf *b, const char *s);
void vx_sbuf_putc(vx_sbuf *b, char c);

/* The last byte written, or '\0' when empty. */
char vx_sbuf_last(const vx_sbuf *b);

/* Append ' ' unless the buffer is empty or already ends in whitespace, a
 * hyphen or an opening bracket/quote: a word is about to follow. */
void vx_sbuf_space(vx_sbuf *b);

#endif
