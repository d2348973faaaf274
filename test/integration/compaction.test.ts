// The daily compaction end to end: real ProbeIngest runs with a controlled clock (HOUR# items
// while a UTC day is open, LATE# items after its seal), the real compactDays and handler
// (functions/compact-minute-facts.ts makeHandler), readMinuteFacts as the month-end reads, all on
// dynalite. The oracle is the in-memory fold of `sla evaluate` (MinuteFacts.record of each result).
// Design: shared/adapters/dynamodb/minute-fact-repository.ts and shared/ingest/compact-days.ts (headers).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_DEV = 'true';
});

import {
  accountPk,
  COMPACT_AFTER_MINUTES,
  COMPACTION_SOURCE,
  daySk,
  hourSk,
  isDaySk,
  isLateSk,
  lateHourSk,
  SEAL_AFTER_MINUTES,
} from '#adapters/dynamodb/keys.ts';
import { type LocalDynamo, startLocalDynamo } from '#adapters/dynamodb/local-dynamodb.ts';
import {
  compactDay,
  isSealed,
  lastCompactableDay,
  readMinuteFacts,
  writeHourFacts,
} from '#adapters/dynamodb/minute-fact-repository.ts';
import { advanceWatermark, type OrderRecord, putOrder, readWatermark } from '#adapters/dynamodb/registry-repository.ts';
import type { Table } from '#adapters/dynamodb/table.ts';
import { MINUTES_PER_DAY } from '#domain/instant.ts';
import { MinuteFacts } from '#domain/minute-facts.ts';
import {
  ANY_OK,
  CAUSES,
  type Cause,
  causeBit,
  EXCLUDED_CAUSE_BITS,
  OBSERVED,
  PLATFORM_FAILURE,
  PROBE_FUNCTIONS,
  resultBits,
} from '#domain/probe.ts';
import { type CompactionOptions, type CompactionRun, compactDays } from '#ingest/compact-days.ts';
import { expiryOfHour, type IngestSummary, ProbeIngest, runBounded } from '#ingest/ingest-probes.ts';
import { makeHandler } from '../../functions/compact-minute-facts.ts';
import { type Item, scanAll, tableFactory } from '../support/dynamo.ts';
import { type FactList, isoOf, referenceFactList, ZONE } from '../support/ingest-facts.ts';

// ---------------------------------------------------------------------------------------------
// fixtures and helpers

let dynamo: LocalDynamo | undefined;
const tables = tableFactory(() => {
  if (!dynamo) throw new Error('dynalite is not started');
  return dynamo;
}, 'compaction');

beforeAll(async () => {
  dynamo = await startLocalDynamo('compaction-0');
});

afterAll(async () => {
  tables.destroy();
  await dynamo?.close();
});

const MS_PER_DAY = 86_400_000;
/** UTC epoch day of an ISO date or instant. */
const dayOf = (iso: string): number => Math.floor(Date.parse(iso) / MS_PER_DAY);
const isoDay = (epochDay: number): string => new Date(epochDay * MS_PER_DAY).toISOString().slice(0, 10);
/** Epoch ms of a UTC day's start plus `minutes`. */
const msAfterDay = (epochDay: number, minutes: number): number => (epochDay * MINUTES_PER_DAY + minutes) * 60_000;
const hourOf = (iso: string): number => Math.floor(Date.parse(iso) / 3_600_000);

const D9 = dayOf('2026-06-09');
const D10 = D9 + 1;
const D11 = D9 + 2;

/** acct-a covers the three days; acct-b's period starts 2026-06-09T16:00Z; acct-c's is in August. */
const ORDERS: OrderRecord[] = [
  { accountId: 'acct-a', orderId: 'ord-a', startDate: '2026-06-01', months: 1, cashPaid: '3000.00' },
  { accountId: 'acct-b', orderId: 'ord-b', startDate: '2026-06-10', months: 1, cashPaid: '1200.50' },
  { accountId: 'acct-c', orderId: 'ord-c', startDate: '2026-08-01', months: 1, cashPaid: '99.00' },
];

const probe = (accountId: string, at: string, ok: boolean, cause?: Cause, fn = 'publish'): string =>
  JSON.stringify({ accountId, function: fn, at, ok, ...(cause ? { cause } : {}) });

const storeOrders = async (table: Table, orders: readonly OrderRecord[] = ORDERS): Promise<void> => {
  for (const order of orders) expect(await putOrder(table, order)).toBe('created');
};

let runNo = 0;
/** One ingest run of `lines` at the clock `now` (an ISO instant or epoch ms). */
const ingestAt = async (table: Table, now: string | number, lines: readonly string[]): Promise<IngestSummary> => {
  const clock = new Date(now);
  const ingest = await ProbeIngest.open({
    table,
    source: 'backfill',
    runId: `run-${++runNo}`,
    timeZone: ZONE,
    retentionDaysAfterClaimClose: 30,
    now: () => clock,
  });
  ingest.push(Buffer.from(`${lines.join('\n')}\n`));
  return ingest.finish();
};

