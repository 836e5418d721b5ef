/* log.h — what a training run reports: one JSON line per logged step, a
 * progress line on a terminal, loss-curve SVGs, and NaN/Inf detection.
 *
 * JSONL: each line is an object {"step": N, "wall_s": seconds since the log
 * was opened, "steps_per_s": rate since the previous line, then every value
 * given, in order}; a NaN/Inf value is written as null (JSON has neither).
 * Lines are appended (a resumed run continues its file) and flushed one by
 * one, so `tail -f` and a crash both see whole lines.
 *
 * Progress (only when the stream is a terminal, by default stderr):
 *   step 1200/50000  loss_g 23.41  loss_d 2.113  3.21 steps/s  ETA 4h13m
 * rewritten in place with a carriage return. */
#ifndef VX_TRAIN_LOG_H
#define VX_TRAIN_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/status.h"
#include "core/tensor.h"

typedef struct vx_log_value {
    const char *name;  /* JSON key: letters, digits, '_' or '.' */
    double value;
} vx_log_value;

typedef struct vx_trainlog vx_trainlog;

/* Open `jsonl_path` for appending. total_steps > 0 enables the ETA. The
 * progress stream is stderr when it is a terminal, else none. */
vx_trainlog *vx_trainlog_open(const char *jsonl_path, int64_t total_steps);

/* Progress to `stream` (NULL: none), terminal or not. */
void vx_trainlog_set_progress(vx_trainlog *lg, FILE *stream);

/* Append one line for `step` and refresh the progress line. */
vx_status vx_trainlog_step(vx_trainlog *lg, int64_t step, const vx_log_value *values, int n);

/* End the progress line and close the file. */
vx_status vx_trainlog_close(vx_trainlog *lg);

/* The progress text (no carriage return) into buf: step[/total], each
 * value, the rate and, when total > 0 and the rate is positive, the ETA. */
void vx_progress_format(char *buf, size_t size, int64_t step, int64_t total,
                        const vx_log_value *values, int n, double steps_per_s);

/* Plot the given keys of a JSONL log against "step" as an SVG, one panel
 * per key with its own y axis (n_keys == 0: every key starting with
 * "loss"). Lines that are not JSON objects are reported with their number;
 * points with null values break the curve. Written atomically. */
vx_status vx_trainlog_plot(const char *jsonl_path, const char *svg_path, const char *const *keys,
                           int n_keys);

/* VX_OK when every element of f32 tensor t is finite, else VX_ERR_NUMERIC
 * with "step <step>: <what> is NaN (element i of [shape])". */
vx_status vx_check_finite(const vx_tensor *t, const char *what, int64_t step);

/* VX_OK when every parameter's gradient (where present) is finite, else
 * VX_ERR_NUMERIC naming the step and the parameter. */
vx_status vx_check_grads_finite(vx_tensor *const *params, int n, int64_t step);

#endif
