/* sluice docs: keys and relationships.
 *
 * Declared: the "sluice.schema" metadata sluice generate writes into every Parquet
 * file ({"name", "tables": [{"name", "primary_key", "columns": [{"name", "nullable",
 * "unique", "references": "table.column"}]}]}), or a schema given with --schema.
 * Primary keys otherwise follow sync's rules (docs/state-layout.md): the column
 * <singular>_id, else id, else _key; else two or more columns that are other tables'
 * keys, together.
 * Discovered: a column of table A is a foreign key to table B's single-column key k
 * when its name says so (the name of k; <singular B>_id for a key named id; a name
 * ending in _<k>; _parent_key of A = B__<field> for _key) and every one of its
 * values is one of k's values, both read from the data. A name alone, or values
 * alone, are not enough: sequences 1..n are contained in each other everywhere. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "docs/docs_int.h"
#include "sluice/buf.h"
#include "sluice/gen.h"
#include "sluice/json.h"

static dtable *find_table(sl_docs *d, const char *name, size_t len)
{
    for (size_t i = 0; i < d->nt; i++)
        if (strlen(d->t[i].name) == len && memcmp(d->t[i].name, name, len) == 0)
            return &d->t[i];
    return NULL;
}

static int find_col(const dtable *t, const char *name, size_t len)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (strlen(t->cols[i].name) == len && memcmp(t->cols[i].name, name, len) == 0)
            return (int)i;
    return -1;
}

static char *jstr(sl_docs *d, const sl_json_value *v)
{
    return v && v->type == SL_JSON_STRING ? sl_arena_strndup(&d->arena, v->u.str.ptr, v->u.str.len) : NULL;
}

/* Declares the tables of a generator schema JSON (see the top of this file). */
static sl_status declare(sl_docs *d, const sl_json_value *root)
{
    const sl_json_value *tables = sl_json_get(root, "tables");
    d->schema_name = jstr(d, sl_json_get(root, "name"));
    for (size_t i = 0; tables && tables->type == SL_JSON_ARRAY && i < tables->u.arr.len; i++) {
        const sl_json_value *tv = &tables->u.arr.items[i];
        const sl_json_value *name = sl_json_get(tv, "name"), *cols = sl_json_get(tv, "columns");
        dtable *t = name && name->type == SL_JSON_STRING ? find_table(d, name->u.str.ptr, name->u.str.len) : NULL;
        if (!t || !cols || cols->type != SL_JSON_ARRAY)
            continue;
        free(t->cols);
        t->ncols = 0;
        if (!(t->cols = calloc(cols->u.arr.len ? cols->u.arr.len : 1, sizeof *t->cols)))
            return SL_ERR_NOMEM;
        for (size_t k = 0; k < cols->u.arr.len; k++) {
            const sl_json_value *cv = &cols->u.arr.items[k];
            dcol *c = &t->cols[t->ncols];
            if (!(c->name = jstr(d, sl_json_get(cv, "name"))))
                continue;
            const sl_json_value *nl = sl_json_get(cv, "nullable"), *un = sl_json_get(cv, "unique");
            c->declared = true;
            c->decl_nullable = !nl || nl->type != SL_JSON_FALSE;
            c->decl_unique = un && un->type == SL_JSON_TRUE;
            c->decl_ref = jstr(d, sl_json_get(cv, "references"));
            t->ncols++;
        }
        const sl_json_value *pk = sl_json_get(tv, "primary_key");
        for (size_t k = 0; pk && pk->type == SL_JSON_ARRAY && k < pk->u.arr.len; k++) {
            const sl_json_value *kv = &pk->u.arr.items[k];
            int c = kv->type == SL_JSON_STRING ? find_col(t, kv->u.str.ptr, kv->u.str.len) : -1;
            if (c >= 0) {
                t->cols[c].pk = true;
                t->pk_source = "declared";
            }
        }
    }
    return SL_OK;
}

static sl_status declare_text(sl_docs *d, const char *text, size_t len, const char *name, bool must,
                              sl_error *err)
{
    sl_json_options jo;
    sl_json_options_init(&jo);
    jo.form = SL_JSON_FORM_DOCUMENT;
    sl_json_reader *jr = NULL;
    const sl_json_value *v = NULL;
    sl_status st = sl_json_reader_open_mem(text, len, name, &jo, &jr, err);
    if (st == SL_OK)
        st = sl_json_reader_next(jr, &v, err);
    if (st == SL_OK && sl_json_get(v, "tables"))
        st = declare(d, v);
    else if (st == SL_OK)
        st = SL_EOF;   /* not a generator schema (ingest's per-table form has no keys) */
    sl_json_reader_free(jr);
    if (st != SL_OK && st != SL_EOF && !must)
        return SL_EOF;  /* unreadable metadata declares nothing; the data still documents */
    return st;
}

