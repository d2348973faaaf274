// npm run bench:ingest — write and read cost of ingestion, from DynamoDB's own ConsumedCapacity.
//
// 1 000 accounts, one simulated day at the production cadence: the real probe-feed handler runs
// every 10 minutes (schedule rate(10 minutes)) against a local feed serving 60-minute windows
// (10 minutes of lag), every account's four functions every minute. 10 % of the accounts have
// platform outages; twice a day 5 minutes of results arrive one window late. All into dynalite; every request's
// ConsumedCapacity is summed per partition. Then the daily compaction folds the day's hour items
// into day items (compactDays, as the scheduled function runs it, once for each of the two UTC
// days the Asia/Shanghai day touches), and one account-month is read back as the month-end reads
// it: 31 days of hour items, then the same month compacted.
//
// Env: BENCH_ACCOUNTS (1000), BENCH_SEED.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { accountPk, COMPACT_AFTER_MINUTES, COMPACTION_SOURCE } from '#adapters/dynamodb/keys.ts';
import { startLocalDynamo } from '#adapters/dynamodb/local-dynamodb.ts';
import { compactDay, readMinuteFacts, writeHourFacts } from '#adapters/dynamodb/minute-fact-repository.ts';
import { advanceWatermark, putOrder, readWatermark } from '#adapters/dynamodb/registry-repository.ts';
import { MINUTES_PER_DAY } from '#domain/instant.ts';
import { MinuteFacts } from '#domain/minute-facts.ts';
import { compactDays } from '#ingest/compact-days.ts';
import { expiryOfHour } from '#ingest/ingest-probes.ts';
import { seededRandom } from '../../shared/random.ts';

// set before the handler module builds its logger and metrics
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
const { makeHandler } = await import('../../functions/ingest-probe-feed.ts');

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 1000);
const FUNCTIONS = ['checkUpdate', 'publish', 'download', 'manage'];
const DAY_START = Date.parse('2026-07-15T00:00:00+08:00');
const log = (message: string): void => void process.stderr.write(`${message}\n`);

const random = seededRandom(Number(process.env.BENCH_SEED ?? 20261129));

const accounts = Array.from({ length: ACCOUNTS }, (_, i) => `acc-${String(i + 1).padStart(4, '0')}`);
/** accounts with outages: minute of day → true when its four functions fail (platform) */
const outages = new Map<number, Uint8Array>();
accounts.forEach((_, a) => {
  if (a % 10 !== 3) return;
  const plan = new Uint8Array(1440);
  for (let b = 0; b < 3; b++) {
    const length = 1 + Math.floor(random() * 30);
    const start = Math.floor(random() * (1440 - length));
    plan.fill(1, start, start + length);
  }
  outages.set(a, plan);
});
/**
 * Late results come in bursts, as feed hiccups do: twice a day the last 5 minutes of a window
 * reach the feed only in the next one (about 0.7 % of the day's results).
 */
const LATE_MINUTES = new Set([
  9 * 60 + 55,
  9 * 60 + 56,
  9 * 60 + 57,
  9 * 60 + 58,
  9 * 60 + 59,
  20 * 60 + 55,
  20 * 60 + 56,
  20 * 60 + 57,
  20 * 60 + 58,
  20 * 60 + 59,
]);
const isLate = (_a: number, minute: number, _f: number): boolean => LATE_MINUTES.has(minute);

const pad = (n: number): string => String(n).padStart(2, '0');
const stampOf = (ms: number): string => {
  const local = new Date(ms + 8 * 3_600_000);
  return `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}`;
};

/** NDJSON of the results received in [from, to) (epoch ms), written in slices to the response. */
const windowBody = function* (from: number, to: number): Generator<string> {
  for (let ms = from; ms < to; ms += 60_000) {
    const minute = (ms - DAY_START) / 60_000;
    const lines: string[] = [];
    for (let a = 0; a < ACCOUNTS; a++) {
      for (let f = 0; f < 4; f++) {
        // a late result of the previous window's last minutes arrives now
        for (const [own, when] of [
          [minute, ms],
          [minute - 60, ms - 3_600_000],
        ] as const) {
          if (own < 0 || own >= 1440) continue;
          const late = isLate(a, own, f);
          if ((own === minute && late) || (own !== minute && !late)) continue;
          const down = outages.get(a)?.[own] === 1;
          lines.push(
            `{"accountId":"${accounts[a]}","function":"${FUNCTIONS[f]}","at":"${stampOf(when)}:${pad((f * 15 + a) % 60)}+08:00",${down ? '"ok":false,"cause":"platform"' : '"ok":true'}}`,
          );
        }
      }
    }
    yield `${lines.join('\n')}\n`;
  }
};

