/* Thrift compact protocol encoder and the Parquet PageHeader / FileMetaData
 * serialisers (see thrift_write.h). Wire facts, from the Thrift compact protocol
 * spec: integers are zigzag varints; a field header is one byte
 * (delta << 4 | type) when the id grows by 1..15 over the previous field of the
 * same struct, else the type byte and the id as a zigzag varint; booleans live in
 * the field header's type (1 true, 2 false); a struct ends with a 0 byte; a list
 * header is (n << 4 | type) for n < 15, else (0xF0 | type) and a varint n. */
#include "parquet/thrift_write.h"

#include <string.h>

#include "parquet/format.h"

void pq_tw_init(pq_tw *t, sl_buf *out)
{
    t->out = out;
    t->depth = 0;
    t->last[0] = 0;
    t->status = SL_OK;
}

static void put(pq_tw *t, uint8_t c)
{
    if (t->status == SL_OK)
        t->status = sl_buf_putc(t->out, c);
}

static void put_bytes(pq_tw *t, const void *p, size_t n)
{
    if (t->status == SL_OK)
        t->status = sl_buf_append(t->out, p, n);
}

void pq_tw_varint(pq_tw *t, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (uint8_t)v;
    put_bytes(t, tmp, n);
}

void pq_tw_field(pq_tw *t, int16_t id, uint8_t ctype)
{
    int16_t last = t->last[t->depth];
    if (id > last && id - last <= 15) {
        put(t, (uint8_t)((id - last) << 4 | ctype));
    } else {
        put(t, ctype);
        pq_tw_varint(t, pq_zigzag64(id));
    }
    t->last[t->depth] = id;
}

void pq_tw_bool(pq_tw *t, int16_t id, bool v)
{
    pq_tw_field(t, id, v ? PQ_TT_TRUE : PQ_TT_FALSE);
}

void pq_tw_i8(pq_tw *t, int16_t id, int8_t v)
{
    pq_tw_field(t, id, PQ_TT_BYTE);
    put(t, (uint8_t)v);
}

void pq_tw_i32(pq_tw *t, int16_t id, int32_t v)
{
    pq_tw_field(t, id, PQ_TT_I32);
    pq_tw_varint(t, pq_zigzag64(v));
}

void pq_tw_i64(pq_tw *t, int16_t id, int64_t v)
{
    pq_tw_field(t, id, PQ_TT_I64);
    pq_tw_varint(t, pq_zigzag64(v));
}

void pq_tw_elem_binary(pq_tw *t, const void *p, size_t n)
{
    pq_tw_varint(t, n);
    put_bytes(t, p, n);
}

void pq_tw_binary(pq_tw *t, int16_t id, const void *p, size_t n)
{
    pq_tw_field(t, id, PQ_TT_BINARY);
    pq_tw_elem_binary(t, p, n);
}

void pq_tw_string(pq_tw *t, int16_t id, const char *s)
{
    pq_tw_binary(t, id, s, strlen(s));
}

void pq_tw_begin(pq_tw *t)
{
    if (t->depth + 1 >= PQ_TW_MAX_DEPTH) {
        t->status = SL_ERR_LIMIT;
        return;
    }
    t->last[++t->depth] = 0;
}

void pq_tw_struct_begin(pq_tw *t, int16_t id)
{
    pq_tw_field(t, id, PQ_TT_STRUCT);
    pq_tw_begin(t);
}

void pq_tw_elem_struct_begin(pq_tw *t)
{
    pq_tw_begin(t);
}

void pq_tw_struct_end(pq_tw *t)
{
    put(t, PQ_TT_STOP);
    if (t->depth > 0)
        t->depth--;
}

void pq_tw_end(pq_tw *t)
{
    pq_tw_struct_end(t);
}

void pq_tw_list_begin(pq_tw *t, int16_t id, uint8_t elem_ctype, size_t n)
{
    pq_tw_field(t, id, PQ_TT_LIST);
    if (n < 15) {
        put(t, (uint8_t)(n << 4 | elem_ctype));
    } else {
        put(t, (uint8_t)(0xF0 | elem_ctype));
        pq_tw_varint(t, n);
    }
}

void pq_tw_elem_i32(pq_tw *t, int32_t v)
{
    pq_tw_varint(t, pq_zigzag64(v));
}

/* ------------------------------------------------------------ Parquet structs */

/* Statistics: 1 max, 2 min (deprecated, signed order), 3 null_count,
 * 5 max_value, 6 min_value. */
static void write_stats(pq_tw *t, int16_t id, const pq_w_stats *s)
{
    pq_tw_struct_begin(t, id);
    if (s->has_min_max && s->legacy_min_max) {
        pq_tw_binary(t, 1, s->max, s->max_len);
        pq_tw_binary(t, 2, s->min, s->min_len);
    }
    if (s->has_null_count)
        pq_tw_i64(t, 3, s->null_count);
    if (s->has_min_max) {
        pq_tw_binary(t, 5, s->max, s->max_len);
        pq_tw_binary(t, 6, s->min, s->min_len);
    }
    pq_tw_struct_end(t);
}

