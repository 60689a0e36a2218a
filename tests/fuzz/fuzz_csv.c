/* libFuzzer target for the CSV reader: reads every row of the input (as CSV and as
 * TSV, with a small row limit) and feeds the rows to an inference-only normalizer,
 * checking that every row has the header's number of fields. Built without
 * libFuzzer, with replay.c, it re-runs the saved corpus in `make check`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "sluice/sluice.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run(const uint8_t *data, size_t size, char delim)
{
    sl_csv_options o;
    sl_csv_options_init(&o);
    o.delimiter = delim;
    o.max_record_size = 4096;
    o.max_decompressed_size = 1 << 20;
    sl_csv_reader *r;
    sl_error err;
    if (sl_csv_reader_open_mem(data, size, "fuzz", &o, &r, &err))
        return;
    sl_norm_options no;
    sl_norm_options_init(&no);
    no.root_table = "t";
    no.infer_only = true;
    sl_normalizer *n;
    if (sl_norm_open(&no, &n, &err)) {
        sl_csv_reader_free(r);
        return;
    }
    const sl_json_value *v;
    size_t fields = 0;
    bool first = true;
    while (sl_csv_reader_next(r, &v, &err) == SL_OK) {
        if (v->type != SL_JSON_OBJECT)
            abort();
        if (first)
            fields = v->u.obj.len;
        else if (v->u.obj.len != fields)
            abort();
        first = false;
        if (sl_norm_add(n, v, &err))
            abort(); /* inference of valid rows cannot fail */
    }
    sl_norm_finish(n, &err);
    sl_norm_free(n);
    sl_csv_reader_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run(data, size, ',');
    run(data, size, '\t');
    return 0;
}
