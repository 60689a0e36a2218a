/* sluice clean: removes what sluice made in a demo, simulation or pipeline
 * directory, and nothing else.
 *
 * What counts as sluice's, by place:
 *   DIR/ (a demo or `simulate --dir`): the reports COMPREHENSIVE_DEMO_REPORT.json,
 *     EXECUTIVE_SUMMARY.md and demo.log; pool/ (event log, sandboxes, service logs);
 *     input/ and processed/: result files (result_*.json[.gz|.zst], with ingest's
 *     ".N" suffix) and the claims area; output/ as below.
 *   an output directory (it has _sluice/ or .sluice-state.json): _sluice/, raw/,
 *     quarantine/, duplicates/, ddl/, .sluice-state.json (a --state-dir elsewhere is
 *     not touched), the reports of validate and docs, and the final tables
 *     (<table>.parquet and <table>/part-*.parquet) whose footer says sluice wrote them.
 * Anything else is left where it is and listed; a directory is removed only when it
 * is empty afterwards. Symbolic links are removed as links, never followed. */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "ingest/statedir.h"
#include "sluice/parquet.h"

static const char usage[] = "sluice clean [--dry-run] [DIR...]";
static const char description[] =
    "Removes the generated inputs, outputs, quarantine and state that sluice demo,\n"
    "sluice simulate, ingest, sync, validate and docs left in each DIR (default: the\n"
    "current directory), and only those. DIR is a demo or simulation directory (with\n"
    "input/, output/, processed/, pool/) or an output directory (with _sluice/, or\n"
    ".sluice-state.json when ingest had a --state-dir, which is left alone).\n"
    "Removed: pool/; result_*.json files and the claims area in input/ and processed/;\n"
    "in the output directory _sluice/, raw/, quarantine/, duplicates/, ddl/,\n"
    ".sluice-state.json, the reports\n"
    "(data_quality_report.json, QUALITY_REPORT.md, quality_report.html,\n"
    "schema_documentation.json, table_relationships.json, DATA_STRUCTURE_README.md) and\n"
    "the Parquet tables whose footer says sluice wrote them; the demo's\n"
    "COMPREHENSIVE_DEMO_REPORT.json, EXECUTIVE_SUMMARY.md and demo.log. Anything else\n"
    "is kept and listed; directories are removed once empty. --dry-run lists what would\n"
    "go and removes nothing.\n"
    "\n"
    "Exit status: 0 done, 2 a DIR that is not one of these, or a removal that failed.";

static bool dry;
static uint64_t removed_files, kept_files, failures;

static void gone(const char *path, bool dir)
{
    if (dry) {
        if (!dir)
            printf("would remove %s\n", path);
        removed_files += !dir;
        return;
    }
    if ((dir ? rmdir(path) : unlink(path)) != 0) {
        if (dir && (errno == ENOTEMPTY || errno == EEXIST))
            return;
        sl_cli_fail(path, "cannot remove: %s", strerror(errno));
        failures++;
        return;
    }
    removed_files += !dir;
}

static int tree_entry(const char *path, const struct stat *sb, int type, struct FTW *f)
{
    (void)sb;
    (void)f;
    gone(path, type == FTW_DP);
    return 0;
}

