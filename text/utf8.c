/* utf8.c — strict UTF-8 validation, decoding and encoding (RFC 3629). */
#include "utf8.h"

/* Length of the valid sequence starting at s[i], or 0 when it is invalid. */
static size_t valid_seq_len(const unsigned char *s, size_t len, size_t i)
{
    unsigned char c = s[i];
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0)
            lo = 0xa0; /* overlong */
        if (c == 0xed)
            hi = 0x9f; /* surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0)
            lo = 0x90; /* overlong */
        if (c == 0xf4)
            hi = 0x8f; /* above U+10FFFF */
    } else {
        return 0;
    }
    if (len - i < n)
        return 0;
    if (s[i + 1] < lo || s[i + 1] > hi)
        return 0;
    for (size_t k = 2; k < n; k++)
        if ((s[i + k] & 0xc0) != 0x80)
            return 0;
    return n;
}

size_t vx_utf8_invalid_at(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t n = valid_seq_len(u, len, i);
        if (n == 0)
            return i;
        i += n;
    }
    return len;
}

vx_status vx_utf8_check(const char *s, size_t len, const char *what)
{
    size_t bad = vx_utf8_invalid_at(s, len);
    if (bad == len)
        return VX_OK;
    return vx_fail(VX_ERR_FORMAT,
                   "%s: invalid UTF-8 at byte %zu (0x%02x): save the text as UTF-8 (e.g. "
                   "`iconv -f latin1 -t utf-8`)",
                   what, bad, (unsigned)(unsigned char)s[bad]);
}

uint32_t vx_utf8_next(const char *s, size_t len, size_t *pos)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = *pos;
    size_t n = valid_seq_len(u, len, i);
    if (n == 0) {
        *pos = i + 1;
        return 0xfffd;
    }
    *pos = i + n;
    switch (n) {
    case 1:
        return u[i];
    case 2:
        return ((uint32_t)(u[i] & 0x1f) << 6) | (u[i + 1] & 0x3f);
    case 3:
        return ((uint32_t)(u[i] & 0x0f) << 12) | ((uint32_t)(u[i + 1] & 0x3f) << 6) |
               (u[i + 2] & 0x3f);
    default:
        return ((uint32_t)(u[i] & 0x07) << 18) | ((uint32_t)(u[i + 1] & 0x3f) << 12) |
               ((uint32_t)(u[i + 2] & 0x3f) << 6) | (u[i + 3] & 0x3f);
    }
}

size_t vx_utf8_prev_len(const char *s, size_t start, size_t end)
{
    size_t i = end;
    while (i > start) {
        i--;
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            break;
    }
    return end - i;
}

size_t vx_utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}
