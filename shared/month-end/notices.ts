// Notices after the month-end (SPEC R11), decided from the stored results and the notices already
// recorded — never from the run's own memory — so a duplicate run, a retried batch, or a
// recalculation while the scheduled run waits all end in the same notices, each queued once.
//
//   window-open  a service month that earns compensation, once, when its claim window opens;
//   correction   a later version whose tier or voucher differs from what the customer was last
//                told (one per such version; a reminder counts as told — it carries the figures
//                of the version it was sent for).
//
// With each window-open notice, the day its reminder falls due is indexed (REMINDER#<day>, see
// shared/notices/reminders.ts): closesOn − reminderDaysBefore, never before the day after the
// window-open was decided. The daily reminder function reads that index.
//
// Primary course, per batch (a few requests for all its accounts) and account:
//   1. its service months in the month (orders), the latest version of each, whether a window-open
//      notice exists — and only then its other notices;
//   2. what is due (noticeDue) is recorded pending — the record's key makes it once;
//   3. pending notices (this run's, or an interrupted earlier attempt's) are queued — a window-open's
//      reminder indexed first (a plain put: the same item again on a retry) — then marked enqueued.

import {
  createNotice,
  getWindowOpenMany,
  listNotices,
  markEnqueued,
  type NoticeRecord,
  noticeIdOf,
  type StoredNotice,
  type Told,
} from '#adapters/dynamodb/notice-repository.ts';
import { getContactPreferencesMany, ordersOfAccount } from '#adapters/dynamodb/registry-repository.ts';
import { getVersion, type LatestPointer, latestKey } from '#adapters/dynamodb/result-repository.ts';
import { getBatch } from '#adapters/dynamodb/run-repository.ts';
import type { Table } from '#adapters/dynamodb/table.ts';
import { type NoticeMessage, type NoticeQueue, sendNotices } from '#adapters/sqs/notice-queue.ts';
import { localDateOf } from '#domain/instant.ts';
import { serviceMonthsOf } from '#domain/service-months.ts';
import { ordersFromRecords } from '#ingest/ingest-probes.ts';
import { DEFAULT_REMINDER_DAYS_BEFORE, indexReminder } from '../notices/reminders.ts';
import { LISTED_PER_BATCH, type NotifyInput, type NotifyOutput } from './contracts.ts';
import { prefetchBatch } from './month-end-steps.ts';

export interface NotifySettings {
  readonly table: Table;
  readonly queue: NoticeQueue;
  readonly timeZone: string;
  readonly now: () => Date;
  /** the reminder falls due this many days before closesOn (SPEC R11; default 7) */
  readonly reminderDaysBefore?: number;
}

export class NoticeTooEarlyError extends Error {
  override readonly name = 'NoticeTooEarlyError';
}

export type NoticeDue =
  | { readonly kind: 'window-open' }
  | { readonly kind: 'correction'; readonly previous: Told }
  | undefined;

/**
 * What a service month's customer must be told now, given its latest result and the notices
 * recorded for it (any status: a pending notice is decided, only not queued yet).
 */
