// SPEC R5 · Exclusion windows (§4): announced maintenance (§4.1) and operator exclusions (§4.2–§4.9).
import { describe, expect, it } from 'vitest';
import { BusinessCalendar } from '#domain/business-calendar.ts';
import { countMinutes, evaluateOrder } from '#domain/evaluate.ts';
import { announcedInAdvance, effectiveWindows, type Maintenance, type OperatorExclusion } from '#domain/exclusions.ts';
import { MinuteFacts } from '#domain/minute-facts.ts';
import type { Order, ServiceMonth } from '#domain/service-months.ts';
import { instantOf, type RawProbe, recordProbe, runScenario, scenarioProblems, ZONE } from './scenario-harness.ts';

const ACCOUNT = 'acc-1';

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

const failure = (at: string, cause = 'platform', accountId = ACCOUNT): RawProbe => ({
  accountId,
  function: 'download',
  at,
  ok: false,
  cause,
});

const factsOf = (...probes: RawProbe[]): MinuteFacts => {
  const facts = new MinuteFacts();
  for (const p of probes) recordProbe(facts, p);
  return facts;
};

const maintenance = (
  id: string,
  announcedAt: string,
  start: string,
  end: string,
  accountIds?: string[],
  nanos: { announcedAt?: number; start?: number; end?: number } = {},
): Maintenance => ({
  id,
  announcedAt: instantOf(announcedAt, nanos.announcedAt),
  start: instantOf(start, nanos.start),
  end: instantOf(end, nanos.end),
  accountIds,
});

const exclusion = (
  id: string,
  clause: OperatorExclusion['clause'],
  start: string,
  end: string,
  accountIds?: string[],
): OperatorExclusion => ({
  id,
  clause,
  start: instantOf(start),
  end: instantOf(end),
  reason: 'operator decision',
  accountIds,
});

const START = '2026-06-10T10:00:00+08:00';
const END = '2026-06-10T12:00:00+08:00';

