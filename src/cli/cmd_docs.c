/* sluice docs: schema documentation, relationships, a README with an ER diagram,
 * and CREATE TABLE statements for a directory of Parquet tables. */
#include <stdio.h>

#include "cli/cli.h"
#include "sluice/docs.h"

static const char usage[] = "sluice docs --output-dir DIR [--schema NAME|FILE]";
static const char description[] =
    "Documents the Parquet tables of DIR (a sluice output directory: DIR/<table>.parquet\n"
    "or DIR/<table>/*.parquet; or any directory of Parquet files), reading every\n"
    "column once, and writes into DIR:\n"
    "  schema_documentation.json  tables, columns, types, nullability, keys, and from\n"
    "                             the data: rows, nulls, exact distinct counts, min,\n"
    "                             max, example values\n"
    "  table_relationships.json   foreign keys declared (the files' sluice.schema\n"
    "                             metadata, or --schema) and discovered (a column named\n"
    "                             for another table's key whose every value is one of\n"
    "                             its values), with cardinality and optional sides\n"
    "  DATA_STRUCTURE_README.md   the same for people, with a Mermaid erDiagram\n"
    "  ddl/duckdb.sql             CREATE TABLE + INSERT from the files, with the\n"
    "                             PRIMARY KEY and FOREIGN KEY constraints the data holds\n"
    "  ddl/spark.sql              CREATE EXTERNAL TABLE ... STORED AS PARQUET LOCATION\n"
    "  ddl/trino.sql              Hive connector CREATE TABLE ... WITH (external_location)\n"
    "Primary keys not declared follow sync's rules: <singular>_id, id, _key, or an\n"
    "association's key columns. Exit: 0, 2 usage or I/O error, 3 a corrupt Parquet file.";

int cmd_docs(int argc, char **argv)
{
    sl_docs_options o;
    sl_docs_options_init(&o);
    const char *dir = NULL;
    bool quiet = false;
    const sl_option opts[] = {
        {"output-dir", 'd', SL_OPT_STRING, &dir, "DIR", "the directory of tables, where the documents go"},
        {"schema", 's', SL_OPT_STRING, &o.schema, "NAME|FILE", "declare keys and references from this schema"},
        {"quiet", 'q', SL_OPT_FLAG, &quiet, NULL, "no summary line"},
        {0},
    };
    int nargs;
    bool help;
    int rc = sl_cli_parse(argc, argv, opts, usage, description, &nargs, &help);
    if (rc >= 0)
        return rc;
    if (nargs > 0) {
        sl_cli_fail("docs", "unexpected argument '%s'", argv[0]);
        return SL_EXIT_USAGE;
    }
    if (!dir) {
        sl_cli_fail("docs", "--output-dir is required");
        return SL_EXIT_USAGE;
    }
    o.dir = dir;
    sl_error err;
    sl_error_clear(&err);
    sl_docs_stats stats;
    sl_status st = sl_docs_run(&o, &stats, &err);
    if (st != SL_OK)
        return sl_cli_report(&err, dir, st);
    if (!quiet)
        fprintf(stderr, "sluice: docs: %zu tables, %zu columns, %llu rows, %zu relationships documented in %s\n",
                stats.tables, stats.columns, (unsigned long long)stats.rows, stats.relationships, dir);
    return SL_EXIT_OK;
}