/* Removes a directory tree sluice owns whole. */
static void remove_tree(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return;
    if (!S_ISDIR(sb.st_mode)) {
        gone(path, false);
        return;
    }
    nftw(path, tree_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static bool is_file(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0 && !S_ISDIR(sb.st_mode);
}

static bool is_dir(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static void keep(const char *path)
{
    printf("kept %s (not sluice's)\n", path);
    kept_files++;
}

/* result_<anything>.json, .json.gz, .json.zst, with ".N" after it, and the sidecars */
static bool is_result(const char *name)
{
    if (strncmp(name, "result_", 7) != 0)
        return false;
    const char *j = strstr(name, ".json");
    if (!j)
        return false;
    const char *t = j + 5;
    if (strncmp(t, ".gz", 3) == 0)
        t += 3;
    else if (strncmp(t, ".zst", 4) == 0)
        t += 4;
    if (strcmp(t, ".error.json") == 0 || strcmp(t, ".duplicate.json") == 0)
        return true;
    if (*t == '.') {
        t++;
        while (*t >= '0' && *t <= '9')
            t++;
        if (strcmp(t, ".error.json") == 0 || strcmp(t, ".duplicate.json") == 0)
            return true;
    }
    return *t == 0;
}

static void clean_results(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char path[8192];
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (strcmp(e->d_name, ".sluice-claims") == 0)
            remove_tree(path);
        else if (is_result(e->d_name) && is_file(path))
            gone(path, false);
        else
            keep(path);
    }
    closedir(d);
    gone(dir, true);
}

static bool written_by_sluice(const char *path)
{
    sl_pq_reader *r;
    if (sl_pq_reader_open(path, &r, NULL) != SL_OK)
        return false;
    bool ours = strncmp(sl_pq_reader_created_by(r), "sluice", 6) == 0;
    sl_pq_reader_free(r);
    return ours;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void clean_output(const char *dir)
{
    static const char *const trees[] = {SL_STATE_DEFAULT, "raw", "quarantine", "duplicates", "ddl", NULL};
    static const char *const reports[] = {"data_quality_report.json", "QUALITY_REPORT.md", "quality_report.html",
                                          "schema_documentation.json", "table_relationships.json",
                                          "DATA_STRUCTURE_README.md", SL_STATE_MARKER, NULL};
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char path[8192];
    while ((e = readdir(d))) {
        const char *n = e->d_name;
        if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, n);
        bool done = false;
        for (size_t i = 0; !done && trees[i]; i++)
            if (strcmp(n, trees[i]) == 0)
                remove_tree(path), done = true;
        for (size_t i = 0; !done && reports[i]; i++)
            if (strcmp(n, reports[i]) == 0 && is_file(path))
                gone(path, false), done = true;
        if (done)
            continue;
        if (ends_with(n, ".parquet") && is_file(path) && written_by_sluice(path)) {
            gone(path, false);
        } else if (is_dir(path)) {
            /* a table written as part files (sync --target-size) */
            DIR *t = opendir(path);
            struct dirent *f;
            char p2[8192 + 512];
            while (t && (f = readdir(t))) {
                if (strcmp(f->d_name, ".") == 0 || strcmp(f->d_name, "..") == 0)
                    continue;
                snprintf(p2, sizeof p2, "%s/%s", path, f->d_name);
                if (strncmp(f->d_name, "part-", 5) == 0 && ends_with(f->d_name, ".parquet") &&
                    is_file(p2) && written_by_sluice(p2))
                    gone(p2, false);
                else
                    keep(p2);
            }
            if (t)
                closedir(t);
            gone(path, true);
        } else {
            keep(path);
        }
    }
    closedir(d);
    gone(dir, true);
}

static int clean_dir(const char *dir)
{
    char p[8192];
    sl_statedir sd;   /* an output directory has the default state directory, or names its own */
    snprintf(p, sizeof p, "%s/" SL_STATE_MARKER, dir);
    if ((sl_statedir_default(&sd, dir, NULL) == SL_OK && is_dir(sd.dir)) || is_file(p)) {
        clean_output(dir);
        return 0;
    }
    static const char *const parts[] = {"input", "output", "processed", "pool", NULL};
    bool any = false;
    for (size_t i = 0; parts[i]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, parts[i]);
        any |= is_dir(p);
    }
    static const char *const reports[] = {"COMPREHENSIVE_DEMO_REPORT.json", "EXECUTIVE_SUMMARY.md", "demo.log", NULL};
    for (size_t i = 0; reports[i]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, reports[i]);
        any |= is_file(p);
    }
    if (!any) {
        sl_cli_fail(dir, "not a sluice demo, simulation or output directory (no _sluice/, input/, output/, "
                         "processed/ or pool/)");
        return SL_EXIT_USAGE;
    }
    for (size_t i = 0; reports[i]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, reports[i]);
        if (is_file(p))
            gone(p, false);
    }
    snprintf(p, sizeof p, "%s/pool", dir);
    remove_tree(p);
    snprintf(p, sizeof p, "%s/input", dir);
    clean_results(p);
    snprintf(p, sizeof p, "%s/processed", dir);
    clean_results(p);
    snprintf(p, sizeof p, "%s/output", dir);
    if (is_dir(p))
        clean_output(p);
    return 0;
}

int cmd_clean(int argc, char **argv)
{
    const sl_option opts[] = {
        {"dry-run", 'n', SL_OPT_FLAG, &dry, NULL, "list what would be removed; remove nothing"},
        {0},
    };
    int nargs;
    bool help;
    int rc = sl_cli_parse(argc, argv, opts, usage, description, &nargs, &help);
    if (rc >= 0)
        return rc;
    char *here[] = {"."};
    char **dirs = nargs ? argv : here;
    int n = nargs ? nargs : 1;
    for (int i = 0; i < n; i++) {
        if (!is_dir(dirs[i])) {
            sl_cli_fail(dirs[i], "not a directory");
            return SL_EXIT_USAGE;
        }
        if ((rc = clean_dir(dirs[i])) != 0)
            return rc;
    }
    fprintf(stderr, "sluice: clean: %s %llu files, kept %llu\n", dry ? "would remove" : "removed",
            (unsigned long long)removed_files, (unsigned long long)kept_files);
    return failures ? SL_EXIT_USAGE : SL_EXIT_OK;
}
