/* onnx.h — a reader for ONNX model files: the protobuf wire format decoded
 * into initializers (weights), nodes with their attributes, and the graph's
 * input and output names. Enough to import weights and walk a graph; it does
 * not run models.
 *
 * The file is memory-mapped; float32 and int64 initializer data points into
 * the map when it is aligned (copied otherwise). Everything returned stays
 * valid until vx_onnx_close. Malformed or truncated files (bad varints,
 * lengths past the end, wrong wire types, tensors whose data size does not
 * match their dims) give VX_ERR_FORMAT with the byte offset; they never crash.
 * Unknown fields are skipped. Sub-graphs (If/Loop bodies), sparse and
 * external-data initializers are not read.
 *
 * ref: onnx/onnx.proto3 (ModelProto, GraphProto, NodeProto, AttributeProto,
 * TensorProto field numbers); protobuf encoding guide (wire types 0,1,2,5). */
#ifndef VX_ONNX_H
#define VX_ONNX_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define VX_ONNX_MAX_DIMS 8

/* TensorProto.DataType codes this reader names (others keep their number). */
typedef enum vx_onnx_dtype {
    VX_ONNX_UNDEFINED = 0,
    VX_ONNX_FLOAT = 1,
    VX_ONNX_UINT8 = 2,
    VX_ONNX_INT8 = 3,
    VX_ONNX_INT32 = 6,
    VX_ONNX_INT64 = 7,
    VX_ONNX_STRING = 8,
    VX_ONNX_BOOL = 9,
    VX_ONNX_FLOAT16 = 10,
    VX_ONNX_DOUBLE = 11,
} vx_onnx_dtype;

/* AttributeProto.AttributeType codes. */
typedef enum vx_onnx_attr_type {
    VX_ONNX_ATTR_UNDEFINED = 0,
    VX_ONNX_ATTR_FLOAT = 1,
    VX_ONNX_ATTR_INT = 2,
    VX_ONNX_ATTR_STRING = 3,
    VX_ONNX_ATTR_TENSOR = 4,
    VX_ONNX_ATTR_GRAPH = 5,
    VX_ONNX_ATTR_FLOATS = 6,
    VX_ONNX_ATTR_INTS = 7,
} vx_onnx_attr_type;

/* A tensor: an initializer, or the value of a Constant node's attribute. */
typedef struct vx_onnx_tensor {
    const char *name;
    int data_type;                    /* vx_onnx_dtype code                   */
    int ndim;
    int64_t dims[VX_ONNX_MAX_DIMS];
    int64_t numel;                    /* product of dims (1 for a scalar)     */
    const float *f32;                 /* numel values when data_type FLOAT    */
    const int64_t *i64;               /* numel values when data_type INT64    */
} vx_onnx_tensor;

typedef struct vx_onnx_attr {
    const char *name;
    int type;                         /* vx_onnx_attr_type                     */
    float f;                          /* FLOAT                                 */
    int64_t i;                        /* INT                                   */
    const char *s;                    /* STRING, NUL-terminated copy ("" unset) */
    size_t s_len;                     /* its length in bytes                   */
    const vx_onnx_tensor *t;          /* TENSOR (NULL unset)                   */
    const float *floats;              /* FLOATS                                */
    size_t n_floats;
    const int64_t *ints;              /* INTS                                  */
    size_t n_ints;
} vx_onnx_attr;

typedef struct vx_onnx_node {
    const char *name;                 /* "" when the exporter gave none       */
    const char *op_type;
    const char *domain;               /* "" for the default ai.onnx domain    */
    size_t n_inputs;
    const char **inputs;              /* "" marks an omitted optional input   */
    size_t n_outputs;
    const char **outputs;
    size_t n_attrs;
    const vx_onnx_attr *attrs;
} vx_onnx_node;

typedef struct vx_onnx vx_onnx;

/* Map and decode `path`. NULL with the error set on failure. */
vx_onnx *vx_onnx_open(const char *path);

/* Decode `len` bytes at `data` (borrowed: the caller keeps them alive and
 * unchanged until vx_onnx_close). `what` names the source in messages. */
vx_onnx *vx_onnx_open_memory(const void *data, size_t len, const char *what);

void vx_onnx_close(vx_onnx *m);

/* Let the kernel drop the resident pages of a file opened with vx_onnx_open
 * (a no-op for memory input): every pointer stays valid and reads the file
 * again when touched. Call it once the tensors have been copied out, so that
 * the file and the copies are not resident together. */
void vx_onnx_release_pages(const vx_onnx *m);

/* ModelProto.ir_version and the default domain's opset version (0 if absent). */
int64_t vx_onnx_ir_version(const vx_onnx *m);
int64_t vx_onnx_opset(const vx_onnx *m);

/* Initializers in file order; index < vx_onnx_initializer_count. They are
 * one array: vx_onnx_initializer(m, i) == vx_onnx_initializer(m, 0) + i. */
size_t vx_onnx_initializer_count(const vx_onnx *m);
const vx_onnx_tensor *vx_onnx_initializer(const vx_onnx *m, size_t index);

/* Initializer by exact name, or NULL when there is none (no error is set:
 * callers probe for optional weights). */
const vx_onnx_tensor *vx_onnx_find_initializer(const vx_onnx *m, const char *name);

/* The tensor's float32 values, or NULL with VX_ERR_UNSUPPORTED set when it
 * holds another data type. */
const float *vx_onnx_tensor_f32(const vx_onnx_tensor *t);

/* Nodes in file (topological) order; index < vx_onnx_node_count. */
size_t vx_onnx_node_count(const vx_onnx *m);
const vx_onnx_node *vx_onnx_node_at(const vx_onnx *m, size_t index);

/* Graph input / output names (GraphProto.input / .output, ValueInfoProto.name). */
size_t vx_onnx_input_count(const vx_onnx *m);
const char *vx_onnx_input_name(const vx_onnx *m, size_t index);
size_t vx_onnx_output_count(const vx_onnx *m);
const char *vx_onnx_output_name(const vx_onnx *m, size_t index);

/* A node's attribute by name, or NULL when absent (no error is set). */
const vx_onnx_attr *vx_onnx_node_attr(const vx_onnx_node *n, const char *name);

/* Scalar attribute shortcuts: the value, or `dflt` when the attribute is
 * absent or of another type. */
int64_t vx_onnx_node_attr_int(const vx_onnx_node *n, const char *name, int64_t dflt);
float vx_onnx_node_attr_float(const vx_onnx_node *n, const char *name, float dflt);

/* Name of a data type code for messages ("FLOAT", "INT64", "type 17"). The
 * returned pointer may be a thread-local buffer valid until the next call. */
const char *vx_onnx_dtype_name(int data_type);

#endif
