// Checks of benchmark W2's outputs, called by bench/w2.sh after the runs: a cheap
// check that sluice and DuckDB made the same tables from the same files. Per table
// (teachers, classes, students, student_classes) it counts the rows and the distinct
// primary keys (teacher_id, class_id, student_id, (student_id, class_id)) of each
// output, read with DuckDB, and requires them to be equal to the reference's (the
// first --duckdb output). For sluice it also requires FILES rows of _documents.
//
//   --sluice OUT final   sluice's final tables, OUT/<table>.parquet (a file, or a
//                        directory of parts), as `sluice sync` writes them
//   --sluice OUT raw     sluice's committed raw parts: exactly the parts named by the
//                        complete lines of OUT/_sluice/ledger/*.jsonl (a part that no
//                        line names is not committed), read with union_by_name
//   --duckdb DIR         DIR/<table>.parquet (bench/duckdb_w2.mjs)
//   --files N            the number of input files
//
// One JSON line per output on stdout: {"label","source","tables":{t:{rows,keys}},"ok",
// "mismatches"}.
// usage: node bench/check_w2.mjs --files N --duckdb DIR [--duckdb DIR] [--sluice OUT final|raw]
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const KEYS = {
  teachers: 'teacher_id', classes: 'class_id', students: 'student_id',
  student_classes: 'student_id, class_id',
};
const TABLES = Object.keys(KEYS);
const lit = (s) => `'${String(s).replaceAll("'", "''")}'`;

const outputs = [];
let files = null;
const args = process.argv.slice(2);
while (args.length) {
  const a = args.shift();
  if (a === '--files') files = Number(args.shift());
  else if (a === '--duckdb') outputs.push({ kind: 'duckdb', dir: args.shift() });
  else if (a === '--sluice') outputs.push({ kind: 'sluice', dir: args.shift(), source: args.shift() });
  else {
    console.error('usage: node bench/check_w2.mjs --files N --duckdb DIR [--duckdb DIR] [--sluice OUT final|raw]');
    process.exit(2);
  }
}

const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const one = async (q) => (await con.runAndReadAll(q)).getRowObjectsJson()[0];

// The committed parts of OUT, by table, from the ledger's complete lines.
function ledgerParts(out) {
  const dir = `${out}/_sluice/ledger`;
  const parts = {};
  let commits = 0, inputs = 0;
  for (const f of existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.jsonl')) : []) {
    const text = readFileSync(`${dir}/${f}`, 'utf8');
    const lines = text.split('\n');
    lines.pop(); // after the last newline: empty, or a line that was never completed
    for (const line of lines) {
      let c;
      try { c = JSON.parse(line); } catch { continue; }
      commits++;
      inputs += c.inputs?.length ?? 0;
      for (const p of c.parts ?? []) (parts[p.table] ??= []).push(`${out}/${p.path}`);
    }
  }
  return { parts, commits, inputs };
}

// A read_parquet() over the table's files, or null when there are none.
function sourceOf(o, t) {
  if (o.kind === 'duckdb') return existsSync(`${o.dir}/${t}.parquet`) ? `read_parquet(${lit(`${o.dir}/${t}.parquet`)})` : null;
  if (o.source === 'raw') {
    const ps = o.ledger.parts[t];
    return ps?.length ? `read_parquet([${ps.map(lit).join(', ')}], union_by_name = true)` : null;
  }
  const p = `${o.dir}/${t}.parquet`;
  if (!existsSync(p)) return null;
  return statSync(p).isDirectory() ? `read_parquet(${lit(`${p}/**/*.parquet`)}, union_by_name = true)`
    : `read_parquet(${lit(p)})`;
}

const results = [];
for (const o of outputs) {
  const r = { label: o.kind === 'duckdb' ? o.dir : `sluice ${o.source}`, dir: o.dir, source: o.source ?? 'duckdb',
    tables: {}, mismatches: [] };
  if (o.kind === 'sluice' && o.source === 'raw') {
    o.ledger = ledgerParts(o.dir);
    r.commits = o.ledger.commits;
    r.ledger_inputs = o.ledger.inputs;
    if (files !== null && o.ledger.inputs !== files) r.mismatches.push(`ledger names ${o.ledger.inputs} inputs, not ${files}`);
  }
  const tables = o.kind === 'sluice' ? [...TABLES, '_documents'] : TABLES;
  for (const t of tables) {
    const src = sourceOf(o, t);
    if (!src) {
      r.mismatches.push(`no ${t} table`);
      continue;
    }
    try {
      const q = t === '_documents' ? `SELECT count(*) AS rows FROM ${src}`
        : `SELECT count(*) AS rows, count(DISTINCT (${KEYS[t]})) AS keys FROM ${src}`;
      const x = await one(q);
      r.tables[t] = Object.fromEntries(Object.entries(x).map(([k, v]) => [k, Number(v)]));
    } catch (e) {
      r.mismatches.push(`${t}: ${e.message.split('\n')[0]}`);
    }
  }
  if (o.kind === 'sluice' && files !== null && r.tables._documents && r.tables._documents.rows !== files) {
    r.mismatches.push(`_documents has ${r.tables._documents.rows} rows, not ${files}`);
  }
  results.push(r);
}

// Everything against the first DuckDB output.
const ref = results.find((r) => r.source === 'duckdb');
for (const r of results) {
  if (!ref || r === ref) continue;
  for (const t of TABLES) {
    const a = r.tables[t], b = ref.tables[t];
    if (!a || !b) continue;
    if (a.rows !== b.rows) r.mismatches.push(`${t}: ${a.rows} rows, DuckDB ${b.rows}`);
    if (a.keys !== b.keys) r.mismatches.push(`${t}: ${a.keys} distinct keys, DuckDB ${b.keys}`);
  }
}
for (const r of results) {
  r.ok = r.mismatches.length === 0;
  console.log(JSON.stringify(r));
}
con.closeSync();
db.closeSync();
