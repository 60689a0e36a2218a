/* Mergeable sketches for column profiles.
 *
 * - Distinct counts: HyperLogLog with 2^12 one-byte registers (standard error
 *   about 1.6%), the raw estimate with linear counting below 2.5 m (Flajolet et
 *   al. 2007); merging takes the larger register.
 * - Quantiles: a compactor hierarchy in the KLL family (Karnin, Lang, Liberty
 *   2016) with every level of capacity K = 256: a full level is sorted and every
 *   other item (odd or even, alternating) is promoted with twice the weight. The
 *   rank error is at most about levels / K of n; merging appends level to level
 *   and compacts. Min and max are exact.
 * - Top values: space-saving (Metwally et al. 2005) with 32 counters; a counter's
 *   err bounds how much its count may be over. Stopped when a column turns out to
 *   be nearly unique, where "top values" say nothing.
 * Everything here is deterministic: the same data in the same order gives the
 * same numbers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "validate/vd.h"

/* ------------------------------------------------------------ HyperLogLog */

double vd_hll_estimate(const uint8_t *reg)
{
    /* 2^-r; a register holds at most 64 - P + 1 */
    static const double inv[66] = {
        0x1p0, 0x1p-1, 0x1p-2, 0x1p-3, 0x1p-4, 0x1p-5, 0x1p-6, 0x1p-7, 0x1p-8, 0x1p-9, 0x1p-10,
        0x1p-11, 0x1p-12, 0x1p-13, 0x1p-14, 0x1p-15, 0x1p-16, 0x1p-17, 0x1p-18, 0x1p-19,
        0x1p-20, 0x1p-21, 0x1p-22, 0x1p-23, 0x1p-24, 0x1p-25, 0x1p-26, 0x1p-27, 0x1p-28,
        0x1p-29, 0x1p-30, 0x1p-31, 0x1p-32, 0x1p-33, 0x1p-34, 0x1p-35, 0x1p-36, 0x1p-37,
        0x1p-38, 0x1p-39, 0x1p-40, 0x1p-41, 0x1p-42, 0x1p-43, 0x1p-44, 0x1p-45, 0x1p-46,
        0x1p-47, 0x1p-48, 0x1p-49, 0x1p-50, 0x1p-51, 0x1p-52, 0x1p-53, 0x1p-54, 0x1p-55,
        0x1p-56, 0x1p-57, 0x1p-58, 0x1p-59, 0x1p-60, 0x1p-61, 0x1p-62, 0x1p-63, 0x1p-64, 0x1p-65
    };
    double m = VD_HLL_M, sum = 0;
    unsigned zeros = 0;
    for (uint32_t i = 0; i < VD_HLL_M; i++) {
        sum += inv[reg[i] < 66 ? reg[i] : 65];
        zeros += reg[i] == 0;
    }
    double alpha = 0.7213 / (1 + 1.079 / m);
    double e = alpha * m * m / sum;
    if (e <= 2.5 * m && zeros)
        e = m * log(m / zeros);
    return e;
}

/* ------------------------------------------------------------------- KLL */

/* Sorts doubles (no NaN): quicksort, median of three, insertion sort below 16,
 * recursing into the smaller side. Inline comparisons: qsort's callback made
 * compaction a fifth of a profile's time. */
static void sort_doubles(double *a, size_t n)
{
    while (n > 16) {
        double x = a[0], y = a[n / 2], z = a[n - 1];
        double piv = x < y ? (y < z ? y : x < z ? z : x) : (x < z ? x : y < z ? z : y);
        size_t i = 0, j = n - 1;
        for (;;) {
            while (a[i] < piv)
                i++;
            while (a[j] > piv)
                j--;
            if (i >= j)
                break;
            double t = a[i];
            a[i++] = a[j];
            a[j--] = t;
        }
        size_t left = j + 1;
        if (left < n - left) {
            sort_doubles(a, left);
            a += left;
            n -= left;
        } else {
            sort_doubles(a + left, n - left);
            n = left;
        }
    }
    for (size_t i = 1; i < n; i++) {
        double v = a[i];
        size_t j = i;
        for (; j > 0 && a[j - 1] > v; j--)
            a[j] = a[j - 1];
        a[j] = v;
    }
}

