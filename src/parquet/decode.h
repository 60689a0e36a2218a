/* Parquet value and level decoders: PLAIN for every physical type, the
 * RLE/bit-packed hybrid (levels, dictionary indices, booleans), the deprecated
 * BIT_PACKED levels, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
 * DELTA_BYTE_ARRAY and BYTE_STREAM_SPLIT, plus dictionary gathers.
 *
 * Every decoder reads untrusted bytes p[0..n) and writes exactly `count` values
 * to caller-sized outputs, or returns SL_ERR_CORRUPT when the input runs out or is
 * malformed. Nothing allocates per value; byte arrays are appended to a bounded
 * sl_buf (SL_ERR_LIMIT past its maximum), with ends[i] = data->len after value i.
 * Encoding facts are from parquet-format's Encodings.md. */
#ifndef SL_PARQUET_DECODE_H
#define SL_PARQUET_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "sluice/status.h"

/* Unpacks 8 values of w bits (0..64), LSB first, from exactly w bytes at src. */
void pq_unpack8(const uint8_t *src, int w, uint64_t out[8]);

/* RLE/bit-packed hybrid with bit width bw (0..32), no length prefix. */
sl_status pq_rle_decode(const uint8_t *p, size_t n, int bw, uint32_t *out, size_t count);

/* Levels in the hybrid encoding; every level must be <= max. */
sl_status pq_levels_rle(const uint8_t *p, size_t n, int bw, uint8_t max, uint8_t *out,
                        size_t count);
/* Levels in the deprecated BIT_PACKED encoding (MSB first); *used is set to the
 * bytes taken, ceil(count * bw / 8). */
sl_status pq_levels_bitpacked(const uint8_t *p, size_t n, int bw, uint8_t max,
                              uint8_t *out, size_t count, size_t *used);

/* Bit width needed for values 0..max. */
int pq_bit_width(uint64_t max);

/* DELTA_BINARY_PACKED. Reads the header's value count into *total and decodes the
 * first min(count, *total) values into out (as int64; for INT32 columns, is32
 * wraps the sums to 32 bits). *used is the length of the whole encoded stream. */
sl_status pq_delta_decode(const uint8_t *p, size_t n, bool is32, int64_t *out, size_t count,
                          uint64_t *total, size_t *used);

/* PLAIN numbers. */
sl_status pq_plain_bool(const uint8_t *p, size_t n, int64_t *out, size_t count);
sl_status pq_plain_i32(const uint8_t *p, size_t n, int64_t *out, size_t count);
sl_status pq_plain_i64(const uint8_t *p, size_t n, int64_t *out, size_t count);
/* INT96 (8 bytes nanoseconds of the day, 4 bytes Julian day) to ns since the epoch. */
sl_status pq_plain_int96(const uint8_t *p, size_t n, int64_t *out, size_t count);
sl_status pq_plain_float(const uint8_t *p, size_t n, double *out, size_t count);
sl_status pq_plain_double(const uint8_t *p, size_t n, double *out, size_t count);

/* BYTE_STREAM_SPLIT of count values of width w (4, 8, or any FLBA width). */
sl_status pq_bss_i32(const uint8_t *p, size_t n, int64_t *out, size_t count);
sl_status pq_bss_i64(const uint8_t *p, size_t n, int64_t *out, size_t count);
sl_status pq_bss_float(const uint8_t *p, size_t n, double *out, size_t count);
sl_status pq_bss_double(const uint8_t *p, size_t n, double *out, size_t count);
sl_status pq_bss_fixed(const uint8_t *p, size_t n, size_t w, sl_buf *data, uint64_t *ends,
                       size_t count);

/* Byte arrays. */
sl_status pq_plain_bytes(const uint8_t *p, size_t n, sl_buf *data, uint64_t *ends,
                         size_t count);
sl_status pq_plain_fixed(const uint8_t *p, size_t n, size_t w, sl_buf *data, uint64_t *ends,
                         size_t count);
/* scratch holds count int64 lengths. */
sl_status pq_delta_length_bytes(const uint8_t *p, size_t n, sl_buf *data, uint64_t *ends,
                                size_t count, int64_t *scratch);
/* scratch holds 2 * count int64s. */
sl_status pq_delta_bytes(const uint8_t *p, size_t n, sl_buf *data, uint64_t *ends,
                         size_t count, int64_t *scratch);

/* Big-endian two's complement bytes (1..16, or longer with sign extension) to
 * int64; false when the value does not fit. */
bool pq_be_to_i64(const uint8_t *p, size_t len, int64_t *out);

/* Dictionary gathers: every index must be < dict_n (checked). */
sl_status pq_gather_i64(const int64_t *dict, size_t dict_n, const uint32_t *idx, size_t count,
                        int64_t *out);
sl_status pq_gather_f64(const double *dict, size_t dict_n, const uint32_t *idx, size_t count,
                        double *out);
/* dict_ends has dict_n + 1 entries, dict_ends[0] = 0. */
sl_status pq_gather_bytes(const uint8_t *dict_data, const uint64_t *dict_ends, size_t dict_n,
                          const uint32_t *idx, size_t count, sl_buf *data, uint64_t *ends);

#endif
