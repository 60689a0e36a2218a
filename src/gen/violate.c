/* sluice generate --violations: plans and applies an exact number of data quality
 * violations of each kind (sl_gen_violation) on top of a clean run.
 *
 * Two sorts of change. In-place changes replace one cell of a generated row
 * (null_required, orphan_refs, age_year_mismatch, out_of_range); their rows come
 * from one keyed permutation of each table's rows, so no row is changed twice and
 * no row that is copied is one that was changed. Added rows go after a table's last
 * row (duplicate_rows, conflicting_duplicates, and the enrollments that make
 * over_capacity and over_enrollment_limit). The association's counts (enrollments
 * per class and per student, as raw rows) are computed first, and every added row
 * keeps every other class within its capacity and every other student within the
 * limit, so one unit trips one check once (violate_assoc.c).
 *
 * The age/year rule is the school schema's check on `age`: a student in year Y is
 * Y + 5 or Y + 6 years old (`age - year in (5, 6)`). A mismatch moves `year` to
 * another value of its declared range where age - year is neither 5 nor 6, so the
 * year stays in range and age and date_of_birth stay as generated. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "gen/rng.h"
#include "gen/violate_int.h"

static const char *const kind_names[SL_GEN_NVIOLATIONS] = {
    "duplicate_rows", "conflicting_duplicates", "null_required", "orphan_refs",
    "over_capacity", "over_enrollment_limit", "age_year_mismatch", "out_of_range"};

const char *sl_gen_violation_name(sl_gen_violation k)
{
    return (unsigned)k < SL_GEN_NVIOLATIONS ? kind_names[k] : NULL;
}

sl_status sl_gen_violations_parse(const char *spec, uint64_t *counts, sl_error *err)
{
    bool seen[SL_GEN_NVIOLATIONS] = {0};
    memset(counts, 0, SL_GEN_NVIOLATIONS * sizeof *counts);
    for (const char *p = spec;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (!eq)
            return sl_error_set(err, SL_ERR_USAGE, "'%.*s' is not KIND=COUNT", (int)len, p);
        size_t kl = (size_t)(eq - p), k = 0;
        while (k < SL_GEN_NVIOLATIONS && !(strlen(kind_names[k]) == kl && memcmp(kind_names[k], p, kl) == 0))
            k++;
        if (k == SL_GEN_NVIOLATIONS)
            return sl_error_set(err, SL_ERR_USAGE, "unknown kind '%.*s' (kinds: duplicate_rows, "
                                "conflicting_duplicates, null_required, orphan_refs, over_capacity, "
                                "over_enrollment_limit, age_year_mismatch, out_of_range)", (int)kl, p);
        if (seen[k])
            return sl_error_set(err, SL_ERR_USAGE, "kind '%s' given twice", kind_names[k]);
        seen[k] = true;
        const char *d = eq + 1, *end = p + len;
        uint64_t n = 0;
        if (d == end)
            return sl_error_set(err, SL_ERR_USAGE, "'%.*s': the count is missing", (int)len, p);
        for (; d < end; d++) {
            if (*d < '0' || *d > '9' || n > 100000000)
                return sl_error_set(err, SL_ERR_USAGE, "'%.*s': the count is not a number up to 10^9",
                                    (int)len, p);
            n = n * 10 + (uint64_t)(*d - '0');
        }
        counts[k] = n;
        if (!comma)
            return SL_OK;
        p = comma + 1;
    }
}



/* Rows of table t (an association's come from its seats, also in job-result mode). */
static uint64_t rows_of(const planner *pl, int t)
{
    return t == pl->a.t ? pl->a.rows : pl->s->tables[t].assoc ? 0 : pl->p->rows[t];
}

bool vp_take_row(planner *pl, int t, uint64_t *row)
{
    vtable *vt = &pl->v->t[t];
    uint64_t n = rows_of(pl, t);
    if (vt->cursor >= n)
        return false;
    *row = sl_gen_permute(vt->key, n, vt->cursor++);
    return true;
}

