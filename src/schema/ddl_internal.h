/* Internals of the DDL importer (include/sluice/ddl.h), shared by its files:
 *   ddl_lex.c    text to tokens, and the cursor the parsers move over them
 *   ddl_parse.c  statements to the table model (recursive descent, bounded depth)
 *   ddl_table.c  CREATE TABLE's body: types, columns, constraints
 *   ddl_expr.c   CHECK and DEFAULT expressions; literals, numbers, dates
 *   ddl_check.c  a CHECK's conjuncts to ranges and value lists on columns
 *   ddl_gen.c    the model to a schema tree: generators chosen from type and name
 *   ddl_emit.c   the schema tree written as JSON or YAML
 *   ddl.c        the entry point: foreign keys resolved, tables sorted parents first
 * Everything lives in one arena that dies with the import. */
#ifndef SL_SCHEMA_DDL_INTERNAL_H
#define SL_SCHEMA_DDL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "sluice/ddl.h"

/* Nesting limit for expressions (parentheses, NOT, unary minus). Deeper is SL_ERR_LIMIT. */
#define DDL_MAX_DEPTH 64

/* ---- tokens ---- */

typedef enum {
    TK_EOF = 0,
    TK_WORD,     /* unquoted name or keyword */
    TK_QNAME,    /* `name` */
    TK_DQ,       /* "text": a name or a string, depending on dialect and place */
    TK_STRING,   /* 'text', E'text', $$text$$ */
    TK_NUMBER,   /* 12, 1.5, .5, 1e3 (unsigned) */
    TK_PUNCT     /* ( ) , ; . = < > <= >= <> != == :: || [ ] and any other character */
} ddl_tk;

typedef struct ddl_tok {
    ddl_tk kind;
    const char *src;     /* the token's text in the input */
    size_t len;
    const char *val;     /* unescaped value (strings, quoted names), else == src */
    size_t vlen;
    uint32_t line, col;  /* 1-based; col counts code points */
    uint64_t off;        /* 0-based byte offset */
} ddl_tok;

/* ---- literals and expressions ---- */

typedef enum {
    L_NUM,     /* text: the number's digits, neg: written with a minus */
    L_STR,     /* text: the unescaped string */
    L_TRUE, L_FALSE, L_NULL,
    L_DATE,    /* DATE 'text' */
    L_TS,      /* TIMESTAMP 'text' */
    L_NOW      /* CURRENT_TIMESTAMP, NOW(), ...: text is the canonical upper-case name */
} ddl_lk;

typedef struct ddl_lit {
    ddl_lk kind;
    bool neg;
    const char *text;
    size_t len;
} ddl_lit;

typedef enum {
    E_OR, E_AND, E_NOT,
    E_CMP,      /* a op b; op one of = < <= > >= <> */
    E_BETWEEN,  /* a BETWEEN b AND c (neg: NOT BETWEEN) */
    E_IN,       /* a IN (list) (neg: NOT IN); also a = ANY (ARRAY[list]) */
    E_ISNULL,   /* a IS NULL (neg: IS NOT NULL) */
    E_COL,      /* a column: name */
    E_LIT,      /* lit */
    E_FUNC,     /* name(...): the arguments are skipped, not kept */
    E_ARITH,    /* a op b; op one of + - * / % || */
    E_NEG,      /* -a */
    E_ARRAY     /* ARRAY[list] */
} ddl_ek;

typedef struct ddl_expr ddl_expr;
struct ddl_expr {
    ddl_ek kind;
    const ddl_tok *tok;   /* where it starts */
    const char *op;
    bool neg;
    ddl_expr *a, *b, *c;
    ddl_expr **list;
    size_t n;
    ddl_lit lit;
    const char *name;
};

/* ---- the table model ---- */

typedef enum {
    K_BOOL = 0, K_INT8, K_INT16, K_INT32, K_INT64, K_DOUBLE, K_DECIMAL,
    K_STRING, K_DATE, K_TIME, K_TIMESTAMP
} ddl_kind;

