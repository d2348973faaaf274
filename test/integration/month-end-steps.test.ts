// The month-end steps as use cases, on dynalite: plan, evaluate a batch, summarise.
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDER_PK, orderSk } from '#adapters/dynamodb/keys.ts';
import { type LocalDynamo, startLocalDynamo } from '#adapters/dynamodb/local-dynamodb.ts';
import { putOrder } from '#adapters/dynamodb/registry-repository.ts';
import type { Table } from '#adapters/dynamodb/table.ts';
import { ProbeIngest } from '#ingest/ingest-probes.ts';
import type { BatchOutput } from '#month-end/contracts.ts';
import {
  evaluateBatch,
  MonthEndInputError,
  type MonthEndSettings,
  plan,
  summarise,
} from '#month-end/month-end-steps.ts';
import { tableFactory } from '../support/dynamo.ts';

let dynamo: LocalDynamo | undefined;
const tables = tableFactory(() => {
  if (!dynamo) throw new Error('dynalite is not started');
  return dynamo;
}, 'steps');

beforeAll(async () => {
  dynamo = await startLocalDynamo('steps-0');
});

afterAll(async () => {
  tables.destroy();
  await dynamo?.close();
});

const settingsFor = (table: Table, batchSize = 2): MonthEndSettings => ({
  table,
  timeZone: 'Asia/Shanghai',
  batchSize,
  maintenanceMinNoticeHours: 0,
  coverageMinPercent: 90,
  now: () => new Date('2026-07-01T02:00:00+08:00'),
});

const order = (accountId: string, startDate: string, months = 1) => ({
  accountId,
  orderId: `ord-${accountId}`,
  startDate,
  months,
  cashPaid: '300.00',
});

describe('plan', () => {
  it('takes the accounts with a service month in the month, in sorted batches, with a deterministic scheduled run id', async () => {
    // arrange
    const { table } = await tables.fresh();
    for (const o of [
      order('acc-c', '2026-06-01'),
      order('acc-a', '2026-05-20'),
      order('acc-b', '2026-06-15'),
      order('acc-d', '2026-07-01'),
      order('acc-e', '2026-04-01', 2),
    ]) {
      await putOrder(table, o);
    }
    // act
    const output = await plan(settingsFor(table), { month: '2026-06', reason: 'scheduled', requestedBy: 'schedule' });
    // assert
    expect(output.accountCount).toBe(3);
    expect(output.runId).toBe('scheduled-2026-06');
    expect(output.batches.map((b) => b.accounts)).toEqual([['acc-a', 'acc-b'], ['acc-c']]);
    expect(output.batches[0]).toMatchObject({
      month: '2026-06',
      runId: 'scheduled-2026-06',
      reason: 'scheduled',
      requestedBy: 'schedule',
    });
  });

  it('derives the previous month from the schedule time, in the policy zone', async () => {
    // arrange: 2026-06-30T18:00:00Z is 2026-07-01 02:00 in Shanghai
    const { table } = await tables.fresh();
    await putOrder(table, order('acc-a', '2026-06-01'));
    // act
    const output = await plan(settingsFor(table), {
      scheduledTime: '2026-06-30T18:00:00Z',
      reason: 'scheduled',
      requestedBy: 'schedule',
    });
    // assert
    expect(output.month).toBe('2026-06');
    expect(output.accountCount).toBe(1);
  });

  it('limits a recalculation to the accounts asked for', async () => {
    const { table } = await tables.fresh();
    for (const o of [order('acc-a', '2026-06-01'), order('acc-b', '2026-06-01')]) await putOrder(table, o);
    const output = await plan(settingsFor(table), {
      month: '2026-06',
      reason: 'recalculation',
      requestedBy: 'ops@example',
      note: 'exclusion ex-9 added',
      accounts: ['acc-b'],
    });
    expect(output.batches.map((b) => b.accounts)).toEqual([['acc-b']]);
    expect(output.runId).toMatch(/^recalculation-2026-06-/);
    expect(output.batches[0]?.note).toBe('exclusion ex-9 added');
  });

  it.each([
    [{ month: '2026-13', reason: 'scheduled', requestedBy: 'x' }, /month: "2026-13" is not a calendar month/],
    [{ month: '2026-06', reason: 'whenever', requestedBy: 'x' }, /reason: must be scheduled or recalculation/],
    [{ month: '2026-06', reason: 'scheduled' }, /requestedBy: is required/],
    [{ month: '2026-06', reason: 'recalculation', requestedBy: 'x' }, /note: a recalculation needs its reason/],
    [
      { month: '2026-06', reason: 'scheduled', requestedBy: 'x', accounts: ['a b'] },
      /accounts\[0\]: .* has characters outside/,
    ],
    [
      { scheduledTime: 'yesterday', reason: 'scheduled', requestedBy: 'x' },
      /scheduledTime: "yesterday" is not an ISO-8601 instant/,
    ],
  ])('refuses %j, naming the field', async (input, message) => {
    const { table } = await tables.fresh();
    await expect(plan(settingsFor(table), input)).rejects.toThrow(MonthEndInputError);
    await expect(plan(settingsFor(table), input)).rejects.toThrow(message);
  });
});

