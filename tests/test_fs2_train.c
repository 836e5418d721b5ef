/* test_fs2_train.c — FastSpeech2 training: phoneme-level pitch/energy targets
 * and corpus statistics against numpy (tests/ref/fs2_targets_ref.py →
 * tests/data/fs2train/targets.json), length-bucketed batches, and runs of a
 * tiny model on a generated corpus with phoneme columns: the loss falls, an
 * interrupted run resumes to the uninterrupted one bit for bit, NaN handling,
 * the exported model file, a corpus without durations, and the
 * `voxc-train fastspeech2` command line. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/json.h"
#include "models/fastspeech2_io.h"
#include "nn/safetensors.h"
#include "test_corpus.h"
#include "test_train_util.h"
#include "test_util.h"
#include "train/fs2_data.h"
#include "train/fs2_loop.h"
#include "train/stop.h"

#define TARGETS_JSON "tests/data/fs2train/targets.json"
#define VOICE_JSON "tests/data/piper/en_US-joe-medium.onnx.json"

/* --- helpers ------------------------------------------------------------------------- */

static vx_json *read_json(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "%s is missing", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)n);
    ck_assert_ptr_nonnull(text);
    ck_assert_int_eq(fread(text, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    vx_json *j = vx_json_parse(text, (size_t)n, path);
    free(text);
    ck_assert_msg(j != NULL, "%s", vx_last_error());
    return j;
}

/* Array `key` of object j as floats (malloc'd); *n gets the count. */
static float *json_floats(const vx_json *j, const char *key, int *n)
{
    const vx_json *a = vx_json_get(j, key);
    ck_assert_ptr_nonnull(a);
    float *v = malloc(sizeof(float) * (a->count ? a->count : 1));
    ck_assert_ptr_nonnull(v);
    for (size_t i = 0; i < a->count; i++)
        v[i] = (float)a->items[i]->number;
    *n = (int)a->count;
    return v;
}

static int32_t *json_ints(const vx_json *j, const char *key, int *n)
{
    const vx_json *a = vx_json_get(j, key);
    ck_assert_ptr_nonnull(a);
    int32_t *v = malloc(sizeof(int32_t) * (a->count ? a->count : 1));
    ck_assert_ptr_nonnull(v);
    for (size_t i = 0; i < a->count; i++)
        v[i] = (int32_t)a->items[i]->number;
    *n = (int)a->count;
    return v;
}

/* An LJSpeech folder with phoneme columns: clips u0..u<n-1> of 0.5 + 0.04·i s
 * voiced tones at 110 + 12·i Hz; phoneme ids and durations that cover all but
 * the last frame of each clip (T = samples / 256). */
static void make_fs2_corpus(const char *dir, int n)
{
    char path[512], wavs[512];
    corpus_path(wavs, sizeof wavs, dir, "wavs");
    ck_assert_int_eq(mkdir(wavs, 0777), 0);
    corpus_path(path, sizeof path, dir, "metadata.csv");
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i < n; i++) {
        char wav[600];
        double seconds = 0.5 + 0.04 * i;
        snprintf(wav, sizeof wav, "%s/u%d.wav", wavs, i);
        corpus_write_tone(wav, seconds, 110 + 12 * i);
        int T = (int)(seconds * CORPUS_SR) / 256, P = 6 + i % 3, left = T - 1;
        fprintf(f, "u%d|Utterance %d.|utterance %d.|", i, i, i);
        for (int p = 0; p < P; p++)
            fprintf(f, "%s%d", p ? " " : "", 1 + (7 * p + 3 * i) % 40);
        fputc('|', f);
        for (int p = 0; p < P; p++) {
            int d = p == P - 1 ? left : (T - 1) / P + (p % 2 ? 2 : -2);
            left -= d;
            fprintf(f, "%s%d", p ? " " : "", d);
        }
        fputc('\n', f);
    }
    ck_assert_int_eq(fclose(f), 0);
}

