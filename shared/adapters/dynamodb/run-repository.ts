// The batches of a month-end run: Plan writes each batch's accounts here, and the Map carries only
// batch numbers, so the execution's state stays small for any number of accounts (Step Functions
// passes at most 256 KB between states). EvaluateBatch records the batch's full outcome beside it:
// every failed account and coverage gap, however many (the state carries the first few).

import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { batchSk, runPk, TTL_ATTRIBUTE } from './keys.ts';
import type { Table } from './table.ts';

/** Run records are kept about two years: long enough to explain any disputed month. */
const RUN_RETENTION_SECONDS = 800 * 86_400;

export interface BatchOutcome {
  readonly evaluated: number;
  readonly newVersions: number;
  readonly failed: readonly { accountId: string; error: string }[];
  readonly coverageGaps: readonly string[];
  readonly finishedAt: string;
}

export interface BatchRecord {
  readonly runId: string;
  readonly batch: number;
  readonly accounts: readonly string[];
  readonly outcome?: BatchOutcome;
}

export class MissingBatchError extends Error {}

/** A run id planned again with other accounts in a batch (a duplicate start after orders changed). */
export class BatchConflictError extends Error {
  override readonly name = 'BatchConflictError';
}

/**
 * Writes a batch's accounts, once: a run planned again (a duplicate scheduled start) finds the
 * same batch and keeps it, with its outcome; other accounts under the same run id are refused.
 */
export const putBatch = async (
  table: Table,
  runId: string,
  batch: number,
  accounts: readonly string[],
  now: Date,
): Promise<void> => {
  const result = await table.client
    .send(
      new PutItemCommand({
        TableName: table.name,
        Item: {
          pk: { S: runPk(runId) },
          sk: { S: batchSk(batch) },
          accounts: { S: JSON.stringify(accounts) },
          plannedAt: { S: now.toISOString() },
          [TTL_ATTRIBUTE]: { N: String(Math.floor(now.getTime() / 1000) + RUN_RETENTION_SECONDS) },
        },
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnConsumedCapacity: 'TOTAL',
      }),
    )
    .catch(async (e: unknown) => {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
      const existing = await getBatch(table, runId, batch);
      if (JSON.stringify(existing.accounts) !== JSON.stringify(accounts)) {
        throw new BatchConflictError(
          `run ${runId} was planned before with other accounts in batch ${batch}: start a recalculation instead`,
        );
      }
      return undefined;
    });
  if (result) table.meter.add('write', result.ConsumedCapacity);
};

export const getBatch = async (table: Table, runId: string, batch: number): Promise<BatchRecord> => {
  const result = await table.client.send(
    new GetItemCommand({
      TableName: table.name,
      Key: { pk: { S: runPk(runId) }, sk: { S: batchSk(batch) } },
      ConsistentRead: true,
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  table.meter.add('read', result.ConsumedCapacity);
  const accounts = result.Item?.accounts?.S;
  if (accounts === undefined) throw new MissingBatchError(`run ${runId} has no batch ${batch}`);
  const outcome = result.Item?.outcome?.S;
  return {
    runId,
    batch,
    accounts: JSON.parse(accounts) as string[],
    ...(outcome ? { outcome: JSON.parse(outcome) as BatchOutcome } : {}),
  };
};

/**
 * Records a batch's outcome, once: the first evaluation of the batch is the run's record (a
 * duplicate start, or a retry whose answer was lost, leaves it as it is). False when one was there.
 */
export const putBatchOutcome = async (
  table: Table,
  runId: string,
  batch: number,
  outcome: BatchOutcome,
): Promise<boolean> => {
  try {
    const result = await table.client.send(
      new UpdateItemCommand({
        TableName: table.name,
        Key: { pk: { S: runPk(runId) }, sk: { S: batchSk(batch) } },
        UpdateExpression: 'SET outcome = :outcome',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(outcome)',
        ExpressionAttributeValues: { ':outcome': { S: JSON.stringify(outcome) } },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    table.meter.add('write', result.ConsumedCapacity);
    return true;
  } catch (e) {
    if (!(e instanceof ConditionalCheckFailedException)) throw e;
    await getBatch(table, runId, batch); // a batch never planned is an error, not a kept outcome
    return false;
  }
};
