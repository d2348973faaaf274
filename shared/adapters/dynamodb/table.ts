// The table handle every repository shares: client, name, and a meter of consumed capacity.

import type { AttributeValue, ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  DynamoDBClient,
  type DynamoDBClientConfig,
  QueryCommand,
  type QueryCommandInput,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';

/** Sums DynamoDB's own ConsumedCapacity figures (table, not indexes). */
export class CapacityMeter {
  readUnits = 0;
  writeUnits = 0;
  requests = 0;

  add(kind: 'read' | 'write', capacity: ConsumedCapacity | ConsumedCapacity[] | undefined): void {
    this.requests++;
    const list = Array.isArray(capacity) ? capacity : capacity ? [capacity] : [];
    const units = list.reduce((n, c) => n + (c.CapacityUnits ?? 0), 0);
    if (kind === 'read') this.readUnits += units;
    else this.writeUnits += units;
  }
}

export interface Table {
  readonly client: DynamoDBClient;
  readonly name: string;
  readonly meter: CapacityMeter;
}

export const makeTable = (name: string, config: DynamoDBClientConfig = {}): Table => ({
  client: new DynamoDBClient(config),
  name,
  meter: new CapacityMeter(),
});

/** Client settings for a local DynamoDB API (dynalite) at `endpoint`. */
export const localClientConfig = (endpoint: string): DynamoDBClientConfig => ({
  endpoint,
  region: 'local',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  maxAttempts: 5,
});

/**
 * Gets items by key, 100 a BatchGetItem request; keys DynamoDB leaves unprocessed are asked again
 * with jittered backoff. Each item found goes to `onItem` (a key with no item is simply absent).
 */
export const batchGetAll = async (
  table: Table,
  keys: readonly Record<string, AttributeValue>[],
  consistent: boolean,
  onItem: (item: Record<string, AttributeValue>) => void,
): Promise<void> => {
  for (let i = 0; i < keys.length; i += 100) {
    let wanted = keys.slice(i, i + 100);
    for (let attempt = 0; wanted.length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.random() * 50 * 2 ** Math.min(attempt, 6)));
      const result = await table.client.send(
        new BatchGetItemCommand({
          RequestItems: { [table.name]: { Keys: wanted, ConsistentRead: consistent } },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      table.meter.add('read', result.ConsumedCapacity);
      for (const item of result.Responses?.[table.name] ?? []) onItem(item);
      wanted = result.UnprocessedKeys?.[table.name]?.Keys ?? [];
    }
  }
};

/** A Query on the table, every page of it; each item to `onItem`, the capacity to the meter. */
export const queryPages = async (
  table: Table,
  query: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey' | 'ReturnConsumedCapacity'>,
  onItem: (item: Record<string, AttributeValue>) => void,
): Promise<void> => {
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await table.client.send(
      new QueryCommand({
        ...query,
        TableName: table.name,
        ExclusiveStartKey: startKey,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    table.meter.add('read', page.ConsumedCapacity);
    for (const item of page.Items ?? []) onItem(item);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
};

/**
 * One conditional UpdateItem, metered: true when it was applied, false when its condition did not
 * hold (any other error is thrown).
 */
export const updateIf = async (
  table: Table,
  input: Omit<UpdateItemCommandInput, 'TableName' | 'ReturnConsumedCapacity'>,
): Promise<boolean> => {
  try {
    const result = await table.client.send(
      new UpdateItemCommand({ ...input, TableName: table.name, ReturnConsumedCapacity: 'TOTAL' }),
    );
    table.meter.add('write', result.ConsumedCapacity);
    return true;
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return false;
    throw e;
  }
};
