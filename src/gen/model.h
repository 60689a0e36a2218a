/* The generator's schema model: what a schema file (docs/schema-format.md) compiles
 * to. schema.c builds it from a file and checks it; plan.c sizes it for one run;
 * row.c computes values from it. */
#ifndef SLUICE_GEN_MODEL_H
#define SLUICE_GEN_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "gen/dict.h"
#include "gen/expr.h"
#include "gen/value.h"

typedef enum {
    SL_G_BOOL = 0, SL_G_INT8, SL_G_INT16, SL_G_INT32, SL_G_INT64, SL_G_DOUBLE,
    SL_G_DECIMAL, SL_G_STRING, SL_G_DATE, SL_G_TIME, SL_G_TIMESTAMP, SL_G_OBJECT
} sl_gtype;

typedef enum {
    G_NONE = 0, G_SEQUENCE, G_PATTERN, G_UNIFORM, G_NORMAL, G_LOGNORMAL, G_EXPONENTIAL,
    G_ZIPF, G_POISSON, G_BERNOULLI, G_CHOICE, G_DATE, G_TIMESTAMP, G_TIME, G_DICT,
    G_FIRST_NAME, G_LAST_NAME, G_FULL_NAME, G_EMAIL, G_PHONE, G_STREET, G_CITY, G_STATE,
    G_ZIP, G_UUID, G_CONST, G_LIST, G_EXPR, G_REF, G_OBJECT
} sl_gkind;

typedef struct sl_gcol sl_gcol;
struct sl_gcol {
    char *name;              /* as written */
    char *path;              /* flattened name: <object>_<name> for nested columns */
    uint32_t line, column;   /* where it is defined, for messages */
    int depth;               /* 0 top level; object members one deeper */
    sl_gtype type;
    bool list;               /* list<type> */
    int precision, scale;    /* decimal */
    sl_gkind gen;
    double null_rate;
    bool unique, hidden;
    double min, max;         /* ranges and clamps (numbers; days; microseconds) */
    bool has_min, has_max;
    double a, b;             /* distribution parameters: mean/stddev, mu/sigma, rate, s, lambda, p, start/step */
    int64_t n;               /* zipf n */
    /* choice */
    sl_val *values;
    sl_alias *alias;         /* choice weights, or NULL: all equal (malloc'd; the schema frees it) */
    size_t nvalues;
    /* weights for dates and timestamps (cumulative, normalised), or NULL */
    double *hour_cum;        /* 24 */
    double *wday_w;          /* 7, divided by the largest */
    double step;             /* time: minutes between values */
    const sl_dict *dict;
    const sl_dict *dict2;    /* full_name: family names; first_name: the male list */
    char *pattern;           /* pattern, phone */
    uint64_t space;          /* number of distinct pattern values (0: more than 2^64) */
    char *expr_src;
    sl_expr *expr;
    int ref_table, ref_col;  /* G_REF */
    bool ref_zipf;
    double ref_s;
    int arg[2];              /* column indexes: email first/last, name gender column */
    sl_gcol *elem;           /* G_LIST: the element generator */
    int min_len, max_len;
    bool distinct;
    int group;               /* index of the enclosing object column, or -1: keeps a
                                city and its state drawn together */
    uint64_t salt;           /* hash of the column's path */
    char *check_src;
    sl_expr *check;
    char *description;
    char *jprefix;           /* JSON text before the value: `,"name":` (with the braces
                                that objects open and close), NULL when hidden */
    uint32_t jprefix_len;
};

typedef struct sl_gtable {
    char *name;
    uint32_t line, column;
    sl_gcol *cols;           /* flat, in definition order; an object is followed by its members */
    size_t ncols;
    int *pk;                 /* primary key column indexes */
    size_t npk;
    double rows;             /* fixed rows at scale 1 (when per < 0) */
    int per;                 /* table index rows are relative to, or -1 */
    char *per_name;
    double ratio;
    bool assoc;
    int left, right;         /* association tables */
    int cap_col;             /* capacity column in the right table */
    double util, max_per_left, fill_min;
    int left_col, right_col; /* columns holding the left and right keys */
    uint64_t salt;
    char *description;
    char *jsuffix;           /* JSON text after the last value: the closing braces */
    uint32_t jsuffix_len;
} sl_gtable;

typedef struct sl_gparam {
    char *name;
    double value;
} sl_gparam;

struct sl_gen_schema {
    sl_arena arena;          /* owns every string and array of the model */
    char *file;
    char *name, *description;
    int size;                /* the table --n sizes */
    sl_gtable *tables;
    size_t ntables;
    sl_gparam *params;
    size_t nparams;
};

/* Index of the column named name (its path, or with '.' for '_') in t, or -1. */
int sl_gtable_find(const sl_gtable *t, const char *name, size_t len);

const char *sl_gtype_name(sl_gtype t);
const char *sl_gkind_name(sl_gkind g);

#endif
