/* sl_gen_run: tables to files (NDJSON, JSON, CSV, Parquet), or job-result documents.
 *
 * Table mode splits each table into chunks of rows; worker threads compute chunks
 * (and, for text formats, format them) while the calling thread writes them out in
 * order, so the bytes do not depend on the thread count. A shard writes exactly the
 * bytes its row range has in the unsharded file: the CSV header and the JSON array's
 * brackets belong to the first and last shard. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "base/fsutil.h"
#include "base/ofile.h"
#include "gen/emit.h"
#include "gen/rng.h"
#include "gen/run.h"
#include "gen/violate.h"
#include "schema/infer.h"
#include "sluice/buf.h"

/* Rows a worker computes at a time: 4096 rows of text (1.3 MB of card
 * transactions' NDJSON) a chunk; a Parquet batch is smaller per row, and twice
 * the rows halve the hand-overs between threads (and their context switches).
 * Both divide the default row group of 122,880 rows. */
#define CHUNK_ROWS 4096
#define CHUNK_ROWS_PARQUET 8192

void sl_gen_options_init(sl_gen_options *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 42;
    o->scale = 1;
    o->nshards = 1;
    o->max_batch_size = 10;
    o->first_cluster = 1;
    o->output_dir = ".";
}

/* ---- output: a file, stdout, or a gzip stream; removed again on failure ---- */

/* A plain file's first 64 MiB are written through the page cache, the rest with
 * direct I/O (base/ofile.h): a 3.3 GB NDJSON table cost 7 to 10 s of kernel time
 * on the writing thread when buffered (bench/README.md, W3). A paced run (--rate)
 * is not bound by its writes, and hands each chunk to the file as it is made
 * (through stdio) rather than holding up to 4 MiB of rows back. */
#define DIRECT_AFTER ((uint64_t)64 << 20)

typedef struct out {
    FILE *f;              /* stdout, or the file under a gzip stream */
    gzFile gz;
    int fd;               /* a plain file: written through of */
    sl_ofile of;
    char path[4096];
    char tmp[4096];       /* written under this name, renamed to path at the end */
    uint64_t bytes;
} out;

static const char *out_name(const out *o)
{
    return o->path[0] ? o->path : "stdout";
}

static sl_status out_open(out *o, const char *path, bool to_stdout, bool gzip, bool paced,
                          bool direct, sl_error *err)
{
    memset(o, 0, sizeof *o);
    o->fd = -1;
    if (to_stdout) {
        o->f = stdout;
    } else {
        snprintf(o->path, sizeof o->path, "%s", path);
        const char *slash = strrchr(path, '/');
        int dl = slash ? (int)(slash - path + 1) : 0;
        snprintf(o->tmp, sizeof o->tmp, "%.*s.%s.tmp", dl, path, path + dl);
        if ((o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)) < 0)
            return sl_error_set(err, SL_ERR_IO, "cannot create '%s': %s", o->tmp, strerror(errno));
        if (!gzip && !paced)
            return sl_ofile_init(&o->of, o->fd, o->path, direct ? DIRECT_AFTER : UINT64_MAX, 0, err);
        if (!(o->f = fdopen(o->fd, "wb"))) {
            close(o->fd);
            o->fd = -1;
            return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        }
        o->fd = -1;
    }
    if (gzip) {
        int fd = dup(fileno(o->f));
        if (fd < 0 || !(o->gz = gzdopen(fd, "wb6"))) {
            if (fd >= 0)
                close(fd);
            return sl_error_set(err, SL_ERR_IO, "cannot start gzip output");
        }
        gzbuffer(o->gz, 1 << 18);
    }
    return SL_OK;
}

static sl_status out_write(out *o, const void *p, size_t n, sl_error *err)
{
    if (n == 0)
        return SL_OK;
    o->bytes += n;
    if (o->fd >= 0)
        return sl_ofile_write(&o->of, p, n, err);
    if (o->gz) {
        if (gzwrite(o->gz, p, (unsigned)n) != (int)n)
            return sl_error_set(err, SL_ERR_IO, "cannot write '%s'", out_name(o));
        return SL_OK;
    }
    if (fwrite(p, 1, n, o->f) != n)
        return sl_error_set(err, sl_fs_status(errno), "cannot write '%s': %s",
                            out_name(o), strerror(errno));
    return SL_OK;
}

