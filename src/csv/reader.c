/* CSV reader (see include/sluice/csv.h). */
#include "sluice/csv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/input.h"
#include "base/utf8.h"

#define CHUNK (1u << 20)

struct sl_csv_reader {
    sl_csv_options opts;
    sl_input *in;
    uint8_t *chunk;
    size_t pos, len;
    bool eof;
    uint64_t offset;        /* bytes consumed before chunk[pos] */
    uint64_t line;          /* line of the next byte, 1-based */
    sl_buf field_bytes;     /* unescaped bytes of the current row's fields */
    size_t *starts;         /* field k is field_bytes[starts[k], starts[k+1]) */
    bool *quoted;
    size_t nfields, fcap;
    char **names;
    size_t *name_lens;
    size_t ncols;
    sl_arena arena;
    sl_json_value row;
    sl_status sticky;
};

void sl_csv_options_init(sl_csv_options *o)
{
    o->delimiter = ',';
    o->max_record_size = 64u << 20;
    o->max_decompressed_size = 0;
}

static int next_byte(sl_csv_reader *r, sl_error *err)
{
    if (r->pos == r->len) {
        if (r->eof)
            return -1;
        size_t n;
        sl_status st = sl_input_read(r->in, r->chunk, CHUNK, &n, err);
        if (st == SL_EOF) {
            r->eof = true;
            return -1;
        }
        if (st) {
            r->sticky = st;
            return -2;
        }
        r->pos = 0;
        r->len = n;
    }
    r->offset++;
    return r->chunk[r->pos++];
}

static sl_status end_field(sl_csv_reader *r, bool quoted)
{
    if (r->nfields + 2 > r->fcap) {
        size_t cap = r->fcap ? r->fcap * 2 : 64;
        size_t *s = realloc(r->starts, cap * sizeof *s);
        if (!s)
            return SL_ERR_NOMEM;
        r->starts = s;
        bool *q = realloc(r->quoted, cap * sizeof *q);
        if (!q)
            return SL_ERR_NOMEM;
        r->quoted = q;
        r->fcap = cap;
    }
    r->quoted[r->nfields] = quoted;
    r->starts[++r->nfields] = r->field_bytes.len;
    return SL_OK;
}

/* Reads one record's fields. SL_EOF when no bytes remain. */
static sl_status read_record(sl_csv_reader *r, sl_error *err)
{
    sl_buf_clear(&r->field_bytes);
    if (sl_buf_reserve(&r->field_bytes, 0)) /* data non-NULL even for empty rows */
        return SL_ERR_NOMEM;
    r->nfields = 0;
    if (!r->starts && end_field(r, false))  /* allocate */
        return SL_ERR_NOMEM;
    r->nfields = 0;
    r->starts[0] = 0;
    uint64_t start_line = r->line, start_off = r->offset;
    int c = next_byte(r, err);
    if (c == -2)
        return r->sticky;
    if (c == -1)
        return SL_EOF;
    const char delim = r->opts.delimiter;
    for (;;) {
        bool quoted = false;
        if (c == '"') {
            quoted = true;
            for (;;) {
                c = next_byte(r, err);
                if (c == -2)
                    return r->sticky;
                if (c == -1)
                    return sl_error_at(err, SL_ERR_CSV, start_line, 1, start_off,
                                       "unterminated quoted field (opened on line %llu)",
                                       (unsigned long long)start_line);
                if (c == '"') {
                    c = next_byte(r, err);
                    if (c != '"')
                        break;
                } else if (c == '\n') {
                    r->line++;
                }
                if (sl_buf_putc(&r->field_bytes, (uint8_t)c))
                    return sl_error_at(err, SL_ERR_LIMIT, start_line, 1, start_off,
                                       "row larger than the %llu-byte limit",
                                       (unsigned long long)r->opts.max_record_size);
            }
            if (c == -2)
                return r->sticky;
            if (c >= 0 && c != delim && c != '\n' && c != '\r')
                return sl_error_at(err, SL_ERR_CSV, r->line, 0, r->offset - 1,
                                   "expected a delimiter or end of line after a closing quote");
        } else {
            while (c >= 0 && c != delim && c != '\n') {
                if (c == '\r') {
                    int d = next_byte(r, err);
                    if (d == '\n' || d < 0) {
                        c = d;
                        break;
                    }
                    if (sl_buf_putc(&r->field_bytes, '\r'))
                        return SL_ERR_LIMIT;
                    c = d;
                    continue;
                }
                if (c == '"')
                    return sl_error_at(err, SL_ERR_CSV, r->line, 0, r->offset - 1,
                                       "quote inside an unquoted field");
                if (sl_buf_putc(&r->field_bytes, (uint8_t)c))
                    return sl_error_at(err, SL_ERR_LIMIT, start_line, 1, start_off,
                                       "row larger than the %llu-byte limit",
                                       (unsigned long long)r->opts.max_record_size);
                c = next_byte(r, err);
            }
            if (c == -2)
                return r->sticky;
        }
        if (c == '\r')
            c = next_byte(r, err);
        if (end_field(r, quoted))
            return SL_ERR_NOMEM;
        if (c == delim) {
            c = next_byte(r, err);
            if (c == -2)
                return r->sticky;
            continue;
        }
        if (c == '\n')
            r->line++;
        return SL_OK;
    }
}

