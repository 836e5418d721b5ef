/* gradcheck.h — finite-difference gradient checks for every differentiable op.
 *
 * A case names the registry op it checks, its f32 leaf inputs (shape and how
 * to initialise them) and a function that builds the output from the leaves
 * (it may make views, broadcast, or build integer inputs itself). The harness
 * draws fixed weights R, takes L = Σ R·out, compares autograd's dL/dx with
 * central differences computed in double, and reports the worst element.
 *
 * Each test file defines its cases as
 *     const gc_case gc_cases_FAMILY[] = { {...}, ..., {0} };
 * The Makefile collects every such table; test_gradcheck.c runs them all and
 * fails when a differentiable op in the registry has no case. */
#ifndef VX_GRADCHECK_H
#define VX_GRADCHECK_H

#include "core/vx.h"

typedef enum gc_init {
    GC_NORMAL,     /* N(0, 1)                                              */
    GC_POSITIVE,   /* U[0.5, 2]: log, sqrt, div denominators               */
    GC_AWAY,       /* ±U[0.1, 1]: away from the kink at 0                  */
    GC_CLAMP_SAFE, /* ±(U[0.1,0.25] ∪ U[0.35,1]): away from 0 and ±0.3     */
} gc_init;

typedef struct gc_input {
    int ndim;
    int64_t shape[VX_MAX_DIMS];
    gc_init init;
} gc_input;

typedef vx_tensor *(*gc_fn)(vx_ctx *ctx, vx_tensor **in);

typedef struct gc_case {
    const char *op;        /* registry name, e.g. "conv1d"                 */
    const char *desc;      /* what this case covers                        */
    gc_fn fn;
    int n_in;
    gc_input in[4];
    double tol;            /* 0: default (2e-2 relative to max(1, |grad|)) */
} gc_case;

typedef struct gc_result {
    bool ok;
    double max_err;        /* worst scaled error                            */
    char msg[256];         /* where it went wrong                           */
} gc_result;

gc_result gc_run(const gc_case *c);

#endif
