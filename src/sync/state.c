/* Sync's state and how a pass commits.
 *
 * <state>/sync/state.json is the single commit point of a pass. It holds the
 * generation (one more per committed pass), how far each ledger has been
 * consumed, the committed lengths of the two append-only logs (parts.jsonl,
 * conflicts.jsonl), and per table its schema, files, counters and index
 * signature; and the list of renames that publish the pass's files.
 *
 * A pass, in order:
 *   1. writes every new file under a temporary name that carries the new
 *      generation (.students.parquet.sync7.tmp, pending/.students.parquet.sync7.tmp,
 *      index/.students.idx.sync7.tmp), closes and fsyncs it; appends to the logs
 *      and fsyncs them;
 *   2. writes state.json (generation 7, listing those renames) through a
 *      temporary file, fsync, rename, fsync of the directory: the commit;
 *   3. does the renames (each atomic: a reader sees the old table or the new one,
 *      never a part of one), fsyncs the directories.
 * A crash before 2 leaves the old state and the old tables: the next start
 * removes the temporary files and cuts the logs back to their committed lengths,
 * and the next pass redoes the work from the same ledger offsets, so nothing is
 * lost or published twice. A crash after 2 leaves a state that is ahead of some
 * tables: the next start (sync_state_recover) finishes the renames whose
 * temporary file still exists. A renamed file's temporary name is gone, so a
 * rename is never done twice, and a name carries its generation, so no later
 * pass can reuse it.
 *
 * A table is therefore never newer than the state: tables are renamed only after
 * the state that describes them is durable. Each final file also carries its
 * generation in its metadata ("sluice.sync.generation"); a table that is missing,
 * or whose file says another generation than the state (restored from a backup,
 * copied by hand), is rebuilt from its raw parts by the next pass (sync.c), since
 * a table is a function of the committed parts in commit order. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/grow.h"
#include "sync/sync_int.h"

/* ------------------------------------------------------------ the structure */

static void tstate_free(sync_tstate *t)
{
    free(t->name);
    sync_schema_free(&t->schema);
    sync_tstate_clear_files(t);
    free(t->files);
    memset(t, 0, sizeof *t);
}

void sync_state_free(sync_state *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nledgers; i++)
        free(s->ledgers[i].name);
    free(s->ledgers);
    for (size_t i = 0; i < s->ntables; i++)
        tstate_free(&s->tables[i]);
    free(s->tables);
    for (size_t i = 0; i < s->nops; i++) {
        free(s->ops[i].from);
        free(s->ops[i].to);
    }
    free(s->ops);
    memset(s, 0, sizeof *s);
}

void sync_tstate_clear_files(sync_tstate *t)
{
    for (size_t i = 0; i < t->nfiles; i++)
        free(t->files[i].name);
    t->nfiles = 0;
}

sl_status sync_tstate_add_file(sync_tstate *t, const char *name, uint64_t rows, uint64_t bytes,
                               bool full)
{
    if (t->nfiles == t->fcap) {
        sync_file *p = sl_grow_array(t->files, &t->fcap, sizeof *p, 4);
        if (!p)
            return SL_ERR_NOMEM;
        t->files = p;
    }
    char *n = sync_strdup(name);
    if (!n)
        return SL_ERR_NOMEM;
    t->files[t->nfiles++] = (sync_file){n, rows, bytes, full};
    return SL_OK;
}

sync_tstate *sync_state_table(sync_state *s, const char *name)
{
    for (size_t i = 0; i < s->ntables; i++)
        if (strcmp(s->tables[i].name, name) == 0)
            return &s->tables[i];
    return NULL;
}

sl_status sync_state_add_table(sync_state *s, const char *name, sync_tstate **out)
{
    if (s->ntables == s->tcap) {
        sync_tstate *p = sl_grow_array(s->tables, &s->tcap, sizeof *p, 8);
        if (!p)
            return SL_ERR_NOMEM;
        s->tables = p;
    }
    sync_tstate *t = &s->tables[s->ntables];
    memset(t, 0, sizeof *t);
    if (!(t->name = sync_strdup(name)))
        return SL_ERR_NOMEM;
    s->ntables++;
    *out = t;
    return SL_OK;
}