/* A FastSpeech2 small enough to train in a test. */
static vx_fs2_config tiny_config(void)
{
    vx_fs2_config c;
    ck_assert_int_eq(vx_fs2_config_named("small", &c), VX_OK);
    c.hidden = 16;
    c.heads = 2;
    c.enc_layers = 1;
    c.dec_layers = 1;
    c.ffn_filter = 32;
    c.ffn_kernel[0] = 3;
    c.vp_filter = 16;
    c.n_bins = 16;
    c.postnet_layers = 2;
    c.postnet_channels = 16;
    return c;
}

static vx_fs2_run_opts tiny_opts(const char *data, const char *run_dir)
{
    vx_fs2_run_opts o;
    ck_assert_int_eq(vx_fs2_run_defaults("small", &o), VX_OK);
    o.config_name = "tiny";
    o.model = tiny_config();
    o.data = data;
    o.run_dir = run_dir;
    o.steps = 4;
    o.batch = 3;
    o.threads = 1;
    o.val_every = 2;
    o.ckpt_every = 2;
    o.keep = 0;
    o.seed = 7;
    o.val_fraction = 0.2;
    o.train.optim.lr = 3e-3;
    o.train.schedule.warmup = 4;
    o.voice_config = VOICE_JSON;
    return o;
}

typedef struct step_record {
    int64_t stop_after;          /* request a stop after this step (0: never) */
    int64_t poison_after;        /* set a weight to NaN after this step       */
    vx_fs2_trainer **trainer;
    double loss[32];
} step_record;

static void on_step(void *user, int64_t step, const vx_fs2_losses *l)
{
    step_record *rec = user;
    if (step < 32)
        rec->loss[step] = l->total;
    if (step == rec->stop_after)
        vx_stop_request();
    if (step == rec->poison_after) {
        vx_tensor *const *p;
        vx_fs2_params(vx_fs2_trainer_model(*rec->trainer), &p);
        ((float *)p[0]->data)[0] = NAN;
    }
}

static vx_status run_once(const vx_fs2_run_opts *o, vx_fs2_run_result *r)
{
    vx_fs2_trainer *t = vx_fs2_trainer_new(o, NULL);
    ck_assert_msg(t != NULL, "%s", vx_last_error());
    vx_status st = vx_fs2_trainer_run(t, r);
    vx_fs2_trainer_free(t);
    return st;
}

/* --- targets and statistics ----------------------------------------------------------- */

START_TEST(phoneme_targets_and_statistics_match_numpy)
{
    vx_json *j = read_json(TARGETS_JSON);
    const vx_json *utts = vx_json_get(j, "utterances"), *ref = vx_json_get(j, "stats");
    ck_assert(utts && ref && utts->count == 4);
    float *pitch[4], *energy[4];
    int n[4];
    for (int u = 0; u < 4; u++) {
        int nf, ne, np, nrp, nre;
        float *f0 = json_floats(utts->items[u], "f0", &nf), *e = json_floats(utts->items[u], "energy", &ne);
        int32_t *dur = json_ints(utts->items[u], "durations", &np);
        float *rp = json_floats(utts->items[u], "pitch", &nrp), *re = json_floats(utts->items[u], "phoneme_energy", &nre);
        ck_assert_int_eq(nf, ne);
        ck_assert_int_eq(np, nrp);
        pitch[u] = malloc(sizeof(float) * (size_t)np);
        energy[u] = malloc(sizeof(float) * (size_t)np);
        n[u] = np;
        ck_assert_msg(vx_fs2_phoneme_targets(f0, e, nf, dur, np, "ref", pitch[u], energy[u]) == VX_OK, "%s",
                      vx_last_error());
        for (int i = 0; i < np; i++) {
            ck_assert_close(pitch[u][i], rp[i], 1e-5 * fabs(rp[i]));
            ck_assert_close(energy[u][i], re[i], 1e-5 * fabs(re[i]));
        }
        free(f0);
        free(e);
        free(dur);
        free(rp);
        free(re);
    }
    vx_fs2_stats s;
    ck_assert_msg(vx_fs2_stats_compute((const float *const *)pitch, (const float *const *)energy, n, 4, &s) == VX_OK,
                  "%s", vx_last_error());
    ck_assert_close(s.pitch_mean, vx_json_get_number(ref, "pitch_mean", NAN), 1e-9 * s.pitch_mean);
    ck_assert_close(s.pitch_std, vx_json_get_number(ref, "pitch_std", NAN), 1e-9 * s.pitch_std);
    ck_assert_close(s.pitch_min, vx_json_get_number(ref, "pitch_min", NAN), 1e-9);
    ck_assert_close(s.pitch_max, vx_json_get_number(ref, "pitch_max", NAN), 1e-9);
    ck_assert_close(s.energy_mean, vx_json_get_number(ref, "energy_mean", NAN), 1e-9 * s.energy_mean);
    ck_assert_close(s.energy_std, vx_json_get_number(ref, "energy_std", NAN), 1e-9 * s.energy_std);
    ck_assert_close(s.energy_min, vx_json_get_number(ref, "energy_min", NAN), 1e-9);
    ck_assert_close(s.energy_max, vx_json_get_number(ref, "energy_max", NAN), 1e-7);
    ck_assert_int_eq(s.n_pitch_kept, (int64_t)vx_json_get_number(ref, "pitch_kept", -1));
    ck_assert_int_eq(s.n_energy_kept, (int64_t)vx_json_get_number(ref, "energy_kept", -1));
    ck_assert_int_eq(s.n_values, n[0] + n[1] + n[2] + n[3]);
    vx_fs2_config cfg = tiny_config();
    vx_fs2_stats_apply(&s, &cfg);
    ck_assert_close(cfg.pitch_mean, s.pitch_mean, 1e-4);
    ck_assert_close(cfg.energy_max, s.energy_max, 1e-4);
    for (int u = 0; u < 4; u++) {
        free(pitch[u]);
        free(energy[u]);
    }
    vx_json_free(j);
}
END_TEST

