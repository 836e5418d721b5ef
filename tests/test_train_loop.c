/* test_train_loop.c — HiFi-GAN training runs end to end on a tiny generator
 * (tests/data/dataset/tiny_hifigan.json, the decoder shape of the tiny Piper
 * voice) and a generated corpus: files a run writes, resume after an
 * interruption = the uninterrupted run bit for bit, NaN handling, the Piper
 * decoder import, HiFi-GAN config JSON, and the voxc-train / voxc-vocode
 * command lines. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/json.h"
#include "models/hifigan.h"
#include "models/piper_import.h"
#include "nn/safetensors.h"
#include "test_corpus.h"
#include "test_train_util.h"
#include "test_util.h"
#include "train/hifigan_json.h"
#include "train/hifigan_loop.h"
#include "train/hifigan_piper.h"
#include "train/stop.h"

#define TINY_CONFIG "tests/data/dataset/tiny_hifigan.json"
#define TINY_VOICE "tests/data/onnx/tiny_medium.onnx"

/* --- helpers ------------------------------------------------------------------------- */

static vx_hifigan_run_opts tiny_opts(const char *data, const char *run_dir)
{
    vx_hifigan_run_opts o = vx_hifigan_run_defaults();
    ck_assert_msg(vx_hifigan_config_load(TINY_CONFIG, &o.gen, &o.disc) == VX_OK, "%s", vx_last_error());
    o.config_name = TINY_CONFIG;
    o.data = data;
    o.run_dir = run_dir;
    o.steps = 3;
    o.batch = 2;
    o.segment = 2048;
    o.threads = 1;
    o.val_every = 3;
    o.ckpt_every = 2;
    o.keep = 0;
    o.seed = 99;
    o.val_fraction = 0.3;
    return o;
}

static vx_status run_once(const vx_hifigan_run_opts *o, vx_hifigan_run_result *r)
{
    vx_hifigan_trainer *t = vx_hifigan_trainer_new(o, NULL);
    ck_assert_msg(t != NULL, "%s", vx_last_error());
    vx_status st = vx_hifigan_trainer_run(t, r);
    vx_hifigan_trainer_free(t);
    return st;
}

/* The metadata a HiFi-GAN checkpoint keeps besides the tensors. */
static const char *const checkpoint_keys[] = {"step", "rng_counter", "optim/g", "optim/d"};

typedef struct step_record {
    int64_t stop_after;          /* request a stop after this step (0: never) */
    int64_t poison_after;        /* set a generator weight to NaN after this step */
    vx_hifigan_trainer **trainer;
    double loss_g[8];
} step_record;

static void on_step(void *user, int64_t step, const vx_hifigan_losses *l)
{
    step_record *rec = user;
    if (step < 8)
        rec->loss_g[step] = l->gen_all;
    if (step == rec->stop_after)
        vx_stop_request();
    if (step == rec->poison_after) {
        vx_tensor *const *p;
        vx_hifigan_params(vx_hifigan_trainer_generator(*rec->trainer), &p);
        ((float *)p[0]->data)[0] = NAN;
    }
}

/* --- runs ------------------------------------------------------------------------------ */

