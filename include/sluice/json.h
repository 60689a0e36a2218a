/* The JSON reader: strict RFC 8259, streaming, bounded memory.
 *
 * A reader yields one *record* at a time as a tree of sl_json_value. What a record
 * is depends on the input form:
 *   - one document, NDJSON, or concatenated documents: each top-level value;
 *   - a top-level array (SL_JSON_FORM_ARRAY, or AUTO when the first value of the
 *     input is an array): each element of that array, streamed, so a 5 GB array
 *     is read in memory bounded by the largest element.
 * Compressed input (gzip, zstd) is detected by magic bytes and decompressed on the
 * fly.
 *
 * Ownership: the tree returned by sl_json_reader_next() and every string in it
 * belongs to the reader and stays valid until the next call to
 * sl_json_reader_next() or sl_json_reader_free(). Strings are UTF-8, unescaped, not
 * NUL-terminated in general (use len); they may contain U+0000.
 *
 * Strictness: RFC 8259, nothing more: no comments, NaN/Infinity, single quotes,
 * trailing commas, leading zeros or '+'; strings must be valid UTF-8 (no overlongs,
 * no encoded surrogates, nothing above U+10FFFF) with every control character
 * escaped, and \u escapes may not leave a lone surrogate. Two choices the RFC
 * leaves open: a UTF-8 byte order mark at the very start is skipped, and a number
 * too large for a double (1e400) is an error, "number out of range", since
 * neither JSON output nor Parquet can hold infinity; a number too small (1e-400)
 * becomes 0.
 *
 * Empty input (nothing but whitespace) is zero records in the SEQUENCE and AUTO
 * forms, and an error in the DOCUMENT and ARRAY forms. In a sequence, a top-level
 * number or literal must be followed by whitespace, a bracket, a quote or the end
 * ("1true" is an error; "1 2", "{}{}" and "\"a\"[1]" are two records each).
 *
 * Duplicate keys: the last one wins (its position is that of the first occurrence),
 * and every duplicate is counted (sl_json_reader_duplicate_keys()).
 *
 * Numbers: an integer that fits int64 is SL_JSON_INT with its exact value. An
 * integer that does not is SL_JSON_BIGINT with its exact digits in num.raw (num.d
 * then holds the nearest double, possibly infinite, as a convenience). Any number
 * with a fraction or exponent is SL_JSON_DOUBLE, correctly rounded (strtod
 * semantics in the C locale), with the original text in num.raw too. num.raw is
 * set for SL_JSON_INT as well.
 *
 * Positions in errors: line is 1-based; column is 1-based and counts Unicode code
 * points (UTF-8 sequences), not bytes, from the start of the line; offset is the
 * 0-based byte offset in the decompressed input (a skipped byte order mark counts
 * in offsets, not in columns). An error at the end of the input says "unexpected
 * end of input (...)" and points just past the last byte.
 *
 * Empty arrays and objects have len 0 and a non-NULL items/members pointer. */
#ifndef SLUICE_JSON_H
#define SLUICE_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sluice/status.h"

typedef enum {
    SL_JSON_NULL = 0,
    SL_JSON_FALSE,
    SL_JSON_TRUE,
    SL_JSON_INT,      /* v.num.i exact */
    SL_JSON_BIGINT,   /* integer outside int64: exact digits in v.num.raw */
    SL_JSON_DOUBLE,   /* v.num.d; v.num.raw is the source text */
    SL_JSON_STRING,   /* v.str.ptr, v.str.len */
    SL_JSON_ARRAY,    /* v.arr.items[0 .. v.arr.len) */
    SL_JSON_OBJECT    /* v.obj.members[0 .. v.obj.len), keys unique */
} sl_json_type;

typedef struct sl_json_value sl_json_value;
typedef struct sl_json_member sl_json_member;

struct sl_json_value {
    sl_json_type type;
    union {
        struct { int64_t i; double d; const char *raw; uint32_t raw_len; } num;
        struct { const char *ptr; size_t len; } str;
        struct { sl_json_value *items; size_t len; } arr;
        struct { sl_json_member *members; size_t len; } obj;
    } u;
};

