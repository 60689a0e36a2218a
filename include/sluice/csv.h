/* The CSV reader: RFC 4180 text with a header row, read as JSON-like records so the
 * normalizer infers types from every value, exactly as for JSON.
 *
 * Each row becomes an object whose keys are the header's names (a repeated or
 * empty name gets a suffix: "a", "a_2"; an empty one "column_<n>"). A field becomes:
 *   - null when it is empty and unquoted;
 *   - true/false for the exact words true and false;
 *   - a number when it is a JSON number (so "007" and "1e" stay strings: a leading
 *     zero is kept as text, never lost);
 *   - otherwise a string (quoted fields too; "" inside quotes is one quote).
 * Records end with LF or CRLF; quoted fields may hold newlines. A row whose field
 * count differs from the header's is an error naming its line. Input may be gzip-
 * or zstd-compressed. Values live until the next call to sl_csv_reader_next(). */
#ifndef SLUICE_CSV_H
#define SLUICE_CSV_H

#include <stdint.h>

#include "sluice/json.h"
#include "sluice/status.h"

typedef struct sl_csv_options {
    char delimiter;                  /* default ',' */
    uint64_t max_record_size;        /* bytes of one row; 0 means 64 MiB */
    uint64_t max_decompressed_size;  /* 0: unlimited */
} sl_csv_options;

void sl_csv_options_init(sl_csv_options *o);

typedef struct sl_csv_reader sl_csv_reader;

/* Opens path ("-" is stdin) and reads the header row. */
sl_status sl_csv_reader_open(const char *path, const sl_csv_options *opts,
                             sl_csv_reader **out, sl_error *err);

/* Reads from memory (not copied; must outlive the reader); name is for errors. */
sl_status sl_csv_reader_open_mem(const void *data, size_t len, const char *name,
                                 const sl_csv_options *opts, sl_csv_reader **out, sl_error *err);

/* Next row as an object; SL_EOF at the end; SL_ERR_CSV with a position on bad input. */
sl_status sl_csv_reader_next(sl_csv_reader *r, const sl_json_value **out, sl_error *err);

void sl_csv_reader_free(sl_csv_reader *r);

#endif
