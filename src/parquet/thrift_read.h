/* Thrift compact protocol decoder for Parquet metadata (the footer's FileMetaData
 * and the PageHeader in front of every page).
 *
 * The input is untrusted: every length is checked against the bytes that remain,
 * nesting is limited to PQ_TR_MAX_DEPTH, unknown fields (of any type, nested or
 * not) are skipped, and no allocation is sized by a length field alone (a list of
 * n elements must have at least n bytes left). Strings and lists live in an arena
 * owned by the caller; binary statistics point into the input buffer.
 *
 * Field ids are those of parquet-format's parquet.thrift. */
#ifndef SL_PARQUET_THRIFT_READ_H
#define SL_PARQUET_THRIFT_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "sluice/status.h"

#define PQ_TR_MAX_DEPTH 32

/* Compact protocol wire types. */
enum pq_ttype {
    PQ_TT_STOP = 0, PQ_TT_TRUE = 1, PQ_TT_FALSE = 2, PQ_TT_BYTE = 3, PQ_TT_I16 = 4,
    PQ_TT_I32 = 5, PQ_TT_I64 = 6, PQ_TT_DOUBLE = 7, PQ_TT_BINARY = 8, PQ_TT_LIST = 9,
    PQ_TT_SET = 10, PQ_TT_MAP = 11, PQ_TT_STRUCT = 12, PQ_TT_UUID = 13
};

/* A cursor over untrusted bytes. base is the file offset of start (for messages). */
typedef struct pq_tr {
    const uint8_t *start;
    const uint8_t *p;
    const uint8_t *end;
    uint64_t base;
    int depth;
    sl_arena *arena;
    sl_error *err;
} pq_tr;

void pq_tr_init(pq_tr *t, const uint8_t *p, size_t n, uint64_t base, sl_arena *arena,
                sl_error *err);

/* Low-level reads (exported for the unit tests). */
sl_status pq_tr_varint(pq_tr *t, uint64_t *v);
sl_status pq_tr_skip(pq_tr *t, int type);

/* ------------------------------------------------------------ parsed structures */

typedef struct pq_logical_type {
    int kind;                 /* enum pq_logical member id; 0 when absent */
    int32_t scale, precision; /* DECIMAL */
    bool utc;                 /* TIME, TIMESTAMP */
    int unit;                 /* TIME, TIMESTAMP: 1 MILLIS, 2 MICROS, 3 NANOS */
    int bit_width;            /* INTEGER */
    bool is_signed;           /* INTEGER */
} pq_logical_type;

typedef struct pq_schema_el {
    const char *name;        /* "" when absent */
    bool has_type;
    int32_t type;            /* enum pq_physical; leaves only */
    int32_t type_length;
    bool has_repetition;
    int32_t repetition;      /* enum pq_repetition */
    int32_t num_children;
    bool has_converted;
    int32_t converted;       /* enum pq_converted */
    int32_t scale, precision;
    pq_logical_type logical;
} pq_schema_el;

typedef struct pq_stats {
    bool has_null_count;
    int64_t null_count;
    const uint8_t *min_value, *max_value;    /* fields 6, 5 */
    uint32_t min_value_len, max_value_len;
    bool has_min_value, has_max_value;
    const uint8_t *min_legacy, *max_legacy;  /* fields 2, 1 (deprecated) */
    uint32_t min_legacy_len, max_legacy_len;
    bool has_min_legacy, has_max_legacy;
} pq_stats;

typedef struct pq_col_meta {
    int32_t type;
    uint32_t encodings;      /* bit per Encoding value (< 32) */
    int32_t codec;
    int64_t num_values;
    int64_t total_uncompressed_size;
    int64_t total_compressed_size;
    int64_t data_page_offset;
    bool has_dictionary_page_offset;
    int64_t dictionary_page_offset;
    bool has_index_page_offset;
    int64_t index_page_offset;
    bool has_stats;
    pq_stats stats;
} pq_col_meta;

typedef struct pq_column_chunk {
    bool has_file_path;      /* data in another file: unsupported */
    int64_t file_offset;
    bool has_meta;
    pq_col_meta meta;
    bool encrypted;
} pq_column_chunk;

typedef struct pq_row_group {
    pq_column_chunk *cols;
    size_t ncols;
    int64_t total_byte_size;
    int64_t num_rows;
} pq_row_group;

typedef struct pq_kv {
    const char *key;
    const char *value;       /* "" when absent */
} pq_kv;

typedef struct pq_file_meta {
    int32_t version;
    pq_schema_el *schema;
    size_t nschema;
    int64_t num_rows;
    pq_row_group *rgs;
    size_t nrgs;
    pq_kv *kv;
    size_t nkv;
    const char *created_by;  /* "" when absent */
    bool encrypted;          /* encryption_algorithm present */
} pq_file_meta;

typedef struct pq_page_header {
    int32_t type;            /* enum pq_page_type */
    int32_t uncompressed_size;
    int32_t compressed_size;
    bool has_data, has_dict, has_v2;
    /* data page v1 (and shared fields of v2) */
    int32_t num_values;
    int32_t encoding;
    int32_t def_encoding, rep_encoding;
    /* dictionary page */
    int32_t dict_num_values;
    int32_t dict_encoding;
    /* data page v2 */
    int32_t num_nulls, num_rows;
    int32_t def_len, rep_len;
    bool is_compressed;      /* default true */
} pq_page_header;

/* Parses FileMetaData from t (the whole footer). Required fields must be present. */
sl_status pq_read_file_meta(pq_tr *t, pq_file_meta *out);

/* Parses one PageHeader at t->p; on success t->p is just past it. */
sl_status pq_read_page_header(pq_tr *t, pq_page_header *out);

#endif