typedef struct ddl_type {
    ddl_kind kind;
    int prec, scale;        /* K_DECIMAL */
    uint32_t len;           /* K_STRING: VARCHAR(n)/CHAR(n) length, 0 when unbounded */
    bool is_unsigned;       /* MySQL UNSIGNED: the range is 0..umax */
    int64_t umax;
    bool uuid;              /* PostgreSQL uuid: a string made by the uuid generator */
    bool list;              /* Hive ARRAY<T>, PostgreSQL T[]: a list of kind */
    bool serial;            /* SERIAL, BIGSERIAL: a sequence */
    const ddl_lit *values;  /* ENUM('a','b') or a CREATE TYPE ... AS ENUM type */
    size_t nvalues;
} ddl_type;

typedef struct ddl_col {
    const char *name;
    const ddl_tok *tok;
    ddl_type type;
    const ddl_tok *type_tok;
    bool pk, unique, serial;
    bool has_start;                  /* START WITH n */
    int64_t seq_start, seq_step;     /* identity options (step 1 unless given) */
    const ddl_lit *deflt;            /* DEFAULT, or NULL */
    const char *desc;                /* COMMENT, or NULL */
    /* Foreign key: the referenced table and column as written; resolved in ddl.c. */
    const char *ref_table, *ref_col;
    const ddl_tok *ref_tok;
    int ref_t;                       /* index of the referenced table, -1 until resolved */
    /* From CHECK constraints (ddl_check.c). Bounds are in the column's unit: the
     * integer, the decimal times 10^scale, days (dates), microseconds (timestamps);
     * doubles use dlo/dhi. */
    bool has_lo, has_hi;
    int64_t lo, hi;
    double dlo, dhi;
    const ddl_lit *values;           /* IN list (intersected with the ENUM), or NULL */
    size_t nvalues;
    bool has_values;
    char *check;                     /* the conjuncts in schema expression syntax, or NULL */
    size_t check_len, check_cap;     /* (a doubling array: long AND chains stay linear) */
    const ddl_tok *check_tok;        /* the first CHECK naming this column */
} ddl_col;

typedef struct ddl_table {
    const char *name;
    const ddl_tok *tok;
    const char *desc;
    ddl_col *cols;
    size_t ncols, capcols;
    size_t *pk;                      /* primary key column indexes */
    size_t npk;
    const ddl_tok *pk_tok;
    bool has_auto_start;             /* AUTO_INCREMENT=n table option */
    int64_t auto_start;
    int mark;                        /* topological sort: 0 new, 1 on the path, 2 done */
} ddl_table;

typedef struct ddl_enum {            /* CREATE TYPE name AS ENUM (...) */
    const char *name;
    const ddl_lit *values;
    size_t nvalues;
} ddl_enum;

/* A constraint waiting for its table's columns. */
typedef enum { C_PK, C_UNIQUE, C_FK, C_CHECK } ddl_cons_kind;

typedef struct ddl_cons {
    ddl_cons_kind kind;
    const ddl_tok *tok;         /* where it starts, for messages */
    const char **cols;          /* the column names, with their tokens */
    const ddl_tok **col_toks;
    size_t ncols;
    const char *rtable;         /* C_FK */
    const ddl_tok *rtable_tok;
    const char *rcol;           /* NULL: the referenced table's primary key */
    const ddl_tok *rcol_tok;
    size_t nrcols;
    const ddl_expr *check;      /* C_CHECK: the expression, from start to end (the ')') */
    const ddl_tok *start, *end;
} ddl_cons;

typedef struct ddl_cons_list {
    ddl_cons *items;
    size_t n, cap;
} ddl_cons_list;

/* ---- the schema tree that is written out ---- */

typedef enum { N_OBJ, N_ARR, N_STR, N_RAW } ddl_nk;

typedef struct ddl_node ddl_node;
struct ddl_node {
    ddl_nk kind;
    bool flow;              /* written on one line: {"a": 1} in JSON, {a: 1} in YAML */
    const char *text;       /* N_STR: the string; N_RAW: a number, true, false or null */
    size_t len;
    const char **keys;      /* N_OBJ: keys, parallel to items */
    ddl_node **items;
    size_t n, cap;
};

/* ---- the import context ---- */

typedef struct ddl_ctx {
    sl_arena arena;
    const char *file;
    sl_ddl_dialect dialect;
    sl_error *err;
    bool nomem;               /* an allocation failed (sticky; checked at the end) */
    ddl_tok *toks;
    size_t ntoks, captoks, pos;
    int depth;
    ddl_table *tables;
    size_t ntables, captables;
    ddl_enum *enums;
    size_t nenums, capenums;
} ddl_ctx;

