// DuckDB side of benchmark W3: generates N card transactions with SQL over range(N)
// and writes them with one COPY, the way a DuckDB user would generate test data, with
// DuckDB's own defaults (threads = cores). bench/run.sh (w3 mode) runs it under
// bench/peak, one process per run, so the figures include the node process.
//
// The columns are those of the `transactions` table of data/schemas/card_transactions.json,
// same names and types, and the distributions' parameters are read from that file
// (lognormal mu/sigma/clamp, channel weights, hour and weekday weights, fraud rate),
// so a change to the schema changes both sides. How each column is made, and where
// it differs from sluice's generators, is in bench/README.md (W3).
//
// DuckDB's range() is a single-threaded source, so the whole COPY runs on one core.
// With --ids-table the row numbers are first materialized in a table
// (CREATE TABLE ids AS SELECT range AS i FROM range(N)) and the same SQL reads them from
// it: a table scan is split over threads, and DuckDB uses both cores. Both variants
// are measured; the first is the one DESIGN.md's W3 figures describe.
//
// usage: node bench/duckdb_w3.mjs [--print-sql] [--ids-table] parquet|ndjson N OUTPUT
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const usage = () => {
  console.error('usage: node bench/duckdb_w3.mjs [--print-sql] [--ids-table] parquet|ndjson N OUTPUT');
  process.exit(2);
};
const args = process.argv.slice(2);
let printSql = false, idsTable = false;
while (args[0]?.startsWith('--')) {
  const a = args.shift();
  if (a === '--print-sql') printSql = true;
  else if (a === '--ids-table') idsTable = true;
  else usage();
}
const [format, nArg, output] = args;
const n = Number(nArg);
if (!['parquet', 'ndjson'].includes(format) || !Number.isSafeInteger(n) || n < 1 || (!output && !printSql)) usage();
const root = new URL('..', import.meta.url).pathname;
const schema = JSON.parse(readFileSync(`${root}data/schemas/card_transactions.json`, 'utf8'));
const table = (name) => schema.tables.find((t) => t.name === name);
const col = (t, name) => table(t).columns.find((c) => c.name === name);
const lit = (s) => `'${String(s).replaceAll("'", "''")}'`;
const num = (x) => {
  if (typeof x === 'string' && x.startsWith('$')) x = schema.params[x.slice(1)];
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`not a number: ${x}`);
  return String(x);
};

// Weighted choice from one uniform u in [0,1): CASE over the cumulative weights.
function weighted(u, values, weights) {
  const total = weights.reduce((a, b) => a + b, 0);
  let acc = 0;
  const arms = values.slice(0, -1).map((v, i) => {
    acc += weights[i];
    return `WHEN ${u} < ${(acc / total).toPrecision(12)} THEN ${v}`;
  });
  return `CASE ${arms.join(' ')} ELSE ${values[values.length - 1]} END`;
}

// A weighted dictionary (entry<TAB>...<TAB>weight) as SLOTS slots: slot s holds the
// entry whose cumulative weight covers (s + 0.5) / SLOTS; a row picks a slot uniformly
// and looks the entry up in constant lists (no join).
const SLOTS = 8192;
function dictionary(name) {
  const rows = readFileSync(`${root}data/dict/${name}.txt`, 'utf8').split('\n').filter(Boolean)
    .map((l) => l.split('\t'));
  const w = rows.map((r) => Number(r[r.length - 1]));
  const total = w.reduce((a, b) => a + b, 0);
  const slots = [];
  let i = 0, acc = w[0];
  for (let s = 0; s < SLOTS; s++) {
    while ((s + 0.5) / SLOTS * total > acc && i < rows.length - 1) acc += w[++i];
    slots.push(i + 1);
  }
  return { rows, slots: `[${slots.join(',')}]` };
}
const cities = dictionary('cities'); // city, state, weight
const countries = dictionary('countries'); // code, weight
const cityList = `[${cities.rows.map((r) => lit(r[0])).join(',')}]`;
const stateList = `[${cities.rows.map((r) => lit(r[1])).join(',')}]`;
const countryList = `[${countries.rows.map((r) => lit(r[0])).join(',')}]`;

// Zipf-like parent index in 1..n from a uniform u: the inverse CDF of the continuous
// density k^-s on [0.5, n + 0.5), rounded to the nearest integer (close to the discrete
// zipf's shape, not its exact probabilities).
const zipf = (u, n, s) => {
  const a = 0.5 ** (1 - s), b = (n + 0.5) ** (1 - s);
  return `least(greatest(round(pow(${a} + ${u} * ${b - a}, ${1 / (1 - s)})), 1), ${n})::BIGINT`;
};
const nCards = Math.ceil(n * table('cards').rows.ratio);
const nMerchants = table('merchants').rows;

