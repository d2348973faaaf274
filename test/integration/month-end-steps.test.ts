// The month-end steps as use cases, on dynalite: plan (the batches stored as items), evaluate a
// batch (its outcome stored beside it), summarise (counts, and the first names only).
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDER_PK, orderSk } from '#adapters/dynamodb/keys.ts';
import { type LocalDynamo, startLocalDynamo } from '#adapters/dynamodb/local-dynamodb.ts';
import { putOrder } from '#adapters/dynamodb/registry-repository.ts';
import { getBatch, MissingBatchError, putBatch } from '#adapters/dynamodb/run-repository.ts';
import type { Table } from '#adapters/dynamodb/table.ts';
import { ProbeIngest } from '#ingest/ingest-probes.ts';
import { type BatchOutput, LISTED_IN_SUMMARY, LISTED_PER_BATCH } from '#month-end/contracts.ts';
import {
  evaluateBatch,
  MonthEndInputError,
  type MonthEndSettings,
  plan,
  planAccounts,
  summarise,
} from '#month-end/month-end-steps.ts';
import { scanAll, tableFactory } from '../support/dynamo.ts';

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

const NOW = new Date('2026-07-01T02:00:00+08:00');

const settingsFor = (table: Table, batchSize = 2): MonthEndSettings => ({
  table,
  timeZone: 'Asia/Shanghai',
  batchSize,
  maintenanceMinNoticeHours: 0,
  coverageMinPercent: 90,
  now: () => NOW,
});

const SCHEDULED_JUNE = {
  runId: 'scheduled-2026-06',
  month: '2026-06',
  reason: 'scheduled',
  requestedBy: 'schedule',
} as const;

/** An order item whose document is cut short: the account fails alone. */
const putCorruptOrder = (table: Table, accountId: string) =>
  table.client.send(
    new PutItemCommand({
      TableName: table.name,
      Item: {
        pk: { S: ORDER_PK },
        sk: { S: orderSk(accountId, `ord-${accountId}`) },
        doc: { S: `{"accountId":"${accountId}",` },
      },
    }),
  );

