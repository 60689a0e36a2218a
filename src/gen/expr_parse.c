/* The expression compiler: a lexer, and a recursive-descent parser whose nesting is
 * limited (SL_EXPR_MAX_DEPTH) so no input can exhaust the stack. Types are checked as
 * each node is built (the operators' rules here, the functions' in expr_check.c),
 * and each node gets the evaluation function for its operation (expr_eval.c,
 * expr_string.c). Chains of one precedence level (`a + b - c`, `a and b and c`,
 * `a || b || c`) become one node with many kids, so the tree, and the recursion that
 * evaluates it, is only as deep as the source is nested. Nodes and literals live in
 * the expression's own arena. */
#include "gen/expr_impl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef sl_expr_node node;

#define TRY(x)                          \
    do {                                \
        sl_status st_ = (x);            \
        if (st_ != SL_OK)               \
            return st_;                 \
    } while (0)

/* ---------------------------------------------------------------- lexer */

enum {
    T_END, T_INT, T_DOUBLE, T_STRING, T_IDENT, T_LPAREN, T_RPAREN, T_COMMA,
    T_PLUS, T_MINUS, T_STAR, T_SLASH, T_PERCENT, T_CONCAT,
    T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE,
    T_AND, T_OR, T_NOT, T_IN, T_BETWEEN, T_IS, T_NULL, T_TRUE, T_FALSE,
    T_CASE, T_WHEN, T_THEN, T_ELSE, T_ENDKW
};

static const struct {
    const char *word;
    int type;
} keywords[] = {
    {"and", T_AND},   {"or", T_OR},     {"not", T_NOT},     {"in", T_IN},
    {"between", T_BETWEEN}, {"is", T_IS}, {"null", T_NULL}, {"true", T_TRUE},
    {"false", T_FALSE}, {"case", T_CASE}, {"when", T_WHEN}, {"then", T_THEN},
    {"else", T_ELSE}, {"end", T_ENDKW},
};

typedef struct token {
    int type;
    size_t off, len;        /* the token's bytes in the source */
    uint64_t u;             /* T_INT: the magnitude, at most 2^63 */
    double d;               /* T_DOUBLE */
    const char *s;          /* T_STRING: the text, unquoted, in the expression's arena */
    size_t slen;
} token;

typedef struct parser {
    const char *src;
    size_t len;
    size_t at;              /* where the lexer resumes */
    token t;                /* the current token */
    const sl_expr_env *env;
    sl_arena *mem;
    sl_error *err;
    unsigned depth;
    int64_t sites;          /* random call sites so far */
} parser;

