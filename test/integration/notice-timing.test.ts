// When notices go out (SPEC R11), with a controlled clock, on real stand-ins — dynalite and the
// embedded SQS API — through the real handlers (functions/month-end-notify-batch.ts,
// functions/notice-reminders.ts makeHandler):
//
//   window-open  not before opensOn 00:00 Asia/Shanghai (1 ms earlier: refused, nothing written);
//   reminder     on closesOn − 7 (not the day before), once, and only while no claim is accepted
//                and the latest result still earns compensation;
//   correction   only when a later version changes the tier or the voucher.
//
// June 2026 (contracts/examples/june-43-vs-44): acc-44 is compensated (10 %, 30.00); its claim
// window is 2026-07-08 … 2026-08-29, so its reminder falls due on 2026-08-22.

import { describe, expect, it, vi } from 'vitest';

await vi.hoisted(() => import('../support/lambda-env.ts'));

import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { acceptedClaimSk, claimPk, reminderPk, reminderSk } from '#adapters/dynamodb/keys.ts';
import { getNoticeState } from '#adapters/dynamodb/notice-repository.ts';
import { readWatermark } from '#adapters/dynamodb/registry-repository.ts';
import { listRemindersDue, REMINDER_CHECKPOINT } from '#adapters/dynamodb/reminder-repository.ts';
import { getVersion } from '#adapters/dynamodb/result-repository.ts';
import { putBatch } from '#adapters/dynamodb/run-repository.ts';
import type { Table } from '#adapters/dynamodb/table.ts';
import type { NoticeQueue } from '#adapters/sqs/notice-queue.ts';
import type { ServiceMonthReport } from '#domain/evaluate.ts';
import { dayNumber } from '#domain/local-date.ts';
import type { CompensationPercent } from '#domain/tiers.ts';
import type { NotifyOutput } from '#month-end/contracts.ts';
import { NoticeTooEarlyError } from '#month-end/notices.ts';
import { makeHandler as makeNotifyHandler } from '../../functions/month-end-notify-batch.ts';
import { makeHandler as makeReminderHandler, ReminderRunError } from '../../functions/notice-reminders.ts';
import { deliverNotice, type NoticeDelivery, parseNoticeMessage } from '../../shared/notices/deliver.ts';
import { type ReminderRun, type ReminderSettings, reminderDueDay } from '../../shared/notices/reminders.ts';
import { scanAll } from '../support/dynamo.ts';
import { unreachableQueue, useStandIns } from '../support/notice-harness.ts';
import {
  evaluateJune,
  JUNE,
  noticeRecords,
  OPENS_AT,
  receiveAll,
  recordReport,
  SCHEDULED_RUN,
  TIME_ZONE,
  WINDOW_OPEN_44,
} from '../support/notice-scenario.ts';

const standIns = useStandIns('timing');
const queue = (): NoticeQueue => standIns.sqs().queue;

// ---------------------------------------------------------------------------------------------

const WINDOW = { opensOn: '2026-07-08', closesOn: '2026-08-29' };
const REMINDER_DAY = '2026-08-22';
const REMINDER_44 = 'acc-44/ord-44/2026-06/reminder';
/** acc-44's June, as a notice key (the version counts for corrections only) */
const key44 = { accountId: 'acc-44', orderId: 'ord-44', month: JUNE, version: 1 };

/** The scheduled month-end of June up to its Wait. */
const scheduledJune = async (): Promise<Table> => {
  const { table } = await standIns.fresh();
  const { summary } = await evaluateJune(table);
  expect(summary.opensAt).toBe(OPENS_AT);
  return table;
};

/** The NotifyBatch function's handler with its clock at `now`. */
const notifyAt = (table: Table, now: string, runId = SCHEDULED_RUN, queueOverride?: NoticeQueue) =>
  makeNotifyHandler(() => ({
    table,
    queue: queueOverride ?? queue(),
    timeZone: TIME_ZONE,
    now: () => new Date(now),
  }))({ runId, batch: 0, month: JUNE, opensAt: OPENS_AT });

/** The daily reminder function's handler with its clock at `now`. */
const remindAt = (table: Table, now: string, overrides: Partial<ReminderSettings> = {}): Promise<ReminderRun> =>
  makeReminderHandler(() => ({
    table,
    queue: queue(),
    timeZone: TIME_ZONE,
    daysBefore: 7,
    maxCatchUpDays: 14,
    now: () => new Date(now),
    ...overrides,
  }))();

