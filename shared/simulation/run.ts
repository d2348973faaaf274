// The embedded local run of a simulated month (`npm start`, `sla start`): the real handlers on the
// embedded stand-ins, under a controlled clock.
//
// Primary course:
//   1. generate the month (generate.ts) and write it as a scenario of the `sla evaluate` contract:
//      DIR/scenario/scenario.json + probes.ndjson (+ simulation.json: roles, incidents, cadence);
//   2. start dynalite (in memory, in a child process) and the notice queue (local-aws-sqs);
//      register orders, maintenance, exclusions, prober endpoints and contacts with the registry
//      functions the operator verbs use;
//   3. serve the probe feed on 127.0.0.1 (hourly windows of probes.ndjson) and run the scheduled
//      functions as EventBridge Scheduler would, the clock stepped through the month: the feed
//      puller (functions/ingest-probe-feed.ts) when each window has closed, the compaction
//      (functions/compact-minute-facts.ts) daily at 11:00;
//   4. the month-end state machine (the synthesized definition in aws-local-stepfunctions, the
//      real steps), started as scheduled on the 1st; its notices when the claim windows open;
//   5. the notice worker (functions/notice-worker.ts, outbox channel) on the queue's messages, as
//      Lambda's event source mapping hands them over: DIR/outbox/, one file a notice;
//   6. the claims through the claims intake (shared/claims/record-claim.ts), each as it is filed;
//   7. DIR/report.json (the `sla evaluate` report of the stored results) and the month report
//      (DIR/report.html, report.en.html: shared/report).

