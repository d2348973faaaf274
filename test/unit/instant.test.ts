// SPEC R1 · Time: every timestamp carries an explicit offset; minutes are clock minutes.
import { describe, expect, it } from 'vitest';
import {
  ceilMinute,
  checkLocalDate,
  checkMonth,
  compareInstants,
  daysInMonth,
  type Instant,
  minuteOf,
  parseInstant,
} from '#domain/instant.ts';

const parsed = (text: string): Instant => {
  const result = parseInstant(text);
  if (typeof result === 'string') throw new Error(`expected an instant, got: ${result}`);
  return result;
};

describe('parseInstant: offsets (R1)', () => {
  it('rejects a timestamp without an offset and says so, never guessing a zone', () => {
    // arrange
    const text = '2026-06-10T09:00:05';
    // act
    const result = parseInstant(text);
    // assert
    expect(typeof result).toBe('string');
    expect(result).toContain('no offset');
  });

  it('rejects a timestamp without seconds and without an offset', () => {
    // arrange
    const text = '2026-06-10T09:00';
    // act
    const result = parseInstant(text);
    // assert
    expect(result).toContain('no offset');
  });

  it('rejects a date alone (no time, no offset)', () => {
    // arrange
    const text = '2026-06-10';
    // act
    const result = parseInstant(text);
    // assert
    expect(typeof result).toBe('string');
  });

  it('reads Z as UTC', () => {
    // arrange
    const text = '2026-06-10T01:00:05Z';
    // act
    const result = parseInstant(text);
    // assert
    expect(result).toEqual({ epochMs: Date.UTC(2026, 5, 10, 1, 0, 5), subMsNanos: 0 });
  });

  it('converts +08:00 to UTC: 2026-06-10T09:00:05+08:00 is 2026-06-10T01:00:05Z', () => {
    // arrange
    const text = '2026-06-10T09:00:05+08:00';
    // act
    const result = parseInstant(text);
    // assert
    expect(result).toEqual({ epochMs: Date.UTC(2026, 5, 10, 1, 0, 5), subMsNanos: 0 });
  });

  it('converts a negative offset across the UTC date line: 2026-06-09T20:30:00-05:00 is 2026-06-10T01:30:00Z', () => {
    // arrange
    const text = '2026-06-09T20:30:00-05:00';
    // act
    const result = parseInstant(text);
    // assert
    expect(result).toEqual({ epochMs: Date.UTC(2026, 5, 10, 1, 30, 0), subMsNanos: 0 });
  });

  it('converts a non-whole-hour offset: 2026-06-10T06:45:00+05:45 is 2026-06-10T01:00:00Z', () => {
    // arrange
    const text = '2026-06-10T06:45:00+05:45';
    // act
    const result = parseInstant(text);
    // assert
    expect(result).toEqual({ epochMs: Date.UTC(2026, 5, 10, 1, 0, 0), subMsNanos: 0 });
  });

  it('reads 2026-06-30T16:00:00Z and 2026-07-01T00:00:00+08:00 as the same instant', () => {
    // arrange
    const utc = '2026-06-30T16:00:00Z';
    const shanghai = '2026-07-01T00:00:00+08:00';
    // act
    const order = compareInstants(parsed(utc), parsed(shanghai));
    // assert
    expect(order).toBe(0);
    expect(parsed(utc).epochMs).toBe(Date.UTC(2026, 5, 30, 16, 0, 0));
  });

  it('accepts a timestamp without seconds when it has an offset (seconds = 0)', () => {
    // arrange
    const text = '2026-06-10T09:00+08:00';
    // act
    const result = parseInstant(text);
    // assert
    expect(result).toEqual({ epochMs: Date.UTC(2026, 5, 10, 1, 0, 0), subMsNanos: 0 });
  });

  it('rejects an offset written without a colon (+0800)', () => {
    // arrange
    const text = '2026-06-10T09:00:05+0800';
    // act
    const result = parseInstant(text);
    // assert
    expect(typeof result).toBe('string');
  });

  it('rejects an offset of 24 hours or more (+24:00)', () => {
    // arrange
    const text = '2026-06-10T09:00:05+24:00';
    // act
    const result = parseInstant(text);
    // assert
    expect(result).toContain('invalid offset');
  });

  it('rejects a lowercase z and a space instead of T', () => {
    // arrange
    const lower = '2026-06-10T01:00:05z';
    const spaced = '2026-06-10 01:00:05Z';
    // act
    const results = [parseInstant(lower), parseInstant(spaced)];
    // assert
    expect(typeof results[0]).toBe('string');
    expect(typeof results[1]).toBe('string');
  });

  it('rejects a value that is not a string (an epoch number)', () => {
    // arrange
    const value = 1_780_000_000_000;
    // act
    const result = parseInstant(value);
    // assert
    expect(typeof result).toBe('string');
  });
});

