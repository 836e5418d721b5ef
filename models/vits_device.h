/* vits_device.h — VITS synthesis with the flow and the decoder on a compute
 * backend (hw/: "opencl", "cuda", or "cpu" = the op-level scalar reference).
 *
 * What runs where:
 *   text encoder, stochastic duration predictor (spline flows), length
 *   regulation and the prior noise: on the CPU, with the CPU path's own code
 *   (models/vits_*.c), explicitly;
 *   coupling flows (reverse) and the HiFi-GAN decoder: on the backend, op by
 *   op (conv1d, conv_transpose1d, leaky_relu, tanh, sigmoid, mul, add, sub,
 *   scale, index_select), weights uploaded once at load. An op the backend
 *   lacks falls back to the CPU with a warning (vx_backend_dispatch);
 *   vx_backend_set_strict(true) makes that an error.
 * The output equals vx_vits_synthesize's up to float rounding (the same
 * noise for the same seed). */
#ifndef VX_VITS_DEVICE_H
#define VX_VITS_DEVICE_H

#include "models/vits.h"

typedef struct vx_vits_device vx_vits_device;

/* Device copies of voice v's flow and decoder weights on backend `backend`.
 * `path` is the file v was loaded from (the CPU path keeps these weights
 * only packed for its GEMM, so they are read again). v must outlive the
 * result. NULL with the error set (e.g. "OpenCL not available: ..."). */
vx_vits_device *vx_vits_device_load(const vx_vits *v, const char *path, const char *backend);
void vx_vits_device_free(vx_vits_device *d);

/* The backend's name and device, e.g. "opencl (Portable Computing Language: cpu-haswell)". */
const char *vx_vits_device_describe(const vx_vits_device *d);

/* One line saying which parts run on the CPU and which on the backend. */
const char *vx_vits_device_placement(const vx_vits_device *d);

/* vx_vits_synthesize with the flow and decoder on the backend. ctx gets the
 * backend (a host context, or one already on the same backend); reset it
 * per sentence as usual (that also resets its device arena). The tensors of
 * *out are host-current. */
vx_status vx_vits_device_synthesize(const vx_vits_device *d, vx_ctx *ctx, const int64_t *ids, int64_t n_ids,
                                    const vx_vits_params *p, vx_vits_output *out);

#endif
