/* Plans (see norm_plan.h): a record's shape, compiled once, matched by many threads.
 *
 * A plan is a flat list of entries in the order of the record it was made from:
 * a scalar member names its part column; an object member is an OBJ entry, its
 * members, then an END entry. Matching walks a record's members against the list,
 * expecting the same order (one key comparison each) and, when a key is out of
 * place, looking it up among the entries of the same object. Members may be
 * missing (their columns get nulls, as sl_norm_add writes them); a member the plan
 * does not know, an array, or a value whose type would widen its column makes the
 * record not fit. Values are checked before anything is written, so a record that
 * does not fit leaves the batch untouched. */
#include "ingest/norm_plan.h"

#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "ingest/norm_impl.h"

enum { PLAN_OBJ = -1, PLAN_END = -2 };

typedef struct plan_entry {
    const char *key;        /* the member's own key, not flattened */
    uint32_t key_len;
    int32_t col;            /* part column, or PLAN_OBJ / PLAN_END */
    uint32_t end;           /* PLAN_OBJ: index of its PLAN_END */
} plan_entry;

struct sl_norm_plan {
    plan_entry *e;
    size_t ne, cap;
    size_t ncols;           /* the part's columns (== the table's) */
    sl_infer *inf;          /* each column's inferred type when the plan was made */
    sl_pq_column *pc;       /* each column as the part writes it */
    bool *covered;          /* a member maps to the column (while making) */
    bool counts_only;       /* rows are only counted: the normalizer infers (infer_only,
                             * or the records of its window) */
    uint64_t part_gen;
    sl_arena keys;
};

void sl_norm_plan_free(sl_norm_plan *p)
{
    if (!p)
        return;
    free(p->e);
    free(p->inf);
    free(p->pc);
    free(p->covered);
    sl_arena_free(&p->keys);
    free(p);
}

/* ---------------------------------------------------------------- making */

static plan_entry *add_entry(sl_norm_plan *p, const sl_json_member *m, int32_t col)
{
    if (p->ne == p->cap) {
        plan_entry *e = sl_grow_array(p->e, &p->cap, sizeof *e, 32);
        if (!e)
            return NULL;
        p->e = e;
    }
    char *k = m ? sl_arena_strndup(&p->keys, m->key, m->key_len) : NULL;
    if (m && !k)
        return NULL;
    if (m && m->key_len > UINT32_MAX)
        return NULL;
    p->e[p->ne] = (plan_entry){k, m ? (uint32_t)m->key_len : 0, col, 0};
    return &p->e[p->ne++];
}

/* The entries for obj's members; name holds the flattened prefix. False when a
 * member cannot be planned. */
static bool make_object(sl_norm_plan *p, const norm_table *t, const sl_json_value *obj,
                        sl_buf *name)
{
    size_t base = name->len;
    for (size_t i = 0; i < obj->u.obj.len; i++) {
        const sl_json_member *m = &obj->u.obj.members[i];
        const sl_json_value *v = &m->value;
        name->len = base;
        if ((base && sl_buf_putc(name, '_')) || sl_buf_append(name, m->key, m->key_len))
            return false;
        if (v->type == SL_JSON_ARRAY)
            return false;
        if (v->type == SL_JSON_OBJECT) {
            size_t at = p->ne;
            if (!add_entry(p, m, PLAN_OBJ) || !make_object(p, t, v, name) ||
                !add_entry(p, NULL, PLAN_END))
                return false;
            p->e[at].end = (uint32_t)(p->ne - 1);
            continue;
        }
        const norm_col *c = sl_norm_find_col(t, (const char *)name->data, name->len);
        if (!c || c->synthetic || (!p->counts_only && !c->in_part))
            return false;
        size_t j = (size_t)(c - t->cols);
        if (j >= p->ncols || (!p->counts_only && t->part_map[j] != j) || p->covered[j])
            return false;
        p->covered[j] = true;
        if (!add_entry(p, m, (int32_t)j))
            return false;
    }
    name->len = base;
    return true;
}

/* Whether n takes rows (a plan writes them) or only infers (a plan counts them):
 * with infer_only, and while the records of the window are observed. */
static bool counting(const sl_normalizer *n) { return n->opts.infer_only || n->windowing; }

/* One table, no keys, and, when rows are written, an open part whose columns are
 * the table's, in the table's order (open_part maps them one to one), with
 * nothing changed since it opened. */