START_TEST(targets_refuse_bad_alignments_and_unvoiced_utterances)
{
    float f0[6] = {0, 120, 0, 130, 0, 0}, e[6] = {1, 2, 3, 4, 5, 6}, p[3], q[3];
    int32_t too_long[3] = {2, 2, 3}, negative[3] = {2, -1, 3}, none[3] = {0, 0, 0}, ok[3] = {1, 2, 2};
    ck_assert_fails(vx_fs2_phoneme_targets(f0, e, 6, too_long, 3, "u1", p, q) == VX_OK);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "u1: the durations add up to 7 frames; the audio has 6"));
    ck_assert_fails(vx_fs2_phoneme_targets(f0, e, 6, negative, 3, "u1", p, q) == VX_OK);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "negative duration"));
    ck_assert_fails(vx_fs2_phoneme_targets(f0, e, 6, none, 3, "u1", p, q) == VX_OK);
    float unvoiced[6] = {0, 0, 0, 140, 0, 0};
    ck_assert_int_eq(vx_fs2_phoneme_targets(unvoiced, e, 6, ok, 3, "u2", p, q), VX_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "u2: 1 of its 5 aligned frames are voiced"));
    /* hand-checked: contour 120 120 125 130 130; phonemes [0], [1, 2], [3, 4] */
    ck_assert_int_eq(vx_fs2_phoneme_targets(f0, e, 6, ok, 3, "u3", p, q), VX_OK);
    ck_assert_float_eq(p[0], 120.0f);
    ck_assert_float_eq(p[1], 122.5f);
    ck_assert_float_eq(p[2], 130.0f);
    ck_assert_float_eq(q[1], 2.5f);
    /* constant values have no std */
    float flat[3] = {100, 100, 100};
    const float *fp[1] = {flat};
    int n1 = 3;
    ck_assert_fails(vx_fs2_stats_compute(fp, fp, &n1, 1, &(vx_fs2_stats){0}) == VX_OK);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "pitch is constant"));
}
END_TEST

/* --- data and batches ------------------------------------------------------------------ */

