// What an ingested dataset must hold, and what it does hold: the rows of job-result
// documents as the contract flattens them (docs/state-layout.md), against the rows
// DuckDB reads back from committed raw parts or final tables. Rows are compared as
// canonical text of every non-null value, so a lost, doubled or altered value fails.
import fs from 'node:fs';
import path from 'node:path';
import {duckQuery, sqlString} from './oracles.mjs';

const TS = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

/** One value in a form both sides agree on: numbers as JS number text, zoned
 * timestamps as epoch milliseconds, lists element by element. */
function canon(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return `n:${Number(v)}`;
  if (typeof v === 'number') return `n:${v}`;
  if (typeof v === 'boolean') return `b:${v}`;
  if (Array.isArray(v)) return v.map(canon);
  if (typeof v === 'string') {
    const m = TS.exec(v) ?? TS.exec(v.replace(/([+-]\d{2})$/, '$1:00'));
    return m ? `t:${Date.parse(v.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00'))}` : `s:${v}`;
  }
  throw new Error(`dataset: unexpected value ${v}`);
}

function rowText(obj, skip) {
  const keys = Object.keys(obj).filter((k) => !skip.has(k) && obj[k] !== null && obj[k] !== undefined).sort();
  return JSON.stringify(keys.map((k) => [k, canon(obj[k])]));
}

function flatten(o, prefix, out) {
  for (const [k, v] of Object.entries(o)) {
    const name = prefix ? `${prefix}_${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v, name, out);
    else out[name] = v;
  }
  return out;
}

const isObjectArray = (v) => Array.isArray(v) && v.length > 0 && v.every((e) => e !== null && typeof e === 'object' && !Array.isArray(e));

/** Expected rows per table (sorted canonical texts) of job-result documents given
 * as [{name, doc}]: each top-level array of objects is rows of its table; the rest
 * is the _documents row, with `_file`. */
export function expectedTables(docs) {
  const t = new Map();
  const add = (name, row) => (t.get(name) ?? t.set(name, []).get(name)).push(row);
  for (const {name, doc} of docs) {
    const rest = {_file: name};
    for (const [k, v] of Object.entries(doc)) {
      if (isObjectArray(v)) v.forEach((e) => add(k, rowText(flatten(e, '', {}), SYNTHETIC)));
      else if (!(Array.isArray(v) && v.length === 0)) rest[k] = v;
    }
    add('_documents', rowText(flatten(rest, '', {}), SYNTHETIC));
  }
  for (const rows of t.values()) rows.sort();
  return t;
}

const SYNTHETIC = new Set(['_key', '_parent_key', '_pos', '_hash', '_size', '_ingested_at', '_records']);

/** The committed parts, by table, that complete ledger lines name (a torn or
 * corrupt line names nothing). state: the state directory (--state-dir). */
export function committedParts(out, state = path.join(out, '_sluice')) {
  const dir = path.join(state, 'ledger');
  const parts = new Map();
  const inputs = [];
  if (!fs.existsSync(dir)) return {parts, inputs};
  for (const f of fs.readdirSync(dir).sort()) {
    if (!f.endsWith('.jsonl')) continue;
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    const lines = text.split('\n');
    lines.pop();   // after the last '\n': a torn line or nothing
    for (const line of lines) {
      let c;
      try { c = JSON.parse(line); } catch { continue; }
      for (const p of c.parts) (parts.get(p.table) ?? parts.set(p.table, []).get(p.table)).push(path.join(out, p.path));
      inputs.push(...c.inputs);
    }
  }
  return {parts, inputs};
}

async function tableRows(files) {
  const list = `[${files.map(sqlString).join(', ')}]`;
  const rows = await duckQuery(`SELECT * FROM read_parquet(${list}, union_by_name = true)`);
  return rows.map((r) => rowText(r, SYNTHETIC)).sort();
}

/** Rows per table of the committed raw parts, as DuckDB reads them. */
export async function committedTables(out, state) {
  const {parts} = committedParts(out, state);
  const t = new Map();
  for (const [name, files] of parts) t.set(name, await tableRows(files));
  return t;
}

/** Rows per table of the final tables OUT/<table>.parquet. */
export async function finalTables(out, names) {
  const t = new Map();
  for (const n of names) {
    const f = path.join(out, `${n}.parquet`);
    if (fs.existsSync(f)) t.set(n, await tableRows([f]));
  }
  return t;
}

/** Fails with the first differences when got and want differ in any table. */
export function compareTables(got, want, label = '') {
  const problems = [];
  for (const name of new Set([...want.keys(), ...got.keys()])) {
    const g = got.get(name) ?? [], w = want.get(name) ?? [];
    if (g.length === w.length && g.every((r, i) => r === w[i])) continue;
    const gc = new Map(), wc = new Map();
    for (const r of g) gc.set(r, (gc.get(r) ?? 0) + 1);
    for (const r of w) wc.set(r, (wc.get(r) ?? 0) + 1);
    const missing = [...wc].filter(([r, n]) => (gc.get(r) ?? 0) < n).slice(0, 3);
    const extra = [...gc].filter(([r, n]) => (wc.get(r) ?? 0) < n).slice(0, 3);
    problems.push(`${name}: ${g.length} rows, expected ${w.length}` +
      missing.map(([r]) => `\n  missing ${r.slice(0, 300)}`).join('') +
      extra.map(([r]) => `\n  extra   ${r.slice(0, 300)}`).join(''));
  }
  if (problems.length) throw new Error(`${label}\n${problems.join('\n')}`);
}

/** [{name, doc}] of the JSON files in dir. */
export function readDocs(dir) {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
    .map((name) => ({name, doc: JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'))}));
}