START_TEST(three_tiny_steps_write_checkpoints_log_and_loss_plot)
{
    char *data = corpus_temp_dir(), *run = corpus_temp_dir();
    corpus_make_ljspeech(data, 4);
    vx_hifigan_run_opts o = tiny_opts(data, run);
    vx_data_report rep = {0};
    vx_hifigan_trainer *t = vx_hifigan_trainer_new(&o, &rep);
    ck_assert_msg(t != NULL, "%s", vx_last_error());
    ck_assert_int_eq(rep.n, 0);
    const vx_hifigan_trainer_info *in = vx_hifigan_trainer_get_info(t);
    ck_assert_int_eq(in->n_clips, 4);
    ck_assert_int_eq(in->n_train + in->n_val, 4);
    ck_assert_int_ge(in->n_val, 1);
    ck_assert(!in->resumed);
    ck_assert_int_eq(in->steps_per_epoch, in->n_train / 2 > 0 ? in->n_train / 2 : 1);
    ck_assert_str_eq(in->started_from, "scratch");
    vx_hifigan_run_result r;
    ck_assert_msg(vx_hifigan_trainer_run(t, &r) == VX_OK, "%s", vx_last_error());
    ck_assert_int_eq(r.step, 3);
    ck_assert(!r.stopped);
    ck_assert(isfinite(r.last.gen_all) && isfinite(r.last.disc_all) && r.last.mel > 0);
    ck_assert(isfinite(r.val_mel) && r.val_mel > 0);
    vx_hifigan_trainer_free(t);
    ck_assert(run_has_file(run, "ckpt-000002.safetensors"));
    ck_assert(run_has_file(run, "ckpt-000003.safetensors"));
    ck_assert(run_has_file(run, "losses.svg"));
    ck_assert(run_has_file(run, "cache/shard-00000.safetensors"));
    char path[600];
    corpus_path(path, sizeof path, run, "latest");
    char *latest = corpus_read_text(path);
    ck_assert_ptr_nonnull(strstr(latest, "ckpt-000003.safetensors"));
    free(latest);
    corpus_path(path, sizeof path, run, "train.jsonl");
    char *log = corpus_read_text(path);
    int lines = 0;
    for (char *p = log, *nl; (nl = strchr(p, '\n')); p = nl + 1, lines++) {
        vx_json *j = vx_json_parse(p, (size_t)(nl - p), "log line");
        ck_assert_msg(j != NULL, "%s", vx_last_error());
        ck_assert_int_eq((int)vx_json_get_number(j, "step", 0), lines + 1);
        ck_assert(vx_json_get_number(j, "loss_g", NAN) > 0);
        ck_assert(vx_json_get_number(j, "lr", 0) > 0);
        ck_assert_int_eq(vx_json_get(j, "loss_val_mel") != NULL, lines == 2); /* step 3 only */
        vx_json_free(j);
    }
    ck_assert_int_eq(lines, 3);
    free(log);
    /* the checkpoint records the generator, so a vocoder can be rebuilt from it */
    corpus_path(path, sizeof path, run, "ckpt-000003.safetensors");
    vx_st_file *f = vx_st_open(path);
    const char *cfg = vx_st_metadata(f, "config");
    ck_assert_ptr_nonnull(cfg);
    vx_json *j = vx_json_parse(cfg, strlen(cfg), "config");
    vx_hifigan_config g;
    ck_assert_int_eq(vx_hifigan_config_from_json(vx_json_get(j, "generator"), "config", &g, NULL), VX_OK);
    ck_assert(memcmp(&g, &o.gen, sizeof g) == 0);
    ck_assert_int_eq((int)vx_json_get_number(vx_json_get(j, "train"), "batch", 0), 2);
    ck_assert_ptr_nonnull(vx_st_find(f, "mpd.discriminators.0.convs.0.weight_g"));
    ck_assert_ptr_nonnull(vx_st_find(f, "optim/g/conv_pre.weight_v/m"));
    vx_json_free(j);
    vx_st_close(f);
    corpus_remove_dir(data);
    corpus_remove_dir(run);
}
END_TEST

START_TEST(an_interrupted_run_resumes_to_the_weights_of_the_uninterrupted_run)
{
    char *data = corpus_temp_dir(), *run_a = corpus_temp_dir(), *run_b = corpus_temp_dir();
    corpus_make_ljspeech(data, 4);
    step_record rec_a = {0}, rec_b = {.stop_after = 2};
    vx_hifigan_run_opts o = tiny_opts(data, run_a);
    o.on_step = on_step;
    o.user = &rec_a;
    vx_hifigan_run_result r;
    ck_assert_msg(run_once(&o, &r) == VX_OK, "%s", vx_last_error());
    ck_assert_int_eq(r.step, 3);

    o = tiny_opts(data, run_b);
    o.on_step = on_step;
    o.user = &rec_b;
    ck_assert_msg(run_once(&o, &r) == VX_OK, "%s", vx_last_error());
    ck_assert(r.stopped);
    ck_assert_int_eq(r.step, 2);
    ck_assert_ptr_nonnull(strstr(r.checkpoint, "ckpt-000002.safetensors"));
    ck_assert(!run_has_file(run_b, "ckpt-000003.safetensors"));
    /* the same command again (batches made on the training thread this time) */
    o.loader_depth = 0;
    vx_hifigan_trainer *t = vx_hifigan_trainer_new(&o, NULL);
    ck_assert_msg(t != NULL, "%s", vx_last_error());
    ck_assert(vx_hifigan_trainer_get_info(t)->resumed);
    ck_assert_int_eq(vx_hifigan_trainer_get_info(t)->start_step, 2);
    ck_assert_msg(vx_hifigan_trainer_run(t, &r) == VX_OK, "%s", vx_last_error());
    vx_hifigan_trainer_free(t);
    ck_assert_int_eq(r.step, 3);
    ck_assert(!r.stopped);
    ck_assert(rec_b.loss_g[3] == rec_a.loss_g[3]);
    ck_assert(rec_b.loss_g[1] == rec_a.loss_g[1]);
    assert_same_run_checkpoints(run_a, run_b, "ckpt-000003.safetensors", checkpoint_keys, 4);
    /* a finished run asked for no more steps does nothing and keeps its checkpoint */
    ck_assert_msg(run_once(&o, &r) == VX_OK, "%s", vx_last_error());
    ck_assert_int_eq(r.step, 3);
    /* another model in the same folder is refused, naming both configs */
    vx_hifigan_run_opts other = o;
    other.gen.initial_channels = 16;
    ck_assert_fails(vx_hifigan_trainer_new(&other, NULL) != NULL);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "another model"));
    corpus_remove_dir(data);
    corpus_remove_dir(run_a);
    corpus_remove_dir(run_b);
}
END_TEST