START_TEST(batches_are_length_buckets_with_normalised_targets_and_trimmed_mels)
{
    char *data = corpus_temp_dir(), *cache_dir = corpus_temp_dir();
    make_fs2_corpus(data, 7);
    vx_dataset *ds = vx_dataset_open(data, NULL);
    ck_assert_msg(ds != NULL, "%s", vx_last_error());
    vx_cache_opts co = {.dir = cache_dir};
    vx_feature_cache *cache = vx_feature_cache_open(ds, &co, NULL, NULL);
    ck_assert_msg(cache != NULL, "%s", vx_last_error());
    vx_data_report rep = {0};
    vx_fs2_data *d = vx_fs2_data_new(cache, 0.2, data, &rep);
    ck_assert_msg(d != NULL, "%s", vx_last_error());
    ck_assert_int_eq(rep.n, 0);
    ck_assert_int_eq(d->n_utts, 7);
    ck_assert_int_eq(d->n_train + d->n_val, 7);
    ck_assert_int_ge(d->n_val, 1);
    /* the training statistics are those of the training utterances' targets */
    const float *p[7], *e[7];
    int n[7];
    for (int i = 0; i < d->n_train; i++) {
        p[i] = d->utts[d->train[i]].pitch;
        e[i] = d->utts[d->train[i]].energy;
        n[i] = d->utts[d->train[i]].n_phonemes;
    }
    vx_fs2_stats s;
    ck_assert_int_eq(vx_fs2_stats_compute(p, e, n, d->n_train, &s), VX_OK);
    ck_assert_close(s.pitch_mean, d->stats.pitch_mean, 1e-12);
    ck_assert(d->stats.pitch_mean > 110 && d->stats.pitch_mean < 190);
    vx_fs2_sampler *sm = vx_fs2_sampler_new(d, &d->stats, d->train, d->n_train, 2, true, 3);
    ck_assert_msg(sm != NULL, "%s", vx_last_error());
    int count = vx_fs2_sampler_count(sm), seen[7] = {0};
    vx_fs2_batch b = {0};
    for (int k = 0; k < count; k++) {
        ck_assert_int_eq(vx_fs2_sampler_fill(sm, k, &b), VX_OK);
        ck_assert_int_le(b.size, 2);
        for (int i = 0; i < b.size; i++) {
            const vx_fs2_utt *u = &d->utts[b.utts[i]];
            seen[b.utts[i]]++;
            ck_assert_int_eq(b.src_lens[i], u->n_phonemes);
            ck_assert_int_le(u->n_frames, b.max_mel);
            if (i > 0)
                ck_assert_int_ge(u->n_frames, d->utts[b.utts[i - 1]].n_frames);
            for (int ph = 0; ph < u->n_phonemes; ph++) {
                ck_assert_int_eq(b.phonemes[i * b.max_src + ph], u->phoneme_ids[ph]);
                ck_assert_int_eq(b.durations[i * b.max_src + ph], u->durations[ph]);
                ck_assert_close(b.pitch[i * b.max_src + ph],
                                (u->pitch[ph] - d->stats.pitch_mean) / d->stats.pitch_std, 1e-5);
            }
            /* the mel is the clip's first Σd frames, then silence */
            const float *mel = b.mel + (size_t)i * (size_t)(b.max_mel * b.n_mels);
            ck_assert(memcmp(mel, u->mel, sizeof(float) * (size_t)(u->n_frames * b.n_mels)) == 0);
            if (u->n_frames < b.max_mel)
                ck_assert(memcmp(mel + u->n_frames * b.n_mels, vx_feature_cache_silence(cache),
                                 sizeof(float) * (size_t)b.n_mels) == 0);
        }
    }
    for (int i = 0; i < d->n_train; i++)
        ck_assert_int_eq(seen[d->train[i]], 1);      /* one epoch visits each once */
    vx_fs2_batch b2 = {0};
    ck_assert_int_eq(vx_fs2_sampler_fill(sm, count + 1, &b2), VX_OK);   /* batch k is a function of k */
    ck_assert_int_eq(vx_fs2_sampler_fill(sm, count + 1, &b), VX_OK);
    ck_assert(b.size == b2.size && memcmp(b.utts, b2.utts, sizeof(int) * (size_t)b.size) == 0);
    vx_fs2_batch_free(&b);
    vx_fs2_batch_free(&b2);
    vx_fs2_sampler_free(sm);
    vx_fs2_data_free(d);
    vx_feature_cache_close(cache);
    vx_dataset_free(ds);
    corpus_remove_dir(data);
    corpus_remove_dir(cache_dir);
}
END_TEST

