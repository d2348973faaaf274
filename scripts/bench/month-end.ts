// npm run bench:month-end — the month-end workflow over 10,000 accounts on the embedded stand-ins.
//
// Seeds dynalite with a month (2026-10) of minute facts as the store holds them when the month-end
// starts (1st 02:00 Asia/Shanghai): each account's UTC days up to the day before compacted into
// DAY# items, the last UTC day's hours still HOUR# items. 5 % of the accounts had platform
// outages (a spread of tiers), 1 % lost their probes for a day (coverage gaps). Then runs the
// synthesized month-end definition (dist/month-end.asl.json) with aws-local-stepfunctions and the
// real step code — plan, evaluate every batch, summarise, notices to the embedded SQS queue — and
// reports, from DynamoDB's own ConsumedCapacity and the execution's event log:
//
//   {"accounts","wallMs","accountsPerSecond","rruPerAccount","awsStateTransitionsPerAccount","peakRssMb", …}
//
// dynalite runs in a child process (scripts/bench/dynalite-server.mjs); peakRssMb is this process's.
//
// The clock of the run is just after the claim windows open, so the notice step runs too.
// Env: BENCH_ACCOUNTS (10000), BENCH_SEED.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { BatchWriteItemCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { ensureTable } from '#adapters/dynamodb/create-table.ts';
import { COMPACTION_SOURCE } from '#adapters/dynamodb/keys.ts';
import { dayItem, hourItem, lastCompactableDay } from '#adapters/dynamodb/minute-fact-repository.ts';
import { advanceWatermark, putOrder } from '#adapters/dynamodb/registry-repository.ts';
import { localClientConfig, makeTable } from '#adapters/dynamodb/table.ts';
import { drainQueue, startLocalSqs } from '#adapters/sqs/local-sqs.ts';
import { MINUTES_PER_DAY } from '#domain/instant.ts';
import { ANY_OK, OBSERVED, PLATFORM_FAILURE } from '#domain/probe.ts';
import { runBounded } from '#ingest/ingest-probes.ts';
import { noticeTotals, runMonthEnd } from '../../cli/month-end-local.ts';
import { seededRandom } from '../../shared/random.ts';

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 10_000);
const MONTH = '2026-10';
const MONTH_START = Date.parse('2026-10-01T00:00:00+08:00');
const MONTH_END = Date.parse('2026-11-01T00:00:00+08:00');
/** the scheduled start: 1st 02:00 Asia/Shanghai */
const STARTED_AT = Date.parse('2026-11-01T02:00:00+08:00');
const log = (message: string): void => void process.stderr.write(`${message}\n`);
const random = seededRandom(Number(process.env.BENCH_SEED ?? 20261101));

