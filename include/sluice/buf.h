/* Growable byte buffer with a maximum size (curl's dynbuf idea): every buffer that
 * grows from input has a bound, and exceeding it is SL_ERR_LIMIT, not an OOM. */
#ifndef SLUICE_BUF_H
#define SLUICE_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sluice/status.h"

typedef struct sl_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    size_t max;   /* 0 means SIZE_MAX */
} sl_buf;

/* Initialises an empty buffer bounded by max bytes (0: unbounded). Allocates nothing. */
void sl_buf_init(sl_buf *b, size_t max);

/* Makes room for n more bytes (data is non-NULL afterwards, even for n == 0).
 * SL_ERR_LIMIT past max, SL_ERR_NOMEM on malloc failure. */
sl_status sl_buf_grow(sl_buf *b, size_t n);   /* the slow path of sl_buf_reserve */
static inline sl_status sl_buf_reserve(sl_buf *b, size_t n)
{
    /* cap never exceeds max, so room within cap is room within max */
    if (b->data && b->cap - b->len >= n)
        return SL_OK;
    return sl_buf_grow(b, n);
}

sl_status sl_buf_append_slow(sl_buf *b, const void *p, size_t n);
static inline sl_status sl_buf_append(sl_buf *b, const void *p, size_t n)
{
    if (n && b->data && b->cap - b->len >= n) {
        memcpy(b->data + b->len, p, n);
        b->len += n;
        return SL_OK;
    }
    return sl_buf_append_slow(b, p, n);
}

static inline sl_status sl_buf_putc(sl_buf *b, uint8_t c)
{
    if (b->len == b->cap) {
        sl_status s = sl_buf_reserve(b, 1);
        if (s)
            return s;
    }
    b->data[b->len++] = c;
    return SL_OK;
}

static inline sl_status sl_buf_puts(sl_buf *b, const char *s)
{
    return sl_buf_append(b, s, strlen(s));
}

/* printf-style append. */
sl_status sl_buf_printf(sl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Empties the buffer, keeping its memory. */
static inline void sl_buf_clear(sl_buf *b) { b->len = 0; }

/* Frees the memory; the buffer is empty and usable afterwards. b may be NULL. */
void sl_buf_free(sl_buf *b);

#endif