START_TEST(a_nan_stops_the_run_naming_the_step_and_keeps_the_last_good_state)
{
    char *data = corpus_temp_dir(), *run = corpus_temp_dir();
    corpus_make_ljspeech(data, 4);
    vx_hifigan_trainer *t = NULL;
    step_record rec = {.poison_after = 2, .trainer = &t};
    vx_hifigan_run_opts o = tiny_opts(data, run);
    o.steps = 5;
    o.ckpt_every = 0;
    o.on_step = on_step;
    o.user = &rec;
    t = vx_hifigan_trainer_new(&o, NULL);
    ck_assert_msg(t != NULL, "%s", vx_last_error());
    vx_hifigan_run_result r;
    vx_clear_error();
    ck_assert_int_eq(vx_hifigan_trainer_run(t, &r), VX_ERR_NUMERIC);
    assert_nan_at_step_3_kept_step_2(run, r.step, "discriminator loss is nan");
    vx_hifigan_trainer_free(t);
    corpus_remove_dir(data);
    corpus_remove_dir(run);
}
END_TEST

START_TEST(bad_run_options_and_corpora_are_refused)
{
    char *run = corpus_temp_dir();
    vx_hifigan_run_opts o = tiny_opts("data/ljspeech-mini", run);
    o.segment = 1000;
    ck_assert_fails(vx_hifigan_trainer_new(&o, NULL) != NULL);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "multiple of the generator's hop"));
    o = tiny_opts("/nonexistent/corpus", run);
    ck_assert_fails(vx_hifigan_trainer_new(&o, NULL) != NULL);
    o = tiny_opts("data/ljspeech-mini", run);
    o.init_ckpt = "a";
    o.init_piper = "b";
    ck_assert_fails(vx_hifigan_trainer_new(&o, NULL) != NULL);
    o = tiny_opts("data/ljspeech-mini", run);
    o.gen.up_rates[2] = 2; /* hop 128 against features every 256 samples */
    o.gen.up_kernels[2] = 4;
    o.segment = 1024;
    ck_assert_fails(vx_hifigan_trainer_new(&o, NULL) != NULL);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "every 256 samples"));
    corpus_remove_dir(run);
}
END_TEST

/* --- Piper decoder and configs ------------------------------------------------------------ */

