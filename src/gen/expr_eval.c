/* Evaluation of compiled expressions: one function per node type, chosen by the
 * compiler (expr_parse.c, expr_check.c). The type checks guarantee each node's
 * operands are of the kinds it expects (or null), so these functions only branch on
 * what is left open at run time: null, int against double, date against timestamp.
 * Operators, logic, conditionals, numbers, dates and random numbers are here; the
 * functions that make text, the only ones that allocate, are in expr_string.c. */
#include "gen/expr_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/rng.h"

#define EVAL(k, v) SL_EXPR_EVAL(k, v)
#define RETURN_NULL() SL_EXPR_RETURN_NULL()
#define STRICT_ARGS(a) SL_EXPR_STRICT_ARGS(a)
#define EVAL_ARG(k, v) SL_EXPR_EVAL_ARG(k, v)
#define EVAL_REF(k, tmp, v) SL_EXPR_EVAL_REF(k, tmp, v)

/* Converts v to kind k where the static types allow a widening: int or decimal to
 * double, date to timestamp. */
static void coerce(sl_val *v, sl_val_kind k)
{
    if (v->kind == k || v->kind == SL_VAL_NULL)
        return;
    int64_t us;
    if (k == SL_VAL_DOUBLE)
        sl_expr_set_double(v, sl_expr_num(v));
    else if (k == SL_VAL_TIMESTAMP && v->kind == SL_VAL_DATE && !__builtin_mul_overflow(v->u.i, SL_US_PER_DAY, &us))
        sl_expr_set_i(v, SL_VAL_TIMESTAMP, us);
    else
        *v = sl_val_null();
}

sl_status sl_expr_eval_strict(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *a, bool *null)
{
    *null = false;
    for (uint32_t i = 0; i < n->nkids; i++) {
        EVAL(n->kids[i], &a[i]);
        if (a[i].kind == SL_VAL_NULL) {
            *null = true;
            return SL_OK;
        }
    }
    return SL_OK;
}

/* ---------------------------------------------------------------- leaves */

sl_status sl_expr_ev_const(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    (void)c;
    *out = n->lit;
    return SL_OK;
}

sl_status sl_expr_ev_col(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    sl_expr_col_value(n, c, out);
    return SL_OK;
}

sl_status sl_expr_ev_random(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    sl_expr_set_double(out, sl_rng_unit(sl_rng_hash(c->rand_key, (uint64_t)n->aux)));
    return SL_OK;
}

sl_status sl_expr_ev_random_int(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    STRICT_ARGS(a);
    int64_t lo = a[0].u.i, hi = a[1].u.i;
    if (lo > hi)
        RETURN_NULL();
    uint64_t bits = sl_rng_hash(c->rand_key, (uint64_t)n->aux);
    uint64_t span = (uint64_t)hi - (uint64_t)lo; /* the count minus one; no overflow */
    uint64_t r = span == UINT64_MAX ? bits : sl_rng_below(bits, span + 1);
    sl_expr_set_int(out, (int64_t)((uint64_t)lo + r));
    return SL_OK;
}

/* ---------------------------------------------------------------- arithmetic */

/* *acc = *acc op *b, neither null. */
static void arith(int op, sl_val *acc, const sl_val *b)
{
    if (acc->kind == SL_VAL_INT && b->kind == SL_VAL_INT) {
        int64_t x = acc->u.i, y = b->u.i, r = 0;
        bool over = false;
        switch (op) {
        case SL_OP_ADD: over = __builtin_add_overflow(x, y, &r); break;
        case SL_OP_SUB: over = __builtin_sub_overflow(x, y, &r); break;
        case SL_OP_MUL: over = __builtin_mul_overflow(x, y, &r); break;
        case SL_OP_DIV:
            over = y == 0 || (x == INT64_MIN && y == -1);
            r = over ? 0 : x / y;
            break;
        case SL_OP_MOD:
            over = y == 0;
            r = over || y == -1 ? 0 : x % y;
            break;
        }
        if (over)
            *acc = sl_val_null();
        else
            sl_expr_set_int(acc, r);
        return;
    }
    double x = sl_expr_num(acc), y = sl_expr_num(b);
    switch (op) {
    case SL_OP_ADD: sl_expr_set_double(acc, x + y); break;
    case SL_OP_SUB: sl_expr_set_double(acc, x - y); break;
    case SL_OP_MUL: sl_expr_set_double(acc, x * y); break;
    case SL_OP_DIV:
        if (y == 0)
            *acc = sl_val_null();
        else
            sl_expr_set_double(acc, x / y);
        break;
    default:
        if (y == 0)
            *acc = sl_val_null();
        else
            sl_expr_set_double(acc, fmod(x, y));
        break;
    }
}