const options = (table: Table, now: string | number, overrides: Partial<CompactionOptions> = {}): CompactionOptions => {
  const clock = new Date(now);
  return {
    table,
    timeZone: ZONE,
    retentionDaysAfterClaimClose: 30,
    maxDaysPerRun: 3,
    concurrency: 16,
    now: () => clock,
    ...overrides,
  };
};

const compactAt = (
  table: Table,
  now: string | number,
  overrides: Partial<CompactionOptions> = {},
): Promise<CompactionRun> => compactDays(options(table, now, overrides));

/**
 * The accounts' minute facts as readMinuteFacts gives them for [from, to): [account, minute, state].
 * Listed two days wider on each side, so that a minute recorded outside the range shows.
 */
const readFacts = async (table: Table, accountIds: readonly string[], from: number, to: number): Promise<FactList> => {
  const facts = new MinuteFacts();
  const out: FactList = [];
  for (const accountId of accountIds) {
    await readMinuteFacts(table, accountId, from, to, facts);
    facts.forEachObserved(accountId, from - 2 * MINUTES_PER_DAY, to + 2 * MINUTES_PER_DAY, (minute, state) =>
      out.push([accountId, minute, state]),
    );
  }
  return out;
};

/** The oracle restricted to some accounts and [from, to). */
const expectedFacts = (
  lines: readonly string[],
  accountIds: readonly string[],
  from: number,
  to: number,
  orders: readonly OrderRecord[] = ORDERS,
): FactList => referenceFactList(orders, lines).filter(([a, m]) => accountIds.includes(a) && m >= from && m < to);

/** Sort keys of an account's items, in key order. */
const keysOf = async (table: Table, accountId: string): Promise<string[]> =>
  (await scanAll(table)).filter((item) => item.pk?.S === accountPk(accountId)).map((item) => item.sk?.S ?? '');

const dayItems = async (table: Table): Promise<Item[]> =>
  (await scanAll(table)).filter((item) => item.pk?.S?.startsWith('ACCOUNT#') && isDaySk(item.sk?.S ?? ''));

const compactionWatermark = (table: Table): Promise<number | undefined> => readWatermark(table, COMPACTION_SOURCE);

/** The first clock at which `epochDay` may be compacted. */
const compactableAt = (epochDay: number): number => msAfterDay(epochDay + 1, COMPACT_AFTER_MINUTES);
/** The first clock at which results for `epochDay` go to LATE# items. */
const sealedAt = (epochDay: number): number => msAfterDay(epochDay + 1, SEAL_AFTER_MINUTES);

// Three UTC days of results. acct-a: every state bit on 2026-06-09, nothing on 06-10, a few on
// 06-11. acct-b: only outside its period on 06-09 (an empty day in its period), all causes in one
// minute on 06-10, a failure in the last millisecond of 06-11.
const DAY_9 = [
  probe('acct-a', '2026-06-09T00:00:00Z', true),
  ...CAUSES.map((cause, i) => probe('acct-a', `2026-06-09T03:0${i}:10Z`, false, cause)),
  probe('acct-a', '2026-06-09T03:20:01Z', true, undefined, 'checkUpdate'),
  probe('acct-a', '2026-06-09T03:20:02Z', false, 'platform', 'download'),
  probe('acct-a', '2026-06-09T03:20:03Z', false, 'network', 'manage'),
  probe('acct-a', '2026-06-09T10:59:59.999Z', false, 'platform'),
  probe('acct-a', '2026-06-09T19:00:00+08:00', true),
  probe('acct-a', '2026-06-09T23:59:30Z', false),
  probe('acct-b', '2026-06-09T15:59:59Z', false, 'platform'), // before acct-b's period: ignored
];
const DAY_10 = [
  ...CAUSES.map((cause, i) => probe('acct-b', `2026-06-10T05:00:${String(i).padStart(2, '0')}Z`, false, cause)),
  ...Array.from({ length: 10 }, (_, i) => probe('acct-b', `2026-06-10T05:${String(i + 1).padStart(2, '0')}:00Z`, true)),
  probe('acct-b', '2026-06-10T13:30:00+08:00', false, 'suspended'),
];
const DAY_11 = [
  probe('acct-a', '2026-06-11T12:00:00Z', false, 'legal'),
  probe('acct-a', '2026-06-11T12:01:00Z', true),
  probe('acct-a', '2026-06-11T12:01:00Z', false, 'external'),
  probe('acct-b', '2026-06-11T23:59:59.999Z', false, 'platform'),
];
const THREE_DAYS = { from: D9 * MINUTES_PER_DAY, to: (D11 + 1) * MINUTES_PER_DAY };