static sl_status fail(parser *p, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* An error at byte off: line and column (in characters) computed from the source. */
static sl_status fail(parser *p, size_t off, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    uint64_t line = 1, col = 1;
    for (size_t i = 0; i < off && i < p->len; i++) {
        unsigned char ch = (unsigned char)p->src[i];
        if (ch == '\n') {
            line++;
            col = 1;
        } else if ((ch & 0xC0) != 0x80) {
            col++;
        }
    }
    return sl_error_at(p->err, SL_ERR_SCHEMA, line, col, off, "%s", msg);
}

static sl_status nomem(parser *p)
{
    return sl_error_set(p->err, SL_ERR_NOMEM, "out of memory");
}

static bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }
static bool is_alpha(char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_'; }
static bool is_alnum(char ch) { return is_alpha(ch) || is_digit(ch); }

/* Case-insensitive: does s[0..n) spell the lowercase word w? */
static bool word_is(const char *s, size_t n, const char *w)
{
    size_t i = 0;
    for (; i < n && w[i]; i++) {
        char ch = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
        if (ch != w[i])
            return false;
    }
    return i == n && !w[i];
}

/* How a token reads in a message: 'text' (at most 32 bytes of it) or "end of expression". */
static const char *describe(const parser *p, const token *t, char *buf, size_t n)
{
    if (t->type == T_END)
        return "end of expression";
    int len = t->len > 32 ? 32 : (int)t->len;
    snprintf(buf, n, "'%.*s%s'", len, p->src + t->off, t->len > 32 ? "..." : "");
    return buf;
}

static sl_status lex_number(parser *p, size_t i)
{
    const char *s = p->src;
    size_t n = p->len, j = i;
    uint64_t u = 0;
    bool over = false, dbl = false;
    for (; j < n && is_digit(s[j]); j++) {
        unsigned d = (unsigned)(s[j] - '0');
        if (u > (UINT64_MAX - d) / 10)
            over = true;
        else
            u = u * 10 + d;
    }
    if (j + 1 < n && s[j] == '.' && is_digit(s[j + 1])) {
        dbl = true;
        for (j++; j < n && is_digit(s[j]); j++) {
        }
    }
    if (j < n && (s[j] == 'e' || s[j] == 'E')) {
        size_t k = j + 1;
        if (k < n && (s[k] == '+' || s[k] == '-'))
            k++;
        if (k < n && is_digit(s[k])) {
            dbl = true;
            for (j = k; j < n && is_digit(s[j]); j++) {
            }
        }
    }
    if (j < n && (is_alnum(s[j]) || s[j] == '.'))
        return fail(p, i, "malformed number");
    token *t = &p->t;
    t->off = i;
    t->len = j - i;
    p->at = j;
    if (dbl) {
        char buf[128];
        if (t->len >= sizeof buf)
            return fail(p, i, "number too long");
        memcpy(buf, s + i, t->len);
        buf[t->len] = '\0';
        t->type = T_DOUBLE;
        t->d = strtod(buf, NULL);
        if (!isfinite(t->d))
            return fail(p, i, "number out of range");
        return SL_OK;
    }
    if (over || u > (uint64_t)INT64_MAX + 1)
        return fail(p, i, "integer out of range");
    t->type = T_INT;
    t->u = u;
    return SL_OK;
}

static sl_status lex_string(parser *p, size_t i)
{
    const char *s = p->src;
    char q = s[i];
    size_t j = i + 1, n = 0;
    for (;; j++, n++) {
        if (j >= p->len)
            return fail(p, i, "unterminated string");
        if (s[j] == q) {
            if (j + 1 < p->len && s[j + 1] == q)
                j++;
            else
                break;
        }
    }
    char *out = sl_arena_alloc(p->mem, n + 1);
    if (!out)
        return nomem(p);
    size_t k = 0;
    for (size_t r = i + 1; r < j; r++) {
        out[k++] = s[r];
        if (s[r] == q)
            r++; /* the second of a doubled quote */
    }
    out[k] = '\0';
    token *t = &p->t;
    t->type = T_STRING;
    t->off = i;
    t->len = j + 1 - i;
    t->s = out;
    t->slen = k;
    p->at = j + 1;
    return SL_OK;
}

/* Reads the next token into p->t. */
static sl_status lex(parser *p)
{
    const char *s = p->src;
    size_t n = p->len, i = p->at;
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    token *t = &p->t;
    t->off = i;
    t->len = 1;
    if (i == n) {
        t->type = T_END;
        t->len = 0;
        p->at = i;
        return SL_OK;
    }
    char ch = s[i], nx = i + 1 < n ? s[i + 1] : '\0';
    if (is_digit(ch) || (ch == '.' && is_digit(nx)))
        return lex_number(p, i);
    if (ch == '\'' || ch == '"')
        return lex_string(p, i);
    if (is_alpha(ch)) {
        size_t j = i + 1;
        while (j < n && (is_alnum(s[j]) || (s[j] == '.' && j + 1 < n && is_alpha(s[j + 1]))))
            j++;
        t->type = T_IDENT;
        t->len = j - i;
        for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++)
            if (word_is(s + i, t->len, keywords[k].word))
                t->type = keywords[k].type;
        p->at = j;
        return SL_OK;
    }
    static const struct {
        char a, b;
        int type;
    } ops[] = {
        {'=', '=', T_EQ}, {'!', '=', T_NE}, {'<', '>', T_NE}, {'<', '=', T_LE}, {'>', '=', T_GE},
        {'|', '|', T_CONCAT}, {'(', 0, T_LPAREN}, {')', 0, T_RPAREN}, {',', 0, T_COMMA},
        {'+', 0, T_PLUS}, {'-', 0, T_MINUS}, {'*', 0, T_STAR}, {'/', 0, T_SLASH},
        {'%', 0, T_PERCENT}, {'=', 0, T_EQ}, {'<', 0, T_LT}, {'>', 0, T_GT},
    };
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        if (ch == ops[k].a && (!ops[k].b || nx == ops[k].b)) {
            t->type = ops[k].type;
            t->len = ops[k].b ? 2 : 1;
            p->at = i + t->len;
            return SL_OK;
        }
    }
    if (ch > ' ' && ch < 127)
        return fail(p, i, "unexpected character '%c'", ch);
    return fail(p, i, "unexpected byte 0x%02x", (unsigned char)ch);
}

