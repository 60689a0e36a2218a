/* Type inference lattice and ISO 8601 recognisers (see infer.h). */
#include "schema/infer.h"

#include <stdio.h>
#include <string.h>

const char *sl_type_name(sl_type t)
{
    static const char *names[] = {"null", "bool", "int64", "decimal(38,0)", "float64",
                                  "date", "time", "timestamp", "timestamp (naive)", "string"};
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "?";
}

const char *sl_infer_type_text(const sl_infer *c, char *out, size_t n)
{
    bool list = c->list && !c->scalar_seen;
    sl_type ty = c->list && c->scalar_seen ? SL_T_STRING : (sl_type)c->type;
    snprintf(out, n, list ? "list<%s>" : "%s", sl_type_name(ty));
    return out;
}

/* ---------------------------------------------------------------- ISO 8601 */


bool sl_parse_date(const char *s, size_t n, int32_t *days)
{
    int64_t d;
    if (n != 10 || !sl_parse_ymd(s, &d))
        return false;
    *days = (int32_t)d;
    return true;
}

/* "HH:MM[:SS[.f...]]" at s[0..n); with_seconds_required for plain times. Consumes
 * the whole range. */
static bool parse_hms(const char *s, size_t n, bool seconds_required, int64_t *micros)
{
    unsigned h, mi, sec = 0, frac = 0;
    if (n < 5 || !sl_parse_digits(s, 2, &h) || s[2] != ':' || !sl_parse_digits(s + 3, 2, &mi))
        return false;
    size_t i = 5;
    if (i < n) {
        if (s[i] != ':' || n < 8 || !sl_parse_digits(s + 6, 2, &sec))
            return false;
        i = 8;
    } else if (seconds_required) {
        return false;
    }
    if (i < n) {
        if (s[i] != '.' || i + 1 == n)
            return false;
        i++;
        size_t nd = n - i;
        for (size_t k = 0; k < nd; k++) {
            char c = s[i + k];
            if (c < '0' || c > '9')
                return false;
            if (k < 6)
                frac = frac * 10 + (unsigned)(c - '0');
            else if (c != '0')
                return false; /* finer than a microsecond: would be rounded */
        }
        for (size_t k = nd; k < 6; k++)
            frac *= 10;
    }
    if (h > 23 || mi > 59 || sec > 59)
        return false;
    *micros = ((int64_t)h * 3600 + mi * 60 + sec) * 1000000 + frac;
    return true;
}

bool sl_parse_time(const char *s, size_t n, int64_t *micros)
{
    return n >= 8 && n <= 24 && parse_hms(s, n, true, micros);
}

bool sl_parse_timestamp(const char *s, size_t n, int64_t *micros, bool *zoned)
{
    int64_t days, tod;
    if (n < 16 || n > 40 || !sl_parse_ymd(s, &days) || (s[10] != 'T' && s[10] != ' '))
        return false;
    const char *t = s + 11;
    size_t tn = n - 11;
    int64_t offset = 0;
    *zoned = false;
    if (t[tn - 1] == 'Z') {
        *zoned = true;
        tn--;
    } else {
        /* ±HH:MM or ±HHMM at the end */
        for (size_t zl = 6; zl >= 5; zl--) {
            if (tn <= zl)
                continue;
            const char *z = t + tn - zl;
            if (*z != '+' && *z != '-')
                continue;
            unsigned zh, zm;
            bool ok = zl == 6 ? sl_parse_digits(z + 1, 2, &zh) && z[3] == ':' && sl_parse_digits(z + 4, 2, &zm)
                              : sl_parse_digits(z + 1, 2, &zh) && sl_parse_digits(z + 3, 2, &zm);
            if (!ok || zh > 23 || zm > 59)
                return false;
            offset = ((int64_t)zh * 60 + zm) * 60 * 1000000;
            if (*z == '-')
                offset = -offset;
            *zoned = true;
            tn -= zl;
            break;
        }
    }
    if (!parse_hms(t, tn, false, &tod))
        return false;
    *micros = days * 86400LL * 1000000 + tod - offset;
    return true;
}

/* ---------------------------------------------------------------- lattice */