describe('evaluateBatch', () => {
  it('evaluates every account alone: a corrupt order record fails its account, not the batch', async () => {
    // arrange: acc-a healthy-but-unobserved, acc-b with a 44-minute outage, acc-bad with a corrupt record
    const { table } = await tables.fresh();
    await putOrder(table, order('acc-a', '2026-06-01'));
    await putOrder(table, order('acc-b', '2026-06-01'));
    await table.client.send(
      new PutItemCommand({
        TableName: table.name,
        Item: {
          pk: { S: ORDER_PK },
          sk: { S: orderSk('acc-bad', 'ord-acc-bad') },
          doc: { S: '{"accountId":"acc-bad",' },
        },
      }),
    );
    const ingest = await ProbeIngest.open({
      table,
      source: 'backfill',
      runId: 't',
      timeZone: 'Asia/Shanghai',
      retentionDaysAfterClaimClose: 30,
    });
    const lines = Array.from(
      { length: 44 },
      (_, m) =>
        `{"accountId":"acc-b","function":"publish","at":"2026-06-10T09:${String(m).padStart(2, '0')}:05+08:00","ok":false}`,
    );
    ingest.push(Buffer.from(`${lines.join('\n')}\n`));
    await ingest.finish();
    // act
    const output = await evaluateBatch(settingsFor(table), {
      accounts: ['acc-a', 'acc-bad', 'acc-b'],
      month: '2026-06',
      runId: 'scheduled-2026-06',
      reason: 'scheduled',
      requestedBy: 'schedule',
    });
    // assert
    expect(output.evaluated).toBe(2);
    expect(output.newVersions).toBe(2);
    expect(output.tiers).toEqual({ met: 1, tier10: 1, tier25: 0, tier100: 0 });
    expect(output.voucherFen).toBe(3000);
    expect(output.failed.map((f) => f.accountId)).toEqual(['acc-bad']);
    expect(output.coverageGaps).toEqual(['acc-a/ord-acc-a/2026-06', 'acc-b/ord-acc-b/2026-06']);
  });
});

describe('summarise', () => {
  const batch = (over: Partial<BatchOutput>): BatchOutput => ({
    evaluated: 0,
    newVersions: 0,
    tiers: { met: 0, tier10: 0, tier25: 0, tier100: 0 },
    voucherFen: 0,
    coverageGaps: [],
    failed: [],
    ...over,
  });

  it('adds up the batches and opens the claim windows at opensOn 00:00 Shanghai', () => {
    // act
    const summary = summarise(
      { timeZone: 'Asia/Shanghai' },
      {
        month: '2026-09',
        runId: 'scheduled-2026-09',
        batches: [
          batch({
            evaluated: 2,
            newVersions: 2,
            tiers: { met: 1, tier10: 1, tier25: 0, tier100: 0 },
            voucherFen: 3005,
            coverageGaps: ['a/o/2026-09'],
          }),
          batch({
            evaluated: 1,
            tiers: { met: 0, tier10: 0, tier25: 0, tier100: 1 },
            voucherFen: 10000,
            failed: [{ accountId: 'x', error: 'corrupt' }],
          }),
        ],
      },
    );
    // assert: September 2026 → opensOn 2026-10-14 (SPEC R9's example)
    expect(summary).toEqual({
      month: '2026-09',
      runId: 'scheduled-2026-09',
      evaluated: 3,
      newVersions: 2,
      tiers: { met: 1, tier10: 1, tier25: 0, tier100: 1 },
      voucherTotal: '130.05',
      coverageGaps: ['a/o/2026-09'],
      failed: [{ accountId: 'x', error: 'corrupt' }],
      opensAt: '2026-10-13T16:00:00.000Z',
    });
  });
});
