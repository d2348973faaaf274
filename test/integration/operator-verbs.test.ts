// The operator verbs (`sla orders import`, `maintenance add`, `exclusions add`, `accounts add`,
// `ingest --probes`, `ingest quarantine`) against a DynamoDB API (dynalite) started here.
//
// Bad input: exit 2, nothing on stdout, `error: <path or --option>: <problem>` on stderr naming
// the field, and NOTHING written — the whole table is scanned before and after. Good input: what
// is stored is exactly what was given, and doing it again changes nothing.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynamo, startLocalDynamo } from '#adapters/dynamodb/local-dynamodb.ts';
import { loadMinuteFacts } from '#adapters/dynamodb/minute-fact-repository.ts';
import {
  listExclusions,
  listIngestRuns,
  listMaintenance,
  listOrders,
  listProfiles,
  type OrderRecord,
  putExclusion,
  putMaintenance,
  putOrder,
} from '#adapters/dynamodb/registry-repository.ts';
import { periodTable } from '#domain/account-periods.ts';
import { MinuteFacts } from '#domain/minute-facts.ts';
import { ANY_OK, CAUSES, causeBit, OBSERVED, PLATFORM_FAILURE } from '#domain/probe.ts';
import { ordersFromRecords } from '#ingest/ingest-probes.ts';
import { tempDir, writeJson } from '../support/cli.ts';
import { scanAll, type TestTable, tableFactory } from '../support/dynamo.ts';
import { linesOf, type MainRun, runMain, STACK_TRACE } from '../support/run-main.ts';

let dynamo: LocalDynamo | undefined;
const tables = tableFactory(() => {
  if (!dynamo) throw new Error('dynalite is not started');
  return dynamo;
}, 'verbs');

beforeAll(async () => {
  dynamo = await startLocalDynamo('verbs-0');
});

afterAll(async () => {
  tables.destroy();
  await dynamo?.close();
});

const dir = tempDir();

// ---------------------------------------------------------------------------------------------
// What a rejected command must look like

/** Exit 2, nothing on stdout, only `error: ` lines on stderr, never a stack trace. */
const expectBadInput = (run: MainRun): string[] => {
  expect(run.stderr).not.toMatch(STACK_TRACE);
  expect(run.stdout).toBe('');
  expect(run.status).toBe(2);
  const lines = linesOf(run.stderr);
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) expect(line).toMatch(/^error: \S/);
  return lines;
};

/** The line `error: <path>: <problem>`, its problem matching `problem`. */
const expectProblem = (lines: readonly string[], path: string, problem: RegExp): void => {
  const prefix = `error: ${path}: `;
  const line = lines.find((l) => l.startsWith(prefix));
  expect(line, `a line "${prefix}…" in:\n${lines.join('\n')}`).toBeDefined();
  expect(line?.slice(prefix.length)).toMatch(problem);
};

/** Runs a command that must be rejected for `path`, and checks the table is exactly as before. */
const expectRejected = async (
  t: TestTable,
  argv: readonly string[],
  path: string,
  problem: RegExp,
): Promise<string[]> => {
  const before = await scanAll(t.table);
  const run = await runMain([...argv, ...t.storeArgs]);
  const lines = expectBadInput(run);
  expectProblem(lines, path, problem);
  expect(await scanAll(t.table), 'nothing written').toEqual(before);
  return lines;
};

const expectOk = (run: MainRun): void => {
  expect(run.stderr, run.stderr).toBe('');
  expect(run.status).toBe(0);
};

const byKey = <T extends { accountId: string; orderId: string }>(list: readonly T[]): T[] =>
  [...list].sort((a, b) => `${a.accountId}/${a.orderId}`.localeCompare(`${b.accountId}/${b.orderId}`));