/** Ingests the three days the way the feed would: during each day, and once just before its seal. */
const ingestThreeDays = async (table: Table): Promise<void> => {
  await ingestAt(table, '2026-06-09T12:00:00Z', DAY_9.slice(0, 8));
  await ingestAt(table, sealedAt(D9) - 1, DAY_9.slice(8));
  await ingestAt(table, '2026-06-10T23:00:00Z', DAY_10);
  await ingestAt(table, '2026-06-12T01:30:00Z', DAY_11);
};

// ---------------------------------------------------------------------------------------------

describe('compaction keeps every fact', () => {
  it('folds each account-day of a service period into a DAY# item; readMinuteFacts is the same before, between and after', async () => {
    // arrange
    const { table } = await tables.fresh();
    await storeOrders(table);
    await ingestThreeDays(table);
    const accounts = ['acct-a', 'acct-b', 'acct-c'];
    const lines = [...DAY_9, ...DAY_10, ...DAY_11];
    const expected = expectedFacts(lines, accounts, THREE_DAYS.from, THREE_DAYS.to);
    expect((await scanAll(table)).filter((i) => isLateSk(i.sk?.S ?? ''))).toEqual([]);
    const before = await readFacts(table, accounts, THREE_DAYS.from, THREE_DAYS.to);
    expect(before).toEqual(expected);

    // act: the daily runs, each the morning after (first run: only the last compactable day)
    const runs: CompactionRun[] = [];
    for (const [day, now] of [
      [D9, '2026-06-10T03:00:00Z'],
      [D10, '2026-06-11T03:00:00Z'],
      [D11, '2026-06-12T03:00:00Z'],
    ] as const) {
      runs.push(await compactAt(table, now));
      // between runs: some days compacted, the others still hour items
      expect(await readFacts(table, accounts, THREE_DAYS.from, THREE_DAYS.to), `after ${isoDay(day)}`).toEqual(
        expected,
      );
    }

    // assert: one DAY# item per account-day of a service period, empty days included
    expect(runs.map((r) => [r.days.map((d) => [d.day, d.accounts]), r.watermark, r.stoppedBecause])).toEqual([
      [[['2026-06-09', 2]], '2026-06-09', 'caught-up'],
      [[['2026-06-10', 2]], '2026-06-10', 'caught-up'],
      [[['2026-06-11', 2]], '2026-06-11', 'caught-up'],
    ]);
    const days = await dayItems(table);
    expect(days.map((i) => `${i.pk?.S} ${i.sk?.S}`)).toEqual([
      `ACCOUNT#acct-a ${daySk(D9)}`,
      `ACCOUNT#acct-a ${daySk(D10)}`,
      `ACCOUNT#acct-a ${daySk(D11)}`,
      `ACCOUNT#acct-b ${daySk(D9)}`,
      `ACCOUNT#acct-b ${daySk(D10)}`,
      `ACCOUNT#acct-b ${daySk(D11)}`,
    ]);
    const hourItemsOf = async (accountId: string, day: number) =>
      (await keysOf(table, accountId)).filter((sk) => sk >= hourSk(day * 24) && sk <= hourSk(day * 24 + 23)).length;
    for (const item of days) {
      const accountId = (item.pk?.S ?? '').slice('ACCOUNT#'.length);
      const day = Number((item.sk?.S ?? '').slice('DAY#'.length));
      expect(item.hours?.N, `${accountId} ${isoDay(day)}`).toBe(String(await hourItemsOf(accountId, day)));
      expect(Number(item.ttl?.N)).toBe(expiryOfHour(day * 24 + 23, ZONE, 30));
    }
    // the empty days: no state bitmap at all
    const empty = days.filter((i) => i.hours?.N === '0').map((i) => `${i.pk?.S} ${i.sk?.S}`);
    expect(empty).toEqual([`ACCOUNT#acct-a ${daySk(D10)}`, `ACCOUNT#acct-b ${daySk(D9)}`]);
    for (const item of days.filter((i) => i.hours?.N === '0')) {
      expect(Object.keys(item).sort()).toEqual(['hours', 'pk', 'sk', 'ttl']);
    }
    // the run's counts add up over the accounts compacted concurrently
    expect(runs.map((r) => r.days[0]?.hourItems)).toEqual([
      (await hourItemsOf('acct-a', D9)) + (await hourItemsOf('acct-b', D9)),
      (await hourItemsOf('acct-a', D10)) + (await hourItemsOf('acct-b', D10)),
      (await hourItemsOf('acct-a', D11)) + (await hourItemsOf('acct-b', D11)),
    ]);
    // the hour items stay until their TTL
    expect((await keysOf(table, 'acct-a')).filter((sk) => sk.startsWith('HOUR#')).length).toBeGreaterThan(0);
    expect(await keysOf(table, 'acct-c')).toEqual([]);

    // assert: minute by minute, every state bit survives the bitmaps
    const after = await readFacts(table, accounts, THREE_DAYS.from, THREE_DAYS.to);
    expect(after).toEqual(before);
    const stateOf = (accountId: string, iso: string): number | undefined =>
      after.find(([a, m]) => a === accountId && m === Math.floor(Date.parse(iso) / 60_000))?.[2];
    CAUSES.forEach((_, i) => {
      expect(stateOf('acct-a', `2026-06-09T03:0${i}:00Z`), CAUSES[i]).toBe(OBSERVED | causeBit(i));
    });
    expect(stateOf('acct-a', '2026-06-09T03:20:00Z')).toBe(OBSERVED | ANY_OK | PLATFORM_FAILURE | causeBit(1));
    expect(stateOf('acct-a', '2026-06-09T00:00:00Z')).toBe(OBSERVED | ANY_OK);
    expect(stateOf('acct-a', '2026-06-09T23:59:00Z')).toBe(OBSERVED | PLATFORM_FAILURE);
    expect(stateOf('acct-b', '2026-06-10T05:00:00Z')).toBe(OBSERVED | PLATFORM_FAILURE | EXCLUDED_CAUSE_BITS);
    expect(stateOf('acct-b', '2026-06-11T23:59:00Z')).toBe(OBSERVED | PLATFORM_FAILURE);
    expect(stateOf('acct-b', '2026-06-09T15:59:00Z')).toBeUndefined();
  });

  it('a first run leaves the days before it as hour items: a compacted day between open ones', async () => {
    // arrange
    const { table } = await tables.fresh();
    await storeOrders(table);
    await ingestThreeDays(table);
    // act: the first run ever, the morning after 06-10
    const run = await compactAt(table, '2026-06-11T03:00:00Z');
    // assert: 06-09 and 06-11 stay hour items around the DAY# items of 06-10
    expect(run.days.map((d) => d.day)).toEqual(['2026-06-10']);
    expect((await dayItems(table)).map((i) => i.sk?.S)).toEqual([daySk(D10), daySk(D10)]);
    const accounts = ['acct-a', 'acct-b'];
    expect(await readFacts(table, accounts, THREE_DAYS.from, THREE_DAYS.to)).toEqual(
      expectedFacts([...DAY_9, ...DAY_10, ...DAY_11], accounts, THREE_DAYS.from, THREE_DAYS.to),
    );
  });

  it('a range that starts and ends inside an hour or a day reads only its minutes, compacted or not', async () => {
    // arrange
    const { table } = await tables.fresh();
    await storeOrders(table);
    await ingestThreeDays(table);
    await advanceWatermark(table, COMPACTION_SOURCE, undefined, D9 - 1);
    const lines = [...DAY_9, ...DAY_10, ...DAY_11];
    // cuts inside hours and days, on both sides, next to observed minutes (03:00, 03:20, 05:00 …)
    const cuts = [
      ['2026-06-09T03:01:00Z', '2026-06-09T03:20:00Z'],
      ['2026-06-09T03:05:00Z', '2026-06-09T03:21:00Z'],
      ['2026-06-09T10:59:00Z', '2026-06-10T05:05:00Z'],
      ['2026-06-09T23:59:00Z', '2026-06-11T23:59:00Z'],
      ['2026-06-09T00:01:00Z', '2026-06-12T00:00:00Z'],
    ].map(
      ([from, to]) => [Math.floor(Date.parse(from ?? '') / 60_000), Math.floor(Date.parse(to ?? '') / 60_000)] as const,
    );
    const readCuts = async (stage: string): Promise<void> => {
      for (const range of cuts) {
        expect(await readFacts(table, ['acct-a', 'acct-b'], ...range), `${stage} ${range.map(isoOf)}`).toEqual(
          expectedFacts(lines, ['acct-a', 'acct-b'], ...range),
        );
      }
    };
    // act / assert: as hour items, then as day items
    await readCuts('hour items');
    expect((await compactAt(table, '2026-06-12T03:00:00Z')).days.map((d) => d.day)).toEqual([
      '2026-06-09',
      '2026-06-10',
      '2026-06-11',
    ]);
    await readCuts('day items');
  });
});

