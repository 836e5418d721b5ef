/* nfd.h — Unicode canonical decomposition (NFD) of phoneme strings.
 *
 * Piper decomposes espeak-ng's IPA output to NFD before mapping each
 * codepoint to an id ("ç" -> "c" + U+0327). voxc carries a small generated
 * table (text/nfd_table.h, made by text/gen_nfd_table.py) covering the Latin,
 * combining-diacritic and Greek blocks espeak-ng emits; other codepoints are
 * passed through unchanged. */
#ifndef VX_TEXT_NFD_H
#define VX_TEXT_NFD_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

/* Decode UTF-8 s[0..len) (must be valid), decompose every codepoint and put
 * combining marks in canonical order. Appends to the growable array
 * array (*cps, *n, *cap) (realloc'd). Returns VX_ERR_OOM on allocation failure. */
vx_status vx_nfd_append(const char *s, size_t len, uint32_t **cps, size_t *n, size_t *cap);

/* Canonical combining class of cp (0 for starters and unknown codepoints). */
unsigned vx_nfd_ccc(uint32_t cp);

#endif
