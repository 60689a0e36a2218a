/* Bounded growable byte buffer (see buf.h). */
#include "base/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void sl_buf_init(sl_buf *b, size_t max)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max ? max : SIZE_MAX;
}

sl_status sl_buf_grow(sl_buf *b, size_t n)
{
    if (b->max == 0)
        b->max = SIZE_MAX;
    if (n > b->max || b->len > b->max - n)
        return SL_ERR_LIMIT;
    size_t need = b->len + n;
    /* Even a reservation of 0 bytes leaves data non-NULL, so a caller may always
     * write (or memset/memcpy zero bytes) at data + len. */
    if (need <= b->cap && b->data)
        return SL_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
    if (cap > b->max)
        cap = b->max;
    uint8_t *p = realloc(b->data, cap);
    if (!p)
        return SL_ERR_NOMEM;
    b->data = p;
    b->cap = cap;
    return SL_OK;
}

sl_status sl_buf_append_slow(sl_buf *b, const void *p, size_t n)
{
    if (n == 0)
        return SL_OK;
    sl_status s = sl_buf_reserve(b, n);
    if (s)
        return s;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return SL_OK;
}

sl_status sl_buf_printf(sl_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int k = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (k < 0)
        return SL_ERR_USAGE;
    if ((size_t)k < sizeof small)
        return sl_buf_append(b, small, (size_t)k);
    sl_status s = sl_buf_reserve(b, (size_t)k + 1);
    if (s)
        return s;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)k + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)k;
    return SL_OK;
}

void sl_buf_free(sl_buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
