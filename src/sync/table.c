/* One table's share of a sync pass.
 *
 * Rows reach the new files in this order: the rows of the old final table (all
 * of them for a single file; for a directory table only those of its last,
 * partial file), then the old pending rows whose parents are now published, then
 * the rows of the new parts in commit order. Every new row is looked up in the
 * key index: a key already published or pending is a duplicate (same content)
 * or a conflict (different content: the first row stays, both are recorded);
 * otherwise the row's foreign keys decide: all present (or null) publishes it,
 * a parent not published yet holds it back in the pending file, and a child
 * whose parent row was itself dropped (a duplicate or conflict) is dropped with
 * it. Memory: one row group of one source, the writers' row groups, the index.
 *
 * The old final table is copied only once a row needs publishing: a pass whose
 * new rows all wait or are duplicates leaves the table as it was. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "sluice/sluice.h"
#include "sync/pass.h"

enum { FATE_PUBLISH, FATE_PEND, FATE_DROP };

/* ------------------------------------------------------------ the key index */

uint64_t sync_table_sig(const sync_pass *p, const sync_tab *t, size_t n)
{
    /* the key and the foreign keys decide what the index holds and which rows
     * were published: when they change, the table is made again as one pass
     * over its parts would make it */
    sl_buf b;
    sl_buf_init(&b, 0);
    sync_key_names(&t->m, &b);
    for (size_t f = 0; f < t->m.nfks; f++)
        sl_buf_printf(&b, ";%s>%s%s", t->ts->schema.cols[t->m.fks[f].col].name,
                      p->tabs[t->m.fks[f].target].m.name, t->m.fks[f].to_key ? "._key" : "");
    uint64_t h[3] = {sync_schema_sig(&t->ts->schema, n), t->m.key.kind, t->m.child};
    uint64_t k = XXH3_64bits(b.data ? b.data : (const uint8_t *)"", b.len);
    sl_buf_free(&b);
    return XXH3_64bits_withSeed(h, sizeof h, k);
}

static void index_path(const sync_pass *p, const char *table, bool tmp, char *rel)
{
    if (tmp)
        snprintf(rel, SYNC_PATH, SYNC_DIR "/index/.%s.idx.sync%llu.tmp", table,
                 (unsigned long long)p->next->gen);
    else
        snprintf(rel, SYNC_PATH, SYNC_DIR "/index/%s.idx", table);
}

static sl_status table_work(sync_pass *p, sync_tab *t, sl_error *err);

sl_status sync_table_index(sync_pass *p, sync_tab *t, sl_error *err)
{
    if (t->ix_ready)
        return SL_OK;
    t->ix_ready = true;
    if (!t->old || t->rebuild)
        return SL_OK;      /* filled by the table's own run */
    char rel[SYNC_PATH], path[SYNC_PATH];
    index_path(p, t->m.name, false, rel);
    sync_abs_path(p, rel, path);
    uint64_t sig, gen;
    sl_error ierr;
    sl_error_clear(&ierr);
    sl_status st = sync_index_load(path, &sig, &gen, &t->ix, &t->alt, &ierr);
    if (st == SL_ERR_NOMEM)
        return sl_error_set(err, st, "%s", ierr.msg);
    if (!st && sig == t->old->index_sig && gen == t->old->index_gen)
        return SL_OK;
    /* The index is gone, damaged, or not the one the state describes (a state
     * restored from a backup): the table is rebuilt from its parts, now if its
     * turn has passed. */
    sync_index_free(&t->ix);
    sync_index_free(&t->alt);
    t->rebuild = true;
    return t->done ? table_work(p, t, err) : SL_OK;
}

