/* Writer-side encodings (see encode.h). Format facts from parquet-format's
 * Encodings.md: an RLE run is varint(count << 1) then the value in
 * ceil(bit_width / 8) little-endian bytes; a bit-packed run is
 * varint(groups << 1 | 1) then groups of 8 values packed LSB first. */
#include "parquet/encode.h"

#include "base/bytes.h"

#include <stdlib.h>
#include <string.h>
/* XXH3 inlined here: the dictionary hashes every short value of a chunk, where a
 * call into the shared library cost more than the hash. */
#define XXH_INLINE_ALL
#include <xxhash.h>

int pq_enc_bit_width(uint32_t max)
{
    int w = 0;
    while (max) {
        w++;
        max >>= 1;
    }
    return w;
}

static sl_status put_varint(sl_buf *out, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (uint8_t)v;
    return sl_buf_append(out, tmp, n);
}

/* The length of the run of equal values at v[i] (at least 1). */
static size_t run_u32(const uint32_t *v, size_t i, size_t n)
{
    size_t j = i + 1;
    while (j < n && v[j] == v[i])
        j++;
    return j - i;
}

/* Levels come in long runs (a column without nulls is one run): 8 at a time. */
static size_t run_u8(const uint8_t *v, size_t i, size_t n)
{
    uint64_t pat = 0x0101010101010101ull * v[i];
    size_t j = i + 1;
    for (; j + 8 <= n; j += 8) {
        uint64_t w;
        memcpy(&w, v + j, 8);
        if (w != pat)
            return j - i + (size_t)(__builtin_ctzll(w ^ pat) >> 3);
    }
    while (j < n && v[j] == v[i])
        j++;
    return j - i;
}

/* The encoder is the same for both input widths; the macro stamps out each.
 * Bit-packed values gather in a 64-bit accumulator that is stored 32 bits at a
 * time; 8 values of bw bits are bw bytes, so a run of groups ends on a byte. */
#define PQ_RLE_ENCODER(NAME, T, RUN)                                                   \
    sl_status NAME(sl_buf *out, const T *v, size_t n, int bw)                          \
    {                                                                                  \
        sl_status s;                                                                   \
        size_t vbytes = ((size_t)bw + 7) / 8;                                          \
        size_t i = 0;                                                                  \
        while (i < n) {                                                                \
            size_t r = RUN(v, i, n);                                                   \
            if (r >= 8) {                                                              \
                if ((s = put_varint(out, (uint64_t)r << 1)))                           \
                    return s;                                                          \
                uint8_t b[4];                                                          \
                for (size_t k = 0; k < vbytes; k++)                                    \
                    b[k] = (uint8_t)((uint32_t)v[i] >> (8 * k));                       \
                if ((s = sl_buf_append(out, b, vbytes)))                               \
                    return s;                                                          \
                i += r;                                                                \
                continue;                                                              \
            }                                                                          \
            /* Bit-packed groups until a run of 8 starts at a group boundary. */       \
            size_t j = i;                                                              \
            do {                                                                       \
                j += 8;                                                                \
            } while (j < n && RUN(v, j, n) < 8);                                       \
            size_t end = j < n ? j : n;                                                \
            size_t groups = (j - i) / 8;                                               \
            if ((s = put_varint(out, (uint64_t)groups << 1 | 1)))                      \
                return s;                                                              \
            size_t nbytes = groups * (size_t)bw;                                       \
            if ((s = sl_buf_reserve(out, nbytes)))                                     \
                return s;                                                              \
            uint8_t *o = out->data + out->len;                                         \
            uint64_t acc = 0;                                                          \
            int nacc = 0;                                                              \
            size_t k = i;                                                              \
            for (; k < end; k++) {                                                     \
                acc |= (uint64_t)v[k] << nacc;                                         \
                nacc += bw;                                                            \
                if (nacc >= 32) {                                                      \
                    uint32_t word = (uint32_t)acc;                                     \
                    memcpy(o, &word, 4);                                               \
                    o += 4;                                                            \
                    acc >>= 32;                                                        \
                    nacc -= 32;                                                        \
                }                                                                      \
            }                                                                          \
            /* the last group's padding: zeros */                                      \
            for (nacc += (int)(j - end) * bw; nacc >= 32; nacc -= 32) {                \
                uint32_t word = (uint32_t)acc;                                         \
                memcpy(o, &word, 4);                                                   \
                o += 4;                                                                \
                acc >>= 32;                                                            \
            }                                                                          \
            for (; nacc > 0; nacc -= 8) {                                              \
                *o++ = (uint8_t)acc;                                                   \
                acc >>= 8;                                                             \
            }                                                                          \
            out->len += nbytes;                                                        \
            i = end;                                                                   \
        }                                                                              \
        return SL_OK;                                                                  \
    }

