#!/usr/bin/env bash
# bench/w2.sh [batch|sustained]: benchmark W2 (DESIGN.md section 8), 10,000 school
# job-result files (nested JSON documents) to four tables. Run it as `bench/run.sh w2`
# (or directly); `make bench` runs it after W1 and W3.
#
# batch (the default), sluice side by side with DuckDB in one run:
#  1. builds bench/out/peak (cc -O2) and copies the sluice binary to bench/out/w2-sluice,
#     so that a rebuild of build/sluice during the run cannot change what is measured;
#  2. generates the input once, bench/data/w2-in-<FILES>/ (`sluice generate
#     --num-iterations FILES --max-batch-size 10`, seed 42), and reuses it while its
#     stamp file says it is complete;
#  3. measures, each BENCH_RUNS times (default 3), round-robin so drift on a shared
#     machine hits every tool alike, every run under bench/out/peak (wall, peak RSS, CPU):
#       sluice: the input copied (`cp -r`, then `sync`; neither timed) to a fresh
#         bench/out/w2-in, since ingest moves what it commits out of its input directory;
#         then `sluice ingest --input-dir bench/out/w2-in --output-dir bench/out/w2-out
#         --once --settle 0 -v warn` (durability on, the default: every commit fsyncs its
#         parts and its ledger line), then `sluice sync --output-dir bench/out/w2-out
#         --once`. While `sluice sync --help` fails (sync not built yet) ingest is
#         measured alone and the report says so; once it works, sync is measured too
#         and the sluice figures are ingest + sync;
#       DuckDB: bench/duckdb_w2.mjs, one COPY per table from read_json over the glob
#         with the table's array unnested, to zstd Parquet; and (unless BENCH_W2_TBL=0)
#         the same through one CREATE TABLE of all documents first ("DuckDB-tbl");
#       an empty node process (the DuckDB runtime's baseline);
#  4. checks the last round's outputs (bench/check_w2.mjs): per table, rows and distinct
#     primary keys of sluice's output (the final tables when sync ran, else the raw
#     parts the ledger commits) equal DuckDB's; _documents has one row per file;
#  5. prints the table, files/s, ratios and goals, and writes bench/out/w2-results.json
#     (bench/report_w2.mjs).
#
# sustained: `sluice ingest` as a service (no --once, inotify) while bench/out/w2feed
#  (bench/w2feed.c) renames pre-generated files from a staging directory into its input
#  directory at W2_RATE files/s for W2_SECONDS seconds. Every second a sampler records
#  ingest's VmRSS and VmHWM (/proc/PID/status) and its metrics file. After the feed it
#  waits (at most W2_DRAIN seconds) until the metrics count every file, stops ingest
#  with SIGTERM, and reports (bench/report_w2.mjs --sustained): the achieved arrival
#  rate, latency from arrival to commit p50/p95/p99/max (ingest's final metrics),
#  RSS min/median/max over the samples, and whether ingest exited 0 with every file
#  committed, none quarantined. Results: bench/out/w2-sustained-results.json. The
#  staging files are generated once (bench/data/w2-stage-<N>/) and moved back there
#  from ingest's processed/ directory after a complete run.
#
# Exit status: 0 when every run succeeded and every output is right; 1 otherwise (a
# missing or failing sluice, or a sync that is built and fails, is a failure, not a
# skip). A missed goal prints MISS and fails the run only with BENCH_STRICT=1.
#
# Environment: BENCH_RUNS (3), BENCH_TIMEOUT seconds per run (900), BENCH_STRICT (0),
# BENCH_W2_FILES (10000), BENCH_W2_TBL (1), SLUICE (build/sluice); sustained: W2_RATE
# files/s (2000), W2_SECONDS (120), W2_DRAIN seconds (60), W2_INGEST_ARGS (more options
# for `sluice ingest`, split into words, e.g. "--workers 1 --commit-interval 0.25").
set -u
cd "$(dirname "$0")/.." || exit 2