static sl_status save_index(sync_pass *p, sync_tab *t, sl_error *err)
{
    char rel[SYNC_PATH], fin[SYNC_PATH], path[SYNC_PATH];
    index_path(p, t->m.name, true, rel);
    index_path(p, t->m.name, false, fin);
    sync_abs_path(p, rel, path);
    sl_status st = sync_state_add_op(p->next, rel, fin);
    if (st)
        return sl_error_set(err, st, "out of memory");
    uint32_t n = (uint32_t)t->ts->schema.ncols;
    uint64_t sig = sync_table_sig(p, t, n);
    if ((st = sync_index_save(path, sig, p->next->gen, &t->ix, &t->alt, err)))
        return st;
    t->ts->index_gen = p->next->gen;
    t->ts->has_index = true;
    t->ts->index_sig = sig;
    t->ts->index_ncols = n;
    return SL_OK;
}

/* ------------------------------------------------------------ foreign keys */

const sync_index *sync_fk_index(const sync_pass *p, const sync_fk *fk)
{
    const sync_tab *target = &p->tabs[fk->target];
    return fk->to_key && target->m.key.kind != SYNC_KEY_SYNTHETIC ? &target->alt : &target->ix;
}

/* Where the row's foreign keys point: all published (or null) -> publish; a
 * parent row that was dropped -> drop; otherwise pending. h and nul hold the
 * foreign keys' hashes when they were computed ahead (NULL: computed here). */
static sl_status fk_fate(sync_pass *p, sync_tab *t, sync_row *row, const sync_hkey *h,
                         const uint8_t *nul, int *fate)
{
    *fate = FATE_PUBLISH;
    for (size_t f = 0; f < t->m.nfks; f++) {
        const sync_fk *fk = &t->m.fks[f];
        sync_hkey k;
        bool null;
        if (h) {
            k = h[f];
            null = nul[f];
        } else {
            sl_status st = sync_value_key(&row->cols[fk->col], &row->v[fk->col], &row->scratch, &k, &null);
            if (st)
                return st;
        }
        if (null)
            continue;
        const sync_entry *e = sync_index_get(sync_fk_index(p, fk), k);
        if (e && SYNC_STATE(e) == SYNC_PUBLISHED)
            continue;
        if (e && SYNC_STATE(e) == SYNC_DROPPED && fk->to_key) {
            *fate = FATE_DROP;
            return SL_OK;
        }
        *fate = FATE_PEND;
    }
    return SL_OK;
}

/* Records the row's `_key` in the alt index (tables whose children refer to it). */
static sl_status alt_set(sync_tab *t, sync_row *row, unsigned state, uint32_t origin)
{
    if (!t->m.needs_alt)
        return SL_OK;
    long kc = sync_schema_find(&t->ts->schema, "_key");
    if (kc < 0)
        return SL_OK;
    sync_hkey k;
    bool null;
    sl_status st = sync_value_key(&row->cols[kc], &row->v[kc], &row->scratch, &k, &null);
    if (!st && !null)
        st = sync_index_set(&t->alt, k, 0, origin, state);
    return st;
}

/* ------------------------------------------------------------ rows */

typedef struct job {
    sync_pass *p;
    sync_tab *t;
    sync_sink fin, pend;
    bool started;            /* the old final rows have been copied into fin */
    size_t copy_from, copy_to;
    size_t skip_groups;      /* of the old file being copied: row groups copied as they are */
    sync_row row;            /* the row in hand */
    sync_row old_row;        /* a row of the old final table being copied */
    /* The hashes of a row group's key and foreign keys, per row [key, fk 0,
     * fk 1, ...], computed before its rows are taken so that their index slots
     * are fetched ahead: a table of a million keys is far larger than a cache,
     * and each lookup would otherwise wait for memory. */
    sync_hkey *h;
    uint8_t *hnull;
    size_t hcap, stride;
    uint32_t hcols[SYNC_MAX_KEY + 64];   /* the columns they are made of */
    size_t nhcols;
    uint64_t pending, released, dropped;
    int64_t oldest;
} job;

static sl_status copy_old(job *w, sl_error *err);

static sl_status publish(job *w, uint32_t origin, sl_error *err)
{
    sl_status st = SL_OK;
    if (!w->started)
        st = copy_old(w, err);
    if (!st)
        st = sync_sink_write(&w->fin, &w->row, 0, origin, err);
    w->t->rows_pass++;
    w->t->changed = true;
    return st;
}

