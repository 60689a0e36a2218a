/* libFuzzer target for the expression compiler and evaluator: compiles the input
 * against a fixed set of columns (one of each kind, with edge values) and, when it
 * compiles, evaluates it on that row and on a row of nulls. It aborts when an error
 * has no position or message, when evaluation fails, when a value is not of the
 * static kind (or null), or when evaluating twice gives different values. Built
 * without libFuzzer, with replay.c, it re-runs the saved corpus in `make check`. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/expr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const sl_val items[] = {{.kind = SL_VAL_INT, .u.i = 1}, {.kind = SL_VAL_INT, .u.i = -2}};

static const struct {
    const char *name;
    sl_val v;
} cols[] = {
    {"i", {.kind = SL_VAL_INT, .u.i = 42}},
    {"big", {.kind = SL_VAL_INT, .u.i = INT64_MAX}},
    {"small", {.kind = SL_VAL_INT, .u.i = INT64_MIN}},
    {"d", {.kind = SL_VAL_DOUBLE, .u.d = 2.5}},
    {"nan", {.kind = SL_VAL_DOUBLE, .u.d = NAN}},
    {"inf", {.kind = SL_VAL_DOUBLE, .u.d = INFINITY}},
    {"dec", {.kind = SL_VAL_DECIMAL, .u.dec = {-12345, 2}}},
    {"wide", {.kind = SL_VAL_DECIMAL, .u.dec = {INT64_MIN, 38}}},
    {"s", {.kind = SL_VAL_STRING, .u.s = {"h\xc3\xa9llo %d", 9}}},
    {"e", {.kind = SL_VAL_STRING, .u.s = {"", 0}}},
    {"bad", {.kind = SL_VAL_STRING, .u.s = {"\xff\x80\xc3", 3}}},
    {"b", {.kind = SL_VAL_BOOL, .u.b = true}},
    {"dt", {.kind = SL_VAL_DATE, .u.i = 20454}},
    {"dmin", {.kind = SL_VAL_DATE, .u.i = INT32_MIN}},
    {"dmax", {.kind = SL_VAL_DATE, .u.i = INT32_MAX}},
    {"ts", {.kind = SL_VAL_TIMESTAMP, .u.i = 1767263415250000}},
    {"tmin", {.kind = SL_VAL_TIMESTAMP, .u.i = INT64_MIN}},
    {"tmax", {.kind = SL_VAL_TIMESTAMP, .u.i = INT64_MAX}},
    {"t", {.kind = SL_VAL_TIME, .u.i = 49530000001}},
    {"l", {.kind = SL_VAL_LIST, .u.list = {items, 2}}},
    {"location.city", {.kind = SL_VAL_STRING, .u.s = {"Paris", 5}}},
    {"n", {.kind = SL_VAL_NULL}}, /* declared int, null in both rows */
};
#define NCOLS (sizeof cols / sizeof cols[0])

static int lookup(void *ctx, const char *name, size_t len, sl_val_kind *kind)
{
    (void)ctx;
    for (size_t i = 0; i < NCOLS; i++) {
        if (strlen(cols[i].name) == len && memcmp(cols[i].name, name, len) == 0) {
            *kind = cols[i].v.kind == SL_VAL_NULL ? SL_VAL_INT : cols[i].v.kind;
            return (int)i;
        }
    }
    return -1;
}

static bool same(const sl_val *a, const sl_val *b)
{
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case SL_VAL_NULL: return true;
    case SL_VAL_BOOL: return a->u.b == b->u.b;
    case SL_VAL_DOUBLE: return memcmp(&a->u.d, &b->u.d, sizeof a->u.d) == 0 || (isnan(a->u.d) && isnan(b->u.d));
    case SL_VAL_DECIMAL:
        return a->u.dec.unscaled == b->u.dec.unscaled && a->u.dec.scale == b->u.dec.scale;
    case SL_VAL_STRING:
        return a->u.s.len == b->u.s.len &&
               (a->u.s.len == 0 || memcmp(a->u.s.ptr, b->u.s.ptr, a->u.s.len) == 0);
    case SL_VAL_LIST: return a->u.list.items == b->u.list.items && a->u.list.len == b->u.list.len;
    default: return a->u.i == b->u.i;
    }
}

static void eval_checked(const sl_expr *e, sl_val_kind kind, const sl_val *row)
{
    sl_arena a1, a2;
    sl_arena_init(&a1, 0);
    sl_arena_init(&a2, 64); /* tiny blocks: every string takes the large-block path */
    sl_val v1, v2;
    if (sl_expr_eval(e, row, 12345, &a1, &v1) != SL_OK ||
        sl_expr_eval(e, row, 12345, &a2, &v2) != SL_OK)
        abort();
    if (v1.kind != SL_VAL_NULL && v1.kind != kind)
        abort();
    if (!same(&v1, &v2))
        abort();
    if (v1.kind == SL_VAL_STRING) {
        volatile unsigned char sum = 0; /* reads every byte, for ASan */
        for (size_t i = 0; i < v1.u.s.len; i++)
            sum += (unsigned char)v1.u.s.ptr[i];
        (void)sum;
    }
    sl_arena_free(&a1);
    sl_arena_free(&a2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sl_expr_env env = {lookup, NULL};
    sl_expr *e = (sl_expr *)&env; /* must be overwritten */
    sl_val_kind kind;
    sl_error err;
    sl_error_clear(&err);
    sl_status st = sl_expr_compile((const char *)data, size, &env, &e, &kind, &err);
    if (st != SL_OK) {
        if (st != SL_ERR_SCHEMA || e != NULL || err.code != st || err.line < 1 || err.column < 1 ||
            err.column > size + 1 || err.offset > size || err.msg[0] == '\0')
            abort();
        return 0;
    }
    if (!e || sl_expr_kind(e) != kind)
        abort();
    sl_val row[NCOLS], nulls[NCOLS];
    for (size_t i = 0; i < NCOLS; i++) {
        row[i] = cols[i].v;
        nulls[i] = (sl_val){.kind = SL_VAL_NULL};
    }
    eval_checked(e, kind, row);
    eval_checked(e, kind, nulls);
    sl_expr_free(e);
    return 0;
}
