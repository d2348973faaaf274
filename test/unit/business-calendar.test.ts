// SPEC R9 · China's official working days: Monday–Friday except public holidays, plus make-up
// working days (调休) on weekends; input overrides; unknown years flagged or rejected.
import { describe, expect, it } from 'vitest';
import { BusinessCalendar, UnknownCalendarYearError } from '#domain/business-calendar.ts';

// The first five business days of every month of 2024–2026, worked out from the State Council's
// notices (weekday, holiday and make-up day by hand) — the 5th one decides when a claim window opens.
const FIRST_FIVE: [number, number, number[]][] = [
  [2024, 1, [2, 3, 4, 5, 8]], // 01-01 New Year (Mon)
  [2024, 2, [1, 2, 4, 5, 6]], // Sunday 02-04 is a make-up working day
  [2024, 3, [1, 4, 5, 6, 7]],
  [2024, 4, [1, 2, 3, 7, 8]], // 04-04..06 Qingming, Sunday 04-07 make-up
  [2024, 5, [6, 7, 8, 9, 10]], // 05-01..05 Labour Day
  [2024, 6, [3, 4, 5, 6, 7]],
  [2024, 7, [1, 2, 3, 4, 5]],
  [2024, 8, [1, 2, 5, 6, 7]],
  [2024, 9, [2, 3, 4, 5, 6]],
  [2024, 10, [8, 9, 10, 11, 12]], // 10-01..07 National Day, Saturday 10-12 make-up
  [2024, 11, [1, 4, 5, 6, 7]],
  [2024, 12, [2, 3, 4, 5, 6]],
  [2025, 1, [2, 3, 6, 7, 8]],
  [2025, 2, [5, 6, 7, 8, 10]], // Spring Festival to 02-04, Saturday 02-08 make-up
  [2025, 3, [3, 4, 5, 6, 7]],
  [2025, 4, [1, 2, 3, 7, 8]], // 04-04 Qingming (Fri)
  [2025, 5, [6, 7, 8, 9, 12]],
  [2025, 6, [3, 4, 5, 6, 9]], // 06-02 Dragon Boat (Mon)
  [2025, 7, [1, 2, 3, 4, 7]],
  [2025, 8, [1, 4, 5, 6, 7]],
  [2025, 9, [1, 2, 3, 4, 5]],
  [2025, 10, [9, 10, 11, 13, 14]], // 10-01..08, Saturday 10-11 make-up
  [2025, 11, [3, 4, 5, 6, 7]],
  [2025, 12, [1, 2, 3, 4, 5]],
  [2026, 1, [4, 5, 6, 7, 8]], // 01-01..03 New Year, Sunday 01-04 make-up
  [2026, 2, [2, 3, 4, 5, 6]],
  [2026, 3, [2, 3, 4, 5, 6]],
  [2026, 4, [1, 2, 3, 7, 8]], // 04-06 Qingming (Mon)
  [2026, 5, [6, 7, 8, 9, 11]], // 05-01..05 Labour Day, Saturday 05-09 make-up
  [2026, 6, [1, 2, 3, 4, 5]],
  [2026, 7, [1, 2, 3, 6, 7]],
  [2026, 8, [3, 4, 5, 6, 7]],
  [2026, 9, [1, 2, 3, 4, 7]],
  [2026, 10, [8, 9, 10, 12, 13]], // 10-01..07 National Day, Saturday 10-10 make-up
  [2026, 11, [2, 3, 4, 5, 6]],
  [2026, 12, [1, 2, 3, 4, 7]],
];