static sl_status out_close(out *o, bool ok, sl_error *err)
{
    sl_status st = SL_OK;
    if (o->gz && gzclose(o->gz) != Z_OK && ok)
        st = sl_error_set(err, SL_ERR_IO, "cannot finish gzip output of '%s'", o->path);
    o->gz = NULL;
    if (o->f == stdout) {
        if (fflush(stdout) != 0 && ok && st == SL_OK)
            st = sl_error_set(err, SL_ERR_IO, "cannot write stdout: %s", strerror(errno));
        return st;
    }
    if (o->fd >= 0) {
        if (ok && st == SL_OK)
            st = sl_ofile_finish(&o->of, err);
        sl_ofile_free(&o->of);
        if (close(o->fd) != 0 && ok && st == SL_OK)
            st = sl_error_set(err, sl_fs_status(errno), "cannot write '%s': %s", o->path, strerror(errno));
        o->fd = -1;
    }
    if (o->f && fclose(o->f) != 0 && ok && st == SL_OK)
        st = sl_error_set(err, sl_fs_status(errno), "cannot write '%s': %s",
                          o->path, strerror(errno));
    o->f = NULL;
    if (ok && st == SL_OK && rename(o->tmp, o->path) != 0)
        st = sl_error_set(err, SL_ERR_IO, "cannot rename '%s' to '%s': %s", o->tmp, o->path, strerror(errno));
    if (!ok || st != SL_OK)
        unlink(o->tmp);
    return st;
}

/* ---- pacing and progress ---- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Waits until item k of a stream paced at rate per second is due. */
static void pace(double t0, double rate, uint64_t k)
{
    if (rate <= 0)
        return;
    double due = t0 + (double)k / rate, wait = due - now_s();
    if (wait > 0) {
        struct timespec ts = {(time_t)wait, (long)((wait - floor(wait)) * 1e9)};
        nanosleep(&ts, NULL);
    }
}

static void progress(const sl_gen_options *o, const char *what, uint64_t done, uint64_t total,
                     double *last, bool final)
{
    if (!o->progress)
        return;
    double t = now_s();
    if (!final && t - *last < 0.1)
        return;
    *last = t;
    if (total && total != UINT64_MAX) {
        int w = 30, fill = (int)((double)done / (double)total * w);
        fprintf(stderr, "\r%-16.16s [%.*s%*s] %3d%% %llu/%llu", what, fill,
                "##############################", w - fill, "", (int)(100.0 * (double)done / (double)total),
                (unsigned long long)done, (unsigned long long)total);
    } else {
        fprintf(stderr, "\r%-16.16s %llu", what, (unsigned long long)done);
    }
    if (final)
        fputc('\n', stderr);
}

/* ---- the chunk pipeline ---- */

typedef struct chunk {
    uint64_t index;          /* which chunk this slot holds or waits for */
    int state;               /* 0 free for `index`, 1 being computed, 2 ready */
    uint64_t lo, hi;
    sl_buf text;             /* text formats: the formatted rows */
    sl_pq_writer *batch;     /* Parquet: the rows, buffered as the writer keeps them */
    sl_val *row;             /* a block's values, row after row */
    sl_arena arena;
    sl_status st;
    unsigned broken;
} chunk;

typedef struct pipe {
    const sl_gplan *p;
    const sl_gen_options *o;
    int t;
    uint64_t lo, hi, total;  /* rows of this run, and of the whole table */
    uint64_t nchunks, chunk_rows;
    chunk *slots;
    size_t nslots;
    int nworkers;
    const sl_gblock_seats *seats;
    sl_pq_writer *pq;        /* Parquet: the writer the batches are appended to */
    const sl_emit_pq *emit;  /* Parquet: how rows go to it */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    volatile int abort;
    uint64_t next;           /* next chunk a worker takes */
} pipe_t;

/* Row `r` of the block at v (nc values a row) as text. */
static sl_status text_row(const pipe_t *pp, const sl_gtable *tb, uint64_t r, const sl_val *v,
                          sl_buf *text, sl_buf *tmp)
{
    sl_status st = SL_OK;
    switch (pp->o->format) {
    case SL_GEN_NDJSON:
        st = sl_emit_json_row(tb, v, text);
        return st == SL_OK ? sl_buf_putc(text, '\n') : st;
    case SL_GEN_JSON:
        st = sl_buf_append(text, r == 0 ? "\n" : ",\n", r == 0 ? 1 : 2);
        return st == SL_OK ? sl_emit_json_row(tb, v, text) : st;
    case SL_GEN_CSV:
        return sl_emit_csv_row(tb, v, text, tmp);
    default:
        return SL_ERR_USAGE;
    }
}

