// Probe coverage of an ingest run (docs/rules-decisions.md, Ingestion): which accounts a span of
// time expects (an order in service at some minute of it) and the whole percentage covered.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { overlapsPeriods } from '#domain/account-periods.ts';
import { coveragePercent } from '#ingest/ingest-probes.ts';

describe('overlapsPeriods: in service at some minute of [from, to)', () => {
  const periods = Float64Array.from([100, 200, 300, 400]);

  it.each([
    [0, 100, false], // ends where the first period starts
    [0, 101, true], // the period starts inside the span
    [150, 160, true], // inside a period
    [199, 300, true], // the first period ends inside the span
    [200, 300, false], // the gap between two periods
    [90, 500, true], // spans both
    [400, 460, false], // after the last end
  ])('[%i, %i) → %s', (from, to, expected) => {
    expect(overlapsPeriods(periods, from, to)).toBe(expected);
  });

  it('no period: never', () => {
    expect(overlapsPeriods(new Float64Array(), 0, 1e9)).toBe(false);
  });
});

describe('coveragePercent', () => {
  it.each([
    [4, 3, 75],
    [3, 2, 66], // rounded down: 66.7 % is not 67 % covered
    [3, 1, 33],
    [200, 199, 99], // 99.5 %: a threshold of 100 still sees the one account missing
    [5, 5, 100],
    [5, 0, 0],
  ])('%i expected, %i covered → %i', (accountsExpected, accountsCovered, percent) => {
    expect(coveragePercent({ accountsExpected, accountsCovered })).toBe(percent);
  });

  it('no account expected: no figure (0 of 0 is not 0 % nor 100 %)', () => {
    expect(coveragePercent({ accountsExpected: 0, accountsCovered: 0 })).toBeUndefined();
  });

  it('is a whole number from 0 to 100, and 100 only when every expected account is covered', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (expected, share) => {
          const covered = Math.floor(expected * share);
          const percent = coveragePercent({ accountsExpected: expected, accountsCovered: covered }) ?? -1;
          expect(Number.isInteger(percent)).toBe(true);
          expect(percent).toBeGreaterThanOrEqual(0);
          expect(percent).toBeLessThanOrEqual(100);
          expect(percent === 100).toBe(covered === expected);
        },
      ),
    );
  });
});
