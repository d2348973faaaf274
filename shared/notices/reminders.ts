// Reminders (SPEC R11): a few days (default 7) before a claim window closes, a customer whose
// service month earns compensation and who has no accepted claim for it is reminded — once per
// service month, however many times the daily run runs (the notice key `…/reminder` is the
// idempotency key, as for the window-open notice).
//
// When the reminder falls due is decided when the window-open notice is decided (notifyBatch
// writes REMINDER#<dueDay>, see reminderDueDay); the daily run only reads the days due since the
// day it last finished.
//
// Primary course, per run:
//   1. today in the policy zone; the days from the one after the checkpoint up to today (at most
//      maxCatchUpDays back: older days are given up, and counted);
//   2. per day, its index entries; for each, the latest result still earns compensation, the claim
//      window is still open, no claim is accepted → a 'reminder' notice of the latest version,
//      recorded pending (once: conditional on its key), queued with the report of that version
//      exactly as a window-open, then marked enqueued;
//   3. the checkpoint moves (one conditional write) to the last day before the first day with a
//      failure (that day is read again by the next run; what it sent already is then
//      alreadyNotified). Today is always read again: a second run the same day costs one Query.

import {
  createNotice,
  markEnqueued,
  type NoticeRecord,
  noticeIdOf,
  type StoredNotice,
} from '#adapters/dynamodb/notice-repository.ts';
import { advanceWatermark, getContactPreferencesMany, readWatermark } from '#adapters/dynamodb/registry-repository.ts';
import {
  acceptedClaimsAmong,
  listRemindersDue,
  putReminderDue,
  REMINDER_CHECKPOINT,
  type ReminderDue,
} from '#adapters/dynamodb/reminder-repository.ts';
import { getLatestMany, getVersion, latestKey } from '#adapters/dynamodb/result-repository.ts';
import type { Table } from '#adapters/dynamodb/table.ts';
import { type NoticeMessage, type NoticeQueue, sendNotices } from '#adapters/sqs/notice-queue.ts';
import type { ClaimWindow } from '#domain/claim-window.ts';
import { localDateOf } from '#domain/instant.ts';
import { addDays, dateOfDayNumber, dayNumber } from '#domain/local-date.ts';

/** SPEC R11: "a few days (default 7) before closesOn". */
export const DEFAULT_REMINDER_DAYS_BEFORE = 7;
/** How many days back a run reads when it has not run for a while (the days before are given up). */
export const DEFAULT_REMINDER_MAX_CATCH_UP_DAYS = 14;

/**
 * The day a service month's reminder falls due: `closesOn − daysBefore`, but never on or before
 * the day the window-open notice was decided (`toldOn`, itself never before `opensOn`): a window
 * opened late (a recalculation that makes a month compensated weeks after its window opened) is
 * reminded the day after its window-open at the earliest. Undefined when that day is after
 * `closesOn`: the window-open went out on the last day of the window, and no reminder can follow.
 */
export const reminderDueDay = (window: ClaimWindow, daysBefore: number, toldOn: string): string | undefined => {
  const earliest = addDays(toldOn < window.opensOn ? window.opensOn : toldOn, 1);
  const wanted = addDays(window.closesOn, -daysBefore);
  const due = wanted < earliest ? earliest : wanted;
  return due > window.closesOn ? undefined : due;
};

/** Records when a window-open notice's reminder falls due (nothing when none can). */
export const indexReminder = async (
  table: Table,
  notice: Pick<NoticeRecord, 'accountId' | 'orderId' | 'month'>,
  window: ClaimWindow,
  daysBefore: number,
  toldOn: string,
): Promise<ReminderDue | undefined> => {
  const dueDay = reminderDueDay(window, daysBefore, toldOn);
  if (dueDay === undefined) return undefined;
  const due: ReminderDue = {
    accountId: notice.accountId,
    orderId: notice.orderId,
    month: notice.month,
    dueDay,
    closesOn: window.closesOn,
  };
  await putReminderDue(table, due);
  return due;
};

