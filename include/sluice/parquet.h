/* Parquet writer and reader.
 *
 * Scope: flat columns and LIST of a primitive, required or optional, with the
 * logical types sluice uses. The writer produces files that DuckDB, Polars, Arrow,
 * Spark, hyparquet and parquet-wasm open with no options; the reader reads every
 * file the writer writes and the files DuckDB and Polars write (PLAIN, dictionary,
 * DELTA_*, BYTE_STREAM_SPLIT encodings; data page v1 and v2; every codec below).
 *
 * A corrupt or truncated file is SL_ERR_CORRUPT with a message naming what is
 * wrong and where (byte offset in the file); never a crash or a hang. */
#ifndef SLUICE_PARQUET_H
#define SLUICE_PARQUET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sluice/status.h"

/* Logical column types. The writer writes the types above SL_PQ_UINT8; the reader
 * may report any of them. */
typedef enum {
    SL_PQ_BOOL = 0,
    SL_PQ_INT8,
    SL_PQ_INT16,
    SL_PQ_INT32,
    SL_PQ_INT64,
    SL_PQ_FLOAT,
    SL_PQ_DOUBLE,
    SL_PQ_STRING,      /* BYTE_ARRAY, UTF-8 */
    SL_PQ_BINARY,      /* BYTE_ARRAY, no annotation */
    SL_PQ_DATE,        /* int32 days since 1970-01-01 */
    SL_PQ_TIMESTAMP,   /* int64 since the epoch, in time_unit; writer: MICROS, utc as given */
    SL_PQ_TIME,        /* since midnight, in time_unit; writer: MICROS */
    SL_PQ_DECIMAL,     /* precision, scale: <= 9 INT32, <= 18 INT64, else FIXED(16) */
    /* reader only */
    SL_PQ_UINT8,
    SL_PQ_UINT16,
    SL_PQ_UINT32,
    SL_PQ_UINT64,      /* values in i64, reinterpret as uint64 */
    SL_PQ_FIXED,       /* FIXED_LEN_BYTE_ARRAY without annotation (or UUID) */
    SL_PQ_UNSUPPORTED  /* a column the reader can describe but not decode */
} sl_pq_type;

typedef enum { SL_PQ_MILLIS = 0, SL_PQ_MICROS = 1, SL_PQ_NANOS = 2 } sl_pq_time_unit;

typedef struct sl_pq_column {
    const char *name;        /* top-level field name */
    sl_pq_type type;         /* for a list: the element type */
    bool optional;           /* the value (or the whole list) may be null */
    bool list;               /* LIST of type */
    bool element_optional;   /* list elements may be null */
    sl_pq_time_unit time_unit;
    bool utc;                /* TIMESTAMP isAdjustedToUTC */
    int32_t precision;       /* DECIMAL */
    int32_t scale;           /* DECIMAL */
    int32_t fixed_len;       /* FIXED, and DECIMAL stored as FIXED */
} sl_pq_column;

typedef enum {
    SL_PQ_CODEC_NONE = 0,
    SL_PQ_CODEC_SNAPPY = 1,
    SL_PQ_CODEC_GZIP = 2,
    SL_PQ_CODEC_LZ4 = 5,      /* legacy Hadoop-framed LZ4 (read only) */
    SL_PQ_CODEC_ZSTD = 6,
    SL_PQ_CODEC_LZ4_RAW = 7
} sl_pq_codec;

/* Parses "zstd", "snappy", "gzip", "lz4_raw" (or "lz4"), "none"/"uncompressed".
 * Returns SL_ERR_USAGE for anything else. */
sl_status sl_pq_codec_parse(const char *name, sl_pq_codec *out);
const char *sl_pq_codec_name(sl_pq_codec c);

/* ---------------------------------------------------------------- writer */

