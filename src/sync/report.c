/* What a pass tells: the conflict records (<state>/sync/conflicts.jsonl, one JSON
 * object per line, appended), the orphans, and <state>/sync/report.json.
 *
 * A conflict record names the key, the row that stays (the first committed) and
 * the row that was rejected, each with the part and commit it came from and its
 * values in the final table's types:
 *   {"at":"...","table":"students","key":{"student_id":"S1"},
 *    "kept":{"part":"raw/students/part-a.parquet","commit":"c1","row":{...}},
 *    "rejected":{"part":"raw/students/part-b.parquet","commit":"c2","row":{...}}}
 * The kept row is read back from its part (cached for the next conflict). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sluice/sluice.h"
#include "sync/pass.h"

#define MAX_ORPHANS_LISTED 100

static void kept_part_close(sync_pass *p)
{
    if (p->kept_open)
        sync_src_close(&p->kept_src);
    sync_index_free(&p->kept_rows);
    p->kept_open = false;
}

void sync_pass_kept_close(sync_pass *p)
{
    kept_part_close(p);
    if (p->kept_tab)
        sync_row_free(&p->kept_row);
    p->kept_tab = NULL;
    sl_buf_free(&p->line);
}

/* Loads the row of part `origin` whose key is key into row; *found says whether
 * there is one. */
static sl_status kept_row(sync_pass *p, sync_tab *t, uint32_t origin, sync_hkey key, sync_row *row,
                          bool *found, sl_error *err)
{
    *found = false;
    if (origin == SYNC_ORIGIN_NONE || origin >= p->plog->n)
        return SL_OK;
    sl_status st = SL_OK;
    if (!p->kept_open || p->kept_origin != origin) {
        kept_part_close(p);
        char path[4800];
        snprintf(path, sizeof path, "%s/%s", p->out, p->plog->e[origin].path);
        if ((st = sync_src_open(&p->kept_src, path, t->cols, t->ts->schema.ncols, err)))
            return st;
        p->kept_open = true;
        p->kept_origin = origin;
        while (!st && (st = sync_src_next_group(&p->kept_src, err)) == SL_OK) {
            for (uint64_t r = 0; !st && r < p->kept_src.rows; r++) {
                sync_hkey k;
                bool null;
                if (!(st = sync_row_load(row, &p->kept_src, r)) &&
                    !(st = sync_row_key(row, &t->m.key, &k, &null)) && !null &&
                    !sync_index_get(&p->kept_rows, k))
                    st = sync_index_set(&p->kept_rows, k, (uint64_t)p->kept_src.rg << 32 | r, 0,
                                        SYNC_PUBLISHED);
            }
        }
        if (st == SL_EOF)
            st = SL_OK;
        if (st) {
            kept_part_close(p);
            return st;
        }
    }
    const sync_entry *e = sync_index_get(&p->kept_rows, key);
    if (!e)
        return SL_OK;
    size_t rg = (size_t)(e->content >> 32);
    if (p->kept_src.rg != rg && (st = sync_src_group(&p->kept_src, rg, err)))
        return st;
    if ((st = sync_row_load(row, &p->kept_src, e->content & 0xffffffffu)))
        return st;
    *found = true;
    return SL_OK;
}

static sl_status key_json(const sync_tab *t, sync_row *row, sl_buf *out)
{
    if (t->m.key.kind == SYNC_KEY_NONE)
        return sl_buf_puts(out, "null");
    sl_status st = sl_buf_putc(out, '{');
    for (size_t i = 0; !st && i < t->m.key.n; i++) {
        size_t c = t->m.key.cols[i];
        if ((i && (st = sl_buf_putc(out, ','))) ||
            (st = sl_json_write_string(out, row->cols[c].name, strlen(row->cols[c].name))) ||
            (st = sl_buf_putc(out, ':')))
            break;
        st = sync_value_json(&row->cols[c], &row->v[c], &row->etmp, out);
    }
    return st ? st : sl_buf_putc(out, '}');
}

