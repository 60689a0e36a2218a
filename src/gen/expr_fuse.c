/* Fused nodes: faster evaluations the compiler substitutes for the shapes derived
 * columns use most (the built-in schemas' `date(t)`, `hour(t)`, `weekday(t) >= 6`,
 * `case when amount < 10 then 'micro' when amount < 50 ...`). What they save is the
 * calls between nodes, the sl_val copies through memory between them, and a branch
 * per case condition; each gives exactly what the general nodes of expr_eval.c give
 * for every input, nulls and edge values included, which tests/unit/test_expr_fuse.c
 * checks against the general nodes on random rows. */
#include "gen/expr_impl.h"

#include <string.h>

#define RETURN_NULL() SL_EXPR_RETURN_NULL()
#define EVAL_ARG(k, v) SL_EXPR_EVAL_ARG(k, v)

/* ---------------------------------------------------------------- parts of a column */

/* Column idx of the row when it holds a valid int, date, time or timestamp of kind k
 * (sl_expr_col_value's rules for those kinds): true with its number in *x, else
 * false (the column's value is null). Reads the two fields, not the whole value. */
static inline bool col_int(const sl_val *row, int64_t idx, sl_val_kind k, int64_t *x)
{
    const sl_val *v = &row[idx];
    if (v->kind != k)
        return false;
    *x = v->u.i;
    switch (k) {
    case SL_VAL_DATE: return *x >= INT32_MIN && *x <= INT32_MAX;
    case SL_VAL_TIME: return *x >= 0 && *x < SL_US_PER_DAY;
    default: return true;
    }
}

/* Column idx of the row when it holds a valid number of kind k (int, double or
 * decimal): true with it as a double in *x (as cmp_with_const converts it), else
 * false. */
static inline bool col_double(const sl_val *row, int64_t idx, sl_val_kind k, double *x)
{
    const sl_val *v = &row[idx];
    if (v->kind != k)
        return false;
    switch (k) {
    case SL_VAL_INT: *x = (double)v->u.i; return true;
    case SL_VAL_DOUBLE: *x = v->u.d; return true;
    case SL_VAL_DECIMAL:
        if (v->u.dec.scale < 0 || v->u.dec.scale > 38)
            return false;
        *x = sl_expr_dec_double(v->u.dec.unscaled, v->u.dec.scale);
        return true;
    default: return false;
    }
}

/* The fused nodes that read only the row and cannot fail are each an inline function
 * of (node, row, out), which sl_expr_fused_rows also runs in a loop. */

static inline void date_col(const sl_expr_node *n, const sl_val *row, sl_val *out)
{
    int64_t x;
    if (col_int(row, n->aux, SL_VAL_TIMESTAMP, &x))
        sl_expr_set_i(out, SL_VAL_DATE, sl_expr_days(SL_VAL_TIMESTAMP, x));
    else
        *out = sl_val_null();
}

sl_status sl_expr_ev_date_col(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    date_col(n, c->row, out);
    return SL_OK;
}

static inline void part_col(const sl_expr_node *n, int part, const sl_val *row, sl_val *out)
{
    int64_t x;
    if (col_int(row, n->aux, n->arg, &x))
        sl_expr_set_int(out, sl_expr_part(part, n->arg, x));
    else
        *out = sl_val_null();
}

#define PART_COL(name, which)                                                                \
    sl_status sl_expr_ev_##name##_col(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out) \
    {                                                                                        \
        part_col(n, which, c->row, out);                                                     \
        return SL_OK;                                                                        \
    }
PART_COL(year, SL_PART_YEAR)
PART_COL(month, SL_PART_MONTH)
PART_COL(day, SL_PART_DAY)
PART_COL(weekday, SL_PART_WEEKDAY)
PART_COL(hour, SL_PART_HOUR)
PART_COL(minute, SL_PART_MINUTE)
#undef PART_COL

