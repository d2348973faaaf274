// The month-end up to its notices, on a store and the embedded SQS API: the june example loaded,
// the month evaluated by the month-end steps at a chosen time (the scheduled run of 1 July, or
// versions recorded by hand), and what the notice queue holds.
//
// June 2026 (contracts/examples/june-43-vs-44): acc-43 met, acc-44 10 % (30.00). The scheduled run
// evaluates the month on 1 July; its claim windows open on 2026-07-08 (the 5th business day of
// July is the 7th), at 00:00 Asia/Shanghai = 2026-07-07T16:00Z.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { StoredNotice } from '#adapters/dynamodb/notice-repository.ts';
import type { OrderRecord } from '#adapters/dynamodb/registry-repository.ts';
import { type RecordOutcome, recordResult } from '#adapters/dynamodb/result-repository.ts';
import type { Table } from '#adapters/dynamodb/table.ts';
import type { NoticeMessage, NoticeQueue } from '#adapters/sqs/notice-queue.ts';
import type { ServiceMonthReport } from '#domain/evaluate.ts';
import type { MonthEndInput, PlanOutput, SummaryOutput } from '#month-end/contracts.ts';
import { ENGINE_VERSION } from '#month-end/evaluate-account-month.ts';
import { evaluateBatch, type MonthEndSettings, plan, summarise } from '#month-end/month-end-steps.ts';
import { CONTRACTS } from './cli.ts';
import { scanAll } from './dynamo.ts';
import { JUNE } from './notice-messages.ts';
import { loadScenario } from './store-scenario.ts';

export { JUNE };
export const JUNE_SCENARIO = join(CONTRACTS, 'examples', 'june-43-vs-44.scenario.json');
export const TIME_ZONE = 'Asia/Shanghai';
/** when the scheduled run of June evaluates it */
export const EVALUATED_AT = '2026-07-01T02:00:00+08:00';
export const SCHEDULED_RUN = 'scheduled-2026-06';
/** 2026-07-08 00:00 Asia/Shanghai: June's claim windows open */
export const OPENS_AT = '2026-07-07T16:00:00.000Z';
export const WINDOW_OPEN_44 = 'acc-44/ord-44/2026-06/window-open';

/** acc-43 (43 minutes: met) and acc-44 (44 minutes: 10 %) in 2026-06, orders and probes stored. */
export const loadJune = async (table: Table): Promise<void> => {
  const { orders, probes } = JSON.parse(readFileSync(JUNE_SCENARIO, 'utf8')) as {
    orders: OrderRecord[];
    probes: unknown[];
  };
  await loadScenario(table, { orders, probes });
};

/** The month-end settings the stack deploys, with the clock at `now`. */
export const settingsAt = (table: Table, now: string, batchSize = 100): MonthEndSettings => ({
  table,
  timeZone: TIME_ZONE,
  batchSize,
  maintenanceMinNoticeHours: 0,
  coverageMinPercent: 90,
  now: () => new Date(now),
});

/** Plan, every batch evaluated, the summary: what the workflow does before its Wait. */
export const evaluateMonth = async (
  settings: MonthEndSettings,
  input: MonthEndInput,
): Promise<{ planned: PlanOutput; summary: SummaryOutput }> => {
  const planned = await plan(settings, input);
  const batches = [];
  for (const batch of planned.batches) batches.push(await evaluateBatch(settings, batch));
  return { planned, summary: summarise(settings, { month: planned.month, runId: planned.runId, batches }) };
};

/** June loaded into `table` and evaluated by the scheduled run (on 1 July) up to its Wait. */
export const evaluateJune = async (table: Table): Promise<{ planned: PlanOutput; summary: SummaryOutput }> => {
  await loadJune(table);
  return evaluateMonth(settingsAt(table, EVALUATED_AT), { month: JUNE, reason: 'scheduled', requestedBy: 'schedule' });
};

/**
 * A version of `report` recorded by hand (recordResult), as a run records it: by the scheduled run
 * (the default), or by a recalculation when `runId` names another run.
 */
export const recordReport = (
  table: Table,
  report: ServiceMonthReport,
  record: { readonly fingerprint: string; readonly runId?: string; readonly evaluatedAt?: string },
): Promise<RecordOutcome> => {
  const { fingerprint, runId = SCHEDULED_RUN, evaluatedAt = EVALUATED_AT } = record;
  const scheduled = runId === SCHEDULED_RUN;
  return recordResult(table, {
    fingerprint,
    engineVersion: ENGINE_VERSION,
    reason: scheduled ? 'scheduled' : 'recalculation',
    requestedBy: scheduled ? 'schedule' : 'ops',
    runId,
    evaluatedAt,
    report,
  });
};

export interface QueuedNotice {
  /** the message body as queued */
  readonly body: string;
  readonly message: NoticeMessage;
  /** the message attributes, string values */
  readonly attributes: Record<string, string | undefined>;
}

const visibleCount = async (queue: NoticeQueue): Promise<number> => {
  const out = await queue.client.send(
    new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
};

/** Receives and deletes every message on the queue, in the order received. */
export const receiveAll = async (queue: NoticeQueue): Promise<QueuedNotice[]> => {
  const all: QueuedNotice[] = [];
  for (;;) {
    const received = await queue.client.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = received.Messages ?? [];
    // a short poll may answer empty while messages wait (SQS samples; the local API under load
    // too): the queue's own count says whether it is really empty
    if (messages.length === 0) {
      if ((await visibleCount(queue)) === 0) return all;
      continue;
    }
    for (const m of messages) {
      const body = m.Body ?? '';
      all.push({
        body,
        message: JSON.parse(body) as NoticeMessage,
        attributes: Object.fromEntries(
          Object.entries(m.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue]),
        ),
      });
    }
    await queue.client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
      }),
    );
  }
};

/** Every notice record of the table (whole-table Scan), with its status, by key. */
export const noticeRecords = async (table: Table): Promise<StoredNotice[]> =>
  (await scanAll(table))
    .filter((item) => item.pk?.S?.startsWith('NOTICE#'))
    .map((item) => ({
      ...(JSON.parse(item.doc?.S ?? '{}') as StoredNotice),
      status: (item.status?.S ?? '') as StoredNotice['status'],
    }));
