#!/usr/bin/env node
// npm run bench:evaluate — `sla evaluate --probes` against DuckDB on the same probe NDJSON.
//
// Generates (seeded, in a temp dir) a 31-day month of probe results for 25 accounts, all four
// functions every minute (~4.46 M lines, ~400 MB) with outage bursts, excluded-cause failures,
// partial failures and a few personal-data fields; runs the bundled CLI on it and DuckDB's
// read_json + GROUP BY per account-minute; checks both give the same unavailable minutes per
// account; prints the figures, the last line a JSON object.
//
// Options (env): BENCH_ACCOUNTS (25), BENCH_DAYS (31), BENCH_RUNS (3), BENCH_KEEP=1 keeps the files.

import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 25);
const DAYS = Number(process.env.BENCH_DAYS ?? 31);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const FUNCTIONS = ['checkUpdate', 'publish', 'download', 'manage'];
const EXCLUDED = ['network', 'attack', 'credentials', 'customer', 'unsupported', 'external', 'suspended', 'legal'];

// mulberry32: small, seeded, good enough for test data
const rng = (seed) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const random = rng(20261129);
const pick = (list) => list[Math.floor(random() * list.length)];
const pad = (n) => String(n).padStart(2, '0');

const log = (message) => process.stderr.write(`${message}\n`);

const generate = (dir) => {
  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => `acc-${String(i + 1).padStart(3, '0')}`);
  const minutes = DAYS * 1440;
  // per account: minute → state of its incident (0 healthy, 1 platform outage, 2 excluded-cause outage, 3 partial failure)
  const incidents = accounts.map((_, a) => {
    const plan = new Uint8Array(minutes);
    const bursts = a % 5 === 0 ? 0 : 1 + Math.floor(random() * 6);
    for (let b = 0; b < bursts; b++) {
      const length = 1 + Math.floor(random() * (a % 3 === 0 ? 400 : 40));
      const start = Math.floor(random() * (minutes - length));
      const kind = random() < 0.7 ? 1 : random() < 0.5 ? 2 : 3;
      plan.fill(kind, start, start + length);
    }
    return plan;
  });
  const orders = accounts.map((accountId, i) => ({
    accountId,
    orderId: `ord-${accountId}`,
    startDate: '2026-07-01',
    months: 1,
    cashPaid: `${1000 + i * 37}.${pad(i)}`,
  }));
  const scenario = join(dir, 'scenario.json');
  writeFileSync(scenario, JSON.stringify({ orders }));

  const probes = join(dir, 'probes.ndjson');
  const fd = openSync(probes, 'w');
  let lines = 0;
  let chunk = [];
  const flush = () => {
    writeSync(fd, `${chunk.join('\n')}\n`);
    chunk = [];
  };
  for (let m = 0; m < minutes; m++) {
    const day = 1 + Math.floor(m / 1440);
    const stamp = `2026-07-${pad(day)}T${pad(Math.floor((m % 1440) / 60))}:${pad(m % 60)}`;
    for (let a = 0; a < ACCOUNTS; a++) {
      const kind = incidents[a][m];
      for (let f = 0; f < 4; f++) {
        const second = pad((f * 15 + a) % 60);
        const at = `${stamp}:${second}+08:00`;
        let tail;
        if (kind === 0 || (kind === 3 && f !== 1)) tail = '"ok":true';
        else if (kind === 2) tail = `"ok":false,"cause":"${pick(EXCLUDED)}"`;
        else tail = random() < 0.5 ? '"ok":false' : '"ok":false,"cause":"platform"';
        const extra =
          lines % 997 === 0
            ? `,"deviceModel":"Pixel 9","idfa":"6D92078A-8246-4BA4-AE5B-76104861E7DC","location":{"lat":31.23,"lng":121.47}`
            : lines % 10 === 0
              ? `,"latencyMs":${Math.floor(random() * 900)}`
              : '';
        chunk.push(`{"accountId":"${accounts[a]}","function":"${FUNCTIONS[f]}","at":"${at}",${tail}${extra}}`);
        lines++;
      }
    }
    if (chunk.length >= 40_000) flush();
  }
  flush();
  closeSync(fd);
  return { scenario, probes, lines, accounts };
};

