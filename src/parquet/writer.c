/* The Parquet writer's public half (sluice/parquet.h): options, schema, row
 * assembly into per-column buffers, and closing. Row groups and the footer are in
 * writer_rowgroup.c, the encoding of one column chunk in writer_column.c.
 *
 * Buffered values are kept in their PLAIN little-endian form, so this file assumes
 * a little-endian host (checked at compile time below). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/bytes.h"
#include "parquet/format.h"
#include "parquet/writer_internal.h"
#include "sluice/sluice.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the Parquet writer buffers values in host order and needs a little-endian host"
#endif

void sl_pq_writer_options_init(sl_pq_writer_options *o)
{
    memset(o, 0, sizeof *o);
    o->codec = SL_PQ_CODEC_ZSTD;
    o->row_group_rows = 1048576;
    o->row_group_bytes = (uint64_t)128 << 20;
    o->page_size = 1 << 20;
    o->page_version = 1;
    o->dictionary = true;
    o->dictionary_max_bytes = 1 << 20;
    o->created_by = NULL;
}

const sl_error *sl_pq_writer_error(const sl_pq_writer *w)
{
    return &w->err;
}

uint64_t sl_pq_writer_rows(const sl_pq_writer *w)
{
    return w ? w->rows : 0;
}

const char *pq_type_name(sl_pq_type t)
{
    static const char *names[] = {"BOOL", "INT8", "INT16", "INT32", "INT64", "FLOAT",
                                  "DOUBLE", "STRING", "BINARY", "DATE", "TIMESTAMP",
                                  "TIME", "DECIMAL"};
    return (size_t)t < sizeof names / sizeof names[0] ? names[t] : "UNSUPPORTED";
}

/* ------------------------------------------------------------ open */

static const char *call_name(int call)
{
    static const char *names[] = {"sl_pq_write_null", "sl_pq_write_bool", "sl_pq_write_int",
                                  "sl_pq_write_double", "sl_pq_write_bytes",
                                  "sl_pq_write_decimal128"};
    return names[call];
}

static int call_for(const pq_wcol *c)
{
    switch (c->def.type) {
    case SL_PQ_BOOL: return CALL_BOOL;
    case SL_PQ_FLOAT: case SL_PQ_DOUBLE: return CALL_DOUBLE;
    case SL_PQ_STRING: case SL_PQ_BINARY: return CALL_BYTES;
    case SL_PQ_DECIMAL: return c->def.precision > 18 ? CALL_DEC128 : CALL_INT;
    default: return CALL_INT;
    }
}

static bool call_fits(const pq_wcol *c, int call)
{
    int want = call_for(c);
    /* An int64 always fits a wide decimal, so write_int is accepted there too. */
    return call == want || (want == CALL_DEC128 && call == CALL_INT);
}


/* What sl_pq_write_int accepts for c's type. */
static void int_limits(pq_wcol *c)
{
    int64_t lo = INT64_MIN, hi = INT64_MAX;
    switch (c->def.type) {
    case SL_PQ_INT8: lo = INT8_MIN; hi = INT8_MAX; break;
    case SL_PQ_INT16: lo = INT16_MIN; hi = INT16_MAX; break;
    case SL_PQ_INT32: case SL_PQ_DATE: lo = INT32_MIN; hi = INT32_MAX; break;
    case SL_PQ_DECIMAL:
        if (c->def.precision <= 18) {
            int64_t p10 = 1;
            for (int i = 0; i < c->def.precision; i++)
                p10 *= 10;
            lo = -(p10 - 1);
            hi = p10 - 1;
        }
        break;
    default: break;
    }
    c->int_lo = lo;
    c->int_hi = hi;
}

