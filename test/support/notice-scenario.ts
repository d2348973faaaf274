// The month-end up to its notices, on a store and the embedded SQS API: the june example loaded,
// the month evaluated by the month-end steps at a chosen time, and what the notice queue holds.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { StoredNotice } from '#adapters/dynamodb/notice-repository.ts';
import type { OrderRecord } from '#adapters/dynamodb/registry-repository.ts';
import type { Table } from '#adapters/dynamodb/table.ts';
import type { NoticeMessage, NoticeQueue } from '#adapters/sqs/notice-queue.ts';
import type { MonthEndInput, PlanOutput, SummaryOutput } from '#month-end/contracts.ts';
import { evaluateBatch, type MonthEndSettings, plan, summarise } from '#month-end/month-end-steps.ts';
import { CONTRACTS } from './cli.ts';
import { scanAll } from './dynamo.ts';
import { loadScenario } from './store-scenario.ts';

export const JUNE_SCENARIO = join(CONTRACTS, 'examples', 'june-43-vs-44.scenario.json');

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
  timeZone: 'Asia/Shanghai',
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
