/* Encoding one buffered column chunk into Parquet pages (see writer_internal.h):
 * the dictionary decision, chunk statistics (over the dictionary's entries and
 * the PLAIN part only, by writer_stats.c), page splitting at row boundaries,
 * level and value encoding, and compression of each page body exactly once.
 *
 * Dictionary: every value is looked up in a hash dictionary; when the dictionary
 * would pass dictionary_max_bytes the chunk falls back to PLAIN from the start of
 * the row holding that value, and when the first PQ_DICT_PROBE values are mostly
 * distinct the dictionary is dropped altogether (it would not pay off). */
#include <stdlib.h>
#include <string.h>

#include "parquet/codec.h"
#include "parquet/format.h"
#include "parquet/writer_internal.h"

#define DICT_PROBE_BITS 15              /* pq_few_repeats' set for PQ_DICT_PROBE values */
#define PAGE_MAX_SLOTS ((size_t)1 << 24)
#define DICT_KEEP_SLOTS 4096            /* a 32 kB hash table */
#define DICT_KEEP_BYTES 65536
#define DICT_SPARE_BYTES ((size_t)4 << 20)   /* scratch keeps one dictionary this large */

void pq_scratch_free(pq_scratch *s)
{
    if (!s)
        return;
    sl_buf_free(&s->page);
    sl_buf_free(&s->levels);
    sl_buf_free(&s->comp);
    sl_buf_free(&s->hdr);
    free(s->idx);
    s->idx = NULL;
    free(s->seen);
    s->seen = NULL;
    pq_dict_free(&s->spare);
    s->idx_cap = 0;
    free(s->dmap);
    s->dmap = NULL;
    s->dmap_cap = 0;
    free(s->dused);
    s->dused = NULL;
    s->dused_cap = 0;
    sl_buf_free(&s->plain);
    sl_pq_compressor_free(&s->zc);
}

void pq_chunk_out_free(pq_chunk_out *o)
{
    if (!o)
        return;
    sl_buf_free(&o->bytes);
    sl_buf_free(&o->min);
    sl_buf_free(&o->max);
    pq_dict_free(&o->dict);
}

/* ------------------------------------------------------------ values */

/* The value at byte offset *cur of the buffer; advances *cur past it. */
static inline const uint8_t *next_value(const pq_wcol *c, size_t *cur, uint32_t *len)
{
    const uint8_t *p = c->values.data + *cur;
    if (c->width) {
        *len = c->width;
        *cur += c->width;
        return p;
    }
    uint32_t n;
    memcpy(&n, p, 4);
    *len = n;
    *cur += 4 + (size_t)n;
    return p + 4;
}

static inline bool slot_present(const pq_wcol *c, size_t s)
{
    return c->max_def == 0 || c->defs.data[s] == c->max_def;
}

static inline bool slot_row_start(const pq_wcol *c, size_t s)
{
    return c->max_rep == 0 || c->reps.data[s] == 0;
}

/* Large dictionaries are not kept by their columns (pq_encode_chunk) but one is
 * by the scratch, whose next large dictionary reuses its memory: allocating and
 * freeing megabytes for every chunk cost the kernel a page fault for every 4 kB
 * (half of a 45,000-entry dictionary's time, measured on W3's card_id). */
static void give_spare(pq_scratch *s, pq_dict *d)
{
    if (!d->table) {   /* no table: nothing worth keeping (writer_domain.c's) */
        pq_dict_free(d);
        return;
    }
    size_t bytes = ((size_t)d->table_mask + 1) * sizeof *d->table + d->data.cap +
                   (d->keys ? (size_t)d->cap_entries * sizeof *d->keys : 0);
    pq_dict_free(&s->spare);
    if (bytes <= DICT_SPARE_BYTES) {
        s->spare = *d;
        pq_dict_init(d, d->width);
    } else {
        pq_dict_free(d);
    }
}

/* Makes d, which has no table or another width, an empty dictionary of width w,
 * with the spare's memory if it is to be large and there is one (a small one in a
 * large table would clear and miss in all of it). */
static void take_spare(pq_scratch *s, pq_dict *d, uint32_t w, bool large)
{
    pq_dict_free(d);
    if (!large || !s->spare.table) {
        pq_dict_init(d, w);
        return;
    }
    *d = s->spare;
    pq_dict_init(&s->spare, 0);
    if (d->width != w) {   /* entry capacity counts keys for byte arrays alone */
        free(d->keys);
        d->keys = NULL;
        d->cap_entries = 0;
        d->width = w;
    }
    pq_dict_clear(d);
}