// ---------------------------------------------------------------------------------------------
// orders import

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const STORED: OrderRecord = {
  accountId: 'acc-1',
  orderId: 'o-1',
  startDate: '2026-01-01',
  months: 3,
  cashPaid: '300.00',
};
const GOOD_A: OrderRecord = {
  accountId: 'acc-2',
  orderId: 'o-1',
  startDate: '2026-02-10',
  months: 1,
  cashPaid: '99.5',
};
/** back to back with STORED (which ends 2026-04-01 00:00) */
const GOOD_B: OrderRecord = {
  accountId: 'acc-1',
  orderId: 'o-2',
  startDate: '2026-04-01',
  months: 2,
  cashPaid: '0',
  currency: 'CNY',
};
const BAD_BASE: JsonObject = {
  accountId: 'acc-3',
  orderId: 'o-9',
  startDate: '2026-05-01',
  months: 1,
  cashPaid: '10.00',
};

/** A table holding STORED. */
const tableWithStoredOrder = async (): Promise<TestTable> => {
  const t = await tables.fresh();
  expect(await putOrder(t.table, STORED)).toBe('created');
  return t;
};

let fileCount = 0;
const file = (value: unknown): string => writeJson(dir, `orders-${++fileCount}.json`, value);

describe('sla orders import: one bad order among good ones writes nothing', () => {
  const badOrders: readonly { name: string; order: JsonObject; path: string; problem: RegExp }[] = [
    { name: 'cashPaid with 3 decimals', order: { cashPaid: '12.345' }, path: 'cashPaid', problem: /2 decimal places/ },
    { name: 'cashPaid as a number', order: { cashPaid: 12 }, path: 'cashPaid', problem: /string/ },
    { name: 'cashPaid negative', order: { cashPaid: '-5.00' }, path: 'cashPaid', problem: /not an amount/ },
    { name: 'cashPaid empty', order: { cashPaid: '' }, path: 'cashPaid', problem: /not an amount/ },
    { name: 'months 0', order: { months: 0 }, path: 'months', problem: /at least 1/ },
    { name: 'months 2.5', order: { months: 2.5 }, path: 'months', problem: /whole number/ },
    { name: 'months as a string', order: { months: '3' }, path: 'months', problem: /number/ },
    { name: 'startDate 2026-02-30', order: { startDate: '2026-02-30' }, path: 'startDate', problem: /calendar date/ },
    { name: 'startDate 2026/05/01', order: { startDate: '2026/05/01' }, path: 'startDate', problem: /not a date/ },
    { name: 'an unknown field', order: { discount: '5.00' }, path: 'discount', problem: /not a known field/ },
    { name: 'accountId with a space', order: { accountId: 'acc 3' }, path: 'accountId', problem: /characters/ },
    { name: 'currency not a code', order: { currency: 'yuan' }, path: 'currency', problem: /3-letter/ },
  ];

  for (const bad of badOrders) {
    it(`${bad.name}: error at orders[1].${bad.path}`, async () => {
      // arrange
      const t = await tableWithStoredOrder();
      const f = file([GOOD_A, { ...BAD_BASE, ...bad.order }, GOOD_B]);
      // act / assert
      await expectRejected(t, ['orders', 'import', f], `${f}: orders[1].${bad.path}`, bad.problem);
    });
  }

  it('a missing orderId: orders[1].orderId is required', async () => {
    // arrange
    const t = await tableWithStoredOrder();
    const { orderId: _, ...noId } = BAD_BASE;
    const f = file([GOOD_A, noId, GOOD_B]);
    // act / assert
    await expectRejected(t, ['orders', 'import', f], `${f}: orders[1].orderId`, /is required/);
  });

  it('every bad order of a file is reported, each with its own path', async () => {
    // arrange
    const t = await tableWithStoredOrder();
    const f = file([GOOD_A, { ...BAD_BASE, months: 0 }, GOOD_B, { ...BAD_BASE, orderId: 'o-8', cashPaid: '1.001' }]);
    // act
    const lines = await expectRejected(t, ['orders', 'import', f], `${f}: orders[1].months`, /at least 1/);
    // assert
    expectProblem(lines, `${f}: orders[3].cashPaid`, /2 decimal places/);
  });
});

