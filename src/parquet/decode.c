/* Parquet encodings, decode side (see decode.h). Facts from parquet-format's
 * Encodings.md: bit-packing is LSB first except the deprecated BIT_PACKED (MSB
 * first); a hybrid run header is a varint whose low bit says bit-packed (count of
 * 8-value groups in the rest) or RLE (repeat count in the rest, then the value in
 * ceil(bw/8) little-endian bytes); DELTA_BINARY_PACKED is <block size> <miniblocks
 * per block> <total count> <zigzag first value>, then blocks of <zigzag min delta>
 * <one bit-width byte per miniblock> <miniblocks>, the last miniblock padded to full
 * size and miniblocks past the last value absent (their widths still present). */
#include "parquet/decode.h"

#include <string.h>

static inline uint64_t le64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline uint32_t le32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    return v;
}

int pq_bit_width(uint64_t max)
{
    int w = 0;
    while (max) {
        w++;
        max >>= 1;
    }
    return w;
}

void pq_unpack8(const uint8_t *src, int w, uint64_t out[8])
{
    if (w <= 0) {
        memset(out, 0, 8 * sizeof *out);
        return;
    }
    uint8_t buf[64 + 16];
    memcpy(buf, src, (size_t)w);
    memset(buf + w, 0, 16);
    uint64_t mask = w >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << w) - 1);
    for (int i = 0; i < 8; i++) {
        unsigned bit = (unsigned)(i * w);
        unsigned b = bit >> 3, sh = bit & 7;
        uint64_t v = le64(buf + b) >> sh;
        if (sh && sh + (unsigned)w > 64)
            v |= (uint64_t)buf[b + 8] << (64 - sh);
        out[i] = v & mask;
    }
}

/* Unpacks a group that may be cut short by the end of the input: avail < w bytes
 * are present, the rest read as zero. */
static void unpack8_partial(const uint8_t *src, size_t avail, int w, uint64_t out[8])
{
    uint8_t tmp[64] = {0};
    memcpy(tmp, src, avail < (size_t)w ? avail : (size_t)w);
    pq_unpack8(tmp, w, out);
}

static sl_status varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
    const uint8_t *p = *pp;
    uint64_t x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (p >= end)
            return SL_ERR_CORRUPT;
        uint8_t b = *p++;
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *pp = p;
            *v = x;
            return SL_OK;
        }
    }
    return SL_ERR_CORRUPT;
}

static sl_status zigzag(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
    uint64_t u;
    sl_status s = varint(pp, end, &u);
    *v = (u >> 1) ^ (~(u & 1) + 1);
    return s;
}

/* The hybrid decoder behind both output widths: exactly one of out32, out8 is set. */
static sl_status rle_core(const uint8_t *p, size_t n, int bw, uint32_t *out32, uint8_t *out8,
                          size_t count)
{
    if (bw < 0 || bw > 32)
        return SL_ERR_CORRUPT;
    const uint8_t *end = p + n;
    size_t vbytes = ((size_t)bw + 7) / 8;
    size_t i = 0;
    uint64_t g[8];
    while (i < count) {
        uint64_t h;
        if (varint(&p, end, &h))
            return SL_ERR_CORRUPT;
        if (h & 1) {
            uint64_t groups = h >> 1;
            size_t avail = (size_t)(end - p);
            while (groups && i < count) {
                size_t take = count - i < 8 ? count - i : 8;
                if (avail >= (size_t)bw) {
                    pq_unpack8(p, bw, g);
                    p += bw;
                    avail -= (size_t)bw;
                } else {
                    /* A last group cut short: fine when the values we need are there. */
                    if ((uint64_t)take * (uint64_t)bw > (uint64_t)avail * 8)
                        return SL_ERR_CORRUPT;
                    unpack8_partial(p, avail, bw, g);
                    p = end;
                    avail = 0;
                }
                if (out8)
                    for (size_t k = 0; k < take; k++)
                        out8[i + k] = (uint8_t)(g[k] > 255 ? 255 : g[k]);
                else
                    for (size_t k = 0; k < take; k++)
                        out32[i + k] = (uint32_t)g[k];
                i += take;
                groups--;
            }
            /* Groups past what we need: skip them (bounded by what is left). */
            if (groups) {
                uint64_t skip = groups * (uint64_t)bw;
                p += skip < avail ? skip : avail;
            }
        } else {
            uint64_t run = h >> 1;
            if ((size_t)(end - p) < vbytes)
                return SL_ERR_CORRUPT;
            uint32_t v = 0;
            for (size_t k = 0; k < vbytes; k++)
                v |= (uint32_t)p[k] << (8 * k);
            p += vbytes;
            size_t take = run < count - i ? (size_t)run : count - i;
            if (out8)
                memset(out8 + i, v > 255 ? 255 : (int)v, take);
            else
                for (size_t k = 0; k < take; k++)
                    out32[i + k] = v;
            i += take;
        }
    }
    return SL_OK;
}

