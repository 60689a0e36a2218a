/* The DDL statement parser: one SQL statement after another, each read, skipped or
 * refused as include/sluice/ddl.h lists, into the table model (ddl_internal.h).
 * CREATE TABLE's columns and constraints are read by ddl_table.c; table options
 * (MySQL storage, Hive layout) are read and mostly dropped here, since they say how a
 * table is stored, not what it holds. */
#include "schema/ddl_internal.h"

#include <string.h>

/* ---- statements ---- */

static sl_status skip_statement(ddl_ctx *c)
{
    while (ddl_peek(c, 0)->kind != TK_EOF && !ddl_is_p(ddl_peek(c, 0), ";"))
        c->pos++;
    ddl_accept_p(c, ";");
    return SL_OK;
}

static sl_status end_statement(ddl_ctx *c, const char *what)
{
    if (ddl_accept_p(c, ";") || ddl_peek(c, 0)->kind == TK_EOF)
        return SL_OK;
    char buf[80];
    return ddl_fail(c, SL_ERR_SCHEMA, ddl_peek(c, 0), "expected ';' after %s, found %s", what,
                    ddl_tok_desc(ddl_peek(c, 0), buf, sizeof buf));
}

static sl_status expect_string(ddl_ctx *c, const char *what)
{
    const ddl_tok *t = ddl_peek(c, 0);
    char buf[80];
    if (t->kind == TK_STRING || (t->kind == TK_DQ && c->dialect != SL_DDL_POSTGRES)) {
        c->pos++;
        return SL_OK;
    }
    return ddl_fail(c, SL_ERR_SCHEMA, t, "expected a string %s, found %s", what,
                    ddl_tok_desc(t, buf, sizeof buf));
}

/* Hive: ROW FORMAT DELIMITED [FIELDS TERMINATED BY 'x' ...] | SERDE 'x' [WITH ...]. */
static sl_status row_format(ddl_ctx *c)
{
    static const char *const parts[] = {"fields", "collection", "map", "lines", "null", "escaped"};
    sl_status st = ddl_expect_kw(c, "FORMAT", "after ROW");
    if (st)
        return st;
    if (ddl_accept_kw(c, "serde")) {
        if ((st = expect_string(c, "after SERDE")) != SL_OK)
            return st;
        if (ddl_accept_kw(c, "with") &&
            ((st = ddl_expect_kw(c, "SERDEPROPERTIES", "after WITH")) != SL_OK ||
             (st = ddl_skip_group(c)) != SL_OK))
            return st;
        return SL_OK;
    }
    if ((st = ddl_expect_kw(c, "DELIMITED", "or SERDE after ROW FORMAT")) != SL_OK)
        return st;
    for (;;) {
        bool part = false;
        for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
            part |= ddl_is_kw(ddl_peek(c, 0), parts[i]);
        if (!part)
            return SL_OK;
        while (ddl_peek(c, 0)->kind == TK_WORD)   /* FIELDS TERMINATED BY */
            c->pos++;
        if ((st = expect_string(c, "in ROW FORMAT DELIMITED")) != SL_OK)
            return st;
    }
}

/* Hive: STORED AS fmt | STORED AS INPUTFORMAT 'x' OUTPUTFORMAT 'y' | STORED BY 'x'. */
static sl_status stored(ddl_ctx *c)
{
    sl_status st;
    if (ddl_accept_kw(c, "by")) {
        if ((st = expect_string(c, "after STORED BY")) != SL_OK)
            return st;
        if (ddl_accept_kw(c, "with") &&
            ((st = ddl_expect_kw(c, "SERDEPROPERTIES", "after WITH")) != SL_OK ||
             (st = ddl_skip_group(c)) != SL_OK))
            return st;
        return SL_OK;
    }
    if ((st = ddl_expect_kw(c, "AS", "after STORED")) != SL_OK)
        return st;
    if (ddl_accept_kw(c, "inputformat")) {
        if ((st = expect_string(c, "after INPUTFORMAT")) != SL_OK ||
            (st = ddl_expect_kw(c, "OUTPUTFORMAT", "after INPUTFORMAT '...'")) != SL_OK)
            return st;
        return expect_string(c, "after OUTPUTFORMAT");
    }
    ddl_next(c);
    return SL_OK;
}