static sl_status setup_column(pq_wcol *c, const sl_pq_column *in, size_t i, sl_error *err)
{
    if (!in->name || !in->name[0])
        return sl_error_set(err, SL_ERR_USAGE, "column %zu has no name", i);
    c->def = *in;
    c->name = strdup(in->name);
    if (!c->name)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    c->def.name = c->name;
    switch (in->type) {
    case SL_PQ_BOOL: c->phys = PQ_BOOLEAN; c->width = 1; break;
    case SL_PQ_INT8: case SL_PQ_INT16: case SL_PQ_INT32: case SL_PQ_DATE:
        c->phys = PQ_INT32; c->width = 4; break;
    case SL_PQ_INT64: case SL_PQ_TIMESTAMP: case SL_PQ_TIME:
        c->phys = PQ_INT64; c->width = 8; break;
    case SL_PQ_FLOAT: c->phys = PQ_FLOAT; c->width = 4; break;
    case SL_PQ_DOUBLE: c->phys = PQ_DOUBLE; c->width = 8; break;
    case SL_PQ_STRING: case SL_PQ_BINARY: c->phys = PQ_BYTE_ARRAY; c->width = 0; break;
    case SL_PQ_DECIMAL:
        if (in->precision < 1 || in->precision > 38 || in->scale < 0 ||
            in->scale > in->precision)
            return sl_error_set(err, SL_ERR_USAGE,
                                "column '%s': DECIMAL(%d, %d) is not valid (precision 1..38, "
                                "scale 0..precision)", in->name, in->precision, in->scale);
        if (in->precision <= 9) { c->phys = PQ_INT32; c->width = 4; }
        else if (in->precision <= 18) { c->phys = PQ_INT64; c->width = 8; }
        else { c->phys = PQ_FIXED_LEN_BYTE_ARRAY; c->width = 16; c->def.fixed_len = 16; }
        break;
    default:
        return sl_error_set(err, SL_ERR_USAGE, "column '%s': the writer cannot write type %d",
                            in->name, (int)in->type);
    }
    if (in->type == SL_PQ_TIMESTAMP) {
        c->def.time_unit = SL_PQ_MICROS;
        c->def.utc = in->utc;
    } else if (in->type == SL_PQ_TIME) {
        c->def.time_unit = SL_PQ_MICROS;
        c->def.utc = false;
    }
    if (in->list) {
        c->max_rep = 1;
        c->max_def = (uint8_t)(in->optional + 1 + in->element_optional);
        c->path[0] = c->name;
        c->path[1] = "list";
        c->path[2] = "element";
        c->path_len = 3;
    } else {
        c->def.element_optional = false;
        c->max_def = in->optional;
        c->path[0] = c->name;
        c->path_len = 1;
    }
    c->call = (uint8_t)call_for(c);
    int_limits(c);
    return SL_OK;
}

static void free_columns(sl_pq_writer *w)
{
    for (size_t i = 0; i < w->ncols; i++) {
        pq_wcol *c = &w->cols[i];
        free(c->name);
        if (!w->batch)   /* a batch shares its writer's */
            pq_domain_free((pq_domain *)c->dom);
        sl_buf_free(&c->values);
        sl_buf_free(&c->defs);
        sl_buf_free(&c->reps);
        if (w->job.cols) {   /* shares the name and paths of c */
            sl_buf_free(&w->job.cols[i].values);
            sl_buf_free(&w->job.cols[i].defs);
            sl_buf_free(&w->job.cols[i].reps);
        }
        if (w->outs)
            pq_chunk_out_free(&w->outs[i]);
    }
    free(w->cols);
    free(w->job.cols);
    free(w->outs);
}

static void writer_free(sl_pq_writer *w)
{
    if (!w)
        return;
    pq_stop(w);
    pthread_cond_destroy(&w->job.cv);
    pthread_mutex_destroy(&w->job.mu);
    if (w->fd >= 0)
        close(w->fd);
    free_columns(w);
    for (int t = 0; t < PQ_THREADS; t++)
        pq_scratch_free(&w->scratch[t]);
    for (size_t i = 0; i < w->nrgs; i++)
        free(w->rgs[i].chunks);
    free(w->rgs);
    free(w->kv);
    sl_arena_free(&w->kv_mem);
    sl_arena_free(&w->meta);
    free(w->created_by);
    free(w->path);
    free(w);
}

/* A writer for ncols columns without its file: the options, the columns and their
 * buffers; and, unless batch, the background job's columns and the chunk outputs. */