describe('maintenance must be announced in advance (§4.1)', () => {
  it('announced a day before its start → excludes (default policy: strictly before)', () => {
    // arrange
    const m = maintenance('mw-1', '2026-06-09T10:00:00+08:00', START, END);
    // act
    const ok = announcedInAdvance(m, 0);
    // assert
    expect(ok).toBe(true);
  });

  it('announced exactly at its start → excludes nothing', () => {
    // arrange
    const m = maintenance('mw-1', START, START, END);
    // act
    const ok = announcedInAdvance(m, 0);
    // assert
    expect(ok).toBe(false);
  });

  it('announced after its start (late) → excludes nothing', () => {
    // arrange
    const m = maintenance('mw-1', '2026-06-10T10:30:00+08:00', START, END);
    // act
    const ok = announcedInAdvance(m, 0);
    // assert
    expect(ok).toBe(false);
  });

  it('announced 1 ns before its start, no minimum notice → excludes', () => {
    // arrange
    const m = maintenance('mw-1', '2026-06-10T09:59:59.999+08:00', START, END, undefined, { announcedAt: 999_999 });
    // act
    const ok = announcedInAdvance(m, 0);
    // assert
    expect(ok).toBe(true);
  });

  it('maintenanceMinNoticeHours 24: announced exactly 24 h before start is enough', () => {
    // arrange
    const m = maintenance('mw-1', '2026-06-09T10:00:00+08:00', START, END);
    // act
    const ok = announcedInAdvance(m, 24);
    // assert
    expect(ok).toBe(true);
  });

  it('maintenanceMinNoticeHours 24: announced 24 h minus 1 ns before start is not enough', () => {
    // arrange
    const m = maintenance('mw-1', '2026-06-09T10:00:00+08:00', START, END, undefined, { announcedAt: 1 });
    // act
    const ok = announcedInAdvance(m, 24);
    // assert
    expect(ok).toBe(false);
  });

  it('maintenanceMinNoticeHours 24: announced 23 h before start (too short a notice) → excludes nothing', () => {
    // arrange
    const m = maintenance('mw-1', '2026-06-09T11:00:00+08:00', START, END);
    // act
    const ok = announcedInAdvance(m, 24);
    // assert
    expect(ok).toBe(false);
  });

  it('maintenanceMinNoticeHours 1.5: exactly 90 minutes is enough, 90 minutes minus 1 ns is not', () => {
    // arrange
    const exact = maintenance('mw-1', '2026-06-10T08:30:00+08:00', START, END);
    const short = maintenance('mw-2', '2026-06-10T08:30:00+08:00', START, END, undefined, { announcedAt: 1 });
    // act
    const verdicts = [announcedInAdvance(exact, 1.5), announcedInAdvance(short, 1.5)];
    // assert
    expect(verdicts).toEqual([true, false]);
  });

  it('maintenanceMinNoticeHours 1.1: an announcement exactly 66 minutes (1.1 h) before start is enough', () => {
    // arrange
    const m = maintenance('mw-1', '2026-06-10T08:54:00+08:00', START, END);
    // act
    const ok = announcedInAdvance(m, 1.1);
    // assert
    expect(ok).toBe(true);
  });

  it('a late maintenance excludes nothing: its failures stay unavailable, and a warning names it', () => {
    // arrange
    const late = maintenance('mw-late', '2026-06-10T10:00:00+08:00', START, END);
    const facts = factsOf(failure('2026-06-10T10:30:00+08:00'), failure('2026-06-10T10:31:00+08:00'));
    // act
    const { windows, warnings } = effectiveWindows([late], [], 0);
    const counts = countMinutes(JUNE, facts, windows);
    // assert
    expect(windows).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('mw-late');
    expect(counts.unavailableMinutes).toBe(2);
    expect(counts.excludedMinutes).toEqual({});
  });

  it('scenario: with maintenanceMinNoticeHours 24, a maintenance announced 2 h ahead excludes nothing', () => {
    // arrange
    const doc = {
      policy: { maintenanceMinNoticeHours: 24 },
      orders: [{ accountId: ACCOUNT, orderId: 'ord-1', startDate: '2026-06-01', months: 1, cashPaid: '300.00' }],
      maintenance: [{ id: 'mw-short', announcedAt: '2026-06-10T08:00:00+08:00', start: START, end: END }],
      probes: [failure('2026-06-10T10:30:00+08:00')],
    };
    // act
    const report = runScenario(doc);
    // assert
    expect(report.serviceMonths[0]?.unavailableMinutes).toBe(1);
    expect(report.serviceMonths[0]?.excludedMinutes).toEqual({});
    expect(report.warnings.some((w) => w.includes('mw-short'))).toBe(true);
  });

  it('scenario: with maintenanceMinNoticeHours 24, a maintenance announced exactly 24 h ahead (in another offset) excludes', () => {
    // arrange
    const doc = {
      policy: { maintenanceMinNoticeHours: 24 },
      orders: [{ accountId: ACCOUNT, orderId: 'ord-1', startDate: '2026-06-01', months: 1, cashPaid: '300.00' }],
      maintenance: [{ id: 'mw-ok', announcedAt: '2026-06-09T02:00:00Z', start: START, end: END }],
      probes: [failure('2026-06-10T10:30:00+08:00')],
    };
    // act
    const report = runScenario(doc);
    // assert
    expect(report.serviceMonths[0]?.unavailableMinutes).toBe(0);
    expect(report.serviceMonths[0]?.excludedMinutes).toEqual({ '4.1': 1 });
    expect(report.warnings).toEqual([]);
  });
});