/* "table":"<name>","key":{...} */
static sl_status table_key_json(const sync_tab *t, sync_row *row, sl_buf *out)
{
    sl_status st = sl_buf_puts(out, "\"table\":");
    if (!st)
        st = sl_json_write_string(out, t->m.name, strlen(t->m.name));
    if (!st)
        st = sl_buf_puts(out, ",\"key\":");
    return st ? st : key_json(t, row, out);
}

static sl_status part_json(const sync_pass *p, uint32_t origin, sl_buf *out)
{
    if (origin == SYNC_ORIGIN_NONE || origin >= p->plog->n)
        return sl_buf_puts(out, "\"part\":null,\"commit\":null");
    const sync_plog_entry *e = &p->plog->e[origin];
    sl_status st = sl_buf_puts(out, "\"part\":");
    if (!st)
        st = sl_json_write_string(out, e->path, strlen(e->path));
    if (!st)
        st = sl_buf_puts(out, ",\"commit\":");
    return st ? st : sl_json_write_string(out, e->commit, strlen(e->commit));
}

sl_status sync_report_conflict(sync_pass *p, sync_tab *t, sync_row *row, sync_hkey key,
                               uint32_t kept_origin, uint32_t origin, sl_error *err)
{
    if (!p->conflicts) {
        char path[4200];
        sl_statedir_path(p->sd, path, sizeof path, SL_STATE_SYNC, "conflicts.jsonl");
        int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
        if (fd < 0 || !(p->conflicts = fdopen(fd, "a"))) {
            int e = errno;
            if (fd >= 0)
                close(fd);
            return sl_error_set(err, sl_fs_status(e), "cannot open '%s': %s", path, strerror(e));
        }
    }
    if (p->kept_tab != t) {
        /* the kept row is read in the columns of the table at hand */
        if (p->kept_tab)
            sync_row_free(&p->kept_row);
        p->kept_tab = NULL;
        kept_part_close(p);
        if (sync_row_init(&p->kept_row, t->cols, t->ts->schema.ncols))
            return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        p->kept_tab = t;
    }
    sl_buf *b = &p->line;
    sl_buf_clear(b);
    char at[48];
    sync_format_time(p->now, at);
    sl_status st = sl_buf_printf(b, "{\"at\":\"%s\",", at);
    if (!st)
        st = table_key_json(t, row, b);
    if (!st)
        st = sl_buf_puts(b, ",\"rejected\":{");
    if (!st)
        st = part_json(p, origin, b);
    if (!st)
        st = sl_buf_puts(b, ",\"row\":");
    if (!st)
        st = sync_row_json(row, b);
    if (!st)
        st = sl_buf_puts(b, "},\"kept\":{");
    if (!st)
        st = part_json(p, kept_origin, b);
    if (!st)
        st = sl_buf_puts(b, ",\"row\":");
    if (st)
        return sl_error_set(err, st, "out of memory");
    /* the kept row, read back from its part */
    bool found = false;
    st = kept_row(p, t, kept_origin, key, &p->kept_row, &found, err);
    if (!st)
        st = found ? sync_row_json(&p->kept_row, b) : sl_buf_puts(b, "null");
    if (!st)
        st = sl_buf_puts(b, "}}\n");
    if (!st && fwrite(b->data, 1, b->len, p->conflicts) != b->len)
        st = sl_error_set(err, sl_fs_status(errno), "cannot append to conflicts.jsonl: %s",
                          strerror(errno));
    return st;
}