/** The items of the run's batches, as a Scan sees them. */
const runItems = async (table: Table) => (await scanAll(table)).filter((i) => i.pk?.S?.startsWith('RUN#'));

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
    // assert: the Map gets batch numbers; each batch's accounts are an item of the run
    expect(output.accountCount).toBe(3);
    expect(output.runId).toBe('scheduled-2026-06');
    expect(output.batches).toEqual([
      { ...SCHEDULED_JUNE, batch: 0 },
      { ...SCHEDULED_JUNE, batch: 1 },
    ]);
    expect(await getBatch(table, 'scheduled-2026-06', 0)).toEqual({
      runId: 'scheduled-2026-06',
      batch: 0,
      accounts: ['acc-a', 'acc-b'],
    });
    expect(await getBatch(table, 'scheduled-2026-06', 1)).toEqual({
      runId: 'scheduled-2026-06',
      batch: 1,
      accounts: ['acc-c'],
    });
    await expect(getBatch(table, 'scheduled-2026-06', 2)).rejects.toThrow(MissingBatchError);
    expect((await runItems(table)).map((i) => [i.pk?.S, i.sk?.S])).toEqual([
      ['RUN#scheduled-2026-06', 'BATCH#00000'],
      ['RUN#scheduled-2026-06', 'BATCH#00001'],
    ]);
  });

  it('planAccounts names the same accounts and run id, and writes nothing', async () => {
    // arrange
    const { table } = await tables.fresh();
    for (const o of [order('acc-c', '2026-06-01'), order('acc-a', '2026-05-20'), order('acc-d', '2026-07-01')]) {
      await putOrder(table, o);
    }
    await putCorruptOrder(table, 'acc-bad');
    const writeUnits = table.meter.writeUnits;
    // act
    const planned = await planAccounts(settingsFor(table), { month: '2026-06', reason: 'scheduled', requestedBy: 'x' });
    // assert: an unreadable order's account is named too (it fails alone in its batch)
    expect(planned).toEqual({
      input: { month: '2026-06', reason: 'scheduled', requestedBy: 'x' },
      runId: 'scheduled-2026-06',
      accounts: ['acc-a', 'acc-bad', 'acc-c'],
    });
    expect(table.meter.writeUnits).toBe(writeUnits);
    expect(await runItems(table)).toEqual([]);
    // plan, on the same table, does write: the meter sees it
    await plan(settingsFor(table), { month: '2026-06', reason: 'scheduled', requestedBy: 'x' });
    expect(table.meter.writeUnits).toBeGreaterThan(writeUnits);
    expect(await runItems(table)).toHaveLength(2);
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
    expect(output.runId).toMatch(/^recalculation-2026-06-/);
    expect(output.batches).toEqual([
      {
        runId: output.runId,
        batch: 0,
        month: '2026-06',
        reason: 'recalculation',
        requestedBy: 'ops@example',
        note: 'exclusion ex-9 added',
      },
    ]);
    expect((await getBatch(table, output.runId, 0)).accounts).toEqual(['acc-b']);
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
  it('evaluates every account alone: a corrupt order record fails its account, not the batch; the outcome is stored with the batch', async () => {
    // arrange: acc-a healthy-but-unobserved, acc-b with a 44-minute outage, acc-bad with a corrupt record
    const { table } = await tables.fresh();
    await putOrder(table, order('acc-a', '2026-06-01'));
    await putOrder(table, order('acc-b', '2026-06-01'));
    await putCorruptOrder(table, 'acc-bad');
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
    // the batch as plan writes it: its accounts sorted
    await putBatch(table, 'scheduled-2026-06', 0, ['acc-a', 'acc-b', 'acc-bad'], NOW);
    // act
    const output = await evaluateBatch(settingsFor(table), { ...SCHEDULED_JUNE, batch: 0 });
    // assert
    expect(output.evaluated).toBe(2);
    expect(output.newVersions).toBe(2);
    expect(output.tiers).toEqual({ met: 1, tier10: 1, tier25: 0, tier100: 0 });
    expect(output.voucherFen).toBe(3000);
    expect(output.failedCount).toBe(1);
    expect(output.failed).toEqual([{ accountId: 'acc-bad', error: expect.stringContaining('acc-bad') }]);
    expect(output.coverageGapCount).toBe(2);
    expect(output.coverageGaps).toEqual(['acc-a/ord-acc-a/2026-06', 'acc-b/ord-acc-b/2026-06']);
    expect(await getBatch(table, 'scheduled-2026-06', 0)).toEqual({
      runId: 'scheduled-2026-06',
      batch: 0,
      accounts: ['acc-a', 'acc-b', 'acc-bad'],
      outcome: {
        evaluated: 2,
        newVersions: 2,
        failed: output.failed,
        coverageGaps: output.coverageGaps,
        finishedAt: NOW.toISOString(),
      },
    });
  });

  it(`lists the first ${LISTED_PER_BATCH} failures and coverage gaps, counts them all, and stores them all`, async () => {
    // arrange: one batch of 25 accounts with corrupt order records and 22 unobserved ones
    const { table } = await tables.fresh();
    const corrupt = Array.from({ length: 25 }, (_, k) => `bad-${String(k).padStart(2, '0')}`);
    const unobserved = Array.from({ length: 22 }, (_, k) => `acc-${String(k).padStart(2, '0')}`);
    for (const accountId of corrupt) await putCorruptOrder(table, accountId);
    for (const accountId of unobserved) await putOrder(table, order(accountId, '2026-06-01'));
    const planned = await plan(settingsFor(table, 100), {
      month: '2026-06',
      reason: 'scheduled',
      requestedBy: 'schedule',
    });
    expect(planned.batches).toHaveLength(1);
    // act
    const output = await evaluateBatch(settingsFor(table, 100), { ...SCHEDULED_JUNE, batch: 0 });
    // assert: the state carries 20 of each, with the counts
    expect(output.evaluated).toBe(22);
    expect(output.failedCount).toBe(25);
    expect(output.failed.map((f) => f.accountId)).toEqual(corrupt.slice(0, LISTED_PER_BATCH));
    expect(output.coverageGapCount).toBe(22);
    expect(output.coverageGaps).toEqual(unobserved.slice(0, LISTED_PER_BATCH).map((a) => `${a}/ord-${a}/2026-06`));
    // the batch record holds every one
    const { outcome } = await getBatch(table, 'scheduled-2026-06', 0);
    expect(outcome?.failed.map((f) => f.accountId)).toEqual(corrupt);
    expect(outcome?.failed.every((f) => f.error.includes(f.accountId))).toBe(true);
    expect(outcome?.coverageGaps).toEqual(unobserved.map((a) => `${a}/ord-${a}/2026-06`));
    expect(outcome).toMatchObject({ evaluated: 22, newVersions: 22 });
  });

  it('refuses a batch that was never planned', async () => {
    const { table } = await tables.fresh();
    await putOrder(table, order('acc-a', '2026-06-01'));
    await expect(evaluateBatch(settingsFor(table), { ...SCHEDULED_JUNE, batch: 0 })).rejects.toThrow(MissingBatchError);
  });
});