sl_status sync_state_add_ledger(sync_state *s, const char *name, size_t len, sync_ledger_pos **out)
{
    if (s->nledgers == s->lcap) {
        sync_ledger_pos *p = sl_grow_array(s->ledgers, &s->lcap, sizeof *p, 4);
        if (!p)
            return SL_ERR_NOMEM;
        s->ledgers = p;
    }
    sync_ledger_pos *l = &s->ledgers[s->nledgers];
    memset(l, 0, sizeof *l);
    if (!(l->name = sync_strndup(name, len)))
        return SL_ERR_NOMEM;
    s->nledgers++;
    *out = l;
    return SL_OK;
}

sl_status sync_state_add_op(sync_state *s, const char *from, const char *to)
{
    if (s->nops == s->ocap) {
        sync_op *p = sl_grow_array(s->ops, &s->ocap, sizeof *p, 16);
        if (!p)
            return SL_ERR_NOMEM;
        s->ops = p;
    }
    sync_op op = {sync_strdup(from), to ? sync_strdup(to) : NULL};
    if (!op.from || (to && !op.to)) {
        free(op.from);
        free(op.to);
        return SL_ERR_NOMEM;
    }
    s->ops[s->nops++] = op;
    return SL_OK;
}

sl_status sync_state_copy(sync_state *dst, const sync_state *src)
{
    memset(dst, 0, sizeof *dst);
    dst->gen = src->gen;
    dst->nparts = src->nparts;
    dst->parts_bytes = src->parts_bytes;
    dst->conflicts_bytes = src->conflicts_bytes;
    sl_status st = SL_OK;
    for (size_t i = 0; !st && i < src->nledgers; i++) {
        sync_ledger_pos *l;
        const sync_ledger_pos *o = &src->ledgers[i];
        if (!(st = sync_state_add_ledger(dst, o->name, strlen(o->name), &l))) {
            l->offset = o->offset;
            l->lines = o->lines;
            l->tail_hash = o->tail_hash;
        }
    }
    for (size_t i = 0; !st && i < src->ntables; i++) {
        const sync_tstate *o = &src->tables[i];
        sync_tstate *t;
        if ((st = sync_state_add_table(dst, o->name, &t)))
            break;
        char *name = t->name;
        *t = *o;
        t->name = name;
        t->files = NULL;
        t->nfiles = t->fcap = 0;
        memset(&t->schema, 0, sizeof t->schema);
        st = sync_schema_copy(&t->schema, &o->schema);
        for (size_t f = 0; !st && f < o->nfiles; f++)
            st = sync_tstate_add_file(t, o->files[f].name, o->files[f].rows, o->files[f].bytes,
                                      o->files[f].full);
    }
    /* ops are not copied: a new state lists its own */
    if (st)
        sync_state_free(dst);
    return st;
}

/* ------------------------------------------------------------ state.json */

/* A path of the ops (relative to OUT, "_sluice/..." in the state directory). */
static char *path_in(const sl_statedir *sd, const char *rel, char *buf, size_t n)
{
    sl_statedir_resolve(sd, rel, buf, n);
    return buf;
}

static char *sync_path(const sl_statedir *sd, const char *name, char *buf, size_t n)
{
    if (*name)
        sl_statedir_path(sd, buf, n, SL_STATE_SYNC, "%s", name);
    else
        sl_statedir_path(sd, buf, n, SL_STATE_SYNC, NULL);
    return buf;
}

static sl_status put_hex(sl_buf *b, uint64_t v)
{
    return sl_buf_printf(b, "\"%016llx\"", (unsigned long long)v);
}

