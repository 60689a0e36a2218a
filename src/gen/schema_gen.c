/* The generator half of a schema column: which generator makes its values, with
 * which parameters, checked against the column's type (docs/schema-format.md,
 * "Generators"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/schema_int.h"
#include "schema/infer.h"

static const struct { const char *name; sl_gkind g; const char *keys; } gens[] = {
    {"sequence", G_SEQUENCE, "start step"},
    {"pattern", G_PATTERN, "pattern"},
    {"uniform", G_UNIFORM, ""},
    {"normal", G_NORMAL, "mean stddev"},
    {"lognormal", G_LOGNORMAL, "mu sigma"},
    {"exponential", G_EXPONENTIAL, "rate mean"},
    {"zipf", G_ZIPF, "n s"},
    {"poisson", G_POISSON, "lambda"},
    {"bernoulli", G_BERNOULLI, "p"},
    {"choice", G_CHOICE, "weights"},
    {"date", G_DATE, "weekday_weights"},
    {"timestamp", G_TIMESTAMP, "hour_weights weekday_weights"},
    {"time", G_TIME, "step_minutes"},
    {"dict", G_DICT, "dict"},
    {"first_name", G_FIRST_NAME, "gender_column"},
    {"last_name", G_LAST_NAME, ""},
    {"full_name", G_FULL_NAME, "gender_column"},
    {"email", G_EMAIL, "first last domain_dict"},
    {"phone", G_PHONE, "pattern"},
    {"street_address", G_STREET, ""},
    {"city", G_CITY, ""},
    {"state", G_STATE, ""},
    {"zip", G_ZIP, ""},
    {"uuid", G_UUID, ""},
    {"const", G_CONST, "value"},
    {"list", G_LIST, "of min_len max_len distinct"},
};

const char *const sch_common_keys =
    "name type gen expr ref null_rate unique hidden min max values check default description columns dist s";

const char *sl_gkind_name(sl_gkind g)
{
    for (size_t i = 0; i < sizeof gens / sizeof gens[0]; i++)
        if (gens[i].g == g)
            return gens[i].name;
    return g == G_EXPR ? "expr" : g == G_REF ? "ref" : g == G_OBJECT ? "object" : "none";
}

static const char *const type_names[] = {"boolean", "int8", "int16", "int32", "int64", "double",
                                         "decimal", "string", "date", "time", "timestamp", "object"};

const char *sl_gtype_name(sl_gtype t)
{
    return type_names[t];
}

sl_status sch_parse_type(ctx *c, const sl_node *n, sl_gcol *col)
{
    const char *t = sl_node_str(n);
    if (!t)
        return FAIL(c, n, "'type' must be a string");
    char buf[64];
    size_t len = strlen(t);
    if (len >= sizeof buf)
        return FAIL(c, n, "unknown type '%s'", t);
    memcpy(buf, t, len + 1);
    char *p = buf;
    if (strncmp(p, "list<", 5) == 0 && p[len - 1] == '>') {
        col->list = true;
        p[len - 1] = 0;
        p += 5;
    }
    int prec, scale;
    char tail;
    if (sscanf(p, "decimal(%d,%d)%c", &prec, &scale, &tail) == 2 ||
        sscanf(p, "decimal(%d, %d)%c", &prec, &scale, &tail) == 2) {
        if (prec < 1 || prec > 18 || scale < 0 || scale > prec)
            return FAIL(c, n, "decimal(%d,%d): precision must be 1..18 and scale 0..precision",
                        prec, scale);
        col->type = SL_G_DECIMAL;
        col->precision = prec;
        col->scale = scale;
        return SL_OK;
    }
    static const struct { const char *n; sl_gtype t; } alias[] = {
        {"bool", SL_G_BOOL}, {"int", SL_G_INT32}, {"integer", SL_G_INT32}, {"bigint", SL_G_INT64},
        {"float64", SL_G_DOUBLE}, {"float", SL_G_DOUBLE}};
    for (int i = 0; i <= SL_G_OBJECT; i++)
        if (strcmp(p, type_names[i]) == 0 && !(col->list && i == SL_G_OBJECT)) {
            col->type = (sl_gtype)i;
            return SL_OK;
        }
    for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
        if (strcmp(p, alias[i].n) == 0) {
            col->type = alias[i].t;
            return SL_OK;
        }
    return FAIL(c, n, "unknown type '%s' (boolean, int8..int64, double, decimal(P,S), string, "
                      "date, time, timestamp, list<T>, object)", t);
}


/* A literal value of the column's type, for choice values and const. */
static sl_status literal(ctx *c, const sl_node *n, const sl_gcol *col, sl_val *out)
{
    double d;
    bool b;
    const char *s;
    if (sl_node_is_null(n)) {
        *out = sl_val_null();
        return SL_OK;
    }
    switch (col->type) {
    case SL_G_BOOL:
        if (!sl_node_bool(n, &b))
            break;
        *out = sl_val_bool(b);
        return SL_OK;
    case SL_G_INT8: case SL_G_INT16: case SL_G_INT32: case SL_G_INT64: {
        int64_t i;
        if (!sl_node_int(n, &i))
            break;
        *out = sl_val_int(i);
        return SL_OK;
    }
    case SL_G_DOUBLE: case SL_G_DECIMAL:
        if (!sl_node_double(n, &d))
            break;
        *out = sl_val_double(d);
        return SL_OK;
    case SL_G_STRING:
        if (n->kind != SL_NODE_SCALAR)
            break;
    {
        const char *copy = sl_arena_strndup(&c->s->arena, n->text, n->len);
        if (!copy)
            return sl_error_set(c->err, SL_ERR_NOMEM, "out of memory");
        *out = sl_is_plain(copy, n->len) ? sl_val_plain_str(copy, n->len) : sl_val_str(copy, n->len);
        return SL_OK;
    }
    case SL_G_DATE: {
        int32_t days;
        if (!(s = sl_node_str(n)) || !sl_parse_date(s, strlen(s), &days))
            break;
        out->kind = SL_VAL_DATE;
        out->u.i = days;
        return SL_OK;
    }
    case SL_G_TIME: case SL_G_TIMESTAMP: {
        int64_t us;
        bool zoned;
        if (!(s = sl_node_str(n)))
            break;
        if (col->type == SL_G_TIME ? !sl_parse_time(s, strlen(s), &us)
                                   : !sl_parse_timestamp(s, strlen(s), &us, &zoned))
            break;
        out->kind = col->type == SL_G_TIME ? SL_VAL_TIME : SL_VAL_TIMESTAMP;
        out->u.i = us;
        return SL_OK;
    }
    default:
        break;
    }
    return FAIL(c, n, "%s is not a %s value", sl_node_describe(n), type_names[col->type]);
}

