/* Parquet rows as text: NDJSON and CSV writers over the reader
 * (sl_pq_reader_write_ndjson/_csv), the value formatters they share with
 * sl_pq_format_stat, and sl_pq_format_stat itself.
 *
 * The JSON string escaper here is not sl_json_write_string on purpose: a Parquet
 * file from elsewhere may hold invalid UTF-8 in a STRING column, and the NDJSON we
 * print must still be valid JSON, so invalid bytes become U+FFFD here, while the
 * JSON module's writer passes its (already valid) input through. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parquet/decode.h"
#include "parquet/reader_int.h"

/* ------------------------------------------------------------ formatters */

/* Appends without checking: the writers check the buffer's status once per row
 * through out-of-memory on the final flush (sl_buf has no maximum here). */
static void put(sl_buf *b, const char *s, size_t n) { (void)sl_buf_append(b, s, n); }
static void puts_(sl_buf *b, const char *s) { put(b, s, strlen(s)); }

/* Length of a valid UTF-8 sequence at s (n bytes left), 0 when invalid. */
static size_t utf8_len(const uint8_t *s, size_t n)
{
    uint8_t c = s[0];
    size_t len;
    uint32_t min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, min = 0x10000;
    else
        return 0;
    if (n < len)
        return 0;
    uint32_t cp = c & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

void pq_fmt_json_string(sl_buf *b, const uint8_t *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    sl_buf_putc(b, '"');
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        while (run < n && s[run] >= 0x20 && s[run] < 0x80 && s[run] != '"' && s[run] != '\\')
            run++;
        if (run > i) {
            put(b, (const char *)s + i, run - i);
            i = run;
            continue;
        }
        uint8_t c = s[i];
        if (c >= 0x80) {
            size_t k = utf8_len(s + i, n - i);
            if (k) {
                put(b, (const char *)s + i, k);
                i += k;
            } else {
                puts_(b, "\xef\xbf\xbd");   /* U+FFFD for a byte that is not UTF-8 */
                i++;
            }
            continue;
        }
        switch (c) {
        case '"': puts_(b, "\\\""); break;
        case '\\': puts_(b, "\\\\"); break;
        case '\n': puts_(b, "\\n"); break;
        case '\r': puts_(b, "\\r"); break;
        case '\t': puts_(b, "\\t"); break;
        case '\b': puts_(b, "\\b"); break;
        case '\f': puts_(b, "\\f"); break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            put(b, u, 6);
        }
        }
        i++;
    }
    sl_buf_putc(b, '"');
}

static void fmt_base64(sl_buf *b, const uint8_t *s, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)s[i + 1] << 8;
        if (i + 2 < n)
            v |= s[i + 2];
        char o[4] = {tab[v >> 18], tab[(v >> 12) & 63], i + 1 < n ? tab[(v >> 6) & 63] : '=',
                     i + 2 < n ? tab[v & 63] : '='};
        put(b, o, 4);
    }
}

static int64_t floor_div(int64_t a, int64_t d)
{
    int64_t q = a / d;
    return (a % d < 0) ? q - 1 : q;
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian; H. Hinnant's
 * days_from_civil inverse). */