const runSla = (scenario, probes) => {
  const started = performance.now();
  const run = spawnSync(
    process.execPath,
    [join(root, 'dist/sla.mjs'), 'evaluate', '--input', scenario, '--probes', probes, '--stats'],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const ms = performance.now() - started;
  if (run.status !== 0) throw new Error(`sla evaluate failed (${run.status}): ${run.stderr}`);
  const stats = JSON.parse(/stats: (.*)/.exec(run.stderr)?.[1] ?? '{}');
  const report = JSON.parse(run.stdout);
  const unavailable = new Map(report.serviceMonths.map((m) => [m.accountId, m.unavailableMinutes]));
  return { ms, rssMb: stats.maxRssMb, unavailable, slowLines: stats.slowLines, workers: stats.workers };
};

const runDuckdb = async (probes) => {
  const started = performance.now();
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const reader = await connection.runAndReadAll(`
    WITH minutes AS (
      SELECT accountId,
             floor(epoch(CAST("at" AS TIMESTAMPTZ)) / 60) AS minute,
             bool_or(ok) AS any_ok,
             bool_or(NOT ok AND coalesce(cause, 'platform') = 'platform') AS any_platform
      FROM read_json('${probes}', format = 'newline_delimited',
                     columns = {accountId: 'VARCHAR', "at": 'VARCHAR', ok: 'BOOLEAN', cause: 'VARCHAR'})
      GROUP BY ALL
    )
    SELECT accountId, count(*) FILTER (WHERE any_platform AND NOT any_ok) AS unavailable
    FROM minutes GROUP BY accountId ORDER BY accountId`);
  const rows = reader.getRowObjects();
  const ms = performance.now() - started;
  connection.closeSync();
  instance.closeSync();
  return { ms, unavailable: new Map(rows.map((r) => [String(r.accountId), Number(r.unavailable)])) };
};

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
const dir = mkdtempSync(join(tmpdir(), 'sla-bench-'));
try {
  const generatedAt = performance.now();
  const { scenario, probes, lines, accounts } = generate(dir);
  const bytes = statSync(probes).size;
  log(
    `generated ${lines} lines, ${(bytes / 1e6).toFixed(0)} MB in ${((performance.now() - generatedAt) / 1000).toFixed(1)} s`,
  );

  const slaRuns = [];
  const duckRuns = [];
  for (let r = 0; r < RUNS; r++) {
    slaRuns.push(runSla(scenario, probes));
    duckRuns.push(await runDuckdb(probes));
    log(
      `run ${r + 1}: sla ${slaRuns[r].ms.toFixed(0)} ms (${slaRuns[r].rssMb} MB), duckdb ${duckRuns[r].ms.toFixed(0)} ms`,
    );
  }
  const disagreements = accounts.filter(
    (a) => (slaRuns[0].unavailable.get(a) ?? 0) !== (duckRuns[0].unavailable.get(a) ?? 0),
  );
  if (disagreements.length > 0) {
    throw new Error(
      `sla and duckdb disagree on ${disagreements.length} accounts, e.g. ${disagreements[0]}: ` +
        `${slaRuns[0].unavailable.get(disagreements[0])} vs ${duckRuns[0].unavailable.get(disagreements[0])}`,
    );
  }
  const totalUnavailable = [...slaRuns[0].unavailable.values()].reduce((a, b) => a + b, 0);
  log(`both agree: ${totalUnavailable} unavailable minutes over ${accounts.length} accounts`);
  const slaMs = Math.round(median(slaRuns.map((r) => r.ms)));
  const duckdbMs = Math.round(median(duckRuns.map((r) => r.ms)));
  const result = {
    lines,
    mb: Math.round(bytes / 1e6),
    slaMs,
    duckdbMs,
    ratio: Math.round((slaMs / duckdbMs) * 100) / 100,
    slaPeakRssMb: Math.max(...slaRuns.map((r) => r.rssMb)),
    slowLines: slaRuns[0].slowLines,
    workers: slaRuns[0].workers,
    runs: RUNS,
  };
  console.log(JSON.stringify(result));
} finally {
  if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  else log(`kept ${dir}`);
}
