/* A pinned schema for ingest (--schema): instead of inferring and widening, every
 * document must fit the tables of a sluice schema (a built-in name or a schema
 * file, as `sluice generate` reads them), or it is rejected with the reason.
 *
 * The schema's JSON form (sl_gen_schema_to_json) gives each table's columns with
 * their flattened names, types and nullability; a document fits when each of its
 * entity arrays names a table of the schema and each row has only that table's
 * columns (nested objects flattened with '_'), every value fits its column's type,
 * and no column that is not nullable is missing or null. */
#include "ingest/pin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/infer.h"
#include "sluice/buf.h"
#include "sluice/gen.h"

typedef enum { K_STRING, K_INT, K_NUMBER, K_BOOL, K_DATE, K_TIME, K_TIMESTAMP, K_ANY } kind;

typedef struct pin_col { char *name; kind k; bool list, nullable, seen; } pin_col;
typedef struct pin_table { char *name; pin_col *cols; size_t n; } pin_table;

struct sl_pin {
    pin_table *t;
    size_t n;
    char *json;     /* the schema's JSON, for <state>/schema/pinned.json */
};

static kind kind_of(const char *ty)
{
    if (strcmp(ty, "string") == 0)
        return K_STRING;
    if (strncmp(ty, "int", 3) == 0 || strncmp(ty, "uint", 4) == 0)
        return K_INT;
    if (strncmp(ty, "float", 5) == 0 || strcmp(ty, "double") == 0 || strncmp(ty, "decimal", 7) == 0)
        return K_NUMBER;
    if (strcmp(ty, "bool") == 0 || strcmp(ty, "boolean") == 0)
        return K_BOOL;
    if (strcmp(ty, "date") == 0)
        return K_DATE;
    if (strcmp(ty, "time") == 0)
        return K_TIME;
    if (strncmp(ty, "timestamp", 9) == 0)
        return K_TIMESTAMP;
    return K_ANY;
}

static const char *const kind_names[] = {"a string", "an integer", "a number", "a boolean",
                                         "a date (YYYY-MM-DD)", "a time (HH:MM:SS)",
                                         "an ISO 8601 timestamp", "a value"};

void sl_pin_free(sl_pin *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        for (size_t c = 0; c < p->t[i].n; c++)
            free(p->t[i].cols[c].name);
        free(p->t[i].cols);
        free(p->t[i].name);
    }
    free(p->t);
    free(p->json);
    free(p);
}

