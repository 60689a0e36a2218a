/* SQL expressions as CHECK and DEFAULT write them, and the literals in them: numbers
 * read exactly (as digits and a power of ten), ISO dates and timestamps as day and
 * microsecond counts. The grammar, loosest first:
 *   or: and {OR and};  and: not {AND not};  not: NOT not | cmp
 *   cmp: add [op add | op ANY (...) | [NOT] BETWEEN add AND add | [NOT] IN (...) |
 *        IS [NOT] NULL | [NOT] LIKE add]
 *   add: mul {+ - || mul};  mul: unary {* / % unary};  unary: - unary | + unary | postfix
 *   postfix: primary {::type};  primary: literal | name[.name] | f(...) | (or) |
 *            CAST(or AS type) | ARRAY[...] | DATE 'x' | TIMESTAMP 'x' | CURRENT_DATE ...
 * Every way back into `or` (parentheses, lists, arguments), `not` or `unary` counts a
 * level of depth, so input can nest at most DDL_MAX_DEPTH deep whatever it holds. */
#include "schema/ddl_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct eparser {
    ddl_ctx *c;
    bool dq_string;   /* "x" is a string literal, not a name */
} eparser;

static sl_status parse_or(eparser *p, ddl_expr **out);
static sl_status parse_unary(eparser *p, ddl_expr **out);

static ddl_expr *node(ddl_ctx *c, ddl_ek kind, const ddl_tok *tok)
{
    ddl_expr *e = ddl_alloc(c, sizeof *e);
    if (!e)
        return NULL;
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->tok = tok;
    return e;
}

static sl_status enter(ddl_ctx *c)
{
    if (++c->depth > DDL_MAX_DEPTH)
        return ddl_fail(c, SL_ERR_LIMIT, ddl_peek(c, 0), "expression nested deeper than %d",
                        DDL_MAX_DEPTH);
    return SL_OK;
}

sl_status ddl_skip_cast_type(ddl_ctx *c)
{
    static const char *const more[] = {"varying", "precision", "with", "without", "time", "zone"};
    const ddl_tok *t = ddl_peek(c, 0);
    char buf[80];
    if (t->kind != TK_WORD && t->kind != TK_DQ && t->kind != TK_QNAME)
        return ddl_fail(c, SL_ERR_SCHEMA, t, "expected a type after '::', found %s",
                        ddl_tok_desc(t, buf, sizeof buf));
    c->pos++;
    while (ddl_is_p(ddl_peek(c, 0), ".") && ddl_peek(c, 1)->kind == TK_WORD)
        c->pos += 2;
    for (bool again = true; again;) {
        again = false;
        for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
            if (ddl_accept_kw(c, more[i]))
                again = true;
        if (ddl_is_p(ddl_peek(c, 0), "(")) {
            sl_status st = ddl_skip_group(c);
            if (st)
                return st;
            again = true;
        }
    }
    while (ddl_is_p(ddl_peek(c, 0), "[") && ddl_is_p(ddl_peek(c, 1), "]"))
        c->pos += 2;
    return SL_OK;
}

/* (a, b, ...) or [a, b, ...] after the opening bracket. */
static sl_status expr_list(eparser *p, const char *close, ddl_expr *e)
{
    size_t cap = 0;
    ddl_ctx *c = p->c;
    if (ddl_accept_p(c, close))
        return SL_OK;
    do {
        ddl_expr *item;
        sl_status st = parse_or(p, &item);
        if (st)
            return st;
        ddl_expr **l = ddl_grow(c, e->list, e->n, &cap, sizeof *l);
        if (!l)
            return ddl_nomem(c);
        e->list = l;
        e->list[e->n++] = item;
    } while (ddl_accept_p(c, ","));
    return ddl_expect_p(c, close, "to close the list");
}

static ddl_expr *lit_node(ddl_ctx *c, const ddl_tok *t, ddl_lk kind, const char *s, size_t n)
{
    ddl_expr *e = node(c, E_LIT, t);
    if (e)
        e->lit = (ddl_lit){.kind = kind, .text = s, .len = n};
    return e;
}

/* A word that starts a primary: literals, typed literals, CAST, ARRAY, functions,
 * names. */
