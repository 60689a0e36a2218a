#!/bin/bash
# sync passes as the ledger grows (bench/README.md, "Sync passes as the ledger grows").
#
#   bench/sync_passes.sh [SLUICE ...]      default: build/sluice
#
# Ingests the W2 input (bench/data/w2-in-10000, made by `bench/run.sh w2`) in commits of
# 200 files, then for each binary given: makes the ledger visible one line at a time
# and runs `sluice sync --once` after each, and prints the CPU seconds of all passes,
# the largest peak RSS and the final tables' sizes. Binaries alternate, twice each.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- build/sluice
IN=bench/data/w2-in-10000
WORK=bench/out/sync-passes
[ -d "$IN" ] || { echo "sync_passes: $IN is missing: run 'bench/run.sh w2' once" >&2; exit 2; }
rm -rf "$WORK" && mkdir -p "$WORK"
cp -r "$IN" "$WORK/in"
"$1" ingest -i "$WORK/in" -o "$WORK/base" --once --settle 0 --commit-files 200 -j 1 -v warn 2>&1 | tail -1
ledger=$(ls "$WORK"/base/_sluice/ledger/*.jsonl)
cp "$ledger" "$WORK/lines.txt"
run() {   # BIN: prints "BIN cpu_s=... passes=... peak_kb=..."
    local bin=$1 out=$WORK/out cpu=0 peak=0 u s m
    rm -rf "$out" && cp -r "$WORK/base" "$out"
    local led
    led=$(ls "$out"/_sluice/ledger/*.jsonl)
    : > "$led"
    while IFS= read -r line; do
        printf '%s\n' "$line" >> "$led"
        /usr/bin/time -o "$WORK/time" -f "%U %S %M" "$bin" sync --output-dir "$out" --once > /dev/null 2>&1
        read -r u s m < "$WORK/time"
        cpu=$(echo "$cpu + $u + $s" | bc)
        [ "$m" -gt "$peak" ] && peak=$m
    done < "$WORK/lines.txt"
    echo "$bin cpu_s=$cpu passes=$(wc -l < "$WORK/lines.txt") peak_kb=$peak tables_bytes=$(cat "$out"/*.parquet | wc -c)"
}
for round in 1 2; do
    for bin in "$@"; do run "$bin"; done
done