static sl_status hold(job *w, int64_t held, uint32_t origin, sl_error *err)
{
    sync_pass *p = w->p;
    sl_status st = sync_sink_write(&w->pend, &w->row, held, origin, err);
    if (st)
        return st;
    w->pending++;
    if (!w->oldest || held < w->oldest)
        w->oldest = held;
    if (p->now - held > (int64_t)p->opts->orphan_age * 1000000) {
        w->t->orphans++;
        if ((st = sync_report_orphan(p, w->t, &w->row, held, origin)))
            return sl_error_set(err, st, "out of memory");
    }
    return SL_OK;
}

static sl_status row_error(sl_status st, const char *path, sl_error *err)
{
    if (err && err->code != st)
        sl_error_set(err, st, "converting a row of '%s': %s", path, sl_strerror(st));
    return st;
}

/* A row of the old pending file: its parents may have arrived. */
static sl_status take_pending(job *w, const sync_src *src, uint64_t r, const sync_hkey *h,
                              const uint8_t *nul, sl_error *err)
{
    sync_tab *t = w->t;
    int64_t held = sync_src_i64(src, src->held, r, w->p->now);
    int64_t o = sync_src_i64(src, src->origin, r, SYNC_ORIGIN_NONE);
    uint32_t origin = o < 0 || o > SYNC_ORIGIN_NONE ? SYNC_ORIGIN_NONE : (uint32_t)o;
    int fate;
    sl_status st = fk_fate(w->p, t, &w->row, h + 1, nul + 1, &fate);
    if (st)
        return st;
    unsigned state = fate == FATE_PUBLISH ? SYNC_PUBLISHED : fate == FATE_DROP ? SYNC_DROPPED : SYNC_PENDING;
    if (fate != FATE_PEND && t->m.key.kind != SYNC_KEY_NONE && !nul[0]) {
        sync_entry *e = sync_index_get(&t->ix, h[0]);
        if (e)
            e->meta = (e->meta & ~3u) | state;
    }
    if ((st = alt_set(t, &w->row, state, origin)))
        return st;
    if (fate == FATE_PUBLISH) {
        w->released++;
        return publish(w, origin, err);
    }
    if (fate == FATE_DROP) {
        w->dropped++;
        t->dropped_pass++;
        t->ts->dropped++;
        t->changed = true;
        return SL_OK;
    }
    return hold(w, held, origin, err);
}

/* A row of a part this pass publishes. */
static sl_status take_new(job *w, uint32_t origin, bool record, const sync_hkey *h,
                          const uint8_t *nul, sl_error *err)
{
    sync_pass *p = w->p;
    sync_tab *t = w->t;
    sync_hkey key = h[0];
    bool null = t->m.key.kind == SYNC_KEY_NONE || nul[0];
    sl_status st;
    uint64_t content = 0;
    sync_entry *e = NULL;
    if (!null) {
        bool found;
        if ((st = sync_row_content(&w->row, t->skip, &content)) ||
            (st = sync_index_slot(&t->ix, key, &e, &found)))
            return st;
        if (found && SYNC_STATE(e) != SYNC_DROPPED) {
            if (content == e->content) {
                t->dups_pass++;
                t->ts->dups++;
            } else {
                t->conflicts_pass++;
                t->ts->conflicts++;
                if (record && (st = sync_report_conflict(p, t, &w->row, key, SYNC_ORIGIN(e), origin, err)))
                    return st;
            }
            /* its children go with it */
            t->changed = true;
            return alt_set(t, &w->row, SYNC_DROPPED, origin);
        }
    }
    int fate;
    if ((st = fk_fate(p, t, &w->row, h + 1, nul + 1, &fate)))
        return st;
    unsigned state = fate == FATE_PUBLISH ? SYNC_PUBLISHED : fate == FATE_DROP ? SYNC_DROPPED : SYNC_PENDING;
    if (e)
        sync_entry_fill(e, content, origin, state);   /* fk_fate did not touch this index */
    if ((st = alt_set(t, &w->row, state, origin)))
        return st;
    if (fate == FATE_PUBLISH)
        return publish(w, origin, err);
    if (fate == FATE_DROP) {
        t->dropped_pass++;
        t->ts->dropped++;
        t->changed = true;
        return SL_OK;
    }
    return hold(w, p->now, origin, err);
}

