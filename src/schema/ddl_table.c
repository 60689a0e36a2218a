/* The body of CREATE TABLE: column types, column attributes, and constraints, with
 * the constraints applied once the statement's columns are all known (so a table
 * constraint may name a column defined after it, and ALTER TABLE ... ADD reuses them).
 * Which types, attributes and constraints are read is listed in include/sluice/ddl.h;
 * none of this recurses except through expressions (ddl_expr.c, bounded). */
#include "schema/ddl_internal.h"

#include <string.h>

bool ddl_valid_name(const char *s, bool letter_first)
{
    bool first_ok = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                    (*s == '_' && !letter_first);
    if (!first_ok)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

int ddl_find_table(ddl_ctx *c, const char *name)
{
    for (size_t i = 0; i < c->ntables; i++)
        if (ddl_name_eq(c, c->tables[i].name, name))
            return (int)i;
    return -1;
}

static int find_col(ddl_ctx *c, const ddl_table *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (ddl_name_eq(c, t->cols[i].name, name))
            return (int)i;
    return -1;
}

sl_status ddl_col_index(ddl_ctx *c, const ddl_table *t, const char *name, const ddl_tok *tok,
                        size_t *out)
{
    int i = find_col(c, t, name);
    if (i < 0)
        return ddl_fail(c, SL_ERR_SCHEMA, tok, "table '%s' has no column '%s'", t->name, name);
    *out = (size_t)i;
    return SL_OK;
}

/* ---- types ---- */

typedef struct type_name {
    const char *name;
    ddl_kind kind;
    char args;       /* 'n': (n) a length or width; 'p': (p[,s]); 0: none */
} type_name;

static const type_name types[] = {
    {"tinyint", K_INT8, 'n'}, {"smallint", K_INT16, 'n'}, {"int2", K_INT16, 0},
    {"mediumint", K_INT32, 'n'}, {"int", K_INT32, 'n'}, {"integer", K_INT32, 'n'},
    {"int4", K_INT32, 0}, {"bigint", K_INT64, 'n'}, {"int8", K_INT64, 0},
    {"smallserial", K_INT16, 0}, {"serial2", K_INT16, 0}, {"serial", K_INT32, 0},
    {"serial4", K_INT32, 0}, {"bigserial", K_INT64, 0}, {"serial8", K_INT64, 0},
    {"decimal", K_DECIMAL, 'p'}, {"numeric", K_DECIMAL, 'p'}, {"dec", K_DECIMAL, 'p'},
    {"float", K_DOUBLE, 'p'}, {"float4", K_DOUBLE, 0}, {"float8", K_DOUBLE, 0},
    {"real", K_DOUBLE, 'p'}, {"double", K_DOUBLE, 'p'},
    {"varchar", K_STRING, 'n'}, {"nvarchar", K_STRING, 'n'}, {"char", K_STRING, 'n'},
    {"character", K_STRING, 'n'}, {"nchar", K_STRING, 'n'}, {"text", K_STRING, 'n'},
    {"tinytext", K_STRING, 0}, {"mediumtext", K_STRING, 0}, {"longtext", K_STRING, 0},
    {"string", K_STRING, 0}, {"uuid", K_STRING, 0},
    {"boolean", K_BOOL, 0}, {"bool", K_BOOL, 0},
    {"date", K_DATE, 0}, {"time", K_TIME, 'n'}, {"timestamp", K_TIMESTAMP, 'n'},
    {"timestamptz", K_TIMESTAMP, 'n'}, {"datetime", K_TIMESTAMP, 'n'},
};

static bool name_is(const char *name, const char *word)
{
    return ddl_ieq(name, strlen(name), word);
}

/* ENUM('a', 'b'): the values as string literals. */
sl_status ddl_enum_values(ddl_ctx *c, bool dq, const ddl_lit **out, size_t *n)
{
    sl_status st = ddl_expect_p(c, "(", "after ENUM");
    ddl_lit *v = NULL;
    size_t cap = 0;
    if (st)
        return st;
    *n = 0;
    do {
        const ddl_tok *t = ddl_peek(c, 0);
        char buf[80];
        if (t->kind != TK_STRING && !(dq && t->kind == TK_DQ))
            return ddl_fail(c, SL_ERR_SCHEMA, t, "expected a string in the ENUM list, found %s",
                            ddl_tok_desc(t, buf, sizeof buf));
        if (!(v = ddl_grow(c, v, *n, &cap, sizeof *v)))
            return ddl_nomem(c);
        v[(*n)++] = (ddl_lit){.kind = L_STR, .text = t->val, .len = t->vlen};
        c->pos++;
    } while (ddl_accept_p(c, ","));
    *out = v;
    return ddl_expect_p(c, ")", "to close the ENUM list");
}

static sl_status decimal_args(ddl_ctx *c, const ddl_tok *name, ddl_type *ty)
{
    int64_t p = 10, s = 0;
    sl_status st;
    if (!ddl_accept_p(c, "(")) {
        if (c->dialect == SL_DDL_POSTGRES)
            return ddl_fail(c, SL_ERR_UNSUPPORTED, name, "%.*s without a precision has no fixed "
                            "scale (write %.*s(P,S))", (int)name->len, name->src,
                            (int)name->len, name->src);
    } else {
        const ddl_tok *pt = ddl_peek(c, 0);
        if ((st = ddl_int_arg(c, 1000, &p, "precision")) != SL_OK)
            return st;
        if (ddl_accept_p(c, ",") && (st = ddl_int_arg(c, 1000, &s, "scale")) != SL_OK)
            return st;
        if ((st = ddl_expect_p(c, ")", "after the precision")) != SL_OK)
            return st;
        if (p < 1)
            return ddl_fail(c, SL_ERR_SCHEMA, pt, "decimal precision must be at least 1");
        if (p > 18)
            return ddl_fail(c, SL_ERR_UNSUPPORTED, pt, "decimal precision %lld is above 18, the "
                            "most a schema decimal holds", (long long)p);
        if (s > p)
            return ddl_fail(c, SL_ERR_SCHEMA, pt, "decimal scale %lld is larger than its "
                            "precision %lld", (long long)s, (long long)p);
    }
    ty->prec = (int)p;
    ty->scale = (int)s;
    return SL_OK;
}

const ddl_enum *ddl_find_enum(ddl_ctx *c, const char *name)
{
    for (size_t i = 0; i < c->nenums; i++)
        if (ddl_name_eq(c, c->enums[i].name, name))
            return &c->enums[i];
    return NULL;
}

/* The type's words after its name: DOUBLE PRECISION, CHARACTER VARYING, the (n) or
 * (p,s), TIMESTAMP ... WITH TIME ZONE. */
static sl_status type_rest(ddl_ctx *c, const type_name *tn, const ddl_tok *name, ddl_type *ty)
{
    sl_status st;
    bool charlike = name_is(tn->name, "char") || name_is(tn->name, "character") ||
                    name_is(tn->name, "nchar");
    if (name_is(tn->name, "double"))
        ddl_accept_kw(c, "precision");
    if (charlike && ddl_accept_kw(c, "varying"))
        charlike = false;
    if (ty->kind == K_DECIMAL) {
        if ((st = decimal_args(c, name, ty)) != SL_OK)
            return st;
    } else if (ddl_is_p(ddl_peek(c, 0), "(")) {
        int64_t n;
        if (!tn->args)
            return ddl_fail(c, SL_ERR_SCHEMA, ddl_peek(c, 0), "type %.*s takes no arguments",
                            (int)name->len, name->src);
        if (tn->args == 'p')
            return ddl_skip_group(c);
        c->pos++;
        if ((st = ddl_int_arg(c, 1000000000, &n, "the length")) != SL_OK ||
            (st = ddl_expect_p(c, ")", "after the length")) != SL_OK)
            return st;
        if (ty->kind == K_STRING) {
            if (n == 0)
                return ddl_fail(c, SL_ERR_UNSUPPORTED, name, "a string of length 0 holds only ''");
            ty->len = (uint32_t)n;
        }
    } else if (charlike) {
        ty->len = 1;   /* CHAR is CHAR(1) */
    }
    if ((ty->kind == K_TIME || ty->kind == K_TIMESTAMP) &&
        (ddl_is_kw(ddl_peek(c, 0), "with") || ddl_is_kw(ddl_peek(c, 0), "without"))) {
        bool with = ddl_is_kw(ddl_next(c), "with");
        if ((st = ddl_expect_kw(c, "time", "in WITH TIME ZONE")) != SL_OK ||
            (st = ddl_expect_kw(c, "zone", "in WITH TIME ZONE")) != SL_OK)
            return st;
        if (with && ty->kind == K_TIME)
            return ddl_fail(c, SL_ERR_UNSUPPORTED, name, "TIME WITH TIME ZONE has no schema type");
    }
    return SL_OK;
}

/* [UNSIGNED | ZEROFILL | SIGNED]...: UNSIGNED makes an integer one size larger (its
 * values 0 .. 2^bits - 1 need that), starting at 0. */
static sl_status type_sign(ddl_ctx *c, ddl_type *ty)
{
    for (;;) {
        const ddl_tok *t = ddl_peek(c, 0);
        bool un = ddl_is_kw(t, "unsigned") || ddl_is_kw(t, "zerofill");
        if (!un && !ddl_is_kw(t, "signed"))
            return SL_OK;
        if (ty->kind < K_INT8 || ty->kind > K_DECIMAL)
            return ddl_fail(c, SL_ERR_SCHEMA, t, "%.*s needs a numeric type", (int)t->len, t->src);
        c->pos++;
        if (un && !ty->is_unsigned) {
            static const int64_t umax[] = {255, 65535, 4294967295, INT64_MAX};
            ty->is_unsigned = true;
            ty->umax = INT64_MAX;
            if (ty->kind >= K_INT8 && ty->kind <= K_INT64)
                ty->umax = umax[ty->kind - K_INT8];
            if (ty->kind >= K_INT8 && ty->kind < K_INT64)
                ty->kind = (ddl_kind)(ty->kind + 1);
        }
    }
}

static sl_status parse_type(ddl_ctx *c, ddl_type *ty, const ddl_tok **tokp, bool in_list);

/* PostgreSQL's int[] and int ARRAY; Hive's ARRAY<int> is read in parse_type. */
static sl_status type_array_suffix(ddl_ctx *c, ddl_type *ty, const ddl_tok *name)
{
    while (ddl_is_p(ddl_peek(c, 0), "[") ||
           (ddl_is_kw(ddl_peek(c, 0), "array") && !ddl_is_p(ddl_peek(c, 1), "<"))) {
        if (ty->list)
            return ddl_fail(c, SL_ERR_UNSUPPORTED, name, "lists of lists are not supported");
        ty->list = true;
        if (ddl_accept_kw(c, "array") && !ddl_is_p(ddl_peek(c, 0), "["))
            continue;
        c->pos++;
        if (ddl_peek(c, 0)->kind == TK_NUMBER)
            c->pos++;
        sl_status st = ddl_expect_p(c, "]", "to close the array type");
        if (st)
            return st;
    }
    return SL_OK;
}

static sl_status parse_type(ddl_ctx *c, ddl_type *ty, const ddl_tok **tokp, bool in_list)
{
    memset(ty, 0, sizeof *ty);
    const ddl_tok *t = ddl_peek(c, 0);
    char buf[80];
    sl_status st;
    *tokp = t;
    if (ddl_is_kw(t, "array") && ddl_is_p(ddl_peek(c, 1), "<")) {
        if (in_list)
            return ddl_fail(c, SL_ERR_UNSUPPORTED, t, "lists of lists are not supported");
        c->pos += 2;
        const ddl_tok *inner;
        if ((st = parse_type(c, ty, &inner, true)) != SL_OK ||
            (st = ddl_expect_p(c, ">", "to close ARRAY<")) != SL_OK)
            return st;
        if (ty->serial)
            return ddl_fail(c, SL_ERR_UNSUPPORTED, inner, "a list of serials is not supported");
        ty->list = true;
        return SL_OK;
    }
    if (ddl_is_kw(t, "enum")) {
        c->pos++;
        ty->kind = K_STRING;
        return ddl_enum_values(c, c->dialect != SL_DDL_POSTGRES, &ty->values, &ty->nvalues);
    }
    const type_name *tn = NULL;
    for (size_t i = 0; t->kind == TK_WORD && i < sizeof types / sizeof types[0]; i++)
        if (ddl_is_kw(t, types[i].name))
            tn = &types[i];
    if (!tn) {
        if (t->kind != TK_WORD && t->kind != TK_QNAME && t->kind != TK_DQ)
            return ddl_fail(c, SL_ERR_SCHEMA, t, "expected a type, found %s",
                            ddl_tok_desc(t, buf, sizeof buf));
        const char *name;
        size_t at = c->pos;
        if ((st = ddl_qualified_name(c, &name, NULL, "a type")) != SL_OK)
            return st;
        const ddl_enum *e = ddl_find_enum(c, name);
        if (!e) {
            c->pos = at;
            return ddl_fail(c, SL_ERR_UNSUPPORTED, t, "unsupported column type %s",
                            ddl_tok_desc(t, buf, sizeof buf));
        }
        ty->kind = K_STRING;
        ty->values = e->values;
        ty->nvalues = e->nvalues;
        return type_array_suffix(c, ty, t);
    }
    c->pos++;
    ty->kind = tn->kind;
    ty->serial = strstr(tn->name, "serial") != NULL;
    ty->uuid = name_is(tn->name, "uuid");
    if ((st = type_rest(c, tn, t, ty)) != SL_OK || (st = type_sign(c, ty)) != SL_OK)
        return st;
    if (in_list)
        return SL_OK;
    if ((st = type_array_suffix(c, ty, t)) != SL_OK)
        return st;
    if (ty->list && ty->serial)
        return ddl_fail(c, SL_ERR_UNSUPPORTED, t, "a list of serials is not supported");
    return SL_OK;
}

/* ---- constraints ---- */

static sl_status push_cons(ddl_ctx *c, ddl_cons_list *l, const ddl_cons *k)
{
    ddl_cons *p = ddl_grow(c, l->items, l->n, &l->cap, sizeof *p);
    if (!p)
        return ddl_nomem(c);
    l->items = p;
    l->items[l->n++] = *k;
    return SL_OK;
}

/* (a, b, ...) of column names, MySQL prefix lengths and ASC/DESC allowed. */
sl_status ddl_name_list(ddl_ctx *c, const char ***names, const ddl_tok ***toks, size_t *n,
                        const char *what)
{
    sl_status st = ddl_expect_p(c, "(", what);
    size_t cap = 0, tcap = 0;
    if (st)
        return st;
    *n = 0;
    *names = NULL;
    *toks = NULL;
    do {
        if (!(*names = ddl_grow(c, *names, *n, &cap, sizeof **names)) ||
            !(*toks = ddl_grow(c, *toks, *n, &tcap, sizeof **toks)))
            return ddl_nomem(c);
        if ((st = ddl_name(c, &(*names)[*n], &(*toks)[*n], "a column name")) != SL_OK)
            return st;
        (*n)++;
        if (ddl_is_p(ddl_peek(c, 0), "(") && (st = ddl_skip_group(c)) != SL_OK)
            return st;   /* MySQL's prefix length: name(10) */
        if (!ddl_accept_kw(c, "asc"))
            ddl_accept_kw(c, "desc");
    } while (ddl_accept_p(c, ","));
    return ddl_expect_p(c, ")", "to close the column list");
}

/* DEFERRABLE, INITIALLY DEFERRED, NOT ENFORCED, DISABLE NOVALIDATE, ...: words after a
 * constraint that change nothing about the data. */
static void constraint_modifiers(ddl_ctx *c)
{
    static const char *const words[] = {"deferrable", "enforced", "enable", "disable",
                                        "validate", "novalidate", "rely", "norely"};
    for (;;) {
        const ddl_tok *t = ddl_peek(c, 0);
        if (ddl_is_kw(t, "not") && (ddl_is_kw(ddl_peek(c, 1), "deferrable") ||
                                    ddl_is_kw(ddl_peek(c, 1), "enforced"))) {
            c->pos += 2;
            continue;
        }
        if (ddl_is_kw(t, "initially") && (ddl_is_kw(ddl_peek(c, 1), "deferred") ||
                                          ddl_is_kw(ddl_peek(c, 1), "immediate"))) {
            c->pos += 2;
            continue;
        }
        bool found = false;
        for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
            found |= ddl_is_kw(t, words[i]);
        if (!found)
            return;
        c->pos++;
    }
}

/* REFERENCES t [(c, ...)] [MATCH x] [ON DELETE|UPDATE action]... */
static sl_status references(ddl_ctx *c, ddl_cons *k)
{
    sl_status st = ddl_qualified_name(c, &k->rtable, &k->rtable_tok, "the referenced table");
    if (st)
        return st;
    if (ddl_is_p(ddl_peek(c, 0), "(")) {
        const char **names;
        const ddl_tok **toks;
        if ((st = ddl_name_list(c, &names, &toks, &k->nrcols, "")) != SL_OK)
            return st;
        k->rcol = names[0];
        k->rcol_tok = toks[0];
    }
    for (;;) {
        if (ddl_accept_kw(c, "match")) {
            ddl_next(c);
        } else if (ddl_is_kw(ddl_peek(c, 0), "on") && (ddl_is_kw(ddl_peek(c, 1), "delete") ||
                                                       ddl_is_kw(ddl_peek(c, 1), "update"))) {
            c->pos += 2;
            if (ddl_accept_kw(c, "set") || ddl_accept_kw(c, "no"))
                ddl_next(c);   /* SET NULL, SET DEFAULT, NO ACTION */
            else if (!ddl_accept_kw(c, "cascade") && !ddl_accept_kw(c, "restrict"))
                return ddl_expect_kw(c, "CASCADE", "or RESTRICT, SET NULL, NO ACTION");
        } else {
            return SL_OK;
        }
    }
}

static sl_status check_clause(ddl_ctx *c, ddl_cons *k)
{
    sl_status st = ddl_expect_p(c, "(", "after CHECK");
    if (st)
        return st;
    k->start = ddl_peek(c, 0);
    ddl_expr *e;
    if ((st = ddl_parse_expr(c, c->dialect == SL_DDL_MYSQL || c->dialect == SL_DDL_HIVE, &e)))
        return st;
    k->check = e;
    k->end = ddl_peek(c, 0);
    return ddl_expect_p(c, ")", "to close CHECK");
}

/* A table constraint, or a MySQL index line (KEY, INDEX, FULLTEXT, SPATIAL), which
 * changes nothing and adds no constraint. */
sl_status ddl_table_constraint(ddl_ctx *c, ddl_cons_list *l)
{
    ddl_cons k = {.tok = ddl_peek(c, 0)};
    sl_status st;
    const char *ignored;
    char buf[80];
    if (ddl_accept_kw(c, "constraint") && !ddl_is_kw(ddl_peek(c, 0), "primary") &&
        !ddl_is_kw(ddl_peek(c, 0), "unique") && !ddl_is_kw(ddl_peek(c, 0), "foreign") &&
        !ddl_is_kw(ddl_peek(c, 0), "check") && (st = ddl_name(c, &ignored, NULL, "a name")))
        return st;
    const ddl_tok *t = ddl_peek(c, 0);
    if (ddl_accept_kw(c, "primary")) {
        k.kind = C_PK;
        if ((st = ddl_expect_kw(c, "KEY", "after PRIMARY")) != SL_OK)
            return st;
    } else if (ddl_accept_kw(c, "unique")) {
        k.kind = C_UNIQUE;
        if (!ddl_accept_kw(c, "key"))
            ddl_accept_kw(c, "index");
        if (!ddl_is_p(ddl_peek(c, 0), "(") && !ddl_is_kw(ddl_peek(c, 0), "using") &&
            (st = ddl_name(c, &ignored, NULL, "an index name")) != SL_OK)
            return st;
    } else if (ddl_accept_kw(c, "foreign")) {
        k.kind = C_FK;
        if ((st = ddl_expect_kw(c, "KEY", "after FOREIGN")) != SL_OK)
            return st;
        if (!ddl_is_p(ddl_peek(c, 0), "(") && (st = ddl_name(c, &ignored, NULL, "a name")))
            return st;
    } else if (ddl_accept_kw(c, "check")) {
        k.kind = C_CHECK;
        if ((st = check_clause(c, &k)) != SL_OK)
            return st;
        constraint_modifiers(c);
        return push_cons(c, l, &k);
    } else if (ddl_accept_kw(c, "key") || ddl_accept_kw(c, "index") ||
               ddl_accept_kw(c, "fulltext") || ddl_accept_kw(c, "spatial")) {
        if (!ddl_accept_kw(c, "key"))
            ddl_accept_kw(c, "index");
        while (!ddl_is_p(ddl_peek(c, 0), "(") && ddl_peek(c, 0)->kind != TK_EOF)
            c->pos++;   /* the index name, USING BTREE */
        if ((st = ddl_skip_group(c)) != SL_OK)
            return st;
        while (ddl_accept_kw(c, "using") || ddl_accept_kw(c, "comment") ||
               ddl_accept_kw(c, "visible") || ddl_accept_kw(c, "invisible"))
            if (!ddl_is_p(ddl_peek(c, 0), ",") && !ddl_is_p(ddl_peek(c, 0), ")"))
                c->pos++;
        return SL_OK;
    } else {
        return ddl_fail(c, ddl_is_kw(t, "exclude") ? SL_ERR_UNSUPPORTED : SL_ERR_SCHEMA, t,
                        "expected a column or a table constraint, found %s",
                        ddl_tok_desc(t, buf, sizeof buf));
    }
    if (ddl_accept_kw(c, "using"))
        ddl_next(c);
    if ((st = ddl_name_list(c, &k.cols, &k.col_toks, &k.ncols, "after the key")) != SL_OK)
        return st;
    if (ddl_accept_kw(c, "using"))
        ddl_next(c);
    if (k.kind == C_FK) {
        if ((st = ddl_expect_kw(c, "REFERENCES", "after FOREIGN KEY (...)")) != SL_OK ||
            (st = references(c, &k)) != SL_OK)
            return st;
    }
    constraint_modifiers(c);
    return push_cons(c, l, &k);
}

/* Sets col's foreign key from k, unless it already has the same one. */
static sl_status set_fk(ddl_ctx *c, ddl_table *t, ddl_col *col, const ddl_cons *k)
{
    if (k->ncols > 1 || k->nrcols > 1)
        return ddl_fail(c, SL_ERR_UNSUPPORTED, k->tok, "a foreign key over several columns "
                        "cannot be represented (a schema reference names one column)");
    if (col->ref_table) {
        bool same = ddl_name_eq(c, col->ref_table, k->rtable) &&
                    ((!col->ref_col && !k->rcol) ||
                     (col->ref_col && k->rcol && ddl_name_eq(c, col->ref_col, k->rcol)));
        if (same)
            return SL_OK;
        return ddl_fail(c, SL_ERR_UNSUPPORTED, k->tok, "column '%s' of '%s' has a second "
                        "foreign key: a column can reference one table", col->name, t->name);
    }
    col->ref_table = k->rtable;
    col->ref_col = k->rcol;
    col->ref_tok = k->rtable_tok;
    return SL_OK;
}

sl_status ddl_apply_cons(ddl_ctx *c, ddl_table *t, const ddl_cons *k)
{
    size_t *idx = ddl_alloc(c, (k->ncols ? k->ncols : 1) * sizeof *idx);
    sl_status st;
    if (!idx)
        return ddl_nomem(c);
    for (size_t i = 0; i < k->ncols; i++) {
        if ((st = ddl_col_index(c, t, k->cols[i], k->col_toks[i], &idx[i])) != SL_OK)
            return st;
        for (size_t j = 0; j < i; j++)
            if (idx[j] == idx[i])
                return ddl_fail(c, SL_ERR_SCHEMA, k->col_toks[i], "column '%s' is named twice "
                                "in the constraint", k->cols[i]);
    }
    switch (k->kind) {
    case C_PK:
        if (t->npk)
            return ddl_fail(c, SL_ERR_SCHEMA, k->tok, "table '%s' has a second primary key",
                            t->name);
        for (size_t i = 0; i < k->ncols; i++)
            t->cols[idx[i]].pk = true;
        t->pk = idx;
        t->npk = k->ncols;
        t->pk_tok = k->tok;
        return SL_OK;
    case C_UNIQUE:
        if (k->ncols > 1)
            return ddl_fail(c, SL_ERR_UNSUPPORTED, k->tok, "a UNIQUE constraint over several "
                            "columns cannot be represented");
        t->cols[idx[0]].unique = true;
        return SL_OK;
    case C_FK:
        return set_fk(c, t, &t->cols[idx[0]], k);
    case C_CHECK:
        return ddl_apply_check(c, t, k->check, k->start, k->end);
    }
    return SL_OK;
}

/* ---- columns ---- */

/* DEFAULT: a literal, CURRENT_TIMESTAMP and kin, or nextval(...) (a sequence). */
sl_status ddl_default_clause(ddl_ctx *c, ddl_col *col)
{
    const ddl_tok *t = ddl_peek(c, 0);
    ddl_expr *e;
    sl_status st = ddl_parse_expr(c, c->dialect != SL_DDL_POSTGRES, &e);
    if (st)
        return st;
    static const char *const now[] = {"now", "current_timestamp", "localtimestamp",
                                      "current_date", "curdate", "current_time", "localtime"};
    if (e->kind == E_NEG && e->a->kind == E_LIT && e->a->lit.kind == L_NUM) {
        e->a->lit.neg = !e->a->lit.neg;
        e = e->a;
    }
    if (e->kind == E_LIT) {
        col->deflt = NULL;   /* DEFAULT NULL is what no DEFAULT means */
        if (e->lit.kind == L_NULL)
            return SL_OK;
        ddl_lit *l = ddl_alloc(c, sizeof *l);
        if (!l)
            return ddl_nomem(c);
        *l = e->lit;
        col->deflt = l;
        return SL_OK;
    }
    if (e->kind == E_FUNC && name_is(e->name, "nextval")) {
        col->serial = true;
        return SL_OK;
    }
    for (size_t i = 0; e->kind == E_FUNC && i < sizeof now / sizeof now[0]; i++)
        if (name_is(e->name, now[i])) {
            ddl_lit *l = ddl_alloc(c, sizeof *l);
            if (!l)
                return ddl_nomem(c);
            const char *canon = i < 3 ? "CURRENT_TIMESTAMP" : i < 5 ? "CURRENT_DATE"
                                                                     : "CURRENT_TIME";
            *l = (ddl_lit){.kind = L_NOW, .text = canon, .len = strlen(canon)};
            col->deflt = l;
            return SL_OK;
        }
    return ddl_fail(c, SL_ERR_UNSUPPORTED, t, "DEFAULT must be a literal, CURRENT_TIMESTAMP or "
                    "nextval(...)");
}

/* GENERATED {ALWAYS | BY DEFAULT} AS IDENTITY [(START WITH n INCREMENT BY n ...)]. */
static sl_status identity(ddl_ctx *c, ddl_col *col)
{
    const ddl_tok *t = ddl_peek(c, 0);
    sl_status st;
    if (!ddl_accept_kw(c, "always") &&
        ((st = ddl_expect_kw(c, "BY", "after GENERATED")) != SL_OK ||
         (st = ddl_expect_kw(c, "DEFAULT", "after GENERATED BY")) != SL_OK))
        return st;
    if ((st = ddl_expect_kw(c, "AS", "after GENERATED")) != SL_OK)
        return st;
    if (!ddl_accept_kw(c, "identity"))
        return ddl_fail(c, SL_ERR_UNSUPPORTED, t, "computed columns (GENERATED ... AS (expr)) "
                                                  "are not supported");
    col->serial = true;
    if (!ddl_accept_p(c, "("))
        return SL_OK;
    while (!ddl_accept_p(c, ")")) {
        int64_t *dst = NULL;
        if (ddl_accept_kw(c, "start")) {
            dst = &col->seq_start;
            col->has_start = true;
            ddl_accept_kw(c, "with");
        } else if (ddl_accept_kw(c, "increment")) {
            dst = &col->seq_step;
            ddl_accept_kw(c, "by");
        } else if (ddl_peek(c, 0)->kind == TK_EOF) {
            return ddl_expect_p(c, ")", "to close the identity options");
        } else {
            c->pos++;  /* MINVALUE n, NO CYCLE, CACHE n: nothing to generate from */
        }
        if (dst && ddl_is_p(ddl_peek(c, 0), "-"))
            return ddl_fail(c, SL_ERR_UNSUPPORTED, ddl_peek(c, 0), "a sequence that starts "
                            "below zero or counts down is not supported");
        if (dst && (st = ddl_int_arg(c, INT64_MAX / 10, dst, "the sequence option")) != SL_OK)
            return st;
    }
    return SL_OK;
}

sl_status ddl_comment_text(ddl_ctx *c, const char **out)
{
    char buf[80];
    ddl_accept_p(c, "=");
    const ddl_tok *t = ddl_peek(c, 0);
    if (t->kind != TK_STRING && !(t->kind == TK_DQ && c->dialect != SL_DDL_POSTGRES))
        return ddl_fail(c, SL_ERR_SCHEMA, t, "expected a string after COMMENT, found %s",
                        ddl_tok_desc(t, buf, sizeof buf));
    c->pos++;
    if (!(*out = ddl_strndup(c, t->val, t->vlen)))
        return ddl_nomem(c);
    return SL_OK;
}

/* One column attribute or constraint. */
static sl_status column_attr(ddl_ctx *c, ddl_table *t, size_t ci, ddl_cons_list *l)
{
    ddl_col *col = &t->cols[ci];
    ddl_cons k = {.tok = ddl_peek(c, 0), .cols = &col->name, .col_toks = &col->tok, .ncols = 1};
    const char *ignored;
    sl_status st = SL_OK;
    if (ddl_accept_kw(c, "constraint")) {
        if (!ddl_is_kw(ddl_peek(c, 0), "primary") && !ddl_is_kw(ddl_peek(c, 0), "unique") &&
            !ddl_is_kw(ddl_peek(c, 0), "references") && !ddl_is_kw(ddl_peek(c, 0), "check") &&
            !ddl_is_kw(ddl_peek(c, 0), "not") && !ddl_is_kw(ddl_peek(c, 0), "default"))
            st = ddl_name(c, &ignored, NULL, "a constraint name");
        return st;
    }
    if (ddl_is_kw(k.tok, "not") && ddl_is_kw(ddl_peek(c, 1), "null")) {
        c->pos += 2;
        return SL_OK;
    }
    if (ddl_accept_kw(c, "null"))
        return SL_OK;
    if (ddl_accept_kw(c, "primary") || ddl_accept_kw(c, "key")) {
        /* PRIMARY KEY, or MySQL's KEY alone, which means the same in a column */
        if (ddl_is_kw(k.tok, "primary") && (st = ddl_expect_kw(c, "KEY", "after PRIMARY")))
            return st;
        k.kind = C_PK;
        if (!ddl_accept_kw(c, "asc"))
            ddl_accept_kw(c, "desc");
        return push_cons(c, l, &k);
    }
    if (ddl_accept_kw(c, "unique")) {
        if (!ddl_accept_kw(c, "key"))
            ddl_accept_kw(c, "index");
        col->unique = true;
        return SL_OK;
    }
    if (ddl_accept_kw(c, "references")) {
        k.kind = C_FK;
        if ((st = references(c, &k)) != SL_OK)
            return st;
        return set_fk(c, t, &t->cols[ci], &k);
    }
    if (ddl_accept_kw(c, "check")) {
        k.kind = C_CHECK;
        k.ncols = 0;
        if ((st = check_clause(c, &k)) != SL_OK)
            return st;
        return push_cons(c, l, &k);
    }
    if (ddl_accept_kw(c, "default"))
        return ddl_default_clause(c, col);
    if (ddl_accept_kw(c, "auto_increment") || ddl_accept_kw(c, "autoincrement")) {
        col->serial = true;
        return SL_OK;
    }
    if (ddl_accept_kw(c, "generated"))
        return identity(c, col);
    if (ddl_is_kw(ddl_peek(c, 0), "as") && ddl_is_p(ddl_peek(c, 1), "("))
        return ddl_fail(c, SL_ERR_UNSUPPORTED, k.tok, "computed columns (AS (expr)) are not "
                                                      "supported");
    if (ddl_accept_kw(c, "comment"))
        return ddl_comment_text(c, &col->desc);
    if (ddl_accept_kw(c, "collate") || ddl_accept_kw(c, "charset")) {
        ddl_next(c);
        return SL_OK;
    }
    if (ddl_accept_kw(c, "character")) {
        if ((st = ddl_expect_kw(c, "SET", "after CHARACTER")) != SL_OK)
            return st;
        ddl_next(c);
        return SL_OK;
    }
    if (ddl_is_kw(ddl_peek(c, 0), "on") && ddl_is_kw(ddl_peek(c, 1), "update")) {
        c->pos += 2;   /* ON UPDATE CURRENT_TIMESTAMP: what happens on UPDATE, not INSERT */
        ddl_expr *e;
        return ddl_parse_expr(c, false, &e);
    }
    size_t before = c->pos;
    constraint_modifiers(c);
    if (c->pos != before)
        return SL_OK;
    const ddl_tok *bad = ddl_peek(c, 0);
    char buf[80];
    if (bad->kind == TK_WORD)
        return ddl_fail(c, SL_ERR_UNSUPPORTED, bad, "unsupported %s in the definition of column "
                        "'%s'", ddl_tok_desc(bad, buf, sizeof buf), col->name);
    return ddl_fail(c, SL_ERR_SCHEMA, bad, "expected ',' or ')' after column '%s', found %s",
                    col->name, ddl_tok_desc(bad, buf, sizeof buf));
}

static sl_status add_column(ddl_ctx *c, ddl_table *t, const char *name, const ddl_tok *tok,
                            size_t *ci)
{
    char buf[64];
    if (!ddl_valid_name(name, false))
        return ddl_fail(c, SL_ERR_UNSUPPORTED, tok, "column name '%s' is not a valid schema "
                        "name (letters, digits and _, not starting with a digit)",
                        ddl_clip(name, strlen(name), buf, 64));
    if (find_col(c, t, name) >= 0)
        return ddl_fail(c, SL_ERR_SCHEMA, tok, "column '%s' is defined twice in table '%s'",
                        name, t->name);
    ddl_col *p = ddl_grow(c, t->cols, t->ncols, &t->capcols, sizeof *p);
    if (!p)
        return ddl_nomem(c);
    t->cols = p;
    *ci = t->ncols++;
    ddl_col *col = &t->cols[*ci];
    memset(col, 0, sizeof *col);
    col->name = name;
    col->tok = tok;
    col->seq_step = 1;
    col->ref_t = -1;
    return SL_OK;
}

/* name type [attributes ...] */
sl_status ddl_column_def(ddl_ctx *c, ddl_table *t, ddl_cons_list *l)
{
    const char *name;
    const ddl_tok *tok;
    size_t ci = 0;
    sl_status st;
    if ((st = ddl_name(c, &name, &tok, "a column name")) != SL_OK ||
        (st = add_column(c, t, name, tok, &ci)) != SL_OK)
        return st;
    ddl_type ty;
    const ddl_tok *type_tok;
    if ((st = parse_type(c, &ty, &type_tok, false)) != SL_OK)
        return st;
    ddl_col *col = &t->cols[ci];
    col->type = ty;
    col->type_tok = type_tok;
    col->serial = ty.serial;
    if (ty.nvalues) {   /* an ENUM: a value list to start from */
        col->values = ty.values;
        col->nvalues = ty.nvalues;
        col->has_values = true;
    }
    /* ')' ends the last column of CREATE TABLE, ';' that of ALTER TABLE ... ADD */
    while (!ddl_is_p(ddl_peek(c, 0), ",") && !ddl_is_p(ddl_peek(c, 0), ")") &&
           !ddl_is_p(ddl_peek(c, 0), ";") && ddl_peek(c, 0)->kind != TK_EOF)
        if ((st = column_attr(c, t, ci, l)) != SL_OK)
            return st;
    return SL_OK;
}

/* KEY and INDEX start an index line in MySQL, but PostgreSQL allows a column named
 * key: an index is KEY followed by '(' or by a name and '('... whose first item is a
 * name, where a column's VARCHAR(10) has a number. */
static bool index_line(ddl_ctx *c)
{
    const ddl_tok *t = ddl_peek(c, 0);
    if (!ddl_is_kw(t, "key") && !ddl_is_kw(t, "index") && !ddl_is_kw(t, "fulltext") &&
        !ddl_is_kw(t, "spatial"))
        return false;
    if (ddl_is_p(ddl_peek(c, 1), "("))
        return true;
    if (ddl_is_kw(ddl_peek(c, 2), "using"))
        return true;
    return ddl_is_p(ddl_peek(c, 2), "(") && ddl_peek(c, 3)->kind != TK_NUMBER;
}

bool ddl_constraint_start(ddl_ctx *c)
{
    const ddl_tok *t = ddl_peek(c, 0);
    return ddl_is_kw(t, "constraint") || ddl_is_kw(t, "primary") || ddl_is_kw(t, "foreign") ||
           ddl_is_kw(t, "check") || ddl_is_kw(t, "exclude") || index_line(c) ||
           ddl_is_kw(t, "unique");
}

sl_status ddl_apply_all(ddl_ctx *c, ddl_table *t, const ddl_cons_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        sl_status st = ddl_apply_cons(c, t, &l->items[i]);
        if (st)
            return st;
    }
    return SL_OK;
}
