/* log.c — JSONL step log, terminal progress line and NaN/Inf checks behind
 * log.h (the SVG plot of a log is in loss_plot.c). */
#include "train/log.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct vx_trainlog {
    FILE *f;
    char *path;
    FILE *progress;          /* NULL: no progress line             */
    bool progress_dirty;     /* a progress line is on the terminal */
    int64_t total;
    double t_open, t_last;   /* monotonic seconds                  */
    int64_t first_step, last_step;
    bool any;                /* a step was logged                  */
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

vx_trainlog *vx_trainlog_open(const char *jsonl_path, int64_t total_steps)
{
    if (!jsonl_path)
        return vx_fail_null(VX_ERR_ARG, "trainlog: the log path is NULL");
    vx_trainlog *lg = calloc(1, sizeof *lg);
    if (!lg || !(lg->path = strdup(jsonl_path))) {
        free(lg);
        return vx_fail_null(VX_ERR_OOM, "trainlog: out of memory");
    }
    lg->f = fopen(jsonl_path, "a");
    if (!lg->f) {
        vx_fail(VX_ERR_IO, "%s: cannot open the training log for appending: %s", jsonl_path,
                strerror(errno));
        free(lg->path);
        free(lg);
        return NULL;
    }
    setvbuf(lg->f, NULL, _IOLBF, 0);
    lg->progress = isatty(STDERR_FILENO) ? stderr : NULL;
    lg->total = total_steps;
    lg->t_open = lg->t_last = now_s();
    return lg;
}

void vx_trainlog_set_progress(vx_trainlog *lg, FILE *stream)
{
    if (lg)
        lg->progress = stream;
}

/* "4h13m", "12m05s" or "37s". */
static void format_duration(char *buf, size_t size, double s)
{
    long long t = (long long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, size, "%lldh%02lldm", t / 3600, t / 60 % 60);
    else if (t >= 60)
        snprintf(buf, size, "%lldm%02llds", t / 60, t % 60);
    else
        snprintf(buf, size, "%llds", t);
}

/* printf into buf at *used, never past size − 1; *used stops at the end. */
static void append(char *buf, size_t size, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t size, size_t *used, const char *fmt, ...)
{
    if (*used + 1 >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *used, size - *used, fmt, ap);
    va_end(ap);
    if (w > 0)
        *used = *used + (size_t)w >= size ? size - 1 : *used + (size_t)w;
}

void vx_progress_format(char *buf, size_t size, int64_t step, int64_t total,
                        const vx_log_value *values, int n, double steps_per_s)
{
    if (!buf || size == 0)
        return;
    size_t used = 0;
    buf[0] = '\0';
    if (total > 0)
        append(buf, size, &used, "step %" PRId64 "/%" PRId64, step, total);
    else
        append(buf, size, &used, "step %" PRId64, step);
    for (int i = 0; i < n; i++)
        append(buf, size, &used, "  %s %.4g", values[i].name, values[i].value);
    append(buf, size, &used, "  %.3g steps/s", steps_per_s);
    if (total > 0 && steps_per_s > 0 && step < total) {
        char eta[32];
        format_duration(eta, sizeof eta, (double)(total - step) / steps_per_s);
        append(buf, size, &used, "  ETA %s", eta);
    }
}

static void put_number(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.9g", v);
    else
        fputs("null", f);
}

vx_status vx_trainlog_step(vx_trainlog *lg, int64_t step, const vx_log_value *values, int n)
{
    if (!lg || n < 0 || (n > 0 && !values))
        return vx_fail(VX_ERR_ARG, "trainlog: step needs a log and %d values", n);
    for (int i = 0; i < n; i++) {
        const char *k = values[i].name;
        if (!k || !*k || strspn(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.") !=
                             strlen(k))
            return vx_fail(VX_ERR_ARG, "trainlog: value %d has the name \"%s\"; use letters, digits, "
                           "'_' or '.'", i, k ? k : "(null)");
    }
    double t = now_s();
    int64_t done = lg->any ? step - lg->last_step : 1;
    double rate = t > lg->t_last && done > 0 ? (double)done / (t - lg->t_last) : 0.0;
    if (!lg->any)
        lg->first_step = step - 1;
    fprintf(lg->f, "{\"step\":%" PRId64 ",\"wall_s\":%.3f,\"steps_per_s\":", step, t - lg->t_open);
    put_number(lg->f, rate);
    for (int i = 0; i < n; i++) {
        fprintf(lg->f, ",\"%s\":", values[i].name);
        put_number(lg->f, values[i].value);
    }
    fputs("}\n", lg->f);
    if (fflush(lg->f) != 0 || ferror(lg->f))
        return vx_fail(VX_ERR_IO, "%s: cannot write the training log: %s", lg->path, strerror(errno));
    lg->any = true;
    lg->last_step = step;
    lg->t_last = t;
    if (lg->progress) {
        /* the ETA uses the mean rate since the log was opened */
        double mean = t > lg->t_open ? (double)(step - lg->first_step) / (t - lg->t_open) : rate;
        char line[512];
        vx_progress_format(line, sizeof line, step, lg->total, values, n, mean);
        fprintf(lg->progress, "\r%s\033[K", line);
        fflush(lg->progress);
        lg->progress_dirty = true;
    }
    return VX_OK;
}

vx_status vx_trainlog_close(vx_trainlog *lg)
{
    if (!lg)
        return VX_OK;
    if (lg->progress && lg->progress_dirty)
        fputc('\n', lg->progress);
    vx_status st = VX_OK;
    if (fclose(lg->f) != 0)
        st = vx_fail(VX_ERR_IO, "%s: closing the training log failed: %s", lg->path, strerror(errno));
    free(lg->path);
    free(lg);
    return st;
}

/* --- NaN / Inf ---------------------------------------------------------------- */

static const char *nonfinite_name(float v) { return isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf"; }

vx_status vx_check_finite(const vx_tensor *t, const char *what, int64_t step)
{
    if (!t)
        return vx_fail(VX_ERR_ARG, "step %" PRId64 ": %s is missing (its computation failed)", step,
                       what ? what : "a tensor");
    if (t->dtype != VX_F32)
        return VX_OK;
    int64_t n = vx_numel(t);
    bool flat = vx_is_contiguous(t);
    for (int64_t i = 0; i < n; i++) {
        float v = flat ? ((const float *)t->data)[i] : vx_get_f(t, i);
        if (!isfinite(v)) {
            char shape[64];
            return vx_fail(VX_ERR_NUMERIC, "step %" PRId64 ": %s is %s (element %lld of %s)", step,
                           what ? what : t->name, nonfinite_name(v), (long long)i,
                           vx_shape_str(t, shape, sizeof shape));
        }
    }
    return VX_OK;
}

vx_status vx_check_grads_finite(vx_tensor *const *params, int n, int64_t step)
{
    for (int i = 0; i < n; i++) {
        const vx_tensor *p = params[i];
        if (!p || !p->grad)
            continue;
        char what[96];
        snprintf(what, sizeof what, "the gradient of '%s'", p->name);
        vx_status st = vx_check_finite(p->grad, what, step);
        if (st != VX_OK)
            return st;
    }
    return VX_OK;
}
