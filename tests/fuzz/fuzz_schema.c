/* libFuzzer target for schema files: the input is read as a JSON or YAML schema
 * (node tree with positions, then the generator model with all its checks); a
 * schema that loads is planned and a few rows of each table are generated, so the
 * value generators and expressions see whatever the fuzzer can get past the
 * checks. Built without libFuzzer, with replay.c, it re-runs the saved corpus in
 * `make check`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/run.h"
#include "sluice/sluice.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sl_gen_schema *s;
    sl_error err;
    if (size > 1 << 16 || sl_gen_schema_parse((const char *)data, size, "fuzz", NULL, 0, &s, &err))
        return 0;
    sl_gen_options o;
    sl_gen_options_init(&o);
    o.n = 7;
    o.scale = 1e-12;  /* fixed-size tables at most 1,000 rows, whatever they ask */
    sl_gplan p;
    if (sl_gplan_init(&p, s, &o, &err) == SL_OK) {
        sl_arena a;
        sl_arena_init(&a, 0);
        for (size_t t = 0; t < s->ntables; t++) {
            sl_val *vals = calloc(s->tables[t].ncols + 1, sizeof *vals);
            sl_gblock_seats seats = {.block = UINT64_MAX};
            if (!vals || (s->tables[t].assoc && sl_gseats_load(&p, (int)t, 0, &seats) != SL_OK)) {
                free(vals);
                continue;
            }
            uint64_t rows = p.rows[t] < 5 ? p.rows[t] : 5;
            for (uint64_t r = 0; r < rows; r++) {
                unsigned broken;
                sl_arena_reset(&a);
                if (sl_gen_row(&p, (int)t, r, 0, &seats, vals, &a, &broken) != SL_OK)
                    break;
            }
            sl_gseats_free(&seats);
            free(vals);
        }
        sl_arena_free(&a);
        sl_gplan_free(&p);
    }
    sl_gen_schema_free(s);
    return 0;
}