typedef struct sl_pq_writer_options {
    sl_pq_codec codec;              /* default ZSTD */
    int level;                      /* codec level; 0 = sluice's default: zstd 2, gzip 6 */
    uint64_t row_group_rows;        /* default 1,048,576 */
    uint64_t row_group_bytes;       /* uncompressed bytes buffered; default 128 MiB.
                                     * Memory: up to about twice this, as the row
                                     * group being filled and the previous one,
                                     * being encoded and written in the background */
    uint32_t page_size;             /* target data page size; default 1 MiB */
    uint8_t page_version;           /* 1 (default) or 2 */
    bool dictionary;                /* default true */
    uint32_t dictionary_max_bytes;  /* past this a chunk falls back to PLAIN; 1 MiB */
    const char *created_by;         /* default "sluice version <SL_VERSION>" */
} sl_pq_writer_options;

void sl_pq_writer_options_init(sl_pq_writer_options *o);

typedef struct sl_pq_writer sl_pq_writer;

/* Creates path (truncating it) for ncols columns. cols and the strings in them are
 * copied. opts may be NULL. */
sl_status sl_pq_writer_open(const char *path, const sl_pq_column *cols, size_t ncols,
                            const sl_pq_writer_options *opts, sl_pq_writer **out,
                            sl_error *err);

/* Adds a key-value pair to the footer (copied). Call any time before close. */
sl_status sl_pq_writer_set_kv(sl_pq_writer *w, const char *key, const char *value);

struct sl_pq_reader;
/* Appends row group g of the file r reads to w as it is: its column chunks' bytes
 * are copied, not decoded, and keep their codec, encodings and statistics. The
 * rows written before (if any) are written first as a row group of their own, so
 * the order of rows is kept. r's columns must be w's (one leaf each, the same
 * names, physical types and levels), else SL_ERR_USAGE; a chunk that cannot be
 * copied is SL_ERR_CORRUPT. The row group counts in w's rows. */
sl_status sl_pq_writer_copy_row_group(sl_pq_writer *w, struct sl_pq_reader *r, size_t g, sl_error *err);

/* Value calls append one value to column col of the current row, or one element
 * to the open list of col. Which call fits which type:
 *   bool: BOOL; int: INT8..INT64, DATE, TIMESTAMP, TIME, DECIMAL (unscaled, p <= 18);
 *   double: FLOAT, DOUBLE; bytes: STRING, BINARY; decimal128: DECIMAL (p > 18).
 * A wrong call, a null into a required column, or a missing value at end_row is
 * SL_ERR_USAGE. Errors are detailed by sl_pq_writer_error(). */
sl_status sl_pq_write_null(sl_pq_writer *w, size_t col);
sl_status sl_pq_write_bool(sl_pq_writer *w, size_t col, bool v);
sl_status sl_pq_write_int(sl_pq_writer *w, size_t col, int64_t v);
sl_status sl_pq_write_double(sl_pq_writer *w, size_t col, double v);
sl_status sl_pq_write_bytes(sl_pq_writer *w, size_t col, const void *p, size_t len);
sl_status sl_pq_write_decimal128(sl_pq_writer *w, size_t col, int64_t hi, uint64_t lo);
/* A list value: begin, zero or more element calls (write_null for a null element),
 * end. A null list is a plain sl_pq_write_null() instead. */
sl_status sl_pq_write_list_begin(sl_pq_writer *w, size_t col);
sl_status sl_pq_write_list_end(sl_pq_writer *w, size_t col);

/* Domains: a STRING or BINARY column (not a LIST) whose values all come from a
 * fixed list of byte strings, such as a generator's choices, a dictionary of names
 * or a parent table's keys. Once the list is set, a value may be given as its
 * index in the list (sl_pq_write_index, or SL_PQV_INDEX in a row): it is buffered
 * in 4 bytes, not copied, and dictionary-encoded by an array lookup instead of
 * hashing its bytes. The file is byte for byte the one the same strings written
 * with sl_pq_write_bytes make (the dictionary keeps the order in which values are
 * first seen either way). The list may hold a string more than once. A byte
 * string written to the column must be in the list, else SL_ERR_USAGE; an index
 * past its end is SL_ERR_USAGE. Set it before the first row and before opening
 * batches, which take it from w. The list and the strings are not copied: they
 * must outlive w and its batches. */
typedef struct sl_pq_str {
    const void *p;
    size_t len;
} sl_pq_str;

