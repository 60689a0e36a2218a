/* CHECK constraints to generator parameters. A CHECK is a conjunction of atoms, each a
 * range (BETWEEN, < <= > >=) or a value list (IN, =, = ANY) on one column, or IS NOT
 * NULL; each atom narrows its column's bounds or value list, and is written back in
 * the schema's expression syntax as the column's "check". Anything else is refused
 * with the CHECK's text, since a constraint the generator cannot make true must not
 * disappear. Bounds are kept in the column's unit (ddl_internal.h), so a strict bound
 * moves by exactly one representable value. */
#include "schema/ddl_internal.h"

#include <stdint.h>
#include <string.h>

typedef struct chk {
    ddl_ctx *c;
    ddl_table *t;
    const ddl_tok *start, *end;   /* the CHECK's expression, for messages */
} chk;

/* The CHECK's text on one line, clipped to about 60 bytes. */
static const char *check_text(const chk *k, char *buf, size_t n)
{
    size_t len = k->end->off > k->start->off ? (size_t)(k->end->off - k->start->off) : 0;
    size_t j = 0;
    bool space = false;
    for (size_t i = 0; i < len && j + 4 < n; i++) {
        unsigned char ch = (unsigned char)k->start->src[i];
        if (ch <= ' ') {
            space = j > 0;
            continue;
        }
        if (space)
            buf[j++] = ' ';
        space = false;
        if (j > 60 && (ch & 0xC0) != 0x80) {
            memcpy(buf + j, "...", 3);
            j += 3;
            break;
        }
        buf[j++] = (char)ch;
    }
    buf[j] = '\0';
    return buf;
}

static sl_status not_supported(const chk *k, const ddl_expr *at)
{
    char buf[96];
    return ddl_fail(k->c, SL_ERR_UNSUPPORTED, at->tok, "CHECK (%s) is not a range or IN list "
                    "on one column", check_text(k, buf, sizeof buf));
}

static bool lit_of(const ddl_expr *e, ddl_lit *out)
{
    if (e->kind == E_LIT && e->lit.kind != L_NOW && e->lit.kind != L_NULL) {
        *out = e->lit;
        return true;
    }
    if (e->kind == E_NEG && e->a->kind == E_LIT && e->a->lit.kind == L_NUM) {
        *out = e->a->lit;
        out->neg = !out->neg;
        return true;
    }
    return false;
}

static sl_status column_of(const chk *k, const ddl_expr *e, ddl_col **out)
{
    for (size_t i = 0; i < k->t->ncols; i++)
        if (ddl_name_eq(k->c, k->t->cols[i].name, e->name)) {
            *out = &k->t->cols[i];
            return SL_OK;
        }
    return ddl_fail(k->c, SL_ERR_SCHEMA, e->tok, "table '%s' has no column '%s'", k->t->name,
                    e->name);
}

void ddl_type_range(const ddl_type *t, int64_t *lo, int64_t *hi)
{
    static const int64_t ints[] = {127, 32767, 2147483647, INT64_MAX};
    /* 0001-01-01 and 9999-12-31 as days since 1970-01-01 */
    const int64_t dmin = -719162, dmax = 2932896;
    *lo = *hi = 0;
    switch (t->kind) {
    case K_INT8: case K_INT16: case K_INT32: case K_INT64:
        *hi = ints[t->kind - K_INT8];
        *lo = -*hi - 1;
        break;
    case K_DECIMAL:
        *hi = 1;
        for (int i = 0; i < t->prec; i++)
            *hi *= 10;
        *hi -= 1;
        *lo = -*hi;
        break;
    case K_DATE:
        *lo = dmin;
        *hi = dmax;
        break;
    case K_TIMESTAMP:
        *lo = dmin * 86400000000;
        *hi = (dmax + 1) * 86400000000 - 1;
        break;
    default:
        break;
    }
    if (t->is_unsigned) {
        *lo = 0;
        if (t->kind != K_DECIMAL && t->umax < *hi)
            *hi = t->umax;
    }
}

