// The notice worker's use case (SPEC R11: "redelivery never produces a second notice"). The queue
// delivers a message at least once — again after a lost delete or a visibility timeout, twice when
// the month-end queued it twice, to two workers at once — so a notice id is delivered once by its
// record in DynamoDB (shared/adapters/dynamodb/notice-repository.ts), not by the message.
//
// Primary course, per message:
//   1. claim: one conditional write takes a lease on the notice record (not delivered; no lease, or
//      an expired one) with a fresh token. Delivered already → 'duplicate' (the message is
//      deleted, nothing is sent); another worker's live lease → NoticeLeasedError (retryable: the
//      message comes back after the visibility timeout); no record → NoticeNotFoundError (permanent).
//   1b. a notice superseded by a correction created since it was queued (an older version of the
//      same service month) is not sent: the queue does not keep order, and the customer keeps
//      the newer figures.
//   2. deliver through each channel that serves the account's contact preferences and has not
//      taken the notice under an earlier lease; each channel that takes it is recorded under the
//      token, so a worker that dies between two channels does not send the first one again.
//      A channel that sends a notice in parts (an email per language group, a POST per webhook)
//      records each part the medium took, under the token too (`<channel>/<part>` beside the
//      channel names in sentChannels), and is handed the parts recorded before (`sentParts`):
//      a worker — in any container — that dies or fails between two parts does not send the
//      first one again.
//   3. mark delivered — status, when, channels — conditional on the token.
//
// Sizing: function timeout ≤ lease ≤ queue visibility timeout. A worker that is still running
// holds its lease; a message that comes back finds the lease of a worker that died expired, and is
// delivered then. What remains is a worker that stalls or dies after the medium took a channel (or
// a part) and before that is recorded, or whose answer from the medium never came: a channel is
// idempotent per notice id where its medium lets it be (the outbox: one file per id; a webhook:
// the id as idempotency key; SES has none — see email-channel.ts).

import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import {
  claimNotice,
  markDelivered,
  markSuperseded,
  type NoticeRecord,
  noticeIdOf,
  recordChannelSent,
} from '#adapters/dynamodb/notice-repository.ts';
import { type ContactPreferences, getContactPreferences } from '#adapters/dynamodb/registry-repository.ts';
import type { Table } from '#adapters/dynamodb/table.ts';
import type { NoticeMessage } from '#adapters/sqs/notice-queue.ts';
import type { ServiceMonthReport } from '#domain/evaluate.ts';
import { outboxFileName } from './outbox-file.ts';

// ---------------------------------------------------------------------------------------------
// Channels

/**
 * What a channel gets: the notice, the facts of the version it announces, where the account wants
 * it; and, for a channel that sends in parts, the parts taken under earlier leases and a way to
 * record each one it sends now.
 */
export interface NoticeDelivery {
  readonly notice: NoticeRecord;
  readonly report: ServiceMonthReport;
  /** undefined: the account stored no contact preferences */
  readonly contact: ContactPreferences | undefined;
  /** the parts of this channel recorded under earlier leases (in any container): not sent again */
  readonly sentParts: readonly string[];
  /**
   * Records that the medium took `part` — a name stable across attempts at the notice, not empty
   * ('zh-CN/0'), never a personal datum nor a secret: it is stored on the record — under this
   * worker's lease. NoticeLeaseLostError when the lease is no longer this worker's: the channel
   * stops there (another worker delivers). `last`: no part of this channel follows in this send;
   * when the channel is also the notice's last, the delivered write records it all, so the part
   * costs no write of its own.
   */
  recordPart(part: string, options?: { readonly last?: boolean }): Promise<void>;
}