static bool kll_level(vd_kll *s, uint32_t h)
{
    if (!s->lv[h]) {
        s->lv[h] = malloc(2 * VD_KLL_K * sizeof(double));
        if (!s->lv[h])
            return false;
    }
    if (h >= s->nlevels)
        s->nlevels = h + 1;
    return true;
}

/* Halves level h into h + 1, and on upwards while levels overflow. The top
 * level cannot overflow: 2^48 items of weight 2^47 are beyond any count. */
static void kll_compact(vd_kll *s, uint32_t h)
{
    while (h + 1 < VD_KLL_LEVELS && s->len[h] >= VD_KLL_K) {
        if (!kll_level(s, h + 1))
            return;   /* out of memory: keep the level over capacity; still correct */
        sort_doubles(s->lv[h], s->len[h]);
        uint32_t keep = s->flip++ & 1, n = s->len[h], odd = n & 1;
        /* an odd item out stays behind at weight 2^h */
        double last = odd ? s->lv[h][n - 1] : 0;
        for (uint32_t i = keep; i + 1 < n + 1 - odd; i += 2)
            s->lv[h + 1][s->len[h + 1]++] = s->lv[h][i];
        s->len[h] = 0;
        if (odd)
            s->lv[h][s->len[h]++] = last;
        h++;
    }
}

void vd_kll_add(vd_kll *s, double x)
{
    if (isnan(x))
        return;
    if (!s->n || x < s->min)
        s->min = x;
    if (!s->n || x > s->max)
        s->max = x;
    s->n++;
    if (!s->lv[0] && !kll_level(s, 0))
        return;
    s->lv[0][s->len[0]++] = x;
    if (s->len[0] >= VD_KLL_K)
        kll_compact(s, 0);
}

/* x with weight w: one item at each level of a set bit of w. */
static void kll_add_w(vd_kll *s, double x, uint64_t w)
{
    if (!w || isnan(x))
        return;
    if (!s->n || x < s->min)
        s->min = x;
    if (!s->n || x > s->max)
        s->max = x;
    s->n += w;
    for (uint32_t h = 0; w && h < VD_KLL_LEVELS; h++, w >>= 1) {
        if (!(w & 1))
            continue;
        if (!kll_level(s, h))
            return;
        s->lv[h][s->len[h]++] = x;
        if (s->len[h] >= 2 * VD_KLL_K - 1)
            kll_compact(s, h);
    }
    for (uint32_t h = 0; h < s->nlevels; h++)
        kll_compact(s, h);
}

static void kll_merge(vd_kll *a, const vd_kll *b)
{
    if (!b->n)
        return;
    if (!a->n || b->min < a->min)
        a->min = b->min;
    if (!a->n || b->max > a->max)
        a->max = b->max;
    a->n += b->n;
    for (uint32_t h = 0; h < b->nlevels; h++) {
        for (uint32_t i = 0; i < b->len[h]; i++) {
            if (!kll_level(a, h))
                return;
            a->lv[h][a->len[h]++] = b->lv[h][i];
            if (a->len[h] >= 2 * VD_KLL_K - 1)
                kll_compact(a, h);
        }
        kll_compact(a, h);
    }
}

typedef struct wv {
    double v;
    uint64_t w;
} wv;

static int cmp_wv(const void *a, const void *b)
{
    double x = ((const wv *)a)->v, y = ((const wv *)b)->v;
    return (x > y) - (x < y);
}

/* The weighted items, sorted; NULL when empty or out of memory. */
static wv *kll_items(const vd_kll *s, size_t *n, uint64_t *total)
{
    size_t k = 0;
    for (uint32_t h = 0; h < s->nlevels; h++)
        k += s->len[h];
    wv *it = k ? malloc(k * sizeof *it) : NULL;
    if (!it)
        return NULL;
    k = 0;
    *total = 0;
    for (uint32_t h = 0; h < s->nlevels; h++)
        for (uint32_t i = 0; i < s->len[h]; i++) {
            it[k++] = (wv){s->lv[h][i], 1ull << h};
            *total += 1ull << h;
        }
    qsort(it, k, sizeof *it, cmp_wv);
    *n = k;
    return it;
}

