/* A table's schema as sync sees it: the columns of every part joined along the
 * lattice of src/schema/infer.h, in order of first appearance; and the keys that
 * follow from the column names (docs/state-layout.md, "Keys, as sync uses them"). */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "base/grow.h"
#include "sync/sync_int.h"

void sync_schema_free(sync_schema *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->ncols; i++)
        free(s->cols[i].name);
    free(s->cols);
    memset(s, 0, sizeof *s);
}

long sync_schema_find(const sync_schema *s, const char *name)
{
    for (size_t i = 0; i < s->ncols; i++)
        if (strcmp(s->cols[i].name, name) == 0)
            return (long)i;
    return -1;
}

static sl_status add_col(sync_schema *s, const char *name, size_t len, const sl_infer *inf,
                         bool synthetic)
{
    if (s->ncols == s->cap) {
        sync_col *p = sl_grow_array(s->cols, &s->cap, sizeof *p, 16);
        if (!p)
            return SL_ERR_NOMEM;
        s->cols = p;
    }
    char *n = sync_strndup(name, len);
    if (!n)
        return SL_ERR_NOMEM;
    s->cols[s->ncols++] = (sync_col){n, *inf, synthetic};
    return SL_OK;
}

sl_status sync_schema_copy(sync_schema *dst, const sync_schema *src)
{
    memset(dst, 0, sizeof *dst);
    for (size_t i = 0; i < src->ncols; i++) {
        const sync_col *c = &src->cols[i];
        sl_status st = add_col(dst, c->name, strlen(c->name), &c->inf, c->synthetic);
        if (st) {
            sync_schema_free(dst);
            return st;
        }
    }
    return SL_OK;
}

sl_status sync_schema_join(sync_schema *dst, const sync_schema *src, bool *retyped)
{
    for (size_t i = 0; i < src->ncols; i++) {
        const sync_col *c = &src->cols[i];
        long j = sync_schema_find(dst, c->name);
        if (j < 0) {
            sl_status st = add_col(dst, c->name, strlen(c->name), &c->inf, c->synthetic);
            if (st)
                return st;
            continue;
        }
        sl_pq_column before, after;
        sl_infer_to_column(&dst->cols[j].inf, &before);
        sl_infer_join(&dst->cols[j].inf, &c->inf);
        sl_infer_to_column(&dst->cols[j].inf, &after);
        if (retyped && (before.type != after.type || before.list != after.list ||
                        before.utc != after.utc || before.precision != after.precision))
            *retyped = true;
        dst->cols[j].synthetic |= c->synthetic;
    }
    return SL_OK;
}

/* ------------------------------------------------------------ type names */

/* "int64", "list<date>"... (the names of sl_type_name) into an inference state. */
static bool parse_type(const char *s, size_t n, sl_infer *out)
{
    memset(out, 0, sizeof *out);
    out->nullable = true;
    if (n > 6 && memcmp(s, "list<", 5) == 0 && s[n - 1] == '>') {
        out->list = true;
        out->elem_nullable = true;
        s += 5;
        n -= 6;
    }
    for (int t = SL_T_NULL; t <= SL_T_STRING; t++) {
        const char *name = sl_type_name((sl_type)t);
        if (strlen(name) == n && memcmp(name, s, n) == 0) {
            out->type = (uint8_t)t;
            out->scalar_seen = !out->list && t != SL_T_NULL;
            return true;
        }
    }
    return false;
}

