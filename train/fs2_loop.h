/* fs2_loop.h — FastSpeech2 training runs: data, model, resume, the step loop,
 * validation, checkpoints, logs and the model file for voxc-tts (the engine
 * behind `voxc-train fastspeech2`).
 *
 * A run folder RUN holds
 *   ckpt-<step>.safetensors, latest   checkpoints (train/checkpoint.h): the
 *                                     model's parameters and bins, the Adam
 *                                     state, the step, the RNG and the run's
 *                                     config JSON (below), which carries the
 *                                     pitch/energy statistics;
 *   model.safetensors                 the model for voxc-tts
 *                                     (models/fastspeech2_io.h), rewritten at
 *                                     every checkpoint when a teacher voice
 *                                     config is known (its phoneme map and
 *                                     espeak voice go into the file; the
 *                                     checkpoints keep them, so a resumed run
 *                                     needs no voice config);
 *   train.jsonl                       one line per step (train/log.h): loss,
 *                                     loss_mel, loss_postnet, loss_duration,
 *                                     loss_pitch, loss_energy, grad_norm, lr,
 *                                     frames (mel frames in the batch), and on
 *                                     validation steps loss_val,
 *                                     loss_val_mel, loss_val_postnet,
 *                                     loss_val_duration, loss_val_pitch,
 *                                     loss_val_energy;
 *   losses.svg                        the loss curves, redrawn at every checkpoint;
 *   cache/                            the feature cache unless another is given.
 * When RUN/latest exists the run resumes from it: the architecture must match
 * the one asked for, and the statistics saved with it are used (not
 * recomputed); batches depend only on the seed and the step, so a resumed run
 * computes exactly the steps the uninterrupted one would have.
 *
 * Data: train/fs2_data.h (targets, statistics over the training split, the
 * dataset.h split by id with val_fraction, length buckets of at most `batch`
 * utterances, shuffled per epoch).
 *
 * The step is models/fastspeech2.h vx_fs2_train_step (ming024 train.py):
 * dropout on, losses mel L1 + PostNet mel L1 + MSE of log(d + 1), pitch and
 * energy; global grad-norm clip; Adam with a Noam schedule whose peak (at the
 * end of warm-up) is `train.optim.lr`. Validation: the validation utterances
 * in length-ordered batches, teacher-forced as in training, dropout off, each
 * loss the mean over utterances of the batch means weighted by batch size.
 *
 * Stopping: SIGINT/SIGTERM (train/stop.h) end the run after the current step
 * with a checkpoint. A NaN/Inf loss or gradient ends it with VX_ERR_NUMERIC
 * naming the step and the loss terms; the failed step changed no weight, so
 * the state of the step before is checkpointed and named in the message.
 *
 * Checkpoint config JSON: {"model": "fastspeech2", "config": <name given>,
 * "fastspeech2": {vx_fs2_config_to_json, statistics included}, "train":
 * {batch, lr, warmup, adam_b1, adam_b2, eps, grad_clip, seed, val_fraction},
 * "data": <corpus path>, "phonemes": the model file's "phonemes" object as a
 * JSON string, or null}. */
#ifndef VX_TRAIN_FS2_LOOP_H
#define VX_TRAIN_FS2_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "models/fastspeech2.h"
#include "train/dataset.h"
#include "train/feature_cache.h"
#include "train/fs2_data.h"

typedef struct vx_fs2_run_opts {
    const char *data;            /* LJSpeech folder or filelist with phoneme columns   */
    const char *run_dir;         /* RUN                                                */
    const char *cache_dir;       /* NULL: RUN/cache                                    */
    const char *config_name;     /* recorded in checkpoints ("small", a file, ...)     */
    const char *voice_config;    /* the teacher's Piper .onnx.json for model.safetensors;
                                    NULL: DATA/voice.json when it exists, else the map a
                                    resumed run saved, else no model file is written (a
                                    note says so)                                      */
    vx_fs2_config model;         /* architecture; the statistics come from the data    */
    vx_fs2_train_config train;   /* Adam, Noam (optim.lr = the peak lr), grad clip     */
    int64_t steps;               /* total steps of the run                             */
    int batch;                   /* most utterances per batch                          */
    int threads;                 /* 0: the default (core/threads.h)                    */
    int64_t val_every;           /* validate every N steps (0: never)                  */
    int64_t ckpt_every;          /* checkpoint every N steps (0: only at the end)      */
    int keep;                    /* checkpoints kept (≤ 0: all)                        */
    uint64_t seed;               /* initial weights, dropout and batch order           */
    double val_fraction;         /* share of utterances held out (dataset.h split)     */
    FILE *log;                   /* progress line and notes (NULL: quiet)              */
    /* called after every completed step and its checkpoint, if one was due
     * (tests use it to interrupt runs) */
    void (*on_step)(void *user, int64_t step, const vx_fs2_losses *losses);
    void *user;
} vx_fs2_run_opts;