/** June notified at its windows' opening: acc-44's window-open queued (and taken off the queue). */
const notifiedJune = async (): Promise<Table> => {
  const table = await scheduledJune();
  expect(await notifyAt(table, OPENS_AT)).toMatchObject({ windowOpen: 1, corrections: 0, resent: 0 });
  expect((await receiveAll(queue())).map((q) => q.message.notice.noticeId)).toEqual([WINDOW_OPEN_44]);
  return table;
};

const reminderCounts = (overrides: Partial<ReminderRun>) => ({
  due: 0,
  enqueued: 0,
  resent: 0,
  skippedClaimed: 0,
  skippedNoLongerEligible: 0,
  skippedClosed: 0,
  deferred: 0,
  alreadyNotified: 0,
  failed: [],
  ...overrides,
});

/** A later version of acc-44's June, recorded as a recalculation records it. */
const recordVersion = async (
  table: Table,
  fingerprint: string,
  facts: { unavailableMinutes: number; tier: CompensationPercent; voucher: string },
): Promise<number> => {
  const v1 = await getVersion(table, 'acc-44', JUNE, 'ord-44', 1);
  if (!v1) throw new Error('version 1 is not stored');
  const report: ServiceMonthReport = {
    ...v1.report,
    unavailableMinutes: facts.unavailableMinutes,
    compensationPercent: facts.tier,
    voucher: facts.voucher,
    claimWindow: facts.tier > 0 ? WINDOW : null,
  };
  const outcome = await recordReport(table, report, {
    fingerprint,
    runId: 'recalculation-2026-06-test',
    evaluatedAt: '2026-07-20T10:00:00+08:00',
  });
  if (outcome.kind !== 'new-version') throw new Error(`not recorded: ${outcome.kind}`);
  return outcome.latest.version;
};

/** The accepted-claim marker the claims repository writes with acc-44's first accepted claim. */
const acceptClaim44 = async (table: Table): Promise<void> => {
  await table.client.send(
    new PutItemCommand({
      TableName: table.name,
      Item: {
        pk: { S: claimPk('acc-44') },
        sk: { S: acceptedClaimSk(JUNE, 'ord-44') },
        claimId: { S: 'claim-1' },
      },
    }),
  );
};

// ---------------------------------------------------------------------------------------------

describe('window-open: not before opensOn 00:00 Asia/Shanghai', () => {
  it('23:59:59.999 the day before: refused, nothing written, nothing queued; 00:00: one window-open, its reminder indexed for closesOn − 7', async () => {
    // arrange
    const table = await scheduledJune();
    const before = await scanAll(table);
    // act
    const early = notifyAt(table, '2026-07-07T23:59:59.999+08:00');
    // assert
    await expect(early).rejects.toThrow(NoticeTooEarlyError);
    expect(await scanAll(table)).toEqual(before);
    expect(await receiveAll(queue())).toEqual([]);

    // act: the first millisecond of 2026-07-08 in Shanghai
    const output: NotifyOutput = await notifyAt(table, '2026-07-08T00:00:00.000+08:00');
    // assert
    expect(output).toEqual({ windowOpen: 1, corrections: 0, resent: 0, failedCount: 0, failed: [] });
    const queued = await receiveAll(queue());
    expect(queued.map((q) => q.message.notice.noticeId)).toEqual([WINDOW_OPEN_44]);
    expect(await listRemindersDue(table, REMINDER_DAY)).toEqual([
      { accountId: 'acc-44', orderId: 'ord-44', month: JUNE, dueDay: REMINDER_DAY, closesOn: WINDOW.closesOn },
    ]);
    const index = (await scanAll(table)).filter((i) => i.pk?.S?.startsWith('REMINDER#'));
    expect(index.map((i) => [i.pk?.S, i.sk?.S])).toEqual([
      [reminderPk(REMINDER_DAY), reminderSk('acc-44', 'ord-44', JUNE)],
    ]);
  });

  it('a run again after the window-open: nothing queued, not one item changed (the index item is not written again)', async () => {
    // arrange
    const table = await notifiedJune();
    const before = await scanAll(table);
    // act
    const again = await notifyAt(table, '2026-07-09T09:00:00+08:00');
    // assert
    expect(again).toMatchObject({ windowOpen: 0, corrections: 0, resent: 0 });
    expect(await receiveAll(queue())).toEqual([]);
    expect(await scanAll(table)).toEqual(before);
  });
});