/* Rows [c->lo, c->hi) in blocks: made a column at a time (row by row for an
 * association, whose seats are found per row), changed where --violations says,
 * then written: to the Parquet batch a column at a time, or as text row by row. */
static sl_status compute_chunk(pipe_t *pp, chunk *c)
{
    const sl_gtable *tb = &pp->p->s->tables[pp->t];
    size_t nc = tb->ncols;
    sl_arena_reset(&c->arena);
    sl_buf_clear(&c->text);
    sl_buf tmp;
    sl_buf_init(&tmp, 0);
    sl_val *v = c->row;
    sl_status st = SL_OK;
    c->broken = 0;
    for (uint64_t r0 = c->lo; st == SL_OK && r0 < c->hi; r0 += SL_EMIT_BLOCK) {
        size_t n = c->hi - r0 < SL_EMIT_BLOCK ? (size_t)(c->hi - r0) : SL_EMIT_BLOCK;
        unsigned br = 0;
        if (!tb->assoc) {
            st = sl_gen_block(pp->p, pp->t, r0, n, v, &c->arena, &br);
            c->broken += br;
        }
        for (size_t k = 0; st == SL_OK && k < n; k++) {
            if (tb->assoc) {
                st = sl_gen_row(pp->p, pp->t, r0 + k, 0, pp->seats, v + k * nc, &c->arena, &br);
                c->broken += br;
            }
            if (st == SL_OK)
                sl_gviol_apply(pp->p->viol, pp->t, r0 + k, v + k * nc);
        }
        if (st == SL_OK && pp->o->format == SL_GEN_PARQUET)
            st = sl_emit_pq_block(pp->emit, v, nc, n, c->batch);
        for (size_t k = 0; st == SL_OK && pp->o->format != SL_GEN_PARQUET && k < n; k++)
            st = text_row(pp, tb, r0 + k, v + k * nc, &c->text, &tmp);
    }
    sl_buf_free(&tmp);
    return st;
}

static void *worker(void *arg)
{
    pipe_t *pp = arg;
    pthread_mutex_lock(&pp->mu);
    for (;;) {
        if (pp->abort || pp->next >= pp->nchunks)
            break;
        uint64_t k = pp->next++;   /* each chunk is claimed by exactly one worker */
        chunk *c = &pp->slots[k % pp->nslots];
        while (!pp->abort && !(c->index == k && c->state == 0))
            pthread_cond_wait(&pp->cv, &pp->mu);
        if (pp->abort)
            break;
        c->state = 1;
        c->lo = pp->lo + k * pp->chunk_rows;
        c->hi = c->lo + pp->chunk_rows < pp->hi ? c->lo + pp->chunk_rows : pp->hi;
        pthread_mutex_unlock(&pp->mu);
        c->st = compute_chunk(pp, c);
        pthread_mutex_lock(&pp->mu);
        c->state = 2;
        pthread_cond_broadcast(&pp->cv);
    }
    pthread_mutex_unlock(&pp->mu);
    return NULL;
}

static int cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

/* Writes rows [lo, hi) of table t, computed by workers, through `consume`. */
typedef sl_status (*consume_fn)(void *ctx, const chunk *c, sl_error *err);