struct sl_json_member {
    const char *key;
    size_t key_len;
    sl_json_value value;
};

typedef enum {
    SL_JSON_FORM_AUTO = 0,   /* array if the input starts with '[', else a sequence */
    SL_JSON_FORM_SEQUENCE,   /* one document, NDJSON, or concatenated documents */
    SL_JSON_FORM_ARRAY,      /* the input is one array; records are its elements */
    SL_JSON_FORM_DOCUMENT    /* exactly one value; anything after it is an error */
} sl_json_form;

typedef struct sl_json_options {
    sl_json_form form;
    uint32_t max_depth;              /* nesting limit; 0 means 1000. Deeper is SL_ERR_LIMIT */
    uint64_t max_record_size;        /* bytes of one record's text; 0 means 256 MiB */
    uint64_t max_decompressed_size;  /* total bytes after decompression (of plain input
                                        too); 0: unlimited. Beyond is SL_ERR_LIMIT */
} sl_json_options;

/* Fills o with the defaults described above. */
void sl_json_options_init(sl_json_options *o);

typedef struct sl_json_reader sl_json_reader;

/* Opens path ("-" is stdin). opts may be NULL for defaults. On failure returns the
 * status, fills err (may be NULL) and sets *out to NULL. */
sl_status sl_json_reader_open(const char *path, const sl_json_options *opts,
                              sl_json_reader **out, sl_error *err);

/* Reads from an open stdio stream, named `name` in errors; the reader does not close f. */
sl_status sl_json_reader_open_file(FILE *f, const char *name, const sl_json_options *opts,
                                   sl_json_reader **out, sl_error *err);

/* Reads from memory (not copied; must outlive the reader). Compressed data works too. */
sl_status sl_json_reader_open_mem(const void *data, size_t len, const char *name,
                                  const sl_json_options *opts, sl_json_reader **out,
                                  sl_error *err);

/* Points r at a new in-memory input (compressed or not), keeping its options and
 * its buffers: a service reading many small files reuses one reader. Plain data
 * is buffered whole, so in the DOCUMENT form data after the value is reported by
 * the call that returns the value, and the value stays valid until the reader is
 * reset or freed. Values from the previous input become invalid. */
sl_status sl_json_reader_reset_mem(sl_json_reader *r, const void *data, size_t len,
                                   const char *name, sl_error *err);

/* ---- one input read by several threads ----
 *
 * A caller that cuts a plain (decompressed) input into parts, each starting where a
 * record of a sequence may start (the start of the input, or the byte after a
 * newline), can parse the parts on several threads, each with its own reader made
 * by sl_json_reader_open_parts (options as for open; the form is ignored) and
 * pointed at one part after another by sl_json_reader_reset_part. A part is read
 * as a sequence of records that ends where the part ends (a record cut off by that
 * end is "unexpected end of input"); it is never decompressed, a byte order mark
 * is skipped only at offset 0, and positions in errors and in
 * sl_json_reader_bytes_in count from the part's place in the whole input: its byte
 * offset, its 1-based line, and the code points before it on that line. The part
 * is not copied: data[len .. len + SL_JSON_PART_PAD) must be zero bytes, and data
 * must outlive the values read from it. Whether the records of a part are records
 * of the whole input is the caller's to know (they are when the part before ended
 * with a complete record). */
#define SL_JSON_PART_PAD 64

sl_status sl_json_reader_open_parts(const sl_json_options *opts, sl_json_reader **out,
                                    sl_error *err);
void sl_json_reader_reset_part(sl_json_reader *r, const void *data, size_t len, const char *name,
                               uint64_t offset, uint64_t line, uint64_t col);

/* Scanning a record of a known shape, for a caller that parses some records itself
 * (src/ingest/norm_plan.c) from a part r was reset onto: the reader's own rules for
 * a string (p at its opening quote: its UTF-8, its escapes, unescaped into r's
 * memory until the next reset) and a scalar (a string, a number, true, false or
 * null), giving the values sl_json_reader_next gives for the same bytes. Each
 * returns the byte after what it read, or NULL when the bytes at p are not one
 * (or run past the part's end): then the caller reads the record with
 * sl_json_reader_next, which reports what is wrong. sl_json_skip_space skips
 * JSON whitespace (the part's padding stops it). */
