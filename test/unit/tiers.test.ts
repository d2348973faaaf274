// SPEC R6 · Availability and tier (§2.1, §2.2, §3.1): exact integer thresholds, truncated percentages.
import { describe, expect, it } from 'vitest';
import { BusinessCalendar } from '#domain/business-calendar.ts';
import { evaluateOrder } from '#domain/evaluate.ts';
import { MinuteFacts } from '#domain/minute-facts.ts';
import type { Order } from '#domain/service-months.ts';
import { availabilityPercent, compensationPercent } from '#domain/tiers.ts';
import { failuresEveryMinute, recordProbe, ZONE } from './scenario-harness.ts';

// [days, T, U, compensation %, availability] — thresholds 1000·U ≤ T, 100·U ≤ T, 20·U ≤ T worked by hand;
// availability = 100·(T−U)/T truncated to 6 decimals.
const BOUNDARIES: [number, number, number, number, string][] = [
  // 30 days: T = 43 200; T/1000 = 43.2, T/100 = 432, T/20 = 2160
  [30, 43_200, 43, 0, '99.900462'],
  [30, 43_200, 44, 10, '99.898148'],
  [30, 43_200, 432, 10, '99.000000'],
  [30, 43_200, 433, 25, '98.997685'],
  [30, 43_200, 2_160, 25, '95.000000'],
  [30, 43_200, 2_161, 100, '94.997685'],
  // 28 days: T = 40 320; T/1000 = 40.32, T/100 = 403.2, T/20 = 2016
  [28, 40_320, 40, 0, '99.900793'],
  [28, 40_320, 41, 10, '99.898313'],
  [28, 40_320, 403, 10, '99.000496'],
  [28, 40_320, 404, 25, '98.998015'],
  [28, 40_320, 2_016, 25, '95.000000'],
  [28, 40_320, 2_017, 100, '94.997519'],
  // 31 days: T = 44 640; T/1000 = 44.64, T/100 = 446.4, T/20 = 2232
  [31, 44_640, 44, 0, '99.901433'],
  [31, 44_640, 45, 10, '99.899193'],
  [31, 44_640, 446, 10, '99.000896'],
  [31, 44_640, 447, 25, '98.998655'],
  [31, 44_640, 2_232, 25, '95.000000'],
  [31, 44_640, 2_233, 100, '94.997759'],
  // 29 days (February 2024): T = 41 760; T/1000 = 41.76, T/100 = 417.6, T/20 = 2088
  [29, 41_760, 41, 0, '99.901819'],
  [29, 41_760, 42, 10, '99.899425'],
  [29, 41_760, 417, 10, '99.001436'],
  [29, 41_760, 418, 25, '98.999042'],
  [29, 41_760, 2_088, 25, '95.000000'],
  [29, 41_760, 2_089, 100, '94.997605'],
  // 16 days (§1.4's last service month, 06-01..06-16): T = 23 040; T/1000 = 23.04, T/100 = 230.4, T/20 = 1152
  [16, 23_040, 23, 0, '99.900173'],
  [16, 23_040, 24, 10, '99.895833'],
  [16, 23_040, 230, 10, '99.001736'],
  [16, 23_040, 231, 25, '98.997395'],
  [16, 23_040, 1_152, 25, '95.000000'],
  [16, 23_040, 1_153, 100, '94.995659'],
];

