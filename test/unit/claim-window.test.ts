// SPEC R9 · Claim window (§3.2): opensOn = the day after the 5th business day of the month after
// E's month; closesOn = E + 60 days; on time iff opensOn ≤ filed day ≤ closesOn.
import { describe, expect, it } from 'vitest';
import { BusinessCalendar, UnknownCalendarYearError } from '#domain/business-calendar.ts';
import { claimTiming, claimWindowFor } from '#domain/claim-window.ts';
import { evaluateDocument, failuresEveryMinute, runScenario } from './scenario-harness.ts';

describe('claimWindowFor (R9)', () => {
  it.each([
    // [missed month, its last day E, opensOn, closesOn, how]
    ['2026-09', '2026-09-30', '2026-10-14', '2026-11-29', 'Oct 1–7 off, Sat 10 make-up → 8, 9, 10, 12, 13'],
    ['2026-06', '2026-06-30', '2026-07-08', '2026-08-29', 'July 1, 2, 3, 6, 7'],
    ['2026-01', '2026-01-31', '2026-02-07', '2026-04-01', 'Feb 2–6 (holiday starts 02-15)'],
    ['2026-02', '2026-02-28', '2026-03-07', '2026-04-29', 'March 2–6'],
    ['2026-03', '2026-03-31', '2026-04-09', '2026-05-30', 'April 1, 2, 3, (4–6 off) 7, 8'],
    ['2026-04', '2026-04-30', '2026-05-12', '2026-06-29', 'May 1–5 off, Sat 9 make-up → 6, 7, 8, 9, 11'],
    ['2025-12', '2025-12-31', '2026-01-09', '2026-03-01', 'Jan 1–3 off, Sun 4 make-up → 4, 5, 6, 7, 8'],
    ['2025-09', '2025-09-30', '2025-10-15', '2025-11-29', 'Oct 1–8 off, Sat 11 make-up → 9, 10, 11, 13, 14'],
    ['2025-01', '2025-01-31', '2025-02-11', '2025-04-01', 'Feb 1–4 off, Sat 8 make-up → 5, 6, 7, 8, 10'],
    ['2024-09', '2024-09-30', '2024-10-13', '2024-11-29', 'Oct 1–7 off, Sat 12 make-up → 8, 9, 10, 11, 12'],
    ['2024-03', '2024-03-31', '2024-04-09', '2024-05-30', 'Apr 4–6 off, Sun 7 make-up → 1, 2, 3, 7, 8'],
    ['2024-01', '2024-01-31', '2024-02-07', '2024-03-31', 'Sun Feb 4 make-up → 1, 2, 4, 5, 6; leap February'],
    ['2024-04', '2024-04-30', '2024-05-11', '2024-06-29', 'May 1–5 off → 6–10; Sat 11 make-up is the 6th'],
  ])('%s missed (E = %s) → opens %s, closes %s (%s)', (_month, lastDay, opensOn, closesOn) => {
    // arrange
    const calendar = new BusinessCalendar();
    // act
    const window = claimWindowFor(lastDay, calendar);
    // assert
    expect(window).toEqual({ opensOn, closesOn });
  });

  it('a service month ending mid-month (§1.4: 06-01..06-16) closes 60 days after its own last day: 2026-08-15', () => {
    // arrange
    const calendar = new BusinessCalendar();
    // act
    const window = claimWindowFor('2026-06-16', calendar);
    // assert
    expect(window).toEqual({ opensOn: '2026-07-08', closesOn: '2026-08-15' });
  });

  it('a 1-day service month on 2026-01-31 opens after the 5th business day of February', () => {
    // arrange
    const calendar = new BusinessCalendar();
    // act
    const window = claimWindowFor('2026-01-31', calendar);
    // assert
    expect(window).toEqual({ opensOn: '2026-02-07', closesOn: '2026-04-01' });
  });

  it('December 2026 missed, 2027 unknown, non-strict: weekday-only assumption, flagged calendarAssumed', () => {
    // arrange
    const calendar = new BusinessCalendar({}, false);
    // act
    const window = claimWindowFor('2026-12-31', calendar);
    // assert
    expect(window).toEqual({ opensOn: '2027-01-08', closesOn: '2027-03-01', calendarAssumed: true });
  });

  it('December 2026 missed, 2027 unknown, strict: UnknownCalendarYearError', () => {
    // arrange
    const calendar = new BusinessCalendar({}, true);
    // act
    const open = () => claimWindowFor('2026-12-31', calendar);
    // assert
    expect(open).toThrow(UnknownCalendarYearError);
  });

  it('calendar overrides move the window: 2026-07-03 off → June 2026 opens 07-09', () => {
    // arrange
    const calendar = new BusinessCalendar({ holidays: ['2026-07-03'] });
    // act
    const window = claimWindowFor('2026-06-30', calendar);
    // assert
    expect(window).toEqual({ opensOn: '2026-07-09', closesOn: '2026-08-29' });
  });

  it('calendar overrides move the window: make-up Saturday 2026-07-04 → June 2026 opens 07-07', () => {
    // arrange
    const calendar = new BusinessCalendar({ workdays: ['2026-07-04'] });
    // act
    const window = claimWindowFor('2026-06-30', calendar);
    // assert
    expect(window).toEqual({ opensOn: '2026-07-07', closesOn: '2026-08-29' });
  });
});

