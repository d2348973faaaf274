// Notices after the month-end (SPEC R11) on real stand-ins — dynalite and the embedded SQS API
// (local-aws-sqs) — with the clock set through the `now` setting: no notice before the claim
// windows open; then one window-open per compensated service month, each queued once whatever
// runs again; a notice decided but not queued (a crash, a queue that refuses) is queued by the
// next run; a correction when a later version changes the tier or voucher, and only then; and
// nothing in a message but the report's fields and ids.

import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
});

import {
  createNotice,
  type NoticeKind,
  type NoticeRecord,
  noticeIdOf,
  type StoredNotice,
} from '#adapters/dynamodb/notice-repository.ts';
import { putContactPreferences, putExclusion, putOrder } from '#adapters/dynamodb/registry-repository.ts';
import { getVersion, type LatestPointer } from '#adapters/dynamodb/result-repository.ts';
import { putBatch } from '#adapters/dynamodb/run-repository.ts';
import type { Table } from '#adapters/dynamodb/table.ts';
import { NoticeEnqueueError, type NoticeQueue, NoticeRefusedError } from '#adapters/sqs/notice-queue.ts';
import type { ServiceMonthReport } from '#domain/evaluate.ts';
import type { CompensationPercent } from '#domain/tiers.ts';
import { NoticeTooEarlyError, noticeDue, notifyBatch } from '#month-end/notices.ts';
import { scanAll } from '../support/dynamo.ts';
import { startHttpServer } from '../support/local-http.ts';
import { markersIn, PERSONAL } from '../support/markers.ts';
import { noticeQueueVia, unreachableQueue, useStandIns } from '../support/notice-harness.ts';
import { juneReportOf } from '../support/notice-messages.ts';
import {
  EVALUATED_AT,
  evaluateJune,
  evaluateMonth,
  JUNE,
  JUNE_SCENARIO,
  noticeRecords,
  OPENS_AT,
  receiveAll,
  recordReport,
  SCHEDULED_RUN,
  settingsAt,
  TIME_ZONE,
  WINDOW_OPEN_44,
} from '../support/notice-scenario.ts';
import { startSqsProxy } from '../support/sqs-proxy.ts';
import { loadScenario } from '../support/store-scenario.ts';

// a fresh notice queue (and its DLQ) for every test
const standIns = useStandIns('notices');
const queue = (): NoticeQueue => standIns.sqs().queue;

// ---------------------------------------------------------------------------------------------
// June 2026 (test/support/notice-scenario.ts): acc-43 met, acc-44 10 % (30.00), evaluated on
// 1 July; its claim windows open at OPENS_AT (2026-07-08 00:00 Asia/Shanghai).

/** The scheduled month-end of June up to its Wait: evaluated, the claim-window time checked. */
const scheduledJune = async (): Promise<Table> => {
  const { table } = await standIns.fresh();
  const { planned, summary } = await evaluateJune(table);
  expect(planned.runId).toBe(SCHEDULED_RUN);
  expect(summary).toMatchObject({ evaluated: 2, newVersions: 2, tiers: { met: 1, tier10: 1 }, opensAt: OPENS_AT });
  return table;
};

/** NotifyBatch of a run's batch at `now` (the scheduled run's first batch unless said). */
const notify = (table: Table, now: string, options: { runId?: string; batch?: number; queue?: NoticeQueue } = {}) =>
  notifyBatch(
    { table, queue: options.queue ?? queue(), timeZone: TIME_ZONE, now: () => new Date(now) },
    { runId: options.runId ?? SCHEDULED_RUN, batch: options.batch ?? 0, month: JUNE, opensAt: OPENS_AT },
  );

const counts = (windowOpen: number, corrections: number, resent: number) => ({
  windowOpen,
  corrections,
  resent,
  failedCount: 0,
  failed: [],
});

/** The notice acc-44's window-open is, as the scheduled run decides it at `now`. */
const windowOpen44 = (now: string): NoticeRecord => ({
  noticeId: WINDOW_OPEN_44,
  kind: 'window-open',
  accountId: 'acc-44',
  orderId: 'ord-44',
  month: JUNE,
  version: 1,
  compensationPercent: 10,
  voucher: '30.00',
  runId: SCHEDULED_RUN,
  createdAt: new Date(now).toISOString(),
});

