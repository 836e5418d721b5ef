/* test_parity.c — tensor comparisons against PyTorch fixtures (see test_parity.h). */
#include "test_parity.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

vx_st_file *parity_open(const char *path)
{
    vx_st_file *f = vx_st_open(path);
    ck_assert_msg(f != NULL, "%s", vx_last_error());
    return f;
}

vx_tensor *fixture(vx_ctx *ctx, vx_st_file *f, const char *name)
{
    vx_tensor *t = vx_st_tensor(ctx, f, name);
    ck_assert_msg(t != NULL, "%s", vx_last_error());
    return t;
}

double max_abs(const vx_tensor *t)
{
    double m = 0;
    for (int64_t i = 0; i < vx_numel(t); i++)
        m = fmax(m, fabs(vx_get_f(t, i)));
    return m;
}

void assert_close_scaled(const vx_tensor *got, const vx_tensor *want, double tol, double scale,
                         const char *what)
{
    ck_assert_msg(got != NULL, "%s: no tensor (%s)", what, vx_last_error());
    ck_assert_msg(vx_numel(got) == vx_numel(want), "%s: %lld elements, the reference has %lld", what,
                  (long long)vx_numel(got), (long long)vx_numel(want));
    double worst = 0;
    int64_t at = 0;
    for (int64_t i = 0; i < vx_numel(want); i++) {
        double d = fabs((double)vx_get_f(got, i) - vx_get_f(want, i));
        if (!(d <= worst)) {
            worst = d;
            at = i;
        }
    }
    ck_assert_msg(worst <= tol * scale, "%s: element %lld is %.9g, reference %.9g (|diff| %.3g > %.1g x %.3g)",
                  what, (long long)at, (double)vx_get_f(got, at), (double)vx_get_f(want, at), worst,
                  tol, scale);
}

void assert_close_tensor(const vx_tensor *got, const vx_tensor *want, double tol, const char *what)
{
    assert_close_scaled(got, want, tol, max_abs(want), what);
}

/* Layer path of a parameter name: "ups.0.weight_g" -> length of "ups.0". */
static size_t layer_len(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot ? (size_t)(dot - name) : strlen(name);
}

void assert_grads(vx_ctx *ctx, vx_st_file *f, vx_tensor *const *params, int n, const char *prefix,
                  double tol)
{
    vx_tensor **want = calloc((size_t)n, sizeof *want);
    double *scale = calloc((size_t)n, sizeof *scale);
    ck_assert(n == 0 || (want && scale));
    char key[256];
    for (int i = 0; i < n; i++) {
        snprintf(key, sizeof key, "%s%s", prefix, params[i]->name);
        want[i] = fixture(ctx, f, key);
        scale[i] = max_abs(want[i]);
    }
    for (int i = 0; i < n; i++) {
        double s = 0;
        size_t li = layer_len(params[i]->name);
        for (int j = 0; j < n; j++)
            if (layer_len(params[j]->name) == li && strncmp(params[i]->name, params[j]->name, li) == 0)
                s = fmax(s, scale[j]);
        snprintf(key, sizeof key, "%s%s", prefix, params[i]->name);
        assert_close_scaled(params[i]->grad, want[i], tol, s, key);
    }
    free(want);
    free(scale);
}

vx_tensor *find_param(vx_tensor *const *params, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(params[i]->name, name) == 0)
            return params[i];
    ck_abort_msg("no parameter %s", name);
    return NULL;
}
