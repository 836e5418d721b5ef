/* fs2_loop.c — FastSpeech2 training runs (fs2_loop.h). */
#include "train/fs2_loop.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/json.h"
#include "core/read_file.h"
#include "core/threads.h"
#include "models/fastspeech2_io.h"
#include "nn/safetensors.h"
#include "train/checkpoint.h"
#include "train/log.h"
#include "train/run_common.h"
#include "train/stop.h"

#define PATH_BUF 4096

struct vx_fs2_trainer {
    vx_fs2_run_opts o;
    vx_run_state run;               /* the run folder, step and checkpoints */
    char model_path[PATH_BUF], voice_path[PATH_BUF];
    vx_dataset *ds;
    vx_feature_cache *cache;
    vx_fs2_data *data;
    vx_fs2_config cfg;              /* in use: architecture and statistics */
    vx_fs2_stats norm;              /* the statistics of cfg               */
    vx_ctx *ctx;
    vx_fs2 *model;
    vx_optim *optim;
    vx_tensor **state;              /* parameters and buffers: what a checkpoint holds */
    int n_state;
    char *config_json;
    vx_fs2_sampler *train_sampler, *val_sampler;
    vx_fs2_batch batch;
    vx_fs2_file_info file_info;     /* for model.safetensors               */
    bool exports;
    bool model_written;
    vx_fs2_trainer_info info;
};

vx_status vx_fs2_run_defaults(const char *config, vx_fs2_run_opts *o)
{
    if (!config || !o)
        return vx_fail(VX_ERR_ARG, "fastspeech2 run: give a config (small, ljspeech or a .json file)");
    vx_fs2_run_opts d = {
        .config_name = config,
        .steps = 0,
        .batch = 16,
        .val_every = 1000,
        .ckpt_every = 1000,
        .keep = 2,
        .seed = 1234,
        .val_fraction = 0.05,
    };
    vx_status st = VX_OK;
    if (strcmp(config, "small") == 0 || strcmp(config, "ljspeech") == 0) {
        st = vx_fs2_config_named(config, &d.model);
    } else {
        char *text;
        size_t len;
        if (access(config, F_OK) != 0)
            return vx_fail(VX_ERR_IO, "fastspeech2 config %s: not a named config (small, ljspeech) and no "
                           "such file", config);
        if (!(text = vx_read_file(config, 1 << 20, "fastspeech2 config", &len)))
            return vx_last_status();
        vx_json *j = vx_json_parse(text, len, config);
        st = j ? vx_fs2_config_from_json(j, config, &d.model) : vx_last_status();
        vx_json_free(j);
        free(text);
    }
    if (st != VX_OK)
        return st;
    d.train = vx_fs2_train_config_default(&d.model);
    if (strcmp(config, "small") == 0) {
        /* a CPU run of a few thousand steps: a shorter warm-up to ming024's peak lr */
        d.train.schedule.warmup = 1000;
        d.train.optim.lr = 1e-3;
    }
    *o = d;
    return VX_OK;
}

/* --- setup -------------------------------------------------------------------------- */

static vx_status check_opts(const vx_fs2_run_opts *o)
{
    if (!o->data || !o->run_dir)
        return vx_fail(VX_ERR_ARG, "fastspeech2 run: give the corpus (--data) and the run folder (--out)");
    if (o->steps < 0 || o->batch < 1 || o->threads < 0 || o->val_every < 0 || o->ckpt_every < 0)
        return vx_fail(VX_ERR_ARG, "fastspeech2 run: steps %lld, batch %d, threads %d, val-every %lld, "
                       "ckpt-every %lld; use steps >= 0, batch >= 1, the rest >= 0", (long long)o->steps,
                       o->batch, o->threads, (long long)o->val_every, (long long)o->ckpt_every);
    if (!(o->val_fraction >= 0 && o->val_fraction < 1))
        return vx_fail(VX_ERR_ARG, "fastspeech2 run: validation fraction %g; use 0 <= f < 1", o->val_fraction);
    if (!(o->train.optim.lr > 0))
        return vx_fail(VX_ERR_ARG, "fastspeech2 run: learning rate %g; use > 0", o->train.optim.lr);
    if (!(o->train.grad_clip >= 0))
        return vx_fail(VX_ERR_ARG, "fastspeech2 run: gradient clip %g; use >= 0 (0: none)", o->train.grad_clip);
    if (vx_schedule_check(&o->train.schedule) != VX_OK)
        return vx_fail(VX_ERR_ARG, "fastspeech2 run: %s", vx_last_error());
    return vx_fs2_config_check(&o->model);
}

