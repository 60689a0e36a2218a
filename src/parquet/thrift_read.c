/* Thrift compact protocol decoder for Parquet metadata (see thrift_read.h).
 *
 * Wire format facts (Thrift compact protocol spec): a field header byte holds the
 * field id delta in its high nibble (0: a zigzag varint i16 id follows) and the
 * wire type in its low nibble; booleans live in the field type (1 true, 2 false);
 * integers are zigzag varints; binary is a varint length and bytes; a list header
 * is a byte with the size in the high nibble (15: a varint size follows) and the
 * element type in the low nibble; a map is a varint size and, when non-empty, a
 * byte of key and value types. */
#include "parquet/thrift_read.h"

#include <string.h>

#include "parquet/format.h"

void pq_tr_init(pq_tr *t, const uint8_t *p, size_t n, uint64_t base, sl_arena *arena,
                sl_error *err)
{
    t->start = t->p = p;
    t->end = p + n;
    t->base = base;
    t->depth = 0;
    t->arena = arena;
    t->err = err;
}

static sl_status bad(pq_tr *t, const char *what)
{
    return sl_error_at(t->err, SL_ERR_CORRUPT, 0, 0, t->base + (uint64_t)(t->p - t->start),
                       "corrupt thrift metadata: %s at byte %llu", what,
                       (unsigned long long)(t->base + (uint64_t)(t->p - t->start)));
}

static size_t left(const pq_tr *t) { return (size_t)(t->end - t->p); }

sl_status pq_tr_varint(pq_tr *t, uint64_t *v)
{
    uint64_t x = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (t->p >= t->end)
            return bad(t, "truncated varint");
        uint8_t b = *t->p++;
        if (shift == 63 && (b & 0x7e))
            return bad(t, "varint overflows 64 bits");
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return SL_OK;
        }
    }
    return bad(t, "varint too long");
}

static sl_status zigzag(pq_tr *t, int64_t *v)
{
    uint64_t u;
    sl_status s = pq_tr_varint(t, &u);
    if (s)
        return s;
    *v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
    return SL_OK;
}

static sl_status byte(pq_tr *t, uint8_t *b)
{
    if (t->p >= t->end)
        return bad(t, "truncated");
    *b = *t->p++;
    return SL_OK;
}

static sl_status binary(pq_tr *t, const uint8_t **p, uint32_t *n)
{
    uint64_t len;
    sl_status s = pq_tr_varint(t, &len);
    if (s)
        return s;
    if (len > left(t) || len > UINT32_MAX)
        return bad(t, "string length past the end");
    *p = t->p;
    *n = (uint32_t)len;
    t->p += len;
    return SL_OK;
}

static sl_status list_header(pq_tr *t, int *etype, uint32_t *n)
{
    uint8_t b = 0;
    sl_status s = byte(t, &b);
    if (s)
        return s;
    uint64_t size = b >> 4;
    if (size == 15 && (s = pq_tr_varint(t, &size)))
        return s;
    *etype = b & 0x0f;
    /* Every element takes at least one byte: a list cannot be longer than what is left. */
    if (size > left(t))
        return bad(t, "list size past the end");
    *n = (uint32_t)size;
    return SL_OK;
}

