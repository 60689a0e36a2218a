/* Bump allocator with reusable blocks (see arena.h). */
#include "base/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct sl_arena_block {
    sl_arena_block *next;
    size_t size;   /* usable bytes in data[] */
    size_t used;
    _Alignas(16) unsigned char data[];
};

void sl_arena_init(sl_arena *a, size_t block_size)
{
    a->head = NULL;
    a->block_size = block_size ? block_size : 64 * 1024;
    a->used_total = 0;
}

static sl_arena_block *new_block(size_t size)
{
    sl_arena_block *b = malloc(sizeof *b + size);
    if (!b)
        return NULL;
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

void *sl_arena_alloc(sl_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (n == 0)
        n = 16;
    sl_arena_block *b = a->head;
    if (!b || b->size - b->used < n) {
        size_t size = a->block_size;
        if (n > size / 4) {
            /* A large request gets a block of its own behind the current one, so
             * the current block's free space is not wasted. */
            if (n > SIZE_MAX - sizeof *b)
                return NULL;
            sl_arena_block *big = new_block(n);
            if (!big)
                return NULL;
            if (b) {
                big->next = b->next;
                b->next = big;
            } else {
                a->head = big;
            }
            big->used = n;
            a->used_total += n;
            return big->data;
        }
        b = new_block(size);
        if (!b)
            return NULL;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    a->used_total += n;
    return p;
}

char *sl_arena_strndup(sl_arena *a, const char *s, size_t n)
{
    char *p = sl_arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void sl_arena_reset(sl_arena *a)
{
    sl_arena_block *keep = a->head;
    if (!keep)
        return;
    /* Keep the head block if it is an ordinary one; large one-off blocks go. */
    sl_arena_block *b = keep->next;
    keep->next = NULL;
    keep->used = 0;
    while (b) {
        sl_arena_block *next = b->next;
        free(b);
        b = next;
    }
    if (keep->size != a->block_size) {
        free(keep);
        a->head = NULL;
    }
    a->used_total = 0;
}

void sl_arena_free(sl_arena *a)
{
    if (!a)
        return;
    sl_arena_block *b = a->head;
    while (b) {
        sl_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->used_total = 0;
}
