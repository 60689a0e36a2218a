/* The rules validate checks, and where they come from.
 *
 * 1. The sluice schema: the "sluice.schema" key-value metadata of the files (the
 *    whole schema as sluice generate writes it, or one table's columns and types
 *    as ingest and sync write them), or a schema named with --schema, turned into
 *    JSON by sl_gen_schema_to_json and read back here: one reader for both.
 * 2. A rules file (JSON or YAML) that adds to and overrides them, column by column:
 *
 *      schema: school            # optional; turns on the school rules
 *      max_enrollments: 5        # optional; school: classes per student
 *      tables:
 *        students:
 *          primary_key: student_id          # or a list of columns
 *          columns:
 *            age:   {not_null: true, min: 14, max: 19}
 *            email: {pattern: '^[^@ ]+@[^@ ]+$', unique: true, severity: warning}
 *            gender: {values: [F, M, X]}
 *            advisor_id: {references: teachers.teacher_id}
 *
 * 3. The conventions (scan.c), for whatever neither says. */
#include <stdlib.h>
#include <string.h>

#include "base/civil.h"
#include "base/grow.h"
#include "schema/node.h"
#include "validate/vd.h"

void vd_rules_init(vd_rules *r)
{
    memset(r, 0, sizeof *r);
    sl_arena_init(&r->arena, 0);
}

void vd_rules_free(vd_rules *r)
{
    for (size_t t = 0; t < r->ntabs; t++) {
        for (size_t c = 0; c < r->tabs[t].ncols; c++)
            if (r->tabs[t].cols[c].re_ok)
                regfree(&r->tabs[t].cols[c].re);
        free(r->tabs[t].cols);
    }
    free(r->tabs);
    sl_arena_free(&r->arena);
    memset(r, 0, sizeof *r);
}

static const char *dup(vd_rules *r, const char *s)
{
    return sl_arena_strndup(&r->arena, s, strlen(s));
}

vd_tabrule *vd_rules_table(vd_rules *r, const char *name, bool create)
{
    for (size_t i = 0; i < r->ntabs; i++)
        if (strcmp(r->tabs[i].name, name) == 0)
            return &r->tabs[i];
    if (!create)
        return NULL;
    if (r->ntabs == r->cap) {
        vd_tabrule *p = sl_grow_array(r->tabs, &r->cap, sizeof *p, 8);
        if (!p)
            return NULL;
        r->tabs = p;
    }
    vd_tabrule *t = &r->tabs[r->ntabs];
    memset(t, 0, sizeof *t);
    if (!(t->name = dup(r, name)))
        return NULL;
    r->ntabs++;
    return t;
}

vd_colrule *vd_rules_col(vd_rules *r, vd_tabrule *t, const char *name, bool create)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (strcmp(t->cols[i].name, name) == 0)
            return &t->cols[i];
    if (!create)
        return NULL;
    if (t->ncols == t->cap) {
        vd_colrule *p = sl_grow_array(t->cols, &t->cap, sizeof *p, 16);
        if (!p)
            return NULL;
        t->cols = p;
    }
    vd_colrule *c = &t->cols[t->ncols];
    memset(c, 0, sizeof *c);
    if (!(c->name = dup(r, name)))
        return NULL;
    t->ncols++;
    return c;
}

#define BAD(...) sl_node_error(err, SL_ERR_SCHEMA, file, __VA_ARGS__)

static sl_status set_ref(vd_rules *r, vd_colrule *c, const sl_node *n, const char *file, sl_error *err)
{
    const char *s = sl_node_str(n);
    const char *dot = s ? strrchr(s, '.') : NULL;
    if (!dot || dot == s || !dot[1])
        return BAD(n, "a reference is written table.column, not %s", s ? s : sl_node_describe(n));
    char *t = sl_arena_strndup(&r->arena, s, (size_t)(dot - s));
    if (!t || !(c->ref_col = dup(r, dot + 1)))
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    c->ref_table = t;
    return SL_OK;
}

