// SPEC R4 · Unavailable minutes (§1.2, §1.3): the verdict of one account-minute from its results.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BusinessCalendar } from '#domain/business-calendar.ts';
import { countMinutes, evaluateOrder } from '#domain/evaluate.ts';
import { MinuteFacts } from '#domain/minute-facts.ts';
import { validateProbe } from '#domain/probe.ts';
import type { Order, ServiceMonth } from '#domain/service-months.ts';
import { epochMinute, type RawProbe, recordProbe, runScenario, scenarioProblems, ZONE } from './scenario-harness.ts';

const ACCOUNT = 'acc-1';

/** June 2026 of ord-1, written out by hand: local midnight 06-01 is 05-31T16:00Z. */
const JUNE: ServiceMonth = {
  accountId: ACCOUNT,
  orderId: 'ord-1',
  month: '2026-06',
  firstDay: '2026-06-01',
  lastDay: '2026-06-30',
  days: 30,
  totalMinutes: 43_200,
  startMinute: Date.UTC(2026, 4, 31, 16, 0, 0) / 60_000,
  endMinute: Date.UTC(2026, 5, 30, 16, 0, 0) / 60_000,
};

const probe = (at: string, ok: boolean, cause?: string, accountId = ACCOUNT): RawProbe =>
  cause === undefined ? { accountId, function: 'publish', at, ok } : { accountId, function: 'publish', at, ok, cause };

const factsOf = (...probes: RawProbe[]): MinuteFacts => {
  const facts = new MinuteFacts();
  for (const p of probes) recordProbe(facts, p);
  return facts;
};

describe('one minute, several results (R4)', () => {
  it('ok + platform failure in one minute → available', () => {
    // arrange
    const facts = factsOf(probe('2026-06-10T10:00:05+08:00', true), probe('2026-06-10T10:00:35+08:00', false));
    // act
    const counts = countMinutes(JUNE, facts, []);
    // assert
    expect(counts).toEqual({ unavailableMinutes: 0, observedMinutes: 1, excludedMinutes: {}, excludedBy: {} });
  });

  it('ok + excluded-cause failure in one minute → available, not excluded', () => {
    // arrange
    const facts = factsOf(
      probe('2026-06-10T10:00:05+08:00', false, 'network'),
      probe('2026-06-10T10:00:35+08:00', true),
    );
    // act
    const counts = countMinutes(JUNE, facts, []);
    // assert
    expect(counts).toEqual({ unavailableMinutes: 0, observedMinutes: 1, excludedMinutes: {}, excludedBy: {} });
  });

  it('platform + network failures in one minute → unavailable', () => {
    // arrange
    const facts = factsOf(
      probe('2026-06-10T10:00:05+08:00', false, 'platform'),
      probe('2026-06-10T10:00:35+08:00', false, 'network'),
    );
    // act
    const counts = countMinutes(JUNE, facts, []);
    // assert
    expect(counts).toEqual({ unavailableMinutes: 1, observedMinutes: 1, excludedMinutes: {}, excludedBy: {} });
  });

  it('network + attack failures in one minute → excluded once, under the lowest clause 4.2', () => {
    // arrange
    const facts = factsOf(
      probe('2026-06-10T10:00:05+08:00', false, 'attack'),
      probe('2026-06-10T10:00:35+08:00', false, 'network'),
    );
    // act
    const counts = countMinutes(JUNE, facts, []);
    // assert
    expect(counts).toEqual({
      unavailableMinutes: 0,
      observedMinutes: 1,
      excludedMinutes: { '4.2': 1 },
      excludedBy: { 'cause:network': 1 },
    });
  });

  it('legal + credentials failures in one minute → excluded under 4.4', () => {
    // arrange
    const facts = factsOf(
      probe('2026-06-10T10:00:05+08:00', false, 'legal'),
      probe('2026-06-10T10:00:35+08:00', false, 'credentials'),
    );
    // act
    const counts = countMinutes(JUNE, facts, []);
    // assert
    expect(counts.excludedMinutes).toEqual({ '4.4': 1 });
    expect(counts.excludedBy).toEqual({ 'cause:credentials': 1 });
  });

  it('a failure without a cause is a platform failure → unavailable', () => {
    // arrange
    const facts = factsOf(probe('2026-06-10T10:00:05+08:00', false));
    // act
    const counts = countMinutes(JUNE, facts, []);
    // assert
    expect(counts.unavailableMinutes).toBe(1);
    expect(counts.excludedMinutes).toEqual({});
  });

  it.each([
    ['network', '4.2'],
    ['attack', '4.3'],
    ['credentials', '4.4'],
    ['customer', '4.5'],
    ['unsupported', '4.6'],
    ['external', '4.7'],
    ['suspended', '4.8'],
    ['legal', '4.9'],
  ])('a minute with only %s failures is excluded under §%s', (cause, clause) => {
    // arrange
    const facts = factsOf(probe('2026-06-10T10:00:05+08:00', false, cause));
    // act
    const counts = countMinutes(JUNE, facts, []);
    // assert
    expect(counts).toEqual({
      unavailableMinutes: 0,
      observedMinutes: 1,
      excludedMinutes: { [clause]: 1 },
      excludedBy: { [`cause:${cause}`]: 1 },
    });
  });

  it('the fold is order-independent: ok after failures in the same minute still makes it available', () => {
    // arrange
    const facts = factsOf(
      probe('2026-06-10T10:00:59.999+08:00', true),
      probe('2026-06-10T10:00:00+08:00', false),
      probe('2026-06-10T10:00:30+08:00', false),
    );
    // act
    const counts = countMinutes(JUNE, facts, []);
    // assert
    expect(counts.unavailableMinutes).toBe(0);
  });
});