describe('sla orders import: orders that do not fit the stored ones write nothing', () => {
  it('an order overlapping a stored order of the same account', async () => {
    // arrange: STORED runs 2026-01-01..2026-03-31
    const t = await tableWithStoredOrder();
    const f = file([GOOD_A, { accountId: 'acc-1', orderId: 'o-3', startDate: '2026-03-15', months: 1, cashPaid: '1' }]);
    // act / assert
    await expectRejected(t, ['orders', 'import', f], `${f}: orders[1]`, /overlaps stored order acc-1\/o-1/);
  });

  it('two orders of the file overlapping each other', async () => {
    // arrange
    const t = await tableWithStoredOrder();
    const f = file([GOOD_A, { ...GOOD_A, orderId: 'o-2', startDate: '2026-02-20' }, GOOD_B]);
    // act / assert
    await expectRejected(t, ['orders', 'import', f], `${f}: orders[1]`, /overlaps orders\[0\]/);
  });

  it('a stored order re-imported with another cashPaid is a conflict', async () => {
    // arrange
    const t = await tableWithStoredOrder();
    const f = file([GOOD_A, { ...STORED, cashPaid: '400.00' }, GOOD_B]);
    // act / assert
    await expectRejected(t, ['orders', 'import', f], `${f}: orders[1]`, /acc-1\/o-1 is stored with other terms/);
  });

  it('a stored order re-imported with other months is a conflict', async () => {
    // arrange
    const t = await tableWithStoredOrder();
    const f = file([{ ...STORED, months: 2 }, GOOD_A]);
    // act / assert
    await expectRejected(t, ['orders', 'import', f], `${f}: orders[0]`, /acc-1\/o-1 is stored with other terms/);
  });

  it('the same order twice in one file', async () => {
    // arrange
    const t = await tableWithStoredOrder();
    const f = file([GOOD_A, GOOD_B, GOOD_A]);
    // act / assert
    await expectRejected(t, ['orders', 'import', f], `${f}: orders[2].orderId`, /repeats orders\[0\]/);
  });
});

describe('sla orders import: a file that is not a list of orders writes nothing', () => {
  const notLists: readonly { name: string; text: string }[] = [
    { name: 'an object without orders', text: '{"order": []}' },
    { name: 'an object whose orders is an object', text: '{"orders": {"accountId": "acc-2"}}' },
    { name: 'a number', text: '42' },
    { name: 'null', text: 'null' },
    { name: 'a string', text: '"orders"' },
  ];
  for (const doc of notLists) {
    it(`${doc.name}`, async () => {
      // arrange
      const t = await tableWithStoredOrder();
      const f = writeJson(dir, `not-a-list-${++fileCount}.json`, doc.text);
      // act / assert
      await expectRejected(t, ['orders', 'import', f], f, /must be an array of orders/);
    });
  }

  it('a missing file', async () => {
    // arrange
    const t = await tableWithStoredOrder();
    const f = join(dir, 'no-such-orders.json');
    // act / assert
    await expectRejected(t, ['orders', 'import', f], f, /cannot be read \(ENOENT\)/);
  });

  it('a directory', async () => {
    // arrange
    const t = await tableWithStoredOrder();
    const folder = join(dir, 'orders-folder');
    mkdirSync(folder, { recursive: true });
    // act / assert
    await expectRejected(t, ['orders', 'import', folder], folder, /cannot be read \(EISDIR\)/);
  });

  it('malformed JSON', async () => {
    // arrange
    const t = await tableWithStoredOrder();
    const f = writeJson(dir, 'malformed-orders.json', '[{"accountId": "acc-2", "orderId": ');
    // act / assert
    await expectRejected(t, ['orders', 'import', f], f, /malformed JSON/);
  });

  it('an empty file', async () => {
    // arrange
    const t = await tableWithStoredOrder();
    const f = writeJson(dir, 'empty-orders.json', '');
    // act / assert
    await expectRejected(t, ['orders', 'import', f], f, /malformed JSON/);
  });

  it('no file argument', async () => {
    // arrange
    const t = await tableWithStoredOrder();
    // act / assert: commander names the missing argument
    const before = await scanAll(t.table);
    const run = await runMain(['orders', 'import', ...t.storeArgs]);
    const lines = expectBadInput(run);
    expect(lines.join('\n')).toMatch(/file/);
    expect(await scanAll(t.table)).toEqual(before);
  });
});

