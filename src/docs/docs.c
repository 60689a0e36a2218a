/* sluice docs: sl_docs_run, the steps in order: find the tables, read what a schema
 * declares, read every column once, settle the keys, relate the tables, write. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "docs/docs_int.h"

void sl_docs_options_init(sl_docs_options *o)
{
    memset(o, 0, sizeof *o);
    o->dir = ".";
    o->examples = 3;
}

static void docs_free(sl_docs *d)
{
    for (size_t t = 0; t < d->nt; t++) {
        for (size_t c = 0; d->t[t].cols && c < d->t[t].ncols; c++) {
            sl_buf_free(&d->t[t].cols[c].min);
            sl_buf_free(&d->t[t].cols[c].max);
            dset_free(&d->t[t].cols[c].set);
        }
        free(d->t[t].cols);
        /* a directory table's file list is malloc'd; a file table's is one slot */
        free(d->t[t].files);
    }
    free(d->t);
    free(d->r);
    free(d->absdir);
    sl_arena_free(&d->arena);
}

sl_status sl_docs_run(const sl_docs_options *o, sl_docs_stats *stats, sl_error *err)
{
    memset(stats, 0, sizeof *stats);
    sl_docs d = {0};
    sl_arena_init(&d.arena, 1 << 16);
    d.dir = (char *)o->dir;
    d.examples = o->examples > 8 ? 8 : o->examples;
    sl_status st = SL_OK;
    if (!(d.absdir = realpath(o->dir, NULL)))
        st = sl_error_set(err, SL_ERR_IO, "cannot read '%s': %s", o->dir, strerror(errno));
    if (st == SL_OK)
        st = docs_find_tables(&d, err);
    if (st == SL_OK)
        st = docs_declared(&d, o->schema, err);
    for (size_t t = 0; st == SL_OK && t < d.nt; t++)
        st = docs_scan_table(&d, &d.t[t], err);
    if (st == SL_OK)
        docs_primary_keys(&d);
    for (size_t t = 0; st == SL_OK && t < d.nt; t++)
        st = docs_check_key(&d, &d.t[t], err);
    if (st == SL_OK)
        st = docs_relationships(&d, err);
    if (st == SL_OK)
        st = docs_write_json(&d, err);
    if (st == SL_OK)
        st = docs_write_readme(&d, err);
    if (st == SL_OK)
        st = docs_write_ddl(&d, err);
    if (st == SL_OK) {
        stats->tables = d.nt;
        stats->relationships = d.nr;
        for (size_t t = 0; t < d.nt; t++) {
            stats->columns += d.t[t].ncols;
            stats->rows += d.t[t].rows;
        }
    }
    docs_free(&d);
    return st;
}
