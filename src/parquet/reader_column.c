/* Parquet reader, page decoding: sl_pq_reader_read_column walks the pages of one
 * column chunk (dictionary page first, then data pages v1 and v2), decompresses
 * them, decodes levels and values straight into the column's output arrays and
 * turns definition/repetition levels into valid[], list_offsets[], list_valid[].
 *
 * Values are decoded densely (non-null values only) into the slot region of the
 * page, then spread backwards in place over the slots; nulls become 0 / empty. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parquet/codec.h"
#include "parquet/decode.h"
#include "parquet/format.h"
#include "parquet/reader_int.h"

typedef struct chunk_ctx {
    sl_pq_reader *r;
    pq_col *c;
    size_t rg;
    sl_error *err;
    uint64_t page_off;     /* file offset of the current page header */
    size_t slots;          /* slots filled so far */
    size_t rows;           /* rows started so far (lists) */
    size_t entries;        /* level entries so far */
    uint64_t want_rows;    /* the row group's row count */
    bool any_null, any_null_list;
} chunk_ctx;

static sl_status fail(chunk_ctx *x, sl_status code, const char *what)
{
    sl_error_at(x->err, code, 0, 0, x->page_off,
                "column '%s' (row group %zu), page at byte %llu: %s", x->c->pub.name, x->rg,
                (unsigned long long)x->page_off, what);
    sl_error_set_file(x->err, x->r->name);
    return code;
}

static sl_status st_fail(chunk_ctx *x, sl_status s, const char *what)
{
    if (s == SL_ERR_NOMEM)
        return fail(x, s, "out of memory");
    if (s == SL_ERR_LIMIT)
        return fail(x, s, "decoded data exceeds the reader's size limit");
    return fail(x, s, what);
}

/* Where dense values go: the column's arrays at slot `at`, or the dictionary. */
typedef struct sink {
    int64_t *i64;
    double *f64;
    sl_buf *data;
    uint64_t *ends;
} sink;

/* Decodes count PLAIN/BSS/DELTA values of the column's physical type. For byte
 * targets, values are appended to snk->data with their ends in snk->ends. */
