/* The proleptic Gregorian calendar as day numbers: days since 1970-01-01 to and from
 * (year, month, day), exact for every int64 year that fits. Howard Hinnant's
 * algorithms (chrono-Compatible Low-Level Date Algorithms), and the digit and date
 * scanners of ISO 8601 text. Shared by type inference, the expression language and
 * every date formatter. */
#ifndef SLUICE_BASE_CIVIL_H
#define SLUICE_BASE_CIVIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline int64_t sl_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static inline void sl_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* The n ASCII digits at s as a number; false if any byte is not a digit. */
static inline bool sl_parse_digits(const char *s, size_t n, unsigned *out)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return true;
}

/* "YYYY-MM-DD" at s (which has at least 10 bytes) as days since 1970-01-01; false
 * unless it is a real calendar date. */
static inline bool sl_parse_ymd(const char *s, int64_t *days)
{
    static const unsigned char mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    unsigned y, m, d;
    if (!sl_parse_digits(s, 4, &y) || s[4] != '-' || !sl_parse_digits(s + 5, 2, &m) || s[7] != '-' ||
        !sl_parse_digits(s + 8, 2, &d))
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (m < 1 || m > 12 || d < 1 || d > (unsigned)(mdays[m - 1] + (m == 2 && leap)))
        return false;
    *days = sl_days_from_civil(y, m, d);
    return true;
}

#endif
