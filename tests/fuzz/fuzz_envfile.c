/* libFuzzer target for environment files (--config-env): any bytes are parsed;
 * every value handed out must be NUL-terminated within its length. Built without
 * libFuzzer, with replay.c, it re-runs the saved corpus in `make check`. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/envfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sl_status check(void *ctx, const char *key, size_t klen, const char *val, size_t vlen,
                       unsigned line)
{
    (void)ctx, (void)line;
    if (!klen || val[vlen] != '\0' || !key)
        abort();
    return SL_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sl_error err;
    if (size > 1 << 16)
        return 0;
    (void)sl_envfile_parse((const char *)data, size, "fuzz", check, NULL, &err);
    return 0;
}
