/* Text for the expression language: ISO date and timestamp literals, the text form
 * of values (what `||`, concat() and string() write), and format() specifications.
 * Kept apart from the compiler and the evaluator because both use it. */
#include "base/civil.h"
#include "gen/expr_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *sl_expr_kind_name(sl_val_kind k)
{
    static const char *const names[] = {"null", "bool",   "int",  "double",    "decimal",
                                        "string", "date", "time", "timestamp", "list"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}


/* ---------------------------------------------------------------- ISO literals */


bool sl_expr_parse_date(const char *s, size_t n, int64_t *days)
{
    return n == 10 && sl_parse_ymd(s, days);
}

/* "[.f...]" at s[*i..n): microseconds, refusing non-zero digits beyond the sixth. */
static bool parse_frac(const char *s, size_t n, size_t *i, int64_t *us)
{
    *us = 0;
    if (*i >= n || s[*i] != '.')
        return true;
    size_t k = 0, j = *i + 1;
    for (; j < n && s[j] >= '0' && s[j] <= '9'; j++, k++) {
        if (k < 6)
            *us = *us * 10 + (s[j] - '0');
        else if (s[j] != '0')
            return false;
    }
    if (k == 0)
        return false;
    for (; k < 6; k++)
        *us *= 10;
    *i = j;
    return true;
}

/* "Z", "±HH:MM", "±HHMM", "±HH" or nothing at s[*i..n): the offset east of UTC. */
static bool parse_zone(const char *s, size_t n, size_t *i, int64_t *offset_us)
{
    size_t z = *i;
    unsigned zh, zm = 0;
    *offset_us = 0;
    if (z < n && (s[z] == 'Z' || s[z] == 'z')) {
        *i = z + 1;
        return true;
    }
    if (z >= n || (s[z] != '+' && s[z] != '-'))
        return true;
    if (n - z < 3 || !sl_parse_digits(s + z + 1, 2, &zh))
        return false;
    size_t j = z + 3;
    if (j < n && s[j] == ':') {
        if (n - j < 3 || !sl_parse_digits(s + j + 1, 2, &zm))
            return false;
        j += 3;
    } else if (n - j >= 2 && sl_parse_digits(s + j, 2, &zm)) {
        j += 2;
    }
    if (zh > 23 || zm > 59)
        return false;
    *offset_us = ((int64_t)zh * 60 + zm) * 60 * 1000000;
    if (s[z] == '-')
        *offset_us = -*offset_us;
    *i = j;
    return true;
}

bool sl_expr_parse_timestamp(const char *s, size_t n, int64_t *micros)
{
    int64_t days, frac, offset;
    if (n < 10 || !sl_parse_ymd(s, &days))
        return false;
    if (n == 10) {
        *micros = days * SL_US_PER_DAY;
        return true;
    }
    unsigned h, mi, sec = 0;
    if (n < 16 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !sl_parse_digits(s + 11, 2, &h) ||
        s[13] != ':' || !sl_parse_digits(s + 14, 2, &mi))
        return false;
    size_t i = 16;
    if (i < n && s[i] == ':') {
        if (n - i < 3 || !sl_parse_digits(s + i + 1, 2, &sec))
            return false;
        i += 3;
    }
    if (h > 23 || mi > 59 || sec > 59 || !parse_frac(s, n, &i, &frac) ||
        !parse_zone(s, n, &i, &offset) || i != n)
        return false;
    *micros = days * SL_US_PER_DAY + (((int64_t)h * 60 + mi) * 60 + sec) * 1000000 + frac -
              offset;
    return true;
}

/* ---------------------------------------------------------------- text of values */

const double sl_expr_pow10[39] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11, 1e12,
    1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25,
    1e26, 1e27, 1e28, 1e29, 1e30, 1e31, 1e32, 1e33, 1e34, 1e35, 1e36, 1e37, 1e38};

double sl_expr_num(const sl_val *v)
{
    switch (v->kind) {
    case SL_VAL_INT: return (double)v->u.i;
    case SL_VAL_DOUBLE: return v->u.d;
    case SL_VAL_DECIMAL:
        if (v->u.dec.scale < 0 || v->u.dec.scale > 38)
            return 0;
        return sl_expr_dec_double(v->u.dec.unscaled, v->u.dec.scale);
    default: return 0;
    }
}

static size_t put_double(double d, char *out)
{
    if (isnan(d))
        return (size_t)snprintf(out, SL_EXPR_TEXT_MAX, "nan");
    if (isinf(d))
        return (size_t)snprintf(out, SL_EXPR_TEXT_MAX, d < 0 ? "-inf" : "inf");
    int k = 0;
    for (int prec = 15; prec <= 17; prec++) {
        k = snprintf(out, SL_EXPR_TEXT_MAX, "%.*g", prec, d);
        if (strtod(out, NULL) == d)
            break;
    }
    return k > 0 ? (size_t)k : 0;
}

