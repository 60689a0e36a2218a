/* The table model to the schema tree: a type and a generator for every column,
 * chosen by the rules listed in include/sluice/ddl.h ("What is generated"): keys and
 * references first, then value lists, then type and name. Ranges are worked out in the
 * column's unit (integers, decimals times 10^scale, days, microseconds) so CHECK bounds,
 * type limits and defaults meet exactly; the defaults are written here in hundredths
 * ("centi") so that one table holds both 0.5 and 500000. */
#include "schema/ddl_internal.h"

#include <stdio.h>
#include <string.h>

#define DEFAULT_ROWS 1000

typedef struct colgen {
    ddl_ctx *c;
    const ddl_table *t;
    const ddl_col *col;
    ddl_node *o;       /* the object receiving "gen" and its parameters */
    int64_t *rows;     /* the table's rows, lowered when a unique column has fewer values */
} colgen;

const char *ddl_type_name(const ddl_type *t, char buf[32])
{
    static const char *const names[] = {"boolean", "int8", "int16", "int32", "int64", "double",
                                        "decimal", "string", "date", "time", "timestamp"};
    char base[24];
    if (t->kind == K_DECIMAL)
        snprintf(base, sizeof base, "decimal(%d,%d)", t->prec, t->scale);
    else
        snprintf(base, sizeof base, "%s", names[t->kind]);
    snprintf(buf, 32, t->list ? "list<%s>" : "%s", base);
    return buf;
}

/* ---- names ---- */

static char lower(char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

static bool ieq_n(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (lower(a[i]) != lower(b[i]))
            return false;
    return true;
}

/* name is one of the space-separated words, or ends in _word (billing_city). */
static bool name_ends(const char *name, const char *words)
{
    size_t nl = strlen(name);
    for (const char *w = words; *w;) {
        size_t wl = strcspn(w, " ");
        if ((nl == wl && ieq_n(name, w, wl)) ||
            (nl > wl && name[nl - wl - 1] == '_' && ieq_n(name + nl - wl, w, wl)))
            return true;
        w += wl + (w[wl] == ' ');
    }
    return false;
}

/* name is exactly one of the words. */
static bool name_is_any(const char *name, const char *words)
{
    size_t nl = strlen(name);
    for (const char *w = words; *w;) {
        size_t wl = strcspn(w, " ");
        if (nl == wl && ieq_n(name, w, wl))
            return true;
        w += wl + (w[wl] == ' ');
    }
    return false;
}

/* name holds part, ignoring case (dateOfBirth holds birth). */
static bool name_holds(const char *name, const char *part)
{
    size_t n = strlen(name), k = strlen(part);
    for (size_t i = 0; i + k <= n; i++)
        if (ieq_n(name + i, part, k))
            return true;
    return false;
}

/* One of name's _-separated parts is one of the words (total_amount, price_usd). */
static bool name_has_part(const char *name, const char *words)
{
    for (const char *p = name; *p;) {
        size_t pl = strcspn(p, "_");
        char part[64];
        if (pl > 0 && pl < sizeof part) {
            memcpy(part, p, pl);
            part[pl] = '\0';
            if (name_is_any(part, words))
                return true;
        }
        p += pl + (p[pl] == '_');
    }
    return false;
}

static const ddl_col *find_named(const ddl_table *t, const char *words)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (t->cols[i].type.kind == K_STRING && !t->cols[i].type.list &&
            name_is_any(t->cols[i].name, words))
            return &t->cols[i];
    return NULL;
}

/* ---- values in the column's unit ---- */

static ddl_node *unit_node(ddl_ctx *c, const ddl_type *ty, int64_t v)
{
    char buf[48];
    switch (ty->kind) {
    case K_DECIMAL:
        ddl_fmt_scaled(v, ty->scale, buf);
        return ddl_raw(c, buf);
    case K_DATE:
        ddl_fmt_date(v, buf);
        return ddl_str(c, buf);
    case K_TIMESTAMP:
        ddl_fmt_ts(v, buf);
        return ddl_str(c, buf);
    default:
        return ddl_int(c, v);
    }
}

