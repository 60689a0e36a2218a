/* Doubling arrays: the one growth step every dynamic array in sluice takes. */
#ifndef SL_BASE_GROW_H
#define SL_BASE_GROW_H

#include <stdint.h>
#include <stdlib.h>

/* Returns p reallocated to twice *cap elements of elem bytes (first when *cap is
 * 0) and updates *cap; returns NULL, leaving p and *cap alone, on overflow or
 * when realloc fails. */
static inline void *sl_grow_array(void *p, size_t *cap, size_t elem, size_t first)
{
    size_t n = *cap ? *cap * 2 : first;
    if (n < *cap || n > SIZE_MAX / elem)
        return NULL;
    void *q = realloc(p, n * elem);
    if (q)
        *cap = n;
    return q;
}

#endif