static const struct {
    sl_expr_eval_fn general, fused;
    uint8_t part;
    uint8_t lo, hi;         /* the part's values, for a mask when hi < 64 */
} parts[] = {
    {sl_expr_ev_date, sl_expr_ev_date_col, SL_PART_DATE, 0, 255},
    {sl_expr_ev_year, sl_expr_ev_year_col, SL_PART_YEAR, 0, 255},
    {sl_expr_ev_month, sl_expr_ev_month_col, SL_PART_MONTH, 1, 12},
    {sl_expr_ev_day, sl_expr_ev_day_col, SL_PART_DAY, 1, 31},
    {sl_expr_ev_weekday, sl_expr_ev_weekday_col, SL_PART_WEEKDAY, 1, 7},
    {sl_expr_ev_hour, sl_expr_ev_hour_col, SL_PART_HOUR, 0, 23},
    {sl_expr_ev_minute, sl_expr_ev_minute_col, SL_PART_MINUTE, 0, 59},
};
#define NPARTS (sizeof parts / sizeof parts[0])

void sl_expr_fuse_call(sl_expr_node *n)
{
    if (n->nkids != 1 || n->kids[0]->eval != sl_expr_ev_col)
        return;
    sl_val_kind k = n->kids[0]->kind;
    if (k != SL_VAL_DATE && k != SL_VAL_TIME && k != SL_VAL_TIMESTAMP)
        return;
    for (size_t i = 0; i < NPARTS; i++) {
        if (n->eval != parts[i].general)
            continue;
        /* date() of a date passes the row's value through as it is: left general */
        if (parts[i].part == SL_PART_DATE && k != SL_VAL_TIMESTAMP)
            return;
        n->eval = parts[i].fused;
        n->part = parts[i].part;
        n->arg = k;
        n->aux = n->kids[0]->aux;
        return;
    }
}

/* ---------------------------------------------------------------- comparisons */

/* A part of a column against an int, `weekday(t) >= 6`: bit p of n->mask says
 * whether the comparison holds for part value p. */
static inline void cmp_part_col(const sl_expr_node *n, const sl_val *row, sl_val *out)
{
    int64_t x;
    if (col_int(row, n->aux, n->arg, &x))
        sl_expr_set_bool(out, n->mask >> sl_expr_part(n->part, n->arg, x) & 1);
    else
        *out = sl_val_null();
}

sl_status sl_expr_ev_cmp_part(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    cmp_part_col(n, c->row, out);
    return SL_OK;
}

/* Non-null a against the constant of comparison k (see sl_expr_cmp_const): -1, 0
 * or 1, or 2 when unordered. Ints, dates, times and timestamps of one kind
 * (k->aux 1) compare as ints, cmp_vals' first case; other numbers as doubles, its
 * last, *x keeping a as a double once *have_x is set. */
static inline int cmp_with_const(const sl_expr_node *k, const sl_val *a, double *x, bool *have_x)
{
    if (k->aux) {
        int64_t y = k->kids[1]->lit.u.i;
        return (a->u.i > y) - (a->u.i < y);
    }
    if (!*have_x) {
        *x = a->kind == SL_VAL_DOUBLE ? a->u.d : a->kind == SL_VAL_INT ? (double)a->u.i : sl_expr_num(a);
        *have_x = true;
    }
    double y = k->lit.u.d;   /* the constant as a double, set at compile time */
    return *x < y ? -1 : *x > y ? 1 : *x == y ? 0 : 2;
}

sl_status sl_expr_ev_cmp_const(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    sl_val a;
    EVAL_ARG(n->kids[0], &a);
    if (a.kind == SL_VAL_NULL)
        RETURN_NULL();
    double x;
    bool have_x = false;
    sl_expr_set_bool(out, sl_expr_holds(n->op, cmp_with_const(n, &a, &x, &have_x)));
    return SL_OK;
}

static bool int_like(sl_val_kind k)
{
    return k == SL_VAL_INT || k == SL_VAL_DATE || k == SL_VAL_TIME || k == SL_VAL_TIMESTAMP;
}

static bool number(sl_val_kind k)
{
    return k == SL_VAL_INT || k == SL_VAL_DOUBLE || k == SL_VAL_DECIMAL;
}

/* Comparison n (a cmp_const as ints) made a cmp_part when its left side is a part of
 * a column with few values. */