/* centi hundredths in units of 10^-scale, rounded up (or down), saturating. */
static int64_t centi_units(int64_t centi, int scale, bool up)
{
    if (scale < 2) {
        int64_t d = scale == 1 ? 10 : 100;
        int64_t q = centi / d, r = centi % d;
        if (r && up && centi > 0)
            q++;
        if (r && !up && centi < 0)
            q--;
        return q;
    }
    for (int i = 2; i < scale; i++) {
        if (centi > INT64_MAX / 10)
            return INT64_MAX;
        if (centi < INT64_MIN / 10)
            return INT64_MIN;
        centi *= 10;
    }
    return centi;
}

static int64_t sat_add(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b)
        return INT64_MIN;
    return a + b;
}

static sl_status no_value(colgen *g)
{
    const ddl_col *col = g->col;
    char tb[32];
    if (!col->check)
        return ddl_fail(g->c, SL_ERR_SCHEMA, col->tok, "no value of column '%s' (%s) is left",
                        col->name, ddl_type_name(&col->type, tb));
    return ddl_fail(g->c, SL_ERR_SCHEMA, col->check_tok, "CHECK leaves no value for column "
                    "'%s' (%s): %.120s", col->name, ddl_type_name(&col->type, tb), col->check);
}

typedef struct range {
    int64_t lo, hi;
    bool both;     /* the CHECK gave both bounds */
    bool moved;    /* the default gave way to the CHECK: the default shape no longer fits */
} range;

/* The default [dlo, dhi] narrowed by the CHECK and the type (see the header). */
static sl_status int_range(colgen *g, int64_t dlo, int64_t dhi, range *r)
{
    const ddl_col *col = g->col;
    int64_t tlo, thi;
    ddl_type_range(&col->type, &tlo, &thi);
    r->both = col->has_lo && col->has_hi;
    r->moved = false;
    r->lo = col->has_lo ? col->lo : dlo;
    r->hi = col->has_hi ? col->hi : dhi;
    if (r->lo > r->hi && !r->both) {
        r->moved = true;
        if (col->has_lo)
            r->hi = sat_add(r->lo, dhi - dlo);
        else
            r->lo = sat_add(r->hi, dlo - dhi);
    }
    r->lo = r->lo > tlo ? r->lo : tlo;
    r->hi = r->hi < thi ? r->hi : thi;
    if (r->lo <= r->hi)
        return SL_OK;
    if (col->has_lo || col->has_hi)
        return no_value(g);
    /* a default outside the type (a salary in decimal(4,2)): the type's upper part */
    r->lo = tlo > 0 ? tlo : thi >= 0 ? 0 : tlo;
    r->hi = thi;
    r->moved = true;
    return SL_OK;
}

static void put_range(colgen *g, const range *r)
{
    ddl_put(g->c, g->o, "min", unit_node(g->c, &g->col->type, r->lo));
    ddl_put(g->c, g->o, "max", unit_node(g->c, &g->col->type, r->hi));
}

/* ---- generators ---- */

static void put_gen(colgen *g, const char *gen)
{
    ddl_put(g->c, g->o, "gen", ddl_str(g->c, gen));
}

static void lower_rows(colgen *g, uint64_t capacity)
{
    if (capacity < (uint64_t)*g->rows)
        *g->rows = (int64_t)capacity;
}

static sl_status gen_sequence(colgen *g)
{
    const ddl_col *col = g->col;
    char tb[32];
    int64_t tlo, thi;
    ddl_type_range(&col->type, &tlo, &thi);
    int64_t start = 1;
    if (col->has_start)
        start = col->seq_start;
    else if (g->t->has_auto_start)
        start = g->t->auto_start;
    if (col->has_lo && col->lo > start)
        start = col->lo;
    int64_t hi = col->has_hi && col->hi < thi ? col->hi : thi;
    if (col->seq_step < 1)
        return ddl_fail(g->c, SL_ERR_UNSUPPORTED, col->tok, "sequence '%s' does not count up",
                        col->name);
    if ((start > hi || start < tlo) && !col->has_lo && !col->has_hi)
        return ddl_fail(g->c, SL_ERR_SCHEMA, col->tok, "sequence '%s' starts at %lld, outside "
                        "its type %s", col->name, (long long)start,
                        ddl_type_name(&col->type, tb));
    if (start > hi || start < tlo)
        return no_value(g);
    lower_rows(g, ((uint64_t)hi - (uint64_t)start) / (uint64_t)col->seq_step + 1);
    put_gen(g, "sequence");
    if (start != 1)
        ddl_put(g->c, g->o, "start", unit_node(g->c, &col->type, start));
    if (col->seq_step != 1)
        ddl_put(g->c, g->o, "step", ddl_int(g->c, col->seq_step));
    return SL_OK;
}

