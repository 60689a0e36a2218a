/* The parts log, <state>/sync/parts.jsonl: one line per part sync published, in
 * publish order, appended by a pass and cut back to the committed length by the
 * recovery that starts the next one (state.c). A part's ordinal in it is its
 * origin in the key index and in conflict and orphan records; the set of its
 * paths keeps a part named by two ledger lines from being published twice. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "base/grow.h"
#include "sync/sync_int.h"

static char *log_path(const sl_statedir *sd, char *buf, size_t n)
{
    sl_statedir_path(sd, buf, n, SL_STATE_SYNC, "parts.jsonl");
    return buf;
}

static sl_status plog_add(sync_plog *p, const char *table, size_t tlen, const char *path,
                          size_t plen, const char *commit, size_t clen)
{
    if (p->n == p->cap) {
        sync_plog_entry *e = sl_grow_array(p->e, &p->cap, sizeof *e, 1024);
        if (!e)
            return SL_ERR_NOMEM;
        p->e = e;
    }
    /* table names repeat: share the previous entry's copy when it is the same */
    const char *t = NULL;
    if (p->n && strlen(p->e[p->n - 1].table) == tlen && memcmp(p->e[p->n - 1].table, table, tlen) == 0)
        t = p->e[p->n - 1].table;
    if (!t)
        t = sl_arena_strndup(&p->arena, table, tlen);
    const char *pa = sl_arena_strndup(&p->arena, path, plen);
    const char *c = sl_arena_strndup(&p->arena, commit, clen);
    if (!t || !pa || !c)
        return SL_ERR_NOMEM;
    sl_status st = sync_index_set(&p->paths, (sync_hkey){XXH3_64bits(path, plen), 0}, 0,
                                  (uint32_t)p->n, SYNC_PUBLISHED);
    if (st)
        return st;
    p->e[p->n++] = (sync_plog_entry){t, pa, c};
    return SL_OK;
}

sl_status sync_plog_load(const sl_statedir *sd, const sync_state *s, sync_plog *p, sl_error *err)
{
    memset(p, 0, sizeof *p);
    sl_arena_init(&p->arena, 64 * 1024);
    char path[4200];
    log_path(sd, path, sizeof path);
    sl_buf b;
    sl_buf_init(&b, 0);
    bool missing = access(path, F_OK) != 0 && errno == ENOENT;
    sl_status st = missing ? SL_OK : sl_fs_read_file(path, 0, true, &b, err);
    if (!st && b.len < s->parts_bytes)
        st = sl_error_set(err, SL_ERR_CORRUPT, "%s: shorter than the state says", path);
    size_t len = st ? 0 : (size_t)s->parts_bytes;
    sl_json_options jo;
    sl_json_options_init(&jo);
    jo.form = SL_JSON_FORM_SEQUENCE;
    sl_json_reader *r = NULL;
    if (!st && len)
        st = sl_json_reader_open_mem(b.data, len, path, &jo, &r, err);
    const sl_json_value *v;
    while (!st && r && (st = sl_json_reader_next(r, &v, err)) == SL_OK) {
        const sl_json_value *t = sl_json_get(v, "table"), *pa = sl_json_get(v, "path"),
                            *c = sl_json_get(v, "commit");
        if (!t || t->type != SL_JSON_STRING || !pa || pa->type != SL_JSON_STRING || !c ||
            c->type != SL_JSON_STRING) {
            st = sl_error_set(err, SL_ERR_CORRUPT, "%s: entry %zu lacks fields", path, p->n);
            break;
        }
        st = plog_add(p, t->u.str.ptr, t->u.str.len, pa->u.str.ptr, pa->u.str.len, c->u.str.ptr,
                      c->u.str.len);
    }
    if (st == SL_EOF)
        st = SL_OK;
    if (!st && p->n != s->nparts)
        st = sl_error_set(err, SL_ERR_CORRUPT, "%s holds %zu parts, the state says %llu", path, p->n,
                          (unsigned long long)s->nparts);
    sl_json_reader_free(r);
    sl_buf_free(&b);
    if (st)
        sync_plog_free(p);
    return st;
}

bool sync_plog_has(const sync_plog *p, const char *path)
{
    return sync_index_get(&p->paths, (sync_hkey){XXH3_64bits(path, strlen(path)), 0}) != NULL;
}

sl_status sync_plog_append(sync_plog *p, const char *table, const char *path,
                           const char *commit, uint64_t gen, uint32_t *ordinal, sl_error *err)
{
    if (p->n >= SYNC_ORIGIN_NONE)
        return sl_error_set(err, SL_ERR_LIMIT, "more than %u parts published", SYNC_ORIGIN_NONE);
    sl_buf *b = &p->lines;
    sl_status st = sl_buf_printf(b, "{\"n\":%zu,\"table\":", p->n);
    if (!st)
        st = sl_json_write_string(b, table, strlen(table));
    if (!st)
        st = sl_buf_puts(b, ",\"path\":");
    if (!st)
        st = sl_json_write_string(b, path, strlen(path));
    if (!st)
        st = sl_buf_puts(b, ",\"commit\":");
    if (!st)
        st = sl_json_write_string(b, commit, strlen(commit));
    if (!st)
        st = sl_buf_printf(b, ",\"generation\":%llu}\n", (unsigned long long)gen);
    *ordinal = (uint32_t)p->n;
    if (!st)
        st = plog_add(p, table, strlen(table), path, strlen(path), commit, strlen(commit));
    return st ? sl_error_set(err, st, "parts log: %s", sl_strerror(st)) : SL_OK;
}

sl_status sync_plog_flush(sync_plog *p, const sl_statedir *sd, uint64_t *bytes, sl_error *err)
{
    char path[4200];
    log_path(sd, path, sizeof path);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (fd < 0) {
        int e = errno;
        return sl_error_set(err, sl_fs_status(e), "cannot open '%s': %s", path, strerror(e));
    }
    sl_status st = sl_fs_write_full(fd, p->lines.data, p->lines.len, path, err);
    if (!st && fsync(fd) != 0)
        st = sl_error_set(err, sl_fs_status(errno), "cannot fsync '%s': %s", path, strerror(errno));
    struct stat sb;
    if (!st && fstat(fd, &sb) != 0)
        st = sl_error_set(err, SL_ERR_IO, "cannot stat '%s': %s", path, strerror(errno));
    close(fd);
    if (!st) {
        *bytes = (uint64_t)sb.st_size;
        sl_buf_clear(&p->lines);
    }
    return st;
}

void sync_plog_free(sync_plog *p)
{
    if (!p)
        return;
    sl_buf_free(&p->lines);
    free(p->e);
    sync_index_free(&p->paths);
    sl_arena_free(&p->arena);
    memset(p, 0, sizeof *p);
}