static sl_status writer_new(const sl_pq_column *cols, size_t ncols, const sl_pq_writer_options *opts,
                            bool batch, sl_pq_writer **out, sl_error *err)
{
    sl_status s;
    *out = NULL;
    sl_pq_writer *w = calloc(1, sizeof *w);
    if (!w)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    w->fd = -1;
    w->batch = batch;
    pthread_mutex_init(&w->job.mu, NULL);
    pthread_cond_init(&w->job.cv, NULL);
    atomic_init(&w->job.failed, false);
    atomic_init(&w->job.next, SIZE_MAX / 2); /* nothing to take until a hand-over */
    atomic_init(&w->job.finished, 0);
    sl_arena_init(&w->meta, 0);
    sl_arena_init(&w->kv_mem, 0);
    if (opts)
        w->opt = *opts;
    else
        sl_pq_writer_options_init(&w->opt);
    if (w->opt.page_version != 2)
        w->opt.page_version = 1;
    if (!w->opt.row_group_rows)
        w->opt.row_group_rows = 1048576;
    if (!w->opt.row_group_bytes)
        w->opt.row_group_bytes = (uint64_t)128 << 20;
    if (!w->opt.page_size)
        w->opt.page_size = 1 << 20;
    if (w->opt.dictionary_max_bytes > (1u << 30))
        w->opt.dictionary_max_bytes = 1u << 30;
    char cb[64];
    snprintf(cb, sizeof cb, "sluice version %s", SL_VERSION);
    w->created_by = strdup(w->opt.created_by ? w->opt.created_by : cb);
    w->cols = calloc(ncols, sizeof *w->cols);
    if (!batch) {
        w->job.cols = calloc(ncols, sizeof *w->job.cols);
        w->outs = calloc(ncols, sizeof *w->outs);
    }
    if (!w->created_by || !w->cols || (!batch && (!w->job.cols || !w->outs))) {
        s = sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        goto fail;
    }
    w->opt.created_by = w->created_by;
    w->ncols = ncols;
    size_t bufmax = (size_t)w->opt.row_group_bytes + PQ_BUF_SLACK;
    for (size_t i = 0; i < ncols; i++) {
        pq_wcol *c = &w->cols[i];
        sl_buf_init(&c->values, bufmax);
        sl_buf_init(&c->defs, bufmax);
        sl_buf_init(&c->reps, bufmax);
        if ((s = setup_column(c, &cols[i], i, err)))
            goto fail;
        w->nlists += c->def.list;
        for (size_t j = 0; j < i; j++)
            if (strcmp(w->cols[j].name, c->name) == 0) {
                s = sl_error_set(err, SL_ERR_USAGE, "column '%s' appears twice", c->name);
                goto fail;
            }
        if (batch)
            continue;
        sl_buf_init(&w->outs[i].bytes, 0);
        sl_buf_init(&w->outs[i].min, 0);
        sl_buf_init(&w->outs[i].max, 0);
        /* The same column for the background job, with buffers of its own. */
        pq_wcol *f = &w->job.cols[i];
        *f = *c;
        sl_buf_init(&f->values, bufmax);
        sl_buf_init(&f->defs, bufmax);
        sl_buf_init(&f->reps, bufmax);
    }
    sl_error_clear(&w->err);
    *out = w;
    return SL_OK;
fail:
    writer_free(w);
    return s;
}

sl_status sl_pq_writer_open(const char *path, const sl_pq_column *cols, size_t ncols,
                            const sl_pq_writer_options *opts, sl_pq_writer **out,
                            sl_error *err)
{
    sl_status s;
    *out = NULL;
    if (!path || !cols || ncols == 0)
        return sl_error_set(err, SL_ERR_USAGE, "a Parquet file needs a path and at least one column");
    sl_pq_writer *w;
    if ((s = writer_new(cols, ncols, opts, false, &w, err)))
        return s;
    if (!(w->path = strdup(path))) {
        s = sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        goto fail;
    }
    w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (w->fd < 0) {
        s = sl_error_set(err, SL_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
        goto fail;
    }
    if ((s = pq_write_all(w, PQ_MAGIC, 4))) {
        if (err)
            *err = w->err;
        goto fail;
    }
    *out = w;
    return SL_OK;
fail:
    writer_free(w);
    return s;
}

sl_status sl_pq_writer_open_batch(const sl_pq_writer *w, sl_pq_writer **out, sl_error *err)
{
    *out = NULL;
    if (!w || w->batch)
        return sl_error_set(err, SL_ERR_USAGE, "a batch is opened from a writer of a file");
    sl_pq_column *defs = malloc(w->ncols * sizeof *defs);
    if (!defs)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < w->ncols; i++)
        defs[i] = w->cols[i].def;
    sl_status s = writer_new(defs, w->ncols, &w->opt, true, out, err);
    free(defs);
    for (size_t i = 0; !s && i < w->ncols; i++)
        (*out)->cols[i].dom = w->cols[i].dom;
    return s;
}

