// The month-end workflow as deployed, run locally: the state machine definition synthesized by the
// CDK app (infra/app.ts, bundling skipped), its tokens resolved to fake ARNs, run by
// aws-local-stepfunctions. Each Lambda task state is bound, by state name, to the REAL handler
// module's makeHandler with settings from the function's synthesized environment, against a
// dynalite table and the embedded SQS API (the notice queue). CDK's LambdaInvoke is the optimized
// integration (`arn:aws:states:::lambda:invoke`, OutputPath $.Payload): the bound handler gets
// `{ FunctionName, Payload }` and answers `{ Payload, StatusCode: 200 }`, as Lambda does. The Wait
// for the claim windows is overridden to 0; NotifyBatch's clock is then a moment after they opened.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_DEV = 'true';
});

// Before aws-local-stepfunctions: Node 20 has no Promise.withResolvers.
import '../support/promise-with-resolvers.ts';

import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { SendMessageBatchCommandOutput, SendMessageBatchRequest } from '@aws-sdk/client-sqs';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import { ORDER_PK, orderSk } from '#adapters/dynamodb/keys.ts';
import { type LocalDynamo, startLocalDynamo } from '#adapters/dynamodb/local-dynamodb.ts';
import { listNotices } from '#adapters/dynamodb/notice-repository.ts';
import { putOrder } from '#adapters/dynamodb/registry-repository.ts';
import { listResults } from '#adapters/dynamodb/result-repository.ts';
import { getBatch } from '#adapters/dynamodb/run-repository.ts';
import type { Table } from '#adapters/dynamodb/table.ts';
import { drainQueue, type LocalSqs, startLocalSqs } from '#adapters/sqs/local-sqs.ts';
import { makeNoticeQueue, type NoticeMessage, type NoticeQueue } from '#adapters/sqs/notice-queue.ts';
import type {
  BatchInput,
  BatchOutput,
  MonthEndOutput,
  NotifyInput,
  NotifyOutput,
  PlanOutput,
} from '#month-end/contracts.ts';
import type { MonthEndSettings } from '#month-end/month-end-steps.ts';
import { makeHandler as makeEvaluateBatch } from '../../functions/month-end-evaluate-batch.ts';
import { makeHandler as makeNotifyBatch } from '../../functions/month-end-notify-batch.ts';
import { makeHandler as makePlan } from '../../functions/month-end-plan.ts';
import { makeHandler as makeSummarise, type SummariseInput } from '../../functions/month-end-summarise.ts';
import { synthesizeMonthEnd } from '../../infra/month-end-definition.ts';
import { MONTH_END_SERVICES, MONTH_END_STATES } from '../../infra/stacks/month-end-stack.ts';
import { CONTRACTS } from '../support/cli.ts';
import { tableFactory } from '../support/dynamo.ts';
import { loadScenario, type StoreScenario } from '../support/store-scenario.ts';

// ---------------------------------------------------------------------------------------------
// the synthesized definition

type LocalHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type LocalHandler = LocalHandlers[string];
type JsonValue = Parameters<LocalHandler>[0];
type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

interface Synthesized {
  readonly definition: StateMachineDefinition;
  /** each month-end function's fake ARN and synthesized environment, by Powertools service name */
  readonly functions: Record<string, { arn: string; environment: Record<string, string> }>;
}

/** Builds the app as `cdk synth` does (cdk.json's feature flags), bundling skipped: the same
 * code as the build's dist/month-end.asl.json (infra/month-end-definition.ts). */
const synthesize = (): Synthesized => {
  const { definition, functions } = synthesizeMonthEnd();
  return { definition: definition as unknown as StateMachineDefinition, functions };
};

// ---------------------------------------------------------------------------------------------
// the handlers, bound by state name

const NOW = new Date('2026-07-01T02:00:05+08:00');
/** NotifyBatch's clock: June's claim windows opened at 2026-07-08 00:00 +08:00 (the Wait is 0 here). */
const AFTER_WINDOWS_OPEN = new Date('2026-07-08T09:00:00+08:00');

const required = (environment: Record<string, string>, name: string): string => {
  const value = environment[name];
  if (value === undefined) throw new Error(`the synthesized function has no ${name}`);
  return value;
};

