/* hifigan_loop.c — HiFi-GAN training runs (hifigan_loop.h). */
#include "train/hifigan_loop.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/threads.h"
#include "models/piper_import.h"
#include "nn/safetensors.h"
#include "train/batch.h"
#include "train/checkpoint.h"
#include "train/hifigan_json.h"
#include "train/hifigan_piper.h"
#include "train/loader.h"
#include "train/log.h"
#include "train/run_common.h"
#include "train/stop.h"

#define PATH_BUF 4096

struct vx_hifigan_trainer {
    vx_hifigan_run_opts o;
    vx_run_state run;                   /* the run folder, step and checkpoints */
    vx_dataset *ds;
    vx_feature_cache *cache;
    int *train_idx, *val_idx;           /* cache clip indices */
    vx_ctx *ctx;
    vx_hifigan *gen;
    vx_hifigan_disc *mpd, *msd;
    vx_hifigan_gan *gan;
    vx_tensor **state;                  /* everything a checkpoint holds */
    int n_state;
    char *config_json;
    vx_segment_sampler *sampler;
    vx_logmel *val_mel;                 /* the loss mel, for validation */
    vx_hifigan_trainer_info info;
};

vx_hifigan_run_opts vx_hifigan_run_defaults(void)
{
    vx_hifigan_run_opts o = {
        .config_name = "v1",
        .disc = vx_hifigan_disc_config_default(),
        .train = vx_hifigan_train_config_default(),
        .batch = 16,
        .segment = 8192,
        .val_every = 1000,
        .ckpt_every = 1000,
        .keep = 2,
        .seed = 1234,
        .val_fraction = 0.05,
        .loader_depth = 2,
    };
    vx_hifigan_config_named("v1", &o.gen);
    return o;
}

/* --- setup -------------------------------------------------------------------------- */

static vx_status check_opts(const vx_hifigan_run_opts *o)
{
    if (!o->data || !o->run_dir)
        return vx_fail(VX_ERR_ARG, "hifigan run: give the corpus (--data) and the run folder (--out)");
    if (o->steps < 0 || o->batch < 1 || o->segment < 1 || o->threads < 0 || o->val_every < 0 ||
        o->ckpt_every < 0 || o->loader_depth < 0 || o->val_max_clips < 0)
        return vx_fail(VX_ERR_ARG, "hifigan run: steps %lld, batch %d, segment %d, threads %d, "
                       "val-every %lld, ckpt-every %lld, val clips %d; use steps >= 0, batch and "
                       "segment >= 1, the rest >= 0", (long long)o->steps, o->batch, o->segment,
                       o->threads, (long long)o->val_every, (long long)o->ckpt_every, o->val_max_clips);
    if (!(o->val_fraction >= 0 && o->val_fraction < 1))
        return vx_fail(VX_ERR_ARG, "hifigan run: validation fraction %g; use 0 <= f < 1", o->val_fraction);
    if (!(o->train.optim.lr > 0))
        return vx_fail(VX_ERR_ARG, "hifigan run: learning rate %g; use > 0", o->train.optim.lr);
    if (o->init_ckpt && o->init_piper)
        return vx_fail(VX_ERR_ARG, "hifigan run: give --init or --init-from-piper, not both");
    int hop = vx_hifigan_hop(&o->gen);
    if (o->segment % hop)
        return vx_fail(VX_ERR_ARG, "hifigan run: segment %d is not a multiple of the generator's "
                       "hop (%d samples)", o->segment, hop);
    return VX_OK;
}

