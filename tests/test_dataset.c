/* test_dataset.c — corpora, features and batches: LJSpeech and filelist
 * parsing with every skipped row and clip reported, the hash split (pinned to
 * a Python one-liner), the feature cache (build, reuse, invalidation, stale
 * and corrupt shards), segment and bucket batching, and the loader thread
 * against the synchronous path. Corpora are generated WAVs in /tmp, plus the
 * two LJ Speech clips of data/ljspeech-mini. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audio/energy.h"
#include "audio/mel.h"
#include "audio/pitch.h"
#include "audio/wav.h"
#include "test_corpus.h"
#include "test_util.h"
#include "train/batch.h"
#include "train/dataset.h"
#include "train/feature_cache.h"
#include "train/loader.h"

/* --- helpers ------------------------------------------------------------------------- */

static const vx_clip *find_clip(const vx_dataset *ds, const char *id)
{
    for (int i = 0; i < ds->n_clips; i++)
        if (strcmp(ds->clips[i].id, id) == 0)
            return &ds->clips[i];
    return NULL;
}

static void assert_reported(const vx_data_report *r, const char *where, const char *needle)
{
    int i = vx_data_report_find(r, where);
    ck_assert_msg(i >= 0, "nothing reported for '%s'", where);
    ck_assert_msg(strstr(r->items[i].what, needle), "report for '%s' is '%s'; want '%s' in it", where,
                  r->items[i].what, needle);
}

static vx_feature_cache *open_cache(const vx_dataset *ds, const char *dir, int per_shard,
                                    vx_data_report *report, vx_cache_stats *stats)
{
    vx_cache_opts co = {.dir = dir, .clips_per_shard = per_shard};
    vx_feature_cache *c = vx_feature_cache_open(ds, &co, report, stats);
    ck_assert_msg(c != NULL, "%s", vx_last_error());
    return c;
}

static const vx_clip_features *cached(const vx_feature_cache *c, const char *id)
{
    for (int i = 0; i < vx_feature_cache_count(c); i++)
        if (strcmp(vx_feature_cache_at(c, i)->id, id) == 0)
            return vx_feature_cache_at(c, i);
    return NULL;
}

static int *all_clips(const vx_feature_cache *c)
{
    int n = vx_feature_cache_count(c);
    int *idx = malloc((size_t)n * sizeof *idx);
    for (int i = 0; i < n; i++)
        idx[i] = i;
    return idx;
}

static void assert_same_batch(const vx_batch *a, const vx_batch *b)
{
    ck_assert_int_eq(a->index, b->index);
    ck_assert_int_eq(a->size, b->size);
    ck_assert_int_eq(a->frames, b->frames);
    ck_assert(memcmp(a->mel, b->mel, sizeof(float) * (size_t)(a->size * a->n_mels * a->frames)) == 0);
    ck_assert(memcmp(a->audio, b->audio, sizeof(float) * (size_t)(a->size * a->samples)) == 0);
    ck_assert(memcmp(a->clips, b->clips, sizeof(int) * (size_t)a->size) == 0);
    ck_assert(memcmp(a->starts, b->starts, sizeof(int64_t) * (size_t)a->size) == 0);
}

/* --- parsing ----------------------------------------------------------------------------- */