sl_status sync_state_save(const sl_statedir *sd, const sync_state *s, sl_error *err)
{
    sl_buf b;
    sl_buf_init(&b, 0);
    char at[48];
    sync_format_time(sync_now_us(), at);
    sl_status st = sl_buf_printf(&b,
                                 "{\"version\":1,\"generation\":%llu,\"at\":\"%s\",\"ledgers\":[",
                                 (unsigned long long)s->gen, at);
    for (size_t i = 0; !st && i < s->nledgers; i++) {
        const sync_ledger_pos *l = &s->ledgers[i];
        st = sl_buf_puts(&b, i ? ",\n  {\"name\":" : "\n  {\"name\":");
        if (!st)
            st = sl_json_write_string(&b, l->name, strlen(l->name));
        if (!st)
            st = sl_buf_printf(&b, ",\"offset\":%llu,\"lines\":%llu,\"tail\":",
                               (unsigned long long)l->offset, (unsigned long long)l->lines);
        if (!st)
            st = put_hex(&b, l->tail_hash);
        if (!st)
            st = sl_buf_putc(&b, '}');
    }
    if (!st)
        st = sl_buf_printf(&b, "],\n\"parts\":{\"count\":%llu,\"bytes\":%llu},\"conflicts_bytes\":%llu,"
                               "\n\"tables\":[",
                           (unsigned long long)s->nparts, (unsigned long long)s->parts_bytes,
                           (unsigned long long)s->conflicts_bytes);
    for (size_t i = 0; !st && i < s->ntables; i++) {
        const sync_tstate *t = &s->tables[i];
        st = sl_buf_puts(&b, i ? ",\n  {\"name\":" : "\n  {\"name\":");
        if (!st)
            st = sl_json_write_string(&b, t->name, strlen(t->name));
        if (!st)
            st = sl_buf_printf(&b,
                               ",\"generation\":%llu,\"target_size\":%llu,\"rows\":%llu,\"parts\":%llu,"
                               "\"duplicates\":%llu,\"conflicts\":%llu,\"dropped_with_parent\":%llu,"
                               "\"pending\":%llu,\"pending_oldest\":%lld,\"index\":",
                               (unsigned long long)t->gen, (unsigned long long)t->target_size,
                               (unsigned long long)t->rows, (unsigned long long)t->parts,
                               (unsigned long long)t->dups, (unsigned long long)t->conflicts,
                               (unsigned long long)t->dropped, (unsigned long long)t->pending,
                               (long long)t->pending_oldest);
        if (!st && t->has_index) {
            st = sl_buf_puts(&b, "{\"sig\":");
            if (!st)
                st = put_hex(&b, t->index_sig);
            if (!st)
                st = sl_buf_printf(&b, ",\"columns\":%u,\"generation\":%llu}", t->index_ncols,
                                   (unsigned long long)t->index_gen);
        } else if (!st) {
            st = sl_buf_puts(&b, "null");
        }
        if (!st)
            st = sl_buf_puts(&b, ",\"files\":[");
        for (size_t f = 0; !st && f < t->nfiles; f++) {
            const sync_file *fl = &t->files[f];
            st = sl_buf_puts(&b, f ? ",{\"name\":" : "{\"name\":");
            if (!st)
                st = sl_json_write_string(&b, fl->name, strlen(fl->name));
            if (!st)
                st = sl_buf_printf(&b, ",\"rows\":%llu,\"bytes\":%llu,\"full\":%s}",
                                   (unsigned long long)fl->rows, (unsigned long long)fl->bytes,
                                   fl->full ? "true" : "false");
        }
        if (!st)
            st = sl_buf_puts(&b, "],\"schema\":");
        if (!st)
            st = sync_schema_json(&t->schema, t->name, true, &b);
        if (!st)
            st = sl_buf_putc(&b, '}');
    }
    if (!st)
        st = sl_buf_puts(&b, "],\n\"ops\":[");
    for (size_t i = 0; !st && i < s->nops; i++) {
        const sync_op *op = &s->ops[i];
        st = sl_buf_puts(&b, i ? ",\n  {" : "\n  {");
        if (!st)
            st = sl_buf_puts(&b, op->to ? "\"rename\":" : "\"remove\":");
        if (!st)
            st = sl_json_write_string(&b, op->from, strlen(op->from));
        if (!st && op->to) {
            st = sl_buf_puts(&b, ",\"to\":");
            if (!st)
                st = sl_json_write_string(&b, op->to, strlen(op->to));
        }
        if (!st)
            st = sl_buf_putc(&b, '}');
    }
    if (!st)
        st = sl_buf_puts(&b, "]}\n");
    if (st) {
        sl_buf_free(&b);
        return sl_error_set(err, st, "building state.json: %s", sl_strerror(st));
    }
    char path[4200];
    st = sl_fs_write_atomic(sync_path(sd, "state.json", path, sizeof path), b.data,
                           b.len, err);
    sl_buf_free(&b);
    return st;
}

static bool get_u64(const sl_json_value *o, const char *key, uint64_t *out)
{
    const sl_json_value *v = sl_json_get(o, key);
    if (!v || v->type != SL_JSON_INT || v->u.num.i < 0)
        return false;
    *out = (uint64_t)v->u.num.i;
    return true;
}