static uint64_t pattern_space(const char *p)
{
    uint64_t n = 1;
    for (; *p; p++) {
        uint64_t k = *p == '#' ? 10 : *p == '?' ? 26 : *p == '*' ? 36 : 1;
        n = n > UINT64_MAX / k ? UINT64_MAX : n * k;
    }
    return n;
}

static void put_pattern(colgen *g, const char *pattern, bool unique)
{
    put_gen(g, "pattern");
    ddl_put(g->c, g->o, "pattern", ddl_str(g->c, pattern));
    if (unique) {
        lower_rows(g, pattern_space(pattern));
        ddl_put(g->c, g->o, "unique", ddl_raw(g->c, "true"));
    }
}

static bool fits(const ddl_col *col, uint32_t need)
{
    return col->type.len == 0 || col->type.len >= need;
}

static bool email_like(const ddl_col *col)
{
    return name_ends(col->name, "email") || name_is_any(col->name, "email_address");
}

static bool uuid_like(const ddl_col *col)
{
    return col->type.uuid || (name_ends(col->name, "uuid guid") && fits(col, 36));
}

/* email: "email" with first/last names from the table, else a pattern. */
static bool gen_email(colgen *g, bool unique)
{
    const ddl_col *first = find_named(g->t, "first_name firstname given_name");
    const ddl_col *last = find_named(g->t, "last_name lastname surname family_name");
    if (first && last) {
        put_gen(g, "email");
        ddl_put(g->c, g->o, "first", ddl_str(g->c, first->name));
        ddl_put(g->c, g->o, "last", ddl_str(g->c, last->name));
        if (unique)
            ddl_put(g->c, g->o, "unique", ddl_raw(g->c, "true"));
        return true;
    }
    /* u#######@example.com, with fewer digits in a shorter column */
    uint32_t len = g->col->type.len;
    if (len && len < 17)
        return false;
    char p[32];
    snprintf(p, sizeof p, "u%.*s@example.com", len && len < 20 ? (int)len - 13 : 7, "#######");
    put_pattern(g, p, unique);
    return true;
}

/* A unique string: a capital letter and digits, as many as the length allows. */
static void gen_unique_string(colgen *g)
{
    const ddl_col *col = g->col;
    char p[16];
    if (uuid_like(col)) {
        put_gen(g, "uuid");
        ddl_put(g->c, g->o, "unique", ddl_raw(g->c, "true"));
        return;
    }
    if (email_like(col) && gen_email(g, true))
        return;
    if (name_ends(col->name, "phone phone_number telephone mobile") && fits(col, 15)) {
        put_pattern(g, "+1-###-###-####", true);
        return;
    }
    char letter = lower(col->name[0]);
    letter = letter >= 'a' && letter <= 'z' ? (char)(letter - 'a' + 'A') : 'K';
    uint32_t len = col->type.len;
    if (len == 0 || len >= 9)
        snprintf(p, sizeof p, "%c########", letter);
    else if (len >= 5)
        snprintf(p, sizeof p, "%c%.*s", letter, (int)len - 1, "########");
    else
        snprintf(p, sizeof p, "%.*s", (int)len, "****");
    put_pattern(g, p, true);
}

static ddl_node *value_node(colgen *g, const ddl_lit *v, int64_t unit, double d)
{
    switch (g->col->type.kind) {
    case K_BOOL: return ddl_raw(g->c, unit ? "true" : "false");
    case K_STRING: return ddl_strn(g->c, v->text, v->len);
    case K_DOUBLE: return ddl_dbl(g->c, d);
    default: return unit_node(g->c, &g->col->type, unit);
    }
}

