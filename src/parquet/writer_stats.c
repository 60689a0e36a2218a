/* Column chunk statistics for the writer (see writer_internal.h): the min and max
 * of PLAIN-encoded values in the order the physical type defines, over a chunk's
 * values or its dictionary's entries (which are PLAIN too), one loop per type.
 *
 * Which of two equal extremes is kept never shows: equal ints, decimals and
 * strings have equal bytes, and the only equal floats with different bytes are
 * -0.0 and +0.0, which pq_stat_finish writes with fixed signs. */
#include <math.h>
#include <string.h>

#include "parquet/format.h"
#include "parquet/writer_internal.h"

static int cmp3(double a, double b) { return (a > b) - (a < b); }

/* The type-defined order: signed for ints (and the dates, times and decimals
 * stored in them), numeric for floats, unsigned bytes for byte arrays, and signed
 * big-endian two's complement for FIXED decimals. */
static int cmp_values(int32_t phys, const uint8_t *a, uint32_t alen, const uint8_t *b,
                      uint32_t blen)
{
    switch (phys) {
    case PQ_BOOLEAN:
        return (int)a[0] - (int)b[0];
    case PQ_INT32: {
        int32_t x, y;
        memcpy(&x, a, 4);
        memcpy(&y, b, 4);
        return (x > y) - (x < y);
    }
    case PQ_INT64: {
        int64_t x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        return (x > y) - (x < y);
    }
    case PQ_FLOAT: {
        float x, y;
        memcpy(&x, a, 4);
        memcpy(&y, b, 4);
        return cmp3(x, y);
    }
    case PQ_DOUBLE: {
        double x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        return cmp3(x, y);
    }
    case PQ_FIXED_LEN_BYTE_ARRAY:
        if ((a[0] ^ 0x80) != (b[0] ^ 0x80))
            return (int)(a[0] ^ 0x80) - (int)(b[0] ^ 0x80);
        return memcmp(a + 1, b + 1, alen - 1);
    default: {
        int r = memcmp(a, b, alen < blen ? alen : blen);
        return r ? r : (alen > blen) - (alen < blen);
    }
    }
}

static bool is_nan(int32_t phys, const uint8_t *p)
{
    if (phys == PQ_FLOAT) {
        float f;
        memcpy(&f, p, 4);
        return isnan(f);
    }
    if (phys == PQ_DOUBLE) {
        double d;
        memcpy(&d, p, 8);
        return isnan(d);
    }
    return false;
}

static void stat_add(int32_t phys, pq_stat *a, const uint8_t *p, uint32_t len)
{
    if (is_nan(phys, p))
        return;   /* NaN is never a min or max */
    if (!a->any) {
        a->any = true;
        a->min = a->max = p;
        a->min_len = a->max_len = len;
    } else if (cmp_values(phys, p, len, a->min, a->min_len) < 0) {
        a->min = p;
        a->min_len = len;
    } else if (cmp_values(phys, p, len, a->max, a->max_len) > 0) {
        a->max = p;
        a->max_len = len;
    }
}

/* ------------------------------------------------------------ fixed width */

/* The indexes of the least and greatest of n values of type T at base, NaN
 * skipped (a NaN is neither less nor greater than anything); false when every
 * value is NaN. */
#define PQ_MIN_MAX(NAME, T)                                                            \
    static bool NAME(const uint8_t *base, size_t n, size_t *lo, size_t *hi)            \
    {                                                                                  \
        size_t i = 0;                                                                  \
        T mn, mx, x;                                                                   \
        for (;; i++) {                                                                 \
            if (i == n)                                                                \
                return false;                                                          \
            memcpy(&mn, base + i * sizeof(T), sizeof(T));                              \
            if (mn == mn)                                                              \
                break;                                                                 \
        }                                                                              \
        mx = mn;                                                                       \
        *lo = *hi = i;                                                                 \
        for (i++; i < n; i++) {                                                        \
            memcpy(&x, base + i * sizeof(T), sizeof(T));                               \
            if (x < mn) {                                                              \
                mn = x;                                                                \
                *lo = i;                                                               \
            } else if (x > mx) {                                                       \
                mx = x;                                                                \
                *hi = i;                                                               \
            }                                                                          \
        }                                                                              \
        return true;                                                                   \
    }

