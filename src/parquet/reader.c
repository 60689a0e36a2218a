/* Parquet reader: opening a file, the footer, mapping the schema to sluice
 * columns, and the metadata accessors. Page decoding is in reader_column.c.
 *
 * Columns: one sl_pq_column per top-level field. A primitive field is a flat
 * column; a LIST of a primitive (the standard 3-level form, the legacy 2-level
 * forms, or a bare repeated primitive) is a list column. Anything else (a struct,
 * a map, a list of structs or of lists) is SL_PQ_UNSUPPORTED: it is described,
 * spans all its leaf chunks, and reading it is SL_ERR_UNSUPPORTED. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parquet/format.h"
#include "parquet/reader_int.h"

sl_status pq_grow(void **p, size_t *cap, size_t need, size_t el)
{
    if (need <= *cap)
        return SL_OK;
    size_t nc = *cap ? *cap : 256;
    while (nc < need)
        nc *= 2;
    if (nc > SIZE_MAX / el)
        return SL_ERR_NOMEM;
    void *q = realloc(*p, nc * el);
    if (!q)
        return SL_ERR_NOMEM;
    *p = q;
    *cap = nc;
    return SL_OK;
}

static sl_status corrupt(sl_pq_reader *r, sl_error *err, uint64_t off, const char *what)
{
    sl_error_at(err, SL_ERR_CORRUPT, 0, 0, off, "%s", what);
    sl_error_set_file(err, r->name);
    return SL_ERR_CORRUPT;
}

/* ------------------------------------------------------------ schema mapping */

typedef struct walk {
    const pq_schema_el *el;
    size_t n;
    size_t nleaves;
    int depth;
} walk;

/* Index just past the subtree rooted at i; counts its leaves. */
static bool subtree_end(walk *w, size_t i, size_t *end)
{
    if (i >= w->n || ++w->depth > 64)
        return false;
    const pq_schema_el *e = &w->el[i];
    size_t j = i + 1;
    if (e->num_children < 0)
        return false;
    if (e->num_children == 0) {
        if (e->has_type)
            w->nleaves++;
    } else if (e->has_type) {
        return false;   /* a leaf with children */
    }
    for (int32_t k = 0; k < e->num_children; k++)
        if (!subtree_end(w, j, &j))
            return false;
    w->depth--;
    *end = j;
    return true;
}

static bool is_list_group(const pq_schema_el *e)
{
    return !e->has_type && (e->logical.kind == PQ_LT_LIST ||
                            (e->has_converted && e->converted == PQ_CT_LIST));
}

static bool is_map_group(const pq_schema_el *e)
{
    return !e->has_type && (e->logical.kind == PQ_LT_MAP ||
                            (e->has_converted && (e->converted == PQ_CT_MAP ||
                                                  e->converted == PQ_CT_MAP_KEY_VALUE)));
}

static int rep_of(const pq_schema_el *e)
{
    return e->has_repetition ? e->repetition : PQ_REQUIRED;
}