sl_status sl_pq_writer_set_kv(sl_pq_writer *w, const char *key, const char *value)
{
    if (!key)
        return sl_error_set(&w->err, SL_ERR_USAGE, "a key-value pair needs a key");
    if (w->nkv == w->cap_kv) {
        size_t cap = w->cap_kv ? w->cap_kv * 2 : 8;
        pq_w_kv *p = realloc(w->kv, cap * sizeof *p);
        if (!p)
            return sl_error_set(&w->err, SL_ERR_NOMEM, "out of memory");
        w->kv = p;
        w->cap_kv = cap;
    }
    const char *k = sl_arena_strndup(&w->kv_mem, key, strlen(key));
    const char *v = value ? sl_arena_strndup(&w->kv_mem, value, strlen(value)) : NULL;
    if (!k || (value && !v))
        return sl_error_set(&w->err, SL_ERR_NOMEM, "out of memory");
    /* A repeated key replaces the earlier value. */
    for (size_t i = 0; i < w->nkv; i++)
        if (strcmp(w->kv[i].key, key) == 0) {
            w->kv[i].value = v;
            return SL_OK;
        }
    w->kv[w->nkv++] = (pq_w_kv){k, v};
    return SL_OK;
}

/* ------------------------------------------------------------ values */

/* Checks col, the call against its type and the row state. */
static sl_status begin_value_slow(sl_pq_writer *w, size_t col, int call, pq_wcol **out)
{
    if (w->failed)
        return w->failed;
    if (col >= w->ncols)
        return sl_error_set(&w->err, SL_ERR_USAGE, "%s: column %zu does not exist (%zu columns)",
                            call_name(call), col, w->ncols);
    pq_wcol *c = &w->cols[col];
    const char *n = c->name;
    if (call != CALL_NULL && !call_fits(c, call))
        return sl_error_set(&w->err, SL_ERR_USAGE, "column '%s' is %s%s: %s does not fit it; use %s",
                            n, c->def.list ? "a LIST of " : "", pq_type_name(c->def.type),
                            call_name(call), call_name(call_for(c)));
    if (c->def.list && c->in_list) {
        if (call == CALL_NULL && !c->def.element_optional)
            return sl_error_set(&w->err, SL_ERR_USAGE,
                                "column '%s': list elements are required, a null element is not allowed", n);
        *out = c;
        return SL_OK;
    }
    if (c->got)
        return sl_error_set(&w->err, SL_ERR_USAGE, "column '%s' already has a value in row %llu",
                            n, (unsigned long long)w->rows);
    if (call == CALL_NULL && !c->def.optional)
        return pq_null_required(w, c);
    if (call != CALL_NULL && c->def.list)
        return sl_error_set(&w->err, SL_ERR_USAGE,
                            "column '%s' is a LIST: call sl_pq_write_list_begin before its elements", n);
    *out = c;
    return SL_OK;
}

/* begin_value_slow's checks, the common case in one test: a scalar column without
 * a value in this row yet, and the call its type takes. */
static inline sl_status begin_value(sl_pq_writer *w, size_t col, int call, pq_wcol **out)
{
    if (!w->failed && col < w->ncols) {
        pq_wcol *c = &w->cols[col];
        if (!c->got && !c->def.list && call == c->call) {
            *out = c;
            return SL_OK;
        }
    }
    return begin_value_slow(w, col, call, out);
}

sl_status pq_fail_mem(sl_pq_writer *w, sl_status s, const pq_wcol *c)
{
    w->failed = s;
    if (s == SL_ERR_LIMIT)
        return sl_error_set(&w->err, s, "column '%s': the row group buffer is over its limit", c->name);
    return sl_error_set(&w->err, s, "out of memory buffering column '%s'", c->name);
}

sl_status pq_too_long(sl_pq_writer *w, const pq_wcol *c, size_t len)
{
    return sl_error_set(&w->err, SL_ERR_LIMIT, "column '%s': a value of %zu bytes is too long", c->name, len);
}

sl_status pq_no_domain(sl_pq_writer *w, const pq_wcol *c)
{
    return sl_error_set(&w->err, SL_ERR_USAGE, "column '%s' has no domain: an index means nothing", c->name);
}

sl_status pq_past_domain(sl_pq_writer *w, const pq_wcol *c, uint32_t i)
{
    return sl_error_set(&w->err, SL_ERR_USAGE, "column '%s': index %u is past the end of its "
                        "domain of %zu strings", c->name, i, c->dom->n);
}

sl_status pq_null_required(sl_pq_writer *w, const pq_wcol *c)
{
    return sl_error_set(&w->err, SL_ERR_USAGE, "column '%s' is required: null is not allowed", c->name);
}

sl_status pq_not_in_domain(sl_pq_writer *w, const pq_wcol *c, size_t len)
{
    return sl_error_set(&w->err, SL_ERR_USAGE, "column '%s': a value of %zu bytes is not one of "
                        "the column's %zu domain strings", c->name, len, c->dom->n);
}

static inline sl_status put(sl_buf *b, const void *p, size_t n)
{
    if (b->cap - b->len >= n) {
        memcpy(b->data + b->len, p, n);
        b->len += n;
        return SL_OK;
    }
    return sl_buf_append(b, p, n);
}

