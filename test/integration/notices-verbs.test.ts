// `sla notices list | redrive | preview` in-process (main), against dynalite and the embedded SQS
// API (the notice queue and its DLQ, maxReceiveCount 5, as the stateful stack sets them up).
//
// list: the records with their status and what the worker recorded, filtered by month, status and
// account. redrive: a poison message that the queue moved to the DLQ goes back to the queue with
// its body and attributes, the count is reported, the DLQ is empty afterwards. preview: the facts
// of the service month in the rendered text, the HTML to a file, nothing queued. Bad options:
// exit 2 naming the option.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
});

import {
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import {
  claimNotice,
  createNotice,
  markDelivered,
  markEnqueued,
  markFailed,
  type NoticeRecord,
  noticeIdOf,
  type StoredNotice,
} from '#adapters/dynamodb/notice-repository.ts';
import { putOrder } from '#adapters/dynamodb/registry-repository.ts';
import { getVersion, recordResult } from '#adapters/dynamodb/result-repository.ts';
import type { Table } from '#adapters/dynamodb/table.ts';
import { notifyBatch } from '#month-end/notices.ts';
import { tempDir } from '../support/cli.ts';
import { scanAll, type TestTable } from '../support/dynamo.ts';
import { useStandIns } from '../support/notice-harness.ts';
import { evaluateJune, JUNE, OPENS_AT, receiveAll, TIME_ZONE, WINDOW_OPEN_44 } from '../support/notice-scenario.ts';
import { linesOf, type MainRun, runMain, STACK_TRACE } from '../support/run-main.ts';

const standIns = useStandIns('notices-verbs');
/** this test's embedded SQS API: the notice queue and its DLQ */
const local = standIns.sqs;

// ---------------------------------------------------------------------------------------------

/** Exit 2, nothing on stdout, `error: <option>: …` on stderr, never a stack trace. */
const expectBadOption = (run: MainRun, option: string, problem: RegExp): void => {
  expect(run.stderr).not.toMatch(STACK_TRACE);
  expect(run.stdout).toBe('');
  expect(run.status).toBe(2);
  const line = linesOf(run.stderr).find((l) => l.startsWith(`error: ${option}: `));
  expect(line, run.stderr).toBeDefined();
  expect(line?.slice(`error: ${option}: `.length)).toMatch(problem);
};

/** June evaluated and notified when its windows open: acc-44's window-open enqueued. */
const notifiedJune = async (): Promise<TestTable> => {
  const t = await standIns.fresh();
  const { planned } = await evaluateJune(t.table);
  await notifyBatch(
    { table: t.table, queue: local().queue, timeZone: TIME_ZONE, now: () => new Date(OPENS_AT) },
    { runId: planned.runId, batch: 0, month: JUNE, opensAt: OPENS_AT },
  );
  expect((await receiveAll(local().queue)).map((q) => q.message.notice.noticeId)).toEqual([WINDOW_OPEN_44]);
  return t;
};

const noticeOf = (accountId: string, orderId: string, month: string, kind: NoticeRecord['kind']): NoticeRecord => {
  const fields = { kind, accountId, orderId, month, version: 1, compensationPercent: 25, voucher: '75.00' };
  return { noticeId: noticeIdOf(fields), ...fields, runId: 'r', createdAt: '2026-06-08T00:00:00.000Z' };
};

/**
 * Besides June's acc-44: acc-50 with an order over May and June — May's window-open delivered
 * through the outbox, June's failed (no channel), its May reminder still pending.
 */
const withMoreNotices = async (table: Table): Promise<void> => {
  await putOrder(table, {
    accountId: 'acc-50',
    orderId: 'ord-50',
    startDate: '2026-05-01',
    months: 2,
    cashPaid: '600.00',
  });
  const may = noticeOf('acc-50', 'ord-50', '2026-05', 'window-open');
  const june = noticeOf('acc-50', 'ord-50', JUNE, 'window-open');
  const reminder = noticeOf('acc-50', 'ord-50', '2026-05', 'reminder');
  for (const n of [may, june, reminder]) await createNotice(table, n);
  for (const n of [may, june]) await markEnqueued(table, n, new Date('2026-06-08T00:00:01Z'));
  const claimed = await claimNotice(table, may, {
    token: 't',
    now: new Date('2026-06-08T00:00:02Z'),
    leaseSeconds: 60,
  });
  expect(claimed.outcome).toBe('claimed');
  expect(await markDelivered(table, may, 't', new Date('2026-06-08T00:00:03Z'), ['outbox'])).toBe(true);
  expect(
    await markFailed(table, june, new Date('2026-07-08T00:00:04Z'), {
      code: 'NOTICE_NO_CHANNEL',
      reason: 'acc-50 has no channel for notices',
    }),
  ).toBe(true);
};

const ids = (run: MainRun): string[] =>
  linesOf(run.stdout)
    .slice(1, -1)
    .map((l) => l.split(/\s+/)[0] ?? '');

describe('sla notices list', () => {
  it('every notice, a row each: id, kind, status, version, tier, voucher, delivery or failure; then the count', async () => {
    // arrange
    const t = await notifiedJune();
    await withMoreNotices(t.table);
    // act
    const run = await runMain(['notices', 'list', ...t.storeArgs]);
    // assert
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const lines = linesOf(run.stdout);
    expect(lines[0]).toMatch(/^NOTICE\s+KIND\s+STATUS\s+VERSION\s+TIER\s+VOUCHER\s+DELIVERY \/ FAILURE$/);
    expect(ids(run)).toEqual([
      WINDOW_OPEN_44,
      'acc-50/ord-50/2026-05/reminder',
      'acc-50/ord-50/2026-05/window-open',
      'acc-50/ord-50/2026-06/window-open',
    ]);
    const row = (id: string) => lines.find((l) => l.startsWith(`${id} `))?.split(/\s{2,}/);
    expect(row(WINDOW_OPEN_44)).toEqual([WINDOW_OPEN_44, 'window-open', 'enqueued', 'v1', '10 %', '30.00']);
    expect(row('acc-50/ord-50/2026-05/window-open')).toEqual([
      'acc-50/ord-50/2026-05/window-open',
      'window-open',
      'delivered',
      'v1',
      '25 %',
      '75.00',
      'delivered 2026-06-08T00:00:03.000Z via outbox',
    ]);
    expect(row('acc-50/ord-50/2026-06/window-open')?.slice(2)).toEqual([
      'failed',
      'v1',
      '25 %',
      '75.00',
      'failed 2026-07-08T00:00:04.000Z: NOTICE_NO_CHANNEL: acc-50 has no channel for notices',
    ]);
    expect(row('acc-50/ord-50/2026-05/reminder')?.slice(1, 3)).toEqual(['reminder', 'pending']);
    expect(lines.at(-1)).toMatch(/^4 notices \(/);
  });

  it.each([
    [
      '--month 2026-05',
      ['--month', '2026-05'],
      ['acc-50/ord-50/2026-05/reminder', 'acc-50/ord-50/2026-05/window-open'],
    ],
    ['--status failed', ['--status', 'failed'], ['acc-50/ord-50/2026-06/window-open']],
    ['--status pending', ['--status', 'pending'], ['acc-50/ord-50/2026-05/reminder']],
    ['--account acc-44', ['--account', 'acc-44'], [WINDOW_OPEN_44]],
    ['--month 2026-06 --status enqueued', ['--month', JUNE, '--status', 'enqueued'], [WINDOW_OPEN_44]],
    ['--account acc-50 --month 2026-07 (no service month)', ['--account', 'acc-50', '--month', '2026-07'], []],
  ])('%s', async (_name, filter, expected) => {
    // arrange
    const t = await notifiedJune();
    await withMoreNotices(t.table);
    // act
    const run = await runMain(['notices', 'list', ...filter, ...t.storeArgs]);
    // assert
    expect(run.status).toBe(0);
    expect(expected.length === 0 ? linesOf(run.stdout).slice(0, -1) : ids(run)).toEqual(expected);
    expect(linesOf(run.stdout).at(-1)).toMatch(new RegExp(`^${expected.length} notices \\(`));
  });

  it('--json: the records as stored, with status and outcome', async () => {
    // arrange
    const t = await notifiedJune();
    await withMoreNotices(t.table);
    // act
    const run = await runMain(['notices', 'list', '--json', '--status', 'delivered', ...t.storeArgs]);
    // assert
    expect(run.status).toBe(0);
    const notices = JSON.parse(run.stdout) as StoredNotice[];
    expect(notices).toEqual([
      {
        ...noticeOf('acc-50', 'ord-50', '2026-05', 'window-open'),
        status: 'delivered',
        outcome: { deliveredAt: '2026-06-08T00:00:03.000Z', deliveredChannels: ['outbox'] },
      },
    ]);
  });

  it.each([
    ['--status', ['--status', 'sent'], /"sent" is not one of pending, enqueued, delivered, failed/],
    ['--month', ['--month', '2026-13'], /./],
    ['--account', ['--account', 'a b'], /characters outside/],
  ])('a bad %s: exit 2 naming it, nothing read', async (option, args, problem) => {
    const t = await standIns.fresh();
    expectBadOption(await runMain(['notices', 'list', ...args, ...t.storeArgs]), option, problem);
  });
});

// ---------------------------------------------------------------------------------------------

const approximateCount = async (queueUrl: string): Promise<number> => {
  const attributes = await local().queue.client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(attributes.Attributes?.ApproximateNumberOfMessages ?? 'NaN') +
    Number(attributes.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 'NaN')
  );
};

const receiveAllFrom = async (queueUrl: string): Promise<Message[]> => {
  const received = await local().queue.client.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
      MessageAttributeNames: ['All'],
    }),
  );
  return received.Messages ?? [];
};

