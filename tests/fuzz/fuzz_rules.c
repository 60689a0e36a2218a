/* libFuzzer target for validate's rules files (JSON or YAML): the input is parsed
 * into the node tree, read as rules, and its patterns compiled. A rules file is
 * untrusted input like a schema: no input may crash, leak or hang it. Built
 * without libFuzzer, with replay.c, it re-runs the saved corpus in `make check`. */
#include <stdint.h>
#include <stddef.h>

#include "sluice/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sl_error err;
    if (size > 1 << 16)
        return 0;
    (void)sl_validate_rules_check((const char *)data, size, "fuzz", &err);
    return 0;
}
