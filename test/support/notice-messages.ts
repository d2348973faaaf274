// A June notice and its report, as the month-end records and queues them and the worker hands them
// to a channel: 44 unavailable minutes (10 of them excluded under 4.4), 99.898148 %, 10 % of a
// 300.00 fee — a 30.00 voucher; the claim window 2026-07-08 … 2026-08-29. Pure builders: no store,
// no queue. And a delivery as the worker hands it to a channel, its parts recorded in memory.
import { type NoticeKind, type NoticeRecord, noticeIdOf, type Told } from '#adapters/dynamodb/notice-repository.ts';
import type { ContactPreferences } from '#adapters/dynamodb/registry-repository.ts';
import type { NoticeMessage } from '#adapters/sqs/notice-queue.ts';
import type { ServiceMonthReport } from '#domain/evaluate.ts';
import type { CompensationPercent } from '#domain/tiers.ts';
import type { NoticeDelivery } from '../../shared/notices/deliver.ts';

export const JUNE = '2026-06';

/** The account's June report (10 %, 30.00), with `overrides` in place of its fields. */
export const juneReportOf = (
  accountId: string,
  orderId: string,
  overrides: Partial<ServiceMonthReport> = {},
): ServiceMonthReport => ({
  accountId,
  orderId,
  month: JUNE,
  firstDay: '2026-06-01',
  lastDay: '2026-06-30',
  days: 30,
  totalMinutes: 43_200,
  unavailableMinutes: 44,
  excludedMinutes: { '4.4': 10 },
  observedMinutes: 43_200,
  availabilityPercent: '99.898148',
  compensationPercent: 10,
  fee: '300.00',
  voucher: '30.00',
  claimWindow: { opensOn: '2026-07-08', closesOn: '2026-08-29' },
  excludedBy: { 'ex-1': 10 },
  ...overrides,
});

/** What a notice tells, where it differs from a window-open of version 1 at 10 % (30.00). */
export interface NoticeFacts {
  readonly kind?: NoticeKind;
  readonly version?: number;
  readonly compensationPercent?: CompensationPercent;
  readonly voucher?: string;
  /** a correction: what the notice before it told */
  readonly previous?: Told;
}

/**
 * The account's June notice as the scheduled run records it at the windows' opening, and its
 * report with the notice's tier and voucher: the message the worker takes off the queue.
 */
export const juneMessageOf = (accountId: string, orderId: string, facts: NoticeFacts = {}): NoticeMessage => {
  const { previous, ...told } = facts;
  const fields = {
    kind: told.kind ?? 'window-open',
    accountId,
    orderId,
    month: JUNE,
    version: told.version ?? 1,
    compensationPercent: told.compensationPercent ?? 10,
    voucher: told.voucher ?? '30.00',
  };
  const notice: NoticeRecord = {
    noticeId: noticeIdOf(fields),
    ...fields,
    ...(previous === undefined ? {} : { previous }),
    runId: 'scheduled-2026-06',
    createdAt: '2026-07-07T16:00:00.000Z',
  };
  return {
    notice,
    report: juneReportOf(accountId, orderId, {
      compensationPercent: fields.compensationPercent,
      voucher: fields.voucher,
    }),
  };
};

/** A delivery handed to a channel outside the worker, and the parts the channel recorded, in order. */
export interface ChannelDelivery extends NoticeDelivery {
  readonly recorded: string[];
}

/**
 * A notice as the worker hands it to a channel: the message, the account's contact preferences,
 * the parts recorded under earlier leases (none unless given); recordPart appends to `recorded`
 * (or rejects as `recordPart` does, when given).
 */
export const channelDeliveryOf = (
  message: Pick<NoticeMessage, 'notice' | 'report'>,
  contact: ContactPreferences | undefined,
  options: { readonly sentParts?: readonly string[]; readonly recordPart?: (part: string) => Promise<void> } = {},
): ChannelDelivery => {
  const recorded: string[] = [];
  return {
    notice: message.notice,
    report: message.report,
    contact,
    sentParts: options.sentParts ?? [],
    recorded,
    recordPart: async (part) => {
      await options.recordPart?.(part);
      recorded.push(part);
    },
  };
};