static const norm_table *plannable(const sl_normalizer *n)
{
    if (n->opts.no_plans || n->finished || n->opts.documents || n->ntables != 1)
        return NULL;
    const norm_table *t = n->tables[0];
    if (t->key_col >= 0 || t->force_key)
        return NULL;
    if (counting(n))
        return t;
    if (!t->w || t->dirty || t->part_ncols != t->ncols)
        return NULL;
    return t;
}

sl_norm_plan *sl_norm_plan_make(const sl_normalizer *n, const sl_json_value *rec)
{
    /* the window's records must reach sl_norm_add, which keeps them */
    return n->windowing && !n->opts.infer_only ? NULL : sl_norm_plan_make_any(n, rec);
}

sl_norm_plan *sl_norm_plan_make_any(const sl_normalizer *n, const sl_json_value *rec)
{
    const norm_table *t = plannable(n);
    if (!t || rec->type != SL_JSON_OBJECT || t->ncols == 0)
        return NULL;
    sl_norm_plan *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    sl_arena_init(&p->keys, 4096);
    p->counts_only = counting(n);
    p->ncols = t->ncols;
    p->part_gen = t->part_gen;
    p->inf = malloc(p->ncols * sizeof *p->inf);
    p->pc = malloc(p->ncols * sizeof *p->pc);
    p->covered = calloc(p->ncols, sizeof *p->covered);
    sl_buf name;
    sl_buf_init(&name, 0);
    bool ok = p->inf && p->pc && p->covered && make_object(p, t, rec, &name);
    sl_buf_free(&name);
    if (!ok) {
        sl_norm_plan_free(p);
        return NULL;
    }
    for (size_t j = 0; j < p->ncols; j++) {
        p->inf[j] = t->cols[j].inf;
        p->pc[j] = t->cols[j].part_col; /* unset when only inferring: nothing is written */
        p->pc[j].name = NULL; /* writing a value needs only the type */
    }
    return p;
}

bool sl_norm_plan_valid(const sl_normalizer *n, const sl_norm_plan *p)
{
    const norm_table *t = p ? plannable(n) : NULL;
    if (!t || p->counts_only != counting(n) || t->ncols != p->ncols ||
        (!p->counts_only && t->part_gen != p->part_gen))
        return false;
    for (size_t j = 0; j < p->ncols; j++)
        if (memcmp(&t->cols[j].inf, &p->inf[j], sizeof p->inf[j]) != 0)
            return false;
    return true;
}

sl_status sl_norm_plan_open_batch(const sl_normalizer *n, const sl_norm_plan *p,
                                  sl_pq_writer **batch, sl_error *err)
{
    *batch = NULL;
    if (!sl_norm_plan_valid(n, p))
        return sl_error_set(err, SL_ERR_USAGE, "a batch for a plan that no longer holds");
    if (p->counts_only)
        return SL_OK; /* nothing is written: rows are only counted */
    return sl_pq_writer_open_batch(n->tables[0]->w, batch, err);
}

bool sl_norm_plan_counts_only(const sl_norm_plan *p) { return p->counts_only; }

sl_status sl_norm_plan_append(sl_normalizer *n, const sl_norm_plan *p, sl_pq_writer *batch,
                              uint64_t rows, sl_error *err)
{
    if (!sl_norm_plan_valid(n, p))
        return sl_error_set(err, SL_ERR_USAGE, "appending rows of a plan that no longer holds");
    norm_table *t = n->tables[0];
    if (p->counts_only) {
        t->rows += rows;
        n->ord_seen += rows;
        return SL_OK;
    }
    if (sl_pq_writer_rows(batch) != rows)
        return sl_error_set(err, SL_ERR_USAGE, "a batch of %llu rows, not %llu",
                            (unsigned long long)sl_pq_writer_rows(batch), (unsigned long long)rows);
    sl_status st = sl_pq_write_batch(t->w, batch);
    if (st) {
        if (err) {
            *err = *sl_pq_writer_error(t->w);
            if (!err->code)
                sl_error_set(err, st, "writing rows: %s", sl_strerror(st));
        }
        return st;
    }
    t->rows += rows;
    n->ord_written += rows;
    return SL_OK;
}

/* ---------------------------------------------------------------- matching */

