/* mkdirs.h — create a folder and any missing parents (mkdir -p) for run and
 * cache folders. */
#ifndef VX_TRAIN_MKDIRS_H
#define VX_TRAIN_MKDIRS_H

#include "core/status.h"

/* VX_OK when `path` is a folder afterwards; VX_ERR_IO naming the part that
 * could not be made (or that exists and is no folder). */
vx_status vx_mkdirs(const char *path);

#endif