describe('outages shorter than a minute (§1.3)', () => {
  it('SPEC example: failures 10:00:30–10:01:29 with successes at 10:00:10 and 10:01:45 → 0 unavailable minutes', () => {
    // arrange
    const facts = factsOf(
      probe('2026-06-10T10:00:10+08:00', true),
      probe('2026-06-10T10:00:30+08:00', false),
      probe('2026-06-10T10:00:45+08:00', false),
      probe('2026-06-10T10:01:00+08:00', false),
      probe('2026-06-10T10:01:15+08:00', false),
      probe('2026-06-10T10:01:29+08:00', false),
      probe('2026-06-10T10:01:45+08:00', true),
    );
    // act
    const counts = countMinutes(JUNE, facts, []);
    // assert
    expect(counts.unavailableMinutes).toBe(0);
    expect(counts.observedMinutes).toBe(2);
  });

  it('failures through a whole clock minute (10:01:00–10:01:59) with successes either side → 1 unavailable minute', () => {
    // arrange
    const facts = factsOf(
      probe('2026-06-10T10:00:10+08:00', true),
      probe('2026-06-10T10:00:30+08:00', false),
      probe('2026-06-10T10:01:00+08:00', false),
      probe('2026-06-10T10:01:59.999+08:00', false),
      probe('2026-06-10T10:02:00+08:00', false),
      probe('2026-06-10T10:02:15+08:00', true),
    );
    // act
    const counts = countMinutes(JUNE, facts, []);
    // assert
    expect(counts.unavailableMinutes).toBe(1);
    expect(counts.observedMinutes).toBe(3);
  });
});

describe('minutes without results (R4)', () => {
  it('a minute with no result is available and not observed; totalMinutes does not shrink', () => {
    // arrange
    const order: Order = {
      accountId: ACCOUNT,
      orderId: 'ord-1',
      startDate: '2026-06-01',
      months: 1,
      cashPaidFen: 30_000,
    };
    const facts = factsOf(
      probe('2026-06-10T10:00:05+08:00', false),
      probe('2026-06-10T10:01:05+08:00', false),
      probe('2026-06-10T10:02:05+08:00', false),
    );
    // act
    const [june] = evaluateOrder(order, ZONE, facts, [], new BusinessCalendar());
    // assert
    expect(june?.report.unavailableMinutes).toBe(3);
    expect(june?.report.observedMinutes).toBe(3);
    expect(june?.report.totalMinutes).toBe(43_200);
  });

  it('no results at all → 0 unavailable and 0 observed minutes (a gap is visible, not uptime)', () => {
    // arrange
    const facts = new MinuteFacts();
    // act
    const counts = countMinutes(JUNE, facts, []);
    // assert
    expect(counts).toEqual({ unavailableMinutes: 0, observedMinutes: 0, excludedMinutes: {}, excludedBy: {} });
  });

  it("another account's failures do not count", () => {
    // arrange
    const facts = factsOf(probe('2026-06-10T10:00:05+08:00', false, 'platform', 'acc-other'));
    // act
    const counts = countMinutes(JUNE, facts, []);
    // assert
    expect(counts.unavailableMinutes).toBe(0);
    expect(counts.observedMinutes).toBe(0);
  });
});

