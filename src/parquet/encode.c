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

/* Bit-packing: groups of 8 values of bw bits are bw bytes, LSB first, so every
 * group starts on a byte and is packed on its own. Up to 16 bits a group is two
 * 64-bit words of 4 values each, with shifts fixed for the call, and one or two
 * stores; wider values gather in a 64-bit accumulator stored 32 bits at a time.
 * The word stores write up to PACK_SLACK bytes past the group, into room the
 * caller has reserved and later bytes overwrite. */
#define PACK_SLACK 16

#define PQ_PACKER(NAME, T)                                                             \
    static void NAME(uint8_t *o, const T *v, size_t groups, int bw)                    \
    {                                                                                  \
        int s1 = bw, s2 = 2 * bw, s3 = 3 * bw, s4 = 4 * bw;                            \
        if (bw <= 16) {                                                                \
            for (size_t g = 0; g < groups; g++, v += 8, o += bw) {                     \
                uint64_t lo = (uint64_t)v[0] | (uint64_t)v[1] << s1 |                  \
                              (uint64_t)v[2] << s2 | (uint64_t)v[3] << s3;             \
                uint64_t hi = (uint64_t)v[4] | (uint64_t)v[5] << s1 |                  \
                              (uint64_t)v[6] << s2 | (uint64_t)v[7] << s3;             \
                uint64_t x0 = bw == 16 ? lo : lo | hi << s4;                           \
                memcpy(o, &x0, 8);                                                     \
                if (bw > 8) {                                                          \
                    uint64_t x1 = bw == 16 ? hi : hi >> (64 - s4);                     \
                    memcpy(o + 8, &x1, 8);                                             \
                }                                                                      \
            }                                                                          \
            return;                                                                    \
        }                                                                              \
        uint64_t acc = 0;                                                              \
        int nacc = 0;                                                                  \
        for (size_t k = 0; k < groups * 8; k++) {                                      \
            acc |= (uint64_t)v[k] << nacc;                                             \
            nacc += bw;                                                                \
            if (nacc >= 32) {                                                          \
                uint32_t word = (uint32_t)acc;                                         \
                memcpy(o, &word, 4);                                                   \
                o += 4;                                                                \
                acc >>= 32;                                                            \
                nacc -= 32;                                                            \
            }                                                                          \
        }                                                                              \
        for (; nacc > 0; nacc -= 8) {                                                  \
            *o++ = (uint8_t)acc;                                                       \
            acc >>= 8;                                                                 \
        }                                                                              \
    }

PQ_PACKER(pack_u32, uint32_t)
PQ_PACKER(pack_u8, uint8_t)

/* The encoder is the same for both input widths; the macro stamps out each. */
#define PQ_RLE_ENCODER(NAME, T, RUN, PACK)                                             \
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
            if ((s = sl_buf_reserve(out, nbytes + PACK_SLACK)))                        \
                return s;                                                              \
            uint8_t *o = out->data + out->len;                                         \
            size_t full = (end - i) / 8;                                               \
            PACK(o, v + i, full, bw);                                                  \
            if (full < groups) { /* the last group, zero-padded */                     \
                T last[8] = {0};                                                       \
                memcpy(last, v + i + full * 8, (end - i - full * 8) * sizeof(T));      \
                PACK(o + full * (size_t)bw, last, 1, bw);                              \
            }                                                                          \
            out->len += nbytes;                                                        \
            i = end;                                                                   \
        }                                                                              \
        return SL_OK;                                                                  \
    }

PQ_RLE_ENCODER(pq_rle_encode_u32, uint32_t, run_u32, pack_u32)
PQ_RLE_ENCODER(pq_rle_encode_u8, uint8_t, run_u8, pack_u8)