/* A bound: a number, or a date 'YYYY-MM-DD' (days since 1970-01-01). */
static sl_status bound(const sl_node *n, double *out, const char *file, sl_error *err)
{
    int64_t days;
    const char *s = sl_node_str(n);
    if (sl_node_double(n, out))
        return SL_OK;
    if (s && strlen(s) == 10 && sl_parse_ymd(s, &days)) {
        *out = (double)days;
        return SL_OK;
    }
    return BAD(n, "min and max are numbers or dates (YYYY-MM-DD), not %s", sl_node_describe(n));
}

static sl_status set_values(vd_rules *r, vd_colrule *c, const sl_node *n, const char *file, sl_error *err)
{
    if (n->kind != SL_NODE_SEQ)
        return BAD(n, "values is a list, not %s", sl_node_describe(n));
    c->values = sl_arena_alloc(&r->arena, (n->n ? n->n : 1) * sizeof *c->values);
    if (!c->values)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n->n; i++) {
        if (n->items[i]->kind != SL_NODE_SCALAR || sl_node_is_null(n->items[i]))
            return BAD(n->items[i], "a value of values is a string or a number, not %s",
                       sl_node_describe(n->items[i]));
        if (!(c->values[i] = dup(r, n->items[i]->text)))
            return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    }
    c->nvalues = n->n;
    return SL_OK;
}

/* One column's rules, in either the schema's words or the rules file's. */
static sl_status column_rules(vd_rules *r, vd_colrule *c, const sl_node *m, bool schema,
                              const char *file, sl_error *err)
{
    sl_status st;
    for (size_t i = 0; i < m->n; i++) {
        const char *k = m->keys[i]->text;
        const sl_node *v = m->items[i];
        bool b;
        double d;
        if (strcmp(k, "name") == 0 && schema) {
            continue;
        } else if (strcmp(k, "type") == 0) {
            const char *s = sl_node_str(v);
            if (!s)
                return BAD(v, "type is a string, not %s", sl_node_describe(v));
            if (!(c->type = dup(r, s)))
                return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        } else if (strcmp(k, "nullable") == 0 || strcmp(k, "not_null") == 0) {
            if (!sl_node_bool(v, &b))
                return BAD(v, "%s is true or false, not %s", k, sl_node_describe(v));
            c->not_null = k[0] == 'n' && k[1] == 'u' ? !b : b;
        } else if (strcmp(k, "unique") == 0) {
            if (!sl_node_bool(v, &c->unique))
                return BAD(v, "unique is true or false, not %s", sl_node_describe(v));
        } else if (strcmp(k, "min") == 0 || strcmp(k, "max") == 0) {
            if ((st = bound(v, &d, file, err)))
                return st;
            /* sl_gen_schema_to_json writes +-1e308 for a side it does not bound */
            bool set = d > -1e308 && d < 1e308;
            if (k[1] == 'i')
                c->has_min = set, c->min = d;
            else
                c->has_max = set, c->max = d;
        } else if (strcmp(k, "values") == 0 || strcmp(k, "enum") == 0) {
            if ((st = set_values(r, c, v, file, err)))
                return st;
        } else if (strcmp(k, "pattern") == 0 && !schema) {
            const char *s = sl_node_str(v);
            if (!s)
                return BAD(v, "pattern is a string, not %s", sl_node_describe(v));
            if (!(c->pattern = dup(r, s)))
                return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        } else if (strcmp(k, "references") == 0) {
            if ((st = set_ref(r, c, v, file, err)))
                return st;
        } else if (strcmp(k, "severity") == 0 && !schema) {
            const char *s = sl_node_str(v);
            if (s && strcmp(s, "error") == 0)
                c->sev = VD_SEV_ERROR;
            else if (s && strcmp(s, "warning") == 0)
                c->sev = VD_SEV_WARNING;
            else
                return BAD(v, "severity is error or warning");
        } else if (schema) {
            continue;    /* check, synthetic, description: not rules validate applies */
        } else {
            return BAD(m->keys[i], "unknown column rule '%s' (not_null, unique, min, max, values, "
                                   "pattern, references, type, severity)", k);
        }
    }
    return SL_OK;
}

