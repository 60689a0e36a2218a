/* Row groups and the footer of the Parquet writer.
 *
 * At a row-group boundary the caller's filled column buffers are handed to one
 * background encoder thread (pq_job in writer_internal.h), which encodes, writes
 * and records the row group while the caller fills the next; the next hand-over
 * waits for it, so at most one row group is in flight. A flush or close asked for
 * by the caller runs the same job on its own thread, split by columns over two
 * threads, since the caller would only wait. The background job encodes its
 * columns serially: on 2 cores the caller is busy parsing, and a second encoder
 * thread measured slower (bench/README.md). The footer's schema and FileMetaData
 * are built from the columns and the recorded row groups. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parquet/format.h"
#include "parquet/writer_internal.h"

/* ------------------------------------------------------------ writing */

/* Appends p to the file; a failure is described in err (the caller's or the job's). */
static sl_status write_bytes(sl_pq_writer *w, const void *p, size_t n, sl_error *err)
{
    const uint8_t *q = p;
    while (n) {
        ssize_t k = write(w->fd, q, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return sl_error_set(err, errno == ENOSPC ? SL_ERR_NOSPACE : SL_ERR_IO,
                                "cannot write '%s': %s", w->path, strerror(errno));
        }
        q += k;
        n -= (size_t)k;
        w->offset += (uint64_t)k;
    }
    return SL_OK;
}

sl_status pq_write_all(sl_pq_writer *w, const void *p, size_t n)
{
    sl_status s = write_bytes(w, p, n, &w->err);
    if (s)
        w->failed = s;
    return s;
}

/* ------------------------------------------------------------ encoding */

/* Encodes the handed-over row group's columns one by one, taking each from
 * job.next, until none is left. */
static void run_chunks(sl_pq_writer *w, pq_scratch *scratch)
{
    pq_job *j = &w->job;
    size_t i;
    while ((i = atomic_fetch_add(&j->next, 1)) < w->ncols) {
        pq_encode_chunk(&j->cols[i], &j->opt, scratch, &w->outs[i]);
        atomic_fetch_add(&j->finished, 1);
    }
}

_Static_assert(PQ_BG_THREADS == 1 && PQ_THREADS >= 2,
               "the encoding thread uses scratch[0] alone, so a waiting caller can use scratch[1]");

static void *chunk_thread(void *arg)
{
    sl_pq_writer *w = arg;
    run_chunks(w, &w->scratch[1]);
    return NULL;
}

/* Encodes every column chunk of the handed-over row group: this thread and, with
 * threads > 1, one helper take columns in turn; in the background (threads 1),
 * the caller may take some while it waits in pq_wait. Returns when all are done. */
static void encode_row_group(sl_pq_writer *w, int threads)
{
    pq_job *j = &w->job;
    j->opt = (pq_enc_opts){
        .codec = w->opt.codec,
        .level = w->opt.level,
        .page_size = w->opt.page_size,
        .page_version = w->opt.page_version,
        .dictionary = w->opt.dictionary,
        .dictionary_max_bytes = w->opt.dictionary_max_bytes,
    };
    atomic_store(&j->finished, 0);
    atomic_store(&j->next, 0); /* from here on, the columns can be taken */
    pthread_t th;
    bool helper = threads > 1 && w->ncols > 1 && pthread_create(&th, NULL, chunk_thread, w) == 0;
    run_chunks(w, &w->scratch[0]);
    if (helper)
        pthread_join(th, NULL);
    /* a column the waiting caller took may still be encoding: a chunk's worth */
    while (atomic_load(&j->finished) < w->ncols)
        sched_yield();
}

static const char *status_what(sl_status s)
{
    return s == SL_ERR_NOMEM ? "out of memory" : sl_strerror(s);
}

