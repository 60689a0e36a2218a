/* Dictionaries from the compiled-in data files; see dict.h. */
#include "gen/dict.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/embedded.h"

#define MAX_DICTS 64

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static sl_dict *loaded[MAX_DICTS];
static size_t nloaded;
static char error[256];

size_t sl_cum_pick(const double *cum, size_t n, double u)
{
    if (n <= 32) {
        /* The first i with u < cum[i] (n - 1 if none) is the count of the entries
         * before n - 1 that u has reached, the table being non-decreasing: counted
         * without a branch, where the binary search below mispredicts about half
         * of its steps (24 hour weights a timestamp). */
        size_t k = 0;
        for (size_t i = 0; i + 1 < n; i++)
            k += !(u < cum[i]);
        return k;
    }
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (u < cum[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

int sl_is_plain(const char *s, size_t n)
{
    if (n == 0 || s[0] == ' ' || s[n - 1] == ' ')
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == '"' || c == '\\' || c == ',' || c == 0x7f)
            return 0;
    }
    return 1;
}

int sl_alias_build(sl_alias *a, const double *w, size_t n)
{
    a->n = n;
    a->slot = malloc(n * sizeof *a->slot);
    double *p = malloc(n * sizeof *p);
    size_t *small = malloc(n * sizeof *small), *large = malloc(n * sizeof *large);
    if (!a->slot || !p || !small || !large) {
        free(p);
        free(small);
        free(large);
        sl_alias_free(a);
        return -1;
    }
    double total = 0;
    for (size_t i = 0; i < n; i++)
        total += w[i];
    size_t ns = 0, nl = 0;
    for (size_t i = 0; i < n; i++) {
        p[i] = w[i] * (double)n / total;
        if (p[i] < 1)
            small[ns++] = i;
        else
            large[nl++] = i;
    }
    /* Vose's pairing: each short column is topped up from a tall one */
    while (ns && nl) {
        size_t s = small[--ns], l = large[nl - 1];
        a->slot[s].thr = (uint32_t)(uint64_t)(p[s] * 4294967296.0);
        a->slot[s].alias = (uint32_t)l;
        p[l] -= 1 - p[s];
        if (p[l] < 1) {
            nl--;
            small[ns++] = l;
        }
    }
    /* What is left is 1 up to rounding: always kept. A threshold of 2^32 does not
     * fit 32 bits; UINT32_MAX with the entry as its own alias picks the same. */
    while (nl) {
        a->slot[large[--nl]].thr = UINT32_MAX;
        a->slot[large[nl]].alias = (uint32_t)large[nl];
    }
    while (ns) {
        a->slot[small[--ns]].thr = UINT32_MAX;
        a->slot[small[ns]].alias = (uint32_t)small[ns];
    }
    free(p);
    free(small);
    free(large);
    return 0;
}

void sl_alias_free(sl_alias *a)
{
    free(a->slot);
    a->slot = NULL;
}

size_t sl_dict_pick(const sl_dict *d, uint64_t bits)
{
    if (!d->alias)
        return (size_t)sl_rng_below(bits, d->n);
    return sl_alias_pick(d->alias, bits);
}

static void dict_free(sl_dict *d)
{
    if (!d)
        return;
    free(d->entry);
    free(d->len);
    free(d->second);
    free(d->second_len);
    if (d->alias)
        sl_alias_free(d->alias);
    free(d->alias);
    free(d);
}

/* Copies the embedded text (which is const) into one block and splits it in place;
 * the dictionary keeps pointers into that block for the life of the process. */
static sl_dict *parse(const char *name, const sl_embedded_file *f)
{
    size_t lines = 0;
    for (size_t i = 0; i < f->len; i++)
        lines += f->data[i] == '\n';
    if (f->len && f->data[f->len - 1] != '\n')
        lines++;
    sl_dict *d = calloc(1, sizeof *d);
    char *text = malloc(f->len + 1 + strlen(name) + 1);
    if (!d || !text || lines == 0) {
        snprintf(error, sizeof error, "dictionary '%s' is empty or memory ran out", name);
        free(text);
        free(d);
        return NULL;
    }
    memcpy(text, f->data, f->len);
    text[f->len] = 0;
    memcpy(text + f->len + 1, name, strlen(name) + 1);
    d->name = text + f->len + 1;
    d->entry = calloc(lines, sizeof *d->entry);
    d->len = calloc(lines, sizeof *d->len);
    d->second = calloc(lines, sizeof *d->second);
    d->second_len = calloc(lines, sizeof *d->second_len);
    double *w = calloc(lines, sizeof *w);
    if (!d->entry || !d->len || !d->second || !d->second_len || !w)
        goto fail;
    int fields = -1;
    char *p = text;
    for (size_t k = 0; k < lines; k++) {
        char *eol = strchr(p, '\n');
        if (eol)
            *eol = 0;
        char *f1 = p, *f2 = NULL, *f3 = NULL;
        char *t = strchr(f1, '\t');
        if (t) {
            *t = 0;
            f2 = t + 1;
            if ((t = strchr(f2, '\t'))) {
                *t = 0;
                f3 = t + 1;
            }
        }
        int nf = f3 ? 3 : f2 ? 2 : 1;
        if (fields >= 0 && nf != fields) {
            snprintf(error, sizeof error, "dict/%s.txt:%zu: %d fields, earlier lines have %d",
                     name, k + 1, nf, fields);
            goto fail;
        }
        fields = nf;
        const char *wtext = nf == 3 ? f3 : f2;
        if (wtext) {
            char *end;
            w[k] = strtod(wtext, &end);
            if (end == wtext || *end || !(w[k] > 0)) {
                snprintf(error, sizeof error, "dict/%s.txt:%zu: weight '%s' is not a positive number",
                         name, k + 1, wtext);
                goto fail;
            }
        }
        d->entry[k] = f1;
        d->len[k] = (uint32_t)strlen(f1);
        if (nf == 3) {
            d->second[k] = f2;
            d->second_len[k] = (uint32_t)strlen(f2);
        }
        p = eol ? eol + 1 : p + strlen(p);
    }
    d->n = lines;
    d->plain = 1;
    for (size_t k = 0; k < lines; k++)
        if (!sl_is_plain(d->entry[k], d->len[k]) ||
            (fields == 3 && !sl_is_plain(d->second[k], d->second_len[k])))
            d->plain = 0;
    if (fields > 1) {
        if (!(d->alias = malloc(sizeof *d->alias)) || sl_alias_build(d->alias, w, lines) != 0) {
            free(d->alias);
            d->alias = NULL;
            snprintf(error, sizeof error, "out of memory loading dictionary '%s'", name);
            goto fail;
        }
    }
    free(w);
    w = NULL;
    if (fields != 3) {
        free(d->second);
        free(d->second_len);
        d->second = NULL;
        d->second_len = NULL;
    }
    return d;
fail:
    free(w);
    free(text);
    dict_free(d);
    return NULL;
}

const sl_dict *sl_dict_get(const char *name)
{
    sl_dict *d = NULL;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < nloaded; i++)
        if (strcmp(loaded[i]->name, name) == 0) {
            d = loaded[i];
            goto out;
        }
    char path[128];
    snprintf(path, sizeof path, "dict/%s.txt", name);
    const sl_embedded_file *f = sl_embedded_find(path);
    if (!f) {
        snprintf(error, sizeof error, "no dictionary called '%s'", name);
        goto out;
    }
    if (nloaded == MAX_DICTS) {
        snprintf(error, sizeof error, "too many dictionaries");
        goto out;
    }
    if ((d = parse(name, f)))
        loaded[nloaded++] = d;
out:
    pthread_mutex_unlock(&lock);
    return d;
}

const char *sl_dict_error(void)
{
    return error;
}
