// The month-end under DynamoDB faults: throttling and 5xx injected into the SDK client during the
// evaluation end in the same stored results as a clean run; an account whose evaluation exhausts
// the SDK's retries, or whose record is corrupt, fails alone and a clean re-run completes it with
// one version; a second scheduled run of the same month changes nothing. The run's batch records
// (RUN#<runId>, written by Plan, read and completed by EvaluateBatch) are the batch's, not an
// account's: a fault there that exhausts the retries fails the batch, and a re-run completes it.
// They are written once: the same run id planned again with other accounts is refused.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_DEV = 'true';
});

// Before aws-local-stepfunctions: Node 20 has no Promise.withResolvers.
import '../support/promise-with-resolvers.ts';

import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { type RunOptions, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { ORDER_PK, orderSk, resultLatestSk, resultPk, runPk } from '#adapters/dynamodb/keys.ts';
import { type LocalDynamo, startLocalDynamo } from '#adapters/dynamodb/local-dynamodb.ts';
import { type OrderRecord, putOrder } from '#adapters/dynamodb/registry-repository.ts';
import { listResults, type StoredResult } from '#adapters/dynamodb/result-repository.ts';
import { BatchConflictError, getBatch } from '#adapters/dynamodb/run-repository.ts';
import { localClientConfig, type Table } from '#adapters/dynamodb/table.ts';
import { drainQueue, type LocalSqs, startLocalSqs } from '#adapters/sqs/local-sqs.ts';
import type { NoticeMessage } from '#adapters/sqs/notice-queue.ts';
import type {
  BatchInput,
  BatchOutput,
  MonthEndOutput,
  NotifyInput,
  NotifyOutput,
  SummaryOutput,
} from '#month-end/contracts.ts';
import { evaluateBatch, type MonthEndSettings, plan, summarise } from '#month-end/month-end-steps.ts';
import { makeHandler as makeEvaluateBatch } from '../../functions/month-end-evaluate-batch.ts';
import { makeHandler as makeNotifyBatch } from '../../functions/month-end-notify-batch.ts';
import { makeHandler as makePlan } from '../../functions/month-end-plan.ts';
import { makeHandler as makeSummarise, type SummariseInput } from '../../functions/month-end-summarise.ts';
import { synthesizeMonthEnd } from '../../infra/month-end-definition.ts';
import { MONTH_END_SERVICES, MONTH_END_STATES } from '../../infra/stacks/month-end-stack.ts';
import { CONTRACTS } from '../support/cli.ts';
import { scanAll, tableFactory } from '../support/dynamo.ts';
import { type Attempt, type FaultPlan, type FaultyTable, makeFaultyTable } from '../support/faulty-dynamodb.ts';
import { loadScenario } from '../support/store-scenario.ts';

let dynamo: LocalDynamo | undefined;
const tables = tableFactory(() => {
  if (!dynamo) throw new Error('dynalite is not started');
  return dynamo;
}, 'faults');
const faulty: FaultyTable[] = [];
let sqs: LocalSqs | undefined;

beforeAll(async () => {
  dynamo = await startLocalDynamo('faults-0');
});

afterEach(async () => {
  await sqs?.close();
  sqs = undefined;
});

afterAll(async () => {
  for (const t of faulty) t.client.destroy();
  tables.destroy();
  await dynamo?.close();
});

const ZONE = 'Asia/Shanghai';
const MONTH = '2026-06';
/** the SDK's attempts per operation, as the local client is configured */
const MAX_ATTEMPTS = localClientConfig('http://127.0.0.1:1').maxAttempts as number;
const JUNE = { month: MONTH, reason: 'scheduled', requestedBy: 'schedule' } as const;
const RUN_ID = `scheduled-${MONTH}`;

interface Scenario {
  orders: OrderRecord[];
  probes: unknown[];
}

const example = JSON.parse(
  readFileSync(join(CONTRACTS, 'examples', 'june-43-vs-44.scenario.json'), 'utf8'),
) as Scenario;

/** Ten more accounts with June service months and outages of 0..90 minutes, so several batches run. */
const generated = (): Scenario => {
  const orders: OrderRecord[] = [];
  const probes: unknown[] = [];
  for (let k = 0; k < 10; k++) {
    const accountId = `gen-${String(k).padStart(2, '0')}`;
    orders.push({
      accountId,
      orderId: `ord-${accountId}`,
      startDate: k % 3 === 0 ? '2026-05-01' : '2026-06-01',
      months: k % 3 === 0 ? 3 : 1,
      cashPaid: `${100 + 50 * k}.00`,
    });
    const outage = 10 * k;
    for (let m = 0; m < outage + 5; m++) {
      const at = new Date(Date.parse('2026-06-12T10:00:05+08:00') + 60_000 * m);
      probes.push({ accountId, function: 'publish', at: at.toISOString(), ok: m >= outage, cause: 'platform' });
    }
  }
  return { orders, probes };
};

const SCENARIO: Scenario = {
  orders: [...example.orders, ...generated().orders],
  probes: [...example.probes, ...generated().probes],
};
const ACCOUNTS = [...new Set(SCENARIO.orders.map((o) => o.accountId))].sort();

const load = (table: Table): Promise<void> => loadScenario(table, SCENARIO, ZONE);

const settingsFor = (table: Table): MonthEndSettings => ({
  table,
  timeZone: ZONE,
  batchSize: 4,
  maintenanceMinNoticeHours: 0,
  coverageMinPercent: 90,
  now: () => new Date('2026-07-01T02:00:05+08:00'),
});

/** The month-end's steps in order, as the state machine runs them: plan, each batch, summarise. */
const runMonth = async (
  table: Table,
): Promise<{ batches: BatchOutput[]; summary: SummaryOutput; plans: string[][] }> => {
  const settings = settingsFor(table);
  const planned = await plan(settings, JUNE);
  const batches: BatchOutput[] = [];
  for (const batch of planned.batches) batches.push(await evaluateBatch(settings, batch));
  const plans: string[][] = [];
  for (const batch of planned.batches) plans.push([...(await getBatch(table, planned.runId, batch.batch)).accounts]);
  return {
    batches,
    summary: summarise(settings, { month: planned.month, runId: planned.runId, batches }),
    plans,
  };
};

/** Every stored version of every account's June, by account. */
const storedResults = async (table: Table): Promise<Record<string, StoredResult[]>> => {
  const all: Record<string, StoredResult[]> = {};
  for (const accountId of ACCOUNTS) all[accountId] = await listResults(table, accountId, MONTH);
  return all;
};

/** The result items (versions and LATEST pointers) of the table, as a Scan sees them. */
const resultItems = async (table: Table) => (await scanAll(table)).filter((i) => i.pk?.S?.startsWith('RESULT#'));

const faultyTwin = async (plan: FaultPlan) => {
  const { table } = await tables.fresh();
  await load(table);
  if (!dynamo) throw new Error('dynalite is not started');
  const injected = makeFaultyTable(dynamo.endpoint, table.name, plan);
  faulty.push(injected);
  return { clean: table, faulty: injected };
};

/** The stored results of a clean run of the scenario, computed once. */
let reference: { results: Record<string, StoredResult[]>; items: Awaited<ReturnType<typeof resultItems>> } | undefined;
let referenceSummary: SummaryOutput | undefined;
const cleanReference = async () => {
  if (!reference) {
    const { table } = await tables.fresh();
    await load(table);
    const run = await runMonth(table);
    referenceSummary = run.summary;
    reference = { results: await storedResults(table), items: await resultItems(table) };
  }
  return reference;
};

type Item = Awaited<ReturnType<typeof scanAll>>[number];
const isBatchRecord = (item: Item): boolean => item.pk?.S === runPk(RUN_ID);
/** The newVersions a batch record's outcome holds. */
const recordedNewVersions = (item: Item): number =>
  (JSON.parse(item.outcome?.S ?? '{}') as { newVersions: number }).newVersions;

const mentions = (attempt: Attempt, text: string): boolean => JSON.stringify(attempt.input).includes(text);
/** The failed accounts the run's batch records hold, in batch order. */
const recordedFailures = async (table: Table, batches: number) => {
  const failed: { accountId: string; error: string }[] = [];
  for (let b = 0; b < batches; b++) failed.push(...((await getBatch(table, RUN_ID, b)).outcome?.failed ?? []));
  return failed;
};

/** An attempt on the run's batch records (Plan's batches, EvaluateBatch's outcome), which name many accounts. */
const onBatchRecord = (attempt: Attempt): boolean => mentions(attempt, runPk(RUN_ID));
/** The accounts an attempt names. */
const accountsNamed = (attempt: Attempt): Set<string> =>
  new Set(JSON.stringify(attempt.input).match(/(acc|gen)-\d\d/g) ?? []);
/**
 * An attempt of one account's own evaluation: it names that account alone, and is not about the
 * batch (its record, or a read for all its accounts at once).
 */
const ownRequestOf = (attempt: Attempt, accountId?: string): boolean => {
  const named = accountsNamed(attempt);
  return named.size === 1 && (accountId === undefined || named.has(accountId)) && !onBatchRecord(attempt);
};

describe('the month-end under injected DynamoDB faults', () => {
  it('a clean run stores one version per service month, across several batches', async () => {
    const ref = await cleanReference();
    expect(referenceSummary?.failed).toEqual([]);
    expect(referenceSummary?.evaluated).toBe(ACCOUNTS.length);
    for (const accountId of ACCOUNTS) {
      expect(
        ref.results[accountId]?.map((r) => r.version),
        accountId,
      ).toEqual([1]);
    }
    // the reference itself is right: the contract example's tiers
    expect(ref.results['acc-43']?.[0]?.report).toMatchObject({ unavailableMinutes: 43, compensationPercent: 0 });
    expect(ref.results['acc-44']?.[0]?.report).toMatchObject({ unavailableMinutes: 44, compensationPercent: 10 });
    expect(referenceSummary).toMatchObject({ failedCount: 0, coverageGapCount: referenceSummary?.coverageGaps.length });
  });

  it.each([
    [0.2, 20260601],
    [0.3, 7],
  ])(
    'throttling and 5xx at rate %d (seed %d) are retried by the SDK: the same stored results as a clean run',
    async (rate, seed) => {
      // arrange
      const ref = await cleanReference();
      const twin = await faultyTwin({ rate, seed, maxConsecutive: MAX_ATTEMPTS - 1 });
      // act
      const run = await runMonth(twin.faulty);
      // assert: faults were injected, of every kind, and the SDK retried them to success
      const { faults } = twin.faulty;
      expect(faults.injected.ProvisionedThroughputExceededException).toBeGreaterThan(0);
      expect(faults.injected.ThrottlingException).toBeGreaterThan(0);
      expect(faults.injected.InternalServerError).toBeGreaterThan(0);
      expect(faults.succeededAfterRetry).toBeGreaterThan(0);
      expect(faults.exhausted).toEqual([]);
      expect(run.plans.length).toBeGreaterThan(1);
      expect(run.summary).toEqual(referenceSummary);
      // the same service months, report fields, fingerprints; one version each
      expect(await storedResults(twin.clean)).toEqual(ref.results);
      expect(await resultItems(twin.clean)).toEqual(ref.items);
      console.info(
        `rate ${rate} seed ${seed}: injected ${JSON.stringify(faults.injected)} by command ${JSON.stringify(faults.byCommand)}; ` +
          `${faults.succeededAfterRetry} operations succeeded after a retry; ${faults.passed} attempts reached dynalite`,
      );
    },
  );

  it('faults so frequent that some accounts exhaust the SDK retries: those fail alone, the others are stored; a clean re-run completes them with one version each', async () => {
    // arrange: 60 % of the attempts of an account's own evaluation fail, with no cap on faults in a row
    const ref = await cleanReference();
    const twin = await faultyTwin({
      rate: 0.6,
      seed: 99,
      target: (a) => ownRequestOf(a),
    });
    // act
    const faultyRun = await runMonth(twin.faulty);
    const afterFaulty = await storedResults(twin.clean);
    const recorded = await recordedFailures(twin.clean, faultyRun.plans.length);
    const rerun = await runMonth(twin.clean);
    // assert
    const failed = faultyRun.summary.failed.map((f) => f.accountId);
    console.info(
      `rate 0.6 seed 99: injected ${JSON.stringify(twin.faulty.faults.injected)}; ` +
        `${twin.faulty.faults.exhausted.length} operations exhausted ${MAX_ATTEMPTS} attempts; failed ${failed.join(', ')}`,
    );
    expect(twin.faulty.faults.exhausted.length).toBeGreaterThan(0);
    expect(twin.faulty.faults.exhausted.every((e) => e.attempts === MAX_ATTEMPTS)).toBe(true);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length).toBeLessThan(ACCOUNTS.length);
    expect(faultyRun.summary.evaluated).toBe(ACCOUNTS.length - failed.length);
    expect(faultyRun.summary.failedCount).toBe(failed.length);
    // the batch records name every failed account, with its reason
    expect(recorded).toEqual(faultyRun.batches.flatMap((b) => b.failed));
    for (const accountId of ACCOUNTS.filter((a) => !failed.includes(a))) {
      expect(afterFaulty[accountId], accountId).toEqual(ref.results[accountId]);
    }
    expect(rerun.summary.failed).toEqual([]);
    expect(await storedResults(twin.clean)).toEqual(ref.results);
    expect(await resultItems(twin.clean)).toEqual(ref.items);
  });

  it('an account whose every request fails exhausts the SDK retries and fails alone; a clean re-run completes it with one version', async () => {
    // arrange: every attempt of acc-44's own evaluation fails; nothing else does
    const ref = await cleanReference();
    const twin = await faultyTwin({ rate: 1, seed: 44, target: (a) => ownRequestOf(a, 'acc-44') });
    // act
    const faultyRun = await runMonth(twin.faulty);
    const afterFaulty = await storedResults(twin.clean);
    const rerun = await runMonth(twin.clean);
    // assert
    expect(faultyRun.batches.flatMap((b) => b.failed)).toEqual([
      { accountId: 'acc-44', error: expect.stringMatching(/throughput|Internal server error/) },
    ]);
    expect(faultyRun.summary.evaluated).toBe(ACCOUNTS.length - 1);
    expect(twin.faulty.faults.exhausted.length).toBeGreaterThan(0);
    expect(twin.faulty.faults.exhausted[0]?.attempts).toBe(MAX_ATTEMPTS);
    expect(afterFaulty['acc-44']).toEqual([]);
    for (const accountId of ACCOUNTS.filter((a) => a !== 'acc-44')) {
      expect(afterFaulty[accountId], accountId).toEqual(ref.results[accountId]);
    }
    expect(rerun.summary).toMatchObject({ evaluated: ACCOUNTS.length, newVersions: 1, failed: [] });
    expect(await storedResults(twin.clean)).toEqual(ref.results);
    expect(await resultItems(twin.clean)).toEqual(ref.items);
  });

  it('an account whose LATEST pointer write exhausts the retries (its version written) fails alone; a clean re-run adds no second version', async () => {
    // arrange: only the pointer put of acc-43 fails, after its version item is stored
    const ref = await cleanReference();
    const latestSk = resultLatestSk(MONTH, 'ord-43');
    const twin = await faultyTwin({
      rate: 1,
      seed: 43,
      target: (a) => a.command === 'PutItemCommand' && mentions(a, latestSk),
    });
    // act
    const faultyRun = await runMonth(twin.faulty);
    const itemsAfterFaulty = (await resultItems(twin.clean)).filter((i) => i.pk?.S === resultPk('acc-43'));
    const rerun = await runMonth(twin.clean);
    // assert
    expect(faultyRun.batches.flatMap((b) => b.failed).map((f) => f.accountId)).toEqual(['acc-43']);
    expect(itemsAfterFaulty.map((i) => i.sk?.S)).toEqual([`${MONTH}#ord-43#V#000001`]);
    expect(rerun.summary).toMatchObject({ evaluated: ACCOUNTS.length, failed: [] });
    expect((await storedResults(twin.clean))['acc-43']?.map((r) => r.version)).toEqual([1]);
    expect(await storedResults(twin.clean)).toEqual(ref.results);
    expect(await resultItems(twin.clean)).toEqual(ref.items);
  });

  it('a batch whose outcome write exhausts the retries fails as a whole (its results stored); a clean re-run records the outcome and adds no version', async () => {
    // arrange: every UpdateItem on the run's batch records fails
    const ref = await cleanReference();
    const twin = await faultyTwin({
      rate: 1,
      seed: 8,
      target: (a) => a.command === 'UpdateItemCommand' && onBatchRecord(a),
    });
    // act
    const faultyRun = runMonth(twin.faulty);
    await expect(faultyRun).rejects.toThrow(/throughput|Internal server error|Rate of requests/);
    const afterFaulty = await storedResults(twin.clean);
    const rerun = await runMonth(twin.clean);
    // assert: the first batch's accounts were evaluated and stored before the outcome write
    const firstBatch = rerun.plans[0] ?? [];
    expect(firstBatch.length).toBeGreaterThan(0);
    for (const accountId of firstBatch) expect(afterFaulty[accountId], accountId).toEqual(ref.results[accountId]);
    expect(twin.faulty.faults.exhausted.map((e) => e.command)).toEqual(['UpdateItemCommand']);
    expect(rerun.summary).toMatchObject({ evaluated: ACCOUNTS.length, failedCount: 0 });
    expect(rerun.summary.newVersions).toBe(ACCOUNTS.length - firstBatch.length);
    expect((await getBatch(twin.clean, RUN_ID, 0)).outcome).toMatchObject({
      evaluated: firstBatch.length,
      newVersions: 0,
    });
    expect(await storedResults(twin.clean)).toEqual(ref.results);
    expect(await resultItems(twin.clean)).toEqual(ref.items);
  });

  /** PutItem attempts that reach dynalite, and whose answers are replaced by a 500 half the time */
  const lostAnswers = (): FaultPlan => ({
    rate: 0.5,
    seed: 500,
    maxConsecutive: MAX_ATTEMPTS - 1,
    afterDelivery: true,
    target: (a) => a.command === 'PutItemCommand',
  });

  it('5xx after delivery on writes (the write done, its answer lost): the same stored results as a clean run', async () => {
    // arrange
    const ref = await cleanReference();
    const twin = await faultyTwin(lostAnswers());
    // act
    const run = await runMonth(twin.faulty);
    // assert: each retried conditional put meets its own first attempt's item
    console.info(
      `after delivery, rate 0.5 seed 500: injected ${JSON.stringify(twin.faulty.faults.injected)}; ` +
        `other errors ${JSON.stringify(twin.faulty.faults.otherErrors)}; newVersions ${run.summary.newVersions}`,
    );
    expect(twin.faulty.faults.injected.InternalServerError).toBeGreaterThan(0);
    expect(twin.faulty.faults.otherErrors.ConditionalCheckFailedException).toBeGreaterThan(0);
    expect(twin.faulty.faults.exhausted).toEqual([]);
    expect(run.summary.failed).toEqual([]);
    expect(run.summary.evaluated).toBe(ACCOUNTS.length);
    expect(await storedResults(twin.clean)).toEqual(ref.results);
    expect(await resultItems(twin.clean)).toEqual(ref.items);
  });

  // When the LATEST pointer put's answer is lost and the SDK retries it, the retry fails its own
  // condition on the pointer the first attempt wrote: recordResult re-reads the pointer and counts
  // the version as its own when the pointer is it.
  it('5xx after delivery on writes: the summary counts every new version, as a clean run does', async () => {
    await cleanReference();
    const twin = await faultyTwin(lostAnswers());
    const run = await runMonth(twin.faulty);
    expect(run.summary).toEqual(referenceSummary);
  });

  it('a corrupt account record fails that account alone, under faults too', async () => {
    // arrange: acc-45's order item holds a document cut short
    const ref = await cleanReference();
    const twin = await faultyTwin({ rate: 0.25, seed: 45, maxConsecutive: MAX_ATTEMPTS - 1 });
    await twin.clean.client.send(
      new PutItemCommand({
        TableName: twin.clean.name,
        Item: {
          pk: { S: ORDER_PK },
          sk: { S: orderSk('acc-45', 'ord-45') },
          doc: { S: '{"accountId":"acc-45","orderId":"ord-45","startDate":"2026-06-01","months":1,"cashPai' },
        },
      }),
    );
    // act
    const run = await runMonth(twin.faulty);
    // assert
    expect(twin.faulty.injectedTotal()).toBeGreaterThan(0);
    expect(run.plans.flat()).toContain('acc-45');
    expect(run.summary.failed).toEqual([{ accountId: 'acc-45', error: expect.stringContaining('acc-45/ord-45') }]);
    expect(run.summary.failedCount).toBe(1);
    expect(run.summary.evaluated).toBe(ACCOUNTS.length);
    expect(await storedResults(twin.clean)).toEqual(ref.results);
    expect(await listResults(twin.clean, 'acc-45', MONTH)).toEqual([]);
  });

  it('a second scheduled run of the same month, under faults, changes nothing', async () => {
    // arrange
    const twin = await faultyTwin({ rate: 0.25, seed: 2026, maxConsecutive: MAX_ATTEMPTS - 1 });
    const first = await runMonth(twin.faulty);
    const before = await scanAll(twin.clean);
    const injectedBefore = twin.faulty.injectedTotal();
    // act
    const second = await runMonth(twin.faulty);
    // assert
    expect(first.summary).toMatchObject({ newVersions: ACCOUNTS.length, failed: [] });
    expect(twin.faulty.injectedTotal()).toBeGreaterThan(injectedBefore);
    expect(second.summary).toEqual({ ...first.summary, newVersions: 0 });
    expect(second.plans).toEqual(first.plans);
    // not one item changed: the same runId finds its batches planned with the same accounts and their
    // outcomes recorded, and keeps both — the first run's outcomes, newVersions included
    expect(await scanAll(twin.clean)).toEqual(before);
    const records = before.filter(isBatchRecord);
    expect(records).toHaveLength(first.plans.length);
    expect(records.reduce((n, i) => n + recordedNewVersions(i), 0)).toBe(ACCOUNTS.length);
  });
});