enum { SRC_OLD, SRC_PENDING, SRC_PART };

/* The hashes of the current row group's keys and foreign keys (see job). */
static sl_status hash_ahead(job *w, const sync_src *src, sl_error *err)
{
    sync_tab *t = w->t;
    if (src->rows > w->hcap) {
        size_t cap = (size_t)src->rows;
        sync_hkey *h = realloc(w->h, cap * w->stride * sizeof *h);
        if (h)
            w->h = h;
        uint8_t *n = h ? realloc(w->hnull, cap * w->stride) : NULL;
        if (!h || !n)
            return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        w->hnull = n;
        w->hcap = cap;
    }
    for (uint64_t r = 0; r < src->rows; r++) {
        sync_hkey *h = &w->h[r * w->stride];
        uint8_t *nul = &w->hnull[r * w->stride];
        bool null = true;
        sl_status st = sync_row_load_some(&w->row, src, r, w->hcols, w->nhcols);
        h[0] = (sync_hkey){0, 0};
        if (!st && t->m.key.kind != SYNC_KEY_NONE)
            st = sync_row_key(&w->row, &t->m.key, &h[0], &null);
        nul[0] = null;
        for (size_t f = 0; !st && f < t->m.nfks; f++) {
            const sync_fk *fk = &t->m.fks[f];
            st = sync_value_key(&w->row.cols[fk->col], &w->row.v[fk->col], &w->row.scratch, &h[1 + f], &null);
            nul[1 + f] = null;
        }
        if (st)
            return sl_error_set(err, st, "hashing keys: %s", sl_strerror(st));
    }
    return SL_OK;
}

/* Fetches the index slots row r will look at. */
static void prefetch(const job *w, uint64_t r, bool own)
{
    const sync_hkey *h = &w->h[r * w->stride];
    const uint8_t *nul = &w->hnull[r * w->stride];
    if (own && !nul[0])
        sync_index_prefetch(&w->t->ix, h[0]);
    for (size_t f = 0; f < w->t->m.nfks; f++)
        if (!nul[1 + f])
            sync_index_prefetch(sync_fk_index(w->p, &w->t->m.fks[f]), h[1 + f]);
}

#define AHEAD 32   /* rows between a prefetch and its use */

/* Every row of one file, through take_pending, take_new or straight to fin. The
 * old final rows have a row of their own: they are copied when the first new row
 * is published, which is then waiting in w->row. */
static sl_status each_row(job *w, const char *rel, int kind, uint32_t origin, bool record,
                          uint64_t expect_rows, sl_error *err)
{
    sync_row *row = kind == SRC_OLD ? &w->old_row : &w->row;
    char path[SYNC_PATH];
    sync_abs_path(w->p, rel, path);
    sync_src src;
    sl_status st = sync_src_open(&src, path, w->t->cols, w->t->ts->schema.ncols, err);
    if (st) {
        if (err && !err->file[0])
            sl_error_set_file(err, path);
        return st == SL_ERR_IO && kind == SRC_PART ? SL_ERR_CORRUPT : st;
    }
    if (kind == SRC_PART && expect_rows != UINT64_MAX && sl_pq_reader_num_rows(src.r) != expect_rows) {
        st = sl_error_set(err, SL_ERR_CORRUPT, "%s: %llu rows, but its ledger line says %llu", path,
                          (unsigned long long)sl_pq_reader_num_rows(src.r), (unsigned long long)expect_rows);
        goto done;
    }
    bool own = kind == SRC_PART;   /* new rows look their own key up */
    if (kind == SRC_OLD && w->skip_groups)
        src.rg = w->skip_groups - 1;   /* sync_src_next_group goes on after it */
    while ((st = sync_src_next_group(&src, err)) == SL_OK) {
        if (kind != SRC_OLD && (st = hash_ahead(w, &src, err)))
            break;
        for (uint64_t r = 0; r < src.rows && !st; r++) {
            if (kind != SRC_OLD && r + AHEAD < src.rows)
                prefetch(w, r + AHEAD, own);
            if ((st = sync_row_load(row, &src, r))) {
                st = row_error(st, path, err);
                break;
            }
            const sync_hkey *h = kind == SRC_OLD ? NULL : &w->h[r * w->stride];
            const uint8_t *nul = kind == SRC_OLD ? NULL : &w->hnull[r * w->stride];
            if (kind == SRC_OLD)
                st = sync_sink_write(&w->fin, row, 0, 0, err);
            else if (kind == SRC_PENDING)
                st = take_pending(w, &src, r, h, nul, err);
            else
                st = take_new(w, origin, record, h, nul, err);
            if (st && err && !err->code)
                sl_error_set(err, st, "%s: %s", path, sl_strerror(st));
        }
        if (st)
            break;
    }
    if (st == SL_EOF)
        st = SL_OK;
done:
    sync_src_close(&src);
    return st;
}