double vd_kll_quantile(const vd_kll *s, double q)
{
    if (!s->n)
        return NAN;
    if (q <= 0)
        return s->min;
    if (q >= 1)
        return s->max;
    size_t n;
    uint64_t total;
    wv *it = kll_items(s, &n, &total);
    if (!it)
        return NAN;
    double want = q * (double)total, acc = 0, v = it[n - 1].v;
    for (size_t i = 0; i < n; i++) {
        acc += (double)it[i].w;
        if (acc >= want) {
            v = it[i].v;
            break;
        }
    }
    free(it);
    return v;
}

void vd_kll_cdf(const vd_kll *s, const double *edges, size_t n, double *out)
{
    size_t k = 0;
    uint64_t total = 0;
    wv *it = kll_items(s, &k, &total);
    double scale = total ? (double)s->n / (double)total : 0, acc = 0;
    size_t j = 0;
    for (size_t e = 0; e < n; e++) {
        while (it && j < k && it[j].v <= edges[e])
            acc += (double)it[j++].w;
        out[e] = acc * scale;
    }
    free(it);
}

/* ------------------------------------------------------------ top values */

static void top_merge(vd_top *a, const vd_top *b);

static void top_reindex(vd_top *t)
{
    memset(t->slot, 0, sizeof t->slot);
    for (uint32_t i = 0; i < t->n; i++) {
        uint32_t s = (uint32_t)t->it[i].h & (VD_TOP_SLOTS - 1);
        while (t->slot[s])
            s = (s + 1) & (VD_TOP_SLOTS - 1);
        t->slot[s] = (uint8_t)(i + 1);
    }
}

static void top_find_min(vd_top *t)
{
    uint32_t m = 0;
    for (uint32_t i = 1; i < t->n; i++)
        if (t->it[i].count < t->it[m].count)
            m = i;
    t->min_i = m;
}

static void top_set(vd_top_item *it, uint64_t h, const char *val, size_t len)
{
    it->h = h;
    it->len = (uint8_t)(len < VD_TOP_VAL ? len : VD_TOP_VAL);
    memcpy(it->val, val, it->len);
}

static void top_add_n(vd_top *t, uint64_t h, const char *val, size_t len, uint64_t c, uint64_t e)
{
    uint32_t s = (uint32_t)h & (VD_TOP_SLOTS - 1);
    while (t->slot[s]) {
        vd_top_item *it = &t->it[t->slot[s] - 1];
        if (it->h == h) {
            it->count += c;
            it->err += e;
            if (t->n == VD_TOP_K && t->slot[s] - 1u == t->min_i)
                top_find_min(t);
            return;
        }
        s = (s + 1) & (VD_TOP_SLOTS - 1);
    }
    if (t->n < VD_TOP_K) {
        vd_top_item *it = &t->it[t->n++];
        memset(it, 0, sizeof *it);
        top_set(it, h, val, len);
        it->count = c;
        it->err = e;
        t->slot[s] = (uint8_t)t->n;
        if (t->n == VD_TOP_K)
            top_find_min(t);
        return;
    }
    /* replace the smallest counter: the newcomer may have had up to its count */
    vd_top_item *m = &t->it[t->min_i];
    uint64_t floor = m->count;
    top_set(m, h, val, len);
    m->err = floor + e;
    m->count = floor + c;
    top_reindex(t);
    top_find_min(t);
}

void vd_top_add(vd_top *t, uint64_t h, const char *val, size_t len)
{
    if (!t->off)
        top_add_n(t, h, val, len, 1, 0);
}

static int cmp_count_desc(const void *a, const void *b, void *arg)
{
    const vd_freq *f = arg;
    uint64_t x = f->count[*(const uint16_t *)a], y = f->count[*(const uint16_t *)b];
    return (x < y) - (x > y);
}

/* The exact counts into the summary: the largest become its counters, exact;
 * a value left out had at most the smallest kept count, which is what a later
 * newcomer or merge assumes of it. */