const statusOf = async (table: Table): Promise<Record<string, StoredNotice['status']>> =>
  Object.fromEntries((await noticeRecords(table)).map((n) => [n.noticeId, n.status]));

// ---------------------------------------------------------------------------------------------

describe('noticeDue', () => {
  const latest = (version: number, compensationPercent: number, voucher: string): LatestPointer => ({
    version,
    fingerprint: `fingerprint-${version}`,
    compensationPercent,
    voucher,
  });
  const told = (
    kind: NoticeKind,
    version: number,
    compensationPercent: number,
    voucher: string,
    status: StoredNotice['status'] = 'enqueued',
  ): StoredNotice => {
    const fields = { kind, accountId: 'acc-1', orderId: 'ord-1', month: JUNE, version, compensationPercent, voucher };
    return { noticeId: noticeIdOf(fields), ...fields, runId: 'r', createdAt: OPENS_AT, status, outcome: {} };
  };
  const windowOpenV1 = told('window-open', 1, 10, '30.00');

  it.each([
    ['no result', undefined, [], undefined],
    ['no result, whatever was told', undefined, [windowOpenV1], undefined],
    ['met: nothing to tell', latest(1, 0, '0.00'), [], undefined],
    ['compensation, nothing told yet: window-open', latest(1, 10, '30.00'), [], { kind: 'window-open' }],
    ['compensation first in a later version: window-open', latest(3, 25, '75.00'), [], { kind: 'window-open' }],
    ['a later version with the same tier and voucher: nothing', latest(2, 10, '30.00'), [windowOpenV1], undefined],
    [
      'a later version, the voucher changed: a correction naming what was told',
      latest(2, 10, '31.00'),
      [windowOpenV1],
      { kind: 'correction', previous: { version: 1, compensationPercent: 10, voucher: '30.00' } },
    ],
    [
      'a later version, the tier changed',
      latest(2, 25, '75.00'),
      [windowOpenV1],
      { kind: 'correction', previous: { version: 1, compensationPercent: 10, voucher: '30.00' } },
    ],
    [
      'a later version, met after all (tier 0)',
      latest(2, 0, '0.00'),
      [windowOpenV1],
      { kind: 'correction', previous: { version: 1, compensationPercent: 10, voucher: '30.00' } },
    ],
    [
      'compared with the last notice told, not the first',
      latest(3, 10, '30.00'),
      [windowOpenV1, told('correction', 2, 25, '75.00')],
      { kind: 'correction', previous: { version: 2, compensationPercent: 25, voucher: '75.00' } },
    ],
    [
      'the last notice told it already',
      latest(3, 25, '75.00'),
      [told('correction', 2, 25, '75.00'), windowOpenV1],
      undefined,
    ],
    [
      'an older version than the last told: nothing',
      latest(1, 10, '30.00'),
      [told('correction', 2, 25, '75.00')],
      undefined,
    ],
    [
      'the version told already, however it differs: nothing',
      latest(2, 25, '75.00'),
      [told('correction', 2, 0, '0.00')],
      undefined,
    ],
    [
      'a pending notice counts as told',
      latest(1, 10, '30.00'),
      [told('window-open', 1, 10, '30.00', 'pending')],
      undefined,
    ],
  ])('%s', (_name, latestResult, notices, expected) => {
    expect(noticeDue(latestResult, notices)).toEqual(expected);
  });
});

// ---------------------------------------------------------------------------------------------
// Versions recorded by hand (recordResult), for tiers the example does not reach

/** The account's June with these facts and nothing excluded. */
const reportOf = (
  accountId: string,
  orderId: string,
  facts: { unavailableMinutes: number; tier: CompensationPercent; voucher: string },
): ServiceMonthReport =>
  juneReportOf(accountId, orderId, {
    unavailableMinutes: facts.unavailableMinutes,
    excludedMinutes: {},
    availabilityPercent: (((43_200 - facts.unavailableMinutes) / 43_200) * 100).toFixed(6),
    compensationPercent: facts.tier,
    voucher: facts.voucher,
    claimWindow: facts.tier > 0 ? { opensOn: '2026-07-08', closesOn: '2026-08-29' } : null,
    excludedBy: {},
  });

