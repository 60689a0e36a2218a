/* Rows out: a generated row as a JSON object (objects nested as the schema nests
 * them), as a CSV record (nested columns flattened as <object>_<column>), or as a
 * Parquet row. Hidden columns are left out everywhere. */
#include "gen/emit.h"

#include "base/bytes.h"
#include "base/digits.h"
#include "gen/expr_impl.h"
#include "gen/run.h"

#include <stdlib.h>
#include <string.h>

#include "schema/infer.h"
#include "sluice/json.h"

/* unscaled / 10^scale as plain decimal text. */
static size_t put_decimal(char *out, int64_t unscaled, int scale)
{
    size_t n = 0;
    uint64_t u = unscaled < 0 ? 0 - (uint64_t)unscaled : (uint64_t)unscaled;
    if (unscaled < 0)
        out[n++] = '-';
    char digits[24];
    size_t d = sl_put_u64(digits, u);
    if (scale <= 0) {
        memcpy(out + n, digits, d);
        return n + d;
    }
    if (d <= (size_t)scale) {
        out[n++] = '0';
        out[n++] = '.';
        for (size_t i = d; i < (size_t)scale; i++)
            out[n++] = '0';
        memcpy(out + n, digits, d);
        return n + d;
    }
    memcpy(out + n, digits, d - (size_t)scale);
    n += d - (size_t)scale;
    out[n++] = '.';
    memcpy(out + n, digits + d - (size_t)scale, (size_t)scale);
    return n + (size_t)scale;
}

/* A scalar as JSON. quote_times: dates and times are strings in JSON. */
static sl_status json_scalar(const sl_val *v, sl_buf *out)
{
    char tmp[64];
    size_t n;
    switch (v->kind) {
    case SL_VAL_NULL:
        return sl_buf_append(out, "null", 4);
    case SL_VAL_BOOL:
        return v->u.b ? sl_buf_append(out, "true", 4) : sl_buf_append(out, "false", 5);
    case SL_VAL_INT:
        n = sl_put_i64(tmp, v->u.i);
        return sl_buf_append(out, tmp, n);
    case SL_VAL_DOUBLE:
        return sl_json_write_double(out, v->u.d);
    case SL_VAL_DECIMAL:
        n = put_decimal(tmp, v->u.dec.unscaled, v->u.dec.scale);
        return sl_buf_append(out, tmp, n);
    case SL_VAL_STRING:
        return sl_json_write_string(out, v->u.s.ptr, v->u.s.len);
    case SL_VAL_DATE: case SL_VAL_TIME: case SL_VAL_TIMESTAMP:
        tmp[0] = '"';
        n = v->kind == SL_VAL_DATE ? sl_format_date(v->u.i, tmp + 1)
            : v->kind == SL_VAL_TIME ? sl_format_time(v->u.i, tmp + 1)
                                     : sl_format_timestamp(v->u.i, true, tmp + 1);
        tmp[n + 1] = '"';
        return sl_buf_append(out, tmp, n + 2);
    case SL_VAL_LIST: {
        sl_status st = sl_buf_putc(out, '[');
        for (size_t i = 0; st == SL_OK && i < v->u.list.len; i++) {
            if (i && (st = sl_buf_putc(out, ',')) != SL_OK)
                break;
            st = json_scalar(&v->u.list.items[i], out);
        }
        return st ? st : sl_buf_putc(out, ']');
    }
    }
    return SL_ERR_USAGE;
}