static bool file_exists(const char *path) { return access(path, F_OK) == 0; }

static bool is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* Every phoneme id must index the embedding table. */
static vx_status check_ids(const vx_fs2_trainer *t)
{
    for (int i = 0; i < t->data->n_utts; i++) {
        const vx_fs2_utt *u = &t->data->utts[i];
        for (int p = 0; p < u->n_phonemes; p++)
            if (u->phoneme_ids[p] < 0 || u->phoneme_ids[p] >= t->o.model.n_vocab)
                return vx_fail(VX_ERR_FORMAT, "%s: clip %s has phoneme id %d; the model has ids 0..%d "
                               "(n_vocab)", t->o.data, u->id, (int)u->phoneme_ids[p], t->o.model.n_vocab - 1);
    }
    return VX_OK;
}

/* The run's config JSON (see the top of fs2_loop.h). */
static char *config_json(const vx_fs2_trainer *t)
{
    const vx_fs2_run_opts *o = &t->o;
    char *model = vx_fs2_config_to_json(&t->cfg);
    if (!model)
        return NULL;
    char *s = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&s, &len);
    if (!f) {
        free(model);
        return NULL;
    }
    const char *name = o->config_name ? o->config_name : "";
    fputs("{\"model\":\"fastspeech2\",\"config\":", f);
    vx_json_write_string(f, name, strlen(name));
    fprintf(f, ",\"fastspeech2\":%s,\"train\":{\"batch\":%d,\"lr\":%.17g,\"warmup\":%lld,\"adam_b1\":%.17g,"
            "\"adam_b2\":%.17g,\"eps\":%.17g,\"grad_clip\":%.17g,\"seed\":%llu,\"val_fraction\":%.17g},"
            "\"data\":", model, o->batch, o->train.optim.lr, (long long)o->train.schedule.warmup,
            o->train.optim.beta1, o->train.optim.beta2, o->train.optim.eps, o->train.grad_clip,
            (unsigned long long)o->seed, o->val_fraction);
    vx_json_write_string(f, o->data, strlen(o->data));
    fputs(",\"phonemes\":", f);
    if (t->exports)
        vx_json_write_string(f, t->file_info.phonemes, strlen(t->file_info.phonemes));
    else
        fputs("null", f);
    fputc('}', f);
    free(model);
    if (fclose(f) != 0)
        return NULL;
    return s;
}

/* What a checkpoint of a run holds besides tensors (see config_json). */
typedef struct saved_run {
    vx_fs2_config cfg;      /* architecture and statistics                        */
    char *train_note;       /* summary of its training settings (malloc'd or NULL) */
    char *phonemes;         /* the model file's "phonemes" object text (malloc'd or NULL) */
} saved_run;

static void saved_run_free(saved_run *r)
{
    free(r->train_note);
    free(r->phonemes);
    memset(r, 0, sizeof *r);
}

/* The run config saved in checkpoint `path`. */
static vx_status read_saved_run(const char *path, saved_run *out)
{
    memset(out, 0, sizeof *out);
    vx_st_file *f = vx_st_open(path);
    if (!f)
        return vx_last_status();
    vx_json *j = vx_run_saved_config(f, path);
    vx_status st = VX_OK;
    if (!j)
        st = vx_last_status();
    else if (strcmp(vx_json_get_string(j, "model", ""), "fastspeech2") != 0)
        st = vx_fail(VX_ERR_ARG, "%s holds a %s run, not fastspeech2; use another --out for a new run", path,
                     vx_json_get_string(j, "model", "unknown"));
    else
        st = vx_fs2_config_from_json(vx_json_get(j, "fastspeech2"), path, &out->cfg);
    const char *phonemes = j ? vx_json_get_string(j, "phonemes", NULL) : NULL;
    if (st == VX_OK && phonemes && !(out->phonemes = strdup(phonemes)))
        st = vx_fail(VX_ERR_OOM, "fastspeech2 run: out of memory");
    const vx_json *tr = j ? vx_json_get(j, "train") : NULL;
    size_t len = 0;
    FILE *m = st == VX_OK && tr ? open_memstream(&out->train_note, &len) : NULL;
    if (m) {
        fprintf(m, "batch %g, lr %g, warm-up %g, seed %g", vx_json_get_number(tr, "batch", 0),
                vx_json_get_number(tr, "lr", 0), vx_json_get_number(tr, "warmup", 0),
                vx_json_get_number(tr, "seed", 0));
        fclose(m);
    }
    vx_json_free(j);
    vx_st_close(f);
    if (st != VX_OK) {
        saved_run_free(out);
        return vx_fail(st, "cannot resume from %s: %s", path, vx_last_error());
    }
    return VX_OK;
}

