/* checkpoint.h — training checkpoints as safetensors: weights, optimiser
 * state, step, RNG state and the run's JSON config; a rotating set of the
 * last K checkpoints in a run folder with a `latest` pointer.
 *
 * File layout (one .safetensors file, written atomically by vx_st_write):
 *   <name>                       every weight/buffer under its own name, so a
 *                                checkpoint is also a plain weights file;
 *   optim/<opt>/<param>/m, /v    optimiser moments (SGD momentum is m);
 * and in __metadata__ (string -> string):
 *   "format": "voxc-checkpoint-1", "step": decimal, "rng_seed", "rng_counter":
 *   decimal u64, "config": the JSON config string, "optim/<opt>": JSON
 *   {"kind": "adamw", "steps": N, "param_steps": {"<param>": k, ...}}.
 *
 * Run folders: RUN/ckpt-000100.safetensors, ... and RUN/latest, a one-line
 * text file naming the newest checkpoint, replaced atomically (temporary
 * file, fsync, rename, fsync of the folder) after the checkpoint is durable,
 * so a crash at any moment leaves `latest` naming a complete file. */
#ifndef VX_TRAIN_CHECKPOINT_H
#define VX_TRAIN_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"
#include "core/status.h"
#include "core/tensor.h"
#include "train/optim.h"

typedef struct vx_ckpt_optim {
    const char *name;  /* short key, e.g. "g" or "d" (no '/')          */
    vx_optim *optim;
} vx_ckpt_optim;

/* What a checkpoint holds. On save every field is read; on load tensors and
 * optimisers are filled in place (names and shapes must match) and step and
 * *rng are overwritten. */
typedef struct vx_ckpt {
    vx_tensor *const *tensors;   /* weights and buffers, unique names     */
    int n_tensors;
    const vx_ckpt_optim *optims; /* may be NULL when n_optims is 0        */
    int n_optims;
    int64_t step;                /* training step the state belongs to    */
    vx_rng *rng;                 /* NULL: not saved / not restored        */
    const char *config;          /* JSON text or NULL                     */
} vx_ckpt;

/* Write `ck` to `path` atomically. */
vx_status vx_ckpt_save(const char *path, const vx_ckpt *ck);

/* Restore `ck` from `path`: every tensor and optimiser entry must be present
 * with the same dtype and shape (the error names the first that is not);
 * tensors in the file that `ck` does not list are ignored. When `config` is
 * not NULL it receives a malloc'd copy of the saved config (NULL if none).
 * On failure nothing in `ck` has changed. */
vx_status vx_ckpt_load(const char *path, vx_ckpt *ck, char **config);

/* Load only the named tensors of `ck` (weights for --init); optimisers,
 * step and RNG are left alone. */
vx_status vx_ckpt_load_tensors(const char *path, vx_tensor *const *tensors, int n);

/* Save into RUN/ckpt-<step, 6+ digits>.safetensors, point RUN/latest at it,
 * then delete older checkpoints so that the new one and the keep_last − 1
 * newest others (by step) remain; keep_last ≤ 0 keeps all. RUN is created
 * when missing. When `written` is not NULL it receives the path. */
vx_status vx_ckpt_save_in_run(const char *run_dir, const vx_ckpt *ck, int keep_last,
                              char *written, size_t written_size);

/* Path of the checkpoint RUN/latest names, into buf. VX_ERR_IO (message
 * says so) when the run has no `latest` or it names a missing file. */
vx_status vx_ckpt_latest(const char *run_dir, char *buf, size_t bufsize);

#endif