sl_status pq_tr_skip(pq_tr *t, int type)
{
    sl_status s = SL_OK;
    uint64_t u;
    switch (type) {
    case PQ_TT_TRUE:
    case PQ_TT_FALSE:
        return SL_OK;   /* a field's bool is in its header; a list's took a byte already */
    case PQ_TT_BYTE:
        return left(t) >= 1 ? (t->p++, SL_OK) : bad(t, "truncated byte");
    case PQ_TT_I16:
    case PQ_TT_I32:
    case PQ_TT_I64:
        return pq_tr_varint(t, &u);
    case PQ_TT_DOUBLE:
        if (left(t) < 8)
            return bad(t, "truncated double");
        t->p += 8;
        return SL_OK;
    case PQ_TT_UUID:
        if (left(t) < 16)
            return bad(t, "truncated uuid");
        t->p += 16;
        return SL_OK;
    case PQ_TT_BINARY: {
        const uint8_t *p = NULL;
        uint32_t n = 0;
        return binary(t, &p, &n);
    }
    default:
        break;
    }
    if (++t->depth > PQ_TR_MAX_DEPTH)
        return bad(t, "nesting too deep");
    if (type == PQ_TT_LIST || type == PQ_TT_SET) {
        int et;
        uint32_t n = 0;
        if ((s = list_header(t, &et, &n)))
            goto out;
        for (uint32_t i = 0; i < n && !s; i++) {
            if (et == PQ_TT_TRUE || et == PQ_TT_FALSE)
                s = pq_tr_skip(t, PQ_TT_BYTE);
            else
                s = pq_tr_skip(t, et);
        }
    } else if (type == PQ_TT_MAP) {
        if ((s = pq_tr_varint(t, &u)))
            goto out;
        if (u > left(t) / 2) {
            s = bad(t, "map size past the end");
            goto out;
        }
        if (u) {
            uint8_t kv = 0;
            if ((s = byte(t, &kv)))
                goto out;
            int kt = kv >> 4, vt = kv & 0x0f;
            if (kt == PQ_TT_TRUE || kt == PQ_TT_FALSE)
                kt = PQ_TT_BYTE;
            if (vt == PQ_TT_TRUE || vt == PQ_TT_FALSE)
                vt = PQ_TT_BYTE;
            for (uint64_t i = 0; i < u && !s; i++) {
                s = pq_tr_skip(t, kt);
                if (!s)
                    s = pq_tr_skip(t, vt);
            }
        }
    } else if (type == PQ_TT_STRUCT) {
        int16_t last = 0;
        for (;;) {
            uint8_t b = 0;
            if ((s = byte(t, &b)))
                break;
            int ft = b & 0x0f;
            if (ft == PQ_TT_STOP)
                break;
            if (b >> 4) {
                last = (int16_t)(last + (b >> 4));
            } else {
                int64_t id;
                if ((s = zigzag(t, &id)))
                    break;
                last = (int16_t)id;
            }
            if ((s = pq_tr_skip(t, ft)))
                break;
        }
    } else {
        s = bad(t, "unknown wire type");
    }
out:
    t->depth--;
    return s;
}

/* ------------------------------------------------------------ struct helpers */

/* Reads the next field header. *type is PQ_TT_STOP at the end of the struct. */
static sl_status field(pq_tr *t, int16_t *last, int16_t *id, int *type)
{
    uint8_t b = 0;
    sl_status s = byte(t, &b);
    if (s)
        return s;
    *type = b & 0x0f;
    if (*type == PQ_TT_STOP)
        return SL_OK;
    if (b >> 4) {
        *last = (int16_t)(*last + (b >> 4));
    } else {
        int64_t v;
        if ((s = zigzag(t, &v)))
            return s;
        if (v < INT16_MIN || v > INT16_MAX)
            return bad(t, "field id out of range");
        *last = (int16_t)v;
    }
    *id = *last;
    return SL_OK;
}

static bool is_int(int type)
{
    return type == PQ_TT_BYTE || type == PQ_TT_I16 || type == PQ_TT_I32 || type == PQ_TT_I64;
}

static sl_status rd_i64(pq_tr *t, int type, int64_t *v)
{
    if (type == PQ_TT_BYTE) {
        uint8_t b = 0;
        sl_status s = byte(t, &b);
        *v = (int8_t)b;
        return s;
    }
    return zigzag(t, v);
}

static sl_status rd_i32(pq_tr *t, int type, int32_t *v)
{
    int64_t x;
    sl_status s = rd_i64(t, type, &x);
    if (s)
        return s;
    if (x < INT32_MIN || x > INT32_MAX)
        return bad(t, "i32 out of range");
    *v = (int32_t)x;
    return SL_OK;
}

static sl_status rd_string(pq_tr *t, const char **out)
{
    const uint8_t *p = NULL;
    uint32_t n = 0;
    sl_status s = binary(t, &p, &n);
    if (s)
        return s;
    char *c = sl_arena_strndup(t->arena, (const char *)p, n);
    if (!c)
        return sl_error_set(t->err, SL_ERR_NOMEM, "out of memory reading metadata");
    *out = c;
    return SL_OK;
}

static sl_status enter(pq_tr *t)
{
    if (++t->depth > PQ_TR_MAX_DEPTH)
        return bad(t, "nesting too deep");
    return SL_OK;
}

static void *arena_array(pq_tr *t, size_t n, size_t size)
{
    void *p = sl_arena_alloc(t->arena, n ? n * size : 1);
    if (p)
        memset(p, 0, n ? n * size : 1);
    return p;
}