void vd_prof_fold(vd_prof *p)
{
    vd_freq *f = p->freq;
    if (!f)
        return;
    p->freq = NULL;
    for (uint32_t k = 0; p->numeric && k < f->n; k++) {
        double v;
        memcpy(&v, f->val[k], sizeof v);
        kll_add_w(&p->kll, v, f->count[k]);
    }
    if (!p->top.off && f->n) {
        uint16_t *ord = malloc(f->n * sizeof *ord);
        if (ord) {
            for (uint32_t i = 0; i < f->n; i++)
                ord[i] = (uint16_t)i;
            qsort_r(ord, f->n, sizeof *ord, cmp_count_desc, f);
            vd_top fresh;
            memset(&fresh, 0, sizeof fresh);
            /* the values left out had at most the smallest count kept */
            for (uint32_t i = 0; i < f->n && i < VD_TOP_K; i++) {
                uint16_t k = ord[i];
                top_add_n(&fresh, f->eh[k], f->val[k], f->len[k], f->count[k], 0);
            }
            top_merge(&p->top, &fresh);
            free(ord);
        } else {
            p->top.off = true;
        }
    }
    free(f);
}

void vd_prof_stop_top(vd_prof *p)
{
    vd_prof_fold(p);
    p->freq_done = true;
    p->top.off = true;
}

int vd_prof_count(vd_prof *p, uint64_t h, const char *val, size_t len)
{
    if (!p->freq_done) {
        vd_freq *f = p->freq;
        if (!f && !(f = p->freq = calloc(1, sizeof *f))) {
            p->freq_done = true;
        } else {
            uint32_t s = (uint32_t)(h ^ h >> 32) & (VD_FREQ_SLOTS - 1);
            while (f->h[s]) {
                if (f->h[s] == h) {
                    f->count[f->idx[s]]++;
                    return 2;
                }
                s = (s + 1) & (VD_FREQ_SLOTS - 1);
            }
            if (f->n < VD_FREQ_MAX) {
                uint32_t k = f->n++;
                f->h[s] = h;
                f->idx[s] = (uint16_t)k;
                f->eh[k] = h;
                f->count[k] = 1;
                f->len[k] = (uint8_t)(len < VD_TOP_VAL ? len : VD_TOP_VAL);
                memcpy(f->val[k], val, f->len[k]);
                return 1;
            }
            vd_prof_fold(p);
            p->freq_done = true;
        }
    }
    /* Past VD_FREQ_MAX distinct values every space-saving miss scans the
     * counters; count every 8th value, with weight 8, instead: a value's count
     * becomes an estimate (its error within about 8 x sqrt(count / 8)), the
     * heavy ones still rise to the top. */
    if (!p->top.off && p->top_skip++ % 8 == 0)
        top_add_n(&p->top, h, val, len, 8, 0);
    return 0;
}

