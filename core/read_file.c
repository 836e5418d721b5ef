/* read_file.c — whole-file reads (see read_file.h). */
#include "read_file.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

char *vx_read_file(const char *path, size_t max_bytes, const char *what, size_t *len)
{
    const char *role = what ? what : "file", *sep = what ? " " : "";
    if (!path)
        return vx_fail_null(VX_ERR_ARG, "%s: no path given", role);
    FILE *f = fopen(path, "rb");
    if (!f)
        return vx_fail_null(VX_ERR_IO, "%s%s%s: cannot open: %s", what ? what : "", sep, path, strerror(errno));
    char *buf = NULL;
    size_t n = 0, cap = 0;
    bool too_big = false;
    for (;;) {
        if (n == cap) {
            if (cap >= max_bytes) {
                too_big = fgetc(f) != EOF;
                break;
            }
            cap = cap ? 2 * cap : 1 << 16;
            cap = cap > max_bytes ? max_bytes : cap;
            char *grown = realloc(buf, cap + 1);
            if (!grown) {
                free(buf);
                fclose(f);
                return vx_fail_null(VX_ERR_OOM, "%s%s%s: out of memory reading it", what ? what : "", sep, path);
            }
            buf = grown;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    bool failed = ferror(f);
    fclose(f);
    if (failed || too_big) {
        free(buf);
        return failed ? vx_fail_null(VX_ERR_IO, "%s%s%s: read error", what ? what : "", sep, path)
                      : vx_fail_null(VX_ERR_FORMAT, "%s%s%s is larger than %zu bytes", what ? what : "", sep, path,
                                     max_bytes);
    }
    if (!buf && !(buf = malloc(1)))
        return vx_fail_null(VX_ERR_OOM, "%s%s%s: out of memory reading it", what ? what : "", sep, path);
    buf[n] = '\0';
    *len = n;
    return buf;
}
