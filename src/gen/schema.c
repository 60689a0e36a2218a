/* Schema files to the generator model (gen/model.h), with every check that
 * docs/schema-format.md promises, each error pointing at the file, line and column. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "base/embedded.h"
#include "gen/model.h"
#include "schema/infer.h"
#include "gen/emit.h"
#include "gen/schema_int.h"
#include "schema/node.h"
#include "sluice/buf.h"
#include "sluice/gen.h"

static const char *const builtins[] = {"school", "card_transactions", NULL};

const char *const *sl_gen_builtin_names(void)
{
    return builtins;
}

bool sch_word_in(const char *w, const char *list)
{
    size_t n = strlen(w);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ' ');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && memcmp(p, w, n) == 0)
            return true;
        if (!e)
            break;
        p = e + 1;
    }
    return false;
}

char *sch_dup(ctx *c, const char *s)
{
    return sl_arena_strndup(&c->s->arena, s, strlen(s));
}

uint64_t sch_salt_of(const char *s)
{
    return XXH3_64bits(s, strlen(s));
}

/* A number, or "$param". */
sl_status sch_num(ctx *c, const sl_node *n, double *out)
{
    if (sl_node_double(n, out))
        return SL_OK;
    const char *s = sl_node_str(n);
    if (s && s[0] == '$') {
        for (size_t i = 0; i < c->s->nparams; i++)
            if (strcmp(c->s->params[i].name, s + 1) == 0) {
                *out = c->s->params[i].value;
                return SL_OK;
            }
        return FAIL(c, n, "unknown param '%s'", s + 1);
    }
    return FAIL(c, n, "expected a number, found %s", sl_node_describe(n));
}

sl_status sch_opt_num(ctx *c, const sl_node *m, const char *key, double *out, bool *given)
{
    const sl_node *n = sl_node_get(m, key);
    if (given)
        *given = n != NULL;
    return n ? sch_num(c, n, out) : SL_OK;
}

sl_status sch_need_num(ctx *c, const sl_node *m, const char *key, double *out)
{
    const sl_node *n = sl_node_get(m, key);
    if (!n)
        return FAIL(c, m, "%s '%s' needs '%s'", "generator", sl_node_str(sl_node_get(m, "gen")) ?
                    sl_node_str(sl_node_get(m, "gen")) : "?", key);
    return sch_num(c, n, out);
}

sl_status sch_need_str(ctx *c, const sl_node *m, const char *key, const char **out)
{
    const sl_node *n = sl_node_get(m, key);
    if (!n)
        return FAIL(c, m, "missing '%s'", key);
    if (!(*out = sl_node_str(n)))
        return FAIL(c, n, "'%s' must be a string, found %s", key, sl_node_describe(n));
    return SL_OK;
}

static bool valid_name(const char *s)
{
    if (!isalpha((unsigned char)s[0]) && s[0] != '_')
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return false;
    return true;
}

/* "int32", "decimal(12,2)", "list<string>". */static sl_status push_col(ctx *c, sl_gcol **out)
{
    if (c->ncols == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        sl_gcol *n = realloc(c->cols, cap * sizeof *n);
        if (!n)
            return sl_error_set(c->err, SL_ERR_NOMEM, "out of memory");
        c->cols = n;
        c->cap = cap;
    }
    *out = &c->cols[c->ncols++];
    memset(*out, 0, sizeof **out);
    return SL_OK;
}

