/* sl_ddl_import: SQL DDL to a schema file (include/sluice/ddl.h). The text is lexed
 * (ddl_lex.c), parsed into tables (ddl_parse.c), the foreign keys are resolved and the
 * tables sorted parents first here, and the schema tree is built (ddl_gen.c) and
 * written (ddl_emit.c). One arena holds everything and is freed before returning. */
#include "schema/ddl_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- shared helpers ---- */

void *ddl_alloc(ddl_ctx *c, size_t n)
{
    void *p = sl_arena_alloc(&c->arena, n);
    if (!p)
        c->nomem = true;
    return p;
}

char *ddl_strndup(ddl_ctx *c, const char *s, size_t n)
{
    char *p = sl_arena_strndup(&c->arena, s, n);
    if (!p)
        c->nomem = true;
    return p;
}

void *ddl_grow(ddl_ctx *c, void *p, size_t n, size_t *cap, size_t elem)
{
    if (n < *cap)
        return p;
    size_t want = *cap ? *cap * 2 : 8;
    if (want < *cap || want > SIZE_MAX / elem) {
        c->nomem = true;
        return NULL;
    }
    void *q = ddl_alloc(c, want * elem);
    if (!q)
        return NULL;
    if (n)
        memcpy(q, p, n * elem);   /* the old block stays in the arena until the end */
    *cap = want;
    return q;
}