static sl_status run_pipe(const sl_gplan *p, const sl_gen_options *o, int t, uint64_t lo,
                          uint64_t hi, const sl_gblock_seats *seats, sl_pq_writer *pq,
                          const sl_emit_pq *emit, consume_fn consume, void *ctx,
                          sl_gen_stats *stats, sl_error *err)
{
    pipe_t pp = {.p = p, .o = o, .t = t, .lo = lo, .hi = hi, .seats = seats, .pq = pq, .emit = emit};
    pp.chunk_rows = pq ? CHUNK_ROWS_PARQUET : CHUNK_ROWS;
    pp.nchunks = (hi - lo + pp.chunk_rows - 1) / pp.chunk_rows;
    pp.nworkers = o->threads > 0 ? o->threads : cores();
    if ((uint64_t)pp.nworkers > pp.nchunks)
        pp.nworkers = pp.nchunks ? (int)pp.nchunks : 1;
    pp.nslots = (size_t)pp.nworkers * 2;
    pp.slots = calloc(pp.nslots, sizeof *pp.slots);
    size_t nc = p->s->tables[t].ncols;
    if (!pp.slots)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    sl_status st = SL_OK;
    for (size_t i = 0; i < pp.nslots; i++) {
        pp.slots[i].index = i;
        sl_buf_init(&pp.slots[i].text, 0);
        sl_arena_init(&pp.slots[i].arena, 1 << 16);
        _Static_assert(SL_EMIT_BLOCK <= SL_GEN_BLOCK, "a block is made in one call");
        if (st == SL_OK && !(pp.slots[i].row = malloc(SL_EMIT_BLOCK * nc * sizeof(sl_val))))
            st = sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        if (st == SL_OK && pq)
            st = sl_pq_writer_open_batch(pq, &pp.slots[i].batch, err);
    }
    pthread_mutex_init(&pp.mu, NULL);
    pthread_cond_init(&pp.cv, NULL);
    pthread_t th[64];
    int started = 0;
    for (; st == SL_OK && started < pp.nworkers; started++)
        if (pthread_create(&th[started], NULL, worker, &pp) != 0) {
            st = sl_error_set(err, SL_ERR_NOMEM, "cannot start a thread");
            break;
        }
    double last = 0;
    const char *name = p->s->tables[t].name;
    for (uint64_t k = 0; st == SL_OK && k < pp.nchunks; k++) {
        chunk *c = &pp.slots[k % pp.nslots];
        pthread_mutex_lock(&pp.mu);
        while (!(c->index == k && c->state == 2))
            pthread_cond_wait(&pp.cv, &pp.mu);
        pthread_mutex_unlock(&pp.mu);
        if (c->st != SL_OK)
            st = sl_error_set(err, c->st, "table '%s': cannot generate rows %llu..%llu%s%s", name,
                              (unsigned long long)c->lo, (unsigned long long)c->hi,
                              c->batch && sl_pq_writer_error(c->batch)->msg[0] ? ": " : "",
                              c->batch ? sl_pq_writer_error(c->batch)->msg : "");
        else
            st = consume(ctx, c, err);
        stats->rows += c->hi - c->lo;
        stats->broken += c->broken;
        progress(o, name, c->hi - lo, hi - lo, &last, false);
        pace(stats->t0, o->rate, stats->rows);
        if (o->stop && *o->stop && st == SL_OK)
            st = sl_error_set(err, SL_ERR_STOPPED, "stopped before the end; the partial file was removed");
        pthread_mutex_lock(&pp.mu);
        c->index = k + pp.nslots;
        c->state = 0;
        if (st != SL_OK)
            pp.abort = 1;
        pthread_cond_broadcast(&pp.cv);
        pthread_mutex_unlock(&pp.mu);
    }
    if (st != SL_OK) {
        pthread_mutex_lock(&pp.mu);
        pp.abort = 1;
        pthread_cond_broadcast(&pp.cv);
        pthread_mutex_unlock(&pp.mu);
    }
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    if (st == SL_OK)
        progress(o, name, hi - lo, hi - lo, &last, true);
    for (size_t i = 0; i < pp.nslots; i++) {
        sl_buf_free(&pp.slots[i].text);
        sl_arena_free(&pp.slots[i].arena);
        free(pp.slots[i].row);
        sl_pq_writer_abort(pp.slots[i].batch);
    }
    free(pp.slots);
    pthread_mutex_destroy(&pp.mu);
    pthread_cond_destroy(&pp.cv);
    return st;
}

static sl_status consume_text(void *ctx, const chunk *c, sl_error *err)
{
    return out_write(ctx, c->text.data, c->text.len, err);
}

typedef struct pq_ctx {
    sl_pq_writer *w;
    const sl_gtable *t;
    sl_emit_pq emit;
} pq_ctx;

static sl_status consume_pq(void *ctx, const chunk *c, sl_error *err)
{
    pq_ctx *q = ctx;
    sl_status st = sl_pq_write_batch(q->w, c->batch);
    if (st != SL_OK)
        return sl_error_set(err, st, "cannot write the Parquet rows of '%s': %s", q->t->name,
                            sl_pq_writer_error(q->w)->msg);
    return SL_OK;
}

