/* Ledger lines and key sets (see ledger.h). */
#include "ingest/ledger.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

static size_t slot_of(const sl_keyset *s, sl_key128 k)
{
    return (size_t)((k.lo * 0x9E3779B97F4A7C15ull) ^ (k.hi * 0xC2B2AE3D27D4EB4Full) ^
                    (k.lo >> 29)) & (s->cap - 1);
}

static inline bool empty(sl_key128 k) { return k.lo == 0 && k.hi == 0; }
static inline bool same(sl_key128 a, sl_key128 b) { return a.lo == b.lo && a.hi == b.hi; }
static inline sl_key128 fix(sl_key128 k) { return empty(k) ? (sl_key128){1, 0} : k; }

bool sl_keyset_has(const sl_keyset *s, sl_key128 k)
{
    if (!s->cap)
        return false;
    k = fix(k);
    for (size_t i = slot_of(s, k);; i = (i + 1) & (s->cap - 1)) {
        if (empty(s->slots[i]))
            return false;
        if (same(s->slots[i], k))
            return true;
    }
}

static sl_status resize(sl_keyset *s, size_t cap)
{
    sl_keyset n = {calloc(cap, sizeof(sl_key128)), cap, 0};
    if (!n.slots)
        return SL_ERR_NOMEM;
    for (size_t i = 0; i < s->cap; i++) {
        if (empty(s->slots[i]))
            continue;
        size_t j = slot_of(&n, s->slots[i]);
        while (!empty(n.slots[j]))
            j = (j + 1) & (cap - 1);
        n.slots[j] = s->slots[i];
        n.len++;
    }
    free(s->slots);
    *s = n;
    return SL_OK;
}

sl_status sl_keyset_add(sl_keyset *s, sl_key128 k)
{
    if ((s->len + 1) * 2 > s->cap) {
        sl_status st = resize(s, s->cap ? s->cap * 2 : 1024);
        if (st)
            return st;
    }
    k = fix(k);
    size_t i = slot_of(s, k);
    for (; !empty(s->slots[i]); i = (i + 1) & (s->cap - 1))
        if (same(s->slots[i], k))
            return SL_OK;
    s->slots[i] = k;
    s->len++;
    return SL_OK;
}

void sl_keyset_del(sl_keyset *s, sl_key128 k)
{
    if (!s->cap)
        return;
    k = fix(k);
    size_t i = slot_of(s, k);
    for (; !same(s->slots[i], k); i = (i + 1) & (s->cap - 1))
        if (empty(s->slots[i]))
            return;
    /* Backward shift: move later members of the cluster into the hole when their
     * home slot does not lie cyclically in (hole, position]. */
    size_t hole = i;
    for (size_t j = (i + 1) & (s->cap - 1); !empty(s->slots[j]); j = (j + 1) & (s->cap - 1)) {
        size_t home = slot_of(s, s->slots[j]);
        bool between = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (!between) {
            s->slots[hole] = s->slots[j];
            hole = j;
        }
    }
    s->slots[hole] = (sl_key128){0, 0};
    s->len--;
}

void sl_keyset_free(sl_keyset *s)
{
    free(s->slots);
    memset(s, 0, sizeof *s);
}

sl_key128 sl_content_hash(const void *p, size_t n)
{
    XXH128_hash_t h = XXH3_128bits(p, n);
    return (sl_key128){h.low64, h.high64};
}

void sl_key128_hex(sl_key128 k, char out[33])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        out[i] = hex[(k.hi >> (60 - 4 * i)) & 15];
        out[16 + i] = hex[(k.lo >> (60 - 4 * i)) & 15];
    }
    out[32] = '\0';
}

bool sl_key128_parse(const char *s, size_t n, sl_key128 *out)
{
    if (n != 32)
        return false;
    uint64_t w[2] = {0, 0};
    for (size_t i = 0; i < 32; i++) {
        char c = s[i];
        unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
                   : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) : 16;
        if (d > 15)
            return false;
        w[i / 16] = w[i / 16] << 4 | d;
    }
    out->hi = w[0];
    out->lo = w[1];
    return true;
}

