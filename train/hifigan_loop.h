/* hifigan_loop.h — HiFi-GAN training runs: data, models, resume, the step
 * loop, validation, checkpoints and logs (the engine behind
 * `voxc-train hifigan`).
 *
 * A run folder RUN holds
 *   ckpt-<step>.safetensors, latest   checkpoints (train/checkpoint.h): the
 *                                     generator, both discriminators (with
 *                                     spectral-norm buffers), both AdamW
 *                                     states, the step, the RNG and the run's
 *                                     config JSON (see below);
 *   train.jsonl                       one line per step (train/log.h): loss_g,
 *                                     loss_d, loss_mel (unweighted mel L1),
 *                                     gen_f, gen_s, fm_f, fm_s, disc_f, disc_s,
 *                                     grad_norm_g, grad_norm_d, lr, and
 *                                     loss_val_mel on validation steps;
 *   losses.svg                        the loss curves, redrawn at every checkpoint;
 *   cache/                            the feature cache unless another is given.
 * When RUN/latest exists the run resumes from it (same model config
 * required) and continues to `steps`; batches depend only on the seed and
 * the step (train/batch.h), so an interrupted run that resumes ends with the
 * weights of the uninterrupted one.
 *
 * The step is jik876/hifi-gan's (models/hifigan.h vx_hifigan_gan_step):
 * AdamW β (0.8, 0.99), lr decayed ×0.999 per epoch (epoch = train clips /
 * batch steps), LSGAN + 2 × feature matching + 45 × mel L1. Validation: every
 * validation clip whole, batch 1, generator in eval mode; the mean over clips
 * of the mean |log-mel(G(mel)) − log-mel(audio)| with the loss mel.
 *
 * Stopping: SIGINT/SIGTERM (train/stop.h) end the run after the current step
 * with a checkpoint. A NaN/Inf loss or gradient ends it with VX_ERR_NUMERIC
 * and a message naming the step and the tensor; when the failed step changed
 * no weight the state of the step before is saved as a checkpoint, otherwise
 * (the discriminator was already updated) the newest checkpoint on disk is
 * the last good one; the message says which file it is.
 *
 * Checkpoint config JSON: {"model": "hifigan", "config": <name given>,
 * "generator": {train/hifigan_json.h keys}, "train": {batch, segment, lr,
 * adam_b1, adam_b2, weight_decay, lr_decay, steps_per_epoch, seed,
 * val_fraction}, "data": <corpus path>}. */
#ifndef VX_TRAIN_HIFIGAN_LOOP_H
#define VX_TRAIN_HIFIGAN_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "models/hifigan.h"
#include "train/dataset.h"
#include "train/feature_cache.h"

typedef struct vx_hifigan_run_opts {
    const char *data;            /* LJSpeech folder or filelist                      */
    const char *run_dir;         /* RUN                                              */
    const char *cache_dir;       /* NULL: RUN/cache                                  */
    const char *config_name;     /* recorded in checkpoints ("v1", a file, ...)      */
    vx_hifigan_config gen;
    vx_hifigan_disc_config disc;
    vx_hifigan_train_config train; /* losses, AdamW (lr), decay; steps_per_epoch is
                                      derived from the data                          */
    const char *init_ckpt;       /* fresh runs: start from this checkpoint's weights */
    const char *init_piper;      /* fresh runs: start G from this Piper voice        */
    int64_t steps;               /* total steps of the run                           */
    int batch;                   /* B                                                */
    int segment;                 /* samples per item, a multiple of the hop          */
    int threads;                 /* 0: the default (core/threads.h)                  */
    int64_t val_every;           /* validate every N steps (0: never)                */
    int val_max_clips;           /* validate on at most N clips (0: all)             */
    int64_t ckpt_every;          /* checkpoint every N steps (0: only at the end)    */
    int keep;                    /* checkpoints kept (≤ 0: all)                      */
    uint64_t seed;               /* initial weights and batches                      */
    double val_fraction;         /* share of clips held out (train/dataset.h split)  */
    int loader_depth;            /* batches made ahead on a thread (0: none)         */
    FILE *log;                   /* progress line and notes (NULL: quiet)            */
    /* called after every completed step and its checkpoint, if one was due
     * (tests use it to interrupt runs) */
    void (*on_step)(void *user, int64_t step, const vx_hifigan_losses *losses);
    void *user;
} vx_hifigan_run_opts;

/* The recipe: v1 generator, published discriminators, batch 16, segment
 * 8192, 1000-step validation and checkpoint intervals, keep 2, seed 1234,
 * validation fraction 0.05, loader depth 2; data, run_dir and steps unset. */
vx_hifigan_run_opts vx_hifigan_run_defaults(void);

typedef struct vx_hifigan_trainer vx_hifigan_trainer;

typedef struct vx_hifigan_trainer_info {
    int n_clips, n_train, n_val;     /* usable clips and the split            */
    vx_cache_stats cache;
    int64_t start_step;              /* 0, or the step resumed from           */
    bool resumed;
    const char *started_from;        /* "scratch", "RUN/ckpt-...", the voice  */
    int64_t steps_per_epoch;
    int64_t params_g, params_d;      /* trainable parameters                  */
} vx_hifigan_trainer_info;

/* Read the corpus (problems go to `report`, may be NULL), build or reuse the
 * feature cache, make the models and resume or initialise them. NULL with
 * the error set on failure. `o` is copied (its strings must outlive the
 * trainer). */
vx_hifigan_trainer *vx_hifigan_trainer_new(const vx_hifigan_run_opts *o, vx_data_report *report);
void vx_hifigan_trainer_free(vx_hifigan_trainer *t);

const vx_hifigan_trainer_info *vx_hifigan_trainer_get_info(const vx_hifigan_trainer *t);

typedef struct vx_hifigan_run_result {
    int64_t step;                /* last completed step                              */
    bool stopped;                /* ended early by a signal or vx_stop_request       */
    int signal;                  /* SIGINT, SIGTERM, or 0                            */
    vx_hifigan_losses last;      /* of the last step                                 */
    double val_mel;              /* last validation mel L1 (NaN: none)               */
    char checkpoint[4096];       /* newest checkpoint written ("" if none)           */
} vx_hifigan_run_result;

/* Train until `steps` or a stop request; the final state is checkpointed.
 * On a NaN/Inf see the top of this file. */
vx_status vx_hifigan_trainer_run(vx_hifigan_trainer *t, vx_hifigan_run_result *r);

/* Validation mel L1 of the current generator (see the top of this file);
 * NaN with the error set on failure or when there is no validation clip. */
double vx_hifigan_trainer_validate(vx_hifigan_trainer *t);

/* The generator (for tests and tools: its weights, its config). */
vx_hifigan *vx_hifigan_trainer_generator(vx_hifigan_trainer *t);

#endif
