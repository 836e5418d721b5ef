/* test_files.h — file-system helpers shared by the test suites: temporary
 * directories, whole-file reads and writes, and running a built voxc tool
 * (found in $VOXC_BIN, which `make test-run` sets) with its output captured.
 * Every helper fails the current test (ck_assert) instead of returning an error. */
#ifndef VX_TEST_FILES_H
#define VX_TEST_FILES_H

#include <stddef.h>

/* A fresh directory /tmp/voxc-TAG-XXXXXX (malloc'd; give it to remove_dir). */
char *make_dir(const char *tag);

/* Deletes dir and everything below it, then frees dir. */
void remove_dir(char *dir);

/* The number of entries in dir other than "." and "..". */
int count_files(const char *dir);

/* The whole file, malloc'd with a '\0' after its last byte; *len (when len is
 * not NULL) is its size. */
void *read_file(const char *path, size_t *len);

/* Creates or truncates path and writes text into it. */
void write_file(const char *path, const char *text);

/* Runs $VOXC_BIN/voxc-NAME with args (NULL-terminated, without the program
 * name), stdin from stdin_path (NULL: /dev/null). Its stdout and stderr come
 * back as malloc'd, '\0'-terminated strings in *out and *err (*out_len, when
 * out_len is not NULL, is the stdout byte count). Returns the exit status, or
 * -1 when the tool did not exit normally (a crash). */
int run_tool(const char *name, const char *const *args, const char *stdin_path, char **out,
             size_t *out_len, char **err);

#endif