static sl_status decode_raw(chunk_ctx *x, int enc, const uint8_t *p, size_t n, size_t count,
                            const sink *snk)
{
    sl_pq_reader *r = x->r;
    pq_col *c = x->c;
    sl_status s;
    size_t w = (size_t)c->type_length;
    switch (c->phys) {
    case PQ_BOOLEAN:
        if (enc == PQ_ENC_PLAIN)
            return pq_plain_bool(p, n, snk->i64, count);
        if (enc == PQ_ENC_RLE) {
            if (n < 4)
                return SL_ERR_CORRUPT;
            uint32_t len = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                           (uint32_t)p[3] << 24;
            if (len > n - 4)
                return SL_ERR_CORRUPT;
            if ((s = pq_grow((void **)&r->idx, &r->idx_cap, count, sizeof *r->idx)))
                return s;
            if ((s = pq_rle_decode(p + 4, len, 1, r->idx, count)))
                return s;
            for (size_t i = 0; i < count; i++)
                snk->i64[i] = r->idx[i] & 1;
            return SL_OK;
        }
        break;
    case PQ_INT32:
    case PQ_INT64: {
        bool is32 = c->phys == PQ_INT32;
        if (enc == PQ_ENC_PLAIN)
            return is32 ? pq_plain_i32(p, n, snk->i64, count) : pq_plain_i64(p, n, snk->i64, count);
        if (enc == PQ_ENC_BYTE_STREAM_SPLIT)
            return is32 ? pq_bss_i32(p, n, snk->i64, count) : pq_bss_i64(p, n, snk->i64, count);
        if (enc == PQ_ENC_DELTA_BINARY_PACKED) {
            uint64_t total;
            size_t used;
            if ((s = pq_delta_decode(p, n, is32, snk->i64, count, &total, &used)))
                return s;
            return total < count ? SL_ERR_CORRUPT : SL_OK;
        }
        break;
    }
    case PQ_INT96:
        if (enc == PQ_ENC_PLAIN)
            return pq_plain_int96(p, n, snk->i64, count);
        break;
    case PQ_FLOAT:
        if (enc == PQ_ENC_PLAIN)
            return pq_plain_float(p, n, snk->f64, count);
        if (enc == PQ_ENC_BYTE_STREAM_SPLIT)
            return pq_bss_float(p, n, snk->f64, count);
        break;
    case PQ_DOUBLE:
        if (enc == PQ_ENC_PLAIN)
            return pq_plain_double(p, n, snk->f64, count);
        if (enc == PQ_ENC_BYTE_STREAM_SPLIT)
            return pq_bss_double(p, n, snk->f64, count);
        break;
    case PQ_BYTE_ARRAY:
    case PQ_FIXED_LEN_BYTE_ARRAY: {
        bool fixed = c->phys == PQ_FIXED_LEN_BYTE_ARRAY;
        size_t before = snk->data->len;
        if (enc == PQ_ENC_PLAIN)
            s = fixed ? pq_plain_fixed(p, n, w, snk->data, snk->ends, count)
                      : pq_plain_bytes(p, n, snk->data, snk->ends, count);
        else if (enc == PQ_ENC_BYTE_STREAM_SPLIT && fixed)
            s = pq_bss_fixed(p, n, w, snk->data, snk->ends, count);
        else if (enc == PQ_ENC_DELTA_LENGTH_BYTE_ARRAY && !fixed) {
            if ((s = pq_grow((void **)&r->s64, &r->s64_cap, count, sizeof *r->s64)))
                return s;
            s = pq_delta_length_bytes(p, n, snk->data, snk->ends, count, r->s64);
        } else if (enc == PQ_ENC_DELTA_BYTE_ARRAY) {
            if ((s = pq_grow((void **)&r->s64, &r->s64_cap, 2 * count + 1, sizeof *r->s64)))
                return s;
            s = pq_delta_bytes(p, n, snk->data, snk->ends, count, r->s64);
            uint64_t prev = before;
            for (size_t i = 0; !s && fixed && i < count; prev = snk->ends[i], i++)
                if (snk->ends[i] - prev != w)
                    s = SL_ERR_CORRUPT;
        } else
            break;
        return s;
    }
    default:
        break;
    }
    return SL_ERR_UNSUPPORTED;
}

/* Decodes count values into snk, converting byte decimals to int64 and applying
 * the unsigned reinterpretation of INT32 columns. */
static sl_status decode_values(chunk_ctx *x, int enc, const uint8_t *p, size_t n, size_t count,
                               const sink *snk)
{
    sl_pq_reader *r = x->r;
    pq_col *c = x->c;
    sl_status s;
    if (!c->from_bytes) {
        if ((s = decode_raw(x, enc, p, n, count, snk)))
            return s;
    } else {
        if ((s = pq_grow((void **)&r->ends, &r->ends_cap, count + 1, sizeof *r->ends)))
            return s;
        sl_buf_clear(&r->tmp);
        if ((s = sl_buf_reserve(&r->tmp, 16)))
            return s;
        sink tmp = {NULL, NULL, &r->tmp, r->ends};
        if ((s = decode_raw(x, enc, p, n, count, &tmp)))
            return s;
        uint64_t a = 0;
        for (size_t i = 0; i < count; i++) {
            if (!pq_be_to_i64(r->tmp.data + a, (size_t)(r->ends[i] - a), &snk->i64[i]))
                return SL_ERR_CORRUPT;
            a = r->ends[i];
        }
    }
    if (c->phys == PQ_INT32 && (c->pub.type == SL_PQ_UINT32 || c->pub.type == SL_PQ_UINT16 ||
                                c->pub.type == SL_PQ_UINT8))
        for (size_t i = 0; i < count; i++)
            snk->i64[i] = (int64_t)(uint32_t)snk->i64[i];
    return SL_OK;
}