static void civil(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void pq_fmt_date(sl_buf *b, int64_t days)
{
    if (days > INT64_C(1) << 40 || days < -(INT64_C(1) << 40)) {
        sl_buf_printf(b, "%lld", (long long)days);   /* no calendar for that */
        return;
    }
    int64_t y;
    unsigned m, d;
    civil(days, &y, &m, &d);
    sl_buf_printf(b, y >= 0 ? "%04lld-%02u-%02u" : "%05lld-%02u-%02u", (long long)y, m, d);
}

/* v = secs * per + frac with 0 <= frac < per, without overflow at the extremes. */
static void split_unit(int64_t v, int64_t per, int64_t *secs, int64_t *frac)
{
    *secs = v / per;
    *frac = v % per;
    if (*frac < 0) {
        *frac += per;
        *secs -= 1;
    }
}

static const int64_t unit_per_sec[] = {1000, 1000000, 1000000000};
static const int unit_digits[] = {3, 6, 9};

static void fmt_clock(sl_buf *b, int64_t sod, int64_t frac, sl_pq_time_unit unit)
{
    sl_buf_printf(b, "%02d:%02d:%02d", (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
    if (frac)
        sl_buf_printf(b, ".%0*lld", unit_digits[unit], (long long)frac);
}

void pq_fmt_timestamp(sl_buf *b, int64_t v, sl_pq_time_unit unit, bool utc, char sep)
{
    if ((unsigned)unit > SL_PQ_NANOS)
        unit = SL_PQ_MICROS;
    int64_t per = unit_per_sec[unit];
    int64_t secs, frac;
    split_unit(v, per, &secs, &frac);
    int64_t days = floor_div(secs, 86400), sod = secs - days * 86400;
    pq_fmt_date(b, days);
    sl_buf_putc(b, (uint8_t)sep);
    fmt_clock(b, sod, frac, unit);
    if (utc)
        sl_buf_putc(b, 'Z');
}

void pq_fmt_time(sl_buf *b, int64_t v, sl_pq_time_unit unit)
{
    if ((unsigned)unit > SL_PQ_NANOS)
        unit = SL_PQ_MICROS;
    int64_t per = unit_per_sec[unit];
    int64_t secs, frac;
    split_unit(v, per, &secs, &frac);
    if (secs < 0 || secs > 86400) {
        sl_buf_printf(b, "%lld", (long long)v);   /* not a time of day */
        return;
    }
    fmt_clock(b, secs, frac, unit);
}

/* Appends the decimal digits (most significant first) with a point before the
 * last `scale` digits. */
static void place_point(sl_buf *b, bool neg, const char *digits, size_t nd, int32_t scale)
{
    if (neg)
        sl_buf_putc(b, '-');
    if (scale <= 0) {
        put(b, digits, nd);
        if (!(nd == 1 && digits[0] == '0'))
            for (int32_t i = 0; i < -scale && i < 400; i++)
                sl_buf_putc(b, '0');
        return;
    }
    size_t sc = (size_t)scale;
    if (nd <= sc) {
        puts_(b, "0.");
        for (size_t i = nd; i < sc; i++)
            sl_buf_putc(b, '0');
        put(b, digits, nd);
    } else {
        put(b, digits, nd - sc);
        sl_buf_putc(b, '.');
        put(b, digits + nd - sc, sc);
    }
}

void pq_fmt_decimal_i64(sl_buf *b, int64_t v, int32_t scale)
{
    bool neg = v < 0;
    uint64_t u = neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    char tmp[24];
    size_t n = 0;
    do {
        tmp[sizeof tmp - 1 - n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    place_point(b, neg, tmp + sizeof tmp - n, n, scale);
}

void pq_fmt_decimal_be(sl_buf *b, const uint8_t *p, size_t n, int32_t scale)
{
    uint8_t mag[64];
    if (n == 0) {
        sl_buf_putc(b, '0');
        return;
    }
    /* Strip sign extension so that 64 bytes cover every sane value. */
    while (n > 1 && ((p[0] == 0 && !(p[1] & 0x80)) || (p[0] == 0xff && (p[1] & 0x80)))) {
        p++;
        n--;
    }
    if (n > sizeof mag) {
        puts_(b, "null");
        return;
    }
    bool neg = p[0] & 0x80;
    memcpy(mag, p, n);
    if (neg) {   /* two's complement negation */
        unsigned carry = 1;
        for (size_t i = n; i-- > 0;) {
            unsigned x = (uint8_t)~mag[i] + carry;
            mag[i] = (uint8_t)x;
            carry = x >> 8;
        }
    }
    char digits[160];
    size_t nd = 0;
    size_t lo = 0;   /* first non-zero byte */
    for (;;) {
        while (lo < n && mag[lo] == 0)
            lo++;
        if (lo == n)
            break;
        unsigned rem = 0;
        for (size_t i = lo; i < n; i++) {
            unsigned cur = rem * 256 + mag[i];
            mag[i] = (uint8_t)(cur / 10);
            rem = cur % 10;
        }
        digits[sizeof digits - 1 - nd++] = (char)('0' + rem);
    }
    if (nd == 0)
        digits[sizeof digits - 1 - nd++] = '0';
    place_point(b, neg, digits + sizeof digits - nd, nd, scale);
}

void pq_fmt_double(sl_buf *b, double d, bool is_float)
{
    if (isnan(d) || isinf(d)) {
        puts_(b, "null");
        return;
    }
    if (d > -0x1p53 && d < 0x1p53 && d == (double)(int64_t)d && !(d == 0 && signbit(d))) {
        /* Integral and exact in int64: "%.17g" would print the same digits, slowly. */
        int64_t v = (int64_t)d;
        char t[24];
        size_t n = 0;
        uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
        do {
            t[sizeof t - 1 - n++] = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        if (v < 0)
            t[sizeof t - 1 - n++] = '-';
        if (n <= 15) {   /* longer ones %g prints in exponent form: keep its text */
            put(b, t + sizeof t - n, n);
            return;
        }
    }
    char tmp[40];
    int lo = is_float ? 6 : 15, hi = is_float ? 9 : 17;
    for (int prec = lo; prec <= hi; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        double back = strtod(tmp, NULL);
        if (prec == hi || (is_float ? (float)back == (float)d : back == d))
            break;
    }
    puts_(b, tmp);
}

/* ------------------------------------------------------------ rows */

static void fmt_u64(sl_buf *b, uint64_t u, bool neg)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[sizeof tmp - 1 - n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (neg)
        tmp[sizeof tmp - 1 - n++] = '-';
    put(b, tmp + sizeof tmp - n, n);
}

static void fmt_i64(sl_buf *b, int64_t v)
{
    fmt_u64(b, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, v < 0);
}

enum mode { M_JSON, M_CSV };

static void fmt_value(sl_buf *b, const sl_pq_column *c, const sl_pq_column_data *cd, size_t k,
                      enum mode mode)
{
    if (cd->valid && !cd->valid[k]) {
        if (mode == M_JSON)
            puts_(b, "null");
        return;
    }
    bool q = mode == M_JSON;
    const uint8_t *bytes = cd->data ? cd->data + cd->offsets[k] : NULL;
    size_t blen = cd->offsets ? (size_t)(cd->offsets[k + 1] - cd->offsets[k]) : 0;
    switch (c->type) {
    case SL_PQ_BOOL:
        puts_(b, cd->i64[k] ? "true" : "false");
        break;
    case SL_PQ_INT8: case SL_PQ_INT16: case SL_PQ_INT32: case SL_PQ_INT64:
    case SL_PQ_UINT8: case SL_PQ_UINT16: case SL_PQ_UINT32:
        fmt_i64(b, cd->i64[k]);
        break;
    case SL_PQ_UINT64:
        fmt_u64(b, (uint64_t)cd->i64[k], false);
        break;
    case SL_PQ_FLOAT:
    case SL_PQ_DOUBLE:
        pq_fmt_double(b, cd->f64[k], c->type == SL_PQ_FLOAT);
        break;
    case SL_PQ_STRING:
        if (q)
            pq_fmt_json_string(b, bytes, blen);
        else if (blen)
            put(b, (const char *)bytes, blen);
        break;
    case SL_PQ_BINARY:
    case SL_PQ_FIXED:
        if (q)
            sl_buf_putc(b, '"');
        fmt_base64(b, bytes, blen);
        if (q)
            sl_buf_putc(b, '"');
        break;
    case SL_PQ_DATE:
    case SL_PQ_TIMESTAMP:
    case SL_PQ_TIME:
        if (q)
            sl_buf_putc(b, '"');
        if (c->type == SL_PQ_DATE)
            pq_fmt_date(b, cd->i64[k]);
        else if (c->type == SL_PQ_TIME)
            pq_fmt_time(b, cd->i64[k], c->time_unit);
        else
            pq_fmt_timestamp(b, cd->i64[k], c->time_unit, c->utc, 'T');
        if (q)
            sl_buf_putc(b, '"');
        break;
    case SL_PQ_DECIMAL:
        if (cd->i64)
            pq_fmt_decimal_i64(b, cd->i64[k], c->scale);
        else
            pq_fmt_decimal_be(b, bytes, blen, c->scale);
        break;
    case SL_PQ_UNSUPPORTED:
        puts_(b, "null");
        break;
    }
}

static void fmt_cell(sl_buf *b, const sl_pq_column *c, const sl_pq_column_data *cd, size_t row,
                     enum mode mode)
{
    if (!c->list) {
        fmt_value(b, c, cd, row, mode);
        return;
    }
    if (cd->list_valid && !cd->list_valid[row]) {
        if (mode == M_JSON)
            puts_(b, "null");
        return;
    }
    sl_buf_putc(b, '[');
    for (uint64_t k = cd->list_offsets[row]; k < cd->list_offsets[row + 1]; k++) {
        if (k > cd->list_offsets[row])
            sl_buf_putc(b, ',');
        fmt_value(b, c, cd, (size_t)k, M_JSON);
    }
    sl_buf_putc(b, ']');
}

static bool cell_is_null(const sl_pq_column *c, const sl_pq_column_data *d, size_t row)
{
    if (c->list)
        return d->list_valid && !d->list_valid[row];
    return d->valid && !d->valid[row];
}

/* A present value; an empty one is quoted ("") so it is not read back as null,
 * which is an empty unquoted field. */
static void csv_field(sl_buf *b, const uint8_t *s, size_t n)
{
    bool quote = n == 0;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        put(b, (const char *)s, n);
        return;
    }
    sl_buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            sl_buf_putc(b, '"');
        sl_buf_putc(b, s[i]);
    }
    sl_buf_putc(b, '"');
}

static sl_status flush(sl_buf *b, FILE *out, sl_error *err)
{
    if (b->len && fwrite(b->data, 1, b->len, out) != b->len)
        return sl_error_set(err, SL_ERR_IO, "write error");
    sl_buf_clear(b);
    return SL_OK;
}

static sl_status write_rows(sl_pq_reader *r, FILE *out, uint64_t max_rows, enum mode mode,
                            sl_error *err)
{
    sl_error_clear(err);
    size_t nc = r->ncols;
    for (size_t k = 0; k < nc; k++) {
        if (r->cols[k].pub.type == SL_PQ_UNSUPPORTED) {
            sl_error_set(err, SL_ERR_UNSUPPORTED, "column '%s' is %s: not supported by the reader",
                         r->cols[k].pub.name, r->cols[k].why ? r->cols[k].why : "unsupported");
            sl_error_set_file(err, r->name);
            return SL_ERR_UNSUPPORTED;
        }
    }
    sl_status s = SL_OK;
    sl_buf b, cell;
    sl_buf_init(&b, 0);
    sl_buf_init(&cell, 0);
    sl_pq_column_data *cds = calloc(nc ? nc : 1, sizeof *cds);
    if (!cds)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    /* The JSON keys, escaped once: ",\"name\":" (no comma for the first). */
    sl_buf keys;
    sl_buf_init(&keys, 0);
    size_t *key_at = calloc(nc + 1, sizeof *key_at);
    if (!key_at) {
        free(cds);
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    }
    for (size_t k = 0; k < nc; k++) {
        key_at[k] = keys.len;
        if (k)
            sl_buf_putc(&keys, ',');
        pq_fmt_json_string(&keys, (const uint8_t *)r->cols[k].pub.name, strlen(r->cols[k].pub.name));
        sl_buf_putc(&keys, ':');
    }
    key_at[nc] = keys.len;
    if (mode == M_CSV) {
        for (size_t k = 0; k < nc; k++) {
            if (k)
                sl_buf_putc(&b, ',');
            csv_field(&b, (const uint8_t *)r->cols[k].pub.name, strlen(r->cols[k].pub.name));
        }
        sl_buf_putc(&b, '\n');
    }
    uint64_t written = 0;
    for (size_t g = 0; g < r->meta.nrgs && (max_rows == 0 || written < max_rows); g++) {
        size_t rows = (size_t)r->meta.rgs[g].num_rows;
        for (size_t k = 0; k < nc && !s; k++)
            s = sl_pq_reader_read_column(r, g, k, &cds[k], err);
        if (s)
            goto out;
        for (size_t i = 0; i < rows && (max_rows == 0 || written < max_rows); i++, written++) {
            if (mode == M_JSON)
                sl_buf_putc(&b, '{');
            for (size_t k = 0; k < nc; k++) {
                const sl_pq_column *c = &r->cols[k].pub;
                if (mode == M_JSON) {
                    put(&b, (const char *)keys.data + key_at[k], key_at[k + 1] - key_at[k]);
                    fmt_cell(&b, c, &cds[k], i, M_JSON);
                } else {
                    if (k)
                        sl_buf_putc(&b, ',');
                    sl_buf_clear(&cell);
                    if (cell_is_null(c, &cds[k], i))
                        continue; /* null: an empty, unquoted field */
                    fmt_cell(&cell, c, &cds[k], i, M_CSV);
                    csv_field(&b, cell.data ? cell.data : (const uint8_t *)"", cell.len);
                }
            }
            if (mode == M_JSON)
                sl_buf_putc(&b, '}');
            sl_buf_putc(&b, '\n');
            if (b.len >= 1 << 16 && (s = flush(&b, out, err)))
                goto out;
        }
    }
    s = flush(&b, out, err);
out:
    free(cds);
    free(key_at);
    sl_buf_free(&keys);
    sl_buf_free(&b);
    sl_buf_free(&cell);
    return s;
}

sl_status sl_pq_reader_write_ndjson(sl_pq_reader *r, FILE *out, uint64_t max_rows,
                                    sl_error *err)
{
    return write_rows(r, out, max_rows, M_JSON, err);
}

sl_status sl_pq_reader_write_csv(sl_pq_reader *r, FILE *out, uint64_t max_rows, sl_error *err)
{
    return write_rows(r, out, max_rows, M_CSV, err);
}

/* ------------------------------------------------------------ statistics */

static int64_t le_int(const uint8_t *p, uint32_t len)
{
    uint64_t v = 0;
    for (uint32_t i = 0; i < len; i++)
        v |= (uint64_t)p[i] << (8 * i);
    if (len == 4)
        return (int32_t)(uint32_t)v;
    return (int64_t)v;
}

sl_status sl_pq_format_stat(const sl_pq_column *c, const uint8_t *p, uint32_t len,
                            struct sl_buf *out)
{
    size_t before = out->len;
    bool bad = false;
    switch (c->type) {
    case SL_PQ_BOOL:
        if (len != 1)
            bad = true;
        else
            puts_(out, p[0] ? "true" : "false");
        break;
    case SL_PQ_INT8: case SL_PQ_INT16: case SL_PQ_INT32: case SL_PQ_INT64:
    case SL_PQ_DATE: case SL_PQ_TIME: case SL_PQ_TIMESTAMP:
        if (len == 12 && c->type == SL_PQ_TIMESTAMP) {
            int64_t ns;
            pq_plain_int96(p, len, &ns, 1);
            pq_fmt_timestamp(out, ns, SL_PQ_NANOS, c->utc, 'T');
            break;
        }
        if (len != 4 && len != 8) {
            bad = true;
            break;
        }
        if (c->type == SL_PQ_DATE)
            pq_fmt_date(out, le_int(p, len));
        else if (c->type == SL_PQ_TIME)
            pq_fmt_time(out, le_int(p, len), c->time_unit);
        else if (c->type == SL_PQ_TIMESTAMP)
            pq_fmt_timestamp(out, le_int(p, len), c->time_unit, c->utc, 'T');
        else
            sl_buf_printf(out, "%lld", (long long)le_int(p, len));
        break;
    case SL_PQ_UINT8: case SL_PQ_UINT16: case SL_PQ_UINT32: case SL_PQ_UINT64:
        if (len != 4 && len != 8)
            bad = true;
        else
            sl_buf_printf(out, "%llu", (unsigned long long)(len == 4 ? (uint64_t)(uint32_t)le_int(p, 4)
                                                                     : (uint64_t)le_int(p, 8)));
        break;
    case SL_PQ_FLOAT:
    case SL_PQ_DOUBLE:
        if (len == 4) {
            float f;
            memcpy(&f, p, 4);
            pq_fmt_double(out, f, true);
        } else if (len == 8) {
            double d;
            memcpy(&d, p, 8);
            pq_fmt_double(out, d, false);
        } else {
            bad = true;
        }
        break;
    case SL_PQ_STRING:
        pq_fmt_json_string(out, p, len);
        break;
    case SL_PQ_BINARY:
    case SL_PQ_FIXED:
        sl_buf_putc(out, '"');
        fmt_base64(out, p, len);
        sl_buf_putc(out, '"');
        break;
    case SL_PQ_DECIMAL:
        if (c->fixed_len == 0 && (len == 4 || len == 8))
            pq_fmt_decimal_i64(out, le_int(p, len), c->scale);
        else
            pq_fmt_decimal_be(out, p, len, c->scale);
        break;
    case SL_PQ_UNSUPPORTED:
        bad = true;
        break;
    }
    if (bad) {
        out->len = before;
        puts_(out, "?");
        return SL_ERR_CORRUPT;
    }
    return SL_OK;
}
