/* utf8.h — strict UTF-8 validation, decoding and encoding for the text front
 * end. Strict means RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF. Not a general Unicode library: classification lives where it is
 * used (normalize.c, split.c, phonemize.c). */
#ifndef VX_TEXT_UTF8_H
#define VX_TEXT_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

/* Byte offset of the first invalid sequence in s[0..len), or len when the
 * whole buffer is valid UTF-8. */
size_t vx_utf8_invalid_at(const char *s, size_t len);

/* Check s[0..len); on failure record "WHAT: invalid UTF-8 at byte N (0xNN)
 * ..." and return VX_ERR_FORMAT. */
vx_status vx_utf8_check(const char *s, size_t len, const char *what);

/* Decode the codepoint at s[*pos] and advance *pos past it. Invalid bytes
 * decode as U+FFFD and advance one byte, so the loop always terminates. */
uint32_t vx_utf8_next(const char *s, size_t len, size_t *pos);

/* Byte length of the codepoint that ends at s[end] (the one before offset
 * end), 0 when end == start. Assumes valid UTF-8 in s[start..end). */
size_t vx_utf8_prev_len(const char *s, size_t start, size_t end);

/* Encode cp (<= U+10FFFF) into out, which has room for 4 bytes; returns the
 * byte count. */
size_t vx_utf8_encode(uint32_t cp, char out[4]);

#endif
