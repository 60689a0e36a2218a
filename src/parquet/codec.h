/* Page compression for Parquet: zstd, snappy, gzip, lz4 (raw block and the legacy
 * Hadoop framing, read only) and none, over the Debian-packaged libraries. */
#ifndef SL_PARQUET_CODEC_H
#define SL_PARQUET_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "sluice/parquet.h"

/* Appends the compressed form of src[0..n) to out. level 0 is sluice's default
 * for the codec: zstd 2 (see codec.c), gzip 6. */
sl_status sl_pq_compress(sl_pq_codec codec, int level, const uint8_t *src, size_t n,
                         sl_buf *out);

/* A compressor that keeps its codec's state from one call to the next: zstd's
 * context and zlib's stream are allocated once, not once a page (a zstd context
 * for a 1 MB page is about a megabyte of tables at level 3, half that at 2,
 * faulted in afresh by every page of a one-shot call). The bytes are those sl_pq_compress writes. All zero is an empty
 * compressor; one thread uses it at a time. */
typedef struct sl_pq_compressor {
    void *zstd;          /* ZSTD_CCtx */
    void *zlib;          /* z_stream, deflate side */
    int zlib_level;
} sl_pq_compressor;

/* sl_pq_compress through z's state. */
sl_status sl_pq_compress_with(sl_pq_compressor *z, sl_pq_codec codec, int level,
                              const uint8_t *src, size_t n, sl_buf *out);

/* Releases z's state; z is empty and usable afterwards. z may be NULL. */
void sl_pq_compressor_free(sl_pq_compressor *z);

/* Decompresses src[0..n) into exactly dst_len bytes of dst. Anything else (a short
 * or long result, a broken stream) is SL_ERR_CORRUPT. */
sl_status sl_pq_decompress(sl_pq_codec codec, const uint8_t *src, size_t n, uint8_t *dst,
                           size_t dst_len);

#endif
