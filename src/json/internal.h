/* What the JSON reader's and writer's files share, and the hooks tests use. Not a
 * public header: nothing outside src/json/ and tests includes it. */
#ifndef SL_JSON_INTERNAL_H
#define SL_JSON_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/json.h"

/* strtod in the "C" locale, whatever setlocale() the program made: s must be
 * NUL-terminated. Correctly rounded (glibc). */
double sl_json_strtod_c(const char *s, char **end);

/* Converts the text of a number that already matched the JSON grammar,
 * s[0..len), NUL-terminated copy in `tmp` (at least len + 1 bytes) when a slow
 * path is needed. is_int: no fraction and no exponent. Fills v (type, i or d, raw).
 * Returns 0, or -1 when a double overflows to infinity. */
int sl_json_number_convert(const char *s, size_t len, int is_int, char *tmp,
                           sl_json_value *v);

/* Test hook: the size of each read from the input (default 1 MiB). Call it before the
 * first sl_json_reader_next(); small values make records straddle chunk ends. */
void sl_json_reader_set_chunk_size(sl_json_reader *r, size_t chunk);

#endif
