/* Decimal digits of integers, written without printf: the generator and the writers
 * format hundreds of millions of these. */
#ifndef SLUICE_BASE_DIGITS_H
#define SLUICE_BASE_DIGITS_H

#include <stddef.h>
#include <stdint.h>

/* Writes v in decimal at out (room for 20 bytes); returns the length. No NUL. */
static inline size_t sl_put_u64(char *out, uint64_t v)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

/* The same with a sign (room for 20 bytes). */
static inline size_t sl_put_i64(char *out, int64_t v)
{
    if (v < 0) {
        out[0] = '-';
        return 1 + sl_put_u64(out + 1, 0 - (uint64_t)v);
    }
    return sl_put_u64(out, (uint64_t)v);
}

#endif
