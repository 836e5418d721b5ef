/* dataset.h — speech corpora for training: the clip list of an LJSpeech-layout
 * folder or of a filelist, the report of every row and clip that was skipped
 * (and why), and the deterministic train/validation split.
 *
 * Layouts (one clip per line, fields separated by '|', UTF-8, LF or CRLF):
 *   LJSpeech  DIR/metadata.csv   id|text|normalized[|phoneme_ids|durations]
 *             audio in DIR/wavs/<id>.wav; the transcript kept is `normalized`
 *             (`id|text` rows are accepted and keep `text`).
 *   filelist  FILE               path|text[|phoneme_ids|durations]
 *             a relative path is taken from the filelist's folder; the clip's
 *             id is the path as written.
 * phoneme_ids and durations (optional, both or neither) are space-separated
 * integers, one per phoneme; durations count mel frames and may not add up
 * to more than the clip's frame count (the feature cache checks that; trailing
 * frames may stay unaligned, as FastSpeech2's preprocessing trims them).
 *
 * Nothing is dropped silently: a row with the wrong number of fields, an empty
 * or unsafe id ('/' or ".." in an LJSpeech id), a duplicate id, bad phoneme
 * columns or a missing audio file goes into the report, named by file and line
 * or by clip id, and the clip is skipped. Blank lines are not rows. */
#ifndef VX_TRAIN_DATASET_H
#define VX_TRAIN_DATASET_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/status.h"

/* --- report ----------------------------------------------------------------------- */

typedef struct vx_data_issue {
    char *where;   /* "metadata.csv line 7" or a clip id */
    char *what;    /* what is wrong                       */
} vx_data_issue;

typedef struct vx_data_report {
    vx_data_issue *items;
    int n, cap;
} vx_data_report;

/* Add one issue (a failed allocation drops it; the report stays usable). */
void vx_data_report_add(vx_data_report *r, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "<n> rows/clips skipped:" and one indented "where: what" line each; nothing
 * when the report is empty. */
void vx_data_report_print(const vx_data_report *r, FILE *f);

/* Index of the first issue whose `where` equals `where`, or −1. */
int vx_data_report_find(const vx_data_report *r, const char *where);

/* Free every issue and zero the report. */
void vx_data_report_clear(vx_data_report *r);

/* --- clips ------------------------------------------------------------------------ */

typedef struct vx_clip {
    char *id;              /* LJSpeech id, or the filelist path as written     */
    char *path;            /* audio file, resolved                             */
    char *text;            /* transcript                                       */
    int n_phonemes;        /* 0 when the row has no phoneme columns            */
    int32_t *phoneme_ids;  /* [n_phonemes] or NULL                             */
    int32_t *durations;    /* [n_phonemes] mel frames, or NULL                 */
    int line;              /* line of the row in its file (1-based)            */
} vx_clip;

typedef struct vx_dataset {
    char *source;          /* the folder or filelist given                     */
    bool ljspeech;         /* layout                                           */
    vx_clip *clips;        /* in file order                                    */
    int n_clips;
} vx_dataset;

/* Read a corpus: `path` is an LJSpeech folder (or its metadata.csv) or a
 * filelist. Rows and clips that cannot be used are added to `report` (may be
 * NULL: then they are still skipped) and left out. NULL with the error set
 * when the file cannot be read or holds no usable clip. */
vx_dataset *vx_dataset_open(const char *path, vx_data_report *report);
void vx_dataset_free(vx_dataset *ds);

/* --- split ------------------------------------------------------------------------ */

/* 64-bit hash of an id: FNV-1a over its bytes, then the splitmix64 finaliser
 * (z ^= z >> 30; z *= 0xbf58476d1ce4e5b9; z ^= z >> 27; z *= 0x94d049bb133111eb;
 * z ^= z >> 31) so that ids differing in one digit spread evenly. */
uint64_t vx_clip_hash(const char *id);

/* A clip belongs to the validation split when vx_clip_hash(id) % 1000000 <
 * val_fraction · 1000000: a function of its id alone, so adding or removing
 * other clips never moves it. Over `n` ids: is_val[i] set accordingly; when
 * val_fraction > 0, n ≥ 2 and no id fell into validation, the id with the
 * smallest hash is moved there (tiny corpora still validate); when every id
 * fell into validation, the one with the largest hash is kept for training.
 * Returns the number of validation ids. */
int vx_split_ids(const char *const *ids, int n, double val_fraction, bool *is_val);

#endif
