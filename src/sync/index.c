/* The key index of a table: for every primary key published or pending, a
 * 96-bit hash of the key, a 64-bit hash of the row's content, the part it came
 * from, and its state. Open addressing with linear probing over a power-of-two
 * array, at most three quarters full: 24 bytes a slot, so a million keys take
 * 32 MiB. Keys are never removed (a dropped entry keeps its slot).
 *
 * 96 bits make a false match of two different keys about 2^-97 per pair (for a
 * million keys, 1e-17 in all); the content hash only decides between a duplicate
 * and a conflict of the same key.
 *
 * On disk the slots are written as they are in memory, after a header with a
 * checksum, so loading is one read; the file is only ever read by the host that
 * wrote it (little-endian). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "sync/sync_int.h"

sync_entry *sync_index_get(const sync_index *ix, sync_hkey k)
{
    if (!ix->cap)
        return NULL;
    size_t mask = ix->cap - 1;
    for (size_t h = (size_t)k.lo & mask;; h = (h + 1) & mask) {
        sync_entry *e = &ix->slots[h];
        if (!e->meta)
            return NULL;
        if (e->key == k.lo && e->key_hi == k.hi)
            return e;
    }
}

/* Moves the entries into an array of cap slots. */
static sl_status rehash(sync_index *ix, size_t cap)
{
    if (cap > SIZE_MAX / sizeof(sync_entry) / 2)
        return SL_ERR_NOMEM;
    sync_entry *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return SL_ERR_NOMEM;
    for (size_t i = 0; i < ix->cap; i++) {
        const sync_entry *e = &ix->slots[i];
        if (!e->meta)
            continue;
        size_t h = (size_t)e->key & (cap - 1);
        while (slots[h].meta)
            h = (h + 1) & (cap - 1);
        slots[h] = *e;
    }
    free(ix->slots);
    ix->slots = slots;
    ix->cap = cap;
    return SL_OK;
}

sl_status sync_index_reserve(sync_index *ix, size_t n)
{
    size_t cap = ix->cap ? ix->cap : 1024;
    while (n * 4 > cap * 3)
        cap *= 2;
    return cap == ix->cap ? SL_OK : rehash(ix, cap);
}

sl_status sync_index_slot(sync_index *ix, sync_hkey k, sync_entry **out, bool *found)
{
    sl_status st = sync_index_reserve(ix, ix->count + 1);
    if (st)
        return st;
    size_t mask = ix->cap - 1;
    size_t h = (size_t)k.lo & mask;
    while (ix->slots[h].meta && !(ix->slots[h].key == k.lo && ix->slots[h].key_hi == k.hi))
        h = (h + 1) & mask;
    sync_entry *e = &ix->slots[h];
    *found = e->meta != 0;
    if (!*found) {
        e->key = k.lo;
        e->key_hi = k.hi;
        e->content = 0;
        e->meta = SYNC_ORIGIN_NONE << 2 | SYNC_DROPPED;   /* taken: the caller fills it */
        ix->count++;
    }
    *out = e;
    return SL_OK;
}

sl_status sync_index_set(sync_index *ix, sync_hkey k, uint64_t content, uint32_t origin,
                         unsigned state)
{
    sync_entry *e;
    bool found;
    sl_status st = sync_index_slot(ix, k, &e, &found);
    if (!st)
        sync_entry_fill(e, content, origin, state);
    return st;
}

void sync_index_free(sync_index *ix)
{
    if (!ix)
        return;
    free(ix->slots);
    memset(ix, 0, sizeof *ix);
}

/* ------------------------------------------------------------ the file */

typedef struct idx_header {
    char magic[8];           /* "SLSYIDX1" */
    uint64_t sig;            /* the caller's signature of what was hashed */
    uint64_t gen;            /* the generation of the pass that wrote it */
    uint64_t cap, count;     /* main */
    uint64_t alt_cap, alt_count;
    uint64_t check;          /* XXH3 of both slot arrays */
} idx_header;

static const char MAGIC[8] = {'S', 'L', 'S', 'Y', 'I', 'D', 'X', '1'};