describe('results after the seal', () => {
  it('go to LATE# items, are read with the DAY# items and survive later compactions', async () => {
    // arrange: 2026-06-09 ingested while open
    const { table } = await tables.fresh();
    await storeOrders(table);
    const lines = DAY_9.slice(0, 13);
    await ingestAt(table, '2026-06-09T12:00:00Z', lines);
    const hourKeys = await keysOf(table, 'acct-a');
    expect(hourKeys.every((sk) => sk.startsWith('HOUR#'))).toBe(true);

    // act 1: one batch a millisecond before the seal, one at the seal, each with a 06-09 result
    // and a 06-10 one
    const justBefore = [probe('acct-a', '2026-06-09T21:10:00Z', true), probe('acct-a', '2026-06-10T01:10:00Z', true)];
    const atSeal = [
      probe('acct-a', '2026-06-09T20:15:00Z', false, 'platform'),
      probe('acct-a', '2026-06-10T01:15:00Z', false, 'attack'),
    ];
    await ingestAt(table, sealedAt(D9) - 1, justBefore);
    await ingestAt(table, sealedAt(D9), atSeal);
    lines.push(...justBefore, ...atSeal);

    // assert 1: only the 06-09 result at the seal is late
    expect(isSealed(D9, sealedAt(D9) - 1)).toBe(false);
    expect(isSealed(D9, sealedAt(D9))).toBe(true);
    expect((await keysOf(table, 'acct-a')).filter((sk) => !hourKeys.includes(sk))).toEqual([
      lateHourSk(hourOf('2026-06-09T20:00:00Z')),
      hourSk(hourOf('2026-06-09T21:00:00Z')),
      hourSk(hourOf('2026-06-10T01:00:00Z')),
    ]);
    const whole = [D9 * MINUTES_PER_DAY, (D10 + 1) * MINUTES_PER_DAY] as const;
    expect(await readFacts(table, ['acct-a'], ...whole)).toEqual(expectedFacts(lines, ['acct-a'], ...whole));

    // act 2: 06-09 compacted; then more late results for it, and for 06-10 after its seal
    expect((await compactAt(table, compactableAt(D9))).days.map((d) => d.day)).toEqual(['2026-06-09']);
    const dayItem = (await dayItems(table)).find((i) => i.sk?.S === daySk(D9));
    expect(dayItem?.hours?.N).toBe(String(hourKeys.length + 1)); // the HOUR# items only, not the LATE# one
    const later = [
      probe('acct-a', '2026-06-09T20:16:00Z', false, 'customer'),
      probe('acct-a', '2026-06-09T05:00:00Z', false, 'unsupported'),
      probe('acct-a', '2026-06-09T03:20:30Z', false, 'legal'), // a minute the DAY# item already has
      probe('acct-a', '2026-06-10T23:59:59Z', true),
    ];
    await ingestAt(table, '2026-06-11T09:00:00Z', later);
    lines.push(...later);

    // assert 2: LATE# items next to the DAY# item, all of it read back
    expect((await keysOf(table, 'acct-a')).filter((sk) => isLateSk(sk) || isDaySk(sk))).toEqual([
      daySk(D9),
      lateHourSk(hourOf('2026-06-09T03:00:00Z')),
      lateHourSk(hourOf('2026-06-09T05:00:00Z')),
      lateHourSk(hourOf('2026-06-09T20:00:00Z')),
      lateHourSk(hourOf('2026-06-10T23:00:00Z')),
    ]);
    const expected = expectedFacts(lines, ['acct-a'], ...whole);
    expect(await readFacts(table, ['acct-a'], ...whole)).toEqual(expected);
    const late = expected.find(([, m]) => m === Math.floor(Date.parse('2026-06-09T03:20:00Z') / 60_000));
    expect(late?.[2]).toBe(OBSERVED | ANY_OK | PLATFORM_FAILURE | causeBit(1) | causeBit(8));

    // act 3: later runs compact 06-10 and the next day; 06-09 compacted again by hand (idempotent)
    const run = await compactAt(table, '2026-06-12T03:00:00Z');
    await compactDay(table, 'acct-a', D9, Number(dayItem?.ttl?.N));

    // assert 3: nothing lost, the DAY# item of 06-09 unchanged
    expect(run.days.map((d) => d.day)).toEqual(['2026-06-10', '2026-06-11']);
    expect((await dayItems(table)).find((i) => i.sk?.S === daySk(D9))).toEqual(dayItem);
    expect(await readFacts(table, ['acct-a'], ...whole)).toEqual(expected);
    expect((await keysOf(table, 'acct-a')).filter((sk) => isLateSk(sk))).toHaveLength(4);
  });
});