PQ_RLE_ENCODER(pq_rle_encode_u32, uint32_t, run_u32)
PQ_RLE_ENCODER(pq_rle_encode_u8, uint8_t, run_u8)

sl_status pq_plain_bools(sl_buf *out, const uint8_t *v, size_t n)
{
    size_t nbytes = (n + 7) / 8;
    sl_status s = sl_buf_reserve(out, nbytes);
    if (s)
        return s;
    uint8_t *o = out->data + out->len;
    memset(o, 0, nbytes);
    for (size_t i = 0; i < n; i++)
        o[i >> 3] |= (uint8_t)((v[i] != 0) << (i & 7));
    out->len += nbytes;
    return SL_OK;
}

/* ------------------------------------------------------------ dictionary */

void pq_dict_init(pq_dict *d, uint32_t width)
{
    memset(d, 0, sizeof *d);
    d->width = width;
    sl_buf_init(&d->data, 0);
}

void pq_dict_clear(pq_dict *d)
{
    d->count = 0;
    sl_buf_clear(&d->data);
    if (d->table)
        memset(d->table, 0, ((size_t)d->table_mask + 1) * sizeof *d->table);
}

void pq_dict_free(pq_dict *d)
{
    if (!d)
        return;
    sl_buf_free(&d->data);
    free(d->offs);
    free(d->table);
    uint32_t w = d->width;
    pq_dict_init(d, w);
}

/* Rehashes into a table of cap slots (a power of two, at least the current). */
static sl_status resize_table(pq_dict *d, size_t cap)
{
    size_t old = d->table ? (size_t)d->table_mask + 1 : 0;
    if (cap > (size_t)1 << 31)
        return SL_ERR_LIMIT;
    uint64_t *t = calloc(cap, sizeof *t);
    if (!t)
        return SL_ERR_NOMEM;
    uint32_t mask = (uint32_t)(cap - 1);
    for (size_t i = 0; i < old; i++) {
        uint64_t e = d->table[i];
        if (!e)
            continue;
        uint32_t h = (uint32_t)(e >> 32) & mask;
        while (t[h])
            h = (h + 1) & mask;
        t[h] = e;
    }
    free(d->table);
    d->table = t;
    d->table_mask = mask;
    return SL_OK;
}

static sl_status grow_table(pq_dict *d)
{
    return resize_table(d, d->table ? ((size_t)d->table_mask + 1) * 2 : 1024);
}

static sl_status reserve_entries(pq_dict *d, uint32_t cap)
{
    if (!d->width) {
        uint32_t *o = realloc(d->offs, (size_t)cap * sizeof *o);
        if (!o)
            return SL_ERR_NOMEM;
        d->offs = o;
    }
    d->cap_entries = cap;
    return SL_OK;
}

static sl_status grow_entries(pq_dict *d)
{
    uint32_t cap = d->cap_entries ? d->cap_entries * 2 : 1024;
    if (cap < d->cap_entries)
        return SL_ERR_LIMIT;
    return reserve_entries(d, cap);
}

sl_status pq_dict_reserve(pq_dict *d, uint32_t entries, size_t bytes)
{
    sl_status s;
    size_t slots = d->table ? (size_t)d->table_mask + 1 : 1024;
    while (slots / 2 < entries && slots <= (size_t)1 << 30)
        slots *= 2;
    if ((!d->table || slots > (size_t)d->table_mask + 1) && (s = resize_table(d, slots)))
        return s;
    if (entries > d->cap_entries && (s = reserve_entries(d, entries)))
        return s;
    return sl_buf_reserve(&d->data, bytes);
}

