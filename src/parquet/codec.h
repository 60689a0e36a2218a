/* Page compression for Parquet: zstd, snappy, gzip, lz4 (raw block and the legacy
 * Hadoop framing, read only) and none, over the Debian-packaged libraries. */
#ifndef SL_PARQUET_CODEC_H
#define SL_PARQUET_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "sluice/parquet.h"

/* Appends the compressed form of src[0..n) to out. level 0 is the codec default. */
sl_status sl_pq_compress(sl_pq_codec codec, int level, const uint8_t *src, size_t n,
                         sl_buf *out);

/* Decompresses src[0..n) into exactly dst_len bytes of dst. Anything else (a short
 * or long result, a broken stream) is SL_ERR_CORRUPT. */
sl_status sl_pq_decompress(sl_pq_codec codec, const uint8_t *src, size_t n, uint8_t *dst,
                           size_t dst_len);

#endif