START_TEST(a_corpus_without_durations_is_refused_with_a_clear_error)
{
    char *data = corpus_temp_dir(), *run = corpus_temp_dir();
    corpus_make_ljspeech(data, 3);
    vx_fs2_run_opts o = tiny_opts(data, run);
    vx_data_report rep = {0};
    ck_assert_fails(vx_fs2_trainer_new(&o, &rep) != NULL);
    const char *msg = vx_last_error();
    ck_assert_msg(strstr(msg, "no clip has phoneme ids and durations") && strstr(msg, "voxc-distill"), "%s", msg);
    ck_assert_int_eq(rep.n, 3);
    ck_assert_int_ge(vx_data_report_find(&rep, "c0"), 0);
    vx_data_report_clear(&rep);
    corpus_remove_dir(data);
    corpus_remove_dir(run);
}
END_TEST

/* --- runs -------------------------------------------------------------------------------- */

START_TEST(twenty_tiny_steps_lower_the_loss_and_write_a_model_file)
{
    char *data = corpus_temp_dir(), *run = corpus_temp_dir();
    make_fs2_corpus(data, 8);
    vx_fs2_trainer *t = NULL;
    step_record rec = {.trainer = &t};
    vx_fs2_run_opts o = tiny_opts(data, run);
    o.steps = 20;
    o.val_every = 10;
    o.ckpt_every = 10;
    o.keep = 1;
    o.on_step = on_step;
    o.user = &rec;
    t = vx_fs2_trainer_new(&o, NULL);
    ck_assert_msg(t != NULL, "%s", vx_last_error());
    const vx_fs2_trainer_info *in = vx_fs2_trainer_get_info(t);
    ck_assert_int_eq(in->n_utts, 8);
    ck_assert_ptr_nonnull(in->voice_config);
    vx_fs2_run_result r;
    ck_assert_msg(vx_fs2_trainer_run(t, &r) == VX_OK, "%s", vx_last_error());
    ck_assert_int_eq(r.step, 20);
    ck_assert(isfinite(r.val.total) && r.val.total > 0);
    double first = (rec.loss[1] + rec.loss[2] + rec.loss[3]) / 3, last = (rec.loss[18] + rec.loss[19] + rec.loss[20]) / 3;
    ck_assert_msg(last < 0.85 * first, "loss %.4f over steps 1-3, %.4f over 18-20", first, last);
    vx_fs2_config cfg = *vx_fs2_get_config(vx_fs2_trainer_model(t));
    vx_fs2_trainer_free(t);
    ck_assert(run_has_file(run, "ckpt-000020.safetensors") && !run_has_file(run, "ckpt-000010.safetensors"));
    ck_assert(run_has_file(run, "latest") && run_has_file(run, "train.jsonl") && run_has_file(run, "losses.svg"));
    ck_assert_str_eq(r.model_file + strlen(run), "/model.safetensors");
    /* the model file loads with the run's config and statistics */
    vx_ctx *ctx = test_ctx();
    vx_fs2_file_info info;
    vx_fs2 *m = vx_fs2_load(ctx, r.model_file, &info);
    ck_assert_msg(m != NULL, "%s", vx_last_error());
    ck_assert_mem_eq(vx_fs2_get_config(m), &cfg, sizeof cfg);
    ck_assert_ptr_nonnull(strstr(info.phonemes, "phoneme_id_map"));
    vx_fs2_file_info_free(&info);
    vx_fs2_free(m);
    vx_ctx_free(ctx);
    /* the JSONL log has every step, validation on steps 10 and 20 */
    char path[600];
    corpus_path(path, sizeof path, run, "train.jsonl");
    char *text = corpus_read_text(path);
    int lines = 0, val_lines = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        vx_json *j = vx_json_parse(line, strlen(line), "train.jsonl");
        ck_assert_msg(j != NULL, "%s", vx_last_error());
        ck_assert(vx_json_get_number(j, "loss_pitch", NAN) >= 0 && vx_json_get_number(j, "lr", 0) > 0);
        lines++;
        val_lines += vx_json_get(j, "loss_val_mel") != NULL;
        vx_json_free(j);
    }
    ck_assert_int_eq(lines, 20);
    ck_assert_int_eq(val_lines, 2);
    free(text);
    corpus_remove_dir(data);
    corpus_remove_dir(run);
}
END_TEST