sl_status sync_report_orphan(sync_pass *p, sync_tab *t, sync_row *row, int64_t held,
                             uint32_t origin)
{
    if (p->orphans_listed >= MAX_ORPHANS_LISTED)
        return SL_OK;
    sl_buf *b = &p->orphans;
    char at[48];
    sync_format_time(held, at);
    sl_status st = sl_buf_puts(b, p->orphans_listed ? ",\n    {" : "\n    {");
    if (!st)
        st = table_key_json(t, row, b);
    if (!st)
        st = sl_buf_puts(b, ",\"missing\":{");
    /* the references that do not resolve, as "column":value */
    for (size_t f = 0; !st && f < t->m.nfks; f++) {
        const sync_fk *fk = &t->m.fks[f];
        const sync_index *ix = sync_fk_index(p, fk);
        sync_hkey k;
        bool null;
        if ((st = sync_value_key(&row->cols[fk->col], &row->v[fk->col], &row->scratch, &k, &null)) || null)
            continue;
        const sync_entry *e = sync_index_get(ix, k);
        if (e && SYNC_STATE(e) == SYNC_PUBLISHED)
            continue;
        const char *name = row->cols[fk->col].name;
        if ((b->data[b->len - 1] != '{' && (st = sl_buf_putc(b, ','))) ||
            (st = sl_json_write_string(b, name, strlen(name))) || (st = sl_buf_putc(b, ':')))
            break;
        st = sync_value_json(&row->cols[fk->col], &row->v[fk->col], &row->etmp, b);
    }
    if (!st)
        st = sl_buf_printf(b, "},\"held_since\":\"%s\",\"age_seconds\":%.0f,", at,
                           (double)(p->now - held) / 1e6);
    if (!st)
        st = part_json(p, origin, b);
    if (!st)
        st = sl_buf_putc(b, '}');
    p->orphans_listed++;
    return st;
}

/* ------------------------------------------------------------ report.json */

static sl_status table_json(const sync_pass *p, const sync_tab *t, const sl_sync_table_summary *s,
                            sl_buf *b)
{
    sl_status st = sl_json_write_string(b, t->m.name, strlen(t->m.name));
    if (!st)
        st = sl_buf_printf(b,
                           ":{\"rows\":%llu,\"rows_this_pass\":%llu,\"duplicates_dropped\":%llu,"
                           "\"duplicates_this_pass\":%llu,\"conflicts\":%llu,\"conflicts_this_pass\":%llu,"
                           "\"dropped_with_parent\":%llu,\"pending\":%llu,\"orphans\":%llu,"
                           "\"oldest_pending_age_seconds\":%.3f,\"parts\":%llu,\"row_groups_copied_this_pass\":%llu,"
                           "\"columns\":%zu,\"key\":[",
                           (unsigned long long)s->rows, (unsigned long long)s->rows_pass,
                           (unsigned long long)s->duplicates, (unsigned long long)s->duplicates_pass,
                           (unsigned long long)s->conflicts, (unsigned long long)s->conflicts_pass,
                           (unsigned long long)s->dropped_with_parent, (unsigned long long)s->pending,
                           (unsigned long long)s->orphans, s->oldest_pending_age,
                           (unsigned long long)s->parts, (unsigned long long)s->row_groups_copied,
                           t->ts->schema.ncols);
    for (size_t i = 0; !st && i < t->m.key.n; i++) {
        const char *c = t->ts->schema.cols[t->m.key.cols[i]].name;
        if (!(st = i ? sl_buf_putc(b, ',') : SL_OK))
            st = sl_json_write_string(b, c, strlen(c));
    }
    if (!st)
        st = sl_buf_puts(b, "],\"references\":[");
    for (size_t f = 0; !st && f < t->m.nfks; f++) {
        const sync_fk *fk = &t->m.fks[f];
        const char *c = t->ts->schema.cols[fk->col].name;
        const char *tn = p->tabs[fk->target].m.name;
        if ((f && (st = sl_buf_putc(b, ','))) || (st = sl_buf_puts(b, "{\"column\":")) ||
            (st = sl_json_write_string(b, c, strlen(c))) || (st = sl_buf_puts(b, ",\"table\":")) ||
            (st = sl_json_write_string(b, tn, strlen(tn))))
            break;
        st = sl_buf_printf(b, ",\"column_there\":\"%s\"}",
                           fk->to_key ? "_key"
                                      : p->tabs[fk->target].ts->schema.cols[p->tabs[fk->target].m.key.cols[0]].name);
    }
    if (!st)
        st = sl_buf_puts(b, "],\"files\":[");
    for (size_t i = 0; !st && i < t->ts->nfiles; i++) {
        if (!(st = i ? sl_buf_putc(b, ',') : SL_OK))
            st = sl_json_write_string(b, t->ts->files[i].name, strlen(t->ts->files[i].name));
    }
    return st ? st : sl_buf_puts(b, "]}");
}