/* Records the levels of one slot after its value (if any) was buffered. */
static sl_status end_slot_slow(sl_pq_writer *w, pq_wcol *c, bool present)
{
    sl_status s = SL_OK;
    if (c->def.list && c->in_list) {
        uint8_t rep = c->list_len ? 1 : 0;
        uint8_t def = present ? c->max_def : (uint8_t)(c->max_def - 1);
        if ((s = sl_buf_putc(&c->reps, rep)) || (s = sl_buf_putc(&c->defs, def)))
            return pq_fail_mem(w, s, c);
        c->list_len++;
        w->rg_bytes += 2;
    } else {
        if (c->def.list && (s = sl_buf_putc(&c->reps, 0)))
            return pq_fail_mem(w, s, c);
        if (c->max_def && (s = sl_buf_putc(&c->defs, present ? c->max_def : 0)))
            return pq_fail_mem(w, s, c);
        c->got = true;
        w->rg_bytes += 2;
    }
    c->nslots++;
    if (present)
        c->nvalues++;
    return SL_OK;
}

/* end_slot_slow for the common slot, a scalar column's with room for its level:
 * inline in every value call. */
static inline __attribute__((always_inline)) sl_status end_slot(sl_pq_writer *w, pq_wcol *c,
                                                                bool present)
{
    if (c->def.list || (c->max_def && c->defs.len == c->defs.cap))
        return end_slot_slow(w, c, present);
    if (c->max_def)
        c->defs.data[c->defs.len++] = present ? c->max_def : 0;
    c->got = true;
    if (!w->batch)   /* a batch's bytes are summed when it is written */
        w->rg_bytes += 2;
    c->nslots++;
    c->nvalues += present;
    return SL_OK;
}

static inline __attribute__((always_inline)) sl_status put_value(sl_pq_writer *w, pq_wcol *c,
                                                                 const void *p, size_t n)
{
    sl_status s = put(&c->values, p, n);
    if (s)
        return pq_fail_mem(w, s, c);
    if (!w->batch)
        w->rg_bytes += n;
    return end_slot(w, c, true);
}

sl_status sl_pq_write_null(sl_pq_writer *w, size_t col)
{
    pq_wcol *c;
    sl_status s = begin_value(w, col, CALL_NULL, &c);
    return s ? s : end_slot(w, c, false);
}

sl_status sl_pq_write_bool(sl_pq_writer *w, size_t col, bool v)
{
    pq_wcol *c;
    sl_status s = begin_value(w, col, CALL_BOOL, &c);
    uint8_t b = v;
    return s ? s : put_value(w, c, &b, 1);
}

static void put_be128(uint8_t out[16], int64_t hi, uint64_t lo)
{
    for (int i = 0; i < 8; i++) {
        out[7 - i] = (uint8_t)((uint64_t)hi >> (8 * i));
        out[15 - i] = (uint8_t)(lo >> (8 * i));
    }
}

sl_status sl_pq_write_int(sl_pq_writer *w, size_t col, int64_t v)
{
    pq_wcol *c;
    sl_status s = begin_value(w, col, CALL_INT, &c);
    if (s || (s = pq_int_range(w, c, v)))
        return s;
    if (c->width == 4) {
        int32_t x = (int32_t)v;
        return put_value(w, c, &x, 4);
    }
    if (c->width == 8)
        return put_value(w, c, &v, 8);
    uint8_t be[16];
    put_be128(be, v < 0 ? -1 : 0, (uint64_t)v);
    return put_value(w, c, be, 16);
}

sl_status sl_pq_write_decimal128(sl_pq_writer *w, size_t col, int64_t hi, uint64_t lo)
{
    pq_wcol *c;
    sl_status s = begin_value(w, col, CALL_DEC128, &c);
    if (s)
        return s;
    __extension__ typedef unsigned __int128 u128;
    u128 mag = (u128)(uint64_t)hi << 64 | lo;
    if (hi < 0)
        mag = ~mag + 1;
    u128 p10 = 1;
    for (int i = 0; i < c->def.precision; i++)
        p10 *= 10;
    if (mag >= p10)
        return sl_error_set(&w->err, SL_ERR_USAGE,
                            "column '%s': the value has more than %d digits", c->name,
                            c->def.precision);
    uint8_t be[16];
    put_be128(be, hi, lo);
    return put_value(w, c, be, 16);
}

