/* The checks that need more than one table, or more than one pass:
 * - repeated keys, confirmed on their values and split into exact copies
 *   (duplicate_rows) and the same key with other content
 *   (conflicting_duplicates), by reading again only the row groups that hold
 *   them;
 * - foreign keys: declared, by convention, and discovered by inclusion, each
 *   with the share of child values found and of parent keys used;
 * - the school rules: class capacity and enrollments per student;
 * - rows sync holds back (D/_sluice/sync/pending/, or in the state directory
 *   D/.sluice-state.json names), and how long they wait.
 * A row whose key repeats an earlier row's takes no part in foreign key and
 * business checks: it is counted once, as a duplicate. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "base/fsutil.h"
#include "base/grow.h"
#include "ingest/statedir.h"
#include "schema/node.h"
#include "validate/vd.h"

/* ------------------------------------------------- repeated keys, confirmed */

typedef struct rowsig {
    uint32_t row;
    uint64_t content, key;   /* hashes with a seed of their own: a second opinion */
} rowsig;

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static const rowsig *find_sig(const rowsig *s, size_t n, uint32_t row)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s[mid].row < row)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && s[lo].row == row ? &s[lo] : NULL;
}

#define SEED2 0x2545F4914F6CDD1Dull

/* Signatures of the given rows (sorted, unique) of t: every column's value. */
static sl_status signatures(vd_table *t, rowsig *sig, size_t n, sl_error *err)
{
    size_t *map = malloc((t->ncols + 1) * sizeof *map), j = 0;
    if (!map)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    sl_status st = SL_OK;
    for (size_t fi = 0; !st && fi < t->nfiles && j < n; fi++) {
        vd_file *f = &t->files[fi];
        if (sig[j].row >= f->row0 + f->rows)
            continue;
        sl_pq_reader *r;
        if ((st = vd_open_file(t, f, &r, map, err)))
            break;
        uint64_t base = f->row0;
        for (size_t g = 0; !st && g < sl_pq_reader_num_row_groups(r) && j < n; g++) {
            uint64_t rows = sl_pq_reader_row_group_rows(r, g);
            size_t j0 = j;
            while (j < n && sig[j].row < base + rows)
                j++;
            for (size_t c = 0; !st && c < t->ncols && j > j0; c++) {
                vd_col *col = &t->cols[c];
                if (col->missing || map[c] == SIZE_MAX || col->pq.type == SL_PQ_UNSUPPORTED)
                    continue;
                sl_pq_column_data d;
                if ((st = sl_pq_reader_read_column(r, g, map[c], &d, err))) {
                    if (!err->file[0])
                        sl_error_set_file(err, f->path);
                    break;
                }
                for (size_t k = j0; k < j; k++) {
                    size_t row = sig[k].row - base;
                    uint64_t h = 0x27d4eb2f;
                    if (col->pq.list) {
                        bool null = d.list_valid && !d.list_valid[row];
                        for (uint64_t e = d.list_offsets[row]; !null && e < d.list_offsets[row + 1]; e++) {
                            uint64_t v = d.valid && !d.valid[e] ? 3 : vd_hash_seeded(&col->pq, &d, (size_t)e, SEED2);
                            h = XXH3_64bits_withSeed(&v, 8, h);
                        }
                        h = null ? 1 : h + 2;
                    } else {
                        h = d.valid && !d.valid[row] ? 1 : vd_hash_seeded(&col->pq, &d, row, SEED2);
                    }
                    sig[k].content = XXH3_64bits_withSeed(&h, 8, sig[k].content ^ c);
                    if (col->key_pos >= 0)
                        sig[k].key = XXH3_64bits_withSeed(&h, 8, sig[k].key ^ (uint64_t)col->key_pos);
                }
            }
            base += rows;
        }
        sl_pq_reader_free(r);
    }
    free(map);
    return st;
}