/* Sets pub.type and the decoding plan from the leaf's physical and logical types. */
static void map_type(pq_col *c, const pq_schema_el *e)
{
    sl_pq_column *p = &c->pub;
    const pq_logical_type *lt = &e->logical;
    int ct = e->has_converted ? e->converted : -1;
    c->phys = e->type;
    c->type_length = e->type_length;
    c->target = PQ_TGT_I64;
    p->time_unit = SL_PQ_MICROS;
    bool decimal = lt->kind == PQ_LT_DECIMAL || (lt->kind == 0 && ct == PQ_CT_DECIMAL);
    if (decimal) {
        p->type = SL_PQ_DECIMAL;
        p->precision = lt->kind == PQ_LT_DECIMAL ? lt->precision : e->precision;
        p->scale = lt->kind == PQ_LT_DECIMAL ? lt->scale : e->scale;
    }
    switch (e->type) {
    case PQ_BOOLEAN:
        p->type = SL_PQ_BOOL;
        return;
    case PQ_INT32:
    case PQ_INT64:
        if (decimal)
            return;
        if (lt->kind == PQ_LT_INTEGER) {
            static const sl_pq_type s[] = {SL_PQ_INT8, SL_PQ_INT16, SL_PQ_INT32, SL_PQ_INT64};
            static const sl_pq_type u[] = {SL_PQ_UINT8, SL_PQ_UINT16, SL_PQ_UINT32, SL_PQ_UINT64};
            int k = lt->bit_width == 8 ? 0 : lt->bit_width == 16 ? 1 : lt->bit_width == 32 ? 2 : 3;
            p->type = lt->is_signed ? s[k] : u[k];
        } else if (lt->kind == PQ_LT_DATE || (lt->kind == 0 && ct == PQ_CT_DATE)) {
            p->type = SL_PQ_DATE;
        } else if (lt->kind == PQ_LT_TIME || lt->kind == PQ_LT_TIMESTAMP) {
            p->type = lt->kind == PQ_LT_TIME ? SL_PQ_TIME : SL_PQ_TIMESTAMP;
            p->time_unit = lt->unit == 1 ? SL_PQ_MILLIS : lt->unit == 3 ? SL_PQ_NANOS : SL_PQ_MICROS;
            p->utc = lt->utc;
        } else if (lt->kind == 0 && (ct == PQ_CT_TIME_MILLIS || ct == PQ_CT_TIME_MICROS)) {
            p->type = SL_PQ_TIME;
            p->time_unit = ct == PQ_CT_TIME_MILLIS ? SL_PQ_MILLIS : SL_PQ_MICROS;
            p->utc = true;
        } else if (lt->kind == 0 && (ct == PQ_CT_TIMESTAMP_MILLIS || ct == PQ_CT_TIMESTAMP_MICROS)) {
            p->type = SL_PQ_TIMESTAMP;
            p->time_unit = ct == PQ_CT_TIMESTAMP_MILLIS ? SL_PQ_MILLIS : SL_PQ_MICROS;
            p->utc = true;   /* the converted types mean UTC-normalised instants */
        } else if (lt->kind == 0 && ct >= PQ_CT_UINT_8 && ct <= PQ_CT_INT_64) {
            static const sl_pq_type m[] = {SL_PQ_UINT8, SL_PQ_UINT16, SL_PQ_UINT32, SL_PQ_UINT64,
                                           SL_PQ_INT8,  SL_PQ_INT16,  SL_PQ_INT32,  SL_PQ_INT64};
            p->type = m[ct - PQ_CT_UINT_8];
        } else {
            p->type = e->type == PQ_INT32 ? SL_PQ_INT32 : SL_PQ_INT64;
        }
        return;
    case PQ_INT96:
        p->type = SL_PQ_TIMESTAMP;
        p->time_unit = SL_PQ_NANOS;
        return;
    case PQ_FLOAT:
        p->type = SL_PQ_FLOAT;
        c->target = PQ_TGT_F64;
        return;
    case PQ_DOUBLE:
        p->type = SL_PQ_DOUBLE;
        c->target = PQ_TGT_F64;
        return;
    case PQ_BYTE_ARRAY:
    case PQ_FIXED_LEN_BYTE_ARRAY:
        c->target = PQ_TGT_BYTES;
        if (e->type == PQ_FIXED_LEN_BYTE_ARRAY) {
            if (e->type_length <= 0) {
                p->type = SL_PQ_UNSUPPORTED;
                c->why = "FIXED_LEN_BYTE_ARRAY without a length";
                return;
            }
            p->fixed_len = e->type_length;
        }
        if (decimal) {
            if (p->precision <= 18) {
                c->target = PQ_TGT_I64;
                c->from_bytes = true;
            }
        } else if (lt->kind == PQ_LT_STRING || lt->kind == PQ_LT_ENUM || lt->kind == PQ_LT_JSON ||
                   (lt->kind == 0 && (ct == PQ_CT_UTF8 || ct == PQ_CT_ENUM || ct == PQ_CT_JSON))) {
            p->type = e->type == PQ_BYTE_ARRAY ? SL_PQ_STRING : SL_PQ_FIXED;
        } else if (lt->kind == PQ_LT_FLOAT16) {
            p->type = SL_PQ_UNSUPPORTED;
            c->why = "FLOAT16";
        } else {
            p->type = e->type == PQ_BYTE_ARRAY ? SL_PQ_BINARY : SL_PQ_FIXED;
        }
        return;
    default:
        p->type = SL_PQ_UNSUPPORTED;
        c->why = "unknown physical type";
        return;
    }
}