describe('the run’s batch records: one plan per run id', () => {
  it('the same run id planned again with other accounts in a batch: BatchConflictError naming the run and the batch; the records stay as they were', async () => {
    // arrange: June evaluated in batches of 4; then an order of gen-03x, which sorts into batch 1
    const { table } = await tables.fresh();
    await load(table);
    const first = await runMonth(table);
    expect(first.plans[0]).toEqual(['acc-43', 'acc-44', 'gen-00', 'gen-01']);
    expect(first.plans[1]).toEqual(['gen-02', 'gen-03', 'gen-04', 'gen-05']);
    await putOrder(table, {
      accountId: 'gen-03x',
      orderId: 'ord-gen-03x',
      startDate: '2026-06-01',
      months: 1,
      cashPaid: '300.00',
    });
    const before = await scanAll(table);
    const batch1 = await getBatch(table, RUN_ID, 1);
    // act
    const again = plan(settingsFor(table), JUNE);
    // assert: batch 0 has the same accounts (kept); batch 1 has others
    await expect(again).rejects.toThrow(BatchConflictError);
    await expect(again).rejects.toMatchObject({
      name: 'BatchConflictError',
      message: expect.stringMatching(new RegExp(`^run ${RUN_ID} was planned before with other accounts in batch 1\\b`)),
    });
    expect(await scanAll(table)).toEqual(before);
    expect(await getBatch(table, RUN_ID, 1)).toEqual(batch1);
    expect(batch1.accounts).toEqual(first.plans[1]);
    expect(batch1.outcome).toMatchObject({ evaluated: 4, newVersions: 4, failed: [] });
  });
});

