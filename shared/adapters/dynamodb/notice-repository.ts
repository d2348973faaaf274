// Notices to customers (SPEC R11): one record per notice, created before it is enqueued, so that
// a notice is decided once whatever happens to the run that decides it.
//
//   pending   created (conditional on the key being new); the message may or may not be queued
//   enqueued  the queue accepted the message
//   (delivered / failed / superseded: set by the notice worker; a failed notice is taken again
//    when its message is redriven from the DLQ)
//
// A run that finds a pending record (its own retry, or a duplicate run) sends the message again:
// the queue may then hold it twice, and the worker delivers a notice id once. A run that finds
// the record enqueued or later sends nothing.

import {
  type AttributeValue,
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { noticePk, noticeSk } from './keys.ts';
import { type ContactPreferences, canonicalJson } from './registry-repository.ts';
import { batchGetAll, queryPages, type Table, updateIf } from './table.ts';

export type NoticeKind = 'window-open' | 'reminder' | 'correction';
export type NoticeStatus = 'pending' | 'enqueued' | 'delivered' | 'failed' | 'superseded';

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
  /** what the worker recorded: when and where it was delivered, or why not */
  readonly outcome: NoticeOutcome;
}

export interface NoticeOutcome {
  readonly deliveredAt?: string;
  readonly deliveredChannels?: readonly string[];
  readonly failedAt?: string;
  readonly failedCode?: string;
  readonly failedReason?: string;
  readonly failures?: number;
  readonly supersededBy?: string;
}

export const noticeIdOf = (n: Pick<NoticeRecord, 'accountId' | 'orderId' | 'month' | 'kind' | 'version'>): string =>
  `${n.accountId}/${n.orderId}/${n.month}/${n.kind}${n.kind === 'correction' ? `/v${n.version}` : ''}`;

const keyOf = (n: Pick<NoticeRecord, 'accountId' | 'orderId' | 'month' | 'kind' | 'version'>) => ({
  pk: { S: noticePk(n.accountId) },
  sk: { S: noticeSk(n.month, n.orderId, n.kind, n.kind === 'correction' ? n.version : undefined) },
});

const outcomeOf = (item: Record<string, AttributeValue>): NoticeOutcome => {
  const text = (name: string) => (item[name]?.S === undefined ? {} : { [name]: item[name].S });
  return {
    ...text('deliveredAt'),
    ...(item.deliveredChannels?.L === undefined
      ? {}
      : { deliveredChannels: item.deliveredChannels.L.map((c) => c.S ?? '') }),
    ...text('failedAt'),
    ...text('failedCode'),
    ...text('failedReason'),
    ...(item.failures?.N === undefined ? {} : { failures: Number(item.failures.N) }),
    ...text('supersededBy'),
  };
};

const fromItem = (item: Record<string, AttributeValue>): StoredNotice => ({
  ...(JSON.parse(item.doc?.S ?? '{}') as NoticeRecord),
  status: (item.status?.S ?? 'pending') as NoticeStatus,
  outcome: outcomeOf(item),
});

/** Every notice of an account's service months in a month, oldest version first. */
export const listNotices = async (table: Table, accountId: string, month: string): Promise<StoredNotice[]> => {
  const notices: StoredNotice[] = [];
  await queryPages(
    table,
    {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :month)',
      ExpressionAttributeValues: { ':pk': { S: noticePk(accountId) }, ':month': { S: `${month}#` } },
      ConsistentRead: true,
    },
    (item) => notices.push(fromItem(item)),
  );
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

/**
 * Creates the notice, pending; when its key exists, the stored notice instead. `contact`: the
 * account's contact preferences as they are when the notice is decided, kept beside it (attribute
 * `contact`) so that the worker's first attempt needs no read of its own; every later attempt (a
 * retry, a redrive after the customer fixed an address) reads the preferences as they are then.
 */