describe('sla orders import: good files', () => {
  it('stores exactly the orders given, next to the stored ones', async () => {
    // arrange
    const t = await tableWithStoredOrder();
    const f = file([GOOD_A, GOOD_B]);
    // act
    const run = await runMain(['orders', 'import', f, ...t.storeArgs]);
    // assert
    expectOk(run);
    expect(run.stdout).toMatch(/^orders: 2 imported, 0 already stored \(verbs-\d+ at http:\/\/127\.0\.0\.1:\d+\)\n$/);
    expect(byKey(await listOrders(t.table))).toEqual(byKey([STORED, GOOD_A, GOOD_B]));
  });

  it('re-importing the same file is a no-op: exit 0, "0 imported", the table unchanged', async () => {
    // arrange
    const t = await tables.fresh();
    const f = file([STORED, GOOD_A, GOOD_B]);
    expectOk(await runMain(['orders', 'import', f, ...t.storeArgs]));
    const before = await scanAll(t.table);
    // act
    const again = await runMain(['orders', 'import', f, ...t.storeArgs]);
    // assert
    expectOk(again);
    expect(again.stdout).toMatch(/^orders: 0 imported, 3 already stored /);
    expect(await scanAll(t.table)).toEqual(before);
  });

  it('a scenario document with "orders" imports its orders; those already stored are counted as such', async () => {
    // arrange
    const t = await tableWithStoredOrder();
    const f = file({ orders: [STORED, GOOD_A] });
    // act
    const run = await runMain(['orders', 'import', f, ...t.storeArgs]);
    // assert
    expectOk(run);
    expect(run.stdout).toMatch(/^orders: 1 imported, 1 already stored /);
    expect(byKey(await listOrders(t.table))).toEqual(byKey([STORED, GOOD_A]));
  });

  it('an empty list imports nothing', async () => {
    // arrange
    const t = await tableWithStoredOrder();
    const before = await scanAll(t.table);
    // act
    const run = await runMain(['orders', 'import', file([]), ...t.storeArgs]);
    // assert
    expectOk(run);
    expect(run.stdout).toMatch(/^orders: 0 imported, 0 already stored /);
    expect(await scanAll(t.table)).toEqual(before);
  });

  it('orders from stdin (-)', async () => {
    // arrange
    const t = await tables.fresh();
    // act
    const run = await runMain(['orders', 'import', '-', ...t.storeArgs], { stdin: JSON.stringify([GOOD_A]) });
    // assert
    expectOk(run);
    expect(await listOrders(t.table)).toEqual([GOOD_A]);
  });

  it('the same orders written with their fields in another order are the same orders: a no-op', async () => {
    // arrange: an export from another tool lists the same fields in another order
    const t = await tables.fresh();
    expectOk(await runMain(['orders', 'import', file([STORED, GOOD_A]), ...t.storeArgs]));
    const before = await scanAll(t.table);
    const reordered = [STORED, GOOD_A].map((o) => Object.fromEntries(Object.entries(o).reverse()));
    const f = writeJson(dir, 'reordered-orders.json', JSON.stringify(reordered, null, 2));
    // act
    const run = await runMain(['orders', 'import', f, ...t.storeArgs]);
    // assert
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^orders: 0 imported, 2 already stored /);
    expect(await scanAll(t.table)).toEqual(before);
  });
});

// ---------------------------------------------------------------------------------------------
// maintenance add

const MW = {
  id: 'mw-1',
  announcedAt: '2026-05-01T00:00:00+08:00',
  start: '2026-06-12T01:00:00+08:00',
  end: '2026-06-11T19:00:00Z',
};
const maintenanceArgs = (over: Partial<Record<keyof typeof MW, string>> = {}): string[] => {
  const m = { ...MW, ...over };
  return ['maintenance', 'add', '--id', m.id, '--announced-at', m.announcedAt, '--start', m.start, '--end', m.end];
};