export interface ReminderSettings {
  readonly table: Table;
  readonly queue: NoticeQueue;
  readonly now: () => Date;
  /** the policy time zone (SPEC R1): the days are its days */
  readonly timeZone: string;
  /** remind this many days before closesOn (an entry indexed earlier than that is moved, not sent) */
  readonly daysBefore: number;
  /** read at most this many days before today */
  readonly maxCatchUpDays: number;
}

export interface ReminderRun {
  /** today in the policy zone */
  readonly today: string;
  /** index days read */
  readonly daysScanned: number;
  /** days after the checkpoint older than the catch-up window: never read */
  readonly daysGivenUp: number;
  /** index entries on the days read */
  readonly due: number;
  /** reminders decided and queued by this run */
  readonly enqueued: number;
  /** reminders found pending (decided by an earlier run that did not queue them) and queued again */
  readonly resent: number;
  readonly skippedClaimed: number;
  /** no result any more, or the latest one earns no compensation (a correction to 0 %) */
  readonly skippedNoLongerEligible: number;
  /** today is after closesOn */
  readonly skippedClosed: number;
  /** indexed before closesOn − daysBefore (the setting changed): moved to that day */
  readonly deferred: number;
  /** the reminder exists already (queued, delivered, failed…): nothing sent */
  readonly alreadyNotified: number;
  /** entries that could not be decided, with the reason; their day is read again next run */
  readonly failed: readonly { readonly serviceMonth: string; readonly error: string }[];
  /** the checkpoint after the run: the last day done */
  readonly checkpoint: string | undefined;
}

type Counts = {
  -readonly [K in Exclude<keyof ReminderRun, 'today' | 'failed' | 'checkpoint'>]: number;
};

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

const asRecord = (notice: NoticeRecord | StoredNotice): NoticeRecord => {
  const { status: _status, outcome: _outcome, ...rest } = notice as StoredNotice;
  return rest;
};

/** Sends the reminders of every day due since the checkpoint, up to today. */
export const enqueueDueReminders = async (settings: ReminderSettings): Promise<ReminderRun> => {
  const { table } = settings;
  const now = settings.now();
  const today = localDateOf(now.getTime(), settings.timeZone);
  const todayNumber = dayNumber(today);
  const counts: Counts = {
    daysScanned: 0,
    daysGivenUp: 0,
    due: 0,
    enqueued: 0,
    resent: 0,
    skippedClaimed: 0,
    skippedNoLongerEligible: 0,
    skippedClosed: 0,
    deferred: 0,
    alreadyNotified: 0,
  };
  const failed: { serviceMonth: string; error: string }[] = [];
  const watermark = await readWatermark(table, REMINDER_CHECKPOINT);
  const oldest = todayNumber - settings.maxCatchUpDays;
  // today is always read again (cheap): a run that failed on it, or a clock that went back
  const first = Math.min(watermark === undefined ? oldest : Math.max(watermark + 1, oldest), todayNumber);
  if (watermark !== undefined && watermark + 1 < oldest) counts.daysGivenUp = oldest - watermark - 1;
  // a day is done when every entry of it is decided and queued; the checkpoint moves over done days only
  let lastDone = watermark;
  let contiguous = true;
  for (let day = first; day <= todayNumber; day++) {
    const dayFailures = await remindDay(settings, dateOfDayNumber(day), today, now, counts, failed);
    counts.daysScanned++;
    if (dayFailures > 0) contiguous = false;
    if (contiguous && (lastDone === undefined || day > lastDone)) lastDone = day;
  }
  let checkpoint = watermark;
  // one conditional write; false: another run moved the checkpoint meanwhile (its days are done too)
  if (lastDone !== watermark && lastDone !== undefined) {
    if (await advanceWatermark(table, REMINDER_CHECKPOINT, watermark, lastDone)) checkpoint = lastDone;
    else checkpoint = await readWatermark(table, REMINDER_CHECKPOINT);
  }
  return {
    today,
    ...counts,
    failed,
    checkpoint: checkpoint === undefined ? undefined : dateOfDayNumber(checkpoint),
  };
};

