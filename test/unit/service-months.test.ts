// SPEC R2 · Orders and service months (§1.4, §1.6) and R3 · Total minutes.
import { describe, expect, it } from 'vitest';
import { type Order, serviceMonthsOf, servicePeriod } from '#domain/service-months.ts';
import { runScenario, scenarioProblems, ZONE } from './scenario-harness.ts';

const order = (startDate: string, months: number, orderId = 'ord-1'): Order => ({
  accountId: 'acc-1',
  orderId,
  startDate,
  months,
  cashPaidFen: 30_000,
});

/** The parts of a service month a reader checks by eye. */
const summary = (o: Order) =>
  serviceMonthsOf(o, ZONE).map((m) => ({
    month: m.month,
    firstDay: m.firstDay,
    lastDay: m.lastDay,
    days: m.days,
    totalMinutes: m.totalMinutes,
  }));

/** Epoch minute of local midnight in Asia/Shanghai (UTC+8): the previous UTC day at 16:00. */
const shanghaiMidnight = (year: number, month: number, day: number): number =>
  Date.UTC(year, month - 1, day, -8, 0, 0) / 60_000;

describe('service months (R2)', () => {
  it('a start on the 31st: 2026-01-31 + 1 month → 2026-01 (1 day) and 2026-02 (02-01..02-27, 27 days)', () => {
    // arrange
    const o = order('2026-01-31', 1);
    // act
    const months = summary(o);
    // assert
    expect(months).toEqual([
      { month: '2026-01', firstDay: '2026-01-31', lastDay: '2026-01-31', days: 1, totalMinutes: 1_440 },
      { month: '2026-02', firstDay: '2026-02-01', lastDay: '2026-02-27', days: 27, totalMinutes: 38_880 },
    ]);
  });

  it('a start on the 31st: the service period ends 2026-02-28 00:00, so the last service day is 2026-02-27', () => {
    // arrange
    const o = order('2026-01-31', 1);
    // act
    const period = servicePeriod(o, ZONE);
    // assert
    expect(period).toEqual({
      startMinute: shanghaiMidnight(2026, 1, 31),
      endMinute: shanghaiMidnight(2026, 2, 28),
      lastDay: '2026-02-27',
    });
  });

  it('a start on the 31st in a leap year: 2024-01-31 + 1 month → 2024-01 (1 day) and 2024-02 (02-01..02-28, 28 days)', () => {
    // arrange
    const o = order('2024-01-31', 1);
    // act
    const months = summary(o);
    // assert
    expect(months).toEqual([
      { month: '2024-01', firstDay: '2024-01-31', lastDay: '2024-01-31', days: 1, totalMinutes: 1_440 },
      { month: '2024-02', firstDay: '2024-02-01', lastDay: '2024-02-28', days: 28, totalMinutes: 40_320 },
    ]);
  });

  it('a start on 03-31 + 1 month clamps to 04-30: 2026-03 (1 day) and 2026-04 (04-01..04-29, 29 days)', () => {
    // arrange
    const o = order('2026-03-31', 1);
    // act
    const months = summary(o);
    // assert
    expect(months).toEqual([
      { month: '2026-03', firstDay: '2026-03-31', lastDay: '2026-03-31', days: 1, totalMinutes: 1_440 },
      { month: '2026-04', firstDay: '2026-04-01', lastDay: '2026-04-29', days: 29, totalMinutes: 41_760 },
    ]);
  });

  it('SPEC §1.4 example: 2026-03-17 for 3 months → 15, 30, 31 and 16 days', () => {
    // arrange
    const o = order('2026-03-17', 3);
    // act
    const months = summary(o);
    // assert
    expect(months).toEqual([
      { month: '2026-03', firstDay: '2026-03-17', lastDay: '2026-03-31', days: 15, totalMinutes: 21_600 },
      { month: '2026-04', firstDay: '2026-04-01', lastDay: '2026-04-30', days: 30, totalMinutes: 43_200 },
      { month: '2026-05', firstDay: '2026-05-01', lastDay: '2026-05-31', days: 31, totalMinutes: 44_640 },
      { month: '2026-06', firstDay: '2026-06-01', lastDay: '2026-06-16', days: 16, totalMinutes: 23_040 },
    ]);
  });

  it('a start on the 1st for 1 month is one whole calendar month (June 2026: 30 days, 43 200 minutes)', () => {
    // arrange
    const o = order('2026-06-01', 1);
    // act
    const months = summary(o);
    // assert
    expect(months).toEqual([
      { month: '2026-06', firstDay: '2026-06-01', lastDay: '2026-06-30', days: 30, totalMinutes: 43_200 },
    ]);
  });

  it('R3: a whole February has 28 × 1440 = 40 320 minutes in 2026 and 29 × 1440 = 41 760 in 2024', () => {
    // arrange
    const feb2026 = order('2026-02-01', 1);
    const feb2024 = order('2024-02-01', 1);
    // act
    const totals = [summary(feb2026), summary(feb2024)].map((ms) => ms.map((m) => m.totalMinutes));
    // assert
    expect(totals).toEqual([[40_320], [41_760]]);
  });

  it('a service period crossing the year: 2025-12-15 for 2 months → 17, 31 and 14 days', () => {
    // arrange
    const o = order('2025-12-15', 2);
    // act
    const months = summary(o);
    // assert
    expect(months).toEqual([
      { month: '2025-12', firstDay: '2025-12-15', lastDay: '2025-12-31', days: 17, totalMinutes: 24_480 },
      { month: '2026-01', firstDay: '2026-01-01', lastDay: '2026-01-31', days: 31, totalMinutes: 44_640 },
      { month: '2026-02', firstDay: '2026-02-01', lastDay: '2026-02-14', days: 14, totalMinutes: 20_160 },
    ]);
  });

  it('12 months from 2026-01-01 are the 12 calendar months of 2026, 365 days in all', () => {
    // arrange
    const o = order('2026-01-01', 12);
    // act
    const months = summary(o);
    // assert
    expect(months.map((m) => m.month)).toEqual([
      '2026-01',
      '2026-02',
      '2026-03',
      '2026-04',
      '2026-05',
      '2026-06',
      '2026-07',
      '2026-08',
      '2026-09',
      '2026-10',
      '2026-11',
      '2026-12',
    ]);
    expect(months.map((m) => m.days)).toEqual([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]);
  });

  it("a service month's minutes run from local midnight of its first day to local midnight after its last day", () => {
    // arrange
    const o = order('2026-06-01', 2);
    // act
    const months = serviceMonthsOf(o, ZONE).map((m) => [m.startMinute, m.endMinute]);
    // assert
    expect(months).toEqual([
      [shanghaiMidnight(2026, 6, 1), shanghaiMidnight(2026, 7, 1)],
      [shanghaiMidnight(2026, 7, 1), shanghaiMidnight(2026, 8, 1)],
    ]);
    expect(shanghaiMidnight(2026, 7, 1)).toBe(Date.UTC(2026, 5, 30, 16, 0, 0) / 60_000);
  });

  it('every service month carries its account and order', () => {
    // arrange
    const o = order('2026-03-17', 3, 'ord-renewal');
    // act
    const months = serviceMonthsOf(o, ZONE);
    // assert
    expect(months.map((m) => `${m.accountId}/${m.orderId}`)).toEqual([
      'acc-1/ord-renewal',
      'acc-1/ord-renewal',
      'acc-1/ord-renewal',
      'acc-1/ord-renewal',
    ]);
  });
});