sl_status sync_report_write(sync_pass *p, const sl_sync_summary *sum, sl_error *err)
{
    sl_buf b;
    sl_buf_init(&b, 0);
    char at[48];
    sync_format_time(p->now, at);
    uint64_t rows = 0, dups = 0, conflicts = 0;
    for (size_t i = 0; i < sum->ntables; i++) {
        rows += sum->tables[i].rows;
        dups += sum->tables[i].duplicates;
        conflicts += sum->tables[i].conflicts;
    }
    sl_status st = sl_buf_printf(
        &b,
        "{\n  \"tool\": \"sluice sync " SL_VERSION "\",\n  \"at\": \"%s\",\n  \"generation\": %llu,\n"
        "  \"pass\": {\"seconds\": %.3f, \"commits\": %llu, \"parts\": %llu, \"rows\": %llu, "
        "\"duplicates\": %llu, \"conflicts\": %llu, \"ignored_ledger_lines\": %llu, \"complete\": %s},\n"
        "  \"parts_published\": %llu,\n  \"orphan_age_seconds\": %llu,\n"
        "  \"totals\": {\"rows\": %llu, \"duplicates_dropped\": %llu, \"conflicts\": %llu, "
        "\"pending\": %llu, \"orphans\": %llu, \"oldest_pending_age_seconds\": %.3f},\n"
        "  \"conflicts_file\": ",
        at, (unsigned long long)sum->generation, sum->seconds, (unsigned long long)sum->commits_pass,
        (unsigned long long)sum->parts_pass, (unsigned long long)sum->rows_pass,
        (unsigned long long)sum->duplicates_pass, (unsigned long long)sum->conflicts_pass,
        (unsigned long long)sum->ignored_lines, sum->more ? "false" : "true",
        (unsigned long long)sum->parts, (unsigned long long)p->opts->orphan_age,
        (unsigned long long)rows, (unsigned long long)dups, (unsigned long long)conflicts,
        (unsigned long long)sum->pending, (unsigned long long)sum->orphans, sum->oldest_pending_age);
    /* relative to OUT in the default layout (as it always was), else where it is */
    char conflicts_file[4200];
    if (p->sd->custom)
        sl_statedir_path(p->sd, conflicts_file, sizeof conflicts_file, SL_STATE_SYNC, "conflicts.jsonl");
    else
        snprintf(conflicts_file, sizeof conflicts_file, "%s", SYNC_DIR "/conflicts.jsonl");
    if (!st)
        st = sl_json_write_string(&b, conflicts_file, strlen(conflicts_file));
    if (!st)
        st = sl_buf_puts(&b, ",\n  \"tables\": {");
    for (size_t i = 0; !st && i < p->ntabs; i++) {
        if ((st = sl_buf_puts(&b, i ? ",\n    " : "\n    ")))
            break;
        st = table_json(p, &p->tabs[i], &sum->tables[i], &b);
    }
    if (!st)
        st = sl_buf_printf(&b, "\n  },\n  \"orphans_listed\": %llu,\n  \"orphans\": [",
                           (unsigned long long)p->orphans_listed);
    if (!st && p->orphans.len)
        st = sl_buf_append(&b, p->orphans.data, p->orphans.len);
    if (!st)
        st = sl_buf_puts(&b, p->orphans.len ? "\n  ]\n}\n" : "]\n}\n");
    if (st) {
        sl_buf_free(&b);
        return sl_error_set(err, st, "building report.json: %s", sl_strerror(st));
    }
    char path[4200];
    sl_statedir_path(p->sd, path, sizeof path, SL_STATE_SYNC, "report.json");
    st = sl_fs_write_atomic(path, b.data, b.len, err);
    sl_buf_free(&b);
    return st;
}