/* The metadata a FastSpeech2 checkpoint keeps besides the tensors. */
static const char *const checkpoint_keys[] = {"step", "rng_counter", "optim/adam"};

START_TEST(an_interrupted_run_resumes_to_the_same_losses_and_weights)
{
    char *data = corpus_temp_dir(), *run_a = corpus_temp_dir(), *run_b = corpus_temp_dir();
    make_fs2_corpus(data, 6);
    char cache[600];
    corpus_path(cache, sizeof cache, run_a, "cache");
    step_record rec_a = {0}, rec_b = {.stop_after = 2}, rec_c = {0};
    vx_fs2_run_opts o = tiny_opts(data, run_a);
    o.on_step = on_step;
    o.user = &rec_a;
    vx_fs2_run_result r;
    ck_assert_msg(run_once(&o, &r) == VX_OK, "%s", vx_last_error());
    ck_assert_int_eq(r.step, 4);
    o.run_dir = run_b;
    o.cache_dir = cache;
    o.user = &rec_b;
    ck_assert_msg(run_once(&o, &r) == VX_OK, "%s", vx_last_error());
    ck_assert(r.stopped);
    ck_assert_int_eq(r.step, 2);
    vx_stop_clear();
    o.user = &rec_c;
    o.voice_config = NULL;     /* the run saved the phoneme map */
    vx_fs2_trainer *t = vx_fs2_trainer_new(&o, NULL);
    ck_assert_msg(t != NULL, "%s", vx_last_error());
    ck_assert(vx_fs2_trainer_get_info(t)->resumed);
    ck_assert_str_eq(vx_fs2_trainer_get_info(t)->voice_config, "the phoneme map saved with the run");
    ck_assert_int_eq(vx_fs2_trainer_get_info(t)->start_step, 2);
    ck_assert_msg(vx_fs2_trainer_run(t, &r) == VX_OK, "%s", vx_last_error());
    vx_fs2_trainer_free(t);
    ck_assert_int_eq(r.step, 4);
    ck_assert(r.model_file[0] != '\0');
    ck_assert(rec_b.loss[2] == rec_a.loss[2]);
    ck_assert_msg(rec_c.loss[3] == rec_a.loss[3] && rec_c.loss[4] == rec_a.loss[4],
                  "step 3: %.9g vs %.9g", rec_c.loss[3], rec_a.loss[3]);
    assert_same_run_checkpoints(run_a, run_b, "ckpt-000004.safetensors", checkpoint_keys, 3);
    /* another architecture cannot resume the run */
    o.model.hidden = 32;
    o.steps = 6;
    ck_assert_fails(vx_fs2_trainer_new(&o, NULL) != NULL);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "another model"));
    corpus_remove_dir(data);
    corpus_remove_dir(run_a);
    corpus_remove_dir(run_b);
}
END_TEST

START_TEST(a_nan_stops_the_run_naming_the_step_and_keeps_the_last_good_state)
{
    char *data = corpus_temp_dir(), *run = corpus_temp_dir();
    make_fs2_corpus(data, 5);
    vx_fs2_trainer *t = NULL;
    step_record rec = {.poison_after = 2, .trainer = &t};
    vx_fs2_run_opts o = tiny_opts(data, run);
    o.steps = 5;
    o.ckpt_every = 0;
    o.on_step = on_step;
    o.user = &rec;
    t = vx_fs2_trainer_new(&o, NULL);
    ck_assert_msg(t != NULL, "%s", vx_last_error());
    vx_fs2_run_result r;
    vx_clear_error();
    ck_assert_int_eq(vx_fs2_trainer_run(t, &r), VX_ERR_NUMERIC);
    assert_nan_at_step_3_kept_step_2(run, r.step, "nan");
    vx_fs2_trainer_free(t);
    corpus_remove_dir(data);
    corpus_remove_dir(run);
}
END_TEST

/* --- the tool ----------------------------------------------------------------------------- */