describe('sla maintenance add', () => {
  it('stores exactly the window given; adding it again is a no-op', async () => {
    // arrange
    const t = await tables.fresh();
    const argv = [...maintenanceArgs(), '--accounts', 'acc-1, acc-2', '--description', 'database upgrade'];
    // act
    const run = await runMain([...argv, ...t.storeArgs]);
    const before = await scanAll(t.table);
    const again = await runMain([...argv, ...t.storeArgs]);
    // assert
    expectOk(run);
    expect(run.stdout).toMatch(/^maintenance mw-1: recorded /);
    expect(await listMaintenance(t.table)).toEqual([
      { ...MW, accountIds: ['acc-1', 'acc-2'], description: 'database upgrade' },
    ]);
    expectOk(again);
    expect(again.stdout).toMatch(/^maintenance mw-1: already recorded /);
    expect(await scanAll(t.table)).toEqual(before);
  });

  it('without --accounts the window is stored without accountIds (every account)', async () => {
    // arrange
    const t = await tables.fresh();
    // act
    const run = await runMain([...maintenanceArgs(), ...t.storeArgs]);
    // assert
    expectOk(run);
    expect(await listMaintenance(t.table)).toEqual([MW]);
  });

  const bad: readonly { name: string; argv: string[]; path: string; problem: RegExp }[] = [
    {
      name: 'end equal to start',
      argv: maintenanceArgs({ end: '2026-06-12T01:00:00+08:00' }),
      path: '--end',
      problem: /must be after start/,
    },
    {
      name: 'end equal to start written at another offset',
      argv: maintenanceArgs({ end: '2026-06-11T17:00:00Z' }),
      path: '--end',
      problem: /must be after start/,
    },
    {
      name: 'end before start',
      argv: maintenanceArgs({ end: '2026-06-12T00:59:59.999+08:00' }),
      path: '--end',
      problem: /must be after start/,
    },
    {
      name: 'start without offset',
      argv: maintenanceArgs({ start: '2026-06-12T01:00:00' }),
      path: '--start',
      problem: /no offset/,
    },
    {
      name: 'announced-at without offset',
      argv: maintenanceArgs({ announcedAt: '2026-05-01T00:00' }),
      path: '--announced-at',
      problem: /no offset/,
    },
    {
      name: 'end not a calendar date',
      argv: maintenanceArgs({ end: '2026-06-31T00:00:00Z' }),
      path: '--end',
      problem: /not a calendar date/,
    },
    { name: 'a bad id', argv: maintenanceArgs({ id: 'mw 1' }), path: '--id', problem: /characters/ },
    {
      name: 'a bad account id in --accounts',
      argv: [...maintenanceArgs(), '--accounts', 'acc-1,bad id'],
      path: '--accounts[1]',
      problem: /characters/,
    },
  ];
  for (const b of bad) {
    it(`${b.name}: error at ${b.path}, nothing written`, async () => {
      // arrange: a table that already holds another window
      const t = await tables.fresh();
      await putMaintenance(t.table, { ...MW, id: 'mw-0' });
      // act / assert
      await expectRejected(t, b.argv, b.path, b.problem);
    });
  }

  for (const option of ['--id', '--announced-at', '--start', '--end']) {
    it(`a missing ${option}: exit 2 naming ${option}, nothing written`, async () => {
      // arrange
      const t = await tables.fresh();
      const argv = maintenanceArgs();
      const at = argv.indexOf(option);
      argv.splice(at, 2);
      const before = await scanAll(t.table);
      // act
      const run = await runMain([...argv, ...t.storeArgs]);
      // assert
      const lines = expectBadInput(run);
      expect(lines.join('\n')).toContain(option);
      expect(await scanAll(t.table)).toEqual(before);
    });
  }

  it('the same id with other terms is a conflict: the stored window is kept', async () => {
    // arrange
    const t = await tables.fresh();
    await putMaintenance(t.table, MW);
    // act / assert
    await expectRejected(t, maintenanceArgs({ end: '2026-06-12T05:00:00+08:00' }), '--id', /stored with other terms/);
    expect(await listMaintenance(t.table)).toEqual([MW]);
  });
});