sl_status pq_rle_decode(const uint8_t *p, size_t n, int bw, uint32_t *out, size_t count)
{
    return rle_core(p, n, bw, out, NULL, count);
}

sl_status pq_levels_rle(const uint8_t *p, size_t n, int bw, uint8_t max, uint8_t *out,
                        size_t count)
{
    sl_status s = rle_core(p, n, bw, NULL, out, count);
    if (s)
        return s;
    for (size_t i = 0; i < count; i++)
        if (out[i] > max)
            return SL_ERR_CORRUPT;
    return SL_OK;
}

sl_status pq_levels_bitpacked(const uint8_t *p, size_t n, int bw, uint8_t max,
                              uint8_t *out, size_t count, size_t *used)
{
    if (bw < 0 || bw > 8)
        return SL_ERR_CORRUPT;
    uint64_t bits = (uint64_t)count * (uint64_t)bw;
    uint64_t bytes = (bits + 7) / 8;
    if (bytes > n)
        return SL_ERR_CORRUPT;
    uint64_t bit = 0;
    for (size_t i = 0; i < count; i++) {
        unsigned v = 0;
        for (int k = 0; k < bw; k++, bit++)
            v = (v << 1) | ((p[bit >> 3] >> (7 - (bit & 7))) & 1u);
        if (v > max)
            return SL_ERR_CORRUPT;
        out[i] = (uint8_t)v;
    }
    *used = (size_t)bytes;
    return SL_OK;
}

sl_status pq_delta_decode(const uint8_t *p, size_t n, bool is32, int64_t *out, size_t count,
                          uint64_t *total_out, size_t *used)
{
    const uint8_t *start = p, *end = p + n;
    uint64_t block, minis, total, first;
    if (varint(&p, end, &block) || varint(&p, end, &minis) || varint(&p, end, &total) ||
        zigzag(&p, end, &first))
        return SL_ERR_CORRUPT;
    if (block == 0 || block % 128 || block > (1u << 24) || minis == 0 || block % minis ||
        (block / minis) % 8)
        return SL_ERR_CORRUPT;
    uint64_t per_mini = block / minis;
    *total_out = total;
    uint64_t last = first, produced = 0;
    if (total > 0) {
        if (count)
            out[0] = is32 ? (int64_t)(int32_t)(uint32_t)last : (int64_t)last;
        produced = 1;
    }
    uint64_t g[8];
    while (produced < total) {
        uint64_t min_delta;
        if (zigzag(&p, end, &min_delta))
            return SL_ERR_CORRUPT;
        if ((uint64_t)(end - p) < minis)
            return SL_ERR_CORRUPT;
        const uint8_t *widths = p;
        p += minis;
        for (uint64_t m = 0; m < minis && produced < total; m++) {
            int w = widths[m];
            if (w > 64)
                return SL_ERR_CORRUPT;
            uint64_t bytes = per_mini * (uint64_t)w / 8;
            uint64_t vals = total - produced < per_mini ? total - produced : per_mini;
            size_t avail = (size_t)(end - p);
            if (bytes > avail) {
                /* Unpadded last miniblock at the very end of the input: accept. */
                if ((vals * (uint64_t)w + 7) / 8 > avail)
                    return SL_ERR_CORRUPT;
                bytes = avail;
            }
            if (produced >= count) {
                /* Values nobody asked for: only their size matters. */
                produced += vals;
                p += bytes;
                continue;
            }
            const uint8_t *q = p;
            for (uint64_t k = 0; k < vals; k += 8) {
                size_t have = (size_t)(p + bytes - q);
                if (have >= (size_t)w) {
                    pq_unpack8(q, w, g);
                    q += w;
                } else {
                    unpack8_partial(q, have, w, g);
                    q += have;
                }
                uint64_t lim = vals - k < 8 ? vals - k : 8;
                for (uint64_t j = 0; j < lim; j++) {
                    last += min_delta + g[j];
                    if (produced < count)
                        out[produced] = is32 ? (int64_t)(int32_t)(uint32_t)last : (int64_t)last;
                    produced++;
                }
            }
            p += bytes;
        }
    }
    *used = (size_t)(p - start);
    return SL_OK;
}

