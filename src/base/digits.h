/* Decimal digits of integers, written without printf: the generator and the writers
 * format hundreds of millions of these. */
#ifndef SLUICE_BASE_DIGITS_H
#define SLUICE_BASE_DIGITS_H

#include <stddef.h>
#include <stdint.h>

/* Writes v in decimal at out (room for 20 bytes); returns the length. No NUL.
 * The length first, then two digits at a time from the end: half the divisions
 * of a digit at a time, and no reversal. */
static inline size_t sl_put_u64(char *out, uint64_t v)
{
    static const char pairs[] = "00010203040506070809101112131415161718192021222324"
                                "25262728293031323334353637383940414243444546474849"
                                "50515253545556575859606162636465666768697071727374"
                                "75767778798081828384858687888990919293949596979899";
    size_t n = 1;
    for (uint64_t t = 10; n < 20 && v >= t; t *= 10)
        n++;
    char *p = out + n;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        p -= 2;
        p[0] = pairs[2 * r];
        p[1] = pairs[2 * r + 1];
    }
    if (v >= 10) {
        p[-2] = pairs[2 * v];
        p[-1] = pairs[2 * v + 1];
    } else {
        p[-1] = (char)('0' + v);
    }
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