/* Writes the encoded chunks in column order and records their metadata. */
static sl_status write_row_group(sl_pq_writer *w, sl_error *err)
{
    sl_status s;
    if (w->nrgs == w->cap_rgs) {
        size_t cap = w->cap_rgs ? w->cap_rgs * 2 : 8;
        pq_rg_meta *p = realloc(w->rgs, cap * sizeof *p);
        if (!p)
            goto nomem;
        w->rgs = p;
        w->cap_rgs = cap;
    }
    pq_rg_meta *m = &w->rgs[w->nrgs];
    m->chunks = calloc(w->ncols, sizeof *m->chunks);
    if (!m->chunks)
        goto nomem;
    m->rg = (pq_w_row_group){
        .chunks = m->chunks,
        .num_rows = (int64_t)w->job.rows,
        .file_offset = (int64_t)w->offset,
        .ordinal = w->nrgs <= INT16_MAX ? (int16_t)w->nrgs : -1,
    };
    w->nrgs++;
    for (size_t i = 0; i < w->ncols; i++) {
        const pq_wcol *c = &w->job.cols[i];
        const pq_chunk_out *o = &w->outs[i];
        int64_t start = (int64_t)w->offset;
        if ((s = write_bytes(w, o->bytes.data, o->bytes.len, err)))
            return s;
        pq_w_chunk *k = &m->chunks[i];
        *k = (pq_w_chunk){
            .type = c->phys,
            .encodings = o->encodings,
            .path = c->path,
            .path_len = c->path_len,
            .codec = w->opt.codec,
            .num_values = (int64_t)c->nslots,
            .total_uncompressed = o->uncompressed,
            .total_compressed = (int64_t)o->bytes.len,
            .data_page_offset = start + o->data_off,
            .dictionary_page_offset = o->dict_off >= 0 ? start + o->dict_off : -1,
            .file_offset = start,
            .n_enc_stats = o->n_enc_stats,
        };
        memcpy(k->enc_stats, o->enc_stats, sizeof k->enc_stats);
        k->stats.has_null_count = true;
        k->stats.null_count = o->null_count;
        if (o->has_min_max) {
            uint8_t *mn = sl_arena_alloc(&w->meta, o->min.len + o->max.len);
            if (!mn)
                goto nomem;
            if (o->min.len)   /* an empty string is a valid min */
                memcpy(mn, o->min.data, o->min.len);
            if (o->max.len)
                memcpy(mn + o->min.len, o->max.data, o->max.len);
            k->stats.has_min_max = true;
            /* The deprecated fields use signed order, which matches for ints. */
            k->stats.legacy_min_max = c->phys == PQ_INT32 || c->phys == PQ_INT64;
            k->stats.min = mn;
            k->stats.min_len = (uint32_t)o->min.len;
            k->stats.max = mn + o->min.len;
            k->stats.max_len = (uint32_t)o->max.len;
        }
        m->rg.total_byte_size += o->uncompressed;
        m->rg.total_compressed += (int64_t)o->bytes.len;
    }
    return SL_OK;
nomem:
    return sl_error_set(err, SL_ERR_NOMEM, "out of memory writing a row group of '%s'", w->path);
}

/* Encodes, writes and records the handed-over row group, then empties its buffers
 * for the next hand-over. A failure goes to job.status and job.err. Runs on the
 * encoder thread, or on the caller's when nothing is in flight. */
static void run_job(sl_pq_writer *w, int threads)
{
    pq_job *j = &w->job;
    sl_status s = SL_OK;
    encode_row_group(w, threads);
    for (size_t i = 0; i < w->ncols && !s; i++)
        if ((s = w->outs[i].status))
            sl_error_set(&j->err, s, "cannot encode column '%s' of '%s': %s",
                         j->cols[i].name, w->path, status_what(s));
    if (!s)
        s = write_row_group(w, &j->err);
    for (size_t i = 0; i < w->ncols; i++) {
        pq_wcol *c = &j->cols[i];
        sl_buf_clear(&c->values);
        sl_buf_clear(&c->defs);
        sl_buf_clear(&c->reps);
        c->nvalues = c->nslots = c->dom_bytes = 0;
    }
    j->status = s;
}

/* ------------------------------------------------------------ the encoder thread */

