/* test_train_util.h — checks the training-run suites (HiFi-GAN in
 * test_train_loop.c, FastSpeech2 in test_fs2_train.c) share: files a run
 * folder holds, two checkpoints being identical, a NaN stop keeping the last
 * good checkpoint, and a table of tool command lines with their exit status
 * and output. */
#ifndef VX_TEST_TRAIN_UTIL_H
#define VX_TEST_TRAIN_UTIL_H

#include <stdbool.h>
#include <stdint.h>

/* Whether file `name` exists in run folder `dir`. */
bool run_has_file(const char *dir, const char *name);

/* Checkpoint `name` of run folders run_a and run_b holds the same tensors,
 * bit for bit, and the same values of the metadata keys `keys`. */
void assert_same_run_checkpoints(const char *run_a, const char *run_b, const char *name, const char *const *keys,
                                 int n_keys);

/* After a weight was set to NaN following step 2 of a run in folder `run`
 * without periodic checkpoints: the error names step 3 and the checkpoint of
 * step 2, contains `says`, the run ended at step 2 (`step`) and no
 * checkpoint of step 3 was written. */
void assert_nan_at_step_3_kept_step_2(const char *run, int64_t step, const char *says);

/* A command line of a voxc tool, its exit status and a part of its output. */
typedef struct tool_case {
    const char *args;       /* "voxc-NAME ..."; RUN and OUT stand for DIR/run and DIR/x.wav */
    int status;
    const char *says;
} tool_case;

/* Run each case from the tools folder (corpus_bin_dir), output to DIR/out.txt,
 * and check its exit status and output. */
void assert_tool_cases(const char *dir, const tool_case *cases, int n_cases);

#endif
