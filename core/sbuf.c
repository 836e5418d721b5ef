/* sbuf.c — growable string (see sbuf.h). */
#include "core/sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool vx_sbuf_reserve(vx_sbuf *b, size_t extra)
{
    if (b->oom)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 16;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *grown = realloc(b->data, cap);
    if (!grown) {
        b->oom = true;
        return false;
    }
    b->data = grown;
    b->cap = cap;
    return true;
}

void vx_sbuf_put(vx_sbuf *b, const char *s, size_t n)
{
    if (!vx_sbuf_reserve(b, n))
        return;
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void vx_sbuf_puts(vx_sbuf *b, const char *s) { vx_sbuf_put(b, s, strlen(s)); }

void vx_sbuf_putc(vx_sbuf *b, char c) { vx_sbuf_put(b, &c, 1); }

void vx_sbuf_printf(vx_sbuf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        vx_sbuf_put(b, small, (size_t)n);
        return;
    }
    if (!vx_sbuf_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char vx_sbuf_last(const vx_sbuf *b) { return b->len ? b->data[b->len - 1] : '\0'; }