/* Train/validation clip lists from the hash split of the cached clips. */
static vx_status split_clips(vx_hifigan_trainer *t)
{
    int n = vx_feature_cache_count(t->cache);
    const char **ids = malloc((size_t)n * sizeof *ids);
    bool *is_val = malloc((size_t)n * sizeof *is_val);
    t->train_idx = malloc((size_t)n * sizeof *t->train_idx);
    t->val_idx = malloc((size_t)n * sizeof *t->val_idx);
    vx_status st = ids && is_val && t->train_idx && t->val_idx ? VX_OK
                                                               : vx_fail(VX_ERR_OOM, "hifigan run: out of memory");
    if (st == VX_OK) {
        for (int i = 0; i < n; i++)
            ids[i] = vx_feature_cache_at(t->cache, i)->id;
        vx_split_ids(ids, n, t->o.val_fraction, is_val);
        for (int i = 0; i < n; i++) {
            if (!is_val[i])
                t->train_idx[t->info.n_train++] = i;
            else if (t->o.val_max_clips == 0 || t->info.n_val < t->o.val_max_clips)
                t->val_idx[t->info.n_val++] = i;
        }
        t->info.n_clips = n;
        if (t->info.n_train == 0)
            st = vx_fail(VX_ERR_ARG, "%s: no clip is left for training (%d usable, %d held out)",
                         t->o.data, n, t->info.n_val);
    }
    free(ids);
    free(is_val);
    return st;
}

/* The generator config object and the training settings as JSON. */
static char *config_json(const vx_hifigan_trainer *t, bool generator_only)
{
    const vx_hifigan_run_opts *o = &t->o;
    char *s = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&s, &len);
    if (!f)
        return NULL;
    if (generator_only) {
        vx_hifigan_config_write_json(f, &o->gen, &o->disc);
    } else {
        fputs("{\"model\":\"hifigan\",\"config\":", f);
        vx_json_write_string(f, o->config_name ? o->config_name : "", strlen(o->config_name ? o->config_name : ""));
        fputs(",\"generator\":", f);
        vx_hifigan_config_write_json(f, &o->gen, &o->disc);
        fprintf(f, ",\"train\":{\"batch\":%d,\"segment\":%d,\"lr\":%.17g,\"adam_b1\":%.17g,"
                "\"adam_b2\":%.17g,\"weight_decay\":%.17g,\"lr_decay\":%.17g,\"steps_per_epoch\":%lld,"
                "\"seed\":%llu,\"val_fraction\":%.17g},\"data\":", o->batch, o->segment,
                o->train.optim.lr, o->train.optim.beta1, o->train.optim.beta2,
                o->train.optim.weight_decay, o->train.lr_decay, (long long)t->info.steps_per_epoch,
                (unsigned long long)o->seed, o->val_fraction);
        vx_json_write_string(f, o->data, strlen(o->data));
        fputc('}', f);
    }
    if (fclose(f) != 0)
        return NULL;
    return s;
}

static vx_status collect_state(vx_hifigan_trainer *t)
{
    vx_tensor *const *lists[5];
    int counts[5], total = 0;
    counts[0] = vx_hifigan_params(t->gen, &lists[0]);
    counts[1] = vx_hifigan_disc_params(t->mpd, &lists[1]);
    counts[2] = vx_hifigan_disc_buffers(t->mpd, &lists[2]);
    counts[3] = vx_hifigan_disc_params(t->msd, &lists[3]);
    counts[4] = vx_hifigan_disc_buffers(t->msd, &lists[4]);
    for (int i = 0; i < 5; i++)
        total += counts[i];
    t->state = malloc((size_t)total * sizeof *t->state);
    if (!t->state)
        return vx_fail(VX_ERR_OOM, "hifigan run: out of memory");
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < counts[i]; j++)
            t->state[t->n_state++] = lists[i][j];
    for (int i = 0; i < counts[0]; i++)
        t->info.params_g += vx_numel(lists[0][i]);
    for (int i = 0; i < counts[1]; i++)
        t->info.params_d += vx_numel(lists[1][i]);
    for (int i = 0; i < counts[3]; i++)
        t->info.params_d += vx_numel(lists[3][i]);
    return VX_OK;
}