const date = (year: number, month: number, day: number): string =>
  `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;

describe('official calendar 2024–2026 (R9)', () => {
  it.each(FIRST_FIVE)('%i-%i: the first five business days are %j', (year, month, days) => {
    // arrange
    const calendar = new BusinessCalendar();
    // act
    const firstFive = [1, 2, 3, 4, 5].map((n) => calendar.nthBusinessDay(year, month, n));
    // assert
    expect(firstFive).toEqual(days.map((d) => ({ date: date(year, month, d), assumed: false })));
  });

  it('Saturday 2026-10-10 is a make-up working day', () => {
    // arrange
    const calendar = new BusinessCalendar();
    // act
    const answer = calendar.isBusinessDay('2026-10-10');
    // assert
    expect(answer).toEqual({ business: true, assumed: false });
  });

  it('Sunday 2026-01-04 and Saturdays 2026-02-14, 2026-02-28 are make-up working days', () => {
    // arrange
    const calendar = new BusinessCalendar();
    // act
    const answers = ['2026-01-04', '2026-02-14', '2026-02-28'].map((d) => calendar.isBusinessDay(d).business);
    // assert
    expect(answers).toEqual([true, true, true]);
  });

  it('weekday holidays are not business days: Thursday 2026-10-01, Monday 2026-02-16, Monday 2026-04-06', () => {
    // arrange
    const calendar = new BusinessCalendar();
    // act
    const answers = ['2026-10-01', '2026-02-16', '2026-04-06'].map((d) => calendar.isBusinessDay(d));
    // assert
    expect(answers).toEqual([
      { business: false, assumed: false },
      { business: false, assumed: false },
      { business: false, assumed: false },
    ]);
  });

  it('an ordinary weekend is not a business day: Sunday 2026-10-11, Saturday 2026-07-04', () => {
    // arrange
    const calendar = new BusinessCalendar();
    // act
    const answers = ['2026-10-11', '2026-07-04'].map((d) => calendar.isBusinessDay(d).business);
    // assert
    expect(answers).toEqual([false, false]);
  });

  it('the 5th business day of October 2026 is Tuesday 10-13 (8, 9, Sat 10, 12, 13)', () => {
    // arrange
    const calendar = new BusinessCalendar();
    // act
    const fifth = calendar.nthBusinessDay(2026, 10, 5);
    // assert
    expect(fifth).toEqual({ date: '2026-10-13', assumed: false });
  });
});

describe('a year the calendar does not know (R9)', () => {
  it('2027 in non-strict mode: weekdays only, flagged as assumed', () => {
    // arrange
    const calendar = new BusinessCalendar({}, false);
    // act
    const answers = ['2027-01-01', '2027-01-02', '2027-01-04'].map((d) => calendar.isBusinessDay(d));
    // assert
    expect(answers).toEqual([
      { business: true, assumed: true },
      { business: false, assumed: true },
      { business: true, assumed: true },
    ]);
  });

  it('2027 in non-strict mode: the 5th business day of January is 01-07 (Fri 1, 4, 5, 6, 7), assumed', () => {
    // arrange
    const calendar = new BusinessCalendar({}, false);
    // act
    const fifth = calendar.nthBusinessDay(2027, 1, 5);
    // assert
    expect(fifth).toEqual({ date: '2027-01-07', assumed: true });
  });

  it('2027 in strict mode: UnknownCalendarYearError naming 2027', () => {
    // arrange
    const calendar = new BusinessCalendar({}, true);
    // act
    const ask = () => calendar.isBusinessDay('2027-01-04');
    // assert
    expect(ask).toThrow(UnknownCalendarYearError);
    expect(ask).toThrow(/2027/);
  });

  it('strict mode still answers for a known year', () => {
    // arrange
    const calendar = new BusinessCalendar({}, true);
    // act
    const answer = calendar.isBusinessDay('2026-10-10');
    // assert
    expect(answer).toEqual({ business: true, assumed: false });
  });

  it('a year before the data (2003) is unknown too', () => {
    // arrange
    const calendar = new BusinessCalendar({}, true);
    // act
    const known = [
      calendar.knowsYear(2003),
      calendar.knowsYear(2004),
      calendar.knowsYear(2026),
      calendar.knowsYear(2027),
    ];
    // assert
    expect(known).toEqual([false, true, true, false]);
  });

  it('overrides naming a 2027 day make 2027 known: strict mode answers, nothing is assumed', () => {
    // arrange
    const calendar = new BusinessCalendar({ holidays: ['2027-01-01'] }, true);
    // act
    const fifth = calendar.nthBusinessDay(2027, 1, 5);
    // assert
    expect(fifth).toEqual({ date: '2027-01-08', assumed: false });
  });
});

describe('calendar overrides from input (R9)', () => {
  it('an added holiday on a weekday removes a business day: 2026-07-03 off → 5th of July is 07-08', () => {
    // arrange
    const calendar = new BusinessCalendar({ holidays: ['2026-07-03'] });
    // act
    const fifth = calendar.nthBusinessDay(2026, 7, 5);
    // assert
    expect(fifth).toEqual({ date: '2026-07-08', assumed: false });
  });

  it('an added make-up Saturday adds a business day: 2026-07-04 on → 5th of July is 07-06', () => {
    // arrange
    const calendar = new BusinessCalendar({ workdays: ['2026-07-04'] });
    // act
    const fifth = calendar.nthBusinessDay(2026, 7, 5);
    // assert
    expect(fifth).toEqual({ date: '2026-07-06', assumed: false });
  });

  it('an override can cancel an official make-up day: 2026-10-10 off → 5th of October is 10-14', () => {
    // arrange
    const calendar = new BusinessCalendar({ holidays: ['2026-10-10'] });
    // act
    const fifth = calendar.nthBusinessDay(2026, 10, 5);
    // assert
    expect(fifth).toEqual({ date: '2026-10-14', assumed: false });
  });

  it('an override can turn an official holiday into a working day: 2026-10-07 on → 5th of October is 10-12', () => {
    // arrange
    const calendar = new BusinessCalendar({ workdays: ['2026-10-07'] });
    // act
    const fifth = calendar.nthBusinessDay(2026, 10, 5);
    // assert
    expect(fifth).toEqual({ date: '2026-10-12', assumed: false });
  });

  it('overrides leave the other days alone', () => {
    // arrange
    const calendar = new BusinessCalendar({ holidays: ['2026-07-03'], workdays: ['2026-07-04'] });
    // act
    const answers = ['2026-07-02', '2026-07-05', '2026-10-01', '2026-10-10'].map(
      (d) => calendar.isBusinessDay(d).business,
    );
    // assert
    expect(answers).toEqual([true, false, false, true]);
  });
});