/* Each parser: a loop over fields; a field of the expected id and wire type is read,
 * anything else skipped. FIELD(id, cond) tests both. */
#define FIELD_IS(want_id, cond) (id == (want_id) && (cond))
#define STRUCT_LOOP_BEGIN                                                        \
    sl_status s = enter(t);                                                      \
    int16_t last = 0, id = 0;                                                    \
    int type = 0;                                                                \
    while (!s) {                                                                 \
        if ((s = field(t, &last, &id, &type)) || type == PQ_TT_STOP)             \
            break;
#define STRUCT_LOOP_END                                                          \
    }                                                                            \
    t->depth--;                                                                  \
    return s;

/* An empty struct (the members of LogicalType, TimeUnit) or any struct we ignore. */
static sl_status skip_struct(pq_tr *t) { return pq_tr_skip(t, PQ_TT_STRUCT); }

static sl_status rd_time_unit(pq_tr *t, int *unit)
{
    STRUCT_LOOP_BEGIN
    if (id >= 1 && id <= 3 && type == PQ_TT_STRUCT) {
        *unit = id;
        s = skip_struct(t);
    } else {
        s = pq_tr_skip(t, type);
    }
    STRUCT_LOOP_END
}

/* DecimalType, TimeType, TimestampType, IntType share this reader: their field ids
 * do not collide in type (1 scale i32 / isAdjustedToUTC bool / bitWidth i8, 2
 * precision i32 / unit struct / isSigned bool). */
static sl_status rd_logical_member(pq_tr *t, int kind, pq_logical_type *lt)
{
    STRUCT_LOOP_BEGIN
    bool is_bool = type == PQ_TT_TRUE || type == PQ_TT_FALSE;
    if (kind == PQ_LT_DECIMAL && FIELD_IS(1, is_int(type)))
        s = rd_i32(t, type, &lt->scale);
    else if (kind == PQ_LT_DECIMAL && FIELD_IS(2, is_int(type)))
        s = rd_i32(t, type, &lt->precision);
    else if ((kind == PQ_LT_TIME || kind == PQ_LT_TIMESTAMP) && FIELD_IS(1, is_bool))
        lt->utc = type == PQ_TT_TRUE;
    else if ((kind == PQ_LT_TIME || kind == PQ_LT_TIMESTAMP) && FIELD_IS(2, type == PQ_TT_STRUCT))
        s = rd_time_unit(t, &lt->unit);
    else if (kind == PQ_LT_INTEGER && FIELD_IS(1, is_int(type))) {
        int32_t w;
        s = rd_i32(t, type, &w);
        lt->bit_width = w;
    } else if (kind == PQ_LT_INTEGER && FIELD_IS(2, is_bool))
        lt->is_signed = type == PQ_TT_TRUE;
    else
        s = pq_tr_skip(t, type);
    STRUCT_LOOP_END
}

static sl_status rd_logical(pq_tr *t, pq_logical_type *lt)
{
    STRUCT_LOOP_BEGIN
    if (type == PQ_TT_STRUCT && id >= 1 && id <= 127) {
        lt->kind = id;
        s = rd_logical_member(t, id, lt);
    } else {
        s = pq_tr_skip(t, type);
    }
    STRUCT_LOOP_END
}

static sl_status rd_schema_el(pq_tr *t, pq_schema_el *e)
{
    e->name = "";
    STRUCT_LOOP_BEGIN
    if (FIELD_IS(1, is_int(type))) {
        s = rd_i32(t, type, &e->type);
        e->has_type = true;
    } else if (FIELD_IS(2, is_int(type)))
        s = rd_i32(t, type, &e->type_length);
    else if (FIELD_IS(3, is_int(type))) {
        s = rd_i32(t, type, &e->repetition);
        e->has_repetition = true;
    } else if (FIELD_IS(4, type == PQ_TT_BINARY))
        s = rd_string(t, &e->name);
    else if (FIELD_IS(5, is_int(type)))
        s = rd_i32(t, type, &e->num_children);
    else if (FIELD_IS(6, is_int(type))) {
        s = rd_i32(t, type, &e->converted);
        e->has_converted = true;
    } else if (FIELD_IS(7, is_int(type)))
        s = rd_i32(t, type, &e->scale);
    else if (FIELD_IS(8, is_int(type)))
        s = rd_i32(t, type, &e->precision);
    else if (FIELD_IS(10, type == PQ_TT_STRUCT))
        s = rd_logical(t, &e->logical);
    else
        s = pq_tr_skip(t, type);
    STRUCT_LOOP_END
}