/* Hive: PARTITIONED BY (name type [COMMENT 'x'], ...): more columns. */
static sl_status partitioned(ddl_ctx *c, ddl_table *t, ddl_cons_list *l)
{
    sl_status st;
    if ((st = ddl_expect_kw(c, "BY", "after PARTITIONED")) != SL_OK ||
        (st = ddl_expect_p(c, "(", "after PARTITIONED BY")) != SL_OK)
        return st;
    do {
        if ((st = ddl_column_def(c, t, l)) != SL_OK)
            return st;
    } while (ddl_accept_p(c, ","));
    return ddl_expect_p(c, ")", "to close PARTITIONED BY");
}

/* CLUSTERED BY (...) [SORTED BY (...)] INTO n BUCKETS: how Hive lays files out. */
static sl_status clustered(ddl_ctx *c)
{
    sl_status st;
    int64_t n;
    if ((st = ddl_expect_kw(c, "BY", "after CLUSTERED")) != SL_OK || (st = ddl_skip_group(c)))
        return st;
    if (ddl_accept_kw(c, "sorted") &&
        ((st = ddl_expect_kw(c, "BY", "after SORTED")) != SL_OK || (st = ddl_skip_group(c))))
        return st;
    if ((st = ddl_expect_kw(c, "INTO", "after CLUSTERED BY (...)")) != SL_OK ||
        (st = ddl_int_arg(c, INT64_MAX / 10, &n, "the bucket count")) != SL_OK)
        return st;
    return ddl_expect_kw(c, "BUCKETS", "after INTO n");
}