static sl_status word_primary(eparser *p, const ddl_tok *t, ddl_expr **out)
{
    ddl_ctx *c = p->c;
    static const char *const now[] = {"current_timestamp", "current_date", "current_time",
                                      "localtimestamp", "localtime"};
    sl_status st;
    ddl_expr *e = NULL;
    const ddl_tok *n1 = ddl_peek(c, 1);
    if (ddl_is_kw(t, "true") || ddl_is_kw(t, "false") || ddl_is_kw(t, "null")) {
        c->pos++;
        e = lit_node(c, t, ddl_is_kw(t, "true") ? L_TRUE : ddl_is_kw(t, "false") ? L_FALSE
                                                                                    : L_NULL,
                     t->src, t->len);
    } else if ((ddl_is_kw(t, "date") || ddl_is_kw(t, "timestamp")) && n1->kind == TK_STRING) {
        c->pos += 2;
        e = lit_node(c, t, ddl_is_kw(t, "date") ? L_DATE : L_TS, n1->val, n1->vlen);
    } else if (ddl_is_kw(t, "cast") && ddl_is_p(n1, "(")) {
        c->pos += 2;
        if ((st = parse_or(p, &e)) != SL_OK || (st = ddl_expect_kw(c, "AS", "in CAST")) != SL_OK ||
            (st = ddl_skip_cast_type(c)) != SL_OK || (st = ddl_expect_p(c, ")", "to close CAST")))
            return st;
    } else if (ddl_is_kw(t, "array") && ddl_is_p(n1, "[")) {
        c->pos += 2;
        if (!(e = node(c, E_ARRAY, t)))
            return ddl_nomem(c);
        if ((st = expr_list(p, "]", e)) != SL_OK)
            return st;
    } else if (ddl_is_kw(t, "case") || ddl_is_kw(t, "exists") || ddl_is_kw(t, "interval")) {
        return ddl_fail(c, SL_ERR_UNSUPPORTED, t, "%.*s is not supported in an expression",
                        (int)t->len, t->src);
    } else if (ddl_is_p(n1, "(")) {
        /* A function call. Only nextval() and now() mean anything to the importer and
         * neither needs its arguments, so they are skipped: position('@' IN x) and
         * EXTRACT(YEAR FROM d) need no grammar of their own. */
        c->pos++;
        if (!(e = node(c, E_FUNC, t)) || !(e->name = ddl_strndup(c, t->src, t->len)))
            return ddl_nomem(c);
        if ((st = ddl_skip_group(c)) != SL_OK)
            return st;
    } else {
        for (size_t i = 0; i < sizeof now / sizeof now[0]; i++)
            if (ddl_is_kw(t, now[i])) {   /* a function without parentheses */
                c->pos++;
                if (!(e = node(c, E_FUNC, t)) || !(e->name = ddl_strndup(c, t->src, t->len)))
                    return ddl_nomem(c);
                *out = e;
                return SL_OK;
            }
        if (!(e = node(c, E_COL, t)))
            return ddl_nomem(c);
        if ((st = ddl_name(c, &e->name, NULL, "a column name")) != SL_OK)
            return st;
        while (ddl_accept_p(c, "."))   /* table.column: the column */
            if ((st = ddl_name(c, &e->name, NULL, "a column name")) != SL_OK)
                return st;
    }
    if (!e)
        return ddl_nomem(c);
    *out = e;
    return SL_OK;
}

static sl_status parse_primary(eparser *p, ddl_expr **out)
{
    ddl_ctx *c = p->c;
    const ddl_tok *t = ddl_peek(c, 0);
    char buf[80];
    sl_status st;
    if (t->kind == TK_NUMBER || t->kind == TK_STRING || (t->kind == TK_DQ && p->dq_string)) {
        c->pos++;
        *out = t->kind == TK_NUMBER ? lit_node(c, t, L_NUM, t->src, t->len)
                                    : lit_node(c, t, L_STR, t->val, t->vlen);
        return *out ? SL_OK : ddl_nomem(c);
    }
    if (t->kind == TK_DQ || t->kind == TK_QNAME) {
        if (!(*out = node(c, E_COL, t)))
            return ddl_nomem(c);
        return ddl_name(c, &(*out)->name, NULL, "a column name");
    }
    if (ddl_accept_p(c, "(")) {
        if ((st = parse_or(p, out)) != SL_OK)
            return st;
        return ddl_expect_p(c, ")", "to close the parenthesis");
    }
    if (t->kind == TK_WORD)
        return word_primary(p, t, out);
    return ddl_fail(c, SL_ERR_SCHEMA, t, "expected an expression, found %s",
                    ddl_tok_desc(t, buf, sizeof buf));
}

