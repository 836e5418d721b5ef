/* distill_internal.h — the files a distillation run reads (the text lines and
 * an earlier run's metadata.csv rows), shared by train/distill*.c only. */
#ifndef VX_TRAIN_DISTILL_INTERNAL_H
#define VX_TRAIN_DISTILL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "train/dataset.h"

/* One line of the text file that counts as a text. */
typedef struct distill_text {
    char *id;          /* NULL when the line gave none (reported)            */
    char *text;        /* trimmed                                            */
    int line;          /* 1-based line in the text file                      */
    bool usable;       /* false: reported while reading                      */
    char *row;         /* its metadata.csv row with '\n', once the clip exists */
    double audio_s;
} distill_text;

/* A row of an earlier run's metadata.csv. */
typedef struct distill_row {
    char *line;        /* the row without '\n'; NULL when dropped            */
    char *id, *text;   /* copies of fields 1 and 2                           */
    int64_t frames;    /* Σ durations                                        */
    bool used;         /* claimed (kept or superseded) by one of this run's texts */
} distill_row;

typedef struct distill_input {
    distill_text *items;  /* the texts, in file order                         */
    int n_items;
    distill_row *rows;    /* an earlier run's rows, sorted by id              */
    int n_rows;
} distill_input;

/* The texts of `path` (distill.h gives the format), the first `limit` (0:
 * all) into in->items; lines that cannot be used are reported and kept
 * unusable. Fails when the file cannot be read or holds no text. */
vx_status distill_read_texts(const char *path, int limit, vx_data_report *report, distill_input *in);

/* The complete rows of metadata.csv at `path` (none when it is missing) into
 * in->rows, sorted by id; malformed rows are reported, repeated ids dropped. */
vx_status distill_read_rows(const char *path, vx_data_report *report, distill_input *in);

/* The row of `id`, or NULL. */
distill_row *distill_find_row(const distill_input *in, const char *id);

void distill_input_free(distill_input *in);

bool distill_file_exists(const char *path);

#endif