static const char *lit_desc(const ddl_lit *v)
{
    switch (v->kind) {
    case L_NUM: return "a number";
    case L_STR: return "a string";
    case L_TRUE: case L_FALSE: return "a boolean";
    case L_DATE: return "a DATE";
    case L_TS: return "a TIMESTAMP";
    default: return "a value";
    }
}

static sl_status mismatch(ddl_ctx *c, const ddl_col *col, const ddl_lit *v, const ddl_tok *tok)
{
    char tb[32];
    return ddl_fail(c, SL_ERR_UNSUPPORTED, tok, "CHECK compares column '%s' (%s) with %s",
                    col->name, ddl_type_name(&col->type, tb), lit_desc(v));
}

static sl_status not_fit(ddl_ctx *c, const ddl_col *col, const ddl_lit *v, const ddl_tok *tok)
{
    char tb[32], vb[48];
    return ddl_fail(c, SL_ERR_SCHEMA, tok, "%s%s does not fit column '%s' (%s)",
                    v->neg ? "-" : "", ddl_clip(v->text, v->len, vb, sizeof vb), col->name,
                    ddl_type_name(&col->type, tb));
}

sl_status ddl_value_unit(ddl_ctx *c, const ddl_col *col, const ddl_lit *v, const ddl_tok *tok,
                         int64_t *unit, double *d)
{
    const ddl_type *ty = &col->type;
    int64_t lo, hi;
    bool exact;
    char vb[48];
    ddl_num n;
    *unit = 0;
    *d = 0;
    ddl_type_range(ty, &lo, &hi);
    switch (ty->kind) {
    case K_BOOL:
        if (v->kind != L_TRUE && v->kind != L_FALSE)
            return mismatch(c, col, v, tok);
        *unit = v->kind == L_TRUE;
        return SL_OK;
    case K_INT8: case K_INT16: case K_INT32: case K_INT64: case K_DECIMAL:
        if (v->kind != L_NUM)
            return mismatch(c, col, v, tok);
        ddl_num_parse(v, &n);
        if (!ddl_num_scaled(&n, ty->kind == K_DECIMAL ? ty->scale : 0, unit, &exact) ||
            !exact || *unit < lo || *unit > hi)
            return not_fit(c, col, v, tok);
        return SL_OK;
    case K_DOUBLE:
        if (v->kind != L_NUM)
            return mismatch(c, col, v, tok);
        ddl_num_parse(v, &n);
        *d = ddl_num_double(&n);
        return SL_OK;
    case K_STRING:
        return v->kind == L_STR ? SL_OK : mismatch(c, col, v, tok);
    case K_DATE:
        if (v->kind != L_STR && v->kind != L_DATE)
            return mismatch(c, col, v, tok);
        if (!ddl_parse_date(v->text, v->len, unit))
            return ddl_fail(c, SL_ERR_SCHEMA, tok, "'%s' is not a date (YYYY-MM-DD)",
                            ddl_clip(v->text, v->len, vb, sizeof vb));
        return SL_OK;
    case K_TIMESTAMP:
        if (v->kind != L_STR && v->kind != L_TS && v->kind != L_DATE)
            return mismatch(c, col, v, tok);
        if (ddl_parse_date(v->text, v->len, unit)) {
            *unit *= 86400000000;
            return SL_OK;
        }
        if (!ddl_parse_ts(v->text, v->len, unit))
            return ddl_fail(c, SL_ERR_SCHEMA, tok, "'%s' is not a timestamp "
                            "(YYYY-MM-DD HH:MM:SS)", ddl_clip(v->text, v->len, vb, sizeof vb));
        return SL_OK;
    case K_TIME:
        break;
    }
    return ddl_fail(c, SL_ERR_UNSUPPORTED, tok, "a CHECK on the time column '%s' is not "
                    "supported", col->name);
}