/* Maps the top-level field at schema index i (subtree up to end). */
static void map_field(sl_pq_reader *r, pq_col *c, size_t i, size_t end)
{
    const pq_schema_el *el = r->meta.schema;
    const pq_schema_el *top = &el[i];
    c->pub.name = top->name;
    c->pub.optional = rep_of(top) == PQ_OPTIONAL;
    c->pub.type = SL_PQ_UNSUPPORTED;
    const pq_schema_el *leaf = NULL;
    if (top->has_type) {
        leaf = top;
        if (rep_of(top) == PQ_REPEATED) {   /* legacy: a bare repeated primitive */
            c->pub.list = true;
            c->list_def = 0;
            c->max_def = 1;
            c->max_rep = 1;
        } else {
            c->max_def = c->pub.optional ? 1 : 0;
        }
    } else if (is_list_group(top) && top->num_children == 1 && end - i >= 2 &&
               rep_of(&el[i + 1]) == PQ_REPEATED) {
        const pq_schema_el *rp = &el[i + 1];
        c->pub.list = true;
        c->list_def = c->pub.optional ? 1 : 0;
        c->max_rep = 1;
        if (rp->has_type) {                      /* 2-level: repeated primitive */
            leaf = rp;
            c->max_def = (uint8_t)(c->list_def + 1);
        } else if (rp->num_children == 1 && end - i == 3 && el[i + 2].has_type &&
                   strcmp(rp->name, "array") != 0 &&
                   !(strlen(rp->name) == strlen(top->name) + 6 &&
                     strncmp(rp->name, top->name, strlen(top->name)) == 0 &&
                     strcmp(rp->name + strlen(top->name), "_tuple") == 0) &&
                   rep_of(&el[i + 2]) != PQ_REPEATED) {
            leaf = &el[i + 2];                   /* 3-level */
            c->pub.element_optional = rep_of(leaf) == PQ_OPTIONAL;
            c->max_def = (uint8_t)(c->list_def + 1 + (c->pub.element_optional ? 1 : 0));
        } else {
            c->why = "a list of structs or lists";
        }
    } else if (is_list_group(top)) {
        c->why = "a list of structs or lists";
    } else if (is_map_group(top)) {
        c->why = "a map";
    } else {
        c->why = top->has_type ? "a nested field" : "a struct";
    }
    if (!leaf)
        return;
    map_type(c, leaf);
}

static sl_status map_schema(sl_pq_reader *r, sl_error *err)
{
    pq_file_meta *m = &r->meta;
    if (m->nschema < 1 || m->schema[0].has_type)
        return corrupt(r, err, UINT64_MAX, "corrupt footer: the schema has no root group");
    size_t nchildren = (size_t)(m->schema[0].num_children < 0 ? 0 : m->schema[0].num_children);
    if (nchildren > m->nschema)
        return corrupt(r, err, UINT64_MAX, "corrupt footer: schema root claims too many fields");
    r->cols = calloc(nchildren ? nchildren : 1, sizeof *r->cols);
    if (!r->cols)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    size_t i = 1;
    walk w = {m->schema, m->nschema, 0, 0};
    for (size_t k = 0; k < nchildren; k++) {
        size_t end, before = w.nleaves;
        w.depth = 0;
        if (!subtree_end(&w, i, &end))
            return corrupt(r, err, UINT64_MAX, "corrupt footer: malformed schema tree");
        pq_col *c = &r->cols[k];
        c->leaf = before;
        c->nleaves = w.nleaves - before;
        sl_buf_init(&c->data, r->max_bytes);
        map_field(r, c, i, end);
        if (c->pub.type != SL_PQ_UNSUPPORTED && c->nleaves != 1)
            return corrupt(r, err, UINT64_MAX, "corrupt footer: malformed schema tree");
        r->ncols++;
        i = end;
    }
    if (i != m->nschema)
        return corrupt(r, err, UINT64_MAX, "corrupt footer: schema has elements outside the tree");
    r->nleaves = w.nleaves;
    return SL_OK;
}