static sl_status read_column(ctx *c, const sl_node *m, int depth, const char *prefix, int group)
{
    if (m->kind != SL_NODE_MAP)
        return FAIL(c, m, "a column must be a mapping, found %s", sl_node_describe(m));
    const char *name;
    sl_status st = sch_need_str(c, m, "name", &name);
    if (st != SL_OK)
        return st;
    if (!valid_name(name))
        return FAIL(c, sl_node_get(m, "name"), "'%s' is not a valid column name", name);
    sl_gcol *col = NULL;
    if ((st = push_col(c, &col)) != SL_OK)
        return st;
    size_t idx = c->ncols - 1;
    col->line = m->line;
    col->column = m->column;
    col->depth = depth;
    col->group = group;
    col->arg[0] = col->arg[1] = -1;
    col->ref_table = col->ref_col = -1;
    col->name = sch_dup(c, name);
    char path[256];
    if (snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "_" : "", name) >= (int)sizeof path)
        return FAIL(c, m, "column name too long");
    col->path = sch_dup(c, path);
    col->salt = sch_salt_of(path);
    const char *desc = sl_node_str(sl_node_get(m, "description"));
    col->description = desc ? sch_dup(c, desc) : NULL;
    const sl_node *t = sl_node_get(m, "type");
    const sl_node *gen = sl_node_get(m, "gen"), *expr = sl_node_get(m, "expr"),
                  *ref = sl_node_get(m, "ref");
    if (t && (st = sch_parse_type(c, t, col)) != SL_OK)
        return st;
    if (!t && !ref)
        return FAIL(c, m, "column '%s' needs a 'type'", name);
    if (!t)
        col->type = SL_G_STRING; /* a reference takes its key's type, checked later */
    if (col->type == SL_G_OBJECT) {
        const sl_node *cols = sl_node_get(m, "columns");
        if (!cols || cols->kind != SL_NODE_SEQ || cols->n == 0)
            return FAIL(c, m, "an object column needs 'columns'");
        if (gen || expr || ref)
            return FAIL(c, m, "an object column is made by its columns, not by gen, expr or ref");
        col->gen = G_OBJECT;
        for (size_t i = 0; i < cols->n; i++)
            if ((st = read_column(c, cols->items[i], depth + 1, path, (int)idx)) != SL_OK)
                return st;
        return SL_OK;
    }
    int how = (gen != NULL) + (expr != NULL) + (ref != NULL);
    if (how != 1)
        return FAIL(c, m, "column '%s' needs exactly one of 'gen', 'expr' or 'ref'", name);
    bool b;
    const sl_node *u = sl_node_get(m, "unique"), *h = sl_node_get(m, "hidden");
    if (u && !sl_node_bool(u, &b))
        return FAIL(c, u, "'unique' must be true or false");
    col->unique = u && b;
    if (h && !sl_node_bool(h, &b))
        return FAIL(c, h, "'hidden' must be true or false");
    col->hidden = h && b;
    if ((st = sch_opt_num(c, m, "null_rate", &col->null_rate, NULL)) != SL_OK)
        return st;
    if (!(col->null_rate >= 0 && col->null_rate <= 1))
        return FAIL(c, sl_node_get(m, "null_rate"), "null_rate must be in [0, 1]");
    const char *chk = sl_node_str(sl_node_get(m, "check"));
    col->check_src = chk ? sch_dup(c, chk) : NULL;
    if (gen)
        return sch_gen_params(c, m, col);
    for (size_t i = 0; i < m->n; i++)
        if (!sch_word_in(m->keys[i]->text, sch_common_keys))
            return FAIL(c, m->keys[i], "unknown key '%s'", m->keys[i]->text);
    if (expr) {
        const char *src = sl_node_str(expr);
        if (!src)
            return FAIL(c, expr, "'expr' must be a string");
        col->gen = G_EXPR;
        col->expr_src = sch_dup(c, src);
        return SL_OK;
    }
    const char *r = sl_node_str(ref);
    if (!r || !strchr(r, '.'))
        return FAIL(c, ref, "'ref' must be \"table.column\"");
    col->gen = G_REF;
    col->expr_src = sch_dup(c, r); /* resolved in resolve_refs */
    const sl_node *dist = sl_node_get(m, "dist");
    if (dist) {
        const char *d = sl_node_str(dist);
        if (!d || (strcmp(d, "zipf") != 0 && strcmp(d, "uniform") != 0))
            return FAIL(c, dist, "'dist' must be \"uniform\" or \"zipf\"");
        col->ref_zipf = strcmp(d, "zipf") == 0;
        col->ref_s = 1.0;
        if ((st = sch_opt_num(c, m, "s", &col->ref_s, NULL)) != SL_OK)
            return st;
    }
    return SL_OK;
}

