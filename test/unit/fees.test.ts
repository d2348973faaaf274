// SPEC R7 · Fees and vouchers (§3.1) and R8 · Liability cap (§5.1). Money is integer fen inside.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BusinessCalendar } from '#domain/business-calendar.ts';
import { evaluateOrder } from '#domain/evaluate.ts';
import { allocateByLargestRemainder, formatMoney, parseMoney, voucherFor } from '#domain/fees.ts';
import { MinuteFacts } from '#domain/minute-facts.ts';
import { OBSERVED, PLATFORM_FAILURE } from '#domain/probe.ts';
import { type Order, serviceMonthsOf } from '#domain/service-months.ts';
import { scenarioProblems, ZONE } from './scenario-harness.ts';

describe('parseMoney: decimals only at the edges (R2, R7)', () => {
  it.each([
    ['300.00', 30_000],
    ['300', 30_000],
    ['300.5', 30_050],
    ['0.05', 5],
    ['0.00', 0],
    ['999999999999.99', 99_999_999_999_999],
  ])('%s → %i fen', (text, fen) => {
    // arrange
    const input = text;
    // act
    const parsed = parseMoney(input);
    // assert
    expect(parsed).toBe(fen);
  });

  it('rejects three decimals (1.005), saying so', () => {
    // arrange
    const input = '1.005';
    // act
    const parsed = parseMoney(input);
    // assert
    expect(parsed).toBe('"1.005" has more than 2 decimal places');
  });

  it('rejects three decimals even when the third is zero (300.000)', () => {
    // arrange
    const input = '300.000';
    // act
    const parsed = parseMoney(input);
    // assert
    expect(typeof parsed).toBe('string');
  });

  it.each(['-1.00', '1e2', '', '.50', '1.', '1,000.00', ' 1.00', '1 000'])('rejects %j', (text) => {
    // arrange
    const input = text;
    // act
    const parsed = parseMoney(input);
    // assert
    expect(typeof parsed).toBe('string');
  });

  it('rejects a JSON number (money is a decimal string)', () => {
    // arrange
    const input = 300;
    // act
    const parsed = parseMoney(input);
    // assert
    expect(typeof parsed).toBe('string');
  });

  it('a scenario with cashPaid "300.005" is rejected at orders[0].cashPaid', () => {
    // arrange
    const doc = {
      orders: [{ accountId: 'acc-1', orderId: 'ord-1', startDate: '2026-06-01', months: 1, cashPaid: '300.005' }],
    };
    // act
    const problems = scenarioProblems(doc);
    // assert
    expect(problems).toEqual([{ path: 'orders[0].cashPaid', message: '"300.005" has more than 2 decimal places' }]);
  });
});

describe('formatMoney', () => {
  it.each([
    [0, '0.00'],
    [5, '0.05'],
    [50, '0.50'],
    [10_000, '100.00'],
    [123_456, '1234.56'],
  ])('%i fen → %s', (fen, text) => {
    // arrange
    const input = fen;
    // act
    const shown = formatMoney(input);
    // assert
    expect(shown).toBe(text);
  });
});

