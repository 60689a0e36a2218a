/* The spilling key index (see keyindex.h).
 *
 * A run file is its keys, 16 bytes each in host order, sorted by (hi, lo) and
 * without repeats. The fence holds every BLOCK_KEYS-th key, so the block that may
 * hold a key is found in memory and read with one pread. Runs are merged like a
 * binary counter: after a spill, while the run before the newest one is not
 * larger than it, the two are merged, so sizes halve (at least) from the oldest
 * run to the newest and every key is rewritten about log2(n / mem_max) times. */
#include "ingest/keyindex.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fsutil.h"

#define BLOCK_KEYS 256              /* 4 KiB */
#define MERGE_KEYS 4096             /* 64 KiB buffers while merging */

struct sl_keyrun {
    int fd;
    uint64_t n;                     /* keys in the file */
    uint64_t seq;                   /* its file is <dir>/<name>-<seq>.keys */
    sl_key128 *fence;               /* keys 0, BLOCK_KEYS, 2 * BLOCK_KEYS, ... */
};

static inline int cmp_key(sl_key128 a, sl_key128 b)
{
    if (a.hi != b.hi)
        return a.hi < b.hi ? -1 : 1;
    return a.lo < b.lo ? -1 : a.lo > b.lo;
}

static int cmp_qsort(const void *a, const void *b)
{
    return cmp_key(*(const sl_key128 *)a, *(const sl_key128 *)b);
}

/* The form sl_keyset stores: the all-zero key is {1, 0}. */
static inline sl_key128 fixed(sl_key128 k)
{
    return k.lo == 0 && k.hi == 0 ? (sl_key128){1, 0} : k;
}

static uint64_t nfence(uint64_t n) { return (n + BLOCK_KEYS - 1) / BLOCK_KEYS; }

static void run_path(const sl_keyindex *x, uint64_t seq, char *out, size_t n)
{
    sl_fs_pathf(out, n, "%s/%s-%llu.keys", x->dir, x->name, (unsigned long long)seq);
}

static void run_drop(sl_keyindex *x, sl_keyrun *r)
{
    char path[PATH_MAX];
    run_path(x, r->seq, path, sizeof path);
    if (r->fd >= 0)
        close(r->fd);
    unlink(path);
    free(r->fence);
    r->fd = -1;
    r->fence = NULL;
}

/* Removes leftovers <name>-*.keys of an earlier index in the same directory. */
static void remove_old_runs(const sl_keyindex *x)
{
    DIR *d = opendir(x->dir);
    if (!d)
        return;
    size_t n = strlen(x->name);
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (strncmp(e->d_name, x->name, n) != 0 || e->d_name[n] != '-' || len < 5 ||
            strcmp(e->d_name + len - 5, ".keys") != 0)
            continue;
        char path[PATH_MAX];
        if (!sl_fs_pathf(path, sizeof path, "%s/%s", x->dir, e->d_name))
            unlink(path);
    }
    closedir(d);
}

sl_status sl_keyindex_init(sl_keyindex *x, const char *dir, const char *name, size_t mem_max,
                           sl_error *err)
{
    memset(x, 0, sizeof *x);
    x->mem_max = mem_max ? mem_max : SL_KEYINDEX_MEM_DEFAULT;
    snprintf(x->name, sizeof x->name, "%s", name);
    if (!(x->dir = strdup(dir)))
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    remove_old_runs(x);
    return SL_OK;
}

/* A new run file, open for writing and reading. */
static int run_create(sl_keyindex *x, uint64_t seq)
{
    char path[PATH_MAX];
    run_path(x, seq, path, sizeof path);
    return open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
}

static sl_status push_run(sl_keyindex *x, sl_keyrun r)
{
    sl_keyrun *p = realloc(x->runs, (x->nruns + 1) * sizeof *p);
    if (!p)
        return SL_ERR_NOMEM;
    x->runs = p;
    x->runs[x->nruns++] = r;
    return SL_OK;
}

