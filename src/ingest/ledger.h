/* The ingest ledger (docs/state-layout.md): one JSON line per commit in
 * <state>/ledger/<writer>.jsonl, and the sets of content hashes and HTCondor jobs
 * that every ledger has committed, which is how a duplicate input is known. */
#ifndef SL_INGEST_LEDGER_H
#define SL_INGEST_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/buf.h"
#include "sluice/json.h"
#include "sluice/status.h"

typedef struct sl_key128 { uint64_t lo, hi; } sl_key128;

/* A set of 128-bit keys: open addressing, linear probing, deletion by backward
 * shift. The all-zero key is stored as {1, 0}. */
typedef struct sl_keyset {
    sl_key128 *slots;
    size_t cap, len;
} sl_keyset;

bool sl_keyset_has(const sl_keyset *s, sl_key128 k);
sl_status sl_keyset_add(sl_keyset *s, sl_key128 k);
void sl_keyset_del(sl_keyset *s, sl_key128 k);
void sl_keyset_free(sl_keyset *s);

/* Content hash of an input (XXH3-128), and its 32 lowercase hex digits. */
sl_key128 sl_content_hash(const void *p, size_t n);
void sl_key128_hex(sl_key128 k, char out[33]);
bool sl_key128_parse(const char *s, size_t n, sl_key128 *out);

/* The key of an HTCondor job (cluster, proc). */
static inline sl_key128 sl_job_key(uint64_t cluster, uint64_t proc)
{
    sl_key128 k = {cluster + 1, proc + 1};
    return k;
}

/* Parses "C.P" (also "C_P") into a job; false when s is not one. */
bool sl_job_parse(const char *s, size_t n, uint64_t *cluster, uint64_t *proc);

/* Calls fn with each complete line (without its '\n') of the open file fd from
 * *offset on, reading in bounded chunks, and advances *offset past every line fn
 * takes. fn returns SL_OK to go on, SL_EOF to stop before this line (it stays
 * unread), or an error, which is returned as it is. A last line without its
 * newline is never passed (a torn append, or one still being written). A line
 * longer than max_line is SL_ERR_LIMIT. Read errors are SL_ERR_IO with err set. */
typedef sl_status (*sl_line_fn)(void *ctx, const uint8_t *line, size_t len);
sl_status sl_ledger_lines(int fd, const char *path, uint64_t *offset, size_t max_line,
                          sl_line_fn fn, void *ctx, sl_error *err);

/* Reads the complete lines of a ledger file from *offset on, calling fn with each
 * commit that parses (a torn or corrupt line is skipped and counted in *bad, when
 * not NULL), and advances *offset past the last complete line. A missing file is
 * no lines. The commit value is valid only during the call. */
typedef sl_status (*sl_ledger_fn)(void *ctx, const sl_json_value *commit);
sl_status sl_ledger_read(const char *path, uint64_t *offset, sl_ledger_fn fn, void *ctx,
                         uint64_t *bad, sl_error *err);

#endif