START_TEST(ljspeech_rows_are_read_and_every_bad_row_or_missing_clip_is_reported)
{
    char *dir = corpus_temp_dir();
    char path[512];
    corpus_path(path, sizeof path, dir, "wavs");
    ck_assert_int_eq(mkdir(path, 0777), 0);
    const char *names[] = {"a", "b", "c", "d"};
    for (int i = 0; i < 4; i++) {
        char wav[600];
        snprintf(wav, sizeof wav, "%s/wavs/%s.wav", dir, names[i]);
        corpus_write_tone(wav, 0.2, 150);
    }
    corpus_path(path, sizeof path, dir, "metadata.csv");
    corpus_write_text(path, "\xEF\xBB\xBF"
                            "a|Text A.|text a.\n"                  /* 1 */
                            "b|Text B.|text b.|3 1 4|2 0 5\n"      /* 2 phonemes */
                            "\n"                                   /* 3 blank: not a row */
                            "no bars at all\n"                     /* 4 one field */
                            "c|x|y|z\n"                            /* 5 four fields */
                            "missing|Gone.|gone.\n"                /* 6 no wav */
                            "a|Again.|again.\n"                    /* 7 duplicate */
                            "../evil|x|x\n"                        /* 8 unsafe id */
                            "d|D.|d.|1 x|2 3\n"                    /* 9 bad ids */
                            "c|Text C.|text c.\r\n"                /* 10 CRLF */
                            "d|D.|d.|1 2|3\n"                      /* 11 count mismatch */
                            "|empty id|x");                        /* 12 no newline */
    vx_data_report rep = {0};
    vx_dataset *ds = vx_dataset_open(dir, &rep);
    ck_assert_msg(ds != NULL, "%s", vx_last_error());
    ck_assert(ds->ljspeech);
    ck_assert_int_eq(ds->n_clips, 3);
    ck_assert_str_eq(ds->clips[0].id, "a");
    ck_assert_str_eq(ds->clips[0].text, "text a.");
    ck_assert_int_eq(ds->clips[0].n_phonemes, 0);
    const vx_clip *b = find_clip(ds, "b");
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(b->n_phonemes, 3);
    ck_assert_int_eq(b->phoneme_ids[2], 4);
    ck_assert_int_eq(b->durations[0], 2);
    const vx_clip *c = find_clip(ds, "c");
    ck_assert_ptr_nonnull(c);
    ck_assert_str_eq(c->text, "text c."); /* the CR is gone */
    ck_assert_int_eq(c->line, 10);
    ck_assert_ptr_nonnull(strstr(c->path, "/wavs/c.wav"));
    ck_assert_int_eq(rep.n, 8);
    assert_reported(&rep, "metadata.csv line 4", "1 field");
    assert_reported(&rep, "metadata.csv line 5", "4 fields");
    assert_reported(&rep, "missing", "is missing");
    assert_reported(&rep, "metadata.csv line 7", "duplicate id 'a'");
    assert_reported(&rep, "metadata.csv line 8", "not a file name");
    assert_reported(&rep, "metadata.csv line 9", "not space-separated integers");
    assert_reported(&rep, "metadata.csv line 11", "2 phoneme ids but 1 durations");
    assert_reported(&rep, "metadata.csv line 12", "empty");
    FILE *mem = tmpfile();
    vx_data_report_print(&rep, mem);
    rewind(mem);
    char line[256];
    ck_assert_ptr_nonnull(fgets(line, sizeof line, mem));
    ck_assert_str_eq(line, "8 rows or clips skipped:\n");
    fclose(mem);
    vx_data_report_clear(&rep);
    ck_assert_int_eq(rep.n, 0);
    vx_dataset_free(ds);
    corpus_remove_dir(dir);
}
END_TEST

START_TEST(filelist_paths_are_taken_from_the_filelist_folder)
{
    char *dir = corpus_temp_dir();
    char path[512], abs_wav[512], text[2048];
    corpus_path(path, sizeof path, dir, "sub");
    ck_assert_int_eq(mkdir(path, 0777), 0);
    corpus_path(path, sizeof path, dir, "sub/one.wav");
    corpus_write_tone(path, 0.2, 140);
    corpus_path(abs_wav, sizeof abs_wav, dir, "two.wav");
    corpus_write_tone(abs_wav, 0.2, 160);
    snprintf(text, sizeof text, "sub/one.wav|First.\n%s|Second.|7 8|1 1\nsub/none.wav|Third.\n"
             "only-a-path\n", abs_wav);
    corpus_path(path, sizeof path, dir, "list.txt");
    corpus_write_text(path, text);
    vx_data_report rep = {0};
    vx_dataset *ds = vx_dataset_open(path, &rep);
    ck_assert_msg(ds != NULL, "%s", vx_last_error());
    ck_assert(!ds->ljspeech);
    ck_assert_int_eq(ds->n_clips, 2);
    ck_assert_str_eq(ds->clips[0].id, "sub/one.wav");
    corpus_path(path, sizeof path, dir, "sub/one.wav");
    ck_assert_str_eq(ds->clips[0].path, path);
    ck_assert_str_eq(ds->clips[0].text, "First.");
    ck_assert_str_eq(ds->clips[1].path, abs_wav);
    ck_assert_int_eq(ds->clips[1].n_phonemes, 2);
    ck_assert_int_eq(rep.n, 2);
    assert_reported(&rep, "sub/none.wav", "is missing");
    assert_reported(&rep, "list.txt line 4", "want path|text");
    vx_data_report_clear(&rep);
    vx_dataset_free(ds);
    corpus_remove_dir(dir);
}
END_TEST