describe('local midnight and month ends (R1, R4)', () => {
  const juneAndJuly: Order = {
    accountId: ACCOUNT,
    orderId: 'ord-1',
    startDate: '2026-06-01',
    months: 2,
    cashPaidFen: 61_000,
  };

  it("2026-06-30T16:00:00Z is 2026-07-01 00:00 in Asia/Shanghai and counts in July's service month", () => {
    // arrange
    const facts = factsOf(probe('2026-06-30T16:00:00Z', false));
    // act
    const months = evaluateOrder(juneAndJuly, ZONE, facts, [], new BusinessCalendar());
    // assert
    expect(months.map((m) => [m.report.month, m.report.unavailableMinutes])).toEqual([
      ['2026-06', 0],
      ['2026-07', 1],
    ]);
  });

  it("2026-06-30T15:59:59Z is 2026-06-30 23:59:59 in Asia/Shanghai and counts in June's service month", () => {
    // arrange
    const facts = factsOf(probe('2026-06-30T15:59:59Z', false));
    // act
    const months = evaluateOrder(juneAndJuly, ZONE, facts, [], new BusinessCalendar());
    // assert
    expect(months.map((m) => [m.report.month, m.report.unavailableMinutes])).toEqual([
      ['2026-06', 1],
      ['2026-07', 0],
    ]);
  });

  it('2026-06-30T15:59:59.999999999Z still belongs to June', () => {
    // arrange
    const facts = factsOf(probe('2026-06-30T15:59:59.999999999Z', false));
    // act
    const months = evaluateOrder(juneAndJuly, ZONE, facts, [], new BusinessCalendar());
    // assert
    expect(months.map((m) => [m.report.month, m.report.unavailableMinutes])).toEqual([
      ['2026-06', 1],
      ['2026-07', 0],
    ]);
  });

  it('the scenario path puts the same two UTC instants on either side of the month end', () => {
    // arrange
    const doc = {
      orders: [{ accountId: ACCOUNT, orderId: 'ord-1', startDate: '2026-06-01', months: 2, cashPaid: '610.00' }],
      probes: [probe('2026-06-30T15:59:59Z', false), probe('2026-06-30T16:00:00Z', false, 'network')],
    };
    // act
    const report = runScenario(doc);
    // assert
    expect(
      report.serviceMonths.map((m) => [m.month, m.unavailableMinutes, m.excludedMinutes, m.observedMinutes]),
    ).toEqual([
      ['2026-06', 1, {}, 1],
      ['2026-07', 0, { '4.2': 1 }, 1],
    ]);
    expect(report.ignoredProbes).toBe(0);
  });

  it('a result 1 s before local midnight of the start date is outside the service period and ignored', () => {
    // arrange
    const doc = {
      orders: [{ accountId: ACCOUNT, orderId: 'ord-1', startDate: '2026-06-01', months: 1, cashPaid: '300.00' }],
      probes: [probe('2026-05-31T15:59:59Z', false), probe('2026-05-31T16:00:00Z', false)],
    };
    // act
    const report = runScenario(doc);
    // assert
    expect(report.ignoredProbes).toBe(1);
    expect(report.serviceMonths[0]?.unavailableMinutes).toBe(1);
    expect(report.serviceMonths[0]?.observedMinutes).toBe(1);
  });

  it('a result at local midnight after the last service day is outside the service period and ignored', () => {
    // arrange
    const doc = {
      orders: [{ accountId: ACCOUNT, orderId: 'ord-1', startDate: '2026-06-01', months: 1, cashPaid: '300.00' }],
      probes: [probe('2026-07-01T00:00:00+08:00', false), probe('2026-06-30T23:59:59+08:00', false)],
    };
    // act
    const report = runScenario(doc);
    // assert
    expect(report.ignoredProbes).toBe(1);
    expect(report.serviceMonths.map((m) => [m.month, m.unavailableMinutes])).toEqual([['2026-06', 1]]);
  });

  it('a result in the gap between two orders of one account is outside every service period and ignored', () => {
    // arrange
    const doc = {
      orders: [
        { accountId: ACCOUNT, orderId: 'ord-jun', startDate: '2026-06-01', months: 1, cashPaid: '300.00' },
        { accountId: ACCOUNT, orderId: 'ord-aug', startDate: '2026-08-01', months: 1, cashPaid: '310.00' },
      ],
      probes: [
        probe('2026-06-30T23:59:00+08:00', false),
        probe('2026-07-15T10:00:00+08:00', false),
        probe('2026-08-01T00:00:00+08:00', false),
      ],
    };
    // act
    const report = runScenario(doc);
    // assert
    expect(report.ignoredProbes).toBe(1);
    expect(report.serviceMonths.map((m) => [m.orderId, m.month, m.unavailableMinutes])).toEqual([
      ['ord-aug', '2026-08', 1],
      ['ord-jun', '2026-06', 1],
    ]);
  });

  it('a result for an unknown account is ignored and counted', () => {
    // arrange
    const doc = {
      orders: [{ accountId: ACCOUNT, orderId: 'ord-1', startDate: '2026-06-01', months: 1, cashPaid: '300.00' }],
      probes: [probe('2026-06-10T10:00:05+08:00', false, 'platform', 'acc-unknown')],
    };
    // act
    const report = runScenario(doc);
    // assert
    expect(report.ignoredProbes).toBe(1);
    expect(report.serviceMonths[0]?.observedMinutes).toBe(0);
  });

  it('a local evening given with a negative offset lands on the next local day: 2026-06-30T12:30:00-04:00 is July', () => {
    // arrange
    const facts = factsOf(probe('2026-06-30T12:30:00-04:00', false));
    // act
    const months = evaluateOrder(juneAndJuly, ZONE, facts, [], new BusinessCalendar());
    // assert
    expect(months.map((m) => m.report.unavailableMinutes)).toEqual([0, 1]);
  });
});