bool sl_job_parse(const char *s, size_t n, uint64_t *cluster, uint64_t *proc)
{
    uint64_t v[2] = {0, 0};
    size_t i = 0;
    for (int part = 0; part < 2; part++) {
        size_t start = i;
        while (i < n && s[i] >= '0' && s[i] <= '9' && i - start < 18)
            v[part] = v[part] * 10 + (uint64_t)(s[i++] - '0');
        if (i == start)
            return false;
        if (part == 0) {
            if (i >= n || (s[i] != '.' && s[i] != '_'))
                return false;
            i++;
        }
    }
    if (i != n)
        return false;
    *cluster = v[0];
    *proc = v[1];
    return true;
}

sl_status sl_ledger_lines(int fd, const char *path, uint64_t *offset, size_t max_line,
                          sl_line_fn fn, void *ctx, sl_error *err)
{
    enum { CHUNK = 1 << 20 };
    sl_buf b;
    sl_buf_init(&b, max_line + CHUNK);
    uint64_t off = *offset;   /* file offset of b.data[0] */
    sl_status st = SL_OK;
    bool stop = false;
    for (bool eof = false; !eof && !st && !stop;) {
        if ((st = sl_buf_reserve(&b, CHUNK))) {
            st = sl_error_set(err, SL_ERR_LIMIT, "'%s': a line longer than %zu bytes", path, max_line);
            break;
        }
        ssize_t r = pread(fd, b.data + b.len, CHUNK, (off_t)(off + b.len));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            st = sl_error_set(err, SL_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
            break;
        }
        eof = r == 0;
        b.len += (size_t)r;
        size_t start = 0;
        for (uint8_t *nl; !st && (nl = memchr(b.data + start, '\n', b.len - start));) {
            size_t end = (size_t)(nl - b.data) + 1;
            st = fn(ctx, b.data + start, end - start - 1);
            if (st == SL_EOF) {
                st = SL_OK;
                stop = true;
                break;
            }
            if (!st) {
                start = end;
                *offset = off + start;
            }
        }
        /* Keep the unread tail at the front. */
        memmove(b.data, b.data + start, b.len - start);
        b.len -= start;
        off += start;
    }
    sl_buf_free(&b);
    return st;
}

typedef struct commit_lines {
    sl_ledger_fn fn;
    void *ctx;
    uint64_t *bad;
    sl_json_reader *r;
    const char *path;
} commit_lines;

static sl_status on_line(void *ctx, const uint8_t *line, size_t n)
{
    commit_lines *c = ctx;
    if (n == 0)
        return SL_OK;
    sl_json_options jo;
    sl_json_options_init(&jo);
    jo.form = SL_JSON_FORM_DOCUMENT;
    sl_error e;
    const sl_json_value *v = NULL;
    sl_status s = c->r ? sl_json_reader_reset_mem(c->r, line, n, c->path, &e)
                       : sl_json_reader_open_mem(line, n, c->path, &jo, &c->r, &e);
    if (s)
        return s;
    if (sl_json_reader_next(c->r, &v, &e) == SL_OK && v->type == SL_JSON_OBJECT)
        return c->fn(c->ctx, v);
    if (c->bad)
        ++*c->bad;
    return SL_OK;
}

sl_status sl_ledger_read(const char *path, uint64_t *offset, sl_ledger_fn fn, void *ctx,
                         uint64_t *bad, sl_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return SL_OK;
        return sl_error_set(err, SL_ERR_IO, "cannot open ledger '%s': %s", path, strerror(errno));
    }
    commit_lines c = {fn, ctx, bad, NULL, path};
    sl_status st = sl_ledger_lines(fd, path, offset, (size_t)256 << 20, on_line, &c, err);
    sl_json_reader_free(c.r);
    close(fd);
    return st;
}
