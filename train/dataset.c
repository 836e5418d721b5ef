/* dataset.c — LJSpeech / filelist parsing, the skip report and the hash split
 * (dataset.h). */
#include "train/dataset.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/read_file.h"

/* --- report ----------------------------------------------------------------------- */

void vx_data_report_add(vx_data_report *r, const char *where, const char *fmt, ...)
{
    if (!r)
        return;
    if (r->n == r->cap) {
        int cap = r->cap ? 2 * r->cap : 16;
        vx_data_issue *items = realloc(r->items, (size_t)cap * sizeof *items);
        if (!items)
            return;
        r->items = items;
        r->cap = cap;
    }
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    vx_data_issue it = {strdup(where ? where : "?"), strdup(what)};
    if (!it.where || !it.what) {
        free(it.where);
        free(it.what);
        return;
    }
    r->items[r->n++] = it;
}

void vx_data_report_print(const vx_data_report *r, FILE *f)
{
    if (!r || r->n == 0 || !f)
        return;
    fprintf(f, "%d row%s or clip%s skipped:\n", r->n, r->n == 1 ? "" : "s", r->n == 1 ? "" : "s");
    for (int i = 0; i < r->n; i++)
        fprintf(f, "  %s: %s\n", r->items[i].where, r->items[i].what);
}

int vx_data_report_find(const vx_data_report *r, const char *where)
{
    for (int i = 0; r && where && i < r->n; i++)
        if (strcmp(r->items[i].where, where) == 0)
            return i;
    return -1;
}

void vx_data_report_clear(vx_data_report *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->n; i++) {
        free(r->items[i].where);
        free(r->items[i].what);
    }
    free(r->items);
    *r = (vx_data_report){0};
}

/* --- reading ---------------------------------------------------------------------- */

/* A metadata file or filelist (at most 1 GiB). */
static char *read_corpus_file(const char *path, size_t *len)
{
    return vx_read_file(path, (size_t)1 << 30, NULL, len);
}

static bool file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

static char *join_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s%s%s", dir, dir[0] && dir[strlen(dir) - 1] != '/' ? "/" : "", name);
    return p;
}

/* Folder part of a path ("." when there is none), malloc'd. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

/* Split `line` in place at '|' into at most `max` fields; returns the count
 * (max + 1 when there are more). */
static int split_fields(char *line, char **fields, int max)
{
    int n = 0;
    for (char *p = line;;) {
        if (n == max)
            return max + 1;
        fields[n++] = p;
        char *bar = strchr(p, '|');
        if (!bar)
            return n;
        *bar = '\0';
        p = bar + 1;
    }
}

/* Space-separated integers into a malloc'd array; −1 on a bad token. */
static int parse_ints(const char *s, int32_t **out)
{
    int n = 0, cap = 0;
    int32_t *v = NULL;
    for (const char *p = s;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        char *end;
        errno = 0;
        long x = strtol(p, &end, 10);
        if (end == p || errno || x < INT32_MIN || x > INT32_MAX || (*end && *end != ' ' && *end != '\t')) {
            free(v);
            return -1;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 32;
            int32_t *nv = realloc(v, (size_t)cap * sizeof *nv);
            if (!nv) {
                free(v);
                return -1;
            }
            v = nv;
        }
        v[n++] = (int32_t)x;
        p = end;
    }
    *out = v;
    return n;
}

static void clip_free(vx_clip *c)
{
    free(c->id);
    free(c->path);
    free(c->text);
    free(c->phoneme_ids);
    free(c->durations);
}

/* Fill c->phoneme_ids / durations from the two optional columns; false (and a
 * report entry) when they are malformed. */
static bool parse_phonemes(vx_clip *c, const char *ids_col, const char *dur_col, const char *where,
                           vx_data_report *report)
{
    int n_ids = parse_ints(ids_col, &c->phoneme_ids);
    int n_dur = parse_ints(dur_col, &c->durations);
    if (n_ids < 0 || n_dur < 0) {
        vx_data_report_add(report, where, "%s are not space-separated integers",
                           n_ids < 0 ? "phoneme ids" : "durations");
        return false;
    }
    if (n_ids != n_dur || n_ids == 0) {
        vx_data_report_add(report, where, "%d phoneme ids but %d durations; give one duration per "
                           "phoneme", n_ids, n_dur);
        return false;
    }
    for (int i = 0; i < n_dur; i++)
        if (c->durations[i] < 0 || c->phoneme_ids[i] < 0) {
            vx_data_report_add(report, where, "phoneme %d has a negative %s", i,
                               c->durations[i] < 0 ? "duration" : "id");
            return false;
        }
    c->n_phonemes = n_ids;
    return true;
}

