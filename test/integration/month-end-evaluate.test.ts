// The month-end's evaluation of an account-month from DynamoDB agrees with `sla evaluate`, and
// its results are versioned: re-running unchanged facts adds no version; a new exclusion adds one
// for the service month it touches, and keeps the old one.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynamo, startLocalDynamo } from '#adapters/dynamodb/local-dynamodb.ts';
import { putExclusion } from '#adapters/dynamodb/registry-repository.ts';
import { listResults } from '#adapters/dynamodb/result-repository.ts';
import type { Table } from '#adapters/dynamodb/table.ts';
import { BusinessCalendar } from '#domain/business-calendar.ts';
import { serviceMonthsOf } from '#domain/service-months.ts';
import { ordersFromRecords } from '#ingest/ingest-probes.ts';
import { evaluateAccountMonth, type MonthContext } from '#month-end/evaluate-account-month.ts';
import { storedWindows } from '#month-end/month-end-steps.ts';
import { CONTRACTS } from '../support/cli.ts';
import { tableFactory } from '../support/dynamo.ts';
import { loadScenario, type StoreScenario } from '../support/store-scenario.ts';

let dynamo: LocalDynamo | undefined;
const tables = tableFactory(() => {
  if (!dynamo) throw new Error('dynalite is not started');
  return dynamo;
}, 'month-end');

beforeAll(async () => {
  dynamo = await startLocalDynamo('month-end-0');
});

afterAll(async () => {
  tables.destroy();
  await dynamo?.close();
});

const ZONE = 'Asia/Shanghai';

type Scenario = StoreScenario;

const context = async (table: Table, month: string, runId: string): Promise<MonthContext> => ({
  table,
  month,
  timeZone: ZONE,
  windows: await storedWindows(table, 0),
  calendar: new BusinessCalendar(),
  reason: runId === 'scheduled' ? 'scheduled' : 'recalculation',
  requestedBy: 'test',
  runId,
  now: () => new Date('2026-12-01T02:00:00+08:00'),
});

const load = (table: Table, scenario: Scenario): Promise<void> => loadScenario(table, scenario, ZONE);

/** Every (account, month) the orders cover, evaluated from the store. */
const evaluateAll = async (table: Table, scenario: Scenario, runId: string) => {
  const pairs = new Set<string>();
  for (const order of ordersFromRecords(scenario.orders)) {
    for (const m of serviceMonthsOf(order, ZONE)) pairs.add(`${m.accountId}|${m.month}`);
  }
  const reports = [];
  let newVersions = 0;
  for (const pair of [...pairs].sort()) {
    const [accountId = '', month = ''] = pair.split('|');
    const result = await evaluateAccountMonth(accountId, await context(table, month, runId));
    reports.push(...result.evaluated.map((e) => e.report));
    newVersions += result.outcomes.filter((o) => o.kind === 'new-version').length;
  }
  return { reports, newVersions };
};

const examples = readdirSync(join(CONTRACTS, 'examples'))
  .filter((f) => f.endsWith('.scenario.json'))
  .map((f) => f.replace('.scenario.json', ''));

describe('month-end evaluation from DynamoDB', () => {
  it.each(examples)('%s: every service month equals the expected report, field for field', async (name) => {
    // arrange
    const scenario = JSON.parse(readFileSync(join(CONTRACTS, 'examples', `${name}.scenario.json`), 'utf8')) as Scenario;
    const expected = JSON.parse(readFileSync(join(CONTRACTS, 'examples', `${name}.expected.json`), 'utf8')) as {
      serviceMonths: Record<string, unknown>[];
    };
    const { table } = await tables.fresh();
    await load(table, scenario);
    // act
    const { reports, newVersions } = await evaluateAll(table, scenario, 'scheduled');
    // assert
    expect(newVersions).toBe(expected.serviceMonths.length);
    expect(reports).toHaveLength(expected.serviceMonths.length);
    for (const want of expected.serviceMonths) {
      const got = reports.find(
        (r) => r.accountId === want.accountId && r.orderId === want.orderId && r.month === want.month,
      );
      expect(got).toMatchObject(want);
    }
  });

  it('re-running with unchanged facts adds no version; a new exclusion adds one, and the old one stays', async () => {
    // arrange
    const scenario = JSON.parse(
      readFileSync(join(CONTRACTS, 'examples', 'june-43-vs-44.scenario.json'), 'utf8'),
    ) as Scenario;
    const { table } = await tables.fresh();
    await load(table, scenario);
    await evaluateAll(table, scenario, 'scheduled');
    // act: the same facts again
    const again = await evaluateAll(table, scenario, 'scheduled');
    // act: an attack on acc-44 covers 10 minutes of its outage (§4.3)
    await putExclusion(table, {
      id: 'ex-attack',
      clause: '4.3',
      start: '2026-06-10T09:00:00+08:00',
      end: '2026-06-10T09:10:00+08:00',
      reason: 'DDoS on the customer app',
      accountIds: ['acc-44'],
    });
    const dry = await evaluateAccountMonth('acc-44', {
      ...(await context(table, '2026-06', 'recalc-dry')),
      dryRun: true,
    });
    const versionsAfterDryRun = await listResults(table, 'acc-44', '2026-06');
    const recalculated = await evaluateAll(table, scenario, 'recalc-1');
    // assert
    expect(again.newVersions).toBe(0);
    // the dry run shows the change (tier 10 → 0) and writes nothing
    expect(
      dry.evaluated.map((e) => [e.report.unavailableMinutes, e.report.compensationPercent, e.report.voucher]),
    ).toEqual([[34, 0, '0.00']]);
    expect(dry.outcomes).toMatchObject([
      { kind: 'would-add', previous: { version: 1, compensationPercent: 10, voucher: '30.00' } },
    ]);
    expect(versionsAfterDryRun.map((v) => v.version)).toEqual([1]);
    expect(recalculated.newVersions).toBe(1);
    const versions = await listResults(table, 'acc-44', '2026-06');
    expect(
      versions.map((v) => [v.version, v.report.unavailableMinutes, v.report.compensationPercent, v.runId]),
    ).toEqual([
      [1, 44, 10, 'scheduled'],
      [2, 34, 0, 'recalc-1'],
    ]);
    expect(versions[1]?.report.excludedMinutes).toEqual({ '4.3': 10 });
    expect((await listResults(table, 'acc-43', '2026-06')).map((v) => v.version)).toEqual([1]);
  });
});
