/* The reader's side of copying a row group as it is (see copy.h). */
#include <string.h>

#include "parquet/copy.h"
#include "parquet/reader_int.h"

uint64_t sl_pq_reader_row_group_bytes(const sl_pq_reader *r, size_t rg)
{
    return rg < r->meta.nrgs && r->meta.rgs[rg].total_byte_size > 0 ? (uint64_t)r->meta.rgs[rg].total_byte_size
                                                                     : 0;
}

sl_status pq_reader_copy_plan(const sl_pq_reader *r, size_t g, const pq_copy_want *want, size_t n,
                              pq_copy_chunk *out, int64_t *num_rows, sl_error *err)
{
    if (g >= r->meta.nrgs)
        return sl_error_set(err, SL_ERR_USAGE, "'%s' has no row group %zu", r->name, g);
    if (r->ncols != n || r->nleaves != n)
        return sl_error_set(err, SL_ERR_USAGE, "cannot copy from '%s': %zu columns (%zu leaves), the writer has %zu",
                            r->name, r->ncols, r->nleaves, n);
    for (size_t i = 0; i < n; i++) {
        const pq_col *c = &r->cols[i];
        if (c->nleaves != 1 || c->leaf != i || c->phys != want[i].phys || c->max_def != want[i].max_def ||
            c->max_rep != want[i].max_rep || strcmp(c->pub.name, want[i].name) != 0)
            return sl_error_set(err, SL_ERR_USAGE, "cannot copy from '%s': column %zu ('%s') is not the writer's ('%s')",
                                r->name, i, c->pub.name, want[i].name);
    }
    const pq_row_group *src = &r->meta.rgs[g];
    if (src->ncols != n)
        return sl_error_set(err, SL_ERR_CORRUPT, "'%s': row group %zu has %zu column chunks", r->name, g, src->ncols);
    for (size_t i = 0; i < n; i++) {
        const pq_column_chunk *c = &src->cols[i];
        const pq_col_meta *m = &c->meta;
        bool dict = m->has_dictionary_page_offset && m->dictionary_page_offset > 0 &&
                    m->dictionary_page_offset < m->data_page_offset;
        int64_t from = dict ? m->dictionary_page_offset : m->data_page_offset;
        if (!c->has_meta || c->has_file_path || c->encrypted || m->type != want[i].phys || from < 4 ||
            m->total_compressed_size <= 0 || (uint64_t)from > r->size ||
            (uint64_t)m->total_compressed_size > r->size - (uint64_t)from || m->data_page_offset < from ||
            m->data_page_offset - from >= m->total_compressed_size)
            return sl_error_set(err, SL_ERR_CORRUPT, "'%s': row group %zu, column %zu cannot be copied as it is",
                                r->name, g, i);
        pq_copy_chunk *o = &out[i];
        *o = (pq_copy_chunk){
            .bytes = r->file + from,
            .type = m->type,
            .codec = m->codec,
            .encodings = m->encodings,
            .num_values = m->num_values,
            .total_uncompressed = m->total_uncompressed_size,
            .total_compressed = m->total_compressed_size,
            .data_off = m->data_page_offset - from,
            .dict_off = dict ? 0 : -1,
        };
        const pq_stats *st = &m->stats;
        if (m->has_stats && st->has_null_count) {
            o->has_null_count = true;
            o->null_count = st->null_count;
        }
        if (m->has_stats && st->has_min_value && st->has_max_value) {
            o->has_min_max = true;
            o->min = st->min_value;
            o->min_len = st->min_value_len;
            o->max = st->max_value;
            o->max_len = st->max_value_len;
        }
    }
    *num_rows = src->num_rows;
    return SL_OK;
}
