#!/usr/bin/env bash
# bench/w3.sh: benchmark W3 (DESIGN.md section 8), `sluice generate` side by side with
# DuckDB generating the same card transactions with SQL over range(N). Run it as
# `bench/run.sh w3` (or directly); `make bench` runs W1 and then W3.
#
#  1. builds bench/out/peak (cc -O2) and copies the sluice binary to bench/out/w3-sluice,
#     so that a rebuild of build/sluice during the run cannot change what is measured;
#  2. measures, each BENCH_RUNS times (default 3), round-robin so drift on a shared
#     machine hits every tool alike, every run under bench/out/peak (wall, peak RSS, CPU):
#       sluice generate --schema card_transactions --table transactions --n 10M, to zstd
#       Parquet and to NDJSON; DuckDB's COPY of the same columns (bench/duckdb_w3.mjs) to
#       zstd Parquet and to NDJSON, over range(N) (one core: range() is a single-threaded
#       source) and over a table of the N row numbers (--ids-table: both cores); sluice
#       at 1 M and 3 M rows in both formats (does its memory grow with the row count?);
#       sluice generate --schema school --n 1M to Parquet (all four tables); and an empty
#       node process (the peers' runtime baseline). With BENCH_W3_EXTRA=1 also sluice
#       with --threads 1, to CSV, to uncompressed Parquet and with DuckDB's row-group
#       size (where the time and memory go);
#  3. checks the last round's outputs (bench/check_w3.mjs): the Parquet files open in
#     DuckDB with N rows, the W3 columns and types, ids 1..N, derived columns consistent;
#     the NDJSON files have N lines; the school tables' row counts; and prints the
#     distributions of both Parquet outputs side by side;
#  4. prints the table, rows/s, ratios and goals, and writes bench/out/w3-results.json
#     (bench/report_w3.mjs). The NDJSON outputs (3.3 GB each at 10 M rows) are then
#     deleted unless BENCH_KEEP=1.
#
# Exit status: 0 when every run succeeded and every output is right; 1 otherwise (a
# missing or failing sluice is a failure, not a skip). A missed goal prints MISS and
# fails the run only with BENCH_STRICT=1.
#
# Environment: BENCH_RUNS (3), BENCH_TIMEOUT seconds per run (900), BENCH_STRICT (0),
# BENCH_W3_ROWS (10000000), BENCH_W3_SMALL (1000000: the smaller row count for sluice's
# memory, and the school schema's --n), BENCH_W3_MID (3000000: a third row count for
# sluice's memory), BENCH_W3_EXTRA (0), BENCH_KEEP (0),
# SLUICE (build/sluice).
set -u
cd "$(dirname "$0")/.." || exit 2

RUNS=${BENCH_RUNS:-3}
TIMEOUT=${BENCH_TIMEOUT:-900}
ROWS=${BENCH_W3_ROWS:-10000000}
SMALL=${BENCH_W3_SMALL:-1000000}
MID=${BENCH_W3_MID:-3000000}
SLUICE=${SLUICE:-build/sluice}
OUT=bench/out

die() { echo "bench: $*" >&2; exit 2; }
for v in "$RUNS" "$ROWS" "$SMALL" "$MID"; do
    case "$v" in ''|*[!0-9]*|0) die "BENCH_RUNS, BENCH_W3_ROWS, BENCH_W3_SMALL and BENCH_W3_MID must be positive integers" ;; esac
done

mkdir -p "$OUT" || die "cannot create $OUT"
cc -O2 -std=c11 -o "$OUT/peak" bench/peak.c || die "cannot build peak"
[ -d node_modules/@duckdb/node-api ] || die "node_modules/@duckdb/node-api is missing (run 'make test-deps')"

RESULTS=$OUT/w3-runs.jsonl
CHECKS=$OUT/w3-check.jsonl
# Nothing from an earlier run may be mistaken for this run's output.
rm -rf "$RESULTS" "$CHECKS" "$OUT/w3-missing" "$OUT"/w3-*.parquet "$OUT"/w3-*.ndjson "$OUT"/w3-*.csv \
       "$OUT"/w3-*.log "$OUT/w3-results.json" "$OUT/w3-school" "$OUT/w3-sluice"

have_sluice=1
if [ ! -x "$SLUICE" ]; then
    have_sluice=0
    echo "sluice" > "$OUT/w3-missing"
    echo "bench: $SLUICE not found: sluice is MISSING from this run (run 'make' first)" >&2
else
    cp "$SLUICE" "$OUT/w3-sluice" || die "cannot copy $SLUICE"
fi
S=$OUT/w3-sluice