static sl_status load_dictionary(chunk_ctx *x, const pq_page_header *h, const uint8_t *p,
                                 size_t n)
{
    sl_pq_reader *r = x->r;
    pq_col *c = x->c;
    if (r->have_dict)
        return fail(x, SL_ERR_CORRUPT, "a second dictionary page");
    if (x->entries)
        return fail(x, SL_ERR_CORRUPT, "a dictionary page after data pages");
    if (h->dict_encoding != PQ_ENC_PLAIN && h->dict_encoding != PQ_ENC_PLAIN_DICTIONARY)
        return fail(x, SL_ERR_UNSUPPORTED, "dictionary page encoding is not PLAIN");
    if (h->dict_num_values < 0 ||
        (c->phys != PQ_BOOLEAN && (size_t)h->dict_num_values > n))
        return fail(x, SL_ERR_CORRUPT, "dictionary size larger than its page");
    size_t dn = (size_t)h->dict_num_values;
    sl_status s;
    if ((s = pq_grow((void **)&r->dict_ends, &r->dict_cap, dn + 1, sizeof *r->dict_ends)) ||
        (c->target == PQ_TGT_I64 &&
         (s = pq_grow((void **)&r->dict_i64, &r->dict_i64_cap, dn + 1, sizeof *r->dict_i64))) ||
        (c->target == PQ_TGT_F64 &&
         (s = pq_grow((void **)&r->dict_f64, &r->dict_f64_cap, dn + 1, sizeof *r->dict_f64))))
        return st_fail(x, s, "");
    sl_buf_clear(&r->dict_data);
    if ((s = sl_buf_reserve(&r->dict_data, 16)))
        return st_fail(x, s, "");
    r->dict_ends[0] = 0;
    sink snk = {r->dict_i64, r->dict_f64, &r->dict_data, r->dict_ends + 1};
    if ((s = decode_values(x, PQ_ENC_PLAIN, p, n, dn, &snk)))
        return st_fail(x, s, "corrupt dictionary page");
    r->dict_n = dn;
    r->have_dict = true;
    return SL_OK;
}

/* Makes room for `more` slots and `more_rows` rows in the column's arrays. */
static sl_status reserve_out(chunk_ctx *x, size_t more, size_t more_rows)
{
    pq_col *c = x->c;
    size_t need = x->slots + more + 1;
    sl_status s = pq_grow((void **)&c->valid, &c->valid_cap, need, 1);
    if (s)
        return s;
    if (c->target == PQ_TGT_I64)
        s = pq_grow((void **)&c->i64, &c->val_cap, need, sizeof *c->i64);
    else if (c->target == PQ_TGT_F64)
        s = pq_grow((void **)&c->f64, &c->val_cap, need, sizeof *c->f64);
    else
        s = pq_grow((void **)&c->offsets, &c->val_cap, need, sizeof *c->offsets);
    if (s)
        return s;
    if (c->pub.list) {
        size_t rneed = x->rows + more_rows + 1;
        if (rneed > c->row_cap) {
            if ((s = pq_grow((void **)&c->list_offsets, &c->row_cap, rneed,
                             sizeof *c->list_offsets)) ||
                (s = pq_grow((void **)&c->list_valid, &c->lvalid_cap, rneed, 1)))
                return s;
        }
    }
    return SL_OK;
}

/* Decodes levels of one page (v1: with their framing; v2: raw hybrid). Returns the
 * bytes taken through *used. */
static sl_status read_levels(chunk_ctx *x, bool v2, int enc, const uint8_t *p, size_t n,
                             uint8_t max, uint8_t *out, size_t count, size_t *used)
{
    int bw = pq_bit_width(max);
    if (v2)
        return *used = n, pq_levels_rle(p, n, bw, max, out, count);
    if (enc == PQ_ENC_BIT_PACKED)
        return pq_levels_bitpacked(p, n, bw, max, out, count, used);
    if (enc != PQ_ENC_RLE)
        return SL_ERR_UNSUPPORTED;
    if (n < 4)
        return SL_ERR_CORRUPT;
    uint32_t len = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                   (uint32_t)p[3] << 24;
    if (len > n - 4)
        return SL_ERR_CORRUPT;
    *used = 4 + (size_t)len;
    return pq_levels_rle(p + 4, len, bw, max, out, count);
}

