/* sluice validate: the model shared by its files.
 *
 *   rules.c    the rules: from "sluice.schema" metadata, a named schema, a rules
 *              file, and the naming conventions
 *   sketch.c   mergeable sketches: HyperLogLog, a KLL-style quantile sketch,
 *              space-saving top values; the per-column profile built of them
 *   scan.c     finding the tables, and one pass over each (a thread per table)
 *   relate.c   what needs every table: duplicate classification, foreign keys
 *              (declared and discovered), the school rules, sync's orphans
 *   state.c    saved sketches keyed by file identity; the drift baseline
 *   report.c   the checks list, scores, samples and data_quality_report.json
 *   report_md.c, report_html.c  the two readable reports
 *
 * Hashes: every value is hashed once, XXH3-64 of its canonical bytes (integers
 * of every width as int64, strings as bytes) with a seed per type family, so a
 * foreign key hashes like the key it names. Key uniqueness and containment are
 * decided on these hashes; a repeated key is confirmed on the values themselves
 * (relate.c), so a hash collision can never report a false duplicate. A
 * collision could hide an orphan with probability about parents / 2^64. */
#ifndef SL_VALIDATE_VD_H
#define SL_VALIDATE_VD_H

#include <dirent.h>
#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "sluice/buf.h"
#include "sluice/parquet.h"
#include "sluice/status.h"
#include "sluice/validate.h"

#define VD_MAX_KEY 8
#define VD_MAX_SAMPLES 100
#define VD_MAX_ROWS 0xfffffffeull  /* rows per table: row numbers are uint32 in the key index */

/* ------------------------------------------------------------------ rules */

typedef enum { VD_SEV_ERROR = 0, VD_SEV_WARNING } vd_sev;

typedef struct vd_colrule {
    const char *name;
    const char *type;            /* declared sluice type ("int32", "list<string>"), or NULL */
    bool not_null;
    bool unique;
    bool has_min, has_max;
    double min, max;             /* dates: days since 1970-01-01; timestamps: µs */
    const char **values;         /* enum */
    size_t nvalues;
    const char *pattern;         /* POSIX extended regular expression */
    regex_t re;
    bool re_ok;
    const char *ref_table, *ref_col;  /* declared foreign key */
    vd_sev sev;
} vd_colrule;

typedef struct vd_tabrule {
    const char *name;
    const char *pk[VD_MAX_KEY];
    size_t npk;
    vd_colrule *cols;
    size_t ncols, cap;
} vd_tabrule;

typedef struct vd_rules {
    sl_arena arena;
    const char *schema_name;     /* "school" turns on the school rules */
    const char *source;          /* "metadata", "schema", "conventions" (+ ", rules file") */
    vd_tabrule *tabs;
    size_t ntabs, cap;
    int64_t max_enrollments;
} vd_rules;

void vd_rules_init(vd_rules *r);
void vd_rules_free(vd_rules *r);
vd_tabrule *vd_rules_table(vd_rules *r, const char *name, bool create);
vd_colrule *vd_rules_col(vd_rules *r, vd_tabrule *t, const char *name, bool create);
/* Adds the tables of sluice schema JSON (sl_gen_schema_to_json's form, or the
 * per-table {"table":..,"columns":[..]} form ingest writes) to r. */
sl_status vd_rules_add_schema_json(vd_rules *r, const char *text, size_t len, const char *file,
                                   sl_error *err);
/* Adds a rules file (JSON or YAML) to r, overriding what it names. */
sl_status vd_rules_add_file(vd_rules *r, const char *text, size_t len, const char *file,
                            sl_error *err);
/* Compiles the patterns (SL_ERR_SCHEMA names a bad one). */
sl_status vd_rules_compile(vd_rules *r, sl_error *err);

/* --------------------------------------------------------------- sketches */

