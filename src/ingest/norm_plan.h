/* Plans: rows of a settled schema, made on other threads.
 *
 * Once the normalizer's inference window is over, most records of a large input
 * look alike: the same keys (some perhaps missing), values that fit the columns'
 * types. A plan captures that shape from one record the normalizer has just
 * written: for each member key (nested objects included) the column of the open
 * part it flattens to, and each column's inferred type at that moment. Any thread
 * can then turn a record that fits the plan into a row of a batch (see
 * sl_pq_writer_open_batch): exactly the values and the calls sl_norm_add would have
 * made, because a record fits only when observing it would change nothing in the
 * normalizer (no new column, no widening, no new child table). A record that does
 * not fit is left to sl_norm_add.
 *
 * Only the thread that owns the normalizer calls sl_norm_plan_make, _valid,
 * _open_batch and _append; sl_norm_plan_row only reads the plan and may run on
 * many threads at once, each with its own scratch and batch. A plan stays valid
 * while the normalizer's schema stays as it was when the plan was made; after
 * that its batches must be dropped and their records given to sl_norm_add. */
#ifndef SL_INGEST_NORM_PLAN_H
#define SL_INGEST_NORM_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "schema/infer.h"
#include "sluice/normalize.h"

typedef struct sl_norm_plan sl_norm_plan;

/* A plan from rec, which must be the record sl_norm_add took last. NULL when the
 * normalizer is in its inference window (its records must reach sl_norm_add, which
 * keeps them), when rec holds an array (lists and child tables are left to
 * sl_norm_add), when the input has child tables or documents, or when out of
 * memory: none of these is an error. sl_norm_plan_make_any also makes a plan in
 * the window, one that only counts: for sl_norm_add itself. A plan made while
 * the normalizer only infers (infer_only) counts too. */
sl_norm_plan *sl_norm_plan_make(const sl_normalizer *n, const sl_json_value *rec);
sl_norm_plan *sl_norm_plan_make_any(const sl_normalizer *n, const sl_json_value *rec);

/* Whether rows made from p may still be appended to n. */
bool sl_norm_plan_valid(const sl_normalizer *n, const sl_norm_plan *p);

/* A batch for p's rows, opened from the part p was made for (p must be valid).
 * When the normalizer only infers (sl_norm_options.infer_only), rows are only
 * counted: *batch is NULL, and sl_norm_plan_counts_only(p) is true. */
sl_status sl_norm_plan_open_batch(const sl_normalizer *n, const sl_norm_plan *p,
                                  sl_pq_writer **batch, sl_error *err);
bool sl_norm_plan_counts_only(const sl_norm_plan *p);

/* Adds the `rows` records that fit p (p still valid) to n as its next records:
 * appends batch's rows (as many) and empties it, or, only inferring, counts them. */
sl_status sl_norm_plan_append(sl_normalizer *n, const sl_norm_plan *p, sl_pq_writer *batch,
                              uint64_t rows, sl_error *err);

/* Per-thread scratch for sl_norm_plan_row. */
typedef struct sl_norm_plan_scratch {
    const sl_json_value **vals;
    sl_json_value *sv;
    sl_pq_value *row;
    uint8_t *pre;           /* row[j] already holds column j's value (a time) */
    size_t cap;
    sl_buf tmp;
} sl_norm_plan_scratch;

void sl_norm_plan_scratch_init(sl_norm_plan_scratch *s);
void sl_norm_plan_scratch_free(sl_norm_plan_scratch *s);

/* Writes rec as one row of batch when it fits p (*fit true), else leaves batch as
 * it was (*fit false); batch is NULL, and nothing written, when p counts only.
 * Returns SL_OK, or the batch's error (SL_ERR_NOMEM...). */
sl_status sl_norm_plan_row(const sl_norm_plan *p, sl_norm_plan_scratch *s, sl_pq_writer *batch,
                           const sl_json_value *rec, bool *fit);

/* The same for the record whose text starts at `at` (its '{') in the part r was
 * reset onto, at most max_size bytes (the record limit), parsed by the plan itself
 * with the reader's rules (no tree), adding the newlines inside it to *newlines: the
 * byte after the record when it was written as one row of batch, else NULL and
 * batch as it was (*st says SL_OK unless the batch failed). NULL means only "not
 * here": the record may still fit, or be malformed; sl_json_reader_next and
 * sl_norm_plan_row tell. */
const uint8_t *sl_norm_plan_scan(const sl_norm_plan *p, sl_norm_plan_scratch *s,
                                 sl_pq_writer *batch, sl_json_reader *r, const uint8_t *at,
                                 uint64_t max_size, uint64_t *newlines, sl_status *st);

/* Whether observing v would leave a column's inferred type c exactly as it is. */
bool sl_norm_value_fits(const sl_infer *c, const sl_json_value *v);

void sl_norm_plan_free(sl_norm_plan *p);

#endif