/* Reads a run in MERGE_KEYS chunks: buf[p..n) are the keys not yet taken. */
typedef struct cursor { const sl_keyrun *r; sl_key128 *buf; uint64_t next; size_t n, p; } cursor;

/* Refills c when it is used up; false on a read error. */
static bool refill(cursor *c)
{
    if (c->p < c->n || c->next == c->r->n)
        return true;
    uint64_t left = c->r->n - c->next;
    c->n = (size_t)(left < MERGE_KEYS ? left : MERGE_KEYS);
    c->p = 0;
    if (sl_fs_pread_full(c->r->fd, c->buf, c->n * sizeof *c->buf, c->next * sizeof *c->buf, "a key run", NULL))
        return false;
    c->next += c->n;
    return true;
}

/* Merges the two newest runs into one. On failure both stay as they were. */
static sl_status merge_last(sl_keyindex *x)
{
    sl_keyrun *a = &x->runs[x->nruns - 2], *b = &x->runs[x->nruns - 1];
    sl_keyrun m = {.fd = -1, .seq = x->seq++};
    sl_key128 *obuf = malloc(3 * MERGE_KEYS * sizeof *obuf);
    if (!obuf || !(m.fence = malloc(nfence(a->n + b->n) * sizeof *m.fence))) {
        free(obuf);
        return SL_ERR_NOMEM;
    }
    cursor ca = {a, obuf + MERGE_KEYS, 0, 0, 0}, cb = {b, obuf + 2 * MERGE_KEYS, 0, 0, 0};
    sl_status st = SL_OK;
    if ((m.fd = run_create(x, m.seq)) < 0)
        st = sl_fs_status(errno);
    size_t on = 0;
    bool have_last = false;
    sl_key128 last = {0, 0};
    while (!st) {
        if (!refill(&ca) || !refill(&cb)) {
            st = SL_ERR_IO;
            break;
        }
        bool amore = ca.p < ca.n, bmore = cb.p < cb.n;
        if (!amore && !bmore)
            break;
        sl_key128 k = !bmore || (amore && cmp_key(ca.buf[ca.p], cb.buf[cb.p]) <= 0) ? ca.buf[ca.p++]
                                                                                  : cb.buf[cb.p++];
        if (have_last && cmp_key(k, last) == 0)
            continue;
        if (m.n % BLOCK_KEYS == 0)
            m.fence[m.n / BLOCK_KEYS] = k;
        obuf[on++] = k;
        m.n++;
        last = k;
        have_last = true;
        if (on == MERGE_KEYS) {
            st = sl_fs_write_full(m.fd, obuf, on * sizeof *obuf, "a key run", NULL);
            on = 0;
        }
    }
    if (!st && on)
        st = sl_fs_write_full(m.fd, obuf, on * sizeof *obuf, "a key run", NULL);
    free(obuf);
    if (st) {
        run_drop(x, &m);
        return st;
    }
    run_drop(x, a);
    run_drop(x, b);
    x->nruns -= 2;
    x->runs[x->nruns++] = m;    /* room: two were just taken off */
    x->merges++;
    return SL_OK;
}