START_TEST(piper_decoder_weights_start_a_generator_of_the_same_shape)
{
    vx_piper_voice *v = vx_piper_import(TINY_VOICE, NULL);
    ck_assert_msg(v != NULL, "%s", vx_last_error());
    vx_hifigan_config from_voice, tiny;
    ck_assert_msg(vx_hifigan_config_from_piper(&v->config, 80, &from_voice) == VX_OK, "%s", vx_last_error());
    ck_assert_int_eq(vx_hifigan_config_load(TINY_CONFIG, &tiny, NULL), VX_OK);
    ck_assert(memcmp(&from_voice, &tiny, sizeof tiny) == 0);
    vx_ctx *ctx = test_ctx();
    vx_hifigan *g = vx_hifigan_new(ctx, &tiny);
    vx_tensor *const *p;
    int n = vx_hifigan_params(g, &p);
    float conv_pre_v0 = ((float *)p[1]->data)[0];
    ck_assert_str_eq(p[1]->name, "conv_pre.weight_v");
    int copied = 0;
    ck_assert_msg(vx_hifigan_init_from_piper(g, v, &copied) == VX_OK, "%s", vx_last_error());
    ck_assert_int_eq(copied, n - 3); /* all but conv_pre's g, v and bias */
    ck_assert_float_eq(((float *)p[1]->data)[0], conv_pre_v0);
    /* without weight norm, every layer but conv_pre holds the voice's weight */
    ck_assert_int_eq(vx_hifigan_remove_weight_norm(ctx, g), VX_OK);
    n = vx_hifigan_params(g, &p);
    int compared = 0;
    for (int i = 0; i < n; i++) {
        if (strncmp(p[i]->name, "conv_pre.", 9) == 0)
            continue;
        char name[96];
        snprintf(name, sizeof name, "dec.%s", p[i]->name);
        const vx_piper_weight *w = vx_piper_find(v, name);
        if (!w) {
            ck_assert_str_eq(p[i]->name, "conv_post.bias");
            ck_assert_float_eq(((float *)p[i]->data)[0], 0.0f);
            continue;
        }
        ck_assert_int_eq(vx_numel(p[i]), w->shape[0] * (w->ndim > 1 ? w->shape[1] * w->shape[2] : 1));
        for (int64_t k = 0; k < vx_numel(p[i]); k++)
            ck_assert_msg(fabsf(((float *)p[i]->data)[k] - w->data[k]) <= 1e-6f * (1 + fabsf(w->data[k])),
                          "%s[%lld]: %g, voice %g", p[i]->name, (long long)k, ((float *)p[i]->data)[k],
                          w->data[k]);
        compared++;
    }
    ck_assert_int_eq(compared, n - 3);
    /* the generator runs on a mel */
    vx_tensor *mel = vx_new(ctx, VX_F32, 3, (int64_t[]){1, 80, 3});
    vx_tensor *y = vx_hifigan_forward(ctx, g, mel);
    ck_assert_ptr_nonnull(y);
    ck_assert_int_eq(y->shape[2], 3 * 256);
    vx_hifigan_free(g);

    /* a generator of another shape is refused, naming a tensor, and left as it was */
    vx_hifigan_config wide = tiny;
    wide.initial_channels = 16;
    g = vx_hifigan_new(ctx, &wide);
    n = vx_hifigan_params(g, &p);
    float before = ((float *)p[n - 1]->data)[0];
    ck_assert_fails(vx_hifigan_init_from_piper(g, v, NULL) == VX_OK);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "dec.ups.0.weight"));
    ck_assert_float_eq(((float *)p[n - 1]->data)[0], before);
    vx_hifigan_free(g);
    /* a decoder that pads its upsampling differently is no HiFi-GAN generator */
    vx_vits_config odd = v->config;
    odd.upsample_padding[0] += 1;
    ck_assert_fails(vx_hifigan_config_from_piper(&odd, 80, &from_voice) == VX_OK);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "pads"));
    vx_ctx_free(ctx);
    vx_piper_free(v);
}
END_TEST