/* unscaled / 10^scale with exactly scale digits after the point. */
static size_t put_decimal(int64_t unscaled, int32_t scale, char *out)
{
    char dig[24];
    size_t nd = 0, k = 0;
    uint64_t u = unscaled < 0 ? 0 - (uint64_t)unscaled : (uint64_t)unscaled;
    do {
        dig[nd++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    size_t s = scale >= 0 && scale <= 38 ? (size_t)scale : 0;
    if (unscaled < 0)
        out[k++] = '-';
    if (nd <= s) {
        out[k++] = '0';
        out[k++] = '.';
        for (size_t i = nd; i < s; i++)
            out[k++] = '0';
        while (nd)
            out[k++] = dig[--nd];
    } else {
        while (nd) {
            if (nd == s)
                out[k++] = '.';
            out[k++] = dig[--nd];
        }
    }
    out[k] = '\0';
    return k;
}

static size_t put_date(int64_t days, char *out)
{
    int64_t y;
    unsigned m, d;
    sl_civil_from_days(days, &y, &m, &d);
    int k = y >= 0 && y <= 9999
                ? snprintf(out, SL_EXPR_TEXT_MAX, "%04lld-%02u-%02u", (long long)y, m, d)
                : snprintf(out, SL_EXPR_TEXT_MAX, "%+05lld-%02u-%02u", (long long)y, m, d);
    return k > 0 ? (size_t)k : 0;
}

/* HH:MM:SS[.ffffff] for 0 <= us < one day. */
static size_t put_tod(int64_t us, char *out, size_t room)
{
    int64_t s = us / 1000000, frac = us % 1000000;
    int k = frac ? snprintf(out, room, "%02lld:%02lld:%02lld.%06lld", (long long)(s / 3600),
                            (long long)(s / 60 % 60), (long long)(s % 60), (long long)frac)
                 : snprintf(out, room, "%02lld:%02lld:%02lld", (long long)(s / 3600),
                            (long long)(s / 60 % 60), (long long)(s % 60));
    return k > 0 ? (size_t)k : 0;
}

size_t sl_expr_text(const sl_val *v, char *out)
{
    switch (v->kind) {
    case SL_VAL_BOOL: return (size_t)snprintf(out, SL_EXPR_TEXT_MAX, v->u.b ? "true" : "false");
    case SL_VAL_INT: return (size_t)snprintf(out, SL_EXPR_TEXT_MAX, "%lld", (long long)v->u.i);
    case SL_VAL_DOUBLE: return put_double(v->u.d, out);
    case SL_VAL_DECIMAL: return put_decimal(v->u.dec.unscaled, v->u.dec.scale, out);
    case SL_VAL_DATE: return put_date(v->u.i, out);
    case SL_VAL_TIME:
        if (v->u.i < 0 || v->u.i >= SL_US_PER_DAY)
            break;
        return put_tod(v->u.i, out, SL_EXPR_TEXT_MAX);
    case SL_VAL_TIMESTAMP: {
        int64_t day = sl_expr_floor_div(v->u.i, SL_US_PER_DAY);
        size_t k = put_date(day, out);
        out[k++] = 'T';
        k += put_tod(sl_expr_floor_mod(v->u.i, SL_US_PER_DAY), out + k, SL_EXPR_TEXT_MAX - 1 - k);
        out[k++] = 'Z';
        out[k] = '\0';
        return k;
    }
    default: break;
    }
    out[0] = '\0';
    return 0;
}

/* ---------------------------------------------------------------- format() */

/* Up to two digits at f[*i..n) into *v; more is a bad specification. */
static bool spec_number(const char *f, size_t n, size_t *i, int *v)
{
    size_t j = *i;
    *v = 0;
    while (j < n && f[j] >= '0' && f[j] <= '9') {
        if (j - *i == 2)
            return false;
        *v = *v * 10 + (f[j] - '0');
        j++;
    }
    *i = j;
    return true;
}

int sl_expr_fmt_next(const char *f, size_t n, size_t *pi, sl_expr_fmt *s)
{
    size_t i = *pi;
    if (i >= n)
        return SL_FMT_END;
    if (f[i] != '%' || (i + 1 < n && f[i + 1] == '%')) {
        size_t j = i + 1;
        if (f[i] == '%')
            j++;
        else
            while (j < n && f[j] != '%')
                j++;
        s->text = f + i;
        s->text_len = f[i] == '%' ? 1 : j - i;
        *pi = j;
        return SL_FMT_TEXT;
    }
    size_t j = i + 1;
    s->left = s->zero = false;
    s->width = s->prec = -1;
    for (; j < n && (f[j] == '-' || f[j] == '0'); j++) {
        if (f[j] == '-')
            s->left = true;
        else
            s->zero = true;
    }
    if (j < n && f[j] >= '1' && f[j] <= '9' && !spec_number(f, n, &j, &s->width))
        return SL_FMT_BAD;
    if (j < n && f[j] == '.') {
        j++;
        if (!spec_number(f, n, &j, &s->prec))
            return SL_FMT_BAD;
    }
    if (j >= n || !strchr("dixfs", f[j]) || f[j] == '\0')
        return SL_FMT_BAD;
    s->conv = f[j];
    *pi = j + 1;
    return SL_FMT_CONV;
}

bool sl_expr_fmt_accepts(char conv, sl_val_kind k)
{
    if (k == SL_VAL_NULL)
        return true;
    if (conv == 's')
        return k != SL_VAL_LIST;
    return k == SL_VAL_INT || k == SL_VAL_DOUBLE || k == SL_VAL_DECIMAL;
}
