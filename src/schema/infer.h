/* Type inference along DESIGN.md's lattice (section 3, "Types and inference").
 *
 * Every value of a column is observed; the column's type only ever widens:
 *     null < bool
 *     null < int64 < float64          (while every int seen is exact in a double)
 *     int64 < decimal(38,0)           (integers beyond int64, up to 38 digits)
 *     null < date | time | timestamp  (ISO 8601 strings; UTC and naive kept apart)
 *     anything < string               (any other conflict: strings keep their text,
 *                                      other values become their JSON text)
 * A column that holds arrays is a LIST whose element type follows the same
 * lattice; a column that holds both arrays and scalars widens to string. */
#ifndef SL_SCHEMA_INFER_H
#define SL_SCHEMA_INFER_H

#include <stdbool.h>
#include <stdint.h>

#include "sluice/json.h"
#include "base/civil.h"
#include "sluice/parquet.h"

typedef enum {
    SL_T_NULL = 0,     /* nothing but nulls seen */
    SL_T_BOOL,
    SL_T_INT,
    SL_T_BIGINT,       /* decimal(38,0) */
    SL_T_DOUBLE,
    SL_T_DATE,
    SL_T_TIME,
    SL_T_TIMESTAMP,    /* with a zone: stored as UTC */
    SL_T_TIMESTAMP_NAIVE,
    SL_T_STRING
} sl_type;

typedef struct sl_infer {
    uint8_t type;          /* sl_type of the value, or of the elements of a list */
    bool list;             /* values are arrays */
    bool scalar_seen;      /* a non-null scalar was seen (with list: conflict) */
    bool int_unsafe;       /* an int with |v| > 2^53 was seen (no exact double) */
    bool nullable;         /* a null (or a missing value) was seen */
    bool elem_nullable;    /* a null list element was seen */
} sl_infer;

/* Whether an int64 is exact in a double (|v| <= 2^53): an int column holding one
 * that is not can no longer widen to float64 (int_unsafe). */
static inline bool sl_infer_int_exact(int64_t v)
{
    const int64_t lim = (int64_t)1 << 53;
    return v >= -lim && v <= lim;
}

/* Observes one value (a scalar, or an array for a list column). Objects are not
 * observed here: the normalizer flattens them. Returns true when the column's
 * type changed. */
bool sl_infer_observe(sl_infer *c, const sl_json_value *v);

/* Records a missing value (the key was absent in a row). */
static inline bool sl_infer_observe_missing(sl_infer *c)
{
    bool changed = !c->nullable;
    c->nullable = true;
    return changed;
}

/* Merges b into a (a = a v b). Returns true when a changed. */
bool sl_infer_join(sl_infer *a, const sl_infer *b);

/* The Parquet column for an inferred type (name not set). A column that never saw
 * a value is an optional string. */
void sl_infer_to_column(const sl_infer *c, sl_pq_column *out);

/* Whether v can be written to a column of type c without widening it. */
bool sl_infer_fits(const sl_infer *c, const sl_json_value *v);

const char *sl_type_name(sl_type t);

/* Writes the type as schema JSON names it ("int64", "list<string>"; a column that
 * held both lists and scalars is "string") into out (at least 32 bytes). */
const char *sl_infer_type_text(const sl_infer *c, char *out, size_t n);

/* ISO 8601 recognisers. Each returns true and the value when s is one:
 * date "YYYY-MM-DD" (days since 1970-01-01); time "HH:MM:SS[.f]" (µs since
 * midnight); timestamp "YYYY-MM-DD[T ]HH:MM[:SS[.f]][Z|±HH:MM|±HHMM]" (µs since
 * the epoch, UTC; *zoned says whether a zone was given). Fractions beyond
 * microseconds must be zeros: nothing is rounded. */
bool sl_parse_date(const char *s, size_t n, int32_t *days);
bool sl_parse_time(const char *s, size_t n, int64_t *micros);
bool sl_parse_timestamp(const char *s, size_t n, int64_t *micros, bool *zoned);


/* The inverse of the recognisers: appends "YYYY-MM-DD", "HH:MM:SS[.ffffff]" and
 * "YYYY-MM-DDTHH:MM:SS[.ffffff][Z]" (the fraction only when non-zero, trailing
 * zeros kept to six digits). out must have room for 40 bytes; returns the length. */
size_t sl_format_date(int64_t days, char *out);
size_t sl_format_time(int64_t micros, char *out);
size_t sl_format_timestamp(int64_t micros, bool utc, char *out);

#endif