/* Builds the dictionary over the values; returns how many leading values it
 * covers (0: no dictionary). */
static sl_status build_dict(const pq_wcol *c, const pq_enc_opts *opt, pq_scratch *s,
                            pq_chunk_out *o, size_t *covered)
{
    pq_dict *d = &o->dict;
    size_t n = (size_t)c->nvalues;
    sl_status st;
    *covered = 0;
    bool dropped = o->dict_dropped;
    o->dict_dropped = false;
    /* The decision below without the dictionary, when the column's last chunk was
     * mostly distinct: counting repeats costs a fraction of building the entries.
     * The same decision: the test counts the same thing, and none of these values
     * can pass the byte limit, which would have stopped the probe short. */
    if (dropped && (c->width == 4 || c->width == 8) && n >= PQ_DICT_PROBE &&
        (size_t)PQ_DICT_PROBE * c->width <= opt->dictionary_max_bytes) {
        if (!s->seen && !(s->seen = malloc(sizeof *s->seen << DICT_PROBE_BITS)))
            return SL_ERR_NOMEM;
        if (pq_few_repeats(c->values.data, c->width, PQ_DICT_PROBE, (PQ_DICT_PROBE - 1) / 10, s->seen,
                           DICT_PROBE_BITS)) {
            o->dict_dropped = true;
            return SL_OK;
        }
    }
    if (d->width != c->width || !d->table)
        take_spare(s, d, c->width, (size_t)o->dict_last_count * 2 > DICT_KEEP_SLOTS);
    else
        pq_dict_clear(d);
    /* A column's chunks tend to have dictionaries of one size: take the last
     * one's room at once rather than by doubling. */
    size_t want = o->dict_last_count < n ? o->dict_last_count : n;
    size_t bytes = o->dict_last_bytes < c->values.len ? o->dict_last_bytes : c->values.len;
    if (want && (st = pq_dict_reserve(d, (uint32_t)want, bytes)))
        return st;
    if (s->idx_cap < n) {
        uint32_t *p = realloc(s->idx, n * sizeof *p);
        if (!p)
            return SL_ERR_NOMEM;
        s->idx = p;
        s->idx_cap = n;
    }
    /* The first PQ_DICT_PROBE values decide whether a dictionary pays off. */
    size_t cur = 0, i = 0, probe = n < PQ_DICT_PROBE ? n : PQ_DICT_PROBE;
    st = pq_dict_put_range(d, c->values.data, c->values.len, &cur, 0, probe,
                           opt->dictionary_max_bytes, s->idx, &i);
    if (st)
        return st;
    if (i == PQ_DICT_PROBE && (size_t)d->count * 10 > (size_t)PQ_DICT_PROBE * 9) {
        o->dict_dropped = true;
        return SL_OK;   /* mostly distinct: PLAIN is smaller and faster */
    }
    if (i == probe && (st = pq_dict_put_range(d, c->values.data, c->values.len, &cur, probe,
                                              n, opt->dictionary_max_bytes, s->idx, &i)))
        return st;
    *covered = i;
    return SL_OK;
}

/* The first slot of the row that holds value v (v < nvalues), and the number of
 * values before that slot. */
static size_t row_start_of_value(const pq_wcol *c, size_t v, size_t *values_before)
{
    size_t slot = v, k = v;
    if (c->max_def) {
        k = 0;
        for (slot = 0; slot < c->nslots; slot++) {
            if (c->defs.data[slot] == c->max_def) {
                if (k == v)
                    break;
                k++;
            }
        }
    }
    while (slot > 0 && !slot_row_start(c, slot)) {
        slot--;
        if (slot_present(c, slot))
            k--;
    }
    *values_before = k;
    return slot;
}

/* ------------------------------------------------------------ pages */