static void *encoder_main(void *arg)
{
    sl_pq_writer *w = arg;
    pq_job *j = &w->job;
    pthread_mutex_lock(&j->mu);
    for (;;) {
        while (!j->busy && !j->quit)
            pthread_cond_wait(&j->cv, &j->mu);
        if (!j->busy)
            break;
        pthread_mutex_unlock(&j->mu);
        run_job(w, PQ_BG_THREADS);
        pthread_mutex_lock(&j->mu);
        j->busy = false;
        if (j->status)
            atomic_store_explicit(&j->failed, true, memory_order_relaxed);
        pthread_cond_broadcast(&j->cv);
    }
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

sl_status pq_wait(sl_pq_writer *w)
{
    pq_job *j = &w->job;
    if (j->started) {
        /* Rather than sleep, encode the columns of the row group in flight that the
         * encoding thread has not taken yet (it uses scratch[0], PQ_BG_THREADS 1);
         * none when nothing is in flight. No row group can be handed over
         * meanwhile: only this thread hands them over. */
        run_chunks(w, &w->scratch[1]);
        pthread_mutex_lock(&j->mu);
        while (j->busy)
            pthread_cond_wait(&j->cv, &j->mu);
        pthread_mutex_unlock(&j->mu);
    }
    if (j->status && !w->failed) {
        w->failed = j->status;
        w->err = j->err;
    }
    return w->failed;
}

void pq_stop(sl_pq_writer *w)
{
    pq_job *j = &w->job;
    if (!j->started)
        return;
    pthread_mutex_lock(&j->mu);
    j->quit = true;
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
    pthread_join(j->thread, NULL);   /* after the row group in flight, if any */
    j->started = false;
}

static void swap_buf(sl_buf *a, sl_buf *b)
{
    sl_buf t = *a;
    *a = *b;
    *b = t;
}

/* Gives the buffered row group to the job, taking the job's emptied buffers in
 * exchange. Only while nothing is in flight. */
static void hand_over(sl_pq_writer *w)
{
    for (size_t i = 0; i < w->ncols; i++) {
        pq_wcol *c = &w->cols[i], *f = &w->job.cols[i];
        swap_buf(&c->values, &f->values);
        swap_buf(&c->defs, &f->defs);
        swap_buf(&c->reps, &f->reps);
        f->nvalues = c->nvalues;
        f->nslots = c->nslots;
        f->dom_bytes = c->dom_bytes;
        c->nvalues = c->nslots = c->dom_bytes = 0;
    }
    w->job.rows = w->rg_rows;
    w->rg_rows = 0;
    w->rg_bytes = 0;
}

sl_status pq_flush(sl_pq_writer *w, bool background)
{
    pq_job *j = &w->job;
    sl_status s = pq_wait(w);
    if (s || w->rg_rows == 0)
        return s;
    if (pq_row_open(w))
        return sl_error_set(&w->err, SL_ERR_USAGE, "flush in the middle of row %llu: end the row first",
                            (unsigned long long)w->rows);
    hand_over(w);
    if (background && !j->started) {
        j->started = pthread_create(&j->thread, NULL, encoder_main, w) == 0;
        /* A name for profilers and top -H; failing to set it changes nothing. */
        if (j->started)
            pthread_setname_np(j->thread, "sluice-pq-enc");
    }
    if (!background || !j->started) {
        run_job(w, PQ_THREADS);
        return pq_wait(w);
    }
    pthread_mutex_lock(&j->mu);
    j->busy = true;
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
    return SL_OK;
}

sl_status sl_pq_writer_flush(sl_pq_writer *w)
{
    if (w->batch)
        return sl_error_set(&w->err, SL_ERR_USAGE, "a batch has no file to flush to");
    return pq_flush(w, false);
}

/* ------------------------------------------------------------ footer */

static void leaf_schema(pq_w_schema *e, const pq_wcol *c, const char *name, int repetition)
{
    const sl_pq_column *d = &c->def;
    *e = (pq_w_schema){.name = name, .type = c->phys, .repetition = repetition,
                       .num_children = -1, .converted = -1};
    switch (d->type) {
    case SL_PQ_INT8: case SL_PQ_INT16: case SL_PQ_INT32: case SL_PQ_INT64: {
        static const int8_t bits[] = {[SL_PQ_INT8] = 8, [SL_PQ_INT16] = 16,
                                      [SL_PQ_INT32] = 32, [SL_PQ_INT64] = 64};
        static const int32_t conv[] = {[SL_PQ_INT8] = PQ_CT_INT_8, [SL_PQ_INT16] = PQ_CT_INT_16,
                                       [SL_PQ_INT32] = PQ_CT_INT_32, [SL_PQ_INT64] = PQ_CT_INT_64};
        e->logical = PQ_LT_INTEGER;
        e->int_bits = bits[d->type];
        e->int_signed = true;
        e->converted = conv[d->type];
        break;
    }
    case SL_PQ_STRING:
        e->logical = PQ_LT_STRING;
        e->converted = PQ_CT_UTF8;
        break;
    case SL_PQ_DATE:
        e->logical = PQ_LT_DATE;
        e->converted = PQ_CT_DATE;
        break;
    case SL_PQ_TIMESTAMP:
        e->logical = PQ_LT_TIMESTAMP;
        e->utc = d->utc;
        e->time_unit = SL_PQ_MICROS;
        /* TIMESTAMP_MICROS means UTC-adjusted: a naive (local) timestamp has the
         * logical type only, as TIME does. */
        if (d->utc)
            e->converted = PQ_CT_TIMESTAMP_MICROS;
        break;
    case SL_PQ_TIME:
        /* No ConvertedType: TIME_MICROS would claim isAdjustedToUTC = true. */
        e->logical = PQ_LT_TIME;
        e->utc = false;
        e->time_unit = SL_PQ_MICROS;
        break;
    case SL_PQ_DECIMAL:
        e->logical = PQ_LT_DECIMAL;
        e->converted = PQ_CT_DECIMAL;
        e->precision = d->precision;
        e->scale = d->scale;
        if (c->phys == PQ_FIXED_LEN_BYTE_ARRAY)
            e->type_length = 16;
        break;
    default:
        break;
    }
}

sl_status pq_write_footer(sl_pq_writer *w)
{
    size_t n = 1;
    for (size_t i = 0; i < w->ncols; i++)
        n += w->cols[i].def.list ? 3 : 1;
    pq_w_schema *sc = calloc(n, sizeof *sc);
    sl_buf out;
    sl_buf_init(&out, 0);
    if (!sc)
        goto nomem;
    sc[0] = (pq_w_schema){.name = "schema", .type = -1, .repetition = -1,
                          .num_children = (int32_t)w->ncols, .converted = -1};
    size_t k = 1;
    for (size_t i = 0; i < w->ncols; i++) {
        const pq_wcol *c = &w->cols[i];
        int rep = c->def.optional ? PQ_OPTIONAL : PQ_REQUIRED;
        if (!c->def.list) {
            leaf_schema(&sc[k++], c, c->name, rep);
            continue;
        }
        /* LIST, three levels: <name> (LIST) { repeated group list { element } } */
        sc[k++] = (pq_w_schema){.name = c->name, .type = -1, .repetition = rep,
                                .num_children = 1, .converted = PQ_CT_LIST,
                                .logical = PQ_LT_LIST};
        sc[k++] = (pq_w_schema){.name = "list", .type = -1, .repetition = PQ_REPEATED,
                                .num_children = 1, .converted = -1};
        leaf_schema(&sc[k++], c, "element",
                    c->def.element_optional ? PQ_OPTIONAL : PQ_REQUIRED);
    }
    pq_w_row_group *rgs = calloc(w->nrgs ? w->nrgs : 1, sizeof *rgs);
    if (!rgs)
        goto nomem;
    for (size_t i = 0; i < w->nrgs; i++)
        rgs[i] = w->rgs[i].rg;
    pq_w_file_meta fm = {
        .version = w->opt.page_version == 2 ? 2 : 1,
        .schema = sc, .nschema = n,
        .num_rows = (int64_t)w->rows,
        .row_groups = rgs, .nrow_groups = w->nrgs,
        .ncols = w->ncols,
        .kv = w->kv, .nkv = w->nkv,
        .created_by = w->created_by,
    };
    sl_status s = pq_tw_file_metadata(&out, &fm);
    free(rgs);
    free(sc);
    sc = NULL;
    if (s == SL_OK && out.len > UINT32_MAX)
        s = SL_ERR_LIMIT;
    if (s) {
        sl_buf_free(&out);
        w->failed = s;
        return sl_error_set(&w->err, s, "cannot encode the footer of '%s': %s", w->path, status_what(s));
    }
    uint32_t len = (uint32_t)out.len;
    uint8_t tail[8] = {(uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16),
                       (uint8_t)(len >> 24), 'P', 'A', 'R', '1'};
    if ((s = pq_write_all(w, out.data, out.len)) == SL_OK)
        s = pq_write_all(w, tail, 8);
    sl_buf_free(&out);
    return s;
nomem:
    free(sc);
    w->failed = SL_ERR_NOMEM;
    return sl_error_set(&w->err, SL_ERR_NOMEM, "out of memory writing the footer of '%s'", w->path);
}