/* ------------------------------------------------------------ chunk info */

static bool stats_are_signed_order(const pq_col *c)
{
    switch (c->pub.type) {
    case SL_PQ_UINT8: case SL_PQ_UINT16: case SL_PQ_UINT32: case SL_PQ_UINT64:
    case SL_PQ_STRING: case SL_PQ_BINARY: case SL_PQ_FIXED: case SL_PQ_DECIMAL:
    case SL_PQ_UNSUPPORTED:
        return false;
    default:
        return c->phys != PQ_INT96;
    }
}

static sl_status build_chunks(sl_pq_reader *r, sl_error *err)
{
    pq_file_meta *m = &r->meta;
    size_t n = m->nrgs * (r->ncols ? r->ncols : 1);
    r->chunks = calloc(n ? n : 1, sizeof *r->chunks);
    if (!r->chunks)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    for (size_t g = 0; g < m->nrgs; g++) {
        pq_row_group *rg = &m->rgs[g];
        if (rg->ncols != r->nleaves) {
            char msg[160];
            snprintf(msg, sizeof msg,
                     "corrupt footer: row group %zu has %zu column chunks, the schema %zu leaves",
                     g, rg->ncols, r->nleaves);
            return corrupt(r, err, UINT64_MAX, msg);
        }
        if (rg->num_rows < 0)
            return corrupt(r, err, UINT64_MAX, "corrupt footer: negative row count");
        for (size_t k = 0; k < r->ncols; k++) {
            pq_col *c = &r->cols[k];
            sl_pq_chunk_info *ci = &r->chunks[g * r->ncols + k];
            if (c->nleaves == 0)
                continue;
            pq_column_chunk *cc = &rg->cols[c->leaf];
            if (!cc->has_meta)
                continue;
            pq_col_meta *cm = &cc->meta;
            ci->codec = (sl_pq_codec)cm->codec;
            ci->encodings = cm->encodings;
            ci->num_values = cm->num_values < 0 ? 0 : (uint64_t)cm->num_values;
            ci->compressed_size = cm->total_compressed_size < 0 ? 0 : (uint64_t)cm->total_compressed_size;
            ci->uncompressed_size =
                cm->total_uncompressed_size < 0 ? 0 : (uint64_t)cm->total_uncompressed_size;
            if (!cm->has_stats)
                continue;
            pq_stats *st = &cm->stats;
            ci->has_null_count = st->has_null_count;
            ci->null_count = st->null_count;
            if (st->has_min_value && st->has_max_value) {
                ci->min = st->min_value, ci->min_len = st->min_value_len;
                ci->max = st->max_value, ci->max_len = st->max_value_len;
                ci->has_min_max = true;
            } else if (st->has_min_legacy && st->has_max_legacy && stats_are_signed_order(c)) {
                ci->min = st->min_legacy, ci->min_len = st->min_legacy_len;
                ci->max = st->max_legacy, ci->max_len = st->max_legacy_len;
                ci->has_min_max = true;
            }
        }
    }
    return SL_OK;
}

/* ------------------------------------------------------------ open / free */

