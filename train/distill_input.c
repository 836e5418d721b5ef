/* distill_input.c — the text lines of a distillation run and an earlier
 * run's metadata.csv rows (distill_internal.h). */
#include "train/distill_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/read_file.h"

bool distill_file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* The whole file, NUL-terminated; NULL with the error set. */
/* Next line of buf[*at, len) (without '\n' and a trailing '\r'), NUL-terminated
 * in place; *complete tells whether a '\n' ended it. NULL at the end. */
static char *next_line(char *buf, size_t len, size_t *at, bool *complete)
{
    if (*at >= len)
        return NULL;
    char *line = buf + *at;
    char *nl = memchr(line, '\n', len - *at);
    *complete = nl != NULL;
    size_t n = nl ? (size_t)(nl - line) : len - *at;
    *at += n + (nl != NULL);
    line[n] = '\0';
    if (n && line[n - 1] == '\r')
        line[n - 1] = '\0';
    return line;
}

/* Trim spaces and tabs at both ends, in place. */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

/* --- the texts --------------------------------------------------------------------- */

static int cmp_item_id(const void *a, const void *b)
{
    const distill_text *x = *(distill_text *const *)a, *y = *(distill_text *const *)b;
    int c = strcmp(x->id, y->id);
    return c ? c : x->line - y->line;
}

/* Report every usable item whose id an earlier line already has. */
static vx_status report_duplicates(distill_input *in, vx_data_report *report)
{
    distill_text **by_id = malloc(sizeof *by_id * (size_t)(in->n_items ? in->n_items : 1));
    if (!by_id)
        return vx_fail(VX_ERR_OOM, "distill: out of memory");
    int n = 0;
    for (int i = 0; i < in->n_items; i++)
        if (in->items[i].usable)
            by_id[n++] = &in->items[i];
    qsort(by_id, (size_t)n, sizeof *by_id, cmp_item_id);
    for (int i = 1, first = 0; i < n; i++) {
        if (strcmp(by_id[i]->id, by_id[first]->id)) {
            first = i;
            continue;
        }
        by_id[i]->usable = false;
        char where[64];
        snprintf(where, sizeof where, "texts line %d", by_id[i]->line);
        vx_data_report_add(report, where, "duplicate id '%s' (line %d has it; the first is kept)",
                           by_id[i]->id, by_id[first]->line);
    }
    free(by_id);
    return VX_OK;
}

/* Turn one non-blank line into an item; problems are reported and leave it unusable. */
static vx_status parse_text_line(vx_data_report *report, char *line, int line_no, bool ids, distill_text *it)
{
    char where[64];
    snprintf(where, sizeof where, "texts line %d", line_no);
    *it = (distill_text){.line = line_no};
    char *id = NULL, *text = line;
    if (ids) {
        char *bar = strchr(line, '|');
        if (!bar) {
            vx_data_report_add(report, where, "no '|': the file's first line made it an id|text file");
            return VX_OK;
        }
        *bar = '\0';
        id = trim(line);
        text = bar + 1;
        char *third = strchr(text, '|');
        if (third && strchr(third + 1, '|')) {
            vx_data_report_add(report, where, "more than 3 fields; want id|text or id|text|normalized");
            return VX_OK;
        }
        if (third)
            *third = '\0'; /* id|text|normalized: voxc normalises `text` itself */
    } else if (strchr(text, '|')) {
        vx_data_report_add(report, where, "the text holds '|', which separates metadata.csv's fields");
        return VX_OK;
    }
    text = trim(text);
    char plain_id[32];
    if (!ids) {
        snprintf(plain_id, sizeof plain_id, "line-%06d", line_no);
        id = plain_id;
    }
    if (!id[0] || strchr(id, '/') || strstr(id, "..")) {
        vx_data_report_add(report, where, "id '%s' is not a file name (empty, '/' or '..')", id);
        return VX_OK;
    }
    if (!(it->id = strdup(id)) || !(it->text = strdup(text)))
        return vx_fail(VX_ERR_OOM, "distill: out of memory");
    if (!text[0])
        vx_data_report_add(report, it->id, "the text is empty (%s)", where);
    it->usable = text[0] != '\0';
    return VX_OK;
}

vx_status distill_read_texts(const char *path, int limit, vx_data_report *report, distill_input *in)
{
    size_t len;
    char *buf = vx_read_file(path, (size_t)1 << 30, "texts file", &len);
    if (!buf)
        return vx_last_status();
    size_t at = len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3) ? 3 : 0; /* UTF-8 byte-order mark */
    int cap = 0, line_no = 0, format = -1; /* format: 1 id|text, 0 plain, -1 not known yet */
    bool complete;
    vx_status st = VX_OK;
    char *line;
    while (!st && (line = next_line(buf, len, &at, &complete)) && (!limit || in->n_items < limit)) {
        line_no++;
        if (!trim(line)[0])
            continue;
        if (format < 0)
            format = strchr(line, '|') != NULL;
        if (in->n_items == cap) {
            cap = cap ? 2 * cap : 256;
            distill_text *grown = realloc(in->items, sizeof *grown * (size_t)cap);
            if (!grown) {
                st = vx_fail(VX_ERR_OOM, "distill: out of memory reading %s", path);
                break;
            }
            in->items = grown;
        }
        st = parse_text_line(report, line, line_no, format == 1, &in->items[in->n_items]);
        in->n_items++;
    }
    free(buf);
    if (!st && !in->n_items)
        st = vx_fail(VX_ERR_FORMAT, "texts file %s holds no text (want lines 'id|text' or plain text lines)",
                     path);
    return st ? st : report_duplicates(in, report);
}

