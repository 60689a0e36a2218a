/* Lookup in the table of compiled-in data files (see embedded.h). */
#include "base/embedded.h"

#include <string.h>

const sl_embedded_file *sl_embedded_find(const char *name)
{
    for (size_t i = 0; i < sl_embedded_count; i++)
        if (strcmp(sl_embedded_files[i].name, name) == 0)
            return &sl_embedded_files[i];
    return NULL;
}
