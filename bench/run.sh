#!/usr/bin/env bash
# bench/run.sh [w1|w2|w3|all]: the benchmarks of DESIGN.md section 8. `make bench` runs it
# (all: W1, W2, then W3) from the repository root after building build/sluice. `w2` runs
# bench/w2.sh (sluice ingest + sync against DuckDB on 10,000 job-result files; `w2
# sustained` is its service mode), `w3` runs bench/w3.sh (sluice generate against
# DuckDB's SQL; see there), `sim` runs bench/sim.sh (sluice simulate, 10,000 jobs on 16
# slots, against the same batches generated without the pool). The rest of this file
# is W1, sluice side by side with DuckDB and Polars in one run:
#
#  1. builds bench/out/w1gen and bench/out/peak (cc -O2, no dependencies);
#  2. generates bench/data/w1.ndjson (2 M card transactions, ~540 MB) once, and reuses
#     it while its SHA-256 matches the pinned one below;
#  3. measures, each BENCH_RUNS times (default 3), round-robin so drift on a shared
#     machine hits every tool alike: `sluice convert` to zstd Parquet, DuckDB's COPY,
#     Polars' scanJson+sinkParquet; plus `sluice inspect` on the input (JSON parse
#     throughput) and an empty node process (the baseline of the peers' runtime).
#     Every run goes through bench/out/peak: wall time and peak RSS, measured alike;
#  4. checks every output against the checksums of the input (bench/check_w1.mjs);
#  5. prints the table, ratios and goals, and writes bench/out/w1-results.json
#     (bench/report.mjs).
#
# Exit status: 0 when every tool ran, every run succeeded and every output is right;
# 1 otherwise (a missing or failing sluice is a failure, not a skip). Missing a
# performance goal is printed as MISS and fails the run only with BENCH_STRICT=1.
#
# Environment: BENCH_RUNS (3), BENCH_TIMEOUT seconds per run (900), BENCH_STRICT (0),
# BENCH_ROWS (2000000; any other value is a smoke test on a smaller file, unpinned),
# BENCH_POLARS_EAGER=1 (also time Polars reading the whole file into a DataFrame
# first, for information), SLUICE (build/sluice).
set -u
cd "$(dirname "$0")/.." || exit 2

case "${1:-all}" in
    w1) ;;
    w2) shift; exec bench/w2.sh "$@" ;;
    w3) exec bench/w3.sh ;;
    sim) exec bench/sim.sh ;;
    w4) exec bench/w4.sh ;;
    all)
        bench/run.sh w1
        w1=$?
        bench/w2.sh
        w2=$?
        bench/w3.sh
        w3=$?
        bench/w4.sh
        w4=$?
        worst=$((w1 > w2 ? w1 : w2))
        worst=$((worst > w3 ? worst : w3))
        exit $((worst > w4 ? worst : w4)) ;;
    *) echo "usage: bench/run.sh [w1|w2 [batch|sustained]|w3|w4|sim|all]" >&2; exit 2 ;;
esac

RUNS=${BENCH_RUNS:-3}
TIMEOUT=${BENCH_TIMEOUT:-900}
ROWS=${BENCH_ROWS:-2000000}
SLUICE=${SLUICE:-build/sluice}
OUT=bench/out
DATA=bench/data
# SHA-256 of `w1gen` with default options. If w1gen.c changes its output on purpose,
# update this; if it changes on another machine, the generator is not deterministic.
W1_SHA256=afa93b03a61752bc5631530707dc36e25dfc0423027662acf26328cf64cb75d3

die() { echo "bench: $*" >&2; exit 2; }
case "$RUNS" in ''|*[!0-9]*|0) die "BENCH_RUNS must be a positive integer" ;; esac

mkdir -p "$OUT" "$DATA" || die "cannot create $OUT and $DATA"
cc -O2 -std=c11 -ffp-contract=off -o "$OUT/w1gen" bench/w1gen.c || die "cannot build w1gen"
cc -O2 -std=c11 -o "$OUT/peak" bench/peak.c || die "cannot build peak"
for m in @duckdb/node-api nodejs-polars; do
    [ -d "node_modules/$m" ] || die "node_modules/$m is missing (run 'make test-deps')"