/* Counts duplicates and conflicts of t from its repeats. */
static sl_status classify(vd_run *run, vd_table *t, sl_error *err)
{
    if (!t->nrep)
        return SL_OK;
    uint32_t *rows = malloc(2 * t->nrep * sizeof *rows);
    if (!rows)
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < t->nrep; i++) {
        rows[n++] = t->rep[i].row;
        rows[n++] = t->rep[i].first;
    }
    qsort(rows, n, sizeof *rows, cmp_u32);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (!u || rows[u - 1] != rows[i])
            rows[u++] = rows[i];
    rowsig *sig = calloc(u, sizeof *sig);
    if (!sig) {
        free(rows);
        return sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < u; i++)
        sig[i].row = rows[i];
    free(rows);
    sl_status st = signatures(t, sig, u, err);
    /* a key counts once as duplicated and once as conflicting, whatever its copies */
    uint8_t *seen = st ? NULL : calloc(u, 1);
    if (!st && !seen)
        st = sl_error_set(err, SL_ERR_NOMEM, "out of memory");
    for (size_t i = 0; !st && i < t->nrep; i++) {
        const rowsig *a = find_sig(sig, u, t->rep[i].row), *b = find_sig(sig, u, t->rep[i].first);
        if (!a || !b)
            continue;
        size_t fb = (size_t)(b - sig);
        if (a->content == b->content) {
            t->dup_rows++;
            vd_sample_add(&t->dup_samp, a->row, run->o->samples);
            t->dup_keys += !(seen[fb] & 1);
            seen[fb] |= 1;
        } else if (t->nkey && a->key == b->key) {
            t->conflict_rows++;
            vd_sample_add(&t->conflict_samp, a->row, run->o->samples);
            t->conflict_keys += !(seen[fb] & 2);
            seen[fb] |= 2;
        }
        /* else: two keys (or rows) whose 64-bit hashes collided; not a repeat */
    }
    free(seen);
    free(sig);
    return st;
}

/* ------------------------------------------------------------ foreign keys */

/* The index of parent p's column pc: its key's, or one built from its hashes. */
static const vd_keyset *parent_index(vd_table *p, size_t pc, vd_keyset *own, sl_status *st)
{
    *st = SL_OK;
    if (p->nkey == 1 && p->key[0] == (int)pc)
        return &p->keys;
    const uint64_t *h = p->cols[pc].h;
    if (!h || (*st = vd_keyset_init(own, p->rows)))
        return NULL;
    for (uint64_t r = 0; r < p->rows; r++) {
        uint32_t first;
        if (h[r] && vd_keyset_put(own, h[r], (uint32_t)r, &first) == SIZE_MAX) {
            *st = SL_ERR_NOMEM;
            return NULL;
        }
    }
    return own;
}

static sl_status check_fk(vd_run *run, vd_fk *fk)
{
    vd_table *c = &run->tabs[fk->child], *p = &run->tabs[fk->parent];
    vd_keyset own = {0};
    sl_status st;
    const vd_keyset *ix = parent_index(p, fk->pcol, &own, &st);
    if (!ix)
        return st ? st : SL_OK;
    uint8_t *used = calloc(ix->cap / 8 + 1, 1);
    if (!used) {
        vd_keyset_free(&own);
        return SL_ERR_NOMEM;
    }
    const uint64_t *h = c->cols[fk->ccol].h;
    for (uint64_t r = 0; r < c->rows; r++) {
        if (r + 8 < c->rows)
            vd_keyset_prefetch(ix, h[r + 8]);
        if (!h[r])
            continue;
        fk->checked++;
        size_t s = vd_keyset_find(ix, h[r]);
        if (s == SIZE_MAX) {
            fk->orphans++;
            vd_sample_add(&fk->samp, r, run->o->samples);
        } else if (!(used[s / 8] >> (s % 8) & 1)) {
            used[s / 8] |= (uint8_t)(1u << (s % 8));
            fk->parent_used++;
        }
    }
    fk->parent_keys = ix->n;
    free(used);
    vd_keyset_free(&own);
    return SL_OK;
}

/* A column all of whose values are some other table's keys is a foreign key
 * nobody declared: reported with its coverage, never failed. */