const POISON = '{"notice": "not a notice"}';

/** A poison message received five times without being deleted: the queue moves it to its DLQ. */
const poisonInDlq = async (count = 1): Promise<void> => {
  const { queue, deadLetterUrl } = local();
  for (let i = 0; i < count; i++)
    await queue.client.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: POISON,
        MessageAttributes: {
          noticeId: { DataType: 'String', StringValue: `acc-9/ord-9/2026-06/window-open#${i}` },
          kind: { DataType: 'String', StringValue: 'window-open' },
        },
      }),
    );
  for (let receive = 0; receive < 6 && (await approximateCount(deadLetterUrl)) < count; receive++) {
    await queue.client.send(
      new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
    );
  }
  expect(await approximateCount(deadLetterUrl)).toBe(count);
  expect(await approximateCount(queue.url)).toBe(0);
};

const redriveArgs = (): string[] => [
  '--queue-url',
  local().queue.url,
  '--dlq-url',
  local().deadLetterUrl,
  '--endpoint',
  local().endpoint,
];

describe('sla notices redrive', () => {
  it('moves the poison message from the DLQ back to the queue, body and attributes as they were; the DLQ is empty', async () => {
    // arrange
    await poisonInDlq();
    // act
    const run = await runMain(['notices', 'redrive', ...redriveArgs()]);
    // assert
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`moved 1 messages from ${local().deadLetterUrl} to ${local().queue.url}\n`);
    expect(await approximateCount(local().deadLetterUrl)).toBe(0);
    const back = await receiveAllFrom(local().queue.url);
    expect(back.map((m) => m.Body)).toEqual([POISON]);
    expect(back[0]?.MessageAttributes).toEqual({
      noticeId: { DataType: 'String', StringValue: 'acc-9/ord-9/2026-06/window-open#0' },
      kind: { DataType: 'String', StringValue: 'window-open' },
    });
  });

  it('--max 2 of 3: two moved, one left in the DLQ; the queue URLs from SLA_NOTICE_QUEUE_URL / SLA_NOTICE_DLQ_URL', async () => {
    // arrange
    await poisonInDlq(3);
    vi.stubEnv('SLA_NOTICE_QUEUE_URL', local().queue.url);
    vi.stubEnv('SLA_NOTICE_DLQ_URL', local().deadLetterUrl);
    try {
      // act
      const run = await runMain(['notices', 'redrive', '--max', '2', '--endpoint', local().endpoint]);
      // assert
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/^moved 2 messages from /);
      expect(await approximateCount(local().deadLetterUrl)).toBe(1);
      expect(await approximateCount(local().queue.url)).toBe(2);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('an empty DLQ: moved 0', async () => {
    const run = await runMain(['notices', 'redrive', ...redriveArgs()]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^moved 0 messages /);
  });

  it.each([
    ['--queue-url', ['--dlq-url', 'http://127.0.0.1:1/0/notices-dlq'], /is required \(or set SLA_NOTICE_QUEUE_URL\)/],
    ['--dlq-url', ['--queue-url', 'http://127.0.0.1:1/0/notices'], /is required \(or set SLA_NOTICE_DLQ_URL\)/],
    ['--queue-url', ['--queue-url', 'notices', '--dlq-url', 'http://127.0.0.1:1/0/dlq'], /is not an SQS queue URL/],
    [
      '--dlq-url',
      ['--queue-url', 'http://127.0.0.1:1/0/q', '--dlq-url', 'http://127.0.0.1:1/0/q'],
      /the notice queue itself/,
    ],
    [
      '--max',
      ['--queue-url', 'http://127.0.0.1:1/0/q', '--dlq-url', 'http://127.0.0.1:1/0/d', '--max', '0'],
      /whole number ≥ 1/,
    ],
  ])('%s missing or bad: exit 2 naming it', async (option, args, problem) => {
    vi.stubEnv('SLA_NOTICE_QUEUE_URL', '');
    vi.stubEnv('SLA_NOTICE_DLQ_URL', '');
    try {
      expectBadOption(await runMain(['notices', 'redrive', ...args]), option, problem);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('sla notices preview', () => {
  it('the window-open as recorded, in English: the facts of the month; nothing queued, nothing written', async () => {
    // arrange
    const t = await notifiedJune();
    const before = await scanAll(t.table);
    // act
    const run = await runMain([
      'notices',
      'preview',
      '--account',
      'acc-44',
      '--month',
      JUNE,
      '--language',
      'en',
      ...t.storeArgs,
    ]);
    // assert
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(linesOf(run.stdout)[0]).toBe(`# ${WINDOW_OPEN_44} (recorded, enqueued; en)`);
    expect(run.stdout).toMatch(/^Subject: \S/m);
    for (const fact of ['acc-44', 'ord-44', JUNE, '44 of 43200 minutes', '10', 'CNY 30.00', '2026-07-08', '2026-08-29'])
      expect(run.stdout, fact).toContain(fact);
    expect(await receiveAll(local().queue)).toEqual([]);
    expect(await scanAll(t.table)).toEqual(before);
  });

  it('a reminder not recorded yet, in Chinese (the default), its HTML to a file', async () => {
    // arrange
    const t = await notifiedJune();
    const html = join(tempDir(), 'reminder.html');
    // act
    const run = await runMain([
      'notices',
      'preview',
      '--account',
      'acc-44',
      '--month',
      JUNE,
      '--order',
      'ord-44',
      '--kind',
      'reminder',
      '--html',
      html,
      ...t.storeArgs,
    ]);
    // assert
    expect(run.status).toBe(0);
    expect(linesOf(run.stdout)[0]).toBe(
      '# acc-44/ord-44/2026-06/reminder (not recorded: as it would be sent now, version 1; zh-CN)',
    );
    for (const fact of ['acc-44', 'ord-44', '30.00', '2026-08-29', '工单']) expect(run.stdout, fact).toContain(fact);
    expect(run.stdout).toContain(`HTML written to ${html}`);
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/<html/);
    expect(page).toContain('30.00');
    expect(page).toContain('2026-08-29');
  });

  it('a correction not recorded: what the last notice told, and the latest figures; with one version, nothing to correct', async () => {
    // arrange
    const t = await notifiedJune();
    const args = [
      'notices',
      'preview',
      '--account',
      'acc-44',
      '--month',
      JUNE,
      '--kind',
      'correction',
      '--language',
      'en',
    ];
    // act/assert: version 1 only, and its window-open told it: nothing to correct
    const none = await runMain([...args, ...t.storeArgs]);
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/^error: --kind: acc-44\/ord-44\/2026-06 has one version and no notice/);

    // arrange: a recalculation records version 2 at 25 %
    const v1 = await getVersion(t.table, 'acc-44', JUNE, 'ord-44', 1);
    if (!v1) throw new Error('version 1 is not stored');
    const { version: _version, ...rest } = v1;
    await recordResult(t.table, {
      ...rest,
      fingerprint: 'v2',
      report: { ...v1.report, unavailableMinutes: 500, compensationPercent: 25, voucher: '75.00' },
    });
    // act
    const run = await runMain([...args, ...t.storeArgs]);
    // assert
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(linesOf(run.stdout)[0]).toBe(
      '# acc-44/ord-44/2026-06/correction/v2 (not recorded: as it would be sent now, version 2; en)',
    );
    for (const fact of ['CNY 30.00', 'CNY 75.00', '500 of 43200 minutes']) expect(run.stdout, fact).toContain(fact);
  });

  it('no result for the account in the month: exit 1 saying so', async () => {
    const t = await notifiedJune();
    const run = await runMain(['notices', 'preview', '--account', 'acc-44', '--month', '2026-05', ...t.storeArgs]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^error: --account: no result stored for acc-44 in 2026-05/);
  });

  it.each([
    ['--account', ['--month', JUNE], /is required/],
    ['--month', ['--account', 'acc-44'], /is required/],
    ['--month', ['--account', 'acc-44', '--month', 'June'], /./],
    ['--language', ['--account', 'acc-44', '--month', JUNE, '--language', 'fr'], /"fr" is not one of zh-CN, en/],
    [
      '--kind',
      ['--account', 'acc-44', '--month', JUNE, '--kind', 'notice'],
      /"notice" is not one of window-open, reminder, correction/,
    ],
    ['--order', ['--account', 'acc-44', '--month', JUNE, '--order', 'a/b'], /characters outside/],
  ])('a missing or bad %s: exit 2 naming it', async (option, args, problem) => {
    const t = await standIns.fresh();
    expectBadOption(await runMain(['notices', 'preview', ...args, ...t.storeArgs]), option, problem);
  });
});
