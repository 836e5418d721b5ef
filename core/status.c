/* status.c — thread-local error message store behind status.h. */
#include "status.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char error_msg[1024];
static _Thread_local vx_status error_status = VX_OK;

static void record(vx_status st, const char *fmt, va_list ap)
{
    vsnprintf(error_msg, sizeof error_msg, fmt, ap);
    error_status = st;
}

vx_status vx_fail(vx_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    record(st, fmt, ap);
    va_end(ap);
    return st;
}

void *vx_fail_null(vx_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    record(st, fmt, ap);
    va_end(ap);
    return NULL;
}

const char *vx_last_error(void) { return error_msg; }
vx_status vx_last_status(void) { return error_status; }

void vx_clear_error(void)
{
    error_msg[0] = '\0';
    error_status = VX_OK;
}

const char *vx_status_name(vx_status st)
{
    switch (st) {
    case VX_OK: return "ok";
    case VX_ERR_ARG: return "bad argument";
    case VX_ERR_IO: return "i/o error";
    case VX_ERR_FORMAT: return "format error";
    case VX_ERR_OOM: return "out of memory";
    case VX_ERR_UNSUPPORTED: return "unsupported";
    case VX_ERR_NUMERIC: return "numeric error";
    }
    return "unknown status";
}