PQ_MIN_MAX(min_max_i32, int32_t)
PQ_MIN_MAX(min_max_i64, int64_t)
PQ_MIN_MAX(min_max_f32, float)
PQ_MIN_MAX(min_max_f64, double)

/* Booleans, one byte each, 0 or 1 as sl_pq_write_bool stores them: 8 at a time
 * whether any is 1 and whether all are, then where the least and greatest first
 * occur. Other byte values, should a caller store them, take a byte loop. */
static bool min_max_u8(const uint8_t *base, size_t n, size_t *lo, size_t *hi)
{
    const uint64_t ones = 0x0101010101010101ull;
    uint64_t any = 0, all = ~0ull, high = 0;
    size_t i = 0;
    if (!n)
        return false;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, base + i, 8);
        any |= x;
        all &= x;
        high |= x & ~ones;
    }
    for (; i < n; i++) {
        any |= base[i];
        all &= base[i] | ~(uint64_t)0xff;
        high |= base[i] & 0xfe;
    }
    uint8_t mn, mx;
    if (!high) {
        mx = any != 0;
        mn = n >= 8 ? (all & ones) == ones : all & 1;
    } else {
        mn = 0xff;
        mx = 0;
        for (i = 0; i < n; i++) {
            mn = base[i] < mn ? base[i] : mn;
            mx = base[i] > mx ? base[i] : mx;
        }
    }
    *lo = (size_t)((const uint8_t *)memchr(base, mn, n) - base);
    *hi = (size_t)((const uint8_t *)memchr(base, mx, n) - base);
    return true;
}

static void stat_fixed(int32_t phys, uint32_t width, const uint8_t *base, size_t n, pq_stat *a)
{
    size_t lo, hi;
    bool any;
    switch (phys) {
    case PQ_BOOLEAN: any = min_max_u8(base, n, &lo, &hi); break;
    case PQ_INT32: any = min_max_i32(base, n, &lo, &hi); break;
    case PQ_INT64: any = min_max_i64(base, n, &lo, &hi); break;
    case PQ_FLOAT: any = min_max_f32(base, n, &lo, &hi); break;
    case PQ_DOUBLE: any = min_max_f64(base, n, &lo, &hi); break;
    default:
        for (size_t i = 0; i < n; i++)
            stat_add(phys, a, base + i * width, width);
        return;
    }
    if (any) {
        stat_add(phys, a, base + lo * width, width);
        stat_add(phys, a, base + hi * width, width);
    }
}

/* ------------------------------------------------------------ byte arrays */

#ifdef __SIZEOF_INT128__
typedef unsigned __int128 key128;

/* The first 16 bytes of a string as a big-endian number, zero-padded. Strings
 * compare as their keys do; equal keys leave the bytes past 16, then the lengths,
 * to decide (see cmp_tail). end bounds the buffer v is in: a string near it is
 * copied rather than loaded past it. */
static inline key128 key16(const uint8_t *v, uint32_t len, const uint8_t *end)
{
    uint64_t a = 0, b = 0;
    if (len >= 16 || end - v >= 16) {
        memcpy(&a, v, 8);
        memcpy(&b, v + 8, 8);
        if (len < 8) {
            a &= len ? ~0ull >> (64 - 8 * len) : 0;
            b = 0;
        } else if (len < 16) {
            b &= len > 8 ? ~0ull >> (64 - 8 * (len - 8)) : 0;
        }
    } else {
        uint8_t t[16] = {0};
        memcpy(t, v, len);
        memcpy(&a, t, 8);
        memcpy(&b, t + 8, 8);
    }
    return (key128)__builtin_bswap64(a) << 64 | __builtin_bswap64(b);
}