int sl_gtable_find(const sl_gtable *t, const char *name, size_t len)
{
    for (size_t i = 0; i < t->ncols; i++) {
        const char *p = t->cols[i].path;
        if (strlen(p) != len)
            continue;
        size_t k = 0;
        while (k < len && (p[k] == name[k] || (p[k] == '_' && name[k] == '.')))
            k++;
        if (k == len)
            return (int)i;
    }
    return -1;
}

static int find_table(const sl_gen_schema *s, const char *name, size_t len)
{
    for (size_t i = 0; i < s->ntables; i++)
        if (strlen(s->tables[i].name) == len && memcmp(s->tables[i].name, name, len) == 0)
            return (int)i;
    return -1;
}

static sl_status read_association(ctx *c, const sl_node *a, sl_gtable *t)
{
    const char *l, *r, *cap;
    sl_status st;
    if (a->kind != SL_NODE_MAP)
        return FAIL(c, a, "'association' must be a mapping");
    for (size_t i = 0; i < a->n; i++)
        if (!sch_word_in(a->keys[i]->text, "left right capacity utilization max_per_left fill_min"))
            return FAIL(c, a->keys[i], "unknown key '%s' in an association", a->keys[i]->text);
    if ((st = sch_need_str(c, a, "left", &l)) != SL_OK || (st = sch_need_str(c, a, "right", &r)) != SL_OK ||
        (st = sch_need_str(c, a, "capacity", &cap)) != SL_OK)
        return st;
    t->left = find_table(c->s, l, strlen(l));
    t->right = find_table(c->s, r, strlen(r));
    if (t->left < 0 || t->right < 0)
        return FAIL(c, a, "association tables must be defined earlier: no table '%s'",
                    t->left < 0 ? l : r);
    const sl_gtable *rt = &c->s->tables[t->right];
    t->cap_col = sl_gtable_find(rt, cap, strlen(cap));
    if (t->cap_col < 0 || !sch_is_int(rt->cols[t->cap_col].type) || rt->cols[t->cap_col].gen == G_EXPR ||
        rt->cols[t->cap_col].null_rate > 0)
        return FAIL(c, sl_node_get(a, "capacity"),
                    "capacity '%s' must be a generated, non-null integer column of '%s'", cap, r);
    t->util = 1;
    t->max_per_left = 1e18;
    t->fill_min = 1;
    if ((st = sch_opt_num(c, a, "utilization", &t->util, NULL)) != SL_OK ||
        (st = sch_opt_num(c, a, "max_per_left", &t->max_per_left, NULL)) != SL_OK ||
        (st = sch_opt_num(c, a, "fill_min", &t->fill_min, NULL)) != SL_OK)
        return st;
    if (!(t->util > 0 && t->util <= 1) || !(t->max_per_left >= 1) || !(t->fill_min >= 0 && t->fill_min <= 1))
        return FAIL(c, a, "need 0 < utilization <= 1, max_per_left >= 1, 0 <= fill_min <= 1");
    t->assoc = true;
    return SL_OK;
}