/* The literal in the schema's expression syntax, for the column's type. */
static sl_status render_lit(ddl_ctx *c, const ddl_col *col, const ddl_lit *v, int64_t unit,
                            const ddl_tok *tok, sl_buf *b)
{
    char tmp[48];
    ddl_num n;
    switch (col->type.kind) {
    case K_BOOL:
        return sl_buf_puts(b, unit ? "true" : "false");
    case K_STRING: {
        sl_status st = ddl_expr_string(b, v->text, v->len);
        if (st == SL_ERR_UNSUPPORTED)
            return ddl_fail(c, st, tok, "a string holding both ' and \" cannot be written in a "
                                        "schema expression");
        return st;
    }
    case K_DATE:
        ddl_fmt_date(unit, tmp);
        return sl_buf_printf(b, "date '%s'", tmp);
    case K_TIMESTAMP:
        ddl_fmt_ts(unit, tmp);
        return sl_buf_printf(b, "timestamp '%s'", tmp);
    default:
        ddl_num_parse(v, &n);
        return ddl_num_json(&n, b);
    }
}

/* A literal of the CHECK as written (numbers need not fit the column's scale). */
static sl_status render_value(ddl_ctx *c, const ddl_col *col, const ddl_lit *v,
                              const ddl_tok *tok, sl_buf *b)
{
    int64_t u = 0;
    double d;
    ddl_kind k = col->type.kind;
    if (k == K_BOOL || k == K_DATE || k == K_TIMESTAMP || k == K_STRING) {
        sl_status st = ddl_value_unit(c, col, v, tok, &u, &d);
        if (st)
            return st;
    }
    return render_lit(c, col, v, u, tok, b);
}

/* Narrows col's lower (or upper) bound by the literal v. */
static sl_status bound(chk *k, ddl_col *col, const ddl_lit *v, const ddl_tok *tok, bool upper,
                       bool strict)
{
    ddl_ctx *c = k->c;
    ddl_kind kind = col->type.kind;
    char tb[32];
    if (col->type.list || kind == K_BOOL || kind == K_STRING || kind == K_TIME)
        return ddl_fail(c, SL_ERR_UNSUPPORTED, tok, "a range on column '%s' (%s) cannot be "
                        "generated (only on numbers, dates and timestamps)", col->name,
                        ddl_type_name(&col->type, tb));
    int64_t u;
    double d;
    bool exact = true, negative = false;
    if (kind == K_DOUBLE) {
        sl_status st = ddl_value_unit(c, col, v, tok, &u, &d);
        if (st)
            return st;
        if (upper)
            col->dhi = col->has_hi && col->dhi < d ? col->dhi : d;
        else
            col->dlo = col->has_lo && col->dlo > d ? col->dlo : d;
        *(upper ? &col->has_hi : &col->has_lo) = true;
        return SL_OK;
    }
    if (kind == K_DATE || kind == K_TIMESTAMP) {
        sl_status st = ddl_value_unit(c, col, v, tok, &u, &d);
        if (st)
            return st;
    } else {
        ddl_num n;
        if (v->kind != L_NUM)
            return mismatch(c, col, v, tok);
        ddl_num_parse(v, &n);
        negative = n.neg && n.nd > 0;
        if (!ddl_num_scaled(&n, kind == K_DECIMAL ? col->type.scale : 0, &u, &exact)) {
            if (upper != negative)   /* x < 1e30: no narrower than the type */
                return SL_OK;
            return ddl_fail(c, SL_ERR_SCHEMA, tok, "CHECK leaves no value for column '%s'",
                            col->name);
        }
    }
    /* u is truncated toward zero: round up a lower bound, down an upper one */
    if (!upper && !exact && !negative)
        u++;
    if (upper && !exact && negative)
        u--;
    if (strict && exact)
        u += upper ? -1 : 1;
    if (upper) {
        col->hi = col->has_hi && col->hi < u ? col->hi : u;
        col->has_hi = true;
    } else {
        col->lo = col->has_lo && col->lo > u ? col->lo : u;
        col->has_lo = true;
    }
    return SL_OK;
}