MODE=${1:-batch}
case "$MODE" in batch|sustained) ;; *) echo "usage: bench/w2.sh [batch|sustained]" >&2; exit 2 ;; esac

RUNS=${BENCH_RUNS:-3}
TIMEOUT=${BENCH_TIMEOUT:-900}
FILES=${BENCH_W2_FILES:-10000}
RATE=${W2_RATE:-2000}
SECS=${W2_SECONDS:-120}
DRAIN=${W2_DRAIN:-60}
SLUICE=${SLUICE:-build/sluice}
OUT=bench/out
DATA=bench/data

die() { echo "bench: $*" >&2; exit 2; }
for v in "$RUNS" "$FILES" "$RATE" "$SECS" "$DRAIN"; do
    case "$v" in ''|*[!0-9]*|0) die "BENCH_RUNS, BENCH_W2_FILES, W2_RATE, W2_SECONDS and W2_DRAIN must be positive integers" ;; esac
done

mkdir -p "$OUT" "$DATA" || die "cannot create $OUT and $DATA"
cc -O2 -std=c11 -o "$OUT/peak" bench/peak.c || die "cannot build peak"
cc -O2 -std=c11 -o "$OUT/w2feed" bench/w2feed.c || die "cannot build w2feed"
cc -O2 -std=c11 -pthread -o "$OUT/w2floor" bench/w2floor.c || die "cannot build w2floor"
[ -d node_modules/@duckdb/node-api ] || die "node_modules/@duckdb/node-api is missing (run 'make test-deps')"
[ -x "$SLUICE" ] || { echo "bench: $SLUICE not found: sluice is MISSING (run 'make' first)" >&2; exit 1; }
S=$OUT/w2-sluice
cp "$SLUICE" "$S" || die "cannot copy $SLUICE"

# gen_docs DIR N: N job-result documents in DIR, generated into DIR.tmp and renamed, with
# a stamp (DIR.stamp) that says they are complete.
gen_docs() {
    local dir=$1 n=$2
    rm -rf "$dir" "$dir.tmp" "$dir.stamp"
    echo "bench: generating $n job-result documents in $dir"
    "$S" generate --num-iterations "$n" --max-batch-size 10 --output-dir "$dir.tmp" -q \
        || die "sluice generate failed"
    mv "$dir.tmp" "$dir" || die "cannot rename $dir.tmp"
    echo "sluice generate --num-iterations $n --max-batch-size 10 ($("$S" version 2>/dev/null))" > "$dir.stamp"
    sync # so that writing back the new files does not slow the measured runs
}
count_json() { find "$1" -maxdepth 1 -name '*.json' -type f | wc -l; }
bytes_json() { find "$1" -maxdepth 1 -name '*.json' -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}'; }

