/* The normalizer's state, shared by normalize.c (records, one at a time) and
 * norm_plan.c (rows of a settled schema, made on other threads). Nothing else
 * includes it. */
#ifndef SL_INGEST_NORM_IMPL_H
#define SL_INGEST_NORM_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "ingest/norm_plan.h"
#include "schema/infer.h"
#include "sluice/normalize.h"

typedef struct norm_col {
    char *name;
    size_t len;
    sl_infer inf;               /* type over every value seen */
    sl_infer part_inf;          /* type in the open part, when in_part */
    sl_pq_column part_col;      /* part_inf as a Parquet column */
    bool in_part;
    bool synthetic;             /* _key, _parent_key, _pos */
    uint64_t gen;               /* row generation in which val was set */
    const sl_json_value *val;
} norm_col;

typedef struct norm_table {
    char *name;
    norm_col *cols;
    size_t ncols, cap;
    uint32_t *slots;            /* open addressing: column index + 1, 0 empty */
    size_t nslots;
    uint64_t rows;              /* rows written (or, before the first write, seen) */
    bool dirty;                 /* schema changed since the open part began */
    sl_pq_writer *w;
    /* Shape cache: the member keys met in the last row, in visiting order, and the
     * column each scalar went to. Rows of one table usually have the same keys in
     * the same order, so a row that repeats its predecessor's shape finds its
     * columns with one short memcmp per member instead of a hash lookup. */
    struct shape_entry { char key[24]; uint32_t key_len; int32_t col; } *shape;
    size_t nshape, shape_cap;
    size_t shape_pos;           /* position in the current row */
    bool shape_ok;              /* the current row matches the cache so far */
    uint32_t *part_map;         /* part column -> table column */
    size_t part_ncols;
    char **parts;
    size_t nparts;
    long key_col;               /* index of `_key`, or -1 */
    uint64_t part_gen;          /* which part w is: n->part_seq when it was opened */
    bool force_key;             /* every row has `_key` (the documents table) */
} norm_table;

/* A value for column `col` (an index: the column array may grow while a record is
 * exploded, so pointers into it would dangle). */
typedef struct cell { uint32_t col; const sl_json_value *v; } cell;
typedef struct row_ref { norm_table *t; size_t first, count; } row_ref;

/* An array of objects waiting to become child rows of an emitted row. */
typedef struct pending_child {
    norm_table *parent;
    const char *field;          /* flattened field name in the parent */
    size_t field_len;
    const sl_json_value *arr;
    const char *parent_key;
    size_t parent_key_len;
} pending_child;

struct sl_normalizer {
    sl_norm_options opts;
    char *root_name, *tmp_dir, *key_prefix;
    norm_table **tables;
    size_t ntables, tcap;
    uint64_t gen;
    uint64_t ord_seen;          /* records observed */
    uint64_t ord_written;       /* records written */
    uint64_t cur_ordinal;       /* ordinal of the record being exploded */
    bool windowing;             /* still in the inference window */
    bool finished;
    sl_buf window;              /* serialized records of the window */
    uint64_t window_records;
    sl_buf name;                /* scratch for flattened names */
    sl_arena scratch;           /* per-record synthetic values */
    cell *cells;
    size_t ncells, ccap;
    row_ref *rows;
    size_t nrows, rcap;
    pending_child *pend;
    size_t npend, pcap;
    uint64_t part_seq;
    /* sl_norm_add's own plan (norm_plan.h), from a record it took the whole way */
    struct sl_norm_plan *plan;
    /* plan still holds: checked after each record that went the whole way and when
     * the window ends, the only times the schema can move (a planned record
     * changes nothing), so the check is not on the path of every record */
    bool plan_live;
    sl_norm_plan_scratch plan_scratch;
    uint64_t plan_misses, plan_next_try;
};

/* The column of t named name[0..len), or NULL. */
norm_col *sl_norm_find_col(const norm_table *t, const char *name, size_t len);

/* Writes v to column col of w, a column of type pc (the conversions of the
 * lattice: an int to a double column, any value's text to a string column...). */
sl_status sl_norm_write_value(sl_pq_writer *w, size_t col, const sl_pq_column *pc,
                              const sl_json_value *v, sl_buf *tmp);

#endif