sl_status sl_expr_ev_arith(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    EVAL_ARG(n->kids[0], out);
    for (uint32_t i = 1; i < n->nkids && out->kind != SL_VAL_NULL; i++) {
        sl_val tmp;
        const sl_val *b;
        EVAL_REF(n->kids[i], &tmp, b);
        if (b->kind == SL_VAL_NULL)
            *out = sl_val_null();
        else
            arith(n->ops[i], out, b);
    }
    return SL_OK;
}

sl_status sl_expr_ev_neg(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    EVAL(n->kids[0], out);
    if (out->kind == SL_VAL_INT && out->u.i == INT64_MIN)
        *out = sl_val_null();
    else if (out->kind == SL_VAL_INT)
        sl_expr_set_int(out, -out->u.i);
    else if (out->kind != SL_VAL_NULL)
        sl_expr_set_double(out, -sl_expr_num(out));
    return SL_OK;
}

/* ---------------------------------------------------------------- logic */

sl_status sl_expr_ev_not(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    EVAL(n->kids[0], out);
    if (out->kind == SL_VAL_BOOL)
        out->u.b = !out->u.b;
    return SL_OK;
}

/* n-ary and (decisive false) and or (decisive true), three-valued. */
static sl_status and_or(const sl_expr_node *n, const sl_expr_ctx *c, bool decisive, sl_val *out)
{
    bool saw_null = false;
    for (uint32_t i = 0; i < n->nkids; i++) {
        sl_val v;
        EVAL(n->kids[i], &v);
        if (v.kind == SL_VAL_NULL) {
            saw_null = true;
        } else if (v.u.b == decisive) {
            sl_expr_set_bool(out, decisive);
            return SL_OK;
        }
    }
    if (saw_null)
        *out = sl_val_null();
    else
        sl_expr_set_bool(out, !decisive);
    return SL_OK;
}

sl_status sl_expr_ev_and(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    return and_or(n, c, false, out);
}

sl_status sl_expr_ev_or(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    return and_or(n, c, true, out);
}

/* ---------------------------------------------------------------- comparison */

/* a date against a timestamp, the date taken as its midnight UTC */
static int cmp_date_ts(int64_t days, int64_t us)
{
    int64_t tday = sl_expr_floor_div(us, SL_US_PER_DAY);
    if (days != tday)
        return days < tday ? -1 : 1;
    return sl_expr_floor_mod(us, SL_US_PER_DAY) == 0 ? 0 : -1;
}

/* -1, 0 or 1, or 2 when unordered (a NaN). a and b are non-null and comparable. */
static int cmp_vals(const sl_val *a, const sl_val *b)
{
    if (a->kind == b->kind) {
        switch (a->kind) {
        case SL_VAL_INT: case SL_VAL_DATE: case SL_VAL_TIME: case SL_VAL_TIMESTAMP:
            return (a->u.i > b->u.i) - (a->u.i < b->u.i);
        case SL_VAL_BOOL: return (a->u.b > b->u.b) - (a->u.b < b->u.b);
        case SL_VAL_STRING: {
            size_t n = a->u.s.len < b->u.s.len ? a->u.s.len : b->u.s.len;
            int r = n ? memcmp(a->u.s.ptr, b->u.s.ptr, n) : 0;
            if (r)
                return r < 0 ? -1 : 1;
            return (a->u.s.len > b->u.s.len) - (a->u.s.len < b->u.s.len);
        }
        default: break;
        }
    }
    if (a->kind == SL_VAL_DATE && b->kind == SL_VAL_TIMESTAMP)
        return cmp_date_ts(a->u.i, b->u.i);
    if (a->kind == SL_VAL_TIMESTAMP && b->kind == SL_VAL_DATE)
        return -cmp_date_ts(b->u.i, a->u.i);
    double x = sl_expr_num(a), y = sl_expr_num(b);
    return x < y ? -1 : x > y ? 1 : x == y ? 0 : 2;
}

sl_status sl_expr_ev_cmp(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    STRICT_ARGS(a);
    sl_expr_set_bool(out, sl_expr_holds(n->op, cmp_vals(&a[0], &a[1])));
    return SL_OK;
}

sl_status sl_expr_ev_in(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    sl_val x;
    EVAL(n->kids[0], &x);
    if (x.kind == SL_VAL_NULL)
        RETURN_NULL();
    bool saw_null = false;
    for (uint32_t i = 1; i < n->nkids; i++) {
        sl_val tmp;
        const sl_val *v;
        EVAL_REF(n->kids[i], &tmp, v);
        if (v->kind == SL_VAL_NULL) {
            saw_null = true;
        } else if (cmp_vals(&x, v) == 0) {
            sl_expr_set_bool(out, !n->op);
            return SL_OK;
        }
    }
    if (saw_null)
        *out = sl_val_null();
    else
        sl_expr_set_bool(out, n->op);
    return SL_OK;
}