// ---------------------------------------------------------------------------------------------
// exclusions add

const EX = {
  id: 'ex-1',
  clause: '4.2',
  start: '2026-06-13T01:00:00+08:00',
  end: '2026-06-13T02:00:00.5+08:00',
  reason: 'carrier fibre cut outside Tencent Cloud',
};
const exclusionArgs = (over: Partial<Record<keyof typeof EX, string>> = {}): string[] => {
  const x = { ...EX, ...over };
  return [
    'exclusions',
    'add',
    '--id',
    x.id,
    '--clause',
    x.clause,
    '--start',
    x.start,
    '--end',
    x.end,
    '--reason',
    x.reason,
  ];
};

describe('sla exclusions add', () => {
  it('stores exactly the exclusion given; adding it again is a no-op', async () => {
    // arrange
    const t = await tables.fresh();
    const argv = [...exclusionArgs(), '--accounts', 'acc-1'];
    // act
    const run = await runMain([...argv, ...t.storeArgs]);
    const before = await scanAll(t.table);
    const again = await runMain([...argv, ...t.storeArgs]);
    // assert
    expectOk(run);
    expect(run.stdout).toMatch(/^exclusion ex-1 \(§4\.2\): recorded /);
    expect(await listExclusions(t.table)).toEqual([{ ...EX, accountIds: ['acc-1'] }]);
    expectOk(again);
    expect(again.stdout).toMatch(/already recorded/);
    expect(await scanAll(t.table)).toEqual(before);
  });

  const bad: readonly { name: string; argv: string[]; path: string; problem: RegExp }[] = [
    {
      name: 'clause 4.1 (maintenance)',
      argv: exclusionArgs({ clause: '4.1' }),
      path: '--clause',
      problem: /one of 4\.2/,
    },
    { name: 'clause 4.10', argv: exclusionArgs({ clause: '4.10' }), path: '--clause', problem: /one of 4\.2/ },
    { name: 'clause §4.2', argv: exclusionArgs({ clause: '§4.2' }), path: '--clause', problem: /one of 4\.2/ },
    { name: 'an empty reason', argv: exclusionArgs({ reason: '' }), path: '--reason', problem: /must not be empty/ },
    {
      name: 'a blank reason',
      argv: exclusionArgs({ reason: '  \t ' }),
      path: '--reason',
      problem: /must not be empty/,
    },
    {
      name: 'end before start',
      argv: exclusionArgs({ end: '2026-06-13T00:00:00+08:00' }),
      path: '--end',
      problem: /must be after start/,
    },
    {
      name: 'start without offset',
      argv: exclusionArgs({ start: '2026-06-13T01:00:00' }),
      path: '--start',
      problem: /no offset/,
    },
  ];
  for (const b of bad) {
    it(`${b.name}: error at ${b.path}, nothing written`, async () => {
      // arrange
      const t = await tables.fresh();
      await putExclusion(t.table, { ...EX, id: 'ex-0' });
      // act / assert
      await expectRejected(t, b.argv, b.path, b.problem);
    });
  }

  it('a missing --reason: exit 2 naming --reason, nothing written', async () => {
    // arrange
    const t = await tables.fresh();
    const argv = exclusionArgs();
    argv.splice(argv.indexOf('--reason'), 2);
    const before = await scanAll(t.table);
    // act
    const run = await runMain([...argv, ...t.storeArgs]);
    // assert
    expect(expectBadInput(run).join('\n')).toContain('--reason');
    expect(await scanAll(t.table)).toEqual(before);
  });

  it('the same id with other terms is a conflict: the stored exclusion is kept', async () => {
    // arrange
    const t = await tables.fresh();
    await putExclusion(t.table, EX);
    // act / assert
    await expectRejected(t, exclusionArgs({ clause: '4.3' }), '--id', /exclusion ex-1 is stored with other terms/);
    await expectRejected(t, exclusionArgs({ reason: 'another reason' }), '--id', /stored with other terms/);
    expect(await listExclusions(t.table)).toEqual([EX]);
  });
});

// ---------------------------------------------------------------------------------------------
// accounts add