/* Before the model is made: take the saved architecture and statistics when
 * the architecture matches the one asked for. */
static vx_status resume_config(vx_fs2_trainer *t, const vx_fs2_config *saved)
{
    vx_fs2_config asked = t->cfg;
    vx_fs2_stats keep = vx_fs2_stats_from_config(saved);
    vx_fs2_stats_apply(&keep, &asked);
    char *a = vx_fs2_config_to_json(&asked), *s = vx_fs2_config_to_json(saved);
    vx_status st = VX_OK;
    if (!a || !s)
        st = vx_last_status();
    else if (strcmp(a, s) != 0)
        st = vx_fail(VX_ERR_ARG, "%s holds a run of another model:\n  saved: %s\n  asked: %s\nuse the same "
                     "--config to resume, or another --out for a new run", t->o.run_dir, s, a);
    free(a);
    free(s);
    if (st == VX_OK)
        t->cfg = *saved;
    return st;
}

static vx_ckpt make_ckpt(vx_fs2_trainer *t, vx_ckpt_optim *optim)
{
    *optim = (vx_ckpt_optim){"adam", t->optim};
    return (vx_ckpt){.tensors = t->state, .n_tensors = t->n_state, .optims = optim, .n_optims = 1,
                     .step = t->run.step, .rng = vx_ctx_rng(t->ctx), .config = t->config_json};
}

static vx_status collect_state(vx_fs2_trainer *t)
{
    vx_tensor *const *params, *const *buffers;
    int np = vx_fs2_params(t->model, &params), nb = vx_fs2_buffers(t->model, &buffers);
    t->state = malloc((size_t)(np + nb) * sizeof *t->state);
    if (!t->state)
        return vx_fail(VX_ERR_OOM, "fastspeech2 run: out of memory");
    for (int i = 0; i < np; i++)
        t->state[t->n_state++] = params[i];
    for (int i = 0; i < nb; i++)
        t->state[t->n_state++] = buffers[i];
    t->info.params = vx_fs2_param_count(t->model);
    return VX_OK;
}

/* The phoneme map for model.safetensors: --voice-config, else DATA/voice.json
 * when the corpus has one, else what the resumed run saved (`saved`, may be
 * NULL). */
static vx_status voice_info(vx_fs2_trainer *t, const char *saved)
{
    char teacher[PATH_BUF + 64], guess[PATH_BUF];
    snprintf(teacher, sizeof teacher, "voxc-train fastspeech2 on %s", t->o.data);
    snprintf(guess, sizeof guess, "%s/voice.json", t->o.data);
    const char *path = t->o.voice_config ? t->o.voice_config : is_dir(t->o.data) && file_exists(guess) ? guess : NULL;
    if (!path && saved) {
        t->file_info.audio = *vx_feature_cache_mel_cfg(t->cache);
        t->file_info.phonemes = strdup(saved);
        t->file_info.teacher = strdup(teacher);
        if (!t->file_info.phonemes || !t->file_info.teacher)
            return vx_fail(VX_ERR_OOM, "fastspeech2 run: out of memory");
        snprintf(t->voice_path, sizeof t->voice_path, "the phoneme map saved with the run");
    } else if (!path) {
        vx_run_note(t->o.log, "note: no teacher voice config (--voice-config VOICE.onnx.json, or voice.json "
                    "in the corpus folder): no model.safetensors will be written; checkpoints are written as "
                    "usual");
        return VX_OK;
    } else {
        size_t len;
        char *text = vx_read_file(path, 1 << 24, "--voice-config", &len);
        vx_status st = text ? VX_OK : vx_last_status();
        if (st == VX_OK)
            st = vx_fs2_file_info_init(&t->file_info, vx_feature_cache_mel_cfg(t->cache), text, len, path, teacher);
        free(text);
        if (st != VX_OK)
            return st;
        snprintf(t->voice_path, sizeof t->voice_path, "%s", path);
    }
    t->info.voice_config = t->voice_path;
    t->exports = true;
    return VX_OK;
}

