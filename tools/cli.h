/* cli.h — strict number parsing shared by the tools' argument parsers.
 * Every function accepts the whole string or nothing: no trailing text, no
 * overflow, no NaN/Inf, and the value inside the given range. */
#ifndef VX_TOOLS_CLI_H
#define VX_TOOLS_CLI_H

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

/* A finite real in [lo, hi]. */
static inline bool cli_float(const char *s, double lo, double hi, float *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi)
        return false;
    *out = (float)v;
    return true;
}

/* A non-negative decimal integer (no sign, no spaces). */
static inline bool cli_count(const char *s, unsigned long long *out)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

/* A decimal integer in [lo, hi]. */
static inline bool cli_int(const char *s, int lo, int hi, int *out)
{
    unsigned long long v;
    if (!cli_count(s, &v) || v < (unsigned long long)(lo < 0 ? 0 : lo) || v > (unsigned long long)hi)
        return false;
    *out = (int)v;
    return true;
}

#endif
