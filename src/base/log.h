/* Structured logs: one line per event, as logfmt
 *     ts=2026-11-21T10:00:01.123Z level=info event=commit files=120 rows=4810
 * or as JSON lines
 *     {"ts":"2026-11-21T10:00:01.123Z","level":"info","event":"commit","files":120,...}
 * to stderr or a file. Thread-safe: a record is built in the caller's buffer and
 * written with one write(2) under a mutex, so lines of several threads never mix.
 *
 *     sl_logrec r;
 *     if (sl_log_begin(&r, log, SL_LOG_INFO, "commit")) {
 *         sl_log_u64(&r, "files", n);
 *         sl_log_str(&r, "table", name);
 *         sl_log_end(&r);
 *     }
 */
#ifndef SL_BASE_LOG_H
#define SL_BASE_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "sluice/buf.h"
#include "sluice/status.h"

typedef enum { SL_LOG_DEBUG = 0, SL_LOG_INFO, SL_LOG_WARN, SL_LOG_ERROR } sl_log_level;
typedef enum { SL_LOG_LOGFMT = 0, SL_LOG_JSON } sl_log_format;

typedef struct sl_log sl_log;

/* Opens a log: path NULL or "-" is stderr; a file is opened for appending. */
sl_status sl_log_open(const char *path, sl_log_level min, sl_log_format fmt, sl_log **out,
                      sl_error *err);
void sl_log_close(sl_log *lg);

/* Parses "debug|info|warn|error" and "logfmt|json"; false when unknown. */
bool sl_log_parse_level(const char *s, sl_log_level *out);
bool sl_log_parse_format(const char *s, sl_log_format *out);

typedef struct sl_logrec {
    sl_log *lg;
    sl_buf b;
} sl_logrec;

/* Starts a record; returns false (and the record must not be used) when the
 * level is below the log's minimum or lg is NULL. */
bool sl_log_begin(sl_logrec *r, sl_log *lg, sl_log_level level, const char *event);
void sl_log_str(sl_logrec *r, const char *key, const char *value);
void sl_log_strn(sl_logrec *r, const char *key, const char *value, size_t len);
void sl_log_u64(sl_logrec *r, const char *key, uint64_t value);
void sl_log_i64(sl_logrec *r, const char *key, int64_t value);
void sl_log_f64(sl_logrec *r, const char *key, double value);
void sl_log_err(sl_logrec *r, const sl_error *err);   /* key "error", formatted */
void sl_log_end(sl_logrec *r);

#endif