static bool get_hex(const sl_json_value *o, const char *key, uint64_t *out)
{
    const sl_json_value *v = sl_json_get(o, key);
    if (!v || v->type != SL_JSON_STRING || v->u.str.len != 16)
        return false;
    uint64_t x = 0;
    for (size_t i = 0; i < 16; i++) {
        char c = v->u.str.ptr[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0)
            return false;
        x = x << 4 | (uint64_t)d;
    }
    *out = x;
    return true;
}

/* Whether o has a string member key without NUL bytes (strings are copied by
 * length: the reader does not promise a terminator). */
static bool has_str(const sl_json_value *o, const char *key)
{
    const sl_json_value *v = sl_json_get(o, key);
    return v && v->type == SL_JSON_STRING && !memchr(v->u.str.ptr, '\0', v->u.str.len);
}

static sl_status dup_str(const sl_json_value *o, const char *key, char **out)
{
    const sl_json_value *v = sl_json_get(o, key);
    if (!has_str(o, key))
        return SL_ERR_CORRUPT;
    return (*out = sync_strndup(v->u.str.ptr, v->u.str.len)) ? SL_OK : SL_ERR_NOMEM;
}

static sl_status parse_table(sync_state *s, const sl_json_value *o)
{
    char *name = NULL;
    sl_status st = dup_str(o, "name", &name);
    if (st)
        return st;
    sync_tstate *t;
    st = sync_state_add_table(s, name, &t);
    free(name);
    if (st)
        return st;
    uint64_t oldest = 0;
    const sl_json_value *po = sl_json_get(o, "pending_oldest");
    if (po && po->type == SL_JSON_INT)
        oldest = (uint64_t)po->u.num.i;
    if (!get_u64(o, "generation", &t->gen) || !get_u64(o, "target_size", &t->target_size) ||
        !get_u64(o, "rows", &t->rows) || !get_u64(o, "parts", &t->parts) ||
        !get_u64(o, "duplicates", &t->dups) || !get_u64(o, "conflicts", &t->conflicts) ||
        !get_u64(o, "dropped_with_parent", &t->dropped) || !get_u64(o, "pending", &t->pending))
        return SL_ERR_CORRUPT;
    t->pending_oldest = (int64_t)oldest;
    const sl_json_value *ix = sl_json_get(o, "index");
    if (ix && ix->type == SL_JSON_OBJECT) {
        uint64_t ncols;
        if (!get_hex(ix, "sig", &t->index_sig) || !get_u64(ix, "columns", &ncols) ||
            !get_u64(ix, "generation", &t->index_gen))
            return SL_ERR_CORRUPT;
        t->index_ncols = (uint32_t)ncols;
        t->has_index = true;
    }
    const sl_json_value *files = sl_json_get(o, "files");
    if (!files || files->type != SL_JSON_ARRAY)
        return SL_ERR_CORRUPT;
    for (size_t i = 0; i < files->u.arr.len; i++) {
        const sl_json_value *f = &files->u.arr.items[i];
        const sl_json_value *full = sl_json_get(f, "full");
        uint64_t rows, bytes;
        char *fname = NULL;
        if (!get_u64(f, "rows", &rows) || !get_u64(f, "bytes", &bytes) || (st = dup_str(f, "name", &fname)))
            return st ? st : SL_ERR_CORRUPT;
        st = sync_tstate_add_file(t, fname, rows, bytes, full && full->type == SL_JSON_TRUE);
        free(fname);
        if (st)
            return st;
    }
    return sync_schema_parse(sl_json_get(sl_json_get(o, "schema"), "columns"), &t->schema);
}