START_TEST(unreadable_or_empty_corpora_fail_with_a_message)
{
    char *dir = corpus_temp_dir();
    ck_assert_fails(vx_dataset_open("/nonexistent/voxc-corpus", NULL) != NULL);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "LJSpeech folder"));
    ck_assert_fails(vx_dataset_open(dir, NULL) != NULL); /* no metadata.csv */
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "metadata.csv"));
    char path[512];
    corpus_path(path, sizeof path, dir, "metadata.csv");
    corpus_write_text(path, "x|only missing clips|x\n");
    vx_data_report rep = {0};
    ck_assert_fails(vx_dataset_open(dir, &rep) != NULL);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "no usable clip"));
    ck_assert_int_eq(rep.n, 1);
    vx_data_report_clear(&rep);
    corpus_remove_dir(dir);
}
END_TEST

/* --- split ------------------------------------------------------------------------------- */

/* Expected values: tests/ref-free Python one-liner (FNV-1a 64 + splitmix64 finaliser):
 *   M=2**64-1
 *   def h(s):
 *     x=0xcbf29ce484222325
 *     for b in s.encode(): x^=b; x=(x*0x100000001b3)&M
 *     x^=x>>30; x=(x*0xbf58476d1ce4e5b9)&M; x^=x>>27; x=(x*0x94d049bb133111eb)&M; x^=x>>31
 *     return x
 *   hex(h('LJ001-0001')) -> 0xa312677e8fa16b40, hex(h('')) -> 0xf52a15e9a9b5e89b
 *   [i for i in ['LJ001-%04d'%k for k in range(1,101)] if h(i)%1000000 < 100000]
 *   -> 0005 0006 0018 0025 0033 0064 0075 0095 */
START_TEST(split_depends_on_the_id_alone_and_matches_the_python_hash)
{
    ck_assert_uint_eq(vx_clip_hash("LJ001-0001"), 0xa312677e8fa16b40ull);
    ck_assert_uint_eq(vx_clip_hash(""), 0xf52a15e9a9b5e89bull);
    char names[100][24];
    const char *ids[100];
    bool is_val[100];
    for (int i = 0; i < 100; i++) {
        snprintf(names[i], sizeof names[i], "LJ001-%04d", i + 1);
        ids[i] = names[i];
    }
    ck_assert_int_eq(vx_split_ids(ids, 100, 0.1, is_val), 8);
    const int want[] = {5, 6, 18, 25, 33, 64, 75, 95};
    for (int i = 0, k = 0; i < 100; i++) {
        bool expect = k < 8 && want[k] == i + 1;
        ck_assert_msg(is_val[i] == expect, "%s: validation %d, want %d", ids[i], is_val[i], expect);
        k += expect;
    }
    /* the same ids in another corpus (fewer, reordered) keep their side */
    const char *some[3] = {ids[24], ids[0], ids[4]};
    bool v3[3];
    ck_assert_int_eq(vx_split_ids(some, 3, 0.1, v3), 2);
    ck_assert(v3[0] && !v3[1] && v3[2]);
    /* tiny corpora: at least one validation clip, at least one training clip */
    bool v2[2];
    ck_assert_int_eq(vx_split_ids(ids + 1, 2, 0.001, v2), 1);
    ck_assert_int_eq(vx_split_ids(ids + 1, 2, 0.99, v2), 1);
    ck_assert_int_eq(vx_split_ids(ids + 1, 2, 0, v2), 0);
    int one = vx_split_ids(ids, 1, 0.99, v2); /* a single clip is never forced either way */
    ck_assert_int_eq(one, v2[0]);
}
END_TEST

/* --- feature cache ------------------------------------------------------------------------ */