static sl_status primary_key(vd_tabrule *t, vd_rules *r, const sl_node *v, const char *file, sl_error *err)
{
    const sl_node *const *items = v->kind == SL_NODE_SEQ ? (const sl_node *const *)v->items : &v;
    size_t n = v->kind == SL_NODE_SEQ ? v->n : 1;
    if (n > VD_MAX_KEY)
        return BAD(v, "a primary key has at most %d columns", VD_MAX_KEY);
    for (size_t i = 0; i < n; i++) {
        const char *s = sl_node_str(items[i]);
        if (!s)
            return BAD(items[i], "a primary key column is a string, not %s", sl_node_describe(items[i]));
        if (!(t->pk[i] = dup(r, s)))
            return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    }
    t->npk = n;
    return SL_OK;
}

/* {"name":..,"primary_key":[..],"columns":[{"name":..,...}]} */
static sl_status schema_table(vd_rules *r, const sl_node *tn, const char *tname, const char *file,
                              sl_error *err)
{
    vd_tabrule *t = vd_rules_table(r, tname, true);
    if (!t)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    const sl_node *pk = sl_node_get(tn, "primary_key");
    sl_status st;
    if (pk && pk->kind != SL_NODE_MAP && (pk->kind == SL_NODE_SEQ ? pk->n > 0 : !sl_node_is_null(pk)) &&
        (st = primary_key(t, r, pk, file, err)))
        return st;
    const sl_node *cols = sl_node_get(tn, "columns");
    if (!cols || cols->kind != SL_NODE_SEQ)
        return BAD(tn, "a table of a sluice schema has a list of columns");
    for (size_t i = 0; i < cols->n; i++) {
        const sl_node *cn = cols->items[i];
        const char *name = sl_node_str(sl_node_get(cn, "name"));
        if (cn->kind != SL_NODE_MAP || !name)
            return BAD(cn, "a column of a sluice schema is a mapping with a name");
        bool b;
        if (sl_node_bool(sl_node_get(cn, "synthetic"), &b) && b)
            continue;
        vd_colrule *c = vd_rules_col(r, t, name, true);
        if (!c)
            return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        if ((st = column_rules(r, c, cn, true, file, err)))
            return st;
    }
    return SL_OK;
}

sl_status vd_rules_add_schema_json(vd_rules *r, const char *text, size_t len, const char *file,
                                   sl_error *err)
{
    sl_node_doc doc;
    sl_status st = sl_node_parse(text, len, file, &doc, err);
    if (st)
        return st == SL_ERR_NOMEM ? st : SL_ERR_SCHEMA;
    const sl_node *root = doc.root, *tabs = sl_node_get(root, "tables");
    const char *one = sl_node_str(sl_node_get(root, "table"));
    if (tabs && tabs->kind == SL_NODE_SEQ) {
        const char *name = sl_node_str(sl_node_get(root, "name"));
        if (name && !r->schema_name && !(r->schema_name = dup(r, name)))
            st = sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        for (size_t i = 0; !st && i < tabs->n; i++) {
            const char *tname = sl_node_str(sl_node_get(tabs->items[i], "name"));
            if (!tname)
                st = BAD(tabs->items[i], "a table of a sluice schema has a name");
            else
                st = schema_table(r, tabs->items[i], tname, file, err);
        }
    } else if (one) {
        st = schema_table(r, root, one, file, err);
    } else {
        st = BAD(root, "not a sluice schema (no tables, no table)");
    }
    sl_node_doc_free(&doc);
    return st;
}

