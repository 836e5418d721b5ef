/* numbers.h — English number words for the normaliser: cardinals, ordinals,
 * years, decimals, digit strings and plurals ("nineties"). American style:
 * hyphenated tens ("twenty-one"), no "and" ("one thousand ninety-nine").
 * Numbers arrive as digit strings, so no size overflows: more than 15
 * integer digits are read digit by digit. */
#ifndef VX_TEXT_NUMBERS_H
#define VX_TEXT_NUMBERS_H

#include <stddef.h>

#include "sbuf.h"

/* Longest integer read as a cardinal; longer ones are read digit by digit. */
#define VX_CARDINAL_MAX_DIGITS 15

/* "1099" -> "one thousand ninety-nine"; leading zeros ("007") or more than
 * VX_CARDINAL_MAX_DIGITS digits -> digit by digit. */
void vx_say_cardinal(vx_sbuf *b, const char *digits, size_t n);

/* "305" -> "three zero five". */
void vx_say_digits(vx_sbuf *b, const char *digits, size_t n);

/* "21" -> "twenty-first" (via the cardinal). */
void vx_say_ordinal(vx_sbuf *b, const char *digits, size_t n);

/* A four-digit year or model number read in pairs: 2024 "twenty twenty-four",
 * 1905 "nineteen oh five", 1900 "nineteen hundred", 2000 "two thousand",
 * 2007 "two thousand seven". Other values read as cardinals. */
void vx_say_year(vx_sbuf *b, unsigned year);

/* "11" "3" -> "eleven point three" (fraction digits one by one); no integer
 * digits (".5") -> "point five". */
void vx_say_decimal(vx_sbuf *b, const char *int_digits, size_t ni, const char *frac_digits,
                    size_t nf);

/* Make the last word written since offset `from` plural ("ninety" ->
 * "nineties", "six" -> "sixes", "hundred" -> "hundreds"). */
void vx_pluralize_last(vx_sbuf *b, size_t from);

/* Parse up to 9 digits into *v; 0 when n is 0 or larger than 9. */
unsigned vx_digits_value(const char *digits, size_t n);

#endif