/* min/max of a date, time or timestamp column: ISO text to days or microseconds. */
static sl_status time_bound(ctx *c, const sl_node *m, const char *key, sl_gcol *col,
                            double *out, bool *has)
{
    const sl_node *n = sl_node_get(m, key);
    *has = n != NULL;
    if (!n)
        return SL_OK;
    sl_val v;
    sl_status st = literal(c, n, col, &v);
    if (st != SL_OK)
        return st;
    *out = (double)v.u.i;
    return SL_OK;
}

static sl_status weights(ctx *c, const sl_node *n, size_t want, double **out, bool cumulative)
{
    if (n->kind != SL_NODE_SEQ || (want && n->n != want))
        return FAIL(c, n, "expected a list of %zu numbers", want);
    double *w = sl_arena_alloc(&c->s->arena, n->n * sizeof *w);
    if (!w)
        return sl_error_set(c->err, SL_ERR_NOMEM, "out of memory");
    double total = 0, top = 0;
    for (size_t i = 0; i < n->n; i++) {
        sl_status st = sch_num(c, n->items[i], &w[i]);
        if (st != SL_OK)
            return st;
        if (!(w[i] >= 0) || !isfinite(w[i]))
            return FAIL(c, n->items[i], "a weight must be a number >= 0");
        total += w[i];
        top = w[i] > top ? w[i] : top;
    }
    if (!(total > 0))
        return FAIL(c, n, "the weights add up to 0");
    for (size_t i = 0; i < n->n; i++) {
        if (cumulative)
            w[i] = (i ? w[i - 1] : 0) + w[i] / total;
        else
            w[i] /= top;
    }
    if (cumulative)
        w[n->n - 1] = 1.0;
    *out = w;
    return SL_OK;
}

static sl_status need_dict(ctx *c, const sl_node *at, const char *name, const sl_dict **out)
{
    if (!(*out = sl_dict_get(name)))
        return FAIL(c, at, "%s", sl_dict_error());
    return SL_OK;
}