export interface NoticeChannel {
  /** stable: recorded on the notice once the channel took it ('outbox'; later 'email', 'webhook') */
  readonly name: string;
  /** whether the account's contact preferences ask for this channel */
  serves(contact: ContactPreferences | undefined): boolean;
  /**
   * Renders and sends the notice; resolves once the medium took it. Idempotent per notice id
   * where the medium allows it; throws when the medium did not take it (the message is retried).
   * A channel that sends in parts skips `delivery.sentParts` and awaits `delivery.recordPart`
   * after each part the medium took; one that sends once ignores both.
   */
  send(delivery: NoticeDelivery): Promise<void>;
}

/** The outbox file of a notice: its id, encoded (ids of accounts and orders never hold '/'). */
export { outboxFileName };

/**
 * The embedded run's channel: each notice as a JSON file named by its id in `dir`, written to a
 * temporary name and renamed into place — a notice sent twice is the same file, never half of one.
 */
export class OutboxChannel implements NoticeChannel {
  readonly name = 'outbox';

  constructor(readonly dir: string) {}

  serves(): boolean {
    return true;
  }

  async send(delivery: NoticeDelivery): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const file = join(this.dir, outboxFileName(delivery.notice.noticeId));
    const temporary = `${file}.${randomUUID()}.tmp`;
    const body = { notice: delivery.notice, report: delivery.report };
    await writeFile(temporary, `${JSON.stringify(body, null, 2)}\n`);
    await rename(temporary, file);
  }
}

// ---------------------------------------------------------------------------------------------
// Errors: each names the notice (or the field) and says whether a retry can help

export abstract class NoticeDeliveryError extends Error {
  abstract readonly code: string;
  /** true: the message should come back (after the visibility timeout); false: it will end in the DLQ */
  abstract readonly retryable: boolean;
}

/** Another worker holds a live lease on the notice: it is being delivered now. */
export class NoticeLeasedError extends NoticeDeliveryError {
  override readonly name = 'NoticeLeasedError';
  readonly code = 'NOTICE_LEASED';
  readonly retryable = true;
}

/** This worker's lease expired and another worker took it before this one finished. */
export class NoticeLeaseLostError extends NoticeDeliveryError {
  override readonly name = 'NoticeLeaseLostError';
  readonly code = 'NOTICE_LEASE_LOST';
  readonly retryable = true;
}

/** The message names a notice that is not recorded: no retry can deliver it. */
export class NoticeNotFoundError extends NoticeDeliveryError {
  override readonly name = 'NoticeNotFoundError';
  readonly code = 'NOTICE_NOT_RECORDED';
  readonly retryable = false;
}

/** No configured channel serves the account's contact preferences. */
export class NoticeUndeliverableError extends NoticeDeliveryError {
  override readonly name = 'NoticeUndeliverableError';
  readonly code = 'NOTICE_NO_CHANNEL';
  readonly retryable = false;
}

export interface MessageProblem {
  /** the field, as a path: `notice.voucher`, `report.claimWindow.opensOn`; `body` for the whole */
  readonly field: string;
  /** what is wrong, never the value (a message may carry data that must not be logged) */
  readonly problem: string;
}

/** The message body is not a NoticeMessage. */
export class MalformedNoticeError extends NoticeDeliveryError {
  override readonly name = 'MalformedNoticeError';
  readonly code = 'NOTICE_MALFORMED';
  readonly retryable = false;