/* The hash of a value. Only the dictionary's speed depends on it, never the bytes
 * written: entries are numbered in the order they are first seen.
 *
 * Every function from here to pq_dict_put_range takes the value width w as an
 * argument rather than reading d->width, and is inlined into one copy of the
 * lookup loop per width, where the tests on w fold away. */
#define HASH_K1 0x9e3779b97f4a7c15ull
#define HASH_K2 0xc2b2ae3d27d4eb4full

/* Byte strings up to 16 bytes (most keys, codes and names): two loads that cover
 * the string and one 64 x 64 -> 128-bit multiply, folded; longer ones XXH3. */
static inline uint64_t bytes_hash(const uint8_t *p, uint32_t len)
{
#ifdef __SIZEOF_INT128__
    if (len <= 16) {
        uint64_t a = 0, b = 0;
        if (len >= 8) {
            memcpy(&a, p, 8);
            memcpy(&b, p + len - 8, 8);
        } else if (len >= 4) {
            uint32_t x, y;
            memcpy(&x, p, 4);
            memcpy(&y, p + len - 4, 4);
            a = x;
            b = y;
        } else if (len) {
            a = p[0] | (uint64_t)p[len >> 1] << 8 | (uint64_t)p[len - 1] << 16;
        }
        unsigned __int128 m = (unsigned __int128)(a ^ HASH_K1) * (b ^ HASH_K2 ^ len);
        return (uint64_t)m ^ (uint64_t)(m >> 64);
    }
#endif
    return XXH3_64bits(p, len);
}

static inline uint32_t value_hash(uint32_t w, const uint8_t *p, uint32_t len)
{
    uint64_t x;
    if (w == 8) {
        memcpy(&x, p, 8);
    } else if (w == 4) {
        uint32_t y;
        memcpy(&y, p, 4);
        x = y;
    } else {
        x = bytes_hash(p, len);
        return (uint32_t)(x >> 32) ^ (uint32_t)x;
    }
    x = (x ^ (x >> 31)) * HASH_K1;
    return (uint32_t)(x >> 32) ^ (uint32_t)x;
}

static inline __attribute__((always_inline)) bool
entry_equals(const pq_dict *d, uint32_t w, uint32_t e, const uint8_t *p,
             uint32_t len)
{
    if (w == 8 || w == 4) {
        uint64_t x = 0, y = 0;
        memcpy(&x, d->data.data + (size_t)e * w, w);
        memcpy(&y, p, w);
        return x == y;
    }
    if (w)
        return memcmp(d->data.data + (size_t)e * w, p, w) == 0;
    uint32_t elen;
    const uint8_t *q = pq_dict_entry(d, e, &elen);
    if (elen != len)
        return false;
    if (len < 4)   /* bytes 0, len / 2 and len - 1 are all of them; no memcmp call */
        return len == 0 || (q[0] == p[0] && q[len >> 1] == p[len >> 1] && q[len - 1] == p[len - 1]);
    return sl_same_short(q, p, len);
}

/* Adds the value as entry d->count, in the empty slot that its lookup ended at. */
static __attribute__((noinline)) sl_status insert(pq_dict *d, const uint8_t *p, uint32_t len,
                                                  uint32_t h32, uint32_t slot,
                                                  size_t max_bytes, uint32_t *idx)
{
    sl_status s;
    size_t add = d->width ? d->width : 4 + (size_t)len;
    if (d->data.len + add > max_bytes || d->data.len + add > UINT32_MAX)
        return SL_ERR_LIMIT;
    if (d->count == d->cap_entries && (s = grow_entries(d)))
        return s;
    uint32_t e = d->count;
    if (!d->width) {
        d->offs[e] = (uint32_t)d->data.len;
        uint8_t pre[4] = {(uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16),
                          (uint8_t)(len >> 24)};
        if ((s = sl_buf_append(&d->data, pre, 4)))
            return s;
    }
    if (len && (s = sl_buf_append(&d->data, p, len)))
        return s;
    d->count++;
    d->table[slot] = (uint64_t)h32 << 32 | (e + 1);
    *idx = e;
    /* Keep the load factor under 1/2. */
    if ((size_t)d->count * 2 > (size_t)d->table_mask + 1)
        return grow_table(d);
    return SL_OK;
}

