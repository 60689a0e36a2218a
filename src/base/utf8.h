/* UTF-8 validation (RFC 3629): no overlong forms, no surrogates, nothing past
 * U+10FFFF, no truncated sequences. */
#ifndef SL_BASE_UTF8_H
#define SL_BASE_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Offset of the first byte of p[0..n) that does not start a valid sequence, or n
 * when all of it is valid UTF-8. */
size_t sl_utf8_invalid_at(const uint8_t *p, size_t n);

#endif
