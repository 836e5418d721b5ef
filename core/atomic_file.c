/* atomic_file.c — temporary file, fsync, rename, folder fsync (see atomic_file.h). */
#include "core/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void vx_fsync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    if (!dir)
        return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

vx_status vx_write_file_atomic(const char *path, const void *data, size_t len)
{
    if (!path || (len > 0 && !data))
        return vx_fail(VX_ERR_ARG, "write_file_atomic: NULL path or data");
    size_t tmp_size = strlen(path) + 32;
    char *tmp = malloc(tmp_size);
    if (!tmp)
        return vx_fail(VX_ERR_OOM, "%s: out of memory", path);
    snprintf(tmp, tmp_size, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        vx_status st = vx_fail(VX_ERR_IO, "%s: cannot create the temporary file %s: %s", path, tmp,
                               strerror(errno));
        free(tmp);
        return st;
    }
    const char *p = data;
    size_t left = len;
    bool ok = true;
    while (ok && left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        ok = w > 0;
        if (ok) {
            p += w;
            left -= (size_t)w;
        }
    }
    ok = ok && fsync(fd) == 0;
    int err = errno;
    if (close(fd) != 0 && ok) {
        ok = false;
        err = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = false;
        err = errno;
    }
    if (!ok) {
        unlink(tmp);
        vx_status st = vx_fail(VX_ERR_IO, "%s: writing it (through %s) failed: %s", path, tmp,
                               strerror(err));
        free(tmp);
        return st;
    }
    free(tmp);
    vx_fsync_parent_dir(path);
    return VX_OK;
}