/* The recipe for `config`: "ljspeech" (ming024: Adam β (0.9, 0.98), eps
 * 1e-9, Noam warm-up 4000 with peak (256 · 4000)^−0.5 ≈ 9.9e-4, clip 1.0),
 * "small" (the same but warm-up 1000 and peak 1e-3, so that a CPU run of a
 * few thousand steps gets past the warm-up), or the path of a JSON file with
 * every vx_fs2_config field (models/fastspeech2_io.h vx_fs2_config_to_json;
 * its statistics are replaced by the data's; the ljspeech recipe scaled by
 * its hidden size). Then batch 16, 1000-step validation and checkpoint
 * intervals, keep 2, seed 1234, validation fraction 0.05; data, run_dir and
 * steps unset. */
vx_status vx_fs2_run_defaults(const char *config, vx_fs2_run_opts *o);

typedef struct vx_fs2_trainer vx_fs2_trainer;

typedef struct vx_fs2_trainer_info {
    int n_clips;                     /* usable cache clips                     */
    int n_utts, n_train, n_val;      /* with usable phoneme targets; the split */
    vx_cache_stats cache;
    vx_fs2_stats stats;              /* in use (the data's, or the checkpoint's
                                        when resuming)                         */
    int64_t start_step;              /* 0, or the step resumed from            */
    bool resumed;
    const char *started_from;        /* "scratch" or "RUN/ckpt-..."            */
    const char *voice_config;        /* where model.safetensors' phoneme map
                                        comes from, or NULL (none is written)  */
    int batches_per_epoch;
    int64_t params;                  /* trainable parameters                   */
} vx_fs2_trainer_info;

/* Read the corpus (problems go to `report`, may be NULL), build or reuse the
 * feature cache, compute targets and statistics, make the model and resume
 * or initialise it. NULL with the error set on failure. `o` is copied (its
 * strings must outlive the trainer). */
vx_fs2_trainer *vx_fs2_trainer_new(const vx_fs2_run_opts *o, vx_data_report *report);
void vx_fs2_trainer_free(vx_fs2_trainer *t);

const vx_fs2_trainer_info *vx_fs2_trainer_get_info(const vx_fs2_trainer *t);

typedef struct vx_fs2_run_result {
    int64_t step;                /* last completed step                              */
    bool stopped;                /* ended early by a signal or vx_stop_request       */
    int signal;                  /* SIGINT, SIGTERM, or 0                            */
    vx_fs2_losses last;          /* of the last step                                 */
    vx_fs2_losses val;           /* last validation (total NaN: none)                */
    double step_s;               /* mean seconds per step of this call (0: none)     */
    char checkpoint[4096];       /* newest checkpoint written ("" if none)           */
    char model_file[4096];       /* RUN/model.safetensors when written, else ""      */
} vx_fs2_run_result;

/* Train until `steps` or a stop request; the final state is checkpointed
 * (and exported). On a NaN/Inf see the top of this file. */
vx_status vx_fs2_trainer_run(vx_fs2_trainer *t, vx_fs2_run_result *r);

/* Validation losses of the current model (see the top of this file);
 * VX_ERR_ARG when there is no validation utterance. grad_norm is 0. */
vx_status vx_fs2_trainer_validate(vx_fs2_trainer *t, vx_fs2_losses *out);

/* The model and the data (for tests and tools). */
vx_fs2 *vx_fs2_trainer_model(vx_fs2_trainer *t);
const vx_fs2_data *vx_fs2_trainer_data(const vx_fs2_trainer *t);

#endif