#define VD_HLL_P 12
#define VD_HLL_M (1u << VD_HLL_P)
#define VD_KLL_K 256
#define VD_KLL_LEVELS 48
#define VD_TOP_K 32
#define VD_TOP_SLOTS 64
#define VD_TOP_VAL 48

typedef struct vd_kll {
    uint64_t n;
    double min, max;
    double *lv[VD_KLL_LEVELS];   /* level h: items of weight 2^h, up to 2K of them */
    uint32_t len[VD_KLL_LEVELS];
    uint32_t nlevels;
    uint32_t flip;               /* alternates the kept half, deterministically */
} vd_kll;

typedef struct vd_top_item {
    uint64_t h;
    uint64_t count, err;
    uint8_t len;
    char val[VD_TOP_VAL];
} vd_top_item;

typedef struct vd_top {
    vd_top_item it[VD_TOP_K];
    uint8_t slot[VD_TOP_SLOTS];  /* open addressing on h: item index + 1, 0 empty */
    uint32_t n;
    uint32_t min_i;              /* an item with the smallest count (valid when n == K) */
    bool off;                    /* stopped: the column is nearly unique */
} vd_top;

/* Exact counts of a column's first VD_FREQ_MAX distinct values: a hit is one
 * probe, where space-saving would scan its counters on every miss. Folded into
 * the space-saving summary when it overflows, and at the end of every file. */
#define VD_FREQ_MAX 4096
#define VD_FREQ_SLOTS 8192
typedef struct vd_freq {
    uint64_t h[VD_FREQ_SLOTS];   /* 0 empty */
    uint16_t idx[VD_FREQ_SLOTS];
    uint64_t count[VD_FREQ_MAX];
    uint64_t eh[VD_FREQ_MAX];    /* each entry's hash */
    uint8_t len[VD_FREQ_MAX];
    char val[VD_FREQ_MAX][VD_TOP_VAL];
    uint32_t n;
} vd_freq;

/* One column's profile. Numbers (ints, decimals, floats, dates, timestamps,
 * times, booleans) go into sum and the quantile sketch as doubles; strings keep
 * min and max (their first 64 bytes) and their lengths' sum. */
typedef struct vd_prof {
    uint64_t rows, nulls, values;
    uint8_t hll[VD_HLL_M];
    bool numeric;
    double sum;
    vd_kll kll;
    bool has_smin;
    uint8_t smin_len, smax_len;
    char smin[64], smax[64];
    uint64_t len_sum;
    vd_top top;
    vd_freq *freq;               /* while profiling one file; NULL otherwise */
    bool freq_done;              /* overflowed: space-saving from here on */
    uint32_t top_skip;           /* past the exact counts, every 8th value is counted */
} vd_prof;

void vd_prof_init(vd_prof *p, bool numeric);
void vd_prof_free(vd_prof *p);
void vd_prof_merge(vd_prof *into, const vd_prof *from);
void vd_prof_str_minmax(vd_prof *p, const char *s, size_t n);
double vd_hll_estimate(const uint8_t *reg);
void vd_kll_add(vd_kll *s, double x);
double vd_kll_quantile(const vd_kll *s, double q);
/* Counts of items at or below each of nb+1 edges (cumulative), for histograms. */
void vd_kll_cdf(const vd_kll *s, const double *edges, size_t n, double *out);
void vd_top_add(vd_top *t, uint64_t h, const char *val, size_t len);
/* Counts a value for the top values: exactly while the column has at most
 * VD_FREQ_MAX distinct values, then by space-saving. Returns 2 when the value
 * was counted before (in this file's exact counts: it is in the distinct count
 * and the min and max already), 1 when it is new there, 0 when the exact counts
 * are over. A number counted exactly (1, 2) goes to the quantile sketch with its
 * count when folded; with 0 the caller adds it. */
int vd_prof_count(vd_prof *p, uint64_t h, const char *val, size_t len);
/* No top values for this column (it is nearly unique). */
void vd_prof_stop_top(vd_prof *p);
/* Folds the exact counts into the summary and the quantile sketch (before
 * saving, merging or reporting). */
