/* lexicon.h — the English word lists the normaliser and the sentence
 * splitter share: abbreviations, measurement units, acronyms that espeak-ng
 * reads as words but people spell out, and month names. Lookups are exact
 * byte matches on ASCII tokens. */
#ifndef VX_TEXT_LEXICON_H
#define VX_TEXT_LEXICON_H

#include <stdbool.h>
#include <stddef.h>

/* Abbreviation kinds. */
enum {
    VX_ABBR_PLAIN = 0,  /* "etc.", "approx." — may end a sentence             */
    VX_ABBR_TITLE = 1,  /* "Mr.", "e.g." — leads into what follows, so it     */
                        /* never ends a sentence                             */
    VX_ABBR_AFTER = 2,  /* "Jr.", "Inc." — follows a name, may end a sentence */
    VX_ABBR_NUMBER = 4, /* "No.", "p." — only an abbreviation before a number */
};

typedef struct vx_abbrev {
    const char *abbr;   /* with its periods: "Mr.", "e.g." */
    const char *spoken; /* "Mister", "for example"           */
    unsigned kind;
} vx_abbrev;

/* The abbreviation s[0..n) (periods included), or NULL. Case-sensitive,
 * except that a capitalised first letter also matches ("Etc." "E.g."). */
const vx_abbrev *vx_lex_abbrev(const char *s, size_t n);

typedef struct vx_unit {
    const char *abbr;     /* "mm", "°C", "km/h" */
    const char *singular; /* "millimeter"       */
    const char *plural;   /* "millimeters"      */
} vx_unit;

/* The unit written s[0..n) (case-sensitive: "MB" is not "mb"), or NULL. */
const vx_unit *vx_lex_unit(const char *s, size_t n);

/* Longest unit that starts at s[0..n) and ends at a non-letter; its byte
 * length in *len. */
const vx_unit *vx_lex_unit_prefix(const char *s, size_t n, size_t *len);

/* Acronyms espeak-ng reads as a word though people spell them ("LED"). */
bool vx_lex_spelled_acronym(const char *s, size_t n);

/* 1..12 for a month name or its abbreviation ("Jan", "Sept"), else 0. */
int vx_lex_month(const char *s, size_t n);
const char *vx_lex_month_name(int month);

/* Words that may follow a measurement without it being a modifier ("11 mm
 * thin", "5 kg of flour"); any other lowercase word makes the unit singular
 * ("3.5 mm headphone jack"). */
bool vx_lex_measure_follower(const char *s, size_t n);

#endif
