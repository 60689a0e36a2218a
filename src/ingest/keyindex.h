/* A set of 128-bit keys that only grows, with bounded memory: the keys added
 * last are in an in-memory sl_keyset; when it holds mem_max keys they are sorted
 * and written to a run file, and runs of similar size are merged, so there are
 * about log2(n / mem_max) runs. A run costs memory only for its fence (the first
 * key of each 4 KiB block: 1 byte for 16 keys); a lookup that misses memory reads
 * one block of each run with pread.
 *
 * This is how ingest remembers every committed content hash and HTCondor job for
 * months without its memory growing with them (bench/README.md, W2 sustained).
 * The runs are a cache of the ledgers, private to one process: they live in one
 * directory that sl_keyindex_close removes. Not thread-safe; ingest calls it under
 * its mutex. */
#ifndef SL_INGEST_KEYINDEX_H
#define SL_INGEST_KEYINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ingest/ledger.h"
#include "sluice/buf.h"
#include "sluice/status.h"

typedef struct sl_keyrun sl_keyrun;

typedef struct sl_keyindex {
    sl_keyset mem;              /* keys added since the last spill */
    size_t mem_max;             /* spill when mem holds this many */
    size_t retry_at;            /* after a failed spill: try again at this size */
    char *dir;                  /* run files: <dir>/<name>-<seq>.keys */
    char name[16];
    sl_keyrun *runs;            /* oldest (largest) first */
    size_t nruns;
    uint64_t seq;
    uint64_t spills, merges;    /* counters, for tests and metrics */
    sl_status last_error;       /* of the last failed spill or merge, else SL_OK */
} sl_keyindex;

/* Default keys held in memory before a spill: 65,536 (1 to 2 MiB of slots). */
#define SL_KEYINDEX_MEM_DEFAULT 65536

/* Prepares an empty index whose runs go to dir (created when first needed; files
 * named <name>-* in it are removed first). mem_max 0 is the default. */
sl_status sl_keyindex_init(sl_keyindex *x, const char *dir, const char *name, size_t mem_max,
                           sl_error *err);

/* 1 when k is in the index, 0 when not, -1 when a run could not be read (err set;
 * the answer is unknown, so the caller must not take k as new). */
int sl_keyindex_has(const sl_keyindex *x, sl_key128 k, sl_error *err);

/* Adds k (a key already present may be added again). When memory is full the keys
 * are spilled to a run; a spill that fails (a full disk) keeps them in memory and
 * is tried again after another quarter of mem_max keys, so only SL_ERR_NOMEM is
 * returned. */
sl_status sl_keyindex_add(sl_keyindex *x, sl_key128 k);

/* Keys in memory and in runs (a key added twice may count twice). */
uint64_t sl_keyindex_size(const sl_keyindex *x);

/* Bytes of heap the index holds (slots and fences), for metrics and tests. */
size_t sl_keyindex_memory(const sl_keyindex *x);

/* Frees memory and removes the run files (and dir, when empty). */
void sl_keyindex_close(sl_keyindex *x);

/* Saving an index for the next process (ingest does it at a clean stop):
 * sl_keyindex_flush writes what memory holds as a run and fsyncs every run;
 * sl_keyindex_describe appends the runs as a JSON array of [seq, keys] pairs;
 * sl_keyindex_close_keep frees memory and closes the runs, leaving their files. */
sl_status sl_keyindex_flush(sl_keyindex *x, sl_error *err);
void sl_keyindex_describe(const sl_keyindex *x, sl_buf *b);
void sl_keyindex_close_keep(sl_keyindex *x);

/* Takes the runs of a saved index as its own: runs[i] is {seq, keys} as
 * sl_keyindex_describe wrote them, the files in x's directory. Each file must
 * have its size and hold its keys in order at every fence, else SL_ERR_CORRUPT
 * (err names the file) and x is as it was. x must be empty. */
sl_status sl_keyindex_adopt(sl_keyindex *x, const uint64_t (*runs)[2], size_t n, sl_error *err);

#endif