/* For a string in a DATE, TIME or TIMESTAMP column: whether sl_infer_observe
 * classifies it as that same type (so it fits), and its value as
 * sl_norm_write_value writes it (days, or microseconds). Exactly the tests of
 * the classification that can pass for each type: a date is 10 bytes; a time has
 * its colon at [2], which no date or timestamp has; a timestamp is 16 to 40 bytes
 * with '-' at [4], which no date of 10 bytes or time can be, and its zone decides
 * between the two timestamp types. */
static bool time_value(uint8_t type, const sl_json_value *v, int64_t *out)
{
    const char *s = v->u.str.ptr;
    size_t n = v->u.str.len;
    bool zoned;
    int32_t days;
    switch (type) {
    case SL_T_DATE:
        if (n != 10 || !sl_parse_date(s, n, &days))
            return false;
        *out = days;
        return true;
    case SL_T_TIME:
        return n >= 8 && s[2] == ':' && sl_parse_time(s, n, out);
    case SL_T_TIMESTAMP:
    case SL_T_TIMESTAMP_NAIVE:
        return sl_parse_timestamp(s, n, out, &zoned) && zoned == (type == SL_T_TIMESTAMP);
    default:
        return false;
    }
}

static bool is_time(uint8_t type)
{
    return type == SL_T_DATE || type == SL_T_TIME || type == SL_T_TIMESTAMP ||
           type == SL_T_TIMESTAMP_NAIVE;
}

/* The cases of sl_infer_observe for a scalar in a column that has seen scalars,
 * kept to those that leave every field as it is (int_unsafe and scalar_seen
 * included: they change without the type changing). Tested against
 * sl_infer_observe over every state in tests/unit/test_norm_plan.c. */
bool sl_norm_value_fits(const sl_infer *c, const sl_json_value *v)
{
    if (v->type == SL_JSON_NULL)
        return c->nullable;
    if (c->list || !c->scalar_seen)
        return false;
    switch (v->type) {
    case SL_JSON_TRUE:
    case SL_JSON_FALSE:
        return c->type == SL_T_BOOL || c->type == SL_T_STRING;
    case SL_JSON_INT:
        if (!c->int_unsafe && !sl_infer_int_exact(v->u.num.i))
            return false;
        return c->type == SL_T_INT || c->type == SL_T_BIGINT || c->type == SL_T_STRING ||
               (c->type == SL_T_DOUBLE && !c->int_unsafe);
    case SL_JSON_DOUBLE:
        return c->type == SL_T_DOUBLE || c->type == SL_T_STRING;
    case SL_JSON_STRING: {
        int64_t t;
        return c->type == SL_T_STRING || time_value(c->type, v, &t);
    }
    default:
        return false; /* big integers, arrays, objects */
    }
}

/* Keys are short: compared here 8 bytes at a time, not through a call. */
static bool key_is(const plan_entry *e, const sl_json_member *m)
{
    size_t n = m->key_len;
    if (e->key_len != n)
        return false;
    const char *a = e->key, *b = m->key;
    for (; n >= 8; a += 8, b += 8, n -= 8) {
        uint64_t x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        if (x != y)
            return false;
    }
    for (; n; a++, b++, n--)
        if (*a != *b)
            return false;
    return true;
}

/* The entry for m among the members of the object whose entries are [lo, hi). */
static const plan_entry *lookup(const sl_norm_plan *p, size_t lo, size_t hi,
                                const sl_json_member *m)
{
    for (size_t k = lo; k < hi; k = p->e[k].col == PLAN_OBJ ? p->e[k].end + 1 : k + 1)
        if (key_is(&p->e[k], m))
            return &p->e[k];
    return NULL;
}

static bool match(const sl_norm_plan *p, size_t lo, size_t hi, const sl_json_value *obj,
                  const sl_json_value **vals)
{
    size_t k = lo;
    for (size_t i = 0; i < obj->u.obj.len; i++) {
        const sl_json_member *m = &obj->u.obj.members[i];
        const plan_entry *e = k < hi && key_is(&p->e[k], m) ? &p->e[k] : lookup(p, lo, hi, m);
        if (!e)
            return false;
        size_t at = (size_t)(e - p->e);
        if (e->col == PLAN_OBJ) {
            if (m->value.type != SL_JSON_OBJECT || !match(p, at + 1, e->end, &m->value, vals))
                return false;
            k = e->end + 1;
            continue;
        }
        if (vals[e->col] || !sl_norm_value_fits(&p->inf[e->col], &m->value))
            return false;
        vals[e->col] = &m->value;
        k = at + 1;
    }
    return true;
}