static sl_status copy_old(job *w, sl_error *err)
{
    w->started = true;
    for (size_t i = w->copy_from; i < w->copy_to; i++) {
        /* A single-file table's full row groups go into the new file as they are
         * (no decoding, no encoding); the rest row by row. */
        char path[SYNC_PATH];
        sync_abs_path(w->p, w->t->old->files[i].name, path);
        size_t skip = sync_sink_copy_prefix(&w->fin, path, err);
        if (skip == SIZE_MAX)
            return err && err->code ? err->code : SL_ERR_IO;
        w->skip_groups = skip;
        w->t->groups_copied += skip;
        sl_status st = each_row(w, w->t->old->files[i].name, SRC_OLD, 0, false, 0, err);
        w->skip_groups = 0;
        if (st)
            return st;
    }
    return SL_OK;
}

/* ------------------------------------------------------------ the table */

static bool layout_changed(const sync_pass *p, const sync_tab *t)
{
    return t->old && (t->old->target_size > 0) != (p->opts->target_size > 0);
}

/* Whether the old files are all there, and the ones a pass copies are the ones
 * the state describes (their generation). */
static bool old_files_ok(const sync_pass *p, const sync_tab *t, size_t copy_from)
{
    char path[SYNC_PATH];
    for (size_t i = 0; i < t->old->nfiles; i++) {
        struct stat sb;
        sync_abs_path(p, t->old->files[i].name, path);
        if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
            return false;
        if (i < copy_from)
            continue;
        sl_pq_reader *r;
        if (sl_pq_reader_open(path, &r, NULL))
            return false;
        const char *g = sl_pq_reader_kv_get(r, "sluice.sync.generation");
        bool ok = g && strtoull(g, NULL, 10) == t->old->gen;
        sl_pq_reader_free(r);
        if (!ok)
            return false;
    }
    return true;
}

/* The bytes per row of the table's files, or of the parts to publish: sizes the
 * files of a directory table. */
static uint64_t rows_per_file(const sync_pass *p, const sync_tab *t)
{
    uint64_t bytes = 0, rows = 0;
    for (size_t i = 0; t->old && i < t->old->nfiles; i++)
        if (t->old->files[i].full) {
            bytes += t->old->files[i].bytes;
            rows += t->old->files[i].rows;
        }
    char path[SYNC_PATH];
    for (size_t i = 0; !rows && i < t->nparts; i++) {
        struct stat sb;
        sync_abs_path(p, t->parts[i]->path, path);
        if (stat(path, &sb) == 0) {
            bytes += (uint64_t)sb.st_size;
            rows += t->parts[i]->rows;
        }
    }
    uint64_t per_row = rows ? bytes / rows : 0;
    uint64_t q = per_row ? p->opts->target_size / per_row : 100000;
    return q ? q : 1;
}