START_TEST(cache_features_of_real_clips_equal_the_audio_modules)
{
    char *dir = corpus_temp_dir();
    vx_dataset *ds = vx_dataset_open("data/ljspeech-mini", NULL);
    ck_assert_msg(ds != NULL, "%s", vx_last_error());
    vx_cache_stats s;
    vx_feature_cache *c = open_cache(ds, dir, 0, NULL, &s);
    ck_assert_int_eq(s.shards, 1);
    ck_assert_int_eq(s.built, 1);
    ck_assert_int_eq(vx_feature_cache_count(c), 2);
    const vx_clip_features *cf = cached(c, "LJ001-0002");
    ck_assert_ptr_nonnull(cf);
    vx_audio a;
    ck_assert_int_eq(vx_audio_read_mono("data/ljspeech-mini/wavs/LJ001-0002.wav", 22050, &a), VX_OK);
    ck_assert_int_eq(cf->n_samples, a.frames);
    ck_assert(memcmp(cf->audio, a.samples, sizeof(float) * (size_t)a.frames) == 0);
    ck_assert_int_eq(cf->n_frames, a.frames / 256);
    vx_logmel *lm = vx_logmel_new(vx_feature_cache_mel_cfg(c));
    int64_t frames;
    float *mel = vx_logmel_alloc(lm, a.samples, a.frames, &frames);
    ck_assert_int_eq(frames, cf->n_frames);
    ck_assert(memcmp(mel, cf->mel, sizeof(float) * (size_t)(frames * 80)) == 0);
    float *f0 = malloc(sizeof(float) * (size_t)vx_f0_frames(vx_feature_cache_f0_cfg(c), a.frames));
    ck_assert_int_eq(vx_f0_estimate(vx_feature_cache_f0_cfg(c), a.samples, a.frames, f0), VX_OK);
    ck_assert(memcmp(f0, cf->f0, sizeof(float) * (size_t)frames) == 0);
    int voiced = 0;
    for (int64_t t = 0; t < frames; t++)
        voiced += cf->f0[t] > 0;
    ck_assert_int_gt(voiced, frames / 2); /* speech: mostly voiced */
    for (int64_t t = 0; t < frames; t++)
        ck_assert(cf->energy[t] >= 0);
    /* silence padding is the log-mel of zeros: the floor ln(1e-5) where the filter sum is small */
    const float *sil = vx_feature_cache_silence(c);
    for (int m = 0; m < 80; m++)
        ck_assert(sil[m] >= logf(1e-5f) - 1e-6f && sil[m] < -8.0f);
    free(f0);
    free(mel);
    vx_logmel_free(lm);
    vx_audio_free(&a);
    vx_feature_cache_close(c);
    vx_dataset_free(ds);
    corpus_remove_dir(dir);
}
END_TEST

/* Rewrite metadata.csv of `dir` with clips c0..c<n-1> plus the extra rows. */
static void write_metadata(const char *dir, int n, const char *extra)
{
    char path[512], text[4096];
    int used = 0;
    for (int i = 0; i < n; i++)
        used += snprintf(text + used, sizeof text - (size_t)used, "c%d|Clip.|clip.%s\n", i,
                         i == 1 ? "|5 6 7|10 10 8" : "");
    snprintf(text + used, sizeof text - (size_t)used, "%s", extra);
    corpus_path(path, sizeof path, dir, "metadata.csv");
    corpus_write_text(path, text);
}

