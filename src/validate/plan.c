/* Finding the tables of D (<table>.parquet files and <table>/ directories),
 * and deciding what to check in each: the columns and the rules that name them,
 * the key (declared, else by convention), the foreign keys (declared, else named
 * like another table's key), the candidates for discovery, the school rules'
 * columns, and so which columns every file must be read for. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/grow.h"
#include "validate/vd.h"

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

sl_status vd_open_reader(const char *path, sl_pq_reader **r, sl_error *err)
{
    sl_status st = sl_pq_reader_open(path, r, err);
    if (st && !err->file[0])
        sl_error_set_file(err, path);
    return st;
}

sl_status vd_open_file(const vd_table *t, const vd_file *f, sl_pq_reader **r, size_t *map, sl_error *err)
{
    sl_status st = vd_open_reader(f->path, r, err);
    if (st)
        return st;
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
    int f = vd_family(c->type);
    if (strcmp(base, "string") == 0)
        return f == VD_FAM_STR;
    if (strncmp(base, "int", 3) == 0 || strncmp(base, "uint", 4) == 0)
        return f == VD_FAM_INT;
    if (strcmp(base, "float64") == 0 || strcmp(base, "double") == 0 || strcmp(base, "float") == 0 ||
        strncmp(base, "decimal", 7) == 0)
        return f == VD_FAM_FLOAT || f == VD_FAM_DEC;
    if (strcmp(base, "bool") == 0 || strcmp(base, "boolean") == 0)
        return f == VD_FAM_BOOL;
    if (strcmp(base, "date") == 0)
        return f == VD_FAM_DATE;
    if (strcmp(base, "timestamp") == 0)
        return f == VD_FAM_TS;
    if (strcmp(base, "time") == 0)
        return f == VD_FAM_TIME;
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

/* Reads the columns of t's first file and the rules that name them (a file the
 * reader rejects stops the run here). */
static sl_status plan_columns(vd_run *run, vd_table *t, sl_error *err)
{
    sl_pq_reader *r;
    sl_status st = vd_open_reader(t->files[0].path, &r, err);
    if (st)
        return st;
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
        vd_prof_init(&c->prof, vd_is_numeric(&c->pq));
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