describe('largest-remainder allocation of cashPaid over service months (R7)', () => {
  it('100.00 over 31 + 28 + 31 days → 34.45, 31.11, 34.44 (the tie of remainders goes to the earlier month)', () => {
    // arrange: 10000·31/90 = 3444 r 40, 10000·28/90 = 3111 r 10, 10000·31/90 = 3444 r 40; 1 fen left
    const total = 10_000;
    const days = [31, 28, 31];
    // act
    const parts = allocateByLargestRemainder(total, days);
    // assert
    expect(parts).toEqual([3_445, 3_111, 3_444]);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(10_000);
  });

  it('1.00 over three equal months → 0.34, 0.33, 0.33 (ties: earlier first)', () => {
    // arrange
    const total = 100;
    const days = [30, 30, 30];
    // act
    const parts = allocateByLargestRemainder(total, days);
    // assert
    expect(parts).toEqual([34, 33, 33]);
  });

  it('2.00 over three equal months → 0.67, 0.67, 0.66', () => {
    // arrange
    const total = 200;
    const days = [31, 31, 31];
    // act
    const parts = allocateByLargestRemainder(total, days);
    // assert
    expect(parts).toEqual([67, 67, 66]);
  });

  it('the largest remainder wins over an earlier smaller one: 0.10 over 1 + 2 days → 0.03, 0.07', () => {
    // arrange: 10·1/3 = 3 r 1, 10·2/3 = 6 r 2; the fen left goes to the second part
    const total = 10;
    const days = [1, 2];
    // act
    const parts = allocateByLargestRemainder(total, days);
    // assert
    expect(parts).toEqual([3, 7]);
  });

  it('0.01 over 31 + 28 + 31 days → the single fen goes to the first month', () => {
    // arrange
    const total = 1;
    const days = [31, 28, 31];
    // act
    const parts = allocateByLargestRemainder(total, days);
    // assert
    expect(parts).toEqual([1, 0, 0]);
  });

  it('§1.4 example: 920.00 over 15 + 30 + 31 + 16 days → 150.00, 300.00, 310.00, 160.00 through evaluateOrder', () => {
    // arrange
    const order: Order = {
      accountId: 'acc-1',
      orderId: 'ord-1',
      startDate: '2026-03-17',
      months: 3,
      cashPaidFen: 92_000,
    };
    // act
    const months = evaluateOrder(order, ZONE, new MinuteFacts(), [], new BusinessCalendar());
    // assert
    expect(months.map((m) => m.report.fee)).toEqual(['150.00', '300.00', '310.00', '160.00']);
  });

  it('a start on the 31st: 300.00 over 1 + 27 days → 10.71, 289.29', () => {
    // arrange: 30000·1/28 = 1071 r 12, 30000·27/28 = 28928 r 16 → the fen left goes to the second month
    const order: Order = {
      accountId: 'acc-1',
      orderId: 'ord-1',
      startDate: '2026-01-31',
      months: 1,
      cashPaidFen: 30_000,
    };
    // act
    const months = evaluateOrder(order, ZONE, new MinuteFacts(), [], new BusinessCalendar());
    // assert
    expect(months.map((m) => m.report.fee)).toEqual(['10.71', '289.29']);
  });

  it('property: parts add up exactly to the total and each is floor or floor + 1 of its exact share', () => {
    // arrange
    const arbitrary = fc.tuple(
      fc.integer({ min: 0, max: 100_000_000 }),
      fc.array(fc.integer({ min: 1, max: 31 }), { minLength: 1, maxLength: 25 }),
    );
    // act + assert
    fc.assert(
      fc.property(arbitrary, ([total, days]) => {
        const parts = allocateByLargestRemainder(total, days);
        const sum = days.reduce((a, b) => a + b, 0);
        expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
        parts.forEach((part, i) => {
          const floor = Math.floor((total * (days[i] ?? 0)) / sum);
          expect(part === floor || part === floor + 1).toBe(true);
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe('vouchers: round half up, never above the fee (R7)', () => {
  it.each([
    [5, 10, 1, 'fee 0.05 at 10 % = 0.005 → 0.01'],
    [4, 10, 0, 'fee 0.04 at 10 % = 0.004 → 0.00'],
    [15, 25, 4, 'fee 0.15 at 25 % = 0.0375 → 0.04'],
    [14, 25, 4, 'fee 0.14 at 25 % = 0.035 → 0.04 (half up)'],
    [10, 25, 3, 'fee 0.10 at 25 % = 0.025 → 0.03 (half up)'],
    [2, 25, 1, 'fee 0.02 at 25 % = 0.005 → 0.01'],
    [1, 25, 0, 'fee 0.01 at 25 % = 0.0025 → 0.00'],
    [30_000, 10, 3_000, 'fee 300.00 at 10 % → 30.00'],
    [30_000, 25, 7_500, 'fee 300.00 at 25 % → 75.00'],
    [30_000, 100, 30_000, 'fee 300.00 at 100 % → 300.00'],
    [1, 100, 1, 'fee 0.01 at 100 % → 0.01'],
    [30_000, 0, 0, 'fee 300.00 at 0 % → 0.00'],
    [0, 100, 0, 'fee 0.00 at 100 % → 0.00'],
  ])('voucherFor(%i, %i) = %i (%s)', (fee, percent, voucher) => {
    // arrange
    const feeFen = fee;
    // act
    const result = voucherFor(feeFen, percent);
    // assert
    expect(result).toBe(voucher);
  });

  it('property: a voucher is never more than the fee, for every tier', () => {
    // arrange
    const arbitrary = fc.tuple(fc.integer({ min: 0, max: 10_000_000_000 }), fc.constantFrom(0, 10, 25, 100));
    // act + assert
    fc.assert(
      fc.property(arbitrary, ([fee, percent]) => {
        const voucher = voucherFor(fee, percent);
        expect(voucher).toBeLessThanOrEqual(fee);
        expect(voucher).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 500 },
    );
  });

  it('a missed month of a 100.00 order over Jan–Mar 2026 pays 10 % of its own fee 34.45 → 3.45 (3.445 half up)', () => {
    // arrange
    const order: Order = {
      accountId: 'acc-1',
      orderId: 'ord-1',
      startDate: '2026-01-01',
      months: 3,
      cashPaidFen: 10_000,
    };
    const facts = new MinuteFacts();
    const janStart = Date.UTC(2025, 11, 31, 16, 0, 0) / 60_000; // 2026-01-01 00:00 +08:00
    for (let i = 0; i < 45; i++) facts.record('acc-1', janStart + i, OBSERVED | PLATFORM_FAILURE);
    // act
    const months = evaluateOrder(order, ZONE, facts, [], new BusinessCalendar());
    // assert
    expect(months.map((m) => [m.report.month, m.report.fee, m.report.compensationPercent, m.report.voucher])).toEqual([
      ['2026-01', '34.45', 10, '3.45'],
      ['2026-02', '31.11', 0, '0.00'],
      ['2026-03', '34.44', 0, '0.00'],
    ]);
  });
});

describe('liability cap (R8, §5.1)', () => {
  const PLATFORM = OBSERVED | PLATFORM_FAILURE;

  /** Months `YYYY-MM` from `first` to `last` inclusive. */
  const monthRange = (first: string, last: string): string[] => {
    const out: string[] = [];
    let y = Number(first.slice(0, 4));
    let m = Number(first.slice(5, 7));
    while (`${y}-${String(m).padStart(2, '0')}` <= last) {
      out.push(`${y}-${String(m).padStart(2, '0')}`);
      m = m === 12 ? 1 : m + 1;
      if (m === 1) y++;
    }
    return out;
  };

  it('property: for any 12 consecutive calendar months, vouchers never exceed the cash fees of those months', () => {
    // arrange
    const arbitrary = fc.record({
      startDay: fc.integer({ min: 0, max: 900 }),
      months: fc.array(fc.integer({ min: 1, max: 14 }), { minLength: 1, maxLength: 2 }),
      cash: fc.array(fc.integer({ min: 0, max: 5_000_000 }), { minLength: 2, maxLength: 2 }),
      outages: fc.array(fc.constantFrom(0, 45, 447, 2_233, 50_000), { minLength: 40, maxLength: 40 }),
    });
    // act + assert
    fc.assert(
      fc.property(arbitrary, ({ startDay, months, cash, outages }) => {
        const facts = new MinuteFacts();
        const calendar = new BusinessCalendar();
        let start = new Date(Date.UTC(2024, 0, 1) + startDay * 86_400_000).toISOString().slice(0, 10);
        const evaluated = months.flatMap((n, k) => {
          const order: Order = {
            accountId: 'acc-1',
            orderId: `ord-${k}`,
            startDate: start,
            months: n,
            cashPaidFen: cash[k] ?? 0,
          };
          const serviceMonths = serviceMonthsOf(order, ZONE);
          serviceMonths.forEach((sm, i) => {
            const u = Math.min(outages[(k * 20 + i) % outages.length] ?? 0, sm.endMinute - sm.startMinute);
            for (let j = 0; j < u; j++) facts.record('acc-1', sm.startMinute + j, PLATFORM);
          });
          const last = serviceMonths.at(-1)?.lastDay ?? start;
          start = new Date(Date.parse(`${last}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
          return evaluateOrder(order, ZONE, facts, [], calendar);
        });
        const byMonth = new Map<string, { fee: number; voucher: number }>();
        for (const e of evaluated) {
          const sums = byMonth.get(e.report.month) ?? { fee: 0, voucher: 0 };
          byMonth.set(e.report.month, { fee: sums.fee + e.feeFen, voucher: sums.voucher + e.voucherFen });
        }
        const keys = [...byMonth.keys()].sort();
        const all = monthRange(keys[0] ?? '', keys.at(-1) ?? '');
        for (let i = 0; i < all.length; i++) {
          const window = all.slice(i, i + 12);
          const fees = window.reduce((s, m) => s + (byMonth.get(m)?.fee ?? 0), 0);
          const vouchers = window.reduce((s, m) => s + (byMonth.get(m)?.voucher ?? 0), 0);
          expect(vouchers).toBeLessThanOrEqual(fees);
        }
        for (const e of evaluated) expect(e.voucherFen).toBeLessThanOrEqual(e.feeFen);
      }),
      { numRuns: 40 },
    );
  });
});