sl_status sync_schema_parse(const sl_json_value *columns, sync_schema *out)
{
    memset(out, 0, sizeof *out);
    if (!columns || columns->type != SL_JSON_ARRAY)
        return SL_ERR_CORRUPT;
    for (size_t i = 0; i < columns->u.arr.len; i++) {
        const sl_json_value *c = &columns->u.arr.items[i];
        const sl_json_value *name = sl_json_get(c, "name");
        const sl_json_value *type = sl_json_get(c, "type");
        const sl_json_value *syn = sl_json_get(c, "synthetic");
        const sl_json_value *wide = sl_json_get(c, "wide_ints");
        sl_infer inf;
        if (!name || name->type != SL_JSON_STRING || !type || type->type != SL_JSON_STRING ||
            !parse_type(type->u.str.ptr, type->u.str.len, &inf) ||
            memchr(name->u.str.ptr, '\0', name->u.str.len)) {
            sync_schema_free(out);
            return SL_ERR_CORRUPT;
        }
        inf.int_unsafe = wide && wide->type == SL_JSON_TRUE;
        sl_status st = add_col(out, name->u.str.ptr, name->u.str.len, &inf,
                               syn && syn->type == SL_JSON_TRUE);
        if (st) {
            sync_schema_free(out);
            return st;
        }
    }
    return SL_OK;
}

sl_status sync_schema_json(const sync_schema *s, const char *table, bool exact, sl_buf *out)
{
    sl_status st = sl_buf_puts(out, "{\"table\":");
    if (!st)
        st = sl_json_write_string(out, table, strlen(table));
    if (!st)
        st = sl_buf_puts(out, ",\"columns\":[");
    for (size_t i = 0; !st && i < s->ncols; i++) {
        const sync_col *c = &s->cols[i];
        bool list = c->inf.list && !c->inf.scalar_seen;
        sl_type ty = c->inf.list && c->inf.scalar_seen ? SL_T_STRING : (sl_type)c->inf.type;
        st = sl_buf_puts(out, i ? ",{\"name\":" : "{\"name\":");
        if (!st)
            st = sl_json_write_string(out, c->name, strlen(c->name));
        if (!st)
            st = sl_buf_printf(out, ",\"type\":\"%s%s%s\"%s%s}", list ? "list<" : "",
                               sl_type_name(ty), list ? ">" : "",
                               c->synthetic ? ",\"synthetic\":true" : "",
                               exact && c->inf.int_unsafe ? ",\"wide_ints\":true" : "");
    }
    return st ? st : sl_buf_puts(out, "]}");
}

void sync_schema_columns(const sync_schema *s, sl_pq_column *out)
{
    for (size_t i = 0; i < s->ncols; i++) {
        sl_infer_to_column(&s->cols[i].inf, &out[i]);
        out[i].name = s->cols[i].name;
    }
}

uint64_t sync_schema_sig(const sync_schema *s, size_t n)
{
    uint64_t h = 0x51c5c4e3a;
    for (size_t i = 0; i < n && i < s->ncols; i++) {
        sl_pq_column c;
        sl_infer_to_column(&s->cols[i].inf, &c);
        uint32_t t[4] = {(uint32_t)c.type, c.list, c.utc, (uint32_t)c.precision};
        h = XXH3_64bits_withSeed(s->cols[i].name, strlen(s->cols[i].name), h);
        h = XXH3_64bits_withSeed(t, sizeof t, h);
    }
    return h;
}

/* ------------------------------------------------------------ a part's schema */

/* The lattice type of a Parquet column a part holds, when its "sluice.schema"
 * does not say (a part written by another tool). Only what converts exactly. */
