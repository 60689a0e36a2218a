/* Startup recovery (DESIGN.md section 3, step 5).
 *
 * A writer that died (SIGKILL, a crash, a power cut) leaves, at worst:
 *   - inputs in its claims directory <in>/.sluice-claims/<writer>/, committed or not;
 *   - parts in raw/ that no complete ledger line names (it died between the
 *     rename and the ledger append), and temporary parts;
 *   - a torn last ledger line, which every reader already ignores.
 * A writer is dead when the lock on its claims directory can be taken. For each
 * dead writer, recovery finishes the inputs its ledger committed (same name,
 * size and content hash), returns the others to the input directory to be
 * ingested again, and deletes its uncommitted parts. Inputs are never deleted
 * here (unless on_success says so for a committed one). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "base/fsutil.h"
#include "ingest/ingest_int.h"

typedef struct dead {
    ingest *g;
    sl_keyset inputs;   /* key of (name, size, hash) of each committed input */
    sl_keyset parts;    /* hash of each committed part's path relative to the output */
} dead;

static sl_key128 input_key(const char *name, size_t n, uint64_t size, sl_key128 h)
{
    return (sl_key128){h.lo ^ XXH3_64bits(name, n), h.hi ^ (size * 0x9E3779B97F4A7C15ull)};
}

static sl_key128 path_key(const char *p, size_t n)
{
    XXH128_hash_t h = XXH3_128bits(p, n);
    return (sl_key128){h.low64, h.high64};
}

static sl_status on_dead_commit(void *ctx, const sl_json_value *c)
{
    dead *d = ctx;
    const sl_json_value *parts = sl_json_get(c, "parts");
    const sl_json_value *inputs = sl_json_get(c, "inputs");
    if (!parts || parts->type != SL_JSON_ARRAY || !inputs || inputs->type != SL_JSON_ARRAY)
        return SL_OK;
    for (size_t i = 0; i < parts->u.arr.len; i++) {
        const sl_json_value *p = sl_json_get(&parts->u.arr.items[i], "path");
        if (p && p->type == SL_JSON_STRING && sl_keyset_add(&d->parts, path_key(p->u.str.ptr, p->u.str.len)))
            return SL_ERR_NOMEM;
    }
    for (size_t i = 0; i < inputs->u.arr.len; i++) {
        const sl_json_value *in = &inputs->u.arr.items[i];
        const sl_json_value *name = sl_json_get(in, "name"), *size = sl_json_get(in, "size");
        const sl_json_value *hash = sl_json_get(in, "hash");
        sl_key128 h;
        if (!name || name->type != SL_JSON_STRING || !size || size->type != SL_JSON_INT || !hash ||
            hash->type != SL_JSON_STRING || !sl_key128_parse(hash->u.str.ptr, hash->u.str.len, &h))
            continue;
        if (sl_keyset_add(&d->inputs, input_key(name->u.str.ptr, name->u.str.len,
                                                (uint64_t)size->u.num.i, h)))
            return SL_ERR_NOMEM;
    }
    return SL_OK;
}

static void log_recovery(ingest *g, const char *event, const char *writer, const char *file)
{
    sl_logrec r;
    if (sl_log_begin(&r, g->log, SL_LOG_INFO, event)) {
        sl_log_str(&r, "writer", writer);
        if (file)
            sl_log_str(&r, "file", file);
        sl_log_end(&r);
    }
}

/* Removes raw/<table>/part-<writer>-* not named by the writer's ledger, and its
 * temporary parts. */