sl_status docs_declared(sl_docs *d, const char *schema, sl_error *err)
{
    if (schema) {
        sl_gen_schema *s = NULL;
        sl_buf js;
        sl_buf_init(&js, 0);
        sl_status st = sl_gen_schema_load(schema, NULL, 0, &s, err);
        if (st == SL_OK)
            st = sl_gen_schema_to_json(s, &js);
        sl_gen_schema_free(s);
        if (st == SL_OK)
            st = declare_text(d, (const char *)js.data, js.len, schema, true, err);
        sl_buf_free(&js);
        d->schema_from = (char *)schema;
        if (st == SL_OK)
            return SL_OK;
        char why[sizeof err->msg];   /* the message is rewritten from itself: copy it first */
        snprintf(why, sizeof why, "%s", err && err->msg[0] ? err->msg : "cannot load");
        return sl_error_set(err, SL_ERR_SCHEMA, "--schema '%s': %s", schema, why);
    }
    for (size_t i = 0; i < d->nt; i++) {
        sl_pq_reader *r = NULL;
        sl_status st = sl_pq_reader_open(d->t[i].files[0], &r, err);
        if (st != SL_OK) {
            sl_error_set_file(err, d->t[i].files[0]);
            return st;
        }
        const char *kv = sl_pq_reader_kv_get(r, "sluice.schema");
        st = kv ? declare_text(d, kv, strlen(kv), "sluice.schema", false, err) : SL_EOF;
        sl_pq_reader_free(r);
        if (st == SL_OK) {
            d->schema_from = "metadata";
            return SL_OK;
        }
        if (st != SL_EOF)
            return st;
    }
    return SL_OK;
}

/* students -> student, classes -> class, categories -> category. */
static size_t singular(const char *name, char *out, size_t n)
{
    size_t len = strlen(name);
    if (len + 1 > n)
        return 0;
    memcpy(out, name, len + 1);
    if (len > 3 && strcmp(name + len - 3, "ies") == 0) {
        memcpy(out + len - 3, "y", 2);
        return len - 2;
    }
    if (len > 4 && (strcmp(name + len - 4, "sses") == 0 || strcmp(name + len - 4, "ches") == 0 ||
                    strcmp(name + len - 4, "shes") == 0 || strcmp(name + len - 3, "xes") == 0)) {
        out[len - 2] = 0;
        return len - 2;
    }
    if (len > 1 && name[len - 1] == 's') {
        out[len - 1] = 0;
        return len - 1;
    }
    return len;
}

static int single_pk(const dtable *t)
{
    int k = -1;
    for (size_t i = 0; i < t->ncols; i++)
        if (t->cols[i].pk) {
            if (k >= 0)
                return -1;
            k = (int)i;
        }
    return k;
}

void docs_primary_keys(sl_docs *d)
{
    for (size_t i = 0; i < d->nt; i++) {
        dtable *t = &d->t[i];
        if (t->pk_source)
            continue;
        char want[300];
        size_t n = singular(t->name, want, sizeof want - 4);
        if (!n)
            continue;
        memcpy(want + n, "_id", 4);
        const char *names[] = {want, "id", "_key"};
        for (int k = 0; k < 3 && !t->pk_source; k++) {
            int c = find_col(t, names[k], strlen(names[k]));
            if (c >= 0) {
                t->cols[c].pk = true;
                t->pk_source = "name";
            }
        }
    }
    /* an association: two or more columns named like other tables' single keys */
    for (size_t i = 0; i < d->nt; i++) {
        dtable *t = &d->t[i];
        if (t->pk_source)
            continue;
        size_t hits = 0;
        for (size_t c = 0; c < t->ncols; c++)
            for (size_t j = 0; j < d->nt; j++) {
                int k = j == i ? -1 : single_pk(&d->t[j]);
                if (k >= 0 && strcmp(d->t[j].cols[k].name, t->cols[c].name) == 0) {
                    hits++;
                    break;
                }
            }
        if (hits < 2)
            continue;
        for (size_t c = 0; c < t->ncols; c++)
            for (size_t j = 0; j < d->nt; j++) {
                int k = j == i ? -1 : single_pk(&d->t[j]);
                if (k >= 0 && strcmp(d->t[j].cols[k].name, t->cols[c].name) == 0)
                    t->cols[c].pk = true, t->pk_source = "name";
            }
    }
}