/* Writes the keys in memory to a new run and merges runs of similar size. */
static sl_status spill(sl_keyindex *x)
{
    size_t n = 0;
    sl_key128 *keys = malloc(x->mem.len * sizeof *keys);
    sl_keyrun r = {.fd = -1, .seq = x->seq++};
    if (!keys || !(r.fence = malloc(nfence(x->mem.len) * sizeof *r.fence))) {
        free(keys);
        return SL_ERR_NOMEM;
    }
    for (size_t i = 0; i < x->mem.cap; i++)
        if (x->mem.slots[i].lo || x->mem.slots[i].hi)
            keys[n++] = x->mem.slots[i];
    qsort(keys, n, sizeof *keys, cmp_qsort);
    r.n = n;
    for (uint64_t i = 0; i < n; i += BLOCK_KEYS)
        r.fence[i / BLOCK_KEYS] = keys[i];
    sl_status st = SL_OK;
    sl_error err;
    if ((st = sl_fs_mkdirs(x->dir, &err)) == SL_OK) {
        if ((r.fd = run_create(x, r.seq)) < 0)
            st = sl_fs_status(errno);
        else
            st = sl_fs_write_full(r.fd, keys, n * sizeof *keys, "a key run", NULL);
    }
    free(keys);
    if (!st)
        st = push_run(x, r);
    if (st) {
        run_drop(x, &r);
        return st;
    }
    memset(x->mem.slots, 0, x->mem.cap * sizeof *x->mem.slots);
    x->mem.len = 0;
    x->spills++;
    while (x->nruns >= 2 && x->runs[x->nruns - 2].n <= x->runs[x->nruns - 1].n)
        if ((st = merge_last(x))) {
            x->last_error = st;   /* both runs stay; a later spill tries again */
            break;
        }
    return SL_OK;
}

sl_status sl_keyindex_add(sl_keyindex *x, sl_key128 k)
{
    sl_status st = sl_keyset_add(&x->mem, k);
    if (st || x->mem.len < x->mem_max || x->mem.len < x->retry_at)
        return st;
    if ((st = spill(x))) {
        x->last_error = st;
        x->retry_at = x->mem.len + (x->mem_max / 4 ? x->mem_max / 4 : 1);
        return SL_OK;       /* the keys stay in memory */
    }
    x->retry_at = 0;
    return SL_OK;
}

/* 1 when run r (its file is path) holds k, 0 when not, -1 on a read error
 * (err set). */
static int run_has(const sl_keyrun *r, const char *path, sl_key128 k, sl_error *err)
{
    uint64_t nf = nfence(r->n);
    if (!nf || cmp_key(k, r->fence[0]) < 0)
        return 0;
    uint64_t lo = 0, hi = nf;                 /* the last fence <= k */
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (cmp_key(r->fence[mid], k) <= 0)
            lo = mid;
        else
            hi = mid;
    }
    sl_key128 block[BLOCK_KEYS];
    uint64_t first = lo * BLOCK_KEYS;
    size_t n = (size_t)(r->n - first < BLOCK_KEYS ? r->n - first : BLOCK_KEYS);
    if (sl_fs_pread_full(r->fd, block, n * sizeof *block, first * sizeof *block, path, err))
        return -1;
    size_t a = 0, b = n;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        int c = cmp_key(block[mid], k);
        if (c == 0)
            return 1;
        if (c < 0)
            a = mid + 1;
        else
            b = mid;
    }
    return 0;
}

int sl_keyindex_has(const sl_keyindex *x, sl_key128 k, sl_error *err)
{
    if (sl_keyset_has(&x->mem, k))
        return 1;
    k = fixed(k);
    for (size_t i = x->nruns; i-- > 0;) {
        char path[PATH_MAX];
        run_path(x, x->runs[i].seq, path, sizeof path);
        int r = run_has(&x->runs[i], path, k, err);
        if (r)
            return r;
    }
    return 0;
}

uint64_t sl_keyindex_size(const sl_keyindex *x)
{
    uint64_t n = x->mem.len;
    for (size_t i = 0; i < x->nruns; i++)
        n += x->runs[i].n;
    return n;
}

size_t sl_keyindex_memory(const sl_keyindex *x)
{
    size_t m = x->mem.cap * sizeof(sl_key128) + x->nruns * sizeof(sl_keyrun);
    for (size_t i = 0; i < x->nruns; i++)
        m += (size_t)nfence(x->runs[i].n) * sizeof(sl_key128);
    return m;
}

