/* Finding the tables of D, deciding what to check in each, and one pass over
 * every table: row group by row group, the key columns first (so that a row
 * whose key repeats is known before its other columns are seen), then each
 * column read once and everything asked of it done in that one loop: null and
 * range checks, hashes for keys and foreign keys, the profile's sketches.
 * Tables are independent here, so each is scanned by its own thread (as many
 * threads as cores, largest tables first). */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "base/fsutil.h"
#include "base/grow.h"
#include "sluice/gen.h"
#include "sluice/sluice.h"
#include "validate/vd.h"

/* ------------------------------------------------------------ small parts */

void vd_sample_add(vd_samples *s, uint64_t row, uint32_t cap)
{
    if (s->n < cap && s->n < VD_MAX_SAMPLES)
        s->row[s->n++] = row;
}

sl_status vd_keyset_init(vd_keyset *s, uint64_t expect)
{
    size_t cap = 16;
    while (cap < expect + expect / 3 + 1)
        cap *= 2;
    s->h = calloc(cap, sizeof *s->h);
    s->row = malloc(cap * sizeof *s->row);
    s->cap = cap;
    s->n = 0;
    if (!s->h || !s->row) {
        vd_keyset_free(s);
        return SL_ERR_NOMEM;
    }
    return SL_OK;
}

void vd_keyset_free(vd_keyset *s)
{
    free(s->h);
    free(s->row);
    memset(s, 0, sizeof *s);
}

size_t vd_keyset_put(vd_keyset *s, uint64_t h, uint32_t row, uint32_t *first)
{
    if (s->n + 1 > s->cap - s->cap / 4)
        return SIZE_MAX;
    size_t m = s->cap - 1, i = (size_t)(h ^ h >> 29) & m;
    while (s->h[i]) {
        if (s->h[i] == h) {
            *first = s->row[i];
            return i;
        }
        i = (i + 1) & m;
    }
    s->h[i] = h;
    s->row[i] = row;
    s->n++;
    *first = row;
    return i;
}

size_t vd_keyset_find(const vd_keyset *s, uint64_t h)
{
    if (!s->cap)
        return SIZE_MAX;
    size_t m = s->cap - 1, i = (size_t)(h ^ h >> 29) & m;
    while (s->h[i]) {
        if (s->h[i] == h)
            return i;
        i = (i + 1) & m;
    }
    return SIZE_MAX;
}

/* ------------------------------------------------------------- hashing */

enum {
    FAM_INT = 1, FAM_FLOAT, FAM_DEC, FAM_STR, FAM_DATE, FAM_TS, FAM_TIME, FAM_BOOL, FAM_OTHER
};

static int family(sl_pq_type t)
{
    switch (t) {
    case SL_PQ_INT8: case SL_PQ_INT16: case SL_PQ_INT32: case SL_PQ_INT64:
    case SL_PQ_UINT8: case SL_PQ_UINT16: case SL_PQ_UINT32: case SL_PQ_UINT64:
        return FAM_INT;
    case SL_PQ_FLOAT: case SL_PQ_DOUBLE: return FAM_FLOAT;
    case SL_PQ_DECIMAL: return FAM_DEC;
    case SL_PQ_STRING: case SL_PQ_BINARY: case SL_PQ_FIXED: return FAM_STR;
    case SL_PQ_DATE: return FAM_DATE;
    case SL_PQ_TIMESTAMP: return FAM_TS;
    case SL_PQ_TIME: return FAM_TIME;
    case SL_PQ_BOOL: return FAM_BOOL;
    default: return FAM_OTHER;
    }
}

static int64_t to_micros(int64_t v, sl_pq_time_unit u)
{
    return u == SL_PQ_MILLIS ? v * 1000 : u == SL_PQ_NANOS ? v / 1000 : v;
}

static inline uint64_t nz(uint64_t h)
{
    return h ? h : 1;
}

uint64_t vd_hash_value(const sl_pq_column *c, const sl_pq_column_data *d, size_t k)
{
    return vd_hash_seeded(c, d, k, 0);
}

uint64_t vd_hash_seeded(const sl_pq_column *c, const sl_pq_column_data *d, size_t k, uint64_t seed)
{
    uint64_t f = (uint64_t)family(c->type) ^ seed;
    int64_t v;
    switch (family(c->type)) {
    case FAM_INT: case FAM_DATE: case FAM_BOOL:
        v = d->i64[k];
        return nz(XXH3_64bits_withSeed(&v, 8, f));
    case FAM_TS: case FAM_TIME:
        v = to_micros(d->i64[k], c->time_unit);
        return nz(XXH3_64bits_withSeed(&v, 8, f));
    case FAM_FLOAT: {
        double x = d->f64[k];
        if (x == 0)
            x = 0;
        if (isnan(x))
            x = NAN;
        return nz(XXH3_64bits_withSeed(&x, 8, f));
    }
    case FAM_DEC:
        if (d->i64) {
            v = d->i64[k];
            return nz(XXH3_64bits_withSeed(&v, 8, f * 100u + (uint64_t)c->scale));
        }
        break;    /* p > 18: big-endian bytes, below */
    default:
        break;
    }
    if (!d->offsets)
        return 1;
    return nz(XXH3_64bits_withSeed(d->data + d->offsets[k], (size_t)(d->offsets[k + 1] - d->offsets[k]), f));
}

static double pow10i(int32_t s)
{
    double p = 1;
    for (int32_t i = 0; i < s && i < 40; i++)
        p *= 10;
    return p;
}

