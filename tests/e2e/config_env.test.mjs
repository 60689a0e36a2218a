// Configuration layers (DESIGN.md section 2): flags, then SLUICE_* environment
// variables, then an env file (--config-env FILE or SLUICE_CONFIG_ENV), with
// SLUICE_<COMMAND>_<OPTION> over SLUICE_<OPTION> in each. Each setting is checked
// by its effect: the files a run writes must be byte-equal to those of a run given
// the same settings as flags.
import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {spawnSync} from 'node:child_process';
import {SLUICE, sluice} from './lib/run.mjs';

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-e2e-config-'));
after(() => fs.rmSync(TMP, {recursive: true, force: true}));

let seq = 0;
/** Generates card transactions into a fresh directory; returns {file: bytes}. */
function gen(args, env) {
  const d = path.join(TMP, `g${seq++}`);
  const r = sluice(['generate', '-q', '--schema', 'card_transactions', '-d', d, ...args], env);
  assert.equal(r.status, 0, r.stderr);
  return Object.fromEntries(fs.readdirSync(d).sort().map((f) => [f, fs.readFileSync(path.join(d, f))]));
}

function envFile(text) {
  const f = path.join(TMP, `c${seq++}.env`);
  fs.writeFileSync(f, text);
  return f;
}

const same = (a, b, what) => {
  assert.deepEqual(Object.keys(a), Object.keys(b), what);
  for (const k of Object.keys(a)) assert.ok(a[k].equals(b[k]), `${what}: ${k} differs`);
};

test('environment variables set options; flags win over them', () => {
  const want = gen(['--n', '7', '-f', 'ndjson', '--seed', '5']);
  same(gen([], {SLUICE_N: '7', SLUICE_FORMAT: 'ndjson', SLUICE_SEED: '5'}), want, 'env');
  same(gen(['--n', '7'], {SLUICE_N: '300', SLUICE_FORMAT: 'ndjson', SLUICE_SEED: '5'}), want, 'flag over env');
  assert.equal(want['transactions.ndjson'].toString().trim().split('\n').length, 7);
  // scoped names win; another command's scoped names do nothing here
  same(gen([], {SLUICE_N: '300', SLUICE_GENERATE_N: '7', SLUICE_INGEST_N: '50', SLUICE_FORMAT: 'ndjson',
    SLUICE_SEED: '5', SLUICE_NOT_AN_OPTION: 'x'}), want, 'scoped');
});

test('an env file sets options under the environment; quotes, comments and continued lines', () => {
  const want = gen(['--n', '9', '-f', 'csv', '--seed', '3']);
  const f = envFile('# sluice settings\n; also a comment\n\nSLUICE_N = 9\nSLUICE_GENERATE_FORMAT="csv"\n' +
    "SLUICE_SEED='4'\nSLUICE_GENERATE_SEED=\\\n3\nOTHER_SERVICE_SETTING=1\n");
  same(gen(['--config-env', f]), want, 'file');
  same(gen([`--config-env=${f}`]), want, 'file, --config-env=');
  same(gen([], {SLUICE_CONFIG_ENV: f}), want, 'SLUICE_CONFIG_ENV');
  // the environment over the file, the command line over both
  same(gen(['--config-env', f], {SLUICE_GENERATE_SEED: '4', SLUICE_N: '100'}), gen(['--n', '100', '-f', 'csv', '--seed', '4']), 'env over file');
  same(gen(['--config-env', f, '--seed', '3'], {SLUICE_GENERATE_SEED: '4'}), want, 'flag over env over file');
});

test('a service configured by one file: ingest --once from SLUICE_* with a quoted path holding spaces', () => {
  const base = path.join(TMP, 'svc dir');
  const inDir = path.join(base, 'in'), outDir = path.join(base, 'out');
  fs.mkdirSync(inDir, {recursive: true});
  const g = sluice(['generate', '-q', '--num-iterations', '6', '--max-batch-size', '3', '-d', inDir]);
  assert.equal(g.status, 0, g.stderr);
  const f = envFile(`SLUICE_INPUT_DIR="${inDir}"\nSLUICE_OUTPUT_DIR="${outDir}"\nSLUICE_INGEST_ONCE=true\n` +
    'SLUICE_SETTLE=0\nSLUICE_VERBOSITY=warn\n');
  const r = sluice(['ingest', '--config-env', f]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /6 files committed/);
  assert.equal(fs.readdirSync(path.join(outDir, 'processed')).length, 6);
  // a flag the environment turns off: ingest then watches, until SIGTERM
  const r2 = spawnSync(SLUICE, ['ingest', '--config-env', f], {encoding: 'utf8', timeout: 1500, killSignal: 'SIGTERM',
    env: {...process.env, SLUICE_ONCE: 'false'}});
  assert.equal(r2.signal, null, 'ingest exits 0 on SIGTERM');
  assert.equal(r2.status, 0, r2.stderr);
  assert.ok(r2.stderr === '' || !/files committed/.test(r2.stderr) || /0 files committed/.test(r2.stderr), r2.stderr);
});

test('bad settings are usage errors naming where they came from', () => {
  const cases = [
    [[], {SLUICE_N: 'x'}, /^sluice: usage: SLUICE_N \(environment\): option '--n' expects N, got 'x'/],
    [['ingest', '-i', TMP, '-o', TMP], {SLUICE_ONCE: 'maybe'}, /SLUICE_ONCE \(environment\): option '--once' expects true or false/],
    [['--config-env', envFile('SLUICE_N=1\nSLUICE_SEED="3\n')], {}, /c\d+\.env:2:13 \(byte 23\): a " that is never closed/],
    [['--config-env', envFile('SLUICE_N=1\nexport SLUICE_SEED=3\n')], {}, /c\d+\.env:2:8 \(byte 18\): expected '=' after the key/],
    [['--config-env', envFile('SLUICE_GENERATE_N=-3\n')], {}, /c\d+\.env:1: SLUICE_GENERATE_N: option '--n' expects N, got '-3'/],
    [['--config-env', path.join(TMP, 'missing.env')], {}, /^sluice: config-env: cannot open '.*missing\.env'/],
    [['--config-env'], {}, /option '--config-env' needs FILE/],
  ];
  for (const [args, env, re] of cases) {
    const a = args[0] === 'ingest' ? args : ['generate', '-q', '-d', path.join(TMP, `e${seq++}`), ...args];
    const r = sluice(a, env);
    assert.equal(r.status, 2, `${a.join(' ')}: exit ${r.status}\n${r.stderr}`);
    assert.match(r.stderr, re);
  }
  // --help works whatever the environment says
  const h = sluice(['generate', '--help'], {SLUICE_N: 'x'});
  assert.equal(h.status, 0);
  assert.match(h.stdout, /--config-env FILE/);
  assert.match(h.stdout, /SLUICE_<COMMAND>_<OPTION>/);
});
