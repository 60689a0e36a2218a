/* Parquet value encodings for the writer: the RLE / bit-packing hybrid (levels and
 * dictionary indices), bit-packed PLAIN booleans, and a dictionary builder keyed by
 * value (O(1) expected lookups; byte arrays hashed with XXH3, 4- and 8-byte values
 * with a multiplicative mix).
 *
 * Nothing here knows about pages or files; every function appends to a caller's
 * buffer, so one column chunk can be encoded on any thread. */
#ifndef SL_PARQUET_ENCODE_H
#define SL_PARQUET_ENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "sluice/status.h"

/* Bits needed for values 0..max (0 for max 0). */
int pq_enc_bit_width(uint32_t max);

/* Appends the RLE / bit-packed hybrid encoding of v[0..n) at bit_width (0..32),
 * without a length prefix. Runs of 8 or more equal values become RLE runs, the
 * rest bit-packed groups of 8 (the last group zero-padded). */
sl_status pq_rle_encode_u32(sl_buf *out, const uint32_t *v, size_t n, int bit_width);
sl_status pq_rle_encode_u8(sl_buf *out, const uint8_t *v, size_t n, int bit_width);

/* Appends PLAIN booleans: v[i] != 0 as bit i, LSB first, padded to a byte. */
sl_status pq_plain_bools(sl_buf *out, const uint8_t *v, size_t n);

/* Whether at most max_repeats of the n values v[0..n) of width w (4 or 8) equal
 * an earlier one: a cheaper test than a dictionary for a column that is likely
 * unique. set is scratch of 1 << set_bits slots, set_bits at least
 * pq_enc_bit_width(n) + 1 (a load factor of at most a half). Stops at the first
 * repeat past max_repeats. */
bool pq_few_repeats(const uint8_t *v, uint32_t w, size_t n, size_t max_repeats, uint64_t *set,
                    int set_bits);

/* A byte-array entry's first 16 bytes, zero-padded, with its length: two strings
 * of up to 16 bytes are equal when their keys are, with no call to memcmp, and a
 * lookup reads one key rather than an offset and then the entry's bytes. */
typedef struct pq_dkey {
    uint64_t head[2];      /* bytes 0..7 and 8..15, little-endian, zero-padded */
    uint32_t len;
    uint32_t off;          /* of the entry's length prefix in data */
} pq_dkey;

/* A dictionary of distinct values. Entries are kept PLAIN-encoded in data, which is
 * therefore exactly the body of the dictionary page. width is the byte size of a
 * fixed-width value (4, 8, 12, 16) or 0 for byte arrays (entries are
 * 4-byte little-endian length + bytes). */
typedef struct pq_dict {
    uint32_t width;
    uint32_t count;
    sl_buf data;
    pq_dkey *keys;         /* byte arrays: entry i's key */
    uint32_t cap_entries;
    /* Open addressing: a slot is (32 bits of the value's hash) << 32 | (entry index
     * + 1), 0 empty. The hash beside the index lets a probe reject most other
     * entries without reading them: one cache miss a lookup, not two. */
    uint64_t *table;
    uint32_t table_mask;
} pq_dict;

void pq_dict_init(pq_dict *d, uint32_t width);
void pq_dict_clear(pq_dict *d);   /* empties, keeping memory */
void pq_dict_free(pq_dict *d);

/* Makes room for entries values of bytes in all (the table at its load limit,
 * the entry offsets, the data) so that filling d to there grows nothing: sized
 * from the column's previous chunk, it saves the table's rehashes. Speed only: the
 * dictionary's contents and order do not depend on it. */
sl_status pq_dict_reserve(pq_dict *d, uint32_t entries, size_t bytes);

/* Looks up the value and inserts it when new; *idx is its entry index.
 * SL_ERR_LIMIT when inserting would make data longer than max_bytes (nothing is
 * inserted), SL_ERR_NOMEM on allocation failure. For byte arrays p/len is the
 * value without its length prefix. */
sl_status pq_dict_put(pq_dict *d, const uint8_t *p, uint32_t len, size_t max_bytes,
                      uint32_t *idx);

/* pq_dict_put for values [from, to) of a PLAIN buffer values[0..nbytes) of d's
 * width (byte arrays: 4-byte length + bytes), the value `from` at byte *cur: idx[i]
 * is value i's entry. Stops before the value that would pass max_bytes. *done is
 * the first value not put, *cur its offset. Faster than one call a value: it
 * starts the table loads of later values early, and loads short byte arrays as
 * whole words where nbytes says the buffer goes on. */
sl_status pq_dict_put_range(pq_dict *d, const uint8_t *values, size_t nbytes, size_t *cur,
                            size_t from, size_t to, size_t max_bytes, uint32_t *idx,
                            size_t *done);

/* Entry i: for byte arrays, the bytes and length (no prefix); else width bytes. */
static inline const uint8_t *pq_dict_entry(const pq_dict *d, uint32_t i, uint32_t *len)
{
    if (d->width) {
        *len = d->width;
        return d->data.data + (size_t)i * d->width;
    }
    *len = d->keys[i].len;
    return d->data.data + d->keys[i].off + 4;
}

#endif