const amount = col('transactions', 'amount');
const channel = col('transactions', 'channel');
const ev = col('transactions', 'event_time');
const fraud = col('transactions', 'is_fraud');
const cardRef = col('transactions', 'card_id');
const merchantRef = col('transactions', 'merchant_id');
if (!ev.min.startsWith('2026-01-01') || !ev.max.startsWith('2026-12-31')) throw new Error('event_time is not the year 2026');

// event_time: a week uniform in the 53 weeks from Monday 2025-12-29, a weekday by the
// weekday weights (Monday first), the days outside 2026 moved by 52 weeks into it (same
// weekday), an hour by the hour weights, then a uniform microsecond within the hour.
const DAY_US = 86400000000n, HOUR_US = 3600000000;
const jan1Days = Date.UTC(2026, 0, 1) / 86400000;
const weekday = weighted('u_wd', [0, 1, 2, 3, 4, 5, 6].map(String), ev.weekday_weights);
const hourExpr = weighted('u_h', [...Array(24).keys()].map(String), ev.hour_weights);

const sql = `
WITH r AS (
  SELECT i, random() AS u_card, random() AS u_merch, 1 - random() AS u1, random() AS u2,
         random() AS u_ch, floor(random() * 53)::INTEGER AS wk, random() AS u_wd, random() AS u_h,
         random() AS u_us, random() AS u_fr, random() AS u_city, random() AS u_cty
  FROM ${idsTable ? 'ids' : `range(${n}) t(i)`}
), s AS (
  SELECT i + 1 AS transaction_id,
    'CARD-' || lpad((hash(${zipf('u_card', nCards, cardRef.s)}) % 10000000000)::VARCHAR, 10, '0') AS card_id,
    'M' || lpad((hash(${zipf('u_merch', nMerchants, merchantRef.s)} + 1000000000) % 10000000)::VARCHAR, 7, '0') AS merchant_id,
    least(greatest(exp(${num(amount.mu)} + ${num(amount.sigma)} * sqrt(-2 * ln(u1)) * cos(2 * pi() * u2)),
                   ${num(amount.min)}), ${num(amount.max)})::DECIMAL(12,2) AS amount,
    ${lit(col('transactions', 'currency').value)} AS currency,
    ${weighted('u_ch', channel.values.map(lit), channel.weights)} AS channel,
    (7 * wk + ${weekday} - 3) AS doy0,
    ${hourExpr} AS hr,
    u_us, u_fr, u_city, u_cty
  FROM r
), e AS (
  SELECT *, (${jan1Days} + CASE WHEN doy0 < 0 THEN doy0 + 364 WHEN doy0 > 364 THEN doy0 - 364 ELSE doy0 END)
            * ${DAY_US} + hr * ${HOUR_US} + floor(u_us * ${HOUR_US})::BIGINT AS us
  FROM s
), t AS (
  SELECT *, make_timestamp(us) AS ts,
         ${cities.slots}[1 + floor(u_city * ${SLOTS})::INTEGER] AS city_i,
         ${countries.slots}[1 + floor(u_cty * ${SLOTS})::INTEGER] AS country_i
  FROM e
)
SELECT transaction_id, card_id, merchant_id, amount, currency, channel,
  make_timestamptz(us) AS event_time,
  u_fr < ${num(fraud.p)} AS is_fraud,
  ${format === 'parquet'
    ? `${cityList}[city_i] AS location_city, ${stateList}[city_i] AS location_state, ${countryList}[country_i] AS location_country,`
    : `struct_pack(city := ${cityList}[city_i], state := ${stateList}[city_i], country := ${countryList}[country_i]) AS location,`}
  ts::DATE AS txn_date,
  hour(ts)::INTEGER AS txn_hour,
  isodow(ts) >= 6 AS is_weekend,
  CASE WHEN amount < 10 THEN 'micro' WHEN amount < 50 THEN 'small' WHEN amount < 200 THEN 'medium'
       WHEN amount < 1000 THEN 'large' ELSE 'very_large' END AS amount_band
FROM t`;

if (printSql) {
  console.log(sql);
  process.exit(0);
}
const options = format === 'parquet' ? 'FORMAT parquet, COMPRESSION zstd' : 'FORMAT json';
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
await con.run(`SET TimeZone = 'UTC'`);
if (idsTable) await con.run(`CREATE TABLE ids AS SELECT range AS i FROM range(${n})`);
await con.run(`COPY (${sql}) TO ${lit(output)} (${options})`);
con.closeSync();
db.closeSync();
