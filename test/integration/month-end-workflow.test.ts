// The month-end workflow as deployed, run locally: the state machine definition synthesized by the
// CDK app (infra/app.ts, bundling skipped), its tokens resolved to fake ARNs, run by
// aws-local-stepfunctions. Each Lambda task state is bound, by state name, to the REAL handler
// module's makeHandler with settings from the function's synthesized environment, against a
// dynalite table. CDK's LambdaInvoke is the optimized integration (`arn:aws:states:::lambda:invoke`,
// OutputPath $.Payload): the bound handler gets `{ FunctionName, Payload }` and answers
// `{ Payload, StatusCode: 200 }`, as Lambda does.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_DEV = 'true';
});

// Before aws-local-stepfunctions: Node 20 has no Promise.withResolvers.
import '../support/promise-with-resolvers.ts';

import { PutItemCommand } from '@aws-sdk/client-dynamodb';
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
import { listResults } from '#adapters/dynamodb/result-repository.ts';
import type { Table } from '#adapters/dynamodb/table.ts';
import type { BatchInput, PlanOutput, SummaryOutput } from '#month-end/contracts.ts';
import type { MonthEndSettings } from '#month-end/month-end-steps.ts';
import { makeHandler as makeEvaluateBatch } from '../../functions/month-end-evaluate-batch.ts';
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
  readonly settings?: Partial<MonthEndSettings>;
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
  const planHandler = makePlan(() => settingsOf(plan.environment, binding.table, binding.settings ?? {}));
  const evaluateHandler = makeEvaluateBatch(() =>
    settingsOf(evaluate.environment, binding.table, binding.settings ?? {}),
  );
  const summariseHandler = makeSummarise(() => required(summarise.environment, 'POLICY_TIME_ZONE'));
  return {
    [MONTH_END_STATES.plan]: lambdaTask(plan.arn, (payload) => planHandler(payload)),
    [MONTH_END_STATES.evaluateBatch]: lambdaTask(evaluate.arn, async (payload) => {
      binding.beforeEvaluateBatch?.();
      return evaluateHandler(payload as BatchInput);
    }),
    [MONTH_END_STATES.summarise]: lambdaTask(summarise.arn, (payload) => summariseHandler(payload as SummariseInput)),
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
      retryIntervalOverrides: { [MONTH_END_STATES.evaluateBatch]: 0 },
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

let dynamo: LocalDynamo | undefined;
const tables = tableFactory(() => {
  if (!dynamo) throw new Error('dynalite is not started');
  return dynamo;
}, 'month-end-workflow');
let synthesized: Synthesized;

beforeAll(async () => {
  dynamo = await startLocalDynamo('month-end-workflow-0');
  synthesized = synthesize();
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

  it('is the workflow of the contract: Plan, a DISTRIBUTED Map of EvaluateBatch, Summarise, the Wait, Done', () => {
    const { definition } = synthesized;
    expect(definition.StartAt).toBe(MONTH_END_STATES.plan);
    expect(definition.States[MONTH_END_STATES.evaluateBatches]).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.batches',
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED' }, StartAt: MONTH_END_STATES.evaluateBatch },
    });
    expect(definition.States[MONTH_END_STATES.waitForClaimWindows]).toMatchObject({
      Type: 'Wait',
      TimestampPath: '$.opensAt',
      Next: MONTH_END_STATES.done,
    });
  });

  it('june-43-vs-44: succeeds; the summary, and the stored results equal the expected service months', async () => {
    // arrange: one account a batch, so the Map has two items
    const { table } = await tables.fresh();
    await load(table, scenario);
    // act
    const execution = await execute(synthesized, { table, settings: { batchSize: 1 } }, JUNE);
    // assert
    expect(outcome(execution)).toEqual({ status: 'SUCCEEDED', error: undefined });
    expect(execution.output).toEqual({
      month: '2026-06',
      runId: 'scheduled-2026-06',
      evaluated: 2,
      newVersions: 2,
      tiers: { met: 1, tier10: 1, tier25: 0, tier100: 0 },
      voucherTotal: '30.00',
      // the scenario probes only around the incidents: both months are observed on < 90 % of minutes
      coverageGaps: ['acc-43/ord-43/2026-06', 'acc-44/ord-44/2026-06'],
      failed: [],
      // 2026-07-08 00:00 +08:00: the day after July's 5th business day
      opensAt: '2026-07-07T16:00:00.000Z',
    } satisfies SummaryOutput);

    const [planned] = stateInputs(execution, MONTH_END_STATES.evaluateBatches) as [PlanOutput];
    expect(planned.batches.map((b) => b.accounts)).toEqual([['acc-43'], ['acc-44']]);
    expect(
      execution.events.filter(
        (e) => e.type === 'MapIterationSucceeded' && e.parentState.name === MONTH_END_STATES.evaluateBatches,
      ),
    ).toHaveLength(2);
    expect(stateInputs(execution, MONTH_END_STATES.waitForClaimWindows)).toEqual([
      expect.objectContaining({ opensAt: '2026-07-07T16:00:00.000Z' }),
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
  });

  it('a second execution for the month adds no version', async () => {
    // arrange
    const { table } = await tables.fresh();
    await load(table, scenario);
    const first = await execute(synthesized, { table }, JUNE);
    // act
    const second = await execute(synthesized, { table }, JUNE);
    // assert
    expect(outcome(first)).toEqual({ status: 'SUCCEEDED', error: undefined });
    expect(outcome(second)).toEqual({ status: 'SUCCEEDED', error: undefined });
    expect(first.output).toMatchObject({ evaluated: 2, newVersions: 2 });
    expect(second.output).toMatchObject({ evaluated: 2, newVersions: 0, voucherTotal: '30.00', failed: [] });
    for (const want of expected.serviceMonths) {
      expect((await listResults(table, want.accountId, want.month)).map((v) => v.version)).toEqual([1]);
    }
  });

  it('a scheduled start (scheduledTime, no month) evaluates the month before it in Asia/Shanghai', async () => {
    // arrange: what EventBridge Scheduler sends at 2026-07-01 02:00 +08:00
    const { table } = await tables.fresh();
    await load(table, scenario);
    // act
    const execution = await execute(
      synthesized,
      { table },
      { reason: 'scheduled', requestedBy: 'schedule', scheduledTime: '2026-06-30T18:00:00Z' },
    );
    // assert
    expect(outcome(execution)).toEqual({ status: 'SUCCEEDED', error: undefined });
    expect(execution.output).toMatchObject({
      month: '2026-06',
      runId: 'scheduled-2026-06',
      evaluated: 2,
      voucherTotal: '30.00',
    });
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
    const execution = await execute(synthesized, { table, beforeEvaluateBatch }, JUNE);
    // assert
    expect(outcome(execution)).toEqual({ status: 'SUCCEEDED', error: undefined });
    expect(calls).toBe(2);
    expect(execution.events.filter((e) => e.type === 'StateRetried')).toHaveLength(1);
    expect(execution.output).toMatchObject({ evaluated: 2, newVersions: 2, failed: [] });
  });

  it('an account whose order record is corrupt is listed in failed; the others are evaluated', async () => {
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
    // act
    const execution = await execute(synthesized, { table }, JUNE);
    // assert
    expect(outcome(execution)).toEqual({ status: 'SUCCEEDED', error: undefined });
    const [planned] = stateInputs(execution, MONTH_END_STATES.evaluateBatches) as [PlanOutput];
    expect(planned.batches.map((b) => b.accounts)).toEqual([['acc-43', 'acc-44', 'acc-45']]);
    expect(execution.output).toMatchObject({
      evaluated: 2,
      newVersions: 2,
      tiers: { met: 1, tier10: 1, tier25: 0, tier100: 0 },
      voucherTotal: '30.00',
      failed: [{ accountId: 'acc-45', error: expect.stringContaining('acc-45/ord-45') }],
    });
    for (const want of expected.serviceMonths) {
      expect(await listResults(table, want.accountId, want.month)).toHaveLength(1);
    }
  });
});