describe('sla accounts add', () => {
  it('stores the account and its base URL; --inactive updates it', async () => {
    // arrange
    const t = await tables.fresh();
    const argv = ['accounts', 'add', '--account', 'acc-1', '--base-url', 'https://tcmpp.example.com/acc-1'];
    // act
    const run = await runMain([...argv, ...t.storeArgs]);
    const stored = await listProfiles(t.table);
    const inactive = await runMain([...argv, '--inactive', ...t.storeArgs]);
    // assert
    expectOk(run);
    expect(run.stdout).toMatch(/^account acc-1: probed at https:\/\/tcmpp\.example\.com\/acc-1 /);
    expect(stored).toEqual([{ accountId: 'acc-1', baseUrl: 'https://tcmpp.example.com/acc-1', active: true }]);
    expectOk(inactive);
    expect(await listProfiles(t.table)).toEqual([
      { accountId: 'acc-1', baseUrl: 'https://tcmpp.example.com/acc-1', active: false },
    ]);
  });

  const bad: readonly { name: string; account: string; url: string; path: string; problem: RegExp }[] = [
    { name: 'a URL that is not one', account: 'acc-1', url: 'not a url', path: '--base-url', problem: /http\(s\) URL/ },
    { name: 'an ftp URL', account: 'acc-1', url: 'ftp://x.example.com/', path: '--base-url', problem: /http\(s\)/ },
    { name: 'a relative URL', account: 'acc-1', url: '/acc-1', path: '--base-url', problem: /http\(s\)/ },
    {
      name: 'an id with a space',
      account: 'acc 1',
      url: 'https://x.example.com',
      path: '--account',
      problem: /characters/,
    },
    { name: 'an empty id', account: '', url: 'https://x.example.com', path: '--account', problem: /1 to 128/ },
    {
      name: 'an id too long',
      account: 'a'.repeat(129),
      url: 'https://x.example.com',
      path: '--account',
      problem: /1 to 128/,
    },
  ];
  for (const b of bad) {
    it(`${b.name}: error at ${b.path}, nothing written`, async () => {
      // arrange
      const t = await tables.fresh();
      // act / assert
      await expectRejected(t, ['accounts', 'add', '--account', b.account, '--base-url', b.url], b.path, b.problem);
    });
  }

  it('a bad id and a bad URL: both reported', async () => {
    // arrange
    const t = await tables.fresh();
    // act
    const lines = await expectRejected(
      t,
      ['accounts', 'add', '--account', 'bad id!', '--base-url', 'mailto:ops@example.com'],
      '--account',
      /characters/,
    );
    // assert
    expectProblem(lines, '--base-url', /http\(s\)/);
  });
});

// ---------------------------------------------------------------------------------------------
// ingest --probes, ingest quarantine

const INGEST_ORDER: OrderRecord = {
  accountId: 'acc-1',
  orderId: 'o-1',
  startDate: '2026-06-01',
  months: 1,
  cashPaid: '300.00',
};
const probeLines = [
  '{"accountId":"acc-1","function":"publish","at":"2026-06-10T10:00:05+08:00","ok":false}',
  '{"accountId":"acc-1","function":"manage","at":"2026-06-10T10:01:59.9+08:00","ok":true}',
  '{"accountId":"acc-1","function":"download","at":"2026-06-10T02:02:00Z","ok":false,"cause":"network"}',
];
const tableWithIngestOrder = async (): Promise<TestTable> => {
  const t = await tables.fresh();
  await putOrder(t.table, INGEST_ORDER);
  return t;
};
const goodProbes = writeJson(dir, 'good-probes.ndjson', `${probeLines.join('\n')}\n`);