START_TEST(cache_is_built_once_reused_and_rebuilt_where_a_clip_changed)
{
    char *dir = corpus_temp_dir(), *cache_dir = corpus_temp_dir();
    corpus_make_ljspeech(dir, 5);
    char path[512];
    corpus_path(path, sizeof path, dir, "wavs/broken.wav");
    corpus_write_text(path, "RIFF but not really a wave file");
    corpus_path(path, sizeof path, dir, "wavs/short.wav");
    corpus_write_tone(path, 0.02, 200); /* 441 samples: less than one FFT window */
    write_metadata(dir, 5, "broken|x|x\nshort|x|x\n");
    vx_data_report rep = {0};
    vx_dataset *ds = vx_dataset_open(dir, &rep);
    ck_assert_int_eq(ds->n_clips, 7);
    vx_cache_stats s;
    vx_feature_cache *c = open_cache(ds, cache_dir, 2, &rep, &s);
    ck_assert_int_eq(s.shards, 4);
    ck_assert_int_eq(s.built, 4);
    ck_assert_int_eq(s.reused, 0);
    ck_assert_int_eq(s.clips, 5);
    ck_assert_int_eq(s.failed, 2);
    ck_assert_int_eq(rep.n, 2);
    ck_assert_int_ge(vx_data_report_find(&rep, "broken"), 0);
    assert_reported(&rep, "short", "at least one FFT window");
    const vx_clip_features *c1 = cached(c, "c1");
    ck_assert_int_eq(c1->n_phonemes, 3);
    ck_assert_int_eq(c1->durations[2], 8);
    ck_assert_int_eq(c1->phoneme_ids[0], 5);
    ck_assert_ptr_null(cached(c, "c0")->durations);
    int64_t n_before = cached(c, "c3")->n_samples;
    vx_feature_cache_close(c);
    vx_data_report_clear(&rep);

    /* unchanged: every shard reused, the failures reported again */
    c = open_cache(ds, cache_dir, 2, &rep, &s);
    ck_assert_int_eq(s.built, 0);
    ck_assert_int_eq(s.reused, 4);
    ck_assert_int_eq(rep.n, 2);
    ck_assert_int_ge(vx_data_report_find(&rep, "broken"), 0);
    vx_feature_cache_close(c);
    vx_data_report_clear(&rep);

    /* c3 changes (new audio, new mtime): only its shard is rebuilt */
    corpus_path(path, sizeof path, dir, "wavs/c3.wav");
    corpus_write_tone(path, 0.7, 220);
    struct timespec times[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1000000000}};
    ck_assert_int_eq(utimensat(AT_FDCWD, path, times, 0), 0);
    c = open_cache(ds, cache_dir, 2, NULL, &s);
    ck_assert_int_eq(s.built, 1);
    ck_assert_int_eq(s.reused, 3);
    ck_assert_int_eq(cached(c, "c3")->n_samples, (int64_t)(0.7 * CORPUS_SR));
    ck_assert_int_ne(cached(c, "c3")->n_samples, n_before);
    vx_feature_cache_close(c);

    /* a changed phoneme column (same audio) also invalidates its shard */
    vx_dataset_free(ds);
    write_metadata(dir, 5, "broken|x|x\nshort|x|x\n");
    char meta[512];
    corpus_path(meta, sizeof meta, dir, "metadata.csv");
    char *text = corpus_read_text(meta);
    char *p = strstr(text, "10 10 8");
    p[6] = '7';
    corpus_write_text(meta, text);
    free(text);
    ds = vx_dataset_open(dir, NULL);
    c = open_cache(ds, cache_dir, 2, NULL, &s);
    ck_assert_int_eq(s.built, 1);
    ck_assert_int_eq(cached(c, "c1")->durations[2], 7);
    vx_feature_cache_close(c);
    vx_dataset_free(ds);

    /* fewer clips: stale shards are deleted; a corrupt shard is rebuilt, not fatal */
    write_metadata(dir, 3, "");
    ds = vx_dataset_open(dir, NULL);
    corpus_path(path, sizeof path, cache_dir, "shard-00000.safetensors");
    corpus_write_text(path, "garbage");
    c = open_cache(ds, cache_dir, 2, NULL, &s);
    ck_assert_int_eq(s.shards, 2);
    ck_assert_int_eq(s.built, 2); /* shard 0 was corrupt; shard 1 now holds c2 alone */
    ck_assert_int_eq(vx_feature_cache_count(c), 3);
    corpus_path(path, sizeof path, cache_dir, "shard-00002.safetensors");
    ck_assert_int_ne(access(path, F_OK), 0);
    corpus_path(path, sizeof path, cache_dir, "shard-00003.safetensors");
    ck_assert_int_ne(access(path, F_OK), 0);
    vx_feature_cache_close(c);
    vx_dataset_free(ds);
    corpus_remove_dir(dir);
    corpus_remove_dir(cache_dir);
}
END_TEST

START_TEST(durations_longer_than_the_audio_are_reported)
{
    char *dir = corpus_temp_dir(), *cache_dir = corpus_temp_dir();
    corpus_make_ljspeech(dir, 2);
    char path[512];
    corpus_path(path, sizeof path, dir, "metadata.csv");
    corpus_write_text(path, "c0|x|x|1 2|10 10\nc1|x|x|1 2|500 3\n");
    vx_data_report rep = {0};
    vx_dataset *ds = vx_dataset_open(dir, &rep);
    vx_cache_stats s;
    vx_feature_cache *c = open_cache(ds, cache_dir, 0, &rep, &s);
    ck_assert_int_eq(vx_feature_cache_count(c), 1);
    assert_reported(&rep, "c1", "durations add up to 503 frames");
    vx_feature_cache_close(c);
    vx_data_report_clear(&rep);
    vx_dataset_free(ds);
    corpus_remove_dir(dir);
    corpus_remove_dir(cache_dir);
}
END_TEST

