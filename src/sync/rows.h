/* Rows of sync: reading a Parquet file into the final schema, hashing rows and
 * keys, writing them as JSON (see rows.c). */
#ifndef SL_SYNC_ROWS_H
#define SL_SYNC_ROWS_H

#include "sync/sync_int.h"

/* A Parquet file (a part, a final table, a pending file) read one row group at a
 * time, its columns matched by name to the final columns. */
typedef struct sync_src {
    sl_pq_reader *r;
    size_t ncols;                /* final columns */
    long *map;                   /* final column -> the file's column, or -1 */
    sl_pq_column_data *data;     /* per column of the file, for the current row group */
    uint8_t *want;               /* per column of the file: read it */
    size_t nrg, rg;              /* row groups, the current one */
    uint64_t rows;               /* rows of the current row group */
    long held, origin;           /* a pending file's SYNC_HELD_COL, SYNC_ORIGIN_COL, or -1 */
} sync_src;

sl_status sync_src_open(sync_src *s, const char *path, const sl_pq_column *cols, size_t ncols,
                        sl_error *err);
/* Reads row group rg. */
sl_status sync_src_group(sync_src *s, size_t rg, sl_error *err);
/* Reads the next non-empty row group; SL_EOF after the last. */
sl_status sync_src_next_group(sync_src *s, sl_error *err);
/* The file's column matched to final column i, or NULL. */
const sl_pq_column *sync_src_column(const sync_src *s, size_t i);
/* An integer cell of the file's column col (-1: none), or dflt when null/absent. */
int64_t sync_src_i64(const sync_src *s, long col, uint64_t row, int64_t dflt);
void sync_src_close(sync_src *s);

/* One row in the final schema: a converted value per column, with the scratch
 * buffers their text lives in. Reused from row to row. */
typedef struct sync_row {
    const sl_pq_column *cols;
    size_t ncols;
    sl_unify_value *v;
    sl_buf *tmp;                 /* per column */
    sl_buf etmp;                 /* list elements */
    sl_buf scratch;              /* key text */
} sync_row;

sl_status sync_row_init(sync_row *row, const sl_pq_column *cols, size_t ncols);
void sync_row_free(sync_row *row);
/* Converts row r of the source's current row group. */
sl_status sync_row_load(sync_row *row, const sync_src *s, uint64_t r);
/* Converts only the columns cols[0..n) of row r (the others keep what they had). */
sl_status sync_row_load_some(sync_row *row, const sync_src *s, uint64_t r, const uint32_t *cols,
                             size_t n);
/* Writes the row's values into columns 0..ncols-1 of w (the caller ends the row). */
sl_status sync_row_write(const sync_row *row, sl_pq_writer *w, sl_buf *etmp);
/* The key of the row (the columns of k); *null when a component is null. */
sl_status sync_row_key(sync_row *row, const sync_keydef *k, sync_hkey *out, bool *null);
/* The key hash of one value, as a single-column key has it. */
sl_status sync_value_key(const sl_pq_column *c, const sl_unify_value *v, sl_buf *scratch,
                         sync_hkey *out, bool *null);
/* A hash of the row's non-null values, column by column, leaving out skip[i]. */
sl_status sync_row_content(sync_row *row, const bool *skip, uint64_t *out);
/* {"col":value,...} in the form of `sluice convert` to NDJSON. */
sl_status sync_row_json(sync_row *row, sl_buf *out);
sl_status sync_value_json(const sl_pq_column *c, const sl_unify_value *v, sl_buf *etmp,
                          sl_buf *out);

#endif