/* Open-addressing set of the ids read so far (indices into ds->clips). */
typedef struct id_set {
    int *slots;   /* −1: empty */
    int cap;      /* power of two */
} id_set;

/* True when `id` is in the set; otherwise inserts clip index `idx` (when
 * idx ≥ 0) and returns false. Grows at half load; a failed growth leaves the
 * set as it was and only costs the duplicate check of this id. */
static bool id_set_check(id_set *s, const vx_dataset *ds, const char *id, int idx)
{
    if (s->cap == 0 || 2 * (ds->n_clips + 1) > s->cap) {
        int cap = s->cap ? 2 * s->cap : 256;
        int *slots = malloc((size_t)cap * sizeof *slots);
        if (slots) {
            for (int i = 0; i < cap; i++)
                slots[i] = -1;
            for (int i = 0; i < ds->n_clips; i++) {
                size_t h = (size_t)vx_clip_hash(ds->clips[i].id) & (size_t)(cap - 1);
                while (slots[h] >= 0)
                    h = (h + 1) & (size_t)(cap - 1);
                slots[h] = i;
            }
            free(s->slots);
            s->slots = slots;
            s->cap = cap;
        }
    }
    if (!s->slots)
        return false;
    size_t h = (size_t)vx_clip_hash(id) & (size_t)(s->cap - 1);
    for (; s->slots[h] >= 0; h = (h + 1) & (size_t)(s->cap - 1))
        if (strcmp(ds->clips[s->slots[h]].id, id) == 0)
            return true;
    if (idx >= 0 && 2 * (ds->n_clips + 1) <= s->cap)
        s->slots[h] = idx;
    return false;
}