static vx_status setup_data(vx_fs2_trainer *t, vx_data_report *report)
{
    const vx_fs2_run_opts *o = &t->o;
    vx_status st = vx_run_open_corpus(&t->run, o->data, o->cache_dir, report, &t->ds, &t->cache, &t->info.cache);
    if (st == VX_OK && vx_feature_cache_mel_cfg(t->cache)->mel.n_mels != o->model.n_mels)
        st = vx_fail(VX_ERR_ARG, "fastspeech2 run: the model predicts %d mels but the features have %d",
                     o->model.n_mels, vx_feature_cache_mel_cfg(t->cache)->mel.n_mels);
    if (st == VX_OK && !(t->data = vx_fs2_data_new(t->cache, o->val_fraction, o->data, report)))
        st = vx_last_status();
    if (st == VX_OK)
        st = check_ids(t);
    if (st == VX_OK) {
        t->info.n_clips = vx_feature_cache_count(t->cache);
        t->info.n_utts = t->data->n_utts;
        t->info.n_train = t->data->n_train;
        t->info.n_val = t->data->n_val;
    }
    return st;
}

/* The model, optimiser and samplers; when resuming (saved not NULL) the
 * saved architecture and statistics and the checkpoint's state. */
static vx_status setup_model(vx_fs2_trainer *t, const saved_run *saved, const char *resume_path)
{
    const vx_fs2_run_opts *o = &t->o;
    t->cfg = o->model;
    vx_fs2_stats_apply(&t->data->stats, &t->cfg);
    vx_status st = saved ? resume_config(t, &saved->cfg) : VX_OK;
    t->norm = vx_fs2_stats_from_config(&t->cfg);
    t->info.stats = t->norm;
    t->info.stats.n_values = t->data->stats.n_values;
    t->info.stats.n_pitch_kept = t->data->stats.n_pitch_kept;
    t->info.stats.n_energy_kept = t->data->stats.n_energy_kept;
    if (st == VX_OK && !(t->ctx = vx_ctx_new((vx_ctx_opts){.seed = o->seed})))
        st = vx_last_status();
    if (st == VX_OK && !(t->model = vx_fs2_new(t->ctx, &t->cfg)))
        st = vx_last_status();
    if (st == VX_OK && !(t->optim = vx_fs2_optim_new(t->ctx, t->model, &o->train)))
        st = vx_last_status();
    if (st == VX_OK)
        st = collect_state(t);
    if (st == VX_OK && !(t->config_json = config_json(t)))
        st = vx_fail(VX_ERR_OOM, "fastspeech2 run: out of memory");
    if (st == VX_OK && !(t->train_sampler = vx_fs2_sampler_new(t->data, &t->norm, t->data->train,
                                                               t->data->n_train, o->batch, true, o->seed)))
        st = vx_last_status();
    if (st == VX_OK && t->data->n_val > 0 &&
        !(t->val_sampler = vx_fs2_sampler_new(t->data, &t->norm, t->data->val, t->data->n_val, o->batch,
                                              false, o->seed)))
        st = vx_last_status();
    if (st == VX_OK && saved) {
        vx_ckpt_optim co;
        vx_ckpt ck = make_ckpt(t, &co);
        st = vx_run_resume_from(&t->run, resume_path, &ck);
        if (st == VX_OK)
            vx_run_note(o->log, "resuming from %s (step %lld%s%s)", resume_path, (long long)ck.step,
                        saved->train_note ? "; it was trained with " : "", saved->train_note ? saved->train_note : "");
    }
    t->info.batches_per_epoch = vx_fs2_sampler_count(t->train_sampler);
    return st;
}

