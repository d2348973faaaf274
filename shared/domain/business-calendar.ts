// China's business-day calendar (SPEC R9): Monday–Friday except official public holidays, plus
// the official make-up working days (调休) that fall on a weekend. Input may add or override
// days. A year the calendar does not know is an error in strict mode and a flagged
// weekday-only assumption otherwise — never silent.

import { CHINA_OFFICIAL_CALENDAR, type OfficialYear } from './china-calendar-data.ts';
import { dayNumber, isoWeekday } from './local-date.ts';

export interface CalendarOverrides {
  /** days off, even on a weekday */
  readonly holidays?: readonly string[];
  /** working days, even on a weekend */
  readonly workdays?: readonly string[];
}

export interface BusinessDayAnswer {
  readonly business: boolean;
  /** true when the day's year is unknown and the answer is Monday–Friday only */
  readonly assumed: boolean;
}

export class UnknownCalendarYearError extends Error {
  constructor(readonly year: number) {
    super(
      `the business calendar does not know ${year}: add its holidays and make-up working days (calendar.holidays / calendar.workdays) or turn policy.strictCalendar off`,
    );
  }
}

export class BusinessCalendar {
  private readonly holidays = new Set<string>();
  private readonly workdays = new Set<string>();
  private readonly knownYears = new Set<number>();
  private readonly overrideHolidays: ReadonlySet<string>;
  private readonly overrideWorkdays: ReadonlySet<string>;

  /**
   * A year is known when the official data has it, or when the overrides name a day of it (an
   * operator who supplies a year's days vouches for that year).
   */
  constructor(
    overrides: CalendarOverrides = {},
    private readonly strict = false,
    official: Readonly<Record<number, OfficialYear>> = CHINA_OFFICIAL_CALENDAR,
  ) {
    for (const [yearText, days] of Object.entries(official)) {
      const year = Number(yearText);
      this.knownYears.add(year);
      for (const d of days.holidays) this.holidays.add(`${yearText}-${d}`);
      for (const d of days.workdays) this.workdays.add(`${yearText}-${d}`);
    }
    this.overrideHolidays = new Set(overrides.holidays ?? []);
    this.overrideWorkdays = new Set(overrides.workdays ?? []);
    for (const d of [...this.overrideHolidays, ...this.overrideWorkdays]) {
      const year = Number(d.slice(0, 4));
      if (!this.knownYears.has(year)) this.inputOnlyYears.add(year);
    }
    for (const year of this.inputOnlyYears) this.knownYears.add(year);
  }

  /** Years known only through the overrides: a report says so wherever it relies on one. */
  readonly inputOnlyYears = new Set<number>();

  knowsYear(year: number): boolean {
    return this.knownYears.has(year);
  }

  /** @throws UnknownCalendarYearError in strict mode for a year the calendar does not know */
  isBusinessDay(date: string): BusinessDayAnswer {
    if (this.overrideWorkdays.has(date)) return { business: true, assumed: false };
    if (this.overrideHolidays.has(date)) return { business: false, assumed: false };
    const year = Number(date.slice(0, 4));
    const known = this.knownYears.has(year);
    if (!known && this.strict) throw new UnknownCalendarYearError(year);
    if (known && this.workdays.has(date)) return { business: true, assumed: false };
    if (known && this.holidays.has(date)) return { business: false, assumed: false };
    return { business: isoWeekday(dayNumber(date)) <= 5, assumed: !known };
  }

  /** The n-th business day (1-based) of a calendar month, and whether any answer was assumed. */
  nthBusinessDay(year: number, month: number, n: number): { date: string; assumed: boolean } {
    let assumed = false;
    let count = 0;
    for (let day = 1; day <= 31; day++) {
      const date = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
      const answer = this.isBusinessDay(date);
      assumed ||= answer.assumed;
      if (answer.business && ++count === n) return { date, assumed };
    }
    throw new RangeError(`${year}-${month} has fewer than ${n} business days`);
  }
}
