// `sla recalc` (in-process: the dynalite lives in this process) against a DynamoDB API started here: the june example loaded through the
// operator verbs, the month evaluated by a first recalculation (the month-end state machine run
// locally), then an exclusion added: the dry run prints the change and writes nothing, the real
// run adds exactly one version.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
});

import { type LocalDynamo, startLocalDynamo } from '#adapters/dynamodb/local-dynamodb.ts';
import { listResults } from '#adapters/dynamodb/result-repository.ts';
import { CONTRACTS, tempDir, writeJson } from '../support/cli.ts';
import { scanAll, tableFactory } from '../support/dynamo.ts';
import { linesOf, runMain, STACK_TRACE } from '../support/run-main.ts';

let dynamo: LocalDynamo | undefined;
const tables = tableFactory(() => {
  if (!dynamo) throw new Error('dynalite is not started');
  return dynamo;
}, 'recalc');

beforeAll(async () => {
  dynamo = await startLocalDynamo('recalc-0');
});

afterAll(async () => {
  tables.destroy();
  await dynamo?.close();
});

const SCENARIO = join(CONTRACTS, 'examples', 'june-43-vs-44.scenario.json');

describe('sla recalc', () => {
  it('june-43-vs-44: an exclusion added; the dry run shows 44 → 34 and writes nothing; the real run adds one version', async () => {
    // arrange: the example loaded through the operator verbs, the month evaluated once
    const { table, storeArgs } = await tables.fresh();
    const dir = tempDir();
    const probes = (JSON.parse(readFileSync(SCENARIO, 'utf8')) as { probes: unknown[] }).probes;
    const ndjson = writeJson(dir, 'probes.ndjson', probes.map((p) => JSON.stringify(p)).join('\n'));
    expect((await runMain(['orders', 'import', SCENARIO, ...storeArgs])).status).toBe(0);
    expect((await runMain(['ingest', '--probes', ndjson, '--quiet', ...storeArgs])).status).toBe(0);
    const initial = await runMain(['recalc', '--month', '2026-06', '--reason', 'initial', ...storeArgs]);
    expect(initial.stderr).toBe('');
    expect(initial.status).toBe(0);
    expect(initial.stdout).toMatch(/2 service months evaluated, 2 new versions; .*vouchers 30\.00; failed 0/);
    expect(await listResults(table, 'acc-44', '2026-06')).toHaveLength(1);
    const added = await runMain([
      'exclusions',
      'add',
      '--id',
      'ex-44',
      '--clause',
      '4.4',
      '--start',
      '2026-06-10T09:00:00+08:00',
      '--end',
      '2026-06-10T09:10:00+08:00',
      '--reason',
      "the customer's own network",
      '--accounts',
      'acc-44',
      ...storeArgs,
    ]);
    expect(added.status).toBe(0);
    const before = await scanAll(table);

    // act: the dry run
    const dry = await runMain([
      'recalc',
      '--month',
      '2026-06',
      '--account',
      'acc-44',
      '--reason',
      'ex added',
      '--dry-run',
      ...storeArgs,
    ]);

    // assert: the diff, nothing written
    expect(dry.stderr).toBe('');
    expect(dry.status).toBe(0);
    expect(linesOf(dry.stdout)[0]).toBe(
      'acc-44/ord-44/2026-06: unavailable 44 → 34 min, tier 10 % → 0 %, voucher 30.00 → 0.00 (would add version 2)',
    );
    expect(await scanAll(table)).toEqual(before);

    // act: the real run
    const real = await runMain([
      'recalc',
      '--month',
      '2026-06',
      '--account',
      'acc-44',
      '--reason',
      'ex added',
      ...storeArgs,
    ]);

    // assert: exactly one version more, of acc-44 only
    expect(real.stderr).toBe('');
    expect(real.status).toBe(0);
    expect(real.stdout).toMatch(
      /1 service months evaluated, 1 new versions; tiers: met 1, 10 % 0, .*vouchers 0\.00; failed 0/,
    );
    const versions = await listResults(table, 'acc-44', '2026-06');
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    expect(versions[1]).toMatchObject({
      reason: 'recalculation',
      note: 'ex added',
      report: { unavailableMinutes: 34, compensationPercent: 0, voucher: '0.00' },
    });
    expect(await listResults(table, 'acc-43', '2026-06')).toHaveLength(1);
  });

  it('bad options: exit 2, the problems named, nothing written', async () => {
    const { table, storeArgs } = await tables.fresh();
    const before = await scanAll(table);
    const run = await runMain(['recalc', '--month', '2026-13', '--account', 'bad id!', '--reason', ' ', ...storeArgs]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).not.toMatch(STACK_TRACE);
    const lines = linesOf(run.stderr);
    expect(lines[0]).toMatch(/^error: --month: /);
    expect(lines.some((l) => l.startsWith('error: --account: '))).toBe(true);
    expect(lines.some((l) => l.startsWith('error: --reason: '))).toBe(true);
    expect(await scanAll(table)).toEqual(before);
  });
});
