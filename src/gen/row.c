/* Values: every generator of docs/schema-format.md as a pure function of the
 * column's key and the row number. Nothing here keeps state between rows. */
#include <math.h>
#include <string.h>

#include "base/digits.h"
#include "gen/rng.h"
#include "gen/run.h"
#include "schema/infer.h"

#define DAY_US 86400000000LL

uint64_t sl_gen_permute(uint64_t key, uint64_t n, uint64_t x)
{
    if (n <= 1)
        return 0;
    int bits = 64 - __builtin_clzll(n - 1);
    int half = (bits + 1) / 2;
    uint64_t mask = (1ull << half) - 1;
    do {
        uint64_t l = x >> half, r = x & mask;
        for (uint64_t round = 0; round < 4; round++) {
            uint64_t f = sl_rng_mix(key + round * 0x9e3779b97f4a7c15ull + r) & mask;
            uint64_t t = r;
            r = l ^ f;
            l = t;
        }
        x = (l << half) | r;
    } while (x >= n);   /* cycle walking: the domain is under 4n, so few steps */
    return x;
}

static double normal01(uint64_t bits)
{
    double u1 = sl_rng_unit_open(bits), u2 = sl_rng_unit(sl_rng_mix(bits));
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* Zipf by rejection-inversion (Hörmann and Derflinger, 1996). */
static double zh1(double x) { return fabs(x) > 1e-8 ? log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x)); }
static double zh2(double x) { return fabs(x) > 1e-8 ? expm1(x) / x : 1 + x * 0.5 * (1 + x / 3 * (1 + 0.25 * x)); }
static double zH(double x, double s) { double lx = log(x); return zh2((1 - s) * lx) * lx; }
static double zh(double x, double s) { return exp(-s * log(x)); }
static double zHinv(double x, double s)
{
    double t = x * (1 - s);
    if (t < -1)
        t = -1;
    return exp(zh1(t) * x);
}

void sl_gen_zipf_init(sl_gcolrt *rt, int64_t n, double s);
void sl_gen_zipf_init(sl_gcolrt *rt, int64_t n, double s)
{
    rt->zipf_hx1 = zH(1.5, s) - 1;
    rt->zipf_hn = zH((double)n + 0.5, s);
    rt->zipf_s = 2 - zHinv(zH(2.5, s) - zh(2, s), s);
    rt->zipf_n = (uint64_t)n;
}

static int64_t zipf(const sl_gcolrt *rt, int64_t n, double s, uint64_t bits)
{
    for (uint64_t i = 0;; i++) {
        uint64_t h = sl_rng_hash(bits, i);
        double u = rt->zipf_hn + sl_rng_unit(h) * (rt->zipf_hx1 - rt->zipf_hn);
        double x = zHinv(u, s);
        int64_t k = (int64_t)(x + 0.5);
        if (k < 1)
            k = 1;
        else if (k > n)
            k = n;
        if ((double)k - x <= rt->zipf_s || u >= zH((double)k + 0.5, s) - zh((double)k, s) || i > 1000)
            return k;
    }
}

/* Poisson: multiplication for small means, PTRS (Hörmann 1993) for large ones. */
static int64_t poisson(double lam, uint64_t bits)
{
    if (lam < 10) {
        double limit = exp(-lam), prod = 1;
        int64_t k = 0;
        for (;; k++) {
            prod *= sl_rng_unit(sl_rng_hash(bits, (uint64_t)k));
            if (prod <= limit || k > 1000)
                return k;
        }
    }
    double slam = sqrt(lam), loglam = log(lam);
    double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
    double invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
    for (uint64_t i = 0;; i += 2) {
        double U = sl_rng_unit(sl_rng_hash(bits, i)) - 0.5;
        double V = sl_rng_unit(sl_rng_hash(bits, i + 1));
        double us = 0.5 - fabs(U);
        int64_t k = (int64_t)floor((2 * a / us + b) * U + lam + 0.43);
        if (us >= 0.07 && V <= vr)
            return k;
        if (k < 0 || (us < 0.013 && V > us))
            continue;
        if (log(V) + log(invalpha) - log(a / (us * us) + b) <= -lam + (double)k * loglam - lgamma((double)k + 1) ||
            i > 2000)
            return k;
    }
}

/* A dictionary entry (or a bool) written into its slot field by field, like
 * set_num below, rather than built and copied. */
static inline void set_dict(sl_val *out, const sl_dict *d, const char *p, size_t n, size_t sym)
{
    out->kind = SL_VAL_STRING;
    out->plain = d->plain ? 1 : 0;
    out->u.s.ptr = p;
    out->u.s.len = (uint32_t)n;
    out->u.s.sym = (uint32_t)sym;
}