void vd_prof_fold(vd_prof *p);
/* The items sorted by count, descending, into out (up to VD_TOP_K); returns how many. */
size_t vd_top_sorted(const vd_top *t, vd_top_item *out);
/* The same, keeping only values seen at least twice for certain (count - err >= 2):
 * in a column of unique values no value is "top". */
size_t vd_top_shown(const vd_top *t, vd_top_item *out);
/* The distinct count estimate, within [1, values] (0 when no values). */
uint64_t vd_prof_distinct(const vd_prof *p);
/* Serialization (state.c stores these): appends to b / reads at *p. */
sl_status vd_prof_save(const vd_prof *p, sl_buf *b);
bool vd_prof_load(vd_prof *p, const uint8_t **cur, const uint8_t *end);

static inline void vd_hll_add(uint8_t *reg, uint64_t h)
{
    uint32_t i = (uint32_t)(h >> (64 - VD_HLL_P));
    uint64_t w = (h << VD_HLL_P) | (1ull << (VD_HLL_P - 1));
    uint8_t r = (uint8_t)(__builtin_clzll(w) + 1);
    if (r > reg[i])
        reg[i] = r;
}

/* ------------------------------------------------------------- the tables */

typedef struct vd_file {
    char *path;                  /* absolute or as given */
    char *rel;                   /* relative to D: the identity's name */
    uint64_t size, ino;
    int64_t mtime_ns;
    uint64_t rows, row0;         /* rows, and the table's row number of its first */
    bool reuse;                  /* its saved sketches were merged; columns without checks unread */
    vd_prof *saved;              /* per table column (NULL: not saved), while merging */
    sl_buf blob;                 /* its sketches, serialized, to be saved */
    vd_prof *fprof;              /* per table column: its sketches of this file, while scanning */
} vd_file;

/* Kinds of check, in report order. The names are the report's check names. */
typedef enum {
    VD_CK_NULL = 0,      /* null_required */
    VD_CK_TYPE,          /* type_mismatch */
    VD_CK_RANGE,         /* out_of_range: min/max and enums */
    VD_CK_PATTERN,       /* pattern_mismatch */
    VD_CK_UNIQUE,        /* duplicate_values in a unique non-key column */
    VD_CK_NCOL
} vd_colck;

typedef struct vd_samples {
    uint32_t n;
    uint64_t row[VD_MAX_SAMPLES];
} vd_samples;

/* A small map of verdicts for string values (enum/pattern), so that a column of
 * few distinct values, dictionary-encoded or not, is tested once per value. */
typedef struct vd_verdicts {
    uint64_t *h;                 /* hash | 1 (0 empty) */
    uint8_t *ok;
    uint32_t cap, n;
} vd_verdicts;

typedef struct vd_col {
    const char *name;
    sl_pq_column pq;             /* as in the table's first file */
    const vd_colrule *rule;      /* NULL: none */
    bool missing;                /* declared, absent from the files (pq unset) */
    bool type_bad;               /* its Parquet type does not fit the declared one */
    bool needed;                 /* must be read in every file (checks, keys, links) */
    bool store;                  /* keep per-row hashes (foreign keys, candidates) */
    bool store_i64;              /* keep per-row int values (school: capacity) */
    bool required;               /* not null: by rule, or a key column */
    int key_pos;                 /* position in the table's key, or -1 */
    uint64_t fail[VD_CK_NCOL];
    uint64_t checked[VD_CK_NCOL];
    vd_samples samp[VD_CK_NCOL];
    vd_prof prof;
    uint64_t *h;                 /* store: per row, 0 null (or a repeated key's row) */
    int64_t *iv;                 /* store_i64: per row */
    uint8_t *ivnull;
    struct vd_keyset *uniq;      /* unique: true columns */
    vd_verdicts vcache;
} vd_col;