/* ------------------------------------------------------------------ PLAIN */

sl_status pq_plain_bool(const uint8_t *p, size_t n, int64_t *out, size_t count)
{
    if ((count + 7) / 8 > n)
        return SL_ERR_CORRUPT;
    for (size_t i = 0; i < count; i++)
        out[i] = (p[i >> 3] >> (i & 7)) & 1;
    return SL_OK;
}

sl_status pq_plain_i32(const uint8_t *p, size_t n, int64_t *out, size_t count)
{
    if (count > n / 4)
        return SL_ERR_CORRUPT;
    for (size_t i = 0; i < count; i++)
        out[i] = (int32_t)le32(p + 4 * i);
    return SL_OK;
}

sl_status pq_plain_i64(const uint8_t *p, size_t n, int64_t *out, size_t count)
{
    if (count > n / 8)
        return SL_ERR_CORRUPT;
    for (size_t i = 0; i < count; i++)
        out[i] = (int64_t)le64(p + 8 * i);
    return SL_OK;
}

sl_status pq_plain_int96(const uint8_t *p, size_t n, int64_t *out, size_t count)
{
    if (count > n / 12)
        return SL_ERR_CORRUPT;
    for (size_t i = 0; i < count; i++) {
        uint64_t nanos = le64(p + 12 * i);
        int64_t julian = (int32_t)le32(p + 12 * i + 8);
        /* Julian day 2440588 is 1970-01-01. Wrapping arithmetic: garbage in, no UB. */
        uint64_t days = (uint64_t)(julian - 2440588);
        out[i] = (int64_t)(days * UINT64_C(86400000000000) + nanos);
    }
    return SL_OK;
}

sl_status pq_plain_float(const uint8_t *p, size_t n, double *out, size_t count)
{
    if (count > n / 4)
        return SL_ERR_CORRUPT;
    for (size_t i = 0; i < count; i++) {
        uint32_t u = le32(p + 4 * i);
        float f;
        memcpy(&f, &u, 4);
        out[i] = f;
    }
    return SL_OK;
}

sl_status pq_plain_double(const uint8_t *p, size_t n, double *out, size_t count)
{
    if (count > n / 8)
        return SL_ERR_CORRUPT;
    for (size_t i = 0; i < count; i++) {
        uint64_t u = le64(p + 8 * i);
        memcpy(&out[i], &u, 8);
    }
    return SL_OK;
}

/* ------------------------------------------------------- BYTE_STREAM_SPLIT */

/* The streams are n / w bytes apart: the page holds exactly that many values. */
static sl_status bss_gather(const uint8_t *p, size_t n, size_t w, size_t count, uint8_t *dst)
{
    if (w == 0 || n % w)
        return SL_ERR_CORRUPT;
    size_t stride = n / w;
    if (stride < count)
        return SL_ERR_CORRUPT;
    for (size_t i = 0; i < count; i++)
        for (size_t k = 0; k < w; k++)
            dst[i * w + k] = p[k * stride + i];
    return SL_OK;
}