vx_fs2_trainer *vx_fs2_trainer_new(const vx_fs2_run_opts *o, vx_data_report *report)
{
    if (!o)
        return vx_fail_null(VX_ERR_ARG, "fastspeech2 run: options are NULL");
    if (check_opts(o) != VX_OK)
        return NULL;
    vx_fs2_trainer *t = calloc(1, sizeof *t);
    if (!t)
        return vx_fail_null(VX_ERR_OOM, "fastspeech2 run: out of memory");
    t->o = *o;
    vx_run_state_init(&t->run, o->run_dir, o->keep, o->log);
    if (o->threads > 0)
        vx_threads_set(o->threads);
    char resume_path[PATH_BUF];
    snprintf(t->model_path, sizeof t->model_path, "%s/model.safetensors", o->run_dir);
    vx_status st = setup_data(t, report);
    bool resuming = st == VX_OK && vx_run_can_resume(&t->run);
    saved_run saved = {0};
    if (resuming)
        st = vx_ckpt_latest(o->run_dir, resume_path, sizeof resume_path);
    if (st == VX_OK && resuming)
        st = read_saved_run(resume_path, &saved);
    if (st == VX_OK)
        st = voice_info(t, saved.phonemes);
    if (st == VX_OK)
        st = setup_model(t, resuming ? &saved : NULL, resume_path);
    saved_run_free(&saved);
    t->info.resumed = st == VX_OK && resuming;
    t->info.start_step = t->run.step;
    t->info.started_from = t->run.started_from;
    if (st != VX_OK) {
        vx_fs2_trainer_free(t);
        return NULL;
    }
    return t;
}

void vx_fs2_trainer_free(vx_fs2_trainer *t)
{
    if (!t)
        return;
    vx_fs2_batch_free(&t->batch);
    vx_fs2_sampler_free(t->train_sampler);
    vx_fs2_sampler_free(t->val_sampler);
    vx_fs2_free(t->model);
    vx_ctx_free(t->ctx);
    vx_fs2_file_info_free(&t->file_info);
    vx_fs2_data_free(t->data);
    vx_feature_cache_close(t->cache);
    vx_dataset_free(t->ds);
    free(t->state);
    free(t->config_json);
    free(t);
}

const vx_fs2_trainer_info *vx_fs2_trainer_get_info(const vx_fs2_trainer *t) { return t ? &t->info : NULL; }

vx_fs2 *vx_fs2_trainer_model(vx_fs2_trainer *t) { return t ? t->model : NULL; }

const vx_fs2_data *vx_fs2_trainer_data(const vx_fs2_trainer *t) { return t ? t->data : NULL; }

/* --- steps and validation ----------------------------------------------------------- */

/* The batch as model tensors in the arena (wrapping its buffers). */
static vx_status batch_tensors(vx_ctx *ctx, const vx_fs2_batch *b, vx_fs2_input *in, vx_fs2_targets *tg)
{
    int64_t B = b->size, Ts = b->max_src, Tm = b->max_mel;
    *in = (vx_fs2_input){
        .phonemes = vx_wrap(ctx, VX_I32, 2, (int64_t[]){B, Ts}, b->phonemes),       /* [B, T_src] */
        .src_lens = vx_wrap(ctx, VX_I32, 1, (int64_t[]){B}, b->src_lens),           /* [B]        */
    };
    *tg = (vx_fs2_targets){
        .durations = vx_wrap(ctx, VX_I32, 2, (int64_t[]){B, Ts}, b->durations),     /* [B, T_src] */
        .pitch = vx_wrap(ctx, VX_F32, 2, (int64_t[]){B, Ts}, b->pitch),             /* [B, T_src] */
        .energy = vx_wrap(ctx, VX_F32, 2, (int64_t[]){B, Ts}, b->energy),           /* [B, T_src] */
        .mel = vx_wrap(ctx, VX_F32, 3, (int64_t[]){B, Tm, b->n_mels}, b->mel),      /* [B, T_mel, n_mels] */
    };
    if (!in->phonemes || !in->src_lens || !tg->durations || !tg->pitch || !tg->energy || !tg->mel)
        return vx_last_status();
    return VX_OK;
}

static void add_scaled(vx_fs2_losses *sum, const vx_fs2_losses *l, double w)
{
    sum->total += w * l->total;
    sum->mel += w * l->mel;
    sum->postnet_mel += w * l->postnet_mel;
    sum->duration += w * l->duration;
    sum->pitch += w * l->pitch;
    sum->energy += w * l->energy;
}