static uint64_t checksum(const sync_index *a, const sync_index *b)
{
    uint64_t h = a->cap ? XXH3_64bits(a->slots, a->cap * sizeof(sync_entry)) : 0;
    return b->cap ? XXH3_64bits_withSeed(b->slots, b->cap * sizeof(sync_entry), h) : h;
}

sl_status sync_index_save(const char *path, uint64_t sig, uint64_t gen, const sync_index *main,
                          const sync_index *alt, sl_error *err)
{
    idx_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, MAGIC, sizeof MAGIC);
    h.sig = sig;
    h.gen = gen;
    h.cap = main->cap;
    h.count = main->count;
    h.alt_cap = alt->cap;
    h.alt_count = alt->count;
    h.check = checksum(main, alt);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        int e = errno;
        return sl_error_set(err, sl_fs_status(e), "cannot create '%s': %s", path, strerror(e));
    }
    sl_status st = sl_fs_write_full(fd, &h, sizeof h, path, err);
    if (!st && main->cap)
        st = sl_fs_write_full(fd, main->slots, main->cap * sizeof(sync_entry), path, err);
    if (!st && alt->cap)
        st = sl_fs_write_full(fd, alt->slots, alt->cap * sizeof(sync_entry), path, err);
    if (!st && fsync(fd) != 0) {
        int e = errno;
        st = sl_error_set(err, sl_fs_status(e), "cannot fsync '%s': %s", path, strerror(e));
    }
    close(fd);
    return st;
}

static bool pow2_or_zero(uint64_t v) { return (v & (v - 1)) == 0; }

sl_status sync_index_load(const char *path, uint64_t *sig, uint64_t *gen, sync_index *main,
                          sync_index *alt, sl_error *err)
{
    memset(main, 0, sizeof *main);
    memset(alt, 0, sizeof *alt);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return sl_error_set(err, e == ENOENT ? SL_ERR_CORRUPT : SL_ERR_IO, "cannot open '%s': %s",
                            path, strerror(e));
    }
    idx_header h;
    off_t size = lseek(fd, 0, SEEK_END);
    sl_status st = SL_OK;
    if (size < (off_t)sizeof h) {
        st = sl_error_set(err, SL_ERR_CORRUPT, "'%s' is not an index", path);
        goto done;
    }
    if ((st = sl_fs_pread_full(fd, &h, sizeof h, 0, path, err)))
        goto done;
    uint64_t limit = (uint64_t)1 << 36;  /* slots: far beyond any real table */
    if (memcmp(h.magic, MAGIC, sizeof MAGIC) != 0 || h.cap > limit || h.alt_cap > limit ||
        !pow2_or_zero(h.cap) || !pow2_or_zero(h.alt_cap) || h.count > h.cap ||
        h.alt_count > h.alt_cap ||
        (uint64_t)size != sizeof h + (h.cap + h.alt_cap) * sizeof(sync_entry)) {
        st = sl_error_set(err, SL_ERR_CORRUPT, "'%s' is not a valid index", path);
        goto done;
    }
    main->slots = h.cap ? malloc(h.cap * sizeof(sync_entry)) : NULL;
    alt->slots = h.alt_cap ? malloc(h.alt_cap * sizeof(sync_entry)) : NULL;
    if ((h.cap && !main->slots) || (h.alt_cap && !alt->slots)) {
        st = sl_error_set(err, SL_ERR_NOMEM, "out of memory loading '%s'", path);
        goto done;
    }
    main->cap = h.cap;
    main->count = h.count;
    alt->cap = h.alt_cap;
    alt->count = h.alt_count;
    uint64_t off = sizeof h;
    if (h.cap && (st = sl_fs_pread_full(fd, main->slots, h.cap * sizeof(sync_entry), off, path, err)))
        goto done;
    off += h.cap * sizeof(sync_entry);
    if (h.alt_cap && (st = sl_fs_pread_full(fd, alt->slots, h.alt_cap * sizeof(sync_entry), off, path, err)))
        goto done;
    if (checksum(main, alt) != h.check)
        st = sl_error_set(err, SL_ERR_CORRUPT, "'%s': checksum mismatch", path);
    *sig = h.sig;
    *gen = h.gen;
done:
    close(fd);
    if (st) {
        sync_index_free(main);
        sync_index_free(alt);
    }
    return st;
}