/* ---------------------------------------------------------------- nodes and types */

static node *mk(parser *p, sl_expr_eval_fn f, sl_val_kind kind, size_t pos, uint32_t nkids)
{
    node *n = sl_arena_alloc(p->mem, sizeof *n);
    if (!n)
        return NULL;
    memset(n, 0, sizeof *n);
    n->eval = f;
    n->kind = kind;
    n->pos = (uint32_t)pos;
    n->nkids = nkids;
    if (nkids) {
        n->kids = sl_arena_alloc(p->mem, nkids * sizeof *n->kids);
        if (!n->kids)
            return NULL;
    }
    return n;
}

/* Kids collected while parsing a list, in the arena (doubling; the expression's size
 * bounds it). */
typedef struct kidvec {
    node **v;
    uint8_t *ops;
    uint32_t n, cap;
} kidvec;

static sl_status push(parser *p, kidvec *kv, node *k, uint8_t op)
{
    if (kv->n == kv->cap) {
        uint32_t cap = kv->cap ? kv->cap * 2 : 4;
        node **v = sl_arena_alloc(p->mem, cap * sizeof *v);
        uint8_t *ops = sl_arena_alloc(p->mem, cap);
        if (!v || !ops)
            return nomem(p);
        if (kv->n) {
            memcpy(v, kv->v, kv->n * sizeof *v);
            memcpy(ops, kv->ops, kv->n);
        }
        kv->v = v;
        kv->ops = ops;
        kv->cap = cap;
    }
    kv->v[kv->n] = k;
    kv->ops[kv->n] = op;
    kv->n++;
    return SL_OK;
}

/* A node whose kids are the collected ones, in place. */
static sl_status vec_node(parser *p, kidvec *kv, sl_expr_eval_fn f, sl_val_kind kind, node **out)
{
    node *n = mk(p, f, kind, kv->v[0]->pos, 0);
    if (!n)
        return nomem(p);
    n->kids = kv->v;
    n->ops = kv->ops;
    n->nkids = kv->n;
    *out = n;
    return SL_OK;
}

static const char *kname(sl_val_kind k) { return sl_expr_kind_name(k); }

static sl_status unary_node(parser *p, sl_expr_eval_fn f, sl_val_kind kind, size_t pos, node *k,
                            node **out)
{
    node *n = mk(p, f, kind, pos, 1);
    if (!n)
        return nomem(p);
    n->kids[0] = k;
    *out = n;
    return SL_OK;
}

/* ---------------------------------------------------------------- parser */

static sl_status parse_or(parser *p, node **out);
static sl_status parse_add(parser *p, node **out);

static sl_status enter(parser *p)
{
    if (++p->depth > SL_EXPR_MAX_DEPTH)
        return fail(p, p->t.off, "expression nested too deeply (limit %d levels)",
                    SL_EXPR_MAX_DEPTH);
    return SL_OK;
}

static sl_status expect(parser *p, int type, const char *what)
{
    if (p->t.type != type)
        return fail(p, p->t.off, "expected %s", what);
    return lex(p);
}

static sl_status parse_call(parser *p, const token *name, node **out)
{
    const sl_expr_fn *f = sl_expr_find_function(p->src + name->off, name->len);
    if (!f)
        return fail(p, name->off, "unknown function '%.*s'", name->len > 64 ? 64 : (int)name->len,
                    p->src + name->off);
    int64_t site = sl_expr_fn_draws(f) ? p->sites++ : 0;
    TRY(lex(p)); /* ( */
    kidvec kv = {0};
    if (p->t.type != T_RPAREN) {
        for (;;) {
            node *a;
            TRY(parse_or(p, &a));
            TRY(push(p, &kv, a, 0));
            if (p->t.type != T_COMMA)
                break;
            TRY(lex(p));
        }
    }
    TRY(expect(p, T_RPAREN, "')' after function arguments"));
    node *n = mk(p, NULL, SL_VAL_NULL, name->off, 0);
    if (!n)
        return nomem(p);
    n->kids = kv.v;
    n->nkids = kv.n;
    n->aux = site;
    sl_expr_type_error te;
    if (!sl_expr_check_call(f, n, &te))
        return fail(p, te.at, "%s", te.msg);
    *out = n;
    return SL_OK;
}

