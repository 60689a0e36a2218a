/* libFuzzer target for the files that bind a state directory and its output
 * directory (src/ingest/statedir.c): any bytes as DIR/output.json, then as
 * OUT/.sluice-state.json, each read by sl_statedir_open. It must never crash, and
 * may accept the pair only when the file names exactly the other directory (or
 * the file was not there: then it writes it). Built without libFuzzer, with
 * replay.c, it re-runs the saved corpus in `make check`. */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "ingest/statedir.h"
#include "sluice/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char base[64], out[128], state[128], out_real[PATH_MAX], state_real[PATH_MAX];

static void cleanup(void)
{
    char p[256];
    snprintf(p, sizeof p, "%s/state/output.json", base);
    unlink(p);
    snprintf(p, sizeof p, "%s/out/" SL_STATE_MARKER, base);
    unlink(p);
    rmdir(state);
    rmdir(out);
    rmdir(base);
}

static void setup(void)
{
    snprintf(base, sizeof base, "/tmp/fuzz-statedir-XXXXXX");
    if (!mkdtemp(base))
        abort();
    snprintf(out, sizeof out, "%s/out", base);
    snprintf(state, sizeof state, "%s/state", base);
    if (sl_fs_mkdirs(out, NULL) || sl_fs_mkdirs(state, NULL) || !realpath(out, out_real) ||
        !realpath(state, state_real))
        abort();
    atexit(cleanup);
}

static void put(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
}

/* Whether data is a JSON document whose member key is the string want: what a
 * binding file must be for the run to be accepted. */
static int names(const uint8_t *data, size_t size, const char *key, const char *want)
{
    sl_json_options jo;
    sl_json_options_init(&jo);
    jo.form = SL_JSON_FORM_DOCUMENT;
    sl_json_reader *r;
    const sl_json_value *v, *s;
    int ok = 0;
    if (sl_json_reader_open_mem(data, size, "fuzz", &jo, &r, NULL) != SL_OK)
        return 0;
    if (sl_json_reader_next(r, &v, NULL) == SL_OK && (s = sl_json_get(v, key)) && s->type == SL_JSON_STRING)
        ok = s->u.str.len == strlen(want) && memcmp(s->u.str.ptr, want, s->u.str.len) == 0;
    sl_json_reader_free(r);
    return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    if (!base[0])
        setup();
    char bound[PATH_MAX], marker[PATH_MAX];
    snprintf(bound, sizeof bound, "%s/output.json", state);
    snprintf(marker, sizeof marker, "%s/" SL_STATE_MARKER, out);
    sl_statedir sd;
    sl_error err;
    /* the bytes as DIR/output.json, OUT not bound yet */
    unlink(marker);
    put(bound, data, size);
    sl_status st = sl_statedir_open(&sd, out, state, &err);
    if (st == SL_OK && !names(data, size, "output", out_real))
        abort();   /* accepted a binding that does not name OUT */
    /* the bytes as OUT/.sluice-state.json, DIR not bound yet */
    unlink(bound);
    put(marker, data, size);
    st = sl_statedir_open(&sd, out, state, &err);
    if (st == SL_OK && !names(data, size, "state", state_real))
        abort();
    /* and with no --state-dir: OUT names a state directory, so never accepted
     * unless the file is unreadable as a binding (then it is refused as corrupt) */
    if (sl_statedir_open(&sd, out, NULL, &err) == SL_OK)
        abort();
    unlink(marker);
    return 0;
}
