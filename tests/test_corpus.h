/* test_corpus.h — helpers for the dataset and training-loop suites: temporary
 * folders, small generated speech-like WAVs and text files, recursive
 * removal, and running a voxc tool. */
#ifndef VX_TEST_CORPUS_H
#define VX_TEST_CORPUS_H

#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audio/wav.h"
#include "test_util.h"

#define CORPUS_SR 22050

/* A fresh folder under /tmp (malloc'd path). */
static inline char *corpus_temp_dir(void)
{
    char *dir = strdup("/tmp/voxc-corpus-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    return dir;
}

static inline int corpus_rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* rm -rf dir, then free the path. */
static inline void corpus_remove_dir(char *dir)
{
    nftw(dir, corpus_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

static inline void corpus_path(char *buf, size_t size, const char *dir, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
}

/* A voiced, speech-like tone: a 3-harmonic sawtooth-ish wave at f0 Hz with a
 * slow vibrato and an amplitude envelope; `seconds` long, 16-bit WAV. */
static inline void corpus_write_tone(const char *path, double seconds, double f0)
{
    int64_t n = (int64_t)(seconds * CORPUS_SR);
    float *x = malloc(sizeof(float) * (size_t)n);
    ck_assert_ptr_nonnull(x);
    double phase = 0;
    for (int64_t i = 0; i < n; i++) {
        double t = (double)i / CORPUS_SR, f = f0 * (1 + 0.03 * sin(2 * M_PI * 5 * t));
        phase += 2 * M_PI * f / CORPUS_SR;
        double env = sin(M_PI * (double)i / (double)n);
        x[i] = (float)(0.3 * env * (sin(phase) + 0.5 * sin(2 * phase) + 0.25 * sin(3 * phase)));
    }
    ck_assert_msg(vx_audio_write(path, x, n, 1, CORPUS_SR, VX_AUDIO_PCM16) == VX_OK, "%s", vx_last_error());
    free(x);
}

static inline void corpus_write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

/* An LJSpeech folder `dir` with clips c0..c<n-1> of 0.3 + 0.05·i seconds at
 * 120 + 15·i Hz. */
static inline void corpus_make_ljspeech(const char *dir, int n)
{
    char path[512], wavs[512];
    corpus_path(wavs, sizeof wavs, dir, "wavs");
    ck_assert_int_eq(mkdir(wavs, 0777), 0);
    corpus_path(path, sizeof path, dir, "metadata.csv");
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i < n; i++) {
        char wav[600];
        snprintf(wav, sizeof wav, "%s/c%d.wav", wavs, i);
        corpus_write_tone(wav, 0.3 + 0.05 * i, 120 + 15 * i);
        fprintf(f, "c%d|Clip %d.|clip %d.\n", i, i, i);
    }
    ck_assert_int_eq(fclose(f), 0);
}

/* Run a shell command; its exit status (−1 when it did not exit). Output
 * goes to `out` (a file path) when given. */
static inline int corpus_run(const char *cmd, const char *out)
{
    const char *to = out ? out : "/dev/null";
    size_t n = strlen(cmd) + strlen(to) + 16;
    char *full = malloc(n);
    ck_assert_ptr_nonnull(full);
    snprintf(full, n, "%s >%s 2>&1", cmd, to);
    int rc = system(full);
    free(full);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* The whole of a small text file (malloc'd). */
static inline char *corpus_read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    char *buf = calloc(1, 1 << 16);
    ck_assert_ptr_nonnull(buf);
    size_t n = fread(buf, 1, (1 << 16) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* The folder holding the voxc tools ($VOXC_BIN, set by make test-run). */
static inline const char *corpus_bin_dir(void)
{
    const char *bin = getenv("VOXC_BIN");
    ck_assert_msg(bin != NULL, "set VOXC_BIN to the folder holding the voxc tools (make test-run does)");
    return bin;
}

#endif
