/* A pinned schema for ingest (--schema NAME|FILE): documents must fit it or are
 * rejected with the reason (see pin.c). */
#ifndef SL_INGEST_PIN_H
#define SL_INGEST_PIN_H

#include <stdbool.h>
#include <stddef.h>

#include "sluice/json.h"
#include "sluice/status.h"

typedef struct sl_pin sl_pin;

/* Loads a built-in schema name or a schema file (docs/schema-format.md). */
sl_status sl_pin_load(const char *name_or_path, sl_pin **out, sl_error *err);
void sl_pin_free(sl_pin *p);

/* The schema as sluice schema JSON (NUL-terminated, owned by p). */
const char *sl_pin_json(const sl_pin *p);

/* Whether a job-result document fits; when not, why (wn bytes) says where and how,
 * e.g. "students[3].age: expected an integer, got a string". Not thread-safe: one
 * caller at a time per pin. */
bool sl_pin_check_document(sl_pin *p, const sl_json_value *doc, char *why, size_t wn);

/* Whether record number index of a multi-record input fits table. */
bool sl_pin_check_record(sl_pin *p, const char *table, const sl_json_value *rec, size_t index,
                         char *why, size_t wn);

#endif