static uint64_t pattern_space(const char *p)
{
    uint64_t space = 1;
    for (; *p; p++) {
        uint64_t k = *p == '#' ? 10 : *p == '?' ? 26 : *p == '*' ? 36 : 1;
        if (space > UINT64_MAX / k)
            return 0;
        space *= k;
    }
    return space;
}

/* Which generators make which types. */
static bool gen_fits(sl_gkind g, sl_gtype t)
{
    switch (g) {
    case G_SEQUENCE: case G_ZIPF: case G_POISSON:
        return sch_is_num(t) || t == SL_G_STRING;
    case G_UNIFORM: case G_NORMAL: case G_LOGNORMAL: case G_EXPONENTIAL:
        return sch_is_num(t);
    case G_BERNOULLI:
        return t == SL_G_BOOL;
    case G_DATE:
        return t == SL_G_DATE;
    case G_TIMESTAMP:
        return t == SL_G_TIMESTAMP;
    case G_TIME:
        return t == SL_G_TIME;
    case G_CHOICE: case G_CONST:
        return t != SL_G_OBJECT;
    case G_LIST:
        return true;
    default:
        return t == SL_G_STRING;
    }
}


static sl_status read_list(ctx *c, const sl_node *m, sl_gcol *col)
{
    const sl_node *of = sl_node_get(m, "of");
    if (!col->list)
        return FAIL(c, m, "gen 'list' needs a list<T> type");
    if (!of || of->kind != SL_NODE_MAP)
        return FAIL(c, m, "gen 'list' needs 'of': a generator for the elements");
    sl_gcol *e = sl_arena_alloc(&c->s->arena, sizeof *e);
    if (!e)
        return sl_error_set(c->err, SL_ERR_NOMEM, "out of memory");
    memset(e, 0, sizeof *e);
    e->type = col->type;
    e->precision = col->precision;
    e->scale = col->scale;
    e->line = of->line;
    e->column = of->column;
    e->name = col->name;
    e->path = col->path;
    e->group = col->group;
    e->salt = col->salt;
    e->arg[0] = e->arg[1] = -1;
    sl_status st = sch_gen_params(c, of, e);
    if (st != SL_OK)
        return st;
    if (e->gen == G_LIST)
        return FAIL(c, of, "lists of lists are not supported");
    double lo = 0, hi = 3;
    if ((st = sch_opt_num(c, m, "min_len", &lo, NULL)) != SL_OK ||
        (st = sch_opt_num(c, m, "max_len", &hi, NULL)) != SL_OK)
        return st;
    if (lo < 0 || hi < lo || hi > 1000)
        return FAIL(c, m, "need 0 <= min_len <= max_len <= 1000");
    col->min_len = (int)lo;
    col->max_len = (int)hi;
    const sl_node *d = sl_node_get(m, "distinct");
    if (d && !sl_node_bool(d, &col->distinct))
        return FAIL(c, d, "'distinct' must be true or false");
    if (col->distinct) {
        size_t pool = e->gen == G_CHOICE ? e->nvalues : e->gen == G_DICT ? e->dict->n : 0;
        if (!pool)
            return FAIL(c, d, "'distinct' lists need elements from 'choice' or 'dict'");
        if ((size_t)col->max_len > pool)
            return FAIL(c, m, "max_len %d is more than the %zu distinct elements", col->max_len, pool);
    }
    col->elem = e;
    return SL_OK;
}

/* The generator and its parameters: everything a column says about how its values are
 * made, apart from expressions and references, which are resolved once the whole
 * table is known. */