static sl_status open_footer(sl_pq_reader *r, sl_error *err)
{
    const uint8_t *f = r->file;
    size_t n = r->size;
    if (n < 12)
        return corrupt(r, err, 0, "not a Parquet file: too short");
    if (memcmp(f, PQ_MAGIC, 4) != 0)
        return corrupt(r, err, 0, "not a Parquet file: no PAR1 magic at the start");
    if (memcmp(f + n - 4, "PARE", 4) == 0) {
        sl_error_set(err, SL_ERR_UNSUPPORTED, "encrypted Parquet footer");
        sl_error_set_file(err, r->name);
        return SL_ERR_UNSUPPORTED;
    }
    if (memcmp(f + n - 4, PQ_MAGIC, 4) != 0)
        return corrupt(r, err, n - 4, "not a Parquet file (or truncated): no PAR1 magic at the end");
    uint32_t flen = (uint32_t)f[n - 8] | (uint32_t)f[n - 7] << 8 | (uint32_t)f[n - 6] << 16 |
                    (uint32_t)f[n - 5] << 24;
    if (flen > n - 12)
        return corrupt(r, err, n - 8, "corrupt footer: its length is larger than the file");
    size_t start = n - 8 - flen;
    pq_tr t;
    pq_tr_init(&t, f + start, flen, start, &r->arena, err);
    sl_status s = pq_read_file_meta(&t, &r->meta);
    if (s) {
        sl_error_set_file(err, r->name);
        return s;
    }
    if (r->meta.encrypted) {
        sl_error_set(err, SL_ERR_UNSUPPORTED, "encrypted Parquet file");
        sl_error_set_file(err, r->name);
        return SL_ERR_UNSUPPORTED;
    }
    if (r->meta.num_rows < 0)
        return corrupt(r, err, start, "corrupt footer: negative row count");
    if ((s = map_schema(r, err)))
        return s;
    return build_chunks(r, err);
}

static sl_status reader_new(const char *name, sl_pq_reader **out, sl_error *err)
{
    sl_pq_reader *r = calloc(1, sizeof *r);
    if (!r)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    sl_arena_init(&r->arena, 0);
    r->max_values = PQ_DEFAULT_MAX_VALUES;
    r->max_bytes = PQ_DEFAULT_MAX_BYTES;
    sl_buf_init(&r->tmp, r->max_bytes);
    sl_buf_init(&r->dict_data, r->max_bytes);
    r->name = strdup(name ? name : "");
    if (!r->name) {
        free(r);
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    }
    *out = r;
    return SL_OK;
}

sl_status sl_pq_reader_open_mem(const void *data, size_t len, const char *name,
                                sl_pq_reader **out, sl_error *err)
{
    *out = NULL;
    sl_error_clear(err);
    sl_pq_reader *r;
    sl_status s = reader_new(name, &r, err);
    if (s)
        return s;
    r->file = data;
    r->size = len;
    if ((s = open_footer(r, err))) {
        sl_pq_reader_free(r);
        return s;
    }
    *out = r;
    return SL_OK;
}

sl_status sl_pq_reader_open(const char *path, sl_pq_reader **out, sl_error *err)
{
    *out = NULL;
    sl_error_clear(err);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        sl_error_set(err, SL_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
        sl_error_set_file(err, path);
        return SL_ERR_IO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        sl_error_set(err, SL_ERR_IO, "cannot read '%s': not a regular file", path);
        sl_error_set_file(err, path);
        return SL_ERR_IO;
    }
    sl_pq_reader *r;
    sl_status s = reader_new(path, &r, err);
    if (s) {
        close(fd);
        return s;
    }
    size_t len = (size_t)st.st_size;
    if (len > 0) {
        void *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            close(fd);
            sl_pq_reader_free(r);
            sl_error_set(err, SL_ERR_IO, "cannot map '%s': %s", path, strerror(errno));
            sl_error_set_file(err, path);
            return SL_ERR_IO;
        }
        r->map = m;
        r->map_len = len;
        r->file = m;
    } else {
        r->file = (const uint8_t *)"";
    }
    close(fd);
    r->size = len;
    if ((s = open_footer(r, err))) {
        sl_pq_reader_free(r);
        return s;
    }
    *out = r;
    return SL_OK;
}

