/* Reading the ingest ledgers (docs/state-layout.md, "The ledger").
 *
 * Each <state>/ledger/<writer>.jsonl gets one line per commit, appended with one
 * write() and fsynced. A part is committed exactly when a complete line (ending
 * in '\n') names it; a last line without its newline is a commit in progress or
 * one that never happened, and a line that does not parse or lacks fields never
 * commits anything. Sync remembers per ledger the offset just past the last
 * complete line it consumed, so a pass reads only what was appended since. The
 * order of commits, which decides which of two rows with the same key is kept,
 * is: earlier passes first; within a pass, by ledger file name, then line. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "base/grow.h"
#include "ingest/ledger.h"
#include "sync/sync_int.h"

#define TAIL 64                     /* bytes before the offset that identify it */
#define MAX_LINE ((size_t)256 << 20)

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The ledger files, sorted by name. */
static sl_status list_ledgers(const char *dir, char ***out, size_t *n, sl_error *err)
{
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? SL_OK : sl_error_set(err, SL_ERR_IO, "cannot list '%s': %s", dir, strerror(errno));
    char **names = NULL;
    size_t cap = 0;
    sl_status st = SL_OK;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (de->d_name[0] == '.' || len < 7 || strcmp(de->d_name + len - 6, ".jsonl") != 0)
            continue;
        if (*n == cap) {
            char **p = sl_grow_array(names, &cap, sizeof *p, 16);
            if (!p) {
                st = SL_ERR_NOMEM;
                break;
            }
            names = p;
        }
        if (!(names[*n] = sync_strdup(de->d_name))) {
            st = SL_ERR_NOMEM;
            break;
        }
        (*n)++;
    }
    closedir(d);
    if (st) {
        for (size_t i = 0; i < *n; i++)
            free(names[i]);
        free(names);
        *n = 0;
        return sl_error_set(err, st, "listing ledgers: %s", sl_strerror(st));
    }
    if (*n)
        qsort(names, *n, sizeof *names, cmp_names);
    *out = names;
    return SL_OK;
}

static sync_ledger_pos *find_pos(sync_state *st, const char *name)
{
    for (size_t i = 0; i < st->nledgers; i++)
        if (strcmp(st->ledgers[i].name, name) == 0)
            return &st->ledgers[i];
    return NULL;
}

/* XXH3 of the (up to) TAIL bytes before off: how sync recognises that the
 * bytes it consumed are still there. */
static sl_status tail_hash(int fd, uint64_t off, uint64_t *h)
{
    uint8_t b[TAIL];
    size_t n = off < TAIL ? (size_t)off : TAIL;
    ssize_t r = pread(fd, b, n, (off_t)(off - n));
    if (r != (ssize_t)n)
        return SL_ERR_IO;
    *h = XXH3_64bits(b, n);
    return SL_OK;
}

/* A part path sync accepts: raw/<table>/<name>, <name> a plain file name. */
static bool part_path_ok(const char *p, size_t n, const char *table, size_t tn)
{
    if (n < 5 + tn + 2 || memcmp(p, "raw/", 4) != 0 || memcmp(p + 4, table, tn) != 0 || p[4 + tn] != '/')
        return false;
    const char *name = p + 5 + tn;
    size_t nn = n - 5 - tn;
    return name[0] != '.' && !memchr(name, '/', nn) && !memchr(name, '\0', nn);
}

static sl_status add_part(sync_scan *sc, const sync_part *p)
{
    if (sc->nparts == sc->cap) {
        sync_part *q = sl_grow_array(sc->parts, &sc->cap, sizeof *q, 256);
        if (!q)
            return SL_ERR_NOMEM;
        sc->parts = q;
    }
    sc->parts[sc->nparts++] = *p;
    return SL_OK;
}

/* One complete line: its parts, or nothing when it is not a commit record.
 * *nparts is the number of parts it names (for the per-pass limit). */
