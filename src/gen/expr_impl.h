/* Internals shared by the expression compiler (expr_parse.c), evaluator
 * (expr_eval.c) and text helpers (expr_text.c). Not part of the interface: see
 * expr.h for what the language does. */
#ifndef SLUICE_GEN_EXPR_IMPL_H
#define SLUICE_GEN_EXPR_IMPL_H

#include <stdbool.h>

#include "base/civil.h"
#include "gen/expr.h"

#define SL_US_PER_DAY 86400000000LL

typedef struct sl_expr_node sl_expr_node;

typedef struct sl_expr_ctx {
    const sl_val *row;
    uint64_t rand_key;
    sl_arena *arena;
} sl_expr_ctx;

/* Evaluates one node into *out: SL_OK or SL_ERR_NOMEM. */
typedef sl_status (*sl_expr_eval_fn)(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out);

/* Arithmetic steps of a chain, and comparisons. */
enum { SL_OP_ADD = 1, SL_OP_SUB, SL_OP_MUL, SL_OP_DIV, SL_OP_MOD,
       SL_OP_EQ, SL_OP_NE, SL_OP_LT, SL_OP_LE, SL_OP_GT, SL_OP_GE };

/* One node of a compiled expression. Invariant: eval gives a value of kind `kind`
 * or null, which the compiler's type checks guarantee and the fuzzer checks. */
struct sl_expr_node {
    sl_expr_eval_fn eval;
    sl_val_kind kind;
    uint8_t op;             /* comparison: SL_OP_*; in, between, is null: 1 when negated;
                             * case: 1 when it has an else */
    uint32_t pos;           /* byte offset in the source, for compile errors */
    uint32_t nkids;
    int64_t aux;            /* column, and a fused part of one or comparison of that:
                             * the row index; random, random_int: call site;
                             * comparison with a constant: 1 to compare as ints */
    sl_val lit;             /* constant */
    sl_expr_node **kids;
    uint8_t *ops;           /* arithmetic chain: ops[i] (i >= 1) combines the value so
                             * far with kids[i] */
    /* The fused nodes of expr_fuse.c, which keep their kids as the general node had
     * them and add: */
    sl_val_kind arg;        /* part of a column: the column's kind (aux is its index) */
    uint8_t part;           /* part of a column, or a comparison of one: SL_PART_* */
    uint64_t mask;          /* comparison of a part with a constant: bit p set when
                             * part value p passes */
    const void *thr;        /* sorted case: the constants its conditions compare with,
                             * as doubles or int64s (as its conditions' aux says) */
    const sl_val *res;      /* case over one column: the value of each branch, the
                             * else last, when all are constants; else NULL */
};

/* The parts of a date or time that fused nodes take (expr_fuse.c). */
enum { SL_PART_DATE, SL_PART_YEAR, SL_PART_MONTH, SL_PART_DAY, SL_PART_WEEKDAY, SL_PART_HOUR,
       SL_PART_MINUTE };

struct sl_expr {
    sl_expr_node *root;
    bool draws;             /* calls random() or random_int() */
    sl_arena mem;           /* every node and literal */
};

/* The evaluation functions, one per node type (expr_eval.c). */
#define SL_EXPR_EVALS(X)                                                                  \
    X(const) X(col) X(neg) X(not) X(and) X(or) X(arith) X(concat) X(cmp) X(in) X(between) \
    X(isnull) X(case) X(if) X(coalesce) X(abs) X(round) X(floor) X(ceil) X(min) X(max)    \
    X(length) X(upper) X(lower) X(substr) X(format) X(string) X(int) X(double) X(date)    \
    X(year) X(month) X(day) X(hour) X(minute) X(weekday) X(date_add) X(random_int)        \
    X(random) X(cmp_const) X(case_col) X(case_sorted) X(date_col) X(year_col)            \
    X(month_col) X(day_col) X(weekday_col) X(hour_col) X(minute_col) X(cmp_part)
#define SL_EXPR_DECLARE(name) \
    sl_status sl_expr_ev_##name(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out);
SL_EXPR_EVALS(SL_EXPR_DECLARE)
#undef SL_EXPR_DECLARE

/* ---- type rules, shared by the parser and the function checks */