# ======================================================================================
# sustained
# ======================================================================================
if [ "$MODE" = sustained ]; then
    N=$((RATE * SECS))
    STAGE=$DATA/w2-stage-$N
    IN=$OUT/w2s-in
    SOUT=$OUT/w2s-out
    if [ -f "$STAGE.stamp" ] && [ "$(count_json "$STAGE")" = "$N" ]; then
        echo "bench: reusing $STAGE ($N files)"
    else
        gen_docs "$STAGE" "$N"
    fi
    rm -rf "$IN" "$SOUT" "$OUT"/w2s-*.json "$OUT"/w2s-*.jsonl "$OUT/w2s-ingest.log" "$OUT/w2-sustained-results.json"
    mkdir -p "$IN" || die "cannot create $IN"
    stage_mb=$(bytes_json "$STAGE")
    sync

    # shellcheck disable=SC2206 # W2_INGEST_ARGS is split into words on purpose
    extra=(${W2_INGEST_ARGS:-})
    echo "bench: W2 sustained: sluice ingest${extra[*]:+ ${extra[*]}} as a service, fed $RATE files/s for $SECS s ($N files)"
    "$OUT/peak" -o "$OUT/w2s-peak.jsonl" -l sluice-ingest-sustained \
        "$S" ingest --input-dir "$IN" --output-dir "$SOUT" -v warn "${extra[@]}" > "$OUT/w2s-ingest.log" 2>&1 &
    peakpid=$!
    spid=
    for _ in $(seq 1 100); do
        spid=$(pgrep -P "$peakpid" | head -n 1)
        [ -n "$spid" ] && break
        sleep 0.05
    done
    [ -n "$spid" ] || die "sluice ingest did not start (see $OUT/w2s-ingest.log)"
    # Ready when its first metrics file is there (or after 10 s).
    for _ in $(seq 1 100); do
        compgen -G "$SOUT/_sluice/metrics/*.json" > /dev/null && break
        sleep 0.1
    done

    # The sampler: one line a second while ingest runs.
    (
        while [ -r "/proc/$spid/status" ]; do
            rss=null hwm=null
            while read -r k v _; do
                case $k in VmRSS:) rss=$v ;; VmHWM:) hwm=$v ;; esac
            done < "/proc/$spid/status" 2> /dev/null
            m=null
            for f in "$SOUT"/_sluice/metrics/*.json; do
                [ -s "$f" ] && m=$(< "$f")
            done
            [ -n "$m" ] || m=null
            printf '{"t":%s,"rss_kib":%s,"hwm_kib":%s,"metrics":%s}\n' "$EPOCHREALTIME" "$rss" "$hwm" "$m"
            sleep 1
        done
    ) > "$OUT/w2s-samples.jsonl" &
    samplerpid=$!

    "$OUT/w2feed" -o "$OUT/w2s-feed.json" "$STAGE" "$IN" "$RATE" "$SECS"
    feedrc=$?
    fed=$(sed -n 's/.*"fed":\([0-9]*\).*/\1/p' "$OUT/w2s-feed.json")
    fed=${fed:-0}
    echo "bench: fed: $(cat "$OUT/w2s-feed.json")"

    # Wait until ingest's metrics count every file fed.
    files_committed() {
        local f n=0
        for f in "$SOUT"/_sluice/metrics/*.json; do
            [ -s "$f" ] && n=$(sed -n 's/.*"files":\([0-9]*\).*/\1/p' "$f")
        done
        echo "${n:-0}"
    }
    drain_start=$EPOCHREALTIME
    for _ in $(seq 1 $((DRAIN * 10))); do
        [ "$(files_committed)" -ge "$fed" ] && break
        sleep 0.1
    done
    drain_s=$(awk -v a="$drain_start" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f", b - a}')
    echo "bench: $(files_committed) of $fed files committed $drain_s s after the feed ended; stopping ingest (SIGTERM)"
    kill -TERM "$spid" 2> /dev/null
    for _ in $(seq 1 600); do
        kill -0 "$spid" 2> /dev/null || break
        sleep 0.1
    done
    if kill -0 "$spid" 2> /dev/null; then
        echo "bench: sluice ingest still runs 60 s after SIGTERM; killing it" >&2
        kill -KILL "$spid" 2> /dev/null
    fi
    wait "$peakpid"
    ingestrc=$?
    wait "$samplerpid"

    node bench/report_w2.mjs --sustained "$OUT" "$IN" "$SOUT" "$feedrc" "$ingestrc" "$drain_s" "$stage_mb"
    rc=$?
    # Put the files back for the next run, when every one of them was processed.
    if [ "$(count_json "$SOUT/processed")" = "$N" ] && [ "$(count_json "$STAGE")" = 0 ]; then
        rm -rf "$STAGE" && mv "$SOUT/processed" "$STAGE"
    else
        rm -f "$STAGE.stamp" # not complete any more: generated again next time
    fi
    rm -rf "$IN"
    exit $rc
fi

# ======================================================================================
# batch
# ======================================================================================
PRISTINE=$DATA/w2-in-$FILES
if [ -f "$PRISTINE.stamp" ] && [ "$(count_json "$PRISTINE")" = "$FILES" ]; then
    echo "bench: reusing $PRISTINE ($FILES files)"
else
    gen_docs "$PRISTINE" "$FILES"
fi
INPUT_BYTES=$(bytes_json "$PRISTINE")
find "$PRISTINE" -maxdepth 1 -name '*.json' -exec cat {} + > /dev/null # every tool starts with the input in the page cache

RESULTS=$OUT/w2-runs.jsonl
CHECKS=$OUT/w2-check.jsonl
IN=$OUT/w2-in
SOUT=$OUT/w2-out
# Nothing from an earlier run may be mistaken for this run's output.
rm -rf "$RESULTS" "$CHECKS" "$OUT"/w2-*.log "$OUT/w2-results.json" "$IN" "$SOUT" "$OUT/w2-duckdb" "$OUT/w2-duckdb-tbl"

# Is sync there? `sluice sync --help` exits 0 once it is built.
if "$S" sync --help > /dev/null 2>&1; then
    sync_state=ok
else
    sync_state=not-built
    echo "bench: 'sluice sync --help' fails (sync is not built yet): measuring sluice ingest alone"
fi

# measure LABEL COMMAND...: one run under peak, with the same timeout for every tool.
measure() {
    local label=$1
    shift
    "$OUT/peak" -o "$RESULTS" -l "$label" timeout "$TIMEOUT" "$@" >> "$OUT/w2-$label.log" 2>&1
    local rc=$?
    [ $rc -eq 0 ] || echo "bench: $label run failed (exit $rc), see $OUT/w2-$label.log" >&2
    tail -n 1 "$RESULTS" | sed 's/"argv".*//; s/^/  /'
    return $rc
}

for i in $(seq 1 "$RUNS"); do
    echo "bench: W2 round $i of $RUNS"
    measure node-baseline node -e 0
    # A fresh copy of the input for every run (not timed): ingest moves what it commits.
    rm -rf "$IN" "$SOUT"
    cp -r "$PRISTINE" "$IN" || die "cannot copy $PRISTINE"
    sync
    # The file-system floor: the protocol's renames and reads alone, on the same
    # copy (w2floor puts every file back), two threads as ingest's two workers.
    rm -rf "$OUT/w2-floor"
    measure fs-floor "$OUT/w2floor" "$IN" "$OUT/w2-floor" 2
    measure sluice-ingest "$S" ingest --input-dir "$IN" --output-dir "$SOUT" --once --settle 0 -v warn
    if [ "$sync_state" != not-built ]; then
        if ! measure sluice-sync "$S" sync --output-dir "$SOUT" --once; then
            sync_state=failed
            echo "bench: sluice sync FAILED: the sluice figures are ingest alone" >&2
        fi
    fi
    rm -rf "$OUT/w2-duckdb" && mkdir -p "$OUT/w2-duckdb"
    measure duckdb node bench/duckdb_w2.mjs "$PRISTINE" "$OUT/w2-duckdb"
    if [ "${BENCH_W2_TBL:-1}" = 1 ]; then
        rm -rf "$OUT/w2-duckdb-tbl" && mkdir -p "$OUT/w2-duckdb-tbl"
        measure duckdb-tbl node bench/duckdb_w2.mjs --table "$PRISTINE" "$OUT/w2-duckdb-tbl"
    fi
done

# --- correctness of the outputs of the last round ------------------------------------
echo "bench: checking outputs (rows and distinct keys per table)"
checks=(--files "$FILES" --duckdb "$OUT/w2-duckdb")
[ "${BENCH_W2_TBL:-1}" = 1 ] && checks+=(--duckdb "$OUT/w2-duckdb-tbl")
if [ "$sync_state" = ok ]; then
    checks+=(--sluice "$SOUT" final)
else
    checks+=(--sluice "$SOUT" raw)
fi
node bench/check_w2.mjs "${checks[@]}" > "$CHECKS"
sed 's/^/  /' "$CHECKS"

node bench/report_w2.mjs "$OUT" "$FILES" "$INPUT_BYTES" "$sync_state"
