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

struct sl_gplan;

/* How table t's rows go to a Parquet writer opened with sl_emit_pq_columns: which
 * table column each Parquet column takes, and for a string column whose values
 * all come from a fixed list (a choice, a dictionary, a parent's cached keys) that
 * list, set as the column's domain in the writer, so that a value is handed over
 * as its index (the sym of sl_val) rather than its bytes. The file is the same
 * either way; the index saves copying and hashing the string. */
typedef struct sl_emit_dom {
    sl_pq_str *list;         /* the domain as the writer has it; NULL: none */
    size_t n;
    /* Where the generator's strings point, to check a value's sym against without
     * touching list (a parent's 100,000 keys are past the caches; the sl_val the
     * value was copied from was just read): the values of a choice or a parent's
     * keys, or the entries of one or two dictionaries (the second from n1 on). */
    const sl_val *vals;
    const char *const *e1, *const *e2;
    const uint32_t *l1, *l2;
    size_t n1;
} sl_emit_dom;

typedef struct sl_emit_pq {
    const sl_gtable *t;
    size_t ncols;            /* Parquet columns */
    size_t *src;             /* Parquet column -> column of t */
    sl_emit_dom *dom;        /* Parquet column -> its domain */
    uint8_t *call;           /* Parquet column -> which block call takes it */
    bool blocks;             /* every column takes block calls (no LIST, no wide DECIMAL) */
} sl_emit_pq;

/* The most rows sl_emit_pq_block takes at once. */
#define SL_EMIT_BLOCK 128

/* Sets up e for table t of plan p and sets the domains in w (none when domains is
 * false: a row of a value outside every list, as --violations makes, must go as
 * bytes). e stays valid while p does; w must not outlive e. */
sl_status sl_emit_pq_init(sl_emit_pq *e, const struct sl_gplan *p, int t, bool domains,
                          sl_pq_writer *w);
void sl_emit_pq_free(sl_emit_pq *e);
sl_status sl_emit_pq_row(const sl_emit_pq *e, const sl_val *vals, sl_pq_writer *w);
/* n <= SL_EMIT_BLOCK rows to batch b, row r's values at rows + r x stride: a column
 * at a time (sl_pq_batch_ints and the rest) where every value fits its column's
 * call, else row by row. The batch holds the same bytes either way. */
sl_status sl_emit_pq_block(const sl_emit_pq *e, const sl_val *rows, size_t stride, size_t n,
                           sl_pq_writer *b);

#endif