export const noticeDue = (latest: LatestPointer | undefined, notices: readonly StoredNotice[]): NoticeDue => {
  if (latest === undefined) return undefined;
  const told = notices.reduce<StoredNotice | undefined>(
    (last, n) => (!last || n.version > last.version ? n : last),
    undefined,
  );
  if (told === undefined) return latest.compensationPercent > 0 ? { kind: 'window-open' } : undefined;
  if (told.compensationPercent === latest.compensationPercent && told.voucher === latest.voucher) return undefined;
  if (latest.version <= told.version) return undefined;
  return {
    kind: 'correction',
    previous: { version: told.version, compensationPercent: told.compensationPercent, voucher: told.voucher },
  };
};

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export const notifyBatch = async (settings: NotifySettings, input: NotifyInput): Promise<NotifyOutput> => {
  const { table } = settings;
  const now = settings.now();
  // the Wait before this step is the rule; this is the guard (SPEC R11: not before)
  if (now.getTime() < Date.parse(input.opensAt)) {
    throw new NoticeTooEarlyError(
      `claim windows of ${input.month} open at ${input.opensAt}; it is ${now.toISOString()}`,
    );
  }
  const { accounts } = await getBatch(table, input.runId, input.batch);
  // the batch's orders and LATEST pointers, and its window-open notices, in a few requests: an
  // account never told anything, with nothing to tell, costs no request of its own
  const { orders, latest } = await prefetchBatch(table, accounts, input.month, settings.timeZone);
  const serviceMonths = [...latest.keys()].map((key) => {
    const [accountId = '', orderId = '', month = ''] = key.split('/');
    return { accountId, orderId, month };
  });
  const windowOpen = await getWindowOpenMany(table, serviceMonths);
  const toSend: NoticeRecord[] = [];
  let windowOpenCount = 0;
  let corrections = 0;
  let resent = 0;
  const failed: { accountId: string; error: string }[] = [];
  /** notices due now, decided from what is stored; created below */
  const decided: NoticeRecord[] = [];
  for (const accountId of accounts) {
    try {
      const records = ordersOfAccount(orders, accountId);
      const orderIds = [
        ...new Set(
          ordersFromRecords(records)
            .flatMap((o) => serviceMonthsOf(o, settings.timeZone).filter((m) => m.month === input.month))
            .map((m) => m.orderId),
        ),
      ];
      const keyOf = (orderId: string) => latestKey(accountId, orderId, input.month);
      const told = orderIds.some((orderId) => windowOpen.get(keyOf(orderId)) !== undefined);
      // told before: every notice of the month (corrections, pending ones); else there are none
      const notices = told ? await listNotices(table, accountId, input.month) : [];
      for (const n of notices) {
        if (n.status !== 'pending') continue;
        toSend.push(n);
        resent++;
      }
      for (const orderId of orderIds) {
        const pointer = latest.get(keyOf(orderId));
        const due = noticeDue(
          pointer,
          notices.filter((n) => n.orderId === orderId),
        );
        if (due === undefined || pointer === undefined) continue;
        const fields = {
          kind: due.kind,
          accountId,
          orderId,
          month: input.month,
          version: pointer.version,
          compensationPercent: pointer.compensationPercent,
          voucher: pointer.voucher,
        };
        const notice: NoticeRecord = {
          noticeId: noticeIdOf(fields),
          ...fields,
          ...(due.kind === 'correction' ? { previous: due.previous } : {}),
          runId: input.runId,
          createdAt: now.toISOString(),
        };
        decided.push(notice);
      }
    } catch (e) {
      failed.push({ accountId, error: errorText(e) });
    }
  }
  // the contact preferences of the accounts with a notice due, kept with each notice created
  // (createNotice): the worker's first attempt then reads nothing
  const contacts = await getContactPreferencesMany(
    table,
    decided.map((n) => n.accountId),
  );
  for (const notice of decided) {
    if (failed.some((f) => f.accountId === notice.accountId)) continue;
    try {
      const outcome = await createNotice(table, notice, contacts.get(notice.accountId));
      if (outcome.created) {
        toSend.push(notice);
        if (notice.kind === 'window-open') windowOpenCount++;
        else corrections++;
      } else if (outcome.existing.status === 'pending' && !toSend.some((n) => n.noticeId === notice.noticeId)) {
        toSend.push(outcome.existing);
        resent++;
      }
    } catch (e) {
      // the account's other notices are still created: each is decided on its own
      if (!failed.some((f) => f.accountId === notice.accountId))
        failed.push({ accountId: notice.accountId, error: errorText(e) });
    }
  }
  const messages: NoticeMessage[] = [];
  for (const notice of toSend) {
    const stored = await getVersion(table, notice.accountId, notice.month, notice.orderId, notice.version);
    if (stored === undefined)
      throw new Error(`notice ${notice.noticeId} names version ${notice.version}, which is not stored`);
    const window = stored.report.claimWindow;
    if (notice.kind === 'window-open' && window !== null) {
      const toldOn = localDateOf(Date.parse(notice.createdAt), settings.timeZone);
      await indexReminder(table, notice, window, settings.reminderDaysBefore ?? DEFAULT_REMINDER_DAYS_BEFORE, toldOn);
    }
    messages.push({ notice: withoutStatus(notice), report: stored.report });
  }
  await sendNotices(settings.queue, messages);
  for (const notice of toSend) await markEnqueued(table, notice, now);
  return {
    windowOpen: windowOpenCount,
    corrections,
    resent,
    failedCount: failed.length,
    failed: failed.slice(0, LISTED_PER_BATCH),
  };
};

const withoutStatus = (notice: NoticeRecord | StoredNotice): NoticeRecord => {
  // a stored notice: without what the record says about it (its status, the worker's outcome)
  const { status: _status, outcome: _outcome, ...rest } = notice as StoredNotice;
  return rest;
};