sl_status sl_pq_write_double(sl_pq_writer *w, size_t col, double v)
{
    pq_wcol *c;
    sl_status s = begin_value(w, col, CALL_DOUBLE, &c);
    if (s)
        return s;
    if (c->width == 4) {
        float f = (float)v;
        return put_value(w, c, &f, 4);
    }
    return put_value(w, c, &v, 8);
}

/* Buffers entry k (a first entry) of c's domain as the row's value. */
static sl_status put_index(sl_pq_writer *w, pq_wcol *c, uint32_t k)
{
    sl_status s = put(&c->values, &k, 4);
    if (s)
        return pq_fail_mem(w, s, c);
    uint64_t n = 4 + (uint64_t)pq_domain_len(c->dom, k);
    c->dom_bytes += n;
    if (!w->batch)
        w->rg_bytes += n;
    return end_slot(w, c, true);
}

sl_status sl_pq_write_index(sl_pq_writer *w, size_t col, uint32_t i)
{
    pq_wcol *c;
    sl_status s = begin_value(w, col, CALL_BYTES, &c);
    if (s)
        return s;
    if (!c->dom)
        return pq_no_domain(w, c);
    if (i >= c->dom->n)
        return pq_past_domain(w, c, i);
    return put_index(w, c, pq_domain_canon(c->dom, i));
}

sl_status sl_pq_writer_set_domain(sl_pq_writer *w, size_t col, const sl_pq_str *list, size_t n)
{
    if (w->failed)
        return w->failed;
    if (w->batch)
        return sl_error_set(&w->err, SL_ERR_USAGE, "a batch takes its writer's domains");
    if (col >= w->ncols)
        return sl_error_set(&w->err, SL_ERR_USAGE, "sl_pq_writer_set_domain: column %zu does not exist", col);
    pq_wcol *c = &w->cols[col];
    if (c->call != CALL_BYTES || c->def.list)
        return sl_error_set(&w->err, SL_ERR_USAGE, "column '%s': only a STRING or BINARY column that "
                            "is not a LIST takes a domain", c->name);
    if (w->rows || w->rg_rows || pq_row_open(w) || c->dom)
        return sl_error_set(&w->err, SL_ERR_USAGE, "column '%s': a domain is set once, before the "
                            "first row", c->name);
    pq_domain *d;
    sl_status s = pq_domain_new(list, n, &d);
    if (s == SL_ERR_NOMEM)
        return sl_error_set(&w->err, s, "out of memory");
    if (s)
        return sl_error_set(&w->err, s, "column '%s': a domain needs 1 to %u strings, each "
                            "shorter than 2 GiB", c->name, UINT32_MAX / 4);
    c->dom = d;
    w->job.cols[col].dom = d;
    return SL_OK;
}

sl_status sl_pq_write_bytes(sl_pq_writer *w, size_t col, const void *p, size_t len)
{
    pq_wcol *c;
    sl_status s = begin_value(w, col, CALL_BYTES, &c);
    if (s)
        return s;
    if (len > INT32_MAX - 64)
        return pq_too_long(w, c, len);
    if (c->dom) {
        uint32_t k = pq_domain_find(c->dom, p, len);
        return k == UINT32_MAX ? pq_not_in_domain(w, c, len) : put_index(w, c, k);
    }
    if ((s = sl_buf_reserve(&c->values, 4 + len)))
        return pq_fail_mem(w, s, c);
    uint32_t n = (uint32_t)len;
    uint8_t *at = c->values.data + c->values.len;   /* one load: the stores below may alias */
    memcpy(at, &n, 4);
    sl_copy_short(at + 4, p, len);
    c->values.len += 4 + len;
    if (!w->batch)
        w->rg_bytes += 4 + len;
    return end_slot(w, c, true);
}

sl_status sl_pq_write_list_begin(sl_pq_writer *w, size_t col)
{
    if (w->failed)
        return w->failed;
    if (col >= w->ncols)
        return sl_error_set(&w->err, SL_ERR_USAGE, "sl_pq_write_list_begin: column %zu does not exist", col);
    pq_wcol *c = &w->cols[col];
    if (!c->def.list)
        return sl_error_set(&w->err, SL_ERR_USAGE, "column '%s' is not a LIST", c->name);
    if (c->got)
        return sl_error_set(&w->err, SL_ERR_USAGE, "column '%s' already has a value in row %llu",
                            c->name, (unsigned long long)w->rows);
    c->got = true;
    c->in_list = true;
    c->list_len = 0;
    return SL_OK;
}

