/* Copying row groups between files (writer_copy.c, reader_copy.c): the reader
 * and writer sides meet in these neutral structs, since their thrift headers
 * cannot share a translation unit. */
#ifndef SL_PARQUET_COPY_H
#define SL_PARQUET_COPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/parquet.h"

/* A column as the writer has it. */
typedef struct pq_copy_want {
    const char *name;
    int32_t phys;
    uint8_t max_def, max_rep;
} pq_copy_want;

/* A column chunk of the source, ready to copy: bytes[0..total_compressed) is it,
 * from its first page on; data_off and dict_off (-1: none) are relative to it. */
typedef struct pq_copy_chunk {
    const uint8_t *bytes;
    int32_t type, codec;
    uint32_t encodings;
    int64_t num_values, total_uncompressed, total_compressed;
    int64_t data_off, dict_off;
    bool has_null_count, has_min_max;
    int64_t null_count;
    const uint8_t *min, *max;
    uint32_t min_len, max_len;
} pq_copy_chunk;

/* Checks that r's columns are want[0..n) (one leaf each, same names, physical
 * types and levels: SL_ERR_USAGE otherwise) and describes row group g's chunks
 * in out[0..n) (SL_ERR_CORRUPT when one cannot be copied as it is). */
sl_status pq_reader_copy_plan(const sl_pq_reader *r, size_t g, const pq_copy_want *want, size_t n,
                              pq_copy_chunk *out, int64_t *num_rows, sl_error *err);

#endif
