/* The sync pass (see sync.h): what is new in the ledgers, the tables it touches
 * and their order, the commit. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/grow.h"
#include "sync/pass.h"

struct sl_sync {
    sl_sync_options opts;
    char *out;
    sl_statedir sd;                  /* where the ledgers and sync/ are */
    int lock_fd;
    sync_state cur;                  /* the committed state */
    sync_plog plog;                  /* matches cur when plog_ok */
    bool plog_ok;
    sl_sync_table_summary *sums;
    size_t nsums;
    bool reported;                   /* report.json written by this process */
};

void sl_sync_options_init(sl_sync_options *o)
{
    memset(o, 0, sizeof *o);
    o->orphan_age = 3600;
    o->codec = SL_PQ_CODEC_ZSTD;
    o->row_group_bytes = 8u << 20;
    o->max_parts_per_pass = 50000;
}


sl_status sl_sync_open(const sl_sync_options *opts, sl_sync **out, sl_error *err)
{
    *out = NULL;
    struct stat sb;
    if (!opts || !opts->output_dir || !opts->output_dir[0])
        return sl_error_set(err, SL_ERR_USAGE, "sync needs an output directory");
    if (stat(opts->output_dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return sl_error_set(err, SL_ERR_USAGE, "'%s' is not a directory", opts->output_dir);
    if (strlen(opts->output_dir) > 3000)
        return sl_error_set(err, SL_ERR_USAGE, "output directory path too long");
    sl_sync *s = calloc(1, sizeof *s);
    if (!s)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    s->lock_fd = -1;
    s->opts = *opts;
    if (!s->opts.row_group_bytes)
        s->opts.row_group_bytes = 8u << 20;
    if (!s->opts.max_parts_per_pass)
        s->opts.max_parts_per_pass = 50000;
    size_t n = strlen(opts->output_dir);
    while (n > 1 && opts->output_dir[n - 1] == '/')
        n--;
    sl_status st = (s->out = sync_strndup(opts->output_dir, n)) ? SL_OK : SL_ERR_NOMEM;
    s->opts.output_dir = s->out;
    if (st) {
        sl_error_set(err, st, "out of memory");
        goto fail;
    }
    if ((st = sl_statedir_open(&s->sd, s->out, opts->state_dir, err)))
        goto fail;
    if (strlen(s->sd.dir) > 3000) {
        st = sl_error_set(err, SL_ERR_USAGE, "state directory path too long");
        goto fail;
    }
    char path[4200];
    static const char *const dirs[] = {"pending", "index"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        sl_statedir_path(&s->sd, path, sizeof path, SL_STATE_SYNC, "%s", dirs[i]);
        if ((st = sl_fs_mkdirs(path, err)))
            goto fail;
    }
    sl_statedir_path(&s->sd, path, sizeof path, SL_STATE_LEDGER, NULL);
    if ((st = sl_fs_mkdirs(path, err)))
        goto fail;
    char lock[4200];
    sl_statedir_path(&s->sd, lock, sizeof lock, SL_STATE_SYNC, "lock");
    s->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (s->lock_fd < 0) {
        st = sl_error_set(err, sl_fs_status(errno), "cannot open '%s': %s", lock, strerror(errno));
        goto fail;
    }
    if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        st = errno == EWOULDBLOCK
                 ? sl_error_set(err, SL_ERR_USAGE, "another sluice sync is running on '%s'", s->out)
                 : sl_error_set(err, SL_ERR_IO, "cannot lock '%s': %s", lock, strerror(errno));
        goto fail;
    }
    if ((st = sync_state_load(&s->sd, &s->cur, err)) || (st = sync_state_recover(&s->sd, &s->cur, err)))
        goto fail;
    *out = s;
    return SL_OK;
fail:
    sl_sync_close(s);
    return st;
}

const sl_statedir *sl_sync_statedir(const sl_sync *s)
{
    return &s->sd;
}

void sl_sync_close(sl_sync *s)
{
    if (!s)
        return;
    sync_state_free(&s->cur);
    sync_plog_free(&s->plog);
    free(s->sums);
    if (s->lock_fd >= 0)
        close(s->lock_fd);   /* releases the lock */
    free(s->out);
    free(s);
}

/* ------------------------------------------------------------ the tables of a pass */

static int cmp_tab(const void *a, const void *b)
{
    return strcmp(((const sync_tab *)a)->m.name, ((const sync_tab *)b)->m.name);
}

static sync_tab *find_tab(sync_pass *p, const char *name)
{
    for (size_t i = 0; i < p->ntabs; i++)
        if (strcmp(p->tabs[i].m.name, name) == 0)
            return &p->tabs[i];
    return NULL;
}

static void free_tabs(sync_pass *p)
{
    for (size_t i = 0; i < p->ntabs; i++) {
        sync_tab *t = &p->tabs[i];
        free(t->parts);
        free(t->cols);
        free(t->skip);
        sync_index_free(&t->ix);
        sync_index_free(&t->alt);
        free(t->m.fks);
    }
    free(p->tabs);
    p->tabs = NULL;
    p->ntabs = 0;
}

/* The tables of the pass: every table of the state and of the new parts, sorted
 * by name, each with its new parts in commit order. */
static sl_status collect_tables(sl_sync *s, sync_pass *p, const sync_scan *sc, sl_error *err)
{
    size_t cap = s->cur.ntables + 8;
    p->tabs = calloc(cap, sizeof *p->tabs);
    if (!p->tabs)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < s->cur.ntables; i++)
        p->tabs[p->ntabs++].m.name = s->cur.tables[i].name;
    for (size_t i = 0; i < sc->nparts; i++) {
        if (find_tab(p, sc->parts[i].table))
            continue;
        if (p->ntabs == cap) {
            sync_tab *q = sl_grow_array(p->tabs, &cap, sizeof *q, 8);
            if (!q)
                return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
            p->tabs = q;
        }
        memset(&p->tabs[p->ntabs], 0, sizeof *p->tabs);
        p->tabs[p->ntabs++].m.name = sc->parts[i].table;
    }
    qsort(p->tabs, p->ntabs, sizeof *p->tabs, cmp_tab);
    for (size_t i = 0; i < sc->nparts; i++) {
        sync_tab *t = find_tab(p, sc->parts[i].table);
        if (t->nparts == t->pcap) {
            sync_part **q = sl_grow_array(t->parts, &t->pcap, sizeof *q, 16);
            if (!q)
                return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
            t->parts = q;
        }
        t->parts[t->nparts++] = &sc->parts[i];
    }
    /* the tables in the next state (added first: the array may move) */
    for (size_t i = 0; i < p->ntabs; i++) {
        sync_tstate *ts;
        if (!sync_state_table(p->next, p->tabs[i].m.name) &&
            sync_state_add_table(p->next, p->tabs[i].m.name, &ts))
            return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < p->ntabs; i++) {
        sync_tab *t = &p->tabs[i];
        t->ts = sync_state_table(p->next, t->m.name);
        t->old = sync_state_table(&s->cur, t->m.name);
        t->m.name = t->ts->name;      /* owned by the next state from here on */
        t->m.schema = &t->ts->schema;
    }
    return SL_OK;
}