static inline bool sl_expr_is_num(sl_val_kind k)
{
    return k == SL_VAL_INT || k == SL_VAL_DOUBLE || k == SL_VAL_DECIMAL || k == SL_VAL_NULL;
}
static inline bool sl_expr_is_int(sl_val_kind k) { return k == SL_VAL_INT || k == SL_VAL_NULL; }
static inline bool sl_expr_is_str(sl_val_kind k) { return k == SL_VAL_STRING || k == SL_VAL_NULL; }
static inline bool sl_expr_is_cond(sl_val_kind k) { return k == SL_VAL_BOOL || k == SL_VAL_NULL; }
static inline bool sl_expr_is_day(sl_val_kind k)
{
    return k == SL_VAL_DATE || k == SL_VAL_TIMESTAMP || k == SL_VAL_NULL;
}

/* The kind of a number operation: null if both are null, int if both are int (or
 * null), else double. */
static inline sl_val_kind sl_expr_num_result(sl_val_kind a, sl_val_kind b)
{
    if (a == SL_VAL_NULL && b == SL_VAL_NULL)
        return SL_VAL_NULL;
    return sl_expr_is_int(a) && sl_expr_is_int(b) ? SL_VAL_INT : SL_VAL_DOUBLE;
}

/* The kind two branches share, if any: numbers widen to double, a date and a
 * timestamp to timestamp, null goes with anything. */
static inline bool sl_expr_unify(sl_val_kind a, sl_val_kind b, sl_val_kind *out)
{
    if (a == b || b == SL_VAL_NULL)
        *out = a;
    else if (a == SL_VAL_NULL)
        *out = b;
    else if (sl_expr_is_num(a) && sl_expr_is_num(b))
        *out = SL_VAL_DOUBLE;
    else if (sl_expr_is_day(a) && sl_expr_is_day(b))
        *out = SL_VAL_TIMESTAMP;
    else
        return false;
    return true;
}

static inline bool sl_expr_comparable(sl_val_kind a, sl_val_kind b)
{
    if (a == SL_VAL_LIST || b == SL_VAL_LIST)
        return false;
    return a == b || a == SL_VAL_NULL || b == SL_VAL_NULL ||
           (sl_expr_is_num(a) && sl_expr_is_num(b)) || (sl_expr_is_day(a) && sl_expr_is_day(b));
}

/* ---- expr_check.c: the functions */

typedef struct sl_expr_fn sl_expr_fn;

/* A type error: the byte offset it points at and the message. */
typedef struct sl_expr_type_error {
    size_t at;
    char msg[400];
} sl_expr_type_error;

/* The function named name[0..len) (case-insensitive), or NULL. */
const sl_expr_fn *sl_expr_find_function(const char *name, size_t len);

/* Whether f draws random bits, and so needs a call site in n->aux. */
bool sl_expr_fn_draws(const sl_expr_fn *f);

/* Makes n, whose kids are the arguments and pos the name's offset, a call of f:
 * checks the number and kinds of the arguments and sets n->eval and n->kind. Returns
 * false, with *e filled, when they do not fit. */
bool sl_expr_check_call(const sl_expr_fn *f, sl_expr_node *n, sl_expr_type_error *e);

/* ---- helpers of the evaluation functions (expr_eval.c, expr_string.c) */

/* Evaluates node k into *v, returning the status from the calling function when it
 * fails. The calling function's context must be named c. */
#define SL_EXPR_EVAL(k, v)                                  \
    do {                                                    \
        const sl_expr_node *k_ = (k);                       \
        sl_status st_ = k_->eval(k_, c, (v));               \
        if (st_ != SL_OK)                                   \
            return st_;                                     \
    } while (0)

#define SL_EXPR_RETURN_NULL()       \
    do {                            \
        *out = sl_val_null();       \
        return SL_OK;               \
    } while (0)

/* Set *out to a number, a bool or a date, time or timestamp (kind k). Evaluation
 * writes its values through these, not as *out = sl_val_int(x): compilers build such
 * a value in a temporary, stored as 4- and 8-byte pieces, and copy it with 16-byte
 * loads that wait for those stores to retire (no store forwarding), which took half
 * the time of a node as small as hour(t). A compound literal assigned through the
 * pointer is stored straight into *out. */
static inline void sl_expr_set_i(sl_val *out, sl_val_kind k, int64_t x)
{
    *out = (sl_val){.kind = k, .u.i = x};
}

static inline void sl_expr_set_int(sl_val *out, int64_t x) { sl_expr_set_i(out, SL_VAL_INT, x); }

static inline void sl_expr_set_double(sl_val *out, double d)
{
    *out = (sl_val){.kind = SL_VAL_DOUBLE, .u.d = d};
}

static inline void sl_expr_set_bool(sl_val *out, bool b)
{
    *out = (sl_val){.kind = SL_VAL_BOOL, .u.b = b};
}

/* Evaluates every kid of n (at most 3) into a[]; *null is set when one is null, and
 * the rest are then not evaluated. */