#define BSS_NUM(name, T, W, CONV)                                                \
    sl_status name(const uint8_t *p, size_t n, T *out, size_t count)             \
    {                                                                            \
        if (n % (W) || n / (W) < count)                                          \
            return SL_ERR_CORRUPT;                                               \
        size_t stride = n / (W);                                                 \
        for (size_t i = 0; i < count; i++) {                                     \
            uint8_t b[8];                                                        \
            for (size_t k = 0; k < (W); k++)                                     \
                b[k] = p[k * stride + i];                                        \
            CONV;                                                                \
        }                                                                        \
        return SL_OK;                                                            \
    }

BSS_NUM(pq_bss_i32, int64_t, 4, out[i] = (int32_t)le32(b))
BSS_NUM(pq_bss_i64, int64_t, 8, out[i] = (int64_t)le64(b))
BSS_NUM(pq_bss_float, double, 4, { uint32_t u = le32(b); float f; memcpy(&f, &u, 4); out[i] = f; })
BSS_NUM(pq_bss_double, double, 8, { uint64_t u = le64(b); memcpy(&out[i], &u, 8); })

sl_status pq_bss_fixed(const uint8_t *p, size_t n, size_t w, sl_buf *data, uint64_t *ends,
                       size_t count)
{
    if (w == 0 || count > n / w)
        return SL_ERR_CORRUPT;
    if (count == 0)
        return SL_OK;
    sl_status s = sl_buf_reserve(data, count * w);
    if (s)
        return s;
    if ((s = bss_gather(p, n, w, count, data->data + data->len)))
        return s;
    for (size_t i = 0; i < count; i++)
        ends[i] = data->len + (i + 1) * w;
    data->len += count * w;
    return SL_OK;
}

/* ------------------------------------------------------------ byte arrays */

sl_status pq_plain_bytes(const uint8_t *p, size_t n, sl_buf *data, uint64_t *ends,
                         size_t count)
{
    size_t off = 0, total = 0;
    for (size_t i = 0; i < count; i++) {
        if (n - off < 4)
            return SL_ERR_CORRUPT;
        uint32_t len = le32(p + off);
        off += 4;
        if (len > n - off)
            return SL_ERR_CORRUPT;
        off += len;
        total += len;
    }
    sl_status s = sl_buf_reserve(data, total);
    if (s)
        return s;
    off = 0;
    for (size_t i = 0; i < count; i++) {
        uint32_t len = le32(p + off);
        off += 4;
        if (len)
            memcpy(data->data + data->len, p + off, len);
        data->len += len;
        off += len;
        ends[i] = data->len;
    }
    return SL_OK;
}

sl_status pq_plain_fixed(const uint8_t *p, size_t n, size_t w, sl_buf *data, uint64_t *ends,
                         size_t count)
{
    if (w == 0 || count > n / w)
        return SL_ERR_CORRUPT;
    sl_status s = sl_buf_append(data, p, count * w);
    if (s)
        return s;
    uint64_t base = data->len - count * w;
    for (size_t i = 0; i < count; i++)
        ends[i] = base + (i + 1) * w;
    return SL_OK;
}

/* Lengths (count of them, each 0..n) from a DELTA_BINARY_PACKED stream; *used as
 * in pq_delta_decode, *sum their total. */
static sl_status delta_lengths(const uint8_t *p, size_t n, int64_t *len, size_t count,
                               size_t *used, uint64_t *sum)
{
    uint64_t total;
    sl_status s = pq_delta_decode(p, n, false, len, count, &total, used);
    if (s)
        return s;
    if (total < count)
        return SL_ERR_CORRUPT;
    uint64_t acc = 0;
    for (size_t i = 0; i < count; i++) {
        if (len[i] < 0 || (uint64_t)len[i] > n)
            return SL_ERR_CORRUPT;
        acc += (uint64_t)len[i];
    }
    *sum = acc;
    return SL_OK;
}

sl_status pq_delta_length_bytes(const uint8_t *p, size_t n, sl_buf *data, uint64_t *ends,
                                size_t count, int64_t *len)
{
    size_t used;
    uint64_t sum;
    sl_status s = delta_lengths(p, n, len, count, &used, &sum);
    if (s)
        return s;
    if (sum > n - used)
        return SL_ERR_CORRUPT;
    if ((s = sl_buf_append(data, p + used, (size_t)sum)))
        return s;
    uint64_t at = data->len - sum;
    for (size_t i = 0; i < count; i++) {
        at += (uint64_t)len[i];
        ends[i] = at;
    }
    return SL_OK;
}

