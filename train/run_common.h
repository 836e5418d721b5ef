/* run_common.h — pieces every training run uses the same way (the HiFi-GAN
 * and FastSpeech2 loops): the run folder's files and checkpoint bookkeeping,
 * opening the corpus and its feature cache, the monotonic clock, notes and
 * the progress line on the run's log stream, "checkpoint, then redraw the
 * loss curves", and the begin and end of the step loop (JSONL log, Ctrl-C,
 * steps per second). */
#ifndef VX_TRAIN_RUN_COMMON_H
#define VX_TRAIN_RUN_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/json.h"
#include "core/status.h"
#include "nn/safetensors.h"
#include "train/checkpoint.h"
#include "train/dataset.h"
#include "train/feature_cache.h"
#include "train/log.h"

#define VX_RUN_PATH 4096

/* A run folder and how far the run in it got. */
typedef struct vx_run_state {
    const char *dir;                    /* the run folder                          */
    int keep;                           /* checkpoints kept                        */
    FILE *log;                          /* notes and progress; NULL: quiet         */
    char log_path[VX_RUN_PATH];         /* DIR/train.jsonl                         */
    char svg_path[VX_RUN_PATH];         /* DIR/losses.svg                          */
    char started_from[VX_RUN_PATH];     /* "scratch" or the checkpoint / weights   */
    char checkpoint[VX_RUN_PATH];       /* the newest checkpoint                   */
    int64_t step;                       /* completed steps                         */
    int64_t saved_step;                 /* step of the newest checkpoint (−1: none) */
} vx_run_state;

/* A run in folder `dir` that starts from scratch at step 0 with no checkpoint. */
void vx_run_state_init(vx_run_state *run, const char *dir, int keep, FILE *log);

/* Whether the run folder holds a checkpoint to resume from (DIR/latest). */
bool vx_run_can_resume(const vx_run_state *run);

/* Load checkpoint `path` into `ck` (its tensors and optimisers) and go on
 * from its step: it is the newest checkpoint and where the run started from. */
vx_status vx_run_resume_from(vx_run_state *run, const char *path, vx_ckpt *ck);

/* vx_run_checkpoint of `ck` (the state at run->step) into the run folder;
 * then it is the newest checkpoint. */
vx_status vx_run_save(vx_run_state *run, const vx_ckpt *ck);

/* Make the run folder, open the corpus `data` and its features (cached in
 * cache_dir, or DIR/cache when NULL; a line per shard built on run->log).
 * On failure *ds and *cache hold what was opened, for the caller to free. */
vx_status vx_run_open_corpus(const vx_run_state *run, const char *data, const char *cache_dir,
                             vx_data_report *report, vx_dataset **ds, vx_feature_cache **cache,
                             vx_cache_stats *stats);

/* The config JSON saved in checkpoint file `f` (read from `path`; vx_json_free
 * it); NULL with the error set when it has no config or it does not parse. */
vx_json *vx_run_saved_config(const vx_st_file *f, const char *path);

/* Seconds on the monotonic clock. */
double vx_run_clock(void);

/* One line (a newline is added) on `log`, flushed; nothing when log is NULL. */
void vx_run_note(FILE *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The progress line (vx_progress_format) on `log`: rewritten in place on a
 * terminal, one line per call otherwise; nothing when log is NULL. */
void vx_run_progress(FILE *log, int64_t step, int64_t total, const vx_log_value *values, int n,
                     double steps_per_s);

/* End a progress line that was rewritten in place (a newline on a terminal). */
void vx_run_progress_end(FILE *log);

/* vx_ckpt_save_in_run, then redraw svg_path from the JSONL log at log_path
 * (when it has lines); a failed plot is only a note on `log`. */
vx_status vx_run_checkpoint(const char *run_dir, const vx_ckpt *ck, int keep, const char *log_path,
                            const char *svg_path, char *written, size_t written_size, FILE *log);

/* Whether something done every `every` steps (0: never) is due after `step`. */
bool vx_run_due(int64_t step, int64_t every);

/* The note for a validation that failed at `step` (the error says why). */
void vx_run_note_validation_failed(FILE *log, int64_t step);

/* The step loop's JSONL log and clock. */
typedef struct vx_run_loop {
    vx_trainlog *jsonl;     /* the run's train.jsonl            */
    double t0;              /* vx_run_clock() when steps began  */
    int64_t first;          /* the step the loop began at       */
} vx_run_loop;

/* Open the run's JSONL log for a run of `steps` steps (the loop draws the
 * progress line itself). On failure nothing is open: return the status. */
vx_status vx_run_loop_open(vx_run_loop *loop, const vx_run_state *run, int64_t steps);

/* Start the clock for steps per second at run->step. */
void vx_run_loop_start(vx_run_loop *loop, const vx_run_state *run);

/* Steps per second since vx_run_loop_start (0 before any time passed). */
double vx_run_loop_rate(const vx_run_loop *loop, const vx_run_state *run);

/* After the loop: whether a signal stopped it before `steps` (*stopped, and
 * which in *stop_signal), uninstall the stop handler, end the progress line and
 * close the JSONL log. Returns `st`, or the close's status when st is VX_OK. */
vx_status vx_run_loop_close(vx_run_loop *loop, const vx_run_state *run, int64_t steps, vx_status st,
                            bool *stopped, int *stop_signal);

#endif