done

# --- the input, generated once -------------------------------------------------------
if [ "$ROWS" = 2000000 ]; then
    IN=$DATA/w1.ndjson
else
    IN=$DATA/w1-$ROWS.ndjson
fi
EXPECT=${IN%.ndjson}.expect.json

input_ok() {
    [ -s "$IN" ] && [ -s "$EXPECT" ] || return 1
    [ "$ROWS" != 2000000 ] && return 0
    [ "$(sha256sum < "$IN" | cut -d' ' -f1)" = "$W1_SHA256" ]
}
if input_ok; then
    echo "bench: reusing $IN"
else
    echo "bench: generating $IN ($ROWS rows)"
    "$OUT/w1gen" --rows "$ROWS" --stats "$EXPECT.tmp" > "$IN.tmp" || die "w1gen failed"
    mv "$IN.tmp" "$IN" || die "cannot write $IN"
    mv "$EXPECT.tmp" "$EXPECT" || die "cannot write $EXPECT"
    input_ok || die "$IN does not have the pinned SHA-256 $W1_SHA256: w1gen's output changed"
    sync # so that writing back the new file does not slow the first measured runs
fi
cat "$IN" > /dev/null # every tool starts with the input in the page cache

# --- the runs ------------------------------------------------------------------------
RESULTS=$OUT/w1-runs.jsonl
CHECKS=$OUT/w1-check.jsonl
# Nothing from an earlier run may be mistaken for this run's output.
rm -f "$RESULTS" "$CHECKS" "$OUT/w1-missing" "$OUT"/w1-*.parquet "$OUT"/w1-*.log "$OUT/w1-results.json"

have_sluice=1
if [ ! -x "$SLUICE" ]; then
    have_sluice=0
    echo "sluice" > "$OUT/w1-missing"
    echo "bench: $SLUICE not found: sluice is MISSING from this run (run 'make' first)" >&2
fi

# measure LABEL COMMAND...: one run under peak, with the same timeout for every tool.
measure() {
    local label=$1
    shift
    "$OUT/peak" -o "$RESULTS" -l "$label" timeout "$TIMEOUT" "$@" > "$OUT/w1-$label.log" 2>&1
    local rc=$?
    [ $rc -eq 0 ] || echo "bench: $label run failed (exit $rc), see $OUT/w1-$label.log" >&2
    tail -n 1 "$RESULTS" | sed 's/"argv".*//; s/^/  /'
}

for i in $(seq 1 "$RUNS"); do
    echo "bench: round $i of $RUNS"
    measure node-baseline node -e 0
    if [ $have_sluice -eq 1 ]; then
        rm -f "$OUT/w1-sluice.parquet"
        measure sluice "$SLUICE" convert "$IN" -o "$OUT/w1-sluice.parquet" --compression zstd
        measure sluice-inspect "$SLUICE" inspect "$IN"
    fi
    rm -f "$OUT/w1-duckdb.parquet"
    measure duckdb node bench/duckdb_w1.mjs "$IN" "$OUT/w1-duckdb.parquet"
    rm -f "$OUT/w1-polars.parquet"
    measure polars node bench/polars_w1.mjs "$IN" "$OUT/w1-polars.parquet"
    if [ "${BENCH_POLARS_EAGER:-0}" = 1 ]; then
        rm -f "$OUT/w1-polars-eager.parquet"
        measure polars-eager node bench/polars_w1.mjs --eager "$IN" "$OUT/w1-polars-eager.parquet"
    fi
done

# --- correctness of the outputs of the last round ------------------------------------
outputs="$OUT/w1-duckdb.parquet $OUT/w1-polars.parquet"
[ "${BENCH_POLARS_EAGER:-0}" = 1 ] && outputs="$outputs $OUT/w1-polars-eager.parquet"
[ $have_sluice -eq 1 ] && outputs="$OUT/w1-sluice.parquet $outputs"
echo "bench: checking outputs against $EXPECT"
# shellcheck disable=SC2086 # the list is ours, without spaces
node bench/check_w1.mjs "$EXPECT" $outputs > "$CHECKS"
sed 's/^/  /' "$CHECKS"

node bench/report.mjs "$IN" "$OUT"
