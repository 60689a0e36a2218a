/* The key index across restarts (docs/state-layout.md).
 *
 * A process that stops cleanly flushes its key index (src/ingest/keyindex.h),
 * writes <state>/work/<writer>-wkeys/manifest.json naming the runs and, for every
 * ledger, the offset up to which the runs hold its keys, and renames the directory
 * to <state>/index/saved. The next process to start renames it to its own wkeys
 * directory (the rename is the claim: one process gets it), removes the manifest
 * (from then on the runs change under it), checks the runs, and reads the ledgers
 * only from those offsets. A process that dies leaves no saved index, so the next
 * start reads every ledger from the beginning, as it always could: the saved index
 * is a cache of the ledgers, never the record. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "ingest/ingest_int.h"

#define MANIFEST_MAX (64u << 20)

static void log_event(ingest *g, sl_log_level level, const char *event, const sl_error *e,
                      uint64_t keys)
{
    sl_logrec r;
    if (sl_log_begin(&r, g->log, level, event)) {
        if (keys)
            sl_log_u64(&r, "keys", keys);
        if (e)
            sl_log_err(&r, e);
        sl_log_end(&r);
    }
}

static void index_dirs(const ingest *g, char *mine, char *saved)
{
    sl_statedir_path(&g->sd, mine, PATH_MAX, SL_STATE_WORK, "%s-wkeys", g->writer);
    sl_statedir_path(&g->sd, saved, PATH_MAX, SL_STATE_INDEX, "saved");
}

/* The runs of one index from the manifest: [[seq, keys], ...]. */
static sl_status runs_of(const sl_json_value *m, const char *name, uint64_t (**out)[2], size_t *n,
                         sl_error *err)
{
    const sl_json_value *a = sl_json_get(m, name);
    *out = NULL;
    *n = 0;
    if (!a || a->type != SL_JSON_ARRAY)
        return sl_error_set(err, SL_ERR_CORRUPT, "the manifest has no '%s'", name);
    if (a->u.arr.len && !(*out = calloc(a->u.arr.len, sizeof **out)))
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < a->u.arr.len; i++) {
        const sl_json_value *p = &a->u.arr.items[i];
        if (p->type != SL_JSON_ARRAY || p->u.arr.len != 2 || p->u.arr.items[0].type != SL_JSON_INT ||
            p->u.arr.items[1].type != SL_JSON_INT || p->u.arr.items[0].u.num.i < 0 ||
            p->u.arr.items[1].u.num.i <= 0) {
            free(*out);
            *out = NULL;
            return sl_error_set(err, SL_ERR_CORRUPT, "the manifest's '%s' is not [[seq, keys], ...]", name);
        }
        (*out)[i][0] = (uint64_t)p->u.arr.items[0].u.num.i;
        (*out)[i][1] = (uint64_t)p->u.arr.items[1].u.num.i;
    }
    *n = a->u.arr.len;
    return SL_OK;
}