// ---------------------------------------------------------------------------------------------
// Property: whatever the ingest times (before or after the seal) and the compaction runs,
// readMinuteFacts gives the OR-fold of all results.

const PROPERTY_ACCOUNTS = ['p-a', 'p-b', 'p-c'];
const PROPERTY_ORDERS: OrderRecord[] = PROPERTY_ACCOUNTS.map((accountId) => ({
  accountId,
  orderId: `ord-${accountId}`,
  startDate: '2026-06-01',
  months: 1,
  cashPaid: '100.00',
}));
const BASE_DAY = D9;

const resultArb = fc.record({
  account: fc.nat(2),
  day: fc.nat(3),
  minute: fc.oneof(fc.integer({ min: 0, max: 1439 }), fc.constantFrom(0, 59, 60, 719, 1380, 1439)),
  second: fc.integer({ min: 0, max: 59 }),
  /** -1: ok; else the cause index */
  outcome: fc.integer({ min: -1, max: 8 }),
  fn: fc.constantFrom(...PROBE_FUNCTIONS),
  /** minutes from the result to its ingest: mostly before the seal, some days late */
  delay: fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 200 }), weight: 3 },
    { arbitrary: fc.integer({ min: 0, max: 3 * MINUTES_PER_DAY }), weight: 1 },
  ),
});

