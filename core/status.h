/* status.h — error reporting for every voxc library call.
 *
 * Library functions return a vx_status (or NULL for constructors) and record a
 * human-readable message: what failed, where, and what to do next. The message
 * is thread-local, so concurrent callers never see each other's errors.
 * Bad user input never aborts; only broken internal invariants may assert. */
#ifndef VX_STATUS_H
#define VX_STATUS_H

typedef enum vx_status {
    VX_OK = 0,
    VX_ERR_ARG,      /* a bad argument: wrong shape, dtype, flag value      */
    VX_ERR_IO,       /* a file could not be opened, read or written         */
    VX_ERR_FORMAT,   /* a file or string is malformed                       */
    VX_ERR_OOM,      /* out of memory (arena limit or malloc failure)       */
    VX_ERR_UNSUPPORTED, /* valid request that this build cannot serve       */
    VX_ERR_NUMERIC,  /* NaN/Inf or another numerical failure                */
} vx_status;

/* Record an error message (printf-style) and return `st`, so a caller can
 * write `return vx_fail(VX_ERR_ARG, "conv1d: ...");`. */
vx_status vx_fail(vx_status st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Like vx_fail but for functions returning a pointer: records and returns NULL. */
void *vx_fail_null(vx_status st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Message of the most recent failure on this thread ("" when none). */
const char *vx_last_error(void);

/* Status of the most recent failure on this thread (VX_OK when none). */
vx_status vx_last_status(void);

/* Forget the last error (tests use it to check that a call sets one). */
void vx_clear_error(void);

/* Short name of a status code, e.g. "format error". */
const char *vx_status_name(vx_status st);

#endif