static sl_status parse_postfix(eparser *p, ddl_expr **out)
{
    sl_status st = parse_primary(p, out);
    while (!st) {
        if (ddl_accept_p(p->c, "::"))
            st = ddl_skip_cast_type(p->c);   /* a cast changes no value we compare */
        else if (ddl_accept_kw(p->c, "collate"))
            ddl_next(p->c);
        else
            break;
    }
    return st;
}

static sl_status parse_unary(eparser *p, ddl_expr **out)
{
    ddl_ctx *c = p->c;
    const ddl_tok *t = ddl_peek(c, 0);
    if (!ddl_is_p(t, "-") && !ddl_is_p(t, "+"))
        return parse_postfix(p, out);
    c->pos++;
    sl_status st = enter(c);
    ddl_expr *a;
    if (st || (st = parse_unary(p, &a)) != SL_OK)
        return st;
    c->depth--;
    if (ddl_is_p(t, "+")) {
        *out = a;
        return SL_OK;
    }
    if (!(*out = node(c, E_NEG, t)))
        return ddl_nomem(c);
    (*out)->a = a;
    return SL_OK;
}

/* One left-associative level of binary operators. */
static sl_status binary(eparser *p, ddl_expr **out, const char *const *ops, size_t nops,
                        sl_status (*next)(eparser *, ddl_expr **))
{
    ddl_ctx *c = p->c;
    sl_status st = next(p, out);
    while (!st) {
        const ddl_tok *t = ddl_peek(c, 0);
        const char *op = NULL;
        for (size_t i = 0; i < nops; i++)
            if (ddl_is_p(t, ops[i]))
                op = ops[i];
        if (!op)
            break;
        c->pos++;
        ddl_expr *e = node(c, E_ARITH, t), *b;
        if (!e)
            return ddl_nomem(c);
        if ((st = next(p, &b)) != SL_OK)
            return st;
        e->op = op;
        e->a = *out;
        e->b = b;
        *out = e;
    }
    return st;
}

static sl_status parse_mul(eparser *p, ddl_expr **out)
{
    static const char *const ops[] = {"*", "/", "%"};
    return binary(p, out, ops, 3, parse_unary);
}

static sl_status parse_add(eparser *p, ddl_expr **out)
{
    static const char *const ops[] = {"+", "-", "||"};
    return binary(p, out, ops, 3, parse_mul);
}

