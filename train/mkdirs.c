/* mkdirs.c — vx_mkdirs (mkdirs.h). */
#include "train/mkdirs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static vx_status make_one(const char *path)
{
    struct stat sb;
    if (mkdir(path, 0777) == 0)
        return VX_OK;
    int err = errno;
    if (err == EEXIST && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return VX_OK;
    return vx_fail(VX_ERR_IO, "%s: cannot create the folder: %s", path,
                   err == EEXIST ? "a file of that name is in the way" : strerror(err));
}

vx_status vx_mkdirs(const char *path)
{
    if (!path || !path[0])
        return vx_fail(VX_ERR_ARG, "mkdirs: the path is empty");
    char buf[PATH_MAX];
    if (strlen(path) >= sizeof buf)
        return vx_fail(VX_ERR_ARG, "%s: the path is too long", path);
    strcpy(buf, path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/' || p[-1] == '/')
            continue;
        *p = '\0';
        vx_status st = make_one(buf);
        *p = '/';
        if (st != VX_OK)
            return st;
    }
    return make_one(buf);
}