// ---------------------------------------------------------------------------------------------
// the synthesized state machine, run locally with the real handlers (as month-end-workflow.test.ts)

type LocalHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type LocalHandler = LocalHandlers[string];
type JsonValue = Parameters<LocalHandler>[0];

interface Synthesized {
  readonly definition: StateMachineDefinition;
  readonly functions: Record<string, { arn: string; environment: Record<string, string> }>;
}

/** The app as `cdk synth` builds it, bundling skipped (infra/month-end-definition.ts, as the build). */
const synthesize = (): Synthesized => {
  const { definition, functions } = synthesizeMonthEnd();
  return { definition: definition as unknown as StateMachineDefinition, functions };
};

/** NotifyBatch's clock: June's claim windows opened at 2026-07-08 00:00 +08:00 (the Wait is 0 here). */
const AFTER_WINDOWS_OPEN = new Date('2026-07-08T09:00:00+08:00');

const asJson = (value: unknown): JsonValue => JSON.parse(JSON.stringify(value ?? null)) as JsonValue;

const lambdaTask =
  (functionArn: string, handler: (payload: unknown) => Promise<unknown>): LocalHandler =>
  async (input) => {
    const request = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
    if (request.FunctionName !== functionArn) throw new Error(`the state invokes ${String(request.FunctionName)}`);
    return { Payload: asJson(await handler(asJson(request.Payload))), StatusCode: 200 };
  };

