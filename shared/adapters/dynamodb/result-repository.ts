// Versioned results of service months: the records that settle disputes (SPEC R10, §3.2(1)).
//
// Each evaluation that finds new input facts adds a version item (never rewritten: the put is
// conditional on the key being new) and moves the LATEST pointer, conditionally on the version
// it replaces. Evaluating unchanged facts again (same fingerprint) adds nothing.

import { ConditionalCheckFailedException, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { EvaluatedMonth, ServiceMonthReport } from '#domain/evaluate.ts';
import { parseMoney } from '#domain/fees.ts';
import { resultLatestSk, resultPk, resultVersionSk } from './keys.ts';
import { batchGetAll, queryPages, type Table } from './table.ts';

export interface StoredResult {
  readonly version: number;
  readonly fingerprint: string;
  readonly engineVersion: string;
  readonly reason: string;
  readonly requestedBy: string;
  readonly note?: string | undefined;
  readonly runId: string;
  readonly evaluatedAt: string;
  readonly report: ServiceMonthReport;
}

export interface LatestPointer {
  readonly version: number;
  readonly fingerprint: string;
  readonly compensationPercent: number;
  readonly voucher: string;
}

/** The latest recorded version of a service month, or undefined. */
export const getLatest = async (
  table: Table,
  accountId: string,
  month: string,
  orderId: string,
): Promise<LatestPointer | undefined> => {
  const result = await table.client.send(
    new GetItemCommand({
      TableName: table.name,
      Key: { pk: { S: resultPk(accountId) }, sk: { S: resultLatestSk(month, orderId) } },
      ConsistentRead: true,
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  table.meter.add('read', result.ConsumedCapacity);
  const body = result.Item?.doc?.S;
  return body === undefined ? undefined : (JSON.parse(body) as LatestPointer);
};

/**
 * The LATEST pointers of many service months at once (BatchGetItem, 100 keys a request, strongly
 * consistent; unprocessed keys asked again): key `<accountId>/<orderId>/<month>` → pointer or undefined.
 */
export const getLatestMany = async (
  table: Table,
  keys: readonly { accountId: string; orderId: string; month: string }[],
): Promise<Map<string, LatestPointer | undefined>> => {
  const found = new Map<string, LatestPointer | undefined>();
  for (const k of keys) found.set(latestKey(k.accountId, k.orderId, k.month), undefined);
  const wanted = keys.map((k) => ({ pk: { S: resultPk(k.accountId) }, sk: { S: resultLatestSk(k.month, k.orderId) } }));
  await batchGetAll(table, wanted, true, (item) => {
    const accountId = (item.pk?.S ?? '').slice('RESULT#'.length);
    const [month = '', orderId = ''] = (item.sk?.S ?? '').split('#');
    const body = item.doc?.S;
    if (body !== undefined) found.set(latestKey(accountId, orderId, month), JSON.parse(body) as LatestPointer);
  });
  return found;
};

export const latestKey = (accountId: string, orderId: string, month: string): string =>
  `${accountId}/${orderId}/${month}`;

export type RecordOutcome =
  | { readonly kind: 'unchanged'; readonly latest: LatestPointer }
  /** a dry run: what recording would do, nothing written */
  | { readonly kind: 'would-add'; readonly previous: LatestPointer | undefined; readonly fingerprint: string }
  | { readonly kind: 'new-version'; readonly latest: LatestPointer; readonly previous: LatestPointer | undefined }
  | { readonly kind: 'concurrent' };

/**
 * Records an evaluation: a new version when the fingerprint differs from the latest one (or
 * there is none), nothing otherwise. `concurrent` when another run recorded a version first.
 */
export const recordResult = async (
  table: Table,
  result: Omit<StoredResult, 'version'>,
  /** the latest pointer when the caller has just read it (getLatestMany); otherwise it is read here */
  known?: { readonly previous: LatestPointer | undefined },
): Promise<RecordOutcome> => {
  const { accountId, month, orderId } = result.report;
  const previous = known ? known.previous : await getLatest(table, accountId, month, orderId);
  if (previous && previous.fingerprint === result.fingerprint) return { kind: 'unchanged', latest: previous };
  const version = (previous?.version ?? 0) + 1;
  const latest: LatestPointer = {
    version,
    fingerprint: result.fingerprint,
    compensationPercent: result.report.compensationPercent,
    voucher: result.report.voucher,
  };
  const versionKey = { pk: { S: resultPk(accountId) }, sk: { S: resultVersionSk(month, orderId, version) } };
  try {
    const put = await table.client.send(
      new PutItemCommand({
        TableName: table.name,
        Item: { ...versionKey, doc: { S: JSON.stringify({ ...result, version }) } },
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    table.meter.add('write', put.ConsumedCapacity);
  } catch (e) {
    if (!(e instanceof ConditionalCheckFailedException)) throw e;
    // the version exists: another run's, or ours from a run stopped before moving the pointer
    const existing = await table.client.send(
      new GetItemCommand({
        TableName: table.name,
        Key: versionKey,
        ConsistentRead: true,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    table.meter.add('read', existing.ConsumedCapacity);
    const stored = JSON.parse(existing.Item?.doc?.S ?? '{}') as Partial<StoredResult>;
    if (stored.fingerprint !== result.fingerprint) return { kind: 'concurrent' };
  }
  try {
    const pointer = await table.client.send(
      new PutItemCommand({
        TableName: table.name,
        Item: {
          pk: { S: resultPk(accountId) },
          sk: { S: resultLatestSk(month, orderId) },
          doc: { S: JSON.stringify(latest) },
          version: { N: String(version) },
        },
        ConditionExpression: previous ? 'version = :previous' : 'attribute_not_exists(pk)',
        ...(previous ? { ExpressionAttributeValues: { ':previous': { N: String(previous.version) } } } : {}),
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    table.meter.add('write', pointer.ConsumedCapacity);
  } catch (e) {
    if (!(e instanceof ConditionalCheckFailedException)) throw e;
    // our own write may have landed with its answer lost (the SDK then retried it)
    const now = await getLatest(table, accountId, month, orderId);
    if (now?.version !== version || now.fingerprint !== result.fingerprint) return { kind: 'concurrent' };
  }
  return { kind: 'new-version', latest, previous };
};

/** Every version of an account's results in a month, oldest first (one Query). */
export const listResults = async (table: Table, accountId: string, month: string): Promise<StoredResult[]> => {
  const results: StoredResult[] = [];
  await queryPages(
    table,
    {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :month)',
      ExpressionAttributeValues: { ':pk': { S: resultPk(accountId) }, ':month': { S: `${month}#` } },
    },
    (item) => {
      if (item.sk?.S?.includes('#V#')) results.push(JSON.parse(item.doc?.S ?? '{}') as StoredResult);
    },
  );
  return results;
};

/**
 * A stored result as the engine's EvaluatedMonth (fee and voucher in fen), for judging claims and
 * building reports from the store. A stored amount that is not money is an error naming the
 * result, never a silent 0.
 */
export const evaluatedMonthOf = (stored: StoredResult): EvaluatedMonth => {
  const fenOf = (what: 'fee' | 'voucher'): number => {
    const fen = parseMoney(stored.report[what]);
    if (typeof fen === 'string')
      throw new Error(
        `stored result ${stored.report.accountId}/${stored.report.orderId}/${stored.report.month} v${stored.version}: ${what} ${fen}`,
      );
    return fen;
  };
  return { report: stored.report, feeFen: fenOf('fee'), voucherFen: fenOf('voucher') };
};

/** The latest version of each service month of an account in a month. */
export const latestResults = async (table: Table, accountId: string, month: string): Promise<StoredResult[]> => {
  const byKey = new Map<string, StoredResult>();
  for (const r of await listResults(table, accountId, month)) {
    const key = r.report.orderId;
    const current = byKey.get(key);
    if (!current || r.version > current.version) byKey.set(key, r);
  }
  return [...byKey.values()];
};

/** One recorded version of a service month, or undefined. */
export const getVersion = async (
  table: Table,
  accountId: string,
  month: string,
  orderId: string,
  version: number,
): Promise<StoredResult | undefined> => {
  const result = await table.client.send(
    new GetItemCommand({
      TableName: table.name,
      Key: { pk: { S: resultPk(accountId) }, sk: { S: resultVersionSk(month, orderId, version) } },
      ConsistentRead: true,
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  table.meter.add('read', result.ConsumedCapacity);
  const body = result.Item?.doc?.S;
  return body === undefined ? undefined : (JSON.parse(body) as StoredResult);
};