sl_status pq_tw_page_header(sl_buf *out, const pq_w_page_header *h)
{
    pq_tw t;
    pq_tw_init(&t, out);
    pq_tw_begin(&t);
    pq_tw_i32(&t, 1, h->type);
    pq_tw_i32(&t, 2, h->uncompressed_size);
    pq_tw_i32(&t, 3, h->compressed_size);
    switch (h->type) {
    case PQ_PAGE_DATA:                          /* DataPageHeader */
        pq_tw_struct_begin(&t, 5);
        pq_tw_i32(&t, 1, h->num_values);
        pq_tw_i32(&t, 2, h->encoding);
        pq_tw_i32(&t, 3, PQ_ENC_RLE);           /* definition_level_encoding */
        pq_tw_i32(&t, 4, PQ_ENC_RLE);           /* repetition_level_encoding */
        pq_tw_struct_end(&t);
        break;
    case PQ_PAGE_DICTIONARY:                    /* DictionaryPageHeader */
        pq_tw_struct_begin(&t, 7);
        pq_tw_i32(&t, 1, h->num_values);
        pq_tw_i32(&t, 2, h->encoding);
        pq_tw_struct_end(&t);
        break;
    case PQ_PAGE_DATA_V2:                       /* DataPageHeaderV2 */
        pq_tw_struct_begin(&t, 8);
        pq_tw_i32(&t, 1, h->num_values);
        pq_tw_i32(&t, 2, h->num_nulls);
        pq_tw_i32(&t, 3, h->num_rows);
        pq_tw_i32(&t, 4, h->encoding);
        pq_tw_i32(&t, 5, h->def_len);
        pq_tw_i32(&t, 6, h->rep_len);
        pq_tw_bool(&t, 7, h->is_compressed);
        pq_tw_struct_end(&t);
        break;
    default:
        return SL_ERR_USAGE;
    }
    pq_tw_end(&t);
    return pq_tw_status(&t);
}

/* LogicalType is a union of (mostly empty) structs; the member's field id is its
 * enum pq_logical value. TimeUnit is a union too: 1 MILLIS, 2 MICROS, 3 NANOS. */
static void write_logical(pq_tw *t, const pq_w_schema *e)
{
    pq_tw_struct_begin(t, 10);
    pq_tw_struct_begin(t, (int16_t)e->logical);
    switch (e->logical) {
    case PQ_LT_DECIMAL:
        pq_tw_i32(t, 1, e->scale);
        pq_tw_i32(t, 2, e->precision);
        break;
    case PQ_LT_TIME:
    case PQ_LT_TIMESTAMP:
        pq_tw_bool(t, 1, e->utc);
        pq_tw_struct_begin(t, 2);
        pq_tw_struct_begin(t, (int16_t)(e->time_unit + 1));
        pq_tw_struct_end(t);
        pq_tw_struct_end(t);
        break;
    case PQ_LT_INTEGER:
        pq_tw_i8(t, 1, e->int_bits);
        pq_tw_bool(t, 2, e->int_signed);
        break;
    default:
        break;   /* STRING, LIST, DATE, ...: empty structs */
    }
    pq_tw_struct_end(t);
    pq_tw_struct_end(t);
}

/* SchemaElement: 1 type, 2 type_length, 3 repetition_type, 4 name, 5 num_children,
 * 6 converted_type, 7 scale, 8 precision, 10 logicalType. */
static void write_schema(pq_tw *t, const pq_w_schema *e)
{
    pq_tw_elem_struct_begin(t);
    if (e->type >= 0)
        pq_tw_i32(t, 1, e->type);
    if (e->type_length > 0)
        pq_tw_i32(t, 2, e->type_length);
    if (e->repetition >= 0)
        pq_tw_i32(t, 3, e->repetition);
    pq_tw_string(t, 4, e->name);
    if (e->num_children >= 0)
        pq_tw_i32(t, 5, e->num_children);
    if (e->converted >= 0)
        pq_tw_i32(t, 6, e->converted);
    if (e->logical == PQ_LT_DECIMAL) {
        pq_tw_i32(t, 7, e->scale);
        pq_tw_i32(t, 8, e->precision);
    }
    if (e->logical)
        write_logical(t, e);
    pq_tw_struct_end(t);
}

/* ColumnMetaData: 1 type, 2 encodings, 3 path_in_schema, 4 codec, 5 num_values,
 * 6 total_uncompressed_size, 7 total_compressed_size, 9 data_page_offset,
 * 11 dictionary_page_offset, 12 statistics, 13 encoding_stats. */
