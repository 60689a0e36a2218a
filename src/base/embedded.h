/* Data files compiled into the library: the dictionaries under data/dict/ and the
 * built-in schemas under data/schemas/, so the binary runs from any directory and
 * needs no install path. tools/embed.c writes the table at build time. */
#ifndef SLUICE_BASE_EMBEDDED_H
#define SLUICE_BASE_EMBEDDED_H

#include <stddef.h>

typedef struct sl_embedded_file {
    const char *name;            /* path under data/, e.g. "dict/given_names.txt" */
    const unsigned char *data;   /* the file's bytes, followed by one NUL not counted in len */
    size_t len;
} sl_embedded_file;

extern const sl_embedded_file sl_embedded_files[];
extern const size_t sl_embedded_count;

/* The embedded file called name, or NULL. */
const sl_embedded_file *sl_embedded_find(const char *name);

#endif