sl_status ddl_fail(ddl_ctx *c, sl_status code, const ddl_tok *tok, const char *fmt, ...)
{
    if (!c->err)
        return code;
    char msg[sizeof c->err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sl_error_set_file(c->err, c->file ? c->file : "");
    if (tok)
        sl_error_at(c->err, code, tok->line, tok->col, tok->off, "%s", msg);
    else
        sl_error_set(c->err, code, "%s", msg);
    return code;
}

sl_status ddl_nomem(ddl_ctx *c)
{
    c->nomem = true;
    return ddl_fail(c, SL_ERR_NOMEM, NULL, "out of memory");
}

/* ---- foreign keys and order ---- */

static bool same_type(const ddl_type *a, const ddl_type *b)
{
    return a->kind == b->kind && a->list == b->list &&
           (a->kind != K_DECIMAL || (a->prec == b->prec && a->scale == b->scale));
}

static sl_status resolve_ref(ddl_ctx *c, const ddl_table *t, ddl_col *col)
{
    char ta[32], tb[32];
    int pi = -1;
    for (size_t i = 0; i < c->ntables && pi < 0; i++)
        if (ddl_name_eq(c, c->tables[i].name, col->ref_table))
            pi = (int)i;
    if (pi < 0)
        return ddl_fail(c, SL_ERR_SCHEMA, col->ref_tok, "column '%s' of '%s' references table "
                        "'%s', which is not created", col->name, t->name, col->ref_table);
    const ddl_table *p = &c->tables[pi];
    if (col->ref_col) {
        size_t k = 0;
        while (k < p->ncols && !ddl_name_eq(c, p->cols[k].name, col->ref_col))
            k++;
        if (k == p->ncols)
            return ddl_fail(c, SL_ERR_SCHEMA, col->ref_tok, "table '%s' has no column '%s'",
                            p->name, col->ref_col);
        if (p->npk != 1 || p->pk[0] != k)
            return ddl_fail(c, SL_ERR_UNSUPPORTED, col->ref_tok, "foreign key %s.%s references "
                            "%s.%s, which is not the primary key of '%s': a schema reference "
                            "names a single-column primary key", t->name, col->name, p->name,
                            p->cols[k].name, p->name);
    } else if (p->npk != 1) {
        return ddl_fail(c, p->npk ? SL_ERR_UNSUPPORTED : SL_ERR_SCHEMA, col->ref_tok,
                        "REFERENCES %s needs a single-column primary key in '%s'", p->name,
                        p->name);
    }
    const ddl_col *key = &p->cols[p->pk[0]];
    if (!same_type(&col->type, &key->type))
        return ddl_fail(c, SL_ERR_UNSUPPORTED, col->tok, "foreign key %s.%s is %s but %s.%s is "
                        "%s: a reference has its key's type", t->name, col->name,
                        ddl_type_name(&col->type, ta), p->name, key->name,
                        ddl_type_name(&key->type, tb));
    col->ref_t = pi;
    return SL_OK;
}

/* The first unfinished table that table i references (one exists when i is not ready). */
static size_t waits_for(const ddl_ctx *c, size_t i)
{
    const ddl_table *t = &c->tables[i];
    for (size_t k = 0; k < t->ncols; k++)
        if (t->cols[k].ref_table && c->tables[t->cols[k].ref_t].mark != 2)
            return (size_t)t->cols[k].ref_t;
    return i;
}

/* Names the cycle through table start (every table on it is unfinished). */
static sl_status cycle(ddl_ctx *c, size_t start)
{
    char path[400];
    size_t used = 0, at = start;
    const ddl_tok *where = NULL;
    for (size_t steps = 0; steps <= c->ntables; steps++) {
        const ddl_table *t = &c->tables[at];
        int n = snprintf(path + used, sizeof path - used, "%s%s", steps ? " -> " : "", t->name);
        used = n > 0 && (size_t)n < sizeof path - used ? used + (size_t)n : used;
        if (steps && at == start)
            break;
        for (size_t i = 0; !where && i < t->ncols; i++)
            if (t->cols[i].ref_table && (size_t)t->cols[i].ref_t == waits_for(c, at))
                where = t->cols[i].ref_tok;
        at = waits_for(c, at);
    }
    return ddl_fail(c, SL_ERR_UNSUPPORTED, where, "foreign keys form a cycle: %s (a schema lists "
                    "parents before children)", path);
}

/* Parents first; among tables that are ready, the one defined first. */
static sl_status order_tables(ddl_ctx *c, size_t *order)
{
    for (size_t n = 0; n < c->ntables; n++) {
        size_t pick = SIZE_MAX;
        for (size_t i = 0; i < c->ntables && pick == SIZE_MAX; i++) {
            const ddl_table *t = &c->tables[i];
            bool ready = t->mark != 2;
            for (size_t k = 0; ready && k < t->ncols; k++)
                ready = !t->cols[k].ref_table || c->tables[t->cols[k].ref_t].mark == 2;
            if (ready)
                pick = i;
        }
        if (pick == SIZE_MAX) {
            /* every unfinished table waits for another: walk from one until it repeats */
            size_t at = 0;
            while (c->tables[at].mark == 2)
                at++;
            for (size_t steps = 0; steps < c->ntables; steps++)
                at = waits_for(c, at);
            /* at is on a cycle now; name it from its first-defined table */
            size_t first = at;
            for (size_t k = waits_for(c, at); k != at; k = waits_for(c, k))
                first = k < first ? k : first;
            return cycle(c, first);
        }
        c->tables[pick].mark = 2;
        order[n] = pick;
    }
    return SL_OK;
}

static sl_status resolve(ddl_ctx *c, size_t **order)
{
    for (size_t i = 0; i < c->ntables; i++)
        for (size_t k = 0; k < c->tables[i].ncols; k++)
            if (c->tables[i].cols[k].ref_table) {
                sl_status st = resolve_ref(c, &c->tables[i], &c->tables[i].cols[k]);
                if (st)
                    return st;
            }
    if (!(*order = ddl_alloc(c, c->ntables * sizeof **order)))
        return ddl_nomem(c);
    return order_tables(c, *order);
}

sl_status sl_ddl_import(const char *src, size_t len, const char *file, const char *schema_name,
                        sl_ddl_dialect dialect, sl_ddl_format fmt, struct sl_buf *out,
                        sl_error *err)
{
    if (!schema_name || !out || (!src && len) || dialect < SL_DDL_AUTO ||
        dialect > SL_DDL_HIVE || (fmt != SL_DDL_JSON && fmt != SL_DDL_YAML)) {
        sl_error_set_file(err, file);
        return sl_error_set(err, SL_ERR_USAGE, "sl_ddl_import: invalid argument");
    }
    ddl_ctx c;
    memset(&c, 0, sizeof c);
    sl_arena_init(&c.arena, 0);
    c.file = file;
    c.dialect = dialect;
    c.err = err;
    size_t mark = out->len;
    size_t *order = NULL;
    ddl_node *root = NULL;
    sl_status st = ddl_lex(&c, src, len);
    if (!st)
        st = ddl_parse(&c);
    if (!st && c.ntables == 0)
        st = ddl_fail(&c, SL_ERR_SCHEMA, &c.toks[c.ntoks - 1], "no CREATE TABLE in the input");
    if (!st)
        st = resolve(&c, &order);
    if (!st)
        st = ddl_build(&c, schema_name, order, &root);
    if (!st && (st = ddl_write(root, fmt, out)) != SL_OK)
        st = ddl_fail(&c, st, NULL, "%s", st == SL_ERR_LIMIT ? "the schema is larger than the "
                      "output buffer allows" : "out of memory");
    if (!st && c.nomem)
        st = ddl_nomem(&c);
    if (st)
        out->len = mark;
    sl_arena_free(&c.arena);
    return st;
}