/* The rows --violations adds to table t, after its last row (so in the last shard). */
static sl_status write_extra(const sl_gplan *p, const sl_gen_options *o, int t, uint64_t before,
                             sl_pq_writer *w, const sl_emit_pq *emit, out *f, sl_gen_stats *stats,
                             sl_error *err)
{
    const sl_gtable *tb = &p->s->tables[t];
    size_t n;
    const sl_val *x = sl_gviol_extra(p->viol, t, &n);
    if (n == 0 || o->shard + 1 != o->nshards)
        return SL_OK;
    sl_buf text, tmp;
    sl_buf_init(&text, 0);
    sl_buf_init(&tmp, 0);
    sl_status st = SL_OK;
    for (size_t i = 0; st == SL_OK && i < n; i++) {
        const sl_val *v = x + i * tb->ncols;
        if (o->format == SL_GEN_PARQUET) {
            if ((st = sl_emit_pq_row(emit, v, w)) != SL_OK)
                return sl_error_set(err, st, "cannot write a Parquet row of '%s'", tb->name);
            continue;
        }
        if (o->format == SL_GEN_JSON)
            st = sl_buf_append(&text, before + i == 0 ? "\n" : ",\n", before + i == 0 ? 1 : 2);
        if (st == SL_OK)
            st = o->format == SL_GEN_CSV ? sl_emit_csv_row(tb, v, &text, &tmp) : sl_emit_json_row(tb, v, &text);
        if (st == SL_OK && o->format == SL_GEN_NDJSON)
            st = sl_buf_putc(&text, '\n');
    }
    if (st == SL_OK && o->format != SL_GEN_PARQUET)
        st = out_write(f, text.data, text.len, err);
    else if (st != SL_OK)
        st = sl_error_set(err, st, "cannot format the added rows of '%s'", tb->name);
    sl_buf_free(&text);
    sl_buf_free(&tmp);
    stats->rows += n;
    return st;
}

static const char *ext_of(const sl_gen_options *o)
{
    if (o->extension)
        return o->extension;
    static const char *const ext[] = {"ndjson", "json", "csv", "parquet"};
    return ext[o->format];
}

static sl_status table_path(const sl_gen_options *o, const sl_gtable *t, bool only, char *path,
                            size_t n, sl_error *err)
{
    char stem[512];
    if (o->output_name && only)
        snprintf(stem, sizeof stem, "%s", o->output_name);
    else if (o->output_name)
        snprintf(stem, sizeof stem, "%s_%s", o->output_name, t->name);
    else
        snprintf(stem, sizeof stem, "%s", t->name);
    char shard[64] = "";
    if (o->nshards > 1)
        snprintf(shard, sizeof shard, "-%u-of-%u", o->shard, o->nshards);
    int len = snprintf(path, n, "%s/%s%s.%s%s", o->output_dir, stem, shard, ext_of(o),
                       o->gzip ? ".gz" : "");
    if (len < 0 || (size_t)len >= n)
        return sl_error_set(err, SL_ERR_USAGE, "output path too long");
    return SL_OK;
}

