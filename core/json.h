/* json.h — a small, strict JSON reader (RFC 8259) and string escaping for
 * writers. Used for safetensors headers, voice configs and tool output.
 *
 * Parsing never crashes on bad input: it returns NULL and sets an error that
 * names the byte offset (line:column) and what was expected. Depth and size
 * are bounded. Strings are decoded to UTF-8 (\uXXXX and surrogate pairs). */
#ifndef VX_JSON_H
#define VX_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "status.h"

typedef enum vx_json_type {
    VX_JSON_NULL,
    VX_JSON_BOOL,
    VX_JSON_NUMBER,
    VX_JSON_STRING,
    VX_JSON_ARRAY,
    VX_JSON_OBJECT,
} vx_json_type;

typedef struct vx_json {
    vx_json_type type;
    bool boolean;            /* VX_JSON_BOOL                                   */
    double number;           /* VX_JSON_NUMBER                                 */
    bool is_integer;         /* NUMBER written without fraction or exponent    */
    int64_t integer;         /* ...and fitting int64: its exact value          */
    char *string;            /* VX_JSON_STRING: NUL-terminated UTF-8           */
    size_t len;              /* string length in bytes (may contain NUL)       */
    size_t count;            /* ARRAY/OBJECT: number of items                  */
    struct vx_json **items;  /* ARRAY elements or OBJECT values, in file order */
    char **keys;             /* OBJECT keys (decoded), parallel to items       */
    size_t *key_lens;        /* OBJECT key lengths in bytes (may contain NUL)  */
} vx_json;

/* Parse `len` bytes. `what` names the source in error messages ("safetensors
 * header of x.safetensors"). Returns NULL with the error set on failure.
 * Beyond RFC 8259's grammar it rejects: nesting deeper than VX_JSON_MAX_DEPTH,
 * input over VX_JSON_MAX_BYTES, invalid UTF-8, lone surrogate escapes,
 * numbers that overflow a double, and duplicate keys in one object (the RFC
 * leaves duplicates to the reader; first-match lookup would hide them). */
#define VX_JSON_MAX_DEPTH 64
#define VX_JSON_MAX_BYTES ((size_t)1 << 30)

vx_json *vx_json_parse(const char *text, size_t len, const char *what);
void vx_json_free(vx_json *j);

/* Object member by key (first match), or NULL when absent or j is no object. */
const vx_json *vx_json_get(const vx_json *j, const char *key);

/* Typed accessors with a default when the member is absent or mistyped. */
double vx_json_get_number(const vx_json *j, const char *key, double dflt);
const char *vx_json_get_string(const vx_json *j, const char *key, const char *dflt);

/* Write `s` (n bytes) as a quoted JSON string with escapes to f. */
void vx_json_write_string(FILE *f, const char *s, size_t n);

/* Name of a JSON type for messages: "null", "boolean", "number", ... */
const char *vx_json_type_name(vx_json_type t);

/* Copy `s` (n bytes) into buf for an error message: control bytes become
 * '?', and a string longer than the buffer ends with "...". Returns buf. */
const char *vx_json_excerpt(char *buf, size_t bufsize, const char *s, size_t n);

#endif
