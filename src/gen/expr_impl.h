/* Internals shared by the expression compiler (expr_parse.c), evaluator
 * (expr_eval.c) and text helpers (expr_text.c). Not part of the interface: see
 * expr.h for what the language does. */
#ifndef SLUICE_GEN_EXPR_IMPL_H
#define SLUICE_GEN_EXPR_IMPL_H

#include <stdbool.h>

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
    int64_t aux;            /* column: row index; random, random_int: call site;
                             * comparison with a constant: 1 to compare as ints */
    sl_val lit;             /* constant */
    sl_expr_node **kids;
    uint8_t *ops;           /* arithmetic chain: ops[i] (i >= 1) combines the value so
                             * far with kids[i] */
};

struct sl_expr {
    sl_expr_node *root;
    sl_arena mem;           /* every node and literal */
};

/* The evaluation functions, one per node type (expr_eval.c). */
#define SL_EXPR_EVALS(X)                                                                  \
    X(const) X(col) X(neg) X(not) X(and) X(or) X(arith) X(concat) X(cmp) X(in) X(between) \
    X(isnull) X(case) X(if) X(coalesce) X(abs) X(round) X(floor) X(ceil) X(min) X(max)    \
    X(length) X(upper) X(lower) X(substr) X(format) X(string) X(int) X(double) X(date)    \
    X(year) X(month) X(day) X(hour) X(minute) X(weekday) X(date_add) X(random_int)        \
    X(random) X(cmp_const) X(case_col)
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

/* Gives comparison n a faster evaluation when its right side is a constant (a
 * derived column's `amount < 10`, `weekday(t) >= 6`): the kinds are known at
 * compile time, so only the left side is evaluated and dispatched on per row. */
void sl_expr_cmp_const(sl_expr_node *n);

/* Gives case n a faster evaluation when every condition compares one column with a
 * constant (after sl_expr_cmp_const): the column is read once a row. */
void sl_expr_case_col(sl_expr_node *n);

/* Calendar conversions (proleptic Gregorian), exact for |days| < 2^40. */

/* ISO recognisers for the literals and date(string): "YYYY-MM-DD", and a timestamp
 * as described in expr.h. Return false when s is not one. */
bool sl_expr_parse_date(const char *s, size_t n, int64_t *days);
bool sl_expr_parse_timestamp(const char *s, size_t n, int64_t *micros);

/* The value of an int, double or decimal as a double (0 for other kinds). */
double sl_expr_num(const sl_val *v);

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
