/* Runs the conformance corpus tests/golden/json/ through the reader in DOCUMENT
 * form: every y_*.json must be accepted, every n_*.json rejected. The corpus is
 * found from the repository root (where the test runs) or $SLUICE_SRCDIR. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/json.h"

static char corpus_dir[4096];

/* Returns 1 when the file parses as exactly one document; fills why otherwise. */
static int accepts(const char *path, char *why, size_t n)
{
    sl_json_options o;
    sl_json_options_init(&o);
    o.form = SL_JSON_FORM_DOCUMENT;
    sl_json_reader *r;
    sl_error err;
    if (sl_json_reader_open(path, &o, &r, &err)) {
        snprintf(why, n, "cannot open: %s", err.msg);
        return -1;
    }
    const sl_json_value *v;
    int records = 0;
    sl_status s;
    while ((s = sl_json_reader_next(r, &v, &err)) == SL_OK)
        records++;
    sl_json_reader_free(r);
    if (s != SL_EOF) {
        sl_error_format(&err, why, n);
        return 0;
    }
    if (records != 1) {
        snprintf(why, n, "%d records in DOCUMENT form", records);
        return 0;
    }
    snprintf(why, n, "accepted");
    return 1;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_corpus(void **state)
{
    (void)state;
    DIR *d = opendir(corpus_dir);
    if (!d)
        fail_msg("cannot open corpus directory %s", corpus_dir);
    char *names[2048];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 2048) {
        size_t len = strlen(e->d_name);
        if (len > 7 && (e->d_name[0] == 'y' || e->d_name[0] == 'n') && e->d_name[1] == '_' &&
            strcmp(e->d_name + len - 5, ".json") == 0)
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    size_t ny = 0, nn = 0, bad = 0;
    for (size_t i = 0; i < n; i++) {
        char path[8192], why[1200];
        snprintf(path, sizeof path, "%s/%s", corpus_dir, names[i]);
        int want = names[i][0] == 'y';
        int got = accepts(path, why, sizeof why);
        if (got != want) {
            print_error("%s: expected %s, got: %s\n", names[i], want ? "accept" : "reject", why);
            bad++;
        }
        want ? ny++ : nn++;
        free(names[i]);
    }
    print_message("conformance: %zu accepted files, %zu rejected files, %zu wrong\n", ny, nn, bad);
    assert_true(ny >= 40);
    assert_true(nn >= 80);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const char *src = getenv("SLUICE_SRCDIR");
    snprintf(corpus_dir, sizeof corpus_dir, "%s/tests/golden/json", src && *src ? src : ".");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
