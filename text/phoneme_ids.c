/* phoneme_ids.c — a voice's phoneme_id_map and Piper's id layout (see
 * phoneme_ids.h). */
#include "phoneme_ids.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

typedef struct map_entry {
    uint32_t phoneme;
    size_t first, n; /* ids[first .. first + n) */
} map_entry;

struct vx_phoneme_id_map {
    map_entry *entries; /* [n_entries] sorted by phoneme */
    size_t n_entries;
    int64_t *ids;       /* all entries' ids, concatenated */
    size_t n_ids;
};

static int entry_cmp(const void *a, const void *b)
{
    uint32_t x = ((const map_entry *)a)->phoneme, y = ((const map_entry *)b)->phoneme;
    return (x > y) - (x < y);
}

/* The single codepoint a map key must be, or a failure. */
static vx_status key_codepoint(const char *key, const char *what, uint32_t *cp)
{
    size_t len = strlen(key);
    size_t pos = 0;
    if (len == 0 || vx_utf8_invalid_at(key, len) != len)
        return vx_fail(VX_ERR_FORMAT, "%s: phoneme_id_map has an empty or non-UTF-8 key", what);
    *cp = vx_utf8_next(key, len, &pos);
    if (pos != len)
        return vx_fail(VX_ERR_FORMAT,
                       "%s: phoneme_id_map key \"%s\" is not a single codepoint (Piper maps "
                       "one codepoint to a list of ids)",
                       what, key);
    return VX_OK;
}

vx_phoneme_id_map *vx_phoneme_id_map_from_config(const vx_json *config, const char *what)
{
    const vx_json *map = vx_json_get(config, "phoneme_id_map");
    if (!map || map->type != VX_JSON_OBJECT || map->count == 0)
        return vx_fail_null(VX_ERR_FORMAT,
                            "%s: no \"phoneme_id_map\" object: is this a Piper voice config "
                            "(MODEL.onnx.json)?",
                            what);
    vx_phoneme_id_map *m = calloc(1, sizeof *m);
    size_t total = 0;
    for (size_t i = 0; i < map->count; i++)
        total += map->items[i]->type == VX_JSON_ARRAY ? map->items[i]->count : 0;
    if (m) {
        m->entries = calloc(map->count, sizeof *m->entries);
        m->ids = calloc(total ? total : 1, sizeof *m->ids);
    }
    if (!m || !m->entries || !m->ids) {
        vx_phoneme_id_map_free(m);
        return vx_fail_null(VX_ERR_OOM, "%s: out of memory for the phoneme_id_map", what);
    }
    for (size_t i = 0; i < map->count; i++) {
        const vx_json *v = map->items[i];
        map_entry *e = &m->entries[i];
        if (key_codepoint(map->keys[i], what, &e->phoneme) != VX_OK)
            goto fail;
        if (v->type != VX_JSON_ARRAY || v->count == 0) {
            vx_fail(VX_ERR_FORMAT, "%s: phoneme_id_map[\"%s\"] must be a non-empty list of ids",
                    what, map->keys[i]);
            goto fail;
        }
        e->first = m->n_ids;
        e->n = v->count;
        for (size_t k = 0; k < v->count; k++) {
            double id = v->items[k]->type == VX_JSON_NUMBER ? v->items[k]->number : -1;
            if (!(id >= 0 && id <= 1e9) || floor(id) != id) {
                vx_fail(VX_ERR_FORMAT,
                        "%s: phoneme_id_map[\"%s\"] holds something that is not an id "
                        "(a non-negative integer)",
                        what, map->keys[i]);
                goto fail;
            }
            m->ids[m->n_ids++] = (int64_t)id;
        }
    }
    m->n_entries = map->count;
    qsort(m->entries, m->n_entries, sizeof *m->entries, entry_cmp);
    for (size_t i = 1; i < m->n_entries; i++)
        if (m->entries[i].phoneme == m->entries[i - 1].phoneme) {
            vx_fail(VX_ERR_FORMAT, "%s: phoneme_id_map has U+%04X twice", what,
                    (unsigned)m->entries[i].phoneme);
            goto fail;
        }
    static const char special[] = {'^', '$', '_'};
    for (size_t i = 0; i < sizeof special; i++) {
        size_t n;
        if (!vx_phoneme_id_lookup(m, (uint32_t)special[i], &n)) {
            vx_fail(VX_ERR_FORMAT,
                    "%s: phoneme_id_map lacks \"%c\" (Piper's %s symbol), which every voice needs",
                    what, special[i], special[i] == '^' ? "BOS" : special[i] == '$' ? "EOS" : "pad");
            goto fail;
        }
    }
    return m;
fail:
    vx_phoneme_id_map_free(m);
    return NULL;
}

