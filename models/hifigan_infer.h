/* hifigan_infer.h — HiFi-GAN inference: a generator (models/hifigan.h) run by
 * the fused decoder engine of the VITS voices (models/vits_decoder.c), which
 * is the same network: weight norm folded and every convolution's weight
 * packed for the GEMM once, at vx_hifigan_infer_new; activation, im2col,
 * bias and residual fused into one GEMM per column tile; long inputs decoded
 * in chunks of frames, so memory stays bounded by the chunk, not the input.
 *
 * The result matches vx_hifigan_forward (the op-API generator, kept as the
 * oracle) up to float rounding (tests/test_hifigan_infer.c). A generator the
 * engine cannot take (a kernel wider than its tiles allow) is run by
 * vx_hifigan_forward instead; vx_hifigan_infer_fallback says why. */
#ifndef VX_MODELS_HIFIGAN_INFER_H
#define VX_MODELS_HIFIGAN_INFER_H

#include <stdint.h>

#include "core/vx.h"
#include "models/hifigan.h"

typedef struct vx_hifigan_infer vx_hifigan_infer;

/* An inference engine for generator g (weight norm removed or not). The
 * weights are copied: later changes to g's parameters are not seen. g is
 * borrowed: keep it alive until vx_hifigan_infer_free (the fallback runs it).
 * NULL with the error set on bad arguments or out of memory. */
vx_hifigan_infer *vx_hifigan_infer_new(vx_hifigan *g);
void vx_hifigan_infer_free(vx_hifigan_infer *e);

const vx_hifigan_config *vx_hifigan_infer_config(const vx_hifigan_infer *e);

/* NULL when the fused engine runs the generator; otherwise why the op-API
 * generator runs it instead. */
const char *vx_hifigan_infer_fallback(const vx_hifigan_infer *e);

/* mel [B, n_mels, T] (T >= 1) -> audio [B, 1, T · hop] in (−1, 1), in ctx's
 * arena; no tape is recorded. */
vx_tensor *vx_hifigan_infer_forward(vx_ctx *ctx, const vx_hifigan_infer *e, vx_tensor *mel);

/* The same, decoding at most chunk_frames (>= 1) frames per pass; the
 * result does not depend on chunk_frames (the fallback ignores it). */
vx_tensor *vx_hifigan_infer_forward_chunked(vx_ctx *ctx, const vx_hifigan_infer *e, vx_tensor *mel,
                                            int64_t chunk_frames);

#endif