sl_status sl_pq_write_list_end(sl_pq_writer *w, size_t col)
{
    if (w->failed)
        return w->failed;
    if (col >= w->ncols || !w->cols[col].in_list)
        return sl_error_set(&w->err, SL_ERR_USAGE, "sl_pq_write_list_end: column %zu has no open list", col);
    pq_wcol *c = &w->cols[col];
    c->in_list = false;
    if (c->list_len == 0) {
        /* An empty list: one slot, defined up to the (optional) list itself. */
        sl_status s;
        if ((s = sl_buf_putc(&c->reps, 0)) || (s = sl_buf_putc(&c->defs, c->def.optional)))
            return pq_fail_mem(w, s, c);
        c->nslots++;
        w->rg_bytes += 2;
    }
    return SL_OK;
}

/* The end of sl_pq_write_end_row once the row is complete: count it, and at a
 * threshold hand the row group over. */
static sl_status row_done(sl_pq_writer *w)
{
    w->rows++;
    w->rg_rows++;
    if (w->batch)
        return SL_OK;   /* a batch holds its rows until sl_pq_write_batch */
    if (w->rg_rows >= w->opt.row_group_rows || w->rg_bytes >= w->opt.row_group_bytes)
        return pq_flush(w, true);
    return SL_OK;
}

/* The value calls for one value of sl_pq_write_row's slow path. */
static sl_status put_one(sl_pq_writer *w, size_t col, const sl_pq_value *v)
{
    switch (v->kind) {
    case SL_PQV_NULL: return sl_pq_write_null(w, col);
    case SL_PQV_BOOL: return sl_pq_write_bool(w, col, v->u.i != 0);
    case SL_PQV_INT: return sl_pq_write_int(w, col, v->u.i);
    case SL_PQV_DOUBLE: return sl_pq_write_double(w, col, v->u.d);
    case SL_PQV_BYTES: return sl_pq_write_bytes(w, col, v->u.s.p, v->u.s.len);
    case SL_PQV_INDEX:
        if (v->u.i < 0 || v->u.i > UINT32_MAX)
            return sl_error_set(&w->err, SL_ERR_USAGE, "sl_pq_write_row: column %zu: index %lld is "
                                "out of range", col, (long long)v->u.i);
        return sl_pq_write_index(w, col, (uint32_t)v->u.i);
    }
    return sl_error_set(&w->err, SL_ERR_USAGE, "sl_pq_write_row: column %zu: unknown value kind %d",
                        col, (int)v->kind);
}

/* Takes back the values sl_pq_write_row appended to columns [0, n). */
static void undo_row(sl_pq_writer *w, const sl_pq_value *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        pq_wcol *c = &w->cols[i];
        bool present = v[i].kind != SL_PQV_NULL;
        if (present && c->dom) {
            uint32_t k;
            memcpy(&k, c->values.data + c->values.len - 4, 4);
            c->values.len -= 4;
            c->dom_bytes -= 4 + (uint64_t)pq_domain_len(c->dom, k);
        } else if (present) {
            c->values.len -= c->width ? c->width : 4 + v[i].u.s.len;
        }
        if (c->max_def)
            c->defs.len--;
        c->nslots--;
        c->nvalues -= present;
    }
}