const main = async (): Promise<void> => {
  const local = await startLocalDynamo('tcmpp-sla-bench');
  const { table } = local;
  const perPartition = new Map<string, number>();

  for (const accountId of accounts) {
    await putOrder(table, {
      accountId,
      orderId: `ord-${accountId}`,
      startDate: '2026-07-01',
      months: 1,
      cashPaid: '3100.00',
    });
  }
  const feed = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://feed');
    const from = Date.parse(url.searchParams.get('from') ?? '');
    const to = Date.parse(url.searchParams.get('to') ?? '');
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const body = windowBody(from, to);
    const pump = (): void => {
      for (;;) {
        const next = body.next();
        if (next.done) {
          res.end();
          return;
        }
        if (!res.write(next.value)) {
          res.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
  await new Promise<void>((resolve) => feed.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(feed.address() as AddressInfo).port}/`;

  // instrument: write units per partition (account) — wrap the client's send
  const send = table.client.send.bind(table.client);
  table.client.send = (async (command: { input?: { Key?: { pk?: { S?: string } } } }) => {
    const result = (await send(command as never)) as { ConsumedCapacity?: { CapacityUnits?: number } };
    const pk = command.input?.Key?.pk?.S;
    if (pk?.startsWith('ACCOUNT#'))
      perPartition.set(pk, (perPartition.get(pk) ?? 0) + (result.ConsumedCapacity?.CapacityUnits ?? 0));
    return result;
  }) as typeof table.client.send;

  const writesBefore = table.meter.writeUnits;
  const readsBefore = table.meter.readUnits;
  let now = DAY_START + 10 * 60_000; // first run 00:10; the day's last window closes at 24:10
  const handler = makeHandler({
    table,
    baseUrl,
    token: async () => undefined,
    windowMinutes: 60,
    lagMinutes: 10,
    timeZone: 'Asia/Shanghai',
    retentionDaysAfterClaimClose: 30,
    now: () => new Date(now),
  });
  const started = performance.now();
  let records = 0;
  let windows = 0;
  // the watermark starts at the day's first window
  await advanceWatermark(table, 'probe-feed', undefined, DAY_START / 60_000);
  for (let run = 0; run < 24 * 6 + 1; run++) {
    const result = await handler();
    for (const w of result.windows) {
      records += w.summary.probes;
      windows++;
    }
    if (result.windows.length > 0)
      log(`${new Date(now).toISOString()}: ${result.windows.length} window(s), ${records} results so far`);
    now += 10 * 60_000;
  }
  const wallMs = performance.now() - started;
  feed.close();

  const writeUnits = table.meter.writeUnits - writesBefore;
  const readUnits = table.meter.readUnits - readsBefore;
  const unitsOf = (a: number): number => perPartition.get(accountPk(accounts[a] ?? '')) ?? 0;
  const healthy = accounts.map((_, a) => a).filter((a) => !outages.has(a));
  const unhealthy = [...outages.keys()];
  const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / Math.max(xs.length, 1);
  const healthyWru = mean(healthy.map(unitsOf));
  const unavailableMinutes = unhealthy.reduce((n, a) => n + (outages.get(a)?.reduce((s, x) => s + x, 0) ?? 0), 0);
  const extraWru = unhealthy.reduce((n, a) => n + unitsOf(a), 0) - healthyWru * unhealthy.length;

  // the daily compaction of the UTC days the simulated day touches, each COMPACT_AFTER_MINUTES
  // after its end (the first run ever takes only the last compactable day; the second goes on
  // from its watermark)
  const firstUtcDay = Math.floor(DAY_START / 86_400_000);
  const lastUtcDay = Math.floor((DAY_START + 86_400_000 - 1) / 86_400_000);
  const compactionWritesBefore = table.meter.writeUnits;
  const compactionReadsBefore = table.meter.readUnits;
  const compactionStarted = performance.now();
  let compactedAccountDays = 0;
  let compactedHourItems = 0;
  for (let day = firstUtcDay; day <= lastUtcDay; day++) {
    const clock = new Date(((day + 1) * MINUTES_PER_DAY + COMPACT_AFTER_MINUTES) * 60_000);
    const run = await compactDays({
      table,
      timeZone: 'Asia/Shanghai',
      retentionDaysAfterClaimClose: 30,
      maxDaysPerRun: 3,
      concurrency: 16,
      now: () => clock,
    });
    for (const d of run.days) {
      compactedAccountDays += d.accounts;
      compactedHourItems += d.hourItems;
      log(`compaction ${d.day}: ${d.accounts} accounts, ${d.hourItems} hour items (${run.stoppedBecause})`);
    }
  }
  const compactionMs = performance.now() - compactionStarted;
  const compactionWru = table.meter.writeUnits - compactionWritesBefore;
  const compactionRru = table.meter.readUnits - compactionReadsBefore;

  // the month-end's read: one account-month of hour items (31 × 24), written as ingestion writes them
  const monthAccount = 'acc-month';
  const monthStartHour = Date.parse('2026-07-01T00:00:00+08:00') / 3_600_000;
  const states = new Uint16Array(60).fill(3);
  for (let h = 0; h < 31 * 24; h++) {
    if (h % 97 === 5) states.fill(5, 10, 40); // a few outages, as in a real month
    await writeHourFacts(table, {
      accountId: monthAccount,
      epochHour: monthStartHour + h,
      states,
      expiresAt: 1_800_000_000,
    });
    states.fill(3);
  }
  const monthRead = async (): Promise<{ units: number; observed: number }> => {
    const before = table.meter.readUnits;
    const facts = new MinuteFacts();
    const from = monthStartHour * 60;
    const to = (monthStartHour + 31 * 24) * 60;
    await readMinuteFacts(table, monthAccount, from, to, facts);
    let observed = 0;
    facts.forEachObserved(monthAccount, from, to, () => observed++);
    return { units: table.meter.readUnits - before, observed };
  };
  const hourItemsRead = await monthRead();
  // the same month compacted: every UTC day it touches (32 in Asia/Shanghai) folded into a DAY# item
  const monthFirstDay = Math.floor(monthStartHour / 24);
  const monthLastDay = Math.floor((monthStartHour + 31 * 24 - 1) / 24);
  for (let day = monthFirstDay; day <= monthLastDay; day++) {
    await compactDay(table, monthAccount, day, expiryOfHour(day * 24 + 23, 'Asia/Shanghai', 30));
  }
  const compactedRead = await monthRead();
  if (compactedRead.observed !== hourItemsRead.observed || compactedRead.observed !== 31 * MINUTES_PER_DAY) {
    throw new Error(
      `the compacted month reads ${compactedRead.observed} minutes, its hour items ${hourItemsRead.observed}`,
    );
  }
  const watermark = await readWatermark(table, COMPACTION_SOURCE);
  if (watermark !== lastUtcDay) throw new Error(`compaction watermark ${watermark}, expected ${lastUtcDay}`);
  await local.close();

  const result = {
    accounts: ACCOUNTS,
    wruPerHealthyAccountDay: Math.round(healthyWru * 100) / 100,
    wruPerUnavailableMinute: Math.round((Math.max(extraWru, 0) / Math.max(unavailableMinutes, 1)) * 1000) / 1000,
    rruPerAccountDay: Math.round((readUnits / ACCOUNTS) * 100) / 100,
    naiveWruPerAccountDay: 4 * 1440,
    recordsPerSecond: Math.round(records / (wallMs / 1000)),
    rruPerAccountMonthRead: compactedRead.units,
    rruPerAccountMonthReadHourItems: hourItemsRead.units,
    compactionWruPerAccountDay: Math.round((compactionWru / Math.max(compactedAccountDays, 1)) * 1000) / 1000,
    compactionRruPerAccountDay: Math.round((compactionRru / Math.max(compactedAccountDays, 1)) * 1000) / 1000,
    compactedAccountDays,
    compactedHourItems,
    compactionMs: Math.round(compactionMs),
    windows,
    records,
    totalWru: writeUnits,
    unavailableMinutes,
    wallMs: Math.round(wallMs),
  };
  console.log(JSON.stringify(result));
};

await main();