/** Runs the synthesized definition with the handlers on `table`, notices to `queue`; its output, or the error. */
const executeMonth = async (
  synthesized: Synthesized,
  table: Table,
  queue: LocalSqs['queue'],
): Promise<MonthEndOutput> => {
  const fn = (service: string) => {
    const found = synthesized.functions[service];
    if (found === undefined) throw new Error(`no function ${service}`);
    return found;
  };
  const env = (service: string, name: string): string => {
    const value = fn(service).environment[name];
    if (value === undefined) throw new Error(`${service} has no ${name}`);
    return value;
  };
  const settingsOf = (service: string): MonthEndSettings => ({
    ...settingsFor(table),
    timeZone: env(service, 'POLICY_TIME_ZONE'),
    batchSize: 4,
    maintenanceMinNoticeHours: Number(env(service, 'MAINTENANCE_MIN_NOTICE_HOURS')),
    coverageMinPercent: Number(env(service, 'COVERAGE_MIN_PERCENT')),
  });
  const planHandler = makePlan(() => settingsOf(MONTH_END_SERVICES.plan));
  const evaluateHandler = makeEvaluateBatch(() => settingsOf(MONTH_END_SERVICES.evaluateBatch));
  const summariseHandler = makeSummarise(() => env(MONTH_END_SERVICES.summarise, 'POLICY_TIME_ZONE'));
  const notifyHandler = makeNotifyBatch(() => ({
    table,
    queue,
    timeZone: env(MONTH_END_SERVICES.notifyBatch, 'POLICY_TIME_ZONE'),
    now: () => AFTER_WINDOWS_OPEN,
  }));
  const machine = new StateMachine(synthesized.definition, {
    validationOptions: { checkArn: true, checkPaths: true },
  });
  const run = machine.run(asJson(JUNE), {
    overrides: {
      taskResourceLocalHandlers: {
        [MONTH_END_STATES.plan]: lambdaTask(fn(MONTH_END_SERVICES.plan).arn, (p) => planHandler(p)),
        [MONTH_END_STATES.evaluateBatch]: lambdaTask(fn(MONTH_END_SERVICES.evaluateBatch).arn, (p) =>
          evaluateHandler(p as BatchInput),
        ),
        [MONTH_END_STATES.summarise]: lambdaTask(fn(MONTH_END_SERVICES.summarise).arn, (p) =>
          summariseHandler(p as SummariseInput),
        ),
        [MONTH_END_STATES.notifyBatch]: lambdaTask(fn(MONTH_END_SERVICES.notifyBatch).arn, (p) =>
          notifyHandler(p as NotifyInput),
        ),
      },
      waitTimeOverrides: { [MONTH_END_STATES.waitForClaimWindows]: 0 },
      retryIntervalOverrides: { [MONTH_END_STATES.evaluateBatch]: 0, [MONTH_END_STATES.notifyBatch]: 0 },
    },
  });
  return (await run.result) as unknown as MonthEndOutput;
};