static sl_status add_mod(planner *pl, int t, uint64_t row, int col, sl_val val)
{
    vtable *vt = &pl->v->t[t];
    if (vt->nmods == vt->mcap) {
        mod *m = sl_grow_array(vt->mods, &vt->mcap, sizeof *m, 16);
        if (!m)
            return SL_ERR_NOMEM;
        vt->mods = m;
    }
    vt->mods[vt->nmods++] = (mod){row, (uint32_t)col, val};
    return SL_OK;
}

/* Room for one more added row of table t; returns it. */
sl_val *vp_add_extra(planner *pl, int t)
{
    vtable *vt = &pl->v->t[t];
    size_t nc = pl->s->tables[t].ncols;
    if (vt->nextra == vt->xcap) {
        sl_val *x = sl_grow_array(vt->extra, &vt->xcap, nc * sizeof *x, 8);
        if (!x)
            return NULL;
        vt->extra = x;
    }
    return vt->extra + vt->nextra++ * nc;
}

/* The block of row `row` of a table that is not an association. */
static uint64_t block_of(const sl_gplan *p, int t, uint64_t row)
{
    if (!p->batch)
        return 0;
    uint64_t lo = 0, hi = p->nblocks;   /* the last b with block_start(b) <= row */
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (sl_gplan_block_start(p, t, mid) <= row)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}


/* Row `row` of table t as the clean run writes it, into vals (from the plan's arena). */
sl_status vp_row_values(planner *pl, int t, uint64_t row, sl_val **vals)
{
    const sl_gtable *tb = &pl->s->tables[t];
    *vals = sl_arena_alloc(&pl->v->arena, tb->ncols * sizeof **vals);
    if (!*vals)
        return SL_ERR_NOMEM;
    unsigned broken;
    if (!tb->assoc)
        return sl_gen_row(pl->p, t, row, block_of(pl->p, t, row), NULL, *vals, &pl->v->arena, &broken);
    assoc *a = &pl->a;
    uint64_t b = a->r[vp_right_of_row(a, row)].block;
    if (a->seats.block != b) {
        if (b > 0) {   /* sl_gseats_load continues from block b - 1 without re-summing */
            a->seats.block = b - 1;
            a->seats.first_row = a->bfirst[b - 1];
            a->seats.rows = a->bfirst[b] - a->bfirst[b - 1];
        }
        sl_status st = sl_gseats_load(pl->p, t, b, &a->seats);
        if (st != SL_OK)
            return st;
    }
    return sl_gen_row(pl->p, t, row, b, &a->seats, *vals, &pl->v->arena, &broken);
}

/* ---- which columns a change may touch ---- */

static bool mentions(const char *src, const char *name)
{
    size_t n = strlen(name);
    if (!src || !n)
        return false;
    for (const char *q = strstr(src, name); q; q = strstr(q + 1, name)) {
        char before = q == src ? ' ' : q[-1], after = q[n];
        bool id_b = before == '_' || before == '.' || (before >= '0' && before <= '9') ||
                    ((before | 32) >= 'a' && (before | 32) <= 'z');
        bool id_a = after == '_' || (after >= '0' && after <= '9') || ((after | 32) >= 'a' && (after | 32) <= 'z');
        if (!id_b && !id_a)
            return true;
    }
    return false;
}

static bool is_pk(const sl_gtable *tb, int c)
{
    for (size_t k = 0; k < tb->npk; k++)
        if (tb->pk[k] == c)
            return true;
    return false;
}

/* A column other values depend on: named in an expression or check of its table,
 * an argument of another column's generator (email names, a gender column), or an
 * association's capacity. Changing one would change what it means for the others. */
static bool feeds_others(const sl_gen_schema *s, int t, int c)
{
    const sl_gtable *tb = &s->tables[t];
    const sl_gcol *col = &tb->cols[c];
    for (size_t i = 0; i < tb->ncols; i++) {
        const sl_gcol *o = &tb->cols[i];
        if (o->arg[0] == c || o->arg[1] == c)
            return true;
        if (mentions(o->expr_src, col->path) || mentions(o->check_src, col->path) ||
            mentions(o->expr_src, col->name) || mentions(o->check_src, col->name))
            return true;
    }
    for (size_t u = 0; u < s->ntables; u++)
        if (s->tables[u].assoc && s->tables[u].right == t && s->tables[u].cap_col == c)
            return true;
    return false;
}

