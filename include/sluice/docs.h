/* sluice docs: documentation of a directory of Parquet tables.
 *
 * Reads a sluice output directory (final tables DIR/<table>.parquet, or
 * DIR/<table>/ directories of part files, docs/state-layout.md) or any directory of
 * Parquet tables, once per column, and writes into it:
 *   schema_documentation.json  tables, columns, types, nullability, keys, and
 *                              statistics from the data (rows, nulls, exact distinct
 *                              counts, min, max, example values)
 *   table_relationships.json   foreign keys, declared (the files' "sluice.schema"
 *                              metadata or a schema given) and discovered (a column
 *                              named for another table's key whose every value is
 *                              one of that key's values), with their cardinalities
 *   DATA_STRUCTURE_README.md   the same for people, with a Mermaid erDiagram
 *   ddl/duckdb.sql, ddl/spark.sql, ddl/trino.sql   CREATE TABLE statements over the files
 * Every file is written under a temporary name and renamed into place. */
#ifndef SLUICE_DOCS_H
#define SLUICE_DOCS_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/status.h"

typedef struct sl_docs_options {
    const char *dir;          /* the directory read and written */
    const char *schema;       /* a built-in schema name or schema file whose keys and
                                 references are declared; NULL: the files' metadata */
    unsigned examples;        /* example values per column; default 3 */
} sl_docs_options;

void sl_docs_options_init(sl_docs_options *o);

typedef struct sl_docs_stats {
    size_t tables, columns, relationships;
    uint64_t rows;
} sl_docs_stats;

/* Documents o->dir. Errors: SL_ERR_IO (a directory or file that cannot be read or
 * written, or no Parquet table in it), SL_ERR_CORRUPT (a Parquet file the reader
 * rejects; err names it), SL_ERR_SCHEMA (a --schema that does not load, or tables of
 * one name whose files have different columns), SL_ERR_NOMEM. */
sl_status sl_docs_run(const sl_docs_options *o, sl_docs_stats *stats, sl_error *err);

#endif
