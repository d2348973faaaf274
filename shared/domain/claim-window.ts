// Claim window of a service month that missed the commitment (SPEC R9, §3.2).
//
// opensOn  = the day after the 5th business day of the calendar month that follows E's month;
// closesOn = E + 60 days (the last day a claim is accepted); E is the month's last service day.

import type { BusinessCalendar } from './business-calendar.ts';
import { addDays } from './local-date.ts';

export interface ClaimWindow {
  readonly opensOn: string;
  readonly closesOn: string;
  /** present and true when a year missing from the business calendar was taken as weekdays only */
  readonly calendarAssumed?: true;
}

export const claimWindowFor = (lastDay: string, calendar: BusinessCalendar): ClaimWindow => {
  const year = Number(lastDay.slice(0, 4));
  const month = Number(lastDay.slice(5, 7));
  const next = month === 12 ? { year: year + 1, month: 1 } : { year, month: month + 1 };
  const fifth = calendar.nthBusinessDay(next.year, next.month, 5);
  const window = { opensOn: addDays(fifth.date, 1), closesOn: addDays(lastDay, 60) };
  return fifth.assumed ? { ...window, calendarAssumed: true } : window;
};

/** A claim is on time iff opensOn ≤ filed day ≤ closesOn (local days; ISO dates compare as strings). */
export const claimTiming = (window: ClaimWindow, filedDay: string): 'early' | 'on-time' | 'late' =>
  filedDay < window.opensOn ? 'early' : filedDay > window.closesOn ? 'late' : 'on-time';
