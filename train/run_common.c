/* run_common.c — shared pieces of training runs (run_common.h). */
#include "train/run_common.h"

#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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
