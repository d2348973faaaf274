// Where the operator verbs read and write: a DynamoDB table in AWS, a DynamoDB API at an
// endpoint (dynalite elsewhere), or — by default — the embedded local store on disk.
//
//   --table NAME      (SLA_TABLE)               the table; with no endpoint, in AWS (default credentials)
//   --endpoint URL    (SLA_DYNAMODB_ENDPOINT)   a local DynamoDB API
//   --local-dir DIR   (SLA_LOCAL_DIR, .sla/db)  the embedded store when neither is given

import { mkdirSync } from 'node:fs';
import type { Command } from 'commander';
import type { Table } from '#adapters/dynamodb/table.ts';

export interface StoreOptions {
  table?: string;
  endpoint?: string;
  localDir?: string;
}

export interface Store {
  readonly table: Table;
  /** where the data is, for the operator */
  readonly description: string;
  close(): Promise<void>;
}

export const LOCAL_TABLE = 'tcmpp-sla-local';

export const withStoreOptions = (command: Command): Command =>
  command
    .option('--table <name>', 'DynamoDB table (default: SLA_TABLE, or the embedded local store)')
    .option('--endpoint <url>', 'DynamoDB API endpoint, e.g. a local dynalite (default: SLA_DYNAMODB_ENDPOINT)')
    .option('--local-dir <dir>', 'folder of the embedded local store (default: SLA_LOCAL_DIR or .sla/db)');

export const openStore = async (options: StoreOptions): Promise<Store> => {
  // loaded on use: `sla evaluate` never pays for the AWS SDK
  const { localClientConfig, makeTable } = await import('#adapters/dynamodb/table.ts');
  const { ensureTable } = await import('#adapters/dynamodb/create-table.ts');
  const endpoint = options.endpoint ?? process.env.SLA_DYNAMODB_ENDPOINT;
  const tableName = options.table ?? process.env.SLA_TABLE;
  if (endpoint) {
    const table = makeTable(tableName ?? LOCAL_TABLE, localClientConfig(endpoint));
    await ensureTable(table);
    return { table, description: `${table.name} at ${endpoint}`, close: async () => table.client.destroy() };
  }
  if (tableName) {
    const table = makeTable(tableName);
    return { table, description: `${tableName} (AWS)`, close: async () => table.client.destroy() };
  }
  const dir = options.localDir ?? process.env.SLA_LOCAL_DIR ?? '.sla/db';
  mkdirSync(dir, { recursive: true });
  const { startLocalDynamo } = await import('#adapters/dynamodb/local-dynamodb.ts');
  const local = await startLocalDynamo(LOCAL_TABLE, dir);
  return { table: local.table, description: `embedded store in ${dir}`, close: () => local.close() };
};

/** Runs `work` with an open store, closing it whatever happens. */
export const withStore = async <T>(options: StoreOptions, work: (store: Store) => Promise<T>): Promise<T> => {
  const store = await openStore(options);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
};
