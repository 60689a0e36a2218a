/* Thrift compact protocol encoder and the Parquet metadata serialisers the writer
 * needs (PageHeader, FileMetaData). Field ids are those of parquet-format's
 * parquet.thrift; the wire format is the Thrift compact protocol.
 *
 * The encoder keeps a sticky status: after the first failure every call is a
 * no-op and pq_tw_status() reports the failure, so a serialiser checks once. */
#ifndef SL_PARQUET_THRIFT_WRITE_H
#define SL_PARQUET_THRIFT_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "sluice/status.h"

/* Compact protocol type ids (as they appear in field and list headers). */
enum pq_tt {
    PQ_TT_STOP = 0, PQ_TT_TRUE = 1, PQ_TT_FALSE = 2, PQ_TT_BYTE = 3, PQ_TT_I16 = 4,
    PQ_TT_I32 = 5, PQ_TT_I64 = 6, PQ_TT_DOUBLE = 7, PQ_TT_BINARY = 8, PQ_TT_LIST = 9,
    PQ_TT_SET = 10, PQ_TT_MAP = 11, PQ_TT_STRUCT = 12
};

#define PQ_TW_MAX_DEPTH 16

typedef struct pq_tw {
    sl_buf *out;
    int depth;
    int16_t last[PQ_TW_MAX_DEPTH];   /* last field id per open struct */
    sl_status status;
} pq_tw;

void pq_tw_init(pq_tw *t, sl_buf *out);
static inline sl_status pq_tw_status(const pq_tw *t) { return t->status; }

/* Raw primitives. */
void pq_tw_varint(pq_tw *t, uint64_t v);
static inline uint64_t pq_zigzag64(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }

/* Struct fields: each writes the field header (delta-encoded id) and the value. */
void pq_tw_field(pq_tw *t, int16_t id, uint8_t ctype);
void pq_tw_bool(pq_tw *t, int16_t id, bool v);
void pq_tw_i8(pq_tw *t, int16_t id, int8_t v);
void pq_tw_i32(pq_tw *t, int16_t id, int32_t v);
void pq_tw_i64(pq_tw *t, int16_t id, int64_t v);
void pq_tw_binary(pq_tw *t, int16_t id, const void *p, size_t n);
void pq_tw_string(pq_tw *t, int16_t id, const char *s);
/* A struct-typed field: begin writes the header and opens a nested scope. */
void pq_tw_struct_begin(pq_tw *t, int16_t id);
void pq_tw_struct_end(pq_tw *t);
/* A list-typed field with n elements of ctype; then write n elements below. */
void pq_tw_list_begin(pq_tw *t, int16_t id, uint8_t elem_ctype, size_t n);

/* List elements (no field header). */
void pq_tw_elem_i32(pq_tw *t, int32_t v);
void pq_tw_elem_binary(pq_tw *t, const void *p, size_t n);
void pq_tw_elem_struct_begin(pq_tw *t);   /* close with pq_tw_struct_end */

/* The top-level struct: open a scope without a field header. */
void pq_tw_begin(pq_tw *t);
void pq_tw_end(pq_tw *t);

/* ------------------------------------------------------------ Parquet structs */

typedef struct pq_w_stats {
    bool has_null_count;
    int64_t null_count;
    bool has_min_max;              /* min_value / max_value (fields 6 / 5) */
    bool legacy_min_max;           /* also the deprecated min / max (2 / 1) */
    const uint8_t *min, *max;      /* PLAIN bytes, no length prefix for byte arrays */
    uint32_t min_len, max_len;
} pq_w_stats;

typedef struct pq_w_page_header {
    int32_t type;                  /* enum pq_page_type */
    int32_t uncompressed_size;
    int32_t compressed_size;
    int32_t num_values;
    int32_t encoding;              /* data encoding (dictionary page: PLAIN) */
    /* data page v2 only */
    int32_t num_nulls;
    int32_t num_rows;
    int32_t def_len;
    int32_t rep_len;
    bool is_compressed;
} pq_w_page_header;

/* Appends the compact encoding of a PageHeader to out. */
sl_status pq_tw_page_header(sl_buf *out, const pq_w_page_header *h);

typedef struct pq_w_schema {
    const char *name;
    int32_t type;                  /* physical type, -1 for a group */
    int32_t type_length;           /* FIXED_LEN_BYTE_ARRAY, else 0 */
    int32_t repetition;            /* -1: not set (root) */
    int32_t num_children;          /* groups; -1 for leaves */
    int32_t converted;             /* -1: none */
    int32_t scale, precision;      /* DECIMAL */
    int32_t logical;               /* enum pq_logical member, 0: none */
    /* parameters of the logical type */
    int8_t int_bits;
    bool int_signed;
    bool utc;
    int32_t time_unit;             /* sl_pq_time_unit */
} pq_w_schema;

typedef struct pq_w_enc_stat {
    int32_t page_type, encoding, count;
} pq_w_enc_stat;

typedef struct pq_w_chunk {
    int32_t type;                  /* physical */
    uint32_t encodings;            /* bit (1u << encoding) per encoding used */
    const char *const *path;
    size_t path_len;
    int32_t codec;
    int64_t num_values;
    int64_t total_uncompressed;
    int64_t total_compressed;
    int64_t data_page_offset;
    int64_t dictionary_page_offset;   /* -1: none */
    int64_t file_offset;
    pq_w_stats stats;
    pq_w_enc_stat enc_stats[4];
    size_t n_enc_stats;
} pq_w_chunk;

typedef struct pq_w_row_group {
    const pq_w_chunk *chunks;      /* ncols of them */
    int64_t total_byte_size;
    int64_t total_compressed;
    int64_t num_rows;
    int64_t file_offset;
    int16_t ordinal;
} pq_w_row_group;

typedef struct pq_w_kv {
    const char *key, *value;
} pq_w_kv;

typedef struct pq_w_file_meta {
    int32_t version;
    const pq_w_schema *schema;
    size_t nschema;
    int64_t num_rows;
    const pq_w_row_group *row_groups;
    size_t nrow_groups;
    size_t ncols;                  /* leaf columns: chunks per row group, column orders */
    const pq_w_kv *kv;
    size_t nkv;
    const char *created_by;
} pq_w_file_meta;

/* Appends the compact encoding of a FileMetaData to out. */
sl_status pq_tw_file_metadata(sl_buf *out, const pq_w_file_meta *m);

#endif
