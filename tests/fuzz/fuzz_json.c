/* libFuzzer target for the JSON reader: parses the input in every form with small
 * limits and through small reads, and checks that each record survives a round trip
 * through sl_json_write_value and the reader unchanged. Built without libFuzzer, with
 * replay.c, it re-runs the saved corpus in `make check`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "json/internal.h"
#include "sluice/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                  \
    do {                                                                          \
        if (!(c)) {                                                               \
            fprintf(stderr, "fuzz_json: check failed at line %d: %s\n", __LINE__, #c); \
            abort();                                                              \
        }                                                                         \
    } while (0)

/* Structural equality; bounded recursion is fine here because depth <= MAX_DEPTH. */
static int same(const sl_json_value *a, const sl_json_value *b)
{
    if (a->type != b->type)
        return 0;
    switch (a->type) {
    case SL_JSON_INT:
        return a->u.num.i == b->u.num.i;
    case SL_JSON_BIGINT:
        return a->u.num.raw_len == b->u.num.raw_len &&
               memcmp(a->u.num.raw, b->u.num.raw, a->u.num.raw_len) == 0;
    case SL_JSON_DOUBLE:
        return memcmp(&a->u.num.d, &b->u.num.d, sizeof(double)) == 0;
    case SL_JSON_STRING:
        return a->u.str.len == b->u.str.len &&
               (a->u.str.len == 0 || memcmp(a->u.str.ptr, b->u.str.ptr, a->u.str.len) == 0);
    case SL_JSON_ARRAY:
        if (a->u.arr.len != b->u.arr.len)
            return 0;
        for (size_t i = 0; i < a->u.arr.len; i++)
            if (!same(&a->u.arr.items[i], &b->u.arr.items[i]))
                return 0;
        return 1;
    case SL_JSON_OBJECT:
        if (a->u.obj.len != b->u.obj.len)
            return 0;
        for (size_t i = 0; i < a->u.obj.len; i++) {
            const sl_json_member *x = &a->u.obj.members[i], *y = &b->u.obj.members[i];
            if (x->key_len != y->key_len ||
                (x->key_len && memcmp(x->key, y->key, x->key_len) != 0) ||
                !same(&x->value, &y->value))
                return 0;
        }
        return 1;
    default:
        return 1;
    }
}

#define MAX_DEPTH 64

static void round_trip(const sl_json_value *v)
{
    sl_buf out;
    sl_buf_init(&out, 0);
    CHECK(sl_json_write_value(&out, v) == SL_OK);
    sl_json_options o;
    sl_json_options_init(&o);
    o.form = SL_JSON_FORM_DOCUMENT;
    o.max_depth = MAX_DEPTH;
    sl_json_reader *r;
    sl_error err;
    CHECK(sl_json_reader_open_mem(out.data, out.len, "rt", &o, &r, &err) == SL_OK);
    const sl_json_value *w;
    sl_status s = sl_json_reader_next(r, &w, &err);
    if (s != SL_OK)
        fprintf(stderr, "fuzz_json: re-parse failed: %s\n%.*s\n", err.msg, (int)out.len,
                out.data);
    CHECK(s == SL_OK);
    CHECK(same(v, w));
    CHECK(sl_json_reader_next(r, &w, &err) == SL_EOF);
    CHECK(sl_json_reader_duplicate_keys(r) == 0);
    sl_json_reader_free(r);
    sl_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const sl_json_form forms[] = { SL_JSON_FORM_AUTO, SL_JSON_FORM_SEQUENCE,
                                          SL_JSON_FORM_ARRAY, SL_JSON_FORM_DOCUMENT };
    for (size_t f = 0; f < 4; f++) {
        for (size_t chunk = 0; chunk <= 3; chunk += 3) {
            sl_json_options o;
            sl_json_options_init(&o);
            o.form = forms[f];
            o.max_depth = MAX_DEPTH;
            o.max_record_size = 1 << 16;
            o.max_decompressed_size = 1 << 20;
            sl_json_reader *r;
            sl_error err;
            CHECK(sl_json_reader_open_mem(data, size, "fuzz", &o, &r, &err) == SL_OK);
            if (chunk)
                sl_json_reader_set_chunk_size(r, chunk);
            const sl_json_value *v;
            sl_status s;
            int n = 0;
            while ((s = sl_json_reader_next(r, &v, &err)) == SL_OK && n < 1000) {
                CHECK(v != NULL);
                CHECK(sl_json_reader_record_offset(r) < (uint64_t)1 << 20);
                if (chunk == 0)
                    round_trip(v);
                n++;
            }
            if (s != SL_OK && s != SL_EOF) {
                CHECK(s == SL_ERR_JSON || s == SL_ERR_LIMIT || s == SL_ERR_CORRUPT);
                CHECK(err.code == s && err.msg[0] != '\0');
                CHECK(sl_json_reader_next(r, &v, &err) == s);
            }
            sl_json_reader_free(r);
        }
    }
    return 0;
}