sl_status pq_plain_bools(sl_buf *out, const uint8_t *v, size_t n)
{
    size_t nbytes = (n + 7) / 8;
    sl_status s = sl_buf_reserve(out, nbytes);
    if (s)
        return s;
    uint8_t *o = out->data + out->len;
    /* 8 values a byte: each nonzero byte's top bit, then the 8 top bits gathered
     * by one multiply (every product term lands on its own bit, so nothing
     * carries into the top byte, which is the result). */
    const uint64_t low7 = 0x7f7f7f7f7f7f7f7full;
    size_t full = n / 8;
    for (size_t k = 0; k < full; k++) {
        uint64_t x;
        memcpy(&x, v + 8 * k, 8);
        uint64_t top = (((x & low7) + low7) | x) & ~low7;
        o[k] = (uint8_t)(((top >> 7) * 0x0102040810204080ull) >> 56);
    }
    if (full < nbytes) {
        o[full] = 0;
        for (size_t i = full * 8; i < n; i++)
            o[full] |= (uint8_t)((v[i] != 0) << (i & 7));
    }
    out->len += nbytes;
    return SL_OK;
}

/* ------------------------------------------------------------ repeats */

static inline uint64_t load_w(const uint8_t *v, uint32_t w, size_t i)
{
    if (w == 8) {
        uint64_t x;
        memcpy(&x, v + i * 8, 8);
        return x;
    }
    uint32_t x;
    memcpy(&x, v + i * 4, 4);
    return x;
}

static inline __attribute__((always_inline)) bool
few_repeats(const uint8_t *v, uint32_t w, size_t n, size_t max_repeats, uint64_t *set,
            int set_bits)
{
    /* Increasing values (a sequence, times in order) are all distinct. */
    size_t i = 1;
    for (uint64_t prev = n ? load_w(v, w, 0) : 0; i < n; i++) {
        uint64_t x = load_w(v, w, i);
        if (x <= prev)
            break;
        prev = x;
    }
    if (i >= n)
        return true;
    /* Else a set of the values themselves (exact, unlike one of hashes); 0 marks
     * an empty slot, so the value 0 is kept apart. */
    size_t mask = ((size_t)1 << set_bits) - 1, repeats = 0;
    bool zero = false;
    memset(set, 0, (mask + 1) * sizeof *set);
    for (i = 0; i < n && repeats <= max_repeats; i++) {
        uint64_t x = load_w(v, w, i);
        if (!x) {
            repeats += zero;
            zero = true;
            continue;
        }
        size_t h = (size_t)(((x ^ (x >> 32)) * 0x9e3779b97f4a7c15ull) >> (64 - set_bits));
        while (set[h] && set[h] != x)
            h = (h + 1) & mask;
        repeats += set[h] != 0;
        set[h] = x;
    }
    return repeats <= max_repeats;
}