/* Decodes the values of a data page given its levels (already in r->def/r->rep). */
static sl_status page_values(chunk_ctx *x, int enc, const uint8_t *p, size_t n, size_t count)
{
    sl_pq_reader *r = x->r;
    pq_col *c = x->c;
    const uint8_t *def = c->max_def ? r->def : NULL;
    const uint8_t *rep = c->max_rep ? r->rep : NULL;
    uint8_t elem_def = c->pub.list ? (uint8_t)(c->list_def + 1) : 0;
    /* Pass 1: rows started, slots, present values. */
    size_t nrows = 0, nslots = 0, nvals = 0;
    if (!def && !rep)
        nslots = nvals = count;
    for (size_t k = 0; (def || rep) && k < count; k++) {
        uint8_t d = def ? def[k] : c->max_def;
        if (rep && rep[k] == 0)
            nrows++;
        if (d >= elem_def)
            nslots++;
        if (d == c->max_def)
            nvals++;
    }
    if (rep && x->rows == 0 && count && rep[0] != 0)
        return fail(x, SL_ERR_CORRUPT, "the first value of a chunk continues a list");
    if (!c->pub.list && x->rows + count > x->want_rows)
        return fail(x, SL_ERR_CORRUPT, "more values than the row group has rows");
    if (x->slots + nslots > r->max_values)
        return fail(x, SL_ERR_LIMIT, "column chunk has more values than the reader's limit");
    sl_status s = reserve_out(x, nslots, nrows);
    if (s)
        return st_fail(x, s, "");
    size_t base = x->slots;
    if (c->target == PQ_TGT_BYTES && base == 0)
        c->offsets[0] = 0;

    /* Dense values at the start of the page's slot region. */
    sink snk = {c->i64 ? c->i64 + base : NULL, c->f64 ? c->f64 + base : NULL, &c->data, NULL};
    if (c->target == PQ_TGT_BYTES) {
        if ((s = pq_grow((void **)&r->ends, &r->ends_cap, nvals + 1, sizeof *r->ends)))
            return st_fail(x, s, "");
        snk.ends = r->ends;
    }
    if (enc == PQ_ENC_PLAIN_DICTIONARY || enc == PQ_ENC_RLE_DICTIONARY) {
        if (!r->have_dict)
            return fail(x, SL_ERR_CORRUPT, "dictionary-encoded page without a dictionary");
        if (nvals) {
            if (n < 1 || p[0] > 32)
                return fail(x, SL_ERR_CORRUPT, "bad dictionary index bit width");
            if ((s = pq_grow((void **)&r->idx, &r->idx_cap, nvals, sizeof *r->idx)))
                return st_fail(x, s, "");
            if ((s = pq_rle_decode(p + 1, n - 1, p[0], r->idx, nvals)))
                return fail(x, s, "corrupt dictionary indices");
            if (c->target == PQ_TGT_I64)
                s = pq_gather_i64(r->dict_i64, r->dict_n, r->idx, nvals, snk.i64);
            else if (c->target == PQ_TGT_F64)
                s = pq_gather_f64(r->dict_f64, r->dict_n, r->idx, nvals, snk.f64);
            else
                s = pq_gather_bytes(r->dict_data.data, r->dict_ends, r->dict_n, r->idx, nvals,
                                    &c->data, snk.ends);
            if (s)
                return st_fail(x, s, "dictionary index out of range");
        }
    } else if (nvals) {
        if ((s = decode_values(x, enc, p, n, nvals, &snk))) {
            if (s == SL_ERR_UNSUPPORTED) {
                char msg[96];
                snprintf(msg, sizeof msg, "encoding %d is not supported for this type", enc);
                return fail(x, s, msg);
            }
            return st_fail(x, s, "corrupt values");
        }
    }

    /* Spread over the slots; fill valid, list offsets and validity. */
    uint8_t *valid = c->valid + base;
    if (nvals == nslots) {
        /* No nulls in this page: the dense values already are the slots. */
        memset(valid, 1, nslots);
        if (c->target == PQ_TGT_BYTES && nslots)
            memcpy(c->offsets + base + 1, snk.ends, nslots * sizeof *snk.ends);
    } else if (c->target == PQ_TGT_BYTES) {
        uint64_t *off = c->offsets + base;   /* off[k + 1] is the end of slot k */
        size_t j = 0, slot = 0;
        for (size_t k = 0; k < count; k++) {
            uint8_t d = def ? def[k] : c->max_def;
            if (d < elem_def)
                continue;
            bool v = d == c->max_def;
            off[slot + 1] = v ? snk.ends[j++] : off[slot];
            valid[slot++] = v;
        }
    } else {
        size_t j = nvals, slot = nslots;
        for (size_t k = count; k-- > 0;) {
            uint8_t d = def ? def[k] : c->max_def;
            if (d < elem_def)
                continue;
            slot--;
            bool v = d == c->max_def;
            if (c->target == PQ_TGT_I64)
                c->i64[base + slot] = v ? c->i64[base + --j] : 0;
            else
                c->f64[base + slot] = v ? c->f64[base + --j] : 0;
            valid[slot] = v;
        }
    }
    if (nvals != nslots)
        x->any_null = true;
    if (rep) {
        for (size_t k = 0, slot = base; k < count; k++) {
            uint8_t d = def ? def[k] : c->max_def;
            if (rep[k] == 0) {
                c->list_offsets[x->rows] = slot;
                c->list_valid[x->rows] = d >= c->list_def;
                if (d < c->list_def)
                    x->any_null_list = true;
                x->rows++;
            }
            if (d >= elem_def)
                slot++;
        }
    } else {
        x->rows += count;
    }
    x->slots += nslots;
    x->entries += count;
    return SL_OK;
}