/* "choice" of the ENUM or IN values, less those outside a CHECK range. */
static sl_status gen_choice(colgen *g)
{
    const ddl_col *col = g->col;
    ddl_node *vals = ddl_arr(g->c, true);
    size_t kept = 0;
    for (size_t i = 0; i < col->nvalues; i++) {
        int64_t u;
        double d;
        sl_status st = ddl_value_unit(g->c, col, &col->values[i], col->tok, &u, &d);
        if (st)
            return st;
        bool in = col->type.kind == K_DOUBLE
                      ? !(col->has_lo && d < col->dlo) && !(col->has_hi && d > col->dhi)
                      : !(col->has_lo && u < col->lo) && !(col->has_hi && u > col->hi);
        if (in) {
            ddl_push(g->c, vals, value_node(g, &col->values[i], u, d));
            kept++;
        }
    }
    if (!kept)
        return no_value(g);
    put_gen(g, "choice");
    ddl_put(g->c, g->o, "values", vals);
    return SL_OK;
}

/* Integers and decimals (not keys): by name, within the CHECK. */
static sl_status gen_number(colgen *g, bool use_name)
{
    const ddl_col *col = g->col;
    int s = col->type.kind == K_DECIMAL ? col->type.scale : 0;
    bool money = use_name && col->type.kind == K_DECIMAL &&
                 name_has_part(col->name, "amount price salary cost total fee balance");
    bool salary = money && name_has_part(col->name, "salary");
    int64_t dlo = 0, dhi = 100000;   /* 0..1000 */
    if (money) {
        dlo = salary ? 2000000 : 50;          /* 20000 and 0.5 */
        dhi = salary ? 50000000 : 1000000;    /* 500000 and 10000 */
    } else if (use_name && name_ends(col->name, "age")) {
        dlo = 500;
        dhi = 9000;
    } else if (use_name && (ieq_n(col->name, "is_", 3) || ieq_n(col->name, "has_", 4))) {
        dhi = 100;   /* MySQL's tinyint(1) flags: 0 or 1 */
    } else if (use_name && name_ends(col->name, "status") && !col->has_lo && !col->has_hi &&
               col->type.kind != K_DECIMAL) {
        ddl_node *vals = ddl_arr(g->c, true);
        for (int i = 0; i < 3; i++)
            ddl_push(g->c, vals, ddl_int(g->c, i));
        put_gen(g, "choice");
        ddl_put(g->c, g->o, "values", vals);
        return SL_OK;
    }
    range r;
    sl_status st = int_range(g, centi_units(dlo, s, true), centi_units(dhi, s, false), &r);
    if (st)
        return st;
    if (money && !r.both && !r.moved) {
        put_gen(g, "lognormal");
        ddl_put(g->c, g->o, "mu", ddl_raw(g->c, salary ? "11.0" : "3.6"));
        ddl_put(g->c, g->o, "sigma", ddl_raw(g->c, salary ? "0.4" : "0.9"));
    } else {
        put_gen(g, "uniform");
    }
    put_range(g, &r);
    return SL_OK;
}

static sl_status gen_double(colgen *g)
{
    const ddl_col *col = g->col;
    double lo = col->has_lo ? col->dlo : 0, hi = col->has_hi ? col->dhi : 1000;
    if (col->type.is_unsigned && lo < 0)
        lo = 0;
    if (lo > hi && !(col->has_lo && col->has_hi)) {
        if (col->has_lo)
            hi = lo + 1000;
        else
            lo = hi - 1000;
    }
    if (lo > hi)
        return no_value(g);
    put_gen(g, "uniform");
    ddl_put(g->c, g->o, "min", ddl_dbl(g->c, lo));
    ddl_put(g->c, g->o, "max", ddl_dbl(g->c, hi));
    return SL_OK;
}

