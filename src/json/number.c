/* JSON number text to values: exact int64, exact big-integer digits, and correctly
 * rounded doubles, independent of the process locale.
 *
 * Doubles take a fast path when the decimal significand has at most 15 digits and
 * the decimal exponent is within +-22: then the significand and the power of ten
 * are both exact doubles and one IEEE multiplication or division rounds correctly
 * (Clinger's observation). Everything else goes to strtod in the "C" locale, which
 * glibc rounds correctly. */
#include "json/internal.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void make_c_locale(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

double sl_json_strtod_c(const char *s, char **end)
{
    pthread_once(&c_locale_once, make_c_locale);
    if (c_locale)
        return strtod_l(s, end, c_locale);
    return strtod(s, end);   /* newlocale failed: the default "C" locale is likely */
}

static const double pow10_exact[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* The fast path; returns 0 when it does not apply. */
static int fast_double(const char *s, size_t len, double *out)
{
    const char *p = s, *e = s + len;
    int neg = 0;
    if (*p == '-') {
        neg = 1;
        p++;
    }
    uint64_t m = 0;
    int sig = 0;         /* significant digits taken into m */
    int exp10 = 0;
    for (; p < e && *p >= '0' && *p <= '9'; p++) {
        if (m == 0 && *p == '0')
            continue;
        if (++sig > 15)
            return 0;
        m = m * 10 + (uint64_t)(*p - '0');
    }
    if (p < e && *p == '.') {
        for (p++; p < e && *p >= '0' && *p <= '9'; p++) {
            exp10--;
            if (m == 0 && *p == '0')
                continue;
            if (++sig > 15)
                return 0;
            m = m * 10 + (uint64_t)(*p - '0');
        }
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        int eneg = 0;
        if (*p == '+' || *p == '-')
            eneg = *p++ == '-';
        int x = 0;
        for (; p < e; p++) {
            if (x > 100000)
                return 0;
            x = x * 10 + (*p - '0');
        }
        exp10 += eneg ? -x : x;
    }
    double d;
    if (m == 0) {
        d = 0.0;
    } else {
        if (exp10 < -22 || exp10 > 22)
            return 0;
        d = (double)m;
        d = exp10 < 0 ? d / pow10_exact[-exp10] : d * pow10_exact[exp10];
    }
    *out = neg ? -d : d;
    return 1;
}

int sl_json_number_convert(const char *s, size_t len, int is_int, char *tmp,
                           sl_json_value *v)
{
    v->u.num.raw = s;
    v->u.num.raw_len = (uint32_t)len;
    if (is_int) {
        const char *p = s;
        int neg = *p == '-';
        p += neg;
        size_t nd = len - (size_t)neg;
        if (nd <= 19) {
            uint64_t m = 0;
            for (size_t k = 0; k < nd; k++)
                m = m * 10 + (uint64_t)(p[k] - '0');
            if (!neg && m <= (uint64_t)INT64_MAX) {
                v->type = SL_JSON_INT;
                v->u.num.i = (int64_t)m;
                v->u.num.d = (double)m;
                return 0;
            }
            if (neg && m <= (uint64_t)INT64_MAX + 1) {
                v->type = SL_JSON_INT;
                v->u.num.i = m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m;
                v->u.num.d = (double)v->u.num.i;
                return 0;
            }
        }
        /* Outside int64: exact digits in raw; d as a convenience approximation. */
        v->type = SL_JSON_BIGINT;
        v->u.num.i = 0;
        memcpy(tmp, s, len);
        tmp[len] = '\0';
        v->u.num.d = sl_json_strtod_c(tmp, NULL);
        return 0;
    }
    double d;
    if (!fast_double(s, len, &d)) {
        memcpy(tmp, s, len);
        tmp[len] = '\0';
        d = sl_json_strtod_c(tmp, NULL);
        if (isinf(d))
            return -1;
    }
    v->type = SL_JSON_DOUBLE;
    v->u.num.d = d;
    v->u.num.i = 0;
    return 0;
}
