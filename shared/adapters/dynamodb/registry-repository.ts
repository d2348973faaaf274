// Orders, maintenance windows, operator exclusions, account profiles and ingest checkpoints.
//
// Writes are single-item and conditional: re-importing the same record is a no-op, a different
// record under an existing key is a conflict the caller reports (nothing is overwritten silently).

import {
  type AttributeValue,
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CHECKPOINT_PK,
  CONTACT_PK,
  EXCLUSION_PK,
  ingestRunPk,
  MAINTENANCE_PK,
  ORDER_PK,
  orderSk,
  PROFILE_PK,
  quarantinePk,
  quarantineSk,
} from './keys.ts';
import { batchGetAll, queryPages, type Table } from './table.ts';

type Item = Record<string, AttributeValue>;

/** A stored record: the JSON document it was given as, under its key. */
interface Stored {
  readonly pk: string;
  readonly sk: string;
  readonly doc: unknown;
}

export type PutOutcome = 'created' | 'unchanged' | 'conflict';

/** JSON with object keys sorted, so that the same record always has the same text. */
export const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );

const put = async (table: Table, record: Stored): Promise<PutOutcome> => {
  const body = canonicalJson(record.doc);
  try {
    const result = await table.client.send(
      new PutItemCommand({
        TableName: table.name,
        Item: { pk: { S: record.pk }, sk: { S: record.sk }, doc: { S: body } },
        ConditionExpression: 'attribute_not_exists(pk) OR doc = :doc',
        ExpressionAttributeValues: { ':doc': { S: body } },
        ReturnConsumedCapacity: 'TOTAL',
        ReturnValues: 'ALL_OLD',
      }),
    );
    table.meter.add('write', result.ConsumedCapacity);
    return result.Attributes ? 'unchanged' : 'created';
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return 'conflict';
    throw e;
  }
};

const queryAll = async (table: Table, pk: string, skPrefix?: string): Promise<Item[]> => {
  const items: Item[] = [];
  await queryPages(
    table,
    {
      KeyConditionExpression: skPrefix === undefined ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': { S: pk },
        ...(skPrefix === undefined ? {} : { ':prefix': { S: skPrefix } }),
      },
      ConsistentRead: true,
    },
    (item) => items.push(item),
  );
  return items;
};

const docs = async <T>(table: Table, pk: string): Promise<T[]> =>
  (await queryAll(table, pk)).map((item) => JSON.parse(item.doc?.S ?? 'null') as T);

/** An order as given in a scenario (`orders[]`): money stays a decimal string at this edge. */
export interface OrderRecord {
  readonly accountId: string;
  readonly orderId: string;
  readonly startDate: string;
  readonly months: number;
  readonly cashPaid: string;
  readonly currency?: string;
}

export interface MaintenanceRecord {
  readonly id: string;
  readonly announcedAt: string;
  readonly start: string;
  readonly end: string;
  readonly accountIds?: string[];
  readonly description?: string;
}

export interface ExclusionRecord {
  readonly id: string;
  readonly clause: string;
  readonly start: string;
  readonly end: string;
  readonly reason: string;
  readonly accountIds?: string[];
}

export const putOrder = (table: Table, order: OrderRecord): Promise<PutOutcome> =>
  put(table, { pk: ORDER_PK, sk: orderSk(order.accountId, order.orderId), doc: order });
/** A stored order that cannot be read: named by its key, never skipped silently. */
export interface CorruptOrder {
  readonly accountId: string;
  readonly orderId: string;
  readonly problem: string;
}

export class CorruptRecordError extends Error {}

const orderOf = (item: Item): OrderRecord | CorruptOrder => {
  const [accountId = '', orderId = ''] = (item.sk?.S ?? '').split('#');
  let doc: unknown;
  try {
    doc = JSON.parse(item.doc?.S ?? '');
  } catch {
    return { accountId, orderId, problem: 'its record is not JSON' };
  }
  const o = doc as Partial<OrderRecord> | null;
  if (
    typeof o?.accountId !== 'string' ||
    typeof o.orderId !== 'string' ||
    typeof o.startDate !== 'string' ||
    typeof o.months !== 'number' ||
    typeof o.cashPaid !== 'string'
  ) {
    return { accountId, orderId, problem: 'its record lacks accountId, orderId, startDate, months or cashPaid' };
  }
  return o as OrderRecord;
};

const isCorrupt = (o: OrderRecord | CorruptOrder): o is CorruptOrder => 'problem' in o;

/** Every stored order, and the records that could not be read. */
export const readOrders = async (table: Table): Promise<{ orders: OrderRecord[]; corrupt: CorruptOrder[] }> => {
  const all = (await queryAll(table, ORDER_PK)).map(orderOf);
  return { orders: all.filter((o): o is OrderRecord => !isCorrupt(o)), corrupt: all.filter(isCorrupt) };
};