sl_status pq_delta_bytes(const uint8_t *p, size_t n, sl_buf *data, uint64_t *ends,
                         size_t count, int64_t *scratch)
{
    int64_t *prefix = scratch, *suffix = scratch + count;
    size_t used1, used2;
    uint64_t psum, ssum;
    sl_status s = delta_lengths(p, n, prefix, count, &used1, &psum);
    if (s)
        return s;
    if ((s = delta_lengths(p + used1, n - used1, suffix, count, &used2, &ssum)))
        return s;
    size_t off = used1 + used2;
    if (ssum > n - off)
        return SL_ERR_CORRUPT;
    /* Check prefixes and size the output before copying. */
    uint64_t prev = 0, total = 0;
    for (size_t i = 0; i < count; i++) {
        if ((uint64_t)prefix[i] > prev)
            return SL_ERR_CORRUPT;
        prev = (uint64_t)prefix[i] + (uint64_t)suffix[i];
        total += prev;
    }
    if ((s = sl_buf_reserve(data, (size_t)total)))
        return s;
    uint64_t prev_start = data->len;
    const uint8_t *src = p + off;
    for (size_t i = 0; i < count; i++) {
        uint64_t start = data->len;
        if (prefix[i])
            memcpy(data->data + data->len, data->data + prev_start, (size_t)prefix[i]);
        data->len += (size_t)prefix[i];
        if (suffix[i])
            memcpy(data->data + data->len, src, (size_t)suffix[i]);
        data->len += (size_t)suffix[i];
        src += suffix[i];
        ends[i] = data->len;
        prev_start = start;
    }
    return SL_OK;
}

bool pq_be_to_i64(const uint8_t *p, size_t len, int64_t *out)
{
    if (len == 0) {
        *out = 0;
        return true;
    }
    uint8_t sign = (p[0] & 0x80) ? 0xff : 0x00;
    while (len > 8) {
        if (p[0] != sign)
            return false;
        p++;
        len--;
    }
    if (len == 8 && ((p[0] & 0x80) ? 0xff : 0x00) != sign)
        return false;
    uint64_t v = sign ? ~(uint64_t)0 : 0;
    for (size_t i = 0; i < len; i++)
        v = (v << 8) | p[i];
    *out = (int64_t)v;
    return true;
}

/* -------------------------------------------------------------- dictionary */

sl_status pq_gather_i64(const int64_t *dict, size_t dict_n, const uint32_t *idx, size_t count,
                        int64_t *out)
{
    for (size_t i = 0; i < count; i++) {
        if (idx[i] >= dict_n)
            return SL_ERR_CORRUPT;
        out[i] = dict[idx[i]];
    }
    return SL_OK;
}

sl_status pq_gather_f64(const double *dict, size_t dict_n, const uint32_t *idx, size_t count,
                        double *out)
{
    for (size_t i = 0; i < count; i++) {
        if (idx[i] >= dict_n)
            return SL_ERR_CORRUPT;
        out[i] = dict[idx[i]];
    }
    return SL_OK;
}

sl_status pq_gather_bytes(const uint8_t *dict_data, const uint64_t *dict_ends, size_t dict_n,
                          const uint32_t *idx, size_t count, sl_buf *data, uint64_t *ends)
{
    uint64_t total = 0;
    for (size_t i = 0; i < count; i++) {
        if (idx[i] >= dict_n)
            return SL_ERR_CORRUPT;
        total += dict_ends[idx[i] + 1] - dict_ends[idx[i]];
    }
    sl_status s = sl_buf_reserve(data, (size_t)total);
    if (s)
        return s;
    for (size_t i = 0; i < count; i++) {
        uint64_t a = dict_ends[idx[i]], b = dict_ends[idx[i] + 1];
        if (b > a)
            memcpy(data->data + data->len, dict_data + a, (size_t)(b - a));
        data->len += (size_t)(b - a);
        ends[i] = data->len;
    }
    return SL_OK;
}
