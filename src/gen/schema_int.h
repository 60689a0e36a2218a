/* Shared by the schema file reader (schema.c) and its generator-parameter half
 * (schema_gen.c): the reading context and the small helpers both use. */
#ifndef SLUICE_GEN_SCHEMA_INT_H
#define SLUICE_GEN_SCHEMA_INT_H

#include "gen/model.h"
#include "schema/node.h"
#include "sluice/gen.h"

typedef struct ctx {
    sl_gen_schema *s;
    const char *file;
    sl_error *err;
    const sl_gen_param *over;
    size_t nover;
    /* growing column list of the table being read */
    sl_gcol *cols;
    size_t ncols, cap;
    const sl_node *tables;   /* the file's table list, to tell a later table from none */
} ctx;

#define FAIL(c, node, ...) sl_node_error((c)->err, SL_ERR_SCHEMA, (c)->file, (node), __VA_ARGS__)

static inline bool sch_is_int(sl_gtype t) { return t >= SL_G_INT8 && t <= SL_G_INT64; }
static inline bool sch_is_num(sl_gtype t) { return sch_is_int(t) || t == SL_G_DOUBLE || t == SL_G_DECIMAL; }

extern const char *const sch_common_keys;

bool sch_word_in(const char *w, const char *list);
char *sch_dup(ctx *c, const char *s);
uint64_t sch_salt_of(const char *s);
sl_status sch_num(ctx *c, const sl_node *n, double *out);
sl_status sch_opt_num(ctx *c, const sl_node *m, const char *key, double *out, bool *given);
sl_status sch_need_num(ctx *c, const sl_node *m, const char *key, double *out);
sl_status sch_need_str(ctx *c, const sl_node *m, const char *key, const char **out);
/* The column's type from its "type" node. */
sl_status sch_parse_type(ctx *c, const sl_node *n, sl_gcol *col);
/* The generator named by "gen" and its parameters, checked. */
sl_status sch_gen_params(ctx *c, const sl_node *m, sl_gcol *col);

#endif
