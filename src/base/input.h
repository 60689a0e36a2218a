/* Input byte stream: a file, a stdio stream or memory, with gzip and zstd inputs
 * detected by their magic bytes (1f 8b; 28 b5 2f fd) and decompressed on the fly.
 * Concatenated gzip members and concatenated zstd frames are read as one stream,
 * the way `zcat` and `zstdcat` read them.
 *
 * Every input has a bound on the bytes it yields (max_out, after decompression):
 * reading past it is SL_ERR_LIMIT, which is what stops a decompression bomb. The
 * bound applies to uncompressed input too, so a caller gets one rule.
 *
 * Used by the JSON reader and, later, the CSV reader; it knows nothing of either. */
#ifndef SL_BASE_INPUT_H
#define SL_BASE_INPUT_H

#include <stdint.h>
#include <stdio.h>

#include "sluice/status.h"

typedef enum {
    SL_INPUT_PLAIN = 0,
    SL_INPUT_GZIP,
    SL_INPUT_ZSTD
} sl_input_codec;

typedef struct sl_input sl_input;

/* Opens path for reading ("-" is stdin, which is not closed by sl_input_free).
 * max_out: bytes the stream may yield after decompression, 0 for no bound.
 * On failure returns SL_ERR_IO (err says why, naming path) and sets *out to NULL. */
sl_status sl_input_open_path(const char *path, uint64_t max_out, sl_input **out,
                             sl_error *err);

/* Reads from an open stream; `name` (may be NULL) is used in errors. f is not closed. */
sl_status sl_input_open_file(FILE *f, const char *name, uint64_t max_out, sl_input **out,
                             sl_error *err);

/* Reads from memory, which is not copied and must outlive the input. */
sl_status sl_input_open_mem(const void *data, size_t len, const char *name,
                            uint64_t max_out, sl_input **out, sl_error *err);

/* Reads up to cap bytes into dst. Returns SL_OK with *n > 0; SL_EOF with *n == 0 at
 * the end; or an error with *n == 0: SL_ERR_IO (read failed), SL_ERR_CORRUPT (a
 * broken or truncated compressed stream), SL_ERR_LIMIT (more than max_out bytes),
 * SL_ERR_NOMEM. Errors are sticky: later calls return the same status. err names the
 * input and carries the decompressed offset where the problem was found. */
sl_status sl_input_read(sl_input *in, void *dst, size_t cap, size_t *n, sl_error *err);

/* The codec found by the first read (SL_INPUT_PLAIN before it). */
sl_input_codec sl_input_codec_of(const sl_input *in);

/* Bytes taken from the underlying source so far, and bytes yielded to the caller. */
uint64_t sl_input_bytes_in(const sl_input *in);
uint64_t sl_input_bytes_out(const sl_input *in);

/* The name given at open ("" when none). Never NULL. */
const char *sl_input_name(const sl_input *in);

/* Closes the file if the input opened it and frees everything. in may be NULL. */
void sl_input_free(sl_input *in);

#endif