export const createNotice = async (
  table: Table,
  notice: NoticeRecord,
  contact?: ContactPreferences,
): Promise<{ created: true } | { created: false; existing: StoredNotice }> => {
  const key = keyOf(notice);
  try {
    const result = await table.client.send(
      new PutItemCommand({
        TableName: table.name,
        Item: {
          ...key,
          doc: { S: JSON.stringify(notice) },
          status: { S: 'pending' },
          ...(contact === undefined ? {} : { contact: { S: canonicalJson(contact) } }),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    table.meter.add('write', result.ConsumedCapacity);
    if (notice.kind === 'correction') await supersedeOlder(table, notice);
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

/**
 * A correction tells the figures of a later version: every notice of the same service month with
 * an older version that has not gone out yet is marked supersededBy it, so the worker does not
 * send old figures after (or instead of) the new ones. A notice being delivered right now goes
 * out, and the correction follows it.
 */
const supersedeOlder = async (table: Table, notice: NoticeRecord): Promise<void> => {
  const older = (await listNotices(table, notice.accountId, notice.month)).filter(
    (n) => n.orderId === notice.orderId && n.version < notice.version && n.status !== 'delivered',
  );
  for (const n of older) {
    // false: delivered meanwhile (it went out before the correction; the correction follows it)
    await updateIf(table, {
      Key: keyOf(n),
      UpdateExpression: 'SET supersededBy = :by',
      ConditionExpression: 'attribute_exists(pk) AND #status <> :delivered',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':by': { S: notice.noticeId }, ':delivered': { S: 'delivered' } },
    });
  }
};

/** pending → enqueued (a notice already further along stays as it is). */
export const markEnqueued = async (table: Table, notice: NoticeRecord, at: Date): Promise<void> => {
  await updateIf(table, {
    Key: keyOf(notice),
    UpdateExpression: 'SET #status = :enqueued, enqueuedAt = :at',
    ConditionExpression: '#status = :pending',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':enqueued': { S: 'enqueued' },
      ':pending': { S: 'pending' },
      ':at': { S: at.toISOString() },
    },
  });
};

// ---------------------------------------------------------------------------------------------
// The notice worker (shared/notices/deliver.ts): a lease on the record while a worker delivers,
// the channels that took the notice, and delivered. Attributes beside `doc` and `status`:
//
//   leaseUntil         N   epoch ms: until then the worker holding claimToken may deliver
//   claimToken         S   the holder's token: every later write of the holder is conditional on it
//   claimedAt          S   when the lease was taken
//   claims             N   how many times a lease was taken (1 unless a worker failed or crashed)
//   sentChannels       SS  channels that took the notice under some lease (never sent again), and
//                          the parts of a channel that sends in parts, as `<channel>/<part>`
//                          ('email/zh-CN/0', 'webhook/1-<hash of the URL>'): never sent again either
//   deliveredAt        S   status delivered: when
//   deliveredChannels  L   status delivered: the channels it went out on
//   contact            S   the account's contact preferences when the notice was decided (JSON)
//   supersededBy       S   the correction created before this notice went out (see supersedeOlder)
//   failedAt/failedCode/failedReason/failures   the last failure (markFailed)

/** The fields that key a notice (its id is made of them). */
export type NoticeKey = Pick<NoticeRecord, 'accountId' | 'orderId' | 'month' | 'kind' | 'version'>;

/** What the worker sees of a notice record. */
export interface NoticeState {
  readonly notice: NoticeRecord;
  readonly status: NoticeStatus;
  /** epoch ms; absent when no worker has taken a lease, or once delivered */
  readonly leaseUntil?: number;
  readonly claims: number;
  readonly sentChannels: readonly string[];
  readonly deliveredAt?: string;
  readonly deliveredChannels?: readonly string[];
  /** set when a later version's notice of the same service month was created before this one went out */
  readonly supersededBy?: string;
  /** the account's contact preferences when the notice was decided (see createNotice) */
  readonly contact?: ContactPreferences;
}

export type ClaimOutcome =
  | { readonly outcome: 'claimed'; readonly state: NoticeState }
  | { readonly outcome: 'delivered'; readonly state: NoticeState }
  | { readonly outcome: 'leased'; readonly state: NoticeState }
  | { readonly outcome: 'missing' };

const stateOf = (item: Record<string, AttributeValue>): NoticeState => {
  const { status, outcome: _outcome, ...notice } = fromItem(item);
  const leaseUntil = item.leaseUntil?.N;
  const deliveredAt = item.deliveredAt?.S;
  const deliveredChannels = item.deliveredChannels?.L;
  return {
    notice,
    status,
    ...(leaseUntil === undefined ? {} : { leaseUntil: Number(leaseUntil) }),
    claims: Number(item.claims?.N ?? '0'),
    sentChannels: [...(item.sentChannels?.SS ?? [])].sort(),
    ...(deliveredAt === undefined ? {} : { deliveredAt }),
    ...(deliveredChannels === undefined ? {} : { deliveredChannels: deliveredChannels.map((c) => c.S ?? '') }),
    ...(item.supersededBy?.S === undefined ? {} : { supersededBy: item.supersededBy.S }),
    ...(item.contact?.S === undefined ? {} : { contact: JSON.parse(item.contact.S) as ContactPreferences }),
  };
};

/** The record of a notice and the worker's attributes; undefined when there is none. */
export const getNoticeState = async (table: Table, key: NoticeKey): Promise<NoticeState | undefined> => {
  const result = await table.client.send(
    new GetItemCommand({
      TableName: table.name,
      Key: keyOf(key),
      ConsistentRead: true,
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  table.meter.add('read', result.ConsumedCapacity);
  return result.Item ? stateOf(result.Item) : undefined;
};

/**
 * Takes the lease on a notice: one conditional write, which succeeds only when the record exists,
 * is not delivered, and has no lease or an expired one. When it fails, one consistent read says
 * why: no record, delivered already, or another worker's live lease.
 */
export const claimNotice = async (
  table: Table,
  key: NoticeKey,
  claim: { readonly token: string; readonly now: Date; readonly leaseSeconds: number },
): Promise<ClaimOutcome> => {
  const now = claim.now.getTime();
  try {
    const result = await table.client.send(
      new UpdateItemCommand({
        TableName: table.name,
        Key: keyOf(key),
        UpdateExpression: 'SET #lease = :until, #token = :token, #claimedAt = :at ADD #claims :one',
        ConditionExpression: [
          'attribute_exists(pk)',
          '#status <> :delivered',
          '#status <> :superseded',
          '(attribute_not_exists(#lease) OR #lease <= :now)',
        ].join(' AND '),
        ExpressionAttributeNames: {
          '#status': 'status',
          '#lease': 'leaseUntil',
          '#token': 'claimToken',
          '#claimedAt': 'claimedAt',
          '#claims': 'claims',
        },
        ExpressionAttributeValues: {
          ':until': { N: String(now + claim.leaseSeconds * 1000) },
          ':token': { S: claim.token },
          ':at': { S: claim.now.toISOString() },
          ':one': { N: '1' },
          ':delivered': { S: 'delivered' },
          ':superseded': { S: 'superseded' },
          ':now': { N: String(now) },
        },
        ReturnValues: 'ALL_NEW',
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    table.meter.add('write', result.ConsumedCapacity);
    return { outcome: 'claimed', state: stateOf(result.Attributes ?? {}) };
  } catch (e) {
    if (!(e instanceof ConditionalCheckFailedException)) throw e;
    const state = await getNoticeState(table, key);
    if (state === undefined) return { outcome: 'missing' };
    if (state.status === 'delivered' || state.status === 'superseded') return { outcome: 'delivered', state };
    return { outcome: 'leased', state };
  }
};

/**
 * Records that a channel (or a part of one: `<channel>/<part>`) took the notice; false when the
 * lease is no longer `token`'s.
 */
export const recordChannelSent = async (
  table: Table,
  key: NoticeKey,
  token: string,
  channel: string,
): Promise<boolean> => {
  return updateIf(table, {
    Key: keyOf(key),
    UpdateExpression: 'ADD #sent :channel',
    ConditionExpression: '#token = :token',
    ExpressionAttributeNames: { '#sent': 'sentChannels', '#token': 'claimToken' },
    ExpressionAttributeValues: { ':channel': { SS: [channel] }, ':token': { S: token } },
  });
};

/**
 * → delivered, with when and through which channels, and the lease released; conditional on the
 * lease being `token`'s. False when it is not (it expired and another worker took it).
 */
export const markDelivered = async (
  table: Table,
  key: NoticeKey,
  token: string,
  at: Date,
  channels: readonly string[],
): Promise<boolean> => {
  return updateIf(table, {
    Key: keyOf(key),
    UpdateExpression:
      'SET #status = :delivered, #deliveredAt = :at, #channels = :channels ADD #sent :sent REMOVE #lease, #token',
    ConditionExpression: '#token = :token AND #status <> :delivered',
    ExpressionAttributeNames: {
      '#status': 'status',
      '#deliveredAt': 'deliveredAt',
      '#channels': 'deliveredChannels',
      '#sent': 'sentChannels',
      '#lease': 'leaseUntil',
      '#token': 'claimToken',
    },
    ExpressionAttributeValues: {
      ':delivered': { S: 'delivered' },
      ':at': { S: at.toISOString() },
      ':channels': { L: channels.map((c) => ({ S: c })) },
      ':sent': { SS: [...channels] },
      ':token': { S: token },
    },
  });
};

/** Why a notice was not delivered: a code (NOTICE_NO_CHANNEL, WEBHOOK_REJECTED…) and what happened. */
export interface NoticeFailure {
  readonly code: string;
  /** names the notice and the cause; never an address, a URL's path or a message body */
  readonly reason: string;
}

/**
 * → failed, with the reason and when, and any lease released, so a redriven message can take the
 * notice again at once. A delivered notice stays delivered (false). Attributes: failedAt,
 * failedCode, failedReason, failures (N, how many times).
 */
export const markFailed = async (table: Table, key: NoticeKey, at: Date, failure: NoticeFailure): Promise<boolean> => {
  return updateIf(table, {
    Key: keyOf(key),
    UpdateExpression:
      'SET #status = :failed, failedAt = :at, failedCode = :code, failedReason = :reason ADD failures :one REMOVE #lease, #token',
    ConditionExpression: 'attribute_exists(pk) AND #status <> :delivered AND #status <> :superseded',
    ExpressionAttributeNames: { '#status': 'status', '#lease': 'leaseUntil', '#token': 'claimToken' },
    ExpressionAttributeValues: {
      ':failed': { S: 'failed' },
      ':delivered': { S: 'delivered' },
      ':superseded': { S: 'superseded' },
      ':at': { S: at.toISOString() },
      ':code': { S: failure.code },
      ':reason': { S: failure.reason.slice(0, 1000) },
      ':one': { N: '1' },
    },
  });
};

/**
 * → superseded: a notice of a later version of the same service month was created before this
 * one went out, so it would tell the customer figures that are no longer true; conditional on
 * the lease.
 */
export const markSuperseded = async (
  table: Table,
  key: NoticeKey,
  token: string,
  at: Date,
  by: string,
): Promise<boolean> => {
  return updateIf(table, {
    Key: keyOf(key),
    UpdateExpression: 'SET #status = :superseded, supersededAt = :at, supersededBy = :by REMOVE #lease, #token',
    ConditionExpression: '#token = :token AND #status <> :delivered',
    ExpressionAttributeNames: { '#status': 'status', '#lease': 'leaseUntil', '#token': 'claimToken' },
    ExpressionAttributeValues: {
      ':superseded': { S: 'superseded' },
      ':delivered': { S: 'delivered' },
      ':at': { S: at.toISOString() },
      ':by': { S: by },
      ':token': { S: token },
    },
  });
};
