/* run_common.c — shared pieces of training runs (run_common.h). */
#include "train/run_common.h"

#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "train/mkdirs.h"
#include "train/stop.h"

void vx_run_state_init(vx_run_state *run, const char *dir, int keep, FILE *log)
{
    memset(run, 0, sizeof *run);
    run->dir = dir;
    run->keep = keep;
    run->log = log;
    snprintf(run->log_path, sizeof run->log_path, "%s/train.jsonl", dir);
    snprintf(run->svg_path, sizeof run->svg_path, "%s/losses.svg", dir);
    snprintf(run->started_from, sizeof run->started_from, "scratch");
    run->saved_step = -1;
}

bool vx_run_can_resume(const vx_run_state *run)
{
    char latest[VX_RUN_PATH];
    snprintf(latest, sizeof latest, "%s/latest", run->dir);
    return access(latest, F_OK) == 0;
}

vx_status vx_run_resume_from(vx_run_state *run, const char *path, vx_ckpt *ck)
{
    vx_status st = vx_ckpt_load(path, ck, NULL);
    if (st != VX_OK)
        return st;
    run->step = run->saved_step = ck->step;
    snprintf(run->checkpoint, sizeof run->checkpoint, "%s", path);
    snprintf(run->started_from, sizeof run->started_from, "%s", path);
    return VX_OK;
}

vx_status vx_run_save(vx_run_state *run, const vx_ckpt *ck)
{
    vx_status st = vx_run_checkpoint(run->dir, ck, run->keep, run->log_path, run->svg_path, run->checkpoint,
                                     sizeof run->checkpoint, run->log);
    if (st == VX_OK)
        run->saved_step = run->step;
    return st;
}

vx_status vx_run_open_corpus(const vx_run_state *run, const char *data, const char *cache_dir,
                             vx_data_report *report, vx_dataset **ds, vx_feature_cache **cache,
                             vx_cache_stats *stats)
{
    char default_cache[VX_RUN_PATH];
    snprintf(default_cache, sizeof default_cache, "%s/cache", run->dir);
    vx_status st = vx_mkdirs(run->dir);
    if (st == VX_OK && !(*ds = vx_dataset_open(data, report)))
        st = vx_last_status();
    vx_cache_opts co = {.dir = cache_dir ? cache_dir : default_cache, .progress = run->log};
    if (st == VX_OK && !(*cache = vx_feature_cache_open(*ds, &co, report, stats)))
        st = vx_last_status();
    return st;
}

vx_json *vx_run_saved_config(const vx_st_file *f, const char *path)
{
    const char *cfg = vx_st_metadata(f, "config");
    vx_json *j = cfg ? vx_json_parse(cfg, strlen(cfg), path) : NULL;
    if (!cfg)
        vx_fail(VX_ERR_FORMAT, "%s: the checkpoint has no config; it was not written by voxc-train", path);
    return j;
}

double vx_run_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void vx_run_note(FILE *log, const char *fmt, ...)
{
    if (!log)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(log, fmt, ap);
    va_end(ap);
    fputc('\n', log);
    fflush(log);
}

void vx_run_progress(FILE *log, int64_t step, int64_t total, const vx_log_value *values, int n,
                     double steps_per_s)
{
    if (!log)
        return;
    char line[512];
    vx_progress_format(line, sizeof line, step, total, values, n, steps_per_s);
    if (isatty(fileno(log)))
        fprintf(log, "\r%s\033[K", line);
    else
        fprintf(log, "%s\n", line);
    fflush(log);
}

void vx_run_progress_end(FILE *log)
{
    if (log && isatty(fileno(log)))
        fputc('\n', log);
}

vx_status vx_run_checkpoint(const char *run_dir, const vx_ckpt *ck, int keep, const char *log_path,
                            const char *svg_path, char *written, size_t written_size, FILE *log)
{
    vx_status st = vx_ckpt_save_in_run(run_dir, ck, keep, written, written_size);
    if (st != VX_OK)
        return st;
    struct stat sb;
    bool logged = stat(log_path, &sb) == 0 && sb.st_size > 0;
    if (logged && vx_trainlog_plot(log_path, svg_path, NULL, 0) != VX_OK)
        vx_run_note(log, "note: could not draw %s: %s", svg_path, vx_last_error());
    return VX_OK;
}

bool vx_run_due(int64_t step, int64_t every) { return every > 0 && step % every == 0; }

void vx_run_note_validation_failed(FILE *log, int64_t step)
{
    vx_run_note(log, "note: validation at step %lld failed: %s", (long long)step, vx_last_error());
}

vx_status vx_run_loop_open(vx_run_loop *loop, const vx_run_state *run, int64_t steps)
{
    memset(loop, 0, sizeof *loop);
    if (!(loop->jsonl = vx_trainlog_open(run->log_path, steps)))
        return vx_last_status();
    vx_trainlog_set_progress(loop->jsonl, NULL);
    return VX_OK;
}

void vx_run_loop_start(vx_run_loop *loop, const vx_run_state *run)
{
    loop->t0 = vx_run_clock();
    loop->first = run->step;
}

double vx_run_loop_rate(const vx_run_loop *loop, const vx_run_state *run)
{
    double elapsed = vx_run_clock() - loop->t0;
    return elapsed > 0 ? (double)(run->step - loop->first) / elapsed : 0;
}

vx_status vx_run_loop_close(vx_run_loop *loop, const vx_run_state *run, int64_t steps, vx_status st,
                            bool *stopped, int *stop_signal)
{
    *stopped = vx_stop_requested() && run->step < steps;
    *stop_signal = vx_stop_signal();
    vx_stop_uninstall();
    vx_run_progress_end(run->log);
    vx_status close_st = vx_trainlog_close(loop->jsonl);
    loop->jsonl = NULL;
    return st == VX_OK ? close_st : st;
}
