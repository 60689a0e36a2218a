/* sluice docs, inside: the model of a documented directory.
 *   scan.c    finds the tables, reads every column once: counts, exact distinct
 *             values (a set of 64-bit value hashes), min, max, examples
 *   relate.c  declared keys (sluice.schema metadata or --schema), primary keys by
 *             name, relationships declared and discovered, cardinalities
 *   write.c   schema_documentation.json, table_relationships.json, the README
 *   ddl.c     CREATE TABLE statements for DuckDB, Spark and Trino
 *   docs.c    sl_docs_run: the steps in order */
#ifndef SLUICE_DOCS_INT_H
#define SLUICE_DOCS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "sluice/buf.h"
#include "sluice/docs.h"
#include "sluice/parquet.h"

/* A set of 64-bit value hashes (open addressing; 0 stands for the hash 0). */
typedef struct dset {
    uint64_t *slot;
    size_t cap, n;        /* cap a power of two, or 0 */
    bool has_zero;
} dset;

sl_status dset_add(dset *s, uint64_t h, bool *added);   /* *added: h was not in s */
bool dset_has(const dset *s, uint64_t h);
void dset_free(dset *s);

typedef struct dcol {
    char *name;
    sl_pq_column pq;          /* as the first file has it */
    char type[48];            /* sluice's name: int32, decimal(3,2), list<string>, timestamp */
    uint64_t nulls;           /* null rows (null lists for a list column) */
    uint64_t values;          /* non-null rows */
    uint64_t distinct;        /* distinct non-null values (a list: distinct lists) */
    bool has_minmax;          /* over values (a list: over its elements) */
    sl_buf min, max;          /* JSON text of each */
    char *example[8];         /* JSON text of the first distinct values */
    unsigned nexamples;
    dset set;                 /* kept for key and foreign-key candidates */
    bool keep_set;
    /* declared in a schema */
    bool declared, decl_nullable, decl_unique;
    char *decl_ref;           /* "table.column", or NULL */
    bool pk;                  /* part of the table's primary key */
} dcol;

typedef struct dtable {
    char *name;
    char *path;               /* DIR/<name>.parquet, or the directory DIR/<name> */
    bool is_dir;
    char **files;
    size_t nfiles;
    uint64_t rows;
    dcol *cols;
    size_t ncols;
    const char *pk_source;    /* "declared", "name" (sluice's key rules), or NULL */
    bool pk_valid;            /* the data has no null and no repeated key */
} dtable;

typedef struct drel {
    int from_t, from_c, to_t, to_c;
    bool declared, discovered;
    uint64_t child_distinct;  /* distinct non-null values of the foreign key */
    uint64_t matched;         /* of them, found among the parent's keys */
    bool one_to_one;          /* the foreign key's values do not repeat */
    bool parent_required;     /* the foreign key is never null */
    bool child_optional;      /* some parent has no child row */
    bool identifying;         /* the foreign key is part of the child's primary key */
} drel;

typedef struct sl_docs {
    sl_arena arena;
    char *dir;                /* as given */
    char *absdir;             /* absolute, for DDL locations */
    char *schema_name;        /* the declared schema's name, or NULL */
    char *schema_from;        /* "metadata", or the --schema argument */
    dtable *t;
    size_t nt;
    drel *r;
    size_t nr, rcap;
    unsigned examples;
} sl_docs;

/* scan.c */
sl_status docs_find_tables(sl_docs *d, sl_error *err);
sl_status docs_scan_table(sl_docs *d, dtable *t, sl_error *err);
sl_status docs_check_key(sl_docs *d, dtable *t, sl_error *err);
void docs_type_text(const sl_pq_column *c, char *out, size_t n);

/* relate.c */
sl_status docs_declared(sl_docs *d, const char *schema, sl_error *err);
void docs_primary_keys(sl_docs *d);
sl_status docs_relationships(sl_docs *d, sl_error *err);
/* The Mermaid markers of a relationship: "||--o{" and the like. */
const char *docs_mermaid_link(const drel *r, char *out, size_t n);

/* write.c */
sl_status docs_write_json(const sl_docs *d, sl_error *err);
sl_status docs_write_readme(const sl_docs *d, sl_error *err);
sl_status docs_put(const sl_docs *d, const char *name, const sl_buf *b, sl_error *err);

/* ddl.c */
sl_status docs_write_ddl(const sl_docs *d, sl_error *err);

#endif