static bool same_value(const ddl_col *col, const ddl_lit *a, const ddl_lit *b, ddl_ctx *c)
{
    int64_t ua, ub;
    double da, db;
    if (col->type.kind == K_STRING)
        return a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
    if (ddl_value_unit(c, col, a, NULL, &ua, &da) || ddl_value_unit(c, col, b, NULL, &ub, &db))
        return false;
    return ua == ub && da == db;
}

/* Narrows col's value list to the literals in items. */
static sl_status values(chk *k, ddl_col *col, ddl_expr *const *items, size_t n,
                        const ddl_tok *tok, sl_buf *text)
{
    ddl_ctx *c = k->c;
    ddl_lit *v = ddl_alloc(c, (n ? n : 1) * sizeof *v);
    size_t kept = 0;
    sl_status st = SL_OK;
    if (!v)
        return ddl_nomem(c);
    if (col->type.list)
        return ddl_fail(c, SL_ERR_UNSUPPORTED, tok, "a CHECK on the list column '%s' is not "
                        "supported", col->name);
    for (size_t i = 0; i < n && !st; i++) {
        int64_t u;
        double d;
        if (!lit_of(items[i], &v[kept]))
            return not_supported(k, items[i]);
        if ((st = ddl_value_unit(c, col, &v[kept], items[i]->tok, &u, &d)) != SL_OK)
            return st;
        if (i)
            st = sl_buf_puts(text, ", ");
        if (!st)
            st = render_lit(c, col, &v[kept], u, items[i]->tok, text);
        bool keep = !col->has_values;
        for (size_t j = 0; !keep && j < col->nvalues; j++)
            keep = same_value(col, &col->values[j], &v[kept], c);
        kept += keep;
    }
    if (st)
        return st;
    if (kept == 0)
        return ddl_fail(c, SL_ERR_SCHEMA, tok, "CHECK leaves no value for column '%s'",
                        col->name);
    col->values = v;
    col->nvalues = kept;
    col->has_values = true;
    return SL_OK;
}

static sl_status append_check(ddl_ctx *c, ddl_col *col, const sl_buf *atom, const ddl_tok *tok)
{
    const char *sep = col->check_len ? " and " : "";
    size_t need = col->check_len + strlen(sep) + atom->len + 1;
    if (need > col->check_cap) {   /* double, so a long AND chain costs linear memory */
        size_t cap = col->check_cap ? col->check_cap : 64;
        while (cap < need && cap <= SIZE_MAX / 2)
            cap *= 2;
        char *p = cap >= need ? ddl_alloc(c, cap) : NULL;
        if (!p)
            return ddl_nomem(c);
        memcpy(p, col->check ? col->check : "", col->check_len);
        col->check = p;
        col->check_cap = cap;
    }
    memcpy(col->check + col->check_len, sep, strlen(sep));
    col->check_len += strlen(sep);
    memcpy(col->check + col->check_len, atom->data, atom->len);
    col->check_len += atom->len;
    col->check[col->check_len] = '\0';
    if (!col->check_tok)
        col->check_tok = tok;
    return SL_OK;
}

static const char *flip(const char *op)
{
    static const char *const pairs[][2] = {{"<", ">"}, {"<=", ">="}, {">", "<"}, {">=", "<="}};
    for (size_t i = 0; i < 4; i++)
        if (!strcmp(op, pairs[i][0]))
            return pairs[i][1];
    return op;
}