describe('the policy time zone (R1)', () => {
  it('with policy.timeZone UTC, 2026-06-30T16:00:00Z is still June and 2026-07-01T07:59:59+08:00 too', () => {
    // arrange
    const doc = {
      policy: { timeZone: 'UTC' },
      orders: [{ accountId: ACCOUNT, orderId: 'ord-1', startDate: '2026-06-01', months: 2, cashPaid: '610.00' }],
      probes: [probe('2026-06-30T16:00:00Z', false), probe('2026-07-01T07:59:59+08:00', false)],
    };
    // act
    const report = runScenario(doc);
    // assert
    expect(report.serviceMonths.map((m) => [m.month, m.unavailableMinutes])).toEqual([
      ['2026-06', 2],
      ['2026-07', 0],
    ]);
  });

  it('an unknown time zone is an input error', () => {
    // arrange
    const doc = {
      policy: { timeZone: 'Mars/Olympus_Mons' },
      orders: [{ accountId: ACCOUNT, orderId: 'ord-1', startDate: '2026-06-01', months: 1, cashPaid: '300.00' }],
    };
    // act
    const problems = scenarioProblems(doc);
    // assert
    expect(problems.map((p) => p.path)).toEqual(['policy.timeZone']);
  });
});

describe('merging minute facts from several readers (R4)', () => {
  it('pages from two readers OR together: the verdicts equal those of a single reader', () => {
    // arrange
    const okAt1000 = probe('2026-06-10T10:00:10+08:00', true);
    const failAt1000 = probe('2026-06-10T10:00:40+08:00', false);
    const failAt1001 = probe('2026-06-10T10:01:40+08:00', false, 'network');
    const readerA = factsOf(failAt1000, failAt1001);
    const readerB = factsOf(okAt1000);
    const merged = new MinuteFacts();
    // act
    for (const reader of [readerA, readerB]) {
      for (const [pageNo, page] of reader.pagesOf(ACCOUNT)) merged.mergePage(ACCOUNT, pageNo, page);
    }
    const counts = countMinutes(JUNE, merged, []);
    // assert
    expect(counts).toEqual({
      unavailableMinutes: 0,
      observedMinutes: 2,
      excludedMinutes: { '4.2': 1 },
      excludedBy: { 'cause:network': 1 },
    });
  });
});