void sl_keyindex_close(sl_keyindex *x)
{
    for (size_t i = 0; i < x->nruns; i++)
        run_drop(x, &x->runs[i]);
    if (x->dir)
        rmdir(x->dir);      /* fails while another index still has runs there */
    free(x->runs);
    free(x->dir);
    sl_keyset_free(&x->mem);
    memset(x, 0, sizeof *x);
}

/* ------------------------------------------------------------ saving */

sl_status sl_keyindex_flush(sl_keyindex *x, sl_error *err)
{
    if (x->mem.len) {
        sl_status st = spill(x);
        if (st)
            return sl_error_set(err, st, "cannot write the key index in '%s'", x->dir);
    }
    for (size_t i = 0; i < x->nruns; i++) {
        if (fsync(x->runs[i].fd) != 0) {
            char path[PATH_MAX];
            run_path(x, x->runs[i].seq, path, sizeof path);
            return sl_error_set(err, sl_fs_status(errno), "cannot sync '%s': %s", path, strerror(errno));
        }
    }
    return SL_OK;
}

void sl_keyindex_describe(const sl_keyindex *x, sl_buf *b)
{
    sl_buf_putc(b, '[');
    for (size_t i = 0; i < x->nruns; i++)
        sl_buf_printf(b, "%s[%llu,%llu]", i ? "," : "", (unsigned long long)x->runs[i].seq,
                      (unsigned long long)x->runs[i].n);
    sl_buf_putc(b, ']');
}

void sl_keyindex_close_keep(sl_keyindex *x)
{
    for (size_t i = 0; i < x->nruns; i++) {
        close(x->runs[i].fd);
        free(x->runs[i].fence);
    }
    free(x->runs);
    free(x->dir);
    sl_keyset_free(&x->mem);
    memset(x, 0, sizeof *x);
}

sl_status sl_keyindex_adopt(sl_keyindex *x, const uint64_t (*runs)[2], size_t n, sl_error *err)
{
    sl_status st = SL_OK;
    size_t have = 0;
    uint64_t next_seq = x->seq;
    for (; have < n && !st; have++) {
        sl_keyrun r = {.fd = -1, .seq = runs[have][0], .n = runs[have][1]};
        char path[PATH_MAX];
        run_path(x, r.seq, path, sizeof path);
        struct stat sb;
        uint64_t nf = nfence(r.n);
        if ((r.fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(r.fd, &sb) != 0) {
            st = sl_error_set(err, SL_ERR_CORRUPT, "cannot open '%s': %s", path, strerror(errno));
        } else if ((uint64_t)sb.st_size != r.n * sizeof(sl_key128) || r.n == 0) {
            st = sl_error_set(err, SL_ERR_CORRUPT, "'%s' has %llu bytes, not %llu keys", path,
                              (unsigned long long)sb.st_size, (unsigned long long)r.n);
        } else if (!(r.fence = malloc(nf * sizeof *r.fence))) {
            st = sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        }
        for (uint64_t i = 0; !st && i < nf; i++) {
            if (sl_fs_pread_full(r.fd, &r.fence[i], sizeof *r.fence, i * BLOCK_KEYS * sizeof(sl_key128), path,
                                 err))
                st = SL_ERR_CORRUPT;
            else if (i && cmp_key(r.fence[i - 1], r.fence[i]) >= 0)
                st = sl_error_set(err, SL_ERR_CORRUPT, "'%s' is not in order", path);
        }
        if (!st)
            st = push_run(x, r);
        if (st) {
            if (r.fd >= 0)
                close(r.fd);
            free(r.fence);
        } else if (r.seq >= next_seq) {
            next_seq = r.seq + 1;
        }
    }
    if (st) {   /* give back what was taken: x is as it was */
        while (x->nruns) {
            sl_keyrun *r = &x->runs[--x->nruns];
            close(r->fd);
            free(r->fence);
        }
        return st;
    }
    x->seq = next_seq;
    return SL_OK;
}
