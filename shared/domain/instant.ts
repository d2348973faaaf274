// Instants, local dates and months as they appear in input (SPEC R1).
//
// An instant must carry an explicit offset (`Z` or `±hh:mm`); one without is rejected, never
// guessed. Instants are kept as whole epoch milliseconds plus the sub-millisecond nanoseconds,
// so that comparisons between announcements, windows and claims are exact even at 1 ns.
//
// Every zone in use today has whole-minute offsets, so a clock minute of the policy zone is
// exactly one UTC minute: minute facts are keyed by the epoch minute, `floor(epochMs / 60000)`.

import { DateTime } from 'luxon';

export interface Instant {
  /** whole milliseconds since the Unix epoch (floor) */
  readonly epochMs: number;
  /** 0..999 999 nanoseconds past epochMs */
  readonly subMsNanos: number;
}

export const MS_PER_MINUTE = 60_000;
export const MINUTES_PER_DAY = 1440;

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):(\d{2}))$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH = /^(\d{4})-(\d{2})$/;

/** Days in a month of the proleptic Gregorian calendar (month 1..12). */
export const daysInMonth = (year: number, month: number): number => {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
};

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export const daysFromCivil = (year: number, month: number, day: number): number => {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
};

/** Parses an ISO-8601 instant with an explicit offset; returns a problem description instead of throwing. */
export const parseInstant = (text: unknown): Instant | string => {
  if (typeof text !== 'string') return 'must be a timestamp string with an offset, e.g. 2026-06-10T09:00:05+08:00';
  const m = INSTANT.exec(text);
  if (!m) {
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)) {
      return `timestamp "${text}" has no offset: add Z or ±hh:mm (it is never guessed)`;
    }
    return `"${clip(text)}" is not an ISO-8601 timestamp with an offset (YYYY-MM-DDThh:mm[:ss[.fff]]±hh:mm or Z)`;
  }
  const [, ys, mos, ds, hs, mis, ss, frac, z, sign, ohs, oms] = m;
  const year = Number(ys);
  const month = Number(mos);
  const day = Number(ds);
  const hour = Number(hs);
  const minute = Number(mis);
  const second = ss === undefined ? 0 : Number(ss);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return `"${text}" is not a calendar date`;
  if (hour > 23 || minute > 59 || second > 59) return `"${text}" is not a valid time of day`;
  let offsetMinutes = 0;
  if (z !== 'Z') {
    const oh = Number(ohs);
    const om = Number(oms);
    if (oh > 23 || om > 59) return `"${text}" has an invalid offset`;
    offsetMinutes = (sign === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const nanos = frac === undefined ? 0 : Number(frac.padEnd(9, '0'));
  const wholeMs = Math.floor(nanos / 1_000_000);
  const epochMs =
    ((daysFromCivil(year, month, day) * 24 + hour) * 60 + minute - offsetMinutes) * MS_PER_MINUTE +
    second * 1000 +
    wholeMs;
  return { epochMs, subMsNanos: nanos - wholeMs * 1_000_000 };
};

/** Exact ordering of two instants: negative, zero or positive. */
export const compareInstants = (a: Instant, b: Instant): number =>
  a.epochMs !== b.epochMs ? a.epochMs - b.epochMs : a.subMsNanos - b.subMsNanos;

/** The epoch minute an instant falls in (the clock minute [hh:mm:00, hh:mm+1:00)). */
export const minuteOf = (instant: Instant): number => Math.floor(instant.epochMs / MS_PER_MINUTE);

/** The first epoch minute that starts at or after the instant: `[minuteOf(start), ceilMinute(end))` are the minutes a window touches. */
export const ceilMinute = (instant: Instant): number =>
  instant.subMsNanos > 0 ? Math.floor(instant.epochMs / MS_PER_MINUTE) + 1 : Math.ceil(instant.epochMs / MS_PER_MINUTE);

/** Validates a local date `YYYY-MM-DD`; returns the problem or null. */
export const checkLocalDate = (text: unknown): string | null => {
  if (typeof text !== 'string') return 'must be a date string YYYY-MM-DD';
  const m = DATE.exec(text);
  if (!m) return `"${clip(text)}" is not a date YYYY-MM-DD`;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return `"${text}" is not a calendar date`;
  return null;
};

/** Validates a calendar month `YYYY-MM`; returns the problem or null. */
export const checkMonth = (text: unknown): string | null => {
  if (typeof text !== 'string') return 'must be a month string YYYY-MM';
  const m = MONTH.exec(text);
  if (!m) return `"${clip(text)}" is not a month YYYY-MM`;
  const month = Number(m[2]);
  if (month < 1 || month > 12) return `"${text}" is not a calendar month`;
  return null;
};

const clip = (text: string): string => (text.length > 40 ? `${text.slice(0, 40)}…` : text);

/** The local date (`YYYY-MM-DD`) of an epoch millisecond in `zone`: the day a claim was filed, a run's today. */
export const localDateOf = (epochMs: number, zone: string): string =>
  DateTime.fromMillis(epochMs, { zone }).toISODate() ?? '';
