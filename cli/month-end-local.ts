// The month-end state machine run locally: dist/month-end.asl.json (the synthesized definition,
// written by scripts/build.mjs) run by aws-local-stepfunctions, each task state bound to its
// month-end step (shared/month-end/month-end-steps.ts) against a store, with the settings of the
// function's synthesized environment, and notices to a queue (the embedded SQS API locally).
// The Wait for the claim windows is overridden to 0: a month whose windows are open already gets
// its notices at once; one whose windows open later gets none from a local run (the notify step
// reports "deferred" instead of failing), as no local process waits days for it.

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Table } from '#adapters/dynamodb/table.ts';
import type { NoticeQueue } from '#adapters/sqs/notice-queue.ts';
import type { BatchInput, MonthEndInput, MonthEndOutput, NotifyInput, NotifyOutput } from '#month-end/contracts.ts';
import { evaluateBatch, type MonthEndSettings, plan, summarise } from '#month-end/month-end-steps.ts';

// mirror infra/stacks/month-end-stack.ts (not imported: the CLI never loads aws-cdk-lib)
const SERVICES = {
  plan: 'month-end-plan',
  evaluateBatch: 'month-end-evaluate-batch',
  summarise: 'month-end-summarise',
  notifyBatch: 'month-end-notify-batch',
} as const;
const STATES = {
  plan: 'Plan',
  evaluateBatch: 'EvaluateBatch',
  summarise: 'Summarise',
  wait: 'WaitForClaimWindows',
  notifyBatch: 'NotifyBatch',
};

interface Artifact {
  readonly definition: Record<string, unknown>;
  readonly functions: Record<string, { readonly arn: string; readonly environment: Record<string, string> }>;
}

let artifact: Artifact | undefined;

/** dist/month-end.asl.json, beside the bundle (or its chunks), or in dist/ when run from source. */
export const loadArtifact = (): Artifact => {
  if (artifact) return artifact;
  const candidates = ['./month-end.asl.json', '../month-end.asl.json', '../dist/month-end.asl.json'].map((p) =>
    fileURLToPath(new URL(p, import.meta.url)),
  );
  const file = candidates.find((f) => existsSync(f));
  if (file === undefined) throw new Error('dist/month-end.asl.json is missing: run npm run build');
  artifact = JSON.parse(readFileSync(file, 'utf8')) as Artifact;
  return artifact;
};

const functionOf = (service: string) => {
  const found = loadArtifact().functions[service];
  if (found === undefined) throw new Error(`month-end.asl.json has no function ${service}`);
  return found;
};

const numberOf = (environment: Record<string, string>, name: string): number => {
  const value = Number(environment[name]);
  if (!Number.isFinite(value)) throw new Error(`the synthesized function has no ${name}`);
  return value;
};

/** The settings the Evaluate-batch function is deployed with, on `table`, with `overrides`. */
export const monthEndSettingsFor = (table: Table, overrides: Partial<MonthEndSettings> = {}): MonthEndSettings => {
  const { environment } = functionOf(SERVICES.evaluateBatch);
  return {
    table,
    timeZone: environment.POLICY_TIME_ZONE ?? 'Asia/Shanghai',
    batchSize: numberOf(environment, 'MONTH_END_BATCH_SIZE'),
    maintenanceMinNoticeHours: numberOf(environment, 'MAINTENANCE_MIN_NOTICE_HOURS'),
    coverageMinPercent: numberOf(environment, 'COVERAGE_MIN_PERCENT'),
    now: () => new Date(),
    ...overrides,
  };
};

/** What Lambda does with a payload both ways: JSON, nothing else survives. */
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value ?? null));

const lambdaTask =
  (service: string, handler: (payload: unknown) => Promise<unknown>) =>
  async (input: unknown): Promise<unknown> => {
    const { arn } = functionOf(service);
    const request = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
    if (request.FunctionName !== arn) throw new Error(`the state invokes ${String(request.FunctionName)}, not ${arn}`);
    return { Payload: asJson(await handler(asJson(request.Payload))), StatusCode: 200 };
  };