  constructor(readonly problems: readonly MessageProblem[]) {
    super(`notice message is malformed: ${problems.map((p) => `${p.field}: ${p.problem}`).join('; ')}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The message, checked at the edge. Fields the schema does not know are dropped, so nothing but
// the notice's and report's own fields reaches a channel (R12).

const ID = /^[A-Za-z0-9._:@-]{1,128}$/;
const id = z.string().regex(ID, 'must be an id: 1 to 128 of A-Z a-z 0-9 . _ : @ -');
const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month YYYY-MM');
const date = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'must be a date YYYY-MM-DD');
const money = z.string().regex(/^\d+\.\d{2}$/, 'must be an amount with 2 decimals');
const percent = z.union([z.literal(0), z.literal(10), z.literal(25), z.literal(100)]);
const minutes = z.int().min(0);
const told = { version: z.int().min(1), compensationPercent: percent, voucher: money };

const noticeSchema = z.object({
  noticeId: z.string(),
  kind: z.enum(['window-open', 'reminder', 'correction']),
  accountId: id,
  orderId: id,
  month,
  ...told,
  previous: z.object(told).optional(),
  runId: z.string().min(1),
  createdAt: z.iso.datetime({ offset: true }),
});

const reportSchema = z.object({
  accountId: id,
  orderId: id,
  month,
  firstDay: date,
  lastDay: date,
  days: z.int().min(1),
  totalMinutes: minutes,
  unavailableMinutes: minutes,
  excludedMinutes: z.record(z.string(), minutes),
  observedMinutes: minutes,
  availabilityPercent: z.string().regex(/^\d{1,3}(\.\d+)?$/, 'must be a decimal percentage'),
  compensationPercent: percent,
  fee: money,
  voucher: money,
  claimWindow: z.object({ opensOn: date, closesOn: date, calendarAssumed: z.literal(true).optional() }).nullable(),
  excludedBy: z.record(z.string(), minutes),
});

const messageSchema = z
  .object({ notice: noticeSchema, report: reportSchema })
  .superRefine(({ notice, report }, ctx) => {
    if (notice.noticeId !== noticeIdOf(notice))
      ctx.addIssue({
        code: 'custom',
        path: ['notice', 'noticeId'],
        message: "is not the id of the notice's account, order, month, kind and version",
      });
    if (notice.kind === 'correction' && notice.previous === undefined)
      ctx.addIssue({ code: 'custom', path: ['notice', 'previous'], message: 'is required for a correction' });
    for (const field of ['accountId', 'orderId', 'month', 'compensationPercent', 'voucher'] as const) {
      if (report[field] !== notice[field])
        ctx.addIssue({ code: 'custom', path: ['report', field], message: `differs from notice.${field}` });
    }
  });

const fieldOf = (path: readonly PropertyKey[]): string =>
  path.reduce<string>(
    (out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)),
    '',
  ) || 'body';

/** The NoticeMessage of a message body; MalformedNoticeError naming every field that is wrong. */
export const parseNoticeMessage = (body: string): NoticeMessage => {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    // V8's message quotes the body: only the fact is kept
    throw new MalformedNoticeError([{ field: 'body', problem: 'is not JSON' }]);
  }
  const parsed = messageSchema.safeParse(json);
  if (!parsed.success) {
    throw new MalformedNoticeError(
      parsed.error.issues.map((issue) => ({ field: fieldOf(issue.path), problem: issue.message })),
    );
  }
  return parsed.data;
};

// ---------------------------------------------------------------------------------------------
// Delivery

export interface DeliverSettings {
  readonly table: Table;
  /** every channel the worker can use; each notice goes through those serving its account */
  readonly channels: readonly NoticeChannel[];
  readonly now: () => Date;
  /** longer than the function timeout, shorter than the queue's visibility timeout */
  readonly leaseSeconds: number;
}

export type DeliveryOutcome =
  | {
      readonly outcome: 'delivered';
      readonly noticeId: string;
      readonly channels: readonly string[];
      /** channels that had taken the notice under an earlier lease, not sent again */
      readonly resumed: readonly string[];
      /** leases taken on the notice, this one included */
      readonly claims: number;
    }
  | { readonly outcome: 'duplicate'; readonly noticeId: string }
  /** a correction of a later version was created before it went out: not sent (it would tell old figures) */
  | { readonly outcome: 'superseded'; readonly noticeId: string; readonly by: string };

/** Delivers a notice once, whatever number of times its message arrives (see the top of the file). */
export const deliverNotice = async (settings: DeliverSettings, message: NoticeMessage): Promise<DeliveryOutcome> => {
  const { table } = settings;
  const { noticeId } = message.notice;
  // 1. claim
  const token = randomUUID();
  const claimedAt = settings.now();
  const claim = await claimNotice(table, message.notice, {
    token,
    now: claimedAt,
    leaseSeconds: settings.leaseSeconds,
  });
  if (claim.outcome === 'missing') throw new NoticeNotFoundError(`notice ${noticeId} is not recorded`);
  if (claim.outcome === 'delivered') return { outcome: 'duplicate', noticeId };
  if (claim.outcome === 'leased') {
    const until = claim.state.leaseUntil === undefined ? 'now' : new Date(claim.state.leaseUntil).toISOString();
    throw new NoticeLeasedError(`notice ${noticeId} is being delivered by another worker (lease until ${until})`);
  }
  const { state } = claim;
  const leaseUntil = state.leaseUntil ?? claimedAt.getTime() + settings.leaseSeconds * 1000;

  // 1b. order: a correction created since this notice was queued carries newer figures
  if (state.supersededBy !== undefined) {
    if (await markSuperseded(table, message.notice, token, settings.now(), state.supersededBy))
      return { outcome: 'superseded', noticeId, by: state.supersededBy };
    throw new NoticeLeaseLostError(`notice ${noticeId}: another worker took the lease before it was superseded`);
  }

  // 2. deliver through the account's channels, those not taken yet
  // the first attempt uses the preferences kept with the notice; a later one reads them afresh
  const contact =
    state.claims === 1 && state.contact !== undefined
      ? state.contact
      : await getContactPreferences(table, state.notice.accountId);
  const serving = settings.channels.filter((c) => c.serves(contact));
  if (serving.length === 0)
    throw new NoticeUndeliverableError(
      `notice ${noticeId}: no channel serves account ${state.notice.accountId}'s contact preferences`,
    );
  // a whole channel is recorded by its name, a part of one as `<channel>/<part>`
  const resumed = serving.filter((c) => state.sentChannels.includes(c.name)).map((c) => c.name);
  const pending = serving.filter((c) => !resumed.includes(c.name));
  const deliveryFor = (channel: NoticeChannel): NoticeDelivery => {
    const prefix = `${channel.name}/`;
    return {
      notice: state.notice,
      report: message.report,
      contact,
      sentParts: state.sentChannels.filter((s) => s.startsWith(prefix)).map((s) => s.slice(prefix.length)),
      recordPart: async (part, options) => {
        if (part === '') throw new RangeError(`notice ${noticeId}: channel ${channel.name} recorded an empty part`);
        if (options?.last === true && channel === pending.at(-1)) return;
        if (!(await recordChannelSent(table, message.notice, token, `${prefix}${part}`)))
          throw new NoticeLeaseLostError(
            `notice ${noticeId}: another worker took the lease during channel ${channel.name} (after part ${part})`,
          );
      },
    };
  };
  for (const channel of pending) {
    // past the lease another worker may deliver: stop rather than send alongside it
    if (settings.now().getTime() >= leaseUntil)
      throw new NoticeLeaseLostError(`notice ${noticeId}: the lease expired before channel ${channel.name}`);
    await channel.send(deliveryFor(channel));
    // the last channel is recorded by markDelivered, in the same write
    if (channel === pending.at(-1)) break;
    if (!(await recordChannelSent(table, message.notice, token, channel.name)))
      throw new NoticeLeaseLostError(
        `notice ${noticeId}: another worker took the lease during channel ${channel.name}`,
      );
  }

  // 3. mark delivered
  const channels = serving.map((c) => c.name);
  if (await markDelivered(table, message.notice, token, settings.now(), channels)) {
    return { outcome: 'delivered', noticeId, channels, resumed, claims: state.claims };
  }
  // the lease expired while this worker sent, and another took it: what it recorded stands (its
  // message comes back and is dropped as a duplicate once that worker marked it delivered)
  throw new NoticeLeaseLostError(`notice ${noticeId}: another worker took the lease before it was marked delivered`);
};
