/* phoneme_ids.h — phonemes to model input ids with a voice's phoneme_id_map,
 * in Piper's layout:
 *     ^ _ p1 _ p2 _ ... pn _ $   (ids: bos, pad, id(p1), pad, ..., id(pn), pad, eos)
 * The pad after BOS matters: without it the model drops the first phoneme
 * (sherpa-onnx #3721/#3752). The map always comes from the voice's config
 * ("phoneme_id_map": single codepoint -> list of ids); there is no built-in.
 * Phonemes missing from the map are skipped and counted, so a caller can warn
 * once, naming them, instead of once per occurrence. */
#ifndef VX_TEXT_PHONEME_IDS_H
#define VX_TEXT_PHONEME_IDS_H

#include <stddef.h>
#include <stdint.h>

#include "core/json.h"
#include "core/status.h"

typedef struct vx_phoneme_id_map vx_phoneme_id_map;

/* Build the map from a parsed voice config (the object that holds
 * "phoneme_id_map"); `what` names it in errors. The map must have '^', '$'
 * and '_'. */
vx_phoneme_id_map *vx_phoneme_id_map_from_config(const vx_json *config, const char *what);

/* Read and parse a voice config file (MODEL.onnx.json) and build its map. */
vx_phoneme_id_map *vx_phoneme_id_map_load(const char *path);

void vx_phoneme_id_map_free(vx_phoneme_id_map *m);

/* Number of entries (distinct phonemes) in the map. */
size_t vx_phoneme_id_map_size(const vx_phoneme_id_map *m);

/* The ids of one phoneme ([*n]), or NULL when the map lacks it. */
const int64_t *vx_phoneme_id_lookup(const vx_phoneme_id_map *m, uint32_t phoneme, size_t *n);

/* Phonemes that were skipped: the first VX_PHONEME_MISS_KINDS distinct ones
 * with their counts; `total` counts every skipped occurrence. Zero-initialise
 * and reuse across sentences to collect one warning for a whole text. */
#define VX_PHONEME_MISS_KINDS 16
typedef struct vx_phoneme_misses {
    uint32_t phoneme[VX_PHONEME_MISS_KINDS];
    size_t count[VX_PHONEME_MISS_KINDS];
    size_t kinds;  /* distinct phonemes recorded (<= VX_PHONEME_MISS_KINDS) */
    size_t total;  /* every skipped occurrence, recorded or not              */
} vx_phoneme_misses;

/* Ids for one sentence's phonemes[n] in Piper's layout; *ids is malloc'd
 * ([*n_ids] = 2 * kept + 3). misses may be NULL. */
vx_status vx_phoneme_ids(const vx_phoneme_id_map *m, const uint32_t *phonemes, size_t n,
                         int64_t **ids, size_t *n_ids, vx_phoneme_misses *misses);

/* One warning line naming the skipped phonemes, e.g. "skipped 3 phonemes the
 * voice's phoneme_id_map lacks: 'ʔ' U+0294 x2, 'x' U+0078 x1"; writes "" and
 * returns 0 when nothing was skipped. Returns the length it wanted (snprintf). */
size_t vx_phoneme_misses_format(const vx_phoneme_misses *m, char *buf, size_t size);

#endif