/* A plain written column of a table that is not an association, neither key nor
 * foreign key, not unique, feeding nothing: what null_required and out_of_range
 * change. */
static bool changeable(const sl_gen_schema *s, int t, int c)
{
    const sl_gtable *tb = &s->tables[t];
    const sl_gcol *col = &tb->cols[c];
    return !tb->assoc && !col->hidden && col->gen != G_OBJECT && col->gen != G_REF && !col->unique &&
           !is_pk(tb, c) && !feeds_others(s, t, c);
}

static const double pow10_tab[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
                                   1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};

/* A value of column c just outside its declared range or values; false if none fits
 * its type. */
static bool outside_value(const sl_gcol *c, sl_val *out)
{
    if (c->gen == G_CHOICE && !c->list && c->nvalues && c->values[0].kind == SL_VAL_STRING) {
        static const char *const words[] = {"invalid", "invalid_value", "not_a_value"};
        for (size_t w = 0; w < 3; w++) {
            size_t n = strlen(words[w]), k = 0;
            while (k < c->nvalues && !(c->values[k].u.s.len == n && memcmp(c->values[k].u.s.ptr, words[w], n) == 0))
                k++;
            if (k == c->nvalues) {
                *out = sl_val_plain_str(words[w], n);
                return true;
            }
        }
        return false;
    }
    if (c->list || c->gen == G_EXPR || !(c->has_min || c->has_max))
        return false;
    bool is_int = c->type >= SL_G_INT8 && c->type <= SL_G_INT64;
    if (!is_int && c->type != SL_G_DOUBLE && c->type != SL_G_DECIMAL)
        return false;
    double step = is_int ? 1 : c->type == SL_G_DECIMAL ? 1 / pow10_tab[c->scale] : 0;
    double span = c->has_min && c->has_max ? c->max - c->min : fabs(c->has_max ? c->max : c->min);
    double d = span / 10;
    if (step > 0)
        d = d < step ? step : ceil(d / step - 1e-9) * step;
    if (!(d > 0))
        d = 1;
    static const double lo[] = {-128, -32768, -2147483648.0, -9223372036854775808.0};
    static const double hi[] = {127, 32767, 2147483647.0, 9223372036854774784.0};
    for (int side = 0; side < 2; side++) {
        if (side == 0 ? !c->has_max : !c->has_min)
            continue;
        double x = side == 0 ? c->max + d : c->min - d;
        if (is_int) {
            x = side == 0 ? floor(c->max) + ceil(d) : ceil(c->min) - ceil(d);
            if (x < lo[c->type - SL_G_INT8] || x > hi[c->type - SL_G_INT8])
                continue;
            *out = sl_val_int((int64_t)x);
            return true;
        }
        if (c->type == SL_G_DOUBLE) {
            if (!isfinite(x))
                continue;
            *out = sl_val_double(x);
            return true;
        }
        double u = nearbyint(x * pow10_tab[c->scale]);
        if (fabs(u) > pow10_tab[c->precision] - 1)
            continue;
        sl_val v = {.kind = SL_VAL_DECIMAL};
        v.u.dec.unscaled = (int64_t)u;
        v.u.dec.scale = c->scale;
        *out = v;
        return true;
    }
    return false;
}

sl_status vp_short_of(planner *pl, sl_gen_violation k, uint64_t want, uint64_t done, const char *why)
{
    return sl_error_set(pl->err, SL_ERR_USAGE, "--violations %s=%llu: only %llu fit: %s", kind_names[k],
                        (unsigned long long)want, (unsigned long long)done, why);
}

/* ---- in-place kinds ---- */

typedef struct cand {
    int t, c;
} cand;

/* Spreads `want` changes over the candidate columns in turn, each in a fresh row of
 * its table; make() fills the new value for (table, column, row). */