describe('window coverage of [start, end) (R5)', () => {
  const announced = '2026-06-01T00:00:00+08:00';
  const probesAround = () =>
    factsOf(
      failure('2026-06-10T09:59:30+08:00'),
      failure('2026-06-10T10:00:30+08:00'),
      failure('2026-06-10T10:04:30+08:00'),
      failure('2026-06-10T10:05:30+08:00'),
    );

  it('a window [10:00:00, 10:05:00) covers 10:00…10:04, not 09:59 nor 10:05', () => {
    // arrange
    const m = maintenance('mw-1', announced, '2026-06-10T10:00:00+08:00', '2026-06-10T10:05:00+08:00');
    const { windows } = effectiveWindows([m], [], 0);
    // act
    const counts = countMinutes(JUNE, probesAround(), windows);
    // assert
    expect(counts.unavailableMinutes).toBe(2);
    expect(counts.excludedMinutes).toEqual({ '4.1': 2 });
  });

  it('a window ending at 10:05:00.000000001 touches the minute 10:05 and covers it', () => {
    // arrange
    const m = maintenance('mw-1', announced, '2026-06-10T10:00:00+08:00', '2026-06-10T10:05:00+08:00', undefined, {
      end: 1,
    });
    const { windows } = effectiveWindows([m], [], 0);
    // act
    const counts = countMinutes(JUNE, probesAround(), windows);
    // assert
    expect(counts.unavailableMinutes).toBe(1);
    expect(counts.excludedMinutes).toEqual({ '4.1': 3 });
  });

  it('a window starting at 09:59:59.999999999 touches the minute 09:59 and covers it', () => {
    // arrange
    const m = maintenance('mw-1', announced, '2026-06-10T09:59:59.999+08:00', '2026-06-10T10:05:00+08:00', undefined, {
      start: 999_999,
    });
    const { windows } = effectiveWindows([m], [], 0);
    // act
    const counts = countMinutes(JUNE, probesAround(), windows);
    // assert
    expect(counts.unavailableMinutes).toBe(1);
    expect(counts.excludedMinutes).toEqual({ '4.1': 3 });
  });

  it('a window inside one minute (10:04:10–10:04:20) still covers that whole minute', () => {
    // arrange
    const x = exclusion('x-1', '4.7', '2026-06-10T10:04:10+08:00', '2026-06-10T10:04:20+08:00');
    const { windows } = effectiveWindows([], [x], 0);
    // act
    const counts = countMinutes(JUNE, probesAround(), windows);
    // assert
    expect(counts.unavailableMinutes).toBe(3);
    expect(counts.excludedMinutes).toEqual({ '4.7': 1 });
    expect(counts.excludedBy).toEqual({ 'exclusion:x-1': 1 });
  });

  it('a window given in UTC covers the same local minutes: 02:00:00Z–02:05:00Z is 10:00–10:05 in Shanghai', () => {
    // arrange
    const m = maintenance('mw-1', '2026-06-01T00:00:00Z', '2026-06-10T02:00:00Z', '2026-06-10T02:05:00Z');
    const { windows } = effectiveWindows([m], [], 0);
    // act
    const counts = countMinutes(JUNE, probesAround(), windows);
    // assert
    expect(counts.excludedMinutes).toEqual({ '4.1': 2 });
  });
});