const uint8_t *sl_json_scan_string(sl_json_reader *r, const uint8_t *p, const char **s,
                                   size_t *len);
const uint8_t *sl_json_scan_scalar(sl_json_reader *r, const uint8_t *p, sl_json_value *v);
static inline const uint8_t *sl_json_skip_space(const uint8_t *p)
{
    while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
        p++;
    return p;
}

/* The line on which the current part ends (its line, plus the newlines in it),
 * whether or not its records were read: the newlines the parser already passed are
 * not counted again. */
uint64_t sl_json_reader_part_end_line(sl_json_reader *r);

/* Goes on where parts end: a reader of the input `in` (see src/base/input.h; the
 * reader takes it over) whose first prefix[0..len) bytes, copied, were already taken
 * from it; prefix starts where a record may start, at (offset, line, col) of the
 * whole input as for a part. The form is opts' (AUTO looks at prefix's first byte),
 * and a byte order mark is skipped only at offset 0. */
struct sl_input;
sl_status sl_json_reader_open_resume(struct sl_input *in, const void *prefix, size_t len,
                                     const char *name, const sl_json_options *opts,
                                     uint64_t offset, uint64_t line, uint64_t col,
                                     sl_json_reader **out, sl_error *err);

/* Reads the next record. Returns SL_OK and sets *out, SL_EOF at the end of input
 * (*out NULL), or an error (SL_ERR_JSON, SL_ERR_LIMIT, SL_ERR_IO, SL_ERR_CORRUPT for
 * a broken compressed stream) with err naming file, line, column, byte offset and
 * what was expected. err (may be NULL) is written only on an error. After an error,
 * further calls return the same error. In the DOCUMENT form, data after the value
 * is reported by the call that returns the value when it is already buffered, else
 * by the next call. SL_ERR_LIMIT: nesting deeper than max_depth, a record longer
 * than max_record_size, or more than max_decompressed_size bytes of input. */
sl_status sl_json_reader_next(sl_json_reader *r, const sl_json_value **out, sl_error *err);

/* Position of the start of the record last returned: 1-based line, 0-based offset. */
uint64_t sl_json_reader_record_line(const sl_json_reader *r);
uint64_t sl_json_reader_record_offset(const sl_json_reader *r);

/* Duplicate keys seen so far, over all records. */
uint64_t sl_json_reader_duplicate_keys(const sl_json_reader *r);

/* Bytes consumed so far: after decompression, and of the underlying file. */
uint64_t sl_json_reader_bytes_in(const sl_json_reader *r);
uint64_t sl_json_reader_compressed_bytes_in(const sl_json_reader *r);

/* Frees the reader and every value it returned. r may be NULL. */
void sl_json_reader_free(sl_json_reader *r);

/* Looks up key in an object; NULL when v is not an object or has no such key. */
const sl_json_value *sl_json_get(const sl_json_value *v, const char *key);

/* ---- writing ---- */

struct sl_buf;

/* Appends s[0..len) as a JSON string literal (quotes, escapes for '"', '\\' and
 * control characters; everything else passed through as UTF-8). */
sl_status sl_json_write_string(struct sl_buf *out, const char *s, size_t len);

/* Appends a double the shortest way that reads back to the same value (the first of
 * %.15g, %.16g, %.17g that does, in the C locale), with ".0" added when that text
 * would read back as an integer ("1.0", "-0.0"); NaN and infinities, which JSON
 * cannot hold, are written as null. */
sl_status sl_json_write_double(struct sl_buf *out, double d);

/* Appends v as compact JSON. Numbers that carry their source text (num.raw) are
 * written as that text, so 1.50 and 1e2 keep their digits; otherwise INT as digits,
 * DOUBLE with sl_json_write_double, and a BIGINT without raw is SL_ERR_USAGE. Iterative:
 * any nesting depth is safe. Returns SL_OK, or the buffer's SL_ERR_LIMIT/NOMEM. */
sl_status sl_json_write_value(struct sl_buf *out, const sl_json_value *v);

#endif
