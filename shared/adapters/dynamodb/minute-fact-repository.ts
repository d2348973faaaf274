// Minute facts in DynamoDB: one item per account-hour.
//
// Each item holds, per minute-state bit, the number set of minute offsets (0..59) that had it:
// `ok` (a success), `pf` (a platform failure), `c2`…`c9` (a failure with the excluded cause of
// clause 4.2…4.9). A write ADDs to those sets, so it is idempotent and order-independent: the
// item after any batch split, order, duplication or lateness of the results is the same union,
// exactly the OR-fold of the in-memory MinuteFacts. One UpdateItem per account-hour per batch:
// an item stays far below 1 KB, so each costs one write unit.

import { QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { MinuteFacts } from '#domain/minute-facts.ts';
import { ANY_OK, causeBit, OBSERVED, PLATFORM_FAILURE } from '#domain/probe.ts';
import { accountPk, epochHourOfSk, hourSk, TTL_ATTRIBUTE } from './keys.ts';
import type { Table } from './table.ts';

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
}

export const writeHourFacts = async (table: Table, hour: HourFacts): Promise<void> => {
  const names: Record<string, string> = { '#ttl': TTL_ATTRIBUTE };
  const values: Record<string, { NS: string[] } | { N: string }> = { ':ttl': { N: String(hour.expiresAt) } };
  const adds: string[] = [];
  for (const [attribute, bit] of SETS) {
    const minutes: string[] = [];
    for (let m = 0; m < 60; m++) if (((hour.states[m] ?? 0) & bit) !== 0) minutes.push(String(m));
    if (minutes.length === 0) continue;
    names[`#${attribute}`] = attribute;
    values[`:${attribute}`] = { NS: minutes };
    adds.push(`#${attribute} :${attribute}`);
  }
  if (adds.length === 0) return;
  const result = await table.client.send(
    new UpdateItemCommand({
      TableName: table.name,
      Key: { pk: { S: accountPk(hour.accountId) }, sk: { S: hourSk(hour.epochHour) } },
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

/**
 * Reads an account's minute facts for epoch minutes [fromMinute, toMinute) into `facts`.
 * One paged Query on the account's partition.
 */
export const readMinuteFacts = async (
  table: Table,
  accountId: string,
  fromMinute: number,
  toMinute: number,
  facts: MinuteFacts,
): Promise<void> => {
  let startKey: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
  do {
    const page = await table.client.send(
      new QueryCommand({
        TableName: table.name,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': { S: accountPk(accountId) },
          ':from': { S: hourSk(Math.floor(fromMinute / 60)) },
          ':to': { S: hourSk(Math.floor((toMinute - 1) / 60)) },
        },
        // eventually consistent: the month-end reads hours after the last write, at half the cost
        ConsistentRead: false,
        ExclusiveStartKey: startKey,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    table.meter.add('read', page.ConsumedCapacity);
    for (const item of page.Items ?? []) {
      const base = epochHourOfSk(item.sk?.S ?? '') * 60;
      for (const [attribute, bit] of SETS) {
        for (const m of item[attribute]?.NS ?? []) {
          const minute = base + Number(m);
          if (minute >= fromMinute && minute < toMinute) facts.record(accountId, minute, bit | OBSERVED);
        }
      }
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
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