sl_status sl_pq_writer_set_domain(sl_pq_writer *w, size_t col, const sl_pq_str *list, size_t n);
sl_status sl_pq_write_index(sl_pq_writer *w, size_t col, uint32_t i);

/* One value of a whole row for sl_pq_write_row: what a value call takes. */
typedef enum {
    SL_PQV_NULL = 0,   /* sl_pq_write_null */
    SL_PQV_BOOL,       /* u.i, 0 or 1: sl_pq_write_bool */
    SL_PQV_INT,        /* u.i: sl_pq_write_int */
    SL_PQV_DOUBLE,     /* u.d: sl_pq_write_double */
    SL_PQV_BYTES,      /* u.s: sl_pq_write_bytes */
    SL_PQV_INDEX       /* u.i: sl_pq_write_index */
} sl_pq_value_kind;

typedef struct sl_pq_value {
    sl_pq_value_kind kind;
    union {
        int64_t i;
        double d;
        struct { const void *p; size_t len; } s;
    } u;
} sl_pq_value;

/* Writes a whole row, vals[i] the value of column i, and ends it: the same as the
 * value calls in column order then sl_pq_write_end_row (the same checks, the same
 * errors, the same bytes), in one call. LIST and DECIMAL(p > 18) columns take
 * their values only through the value calls. */
sl_status sl_pq_write_row(sl_pq_writer *w, const sl_pq_value *vals);

/* Ends the current row: every column must have received exactly one value. At the
 * row or byte threshold, hands the row group to a background thread, which encodes
 * and writes it while the caller fills the next (waiting first for the previous one:
 * at most one is in flight). A failure there (SL_ERR_IO, SL_ERR_NOSPACE,
 * SL_ERR_NOMEM) is returned by a later end_row, flush or close, and detailed by
 * sl_pq_writer_error(). */
sl_status sl_pq_write_end_row(sl_pq_writer *w);

/* Batches: rows made on another thread. A batch is a writer without a file, opened
 * from w, that takes the same value calls, sl_pq_write_row and sl_pq_write_end_row
 * (with the same checks) but only buffers. Batches are opened and appended on the
 * thread that uses w; any number of them may be filled at once on other threads, a
 * batch on one thread at a time, while w is in use. sl_pq_write_batch then
 * appends a batch's ended rows to w and empties the batch: the file is byte for
 * byte the one the same value calls made directly on w would make, row groups
 * ending after the same rows. It is SL_ERR_USAGE in the middle of a row of w or
 * of the batch. Free a batch with sl_pq_writer_abort (or close, which drops its
 * rows); it cannot be flushed. */
sl_status sl_pq_writer_open_batch(const sl_pq_writer *w, sl_pq_writer **out, sl_error *err);
sl_status sl_pq_write_batch(sl_pq_writer *w, sl_pq_writer *batch);

/* Column blocks: n rows of a batch given a column at a time, for callers that
 * make rows in blocks. Each call appends one flat column's next n slots: v[i] is
 * slot i's value, ignored where present[i] is 0 (a null; present NULL: none is
 * null). sl_pq_batch_end_rows(b, n) then ends the n rows; every column must have
 * been given exactly once since the last end, and no row may be open in b. The
 * calls check what the value calls check (the call that fits the type, ranges,
 * nulls, domains) and a failing call leaves its column as it was, so that the
 * caller can take the block back with sl_pq_batch_cancel_rows and write its rows
 * through the value calls instead. The batch holds the bytes the value calls
 * would buffer. ints: INT8..INT64, DATE, TIMESTAMP, TIME, DECIMAL(p <= 18);
 * doubles: FLOAT, DOUBLE; bools: BOOL (v[i] != 0); bytes: STRING, BINARY;
 * indices: a column with a domain. LIST columns take no blocks. */