describe('claimTiming: opensOn ≤ filed day ≤ closesOn (R9)', () => {
  const window = { opensOn: '2026-07-08', closesOn: '2026-08-29' };

  it.each([
    ['2026-07-07', 'early'],
    ['2026-07-08', 'on-time'],
    ['2026-08-01', 'on-time'],
    ['2026-08-29', 'on-time'],
    ['2026-08-30', 'late'],
    ['2027-07-08', 'late'],
    ['2025-08-01', 'early'],
  ])('filed on %s → %s', (filedDay, timing) => {
    // arrange
    const day = filedDay;
    // act
    const result = claimTiming(window, day);
    // assert
    expect(result).toBe(timing);
  });
});

describe('claim windows in the report (R9)', () => {
  const monthOrder = (startDate: string) => ({
    accountId: 'acc-1',
    orderId: 'ord-1',
    startDate,
    months: 1,
    cashPaid: '300.00',
  });

  it('September 2026 missed (44 of 43 200 minutes) → claimWindow 2026-10-14 .. 2026-11-29', () => {
    // arrange
    const doc = {
      orders: [monthOrder('2026-09-01')],
      probes: failuresEveryMinute('acc-1', '2026-09-15T10:00:00+08:00', 44),
    };
    // act
    const report = runScenario(doc);
    // assert
    expect(report.serviceMonths[0]?.compensationPercent).toBe(10);
    expect(report.serviceMonths[0]?.claimWindow).toEqual({ opensOn: '2026-10-14', closesOn: '2026-11-29' });
    expect(report.warnings).toEqual([]);
  });

  it('a month that met the commitment has no claim window', () => {
    // arrange
    const doc = {
      orders: [monthOrder('2026-09-01')],
      probes: failuresEveryMinute('acc-1', '2026-09-15T10:00:00+08:00', 43),
    };
    // act
    const report = runScenario(doc);
    // assert
    expect(report.serviceMonths[0]?.claimWindow).toBeNull();
  });

  it('calendar overrides from input move the window: 2026-10-12 off → September 2026 opens 10-15', () => {
    // arrange
    const doc = {
      calendar: { holidays: ['2026-10-12'] },
      orders: [monthOrder('2026-09-01')],
      probes: failuresEveryMinute('acc-1', '2026-09-15T10:00:00+08:00', 44),
    };
    // act
    const report = runScenario(doc);
    // assert
    expect(report.serviceMonths[0]?.claimWindow).toEqual({ opensOn: '2026-10-15', closesOn: '2026-11-29' });
  });

  it('a day listed both as holiday and as workday is an input error', () => {
    // arrange
    const doc = {
      calendar: { holidays: ['2026-10-12'], workdays: ['2026-10-12'] },
      orders: [monthOrder('2026-09-01')],
    };
    // act
    const result = evaluateDocument(doc);
    // assert
    expect(result.problems?.map((p) => p.path)).toEqual(['calendar.workdays[0]']);
  });

  it('December 2026 missed, non-strict: calendarAssumed: true and a warning naming 2027', () => {
    // arrange
    const doc = {
      orders: [monthOrder('2026-12-01')],
      probes: failuresEveryMinute('acc-1', '2026-12-15T10:00:00+08:00', 45),
    };
    // act
    const report = runScenario(doc);
    // assert
    expect(report.serviceMonths[0]?.claimWindow).toEqual({
      opensOn: '2027-01-08',
      closesOn: '2027-03-01',
      calendarAssumed: true,
    });
    expect(report.warnings).toHaveLength(1);
    expect(report.warnings[0]).toContain('2027');
  });

  it('December 2026 missed, strictCalendar: an explicit error, no report', () => {
    // arrange
    const doc = {
      policy: { strictCalendar: true },
      orders: [monthOrder('2026-12-01')],
      probes: failuresEveryMinute('acc-1', '2026-12-15T10:00:00+08:00', 45),
    };
    // act
    const result = evaluateDocument(doc);
    // assert
    expect(result.report).toBeUndefined();
    expect(result.problems?.map((p) => p.path)).toEqual(['policy.strictCalendar']);
    expect(result.problems?.[0]?.message).toContain('2027');
  });

  it('December 2026 met, strictCalendar: no window is needed, so no error', () => {
    // arrange
    const doc = {
      policy: { strictCalendar: true },
      orders: [monthOrder('2026-12-01')],
      probes: failuresEveryMinute('acc-1', '2026-12-15T10:00:00+08:00', 44),
    };
    // act
    const report = runScenario(doc);
    // assert
    expect(report.serviceMonths[0]?.compensationPercent).toBe(0);
    expect(report.serviceMonths[0]?.claimWindow).toBeNull();
  });

  it('December 2026 missed, strictCalendar, with 2027 days supplied as overrides: the window is computed', () => {
    // arrange
    const doc = {
      policy: { strictCalendar: true },
      calendar: { holidays: ['2027-01-01'] },
      orders: [monthOrder('2026-12-01')],
      probes: failuresEveryMinute('acc-1', '2026-12-15T10:00:00+08:00', 45),
    };
    // act
    const report = runScenario(doc);
    // assert
    expect(report.serviceMonths[0]?.claimWindow).toEqual({ opensOn: '2027-01-09', closesOn: '2027-03-01' });
    expect(report.warnings).toHaveLength(1);
    expect(report.warnings[0]).toMatch(
      /^business calendar: 2027 is not in the built-in China calendar; .*scenario's calendar/,
    );
  });
});
