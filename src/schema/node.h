/* A small document tree for configuration files (schema files, rules files) read
 * from JSON or YAML, with the line and column of every node so that an error can
 * point at what is wrong. Scalars keep their text: the reader of the tree decides
 * what a scalar means, except that a quoted scalar is always a string. */
#ifndef SLUICE_SCHEMA_NODE_H
#define SLUICE_SCHEMA_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "sluice/status.h"

typedef enum { SL_NODE_SCALAR, SL_NODE_SEQ, SL_NODE_MAP } sl_node_kind;

typedef struct sl_node sl_node;
struct sl_node {
    sl_node_kind kind;
    uint32_t line, column;       /* 1-based position of the node's first character */
    bool quoted;                 /* scalar written in quotes: a string whatever it says */
    const char *text;            /* scalar text, NUL-terminated */
    size_t len;
    sl_node **items;             /* SEQ: the items; MAP: the values */
    sl_node **keys;              /* MAP: the keys (scalars), parallel to items */
    size_t n;
};

typedef struct sl_node_doc {
    sl_arena arena;              /* owns every node and string */
    sl_node *root;
} sl_node_doc;

/* Parses text (len bytes) named file into doc. JSON (text whose first non-blank
 * character is '{' or '[') is first checked by the strict JSON reader, so JSON errors
 * read as they do everywhere else in sluice; YAML goes to libyaml. Duplicate keys in
 * a mapping and nesting deeper than 64 are errors. On failure doc is empty and err
 * names the file, line and column. Free with sl_node_doc_free (safe on any doc that
 * went through this function, or a zeroed one). */
sl_status sl_node_parse(const char *text, size_t len, const char *file, sl_node_doc *doc,
                        sl_error *err);
void sl_node_doc_free(sl_node_doc *doc);

/* The value under key in a MAP node, or NULL (also when m is not a map). */
const sl_node *sl_node_get(const sl_node *m, const char *key);

/* Scalar readers: true when n is a scalar of that kind. A YAML plain scalar or a JSON
 * literal: null is "null", "~" or empty; booleans "true"/"false"; numbers in JSON
 * syntax. */
bool sl_node_is_null(const sl_node *n);
bool sl_node_bool(const sl_node *n, bool *out);
bool sl_node_double(const sl_node *n, double *out);
bool sl_node_int(const sl_node *n, int64_t *out);
/* A string scalar (quoted, or plain and not null/bool/number), NUL-terminated. */
const char *sl_node_str(const sl_node *n);

/* What a node is, for messages: "a mapping", "a list", "a number", "a string"... */
const char *sl_node_describe(const sl_node *n);

/* Sets err to "message" at n's position in file; returns code. */
sl_status sl_node_error(sl_error *err, sl_status code, const char *file, const sl_node *n,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
