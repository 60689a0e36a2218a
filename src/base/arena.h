/* Arena: a bump allocator for values that die together (one JSON document, one
 * row group, one request). Allocation is a pointer bump; sl_arena_reset() keeps the
 * largest block for reuse so a steady-state loop allocates nothing from malloc. */
#ifndef SL_BASE_ARENA_H
#define SL_BASE_ARENA_H

#include <stddef.h>

typedef struct sl_arena_block sl_arena_block;

typedef struct sl_arena {
    sl_arena_block *head;   /* current block; older blocks follow via ->next */
    size_t block_size;      /* size of the next ordinary block */
    size_t used_total;      /* bytes handed out since the last reset */
} sl_arena;

/* Initialises an empty arena; block_size 0 means 64 KiB. Allocates nothing. */
void sl_arena_init(sl_arena *a, size_t block_size);

/* Returns n bytes aligned to 16, or NULL when malloc fails. n may be 0. */
void *sl_arena_alloc(sl_arena *a, size_t n);

/* Copies n bytes into the arena (and a NUL after them). NULL on allocation failure. */
char *sl_arena_strndup(sl_arena *a, const char *s, size_t n);

/* Frees everything but the most recent block, which is kept for reuse. */
void sl_arena_reset(sl_arena *a);

/* Frees every block. The arena can be used again afterwards. a may be NULL. */
void sl_arena_free(sl_arena *a);

#endif