/* --- batches ------------------------------------------------------------------------------ */

typedef struct corpus_fixture {
    char *dir, *cache_dir;
    vx_dataset *ds;
    vx_feature_cache *cache;
    int *idx;
    int n;
} corpus_fixture;

static corpus_fixture corpus_open(int n_clips)
{
    corpus_fixture f = {.dir = corpus_temp_dir(), .cache_dir = corpus_temp_dir()};
    corpus_make_ljspeech(f.dir, n_clips);
    f.ds = vx_dataset_open(f.dir, NULL);
    ck_assert_ptr_nonnull(f.ds);
    f.cache = open_cache(f.ds, f.cache_dir, 0, NULL, NULL);
    f.n = vx_feature_cache_count(f.cache);
    f.idx = all_clips(f.cache);
    return f;
}

static void corpus_close(corpus_fixture *f)
{
    free(f->idx);
    vx_feature_cache_close(f->cache);
    vx_dataset_free(f->ds);
    corpus_remove_dir(f->dir);
    corpus_remove_dir(f->cache_dir);
}

START_TEST(segment_batches_slice_matching_audio_and_mel_and_are_deterministic)
{
    corpus_fixture f = corpus_open(5); /* 0.30 .. 0.50 s: 25 .. 43 frames */
    int B = 3, segment = 16 * 256;
    vx_segment_sampler *s = vx_segment_sampler_new(f.cache, f.idx, f.n, B, segment, 7);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(vx_segment_batches_per_epoch(s), 1);
    vx_batch a = {0}, b = {0};
    ck_assert_int_eq(vx_segment_fill(s, 4, &a), VX_OK);
    ck_assert_int_eq(a.size, B);
    ck_assert_int_eq(a.frames, 16);
    ck_assert_int_eq(a.samples, segment);
    ck_assert_int_eq(a.n_mels, 80);
    const float *sil = vx_feature_cache_silence(f.cache);
    for (int i = 0; i < B; i++) {
        const vx_clip_features *cf = vx_feature_cache_at(f.cache, a.clips[i]);
        int64_t s0 = a.starts[i];
        ck_assert(s0 >= 0 && s0 + 16 <= cf->n_frames);
        ck_assert_int_eq(a.lengths[i], 16);
        for (int64_t t = 0; t < 16; t++)
            for (int m = 0; m < 80; m += 13)
                ck_assert_float_eq(a.mel[(i * 80 + m) * 16 + t], cf->mel[(s0 + t) * 80 + m]);
        ck_assert(memcmp(a.audio + i * segment, cf->audio + s0 * 256, sizeof(float) * (size_t)segment) == 0);
        /* away from the segment edges the cached frames are the mel of the segment's own audio */
        vx_logmel *lm = vx_logmel_new(vx_feature_cache_mel_cfg(f.cache));
        int64_t fr;
        float *own = vx_logmel_alloc(lm, a.audio + i * segment, segment, &fr);
        ck_assert_int_eq(fr, 16);
        for (int64_t t = 2; t <= 13; t++)
            for (int m = 0; m < 80; m++)
                ck_assert_close(own[t * 80 + m], a.mel[(i * 80 + m) * 16 + t], 1e-4);
        free(own);
        vx_logmel_free(lm);
    }
    /* same k: same batch, from a fresh sampler too; another seed: other starts */
    vx_segment_sampler *s2 = vx_segment_sampler_new(f.cache, f.idx, f.n, B, segment, 7);
    ck_assert_int_eq(vx_segment_fill(s2, 0, &b), VX_OK);
    ck_assert_int_eq(vx_segment_fill(s2, 4, &b), VX_OK);
    assert_same_batch(&a, &b);
    vx_segment_sampler *s3 = vx_segment_sampler_new(f.cache, f.idx, f.n, B, segment, 8);
    ck_assert_int_eq(vx_segment_fill(s3, 4, &b), VX_OK);
    ck_assert(memcmp(a.starts, b.starts, sizeof(int64_t) * 3) != 0 || memcmp(a.clips, b.clips, sizeof(int) * 3) != 0);
    /* an epoch visits every clip once: items 0..4 of the stream */
    vx_segment_sampler *s5 = vx_segment_sampler_new(f.cache, f.idx, f.n, 5, segment, 7);
    ck_assert_int_eq(vx_segment_fill(s5, 0, &b), VX_OK);
    int seen = 0;
    for (int i = 0; i < 5; i++)
        seen |= 1 << b.clips[i];
    ck_assert_int_eq(seen, 31);
    /* a segment longer than a clip is padded with silence */
    vx_segment_sampler *lng = vx_segment_sampler_new(f.cache, f.idx, f.n, 1, 64 * 256, 7);
    ck_assert_int_eq(vx_segment_fill(lng, 0, &b), VX_OK);
    const vx_clip_features *cf = vx_feature_cache_at(f.cache, b.clips[0]);
    ck_assert_int_eq(b.starts[0], 0);
    ck_assert_int_eq(b.lengths[0], cf->n_frames);
    ck_assert_float_eq(b.mel[5 * 64 + 63], sil[5]);
    ck_assert_float_eq(b.audio[64 * 256 - 1], 0.0f);
    ck_assert_float_eq(b.mel[5 * 64 + 0], cf->mel[5]);
    ck_assert_fails(vx_segment_sampler_new(f.cache, f.idx, f.n, 2, 1000, 7) != NULL);
    ck_assert_fails(vx_segment_sampler_new(f.cache, f.idx, 0, 2, 1024, 7) != NULL);
    vx_segment_sampler_free(lng);
    vx_segment_sampler_free(s5);
    vx_segment_sampler_free(s3);
    vx_segment_sampler_free(s2);
    vx_segment_sampler_free(s);
    vx_batch_free(&a);
    vx_batch_free(&b);
    corpus_close(&f);
}
END_TEST

