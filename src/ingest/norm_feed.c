/* sl_norm_feed_json (see sluice/normalize.h): one JSON input, parsed on several
 * threads, added to the normalizer in input order.
 *
 * This thread reads the input (decompressing it) and cuts it into parts that end
 * just after a newline; parts go round a ring of jobs. Workers take the jobs in
 * order, count each part's newlines and, when the job carries a plan, turn each
 * record of the part that fits the plan into a row of the job's batch (or, when
 * the normalizer only infers, count it), until the first one that does not fit
 * or does not parse. A record is first scanned by the plan itself, with no tree;
 * from the first record the scan does not take, the worker's reader parses the
 * rest into trees that the plan matches. This thread takes the jobs back in
 * order: it appends the batch's rows when the plan still holds, and reads the
 * rest of the part itself, record by record, into sl_norm_add, which is also what
 * happens to every part while no plan holds (the inference window, say).
 *
 * Why the rows are the ones a single reader would see: a part's records are the
 * input's records when the part starts where a record may start. The first part
 * starts the input; a part that ends with a complete record (the worker, or this
 * thread, reached its end cleanly) hands that property to the next part, since
 * parts are cut at newlines, which never fall inside a token. When this thread's
 * reading of a part runs into the part's end in the middle of a record (a
 * pretty-printed document, say), it glues the unread tail to the next parts, whose
 * workers' rows are dropped, and reads on until a record ends where a part ends.
 * Errors carry the positions of the whole input, so they read as a single
 * reader's.
 *
 * From where the input stops being cuttable (a line longer than the record limit,
 * a read error, a top-level array at the start), this thread reads the rest alone
 * through one ordinary reader that starts on what is buffered. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/grow.h"
#include "base/input.h"
#include "ingest/norm_impl.h"
#include "ingest/norm_plan.h"
#include "sluice/normalize.h"

#define PAD SL_JSON_PART_PAD

typedef struct job {
    uint8_t *data;              /* len bytes of input, then PAD zero bytes */
    size_t len, cap;
    uint64_t off;               /* where data[0] lies in the input */
    const sl_norm_plan *plan;   /* rows to make, or NULL */
    sl_pq_writer *batch;        /* for plan's rows */
    const sl_norm_plan *batch_plan;
    /* the worker's answer */
    size_t stop;                /* data[0 .. stop) became the batch's rows */
    uint64_t rows;              /* ... that many */
    uint64_t dups;              /* duplicate keys in those records */
    uint64_t nl;                /* newlines in data */
    uint64_t nl_before;         /* ... before the reader took over from the scan */
    sl_status st;               /* making a row failed (not a parse error) */
    sl_error err;
    bool done;
} job;

typedef struct worker {
    struct feed *f;
    pthread_t tid;
    sl_json_reader *rd;
    sl_norm_plan_scratch scratch;
} worker;

typedef struct feed {
    sl_normalizer *n;
    const char *path;
    sl_norm_feed_options o;
    sl_input *in;
    bool in_end;                /* the input has no more parts: its end, or seq_rest */
    bool seq_rest;              /* the rest (carry, then in) is for one reader */
    uint64_t in_off;            /* input bytes taken into jobs and carry */
    sl_buf carry;               /* input after the last cut */

    job *jobs;
    size_t njobs;
    uint64_t made, taken, used; /* jobs filled, claimed by workers, consumed */
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    bool quit;
    worker *w;
    unsigned nw;

    uint64_t line;              /* line of the first byte of the next job to use */
    sl_norm_plan **plans;       /* every plan made (jobs in flight may hold old ones) */
    size_t nplans, plans_cap;
    const sl_norm_plan *plan;   /* the newest */
    sl_json_reader *rd;         /* this thread's reader of parts */
    sl_buf glue;
    uint64_t records, dups;     /* for sl_norm_feed_stats */
    uint64_t rest_bytes;        /* bytes the reader of the rest took, if rest_used */
    bool rest_used;
} feed;

void sl_norm_feed_options_init(sl_norm_feed_options *o)
{
    memset(o, 0, sizeof *o);
    sl_json_options_init(&o->json);
}