const record = async (table: Table, report: ServiceMonthReport, fingerprint: string, runId = SCHEDULED_RUN) => {
  const outcome = await recordReport(table, report, { fingerprint, runId });
  expect(outcome.kind).toBe('new-version');
  return outcome;
};

describe('notifyBatch: window-open', () => {
  it.each([
    ['on the evaluation day', EVALUATED_AT],
    ['1 ms before 2026-07-08 00:00 Asia/Shanghai', '2026-07-07T15:59:59.999Z'],
    ['at 23:59 Shanghai the day before', '2026-07-07T23:59:00+08:00'],
  ])('before the claim windows open (%s): NoticeTooEarlyError, nothing written, nothing queued', async (_name, now) => {
    // arrange
    const table = await scheduledJune();
    const before = await scanAll(table);
    // act
    const run = notify(table, now);
    // assert
    await expect(run).rejects.toThrow(NoticeTooEarlyError);
    await expect(run).rejects.toThrow(`claim windows of 2026-06 open at ${OPENS_AT}`);
    expect(await scanAll(table)).toEqual(before);
    expect(await receiveAll(queue())).toEqual([]);
  });

  it.each([
    ['exactly at 2026-07-08 00:00 Asia/Shanghai', OPENS_AT],
    ['a week after the windows open', '2026-07-15T10:00:00+08:00'],
  ])('%s: one window-open for acc-44 with the stored facts, none for the met acc-43', async (_name, now) => {
    // arrange
    const table = await scheduledJune();
    // act
    const output = await notify(table, now);
    // assert: the counts, the one message, the record enqueued
    expect(output).toEqual(counts(1, 0, 0));
    const queued = await receiveAll(queue());
    expect(queued).toHaveLength(1);
    const [only] = queued;
    expect(Object.keys(only?.message ?? {}).sort()).toEqual(['notice', 'report']);
    expect(only?.attributes).toEqual({ noticeId: WINDOW_OPEN_44, kind: 'window-open' });
    expect(only?.message.notice).toEqual(windowOpen44(now));
    const stored = await getVersion(table, 'acc-44', JUNE, 'ord-44', 1);
    expect(only?.message.report).toEqual(stored?.report);
    expect(only?.message.report).toMatchObject({
      accountId: 'acc-44',
      orderId: 'ord-44',
      month: JUNE,
      availabilityPercent: '99.898148',
      unavailableMinutes: 44,
      excludedMinutes: {},
      compensationPercent: 10,
      voucher: '30.00',
      claimWindow: { opensOn: '2026-07-08', closesOn: '2026-08-29' },
    });
    expect(await statusOf(table)).toEqual({ [WINDOW_OPEN_44]: 'enqueued' });
  });

  it('one window-open per compensated service month, in batches of 10 on the queue; met months get none', async () => {
    // arrange: 11 accounts with one compensated service month each, one with two, three met; two batches
    const { table } = await standIns.fresh();
    const compensated = Array.from({ length: 11 }, (_, i) => `acc-c${String(i).padStart(2, '0')}`);
    const met = ['acc-m0', 'acc-m1', 'acc-m2'];
    const serviceMonths = [
      ...compensated.map((a) => [a, `ord-${a}`, '2026-06-01'] as const),
      // acc-two: one order ending on 15 June, the next starting on 16 June — two service months in June
      ['acc-two', 'ord-two-a', '2026-05-16'] as const,
      ['acc-two', 'ord-two-b', '2026-06-16'] as const,
    ];
    for (const [accountId, orderId, startDate] of serviceMonths) {
      await putOrder(table, { accountId, orderId, startDate, months: 1, cashPaid: '300.00' });
      await record(table, reportOf(accountId, orderId, { unavailableMinutes: 300, tier: 25, voucher: '75.00' }), 'f1');
    }
    for (const accountId of met) {
      await putOrder(table, {
        accountId,
        orderId: `ord-${accountId}`,
        startDate: '2026-06-01',
        months: 1,
        cashPaid: '300.00',
      });
      await record(
        table,
        reportOf(accountId, `ord-${accountId}`, { unavailableMinutes: 5, tier: 0, voucher: '0.00' }),
        'f1',
      );
    }
    const accounts = [...compensated, 'acc-two', ...met].sort();
    await putBatch(table, SCHEDULED_RUN, 0, accounts.slice(0, 8), new Date(EVALUATED_AT));
    await putBatch(table, SCHEDULED_RUN, 1, accounts.slice(8), new Date(EVALUATED_AT));
    const proxy = await startSqsProxy(standIns.sqs());
    try {
      // act
      const outputs = [
        await notify(table, OPENS_AT, { batch: 0, queue: proxy.queue }),
        await notify(table, OPENS_AT, { batch: 1, queue: proxy.queue }),
      ];
      // assert
      expect(outputs.reduce((n, o) => n + o.windowOpen, 0)).toBe(13);
      expect(outputs.map((o) => o.corrections + o.resent + o.failedCount)).toEqual([0, 0]);
      expect(proxy.sendBatches.map((b) => b.length).every((n) => n <= 10)).toBe(true);
      expect(proxy.sendBatches.reduce((n, b) => n + b.length, 0)).toBe(13);
      const ids = (await receiveAll(queue())).map((q) => q.message.notice.noticeId).sort();
      expect(ids).toEqual(serviceMonths.map(([a, o]) => `${a}/${o}/2026-06/window-open`).sort());
      const records = await noticeRecords(table);
      expect(records).toHaveLength(13);
      expect(records.every((r) => r.status === 'enqueued')).toBe(true);
      expect(records.filter((r) => met.includes(r.accountId))).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('a batch with 12 notices is sent as 10 + 2', async () => {
    // arrange: one batch of 12 compensated accounts
    const { table } = await standIns.fresh();
    const accounts = Array.from({ length: 12 }, (_, i) => `acc-${String(i).padStart(2, '0')}`);
    for (const accountId of accounts) {
      await putOrder(table, {
        accountId,
        orderId: `ord-${accountId}`,
        startDate: '2026-06-01',
        months: 1,
        cashPaid: '300.00',
      });
      await record(
        table,
        reportOf(accountId, `ord-${accountId}`, { unavailableMinutes: 50, tier: 10, voucher: '30.00' }),
        'f1',
      );
    }
    await putBatch(table, SCHEDULED_RUN, 0, accounts, new Date(EVALUATED_AT));
    const proxy = await startSqsProxy(standIns.sqs());
    try {
      // act
      const output = await notify(table, OPENS_AT, { queue: proxy.queue });
      // assert
      expect(output).toEqual(counts(12, 0, 0));
      expect(proxy.sendBatches.map((b) => b.length)).toEqual([10, 2]);
      expect(await receiveAll(queue())).toHaveLength(12);
    } finally {
      await proxy.close();
    }
  });
});

describe('notifyBatch: each notice queued once', () => {
  it('a duplicate run (the same batch again, later) queues nothing and changes nothing', async () => {
    // arrange
    const table = await scheduledJune();
    expect(await notify(table, OPENS_AT)).toEqual(counts(1, 0, 0));
    expect(await receiveAll(queue())).toHaveLength(1);
    const after = await scanAll(table);
    // act
    const again = await notify(table, '2026-07-09T08:00:00+08:00');
    // assert
    expect(again).toEqual(counts(0, 0, 0));
    expect(await receiveAll(queue())).toEqual([]);
    expect(await scanAll(table)).toEqual(after);
  });

  it('a run that stopped after recording the notice pending: the next run sends it (resent 1) and marks it enqueued', async () => {
    // arrange: the crashed attempt's record, made by hand as notifyBatch makes it
    const table = await scheduledJune();
    const crashed = windowOpen44(OPENS_AT);
    expect(await createNotice(table, crashed)).toEqual({ created: true });
    expect(await statusOf(table)).toEqual({ [WINDOW_OPEN_44]: 'pending' });
    // act: the retry, an hour later
    const retry = await notify(table, '2026-07-08T01:00:00+08:00');
    // assert: sent as first decided (its createdAt too), now enqueued
    expect(retry).toEqual(counts(0, 0, 1));
    const queued = await receiveAll(queue());
    expect(queued.map((q) => q.message.notice)).toEqual([crashed]);
    expect(await statusOf(table)).toEqual({ [WINDOW_OPEN_44]: 'enqueued' });
    // and a further run: nothing
    expect(await notify(table, '2026-07-08T02:00:00+08:00')).toEqual(counts(0, 0, 0));
    expect(await receiveAll(queue())).toEqual([]);
  });

  it('an SQS endpoint that cannot be reached: the run fails with NoticeEnqueueError (retried), the notice stays pending; the next run sends it', async () => {
    // arrange
    const table = await scheduledJune();
    const unreachable = await unreachableQueue(queue().url);
    try {
      // act
      const run = notify(table, OPENS_AT, { queue: unreachable });
      // assert: the client's own exception, wrapped as the error the state machine retries
      await expect(run).rejects.toThrow(NoticeEnqueueError);
      await expect(run).rejects.toMatchObject({
        name: 'NoticeEnqueueError',
        message: expect.stringMatching(/^the notice queue is not reachable: /),
      });
      expect(await statusOf(table)).toEqual({ [WINDOW_OPEN_44]: 'pending' });
      expect(await receiveAll(queue())).toEqual([]);
    } finally {
      unreachable.client.destroy();
    }
    // act: the retry against the queue
    const retry = await notify(table, '2026-07-08T00:05:00+08:00');
    // assert
    expect(retry).toEqual(counts(0, 0, 1));
    const queued = await receiveAll(queue());
    expect(queued.map((q) => q.message.notice)).toEqual([windowOpen44(OPENS_AT)]);
    expect(await statusOf(table)).toEqual({ [WINDOW_OPEN_44]: 'enqueued' });
  });

  it('the queue refuses the message every time: NoticeEnqueueError after 4 attempts, pending; a retry sends it', async () => {
    // arrange
    const table = await scheduledJune();
    const proxy = await startSqsProxy(standIns.sqs());
    try {
      proxy.script(() => ({ code: 'ServiceUnavailable', senderFault: false }));
      // act
      const run = notify(table, OPENS_AT, { queue: proxy.queue });
      // assert
      await expect(run).rejects.toThrow(NoticeEnqueueError);
      await expect(run).rejects.toThrow(/did not accept 1 messages after 4 attempts: ServiceUnavailable/);
      expect(proxy.sendBatches).toHaveLength(4);
      expect(await statusOf(table)).toEqual({ [WINDOW_OPEN_44]: 'pending' });
      expect(await receiveAll(queue())).toEqual([]);

      // act: the queue takes messages again; the step's retry
      proxy.script(undefined);
      const retry = await notify(table, '2026-07-08T00:02:00+08:00', { queue: proxy.queue });
      // assert
      expect(retry).toEqual(counts(0, 0, 1));
      expect((await receiveAll(queue())).map((q) => q.message.notice.noticeId)).toEqual([WINDOW_OPEN_44]);
      expect(await statusOf(table)).toEqual({ [WINDOW_OPEN_44]: 'enqueued' });
    } finally {
      await proxy.close();
    }
  });

  it('an SQS endpoint that answers every request with a server error: NoticeEnqueueError after the SDK’s retries, pending', async () => {
    // arrange: an endpoint that answers as SQS does when it fails (AWS JSON 1.0, HTTP 500)
    const table = await scheduledJune();
    let requests = 0;
    const failing = await startHttpServer((_req, res) => {
      requests++;
      res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ __type: 'com.amazonaws.sqs#InternalError', message: 'scripted failure' }));
    });
    const broken = noticeQueueVia(queue().url, failing.url, 2);
    try {
      // act
      const run = notify(table, OPENS_AT, { queue: broken });
      // assert: the SDK retried the 500 once, then the step failed with the error it retries
      await expect(run).rejects.toThrow(NoticeEnqueueError);
      await expect(run).rejects.toMatchObject({
        name: 'NoticeEnqueueError',
        message: expect.stringMatching(/^the notice queue is not reachable: .*scripted failure/),
      });
      expect(requests).toBe(2);
      expect(await statusOf(table)).toEqual({ [WINDOW_OPEN_44]: 'pending' });
      expect(await receiveAll(queue())).toEqual([]);
    } finally {
      broken.client.destroy();
      await failing.close();
    }
  });

  it('the queue refuses the message as malformed (sender fault): NoticeRefusedError at once (not retried), pending', async () => {
    // arrange
    const table = await scheduledJune();
    const proxy = await startSqsProxy(standIns.sqs());
    try {
      proxy.script(() => ({ code: 'InvalidParameterValue', senderFault: true }));
      // act
      const run = notify(table, OPENS_AT, { queue: proxy.queue });
      // assert: refused for what it is — not the NoticeEnqueueError the state machine retries
      await expect(run).rejects.toThrow(NoticeRefusedError);
      await expect(run).rejects.toMatchObject({
        name: 'NoticeRefusedError',
        message: expect.stringMatching(
          /^the notice queue refused a message: InvalidParameterValue: refused by the test$/,
        ),
      });
      await expect(run).rejects.not.toBeInstanceOf(NoticeEnqueueError);
      expect(proxy.sendBatches).toHaveLength(1);
      expect(await statusOf(table)).toEqual({ [WINDOW_OPEN_44]: 'pending' });
      expect(await receiveAll(queue())).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('the queue refuses once, then accepts: sent by the same run, once', async () => {
    // arrange
    const table = await scheduledJune();
    const proxy = await startSqsProxy(standIns.sqs());
    try {
      proxy.script((_entry, call) => (call === 1 ? { code: 'ServiceUnavailable', senderFault: false } : undefined));
      // act
      const output = await notify(table, OPENS_AT, { queue: proxy.queue });
      // assert
      expect(output).toEqual(counts(1, 0, 0));
      expect(proxy.sendBatches).toHaveLength(2);
      expect((await receiveAll(queue())).map((q) => q.message.notice.noticeId)).toEqual([WINDOW_OPEN_44]);
      expect(await statusOf(table)).toEqual({ [WINDOW_OPEN_44]: 'enqueued' });
    } finally {
      await proxy.close();
    }
  });
});

describe('notifyBatch: corrections', () => {
  it('an exclusion added, the month recalculated (tier 10 → 0): one correction naming what was told; then nothing', async () => {
    // arrange: the window-open told; then ex-44 takes 10 of acc-44's 44 minutes
    const table = await scheduledJune();
    expect(await notify(table, OPENS_AT)).toEqual(counts(1, 0, 0));
    await receiveAll(queue());
    await putExclusion(table, {
      id: 'ex-44',
      clause: '4.4',
      start: '2026-06-10T09:00:00+08:00',
      end: '2026-06-10T09:10:00+08:00',
      reason: "the customer's own network",
      accountIds: ['acc-44'],
    });
    const recalculatedAt = '2026-07-10T15:00:00+08:00';
    const { planned, summary } = await evaluateMonth(settingsAt(table, recalculatedAt), {
      month: JUNE,
      reason: 'recalculation',
      requestedBy: 'ops',
      note: 'ex-44 added',
      accounts: ['acc-44'],
    });
    expect(summary).toMatchObject({ evaluated: 1, newVersions: 1, tiers: { met: 1 } });

    // act: the recalculation's NotifyBatch
    const output = await notify(table, recalculatedAt, { runId: planned.runId });

    // assert
    expect(output).toEqual(counts(0, 1, 0));
    const queued = await receiveAll(queue());
    expect(queued).toHaveLength(1);
    expect(queued[0]?.attributes).toEqual({ noticeId: 'acc-44/ord-44/2026-06/correction/v2', kind: 'correction' });
    expect(queued[0]?.message.notice).toEqual({
      noticeId: 'acc-44/ord-44/2026-06/correction/v2',
      kind: 'correction',
      accountId: 'acc-44',
      orderId: 'ord-44',
      month: JUNE,
      version: 2,
      compensationPercent: 0,
      voucher: '0.00',
      previous: { version: 1, compensationPercent: 10, voucher: '30.00' },
      runId: planned.runId,
      createdAt: new Date(recalculatedAt).toISOString(),
    });
    const v2 = await getVersion(table, 'acc-44', JUNE, 'ord-44', 2);
    expect(queued[0]?.message.report).toEqual(v2?.report);
    expect(queued[0]?.message.report).toMatchObject({
      unavailableMinutes: 34,
      compensationPercent: 0,
      voucher: '0.00',
    });
    expect(await statusOf(table)).toEqual({
      [WINDOW_OPEN_44]: 'enqueued',
      'acc-44/ord-44/2026-06/correction/v2': 'enqueued',
    });

    // act/assert: the recalculation's batch again, and the scheduled run's: nothing
    expect(await notify(table, '2026-07-10T16:00:00+08:00', { runId: planned.runId })).toEqual(counts(0, 0, 0));
    expect(await notify(table, '2026-07-10T16:00:00+08:00')).toEqual(counts(0, 0, 0));
    expect(await receiveAll(queue())).toEqual([]);
  });

  it('versions recorded one after another: a correction for each change of tier or voucher, none for other changes', async () => {
    // arrange: the window-open told (v1: 44 min, 10 %, 30.00); a recalculation run's batch
    const table = await scheduledJune();
    expect(await notify(table, OPENS_AT)).toEqual(counts(1, 0, 0));
    await receiveAll(queue());
    const recalc = 'recalculation-2026-06-manual';
    await putBatch(table, recalc, 0, ['acc-44'], new Date('2026-07-10T00:00:00+08:00'));
    const at = '2026-07-10T12:00:00+08:00';
    const queuedIds = async () => (await receiveAll(queue())).map((q) => q.message.notice);

    // act/assert: v2 — 25 %, 75.00 → a correction from v1's 10 %
    await record(
      table,
      reportOf('acc-44', 'ord-44', { unavailableMinutes: 300, tier: 25, voucher: '75.00' }),
      'v2',
      recalc,
    );
    expect(await notify(table, at, { runId: recalc })).toEqual(counts(0, 1, 0));
    expect(await queuedIds()).toMatchObject([
      {
        noticeId: 'acc-44/ord-44/2026-06/correction/v2',
        version: 2,
        compensationPercent: 25,
        voucher: '75.00',
        previous: { version: 1, compensationPercent: 10, voucher: '30.00' },
      },
    ]);
    // a further run: nothing
    expect(await notify(table, at, { runId: recalc })).toEqual(counts(0, 0, 0));
    expect(await queuedIds()).toEqual([]);

    // v3 — other minutes, the same tier and voucher → nothing, no record
    await record(
      table,
      reportOf('acc-44', 'ord-44', { unavailableMinutes: 310, tier: 25, voucher: '75.00' }),
      'v3',
      recalc,
    );
    const before = await noticeRecords(table);
    expect(await notify(table, at, { runId: recalc })).toEqual(counts(0, 0, 0));
    expect(await queuedIds()).toEqual([]);
    expect(await noticeRecords(table)).toEqual(before);

    // v4 — back to 10 % → a correction from what v2's notice told (v3 told nothing)
    await record(
      table,
      reportOf('acc-44', 'ord-44', { unavailableMinutes: 50, tier: 10, voucher: '30.00' }),
      'v4',
      recalc,
    );
    expect(await notify(table, at, { runId: recalc })).toEqual(counts(0, 1, 0));
    const v4 = await queuedIds();
    expect(v4).toMatchObject([
      {
        noticeId: 'acc-44/ord-44/2026-06/correction/v4',
        version: 4,
        compensationPercent: 10,
        voucher: '30.00',
        previous: { version: 2, compensationPercent: 25, voucher: '75.00' },
      },
    ]);

    // v5 — met (tier 0) → a correction too
    await record(
      table,
      reportOf('acc-44', 'ord-44', { unavailableMinutes: 20, tier: 0, voucher: '0.00' }),
      'v5',
      recalc,
    );
    expect(await notify(table, at, { runId: recalc })).toEqual(counts(0, 1, 0));
    expect(await queuedIds()).toMatchObject([
      {
        noticeId: 'acc-44/ord-44/2026-06/correction/v5',
        version: 5,
        compensationPercent: 0,
        voucher: '0.00',
        previous: { version: 4, compensationPercent: 10, voucher: '30.00' },
      },
    ]);
    expect(Object.values(await statusOf(table))).toEqual(['enqueued', 'enqueued', 'enqueued', 'enqueued']);
  });

  it('a recalculation before the windows open: nothing until then, and then only what the latest version says', async () => {
    // arrange: ex-44 added on 3 July, the recalculation evaluated then (acc-44 met after all)
    const table = await scheduledJune();
    await putExclusion(table, {
      id: 'ex-44',
      clause: '4.4',
      start: '2026-06-10T09:00:00+08:00',
      end: '2026-06-10T09:10:00+08:00',
      reason: "the customer's own network",
      accountIds: ['acc-44'],
    });
    const early = '2026-07-03T10:00:00+08:00';
    const { planned } = await evaluateMonth(settingsAt(table, early), {
      month: JUNE,
      reason: 'recalculation',
      requestedBy: 'ops',
      note: 'ex-44 added',
      accounts: ['acc-44'],
    });
    // act/assert: the recalculation's notices are too early
    await expect(notify(table, early, { runId: planned.runId })).rejects.toThrow(NoticeTooEarlyError);
    // act/assert: the windows open — neither run tells acc-44 anything (it never earned compensation)
    expect(await notify(table, OPENS_AT)).toEqual(counts(0, 0, 0));
    expect(await notify(table, OPENS_AT, { runId: planned.runId })).toEqual(counts(0, 0, 0));
    expect(await receiveAll(queue())).toEqual([]);
    expect(await noticeRecords(table)).toEqual([]);
  });
});

describe('notifyBatch: no personal data', () => {
  it('messages carry the report fields and ids only: no probe personal data, no contact channel', async () => {
    // arrange: the june probes of acc-44 carrying personal data; acc-44's contact channels stored
    const { table } = await standIns.fresh();
    const example = JSON.parse(readFileSync(JUNE_SCENARIO, 'utf8')) as {
      orders: { accountId: string; orderId: string; startDate: string; months: number; cashPaid: string }[];
      probes: { accountId: string }[];
    };
    await loadScenario(table, {
      orders: example.orders,
      probes: example.probes.map((p) => (p.accountId === 'acc-44' ? { ...p, ...PERSONAL } : p)),
    });
    await putContactPreferences(table, {
      accountId: 'acc-44',
      channels: [
        { kind: 'email', address: 'billing.owner@customer.example', language: 'zh-CN' },
        { kind: 'webhook', url: 'https://hooks.customer.example/sla-secret-path', language: 'en' },
      ],
    });
    await evaluateMonth(settingsAt(table, EVALUATED_AT), { month: JUNE, reason: 'scheduled', requestedBy: 'schedule' });
    // act
    expect(await notify(table, OPENS_AT)).toEqual(counts(1, 0, 0));
    const queued = await receiveAll(queue());
    // assert
    expect(queued).toHaveLength(1);
    for (const { body, message, attributes } of queued) {
      expect(markersIn(body)).toEqual([]);
      expect(body).not.toMatch(/customer\.example|billing\.owner|sla-secret-path/);
      expect(Object.keys(message).sort()).toEqual(['notice', 'report']);
      expect(Object.keys(message.notice).sort()).toEqual(
        [
          'accountId',
          'compensationPercent',
          'createdAt',
          'kind',
          'month',
          'noticeId',
          'orderId',
          'runId',
          'version',
          'voucher',
        ].sort(),
      );
      expect(Object.keys(message.report).sort()).toEqual(
        [
          'accountId',
          'availabilityPercent',
          'claimWindow',
          'compensationPercent',
          'days',
          'excludedBy',
          'excludedMinutes',
          'fee',
          'firstDay',
          'lastDay',
          'month',
          'observedMinutes',
          'orderId',
          'totalMinutes',
          'unavailableMinutes',
          'voucher',
        ].sort(),
      );
      expect(Object.keys(attributes).sort()).toEqual(['kind', 'noticeId']);
    }
  });
});