static sl_status rd_stats(pq_tr *t, pq_stats *st)
{
    STRUCT_LOOP_BEGIN
    if (FIELD_IS(1, type == PQ_TT_BINARY)) {
        s = binary(t, &st->max_legacy, &st->max_legacy_len);
        st->has_max_legacy = true;
    } else if (FIELD_IS(2, type == PQ_TT_BINARY)) {
        s = binary(t, &st->min_legacy, &st->min_legacy_len);
        st->has_min_legacy = true;
    } else if (FIELD_IS(3, is_int(type))) {
        s = rd_i64(t, type, &st->null_count);
        st->has_null_count = true;
    } else if (FIELD_IS(5, type == PQ_TT_BINARY)) {
        s = binary(t, &st->max_value, &st->max_value_len);
        st->has_max_value = true;
    } else if (FIELD_IS(6, type == PQ_TT_BINARY)) {
        s = binary(t, &st->min_value, &st->min_value_len);
        st->has_min_value = true;
    } else
        s = pq_tr_skip(t, type);
    STRUCT_LOOP_END
}

static sl_status rd_encodings(pq_tr *t, uint32_t *mask)
{
    int et;
    uint32_t n = 0;
    sl_status s = list_header(t, &et, &n);
    if (s)
        return s;
    for (uint32_t i = 0; i < n && !s; i++) {
        if (!is_int(et)) {
            s = pq_tr_skip(t, et == PQ_TT_TRUE || et == PQ_TT_FALSE ? PQ_TT_BYTE : et);
            continue;
        }
        int32_t e;
        s = rd_i32(t, et, &e);
        if (!s && e >= 0 && e < 32)
            *mask |= 1u << e;
    }
    return s;
}

static sl_status rd_col_meta(pq_tr *t, pq_col_meta *m)
{
    bool seen[8] = {0};
    STRUCT_LOOP_BEGIN
    if (FIELD_IS(1, is_int(type)))
        s = rd_i32(t, type, &m->type), seen[1] = true;
    else if (FIELD_IS(2, type == PQ_TT_LIST))
        s = rd_encodings(t, &m->encodings);
    else if (FIELD_IS(4, is_int(type)))
        s = rd_i32(t, type, &m->codec), seen[4] = true;
    else if (FIELD_IS(5, is_int(type)))
        s = rd_i64(t, type, &m->num_values), seen[5] = true;
    else if (FIELD_IS(6, is_int(type)))
        s = rd_i64(t, type, &m->total_uncompressed_size);
    else if (FIELD_IS(7, is_int(type)))
        s = rd_i64(t, type, &m->total_compressed_size), seen[7] = true;
    else if (FIELD_IS(9, is_int(type)))
        s = rd_i64(t, type, &m->data_page_offset), seen[6] = true;
    else if (FIELD_IS(10, is_int(type))) {
        s = rd_i64(t, type, &m->index_page_offset);
        m->has_index_page_offset = true;
    } else if (FIELD_IS(11, is_int(type))) {
        s = rd_i64(t, type, &m->dictionary_page_offset);
        m->has_dictionary_page_offset = true;
    } else if (FIELD_IS(12, type == PQ_TT_STRUCT)) {
        s = rd_stats(t, &m->stats);
        m->has_stats = true;
    } else
        s = pq_tr_skip(t, type);
    }
    t->depth--;
    if (!s && !(seen[1] && seen[4] && seen[5] && seen[6] && seen[7]))
        return bad(t, "ColumnMetaData misses a required field");
    return s;
}

static sl_status rd_column_chunk(pq_tr *t, pq_column_chunk *c)
{
    STRUCT_LOOP_BEGIN
    if (FIELD_IS(1, type == PQ_TT_BINARY)) {
        const uint8_t *p = NULL;
        uint32_t n = 0;
        s = binary(t, &p, &n);
        c->has_file_path = true;
    } else if (FIELD_IS(2, is_int(type)))
        s = rd_i64(t, type, &c->file_offset);
    else if (FIELD_IS(3, type == PQ_TT_STRUCT)) {
        s = rd_col_meta(t, &c->meta);
        c->has_meta = true;
    } else if (id == 8 || id == 9) {
        c->encrypted = true;
        s = pq_tr_skip(t, type);
    } else
        s = pq_tr_skip(t, type);
    STRUCT_LOOP_END
}

