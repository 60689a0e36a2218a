/* Domain columns (sl_pq_writer_set_domain): string values given as indices into
 * a fixed list. The writer buffers an index per value; the encoder builds the
 * chunk's dictionary with an array indexed by entry instead of hashing bytes, in
 * the same first-seen order, so the pages are the ones hashing would make. When a
 * chunk's dictionary would not cover all of its values (too large, mostly
 * distinct, or dictionaries turned off), its values are written out PLAIN and the
 * general path encodes them. */
#include <stdlib.h>
#include <string.h>

#include "parquet/writer_internal.h"

static uint32_t str_hash(const void *p, size_t len)
{
    /* FNV-1a: only set_domain and the byte calls hash, never the row path */
    const uint8_t *b = p;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ b[i]) * 16777619u;
    return h ^ (uint32_t)len;
}

static bool str_eq(const sl_pq_str *e, const void *p, size_t len)
{
    return e->len == len && (len == 0 || memcmp(e->p, p, len) == 0);
}

uint32_t pq_domain_find(const pq_domain *d, const void *p, size_t len)
{
    for (uint32_t h = str_hash(p, len) & d->mask;; h = (h + 1) & d->mask) {
        uint32_t e = d->table[h];
        if (e == 0)
            return UINT32_MAX;
        if (str_eq(&d->str[e - 1], p, len))
            return e - 1;
    }
}

void pq_domain_free(pq_domain *d)
{
    if (!d)
        return;
    free(d->canon);
    free(d->len);
    free(d->table);
    free(d);
}

sl_status pq_domain_new(const sl_pq_str *list, size_t n, pq_domain **out)
{
    *out = NULL;
    if (n == 0 || n > UINT32_MAX / 4)
        return SL_ERR_USAGE;
    for (size_t i = 0; i < n; i++)
        if (list[i].len > INT32_MAX - 64 || (list[i].len && !list[i].p))
            return SL_ERR_USAGE;
    pq_domain *d = calloc(1, sizeof *d);
    if (!d)
        return SL_ERR_NOMEM;
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    d->str = list;
    d->n = n;
    d->mask = (uint32_t)(cap - 1);
    d->table = calloc(cap, sizeof *d->table);
    if (!d->table) {
        pq_domain_free(d);
        return SL_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t h = str_hash(list[i].p, list[i].len) & d->mask;
        while (d->table[h] && !str_eq(&list[d->table[h] - 1], list[i].p, list[i].len))
            h = (h + 1) & d->mask;
        if (!d->table[h]) {
            d->table[h] = (uint32_t)i + 1;
            if (d->canon)
                d->canon[i] = (uint32_t)i;
            continue;
        }
        if (!d->canon) {   /* the first repeat: every entry so far was its own */
            if (!(d->canon = malloc(n * sizeof *d->canon))) {
                pq_domain_free(d);
                return SL_ERR_NOMEM;
            }
            for (size_t k = 0; k < i; k++)
                d->canon[k] = (uint32_t)k;
        }
        d->canon[i] = d->table[h] - 1;
    }
    d->same_len = (uint32_t)list[0].len;
    for (size_t i = 1; i < n && !d->len; i++) {
        if (list[i].len == d->same_len)
            continue;
        if (!(d->len = malloc(n * sizeof *d->len))) {
            pq_domain_free(d);
            return SL_ERR_NOMEM;
        }
        for (size_t k = 0; k < n; k++)
            d->len[k] = (uint32_t)list[k].len;
    }
    *out = d;
    return SL_OK;
}

static sl_status grow_u32(uint32_t **p, size_t *cap, size_t n, bool zero)
{
    if (*cap >= n)
        return SL_OK;
    uint32_t *q = realloc(*p, n * sizeof *q);
    if (!q)
        return SL_ERR_NOMEM;
    if (zero)
        memset(q + *cap, 0, (n - *cap) * sizeof *q);
    *p = q;
    *cap = n;
    return SL_OK;
}