import { spawn } from 'node:child_process';
import { closeSync, createReadStream, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import type { Table } from '#adapters/dynamodb/table.ts';
import type { NoticeQueue } from '#adapters/sqs/notice-queue.ts';
import { type EvaluatedMonth, serviceMonthKey } from '#domain/evaluate.ts';
import { formatMoney } from '#domain/fees.ts';
import { MINUTES_PER_DAY, MS_PER_MINUTE } from '#domain/instant.ts';
import { MinuteFacts } from '#domain/minute-facts.ts';
import type { MonthEndInput, MonthEndOutput } from '#month-end/contracts.ts';
import { type ClaimReport, evaluateScenario, type Report } from '#scenario/evaluate-scenario.ts';
import { parseScenario, type Scenario } from '#scenario/parse-scenario.ts';
import { deliverQueuedNotices } from '../notices/local-worker.ts';
import { generateSimulation, type Simulation } from './generate.ts';

/**
 * Runs one execution of the month-end state machine locally (cli/month-end-local.ts: the
 * synthesized definition in aws-local-stepfunctions, its Wait overridden), notices to `queue`.
 */
export type MonthEndRunner = (
  table: Table,
  input: MonthEndInput,
  options: { readonly queue: NoticeQueue; readonly settings: { readonly now: () => Date } },
) => Promise<{ readonly output: MonthEndOutput; readonly noticesDeferredUntil?: string }>;

export interface SimulationRunOptions {
  readonly month: string;
  readonly accounts: number;
  readonly seed: number;
  /** the run writes into OUT/<month>/ */
  readonly outDir: string;
  /** one progress line (no newline) */
  readonly progress: (line: string) => void;
  readonly runMonthEnd: MonthEndRunner;
}

export interface TierTally {
  met: number;
  tier10: number;
  tier25: number;
  tier100: number;
}

export interface SimulationRunResult {
  readonly month: string;
  readonly dir: string;
  readonly reportFile: string;
  /** the month report's pages (zh-CN, en) */
  readonly monthReport: { readonly zh: string; readonly en: string };
  readonly outboxDir: string;
  readonly scenarioFile: string;
  readonly probesFile: string;
  readonly cadence: string;
  readonly probeLines: number;
  readonly probeBytes: number;
  readonly feedWindows: number;
  readonly compactedDays: number;
  readonly accounts: number;
  readonly serviceMonths: number;
  /** accounts by the tier of their worst service month in the month */
  readonly accountTiers: TierTally;
  readonly voucherTotal: string;
  readonly coverageGaps: number;
  readonly noticesQueued: number;
  readonly noticesDelivered: number;
  readonly claimsAccepted: number;
  readonly claimsRejected: number;
  readonly ignoredProbes: number;
  readonly droppedFields: number;
  readonly opensOn: string;
  readonly wallMs: number;
  readonly stepMs: Readonly<Record<string, number>>;
}

const STEPS = 7;
const FEED_TOKEN = 'simulated-feed-token';
const RETENTION_DAYS = 30;
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;
const count = (n: number): string => n.toLocaleString('en');

export const runSimulation = async (options: SimulationRunOptions): Promise<SimulationRunResult> => {
  const started = performance.now();
  const stepMs: Record<string, number> = {};
  let stepStarted = started;
  const step = (n: number, text: string): void => {
    stepStarted = performance.now();
    options.progress(`[${n}/${STEPS}] ${text}`);
  };
  const stepDone = (name: string): void => {
    stepMs[name] = Math.round(performance.now() - stepStarted);
  };
  const dir = join(options.outDir, options.month);

  // 1. the simulated month, written as a scenario anyone can evaluate
  step(1, `generating ${options.accounts} accounts for ${options.month} (seed ${options.seed})…`);
  const sim = generateSimulation({ month: options.month, accounts: options.accounts, seed: options.seed });
  const scenarioDir = join(dir, 'scenario');
  const outboxDir = join(dir, 'outbox');
  for (const stale of [scenarioDir, outboxDir]) rmSync(stale, { recursive: true, force: true });
  mkdirSync(scenarioDir, { recursive: true });
  const scenarioFile = join(scenarioDir, 'scenario.json');
  const probesFile = join(scenarioDir, 'probes.ndjson');
  const scenarioText = `${JSON.stringify(sim.scenario, null, 2)}\n`;
  const parsed = parseScenario(scenarioText, scenarioFile);
  if (parsed.problems) {
    throw new Error(
      `the generated scenario is not valid: ${parsed.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
    );
  }
  writeFileSync(scenarioFile, scenarioText);
  const { offsets, lines: probeLines } = writeProbeFile(sim, probesFile);
  const probeBytes = offsets[offsets.length - 1] ?? 0;
  writeFileSync(
    join(scenarioDir, 'simulation.json'),
    `${JSON.stringify(
      {
        month: options.month,
        seed: options.seed,
        timeZone: sim.timeZone,
        cadence: sim.cadence,
        probeLines,
        feedWindows: sim.feed.windows,
        claimWindow: sim.claimWindow,
        accounts: sim.accounts,
        incidents: sim.incidents,
        evaluate: `sla evaluate --input ${scenarioFile} --probes ${probesFile}`,
      },
      null,
      2,
    )}\n`,
  );
  options.progress(
    `      ${count(probeLines)} probe results (${mb(probeBytes)}), ${sim.incidents.length} scripted incidents; cadence: ${sim.cadence}`,
  );
  stepDone('generate');

  // 2. the embedded stand-ins and the registry
  step(2, 'registering orders, maintenance, exclusions, prober endpoints and contacts (embedded dynalite)…');
  // the functions' Powertools logger and metrics stay quiet unless asked for
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const { startLocalSqs } = await import('#adapters/sqs/local-sqs.ts');
  const local = await startDynaliteProcess('tcmpp-sla-start');
  const sqs = await startLocalSqs();
  const feedServer = await serveFeed(sim, probesFile, offsets);
  try {
    const { table } = local;
    await register(table, sim);
    stepDone('registry');

    // 3. the scheduled functions, the clock stepped through the month
    const feedUrl = `http://127.0.0.1:${(feedServer.address() as AddressInfo).port}/`;
    step(3, `probe feed on ${feedUrl}: ${sim.feed.windows} hourly windows through the ingest-probe-feed handler…`);
    const ingest = await ingestMonth(table, sim, feedUrl, options.progress);
    stepDone('ingest');

    // 4. the month-end: started by the schedule on the 1st at 02:00, it evaluates and summarises,
    // then waits for the claim windows. A local run does not wait days (cli/month-end-local.ts:
    // before opensAt its notify step decides nothing); the wait's end is played by starting the
    // same scheduled run again at opensAt — a duplicate start, which re-evaluates nothing (the
    // facts are unchanged) and now queues the notices.
    const zone = sim.timeZone;
    const scheduledAt = DateTime.fromISO(`${options.month}-01`, { zone }).plus({ months: 1 }).set({ hour: 2 });
    const opensAt = DateTime.fromISO(sim.claimWindow.opensOn, { zone }).startOf('day');
    const localTime = (dt: DateTime): string => dt.toFormat('yyyy-MM-dd HH:mm');
    step(
      4,
      `month-end state machine (aws-local-stepfunctions, the synthesized definition): scheduled start ${localTime(scheduledAt)}…`,
    );
    let clock = scheduledAt.toMillis();
    const input = { month: options.month, reason: 'scheduled', requestedBy: 'schedule' } as const;
    const settings = { now: () => new Date(clock) };
    const scheduled = await options.runMonthEnd(table, input, { queue: sqs.queue, settings });
    const { summary } = scheduled.output;
    const problems = (run: typeof scheduled): string[] =>
      [...run.output.summary.failed, ...run.output.notices.flatMap((b) => b.failed)].map(
        (f) => `${f.accountId}: ${f.error}`,
      );
    if (problems(scheduled).length > 0 || !scheduled.noticesDeferredUntil)
      throw new Error(
        `month-end ${options.month}: ${problems(scheduled).join('; ') || 'notices were not held for the claim windows'}`,
      );
    options.progress(
      `      ${summary.evaluated} service months evaluated (${summary.newVersions} new versions); tiers: met ${summary.tiers.met}, 10 % ${summary.tiers.tier10}, 25 % ${summary.tiers.tier25}, 100 % ${summary.tiers.tier100}; vouchers ${summary.voucherTotal}; ${summary.coverageGapCount} coverage gaps; waiting until ${localTime(opensAt)}`,
    );
    clock = opensAt.toMillis();
    const resumed = await options.runMonthEnd(table, input, { queue: sqs.queue, settings });
    if (problems(resumed).length > 0 || resumed.noticesDeferredUntil || resumed.output.summary.newVersions > 0)
      throw new Error(
        `month-end ${options.month} at ${localTime(opensAt)}: ${problems(resumed).join('; ') || 'unexpected outcome'}`,
      );
    const notices = {
      windowOpen: resumed.output.notices.reduce((n, b) => n + b.windowOpen, 0),
      queued: resumed.output.notices.reduce((n, b) => n + b.windowOpen + b.corrections + b.resent, 0),
    };
    options.progress(
      `      ${localTime(opensAt)}: the claim windows open; ${notices.windowOpen} window-open notices queued (nothing re-evaluated)`,
    );
    stepDone('month-end');

    // 5. the notice worker
    step(5, `notice worker: the queue into ${outboxDir}…`);
    clock += 5 * MS_PER_MINUTE;
    // 5. the real notice worker, as Lambda's SQS event source mapping calls it (shared/notices/local-worker.ts)
    const delivered = await deliverQueuedNotices(table, sqs.queue, outboxDir, () => new Date(clock));
    stepDone('notices');

    // 6. the claims: one filed three days before the windows open, the others on that day
    step(6, `${sim.scenario.claims.length} claims from the ticket system (claims intake)…`);
    const scenario = parsed.scenario;
    const claims = await recordClaims(table, scenario, {
      set: (ms) => {
        clock = ms;
      },
      now: () => new Date(clock),
    });
    stepDone('claims');

    // 7. the report of the stored results
    step(7, `report of the stored results → ${join(dir, 'report.json')}, report.html…`);
    clock = opensAt.plus({ hours: 18 }).toMillis();
    const evaluated = await storedMonths(table, sim);
    const report: Report = {
      serviceMonths: evaluated.map((m) => m.report),
      claims,
      ignoredProbes: ingest.ignoredProbes,
      droppedFields: ingest.droppedFields,
      // warnings as `sla evaluate` gives them: windows announced too late, assumed calendars
      warnings: offlineWarnings(scenario),
    };
    const reportFile = join(dir, 'report.json');
    writeFileSync(reportFile, `${JSON.stringify(report, null, 2)}\n`);
    const monthReport = await writeMonthReportFile(table, dir, options.month, zone, () => new Date(clock));
    stepDone('report');

    const accountTiers: TierTally = { met: 0, tier10: 0, tier25: 0, tier100: 0 };
    const worst = new Map<string, number>();
    for (const m of report.serviceMonths)
      worst.set(m.accountId, Math.max(worst.get(m.accountId) ?? 0, m.compensationPercent));
    for (const percent of worst.values()) {
      if (percent === 0) accountTiers.met++;
      else if (percent === 10) accountTiers.tier10++;
      else if (percent === 25) accountTiers.tier25++;
      else accountTiers.tier100++;
    }
    const voucherFen = evaluated.reduce((n, m) => n + m.voucherFen, 0);
    const accepted = report.claims.filter((c) => c.accepted).length;
    return {
      month: options.month,
      dir,
      reportFile,
      monthReport,
      outboxDir,
      scenarioFile,
      probesFile,
      cadence: sim.cadence,
      probeLines,
      probeBytes,
      feedWindows: ingest.windows,
      compactedDays: ingest.compactedDays,
      accounts: sim.accounts.length,
      serviceMonths: report.serviceMonths.length,
      accountTiers,
      voucherTotal: formatMoney(voucherFen),
      coverageGaps: summary.coverageGapCount,
      noticesQueued: notices.queued,
      noticesDelivered: delivered,
      claimsAccepted: accepted,
      claimsRejected: report.claims.length - accepted,
      ignoredProbes: ingest.ignoredProbes,
      droppedFields: ingest.droppedFields,
      opensOn: sim.claimWindow.opensOn,
      wallMs: Math.round(performance.now() - started),
      stepMs,
    };
  } finally {
    feedServer.closeAllConnections();
    await new Promise<void>((resolve) => feedServer.close(() => resolve()));
    await sqs.close();
    await local.close();
  }
};

// ---------------------------------------------------------------------------------------------
// 1. probes.ndjson, window after window; offsets[w] is where window w starts

const writeProbeFile = (sim: Simulation, file: string): { offsets: Float64Array; lines: number } => {
  const offsets = new Float64Array(sim.feed.windows + 1);
  const fd = openSync(file, 'w');
  let bytes = 0;
  let lines = 0;
  try {
    for (let w = 0; w < sim.feed.windows; w++) {
      offsets[w] = bytes;
      const body = sim.feed.body(w);
      const buffer = Buffer.from(body.text);
      writeSync(fd, buffer);
      bytes += buffer.length;
      lines += body.lines;
    }
    offsets[sim.feed.windows] = bytes;
  } finally {
    closeSync(fd);
  }
  return { offsets, lines };
};

// ---------------------------------------------------------------------------------------------
// 2. the store and the registry

/**
 * dynalite in memory in a child process, so that the DynamoDB stand-in works on the other core
 * while this process runs the handlers (as the benches do); it ends when this process closes its
 * stdin, or dies.
 */
const startDynaliteProcess = async (tableName: string): Promise<{ table: Table; close(): Promise<void> }> => {
  const { makeTable, localClientConfig } = await import('#adapters/dynamodb/table.ts');
  const { ensureTable } = await import('#adapters/dynamodb/create-table.ts');
  const child = spawn(process.execPath, ['-e', DYNALITE_CHILD, createRequire(import.meta.url).resolve('dynalite')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let text = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        text += chunk;
        const line = text.split('\n')[0];
        if (text.includes('\n') && line) resolve((JSON.parse(line) as { port: number }).port);
      });
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the dynalite process ended (exit ${code}) before it listened`)));
    });
    const table = makeTable(tableName, localClientConfig(`http://127.0.0.1:${port}`));
    await ensureTable(table);
    return {
      table,
      close: async () => {
        table.client.destroy();
        child.stdin.end();
        await exited;
      },
    };
  } catch (e) {
    child.kill();
    throw e;
  }
};

const DYNALITE_CHILD = `
const dynalite = require(process.argv[1]);
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\\n'));
process.stdin.on('end', () => server.close(() => process.exit(0)));
process.stdin.resume();
`;

/** The registry, through the functions the operator verbs use. */

const register = async (table: Table, sim: Simulation): Promise<void> => {
  const repo = await import('#adapters/dynamodb/registry-repository.ts');
  for (const order of sim.scenario.orders) expectCreated(await repo.putOrder(table, order), order.orderId);
  for (const window of sim.scenario.maintenance) expectCreated(await repo.putMaintenance(table, window), window.id);
  for (const exclusion of sim.scenario.exclusions)
    expectCreated(await repo.putExclusion(table, exclusion), exclusion.id);
  for (const account of sim.accounts) {
    await repo.putProfile(table, { accountId: account.accountId, baseUrl: account.baseUrl, active: true });
    await repo.putContactPreferences(table, {
      accountId: account.accountId,
      channels: [{ kind: 'email', address: account.email, language: account.language }],
    });
  }
  // the scheduled functions have been running before this month: their watermarks stand at its start
  const { FEED_SOURCE, COMPACTION_SOURCE } = await import('#adapters/dynamodb/keys.ts');
  await repo.advanceWatermark(table, FEED_SOURCE, undefined, sim.feed.firstMinute);
  await repo.advanceWatermark(
    table,
    COMPACTION_SOURCE,
    undefined,
    Math.floor(sim.monthStartMinute / MINUTES_PER_DAY) - 2,
  );
};

const expectCreated = (outcome: string, id: string): void => {
  if (outcome !== 'created') throw new Error(`registry: ${id} was ${outcome} on a fresh store`);
};

// ---------------------------------------------------------------------------------------------
// 3. the probe feed and the scheduled functions

/**
 * The probe system's feed: `GET /probe-results?from&to` answers the results received in that
 * hourly window (a slice of probes.ndjson); a window the simulation marks not ready answers 503
 * the first time; a window not closed yet in the simulated month (past its end) answers 404.
 */
const serveFeed = async (sim: Simulation, file: string, offsets: Float64Array): Promise<Server> => {
  const asked = new Set<number>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://feed');
    if (req.headers.authorization !== `Bearer ${FEED_TOKEN}`) {
      res.writeHead(401).end();
      return;
    }
    const from = Date.parse(url.searchParams.get('from') ?? '') / MS_PER_MINUTE;
    const to = Date.parse(url.searchParams.get('to') ?? '') / MS_PER_MINUTE;
    const w = (from - sim.feed.firstMinute) / sim.feed.windowMinutes;
    if (url.pathname !== '/probe-results' || !Number.isInteger(w) || to - from !== sim.feed.windowMinutes) {
      res.writeHead(400).end();
      return;
    }
    if (w < 0 || w >= sim.feed.windows) {
      res.writeHead(404).end();
      return;
    }
    if (sim.feed.notReadyOnce.has(w) && !asked.has(w)) {
      asked.add(w);
      res.writeHead(503).end();
      return;
    }
    const start = offsets[w] ?? 0;
    const end = offsets[w + 1] ?? start;
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    if (end <= start) {
      res.end();
      return;
    }
    createReadStream(file, { start, end: end - 1, highWaterMark: 1 << 20 }).pipe(res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return server;
};

interface IngestTotals {
  readonly windows: number;
  readonly results: number;
  readonly ignoredProbes: number;
  readonly droppedFields: number;
  readonly compactedDays: number;
}

/**
 * The schedules, in simulated time, up to the month-end's start on the 1st at 02:00: the feed
 * puller every 10 minutes (only the runs at :10 find a window newly closed — 60-minute windows,
 * 10 minutes of lag — so only those are made), the compaction daily at 11:00. The month's last
 * UTC day is compacted only at 11:00 on the 1st, after the month-end read it from its hour items.
 */
const ingestMonth = async (
  table: Table,
  sim: Simulation,
  baseUrl: string,
  progress: (line: string) => void,
): Promise<IngestTotals> => {
  const { makeHandler: feedHandler } = await import('../../functions/ingest-probe-feed.ts');
  const { makeHandler: compactionHandler } = await import('../../functions/compact-minute-facts.ts');
  let clock = 0;
  const now = (): Date => new Date(clock);
  const pull = feedHandler({
    table,
    baseUrl,
    token: async () => FEED_TOKEN,
    windowMinutes: sim.feed.windowMinutes,
    lagMinutes: 10,
    timeZone: sim.timeZone,
    retentionDaysAfterClaimClose: RETENTION_DAYS,
    now,
  });
  const compact = compactionHandler({
    table,
    timeZone: sim.timeZone,
    retentionDaysAfterClaimClose: RETENTION_DAYS,
    maxDaysPerRun: 3,
    concurrency: 16,
    now,
  });
  type Run = { readonly atMinute: number; readonly kind: 'feed' | 'compaction' };
  const runs: Run[] = [];
  const start = sim.feed.firstMinute;
  for (let w = 0; w < sim.feed.windows; w++)
    runs.push({ atMinute: start + (w + 1) * sim.feed.windowMinutes + 10, kind: 'feed' });
  const days = sim.monthMinutes / MINUTES_PER_DAY;
  for (let d = 0; d < days; d++) runs.push({ atMinute: start + d * MINUTES_PER_DAY + 11 * 60, kind: 'compaction' });
  runs.sort((a, b) => a.atMinute - b.atMinute);

  let windows = 0;
  let results = 0;
  let ignoredProbes = 0;
  let droppedFields = 0;
  let compactedDays = 0;
  let shown = 0;
  const began = performance.now();
  for (const run of runs) {
    clock = run.atMinute * MS_PER_MINUTE;
    if (run.kind === 'compaction') {
      compactedDays += (await compact()).days.length;
      continue;
    }
    const done = await pull();
    for (const w of done.windows) {
      windows++;
      results += w.summary.probes;
      ignoredProbes += w.summary.ignoredProbes;
      droppedFields += w.summary.droppedFields;
      if (w.summary.quarantined > 0)
        throw new Error(`feed window ${w.from}: ${w.summary.quarantined} records quarantined`);
    }
    if (windows - shown >= sim.feed.windows / 10 || windows === sim.feed.windows) {
      shown = windows;
      progress(
        `      ${windows}/${sim.feed.windows} windows, ${count(results)} results, ${compactedDays} days compacted (simulated ${DateTime.fromMillis(clock, { zone: sim.timeZone }).toFormat('yyyy-MM-dd HH:mm')}, ${((performance.now() - began) / 1000).toFixed(0)} s)`,
      );
    }
  }
  if (windows !== sim.feed.windows) throw new Error(`probe feed: ${windows} of ${sim.feed.windows} windows ingested`);
  return { windows, results, ignoredProbes, droppedFields, compactedDays };
};

// ---------------------------------------------------------------------------------------------
// 6. claims

/** The month's stored results (the LATEST version of each service month), in report order. */
const storedMonths = async (table: Table, sim: Simulation): Promise<EvaluatedMonth[]> => {
  const { evaluatedMonthOf, latestResults } = await import('#adapters/dynamodb/result-repository.ts');
  const months: EvaluatedMonth[] = [];
  for (const account of sim.accounts) {
    for (const stored of await latestResults(table, account.accountId, sim.options.month)) {
      months.push(evaluatedMonthOf(stored));
    }
  }
  const key = (m: EvaluatedMonth) => serviceMonthKey(m.report.accountId, m.report.orderId, m.report.month);
  return months.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
};

/**
 * `recordClaims`: each claim through the claims intake (shared/claims/record-claim.ts: validated,
 * judged against the stored results, recorded once with its verdict and, when accepted, the
 * voucher issuance), in filing order, with the clock at its filing time — as the ticket system's
 * webhook would deliver them. The ticket ids are made up here (the scenario format has none).
 */
const recordClaims = async (
  table: Table,
  scenario: Scenario,
  clock: { set(ms: number): void; now(): Date },
): Promise<ClaimReport[]> => {
  const { parseClaim, recordClaim } = await import('../claims/record-claim.ts');
  const settings = { table, timeZone: scenario.policy.timeZone, now: () => clock.now() };
  const reports: ClaimReport[] = [];
  for (const [i, claim] of scenario.claims.entries()) {
    const parsed = parseClaim({
      claimId: `tkt-${claim.fields.month ?? 'x'}-${String(i + 1).padStart(3, '0')}`,
      ...claim.fields,
    });
    if (parsed.problems) {
      throw new Error(`claims[${i}]: ${parsed.problems.map((p) => `${p.field}: ${p.problem}`).join('; ')}`);
    }
    clock.set(claim.filedAt.epochMs);
    const outcome = await recordClaim(settings, parsed.claim);
    if (outcome.kind === 'conflict') throw new Error(`claims[${i}]: its ticket id was filed before with other content`);
    const { claim: stored } = outcome;
    reports.push(
      stored.verdict === 'accepted'
        ? { ...claim.fields, accepted: true, voucher: stored.voucher ?? formatMoney(stored.voucherFen ?? 0) }
        : { ...claim.fields, accepted: false, ...(stored.reason ? { reason: stored.reason } : {}) },
    );
  }
  return reports;
};

// ---------------------------------------------------------------------------------------------
// 7. the report

const offlineWarnings = (scenario: Scenario): string[] => {
  const offline = evaluateScenario(scenario, new MinuteFacts(), { ignoredProbes: 0, droppedFields: 0 });
  return offline.report?.warnings ?? [];
};

/**
 * The month report of the stored results (shared/report: build-model.ts reads results, notices,
 * minute facts and, through `claimsOf`, the recorded claims; write-report.ts renders it):
 * DIR/report.html (zh-CN), DIR/report.en.html, DIR/report-model.json.
 */
const writeMonthReportFile = async (
  table: Table,
  dir: string,
  month: string,
  timeZone: string,
  now: () => Date,
): Promise<{ readonly zh: string; readonly en: string }> => {
  const { buildMonthReportModel } = await import('../report/build-model.ts');
  const { writeMonthReport } = await import('../report/write-report.ts');
  const { listClaims } = await import('#adapters/dynamodb/claim-repository.ts');
  const model = await buildMonthReportModel({
    table,
    month,
    timeZone,
    claimsOf: async (accountId, m) =>
      (await listClaims(table, accountId, m)).claims.flatMap((c) =>
        c.orderId === undefined ? [] : [{ orderId: c.orderId, accepted: c.verdict === 'accepted', reason: c.reason }],
      ),
    now,
  });
  const written = await writeMonthReport(dir, model);
  return { zh: written.html['zh-CN'], en: written.html.en };
};