/* Joins each new part's schema into its table's: reads every part's footer once. */
static sl_status join_schemas(sync_pass *p, sl_error *err)
{
    char path[4800];
    for (size_t i = 0; i < p->ntabs; i++) {
        sync_tab *t = &p->tabs[i];
        for (size_t k = 0; k < t->nparts; k++) {
            snprintf(path, sizeof path, "%s/%s", p->out, t->parts[k]->path);
            sl_pq_reader *r;
            sl_status st = sl_pq_reader_open(path, &r, err);
            sync_schema ps;
            if (!st)
                st = sync_schema_of_part(r, &ps, err);
            sl_pq_reader_free(r);
            if (!st) {
                st = sync_schema_join(&t->ts->schema, &ps, &t->retyped);
                sync_schema_free(&ps);
                if (st)
                    return sl_error_set(err, st, "out of memory");
                continue;
            }
            /* a committed part that cannot be read: corrupt input, named */
            if (err && !err->file[0])
                sl_error_set_file(err, path);
            return st == SL_ERR_IO || st == SL_ERR_UNSUPPORTED ? SL_ERR_CORRUPT : st;
        }
        if (p->opts->target_size && sync_reserved_name(t->m.name))
            return sl_error_set(err, SL_ERR_USAGE, "table '%s' cannot be a directory OUT/%s/ "
                                "(the name is ingest's); sync it without --target-size", t->m.name, t->m.name);
        if (sync_schema_find(&t->ts->schema, SYNC_HELD_COL) >= 0 ||
            sync_schema_find(&t->ts->schema, SYNC_ORIGIN_COL) >= 0)
            return sl_error_set(err, SL_ERR_SCHEMA, "table %s has a column named like sync's own "
                                "(" SYNC_HELD_COL ", " SYNC_ORIGIN_COL ")", t->m.name);
    }
    return SL_OK;
}

