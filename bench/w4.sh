#!/usr/bin/env bash
# bench/w4.sh: benchmark W4 (DESIGN.md section 8), `sluice validate` side by side with
# DuckDB running the same checks as SQL over the same Parquet files. Run it as
# `bench/run.sh w4` (or directly).
#
#  1. builds bench/out/peak (cc -O2) and copies the sluice binary to bench/out/w4-sluice,
#     so that a rebuild of build/sluice during the run cannot change what is measured;
#  2. generates bench/data/w4/ once with `sluice generate --schema bench/w4_school.json
#     --n 1000000 --format parquet`: 1 M students, about 5 M enrollments, 50 k classes,
#     70 k teachers (the school schema with larger classes and up to 8 per student);
#     reused while bench/data/w4/.made says the same command made it;
#  3. measures, each BENCH_RUNS times (default 3), round-robin so drift on a shared
#     machine hits every tool alike, every run under bench/out/peak (wall, peak RSS, CPU):
#       sluice-cold   sluice validate --no-state: every file read and profiled;
#       sluice-warm   sluice validate with the sketches a previous run saved: unchanged
#                     files' profiles merged, their columns read only for checks;
#       duckdb        bench/duckdb_w4.mjs: PK, not-null, FK, capacity, limits, age,
#                     ranges, SUMMARIZE of every table;
#       node          an empty node process (the peer's runtime baseline);
#  4. checks that sluice and DuckDB found the same counts (bench/check_w4.mjs);
#  5. prints the table and the ratios, and writes bench/out/w4-results.json
#     (bench/report_w4.mjs).
#
# Exit status: 0 when every run succeeded and the counts agree; 1 otherwise. A missed
# goal prints MISS and fails the run only with BENCH_STRICT=1.
#
# Environment: BENCH_RUNS (3), BENCH_TIMEOUT seconds per run (900), BENCH_STRICT (0),
# BENCH_W4_N (1000000 students), SLUICE (build/sluice).
set -u
cd "$(dirname "$0")/.." || exit 2

RUNS=${BENCH_RUNS:-3}
TIMEOUT=${BENCH_TIMEOUT:-900}
N=${BENCH_W4_N:-1000000}
SLUICE=${SLUICE:-build/sluice}
OUT=bench/out
DATA=bench/data/w4
[ "$N" = 1000000 ] || DATA=bench/data/w4-$N
MAXENR=8   # bench/w4_school.json's max_enrollments

die() { echo "bench: $*" >&2; exit 2; }
for v in "$RUNS" "$N"; do
    case "$v" in ''|*[!0-9]*|0) die "BENCH_RUNS and BENCH_W4_N must be positive integers" ;; esac
done
mkdir -p "$OUT" || die "cannot create $OUT"
cc -O2 -std=c11 -o "$OUT/peak" bench/peak.c || die "cannot build peak"
[ -d node_modules/@duckdb/node-api ] || die "node_modules/@duckdb/node-api is missing (run 'make test-deps')"
[ -x "$SLUICE" ] || die "$SLUICE not found (run 'make' first)"
cp "$SLUICE" "$OUT/w4-sluice" || die "cannot copy $SLUICE"
S=$OUT/w4-sluice

RESULTS=$OUT/w4-runs.jsonl
rm -f "$RESULTS" "$OUT"/w4-*.log "$OUT"/w4-*.json "$OUT/w4-check.jsonl"

# --- the data, generated once --------------------------------------------------------
MADE="generate --schema bench/w4_school.json --n $N --format parquet $(sha256sum < bench/w4_school.json | cut -c1-16)"
if [ -f "$DATA/.made" ] && [ "$(cat "$DATA/.made")" = "$MADE" ]; then
    echo "bench: reusing $DATA"
else
    echo "bench: generating $DATA ($N students)"
    rm -rf "$DATA"
    mkdir -p "$DATA" || die "cannot create $DATA"
    "$S" generate --schema bench/w4_school.json --n "$N" --format parquet --output-dir "$DATA" \
        || die "sluice generate failed"
    echo "$MADE" > "$DATA/.made"
fi
rm -rf "$DATA/_sluice" "$DATA"/*.md "$DATA"/*.html "$DATA"/*.json
cat "$DATA"/*.parquet > /dev/null   # every tool starts with the files in the page cache

# measure LABEL COMMAND...: one run under peak, with the same timeout for every tool.
measure() {
    local label=$1
    shift
    "$OUT/peak" -o "$RESULTS" -l "$label" timeout "$TIMEOUT" "$@" > "$OUT/w4-$label.log" 2>&1
    local rc=$?
    # validate exits 1 when a check fails: that is an answer, not a failed run
    [ $rc -eq 0 ] || [ $rc -eq 1 -a "${label#sluice}" != "$label" ] ||
        echo "bench: $label run failed (exit $rc), see $OUT/w4-$label.log" >&2
    tail -n 1 "$RESULTS" | sed 's/"argv".*//; s/^/  /'
}

# the saved sketches the warm runs start from
"$S" validate --output-dir "$DATA" --max-enrollments $MAXENR -q > /dev/null 2>&1
for i in $(seq 1 "$RUNS"); do
    echo "bench: round $i of $RUNS"
    measure node node -e 0
    measure sluice-cold "$S" validate --output-dir "$DATA" --no-state --max-enrollments $MAXENR \
        --report-file "$OUT/w4-report-cold.json" -q
    measure sluice-warm "$S" validate --output-dir "$DATA" --max-enrollments $MAXENR \
        --report-file "$OUT/w4-report-warm.json" -q
    measure duckdb node bench/duckdb_w4.mjs "$DATA" $MAXENR
done

echo "bench: checking sluice's counts against DuckDB's"
ok=0
for r in cold warm; do
    node bench/check_w4.mjs "$OUT/w4-report-$r.json" "$OUT/w4-duckdb.log" > "$OUT/w4-check-$r.jsonl" || ok=1
    sed "s/^/  $r /" "$OUT/w4-check-$r.jsonl" | grep -v '"ok":true' || echo "  $r: all counts agree"
done
node bench/report_w4.mjs "$OUT" "$DATA" $ok