describe('reminder: on closesOn − 7, once, while no claim is accepted', () => {
  it('not on 2026-08-21 (23:59:59.999 Shanghai); at 2026-08-22 00:00 exactly one, with the facts of the latest version', async () => {
    // arrange
    const table = await notifiedJune();
    // act: the day before
    const dayBefore = await remindAt(table, '2026-08-21T23:59:59.999+08:00');
    // assert
    expect(dayBefore).toMatchObject(reminderCounts({ today: '2026-08-21', due: 0 }));
    expect(await receiveAll(queue())).toEqual([]);
    expect(await getNoticeState(table, { ...key44, kind: 'reminder' })).toBeUndefined();

    // act: the day it falls due
    const run = await remindAt(table, '2026-08-22T00:00:00.000+08:00');
    // assert
    expect(run).toMatchObject(reminderCounts({ today: REMINDER_DAY, daysScanned: 1, due: 1, enqueued: 1 }));
    expect(run.checkpoint).toBe(REMINDER_DAY);
    const queued = await receiveAll(queue());
    expect(queued).toHaveLength(1);
    expect(queued[0]?.attributes).toEqual({ noticeId: REMINDER_44, kind: 'reminder' });
    expect(queued[0]?.message.notice).toEqual({
      noticeId: REMINDER_44,
      kind: 'reminder',
      accountId: 'acc-44',
      orderId: 'ord-44',
      month: JUNE,
      version: 1,
      compensationPercent: 10,
      voucher: '30.00',
      runId: `reminders-${REMINDER_DAY}`,
      createdAt: '2026-08-21T16:00:00.000Z',
    });
    expect(queued[0]?.message.report).toEqual((await getVersion(table, 'acc-44', JUNE, 'ord-44', 1))?.report);
    expect((await noticeRecords(table)).map((n) => [n.noticeId, n.status]).sort()).toEqual([
      [REMINDER_44, 'enqueued'],
      [WINDOW_OPEN_44, 'enqueued'],
    ]);
    // the worker takes it: its schema accepts a reminder, and it is delivered
    const delivered: NoticeDelivery[] = [];
    const outcome = await deliverNotice(
      {
        table,
        channels: [{ name: 'test', serves: () => true, send: async (d) => void delivered.push(d) }],
        now: () => new Date('2026-08-22T00:00:05+08:00'),
        leaseSeconds: 60,
      },
      parseNoticeMessage(queued[0]?.body ?? ''),
    );
    expect(outcome).toMatchObject({ outcome: 'delivered', noticeId: REMINDER_44 });
    expect(delivered.map((d) => d.notice.kind)).toEqual(['reminder']);
  });

  it('runs twice the same day, and on the following days: still one reminder', async () => {
    // arrange
    const table = await notifiedJune();
    // act
    const runs = [
      await remindAt(table, '2026-08-22T03:00:00+08:00'),
      await remindAt(table, '2026-08-22T03:00:00+08:00'),
      await remindAt(table, '2026-08-22T18:00:00+08:00'),
      await remindAt(table, '2026-08-23T03:00:00+08:00'),
      await remindAt(table, '2026-08-28T03:00:00+08:00'),
    ];
    // assert
    expect(runs.map((r) => r.enqueued)).toEqual([1, 0, 0, 0, 0]);
    // the same day is read again (today always is): the reminder is found, not sent again
    expect(runs.map((r) => r.alreadyNotified)).toEqual([0, 1, 1, 0, 0]);
    expect((await receiveAll(queue())).map((q) => q.message.notice.noticeId)).toEqual([REMINDER_44]);
    expect(await readWatermark(table, REMINDER_CHECKPOINT)).toBe(dayNumber('2026-08-28'));
  });

  it('an accepted claim (the ACCEPTED marker): no reminder', async () => {
    // arrange
    const table = await notifiedJune();
    await acceptClaim44(table);
    // act
    const run = await remindAt(table, '2026-08-22T09:00:00+08:00');
    // assert
    expect(run).toMatchObject(reminderCounts({ due: 1, skippedClaimed: 1 }));
    expect(await receiveAll(queue())).toEqual([]);
    expect(await getNoticeState(table, { ...key44, kind: 'reminder' })).toBeUndefined();
  });

  it('the month corrected to 0 % before the reminder is due: no reminder (the correction went out instead)', async () => {
    // arrange: v2 met after all, its correction queued by the recalculation's NotifyBatch
    const table = await notifiedJune();
    await recordVersion(table, 'v2', { unavailableMinutes: 20, tier: 0, voucher: '0.00' });
    await putBatch(table, 'recalculation-2026-06-test', 0, ['acc-44'], new Date('2026-07-20T10:00:00+08:00'));
    await notifyAt(table, '2026-07-20T10:05:00+08:00', 'recalculation-2026-06-test');
    expect((await receiveAll(queue())).map((q) => q.message.notice.noticeId)).toEqual([
      'acc-44/ord-44/2026-06/correction/v2',
    ]);
    // act
    const run = await remindAt(table, '2026-08-22T09:00:00+08:00');
    // assert
    expect(run).toMatchObject(reminderCounts({ due: 1, skippedNoLongerEligible: 1 }));
    expect(await receiveAll(queue())).toEqual([]);
  });

  it('a later version with the same tier and voucher: the reminder tells the latest version', async () => {
    // arrange: v2 has other minutes, the same 10 % and 30.00
    const table = await notifiedJune();
    expect(await recordVersion(table, 'v2', { unavailableMinutes: 45, tier: 10, voucher: '30.00' })).toBe(2);
    // act
    const run = await remindAt(table, '2026-08-22T09:00:00+08:00');
    // assert
    expect(run.enqueued).toBe(1);
    const [reminder] = await receiveAll(queue());
    expect(reminder?.message.notice).toMatchObject({ noticeId: REMINDER_44, version: 2, voucher: '30.00' });
    expect(reminder?.message.report).toMatchObject({ unavailableMinutes: 45, compensationPercent: 10 });
  });

  it('a catch-up run after the window closed: skippedClosed, nothing sent', async () => {
    // arrange: the function did not run from 2026-08-20 to 2026-08-29
    const table = await notifiedJune();
    await remindAt(table, '2026-08-19T09:00:00+08:00');
    // act
    const run = await remindAt(table, '2026-08-30T09:00:00+08:00');
    // assert
    expect(run).toMatchObject(reminderCounts({ daysScanned: 11, due: 1, skippedClosed: 1 }));
    expect(await receiveAll(queue())).toEqual([]);
  });

  it('a catch-up run within the window: the missed day is read and the reminder sent', async () => {
    // arrange
    const table = await notifiedJune();
    await remindAt(table, '2026-08-20T09:00:00+08:00');
    // act: next run four days later
    const run = await remindAt(table, '2026-08-24T09:00:00+08:00');
    // assert
    expect(run).toMatchObject(reminderCounts({ daysScanned: 4, due: 1, enqueued: 1 }));
    expect((await receiveAll(queue())).map((q) => q.message.notice.noticeId)).toEqual([REMINDER_44]);
  });

  it('days older than the catch-up window are given up, and counted', async () => {
    // arrange: last run on 2026-08-01; the next one 30 days later with a 5-day window
    const table = await notifiedJune();
    await remindAt(table, '2026-08-01T09:00:00+08:00');
    // act
    const run = await remindAt(table, '2026-08-31T09:00:00+08:00', { maxCatchUpDays: 5 });
    // assert: 2026-08-02 … 2026-08-25 given up (24 days), 2026-08-26 … 2026-08-31 read
    expect(run).toMatchObject(reminderCounts({ daysGivenUp: 24, daysScanned: 6, due: 0 }));
    expect(await receiveAll(queue())).toEqual([]);
  });

  it('a setting of 3 days before: the entry indexed for closesOn − 7 is moved to closesOn − 3 and sent then', async () => {
    // arrange
    const table = await notifiedJune();
    // act
    const moved = await remindAt(table, '2026-08-22T09:00:00+08:00', { daysBefore: 3 });
    const early = await remindAt(table, '2026-08-25T09:00:00+08:00', { daysBefore: 3 });
    const due = await remindAt(table, '2026-08-26T09:00:00+08:00', { daysBefore: 3 });
    // assert
    expect(moved).toMatchObject(reminderCounts({ due: 1, deferred: 1 }));
    expect(early).toMatchObject(reminderCounts({ due: 0 }));
    expect(due).toMatchObject(reminderCounts({ due: 1, enqueued: 1 }));
    expect((await receiveAll(queue())).map((q) => q.message.notice.noticeId)).toEqual([REMINDER_44]);
  });

  it('the queue cannot be reached: the run fails naming the service month, the reminder stays pending and the day is read again; the next run sends it once', async () => {
    // arrange
    const table = await notifiedJune();
    const unreachable = await unreachableQueue(queue().url);
    try {
      // act
      const failing = remindAt(table, '2026-08-22T09:00:00+08:00', { queue: unreachable });
      // assert
      await expect(failing).rejects.toThrow(ReminderRunError);
      await expect(failing).rejects.toThrow(/acc-44\/ord-44\/2026-06: the notice queue is not reachable/);
      expect((await getNoticeState(table, { ...key44, kind: 'reminder' }))?.status).toBe('pending');
      expect(await readWatermark(table, REMINDER_CHECKPOINT)).toBe(dayNumber('2026-08-21'));
    } finally {
      unreachable.client.destroy();
    }
    // act: the next day's run
    const retry = await remindAt(table, '2026-08-23T09:00:00+08:00');
    // assert
    expect(retry).toMatchObject(reminderCounts({ daysScanned: 2, due: 1, resent: 1 }));
    const queued = await receiveAll(queue());
    expect(queued.map((q) => q.message.notice)).toEqual([
      expect.objectContaining({
        noticeId: REMINDER_44,
        createdAt: new Date('2026-08-22T09:00:00+08:00').toISOString(),
      }),
    ]);
    expect((await getNoticeState(table, { ...key44, kind: 'reminder' }))?.status).toBe('enqueued');
  });
});