describe('tier boundaries (R6)', () => {
  it.each(BOUNDARIES)('%i-day month, T=%i, U=%i → %i %% compensation', (_days, total, unavailable, percent) => {
    // arrange
    const u = unavailable;
    const t = total;
    // act
    const tier = compensationPercent(u, t);
    // assert
    expect(tier).toBe(percent);
  });

  it.each(BOUNDARIES)(
    '%i-day month, T=%i, U=%i → availability %s (truncated)',
    (_days, total, unavailable, _p, shown) => {
      // arrange
      const u = unavailable;
      const t = total;
      // act
      const text = availabilityPercent(u, t);
      // assert
      expect(text).toBe(shown);
    },
  );

  it('§2.2 worked example: June (43 200 min) allows 43.2 minutes: 43 meet the commitment, 44 do not', () => {
    // arrange
    const total = 43_200;
    // act
    const tiers = [compensationPercent(43, total), compensationPercent(44, total)];
    // assert
    expect(tiers).toEqual([0, 10]);
  });

  it('0 unavailable minutes → 100.000000 % and 0 % compensation', () => {
    // arrange
    const total = 43_200;
    // act
    const shown = availabilityPercent(0, total);
    const tier = compensationPercent(0, total);
    // assert
    expect(shown).toBe('100.000000');
    expect(tier).toBe(0);
  });

  it('every minute unavailable → 0.000000 % and 100 % compensation', () => {
    // arrange
    const total = 40_320;
    // act
    const shown = availabilityPercent(total, total);
    const tier = compensationPercent(total, total);
    // assert
    expect(shown).toBe('0.000000');
    expect(tier).toBe(100);
  });

  it('exactly 99.9 % (U=36 of a 25-day T=36 000) meets the commitment and prints 99.900000', () => {
    // arrange
    const total = 25 * 1_440;
    // act
    const shown = availabilityPercent(36, total);
    const tier = compensationPercent(36, total);
    // assert
    expect(shown).toBe('99.900000');
    expect(tier).toBe(0);
  });

  it('a 1-day service month (T=1 440): thresholds at 1.44, 14.4 and 72 minutes', () => {
    // arrange
    const total = 1_440;
    // act
    const tiers = [0, 1, 14, 15, 72, 73].map((u) => compensationPercent(u, total));
    // assert
    expect(tiers).toEqual([0, 0, 10, 25, 25, 100]);
  });
});

describe('availabilityPercent is truncated, never rounded (R6, contract)', () => {
  it('a miss just below 99.9 % prints 99.899999, never 99.900000 (U=1 000 001, T=1 000 000 000)', () => {
    // arrange
    const unavailable = 1_000_001;
    const total = 1_000_000_000;
    // act
    const shown = availabilityPercent(unavailable, total);
    const tier = compensationPercent(unavailable, total);
    // assert
    expect(shown).toBe('99.899999');
    expect(tier).toBe(10);
  });

  it('2/3 prints 66.666666, not 66.666667', () => {
    // arrange
    const unavailable = 1;
    const total = 3;
    // act
    const shown = availabilityPercent(unavailable, total);
    // assert
    expect(shown).toBe('66.666666');
  });

  it('just below 95 %: U=2 161 of 43 200 prints 94.997685 and pays 100 %', () => {
    // arrange
    const unavailable = 2_161;
    const total = 43_200;
    // act
    const shown = availabilityPercent(unavailable, total);
    // assert
    expect(shown).toBe('94.997685');
    expect(shown.startsWith('95')).toBe(false);
  });
});

describe('tiers of whole service months, from probe results (R3, R4, R6)', () => {
  const evaluateMonth = (startDate: string, unavailable: number) => {
    const order: Order = { accountId: 'acc-1', orderId: 'ord-1', startDate, months: 1, cashPaidFen: 30_000 };
    const facts = new MinuteFacts();
    for (const p of failuresEveryMinute('acc-1', `${startDate}T08:00:00+08:00`, unavailable)) recordProbe(facts, p);
    const [month] = evaluateOrder(order, ZONE, facts, [], new BusinessCalendar());
    return month?.report;
  };

  it.each([
    ['2026-02-01', 28, 40_320, 40, 0, '99.900793'],
    ['2026-02-01', 28, 40_320, 41, 10, '99.898313'],
    ['2026-06-01', 30, 43_200, 43, 0, '99.900462'],
    ['2026-06-01', 30, 43_200, 44, 10, '99.898148'],
    ['2026-07-01', 31, 44_640, 44, 0, '99.901433'],
    ['2026-07-01', 31, 44_640, 45, 10, '99.899193'],
    ['2026-07-01', 31, 44_640, 447, 25, '98.998655'],
  ])('month from %s (%i days, T=%i) with U=%i → %i %%, %s', (startDate, days, total, u, percent, shown) => {
    // arrange
    const start = startDate;
    // act
    const report = evaluateMonth(start, u);
    // assert
    expect(report?.days).toBe(days);
    expect(report?.totalMinutes).toBe(total);
    expect(report?.unavailableMinutes).toBe(u);
    expect(report?.compensationPercent).toBe(percent);
    expect(report?.availabilityPercent).toBe(shown);
    expect(report?.claimWindow === null).toBe(percent === 0);
  });
});