static int cmp_top(const void *a, const void *b)
{
    const vd_top_item *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    int c = memcmp(x->val, y->val, x->len < y->len ? x->len : y->len);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

size_t vd_top_sorted(const vd_top *t, vd_top_item *out)
{
    memcpy(out, t->it, t->n * sizeof *out);
    qsort(out, t->n, sizeof *out, cmp_top);
    return t->n;
}

size_t vd_top_shown(const vd_top *t, vd_top_item *out)
{
    size_t n = vd_top_sorted(t, out), k = 0;
    for (size_t i = 0; i < n; i++)
        if (out[i].count - out[i].err >= 2)
            out[k++] = out[i];
    return k;
}

uint64_t vd_prof_distinct(const vd_prof *p)
{
    if (!p->values)
        return 0;
    double e = round(vd_hll_estimate(p->hll));
    return e > (double)p->values ? p->values : e < 1 ? 1 : (uint64_t)e;
}

/* Space-saving summaries merge by adding counts; a value one side lacks could
 * have had up to that side's smallest count there (Agarwal et al. 2012). */
static void top_merge(vd_top *a, const vd_top *b)
{
    if (a->off || b->off) {
        a->off = true;
        return;
    }
    uint64_t amin = a->n == VD_TOP_K ? a->it[a->min_i].count : 0;
    uint64_t bmin = b->n == VD_TOP_K ? b->it[b->min_i].count : 0;
    vd_top m;
    memset(&m, 0, sizeof m);
    vd_top_item all[2 * VD_TOP_K];
    size_t n = 0;
    for (uint32_t i = 0; i < a->n; i++) {
        all[n] = a->it[i];
        all[n].count += bmin;
        all[n].err += bmin;
        for (uint32_t j = 0; j < b->n; j++)
            if (b->it[j].h == a->it[i].h) {
                all[n].count += b->it[j].count - bmin;
                all[n].err += b->it[j].err - bmin;
            }
        n++;
    }
    for (uint32_t j = 0; j < b->n; j++) {
        bool seen = false;
        for (uint32_t i = 0; i < a->n && !seen; i++)
            seen = a->it[i].h == b->it[j].h;
        if (!seen) {
            all[n] = b->it[j];
            all[n].count += amin;
            all[n].err += amin;
            n++;
        }
    }
    qsort(all, n, sizeof all[0], cmp_top);
    m.n = (uint32_t)(n < VD_TOP_K ? n : VD_TOP_K);
    memcpy(m.it, all, m.n * sizeof all[0]);
    *a = m;
    top_reindex(a);
    if (a->n == VD_TOP_K)
        top_find_min(a);
}

/* --------------------------------------------------------------- profile */

void vd_prof_init(vd_prof *p, bool numeric)
{
    memset(p, 0, sizeof *p);
    p->numeric = numeric;
}

void vd_prof_free(vd_prof *p)
{
    free(p->freq);
    p->freq = NULL;
    for (uint32_t h = 0; h < VD_KLL_LEVELS; h++)
        free(p->kll.lv[h]);
    memset(&p->kll, 0, sizeof p->kll);
}

void vd_prof_str_minmax(vd_prof *p, const char *s, size_t n)
{
    if (!p->has_smin || memcmp(s, p->smin, n < p->smin_len ? n : p->smin_len) < 0 ||
        (memcmp(s, p->smin, n < p->smin_len ? n : p->smin_len) == 0 && n < p->smin_len)) {
        p->smin_len = (uint8_t)(n < sizeof p->smin ? n : sizeof p->smin);
        memcpy(p->smin, s, p->smin_len);
    }
    if (!p->has_smin || memcmp(s, p->smax, n < p->smax_len ? n : p->smax_len) > 0 ||
        (memcmp(s, p->smax, n < p->smax_len ? n : p->smax_len) == 0 && n > p->smax_len)) {
        p->smax_len = (uint8_t)(n < sizeof p->smax ? n : sizeof p->smax);
        memcpy(p->smax, s, p->smax_len);
    }
    p->has_smin = true;
}

void vd_prof_merge(vd_prof *a, const vd_prof *b)
{
    vd_prof_fold(a);
    a->rows += b->rows;
    a->nulls += b->nulls;
    a->values += b->values;
    for (uint32_t i = 0; i < VD_HLL_M; i++)
        if (b->hll[i] > a->hll[i])
            a->hll[i] = b->hll[i];
    a->sum += b->sum;
    a->len_sum += b->len_sum;
    kll_merge(&a->kll, &b->kll);
    if (b->has_smin) {
        vd_prof_str_minmax(a, b->smin, b->smin_len);
        vd_prof_str_minmax(a, b->smax, b->smax_len);
    }
    top_merge(&a->top, &b->top);
}

/* ------------------------------------------------------- serialization */

static sl_status put_u64(sl_buf *b, uint64_t v)
{
    return sl_buf_append(b, &v, sizeof v);
}

static bool get(const uint8_t **cur, const uint8_t *end, void *out, size_t n)
{
    if ((size_t)(end - *cur) < n)
        return false;
    memcpy(out, *cur, n);
    *cur += n;
    return true;
}

/* Layout (host byte order; the state is local to the machine that wrote it):
 * rows, nulls, values, sum, len_sum, flags, hll[M], smin/smax, kll (n, min,
 * max, flip, nlevels, per level len + items), top (n, off, items). */
sl_status vd_prof_save(const vd_prof *p, sl_buf *b)
{
    sl_status st;
    uint8_t flags = (uint8_t)(p->numeric | p->has_smin << 1 | p->top.off << 2);
    if ((st = put_u64(b, p->rows)) || (st = put_u64(b, p->nulls)) || (st = put_u64(b, p->values)) ||
        (st = sl_buf_append(b, &p->sum, 8)) || (st = put_u64(b, p->len_sum)) ||
        (st = sl_buf_putc(b, flags)) || (st = sl_buf_append(b, p->hll, VD_HLL_M)) ||
        (st = sl_buf_putc(b, p->smin_len)) || (st = sl_buf_append(b, p->smin, p->smin_len)) ||
        (st = sl_buf_putc(b, p->smax_len)) || (st = sl_buf_append(b, p->smax, p->smax_len)))
        return st;
    const vd_kll *k = &p->kll;
    if ((st = put_u64(b, k->n)) || (st = sl_buf_append(b, &k->min, 8)) ||
        (st = sl_buf_append(b, &k->max, 8)) || (st = sl_buf_append(b, &k->flip, 4)) ||
        (st = sl_buf_append(b, &k->nlevels, 4)))
        return st;
    for (uint32_t h = 0; h < k->nlevels; h++)
        if ((st = sl_buf_append(b, &k->len[h], 4)) ||
            (st = sl_buf_append(b, k->lv[h], (size_t)k->len[h] * sizeof(double))))
            return st;
    if ((st = sl_buf_append(b, &p->top.n, 4)))
        return st;
    for (uint32_t i = 0; i < p->top.n; i++)
        if ((st = sl_buf_append(b, &p->top.it[i], sizeof p->top.it[i])))
            return st;
    return SL_OK;
}

bool vd_prof_load(vd_prof *p, const uint8_t **cur, const uint8_t *end)
{
    uint8_t flags;
    vd_prof_init(p, false);
    if (!get(cur, end, &p->rows, 8) || !get(cur, end, &p->nulls, 8) || !get(cur, end, &p->values, 8) ||
        !get(cur, end, &p->sum, 8) || !get(cur, end, &p->len_sum, 8) || !get(cur, end, &flags, 1) ||
        !get(cur, end, p->hll, VD_HLL_M) || !get(cur, end, &p->smin_len, 1) ||
        p->smin_len > sizeof p->smin || !get(cur, end, p->smin, p->smin_len) ||
        !get(cur, end, &p->smax_len, 1) || p->smax_len > sizeof p->smax ||
        !get(cur, end, p->smax, p->smax_len))
        return false;
    p->numeric = flags & 1;
    p->has_smin = flags >> 1 & 1;
    p->top.off = flags >> 2 & 1;
    vd_kll *k = &p->kll;
    uint32_t nl;
    if (!get(cur, end, &k->n, 8) || !get(cur, end, &k->min, 8) || !get(cur, end, &k->max, 8) ||
        !get(cur, end, &k->flip, 4) || !get(cur, end, &nl, 4) || nl > VD_KLL_LEVELS)
        return false;
    for (uint32_t h = 0; h < nl; h++) {
        uint32_t len;
        if (!get(cur, end, &len, 4) || len >= 2 * VD_KLL_K || !kll_level(k, h) ||
            !get(cur, end, k->lv[h], (size_t)len * sizeof(double))) {
            vd_prof_free(p);
            return false;
        }
        k->len[h] = len;
    }
    k->nlevels = nl;
    uint32_t tn;
    if (!get(cur, end, &tn, 4) || tn > VD_TOP_K) {
        vd_prof_free(p);
        return false;
    }
    for (uint32_t i = 0; i < tn; i++)
        if (!get(cur, end, &p->top.it[i], sizeof p->top.it[i]) || p->top.it[i].len > VD_TOP_VAL) {
            vd_prof_free(p);
            return false;
        }
    p->top.n = tn;
    top_reindex(&p->top);
    if (tn == VD_TOP_K)
        top_find_min(&p->top);
    return true;
}