static sl_status write_table(const sl_gplan *p, const sl_gen_options *o, int t, bool only,
                             sl_gen_stats *stats, sl_error *err)
{
    const sl_gtable *tb = &p->s->tables[t];
    uint64_t total = p->rows[t];
    if (o->loop)
        total = UINT64_MAX / 2;
    uint64_t lo = total / o->nshards * o->shard + (total % o->nshards) * o->shard / o->nshards;
    uint64_t hi = o->shard + 1 == o->nshards ? total
                  : total / o->nshards * (o->shard + 1) + (total % o->nshards) * (o->shard + 1) / o->nshards;
    sl_gblock_seats seats = {.block = UINT64_MAX};
    sl_status st = SL_OK;
    if (tb->assoc && (st = sl_gseats_load(p, t, 0, &seats)) != SL_OK)
        return sl_error_set(err, st, "cannot lay out association '%s'", tb->name);
    char path[4096];
    if ((st = table_path(o, tb, only, path, sizeof path, err)) != SL_OK) {
        sl_gseats_free(&seats);
        return st;
    }
    if (o->format == SL_GEN_PARQUET) {
        sl_pq_column *cols = calloc(tb->ncols, sizeof *cols);
        size_t nc = cols ? sl_emit_pq_columns(tb, cols) : 0;
        sl_pq_writer_options wo;
        sl_pq_writer_options_init(&wo);
        if (o->codec && (st = sl_pq_codec_parse(o->codec, &wo.codec)) != SL_OK)
            st = sl_error_set(err, SL_ERR_USAGE, "unknown compression '%s'", o->codec);
        /* generated tables default to DuckDB's row-group size: the peak memory of a
         * 10 M-row run falls from 293 MB to 66 MB at the same speed (bench/README.md, W3) */
        wo.row_group_rows = o->row_group_rows ? o->row_group_rows : 122880;
        pq_ctx q = {NULL, tb, {0}};
        if (!cols)
            st = sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        if (st == SL_OK)
            st = sl_pq_writer_open(path, cols, nc, &wo, &q.w, err);
        sl_buf js;
        sl_buf_init(&js, 0);
        if (st == SL_OK && sl_gen_schema_to_json(p->s, &js) == SL_OK && sl_buf_putc(&js, 0) == SL_OK)
            st = sl_pq_writer_set_kv(q.w, "sluice.schema", (const char *)js.data);
        sl_buf_free(&js);
        /* --violations puts values outside the lists: those tables go as bytes */
        if (st == SL_OK && (st = sl_emit_pq_init(&q.emit, p, t, !sl_gviol_uses(p->viol, t), q.w)) != SL_OK)
            st = sl_error_set(err, st, "cannot set up the Parquet columns of '%s': %s", tb->name,
                              sl_pq_writer_error(q.w)->msg[0] ? sl_pq_writer_error(q.w)->msg : "out of memory");
        if (st == SL_OK)
            st = run_pipe(p, o, t, lo, hi, &seats, q.w, &q.emit, consume_pq, &q, stats, err);
        if (st == SL_OK)
            st = write_extra(p, o, t, total, q.w, &q.emit, NULL, stats, err);
        if (q.w) {
            if (st == SL_OK)
                st = sl_pq_writer_close(q.w, false, err);
            else
                sl_pq_writer_abort(q.w);
        }
        sl_emit_pq_free(&q.emit);   /* after the writer: its domains point here */
        free(cols);
        struct stat sb;
        if (st == SL_OK && stat(path, &sb) == 0)
            stats->bytes += (uint64_t)sb.st_size;
        if (st == SL_OK)
            stats->files++;
        sl_gseats_free(&seats);
        return st;
    }
    out f;
    st = out_open(&f, path, o->to_stdout, o->gzip, o->rate > 0, !o->no_direct_io, err);
    sl_buf head;
    sl_buf_init(&head, 0);
    if (st == SL_OK && o->shard == 0 && o->format == SL_GEN_CSV && sl_emit_csv_header(tb, &head) == SL_OK)
        st = out_write(&f, head.data, head.len, err);
    if (st == SL_OK && o->shard == 0 && o->format == SL_GEN_JSON)
        st = out_write(&f, "[", 1, err);
    if (st == SL_OK)
        st = run_pipe(p, o, t, lo, hi, &seats, NULL, NULL, consume_text, &f, stats, err);
    if (st == SL_OK)
        st = write_extra(p, o, t, total, NULL, NULL, &f, stats, err);
    if (st == SL_OK && o->shard + 1 == o->nshards && o->format == SL_GEN_JSON)
        st = out_write(&f, "\n]\n", 3, err);
    sl_buf_free(&head);
    stats->bytes += f.bytes;
    sl_status cs = out_close(&f, st == SL_OK, err);
    if (st == SL_OK && (st = cs) == SL_OK)
        stats->files++;
    sl_gseats_free(&seats);
    return st;
}

/* ---- job-result documents ---- */

static sl_status write_job(const sl_gplan *p, const sl_gen_options *o, uint64_t b, sl_buf *doc)
{
    char ts[64];
    uint64_t h = sl_rng_hash(p->seed ^ 0x10b, b);
    /* the jobs of a run start a minute apart from 2026-11-21T00:00:00Z and run 5 to 125 s */
    int64_t start = (sl_days_from_civil(2026, 11, 21) * 86400 + (int64_t)b * 60) * 1000000LL;
    int64_t end = start + (int64_t)(5 + sl_rng_below(h, 120)) * 1000000LL;
    sl_status st = sl_buf_printf(doc, "{\"job\":{\"cluster\":%llu,\"proc\":%llu,\"attempt\":1,"
                                 "\"host\":\"slot%llu@exec-%02llu\",\"started_at\":\"",
                                 (unsigned long long)o->first_cluster, (unsigned long long)b,
                                 (unsigned long long)(1 + sl_rng_below(sl_rng_mix(h), 8)),
                                 (unsigned long long)(1 + sl_rng_below(sl_rng_mix(h + 1), 16)));
    size_t n = sl_format_timestamp(start, true, ts);
    if (st == SL_OK)
        st = sl_buf_append(doc, ts, n);
    if (st == SL_OK)
        st = sl_buf_puts(doc, "\",\"finished_at\":\"");
    n = sl_format_timestamp(end, true, ts);
    if (st == SL_OK)
        st = sl_buf_append(doc, ts, n);
    return st ? st : sl_buf_puts(doc, "\",\"exit_code\":0}");
}

static bool selected(const sl_gen_options *o, const char *name)
{
    if (!o->tables)
        return true;
    for (size_t i = 0; o->tables[i]; i++)
        if (strcmp(o->tables[i], name) == 0)
            return true;
    return false;
}