/** Every stored order; a record that cannot be read is an error naming it. */
export const listOrders = async (table: Table): Promise<OrderRecord[]> => {
  const { orders, corrupt } = await readOrders(table);
  const first = corrupt[0];
  if (first) throw new CorruptRecordError(`order ${first.accountId}/${first.orderId}: ${first.problem}`);
  return orders;
};

/**
 * The orders of every account id in [firstAccountId, lastAccountId] (sorted as DynamoDB sorts
 * keys): one paged Query on the registry partition — a batch of accounts reads its orders at once.
 * Each account's records, or the first that cannot be read.
 */
export const readOrdersOfRange = async (
  table: Table,
  firstAccountId: string,
  lastAccountId: string,
): Promise<Map<string, OrderRecord[] | CorruptOrder>> => {
  const byAccount = new Map<string, OrderRecord[] | CorruptOrder>();
  await queryPages(
    table,
    {
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': { S: ORDER_PK },
        ':from': { S: `${firstAccountId}#` },
        ':to': { S: `${lastAccountId}#\uffff` },
      },
      ConsistentRead: true,
    },
    (item) => {
      const o = orderOf(item);
      const known = byAccount.get(o.accountId);
      if (known !== undefined && !Array.isArray(known)) return;
      if (isCorrupt(o)) byAccount.set(o.accountId, o);
      else byAccount.set(o.accountId, [...(known ?? []), o]);
    },
  );
  return byAccount;
};

/** An account's orders from readOrdersOfRange's answer; a record that cannot be read is an error naming it. */
export const ordersOfAccount = (
  byAccount: ReadonlyMap<string, OrderRecord[] | CorruptOrder>,
  accountId: string,
): OrderRecord[] => {
  const found = byAccount.get(accountId);
  if (found === undefined) return [];
  if (!Array.isArray(found))
    throw new CorruptRecordError(`order ${found.accountId}/${found.orderId}: ${found.problem}`);
  return found;
};

/** One account's orders: a Query on the registry partition by the `<accountId>#` prefix. */
export const listAccountOrders = async (table: Table, accountId: string): Promise<OrderRecord[]> =>
  (await queryAll(table, ORDER_PK, `${accountId}#`)).map((item) => {
    const o = orderOf(item);
    if (isCorrupt(o)) throw new CorruptRecordError(`order ${o.accountId}/${o.orderId}: ${o.problem}`);
    return o;
  });

/** Where the built-in prober reaches an account's four TCMPP functions. */
export interface AccountProfile {
  readonly accountId: string;
  readonly baseUrl: string;
  readonly active: boolean;
}