static void cmp_part(sl_expr_node *n)
{
    const sl_expr_node *left = n->kids[0];
    int64_t y = n->kids[1]->lit.u.i;
    for (size_t i = 0; i < NPARTS; i++) {
        if (left->eval != parts[i].fused || parts[i].hi >= 64)
            continue;
        uint64_t mask = 0;
        for (int64_t p = parts[i].lo; p <= parts[i].hi; p++)
            if (sl_expr_holds(n->op, (p > y) - (p < y)))
                mask |= 1ull << p;
        n->eval = sl_expr_ev_cmp_part;
        n->mask = mask;
        n->part = left->part;
        n->arg = left->arg;
        n->aux = left->aux;
        return;
    }
}

void sl_expr_cmp_const(sl_expr_node *n)
{
    const sl_expr_node *left = n->kids[0], *right = n->kids[1];
    if (right->eval != sl_expr_ev_const)
        return;
    sl_val_kind a = left->kind, b = right->lit.kind;
    if (a == b && int_like(a)) {
        n->eval = sl_expr_ev_cmp_const;
        n->aux = 1;
        cmp_part(n);
    } else if (number(a) && number(b) && !(a == SL_VAL_INT && b == SL_VAL_INT)) {
        n->eval = sl_expr_ev_cmp_const;
        n->aux = 0;
        n->lit = sl_val_double(sl_expr_num(&right->lit));
    }
}

/* ---------------------------------------------------------------- case over a column */

/* The branch a case over one column takes: the first condition that holds, else the
 * number of conditions. */
static inline uint32_t case_col_branch(const sl_expr_node *n, const sl_expr_ctx *c, uint32_t whens)
{
    sl_val a;
    sl_expr_col_value(n->kids[0]->kids[0], c, &a);
    if (a.kind == SL_VAL_NULL)
        return whens;
    bool have_x = false;
    double x = 0;
    uint32_t i;
    for (i = 0; i < whens; i++) {
        const sl_expr_node *k = n->kids[2 * i];
        if (sl_expr_holds(k->op, cmp_with_const(k, &a, &x, &have_x)))
            break;
    }
    return i;
}

/* A case whose every condition compares one column with a constant (a derived
 * column's bands): the column is read, and converted to a double, once rather than
 * once a condition. */
sl_status sl_expr_ev_case_col(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    uint32_t whens = (n->nkids - n->op) / 2, i = case_col_branch(n, c, whens);
    if (n->res) {
        *out = n->res[i];
        return SL_OK;
    }
    return sl_expr_case_branch(n, c, i, out);
}

/* fails_d and fails_i: how many of t[0..n) fail x op t[i]. When every x op t[i]
 * implies x op t[i + 1] (the conditions hold from some index on), that is the index
 * of the first that holds, or n when none does: a NaN fails them all. No branch on
 * x. */
#define COUNT_FAILS(op_)                          \
    do {                                          \
        for (uint32_t i_ = 0; i_ < n; i_++)       \
            k += !(x op_ t[i_]);                  \
    } while (0)
#define FAILS(name, type)                                                 \
    static inline uint32_t name(int op, type x, const type *t, uint32_t n) \
    {                                                                     \
        uint32_t k = 0;                                                   \
        switch (op) {                                                     \
        case SL_OP_LT: COUNT_FAILS(<); break;                             \
        case SL_OP_LE: COUNT_FAILS(<=); break;                            \
        case SL_OP_GT: COUNT_FAILS(>); break;                             \
        default: COUNT_FAILS(>=); break;                                  \
        }                                                                 \
        return k;                                                         \
    }
FAILS(fails_d, double)
FAILS(fails_i, int64_t)
#undef FAILS
#undef COUNT_FAILS

/* A case over one column whose conditions are one operator over ordered constants
 * (see sl_expr_case_col): the branch is the number of constants the value fails. */
static inline uint32_t sorted_branch(const sl_expr_node *n, const sl_val *row)
{
    uint32_t whens = (n->nkids - n->op) / 2, i = whens;
    const sl_expr_node *k = n->kids[0], *col = k->kids[0];
    if (k->aux) {
        int64_t x;
        if (col_int(row, col->aux, col->kind, &x))
            i = fails_i(k->op, x, n->thr, whens);
    } else {
        double x;
        if (col_double(row, col->aux, col->kind, &x))
            i = fails_d(k->op, x, n->thr, whens);
    }
    return i;
}

sl_status sl_expr_ev_case_sorted(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    uint32_t i = sorted_branch(n, c->row);
    if (n->res) {
        *out = n->res[i];
        return SL_OK;
    }
    return sl_expr_case_branch(n, c, i, out);
}