static sl_status parse_case(parser *p, node **out)
{
    size_t pos = p->t.off;
    TRY(lex(p));
    if (p->t.type != T_WHEN)
        return fail(p, p->t.off, "expected 'when' after 'case'");
    kidvec kv = {0};
    sl_val_kind kind = SL_VAL_NULL;
    bool has_else = false;
    while (!has_else && (p->t.type == T_WHEN || p->t.type == T_ELSE)) {
        node *k;
        if (p->t.type == T_WHEN) {
            TRY(lex(p));
            TRY(parse_or(p, &k));
            if (!sl_expr_is_cond(k->kind))
                return fail(p, k->pos, "'case when' needs a bool condition, got %s", kname(k->kind));
            TRY(push(p, &kv, k, 0));
            TRY(expect(p, T_THEN, "'then' after the 'when' condition"));
        } else {
            has_else = true;
            TRY(lex(p));
        }
        TRY(parse_or(p, &k));
        if (!sl_expr_unify(kind, k->kind, &kind))
            return fail(p, k->pos, "'case' branches have different types: %s and %s", kname(kind),
                        kname(k->kind));
        TRY(push(p, &kv, k, 0));
    }
    TRY(expect(p, T_ENDKW, has_else ? "'end' after 'else'" : "'when', 'else' or 'end' in 'case'"));
    node *n = mk(p, sl_expr_ev_case, kind, pos, 0);
    if (!n)
        return nomem(p);
    n->kids = kv.v;
    n->nkids = kv.n;
    n->op = has_else;
    sl_expr_case_col(n, p->mem);
    *out = n;
    return SL_OK;
}

static sl_status literal(parser *p, sl_val v, size_t pos, node **out)
{
    node *n = mk(p, sl_expr_ev_const, v.kind, pos, 0);
    if (!n)
        return nomem(p);
    n->lit = v;
    *out = n;
    return SL_OK;
}

/* A name: a function call, a date or timestamp literal, or a column. */
static sl_status parse_name(parser *p, node **out)
{
    token name = p->t;
    const char *s = p->src + name.off;
    int shown = name.len > 64 ? 64 : (int)name.len;
    TRY(lex(p));
    if (p->t.type == T_LPAREN)
        return parse_call(p, &name, out);
    bool is_date = word_is(s, name.len, "date"), is_ts = word_is(s, name.len, "timestamp");
    if (p->t.type == T_STRING && (is_date || is_ts)) {
        sl_val v = {.kind = is_date ? SL_VAL_DATE : SL_VAL_TIMESTAMP};
        bool ok = is_date ? sl_expr_parse_date(p->t.s, p->t.slen, &v.u.i)
                          : sl_expr_parse_timestamp(p->t.s, p->t.slen, &v.u.i);
        if (!ok)
            return fail(p, p->t.off, is_date ? "invalid date (expected 'YYYY-MM-DD')"
                                             : "invalid timestamp (expected "
                                               "'YYYY-MM-DDTHH:MM:SS[.ffffff][Z|+HH:MM]')");
        TRY(lex(p));
        return literal(p, v, name.off, out);
    }
    sl_val_kind kind = SL_VAL_NULL;
    int idx = p->env && p->env->lookup ? p->env->lookup(p->env->ctx, s, name.len, &kind) : -1;
    if (idx < 0)
        return fail(p, name.off, "unknown column '%.*s'", shown, s);
    if ((unsigned)kind > SL_VAL_LIST)
        return fail(p, name.off, "column '%.*s' has an unknown kind", shown, s);
    node *n = mk(p, sl_expr_ev_col, kind, name.off, 0);
    if (!n)
        return nomem(p);
    n->aux = idx;
    *out = n;
    return SL_OK;
}