sl_status sl_emit_prepare(sl_gtable *t, sl_arena *arena)
{
    sl_buf b;
    sl_buf_init(&b, 0);
    sl_status st = sl_buf_putc(&b, '{');
    int depth = 0;
    bool first = true;
    for (size_t i = 0; st == SL_OK && i < t->ncols; i++) {
        sl_gcol *c = &t->cols[i];
        c->jprefix = NULL;
        if (c->hidden)
            continue;
        for (; depth > c->depth && st == SL_OK; depth--)
            st = sl_buf_putc(&b, '}');
        if (!first && st == SL_OK)
            st = sl_buf_putc(&b, ',');
        first = false;
        if (st == SL_OK)
            st = sl_json_write_string(&b, c->name, strlen(c->name));
        if (st == SL_OK)
            st = sl_buf_putc(&b, ':');
        if (st == SL_OK && c->gen == G_OBJECT) {
            /* an object's text opens it; its first member follows without a comma */
            st = sl_buf_putc(&b, '{');
            depth++;
            first = true;
            continue;
        }
        if (st != SL_OK)
            break;
        if (!(c->jprefix = sl_arena_strndup(arena, (const char *)b.data, b.len)))
            st = SL_ERR_NOMEM;
        c->jprefix_len = (uint32_t)b.len;
        sl_buf_clear(&b);
    }
    /* an object with no visible members still opens and closes */
    for (; depth > 0 && st == SL_OK; depth--)
        st = sl_buf_putc(&b, '}');
    if (st == SL_OK)
        st = sl_buf_putc(&b, '}');
    if (st == SL_OK && !(t->jsuffix = sl_arena_strndup(arena, (const char *)b.data, b.len)))
        st = SL_ERR_NOMEM;
    t->jsuffix_len = (uint32_t)b.len;
    sl_buf_free(&b);
    return st;
}

/* The text of a day, YYYY-MM-DD, from a small cache per thread: a run's dates and
 * timestamps fall on a few hundred days, and the calendar conversion was most of
 * the time of formatting them (sl_format_date, 6% of an NDJSON run). A day whose
 * text is longer (a year past 9999) is formatted each time. */
typedef struct day_text {
    int64_t day;
    uint8_t len;             /* 0: empty */
    char text[15];
} day_text;

#define DAY_CACHE 512
static _Thread_local day_text day_cache[DAY_CACHE];

static size_t put_day(int64_t day, char *out)
{
    day_text *e = &day_cache[(uint64_t)day % DAY_CACHE];
    if (e->len == 0 || e->day != day) {
        char tmp[48];
        size_t n = sl_format_date(day, tmp);
        if (n >= sizeof e->text) {
            memcpy(out, tmp, n);
            return n;
        }
        e->day = day;
        e->len = (uint8_t)n;
        memcpy(e->text, tmp, n);
    }
    sl_copy_short(out, e->text, e->len);
    return e->len;
}

/* sl_format_timestamp(us, true, out) with the day from put_day. */
static size_t put_timestamp(int64_t us, char *out)
{
    size_t k = put_day(sl_expr_floor_div(us, SL_US_PER_DAY), out);
    out[k++] = 'T';
    k += sl_format_time(sl_expr_floor_mod(us, SL_US_PER_DAY), out + k);
    out[k++] = 'Z';
    return k;
}

sl_status sl_emit_json_row(const sl_gtable *t, const sl_val *vals, sl_buf *out)
{
    sl_status st = SL_OK;
    for (size_t i = 0; st == SL_OK && i < t->ncols; i++) {
        const sl_gcol *c = &t->cols[i];
        if (!c->jprefix)
            continue;
        if ((st = sl_buf_reserve(out, c->jprefix_len + 48)) != SL_OK)
            break;
        sl_copy_short(out->data + out->len, c->jprefix, c->jprefix_len);
        out->len += c->jprefix_len;
        const sl_val *v = &vals[i];
        char *p = (char *)out->data + out->len;
        switch (v->kind) {
        case SL_VAL_INT:
            out->len += sl_put_i64(p, v->u.i);
            break;
        case SL_VAL_DECIMAL:
            out->len += put_decimal(p, v->u.dec.unscaled, v->u.dec.scale);
            break;
        case SL_VAL_BOOL:
            memcpy(p, v->u.b ? "true" : "false", v->u.b ? 4 : 5);
            out->len += v->u.b ? 4 : 5;
            break;
        case SL_VAL_NULL:
            memcpy(p, "null", 4);
            out->len += 4;
            break;
        case SL_VAL_STRING:
            if (v->plain) {
                if ((st = sl_buf_reserve(out, v->u.s.len + 2)) != SL_OK)
                    break;
                p = (char *)out->data + out->len;
                p[0] = '"';
                sl_copy_short(p + 1, v->u.s.ptr, v->u.s.len);
                p[v->u.s.len + 1] = '"';
                out->len += v->u.s.len + 2;
                break;
            }
            st = json_scalar(v, out);
            break;
        case SL_VAL_DATE:
            p[0] = '"';
            p += 1 + put_day(v->u.i, p + 1);
            *p = '"';
            out->len = (size_t)(p + 1 - (char *)out->data);
            break;
        case SL_VAL_TIMESTAMP:   /* 28 bytes in the years 0 to 9999; 48 reserved */
            p[0] = '"';
            p += 1 + put_timestamp(v->u.i, p + 1);
            *p = '"';
            out->len = (size_t)(p + 1 - (char *)out->data);
            break;
        default:
            st = json_scalar(v, out);
        }
    }
    return st ? st : sl_buf_append(out, t->jsuffix, t->jsuffix_len);
}

