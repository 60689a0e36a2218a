/* The synthetic data generator: schema files (docs/schema-format.md) and runs.
 *
 * Every value is a pure function of (seed, table, column, row) through a
 * counter-based random function, so a run is reproducible byte for byte, and any
 * shard of it can be computed alone: the outputs of --shard 0/N .. N-1/N,
 * concatenated, equal the unsharded output. Foreign keys are computed from the
 * child's row number and always name an existing parent; associations
 * (many-to-many tables) respect their capacity and per-row limits by construction. */
#ifndef SLUICE_GEN_H
#define SLUICE_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/status.h"

struct sl_buf;
typedef struct sl_gen_schema sl_gen_schema;

/* A named number that overrides a schema's params (e.g. max_enrollments). */
typedef struct sl_gen_param {
    const char *name;
    double value;
} sl_gen_param;

/* Loads a schema: a built-in name ("school", "card_transactions") or a JSON or YAML
 * file. overrides (n of them, may be NULL) replace params of the same name; an
 * override the schema does not have is an error. Every problem is SL_ERR_SCHEMA (or
 * SL_ERR_IO for an unreadable file) with the file, line and column in err. *out is
 * NULL on failure. */
sl_status sl_gen_schema_load(const char *name_or_path, const sl_gen_param *overrides,
                             size_t n, sl_gen_schema **out, sl_error *err);

/* The same from text in memory; file names it in errors. */
sl_status sl_gen_schema_parse(const char *text, size_t len, const char *file,
                              const sl_gen_param *overrides, size_t n,
                              sl_gen_schema **out, sl_error *err);

void sl_gen_schema_free(sl_gen_schema *s);   /* NULL is a no-op */

/* The built-in schema names, NULL-terminated. */
const char *const *sl_gen_builtin_names(void);

/* Appends a readable description of s (tables, row counts, columns with their types,
 * generators, keys and constraints) to out. */
sl_status sl_gen_schema_describe(const sl_gen_schema *s, struct sl_buf *out);

/* Appends s as sluice schema JSON (the "sluice.schema" key-value metadata that
 * validate and docs read back): tables, columns, types, keys, references. */
sl_status sl_gen_schema_to_json(const sl_gen_schema *s, struct sl_buf *out);

typedef enum { SL_GEN_NDJSON = 0, SL_GEN_JSON, SL_GEN_CSV, SL_GEN_PARQUET } sl_gen_format;

/* Data quality violations a run can inject (--violations KIND=COUNT,...), so that
 * users can see what sluice validate catches. The names are validate's check names;
 * one unit of a count is, in sluice-generate(1)'s words:
 *   duplicate_rows          one extra row, an exact copy of another row
 *   conflicting_duplicates  one extra row repeating a primary key with other content
 *   null_required           one cell of a required (never null) column set to null
 *   orphan_refs             one row whose foreign key names no existing parent
 *   over_capacity           one class with one enrollment more than its capacity
 *   over_enrollment_limit   one student in max_enrollments + 1 classes
 *   age_year_mismatch       one student with age - year outside {5, 6}
 *   out_of_range            one value outside its column's declared range or values
 * Each unit trips exactly one check once; every other row is the clean run's. */
typedef enum {
    SL_GEN_DUPLICATE_ROWS = 0,
    SL_GEN_CONFLICTING_DUPLICATES,
    SL_GEN_NULL_REQUIRED,
    SL_GEN_ORPHAN_REFS,
    SL_GEN_OVER_CAPACITY,
    SL_GEN_OVER_ENROLLMENT_LIMIT,
    SL_GEN_AGE_YEAR_MISMATCH,
    SL_GEN_OUT_OF_RANGE,
    SL_GEN_NVIOLATIONS
} sl_gen_violation;

const char *sl_gen_violation_name(sl_gen_violation k);   /* NULL when out of range */

/* Parses "KIND=COUNT[,KIND=COUNT...]" into counts (SL_GEN_NVIOLATIONS entries, set
 * to 0 first). An unknown kind, a kind given twice or a bad count is SL_ERR_USAGE. */
sl_status sl_gen_violations_parse(const char *spec, uint64_t *counts, sl_error *err);

typedef struct sl_gen_options {
    uint64_t seed;               /* default 42 */
    uint64_t n;                  /* rows of the size table; 0: the schema's count x scale */
    double scale;                /* multiplies every fixed row count; default 1 */
    uint32_t shard, nshards;     /* this run computes shard `shard` of `nshards` (default 0/1) */
    sl_gen_format format;
    const char *extension;       /* file extension; default ndjson, json, csv, parquet */
    bool gzip;                   /* NDJSON, JSON, CSV: gzip the output (adds .gz) */
    bool no_direct_io;           /* NDJSON, JSON, CSV files: never direct I/O (by default
                                  * a file's bytes past 64 MiB bypass the page cache) */
    const char *output_dir;      /* default "." */
    const char *output_name;     /* file name stem; see sluice-generate(1) */
    bool to_stdout;              /* one table to stdout */
    const char *const *tables;   /* only these tables (NULL-terminated), or NULL: all */
    /* job-result documents (DESIGN.md section 3): num_iterations > 0 writes one JSON
     * document per batch of max_batch_size rows of the size table */
    uint64_t num_iterations;
    uint64_t max_batch_size;     /* default 10 */
    bool shuffle_dependencies;   /* batches written in a shuffled order */
    uint64_t first_cluster;      /* the job ids' cluster number; default 1 */
    double rate;                 /* files (documents) or rows per second; 0: unlimited */
    bool loop;                   /* keep going past n (or num_iterations) until stopped */
    volatile int *stop;          /* set non-zero (from a signal handler) to stop cleanly */
    int threads;                 /* 0: the number of cores */
    bool progress;               /* a progress bar on stderr */
    const char *codec;           /* Parquet codec name; default zstd */
    uint64_t row_group_rows;     /* Parquet; 0: 122,880 (DuckDB's size) */
    const uint64_t *violations;  /* NULL, or SL_GEN_NVIOLATIONS counts to inject */
} sl_gen_options;

void sl_gen_options_init(sl_gen_options *o);

/* What a run produced. */
typedef struct sl_gen_stats {
    uint64_t rows;               /* over every table */
    uint64_t files;
    uint64_t bytes;              /* written (text before gzip; Parquet files as written) */
    uint64_t broken;             /* rows that broke a column's `check` (a schema bug) */
    double t0;                   /* when the run started (monotonic seconds), for pacing */
} sl_gen_stats;

/* Runs the generator. Errors: SL_ERR_USAGE for options that do not fit the schema,
 * SL_ERR_IO/SL_ERR_NOSPACE for output failures (the file being written is removed),
 * SL_ERR_STOPPED when *o->stop was set: every document written so far is complete,
 * a table being written is removed. */
sl_status sl_gen_run(const sl_gen_schema *s, const sl_gen_options *o, sl_gen_stats *stats,
                     sl_error *err);

#endif