static sl_type classify_string(const char *s, size_t n, uint8_t current)
{
    /* Once a column is a plain string, nothing can narrow it: skip the work. */
    if (current == SL_T_STRING || n < 8 || n > 40 || s[0] < '0' || s[0] > '9')
        return SL_T_STRING;
    int32_t d;
    int64_t us;
    bool zoned;
    if (n == 10 && sl_parse_date(s, n, &d))
        return SL_T_DATE;
    if (s[2] == ':' && sl_parse_time(s, n, &us))
        return SL_T_TIME;
    if (sl_parse_timestamp(s, n, &us, &zoned))
        return zoned ? SL_T_TIMESTAMP : SL_T_TIMESTAMP_NAIVE;
    return SL_T_STRING;
}

/* The join of two scalar types. */
static uint8_t join_type(uint8_t a, uint8_t b, bool int_unsafe)
{
    if (a == b)
        return a;
    if (a == SL_T_NULL)
        return b;
    if (b == SL_T_NULL)
        return a;
    if (a > b) {
        uint8_t t = a;
        a = b;
        b = t;
    }
    if (a == SL_T_INT && b == SL_T_BIGINT)
        return SL_T_BIGINT;
    if (a == SL_T_INT && b == SL_T_DOUBLE)
        return int_unsafe ? SL_T_STRING : SL_T_DOUBLE;
    return SL_T_STRING;
}

static uint8_t scalar_type(const sl_json_value *v, uint8_t current, bool *unsafe_int)
{
    switch (v->type) {
    case SL_JSON_NULL: return SL_T_NULL;
    case SL_JSON_TRUE:
    case SL_JSON_FALSE: return SL_T_BOOL;
    case SL_JSON_INT:
        if (!sl_infer_int_exact(v->u.num.i))
            *unsafe_int = true;
        return SL_T_INT;
    case SL_JSON_BIGINT: {
        size_t nd = v->u.num.raw_len - (v->u.num.raw[0] == '-');
        *unsafe_int = true;
        return nd <= 38 ? SL_T_BIGINT : SL_T_STRING;
    }
    case SL_JSON_DOUBLE: return SL_T_DOUBLE;
    case SL_JSON_STRING: return classify_string(v->u.str.ptr, v->u.str.len, current);
    default: return SL_T_STRING; /* nested arrays/objects inside a list: JSON text */
    }
}

static bool set_type(sl_infer *c, uint8_t t, bool unsafe)
{
    bool changed = false;
    if (unsafe && !c->int_unsafe) {
        c->int_unsafe = true;
        /* an int column already widened to double can no longer hold it exactly */
        if (c->type == SL_T_DOUBLE) {
            c->type = SL_T_STRING;
            changed = true;
        }
    }
    uint8_t j = join_type(c->type, t, c->int_unsafe);
    if (j != c->type) {
        c->type = j;
        changed = true;
    }
    return changed;
}

bool sl_infer_observe(sl_infer *c, const sl_json_value *v)
{
    if (v->type == SL_JSON_NULL)
        return sl_infer_observe_missing(c);
    bool changed = false;
    if (v->type == SL_JSON_ARRAY) {
        if (!c->list) {
            c->list = true;
            changed = true;
            if (c->scalar_seen && c->type != SL_T_STRING) {
                c->type = SL_T_STRING;
            }
        }
        for (size_t i = 0; i < v->u.arr.len; i++) {
            const sl_json_value *e = &v->u.arr.items[i];
            if (e->type == SL_JSON_NULL) {
                if (!c->elem_nullable)
                    changed = c->elem_nullable = true;
                continue;
            }
            bool unsafe = false;
            uint8_t t = scalar_type(e, c->type, &unsafe);
            changed |= set_type(c, t, unsafe);
        }
        return changed;
    }
    if (!c->scalar_seen) {
        c->scalar_seen = true;
        if (c->list) {
            changed = c->type != SL_T_STRING;
            c->type = SL_T_STRING;
            return true;
        }
    }
    bool unsafe = false;
    uint8_t t = scalar_type(v, c->type, &unsafe);
    return set_type(c, t, unsafe) || changed;
}

