/* nfd.c — canonical decomposition and reordering (Unicode UAX #15, NFD) with
 * the generated table in nfd_table.h. */
#include "nfd.h"

#include <stdlib.h>

#include "nfd_table.h"
#include "utf8.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const vx_nfd_entry *find_decomp(uint32_t cp)
{
    size_t lo = 0, hi = N_ELEMS(vx_nfd_decomp);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (vx_nfd_decomp[mid].cp == cp)
            return &vx_nfd_decomp[mid];
        if (vx_nfd_decomp[mid].cp < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

unsigned vx_nfd_ccc(uint32_t cp)
{
    size_t lo = 0, hi = N_ELEMS(vx_nfd_ccc_table);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (vx_nfd_ccc_table[mid].cp == cp)
            return vx_nfd_ccc_table[mid].ccc;
        if (vx_nfd_ccc_table[mid].cp < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static vx_status push(uint32_t **cps, size_t *n, size_t *cap, uint32_t cp)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        uint32_t *grown = realloc(*cps, ncap * sizeof **cps);
        if (!grown)
            return vx_fail(VX_ERR_OOM, "NFD: out of memory growing a phoneme buffer to %zu", ncap);
        *cps = grown;
        *cap = ncap;
    }
    (*cps)[(*n)++] = cp;
    return VX_OK;
}

/* Canonical ordering: a stable sort of each run of non-starters by combining
 * class (ref: Unicode Standard, section 3.11, canonical ordering algorithm). */
static void reorder_marks(uint32_t *cps, size_t from, size_t n)
{
    for (size_t i = from + 1; i < n; i++) {
        uint32_t cp = cps[i];
        unsigned c = vx_nfd_ccc(cp);
        if (c == 0)
            continue;
        size_t j = i;
        while (j > from) {
            unsigned prev = vx_nfd_ccc(cps[j - 1]);
            if (prev <= c)
                break;
            cps[j] = cps[j - 1];
            j--;
        }
        cps[j] = cp;
    }
}

vx_status vx_nfd_append(const char *s, size_t len, uint32_t **cps, size_t *n, size_t *cap)
{
    size_t start = *n;
    size_t pos = 0;
    while (pos < len) {
        uint32_t cp = vx_utf8_next(s, len, &pos);
        const vx_nfd_entry *e = find_decomp(cp);
        if (!e) {
            if (push(cps, n, cap, cp) != VX_OK)
                return VX_ERR_OOM;
            continue;
        }
        for (unsigned k = 0; k < e->n; k++)
            if (push(cps, n, cap, e->to[k]) != VX_OK)
                return VX_ERR_OOM;
    }
    reorder_marks(*cps, start, *n);
    return VX_OK;
}
