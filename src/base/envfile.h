/* Environment files, as systemd's EnvironmentFile= reads them: one KEY=VALUE a
 * line, so one file can configure a sluice service and be handed to systemd.
 *
 *   # a comment (also ';'), and blank lines, are skipped
 *   SLUICE_OUTPUT_DIR=/var/lib/sluice/out
 *   SLUICE_WORKERS = 4                  spaces around '=' are dropped
 *   SLUICE_LOG_FILE="/var/log/my dir"   "..." keeps spaces; \" \\ \$ \` escape
 *   SLUICE_TABLE='raw text'             '...' is literal
 *   SLUICE_SCHEMA=/etc/sluice/a\
 *   b.json                              a backslash at the end joins the next line
 *
 * Keys are [A-Za-z_][A-Za-z0-9_]*. An unquoted value ends at the end of its line,
 * trailing blanks dropped. Anything else is an error naming the line and column. */
#ifndef SL_BASE_ENVFILE_H
#define SL_BASE_ENVFILE_H

#include <stddef.h>

#include "sluice/status.h"

/* Called with each assignment; key and value are not NUL-terminated and live only
 * during the call. line is where the assignment starts. Returning non-SL_OK stops
 * the parse with that status. */
typedef sl_status (*sl_envfile_fn)(void *ctx, const char *key, size_t klen, const char *val,
                                   size_t vlen, unsigned line);

/* Parses text[0..len), named path in errors. SL_ERR_USAGE for a malformed line
 * (err has the file, line and column), SL_ERR_NOMEM, or fn's status. */
sl_status sl_envfile_parse(const char *text, size_t len, const char *path, sl_envfile_fn fn,
                           void *ctx, sl_error *err);

#endif
