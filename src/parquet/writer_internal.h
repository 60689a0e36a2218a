/* Internals shared by writer.c (the API, row assembly, file and footer) and
 * writer_column.c (encoding one buffered column chunk into pages). A column chunk
 * is encoded from its own buffers into its own output with its own scratch, so
 * the chunks of one row group can be encoded on separate threads, and a row group
 * can be encoded and written by a background thread while the caller fills the
 * next one (writer_rowgroup.c). */
#ifndef SL_PARQUET_WRITER_INTERNAL_H
#define SL_PARQUET_WRITER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "parquet/codec.h"
#include "parquet/encode.h"
#include "parquet/thrift_write.h"
#include "sluice/parquet.h"

/* A column's domain (sl_pq_writer_set_domain; writer_domain.c): the caller's list
 * and, for each entry, the first entry with the same bytes. A value of the column
 * is buffered as that first entry's index, so equal strings share one. Read-only
 * once set: the writer's batches, on other threads, share it. */
typedef struct pq_domain {
    const sl_pq_str *str;
    size_t n;
    uint32_t *canon;         /* NULL: every entry is distinct */
    /* Each entry's length, which the row path counts (an index stands for 4 +
     * length bytes): one for all when they are equal (keys made from a pattern),
     * else an array 4 times denser than str, for domains past the caches. */
    uint32_t same_len;
    uint32_t *len;           /* NULL: every entry is same_len long */
    uint32_t *table;         /* open addressing: first-entry index + 1, 0 empty */
    uint32_t mask;
} pq_domain;

sl_status pq_domain_new(const sl_pq_str *list, size_t n, pq_domain **out);
void pq_domain_free(pq_domain *d);
/* The first entry holding bytes p[0..len), or UINT32_MAX. */
uint32_t pq_domain_find(const pq_domain *d, const void *p, size_t len);
/* Entry i's length. */
static inline uint32_t pq_domain_len(const pq_domain *d, uint32_t i)
{
    return d->len ? d->len[i] : d->same_len;
}
/* Entry i's first entry (i < d->n). */
static inline uint32_t pq_domain_canon(const pq_domain *d, uint32_t i)
{
    return d->canon ? d->canon[i] : i;
}

/* The value call that fits a column (pq_wcol.call). */
enum call { CALL_NULL, CALL_BOOL, CALL_INT, CALL_DOUBLE, CALL_BYTES, CALL_DEC128 };

/* How a buffered value is stored: its PLAIN encoding (little-endian fixed width;
 * byte arrays as 4-byte length + bytes), except booleans at one byte each, and the
 * values of a column with a domain, as 4-byte entry indices. */
typedef struct pq_wcol {
    sl_pq_column def;        /* def.name points at name below */
    char *name;
    int32_t phys;            /* enum pq_physical */
    uint32_t width;          /* bytes per buffered value; 0 for byte arrays */
    uint8_t max_def, max_rep;
    const char *path[3];
    size_t path_len;
    uint8_t call;            /* the value call that fits the type (writer.c) */
    const pq_domain *dom;    /* set: values are entry indices (owned by the writer) */
    int64_t int_lo, int_hi;  /* the values sl_pq_write_int takes */

    /* the current row */
    bool got;                /* the row has this column's value (or open list) */
    bool in_list;
    uint32_t list_len;

    /* the row group so far */
    sl_buf values;
    sl_buf defs;             /* one byte per slot when max_def > 0 */
    sl_buf reps;             /* one byte per slot when max_rep > 0 */
    uint64_t dom_bytes;      /* dom: the values' PLAIN size (4 + length each) */
    /* column blocks (writer_block.c): the slots given since the last
     * sl_pq_batch_end_rows, and the buffers' state before them */
    uint64_t blk_slots;
    size_t mark_values, mark_defs;
    uint64_t mark_nvalues, mark_dom_bytes;
    uint64_t nvalues;        /* present (non-null) values */
    uint64_t nslots;         /* level entries: rows for flat columns */
} pq_wcol;

typedef struct pq_scratch {
    sl_buf page;             /* uncompressed page body */
    sl_buf levels;           /* v2: encoded levels */
    sl_buf comp;             /* compressed body */
    sl_buf hdr;
    uint32_t *idx;           /* dictionary index per value */
    size_t idx_cap;
    sl_pq_compressor zc;     /* the codec's state, kept from page to page */
    uint64_t *seen;          /* pq_few_repeats' set (writer_column.c) */
    pq_dict spare;           /* a large dictionary's memory, for the next one */
    /* domain columns (writer_domain.c) */
    uint32_t *dmap;          /* entry -> dictionary index + 1; all 0 between chunks */
    size_t dmap_cap;
    uint32_t *dused;         /* dictionary index -> entry */
    size_t dused_cap;
    sl_buf plain;            /* a domain chunk's values written out PLAIN */
} pq_scratch;