static inline void set_bool(sl_val *out, bool b)
{
    out->kind = SL_VAL_BOOL;
    out->plain = 0;
    out->u.s.ptr = NULL;
    out->u.s.len = 0;
    out->u.b = b;
}

static sl_status str_copy(sl_arena *a, const char *p, size_t n, sl_val *out)
{
    char *s = sl_arena_alloc(a, n ? n : 1);
    if (!s)
        return SL_ERR_NOMEM;
    memcpy(s, p, n);
    *out = sl_val_str(s, n);
    return SL_OK;
}

/* The pattern's value number x (mixed radix, last symbol fastest). */
static sl_status pattern_fill(const char *pat, uint64_t x, bool random, uint64_t bits,
                              sl_arena *a, sl_val *out)
{
    size_t n = strlen(pat);
    char *s = sl_arena_alloc(a, n ? n : 1);
    if (!s)
        return SL_ERR_NOMEM;
    static const char alnum[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    for (size_t i = n; i-- > 0;) {
        char c = pat[i];
        uint64_t k = c == '#' ? 10 : c == '?' ? 26 : c == '*' ? 36 : 0;
        if (!k) {
            s[i] = c;
            continue;
        }
        uint64_t d;
        if (random) {
            bits = sl_rng_mix(bits + i);
            d = sl_rng_below(bits, k);
        } else {
            d = x % k;
            x /= k;
        }
        s[i] = c == '?' ? (char)('A' + d) : alnum[d];
    }
    *out = sl_is_plain(s, n) ? sl_val_plain_str(s, n) : sl_val_str(s, n);
    return SL_OK;
}

/* A number value written field by field into its slot: a value built whole and
 * copied was loaded back before its narrow stores had landed (a store-forwarding
 * stall that was most of this function's time). */
static inline void set_num(sl_val *out, sl_val_kind kind, int64_t i, int32_t scale)
{
    out->kind = kind;
    out->plain = 0;
    out->u.dec.unscaled = i;   /* u.i for ints */
    out->u.s.len = 0;          /* the rest of the union, as a zeroed value has it */
    if (kind == SL_VAL_DECIMAL)
        out->u.dec.scale = scale;
}

/* Numbers arrive as doubles (or exact integers) and leave in the column's type. */
static void to_type(const sl_gcol *c, double x, bool exact_int, int64_t ix, sl_val *out)
{
    if (c->has_min && x < c->min)
        x = c->min, exact_int = false;
    if (c->has_max && x > c->max)
        x = c->max, exact_int = false;
    switch (c->type) {
    case SL_G_DOUBLE:
        out->kind = SL_VAL_DOUBLE;
        out->plain = 0;
        out->u.s.len = 0;
        out->u.d = exact_int ? (double)ix : x;
        return;
    case SL_G_DECIMAL: {
        static const double p10[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
                                     1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};
        double lim = p10[c->precision] - 1;
        double u = exact_int ? (double)ix * p10[c->scale] : nearbyint(x * p10[c->scale]);
        u = u > lim ? lim : u < -lim ? -lim : u;
        set_num(out, SL_VAL_DECIMAL, (int64_t)u, c->scale);
        return;
    }
    default: {
        static const double lo[] = {0, -128, -32768, -2147483648.0, -9223372036854775808.0};
        static const double hi[] = {0, 127, 32767, 2147483647.0, 9223372036854774784.0};
        int k = c->type - SL_G_INT8 + 1;
        if (exact_int && c->type == SL_G_INT64 && !c->has_min && !c->has_max) {
            set_num(out, SL_VAL_INT, ix, 0);
            return;
        }
        double r = exact_int ? (double)ix : nearbyint(x);
        r = r < lo[k] ? lo[k] : r > hi[k] ? hi[k] : r;
        set_num(out, SL_VAL_INT, (int64_t)r, 0);
        return;
    }
    }
}

static sl_status int_value(const sl_gcol *c, int64_t v, sl_arena *a, sl_val *out)
{
    if (c->type != SL_G_STRING) {
        to_type(c, (double)v, true, v, out);
        return SL_OK;
    }
    char tmp[24];
    size_t n = 0;
    if (v < 0)
        tmp[n++] = '-';
    n += sl_put_u64(tmp + n, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
    return str_copy(a, tmp, n, out);
}

static int64_t weekday_of(int64_t days) /* 0 = Monday; 1970-01-01 was a Thursday */
{
    int64_t w = (days + 3) % 7;
    return w < 0 ? w + 7 : w;
}

static int64_t pick_day(const sl_gcol *c, int64_t d0, int64_t d1, uint64_t bits)
{
    for (uint64_t i = 0;; i++) {
        uint64_t h = sl_rng_hash(bits, i);
        int64_t d = d0 + (int64_t)sl_rng_below(h, (uint64_t)(d1 - d0 + 1));
        if (!c->wday_w || i >= 64 || sl_rng_unit(sl_rng_mix(h)) < c->wday_w[weekday_of(d)])
            return d;
    }
}

static int64_t timestamp_value(const sl_gcol *c, uint64_t bits)
{
    int64_t lo = (int64_t)c->min, hi = (int64_t)c->max;
    if (!c->hour_cum && !c->wday_w)
        return lo + (int64_t)sl_rng_below(bits, (uint64_t)(hi - lo) + 1);
    int64_t d0 = lo >= 0 ? lo / DAY_US : -((-lo + DAY_US - 1) / DAY_US);
    int64_t d1 = hi >= 0 ? hi / DAY_US : -((-hi + DAY_US - 1) / DAY_US);
    for (uint64_t i = 0;; i++) {
        uint64_t h = sl_rng_hash(bits, 1000 + i);
        int64_t d = pick_day(c, d0, d1, h);
        int64_t hour = c->hour_cum ? (int64_t)sl_cum_pick(c->hour_cum, 24, sl_rng_unit(sl_rng_hash(h, 1)))
                                   : (int64_t)sl_rng_below(sl_rng_hash(h, 1), 24);
        int64_t us = (int64_t)sl_rng_below(sl_rng_hash(h, 2), 3600000000ull);
        int64_t t = d * DAY_US + hour * 3600000000LL + us;
        if ((t >= lo && t <= hi) || i >= 64)
            return t < lo ? lo : t > hi ? hi : t;
    }
}

static void lower_alnum(const sl_val *v, char *out, size_t cap, size_t *n)
{
    *n = 0;
    if (v->kind != SL_VAL_STRING)
        return;
    for (size_t i = 0; i < v->u.s.len && *n + 1 < cap; i++) {
        char ch = v->u.s.ptr[i];
        if (ch >= 'A' && ch <= 'Z')
            out[(*n)++] = (char)(ch - 'A' + 'a');
        else if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
            out[(*n)++] = ch;
    }
}

static const sl_dict *given_for(const sl_gcol *c, const sl_val *vals, uint64_t bits)
{
    if (c->arg[0] >= 0 && vals && vals[c->arg[0]].kind == SL_VAL_STRING && vals[c->arg[0]].u.s.len) {
        char g = vals[c->arg[0]].u.s.ptr[0];
        if (g == 'F' || g == 'f')
            return c->dict;
        if (g == 'M' || g == 'm')
            return c->dict2;
    }
    return (bits >> 63) ? c->dict : c->dict2;
}

static sl_status email_value(const sl_gplan *p, const sl_gcol *c, const sl_gcolrt *rt,
                             uint64_t row, uint64_t bits, const sl_val *vals, sl_arena *a,
                             sl_val *out)
{
    char buf[256];
    size_t n = 0, k;
    sl_val f, l;
    if (c->arg[0] >= 0 && vals) {
        f = vals[c->arg[0]];
        l = vals[c->arg[1]];
    } else {
        const sl_dict *fd = sl_dict_get((bits >> 62) & 1 ? "given_names_female" : "given_names_male");
        const sl_dict *ld = sl_dict_get("family_names");
        if (!fd || !ld)
            return SL_ERR_SCHEMA;
        size_t i = sl_dict_pick(fd, sl_rng_hash(bits, 1)), j = sl_dict_pick(ld, sl_rng_hash(bits, 2));
        f = sl_val_str(fd->entry[i], fd->len[i]);
        l = sl_val_str(ld->entry[j], ld->len[j]);
    }
    lower_alnum(&f, buf, 80, &k);
    n = k;
    buf[n++] = '.';
    lower_alnum(&l, buf + n, 80, &k);
    n += k;
    if (c->unique) {
        buf[n++] = '.';
        uint64_t x = sl_gen_permute(rt->key ^ 0xe11a, rt->uniq_space, row % rt->uniq_space);
        n += sl_put_u64(buf + n, x);
    } else if ((bits >> 20) & 1) {
        n += sl_put_u64(buf + n, sl_rng_below(sl_rng_hash(bits, 3), 100));
    }
    buf[n++] = '@';
    size_t d = sl_dict_pick(c->dict, sl_rng_hash(bits, 4));
    size_t dl = c->dict->len[d] < 100 ? c->dict->len[d] : 100;
    memcpy(buf + n, c->dict->entry[d], dl);
    n += dl;
    (void)p;
    return str_copy(a, buf, n, out);
}

/* The generators that assemble text in a buffer, out of gen_one so that its frame
 * (entered for every value) stays small. */
static __attribute__((noinline)) sl_status full_name_value(const sl_gcol *c, uint64_t bits,
                                                          const sl_val *vals, sl_arena *a,
                                                          sl_val *out)
{
    const sl_dict *d = given_for(c, vals, bits), *f = sl_dict_get("family_names");
    if (!f)
        return SL_ERR_SCHEMA;
    size_t i = sl_dict_pick(d, sl_rng_mix(bits)), j = sl_dict_pick(f, sl_rng_hash(bits, 7));
    char buf[256];
    size_t n1 = d->len[i] < 120 ? d->len[i] : 120, n2 = f->len[j] < 120 ? f->len[j] : 120;
    memcpy(buf, d->entry[i], n1);
    buf[n1] = ' ';
    memcpy(buf + n1 + 1, f->entry[j], n2);
    return str_copy(a, buf, n1 + 1 + n2, out);
}

static __attribute__((noinline)) sl_status street_value(const sl_gcol *c, uint64_t bits, sl_arena *a, sl_val *out)
{
    char buf[256];
    size_t n = sl_put_u64(buf, 1 + sl_rng_below(bits, 9999));
    size_t i = sl_dict_pick(c->dict, sl_rng_hash(bits, 1));
    size_t j = sl_dict_pick(c->dict2, sl_rng_hash(bits, 2));
    size_t n1 = c->dict->len[i] < 100 ? c->dict->len[i] : 100;
    size_t n2 = c->dict2->len[j] < 100 ? c->dict2->len[j] : 100;
    buf[n++] = ' ';
    memcpy(buf + n, c->dict->entry[i], n1);
    n += n1;
    buf[n++] = ' ';
    memcpy(buf + n, c->dict2->entry[j], n2);
    return str_copy(a, buf, n + n2, out);
}

static sl_status list_value(const sl_gplan *p, int t, const sl_gcol *c, uint64_t row,
                            uint64_t bits, const sl_val *vals, sl_arena *a, sl_val *out);

/* The cases of gen_one that sl_gen_block also runs in loops of their own. */
static inline void choice_value(const sl_gcol *c, uint64_t bits, sl_val *out)
{
    *out = c->values[c->gen == G_CONST ? 0 : c->alias ? sl_alias_pick(c->alias, bits) : sl_rng_below(bits, c->nvalues)];
    if (out->kind == SL_VAL_DOUBLE && c->type != SL_G_DOUBLE)
        to_type(c, out->u.d, false, 0, out);
}

static inline void dict_value(const sl_gcol *c, uint64_t bits, sl_val *out)
{
    size_t i = sl_dict_pick(c->dict, bits);
    set_dict(out, c->dict, c->dict->entry[i], c->dict->len[i], i);
}

/* A city and its state share the row's draw (the object's group key). */
static inline void place_value(const sl_gcol *c, const sl_gcolrt *rt, uint64_t row, sl_val *out)
{
    size_t i = sl_dict_pick(c->dict, sl_rng_hash(rt->group_key, row));
    if (c->gen == G_CITY)
        set_dict(out, c->dict, c->dict->entry[i], c->dict->len[i], i);
    else
        set_dict(out, c->dict, c->dict->second[i], c->dict->second_len[i], i);
}

/* One value of a generated column. bits are the row's draw for this column. */
static sl_status gen_one(const sl_gplan *p, int t, const sl_gcol *c, const sl_gcolrt *rt,
                         uint64_t row, uint64_t bits, const sl_val *vals, sl_arena *a,
                         sl_val *out)
{
    switch (c->gen) {
    case G_SEQUENCE:
        return int_value(c, (int64_t)(c->a + (double)row * c->b), a, out);
    case G_PATTERN:
        if (c->unique)
            return pattern_fill(c->pattern, sl_gen_permute(rt->key, c->space, c->space ? row % c->space : row),
                                false, 0, a, out);
        return pattern_fill(c->pattern, 0, true, bits, a, out);
    case G_PHONE:
        return pattern_fill(c->pattern, 0, true, bits, a, out);
    case G_UNIFORM:
        if (c->type == SL_G_DOUBLE || c->type == SL_G_DECIMAL) {
            to_type(c, c->min + sl_rng_unit(bits) * (c->max - c->min), false, 0, out);
        } else {
            int64_t lo = (int64_t)ceil(c->min), hi = (int64_t)floor(c->max);
            int64_t v = lo + (int64_t)sl_rng_below(bits, (uint64_t)(hi - lo) + 1);
            return int_value(c, v, a, out);
        }
        return SL_OK;
    case G_NORMAL:
        to_type(c, c->a + c->b * normal01(bits), false, 0, out);
        return SL_OK;
    case G_LOGNORMAL:
        to_type(c, exp(c->a + c->b * normal01(bits)), false, 0, out);
        return SL_OK;
    case G_EXPONENTIAL:
        to_type(c, -log(sl_rng_unit_open(bits)) / c->a, false, 0, out);
        return SL_OK;
    case G_ZIPF:
        return int_value(c, zipf(rt, c->n, c->a, bits), a, out);
    case G_POISSON:
        return int_value(c, poisson(c->a, bits), a, out);
    case G_BERNOULLI:
        set_bool(out, sl_rng_unit(bits) < c->a);
        return SL_OK;
    case G_CHOICE: case G_CONST:
        choice_value(c, bits, out);
        return SL_OK;
    case G_DATE:
        out->kind = SL_VAL_DATE;
        out->u.i = pick_day(c, (int64_t)c->min, (int64_t)c->max, bits);
        return SL_OK;
    case G_TIMESTAMP:
        out->kind = SL_VAL_TIMESTAMP;
        out->u.i = timestamp_value(c, bits);
        return SL_OK;
    case G_TIME: {
        int64_t step = (int64_t)c->step * 60000000LL;
        uint64_t k = sl_rng_below(bits, (uint64_t)(((int64_t)c->max - (int64_t)c->min) / step) + 1);
        out->kind = SL_VAL_TIME;
        out->u.i = (int64_t)c->min + (int64_t)k * step;
        return SL_OK;
    }
    case G_DICT:
        dict_value(c, bits, out);
        return SL_OK;
    case G_FIRST_NAME: case G_LAST_NAME: {
        const sl_dict *d = c->gen == G_LAST_NAME ? c->dict : given_for(c, vals, bits);
        size_t i = sl_dict_pick(d, sl_rng_mix(bits));
        set_dict(out, d, d->entry[i], d->len[i], d == c->dict ? i : c->dict->n + i);
        return SL_OK;
    }
    case G_FULL_NAME:
        return full_name_value(c, bits, vals, a, out);
    case G_EMAIL:
        return email_value(p, c, rt, row, bits, vals, a, out);
    case G_STREET:
        return street_value(c, bits, a, out);
    case G_CITY: case G_STATE:
        place_value(c, rt, row, out);
        return SL_OK;
    case G_ZIP:
        return pattern_fill("#####", 0, true, bits, a, out);
    case G_UUID: {
        uint64_t h1 = sl_rng_hash(rt->key, row), h2 = sl_rng_hash(rt->key ^ 0x5555, row);
        h1 = (h1 & ~0xf000ull) | 0x4000ull;                    /* version 4 */
        h2 = (h2 & 0x3fffffffffffffffull) | 0x8000000000000000ull; /* variant 10 */
        char *s = sl_arena_alloc(a, 36);
        if (!s)
            return SL_ERR_NOMEM;
        static const char hex[] = "0123456789abcdef";
        int k = 0;
        for (int i = 0; i < 32; i++) {
            if (i == 8 || i == 12 || i == 16 || i == 20)
                s[k++] = '-';
            uint64_t w = i < 16 ? h1 : h2;
            s[k++] = hex[(w >> (60 - 4 * (i % 16))) & 15];
        }
        *out = sl_val_plain_str(s, 36);
        return SL_OK;
    }
    case G_LIST:
        return list_value(p, t, c, row, bits, vals, a, out);
    default:
        *out = sl_val_null();
        return SL_OK;
    }
}

static sl_status list_value(const sl_gplan *p, int t, const sl_gcol *c, uint64_t row,
                            uint64_t bits, const sl_val *vals, sl_arena *a, sl_val *out)
{
    size_t len = (size_t)c->min_len + sl_rng_below(bits, (uint64_t)(c->max_len - c->min_len) + 1);
    sl_val *items = sl_arena_alloc(a, (len ? len : 1) * sizeof *items);
    if (!items)
        return SL_ERR_NOMEM;
    const sl_gcol *e = c->elem;
    if (c->distinct) {
        /* Floyd's sampling of len distinct indexes from the pool, then in pool order. */
        size_t pool = e->gen == G_CHOICE ? e->nvalues : e->dict->n;
        size_t idx[1000], k = 0;
        for (size_t j = pool - len; j < pool; j++) {
            size_t x = (size_t)sl_rng_below(sl_rng_hash(bits, j), j + 1);
            for (size_t q = 0; q < k; q++)
                if (idx[q] == x) {
                    x = j;
                    break;
                }
            idx[k++] = x;
        }
        for (size_t i = 1; i < k; i++)
            for (size_t q = i; q > 0 && idx[q - 1] > idx[q]; q--) {
                size_t tmp = idx[q];
                idx[q] = idx[q - 1];
                idx[q - 1] = tmp;
            }
        for (size_t i = 0; i < len; i++) {
            if (e->gen == G_CHOICE)
                items[i] = e->values[idx[i]];
            else
                set_dict(&items[i], e->dict, e->dict->entry[idx[i]], e->dict->len[idx[i]], idx[i]);
        }
    } else {
        sl_gcolrt ert = p->rt[t][c - p->s->tables[t].cols];
        for (size_t i = 0; i < len; i++) {
            sl_status st = gen_one(p, t, e, &ert, row, sl_rng_hash(bits, 100 + i), vals, a, &items[i]);
            if (st != SL_OK)
                return st;
        }
    }
    out->kind = SL_VAL_LIST;
    out->u.list.items = items;
    out->u.list.len = len;
    return SL_OK;
}

sl_status sl_gen_value(const sl_gplan *p, int t, int ci, uint64_t row, const sl_val *vals,
                       sl_arena *a, sl_val *out)
{
    const sl_gcol *c = &p->s->tables[t].cols[ci];
    const sl_gcolrt *rt = &p->rt[t][ci];
    return gen_one(p, t, c, rt, row, sl_rng_hash(rt->key, row), vals, a, out);
}

/* The parent row a child row refers to: uniform (or zipf-skewed) over the parent's
 * rows that exist by the end of the child's block. */
static uint64_t parent_row(const sl_gplan *p, const sl_gcol *c, const sl_gcolrt *rt,
                           uint64_t row, uint64_t block)
{
    uint64_t n = p->batch ? sl_gplan_block_start(p, c->ref_table, block + 1) : p->rows[c->ref_table];
    if (n == 0)
        return 0;
    uint64_t bits = sl_rng_hash(rt->key, row);
    if (!c->ref_zipf)
        return sl_rng_below(bits, n);
    /* rank k of a zipf over n goes to a fixed random parent, so popular parents are
     * scattered rather than the first rows */
    sl_gcolrt z = *rt;
    if (z.zipf_n != n)   /* job mode: the parent table grows block by block */
        sl_gen_zipf_init(&z, (int64_t)n, c->ref_s);
    uint64_t k = (uint64_t)zipf(&z, (int64_t)n, c->ref_s, bits) - 1;
    return sl_gen_permute(rt->key ^ 0x21bf, n, k);
}

/* A zipf over 100,000 parent keys reads an 800 kB alias table, 2.4 MB of keys and
 * their strings at random: three dependent cache misses a row, which were most of
 * the row's time. Rows are made in order, so the loads of a later row are started
 * now: its alias slot 16 rows ahead, its key (from the slot fetched 8 rows ago) 8
 * rows ahead, its string's bytes (for the writer) 4 rows ahead. */
#define REF_PREFETCH_MIN 8192

/* always_inline: a function of nothing but prefetches has no effect the compiler can
 * see, and GCC removes calls to it as dead code (it is found "const"). */
static inline __attribute__((always_inline)) void ref_prefetch(const sl_gcol *c, const sl_gcolrt *rt, uint64_t row)
{
    uint64_t b16 = sl_rng_hash(rt->key, row + 16), b8 = sl_rng_hash(rt->key, row + 8);
    uint64_t b4 = sl_rng_hash(rt->key, row + 4);
    if (c->ref_zipf) {
        __builtin_prefetch(&rt->ref_alias.slot[((b16 >> 32) * (uint64_t)rt->ref_alias.n) >> 32]);
        __builtin_prefetch(&rt->parent_keys[sl_alias_pick(&rt->ref_alias, b8)]);
        const sl_val *v = &rt->parent_keys[sl_alias_pick(&rt->ref_alias, b4)];
        if (v->kind == SL_VAL_STRING)
            __builtin_prefetch(v->u.s.ptr);
    } else {
        __builtin_prefetch(&rt->parent_keys[sl_rng_below(b8, rt->parent_n)]);
        const sl_val *v = &rt->parent_keys[sl_rng_below(b4, rt->parent_n)];
        if (v->kind == SL_VAL_STRING)
            __builtin_prefetch(v->u.s.ptr);
    }
}

/* A derived column's value, made by its expression, in the column's type. */
static inline void expr_convert(const sl_gcol *c, sl_val *out)
{
    if (out->kind == SL_VAL_NULL)
        return;
    sl_val v = *out;
    if (c->type == SL_G_DOUBLE && v.kind == SL_VAL_INT) {
        *out = sl_val_double((double)v.u.i);
    } else if (c->type == SL_G_DECIMAL && v.kind != SL_VAL_DECIMAL) {
        to_type(c, v.kind == SL_VAL_INT ? (double)v.u.i : v.u.d, false, 0, out);
    } else if (c->type == SL_G_DECIMAL && v.u.dec.scale != c->scale) {
        to_type(c, (double)v.u.dec.unscaled / pow(10, v.u.dec.scale), false, 0, out);
    } else if (c->type >= SL_G_INT8 && c->type <= SL_G_INT32) {
        /* to_type clamps to the type's range (and the column's min and max): an
         * int inside them all comes back as it is */
        static const int64_t lo[] = {-128, -32768, INT32_MIN}, hi[] = {127, 32767, INT32_MAX};
        int k = c->type - SL_G_INT8;
        if (c->has_min || c->has_max || v.kind != SL_VAL_INT || v.u.i < lo[k] || v.u.i > hi[k])
            to_type(c, (double)v.u.i, true, v.u.i, out);
    }
}

/* A derived column's value: its expression over the row so far, in the column's
 * type. */
static inline sl_status expr_value(const sl_gcol *c, const sl_gcolrt *rt, uint64_t part,
                                   const sl_val *vals, sl_arena *arena, sl_val *out)
{
    sl_status st = sl_expr_eval(c->expr, vals, sl_rng_join(rt->key, part), arena, out);
    if (st == SL_OK)
        expr_convert(c, out);
    return st;
}

/* Column i of row `row` into vals[i] (vals: the row's values so far); part is
 * sl_rng_part(row), left and right an association row's seats. */
static inline __attribute__((always_inline)) sl_status
gen_cell(const sl_gplan *p, int t, const sl_gtable *tb, size_t i, uint64_t row, uint64_t part,
         uint64_t block, uint64_t left, uint64_t right, sl_val *vals, sl_arena *arena)
{
    const sl_gcol *c = &tb->cols[i];
    const sl_gcolrt *rt = &p->rt[t][i];
    if (c->gen == G_OBJECT) {
        vals[i] = sl_val_null();
        return SL_OK;
    }
    if (c->null_rate > 0 && sl_rng_unit(sl_rng_join(rt->null_key, part)) < c->null_rate) {
        vals[i] = sl_val_null();
        return SL_OK;
    }
    if (c->gen == G_REF) {
        if (rt->parent_keys) {
            if (rt->parent_n > REF_PREFETCH_MIN)
                ref_prefetch(c, rt, row);
            uint64_t bits = sl_rng_join(rt->key, part);
            uint64_t k = c->ref_zipf ? sl_alias_pick(&rt->ref_alias, bits) : sl_rng_below(bits, rt->parent_n);
            vals[i] = rt->parent_keys[k];
            return SL_OK;
        }
        uint64_t pr = tb->assoc && (int)i == tb->left_col    ? left
                      : tb->assoc && (int)i == tb->right_col ? right
                                                             : parent_row(p, c, rt, row, block);
        return sl_gen_value(p, c->ref_table, c->ref_col, pr, NULL, arena, &vals[i]);
    }
    if (c->gen == G_EXPR)
        return expr_value(c, rt, part, vals, arena, &vals[i]);
    return gen_one(p, t, c, rt, row, sl_rng_join(rt->key, part), vals, arena, &vals[i]);
}

/* The check constraints row vals breaks. */
static sl_status count_broken(const sl_gtable *tb, const sl_val *vals, sl_arena *arena, unsigned *broken)
{
    *broken = 0;
    for (size_t i = 0; i < tb->ncols; i++) {
        const sl_gcol *c = &tb->cols[i];
        if (!c->check)
            continue;
        sl_val r;
        sl_status st = sl_expr_eval(c->check, vals, 0, arena, &r);
        if (st != SL_OK)
            return st;
        if (r.kind == SL_VAL_BOOL && !r.u.b)
            (*broken)++;
    }
    return SL_OK;
}

sl_status sl_gen_row(const sl_gplan *p, int t, uint64_t row, uint64_t block,
                     const sl_gblock_seats *seats, sl_val *vals, sl_arena *arena,
                     unsigned *broken)
{
    const sl_gtable *tb = &p->s->tables[t];
    uint64_t left = 0, right = 0;
    if (tb->assoc) {
        uint64_t g = row - seats->first_row;
        size_t lo = 0, hi = seats->nright;   /* the last i with prefix[i] <= g */
        while (hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2;
            if (seats->prefix[mid] <= g)
                lo = mid;
            else
                hi = mid;
        }
        right = seats->r0 + lo;
        left = seats->l0 + sl_gen_permute(p->tkey[t] ^ (block * 0x9e3779b97f4a7c15ull), seats->nleft,
                                          g % seats->nleft);
    }
    *broken = 0;
    uint64_t part = sl_rng_part(row);   /* every column's draw is sl_rng_hash(key, row) */
    for (size_t i = 0; i < tb->ncols; i++) {
        sl_status st = gen_cell(p, t, tb, i, row, part, block, left, right, vals, arena);
        if (st != SL_OK)
            return st;
    }
    return count_broken(tb, vals, arena, broken);
}

sl_status sl_gen_block(const sl_gplan *p, int t, uint64_t row0, size_t n, sl_val *vals,
                       sl_arena *arena, unsigned *broken)
{
    const sl_gtable *tb = &p->s->tables[t];
    size_t nc = tb->ncols;
    *broken = 0;
    if (tb->assoc || n > SL_GEN_BLOCK) {   /* seats are found row by row */
        return SL_ERR_USAGE;
    }
    uint64_t part[SL_GEN_BLOCK];
    for (size_t r = 0; r < n; r++)
        part[r] = sl_rng_part(row0 + r);
    for (size_t i = 0; i < nc; i++) {
        const sl_gcol *c = &tb->cols[i];
        const sl_gcolrt *rt = &p->rt[t][i];
        sl_val *col = vals + i;
        /* the common generators in loops of their own, the column's constants
         * loaded once; the rest through gen_cell */
        bool nulls = c->null_rate > 0;
#define CELLS(value)                                                      \
    for (size_t r = 0; r < n; r++) {                                      \
        sl_val *out = col + r * nc;                                       \
        uint64_t bits = sl_rng_join(rt->key, part[r]);                    \
        (void)bits;                                                       \
        if (nulls && sl_rng_unit(sl_rng_join(rt->null_key, part[r])) < c->null_rate) \
            *out = sl_val_null();                                         \
        else                                                              \
            value;                                                        \
    }                                                                     \
    continue
        switch (c->gen) {
        case G_CHOICE: case G_CONST: CELLS(choice_value(c, bits, out));
        case G_DICT: CELLS(dict_value(c, bits, out));
        case G_CITY: case G_STATE: CELLS(place_value(c, rt, row0 + r, out));
        case G_BERNOULLI: CELLS(set_bool(out, sl_rng_unit(bits) < c->a));
        case G_LOGNORMAL: CELLS(to_type(c, exp(c->a + c->b * normal01(bits)), false, 0, out));
        case G_TIMESTAMP: CELLS((out->kind = SL_VAL_TIMESTAMP, out->u.i = timestamp_value(c, bits)));
        case G_SEQUENCE:   /* a number: nothing to allocate, nothing to fail */
            if (c->type != SL_G_STRING) {
                CELLS(int_value(c, (int64_t)(c->a + (double)(row0 + r) * c->b), NULL, out));
            }
            break;
        default: break;
        }
#undef CELLS
        if (c->gen == G_REF && rt->parent_keys && c->null_rate <= 0) {
            /* In passes, so that the loads of a block overlap rather than wait one
             * by one: a zipf's alias slots (800 kB for 100,000 parents) are
             * fetched, then every pick is made and its key's load started, then
             * the keys are copied. */
            uint32_t k[SL_GEN_BLOCK];
            uint64_t bits[SL_GEN_BLOCK];
            for (size_t r = 0; r < n; r++) {
                bits[r] = sl_rng_join(rt->key, part[r]);
                if (c->ref_zipf)
                    __builtin_prefetch(sl_alias_slot_of(&rt->ref_alias, bits[r]));
            }
            for (size_t r = 0; r < n; r++) {
                k[r] = (uint32_t)(c->ref_zipf ? sl_alias_pick(&rt->ref_alias, bits[r]) : sl_rng_below(bits[r], rt->parent_n));
                __builtin_prefetch(&rt->parent_keys[k[r]]);
            }
            for (size_t r = 0; r < n; r++)
                vals[r * nc + i] = rt->parent_keys[k[r]];
            continue;
        }
        if (c->gen == G_EXPR && c->null_rate <= 0) {   /* the whole block in one call */
            uint64_t keys[SL_GEN_BLOCK];
            bool draws = sl_expr_draws(c->expr);
            for (size_t r = 0; draws && r < n; r++)
                keys[r] = sl_rng_join(rt->key, part[r]);
            sl_status st = sl_expr_eval_rows(c->expr, vals, nc, n, draws ? keys : NULL, arena, col);
            if (st != SL_OK)
                return st;
            for (size_t r = 0; r < n; r++)
                expr_convert(c, col + r * nc);
            continue;
        }
        for (size_t r = 0; r < n; r++) {
            sl_status st = gen_cell(p, t, tb, i, row0 + r, part[r], 0, 0, 0, vals + r * nc, arena);
            if (st != SL_OK)
                return st;
        }
    }
    bool checks = false;
    for (size_t i = 0; i < nc; i++)
        checks = checks || tb->cols[i].check;
    for (size_t r = 0; checks && r < n; r++) {
        unsigned b;
        sl_status st = count_broken(tb, vals + r * nc, arena, &b);
        if (st != SL_OK)
            return st;
        *broken += b;
    }
    return SL_OK;
}