static vx_ckpt make_ckpt(vx_hifigan_trainer *t, vx_ckpt_optim optims[2])
{
    optims[0] = (vx_ckpt_optim){"g", vx_hifigan_gan_optim_g(t->gan)};
    optims[1] = (vx_ckpt_optim){"d", vx_hifigan_gan_optim_d(t->gan)};
    return (vx_ckpt){.tensors = t->state, .n_tensors = t->n_state, .optims = optims, .n_optims = 2,
                     .step = t->run.step, .rng = vx_ctx_rng(t->ctx), .config = t->config_json};
}

/* The "generator" object of a checkpoint's config, re-serialised (malloc'd). */
static char *saved_generator_json(const char *path, char **train_json)
{
    vx_st_file *f = vx_st_open(path);
    if (!f)
        return NULL;
    vx_json *j = vx_run_saved_config(f, path);
    const vx_json *g = j ? vx_json_get(j, "generator") : NULL;
    vx_hifigan_config gc;
    vx_hifigan_disc_config dc;
    char *out = NULL;
    size_t len = 0;
    if (j && vx_hifigan_config_from_json(g, path, &gc, &dc) == VX_OK) {
        FILE *m = open_memstream(&out, &len);
        if (m) {
            vx_hifigan_config_write_json(m, &gc, &dc);
            fclose(m);
        }
        const vx_json *tr = vx_json_get(j, "train");
        *train_json = NULL;
        if (tr && (m = open_memstream(train_json, &len))) {
            fprintf(m, "batch %g, segment %g, lr %g, seed %g", vx_json_get_number(tr, "batch", 0),
                    vx_json_get_number(tr, "segment", 0), vx_json_get_number(tr, "lr", 0),
                    vx_json_get_number(tr, "seed", 0));
            fclose(m);
        }
    }
    vx_json_free(j);
    vx_st_close(f);
    return out;
}

static vx_status resume(vx_hifigan_trainer *t, const char *path)
{
    char *saved_train = NULL;
    char *saved = saved_generator_json(path, &saved_train);
    char *mine = config_json(t, true);
    vx_status st = VX_OK;
    if (!saved)
        st = vx_fail(vx_last_status() ? vx_last_status() : VX_ERR_FORMAT, "%s: cannot resume: %s", path,
                     vx_last_error());
    else if (!mine)
        st = vx_fail(VX_ERR_OOM, "hifigan run: out of memory");
    else if (strcmp(saved, mine) != 0)
        st = vx_fail(VX_ERR_ARG, "%s holds a run of another model:\n  saved: %s\n  asked: %s\nuse the "
                     "same --config to resume, or another --out for a new run", t->o.run_dir, saved, mine);
    if (st == VX_OK) {
        vx_ckpt_optim optims[2];
        vx_ckpt ck = make_ckpt(t, optims);
        st = vx_run_resume_from(&t->run, path, &ck);
        if (st == VX_OK && saved_train)
            vx_run_note(t->o.log, "resuming from %s (step %lld; it was trained with %s)", path,
                        (long long)ck.step, saved_train);
    }
    free(saved);
    free(saved_train);
    free(mine);
    return st;
}

/* Weights of another checkpoint: the generator's (required) and the
 * discriminators' when it has them all. */
static vx_status init_from_checkpoint(vx_hifigan_trainer *t, const char *path)
{
    vx_tensor *const *gp;
    int ng = vx_hifigan_params(t->gen, &gp);
    vx_status st = vx_ckpt_load_tensors(path, gp, ng);
    if (st != VX_OK)
        return vx_fail(st, "--init: %s", vx_last_error());
    vx_st_file *f = vx_st_open(path);
    if (!f)
        return vx_last_status();
    bool has_d = true;
    for (int i = ng; i < t->n_state && has_d; i++)
        has_d = vx_st_find(f, t->state[i]->name) != NULL;
    vx_st_close(f);
    if (has_d && (st = vx_ckpt_load_tensors(path, t->state + ng, t->n_state - ng)) != VX_OK)
        return vx_fail(st, "--init: %s", vx_last_error());
    vx_run_note(t->o.log, "initialised the generator%s from %s", has_d ? " and the discriminators" : "", path);
    return VX_OK;
}

