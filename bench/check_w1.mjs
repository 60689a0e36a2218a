// Correctness check for benchmark W1: reads each tool's Parquet output with DuckDB
// and compares it with the checksums w1gen computed while writing the input
// (w1gen --stats). A benchmark whose output is wrong is a failed benchmark, so
// bench/run.sh fails on any mismatch here. It also prints a fingerprint of the string
// columns, so outputs can be compared with each other.
//
// The nested `location` may come back as a struct (DuckDB, Polars) or flattened to
// location_city, ... (sluice, DESIGN.md section 3); both are accepted. Timestamps
// may be a TIMESTAMP column or ISO 8601 text; both are compared as epoch seconds.
//
// usage: node bench/check_w1.mjs EXPECT.json OUTPUT.parquet...
// Prints one JSON line per file: {file, ok, got: {...}, mismatches: [...]}; exits 1
// if any file mismatches or cannot be read.
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const [expectPath, ...files] = process.argv.slice(2);
if (!expectPath || files.length === 0) {
  console.error('usage: node bench/check_w1.mjs EXPECT.json OUTPUT.parquet...');
  process.exit(2);
}
const expect = JSON.parse(readFileSync(expectPath, 'utf8'));
const lit = (s) => `'${s.replaceAll("'", "''")}'`;

const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
await con.run("SET TimeZone = 'UTC'");

async function check(file) {
  const src = `read_parquet(${lit(file)})`;
  const cols = new Set((await con.runAndReadAll(`DESCRIBE SELECT * FROM ${src}`))
    .getRowObjectsJS().map((r) => r.column_name));
  const loc = (f) => (cols.has(`location_${f}`) ? `location_${f}` : `location.${f}`);
  const sql = `SELECT
      count(*)                                              AS rows,
      sum(round(amount * 100)::BIGINT)                      AS amount_cents,
      count(note)                                           AS notes,
      sum(strlen(note))                                     AS note_bytes,
      count_if(is_fraud)                                    AS frauds,
      sum(mcc)                                              AS mcc_sum,
      sum(round(${loc('lat')} * 10000)::BIGINT)             AS lat_e4,
      sum(epoch(CAST("timestamp" AS TIMESTAMPTZ))::BIGINT)  AS epoch_sum,
      count(DISTINCT transaction_id)                        AS distinct_tx,
      sum(hash(transaction_id, card_id, merchant_id, category,
               ${loc('city')}, ${loc('country')}, note) % 1000000007) AS string_fingerprint
    FROM ${src}`;
  const got = (await con.runAndReadAll(sql)).getRowObjectsJS()[0];
  for (const k of Object.keys(got)) got[k] = got[k] === null ? null : Number(got[k]);
  const want = { ...expect, distinct_tx: expect.rows };
  delete want.seed;
  const mismatches = Object.keys(want)
    .filter((k) => got[k] !== want[k])
    .map((k) => `${k}: got ${got[k]}, want ${want[k]}`);
  return { file, ok: mismatches.length === 0, got, mismatches };
}

let failed = false;
for (const file of files) {
  let r;
  try {
    r = await check(file);
  } catch (e) {
    r = { file, ok: false, got: null, mismatches: [`cannot read: ${e.message.split('\n')[0]}`] };
  }
  failed ||= !r.ok;
  console.log(JSON.stringify(r));
}
con.closeSync();
db.closeSync();
process.exit(failed ? 1 : 0);