static sl_status put_page(const pq_enc_opts *opt, pq_scratch *s, pq_chunk_out *o,
                          pq_w_page_header *h, const sl_buf *levels, const sl_buf *body)
{
    sl_status st;
    const uint8_t *cp = body->data;
    size_t clen = body->len;
    /* An empty v2 values section (an all-null page) is stored as it is and says
     * so; v1 pages always hold their levels, so they always compress. */
    if (h->type == PQ_PAGE_DATA_V2)
        h->is_compressed = opt->codec != SL_PQ_CODEC_NONE && body->len > 0;
    if (opt->codec != SL_PQ_CODEC_NONE && body->len) {
        sl_buf_clear(&s->comp);
        if ((st = sl_pq_compress_with(&s->zc, opt->codec, opt->level, body->data, body->len,
                                        &s->comp)))
            return st;
        cp = s->comp.data;
        clen = s->comp.len;
    }
    size_t lvl = levels ? levels->len : 0;
    if (lvl + body->len > INT32_MAX || lvl + clen > INT32_MAX)
        return SL_ERR_LIMIT;
    h->uncompressed_size = (int32_t)(lvl + body->len);
    h->compressed_size = (int32_t)(lvl + clen);
    sl_buf_clear(&s->hdr);
    if ((st = pq_tw_page_header(&s->hdr, h)) ||
        (st = sl_buf_append(&o->bytes, s->hdr.data, s->hdr.len)) ||
        (lvl && (st = sl_buf_append(&o->bytes, levels->data, lvl))) ||
        (st = sl_buf_append(&o->bytes, cp, clen)))
        return st;
    o->uncompressed += (int64_t)(s->hdr.len + lvl + body->len);
    return SL_OK;
}

/* Levels of slots [s0, s1) as the RLE hybrid; v1 prefixes each with its length. */
static sl_status put_levels(sl_buf *out, const uint8_t *lv, size_t n, int bw, bool prefix,
                            int32_t *len)
{
    size_t at = out->len;
    sl_status st;
    if (prefix && (st = sl_buf_append(out, "\0\0\0\0", 4)))
        return st;
    if ((st = pq_rle_encode_u8(out, lv, n, bw)))
        return st;
    size_t k = out->len - at - (prefix ? 4 : 0);
    if (k > INT32_MAX)
        return SL_ERR_LIMIT;
    if (prefix) {
        uint8_t *p = out->data + at;
        p[0] = (uint8_t)k; p[1] = (uint8_t)(k >> 8); p[2] = (uint8_t)(k >> 16); p[3] = (uint8_t)(k >> 24);
    }
    *len = (int32_t)k;
    return SL_OK;
}

typedef struct page_span {
    size_t s0, s1;       /* slots */
    size_t v0, v1;       /* values */
    size_t b0, b1;       /* bytes of the values buffer */
    bool dict;
    int bw;              /* dictionary index bit width */
} page_span;

static sl_status encode_data_page(const pq_wcol *c, const pq_enc_opts *opt, pq_scratch *s,
                                  pq_chunk_out *o, const page_span *p)
{
    sl_status st;
    bool v2 = opt->page_version == 2;
    size_t n = p->s1 - p->s0;
    pq_w_page_header h = {
        .type = v2 ? PQ_PAGE_DATA_V2 : PQ_PAGE_DATA,
        .num_values = (int32_t)n,
        .encoding = p->dict ? PQ_ENC_RLE_DICTIONARY : PQ_ENC_PLAIN,
        .num_rows = (int32_t)n,
        .is_compressed = opt->codec != SL_PQ_CODEC_NONE,
    };
    sl_buf *body = &s->page;
    sl_buf *lv = v2 ? &s->levels : body;
    sl_buf_clear(body);
    sl_buf_clear(&s->levels);
    if (c->max_rep) {
        const uint8_t *r = c->reps.data + p->s0;
        int32_t rows = 0;
        for (size_t i = 0; i < n; i++)
            rows += r[i] == 0;
        h.num_rows = rows;
        if ((st = put_levels(lv, r, n, pq_enc_bit_width(c->max_rep), !v2, &h.rep_len)))
            return st;
    }
    if (c->max_def) {
        const uint8_t *d = c->defs.data + p->s0;
        int32_t nulls = 0;
        for (size_t i = 0; c->nvalues != c->nslots && i < n; i++)
            nulls += d[i] != c->max_def;
        h.num_nulls = nulls;
        if ((st = put_levels(lv, d, n, pq_enc_bit_width(c->max_def), !v2, &h.def_len)))
            return st;
    }
    /* A page of nulls only has no values, and a column of nulls only no buffer: no
     * pointer arithmetic on a NULL buffer (each encoder writes nothing for none). */
    size_t nv = p->v1 - p->v0;
    if (p->dict) {
        if ((st = sl_buf_putc(body, (uint8_t)p->bw)) ||
            (nv && (st = pq_rle_encode_u32(body, s->idx + p->v0, nv, p->bw))))
            return st;
    } else if (c->phys == PQ_BOOLEAN) {
        if (nv && (st = pq_plain_bools(body, c->values.data + p->v0, nv)))
            return st;
    } else if (p->b1 > p->b0 &&
               (st = sl_buf_append(body, c->values.data + p->b0, p->b1 - p->b0))) {
        return st;
    }
    return put_page(opt, s, o, &h, v2 ? &s->levels : NULL, body);
}