bool sl_infer_join(sl_infer *a, const sl_infer *b)
{
    sl_infer old = *a;
    a->nullable |= b->nullable;
    a->elem_nullable |= b->elem_nullable;
    a->list |= b->list;
    a->scalar_seen |= b->scalar_seen;
    a->int_unsafe |= b->int_unsafe;
    a->type = join_type(a->type, b->type, a->int_unsafe);
    if (a->int_unsafe && a->type == SL_T_DOUBLE)
        a->type = SL_T_STRING;
    if (a->list && a->scalar_seen)
        a->type = SL_T_STRING;
    return memcmp(&old, a, sizeof old) != 0;
}

bool sl_infer_fits(const sl_infer *c, const sl_json_value *v)
{
    sl_infer probe = *c;
    return !sl_infer_observe(&probe, v);
}

void sl_infer_to_column(const sl_infer *c, sl_pq_column *out)
{
    memset(out, 0, sizeof *out);
    out->optional = true; /* a later file may always lack the key */
    bool list = c->list && !c->scalar_seen;
    out->list = list;
    out->element_optional = list;
    out->time_unit = SL_PQ_MICROS;
    switch ((sl_type)(c->list && c->scalar_seen ? SL_T_STRING : c->type)) {
    case SL_T_BOOL: out->type = SL_PQ_BOOL; break;
    case SL_T_INT: out->type = SL_PQ_INT64; break;
    case SL_T_BIGINT:
        out->type = SL_PQ_DECIMAL;
        out->precision = 38;
        out->scale = 0;
        out->fixed_len = 16;
        break;
    case SL_T_DOUBLE: out->type = SL_PQ_DOUBLE; break;
    case SL_T_DATE: out->type = SL_PQ_DATE; break;
    case SL_T_TIME: out->type = SL_PQ_TIME; break;
    case SL_T_TIMESTAMP: out->type = SL_PQ_TIMESTAMP; out->utc = true; break;
    case SL_T_TIMESTAMP_NAIVE: out->type = SL_PQ_TIMESTAMP; out->utc = false; break;
    case SL_T_NULL:
    case SL_T_STRING: out->type = SL_PQ_STRING; break;
    }
}

/* ---------------------------------------------------------------- formatting */

static inline char *put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

/* Written digit by digit: this is on the hot path of every NDJSON and CSV writer. */
size_t sl_format_date(int64_t days, char *out)
{
    int64_t y;
    unsigned m, d;
    sl_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) {
        int k = snprintf(out, 40, "%+lld-%02u-%02u", (long long)y, m, d);
        return k > 0 ? (size_t)k : 0;
    }
    char *p = put2(put2(out, (unsigned)(y / 100)), (unsigned)(y % 100));
    *p++ = '-';
    p = put2(p, m);
    *p++ = '-';
    p = put2(p, d);
    *p = 0;
    return (size_t)(p - out);
}

static size_t format_tod(int64_t us, char *out)
{
    int64_t s = us / 1000000, frac = us % 1000000;
    if (us < 0 || s / 3600 > 99) {
        int k = snprintf(out, 40, "%02lld:%02lld:%02lld", (long long)(s / 3600),
                         (long long)(s / 60 % 60), (long long)(s % 60));
        return k > 0 ? (size_t)k : 0;
    }
    char *p = put2(out, (unsigned)(s / 3600));
    *p++ = ':';
    p = put2(p, (unsigned)(s / 60 % 60));
    *p++ = ':';
    p = put2(p, (unsigned)(s % 60));
    if (frac) {
        *p++ = '.';
        for (int i = 5; i >= 0; i--, frac /= 10)
            p[i] = (char)('0' + frac % 10);
        p += 6;
    }
    *p = 0;
    return (size_t)(p - out);
}

size_t sl_format_time(int64_t micros, char *out)
{
    return format_tod(micros, out);
}

size_t sl_format_timestamp(int64_t micros, bool utc, char *out)
{
    int64_t day = micros / 86400000000LL, tod = micros % 86400000000LL;
    if (tod < 0) {
        tod += 86400000000LL;
        day--;
    }
    size_t k = sl_format_date(day, out);
    out[k++] = 'T';
    k += format_tod(tod, out + k);
    if (utc)
        out[k++] = 'Z';
    out[k] = '\0';
    return k;
}