typedef struct pq_chunk_out {
    sl_buf bytes;            /* every page of the chunk, headers included */
    int64_t dict_off;        /* relative to the chunk start; -1: none */
    int64_t data_off;
    int64_t uncompressed;    /* page headers plus uncompressed bodies */
    uint32_t encodings;
    pq_w_enc_stat enc_stats[4];
    size_t n_enc_stats;
    int64_t null_count;
    bool has_min_max;
    sl_buf min, max;
    sl_status status;
    /* The column's dictionary, kept from one row group to the next while it is
     * small (writer_column.c), so that it is not regrown for every chunk; and the
     * size it reached in the last chunk, which the next one reserves at once. */
    pq_dict dict;
    uint32_t dict_last_count;
    size_t dict_last_bytes;
    bool dict_dropped;       /* the last chunk's values were mostly distinct */
} pq_chunk_out;

typedef struct pq_enc_opts {
    sl_pq_codec codec;
    int level;
    uint32_t page_size;
    uint8_t page_version;
    bool dictionary;
    uint32_t dictionary_max_bytes;
} pq_enc_opts;

/* writer_stats.c: a chunk's min and max, accumulated over PLAIN buffers. The
 * extremes point into those buffers, which must outlive the accumulator. */
typedef struct pq_stat {
    bool any;
    const uint8_t *min, *max;
    uint32_t min_len, max_len;
} pq_stat;

/* Adds the PLAIN values p[0..nbytes) of type phys (width bytes each; 0: byte
 * arrays, each a 4-byte length then its bytes) to a. NaN is never a min or max. */
void pq_stat_plain(int32_t phys, uint32_t width, const uint8_t *p, size_t nbytes, pq_stat *a);
/* Appends a's min and max to the (empty) buffers, float zeros signed as
 * parquet.thrift recommends, and sets *has_min_max. */
sl_status pq_stat_finish(int32_t phys, const pq_stat *a, sl_buf *min, sl_buf *max,
                         bool *has_min_max);

void pq_scratch_free(pq_scratch *s);
void pq_chunk_out_free(pq_chunk_out *o);

/* writer_domain.c: prepares a domain column's chunk for encoding. Either builds
 * o->dict and s->idx over all of the chunk's values, as build_dict would, and sets
 * *have_dict (v is c without its values, which the encoder will not read); or, when
 * the dictionary would not cover them all, writes the values out PLAIN in s->plain
 * and makes v c with those values. */
sl_status pq_domain_chunk(const pq_wcol *c, const pq_enc_opts *opt, pq_scratch *s,
                          pq_chunk_out *o, pq_wcol *v, bool *have_dict);
/* build_dict's constants, shared with the domain path, which must decide alike */
#define PQ_DICT_PROBE 16384     /* values seen before the payoff check */

/* Encodes column c's buffered row group into o (cleared first). Sets o->status
 * and returns it. Reads c, writes only o and s. */
sl_status pq_encode_chunk(const pq_wcol *c, const pq_enc_opts *opt, pq_scratch *s,
                          pq_chunk_out *o);

/* ------------------------------------------------------------ the writer */

#include <pthread.h>
#include <stdatomic.h>

#include "base/arena.h"

/* Threads that encode the chunks of a row group written by sl_pq_writer_flush or
 * close, while the caller waits; and of one handed to the background encoder, while
 * the caller goes on filling rows (measured on 2 cores: see writer_rowgroup.c). */
#define PQ_THREADS 2
#define PQ_BG_THREADS 1
/* A buffer may pass the row-group byte threshold by at most one row; this is the
 * ceiling past it (a single page cannot pass 2 GiB anyway). */
#define PQ_BUF_SLACK ((size_t)1 << 31)

typedef struct pq_rg_meta {
    pq_w_row_group rg;
    pq_w_chunk *chunks;
} pq_rg_meta;

/* The background encoder: at most one row group in flight. The caller hands a
 * filled row group over by swapping its column buffers with the empty ones in
 * cols, sets busy and signals; the encoder encodes, writes and records it, clears
 * busy and signals. mu orders everything: while busy, the encoder alone uses the
 * fields marked "row-group side" in sl_pq_writer, and the caller alone the rest. */