static sl_status discover(vd_run *run)
{
    size_t declared = run->nfks;
    for (size_t ti = 0; ti < run->ntabs; ti++) {
        vd_table *t = &run->tabs[ti];
        for (size_t ci = 0; ci < t->ncols; ci++) {
            bool is_fk = false;
            for (size_t f = 0; f < declared && !is_fk; f++)
                is_fk = run->fks[f].child == ti && run->fks[f].ccol == ci;
            const uint64_t *h = t->cols[ci].h;
            if (is_fk || !h)
                continue;
            for (size_t pi = 0; pi < run->ntabs; pi++) {
                vd_table *p = &run->tabs[pi];
                if (pi == ti || p->nkey != 1 || !p->keys.n)
                    continue;
                uint64_t vals = 0;
                bool all = true;
                for (uint64_t r = 0; r < t->rows && all; r++)
                    if (h[r]) {
                        vals++;
                        all = vd_keyset_find(&p->keys, h[r]) != SIZE_MAX;
                    }
                if (!all || !vals)
                    continue;
                if (run->nfks == run->capfk) {
                    vd_fk *q = sl_grow_array(run->fks, &run->capfk, sizeof *q, 16);
                    if (!q)
                        return SL_ERR_NOMEM;
                    run->fks = q;
                }
                run->fks[run->nfks++] = (vd_fk){.child = ti, .ccol = ci, .parent = pi,
                                                 .pcol = (size_t)p->key[0], .how = "discovered",
                                                 .sev = VD_SEV_WARNING};
                sl_status st = check_fk(run, &run->fks[run->nfks - 1]);
                if (st)
                    return st;
                break;
            }
        }
    }
    return SL_OK;
}

/* ------------------------------------------------------------ school rules */

/* Children per parent key: counts[slot of the parent's key index]. */
static uint32_t *count_children(const vd_table *child, long ccol, const vd_table *parent)
{
    uint32_t *n = calloc(parent->keys.cap + 1, sizeof *n);
    const uint64_t *h = ccol >= 0 ? child->cols[ccol].h : NULL;
    if (!n || !h)
        return n;
    for (uint64_t r = 0; r < child->rows; r++) {
        if (r + 8 < child->rows)
            vd_keyset_prefetch(&parent->keys, h[r + 8]);
        size_t s = h[r] ? vd_keyset_find(&parent->keys, h[r]) : SIZE_MAX;
        if (s != SIZE_MAX && n[s] < UINT32_MAX)
            n[s]++;
    }
    return n;
}

static sl_status school(vd_run *run)
{
    if (run->st_enroll < 0)
        return SL_OK;
    vd_table *e = &run->tabs[run->st_enroll];
    if (run->st_classes >= 0) {
        vd_table *c = &run->tabs[run->st_classes];
        long cap = vd_find_col(c, "capacity");
        if (c->nkey == 1 && cap >= 0 && c->cols[cap].iv) {
            uint32_t *n = count_children(e, vd_find_col(e, "class_id"), c);
            if (!n)
                return SL_ERR_NOMEM;
            for (size_t s = 0; s < c->keys.cap; s++) {
                if (!c->keys.h[s])
                    continue;
                uint32_t row = c->keys.row[s];
                if (c->cols[cap].ivnull[row])
                    continue;
                run->cap_checked++;
                if ((int64_t)n[s] > c->cols[cap].iv[row]) {
                    run->cap_fail++;
                    vd_sample_add(&run->cap_samp, row, run->o->samples);
                }
            }
            free(n);
        }
    }
    if (run->st_students >= 0) {
        vd_table *s = &run->tabs[run->st_students];
        if (s->nkey == 1) {
            uint32_t *n = count_children(e, vd_find_col(e, "student_id"), s);
            if (!n)
                return SL_ERR_NOMEM;
            for (size_t k = 0; k < s->keys.cap; k++) {
                if (!s->keys.h[k])
                    continue;
                run->lim_checked++;
                if ((int64_t)n[k] > run->rules.max_enrollments) {
                    run->lim_fail++;
                    vd_sample_add(&run->lim_samp, s->keys.row[k], run->o->samples);
                }
            }
            free(n);
        }
    }
    return SL_OK;
}

sl_status vd_relate(vd_run *run, sl_error *err)
{
    sl_status st;
    for (size_t i = 0; i < run->ntabs; i++)
        if ((st = classify(run, &run->tabs[i], err)))
            return st;
    for (size_t i = 0; i < run->nfks; i++)
        if ((st = check_fk(run, &run->fks[i])))
            return sl_error_set(err, st, "out of memory");
    if ((st = discover(run)))
        return sl_error_set(err, st, "out of memory");
    if (run->school && (st = school(run)))
        return sl_error_set(err, st, "out of memory");
    return SL_OK;
}

/* --------------------------------------------------------- sync's pending */