static vx_status init_from_piper(vx_hifigan_trainer *t, const char *voice_path)
{
    vx_piper_voice *v = vx_piper_import(voice_path, NULL);
    if (!v)
        return vx_fail(vx_last_status(), "--init-from-piper: %s", vx_last_error());
    vx_hifigan_config want;
    vx_status st = vx_hifigan_config_from_piper(&v->config, t->o.gen.n_mels, &want);
    if (st == VX_OK && memcmp(&want, &t->o.gen, sizeof want) != 0) {
        char *s = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&s, &len);
        if (m) {
            vx_hifigan_config_write_json(m, &want, NULL);
            fclose(m);
        }
        st = vx_fail(VX_ERR_ARG, "--init-from-piper: the decoder of %s is %s, which is not the "
                     "generator asked for (--config %s); Piper medium voices need --config v3",
                     voice_path, s ? s : "another shape", t->o.config_name ? t->o.config_name : "?");
        free(s);
    }
    int copied = 0;
    if (st == VX_OK)
        st = vx_hifigan_init_from_piper(t->gen, v, &copied);
    if (st == VX_OK)
        vx_run_note(t->o.log, "initialised the generator from the decoder of %s (%d tensors; conv_pre is "
                    "new)", voice_path, copied);
    vx_piper_free(v);
    return st;
}

vx_hifigan_trainer *vx_hifigan_trainer_new(const vx_hifigan_run_opts *o, vx_data_report *report)
{
    if (!o)
        return vx_fail_null(VX_ERR_ARG, "hifigan run: options are NULL");
    if (check_opts(o) != VX_OK)
        return NULL;
    vx_hifigan_trainer *t = calloc(1, sizeof *t);
    if (!t)
        return vx_fail_null(VX_ERR_OOM, "hifigan run: out of memory");
    t->o = *o;
    vx_run_state_init(&t->run, o->run_dir, o->keep, o->log);
    if (o->threads > 0)
        vx_threads_set(o->threads);
    vx_status st = vx_run_open_corpus(&t->run, o->data, o->cache_dir, report, &t->ds, &t->cache, &t->info.cache);
    if (st == VX_OK) {
        const vx_logmel_cfg *mc = vx_feature_cache_mel_cfg(t->cache);
        if (vx_hifigan_hop(&o->gen) != mc->stft.hop || o->gen.n_mels != mc->mel.n_mels)
            st = vx_fail(VX_ERR_ARG, "hifigan run: the generator takes %d mels and upsamples %dx, but "
                         "the features have %d mels every %d samples", o->gen.n_mels,
                         vx_hifigan_hop(&o->gen), mc->mel.n_mels, mc->stft.hop);
    }
    if (st == VX_OK)
        st = split_clips(t);
    if (st == VX_OK && !(t->ctx = vx_ctx_new((vx_ctx_opts){.seed = o->seed})))
        st = vx_last_status();
    if (st == VX_OK && (!(t->gen = vx_hifigan_new(t->ctx, &o->gen)) ||
                        !(t->mpd = vx_hifigan_mpd_new(t->ctx, &o->disc)) ||
                        !(t->msd = vx_hifigan_msd_new(t->ctx, &o->disc))))
        st = vx_last_status();
    if (st == VX_OK && !(t->sampler = vx_segment_sampler_new(t->cache, t->train_idx, t->info.n_train,
                                                             o->batch, o->segment, o->seed)))
        st = vx_last_status();
    if (st == VX_OK) {
        t->info.steps_per_epoch = vx_segment_batches_per_epoch(t->sampler);
        t->o.train.steps_per_epoch = t->info.steps_per_epoch;
        if (!(t->gan = vx_hifigan_gan_new(t->ctx, t->gen, t->mpd, t->msd, &t->o.train)))
            st = vx_last_status();
    }
    if (st == VX_OK)
        st = collect_state(t);
    if (st == VX_OK && !(t->config_json = config_json(t, false)))
        st = vx_fail(VX_ERR_OOM, "hifigan run: out of memory");
    if (st == VX_OK && !(t->val_mel = vx_logmel_new(&o->train.loss_mel)))
        st = vx_last_status();
    if (st == VX_OK && vx_run_can_resume(&t->run)) {
        char path[PATH_BUF];
        st = vx_ckpt_latest(o->run_dir, path, sizeof path);
        if (st == VX_OK)
            st = resume(t, path);
        if (st == VX_OK) {
            t->info.resumed = true;
            if (o->init_ckpt || o->init_piper)
                vx_run_note(t->o.log, "note: %s is ignored: the run resumes",
                            o->init_ckpt ? "--init" : "--init-from-piper");
        }
    } else if (st == VX_OK && o->init_ckpt) {
        st = init_from_checkpoint(t, o->init_ckpt);
        snprintf(t->run.started_from, sizeof t->run.started_from, "%s", o->init_ckpt);
    } else if (st == VX_OK && o->init_piper) {
        st = init_from_piper(t, o->init_piper);
        snprintf(t->run.started_from, sizeof t->run.started_from, "%s", o->init_piper);
    }
    t->info.start_step = t->run.step;
    t->info.started_from = t->run.started_from;
    if (st != VX_OK) {
        vx_hifigan_trainer_free(t);
        return NULL;
    }
    return t;
}