sl_status sl_expr_eval_strict(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *a, bool *null);

/* Declares a[3] and fills it with n's kids, returning null from the calling function
 * when one is null (null propagation). */
#define SL_EXPR_STRICT_ARGS(a)                              \
    sl_val a[3];                                            \
    do {                                                    \
        bool null_;                                         \
        sl_status st_ = sl_expr_eval_strict(n, c, a, &null_); \
        if (st_ != SL_OK)                                   \
            return st_;                                     \
        if (null_)                                          \
            SL_EXPR_RETURN_NULL();                          \
    } while (0)

/* ---- expr_text.c */

/* "int", "string"... for messages. */
const char *sl_expr_kind_name(sl_val_kind k);

/* Floor division and modulo, b > 0 (never overflow, unlike a - floor_div * b). */
static inline int64_t sl_expr_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return a % b < 0 ? q - 1 : q;
}

static inline int64_t sl_expr_floor_mod(int64_t a, int64_t b)
{
    int64_t r = a % b;
    return r < 0 ? r + b : r;
}

/* The day (since 1970-01-01) of x, a date or timestamp as kind k says. */
static inline int64_t sl_expr_days(sl_val_kind k, int64_t x)
{
    return k == SL_VAL_DATE ? x : sl_expr_floor_div(x, SL_US_PER_DAY);
}

/* Part `part` (SL_PART_*, not SL_PART_DATE) of x, a date, time or timestamp as kind k
 * says, the type checks having ruled out the kinds that do not have it. */
static inline int64_t sl_expr_part(int part, sl_val_kind k, int64_t x)
{
    int64_t y;
    unsigned m, d;
    if (part >= SL_PART_HOUR) {
        int64_t tod = k == SL_VAL_TIME ? x : sl_expr_floor_mod(x, SL_US_PER_DAY);
        return part == SL_PART_HOUR ? tod / 3600000000LL : tod / 60000000LL % 60;
    }
    int64_t days = sl_expr_days(k, x);
    if (part == SL_PART_WEEKDAY)
        return sl_expr_floor_mod(days + 3, 7) + 1; /* 1970-01-01 was a Thursday */
    sl_civil_from_days(days, &y, &m, &d);
    return part == SL_PART_YEAR ? y : part == SL_PART_MONTH ? (int64_t)m : (int64_t)d;
}

/* ---- expr_fuse.c: faster nodes for the common shapes of derived columns, each
 * giving exactly what the general nodes would, null and every edge value included.
 * The compiler calls these on a node it has just built and type-checked; each
 * changes n->eval (and the fields it needs) when the shape fits, else leaves n. */

/* A comparison whose right side is a constant (`amount < 10`, `weekday(t) >= 6`):
 * the kinds are known at compile time, so only the left side is evaluated and
 * dispatched on per row; a weekday, hour, minute, month or day of a column compared
 * with an int becomes a lookup in a bit mask of the part's values. */
void sl_expr_cmp_const(sl_expr_node *n);

/* A case whose every condition compares one column with a constant (after
 * sl_expr_cmp_const): the column is read once a row; when the conditions are one
 * operator over ordered constants (`when x < 10 ... when x < 50`), the branch is
 * found by counting the constants the value fails, without a branch per one; when
 * every branch is a constant, the values are computed once, here, from mem. */
void sl_expr_case_col(sl_expr_node *n, sl_arena *mem);

/* A call of date, year, month, day, weekday, hour or minute on a column: the
 * column's value is read and converted in the one node. */
void sl_expr_fuse_call(sl_expr_node *n);

/* Evaluates n over rows as sl_expr_eval_rows does, in a loop of its own with the node
 * inlined, when n is one of the fused nodes that read only the row and cannot fail:
 * returns whether it did. */
bool sl_expr_fused_rows(const sl_expr_node *n, const sl_val *rows, size_t stride, size_t count,
                        sl_val *out);

/* The value of case n taking the branch of its when number k, or its else (null
 * without one) when k is the number of whens (expr_eval.c). */
sl_status sl_expr_case_branch(const sl_expr_node *n, const sl_expr_ctx *c, uint32_t k, sl_val *out);

/* The value of column node n in the row, or null when the row's value is not of the
 * column's kind or out of that kind's range (see sl_expr_eval). The row's value is
 * checked in place and copied once: copied first into a temporary that is then
 * patched, it came back out through a load that waited on the patch's store. */