static uint64_t orphan_age(const char *dir)
{
    char path[4096];
    sl_buf b;
    sl_buf_init(&b, 1 << 24);
    uint64_t age = 3600;   /* sync's default --orphan-age */
    sl_statedir sd;
    if ((sl_statedir_find(&sd, dir, NULL) && sl_statedir_default(&sd, dir, NULL)) ||
        sl_statedir_path(&sd, path, sizeof path, SL_STATE_SYNC, "report.json"))
        return age;
    if (sl_fs_read_file(path, 1 << 24, true, &b, NULL) == SL_OK) {
        sl_node_doc doc;
        int64_t v;
        if (sl_node_parse((const char *)b.data, b.len, path, &doc, NULL) == SL_OK) {
            if (sl_node_int(sl_node_get(doc.root, "orphan_age_seconds"), &v) && v >= 0)
                age = (uint64_t)v;
            sl_node_doc_free(&doc);
        }
    }
    sl_buf_free(&b);
    return age;
}

static sl_status pending_file(vd_run *run, const char *path, const char *name, sl_error *err)
{
    sl_pq_reader *r;
    sl_status st = vd_open_reader(path, &r, err);
    if (st)
        return st;
    size_t held = SIZE_MAX;
    for (size_t k = 0; k < sl_pq_reader_num_columns(r); k++)
        if (strcmp(sl_pq_reader_column(r, k)->name, "_sluice_held_at") == 0)
            held = k;
    struct vd_pend *pe = &run->pend[run->npend++];
    memset(pe, 0, sizeof *pe);
    snprintf(pe->name, sizeof pe->name, "%s", name);
    pe->pending = sl_pq_reader_num_rows(r);
    const sl_pq_column *hc = held == SIZE_MAX ? NULL : sl_pq_reader_column(r, held);
    for (size_t g = 0; hc && g < sl_pq_reader_num_row_groups(r); g++) {
        sl_pq_column_data d;
        if ((st = sl_pq_reader_read_column(r, g, held, &d, err))) {
            if (!err->file[0])
                sl_error_set_file(err, path);
            break;
        }
        for (size_t i = 0; i < d.num_rows; i++) {
            if (d.valid && !d.valid[i])
                continue;
            int64_t us = hc->time_unit == SL_PQ_MILLIS ? d.i64[i] * 1000
                         : hc->time_unit == SL_PQ_NANOS ? d.i64[i] / 1000 : d.i64[i];
            double wait = (double)(run->now_us - us) / 1e6;
            if (wait > pe->oldest_wait)
                pe->oldest_wait = wait;
            if (wait > (double)run->orphan_age_s)
                pe->orphans++;
        }
    }
    sl_pq_reader_free(r);
    return st;
}

sl_status vd_read_pending(vd_run *run, sl_error *err)
{
    char dir[4096];
    struct stat sb;
    /* sync's state: D/_sluice/sync, or under the --state-dir D names */
    sl_statedir sd;
    if ((sl_statedir_find(&sd, run->dir, NULL) && sl_statedir_default(&sd, run->dir, NULL)) ||
        sl_statedir_path(&sd, dir, sizeof dir, SL_STATE_SYNC, NULL))
        return SL_OK;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return SL_OK;
    run->sync_state = true;
    run->orphan_age_s = orphan_age(run->dir);
    if (sl_statedir_path(&sd, dir, sizeof dir, SL_STATE_SYNC, "pending") || stat(dir, &sb) != 0)
        return SL_OK;
    /* the pending files: one per table, <table>.parquet */
    size_t cap = 0;
    sl_status st = SL_OK;
    DIR *d = opendir(dir);
    if (!d)
        return SL_OK;
    struct dirent *e;
    while (!st && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.' || n <= 8 || strcmp(e->d_name + n - 8, ".parquet") != 0)
            continue;
        if (run->npend == cap) {
            struct vd_pend *p = sl_grow_array(run->pend, &cap, sizeof *p, 8);
            if (!p) {
                st = sl_error_set(err, SL_ERR_NOMEM, "out of memory");
                break;
            }
            run->pend = p;
        }
        char path[4600], name[256];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        snprintf(name, sizeof name, "%.*s", (int)(n - 8), e->d_name);
        st = pending_file(run, path, name, err);
    }
    closedir(d);
    return st;
}