describe('correction: only when the tier or the voucher changed', () => {
  it('versions that keep tier and voucher: none; a voucher change: one; a tier change: one; a reminder in between counts as told', async () => {
    // arrange
    const table = await notifiedJune();
    const recalc = 'recalculation-2026-06-test';
    await putBatch(table, recalc, 0, ['acc-44'], new Date('2026-07-20T10:00:00+08:00'));
    const notifyRecalc = async () => {
      const output = await notifyAt(table, '2026-07-20T12:00:00+08:00', recalc);
      return { output, queued: (await receiveAll(queue())).map((q) => q.message.notice) };
    };

    // act/assert: v2 — other minutes, the same 10 % and 30.00 → nothing
    await recordVersion(table, 'v2', { unavailableMinutes: 45, tier: 10, voucher: '30.00' });
    const before = await noticeRecords(table);
    expect(await notifyRecalc()).toEqual({
      output: expect.objectContaining({ corrections: 0, resent: 0 }),
      queued: [],
    });
    expect(await noticeRecords(table)).toEqual(before);

    // v3 — the same tier, another voucher → one correction from v1
    await recordVersion(table, 'v3', { unavailableMinutes: 46, tier: 10, voucher: '29.00' });
    expect((await notifyRecalc()).queued).toEqual([
      expect.objectContaining({
        noticeId: 'acc-44/ord-44/2026-06/correction/v3',
        previous: { version: 1, compensationPercent: 10, voucher: '30.00' },
      }),
    ]);

    // v4 — the same as v3 again → nothing
    await recordVersion(table, 'v4', { unavailableMinutes: 47, tier: 10, voucher: '29.00' });
    expect((await notifyRecalc()).queued).toEqual([]);

    // the reminder goes out with v4's figures; v5 keeps them → nothing
    expect((await remindAt(table, '2026-08-22T09:00:00+08:00')).enqueued).toBe(1);
    expect((await receiveAll(queue())).map((q) => [q.message.notice.noticeId, q.message.notice.version])).toEqual([
      [REMINDER_44, 4],
    ]);
    await recordVersion(table, 'v5', { unavailableMinutes: 48, tier: 10, voucher: '29.00' });
    expect((await notifyRecalc()).queued).toEqual([]);

    // v6 — 25 % → one correction from what the reminder told (v4)
    await recordVersion(table, 'v6', { unavailableMinutes: 500, tier: 25, voucher: '75.00' });
    expect((await notifyRecalc()).queued).toEqual([
      expect.objectContaining({
        noticeId: 'acc-44/ord-44/2026-06/correction/v6',
        compensationPercent: 25,
        voucher: '75.00',
        previous: { version: 4, compensationPercent: 10, voucher: '29.00' },
      }),
    ]);
  });
});

describe('reminderDueDay', () => {
  it.each([
    ['the window-open on opensOn: closesOn − 7', 7, '2026-07-08', '2026-08-22'],
    ['another setting: closesOn − 3', 3, '2026-07-08', '2026-08-26'],
    ['a window-open decided after closesOn − 7: the day after it', 7, '2026-08-24', '2026-08-25'],
    ['a window-open on the day before closesOn: closesOn', 7, '2026-08-28', '2026-08-29'],
    ['a window-open on closesOn: none', 7, '2026-08-29', undefined],
    ['more days before than the window is long: the day after opensOn', 60, '2026-07-08', '2026-07-09'],
    [
      'a toldOn before opensOn (never in practice): no earlier than the day after opensOn',
      60,
      '2026-07-01',
      '2026-07-09',
    ],
  ])('%s', (_name, daysBefore, toldOn, expected) => {
    expect(reminderDueDay(WINDOW, daysBefore, toldOn)).toBe(expected);
  });
});
