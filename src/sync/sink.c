/* The files a pass writes for a table: its final file, or the part-NNNNN.parquet
 * files of a directory table cut at about the target size, and its pending
 * file. Each is written under a temporary name that carries the pass's
 * generation, closed with an fsync, and listed in the next state as a rename to
 * do once the state is committed (state.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "sluice/sluice.h"
#include "sync/pass.h"

void sync_abs_path(const sync_pass *p, const char *rel, char *out)
{
    /* OUT and the state directory are at most 3000 bytes (sl_sync_open) and names
     * are bounded by the ledger checks: a cut path cannot happen, and would only
     * fail to open (it is left empty) */
    sl_statedir_resolve(p->sd, rel, out, SYNC_PATH);
}

static sl_status writer_err(sync_sink *k, sl_status st, sl_error *err)
{
    if (err) {
        const sl_error *we = k->w ? sl_pq_writer_error(k->w) : NULL;
        if (we && we->code)
            *err = *we;
        else
            sl_error_set(err, st, "writing '%s': %s", k->tmp, sl_strerror(st));
        if (!err->file[0])
            sl_error_set_file(err, k->tmp);
    }
    return st;
}

sl_status sync_sink_open_file(sync_sink *k, sl_error *err)
{
    const char *name = k->t->m.name;
    unsigned long long gen = (unsigned long long)k->p->next->gen;
    if (k->pending) {
        snprintf(k->final_rel, SYNC_PATH, SYNC_DIR "/pending/%s.parquet", name);
        snprintf(k->tmp_rel, SYNC_PATH, SYNC_DIR "/pending/.%s.parquet.sync%llu.tmp", name, gen);
    } else if (k->dir) {
        snprintf(k->final_rel, SYNC_PATH, "%s/part-%05u.parquet", name, k->no);
        snprintf(k->tmp_rel, SYNC_PATH, "%s/.part-%05u.parquet.sync%llu.tmp", name, k->no, gen);
    } else {
        snprintf(k->final_rel, SYNC_PATH, "%s.parquet", name);
        snprintf(k->tmp_rel, SYNC_PATH, ".%s.parquet.sync%llu.tmp", name, gen);
    }
    sync_abs_path(k->p, k->tmp_rel, k->tmp);
    sl_pq_writer_options wo;
    sl_pq_writer_options_init(&wo);
    wo.codec = k->p->opts->codec;
    wo.level = k->p->opts->level;
    wo.row_group_bytes = k->pending ? (4u << 20) : k->p->opts->row_group_bytes;
    /* an op before the file: a crash after it leaves a name recovery removes */
    sl_status st = sync_state_add_op(k->p->next, k->tmp_rel, k->final_rel);
    if (st)
        return sl_error_set(err, st, "out of memory");
    if ((st = sl_pq_writer_open(k->tmp, k->cols, k->ncols, &wo, &k->w, err)))
        return st;
    char genbuf[24];
    snprintf(genbuf, sizeof genbuf, "%llu", gen);
    if ((st = sl_pq_writer_set_kv(k->w, "sluice.schema", (const char *)k->schema.data)) ||
        (st = sl_pq_writer_set_kv(k->w, "sluice.lineage", (const char *)k->lineage.data)) ||
        (st = sl_pq_writer_set_kv(k->w, "sluice.sync.generation", genbuf)))
        return writer_err(k, st, err);
    k->rows = 0;
    return SL_OK;
}

sl_status sync_sink_close_file(sync_sink *k, sl_error *err)
{
    bool full = k->dir && k->rows >= k->quota;
    sl_status st = sl_pq_writer_close(k->w, true, err);
    k->w = NULL;
    if (st)
        return st;
    struct stat sb;
    if (stat(k->tmp, &sb) != 0)
        return sl_error_set(err, sl_fs_status(errno), "cannot stat '%s': %s", k->tmp, strerror(errno));
    if (!k->pending) {
        if ((st = sync_tstate_add_file(k->t->ts, k->final_rel, k->rows, (uint64_t)sb.st_size, full)))
            return sl_error_set(err, st, "out of memory");
        if (k->dir && k->rows) {
            /* size the next files by what this one came to */
            uint64_t per_row = (uint64_t)sb.st_size / k->rows;
            k->quota = per_row ? k->p->opts->target_size / per_row : k->rows;
            if (!k->quota)
                k->quota = 1;
        }
    }
    k->no++;
    return SL_OK;
}

static sl_status sink_begin_row(sync_sink *k, sl_error *err)
{
    return k->w ? SL_OK : sync_sink_open_file(k, err);
}