/* What may follow the left side of a comparison. */
static sl_status comparison_tail(eparser *p, ddl_expr *a, ddl_expr **out)
{
    static const char *const ops[] = {"=", "==", "!=", "<>", "<", "<=", ">", ">="};
    ddl_ctx *c = p->c;
    const ddl_tok *t = ddl_peek(c, 0);
    sl_status st;
    bool neg = ddl_is_kw(t, "not") && (ddl_is_kw(ddl_peek(c, 1), "between") ||
                                       ddl_is_kw(ddl_peek(c, 1), "in") ||
                                       ddl_is_kw(ddl_peek(c, 1), "like") ||
                                       ddl_is_kw(ddl_peek(c, 1), "ilike"));
    if (neg) {
        c->pos++;
        t = ddl_peek(c, 0);
    }
    ddl_expr *e = node(c, E_CMP, a->tok);
    if (!e)
        return ddl_nomem(c);
    e->a = a;
    e->neg = neg;
    *out = e;
    if (ddl_accept_kw(c, "between")) {
        e->kind = E_BETWEEN;
        ddl_accept_kw(c, "symmetric");
        if ((st = parse_add(p, &e->b)) != SL_OK ||
            (st = ddl_expect_kw(c, "AND", "in BETWEEN")) != SL_OK)
            return st;
        return parse_add(p, &e->c);
    }
    if (ddl_accept_kw(c, "in")) {
        e->kind = E_IN;
        return (st = ddl_expect_p(c, "(", "after IN")) ? st : expr_list(p, ")", e);
    }
    if (ddl_accept_kw(c, "is")) {
        e->kind = E_ISNULL;
        e->neg = ddl_accept_kw(c, "not");
        if (ddl_accept_kw(c, "null"))
            return SL_OK;
        e->kind = E_CMP;   /* IS TRUE, IS DISTINCT FROM x: kept as an opaque comparison */
        e->op = "is";
        return parse_add(p, &e->b);
    }
    if (ddl_accept_kw(c, "like") || ddl_accept_kw(c, "ilike")) {
        e->op = "like";
        return parse_add(p, &e->b);
    }
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (ddl_is_p(t, ops[i]))
            e->op = ops[i];
    if (!e->op) {
        *out = a;
        return SL_OK;
    }
    c->pos++;
    if (!strcmp(e->op, "=="))
        e->op = "=";
    if (!strcmp(e->op, "!="))
        e->op = "<>";
    const ddl_tok *q = ddl_peek(c, 0);
    if ((ddl_is_kw(q, "any") || ddl_is_kw(q, "some") || ddl_is_kw(q, "all")) &&
        ddl_is_p(ddl_peek(c, 1), "(")) {
        c->pos += 2;
        ddl_expr *arr;
        if ((st = parse_or(p, &arr)) != SL_OK ||
            (st = ddl_expect_p(c, ")", "to close ANY (...)")) != SL_OK)
            return st;
        if (!ddl_is_kw(q, "all") && !strcmp(e->op, "=") && arr->kind == E_ARRAY) {
            e->kind = E_IN;   /* x = ANY (ARRAY[...]) is x IN (...), as pg_dump writes it */
            e->list = arr->list;
            e->n = arr->n;
            return SL_OK;
        }
        e->op = "any";
        e->b = arr;
        return SL_OK;
    }
    return parse_add(p, &e->b);
}

static sl_status parse_cmp(eparser *p, ddl_expr **out)
{
    ddl_expr *a;
    sl_status st = parse_add(p, &a);
    return st ? st : comparison_tail(p, a, out);
}

static sl_status parse_not(eparser *p, ddl_expr **out)
{
    ddl_ctx *c = p->c;
    const ddl_tok *t = ddl_peek(c, 0);
    if (!ddl_is_kw(t, "not"))
        return parse_cmp(p, out);
    c->pos++;
    sl_status st = enter(c);
    if (st)
        return st;
    if (!(*out = node(c, E_NOT, t)))
        return ddl_nomem(c);
    if ((st = parse_not(p, &(*out)->a)) != SL_OK)
        return st;
    c->depth--;
    return SL_OK;
}

static sl_status logical(eparser *p, ddl_expr **out, const char *kw, ddl_ek kind,
                         sl_status (*next)(eparser *, ddl_expr **))
{
    sl_status st = next(p, out);
    while (!st && ddl_is_kw(ddl_peek(p->c, 0), kw)) {
        ddl_expr *e = node(p->c, kind, ddl_next(p->c));
        if (!e)
            return ddl_nomem(p->c);
        e->a = *out;
        if ((st = next(p, &e->b)) != SL_OK)
            return st;
        *out = e;
    }
    return st;
}

static sl_status parse_and(eparser *p, ddl_expr **out)
{
    return logical(p, out, "and", E_AND, parse_not);
}

static sl_status parse_or(eparser *p, ddl_expr **out)
{
    sl_status st = enter(p->c);
    if (st || (st = logical(p, out, "or", E_OR, parse_and)) != SL_OK)
        return st;
    p->c->depth--;
    return SL_OK;
}

sl_status ddl_parse_expr(ddl_ctx *c, bool dq_string, ddl_expr **out)
{
    eparser p = {.c = c, .dq_string = dq_string};
    c->depth = 0;
    return parse_or(&p, out);
}

/* ---- numbers ---- */