/** MonthEndSettings as functions/commons/month-end-settings.ts reads them, with the local table. */
const settingsOf = (
  environment: Record<string, string>,
  table: Table,
  overrides: Partial<MonthEndSettings>,
): MonthEndSettings => ({
  table,
  timeZone: required(environment, 'POLICY_TIME_ZONE'),
  batchSize: Number(required(environment, 'MONTH_END_BATCH_SIZE')),
  maintenanceMinNoticeHours: Number(required(environment, 'MAINTENANCE_MIN_NOTICE_HOURS')),
  coverageMinPercent: Number(required(environment, 'COVERAGE_MIN_PERCENT')),
  now: () => NOW,
  ...overrides,
});

/** What Lambda does with a payload both ways: JSON, nothing else survives. */
const asJson = (value: unknown): JsonValue => JSON.parse(JSON.stringify(value ?? null)) as JsonValue;

/** A LambdaInvoke state bound to a handler: checks the function it names, answers as Lambda does. */
const lambdaTask =
  (functionArn: string, handler: (payload: unknown) => Promise<unknown>): LocalHandler =>
  async (input) => {
    const request = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
    if (request.FunctionName !== functionArn) {
      throw new Error(`the state invokes ${String(request.FunctionName)}, expected ${functionArn}`);
    }
    const payload = await handler(asJson(request.Payload));
    return { Payload: asJson(payload), StatusCode: 200 };
  };

interface Binding {
  readonly table: Table;
  /** the notice queue NotifyBatch sends to */
  readonly queue: NoticeQueue;
  readonly settings?: Partial<MonthEndSettings>;
  /** NotifyBatch's clock; AFTER_WINDOWS_OPEN when absent */
  readonly noticeNow?: Date;
  /** runs before each EvaluateBatch invocation; a throw is what Lambda's failure looks like */
  readonly beforeEvaluateBatch?: () => void;
}

const handlersFor = (synthesized: Synthesized, binding: Binding): LocalHandlers => {
  const fn = (service: string) => {
    const found = synthesized.functions[service];
    if (found === undefined) throw new Error(`no function ${service}`);
    return found;
  };
  const plan = fn(MONTH_END_SERVICES.plan);
  const evaluate = fn(MONTH_END_SERVICES.evaluateBatch);
  const summarise = fn(MONTH_END_SERVICES.summarise);
  const notify = fn(MONTH_END_SERVICES.notifyBatch);
  const planHandler = makePlan(() => settingsOf(plan.environment, binding.table, binding.settings ?? {}));
  const evaluateHandler = makeEvaluateBatch(() =>
    settingsOf(evaluate.environment, binding.table, binding.settings ?? {}),
  );
  const summariseHandler = makeSummarise(() => required(summarise.environment, 'POLICY_TIME_ZONE'));
  // notifySettings() as the function reads them: TABLE_NAME and NOTICE_QUEUE_URL are the local ones
  const notifyHandler = makeNotifyBatch(() => ({
    table: binding.table,
    queue: binding.queue,
    timeZone: required(notify.environment, 'POLICY_TIME_ZONE'),
    now: () => binding.noticeNow ?? AFTER_WINDOWS_OPEN,
  }));
  return {
    [MONTH_END_STATES.plan]: lambdaTask(plan.arn, (payload) => planHandler(payload)),
    [MONTH_END_STATES.evaluateBatch]: lambdaTask(evaluate.arn, async (payload) => {
      binding.beforeEvaluateBatch?.();
      return evaluateHandler(payload as BatchInput);
    }),
    [MONTH_END_STATES.summarise]: lambdaTask(summarise.arn, (payload) => summariseHandler(payload as SummariseInput)),
    [MONTH_END_STATES.notifyBatch]: lambdaTask(notify.arn, (payload) => notifyHandler(payload as NotifyInput)),
  };
};

// ---------------------------------------------------------------------------------------------
// one execution, to its terminal status

type Status = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

interface Execution {
  readonly status: Status;
  readonly output?: unknown;
  readonly error?: string;
  readonly events: readonly EventLog[];
}

const collect = async (events: AsyncGenerator<EventLog>): Promise<EventLog[]> => {
  const all: EventLog[] = [];
  for await (const event of events) all.push(event);
  return all;
};

