// The embedded DynamoDB API: dynalite in this process, in memory or on disk, on a loopback port.
// The same SDK code then runs locally and in AWS.

import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { ensureTable } from './create-table.ts';
import { localClientConfig, makeTable, type Table } from './table.ts';

export interface LocalDynamo {
  readonly endpoint: string;
  readonly table: Table;
  close(): Promise<void>;
}

/** Starts dynalite (on disk when `path` is given) and creates the table. */
export const startLocalDynamo = async (tableName: string, path?: string): Promise<LocalDynamo> => {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(path ? { path } : {}) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const table = makeTable(tableName, localClientConfig(endpoint));
  await ensureTable(table);
  return {
    endpoint,
    table,
    close: async () => {
      table.client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
