/* atomic_file.h — replace a small file atomically: write a temporary file
 * next to it, fsync, rename over the target, fsync the folder. A crash at
 * any moment leaves either the old or the new content, never a mix.
 * (safetensors files have their own writer, vx_st_write, built the same way
 * with vx_fsync_parent_dir.) */
#ifndef VX_CORE_ATOMIC_FILE_H
#define VX_CORE_ATOMIC_FILE_H

#include <stddef.h>

#include "core/status.h"

/* Write `len` bytes to `path` atomically ("path.tmp.<pid>" while writing;
 * removed on failure, leaving `path` as it was). */
vx_status vx_write_file_atomic(const char *path, const void *data, size_t len);

/* fsync the folder holding `path` so a rename into it is durable (best
 * effort: a folder that cannot be opened is skipped). */
void vx_fsync_parent_dir(const char *path);

#endif