static sl_status derive(const sl_pq_column *c, sl_infer *out, sl_error *err)
{
    memset(out, 0, sizeof *out);
    out->nullable = true;
    out->list = c->list;
    out->elem_nullable = c->list;
    switch (c->type) {
    case SL_PQ_BOOL: out->type = SL_T_BOOL; break;
    case SL_PQ_INT8: case SL_PQ_INT16: case SL_PQ_INT32: case SL_PQ_INT64:
    case SL_PQ_UINT8: case SL_PQ_UINT16: case SL_PQ_UINT32:
        out->type = SL_T_INT;
        break;
    case SL_PQ_UINT64:   /* beyond int64: its exact text */
    case SL_PQ_STRING: case SL_PQ_BINARY:
        out->type = SL_T_STRING;
        break;
    case SL_PQ_FLOAT: case SL_PQ_DOUBLE: out->type = SL_T_DOUBLE; break;
    case SL_PQ_DATE: out->type = SL_T_DATE; break;
    case SL_PQ_TIME:
    case SL_PQ_TIMESTAMP:
        if (c->time_unit != SL_PQ_MICROS)
            return sl_error_set(err, SL_ERR_UNSUPPORTED,
                                "column '%s': times in other units than microseconds", c->name);
        out->type = c->type == SL_PQ_TIME ? SL_T_TIME : c->utc ? SL_T_TIMESTAMP : SL_T_TIMESTAMP_NAIVE;
        break;
    case SL_PQ_DECIMAL:
        if (c->scale != 0)
            return sl_error_set(err, SL_ERR_UNSUPPORTED, "column '%s': decimal with a scale", c->name);
        out->type = c->precision > 18 ? SL_T_BIGINT : SL_T_INT;
        break;
    default:
        return sl_error_set(err, SL_ERR_UNSUPPORTED, "column '%s': type %s", c->name,
                            sl_pq_type_name(c->type));
    }
    out->scalar_seen = !c->list;
    return SL_OK;
}

/* Whether an INT64 column holds an integer a double cannot hold exactly, from
 * its statistics, or from its values when a chunk has none. */
static sl_status ints_unsafe(sl_pq_reader *r, size_t col, bool *unsafe, sl_error *err)
{
    const int64_t lim = (int64_t)1 << 53;
    *unsafe = false;
    for (size_t rg = 0; rg < sl_pq_reader_num_row_groups(r); rg++) {
        const sl_pq_chunk_info *ci = sl_pq_reader_chunk(r, rg, col);
        if (ci && ci->has_min_max && ci->min_len == 8 && ci->max_len == 8) {
            int64_t lo, hi;
            memcpy(&lo, ci->min, 8);
            memcpy(&hi, ci->max, 8);
            if (lo < -lim || hi > lim) {
                *unsafe = true;
                return SL_OK;
            }
            continue;
        }
        sl_pq_column_data d;
        sl_status st = sl_pq_reader_read_column(r, rg, col, &d, err);
        if (st)
            return st;
        for (size_t k = 0; k < d.num_values; k++)
            if ((!d.valid || d.valid[k]) && (d.i64[k] < -lim || d.i64[k] > lim)) {
                *unsafe = true;
                return SL_OK;
            }
    }
    return SL_OK;
}

sl_status sync_schema_of_part(sl_pq_reader *r, sync_schema *out, sl_error *err)
{
    memset(out, 0, sizeof *out);
    sync_schema decl = {0};
    const char *kv = sl_pq_reader_kv_get(r, "sluice.schema");
    if (kv) {
        /* a part whose declaration does not parse is read by its Parquet types */
        sl_json_options jo;
        sl_json_options_init(&jo);
        jo.form = SL_JSON_FORM_DOCUMENT;
        sl_json_reader *jr;
        const sl_json_value *v;
        if (sl_json_reader_open_mem(kv, strlen(kv), "sluice.schema", &jo, &jr, NULL) == SL_OK) {
            if (sl_json_reader_next(jr, &v, NULL) == SL_OK &&
                sync_schema_parse(sl_json_get(v, "columns"), &decl) != SL_OK)
                sync_schema_free(&decl);
            sl_json_reader_free(jr);
        }
    }
    sl_status st = SL_OK;
    for (size_t i = 0; !st && i < sl_pq_reader_num_columns(r); i++) {
        const sl_pq_column *c = sl_pq_reader_column(r, i);
        sl_infer inf;
        if ((st = derive(c, &inf, err)))
            break;
        bool synthetic = false;
        long j = sync_schema_find(&decl, c->name);
        if (j >= 0) {
            /* the declared type, where it is what the column holds: it keeps what
             * Parquet cannot say (a column of nothing but nulls is "null") */
            sl_pq_column dc;
            sl_infer_to_column(&decl.cols[j].inf, &dc);
            if (dc.type == c->type && dc.list == c->list &&
                (dc.type != SL_PQ_TIMESTAMP || dc.utc == c->utc))
                inf = decl.cols[j].inf;
            synthetic = decl.cols[j].synthetic;
        }
        if (c->type == SL_PQ_INT64 && inf.type == SL_T_INT) {
            bool unsafe;
            if ((st = ints_unsafe(r, i, &unsafe, err)))
                break;
            inf.int_unsafe = unsafe;
        }
        if (sync_schema_find(out, c->name) >= 0)
            st = sl_error_set(err, SL_ERR_CORRUPT, "column '%s' appears twice", c->name);
        else
            st = add_col(out, c->name, strlen(c->name), &inf, synthetic);
    }
    sync_schema_free(&decl);
    if (st)
        sync_schema_free(out);
    return st;
}

