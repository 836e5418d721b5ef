/* sbuf.h — a growable, NUL-terminated byte string for writers that build text
 * piece by piece (the JSON parser's strings, SVG figures, the text front end).
 * An allocation failure sets `oom` and later appends do nothing, so callers
 * check once at the end. Start from `vx_sbuf b = {0};`, take b.data, free it. */
#ifndef VX_CORE_SBUF_H
#define VX_CORE_SBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct vx_sbuf {
    char *data; /* NUL-terminated when data != NULL */
    size_t len, cap;
    bool oom;
} vx_sbuf;

/* Room for `extra` more bytes (and the NUL) at data + len; false after an
 * allocation failure. Whoever writes there advances len and re-terminates. */
bool vx_sbuf_reserve(vx_sbuf *b, size_t extra);

void vx_sbuf_put(vx_sbuf *b, const char *s, size_t n);
void vx_sbuf_puts(vx_sbuf *b, const char *s);
void vx_sbuf_putc(vx_sbuf *b, char c);
void vx_sbuf_printf(vx_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append a string literal. */
#define vx_sbuf_lit(b, s) vx_sbuf_put((b), (s), sizeof(s) - 1)

/* The last byte written, or '\0' when empty. */
char vx_sbuf_last(const vx_sbuf *b);

#endif