/* The chunk's values, PLAIN, in s->plain. */
static sl_status write_plain(const pq_wcol *c, pq_scratch *s)
{
    const pq_domain *d = c->dom;
    const uint32_t *ix = (const uint32_t *)(const void *)c->values.data;
    sl_buf_clear(&s->plain);
    sl_status st = sl_buf_reserve(&s->plain, (size_t)c->dom_bytes);
    for (uint64_t i = 0; !st && i < c->nvalues; i++) {
        const sl_pq_str *e = &d->str[ix[i]];
        uint32_t len = (uint32_t)e->len;
        if (!(st = sl_buf_append(&s->plain, &len, 4)) && len)
            st = sl_buf_append(&s->plain, e->p, len);
    }
    return st;
}

/* Builds the dictionary of the chunk's values as build_dict does over their bytes:
 * entries in first-seen order, the same payoff probe, the same byte limit. false
 * when it would not cover every value (the caller then goes the general way). */
static sl_status dict_of_indices(const pq_wcol *c, const pq_enc_opts *opt, pq_scratch *s,
                                 pq_dict *dict, bool *covered)
{
    const pq_domain *d = c->dom;
    size_t n = (size_t)c->nvalues;
    const uint32_t *ix = (const uint32_t *)(const void *)c->values.data;
    sl_status st;
    *covered = false;
    if ((st = grow_u32(&s->dmap, &s->dmap_cap, d->n, true)) ||
        (st = grow_u32(&s->idx, &s->idx_cap, n, false)) ||
        (st = grow_u32(&s->dused, &s->dused_cap, n < d->n ? n : d->n, false)))
        return st;
    if (dict->table || dict->width) {
        pq_dict_free(dict);
        pq_dict_init(dict, 0);
    }
    dict->count = 0;
    sl_buf_clear(&dict->data);
    uint32_t *map = s->dmap, *used = s->dused, *out = s->idx;
    size_t max = opt->dictionary_max_bytes;
    size_t probe = n < PQ_DICT_PROBE ? n : PQ_DICT_PROBE;
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        if (i == probe && probe == PQ_DICT_PROBE && (size_t)dict->count * 10 > (size_t)PQ_DICT_PROBE * 9) {
            ok = false;   /* mostly distinct: build_dict gives up here, for PLAIN */
            break;
        }
        uint32_t k = ix[i], e = map[k];
        if (!e) {
            const sl_pq_str *v = &d->str[k];
            if (dict->data.len + 4 + v->len > max || dict->data.len + 4 + v->len > UINT32_MAX) {
                ok = false;
                break;
            }
            uint32_t len = (uint32_t)v->len;
            if ((st = sl_buf_append(&dict->data, &len, 4)) ||
                (len && (st = sl_buf_append(&dict->data, v->p, len))))
                break;
            used[dict->count] = k;
            e = map[k] = ++dict->count;
        }
        out[i] = e - 1;
    }
    if (!st && ok && n == probe && probe == PQ_DICT_PROBE &&
        (size_t)dict->count * 10 > (size_t)PQ_DICT_PROBE * 9)
        ok = false;   /* exactly the probe's worth of values, mostly distinct */
    for (uint32_t j = 0; j < dict->count; j++)   /* the map is all zeros again */
        map[used[j]] = 0;
    *covered = ok && !st;
    return st;
}

sl_status pq_domain_chunk(const pq_wcol *c, const pq_enc_opts *opt, pq_scratch *s,
                          pq_chunk_out *o, pq_wcol *v, bool *have_dict)
{
    sl_status st;
    *v = *c;
    *have_dict = false;
    if (opt->dictionary && c->nvalues > 0) {
        if ((st = dict_of_indices(c, opt, s, &o->dict, have_dict)))
            return st;
        if (*have_dict) {
            sl_buf_init(&v->values, 0);   /* not to be read: the dictionary has it all */
            return SL_OK;
        }
    }
    if ((st = write_plain(c, s)))
        return st;
    v->values = s->plain;
    v->dom = NULL;
    return SL_OK;
}