/* ------------------------------------------------------------ keys */

/* Whether table t has a column `<stem>_id` for one of the singular forms of its
 * name ("classes" -> class, "categories" -> category, "students" -> student, or
 * the name itself); its index, or -1. */
static long singular_id_column(const char *t, const sync_schema *s)
{
    size_t n = strlen(t);
    char cand[256];
    struct { size_t drop; const char *add; } forms[] = {{3, "y"}, {2, ""}, {1, ""}, {0, ""}};
    static const char *ends[] = {"ies", "es", "s", ""};
    for (size_t f = 0; f < 4; f++) {
        size_t el = strlen(ends[f]);
        if (n <= el || n - el + 4 >= sizeof cand || memcmp(t + n - el, ends[f], el) != 0)
            continue;
        size_t k = n - forms[f].drop;
        memcpy(cand, t, k);
        snprintf(cand + k, sizeof cand - k, "%s_id", forms[f].add);
        long c = sync_schema_find(s, cand);
        if (c >= 0)
            return c;
    }
    return -1;
}

/* The parent of a child table "<parent>__<field>": the part before the last "__". */
static long parent_of(const sync_tmodel *m, size_t n, size_t t)
{
    const char *name = m[t].name;
    const char *cut = NULL;
    for (const char *p = strstr(name, "__"); p; p = strstr(p + 1, "__"))
        cut = p;
    if (!cut || cut == name)
        return -1;
    size_t len = (size_t)(cut - name);
    for (size_t i = 0; i < n; i++)
        if (i != t && strlen(m[i].name) == len && memcmp(m[i].name, name, len) == 0)
            return (long)i;
    return -1;
}

/* The table whose single-column primary key is named col (not `id`, which many
 * tables share), other than self; -1 when none. */
