// Notices to customers (SPEC R11): one record per notice, created before it is enqueued, so that
// a notice is decided once whatever happens to the run that decides it.
//
//   pending   created (conditional on the key being new); the message may or may not be queued
//   enqueued  the queue accepted the message
//   (delivered / failed: set by the notice worker)
//
// A run that finds a pending record (its own retry, or a duplicate run) sends the message again:
// the queue may then hold it twice, and the worker delivers a notice id once. A run that finds
// the record enqueued or later sends nothing.

import {
  type AttributeValue,
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { noticePk, noticeSk } from './keys.ts';
import { batchGetAll, type Table } from './table.ts';

export type NoticeKind = 'window-open' | 'correction';
export type NoticeStatus = 'pending' | 'enqueued' | 'delivered' | 'failed';

/** What a notice told (or tells) the customer about a service month. */
export interface Told {
  readonly version: number;
  readonly compensationPercent: number;
  readonly voucher: string;
}

export interface NoticeRecord extends Told {
  /** `<accountId>/<orderId>/<month>/<kind>[/v<version>]`: the idempotency key end to end */
  readonly noticeId: string;
  readonly kind: NoticeKind;
  readonly accountId: string;
  readonly orderId: string;
  readonly month: string;
  /** a correction: what the notice before it told */
  readonly previous?: Told;
  readonly runId: string;
  readonly createdAt: string;
}

export interface StoredNotice extends NoticeRecord {
  readonly status: NoticeStatus;
}

export const noticeIdOf = (n: Pick<NoticeRecord, 'accountId' | 'orderId' | 'month' | 'kind' | 'version'>): string =>
  `${n.accountId}/${n.orderId}/${n.month}/${n.kind}${n.kind === 'correction' ? `/v${n.version}` : ''}`;

const keyOf = (n: Pick<NoticeRecord, 'accountId' | 'orderId' | 'month' | 'kind' | 'version'>) => ({
  pk: { S: noticePk(n.accountId) },
  sk: { S: noticeSk(n.month, n.orderId, n.kind, n.kind === 'correction' ? n.version : undefined) },
});

const fromItem = (item: Record<string, AttributeValue>): StoredNotice => ({
  ...(JSON.parse(item.doc?.S ?? '{}') as NoticeRecord),
  status: (item.status?.S ?? 'pending') as NoticeStatus,
});

/** Every notice of an account's service months in a month, oldest version first. */
export const listNotices = async (table: Table, accountId: string, month: string): Promise<StoredNotice[]> => {
  const notices: StoredNotice[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await table.client.send(
      new QueryCommand({
        TableName: table.name,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :month)',
        ExpressionAttributeValues: { ':pk': { S: noticePk(accountId) }, ':month': { S: `${month}#` } },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    table.meter.add('read', page.ConsumedCapacity);
    for (const item of page.Items ?? []) notices.push(fromItem(item));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return notices.sort((a, b) => a.version - b.version);
};

/**
 * The window-open notice of many service months at once (BatchGetItem, 100 keys a request):
 * `<accountId>/<orderId>/<month>` → the stored notice, or undefined. A service month without one
 * was never told anything (every correction follows a window-open).
 */
export const getWindowOpenMany = async (
  table: Table,
  keys: readonly { accountId: string; orderId: string; month: string }[],
): Promise<Map<string, StoredNotice | undefined>> => {
  const found = new Map<string, StoredNotice | undefined>();
  for (const k of keys) found.set(`${k.accountId}/${k.orderId}/${k.month}`, undefined);
  const wanted = keys.map((k) => keyOf({ ...k, kind: 'window-open', version: 0 }));
  await batchGetAll(table, wanted, true, (item) => {
    const notice = fromItem(item);
    found.set(`${notice.accountId}/${notice.orderId}/${notice.month}`, notice);
  });
  return found;
};

/** Creates the notice, pending; when its key exists, the stored notice instead. */
export const createNotice = async (
  table: Table,
  notice: NoticeRecord,
): Promise<{ created: true } | { created: false; existing: StoredNotice }> => {
  const key = keyOf(notice);
  try {
    const result = await table.client.send(
      new PutItemCommand({
        TableName: table.name,
        Item: { ...key, doc: { S: JSON.stringify(notice) }, status: { S: 'pending' } },
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    table.meter.add('write', result.ConsumedCapacity);
    return { created: true };
  } catch (e) {
    if (!(e instanceof ConditionalCheckFailedException)) throw e;
    const result = await table.client.send(
      new GetItemCommand({ TableName: table.name, Key: key, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }),
    );
    table.meter.add('read', result.ConsumedCapacity);
    if (!result.Item) throw new Error(`notice ${notice.noticeId} vanished after its key was taken`);
    return { created: false, existing: fromItem(result.Item) };
  }
};

/** pending → enqueued (a notice already further along stays as it is). */
export const markEnqueued = async (table: Table, notice: NoticeRecord, at: Date): Promise<void> => {
  try {
    const result = await table.client.send(
      new UpdateItemCommand({
        TableName: table.name,
        Key: keyOf(notice),
        UpdateExpression: 'SET #status = :enqueued, enqueuedAt = :at',
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':enqueued': { S: 'enqueued' },
          ':pending': { S: 'pending' },
          ':at': { S: at.toISOString() },
        },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    table.meter.add('write', result.ConsumedCapacity);
  } catch (e) {
    if (!(e instanceof ConditionalCheckFailedException)) throw e;
  }
};