/* The order of two strings whose keys are equal: their first 16 bytes (or all of
 * the shorter, the rest of the longer's first 16 being zeros) are equal, so the
 * bytes past 16 decide, then the shorter string is the lesser. */
static int cmp_tail(const uint8_t *x, uint32_t xlen, const uint8_t *y, uint32_t ylen)
{
    if (xlen > 16 && ylen > 16) {
        int r = memcmp(x + 16, y + 16, (xlen < ylen ? xlen : ylen) - 16);
        if (r)
            return r;
    }
    return (xlen > ylen) - (xlen < ylen);
}

/* stat_add over PLAIN byte arrays (4-byte length, bytes) in [p, end). */
static void stat_bytes(const uint8_t *p, const uint8_t *end, pq_stat *a)
{
    uint32_t len;
    if (p == end)
        return;
    if (!a->any) {
        memcpy(&len, p, 4);
        a->any = true;
        a->min = a->max = p + 4;
        a->min_len = a->max_len = len;
        p += 4 + (size_t)len;
    }
    key128 kmin = key16(a->min, a->min_len, a->min + a->min_len);
    key128 kmax = key16(a->max, a->max_len, a->max + a->max_len);
    while (p < end) {
        memcpy(&len, p, 4);
        const uint8_t *v = p + 4;
        p = v + len;
        key128 k = key16(v, len, end);
        if (k < kmin || (k == kmin && cmp_tail(v, len, a->min, a->min_len) < 0)) {
            a->min = v;
            a->min_len = len;
            kmin = k;
        } else if (k > kmax || (k == kmax && cmp_tail(v, len, a->max, a->max_len) > 0)) {
            a->max = v;
            a->max_len = len;
            kmax = k;
        }
    }
}
#else
static void stat_bytes(const uint8_t *p, const uint8_t *end, pq_stat *a)
{
    while (p < end) {
        uint32_t len;
        memcpy(&len, p, 4);
        stat_add(PQ_BYTE_ARRAY, a, p + 4, len);
        p += 4 + (size_t)len;
    }
}
#endif

/* ------------------------------------------------------------ API */

void pq_stat_plain(int32_t phys, uint32_t width, const uint8_t *p, size_t nbytes, pq_stat *a)
{
    if (width)
        stat_fixed(phys, width, p, nbytes / width, a);
    else
        stat_bytes(p, p + nbytes, a);
}

sl_status pq_stat_finish(int32_t phys, const pq_stat *a, sl_buf *min, sl_buf *max,
                         bool *has_min_max)
{
    sl_status s;
    *has_min_max = a->any;
    if (!a->any)
        return SL_OK;
    if ((s = sl_buf_append(min, a->min, a->min_len)) ||
        (s = sl_buf_append(max, a->max, a->max_len)))
        return s;
    /* A zero float min is written as -0.0 and a zero max as +0.0, as
     * parquet.thrift recommends, so readers can trust either sign. */
    if (phys == PQ_FLOAT) {
        float mn, mx;
        memcpy(&mn, min->data, 4);
        memcpy(&mx, max->data, 4);
        if (mn == 0.0f) mn = -0.0f;
        if (mx == 0.0f) mx = 0.0f;
        memcpy(min->data, &mn, 4);
        memcpy(max->data, &mx, 4);
    } else if (phys == PQ_DOUBLE) {
        double mn, mx;
        memcpy(&mn, min->data, 8);
        memcpy(&mx, max->data, 8);
        if (mn == 0.0) mn = -0.0;
        if (mx == 0.0) mx = 0.0;
        memcpy(min->data, &mn, 8);
        memcpy(max->data, &mx, 8);
    }
    return SL_OK;
}
