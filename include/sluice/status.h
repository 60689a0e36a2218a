/* sluice status codes and rich errors.
 *
 * Every library function that can fail returns an sl_status. Functions that can
 * say more also fill an sl_error: the code, a message, and where in the input the
 * problem is (file, 1-based line and column, 0-based byte offset). The library
 * never prints and never exits; the CLI maps statuses to exit codes.
 *
 * The numbers are pinned: append new codes at the end, never renumber. */
#ifndef SLUICE_STATUS_H
#define SLUICE_STATUS_H

#include <stdint.h>
#include <stddef.h>

#define SL_STATUS_LIST(X)                                      \
    X(SL_OK,              0, "success")                        \
    X(SL_EOF,             1, "end of input")                   \
    X(SL_ERR_NOMEM,       2, "out of memory")                  \
    X(SL_ERR_IO,          3, "input/output error")             \
    X(SL_ERR_USAGE,       4, "invalid argument")               \
    X(SL_ERR_JSON,        5, "malformed JSON")                 \
    X(SL_ERR_LIMIT,       6, "limit exceeded")                 \
    X(SL_ERR_CORRUPT,     7, "corrupt input")                  \
    X(SL_ERR_UNSUPPORTED, 8, "unsupported feature")            \
    X(SL_ERR_SCHEMA,      9, "schema mismatch")                \
    X(SL_ERR_NOSPACE,    10, "no space left on device")        \
    X(SL_ERR_CSV,        11, "malformed CSV")                  \
    X(SL_ERR_STOPPED,    12, "stopped on request")

typedef enum {
#define SL_STATUS_ENUM(name, num, text) name = num,
    SL_STATUS_LIST(SL_STATUS_ENUM)
#undef SL_STATUS_ENUM
} sl_status;

/* A short, static, lowercase description of a status ("malformed JSON"). Never NULL. */
const char *sl_strerror(sl_status s);

/* An error with its position. line and column are 1-based; 0 means "not known".
 * offset is the 0-based byte offset in the (decompressed) input; UINT64_MAX means
 * "not known". file is empty when the input has no name. */
typedef struct sl_error {
    sl_status code;
    uint64_t line;
    uint64_t column;
    uint64_t offset;
    char file[512];
    char msg[512];
} sl_error;

/* Resets err to "no error" (code SL_OK, no position). err may be NULL. */
void sl_error_clear(sl_error *err);

/* Sets code and a printf-style message, keeping any file already recorded; clears
 * the position. err may be NULL, in which case only the code is returned.
 * Returns code, so callers can write `return sl_error_set(err, ...)`. */
sl_status sl_error_set(sl_error *err, sl_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like sl_error_set, with a position. */
sl_status sl_error_at(sl_error *err, sl_status code, uint64_t line, uint64_t column,
                      uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Records the input's name (copied, truncated to fit). err and file may be NULL. */
void sl_error_set_file(sl_error *err, const char *file);

/* Formats err as "FILE:LINE:COLUMN (byte OFFSET): MESSAGE", leaving out the parts that
 * are not known. Always NUL-terminates out (when n > 0). Returns out. */
char *sl_error_format(const sl_error *err, char *out, size_t n);

#endif
