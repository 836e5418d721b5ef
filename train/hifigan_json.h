/* hifigan_json.h — HiFi-GAN model configs as JSON: read the authors' config
 * files (jik876/hifi-gan config_v1.json and the like) and write the same keys
 * into checkpoints, so `voxc-vocode` can rebuild the generator a checkpoint
 * was trained with.
 *
 * Generator keys (the reference's names):
 *   "resblock"                  "1" or "2" (a number is accepted too)
 *   "upsample_rates"            [8, 8, 2, 2]
 *   "upsample_kernel_sizes"     [16, 16, 4, 4]
 *   "upsample_initial_channel"  512
 *   "resblock_kernel_sizes"     [3, 7, 11]
 *   "resblock_dilation_sizes"   [[1, 3, 5], [1, 3, 5], [1, 3, 5]]
 *   "num_mels"                  80 (optional, default 80)
 * Discriminator keys (voxc's, optional; the published sizes by default):
 *   "mpd_periods" [2, 3, 5, 7, 11], "mpd_channels" [5 numbers],
 *   "mpd_kernel" 5, "mpd_stride" 3, "msd_channels" [7], "msd_groups" [7].
 * Other keys (learning rate, audio settings, ...) are ignored here.
 * vx_hifigan_load_generator rebuilds a trained generator for inference from
 * a checkpoint and this config. */
#ifndef VX_TRAIN_HIFIGAN_JSON_H
#define VX_TRAIN_HIFIGAN_JSON_H

#include <stdio.h>

#include "core/json.h"
#include "models/hifigan.h"

/* Read the keys above from object `j`; `what` names it in messages. The
 * result is checked with vx_hifigan_config_check. `disc` may be NULL. */
vx_status vx_hifigan_config_from_json(const vx_json *j, const char *what, vx_hifigan_config *gen,
                                      vx_hifigan_disc_config *disc);

/* "v1", "v2", "v3" (published generators and discriminators) or the path of
 * a JSON config file. */
vx_status vx_hifigan_config_load(const char *name_or_path, vx_hifigan_config *gen,
                                 vx_hifigan_disc_config *disc);

/* The keys above as one JSON object on one line (disc may be NULL: generator
 * keys only). */
void vx_hifigan_config_write_json(FILE *f, const vx_hifigan_config *gen,
                                  const vx_hifigan_disc_config *disc);

/* A generator with the weights of the checkpoint (or exported generator)
 * `path` — or, for a run folder, of the checkpoint its `latest` names —
 * weight-normed or plain, weight norm removed, ready for inference.
 * Its config: `config` ("v1", "v2", "v3" or a .json path) when not NULL,
 * else the file's metadata "config" -> "generator" (as voxc-train writes
 * it); `option` names the command-line option that gives a config, for the
 * message when the file has none ("--config"). NULL with the error set. */
vx_hifigan *vx_hifigan_load_generator(vx_ctx *ctx, const char *path, const char *config, const char *option);

#endif