/* Keys, order, final columns; and which tables are rebuilt from their parts. */
static sl_status plan(sync_pass *p, size_t *order, sl_error *err)
{
    sync_tmodel *m = calloc(p->ntabs ? p->ntabs : 1, sizeof *m);
    if (!m)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < p->ntabs; i++)
        m[i] = p->tabs[i].m;
    sl_status st = sync_model_build(m, p->ntabs);
    if (!st)
        st = sync_model_order(m, p->ntabs, order);
    for (size_t i = 0; i < p->ntabs; i++)
        p->tabs[i].m = m[i];     /* the fks arrays move into the tabs */
    free(m);
    if (st)
        return sl_error_set(err, st, "out of memory");
    for (size_t i = 0; i < p->ntabs; i++) {
        sync_tab *t = &p->tabs[i];
        size_t n = t->ts->schema.ncols;
        t->cols = calloc(n ? n : 1, sizeof *t->cols);
        t->skip = calloc(n ? n : 1, sizeof *t->skip);
        if (!t->cols || !t->skip)
            return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        sync_schema_columns(&t->ts->schema, t->cols);
        /* the synthetic columns are where a row was, not what it is, except in
         * a child table, whose key they are */
        for (size_t c = 0; c < n; c++)
            t->skip[c] = t->ts->schema.cols[c].synthetic && !t->m.child;
        /* an index hashed with other types or another key cannot be trusted */
        if (t->old && (t->retyped || !t->old->has_index ||
                       sync_table_sig(p, t, t->old->index_ncols) != t->old->index_sig))
            t->rebuild = true;
    }
    return SL_OK;
}

static sl_status lineage_ledgers(sync_pass *p)
{
    sl_buf *b = &p->lineage;
    sl_status st = sl_buf_puts(b, "\"ledgers\":[");
    for (size_t i = 0; !st && i < p->next->nledgers; i++) {
        const sync_ledger_pos *l = &p->next->ledgers[i];
        if ((i && (st = sl_buf_putc(b, ','))) || (st = sl_buf_puts(b, "{\"name\":")) ||
            (st = sl_json_write_string(b, l->name, strlen(l->name))))
            break;
        st = sl_buf_printf(b, ",\"lines\":%llu}", (unsigned long long)l->lines);
    }
    if (!st)
        st = sl_buf_putc(b, ']');
    return st ? st : sl_buf_putc(b, '\0');
}

/* ------------------------------------------------------------ commit */