sl_status sl_expr_ev_between(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    sl_val v[3];
    for (int i = 0; i < 3; i++)
        EVAL(n->kids[i], &v[i]);
    /* x >= lo and x <= hi, each null when a side is null */
    int lo = v[0].kind == SL_VAL_NULL || v[1].kind == SL_VAL_NULL ? -1
             : sl_expr_holds(SL_OP_GE, cmp_vals(&v[0], &v[1]))     ? 1 : 0;
    int hi = v[0].kind == SL_VAL_NULL || v[2].kind == SL_VAL_NULL ? -1
             : sl_expr_holds(SL_OP_LE, cmp_vals(&v[0], &v[2]))     ? 1 : 0;
    if (lo == 0 || hi == 0)
        sl_expr_set_bool(out, n->op);
    else if (lo < 0 || hi < 0)
        *out = sl_val_null();
    else
        sl_expr_set_bool(out, !n->op);
    return SL_OK;
}

sl_status sl_expr_ev_isnull(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    sl_val v;
    EVAL(n->kids[0], &v);
    sl_expr_set_bool(out, (v.kind == SL_VAL_NULL) != n->op);
    return SL_OK;
}

/* ---------------------------------------------------------------- conditionals */

sl_status sl_expr_case_branch(const sl_expr_node *n, const sl_expr_ctx *c, uint32_t k, sl_val *out)
{
    uint32_t whens = (n->nkids - n->op) / 2;
    if (k == whens && !n->op)
        RETURN_NULL();
    EVAL(n->kids[k < whens ? 2 * k + 1 : n->nkids - 1], out);
    coerce(out, n->kind);
    return SL_OK;
}

sl_status sl_expr_ev_case(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    uint32_t whens = (n->nkids - n->op) / 2, i;
    for (i = 0; i < whens; i++) {
        sl_val cond;
        EVAL(n->kids[2 * i], &cond);
        if (cond.kind == SL_VAL_BOOL && cond.u.b)
            break;
    }
    return sl_expr_case_branch(n, c, i, out);
}

sl_status sl_expr_ev_if(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    sl_val cond;
    EVAL(n->kids[0], &cond);
    const sl_expr_node *k = cond.kind == SL_VAL_BOOL && cond.u.b ? n->kids[1] : n->kids[2];
    EVAL(k, out);
    coerce(out, n->kind);
    return SL_OK;
}

sl_status sl_expr_ev_coalesce(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    for (uint32_t i = 0; i < n->nkids; i++) {
        EVAL(n->kids[i], out);
        if (out->kind != SL_VAL_NULL) {
            coerce(out, n->kind);
            return SL_OK;
        }
    }
    return SL_OK;
}

/* ---------------------------------------------------------------- numbers */

static sl_status min_max(const sl_expr_node *n, const sl_expr_ctx *c, int want, sl_val *out)
{
    EVAL(n->kids[0], out);
    for (uint32_t i = 1; i < n->nkids && out->kind != SL_VAL_NULL; i++) {
        sl_val v;
        EVAL(n->kids[i], &v);
        if (v.kind == SL_VAL_NULL || cmp_vals(&v, out) == want)
            *out = v;
    }
    coerce(out, n->kind);
    return SL_OK;
}

sl_status sl_expr_ev_min(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    return min_max(n, c, -1, out);
}

sl_status sl_expr_ev_max(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    return min_max(n, c, 1, out);
}

sl_status sl_expr_ev_abs(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    EVAL(n->kids[0], out);
    if (out->kind == SL_VAL_INT && out->u.i == INT64_MIN)
        *out = sl_val_null();
    else if (out->kind == SL_VAL_INT)
        sl_expr_set_int(out, out->u.i < 0 ? -out->u.i : out->u.i);
    else if (out->kind != SL_VAL_NULL)
        sl_expr_set_double(out, fabs(sl_expr_num(out)));
    return SL_OK;
}

sl_status sl_expr_ev_floor(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    EVAL(n->kids[0], out);
    if (out->kind != SL_VAL_INT && out->kind != SL_VAL_NULL)
        sl_expr_set_double(out, floor(sl_expr_num(out)));
    return SL_OK;
}

sl_status sl_expr_ev_ceil(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    EVAL(n->kids[0], out);
    if (out->kind != SL_VAL_INT && out->kind != SL_VAL_NULL)
        sl_expr_set_double(out, ceil(sl_expr_num(out)));
    return SL_OK;
}

/* x rounded half away from zero to a multiple of 10^-digits (digits < 0). */
static sl_val round_int(int64_t x, int64_t digits)
{
    if (digits >= 0)
        return sl_val_int(x);
    if (digits < -18)
        return sl_val_int(0); /* |x| < 9.3e18 is under half of 10^19 */
    int64_t p = 1;
    for (int64_t i = 0; i < -digits; i++)
        p *= 10;
    int64_t q = x / p, r = x % p;
    if (r >= p - r)
        q++;
    else if (-r >= p + r)
        q--;
    int64_t out;
    return __builtin_mul_overflow(q, p, &out) ? sl_val_null() : sl_val_int(out);
}