void ddl_num_parse(const ddl_lit *l, ddl_num *out)
{
    memset(out, 0, sizeof *out);
    out->neg = l->neg;
    int64_t frac = 0, exp = 0;
    bool in_frac = false;
    size_t i = 0;
    for (; i < l->len; i++) {
        char ch = l->text[i];
        if (ch == '.') {
            in_frac = true;
            continue;
        }
        if (ch < '0' || ch > '9')
            break;
        if (in_frac)
            frac++;
        if (out->nd == 0 && ch == '0')
            continue;   /* leading zeros */
        if (out->nd < (int)sizeof out->d - 1) {
            out->d[out->nd++] = ch;
        } else {
            exp++;      /* a dropped digit is one more power of ten */
            out->sticky |= ch != '0';
        }
    }
    if (i < l->len && (l->text[i] == 'e' || l->text[i] == 'E')) {
        bool eneg = ++i < l->len && l->text[i] == '-';
        if (i < l->len && (l->text[i] == '-' || l->text[i] == '+'))
            i++;
        int64_t x = 0;
        for (; i < l->len && l->text[i] >= '0' && l->text[i] <= '9'; i++)
            if (x < 1000000)
                x = x * 10 + (l->text[i] - '0');
        exp += eneg ? -x : x;
    }
    out->exp = exp - frac;
    while (out->nd > 0 && out->d[out->nd - 1] == '0') {
        out->nd--;
        out->exp++;
    }
    if (out->nd == 0)
        out->exp = 0;
}

bool ddl_num_scaled(const ddl_num *n, int scale, int64_t *out, bool *exact)
{
    int64_t k = n->exp + scale;
    int keep = n->nd;
    *exact = !n->sticky;
    if (k < 0) {
        if (-k >= n->nd) {
            keep = 0;
        } else {
            keep = n->nd - (int)-k;
        }
        if (keep < n->nd)
            *exact = false;   /* trailing zeros are stripped: a dropped digit is nonzero */
        k = 0;
    }
    if (keep > 18 || (keep > 0 && k > 18))
        return false;
    int64_t v = 0;
    for (int i = 0; i < keep; i++)
        v = v * 10 + (n->d[i] - '0');
    for (int64_t i = 0; i < k && v != 0; i++) {
        if (v > INT64_MAX / 10)
            return false;
        v *= 10;
    }
    *out = n->neg ? -v : v;
    return true;
}

double ddl_num_double(const ddl_num *n)
{
    double m = 0;
    int used = n->nd < 17 ? n->nd : 17;
    for (int i = 0; i < used; i++)
        m = m * 10 + (n->d[i] - '0');
    int64_t e = n->exp + (n->nd - used);
    double v;
    if (e >= 0 && e <= 22)
        v = m * pow(10, (double)e);
    else if (e < 0 && e >= -22)
        v = m / pow(10, (double)-e);   /* both exact: the quotient is correctly rounded */
    else
        v = m * pow(10, (double)(e < -400 ? -400 : e > 400 ? 400 : e));
    return n->neg ? -v : v;
}

sl_status ddl_num_json(const ddl_num *n, sl_buf *out)
{
    sl_status st = SL_OK;
    if (n->nd == 0)
        return sl_buf_puts(out, "0");
    if (n->neg)
        st = sl_buf_putc(out, '-');
    int64_t point = n->nd + n->exp;   /* digits before the decimal point */
    if (!st && n->exp >= 0 && point <= 21) {
        st = sl_buf_append(out, n->d, (size_t)n->nd);
        for (int64_t i = 0; !st && i < n->exp; i++)
            st = sl_buf_putc(out, '0');
    } else if (!st && n->exp < 0 && point > -6) {
        if (point <= 0) {
            st = sl_buf_puts(out, "0.");
            for (int64_t i = 0; !st && i < -point; i++)
                st = sl_buf_putc(out, '0');
            if (!st)
                st = sl_buf_append(out, n->d, (size_t)n->nd);
        } else {
            st = sl_buf_append(out, n->d, (size_t)point);
            if (!st)
                st = sl_buf_putc(out, '.');
            if (!st)
                st = sl_buf_append(out, n->d + point, (size_t)(n->nd - point));
        }
    } else if (!st) {
        st = sl_buf_putc(out, n->d[0]);
        if (!st && n->nd > 1) {
            st = sl_buf_putc(out, '.');
            if (!st)
                st = sl_buf_append(out, n->d + 1, (size_t)n->nd - 1);
        }
        if (!st)
            st = sl_buf_printf(out, "e%lld", (long long)(point - 1));
    }
    return st;
}