static void drop_uncommitted_parts(dead *d, const char *writer)
{
    ingest *g = d->g;
    char raw[PATH_MAX];
    sl_fs_pathf(raw, sizeof raw, "%s/raw", g->out);
    DIR *rd = opendir(raw);
    if (!rd)
        return;
    char pre[200], tmppre[200];
    snprintf(pre, sizeof pre, "part-%s-", writer);
    snprintf(tmppre, sizeof tmppre, ".part-%s-", writer);
    struct dirent *t;
    while ((t = readdir(rd))) {
        if (t->d_name[0] == '.')
            continue;
        char dir[PATH_MAX];
        sl_fs_pathf(dir, sizeof dir, "%s/%s", raw, t->d_name);
        DIR *td = opendir(dir);
        if (!td)
            continue;
        struct dirent *e;
        while ((e = readdir(td))) {
            /* a temporary part, or sl_fs_move's copy of one ("." + its name) */
            bool tmp = strncmp(e->d_name, tmppre, strlen(tmppre)) == 0 ||
                       (e->d_name[0] == '.' && strncmp(e->d_name + 1, tmppre, strlen(tmppre)) == 0);
            if (!tmp && strncmp(e->d_name, pre, strlen(pre)) != 0)
                continue;
            char rel[PATH_MAX], path[PATH_MAX];
            snprintf(rel, sizeof rel, "raw/%s/%s", t->d_name, e->d_name);
            if (!tmp && sl_keyset_has(&d->parts, path_key(rel, strlen(rel))))
                continue;
            sl_fs_pathf(path, sizeof path, "%s/%s", g->out, rel);
            if (unlinkat(AT_FDCWD, path, 0) == 0)
                log_recovery(g, tmp ? "removed_temporary_part" : "rolled_back_part", writer, rel);
        }
        closedir(td);
    }
    closedir(rd);
}

/* Removes path and, down to depth levels, what is in it (scratch directories only). */
void sl_ingest_remove_tree(const char *path, int depth)
{
    DIR *d = depth > 0 ? opendir(path) : NULL;
    if (d) {
        struct dirent *f;
        while ((f = readdir(d))) {
            if (strcmp(f->d_name, ".") == 0 || strcmp(f->d_name, "..") == 0)
                continue;
            char p[PATH_MAX];
            if (sl_fs_pathf(p, sizeof p, "%s/%s", path, f->d_name))
                continue;
            if (unlink(p) != 0 && errno == EISDIR)
                sl_ingest_remove_tree(p, depth - 1);
        }
        closedir(d);
    }
    rmdir(path);
}

/* Removes the scratch directories of a dead writer: <state>/work/<writer>-wN of its
 * normalizers and <writer>-wkeys of its key index. */
static void drop_work(ingest *g, const char *writer)
{
    char dir[PATH_MAX];
    sl_statedir_path(&g->sd, dir, sizeof dir, SL_STATE_WORK, NULL);
    DIR *wd = opendir(dir);
    if (!wd)
        return;
    size_t n = strlen(writer);
    struct dirent *e;
    while ((e = readdir(wd))) {
        if (strncmp(e->d_name, writer, n) != 0 || strncmp(e->d_name + n, "-w", 2) != 0)
            continue;
        char sub[PATH_MAX];
        if (!sl_fs_pathf(sub, sizeof sub, "%s/%s", dir, e->d_name))
            sl_ingest_remove_tree(sub, 2);
    }
    closedir(wd);
}