typedef sl_status (*make_fn)(planner *pl, int t, int c, uint64_t row, uint64_t k, sl_val *out, bool *ok);

static sl_status spread(planner *pl, sl_gen_violation kind, uint64_t want, const cand *cs, size_t nc,
                        make_fn make, const char *none)
{
    if (want == 0)
        return SL_OK;
    if (nc == 0)
        return sl_error_set(pl->err, SL_ERR_USAGE, "--violations %s: schema '%s' has %s", kind_names[kind],
                            pl->s->name, none);
    uint64_t done = 0;
    size_t next = 0, idle = 0;
    while (done < want && idle < nc) {
        const cand *cd = &cs[next];
        next = (next + 1) % nc;
        uint64_t row;
        bool ok = false;
        if (vp_take_row(pl, cd->t, &row)) {
            sl_val v;
            sl_status st = make(pl, cd->t, cd->c, row, done, &v, &ok);
            if (st != SL_OK)
                return sl_error_set(pl->err, st, "--violations %s: cannot plan", kind_names[kind]);
            if (ok && (st = add_mod(pl, cd->t, row, cd->c, v)) != SL_OK)
                return sl_error_set(pl->err, st, "out of memory");
        }
        if (ok) {
            done++;
            idle = 0;
        } else {
            idle++;
        }
    }
    return done == want ? SL_OK : vp_short_of(pl, kind, want, done, "every row that can hold one has one");
}

static sl_status make_null(planner *pl, int t, int c, uint64_t row, uint64_t k, sl_val *out, bool *ok)
{
    *out = sl_val_null();
    *ok = true;
    return SL_OK;
}

static sl_status make_outside(planner *pl, int t, int c, uint64_t row, uint64_t k, sl_val *out, bool *ok)
{
    *ok = outside_value(&pl->s->tables[t].cols[c], out);
    return SL_OK;
}

/* The parent key value of row rows(parent) + j: a key of the parent's own kind that
 * no parent row has (keys are keyed bijections of the row number). */
static sl_status make_orphan(planner *pl, int t, int c, uint64_t row, uint64_t k, sl_val *out, bool *ok)
{
    const sl_gcol *col = &pl->s->tables[t].cols[c];
    const sl_gcol *key = &pl->s->tables[col->ref_table].cols[col->ref_col];
    uint64_t r = pl->p->rows[col->ref_table] + pl->orphan_next[col->ref_table];
    *ok = false;
    if (key->gen == G_PATTERN && key->space && r >= key->space)
        return SL_OK;   /* the pattern has no unused value left */
    if (key->gen != G_PATTERN && key->gen != G_SEQUENCE && key->gen != G_UUID)
        return SL_OK;   /* not a bijection of the row number: an unused value is not known */
    pl->orphan_next[col->ref_table]++;
    *ok = true;
    return sl_gen_value(pl->p, col->ref_table, col->ref_col, r, NULL, &pl->v->arena, out);
}

/* A year in the column's range (or within 3 of the generated one) with age - year
 * outside {5, 6}. */
static sl_status make_mismatch(planner *pl, int t, int c, uint64_t row, uint64_t k, sl_val *out, bool *ok)
{
    const sl_gtable *tb = &pl->s->tables[t];
    int age = sl_gtable_find(tb, "age", 3);
    sl_val *vals;
    sl_status st = vp_row_values(pl, t, row, &vals);
    *ok = false;
    if (st != SL_OK || vals[age].kind != SL_VAL_INT || vals[c].kind != SL_VAL_INT)
        return st;
    const sl_gcol *yc = &tb->cols[c];
    int64_t y = vals[c].u.i, a = vals[age].u.i;
    int64_t lo = yc->has_min ? (int64_t)ceil(yc->min) : y - 3, hi = yc->has_max ? (int64_t)floor(yc->max) : y + 3;
    int64_t good[16];
    int n = 0;
    for (int64_t x = lo; x <= hi && n < 16; x++)
        if (x != y && a - x != 5 && a - x != 6)
            good[n++] = x;
    if (n == 0)
        return SL_OK;
    *out = sl_val_int(good[sl_rng_below(sl_rng_hash(pl->key ^ 0xa9e, row), (uint64_t)n)]);
    *ok = true;
    return SL_OK;
}