static sl_status read_table(ctx *c, const sl_node *m, sl_gtable *t)
{
    if (m->kind != SL_NODE_MAP)
        return FAIL(c, m, "a table must be a mapping, found %s", sl_node_describe(m));
    for (size_t i = 0; i < m->n; i++)
        if (!sch_word_in(m->keys[i]->text, "name rows primary_key association description columns"))
            return FAIL(c, m->keys[i], "unknown key '%s' in a table", m->keys[i]->text);
    const char *name;
    sl_status st = sch_need_str(c, m, "name", &name);
    if (st != SL_OK)
        return st;
    if (!valid_name(name))
        return FAIL(c, sl_node_get(m, "name"), "'%s' is not a valid table name", name);
    if (find_table(c->s, name, strlen(name)) >= 0)
        return FAIL(c, sl_node_get(m, "name"), "table '%s' is defined twice", name);
    t->name = sch_dup(c, name);
    t->line = m->line;
    t->column = m->column;
    t->salt = sch_salt_of(name);
    t->per = -1;
    t->left = t->right = -1;
    const char *desc = sl_node_str(sl_node_get(m, "description"));
    t->description = desc ? sch_dup(c, desc) : NULL;
    const sl_node *a = sl_node_get(m, "association");
    if (a && (st = read_association(c, a, t)) != SL_OK)
        return st;
    const sl_node *rows = sl_node_get(m, "rows");
    if (!rows && !a)
        return FAIL(c, m, "table '%s' needs 'rows'", name);
    if (rows && rows->kind == SL_NODE_MAP) {
        const char *per;
        if ((st = sch_need_str(c, rows, "per", &per)) != SL_OK ||
            (st = sch_need_num(c, rows, "ratio", &t->ratio)) != SL_OK)
            return st;
        t->per_name = sch_dup(c, per); /* resolved in resolve_per, once every table is read */
        t->line = sl_node_get(rows, "per")->line;
        t->column = sl_node_get(rows, "per")->column;
        if (!(t->ratio > 0 && t->ratio < 1e9))
            return FAIL(c, rows, "ratio must be > 0");
    } else if (rows) {
        if ((st = sch_num(c, rows, &t->rows)) != SL_OK)
            return st;
        if (!(t->rows >= 0 && t->rows <= 1e15))
            return FAIL(c, rows, "rows must be a count >= 0");
    }
    const sl_node *cols = sl_node_get(m, "columns");
    if (!cols || cols->kind != SL_NODE_SEQ || cols->n == 0)
        return FAIL(c, cols ? cols : m, "table '%s' needs a non-empty list of 'columns'", name);
    c->ncols = 0;
    for (size_t i = 0; i < cols->n; i++)
        if ((st = read_column(c, cols->items[i], 0, "", -1)) != SL_OK)
            return st;
    for (size_t i = 0; i < c->ncols; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->cols[i].path, c->cols[j].path) == 0)
                return sl_error_at(c->err, SL_ERR_SCHEMA, c->cols[i].line, c->cols[i].column,
                                   UINT64_MAX, "column '%s' is defined twice in '%s'",
                                   c->cols[i].path, name);
    t->cols = sl_arena_alloc(&c->s->arena, c->ncols * sizeof *t->cols);
    if (!t->cols)
        return sl_error_set(c->err, SL_ERR_NOMEM, "out of memory");
    memcpy(t->cols, c->cols, c->ncols * sizeof *t->cols);
    t->ncols = c->ncols;
    if (sl_emit_prepare(t, &c->s->arena) != SL_OK)
        return sl_error_set(c->err, SL_ERR_NOMEM, "out of memory");
    const sl_node *pk = sl_node_get(m, "primary_key");
    if (pk) {
        size_t n = pk->kind == SL_NODE_SEQ ? pk->n : 1;
        t->pk = sl_arena_alloc(&c->s->arena, n * sizeof *t->pk);
        if (!t->pk)
            return sl_error_set(c->err, SL_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
            const sl_node *k = pk->kind == SL_NODE_SEQ ? pk->items[i] : pk;
            const char *kn = sl_node_str(k);
            int ci = kn ? sl_gtable_find(t, kn, strlen(kn)) : -1;
            if (ci < 0)
                return FAIL(c, k, "primary key '%s' is not a column of '%s'", kn ? kn : "?", name);
            t->pk[i] = ci;
            if (t->cols[ci].null_rate > 0)
                return FAIL(c, k, "primary key column '%s' has a null_rate", kn);
        }
        t->npk = n;
        if (n == 1 && !t->assoc) {
            sl_gcol *kc = &t->cols[t->pk[0]];
            if (kc->gen != G_SEQUENCE && kc->gen != G_UUID &&
                !(kc->unique && (kc->gen == G_PATTERN || kc->gen == G_EMAIL)))
                return sl_error_at(c->err, SL_ERR_SCHEMA, kc->line, kc->column, UINT64_MAX,
                                   "primary key '%s' must be unique by construction: gen sequence, "
                                   "uuid, or a unique pattern", kc->path);
        }
    }
    return SL_OK;
}

/* The second pass, once every table is read: references, columns named by other
 * columns, associations' key columns and expressions. */
typedef struct env_ctx {
    const sl_gtable *t;
    size_t upto;    /* columns before this one are visible */
} env_ctx;