describe('renewals and overlapping orders (R2)', () => {
  it('a month split between two orders yields two service months', () => {
    // arrange
    const doc = {
      orders: [
        { accountId: 'acc-1', orderId: 'ord-a', startDate: '2026-05-17', months: 1, cashPaid: '310.00' },
        { accountId: 'acc-1', orderId: 'ord-b', startDate: '2026-06-17', months: 1, cashPaid: '300.00' },
      ],
    };
    // act
    const report = runScenario(doc);
    // assert
    expect(report.serviceMonths.map((m) => [m.orderId, m.month, m.firstDay, m.lastDay, m.days])).toEqual([
      ['ord-a', '2026-05', '2026-05-17', '2026-05-31', 15],
      ['ord-a', '2026-06', '2026-06-01', '2026-06-16', 16],
      ['ord-b', '2026-06', '2026-06-17', '2026-06-30', 14],
      ['ord-b', '2026-07', '2026-07-01', '2026-07-16', 16],
    ]);
  });

  it('two orders of one account whose periods overlap are a data error', () => {
    // arrange
    const doc = {
      orders: [
        { accountId: 'acc-1', orderId: 'ord-a', startDate: '2026-06-01', months: 2, cashPaid: '600.00' },
        { accountId: 'acc-1', orderId: 'ord-b', startDate: '2026-07-15', months: 1, cashPaid: '300.00' },
      ],
    };
    // act
    const problems = scenarioProblems(doc);
    // assert
    expect(problems).toHaveLength(1);
    expect(problems[0]?.path).toBe('orders[1]');
    expect(problems[0]?.message).toContain('overlaps orders[0]');
  });

  it('an order starting the day the previous one ends (its exclusive end) does not overlap', () => {
    // arrange
    const doc = {
      orders: [
        { accountId: 'acc-1', orderId: 'ord-a', startDate: '2026-06-01', months: 1, cashPaid: '300.00' },
        { accountId: 'acc-1', orderId: 'ord-b', startDate: '2026-07-01', months: 1, cashPaid: '310.00' },
      ],
    };
    // act
    const report = runScenario(doc);
    // assert
    expect(report.serviceMonths.map((m) => `${m.orderId}/${m.month}`)).toEqual(['ord-a/2026-06', 'ord-b/2026-07']);
  });

  it('orders of different accounts may overlap', () => {
    // arrange
    const doc = {
      orders: [
        { accountId: 'acc-1', orderId: 'ord-a', startDate: '2026-06-01', months: 1, cashPaid: '300.00' },
        { accountId: 'acc-2', orderId: 'ord-a', startDate: '2026-06-01', months: 1, cashPaid: '300.00' },
      ],
    };
    // act
    const report = runScenario(doc);
    // assert
    expect(report.serviceMonths).toHaveLength(2);
  });

  it('the same order id twice for one account is a data error', () => {
    // arrange
    const doc = {
      orders: [
        { accountId: 'acc-1', orderId: 'ord-a', startDate: '2026-06-01', months: 1, cashPaid: '300.00' },
        { accountId: 'acc-1', orderId: 'ord-a', startDate: '2026-08-01', months: 1, cashPaid: '310.00' },
      ],
    };
    // act
    const problems = scenarioProblems(doc);
    // assert
    expect(problems.map((p) => p.path)).toEqual(['orders[1].orderId']);
  });

  it('months must be a whole number of at least 1', () => {
    // arrange
    const doc = {
      orders: [
        { accountId: 'acc-1', orderId: 'ord-a', startDate: '2026-06-01', months: 0, cashPaid: '300.00' },
        { accountId: 'acc-2', orderId: 'ord-b', startDate: '2026-06-01', months: 1.5, cashPaid: '300.00' },
      ],
    };
    // act
    const problems = scenarioProblems(doc);
    // assert
    expect(problems.map((p) => p.path)).toEqual(['orders[0].months', 'orders[1].months']);
  });

  it('a startDate that is not a calendar date (2026-02-29) is rejected', () => {
    // arrange
    const doc = {
      orders: [{ accountId: 'acc-1', orderId: 'ord-a', startDate: '2026-02-29', months: 1, cashPaid: '300.00' }],
    };
    // act
    const problems = scenarioProblems(doc);
    // assert
    expect(problems).toEqual([{ path: 'orders[0].startDate', message: '"2026-02-29" is not a calendar date' }]);
  });
});
