// `sla accounts contact`: where an account's notices go (SPEC R11), stored for the notice workers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynamo, startLocalDynamo } from '#adapters/dynamodb/local-dynamodb.ts';
import { getContactPreferences } from '#adapters/dynamodb/registry-repository.ts';
import { scanAll, tableFactory } from '../support/dynamo.ts';
import { linesOf, runMain } from '../support/run-main.ts';

let dynamo: LocalDynamo | undefined;
const tables = tableFactory(() => {
  if (!dynamo) throw new Error('dynalite is not started');
  return dynamo;
}, 'contact');

beforeAll(async () => {
  dynamo = await startLocalDynamo('contact-0');
});

afterAll(async () => {
  tables.destroy();
  await dynamo?.close();
});

describe('sla accounts contact', () => {
  it('stores the channels as given, and a second call replaces them', async () => {
    // arrange
    const t = await tables.fresh();
    // act
    const first = await runMain([
      'accounts',
      'contact',
      '--account',
      'acc-1',
      '--email',
      'ops@customer.example',
      '--webhook',
      'https://hooks.customer.example/sla',
      '--language',
      'en',
      ...t.storeArgs,
    ]);
    const stored = await getContactPreferences(t.table, 'acc-1');
    const second = await runMain([
      'accounts',
      'contact',
      '--account',
      'acc-1',
      '--email',
      'billing@customer.example',
      ...t.storeArgs,
    ]);
    // assert
    expect(first.status).toBe(0);
    expect(stored).toEqual({
      accountId: 'acc-1',
      channels: [
        { kind: 'email', address: 'ops@customer.example', language: 'en' },
        { kind: 'webhook', url: 'https://hooks.customer.example/sla', language: 'en' },
      ],
    });
    expect(second.status).toBe(0);
    expect(await getContactPreferences(t.table, 'acc-1')).toEqual({
      accountId: 'acc-1',
      channels: [{ kind: 'email', address: 'billing@customer.example', language: 'zh-CN' }],
    });
    expect(await getContactPreferences(t.table, 'acc-2')).toBeUndefined();
  });

  it.each([
    [['--email', 'not-an-address'], '--email[0]'],
    [['--webhook', 'http://plain.example/hook'], '--webhook[0]'],
    [['--email', 'a@b.example', '--language', 'fr'], '--language'],
    [[], '--email'],
  ])('refuses %j, naming %s, and writes nothing', async (args, path) => {
    // arrange
    const t = await tables.fresh();
    const before = await scanAll(t.table);
    // act
    const run = await runMain(['accounts', 'contact', '--account', 'acc-1', ...args, ...t.storeArgs]);
    // assert
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(linesOf(run.stderr).some((line) => line.startsWith(`error: ${path}: `))).toBe(true);
    expect(await scanAll(t.table)).toEqual(before);
  });
});
