/* libFuzzer target for sluice docs: the input is one Parquet file, written as three
 * tables of a scratch directory (named like the school tables, so that the keys and
 * references its "sluice.schema" metadata declares meet tables that exist, and
 * columns that may not), documented as a user's directory would be: footer and
 * metadata, every column's statistics, keys, relationships and the DDL files. The corpus holds small files sluice
 * generate and DuckDB wrote. Built without libFuzzer, with replay.c, it re-runs the
 * saved corpus in `make check`. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sluice/docs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void remove_tree(const char *dir)
{
    static const char *const files[] = {"students.parquet", "classes.parquet", "student_classes.parquet",
                                        "schema_documentation.json", "table_relationships.json",
                                        "DATA_STRUCTURE_README.md", "ddl/duckdb.sql", "ddl/spark.sql",
                                        "ddl/trino.sql", NULL};
    char p[4200];
    for (size_t i = 0; files[i]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        unlink(p);
    }
    snprintf(p, sizeof p, "%s/ddl", dir);
    rmdir(p);
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 20)
        return 0;
    char dir[] = "/tmp/sluice-fuzz-docs-XXXXXX";
    if (!mkdtemp(dir))
        return 0;
    static const char *const tables[] = {"students", "classes", "student_classes"};
    bool written = true;
    for (size_t i = 0; i < 3; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s.parquet", dir, tables[i]);
        FILE *f = fopen(path, "wb");
        written &= f && fwrite(data, 1, size, f) == size;
        if (f)
            fclose(f);
    }
    if (written) {
        sl_docs_options o;
        sl_docs_options_init(&o);
        o.dir = dir;
        sl_docs_stats stats;
        sl_error err;
        sl_error_clear(&err);
        (void)sl_docs_run(&o, &stats, &err);
    }
    remove_tree(dir);
    return 0;
}