void sl_norm_plan_scratch_init(sl_norm_plan_scratch *s)
{
    memset(s, 0, sizeof *s);
    sl_buf_init(&s->tmp, 0);
}

void sl_norm_plan_scratch_free(sl_norm_plan_scratch *s)
{
    free(s->vals);
    free(s->row);
    free(s->sv);
    free(s->pre);
    sl_buf_free(&s->tmp);
}

/* v as the one value sl_norm_write_value would write to a column of type pc, or
 * false when that takes more than one value call (lists, decimals) or is rare
 * enough not to matter (a number without its text). */
static bool row_value(const sl_pq_column *pc, const sl_json_value *v, sl_pq_value *out)
{
    if (!v || v->type == SL_JSON_NULL) {
        out->kind = SL_PQV_NULL;
        return true;
    }
    if (pc->list)
        return false;
    bool zoned;
    int32_t days = 0;
    switch (pc->type) {
    case SL_PQ_BOOL:
        *out = (sl_pq_value){.kind = SL_PQV_BOOL, .u.i = v->type == SL_JSON_TRUE};
        return true;
    case SL_PQ_INT64:
        *out = (sl_pq_value){.kind = SL_PQV_INT, .u.i = v->u.num.i};
        return true;
    case SL_PQ_DOUBLE:
        out->kind = SL_PQV_DOUBLE;
        out->u.d = v->type == SL_JSON_INT ? (double)v->u.num.i : v->u.num.d;
        return true;
    case SL_PQ_DATE:
        sl_parse_date(v->u.str.ptr, v->u.str.len, &days);
        *out = (sl_pq_value){.kind = SL_PQV_INT, .u.i = days};
        return true;
    case SL_PQ_TIME:
        out->kind = SL_PQV_INT;
        out->u.i = 0;
        sl_parse_time(v->u.str.ptr, v->u.str.len, &out->u.i);
        return true;
    case SL_PQ_TIMESTAMP:
        out->kind = SL_PQV_INT;
        out->u.i = 0;
        sl_parse_timestamp(v->u.str.ptr, v->u.str.len, &out->u.i, &zoned);
        return true;
    case SL_PQ_STRING:
        out->kind = SL_PQV_BYTES;
        switch (v->type) {
        case SL_JSON_STRING:
            out->u.s.p = v->u.str.ptr;
            out->u.s.len = v->u.str.len;
            return true;
        case SL_JSON_TRUE:
            out->u.s.p = "true";
            out->u.s.len = 4;
            return true;
        case SL_JSON_FALSE:
            out->u.s.p = "false";
            out->u.s.len = 5;
            return true;
        case SL_JSON_INT:
        case SL_JSON_DOUBLE:
            out->u.s.p = v->u.num.raw;
            out->u.s.len = v->u.num.raw_len;
            return v->u.num.raw != NULL;
        default:
            return false;
        }
    default:
        return false;
    }
}

static bool grow_scratch(sl_norm_plan_scratch *s, size_t n)
{
    if (s->cap >= n)
        return true;
    const sl_json_value **v = realloc(s->vals, n * sizeof *v);
    if (v)
        s->vals = v;
    sl_pq_value *r = v ? realloc(s->row, n * sizeof *r) : NULL;
    if (r)
        s->row = r;
    sl_json_value *sv = r ? realloc(s->sv, n * sizeof *sv) : NULL;
    if (sv)
        s->sv = sv;
    uint8_t *pre = sv ? realloc(s->pre, n) : NULL;
    if (pre)
        s->pre = pre;
    if (!v || !r || !sv || !pre)
        return false;
    s->cap = n;
    return true;
}

/* Writes the values matched into s->vals as one row of batch. */
static sl_status write_matched(const sl_norm_plan *p, sl_norm_plan_scratch *s, sl_pq_writer *batch)
{
    if (p->counts_only)
        return SL_OK;
    /* The whole row in one call when every value is one value call (the same calls,
     * so the same bytes and errors); else value by value. */
    size_t j = 0;
    while (j < p->ncols && (s->pre[j] || row_value(&p->pc[j], s->vals[j], &s->row[j])))
        j++;
    if (j == p->ncols)
        return sl_pq_write_row(batch, s->row);
    for (j = 0; j < p->ncols; j++) {
        sl_status st = s->vals[j] ? sl_norm_write_value(batch, j, &p->pc[j], s->vals[j], &s->tmp)
                                  : sl_pq_write_null(batch, j);
        if (st)
            return st;
    }
    return sl_pq_write_end_row(batch);
}

