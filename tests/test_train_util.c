/* test_train_util.c — checks the training-run suites share (test_train_util.h). */
#include "test_train_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nn/safetensors.h"
#include "test_corpus.h"
#include "test_util.h"

bool run_has_file(const char *dir, const char *name)
{
    char path[1024];
    corpus_path(path, sizeof path, dir, name);
    return access(path, F_OK) == 0;
}

void assert_same_run_checkpoints(const char *run_a, const char *run_b, const char *name, const char *const *keys,
                                 int n_keys)
{
    char a_path[600], b_path[600];
    corpus_path(a_path, sizeof a_path, run_a, name);
    corpus_path(b_path, sizeof b_path, run_b, name);
    vx_st_file *a = vx_st_open(a_path), *b = vx_st_open(b_path);
    ck_assert_msg(a && b, "%s", vx_last_error());
    ck_assert_int_eq(vx_st_count(a), vx_st_count(b));
    for (int i = 0; i < vx_st_count(a); i++) {
        const vx_st_entry *ea = vx_st_entry_at(a, i), *eb = vx_st_find(b, ea->name);
        ck_assert_msg(eb != NULL, "%s is missing from %s", ea->name, b_path);
        ck_assert_int_eq(ea->nbytes, eb->nbytes);
        ck_assert_msg(memcmp(ea->data, eb->data, ea->nbytes) == 0, "%s differs", ea->name);
    }
    for (int k = 0; k < n_keys; k++)
        ck_assert_str_eq(vx_st_metadata(a, keys[k]), vx_st_metadata(b, keys[k]));
    vx_st_close(a);
    vx_st_close(b);
}

void assert_nan_at_step_3_kept_step_2(const char *run, int64_t step, const char *says)
{
    const char *msg = vx_last_error();
    ck_assert_msg(strstr(msg, "step 3:") && strstr(msg, says), "%s", msg);
    ck_assert_msg(strstr(msg, "ckpt-000002.safetensors"), "%s", msg);
    ck_assert_int_eq(step, 2);
    ck_assert(run_has_file(run, "ckpt-000002.safetensors"));
    ck_assert(!run_has_file(run, "ckpt-000003.safetensors"));
}

void assert_tool_cases(const char *dir, const tool_case *cases, int n_cases)
{
    const char *bin = corpus_bin_dir();
    char cmd[1024], out[600];
    corpus_path(out, sizeof out, dir, "out.txt");
    for (int i = 0; i < n_cases; i++) {
        char args[512];
        snprintf(args, sizeof args, "%s", cases[i].args);
        char *run = strstr(args, "RUN");
        if (run)
            snprintf(run, sizeof args - (size_t)(run - args), "%s/run", dir);
        char *o = strstr(args, "OUT");
        if (o)
            snprintf(o, sizeof args - (size_t)(o - args), "%s/x.wav", dir);
        snprintf(cmd, sizeof cmd, "%s/%s", bin, args);
        int rc = corpus_run(cmd, out);
        char *text = corpus_read_text(out);
        ck_assert_msg(rc == cases[i].status, "%s: exit %d, want %d\n%s", args, rc, cases[i].status, text);
        ck_assert_msg(strstr(text, cases[i].says), "%s: output lacks '%s':\n%s", args, cases[i].says, text);
        free(text);
    }
}