static void write_column_meta(pq_tw *t, const pq_w_chunk *c)
{
    pq_tw_struct_begin(t, 3);
    pq_tw_i32(t, 1, c->type);
    size_t nenc = 0;
    for (int e = 0; e < 32; e++)
        nenc += (c->encodings >> e) & 1;
    pq_tw_list_begin(t, 2, PQ_TT_I32, nenc);
    for (int e = 0; e < 32; e++)
        if ((c->encodings >> e) & 1)
            pq_tw_elem_i32(t, e);
    pq_tw_list_begin(t, 3, PQ_TT_BINARY, c->path_len);
    for (size_t i = 0; i < c->path_len; i++)
        pq_tw_elem_binary(t, c->path[i], strlen(c->path[i]));
    pq_tw_i32(t, 4, c->codec);
    pq_tw_i64(t, 5, c->num_values);
    pq_tw_i64(t, 6, c->total_uncompressed);
    pq_tw_i64(t, 7, c->total_compressed);
    pq_tw_i64(t, 9, c->data_page_offset);
    if (c->dictionary_page_offset >= 0)
        pq_tw_i64(t, 11, c->dictionary_page_offset);
    write_stats(t, 12, &c->stats);
    if (c->n_enc_stats) {
        pq_tw_list_begin(t, 13, PQ_TT_STRUCT, c->n_enc_stats);
        for (size_t i = 0; i < c->n_enc_stats; i++) {
            pq_tw_elem_struct_begin(t);
            pq_tw_i32(t, 1, c->enc_stats[i].page_type);
            pq_tw_i32(t, 2, c->enc_stats[i].encoding);
            pq_tw_i32(t, 3, c->enc_stats[i].count);
            pq_tw_struct_end(t);
        }
    }
    pq_tw_struct_end(t);
}

/* RowGroup: 1 columns (ColumnChunk: 2 file_offset, 3 meta_data), 2 total_byte_size,
 * 3 num_rows, 5 file_offset, 6 total_compressed_size, 7 ordinal (i16). */
static void write_row_group(pq_tw *t, const pq_w_row_group *rg, size_t ncols)
{
    pq_tw_elem_struct_begin(t);
    pq_tw_list_begin(t, 1, PQ_TT_STRUCT, ncols);
    for (size_t c = 0; c < ncols; c++) {
        pq_tw_elem_struct_begin(t);
        pq_tw_i64(t, 2, rg->chunks[c].file_offset);
        write_column_meta(t, &rg->chunks[c]);
        pq_tw_struct_end(t);
    }
    pq_tw_i64(t, 2, rg->total_byte_size);
    pq_tw_i64(t, 3, rg->num_rows);
    pq_tw_i64(t, 5, rg->file_offset);
    pq_tw_i64(t, 6, rg->total_compressed);
    if (rg->ordinal >= 0) {
        pq_tw_field(t, 7, PQ_TT_I16);
        pq_tw_varint(t, pq_zigzag64(rg->ordinal));
    }
    pq_tw_struct_end(t);
}

/* FileMetaData: 1 version, 2 schema, 3 num_rows, 4 row_groups,
 * 5 key_value_metadata, 6 created_by, 7 column_orders. */
sl_status pq_tw_file_metadata(sl_buf *out, const pq_w_file_meta *m)
{
    pq_tw t;
    pq_tw_init(&t, out);
    pq_tw_begin(&t);
    pq_tw_i32(&t, 1, m->version);
    pq_tw_list_begin(&t, 2, PQ_TT_STRUCT, m->nschema);
    for (size_t i = 0; i < m->nschema; i++)
        write_schema(&t, &m->schema[i]);
    pq_tw_i64(&t, 3, m->num_rows);
    pq_tw_list_begin(&t, 4, PQ_TT_STRUCT, m->nrow_groups);
    for (size_t i = 0; i < m->nrow_groups; i++)
        write_row_group(&t, &m->row_groups[i], m->ncols);
    if (m->nkv) {
        pq_tw_list_begin(&t, 5, PQ_TT_STRUCT, m->nkv);
        for (size_t i = 0; i < m->nkv; i++) {
            pq_tw_elem_struct_begin(&t);
            pq_tw_string(&t, 1, m->kv[i].key);
            if (m->kv[i].value)
                pq_tw_string(&t, 2, m->kv[i].value);
            pq_tw_struct_end(&t);
        }
    }
    if (m->created_by)
        pq_tw_string(&t, 6, m->created_by);
    /* Every column uses the type-defined order (ColumnOrder.TYPE_ORDER, field 1). */
    pq_tw_list_begin(&t, 7, PQ_TT_STRUCT, m->ncols);
    for (size_t i = 0; i < m->ncols; i++) {
        pq_tw_elem_struct_begin(&t);
        pq_tw_struct_begin(&t, 1);
        pq_tw_struct_end(&t);
        pq_tw_struct_end(&t);
    }
    pq_tw_end(&t);
    return pq_tw_status(&t);
}