void sl_pq_reader_free(sl_pq_reader *r)
{
    if (!r)
        return;
    for (size_t k = 0; k < r->ncols; k++) {
        pq_col *c = &r->cols[k];
        free(c->valid);
        free(c->i64);
        free(c->f64);
        free(c->offsets);
        sl_buf_free(&c->data);
        free(c->list_offsets);
        free(c->list_valid);
    }
    free(r->cols);
    free(r->chunks);
    free(r->page);
    free(r->def);
    free(r->rep);
    free(r->idx);
    free(r->s64);
    free(r->ends);
    sl_buf_free(&r->tmp);
    free(r->dict_i64);
    free(r->dict_f64);
    free(r->dict_ends);
    sl_buf_free(&r->dict_data);
    if (r->map)
        munmap(r->map, r->map_len);
    sl_arena_free(&r->arena);
    free(r->name);
    free(r);
}

void sl_pq_reader_set_limits(sl_pq_reader *r, size_t max_values, size_t max_bytes)
{
    r->max_values = max_values ? max_values : PQ_DEFAULT_MAX_VALUES;
    r->max_bytes = max_bytes ? max_bytes : PQ_DEFAULT_MAX_BYTES;
    r->tmp.max = r->dict_data.max = r->max_bytes;
    for (size_t k = 0; k < r->ncols; k++)
        r->cols[k].data.max = r->max_bytes;
}

/* ------------------------------------------------------------ accessors */

uint64_t sl_pq_reader_num_rows(const sl_pq_reader *r) { return (uint64_t)r->meta.num_rows; }
size_t sl_pq_reader_num_columns(const sl_pq_reader *r) { return r->ncols; }

const sl_pq_column *sl_pq_reader_column(const sl_pq_reader *r, size_t i)
{
    return i < r->ncols ? &r->cols[i].pub : NULL;
}

size_t sl_pq_reader_num_row_groups(const sl_pq_reader *r) { return r->meta.nrgs; }

uint64_t sl_pq_reader_row_group_rows(const sl_pq_reader *r, size_t rg)
{
    return rg < r->meta.nrgs ? (uint64_t)r->meta.rgs[rg].num_rows : 0;
}

const char *sl_pq_reader_created_by(const sl_pq_reader *r) { return r->meta.created_by; }
int32_t sl_pq_reader_version(const sl_pq_reader *r) { return r->meta.version; }
size_t sl_pq_reader_num_kv(const sl_pq_reader *r) { return r->meta.nkv; }

void sl_pq_reader_kv(const sl_pq_reader *r, size_t i, const char **key, const char **value)
{
    if (i >= r->meta.nkv) {
        *key = *value = NULL;
        return;
    }
    *key = r->meta.kv[i].key;
    *value = r->meta.kv[i].value;
}

const char *sl_pq_reader_kv_get(const sl_pq_reader *r, const char *key)
{
    for (size_t i = 0; i < r->meta.nkv; i++)
        if (strcmp(r->meta.kv[i].key, key) == 0)
            return r->meta.kv[i].value;
    return NULL;
}

const sl_pq_chunk_info *sl_pq_reader_chunk(const sl_pq_reader *r, size_t rg, size_t col)
{
    if (rg >= r->meta.nrgs || col >= r->ncols)
        return NULL;
    return &r->chunks[rg * r->ncols + col];
}

const char *sl_pq_type_name(sl_pq_type t)
{
    static const char *names[] = {
        "BOOLEAN", "INT8", "INT16", "INT32", "INT64", "FLOAT", "DOUBLE", "STRING",
        "BINARY", "DATE", "TIMESTAMP", "TIME", "DECIMAL", "UINT8", "UINT16", "UINT32",
        "UINT64", "FIXED", "UNSUPPORTED",
    };
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "UNKNOWN";
}