static double round_double(double x, int64_t digits)
{
    if (digits > 400)
        return x;
    if (digits < -400)
        digits = -400;
    double p = pow(10, (double)digits);
    if (p == 0)
        return copysign(0.0, x);
    double y = x * p;
    if (!isfinite(y) || fabs(y) >= 0x1p52)
        return x; /* already a whole number at that scale */
    return round(y) / p;
}

sl_status sl_expr_ev_round(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    STRICT_ARGS(a);
    int64_t digits = n->nkids > 1 ? a[1].u.i : 0;
    if (a[0].kind == SL_VAL_INT)
        *out = round_int(a[0].u.i, digits);
    else
        sl_expr_set_double(out, round_double(sl_expr_num(&a[0]), digits));
    return SL_OK;
}

/* ---------------------------------------------------------------- dates and times */

sl_status sl_expr_ev_date(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    int64_t d;
    EVAL_ARG(n->kids[0], out);
    if (out->kind == SL_VAL_TIMESTAMP)
        sl_expr_set_i(out, SL_VAL_DATE, sl_expr_days(SL_VAL_TIMESTAMP, out->u.i));
    else if (out->kind == SL_VAL_STRING && sl_expr_parse_date(out->u.s.ptr, out->u.s.len, &d))
        sl_expr_set_i(out, SL_VAL_DATE, d);
    else if (out->kind == SL_VAL_STRING)
        *out = sl_val_null();
    return SL_OK;
}

static sl_status part(const sl_expr_node *n, const sl_expr_ctx *c, int which, sl_val *out)
{
    EVAL_ARG(n->kids[0], out);
    if (out->kind != SL_VAL_NULL)
        sl_expr_set_int(out, sl_expr_part(which, out->kind, out->u.i));
    return SL_OK;
}

#define PART(name, which)                                                              \
    sl_status sl_expr_ev_##name(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out) \
    {                                                                                  \
        return part(n, c, which, out);                                                 \
    }
PART(year, SL_PART_YEAR)
PART(month, SL_PART_MONTH)
PART(day, SL_PART_DAY)
PART(weekday, SL_PART_WEEKDAY)
PART(hour, SL_PART_HOUR)
PART(minute, SL_PART_MINUTE)
#undef PART

sl_status sl_expr_ev_date_add(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    STRICT_ARGS(a);
    int64_t r, us;
    if (a[0].kind == SL_VAL_DATE) {
        bool over = __builtin_add_overflow(a[0].u.i, a[1].u.i, &r) || r < INT32_MIN || r > INT32_MAX;
        if (over)
            *out = sl_val_null();
        else
            sl_expr_set_i(out, SL_VAL_DATE, r);
    } else {
        bool over = __builtin_mul_overflow(a[1].u.i, SL_US_PER_DAY, &us) ||
                    __builtin_add_overflow(a[0].u.i, us, &r);
        if (over)
            *out = sl_val_null();
        else
            sl_expr_set_i(out, SL_VAL_TIMESTAMP, r);
    }
    return SL_OK;
}

/* ---------------------------------------------------------------- entry */

sl_status sl_expr_eval(const sl_expr *e, const sl_val *row, uint64_t rand_key, sl_arena *arena,
                       sl_val *out)
{
    if (!e || !arena || !out) {
        if (out)
            *out = sl_val_null();
        return SL_ERR_USAGE;
    }
    sl_expr_ctx c = {row, rand_key, arena};
    sl_status st = e->root->eval(e->root, &c, out);
    if (st != SL_OK)
        *out = sl_val_null();
    return st;
}

sl_status sl_expr_eval_rows(const sl_expr *e, const sl_val *rows, size_t stride, size_t n,
                            const uint64_t *rand_keys, sl_arena *arena, sl_val *out)
{
    if (!e || !arena || (n && (!out || !stride)))
        return SL_ERR_USAGE;
    if (sl_expr_fused_rows(e->root, rows, stride, n, out))
        return SL_OK;
    sl_expr_ctx c = {NULL, 0, arena};
    for (size_t r = 0; r < n; r++) {
        c.row = rows ? rows + r * stride : NULL;
        c.rand_key = rand_keys ? rand_keys[r] : 0;
        sl_status st = e->root->eval(e->root, &c, out + r * stride);
        if (st != SL_OK) {
            out[r * stride] = sl_val_null();
            return st;
        }
    }
    return SL_OK;
}

bool sl_expr_draws(const sl_expr *e)
{
    return e->draws;
}

sl_val_kind sl_expr_kind(const sl_expr *e)
{
    return e->root->kind;
}