static sl_status run_rows(job *w, sl_error *err)
{
    sync_pass *p = w->p;
    sync_tab *t = w->t;
    sl_status st = SL_OK;
    char rel[SYNC_PATH];
    if (t->old && !t->rebuild && t->old->pending) {
        snprintf(rel, SYNC_PATH, SYNC_DIR "/pending/%s.parquet", t->m.name);
        if ((st = each_row(w, rel, SRC_PENDING, 0, false, 0, err)))
            return st;
    }
    if (t->rebuild) {
        /* every part published into the table before, in publish order; their
         * conflicts are recorded already */
        for (uint32_t i = 0; !st && i < p->plog_start; i++)
            if (strcmp(p->plog->e[i].table, t->m.name) == 0)
                st = each_row(w, p->plog->e[i].path, SRC_PART, i, false, UINT64_MAX, err);
    }
    for (size_t i = 0; !st && i < t->nparts; i++) {
        const sync_part *part = t->parts[i];
        uint32_t origin;
        if ((st = sync_plog_append(p->plog, t->m.name, part->path, part->commit, p->next->gen, &origin, err)))
            break;
        st = each_row(w, part->path, SRC_PART, origin, true, part->rows, err);
    }
    return st;
}

static bool in_files(const sync_tstate *ts, const char *name)
{
    for (size_t j = 0; j < ts->nfiles; j++)
        if (strcmp(ts->files[j].name, name) == 0)
            return true;
    return false;
}

/* Removes the old files the new ones do not replace; and, in a directory table,
 * any part-*.parquet the state does not know (left by a state restored from a
 * backup): a reader of the directory must see the table's rows once. */
