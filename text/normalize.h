/* normalize.h — English text normalisation before espeak-ng: writes out what
 * espeak-ng reads badly as the words a careful reader would say.
 *
 *   $1,099 -> one thousand ninety-nine dollars    $4.50 -> four dollars and fifty cents
 *   £3m -> three million pounds                   20% -> twenty percent
 *   11.3 mm thin -> eleven point three millimeters thin
 *   3.5 mm headphone jack -> three point five millimeter headphone jack
 *   13.6-inch -> thirteen point six inch          2024 -> twenty twenty-four
 *   6:42 -> six forty-two    10:30 am -> ten thirty AM    21st -> twenty-first
 *   8–10 -> eight to ten     M3 -> M three        USB-C -> USB C
 *   Dr. Smith -> Doctor Smith   e.g. -> for example   AT&T -> A T and T
 *   www.apple.com/mac -> apple dot com slash mac  a@b.com -> a at b dot com
 *
 * The table-driven tests in tests/test_text_normalize.c are the definition of
 * the behaviour. Text that needs nothing passes through unchanged (runs of
 * spaces become one space). Sentence-ending periods are kept when an
 * abbreviation ends a sentence ("etc. Then" -> "et cetera. Then"), so the
 * sentence splitter and espeak-ng still see the sentence end. Not handled:
 * languages other than English, Roman numerals, phone formats other than
 * 555-1234 and 555-123-4567. */
#ifndef VX_TEXT_NORMALIZE_H
#define VX_TEXT_NORMALIZE_H

#include <stddef.h>

/* Normalise len bytes of UTF-8 text. Returns a malloc'd NUL-terminated string
 * (its length in *out_len when out_len is not NULL), or NULL with the error set
 * on invalid UTF-8 or out of memory. The output grows at most about 16x. */
char *vx_normalize(const char *text, size_t len, size_t *out_len);

#endif
