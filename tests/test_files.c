/* test_files.c — file-system helpers for the test suites (see test_files.h). */
#include "test_files.h"

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define MAX_TOOL_ARGS 62

char *make_dir(const char *tag)
{
    char tmpl[256];
    snprintf(tmpl, sizeof tmpl, "/tmp/voxc-%s-XXXXXX", tag);
    char *dir = strdup(tmpl);
    ck_assert_ptr_nonnull(dir);
    ck_assert_msg(mkdtemp(dir) != NULL, "cannot create a directory like %s", tmpl);
    return dir;
}

/* Removes the entries below dir (recursively), then dir itself. */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "cannot open directory %s", dir);
    for (struct dirent *de; (de = readdir(d));) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        struct stat sb;
        if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
            remove_tree(path);
        else
            unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

void remove_dir(char *dir)
{
    remove_tree(dir);
    free(dir);
}

int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "cannot open directory %s", dir);
    int n = 0;
    for (struct dirent *de; (de = readdir(d));)
        n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
    closedir(d);
    return n;
}

void *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s (tests run from the repository root)", path);
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    ck_assert_msg(size >= 0, "cannot size %s", path);
    ck_assert_int_eq(fseek(f, 0, SEEK_SET), 0);
    char *buf = malloc((size_t)size + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_msg(fread(buf, 1, (size_t)size, f) == (size_t)size, "short read of %s", path);
    fclose(f);
    buf[size] = '\0';
    if (len)
        *len = (size_t)size;
    return buf;
}

void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    size_t n = strlen(text);
    ck_assert_msg(fwrite(text, 1, n, f) == n, "short write of %s", path);
    ck_assert_int_eq(fclose(f), 0);
}

int run_tool(const char *name, const char *const *args, const char *stdin_path, char **out,
             size_t *out_len, char **err)
{
    const char *bin = getenv("VOXC_BIN");
    ck_assert_msg(bin != NULL, "set VOXC_BIN to the folder holding voxc-%s (make test-run does)", name);
    char exe[1024];
    snprintf(exe, sizeof exe, "%s/voxc-%s", bin, name);
    char *argv[MAX_TOOL_ARGS + 2] = {exe};
    int argc = 1;
    for (; args[argc - 1]; argc++) {
        ck_assert_msg(argc <= MAX_TOOL_ARGS, "run_tool: more than %d arguments", MAX_TOOL_ARGS);
        argv[argc] = (char *)args[argc - 1];
    }
    argv[argc] = NULL;

    char *dir = make_dir("run");
    char out_path[4096], err_path[4096];
    snprintf(out_path, sizeof out_path, "%s/stdout", dir);
    snprintf(err_path, sizeof err_path, "%s/stderr", dir);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, stdin_path ? stdin_path : "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid;
    int rc = posix_spawn(&pid, exe, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    ck_assert_msg(rc == 0, "cannot run %s: %s", exe, strerror(rc));
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    *out = read_file(out_path, out_len);
    *err = read_file(err_path, NULL);
    remove_dir(dir);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