/* The offset of value v in c's values buffer. */
static size_t value_offset(const pq_wcol *c, size_t v)
{
    if (c->width)
        return v * c->width;
    size_t cur = 0;
    for (size_t i = 0; i < v; i++) {
        uint32_t len;
        next_value(c, &cur, &len);
    }
    return cur;
}

static sl_status encode_pages(const pq_wcol *c, const pq_enc_opts *opt, pq_scratch *s,
                              pq_chunk_out *o, size_t dict_slots, int bw,
                              int *ndict_pages, int *nplain_pages)
{
    size_t ns = (size_t)c->nslots;
    uint64_t limit_bits = (uint64_t)opt->page_size * 8;
    page_span p = {0};
    p.bw = bw;
    bool dense = !c->max_rep && c->nvalues == c->nslots;   /* one value in every slot */
    bool at_byte = true;   /* p.b0 is the offset of value p.v0 in the values buffer */
    while (p.s0 < ns) {
        p.dict = p.s0 < dict_slots;
        size_t end = p.dict ? dict_slots : ns;
        if (!p.dict && !at_byte) {
            p.b0 = value_offset(c, p.v0);
            at_byte = true;
        }
        size_t s1 = p.s0, v1 = p.v0, b1 = p.b0;
        uint64_t bits = 0;
        bool closed = dense && (p.dict || c->width);
        if (closed) {
            /* every slot holds one value of the same size: the loop below in closed
             * form (the page ends after the first slot that reaches the limit) */
            uint64_t b = p.dict ? (uint64_t)bw : c->phys == PQ_BOOLEAN ? 1 : (uint64_t)c->width * 8;
            uint64_t k = (limit_bits + b - 1) / b;
            k = k < 1 ? 1 : k > PAGE_MAX_SLOTS ? PAGE_MAX_SLOTS : k;
            s1 = end - p.s0 < k ? end : p.s0 + (size_t)k;
            v1 = p.v0 + (s1 - p.s0);
            b1 = p.b0 + (s1 - p.s0) * c->width;
            at_byte = at_byte && c->width;
        }
        /* Dictionary pages of byte arrays need no byte offsets: they are found
         * again (value_offset) if PLAIN pages follow. */
        bool skip_bytes = p.dict && !c->width;
        if (skip_bytes)
            at_byte = false;
        for (; !closed && s1 < end; s1++) {
            if (s1 > p.s0 && slot_row_start(c, s1) &&
                (bits >= limit_bits || s1 - p.s0 >= PAGE_MAX_SLOTS))
                break;
            if (!slot_present(c, s1))
                continue;
            v1++;
            if (skip_bytes) {
                bits += (uint64_t)bw;
                continue;
            }
            uint64_t vb;
            if (c->width) {
                vb = c->width;
            } else {
                uint32_t len;
                memcpy(&len, c->values.data + b1, 4);
                vb = 4 + (uint64_t)len;
            }
            b1 += vb;
            bits += p.dict ? (uint64_t)bw : c->phys == PQ_BOOLEAN ? 1 : vb * 8;
        }
        p.s1 = s1;
        p.v1 = v1;
        p.b1 = b1;
        sl_status st = encode_data_page(c, opt, s, o, &p);
        if (st)
            return st;
        if (p.dict)
            (*ndict_pages)++;
        else
            (*nplain_pages)++;
        p.s0 = p.s1;
        p.v0 = p.v1;
        p.b0 = p.b1;
    }
    return SL_OK;
}

