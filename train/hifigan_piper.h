/* hifigan_piper.h — start a HiFi-GAN generator from a Piper voice's decoder.
 *
 * A Piper (VITS) decoder is a HiFi-GAN generator fed by the VITS latent
 * instead of a mel: the same upsampling stack, resblocks and conv_post
 * (Piper's medium voices use HiFi-GAN V3's). Only conv_pre differs — latent
 * channels in (192) instead of 80 mels — so it keeps its fresh
 * initialisation; everything else is copied.
 *
 * Piper's ONNX export has weight norm folded into plain weights w; a
 * weight-normed layer w = g · v / ‖v‖ (norm over every dim but 0) gets
 * v = w and g = ‖w‖ per output slice, which gives back w exactly (a slice of
 * w that is all zero gets v = 1, g = 0). VITS's conv_post has no bias: the
 * generator's conv_post.bias is set to 0. A multi-speaker decoder's
 * conditioning layer (dec.cond) has no counterpart and is not used. */
#ifndef VX_TRAIN_HIFIGAN_PIPER_H
#define VX_TRAIN_HIFIGAN_PIPER_H

#include "models/hifigan.h"
#include "models/piper_import.h"

/* The generator config of the voice's decoder with `n_mels` mel channels in.
 * Fails (VX_ERR_UNSUPPORTED) when the decoder is not HiFi-GAN shaped (more
 * stages or kernels than the generator supports, upsampling padding other
 * than (kernel − rate) / 2, leaky-ReLU slopes other than 0.1 and 0.01). */
vx_status vx_hifigan_config_from_piper(const vx_vits_config *vc, int n_mels, vx_hifigan_config *out);

/* Copy the decoder's weights into generator `g` (which must still have
 * weight norm). Every weight but conv_pre's must be present in the voice with
 * the generator's shape; the error names the first that is not. Nothing is
 * changed on failure. *n_copied (may be NULL) receives the tensors set. */
vx_status vx_hifigan_init_from_piper(vx_hifigan *g, const vx_piper_voice *voice, int *n_copied);

#endif
