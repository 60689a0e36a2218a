/* sluice docs: CREATE TABLE statements over the Parquet files, for DuckDB (tables
 * loaded from the files, with the keys the data satisfies as PRIMARY KEY and
 * FOREIGN KEY constraints), Spark/Hive (external tables) and Trino's Hive
 * connector (external_location). Types follow each engine's reading of Parquet:
 * UTC timestamps are DuckDB's TIMESTAMP WITH TIME ZONE and Spark's TIMESTAMP,
 * lists are T[] and ARRAY, unsigned integers widen to the next signed type. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "docs/docs_int.h"

typedef enum { E_DUCKDB, E_SPARK, E_TRINO } engine;

/* The engine's type for c, or NULL when it has none (TIME in Spark and Trino's Hive
 * connector). */
static const char *type_of(engine e, const sl_pq_column *c, char *out, size_t n)
{
    static const char *const names[3][SL_PQ_UNSUPPORTED + 1] = {
        {"BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "FLOAT", "DOUBLE", "VARCHAR", "BLOB", "DATE",
         NULL, "TIME", NULL, "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "BLOB", NULL},
        {"BOOLEAN", "TINYINT", "SMALLINT", "INT", "BIGINT", "FLOAT", "DOUBLE", "STRING", "BINARY", "DATE",
         NULL, NULL, NULL, "SMALLINT", "INT", "BIGINT", "DECIMAL(20,0)", "BINARY", NULL},
        {"BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "REAL", "DOUBLE", "VARCHAR", "VARBINARY", "DATE",
         NULL, NULL, NULL, "SMALLINT", "INTEGER", "BIGINT", "DECIMAL(20,0)", "VARBINARY", NULL}};
    char base[40];
    const char *t = (unsigned)c->type <= SL_PQ_UNSUPPORTED ? names[e][c->type] : NULL;
    if (c->type == SL_PQ_DECIMAL) {
        snprintf(base, sizeof base, "DECIMAL(%d,%d)", c->precision, c->scale);
        t = base;
    } else if (c->type == SL_PQ_TIMESTAMP) {
        static const char *const prec[] = {"3", "6", "9"};
        if (e == E_DUCKDB)
            t = c->utc ? "TIMESTAMP WITH TIME ZONE" : c->time_unit == SL_PQ_NANOS ? "TIMESTAMP_NS" : "TIMESTAMP";
        else if (e == E_SPARK)
            t = c->utc ? "TIMESTAMP" : "TIMESTAMP_NTZ";
        else {
            snprintf(base, sizeof base, "TIMESTAMP(%s)", prec[c->time_unit]);
            t = base;
        }
    }
    if (!t)
        return NULL;
    if (!c->list)
        snprintf(out, n, "%s", t);
    else if (e == E_DUCKDB)
        snprintf(out, n, "%s[]", t);
    else
        snprintf(out, n, e == E_SPARK ? "ARRAY<%s>" : "ARRAY(%s)", t);
    return out;
}

static sl_status quoted(sl_buf *b, engine e, const char *name)
{
    char q = e == E_SPARK ? '`' : '"';
    sl_status st = sl_buf_putc(b, (uint8_t)q);
    for (; st == SL_OK && *name; name++) {
        if (*name == q)
            st = sl_buf_putc(b, (uint8_t)q);
        if (st == SL_OK)
            st = sl_buf_putc(b, (uint8_t)*name);
    }
    return st ? st : sl_buf_putc(b, (uint8_t)q);
}

static sl_status literal(sl_buf *b, const char *s)
{
    sl_status st = sl_buf_putc(b, '\'');
    for (; st == SL_OK && *s; s++)
        st = *s == '\'' ? sl_buf_puts(b, "''") : sl_buf_putc(b, (uint8_t)*s);
    return st ? st : sl_buf_putc(b, '\'');
}

/* The table's location: its absolute file, or its absolute directory. */
static void location(const sl_docs *d, const dtable *t, char *out, size_t n)
{
    snprintf(out, n, "%s/%s%s", d->absdir, t->name, t->is_dir ? "" : ".parquet");
}

/* A relationship DuckDB can enforce: the child's values all found, the parent's key
 * a valid single-column primary key, the parent created before the child. */
static bool enforceable(const sl_docs *d, const drel *r, const bool *created)
{
    return r->matched == r->child_distinct && d->t[r->to_t].pk_valid && created[r->to_t] &&
           r->from_t != r->to_t;
}

static sl_status duck_table(sl_buf *b, const sl_docs *d, size_t ti, const bool *created)
{
    const dtable *t = &d->t[ti];
    char ty[80], loc[4200];
    sl_status st = sl_buf_puts(b, "CREATE TABLE ");
    if (st == SL_OK)
        st = quoted(b, E_DUCKDB, t->name);
    if (st == SL_OK)
        st = sl_buf_puts(b, " (");
    for (size_t c = 0; st == SL_OK && c < t->ncols; c++) {
        const dcol *col = &t->cols[c];
        st = sl_buf_puts(b, c ? ",\n    " : "\n    ");
        if (st == SL_OK)
            st = quoted(b, E_DUCKDB, col->name);
        if (st == SL_OK)
            st = sl_buf_printf(b, " %s", type_of(E_DUCKDB, &col->pq, ty, sizeof ty) ? ty : "BLOB");
        /* NOT NULL where the schema says so and the data agrees */
        if (st == SL_OK && col->nulls == 0 && ((col->declared && !col->decl_nullable) || (col->pk && t->pk_valid)))
            st = sl_buf_puts(b, " NOT NULL");
    }
    if (st == SL_OK && t->pk_valid) {
        st = sl_buf_puts(b, ",\n    PRIMARY KEY (");
        bool first = true;
        for (size_t c = 0; st == SL_OK && c < t->ncols; c++)
            if (t->cols[c].pk) {
                if (!first)
                    st = sl_buf_puts(b, ", ");
                first = false;
                if (st == SL_OK)
                    st = quoted(b, E_DUCKDB, t->cols[c].name);
            }
        if (st == SL_OK)
            st = sl_buf_putc(b, ')');
    }
    for (size_t i = 0; st == SL_OK && i < d->nr; i++) {
        const drel *r = &d->r[i];
        if (r->from_t != (int)ti || !enforceable(d, r, created))
            continue;
        st = sl_buf_puts(b, ",\n    FOREIGN KEY (");
        if (st == SL_OK)
            st = quoted(b, E_DUCKDB, t->cols[r->from_c].name);
        if (st == SL_OK)
            st = sl_buf_puts(b, ") REFERENCES ");
        if (st == SL_OK)
            st = quoted(b, E_DUCKDB, d->t[r->to_t].name);
        if (st == SL_OK)
            st = sl_buf_puts(b, " (");
        if (st == SL_OK)
            st = quoted(b, E_DUCKDB, d->t[r->to_t].cols[r->to_c].name);
        if (st == SL_OK)
            st = sl_buf_putc(b, ')');
    }
    location(d, t, loc, sizeof loc);
    if (t->is_dir)
        strncat(loc, "/*.parquet", sizeof loc - strlen(loc) - 1);
    if (st == SL_OK)
        st = sl_buf_puts(b, "\n);\nINSERT INTO ");
    if (st == SL_OK)
        st = quoted(b, E_DUCKDB, t->name);
    if (st == SL_OK)
        st = sl_buf_puts(b, " SELECT * FROM read_parquet(");
    if (st == SL_OK)
        st = literal(b, loc);
    return st ? st : sl_buf_puts(b, ");\n\n");
}

static sl_status ddl_duckdb(const sl_docs *d, sl_buf *b)
{
    bool *created = calloc(d->nt ? d->nt : 1, sizeof *created);
    if (!created)
        return SL_ERR_NOMEM;
    sl_status st = sl_buf_printf(b, "-- DuckDB: the tables of %s, loaded from their Parquet files (sluice docs).\n"
                                 "-- Parents come first; PRIMARY KEY and FOREIGN KEY only where the data holds them.\n\n",
                                 d->absdir);
    /* parents first: a table waits while it refers to a table not yet created;
     * what is left by a cycle is created anyway, without those references */
    for (size_t done = 0, pass = 0; st == SL_OK && done < d->nt && pass <= d->nt; pass++) {
        bool progress = false;
        for (size_t t = 0; st == SL_OK && t < d->nt; t++) {
            if (created[t])
                continue;
            bool wait = false;
            for (size_t i = 0; i < d->nr && pass < d->nt; i++)
                wait |= d->r[i].from_t == (int)t && d->r[i].to_t != (int)t && !created[d->r[i].to_t] &&
                        d->r[i].matched == d->r[i].child_distinct && d->t[d->r[i].to_t].pk_valid;
            if (wait)
                continue;
            st = duck_table(b, d, t, created);
            created[t] = true;
            done++;
            progress = true;
        }
        if (!progress && pass + 1 < d->nt)
            pass = d->nt - 1;   /* a cycle: the last pass takes the rest */
    }
    free(created);
    return st;
}

static sl_status ddl_external(const sl_docs *d, engine e, sl_buf *b)
{
    char ty[80], loc[4200];
    sl_status st = e == E_SPARK
        ? sl_buf_printf(b, "-- Spark SQL / Hive: external tables over the Parquet files of %s (sluice docs).\n"
                           "-- A table stored as one file has that file as its LOCATION; Hive itself reads only\n"
                           "-- directories (sluice sync --target-size writes <table>/ directories).\n\n", d->absdir)
        : sl_buf_printf(b, "-- Trino, Hive connector: external tables over the Parquet files of %s (sluice docs).\n"
                           "-- Run in a Hive catalog's schema (USE hive.<schema>). external_location must be a\n"
                           "-- directory for the connector: a table stored as one file names that file.\n"
                           "-- Timestamps are UTC instants in the files; set hive.parquet.time-zone = 'UTC'.\n\n",
                        d->absdir);
    for (size_t ti = 0; st == SL_OK && ti < d->nt; ti++) {
        const dtable *t = &d->t[ti];
        st = sl_buf_puts(b, e == E_SPARK ? "CREATE EXTERNAL TABLE IF NOT EXISTS " : "CREATE TABLE IF NOT EXISTS ");
        if (st == SL_OK)
            st = quoted(b, e, t->name);
        if (st == SL_OK)
            st = sl_buf_puts(b, " (");
        bool first = true;
        for (size_t c = 0; st == SL_OK && c < t->ncols; c++) {
            const dcol *col = &t->cols[c];
            if (!type_of(e, &col->pq, ty, sizeof ty)) {
                st = sl_buf_printf(b, "\n    -- %s: %s has no %s type; left out (Parquet columns are read by name)",
                                   col->name, col->type, e == E_SPARK ? "Spark" : "Trino Hive");
                continue;
            }
            st = sl_buf_puts(b, first ? "\n    " : ",\n    ");
            first = false;
            if (st == SL_OK)
                st = quoted(b, e, col->name);
            if (st == SL_OK)
                st = sl_buf_printf(b, " %s", ty);
            if (st == SL_OK && e == E_SPARK && col->pk)
                st = sl_buf_puts(b, " COMMENT 'primary key'");
        }
        location(d, t, loc, sizeof loc);
        if (st == SL_OK && e == E_SPARK) {
            st = sl_buf_puts(b, "\n)\nSTORED AS PARQUET\nLOCATION ");
            if (st == SL_OK)
                st = literal(b, loc);
        } else if (st == SL_OK) {
            st = sl_buf_puts(b, "\n)\nWITH (format = 'PARQUET', external_location = ");
            if (st == SL_OK)
                st = literal(b, loc);
            if (st == SL_OK)
                st = sl_buf_putc(b, ')');
        }
        if (st == SL_OK)
            st = sl_buf_puts(b, ";\n\n");
    }
    return st;
}

sl_status docs_write_ddl(const sl_docs *d, sl_error *err)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/ddl", d->dir) >= (int)sizeof path)
        return sl_error_set(err, SL_ERR_USAGE, "output path too long");
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return sl_error_set(err, SL_ERR_IO, "cannot create '%s': %s", path, strerror(errno));
    static const char *const files[] = {"ddl/duckdb.sql", "ddl/spark.sql", "ddl/trino.sql"};
    sl_status st = SL_OK;
    for (int e = 0; st == SL_OK && e < 3; e++) {
        sl_buf b;
        sl_buf_init(&b, 0);
        st = e == E_DUCKDB ? ddl_duckdb(d, &b) : ddl_external(d, (engine)e, &b);
        st = st == SL_OK ? docs_put(d, files[e], &b, err) : sl_error_set(err, st, "out of memory");
        sl_buf_free(&b);
    }
    return st;
}