vx_status vx_fs2_trainer_validate(vx_fs2_trainer *t, vx_fs2_losses *out)
{
    if (!t || !out)
        return vx_fail(VX_ERR_ARG, "validation: needs a trainer and somewhere to put the losses");
    if (!t->val_sampler)
        return vx_fail(VX_ERR_ARG, "validation: no validation utterance (raise the validation fraction)");
    bool grad = vx_set_grad_enabled(t->ctx, false), training = vx_set_training(t->ctx, false);
    vx_fs2_losses sum = {0};
    int n = 0;
    vx_fs2_batch b = {0};
    vx_status st = VX_OK;
    for (int k = 0; k < vx_fs2_sampler_count(t->val_sampler) && st == VX_OK; k++) {
        vx_ctx_reset(t->ctx);
        vx_fs2_input in;
        vx_fs2_targets tg;
        vx_fs2_output fo;
        vx_fs2_losses l;
        st = vx_fs2_sampler_fill(t->val_sampler, k, &b);
        if (st == VX_OK)
            st = batch_tensors(t->ctx, &b, &in, &tg);
        if (st == VX_OK)
            st = vx_fs2_forward(t->ctx, t->model, &in, &tg, NULL, &fo);
        if (st == VX_OK && !vx_fs2_loss(t->ctx, t->model, &fo, &tg, &l))
            st = vx_last_status();
        if (st == VX_OK) {
            add_scaled(&sum, &l, b.size);
            n += b.size;
        }
    }
    vx_fs2_batch_free(&b);
    vx_ctx_reset(t->ctx);
    vx_set_grad_enabled(t->ctx, grad);
    vx_set_training(t->ctx, training);
    if (st != VX_OK)
        return st;
    *out = (vx_fs2_losses){0};
    add_scaled(out, &sum, 1.0 / n);
    return VX_OK;
}

/* --- the loop ------------------------------------------------------------------------ */

/* Checkpoint the current state, then rewrite model.safetensors. */
static vx_status save_checkpoint(vx_fs2_trainer *t)
{
    vx_ckpt_optim co;
    vx_ckpt ck = make_ckpt(t, &co);
    vx_status st = vx_run_save(&t->run, &ck);
    if (st != VX_OK)
        return st;
    if (!t->exports)
        return VX_OK;
    st = vx_fs2_save(t->model_path, t->model, &t->file_info);
    if (st != VX_OK)
        return vx_fail(st, "writing the model file %s: %s", t->model_path, vx_last_error());
    t->model_written = true;
    return VX_OK;
}

/* The loss terms that are not finite, as "mel, pitch" (or "none"). */
static void bad_terms(const vx_fs2_losses *l, char *buf, size_t size)
{
    struct { const char *name; double v; } terms[] = {
        {"mel", l->mel}, {"postnet_mel", l->postnet_mel}, {"duration", l->duration},
        {"pitch", l->pitch}, {"energy", l->energy},
    };
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof terms / sizeof terms[0]; i++)
        if (!isfinite(terms[i].v) && used < size)
            used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? ", " : "", terms[i].name);
    if (!buf[0])
        snprintf(buf, size, "none (the gradient is)");
}

/* After a NaN/Inf at step t->run.step + 1: nothing was updated, so checkpoint the
 * state of the step before and say where it is. */
static vx_status numeric_failure(vx_fs2_trainer *t, const vx_fs2_losses *l)
{
    char why[1024], terms[128];
    snprintf(why, sizeof why, "%s", vx_last_error());
    bad_terms(l, terms, sizeof terms);
    long long bad = (long long)(t->run.step + 1);
    if (t->run.saved_step != t->run.step && save_checkpoint(t) != VX_OK)
        return vx_fail(VX_ERR_NUMERIC, "step %lld: %s (non-finite loss terms: %s); saving the last good "
                       "state failed too: %s", bad, why, terms, vx_last_error());
    return vx_fail(VX_ERR_NUMERIC, "step %lld: %s (non-finite loss terms: %s); the run stopped; the last "
                   "good checkpoint is %s (step %lld)", bad, why, terms, t->run.checkpoint,
                   (long long)t->run.saved_step);
}