static sl_status file_table(vd_rules *r, const char *name, const sl_node *tn, const char *file,
                            sl_error *err)
{
    if (tn->kind != SL_NODE_MAP)
        return BAD(tn, "table '%s' is a mapping, not %s", name, sl_node_describe(tn));
    vd_tabrule *t = vd_rules_table(r, name, true);
    if (!t)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    sl_status st;
    for (size_t i = 0; i < tn->n; i++) {
        const char *k = tn->keys[i]->text;
        const sl_node *v = tn->items[i];
        if (strcmp(k, "primary_key") == 0) {
            if (v->kind == SL_NODE_MAP || (v->kind == SL_NODE_SEQ && !v->n))
                return BAD(v, "primary_key is a column or a list of columns");
            if ((st = primary_key(t, r, v, file, err)))
                return st;
        } else if (strcmp(k, "columns") == 0) {
            if (v->kind != SL_NODE_MAP)
                return BAD(v, "columns is a mapping from column name to rules, not %s",
                           sl_node_describe(v));
            for (size_t j = 0; j < v->n; j++) {
                if (v->items[j]->kind != SL_NODE_MAP)
                    return BAD(v->items[j], "the rules of column '%s' are a mapping, not %s",
                               v->keys[j]->text, sl_node_describe(v->items[j]));
                vd_colrule *c = vd_rules_col(r, t, v->keys[j]->text, true);
                if (!c)
                    return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
                if ((st = column_rules(r, c, v->items[j], false, file, err)))
                    return st;
            }
        } else {
            return BAD(tn->keys[i], "unknown table rule '%s' (primary_key, columns)", k);
        }
    }
    return SL_OK;
}

sl_status vd_rules_add_file(vd_rules *r, const char *text, size_t len, const char *file, sl_error *err)
{
    sl_node_doc doc;
    sl_status st = sl_node_parse(text, len, file, &doc, err);
    if (st)
        return st == SL_ERR_NOMEM ? st : SL_ERR_SCHEMA;
    const sl_node *root = doc.root;
    if (!root || root->kind != SL_NODE_MAP) {
        st = root ? BAD(root, "a rules file is a mapping (schema, max_enrollments, tables)")
                  : sl_error_set(err, SL_ERR_SCHEMA, "a rules file is a mapping (schema, max_enrollments, tables)");
        sl_node_doc_free(&doc);
        return st;
    }
    for (size_t i = 0; !st && i < root->n; i++) {
        const char *k = root->keys[i]->text;
        const sl_node *v = root->items[i];
        int64_t n;
        if (strcmp(k, "schema") == 0) {
            const char *s = sl_node_str(v);
            if (!s)
                st = BAD(v, "schema is a name, not %s", sl_node_describe(v));
            else if (!(r->schema_name = dup(r, s)))
                st = sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        } else if (strcmp(k, "max_enrollments") == 0) {
            if (!sl_node_int(v, &n) || n < 1)
                st = BAD(v, "max_enrollments is a positive integer");
            else
                r->max_enrollments = n;
        } else if (strcmp(k, "tables") == 0) {
            if (v->kind != SL_NODE_MAP)
                st = BAD(v, "tables is a mapping from table name to rules, not %s", sl_node_describe(v));
            for (size_t j = 0; !st && v->kind == SL_NODE_MAP && j < v->n; j++)
                st = file_table(r, v->keys[j]->text, v->items[j], file, err);
        } else {
            st = BAD(root->keys[i], "unknown key '%s' (schema, max_enrollments, tables)", k);
        }
    }
    sl_node_doc_free(&doc);
    return st;
}

sl_status vd_rules_compile(vd_rules *r, sl_error *err)
{
    for (size_t t = 0; t < r->ntabs; t++)
        for (size_t i = 0; i < r->tabs[t].ncols; i++) {
            vd_colrule *c = &r->tabs[t].cols[i];
            if (!c->pattern || c->re_ok)
                continue;
            int rc = regcomp(&c->re, c->pattern, REG_EXTENDED | REG_NOSUB);
            if (rc) {
                char msg[200];
                regerror(rc, &c->re, msg, sizeof msg);
                return sl_error_set(err, SL_ERR_SCHEMA, "%s.%s: pattern '%s': %s", r->tabs[t].name,
                                    c->name, c->pattern, msg);
            }
            c->re_ok = true;
        }
    return SL_OK;
}

sl_status sl_validate_rules_check(const char *text, size_t len, const char *name, sl_error *err)
{
    vd_rules r;
    vd_rules_init(&r);
    sl_status st = vd_rules_add_file(&r, text, len, name, err);
    if (!st)
        st = vd_rules_compile(&r, err);
    vd_rules_free(&r);
    return st;
}