static long key_owner(const sync_tmodel *m, size_t n, const char *col, size_t self)
{
    if (strcmp(col, "id") == 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (i != self && m[i].key.kind == SYNC_KEY_COLUMN &&
            strcmp(m[i].schema->cols[m[i].key.cols[0]].name, col) == 0)
            return (long)i;
    return -1;
}

static sl_status add_fk(sync_tmodel *t, uint32_t col, uint32_t target, bool to_key)
{
    if (t->nfks == t->fkcap) {
        sync_fk *p = sl_grow_array(t->fks, &t->fkcap, sizeof *p, 4);
        if (!p)
            return SL_ERR_NOMEM;
        t->fks = p;
    }
    t->fks[t->nfks++] = (sync_fk){col, target, to_key};
    return SL_OK;
}

sl_status sync_model_build(sync_tmodel *m, size_t n)
{
    /* single-column and synthetic keys first: composite keys and foreign keys are
     * made of them */
    for (size_t t = 0; t < n; t++) {
        const sync_schema *s = m[t].schema;
        sync_keydef *k = &m[t].key;
        memset(k, 0, sizeof *k);
        m[t].nfks = 0;
        m[t].needs_alt = false;
        m[t].parent = parent_of(m, n, t);
        m[t].child = sync_schema_find(s, "_parent_key") >= 0;
        long c = singular_id_column(m[t].name, s);
        if (c < 0)
            c = sync_schema_find(s, "id");
        long key = sync_schema_find(s, "_key");
        if (c >= 0) {
            k->kind = SYNC_KEY_COLUMN;
            k->n = 1;
            k->cols[0] = (uint32_t)c;
        } else if (key >= 0 && (m[t].child || strcmp(m[t].name, "_documents") == 0)) {
            k->kind = SYNC_KEY_SYNTHETIC;
            k->n = 1;
            k->cols[0] = (uint32_t)key;
        }
    }
    for (size_t t = 0; t < n; t++) {
        const sync_schema *s = m[t].schema;
        sync_keydef *k = &m[t].key;
        uint32_t refs[SYNC_MAX_KEY];
        size_t nrefs = 0;
        for (size_t c = 0; c < s->ncols; c++) {
            if (k->kind == SYNC_KEY_COLUMN && k->cols[0] == c)
                continue;
            long owner = key_owner(m, n, s->cols[c].name, t);
            if (owner < 0)
                continue;
            if (add_fk(&m[t], (uint32_t)c, (uint32_t)owner, false))
                return SL_ERR_NOMEM;
            if (nrefs < SYNC_MAX_KEY)
                refs[nrefs++] = (uint32_t)c;
        }
        if (k->kind == SYNC_KEY_NONE && nrefs >= 2) {
            k->kind = SYNC_KEY_COMPOSITE;
            k->n = (uint8_t)nrefs;
            memcpy(k->cols, refs, nrefs * sizeof refs[0]);
        }
        long pk = sync_schema_find(s, "_parent_key");
        if (pk >= 0 && m[t].parent >= 0 && sync_schema_find(m[m[t].parent].schema, "_key") >= 0) {
            if (add_fk(&m[t], (uint32_t)pk, (uint32_t)m[t].parent, true))
                return SL_ERR_NOMEM;
        }
    }
    /* a parent whose children refer to its `_key` but whose key is another column
     * needs a second set: its rows' `_key`s */
    for (size_t t = 0; t < n; t++)
        for (size_t f = 0; f < m[t].nfks; f++)
            if (m[t].fks[f].to_key && m[m[t].fks[f].target].key.kind != SYNC_KEY_SYNTHETIC)
                m[m[t].fks[f].target].needs_alt = true;
    return SL_OK;
}

sl_status sync_model_order(const sync_tmodel *m, size_t n, size_t *order)
{
    /* Kahn's algorithm over "references" edges, taking the lowest index among the
     * ready tables each time (tables are sorted by name, so the order is stable);
     * tables in a cycle follow in index order */
    bool *done = calloc(n ? n : 1, sizeof *done);
    if (!done)
        return SL_ERR_NOMEM;
    size_t k = 0;
    while (k < n) {
        size_t pick = n;
        for (size_t t = 0; t < n && pick == n; t++) {
            if (done[t])
                continue;
            bool ready = true;
            for (size_t f = 0; f < m[t].nfks && ready; f++)
                ready = done[m[t].fks[f].target] || m[t].fks[f].target == t;
            if (ready)
                pick = t;
        }
        if (pick == n)
            for (size_t t = 0; t < n && pick == n; t++)
                if (!done[t])
                    pick = t;
        done[pick] = true;
        order[k++] = pick;
    }
    free(done);
    return SL_OK;
}

void sync_model_free(sync_tmodel *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(m[i].fks);
        m[i].fks = NULL;
        m[i].nfks = m[i].fkcap = 0;
    }
}

/* The key definition as text, for state.json and the index signature:
 * "student_id" or "student_id,class_id"; "" when the table has none. */
sl_status sync_key_names(const sync_tmodel *t, sl_buf *out)
{
    sl_status st = SL_OK;
    for (size_t i = 0; !st && i < t->key.n; i++) {
        if (i && (st = sl_buf_putc(out, ',')))
            break;
        st = sl_buf_puts(out, t->schema->cols[t->key.cols[i]].name);
    }
    return st;
}