static sl_val_kind val_kind(sl_gtype t)
{
    switch (t) {
    case SL_G_BOOL: return SL_VAL_BOOL;
    case SL_G_DOUBLE: return SL_VAL_DOUBLE;
    case SL_G_DECIMAL: return SL_VAL_DECIMAL;
    case SL_G_STRING: return SL_VAL_STRING;
    case SL_G_DATE: return SL_VAL_DATE;
    case SL_G_TIME: return SL_VAL_TIME;
    case SL_G_TIMESTAMP: return SL_VAL_TIMESTAMP;
    case SL_G_OBJECT: return SL_VAL_NULL;
    default: return SL_VAL_INT;
    }
}

static int env_lookup(void *p, const char *name, size_t len, sl_val_kind *kind)
{
    env_ctx *e = p;
    int i = sl_gtable_find(e->t, name, len);
    if (i < 0 || (size_t)i >= e->upto || e->t->cols[i].gen == G_OBJECT)
        return -1;
    *kind = e->t->cols[i].list ? SL_VAL_LIST : val_kind(e->t->cols[i].type);
    return i;
}

static bool expr_fits(sl_val_kind k, const sl_gcol *col)
{
    if (k == SL_VAL_NULL)
        return true;
    if (col->list)
        return k == SL_VAL_LIST;
    switch (col->type) {
    case SL_G_DOUBLE: case SL_G_DECIMAL:
        return k == SL_VAL_INT || k == SL_VAL_DOUBLE || k == SL_VAL_DECIMAL;
    case SL_G_INT8: case SL_G_INT16: case SL_G_INT32: case SL_G_INT64:
        return k == SL_VAL_INT;
    default:
        return k == val_kind(col->type);
    }
}

static sl_status compile(ctx *c, sl_gtable *t, size_t i, const char *src, sl_expr **out,
                         sl_val_kind *kind)
{
    env_ctx e = {t, i};
    sl_expr_env env = {env_lookup, &e};
    sl_error ee;
    sl_error_clear(&ee);
    sl_status st = sl_expr_compile(src, strlen(src), &env, out, kind, &ee);
    if (st != SL_OK)
        return sl_error_at(c->err, st, t->cols[i].line, t->cols[i].column, UINT64_MAX,
                           "column '%s': expression \"%s\", at character %llu: %s", t->cols[i].path,
                           src, (unsigned long long)ee.column, ee.msg);
    return SL_OK;
}

static bool defined_later(const ctx *c, const char *name, size_t len)
{
    for (size_t i = 0; c->tables && i < c->tables->n; i++) {
        const char *n = sl_node_str(sl_node_get(c->tables->items[i], "name"));
        if (n && strlen(n) == len && memcmp(n, name, len) == 0)
            return true;
    }
    return false;
}