/* Dates, timestamps and times: a recent range (birth dates further back). */
static sl_status gen_temporal(colgen *g, bool use_name)
{
    const ddl_col *col = g->col;
    range r;
    sl_status st;
    if (col->type.kind == K_TIME) {
        put_gen(g, "time");
        ddl_put(g->c, g->o, "min", ddl_str(g->c, "00:00:00"));
        ddl_put(g->c, g->o, "max", ddl_str(g->c, "23:59:59"));
        return SL_OK;
    }
    int64_t lo, hi;
    bool birth = use_name && (name_holds(col->name, "birth") || name_is_any(col->name, "dob"));
    ddl_parse_date(birth ? "1940-01-01" : "2020-01-01", 10, &lo);
    ddl_parse_date(birth ? "2007-12-31" : "2025-12-31", 10, &hi);
    if (col->type.kind == K_TIMESTAMP) {
        ddl_parse_ts("2024-01-01T00:00:00Z", 20, &lo);
        ddl_parse_ts("2025-12-31T23:59:59Z", 20, &hi);
    }
    if ((st = int_range(g, lo, hi, &r)) != SL_OK)
        return st;
    put_gen(g, col->type.kind == K_DATE ? "date" : "timestamp");
    put_range(g, &r);
    return SL_OK;
}

typedef struct string_rule {
    const char *words;   /* matched by name_ends */
    const char *gen;
    const char *dict;    /* for "dict" */
    uint32_t min_len;    /* the VARCHAR(n) the generator's values need */
} string_rule;

static const string_rule string_rules[] = {
    {"first_name firstname given_name", "first_name", NULL, 12},
    {"last_name lastname surname family_name", "last_name", NULL, 12},
    {"full_name fullname", "full_name", NULL, 24},
    {"phone phone_number telephone mobile", "phone", NULL, 15},
    {"city city_name", "city", NULL, 16},
    {"state", "state", NULL, 16},
    {"zip zip_code zipcode postal_code postcode", "zip", NULL, 5},
    {"address street street_address address1 address_line1", "street_address", NULL, 24},
    {"country country_name", "dict", "countries", 16},
    {"department department_name dept", "dict", "departments", 16},
    {"subject subject_name", "dict", "subjects", 16},
};

/* "name" takes the dictionary of the table it names (departments.name), else a person's. */
static const string_rule *name_rule(const ddl_table *t)
{
    static const string_rule by_table[] = {
        {"department departments", "dict", "departments", 16},
        {"subject subjects", "dict", "subjects", 16},
        {"country countries", "dict", "countries", 16},
        {"city cities", "city", NULL, 16},
        {"", "full_name", NULL, 24},
    };
    size_t i = 0;
    while (by_table[i].words[0] && !name_is_any(t->name, by_table[i].words))
        i++;
    return &by_table[i];
}

static void gen_string(colgen *g, bool use_name)
{
    const ddl_col *col = g->col;
    const string_rule *rule = NULL;
    if (use_name && uuid_like(col)) {
        put_gen(g, "uuid");
        return;
    }
    if (use_name && email_like(col) && gen_email(g, false))
        return;
    if (use_name && name_ends(col->name, "status") && fits(col, 8)) {
        static const char *const st[] = {"active", "inactive", "pending"};
        ddl_node *vals = ddl_arr(g->c, true);
        for (int i = 0; i < 3; i++)
            ddl_push(g->c, vals, ddl_str(g->c, st[i]));
        put_gen(g, "choice");
        ddl_put(g->c, g->o, "values", vals);
        return;
    }
    if (use_name && name_is_any(col->name, "name"))
        rule = name_rule(g->t);
    for (size_t i = 0; use_name && !rule && i < sizeof string_rules / sizeof string_rules[0]; i++)
        if (name_ends(col->name, string_rules[i].words) &&
            !name_is_any(col->name, "ip_address mac_address email_address"))
            rule = &string_rules[i];
    if (rule && fits(col, rule->min_len)) {
        put_gen(g, rule->gen);
        if (rule->dict)
            ddl_put(g->c, g->o, "dict", ddl_str(g->c, rule->dict));
        return;
    }
    if (rule && !strcmp(rule->gen, "phone")) {   /* too short for +1-###-###-####: digits */
        put_pattern(g, &"##########"[10 - (col->type.len < 10 ? col->type.len : 10)], false);
        return;
    }
    uint32_t len = col->type.len && col->type.len < 10 ? col->type.len : 10;
    put_pattern(g, &"??????????"[10 - len], false);
}