static bool csv_needs_quotes(const char *s, size_t n)
{
    if (n == 0)
        return true;   /* an empty string is "" so that it differs from null */
    for (size_t i = 0; i < n; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
            return true;
    return s[0] == ' ' || s[n - 1] == ' ';
}

static sl_status csv_text(const char *s, size_t n, sl_buf *out)
{
    if (!csv_needs_quotes(s, n))
        return sl_buf_append(out, s, n);
    sl_status st = sl_buf_putc(out, '"');
    for (size_t i = 0; st == SL_OK && i < n; i++) {
        if (s[i] == '"')
            st = sl_buf_putc(out, '"');
        if (st == SL_OK)
            st = sl_buf_putc(out, (uint8_t)s[i]);
    }
    return st ? st : sl_buf_putc(out, '"');
}

sl_status sl_emit_csv_header(const sl_gtable *t, sl_buf *out)
{
    sl_status st = SL_OK;
    bool first = true;
    for (size_t i = 0; st == SL_OK && i < t->ncols; i++) {
        const sl_gcol *c = &t->cols[i];
        if (c->hidden || c->gen == G_OBJECT)
            continue;
        if (!first)
            st = sl_buf_putc(out, ',');
        first = false;
        if (st == SL_OK)
            st = csv_text(c->path, strlen(c->path), out);
    }
    return st ? st : sl_buf_putc(out, '\n');
}

sl_status sl_emit_csv_row(const sl_gtable *t, const sl_val *vals, sl_buf *out, sl_buf *tmp)
{
    sl_status st = SL_OK;
    bool first = true;
    for (size_t i = 0; st == SL_OK && i < t->ncols; i++) {
        const sl_gcol *c = &t->cols[i];
        if (c->hidden || c->gen == G_OBJECT)
            continue;
        if (!first && (st = sl_buf_putc(out, ',')) != SL_OK)
            break;
        first = false;
        const sl_val *v = &vals[i];
        if (v->kind == SL_VAL_NULL)
            continue;
        if (v->kind == SL_VAL_STRING) {
            st = v->plain ? sl_buf_append(out, v->u.s.ptr, v->u.s.len) : csv_text(v->u.s.ptr, v->u.s.len, out);
        } else if (v->kind == SL_VAL_LIST) {
            /* a list is its JSON text in one field */
            sl_buf_clear(tmp);
            st = json_scalar(v, tmp);
            if (st == SL_OK)
                st = csv_text((const char *)tmp->data, tmp->len, out);
        } else if (v->kind == SL_VAL_DATE || v->kind == SL_VAL_TIME || v->kind == SL_VAL_TIMESTAMP) {
            char b[64];
            size_t n = v->kind == SL_VAL_DATE ? put_day(v->u.i, b)
                       : v->kind == SL_VAL_TIME ? sl_format_time(v->u.i, b)
                                                : put_timestamp(v->u.i, b);
            st = sl_buf_append(out, b, n);
        } else {
            st = json_scalar(v, out);
        }
    }
    return st ? st : sl_buf_putc(out, '\n');
}

static sl_pq_type pq_type(sl_gtype t)
{
    switch (t) {
    case SL_G_BOOL: return SL_PQ_BOOL;
    case SL_G_INT8: return SL_PQ_INT8;
    case SL_G_INT16: return SL_PQ_INT16;
    case SL_G_INT32: return SL_PQ_INT32;
    case SL_G_INT64: return SL_PQ_INT64;
    case SL_G_DOUBLE: return SL_PQ_DOUBLE;
    case SL_G_DECIMAL: return SL_PQ_DECIMAL;
    case SL_G_DATE: return SL_PQ_DATE;
    case SL_G_TIME: return SL_PQ_TIME;
    case SL_G_TIMESTAMP: return SL_PQ_TIMESTAMP;
    default: return SL_PQ_STRING;
    }
}

size_t sl_emit_pq_columns(const sl_gtable *t, sl_pq_column *cols)
{
    size_t n = 0;
    for (size_t i = 0; i < t->ncols; i++) {
        const sl_gcol *c = &t->cols[i];
        if (c->hidden || c->gen == G_OBJECT)
            continue;
        sl_pq_column *p = &cols[n++];
        memset(p, 0, sizeof *p);
        p->name = c->path;
        p->type = pq_type(c->type);
        p->list = c->list;
        p->optional = true;
        p->element_optional = false;
        p->time_unit = SL_PQ_MICROS;
        p->utc = true;
        p->precision = c->precision;
        p->scale = c->scale;
    }
    return n;
}

static sl_status pq_scalar(sl_pq_writer *w, size_t col, const sl_val *v)
{
    switch (v->kind) {
    case SL_VAL_NULL: return sl_pq_write_null(w, col);
    case SL_VAL_BOOL: return sl_pq_write_bool(w, col, v->u.b);
    case SL_VAL_INT: case SL_VAL_DATE: case SL_VAL_TIME: case SL_VAL_TIMESTAMP:
        return sl_pq_write_int(w, col, v->u.i);
    case SL_VAL_DECIMAL: return sl_pq_write_int(w, col, v->u.dec.unscaled);
    case SL_VAL_DOUBLE: return sl_pq_write_double(w, col, v->u.d);
    case SL_VAL_STRING: return sl_pq_write_bytes(w, col, v->u.s.ptr, v->u.s.len);
    default: return SL_ERR_USAGE;
    }
}

/* A scalar as sl_pq_write_row takes it; false for a list. */
static bool pq_value(const sl_val *v, sl_pq_value *out)
{
    switch (v->kind) {
    case SL_VAL_NULL: out->kind = SL_PQV_NULL; return true;
    case SL_VAL_BOOL: out->kind = SL_PQV_BOOL; out->u.i = v->u.b; return true;
    case SL_VAL_INT: case SL_VAL_DATE: case SL_VAL_TIME: case SL_VAL_TIMESTAMP:
        out->kind = SL_PQV_INT;
        out->u.i = v->u.i;
        return true;
    case SL_VAL_DECIMAL: out->kind = SL_PQV_INT; out->u.i = v->u.dec.unscaled; return true;
    case SL_VAL_DOUBLE: out->kind = SL_PQV_DOUBLE; out->u.d = v->u.d; return true;
    case SL_VAL_STRING:
        out->kind = SL_PQV_BYTES;
        out->u.s.p = v->u.s.ptr;
        out->u.s.len = v->u.s.len;
        return true;
    default: return false;
    }
}

/* The fixed list column c draws its strings from, in x (x->n 0: none; rt: the
 * column's run constants). SL_ERR_NOMEM or SL_OK. */
static sl_status pq_domain_of(const sl_gcol *c, const sl_gcolrt *rt, sl_emit_dom *x)
{
    const sl_dict *d1 = NULL, *d2 = NULL;
    bool second = false;
    memset(x, 0, sizeof *x);
    if (c->type != SL_G_STRING || c->list || c->hidden)
        return SL_OK;
    switch (c->gen) {
    case G_CONST: case G_CHOICE:
        for (size_t i = 0; i < c->nvalues; i++)
            if (c->values[i].kind != SL_VAL_STRING || c->values[i].u.s.sym != i)
                return SL_OK;
        x->vals = c->values;
        x->n = c->nvalues;
        break;
    case G_REF:
        if (!rt->parent_keys || rt->parent_n > UINT32_MAX / 4)
            return SL_OK;
        for (uint64_t k = 0; k < rt->parent_n; k++)
            if (rt->parent_keys[k].kind != SL_VAL_STRING)
                return SL_OK;
        x->vals = rt->parent_keys;
        x->n = (size_t)rt->parent_n;
        break;
    case G_DICT: case G_CITY: case G_LAST_NAME: d1 = c->dict; break;
    case G_STATE: d1 = c->dict; second = true; break;
    case G_FIRST_NAME: d1 = c->dict; d2 = c->dict2; break;
    default: return SL_OK;
    }
    if (d1) {
        if (!d1->n || (second && !d1->second) || (c->gen == G_FIRST_NAME && (!d2 || !d2->n)))
            return SL_OK;
        x->e1 = second ? d1->second : d1->entry;
        x->l1 = second ? d1->second_len : d1->len;
        x->n1 = d1->n;
        x->n = d1->n;
        if (d2) {
            x->e2 = d2->entry;
            x->l2 = d2->len;
            x->n += d2->n;
        }
    }
    if (!(x->list = malloc(x->n * sizeof *x->list)))
        return SL_ERR_NOMEM;
    for (size_t i = 0; i < x->n; i++) {
        if (x->vals)
            x->list[i] = (sl_pq_str){x->vals[i].u.s.ptr, x->vals[i].u.s.len};
        else if (i < x->n1)
            x->list[i] = (sl_pq_str){x->e1[i], x->l1[i]};
        else
            x->list[i] = (sl_pq_str){x->e2[i - x->n1], x->l2[i - x->n1]};
    }
    return SL_OK;
}

enum { B_INT, B_DOUBLE, B_BOOL, B_BYTES };

/* The block call of c's Parquet column (see pq_type). */
static uint8_t block_call(const sl_gcol *c)
{
    switch (c->type) {
    case SL_G_BOOL: return B_BOOL;
    case SL_G_DOUBLE: return B_DOUBLE;
    case SL_G_STRING: case SL_G_OBJECT: return B_BYTES;
    default: return B_INT;
    }
}

void sl_emit_pq_free(sl_emit_pq *e)
{
    if (!e)
        return;
    for (size_t i = 0; e->dom && i < e->ncols; i++)
        free(e->dom[i].list);
    free(e->dom);
    free(e->src);
    free(e->call);
    memset(e, 0, sizeof *e);
}

sl_status sl_emit_pq_init(sl_emit_pq *e, const sl_gplan *p, int t, bool domains, sl_pq_writer *w)
{
    const sl_gtable *tb = &p->s->tables[t];
    memset(e, 0, sizeof *e);
    e->t = tb;
    e->src = malloc((tb->ncols ? tb->ncols : 1) * sizeof *e->src);
    e->dom = calloc(tb->ncols ? tb->ncols : 1, sizeof *e->dom);
    e->call = calloc(tb->ncols ? tb->ncols : 1, sizeof *e->call);
    if (!e->src || !e->dom || !e->call) {
        sl_emit_pq_free(e);
        return SL_ERR_NOMEM;
    }
    e->blocks = true;
    for (size_t i = 0; i < tb->ncols; i++) {
        const sl_gcol *c = &tb->cols[i];
        if (c->hidden || c->gen == G_OBJECT)
            continue;
        size_t k = e->ncols++;
        e->src[k] = i;
        e->call[k] = block_call(c);
        if (c->list || (c->type == SL_G_DECIMAL && c->precision > 18))
            e->blocks = false;
        if (!domains)
            continue;
        sl_status st = pq_domain_of(c, &p->rt[t][i], &e->dom[k]);
        if (st == SL_OK && e->dom[k].list)
            st = sl_pq_writer_set_domain(w, k, e->dom[k].list, e->dom[k].n);
        if (st != SL_OK) {
            sl_emit_pq_free(e);
            return st;
        }
    }
    return SL_OK;
}

/* Whether v is entry v->u.s.sym of d's list: the very string the generator took
 * from there (the same pointer and length). */
static inline bool from_list(const sl_emit_dom *d, const sl_val *v)
{
    uint32_t k = v->u.s.sym;
    if (v->kind != SL_VAL_STRING || k >= d->n)
        return false;
    if (d->vals)
        return d->vals[k].u.s.ptr == v->u.s.ptr && d->vals[k].u.s.len == v->u.s.len;
    if (k < d->n1)
        return d->e1[k] == v->u.s.ptr && d->l1[k] == v->u.s.len;
    return d->e2[k - d->n1] == v->u.s.ptr && d->l2[k - d->n1] == v->u.s.len;
}

sl_status sl_emit_pq_row(const sl_emit_pq *e, const sl_val *vals, sl_pq_writer *w)
{
    /* A row of scalars in one call; one with a list value by value. A string of a
     * column with a domain goes as its index when it is the list's entry. */
    sl_pq_value row[64];
    bool whole = e->ncols <= sizeof row / sizeof row[0];
    for (size_t i = 0; whole && i < e->ncols; i++) {
        const sl_val *v = &vals[e->src[i]];
        if (e->dom[i].list && from_list(&e->dom[i], v)) {
            row[i].kind = SL_PQV_INDEX;
            row[i].u.i = v->u.s.sym;
            continue;
        }
        whole = pq_value(v, &row[i]);
    }
    if (whole)
        return sl_pq_write_row(w, row);
    for (size_t col = 0; col < e->ncols; col++) {
        const sl_val *v = &vals[e->src[col]];
        sl_status st;
        if (v->kind == SL_VAL_LIST) {
            st = sl_pq_write_list_begin(w, col);
            for (size_t k = 0; st == SL_OK && k < v->u.list.len; k++)
                st = pq_scalar(w, col, &v->u.list.items[k]);
            if (st == SL_OK)
                st = sl_pq_write_list_end(w, col);
        } else {
            st = pq_scalar(w, col, v);
        }
        if (st != SL_OK)
            return st;
    }
    return sl_pq_write_end_row(w);
}

/* One column of a block, gathered from the rows into the typed arrays the block
 * calls take, then appended. false when a value does not fit the call (the block
 * then goes row by row, where the value calls say why). One loop per call, each
 * with the test of its kinds only. */
static bool block_column(const sl_emit_pq *e, size_t i, const sl_val *rows, size_t stride, size_t n,
                         sl_pq_writer *b)
{
    union {
        int64_t i64[SL_EMIT_BLOCK];
        double f64[SL_EMIT_BLOCK];
        uint8_t b8[SL_EMIT_BLOCK];
        uint32_t idx[SL_EMIT_BLOCK];
        sl_pq_str str[SL_EMIT_BLOCK];
    } u;
    uint8_t present[SL_EMIT_BLOCK];
    size_t nulls = 0;
    const sl_val *v = rows + e->src[i];
    const sl_emit_dom *d = &e->dom[i];
#define EACH_PRESENT(fits, store)                              \
    for (size_t r = 0; r < n; r++, v += stride) {              \
        present[r] = v->kind != SL_VAL_NULL;                   \
        if (!present[r]) {                                     \
            nulls++;                                           \
            continue;                                          \
        }                                                      \
        if (!(fits))                                           \
            return false;                                      \
        store;                                                 \
    }
    switch (e->call[i]) {
    case B_INT:
        EACH_PRESENT(v->kind == SL_VAL_INT || v->kind == SL_VAL_DATE || v->kind == SL_VAL_TIMESTAMP ||
                     v->kind == SL_VAL_TIME || v->kind == SL_VAL_DECIMAL,
                     u.i64[r] = v->kind == SL_VAL_DECIMAL ? v->u.dec.unscaled : v->u.i)
        return sl_pq_batch_ints(b, i, u.i64, nulls ? present : NULL, n) == SL_OK;
    case B_DOUBLE:
        EACH_PRESENT(v->kind == SL_VAL_DOUBLE, u.f64[r] = v->u.d)
        return sl_pq_batch_doubles(b, i, u.f64, nulls ? present : NULL, n) == SL_OK;
    case B_BOOL:
        EACH_PRESENT(v->kind == SL_VAL_BOOL, u.b8[r] = v->u.b)
        return sl_pq_batch_bools(b, i, u.b8, nulls ? present : NULL, n) == SL_OK;
    default:
        if (d->list) {
            EACH_PRESENT(from_list(d, v), u.idx[r] = v->u.s.sym)
            return sl_pq_batch_indices(b, i, u.idx, nulls ? present : NULL, n) == SL_OK;
        }
        EACH_PRESENT(v->kind == SL_VAL_STRING, u.str[r] = ((sl_pq_str){v->u.s.ptr, v->u.s.len}))
        return sl_pq_batch_bytes(b, i, u.str, nulls ? present : NULL, n) == SL_OK;
    }
#undef EACH_PRESENT
}

sl_status sl_emit_pq_block(const sl_emit_pq *e, const sl_val *rows, size_t stride, size_t n,
                           sl_pq_writer *b)
{
    if (e->blocks && n <= SL_EMIT_BLOCK) {
        size_t i = 0;
        while (i < e->ncols && block_column(e, i, rows, stride, n, b))
            i++;
        if (i == e->ncols && sl_pq_batch_end_rows(b, n) == SL_OK)
            return SL_OK;
        sl_pq_batch_cancel_rows(b);
    }
    for (size_t r = 0; r < n; r++) {
        sl_status st = sl_emit_pq_row(e, rows + r * stride, b);
        if (st != SL_OK)
            return st;
    }
    return SL_OK;
}
