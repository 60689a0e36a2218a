/* libFuzzer target for the DDL importer (include/sluice/ddl.h): imports the input in
 * every dialect, as JSON and as YAML, into an output buffer that already holds a byte,
 * and checks what the header promises. On success the JSON output (after that byte) is
 * one valid JSON document, the YAML run succeeds too, and a second run gives the same
 * bytes. On an error the status is one the header lists, the message is set, SCHEMA and
 * UNSUPPORTED errors have a position, the YAML run fails the same way, and the buffer
 * holds just its first byte again. Built without libFuzzer, with replay.c, it re-runs the
 * saved corpus in `make check`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/buf.h"
#include "sluice/ddl.h"
#include "sluice/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sl_status import(const uint8_t *data, size_t size, sl_ddl_dialect d, sl_ddl_format f,
                        sl_buf *out, sl_error *err)
{
    sl_buf_init(out, 1 << 22);
    if (sl_buf_putc(out, 'x') != SL_OK)
        abort();
    return sl_ddl_import((const char *)data, size, "fuzz.sql", "fuzz", d, f, out, err);
}

static void check_json(const sl_buf *out)
{
    sl_json_options o;
    sl_json_options_init(&o);
    o.form = SL_JSON_FORM_DOCUMENT;
    sl_json_reader *r;
    sl_error err;
    const sl_json_value *v;
    if (sl_json_reader_open_mem(out->data + 1, out->len - 1, "out", &o, &r, &err) != SL_OK)
        abort();
    if (sl_json_reader_next(r, &v, &err) != SL_OK || v->type != SL_JSON_OBJECT)
        abort();
    if (sl_json_reader_next(r, &v, &err) != SL_EOF)
        abort();
    sl_json_reader_free(r);
}

static void run(const uint8_t *data, size_t size, sl_ddl_dialect d)
{
    sl_buf json, yaml, again;
    sl_error err, yerr, aerr;
    sl_status st = import(data, size, d, SL_DDL_JSON, &json, &err);
    sl_status yst = import(data, size, d, SL_DDL_YAML, &yaml, &yerr);
    if (st != yst)
        abort();
    if (st == SL_OK) {
        check_json(&json);
        if (import(data, size, d, SL_DDL_JSON, &again, &aerr) != SL_OK ||
            again.len != json.len || memcmp(again.data, json.data, json.len) != 0)
            abort();
        sl_buf_free(&again);
    } else {
        if (st != SL_ERR_SCHEMA && st != SL_ERR_UNSUPPORTED && st != SL_ERR_LIMIT &&
            st != SL_ERR_NOMEM)
            abort();
        if (json.len != 1 || yaml.len != 1 || err.code != st || !err.msg[0] ||
            strcmp(err.msg, yerr.msg) != 0 || err.line != yerr.line || err.column != yerr.column)
            abort();
        if ((st == SL_ERR_SCHEMA || st == SL_ERR_UNSUPPORTED) && (!err.line || !err.column))
            abort();
        if (strcmp(err.file, "fuzz.sql") != 0)
            abort();
    }
    sl_buf_free(&json);
    sl_buf_free(&yaml);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int d = SL_DDL_AUTO; d <= SL_DDL_HIVE; d++)
        run(data, size, (sl_ddl_dialect)d);
    return 0;
}
