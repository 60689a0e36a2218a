// Checks of benchmark W3's outputs, called by bench/run.sh (w3 mode) after the runs.
// One JSON line per file on stdout, then a side-by-side table of the distributions of
// the largest Parquet outputs on stderr (so that a reader can see how comparable sluice's data and DuckDB's SQL are).
//
//   --parquet FILE N   opens FILE in DuckDB: N rows, the 15 columns of W3 with their
//                      types, transaction_id 1..N, the derived columns consistent with
//                      event_time and amount; plus distribution figures
//   --ndjson FILE N    N lines (counted by bytes), the first line a JSON object with the
//                      W3 fields and a nested location
//   --tables DIR       row counts of DIR/*.parquet (the school run), no expectation
//
// usage: node bench/check_w3.mjs [--parquet FILE N | --ndjson FILE N | --tables DIR]...
import { closeSync, openSync, readSync, readdirSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const COLUMNS = {
  transaction_id: 'BIGINT', card_id: 'VARCHAR', merchant_id: 'VARCHAR', amount: 'DECIMAL(12,2)',
  currency: 'VARCHAR', channel: 'VARCHAR', event_time: 'TIMESTAMP WITH TIME ZONE', is_fraud: 'BOOLEAN',
  location_city: 'VARCHAR', location_state: 'VARCHAR', location_country: 'VARCHAR', txn_date: 'DATE',
  txn_hour: 'INTEGER', is_weekend: 'BOOLEAN', amount_band: 'VARCHAR',
};
const lit = (s) => `'${String(s).replaceAll("'", "''")}'`;
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
await con.run(`SET TimeZone = 'UTC'`);
const rows = async (q) => (await con.runAndReadAll(q)).getRowObjectsJson();
const one = async (q) => (await rows(q))[0];

async function checkParquet(file, n) {
  const problems = [];
  const got = {};
  try {
    const desc = await rows(`DESCRIBE SELECT * FROM read_parquet(${lit(file)})`);
    const types = Object.fromEntries(desc.map((d) => [d.column_name, d.column_type]));
    if (JSON.stringify(Object.keys(types)) !== JSON.stringify(Object.keys(COLUMNS))) {
      problems.push(`columns ${Object.keys(types).join(',')}`);
    }
    for (const [c, t] of Object.entries(COLUMNS)) if (types[c] && types[c] !== t) problems.push(`${c} is ${types[c]}, not ${t}`);
    if (problems.length) return { file, ok: false, mismatches: problems };
    const src = `read_parquet(${lit(file)})`;
    const a = await one(`SELECT count(*) AS n, min(transaction_id) AS id_min, max(transaction_id) AS id_max,
      count(*) FILTER (WHERE txn_date <> event_time::DATE OR txn_hour <> hour(event_time)
                          OR is_weekend <> (isodow(event_time) >= 6)
                          OR amount_band <> CASE WHEN amount < 10 THEN 'micro' WHEN amount < 50 THEN 'small'
                             WHEN amount < 200 THEN 'medium' WHEN amount < 1000 THEN 'large' ELSE 'very_large' END)
        AS derived_wrong,
      count(*) FILTER (WHERE event_time < TIMESTAMPTZ '2026-01-01 00:00:00+00'
                          OR event_time >= TIMESTAMPTZ '2027-01-01 00:00:00+00') AS outside_2026,
      count(*) FILTER (WHERE transaction_id IS NULL OR card_id IS NULL OR merchant_id IS NULL OR amount IS NULL
                          OR event_time IS NULL OR location_city IS NULL OR location_country IS NULL) AS nulls,
      round(avg(amount), 2) AS amount_mean, quantile_cont(amount, 0.5)::DOUBLE AS amount_median,
      quantile_cont(amount, 0.99)::DOUBLE AS amount_p99, max(amount)::DOUBLE AS amount_max,
      round(avg(is_fraud::INT), 4) AS fraud_rate, round(avg(is_weekend::INT), 4) AS weekend_share,
      round(avg((channel = 'online')::INT), 4) AS online_share, round(avg((channel = 'atm')::INT), 4) AS atm_share,
      round(avg((location_country = 'US')::INT), 4) AS us_share,
      round(avg((location_city = 'New York')::INT), 4) AS new_york_share,
      round(avg((txn_hour BETWEEN 0 AND 5)::INT), 4) AS night_share,
      round(avg((txn_hour = 12)::INT), 4) AS noon_share,
      count(DISTINCT card_id) AS cards, count(DISTINCT merchant_id) AS merchants
      FROM ${src}`);
    const top = await one(`SELECT round(max(c) / sum(c), 4) AS top_card_share FROM
      (SELECT count(*) AS c FROM ${src} GROUP BY card_id)`);
    const topm = await one(`SELECT round(max(c) / sum(c), 4) AS top_merchant_share FROM
      (SELECT count(*) AS c FROM ${src} GROUP BY merchant_id)`);
    Object.assign(got, a, top, topm);
    for (const k of Object.keys(got)) if (typeof got[k] === 'string' && /^-?[0-9.]+$/.test(got[k])) got[k] = Number(got[k]);
    if (got.n !== n) problems.push(`${got.n} rows, expected ${n}`);
    if (got.id_min !== 1 || got.id_max !== n) problems.push(`transaction_id ${got.id_min}..${got.id_max}, expected 1..${n}`);
    if (got.derived_wrong) problems.push(`${got.derived_wrong} rows with derived columns inconsistent with event_time/amount`);
    if (got.outside_2026) problems.push(`${got.outside_2026} event_time outside 2026`);
    if (got.nulls) problems.push(`${got.nulls} rows with nulls`);
  } catch (e) {
    problems.push(String(e.message || e).split('\n')[0]);
  }
  return { file, ok: problems.length === 0, mismatches: problems, got };
}

// Counts newlines in big blocks; the last byte must be a newline.
function checkNdjson(file, n) {
  const problems = [];
  let lines = 0, first = '', last = -1;
  try {
    const fd = openSync(file, 'r');
    const buf = Buffer.allocUnsafe(1 << 24);
    for (;;) {
      const k = readSync(fd, buf, 0, buf.length, null);
      if (k === 0) break;
      if (!first) first = buf.subarray(0, Math.min(k, 4096)).toString('utf8').split('\n')[0];
      let i = -1;
      while ((i = buf.indexOf(10, i + 1)) !== -1 && i < k) lines++;
      last = buf[k - 1];
    }
    closeSync(fd);
    if (lines !== n) problems.push(`${lines} lines, expected ${n}`);
    if (last !== 10) problems.push('does not end with a newline');
    const o = JSON.parse(first);
    const want = ['transaction_id', 'card_id', 'merchant_id', 'amount', 'currency', 'channel', 'event_time',
      'is_fraud', 'location', 'txn_date', 'txn_hour', 'is_weekend', 'amount_band'];
    if (JSON.stringify(Object.keys(o)) !== JSON.stringify(want)) problems.push(`first line's fields: ${Object.keys(o).join(',')}`);
    else if (JSON.stringify(Object.keys(o.location)) !== '["city","state","country"]') problems.push('location is not {city,state,country}');
    return { file, ok: problems.length === 0, mismatches: problems, got: { lines, first } };
  } catch (e) {
    problems.push(String(e.message || e).split('\n')[0]);
    return { file, ok: false, mismatches: problems };
  }
}

async function countTables(dir) {
  try {
    const files = readdirSync(dir).filter((f) => f.endsWith('.parquet')).sort();
    const tables = {};
    for (const f of files) {
      const r = await one(`SELECT count(*) AS n FROM read_parquet(${lit(`${dir}/${f}`)})`);
      tables[f.replace(/\.parquet$/, '')] = Number(r.n);
    }
    const total = Object.values(tables).reduce((a, b) => a + b, 0);
    const ok = files.length > 0 && total > 0;
    return { file: dir, ok, mismatches: ok ? [] : ['no rows'], got: { tables, rows: total } };
  } catch (e) {
    return { file: dir, ok: false, mismatches: [String(e.message || e).split('\n')[0]] };
  }
}

const args = process.argv.slice(2);
const parquet = [];
for (let i = 0; i < args.length; i++) {
  let r;
  if (args[i] === '--parquet') {
    r = await checkParquet(args[i + 1], Number(args[i + 2]));
    parquet.push(r);
    i += 2;
  } else if (args[i] === '--ndjson') {
    r = checkNdjson(args[i + 1], Number(args[i + 2]));
    i += 2;
  } else if (args[i] === '--tables') {
    r = await countTables(args[i + 1]);
    i += 1;
  } else {
    console.error(`check_w3: unknown argument ${args[i]}`);
    process.exit(2);
  }
  console.log(JSON.stringify(r));
}
con.closeSync();
db.closeSync();

// Side by side: the distributions of the Parquet outputs.
const most = Math.max(0, ...parquet.map((p) => p.got?.n ?? 0));
const shown = parquet.filter((p) => p.got && p.got.n === most);
if (shown.length) {
  const keys = Object.keys(shown[0].got).filter((k) => !['n', 'id_min', 'id_max', 'derived_wrong', 'outside_2026', 'nulls'].includes(k));
  const name = (f) => f.split('/').pop().replace(/^w3-/, '').replace(/\.parquet$/, '');
  console.error(`${'distribution'.padEnd(20)} ${shown.map((p) => name(p.file).padStart(24)).join(' ')}`);
  for (const k of keys) console.error(`${k.padEnd(20)} ${shown.map((p) => String(p.got[k]).padStart(24)).join(' ')}`);
}
