/* phonemize.c — voxc-phonemize: show how voxc turns text into sentences,
 * IPA phonemes (Piper's espeak-ng rules) and, with a voice config, model ids.
 * Reads the text from the arguments or from standard input. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "text/normalize.h"
#include "text/phoneme_ids.h"
#include "text/phonemize.h"

static void usage(FILE *out)
{
    fputs("usage: voxc-phonemize [--voice CONFIG.json] [--ids] [--normalize] [TEXT ... | < FILE]\n"
          "\n"
          "Phonemises English (or the voice's language) the way Piper does: espeak-ng\n"
          "IPA, one clause per call, punctuation kept as phonemes, NFD. Prints each\n"
          "sentence as three lines:\n"
          "  sentence: the source text\n"
          "  phonemes: the IPA phonemes (one codepoint each)\n"
          "  ids:      the model input ids (with --ids)\n"
          "Inline phonemes written [[ ... ]] pass through unchanged.\n"
          "\n"
          "  --voice CONFIG.json  a Piper voice config (MODEL.onnx.json): its espeak.voice\n"
          "                       picks the espeak-ng voice and its phoneme_id_map the ids\n"
          "                       (default espeak-ng voice: en-us)\n"
          "  --ids                also print ids (needs --voice)\n"
          "  --normalize          read numbers, currency, units, abbreviations, ... as\n"
          "                       words first (text/normalize.h); Piper does not do this\n"
          "  --help               show this help\n"
          "\n"
          "Without TEXT the text is read from standard input. Phonemes that the voice's\n"
          "map lacks are skipped, with one warning on standard error that names them.\n"
          "Exit status: 0 on success, 1 on bad input or a missing voice, 2 on bad usage.\n",
          out);
}

/* Read all of f into a malloc'd buffer; NULL with the error set on failure. */
static char *read_all(FILE *f, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        if (cap > VX_PHONEMIZE_MAX_BYTES) {
            free(buf);
            return vx_fail_null(VX_ERR_ARG, "standard input is longer than %zu bytes: split it",
                                VX_PHONEMIZE_MAX_BYTES);
        }
        char *grown = realloc(buf, cap * 2);
        if (!grown)
            free(buf);
        buf = grown;
        cap *= 2;
    }
    if (!buf)
        return vx_fail_null(VX_ERR_OOM, "out of memory reading standard input");
    if (ferror(f)) {
        free(buf);
        return vx_fail_null(VX_ERR_IO, "cannot read standard input");
    }
    *len = n;
    return buf;
}

/* The arguments joined with single spaces. */
static char *join_args(int argc, char **argv, int first, size_t *len)
{
    size_t n = 0;
    for (int i = first; i < argc; i++)
        n += strlen(argv[i]) + 1;
    char *buf = malloc(n + 1);
    if (!buf)
        return vx_fail_null(VX_ERR_OOM, "out of memory joining the arguments");
    size_t at = 0;
    for (int i = first; i < argc; i++) {
        size_t k = strlen(argv[i]);
        memcpy(buf + at, argv[i], k);
        at += k;
        if (i + 1 < argc)
            buf[at++] = ' ';
    }
    buf[at] = '\0';
    *len = at;
    return buf;
}

/* The espeak-ng voice named by a voice config, or NULL with the error set. */
static char *config_espeak_voice(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return vx_fail_null(VX_ERR_IO, "cannot open voice config %s", path);
    size_t len;
    char *text = read_all(f, &len);
    fclose(f);
    if (!text)
        return NULL;
    vx_json *j = vx_json_parse(text, len, path);
    free(text);
    if (!j)
        return NULL;
    const char *voice = vx_json_get_string(vx_json_get(j, "espeak"), "voice", "en-us");
    char *copy = strdup(voice);
    vx_json_free(j);
    return copy ? copy : vx_fail_null(VX_ERR_OOM, "out of memory");
}

static bool print_sentences(const vx_phonemes *ph, const char *text,
                            const vx_phoneme_id_map *map, vx_phoneme_misses *misses)
{
    for (size_t i = 0; i < ph->count; i++) {
        const vx_phoneme_sentence *s = &ph->sentences[i];
        if (i)
            putchar('\n');
        printf("sentence: %.*s\nphonemes: ", (int)s->text_len, text + s->text_start);
        vx_phonemes_write(stdout, s);
        putchar('\n');
        if (!map)
            continue;
        int64_t *ids;
        size_t n_ids;
        if (vx_phoneme_ids(map, s->phonemes, s->n, &ids, &n_ids, misses) != VX_OK)
            return false;
        fputs("ids:", stdout);
        for (size_t k = 0; k < n_ids; k++)
            printf(" %lld", (long long)ids[k]);
        putchar('\n');
        free(ids);
    }
    return true;
}

int main(int argc, char **argv)
{
    const char *voice_path = NULL;
    bool want_ids = false, normalize = false;
    int first = 1;
    for (; first < argc && argv[first][0] == '-' && argv[first][1] == '-'; first++) {
        const char *a = argv[first];
        if (strcmp(a, "--") == 0) {
            first++;
            break;
        } else if (strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--ids") == 0) {
            want_ids = true;
        } else if (strcmp(a, "--normalize") == 0) {
            normalize = true;
        } else if (strcmp(a, "--voice") == 0 && first + 1 < argc) {
            voice_path = argv[++first];
        } else {
            fprintf(stderr, "voxc-phonemize: unknown or incomplete option '%s'\n\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (want_ids && !voice_path) {
        fputs("voxc-phonemize: --ids needs --voice CONFIG.json (the voice's phoneme_id_map)\n",
              stderr);
        return 2;
    }

    int rc = 1;
    char *text = NULL, *espeak_voice = NULL, *spoken = NULL;
    vx_phoneme_id_map *map = NULL;
    vx_phonemes *ph = NULL;
    size_t len = 0;
    text = first < argc ? join_args(argc, argv, first, &len) : read_all(stdin, &len);
    if (!text)
        goto done;
    if (voice_path) {
        if (!(espeak_voice = config_espeak_voice(voice_path)))
            goto done;
        if (want_ids && !(map = vx_phoneme_id_map_load(voice_path)))
            goto done;
    }
    const char *input = text;
    if (normalize) {
        if (!(spoken = vx_normalize(text, len, &len)))
            goto done;
        input = spoken;
    }
    if (!(ph = vx_phonemize(input, len, espeak_voice)))
        goto done;
    vx_phoneme_misses misses = {0};
    if (!print_sentences(ph, input, map, &misses))
        goto done;
    char warning[1024];
    if (vx_phoneme_misses_format(&misses, warning, sizeof warning))
        fprintf(stderr, "voxc-phonemize: warning: %s\n", warning);
    rc = 0;
done:
    if (rc)
        fprintf(stderr, "voxc-phonemize: %s\n", vx_last_error());
    vx_phonemes_free(ph);
    vx_phoneme_id_map_free(map);
    free(spoken);
    free(espeak_voice);
    free(text);
    return rc;
}