static bool is_json_number(const char *s, size_t n, bool *integer)
{
    size_t i = 0;
    *integer = true;
    if (i < n && s[i] == '-')
        i++;
    if (i == n)
        return false;
    if (s[i] == '0') {
        i++;
    } else if (s[i] >= '1' && s[i] <= '9') {
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    } else {
        return false;
    }
    if (i < n && s[i] == '.') {
        *integer = false;
        i++;
        size_t d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        *integer = false;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return false;
    }
    return i == n;
}

/* Turns field text into a value (see the rules in csv.h). */
static void field_value(const char *s, size_t n, bool quoted, sl_json_value *v)
{
    bool integer;
    memset(v, 0, sizeof *v);
    if (n == 0 && !quoted) {
        v->type = SL_JSON_NULL;
    } else if (n == 4 && memcmp(s, "true", 4) == 0) {
        v->type = SL_JSON_TRUE;
    } else if (n == 5 && memcmp(s, "false", 5) == 0) {
        v->type = SL_JSON_FALSE;
    } else if (n > 0 && n < 400 && is_json_number(s, n, &integer)) {
        char tmp[400];
        memcpy(tmp, s, n);
        tmp[n] = '\0';
        v->u.num.raw = s;
        v->u.num.raw_len = (uint32_t)n;
        if (integer) {
            errno = 0;
            long long i = strtoll(tmp, NULL, 10);
            if (errno == ERANGE) {
                v->type = SL_JSON_BIGINT;
            } else {
                v->type = SL_JSON_INT;
                v->u.num.i = i;
            }
        } else {
            errno = 0;
            double d = strtod(tmp, NULL);
            if (isinf(d)) {
                v->type = SL_JSON_STRING; /* out of double range: keep the text */
                v->u.str.ptr = s;
                v->u.str.len = n;
            } else {
                v->type = SL_JSON_DOUBLE;
                v->u.num.d = d;
            }
        }
    } else {
        v->type = SL_JSON_STRING;
        v->u.str.ptr = s;
        v->u.str.len = n;
    }
}

static sl_status read_header(sl_csv_reader *r, sl_error *err)
{
    sl_status st = read_record(r, err);
    if (st == SL_EOF)
        return sl_error_at(err, SL_ERR_CSV, 1, 1, 0, "empty input: expected a header row");
    if (st)
        return st;
    if (sl_utf8_invalid_at(r->field_bytes.data, r->field_bytes.len) < r->field_bytes.len)
        return sl_error_at(err, SL_ERR_CSV, 1, 1, UINT64_MAX, "invalid UTF-8 in the header row");
    r->ncols = r->nfields;
    r->names = calloc(r->ncols, sizeof *r->names);
    r->name_lens = calloc(r->ncols, sizeof *r->name_lens);
    if (!r->names || !r->name_lens)
        return SL_ERR_NOMEM;
    for (size_t k = 0; k < r->ncols; k++) {
        const char *s = (const char *)r->field_bytes.data + r->starts[k];
        size_t n = r->starts[k + 1] - r->starts[k];
        char buf[4200];
        int len = n ? snprintf(buf, sizeof buf, "%.*s", (int)(n > 4096 ? 4096 : n), s)
                    : snprintf(buf, sizeof buf, "column_%zu", k + 1);
        /* repeated names get a suffix so no column shadows another */
        for (int suffix = 2;; suffix++) {
            bool dup = false;
            for (size_t j = 0; j < k && !dup; j++)
                dup = r->name_lens[j] == (size_t)len && memcmp(r->names[j], buf, (size_t)len) == 0;
            if (!dup)
                break;
            int base = (int)(n ? (n > 4096 ? 4096 : n) : (size_t)snprintf(buf, sizeof buf, "column_%zu", k + 1));
            len = base + snprintf(buf + base, sizeof buf - (size_t)base, "_%d", suffix);
        }
        r->names[k] = malloc((size_t)len + 1);
        if (!r->names[k])
            return SL_ERR_NOMEM;
        memcpy(r->names[k], buf, (size_t)len + 1);
        r->name_lens[k] = (size_t)len;
    }
    return SL_OK;
}