START_TEST(length_buckets_group_similar_clips_and_cover_each_once_per_epoch)
{
    corpus_fixture f = corpus_open(7); /* lengths grow with the index */
    vx_bucket_sampler *s = vx_bucket_sampler_new(f.cache, f.idx, f.n, 3, 0, true, 11);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(vx_bucket_count(s), 3); /* {0,1,2} {3,4,5} {6} */
    vx_batch b = {0};
    for (int epoch = 0; epoch < 2; epoch++) {
        int seen = 0;
        for (int j = 0; j < 3; j++) {
            ck_assert_int_eq(vx_bucket_fill(s, epoch * 3 + j, &b), VX_OK);
            int64_t longest = 0;
            for (int i = 0; i < b.size; i++) {
                const vx_clip_features *cf = vx_feature_cache_at(f.cache, b.clips[i]);
                ck_assert_int_eq(b.lengths[i], cf->n_frames);
                ck_assert_int_eq(b.starts[i], 0);
                longest = cf->n_frames > longest ? cf->n_frames : longest;
                ck_assert_int_eq(b.clips[i] / 3, b.clips[0] / 3); /* similar lengths together */
                seen |= 1 << b.clips[i];
                if (cf->n_frames < b.frames) /* padding: silence mel, zero audio */
                    ck_assert_float_eq(b.mel[(i * 80 + 0) * b.frames + b.frames - 1],
                                       vx_feature_cache_silence(f.cache)[0]);
            }
            ck_assert_int_eq(b.frames, longest);
        }
        ck_assert_int_eq(seen, 127);
    }
    /* a frame budget splits buckets: clips 0 and 1 (25, 30 frames) fit 60 padded
     * frames together; every longer clip is alone */
    vx_bucket_sampler *small = vx_bucket_sampler_new(f.cache, f.idx, f.n, 3, 60, false, 11);
    ck_assert_int_eq(vx_bucket_count(small), 6);
    ck_assert_int_eq(vx_bucket_fill(small, 0, &b), VX_OK);
    ck_assert_int_eq(b.size, 2);
    ck_assert_int_eq(b.clips[0], 0);
    ck_assert_int_eq(b.clips[1], 1);
    vx_bucket_sampler_free(small);
    vx_bucket_sampler_free(s);
    vx_batch_free(&b);
    corpus_close(&f);
}
END_TEST