static bool compatible(const dcol *a, const dcol *b)
{
    if (a->pq.list || b->pq.list)
        return false;
    bool ia = a->pq.type >= SL_PQ_INT8 && a->pq.type <= SL_PQ_INT64, ib = b->pq.type >= SL_PQ_INT8 && b->pq.type <= SL_PQ_INT64;
    if (ia && ib)
        return true;   /* int32 values hash as the same int64 */
    if (a->pq.type != b->pq.type)
        return false;
    return a->pq.type != SL_PQ_DECIMAL || (a->pq.scale == b->pq.scale && (a->pq.precision > 18) == (b->pq.precision > 18));
}

static bool named_for(const dtable *a, const dcol *c, const dtable *b, const dcol *k)
{
    size_t n = strlen(c->name), kn = strlen(k->name);
    if (strcmp(c->name, k->name) == 0)
        return strcmp(k->name, "_key") != 0;
    if (strcmp(k->name, "id") == 0) {
        char want[300];
        size_t sn = singular(b->name, want, sizeof want - 4);
        if (!sn)
            return false;
        memcpy(want + sn, "_id", 4);
        return strcmp(want, c->name) == 0;
    }
    if (strcmp(c->name, "_parent_key") == 0 && strcmp(k->name, "_key") == 0) {
        size_t bn = strlen(b->name);
        return strncmp(a->name, b->name, bn) == 0 && a->name[bn] == '_' && a->name[bn + 1] == '_';
    }
    return n > kn + 1 && c->name[n - kn - 1] == '_' && strcmp(c->name + n - kn, k->name) == 0;
}

/* Distinct values of s found in t. */
static uint64_t contained(const dset *s, const dset *t)
{
    uint64_t m = s->has_zero && t->has_zero;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slot[i] && dset_has(t, s->slot[i]))
            m++;
    return m;
}

static sl_status add_rel(sl_docs *d, int a, int c, int b, int k, bool declared, bool discovered, uint64_t matched)
{
    for (size_t i = 0; i < d->nr; i++) {
        drel *r = &d->r[i];
        if (r->from_t == a && r->from_c == c && r->to_t == b && r->to_c == k) {
            r->declared |= declared;
            r->discovered |= discovered;
            return SL_OK;
        }
    }
    if (d->nr == d->rcap) {
        drel *nr = sl_grow_array(d->r, &d->rcap, sizeof *nr, 16);
        if (!nr)
            return SL_ERR_NOMEM;
        d->r = nr;
    }
    const dcol *col = &d->t[a].cols[c], *key = &d->t[b].cols[k];
    drel *r = &d->r[d->nr++];
    *r = (drel){a, c, b, k, declared, discovered, col->distinct, matched, false, false, false, false};
    r->one_to_one = col->values > 0 && col->distinct == col->values;
    r->parent_required = col->nulls == 0;
    r->child_optional = matched < key->distinct;
    r->identifying = col->pk;
    return SL_OK;
}

sl_status docs_relationships(sl_docs *d, sl_error *err)
{
    for (size_t a = 0; a < d->nt; a++) {
        dtable *ta = &d->t[a];
        for (size_t c = 0; c < ta->ncols; c++) {
            dcol *col = &ta->cols[c];
            if (!col->keep_set)
                continue;
            if (col->decl_ref) {   /* declared: listed whatever the data says */
                const char *dot = strrchr(col->decl_ref, '.');
                dtable *tb = dot ? find_table(d, col->decl_ref, (size_t)(dot - col->decl_ref)) : NULL;
                int k = tb ? find_col(tb, dot + 1, strlen(dot + 1)) : -1;
                if (k >= 0 && tb->cols[k].keep_set &&
                    add_rel(d, (int)a, (int)c, (int)(tb - d->t), k, true, false, contained(&col->set, &tb->cols[k].set)))
                    return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
            }
            for (size_t b = 0; b < d->nt; b++) {
                dtable *tb = &d->t[b];
                int k = b == a ? -1 : single_pk(tb);
                if (k < 0 || !tb->pk_valid || !tb->cols[k].keep_set || !compatible(col, &tb->cols[k]) ||
                    !named_for(ta, col, tb, &tb->cols[k]) || col->values == 0)
                    continue;
                uint64_t m = contained(&col->set, &tb->cols[k].set);
                if (m == col->distinct && add_rel(d, (int)a, (int)c, (int)b, k, false, true, m))
                    return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
            }
        }
    }
    return SL_OK;
}

const char *docs_mermaid_link(const drel *r, char *out, size_t n)
{
    const char *child = r->one_to_one ? (r->child_optional ? "o|" : "||") : (r->child_optional ? "o{" : "|{");
    snprintf(out, n, "%s%s%s", r->parent_required ? "||" : "|o", r->identifying ? "--" : "..", child);
    return out;
}