/** The reminders of one index day; returns how many entries failed. */
const remindDay = async (
  settings: ReminderSettings,
  day: string,
  today: string,
  now: Date,
  counts: Counts,
  failed: { serviceMonth: string; error: string }[],
): Promise<number> => {
  const { table } = settings;
  const entries = await listRemindersDue(table, day);
  counts.due += entries.length;
  if (entries.length === 0) return 0;
  const latest = await getLatestMany(table, entries);
  const claimed = await acceptedClaimsAmong(table, entries);
  // kept with each reminder created (createNotice); read only for those that may still be due
  const contacts = await getContactPreferencesMany(
    table,
    entries.flatMap((e) => {
      const key = latestKey(e.accountId, e.orderId, e.month);
      return (latest.get(key)?.compensationPercent ?? 0) > 0 && !claimed.has(key) ? [e.accountId] : [];
    }),
  );
  const toSend: NoticeMessage[] = [];
  let created = 0;
  let failures = 0;
  for (const entry of entries) {
    const key = latestKey(entry.accountId, entry.orderId, entry.month);
    try {
      const pointer = latest.get(key);
      if (pointer === undefined || pointer.compensationPercent <= 0) {
        counts.skippedNoLongerEligible++;
        continue;
      }
      if (claimed.has(key)) {
        counts.skippedClaimed++;
        continue;
      }
      const stored = await getVersion(table, entry.accountId, entry.month, entry.orderId, pointer.version);
      if (stored === undefined) throw new Error(`version ${pointer.version} of ${key} is not stored`);
      const window = stored.report.claimWindow;
      if (window === null) {
        counts.skippedNoLongerEligible++;
        continue;
      }
      if (today > window.closesOn) {
        counts.skippedClosed++;
        continue;
      }
      const wanted = addDays(window.closesOn, -settings.daysBefore);
      if (today < wanted) {
        await putReminderDue(table, { ...entry, dueDay: wanted, closesOn: window.closesOn });
        counts.deferred++;
        continue;
      }
      const fields = {
        kind: 'reminder' as const,
        accountId: entry.accountId,
        orderId: entry.orderId,
        month: entry.month,
        version: pointer.version,
        compensationPercent: pointer.compensationPercent,
        voucher: pointer.voucher,
      };
      const notice: NoticeRecord = {
        noticeId: noticeIdOf(fields),
        ...fields,
        runId: `reminders-${today}`,
        createdAt: now.toISOString(),
      };
      const outcome = await createNotice(table, notice, contacts.get(entry.accountId));
      if (outcome.created) {
        toSend.push({ notice, report: stored.report });
        created++;
      } else if (outcome.existing.status === 'pending') {
        // decided by a run that stopped before queueing it: queued as first decided, with its version's report
        const existing = asRecord(outcome.existing);
        const report =
          existing.version === pointer.version
            ? stored.report
            : (await getVersion(table, existing.accountId, existing.month, existing.orderId, existing.version))?.report;
        if (report === undefined) throw new Error(`version ${existing.version} of ${key} is not stored`);
        toSend.push({ notice: existing, report });
      } else {
        counts.alreadyNotified++;
      }
    } catch (e) {
      failures++;
      failed.push({ serviceMonth: key, error: errorText(e) });
    }
  }
  if (toSend.length === 0) return failures;
  try {
    await sendNotices(settings.queue, toSend);
  } catch (e) {
    // every notice stays pending: the next run reads this day again and queues them
    for (const m of toSend) {
      const serviceMonth = latestKey(m.notice.accountId, m.notice.orderId, m.notice.month);
      failed.push({ serviceMonth, error: errorText(e) });
    }
    return failures + toSend.length;
  }
  for (const m of toSend) await markEnqueued(table, m.notice, now);
  counts.enqueued += created;
  counts.resent += toSend.length - created;
  return failures;
};