static sl_pq_codec map_codec(int32_t c, bool *ok)
{
    *ok = true;
    switch (c) {
    case 0: return SL_PQ_CODEC_NONE;
    case 1: return SL_PQ_CODEC_SNAPPY;
    case 2: return SL_PQ_CODEC_GZIP;
    case 5: return SL_PQ_CODEC_LZ4;
    case 6: return SL_PQ_CODEC_ZSTD;
    case 7: return SL_PQ_CODEC_LZ4_RAW;
    default: *ok = false; return SL_PQ_CODEC_NONE;
    }
}

/* Decompresses src[0..n) into r->page, exactly ulen bytes. */
static sl_status inflate(chunk_ctx *x, sl_pq_codec codec, const uint8_t *src, size_t n,
                         size_t ulen, const uint8_t **out)
{
    sl_pq_reader *r = x->r;
    if (codec == SL_PQ_CODEC_NONE) {
        if (n != ulen)
            return fail(x, SL_ERR_CORRUPT, "uncompressed page size does not match");
        *out = src;
        return SL_OK;
    }
    if (ulen > r->max_bytes)
        return fail(x, SL_ERR_LIMIT, "page larger than the reader's size limit");
    sl_status s = pq_grow((void **)&r->page, &r->page_cap, ulen ? ulen : 1, 1);
    if (s)
        return st_fail(x, s, "");
    if (sl_pq_decompress(codec, src, n, r->page, ulen) != SL_OK)
        return fail(x, SL_ERR_CORRUPT, "page does not decompress");
    *out = r->page;
    return SL_OK;
}