static sl_status plan_in_place(planner *pl, const uint64_t *counts)
{
    const sl_gen_schema *s = pl->s;
    size_t total = 0;
    for (size_t t = 0; t < s->ntables; t++)
        total += s->tables[t].ncols;
    cand *cs = calloc(total ? total : 1, sizeof *cs);
    if (!cs)
        return sl_error_set(pl->err, SL_ERR_NOMEM, "out of memory");
    sl_status st = SL_OK;
    for (int kind = 0; st == SL_OK && kind < SL_GEN_NVIOLATIONS; kind++) {
        size_t n = 0;
        make_fn make = NULL;
        const char *none = "";
        for (size_t t = 0; t < s->ntables; t++) {
            const sl_gtable *tb = &s->tables[t];
            for (size_t c = 0; c < tb->ncols; c++) {
                const sl_gcol *col = &tb->cols[c];
                bool fit = false;
                sl_val v;
                switch (kind) {
                case SL_GEN_NULL_REQUIRED:
                    fit = changeable(s, (int)t, (int)c) && col->null_rate == 0;
                    break;
                case SL_GEN_OUT_OF_RANGE:
                    fit = changeable(s, (int)t, (int)c) && outside_value(col, &v);
                    break;
                case SL_GEN_ORPHAN_REFS:
                    fit = !tb->assoc && col->gen == G_REF;
                    break;
                case SL_GEN_AGE_YEAR_MISMATCH:
                    fit = !tb->assoc && strcmp(col->path, "year") == 0 && sl_gtable_find(tb, "age", 3) >= 0 &&
                          col->type >= SL_G_INT8 && col->type <= SL_G_INT64;
                    break;
                default:
                    break;
                }
                if (fit)
                    cs[n++] = (cand){(int)t, (int)c};
            }
        }
        switch (kind) {
        case SL_GEN_NULL_REQUIRED:
            make = make_null, none = "no required column outside keys and derived values";
            break;
        case SL_GEN_OUT_OF_RANGE:
            make = make_outside, none = "no column with a declared range or list of values";
            break;
        case SL_GEN_ORPHAN_REFS:
            make = make_orphan, none = "no foreign key outside associations";
            break;
        case SL_GEN_AGE_YEAR_MISMATCH:
            make = make_mismatch, none = "no table with integer 'age' and 'year' columns";
            break;
        default:
            continue;
        }
        st = spread(pl, (sl_gen_violation)kind, counts[kind], cs, n, make, none);
    }
    free(cs);
    return st;
}


/* ---- duplicates ---- */

/* The table duplicates go to: an association (nothing refers to its rows), else the
 * largest table with a primary key that no table refers to; -1 when none. */
static int duplicate_table(const sl_gen_schema *s, const sl_gplan *p)
{
    int best = -1;
    for (size_t t = 0; t < s->ntables; t++) {
        const sl_gtable *tb = &s->tables[t];
        if (!tb->npk)
            continue;
        if (tb->assoc)
            return (int)t;
        bool referred = false;
        for (size_t u = 0; u < s->ntables; u++)
            for (size_t c = 0; c < s->tables[u].ncols; c++)
                referred |= s->tables[u].cols[c].gen == G_REF && s->tables[u].cols[c].ref_table == (int)t;
        if (!referred && (best < 0 || p->rows[t] > p->rows[best]))
            best = (int)t;
    }
    return best;
}

/* Picks the next unchanged row of table t that can be copied without pushing its
 * class or student over a limit. */
static bool next_copyable(planner *pl, int t, uint64_t *row)
{
    assoc *a = &pl->a;
    while (vp_take_row(pl, t, row)) {
        if (t != a->t)
            return true;
        uint64_t lo = vp_right_of_row(a, *row);
        uint64_t l = vp_member(pl->p, a, lo, *row - a->r[lo].first_row);
        if (vp_right_has_room(a, lo) && vp_left_has_room(a, l)) {
            a->r[lo].extra++;
            a->lcount[l]++;
            return true;
        }
    }
    return false;
}