void vx_hifigan_trainer_free(vx_hifigan_trainer *t)
{
    if (!t)
        return;
    vx_logmel_free(t->val_mel);
    vx_segment_sampler_free(t->sampler);
    vx_hifigan_gan_free(t->gan);
    vx_hifigan_disc_free(t->mpd);
    vx_hifigan_disc_free(t->msd);
    vx_hifigan_free(t->gen);
    vx_ctx_free(t->ctx);
    vx_feature_cache_close(t->cache);
    vx_dataset_free(t->ds);
    free(t->train_idx);
    free(t->val_idx);
    free(t->state);
    free(t->config_json);
    free(t);
}

const vx_hifigan_trainer_info *vx_hifigan_trainer_get_info(const vx_hifigan_trainer *t)
{
    return t ? &t->info : NULL;
}

vx_hifigan *vx_hifigan_trainer_generator(vx_hifigan_trainer *t) { return t ? t->gen : NULL; }

/* --- validation ---------------------------------------------------------------------- */

/* Mean |log-mel(G(mel)) − log-mel(audio)| of one clip. */
static vx_status validate_clip(vx_hifigan_trainer *t, const vx_clip_features *cf, double *l1)
{
    vx_ctx *ctx = t->ctx;
    vx_ctx_reset(ctx);
    int n_mels = t->o.gen.n_mels, hop = vx_hifigan_hop(&t->o.gen);
    int64_t T = cf->n_frames, n = T * hop;
    vx_tensor *mel = vx_new(ctx, VX_F32, 3, (int64_t[]){1, n_mels, T});   /* [1, n_mels, T] */
    if (!mel)
        return vx_last_status();
    float *m = mel->data;
    for (int64_t f = 0; f < T; f++)
        for (int c = 0; c < n_mels; c++)
            m[c * T + f] = cf->mel[f * n_mels + c];
    vx_tensor *y = vx_hifigan_forward(ctx, t->gen, mel);                  /* [1, 1, T·hop] */
    if (!y)
        return vx_last_status();
    float *y_hat = malloc(sizeof(float) * (size_t)n);
    int64_t fa = 0, fb = 0;
    float *ma = NULL, *mb = NULL;
    vx_status st = VX_OK;
    if (!y_hat) {
        st = vx_fail(VX_ERR_OOM, "validation: out of memory");
    } else {
        vx_copy_to_f32(y, y_hat);
        ma = vx_logmel_alloc(t->val_mel, cf->audio, n, &fa);
        mb = ma ? vx_logmel_alloc(t->val_mel, y_hat, n, &fb) : NULL;
        if (!mb)
            st = vx_last_status();
    }
    if (st == VX_OK) {
        int n_loss_mels = t->o.train.loss_mel.mel.n_mels;
        double sum = 0;
        for (int64_t i = 0; i < fa * n_loss_mels; i++)
            sum += fabs((double)ma[i] - (double)mb[i]);
        *l1 = sum / (double)(fa * n_loss_mels);
    }
    free(ma);
    free(mb);
    free(y_hat);
    return st;
}