static sl_status take_line(sync_scan *sc, const sync_plog *plog, uint32_t ledger, uint64_t lineno,
                           const uint8_t *line, size_t len, size_t *nparts)
{
    *nparts = 0;
    sl_json_options jo;
    sl_json_options_init(&jo);
    jo.form = SL_JSON_FORM_DOCUMENT;
    jo.max_record_size = MAX_LINE;
    sl_json_reader *r;
    const sl_json_value *v;
    if (sl_json_reader_open_mem(line, len, "ledger", &jo, &r, NULL) != SL_OK)
        return SL_ERR_NOMEM;
    sl_status st = SL_OK;
    bool ok = sl_json_reader_next(r, &v, NULL) == SL_OK && v->type == SL_JSON_OBJECT;
    const sl_json_value *commit = ok ? sl_json_get(v, "commit") : NULL;
    const sl_json_value *parts = ok ? sl_json_get(v, "parts") : NULL;
    ok = commit && commit->type == SL_JSON_STRING && parts && parts->type == SL_JSON_ARRAY;
    /* every part must be well formed, or the line names nothing */
    for (size_t i = 0; ok && i < parts->u.arr.len; i++) {
        const sl_json_value *p = &parts->u.arr.items[i];
        const sl_json_value *t = sl_json_get(p, "table"), *pa = sl_json_get(p, "path"),
                            *rows = sl_json_get(p, "rows");
        ok = t && t->type == SL_JSON_STRING && sync_table_name_ok(t->u.str.ptr, t->u.str.len) &&
             pa && pa->type == SL_JSON_STRING &&
             part_path_ok(pa->u.str.ptr, pa->u.str.len, t->u.str.ptr, t->u.str.len) &&
             rows && rows->type == SL_JSON_INT && rows->u.num.i >= 0;
    }
    if (!ok) {
        sc->ignored++;
        goto done;
    }
    const char *cid = sl_arena_strndup(&sc->arena, commit->u.str.ptr, commit->u.str.len);
    if (!cid) {
        st = SL_ERR_NOMEM;
        goto done;
    }
    for (size_t i = 0; !st && i < parts->u.arr.len; i++) {
        const sl_json_value *p = &parts->u.arr.items[i];
        const sl_json_value *t = sl_json_get(p, "table"), *pa = sl_json_get(p, "path");
        sync_part part = {
            .table = sl_arena_strndup(&sc->arena, t->u.str.ptr, t->u.str.len),
            .path = sl_arena_strndup(&sc->arena, pa->u.str.ptr, pa->u.str.len),
            .commit = cid,
            .rows = (uint64_t)sl_json_get(p, "rows")->u.num.i,
            .ledger = ledger,
            .line = lineno,
        };
        if (!part.table || !part.path) {
            st = SL_ERR_NOMEM;
            break;
        }
        /* a part named twice (a writer's recovery committing it again) is
         * published once */
        sync_hkey ph = {XXH3_64bits(part.path, strlen(part.path)), 0};
        if (sync_plog_has(plog, part.path) || sync_index_get(&sc->seen, ph))
            continue;
        if (!(st = sync_index_set(&sc->seen, ph, 0, 0, SYNC_PUBLISHED)) && !(st = add_part(sc, &part)))
            (*nparts)++;
    }
done:
    sl_json_reader_free(r);
    return st;
}

/* Consumes the complete lines of one ledger past pos->offset. */
/* One ledger line for scan_one (through sl_ledger_lines). */
typedef struct scan_lines {
    sync_scan *sc;
    const sync_plog *plog;
    uint32_t ledger;
    sync_ledger_pos *pos;
    size_t max_parts;
    sl_status failed;        /* take_line's error, said with the path by scan_one */
} scan_lines;

static sl_status scan_line(void *ctx, const uint8_t *line, size_t len)
{
    scan_lines *l = ctx;
    if (l->sc->nparts >= l->max_parts) {
        l->sc->more = true;
        return SL_EOF;
    }
    size_t n = 0;
    sl_status st = take_line(l->sc, l->plog, l->ledger, l->pos->lines + 1, line, len, &n);
    if (st)
        return l->failed = st;
    l->pos->lines++;
    l->sc->commits++;
    return SL_OK;
}

static sl_status scan_one(const char *dir, sync_ledger_pos *pos, uint32_t ledger,
                          const sync_plog *plog, size_t max_parts, sync_scan *sc, sl_error *err)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, pos->name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? SL_OK : sl_error_set(err, SL_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    struct stat sb;
    sl_status st = SL_OK;
    if (fstat(fd, &sb) != 0) {
        st = sl_error_set(err, SL_ERR_IO, "cannot stat '%s': %s", path, strerror(errno));
        goto done;
    }
    uint64_t h;
    if (pos->offset && ((uint64_t)sb.st_size < pos->offset || tail_hash(fd, pos->offset, &h) ||
                        h != pos->tail_hash)) {
        /* The bytes sync consumed are not there any more: the ledger was rewritten.
         * Read it again from the start; the parts log keeps what was published
         * from being published twice. */
        pos->offset = 0;
        pos->lines = 0;
    }
    scan_lines sl = {sc, plog, ledger, pos, max_parts, SL_OK};
    st = sl_ledger_lines(fd, path, &pos->offset, MAX_LINE, scan_line, &sl, err);
    if (sl.failed)
        st = sl_error_set(err, sl.failed, "reading '%s': %s", path, sl_strerror(sl.failed));
    if (!st && pos->offset && tail_hash(fd, pos->offset, &pos->tail_hash))
        st = sl_error_set(err, SL_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
done:
    close(fd);
    return st;
}

sl_status sync_ledger_scan(const sl_statedir *sd, sync_state *st, const sync_plog *plog,
                           size_t max_parts, sync_scan *sc, sl_error *err)
{
    memset(sc, 0, sizeof *sc);
    sl_arena_init(&sc->arena, 64 * 1024);
    char dir[4200];
    sl_statedir_path(sd, dir, sizeof dir, SL_STATE_LEDGER, NULL);
    char **names;
    size_t n;
    sl_status s = list_ledgers(dir, &names, &n, err);
    for (size_t i = 0; !s && i < n && !sc->more; i++) {
        sync_ledger_pos *pos = find_pos(st, names[i]);
        if (!pos && (s = sync_state_add_ledger(st, names[i], strlen(names[i]), &pos)))
            s = sl_error_set(err, s, "out of memory");
        if (!s)
            s = scan_one(dir, pos, (uint32_t)(pos - st->ledgers), plog, max_parts, sc, err);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return s;
}

void sync_scan_free(sync_scan *sc)
{
    if (!sc)
        return;
    free(sc->parts);
    sync_index_free(&sc->seen);
    sl_arena_free(&sc->arena);
    memset(sc, 0, sizeof *sc);
}
