// The table handle every repository shares: client, name, and a meter of consumed capacity.

import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

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