vx_phoneme_id_map *vx_phoneme_id_map_load(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return vx_fail_null(VX_ERR_IO,
                            "cannot open voice config %s: give the MODEL.onnx.json next to the "
                            "voice (`make voice` fetches the default one)",
                            path);
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 1 << 16;
            char *grown = ncap <= ((size_t)64 << 20) ? realloc(buf, ncap) : NULL;
            if (!grown) {
                free(buf);
                fclose(f);
                return vx_fail_null(VX_ERR_FORMAT, "voice config %s is larger than 64 MiB", path);
            }
            buf = grown;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    bool read_error = ferror(f);
    fclose(f);
    if (read_error) {
        free(buf);
        return vx_fail_null(VX_ERR_IO, "cannot read voice config %s", path);
    }
    vx_json *j = vx_json_parse(buf, len, path);
    free(buf);
    if (!j)
        return NULL;
    vx_phoneme_id_map *m = vx_phoneme_id_map_from_config(j, path);
    vx_json_free(j);
    return m;
}

void vx_phoneme_id_map_free(vx_phoneme_id_map *m)
{
    if (!m)
        return;
    free(m->entries);
    free(m->ids);
    free(m);
}

size_t vx_phoneme_id_map_size(const vx_phoneme_id_map *m) { return m->n_entries; }

const int64_t *vx_phoneme_id_lookup(const vx_phoneme_id_map *m, uint32_t phoneme, size_t *n)
{
    size_t lo = 0, hi = m->n_entries;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const map_entry *e = &m->entries[mid];
        if (e->phoneme == phoneme) {
            *n = e->n;
            return &m->ids[e->first];
        }
        if (e->phoneme < phoneme)
            lo = mid + 1;
        else
            hi = mid;
    }
    *n = 0;
    return NULL;
}

static void record_miss(vx_phoneme_misses *misses, uint32_t phoneme)
{
    misses->total++;
    for (size_t i = 0; i < misses->kinds; i++)
        if (misses->phoneme[i] == phoneme) {
            misses->count[i]++;
            return;
        }
    if (misses->kinds < VX_PHONEME_MISS_KINDS) {
        misses->phoneme[misses->kinds] = phoneme;
        misses->count[misses->kinds++] = 1;
    }
}

vx_status vx_phoneme_ids(const vx_phoneme_id_map *m, const uint32_t *phonemes, size_t n,
                         int64_t **ids, size_t *n_ids, vx_phoneme_misses *misses)
{
    size_t nb, ne, np;
    const int64_t *bos = vx_phoneme_id_lookup(m, '^', &nb);
    const int64_t *eos = vx_phoneme_id_lookup(m, '$', &ne);
    const int64_t *pad = vx_phoneme_id_lookup(m, '_', &np);
    size_t cap = nb + np + ne;
    for (size_t i = 0; i < n; i++) {
        size_t k;
        if (vx_phoneme_id_lookup(m, phonemes[i], &k))
            cap += k + np;
    }
    int64_t *out = malloc(cap * sizeof *out);
    if (!out)
        return vx_fail(VX_ERR_OOM, "phoneme ids: out of memory for %zu ids", cap);
    size_t len = 0;
    memcpy(out + len, bos, nb * sizeof *out);
    len += nb;
    memcpy(out + len, pad, np * sizeof *out);
    len += np;
    for (size_t i = 0; i < n; i++) {
        size_t k;
        const int64_t *p = vx_phoneme_id_lookup(m, phonemes[i], &k);
        if (!p) {
            if (misses)
                record_miss(misses, phonemes[i]);
            continue;
        }
        memcpy(out + len, p, k * sizeof *out);
        len += k;
        memcpy(out + len, pad, np * sizeof *out);
        len += np;
    }
    memcpy(out + len, eos, ne * sizeof *out);
    len += ne;
    *ids = out;
    *n_ids = len;
    return VX_OK;
}

size_t vx_phoneme_misses_format(const vx_phoneme_misses *m, char *buf, size_t size)
{
    if (size)
        buf[0] = '\0';
    if (!m || m->total == 0)
        return 0;
    size_t len = 0;
#define APPEND(...)                                                                  \
    do {                                                                             \
        int w_ = snprintf(size > len ? buf + len : NULL, size > len ? size - len : 0, \
                          __VA_ARGS__);                                              \
        if (w_ > 0)                                                                  \
            len += (size_t)w_;                                                       \
    } while (0)
    APPEND("skipped %zu phoneme%s the voice's phoneme_id_map lacks:", m->total,
           m->total == 1 ? "" : "s");
    size_t listed = 0;
    for (size_t i = 0; i < m->kinds; i++) {
        char u[5];
        size_t ul = vx_utf8_encode(m->phoneme[i], u);
        u[ul] = '\0';
        bool printable = m->phoneme[i] >= 0x20 && m->phoneme[i] != 0x7f;
        APPEND("%s '%s' U+%04X x%zu", i ? "," : "", printable ? u : "?", (unsigned)m->phoneme[i],
               m->count[i]);
        listed += m->count[i];
    }
    if (listed < m->total)
        APPEND(", and %zu more", m->total - listed);
#undef APPEND
    return len;
}