export const putProfile = async (table: Table, profile: AccountProfile): Promise<void> => {
  const result = await table.client.send(
    new PutItemCommand({
      TableName: table.name,
      Item: { pk: { S: PROFILE_PK }, sk: { S: profile.accountId }, doc: { S: JSON.stringify(profile) } },
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  table.meter.add('write', result.ConsumedCapacity);
};
export const listProfiles = (table: Table): Promise<AccountProfile[]> => docs(table, PROFILE_PK);

/**
 * How an account wants its notices (SPEC R11): the enterprise customer's business contacts
 * (never end-user data), and the language of each.
 */
export interface ContactPreferences {
  readonly accountId: string;
  readonly channels: readonly (
    | { readonly kind: 'email'; readonly address: string; readonly language: 'zh-CN' | 'en' }
    | { readonly kind: 'webhook'; readonly url: string; readonly language: 'zh-CN' | 'en' }
  )[];
}

export const putContactPreferences = async (table: Table, contact: ContactPreferences): Promise<void> => {
  const result = await table.client.send(
    new PutItemCommand({
      TableName: table.name,
      Item: { pk: { S: CONTACT_PK }, sk: { S: contact.accountId }, doc: { S: canonicalJson(contact) } },
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  table.meter.add('write', result.ConsumedCapacity);
};

export const getContactPreferences = async (
  table: Table,
  accountId: string,
): Promise<ContactPreferences | undefined> => {
  const result = await table.client.send(
    new GetItemCommand({
      TableName: table.name,
      Key: { pk: { S: CONTACT_PK }, sk: { S: accountId } },
      ConsistentRead: true,
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  table.meter.add('read', result.ConsumedCapacity);
  const body = result.Item?.doc?.S;
  return body === undefined ? undefined : (JSON.parse(body) as ContactPreferences);
};

/** The contact preferences of many accounts (BatchGetItem, 100 keys a request); absent ones are left out. */
export const getContactPreferencesMany = async (
  table: Table,
  accountIds: readonly string[],
): Promise<Map<string, ContactPreferences>> => {
  const found = new Map<string, ContactPreferences>();
  const keys = [...new Set(accountIds)].map((accountId) => ({ pk: { S: CONTACT_PK }, sk: { S: accountId } }));
  await batchGetAll(table, keys, true, (item) => {
    const body = item.doc?.S;
    if (body !== undefined) {
      const contact = JSON.parse(body) as ContactPreferences;
      found.set(contact.accountId, contact);
    }
  });
  return found;
};

export const putMaintenance = (table: Table, window: MaintenanceRecord): Promise<PutOutcome> =>
  put(table, { pk: MAINTENANCE_PK, sk: window.id, doc: window });
export const listMaintenance = (table: Table): Promise<MaintenanceRecord[]> => docs(table, MAINTENANCE_PK);

export const putExclusion = (table: Table, exclusion: ExclusionRecord): Promise<PutOutcome> =>
  put(table, { pk: EXCLUSION_PK, sk: exclusion.id, doc: exclusion });
export const listExclusions = (table: Table): Promise<ExclusionRecord[]> => docs(table, EXCLUSION_PK);

/** The ingest watermark of a source (epoch minute up to which windows are done), or undefined. */
export const readWatermark = async (table: Table, source: string): Promise<number | undefined> => {
  const result = await table.client.send(
    new GetItemCommand({
      TableName: table.name,
      Key: { pk: { S: CHECKPOINT_PK }, sk: { S: source } },
      ConsistentRead: true,
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  table.meter.add('read', result.ConsumedCapacity);
  const value = result.Item?.watermark?.N;
  return value === undefined ? undefined : Number(value);
};

/**
 * Moves a source's watermark from `from` to `to`; false when another run moved it first
 * (then this run's window was already done, or is being done: it stops).
 */
export const advanceWatermark = async (
  table: Table,
  source: string,
  from: number | undefined,
  to: number,
): Promise<boolean> => {
  try {
    const result = await table.client.send(
      new UpdateItemCommand({
        TableName: table.name,
        Key: { pk: { S: CHECKPOINT_PK }, sk: { S: source } },
        UpdateExpression: 'SET watermark = :to, updatedAt = :now',
        ConditionExpression: from === undefined ? 'attribute_not_exists(watermark)' : 'watermark = :from',
        ExpressionAttributeValues: {
          ':to': { N: String(to) },
          ':now': { S: new Date().toISOString() },
          ...(from === undefined ? {} : { ':from': { N: String(from) } }),
        },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    table.meter.add('write', result.ConsumedCapacity);
    return true;
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return false;
    throw e;
  }
};

/** What one ingest run did: its counts, as the operator sees them in `sla ingest runs`. */
export interface IngestRunRecord {
  readonly source: string;
  readonly runId: string;
  readonly lines: number;
  readonly probes: number;
  readonly ignoredProbes: number;
  readonly droppedFields: number;
  readonly quarantined: number;
  readonly hourItems: number;
  /** stored orders that could not be read: their accounts' results were ignored */
  readonly corruptOrders: readonly string[];
  /**
   * Probe coverage of a run over a span of time (a feed window, a prober run): the accounts with an
   * order in service during the span, and how many of them had at least one result kept. Absent
   * for a backfill (no span) and for runs recorded before coverage was counted.
   */
  readonly accountsExpected?: number;
  readonly accountsCovered?: number;
  /** the first 20 expected accounts without a result kept, by id */
  readonly accountsUncovered?: readonly string[];
  readonly finishedAt: string;
}

export const putIngestRun = async (table: Table, run: IngestRunRecord): Promise<void> => {
  const result = await table.client.send(
    new PutItemCommand({
      TableName: table.name,
      Item: { pk: { S: ingestRunPk(run.source) }, sk: { S: run.runId }, doc: { S: JSON.stringify(run) } },
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  table.meter.add('write', result.ConsumedCapacity);
};

export const listIngestRuns = (table: Table, source: string): Promise<IngestRunRecord[]> =>
  docs(table, ingestRunPk(source));

/** A record that could not be ingested: its problems and kept fields, never its raw text (R12). */
export interface QuarantinedRecord {
  readonly source: string;
  readonly runId: string;
  readonly line: number;
  readonly problems: { field: string; message: string }[];
  /** the record's kept fields that could be read (accountId, function, at, ok, cause) */
  readonly kept?: Record<string, unknown>;
  /** SHA-256 of the line, to find it in the source */
  readonly sha256: string;
  readonly bytes: number;
  readonly quarantinedAt: string;
}

export const putQuarantined = async (table: Table, record: QuarantinedRecord): Promise<void> => {
  const result = await table.client.send(
    new PutItemCommand({
      TableName: table.name,
      Item: {
        pk: { S: quarantinePk(record.source) },
        sk: { S: quarantineSk(record.runId, record.line) },
        doc: { S: JSON.stringify(record) },
      },
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  table.meter.add('write', result.ConsumedCapacity);
};

export const listQuarantined = (table: Table, source: string): Promise<QuarantinedRecord[]> =>
  docs(table, quarantinePk(source));