static sl_status rd_row_group(pq_tr *t, pq_row_group *rg)
{
    bool seen_rows = false;
    STRUCT_LOOP_BEGIN
    if (FIELD_IS(1, type == PQ_TT_LIST)) {
        int et;
        uint32_t n = 0;
        if ((s = list_header(t, &et, &n)))
            break;
        if (et != PQ_TT_STRUCT) {
            s = bad(t, "RowGroup.columns is not a list of structs");
            break;
        }
        rg->cols = arena_array(t, n, sizeof *rg->cols);
        if (!rg->cols) {
            s = sl_error_set(t->err, SL_ERR_NOMEM, "out of memory reading metadata");
            break;
        }
        rg->ncols = n;
        for (uint32_t i = 0; i < n && !s; i++)
            s = rd_column_chunk(t, &rg->cols[i]);
    } else if (FIELD_IS(2, is_int(type)))
        s = rd_i64(t, type, &rg->total_byte_size);
    else if (FIELD_IS(3, is_int(type))) {
        s = rd_i64(t, type, &rg->num_rows);
        seen_rows = true;
    } else
        s = pq_tr_skip(t, type);
    }
    t->depth--;
    if (!s && !seen_rows)
        return bad(t, "RowGroup misses num_rows");
    return s;
}

static sl_status rd_kv(pq_tr *t, pq_kv *kv)
{
    kv->key = NULL;
    kv->value = "";
    STRUCT_LOOP_BEGIN
    if (FIELD_IS(1, type == PQ_TT_BINARY))
        s = rd_string(t, &kv->key);
    else if (FIELD_IS(2, type == PQ_TT_BINARY))
        s = rd_string(t, &kv->value);
    else
        s = pq_tr_skip(t, type);
    }
    t->depth--;
    if (!s && !kv->key)
        return bad(t, "KeyValue misses its key");
    return s;
}

/* Reads a list of structs with elem(t, element) into an arena array. */
#define READ_STRUCT_LIST(arr, count, elem)                                       \
    do {                                                                         \
        int et_;                                                                 \
        uint32_t n_;                                                             \
        if ((s = list_header(t, &et_, &n_)))                                     \
            break;                                                               \
        if (et_ != PQ_TT_STRUCT) {                                               \
            s = bad(t, "expected a list of structs");                            \
            break;                                                               \
        }                                                                        \
        (arr) = arena_array(t, n_, sizeof *(arr));                               \
        if (!(arr)) {                                                            \
            s = sl_error_set(t->err, SL_ERR_NOMEM, "out of memory reading metadata"); \
            break;                                                               \
        }                                                                        \
        (count) = n_;                                                            \
        for (uint32_t i_ = 0; i_ < n_ && !s; i_++)                               \
            s = elem(t, &(arr)[i_]);                                             \
    } while (0)

sl_status pq_read_file_meta(pq_tr *t, pq_file_meta *f)
{
    memset(f, 0, sizeof *f);
    f->created_by = "";
    bool seen_schema = false, seen_rows = false, seen_rgs = false;
    STRUCT_LOOP_BEGIN
    if (FIELD_IS(1, is_int(type)))
        s = rd_i32(t, type, &f->version);
    else if (FIELD_IS(2, type == PQ_TT_LIST)) {
        READ_STRUCT_LIST(f->schema, f->nschema, rd_schema_el);
        seen_schema = true;
    } else if (FIELD_IS(3, is_int(type))) {
        s = rd_i64(t, type, &f->num_rows);
        seen_rows = true;
    } else if (FIELD_IS(4, type == PQ_TT_LIST)) {
        READ_STRUCT_LIST(f->rgs, f->nrgs, rd_row_group);
        seen_rgs = true;
    } else if (FIELD_IS(5, type == PQ_TT_LIST))
        READ_STRUCT_LIST(f->kv, f->nkv, rd_kv);
    else if (FIELD_IS(6, type == PQ_TT_BINARY))
        s = rd_string(t, &f->created_by);
    else if (id == 8) {
        f->encrypted = true;
        s = pq_tr_skip(t, type);
    } else
        s = pq_tr_skip(t, type);
    }
    t->depth--;
    if (!s && !(seen_schema && seen_rows && seen_rgs))
        return bad(t, "FileMetaData misses schema, num_rows or row_groups");
    return s;
}

