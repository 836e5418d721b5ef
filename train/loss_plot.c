/* loss_plot.c — vx_trainlog_plot (log.h): loss curves from a JSONL training
 * log as a standalone SVG, one panel per key, no dependencies.
 *
 * Each panel: a frame, y ticks at "nice" values (1, 2, 5 × 10^k) with
 * labels, x ticks (steps) under the last panel, the key as its title and the
 * curve as polylines. A long log is reduced to one point per pixel column
 * (the mean of the values falling in it), so files stay small. */
#include "train/log.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/atomic_file.h"
#include "core/json.h"

#define PANEL_W 720.0
#define PANEL_H 150.0
#define MARGIN_L 72.0
#define MARGIN_R 20.0
#define MARGIN_T 30.0
#define GAP 34.0
#define MARGIN_B 44.0
#define MAX_KEYS 32

typedef struct series {
    const char *key;
    double *step, *value;  /* value NaN: null in the log */
    size_t n, cap;
} series;

static bool series_push(series *s, double step, double value)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;
        double *a = realloc(s->step, cap * sizeof *a);
        if (a)
            s->step = a;
        double *b = a ? realloc(s->value, cap * sizeof *b) : NULL;
        if (!b)
            return false;
        s->value = b;
        s->cap = cap;
    }
    s->step[s->n] = step;
    s->value[s->n++] = value;
    return true;
}