sl_status sl_pq_write_row(sl_pq_writer *w, const sl_pq_value *v)
{
    if (w->failed)
        return w->failed;
    if (atomic_load_explicit(&w->job.failed, memory_order_relaxed))
        return pq_wait(w);
    /* A value that fits its column with nothing to report (its kind, its range, a
     * null into an optional column, no value yet) is appended as its value call
     * would; at the first that does not, the columns before it are taken back and
     * the row goes through the value calls, with their checks and messages. */
    uint64_t bytes = 0;
    size_t i;
    for (i = 0; !w->nlists && i < w->ncols; i++) {
        pq_wcol *c = &w->cols[i];
        const sl_pq_value *x = &v[i];
        sl_status s = SL_OK;
        size_t n;
        if (c->got)
            break;
        switch (x->kind) {
        case SL_PQV_NULL:
            if (!c->def.optional)
                goto slow;
            n = 0;
            break;
        case SL_PQV_BYTES:
            if (c->call != CALL_BYTES || c->dom || x->u.s.len > INT32_MAX - 64)
                goto slow;
            n = 4 + x->u.s.len;
            if (!(s = sl_buf_reserve(&c->values, n))) {
                uint32_t len = (uint32_t)x->u.s.len;
                uint8_t *at = c->values.data + c->values.len;
                memcpy(at, &len, 4);
                sl_copy_short(at + 4, x->u.s.p, x->u.s.len);
                c->values.len += n;
            }
            break;
        case SL_PQV_INT:
            if (c->call != CALL_INT || x->u.i < c->int_lo || x->u.i > c->int_hi)
                goto slow;
            n = c->width;
            if (n == 4) {
                int32_t k = (int32_t)x->u.i;
                s = put(&c->values, &k, 4);
            } else {
                s = put(&c->values, &x->u.i, 8);
            }
            break;
        case SL_PQV_DOUBLE:
            if (c->call != CALL_DOUBLE)
                goto slow;
            n = c->width;
            if (n == 4) {
                float f = (float)x->u.d;
                s = put(&c->values, &f, 4);
            } else {
                s = put(&c->values, &x->u.d, 8);
            }
            break;
        case SL_PQV_INDEX: {
            const pq_domain *d = c->dom;
            if (!d || x->u.i < 0 || (uint64_t)x->u.i >= d->n)
                goto slow;
            uint32_t k = pq_domain_canon(d, (uint32_t)x->u.i);
            n = 4 + (size_t)pq_domain_len(d, k);
            c->dom_bytes += n;
            s = put(&c->values, &k, 4);
            break;
        }
        case SL_PQV_BOOL: {
            if (c->call != CALL_BOOL)
                goto slow;
            uint8_t b = x->u.i != 0;
            n = 1;
            s = put(&c->values, &b, 1);
            break;
        }
        default:
            goto slow;
        }
        if (!s && c->max_def)
            s = sl_buf_putc(&c->defs, x->kind == SL_PQV_NULL ? 0 : c->max_def);
        if (s)
            return pq_fail_mem(w, s, c);
        c->nslots++;
        c->nvalues += x->kind != SL_PQV_NULL;
        bytes += n + 2;
    }
    if (i == w->ncols) {
        if (!w->batch)
            w->rg_bytes += bytes;
        return row_done(w);
    }
slow:
    undo_row(w, v, i);
    for (i = 0; i < w->ncols; i++) {
        sl_status s = put_one(w, i, &v[i]);
        if (s)
            return s;
    }
    return sl_pq_write_end_row(w);
}

sl_status sl_pq_write_end_row(sl_pq_writer *w)
{
    if (w->failed)
        return w->failed;
    /* A failed background job stops the caller at the next row, not a row group later. */
    if (atomic_load_explicit(&w->job.failed, memory_order_relaxed))
        return pq_wait(w);
    /* No count of the columns filled is kept: one shared counter, incremented by
     * every value call, was a dependency chain through memory across the row. */
    for (size_t i = 0; i < w->ncols; i++)
        if (!w->cols[i].got)
            return sl_error_set(&w->err, SL_ERR_USAGE, "row %llu ended without a value for column '%s'",
                                (unsigned long long)w->rows, w->cols[i].name);
    for (size_t i = 0; w->nlists && i < w->ncols; i++) {
        pq_wcol *c = &w->cols[i];
        if (c->in_list)
            return sl_error_set(&w->err, SL_ERR_USAGE,
                                "row %llu ended with the list of column '%s' still open",
                                (unsigned long long)w->rows, c->name);
    }
    for (size_t i = 0; i < w->ncols; i++)
        w->cols[i].got = false;
    return row_done(w);
}

sl_status sl_pq_writer_close(sl_pq_writer *w, bool fsync_file, sl_error *err)
{
    if (!w)
        return SL_OK;
    if (w->batch) {   /* no file: closing a batch drops its rows */
        sl_error_clear(err);
        writer_free(w);
        return SL_OK;
    }
    sl_status s = pq_wait(w);
    if (!s && pq_row_open(w))
        s = sl_error_set(&w->err, SL_ERR_USAGE, "close in the middle of row %llu: end the row first",
                         (unsigned long long)w->rows);
    if (!s)
        s = pq_flush(w, false);
    if (!s)
        s = pq_write_footer(w);
    if (!s && fsync_file && fsync(w->fd) != 0)
        s = sl_error_set(&w->err, errno == ENOSPC ? SL_ERR_NOSPACE : SL_ERR_IO,
                         "cannot fsync '%s': %s", w->path, strerror(errno));
    if (w->fd >= 0) {
        int rc = close(w->fd);
        w->fd = -1;
        if (!s && rc != 0)
            s = sl_error_set(&w->err, errno == ENOSPC ? SL_ERR_NOSPACE : SL_ERR_IO,
                             "cannot close '%s': %s", w->path, strerror(errno));
    }
    if (s && err)
        *err = w->err;
    else if (err)
        sl_error_clear(err);
    writer_free(w);
    return s;
}

/* writer_free waits for the row group in flight before it closes the file. */
void sl_pq_writer_abort(sl_pq_writer *w)
{
    writer_free(w);
}