static sl_status rd_data_header(pq_tr *t, pq_page_header *h)
{
    bool seen = false;
    STRUCT_LOOP_BEGIN
    if (FIELD_IS(1, is_int(type)))
        s = rd_i32(t, type, &h->num_values), seen = true;
    else if (FIELD_IS(2, is_int(type)))
        s = rd_i32(t, type, &h->encoding);
    else if (FIELD_IS(3, is_int(type)))
        s = rd_i32(t, type, &h->def_encoding);
    else if (FIELD_IS(4, is_int(type)))
        s = rd_i32(t, type, &h->rep_encoding);
    else
        s = pq_tr_skip(t, type);
    }
    t->depth--;
    if (!s && !seen)
        return bad(t, "DataPageHeader misses num_values");
    return s;
}

static sl_status rd_dict_header(pq_tr *t, pq_page_header *h)
{
    bool seen = false;
    STRUCT_LOOP_BEGIN
    if (FIELD_IS(1, is_int(type)))
        s = rd_i32(t, type, &h->dict_num_values), seen = true;
    else if (FIELD_IS(2, is_int(type)))
        s = rd_i32(t, type, &h->dict_encoding);
    else
        s = pq_tr_skip(t, type);
    }
    t->depth--;
    if (!s && !seen)
        return bad(t, "DictionaryPageHeader misses num_values");
    return s;
}

static sl_status rd_v2_header(pq_tr *t, pq_page_header *h)
{
    int seen = 0;
    STRUCT_LOOP_BEGIN
    bool is_bool = type == PQ_TT_TRUE || type == PQ_TT_FALSE;
    if (FIELD_IS(1, is_int(type)))
        s = rd_i32(t, type, &h->num_values), seen |= 1;
    else if (FIELD_IS(2, is_int(type)))
        s = rd_i32(t, type, &h->num_nulls), seen |= 2;
    else if (FIELD_IS(3, is_int(type)))
        s = rd_i32(t, type, &h->num_rows), seen |= 4;
    else if (FIELD_IS(4, is_int(type)))
        s = rd_i32(t, type, &h->encoding);
    else if (FIELD_IS(5, is_int(type)))
        s = rd_i32(t, type, &h->def_len), seen |= 8;
    else if (FIELD_IS(6, is_int(type)))
        s = rd_i32(t, type, &h->rep_len), seen |= 16;
    else if (FIELD_IS(7, is_bool))
        h->is_compressed = type == PQ_TT_TRUE;
    else
        s = pq_tr_skip(t, type);
    }
    t->depth--;
    if (!s && seen != 31)
        return bad(t, "DataPageHeaderV2 misses a required field");
    return s;
}

sl_status pq_read_page_header(pq_tr *t, pq_page_header *h)
{
    memset(h, 0, sizeof *h);
    h->is_compressed = true;
    h->type = -1;
    bool seen_u = false, seen_c = false;
    STRUCT_LOOP_BEGIN
    if (FIELD_IS(1, is_int(type)))
        s = rd_i32(t, type, &h->type);
    else if (FIELD_IS(2, is_int(type)))
        s = rd_i32(t, type, &h->uncompressed_size), seen_u = true;
    else if (FIELD_IS(3, is_int(type)))
        s = rd_i32(t, type, &h->compressed_size), seen_c = true;
    else if (FIELD_IS(5, type == PQ_TT_STRUCT)) {
        s = rd_data_header(t, h);
        h->has_data = true;
    } else if (FIELD_IS(7, type == PQ_TT_STRUCT)) {
        s = rd_dict_header(t, h);
        h->has_dict = true;
    } else if (FIELD_IS(8, type == PQ_TT_STRUCT)) {
        s = rd_v2_header(t, h);
        h->has_v2 = true;
    } else
        s = pq_tr_skip(t, type);
    }
    t->depth--;
    if (s)
        return s;
    if (h->type < 0 || !seen_u || !seen_c)
        return bad(t, "PageHeader misses type or sizes");
    if (h->uncompressed_size < 0 || h->compressed_size < 0)
        return bad(t, "negative page size");
    return SL_OK;
}