static sl_status write_document(const sl_gplan *p, const sl_gen_options *o, uint64_t b,
                                sl_gblock_seats *seats, sl_buf *doc, sl_arena *a, sl_val *vals,
                                sl_gen_stats *stats, sl_error *err)
{
    sl_buf_clear(doc);
    sl_status st = write_job(p, o, b, doc);
    for (size_t t = 0; st == SL_OK && t < p->s->ntables; t++) {
        const sl_gtable *tb = &p->s->tables[t];
        if (!selected(o, tb->name))
            continue;
        uint64_t lo, hi;
        if (tb->assoc) {
            if ((st = sl_gseats_load(p, (int)t, b, &seats[t])) != SL_OK)
                break;
            lo = seats[t].first_row;
            hi = lo + seats[t].rows;
        } else {
            lo = sl_gplan_block_start(p, (int)t, b);
            hi = sl_gplan_block_start(p, (int)t, b + 1);
        }
        if ((st = sl_buf_printf(doc, ",\"%s\":[", tb->name)) != SL_OK)
            break;
        for (uint64_t r = lo; st == SL_OK && r < hi; r++) {
            unsigned br;
            sl_arena_reset(a);
            if (r > lo)
                st = sl_buf_putc(doc, ',');
            if (st == SL_OK)
                st = sl_gen_row(p, (int)t, r, b, &seats[t], vals, a, &br);
            if (st == SL_OK) {
                sl_gviol_apply(p->viol, (int)t, r, vals);
                st = sl_emit_json_row(tb, vals, doc);
            }
            stats->broken += br;
            stats->rows++;
        }
        /* the rows --violations adds go to the last document, whose parents all exist */
        size_t nx = 0;
        const sl_val *x = b + 1 == p->nblocks ? sl_gviol_extra(p->viol, (int)t, &nx) : NULL;
        for (size_t i = 0; st == SL_OK && i < nx; i++) {
            if (hi > lo || i > 0)
                st = sl_buf_putc(doc, ',');
            if (st == SL_OK)
                st = sl_emit_json_row(tb, x + i * tb->ncols, doc);
            stats->rows++;
        }
        if (st == SL_OK)
            st = sl_buf_putc(doc, ']');
    }
    if (st == SL_OK)
        st = sl_buf_puts(doc, "}\n");
    if (st != SL_OK)
        return sl_error_set(err, st, "cannot generate document %llu", (unsigned long long)b);
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s_%06llu.json%s", o->output_dir,
                 o->output_name ? o->output_name : "result", (unsigned long long)b,
                 o->gzip ? ".gz" : "") >= (int)sizeof path)
        return sl_error_set(err, SL_ERR_USAGE, "output path too long");
    out f;
    if ((st = out_open(&f, path, o->to_stdout, o->gzip, o->rate > 0, !o->no_direct_io, err)) != SL_OK)
        return st;
    st = out_write(&f, doc->data, doc->len, err);
    stats->bytes += f.bytes;
    sl_status cs = out_close(&f, st == SL_OK, err);
    if (st == SL_OK && (st = cs) == SL_OK)
        stats->files++;
    return st;
}

static sl_status run_documents(const sl_gplan *p, const sl_gen_options *o, sl_gen_stats *stats,
                               sl_error *err)
{
    uint64_t nb = p->nblocks;
    uint64_t lo = nb == UINT64_MAX ? o->shard : nb / o->nshards * o->shard + (nb % o->nshards) * o->shard / o->nshards;
    uint64_t hi = nb == UINT64_MAX ? UINT64_MAX
                  : o->shard + 1 == o->nshards ? nb
                  : nb / o->nshards * (o->shard + 1) + (nb % o->nshards) * (o->shard + 1) / o->nshards;
    size_t maxc = 1;
    for (size_t t = 0; t < p->s->ntables; t++)
        maxc = p->s->tables[t].ncols > maxc ? p->s->tables[t].ncols : maxc;
    sl_val *vals = calloc(maxc, sizeof *vals);
    sl_gblock_seats *seats = calloc(p->s->ntables, sizeof *seats);
    sl_buf doc;
    sl_buf_init(&doc, 0);
    sl_arena a;
    sl_arena_init(&a, 1 << 16);
    sl_status st = vals && seats ? SL_OK : sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    for (size_t t = 0; seats && t < p->s->ntables; t++)
        seats[t].block = UINT64_MAX;
    double last = 0;
    uint64_t step = nb == UINT64_MAX ? o->nshards : 1;
    for (uint64_t i = lo, k = 0; st == SL_OK && i < hi; i += step, k++) {
        uint64_t b = i;
        if (o->shuffle_dependencies && nb != UINT64_MAX) {
            b = lo + sl_gen_permute(sl_rng_hash(o->seed, 0x5bf1), hi - lo, i - lo);
        } else if (o->shuffle_dependencies) {
            uint64_t w = i / 16 * 16;  /* endless streams shuffle within windows of 16 */
            b = w + sl_gen_permute(sl_rng_hash(o->seed, w), 16, i - w);
        }
        pace(stats->t0, o->rate, k);
        st = write_document(p, o, b, seats, &doc, &a, vals, stats, err);
        progress(o, "documents", k + 1, nb == UINT64_MAX ? 0 : hi - lo, &last, false);
        if (o->stop && *o->stop && st == SL_OK)
            st = sl_error_set(err, SL_ERR_STOPPED, "stopped after %llu documents",
                              (unsigned long long)(k + 1));
    }
    if (st == SL_OK)
        progress(o, "documents", stats->files, nb == UINT64_MAX ? 0 : hi - lo, &last, true);
    for (size_t t = 0; seats && t < p->s->ntables; t++)
        sl_gseats_free(&seats[t]);
    free(seats);
    free(vals);
    sl_buf_free(&doc);
    sl_arena_free(&a);
    return st;
}