static sl_status resolve(ctx *c, size_t ti)
{
    sl_gtable *t = &c->s->tables[ti];
    for (size_t i = 0; i < t->ncols; i++) {
        sl_gcol *col = &t->cols[i];
        sl_status st;
#define COLFAIL(...) sl_error_at(c->err, SL_ERR_SCHEMA, col->line, col->column, UINT64_MAX, __VA_ARGS__)
        if (col->gen == G_REF) {
            const char *r = col->expr_src, *dot = strchr(r, '.');
            int pt = find_table(c->s, r, (size_t)(dot - r));
            if (pt < 0 && defined_later(c, r, (size_t)(dot - r)))
                return COLFAIL("column '%s' refers to '%s', which is not defined before '%s' "
                               "(a foreign key names an earlier table, so references cannot "
                               "form a cycle)", col->path, r, t->name);
            if (pt < 0)
                return COLFAIL("column '%s' refers to table '%.*s', which is not defined",
                               col->path, (int)(dot - r), r);
            if ((size_t)pt >= ti)
                return COLFAIL("column '%s' refers to '%s', which is not defined before '%s' "
                               "(a reference cycle, or tables out of order)", col->path, r, t->name);
            const sl_gtable *p = &c->s->tables[pt];
            int pc = sl_gtable_find(p, dot + 1, strlen(dot + 1));
            if (pc < 0)
                return COLFAIL("column '%s' refers to '%s', but '%s' has no column '%s'",
                               col->path, r, p->name, dot + 1);
            if (!(p->npk == 1 && p->pk[0] == pc))
                return COLFAIL("column '%s' refers to '%s', which is not the primary key of '%s'",
                               col->path, r, p->name);
            const sl_gcol *key = &p->cols[pc];
            if (col->type != key->type && col->type != SL_G_STRING)
                return COLFAIL("column '%s' is %s but '%s' is %s", col->path,
                               sl_gtype_name(col->type), r, sl_gtype_name(key->type));
            col->type = key->type;
            col->precision = key->precision;
            col->scale = key->scale;
            col->ref_table = pt;
            col->ref_col = pc;
        } else if (col->gen == G_EXPR) {
            sl_val_kind k;
            if ((st = compile(c, t, i, col->expr_src, &col->expr, &k)) != SL_OK)
                return st;
            if (!expr_fits(k, col))
                return COLFAIL("column '%s' is %s but its expression gives another type",
                               col->path, sl_gtype_name(col->type));
        }
        if (col->check_src) {
            sl_val_kind k;
            if ((st = compile(c, t, i + 1, col->check_src, &col->check, &k)) != SL_OK)
                return st;
            if (k != SL_VAL_BOOL && k != SL_VAL_NULL)
                return COLFAIL("column '%s': check must be a condition", col->path);
        }
#undef COLFAIL
    }
    if (t->assoc) {
        for (size_t i = 0; i < t->ncols; i++) {
            if (t->cols[i].gen != G_REF)
                continue;
            if (t->cols[i].ref_table == t->left && t->left_col < 0)
                t->left_col = (int)i;
            else if (t->cols[i].ref_table == t->right && t->right_col < 0)
                t->right_col = (int)i;
        }
        if (t->left_col < 0 || t->right_col < 0)
            return sl_error_at(c->err, SL_ERR_SCHEMA, t->line, t->column, UINT64_MAX,
                               "association '%s' needs a 'ref' column to each of '%s' and '%s'",
                               t->name, c->s->tables[t->left].name, c->s->tables[t->right].name);
    }
    return SL_OK;
}

static sl_status bind_arg(ctx *c, sl_gtable *t, size_t i, const sl_node *m, const char *key, int slot)
{
    const sl_node *n = sl_node_get(m, key);
    if (!n)
        return SL_OK;
    const char *name = sl_node_str(n);
    int k = name ? sl_gtable_find(t, name, strlen(name)) : -1;
    if (k < 0 || (size_t)k >= i)
        return FAIL(c, n, "'%s' must name a column defined before '%s'", key, t->cols[i].path);
    if (t->cols[k].type != SL_G_STRING || t->cols[k].list)
        return FAIL(c, n, "'%s' must name a string column", key);
    t->cols[i].arg[slot] = k;
    return SL_OK;
}

/* Walks the table's column nodes in the same order read_column did, binding the
 * parameters that name other columns. */
static sl_status bind_walk(ctx *c, sl_gtable *t, const sl_node *cols, size_t *i)
{
    for (size_t k = 0; k < cols->n; k++) {
        const sl_node *m = cols->items[k];
        size_t me = (*i)++;
        sl_status st;
        if (t->cols[me].gen == G_OBJECT) {
            if ((st = bind_walk(c, t, sl_node_get(m, "columns"), i)) != SL_OK)
                return st;
            continue;
        }
        if ((st = bind_arg(c, t, me, m, "first", 0)) != SL_OK ||
            (st = bind_arg(c, t, me, m, "last", 1)) != SL_OK ||
            (st = bind_arg(c, t, me, m, "gender_column", 0)) != SL_OK)
            return st;
        if (t->cols[me].gen == G_EMAIL && (t->cols[me].arg[0] < 0) != (t->cols[me].arg[1] < 0))
            return FAIL(c, m, "email needs both 'first' and 'last', or neither");
    }
    return SL_OK;
}

