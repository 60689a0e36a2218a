/* Internals of the Parquet reader, shared by reader.c (footer, schema, metadata),
 * reader_column.c (page decoding) and rows.c (value formatting). */
#ifndef SL_PARQUET_READER_INT_H
#define SL_PARQUET_READER_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "parquet/thrift_read.h"
#include "sluice/parquet.h"

/* Default limits; sl_pq_reader_set_limits() changes them. */
#define PQ_DEFAULT_MAX_VALUES ((size_t)1 << 27)   /* level entries in one chunk */
#define PQ_DEFAULT_MAX_BYTES ((size_t)1 << 30)    /* one page, or a chunk's byte data */

enum pq_target { PQ_TGT_I64, PQ_TGT_F64, PQ_TGT_BYTES };

/* One top-level field, its decoding plan and its output buffers. */
typedef struct pq_col {
    sl_pq_column pub;
    size_t leaf;             /* index of its first leaf column chunk */
    size_t nleaves;
    const char *why;         /* for SL_PQ_UNSUPPORTED: what it is */
    int phys;                /* physical type of the leaf */
    int32_t type_length;
    uint8_t max_def, max_rep;
    uint8_t list_def;        /* lists: def level at which the list is not null */
    enum pq_target target;
    bool from_bytes;         /* DECIMAL p <= 18 stored as bytes: convert to i64 */

    /* output, owned, reused by the next read of this column */
    uint8_t *valid;
    int64_t *i64;
    double *f64;
    uint64_t *offsets;
    size_t valid_cap;
    size_t val_cap;          /* of i64, f64 or offsets, whichever the target uses */
    sl_buf data;
    uint64_t *list_offsets;
    uint8_t *list_valid;
    size_t row_cap, lvalid_cap;
} pq_col;

struct sl_pq_reader {
    char *name;
    const uint8_t *file;
    size_t size;
    void *map;               /* mmap'd file (sl_pq_reader_open) */
    size_t map_len;
    sl_arena arena;
    pq_file_meta meta;
    pq_col *cols;
    size_t ncols;
    size_t nleaves;
    sl_pq_chunk_info *chunks;   /* nrgs * ncols */
    size_t max_values, max_bytes;

    /* scratch reused across pages and columns */
    uint8_t *page;
    size_t page_cap;
    uint8_t *def, *rep;
    size_t lev_cap, rep_cap;
    uint32_t *idx;
    size_t idx_cap;
    int64_t *s64;
    size_t s64_cap;
    uint64_t *ends;
    size_t ends_cap;
    sl_buf tmp;
    /* dictionary of the chunk being read */
    int64_t *dict_i64;
    double *dict_f64;
    uint64_t *dict_ends;     /* dict_n + 1 */
    size_t dict_cap, dict_i64_cap, dict_f64_cap;
    size_t dict_n;
    bool have_dict;
    sl_buf dict_data;
};

/* Grows *p (elements of size el) to hold need elements. */
sl_status pq_grow(void **p, size_t *cap, size_t need, size_t el);

/* Value formatting shared by rows.c and sl_pq_format_stat. */
void pq_fmt_json_string(sl_buf *b, const uint8_t *s, size_t n);
void pq_fmt_date(sl_buf *b, int64_t days);
void pq_fmt_timestamp(sl_buf *b, int64_t v, sl_pq_time_unit unit, bool utc, char sep);
void pq_fmt_time(sl_buf *b, int64_t v, sl_pq_time_unit unit);
void pq_fmt_decimal_i64(sl_buf *b, int64_t v, int32_t scale);
void pq_fmt_decimal_be(sl_buf *b, const uint8_t *p, size_t n, int32_t scale);
void pq_fmt_double(sl_buf *b, double d, bool is_float);

#endif