/* Whether conditions kids[0], kids[2]... (cmp_const over one column) are one
 * ordering operator over constants ordered so that each implies the next; if so
 * their constants go to a new n->thr. */
static bool sorted_conditions(sl_expr_node *n, uint32_t whens, sl_arena *mem)
{
    const sl_expr_node *k0 = n->kids[0];
    int op = k0->op;
    if (op != SL_OP_LT && op != SL_OP_LE && op != SL_OP_GT && op != SL_OP_GE)
        return false;
    bool up = op == SL_OP_LT || op == SL_OP_LE;
    for (uint32_t i = 0; i < whens; i++) {
        const sl_expr_node *k = n->kids[2 * i];
        if (k->op != op || k->aux != k0->aux)
            return false;
    }
    if (k0->aux) {
        int64_t *t = sl_arena_alloc(mem, whens * sizeof *t);
        if (!t)
            return false;
        for (uint32_t i = 0; i < whens; i++) {
            t[i] = n->kids[2 * i]->kids[1]->lit.u.i;
            if (i > 0 && (up ? t[i - 1] > t[i] : t[i - 1] < t[i]))
                return false;
        }
        n->thr = t;
    } else {
        double *t = sl_arena_alloc(mem, whens * sizeof *t);
        if (!t)
            return false;
        for (uint32_t i = 0; i < whens; i++) {
            t[i] = n->kids[2 * i]->lit.u.d;
            if (i > 0 && !(up ? t[i - 1] <= t[i] : t[i - 1] >= t[i])) /* a NaN fails too */
                return false;
        }
        n->thr = t;
    }
    return true;
}

/* When every branch of case n is a constant, their values (as the case gives them,
 * converted to its kind) go to a new n->res, the else (or null) last. */
static void constant_branches(sl_expr_node *n, uint32_t whens, sl_arena *mem)
{
    for (uint32_t i = 0; i < whens + n->op; i++)
        if (n->kids[i < whens ? 2 * i + 1 : n->nkids - 1]->eval != sl_expr_ev_const)
            return;
    sl_val *res = sl_arena_alloc(mem, (whens + 1) * sizeof *res);
    if (!res)
        return;
    sl_expr_ctx none;
    memset(&none, 0, sizeof none);  /* constants read no row */
    for (uint32_t i = 0; i <= whens; i++)
        if (sl_expr_case_branch(n, &none, i, &res[i]) != SL_OK)
            return;
    n->res = res;
}

void sl_expr_case_col(sl_expr_node *n, sl_arena *mem)
{
    uint32_t whens = (n->nkids - n->op) / 2;
    const sl_expr_node *col = NULL;
    for (uint32_t i = 0; i < whens; i++) {
        const sl_expr_node *k = n->kids[2 * i];
        if (k->eval != sl_expr_ev_cmp_const)
            return;
        const sl_expr_node *x = k->kids[0];
        if (x->eval != sl_expr_ev_col || (col && x->aux != col->aux))
            return;
        col = x;
    }
    if (!col)
        return;
    n->eval = sorted_conditions(n, whens, mem) ? sl_expr_ev_case_sorted : sl_expr_ev_case_col;
    constant_branches(n, whens, mem);
}

/* ---------------------------------------------------------------- over rows */

bool sl_expr_fused_rows(const sl_expr_node *n, const sl_val *rows, size_t stride, size_t count,
                        sl_val *out)
{
#define ROWS(one)                                     \
    do {                                              \
        for (size_t r = 0; r < count; r++)            \
            one;                                      \
        return true;                                  \
    } while (0)
    const sl_val *row = rows;
    if (n->eval == sl_expr_ev_date_col)
        ROWS(date_col(n, row + r * stride, out + r * stride));
    if (n->eval == sl_expr_ev_cmp_part)
        ROWS(cmp_part_col(n, row + r * stride, out + r * stride));
    if (n->eval == sl_expr_ev_case_sorted && n->res)
        ROWS(out[r * stride] = n->res[sorted_branch(n, row + r * stride)]);
    for (size_t i = 0; i < NPARTS; i++)
        if (n->eval == parts[i].fused)
            ROWS(part_col(n, n->part, row + r * stride, out + r * stride));
    return false;
#undef ROWS
}