/* "rows": {"per": T} may name any table, later ones too, but not in a cycle. */
static sl_status resolve_per(ctx *c)
{
    sl_gen_schema *s = c->s;
    for (size_t i = 0; i < s->ntables; i++) {
        sl_gtable *t = &s->tables[i];
        if (!t->per_name)
            continue;
        t->per = find_table(s, t->per_name, strlen(t->per_name));
        if (t->per < 0)
            return sl_error_at(c->err, SL_ERR_SCHEMA, t->line, t->column, UINT64_MAX,
                               "table '%s': rows per '%s', which is not a table", t->name, t->per_name);
        if (s->tables[t->per].assoc)
            return sl_error_at(c->err, SL_ERR_SCHEMA, t->line, t->column, UINT64_MAX,
                               "table '%s': rows cannot be per an association table", t->name);
    }
    for (size_t i = 0; i < s->ntables; i++) {
        int at = (int)i;
        for (size_t steps = 0; at >= 0 && s->tables[at].per_name; steps++) {
            if (steps > s->ntables)
                return sl_error_at(c->err, SL_ERR_SCHEMA, s->tables[i].line, s->tables[i].column,
                                   UINT64_MAX, "table '%s': row counts 'per' each other in a cycle",
                                   s->tables[i].name);
            at = s->tables[at].per;
        }
    }
    return SL_OK;
}

static sl_status read_params(ctx *c, const sl_node *p)
{
    size_t n = p ? p->n : 0;
    if (p && p->kind != SL_NODE_MAP)
        return FAIL(c, p, "'params' must be a mapping of names to numbers");
    c->s->params = sl_arena_alloc(&c->s->arena, (n ? n : 1) * sizeof *c->s->params);
    if (!c->s->params)
        return sl_error_set(c->err, SL_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        sl_gparam *q = &c->s->params[i];
        q->name = sch_dup(c, p->keys[i]->text);
        if (!sl_node_double(p->items[i], &q->value))
            return FAIL(c, p->items[i], "param '%s' must be a number", q->name);
        c->s->nparams = i + 1;
    }
    for (size_t k = 0; k < c->nover; k++) {
        size_t i = 0;
        while (i < n && strcmp(c->s->params[i].name, c->over[k].name) != 0)
            i++;
        if (i == n)
            return sl_error_set(c->err, SL_ERR_SCHEMA, "%s: schema '%s' has no param '%s'",
                                c->file, c->s->name, c->over[k].name);
        c->s->params[i].value = c->over[k].value;
    }
    return SL_OK;
}

sl_status sl_gen_schema_parse(const char *text, size_t len, const char *file,
                              const sl_gen_param *overrides, size_t nover,
                              sl_gen_schema **out, sl_error *err)
{
    *out = NULL;
    sl_node_doc doc;
    sl_status st = sl_node_parse(text, len, file, &doc, err);
    if (st != SL_OK)
        return st;
    sl_gen_schema *s = calloc(1, sizeof *s);
    ctx c = {s, file, err, overrides, nover, NULL, 0, 0, NULL};
    if (!s) {
        sl_node_doc_free(&doc);
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    }
    sl_arena_init(&s->arena, 0);
    s->file = sch_dup(&c, file);
    const sl_node *r = doc.root;
    if (r->kind != SL_NODE_MAP) {
        st = FAIL(&c, r, "a schema is a mapping with 'name' and 'tables', found %s", sl_node_describe(r));
        goto fail;
    }
    for (size_t i = 0; i < r->n; i++)
        if (!sch_word_in(r->keys[i]->text, "name description size params tables")) {
            st = FAIL(&c, r->keys[i], "unknown key '%s' at the top level", r->keys[i]->text);
            goto fail;
        }
    const char *name;
    if ((st = sch_need_str(&c, r, "name", &name)) != SL_OK)
        goto fail;
    s->name = sch_dup(&c, name);
    const char *desc = sl_node_str(sl_node_get(r, "description"));
    s->description = desc ? sch_dup(&c, desc) : NULL;
    if ((st = read_params(&c, sl_node_get(r, "params"))) != SL_OK)
        goto fail;
    const sl_node *tables = sl_node_get(r, "tables");
    if (!tables || tables->kind != SL_NODE_SEQ || tables->n == 0) {
        st = FAIL(&c, tables ? tables : r, "a schema needs a non-empty list of 'tables'");
        goto fail;
    }
    c.tables = tables;
    s->tables = sl_arena_alloc(&s->arena, tables->n * sizeof *s->tables);
    if (!s->tables) {
        st = sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        goto fail;
    }
    memset(s->tables, 0, tables->n * sizeof *s->tables);
    for (size_t i = 0; i < tables->n; i++) {
        if ((st = read_table(&c, tables->items[i], &s->tables[i])) != SL_OK)
            goto fail;
        s->ntables = i + 1;
        s->tables[i].left_col = s->tables[i].right_col = -1;
        size_t k = 0;
        if ((st = bind_walk(&c, &s->tables[i], sl_node_get(tables->items[i], "columns"), &k)) != SL_OK ||
            (st = resolve(&c, i)) != SL_OK)
            goto fail;
    }
    if ((st = resolve_per(&c)) != SL_OK)
        goto fail;
    s->size = (int)s->ntables - 1;
    const sl_node *size = sl_node_get(r, "size");
    if (size) {
        const char *sz = sl_node_str(size);
        s->size = sz ? find_table(s, sz, strlen(sz)) : -1;
        if (s->size < 0) {
            st = FAIL(&c, size, "'size' must name a table");
            goto fail;
        }
    }
    free(c.cols);
    sl_node_doc_free(&doc);
    *out = s;
    return SL_OK;
fail:
    free(c.cols);
    sl_node_doc_free(&doc);
    sl_gen_schema_free(s);
    if (err && err->file[0] == 0)
        sl_error_set_file(err, file);
    return st;
}