/* Looks the value up by its hash h32 and inserts it when new. d->table is set. */
static inline __attribute__((always_inline)) sl_status
put_hashed(pq_dict *d, uint32_t w, const uint8_t *p, uint32_t len, uint32_t h32,
           size_t max_bytes, uint32_t *idx)
{
    const uint64_t *t = d->table;
    uint32_t mask = d->table_mask, slot = h32 & mask;
    for (;;) {
        uint64_t e = t[slot];
        if (!e)
            break;
        if ((uint32_t)(e >> 32) == h32 && entry_equals(d, w, (uint32_t)e - 1, p, len)) {
            *idx = (uint32_t)e - 1;
            return SL_OK;
        }
        slot = (slot + 1) & mask;
    }
    return insert(d, p, len, h32, slot, max_bytes, idx);
}

sl_status pq_dict_put(pq_dict *d, const uint8_t *p, uint32_t len, size_t max_bytes,
                      uint32_t *idx)
{
    sl_status s;
    if (!d->table && (s = grow_table(d)))
        return s;
    return put_hashed(d, d->width, p, len, value_hash(d->width, p, len), max_bytes, idx);
}

/* The value at byte *cur of a PLAIN buffer; advances *cur past it. */
static inline const uint8_t *plain_value(const uint8_t *values, uint32_t width, size_t *cur,
                                         uint32_t *len)
{
    const uint8_t *p = values + *cur;
    if (width) {
        *len = width;
        *cur += width;
        return p;
    }
    memcpy(len, p, 4);
    *cur += 4 + (size_t)*len;
    return p + 4;
}

#define PUT_AHEAD 16
/* Tables under this many slots (32 kB) stay in the L1 and L2 caches, where
 * hashing ahead only adds work: a 4-entry dictionary's values took 40% longer
 * through the ring below than one by one. */
#define NEAR_SLOTS 4096

/* pq_dict_put_range for values of width w (d->width); see the dispatch below. */
static inline __attribute__((always_inline)) sl_status
put_range(pq_dict *d, uint32_t w, const uint8_t *values, size_t *cur, size_t from, size_t to,
          size_t max_bytes, uint32_t *idx, size_t *done)
{
    sl_status s = SL_OK;
    size_t i = from;
    /* A small table: one value at a time, until it grows past the caches. */
    for (; i < to && d->table_mask < NEAR_SLOTS; i++) {
        size_t at = *cur;
        uint32_t len;
        const uint8_t *p = plain_value(values, w, cur, &len);
        if ((s = put_hashed(d, w, p, len, value_hash(w, p, len), max_bytes, &idx[i]))) {
            *cur = at;
            goto out;
        }
    }
    /* The values of a chunk land at random in a large dictionary's table: hash
     * them PUT_AHEAD values ahead and start the load of each one's slot then. */
    uint32_t ring[PUT_AHEAD];
    size_t hcur = *cur, hashed = i;
    for (; i < to; i++) {
        for (; hashed < to && hashed < i + PUT_AHEAD; hashed++) {
            uint32_t len;
            const uint8_t *p = plain_value(values, w, &hcur, &len);
            uint32_t h = value_hash(w, p, len);
            ring[hashed % PUT_AHEAD] = h;
            __builtin_prefetch(&d->table[h & d->table_mask]);
        }
        size_t at = *cur;
        uint32_t len;
        const uint8_t *p = plain_value(values, w, cur, &len);
        if ((s = put_hashed(d, w, p, len, ring[i % PUT_AHEAD], max_bytes, &idx[i]))) {
            *cur = at;
            break;
        }
    }
out:
    *done = i;
    return s == SL_ERR_LIMIT ? SL_OK : s;
}

sl_status pq_dict_put_range(pq_dict *d, const uint8_t *values, size_t *cur, size_t from,
                            size_t to, size_t max_bytes, uint32_t *idx, size_t *done)
{
    sl_status s;
    if (!d->table && (s = grow_table(d)))
        return s;
    switch (d->width) {
    case 0: return put_range(d, 0, values, cur, from, to, max_bytes, idx, done);
    case 4: return put_range(d, 4, values, cur, from, to, max_bytes, idx, done);
    case 8: return put_range(d, 8, values, cur, from, to, max_bytes, idx, done);
    default: return put_range(d, d->width, values, cur, from, to, max_bytes, idx, done);
    }
}