static sl_status plan_duplicates(planner *pl, int t, uint64_t exact, uint64_t conflicting)
{
    const sl_gtable *tb = &pl->s->tables[t];
    size_t nc = tb->ncols;
    uint64_t done = 0;
    sl_status st = SL_OK;
    for (; st == SL_OK && done < exact; done++) {
        uint64_t row;
        sl_val *vals, *x;
        if (!next_copyable(pl, t, &row))
            break;
        if ((st = vp_row_values(pl, t, row, &vals)) != SL_OK)
            break;
        if (!(x = vp_add_extra(pl, t)))
            st = SL_ERR_NOMEM;
        else
            memcpy(x, vals, nc * sizeof *x);
    }
    if (st != SL_OK)
        return sl_error_set(pl->err, st, "--violations duplicate_rows: cannot plan");
    if (done < exact)
        return vp_short_of(pl, SL_GEN_DUPLICATE_ROWS, exact, done, "no more rows can be copied within the limits");
    uint64_t n = rows_of(pl, t);
    for (done = 0; st == SL_OK && done < conflicting; done++) {
        uint64_t row;
        sl_val *vals, *other = NULL, *x;
        if (!next_copyable(pl, t, &row))
            break;
        if ((st = vp_row_values(pl, t, row, &vals)) != SL_OK)
            break;
        /* the content of a nearby row that differs outside the key and unique columns */
        bool differs = false;
        for (uint64_t d = 1; !differs && d <= 8 && d < n; d++) {
            if ((st = vp_row_values(pl, t, (row + d) % n, &other)) != SL_OK)
                break;
            for (size_t c = 0; c < nc && !differs; c++)
                differs = !is_pk(tb, (int)c) && !tb->cols[c].unique && !sl_val_equal(&vals[c], &other[c]);
        }
        if (st != SL_OK || !differs)
            break;
        if (!(x = vp_add_extra(pl, t))) {
            st = SL_ERR_NOMEM;
            break;
        }
        for (size_t c = 0; c < nc; c++)
            x[c] = is_pk(tb, (int)c) || tb->cols[c].unique ? vals[c] : other[c];
    }
    if (st != SL_OK)
        return sl_error_set(pl->err, st, "--violations conflicting_duplicates: cannot plan");
    if (done < conflicting)
        return vp_short_of(pl, SL_GEN_CONFLICTING_DUPLICATES, conflicting, done,
                        "no more rows can be repeated within the limits");
    return SL_OK;
}

static int cmp_mod(const void *x, const void *y)
{
    const mod *a = x, *b = y;
    return a->row < b->row ? -1 : a->row > b->row;
}