START_TEST(hifigan_configs_read_the_reference_keys_and_round_trip)
{
    /* jik876/hifi-gan config_v1.json's model keys (the training keys are ignored) */
    const char *v1 = "{\"resblock\": \"1\", \"num_gpus\": 0, \"batch_size\": 16, \"learning_rate\": 0.0002,"
                     " \"upsample_rates\": [8,8,2,2], \"upsample_kernel_sizes\": [16,16,4,4],"
                     " \"upsample_initial_channel\": 512, \"resblock_kernel_sizes\": [3,7,11],"
                     " \"resblock_dilation_sizes\": [[1,3,5], [1,3,5], [1,3,5]], \"num_mels\": 80}";
    vx_json *j = vx_json_parse(v1, strlen(v1), "v1");
    vx_hifigan_config a, b;
    vx_hifigan_disc_config da, db;
    ck_assert_msg(vx_hifigan_config_from_json(j, "v1", &a, &da) == VX_OK, "%s", vx_last_error());
    vx_json_free(j);
    ck_assert_int_eq(vx_hifigan_config_load("v1", &b, &db), VX_OK);
    ck_assert(memcmp(&a, &b, sizeof a) == 0);
    ck_assert(memcmp(&da, &db, sizeof da) == 0);
    const char *names[] = {"v2", "v3", TINY_CONFIG};
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(vx_hifigan_config_load(names[i], &a, &da), VX_OK);
        char *text = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&text, &len);
        vx_hifigan_config_write_json(m, &a, &da);
        fclose(m);
        j = vx_json_parse(text, len, names[i]);
        ck_assert_msg(j != NULL, "%s: %s", text, vx_last_error());
        ck_assert_int_eq(vx_hifigan_config_from_json(j, names[i], &b, &db), VX_OK);
        ck_assert(memcmp(&a, &b, sizeof a) == 0);
        ck_assert(memcmp(&da, &db, sizeof da) == 0);
        vx_json_free(j);
        free(text);
    }
    const char *bad[] = {
        "{\"resblock\": \"3\"}",
        "{\"resblock\": \"2\", \"upsample_rates\": [8,8,4], \"upsample_kernel_sizes\": [16,16],"
        " \"upsample_initial_channel\": 8, \"resblock_kernel_sizes\": [3], \"resblock_dilation_sizes\": [[1,2]]}",
        "{\"resblock\": \"2\", \"upsample_rates\": [8,8,4], \"upsample_kernel_sizes\": [16,16,8],"
        " \"upsample_initial_channel\": 8, \"resblock_kernel_sizes\": [3,5], \"resblock_dilation_sizes\": [[1,2]]}",
        "{\"resblock\": \"2\", \"upsample_rates\": [8,8,4], \"upsample_kernel_sizes\": [16,16,8],"
        " \"upsample_initial_channel\": 12, \"resblock_kernel_sizes\": [3], \"resblock_dilation_sizes\": [[1,2]]}",
    };
    const char *why[] = {"resblock", "upsample kernel sizes", "one array per resblock", "initial_channels"};
    for (int i = 0; i < 4; i++) {
        j = vx_json_parse(bad[i], strlen(bad[i]), "bad");
        ck_assert_fails(vx_hifigan_config_from_json(j, "bad", &a, NULL) == VX_OK);
        ck_assert_msg(strstr(vx_last_error(), why[i]), "%s", vx_last_error());
        vx_json_free(j);
    }
    ck_assert_fails(vx_hifigan_config_load("v4", &a, NULL) == VX_OK);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "use v1, v2, v3"));
}
END_TEST

/* --- tools ------------------------------------------------------------------------------ */

START_TEST(voxc_train_and_vocode_print_help_and_refuse_bad_usage)
{
    char *dir = corpus_temp_dir();
    const tool_case cases[] = {
        {"voxc-train --help", 0, "usage: voxc-train hifigan"},
        {"voxc-train hifigan --help", 0, "--init-from-piper"},
        {"voxc-train", 2, "usage"},
        {"voxc-train tacotron --data x", 2, "unknown model 'tacotron'"},
        {"voxc-train hifigan --data d --out o", 2, "--config is required"},
        {"voxc-train hifigan --config v9 --data d --out o", 2, "use v1, v2, v3"},
        {"voxc-train hifigan --config v1 --data d --out o --batch 0", 2, "--batch '0'"},
        {"voxc-train hifigan --config v1 --data d --out o --lr x", 2, "--lr 'x'"},
        {"voxc-train hifigan --config v1 --data d --out o --frobnicate 1", 2, "unknown option"},
        {"voxc-train hifigan --config v1 --data d --out o --steps", 2, "needs a value"},
        {"voxc-train hifigan --config v1 --data /nonexistent/corpus --out RUN", 1, "LJSpeech folder"},
        {"voxc-vocode --help", 0, "usage: voxc-vocode"},
        {"voxc-vocode", 2, "-m VOCODER is required"},
        {"voxc-vocode -m m.safetensors in.wav", 2, "-o OUT is required"},
        {"voxc-vocode -m m.safetensors a.wav b.wav -o x.wav", 2, "give one input"},
        {"voxc-vocode -m m.safetensors a.wav -o x.wav --threads 0", 2, "--threads '0'"},
        {"voxc-vocode -m /nonexistent/m.safetensors data/ljspeech-mini/wavs/LJ001-0002.wav -o OUT", 1,
         "/nonexistent/m.safetensors"},
    };
    assert_tool_cases(dir, cases, (int)(sizeof cases / sizeof cases[0]));
    corpus_remove_dir(dir);
}
END_TEST