/* Open addressing from key hash to the row that first had it. */
typedef struct vd_keyset {
    uint64_t *h;                 /* 0 empty */
    uint32_t *row;
    size_t cap, n;
} vd_keyset;

sl_status vd_keyset_init(vd_keyset *s, uint64_t expect);
void vd_keyset_free(vd_keyset *s);
/* Inserts h (non-zero); returns the slot, and *first the row that had it first
 * (row itself when new). SIZE_MAX: full (cannot happen when sized right). */
size_t vd_keyset_put(vd_keyset *s, uint64_t h, uint32_t row, uint32_t *first);
/* The slot of h, or SIZE_MAX. */
size_t vd_keyset_find(const vd_keyset *s, uint64_t h);

static inline size_t vd_keyset_slot(const vd_keyset *s, uint64_t h)
{
    return (size_t)(h ^ h >> 29) & (s->cap - 1);
}

/* Asks for h's first slot to be fetched into the cache. */
static inline void vd_keyset_prefetch(const vd_keyset *s, uint64_t h)
{
    if (s->cap) {
        size_t i = vd_keyset_slot(s, h);
        __builtin_prefetch(&s->h[i]);
        __builtin_prefetch(&s->row[i]);
    }
}

typedef struct vd_repeat {
    uint32_t row, first;
} vd_repeat;

typedef struct vd_table {
    char *name;
    vd_file *files;
    size_t nfiles;
    uint64_t rows;
    vd_col *cols;
    size_t ncols;
    const vd_tabrule *rule;
    int key[VD_MAX_KEY];
    size_t nkey;
    const char *key_source;      /* "declared", "convention", "none" */
    vd_keyset keys;              /* the key's index; or whole rows' hashes (no key) */
    uint64_t maxrg;              /* rows of its largest row group */
    vd_repeat *rep;
    size_t nrep, caprep;
    uint64_t null_key_rows;
    /* after relate.c */
    uint64_t dup_rows, conflict_rows, dup_keys, conflict_keys;
    vd_samples dup_samp, conflict_samp;
    /* school, students: age - year not in (5, 6) */
    bool school_age;
    uint64_t age_checked, age_fail;
    vd_samples age_samp;
    /* files read, reused */
    uint64_t files_read, files_reused;
} vd_table;

/* A foreign key, declared (schema or rules), by convention (named like another
 * table's key), or discovered (values all found in another table's key). */
typedef struct vd_fk {
    size_t child, ccol, parent, pcol;
    const char *how;             /* "declared", "convention", "discovered" */
    vd_sev sev;
    uint64_t checked, orphans;   /* non-null child values, of them not found */
    uint64_t parent_keys, parent_used;
    vd_samples samp;
} vd_fk;

/* The share of non-null child values found, and of parent keys referenced. */
static inline double vd_fk_coverage(const vd_fk *f)
{
    return f->checked ? (double)(f->checked - f->orphans) / (double)f->checked : 1.0;
}

static inline double vd_fk_parent_coverage(const vd_fk *f)
{
    return f->parent_keys ? (double)f->parent_used / (double)f->parent_keys : 0.0;
}

/* A check as reported: one line of the report's "checks". */
typedef struct vd_check {
    const char *name;            /* null_required, orphan_refs, ... */
    const char *dimension;       /* completeness, validity, uniqueness, integrity, consistency */
    const char *table;
    const char *column;          /* or NULL */
    char detail[256];            /* what was checked, in words */
    vd_sev sev;
    uint64_t checked, failed;
    const vd_samples *samp;
    size_t sample_table;         /* the table the sample rows are of */
    const char *sample_note;     /* what the samples are ("the class", ...) */
} vd_check;

typedef struct vd_drift {
    size_t table, col;
    char what[160];
} vd_drift;

