/* Unifying part files into one table file.
 *
 * A table written in several parts (because its schema widened while it was being
 * written) is published as one Parquet file whose schema is the final one: each
 * part's columns are matched by name and their values converted along the type
 * lattice (int64 to float64 or decimal, anything to its text for a string
 * column); columns a part lacks are null. One part whose schema is already the
 * final one is simply renamed into place. */
#ifndef SL_INGEST_UNIFY_H
#define SL_INGEST_UNIFY_H

#include <stddef.h>

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

#endif