static sl_status remove_stale(sync_pass *p, sync_tab *t, const sync_tstate *old)
{
    for (size_t i = 0; old && i < old->nfiles; i++)
        if (!in_files(t->ts, old->files[i].name) && sync_state_add_op(p->next, old->files[i].name, NULL))
            return SL_ERR_NOMEM;
    if (!p->opts->target_size)
        return SL_OK;
    char dir[SYNC_PATH], rel[SYNC_PATH];
    snprintf(dir, SYNC_PATH, "%s/%s", p->out, t->m.name);
    DIR *d = opendir(dir);
    struct dirent *de;
    sl_status st = SL_OK;
    while (d && !st && (de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        if (strncmp(de->d_name, "part-", 5) != 0 || n < 14 || strcmp(de->d_name + n - 8, ".parquet") != 0)
            continue;
        snprintf(rel, SYNC_PATH, "%s/%s", t->m.name, de->d_name);
        if (!in_files(t->ts, rel) && !(old && in_files(old, rel)))
            st = sync_state_add_op(p->next, rel, NULL);
    }
    if (d)
        closedir(d);
    return st;
}

/* Whether every file of the committed table is there. */
static bool files_present(const sync_pass *p, const sync_tab *t)
{
    char path[SYNC_PATH];
    struct stat sb;
    for (size_t i = 0; i < t->old->nfiles; i++) {
        sync_abs_path(p, t->old->files[i].name, path);
        if (stat(path, &sb) != 0)
            return false;
    }
    return true;
}

static sl_status table_work(sync_pass *p, sync_tab *t, sl_error *err)
{
    sync_tstate *ts = t->ts;
    const sync_tstate *old = t->old;
    bool dir = p->opts->target_size > 0;
    job w;
    memset(&w, 0, sizeof w);
    w.p = p;
    w.t = t;
    /* which old files stay as they are, and which are copied into new ones */
    size_t keep = 0;
    if (old && !t->rebuild) {
        /* a directory keeps its full files while they have the table's schema:
         * every file of a directory has the same columns */
        if (dir && old->target_size > 0 && old->schema.ncols == ts->schema.ncols)
            while (keep < old->nfiles && old->files[keep].full)
                keep++;
        w.copy_from = keep;
        w.copy_to = old->nfiles;
        if (!old_files_ok(p, t, keep)) {
            t->rebuild = true;
            keep = w.copy_from = w.copy_to = 0;
        }
    }
    if (t->rebuild) {
        sync_index_free(&t->ix);
        sync_index_free(&t->alt);
        t->ix_ready = true;
        ts->rows = ts->parts = ts->dups = ts->conflicts = ts->dropped = 0;
        for (uint32_t i = 0; i < p->plog_start; i++)
            ts->parts += strcmp(p->plog->e[i].table, t->m.name) == 0;
    }
    ts->parts += t->nparts;
    sync_tstate_clear_files(ts);
    for (size_t i = 0; i < keep; i++)
        if (sync_tstate_add_file(ts, old->files[i].name, old->files[i].rows, old->files[i].bytes, true))
            return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    size_t ncols = ts->schema.ncols;
    sl_pq_column *pcols = calloc(ncols + 2, sizeof *pcols);
    if (!pcols)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    memcpy(pcols, t->cols, ncols * sizeof *pcols);
    pcols[ncols] = (sl_pq_column){.name = SYNC_HELD_COL, .type = SL_PQ_TIMESTAMP, .optional = true,
                                  .time_unit = SL_PQ_MICROS, .utc = true};
    pcols[ncols + 1] = (sl_pq_column){.name = SYNC_ORIGIN_COL, .type = SL_PQ_INT64, .optional = true};
    sl_status st = sync_sink_init(&w.fin, p, t, false, t->cols, ncols, err);
    if (!st)
        st = sync_sink_init(&w.pend, p, t, true, pcols, ncols + 2, err);
    if (!st && (sync_row_init(&w.row, t->cols, ncols) || sync_row_init(&w.old_row, t->cols, ncols)))
        st = sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    if (st)
        goto done;
    /* room in the indexes for every new row: no rehash mid-pass */
    uint64_t incoming = t->rebuild && old ? old->rows + old->pending + old->dups + old->conflicts : 0;
    for (size_t i = 0; i < t->nparts; i++)
        incoming += t->parts[i]->rows;
    if ((t->m.key.kind != SYNC_KEY_NONE && sync_index_reserve(&t->ix, t->ix.count + incoming)) ||
        (t->m.needs_alt && sync_index_reserve(&t->alt, t->alt.count + incoming))) {
        st = sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        goto done;
    }
    /* the columns the keys are hashed from, each once */
    w.stride = 1 + t->m.nfks;
    for (size_t i = 0; i < t->m.key.n + t->m.nfks; i++) {
        uint32_t c = i < t->m.key.n ? t->m.key.cols[i] : t->m.fks[i - t->m.key.n].col;
        bool seen = false;
        for (size_t k = 0; k < w.nhcols && !seen; k++)
            seen = w.hcols[k] == c;
        if (!seen && w.nhcols < sizeof w.hcols / sizeof w.hcols[0])
            w.hcols[w.nhcols++] = c;
    }
    w.fin.no = (uint32_t)keep;
    if (dir)
        w.fin.quota = rows_per_file(p, t);
    /* a new table, a rebuilt one, a new schema or layout: the final files are
     * written even when no row is published */
    bool same = old && !t->rebuild && !layout_changed(p, t) && old->schema.ncols == ncols &&
                old->target_size == p->opts->target_size;
    if (!same && (st = copy_old(&w, err)))
        goto done;
    if ((st = run_rows(&w, err)))
        goto done;
    if (w.started) {
        if (!w.fin.w && !ts->nfiles)
            st = sync_sink_open_file(&w.fin, err);    /* an empty table is still a table */
        if (!st && w.fin.w)
            st = sync_sink_close_file(&w.fin, err);
        if (!st)
            st = remove_stale(p, t, old);
        ts->gen = p->next->gen;
        ts->target_size = p->opts->target_size;
        t->written = true;
    } else {
        /* nothing published: the old files stand */
        sync_tstate_clear_files(ts);
        for (size_t i = 0; !st && i < old->nfiles; i++)
            st = sync_tstate_add_file(ts, old->files[i].name, old->files[i].rows, old->files[i].bytes,
                                      old->files[i].full);
    }
    if (st)
        goto done;
    ts->rows = 0;
    for (size_t i = 0; i < ts->nfiles; i++)
        ts->rows += ts->files[i].rows;
    if (w.pend.w) {
        if ((st = sync_sink_close_file(&w.pend, err)))
            goto done;
    } else if (old && old->pending) {
        char rel[SYNC_PATH];
        snprintf(rel, SYNC_PATH, SYNC_DIR "/pending/%s.parquet", t->m.name);
        if ((st = sync_state_add_op(p->next, rel, NULL)))
            goto done;
    }
    ts->pending = w.pending;
    ts->pending_oldest = w.oldest;
    t->oldest = w.oldest;
    st = save_index(p, t, err);
done:
    sync_sink_free(&w.fin);
    sync_sink_free(&w.pend);
    sync_row_free(&w.row);
    sync_row_free(&w.old_row);
    free(w.h);
    free(w.hnull);
    free(pcols);
    return st;
}

/* The pending rows of a table with no new parts: would any be released or
 * dropped now? Counts the orphans meanwhile (listed when nothing is). */
static sl_status dry_run(sync_pass *p, sync_tab *t, bool *work_needed, sl_error *err)
{
    *work_needed = false;
    char rel[SYNC_PATH], path[SYNC_PATH];
    snprintf(rel, SYNC_PATH, SYNC_DIR "/pending/%s.parquet", t->m.name);
    sync_abs_path(p, rel, path);
    sync_src src;
    sync_row row;
    sl_status st = sync_src_open(&src, path, t->cols, t->ts->schema.ncols, err);
    if (st)
        return st;
    if (sync_row_init(&row, t->cols, t->ts->schema.ncols)) {
        sync_src_close(&src);
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    }
    size_t mark = p->orphans.len;
    uint64_t listed = p->orphans_listed;
    t->orphans = 0;
    while (!*work_needed && (st = sync_src_next_group(&src, err)) == SL_OK) {
        for (uint64_t r = 0; r < src.rows && !st && !*work_needed; r++) {
            int fate;
            if ((st = sync_row_load(&row, &src, r)) || (st = fk_fate(p, t, &row, NULL, NULL, &fate)))
                break;
            if (fate != FATE_PEND) {
                *work_needed = true;
                break;
            }
            int64_t held = sync_src_i64(&src, src.held, r, p->now);
            int64_t o = sync_src_i64(&src, src.origin, r, SYNC_ORIGIN_NONE);
            if (p->now - held > (int64_t)p->opts->orphan_age * 1000000) {
                t->orphans++;
                st = sync_report_orphan(p, t, &row, held, o < 0 ? SYNC_ORIGIN_NONE : (uint32_t)o);
            }
        }
    }
    if (st == SL_EOF)
        st = SL_OK;
    if (*work_needed) {
        p->orphans.len = mark;
        p->orphans_listed = listed;
        t->orphans = 0;
    }
    sync_row_free(&row);
    sync_src_close(&src);
    return st;
}

sl_status sync_table_run(sync_pass *p, sync_tab *t, sl_error *err)
{
    t->done = true;
    sl_status st = SL_OK;
    for (size_t f = 0; !st && f < t->m.nfks; f++)
        if (t->m.fks[f].target != (uint32_t)(t - p->tabs))
            st = sync_table_index(p, &p->tabs[t->m.fks[f].target], err);
    if (st)
        return st;
    bool work = t->nparts || t->rebuild || !t->old || layout_changed(p, t) ||
                (t->old && t->old->schema.ncols != t->ts->schema.ncols);
    t->oldest = t->old ? t->old->pending_oldest : 0;
    if (!work && t->old && !files_present(p, t))
        work = true;      /* deleted by hand: rebuilt from its parts */
    if (!work && t->old && t->old->pending) {
        bool parents = false;
        for (size_t f = 0; f < t->m.nfks; f++)
            parents |= p->tabs[t->m.fks[f].target].changed;
        bool aged = p->now - t->old->pending_oldest > (int64_t)p->opts->orphan_age * 1000000;
        if (parents || aged)
            st = dry_run(p, t, &work, err);
    }
    if (st || !work)
        return st;
    if ((st = sync_table_index(p, t, err)))
        return st;
    if (t->done && t->written)
        return SL_OK;      /* rebuilt already, when its index was first needed */
    return table_work(p, t, err);
}