START_TEST(voxc_train_fastspeech2_help_usage_and_a_short_run)
{
    const char *bin = corpus_bin_dir();
    char *data = corpus_temp_dir(), *dir = corpus_temp_dir();
    make_fs2_corpus(data, 5);
    char cmd[2048], out[300], run[300], cfg_path[300];
    corpus_path(out, sizeof out, dir, "out.txt");
    corpus_path(run, sizeof run, dir, "run");
    corpus_path(cfg_path, sizeof cfg_path, dir, "tiny.json");
    vx_fs2_config c = tiny_config();
    char *cfg = vx_fs2_config_to_json(&c);
    ck_assert_ptr_nonnull(cfg);
    corpus_write_text(cfg_path, cfg);
    free(cfg);
    const tool_case cases[] = {
        {"voxc-train --help", 0, "usage: voxc-train fastspeech2"},
        {"voxc-train fastspeech2 --help", 0, "--voice-config"},
        {"voxc-train fastspeech2 --data d --out o", 2, "--config is required"},
        {"voxc-train fastspeech2 --config medium --data d --out o", 2, "small, ljspeech"},
        {"voxc-train fastspeech2 --config small --data d --out o --warmup 0", 2, "--warmup '0'"},
        {"voxc-train fastspeech2 --config small --data d --out o --segment 8192", 2, "unknown option"},
        {"voxc-train fastspeech2 --config small --out o", 2, "--data is required"},
    };
    assert_tool_cases(dir, cases, (int)(sizeof cases / sizeof cases[0]));
    snprintf(cmd, sizeof cmd, "%s/voxc-train fastspeech2 --config %s --data %s --out %s --steps 2 --batch 2 "
             "--threads 1 --val-every 1 --val-fraction 0.2 --seed 5 --voice-config " VOICE_JSON, bin, cfg_path,
             data, run);
    int rc = corpus_run(cmd, out);
    char *text = corpus_read_text(out);
    ck_assert_msg(rc == 0, "exit %d:\n%s", rc, text);
    ck_assert_msg(strstr(text, "done: step 2") && strstr(text, "validation loss") &&
                  strstr(text, "model.safetensors") && strstr(text, "pitch: mean"), "%s", text);
    free(text);
    ck_assert(run_has_file(run, "model.safetensors") && run_has_file(run, "ckpt-000002.safetensors"));
    /* a corpus without durations: exit 1 and the reason */
    char plain[300];
    corpus_path(plain, sizeof plain, dir, "plain");
    ck_assert_int_eq(mkdir(plain, 0777), 0);
    corpus_make_ljspeech(plain, 2);
    snprintf(cmd, sizeof cmd, "%s/voxc-train fastspeech2 --config small --data %s --out %s/run2", bin, plain, dir);
    rc = corpus_run(cmd, out);
    text = corpus_read_text(out);
    ck_assert_msg(rc == 1 && strstr(text, "voxc-distill"), "exit %d:\n%s", rc, text);
    free(text);
    corpus_remove_dir(data);
    corpus_remove_dir(dir);
}
END_TEST

Suite *suite_fs2_train(void)
{
    Suite *s = suite_create("fs2_train");
    TCase *tc = tcase_create("data");
    tcase_add_test(tc, phoneme_targets_and_statistics_match_numpy);
    tcase_add_test(tc, targets_refuse_bad_alignments_and_unvoiced_utterances);
    tcase_add_test(tc, batches_are_length_buckets_with_normalised_targets_and_trimmed_mels);
    tcase_add_test(tc, a_corpus_without_durations_is_refused_with_a_clear_error);
    suite_add_tcase(s, tc);
    tc = tcase_create("runs");
    tcase_add_test(tc, twenty_tiny_steps_lower_the_loss_and_write_a_model_file);
    tcase_add_test(tc, an_interrupted_run_resumes_to_the_same_losses_and_weights);
    tcase_add_test(tc, a_nan_stops_the_run_naming_the_step_and_keeps_the_last_good_state);
    suite_add_tcase(s, tc);
    tc = tcase_create("tools");
    tcase_add_test(tc, voxc_train_fastspeech2_help_usage_and_a_short_run);
    suite_add_tcase(s, tc);
    return s;
}