/* The generator for a value of col's type that is not a key (also a list's elements). */
static sl_status gen_value(colgen *g, bool use_name)
{
    const ddl_col *col = g->col;
    if (col->has_values)
        return gen_choice(g);
    switch (col->type.kind) {
    case K_BOOL:
        put_gen(g, "bernoulli");
        ddl_put(g->c, g->o, "p", ddl_raw(g->c, "0.5"));
        return SL_OK;
    case K_DOUBLE:
        return gen_double(g);
    case K_STRING:
        gen_string(g, use_name);
        return SL_OK;
    case K_DATE: case K_TIME: case K_TIMESTAMP:
        return gen_temporal(g, use_name);
    default:
        return gen_number(g, use_name);
    }
}

static sl_status gen_list(colgen *g)
{
    ddl_node *elem = ddl_obj(g->c, true), *list = g->o;
    g->o = elem;
    sl_status st = gen_value(g, false);
    g->o = list;
    if (st)
        return st;
    put_gen(g, "list");
    ddl_put(g->c, g->o, "of", elem);
    ddl_put(g->c, g->o, "min_len", ddl_int(g->c, 0));
    ddl_put(g->c, g->o, "max_len", ddl_int(g->c, 5));
    return SL_OK;
}

static bool integer_like(const ddl_type *t)
{
    return (t->kind >= K_INT8 && t->kind <= K_INT64) || (t->kind == K_DECIMAL && t->scale == 0);
}

static sl_status gen_column(colgen *g)
{
    const ddl_col *col = g->col;
    const ddl_table *t = g->t;
    char tb[32];
    bool unique = col->unique || (t->npk == 1 && col->pk);
    if (col->ref_table) {
        const ddl_table *p = &g->c->tables[col->ref_t];
        if (unique)
            return ddl_fail(g->c, SL_ERR_UNSUPPORTED, col->tok, "column '%s' of '%s' is both "
                            "unique and a foreign key (one-to-one): references are drawn at "
                            "random, so they cannot be unique", col->name, t->name);
        char ref[300];
        snprintf(ref, sizeof ref, "%s.%s", p->name, p->cols[p->pk[0]].name);
        ddl_put(g->c, g->o, "ref", ddl_str(g->c, ref));
        return SL_OK;
    }
    if (col->serial && !integer_like(&col->type))
        return ddl_fail(g->c, SL_ERR_SCHEMA, col->tok, "column '%s' is a sequence "
                        "(AUTO_INCREMENT, IDENTITY, nextval) but %s, not an integer", col->name,
                        ddl_type_name(&col->type, tb));
    if (unique && (col->type.list || col->has_values))
        return ddl_fail(g->c, SL_ERR_UNSUPPORTED, col->tok, "unique column '%s' is %s: its "
                        "values cannot be made unique", col->name,
                        col->type.list ? "a list" : "a choice of values");
    if (col->type.list)
        return gen_list(g);
    if (col->serial || (unique && integer_like(&col->type)))
        return gen_sequence(g);
    if (unique && col->type.kind == K_STRING) {
        gen_unique_string(g);
        return SL_OK;
    }
    if (unique)
        return ddl_fail(g->c, SL_ERR_UNSUPPORTED, col->tok, "unique column '%s' is %s: only "
                        "integers and strings can be generated unique", col->name,
                        ddl_type_name(&col->type, tb));
    return gen_value(g, true);
}

/* A number as SQL writes one (mysqldump quotes numeric defaults: DEFAULT '0'). */
static bool numeric_text(const char *s, size_t n)
{
    size_t i = s[0] == '-' || s[0] == '+', digits = 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
        digits++;
    if (i < n && s[i] == '.')
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            digits++;
    if (digits && i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t e = 0;
        i += i + 1 < n && (s[i + 1] == '-' || s[i + 1] == '+') ? 2 : 1;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            e++;
        digits = e ? digits : 0;
    }
    return digits && i == n;
}