sl_status sl_pq_batch_ints(sl_pq_writer *b, size_t col, const int64_t *v, const uint8_t *present, size_t n);
sl_status sl_pq_batch_doubles(sl_pq_writer *b, size_t col, const double *v, const uint8_t *present, size_t n);
sl_status sl_pq_batch_bools(sl_pq_writer *b, size_t col, const uint8_t *v, const uint8_t *present, size_t n);
sl_status sl_pq_batch_bytes(sl_pq_writer *b, size_t col, const sl_pq_str *v, const uint8_t *present, size_t n);
sl_status sl_pq_batch_indices(sl_pq_writer *b, size_t col, const uint32_t *v, const uint8_t *present, size_t n);
sl_status sl_pq_batch_end_rows(sl_pq_writer *b, size_t n);
/* Takes back every column given since the last sl_pq_batch_end_rows. */
void sl_pq_batch_cancel_rows(sl_pq_writer *b);

/* Writes the buffered rows as a row group now (nothing when empty), after the row
 * group in flight; both are in the file when it returns. */
sl_status sl_pq_writer_flush(sl_pq_writer *w);

/* Rows written so far (ended rows). */
uint64_t sl_pq_writer_rows(const sl_pq_writer *w);

/* Flushes, writes the footer, fsyncs if asked, closes and frees. w may be NULL.
 * On failure the file is left incomplete; the caller removes it. */
sl_status sl_pq_writer_close(sl_pq_writer *w, bool fsync_file, sl_error *err);

/* Frees without finishing the file (the partial file stays; the caller removes it).
 * Waits for the row group in flight, if any, to be written first. */
void sl_pq_writer_abort(sl_pq_writer *w);

/* The last error of w (code SL_OK when none). */
const sl_error *sl_pq_writer_error(const sl_pq_writer *w);

/* ---------------------------------------------------------------- reader */

typedef struct sl_pq_reader sl_pq_reader;

typedef struct sl_pq_chunk_info {
    sl_pq_codec codec;
    uint32_t encodings;          /* bit (1u << parquet Encoding value) for each used */
    uint64_t num_values;
    uint64_t compressed_size;
    uint64_t uncompressed_size;
    bool has_null_count;
    int64_t null_count;
    bool has_min_max;            /* min/max present (and meaningful for the type) */
    const uint8_t *min;          /* PLAIN encoding of the value, as in the file */
    uint32_t min_len;
    const uint8_t *max;
    uint32_t max_len;
} sl_pq_chunk_info;

/* Columns are the file's top-level fields, in schema order. A primitive field is a
 * flat column; a LIST of a primitive (standard 3-level form, legacy 2-level forms,
 * or a bare repeated primitive) is a list column. Any other field (struct, map,
 * list of structs or of lists, FLOAT16) is one column of type SL_PQ_UNSUPPORTED:
 * described, its chunk info taken from its first leaf, and reading it is
 * SL_ERR_UNSUPPORTED with a message naming what it is. */

/* Opens a file and reads its footer. */
sl_status sl_pq_reader_open(const char *path, sl_pq_reader **out, sl_error *err);

/* Reads from memory (not copied; must outlive the reader); name is for errors. */
sl_status sl_pq_reader_open_mem(const void *data, size_t len, const char *name,
                                sl_pq_reader **out, sl_error *err);

void sl_pq_reader_free(sl_pq_reader *r);

uint64_t sl_pq_reader_num_rows(const sl_pq_reader *r);
size_t sl_pq_reader_num_columns(const sl_pq_reader *r);
const sl_pq_column *sl_pq_reader_column(const sl_pq_reader *r, size_t i);
size_t sl_pq_reader_num_row_groups(const sl_pq_reader *r);
uint64_t sl_pq_reader_row_group_rows(const sl_pq_reader *r, size_t rg);
/* Uncompressed bytes of row group rg (its total_byte_size), 0 when out of range. */
uint64_t sl_pq_reader_row_group_bytes(const sl_pq_reader *r, size_t rg);
const char *sl_pq_reader_created_by(const sl_pq_reader *r);   /* "" when absent */
int32_t sl_pq_reader_version(const sl_pq_reader *r);
size_t sl_pq_reader_num_kv(const sl_pq_reader *r);
/* Key and value of pair i (value "" when absent). */
void sl_pq_reader_kv(const sl_pq_reader *r, size_t i, const char **key, const char **value);
/* Value for key, or NULL. */
const char *sl_pq_reader_kv_get(const sl_pq_reader *r, const char *key);
/* Metadata of column col in row group rg; NULL when out of range. */
const sl_pq_chunk_info *sl_pq_reader_chunk(const sl_pq_reader *r, size_t rg, size_t col);