const drained = async (queue: LocalSqs['queue']): Promise<NoticeMessage[]> => {
  const messages: NoticeMessage[] = [];
  await drainQueue(queue, (m) => {
    messages.push(m);
  });
  return messages;
};

const sum = (notices: readonly NotifyOutput[], key: 'windowOpen' | 'corrections' | 'resent' | 'failedCount') =>
  notices.reduce((n, b) => n + b[key], 0);

describe('the synthesized month-end state machine, run locally through the faulty client', () => {
  // synthesizing the app takes seconds: once, outside the test's own time
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synthesize();
  });

  it('ends in the same stored results as a clean run, with one notice per compensated month; a second execution changes nothing', async () => {
    // arrange
    const ref = await cleanReference();
    const compensated = ACCOUNTS.flatMap((a) => ref.results[a] ?? []).filter((r) => r.report.compensationPercent > 0);
    const twin = await faultyTwin({ rate: 0.25, seed: 6, maxConsecutive: MAX_ATTEMPTS - 1 });
    sqs = await startLocalSqs();
    // act
    const first = await executeMonth(synthesized, twin.faulty, sqs.queue);
    const injectedFirst = twin.faulty.injectedTotal();
    const queuedByFirst = await drained(sqs.queue);
    const before = await scanAll(twin.clean);
    const second = await executeMonth(synthesized, twin.faulty, sqs.queue);
    // assert
    console.info(
      `state machine, rate 0.25 seed 6: first execution injected ${injectedFirst}, both ${JSON.stringify(twin.faulty.faults.injected)}; ` +
        `${twin.faulty.faults.succeededAfterRetry} operations succeeded after a retry`,
    );
    expect(injectedFirst).toBeGreaterThan(0);
    expect(twin.faulty.faults.succeededAfterRetry).toBeGreaterThan(0);
    expect(twin.faulty.faults.exhausted).toEqual([]);
    expect(first.summary).toEqual(referenceSummary);
    expect(await storedResults(twin.clean)).toEqual(ref.results);
    expect(await resultItems(twin.clean)).toEqual(ref.items);
    // the notices: one window-open per compensated service month, each queued once
    expect(compensated.length).toBeGreaterThan(1);
    expect(first.notices).toHaveLength(Math.ceil(ACCOUNTS.length / 4));
    expect(sum(first.notices, 'windowOpen')).toBe(compensated.length);
    expect(sum(first.notices, 'resent') + sum(first.notices, 'corrections') + sum(first.notices, 'failedCount')).toBe(
      0,
    );
    expect(queuedByFirst.map((m) => m.notice.noticeId).sort()).toEqual(
      compensated.map((r) => `${r.report.accountId}/${r.report.orderId}/${MONTH}/window-open`),
    );
    for (const m of queuedByFirst) {
      expect(m.report, m.notice.noticeId).toEqual(ref.results[m.notice.accountId]?.[0]?.report);
    }
    // the second execution: nothing new, nothing queued, not one item changed (the batch records
    // keep the first execution's accounts and outcomes)
    expect(twin.faulty.injectedTotal()).toBeGreaterThan(injectedFirst);
    expect(second.summary).toEqual({ ...(referenceSummary as SummaryOutput), newVersions: 0 });
    expect(sum(second.notices, 'windowOpen') + sum(second.notices, 'resent')).toBe(0);
    expect(await drained(sqs.queue)).toEqual([]);
    expect(await scanAll(twin.clean)).toEqual(before);
    expect(before.filter(isBatchRecord).reduce((n, i) => n + recordedNewVersions(i), 0)).toBe(ACCOUNTS.length);
  });
});