/* JSON whitespace, counting newlines (the reader's line numbers need them). */
static inline const uint8_t *skip(const uint8_t *q, uint64_t *nl)
{
    for (;; q++) {
        if (*q == ' ' || *q == '\t' || *q == '\r')
            continue;
        if (*q != '\n')
            return q;
        ++*nl;
    }
}

/* The object at q (its '{') against the plan's entries [lo, hi): values into
 * s->sv and s->vals. The byte after its '}', or NULL for anything else than a
 * record sl_norm_plan_row would take with the same values (then the caller hands
 * the record to the reader, which reads it, or reports what is wrong). */
static const uint8_t *scan_object(const sl_norm_plan *p, size_t lo, size_t hi, sl_json_reader *r,
                                  const uint8_t *q, sl_norm_plan_scratch *s, uint64_t *nl)
{
    if (*q != '{')
        return NULL;
    q = skip(q + 1, nl);
    if (*q == '}')
        return q + 1;
    size_t k = lo;
    for (;;) {
        sl_json_member m;
        if (!(q = sl_json_scan_string(r, q, &m.key, &m.key_len)))
            return NULL;
        q = skip(q, nl);
        if (*q != ':')
            return NULL;
        q = skip(q + 1, nl);
        const plan_entry *e = k < hi && key_is(&p->e[k], &m) ? &p->e[k] : lookup(p, lo, hi, &m);
        if (!e)
            return NULL;
        size_t at = (size_t)(e - p->e);
        if (e->col == PLAN_OBJ) {
            if (!(q = scan_object(p, at + 1, e->end, r, q, s, nl)))
                return NULL;
            k = e->end + 1;
        } else {
            sl_json_value *v = &s->sv[e->col];
            const sl_infer *c = &p->inf[e->col];
            /* a key seen twice is the reader's to resolve (and count) */
            if (s->vals[e->col] || !(q = sl_json_scan_scalar(r, q, v)))
                return NULL;
            if (v->type == SL_JSON_STRING && is_time(c->type) && !c->list && c->scalar_seen &&
                !p->counts_only) {
                /* a time is parsed once: to see that it fits, and for its value */
                if (!time_value(c->type, v, &s->row[e->col].u.i))
                    return NULL;
                s->row[e->col].kind = SL_PQV_INT;
                s->pre[e->col] = 1;
            } else if (!sl_norm_value_fits(c, v)) {
                return NULL;
            }
            s->vals[e->col] = v;
            k = at + 1;
        }
        q = skip(q, nl);
        if (*q == ',') {
            q = skip(q + 1, nl);
            continue;
        }
        return *q == '}' ? q + 1 : NULL;
    }
}

const uint8_t *sl_norm_plan_scan(const sl_norm_plan *p, sl_norm_plan_scratch *s,
                                 sl_pq_writer *batch, sl_json_reader *r, const uint8_t *at,
                                 uint64_t max_size, uint64_t *newlines, sl_status *st)
{
    uint64_t nl = 0;
    *st = SL_OK;
    if (!grow_scratch(s, p->ncols)) {
        *st = SL_ERR_NOMEM;
        return NULL;
    }
    memset(s->vals, 0, p->ncols * sizeof *s->vals);
    memset(s->pre, 0, p->ncols);
    const uint8_t *q = scan_object(p, 0, p->ne, r, at, s, &nl);
    if (!q || (uint64_t)(q - at) > max_size) /* too large: the reader says so */
        return NULL;
    if ((*st = write_matched(p, s, batch)))
        return NULL;
    *newlines += nl;
    return q;
}

sl_status sl_norm_plan_row(const sl_norm_plan *p, sl_norm_plan_scratch *s, sl_pq_writer *batch,
                           const sl_json_value *rec, bool *fit)
{
    *fit = false;
    if (rec->type != SL_JSON_OBJECT)
        return SL_OK;
    if (!grow_scratch(s, p->ncols))
        return SL_ERR_NOMEM;
    memset(s->vals, 0, p->ncols * sizeof *s->vals);
    memset(s->pre, 0, p->ncols);
    if (!match(p, 0, p->ne, rec, s->vals))
        return SL_OK;
    sl_status st = write_matched(p, s, batch);
    *fit = st == SL_OK;
    return st;
}