/** Runs the definition to its end; every terminal status is a result, never a hang. */
const execute = async (synthesized: Synthesized, binding: Binding, input: JsonValue): Promise<Execution> => {
  const machine = new StateMachine(synthesized.definition, {
    validationOptions: { checkArn: true, checkPaths: true },
  });
  const run = machine.run(input, {
    overrides: {
      taskResourceLocalHandlers: handlersFor(synthesized, binding),
      waitTimeOverrides: { [MONTH_END_STATES.waitForClaimWindows]: 0 },
      retryIntervalOverrides: { [MONTH_END_STATES.evaluateBatch]: 0, [MONTH_END_STATES.notifyBatch]: 0 },
    },
  });
  const events = collect(run.eventLogs);
  try {
    const output = await run.result;
    return { status: 'SUCCEEDED', output, events: await events };
  } catch (e) {
    const status: Status | undefined =
      e instanceof ExecutionError
        ? 'FAILED'
        : e instanceof ExecutionTimeoutError
          ? 'TIMED_OUT'
          : e instanceof ExecutionAbortedError
            ? 'ABORTED'
            : undefined;
    if (status === undefined) throw e;
    return { status, error: e instanceof Error ? e.message : String(e), events: await events };
  }
};

/** The status with the error beside it, so a failed execution says why in the assertion. */
const outcome = (execution: Execution) => ({ status: execution.status, error: execution.error });

const stateInputs = (execution: Execution, name: string): unknown[] =>
  execution.events.flatMap((e) => (e.type === 'StateEntered' && e.state.name === name ? [e.state.input] : []));

const stateOutputs = (execution: Execution, name: string): unknown[] =>
  execution.events.flatMap((e) => (e.type === 'StateExited' && e.state.name === name ? [e.state.output] : []));

/** NotifyBatch's inputs (the NotifyBatches Map's ItemSelector), in batch order. */
const notifyInputs = (execution: Execution): NotifyInput[] =>
  (stateInputs(execution, MONTH_END_STATES.notifyBatch) as NotifyInput[]).sort((a, b) => a.batch - b.batch);

/** The messages on the notice queue, received and deleted. */
const drained = async (queue: NoticeQueue): Promise<NoticeMessage[]> => {
  const messages: NoticeMessage[] = [];
  await drainQueue(queue, (m) => {
    messages.push(m);
  });
  return messages;
};

const noNotices: NotifyOutput = { windowOpen: 0, corrections: 0, resent: 0, failedCount: 0, failed: [] };

/**
 * The notice queue's client, whose first `refusals` SendMessageBatch calls the queue answers with
 * every entry failed for its own reasons (SenderFault false), as SQS does when it is unavailable.
 */
const refusingQueue = (sqs: LocalSqs, refusals: number): NoticeQueue & { refused: () => number } => {
  const queue = makeNoticeQueue(sqs.queue.url, {
    endpoint: sqs.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  let refused = 0;
  queue.client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'SendMessageBatchCommand' || refused >= refusals) return next(args);
      refused++;
      const entries = (args.input as SendMessageBatchRequest).Entries ?? [];
      const output: SendMessageBatchCommandOutput = {
        Successful: [],
        Failed: entries.map((e) => ({ Id: e.Id, SenderFault: false, Code: 'ServiceUnavailable', Message: 'injected' })),
        $metadata: {},
      };
      return { output, response: {} };
    },
    { step: 'initialize', name: 'refuseSendMessageBatch' },
  );
  return { ...queue, refused: () => refused };
};

// ---------------------------------------------------------------------------------------------
// fixtures

const ZONE = 'Asia/Shanghai';

type Scenario = StoreScenario;

const readJson = <T>(name: string): T => JSON.parse(readFileSync(join(CONTRACTS, 'examples', name), 'utf8')) as T;
const scenario = readJson<Scenario>('june-43-vs-44.scenario.json');
const expected = readJson<{ serviceMonths: (Record<string, unknown> & { accountId: string; month: string })[] }>(
  'june-43-vs-44.expected.json',
);

const load = (table: Table, scenario: Scenario): Promise<void> => loadScenario(table, scenario, ZONE);

const JUNE = { month: '2026-06', reason: 'scheduled', requestedBy: 'schedule' } as const;
const JUNE_BATCH = { ...JUNE, runId: 'scheduled-2026-06' } as const;
/** 2026-07-08 00:00 +08:00: the day after July's 5th business day */
const JUNE_OPENS_AT = '2026-07-07T16:00:00.000Z';