START_TEST(voxc_train_then_voxc_vocode_copy_synthesise_a_clip)
{
    const char *bin = corpus_bin_dir();
    char *data = corpus_temp_dir(), *dir = corpus_temp_dir();
    corpus_make_ljspeech(data, 3);
    char cmd[2048], out[600], run[600];
    corpus_path(out, sizeof out, dir, "out.txt");
    corpus_path(run, sizeof run, dir, "run");
    snprintf(cmd, sizeof cmd, "%s/voxc-train hifigan --config " TINY_CONFIG " --data %s --out %s "
             "--steps 2 --batch 2 --segment 2048 --threads 1 --val-every 1 --seed 5 "
             "--init-from-piper " TINY_VOICE, bin, data, run);
    int rc = corpus_run(cmd, out);
    char *text = corpus_read_text(out);
    ck_assert_msg(rc == 0, "exit %d:\n%s", rc, text);
    ck_assert_msg(strstr(text, "decoder of " TINY_VOICE) && strstr(text, "done: step 2"), "%s", text);
    ck_assert_msg(strstr(text, "validation mel L1"), "%s", text);
    free(text);
    /* copy-synthesis from audio and from the mel voxc-features writes agree */
    char wav[600], mel[600], y1[600], y2[600];
    snprintf(wav, sizeof wav, "%s/wavs/c1.wav", data);
    corpus_path(mel, sizeof mel, dir, "c1.mel.safetensors");
    corpus_path(y1, sizeof y1, dir, "y1.wav");
    corpus_path(y2, sizeof y2, dir, "y2.wav");
    snprintf(cmd, sizeof cmd, "%s/voxc-features %s --out %s", bin, wav, mel);
    ck_assert_int_eq(corpus_run(cmd, out), 0);
    snprintf(cmd, sizeof cmd, "%s/voxc-vocode -m %s/ckpt-000002.safetensors %s -o %s --threads 1", bin, run, wav, y1);
    rc = corpus_run(cmd, out);
    text = corpus_read_text(out);
    ck_assert_msg(rc == 0, "exit %d:\n%s", rc, text);
    free(text);
    snprintf(cmd, sizeof cmd, "%s/voxc-vocode -m %s/ckpt-000002.safetensors %s -o %s", bin, run, mel, y2);
    ck_assert_int_eq(corpus_run(cmd, out), 0);
    vx_audio a, b;
    ck_assert_int_eq(vx_audio_read(y1, false, &a), VX_OK);
    ck_assert_int_eq(vx_audio_read(y2, false, &b), VX_OK);
    ck_assert_int_eq(a.sample_rate, 22050);
    ck_assert_int_eq(a.frames, (int64_t)(0.35 * CORPUS_SR) / 256 * 256);
    ck_assert_int_eq(a.frames, b.frames);
    ck_assert(memcmp(a.samples, b.samples, sizeof(float) * (size_t)a.frames) == 0);
    vx_audio_free(&a);
    vx_audio_free(&b);
    /* a weights file without a config needs --config */
    snprintf(cmd, sizeof cmd, "%s/voxc-vocode -m %s %s -o %s", bin, mel, wav, y1);
    ck_assert_int_eq(corpus_run(cmd, out), 1);
    text = corpus_read_text(out);
    ck_assert_msg(strstr(text, "give --config"), "%s", text);
    free(text);
    corpus_remove_dir(data);
    corpus_remove_dir(dir);
}
END_TEST

Suite *suite_train_loop(void)
{
    Suite *s = suite_create("train_loop");
    TCase *tc = tcase_create("runs");
    tcase_add_test(tc, three_tiny_steps_write_checkpoints_log_and_loss_plot);
    tcase_add_test(tc, an_interrupted_run_resumes_to_the_weights_of_the_uninterrupted_run);
    tcase_add_test(tc, a_nan_stops_the_run_naming_the_step_and_keeps_the_last_good_state);
    tcase_add_test(tc, bad_run_options_and_corpora_are_refused);
    suite_add_tcase(s, tc);
    tc = tcase_create("models");
    tcase_add_test(tc, piper_decoder_weights_start_a_generator_of_the_same_shape);
    tcase_add_test(tc, hifigan_configs_read_the_reference_keys_and_round_trip);
    suite_add_tcase(s, tc);
    tc = tcase_create("tools");
    tcase_add_test(tc, voxc_train_and_vocode_print_help_and_refuse_bad_usage);
    tcase_add_test(tc, voxc_train_then_voxc_vocode_copy_synthesise_a_clip);
    suite_add_tcase(s, tc);
    return s;
}
