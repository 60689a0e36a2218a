/* What the normalizer tells its siblings in src/ingest beyond the public API. */
#ifndef SL_INGEST_NORMALIZE_INT_H
#define SL_INGEST_NORMALIZE_INT_H

#include <stdbool.h>

#include "schema/infer.h"
#include "sluice/normalize.h"

/* The inferred type of column c of table t (valid until the normalizer is freed),
 * with its name and whether it is one of _key, _parent_key, _pos. */
const sl_infer *sl_norm_table_infer(const sl_normalizer *n, size_t t, size_t c, const char **name,
                                    bool *synthetic);

#endif