static sl_status fsync_tmp_dirs(sync_pass *p, sl_error *err)
{
    /* the directories the new files were created in, so that their names survive
     * a power loss before the renames are done */
    char dir[4800];
    sl_status st = sl_fs_sync_dir(p->out, err);
    sl_statedir_path(p->sd, dir, sizeof dir, SL_STATE_SYNC, "pending");
    if (!st)
        st = sl_fs_sync_dir(dir, err);
    sl_statedir_path(p->sd, dir, sizeof dir, SL_STATE_SYNC, "index");
    if (!st)
        st = sl_fs_sync_dir(dir, err);
    for (size_t i = 0; !st && i < p->ntabs; i++) {
        if (!p->tabs[i].written || !p->opts->target_size)
            continue;
        snprintf(dir, sizeof dir, "%s/%s", p->out, p->tabs[i].m.name);
        st = sl_fs_sync_dir(dir, err);
    }
    return st;
}

static sl_status commit(sl_sync *s, sync_pass *p, sl_error *err)
{
    sl_status st = SL_OK;
    if (p->conflicts) {
        if (fflush(p->conflicts) != 0 || fsync(fileno(p->conflicts)) != 0)
            st = sl_error_set(err, sl_fs_status(errno), "cannot write conflicts.jsonl: %s", strerror(errno));
        long end = ftell(p->conflicts);
        if (!st && end < 0)
            st = sl_error_set(err, SL_ERR_IO, "conflicts.jsonl: %s", strerror(errno));
        if (!st)
            p->next->conflicts_bytes = (uint64_t)end;
    }
    if (!st)
        st = sync_plog_flush(&s->plog, &s->sd, &p->next->parts_bytes, err);
    p->next->nparts = s->plog.n;
    if (!st)
        st = fsync_tmp_dirs(p, err);
    sync_test_crash("before-commit");
    if (!st)
        st = sync_state_save(&s->sd, p->next, err);     /* the commit */
    if (st)
        return st;
    sync_test_crash("after-commit");
    /* committed: from here on the pass stands, and a failure of the renames is
     * finished by the next start */
    sl_status rst = sync_state_recover(&s->sd, p->next, err);
    sync_state_free(&s->cur);
    s->cur = *p->next;
    memset(p->next, 0, sizeof *p->next);
    return rst;
}

/* Undoes what a failed pass wrote: its temporary files. The logs are cut back to
 * their committed lengths by the recovery that starts the next pass. */
static void abandon(sl_sync *s, sync_pass *p)
{
    char path[4800];
    for (size_t i = 0; p->next && i < p->next->nops; i++)
        if (p->next->ops[i].to) {
            sync_abs_path(p, p->next->ops[i].from, path);
            unlink(path);
        }
    sync_plog_free(&s->plog);
    s->plog_ok = false;
}

/* ------------------------------------------------------------ summary */

static sl_status summarize(sl_sync *s, sync_pass *p, const sync_scan *sc, sl_sync_summary *sum)
{
    if (s->nsums < p->ntabs) {
        sl_sync_table_summary *q = realloc(s->sums, p->ntabs * sizeof *q);
        if (!q)
            return SL_ERR_NOMEM;
        s->sums = q;
        s->nsums = p->ntabs;
    }
    memset(sum, 0, sizeof *sum);
    for (size_t i = 0; i < p->ntabs; i++) {
        const sync_tab *t = &p->tabs[i];
        const sync_tstate *ts = sync_state_table(&s->cur, t->m.name);
        sl_sync_table_summary *o = &s->sums[i];
        memset(o, 0, sizeof *o);
        o->name = ts->name;
        o->rows = ts->rows;
        o->rows_pass = t->rows_pass;
        o->duplicates = ts->dups;
        o->duplicates_pass = t->dups_pass;
        o->conflicts = ts->conflicts;
        o->conflicts_pass = t->conflicts_pass;
        o->dropped_with_parent = ts->dropped;
        o->pending = ts->pending;
        o->orphans = t->orphans;
        o->parts = ts->parts;
        o->written = t->written;
        o->row_groups_copied = t->groups_copied;
        if (ts->pending && ts->pending_oldest)
            o->oldest_pending_age = (double)(p->now - ts->pending_oldest) / 1e6;
        sum->rows_pass += o->rows_pass;
        sum->duplicates_pass += o->duplicates_pass;
        sum->conflicts_pass += o->conflicts_pass;
        sum->pending += o->pending;
        sum->orphans += o->orphans;
        if (o->oldest_pending_age > sum->oldest_pending_age)
            sum->oldest_pending_age = o->oldest_pending_age;
    }
    sum->generation = s->cur.gen;
    sum->commits_pass = sc->commits;
    sum->parts_pass = sc->nparts;
    sum->parts = s->cur.nparts;
    sum->ignored_lines = sc->ignored;
    sum->more = sc->more;
    sum->seconds = (double)(sync_now_us() - p->now) / 1e6;
    sum->ntables = p->ntabs;
    sum->tables = s->sums;
    return SL_OK;
}

