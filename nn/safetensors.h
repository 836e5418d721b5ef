/* safetensors.h — read and write .safetensors files (the Hugging Face format).
 *
 * Layout: an 8-byte little-endian u64 N, N bytes of JSON header, then the data
 * buffer. The header maps tensor names to {"dtype", "shape", "data_offsets":
 * [begin, end]} (offsets relative to the data buffer) plus an optional
 * "__metadata__" object of string -> string.
 *
 * Opening validates everything and names the file and the tensor in every
 * error: sizes, JSON, field types, dtypes (F32 F16 BF16 I32 I8 U8), shapes
 * (rank <= VX_MAX_DIMS), offsets inside the buffer, size == numel * dtype
 * size, and tensors that tile the buffer exactly (no overlap, no hole, no
 * trailing bytes). Files are memory-mapped (private, copy-on-write) and read
 * whole when mmap fails. Data is little-endian; big-endian hosts are refused. */
#ifndef VX_SAFETENSORS_H
#define VX_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "core/ctx.h"
#include "core/dtype.h"
#include "core/status.h"
#include "core/tensor.h"

/* Header length beyond which a file is taken as corrupt (as the Python package). */
#define VX_ST_MAX_HEADER_BYTES 100000000u

typedef struct vx_st_file vx_st_file;

typedef struct vx_st_entry {
    const char *name;
    vx_dtype dtype;
    int ndim;
    int64_t shape[VX_MAX_DIMS];  /* dims past ndim are 1                       */
    const void *data;            /* inside the file's buffer; may be unaligned */
    size_t nbytes;               /* numel * dtype size                         */
    uint64_t offset;             /* data_offsets begin, in the data buffer     */
} vx_st_entry;

/* Open and validate a file. NULL with the error set (naming path) on failure. */
vx_st_file *vx_st_open(const char *path);

/* Same over `len` bytes at `buf`, which the caller keeps alive and unchanged
 * until vx_st_close. `name` stands for the file in messages. */
vx_st_file *vx_st_open_memory(const void *buf, size_t len, const char *name);

void vx_st_close(vx_st_file *f);

/* Tensors, sorted by name. */
int vx_st_count(const vx_st_file *f);
const vx_st_entry *vx_st_entry_at(const vx_st_file *f, int i); /* NULL if out of range */
const vx_st_entry *vx_st_find(const vx_st_file *f, const char *name); /* NULL if absent (no error set) */

/* Metadata, in file order. */
int vx_st_metadata_count(const vx_st_file *f);
const char *vx_st_metadata_key(const vx_st_file *f, int i);
const char *vx_st_metadata_value(const vx_st_file *f, int i);
const char *vx_st_metadata(const vx_st_file *f, const char *key); /* NULL if absent */

const char *vx_st_name(const vx_st_file *f);  /* the path or the memory name   */
size_t vx_st_header_bytes(const vx_st_file *f); /* N, the JSON header length  */
size_t vx_st_data_bytes(const vx_st_file *f);   /* the data buffer length       */

/* Arena tensor for `name`: a header over the file's data when it is aligned
 * for its dtype (writes then change the private mapping, never the file),
 * otherwise — and always for vx_st_open_memory files — a copy in the arena.
 * Valid until vx_st_close or vx_ctx_reset. NULL + error when absent. */
vx_tensor *vx_st_tensor(vx_ctx *ctx, const vx_st_file *f, const char *name);

/* Safetensors dtype string ("F32", "BF16", ...) <-> vx_dtype. */
const char *vx_st_dtype_name(vx_dtype dt);
int vx_st_dtype_parse(const char *s, vx_dtype *out); /* 0 on success, -1 if unknown */

/* --- writing ---------------------------------------------------------------- */

typedef struct vx_st_write_entry {
    const char *name;
    vx_dtype dtype;
    int ndim;
    int64_t shape[VX_MAX_DIMS];
    const void *data;            /* numel * dtype size contiguous bytes        */
} vx_st_write_entry;

/* Write `n` tensors and `n_meta` metadata pairs to `path` atomically: into
 * "path.tmp.<pid>", flushed and fsynced, then renamed over `path`; on any
 * failure the temporary file is removed and `path` is left as it was.
 * Tensors are laid out as the Python package does (largest dtype first, then
 * by name, so each is aligned to its element size); metadata keeps the given
 * order; the header is padded with spaces to a multiple of 8 bytes. */
vx_status vx_st_write(const char *path, int n, const vx_st_write_entry *entries, int n_meta,
                      const char *const *meta_keys, const char *const *meta_values);

#endif