describe('probe validation (R1, R4)', () => {
  it('rejects a probe whose timestamp has no offset', () => {
    // arrange
    const raw = { accountId: ACCOUNT, function: 'publish', at: '2026-06-10T10:00:05', ok: false };
    // act
    const result = validateProbe(raw);
    // assert
    expect(Array.isArray(result)).toBe(true);
    expect(JSON.stringify(result)).toContain('no offset');
  });

  it('rejects an unknown cause and an unknown function', () => {
    // arrange
    const raw = { accountId: ACCOUNT, function: 'deploy', at: '2026-06-10T10:00:05Z', ok: false, cause: 'weather' };
    // act
    const result = validateProbe(raw);
    // assert
    expect(Array.isArray(result) ? result.map((p) => p.field) : []).toEqual(['function', 'cause']);
  });

  it('puts a probe in the epoch minute of its instant', () => {
    // arrange
    const raw = { accountId: ACCOUNT, function: 'manage', at: '2026-06-10T10:00:59.999+08:00', ok: true };
    // act
    const result = validateProbe(raw);
    // assert
    expect(Array.isArray(result) ? null : result.minute).toBe(epochMinute('2026-06-10T02:00:00Z'));
  });
});

describe('fold invariants (R4 property)', () => {
  const CAUSE_CLAUSE: Record<string, number> = {
    network: 2,
    attack: 3,
    credentials: 4,
    customer: 5,
    unsupported: 6,
    external: 7,
    suspended: 8,
    legal: 9,
  };

  /** R4 written out directly from SPEC, as an oracle: group by minute, then decide each minute. */
  const oracle = (probes: readonly { minute: number; ok: boolean; cause: string }[]) => {
    const byMinute = new Map<number, { ok: boolean; cause: string }[]>();
    for (const p of probes) byMinute.set(p.minute, [...(byMinute.get(p.minute) ?? []), p]);
    let unavailable = 0;
    const excluded: Record<string, number> = {};
    for (const results of byMinute.values()) {
      if (results.some((r) => r.ok)) continue;
      if (results.some((r) => r.cause === 'platform')) {
        unavailable++;
        continue;
      }
      const lowest = Math.min(...results.map((r) => CAUSE_CLAUSE[r.cause] ?? 99));
      excluded[`4.${lowest}`] = (excluded[`4.${lowest}`] ?? 0) + 1;
    }
    return { unavailableMinutes: unavailable, observedMinutes: byMinute.size, excludedMinutes: excluded };
  };

  it('batch order and duplication do not change the verdicts, which match R4 applied minute by minute', () => {
    // arrange
    const result = fc.record({
      minute: fc.integer({ min: 0, max: 29 }),
      second: fc.integer({ min: 0, max: 59 }),
      ok: fc.boolean(),
      cause: fc.constantFrom('platform', ...Object.keys(CAUSE_CLAUSE)),
    });
    const arbitrary = fc
      .array(result, { maxLength: 60 })
      .chain((list) =>
        fc.tuple(fc.constant(list), fc.shuffledSubarray([...list, ...list], { minLength: list.length * 2 })),
      );
    // act + assert
    fc.assert(
      fc.property(arbitrary, ([list, shuffledTwice]) => {
        const toProbe = (r: { minute: number; second: number; ok: boolean; cause: string }): RawProbe =>
          probe(
            `2026-06-10T10:${String(r.minute).padStart(2, '0')}:${String(r.second).padStart(2, '0')}+08:00`,
            r.ok,
            r.cause,
          );
        const inOrder = countMinutes(JUNE, factsOf(...list.map(toProbe)), []);
        const reordered = countMinutes(JUNE, factsOf(...shuffledTwice.map(toProbe)), []);
        const expected = oracle(list.map((r) => ({ minute: epochMinute(toProbe(r).at), ok: r.ok, cause: r.cause })));
        expect(reordered).toEqual(inOrder);
        expect({
          unavailableMinutes: inOrder.unavailableMinutes,
          observedMinutes: inOrder.observedMinutes,
          excludedMinutes: inOrder.excludedMinutes,
        }).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});