/* One column chunk, decoded. Slots: one per row for a flat column, one per list
 * element for a list column. Null slots hold 0 / an empty byte string. */
typedef struct sl_pq_column_data {
    size_t num_rows;
    size_t num_values;            /* slots */
    const uint8_t *valid;         /* per slot, 1 present 0 null; NULL: all present */
    const int64_t *i64;           /* BOOL (0/1), ints, DATE, TIMESTAMP, TIME, DECIMAL p<=18 */
    const double *f64;            /* FLOAT, DOUBLE */
    const uint64_t *offsets;      /* byte arrays: slot k is data[offsets[k], offsets[k+1]) */
    const uint8_t *data;          /* STRING, BINARY, FIXED, DECIMAL p>18 (big-endian) */
    const uint64_t *list_offsets; /* lists: row r has slots [list_offsets[r], [r+1]) */
    const uint8_t *list_valid;    /* lists: per row, 0 for a null list; NULL: none null */
} sl_pq_column_data;

/* Decodes column col of row group rg into *out. The memory belongs to the reader
 * and stays valid until the same column is read again or the reader is freed, so
 * all columns of a row group can be held at once. */
sl_status sl_pq_reader_read_column(sl_pq_reader *r, size_t rg, size_t col,
                                   sl_pq_column_data *out, sl_error *err);

/* Limits against hostile files: at most max_values level entries (slots) in one
 * column chunk and max_bytes in one page or in one chunk's byte data; past them a
 * read is SL_ERR_LIMIT. 0 keeps the default (2^27 values, 1 GiB). */
void sl_pq_reader_set_limits(sl_pq_reader *r, size_t max_values, size_t max_bytes);

/* Writes the rows of the file (at most max_rows; 0 means all), one JSON object per
 * line, keys in column order. Values: integers as numbers (UINT64 unsigned);
 * FLOAT/DOUBLE in the shortest form that round-trips (FLOAT as a float), NaN and
 * infinities as null; STRING JSON-escaped (invalid UTF-8 replaced by U+FFFD);
 * BINARY and FIXED as base64 strings; DATE "YYYY-MM-DD"; TIMESTAMP
 * "YYYY-MM-DDTHH:MM:SS[.fff|.ffffff|.fffffffff]" with the fraction in the column's
 * unit only when non-zero, and "Z" when UTC; TIME "HH:MM:SS[.fraction]"; DECIMAL
 * as an exact unquoted number (123.45, -0.50); lists as arrays; null as null.
 * A column the reader does not support (SL_PQ_UNSUPPORTED) makes the call fail
 * with SL_ERR_UNSUPPORTED before any row is written. I/O errors are SL_ERR_IO. */
sl_status sl_pq_reader_write_ndjson(sl_pq_reader *r, FILE *out, uint64_t max_rows,
                                    sl_error *err);

/* The same as CSV (RFC 4180): a header row of column names, then one line per row
 * ("\n" line ends); a field is quoted (with "" for a quote) when it holds a comma,
 * quote, CR or LF, or is empty (so that "" is an empty string and an empty unquoted
 * field is null); values formatted as for NDJSON (strings
 * raw, lists as their JSON array text). */
sl_status sl_pq_reader_write_csv(sl_pq_reader *r, FILE *out, uint64_t max_rows,
                                 sl_error *err);

/* Appends a readable form of a statistics value (PLAIN bytes of column c's type)
 * to out: numbers, quoted strings, ISO dates and timestamps. Integer-based types
 * are read by length (4: int32, 8: int64, 12: INT96); a DECIMAL is little-endian
 * when 4 or 8 bytes and fixed_len is 0, big-endian otherwise. Bytes that do not
 * fit the type append "?" and return SL_ERR_CORRUPT. */
struct sl_buf;
sl_status sl_pq_format_stat(const sl_pq_column *c, const uint8_t *p, uint32_t len,
                            struct sl_buf *out);

const char *sl_pq_type_name(sl_pq_type t);

#endif
