/* phonemize.h — text to IPA phonemes with libespeak-ng, the way Piper does it.
 *
 * Piper's rules (docs: shared/docs/PIPER.md): espeak-ng in IPA mode 0x02, one
 * clause per espeak_TextToPhonemes call; language-switch flags such as "(en)"
 * are removed; the clause's punctuation becomes phonemes (". ? !" end the
 * sentence, ", : ;" are followed by a space and the sentence goes on); the IPA
 * is decomposed to NFD and each codepoint is one phoneme. Debian's espeak-ng
 * 1.51 has no espeak_TextToPhonemesWithTerminator, so the clause punctuation is
 * recovered from the text span each call consumed (phonemize.c explains how).
 *
 * voxc additions, which change nothing for ordinary text:
 *   - invalid UTF-8 is refused with an error that names the byte offset;
 *   - control characters (C0 other than tab/newline/CR, DEL, C1) become spaces;
 *   - chains of more than 16 single letters joined by dots ("a.a.a.a...") are
 *     broken with spaces: Debian's espeak-ng 1.51 overflows a stack buffer on
 *     them and aborts the process;
 *   - "[[ ... ]]" passes phonemes through unchanged (NFD, one phoneme per
 *     codepoint, whitespace runs become one ' '), inside the current sentence.
 *
 * espeak-ng is global state: it is initialised once and every call holds one
 * process-wide mutex, so vx_phonemize is thread-safe (calls are serialised).
 * Normalisation (numbers, currency, ...) is separate: see normalize.h. */
#ifndef VX_TEXT_PHONEMIZE_H
#define VX_TEXT_PHONEMIZE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/status.h"

typedef struct vx_phoneme_sentence {
    uint32_t *phonemes; /* [n] one codepoint per phoneme (NFD), may be empty  */
    size_t n;
    size_t text_start;  /* byte range of the sentence in the input text,     */
    size_t text_len;    /* whitespace trimmed (approximate at clause joins)  */
} vx_phoneme_sentence;

typedef struct vx_phonemes {
    vx_phoneme_sentence *sentences; /* [count] in text order                 */
    size_t count;
} vx_phonemes;

/* Longest input vx_phonemize accepts (bytes); longer text must be split by
 * the caller (split.h). espeak-ng takes about 3 s per MiB of English. */
#define VX_PHONEMIZE_MAX_BYTES ((size_t)4 << 20)

/* Phonemise len bytes of UTF-8 text with the espeak-ng voice `voice` (e.g.
 * "en-us", the voice config's espeak.voice; NULL means "en-us"). Returns
 * NULL with the error set on invalid UTF-8, an unclosed "[[", an unknown voice
 * or missing espeak-ng data. Like Piper, text without words yields one empty
 * sentence. Free with vx_phonemes_free. */
vx_phonemes *vx_phonemize(const char *text, size_t len, const char *voice);
void vx_phonemes_free(vx_phonemes *p);

/* Write a sentence's phonemes to f as UTF-8. */
void vx_phonemes_write(FILE *f, const vx_phoneme_sentence *s);

/* espeak-ng's version string and data path ("1.51", "/usr/lib/...") or NULL
 * when espeak-ng cannot be initialised (error set). */
const char *vx_espeak_version(const char **data_path);

#endif
