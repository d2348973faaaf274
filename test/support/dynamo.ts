// DynamoDB helpers for integration tests: fresh tables on an in-test dynalite, and a whole-table
// Scan (fine in a test, never in the pipeline) to see everything a command wrote.

import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import { ensureTable } from '#adapters/dynamodb/create-table.ts';
import type { LocalDynamo } from '#adapters/dynamodb/local-dynamodb.ts';
import { localClientConfig, makeTable, type Table } from '#adapters/dynamodb/table.ts';

export type Item = Record<string, AttributeValue>;

/** Every item of the table, sorted by pk then sk, so two scans compare with toEqual. */
export const scanAll = async (table: Table): Promise<Item[]> => {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const page = await table.client.send(
      new ScanCommand({ TableName: table.name, ExclusiveStartKey: startKey, ConsistentRead: true }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  const key = (item: Item): string => `${item.pk?.S ?? ''}\u0000${item.sk?.S ?? ''}`;
  return items.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
};

export interface TestTable {
  readonly table: Table;
  /** `--endpoint URL --table NAME`, for the operator verbs */
  readonly storeArgs: readonly string[];
}

/** Makes tables with fresh names on one dynalite; `destroy()` closes their clients. */
export const tableFactory = (
  dynamo: () => LocalDynamo,
  prefix: string,
): { fresh: () => Promise<TestTable>; destroy: () => void } => {
  const made: Table[] = [];
  let count = 0;
  return {
    fresh: async () => {
      const { endpoint } = dynamo();
      const name = `${prefix}-${++count}`;
      const table = makeTable(name, localClientConfig(endpoint));
      await ensureTable(table);
      made.push(table);
      return { table, storeArgs: ['--endpoint', endpoint, '--table', name] };
    },
    destroy: () => {
      for (const table of made) table.client.destroy();
    },
  };
};