let dynamo: LocalDynamo | undefined;
const tables = tableFactory(() => {
  if (!dynamo) throw new Error('dynalite is not started');
  return dynamo;
}, 'month-end-workflow');
let synthesized: Synthesized;
let sqs: LocalSqs | undefined;

/** This test's notice queue (a fresh embedded SQS API per test). */
const localSqs = (): LocalSqs => {
  if (!sqs) throw new Error('the local SQS API is not started');
  return sqs;
};

beforeAll(async () => {
  dynamo = await startLocalDynamo('month-end-workflow-0');
  synthesized = synthesize();
});

beforeEach(async () => {
  sqs = await startLocalSqs();
});

afterEach(async () => {
  await sqs?.close();
  sqs = undefined;
});

afterAll(async () => {
  tables.destroy();
  await dynamo?.close();
});

// ---------------------------------------------------------------------------------------------

describe('the synthesized month-end state machine, run locally', () => {
  it('is what the build wrote to dist/month-end.asl.json (what sla recalc and sla pipeline run)', () => {
    const built = JSON.parse(readFileSync(new URL('../../dist/month-end.asl.json', import.meta.url), 'utf8'));
    expect(built).toEqual(synthesized);
  });

  it('is the workflow of the contract: Plan, a DISTRIBUTED Map of EvaluateBatch, Summarise, the Wait, a DISTRIBUTED Map of NotifyBatch, Done', () => {
    const { definition } = synthesized;
    expect(definition.StartAt).toBe(MONTH_END_STATES.plan);
    expect(definition.States[MONTH_END_STATES.evaluateBatches]).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.batches',
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED' }, StartAt: MONTH_END_STATES.evaluateBatch },
      Next: MONTH_END_STATES.summarise,
    });
    expect(definition.States[MONTH_END_STATES.summarise]).toMatchObject({
      ResultSelector: { 'summary.$': '$.Payload' },
      ResultPath: '$.summarised',
      Next: MONTH_END_STATES.waitForClaimWindows,
    });
    expect(definition.States[MONTH_END_STATES.waitForClaimWindows]).toMatchObject({
      Type: 'Wait',
      TimestampPath: '$.summarised.summary.opensAt',
      Next: MONTH_END_STATES.notifyBatches,
    });
    expect(definition.States[MONTH_END_STATES.notifyBatches]).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.batches',
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED' }, StartAt: MONTH_END_STATES.notifyBatch },
      Next: MONTH_END_STATES.done,
    });
    expect(definition.States[MONTH_END_STATES.done]).toMatchObject({ Type: 'Pass', End: true });
  });

  it('june-43-vs-44: succeeds; the summary, the stored results, and one window-open notice on the queue', async () => {
    // arrange: one account a batch, so each Map has two items
    const { table } = await tables.fresh();
    await load(table, scenario);
    const { queue } = localSqs();
    // act
    const execution = await execute(synthesized, { table, queue, settings: { batchSize: 1 } }, JUNE);
    // assert
    expect(outcome(execution)).toEqual({ status: 'SUCCEEDED', error: undefined });
    expect(execution.output).toEqual({
      summary: {
        month: '2026-06',
        runId: 'scheduled-2026-06',
        evaluated: 2,
        newVersions: 2,
        tiers: { met: 1, tier10: 1, tier25: 0, tier100: 0 },
        voucherTotal: '30.00',
        // the scenario probes only around the incidents: both months are observed on < 90 % of minutes
        coverageGapCount: 2,
        coverageGaps: ['acc-43/ord-43/2026-06', 'acc-44/ord-44/2026-06'],
        failedCount: 0,
        failed: [],
        opensAt: JUNE_OPENS_AT,
      },
      // Map results in batch order: acc-43 (tier met: nothing to tell), acc-44 (10 %)
      notices: [noNotices, { ...noNotices, windowOpen: 1 }],
    } satisfies MonthEndOutput);

    // the Map carries batch numbers; the batches' accounts are items of the run
    const [planned] = stateInputs(execution, MONTH_END_STATES.evaluateBatches) as [PlanOutput];
    expect(planned.batches).toEqual([
      { ...JUNE_BATCH, batch: 0 },
      { ...JUNE_BATCH, batch: 1 },
    ]);
    expect((await getBatch(table, 'scheduled-2026-06', 0)).accounts).toEqual(['acc-43']);
    expect((await getBatch(table, 'scheduled-2026-06', 1)).accounts).toEqual(['acc-44']);
    expect(
      execution.events.filter(
        (e) => e.type === 'MapIterationSucceeded' && e.parentState.name === MONTH_END_STATES.evaluateBatches,
      ),
    ).toHaveLength(2);
    expect(stateInputs(execution, MONTH_END_STATES.waitForClaimWindows)).toEqual([
      expect.objectContaining({ summarised: { summary: expect.objectContaining({ opensAt: JUNE_OPENS_AT }) } }),
    ]);
    expect(notifyInputs(execution)).toEqual([
      { runId: 'scheduled-2026-06', batch: 0, month: '2026-06', opensAt: JUNE_OPENS_AT },
      { runId: 'scheduled-2026-06', batch: 1, month: '2026-06', opensAt: JUNE_OPENS_AT },
    ]);

    for (const want of expected.serviceMonths) {
      const versions = await listResults(table, want.accountId, want.month);
      expect(versions).toHaveLength(1);
      expect(versions[0]).toMatchObject({
        version: 1,
        reason: 'scheduled',
        requestedBy: 'schedule',
        runId: 'scheduled-2026-06',
        report: want,
      });
    }

    // exactly one notice on the queue: acc-44's claim window is open, with the stored version's facts
    const [stored] = await listResults(table, 'acc-44', '2026-06');
    const messages = await drained(queue);
    expect(messages).toEqual([
      {
        notice: {
          noticeId: 'acc-44/ord-44/2026-06/window-open',
          kind: 'window-open',
          accountId: 'acc-44',
          orderId: 'ord-44',
          month: '2026-06',
          version: 1,
          compensationPercent: 10,
          voucher: '30.00',
          runId: 'scheduled-2026-06',
          createdAt: AFTER_WINDOWS_OPEN.toISOString(),
        },
        report: stored?.report,
      },
    ]);
    expect(messages[0]?.report).toMatchObject(expected.serviceMonths.find((m) => m.accountId === 'acc-44') ?? {});
    expect(await listNotices(table, 'acc-44', '2026-06')).toEqual([
      expect.objectContaining({ noticeId: 'acc-44/ord-44/2026-06/window-open', status: 'enqueued' }),
    ]);
    expect(await listNotices(table, 'acc-43', '2026-06')).toEqual([]);
  });

  it('a second execution for the month adds no version and queues no notice', async () => {
    // arrange
    const { table } = await tables.fresh();
    await load(table, scenario);
    const { queue } = localSqs();
    const first = await execute(synthesized, { table, queue }, JUNE);
    const queuedByFirst = await drained(queue);
    // act
    const second = await execute(synthesized, { table, queue }, JUNE);
    // assert
    expect(outcome(first)).toEqual({ status: 'SUCCEEDED', error: undefined });
    expect(outcome(second)).toEqual({ status: 'SUCCEEDED', error: undefined });
    expect(first.output).toMatchObject({
      summary: { evaluated: 2, newVersions: 2 },
      notices: [{ ...noNotices, windowOpen: 1 }],
    });
    expect(queuedByFirst.map((m) => m.notice.noticeId)).toEqual(['acc-44/ord-44/2026-06/window-open']);
    expect(second.output).toEqual({
      summary: expect.objectContaining({ evaluated: 2, newVersions: 0, voucherTotal: '30.00', failed: [] }),
      notices: [noNotices],
    });
    expect(await drained(queue)).toEqual([]);
    for (const want of expected.serviceMonths) {
      expect((await listResults(table, want.accountId, want.month)).map((v) => v.version)).toEqual([1]);
    }
    expect(await listNotices(table, 'acc-44', '2026-06')).toEqual([
      expect.objectContaining({ runId: 'scheduled-2026-06', status: 'enqueued' }),
    ]);
  });

  it('a scheduled start (scheduledTime, no month) evaluates the month before it in Asia/Shanghai', async () => {
    // arrange: what EventBridge Scheduler sends at 2026-07-01 02:00 +08:00
    const { table } = await tables.fresh();
    await load(table, scenario);
    const { queue } = localSqs();
    // act
    const execution = await execute(
      synthesized,
      { table, queue },
      { reason: 'scheduled', requestedBy: 'schedule', scheduledTime: '2026-06-30T18:00:00Z' },
    );
    // assert
    expect(outcome(execution)).toEqual({ status: 'SUCCEEDED', error: undefined });
    expect(execution.output).toMatchObject({
      summary: { month: '2026-06', runId: 'scheduled-2026-06', evaluated: 2, voucherTotal: '30.00' },
      notices: [{ windowOpen: 1 }],
    });
    expect((await drained(queue)).map((m) => m.notice.noticeId)).toEqual(['acc-44/ord-44/2026-06/window-open']);
  });

  it('Lambda throttling on EvaluateBatch is retried, and the execution succeeds', async () => {
    // arrange: the first invocation is throttled
    const { table } = await tables.fresh();
    await load(table, scenario);
    let calls = 0;
    const beforeEvaluateBatch = () => {
      calls++;
      if (calls === 1) {
        const throttled = new Error('Rate exceeded');
        throttled.name = 'Lambda.TooManyRequestsException';
        throw throttled;
      }
    };
    // act
    const execution = await execute(synthesized, { table, queue: localSqs().queue, beforeEvaluateBatch }, JUNE);
    // assert
    expect(outcome(execution)).toEqual({ status: 'SUCCEEDED', error: undefined });
    expect(calls).toBe(2);
    expect(execution.events.filter((e) => e.type === 'StateRetried')).toHaveLength(1);
    expect(execution.output).toMatchObject({ summary: { evaluated: 2, newVersions: 2, failed: [] } });
  });

  it('the queue refuses the notices at first: NotifyBatch is retried (NoticeEnqueueError), the notice is queued once', async () => {
    // arrange: every send of the first invocation is refused (sendNotices tries 4 times, then gives up)
    const { table } = await tables.fresh();
    await load(table, scenario);
    const queue = refusingQueue(localSqs(), 4);
    // act
    const execution = await execute(synthesized, { table, queue }, JUNE);
    // assert
    expect(outcome(execution)).toEqual({ status: 'SUCCEEDED', error: undefined });
    expect(queue.refused()).toBe(4);
    const retried = execution.events.filter((e) => e.type === 'StateRetried');
    expect(retried.map((e) => e.type === 'StateRetried' && [e.state.name, e.retry.retrier.ErrorEquals])).toEqual([
      [MONTH_END_STATES.notifyBatch, ['NoticeEnqueueError']],
    ]);
    // the retry found the notice the first attempt recorded, still pending, and sent it
    expect(execution.output).toMatchObject({ notices: [{ ...noNotices, resent: 1 }] });
    expect((await drained(localSqs().queue)).map((m) => m.notice.noticeId)).toEqual([
      'acc-44/ord-44/2026-06/window-open',
    ]);
    expect(await listNotices(table, 'acc-44', '2026-06')).toEqual([expect.objectContaining({ status: 'enqueued' })]);
    queue.client.destroy();
  });

  it('NotifyBatch before the claim windows open fails the execution, queues nothing and records no notice', async () => {
    // arrange: the Wait is 0 locally; NotifyBatch's clock says it is still July 1st
    const { table } = await tables.fresh();
    await load(table, scenario);
    const { queue } = localSqs();
    // act
    const execution = await execute(synthesized, { table, queue, noticeNow: NOW }, JUNE);
    // assert: the guard's error is not one the state retries
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toMatch(/NoticeTooEarlyError|claim windows of 2026-06 open at 2026-07-07T16:00:00.000Z/);
    expect(execution.events.filter((e) => e.type === 'StateRetried')).toEqual([]);
    expect(await drained(queue)).toEqual([]);
    expect(await listNotices(table, 'acc-44', '2026-06')).toEqual([]);
    // the evaluation itself is stored: a later execution only has the notices to do
    expect(await listResults(table, 'acc-44', '2026-06')).toHaveLength(1);
  });

  it('an account whose order record is corrupt is listed in failed; the others are evaluated and notified', async () => {
    // arrange: acc-45's order item holds a document cut short
    const { table } = await tables.fresh();
    await load(table, scenario);
    await table.client.send(
      new PutItemCommand({
        TableName: table.name,
        Item: {
          pk: { S: ORDER_PK },
          sk: { S: orderSk('acc-45', 'ord-45') },
          doc: { S: '{"accountId":"acc-45","orderId":"ord-45","startDate":"2026-06-01","months":1,"cashPai' },
        },
      }),
    );
    const { queue } = localSqs();
    // act
    const execution = await execute(synthesized, { table, queue }, JUNE);
    // assert
    expect(outcome(execution)).toEqual({ status: 'SUCCEEDED', error: undefined });
    const [planned] = stateInputs(execution, MONTH_END_STATES.evaluateBatches) as [PlanOutput];
    expect(planned.batches).toEqual([{ ...JUNE_BATCH, batch: 0 }]);
    expect((await getBatch(table, 'scheduled-2026-06', 0)).accounts).toEqual(['acc-43', 'acc-44', 'acc-45']);
    expect(execution.output).toMatchObject({
      summary: {
        evaluated: 2,
        newVersions: 2,
        tiers: { met: 1, tier10: 1, tier25: 0, tier100: 0 },
        voucherTotal: '30.00',
        failedCount: 1,
        failed: [{ accountId: 'acc-45', error: expect.stringContaining('acc-45/ord-45') }],
      },
      notices: [
        {
          windowOpen: 1,
          failedCount: 1,
          failed: [{ accountId: 'acc-45', error: expect.stringContaining('acc-45/ord-45') }],
        },
      ],
    });
    for (const want of expected.serviceMonths) {
      expect(await listResults(table, want.accountId, want.month)).toHaveLength(1);
    }
    expect((await drained(queue)).map((m) => m.notice.noticeId)).toEqual(['acc-44/ord-44/2026-06/window-open']);
  });

  it('250 accounts in batches of 100: the state carries batch numbers and the first names only, never the accounts', async () => {
    // arrange: 250 June service months, none observed (each a coverage gap), the deployed batch size
    const { table } = await tables.fresh();
    const accounts = Array.from({ length: 250 }, (_, k) => `acc-${String(k).padStart(3, '0')}`);
    for (const accountId of accounts) {
      await putOrder(table, {
        accountId,
        orderId: `ord-${accountId}`,
        startDate: '2026-06-01',
        months: 1,
        cashPaid: '100.00',
      });
    }
    const { queue } = localSqs();
    // act
    const execution = await execute(synthesized, { table, queue }, JUNE);
    // assert
    expect(outcome(execution)).toEqual({ status: 'SUCCEEDED', error: undefined });
    expect(synthesized.functions[MONTH_END_SERVICES.plan]?.environment.MONTH_END_BATCH_SIZE).toBe('100');
    const [planned] = stateInputs(execution, MONTH_END_STATES.evaluateBatches) as [PlanOutput];
    expect(planned.accountCount).toBe(250);
    expect(planned.batches).toEqual([0, 1, 2].map((batch) => ({ ...JUNE_BATCH, batch })));
    expect(planned.batches.every((b) => !('accounts' in b))).toBe(true);
    expect(notifyInputs(execution).map((n) => Object.keys(n).sort())).toEqual(
      [0, 1, 2].map(() => ['batch', 'month', 'opensAt', 'runId']),
    );
    // every account is in a batch item
    const stored = await Promise.all([0, 1, 2].map((b) => getBatch(table, 'scheduled-2026-06', b)));
    expect(stored.flatMap((b) => b.accounts)).toEqual(accounts);
    // each batch lists 20 of its gaps and counts them all; the summary lists 50
    const [batchResults] = stateOutputs(execution, MONTH_END_STATES.evaluateBatches) as [
      { batchResults: BatchOutput[] },
    ];
    expect(batchResults.batchResults.map((b) => [b.coverageGapCount, b.coverageGaps.length])).toEqual([
      [100, 20],
      [100, 20],
      [50, 20],
    ]);
    expect(execution.output).toMatchObject({
      summary: { evaluated: 250, coverageGapCount: 250, failedCount: 0 },
      notices: [noNotices, noNotices, noNotices],
    });
    expect((execution.output as MonthEndOutput).summary.coverageGaps).toHaveLength(50);
    // an account past the listed names appears nowhere in the execution's states
    const everything = JSON.stringify(execution.events);
    expect(stored[2]?.accounts).toContain('acc-249');
    expect(everything).not.toContain('acc-249');
    // and no state's input or output comes near Step Functions' 256 KB
    const largest = Math.max(
      ...execution.events.flatMap((e) =>
        e.type === 'StateEntered' || e.type === 'StateExited'
          ? [JSON.stringify(e.state.input).length, JSON.stringify(e.state.output ?? null).length]
          : [],
      ),
    );
    expect(largest).toBeLessThan(16_000);
  });
});