/* Checks the manifest's ledgers and adopts its runs; on failure nothing is taken. */
static sl_status adopt(ingest *g, const sl_json_value *m, sl_error *err)
{
    const sl_json_value *ledgers = sl_json_get(m, "ledgers");
    const sl_json_value *v = sl_json_get(m, "version");
    if (!v || v->type != SL_JSON_INT || v->u.num.i != 1 || !ledgers || ledgers->type != SL_JSON_ARRAY)
        return sl_error_set(err, SL_ERR_CORRUPT, "not a version 1 manifest");
    for (size_t i = 0; i < ledgers->u.arr.len; i++) {
        const sl_json_value *l = &ledgers->u.arr.items[i];
        const sl_json_value *name = sl_json_get(l, "name"), *off = sl_json_get(l, "offset");
        if (!name || name->type != SL_JSON_STRING || !off || off->type != SL_JSON_INT || off->u.num.i < 0 ||
            memchr(name->u.str.ptr, '/', name->u.str.len) || name->u.str.len == 0 || name->u.str.ptr[0] == '.')
            return sl_error_set(err, SL_ERR_CORRUPT, "a ledger entry is not {name, offset}");
        char path[PATH_MAX];
        struct stat sb;
        sl_statedir_path(&g->sd, path, sizeof path, SL_STATE_LEDGER, "%.*s", (int)name->u.str.len, name->u.str.ptr);
        if (stat(path, &sb) != 0 || (uint64_t)sb.st_size < (uint64_t)off->u.num.i)
            return sl_error_set(err, SL_ERR_CORRUPT, "ledger '%s' is shorter than the saved index read", path);
    }
    sl_keyindex *ix[] = {&g->hashes, &g->jobs, &g->left};
    const char *names[] = {"hashes", "jobs", "left"};
    sl_status st = SL_OK;
    for (int k = 0; k < 3 && !st; k++) {
        uint64_t (*runs)[2];
        size_t n;
        if (!(st = runs_of(m, names[k], &runs, &n, err)))
            st = sl_keyindex_adopt(ix[k], (const uint64_t (*)[2])runs, n, err);
        free(runs);
    }
    if (st)
        return st;
    /* Read every ledger from where the saved index stopped. */
    struct ledger_pos *pos = calloc(ledgers->u.arr.len ? ledgers->u.arr.len : 1, sizeof *pos);
    if (!pos)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    size_t n = 0;
    for (; n < ledgers->u.arr.len; n++) {
        const sl_json_value *l = &ledgers->u.arr.items[n];
        const sl_json_value *name = sl_json_get(l, "name"), *off = sl_json_get(l, "offset");
        char path[PATH_MAX];
        sl_statedir_path(&g->sd, path, sizeof path, SL_STATE_LEDGER, "%.*s", (int)name->u.str.len, name->u.str.ptr);
        if (!(pos[n].path = strdup(path)))
            break;
        pos[n].off = (uint64_t)off->u.num.i;
    }
    if (n < ledgers->u.arr.len) {
        while (n)
            free(pos[--n].path);
        free(pos);
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    }
    g->ledgers = pos;
    g->nledgers = n;
    return SL_OK;
}

/* Removes <state>/index/old-* : saved indexes a newer save replaced, left when a
 * process died between its two renames. Nobody reads them, so any may go. */
static void drop_replaced(const ingest *g)
{
    char dir[PATH_MAX];
    sl_statedir_path(&g->sd, dir, sizeof dir, SL_STATE_INDEX, NULL);
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        char sub[PATH_MAX];
        if (strncmp(e->d_name, "old-", 4) == 0 && !sl_fs_pathf(sub, sizeof sub, "%s/%s", dir, e->d_name))
            sl_ingest_remove_tree(sub, 2);
    }
    closedir(d);
}

void sl_ingest_adopt_index(ingest *g)
{
    char mine[PATH_MAX], saved[PATH_MAX], manifest[PATH_MAX];
    index_dirs(g, mine, saved);
    drop_replaced(g);
    if (rename(saved, mine) != 0)
        return;   /* none saved (or another process took it): the ledgers are read whole */
    sl_fs_pathf(manifest, sizeof manifest, "%s/manifest.json", mine);
    sl_error err;
    sl_error_clear(&err);
    sl_buf text;
    sl_buf_init(&text, 0);
    sl_json_reader *r = NULL;
    const sl_json_value *m = NULL;
    sl_status st = sl_fs_read_file(manifest, MANIFEST_MAX, true, &text, &err);
    unlink(manifest);   /* the runs are ours to change now */
    if (!st) {
        sl_json_options jo;
        sl_json_options_init(&jo);
        jo.form = SL_JSON_FORM_DOCUMENT;
        st = sl_json_reader_open_mem(text.data, text.len, manifest, &jo, &r, &err);
    }
    if (!st && (st = sl_json_reader_next(r, &m, &err)) == SL_OK && m->type != SL_JSON_OBJECT)
        st = sl_error_set(&err, SL_ERR_CORRUPT, "'%s' is not an object", manifest);
    if (!st)
        st = adopt(g, m, &err);
    sl_json_reader_free(r);
    sl_buf_free(&text);
    if (st) {
        /* A saved index that does not check out is thrown away and rebuilt. */
        log_event(g, SL_LOG_WARN, "key_index_rebuilt", &err, 0);
        sl_keyindex *ix[] = {&g->hashes, &g->jobs, &g->left};
        const char *names[] = {"hashes", "jobs", "left"};
        for (int k = 0; k < 3; k++) {
            size_t mem = ix[k]->mem_max;
            sl_keyindex_close(ix[k]);
            sl_keyindex_init(ix[k], mine, names[k], mem, &err);   /* removes the runs left */
        }
        return;
    }
    log_event(g, SL_LOG_INFO, "key_index_adopted", NULL,
              sl_keyindex_size(&g->hashes) + sl_keyindex_size(&g->jobs) + sl_keyindex_size(&g->left));
    g->index_adopted = true;
}