/* --- an earlier run's rows ------------------------------------------------------- */

static int cmp_row_id(const void *a, const void *b)
{
    const distill_row *x = a, *y = b;
    return strcmp(x->id, y->id);
}

/* Σ of space-separated non-negative integers, their count in *n; −1 when malformed. */
static int64_t sum_ints(const char *s, int *n)
{
    int64_t sum = 0;
    *n = 0;
    for (const char *p = s;;) {
        while (*p == ' ')
            p++;
        if (!*p)
            return sum;
        char *end;
        errno = 0;
        long long v = strtoll(p, &end, 10);
        if (end == p || errno || v < 0 || v > INT32_MAX || (*end && *end != ' '))
            return -1;
        sum += v;
        (*n)++;
        p = end;
    }
}

/* One row into r; false (reported) when it is not a row this tool writes. */
static bool parse_row(vx_data_report *report, const char *line, int line_no, distill_row *r)
{
    char where[64];
    snprintf(where, sizeof where, "metadata.csv line %d", line_no);
    char *copy = strdup(line);
    if (!copy)
        return false;
    char *f[6];
    int n = 0;
    for (char *p = copy; n < 6;) {
        f[n++] = p;
        if (!(p = strchr(p, '|')))
            break;
        *p++ = '\0';
    }
    int n_ids = 0, n_dur = 0;
    int64_t frames = n == 5 ? sum_ints(f[4], &n_dur) : -1;
    bool ok = n == 5 && frames >= 0 && sum_ints(f[3], &n_ids) >= 0 && n_ids == n_dur && n_ids > 0;
    if (ok) {
        *r = (distill_row){.line = strdup(line), .id = strdup(f[0]), .text = strdup(f[1]), .frames = frames};
        ok = r->line && r->id && r->text;
        if (!ok) {
            free(r->line), free(r->id), free(r->text);
            memset(r, 0, sizeof *r);
        }
    } else {
        vx_data_report_add(report, where, "not an id|text|normalized|phoneme_ids|durations row; dropped");
    }
    free(copy);
    return ok;
}

/* The rows of DIR/metadata.csv that end with '\n' (an interrupted append
 * leaves the last one without), sorted by id, duplicates dropped. */
vx_status distill_read_rows(const char *path, vx_data_report *report, distill_input *in)
{
    if (!distill_file_exists(path))
        return VX_OK;
    size_t len, at = 0;
    char *buf = vx_read_file(path, (size_t)1 << 30, "the corpus list", &len);
    if (!buf)
        return vx_last_status();
    int cap = 0, line_no = 0;
    bool complete;
    char *line;
    vx_status st = VX_OK;
    while (!st && (line = next_line(buf, len, &at, &complete))) {
        line_no++;
        if (!complete || !line[0])
            continue;
        if (in->n_rows == cap) {
            cap = cap ? 2 * cap : 256;
            distill_row *grown = realloc(in->rows, sizeof *grown * (size_t)cap);
            if (!grown) {
                st = vx_fail(VX_ERR_OOM, "distill: out of memory reading %s", path);
                break;
            }
            in->rows = grown;
        }
        in->n_rows += parse_row(report, line, line_no, &in->rows[in->n_rows]);
    }
    free(buf);
    qsort(in->rows, (size_t)in->n_rows, sizeof *in->rows, cmp_row_id);
    for (int i = 1; i < in->n_rows; i++)
        if (!strcmp(in->rows[i].id, in->rows[i - 1].id)) {
            free(in->rows[i].line);
            in->rows[i].line = NULL;
        }
    return st;
}

distill_row *distill_find_row(const distill_input *in, const char *id)
{
    distill_row key = {.id = (char *)id};
    return in->n_rows ? bsearch(&key, in->rows, (size_t)in->n_rows, sizeof key, cmp_row_id) : NULL;
}

void distill_input_free(distill_input *in)
{
    for (int i = 0; i < in->n_items; i++) {
        free(in->items[i].id);
        free(in->items[i].text);
        free(in->items[i].row);
    }
    free(in->items);
    for (int i = 0; i < in->n_rows; i++) {
        free(in->rows[i].line);
        free(in->rows[i].id);
        free(in->rows[i].text);
    }
    free(in->rows);
    memset(in, 0, sizeof *in);
}