// dynalite in a process of its own (scripts/bench/dynalite-server.mjs): the endpoint and the
// pipeline each get a core, as a DynamoDB endpoint and its client would
const server = spawn(
  process.execPath,
  [
    ...(process.env.BENCH_PROFILE_DYNALITE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof2'] : []),
    new URL('./dynalite-server.mjs', import.meta.url).pathname,
  ],
  {
    stdio: ['pipe', 'pipe', 'inherit'],
  },
);
const lines = createInterface({ input: server.stdout })[Symbol.asyncIterator]();
const { port } = JSON.parse(((await lines.next()).value as string | undefined) ?? '{}') as { port: number };
const table = makeTable('tcmpp-sla-bench', localClientConfig(`http://127.0.0.1:${port}`));
await ensureTable(table);
const sqs = await startLocalSqs();

const accounts = Array.from({ length: ACCOUNTS }, (_, i) => `acc-${String(i + 1).padStart(5, '0')}`);

// orders: most run the whole year, some only October; fees differ
let t = performance.now();
await runBounded(
  accounts.map((accountId, i) => async () => {
    const yearly = i % 10 !== 0;
    await putOrder(table, {
      accountId,
      orderId: `ord-${i + 1}`,
      startDate: yearly ? '2026-01-01' : '2026-10-01',
      months: yearly ? 12 : 1,
      cashPaid: `${(1 + (i % 7)) * (yearly ? 12_000 : 1_000)}.00`,
    });
  }),
  8,
);
log(`orders: ${ACCOUNTS} in ${Math.round(performance.now() - t)} ms`);

// minute facts over the month's UTC days
const firstMinute = MONTH_START / 60_000;
const lastMinute = MONTH_END / 60_000; // exclusive
const firstDay = Math.floor(firstMinute / MINUTES_PER_DAY);
const lastDay = Math.floor((lastMinute - 1) / MINUTES_PER_DAY);
const compactedThrough = lastCompactableDay(STARTED_AT);
const expiresAt = Math.floor(MONTH_END / 1000) + 90 * 86_400;
let requests: WriteRequest[] = [];
const pending: (() => Promise<void>)[] = [];
const flush = () => {
  if (requests.length === 0) return;
  const items = requests;
  requests = [];
  pending.push(async () => {
    let unprocessed: WriteRequest[] = items;
    while (unprocessed.length > 0) {
      const result = await table.client.send(
        new BatchWriteItemCommand({ RequestItems: { [table.name]: unprocessed } }),
      );
      unprocessed = result.UnprocessedItems?.[table.name] ?? [];
    }
  });
};
const put = (Item: WriteRequest['PutRequest'] extends infer P ? (P extends { Item?: infer I } ? I : never) : never) => {
  requests.push({ PutRequest: { Item } });
  if (requests.length === 25) flush();
};
let outageAccounts = 0;
let gapAccounts = 0;
t = performance.now();
for (const accountId of accounts) {
  const page = new Uint16Array(MINUTES_PER_DAY);
  const outage = random() < 0.05;
  const gapDay = random() < 0.01 ? firstDay + 1 + Math.floor(random() * (lastDay - firstDay - 1)) : -1;
  if (outage) outageAccounts++;
  if (gapDay >= 0) gapAccounts++;
  /** minutes of the month with a platform failure: 1–3 outages of 5–60 minutes */
  const failures = new Set<number>();
  if (outage) {
    for (let b = 0, n = 1 + Math.floor(random() * 3); b < n; b++) {
      const length = 5 + Math.floor(random() * 56);
      const start = firstMinute + Math.floor(random() * (lastMinute - firstMinute - length));
      for (let m = start; m < start + length; m++) failures.add(m);
    }
  }
  for (let day = firstDay; day <= lastDay; day++) {
    page.fill(0);
    if (day !== gapDay) {
      for (let i = 0; i < MINUTES_PER_DAY; i++) {
        const minute = day * MINUTES_PER_DAY + i;
        if (minute < firstMinute || minute >= lastMinute) continue;
        page[i] = OBSERVED | (failures.has(minute) ? PLATFORM_FAILURE : ANY_OK);
      }
    }
    if (day <= compactedThrough) {
      put(dayItem(accountId, day, page, expiresAt, 24));
      continue;
    }
    for (let h = 0; h < 24; h++) {
      const states = page.subarray(h * 60, h * 60 + 60);
      if (states.some((s) => s !== 0)) put(hourItem({ accountId, epochHour: day * 24 + h, states, expiresAt }));
    }
  }
  if (pending.length >= 64) await runBounded(pending.splice(0), 4);
}
flush();
await runBounded(pending.splice(0), 4);
await advanceWatermark(table, COMPACTION_SOURCE, undefined, compactedThrough);
log(
  `minute facts: ${ACCOUNTS} accounts (${outageAccounts} with outages, ${gapAccounts} with a lost day) in ${Math.round(performance.now() - t)} ms`,
);

// the run: its clock just after the claim windows open, so that the notices go out too
const before = { read: table.meter.readUnits, write: table.meter.writeUnits };
/** CPU seconds of the dynalite process so far (Linux /proc; 0 elsewhere) */
const childCpu = (): number => {
  try {
    const fields = readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
};
const cpuBefore = { self: process.cpuUsage(), child: childCpu() };
const now = new Date(Date.parse('2026-11-09T00:01:00+08:00'));
t = performance.now();
if (process.env.BENCH_MARK) log(`run from ${process.hrtime.bigint() / 1000n}`);
const run = await runMonthEnd(
  table,
  { month: MONTH, reason: 'scheduled', requestedBy: 'bench' },
  { queue: sqs.queue, settings: { now: () => now } },
);
const wallMs = Math.round(performance.now() - t);
if (process.env.BENCH_MARK) log(`run to ${process.hrtime.bigint() / 1000n}`);
const selfCpu = process.cpuUsage(cpuBefore.self);
const cpu = {
  pipelineCpuMs: Math.round((selfCpu.user + selfCpu.system) / 1000),
  dynamodbCpuMs: Math.round((childCpu() - cpuBefore.child) * 1000),
};
const { summary } = run.output;
const notices = noticeTotals(run.output.notices);
const queued = await drainQueue(sqs.queue, () => {});
const readUnits = table.meter.readUnits - before.read;
const writeUnits = table.meter.writeUnits - before.write;
log(
  `month-end ${MONTH}: ${summary.evaluated} service months, tiers ${JSON.stringify(summary.tiers)}, vouchers ${summary.voucherTotal}, ` +
    `${summary.coverageGapCount} coverage gaps, ${summary.failedCount} failed; notices ${notices.windowOpen} (queue held ${queued}); ${wallMs} ms`,
);
if (summary.failedCount > 0 || summary.evaluated !== ACCOUNTS || notices.windowOpen !== queued) {
  throw new Error(`the run is wrong: ${JSON.stringify({ summary, notices, queued })}`);
}
await sqs.close();
table.client.destroy();
server.stdin?.end();
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;
console.log(
  JSON.stringify({
    accounts: ACCOUNTS,
    wallMs,
    accountsPerSecond: Math.round(ACCOUNTS / (wallMs / 1000)),
    rruPerAccount: round(readUnits / ACCOUNTS, 2),
    awsStateTransitionsPerAccount: round(run.billedTransitions / ACCOUNTS, 4),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    wruPerAccount: round(writeUnits / ACCOUNTS, 2),
    stateTransitions: run.billedTransitions,
    ...cpu,
    windowOpenNotices: notices.windowOpen,
  }),
);