/* MySQL options that say how a table is stored: NAME [=] value. */
static bool storage_option(ddl_ctx *c)
{
    static const char *const names[] = {
        "engine", "row_format", "key_block_size", "avg_row_length", "checksum", "pack_keys",
        "stats_persistent", "stats_auto_recalc", "stats_sample_pages", "max_rows", "min_rows",
        "delay_key_write", "insert_method", "compression", "encryption", "tablespace",
        "charset", "collate"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (ddl_accept_kw(c, names[i])) {
            ddl_accept_p(c, "=");
            ddl_next(c);
            return true;
        }
    return false;
}

static sl_status table_options(ddl_ctx *c, ddl_table *t, ddl_cons_list *l)
{
    sl_status st = SL_OK;
    while (!st) {
        const ddl_tok *o = ddl_peek(c, 0);
        char buf[80];
        if (o->kind == TK_EOF || ddl_is_p(o, ";"))
            return SL_OK;
        if (ddl_accept_p(c, ",") || ddl_accept_kw(c, "default") || storage_option(c))
            continue;
        if (ddl_accept_kw(c, "character")) {
            if ((st = ddl_expect_kw(c, "SET", "after CHARACTER")) == SL_OK) {
                ddl_accept_p(c, "=");
                ddl_next(c);
            }
        } else if (ddl_accept_kw(c, "auto_increment")) {
            ddl_accept_p(c, "=");
            st = ddl_int_arg(c, INT64_MAX / 10, &t->auto_start, "AUTO_INCREMENT");
            t->has_auto_start = true;
        } else if (ddl_accept_kw(c, "comment")) {
            st = ddl_comment_text(c, &t->desc);
        } else if (ddl_accept_kw(c, "partitioned")) {
            st = partitioned(c, t, l);
        } else if (ddl_accept_kw(c, "clustered")) {
            st = clustered(c);
        } else if (ddl_accept_kw(c, "row")) {
            st = row_format(c);
        } else if (ddl_accept_kw(c, "stored")) {
            st = stored(c);
        } else if (ddl_accept_kw(c, "location")) {
            st = expect_string(c, "after LOCATION");
        } else if (ddl_accept_kw(c, "tblproperties")) {
            st = ddl_skip_group(c);
        } else if (ddl_is_kw(o, "with") && ddl_is_p(ddl_peek(c, 1), "(")) {
            c->pos++;
            st = ddl_skip_group(c);
        } else if (ddl_is_kw(o, "as")) {
            return ddl_fail(c, SL_ERR_UNSUPPORTED, o, "CREATE TABLE ... AS is not supported");
        } else if (o->kind == TK_WORD) {
            return ddl_fail(c, SL_ERR_UNSUPPORTED, o, "unsupported table option %s",
                            ddl_tok_desc(o, buf, sizeof buf));
        } else {
            return ddl_fail(c, SL_ERR_SCHEMA, o, "expected ';' after the definition of table "
                            "'%s', found %s", t->name, ddl_tok_desc(o, buf, sizeof buf));
        }
    }
    return st;
}

static sl_status push_table(ddl_ctx *c, const ddl_table *t)
{
    ddl_table *p = ddl_grow(c, c->tables, c->ntables, &c->captables, sizeof *p);
    if (!p)
        return ddl_nomem(c);
    c->tables = p;
    c->tables[c->ntables++] = *t;
    return SL_OK;
}

static sl_status create_table(ddl_ctx *c)
{
    bool if_not = false;
    sl_status st;
    char buf[64];
    if (ddl_accept_kw(c, "if")) {
        if ((st = ddl_expect_kw(c, "NOT", "after IF")) != SL_OK ||
            (st = ddl_expect_kw(c, "EXISTS", "after IF NOT")) != SL_OK)
            return st;
        if_not = true;
    }
    ddl_table t;
    memset(&t, 0, sizeof t);
    if ((st = ddl_qualified_name(c, &t.name, &t.tok, "a table name")) != SL_OK)
        return st;
    if (!ddl_valid_name(t.name, true))
        return ddl_fail(c, SL_ERR_UNSUPPORTED, t.tok, "table name '%s' is not a valid schema "
                        "name (letters, digits and _, starting with a letter)",
                        ddl_clip(t.name, strlen(t.name), buf, 64));
    int prev = ddl_find_table(c, t.name);
    if (prev >= 0 && !if_not)
        return ddl_fail(c, SL_ERR_SCHEMA, t.tok, "table '%s' is defined twice (first on line %u)",
                        t.name, c->tables[prev].tok->line);
    const ddl_tok *o = ddl_peek(c, 0);
    if (ddl_is_kw(o, "as") || ddl_is_kw(o, "like") || ddl_is_kw(o, "partition") ||
        (ddl_is_p(o, "(") && ddl_is_kw(ddl_peek(c, 1), "like")))
        return ddl_fail(c, SL_ERR_UNSUPPORTED, o, "only CREATE TABLE with a list of columns is "
                                                  "supported");
    if ((st = ddl_expect_p(c, "(", "after the table name")) != SL_OK)
        return st;
    ddl_cons_list l = {0};
    do {
        st = ddl_constraint_start(c) ? ddl_table_constraint(c, &l) : ddl_column_def(c, &t, &l);
        if (st)
            return st;
    } while (ddl_accept_p(c, ","));
    if ((st = ddl_expect_p(c, ")", "to close the column list")) != SL_OK ||
        (st = table_options(c, &t, &l)) != SL_OK ||
        (st = end_statement(c, "CREATE TABLE")) != SL_OK)
        return st;
    if (t.ncols == 0)
        return ddl_fail(c, SL_ERR_SCHEMA, t.tok, "table '%s' has no columns", t.name);
    if ((st = ddl_apply_all(c, &t, &l)) != SL_OK)
        return st;
    return prev >= 0 ? SL_OK : push_table(c, &t);
}

/* A table created earlier; *out NULL when it was not and missing_ok. */
static sl_status table_of(ddl_ctx *c, bool missing_ok, ddl_table **out)
{
    const char *name;
    const ddl_tok *tok;
    sl_status st = ddl_qualified_name(c, &name, &tok, "a table name");
    if (st)
        return st;
    int i = ddl_find_table(c, name);
    *out = i < 0 ? NULL : &c->tables[i];
    if (i < 0 && !missing_ok)
        return ddl_fail(c, SL_ERR_SCHEMA, tok, "no table '%s' has been created", name);
    return SL_OK;
}

/* ALTER TABLE t ALTER [COLUMN] c SET DEFAULT x | SET NOT NULL | DROP ... */
static sl_status alter_column(ddl_ctx *c, ddl_table *t, const ddl_tok *at)
{
    const char *name;
    const ddl_tok *tok;
    size_t ci;
    sl_status st;
    ddl_accept_kw(c, "column");
    if ((st = ddl_name(c, &name, &tok, "a column name")) != SL_OK ||
        (st = ddl_col_index(c, t, name, tok, &ci)) != SL_OK)
        return st;
    if (ddl_accept_kw(c, "set")) {
        if (ddl_accept_kw(c, "default"))
            return ddl_default_clause(c, &t->cols[ci]);
        if (ddl_accept_kw(c, "not"))
            return ddl_expect_kw(c, "NULL", "after SET NOT");
    } else if (ddl_accept_kw(c, "drop")) {
        if (ddl_accept_kw(c, "not"))
            return ddl_expect_kw(c, "NULL", "after DROP NOT");
        if (ddl_accept_kw(c, "default")) {
            t->cols[ci].deflt = NULL;
            return SL_OK;
        }
    }
    return ddl_fail(c, SL_ERR_UNSUPPORTED, at, "unsupported ALTER COLUMN (SET DEFAULT, SET NOT "
                                               "NULL and DROP DEFAULT are read)");
}

/* ALTER TABLE [ONLY] [IF EXISTS] t ADD ... | ALTER COLUMN ... [, ...] | OWNER TO x */
static sl_status alter_table(ddl_ctx *c)
{
    ddl_table *t;
    sl_status st;
    bool if_exists = false;
    ddl_accept_kw(c, "only");
    if (ddl_accept_kw(c, "if")) {
        if ((st = ddl_expect_kw(c, "EXISTS", "after IF")) != SL_OK)
            return st;
        if_exists = true;
    }
    ddl_accept_kw(c, "only");
    if ((st = table_of(c, if_exists, &t)) != SL_OK)
        return st;
    if (!t || ddl_accept_kw(c, "owner"))   /* IF EXISTS of no table; OWNER TO x */
        return skip_statement(c);
    ddl_cons_list l = {0};
    do {
        const ddl_tok *a = ddl_peek(c, 0);
        if (ddl_accept_kw(c, "add")) {
            if (ddl_constraint_start(c)) {
                st = ddl_table_constraint(c, &l);
            } else {
                ddl_accept_kw(c, "column");
                st = ddl_column_def(c, t, &l);
            }
        } else if (ddl_accept_kw(c, "alter")) {
            st = alter_column(c, t, a);
        } else {
            char buf[80];
            st = ddl_fail(c, SL_ERR_UNSUPPORTED, a, "unsupported ALTER TABLE %s (ADD and ALTER "
                          "COLUMN are read)", ddl_tok_desc(a, buf, sizeof buf));
        }
        if (st)
            return st;
    } while (ddl_accept_p(c, ","));
    if ((st = end_statement(c, "ALTER TABLE")) != SL_OK)
        return st;
    return ddl_apply_all(c, t, &l);
}

/* CREATE UNIQUE INDEX [name] ON t (c): c is unique. */
static sl_status unique_index(ddl_ctx *c)
{
    sl_status st;
    const char *ignored;
    ddl_accept_kw(c, "concurrently");
    if (ddl_accept_kw(c, "if") &&
        ((st = ddl_expect_kw(c, "NOT", "after IF")) != SL_OK ||
         (st = ddl_expect_kw(c, "EXISTS", "after IF NOT")) != SL_OK))
        return st;
    if (!ddl_is_kw(ddl_peek(c, 0), "on") &&
        (st = ddl_qualified_name(c, &ignored, NULL, "an index name")) != SL_OK)
        return st;
    ddl_table *t;
    if ((st = ddl_expect_kw(c, "ON", "after the index name")) != SL_OK)
        return st;
    ddl_accept_kw(c, "only");
    if ((st = table_of(c, false, &t)) != SL_OK)
        return st;
    if (ddl_accept_kw(c, "using"))
        ddl_next(c);
    const ddl_tok *open = ddl_peek(c, 0);
    if (ddl_is_p(ddl_peek(c, 2), "(") && ddl_peek(c, 3)->kind != TK_NUMBER)
        return ddl_fail(c, SL_ERR_UNSUPPORTED, open, "a unique index on an expression cannot be "
                                                     "represented");
    ddl_cons k = {.kind = C_UNIQUE, .tok = open};
    if ((st = ddl_name_list(c, &k.cols, &k.col_toks, &k.ncols, "after ON table")) != SL_OK ||
        (st = ddl_apply_cons(c, t, &k)) != SL_OK)
        return st;
    return skip_statement(c);   /* WHERE, INCLUDE, WITH: a narrower uniqueness is implied */
}

/* COMMENT ON TABLE t IS '...' | COMMENT ON COLUMN t.c IS '...' */
static sl_status comment_on(ddl_ctx *c)
{
    sl_status st = ddl_expect_kw(c, "ON", "after COMMENT");
    if (st)
        return st;
    bool table = ddl_accept_kw(c, "table");
    if (!table && !ddl_accept_kw(c, "column"))
        return skip_statement(c);
    const char *parts[2] = {NULL, NULL};
    const ddl_tok *toks[2] = {NULL, NULL};
    do {
        parts[0] = parts[1];
        toks[0] = toks[1];
        if ((st = ddl_name(c, &parts[1], &toks[1], "a name")) != SL_OK)
            return st;
    } while (ddl_accept_p(c, "."));
    const char *tname = table ? parts[1] : parts[0];
    const ddl_tok *ttok = table ? toks[1] : toks[0];
    if (!tname)
        return ddl_fail(c, SL_ERR_SCHEMA, toks[1], "COMMENT ON COLUMN needs table.column");
    int ti = ddl_find_table(c, tname);
    if (ti < 0)
        return ddl_fail(c, SL_ERR_SCHEMA, ttok, "no table '%s' has been created", tname);
    ddl_table *t = &c->tables[ti];
    size_t ci = 0;
    if (!table && (st = ddl_col_index(c, t, parts[1], toks[1], &ci)) != SL_OK)
        return st;
    const char **dst = table ? &t->desc : &t->cols[ci].desc;
    if ((st = ddl_expect_kw(c, "IS", "in COMMENT ON")) != SL_OK)
        return st;
    if (ddl_accept_kw(c, "null"))
        *dst = NULL;
    else if ((st = ddl_comment_text(c, dst)) != SL_OK)
        return st;
    return end_statement(c, "COMMENT ON");
}

/* CREATE TYPE name AS ENUM ('a', ...) */
static sl_status create_type(ddl_ctx *c, const ddl_tok *start)
{
    const char *name;
    const ddl_tok *tok;
    sl_status st;
    if ((st = ddl_qualified_name(c, &name, &tok, "a type name")) != SL_OK ||
        (st = ddl_expect_kw(c, "AS", "after the type name")) != SL_OK)
        return st;
    if (!ddl_accept_kw(c, "enum"))
        return ddl_fail(c, SL_ERR_UNSUPPORTED, start, "only CREATE TYPE ... AS ENUM is supported");
    if (ddl_find_enum(c, name))
        return ddl_fail(c, SL_ERR_SCHEMA, tok, "type '%s' is defined twice", name);
    ddl_enum *p = ddl_grow(c, c->enums, c->nenums, &c->capenums, sizeof *p);
    if (!p)
        return ddl_nomem(c);
    c->enums = p;
    ddl_enum *e = &c->enums[c->nenums];
    e->name = name;
    if ((st = ddl_enum_values(c, false, &e->values, &e->nvalues)) != SL_OK)
        return st;
    c->nenums++;
    return end_statement(c, "CREATE TYPE");
}

static bool skipped_kind(const ddl_tok *t)
{
    static const char *const kinds[] = {"schema", "database", "sequence", "extension", "index"};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (ddl_is_kw(t, kinds[i]))
            return true;
    return false;
}

static sl_status create(ddl_ctx *c, const ddl_tok *start)
{
    static const char *const mods[] = {"temporary", "temp", "unlogged", "external", "global",
                                       "local"};
    sl_status st;
    char buf[80];
    if (ddl_accept_kw(c, "or") && (st = ddl_expect_kw(c, "REPLACE", "after OR")) != SL_OK)
        return st;
    for (bool more = true; more;) {   /* in any order */
        more = false;
        for (size_t i = 0; i < sizeof mods / sizeof mods[0]; i++)
            more |= ddl_accept_kw(c, mods[i]);
    }
    if (ddl_accept_kw(c, "table"))
        return create_table(c);
    if (ddl_accept_kw(c, "unique")) {
        if ((st = ddl_expect_kw(c, "INDEX", "after CREATE UNIQUE")) != SL_OK)
            return st;
        return unique_index(c);
    }
    if (skipped_kind(ddl_peek(c, 0)))
        return skip_statement(c);
    if (ddl_accept_kw(c, "type"))
        return create_type(c, start);
    const ddl_tok *what = ddl_peek(c, 0);
    if (what->kind == TK_WORD)
        return ddl_fail(c, SL_ERR_UNSUPPORTED, start, "CREATE %s is not supported",
                        ddl_clip(what->src, what->len, buf, 48));
    return ddl_fail(c, SL_ERR_SCHEMA, what, "expected what to CREATE, found %s",
                    ddl_tok_desc(what, buf, sizeof buf));
}

static sl_status statement(ddl_ctx *c)
{
    static const char *const skipped[] = {"drop", "insert", "set", "use", "select", "grant",
                                          "revoke", "lock", "unlock", "begin", "start",
                                          "commit", "rollback"};
    const ddl_tok *t = ddl_peek(c, 0);
    char buf[80];
    if (ddl_accept_p(c, ";"))
        return SL_OK;
    for (size_t i = 0; i < sizeof skipped / sizeof skipped[0]; i++)
        if (ddl_is_kw(t, skipped[i]))
            return skip_statement(c);
    if (ddl_accept_kw(c, "create"))
        return create(c, t);
    if (ddl_accept_kw(c, "alter")) {
        if (ddl_accept_kw(c, "table"))
            return alter_table(c);
        if (ddl_accept_kw(c, "sequence"))
            return skip_statement(c);
        return ddl_fail(c, SL_ERR_UNSUPPORTED, t, "ALTER %s is not supported",
                        ddl_tok_desc(ddl_peek(c, 0), buf, sizeof buf));
    }
    if (ddl_accept_kw(c, "comment"))
        return comment_on(c);
    return ddl_fail(c, SL_ERR_UNSUPPORTED, t, "unsupported statement starting with %s",
                    ddl_tok_desc(t, buf, sizeof buf));
}

sl_status ddl_parse(ddl_ctx *c)
{
    while (ddl_peek(c, 0)->kind != TK_EOF) {
        sl_status st = statement(c);
        if (st)
            return st;
    }
    return SL_OK;
}
