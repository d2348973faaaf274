// Minute facts in DynamoDB: one item per account-hour while the hour's UTC day is open, one
// compacted item per account-day after.
//
// Each item holds, per minute-state bit, the string set of the runs of minute offsets (0..59)
// that had it (`"0-59"`, `"7"`, `"30-31"`: minuteRuns): `ok` (a success), `pf` (a platform
// failure), `c2`…`c9` (a failure with the excluded cause of clause 4.2…4.9). A write ADDs to
// those sets, so it is idempotent and order-independent: whatever the batch split, order,
// duplication or lateness of the results, the minutes the item's runs cover are the same union,
// exactly the OR-fold of the in-memory MinuteFacts. (Runs rather than one number per minute: a
// healthy hour is one short string, which every reader parses 60 times faster.) One UpdateItem per account-hour per batch:
// an item stays far below 1 KB, so each costs one write unit.
//
// A UTC day is sealed SEAL_AFTER_MINUTES after its end: results for it written later go to LATE#
// items instead, so its HOUR# items never change again, and the daily compaction (compactDay)
// folds them into a DAY# item of bitmaps — 31 small items to read for a month instead of 744.

import { type AttributeValue, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { MINUTES_PER_DAY } from '#domain/instant.ts';
import type { MinuteFacts } from '#domain/minute-facts.ts';
import { ANY_OK, causeBit, OBSERVED, PLATFORM_FAILURE } from '#domain/probe.ts';
import {
  accountPk,
  COMPACT_AFTER_MINUTES,
  dayRangeEndSk,
  daySk,
  epochDayOfSk,
  epochHourOfSk,
  hourSk,
  isLateSk,
  lateHourSk,
  SEAL_AFTER_MINUTES,
  TTL_ATTRIBUTE,
} from './keys.ts';
import { queryPages, type Table } from './table.ts';

/** Attribute name → minute-state bit. */
const SETS: readonly (readonly [string, number])[] = [
  ['ok', ANY_OK],
  ['pf', PLATFORM_FAILURE],
  ...[2, 3, 4, 5, 6, 7, 8, 9].map((clause) => [`c${clause}`, causeBit(clause - 1)] as const),
];

export interface HourFacts {
  readonly accountId: string;
  readonly epochHour: number;
  /** minute-state bits of the hour's 60 minutes (0: nothing observed) */
  readonly states: ArrayLike<number>;
  /** epoch seconds after which the item may expire */
  readonly expiresAt: number;
  /** written after the hour's UTC day was sealed: a LATE# item (see isSealed) */
  readonly late?: boolean;
}

/**
 * The minutes of an hour (offsets 0..59) with `bit`, as runs: `"a-b"` (a..b, inclusive) or `"a"`.
 * A healthy hour is one element, `"0-59"`. Sets of runs union as sets of minutes do: the same
 * minutes written in other pieces add other runs that cover nothing new, and readers expand them.
 */
export const minuteRuns = (states: ArrayLike<number>, bit: number): string[] => {
  const runs: string[] = [];
  for (let m = 0; m < 60; m++) {
    if (((states[m] ?? 0) & bit) === 0) continue;
    let end = m;
    while (end + 1 < 60 && ((states[end + 1] ?? 0) & bit) !== 0) end++;
    runs.push(end === m ? String(m) : `${m}-${end}`);
    m = end;
  }
  return runs;
};

/** The minute offsets of a set of runs (minuteRuns), in no particular order, possibly repeated. */
export const expandRuns = (runs: readonly string[]): number[] =>
  runs.flatMap((run) => {
    const [first = '', last = first] = run.split('-');
    const minutes: number[] = [];
    for (let m = Number(first); m <= Number(last); m++) minutes.push(m);
    return minutes;
  });

export const writeHourFacts = async (table: Table, hour: HourFacts): Promise<void> => {
  const names: Record<string, string> = { '#ttl': TTL_ATTRIBUTE };
  const values: Record<string, { SS: string[] } | { N: string }> = { ':ttl': { N: String(hour.expiresAt) } };
  const adds: string[] = [];
  for (const [attribute, bit] of SETS) {
    const runs = minuteRuns(hour.states, bit);
    if (runs.length === 0) continue;
    names[`#${attribute}`] = attribute;
    values[`:${attribute}`] = { SS: runs };
    adds.push(`#${attribute} :${attribute}`);
  }
  if (adds.length === 0) return;
  const result = await table.client.send(
    new UpdateItemCommand({
      TableName: table.name,
      Key: {
        pk: { S: accountPk(hour.accountId) },
        sk: { S: hour.late ? lateHourSk(hour.epochHour) : hourSk(hour.epochHour) },
      },
      // the retention in force when the hour is written; never earlier than 60 days after its
      // month (every claim on it closed), since the retention is ≥ 0
      UpdateExpression: `ADD ${adds.join(', ')} SET #ttl = :ttl`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  table.meter.add('write', result.ConsumedCapacity);
};

/** Paged Query of one account's items with sort keys in [from, to]; each item to `onItem`. */
const queryRange = async (
  table: Table,
  accountId: string,
  from: string,
  to: string,
  onItem: (item: Record<string, AttributeValue>) => void,
  consistent = false,
): Promise<void> =>
  queryPages(
    table,
    {
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': { S: accountPk(accountId) }, ':from': { S: from }, ':to': { S: to } },
      // eventually consistent by default: the month-end reads hours long after the last write,
      // at half the cost
      ConsistentRead: consistent,
    },
    onItem,
  );

/** Adds an HOUR#/LATE# item's minutes in [fromMinute, toMinute) to `record`. */
const foldHourItem = (
  item: Record<string, AttributeValue>,
  fromMinute: number,
  toMinute: number,
  record: (minute: number, bits: number) => void,
): void => {
  const base = epochHourOfSk(item.sk?.S ?? '') * 60;
  for (const [attribute, bit] of SETS) {
    for (const run of item[attribute]?.SS ?? []) {
      const dash = run.indexOf('-');
      const first = Number(dash < 0 ? run : run.slice(0, dash));
      const last = dash < 0 ? first : Number(run.slice(dash + 1));
      for (let m = Math.max(first, fromMinute - base); m <= last && base + m < toMinute; m++)
        record(base + m, bit | OBSERVED);
    }
  }
};

/** Bytes of one state bit's bitmap over a UTC day: bit i of byte i >> 3 is minute i of the day. */
const PLANE_BYTES = MINUTES_PER_DAY / 8;

/**
 * Reads an account's minute facts for epoch minutes [fromMinute, toMinute) into `facts`:
 * the DAY# range (the compacted days, and the hours that came after their day was sealed), then
 * the hours of the days not compacted yet (HOUR#, one Query per run of such days). All are OR-ed,
 * so a minute found in several items counts once.
 */
export const readMinuteFacts = async (
  table: Table,
  accountId: string,
  fromMinute: number,
  toMinute: number,
  facts: MinuteFacts,
): Promise<void> => {
  if (toMinute <= fromMinute) return;
  const record = (minute: number, bits: number) => facts.record(accountId, minute, bits);
  const firstDay = Math.floor(fromMinute / MINUTES_PER_DAY);
  const lastDay = Math.floor((toMinute - 1) / MINUTES_PER_DAY);
  const compacted = new Set<number>();
  await queryRange(table, accountId, daySk(firstDay), dayRangeEndSk(lastDay), (item) => {
    const sk = item.sk?.S ?? '';
    if (isLateSk(sk)) {
      foldHourItem(item, fromMinute, toMinute, record);
      return;
    }
    const day = epochDayOfSk(sk);
    compacted.add(day);
    const base = day * MINUTES_PER_DAY;
    const from = Math.max(fromMinute - base, 0);
    const to = Math.min(toMinute - base, MINUTES_PER_DAY);
    if (from >= to) return;
    const page = facts.page(accountId, day);
    for (const [attribute, bit] of SETS) {
      const plane = item[attribute]?.B;
      if (plane === undefined) continue;
      const value = bit | OBSERVED;
      // a byte at a time: most bytes of a plane are all set or all clear
      for (let j = from >> 3; j <= (to - 1) >> 3; j++) {
        const byte = plane[j] ?? 0;
        if (byte === 0) continue;
        const first = j << 3;
        if (byte === 0xff && first >= from && first + 8 <= to) {
          for (let i = first; i < first + 8; i++) page[i] = (page[i] ?? 0) | value;
          continue;
        }
        for (let i = Math.max(first, from); i < Math.min(first + 8, to); i++) {
          if ((byte & (1 << (i & 7))) !== 0) page[i] = (page[i] ?? 0) | value;
        }
      }
    }
  });
  const firstHour = Math.floor(fromMinute / 60);
  const lastHour = Math.floor((toMinute - 1) / 60);
  for (let day = firstDay; day <= lastDay; day++) {
    if (compacted.has(day)) continue;
    let end = day;
    while (end < lastDay && !compacted.has(end + 1)) end++;
    const from = Math.max(day * 24, firstHour);
    const to = Math.min(end * 24 + 23, lastHour);
    await queryRange(table, accountId, hourSk(from), hourSk(to), (item) =>
      foldHourItem(item, fromMinute, toMinute, record),
    );
    day = end;
  }
};

/** True when results for `epochDay` arriving at `nowMs` go to LATE# items (the day is sealed). */
export const isSealed = (epochDay: number, nowMs: number): boolean =>
  nowMs >= ((epochDay + 1) * MINUTES_PER_DAY + SEAL_AFTER_MINUTES) * 60_000;

/** The last UTC day that may be compacted at `nowMs`. */
export const lastCompactableDay = (nowMs: number): number =>
  Math.floor((Math.floor(nowMs / 60_000) - COMPACT_AFTER_MINUTES) / MINUTES_PER_DAY) - 1;

/** The DAY# item of an account-day: per state bit present, its bitmap over the day's minutes. */
export const dayItem = (
  accountId: string,
  epochDay: number,
  page: ArrayLike<number>,
  expiresAt: number,
  hourItems: number,
): Record<string, AttributeValue> => {
  const item: Record<string, AttributeValue> = {
    pk: { S: accountPk(accountId) },
    sk: { S: daySk(epochDay) },
    hours: { N: String(hourItems) },
    [TTL_ATTRIBUTE]: { N: String(expiresAt) },
  };
  for (const [attribute, bit] of SETS) {
    const plane = new Uint8Array(PLANE_BYTES);
    let any = false;
    for (let i = 0; i < MINUTES_PER_DAY; i++) {
      if (((page[i] ?? 0) & bit) !== 0) {
        plane[i >> 3] = (plane[i >> 3] ?? 0) | (1 << (i & 7));
        any = true;
      }
    }
    if (any) item[attribute] = { B: plane };
  }
  return item;
};

/** An HOUR# (or LATE#) item as one write would leave it on an empty table (seeding, tests). */
export const hourItem = (hour: HourFacts): Record<string, AttributeValue> => {
  const item: Record<string, AttributeValue> = {
    pk: { S: accountPk(hour.accountId) },
    sk: { S: hour.late ? lateHourSk(hour.epochHour) : hourSk(hour.epochHour) },
    [TTL_ATTRIBUTE]: { N: String(hour.expiresAt) },
  };
  for (const [attribute, bit] of SETS) {
    const runs = minuteRuns(hour.states, bit);
    if (runs.length > 0) item[attribute] = { SS: runs };
  }
  return item;
};

/**
 * Folds an account's HOUR# items of a sealed UTC day into one DAY# item (written even when the
 * day had no facts, so that readers know the day is done). Idempotent: a sealed day's hour items
 * no longer change, so a second compaction writes the same item. The hour items stay until
 * their TTL; readers no longer read them.
 */
export const compactDay = async (
  table: Table,
  accountId: string,
  epochDay: number,
  expiresAt: number,
): Promise<{ hourItems: number; observedMinutes: number }> => {
  const base = epochDay * MINUTES_PER_DAY;
  const page = new Uint16Array(MINUTES_PER_DAY);
  let hourItems = 0;
  await queryRange(table, accountId, hourSk(epochDay * 24), hourSk(epochDay * 24 + 23), (item) => {
    hourItems++;
    foldHourItem(item, base, base + MINUTES_PER_DAY, (minute, bits) => {
      page[minute - base] = (page[minute - base] ?? 0) | bits;
    });
  });
  const item = dayItem(accountId, epochDay, page, expiresAt, hourItems);
  let observedMinutes = 0;
  for (const v of page) if (v !== 0) observedMinutes++;
  const result = await table.client.send(
    new PutItemCommand({ TableName: table.name, Item: item, ReturnConsumedCapacity: 'TOTAL' }),
  );
  table.meter.add('write', result.ConsumedCapacity);
  return { hourItems, observedMinutes };
};

/** Reads the minute facts of every account's service periods (one Query per account and period). */
export const loadMinuteFacts = async (
  table: Table,
  periods: ReadonlyMap<string, Float64Array>,
  facts: MinuteFacts,
): Promise<MinuteFacts> => {
  for (const [accountId, pairs] of periods) {
    for (let i = 0; i < pairs.length; i += 2) {
      await readMinuteFacts(table, accountId, pairs[i] ?? 0, pairs[i + 1] ?? 0, facts);
    }
  }
  return facts;
};