/* Arena helpers: NULL (and ctx->nomem set) when memory runs out. */
void *ddl_alloc(ddl_ctx *c, size_t n);
char *ddl_strndup(ddl_ctx *c, const char *s, size_t n);
/* Grows an arena array of elem-byte items to hold one more than *n. */
void *ddl_grow(ddl_ctx *c, void *p, size_t n, size_t *cap, size_t elem);

/* Errors: the message at tok's position (NULL: no position), in c->file. Return code. */
sl_status ddl_fail(ddl_ctx *c, sl_status code, const ddl_tok *tok, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
sl_status ddl_nomem(ddl_ctx *c);
/* A token's text for messages: quoted and clipped, or "the end of the input". */
const char *ddl_tok_desc(const ddl_tok *t, char *buf, size_t n);
/* s[0..n) for a message in buf (size >= 8): at most size - 4 bytes, cut between UTF-8
 * sequences, control characters as spaces, "..." when clipped, '?' for bytes of text
 * that is not UTF-8. Returns buf. */
const char *ddl_clip(const char *s, size_t n, char *buf, size_t size);

/* ddl_lex.c: fills c->toks (ending with TK_EOF). */
sl_status ddl_lex(ddl_ctx *c, const char *src, size_t len);

/* ddl_parse.c: every statement, into c->tables. */
sl_status ddl_parse(ddl_ctx *c);

/* ddl_table.c: CREATE TABLE's body. */
bool ddl_valid_name(const char *s, bool letter_first);
int ddl_find_table(ddl_ctx *c, const char *name);
sl_status ddl_col_index(ddl_ctx *c, const ddl_table *t, const char *name, const ddl_tok *tok,
                        size_t *out);
const ddl_enum *ddl_find_enum(ddl_ctx *c, const char *name);
/* ('a', 'b', ...): string literals (dq: "a" too). */
sl_status ddl_enum_values(ddl_ctx *c, bool dq, const ddl_lit **out, size_t *n);
/* (a, b, ...) of column names, into arena arrays. */
sl_status ddl_name_list(ddl_ctx *c, const char ***names, const ddl_tok ***toks, size_t *n,
                        const char *what);
/* Whether the next tokens start a table constraint or a MySQL index line. */
bool ddl_constraint_start(ddl_ctx *c);
sl_status ddl_table_constraint(ddl_ctx *c, ddl_cons_list *l);
/* name type [attributes]: a column of t; its constraints go to l. */
sl_status ddl_column_def(ddl_ctx *c, ddl_table *t, ddl_cons_list *l);
sl_status ddl_apply_cons(ddl_ctx *c, ddl_table *t, const ddl_cons *k);
sl_status ddl_apply_all(ddl_ctx *c, ddl_table *t, const ddl_cons_list *l);
sl_status ddl_default_clause(ddl_ctx *c, ddl_col *col);
/* [=] 'text' after COMMENT. */
sl_status ddl_comment_text(ddl_ctx *c, const char **out);

/* ddl_lex.c: the token cursor shared by the parsers. */
bool ddl_ieq(const char *a, size_t n, const char *b);   /* ASCII, ignoring case; b NUL-ended */
const ddl_tok *ddl_peek(ddl_ctx *c, size_t ahead);
const ddl_tok *ddl_next(ddl_ctx *c);
bool ddl_is_kw(const ddl_tok *t, const char *kw);
bool ddl_is_p(const ddl_tok *t, const char *p);
bool ddl_accept_kw(ddl_ctx *c, const char *kw);
bool ddl_accept_p(ddl_ctx *c, const char *p);
sl_status ddl_expect_p(ddl_ctx *c, const char *p, const char *what);
sl_status ddl_expect_kw(ddl_ctx *c, const char *kw, const char *what);
/* A name token (word, `quoted`, or "quoted" where the dialect makes it a name) as the
 * model spells it: PostgreSQL folds unquoted names to lower case, Hive all names. */
sl_status ddl_name(ddl_ctx *c, const char **out, const ddl_tok **tok, const char *what);
bool ddl_name_eq(const ddl_ctx *c, const char *a, const char *b);
/* [schema.]name: the last part. */
sl_status ddl_qualified_name(ddl_ctx *c, const char **out, const ddl_tok **tok,
                             const char *what);
/* Skips a parenthesised group starting at the current '(' (iteratively). */
sl_status ddl_skip_group(ddl_ctx *c);
/* A whole number up to max: VARCHAR(n), DECIMAL(p,s), AUTO_INCREMENT=n. */
sl_status ddl_int_arg(ddl_ctx *c, int64_t max, int64_t *out, const char *what);

/* ddl_expr.c */
/* An expression; dq_string: a "double-quoted" token is a string, not a name. */
sl_status ddl_parse_expr(ddl_ctx *c, bool dq_string, ddl_expr **out);
/* Skips a cast's type name after '::' (text, character varying(20), int[]). */
sl_status ddl_skip_cast_type(ddl_ctx *c);
/* Number literals: value = ±digits × 10^exp; sticky: nonzero digits were dropped. */
typedef struct ddl_num {
    bool neg;
    char d[40];
    int nd;
    int64_t exp;
    bool sticky;
} ddl_num;
void ddl_num_parse(const ddl_lit *l, ddl_num *out);
/* The value × 10^scale truncated toward zero, with *exact; false when out of range. */
bool ddl_num_scaled(const ddl_num *n, int scale, int64_t *out, bool *exact);
double ddl_num_double(const ddl_num *n);
/* Appends the number in JSON syntax. */
sl_status ddl_num_json(const ddl_num *n, sl_buf *out);
/* "YYYY-MM-DD" to days since 1970-01-01; "YYYY-MM-DD[ T]HH:MM[:SS[.ffffff]][Z|±HH[:MM]]"
 * to microseconds since 1970-01-01T00:00:00Z. false when malformed. */
bool ddl_parse_date(const char *s, size_t n, int64_t *days);
bool ddl_parse_ts(const char *s, size_t n, int64_t *us);
void ddl_fmt_date(int64_t days, char out[16]);
void ddl_fmt_ts(int64_t us, char out[40]);
void ddl_fmt_scaled(int64_t v, int scale, char out[48]);
/* Appends a string as a schema-expression literal: 'text', or "text" when it holds a
 * single quote; SL_ERR_UNSUPPORTED when it holds both kinds of quote. */
sl_status ddl_expr_string(sl_buf *out, const char *s, size_t n);

/* ddl_check.c: applies one CHECK of table t to its columns (every conjunct a range or
 * IN list on one column); start and end are the expression's first token and the ')'
 * after it, for messages. */
sl_status ddl_apply_check(ddl_ctx *c, ddl_table *t, const ddl_expr *e, const ddl_tok *start,
                          const ddl_tok *end);
/* Range of a column's type in its unit (integers, scaled decimals, days, µs). */
void ddl_type_range(const ddl_type *t, int64_t *lo, int64_t *hi);
/* Whether a value list entry fits the column; its value in the column's unit. */
sl_status ddl_value_unit(ddl_ctx *c, const ddl_col *col, const ddl_lit *v, const ddl_tok *tok,
                         int64_t *unit, double *d);

/* ddl_gen.c: the schema tree for the tables in the given order. */
sl_status ddl_build(ddl_ctx *c, const char *schema_name, const size_t *order, ddl_node **out);
const char *ddl_type_name(const ddl_type *t, char buf[32]);

/* ddl_emit.c: tree construction and writing. */
ddl_node *ddl_obj(ddl_ctx *c, bool flow);
ddl_node *ddl_arr(ddl_ctx *c, bool flow);
ddl_node *ddl_str(ddl_ctx *c, const char *s);
ddl_node *ddl_strn(ddl_ctx *c, const char *s, size_t n);
ddl_node *ddl_raw(ddl_ctx *c, const char *s);
ddl_node *ddl_int(ddl_ctx *c, int64_t v);
ddl_node *ddl_dbl(ddl_ctx *c, double v);
void ddl_put(ddl_ctx *c, ddl_node *obj, const char *key, ddl_node *v);
void ddl_push(ddl_ctx *c, ddl_node *arr, ddl_node *v);
sl_status ddl_write(const ddl_node *root, sl_ddl_format fmt, sl_buf *out);

#endif