static sl_status parse_primary(parser *p, node **out)
{
    token t = p->t;
    char buf[48];
    switch (t.type) {
    case T_INT:
        if (t.u > INT64_MAX)
            return fail(p, t.off, "integer out of range");
        TRY(lex(p));
        return literal(p, sl_val_int((int64_t)t.u), t.off, out);
    case T_DOUBLE: TRY(lex(p)); return literal(p, sl_val_double(t.d), t.off, out);
    case T_STRING: TRY(lex(p)); return literal(p, sl_val_str(t.s, t.slen), t.off, out);
    case T_TRUE: TRY(lex(p)); return literal(p, sl_val_bool(true), t.off, out);
    case T_FALSE: TRY(lex(p)); return literal(p, sl_val_bool(false), t.off, out);
    case T_NULL: TRY(lex(p)); return literal(p, sl_val_null(), t.off, out);
    case T_LPAREN:
        TRY(lex(p));
        TRY(parse_or(p, out));
        return expect(p, T_RPAREN, "')'");
    case T_CASE: return parse_case(p, out);
    case T_IDENT: return parse_name(p, out);
    case T_END: return fail(p, t.off, "unexpected end of expression");
    default: return fail(p, t.off, "expected an expression, got %s", describe(p, &t, buf, sizeof buf));
    }
}

static sl_status parse_unary(parser *p, node **out)
{
    if (p->t.type != T_MINUS)
        return parse_primary(p, out);
    size_t pos = p->t.off;
    TRY(enter(p));
    TRY(lex(p));
    if (p->t.type == T_INT) {
        /* folded here so that the smallest int, whose magnitude is no int, is written */
        uint64_t u = p->t.u;
        TRY(lex(p));
        p->depth--;
        return literal(p, sl_val_int(u > INT64_MAX ? INT64_MIN : -(int64_t)u), pos, out);
    }
    node *k;
    TRY(parse_unary(p, &k));
    p->depth--;
    if (!sl_expr_is_num(k->kind))
        return fail(p, pos, "'-' needs a number, got %s", kname(k->kind));
    return unary_node(p, sl_expr_ev_neg, sl_expr_num_result(k->kind, k->kind), pos, k, out);
}

static const char *op_text(int type)
{
    static const char *const text[] = {
        [T_PLUS] = "+", [T_MINUS] = "-", [T_STAR] = "*", [T_SLASH] = "/", [T_PERCENT] = "%",
        [T_CONCAT] = "||", [T_EQ] = "=", [T_NE] = "!=", [T_LT] = "<", [T_LE] = "<=",
        [T_GT] = ">", [T_GE] = ">=", [T_AND] = "and", [T_OR] = "or"};
    return text[type];
}

static uint8_t op_code(int type)
{
    switch (type) {
    case T_PLUS: return SL_OP_ADD;
    case T_MINUS: return SL_OP_SUB;
    case T_STAR: return SL_OP_MUL;
    case T_SLASH: return SL_OP_DIV;
    case T_PERCENT: return SL_OP_MOD;
    case T_EQ: return SL_OP_EQ;
    case T_NE: return SL_OP_NE;
    case T_LT: return SL_OP_LT;
    case T_LE: return SL_OP_LE;
    case T_GT: return SL_OP_GT;
    default: return SL_OP_GE;
    }
}

/* * / %: one chain node. */
static sl_status parse_mul(parser *p, node **out)
{
    node *k;
    TRY(parse_unary(p, &k));
    if (p->t.type != T_STAR && p->t.type != T_SLASH && p->t.type != T_PERCENT) {
        *out = k;
        return SL_OK;
    }
    kidvec kv = {0};
    sl_val_kind kind = k->kind;
    TRY(push(p, &kv, k, 0));
    while (p->t.type == T_STAR || p->t.type == T_SLASH || p->t.type == T_PERCENT) {
        token op = p->t;
        TRY(lex(p));
        TRY(parse_unary(p, &k));
        if (!sl_expr_is_num(kind) || !sl_expr_is_num(k->kind))
            return fail(p, op.off, "'%s' needs numbers, got %s and %s", op_text(op.type),
                        kname(kind), kname(k->kind));
        kind = sl_expr_num_result(kind, k->kind);
        TRY(push(p, &kv, k, op_code(op.type)));
    }
    return vec_node(p, &kv, sl_expr_ev_arith, kind, out);
}

/* + - and ||, one precedence level, left to right: each run of arithmetic or of
 * concatenation becomes one node, which the next run takes as its first kid. */