export interface LocalRun {
  readonly output: MonthEndOutput;
  /** the claim windows open later than now: no notice was decided (the local run does not wait) */
  readonly noticesDeferredUntil?: string;
  /**
   * State transitions as Step Functions bills them: every state entered and every retry, and for
   * a DISTRIBUTED Map one more per child execution it starts (each iteration here).
   */
  readonly billedTransitions: number;
}

/** Totals of the notify batches. */
export const noticeTotals = (notices: readonly NotifyOutput[]) => ({
  windowOpen: notices.reduce((n, b) => n + b.windowOpen, 0),
  corrections: notices.reduce((n, b) => n + b.corrections, 0),
  resent: notices.reduce((n, b) => n + b.resent, 0),
  failedCount: notices.reduce((n, b) => n + b.failedCount, 0),
  failed: notices.flatMap((b) => b.failed),
});

/** Runs one execution of the month-end machine to its end; its output, or an error saying why. */
export const runMonthEnd = async (
  table: Table,
  input: MonthEndInput,
  options: { readonly queue: NoticeQueue; readonly settings?: Partial<MonthEndSettings> },
): Promise<LocalRun> => {
  // loaded on use (sla evaluate never pays for it); Node 20 lacks Promise.withResolvers
  await import('../shared/promise-with-resolvers.ts');
  const { StateMachine } = await import('aws-local-stepfunctions');
  const { notifyBatch } = await import('#month-end/notices.ts');
  const settings = monthEndSettingsFor(table, options.settings);
  type Definition = ConstructorParameters<typeof StateMachine>[0];
  const machine = new StateMachine(loadArtifact().definition as unknown as Definition, {
    validationOptions: { checkArn: true, checkPaths: true },
  });
  let deferredUntil: string | undefined;
  const notifySettings = { table, queue: options.queue, timeZone: settings.timeZone, now: settings.now };
  const handlers = {
    [STATES.plan]: lambdaTask(SERVICES.plan, (payload) => plan(settings, payload)),
    [STATES.evaluateBatch]: lambdaTask(SERVICES.evaluateBatch, (payload) =>
      evaluateBatch(settings, payload as BatchInput),
    ),
    [STATES.summarise]: lambdaTask(SERVICES.summarise, async (payload) =>
      summarise(settings, payload as Parameters<typeof summarise>[1]),
    ),
    [STATES.notifyBatch]: lambdaTask(SERVICES.notifyBatch, async (payload): Promise<NotifyOutput> => {
      const notify = payload as NotifyInput;
      if (settings.now().getTime() < Date.parse(notify.opensAt)) {
        deferredUntil = notify.opensAt;
        return { windowOpen: 0, corrections: 0, resent: 0, failedCount: 0, failed: [] };
      }
      return notifyBatch(notifySettings, notify);
    }),
  };
  const run = machine.run(asJson(input) as Parameters<typeof machine.run>[0], {
    overrides: {
      taskResourceLocalHandlers: handlers as never,
      waitTimeOverrides: { [STATES.wait]: 0 },
    },
  });
  let billedTransitions = 0;
  const counting = (async () => {
    for await (const event of run.eventLogs) {
      if (event.type === 'StateEntered' || event.type === 'StateRetried' || event.type === 'MapIterationStarted')
        billedTransitions++;
    }
  })();
  try {
    const output = (await run.result) as unknown as MonthEndOutput;
    await counting;
    return { output, billedTransitions, ...(deferredUntil ? { noticesDeferredUntil: deferredUntil } : {}) };
  } catch (e) {
    const cause = (e as { cause?: unknown }).cause;
    const message = e instanceof Error ? e.message : String(e);
    throw new Error(
      `the month-end execution for ${input.month} failed: ${message}${cause instanceof Error ? ` (${cause.message})` : ''}`,
    );
  }
};