const caseArb = fc.record({
  accounts: fc.integer({ min: 1, max: 3 }),
  days: fc.integer({ min: 2, max: 4 }),
  results: fc.array(resultArb, { minLength: 1, maxLength: 40, size: 'medium' }),
  /** ingest runs every this many minutes */
  cadence: fc.constantFrom(10, 60, 180, 720),
  compactions: fc.array(
    fc.record({ at: fc.integer({ min: 0, max: 7 * MINUTES_PER_DAY }), maxDays: fc.integer({ min: 1, max: 3 }) }),
    { minLength: 1, maxLength: 4 },
  ),
  /** a watermark left by earlier runs, days before BASE_DAY (none: a first run) */
  watermark: fc.option(fc.integer({ min: 1, max: 3 })),
  cut: fc.tuple(fc.nat(4 * MINUTES_PER_DAY), fc.nat(4 * MINUTES_PER_DAY)),
});
type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

const coverage = { lateItems: 0, dayPlanes: 0, causePlanes: 0, mixedReads: 0 };

const checkCase = async (c: Case): Promise<void> => {
  const { table } = await tables.fresh();
  const accounts = PROPERTY_ACCOUNTS.slice(0, c.accounts);
  await storeOrders(
    table,
    PROPERTY_ORDERS.filter((o) => accounts.includes(o.accountId)),
  );
  if (c.watermark !== null) await advanceWatermark(table, COMPACTION_SOURCE, undefined, BASE_DAY - c.watermark);

  // the oracle, and the ingest batches: each result in the first run at or after it arrives
  const oracle = new MinuteFacts();
  const batches = new Map<number, string[]>();
  for (const r of c.results) {
    const accountId = accounts[r.account % c.accounts] ?? '';
    const minute = (BASE_DAY + (r.day % c.days)) * MINUTES_PER_DAY + r.minute;
    const ok = r.outcome < 0;
    const cause = CAUSES[Math.max(r.outcome, 0)] ?? 'platform';
    oracle.record(accountId, minute, resultBits(ok, Math.max(r.outcome, 0)));
    const at = new Date(minute * 60_000 + r.second * 1000).toISOString();
    const runAt = Math.ceil((minute + 1 + r.delay) / c.cadence) * c.cadence;
    batches.set(runAt, [...(batches.get(runAt) ?? []), probe(accountId, at, ok, ok ? undefined : cause, r.fn)]);
  }
  const events = [
    ...[...batches].map(([minute, lines]) => ({ minute, ingest: lines, maxDays: 0 })),
    ...c.compactions.map((k) => ({ minute: BASE_DAY * MINUTES_PER_DAY + k.at, ingest: undefined, maxDays: k.maxDays })),
  ].sort((a, b) => a.minute - b.minute || (a.ingest ? 0 : 1) - (b.ingest ? 0 : 1));
  for (const event of events) {
    if (event.ingest) await ingestAt(table, event.minute * 60_000, event.ingest);
    else await compactAt(table, event.minute * 60_000, { maxDaysPerRun: event.maxDays });
  }

  // the whole range, and a cut anywhere in it
  const from = BASE_DAY * MINUTES_PER_DAY;
  const to = (BASE_DAY + c.days) * MINUTES_PER_DAY;
  const [x, y] = c.cut.map((v) => v % (to - from)) as [number, number];
  const cutFrom = from + Math.min(x, y);
  const cutTo = from + Math.max(x, y) + 1;
  for (const [a, b] of [
    [from, to],
    [cutFrom, cutTo],
  ] as const) {
    const want: FactList = [];
    for (const accountId of accounts) oracle.forEachObserved(accountId, a, b, (m, s) => want.push([accountId, m, s]));
    expect(await readFacts(table, accounts, a, b)).toEqual(want);
  }

  const items = await scanAll(table);
  coverage.lateItems += items.filter((i) => isLateSk(i.sk?.S ?? '')).length;
  const compacted = items.filter((i) => isDaySk(i.sk?.S ?? ''));
  for (const day of compacted) {
    const planes = Object.keys(day).filter((a) => day[a]?.B !== undefined);
    coverage.dayPlanes += planes.length;
    coverage.causePlanes += planes.filter((a) => a.startsWith('c')).length;
  }
  const hoursOutsideDays = items.filter((i) => {
    const sk = i.sk?.S ?? '';
    if (!sk.startsWith('HOUR#')) return false;
    return !compacted.some((d) => d.pk?.S === i.pk?.S && daySk(Math.floor(Number(sk.slice(5)) / 24)) === d.sk?.S);
  });
  if (compacted.length > 0 && hoursOutsideDays.length > 0) coverage.mixedReads++;
};