static sl_status data_page(chunk_ctx *x, const pq_page_header *h, sl_pq_codec codec,
                           const uint8_t *body)
{
    sl_pq_reader *r = x->r;
    pq_col *c = x->c;
    bool v2 = h->type == PQ_PAGE_DATA_V2;
    if ((v2 && !h->has_v2) || (!v2 && !h->has_data))
        return fail(x, SL_ERR_CORRUPT, "data page without its header");
    if (h->num_values < 0)
        return fail(x, SL_ERR_CORRUPT, "negative value count");
    size_t count = (size_t)h->num_values;
    if (count > r->max_values || x->entries + count > r->max_values)
        return fail(x, SL_ERR_LIMIT, "column chunk has more values than the reader's limit");
    size_t clen = (size_t)h->compressed_size, ulen = (size_t)h->uncompressed_size;
    sl_status s;
    if ((s = pq_grow((void **)&r->def, &r->lev_cap, count + 1, 1)) ||
        (s = pq_grow((void **)&r->rep, &r->rep_cap, count + 1, 1)))
        return st_fail(x, s, "");
    const uint8_t *p;
    size_t n;
    if (v2) {
        if (h->rep_len < 0 || h->def_len < 0 ||
            (size_t)h->rep_len + (size_t)h->def_len > clen ||
            (size_t)h->rep_len + (size_t)h->def_len > ulen)
            return fail(x, SL_ERR_CORRUPT, "level lengths larger than the page");
        size_t rl = (size_t)h->rep_len, dl = (size_t)h->def_len, used;
        if (c->max_rep && (s = read_levels(x, true, 0, body, rl, c->max_rep, r->rep, count, &used)))
            return fail(x, s, "corrupt repetition levels");
        if (c->max_def &&
            (s = read_levels(x, true, 0, body + rl, dl, c->max_def, r->def, count, &used)))
            return fail(x, s, "corrupt definition levels");
        const uint8_t *vals = body + rl + dl;
        size_t vlen = clen - rl - dl, vulen = ulen - rl - dl;
        if (h->is_compressed && codec != SL_PQ_CODEC_NONE) {
            if ((s = inflate(x, codec, vals, vlen, vulen, &p)))
                return s;
            n = vulen;
        } else {
            if (vlen != vulen)
                return fail(x, SL_ERR_CORRUPT, "uncompressed page size does not match");
            p = vals;
            n = vlen;
        }
        return page_values(x, h->encoding, p, n, count);
    }
    if ((s = inflate(x, codec, body, clen, ulen, &p)))
        return s;
    n = ulen;
    size_t used = 0;
    if (c->max_rep) {
        if ((s = read_levels(x, false, h->rep_encoding, p, n, c->max_rep, r->rep, count, &used)))
            return fail(x, s, "corrupt repetition levels");
        p += used;
        n -= used;
    }
    if (c->max_def) {
        if ((s = read_levels(x, false, h->def_encoding, p, n, c->max_def, r->def, count, &used)))
            return fail(x, s, "corrupt definition levels");
        p += used;
        n -= used;
    }
    return page_values(x, h->encoding, p, n, count);
}

