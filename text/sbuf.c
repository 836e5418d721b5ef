/* sbuf.c — growable string (see sbuf.h). */
#include "sbuf.h"

#include <stdlib.h>
#include <string.h>

void vx_sbuf_put(vx_sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t ncap = b->cap ? b->cap : 256;
        while (ncap < b->len + n + 1)
            ncap *= 2;
        char *grown = realloc(b->data, ncap);
        if (!grown) {
            b->oom = true;
            return;
        }
        b->data = grown;
        b->cap = ncap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void vx_sbuf_puts(vx_sbuf *b, const char *s) { vx_sbuf_put(b, s, strlen(s)); }

void vx_sbuf_putc(vx_sbuf *b, char c) { vx_sbuf_put(b, &c, 1); }

char vx_sbuf_last(const vx_sbuf *b) { return b->len ? b->data[b->len - 1] : '\0'; }

void vx_sbuf_space(vx_sbuf *b)
{
    char c = vx_sbuf_last(b);
    if (c == '\0' || c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '(' || c == '[' ||
        c == '"' || c == '{' || c == '-')
        return;
    vx_sbuf_putc(b, ' ');
}