bool pq_few_repeats(const uint8_t *v, uint32_t w, size_t n, size_t max_repeats, uint64_t *set,
                    int set_bits)
{
    return w == 8 ? few_repeats(v, 8, n, max_repeats, set, set_bits)
                  : few_repeats(v, 4, n, max_repeats, set, set_bits);
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
    free(d->keys);
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
        pq_dkey *k = realloc(d->keys, (size_t)cap * sizeof *k);
        if (!k)
            return SL_ERR_NOMEM;
        d->keys = k;
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

/* ------------------------------------------------------------ lookups */

/* A value as the lookup sees it: fixed-width values by their bytes, byte arrays
 * by their key (pq_dkey) and their bytes. */
typedef struct pq_val {
    const uint8_t *p;
    uint32_t len;
    uint64_t head[2];      /* byte arrays */
} pq_val;

/* head_mask[n]: the masks that keep the first n bytes of two 8-byte words. */
#define M(n) ((n) >= 8 ? ~0ull : (1ull << (8 * (n))) - 1)
#define HM(n) {M(n), (n) > 8 ? M((n) - 8) : 0}
static const uint64_t head_mask[17][2] = {
    HM(0), HM(1), HM(2), HM(3), HM(4), HM(5), HM(6), HM(7), HM(8),
    HM(9), HM(10), HM(11), HM(12), HM(13), HM(14), HM(15), HM(16),
};
#undef HM
#undef M

/* Sets v's key from its bytes. With 16 bytes of the buffer from v->p (end is
 * where the buffer ends) the key is two word loads and masks; the last short
 * values of a buffer are copied. */
static inline void load_head(pq_val *v, const uint8_t *end)
{
    uint32_t n = v->len < 16 ? v->len : 16;
    if (end - v->p >= 16) {
        memcpy(&v->head[0], v->p, 8);
        memcpy(&v->head[1], v->p + 8, 8);
        v->head[0] &= head_mask[n][0];
        v->head[1] &= head_mask[n][1];
    } else {
        uint8_t t[16] = {0};
        if (n)
            memcpy(t, v->p, n);
        memcpy(&v->head[0], t, 8);
        memcpy(&v->head[1], t + 8, 8);
    }
}

/* The hash of a value. Only the dictionary's speed depends on it, never the bytes
 * written: entries are numbered in the order they are first seen.
 *
 * Every function from here to pq_dict_put_range takes the value width w as an
 * argument rather than reading d->width, and is inlined into one copy of the
 * lookup loop per width, where the tests on w fold away. */
#define HASH_K1 0x9e3779b97f4a7c15ull
#define HASH_K2 0xc2b2ae3d27d4eb4full

static inline uint32_t fold(uint64_t x)
{
    return (uint32_t)(x >> 32) ^ (uint32_t)x;
}

/* A byte array's key, mixed by one 64 x 64 -> 128-bit multiply; the bytes past
 * the key, if any, by XXH3. */
static inline uint32_t bytes_hash(const pq_val *v)
{
    uint64_t a = v->head[0] ^ HASH_K1, b = v->head[1] ^ HASH_K2 ^ v->len, x;
#ifdef __SIZEOF_INT128__
    unsigned __int128 m = (unsigned __int128)a * b;
    x = (uint64_t)m ^ (uint64_t)(m >> 64);
#else
    x = a * HASH_K2 ^ (b << 31 | b >> 33) * HASH_K1;
    x ^= x >> 29;
#endif
    if (v->len > 16)
        x ^= XXH3_64bits(v->p + 16, v->len - 16);
    return fold(x);
}

static inline uint32_t value_hash(uint32_t w, const pq_val *v)
{
    uint64_t x;
    if (w == 8) {
        memcpy(&x, v->p, 8);
    } else if (w == 4) {
        uint32_t y;
        memcpy(&y, v->p, 4);
        x = y;
    } else if (w) {
        return fold(XXH3_64bits(v->p, w));
    } else {
        return bytes_hash(v);
    }
    x = (x ^ (x >> 31)) * HASH_K1;
    return fold(x);
}

/* Bytes [16, len) of two byte arrays of len > 16 bytes, by words: no call, and
 * no load outside either (the last word overlaps the key, which is equal). */
static inline bool same_tail(const uint8_t *a, const uint8_t *b, uint32_t len)
{
    uint64_t x, y;
    for (uint32_t k = 16; k + 8 < len; k += 8) {
        memcpy(&x, a + k, 8);
        memcpy(&y, b + k, 8);
        if (x != y)
            return false;
    }
    memcpy(&x, a + len - 8, 8);
    memcpy(&y, b + len - 8, 8);
    return x == y;
}

static inline __attribute__((always_inline)) bool
entry_equals(const pq_dict *d, uint32_t w, uint32_t e, const pq_val *v)
{
    if (w == 8 || w == 4) {
        uint64_t x = 0, y = 0;
        memcpy(&x, d->data.data + (size_t)e * w, w);
        memcpy(&y, v->p, w);
        return x == y;
    }
    if (w)
        return memcmp(d->data.data + (size_t)e * w, v->p, w) == 0;
    const pq_dkey *k = &d->keys[e];
    if (((k->head[0] ^ v->head[0]) | (k->head[1] ^ v->head[1]) | (k->len ^ v->len)) != 0)
        return false;
    return v->len <= 16 || same_tail(d->data.data + k->off + 4, v->p, v->len);
}

/* The entry holding the value, found by its hash h32; -1: none. d->table is set. */
static inline __attribute__((always_inline)) int64_t
lookup(const pq_dict *d, uint32_t w, const pq_val *v, uint32_t h32)
{
    const uint64_t *t = d->table;
    uint32_t mask = d->table_mask, slot = h32 & mask;
    for (uint64_t e; (e = t[slot]) != 0; slot = (slot + 1) & mask)
        if ((uint32_t)(e >> 32) == h32 && entry_equals(d, w, (uint32_t)e - 1, v))
            return (uint32_t)e - 1;
    return -1;
}

/* Adds the value, which d does not hold, as entry d->count. */
static __attribute__((noinline)) sl_status insert(pq_dict *d, const pq_val *v, uint32_t h32,
                                                  size_t max_bytes, uint32_t *idx)
{
    sl_status s;
    uint32_t len = v->len;
    size_t add = d->width ? d->width : 4 + (size_t)len;
    if (d->data.len + add > max_bytes || d->data.len + add > UINT32_MAX)
        return SL_ERR_LIMIT;
    if (d->count == d->cap_entries && (s = grow_entries(d)))
        return s;
    uint32_t e = d->count;
    if (!d->width) {
        d->keys[e] = (pq_dkey){{v->head[0], v->head[1]}, len, (uint32_t)d->data.len};
        uint8_t pre[4] = {(uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16),
                          (uint8_t)(len >> 24)};
        if ((s = sl_buf_append(&d->data, pre, 4)))
            return s;
    }
    if (len && (s = sl_buf_append(&d->data, v->p, len)))
        return s;
    d->count++;
    uint32_t slot = h32 & d->table_mask;
    while (d->table[slot])
        slot = (slot + 1) & d->table_mask;
    d->table[slot] = (uint64_t)h32 << 32 | (e + 1);
    *idx = e;
    /* Keep the load factor under 1/2. */
    if ((size_t)d->count * 2 > (size_t)d->table_mask + 1)
        return grow_table(d);
    return SL_OK;
}

sl_status pq_dict_put(pq_dict *d, const uint8_t *p, uint32_t len, size_t max_bytes,
                      uint32_t *idx)
{
    sl_status s;
    if (!d->table && (s = grow_table(d)))
        return s;
    pq_val v = {.p = p, .len = d->width ? d->width : len};
    if (!d->width)
        load_head(&v, p);   /* no buffer is known past the value: copied */
    uint32_t h = value_hash(d->width, &v);
    int64_t e = lookup(d, d->width, &v, h);
    if (e < 0)
        return insert(d, &v, h, max_bytes, idx);
    *idx = (uint32_t)e;
    return SL_OK;
}

/* The value at byte *cur of a PLAIN buffer values[0..end); advances *cur past it. */
static inline __attribute__((always_inline)) void
plain_value(const uint8_t *values, const uint8_t *end, uint32_t w, size_t *cur, pq_val *v)
{
    const uint8_t *p = values + *cur;
    if (w) {
        v->p = p;
        v->len = w;
        *cur += w;
        return;
    }
    memcpy(&v->len, p, 4);
    v->p = p + 4;
    *cur += 4 + (size_t)v->len;
    load_head(v, end);
}

#define PUT_AHEAD 16
/* Tables under this many slots (32 kB) stay in the L1 and L2 caches, where
 * hashing ahead only adds work: a 4-entry dictionary's values took 40% longer
 * through the ring below than one by one. */
#define NEAR_SLOTS 4096

/* Where pq_dict_put_range is in its buffer: value i at byte cur; when hashing
 * ahead, the hashes of values [i, hashed) in ring, value `hashed` at byte hcur. */
typedef struct walk {
    const uint8_t *values, *end;
    size_t cur, hcur, hashed;
    uint32_t ring[PUT_AHEAD];
} walk;

/* Looks up values from i on while d holds them, setting idx; returns the index of
 * the first it does not hold (to: none), with its value in *v and hash in *h, and
 * k->cur at it. Nothing here calls out or changes d, so the loop keeps its state
 * in registers; the rare insert is the caller's. With ahead, values are hashed
 * PUT_AHEAD ahead and the load of each one's slot started then: the values of a
 * chunk land at random in a large dictionary's table. */
static inline __attribute__((always_inline)) size_t
find_run(const pq_dict *d, uint32_t w, bool ahead, walk *k, size_t i, size_t to,
         uint32_t *idx, pq_val *v, uint32_t *h)
{
    size_t cur = k->cur;
    for (; i < to; i++) {
        uint32_t h32;
        if (ahead) {
            for (; k->hashed < to && k->hashed < i + PUT_AHEAD; k->hashed++) {
                pq_val a;
                plain_value(k->values, k->end, w, &k->hcur, &a);
                uint32_t ha = value_hash(w, &a);
                k->ring[k->hashed % PUT_AHEAD] = ha;
                __builtin_prefetch(&d->table[ha & d->table_mask]);
            }
        }
        size_t at = cur;
        plain_value(k->values, k->end, w, &cur, v);
        h32 = ahead ? k->ring[i % PUT_AHEAD] : value_hash(w, v);
        int64_t e = lookup(d, w, v, h32);
        if (e < 0) {
            k->cur = at;
            *h = h32;
            return i;
        }
        idx[i] = (uint32_t)e;
    }
    k->cur = cur;
    return i;
}

/* pq_dict_put_range for values of width w (d->width); see the dispatch below. */
static inline __attribute__((always_inline)) sl_status
put_range(pq_dict *d, uint32_t w, const uint8_t *values, const uint8_t *end, size_t *cur,
          size_t from, size_t to, size_t max_bytes, uint32_t *idx, size_t *done)
{
    sl_status s = SL_OK;
    walk k = {.values = values, .end = end, .cur = *cur};
    bool ahead = false;
    size_t i = from;
    for (;;) {
        pq_val v;
        uint32_t h = 0;
        /* A small table: one value at a time, until it grows past the caches. */
        if (!ahead && d->table_mask >= NEAR_SLOTS) {
            ahead = true;
            k.hcur = k.cur;
            k.hashed = i;
        }
        i = ahead ? find_run(d, w, true, &k, i, to, idx, &v, &h)
                  : find_run(d, w, false, &k, i, to, idx, &v, &h);
        if (i == to || (s = insert(d, &v, h, max_bytes, &idx[i])))
            break;
        k.cur += w ? w : 4 + (size_t)v.len;
        i++;
    }
    *cur = k.cur;
    *done = i;
    return s == SL_ERR_LIMIT ? SL_OK : s;
}

sl_status pq_dict_put_range(pq_dict *d, const uint8_t *values, size_t nbytes, size_t *cur,
                            size_t from, size_t to, size_t max_bytes, uint32_t *idx,
                            size_t *done)
{
    sl_status s;
    if (!d->table && (s = grow_table(d)))
        return s;
    const uint8_t *end = values + nbytes;
    switch (d->width) {
    case 0: return put_range(d, 0, values, end, cur, from, to, max_bytes, idx, done);
    case 4: return put_range(d, 4, values, end, cur, from, to, max_bytes, idx, done);
    case 8: return put_range(d, 8, values, end, cur, from, to, max_bytes, idx, done);
    default: return put_range(d, d->width, values, end, cur, from, to, max_bytes, idx, done);
    }
}