/* One conjunct, its text rendered into b. */
static sl_status atom(chk *k, const ddl_expr *e, sl_buf *b)
{
    ddl_ctx *c = k->c;
    ddl_col *col;
    ddl_lit l1, l2;
    sl_status st;
    if (e->kind == E_ISNULL && e->neg && e->a->kind == E_COL) {
        if ((st = column_of(k, e->a, &col)) != SL_OK)
            return st;
        if ((st = sl_buf_printf(b, "%s is not null", col->name)) != SL_OK)
            return st;
        return append_check(c, col, b, e->tok);
    }
    if (e->kind == E_BETWEEN && !e->neg && e->a->kind == E_COL && lit_of(e->b, &l1) &&
        lit_of(e->c, &l2)) {
        if ((st = column_of(k, e->a, &col)) != SL_OK ||
            (st = bound(k, col, &l1, e->b->tok, false, false)) != SL_OK ||
            (st = bound(k, col, &l2, e->c->tok, true, false)) != SL_OK)
            return st;
        if ((st = sl_buf_printf(b, "%s between ", col->name)) ||
            (st = render_value(c, col, &l1, e->b->tok, b)) || (st = sl_buf_puts(b, " and ")) ||
            (st = render_value(c, col, &l2, e->c->tok, b)))
            return st;
        return append_check(c, col, b, e->tok);
    }
    if (e->kind == E_IN && !e->neg && e->a->kind == E_COL) {
        if ((st = column_of(k, e->a, &col)) != SL_OK ||
            (st = sl_buf_printf(b, "%s in (", col->name)) != SL_OK ||
            (st = values(k, col, e->list, e->n, e->a->tok, b)) != SL_OK ||
            (st = sl_buf_putc(b, ')')) != SL_OK)
            return st;
        return append_check(c, col, b, e->tok);
    }
    if (e->kind != E_CMP || !e->op || !e->b || !strcmp(e->op, "<>") || !strcmp(e->op, "like") ||
        !strcmp(e->op, "is") || !strcmp(e->op, "any"))
        return not_supported(k, e);
    const ddl_expr *cx = e->a, *vx = e->b;
    const char *op = e->op;
    if (cx->kind != E_COL) {
        cx = e->b;
        vx = e->a;
        op = flip(op);
    }
    if (cx->kind != E_COL || !lit_of(vx, &l1))
        return not_supported(k, e);
    if ((st = column_of(k, cx, &col)) != SL_OK)
        return st;
    if (!strcmp(op, "=")) {
        ddl_expr *const one[] = {(ddl_expr *)vx};
        if ((st = sl_buf_printf(b, "%s = ", col->name)) != SL_OK ||
            (st = values(k, col, one, 1, cx->tok, b)) != SL_OK)
            return st;
        return append_check(c, col, b, e->tok);
    }
    bool upper = op[0] == '<', strict = op[1] == '\0';
    if ((st = bound(k, col, &l1, vx->tok, upper, strict)) != SL_OK ||
        (st = sl_buf_printf(b, "%s %s ", col->name, op)) != SL_OK ||
        (st = render_value(c, col, &l1, vx->tok, b)) != SL_OK)
        return st;
    return append_check(c, col, b, e->tok);
}

sl_status ddl_apply_check(ddl_ctx *c, ddl_table *t, const ddl_expr *e, const ddl_tok *start,
                          const ddl_tok *end)
{
    chk k = {.c = c, .t = t, .start = start, .end = end};
    /* AND chains can be long (a AND b AND ...): walk them with a stack, not recursion */
    const ddl_expr **stack = NULL;
    size_t n = 0, cap = 0;
    sl_status st = SL_OK;
    sl_buf b;
    sl_buf_init(&b, 1 << 16);
    const ddl_expr *cur = e;
    while (cur && !st) {
        if (cur->kind == E_AND) {
            const ddl_expr **p = ddl_grow(c, stack, n, &cap, sizeof *p);
            if (!p) {
                st = ddl_nomem(c);
                break;
            }
            stack = p;
            stack[n++] = cur->b;
            cur = cur->a;
            continue;
        }
        sl_buf_clear(&b);
        st = atom(&k, cur, &b);
        if (st == SL_ERR_LIMIT)   /* from the buffer: the rendered text passed 64 KiB */
            st = ddl_fail(c, st, cur->tok, "CHECK too long to keep");
        else if (st == SL_ERR_NOMEM)
            st = ddl_nomem(c);
        cur = n ? stack[--n] : NULL;
    }
    sl_buf_free(&b);
    return st;
}
