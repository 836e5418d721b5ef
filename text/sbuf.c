/* sbuf.c — the space between words (see sbuf.h). */
#include "text/sbuf.h"

void vx_sbuf_space(vx_sbuf *b)
{
    char c = vx_sbuf_last(b);
    if (c == '\0' || c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '(' || c == '[' ||
        c == '"' || c == '{' || c == '-')
        return;
    vx_sbuf_putc(b, ' ');
}
