/* The normalizer (see include/sluice/normalize.h): flattens JSON records into rows
 * of linked tables, infers column types from every value, and streams rows into
 * Parquet part files, starting a new part whenever the schema widens. */
#include "sluice/normalize.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/digits.h"
#include "base/grow.h"
#include "ingest/unify.h"
#include "ingest/normalize_int.h"
#include "ingest/norm_impl.h"
#include "ingest/norm_plan.h"
#include "schema/infer.h"

void sl_norm_options_init(sl_norm_options *o)
{
    memset(o, 0, sizeof *o);
    sl_pq_writer_options_init(&o->writer);
    /* Row groups of 28 MiB keep convert's memory small (two are held: one filled,
     * one encoded); DuckDB's 122,880 rows of a typical event are about as large.
     * On W1, 32 MiB took 101 MB at the peak and 24 MiB 77 MB, but 24 MiB repeats
     * the dictionaries often enough to write 5% more. */
    o->writer.row_group_bytes = 28u << 20;
    /* The inference window: 4 MiB of records settle most schemas (DuckDB samples
     * 20,480 records, about as many), and a widening after it costs a part of its
     * own, while the parts in the final schema are published by copying their row
     * groups (unify.c). Before the window ends, nothing is written and one thread
     * does all the work. */
    o->window_bytes = 4u << 20;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

sl_status sl_norm_open(const sl_norm_options *opts, sl_normalizer **out, sl_error *err)
{
    *out = NULL;
    if (!opts || !opts->root_table || !opts->root_table[0] || (!opts->tmp_dir && !opts->infer_only))
        return sl_error_set(err, SL_ERR_USAGE, "normalizer needs a root table name and a temporary directory");
    sl_normalizer *n = calloc(1, sizeof *n);
    if (!n)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    n->opts = *opts;
    n->root_name = xstrdup(opts->root_table);
    n->tmp_dir = xstrdup(opts->tmp_dir ? opts->tmp_dir : "");
    n->key_prefix = xstrdup(opts->key_prefix ? opts->key_prefix : "");
    if (!n->root_name || !n->tmp_dir || !n->key_prefix) {
        sl_norm_free(n);
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    }
    if (!n->opts.window_bytes)
        n->opts.window_bytes = 4u << 20;
    n->windowing = true;
    sl_norm_plan_scratch_init(&n->plan_scratch);
    sl_buf_init(&n->window, 0);
    sl_buf_init(&n->name, 1u << 20);
    sl_arena_init(&n->scratch, 16 * 1024);
    *out = n;
    return SL_OK;
}

/* ---------------------------------------------------------------- tables */

static norm_table *find_table(sl_normalizer *n, const char *name, size_t len)
{
    for (size_t i = 0; i < n->ntables; i++)
        if (strlen(n->tables[i]->name) == len && memcmp(n->tables[i]->name, name, len) == 0)
            return n->tables[i];
    return NULL;
}

static norm_table *add_table(sl_normalizer *n, const char *name, size_t len)
{
    if (n->ntables == n->tcap) {
        norm_table **p = sl_grow_array(n->tables, &n->tcap, sizeof *p, 8);
        if (!p)
            return NULL;
        n->tables = p;
    }
    norm_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->name = malloc(len + 1);
    if (!t->name) {
        free(t);
        return NULL;
    }
    memcpy(t->name, name, len);
    t->name[len] = '\0';
    t->key_col = -1;
    n->tables[n->ntables++] = t;
    return t;
}

static norm_table *get_table(sl_normalizer *n, const char *name, size_t len)
{
    norm_table *t = find_table(n, name, len);
    return t ? t : add_table(n, name, len);
}

static size_t name_hash(const char *s, size_t n) { return (size_t)XXH3_64bits(s, n); }

static sl_status rehash(norm_table *t, size_t nslots)
{
    uint32_t *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        return SL_ERR_NOMEM;
    for (size_t i = 0; i < t->ncols; i++) {
        size_t h = name_hash(t->cols[i].name, t->cols[i].len) & (nslots - 1);
        while (slots[h])
            h = (h + 1) & (nslots - 1);
        slots[h] = (uint32_t)i + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = nslots;
    return SL_OK;
}

norm_col *sl_norm_find_col(const norm_table *t, const char *name, size_t len)
{
    if (!t->nslots)
        return NULL;
    size_t h = name_hash(name, len) & (t->nslots - 1);
    for (uint32_t s; (s = t->slots[h]); h = (h + 1) & (t->nslots - 1)) {
        norm_col *c = &t->cols[s - 1];
        if (c->len == len && (len == 0 || memcmp(c->name, name, len) == 0)) /* "" may be NULL */
            return c;
    }
    return NULL;
}

/* The column named name[0..len) of t, created (type null) when new. */
static norm_col *get_col(norm_table *t, const char *name, size_t len, sl_status *st)
{
    norm_col *c = sl_norm_find_col(t, name, len);
    if (c)
        return c;
    if (t->ncols == t->cap) {
        norm_col *p = sl_grow_array(t->cols, &t->cap, sizeof *p, 16);
        if (!p) {
            *st = SL_ERR_NOMEM;
            return NULL;
        }
        t->cols = p;
    }
    c = &t->cols[t->ncols];
    memset(c, 0, sizeof *c);
    c->name = malloc(len + 1);
    if (!c->name) {
        *st = SL_ERR_NOMEM;
        return NULL;
    }
    if (len)
        memcpy(c->name, name, len);
    c->name[len] = '\0';
    c->len = len;
    t->ncols++;
    t->dirty = true;
    if ((t->ncols + 1) * 2 > t->nslots) {
        if ((*st = rehash(t, t->nslots ? t->nslots * 2 : 32)))
            return NULL;
    } else {
        size_t h = name_hash(name, len) & (t->nslots - 1);
        while (t->slots[h])
            h = (h + 1) & (t->nslots - 1);
        t->slots[h] = (uint32_t)t->ncols;
    }
    return &t->cols[t->ncols - 1];
}

/* ---------------------------------------------------------------- flattening */

static sl_status push_cell(sl_normalizer *n, norm_col *c, const sl_json_value *v)
{
    norm_table *t = n->rows[n->nrows - 1].t;
    if (n->ncells == n->ccap) {
        cell *p = sl_grow_array(n->cells, &n->ccap, sizeof *p, 256);
        if (!p)
            return SL_ERR_NOMEM;
        n->cells = p;
    }
    n->cells[n->ncells++] = (cell){(uint32_t)(c - t->cols), v};
    return SL_OK;
}

static sl_status begin_row(sl_normalizer *n, norm_table *t)
{
    if (n->nrows == n->rcap) {
        row_ref *p = sl_grow_array(n->rows, &n->rcap, sizeof *p, 16);
        if (!p)
            return SL_ERR_NOMEM;
        n->rows = p;
    }
    n->rows[n->nrows++] = (row_ref){t, n->ncells, 0};
    t->shape_pos = 0;
    t->shape_ok = true;
    return SL_OK;
}

static bool is_object_array(const sl_json_value *v)
{
    bool any = false;
    for (size_t i = 0; i < v->u.arr.len; i++) {
        sl_json_type ty = v->u.arr.items[i].type;
        if (ty == SL_JSON_OBJECT)
            any = true;
        else if (ty != SL_JSON_NULL)
            return false;
    }
    return any;
}

/* An array with no element but nulls. */
static bool empty_array(const sl_json_value *v)
{
    for (size_t i = 0; i < v->u.arr.len; i++)
        if (v->u.arr.items[i].type != SL_JSON_NULL)
            return false;
    return true;
}

static bool has_child_table(sl_normalizer *n, const norm_table *t, const sl_buf *field)
{
    char name[4096];
    int k = snprintf(name, sizeof name, "%s__%.*s", t->name, (int)field->len,
                     (const char *)field->data);
    return k > 0 && (size_t)k < sizeof name && find_table(n, name, (size_t)k) != NULL;
}

static sl_json_value *synth_string(sl_normalizer *n, const char *s, size_t len)
{
    sl_json_value *v = sl_arena_alloc(&n->scratch, sizeof *v);
    char *p = v ? sl_arena_strndup(&n->scratch, s, len) : NULL;
    if (!p)
        return NULL;
    v->type = SL_JSON_STRING;
    v->u.str.ptr = p;
    v->u.str.len = len;
    return v;
}

static sl_json_value *synth_int(sl_normalizer *n, int64_t i)
{
    sl_json_value *v = sl_arena_alloc(&n->scratch, sizeof *v);
    if (!v)
        return NULL;
    memset(v, 0, sizeof *v);
    v->type = SL_JSON_INT;
    v->u.num.i = i;
    return v;
}

static norm_col *synth_col(norm_table *t, const char *name, sl_type type, sl_status *st)
{
    norm_col *c = get_col(t, name, strlen(name), st);
    if (c && !c->synthetic) {
        c->synthetic = true;
        c->inf.type = (uint8_t)type;
        c->inf.scalar_seen = true;
    }
    return c;
}

static struct shape_entry *shape_slot(norm_table *t)
{
    if (t->shape_pos == t->shape_cap) {
        struct shape_entry *p = sl_grow_array(t->shape, &t->shape_cap, sizeof *p, 32);
        if (!p)
            return NULL;
        t->shape = p;
    }
    return &t->shape[t->shape_pos];
}

static bool shape_match(norm_table *t, const sl_json_member *m)
{
    if (!t->shape_ok || t->shape_pos >= t->nshape)
        return false;
    const struct shape_entry *e = &t->shape[t->shape_pos];
    return e->key_len == m->key_len && m->key_len <= sizeof e->key &&
           memcmp(e->key, m->key, m->key_len) == 0;
}

static void shape_record(norm_table *t, const sl_json_member *m, int32_t col)
{
    struct shape_entry *e = shape_slot(t);
    t->shape_ok = false;
    if (!e)
        return;
    e->key_len = m->key_len <= sizeof e->key ? (uint32_t)m->key_len : UINT32_MAX;
    if (m->key_len <= sizeof e->key)
        memcpy(e->key, m->key, m->key_len);
    e->col = col;
    t->nshape = ++t->shape_pos;
}

/* An object member: part of the shape (so its prefix is the same), no column. */
static void shape_note_object(norm_table *t, const sl_json_member *m)
{
    if (shape_match(t, m) && t->shape[t->shape_pos].col == -1)
        t->shape_pos++;
    else
        shape_record(t, m, -1);
}

/* The end of an object member's fields: without this mark, {"o":{"x":1},"y":2}
 * and {"o":{"x":1,"y":2}} would share a shape and y would find the wrong column. */
static void shape_note_end(norm_table *t)
{
    if (t->shape_ok && t->shape_pos < t->nshape && t->shape[t->shape_pos].col == -2) {
        t->shape_pos++;
        return;
    }
    struct shape_entry *e = shape_slot(t);
    t->shape_ok = false;
    if (!e)
        return;
    e->key_len = 0;
    e->col = -2;
    t->nshape = ++t->shape_pos;
}

/* The column for scalar member m whose flattened name is in name. */
static norm_col *shape_col(norm_table *t, const sl_json_member *m, const sl_buf *name,
                           sl_status *st)
{
    if (shape_match(t, m) && t->shape[t->shape_pos].col >= 0)
        return &t->cols[t->shape[t->shape_pos++].col];
    norm_col *c = get_col(t, (const char *)name->data, name->len, st);
    if (c)
        shape_record(t, m, (int32_t)(c - t->cols));
    return c;
}

/* Flattens the members of obj into cells of the current row of t; arrays of
 * objects are queued as children of that row. n->name holds the prefix. */
static sl_status flatten(sl_normalizer *n, norm_table *t, const sl_json_value *obj)
{
    sl_status st = SL_OK;
    size_t base = n->name.len;
    for (size_t i = 0; i < obj->u.obj.len; i++) {
        const sl_json_member *m = &obj->u.obj.members[i];
        n->name.len = base;
        if (base && (st = sl_buf_putc(&n->name, '_')))
            return st;
        if ((st = sl_buf_append(&n->name, m->key, m->key_len)))
            return st;
        const sl_json_value *v = &m->value;
        if (v->type == SL_JSON_OBJECT) {
            shape_note_object(t, m);
            if ((st = flatten(n, t, v)))
                return st;
            shape_note_end(t);
            continue;
        }
        if (v->type == SL_JSON_ARRAY && !is_object_array(v) && empty_array(v) &&
            has_child_table(n, t, &n->name))
            continue; /* no children this time; the child table already holds the rest */
        if (v->type == SL_JSON_ARRAY && is_object_array(v)) {
            if (n->npend == n->pcap) {
                pending_child *p = sl_grow_array(n->pend, &n->pcap, sizeof *p, 16);
                if (!p)
                    return SL_ERR_NOMEM;
                n->pend = p;
            }
            char *field = sl_arena_strndup(&n->scratch, (const char *)n->name.data, n->name.len);
            if (!field)
                return SL_ERR_NOMEM;
            n->pend[n->npend++] = (pending_child){t, field, n->name.len, v, NULL, 0};
            continue;
        }
        norm_col *c = shape_col(t, m, &n->name, &st);
        if (!c || (st = push_cell(n, c, v)))
            return st ? st : SL_ERR_NOMEM;
    }
    n->name.len = base;
    return SL_OK;
}

/* Emits one row of t from value v (an object, or anything else as `value`): its
 * fields, then for a child row its links (`_parent_key`, `_pos`), then `_key` when
 * the row is a child (always keyed, so users and grandchildren can refer to it) or
 * has children, or its table is keyed. A NULL key means "the record's ordinal". */
static sl_status emit_row(sl_normalizer *n, norm_table *t, const sl_json_value *v,
                          const char *key, size_t key_len, const pending_child *link,
                          size_t pos)
{
    sl_status st;
    size_t pend_from = n->npend;
    if ((st = begin_row(n, t)))
        return st;
    n->name.len = 0;
    if (v->type == SL_JSON_OBJECT) {
        if ((st = flatten(n, t, v)))
            return st;
    } else if (v->type != SL_JSON_NULL || t == n->tables[0]) {
        norm_col *c = get_col(t, "value", 5, &st);
        if (!c || (st = push_cell(n, c, v)))
            return st ? st : SL_ERR_NOMEM;
    }
    if (link) {
        norm_col *pk = synth_col(t, "_parent_key", SL_T_STRING, &st);
        sl_json_value *pkv = pk ? synth_string(n, link->parent_key, link->parent_key_len) : NULL;
        if (!pkv || (st = push_cell(n, pk, pkv)))
            return st ? st : SL_ERR_NOMEM;
        norm_col *pc = synth_col(t, "_pos", SL_T_INT, &st);
        sl_json_value *posv = pc ? synth_int(n, (int64_t)pos) : NULL;
        if (!posv || (st = push_cell(n, pc, posv)))
            return st ? st : SL_ERR_NOMEM;
    }
    bool children = n->npend > pend_from;
    if (link || children || t->key_col >= 0 || t->force_key) {
        char root_key[96];
        if (!key) {
            size_t pl = strlen(n->key_prefix);
            pl = pl < 64 ? pl : 64;
            memcpy(root_key, n->key_prefix, pl);
            key_len = pl + sl_put_u64(root_key + pl, n->cur_ordinal);
            root_key[key_len] = '\0';
            key = root_key;
        }
        norm_col *kc = synth_col(t, "_key", SL_T_STRING, &st);
        if (!kc)
            return st ? st : SL_ERR_NOMEM;
        t->key_col = kc - t->cols;
        sl_json_value *kv = synth_string(n, key, key_len);
        if (!kv || (st = push_cell(n, kc, kv)))
            return st ? st : SL_ERR_NOMEM;
        for (size_t i = pend_from; i < n->npend; i++) {
            n->pend[i].parent_key = kv->u.str.ptr;
            n->pend[i].parent_key_len = key_len;
        }
    }
    n->rows[n->nrows - 1].count = n->ncells - n->rows[n->nrows - 1].first;
    return SL_OK;
}

/* Turns the queued arrays of objects into child rows, breadth first; rows queue
 * their own children as they go. */
static sl_status emit_children(sl_normalizer *n)
{
    sl_status st;
    char name[4096];
    for (size_t p = 0; p < n->npend; p++) {
        pending_child pc = n->pend[p]; /* copy: emit_row may grow n->pend */
        int k = snprintf(name, sizeof name, "%s__%.*s", pc.parent->name, (int)pc.field_len,
                         pc.field);
        if (k < 0 || (size_t)k >= sizeof name)
            return SL_ERR_LIMIT;
        norm_table *t = get_table(n, name, (size_t)k);
        if (!t)
            return SL_ERR_NOMEM;
        for (size_t i = 0; i < pc.arr->u.arr.len; i++) {
            char pos[24];
            size_t pl = sl_put_u64(pos, i);
            size_t klen = pc.parent_key_len + 1 + pl;
            char *kbuf = sl_arena_alloc(&n->scratch, klen + 1);
            if (!kbuf)
                return SL_ERR_NOMEM;
            memcpy(kbuf, pc.parent_key, pc.parent_key_len);
            kbuf[pc.parent_key_len] = '.';
            memcpy(kbuf + pc.parent_key_len + 1, pos, pl);
            kbuf[klen] = '\0';
            if ((st = emit_row(n, t, &pc.arr->u.arr.items[i], kbuf, klen, &pc, i)))
                return st;
        }
    }
    return SL_OK;
}

/* Observes every cell: returns with each table's dirty flag set when its schema
 * changed. */
static void observe_rows(sl_normalizer *n)
{
    for (size_t r = 0; r < n->nrows; r++) {
        norm_table *t = n->rows[r].t;
        for (size_t i = 0; i < n->rows[r].count; i++) {
            cell *c = &n->cells[n->rows[r].first + i];
            if (sl_infer_observe(&t->cols[c->col].inf, c->v))
                t->dirty = true;
        }
    }
}

/* A job-result document (options.documents): each member holding an array of
 * objects gives rows of the table named by its key, keyed "<prefix><ordinal>.<key>.<i>"
 * where a key is needed; everything else in the document is one row of the root
 * table, which always carries `_key`. Empty arrays carry no rows and are left out;
 * null items of an entity array are not rows. */
static sl_status explode_document(sl_normalizer *n, const sl_json_value *rec)
{
    sl_status st;
    size_t nm = rec->u.obj.len;
    sl_json_member *rest = sl_arena_alloc(&n->scratch, (nm ? nm : 1) * sizeof *rest);
    if (!rest)
        return SL_ERR_NOMEM;
    size_t nrest = 0;
    for (size_t i = 0; i < nm; i++) {
        const sl_json_value *v = &rec->u.obj.members[i].value;
        if (v->type == SL_JSON_ARRAY && (is_object_array(v) || empty_array(v)))
            continue;
        rest[nrest++] = rec->u.obj.members[i];
    }
    sl_json_value doc = {.type = SL_JSON_OBJECT};
    doc.u.obj.members = rest;
    doc.u.obj.len = nrest;
    norm_table *root = n->tables[0];
    root->force_key = true;
    if ((st = emit_row(n, root, &doc, NULL, 0, NULL, 0)))
        return st;
    for (size_t i = 0; i < nm; i++) {
        const sl_json_member *m = &rec->u.obj.members[i];
        if (m->value.type != SL_JSON_ARRAY || !is_object_array(&m->value))
            continue;
        norm_table *t = get_table(n, m->key, m->key_len);
        if (!t)
            return SL_ERR_NOMEM;
        if (t == root)
            return SL_ERR_SCHEMA;   /* an entity array named like the documents table */
        for (size_t k = 0; k < m->value.u.arr.len; k++) {
            const sl_json_value *item = &m->value.u.arr.items[k];
            if (item->type != SL_JSON_OBJECT)
                continue;
            /* "<prefix><ordinal>.<table>.<k>", built by hand: this runs for
             * every entity row. */
            size_t pl = strlen(n->key_prefix), tl = strlen(t->name);
            pl = pl < 64 ? pl : 64;
            tl = tl < 48 ? tl : 48;
            char *kcopy = sl_arena_alloc(&n->scratch, pl + tl + 48);
            if (!kcopy)
                return SL_ERR_NOMEM;
            memcpy(kcopy, n->key_prefix, pl);
            size_t kl = pl + sl_put_u64(kcopy + pl, n->cur_ordinal);
            kcopy[kl++] = '.';
            memcpy(kcopy + kl, t->name, tl);
            kl += tl;
            kcopy[kl++] = '.';
            kl += sl_put_u64(kcopy + kl, k);
            kcopy[kl] = '\0';
            if ((st = emit_row(n, t, item, kcopy, kl, NULL, 0)))
                return st;
        }
    }
    return SL_OK;
}

/* Builds n->rows/n->cells for one record. */
static sl_status explode(sl_normalizer *n, const sl_json_value *rec, uint64_t ordinal)
{
    sl_arena_reset(&n->scratch);
    n->ncells = n->nrows = n->npend = 0;
    if (n->ntables == 0 && !add_table(n, n->root_name, strlen(n->root_name)))
        return SL_ERR_NOMEM;
    n->cur_ordinal = ordinal;
    sl_status st = n->opts.documents && rec->type == SL_JSON_OBJECT
                       ? explode_document(n, rec)
                       : emit_row(n, n->tables[0], rec, NULL, 0, NULL, 0);
    return st ? st : emit_children(n);
}

/* ---------------------------------------------------------------- writing */

static sl_status write_scalar(sl_pq_writer *w, size_t col, const sl_pq_column *pc,
                              const sl_json_value *v, sl_buf *tmp)
{
    if (v->type == SL_JSON_NULL)
        return sl_pq_write_null(w, col);
    switch (pc->type) {
    case SL_PQ_BOOL:
        return sl_pq_write_bool(w, col, v->type == SL_JSON_TRUE);
    case SL_PQ_INT64:
        return sl_pq_write_int(w, col, v->u.num.i);
    case SL_PQ_DOUBLE:
        return sl_pq_write_double(w, col, v->type == SL_JSON_INT ? (double)v->u.num.i : v->u.num.d);
    case SL_PQ_DECIMAL: {
        if (v->type == SL_JSON_INT)
            return sl_pq_write_decimal128(w, col, v->u.num.i < 0 ? -1 : 0, (uint64_t)v->u.num.i);
        unsigned __int128 mag = 0;
        const char *s = v->u.num.raw;
        size_t len = v->u.num.raw_len, i = s[0] == '-';
        for (; i < len; i++)
            mag = mag * 10 + (unsigned)(s[i] - '0');
        if (s[0] == '-')
            mag = -mag;
        return sl_pq_write_decimal128(w, col, (int64_t)(uint64_t)(mag >> 64), (uint64_t)mag);
    }
    case SL_PQ_DATE: {
        int32_t d = 0;
        sl_parse_date(v->u.str.ptr, v->u.str.len, &d);
        return sl_pq_write_int(w, col, d);
    }
    case SL_PQ_TIME: {
        int64_t us = 0;
        sl_parse_time(v->u.str.ptr, v->u.str.len, &us);
        return sl_pq_write_int(w, col, us);
    }
    case SL_PQ_TIMESTAMP: {
        int64_t us = 0;
        bool zoned;
        sl_parse_timestamp(v->u.str.ptr, v->u.str.len, &us, &zoned);
        return sl_pq_write_int(w, col, us);
    }
    case SL_PQ_STRING:
        switch (v->type) {
        case SL_JSON_STRING:
            return sl_pq_write_bytes(w, col, v->u.str.ptr, v->u.str.len);
        case SL_JSON_TRUE:
            return sl_pq_write_bytes(w, col, "true", 4);
        case SL_JSON_FALSE:
            return sl_pq_write_bytes(w, col, "false", 5);
        case SL_JSON_INT:
        case SL_JSON_BIGINT:
        case SL_JSON_DOUBLE:
            if (v->u.num.raw)
                return sl_pq_write_bytes(w, col, v->u.num.raw, v->u.num.raw_len);
            sl_buf_clear(tmp);
            sl_buf_printf(tmp, "%lld", (long long)v->u.num.i);
            return sl_pq_write_bytes(w, col, tmp->data, tmp->len);
        default: {
            sl_buf_clear(tmp);
            sl_status st = sl_json_write_value(tmp, v);
            return st ? st : sl_pq_write_bytes(w, col, tmp->data, tmp->len);
        }
        }
    default:
        return SL_ERR_SCHEMA;
    }
}

sl_status sl_norm_write_value(sl_pq_writer *w, size_t col, const sl_pq_column *pc,
                              const sl_json_value *v, sl_buf *tmp)
{
    if (!pc->list || v->type == SL_JSON_NULL)
        return write_scalar(w, col, pc, v, tmp);
    sl_status st = sl_pq_write_list_begin(w, col);
    for (size_t i = 0; !st && i < v->u.arr.len; i++)
        st = write_scalar(w, col, pc, &v->u.arr.items[i], tmp);
    return st ? st : sl_pq_write_list_end(w, col);
}

static void table_column(const norm_table *t, size_t c, sl_pq_column *out)
{
    sl_infer_to_column(&t->cols[c].inf, out);
    out->name = t->cols[c].name;
}

static sl_status schema_json(const norm_table *t, sl_buf *out);

static sl_status close_part(sl_normalizer *n, norm_table *t, sl_error *err)
{
    if (!t->w)
        return SL_OK;
    /* The last part of a table carries its final schema and can be published as
     * it is; earlier parts are unified at publish time. */
    sl_buf schema;
    sl_buf_init(&schema, 0);
    sl_status st = schema_json(t, &schema);
    if (!st)
        st = sl_buf_putc(&schema, '\0');
    if (!st)
        st = sl_pq_writer_set_kv(t->w, "sluice.schema", (const char *)schema.data);
    if (!st && n->opts.lineage)
        st = sl_pq_writer_set_kv(t->w, "sluice.lineage", n->opts.lineage);
    sl_buf_free(&schema);
    if (st) {
        sl_pq_writer_abort(t->w);
        t->w = NULL;
        return sl_error_set(err, st, "writing metadata: %s", sl_strerror(st));
    }
    st = sl_pq_writer_close(t->w, false, err);
    t->w = NULL;
    for (size_t i = 0; i < t->ncols; i++)
        t->cols[i].in_part = false;
    return st;
}

static sl_status open_part(sl_normalizer *n, norm_table *t, sl_error *err)
{
    char path[4096];
    int k = snprintf(path, sizeof path, "%s/part-%llu-%d.parquet", n->tmp_dir,
                     (unsigned long long)n->part_seq++, (int)getpid());
    if (k < 0 || (size_t)k >= sizeof path)
        return sl_error_set(err, SL_ERR_LIMIT, "temporary path too long");
    sl_pq_column *cols = calloc(t->ncols ? t->ncols : 1, sizeof *cols);
    uint32_t *map = realloc(t->part_map, (t->ncols ? t->ncols : 1) * sizeof *map);
    char **parts = realloc(t->parts, (t->nparts + 1) * sizeof *parts);
    if (parts)
        t->parts = parts;
    if (map)
        t->part_map = map;
    char *p = xstrdup(path);
    if (!cols || !map || !parts || !p) {
        free(cols);
        free(p);
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < t->ncols; i++) {
        table_column(t, i, &cols[i]);
        t->cols[i].part_inf = t->cols[i].inf;
        t->cols[i].part_col = cols[i];
        t->cols[i].in_part = true;
        t->part_map[i] = (uint32_t)i;
    }
    t->part_ncols = t->ncols;
    sl_status st = sl_pq_writer_open(path, cols, t->ncols, &n->opts.writer, &t->w, err);
    free(cols);
    if (st) {
        free(p);
        return st;
    }
    t->parts[t->nparts++] = p;
    t->part_gen = n->part_seq;
    t->dirty = false;
    return SL_OK;
}

static sl_status write_rows(sl_normalizer *n, sl_buf *tmp, sl_error *err)
{
    sl_status st;
    norm_table *t = NULL;
    /* A table whose schema moved on since its part began gets a new part. */
    for (size_t r = 0; r < n->nrows; r++) {
        t = n->rows[r].t;
        if (t->w && t->dirty && (st = close_part(n, t, err)))
            return st;
        if (!t->w && (st = open_part(n, t, err)))
            return st;
    }
    for (size_t r = 0; r < n->nrows; r++) {
        t = n->rows[r].t;
        uint64_t gen = ++n->gen;
        for (size_t i = 0; i < n->rows[r].count; i++) {
            cell *c = &n->cells[n->rows[r].first + i];
            t->cols[c->col].gen = gen;
            t->cols[c->col].val = c->v;
        }
        for (size_t j = 0; j < t->part_ncols; j++) {
            norm_col *c = &t->cols[t->part_map[j]];
            st = c->gen == gen ? sl_norm_write_value(t->w, j, &c->part_col, c->val, tmp)
                               : sl_pq_write_null(t->w, j);
            if (st)
                goto fail;
        }
        if ((st = sl_pq_write_end_row(t->w)))
            goto fail;
        t->rows++;
    }
    return SL_OK;
fail:
    if (err) {
        *err = *sl_pq_writer_error(t->w);
        if (!err->code)
            sl_error_set(err, st, "writing a row: %s", sl_strerror(st));
    }
    return st;
}

/* ---------------------------------------------------------------- records */

static sl_status write_record(sl_normalizer *n, const sl_json_value *rec, sl_error *err)
{
    sl_buf tmp;
    sl_buf_init(&tmp, 0);
    sl_status st = explode(n, rec, n->ord_written);
    if (!st) {
        observe_rows(n);
        st = write_rows(n, &tmp, err);
    } else {
        sl_error_set(err, st, "normalizing record %llu: %s", (unsigned long long)n->ord_written,
                     sl_strerror(st));
    }
    sl_buf_free(&tmp);
    n->ord_written++;
    return st;
}

/* Writes the records held in the window, now that inference has seen them all.
 * The window is compact JSON that sl_json_write_value wrote, a record a line: once
 * a record has opened the part, a plan made from it (norm_plan.h) scans the next
 * records with no tree and writes them as the same rows, and only the records it
 * does not take go through write_record (a new plan follows a schema change). */
static sl_status drain_window(sl_normalizer *n, sl_error *err)
{
    n->windowing = false;
    if (n->window.len == 0)
        return SL_OK;
    if (sl_buf_reserve(&n->window, SL_JSON_PART_PAD))
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    memset(n->window.data + n->window.len, 0, SL_JSON_PART_PAD);
    const uint8_t *data = n->window.data, *p = data, *end = data + n->window.len;
    sl_json_options jo;
    sl_json_options_init(&jo);
    jo.max_record_size = UINT64_MAX / 2;
    sl_json_reader *scan = NULL, *one = NULL;   /* the plan's scanner; a record's tree */
    sl_status st = sl_json_reader_open_parts(&jo, &scan, err);
    if (!st)
        st = sl_json_reader_open_parts(&jo, &one, err);
    if (!st)
        sl_json_reader_reset_part(scan, data, n->window.len, "(window)", 0, 1, 0);
    sl_norm_plan *plan = NULL;
    sl_norm_plan_scratch sc;
    sl_norm_plan_scratch_init(&sc);
    uint64_t nl = 0, slow = 0, next_try = 0;
    while (!st) {
        p = sl_json_skip_space(p);
        if (p >= end)
            break;
        if (plan && sl_norm_plan_valid(n, plan)) {
            norm_table *t = n->tables[0];
            const uint8_t *q = sl_norm_plan_scan(plan, &sc, t->w, scan, p, UINT64_MAX, &nl, &st);
            if (q) {
                t->rows++;
                n->ord_written++;
                p = q;
                continue;
            }
            if (st) {
                if (err) {
                    *err = *sl_pq_writer_error(t->w);
                    if (!err->code)
                        sl_error_set(err, st, "writing a row: %s", sl_strerror(st));
                }
                break;
            }
        }
        const sl_json_value *v;
        sl_json_reader_reset_part(one, p, (size_t)(end - p), "(window)", (uint64_t)(p - data), 1, 0);
        if ((st = sl_json_reader_next(one, &v, err)) || (st = write_record(n, v, err)))
            break;
        p = data + sl_json_reader_bytes_in(one);
        if (++slow >= next_try && !sl_norm_plan_valid(n, plan)) {
            sl_norm_plan_free(plan);
            plan = sl_norm_plan_make(n, v);
            if (!plan)
                next_try = slow + 64; /* a shape no plan takes: not after every record */
        }
    }
    sl_norm_plan_free(plan);
    sl_norm_plan_scratch_free(&sc);
    sl_json_reader_free(scan);
    sl_json_reader_free(one);
    sl_buf_free(&n->window);
    return st;
}

/* Keeps rec in the window (its JSON text), and drains the window when full. */
static sl_status keep(sl_normalizer *n, const sl_json_value *rec, sl_error *err)
{
    sl_status st;
    if ((st = sl_json_write_value(&n->window, rec)) || (st = sl_buf_putc(&n->window, '\n')))
        return sl_error_set(err, st, "buffering record: %s", sl_strerror(st));
    n->window_records++;
    if (n->window.len >= n->opts.window_bytes)
        return drain_window(n, err);
    return SL_OK;
}

/* A record the plan takes: written (or counted, or kept) with no explode and no
 * observe, since observing it would change nothing. */
static sl_status add_planned(sl_normalizer *n, const sl_json_value *rec, bool *fit, sl_error *err)
{
    norm_table *t = n->tables[0];
    bool writing = !n->windowing && !n->opts.infer_only;
    sl_status st = sl_norm_plan_row(n->plan, &n->plan_scratch, writing ? t->w : NULL, rec, fit);
    if (st) {
        if (err) {
            *err = *sl_pq_writer_error(t->w);
            if (!err->code)
                sl_error_set(err, st, "writing a row: %s", sl_strerror(st));
        }
        return st;
    }
    if (!*fit)
        return SL_OK;
    if (writing) {
        t->rows++;
        n->ord_written++;
        return SL_OK;
    }
    n->ord_seen++;
    if (n->opts.infer_only) {
        t->rows++;
        return SL_OK;
    }
    return keep(n, rec, err);
}

static sl_status add_slowly(sl_normalizer *n, const sl_json_value *rec, sl_error *err)
{
    if (!n->windowing)
        return write_record(n, rec, err);
    sl_status st = explode(n, rec, n->ord_seen);
    if (st)
        return sl_error_set(err, st, "normalizing record %llu: %s",
                            (unsigned long long)n->ord_seen, sl_strerror(st));
    n->ord_seen++;
    observe_rows(n);
    if (n->opts.infer_only) {
        for (size_t r = 0; r < n->nrows; r++)
            n->rows[r].t->rows++;
        return SL_OK;
    }
    return keep(n, rec, err);
}

/* Records that look like the last one take the plan made from it (norm_plan.h),
 * the others the whole way; after one of those, a new plan (not after every
 * record when none can be made: lists, child tables, documents). */
sl_status sl_norm_add(sl_normalizer *n, const sl_json_value *rec, sl_error *err)
{
    if (n->finished)
        return sl_error_set(err, SL_ERR_USAGE, "normalizer already finished");
    bool fit = false;
    sl_status st = SL_OK;
    if (n->plan_live) {
        bool windowing = n->windowing;
        if ((st = add_planned(n, rec, &fit, err)) || fit) {
            if (n->windowing != windowing)
                n->plan_live = false; /* the window ended: a counting plan no longer holds */
            return st;
        }
    }
    if ((st = add_slowly(n, rec, err)))
        return st;
    n->plan_live = sl_norm_plan_valid(n, n->plan);
    if (!n->plan_live && ++n->plan_misses >= n->plan_next_try && !n->finished) {
        sl_norm_plan_free(n->plan);
        n->plan = sl_norm_plan_make_any(n, rec);
        n->plan_live = n->plan != NULL;
        if (!n->plan)
            n->plan_next_try = n->plan_misses + 64;
    }
    return SL_OK;
}

sl_status sl_norm_finish(sl_normalizer *n, sl_error *err)
{
    if (n->finished)
        return SL_OK;
    sl_status st = SL_OK;
    if (n->windowing && !n->opts.infer_only)
        st = drain_window(n, err);
    if (n->ntables == 0 && !add_table(n, n->root_name, strlen(n->root_name)))
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n->ntables; i++) {
        sl_status s2 = close_part(n, n->tables[i], st ? NULL : err);
        if (!st)
            st = s2;
    }
    n->finished = true;
    return st;
}

size_t sl_norm_num_tables(const sl_normalizer *n) { return n->ntables; }
const char *sl_norm_table_name(const sl_normalizer *n, size_t t) { return n->tables[t]->name; }
uint64_t sl_norm_table_rows(const sl_normalizer *n, size_t t) { return n->tables[t]->rows; }
size_t sl_norm_table_num_columns(const sl_normalizer *n, size_t t) { return n->tables[t]->ncols; }

const sl_infer *sl_norm_table_infer(const sl_normalizer *n, size_t t, size_t c, const char **name,
                                    bool *synthetic)
{
    const norm_col *col = &n->tables[t]->cols[c];
    *name = col->name;
    *synthetic = col->synthetic;
    return &col->inf;
}

void sl_norm_table_column(const sl_normalizer *n, size_t t, size_t c, sl_pq_column *out)
{
    table_column(n->tables[t], c, out);
}

/* The table's schema as JSON, for the "sluice.schema" key-value metadata. */
static sl_status schema_json(const norm_table *t, sl_buf *out)
{
    sl_status st = sl_buf_puts(out, "{\"table\":");
    if (!st)
        st = sl_json_write_string(out, t->name, strlen(t->name));
    if (!st)
        st = sl_buf_puts(out, ",\"columns\":[");
    for (size_t i = 0; !st && i < t->ncols; i++) {
        char ty[48];
        st = sl_buf_puts(out, i ? ",{\"name\":" : "{\"name\":");
        if (!st)
            st = sl_json_write_string(out, t->cols[i].name, t->cols[i].len);
        if (!st)
            st = sl_buf_printf(out, ",\"type\":\"%s\"%s}",
                               sl_infer_type_text(&t->cols[i].inf, ty, sizeof ty),
                               t->cols[i].synthetic ? ",\"synthetic\":true" : "");
    }
    return st ? st : sl_buf_puts(out, "]}");
}

sl_status sl_norm_publish(sl_normalizer *n, size_t ti, const char *dest, sl_error *err)
{
    if (!n->finished || ti >= n->ntables)
        return sl_error_set(err, SL_ERR_USAGE, "publish before finish, or no such table");
    norm_table *t = n->tables[ti];
    size_t ncols = t->ncols;
    sl_pq_column *cols = calloc(ncols ? ncols : 1, sizeof *cols);
    if (ncols == 0 && cols) {
        /* No record at all: a table needs a column, and `value` is what a record
         * that is not an object would have filled. */
        sl_infer none = {0};
        sl_infer_to_column(&none, &cols[0]);
        cols[0].name = "value";
    }
    sl_buf schema;
    sl_buf_init(&schema, 0);
    if (!cols || schema_json(t, &schema) || sl_buf_putc(&schema, '\0')) {
        free(cols);
        sl_buf_free(&schema);
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < ncols; i++)
        table_column(t, i, &cols[i]);
    sl_status st = sl_unify_parts(dest, (const char *const *)t->parts, t->nparts, cols,
                                  ncols ? ncols : 1,
                                  &n->opts.writer, (const char *)schema.data, n->opts.lineage,
                                  ti == 0 ? n->key_prefix : NULL, err);
    free(cols);
    sl_buf_free(&schema);
    if (!st) {
        for (size_t i = 0; i < t->nparts; i++) {
            unlink(t->parts[i]);
            free(t->parts[i]);
        }
        t->nparts = 0;
    }
    return st;
}

void sl_norm_free(sl_normalizer *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->ntables; i++) {
        norm_table *t = n->tables[i];
        if (t->w)
            sl_pq_writer_abort(t->w);
        for (size_t p = 0; p < t->nparts; p++) {
            unlink(t->parts[p]);
            free(t->parts[p]);
        }
        for (size_t c = 0; c < t->ncols; c++)
            free(t->cols[c].name);
        free(t->parts);
        free(t->cols);
        free(t->slots);
        free(t->shape);
        free(t->part_map);
        free(t->name);
        free(t);
    }
    sl_norm_plan_free(n->plan);
    sl_norm_plan_scratch_free(&n->plan_scratch);
    free(n->tables);
    free(n->cells);
    free(n->rows);
    free(n->pend);
    sl_buf_free(&n->window);
    sl_buf_free(&n->name);
    sl_arena_free(&n->scratch);
    free(n->root_name);
    free(n->tmp_dir);
    free(n->key_prefix);
    free(n);
}