# measure LABEL COMMAND...: one run under peak, with the same timeout for every tool.
measure() {
    local label=$1
    shift
    "$OUT/peak" -o "$RESULTS" -l "$label" timeout "$TIMEOUT" "$@" > "$OUT/w3-$label.log" 2>&1
    local rc=$?
    [ $rc -eq 0 ] || echo "bench: $label run failed (exit $rc), see $OUT/w3-$label.log" >&2
    tail -n 1 "$RESULTS" | sed 's/"argv".*//; s/^/  /'
}

# sluice_gen LABEL FORMAT N [OPTION...]: the transactions table alone, to OUT/w3-LABEL.FORMAT.
sluice_gen() {
    local label=$1 format=$2 n=$3
    shift 3
    rm -f "$OUT/w3-$label.$format"
    measure "$label" "$S" generate --schema card_transactions --table transactions --n "$n" \
        --format "$format" -d "$OUT" --output-name "w3-$label" -q "$@"
}
# duckdb_gen LABEL FORMAT [OPTION...]: DuckDB's COPY of ROWS rows to OUT/w3-LABEL.FORMAT.
duckdb_gen() {
    local label=$1 format=$2
    shift 2
    rm -f "$OUT/w3-$label.$format"
    measure "$label" node bench/duckdb_w3.mjs "$@" "$format" "$ROWS" "$OUT/w3-$label.$format"
}

for i in $(seq 1 "$RUNS"); do
    echo "bench: W3 round $i of $RUNS"
    measure node-baseline node -e 0
    [ $have_sluice -eq 1 ] && sluice_gen sluice-parquet parquet "$ROWS"
    duckdb_gen duckdb-parquet parquet
    duckdb_gen duckdb-tbl-parquet parquet --ids-table
    [ $have_sluice -eq 1 ] && sluice_gen sluice-ndjson ndjson "$ROWS"
    duckdb_gen duckdb-ndjson ndjson
    duckdb_gen duckdb-tbl-ndjson ndjson --ids-table
    if [ $have_sluice -eq 1 ]; then
        sluice_gen sluice-parquet-small parquet "$SMALL"
        sluice_gen sluice-ndjson-small ndjson "$SMALL"
        sluice_gen sluice-parquet-mid parquet "$MID"
        sluice_gen sluice-ndjson-mid ndjson "$MID"
        rm -rf "$OUT/w3-school"
        measure sluice-school "$S" generate --schema school --n "$SMALL" --format parquet -d "$OUT/w3-school" -q
        if [ "${BENCH_W3_EXTRA:-0}" = 1 ]; then
            sluice_gen sluice-parquet-t1 parquet "$ROWS" --threads 1
            sluice_gen sluice-ndjson-t1 ndjson "$ROWS" --threads 1
            sluice_gen sluice-csv csv "$ROWS"
            sluice_gen sluice-parquet-none parquet "$ROWS" --compression none
            sluice_gen sluice-parquet-rg parquet "$ROWS" --row-group-size 122880
        fi
    fi
done

# --- correctness of the outputs of the last round ------------------------------------
echo "bench: checking outputs"
checks=(--parquet "$OUT/w3-duckdb-parquet.parquet" "$ROWS" --parquet "$OUT/w3-duckdb-tbl-parquet.parquet" "$ROWS"
        --ndjson "$OUT/w3-duckdb-ndjson.ndjson" "$ROWS" --ndjson "$OUT/w3-duckdb-tbl-ndjson.ndjson" "$ROWS")
if [ $have_sluice -eq 1 ]; then
    checks=(--parquet "$OUT/w3-sluice-parquet.parquet" "$ROWS" "${checks[@]}"
            --ndjson "$OUT/w3-sluice-ndjson.ndjson" "$ROWS"
            --parquet "$OUT/w3-sluice-parquet-small.parquet" "$SMALL"
            --ndjson "$OUT/w3-sluice-ndjson-small.ndjson" "$SMALL"
            --parquet "$OUT/w3-sluice-parquet-mid.parquet" "$MID"
            --ndjson "$OUT/w3-sluice-ndjson-mid.ndjson" "$MID"
            --tables "$OUT/w3-school")
fi
node bench/check_w3.mjs "${checks[@]}" > "$CHECKS" 2> "$OUT/w3-distributions.txt"
sed 's/^/  /' "$OUT/w3-distributions.txt"

node bench/report_w3.mjs "$OUT" "$ROWS" "$SMALL" "$MID"
rc=$?
[ "${BENCH_KEEP:-0}" = 1 ] || rm -f "$OUT"/w3-*.ndjson "$OUT"/w3-*.csv
exit $rc