sl_status sl_pq_reader_read_column(sl_pq_reader *r, size_t rg, size_t col,
                                   sl_pq_column_data *out, sl_error *err)
{
    memset(out, 0, sizeof *out);
    sl_error_clear(err);
    if (rg >= r->meta.nrgs || col >= r->ncols)
        return sl_error_set(err, SL_ERR_USAGE, "row group %zu or column %zu out of range", rg, col);
    pq_col *c = &r->cols[col];
    chunk_ctx x = {r, c, rg, err, 0, 0, 0, 0, (uint64_t)r->meta.rgs[rg].num_rows, false, false};
    if (c->pub.type == SL_PQ_UNSUPPORTED) {
        sl_error_set(err, SL_ERR_UNSUPPORTED, "column '%s' is %s: not supported by the reader",
                     c->pub.name, c->why ? c->why : "of an unsupported type");
        sl_error_set_file(err, r->name);
        return SL_ERR_UNSUPPORTED;
    }
    const pq_column_chunk *cc = &r->meta.rgs[rg].cols[c->leaf];
    const pq_col_meta *m = &cc->meta;
    if (!cc->has_meta || cc->encrypted)
        return fail(&x, SL_ERR_UNSUPPORTED, "column chunk without plain metadata");
    if (cc->has_file_path)
        return fail(&x, SL_ERR_UNSUPPORTED, "column chunk stored in another file");
    if (m->type != c->phys)
        return fail(&x, SL_ERR_CORRUPT, "chunk type differs from the schema");
    bool ok;
    sl_pq_codec codec = map_codec(m->codec, &ok);
    if (!ok)
        return fail(&x, SL_ERR_UNSUPPORTED, "compression codec not supported (LZO or BROTLI)");
    int64_t start = m->data_page_offset;
    if (m->has_dictionary_page_offset && m->dictionary_page_offset > 0 &&
        m->dictionary_page_offset < start)
        start = m->dictionary_page_offset;
    uint64_t fsize = r->size;
    if (start < 4 || (uint64_t)start >= fsize || m->total_compressed_size < 0 ||
        (uint64_t)m->total_compressed_size > fsize - (uint64_t)start)
        return fail(&x, SL_ERR_CORRUPT, "column chunk lies outside the file");
    x.page_off = (uint64_t)start;
    const uint8_t *pos = r->file + start, *end = pos + m->total_compressed_size;
    uint64_t want_rows = (uint64_t)r->meta.rgs[rg].num_rows;
    r->have_dict = false;
    r->dict_n = 0;
    sl_buf_clear(&c->data);
    sl_status s;
    if ((s = sl_buf_reserve(&c->data, 64)))
        return st_fail(&x, s, "");
    /* Size the outputs once for a flat column: one slot per row. */
    if (!c->pub.list && want_rows <= r->max_values && (s = reserve_out(&x, (size_t)want_rows, 0)))
        return st_fail(&x, s, "");
    while (pos < end) {
        x.page_off = (uint64_t)(pos - r->file);
        pq_tr t;
        pq_page_header h;
        pq_tr_init(&t, pos, (size_t)(end - pos), x.page_off, NULL, err);
        if ((s = pq_read_page_header(&t, &h))) {
            sl_error_set_file(err, r->name);
            return s;
        }
        const uint8_t *body = t.p;
        if ((size_t)h.compressed_size > (size_t)(end - body))
            return fail(&x, SL_ERR_CORRUPT, "page runs past the end of its column chunk");
        if ((size_t)h.uncompressed_size > r->max_bytes)
            return fail(&x, SL_ERR_LIMIT, "page larger than the reader's size limit");
        if (h.type == PQ_PAGE_DICTIONARY) {
            if (!h.has_dict)
                return fail(&x, SL_ERR_CORRUPT, "dictionary page without its header");
            const uint8_t *p;
            if ((s = inflate(&x, codec, body, (size_t)h.compressed_size,
                             (size_t)h.uncompressed_size, &p)))
                return s;
            if ((s = load_dictionary(&x, &h, p, (size_t)h.uncompressed_size)))
                return s;
        } else if (h.type == PQ_PAGE_DATA || h.type == PQ_PAGE_DATA_V2) {
            if ((s = data_page(&x, &h, codec, body)))
                return s;
        }
        pos = body + h.compressed_size;
    }
    x.page_off = (uint64_t)start;
    if (x.rows != want_rows) {
        char msg[128];
        snprintf(msg, sizeof msg, "chunk holds %zu rows, the row group %llu", x.rows,
                 (unsigned long long)want_rows);
        return fail(&x, SL_ERR_CORRUPT, msg);
    }
    if (c->target == PQ_TGT_BYTES && (s = reserve_out(&x, 0, 0)))
        return st_fail(&x, s, "");
    if (c->target == PQ_TGT_BYTES)
        c->offsets[0] = 0;
    if (c->pub.list) {
        if ((s = reserve_out(&x, 0, 0)))
            return st_fail(&x, s, "");
        c->list_offsets[x.rows] = x.slots;
    }
    out->num_rows = x.rows;
    out->num_values = x.slots;
    out->valid = x.any_null ? c->valid : NULL;
    out->i64 = c->target == PQ_TGT_I64 ? c->i64 : NULL;
    out->f64 = c->target == PQ_TGT_F64 ? c->f64 : NULL;
    out->offsets = c->target == PQ_TGT_BYTES ? c->offsets : NULL;
    out->data = c->target == PQ_TGT_BYTES ? c->data.data : NULL;
    out->list_offsets = c->pub.list ? c->list_offsets : NULL;
    out->list_valid = c->pub.list && x.any_null_list ? c->list_valid : NULL;
    return SL_OK;
}