double vx_hifigan_trainer_validate(vx_hifigan_trainer *t)
{
    if (!t || t->info.n_val == 0) {
        vx_fail(VX_ERR_ARG, "validation: no validation clip (raise the validation fraction)");
        return NAN;
    }
    bool grad = vx_set_grad_enabled(t->ctx, false), training = vx_set_training(t->ctx, false);
    double total = 0;
    vx_status st = VX_OK;
    for (int i = 0; i < t->info.n_val && st == VX_OK; i++) {
        double l1 = 0;
        st = validate_clip(t, vx_feature_cache_at(t->cache, t->val_idx[i]), &l1);
        total += l1;
    }
    vx_ctx_reset(t->ctx);
    vx_set_grad_enabled(t->ctx, grad);
    vx_set_training(t->ctx, training);
    return st == VX_OK ? total / t->info.n_val : NAN;
}

/* --- the loop ------------------------------------------------------------------------ */

static vx_status save_checkpoint(vx_hifigan_trainer *t)
{
    vx_ckpt_optim optims[2];
    vx_ckpt ck = make_ckpt(t, optims);
    return vx_run_save(&t->run, &ck);
}

/* The progress line (train/run_common.h). */
static void progress(const vx_hifigan_trainer *t, const vx_hifigan_losses *l, double val, double rate)
{
    vx_log_value v[4] = {{"loss_g", l->gen_all}, {"loss_d", l->disc_all}, {"mel", l->mel}, {"val_mel", val}};
    vx_run_progress(t->o.log, t->run.step, t->o.steps, v, isnan(val) ? 3 : 4, rate);
}

/* After a NaN/Inf at step t->run.step + 1: keep or save the last good state and
 * say where it is. */
static vx_status numeric_failure(vx_hifigan_trainer *t, int64_t d_steps_before)
{
    char why[1024];
    snprintf(why, sizeof why, "%s", vx_last_error());
    int64_t bad = t->run.step + 1;
    bool untouched = vx_optim_steps(vx_hifigan_gan_optim_d(t->gan)) == d_steps_before;
    if (untouched && t->run.saved_step != t->run.step && save_checkpoint(t) != VX_OK)
        return vx_fail(VX_ERR_NUMERIC, "step %lld: %s; saving the last good state failed too: %s",
                       (long long)bad, why, vx_last_error());
    if (untouched || t->run.saved_step >= 0)
        return vx_fail(VX_ERR_NUMERIC, "step %lld: %s; the run stopped; the last good checkpoint is %s "
                       "(step %lld)", (long long)bad, why, t->run.checkpoint, (long long)t->run.saved_step);
    return vx_fail(VX_ERR_NUMERIC, "step %lld: %s; the run stopped; the discriminator was already "
                   "updated in this step and no earlier checkpoint exists", (long long)bad, why);
}

/* One training step on batch k = t->run.step. */
static vx_status train_step(vx_hifigan_trainer *t, vx_batch *b, vx_hifigan_losses *l)
{
    vx_ctx_reset(t->ctx);
    vx_tensor *mel = vx_wrap(t->ctx, VX_F32, 3, (int64_t[]){b->size, b->n_mels, b->frames}, b->mel);
    vx_tensor *y = vx_wrap(t->ctx, VX_F32, 3, (int64_t[]){b->size, 1, b->samples}, b->audio);
    if (!mel || !y)
        return vx_last_status();
    return vx_hifigan_gan_step(t->ctx, t->gan, mel, y, l);
}