void sl_gen_schema_free(sl_gen_schema *s)
{
    if (!s)
        return;
    for (size_t t = 0; t < s->ntables; t++)
        for (size_t i = 0; i < s->tables[t].ncols; i++) {
            sl_gcol *col = &s->tables[t].cols[i];
            sl_expr_free(col->expr);
            sl_expr_free(col->check);
            for (sl_gcol *k = col; k; k = k->gen == G_LIST && k != col->elem ? col->elem : NULL)
                if (k->alias) {
                    sl_alias_free(k->alias);
                    free(k->alias);
                    k->alias = NULL;
                }
        }
    sl_arena_free(&s->arena);
    free(s);
}

sl_status sl_gen_schema_load(const char *name_or_path, const sl_gen_param *overrides,
                             size_t n, sl_gen_schema **out, sl_error *err)
{
    *out = NULL;
    for (size_t i = 0; builtins[i]; i++)
        if (strcmp(name_or_path, builtins[i]) == 0) {
            char path[128];
            snprintf(path, sizeof path, "schemas/%s.json", builtins[i]);
            const sl_embedded_file *f = sl_embedded_find(path);
            if (!f)
                return sl_error_set(err, SL_ERR_SCHEMA, "built-in schema '%s' is missing", builtins[i]);
            char label[160];
            snprintf(label, sizeof label, "data/%s", path);
            return sl_gen_schema_parse((const char *)f->data, f->len, label, overrides, n, out, err);
        }
    FILE *fp = fopen(name_or_path, "rb");
    if (!fp)
        return sl_error_set(err, SL_ERR_IO, "cannot open '%s': %s (and it is not a built-in "
                            "schema: school, card_transactions)", name_or_path, strerror(errno));
    sl_buf b;
    sl_buf_init(&b, (size_t)64 << 20);
    char chunk[65536];
    size_t got;
    sl_status st = SL_OK;
    while (st == SL_OK && (got = fread(chunk, 1, sizeof chunk, fp)) > 0)
        st = sl_buf_append(&b, chunk, got);
    if (st == SL_OK && ferror(fp))
        st = sl_error_set(err, SL_ERR_IO, "cannot read '%s'", name_or_path);
    else if (st != SL_OK)
        st = sl_error_set(err, st, "'%s' is too large for a schema", name_or_path);
    fclose(fp);
    if (st == SL_OK)
        st = sl_gen_schema_parse((const char *)b.data, b.len, name_or_path, overrides, n, out, err);
    sl_buf_free(&b);
    return st;
}