sl_status sl_gen_run(const sl_gen_schema *s, const sl_gen_options *o, sl_gen_stats *stats,
                     sl_error *err)
{
    memset(stats, 0, sizeof *stats);
    stats->t0 = now_s();
    if (o->nshards == 0 || o->shard >= o->nshards)
        return sl_error_set(err, SL_ERR_USAGE, "--shard %u/%u: need 0 <= I < N", o->shard, o->nshards);
    for (size_t i = 0; o->tables && o->tables[i]; i++) {
        size_t t = 0;
        while (t < s->ntables && strcmp(s->tables[t].name, o->tables[i]) != 0)
            t++;
        if (t == s->ntables)
            return sl_error_set(err, SL_ERR_USAGE, "schema '%s' has no table '%s'", s->name, o->tables[i]);
    }
    bool docs = o->num_iterations > 0 || (o->loop && o->format == SL_GEN_JSON && !o->to_stdout);
    if (docs && o->format != SL_GEN_JSON)
        return sl_error_set(err, SL_ERR_USAGE, "job-result documents (--num-iterations) are JSON: "
                            "use --format json");
    sl_gen_options po = *o;   /* the plan sees documents as num_iterations blocks */
    po.num_iterations = docs ? (o->loop ? UINT64_MAX : o->num_iterations) : 0;
    if (o->violations && o->loop)
        return sl_error_set(err, SL_ERR_USAGE, "--violations needs a run with an end: not with --loop");
    sl_gplan p;
    sl_status st = sl_gplan_init(&p, s, &po, err);
    if (st != SL_OK)
        return st;
    sl_gviol *viol = NULL;
    if (o->violations && (st = sl_gviol_plan(&p, o->violations, &viol, err)) != SL_OK) {
        sl_gplan_free(&p);
        return st;
    }
    for (size_t t = 0; viol && t < s->ntables; t++)
        if (sl_gviol_uses(viol, (int)t) && !selected(o, s->tables[t].name)) {
            st = sl_error_set(err, SL_ERR_USAGE, "--violations: table '%s' takes some of them but is not "
                              "written (--table)", s->tables[t].name);
            sl_gviol_free(viol);
            sl_gplan_free(&p);
            return st;
        }
    p.viol = viol;
    if (docs) {
        st = run_documents(&p, o, stats, err);
    } else {
        size_t nsel = 0, only = 0;
        for (size_t t = 0; t < s->ntables; t++)
            if (selected(o, s->tables[t].name))
                nsel++, only = t;
        if (o->to_stdout && nsel != 1)
            st = sl_error_set(err, SL_ERR_USAGE, "-o - writes one table: choose it with --table "
                              "(schema '%s' has %zu)", s->name, s->ntables);
        else if (o->to_stdout && o->format == SL_GEN_PARQUET)
            st = sl_error_set(err, SL_ERR_USAGE, "Parquet cannot be written to stdout");
        else if (o->loop && (nsel != 1 || s->tables[only].assoc))
            st = sl_error_set(err, SL_ERR_USAGE, "--loop streams one table that is not an association");
        for (size_t t = 0; st == SL_OK && t < s->ntables; t++)
            if (selected(o, s->tables[t].name))
                st = write_table(&p, o, (int)t, nsel == 1, stats, err);
    }
    sl_gplan_free(&p);
    sl_gviol_free(viol);
    return st;
}