/* One row into a clip; false when it is skipped (reported). */
static bool parse_row(vx_dataset *ds, id_set *seen, char *row, const char *file_name, int line,
                      const char *folder, vx_data_report *report, vx_clip *c)
{
    char where[256];
    snprintf(where, sizeof where, "%s line %d", file_name, line);
    char *f[6];
    int n = split_fields(row, f, 5);
    bool ok = ds->ljspeech ? (n == 2 || n == 3 || n == 5) : (n == 2 || n == 4);
    if (!ok) {
        vx_data_report_add(report, where, "%d field%s; want %s", n > 5 ? 6 : n, n == 1 ? "" : "s",
                           ds->ljspeech ? "id|text|normalized[|phoneme_ids|durations]"
                                        : "path|text[|phoneme_ids|durations]");
        return false;
    }
    const char *id = f[0];
    if (!id[0]) {
        vx_data_report_add(report, where, "the %s is empty", ds->ljspeech ? "id" : "path");
        return false;
    }
    if (ds->ljspeech && (strchr(id, '/') || strstr(id, ".."))) {
        vx_data_report_add(report, where, "id '%s' is not a file name (it has '/' or '..')", id);
        return false;
    }
    if (id_set_check(seen, ds, id, -1)) {
        vx_data_report_add(report, where, "duplicate id '%s' (the first row is kept)", id);
        return false;
    }
    memset(c, 0, sizeof *c);
    c->line = line;
    c->id = strdup(id);
    c->text = strdup(ds->ljspeech && n >= 3 ? f[2] : f[1]);
    if (ds->ljspeech) {
        char name[PATH_MAX];
        snprintf(name, sizeof name, "wavs/%s.wav", id);
        c->path = join_path(folder, name);
    } else {
        c->path = id[0] == '/' ? strdup(id) : join_path(folder, id);
    }
    if (!c->id || !c->text || !c->path) {
        vx_data_report_add(report, where, "out of memory");
        clip_free(c);
        return false;
    }
    int ph = ds->ljspeech ? 3 : 2;
    if (n == ph + 2 && !parse_phonemes(c, f[ph], f[ph + 1], where, report)) {
        clip_free(c);
        return false;
    }
    if (!file_exists(c->path)) {
        vx_data_report_add(report, c->id, "%s is missing (%s)", c->path, where);
        clip_free(c);
        return false;
    }
    return true;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

vx_dataset *vx_dataset_open(const char *path, vx_data_report *report)
{
    if (!path)
        return vx_fail_null(VX_ERR_ARG, "dataset: the path is NULL");
    struct stat sb;
    if (stat(path, &sb) != 0)
        return vx_fail_null(VX_ERR_IO, "%s: %s; give an LJSpeech folder (with metadata.csv and "
                            "wavs/) or a filelist", path, strerror(errno));
    vx_dataset *ds = calloc(1, sizeof *ds);
    if (!ds)
        return vx_fail_null(VX_ERR_OOM, "dataset: out of memory");
    bool is_dir = S_ISDIR(sb.st_mode);
    ds->ljspeech = is_dir || strcmp(base_name(path), "metadata.csv") == 0;
    ds->source = strdup(path);
    char *list = is_dir ? join_path(path, "metadata.csv") : strdup(path);
    char *folder = is_dir ? strdup(path) : dir_of(path);
    size_t len = 0;
    char *text = ds->source && list && folder ? read_corpus_file(list, &len) : NULL;
    if (!text) {
        if (ds->source && list && folder && is_dir)
            vx_fail(VX_ERR_IO, "%s: no metadata.csv; an LJSpeech folder holds metadata.csv "
                    "(id|text|normalized) and wavs/<id>.wav", path);
        else if (!ds->source || !list || !folder)
            vx_fail(VX_ERR_OOM, "dataset: out of memory");
        free(list);
        free(folder);
        vx_dataset_free(ds);
        return NULL;
    }
    const char *file_name = base_name(list);
    char *p = text;
    if ((unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF)
        p += 3; /* UTF-8 byte-order mark */
    int line = 0, cap = 0;
    id_set seen = {0};
    while (*p) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        line++;
        size_t n = strlen(p);
        if (n && p[n - 1] == '\r')
            p[--n] = '\0';
        if (n > 0) {
            if (ds->n_clips == cap) {
                cap = cap ? 2 * cap : 64;
                vx_clip *c = realloc(ds->clips, (size_t)cap * sizeof *c);
                if (!c)
                    break;
                ds->clips = c;
            }
            vx_clip c;
            if (parse_row(ds, &seen, p, file_name, line, folder, report, &c)) {
                ds->clips[ds->n_clips] = c;
                id_set_check(&seen, ds, c.id, ds->n_clips);
                ds->n_clips++;
            }
        }
        if (!nl)
            break;
        p = nl + 1;
    }
    free(seen.slots);
    free(text);
    free(folder);
    if (ds->n_clips == 0) {
        vx_fail(VX_ERR_FORMAT, "%s: no usable clip (%d line%s read; see the report)", list, line,
                line == 1 ? "" : "s");
        free(list);
        vx_dataset_free(ds);
        return NULL;
    }
    free(list);
    return ds;
}

void vx_dataset_free(vx_dataset *ds)
{
    if (!ds)
        return;
    for (int i = 0; i < ds->n_clips; i++)
        clip_free(&ds->clips[i]);
    free(ds->clips);
    free(ds->source);
    free(ds);
}

/* --- split ------------------------------------------------------------------------ */

uint64_t vx_clip_hash(const char *id)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ull;
    }
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 31;
    return h;
}

int vx_split_ids(const char *const *ids, int n, double val_fraction, bool *is_val)
{
    uint64_t threshold = val_fraction <= 0 ? 0 : val_fraction >= 1 ? 1000000 : (uint64_t)(val_fraction * 1e6);
    int n_val = 0, lo = -1, hi = -1;
    uint64_t h_lo = UINT64_MAX, h_hi = 0;
    for (int i = 0; i < n; i++) {
        uint64_t h = vx_clip_hash(ids[i]);
        is_val[i] = h % 1000000 < threshold;
        n_val += is_val[i];
        if (lo < 0 || h < h_lo) {
            lo = i;
            h_lo = h;
        }
        if (hi < 0 || h > h_hi) {
            hi = i;
            h_hi = h;
        }
    }
    if (val_fraction > 0 && n >= 2 && n_val == 0) {
        is_val[lo] = true;
        n_val = 1;
    }
    if (n >= 2 && n_val == n) {
        is_val[hi] = false;
        n_val--;
    }
    return n_val;
}
