/* script.c — the sectioned script parser (see script.h): one pass over the
 * lines, each classified as header, comment, blank or text. */
#include "script.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sbuf.h"
#include "utf8.h"

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\f' || c == '\v'; }

/* 1-based line of byte offset `at` (any of the three line endings counts). */
static size_t line_of(const char *s, size_t at)
{
    size_t line = 1;
    for (size_t i = 0; i < at; i++)
        if (s[i] == '\n' || (s[i] == '\r' && (i + 1 >= at || s[i + 1] != '\n')))
            line++;
    return line;
}

typedef struct parser {
    const char *what;
    vx_script *out;
    size_t cap;
    vx_sbuf body;       /* the current section's text                   */
    bool blank_pending; /* a blank line came after the body's last line */
} parser;

/* Move the body collected so far into the last section. */
static vx_status close_section(parser *p)
{
    if (!p->out->count)
        return VX_OK;
    vx_script_section *s = &p->out->sections[p->out->count - 1];
    if (!p->body.data)
        vx_sbuf_put(&p->body, "", 0);
    if (p->body.oom)
        return vx_fail(VX_ERR_OOM, "%s: out of memory reading section '%s'", p->what, s->name);
    s->text = p->body.data;
    s->text_len = p->body.len;
    p->body = (vx_sbuf){0};
    p->blank_pending = false;
    return VX_OK;
}

static vx_status open_section(parser *p, const char *name, size_t name_len, size_t line)
{
    vx_status st = close_section(p);
    if (st)
        return st;
    if (p->out->count == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 8;
        vx_script_section *grown = realloc(p->out->sections, cap * sizeof *grown);
        if (!grown)
            return vx_fail(VX_ERR_OOM, "%s: out of memory", p->what);
        p->out->sections = grown;
        p->cap = cap;
    }
    vx_script_section *s = &p->out->sections[p->out->count];
    *s = (vx_script_section){.name = strndup(name, name_len), .line = line};
    if (!s->name)
        return vx_fail(VX_ERR_OOM, "%s: out of memory", p->what);
    p->out->count++;
    return VX_OK;
}

/* One line without its ending; `line` is its 1-based number. */
static vx_status take_line(parser *p, const char *s, size_t n, size_t line)
{
    size_t a = 0, b = n;
    while (a < b && is_blank(s[a]))
        a++;
    while (b > a && is_blank(s[b - 1]))
        b--;
    if (a == b) {
        p->blank_pending = p->body.len > 0;
        return VX_OK;
    }
    if (s[a] == '#' && a + 1 < b && s[a + 1] == '#') {
        size_t name = a;
        while (name < b && s[name] == '#')
            name++;
        while (name < b && is_blank(s[name]))
            name++;
        if (name == b)
            return vx_fail(VX_ERR_FORMAT, "%s line %zu: a section header needs a name, e.g. \"## intro\"",
                           p->what, line);
        return open_section(p, s + name, b - name, line);
    }
    if (s[a] == '#')
        return VX_OK; /* comment */
    if (!p->out->count)
        return vx_fail(VX_ERR_FORMAT, "%s line %zu: text before the first section; start each section with a "
                       "line \"## NAME\" (lines starting with a single '#' are comments)", p->what, line);
    if (p->body.len)
        vx_sbuf_put(&p->body, p->blank_pending ? "\n\n" : "\n", p->blank_pending ? 2 : 1);
    vx_sbuf_put(&p->body, s + a, b - a);
    p->blank_pending = false;
    return VX_OK;
}

vx_script *vx_script_parse(const char *text, size_t len, const char *what)
{
    what = what ? what : "the script";
    if (!text && len)
        return vx_fail_null(VX_ERR_ARG, "%s: no text given", what);
    if (len > VX_SCRIPT_MAX_BYTES)
        return vx_fail_null(VX_ERR_ARG, "%s is %zu bytes; scripts may hold at most %zu: split it", what, len,
                            VX_SCRIPT_MAX_BYTES);
    size_t bad = vx_utf8_invalid_at(text, len);
    if (bad < len)
        return vx_fail_null(VX_ERR_FORMAT, "%s line %zu: invalid UTF-8 (byte 0x%02x at offset %zu): save the "
                            "script as UTF-8", what, line_of(text, bad), (unsigned)(unsigned char)text[bad], bad);
    parser p = {.what = what, .out = calloc(1, sizeof(vx_script))};
    if (!p.out)
        return vx_fail_null(VX_ERR_OOM, "%s: out of memory", what);
    size_t at = len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3) ? 3 : 0;
    vx_status st = VX_OK;
    for (size_t line = 1; at < len && !st; line++) {
        size_t end = at;
        while (end < len && text[end] != '\n' && text[end] != '\r')
            end++;
        st = take_line(&p, text + at, end - at, line);
        at = end < len && text[end] == '\r' && end + 1 < len && text[end + 1] == '\n' ? end + 2 : end + 1;
    }
    if (!st)
        st = close_section(&p);
    if (!st && !p.out->count)
        st = vx_fail(VX_ERR_FORMAT, "%s has no sections: start each one with a line \"## NAME\"", what);
    free(p.body.data);
    if (st) {
        vx_script_free(p.out);
        return NULL;
    }
    return p.out;
}

vx_script *vx_script_load(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return vx_fail_null(VX_ERR_IO, "cannot open the script %s: %s", path, strerror(errno));
    vx_sbuf buf = {0};
    char chunk[1 << 14];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && buf.len <= VX_SCRIPT_MAX_BYTES)
        vx_sbuf_put(&buf, chunk, n);
    bool failed = ferror(f);
    fclose(f);
    vx_script *s = NULL;
    if (failed)
        vx_fail(VX_ERR_IO, "cannot read the script %s", path);
    else if (buf.oom)
        vx_fail(VX_ERR_OOM, "out of memory reading the script %s", path);
    else
        s = vx_script_parse(buf.data ? buf.data : "", buf.len, path);
    free(buf.data);
    return s;
}

void vx_script_free(vx_script *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->count; i++) {
        free(s->sections[i].name);
        free(s->sections[i].text);
    }
    free(s->sections);
    free(s);
}
