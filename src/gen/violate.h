/* Injected violations (sluice generate --violations): a plan, made once per run
 * before the first row, of which generated cells change and which rows are added,
 * so that a dataset holds an exact number of each kind of data quality violation
 * (sl_gen_violation in sluice/gen.h) and is otherwise the clean dataset.
 *
 * The plan is a pure function of the seed and the schema, like every value: each
 * shard makes the same plan, changes the rows of its own range, and the last shard
 * (or the last job-result document) carries the added rows. */
#ifndef SLUICE_GEN_VIOLATE_H
#define SLUICE_GEN_VIOLATE_H

#include <stddef.h>
#include <stdint.h>

#include "gen/run.h"

typedef struct sl_gviol sl_gviol;

/* Plans counts[k] violations of each kind k (SL_GEN_NVIOLATIONS entries) over the
 * run p. A kind the schema cannot hold (no association with a capacity, no age and
 * year columns...) or a count larger than the data has room for is SL_ERR_USAGE
 * naming the kind. *out is NULL on failure, and when every count is 0. */
sl_status sl_gviol_plan(const sl_gplan *p, const uint64_t *counts, sl_gviol **out,
                        sl_error *err);

void sl_gviol_free(sl_gviol *v);   /* NULL is a no-op */

/* Changes row `row` of table t (vals as sl_gen_row computed them) where the plan
 * says so. v may be NULL. Thread-safe: the plan is read only. */
void sl_gviol_apply(const sl_gviol *v, int t, uint64_t row, sl_val *vals);

/* The rows added to table t: *n rows of ncols values each, one after another.
 * They are written after the table's last row. */
const sl_val *sl_gviol_extra(const sl_gviol *v, int t, size_t *n);

/* Whether the plan touches table t at all (changes or added rows). */
int sl_gviol_uses(const sl_gviol *v, int t);

#endif