static sl_status parse_add(parser *p, node **out)
{
    node *acc, *k;
    TRY(parse_mul(p, &acc));
    while (p->t.type == T_PLUS || p->t.type == T_MINUS || p->t.type == T_CONCAT) {
        bool concat = p->t.type == T_CONCAT;
        kidvec kv = {0};
        sl_val_kind kind = concat ? SL_VAL_STRING : acc->kind;
        TRY(push(p, &kv, acc, 0));
        while (concat ? p->t.type == T_CONCAT : p->t.type == T_PLUS || p->t.type == T_MINUS) {
            token op = p->t;
            TRY(lex(p));
            TRY(parse_mul(p, &k));
            if (concat && (kv.v[kv.n - 1]->kind == SL_VAL_LIST || k->kind == SL_VAL_LIST))
                return fail(p, op.off, "'||' cannot write a list as text");
            if (!concat && (!sl_expr_is_num(kind) || !sl_expr_is_num(k->kind)))
                return fail(p, op.off, "'%s' needs numbers, got %s and %s", op_text(op.type),
                            kname(kind), kname(k->kind));
            if (!concat)
                kind = sl_expr_num_result(kind, k->kind);
            TRY(push(p, &kv, k, concat ? 0 : op_code(op.type)));
        }
        TRY(vec_node(p, &kv, concat ? sl_expr_ev_concat : sl_expr_ev_arith, kind, &acc));
    }
    *out = acc;
    return SL_OK;
}

static bool is_cmp(int type) { return type >= T_EQ && type <= T_GE; }

static sl_status cmp_check(parser *p, size_t pos, const char *what, const node *a, const node *b)
{
    if (!sl_expr_comparable(a->kind, b->kind))
        return fail(p, pos, "'%s' cannot compare %s and %s", what, kname(a->kind), kname(b->kind));
    return SL_OK;
}

/* x in (a, b, ...), after the 'in' */
static sl_status parse_in(parser *p, node *x, size_t pos, bool negated, node **out)
{
    kidvec kv = {0};
    TRY(push(p, &kv, x, 0));
    TRY(expect(p, T_LPAREN, "'(' after 'in'"));
    for (;;) {
        node *k;
        TRY(parse_or(p, &k));
        TRY(cmp_check(p, k->pos, "in", x, k));
        TRY(push(p, &kv, k, 0));
        if (p->t.type != T_COMMA)
            break;
        TRY(lex(p));
    }
    TRY(expect(p, T_RPAREN, "',' or ')' in the 'in' list"));
    TRY(vec_node(p, &kv, sl_expr_ev_in, SL_VAL_BOOL, out));
    (*out)->op = negated;
    (*out)->pos = (uint32_t)pos;
    return SL_OK;
}

/* x between lo and hi, after the 'between' */
static sl_status parse_between(parser *p, node *x, size_t pos, bool negated, node **out)
{
    node *lo, *hi;
    TRY(parse_add(p, &lo));
    TRY(cmp_check(p, lo->pos, "between", x, lo));
    TRY(expect(p, T_AND, "'and' after the lower bound of 'between'"));
    TRY(parse_add(p, &hi));
    TRY(cmp_check(p, hi->pos, "between", x, hi));
    node *n = mk(p, sl_expr_ev_between, SL_VAL_BOOL, pos, 3);
    if (!n)
        return nomem(p);
    n->kids[0] = x;
    n->kids[1] = lo;
    n->kids[2] = hi;
    n->op = negated;
    *out = n;
    return SL_OK;
}

/* Comparisons and the tests at their level (is null, in, between); they do not chain. */
static sl_status parse_cmp(parser *p, node **out)
{
    node *a, *b;
    TRY(parse_add(p, &a));
    token op = p->t;
    if (is_cmp(op.type)) {
        TRY(lex(p));
        TRY(parse_add(p, &b));
        TRY(cmp_check(p, op.off, op_text(op.type), a, b));
        node *n = mk(p, sl_expr_ev_cmp, SL_VAL_BOOL, op.off, 2);
        if (!n)
            return nomem(p);
        n->kids[0] = a;
        n->kids[1] = b;
        n->op = op_code(op.type);
        sl_expr_cmp_const(n);
        *out = n;
    } else if (op.type == T_IS) {
        TRY(lex(p));
        bool negated = p->t.type == T_NOT;
        if (negated)
            TRY(lex(p));
        TRY(expect(p, T_NULL, negated ? "'null' after 'is not'" : "'null' or 'not null' after 'is'"));
        TRY(unary_node(p, sl_expr_ev_isnull, SL_VAL_BOOL, op.off, a, out));
        (*out)->op = negated;
    } else if (op.type == T_NOT || op.type == T_IN || op.type == T_BETWEEN) {
        bool negated = op.type == T_NOT;
        if (negated) {
            TRY(lex(p));
            if (p->t.type != T_IN && p->t.type != T_BETWEEN)
                return fail(p, p->t.off, "expected 'in' or 'between' after 'not'");
        }
        bool in = p->t.type == T_IN;
        TRY(lex(p));
        TRY(in ? parse_in(p, a, op.off, negated, out) : parse_between(p, a, op.off, negated, out));
    } else {
        *out = a;
        return SL_OK;
    }
    if (is_cmp(p->t.type) || p->t.type == T_IS || p->t.type == T_IN || p->t.type == T_BETWEEN)
        return fail(p, p->t.off, "comparisons do not chain; join them with 'and'");
    return SL_OK;
}