/* --- reading the log ---------------------------------------------------------- */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return vx_fail_null(VX_ERR_IO, "%s: cannot open the training log: %s", path, strerror(errno));
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 65536 + 1 > cap) {
            char *grown = realloc(buf, cap = 2 * cap + 65536 + 1);
            if (!grown) {
                free(buf);
                fclose(f);
                return vx_fail_null(VX_ERR_OOM, "%s: out of memory reading the log", path);
            }
            buf = grown;
        }
        size_t got = fread(buf + n, 1, 65536, f);
        n += got;
        if (got < 65536)
            break;
    }
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad) {
        free(buf);
        return vx_fail_null(VX_ERR_IO, "%s: reading the training log failed", path);
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* The keys to plot: the given ones, or every "loss*" key seen in the log. */
static int collect_keys(const vx_json *line, const char **keys, int n)
{
    for (size_t i = 0; i < line->count && n < MAX_KEYS; i++) {
        const char *k = line->keys[i];
        if (strncmp(k, "loss", 4) != 0)
            continue;
        bool seen = false;
        for (int j = 0; j < n && !seen; j++)
            seen = strcmp(keys[j], k) == 0;
        if (!seen && (keys[n] = strdup(k)))
            n++;
    }
    return n;
}

/* Parse every line; fill series for keys (auto-discovered when *n_keys is 0). */
static vx_status read_series(const char *path, char *text, size_t len, series *ss, const char **keys,
                             int *n_keys, bool discover)
{
    vx_status st = VX_OK;
    long line_no = 0;
    for (char *p = text, *end = text + len; p < end && st == VX_OK;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        line_no++;
        if (n > 0) {
            char what[96];
            snprintf(what, sizeof what, "line %ld of %s", line_no, path);
            vx_json *j = vx_json_parse(p, n, what);
            const vx_json *step = j ? vx_json_get(j, "step") : NULL;
            if (!j || j->type != VX_JSON_OBJECT || !step || step->type != VX_JSON_NUMBER) {
                st = j ? vx_fail(VX_ERR_FORMAT, "%s: line %ld is not a step record (an object with "
                                 "a numeric \"step\")", path, line_no)
                       : vx_last_status();
            } else {
                if (discover)
                    *n_keys = collect_keys(j, keys, *n_keys);
                for (int k = 0; k < *n_keys && st == VX_OK; k++) {
                    const vx_json *v = vx_json_get(j, keys[k]);
                    if (!v)
                        continue;
                    double value = v->type == VX_JSON_NUMBER ? v->number : NAN;
                    ss[k].key = keys[k];
                    if (!series_push(&ss[k], step->number, value))
                        st = vx_fail(VX_ERR_OOM, "%s: out of memory", path);
                }
            }
            vx_json_free(j);
        }
        p += n + 1;
    }
    return st;
}

/* --- drawing ------------------------------------------------------------------- */

static double nice_step(double span, int target)
{
    double raw = span / target, mag = pow(10, floor(log10(raw))), r = raw / mag;
    return (r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10) * mag;
}

static void put_tick_label(FILE *m, double x, double y, const char *anchor, double v, double step)
{
    int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    fprintf(m, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%.*f</text>\n", x, y, anchor,
            dec > 9 ? 9 : dec, fabs(v) < step * 1e-6 ? 0.0 : v);
}

static void xml_text(FILE *m, const char *s)
{
    for (; *s; s++)
        switch (*s) {
        case '<': fputs("&lt;", m); break;
        case '>': fputs("&gt;", m); break;
        case '&': fputs("&amp;", m); break;
        default: fputc(*s, m);
        }
}

typedef struct range {
    double lo, hi;
} range;

static range widen(range r)
{
    if (!(r.hi > r.lo)) {
        double pad = fabs(r.lo) > 0 ? fabs(r.lo) * 0.05 : 1.0;
        r.lo -= pad;
        r.hi += pad;
    }
    return r;
}

/* One panel at vertical offset y0. */
static void draw_panel(FILE *m, const series *s, double y0, range xr, bool x_labels)
{
    double x0 = MARGIN_L, x1 = MARGIN_L + PANEL_W, y1 = y0 + PANEL_H;
    range yr = {INFINITY, -INFINITY};
    for (size_t i = 0; i < s->n; i++)
        if (isfinite(s->value[i])) {
            yr.lo = fmin(yr.lo, s->value[i]);
            yr.hi = fmax(yr.hi, s->value[i]);
        }
    if (!isfinite(yr.lo))
        yr = (range){0, 1};
    yr = widen(yr);
    double ystep = nice_step(yr.hi - yr.lo, 4), xstep = nice_step(xr.hi - xr.lo, 6);
#define MAPX(v) (x0 + ((v) - xr.lo) / (xr.hi - xr.lo) * PANEL_W)
#define MAPY(v) (y1 - ((v) - yr.lo) / (yr.hi - yr.lo) * PANEL_H)
    fprintf(m, "<text x=\"%.1f\" y=\"%.1f\" font-weight=\"bold\">", x0, y0 - 8);
    xml_text(m, s->key);
    fputs("</text>\n", m);
    for (double v = ceil(yr.lo / ystep) * ystep; v <= yr.hi + ystep * 1e-9; v += ystep) {
        double y = MAPY(v);
        fprintf(m, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", x0, y,
                x1, y);
        put_tick_label(m, x0 - 6, y + 4, "end", v, ystep);
    }
    for (double v = ceil(xr.lo / xstep) * xstep; v <= xr.hi + xstep * 1e-9; v += xstep) {
        double x = MAPX(v);
        fprintf(m, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\"/>\n", x, y1,
                x, y1 + 4);
        if (x_labels)
            put_tick_label(m, x, y1 + 17, "middle", v, xstep);
    }
    fprintf(m, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
            "stroke=\"#000\"/>\n", x0, y0, PANEL_W, PANEL_H);
    /* one point per pixel column: the mean of its finite values; NaN breaks the line */
    bool open = false;
    size_t i = 0;
    while (i < s->n) {
        int col = (int)floor((s->step[i] - xr.lo) / (xr.hi - xr.lo) * PANEL_W);
        double sum = 0, sx = 0;
        int cnt = 0;
        bool gap = false;
        for (; i < s->n && (int)floor((s->step[i] - xr.lo) / (xr.hi - xr.lo) * PANEL_W) == col; i++) {
            if (isfinite(s->value[i])) {
                sum += s->value[i];
                sx += s->step[i];
                cnt++;
            } else {
                gap = true;
            }
        }
        if (cnt > 0) {
            fprintf(m, open ? " %.1f,%.1f" : "<polyline fill=\"none\" stroke=\"#1f77b4\" "
                    "stroke-width=\"1.2\" points=\"%.1f,%.1f", MAPX(sx / cnt), MAPY(sum / cnt));
            open = true;
        }
        if (gap && open) {
            fputs("\"/>\n", m);
            open = false;
        }
    }
    if (open)
        fputs("\"/>\n", m);
#undef MAPX
#undef MAPY
}

static char *render(series *ss, int n)
{
    range xr = {INFINITY, -INFINITY};
    for (int k = 0; k < n; k++)
        for (size_t i = 0; i < ss[k].n; i++) {
            xr.lo = fmin(xr.lo, ss[k].step[i]);
            xr.hi = fmax(xr.hi, ss[k].step[i]);
        }
    if (!isfinite(xr.lo))
        xr = (range){0, 1};
    xr = widen(xr);
    double width = MARGIN_L + PANEL_W + MARGIN_R;
    double height = MARGIN_T + n * PANEL_H + (n - 1) * GAP + MARGIN_B;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return NULL;
    fprintf(m, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
            "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n", width, height, width, height);
    for (int k = 0; k < n; k++)
        draw_panel(m, &ss[k], MARGIN_T + k * (PANEL_H + GAP), xr, k == n - 1);
    fprintf(m, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">step</text>\n",
            MARGIN_L + PANEL_W / 2, height - 8);
    fputs("</svg>\n", m);
    bool bad = ferror(m) != 0;
    if (fclose(m) != 0 || bad) {
        free(buf);
        return NULL;
    }
    return buf;
}

vx_status vx_trainlog_plot(const char *jsonl_path, const char *svg_path, const char *const *keys,
                           int n_keys)
{
    if (!jsonl_path || !svg_path || n_keys < 0 || n_keys > MAX_KEYS || (n_keys > 0 && !keys))
        return vx_fail(VX_ERR_ARG, "trainlog_plot: needs a log, an SVG path and 0..%d keys", MAX_KEYS);
    size_t len = 0;
    char *text = read_file(jsonl_path, &len);
    if (!text)
        return vx_last_status();
    const char *names[MAX_KEYS] = {0};
    int n = n_keys;
    for (int k = 0; k < n_keys; k++)
        names[k] = keys[k];
    series ss[MAX_KEYS];
    memset(ss, 0, sizeof ss);
    vx_status st = read_series(jsonl_path, text, len, ss, names, &n, n_keys == 0);
    int drawn = 0;
    for (int k = 0; k < n; k++)
        if (ss[k].n > 0)
            ss[drawn++] = ss[k];
        else if (st == VX_OK && n_keys > 0)
            st = vx_fail(VX_ERR_ARG, "%s: no line has the key \"%s\"", jsonl_path, names[k]);
    if (st == VX_OK && drawn == 0)
        st = vx_fail(VX_ERR_ARG, "%s: nothing to plot (no \"loss*\" keys in the log)", jsonl_path);
    char *svg = st == VX_OK ? render(ss, drawn) : NULL;
    if (st == VX_OK && !svg)
        st = vx_fail(VX_ERR_OOM, "%s: out of memory rendering the plot", svg_path);
    if (st == VX_OK)
        st = vx_write_file_atomic(svg_path, svg, strlen(svg));
    free(svg);
    for (int k = 0; k < drawn; k++) {
        free(ss[k].step);
        free(ss[k].value);
    }
    if (n_keys == 0)
        for (int k = 0; k < n; k++)
            free((char *)names[k]);
    free(text);
    return st;
}