typedef struct pq_job {
    pthread_mutex_t mu;
    pthread_cond_t cv;       /* broadcast when busy or quit changes */
    pthread_t thread;
    bool started;            /* the thread runs */
    bool busy;               /* a row group is handed over and not yet written */
    bool quit;
    atomic_bool failed;      /* status is set: lets end_row stop early, unlocked */

    /* row-group side */
    pq_wcol *cols;           /* the same columns, holding the handed-over buffers */
    uint64_t rows;
    /* Its column chunks go to whoever takes them: the encoding thread, and the
     * caller while it waits for the row group (pq_wait). next is the next column to
     * take (>= ncols: none), finished counts the encoded ones; opt is set before
     * next is reset to 0 for a row group. */
    atomic_size_t next, finished;
    pq_enc_opts opt;
    sl_status status;        /* the first failure; sticky */
    sl_error err;
} pq_job;

struct sl_pq_writer {
    sl_pq_writer_options opt;
    char *path;
    char *created_by;
    size_t ncols;

    bool batch;               /* no file: rows wait for sl_pq_write_batch (writer_batch.c) */

    /* the caller's side: row assembly, key-values, errors */
    pq_wcol *cols;
    size_t nlists;            /* LIST columns */
    uint64_t rows;            /* rows ended, all row groups */
    uint64_t rg_rows;         /* rows buffered */
    uint64_t rg_bytes;        /* bytes buffered (values and levels); not kept by a
                               * batch, whose bytes are summed when it is written:
                               * the sum over columns of values.len + 2 x nslots */
    sl_status failed;         /* sticky I/O or memory failure */
    sl_arena kv_mem;          /* key-value strings */
    pq_w_kv *kv;
    size_t nkv, cap_kv;
    sl_error err;

    /* the row-group side (see pq_job): the file and what has been written to it */
    int fd;
    uint64_t offset;          /* bytes written to the file */
    pq_chunk_out *outs;       /* one per column, reused by every row group */
    pq_scratch scratch[PQ_THREADS];
    sl_arena meta;            /* footer data: statistics of the row groups */
    pq_rg_meta *rgs;
    size_t nrgs, cap_rgs;

    pq_job job;
};

/* Whether the current row has begun: a column has its value (or an open list). */
static inline bool pq_row_open(const sl_pq_writer *w)
{
    for (size_t i = 0; i < w->ncols; i++)
        if (w->cols[i].got)
            return true;
    return false;
}

/* writer_rowgroup.c */
/* Writes a row group of the buffered rows (nothing when there are none). With
 * background, hands it to the encoder thread and returns at once; otherwise it is
 * written before the call returns. Either way first waits for the row group in
 * flight and returns its failure, if any. */
sl_status pq_flush(sl_pq_writer *w, bool background);
/* Waits until no row group is in flight; returns w->failed, which then includes
 * any failure of the encoder. */
sl_status pq_wait(sl_pq_writer *w);
/* Waits for the row group in flight and ends the encoder thread. */
void pq_stop(sl_pq_writer *w);
sl_status pq_write_all(sl_pq_writer *w, const void *p, size_t n);
sl_status pq_write_footer(sl_pq_writer *w);
const char *pq_type_name(sl_pq_type t);

/* writer.c: the value calls' errors, shared with the block calls */
/* A failed buffer: sticky; SL_ERR_LIMIT past the row-group ceiling, else memory. */
sl_status pq_fail_mem(sl_pq_writer *w, sl_status s, const pq_wcol *c);
sl_status pq_too_long(sl_pq_writer *w, const pq_wcol *c, size_t len);
sl_status pq_no_domain(sl_pq_writer *w, const pq_wcol *c);
sl_status pq_not_in_domain(sl_pq_writer *w, const pq_wcol *c, size_t len);
sl_status pq_past_domain(sl_pq_writer *w, const pq_wcol *c, uint32_t i);
sl_status pq_null_required(sl_pq_writer *w, const pq_wcol *c);

/* Whether v is one sl_pq_write_int takes for c (SL_ERR_USAGE, with w's message, if not). */
static inline sl_status pq_int_range(sl_pq_writer *w, const pq_wcol *c, int64_t v)
{
    if (v >= c->int_lo && v <= c->int_hi)
        return SL_OK;
    return sl_error_set(&w->err, SL_ERR_USAGE, "column '%s': %lld is out of range for %s",
                        c->name, (long long)v, pq_type_name(c->def.type));
}

#endif
