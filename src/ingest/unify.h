/* Unifying part files into one table file.
 *
 * A table written in several parts (because its schema widened while it was being
 * written) is published as one Parquet file whose schema is the final one: each
 * part's columns are matched by name and their values converted along the type
 * lattice (int64 to float64 or decimal, anything to its text for a string
 * column); columns a part lacks are null. One part whose schema is already the
 * final one is simply renamed into place.
 *
 * The value-level pieces (sl_unify_value_of, sl_unify_element, sl_unify_write,
 * sl_unify_text) are the one converter along the lattice: sluice sync uses them to
 * hash and write rows of parts whose schemas differ from the final table's. */
#ifndef SL_INGEST_UNIFY_H
#define SL_INGEST_UNIFY_H

#include <stddef.h>

#include "sluice/buf.h"
#include "sluice/parquet.h"

/* Writes dest from parts[0..nparts) with the columns cols[0..ncols), setting
 * "sluice.schema" (and "sluice.lineage" when not NULL) in the footer. The parts
 * are left in place (renamed away only in the single-part case). For the root
 * table, root_key_prefix is the prefix of `_key` values: rows of parts written
 * before the table had a `_key` column get "<prefix><ordinal>"; NULL otherwise. */
sl_status sl_unify_parts(const char *dest, const char *const *parts, size_t nparts,
                         const sl_pq_column *cols, size_t ncols,
                         const sl_pq_writer_options *wopts, const char *schema_json,
                         const char *lineage, const char *root_key_prefix, sl_error *err);

/* One value of a final column, converted from a part's column. */
typedef enum {
    SL_UV_NULL = 0,
    SL_UV_INT,      /* i: BOOL (0/1), integers, DATE, TIME, TIMESTAMP, DECIMAL p <= 18 */
    SL_UV_DOUBLE,   /* d */
    SL_UV_BYTES,    /* p[0..len): STRING (or BINARY) */
    SL_UV_DEC128,   /* i (high 64 bits, signed), lo: DECIMAL p > 18 */
    SL_UV_LIST      /* slots [first, end) of data, each converted by sl_unify_element */
} sl_uv_kind;

typedef struct sl_unify_value {
    sl_uv_kind kind;
    int64_t i;
    uint64_t lo;
    double d;
    const uint8_t *p;
    size_t len;
    const sl_pq_column *src;          /* SL_UV_LIST: the part's column and its data */
    const sl_pq_column_data *data;
    uint64_t first, end;
} sl_unify_value;

/* The value of row `row` of a part's column (src, d) as a value of the final
 * column dst: null when src is NULL (the part lacks the column) or the value is
 * null; a list stays a list (its elements converted when written or walked), or
 * becomes its JSON text for a string column; a scalar is converted by
 * sl_unify_element. Text is built in tmp (cleared first), which out->p may point
 * into: tmp must live, unchanged, as long as out is used. Pointers into d stay
 * valid as long as the reader's column data does. */
sl_status sl_unify_value_of(const sl_pq_column *dst, const sl_pq_column *src,
                            const sl_pq_column_data *d, uint64_t row, sl_buf *tmp,
                            sl_unify_value *out);

/* Slot k of a column (a row of a flat column, an element of a list column)
 * converted to the scalar type of dst (its element type for a list). */
sl_status sl_unify_element(const sl_pq_column *dst, const sl_pq_column *src,
                           const sl_pq_column_data *d, uint64_t slot, sl_buf *tmp,
                           sl_unify_value *out);

/* Writes v into column col (of type dst) of w; tmp is scratch for list elements. */
sl_status sl_unify_write(sl_pq_writer *w, size_t col, const sl_pq_column *dst,
                         const sl_unify_value *v, sl_buf *tmp);

/* Appends slot k of a column of type src as text: the text a string column holds
 * for it (numbers as JSON numbers, dates and times in ISO 8601, bool as
 * true/false, decimals exactly). The slot must not be null. */
sl_status sl_unify_text(const sl_pq_column *src, const sl_pq_column_data *d, uint64_t slot,
                        sl_buf *out);

/* Appends the decimal digits of the 128-bit integer hi:lo (hi signed). */
sl_status sl_unify_i128_text(sl_buf *out, int64_t hi, uint64_t lo);

/* Appends the JSON text of a list row r of column src (the text a string column
 * holds for it): "[1,2]", "[\"a\",null]". The row must not be a null list. */
sl_status sl_unify_list_text(const sl_pq_column *src, const sl_pq_column_data *d, uint64_t row,
                             sl_buf *out);

#endif