describe('sla ingest --probes', () => {
  it('stores the minute facts of the file and one run record', async () => {
    // arrange
    const t = await tableWithIngestOrder();
    // act
    const run = await runMain(['ingest', '--probes', goodProbes, '--quiet', ...t.storeArgs]);
    // assert
    expectOk(run);
    expect(run.stdout).toContain(
      `${goodProbes}: 3 results, 1 account-hours written, 0 ignored (no order covers them), 0 fields dropped (R12), 0 quarantined\n`,
    );
    const facts = await loadMinuteFacts(
      t.table,
      periodTable(ordersFromRecords([INGEST_ORDER]), 'Asia/Shanghai'),
      new MinuteFacts(),
    );
    const minute = Date.parse('2026-06-10T02:00:00Z') / 60_000;
    const observed: [number, number][] = [];
    facts.forEachObserved('acc-1', minute - 1440, minute + 1440, (m, s) => observed.push([m - minute, s]));
    expect(observed).toEqual([
      [0, OBSERVED | PLATFORM_FAILURE],
      [1, OBSERVED | ANY_OK],
      [2, OBSERVED | causeBit(CAUSES.indexOf('network'))],
    ]);
    const runs = await listIngestRuns(t.table, 'backfill');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ lines: 3, probes: 3, ignoredProbes: 0, droppedFields: 0, quarantined: 0 });
  });

  it('a missing file: error naming it, nothing written', async () => {
    // arrange
    const t = await tableWithIngestOrder();
    const missing = join(dir, 'no-such-probes.ndjson');
    // act / assert
    await expectRejected(t, ['ingest', '--probes', missing], missing, /cannot be read \(ENOENT\)/);
  });

  it('a directory: error naming it, nothing written', async () => {
    // arrange
    const t = await tableWithIngestOrder();
    const folder = join(dir, 'probe-folder');
    mkdirSync(folder, { recursive: true });
    // act / assert
    await expectRejected(t, ['ingest', '--probes', folder], folder, /is not a file/);
  });

  it('a good file then a missing one: nothing of the good file is written either', async () => {
    // arrange
    const t = await tableWithIngestOrder();
    const missing = join(dir, 'missing-after-good.ndjson');
    // act / assert
    await expectRejected(t, ['ingest', '--probes', goodProbes, '--probes', missing], missing, /cannot be read/);
  });

  it('no --probes: error at --probes, nothing written', async () => {
    // arrange
    const t = await tableWithIngestOrder();
    // act / assert
    await expectRejected(t, ['ingest'], '--probes', /name at least one/);
  });

  it('a negative --retention-days: error at --retention-days, nothing written', async () => {
    // arrange
    const t = await tableWithIngestOrder();
    // act / assert
    await expectRejected(
      t,
      ['ingest', '--probes', goodProbes, '--retention-days', '-1'],
      '--retention-days',
      /whole number/,
    );
  });

  it('a --time-zone that is not an IANA zone: error at --time-zone, nothing written', async () => {
    // arrange: every result would otherwise be measured against invalid service periods
    const t = await tableWithIngestOrder();
    // act / assert
    await expectRejected(
      t,
      ['ingest', '--probes', goodProbes, '--time-zone', 'Mars/Olympus_Mons'],
      '--time-zone',
      /time zone/,
    );
  });
});

describe('sla ingest quarantine', () => {
  it('--source nope: error at --source, nothing written', async () => {
    // arrange
    const t = await tableWithIngestOrder();
    // act / assert
    await expectRejected(t, ['ingest', 'quarantine', '--source', 'nope'], '--source', /must be one of/);
  });

  it('lists the quarantined records of a run: problems and kept fields', async () => {
    // arrange
    const t = await tableWithIngestOrder();
    const f = join(dir, 'one-bad-line.ndjson');
    writeFileSync(
      f,
      `${probeLines[0]}\n{"accountId":"acc-1","function":"publish","at":"2026-06-10T10:00:05","ok":true}\n`,
    );
    expectOk(await runMain(['ingest', '--probes', f, '--quiet', ...t.storeArgs]));
    // act
    const run = await runMain(['ingest', 'quarantine', '--source', 'backfill', '--json', ...t.storeArgs]);
    // assert
    expectOk(run);
    const records = linesOf(run.stdout).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      source: 'backfill',
      line: 2,
      problems: [{ field: 'at', message: expect.stringMatching(/no offset/) }],
      kept: { accountId: 'acc-1', function: 'publish', at: '2026-06-10T10:00:05', ok: true },
    });
  });
});