/* The value of slot k as a number for the profile and range checks. */
static double num_value(const sl_pq_column *c, const sl_pq_column_data *d, size_t k)
{
    switch (c->type) {
    case SL_PQ_FLOAT: case SL_PQ_DOUBLE: return d->f64[k];
    case SL_PQ_UINT64: return (double)(uint64_t)d->i64[k];
    case SL_PQ_DECIMAL: return d->i64 ? (double)d->i64[k] / pow10i(c->scale) : NAN;
    case SL_PQ_TIMESTAMP: case SL_PQ_TIME: return (double)to_micros(d->i64[k], c->time_unit);
    default: return (double)d->i64[k];
    }
}

static bool is_numeric(const sl_pq_column *c)
{
    int f = family(c->type);
    return !c->list && f != FAM_STR && f != FAM_OTHER && !(f == FAM_DEC && c->precision > 18);
}

/* ------------------------------------------------------------ the tables */

static bool has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n > m && memcmp(s + n - m, suf, m) == 0;
}

static sl_status add_file(vd_table *t, const char *dir, const char *rel, sl_error *err)
{
    size_t cap = t->nfiles;   /* files arrays grow by doubling from 1 */
    if ((cap & (cap - 1)) == 0) {
        size_t c2 = cap ? cap : 0;
        vd_file *p = sl_grow_array(t->files, &c2, sizeof *p, 1);
        if (!p)
            return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        t->files = p;
    }
    vd_file *f = &t->files[t->nfiles];
    memset(f, 0, sizeof *f);
    size_t n = strlen(dir) + strlen(rel) + 2;
    f->path = malloc(n);
    f->rel = strdup(rel);
    if (!f->path || !f->rel) {
        free(f->path);
        free(f->rel);
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    }
    snprintf(f->path, n, "%s/%s", dir, rel);
    struct stat sb;
    if (stat(f->path, &sb) != 0) {
        sl_error_set(err, SL_ERR_IO, "%s", strerror(errno));
        sl_error_set_file(err, f->path);
        free(f->path);
        free(f->rel);
        return SL_ERR_IO;
    }
    f->size = (uint64_t)sb.st_size;
    f->ino = (uint64_t)sb.st_ino;
    f->mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
    t->nfiles++;
    return SL_OK;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names in dir, sorted (one table's files come in name order). */
static sl_status list_dir(const char *dir, char ***out, size_t *n, sl_error *err)
{
    DIR *d = opendir(dir);
    if (!d) {
        sl_error_set(err, SL_ERR_IO, "cannot read the directory: %s", strerror(errno));
        sl_error_set_file(err, dir);
        return SL_ERR_IO;
    }
    char **names = NULL;
    size_t cnt = 0, cap = 0;
    struct dirent *e;
    sl_status st = SL_OK;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (cnt == cap) {
            char **p = sl_grow_array(names, &cap, sizeof *p, 32);
            if (!p) {
                st = SL_ERR_NOMEM;
                break;
            }
            names = p;
        }
        if (!(names[cnt] = strdup(e->d_name))) {
            st = SL_ERR_NOMEM;
            break;
        }
        cnt++;
    }
    closedir(d);
    if (cnt)
        qsort(names, cnt, sizeof *names, cmp_name);
    *out = names;
    *n = cnt;
    return st ? sl_error_set(err, st, "out of memory") : SL_OK;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Directories of D that are sluice's own, never tables. */
static bool reserved_dir(const char *name)
{
    static const char *const r[] = {"_sluice", "raw", "quarantine", "duplicates", "processed", NULL};
    for (size_t i = 0; r[i]; i++)
        if (strcmp(name, r[i]) == 0)
            return true;
    return false;
}

static vd_table *new_table(vd_run *run, const char *name, size_t *cap)
{
    if (run->ntabs == *cap) {
        vd_table *p = sl_grow_array(run->tabs, cap, sizeof *p, 8);
        if (!p)
            return NULL;
        run->tabs = p;
    }
    vd_table *t = &run->tabs[run->ntabs];
    memset(t, 0, sizeof *t);
    if (!(t->name = strdup(name)))
        return NULL;
    run->ntabs++;
    return t;
}

sl_status vd_find_tables(vd_run *run, sl_error *err)
{
    char **names;
    size_t n, cap = 0;
    sl_status st = list_dir(run->dir, &names, &n, err);
    for (size_t i = 0; !st && i < n; i++) {
        char path[4096];
        struct stat sb;
        snprintf(path, sizeof path, "%s/%s", run->dir, names[i]);
        if (stat(path, &sb) != 0)
            continue;
        if (S_ISREG(sb.st_mode) && has_suffix(names[i], ".parquet")) {
            char stem[512];
            snprintf(stem, sizeof stem, "%.*s", (int)(strlen(names[i]) - 8), names[i]);
            vd_table *t = new_table(run, stem, &cap);
            st = t ? add_file(t, run->dir, names[i], err) : sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        } else if (S_ISDIR(sb.st_mode) && !reserved_dir(names[i])) {
            char **parts;
            size_t np;
            if ((st = list_dir(path, &parts, &np, err)))
                break;
            vd_table *t = NULL;
            for (size_t j = 0; !st && j < np; j++) {
                if (!has_suffix(parts[j], ".parquet"))
                    continue;
                if (!t && !(t = new_table(run, names[i], &cap))) {
                    st = sl_error_set(err, SL_ERR_NOMEM, "out of memory");
                    break;
                }
                char rel[1024];
                snprintf(rel, sizeof rel, "%s/%s", names[i], parts[j]);
                st = add_file(t, run->dir, rel, err);
            }
            free_names(parts, np);
        }
    }
    free_names(names, n);
    if (st)
        return st;
    /* a name both as a file and a directory: two tables of one name; refuse */
    for (size_t i = 0; i < run->ntabs; i++)
        for (size_t j = i + 1; j < run->ntabs; j++)
            if (strcmp(run->tabs[i].name, run->tabs[j].name) == 0)
                return sl_error_set(err, SL_ERR_USAGE, "%s: table '%s' is both %s.parquet and a directory",
                                    run->dir, run->tabs[i].name, run->tabs[i].name);
    return SL_OK;
}

/* ------------------------------------------------------------- the plan */

sl_status vd_open_file(const vd_table *t, const vd_file *f, sl_pq_reader **r, size_t *map, sl_error *err)
{
    sl_status st = sl_pq_reader_open(f->path, r, err);
    if (st) {
        if (!err->file[0])
            sl_error_set_file(err, f->path);
        return st;
    }
    size_t nc = sl_pq_reader_num_columns(*r);
    for (size_t c = 0; c < t->ncols; c++) {
        map[c] = SIZE_MAX;
        for (size_t k = 0; k < nc && !t->cols[c].missing; k++)
            if (strcmp(sl_pq_reader_column(*r, k)->name, t->cols[c].name) == 0) {
                map[c] = k;
                break;
            }
    }
    return SL_OK;
}

/* Does Parquet column c fit declared sluice type ty? Unknown types fit. */
static bool type_fits(const sl_pq_column *c, const char *ty)
{
    bool list = strncmp(ty, "list<", 5) == 0;
    if (list != c->list)
        return false;
    char base[64];
    snprintf(base, sizeof base, "%s", list ? ty + 5 : ty);
    char *gt = strchr(base, '>');
    if (gt)
        *gt = '\0';
    int f = family(c->type);
    if (strcmp(base, "string") == 0)
        return f == FAM_STR;
    if (strncmp(base, "int", 3) == 0 || strncmp(base, "uint", 4) == 0)
        return f == FAM_INT;
    if (strcmp(base, "float64") == 0 || strcmp(base, "double") == 0 || strcmp(base, "float") == 0 ||
        strncmp(base, "decimal", 7) == 0)
        return f == FAM_FLOAT || f == FAM_DEC;
    if (strcmp(base, "bool") == 0 || strcmp(base, "boolean") == 0)
        return f == FAM_BOOL;
    if (strcmp(base, "date") == 0)
        return f == FAM_DATE;
    if (strcmp(base, "timestamp") == 0)
        return f == FAM_TS;
    if (strcmp(base, "time") == 0)
        return f == FAM_TIME;
    return true;
}

/* The table's column <singular>_id ("classes" -> class_id, "categories" ->
 * category_id), else id; -1 when neither (the convention sync keys by). */
static long convention_key(const vd_table *t)
{
    static const struct { const char *end, *add; } forms[] = {{"ies", "y"}, {"es", ""}, {"s", ""}, {"", ""}};
    size_t n = strlen(t->name);
    for (size_t f = 0; f < 4; f++) {
        size_t el = strlen(forms[f].end);
        if (n <= el || strcmp(t->name + n - el, forms[f].end) != 0)
            continue;
        char cand[600];
        snprintf(cand, sizeof cand, "%.*s%s_id", (int)(n - el), t->name, forms[f].add);
        for (size_t c = 0; c < t->ncols; c++)
            if (!t->cols[c].missing && strcmp(t->cols[c].name, cand) == 0)
                return (long)c;
    }
    for (size_t c = 0; c < t->ncols; c++)
        if (!t->cols[c].missing && strcmp(t->cols[c].name, "id") == 0)
            return (long)c;
    return -1;
}

long vd_find_col(const vd_table *t, const char *name)
{
    for (size_t c = 0; c < t->ncols; c++)
        if (strcmp(t->cols[c].name, name) == 0)
            return (long)c;
    return -1;
}

long vd_find_table(const vd_run *run, const char *name)
{
    for (size_t i = 0; i < run->ntabs; i++)
        if (strcmp(run->tabs[i].name, name) == 0)
            return (long)i;
    return -1;
}

/* Reads the columns of t's first file, the rules that name them, and each
 * file's row count (a file the reader rejects stops the run here). */
static sl_status plan_columns(vd_run *run, vd_table *t, sl_error *err)
{
    sl_pq_reader *r;
    sl_status st = sl_pq_reader_open(t->files[0].path, &r, err);
    if (st) {
        if (!err->file[0])
            sl_error_set_file(err, t->files[0].path);
        return st;
    }
    t->rule = vd_rules_table(&run->rules, t->name, false);
    size_t nc = sl_pq_reader_num_columns(r), extra = 0;
    if (t->rule)
        for (size_t i = 0; i < t->rule->ncols; i++) {
            bool found = false;
            for (size_t k = 0; k < nc && !found; k++)
                found = strcmp(sl_pq_reader_column(r, k)->name, t->rule->cols[i].name) == 0;
            extra += !found;
        }
    t->cols = calloc(nc + extra + 1, sizeof *t->cols);
    if (!t->cols) {
        sl_pq_reader_free(r);
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    }
    for (size_t k = 0; k < nc; k++) {
        vd_col *c = &t->cols[t->ncols++];
        c->pq = *sl_pq_reader_column(r, k);
        c->name = strdup(c->pq.name);
        c->pq.name = c->name;
        c->key_pos = -1;
        c->rule = t->rule ? vd_rules_col(&run->rules, (vd_tabrule *)t->rule, c->name, false) : NULL;
        vd_prof_init(&c->prof, is_numeric(&c->pq));
        if (!c->name) {
            sl_pq_reader_free(r);
            return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        }
        if (c->rule && c->rule->type && c->pq.type != SL_PQ_UNSUPPORTED)
            c->type_bad = !type_fits(&c->pq, c->rule->type);
    }
    sl_pq_reader_free(r);
    for (size_t i = 0; t->rule && i < t->rule->ncols; i++) {
        if (vd_find_col(t, t->rule->cols[i].name) >= 0)
            continue;
        vd_col *c = &t->cols[t->ncols++];
        c->name = t->rule->cols[i].name;
        c->rule = &t->rule->cols[i];
        c->missing = true;
        c->key_pos = -1;
        vd_prof_init(&c->prof, false);
    }
    return SL_OK;
}

static sl_status add_fk(vd_run *run, size_t child, size_t ccol, size_t parent, size_t pcol,
                        const char *how, vd_sev sev)
{
    if (run->nfks == run->capfk) {
        vd_fk *p = sl_grow_array(run->fks, &run->capfk, sizeof *p, 16);
        if (!p)
            return SL_ERR_NOMEM;
        run->fks = p;
    }
    vd_fk *f = &run->fks[run->nfks++];
    memset(f, 0, sizeof *f);
    *f = (vd_fk){.child = child, .ccol = ccol, .parent = parent, .pcol = pcol, .how = how, .sev = sev};
    run->tabs[child].cols[ccol].store = true;
    run->tabs[child].cols[ccol].needed = true;
    return SL_OK;
}

/* The single-column key of table p, or -1. */
static long single_key(const vd_table *p)
{
    return p->nkey == 1 ? p->key[0] : -1;
}

static sl_status plan_keys(vd_run *run, vd_table *t)
{
    if (t->rule && t->rule->npk) {
        bool ok = true;
        for (size_t i = 0; i < t->rule->npk; i++) {
            long c = vd_find_col(t, t->rule->pk[i]);
            if (c < 0 || t->cols[c].missing)
                ok = false;
            else
                t->key[i] = (int)c;
        }
        if (ok) {
            t->nkey = t->rule->npk;
            t->key_source = "declared";
        }
    }
    if (!t->nkey) {
        long c = convention_key(t);
        if (c >= 0) {
            t->key[0] = (int)c;
            t->nkey = 1;
            t->key_source = "convention";
        }
    }
    if (!t->nkey)
        t->key_source = "none";
    for (size_t i = 0; i < t->nkey; i++) {
        t->cols[t->key[i]].key_pos = (int)i;
        t->cols[t->key[i]].needed = true;
        t->cols[t->key[i]].required = true;
    }
    for (size_t c = 0; c < t->ncols; c++)
        if (t->cols[c].rule && t->cols[c].rule->not_null)
            t->cols[c].required = true;
    return SL_OK;
}

static bool is_id_name(const char *n)
{
    return has_suffix(n, "_id") || strcmp(n, "id") == 0;
}

static sl_status plan_links(vd_run *run, size_t ti)
{
    vd_table *t = &run->tabs[ti];
    for (size_t c = 0; c < t->ncols; c++) {
        vd_col *col = &t->cols[c];
        if (col->missing || col->pq.list || col->pq.type == SL_PQ_UNSUPPORTED)
            continue;
        if (t->nkey == 1 && t->key[0] == (int)c)
            continue;
        const vd_colrule *cr = col->rule;
        if (cr && cr->ref_table) {
            long p = vd_find_table(run, cr->ref_table);
            long pc = p >= 0 ? vd_find_col(&run->tabs[p], cr->ref_col) : -1;
            if (pc >= 0 && !run->tabs[p].cols[pc].missing) {
                if (add_fk(run, ti, c, (size_t)p, (size_t)pc, "declared", cr->sev))
                    return SL_ERR_NOMEM;
                run->tabs[p].cols[pc].store = run->tabs[p].cols[pc].needed =
                    single_key(&run->tabs[p]) != pc;
                continue;
            }
        }
        /* named like another table's single-column key: a foreign key, as sync has it */
        bool linked = false;
        for (size_t p = 0; p < run->ntabs && !linked; p++) {
            long k = single_key(&run->tabs[p]);
            if (p == ti || k < 0 || strcmp(run->tabs[p].cols[k].name, col->name) != 0)
                continue;
            if (add_fk(run, ti, c, p, (size_t)k, "convention", cr ? cr->sev : VD_SEV_ERROR))
                return SL_ERR_NOMEM;
            linked = true;
        }
        /* other *_id columns: candidates for discovery (relate.c) */
        if (!linked && is_id_name(col->name))
            col->store = col->needed = true;
    }
    return SL_OK;
}

static void plan_school(vd_run *run)
{
    run->st_students = vd_find_table(run, "students");
    run->st_classes = vd_find_table(run, "classes");
    run->st_enroll = vd_find_table(run, "student_classes");
    if (run->st_students >= 0) {
        vd_table *s = &run->tabs[run->st_students];
        long a = vd_find_col(s, "age"), y = vd_find_col(s, "year");
        if (a >= 0 && y >= 0 && !s->cols[a].missing && !s->cols[y].missing) {
            s->school_age = true;
            s->cols[a].needed = s->cols[y].needed = true;
        }
    }
    if (run->st_classes >= 0) {
        vd_table *c = &run->tabs[run->st_classes];
        long k = vd_find_col(c, "capacity");
        if (k >= 0 && !c->cols[k].missing && !c->cols[k].pq.list)
            c->cols[k].store_i64 = c->cols[k].needed = true;
    }
}

sl_status vd_plan(vd_run *run, sl_error *err)
{
    sl_status st;
    for (size_t i = 0; i < run->ntabs; i++)
        if ((st = plan_columns(run, &run->tabs[i], err)))
            return st;
    for (size_t i = 0; i < run->ntabs; i++)
        plan_keys(run, &run->tabs[i]);
    for (size_t i = 0; i < run->ntabs; i++)
        if ((st = plan_links(run, i)))
            return sl_error_set(err, st, "out of memory");
    run->school = run->rules.schema_name && strcmp(run->rules.schema_name, "school") == 0;
    if (run->school)
        plan_school(run);
    for (size_t i = 0; i < run->ntabs; i++) {
        vd_table *t = &run->tabs[i];
        for (size_t c = 0; c < t->ncols; c++) {
            vd_col *col = &t->cols[c];
            const vd_colrule *r = col->rule;
            if (col->missing)
                continue;
            if (r && (r->has_min || r->has_max || r->nvalues || r->re_ok || r->unique))
                col->needed = true;
            if (!t->nkey)
                col->needed = true;     /* whole rows are hashed for duplicates */
        }
    }
    return SL_OK;
}

/* ------------------------------------------------------------- the scan */

typedef struct rg_ctx {
    vd_table *t;
    vd_run *run;
    uint64_t base;           /* table row number of the row group's first row */
    size_t rows;
    uint8_t *repeat;         /* per row: the key repeats an earlier row's */
    uint64_t *hs;            /* per row: the column's value hashes (scratch) */
    uint64_t *keyh;          /* per row: the key's hash, 0 for a null key part */
    bool profile;            /* this file's sketches are not saved: profile it */
    uint32_t cap;            /* samples per check */
} rg_ctx;

static bool in_values(const vd_colrule *r, const char *s, size_t n)
{
    for (size_t i = 0; i < r->nvalues; i++)
        if (strlen(r->values[i]) == n && memcmp(r->values[i], s, n) == 0)
            return true;
    return false;
}

/* Enum and pattern verdict for a string, cached by hash when the column has
 * few distinct values (the cache stops growing at 4096 entries). */
static bool string_ok(vd_col *c, uint64_t h, const uint8_t *s, size_t n)
{
    vd_verdicts *v = &c->vcache;
    if (!v->cap) {
        v->h = calloc(8192, sizeof *v->h);
        v->ok = malloc(8192);
        if (!v->h || !v->ok) {
            free(v->h);
            free(v->ok);
            v->h = NULL;
            v->ok = NULL;
        } else {
            v->cap = 8192;
        }
    }
    uint32_t i = 0;
    if (v->cap) {
        i = (uint32_t)h & (v->cap - 1);
        while (v->h[i]) {
            if (v->h[i] == (h | 1))
                return v->ok[i];
            i = (i + 1) & (v->cap - 1);
        }
    }
    const vd_colrule *r = c->rule;
    bool ok = true;
    if (r->nvalues)
        ok = in_values(r, (const char *)s, n);
    if (ok && r->re_ok) {
        regmatch_t m = {.rm_so = 0, .rm_eo = (regoff_t)n};
        ok = regexec(&r->re, (const char *)s, 1, &m, REG_STARTEND) == 0;
    }
    if (v->cap && v->n < v->cap / 2) {
        v->h[i] = h | 1;
        v->ok[i] = ok;
        v->n++;
    }
    return ok;
}

static void fail(rg_ctx *x, vd_col *c, int ck, size_t r)
{
    c->fail[ck]++;
    vd_sample_add(&c->samp[ck], x->base + r, x->cap);
}

/* Profile of a flat slot already known present. */
static void profile_value(vd_col *c, const sl_pq_column_data *d, size_t k, uint64_t h)
{
    vd_prof *p = &c->prof;
    vd_hll_add(p->hll, h);
    if (p->numeric) {
        double v = num_value(&c->pq, d, k);
        p->sum += v;
        vd_kll_add(&p->kll, v);
        /* numbers are kept as their 8 bytes and formatted for the report */
        vd_top_add(&p->top, h, (const char *)&v, sizeof v);
    } else if (d->offsets) {
        const char *s = (const char *)d->data + d->offsets[k];
        size_t n = (size_t)(d->offsets[k + 1] - d->offsets[k]);
        p->len_sum += n;
        if (c->pq.type == SL_PQ_STRING) {
            vd_prof_str_minmax(p, s, n);
            vd_top_add(&p->top, h, s, n);
        }
    }
}

static void range_check(rg_ctx *x, vd_col *c, const sl_pq_column_data *d, size_t k, size_t r)
{
    const vd_colrule *ru = c->rule;
    if (c->pq.list || c->type_bad)
        return;
    c->checked[VD_CK_RANGE] += (ru->has_min || ru->has_max || ru->nvalues) != 0;
    c->checked[VD_CK_PATTERN] += ru->re_ok;
    if (d->offsets && c->pq.type == SL_PQ_STRING) {
        if (!ru->nvalues && !ru->re_ok)
            return;
        const uint8_t *s = d->data + d->offsets[k];
        size_t n = (size_t)(d->offsets[k + 1] - d->offsets[k]);
        if (string_ok(c, x->hs[r], s, n))
            return;
        /* which rule failed: the enum wins (out_of_range), then the pattern */
        if (ru->nvalues && !in_values(ru, (const char *)s, n))
            fail(x, c, VD_CK_RANGE, r);
        else
            fail(x, c, VD_CK_PATTERN, r);
        return;
    }
    if (!c->prof.numeric)
        return;
    double v = num_value(&c->pq, d, k);
    bool bad = (ru->has_min && v < ru->min) || (ru->has_max && v > ru->max);
    if (!bad && ru->nvalues) {
        char txt[40];
        int n = snprintf(txt, sizeof txt, "%lld", (long long)d->i64[k]);
        bad = family(c->pq.type) == FAM_INT && !in_values(ru, txt, (size_t)n);
    }
    if (bad)
        fail(x, c, VD_CK_RANGE, r);
}

/* Everything one column's chunk is needed for, in one loop over its rows. */
static sl_status do_column(rg_ctx *x, vd_col *c, const sl_pq_column_data *d)
{
    const vd_colrule *ru = c->rule;
    bool prof = x->profile;
    bool checks = ru && (ru->has_min || ru->has_max || ru->nvalues || ru->re_ok);
    for (size_t r = 0; r < x->rows; r++) {
        bool null;
        uint64_t h;
        if (c->pq.list) {
            null = d->list_valid && !d->list_valid[r];
            h = 0x5bd1e995;
            for (uint64_t k = d->list_offsets[r]; !null && k < d->list_offsets[r + 1]; k++)
                h = XXH3_64bits_withSeed(&h, 8, d->valid && !d->valid[k] ? 7 : vd_hash_value(&c->pq, d, (size_t)k));
            h = nz(h);
        } else {
            null = d->valid && !d->valid[r];
            h = null ? 0 : vd_hash_value(&c->pq, d, r);
        }
        x->hs[r] = h;
        if (prof)
            c->prof.rows++;
        if (null) {
            if (prof)
                c->prof.nulls++;
            if (c->required)
                fail(x, c, VD_CK_NULL, r);
            continue;
        }
        if (prof) {
            c->prof.values++;
            if (!c->pq.list)
                profile_value(c, d, r, h);
            else
                vd_hll_add(c->prof.hll, h);
        }
        if (checks)
            range_check(x, c, d, r, r);
        if (c->uniq && !x->repeat[r]) {
            uint32_t first;
            c->checked[VD_CK_UNIQUE]++;
            if (vd_keyset_put(c->uniq, h, (uint32_t)(x->base + r), &first) == SIZE_MAX)
                return SL_ERR_NOMEM;
            if (first != (uint32_t)(x->base + r))
                fail(x, c, VD_CK_UNIQUE, r);
        }
    }
    if (c->required)
        c->checked[VD_CK_NULL] += x->rows;
    if (c->store)
        for (size_t r = 0; r < x->rows; r++)
            c->h[x->base + r] = x->repeat[r] ? 0 : x->hs[r];
    if (c->store_i64)
        for (size_t r = 0; r < x->rows; r++) {
            bool null = d->valid && !d->valid[r];
            c->iv[x->base + r] = null ? 0 : d->i64[r];
            c->ivnull[x->base + r] = null;
        }
    if (prof && !c->prof.top.off && c->prof.values > 4096 &&
        vd_hll_estimate(c->prof.hll) > 0.5 * (double)c->prof.values)
        c->prof.top.off = true;    /* nearly unique: no value is "top" */
    return SL_OK;
}

/* Key hashes of the row group, and which rows repeat a key seen before. */
static sl_status do_keys(rg_ctx *x, const sl_pq_column_data *kd[], bool *nullkey_any)
{
    vd_table *t = x->t;
    for (size_t r = 0; r < x->rows; r++) {
        uint64_t h = 0;
        bool null = false;
        for (size_t i = 0; i < t->nkey && !null; i++) {
            const vd_col *c = &t->cols[t->key[i]];
            const sl_pq_column_data *d = kd[i];
            if (d->valid && !d->valid[r]) {
                null = true;
                break;
            }
            uint64_t v = vd_hash_value(&c->pq, d, r);
            h = t->nkey == 1 ? v : nz(XXH3_64bits_withSeed(&v, 8, h));
        }
        x->keyh[r] = null ? 0 : h;
        x->repeat[r] = 0;
        if (null) {
            t->null_key_rows++;
            *nullkey_any = true;
            continue;
        }
        uint32_t first, row = (uint32_t)(x->base + r);
        if (vd_keyset_put(&t->keys, h, row, &first) == SIZE_MAX)
            return SL_ERR_NOMEM;
        if (first != row) {
            x->repeat[r] = 1;
            if (t->nrep == t->caprep) {
                vd_repeat *p = sl_grow_array(t->rep, &t->caprep, sizeof *p, 64);
                if (!p)
                    return SL_ERR_NOMEM;
                t->rep = p;
            }
            t->rep[t->nrep++] = (vd_repeat){row, first};
        }
    }
    return SL_OK;
}

/* Whole-row hashes for a table without a key: exact copies are duplicates. */
static sl_status do_rows(rg_ctx *x, uint64_t *acc)
{
    vd_table *t = x->t;
    for (size_t r = 0; r < x->rows; r++) {
        uint32_t first, row = (uint32_t)(x->base + r);
        if (vd_keyset_put(&t->keys, nz(acc[r]), row, &first) == SIZE_MAX)
            return SL_ERR_NOMEM;
        if (first != row) {
            if (t->nrep == t->caprep) {
                vd_repeat *p = sl_grow_array(t->rep, &t->caprep, sizeof *p, 64);
                if (!p)
                    return SL_ERR_NOMEM;
                t->rep = p;
            }
            t->rep[t->nrep++] = (vd_repeat){row, first};
        }
    }
    return SL_OK;
}

static void do_age(rg_ctx *x, const sl_pq_column_data *age, const sl_pq_column_data *year)
{
    vd_table *t = x->t;
    for (size_t r = 0; r < x->rows; r++) {
        if (x->repeat[r] || (age->valid && !age->valid[r]) || (year->valid && !year->valid[r]))
            continue;
        t->age_checked++;
        int64_t d = age->i64[r] - year->i64[r];
        if (d != 5 && d != 6) {
            t->age_fail++;
            vd_sample_add(&t->age_samp, x->base + r, x->cap);
        }
    }
}

/* Whether column c must be read in row group rg of file r: its checks or links
 * need it, or the file is being profiled. A not-null rule alone is settled by
 * the chunk's null count when the file states it. */
static bool must_read(const vd_col *c, sl_pq_reader *r, size_t rg, size_t k, bool profile)
{
    if (profile || c->needed)
        return true;
    if (c->required) {
        const sl_pq_chunk_info *ci = sl_pq_reader_chunk(r, rg, k);
        return !ci || !ci->has_null_count || ci->null_count != 0;
    }
    return false;
}

static sl_status read_col(sl_pq_reader *r, size_t rg, size_t k, sl_pq_column_data *d, const vd_file *f,
                          sl_error *err)
{
    sl_status st = sl_pq_reader_read_column(r, rg, k, d, err);
    if (st && !err->file[0])
        sl_error_set_file(err, f->path);
    return st;
}

static sl_status scan_rg(rg_ctx *x, sl_pq_reader *r, const vd_file *f, const size_t *map, size_t rg,
                         sl_pq_column_data *cd, uint8_t *have, sl_error *err)
{
    vd_table *t = x->t;
    sl_status st;
    memset(have, 0, t->ncols);
    memset(x->repeat, 0, x->rows);
    if (t->nkey) {
        const sl_pq_column_data *kd[VD_MAX_KEY];
        bool nk = false;
        bool all = true;
        for (size_t i = 0; i < t->nkey; i++) {
            size_t k = map[t->key[i]];
            if (k == SIZE_MAX) {
                all = false;
                break;
            }
            if ((st = read_col(r, rg, k, &cd[t->key[i]], f, err)))
                return st;
            have[t->key[i]] = 1;
            kd[i] = &cd[t->key[i]];
        }
        if (all && (st = do_keys(x, kd, &nk)))
            return sl_error_set(err, st, "out of memory");
    }
    uint64_t *acc = t->nkey ? NULL : t->rowh;
    if (acc)
        memset(acc, 0, x->rows * sizeof *acc);
    for (size_t c = 0; c < t->ncols; c++) {
        vd_col *col = &t->cols[c];
        size_t k = map[c];
        if (col->missing || col->pq.type == SL_PQ_UNSUPPORTED)
            continue;
        if (k == SIZE_MAX) {
            /* the file lacks the column: its rows are nulls there */
            if (x->profile) {
                col->prof.rows += x->rows;
                col->prof.nulls += x->rows;
            }
            if (col->required) {
                col->checked[VD_CK_NULL] += x->rows;
                for (size_t i = 0; i < x->rows; i++)
                    fail(x, col, VD_CK_NULL, i);
            }
            continue;
        }
        if (!must_read(col, r, rg, k, x->profile)) {
            if (col->required)
                col->checked[VD_CK_NULL] += x->rows;
            continue;
        }
        if (!have[c] && (st = read_col(r, rg, k, &cd[c], f, err)))
            return st;
        have[c] = 1;
        if ((st = do_column(x, col, &cd[c])))
            return sl_error_set(err, st, "out of memory");
        if (acc)
            for (size_t i = 0; i < x->rows; i++)
                acc[i] = (acc[i] ^ x->hs[i]) * 0x9E3779B97F4A7C15ull + c;
    }
    if (acc && (st = do_rows(x, acc)))
        return sl_error_set(err, st, "out of memory");
    if (t->school_age) {
        long a = vd_find_col(t, "age"), y = vd_find_col(t, "year");
        if (have[a] && have[y])
            do_age(x, &cd[a], &cd[y]);
    }
    return SL_OK;
}

static sl_status alloc_table(vd_table *t, uint64_t maxrg, rg_ctx *x)
{
    if (t->nkey || t->rows)
        if (vd_keyset_init(&t->keys, t->rows))
            return SL_ERR_NOMEM;
    for (size_t c = 0; c < t->ncols; c++) {
        vd_col *col = &t->cols[c];
        if (col->store && !(col->h = calloc(t->rows + 1, sizeof *col->h)))
            return SL_ERR_NOMEM;
        if (col->store_i64 && (!(col->iv = calloc(t->rows + 1, sizeof *col->iv)) ||
                               !(col->ivnull = calloc(t->rows + 1, 1))))
            return SL_ERR_NOMEM;
        if (col->rule && col->rule->unique && col->key_pos < 0 && !col->missing) {
            if (!(col->uniq = calloc(1, sizeof *col->uniq)) || vd_keyset_init(col->uniq, t->rows))
                return SL_ERR_NOMEM;
        }
    }
    x->repeat = malloc(maxrg + 1);
    x->hs = malloc((maxrg + 1) * sizeof *x->hs);
    x->keyh = malloc((maxrg + 1) * sizeof *x->keyh);
    if (!t->nkey)
        t->rowh = malloc((maxrg + 1) * sizeof *t->rowh);
    if (!x->repeat || !x->hs || !x->keyh || (!t->nkey && !t->rowh))
        return SL_ERR_NOMEM;
    return SL_OK;
}

/* Counts rows per file first (footers only), then scans every file. */
static sl_status scan_table(vd_run *run, vd_table *t, sl_error *err)
{
    sl_status st = SL_OK;
    uint64_t maxrg = 0;
    for (size_t i = 0; i < t->nfiles; i++) {
        sl_pq_reader *r;
        if ((st = sl_pq_reader_open(t->files[i].path, &r, err))) {
            if (!err->file[0])
                sl_error_set_file(err, t->files[i].path);
            return st;
        }
        t->files[i].row0 = t->rows;
        t->files[i].rows = sl_pq_reader_num_rows(r);
        t->rows += t->files[i].rows;
        for (size_t g = 0; g < sl_pq_reader_num_row_groups(r); g++)
            if (sl_pq_reader_row_group_rows(r, g) > maxrg)
                maxrg = sl_pq_reader_row_group_rows(r, g);
        sl_pq_reader_free(r);
    }
    if (t->rows > VD_MAX_ROWS)
        return sl_error_set(err, SL_ERR_LIMIT, "table '%s' has %llu rows, more than validate handles (%llu)",
                            t->name, (unsigned long long)t->rows, (unsigned long long)VD_MAX_ROWS);
    rg_ctx x = {.t = t, .run = run, .cap = run->o->samples};
    size_t *map = malloc((t->ncols + 1) * sizeof *map);
    sl_pq_column_data *cd = calloc(t->ncols + 1, sizeof *cd);
    uint8_t *have = malloc(t->ncols + 1);
    vd_prof *tprof = malloc((t->ncols + 1) * sizeof *tprof);
    if (!map || !cd || !have || !tprof || alloc_table(t, maxrg, &x)) {
        st = sl_error_set(err, SL_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; !st && i < t->nfiles; i++) {
        vd_file *f = &t->files[i];
        sl_pq_reader *r;
        if ((st = vd_open_file(t, f, &r, map, err)))
            break;
        x.profile = !f->reuse;
        if (f->reuse) {
            for (size_t c = 0; c < t->ncols; c++)
                if (f->saved && !t->cols[c].missing)
                    vd_prof_merge(&t->cols[c].prof, &f->saved[c]);
            t->files_reused++;
        } else {
            /* the file's own sketches, saved by state.c, then merged */
            for (size_t c = 0; c < t->ncols; c++) {
                tprof[c] = t->cols[c].prof;
                vd_prof_init(&t->cols[c].prof, tprof[c].numeric);
            }
            t->files_read++;
        }
        uint64_t base = f->row0;
        for (size_t g = 0; !st && g < sl_pq_reader_num_row_groups(r); g++) {
            x.base = base;
            x.rows = (size_t)sl_pq_reader_row_group_rows(r, g);
            st = scan_rg(&x, r, f, map, g, cd, have, err);
            base += x.rows;
        }
        sl_pq_reader_free(r);
        if (!f->reuse) {
            if (!st && !run->o->no_state && vd_state_keep(t, f))
                st = sl_error_set(err, SL_ERR_NOMEM, "out of memory");
            for (size_t c = 0; c < t->ncols; c++) {
                vd_prof_merge(&tprof[c], &t->cols[c].prof);
                vd_prof_free(&t->cols[c].prof);
                t->cols[c].prof = tprof[c];
            }
        }
    }
done:
    free(map);
    free(cd);
    free(have);
    free(tprof);
    free(x.repeat);
    free(x.hs);
    free(x.keyh);
    return st;
}

typedef struct pool {
    vd_run *run;
    pthread_mutex_t mu;
    size_t next;
    size_t *order;
} pool;

static void *worker(void *arg)
{
    pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        size_t i = p->next++;
        pthread_mutex_unlock(&p->mu);
        if (i >= p->run->ntabs)
            return NULL;
        vd_table *t = &p->run->tabs[p->order[i]];
        sl_error_clear(&t->err);
        t->st = scan_table(p->run, t, &t->err);
    }
}

static uint64_t table_bytes(const vd_table *t)
{
    uint64_t b = 0;
    for (size_t i = 0; i < t->nfiles; i++)
        b += t->files[i].size;
    return b;
}

static int by_size(const void *a, const void *b, void *arg)
{
    const vd_run *run = arg;
    uint64_t x = table_bytes(&run->tabs[*(const size_t *)a]);
    uint64_t y = table_bytes(&run->tabs[*(const size_t *)b]);
    return (x < y) - (x > y);
}

sl_status vd_scan_all(vd_run *run, sl_error *err)
{
    pool p = {.run = run};
    p.order = malloc((run->ntabs + 1) * sizeof *p.order);
    if (!p.order)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < run->ntabs; i++)
        p.order[i] = i;
    qsort_r(p.order, run->ntabs, sizeof *p.order, by_size, run);
    pthread_mutex_init(&p.mu, NULL);
    int n = run->o->threads > 0 ? run->o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    if ((size_t)n > run->ntabs)
        n = (int)run->ntabs;
    pthread_t th[64];
    int started = 0;
    for (int i = 1; i < n && i < 64; i++)
        if (pthread_create(&th[started], NULL, worker, &p) == 0)
            started++;
    worker(&p);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_mutex_destroy(&p.mu);
    free(p.order);
    /* the first failure in table order is the one reported */
    for (size_t i = 0; i < run->ntabs; i++)
        if (run->tabs[i].st) {
            *err = run->tabs[i].err;
            return run->tabs[i].st;
        }
    return SL_OK;
}
