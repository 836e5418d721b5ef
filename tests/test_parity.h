/* test_parity.h — comparing voxc tensors with a PyTorch fixture file
 * (safetensors written by a parity script in tests/ref/): fixture tensors,
 * scaled closeness and per-layer gradient checks, shared by the model suites.
 * Every helper fails the current test (ck_assert) instead of returning an error. */
#ifndef VX_TEST_PARITY_H
#define VX_TEST_PARITY_H

#include "core/vx.h"
#include "nn/safetensors.h"

/* The fixture file at path, open (close it with vx_st_close). */
vx_st_file *parity_open(const char *path);

/* Tensor `name` of the fixture, in ctx's arena. */
vx_tensor *fixture(vx_ctx *ctx, vx_st_file *f, const char *name);

/* max |t[i]| (0 for an empty tensor). */
double max_abs(const vx_tensor *t);

/* max |got − want| ≤ tol · scale (both read as f32, same element count; a
 * NaN in either fails). `what` names the tensor in the message. */
void assert_close_scaled(const vx_tensor *got, const vx_tensor *want, double tol, double scale,
                         const char *what);

/* max |got − want| ≤ tol · max |want|. */
void assert_close_tensor(const vx_tensor *got, const vx_tensor *want, double tol, const char *what);

/* Every parameter's gradient against the fixture tensor `prefix` + name,
 * within tol of the largest reference gradient of its layer (the name up to
 * its last '.'): a gradient can be tiny or exactly 0 where its terms are not
 * (weight-norm g, a bias that softmax ignores), and float32 sums carry errors
 * relative to the terms, not to the result. */
void assert_grads(vx_ctx *ctx, vx_st_file *f, vx_tensor *const *params, int n, const char *prefix,
                  double tol);

/* The parameter called name (fails the test when there is none). */
vx_tensor *find_param(vx_tensor *const *params, int n, const char *name);

#endif
