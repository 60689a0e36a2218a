/* Expressions: the small language of derived columns (`expr`) and row constraints
 * (`check`) in schema files. The language is specified in docs/schema-format.md,
 * section "Expressions"; this header is the reference for the C interface and for the
 * choices the spec leaves open.
 *
 * An expression is compiled once against the names of a table's columns, which
 * resolves every name to a row index and checks every type, and is then evaluated
 * once per row. Evaluation walks a tree whose nodes carry their evaluation function,
 * chosen at compile time; it allocates nothing but the strings it makes.
 *
 * Types. Every expression has a static kind (sl_val_kind); each value it gives is of
 * that kind or null. Integers are SL_VAL_INT (64-bit), dates SL_VAL_DATE (days since
 * 1970-01-01, within the int32 range), times SL_VAL_TIME (microseconds since
 * midnight), timestamps SL_VAL_TIMESTAMP (microseconds since the epoch, UTC).
 * - Arithmetic (+ - * / % and unary -) takes numbers only. int op int stays int: `/`
 *   truncates toward zero, `%` takes the sign of the dividend, and overflow gives null
 *   (never undefined behaviour). Any other mix is double; SL_VAL_DECIMAL converts to
 *   double in arithmetic, comparisons and every function except where a decimal passes
 *   through (a column on its own, and coalesce, if, case, min and max when every
 *   branch is a decimal). `x / 0` and `x % 0` are null for doubles too;
 *   other double results follow IEEE 754 (1e308 * 10 is inf).
 * - Comparisons: numbers with numbers (as doubles unless both are ints), strings with
 *   strings (bytewise, which is code point order for UTF-8), bools (false < true),
 *   times with times, and dates and timestamps in any mix (a date compares as its
 *   midnight UTC). A NaN makes every comparison false except `!=`. Comparisons do
 *   not chain: `a < b < c` is an error.
 * - The branches of if, case and coalesce, and the arguments of min and max, must
 *   share a kind: ints, doubles and decimals mix to double, dates and timestamps mix
 *   to timestamp (null for a date too far out for a timestamp, beyond about
 *   ±292,000 years), null mixes with anything.
 * - `||`, concat() and string() write values as text: bools `true`/`false`, ints in
 *   decimal, doubles with %.15g (or %.16g or %.17g when that is what it takes to read
 *   back the same double; 3.0 is "3", NaN "nan", infinity "inf"), decimals with
 *   exactly their scale's digits ("12.50"), dates YYYY-MM-DD, times HH:MM:SS[.ffffff],
 *   timestamps YYYY-MM-DDTHH:MM:SS[.ffffff]Z (the fraction only when it is not zero).
 *   Lists cannot be written as text.
 * - The literal null has kind SL_VAL_NULL, and so does an expression made only of it
 *   whose kind cannot otherwise be told (`-null`, `coalesce(null)`); it mixes with
 *   anything: `null + 1` is an int, `null = 1` a bool.
 *
 * Null propagates through operators and functions, except `is [not] null`, coalesce,
 * if, case (a null condition is not true), and `and`/`or`, which use three-valued
 * logic (false and null is false, true or null is true). `x in (...)` is true when an
 * element equals x, else null when x or an element is null, else false; `not in` and
 * `not between` negate that, null staying null.
 *
 * Syntax choices the spec leaves open: keywords and function names are
 * case-insensitive, column names are not; a column name is letters, digits and `_`,
 * starting with a letter or `_`, with `.` between parts (`location.city` is passed to
 * lookup as it is written); strings are quoted with ' or " and a quote is doubled to
 * be written inside (`'it''s'`); numbers are `12`, `3.5`, `.5`, `1e6`; a
 * timestamp literal is `YYYY-MM-DD[T| ]HH:MM[:SS[.f]]` with `Z`, `±HH:MM`, `±HHMM`
 * or no zone (UTC), or a bare date (its midnight UTC); beyond microseconds a fraction
 * must be zeros. Nesting (parentheses, arguments, case parts, unary `-` and `not`) is
 * limited to SL_EXPR_MAX_DEPTH levels so that no input can exhaust the stack.
 *
 * Functions beyond the obvious:
 * - round(x[, n]) rounds half away from zero to n decimal places (n < 0 rounds to
 *   tens, hundreds...); ints stay ints, everything else is double. floor, ceil and
 *   abs keep ints as ints (abs of the smallest int is null) and give doubles otherwise.
 * - length(s) counts characters (UTF-8 code points; a list's length is its number of
 *   elements); upper and lower change ASCII letters only; substr(s, start[, len])
 *   takes the characters at 1-based positions [start, start + len) that exist
 *   (PostgreSQL's rule: substr('hello', 0, 3) is 'he'); a negative len is null.
 * - int(x) truncates doubles and decimals toward zero (null when out of range or NaN),
 *   gives 1/0 for bools, the underlying number for dates, times and timestamps, and
 *   parses a string of optional sign and digits (surrounding blanks allowed; anything
 *   else is null). double(x) takes numbers, bools and numeric strings.
 * - date(x) takes a timestamp (its UTC day), a date, or a 'YYYY-MM-DD' string (null if
 *   it is not one). year, month, day and weekday (1 = Monday .. 7) take dates and
 *   timestamps; hour and minute take timestamps and times. date_add(d, n) adds n days
 *   to a date or a timestamp and is null when the result leaves the range.
 * - format(fmt, ...) knows %d %i %x (ints; doubles and decimals are truncated, %x of a
 *   negative number shows its 64-bit two's complement), %f (numbers), %s (any value, as
 *   text) and %%, each with optional flags `-` (left-align) and `0` (zero-pad), a width
 *   and a precision (`.N`), both at most 99: `%05d`, `%-8s`, `%.2f`, `%.3s` (the
 *   first three characters). The format is parsed here and every piece printed through
 *   a fixed printf format, so no user text reaches printf as a format. When fmt is a
 *   literal, a bad conversion or a mismatch with the arguments' count or types is a
 *   compile error; otherwise it makes the value null.
 * - random() is a double in [0, 1); random_int(a, b) an int in [a, b] (null when
 *   a > b). Call site k (0, 1, ... in the order the names appear in the source) draws
 *   sl_rng_hash(rand_key, k), so a row's values are a pure function of its key.
 *
 * A string the evaluation makes longer than SL_EXPR_MAX_STRING bytes is null. */
