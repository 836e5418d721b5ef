/* run_common.h — pieces every training run uses the same way (the HiFi-GAN
 * and FastSpeech2 loops): the monotonic clock, notes and the progress line on
 * the run's log stream, and "checkpoint, then redraw the loss curves". */
#ifndef VX_TRAIN_RUN_COMMON_H
#define VX_TRAIN_RUN_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/status.h"
#include "train/checkpoint.h"
#include "train/log.h"

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

#endif