static sl_status open_input(const char *path, const void *data, size_t len,
                            const sl_csv_options *opts, sl_csv_reader **out, sl_error *err)
{
    *out = NULL;
    sl_csv_reader *r = calloc(1, sizeof *r);
    if (!r)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    if (opts)
        r->opts = *opts;
    else
        sl_csv_options_init(&r->opts);
    if (!r->opts.delimiter)
        r->opts.delimiter = ',';
    if (!r->opts.max_record_size)
        r->opts.max_record_size = 64u << 20;
    r->line = 1;
    sl_buf_init(&r->field_bytes, r->opts.max_record_size);
    sl_arena_init(&r->arena, 0);
    r->chunk = malloc(CHUNK);
    sl_status st = r->chunk ? SL_OK : SL_ERR_NOMEM;
    if (!st)
        st = data ? sl_input_open_mem(data, len, path, r->opts.max_decompressed_size, &r->in, err)
                  : sl_input_open_path(path, r->opts.max_decompressed_size, &r->in, err);
    if (!st)
        st = read_header(r, err);
    if (st) {
        if (err && err->code == SL_OK)
            sl_error_set(err, st, "%s", sl_strerror(st));
        sl_error_set_file(err, path);
        sl_csv_reader_free(r);
        return st;
    }
    *out = r;
    return SL_OK;
}

sl_status sl_csv_reader_open(const char *path, const sl_csv_options *opts,
                             sl_csv_reader **out, sl_error *err)
{
    return open_input(path, NULL, 0, opts, out, err);
}

sl_status sl_csv_reader_open_mem(const void *data, size_t len, const char *name,
                                 const sl_csv_options *opts, sl_csv_reader **out, sl_error *err)
{
    static const char empty[1];
    return open_input(name ? name : "", data ? data : empty, len, opts, out, err);
}

sl_status sl_csv_reader_next(sl_csv_reader *r, const sl_json_value **out, sl_error *err)
{
    *out = NULL;
    if (r->sticky)
        return r->sticky;
    uint64_t line = r->line;
    sl_status st = read_record(r, err);
    if (st == SL_EOF)
        return SL_EOF;
    /* a blank last line is not a row */
    if (!st && r->nfields == 1 && r->field_bytes.len == 0 && !r->quoted[0] && r->ncols != 1) {
        return sl_csv_reader_next(r, out, err);
    }
    if (!st && r->nfields != r->ncols)
        st = sl_error_at(err, SL_ERR_CSV, line, 1, UINT64_MAX,
                         "row has %zu fields, the header has %zu", r->nfields, r->ncols);
    if (st) {
        r->sticky = st;
        sl_error_set_file(err, sl_input_name(r->in));
        return st;
    }
    /* Parquet strings must be UTF-8, and nothing is silently replaced: a row with
     * invalid bytes is an error naming them. */
    size_t bad = sl_utf8_invalid_at(r->field_bytes.data, r->field_bytes.len);
    if (bad < r->field_bytes.len) {
        size_t k = 0;
        while (k + 1 < r->nfields && r->starts[k + 1] <= bad)
            k++;
        r->sticky = sl_error_at(err, SL_ERR_CSV, line, 1, UINT64_MAX,
                                "invalid UTF-8 byte 0x%02x in field %zu (\"%s\")",
                                r->field_bytes.data[bad], k + 1, r->names[k]);
        sl_error_set_file(err, sl_input_name(r->in));
        return r->sticky;
    }
    sl_arena_reset(&r->arena);
    sl_json_member *m = sl_arena_alloc(&r->arena, r->ncols * sizeof *m);
    if (!m)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < r->ncols; k++) {
        m[k].key = r->names[k];
        m[k].key_len = r->name_lens[k];
        field_value((const char *)r->field_bytes.data + r->starts[k],
                    r->starts[k + 1] - r->starts[k], r->quoted[k], &m[k].value);
    }
    r->row.type = SL_JSON_OBJECT;
    r->row.u.obj.members = m;
    r->row.u.obj.len = r->ncols;
    *out = &r->row;
    return SL_OK;
}

void sl_csv_reader_free(sl_csv_reader *r)
{
    if (!r)
        return;
    sl_input_free(r->in);
    free(r->chunk);
    sl_buf_free(&r->field_bytes);
    free(r->starts);
    free(r->quoted);
    for (size_t k = 0; k < r->ncols; k++)
        free(r->names[k]);
    free(r->names);
    free(r->name_lens);
    sl_arena_free(&r->arena);
    free(r);
}
