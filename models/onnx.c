/* onnx.c — ONNX protobuf decoding behind onnx.h.
 *
 * Each message is read in two passes over its bytes: the first counts the
 * repeated fields (and validates every length), the second fills arrays of
 * exactly that size. All decoded structures live in a chunk allocator owned
 * by the model, freed at once by vx_onnx_close.
 *
 * ref: protobuf encoding — key = (field_number << 3) | wire_type; wire types
 * 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32 (3/4 are deprecated
 * groups); packed repeated scalars are one length-delimited run. */
#include "onnx.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- chunk allocator --------------------------------------------------------- */

typedef struct chunk {
    struct chunk *next;
    size_t size, used;
    max_align_t data[];
} chunk;

struct vx_onnx {
    const uint8_t *bytes; /* the whole file                       */
    size_t len;
    void *map;            /* mmap base, NULL for in-memory input   */
    chunk *chunks;
    int64_t ir_version, opset;
    vx_onnx_tensor *inits;
    size_t n_inits;
    size_t *by_name;      /* initializer indices sorted by name    */
    vx_onnx_node *nodes;
    size_t n_nodes;
    const char **inputs, **outputs;
    size_t n_inputs, n_outputs;
};

enum { CHUNK_BYTES = 64 * 1024 };

/* `bytes` of storage aligned for any type, zeroed; NULL with VX_ERR_OOM set. */
static void *store_alloc(vx_onnx *m, size_t bytes)
{
    const size_t align = sizeof(max_align_t);
    if (bytes > SIZE_MAX / 2)
        return vx_fail_null(VX_ERR_OOM, "onnx: %zu bytes requested; the file claims an impossible size", bytes);
    bytes = (bytes + align - 1) / align * align;
    chunk *c = m->chunks;
    if (!c || c->size - c->used < bytes) {
        size_t size = bytes > CHUNK_BYTES ? bytes : CHUNK_BYTES;
        c = malloc(sizeof(chunk) + size);
        if (!c)
            return vx_fail_null(VX_ERR_OOM, "onnx: out of memory allocating %zu bytes", size);
        c->size = size;
        c->used = 0;
        c->next = m->chunks;
        m->chunks = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += bytes;
    memset(p, 0, bytes);
    return p;
}

/* `count` elements of `size` bytes each, with an overflow check. */
static void *store_array(vx_onnx *m, size_t count, size_t size)
{
    if (count && size > SIZE_MAX / count)
        return vx_fail_null(VX_ERR_OOM, "onnx: array of %zu x %zu bytes overflows", count, size);
    size_t bytes = count * size;
    return store_alloc(m, bytes ? bytes : 1);
}

/* --- wire format --------------------------------------------------------------- */

typedef struct parser {
    vx_onnx *m;
    const uint8_t *base; /* offsets in messages are relative to this */
    const char *what;    /* file name for messages                   */
} parser;

typedef struct pb_msg {
    const uint8_t *p, *end;
} pb_msg;

typedef struct pb_field {
    uint32_t number;
    int wire;
    uint64_t u;        /* wire 0 value, or the raw bits of wire 1/5 */
    pb_msg bytes;      /* wire 2 payload                            */
    const uint8_t *at; /* where the key starts                      */
} pb_field;

enum { WIRE_VARINT = 0, WIRE_FIXED64 = 1, WIRE_LEN = 2, WIRE_FIXED32 = 5 };

/* Record a format error naming the file and byte offset. */
static vx_status bad(const parser *ps, const uint8_t *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static vx_status bad(const parser *ps, const uint8_t *at, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return vx_fail(VX_ERR_FORMAT, "onnx: %s: %s at byte %zu; the file is damaged or not an ONNX model",
                   ps->what, msg, (size_t)(at - ps->base));
}

static vx_status read_varint(const parser *ps, pb_msg *r, uint64_t *out)
{
    const uint8_t *start = r->p;
    uint64_t v = 0;
    for (int i = 0; i < 10; i++) {
        if (r->p >= r->end)
            return bad(ps, start, "truncated varint");
        uint8_t b = *r->p++;
        if (i == 9 && b > 1)
            return bad(ps, start, "varint overflows 64 bits");
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *out = v;
            return VX_OK;
        }
    }
    return bad(ps, start, "varint overflows 64 bits"); /* unreachable: i == 9 caught it */
}

/* Read the next key and its value. */
static vx_status next_field(const parser *ps, pb_msg *r, pb_field *f)
{
    f->at = r->p;
    uint64_t key;
    vx_status st = read_varint(ps, r, &key);
    if (st)
        return st;
    if (key >> 3 == 0 || key >> 3 > 0x1fffffff)
        return bad(ps, f->at, "invalid field number %" PRIu64, key >> 3);
    f->number = (uint32_t)(key >> 3);
    f->wire = (int)(key & 7);
    size_t left;
    switch (f->wire) {
    case WIRE_VARINT:
        return read_varint(ps, r, &f->u);
    case WIRE_FIXED64:
    case WIRE_FIXED32: {
        size_t n = f->wire == WIRE_FIXED64 ? 8 : 4;
        if ((size_t)(r->end - r->p) < n)
            return bad(ps, f->at, "field %u: truncated %zu-byte value", f->number, n);
        uint64_t v = 0;
        memcpy(&v, r->p, n); /* little-endian host, checked at open */
        f->u = v;
        r->p += n;
        return VX_OK;
    }
    case WIRE_LEN: {
        uint64_t len;
        if ((st = read_varint(ps, r, &len)))
            return st;
        left = (size_t)(r->end - r->p);
        if (len > left)
            return bad(ps, f->at, "field %u: length %" PRIu64 " runs past the end of its message (%zu bytes left)",
                       f->number, len, left);
        f->bytes.p = r->p;
        f->bytes.end = r->p + len;
        r->p += len;
        return VX_OK;
    }
    case 3:
    case 4:
        return bad(ps, f->at, "field %u uses a protobuf group (wire type %d), which ONNX never writes", f->number,
                   f->wire);
    default:
        return bad(ps, f->at, "field %u has invalid wire type %d", f->number, f->wire);
    }
}

static vx_status want_wire(const parser *ps, const pb_field *f, int wire, const char *where)
{
    if (f->wire == wire)
        return VX_OK;
    return bad(ps, f->at, "%s (field %u) has wire type %d, expected %d", where, f->number, f->wire, wire);
}

/* NUL-terminated copy of a length-delimited string field. */
static vx_status copy_string(const parser *ps, const pb_field *f, const char *where, const char **out,
                             size_t *len_out)
{
    vx_status st = want_wire(ps, f, WIRE_LEN, where);
    if (st)
        return st;
    size_t len = (size_t)(f->bytes.end - f->bytes.p);
    char *s = store_alloc(ps->m, len + 1);
    if (!s)
        return vx_last_status();
    memcpy(s, f->bytes.p, len);
    *out = s;
    if (len_out)
        *len_out = len;
    return VX_OK;
}

/* A repeated int64 field, packed (wire 2) or not (wire 0): count its values
 * into *n and, when dst is set, store them at dst[*n...]. */
static vx_status take_varints(const parser *ps, const pb_field *f, const char *where, int64_t *dst, size_t *n)
{
    if (f->wire == WIRE_VARINT) {
        if (dst)
            dst[*n] = (int64_t)f->u;
        (*n)++;
        return VX_OK;
    }
    vx_status st = want_wire(ps, f, WIRE_LEN, where);
    if (st)
        return st;
    pb_msg r = f->bytes;
    while (r.p < r.end) {
        uint64_t v;
        if ((st = read_varint(ps, &r, &v)))
            return st;
        if (dst)
            dst[*n] = (int64_t)v;
        (*n)++;
    }
    return VX_OK;
}

/* A repeated float field, packed (wire 2) or not (wire 5); as take_varints. */
static vx_status take_floats(const parser *ps, const pb_field *f, const char *where, float *dst, size_t *n)
{
    if (f->wire == WIRE_FIXED32) {
        if (dst) {
            uint32_t bits = (uint32_t)f->u;
            memcpy(&dst[*n], &bits, 4);
        }
        (*n)++;
        return VX_OK;
    }
    vx_status st = want_wire(ps, f, WIRE_LEN, where);
    if (st)
        return st;
    size_t len = (size_t)(f->bytes.end - f->bytes.p);
    if (len % 4)
        return bad(ps, f->at, "%s: packed floats of %zu bytes, not a multiple of 4", where, len);
    if (dst)
        memcpy(&dst[*n], f->bytes.p, len);
    *n += len / 4;
    return VX_OK;
}

/* --- TensorProto ----------------------------------------------------------------- */

enum {
    TENSOR_DIMS = 1,
    TENSOR_DATA_TYPE = 2,
    TENSOR_FLOAT_DATA = 4,
    TENSOR_INT64_DATA = 7,
    TENSOR_NAME = 8,
    TENSOR_RAW_DATA = 9,
    TENSOR_DATA_LOCATION = 14,
};

/* Bytes per element for fixed-size TensorProto data types; 0 when unknown. */
static size_t dtype_bytes(int data_type)
{
    switch (data_type) {
    case VX_ONNX_UINT8: case VX_ONNX_INT8: case VX_ONNX_BOOL: return 1;
    case 4: case 5: case VX_ONNX_FLOAT16: case 16: return 2;     /* uint16, int16, f16, bf16 */
    case VX_ONNX_FLOAT: case VX_ONNX_INT32: case 12: return 4;   /* uint32                   */
    case VX_ONNX_INT64: case VX_ONNX_DOUBLE: case 13: return 8;  /* uint64                   */
    default: return 0;
    }
}

const char *vx_onnx_dtype_name(int data_type)
{
    static const char *const names[] = {"UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32",
                                        "INT64", "STRING", "BOOL", "FLOAT16", "DOUBLE", "UINT32", "UINT64",
                                        "COMPLEX64", "COMPLEX128", "BFLOAT16"};
    static _Thread_local char buf[32];
    if (data_type >= 0 && data_type < (int)(sizeof names / sizeof names[0]))
        return names[data_type];
    snprintf(buf, sizeof buf, "type %d", data_type);
    return buf;
}

typedef struct tensor_fields {
    size_t n_dims, n_floats, n_int64s;
    const uint8_t *raw;
    size_t raw_len;
    bool has_raw;
    int64_t data_location;
} tensor_fields;

/* One pass over a TensorProto; with `fill` it stores dims and typed data. */
static vx_status scan_tensor(const parser *ps, pb_msg r, vx_onnx_tensor *t, tensor_fields *tf, float *floats,
                             int64_t *int64s, bool fill)
{
    pb_field f;
    vx_status st;
    memset(tf, 0, sizeof *tf);
    while (r.p < r.end) {
        if ((st = next_field(ps, &r, &f)))
            return st;
        switch (f.number) {
        case TENSOR_DIMS: {
            size_t at = tf->n_dims;
            /* count first so the fixed-size dims array cannot overflow */
            if ((st = take_varints(ps, &f, "TensorProto.dims", NULL, &tf->n_dims)))
                return st;
            if (tf->n_dims > VX_ONNX_MAX_DIMS)
                return vx_fail(VX_ERR_UNSUPPORTED, "onnx: %s: a tensor has more than %d dims (byte %zu)", ps->what,
                               VX_ONNX_MAX_DIMS, (size_t)(f.at - ps->base));
            if (fill)
                take_varints(ps, &f, "TensorProto.dims", t->dims, &at); /* cannot fail: decoded above */
            break;
        }
        case TENSOR_DATA_TYPE:
            if ((st = want_wire(ps, &f, WIRE_VARINT, "TensorProto.data_type")))
                return st;
            t->data_type = f.u > 1000 ? -1 : (int)f.u;
            break;
        case TENSOR_FLOAT_DATA:
            if ((st = take_floats(ps, &f, "TensorProto.float_data", fill ? floats : NULL, &tf->n_floats)))
                return st;
            break;
        case TENSOR_INT64_DATA:
            if ((st = take_varints(ps, &f, "TensorProto.int64_data", fill ? int64s : NULL, &tf->n_int64s)))
                return st;
            break;
        case TENSOR_NAME:
            if (fill && (st = copy_string(ps, &f, "TensorProto.name", &t->name, NULL)))
                return st;
            if (!fill && (st = want_wire(ps, &f, WIRE_LEN, "TensorProto.name")))
                return st;
            break;
        case TENSOR_RAW_DATA:
            if ((st = want_wire(ps, &f, WIRE_LEN, "TensorProto.raw_data")))
                return st;
            tf->raw = f.bytes.p;
            tf->raw_len = (size_t)(f.bytes.end - f.bytes.p);
            tf->has_raw = true;
            break;
        case TENSOR_DATA_LOCATION:
            if ((st = want_wire(ps, &f, WIRE_VARINT, "TensorProto.data_location")))
                return st;
            tf->data_location = (int64_t)f.u;
            break;
        default:
            break;
        }
    }
    return VX_OK;
}

/* Point `*out` at `raw` when it is aligned for `align`, else at a copy. */
static vx_status place_raw(const parser *ps, const uint8_t *raw, size_t len, size_t align, const void **out)
{
    if ((uintptr_t)raw % align == 0) {
        *out = raw;
        return VX_OK;
    }
    void *copy = store_alloc(ps->m, len ? len : 1);
    if (!copy)
        return vx_last_status();
    memcpy(copy, raw, len);
    *out = copy;
    return VX_OK;
}

static vx_status parse_tensor(const parser *ps, pb_msg msg, vx_onnx_tensor *t)
{
    static const int64_t no_int64s[1];
    static const float no_floats[1];
    tensor_fields tf;
    memset(t, 0, sizeof *t);
    t->name = "";
    vx_status st = scan_tensor(ps, msg, t, &tf, NULL, NULL, false);
    if (st)
        return st;
    float *floats = NULL;
    int64_t *int64s = NULL;
    if (tf.n_floats && !(floats = store_array(ps->m, tf.n_floats, sizeof *floats)))
        return vx_last_status();
    if (tf.n_int64s && !(int64s = store_array(ps->m, tf.n_int64s, sizeof *int64s)))
        return vx_last_status();
    if ((st = scan_tensor(ps, msg, t, &tf, floats, int64s, true)))
        return st;
    t->ndim = (int)tf.n_dims;

    const char *name = t->name[0] ? t->name : "(unnamed)";
    if (tf.data_location == 1)
        return vx_fail(VX_ERR_UNSUPPORTED,
                       "onnx: %s: tensor '%s' keeps its data in an external file; re-export the model with the "
                       "weights inside (save_as_external_data=False)",
                       ps->what, name);
    if (t->data_type <= 0)
        return bad(ps, msg.p, "tensor '%s' has no valid data_type", name);
    int64_t numel = 1;
    for (int i = 0; i < t->ndim; i++) {
        if (t->dims[i] < 0)
            return bad(ps, msg.p, "tensor '%s' has negative dim %" PRId64, name, t->dims[i]);
        if (t->dims[i] && numel > (INT64_C(1) << 56) / t->dims[i])
            return bad(ps, msg.p, "tensor '%s' has too many elements", name);
        numel *= t->dims[i];
    }
    t->numel = numel;
    size_t typed = tf.n_floats + tf.n_int64s;
    if (tf.has_raw && typed)
        return bad(ps, msg.p, "tensor '%s' holds both raw_data and typed data", name);

    size_t esize = dtype_bytes(t->data_type);
    if (tf.has_raw && esize && tf.raw_len != (size_t)numel * esize)
        return bad(ps, msg.p, "tensor '%s' raw_data holds %zu bytes; its dims need %" PRId64 " x %zu", name,
                   tf.raw_len, numel, esize);
    const void *data = NULL;
    if (t->data_type == VX_ONNX_FLOAT) {
        if (tf.has_raw) {
            if ((st = place_raw(ps, tf.raw, tf.raw_len, sizeof(float), &data)))
                return st;
        } else if (tf.n_floats) {
            if (tf.n_floats != (size_t)numel)
                return bad(ps, msg.p, "tensor '%s' has %zu float_data values; its dims need %" PRId64, name,
                           tf.n_floats, numel);
            data = floats;
        } else if (numel == 0) {
            data = no_floats;
        } else {
            return bad(ps, msg.p, "FLOAT tensor '%s' holds no data", name);
        }
        t->f32 = data;
    } else if (t->data_type == VX_ONNX_INT64) {
        if (tf.has_raw) {
            if ((st = place_raw(ps, tf.raw, tf.raw_len, sizeof(int64_t), &data)))
                return st;
        } else if (tf.n_int64s) {
            if (tf.n_int64s != (size_t)numel)
                return bad(ps, msg.p, "tensor '%s' has %zu int64_data values; its dims need %" PRId64, name,
                           tf.n_int64s, numel);
            data = int64s;
        } else if (numel == 0) {
            data = no_int64s;
        } else {
            return bad(ps, msg.p, "INT64 tensor '%s' holds no data", name);
        }
        t->i64 = data;
    } else if (typed) {
        return bad(ps, msg.p, "%s tensor '%s' holds float_data or int64_data", vx_onnx_dtype_name(t->data_type),
                   name);
    }
    return VX_OK;
}

const float *vx_onnx_tensor_f32(const vx_onnx_tensor *t)
{
    if (!t)
        return vx_fail_null(VX_ERR_ARG, "onnx: no tensor given");
    if (!t->f32)
        return vx_fail_null(VX_ERR_UNSUPPORTED, "onnx: tensor '%s' holds %s data; float32 is needed", t->name,
                            vx_onnx_dtype_name(t->data_type));
    return t->f32;
}

/* --- AttributeProto ------------------------------------------------------------------ */

enum {
    ATTR_NAME = 1,
    ATTR_F = 2,
    ATTR_I = 3,
    ATTR_S = 4,
    ATTR_T = 5,
    ATTR_G = 6,
    ATTR_FLOATS = 7,
    ATTR_INTS = 8,
    ATTR_TYPE = 20,
};

static vx_status scan_attr(const parser *ps, pb_msg r, vx_onnx_attr *a, float *floats, int64_t *ints, bool fill,
                           int *seen_type)
{
    pb_field f;
    vx_status st;
    size_t n_floats = 0, n_ints = 0;
    while (r.p < r.end) {
        if ((st = next_field(ps, &r, &f)))
            return st;
        switch (f.number) {
        case ATTR_NAME:
            if (fill ? (st = copy_string(ps, &f, "AttributeProto.name", &a->name, NULL))
                     : (st = want_wire(ps, &f, WIRE_LEN, "AttributeProto.name")))
                return st;
            break;
        case ATTR_F:
            if ((st = want_wire(ps, &f, WIRE_FIXED32, "AttributeProto.f")))
                return st;
            if (fill) {
                uint32_t bits = (uint32_t)f.u;
                memcpy(&a->f, &bits, 4);
            }
            *seen_type = VX_ONNX_ATTR_FLOAT;
            break;
        case ATTR_I:
            if ((st = want_wire(ps, &f, WIRE_VARINT, "AttributeProto.i")))
                return st;
            a->i = (int64_t)f.u;
            *seen_type = VX_ONNX_ATTR_INT;
            break;
        case ATTR_S:
            if (fill ? (st = copy_string(ps, &f, "AttributeProto.s", &a->s, &a->s_len))
                     : (st = want_wire(ps, &f, WIRE_LEN, "AttributeProto.s")))
                return st;
            *seen_type = VX_ONNX_ATTR_STRING;
            break;
        case ATTR_T:
            if ((st = want_wire(ps, &f, WIRE_LEN, "AttributeProto.t")))
                return st;
            if (fill) {
                vx_onnx_tensor *t = store_alloc(ps->m, sizeof *t);
                if (!t)
                    return vx_last_status();
                if ((st = parse_tensor(ps, f.bytes, t)))
                    return st;
                a->t = t;
            }
            *seen_type = VX_ONNX_ATTR_TENSOR;
            break;
        case ATTR_G:
            *seen_type = VX_ONNX_ATTR_GRAPH; /* sub-graphs are not read */
            break;
        case ATTR_FLOATS:
            if ((st = take_floats(ps, &f, "AttributeProto.floats", fill ? floats : NULL, &n_floats)))
                return st;
            break;
        case ATTR_INTS:
            if ((st = take_varints(ps, &f, "AttributeProto.ints", fill ? ints : NULL, &n_ints)))
                return st;
            break;
        case ATTR_TYPE:
            if ((st = want_wire(ps, &f, WIRE_VARINT, "AttributeProto.type")))
                return st;
            a->type = f.u > 1000 ? -1 : (int)f.u;
            break;
        default:
            break;
        }
    }
    a->n_floats = n_floats;
    a->n_ints = n_ints;
    return VX_OK;
}

static vx_status parse_attr(const parser *ps, pb_msg msg, vx_onnx_attr *a)
{
    memset(a, 0, sizeof *a);
    a->name = "";
    a->s = "";
    int seen = VX_ONNX_ATTR_UNDEFINED;
    vx_status st = scan_attr(ps, msg, a, NULL, NULL, false, &seen);
    if (st)
        return st;
    float *floats = NULL;
    int64_t *ints = NULL;
    if (a->n_floats && !(floats = store_array(ps->m, a->n_floats, sizeof *floats)))
        return vx_last_status();
    if (a->n_ints && !(ints = store_array(ps->m, a->n_ints, sizeof *ints)))
        return vx_last_status();
    if ((st = scan_attr(ps, msg, a, floats, ints, true, &seen)))
        return st;
    a->floats = floats;
    a->ints = ints;
    /* IR < 0.0.2 files carry no type: infer it from the field present */
    if (a->type == VX_ONNX_ATTR_UNDEFINED)
        a->type = a->n_ints ? VX_ONNX_ATTR_INTS : a->n_floats ? VX_ONNX_ATTR_FLOATS : seen;
    if (a->type == VX_ONNX_ATTR_TENSOR && !a->t)
        return bad(ps, msg.p, "attribute '%s' has type TENSOR but no tensor", a->name);
    return VX_OK;
}

/* --- NodeProto ------------------------------------------------------------------------- */

enum { NODE_INPUT = 1, NODE_OUTPUT = 2, NODE_NAME = 3, NODE_OP_TYPE = 4, NODE_ATTRIBUTE = 5, NODE_DOMAIN = 7 };

static vx_status scan_node(const parser *ps, pb_msg r, vx_onnx_node *n, bool fill)
{
    pb_field f;
    vx_status st;
    size_t n_in = 0, n_out = 0, n_attr = 0;
    while (r.p < r.end) {
        if ((st = next_field(ps, &r, &f)))
            return st;
        switch (f.number) {
        case NODE_INPUT:
            st = fill ? copy_string(ps, &f, "NodeProto.input", &n->inputs[n_in], NULL)
                      : want_wire(ps, &f, WIRE_LEN, "NodeProto.input");
            n_in++;
            break;
        case NODE_OUTPUT:
            st = fill ? copy_string(ps, &f, "NodeProto.output", &n->outputs[n_out], NULL)
                      : want_wire(ps, &f, WIRE_LEN, "NodeProto.output");
            n_out++;
            break;
        case NODE_NAME:
            st = fill ? copy_string(ps, &f, "NodeProto.name", &n->name, NULL)
                      : want_wire(ps, &f, WIRE_LEN, "NodeProto.name");
            break;
        case NODE_OP_TYPE:
            st = fill ? copy_string(ps, &f, "NodeProto.op_type", &n->op_type, NULL)
                      : want_wire(ps, &f, WIRE_LEN, "NodeProto.op_type");
            break;
        case NODE_DOMAIN:
            st = fill ? copy_string(ps, &f, "NodeProto.domain", &n->domain, NULL)
                      : want_wire(ps, &f, WIRE_LEN, "NodeProto.domain");
            break;
        case NODE_ATTRIBUTE:
            st = fill ? parse_attr(ps, f.bytes, (vx_onnx_attr *)&n->attrs[n_attr])
                      : want_wire(ps, &f, WIRE_LEN, "NodeProto.attribute");
            n_attr++;
            break;
        default:
            break;
        }
        if (st)
            return st;
    }
    n->n_inputs = n_in;
    n->n_outputs = n_out;
    n->n_attrs = n_attr;
    return VX_OK;
}

static vx_status parse_node(const parser *ps, pb_msg msg, vx_onnx_node *n)
{
    memset(n, 0, sizeof *n);
    vx_status st = scan_node(ps, msg, n, false);
    if (st)
        return st;
    if (!(n->inputs = store_array(ps->m, n->n_inputs, sizeof *n->inputs)) ||
        !(n->outputs = store_array(ps->m, n->n_outputs, sizeof *n->outputs)) ||
        !(n->attrs = store_array(ps->m, n->n_attrs, sizeof *n->attrs)))
        return vx_last_status();
    n->name = n->op_type = n->domain = "";
    if ((st = scan_node(ps, msg, n, true)))
        return st;
    if (!n->op_type[0])
        return bad(ps, msg.p, "node '%s' has no op_type", n->name);
    return VX_OK;
}

/* --- GraphProto / ModelProto --------------------------------------------------------------- */

enum { GRAPH_NODE = 1, GRAPH_INITIALIZER = 5, GRAPH_INPUT = 11, GRAPH_OUTPUT = 12 };
enum { VALUE_INFO_NAME = 1 };

/* ValueInfoProto.name (the last one when repeated, "" when absent). */
static vx_status parse_value_info_name(const parser *ps, pb_msg r, const char **name)
{
    pb_field f;
    vx_status st;
    *name = "";
    while (r.p < r.end) {
        if ((st = next_field(ps, &r, &f)))
            return st;
        if (f.number == VALUE_INFO_NAME && (st = copy_string(ps, &f, "ValueInfoProto.name", name, NULL)))
            return st;
    }
    return VX_OK;
}

static vx_status scan_graph(const parser *ps, pb_msg r, bool fill)
{
    vx_onnx *m = ps->m;
    pb_field f;
    vx_status st;
    size_t n_node = 0, n_init = 0, n_in = 0, n_out = 0;
    while (r.p < r.end) {
        if ((st = next_field(ps, &r, &f)))
            return st;
        switch (f.number) {
        case GRAPH_NODE:
            st = want_wire(ps, &f, WIRE_LEN, "GraphProto.node");
            if (!st && fill)
                st = parse_node(ps, f.bytes, &m->nodes[n_node]);
            n_node++;
            break;
        case GRAPH_INITIALIZER:
            st = want_wire(ps, &f, WIRE_LEN, "GraphProto.initializer");
            if (!st && fill)
                st = parse_tensor(ps, f.bytes, &m->inits[n_init]);
            n_init++;
            break;
        case GRAPH_INPUT:
            st = want_wire(ps, &f, WIRE_LEN, "GraphProto.input");
            if (!st && fill)
                st = parse_value_info_name(ps, f.bytes, &m->inputs[n_in]);
            n_in++;
            break;
        case GRAPH_OUTPUT:
            st = want_wire(ps, &f, WIRE_LEN, "GraphProto.output");
            if (!st && fill)
                st = parse_value_info_name(ps, f.bytes, &m->outputs[n_out]);
            n_out++;
            break;
        default:
            break;
        }
        if (st)
            return st;
    }
    m->n_nodes = n_node;
    m->n_inits = n_init;
    m->n_inputs = n_in;
    m->n_outputs = n_out;
    return VX_OK;
}

static int compare_init_names(const void *a, const void *b, void *model)
{
    const vx_onnx *m = model;
    return strcmp(m->inits[*(const size_t *)a].name, m->inits[*(const size_t *)b].name);
}

static vx_status parse_graph(const parser *ps, pb_msg msg)
{
    vx_onnx *m = ps->m;
    vx_status st = scan_graph(ps, msg, false);
    if (st)
        return st;
    if (!(m->nodes = store_array(m, m->n_nodes, sizeof *m->nodes)) ||
        !(m->inits = store_array(m, m->n_inits, sizeof *m->inits)) ||
        !(m->by_name = store_array(m, m->n_inits, sizeof *m->by_name)) ||
        !(m->inputs = store_array(m, m->n_inputs, sizeof *m->inputs)) ||
        !(m->outputs = store_array(m, m->n_outputs, sizeof *m->outputs)))
        return vx_last_status();
    if ((st = scan_graph(ps, msg, true)))
        return st;
    for (size_t i = 0; i < m->n_inits; i++)
        m->by_name[i] = i;
    qsort_r(m->by_name, m->n_inits, sizeof *m->by_name, compare_init_names, m);
    for (size_t i = 1; i < m->n_inits; i++)
        if (!strcmp(m->inits[m->by_name[i]].name, m->inits[m->by_name[i - 1]].name))
            return bad(ps, msg.p, "two initializers are named '%s'", m->inits[m->by_name[i]].name);
    return VX_OK;
}

enum { MODEL_IR_VERSION = 1, MODEL_GRAPH = 7, MODEL_OPSET_IMPORT = 8 };
enum { OPSET_DOMAIN = 1, OPSET_VERSION = 2 };

/* OperatorSetIdProto: record the version when the domain is the default one. */
static vx_status parse_opset(const parser *ps, pb_msg r)
{
    pb_field f;
    vx_status st;
    bool default_domain = true;
    int64_t version = 0;
    while (r.p < r.end) {
        if ((st = next_field(ps, &r, &f)))
            return st;
        if (f.number == OPSET_DOMAIN) {
            if ((st = want_wire(ps, &f, WIRE_LEN, "OperatorSetIdProto.domain")))
                return st;
            size_t len = (size_t)(f.bytes.end - f.bytes.p);
            default_domain = len == 0 || (len == 7 && !memcmp(f.bytes.p, "ai.onnx", 7));
        } else if (f.number == OPSET_VERSION) {
            if ((st = want_wire(ps, &f, WIRE_VARINT, "OperatorSetIdProto.version")))
                return st;
            version = (int64_t)f.u;
        }
    }
    if (default_domain)
        ps->m->opset = version;
    return VX_OK;
}

static vx_status parse_model(const parser *ps)
{
    pb_msg r = {ps->m->bytes, ps->m->bytes + ps->m->len};
    pb_field f;
    vx_status st;
    pb_msg graph = {NULL, NULL};
    bool has_graph = false;
    while (r.p < r.end) {
        if ((st = next_field(ps, &r, &f)))
            return st;
        switch (f.number) {
        case MODEL_IR_VERSION:
            if ((st = want_wire(ps, &f, WIRE_VARINT, "ModelProto.ir_version")))
                return st;
            ps->m->ir_version = (int64_t)f.u;
            break;
        case MODEL_GRAPH:
            if ((st = want_wire(ps, &f, WIRE_LEN, "ModelProto.graph")))
                return st;
            if (has_graph)
                return bad(ps, f.at, "the model holds a second graph");
            graph = f.bytes;
            has_graph = true;
            break;
        case MODEL_OPSET_IMPORT:
            if ((st = want_wire(ps, &f, WIRE_LEN, "ModelProto.opset_import")) || (st = parse_opset(ps, f.bytes)))
                return st;
            break;
        default:
            break;
        }
    }
    if (!has_graph)
        return bad(ps, r.p, "no graph found (ModelProto field 7)");
    return parse_graph(ps, graph);
}

/* --- public API ---------------------------------------------------------------------------- */

static bool host_is_little_endian(void)
{
    const uint16_t one = 1;
    uint8_t first;
    memcpy(&first, &one, 1);
    return first == 1;
}

vx_onnx *vx_onnx_open_memory(const void *data, size_t len, const char *what)
{
    if (!what)
        what = "(memory)";
    if (!data && len)
        return vx_fail_null(VX_ERR_ARG, "onnx: %s: NULL data", what);
    if (!host_is_little_endian())
        return vx_fail_null(VX_ERR_UNSUPPORTED, "onnx: %s: big-endian hosts are not supported", what);
    if (len == 0)
        return vx_fail_null(VX_ERR_FORMAT, "onnx: %s: the file is empty; re-download or re-export the model", what);
    vx_onnx *m = calloc(1, sizeof *m);
    if (!m)
        return vx_fail_null(VX_ERR_OOM, "onnx: %s: out of memory", what);
    m->bytes = data;
    m->len = len;
    parser ps = {m, m->bytes, what};
    if (parse_model(&ps)) {
        vx_onnx_close(m);
        return NULL;
    }
    return m;
}

vx_onnx *vx_onnx_open(const char *path)
{
    if (!path)
        return vx_fail_null(VX_ERR_ARG, "onnx: no path given");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return vx_fail_null(VX_ERR_IO, "onnx: cannot open %s: %s; check the path", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return vx_fail_null(VX_ERR_IO, "onnx: %s is not a regular file", path);
    }
    if (sb.st_size == 0) {
        close(fd);
        return vx_fail_null(VX_ERR_FORMAT, "onnx: %s is empty; re-download or re-export the model", path);
    }
    size_t len = (size_t)sb.st_size;
    void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    int map_errno = errno;
    close(fd);
    if (map == MAP_FAILED)
        return vx_fail_null(VX_ERR_IO, "onnx: cannot map %s (%zu bytes): %s", path, len, strerror(map_errno));
    vx_onnx *m = vx_onnx_open_memory(map, len, path);
    if (!m) {
        munmap(map, len);
        return NULL;
    }
    m->map = map;
    return m;
}

void vx_onnx_close(vx_onnx *m)
{
    if (!m)
        return;
    for (chunk *c = m->chunks, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    if (m->map)
        munmap(m->map, m->len);
    free(m);
}

void vx_onnx_release_pages(const vx_onnx *m)
{
    if (m && m->map)
        madvise(m->map, m->len, MADV_DONTNEED); /* private, never written: clean pages, refetched on use */
}

int64_t vx_onnx_ir_version(const vx_onnx *m) { return m->ir_version; }
int64_t vx_onnx_opset(const vx_onnx *m) { return m->opset; }
size_t vx_onnx_initializer_count(const vx_onnx *m) { return m->n_inits; }
size_t vx_onnx_node_count(const vx_onnx *m) { return m->n_nodes; }
size_t vx_onnx_input_count(const vx_onnx *m) { return m->n_inputs; }
size_t vx_onnx_output_count(const vx_onnx *m) { return m->n_outputs; }

const vx_onnx_tensor *vx_onnx_initializer(const vx_onnx *m, size_t index)
{
    return index < m->n_inits ? &m->inits[index] : NULL;
}

const vx_onnx_node *vx_onnx_node_at(const vx_onnx *m, size_t index)
{
    return index < m->n_nodes ? &m->nodes[index] : NULL;
}

const char *vx_onnx_input_name(const vx_onnx *m, size_t index)
{
    return index < m->n_inputs ? m->inputs[index] : NULL;
}

const char *vx_onnx_output_name(const vx_onnx *m, size_t index)
{
    return index < m->n_outputs ? m->outputs[index] : NULL;
}

const vx_onnx_tensor *vx_onnx_find_initializer(const vx_onnx *m, const char *name)
{
    size_t lo = 0, hi = m->n_inits;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(m->inits[m->by_name[mid]].name, name);
        if (c == 0)
            return &m->inits[m->by_name[mid]];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const vx_onnx_attr *vx_onnx_node_attr(const vx_onnx_node *n, const char *name)
{
    for (size_t i = 0; i < n->n_attrs; i++)
        if (!strcmp(n->attrs[i].name, name))
            return &n->attrs[i];
    return NULL;
}

int64_t vx_onnx_node_attr_int(const vx_onnx_node *n, const char *name, int64_t dflt)
{
    const vx_onnx_attr *a = vx_onnx_node_attr(n, name);
    return a && a->type == VX_ONNX_ATTR_INT ? a->i : dflt;
}

float vx_onnx_node_attr_float(const vx_onnx_node *n, const char *name, float dflt)
{
    const vx_onnx_attr *a = vx_onnx_node_attr(n, name);
    return a && a->type == VX_ONNX_ATTR_FLOAT ? a->f : dflt;
}