static vx_status log_step(vx_fs2_trainer *t, vx_trainlog *lg, const vx_fs2_losses *l, double lr,
                          int64_t frames, const vx_fs2_losses *val)
{
    vx_log_value v[] = {
        {"loss", l->total}, {"loss_mel", l->mel}, {"loss_postnet", l->postnet_mel},
        {"loss_duration", l->duration}, {"loss_pitch", l->pitch}, {"loss_energy", l->energy},
        {"grad_norm", l->grad_norm}, {"lr", lr}, {"frames", (double)frames},
        {"loss_val", val->total}, {"loss_val_mel", val->mel}, {"loss_val_postnet", val->postnet_mel},
        {"loss_val_duration", val->duration}, {"loss_val_pitch", val->pitch},
        {"loss_val_energy", val->energy},
    };
    int n = (int)(sizeof v / sizeof v[0]);
    return vx_trainlog_step(lg, t->run.step, v, isnan(val->total) ? n - 6 : n);
}

/* One training step on batch k = t->run.step. */
static vx_status train_step(vx_fs2_trainer *t, vx_fs2_losses *l)
{
    vx_status st = vx_fs2_sampler_fill(t->train_sampler, t->run.step, &t->batch);
    if (st != VX_OK)
        return st;
    vx_ctx_reset(t->ctx);
    vx_fs2_input in;
    vx_fs2_targets tg;
    st = batch_tensors(t->ctx, &t->batch, &in, &tg);
    if (st != VX_OK)
        return st;
    return vx_fs2_train_step(t->ctx, t->model, t->optim, t->o.train.grad_clip, &in, &tg, l);
}

vx_status vx_fs2_trainer_run(vx_fs2_trainer *t, vx_fs2_run_result *r)
{
    if (!t || !r)
        return vx_fail(VX_ERR_ARG, "fastspeech2 run: needs a trainer and a result");
    memset(r, 0, sizeof *r);
    r->val.total = NAN;
    const vx_fs2_run_opts *o = &t->o;
    vx_run_state *run = &t->run;
    vx_run_loop loop;
    if (vx_run_loop_open(&loop, run, o->steps) != VX_OK)
        return vx_last_status();
    vx_status st = vx_stop_install();
    bool training = vx_set_training(t->ctx, true);
    vx_run_loop_start(&loop, run);
    while (st == VX_OK && run->step < o->steps && !vx_stop_requested()) {
        double lr = vx_optim_lr(t->optim, 0);
        vx_fs2_losses l = {0};
        st = train_step(t, &l);
        if (st == VX_ERR_NUMERIC) {
            st = numeric_failure(t, &l);
            break;
        }
        if (st != VX_OK)
            break;
        run->step++;
        r->last = l;
        vx_fs2_losses val = {.total = NAN};
        if (vx_run_due(run->step, o->val_every) && t->val_sampler) {
            if (vx_fs2_trainer_validate(t, &val) != VX_OK) {
                vx_run_note_validation_failed(o->log, run->step);
                val.total = NAN;
            } else {
                r->val = val;
            }
        }
        st = log_step(t, loop.jsonl, &l, lr, t->batch.frames, &val);
        if (st != VX_OK)
            break;
        vx_log_value pv[3] = {{"loss", l.total}, {"mel", l.postnet_mel}, {"val", val.total}};
        vx_run_progress(o->log, run->step, o->steps, pv, isnan(val.total) ? 2 : 3, vx_run_loop_rate(&loop, run));
        if (vx_run_due(run->step, o->ckpt_every))
            st = save_checkpoint(t);
        if (st == VX_OK && o->on_step)
            o->on_step(o->user, run->step, &l);
    }
    if (run->step > loop.first)
        r->step_s = (vx_run_clock() - loop.t0) / (double)(run->step - loop.first);
    vx_set_training(t->ctx, training);
    st = vx_run_loop_close(&loop, run, o->steps, st, &r->stopped, &r->signal);
    if (st == VX_OK && (run->saved_step != run->step || (t->exports && !t->model_written)))
        st = save_checkpoint(t);
    r->step = run->step;
    snprintf(r->checkpoint, sizeof r->checkpoint, "%s", run->saved_step >= 0 ? run->checkpoint : "");
    snprintf(r->model_file, sizeof r->model_file, "%s", t->model_written ? t->model_path : "");
    return st;
}