static sl_status parse_state(sync_state *s, const sl_json_value *v)
{
    uint64_t version;
    const sl_json_value *ledgers = sl_json_get(v, "ledgers");
    const sl_json_value *parts = sl_json_get(v, "parts");
    const sl_json_value *tables = sl_json_get(v, "tables");
    const sl_json_value *ops = sl_json_get(v, "ops");
    if (!get_u64(v, "version", &version) || version != 1 || !get_u64(v, "generation", &s->gen) ||
        !get_u64(v, "conflicts_bytes", &s->conflicts_bytes) || !parts ||
        !get_u64(parts, "count", &s->nparts) || !get_u64(parts, "bytes", &s->parts_bytes) ||
        !ledgers || ledgers->type != SL_JSON_ARRAY || !tables || tables->type != SL_JSON_ARRAY ||
        !ops || ops->type != SL_JSON_ARRAY)
        return SL_ERR_CORRUPT;
    sl_status st = SL_OK;
    for (size_t i = 0; !st && i < ledgers->u.arr.len; i++) {
        const sl_json_value *l = &ledgers->u.arr.items[i];
        const sl_json_value *name = sl_json_get(l, "name");
        sync_ledger_pos *p;
        if (!has_str(l, "name"))
            return SL_ERR_CORRUPT;
        if ((st = sync_state_add_ledger(s, name->u.str.ptr, name->u.str.len, &p)))
            break;
        if (!get_u64(l, "offset", &p->offset) || !get_u64(l, "lines", &p->lines) ||
            !get_hex(l, "tail", &p->tail_hash))
            return SL_ERR_CORRUPT;
    }
    for (size_t i = 0; !st && i < tables->u.arr.len; i++)
        st = parse_table(s, &tables->u.arr.items[i]);
    for (size_t i = 0; !st && i < ops->u.arr.len; i++) {
        const sl_json_value *o = &ops->u.arr.items[i];
        char *from = NULL, *to = NULL;
        if (sl_json_get(o, "rename")) {
            if ((st = dup_str(o, "rename", &from)) || (st = dup_str(o, "to", &to))) {
                free(from);
                break;
            }
        } else if ((st = dup_str(o, "remove", &from))) {
            break;
        }
        st = sync_state_add_op(s, from, to);
        free(from);
        free(to);
    }
    return st;
}

sl_status sync_state_load(const sl_statedir *sd, sync_state *s, sl_error *err)
{
    memset(s, 0, sizeof *s);
    char path[4200];
    sync_path(sd, "state.json", path, sizeof path);
    sl_buf b;
    sl_buf_init(&b, 0);
    bool missing = access(path, F_OK) != 0 && errno == ENOENT;
    sl_status st = missing ? SL_OK : sl_fs_read_file(path, (uint64_t)1 << 30, true, &b, err);
    if (st || missing) {
        sl_buf_free(&b);
        return st;
    }
    sl_json_options jo;
    sl_json_options_init(&jo);
    jo.form = SL_JSON_FORM_DOCUMENT;
    jo.max_record_size = (uint64_t)1 << 30;
    sl_json_reader *r;
    const sl_json_value *v;
    if (!(st = sl_json_reader_open_mem(b.data, b.len, path, &jo, &r, err))) {
        if (!(st = sl_json_reader_next(r, &v, err))) {
            st = parse_state(s, v);
            if (st == SL_ERR_CORRUPT)
                sl_error_set(err, st, "%s: not a sync state this version understands "
                                      "(remove %s/sync to rebuild every table)", path, sd->dir);
            else if (st)
                sl_error_set(err, st, "%s: %s", path, sl_strerror(st));
        }
        sl_json_reader_free(r);
    }
    sl_buf_free(&b);
    if (st)
        sync_state_free(s);
    return st;
}

/* ------------------------------------------------------------ recovery */

/* Whether name is one of sync's temporary files: ".<anything>.sync<digits>.tmp",
 * or what sl_fs_write_atomic leaves of state.json or report.json. */
static bool is_sync_tmp(const char *name)
{
    size_t n = strlen(name);
    if (n < 10 || name[0] != '.' || strcmp(name + n - 4, ".tmp") != 0)
        return false;
    if (strncmp(name, ".state.json.", 12) == 0 || strncmp(name, ".report.json.", 13) == 0)
        return true;
    size_t i = n - 4;
    while (i > 0 && name[i - 1] >= '0' && name[i - 1] <= '9')
        i--;
    return i < n - 4 && i >= 6 && memcmp(name + i - 5, ".sync", 5) == 0;
}

static sl_status sweep(const char *dir, bool *removed, sl_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT || errno == ENOTDIR ? SL_OK
                                                   : sl_error_set(err, SL_ERR_IO, "cannot list '%s': %s", dir, strerror(errno));
    struct dirent *de;
    sl_status st = SL_OK;
    char path[4600];
    while (!st && (de = readdir(d)) != NULL) {
        if (!is_sync_tmp(de->d_name))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (unlink(path) != 0 && errno != ENOENT)
            st = sl_error_set(err, sl_fs_status(errno), "cannot remove '%s': %s", path, strerror(errno));
        *removed = true;
    }
    closedir(d);
    return st;
}