/* --- loader thread ------------------------------------------------------------------------ */

START_TEST(loader_thread_delivers_the_batches_of_the_synchronous_path)
{
    corpus_fixture f = corpus_open(4);
    vx_segment_sampler *async = vx_segment_sampler_new(f.cache, f.idx, f.n, 2, 2048, 3);
    vx_segment_sampler *sync = vx_segment_sampler_new(f.cache, f.idx, f.n, 2, 2048, 3);
    vx_loader *ld = vx_loader_start(vx_segment_fill, async, 5, 2);
    ck_assert_msg(ld != NULL, "%s", vx_last_error());
    vx_batch want = {0};
    for (int64_t k = 5; k < 12; k++) {
        vx_batch *got;
        ck_assert_msg(vx_loader_next(ld, &got) == VX_OK, "%s", vx_last_error());
        ck_assert_int_eq(vx_segment_fill(sync, k, &want), VX_OK);
        assert_same_batch(got, &want);
        vx_loader_release(ld, got);
    }
    /* two batches out at depth 2: a third is refused, then stop while the thread waits */
    vx_batch *x, *y, *z;
    ck_assert_int_eq(vx_loader_next(ld, &x), VX_OK);
    ck_assert_int_eq(vx_loader_next(ld, &y), VX_OK);
    ck_assert_fails(vx_loader_next(ld, &z) == VX_OK);
    ck_assert_ptr_nonnull(strstr(vx_last_error(), "release one"));
    vx_loader_stop(ld);
    vx_batch_free(&want);
    vx_segment_sampler_free(async);
    vx_segment_sampler_free(sync);
    corpus_close(&f);
}
END_TEST

static vx_status failing_fill(void *sampler, int64_t k, vx_batch *out)
{
    (void)sampler;
    if (k == 2)
        return vx_fail(VX_ERR_IO, "batch %lld: the disk went away", (long long)k);
    out->index = k;
    return VX_OK;
}

START_TEST(loader_passes_a_failed_batch_on_with_its_message)
{
    vx_loader *ld = vx_loader_start(failing_fill, NULL, 0, 3);
    vx_batch *b;
    for (int k = 0; k < 2; k++) {
        ck_assert_int_eq(vx_loader_next(ld, &b), VX_OK);
        ck_assert_int_eq(b->index, k);
        vx_loader_release(ld, b);
    }
    vx_clear_error();
    ck_assert_int_eq(vx_loader_next(ld, &b), VX_ERR_IO);
    ck_assert_str_eq(vx_last_error(), "batch 2: the disk went away");
    ck_assert_int_eq(vx_loader_next(ld, &b), VX_ERR_IO); /* and stays failed */
    vx_loader_stop(ld);
    ck_assert_fails(vx_loader_start(failing_fill, NULL, 0, 0) != NULL);
    vx_loader_stop(NULL);
}
END_TEST

Suite *suite_dataset(void)
{
    Suite *s = suite_create("dataset");
    TCase *tc = tcase_create("corpus");
    tcase_add_test(tc, ljspeech_rows_are_read_and_every_bad_row_or_missing_clip_is_reported);
    tcase_add_test(tc, filelist_paths_are_taken_from_the_filelist_folder);
    tcase_add_test(tc, unreadable_or_empty_corpora_fail_with_a_message);
    tcase_add_test(tc, split_depends_on_the_id_alone_and_matches_the_python_hash);
    suite_add_tcase(s, tc);
    tc = tcase_create("cache");
    tcase_add_test(tc, cache_features_of_real_clips_equal_the_audio_modules);
    tcase_add_test(tc, cache_is_built_once_reused_and_rebuilt_where_a_clip_changed);
    tcase_add_test(tc, durations_longer_than_the_audio_are_reported);
    suite_add_tcase(s, tc);
    tc = tcase_create("batches");
    tcase_add_test(tc, segment_batches_slice_matching_audio_and_mel_and_are_deterministic);
    tcase_add_test(tc, length_buckets_group_similar_clips_and_cover_each_once_per_epoch);
    tcase_add_test(tc, loader_thread_delivers_the_batches_of_the_synchronous_path);
    tcase_add_test(tc, loader_passes_a_failed_batch_on_with_its_message);
    suite_add_tcase(s, tc);
    return s;
}