/* ---------------------------------------------------------------- positions */

/* Moves (line, col) over text[0..n): col counts code points since the last newline. */
static void advance(const uint8_t *text, size_t n, uint64_t *line, uint64_t *col)
{
    const uint8_t *p = text, *e = text + n, *q, *from = text;
    while ((q = memchr(p, '\n', (size_t)(e - p))) != NULL) {
        ++*line;
        *col = 0;
        p = from = q + 1;
    }
    for (; from < e; from++)
        *col += (*from & 0xC0) != 0x80;
}

/* (line, col) at text[at], text starting at input offset off on (line, col); a byte
 * order mark opening the input is not a column. */
static void position(const uint8_t *text, size_t at, uint64_t off, uint64_t *line, uint64_t *col)
{
    uint64_t l0 = *line;
    advance(text, at, line, col);
    if (off == 0 && *line == l0 && at >= 3 && text[0] == 0xEF && text[1] == 0xBB && text[2] == 0xBF)
        --*col;
}

/* ---------------------------------------------------------------- workers */

static void batch_failed(job *j, sl_status st)
{
    j->st = st;
    j->err = *sl_pq_writer_error(j->batch);
    if (!j->err.code)
        sl_error_set(&j->err, st, "making a row: %s", sl_strerror(st));
}

/* Rows through the reader: each record parsed into a tree, then matched. From p
 * (a record's start, or whitespace before one) to the first record that does not
 * fit or parse. */
static void read_rows(worker *w, job *j, const uint8_t *p)
{
    size_t at = (size_t)(p - j->data);
    sl_json_reader_reset_part(w->rd, p, j->len - at, w->f->path, j->off + at, 1, 0);
    for (;;) {
        const sl_json_value *v;
        sl_status st = sl_json_reader_next(w->rd, &v, NULL);
        if (st == SL_EOF) {
            j->stop = j->len;
            return;
        }
        if (st)
            return;
        bool fit;
        if ((st = sl_norm_plan_row(j->plan, &w->scratch, j->batch, v, &fit))) {
            batch_failed(j, st);
            return;
        }
        if (!fit)
            return;
        j->stop = (size_t)(sl_json_reader_bytes_in(w->rd) - j->off);
        j->rows++;
        j->dups = sl_json_reader_duplicate_keys(w->rd);
    }
}

/* Rows made by the plan's own scan of each record, no tree; at the first record
 * it does not take, the reader goes on from there (it reads what the scan would
 * not, duplicate keys say, and knows which records are malformed). */