/* ---- dates and times ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

static bool digits(const char *s, size_t n, size_t at, size_t k, int64_t *out)
{
    if (at + k > n)
        return false;
    int64_t v = 0;
    for (size_t i = at; i < at + k; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static bool ymd(const char *s, size_t n, int64_t *days)
{
    int64_t y, m, d;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (n < 10 || !digits(s, n, 0, 4, &y) || s[4] != '-' || !digits(s, n, 5, 2, &m) || s[7] != '-' ||
        !digits(s, n, 8, 2, &d) || y < 1 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (m == 2 && d == 29 && !leap)
        return false;
    *days = days_from_civil(y, m, d);
    return true;
}

bool ddl_parse_date(const char *s, size_t n, int64_t *days)
{
    return n == 10 && ymd(s, n, days);
}

bool ddl_parse_ts(const char *s, size_t n, int64_t *us)
{
    int64_t days, h, mi, sec = 0, frac = 0, off = 0;
    if (n < 16 || !ymd(s, n, &days) || (s[10] != ' ' && s[10] != 'T') ||
        !digits(s, n, 11, 2, &h) || s[13] != ':' || !digits(s, n, 14, 2, &mi) || h > 23 ||
        mi > 59)
        return false;
    size_t i = 16;
    if (i < n && s[i] == ':') {
        if (!digits(s, n, i + 1, 2, &sec) || sec > 59)
            return false;
        i += 3;
        if (i < n && s[i] == '.') {
            size_t k = 0;
            for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, k++)
                if (k < 6)
                    frac = frac * 10 + (s[i] - '0');
            if (k == 0)
                return false;
            for (; k < 6; k++)
                frac *= 10;
        }
    }
    if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < n && (s[i] == '+' || s[i] == '-')) {
        int64_t oh, om = 0;
        if (!digits(s, n, i + 1, 2, &oh) || oh > 23)
            return false;
        size_t j = i + 3;
        if (j < n && s[j] == ':')
            j++;
        if (j < n && !digits(s, n, j, 2, &om))
            return false;
        j += j < n ? 2 : 0;
        off = (s[i] == '-' ? -1 : 1) * (oh * 60 + om);
        i = j;
    }
    if (i != n)
        return false;
    *us = (((days * 24 + h) * 60 + mi - off) * 60 + sec) * 1000000 + frac;
    return true;
}

void ddl_fmt_date(int64_t days, char out[16])
{
    int64_t y, m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(out, 16, "%04d-%02d-%02d", (int)y, (int)m, (int)d);
}

void ddl_fmt_ts(int64_t us, char out[40])
{
    int64_t days = us >= 0 ? us / 86400000000 : -((-us + 86399999999) / 86400000000);
    int64_t rest = us - days * 86400000000;
    int64_t secs = rest / 1000000, frac = rest % 1000000;
    char date[16];
    ddl_fmt_date(days, date);
    int n = snprintf(out, 40, "%sT%02d:%02d:%02d", date, (int)(secs / 3600),
                     (int)(secs / 60 % 60), (int)(secs % 60));
    if (frac) {
        char f[8];
        snprintf(f, sizeof f, "%06d", (int)frac);
        for (int k = 5; k > 0 && f[k] == '0'; k--)
            f[k] = '\0';
        n += snprintf(out + n, (size_t)(40 - n), ".%s", f);
    }
    snprintf(out + n, (size_t)(40 - n), "Z");
}

void ddl_fmt_scaled(int64_t v, int scale, char out[48])
{
    char digs[24];
    uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int nd = snprintf(digs, sizeof digs, "%0*llu", scale + 1, (unsigned long long)a);
    int ip = nd - scale;   /* digits before the point */
    int end = nd;
    while (end > ip && digs[end - 1] == '0')
        end--;
    snprintf(out, 48, "%s%.*s%s%.*s", v < 0 ? "-" : "", ip, digs, end > ip ? "." : "",
             end - ip, digs + ip);
}

sl_status ddl_expr_string(sl_buf *out, const char *s, size_t n)
{
    bool single = memchr(s, '\'', n) != NULL, dbl = memchr(s, '"', n) != NULL;
    if (single && dbl)
        return SL_ERR_UNSUPPORTED;
    char q = single ? '"' : '\'';
    sl_status st = sl_buf_putc(out, (uint8_t)q);
    if (!st)
        st = sl_buf_append(out, s, n);
    return st ? st : sl_buf_putc(out, (uint8_t)q);
}