#ifndef SLUICE_GEN_EXPR_H
#define SLUICE_GEN_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "gen/value.h"
#include "sluice/status.h"

#define SL_EXPR_MAX_DEPTH 256          /* nesting levels, see above */
#define SL_EXPR_MAX_LEN (64u * 1024)   /* bytes of source */
#define SL_EXPR_MAX_STRING (16u << 20) /* bytes of one string made by evaluation */

typedef struct sl_expr sl_expr;

typedef struct sl_expr_env {
    /* Resolves a column name (bytes, not NUL-terminated, exactly as written, dots
     * included) to a row index >= 0 and its static kind; returns -1 when unknown.
     * A NULL env or lookup knows no columns. */
    int (*lookup)(void *ctx, const char *name, size_t len, sl_val_kind *kind);
    void *ctx;
} sl_expr_env;

/* Compiles src[0..len) (not NUL-terminated; src may be NULL when len is 0). On
 * success sets *out to a new expression the caller frees with sl_expr_free, and
 * *result_kind (when result_kind is not NULL) to its static kind. On error returns
 * SL_ERR_SCHEMA (SL_ERR_NOMEM when allocation fails, SL_ERR_USAGE when out is NULL),
 * sets *out to NULL and fills err (when not NULL): err->line and err->column are
 * 1-based within src, the column counting characters (not bytes) from the start of
 * the line; err->offset is the byte offset; err->msg says what was expected ("expected
 * ')' after function arguments", "unknown column 'x'", "'+' needs numbers, got string
 * and date"). err->file is left as the caller set it. env is only used during the
 * call. */
sl_status sl_expr_compile(const char *src, size_t len, const sl_expr_env *env,
                          sl_expr **out, sl_val_kind *result_kind, sl_error *err);

/* Evaluates e over row, indexed by what lookup returned (row may be NULL when e names
 * no columns). A row value whose kind is not the one lookup reported, or that is out
 * of its kind's range (a date outside int32, a time outside one day, a decimal scale
 * outside 0..38), is taken as null. rand_key seeds random() and random_int().
 * Strings made by the evaluation are allocated from arena, which the caller resets
 * per row or batch; a string in *out may also point into row's strings or into e
 * (literals), so *out lives no longer than all three. Runtime problems (division by
 * zero, overflow, a bad format, a string that does not parse) give null, never an
 * error: returns SL_OK, or SL_ERR_NOMEM when the arena cannot grow (*out is then
 * null), or SL_ERR_USAGE when e, arena or out is NULL. e is only read, so threads may
 * share it, each with its own arena. */
sl_status sl_expr_eval(const sl_expr *e, const sl_val *row, uint64_t rand_key,
                       sl_arena *arena, sl_val *out);

/* Evaluates e over n rows as n calls of sl_expr_eval would, each row's value the
 * same, but with one call: row r is rows + r * stride (rows may be NULL when e names
 * no columns), its rand_key rand_keys[r] (every key is 0 when rand_keys is NULL, which
 * makes no difference when sl_expr_draws(e) is false), and its value goes to
 * out[r * stride]. out may point into rows, as a derived column of a block of rows
 * does: row r's value is written after row r is read and before row r + 1 is. Returns
 * SL_OK; SL_ERR_NOMEM when the arena cannot grow, that row's value then null and the
 * later rows' not written; SL_ERR_USAGE when e or arena is NULL, or n > 0 and out is
 * NULL or stride 0. */
sl_status sl_expr_eval_rows(const sl_expr *e, const sl_val *rows, size_t stride, size_t n,
                            const uint64_t *rand_keys, sl_arena *arena, sl_val *out);

/* Whether e calls random() or random_int(), so that its values depend on rand_key.
 * e must not be NULL. */
bool sl_expr_draws(const sl_expr *e);

/* The static kind, as sl_expr_compile reported it. e must not be NULL. */
sl_val_kind sl_expr_kind(const sl_expr *e);

/* Frees e and everything it owns. NULL is a no-op. */
void sl_expr_free(sl_expr *e);

#endif