describe('parseInstant: fractional seconds', () => {
  it('keeps milliseconds: .123 → epochMs + 123, no sub-ms nanos', () => {
    // arrange
    const text = '2026-06-10T01:00:05.123Z';
    // act
    const result = parseInstant(text);
    // assert
    expect(result).toEqual({ epochMs: Date.UTC(2026, 5, 10, 1, 0, 5, 123), subMsNanos: 0 });
  });

  it('keeps nanoseconds: .123456789 → 123 ms and 456 789 ns', () => {
    // arrange
    const text = '2026-06-10T01:00:05.123456789Z';
    // act
    const result = parseInstant(text);
    // assert
    expect(result).toEqual({ epochMs: Date.UTC(2026, 5, 10, 1, 0, 5, 123), subMsNanos: 456_789 });
  });

  it('reads one digit as tenths: .5 → 500 ms', () => {
    // arrange
    const text = '2026-06-10T01:00:05.5Z';
    // act
    const result = parseInstant(text);
    // assert
    expect(result).toEqual({ epochMs: Date.UTC(2026, 5, 10, 1, 0, 5, 500), subMsNanos: 0 });
  });

  it('keeps a single nanosecond: .000000001 → 0 ms and 1 ns', () => {
    // arrange
    const text = '2026-06-10T01:00:05.000000001Z';
    // act
    const result = parseInstant(text);
    // assert
    expect(result).toEqual({ epochMs: Date.UTC(2026, 5, 10, 1, 0, 5), subMsNanos: 1 });
  });

  it('orders two instants 1 ns apart', () => {
    // arrange
    const earlier = parsed('2026-06-10T01:00:05.000000001Z');
    const later = parsed('2026-06-10T01:00:05.000000002Z');
    // act
    const order = compareInstants(earlier, later);
    // assert
    expect(order).toBeLessThan(0);
    expect(compareInstants(later, earlier)).toBeGreaterThan(0);
  });

  it('rejects more than 9 fractional digits', () => {
    // arrange
    const text = '2026-06-10T01:00:05.1234567891Z';
    // act
    const result = parseInstant(text);
    // assert
    expect(typeof result).toBe('string');
  });
});

describe('parseInstant: invalid dates and times', () => {
  it('rejects 2026-02-29 (2026 is not a leap year)', () => {
    // arrange
    const text = '2026-02-29T10:00:00+08:00';
    // act
    const result = parseInstant(text);
    // assert
    expect(result).toContain('not a calendar date');
  });

  it('accepts 2024-02-29 (2024 is a leap year)', () => {
    // arrange
    const text = '2024-02-29T10:00:00+08:00';
    // act
    const result = parseInstant(text);
    // assert
    expect(result).toEqual({ epochMs: Date.UTC(2024, 1, 29, 2, 0, 0), subMsNanos: 0 });
  });

  it('rejects 2026-04-31, month 13 and day 0', () => {
    // arrange
    const texts = ['2026-04-31T10:00:00Z', '2026-13-01T10:00:00Z', '2026-06-00T10:00:00Z'];
    // act
    const results = texts.map((t) => parseInstant(t));
    // assert
    for (const r of results) expect(r).toContain('not a calendar date');
  });

  it('rejects 24:00 (the end of a day is written as 00:00 of the next)', () => {
    // arrange
    const text = '2026-06-10T24:00:00+08:00';
    // act
    const result = parseInstant(text);
    // assert
    expect(result).toContain('not a valid time of day');
  });

  it('rejects minute 60 and second 60 (no leap seconds)', () => {
    // arrange
    const texts = ['2026-06-10T23:60:00Z', '2026-06-30T23:59:60Z'];
    // act
    const results = texts.map((t) => parseInstant(t));
    // assert
    for (const r of results) expect(r).toContain('not a valid time of day');
  });
});

describe('clock minutes', () => {
  it('minuteOf puts 10:00:59.999 in the minute that starts at 10:00:00', () => {
    // arrange
    const instant = parsed('2026-06-10T10:00:59.999999999+08:00');
    // act
    const minute = minuteOf(instant);
    // assert
    expect(minute).toBe(Date.UTC(2026, 5, 10, 2, 0, 0) / 60_000);
  });

  it('ceilMinute of an instant on a minute boundary is that minute', () => {
    // arrange
    const instant = parsed('2026-06-10T10:05:00+08:00');
    // act
    const minute = ceilMinute(instant);
    // assert
    expect(minute).toBe(Date.UTC(2026, 5, 10, 2, 5, 0) / 60_000);
  });

  it('ceilMinute of 1 ns past a minute boundary is the next minute', () => {
    // arrange
    const instant = parsed('2026-06-10T10:05:00.000000001+08:00');
    // act
    const minute = ceilMinute(instant);
    // assert
    expect(minute).toBe(Date.UTC(2026, 5, 10, 2, 6, 0) / 60_000);
  });
});

describe('local dates and months', () => {
  it('checkLocalDate accepts 2024-02-29 and rejects 2026-02-29', () => {
    // arrange
    const leap = '2024-02-29';
    const notLeap = '2026-02-29';
    // act
    const results = [checkLocalDate(leap), checkLocalDate(notLeap)];
    // assert
    expect(results[0]).toBeNull();
    expect(results[1]).toContain('not a calendar date');
  });

  it('checkLocalDate rejects a date with a time, or without zero padding', () => {
    // arrange
    const texts = ['2026-06-10T00:00:00+08:00', '2026-6-1'];
    // act
    const results = texts.map((t) => checkLocalDate(t));
    // assert
    for (const r of results) expect(r).not.toBeNull();
  });

  it('checkMonth accepts 2026-12 and rejects 2026-13 and 2026-00', () => {
    // arrange
    const texts = ['2026-12', '2026-13', '2026-00'];
    // act
    const results = texts.map((t) => checkMonth(t));
    // assert
    expect(results).toEqual([null, '"2026-13" is not a calendar month', '"2026-00" is not a calendar month']);
  });

  it('daysInMonth knows 28, 29, 30 and 31-day months and the century rules', () => {
    // arrange
    const cases: [number, number][] = [
      [2026, 2],
      [2024, 2],
      [2100, 2],
      [2000, 2],
      [2026, 6],
      [2026, 7],
    ];
    // act
    const days = cases.map(([y, m]) => daysInMonth(y, m));
    // assert
    expect(days).toEqual([28, 29, 28, 29, 30, 31]);
  });
});
