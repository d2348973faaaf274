// Creates the pipeline's table on a local DynamoDB API (dynalite) with the keys of keys.ts.
// In AWS the table comes from the CDK stateful stack; this is for the embedded store and tests.

import { CreateTableCommand, DescribeTableCommand, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import type { Table } from './table.ts';

export const ensureTable = async (table: Table): Promise<void> => {
  try {
    await table.client.send(
      new CreateTableCommand({
        TableName: table.name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
  } catch (e) {
    if (!(e instanceof ResourceInUseException)) throw e;
  }
  for (let attempt = 0; attempt < 50; attempt++) {
    const { Table: described } = await table.client.send(new DescribeTableCommand({ TableName: table.name }));
    if (described?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`table ${table.name} did not become active`);
};