static sl_status recover_writer(ingest *g, const char *writer, const char *claims, int lock_fd,
                                sl_error *err)
{
    dead d = {.g = g};
    char path[PATH_MAX];
    sl_statedir_path(&g->sd, path, sizeof path, SL_STATE_LEDGER, "%s.jsonl", writer);
    uint64_t off = 0;
    sl_status st = sl_ledger_read(path, &off, on_dead_commit, &d, NULL, err);
    sl_buf data;
    sl_buf_init(&data, 0);
    DIR *cd = st ? NULL : opendir(claims);
    if (cd) {
        struct dirent *e;
        while (!st && (e = readdir(cd))) {
            if (e->d_name[0] == '.')
                continue;   /* ".lock", and temporary copies */
            char f[PATH_MAX];
            sl_fs_pathf(f, sizeof f, "%s/%s", claims, e->d_name);
            sl_error ferr;
            bool committed = false;
            if (sl_fs_read_file(f, 0, true, &data, &ferr) == SL_OK) {
                sl_key128 h = sl_content_hash(data.data, data.len);
                committed = sl_keyset_has(&d.inputs, input_key(e->d_name, strlen(e->d_name), data.len, h));
            }
            if (committed) {
                sl_ingest_finish_input(g, f, e->d_name, data.len);
                log_recovery(g, "recovered_committed_input", writer, e->d_name);
            } else if (sl_fs_move_into(f, g->in, NULL, 0, &ferr) == SL_OK) {
                log_recovery(g, "returned_claimed_input", writer, e->d_name);
            } else {
                st = sl_error_set(err, ferr.code, "recovering '%s': %s", f, ferr.msg);
                break;
            }
            g->sum.recovered++;
        }
        closedir(cd);
    }
    sl_buf_free(&data);
    if (!st) {
        drop_uncommitted_parts(&d, writer);
        drop_work(g, writer);
        sl_fs_pathf(path, sizeof path, "%s/.lock", claims);
        unlink(path);
        rmdir(claims);
    }
    (void)lock_fd;
    sl_keyset_free(&d.inputs);
    sl_keyset_free(&d.parts);
    return st;
}

sl_status sl_ingest_recover(ingest *g, sl_error *err)
{
    char root[PATH_MAX];
    sl_fs_pathf(root, sizeof root, "%s/.sluice-claims", g->in);
    DIR *d = opendir(root);
    if (!d)
        return SL_OK;
    sl_status st = SL_OK;
    struct dirent *e;
    while (!st && (e = readdir(d))) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, g->writer) == 0)
            continue;
        char claims[PATH_MAX], lock[PATH_MAX];
        sl_fs_pathf(claims, sizeof claims, "%s/%s", root, e->d_name);
        sl_fs_pathf(lock, sizeof lock, "%s/.lock", claims);
        int fd = open(lock, O_RDWR | O_CLOEXEC);
        if (fd < 0) {
            /* No lock file: a writer between its mkdir and its lock, or long gone.
             * Only a directory older than a minute is taken over. */
            struct stat sb;
            if (stat(claims, &sb) != 0 || sl_now_ns() / 1000000000 - sb.st_mtime < 60)
                continue;
            fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
            if (fd < 0)
                continue;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            log_recovery(g, "recovering_writer", e->d_name, NULL);
            st = recover_writer(g, e->d_name, claims, fd, err);
        }
        close(fd);
    }
    closedir(d);
    /* Scratch of writers whose claims directory is gone. */
    char work[PATH_MAX];
    sl_statedir_path(&g->sd, work, sizeof work, SL_STATE_WORK, NULL);
    DIR *wd = st ? NULL : opendir(work);
    if (wd) {
        while ((e = readdir(wd))) {
            char *dash = strrchr(e->d_name, '-');
            if (e->d_name[0] == '.' || !dash || dash[1] != 'w')
                continue;
            char writer[256], claims[PATH_MAX];
            sl_fs_pathf(writer, sizeof writer, "%.*s", (int)(dash - e->d_name), e->d_name);
            sl_fs_pathf(claims, sizeof claims, "%s/%s", root, writer);
            struct stat sb;
            if (strcmp(writer, g->writer) != 0 && stat(claims, &sb) != 0) {
                dead none = {.g = g};
                drop_work(g, writer);
                /* Its parts: those its ledger does not name. */
                char path[PATH_MAX];
                uint64_t off = 0;
                sl_statedir_path(&g->sd, path, sizeof path, SL_STATE_LEDGER, "%s.jsonl", writer);
                if (sl_ledger_read(path, &off, on_dead_commit, &none, NULL, err) == SL_OK)
                    drop_uncommitted_parts(&none, writer);
                sl_keyset_free(&none.inputs);
                sl_keyset_free(&none.parts);
            }
        }
        closedir(wd);
    }
    return st;
}