/* have_dict: o->dict and s->idx already cover every value (writer_domain.c). */
static sl_status encode_chunk(const pq_wcol *c, const pq_enc_opts *opt, pq_scratch *s,
                              pq_chunk_out *o, bool have_dict)
{
    sl_status st;
    size_t n = (size_t)c->nvalues;
    size_t covered = 0, dict_slots = 0;
    if (have_dict) {
        covered = n;
        dict_slots = (size_t)c->nslots;
        o->dict_last_count = o->dict.count;
        o->dict_last_bytes = o->dict.data.len;
    } else if (opt->dictionary && c->phys != PQ_BOOLEAN && n > 0) {
        if ((st = build_dict(c, opt, s, o, &covered)))
            return st;
        o->dict_last_count = o->dict.count;
        o->dict_last_bytes = o->dict.data.len;
        dict_slots = (size_t)c->nslots;
        if (covered < n)
            dict_slots = row_start_of_value(c, covered, &covered);
    }
    bool use_dict = covered > 0;
    if (!use_dict)
        dict_slots = 0;

    /* Statistics: the dictionary holds every value of the dictionary-encoded part
     * (and perhaps a few of the rest), so only the PLAIN part is scanned value by
     * value. */
    pq_stat acc = {0};
    size_t cur = 0;
    if (use_dict) {
        pq_stat_plain(c->phys, c->width, o->dict.data.data, o->dict.data.len, &acc);
        if (c->width) {
            cur = covered * c->width;
        } else if (covered < n) {
            for (size_t i = 0; i < covered; i++) {
                uint32_t len;
                next_value(c, &cur, &len);
            }
        }
    }
    if ((use_dict ? covered : 0) < n)
        pq_stat_plain(c->phys, c->width, c->values.data + cur, c->values.len - cur, &acc);
    if ((st = pq_stat_finish(c->phys, &acc, &o->min, &o->max, &o->has_min_max)))
        return st;
    o->null_count = (int64_t)(c->nslots - c->nvalues);

    int data_type = opt->page_version == 2 ? PQ_PAGE_DATA_V2 : PQ_PAGE_DATA;
    int bw = 0;
    if (use_dict) {
        pq_w_page_header h = {
            .type = PQ_PAGE_DICTIONARY,
            .num_values = (int32_t)o->dict.count,
            .encoding = PQ_ENC_PLAIN,
        };
        o->dict_off = 0;
        if ((st = put_page(opt, s, o, &h, NULL, &o->dict.data)))
            return st;
        bw = pq_enc_bit_width(o->dict.count - 1);
        if (bw == 0)
            bw = 1;   /* a one-entry dictionary: width 1 keeps every reader happy */
        o->encodings |= 1u << PQ_ENC_PLAIN | 1u << PQ_ENC_RLE_DICTIONARY;
        o->enc_stats[o->n_enc_stats++] = (pq_w_enc_stat){PQ_PAGE_DICTIONARY, PQ_ENC_PLAIN, 1};
    }
    o->data_off = (int64_t)o->bytes.len;
    int ndict = 0, nplain = 0;
    if ((st = encode_pages(c, opt, s, o, dict_slots, bw, &ndict, &nplain)))
        return st;
    if (ndict)
        o->enc_stats[o->n_enc_stats++] = (pq_w_enc_stat){data_type, PQ_ENC_RLE_DICTIONARY, ndict};
    if (nplain) {
        o->encodings |= 1u << PQ_ENC_PLAIN;
        o->enc_stats[o->n_enc_stats++] = (pq_w_enc_stat){data_type, PQ_ENC_PLAIN, nplain};
    }
    if (c->max_def || c->max_rep)
        o->encodings |= 1u << PQ_ENC_RLE;
    return SL_OK;
}

sl_status pq_encode_chunk(const pq_wcol *c, const pq_enc_opts *opt, pq_scratch *s,
                          pq_chunk_out *o)
{
    sl_buf_clear(&o->bytes);
    sl_buf_clear(&o->min);
    sl_buf_clear(&o->max);
    o->dict_off = -1;
    o->data_off = 0;
    o->uncompressed = 0;
    o->encodings = 0;
    o->n_enc_stats = 0;
    o->null_count = 0;
    o->has_min_max = false;
    if (c->dom) {
        pq_wcol v;
        bool have_dict;
        o->status = pq_domain_chunk(c, opt, s, o, &v, &have_dict);
        if (!o->status)
            o->status = encode_chunk(&v, opt, s, o, have_dict);
    } else {
        o->status = encode_chunk(c, opt, s, o, false);
    }
    /* Keep a small dictionary for the column's next chunk; a large one would hold
     * memory for every column of every open writer (ingest keeps many open). */
    if ((size_t)o->dict.table_mask + 1 > DICT_KEEP_SLOTS || o->dict.data.cap > DICT_KEEP_BYTES)
        give_spare(s, &o->dict);
    return o->status;
}