bool sync_reserved_name(const char *name)
{
    static const char *names[] = {"raw", SL_STATE_DEFAULT, "quarantine", "processed", "duplicates"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return true;
    return false;
}

/* Cuts a log back to its committed length. A shorter log is left alone: the
 * parts log is checked when it is loaded, and a conflicts log may have been
 * emptied by its reader (the next commit records its new length). */
static sl_status truncate_to(const char *path, uint64_t len, sl_error *err)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return errno == ENOENT ? SL_OK : sl_error_set(err, SL_ERR_IO, "cannot stat '%s': %s", path, strerror(errno));
    if ((uint64_t)sb.st_size < len)
        return SL_OK;
    if ((uint64_t)sb.st_size == len)
        return SL_OK;
    if (truncate(path, (off_t)len) != 0)
        return sl_error_set(err, sl_fs_status(errno), "cannot truncate '%s': %s", path, strerror(errno));
    return sl_fs_sync_file(path, err);
}

/* The directories the ops touched, each fsynced once at the end: the renames
 * and removals of one pass must be durable before the next pass commits, or a
 * power cut could bring back a table that pass replaced under a state that
 * says otherwise. */
typedef struct dirset {
    char (*d)[4200];
    size_t n, cap;
} dirset;

static sl_status dirset_add(dirset *ds, const char *path)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    for (size_t i = 0; i < ds->n; i++)
        if (strcmp(ds->d[i], dir) == 0)
            return SL_OK;
    if (ds->n == ds->cap) {
        void *p = sl_grow_array(ds->d, &ds->cap, sizeof *ds->d, 4);
        if (!p)
            return SL_ERR_NOMEM;
        ds->d = p;
    }
    memcpy(ds->d[ds->n++], dir, sizeof dir);
    return SL_OK;
}

sl_status sync_state_recover(const sl_statedir *sd, const sync_state *s, sl_error *err)
{
    char from[4200], to[4200], dir[4200];
    sl_status st = SL_OK;
    bool renamed = false;
    dirset ds = {0};
    for (size_t i = 0; !st && i < s->nops; i++) {
        const sync_op *op = &s->ops[i];
        path_in(sd, op->from, from, sizeof from);
        if (!op->to) {
            if (unlink(from) == 0)
                st = dirset_add(&ds, from);
            else if (errno != ENOENT)
                st = sl_error_set(err, sl_fs_status(errno), "cannot remove '%s': %s", from, strerror(errno));
            continue;
        }
        path_in(sd, op->to, to, sizeof to);
        if (rename(from, to) == 0) {
            if (renamed)
                sync_test_crash("mid-publish");
            renamed = true;
            st = dirset_add(&ds, to);
        } else if (errno != ENOENT) {
            st = sl_error_set(err, sl_fs_status(errno), "cannot rename '%s' to '%s': %s", from, to,
                              strerror(errno));
        }
    }
    if (st == SL_ERR_NOMEM)
        sl_error_set(err, st, "out of memory");
    for (size_t i = 0; !st && i < ds.n; i++)
        st = sl_fs_sync_dir(ds.d[i], err);
    free(ds.d);
    if (!st)
        st = truncate_to(sync_path(sd, "parts.jsonl", dir, sizeof dir), s->parts_bytes, err);
    if (!st)
        st = truncate_to(sync_path(sd, "conflicts.jsonl", dir, sizeof dir), s->conflicts_bytes, err);
    /* temporary files of a pass that never committed */
    bool removed = false;
    static const char *dirs[] = {"", "pending", "index"};
    if (!st)
        st = sweep(sd->out, &removed, err);
    for (size_t i = 0; !st && i < sizeof dirs / sizeof dirs[0]; i++)
        st = sweep(sync_path(sd, dirs[i], dir, sizeof dir), &removed, err);
    DIR *d = st ? NULL : opendir(sd->out);
    struct dirent *de;
    while (d && !st && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' || sync_reserved_name(de->d_name) ||
            !sync_table_name_ok(de->d_name, strlen(de->d_name)))
            continue;
        struct stat sb;
        path_in(sd, de->d_name, dir, sizeof dir);
        if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode))
            st = sweep(dir, &removed, err);
    }
    if (d)
        closedir(d);
    return st;
}