describe('property: readMinuteFacts is the OR-fold of every result', () => {
  it('for any ingest times around the seal and any compaction runs', async () => {
    await fc.assert(fc.asyncProperty(caseArb, checkCase), {
      seed: 20_261_129,
      numRuns: 25,
      interruptAfterTimeLimit: 80_000,
      markInterruptAsFailure: true,
    });
    // a guard against a generator that stops reaching late results, compacted facts (excluded
    // causes among them), or a mix of compacted and open days in one read
    expect(coverage.lateItems).toBeGreaterThan(0);
    expect(coverage.dayPlanes).toBeGreaterThan(0);
    expect(coverage.causePlanes).toBeGreaterThan(0);
    expect(coverage.mixedReads).toBeGreaterThan(0);
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------

describe('the watermark', () => {
  /** Five days of a few results for acct-a and acct-b, each ingested before its seal. */
  const ingestDays = async (table: Table, first: number, count: number): Promise<void> => {
    for (let day = first; day < first + count; day++) {
      const at = new Date(msAfterDay(day, 9 * 60 + 7)).toISOString();
      await ingestAt(table, msAfterDay(day, 23 * 60), [probe('acct-a', at, false), probe('acct-b', at, true)]);
    }
  };

  it('first run: only the last compactable day; a second run the same day writes nothing', async () => {
    // arrange
    const { table } = await tables.fresh();
    await storeOrders(table);
    await ingestDays(table, D9, 3);
    // act
    const first = await compactAt(table, '2026-06-12T03:00:00Z');
    const writes = table.meter.writeUnits;
    const second = await compactAt(table, '2026-06-12T10:00:00Z');
    // assert
    expect(first).toEqual({
      days: [{ day: '2026-06-11', accounts: 2, hourItems: 2 }],
      watermark: '2026-06-11',
      stoppedBecause: 'caught-up',
    });
    expect(second).toEqual({ days: [], watermark: '2026-06-11', stoppedBecause: 'caught-up' });
    expect(table.meter.writeUnits).toBe(writes);
    expect((await dayItems(table)).map((i) => i.sk?.S)).toEqual([daySk(D11), daySk(D11)]);
  });

  it('after missed days: at most maxDaysPerRun a run (max-days), the next run goes on', async () => {
    // arrange: compacted up to 06-09, then five daily runs missed
    const { table } = await tables.fresh();
    await storeOrders(table);
    await ingestDays(table, D9, 6);
    await compactAt(table, '2026-06-10T03:00:00Z');
    const now = '2026-06-15T03:00:00Z';
    // act
    const first = await compactAt(table, now, { maxDaysPerRun: 2 });
    const second = await compactAt(table, now, { maxDaysPerRun: 2 });
    const third = await compactAt(table, now, { maxDaysPerRun: 2 });
    // assert
    expect([first, second, third].map((r) => [r.days.map((d) => d.day), r.watermark, r.stoppedBecause])).toEqual([
      [['2026-06-10', '2026-06-11'], '2026-06-11', 'max-days'],
      [['2026-06-12', '2026-06-13'], '2026-06-13', 'max-days'],
      [['2026-06-14'], '2026-06-14', 'caught-up'],
    ]);
    expect(await compactionWatermark(table)).toBe(dayOf('2026-06-14'));
    expect((await keysOf(table, 'acct-a')).filter((sk) => isDaySk(sk))).toEqual(
      [0, 1, 2, 3, 4, 5].map((i) => daySk(D9 + i)),
    );
  });

  it('exactly as many days as maxDaysPerRun left: caught up, not max-days', async () => {
    const { table } = await tables.fresh();
    await storeOrders(table);
    await advanceWatermark(table, COMPACTION_SOURCE, undefined, D9 - 1);
    const run = await compactAt(table, '2026-06-12T03:00:00Z', { maxDaysPerRun: 3 });
    expect([run.days.length, run.stoppedBecause]).toEqual([3, 'caught-up']);
  });

  it('a day is not compacted before COMPACT_AFTER_MINUTES after its end', async () => {
    // arrange: 06-09 done
    const { table } = await tables.fresh();
    await storeOrders(table);
    await ingestDays(table, D9, 2);
    await compactAt(table, compactableAt(D9));
    const writes = table.meter.writeUnits;
    // act: a millisecond early, then on time
    expect(lastCompactableDay(compactableAt(D10) - 1)).toBe(D9);
    expect(lastCompactableDay(compactableAt(D10))).toBe(D10);
    const early = await compactAt(table, compactableAt(D10) - 1);
    const earlyWrites = table.meter.writeUnits;
    const onTime = await compactAt(table, compactableAt(D10));
    // assert
    expect(early).toEqual({ days: [], watermark: '2026-06-09', stoppedBecause: 'caught-up' });
    expect(earlyWrites).toBe(writes);
    expect((await keysOf(table, 'acct-a')).filter((sk) => isDaySk(sk))).toEqual([daySk(D9), daySk(D10)]);
    expect(onTime.days.map((d) => d.day)).toEqual(['2026-06-10']);
    // and the first run ever, just before 06-09 may be compacted, takes the day before it
    const { table: fresh } = await tables.fresh();
    await storeOrders(fresh);
    expect((await compactAt(fresh, compactableAt(D9) - 1)).days.map((d) => d.day)).toEqual(['2026-06-08']);
  });

  it('two racing runs: one stops as a concurrent run, and the DAY# items are those of one run alone', async () => {
    // arrange: two tables with the same facts, watermark at 06-08, four days to do
    const setUp = async (): Promise<Table> => {
      const { table } = await tables.fresh();
      await storeOrders(table);
      await ingestDays(table, D9, 4);
      await advanceWatermark(table, COMPACTION_SOURCE, undefined, D9 - 1);
      return table;
    };
    const raced = await setUp();
    const alone = await setUp();
    const now = '2026-06-13T03:00:00Z';
    // act
    const runs = await Promise.all([
      compactAt(raced, now, { maxDaysPerRun: 5, concurrency: 1 }),
      compactAt(raced, now, { maxDaysPerRun: 5, concurrency: 1 }),
    ]);
    await compactAt(alone, now, { maxDaysPerRun: 5 });
    // assert
    const outcomes = runs.map((r) => r.stoppedBecause).sort();
    expect(
      outcomes.join() === 'caught-up,concurrent-run' || outcomes.join() === 'caught-up,caught-up',
      outcomes.join(),
    ).toBe(true);
    expect(runs.find((r) => r.stoppedBecause === 'caught-up')?.watermark).toBe('2026-06-12');
    expect(await compactionWatermark(raced)).toBe(dayOf('2026-06-12'));
    expect(await dayItems(raced)).toHaveLength(8);
    expect(await dayItems(raced)).toEqual(await dayItems(alone));
  });
});

describe('what compaction saves', () => {
  it('a compacted month of a healthy account reads in ≤ 5 read units, less than its hour items', async () => {
    // arrange: July 2026 (Asia/Shanghai) of a healthy account, 744 hour items, as ingestion writes them
    const { table } = await tables.fresh();
    const order: OrderRecord = {
      accountId: 'acct-m',
      orderId: 'ord-m',
      startDate: '2026-07-01',
      months: 1,
      cashPaid: '3100.00',
    };
    await storeOrders(table, [order]);
    const from = Date.parse('2026-07-01T00:00:00+08:00') / 60_000;
    const to = Date.parse('2026-08-01T00:00:00+08:00') / 60_000;
    const states = new Uint16Array(60).fill(OBSERVED | ANY_OK);
    await runBounded(
      Array.from(
        { length: (to - from) / 60 },
        (_, h) => () =>
          writeHourFacts(table, { accountId: 'acct-m', epochHour: from / 60 + h, states, expiresAt: 1_800_000_000 }),
      ),
      16,
    );
    const measuredRead = async (): Promise<{ units: number; facts: FactList }> => {
      const units = table.meter.readUnits;
      const facts = await readFacts(table, ['acct-m'], from, to);
      return { units: table.meter.readUnits - units, facts };
    };
    const hourItems = await measuredRead();

    // act: compact the 32 UTC days the month touches, in one run
    await advanceWatermark(table, COMPACTION_SOURCE, undefined, Math.floor(from / MINUTES_PER_DAY) - 1);
    const run = await compactAt(table, '2026-08-01T03:00:00Z', { maxDaysPerRun: 40 });
    const compacted = await measuredRead();

    // assert
    expect(run.days).toHaveLength(32);
    expect(run.days.every((d) => d.accounts === 1)).toBe(true);
    expect(compacted.facts).toEqual(hourItems.facts);
    expect(compacted.facts).toHaveLength(31 * MINUTES_PER_DAY);
    // 744 hour items of one run each ("0-59") read in ~4 units
    expect(hourItems.units).toBeGreaterThanOrEqual(3);
    expect(compacted.units).toBeLessThanOrEqual(5);
    expect(compacted.units).toBeLessThan(hourItems.units);
  });
});

describe('the handler', () => {
  it('makeHandler runs compactDays with the given options and returns the run', async () => {
    // arrange
    const { table } = await tables.fresh();
    await storeOrders(table);
    await ingestThreeDays(table);
    // act
    const run = await makeHandler(options(table, '2026-06-11T03:00:00Z'))();
    // assert
    expect(run).toEqual({
      // acct-a had nothing on 06-10; acct-b's results all fell in one hour
      days: [{ day: '2026-06-10', accounts: 2, hourItems: 1 }],
      watermark: '2026-06-10',
      stoppedBecause: 'caught-up',
    });
    expect((await dayItems(table)).map((i) => `${i.pk?.S} ${i.sk?.S}`)).toEqual([
      `ACCOUNT#acct-a ${daySk(D10)}`,
      `ACCOUNT#acct-b ${daySk(D10)}`,
    ]);
  });
});