static inline void sl_expr_col_value(const sl_expr_node *n, const sl_expr_ctx *c, sl_val *out)
{
    const sl_val *v = &c->row[n->aux];
    bool ok = v->kind == n->kind;
    if (ok) {
        switch (v->kind) {
        case SL_VAL_DATE: ok = v->u.i >= INT32_MIN && v->u.i <= INT32_MAX; break;
        case SL_VAL_TIME: ok = v->u.i >= 0 && v->u.i < SL_US_PER_DAY; break;
        case SL_VAL_DECIMAL: ok = v->u.dec.scale >= 0 && v->u.dec.scale <= 38; break;
        case SL_VAL_STRING: ok = v->u.s.ptr || v->u.s.len == 0; break;
        case SL_VAL_LIST: ok = v->u.list.items || v->u.list.len == 0; break;
        default: break;
        }
    }
    if (!ok) {
        *out = sl_val_null();
        return;
    }
    *out = *v;
    if (out->kind == SL_VAL_STRING && !out->u.s.ptr)
        out->u.s.ptr = "";
}

/* SL_EXPR_EVAL for the argument of the functions derived columns use most, which is
 * most often a column: read inline rather than through a call. */
#define SL_EXPR_EVAL_ARG(k, v)                      \
    do {                                            \
        const sl_expr_node *a_ = (k);               \
        if (a_->eval == sl_expr_ev_col)             \
            sl_expr_col_value(a_, c, (v));          \
        else                                        \
            SL_EXPR_EVAL(a_, (v));                  \
    } while (0)

/* Points v (a const sl_val *) at the value of node k, to be read only: a constant's
 * own literal, or else k evaluated (SL_EXPR_EVAL_ARG) into *tmp. */
#define SL_EXPR_EVAL_REF(k, tmp, v)                 \
    do {                                            \
        const sl_expr_node *r_ = (k);               \
        if (r_->eval == sl_expr_ev_const) {         \
            (v) = &r_->lit;                         \
        } else {                                    \
            SL_EXPR_EVAL_ARG(r_, (tmp));            \
            (v) = (tmp);                            \
        }                                           \
    } while (0)

/* Whether comparison op holds for r, the -1, 0 or 1 (2 when unordered) of a
 * comparison. */
static inline bool sl_expr_holds(int op, int r)
{
    switch (op) {
    case SL_OP_EQ: return r == 0;
    case SL_OP_NE: return r != 0;
    case SL_OP_LT: return r == -1;
    case SL_OP_LE: return r == -1 || r == 0;
    case SL_OP_GT: return r == 1;
    default: return r == 1 || r == 0;
    }
}

/* Calendar conversions (proleptic Gregorian), exact for |days| < 2^40. */

/* ISO recognisers for the literals and date(string): "YYYY-MM-DD", and a timestamp
 * as described in expr.h. Return false when s is not one. */
bool sl_expr_parse_date(const char *s, size_t n, int64_t *days);
bool sl_expr_parse_timestamp(const char *s, size_t n, int64_t *micros);

/* The value of an int, double or decimal as a double (0 for other kinds). */
double sl_expr_num(const sl_val *v);

/* 1e0 .. 1e38 */
extern const double sl_expr_pow10[39];

/* The value of a decimal of scale 0..38 as a double: the division by a power of ten
 * is exact up to 1e22, so the result is then the double nearest the decimal. */
static inline double sl_expr_dec_double(int64_t unscaled, int32_t scale)
{
    return (double)unscaled / sl_expr_pow10[scale];
}

/* Writes the text of a non-null, non-string, non-list value into out (room for
 * SL_EXPR_TEXT_MAX bytes, NUL-terminated) and returns its length. */
#define SL_EXPR_TEXT_MAX 64
size_t sl_expr_text(const sl_val *v, char *out);

/* format() specifications. sl_expr_fmt_next reads the next piece of f[*i..n):
 * literal text (a "%%" is the text "%"), a conversion, or a bad one (then *i is left
 * at its '%'). */
enum { SL_FMT_END, SL_FMT_TEXT, SL_FMT_CONV, SL_FMT_BAD };
#define SL_FMT_MAX_WIDTH 99
typedef struct sl_expr_fmt {
    const char *text;       /* SL_FMT_TEXT */
    size_t text_len;
    char conv;              /* SL_FMT_CONV: one of d i x f s */
    bool left, zero;        /* flags '-' and '0' */
    int width, prec;        /* -1 when absent */
} sl_expr_fmt;
int sl_expr_fmt_next(const char *f, size_t n, size_t *i, sl_expr_fmt *spec);

/* Whether conversion conv takes a value of kind k (null takes anything). */
bool sl_expr_fmt_accepts(char conv, sl_val_kind k);

#endif