describe('summarise', () => {
  const batch = (over: Partial<BatchOutput>): BatchOutput => ({
    evaluated: 0,
    newVersions: 0,
    tiers: { met: 0, tier10: 0, tier25: 0, tier100: 0 },
    voucherFen: 0,
    coverageGapCount: 0,
    coverageGaps: [],
    failedCount: 0,
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
            coverageGapCount: 1,
            coverageGaps: ['a/o/2026-09'],
          }),
          batch({
            evaluated: 1,
            tiers: { met: 0, tier10: 0, tier25: 0, tier100: 1 },
            voucherFen: 10000,
            failedCount: 1,
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
      coverageGapCount: 1,
      coverageGaps: ['a/o/2026-09'],
      failedCount: 1,
      failed: [{ accountId: 'x', error: 'corrupt' }],
      opensAt: '2026-10-13T16:00:00.000Z',
    });
  });

  it(`sums the counts and lists the first ${LISTED_IN_SUMMARY} failures and gaps, in batch order`, () => {
    // arrange: three batches, each listing 20 of its 25 failures and 20 of its 30 gaps
    const listed = (b: number) => ({
      failedCount: 25,
      failed: Array.from({ length: LISTED_PER_BATCH }, (_, k) => ({ accountId: `f-${b}-${k}`, error: 'corrupt' })),
      coverageGapCount: 30,
      coverageGaps: Array.from({ length: LISTED_PER_BATCH }, (_, k) => `g-${b}-${k}/o/2026-09`),
    });
    const batches = [0, 1, 2].map((b) => batch({ evaluated: 30, ...listed(b) }));
    // act
    const summary = summarise({ timeZone: 'Asia/Shanghai' }, { month: '2026-09', runId: 'r', batches });
    // assert
    expect(summary.evaluated).toBe(90);
    expect(summary.failedCount).toBe(75);
    expect(summary.coverageGapCount).toBe(90);
    expect(summary.failed).toEqual(batches.flatMap((b) => b.failed).slice(0, LISTED_IN_SUMMARY));
    expect(summary.failed).toHaveLength(LISTED_IN_SUMMARY);
    expect(summary.failed.at(-1)?.accountId).toBe('f-2-9');
    expect(summary.coverageGaps).toEqual(batches.flatMap((b) => b.coverageGaps).slice(0, LISTED_IN_SUMMARY));
    expect(summary.coverageGaps).toHaveLength(LISTED_IN_SUMMARY);
  });
});
