/* Writing generated rows: JSON objects, CSV records, Parquet rows. */
#ifndef SLUICE_GEN_EMIT_H
#define SLUICE_GEN_EMIT_H

#include "gen/model.h"
#include "sluice/buf.h"
#include "sluice/parquet.h"

/* Precomputes the JSON text around t's values (column keys and braces), in arena. */
sl_status sl_emit_prepare(sl_gtable *t, sl_arena *arena);

/* Appends the row as one compact JSON object (no newline). */
sl_status sl_emit_json_row(const sl_gtable *t, const sl_val *vals, sl_buf *out);

/* The header record, and one record (each ends with '\n'). Nulls are empty fields,
 * empty strings are "", lists are their JSON text. tmp is scratch space. */
sl_status sl_emit_csv_header(const sl_gtable *t, sl_buf *out);
sl_status sl_emit_csv_row(const sl_gtable *t, const sl_val *vals, sl_buf *out, sl_buf *tmp);

/* Fills cols (room for t->ncols) with the Parquet columns of t; returns how many. */
size_t sl_emit_pq_columns(const sl_gtable *t, sl_pq_column *cols);
sl_status sl_emit_pq_row(const sl_gtable *t, const sl_val *vals, sl_pq_writer *w);

#endif
