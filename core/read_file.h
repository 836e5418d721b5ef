/* read_file.h — read a whole (text) file into memory, with a size limit, for
 * configs, metadata lists and transcripts. */
#ifndef VX_READ_FILE_H
#define VX_READ_FILE_H

#include <stddef.h>

/* The bytes of `path`, malloc'd and NUL-terminated (free with free()); *len
 * gets the size without the NUL. NULL with the error set when the file
 * cannot be opened or read (VX_ERR_IO, with the system's reason), is larger
 * than max_bytes (VX_ERR_FORMAT) or memory runs out. `what` names the file's
 * role in messages ("the voice config"); NULL: just the path. */
char *vx_read_file(const char *path, size_t max_bytes, const char *what, size_t *len);

#endif