static sl_status sink_end_row(sync_sink *k, sl_error *err)
{
    sl_status st = sl_pq_write_end_row(k->w);
    if (st)
        return writer_err(k, st, err);
    k->rows++;
    k->total++;
    if (k->dir && k->rows >= k->quota)
        return sync_sink_close_file(k, err);
    return SL_OK;
}

sl_status sync_sink_write(sync_sink *k, sync_row *row, int64_t held, uint32_t origin, sl_error *err)
{
    sl_status st = sink_begin_row(k, err);
    if (st)
        return st;
    if ((st = sync_row_write(row, k->w, &k->etmp)))
        return writer_err(k, st, err);
    if (k->pending) {
        size_t n = row->ncols;
        if ((st = sl_pq_write_int(k->w, n, held)) ||
            (st = origin == SYNC_ORIGIN_NONE ? sl_pq_write_null(k->w, n + 1)
                                             : sl_pq_write_int(k->w, n + 1, origin)))
            return writer_err(k, st, err);
    }
    return sink_end_row(k, err);
}

size_t sync_sink_copy_prefix(sync_sink *k, const char *path, sl_error *err)
{
    if (k->dir || k->pending)
        return 0;
    sl_error e;
    sl_error_clear(&e);
    sl_pq_reader *r;
    if (sl_pq_reader_open(path, &r, &e))
        return 0;   /* the row-by-row copy reports it */
    /* Same columns, same types (the schema text says both), same codec. */
    const char *schema = sl_pq_reader_kv_get(r, "sluice.schema");
    const sl_pq_chunk_info *c0 = sl_pq_reader_num_row_groups(r) ? sl_pq_reader_chunk(r, 0, 0) : NULL;
    size_t n = 0;
    if (schema && k->schema.data && strcmp(schema, (const char *)k->schema.data) == 0 && c0 &&
        c0->codec == k->p->opts->codec) {
        /* Full row groups go as they are; the small ones at the end are rewritten
         * with the new rows, so row groups do not shrink pass after pass. */
        uint64_t full = k->p->opts->row_group_bytes / 2;
        n = sl_pq_reader_num_row_groups(r);
        while (n && sl_pq_reader_row_group_bytes(r, n - 1) < full)
            n--;
    }
    sl_status st = n ? sink_begin_row(k, err) : SL_OK;
    size_t done = 0;
    for (; !st && done < n; done++) {
        uint64_t rows = sl_pq_reader_row_group_rows(r, done);
        if ((st = sl_pq_writer_copy_row_group(k->w, r, done, err)))
            break;
        k->rows += rows;
        k->total += rows;
    }
    sl_pq_reader_free(r);
    return st ? SIZE_MAX : done;
}

void sync_sink_free(sync_sink *k)
{
    if (k->w)
        sl_pq_writer_abort(k->w);
    k->w = NULL;
    sl_buf_free(&k->schema);
    sl_buf_free(&k->lineage);
    sl_buf_free(&k->etmp);
}

sl_status sync_sink_init(sync_sink *k, sync_pass *p, sync_tab *t, bool pending, const sl_pq_column *cols,
                           size_t ncols, sl_error *err)
{
    memset(k, 0, sizeof *k);
    k->p = p;
    k->t = t;
    k->pending = pending;
    k->dir = !pending && p->opts->target_size > 0;
    k->cols = cols;
    k->ncols = ncols;
    k->quota = UINT64_MAX;
    sl_buf_init(&k->schema, 0);
    sl_buf_init(&k->lineage, 0);
    sl_buf_init(&k->etmp, 0);
    if (k->dir) {
        char dir[SYNC_PATH];
        snprintf(dir, SYNC_PATH, "%s/%s", p->out, t->m.name);
        sl_status st = sl_fs_mkdirs(dir, err);
        if (st)
            return st;
    }
    sl_status st = sync_schema_json(&t->ts->schema, t->m.name, false, &k->schema);
    if (!st)
        st = sl_buf_putc(&k->schema, '\0');
    if (!st)
        st = sl_buf_printf(&k->lineage, "{\"tool\":\"sluice sync " SL_VERSION "\",\"generation\":%llu,"
                                        "\"parts\":%llu,%s}",
                           (unsigned long long)p->next->gen, (unsigned long long)t->ts->parts,
                           (const char *)p->lineage.data);
    if (!st)
        st = sl_buf_putc(&k->lineage, '\0');
    return st ? sl_error_set(err, st, "out of memory") : SL_OK;
}