void sl_ingest_save_index(ingest *g)
{
    char mine[PATH_MAX], saved[PATH_MAX], manifest[PATH_MAX], parent[PATH_MAX];
    index_dirs(g, mine, saved);
    sl_fs_pathf(manifest, sizeof manifest, "%s/manifest.json", mine);
    sl_statedir_path(&g->sd, parent, sizeof parent, SL_STATE_INDEX, NULL);
    sl_error err;
    sl_error_clear(&err);
    sl_keyindex *ix[] = {&g->hashes, &g->jobs, &g->left};
    const char *names[] = {"hashes", "jobs", "left"};
    sl_status st = SL_OK;
    if (g->index_lost)
        st = sl_error_set(&err, SL_ERR_NOMEM, "a committed key was lost (out of memory): the ledgers are read whole next time");
    for (int k = 0; k < 3 && !st; k++)
        st = sl_keyindex_flush(ix[k], &err);
    sl_buf b;
    sl_buf_init(&b, 0);
    struct stat sb;
    if (!st && fstat(g->ledger_fd, &sb) != 0)
        st = sl_error_set(&err, SL_ERR_IO, "cannot stat '%s': %s", g->ledger_path, strerror(errno));
    if (!st) {
        /* Our own ledger is in the index up to its end: each commit added its keys. */
        sl_buf_printf(&b, "{\"version\":1,\"writer\":\"%s\",\"ledgers\":[{\"name\":", g->writer);
        const char *own = sl_fs_base(g->ledger_path);
        sl_json_write_string(&b, own, strlen(own));
        sl_buf_printf(&b, ",\"offset\":%llu}", (unsigned long long)sb.st_size);
        for (size_t i = 0; i < g->nledgers; i++) {
            const char *name = sl_fs_base(g->ledgers[i].path);
            sl_buf_puts(&b, ",{\"name\":");
            sl_json_write_string(&b, name, strlen(name));
            sl_buf_printf(&b, ",\"offset\":%llu}", (unsigned long long)g->ledgers[i].off);
        }
        sl_buf_puts(&b, "]");
        for (int k = 0; k < 3; k++) {
            sl_buf_printf(&b, ",\"%s\":", names[k]);
            sl_keyindex_describe(ix[k], &b);
        }
        sl_buf_puts(&b, "}\n");
        if (!b.data)
            st = sl_error_set(&err, SL_ERR_NOMEM, "out of memory");
    }
    if (!st && !ix[0]->nruns && !ix[1]->nruns && !ix[2]->nruns) {
        sl_buf_free(&b);
        return;   /* nothing committed anywhere: nothing worth saving */
    }
    if (!st && (st = sl_fs_mkdirs(mine, &err)) == SL_OK)
        st = sl_fs_write_atomic(manifest, b.data, b.len, &err);
    sl_buf_free(&b);
    if (!st)
        st = sl_fs_mkdirs(parent, &err);
    if (!st && rename(mine, saved) != 0) {
        /* An older saved index is in the way: ours has read at least as much of
         * every ledger it knew, so it replaces that one. */
        char old[PATH_MAX];
        sl_statedir_path(&g->sd, old, sizeof old, SL_STATE_INDEX, "old-%s", g->writer);
        if (rename(saved, old) != 0 && errno != ENOENT)
            st = sl_error_set(&err, SL_ERR_IO, "cannot move '%s': %s", saved, strerror(errno));
        else if (rename(mine, saved) != 0)
            st = sl_error_set(&err, SL_ERR_IO, "cannot save the key index as '%s': %s", saved, strerror(errno));
        sl_ingest_remove_tree(old, 2);
    }
    if (st) {
        log_event(g, SL_LOG_WARN, "key_index_not_saved", &err, 0);
        unlink(manifest);
        return;   /* sl_keyindex_close removes the runs */
    }
    sl_fs_sync_dir(parent, &err);
    log_event(g, SL_LOG_INFO, "key_index_saved", NULL,
              sl_keyindex_size(ix[0]) + sl_keyindex_size(ix[1]) + sl_keyindex_size(ix[2]));
    for (int k = 0; k < 3; k++)
        sl_keyindex_close_keep(ix[k]);
}