sl_status sl_gviol_plan(const sl_gplan *p, const uint64_t *counts, sl_gviol **out, sl_error *err)
{
    *out = NULL;
    uint64_t any = 0;
    for (int k = 0; k < SL_GEN_NVIOLATIONS; k++)
        any |= counts[k];
    if (!any)
        return SL_OK;
    const sl_gen_schema *s = p->s;
    planner pl = {.p = p, .s = s, .key = sl_rng_hash(p->seed, 0x7669016c), .err = err};
    pl.a.t = -1;
    sl_gviol *v = calloc(1, sizeof *v);
    if (v)
        v->t = calloc(s->ntables, sizeof *v->t);
    pl.orphan_next = calloc(s->ntables, sizeof *pl.orphan_next);
    pl.v = v;
    sl_status st = v && v->t && pl.orphan_next ? SL_OK : sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    if (v) {
        sl_arena_init(&v->arena, 1 << 14);
        v->ntables = s->ntables;
    }
    for (size_t t = 0; st == SL_OK && t < s->ntables; t++)
        v->t[t].key = sl_rng_hash(pl.key, s->tables[t].salt);
    if (st == SL_OK)
        st = plan_in_place(&pl, counts);
    /* the association with a capacity takes the enrollment kinds and the duplicates */
    int cap_assoc = -1;
    for (size_t t = 0; cap_assoc < 0 && t < s->ntables; t++)
        if (s->tables[t].assoc && s->tables[t].cap_col >= 0)
            cap_assoc = (int)t;
    int dt = cap_assoc >= 0 ? cap_assoc : duplicate_table(s, p);
    bool over = counts[SL_GEN_OVER_CAPACITY] || counts[SL_GEN_OVER_ENROLLMENT_LIMIT];
    bool dups = counts[SL_GEN_DUPLICATE_ROWS] || counts[SL_GEN_CONFLICTING_DUPLICATES];
    if (st == SL_OK && over && cap_assoc < 0) {
        int k = counts[SL_GEN_OVER_CAPACITY] ? SL_GEN_OVER_CAPACITY : SL_GEN_OVER_ENROLLMENT_LIMIT;
        st = sl_error_set(err, SL_ERR_USAGE, "--violations %s: schema '%s' has no association with a "
                          "capacity", kind_names[k], s->name);
    }
    if (st == SL_OK && (over || (dups && dt >= 0 && s->tables[dt].assoc))) {
        pl.a.t = over ? cap_assoc : dt;
        if ((st = vp_assoc_load(&pl)) != SL_OK) {
            st = sl_error_set(err, st, "--violations: cannot lay out association '%s'", s->tables[pl.a.t].name);
        }
    }
    if (st == SL_OK && counts[SL_GEN_OVER_CAPACITY])
        st = vp_over_capacity(&pl, counts[SL_GEN_OVER_CAPACITY]);
    if (st == SL_OK && counts[SL_GEN_OVER_ENROLLMENT_LIMIT])
        st = vp_over_limit(&pl, counts[SL_GEN_OVER_ENROLLMENT_LIMIT]);
    if (st == SL_OK && (counts[SL_GEN_DUPLICATE_ROWS] || counts[SL_GEN_CONFLICTING_DUPLICATES])) {
        if (dt < 0)
            st = sl_error_set(err, SL_ERR_USAGE, "--violations %s: schema '%s' has no table with a primary key "
                              "that no other table refers to", counts[SL_GEN_DUPLICATE_ROWS] ?
                              "duplicate_rows" : "conflicting_duplicates", s->name);
        else
            st = plan_duplicates(&pl, dt, counts[SL_GEN_DUPLICATE_ROWS], counts[SL_GEN_CONFLICTING_DUPLICATES]);
    }
    for (size_t t = 0; st == SL_OK && t < s->ntables; t++)
        if (v->t[t].nmods > 1)
            qsort(v->t[t].mods, v->t[t].nmods, sizeof *v->t[t].mods, cmp_mod);
    free(pl.orphan_next);
    free(pl.a.lcount);
    free(pl.a.ltarget);
    free(pl.a.r);
    free(pl.a.bfirst);
    free(pl.a.pairs);
    sl_gseats_free(&pl.a.seats);
    if (st != SL_OK) {
        sl_gviol_free(v);
        return st;
    }
    *out = v;
    return SL_OK;
}

void sl_gviol_free(sl_gviol *v)
{
    if (!v)
        return;
    for (size_t t = 0; v->t && t < v->ntables; t++) {
        free(v->t[t].mods);
        free(v->t[t].extra);
    }
    free(v->t);
    sl_arena_free(&v->arena);
    free(v);
}

void sl_gviol_apply(const sl_gviol *v, int t, uint64_t row, sl_val *vals)
{
    if (!v)
        return;
    const vtable *vt = &v->t[t];
    size_t lo = 0, hi = vt->nmods;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (vt->mods[mid].row < row)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < vt->nmods && vt->mods[lo].row == row)
        vals[vt->mods[lo].col] = vt->mods[lo].val;
}

const sl_val *sl_gviol_extra(const sl_gviol *v, int t, size_t *n)
{
    *n = v ? v->t[t].nextra : 0;
    return v ? v->t[t].extra : NULL;
}

int sl_gviol_uses(const sl_gviol *v, int t)
{
    return v && (v->t[t].nmods || v->t[t].nextra);
}