static char *dupn(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static sl_status build(sl_pin *p, const sl_json_value *root)
{
    const sl_json_value *tables = sl_json_get(root, "tables");
    if (!tables || tables->type != SL_JSON_ARRAY)
        return SL_ERR_SCHEMA;
    if (!(p->t = calloc(tables->u.arr.len + 1, sizeof *p->t)))
        return SL_ERR_NOMEM;
    for (size_t i = 0; i < tables->u.arr.len; i++) {
        const sl_json_value *t = &tables->u.arr.items[i];
        const sl_json_value *name = sl_json_get(t, "name"), *cols = sl_json_get(t, "columns");
        if (!name || name->type != SL_JSON_STRING || !cols || cols->type != SL_JSON_ARRAY)
            return SL_ERR_SCHEMA;
        pin_table *pt = &p->t[p->n++];
        if (!(pt->name = dupn(name->u.str.ptr, name->u.str.len)) ||
            !(pt->cols = calloc(cols->u.arr.len + 1, sizeof *pt->cols)))
            return SL_ERR_NOMEM;
        for (size_t c = 0; c < cols->u.arr.len; c++) {
            const sl_json_value *col = &cols->u.arr.items[c];
            const sl_json_value *cn = sl_json_get(col, "name"), *ty = sl_json_get(col, "type");
            const sl_json_value *nl = sl_json_get(col, "nullable");
            if (!cn || cn->type != SL_JSON_STRING || !ty || ty->type != SL_JSON_STRING)
                return SL_ERR_SCHEMA;
            pin_col *pc = &pt->cols[pt->n++];
            if (!(pc->name = dupn(cn->u.str.ptr, cn->u.str.len)))
                return SL_ERR_NOMEM;
            char tyname[64];
            snprintf(tyname, sizeof tyname, "%.*s", (int)ty->u.str.len, ty->u.str.ptr);
            pc->list = strncmp(tyname, "list<", 5) == 0;
            if (pc->list) {
                tyname[strlen(tyname) - 1] = '\0';
                memmove(tyname, tyname + 5, strlen(tyname + 5) + 1);
            }
            pc->k = kind_of(tyname);
            pc->nullable = !nl || nl->type != SL_JSON_FALSE;
        }
    }
    return SL_OK;
}

sl_status sl_pin_load(const char *name_or_path, sl_pin **out, sl_error *err)
{
    *out = NULL;
    sl_gen_schema *gs;
    sl_status st = sl_gen_schema_load(name_or_path, NULL, 0, &gs, err);
    if (st)
        return st;
    sl_buf js;
    sl_buf_init(&js, 0);
    st = sl_gen_schema_to_json(gs, &js);
    sl_gen_schema_free(gs);
    sl_pin *p = calloc(1, sizeof *p);
    sl_json_reader *r = NULL;
    const sl_json_value *v;
    if (st || !p || sl_buf_putc(&js, '\0')) {
        st = SL_ERR_NOMEM;
    } else if (!(st = sl_json_reader_open_mem(js.data, js.len - 1, name_or_path, NULL, &r, err)) &&
               !(st = sl_json_reader_next(r, &v, err))) {
        st = build(p, v);
        p->json = (char *)js.data;
        js.data = NULL;
    }
    sl_json_reader_free(r);
    sl_buf_free(&js);
    if (st) {
        sl_pin_free(p);
        return sl_error_set(err, st, "cannot use schema '%s' to pin ingest", name_or_path);
    }
    *out = p;
    return SL_OK;
}

const char *sl_pin_json(const sl_pin *p) { return p->json; }

static bool fits(kind k, const sl_json_value *v)
{
    int32_t d;
    int64_t us;
    bool zoned;
    switch (k) {
    case K_STRING: return v->type == SL_JSON_STRING;
    case K_INT: return v->type == SL_JSON_INT;
    case K_NUMBER: return v->type == SL_JSON_INT || v->type == SL_JSON_DOUBLE || v->type == SL_JSON_BIGINT;
    case K_BOOL: return v->type == SL_JSON_TRUE || v->type == SL_JSON_FALSE;
    case K_DATE: return v->type == SL_JSON_STRING && sl_parse_date(v->u.str.ptr, v->u.str.len, &d);
    case K_TIME: return v->type == SL_JSON_STRING && sl_parse_time(v->u.str.ptr, v->u.str.len, &us);
    case K_TIMESTAMP:
        return v->type == SL_JSON_STRING && sl_parse_timestamp(v->u.str.ptr, v->u.str.len, &us, &zoned);
    case K_ANY: return true;
    }
    return false;
}

static const char *json_kind(const sl_json_value *v)
{
    switch (v->type) {
    case SL_JSON_NULL: return "null";
    case SL_JSON_FALSE: case SL_JSON_TRUE: return "a boolean";
    case SL_JSON_INT: case SL_JSON_BIGINT: return "an integer";
    case SL_JSON_DOUBLE: return "a number with a fraction";
    case SL_JSON_STRING: return "a string";
    case SL_JSON_ARRAY: return "an array";
    case SL_JSON_OBJECT: return "an object";
    }
    return "?";
}

/* Checks the members of one row (prefix: the flattened name so far). */
static bool check_row(pin_table *t, const sl_json_value *obj, char *name, size_t nlen, size_t row,
                      char *why, size_t wn)
{
    for (size_t i = 0; i < obj->u.obj.len; i++) {
        const sl_json_member *m = &obj->u.obj.members[i];
        size_t k = nlen + (nlen ? 1 : 0) + m->key_len;
        if (k >= 256) {
            snprintf(why, wn, "%s[%zu]: a column name longer than 255 bytes", t->name, row);
            return false;
        }
        if (nlen)
            name[nlen] = '_';
        memcpy(name + k - m->key_len, m->key, m->key_len);
        name[k] = '\0';
        if (m->value.type == SL_JSON_OBJECT) {
            if (!check_row(t, &m->value, name, k, row, why, wn))
                return false;
            continue;
        }
        pin_col *c = NULL;
        for (size_t j = 0; j < t->n && !c; j++)
            if (strcmp(t->cols[j].name, name) == 0)
                c = &t->cols[j];
        if (!c) {
            snprintf(why, wn, "%s[%zu].%s: no such column in the pinned schema", t->name, row, name);
            return false;
        }
        c->seen = true;
        const sl_json_value *v = &m->value;
        if (v->type == SL_JSON_NULL) {
            if (!c->nullable) {
                snprintf(why, wn, "%s[%zu].%s: null in a column that is not nullable", t->name, row, name);
                return false;
            }
            continue;
        }
        if (c->list != (v->type == SL_JSON_ARRAY)) {
            snprintf(why, wn, "%s[%zu].%s: expected %s, got %s", t->name, row, name,
                     c->list ? "an array" : kind_names[c->k], json_kind(v));
            return false;
        }
        for (size_t e = 0; e < (c->list ? v->u.arr.len : 1); e++) {
            const sl_json_value *x = c->list ? &v->u.arr.items[e] : v;
            if (x->type != SL_JSON_NULL && !fits(c->k, x)) {
                snprintf(why, wn, "%s[%zu].%s: expected %s, got %s", t->name, row, name, kind_names[c->k],
                         json_kind(x));
                return false;
            }
        }
    }
    return true;
}

/* Checks one row (the index-th of its array) against table tname. */
static bool check_one(sl_pin *p, const char *tname, size_t tlen, const sl_json_value *row,
                      size_t index, char *why, size_t wn)
{
    pin_table *t = NULL;
    for (size_t i = 0; i < p->n && !t; i++)
        if (strlen(p->t[i].name) == tlen && memcmp(p->t[i].name, tname, tlen) == 0)
            t = &p->t[i];
    if (!t) {
        snprintf(why, wn, "table '%.*s' is not in the pinned schema", (int)(tlen > 200 ? 200 : tlen), tname);
        return false;
    }
    if (row->type != SL_JSON_OBJECT) {
        snprintf(why, wn, "%s[%zu]: expected an object, got %s", t->name, index, json_kind(row));
        return false;
    }
    for (size_t c = 0; c < t->n; c++)
        t->cols[c].seen = false;
    char name[256] = "";
    if (!check_row(t, row, name, 0, index, why, wn))
        return false;
    for (size_t c = 0; c < t->n; c++)
        if (!t->cols[c].seen && !t->cols[c].nullable) {
            snprintf(why, wn, "%s[%zu].%s: missing, and the column is not nullable", t->name, index,
                     t->cols[c].name);
            return false;
        }
    return true;
}

bool sl_pin_check_document(sl_pin *p, const sl_json_value *doc, char *why, size_t wn)
{
    for (size_t i = 0; i < doc->u.obj.len; i++) {
        const sl_json_member *m = &doc->u.obj.members[i];
        const sl_json_value *v = &m->value;
        if (v->type != SL_JSON_ARRAY || v->u.arr.len == 0)
            continue;
        bool objects = true;
        for (size_t k = 0; k < v->u.arr.len && objects; k++)
            objects = v->u.arr.items[k].type == SL_JSON_OBJECT || v->u.arr.items[k].type == SL_JSON_NULL;
        if (!objects)
            continue;   /* a list of scalars belongs to the _documents row */
        for (size_t k = 0; k < v->u.arr.len; k++)
            if (v->u.arr.items[k].type != SL_JSON_NULL &&
                !check_one(p, m->key, m->key_len, &v->u.arr.items[k], k, why, wn))
                return false;
    }
    return true;
}

bool sl_pin_check_record(sl_pin *p, const char *table, const sl_json_value *rec, size_t index,
                         char *why, size_t wn)
{
    return check_one(p, table, strlen(table), rec, index, why, wn);
}
