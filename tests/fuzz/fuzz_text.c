/* fuzz_text.c — libFuzzer target for the text front end: the normaliser and
 * the sentence/clause splitter on arbitrary bytes (invalid UTF-8 included),
 * then the splitter on the normaliser's output, checking their contracts:
 * no crash, no leak, spans inside the text, output growth bounded.
 * With VOXC_FUZZ_PHONEMIZE=1 in the environment the normalised text also goes
 * through vx_phonemize (libespeak-ng, not instrumented; much slower): that
 * mode checks that phonemize.c's guard against the espeak-ng 1.51 crash on
 * long dotted letter chains (found by tests/test_text_robust.c) holds.
 *
 * Build and run from the repository root with clang 14 (the text sources are
 * compiled in so that libFuzzer's coverage instrumentation sees them; if the
 * link fails for lack of the fuzzer runtime: apt-get install -y libclang-rt-14-dev):
 *   mkdir -p build/fuzz/corpus
 *   clang -g -O1 -std=c11 -D_GNU_SOURCE -I. -fsanitize=fuzzer,address,undefined \
 *       tests/fuzz/fuzz_text.c text/[a-z]*.c core/status.c core/json.c \
 *       -lespeak-ng -lm -pthread -o build/fuzz/fuzz_text
 *   cp data/texts/product-review-macbook-air.txt build/fuzz/corpus/
 *   build/fuzz/fuzz_text -max_total_time=300 -max_len=4096 build/fuzz/corpus
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text/normalize.h"
#include "text/phonemize.h"
#include "text/split.h"

static void check_spans(const char *text, size_t len, vx_split_mode mode)
{
    size_t count;
    vx_text_span *spans = vx_split(text, len, mode, &count);
    if (!spans)
        return;
    size_t prev_end = 0;
    for (size_t i = 0; i < count; i++) {
        if (spans[i].len == 0 || spans[i].start < prev_end || spans[i].start + spans[i].len > len)
            abort();
        prev_end = spans[i].start + spans[i].len;
    }
    free(spans);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int phonemize = -1;
    if (phonemize < 0) {
        const char *env = getenv("VOXC_FUZZ_PHONEMIZE");
        phonemize = env && strcmp(env, "1") == 0;
    }
    const char *text = (const char *)data;
    check_spans(text, size, VX_SPLIT_SENTENCES);
    size_t out_len;
    char *spoken = vx_normalize(text, size, &out_len);
    if (!spoken)
        return 0; /* invalid UTF-8: refused with an error, as documented */
    if (out_len != strlen(spoken) && memchr(text, '\0', size) == NULL)
        abort();
    if (out_len > 16 * size + 16)
        abort();
    check_spans(spoken, out_len, VX_SPLIT_CLAUSES);
    if (phonemize) {
        vx_phonemes *p = vx_phonemize(spoken, out_len, NULL);
        vx_phonemes_free(p);
    }
    free(spoken);
    return 0;
}