/* ------------------------------------------------------------ the pass */

sl_status sl_sync_pass(sl_sync *s, sl_sync_summary *out_sum, sl_error *err)
{
    sync_pass p;
    memset(&p, 0, sizeof p);
    p.opts = &s->opts;
    p.out = s->out;
    p.sd = &s->sd;
    p.now = sync_now_us();
    sl_buf_init(&p.orphans, 0);
    sl_buf_init(&p.lineage, 0);
    sync_state next;
    memset(&next, 0, sizeof next);
    sync_scan sc;
    memset(&sc, 0, sizeof sc);
    size_t *order = NULL;

    /* whatever a crashed or failed pass left, first */
    sl_status st = sync_state_recover(&s->sd, &s->cur, err);
    if (!st && !s->plog_ok) {
        if (!(st = sync_plog_load(&s->sd, &s->cur, &s->plog, err)))
            s->plog_ok = true;
    }
    if (!st && (st = sync_state_copy(&next, &s->cur)))
        sl_error_set(err, st, "out of memory");
    if (st)
        goto done;
    next.gen = s->cur.gen + 1;
    p.next = &next;
    p.plog = &s->plog;
    p.plog_start = (uint32_t)s->plog.n;
    if ((st = sync_ledger_scan(&s->sd, &next, &s->plog, s->opts.max_parts_per_pass, &sc, err)) ||
        (st = collect_tables(s, &p, &sc, err)) || (st = join_schemas(&p, err)))
        goto done;
    order = calloc(p.ntabs ? p.ntabs : 1, sizeof *order);
    if (!order) {
        st = sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((st = plan(&p, order, err)) || (st = lineage_ledgers(&p)))
        goto done;
    for (size_t i = 0; !st && i < p.ntabs; i++)
        st = sync_table_run(&p, &p.tabs[order[i]], err);
    sync_pass_kept_close(&p);
    if (st)
        goto done;
    bool dirty = sc.commits > 0 || next.nops > 0;
    if (dirty) {
        if ((st = commit(s, &p, err)))
            goto done;
        p.next = NULL;
    } else {
        /* nothing new: the committed state stands as it is (and every table of
         * the pass is one of its tables, since no part was new) */
        for (size_t i = 0; i < p.ntabs; i++) {
            p.tabs[i].ts = sync_state_table(&s->cur, p.tabs[i].m.name);
            p.tabs[i].m.name = p.tabs[i].ts->name;
            p.tabs[i].m.schema = &p.tabs[i].ts->schema;
        }
        sync_state_free(&next);
        p.next = NULL;
    }
    sl_sync_summary sum;
    if (summarize(s, &p, &sc, &sum)) {
        st = sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        goto done;
    }
    /* the report is rewritten when there is news, when pending rows age, and
     * once by every process (a crash may have come between commit and report) */
    if (dirty || sum.pending || !s->reported) {
        st = sync_report_write(&p, &sum, err);
        s->reported = !st;
    }
    if (out_sum)
        *out_sum = sum;
done:
    if (st)
        abandon(s, &p);
    if (p.conflicts)
        fclose(p.conflicts);
    sync_pass_kept_close(&p);
    free(order);
    free_tabs(&p);
    sync_scan_free(&sc);
    sync_state_free(&next);
    sl_buf_free(&p.orphans);
    sl_buf_free(&p.lineage);
    return st;
}