static vx_status log_step(vx_hifigan_trainer *t, vx_trainlog *lg, const vx_hifigan_losses *l, double lr,
                          double val)
{
    vx_log_value v[] = {
        {"loss_g", l->gen_all}, {"loss_d", l->disc_all}, {"loss_mel", l->mel},
        {"gen_f", l->gen_f},    {"gen_s", l->gen_s},     {"fm_f", l->fm_f},
        {"fm_s", l->fm_s},      {"disc_f", l->disc_f},   {"disc_s", l->disc_s},
        {"grad_norm_g", l->grad_norm_g}, {"grad_norm_d", l->grad_norm_d}, {"lr", lr},
        {"loss_val_mel", val},
    };
    int n = (int)(sizeof v / sizeof v[0]);
    return vx_trainlog_step(lg, t->run.step, v, isnan(val) ? n - 1 : n);
}

vx_status vx_hifigan_trainer_run(vx_hifigan_trainer *t, vx_hifigan_run_result *r)
{
    if (!t || !r)
        return vx_fail(VX_ERR_ARG, "hifigan run: needs a trainer and a result");
    memset(r, 0, sizeof *r);
    r->val_mel = NAN;
    const vx_hifigan_run_opts *o = &t->o;
    vx_run_state *run = &t->run;
    vx_run_loop loop;
    if (vx_run_loop_open(&loop, run, o->steps) != VX_OK)
        return vx_last_status();
    vx_loader *ld = NULL;
    vx_batch sync_batch = {0};
    vx_status st = VX_OK;
    if (o->loader_depth > 0 && run->step < o->steps &&
        !(ld = vx_loader_start(vx_segment_fill, t->sampler, run->step, o->loader_depth)))
        st = vx_last_status();
    if (st == VX_OK)
        st = vx_stop_install();
    vx_run_loop_start(&loop, run);
    while (st == VX_OK && run->step < o->steps && !vx_stop_requested()) {
        vx_batch *b = &sync_batch;
        st = ld ? vx_loader_next(ld, &b) : vx_segment_fill(t->sampler, run->step, b);
        if (st != VX_OK)
            break;
        vx_optim *og = vx_hifigan_gan_optim_g(t->gan);
        double lr = vx_optim_lr(og, 0);
        int64_t d_steps = vx_optim_steps(vx_hifigan_gan_optim_d(t->gan));
        vx_hifigan_losses l;
        st = train_step(t, b, &l);
        if (ld)
            vx_loader_release(ld, b);
        if (st == VX_ERR_NUMERIC) {
            st = numeric_failure(t, d_steps);
            break;
        }
        if (st != VX_OK)
            break;
        run->step++;
        r->last = l;
        double val = NAN;
        if (vx_run_due(run->step, o->val_every) && t->info.n_val > 0) {
            val = vx_hifigan_trainer_validate(t);
            if (isnan(val))
                vx_run_note_validation_failed(o->log, run->step);
            else
                r->val_mel = val;
        }
        st = log_step(t, loop.jsonl, &l, lr, val);
        if (st != VX_OK)
            break;
        progress(t, &l, val, vx_run_loop_rate(&loop, run));
        if (vx_run_due(run->step, o->ckpt_every))
            st = save_checkpoint(t);
        if (st == VX_OK && o->on_step)
            o->on_step(o->user, run->step, &l);
    }
    vx_loader_stop(ld);
    vx_batch_free(&sync_batch);
    st = vx_run_loop_close(&loop, run, o->steps, st, &r->stopped, &r->signal);
    if (st == VX_OK && run->saved_step != run->step)
        st = save_checkpoint(t);
    r->step = run->step;
    snprintf(r->checkpoint, sizeof r->checkpoint, "%s", run->saved_step >= 0 ? run->checkpoint : "");
    return st;
}
