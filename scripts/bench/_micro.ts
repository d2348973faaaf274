import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { BatchWriteItemCommand, QueryCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ensureTable } from '#adapters/dynamodb/create-table.ts';
import { localClientConfig, makeTable } from '#adapters/dynamodb/table.ts';
import { dayItem, hourItem } from '#adapters/dynamodb/minute-fact-repository.ts';
import { daySk, dayRangeEndSk, hourSk, accountPk } from '#adapters/dynamodb/keys.ts';
const server = spawn(process.execPath, [new URL('./dynalite-server.mjs', import.meta.url).pathname], { stdio: ['pipe', 'pipe', 'inherit'] });
const lines = createInterface({ input: server.stdout })[Symbol.asyncIterator]();
const { port } = JSON.parse((await lines.next()).value as string);
const table = makeTable('tcmpp-sla-bench', localClientConfig(`http://127.0.0.1:${port}`));
await ensureTable(table);
const page = new Uint16Array(1440).fill(3);
const N = 200;
for (let a = 0; a < N; a++) {
  const items = [];
  for (let d = 0; d < 31; d++) items.push(dayItem(`a${a}`, 20000 + d, page, 1, 24));
  for (let h = 0; h < 16; h++) items.push(hourItem({ accountId: `a${a}`, epochHour: 20031 * 24 + h, states: page.subarray(0, 60), expiresAt: 1 }));
  for (let i = 0; i < items.length; i += 25) await table.client.send(new BatchWriteItemCommand({ RequestItems: { [table.name]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
}
const time = async (label: string, f: (a: number) => Promise<unknown>) => {
  const t = performance.now();
  for (let a = 0; a < N; a++) await f(a);
  console.log(label, ((performance.now() - t) / N).toFixed(2), 'ms/op');
};
const q = (a: number, from: string, to: string) => table.client.send(new QueryCommand({ TableName: table.name, KeyConditionExpression: 'pk = :pk AND sk BETWEEN :a AND :b', ExpressionAttributeValues: { ':pk': { S: accountPk(`a${a}`) }, ':a': { S: from }, ':b': { S: to } } }));
await time('day range 31', (a) => q(a, daySk(20000), dayRangeEndSk(20030)));
for (let r = 0; r < 2; r++) await time('empty query', (a) => q(a, 'X', 'Y'));
await time('hour range 16', (a) => q(a, hourSk(20031 * 24), hourSk(20031 * 24 + 23)));
await time('empty query', (a) => q(a, 'X', 'Y'));
const doc = 'x'.repeat(1500);
await time('put 1.5KB', (a) => table.client.send(new PutItemCommand({ TableName: table.name, Item: { pk: { S: `R${a}` }, sk: { S: 'v1' }, doc: { S: doc } }, ConditionExpression: 'attribute_not_exists(pk)' })));
table.client.destroy(); server.stdin?.end();
