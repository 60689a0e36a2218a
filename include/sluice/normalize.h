/* The normalizer: JSON records in, relational Parquet tables out.
 *
 * Each record is a row of the root table (named by the caller). Nested objects are
 * flattened into columns joined with '_' (address.city -> address_city); arrays of
 * scalars become LIST columns; arrays of objects become child tables named
 * <table>__<key>, whose rows carry `_key` (deterministic: the parent's key, '.',
 * the position), `_parent_key` and `_pos`; a table with children gets a `_key`
 * column too (the record's ordinal, with an optional prefix). A record that is not
 * an object is one row with a single column `value`.
 *
 * Types are inferred from every value along the lattice in src/schema/infer.h:
 * nothing is dropped and nothing is silently coerced. The first window of records
 * (window_bytes of their text) only feeds inference, so most schemas are settled
 * before anything is written; after that, rows stream to Parquet with memory
 * bounded by the row group size. A record that widens the schema later (a new
 * key, a wider type) starts a new part file; sl_norm_publish() then unifies the
 * parts into one file, converting earlier values along the lattice (a part
 * already in the final types goes in as its row groups, copied).
 *
 * The normalizer is the one `sluice convert` and `sluice ingest` use. */
#ifndef SLUICE_NORMALIZE_H
#define SLUICE_NORMALIZE_H

#include <stdbool.h>
#include <stdint.h>

#include "sluice/json.h"
#include "sluice/parquet.h"
#include "sluice/status.h"

typedef struct sl_norm_options {
    const char *root_table;          /* name of the root table; required */
    const char *tmp_dir;             /* where part files go; must exist; NULL with infer_only */
    const char *key_prefix;          /* prefix of root `_key` values; default "" */
    const char *lineage;             /* JSON for "sluice.lineage"; may be NULL; not copied */
    sl_pq_writer_options writer;     /* codec, row group size, ... */
    uint64_t window_bytes;           /* inference window; 0 means 4 MiB */
    bool infer_only;                 /* only infer the tables; write nothing */
    bool documents;                  /* records are job-result documents: see below */
    bool no_plans;                   /* every record the whole way, never through a plan
                                        (src/ingest/norm_plan.h): the reference the
                                        tests hold the plans to */
} sl_norm_options;

/* Documents (options.documents): each record is one job-result document (DESIGN.md
 * section 3). A top-level member holding an array of objects becomes rows of the
 * table named by its key ("students": [...] gives rows of students, with child
 * tables as above); everything else in the document (its scalars, the `job` object,
 * other arrays) is one row of the root table, conventionally `_documents`, which
 * always has `_key`. An entity row gets `_key` "<prefix><ordinal>.<table>.<i>" when
 * it needs one (it has children). Empty arrays hold no rows and add no column. A
 * record that is not an object is one row of the root table, as without the option.
 * An entity array with the root table's name is SL_ERR_SCHEMA. */

/* Fills o with defaults (root_table and tmp_dir left NULL). */
void sl_norm_options_init(sl_norm_options *o);

typedef struct sl_normalizer sl_normalizer;

sl_status sl_norm_open(const sl_norm_options *opts, sl_normalizer **out, sl_error *err);

/* Adds one record. The value need only live for the duration of the call. */
sl_status sl_norm_add(sl_normalizer *n, const sl_json_value *record, sl_error *err);

/* Feeding a whole JSON input, on several threads. */
typedef struct sl_norm_feed_options {
    sl_json_options json;       /* limits and form, as for sl_json_reader_open */
    unsigned threads;           /* threads that parse; 0: one per core, at most 8; 1: the
                                   caller's thread alone */
    size_t part_size;           /* bytes of input a thread takes at a time; 0: 256 KiB */
} sl_norm_feed_options;

void sl_norm_feed_options_init(sl_norm_feed_options *o);

/* What a feed read: records added, bytes of (decompressed) input, duplicate keys. */
typedef struct sl_norm_feed_stats {
    uint64_t records, bytes, duplicate_keys;
} sl_norm_feed_stats;

/* Adds every record of the JSON input at path ("-": stdin) to n, with the result
 * (every byte of the tables) and the errors (file, line, column, offset, message)
 * of reading it with sl_json_reader_next and adding each record with sl_norm_add;
 * stats (may be NULL) gets what was read. With infer_only, the other threads only
 * check that records fit, and count them.
 * With threads > 1 the input, plain or decompressed, is cut into parts at newlines;
 * other threads parse the parts and, once the schema is settled, turn the records
 * that fit it (see src/ingest/norm_plan.h) into rows, which this thread appends in
 * input order; it gives every other record to sl_norm_add itself. A top-level
 * array, and a line longer than the maximum record size, are read by this thread
 * alone from there on. Memory: about 2 x threads x part_size of input in flight. */
sl_status sl_norm_feed_json(sl_normalizer *n, const char *path, const sl_norm_feed_options *o,
                            sl_norm_feed_stats *stats, sl_error *err);

/* Ends input: writes every buffered row and closes the part files. */
sl_status sl_norm_finish(sl_normalizer *n, sl_error *err);

/* After finish: the tables, in order of first appearance (the root first). */
size_t sl_norm_num_tables(const sl_normalizer *n);
const char *sl_norm_table_name(const sl_normalizer *n, size_t t);
uint64_t sl_norm_table_rows(const sl_normalizer *n, size_t t);
size_t sl_norm_table_num_columns(const sl_normalizer *n, size_t t);
/* Column c of table t as it will be published (name and type). */
void sl_norm_table_column(const sl_normalizer *n, size_t t, size_t c, sl_pq_column *out);

/* Writes table t to dest (renaming its part when there is one, unifying several
 * parts otherwise); key-value metadata "sluice.schema" describes the table. */
sl_status sl_norm_publish(sl_normalizer *n, size_t t, const char *dest, sl_error *err);

/* Removes any part files left and frees everything. n may be NULL. */
void sl_norm_free(sl_normalizer *n);

#endif
