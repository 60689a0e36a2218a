#!/usr/bin/env bash
# bench/sim.sh: the simulation benchmark of issue 5. Run it as `bench/run.sh sim`.
#
# A pool of SIM_JOBS (10,000) jobs on SIM_SLOTS (16) slots at an unlimited rate
# (--generator-rate 0, --job-runtime 0, no faults), with ingest and sync beside it,
# side by side in one run with the same batches generated without the pool:
#   sim:        sluice simulate --num-results N --slots S ...: every job a real
#               `sluice generate --shard P/N` child process, an event log, transfers
#               by rename, ingest --condor-log and sync --watch, a last sync pass
#   direct-procs: the same N batches, one `sluice generate --shard P/N -j 1` process
#               each, S at a time (xargs -P S): the jobs without the pool
#   direct-one: the same N batches from one `sluice generate --num-iterations N`
# Each under bench/out/peak (wall, peak RSS, CPU). Printed: jobs/s through the pool
# and through ingest, latency from a job's 005 to its rows' commit (p50/p95/p99, from
# simulation.json), and the pool's overhead: sim's jobs phase against direct-procs.
# The outputs are checked: the simulation must end with every job succeeded, every
# result ingested, and as many _documents rows as jobs; direct-procs must have
# written N files whose bytes equal direct-one's.
#
# Environment: SIM_JOBS (10000), SIM_SLOTS (16), SLUICE (build/sluice).
set -u
cd "$(dirname "$0")/.." || exit 2
N=${SIM_JOBS:-10000}
S=${SIM_SLOTS:-16}
SLUICE=${SLUICE:-build/sluice}
OUT=bench/out
mkdir -p "$OUT"
cc -O2 -std=c11 -o "$OUT/peak" bench/peak.c || exit 2
cp "$SLUICE" "$OUT/sim-sluice" || exit 2
BIN=$(realpath "$OUT/sim-sluice")
RES="$OUT/sim-results.jsonl"
: > "$RES"
rm -rf "$OUT/sim" "$OUT/sim-direct" "$OUT/sim-one"

echo "== sim: $N jobs on $S slots, unlimited rate (this takes a while)"
"$OUT/peak" -o "$RES" -l sim -- "$BIN" simulate --dir "$OUT/sim" --num-results "$N" --slots "$S" \
    --generator-rate 0 --job-runtime 0 --completion-wait 600 --timeout 3600 --performance-metrics \
    > "$OUT/sim-metrics.txt" || { echo "bench: simulate failed" >&2; exit 1; }
echo "== direct-procs: $N generate processes, $S at a time"
mkdir -p "$OUT/sim-direct"
"$OUT/peak" -o "$RES" -l direct-procs -- sh -c \
    "seq 0 $((N - 1)) | xargs -P $S -I{} '$BIN' generate --num-iterations $N --shard {}/$N --max-batch-size 10 -q -j 1 --output-dir '$OUT/sim-direct'" \
    || { echo "bench: direct generate failed" >&2; exit 1; }
echo "== direct-one: one generate process"
"$OUT/peak" -o "$RES" -l direct-one -- "$BIN" generate --num-iterations "$N" --max-batch-size 10 -q \
    --output-dir "$OUT/sim-one" || { echo "bench: generate failed" >&2; exit 1; }
[ "$(ls "$OUT/sim-direct" | wc -l)" = "$N" ] && diff -rq "$OUT/sim-direct" "$OUT/sim-one" >/dev/null \
    || { echo "bench: direct-procs and direct-one differ" >&2; exit 1; }
node - "$RES" "$OUT/sim/output/_sluice/simulation.json" "$N" "$S" <<'JS'
const fs = require('fs');
const [res, simf, n, s] = process.argv.slice(2);
const runs = Object.fromEntries(fs.readFileSync(res, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).map((r) => [r.label, r]));
const sim = JSON.parse(fs.readFileSync(simf, 'utf8'));
let ok = sim.jobs.succeeded === +n && sim.results.ingested === +n;
const docs = sim.tables.find((t) => t.name === '_documents');
ok = ok && docs && docs.rows === +n;
const f = (x, d = 2) => Number(x).toFixed(d);
console.log(`\nsimulation, ${n} jobs on ${s} slots (2 cores):`);
console.log(`  label          wall s   peak MB   cpu s`);
for (const k of ['sim', 'direct-procs', 'direct-one']) {
  const r = runs[k];
  console.log(`  ${k.padEnd(13)} ${f(r.wall_s).padStart(7)} ${f(r.peak_rss_mb, 1).padStart(9)} ${f(r.user_s + r.sys_s).padStart(7)}`);
}
const jobsS = sim.rates.jobs_seconds;
console.log(`  jobs through the pool: ${f(sim.rates.jobs_per_second, 1)} jobs/s (${f(jobsS)} s for the jobs phase)`);
console.log(`  ingest: ${f(sim.rates.results_ingested_per_second, 1)} results/s, ${f(sim.rates.rows_ingested_per_second, 0)} rows/s`);
console.log(`  latency job end -> rows committed: p50 ${f(sim.latency_ms.p50, 0)} ms, p95 ${f(sim.latency_ms.p95, 0)} ms, p99 ${f(sim.latency_ms.p99, 0)} ms`);
console.log(`  pool overhead: jobs phase / direct-procs = ${f(jobsS / runs['direct-procs'].wall_s)}x; whole sim / direct-procs = ${f(runs.sim.wall_s / runs['direct-procs'].wall_s)}x; direct-procs / direct-one = ${f(runs['direct-procs'].wall_s / runs['direct-one'].wall_s)}x`);
for (const [k, v] of Object.entries(sim.resources)) console.log(`  ${k.padEnd(7)} cpu ${f(v.cpu_seconds)} s, peak ${f(v.peak_rss_kb / 1024, 1)} MB`);
console.log(ok ? '  check: every job succeeded, every result ingested once' : '  check: FAILED (jobs or rows missing)');
fs.writeFileSync(res.replace('.jsonl', '.json'), JSON.stringify({runs, simulation: {rates: sim.rates, latency_ms: sim.latency_ms, resources: sim.resources, jobs: sim.jobs, results: sim.results}}, null, 2));
process.exit(ok ? 0 : 1);
JS