describe('windows and causes together (R5)', () => {
  const announced = '2026-06-01T00:00:00+08:00';

  it('platform + network failures covered by a maintenance window → excluded under 4.1', () => {
    // arrange
    const m = maintenance('mw-1', announced, START, END);
    const facts = factsOf(
      failure('2026-06-10T10:30:05+08:00', 'platform'),
      failure('2026-06-10T10:30:35+08:00', 'network'),
    );
    const { windows } = effectiveWindows([m], [], 0);
    // act
    const counts = countMinutes(JUNE, facts, windows);
    // assert
    expect(counts).toEqual({
      unavailableMinutes: 0,
      observedMinutes: 1,
      excludedMinutes: { '4.1': 1 },
      excludedBy: { 'maintenance:mw-1': 1 },
    });
  });

  it('an attack-cause minute covered by a 4.7 exclusion → excluded under 4.3 (the lower clause), by the cause', () => {
    // arrange
    const x = exclusion('x-ext', '4.7', START, END);
    const facts = factsOf(failure('2026-06-10T10:30:05+08:00', 'attack'));
    const { windows } = effectiveWindows([], [x], 0);
    // act
    const counts = countMinutes(JUNE, facts, windows);
    // assert
    expect(counts).toEqual({
      unavailableMinutes: 0,
      observedMinutes: 1,
      excludedMinutes: { '4.3': 1 },
      excludedBy: { 'cause:attack': 1 },
    });
  });

  it('a network-cause minute covered by a maintenance window → excluded under 4.1 (the lower clause), by the window', () => {
    // arrange
    const m = maintenance('mw-1', announced, START, END);
    const facts = factsOf(failure('2026-06-10T10:30:05+08:00', 'network'));
    const { windows } = effectiveWindows([m], [], 0);
    // act
    const counts = countMinutes(JUNE, facts, windows);
    // assert
    expect(counts.excludedMinutes).toEqual({ '4.1': 1 });
    expect(counts.excludedBy).toEqual({ 'maintenance:mw-1': 1 });
  });

  it('a platform failure covered by a 4.7 exclusion → excluded under 4.7, by the exclusion', () => {
    // arrange
    const x = exclusion('x-ext', '4.7', START, END);
    const facts = factsOf(failure('2026-06-10T10:30:05+08:00'));
    const { windows } = effectiveWindows([], [x], 0);
    // act
    const counts = countMinutes(JUNE, facts, windows);
    // assert
    expect(counts.unavailableMinutes).toBe(0);
    expect(counts.excludedMinutes).toEqual({ '4.7': 1 });
    expect(counts.excludedBy).toEqual({ 'exclusion:x-ext': 1 });
  });

  it('a minute covered by 4.7 and 4.2 exclusions and with a legal cause is counted once, under 4.2', () => {
    // arrange
    const x7 = exclusion('x-7', '4.7', START, END);
    const x2 = exclusion('x-2', '4.2', '2026-06-10T10:30:00+08:00', '2026-06-10T10:31:00+08:00');
    const facts = factsOf(failure('2026-06-10T10:30:05+08:00', 'legal'), failure('2026-06-10T10:30:06+08:00'));
    const { windows } = effectiveWindows([], [x7, x2], 0);
    // act
    const counts = countMinutes(JUNE, facts, windows);
    // assert
    expect(counts.excludedMinutes).toEqual({ '4.2': 1 });
    expect(counts.excludedBy).toEqual({ 'exclusion:x-2': 1 });
    expect(counts.observedMinutes).toBe(1);
  });

  it('a minute with an ok result under a window stays available: nothing to exclude', () => {
    // arrange
    const m = maintenance('mw-1', announced, START, END);
    const facts = factsOf(failure('2026-06-10T10:30:05+08:00'), {
      accountId: ACCOUNT,
      function: 'checkUpdate',
      at: '2026-06-10T10:30:45+08:00',
      ok: true,
    });
    const { windows } = effectiveWindows([m], [], 0);
    // act
    const counts = countMinutes(JUNE, facts, windows);
    // assert
    expect(counts).toEqual({ unavailableMinutes: 0, observedMinutes: 1, excludedMinutes: {}, excludedBy: {} });
  });

  it('a window for another account does not cover this one; a window naming this account does', () => {
    // arrange
    const other = maintenance('mw-other', announced, START, END, ['acc-2']);
    const mine = exclusion('x-mine', '4.5', '2026-06-10T11:00:00+08:00', END, [ACCOUNT, 'acc-3']);
    const facts = factsOf(failure('2026-06-10T10:30:05+08:00'), failure('2026-06-10T11:30:05+08:00'));
    const { windows } = effectiveWindows([other], [mine], 0);
    // act
    const counts = countMinutes(JUNE, facts, windows);
    // assert
    expect(counts.unavailableMinutes).toBe(1);
    expect(counts.excludedMinutes).toEqual({ '4.5': 1 });
    expect(counts.excludedBy).toEqual({ 'exclusion:x-mine': 1 });
  });

  it('every excluded minute keeps its clause and its source for the audit', () => {
    // arrange
    const m = maintenance('mw-1', announced, '2026-06-10T10:00:00+08:00', '2026-06-10T10:02:00+08:00');
    const x = exclusion('x-1', '4.8', '2026-06-10T10:02:00+08:00', '2026-06-10T10:03:00+08:00');
    const facts = factsOf(
      failure('2026-06-10T10:00:05+08:00'),
      failure('2026-06-10T10:01:05+08:00'),
      failure('2026-06-10T10:02:05+08:00'),
      failure('2026-06-10T10:03:05+08:00', 'customer'),
      failure('2026-06-10T10:04:05+08:00'),
    );
    const { windows } = effectiveWindows([m], [x], 0);
    // act
    const counts = countMinutes(JUNE, facts, windows);
    // assert
    expect(counts).toEqual({
      unavailableMinutes: 1,
      observedMinutes: 5,
      excludedMinutes: { '4.1': 2, '4.5': 1, '4.8': 1 },
      excludedBy: { 'cause:customer': 1, 'exclusion:x-1': 1, 'maintenance:mw-1': 2 },
    });
  });

  it('a maintenance window across local midnight at a month end excludes minutes in both service months', () => {
    // arrange
    const order: Order = {
      accountId: ACCOUNT,
      orderId: 'ord-1',
      startDate: '2026-06-01',
      months: 2,
      cashPaidFen: 61_000,
    };
    const m = maintenance('mw-night', announced, '2026-06-30T23:00:00+08:00', '2026-07-01T01:00:00+08:00');
    const facts = factsOf(
      failure('2026-06-30T15:30:00Z'),
      failure('2026-06-30T16:30:00Z'),
      failure('2026-06-30T17:30:00Z'),
    );
    const { windows } = effectiveWindows([m], [], 0);
    // act
    const months = evaluateOrder(order, ZONE, facts, windows, new BusinessCalendar());
    // assert
    expect(months.map((e) => [e.report.month, e.report.unavailableMinutes, e.report.excludedMinutes])).toEqual([
      ['2026-06', 0, { '4.1': 1 }],
      ['2026-07', 1, { '4.1': 1 }],
    ]);
  });

  it('excluded minutes are not unavailable and totalMinutes never shrinks', () => {
    // arrange
    const order: Order = {
      accountId: ACCOUNT,
      orderId: 'ord-1',
      startDate: '2026-06-01',
      months: 1,
      cashPaidFen: 30_000,
    };
    const m = maintenance('mw-1', announced, START, END);
    const facts = factsOf(
      ...Array.from({ length: 60 }, (_, i) => failure(new Date(Date.parse(START) + i * 60_000 + 5_000).toISOString())),
    );
    const { windows } = effectiveWindows([m], [], 0);
    // act
    const [june] = evaluateOrder(order, ZONE, facts, windows, new BusinessCalendar());
    // assert
    expect(june?.report.totalMinutes).toBe(43_200);
    expect(june?.report.unavailableMinutes).toBe(0);
    expect(june?.report.excludedMinutes).toEqual({ '4.1': 60 });
    expect(june?.report.availabilityPercent).toBe('100.000000');
    expect(june?.report.compensationPercent).toBe(0);
  });
});

