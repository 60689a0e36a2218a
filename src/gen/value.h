/* One generated value, as the generator, the expression evaluator and the emitters
 * pass it around. Strings point into memory owned by whoever produced the value (a
 * dictionary, a row's arena); a value is only valid while its row is. */
#ifndef SLUICE_GEN_VALUE_H
#define SLUICE_GEN_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef enum {
    SL_VAL_NULL = 0,
    SL_VAL_BOOL,       /* u.b */
    SL_VAL_INT,        /* u.i */
    SL_VAL_DOUBLE,     /* u.d */
    SL_VAL_DECIMAL,    /* u.dec: unscaled value and scale (value = unscaled / 10^scale) */
    SL_VAL_STRING,     /* u.s: UTF-8, not NUL-terminated */
    SL_VAL_DATE,       /* u.i: days since 1970-01-01 */
    SL_VAL_TIME,       /* u.i: microseconds since midnight */
    SL_VAL_TIMESTAMP,  /* u.i: microseconds since 1970-01-01T00:00:00Z */
    SL_VAL_LIST        /* u.list: elements, all of one kind (or null) */
} sl_val_kind;

typedef struct sl_val sl_val;
struct sl_val {
    sl_val_kind kind;
    uint32_t plain;    /* a string known to need no JSON escape and no CSV quotes */
    union {
        bool b;
        int64_t i;
        double d;
        struct { int64_t unscaled; int32_t scale; } dec;
        /* sym: where the generator drew the string from a fixed list (a choice, a
         * dictionary, a parent's keys), its index there, which the Parquet emitter
         * hands the writer instead of the bytes (emit.c checks it); else anything */
        struct { const char *ptr; uint32_t len; uint32_t sym; } s;
        struct { const sl_val *items; size_t len; } list;
    } u;
};

_Static_assert(sizeof(sl_val) == 24, "sl_val is three words: rows are arrays of them");

static inline sl_val sl_val_null(void) { sl_val v = {.kind = SL_VAL_NULL}; return v; }
static inline sl_val sl_val_int(int64_t i) { sl_val v = {.kind = SL_VAL_INT, .u.i = i}; return v; }
static inline sl_val sl_val_double(double d) { sl_val v = {.kind = SL_VAL_DOUBLE, .u.d = d}; return v; }
static inline sl_val sl_val_bool(bool b) { sl_val v = {.kind = SL_VAL_BOOL, .u.b = b}; return v; }
static inline sl_val sl_val_str(const char *p, size_t n)
{
    sl_val v = {.kind = SL_VAL_STRING, .u.s = {p, n}};
    return v;
}

/* A string the caller knows is plain: non-empty, no control characters, no '"', '\\'
 * or ',', no space at either end. */
static inline sl_val sl_val_plain_str(const char *p, size_t n)
{
    sl_val v = {.kind = SL_VAL_STRING, .plain = 1, .u.s = {p, n}};
    return v;
}

/* Whether a and b are the same value: the same kind, and strings and lists by
 * content (doubles by ==). */
static inline bool sl_val_equal(const sl_val *a, const sl_val *b)
{
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case SL_VAL_NULL: return true;
    case SL_VAL_BOOL: return a->u.b == b->u.b;
    case SL_VAL_DOUBLE: return a->u.d == b->u.d;
    case SL_VAL_DECIMAL: return a->u.dec.unscaled == b->u.dec.unscaled && a->u.dec.scale == b->u.dec.scale;
    case SL_VAL_STRING:
        return a->u.s.len == b->u.s.len && (a->u.s.len == 0 || memcmp(a->u.s.ptr, b->u.s.ptr, a->u.s.len) == 0);
    case SL_VAL_LIST:
        if (a->u.list.len != b->u.list.len)
            return false;
        for (size_t i = 0; i < a->u.list.len; i++)
            if (!sl_val_equal(&a->u.list.items[i], &b->u.list.items[i]))
                return false;
        return true;
    default: return a->u.i == b->u.i;
    }
}

#endif