static void make_rows(worker *w, job *j)
{
    const uint8_t *p = j->data, *end = j->data + j->len;
    uint64_t nl = 0;   /* newlines before p: the reader counts only from where it starts */
    for (;;) {
        for (; *p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'; p++)
            nl += *p == '\n';
        if (p >= end) {
            j->stop = j->len;
            j->nl = nl;
            return;
        }
        sl_status st;
        const uint8_t *q = sl_norm_plan_scan(j->plan, &w->scratch, j->batch, w->rd, p,
                                             w->f->o.json.max_record_size, &nl, &st);
        if (st) {
            batch_failed(j, st);
            return;
        }
        if (!q)
            break;
        p = q;
        j->stop = (size_t)(p - j->data);
        j->rows++;
    }
    j->nl_before = nl;
    read_rows(w, j, p);
}

static void run_job(worker *w, job *j)
{
    j->stop = 0;
    j->rows = j->dups = j->nl_before = 0;
    j->nl = UINT64_MAX;
    j->st = SL_OK;
    sl_json_reader_reset_part(w->rd, j->data, j->len, w->f->path, j->off, 1, 0);
    if (j->plan)
        make_rows(w, j);
    /* A part the scan took whole has its newlines counted (j->nl); else the reader
     * counted those before each record it read, and counts the rest now. */
    if (j->nl == UINT64_MAX)
        j->nl = j->nl_before + sl_json_reader_part_end_line(w->rd) - 1;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    feed *f = w->f;
    pthread_mutex_lock(&f->mu);
    while (!f->quit) {
        if (f->taken == f->made) {
            pthread_cond_wait(&f->work, &f->mu);
            continue;
        }
        job *j = &f->jobs[f->taken++ % f->njobs];
        pthread_mutex_unlock(&f->mu);
        run_job(w, j);
        pthread_mutex_lock(&f->mu);
        j->done = true;
        pthread_cond_broadcast(&f->done);
    }
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

/* ---------------------------------------------------------------- jobs */

static job *head(feed *f) { return &f->jobs[f->used % f->njobs]; }

static void wait_done(feed *f, job *j)
{
    pthread_mutex_lock(&f->mu);
    while (!j->done)
        pthread_cond_wait(&f->done, &f->mu);
    pthread_mutex_unlock(&f->mu);
}

/* Done with the head job: its rows were appended or are dropped. */
static void pop(feed *f)
{
    job *j = head(f);
    if (j->batch && sl_pq_writer_rows(j->batch)) {
        sl_pq_writer_abort(j->batch);
        j->batch = NULL;
        j->batch_plan = NULL;
    }
    f->line += j->nl;
    f->used++;
}

static bool reserve(job *j, size_t want)
{
    if (want + PAD <= j->cap)
        return true;
    size_t cap = j->cap ? j->cap : 1;
    while (cap < want + PAD)
        cap *= 2;
    uint8_t *d = realloc(j->data, cap);
    if (!d)
        return false;
    j->data = d;
    j->cap = cap;
    return true;
}

/* Reads the next part into j: the carry, then input up to part_size and on to
 * the last newline. At the end of the input the part takes everything left. A line
 * longer than the record limit, or a read error, ends the parts: the rest, from
 * the carry on, is read by one reader (seq_rest), which meets the error again. */
static sl_status read_part(feed *f, job *j, sl_error *err)
{
    size_t want = f->o.part_size;
    uint64_t limit = f->o.json.max_record_size + want;
    if (!reserve(j, f->carry.len + want))
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    memcpy(j->data, f->carry.data, f->carry.len);
    j->len = f->carry.len;
    j->off = f->in_off - f->carry.len;
    size_t scanned = 0;
    for (;;) {
        while (j->len < want) {
            size_t got = 0;
            sl_status s = sl_input_read(f->in, j->data + j->len, want - j->len, &got, NULL);
            if (s == SL_EOF) {
                f->in_end = true;
                break;
            }
            if (s) { /* the reader of the rest reports it, where a single reader would */
                f->in_end = f->seq_rest = true;
                break;
            }
            j->len += got;
            f->in_off += got;
        }
        if (f->seq_rest || f->in_end)
            break;
        const uint8_t *nl = memrchr(j->data + scanned, '\n', j->len - scanned);
        if (nl) {
            size_t cut = (size_t)(nl - j->data) + 1;
            sl_buf_clear(&f->carry);
            if (sl_buf_append(&f->carry, j->data + cut, j->len - cut))
                return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
            j->len = cut;
            break;
        }
        scanned = j->len;
        if (j->len >= limit) {
            f->in_end = f->seq_rest = true;
            break;
        }
        want = j->len * 2 < limit ? j->len * 2 : (size_t)limit;
        if (!reserve(j, want))
            return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    }
    if (f->seq_rest) {
        /* Nothing of this read is a part: all of it is the rest's. */
        sl_buf_clear(&f->carry);
        if (sl_buf_append(&f->carry, j->data, j->len))
            return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        j->len = 0;
    } else if (f->in_end) {
        sl_buf_clear(&f->carry);
    }
    memset(j->data + j->len, 0, PAD);
    return SL_OK;
}

/* Fills the ring with parts while the input lasts. */
static sl_status fill(feed *f, sl_error *err)
{
    while (!f->in_end && f->made - f->used < f->njobs) {
        job *j = &f->jobs[f->made % f->njobs];
        sl_status st = read_part(f, j, err);
        if (st)
            return st;
        if (j->len == 0)
            break;
        j->plan = sl_norm_plan_valid(f->n, f->plan) ? f->plan : NULL;
        if (j->plan && j->batch_plan != j->plan && !sl_norm_plan_counts_only(j->plan)) {
            sl_pq_writer_abort(j->batch);
            j->batch = NULL;
            j->batch_plan = NULL;
            if (sl_norm_plan_open_batch(f->n, j->plan, &j->batch, err) == SL_OK)
                j->batch_plan = j->plan;
            else
                j->plan = NULL;
        }
        j->done = false;
        pthread_mutex_lock(&f->mu);
        f->made++;
        pthread_cond_signal(&f->work);
        pthread_mutex_unlock(&f->mu);
    }
    return SL_OK;
}

/* ---------------------------------------------------------------- this thread */

static sl_status add(feed *f, const sl_json_value *v, bool *tried, sl_error *err)
{
    sl_status st = sl_norm_add(f->n, v, err);
    f->records += !st;
    if (st || *tried || sl_norm_plan_valid(f->n, f->plan))
        return st;
    /* Try once a part for a plan, from a record the schema now holds. */
    *tried = !f->n->windowing || f->n->opts.infer_only;
    sl_norm_plan *p = sl_norm_plan_make(f->n, v);
    if (!p)
        return SL_OK;
    if (f->nplans == f->plans_cap) {
        sl_norm_plan **q = sl_grow_array(f->plans, &f->plans_cap, sizeof *q, 8);
        if (!q) {
            sl_norm_plan_free(p);
            return SL_OK;
        }
        f->plans = q;
    }
    f->plans[f->nplans++] = p;
    f->plan = p;
    return SL_OK;
}

/* Reads every record of r into the normalizer. */
static sl_status drain(feed *f, sl_json_reader *r, sl_error *err)
{
    bool tried = true;
    const sl_json_value *v;
    sl_status st;
    while ((st = sl_json_reader_next(r, &v, err)) == SL_OK)
        if ((st = add(f, v, &tried, err)))
            return st;
    return st == SL_EOF ? SL_OK : st;
}

/* The rest of the input, text[0..len) (starting at off, line, col) then whatever
 * the input still holds, through one reader (in the options' form when the rest
 * is the whole input). */
static sl_status read_rest(feed *f, const uint8_t *text, size_t len, uint64_t off, uint64_t line,
                           uint64_t col, bool at_start, sl_error *err)
{
    sl_json_options jo = f->o.json;
    if (!at_start) /* past the first record, an array is a record of the sequence */
        jo.form = SL_JSON_FORM_SEQUENCE;
    sl_json_reader *r;
    sl_status st = sl_json_reader_open_resume(f->in, text, len, f->path, &jo, off, line, col, &r,
                                              err);
    f->in = NULL; /* the reader has it now */
    if (st)
        return st;
    st = drain(f, r, err);
    f->dups += sl_json_reader_duplicate_keys(r);
    f->rest_bytes = sl_json_reader_bytes_in(r);
    f->rest_used = true;
    sl_json_reader_free(r);
    return st;
}

/* The record limit's error for a record starting at text[0..] (after whitespace),
 * as a single reader reports it. */
static sl_status too_large(feed *f, const uint8_t *text, size_t len, uint64_t off, uint64_t line,
                           uint64_t col, sl_error *err)
{
    size_t ws = 0;
    while (ws < len && (text[ws] == ' ' || text[ws] == '\t' || text[ws] == '\r' || text[ws] == '\n'))
        ws++;
    position(text, ws, off, &line, &col);
    sl_error_clear(err);
    sl_error_set_file(err, f->path);
    return sl_error_at(err, SL_ERR_LIMIT, line, col + 1, off + ws,
                       "record larger than the maximum record size of %llu bytes",
                       (unsigned long long)f->o.json.max_record_size);
}

/* Reads the head job's part from data[start] on, record by record, gluing the
 * following parts on while a record runs past the end of what is glued. */
static sl_status read_slowly(feed *f, size_t start, sl_error *err)
{
    job *j = head(f);
    uint64_t line = f->line, col = 0;
    position(j->data, start, j->off, &line, &col);
    const uint8_t *text = j->data + start;
    size_t len = j->len - start;
    uint64_t off = j->off + start;
    bool tried = false;
    for (;;) {
        sl_json_reader_reset_part(f->rd, text, len, f->path, off, line, col);
        uint64_t rec_end = off, dups = 0;
        const sl_json_value *v;
        sl_error e;
        sl_status st;
        while ((st = sl_json_reader_next(f->rd, &v, &e)) == SL_OK) {
            if ((st = add(f, v, &tried, err)))
                return st;
            rec_end = sl_json_reader_bytes_in(f->rd);
            dups = sl_json_reader_duplicate_keys(f->rd);
        }
        /* the duplicates of whole records only: a cut record is read again */
        f->dups += dups;
        if (text != f->glue.data)
            pop(f); /* text was the head job's: done with it, one way or the other */
        if (st == SL_EOF)
            return SL_OK;
        if (st != SL_ERR_JSON || e.offset != off + len) {
            *err = e;
            return st;
        }
        /* A record runs past the end of the text: keep its tail in the glue buffer
         * (the job's buffer is about to be refilled), then glue parts on until the
         * tail has at least doubled, so a huge record costs a few parses. */
        const uint8_t *t0 = text + (rec_end - off);
        size_t tail = (size_t)(off + len - rec_end);
        position(text, (size_t)(rec_end - off), off, &line, &col);
        if (tail >= f->o.json.max_record_size)
            return too_large(f, t0, tail, rec_end, line, col, err);
        if (text == f->glue.data) {
            memmove(f->glue.data, t0, tail);
            f->glue.len = tail;
        } else {
            sl_buf_clear(&f->glue);
            if (sl_buf_append(&f->glue, t0, tail))
                return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        }
        off = rec_end;
        size_t added = 0;
        while (added < tail + 1) {
            if (f->made == f->used && (st = fill(f, err)))
                return st;
            if (f->made == f->used)
                break;
            job *h = head(f);
            wait_done(f, h);
            if (sl_buf_append(&f->glue, h->data, h->len))
                return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
            added += h->len;
            pop(f);
        }
        if (added == 0) {
            if (!f->seq_rest) {
                *err = e;
                return e.code;
            }
            /* The rest is one reader's, and starts with the tail. */
            if (sl_buf_append(&f->glue, f->carry.data, f->carry.len))
                return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
            sl_buf_clear(&f->carry);
            return read_rest(f, f->glue.data, f->glue.len, off, line, col, false, err);
        }
        if (sl_buf_reserve(&f->glue, PAD))
            return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        memset(f->glue.data + f->glue.len, 0, PAD);
        text = f->glue.data;
        len = f->glue.len;
    }
}

static sl_status run(feed *f, sl_error *err)
{
    for (;;) {
        sl_status st = fill(f, err);
        if (st)
            return st;
        if (f->made == f->used)
            break;
        job *j = head(f);
        wait_done(f, j);
        if (j->st) {
            *err = j->err;
            return j->st;
        }
        size_t start = 0;
        if (j->plan && j->stop && sl_norm_plan_valid(f->n, j->plan)) {
            if ((st = sl_norm_plan_append(f->n, j->plan, j->batch, j->rows, err)))
                return st;
            start = j->stop;
            f->records += j->rows;
            f->dups += j->dups;
        }
        if (start == j->len)
            pop(f);
        else if ((st = read_slowly(f, start, err)))
            return st;
    }
    if (!f->seq_rest)
        return SL_OK;
    return read_rest(f, f->carry.data, f->carry.len, f->in_off - f->carry.len, f->line, 0, false,
                     err);
}

/* ---------------------------------------------------------------- the entry */

/* Reads the input's first bytes into the carry, up to its first value's first
 * byte: '[' there means a top-level array, which one reader takes. */
static int peek_first(feed *f)
{
    for (;;) {
        size_t k = f->carry.len >= 3 && memcmp(f->carry.data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
        for (; k < f->carry.len; k++) {
            uint8_t c = f->carry.data[k];
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
                return c;
        }
        if (sl_buf_reserve(&f->carry, 4096))
            return -2;
        size_t got = 0;
        sl_status s = sl_input_read(f->in, f->carry.data + f->carry.len, 4096, &got, NULL);
        if (s)
            return s == SL_EOF ? -1 : -2;
        f->carry.len += got;
        f->in_off += got;
    }
}

static void stop_workers(feed *f)
{
    pthread_mutex_lock(&f->mu);
    f->quit = true;
    pthread_cond_broadcast(&f->work);
    pthread_mutex_unlock(&f->mu);
    for (unsigned i = 0; i < f->nw; i++)
        pthread_join(f->w[i].tid, NULL);
}

/* The workers, the ring, the run, and everything undone again. */
static sl_status run_parallel(feed *f, sl_error *err)
{
    sl_status st = SL_OK;
    f->line = 1;
    f->njobs = 4 * (size_t)f->o.threads;
    f->jobs = calloc(f->njobs, sizeof *f->jobs);
    f->w = calloc(f->o.threads, sizeof *f->w);
    if (!f->jobs || !f->w)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    if ((st = sl_json_reader_open_parts(&f->o.json, &f->rd, err)))
        return st;
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->work, NULL);
    pthread_cond_init(&f->done, NULL);
    for (unsigned i = 0; i < f->o.threads; i++) {
        worker *w = &f->w[f->nw];
        w->f = f;
        sl_norm_plan_scratch_init(&w->scratch);
        if (sl_json_reader_open_parts(&f->o.json, &w->rd, NULL) ||
            pthread_create(&w->tid, NULL, worker_main, w) != 0) {
            sl_json_reader_free(w->rd);
            sl_norm_plan_scratch_free(&w->scratch);
            break;
        }
        f->nw++;
    }
    st = f->nw ? run(f, err) : read_rest(f, f->carry.data, f->carry.len, 0, 1, 0, true, err);
    stop_workers(f);
    for (unsigned i = 0; i < f->nw; i++) {
        sl_json_reader_free(f->w[i].rd);
        sl_norm_plan_scratch_free(&f->w[i].scratch);
    }
    pthread_cond_destroy(&f->done);
    pthread_cond_destroy(&f->work);
    pthread_mutex_destroy(&f->mu);
    return st;
}

static sl_status feed_json(feed *f, sl_error *err)
{
    if (!f->o.threads) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        f->o.threads = cores > 1 ? (unsigned)(cores < 8 ? cores : 8) : 1;
    }
    if (!f->o.part_size)
        f->o.part_size = (size_t)256 << 10;
    if (!f->o.json.max_record_size)
        f->o.json.max_record_size = (uint64_t)256 << 20;
    sl_status st = sl_input_open_path(f->path, f->o.json.max_decompressed_size, &f->in, err);
    if (st)
        return st;
    if (f->o.threads <= 1 || f->o.json.form == SL_JSON_FORM_ARRAY ||
        f->o.json.form == SL_JSON_FORM_DOCUMENT)
        return read_rest(f, NULL, 0, 0, 1, 0, true, err);
    int first = peek_first(f);
    if (first < 0 || (first == '[' && f->o.json.form == SL_JSON_FORM_AUTO))
        return read_rest(f, f->carry.data, f->carry.len, 0, 1, 0, true, err);
    return run_parallel(f, err);
}

sl_status sl_norm_feed_json(sl_normalizer *n, const char *path, const sl_norm_feed_options *o,
                            sl_norm_feed_stats *stats, sl_error *err)
{
    feed f;
    memset(&f, 0, sizeof f);
    f.n = n;
    f.path = path;
    f.o = *o;
    sl_buf_init(&f.carry, 0);
    sl_buf_init(&f.glue, 0);
    sl_status st = feed_json(&f, err);
    if (stats) {
        stats->records = f.records;
        stats->duplicate_keys = f.dups;
        stats->bytes = f.rest_used ? f.rest_bytes : f.in_off;
    }
    for (size_t i = 0; f.jobs && i < f.njobs; i++) {
        sl_pq_writer_abort(f.jobs[i].batch);
        free(f.jobs[i].data);
    }
    free(f.jobs);
    free(f.w);
    for (size_t i = 0; i < f.nplans; i++)
        sl_norm_plan_free(f.plans[i]);
    free(f.plans);
    sl_json_reader_free(f.rd);
    sl_buf_free(&f.carry);
    sl_buf_free(&f.glue);
    sl_input_free(f.in);
    return st;
}