typedef struct vd_run {
    const sl_validate_options *o;
    char dir[3072];
    vd_rules rules;
    vd_table *tabs;
    size_t ntabs;
    vd_fk *fks;
    size_t nfks, capfk;
    vd_check *checks;
    size_t nchecks, capck;
    /* school rules */
    bool school;
    long st_students, st_classes, st_enroll;      /* table indexes or -1 */
    uint64_t cap_checked, cap_fail, lim_checked, lim_fail;
    vd_samples cap_samp, lim_samp;
    uint32_t *cap_count;         /* per class key slot */
    /* samples rendered: per table, sorted rows and their JSON */
    struct vd_rendered *rendered;
    /* drift */
    vd_drift *drift;
    size_t ndrift, capdrift;
    bool baseline;               /* a baseline existed */
    char baseline_at[40];
    double score[6];             /* the five dimensions, then overall */
    uint64_t dim_checked[6], dim_failed[6];
    int64_t now_us;
    uint64_t orphan_age_s;
    bool sync_state;             /* D/_sluice/sync/ exists */
    struct vd_pend {
        char name[256];
        uint64_t pending, orphans;
        double oldest_wait;      /* seconds */
    } *pend;
    size_t npend;
    sl_validate_summary *sum;
} vd_run;

/* Type families: values of one family hash alike (an int32 key matches an
 * int64 foreign key). */
enum {
    VD_FAM_INT = 1, VD_FAM_FLOAT, VD_FAM_DEC, VD_FAM_STR, VD_FAM_DATE, VD_FAM_TS, VD_FAM_TIME, VD_FAM_BOOL,
    VD_FAM_OTHER
};
int vd_family(sl_pq_type t);
/* Profiled as a number (quantiles, mean)? */
bool vd_is_numeric(const sl_pq_column *c);

/* plan.c, scan.c */
sl_status vd_find_tables(vd_run *run, sl_error *err);
sl_status vd_plan(vd_run *run, sl_error *err);
sl_status vd_scan_all(vd_run *run, sl_error *err);
uint64_t vd_hash_value(const sl_pq_column *c, const sl_pq_column_data *d, size_t k);
uint64_t vd_hash_seeded(const sl_pq_column *c, const sl_pq_column_data *d, size_t k, uint64_t seed);
long vd_find_table(const vd_run *run, const char *name);
long vd_find_col(const vd_table *t, const char *name);
void vd_sample_add(vd_samples *s, uint64_t row, uint32_t cap);
/* Opens a Parquet file; an error names it. */
sl_status vd_open_reader(const char *path, sl_pq_reader **r, sl_error *err);
/* Opens file f of t (the table's columns mapped by name). */
sl_status vd_open_file(const vd_table *t, const vd_file *f, sl_pq_reader **r, size_t *map,
                       sl_error *err);

/* relate.c */
sl_status vd_relate(vd_run *run, sl_error *err);
sl_status vd_read_pending(vd_run *run, sl_error *err);

/* state.c */
sl_status vd_state_load(vd_run *run, sl_error *err);
/* Serializes the sketches just made of file f of t (f->fprof) into f->blob. */
sl_status vd_state_keep(const vd_table *t, vd_file *f);
sl_status vd_state_save(vd_run *run, sl_error *err);
sl_status vd_drift_compute(vd_run *run, sl_error *err);
sl_status vd_baseline_save(vd_run *run, sl_error *err);

/* report.c */
sl_status vd_collect_checks(vd_run *run);
sl_status vd_render_samples(vd_run *run, sl_error *err);
const char *vd_sample_json(const vd_run *run, size_t table, uint64_t row);
sl_status vd_report_json(vd_run *run, sl_buf *b);
sl_status vd_report_md(vd_run *run, sl_buf *b);
sl_status vd_report_html(vd_run *run, sl_buf *b);
/* A column's value as text for reports (profile min/max/quantiles). */
void vd_fmt_number(sl_buf *b, const sl_pq_column *c, double v);
void vd_fmt_escape_html(sl_buf *b, const char *s, size_t n);
void vd_fmt_json_bytes(sl_buf *b, const uint8_t *s, size_t n);

#endif