static ddl_node *default_node(ddl_ctx *c, const ddl_col *col)
{
    ddl_lit l = *col->deflt;
    ddl_kind k = col->type.kind;
    bool numeric = (k >= K_INT8 && k <= K_DECIMAL) && !col->type.list;
    if (numeric && l.kind == L_STR && l.len > 0 && numeric_text(l.text, l.len)) {
        l.kind = L_NUM;
        l.neg = l.text[0] == '-';
        if (l.text[0] == '-' || l.text[0] == '+') {
            l.text++;
            l.len--;
        }
    }
    switch (l.kind) {
    case L_NUM: {
        ddl_num n;
        sl_buf b;
        sl_buf_init(&b, 256);
        ddl_num_parse(&l, &n);
        ddl_node *v = NULL;
        if (ddl_num_json(&n, &b) == SL_OK && sl_buf_putc(&b, '\0') == SL_OK)
            v = ddl_raw(c, (const char *)b.data);
        else
            c->nomem = true;
        sl_buf_free(&b);
        return v;
    }
    case L_TRUE: return ddl_raw(c, "true");
    case L_FALSE: return ddl_raw(c, "false");
    default: return ddl_strn(c, l.text, l.len);
    }
}

static sl_status column_node(ddl_ctx *c, const ddl_table *t, size_t ci, int64_t *rows,
                             ddl_node **out)
{
    const ddl_col *col = &t->cols[ci];
    char tb[32];
    colgen g = {.c = c, .t = t, .col = col, .o = ddl_obj(c, true), .rows = rows};
    ddl_put(c, g.o, "name", ddl_str(c, col->name));
    ddl_put(c, g.o, "type", ddl_str(c, ddl_type_name(&col->type, tb)));
    sl_status st = gen_column(&g);
    if (st)
        return st;
    if (col->check)
        ddl_put(c, g.o, "check", ddl_str(c, col->check));
    if (col->deflt)
        ddl_put(c, g.o, "default", default_node(c, col));
    if (col->desc)
        ddl_put(c, g.o, "description", ddl_str(c, col->desc));
    *out = g.o;
    return SL_OK;
}

static sl_status table_node(ddl_ctx *c, const ddl_table *t, ddl_node **out)
{
    ddl_node *o = ddl_obj(c, false), *cols = ddl_arr(c, false);
    int64_t rows = DEFAULT_ROWS;
    for (size_t i = 0; i < t->ncols; i++) {
        ddl_node *col;
        sl_status st = column_node(c, t, i, &rows, &col);
        if (st)
            return st;
        ddl_push(c, cols, col);
    }
    ddl_put(c, o, "name", ddl_str(c, t->name));
    if (t->desc)
        ddl_put(c, o, "description", ddl_str(c, t->desc));
    ddl_put(c, o, "rows", ddl_int(c, rows));
    if (t->npk == 1) {
        ddl_put(c, o, "primary_key", ddl_str(c, t->cols[t->pk[0]].name));
    } else if (t->npk > 1) {
        ddl_node *pk = ddl_arr(c, true);
        for (size_t i = 0; i < t->npk; i++)
            ddl_push(c, pk, ddl_str(c, t->cols[t->pk[i]].name));
        ddl_put(c, o, "primary_key", pk);
    }
    ddl_put(c, o, "columns", cols);
    *out = o;
    return SL_OK;
}

sl_status ddl_build(ddl_ctx *c, const char *schema_name, const size_t *order, ddl_node **out)
{
    ddl_node *root = ddl_obj(c, false), *tables = ddl_arr(c, false);
    for (size_t i = 0; i < c->ntables; i++) {
        ddl_node *t;
        sl_status st = table_node(c, &c->tables[order[i]], &t);
        if (st)
            return st;
        ddl_push(c, tables, t);
    }
    ddl_put(c, root, "name", ddl_str(c, schema_name));
    ddl_put(c, root, "tables", tables);
    *out = root;
    return c->nomem ? ddl_nomem(c) : SL_OK;
}
