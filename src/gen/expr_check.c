/* The functions of the expression language: their names, how many arguments each
 * takes, the kinds it accepts and gives, and its evaluation function (expr_eval.c,
 * expr_string.c). The checks look only at the kinds of the argument nodes; the
 * parser (expr_parse.c) turns a failed check into an error at the position given. */
#include "gen/expr_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef sl_expr_node node;
typedef bool (*check_fn)(node *n, const sl_expr_fn *f, sl_expr_type_error *e);

struct sl_expr_fn {
    const char *name;
    uint8_t min, max;       /* arguments; max VARIADIC: any number */
    check_fn check;         /* checks the arguments' kinds and sets n->kind */
    sl_expr_eval_fn eval;
};
#define VARIADIC 255

static bool bad(sl_expr_type_error *e, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records a type error at byte offset `at`; returns false for the check to return. */
static bool bad(sl_expr_type_error *e, size_t at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    e->at = at;
    return false;
}

static const char *kname(sl_val_kind k) { return sl_expr_kind_name(k); }

static bool need(sl_expr_type_error *e, const node *arg, const sl_expr_fn *f, const char *what)
{
    return bad(e, arg->pos, "%s() needs %s, got %s", f->name, what, kname(arg->kind));
}

/* abs, floor, ceil: ints stay ints */
static bool check_num(node *n, const sl_expr_fn *f, sl_expr_type_error *e)
{
    if (!sl_expr_is_num(n->kids[0]->kind))
        return need(e, n->kids[0], f, "a number");
    n->kind = sl_expr_num_result(n->kids[0]->kind, n->kids[0]->kind);
    return true;
}

static bool check_round(node *n, const sl_expr_fn *f, sl_expr_type_error *e)
{
    if (n->nkids > 1 && !sl_expr_is_int(n->kids[1]->kind))
        return need(e, n->kids[1], f, "an int number of digits");
    return check_num(n, f, e);
}

/* min, max, coalesce: arguments of one kind (after widening) */
static bool check_same(node *n, const sl_expr_fn *f, sl_expr_type_error *e)
{
    sl_val_kind k = n->kids[0]->kind;
    bool ordered = f->eval != sl_expr_ev_coalesce;
    for (uint32_t i = 0; i < n->nkids; i++) {
        const node *a = n->kids[i];
        if (ordered && a->kind == SL_VAL_LIST)
            return bad(e, a->pos, "%s() cannot compare lists", f->name);
        if (!sl_expr_unify(k, a->kind, &k))
            return bad(e, a->pos, "%s() arguments have different types: %s and %s", f->name,
                       kname(k), kname(a->kind));
    }
    n->kind = k;
    return true;
}

static bool check_if(node *n, const sl_expr_fn *f, sl_expr_type_error *e)
{
    if (!sl_expr_is_cond(n->kids[0]->kind))
        return need(e, n->kids[0], f, "a bool condition");
    if (!sl_expr_unify(n->kids[1]->kind, n->kids[2]->kind, &n->kind))
        return bad(e, n->kids[2]->pos, "if() branches have different types: %s and %s",
                   kname(n->kids[1]->kind), kname(n->kids[2]->kind));
    return true;
}

static bool check_length(node *n, const sl_expr_fn *f, sl_expr_type_error *e)
{
    if (!sl_expr_is_str(n->kids[0]->kind) && n->kids[0]->kind != SL_VAL_LIST)
        return need(e, n->kids[0], f, "a string");
    n->kind = SL_VAL_INT;
    return true;
}

/* upper, lower, substr: a string, then ints */
static bool check_str(node *n, const sl_expr_fn *f, sl_expr_type_error *e)
{
    if (!sl_expr_is_str(n->kids[0]->kind))
        return need(e, n->kids[0], f, "a string");
    for (uint32_t i = 1; i < n->nkids; i++)
        if (!sl_expr_is_int(n->kids[i]->kind))
            return need(e, n->kids[i], f, "an int");
    n->kind = SL_VAL_STRING;
    return true;
}

/* concat, string: anything that has a text */
static bool check_text(node *n, const sl_expr_fn *f, sl_expr_type_error *e)
{
    for (uint32_t i = 0; i < n->nkids; i++)
        if (n->kids[i]->kind == SL_VAL_LIST)
            return bad(e, n->kids[i]->pos, "%s() cannot write a list as text", f->name);
    n->kind = SL_VAL_STRING;
    return true;
}

/* A literal format is checked against its arguments here; any other is checked as
 * it is used, a mismatch giving null. */
static bool check_format(node *n, const sl_expr_fn *f, sl_expr_type_error *e)
{
    const node *fmt = n->kids[0];
    if (!sl_expr_is_str(fmt->kind))
        return need(e, fmt, f, "a string format");
    if (!check_text(n, f, e))
        return false;
    if (fmt->eval != sl_expr_ev_const || fmt->kind != SL_VAL_STRING)
        return true;
    const char *s = fmt->lit.u.s.ptr;
    size_t len = fmt->lit.u.s.len, i = 0;
    uint32_t next = 1;
    sl_expr_fmt spec;
    int r;
    while ((r = sl_expr_fmt_next(s, len, &i, &spec)) != SL_FMT_END) {
        if (r == SL_FMT_BAD) {
            size_t k = 1; /* show the specification up to its letter, or 6 bytes */
            while (i + k < len && k < 6 && !strchr("dixfs", s[i + k]))
                k++;
            return bad(e, fmt->pos, "format(): bad conversion '%.*s' (known: %%d %%i %%x %%f "
                                    "%%s %%%%, with flags - 0, a width and a precision under 100)",
                       (int)(i + k < len ? k + 1 : len - i), s + i);
        }
        if (r == SL_FMT_TEXT)
            continue;
        if (next >= n->nkids)
            return bad(e, fmt->pos, "format(): more conversions than arguments");
        const node *a = n->kids[next++];
        if (!sl_expr_fmt_accepts(spec.conv, a->kind))
            return bad(e, a->pos, "format(): '%%%c' needs a number, got %s", spec.conv,
                       kname(a->kind));
    }
    if (next < n->nkids)
        return bad(e, n->kids[next]->pos, "format(): more arguments than conversions");
    return true;
}

static bool check_int(node *n, const sl_expr_fn *f, sl_expr_type_error *e)
{
    if (n->kids[0]->kind == SL_VAL_LIST)
        return need(e, n->kids[0], f, "a number, bool, string, date, time or timestamp");
    n->kind = SL_VAL_INT;
    return true;
}

static bool check_double(node *n, const sl_expr_fn *f, sl_expr_type_error *e)
{
    sl_val_kind k = n->kids[0]->kind;
    if (!sl_expr_is_num(k) && k != SL_VAL_BOOL && k != SL_VAL_STRING)
        return need(e, n->kids[0], f, "a number, bool or string");
    n->kind = SL_VAL_DOUBLE;
    return true;
}

static bool check_date(node *n, const sl_expr_fn *f, sl_expr_type_error *e)
{
    if (!sl_expr_is_day(n->kids[0]->kind) && n->kids[0]->kind != SL_VAL_STRING)
        return need(e, n->kids[0], f, "a timestamp, date or string");
    n->kind = SL_VAL_DATE;
    return true;
}

/* year, month, day, weekday */
static bool check_day_part(node *n, const sl_expr_fn *f, sl_expr_type_error *e)
{
    if (!sl_expr_is_day(n->kids[0]->kind))
        return need(e, n->kids[0], f, "a date or timestamp");
    n->kind = SL_VAL_INT;
    return true;
}

/* hour, minute */
static bool check_time_part(node *n, const sl_expr_fn *f, sl_expr_type_error *e)
{
    sl_val_kind k = n->kids[0]->kind;
    if (k != SL_VAL_TIMESTAMP && k != SL_VAL_TIME && k != SL_VAL_NULL)
        return need(e, n->kids[0], f, "a timestamp or time");
    n->kind = SL_VAL_INT;
    return true;
}

static bool check_date_add(node *n, const sl_expr_fn *f, sl_expr_type_error *e)
{
    if (!sl_expr_is_day(n->kids[0]->kind))
        return need(e, n->kids[0], f, "a date or timestamp");
    if (!sl_expr_is_int(n->kids[1]->kind))
        return need(e, n->kids[1], f, "an int number of days");
    n->kind = n->kids[0]->kind;
    return true;
}

static bool check_random_int(node *n, const sl_expr_fn *f, sl_expr_type_error *e)
{
    for (uint32_t i = 0; i < 2; i++)
        if (!sl_expr_is_int(n->kids[i]->kind))
            return need(e, n->kids[i], f, "ints");
    n->kind = SL_VAL_INT;
    return true;
}

static bool check_random(node *n, const sl_expr_fn *f, sl_expr_type_error *e)
{
    (void)f;
    (void)e;
    n->kind = SL_VAL_DOUBLE;
    return true;
}

#define F(name, min, max, check) {#name, min, max, check, sl_expr_ev_##name}
static const sl_expr_fn functions[] = {
    F(abs, 1, 1, check_num),          F(round, 1, 2, check_round),
    F(floor, 1, 1, check_num),        F(ceil, 1, 1, check_num),
    F(min, 1, VARIADIC, check_same),  F(max, 1, VARIADIC, check_same),
    F(coalesce, 1, VARIADIC, check_same), F(if, 3, 3, check_if),
    F(length, 1, 1, check_length),    F(upper, 1, 1, check_str),
    F(lower, 1, 1, check_str),        F(substr, 2, 3, check_str),
    F(concat, 1, VARIADIC, check_text), F(format, 1, VARIADIC, check_format),
    F(string, 1, 1, check_text),      F(int, 1, 1, check_int),
    F(double, 1, 1, check_double),    F(date, 1, 1, check_date),
    F(year, 1, 1, check_day_part),    F(month, 1, 1, check_day_part),
    F(day, 1, 1, check_day_part),     F(weekday, 1, 1, check_day_part),
    F(hour, 1, 1, check_time_part),   F(minute, 1, 1, check_time_part),
    F(date_add, 2, 2, check_date_add), F(random_int, 2, 2, check_random_int),
    F(random, 0, 0, check_random),
};
#undef F

const sl_expr_fn *sl_expr_find_function(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++) {
        const char *w = functions[i].name;
        size_t k = 0;
        for (; k < len && w[k]; k++) {
            char ch = name[k] >= 'A' && name[k] <= 'Z' ? (char)(name[k] - 'A' + 'a') : name[k];
            if (ch != w[k])
                break;
        }
        if (k == len && !w[k])
            return &functions[i];
    }
    return NULL;
}

bool sl_expr_fn_draws(const sl_expr_fn *f)
{
    return f->eval == sl_expr_ev_random || f->eval == sl_expr_ev_random_int;
}

bool sl_expr_check_call(const sl_expr_fn *f, sl_expr_node *n, sl_expr_type_error *e)
{
    uint32_t k = n->nkids;
    const char *s = f->min == 1 ? "" : "s";
    if (k < f->min || k > f->max) {
        if (f->min == f->max)
            return bad(e, n->pos, "%s() takes %u argument%s, got %u", f->name, f->min, s, k);
        if (f->max == VARIADIC)
            return bad(e, n->pos, "%s() takes at least %u argument%s, got %u", f->name, f->min,
                       s, k);
        return bad(e, n->pos, "%s() takes %u or %u arguments, got %u", f->name, f->min, f->max, k);
    }
    n->eval = f->eval;
    if (!f->check(n, f, e))
        return false;
    sl_expr_fuse_call(n);
    return true;
}