static sl_status parse_not(parser *p, node **out)
{
    if (p->t.type != T_NOT)
        return parse_cmp(p, out);
    size_t pos = p->t.off;
    node *k;
    TRY(enter(p));
    TRY(lex(p));
    TRY(parse_not(p, &k));
    p->depth--;
    if (!sl_expr_is_cond(k->kind))
        return fail(p, pos, "'not' needs a bool, got %s", kname(k->kind));
    return unary_node(p, sl_expr_ev_not, SL_VAL_BOOL, pos, k, out);
}

/* and (type T_AND over parse_not) or or (T_OR over parse_and): one n-ary node */
static sl_status parse_logic(parser *p, int type, node **out)
{
    node *k;
    TRY(type == T_AND ? parse_not(p, &k) : parse_logic(p, T_AND, &k));
    if (p->t.type != type) {
        *out = k;
        return SL_OK;
    }
    kidvec kv = {0};
    TRY(push(p, &kv, k, 0));
    while (p->t.type == type) {
        token op = p->t;
        TRY(lex(p));
        TRY(type == T_AND ? parse_not(p, &k) : parse_logic(p, T_AND, &k));
        const node *prev = kv.v[kv.n - 1];
        if (!sl_expr_is_cond(prev->kind) || !sl_expr_is_cond(k->kind))
            return fail(p, op.off, "'%s' needs bools, got %s and %s", op_text(type),
                        kname(prev->kind), kname(k->kind));
        TRY(push(p, &kv, k, 0));
    }
    return vec_node(p, &kv, type == T_AND ? sl_expr_ev_and : sl_expr_ev_or, SL_VAL_BOOL, out);
}

/* A whole (sub)expression: the loosest level, and one level of nesting. */
static sl_status parse_or(parser *p, node **out)
{
    TRY(enter(p));
    TRY(parse_logic(p, T_OR, out));
    p->depth--;
    return SL_OK;
}

/* ---------------------------------------------------------------- interface */

sl_status sl_expr_compile(const char *src, size_t len, const sl_expr_env *env, sl_expr **out,
                          sl_val_kind *result_kind, sl_error *err)
{
    if (result_kind)
        *result_kind = SL_VAL_NULL;
    if (!out || (!src && len))
        return sl_error_set(err, SL_ERR_USAGE, "sl_expr_compile: no source or no output");
    *out = NULL;
    if (len > SL_EXPR_MAX_LEN)
        return sl_error_at(err, SL_ERR_SCHEMA, 1, 1, 0, "expression too long (limit %u bytes)",
                           SL_EXPR_MAX_LEN);
    sl_expr *e = malloc(sizeof *e);
    if (!e)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    sl_arena_init(&e->mem, 4096);
    parser p = {.src = src ? src : "", .len = len, .env = env, .mem = &e->mem, .err = err};
    sl_status st = lex(&p);
    if (st == SL_OK && p.t.type == T_END)
        st = fail(&p, 0, "empty expression");
    if (st == SL_OK)
        st = parse_or(&p, &e->root);
    if (st == SL_OK && p.t.type != T_END) {
        char buf[48];
        st = fail(&p, p.t.off, "unexpected %s after the expression", describe(&p, &p.t, buf, sizeof buf));
    }
    if (st != SL_OK) {
        sl_expr_free(e);
        return st;
    }
    e->draws = p.sites > 0;
    *out = e;
    if (result_kind)
        *result_kind = e->root->kind;
    return SL_OK;
}

void sl_expr_free(sl_expr *e)
{
    if (!e)
        return;
    sl_arena_free(&e->mem);
    free(e);
}