sl_status sch_gen_params(ctx *c, const sl_node *m, sl_gcol *col)
{
    const sl_node *gn = sl_node_get(m, "gen");
    const char *g = sl_node_str(gn);
    if (!g)
        return FAIL(c, gn ? gn : m, "'gen' must name a generator");
    const char *keys = NULL;
    for (size_t i = 0; i < sizeof gens / sizeof gens[0]; i++)
        if (strcmp(g, gens[i].name) == 0) {
            col->gen = gens[i].g;
            keys = gens[i].keys;
        }
    if (!keys)
        return FAIL(c, gn, "unknown generator '%s'", g);
    for (size_t i = 0; i < m->n; i++) {
        const char *k = m->keys[i]->text;
        if (!sch_word_in(k, sch_common_keys) && !sch_word_in(k, keys))
            return FAIL(c, m->keys[i], "generator '%s' takes no '%s'", g, k);
    }
    if (!gen_fits(col->gen, col->type))
        return FAIL(c, gn, "generator '%s' cannot make %s values", g, type_names[col->type]);
    sl_status st;
    bool timey = col->type == SL_G_DATE || col->type == SL_G_TIME || col->type == SL_G_TIMESTAMP;
    if (timey) {
        if ((st = time_bound(c, m, "min", col, &col->min, &col->has_min)) != SL_OK ||
            (st = time_bound(c, m, "max", col, &col->max, &col->has_max)) != SL_OK)
            return st;
    } else if (col->type != SL_G_STRING || col->gen == G_SEQUENCE) {
        if ((st = sch_opt_num(c, m, "min", &col->min, &col->has_min)) != SL_OK ||
            (st = sch_opt_num(c, m, "max", &col->max, &col->has_max)) != SL_OK)
            return st;
    }
    if (col->has_min && col->has_max && col->min > col->max)
        return FAIL(c, m, "min is greater than max");
    const sl_node *v = sl_node_get(m, "values");
    if (v) {
        if (v->kind != SL_NODE_SEQ || v->n == 0)
            return FAIL(c, v, "'values' must be a non-empty list");
        col->values = sl_arena_alloc(&c->s->arena, v->n * sizeof *col->values);
        if (!col->values)
            return sl_error_set(c->err, SL_ERR_NOMEM, "out of memory");
        col->nvalues = v->n;
        for (size_t i = 0; i < v->n; i++) {
            if ((st = literal(c, v->items[i], col, &col->values[i])) != SL_OK)
                return st;
            if (col->values[i].kind == SL_VAL_STRING)
                col->values[i].u.s.sym = (uint32_t)i;   /* its index, for the Parquet writer */
        }
    }
    switch (col->gen) {
    case G_SEQUENCE:
        col->a = 1;
        col->b = 1;
        if ((st = sch_opt_num(c, m, "start", &col->a, NULL)) != SL_OK ||
            (st = sch_opt_num(c, m, "step", &col->b, NULL)) != SL_OK)
            return st;
        break;
    case G_PATTERN: case G_PHONE: {
        const char *p = col->gen == G_PHONE ? "+1-###-###-####" : NULL;
        if (col->gen == G_PATTERN ? (st = sch_need_str(c, m, "pattern", &p)) != SL_OK
                                  : sl_node_get(m, "pattern") &&
                                        (st = sch_need_str(c, m, "pattern", &p)) != SL_OK)
            return st;
        col->pattern = sch_dup(c, p);
        col->space = pattern_space(p);
        if (col->space == 1)
            return FAIL(c, sl_node_get(m, "pattern"), "pattern '%s' has no '#', '?' or '*'", p);
        break;
    }
    case G_UNIFORM:
        if (!col->has_min || !col->has_max)
            return FAIL(c, m, "generator 'uniform' needs 'min' and 'max'");
        break;
    case G_NORMAL:
        if ((st = sch_need_num(c, m, "mean", &col->a)) != SL_OK ||
            (st = sch_need_num(c, m, "stddev", &col->b)) != SL_OK)
            return st;
        if (!(col->b >= 0))
            return FAIL(c, m, "stddev must be >= 0");
        break;
    case G_LOGNORMAL:
        if ((st = sch_need_num(c, m, "mu", &col->a)) != SL_OK ||
            (st = sch_need_num(c, m, "sigma", &col->b)) != SL_OK)
            return st;
        if (!(col->b >= 0))
            return FAIL(c, m, "sigma must be >= 0");
        break;
    case G_EXPONENTIAL: {
        bool has_rate, has_mean;
        double mean = 0;
        if ((st = sch_opt_num(c, m, "rate", &col->a, &has_rate)) != SL_OK ||
            (st = sch_opt_num(c, m, "mean", &mean, &has_mean)) != SL_OK)
            return st;
        if (has_rate == has_mean)
            return FAIL(c, m, "generator 'exponential' needs 'rate' or 'mean'");
        if (has_mean)
            col->a = mean > 0 ? 1 / mean : 0;
        if (!(col->a > 0))
            return FAIL(c, m, "the rate must be > 0");
        break;
    }
    case G_ZIPF: {
        double n;
        if ((st = sch_need_num(c, m, "n", &n)) != SL_OK || (st = sch_need_num(c, m, "s", &col->a)) != SL_OK)
            return st;
        if (!(n >= 1 && n <= 1e15) || !(col->a > 0 && col->a <= 20))
            return FAIL(c, m, "zipf needs n >= 1 and 0 < s <= 20");
        col->n = (int64_t)n;
        break;
    }
    case G_POISSON:
        if ((st = sch_need_num(c, m, "lambda", &col->a)) != SL_OK)
            return st;
        if (!(col->a > 0 && col->a < 1e9))
            return FAIL(c, m, "lambda must be > 0");
        break;
    case G_BERNOULLI:
        if ((st = sch_need_num(c, m, "p", &col->a)) != SL_OK)
            return st;
        if (!(col->a >= 0 && col->a <= 1))
            return FAIL(c, m, "p must be in [0, 1]");
        break;
    case G_CHOICE: {
        if (!col->values)
            return FAIL(c, m, "generator 'choice' needs 'values'");
        const sl_node *w = sl_node_get(m, "weights");
        double *raw;
        if (w) {
            if ((st = weights(c, w, col->nvalues, &raw, false)) != SL_OK)
                return st;
            if (!(col->alias = malloc(sizeof *col->alias)) || sl_alias_build(col->alias, raw, col->nvalues)) {
                free(col->alias);
                col->alias = NULL;
                return sl_error_set(c->err, SL_ERR_NOMEM, "out of memory");
            }
        }
        break;
    }
    case G_DATE: case G_TIMESTAMP: case G_TIME: {
        if (!col->has_min || !col->has_max)
            return FAIL(c, m, "generator '%s' needs 'min' and 'max'", g);
        const sl_node *w = sl_node_get(m, "weekday_weights");
        if (w && (st = weights(c, w, 7, &col->wday_w, false)) != SL_OK)
            return st;
        w = sl_node_get(m, "hour_weights");
        if (w && (st = weights(c, w, 24, &col->hour_cum, true)) != SL_OK)
            return st;
        col->step = 1;
        if ((st = sch_opt_num(c, m, "step_minutes", &col->step, NULL)) != SL_OK)
            return st;
        if (!(col->step >= 1))
            return FAIL(c, m, "step_minutes must be >= 1");
        break;
    }
    case G_DICT: {
        const char *d;
        if ((st = sch_need_str(c, m, "dict", &d)) != SL_OK ||
            (st = need_dict(c, sl_node_get(m, "dict"), d, &col->dict)) != SL_OK)
            return st;
        break;
    }
    case G_FIRST_NAME: case G_FULL_NAME:
        if ((st = need_dict(c, m, "given_names_female", &col->dict)) != SL_OK ||
            (st = need_dict(c, m, "given_names_male", &col->dict2)) != SL_OK)
            return st;
        break;
    case G_LAST_NAME:
        if ((st = need_dict(c, m, "family_names", &col->dict)) != SL_OK)
            return st;
        break;
    case G_EMAIL: {
        const char *d = "email_domains";
        if (sl_node_get(m, "domain_dict") && (st = sch_need_str(c, m, "domain_dict", &d)) != SL_OK)
            return st;
        if ((st = need_dict(c, m, d, &col->dict)) != SL_OK)
            return st;
        break;
    }
    case G_STREET:
        if ((st = need_dict(c, m, "streets", &col->dict)) != SL_OK ||
            (st = need_dict(c, m, "street_suffixes", &col->dict2)) != SL_OK)
            return st;
        break;
    case G_CITY: case G_STATE:
        if ((st = need_dict(c, m, "cities", &col->dict)) != SL_OK)
            return st;
        if (!col->dict->second)
            return FAIL(c, m, "dictionary 'cities' needs city, state and weight on each line");
        break;
    case G_CONST: {
        const sl_node *cv = sl_node_get(m, "value");
        if (!cv)
            return FAIL(c, m, "generator 'const' needs 'value'");
        col->values = sl_arena_alloc(&c->s->arena, sizeof *col->values);
        if (!col->values)
            return sl_error_set(c->err, SL_ERR_NOMEM, "out of memory");
        col->nvalues = 1;
        if ((st = literal(c, cv, col, col->values)) != SL_OK)
            return st;
        if (col->values[0].kind == SL_VAL_STRING)
            col->values[0].u.s.sym = 0;
        break;
    }
    case G_LIST:
        return read_list(c, m, col);
    default:
        break;
    }
    if (col->list && col->gen != G_LIST)
        return FAIL(c, gn, "a list<T> column needs gen 'list'");
    return SL_OK;
}