describe('exclusion windows in a scenario (validation)', () => {
  const orders = [{ accountId: ACCOUNT, orderId: 'ord-1', startDate: '2026-06-01', months: 1, cashPaid: '300.00' }];

  it('an operator exclusion must have a reason', () => {
    // arrange
    const doc = { orders, exclusions: [{ id: 'x-1', clause: '4.7', start: START, end: END, reason: '  ' }] };
    // act
    const problems = scenarioProblems(doc);
    // assert
    expect(problems.map((p) => p.path)).toEqual(['exclusions[0].reason']);
  });

  it('an operator exclusion cannot use clause 4.1 (that is maintenance) nor an unknown clause', () => {
    // arrange
    const doc = {
      orders,
      exclusions: [
        { id: 'x-1', clause: '4.1', start: START, end: END, reason: 'r' },
        { id: 'x-2', clause: '4.10', start: START, end: END, reason: 'r' },
      ],
    };
    // act
    const problems = scenarioProblems(doc);
    // assert
    expect(problems.map((p) => p.path)).toEqual(['exclusions[0].clause', 'exclusions[1].clause']);
  });

  it('a window whose end is not after its start is rejected', () => {
    // arrange
    const doc = {
      orders,
      maintenance: [{ id: 'mw-1', announcedAt: '2026-06-01T00:00:00Z', start: END, end: START }],
      exclusions: [{ id: 'x-1', clause: '4.2', start: START, end: START, reason: 'r' }],
    };
    // act
    const problems = scenarioProblems(doc);
    // assert
    expect(problems).toEqual([
      { path: 'maintenance[0].end', message: 'must be after start' },
      { path: 'exclusions[0].end', message: 'must be after start' },
    ]);
  });

  it('window timestamps without an offset are rejected', () => {
    // arrange
    const doc = {
      orders,
      maintenance: [{ id: 'mw-1', announcedAt: '2026-06-01T00:00:00', start: START, end: END }],
    };
    // act
    const problems = scenarioProblems(doc);
    // assert
    expect(problems.map((p) => p.path)).toEqual(['maintenance[0].announcedAt']);
    expect(problems[0]?.message).toContain('no offset');
  });
});
