// Notice delivery under faults, end to end (SPEC R11, R12): the real notice worker
// (functions/notice-worker.ts makeHandler) with the real webhook and email channels, on dynalite
// and the embedded SQS API (local-aws-sqs: the notice queue and its DLQ, maxReceiveCount 5), driven
// as Lambda's event source mapping drives it (test/support/sqs-event-source.ts). SES is the one
// client replaced, at its SDK boundary (`{ send(command) }`); the webhooks go to a real receiver
// on 127.0.0.1 that verifies each signature and counts what it took under each Idempotency-Key.
//
// The month-end's notices (31: email only, webhook only, both; zh-CN and en), recorded with the
// contact preferences kept, queued, 5 of them queued twice, one for an account that stored no
// contact preferences (the poison). Faults while the queue drains:
//   - the receiver answers 500 to its first N requests (N > the channel's attempts), then recovers
//   - SES throttles its first 3 SendEmails (TooManyRequestsException), then takes them
//   - a Lambda dies mid-batch: one notice hangs between its channels (the webhook took it and that
//     was recorded; the email not sent) while the rest of the batch is delivered; the invocation
//     never answers, nothing is deleted, and the container is gone (the next one starts afresh)
//   - the next container's first email: SES takes it, then the worker throws (not a delivery error)
// Afterwards every notice is delivered once per medium, and the poison sits in the DLQ — marked
// failed, NOTICE_NO_CHANNEL — across later polls, until the operator fixes the account's
// preferences and runs `sla notices redrive`; then it is delivered once.
//
// Each poll is one visibility timeout after the one before: 1 s of wall time (receives ask for
// 1 s), 360 s of the worker's clock (the queue's timeout in AWS), so a lease taken at a poll has
// expired at the next — as in AWS, where the timeout is longer than the lease.

import { describe, expect, it, vi } from 'vitest';

await vi.hoisted(() => import('../support/lambda-env.ts'));

import { type SendEmailCommand, type SendEmailCommandInput, TooManyRequestsException } from '@aws-sdk/client-sesv2';
import type { Message } from '@aws-sdk/client-sqs';
import { createNotice, listNotices, markEnqueued } from '#adapters/dynamodb/notice-repository.ts';
import { type ContactPreferences, putContactPreferences } from '#adapters/dynamodb/registry-repository.ts';
import { type NoticeMessage, sendNotices } from '#adapters/sqs/notice-queue.ts';
import { logger } from '../../functions/commons/powertools.ts';
import { makeHandler } from '../../functions/notice-worker.ts';
import type { NoticeChannel, NoticeDelivery } from '../../shared/notices/deliver.ts';
import { EmailChannel, type SesSendClient } from '../../shared/notices/email-channel.ts';
import { WebhookChannel, webhookPartOf } from '../../shared/notices/webhook-channel.ts';
import { delay } from '../support/local-http.ts';
import { markersIn, PERSONAL } from '../support/markers.ts';
import { useNoticeWorker, visibilityTimeoutPasses } from '../support/notice-harness.ts';
import { JUNE, juneMessageOf } from '../support/notice-messages.ts';
import { runMain } from '../support/run-main.ts';
import { type Invocation, type SqsWorker, sqsEventOf } from '../support/sqs-event-source.ts';
import { takenByKey, useWebhookReceivers, type WebhookReceiver } from '../support/webhook-receiver.ts';

const SECRET = 'whsec-faults-3b7d';
const FROM = 'sla-notices@tcmpp.example';
/** The notice queue's visibility timeout in AWS: how far the worker's clock moves from one poll to the next. */
const VISIBILITY_SECONDS = 360;
/** The queue's maxReceiveCount (local-sqs.ts mirrors the stateful stack). */
const MAX_RECEIVES = 5;
const WEBHOOK_ATTEMPTS = 2;
const EMAIL_ATTEMPTS = 2;
const SES_THROTTLED_CALLS = 3;

// ---------------------------------------------------------------------------------------------
// The stand-ins

const { local, queueArn, settingsWith, stateOf, receive, invoke, approximateCount, pollUntilEmpty } =
  useNoticeWorker('delivery-faults');

// ---------------------------------------------------------------------------------------------
// The customers' webhook receiver (test/support/webhook-receiver.ts): verifies the signature,
// answers 500 to its first `failFirst` requests, 204 after; records every request

interface Receiver extends WebhookReceiver {
  /** requests answered 500 before the receiver recovers */
  failFirst: number;
}

const startWebhookReceiver = useWebhookReceivers(SECRET);

const startReceiver = async (): Promise<Receiver> => {
  let receiver: Receiver | undefined;
  const started = await startWebhookReceiver((n) => (n <= (receiver?.failFirst ?? 0) ? 500 : 204));
  receiver = Object.assign(started, { failFirst: 0 });
  return receiver;
};

// ---------------------------------------------------------------------------------------------
// SES at its SDK boundary: the first `throttled` SendEmails fail as SES fails them, then each is taken

interface SesCall {
  readonly input: SendEmailCommandInput;
  readonly to: readonly string[];
  readonly language: string;
  readonly answer: 'ok' | 'TooManyRequestsException';
}

const fakeSes = (throttled: number): SesSendClient & { readonly calls: SesCall[] } => {
  const calls: SesCall[] = [];
  return {
    calls,
    send: (command: SendEmailCommand) => {
      const { input } = command;
      const answer = calls.length < throttled ? 'TooManyRequestsException' : 'ok';
      const language = input.EmailTags?.find((t) => t.Name === 'notice-language')?.Value ?? '';
      calls.push({ input, to: input.Destination?.ToAddresses ?? [], language, answer });
      if (answer === 'ok') return Promise.resolve({ MessageId: `ses-${calls.length}` });
      return Promise.reject(
        new TooManyRequestsException({ message: 'Maximum sending rate exceeded.', $metadata: { httpStatusCode: 429 } }),
      );
    },
  };
};

/** `language|addresses` → SendEmails SES took for it. */
const sesTaken = (calls: readonly SesCall[]): Map<string, number> => {
  const taken = new Map<string, number>();
  for (const c of calls.filter((c) => c.answer === 'ok')) {
    const key = `${c.language}|${c.to.join(',')}`;
    taken.set(key, (taken.get(key) ?? 0) + 1);
  }
  return taken;
};

// ---------------------------------------------------------------------------------------------
// The accounts and their notices, as the month-end records and queues them

type Plan = 'email-zh' | 'email-zh-en' | 'webhook-zh' | 'webhook-en' | 'both-en' | 'both-zh-en';
const PLANS: readonly Plan[] = ['email-zh-en', 'webhook-zh', 'email-zh', 'both-en', 'webhook-en', 'both-zh-en'];

const address = (accountId: string, who: string): string => `${who}@${accountId}.customer.example`;
const hookPath = (accountId: string): string => `/hooks/${accountId}`;

const contactOf = (accountId: string, plan: Plan, base: string): ContactPreferences => {
  const email = (who: string, language: 'zh-CN' | 'en') => ({
    kind: 'email' as const,
    address: address(accountId, who),
    language,
  });
  const webhook = (language: 'zh-CN' | 'en') => ({
    kind: 'webhook' as const,
    url: `${base}${hookPath(accountId)}`,
    language,
  });
  const channels = {
    'email-zh': [email('ops', 'zh-CN')],
    'email-zh-en': [email('ops', 'zh-CN'), email('cto', 'en'), email('finance', 'zh-CN')],
    'webhook-zh': [webhook('zh-CN')],
    'webhook-en': [webhook('en')],
    'both-en': [webhook('en'), email('cto', 'en')],
    'both-zh-en': [email('ops', 'zh-CN'), webhook('zh-CN'), email('cto', 'en')],
  }[plan];
  return { accountId, channels };
};

/** The emails a notice of the plan is: `language|addresses`, one per language group. */
const emailsOf = (accountId: string, plan: Plan): string[] => {
  const a = (who: string) => address(accountId, who);
  return {
    'email-zh': [`zh-CN|${a('ops')}`],
    'email-zh-en': [`zh-CN|${a('ops')},${a('finance')}`, `en|${a('cto')}`],
    'webhook-zh': [],
    'webhook-en': [],
    'both-en': [`en|${a('cto')}`],
    'both-zh-en': [`zh-CN|${a('ops')}`, `en|${a('cto')}`],
  }[plan];
};
const webhookLanguageOf = (plan: Plan): 'zh-CN' | 'en' | undefined =>
  plan === 'webhook-zh' || plan === 'both-zh-en'
    ? 'zh-CN'
    : plan === 'webhook-en' || plan === 'both-en'
      ? 'en'
      : undefined;
const channelsOf = (plan: Plan): string[] => [
  ...(webhookLanguageOf(plan) === undefined ? [] : ['webhook']),
  ...(emailsOf('x', plan).length === 0 ? [] : ['email']),
];

/** The parts of the notice recorded as each was taken: its webhook (the account's only one), its email groups. */
const partsOf = (accountId: string, plan: Plan, base: string): string[] => [
  ...(webhookLanguageOf(plan) === undefined ? [] : [`webhook/${webhookPartOf(0, `${base}${hookPath(accountId)}`)}`]),
  ...emailsOf(accountId, plan).map((e) => `email/${e.split('|')[0]}/0`),
];

/** A message as an upstream that leaked personal data would queue it: fields beside and inside the notice and report. */
const withPersonalData = (m: NoticeMessage): NoticeMessage =>
  ({
    notice: { ...m.notice, idfa: PERSONAL.idfa },
    report: { ...m.report, location: PERSONAL.location, deviceModel: PERSONAL.deviceModel },
    device: PERSONAL,
  }) as unknown as NoticeMessage;

interface Customer {
  readonly accountId: string;
  readonly plan: Plan;
  readonly message: NoticeMessage;
}

interface MonthEnd {
  readonly customers: readonly Customer[];
  readonly poison: NoticeMessage;
  readonly byNoticeId: ReadonlyMap<string, Customer>;
  /** the messages queued twice */
  readonly twice: readonly NoticeMessage[];
}

const accountOf = (n: number): string => `acc-${String(n).padStart(2, '0')}`;
/** Queued twice by the month-end's retry (NotifyBatch found them pending, sent them again). */
const QUEUED_TWICE = [1, 4, 8, 18, 27];
/** Queued with personal data beside the notice's own fields. */
const LEAKY = [2, 7, 13, 22, 29];
const POISON_ACCOUNT = 'acc-99';

/**
 * 30 customers (5 of each plan) and the poison, recorded pending with the contact preferences
 * kept (none for the poison's account: it stored none), queued in that order with the poison
 * third, 5 queued again, then marked enqueued — as the month-end's NotifyBatch does.
 */
const runMonthEnd = async (receiver: Receiver, customerCount = 30): Promise<MonthEnd> => {
  const { table, sqs } = local();
  const customers: Customer[] = Array.from({ length: customerCount }, (_, i) => {
    const accountId = accountOf(i + 1);
    return { accountId, plan: PLANS[i % PLANS.length] as Plan, message: juneMessageOf(accountId, `ord-${i + 1}`) };
  });
  const poison = juneMessageOf(POISON_ACCOUNT, 'ord-99');
  for (const c of customers) {
    const contact = contactOf(c.accountId, c.plan, receiver.base);
    await putContactPreferences(table, contact);
    expect(await createNotice(table, c.message.notice, contact)).toEqual({ created: true });
  }
  expect(await createNotice(table, poison.notice)).toEqual({ created: true });
  const queued = customers.map((c, i) => (LEAKY.includes(i + 1) ? withPersonalData(c.message) : c.message));
  queued.splice(2, 0, poison);
  await sendNotices(sqs.queue, queued);
  const twice = customers.filter((_, i) => QUEUED_TWICE.includes(i + 1)).map((c) => c.message);
  await sendNotices(sqs.queue, twice);
  for (const m of [...customers.map((c) => c.message), poison])
    await markEnqueued(table, m.notice, new Date(m.notice.createdAt));
  return { customers, poison, byNoticeId: new Map(customers.map((c) => [c.message.notice.noticeId, c])), twice };
};

// ---------------------------------------------------------------------------------------------
// The worker: a container is one makeHandler with its own channels (the email channel's memory
// of the groups SES took is the container's; the parts recorded on the notices are every container's)

interface ContainerFaults {
  /** before the email channel sends (a hang here is a Lambda dying between two channels) */
  readonly beforeEmail?: (delivery: NoticeDelivery) => Promise<void>;
  /** after the email channel's send returned: SES took every email */
  readonly afterEmail?: (delivery: NoticeDelivery) => void;
}

const containerWith = (ses: SesSendClient, faults: ContainerFaults = {}): SqsWorker => {
  const email = new EmailChannel({
    client: ses,
    fromAddress: FROM,
    configurationSetName: 'sla-notices',
    timeoutMs: 1_000,
    attempts: EMAIL_ATTEMPTS,
    backoffMs: 5,
    sleep: async () => undefined,
  });
  const faultyEmail: NoticeChannel = {
    name: email.name,
    serves: (contact) => email.serves(contact),
    send: async (delivery) => {
      await faults.beforeEmail?.(delivery);
      await email.send(delivery);
      faults.afterEmail?.(delivery);
    },
  };
  const webhook = new WebhookChannel({
    secret: SECRET,
    timeoutMs: 2_000,
    attempts: WEBHOOK_ATTEMPTS,
    // ~249 ms before the second attempt: every first attempt of a batch reaches the receiver first
    backoffMs: 250,
    random: () => 0.999,
    now: () => new Date(),
  });
  const { sqs } = local();
  return makeHandler(settingsWith(webhook, faultyEmail), {
    deadLetter: { client: sqs.queue.client, url: sqs.deadLetterUrl },
    maxReceives: MAX_RECEIVES,
  });
};

// ---------------------------------------------------------------------------------------------
// Lambda's event source mapping, one poll at a time

const noticeIdOfMessage = (m: Message): string => m.MessageAttributes?.noticeId?.StringValue ?? '';

interface Poll {
  readonly container: string;
  readonly messages: readonly Message[];
  /** undefined: the invocation died (no answer, nothing deleted) */
  readonly invocation: Invocation | undefined;
}

interface Driver {
  /** the container that takes the next poll */
  container: { readonly name: string; readonly worker: SqsWorker };
  /** takes the poll instead of the worker when it returns true (after doing whatever it does) */
  readonly intercept?: (messages: readonly Message[], polls: readonly Poll[]) => Promise<boolean>;
  /** before the poll's invocation */
  readonly beforeInvoke?: (messages: readonly Message[], polls: readonly Poll[]) => void;
}

/**
 * Polls until the queue is empty (at most `rounds` polls), each one visibility timeout of the
 * worker's clock after the one before; every poll, in order.
 */
const drain = (driver: Driver, rounds = 30): Promise<Poll[]> =>
  pollUntilEmpty<Poll>(
    async (messages, polls) => {
      const { name } = driver.container;
      if (await driver.intercept?.(messages, polls)) return { container: name, messages, invocation: undefined };
      driver.beforeInvoke?.(messages, polls);
      return { container: name, messages, invocation: await invoke(driver.container.worker, messages) };
    },
    { rounds, advanceSeconds: VISIBILITY_SECONDS },
  );

const until = async (what: string, check: () => Promise<boolean>, ms = 5_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`);
    await delay(20);
  }
};

// ---------------------------------------------------------------------------------------------
// What the worker logged

/** The fields logged with `message` (the second argument of each call). */
const loggedWith = (
  spy: { readonly mock: { readonly calls: readonly (readonly unknown[])[] } },
  message: string,
): Record<string, unknown>[] =>
  spy.mock.calls.filter((call) => call[0] === message).map((call) => call[1] as Record<string, unknown>);

const countBy = (values: readonly string[]): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
};

const redriveArgs = (): string[] => [
  'notices',
  'redrive',
  '--queue-url',
  local().sqs.queue.url,
  '--dlq-url',
  local().sqs.deadLetterUrl,
  '--endpoint',
  local().sqs.endpoint,
];

// ---------------------------------------------------------------------------------------------

describe('notice delivery under faults: every due notice delivered exactly once, the poison in the DLQ until redriven', () => {
  it('a webhook answering 500 then recovering, SES throttling, a Lambda dying mid-batch, a worker throwing after SES took an email, duplicated messages; then `sla notices redrive`', async () => {
    // arrange: the month-end's notices; the receiver and SES fail first; spies on the worker's log
    const receiver = await startReceiver();
    const ses = fakeSes(SES_THROTTLED_CALLS);
    const { customers, poison, byNoticeId, twice } = await runMonthEnd(receiver);
    const info = vi.spyOn(logger, 'info');
    const warn = vi.spyOn(logger, 'warn');
    const error = vi.spyOn(logger, 'error');
    const { sqs, table } = local();
    expect(await approximateCount(sqs.queue.url)).toBe(36);

    // the notice the dying Lambda hangs on: its webhook takes it, its email never starts
    const hung = byNoticeId.get(juneMessageOf(accountOf(18), 'ord-18').notice.noticeId);
    if (hung === undefined) throw new Error('no customer 18');
    expect(hung.plan).toBe('both-zh-en');
    const hungId = hung.message.notice.noticeId;
    let reachedHang: () => void = () => undefined;
    const hangReached = new Promise<void>((resolve) => {
      reachedHang = resolve;
    });
    const c1 = containerWith(ses, {
      beforeEmail: async (delivery) => {
        if (delivery.notice.noticeId !== hungId) return;
        reachedHang();
        await new Promise<never>(() => undefined); // the Lambda times out here
      },
    });
    // the next container: its first email taken by SES, then the worker throws
    let thrownAfterSes: string | undefined;
    const c2 = containerWith(ses, {
      afterEmail: (delivery) => {
        if (thrownAfterSes !== undefined) return;
        thrownAfterSes = delivery.notice.noticeId;
        throw new Error('worker crashed after SES took the email');
      },
    });

    const driver: Driver = {
      container: { name: 'c1', worker: c1 },
      beforeInvoke: (messages, polls) => {
        // the receiver fails every first attempt of the first poll and 2 second attempts
        if (polls.length === 0)
          receiver.failFirst =
            messages.filter((m) => webhookLanguageOf(byNoticeId.get(noticeIdOfMessage(m))?.plan ?? 'email-zh')).length +
            2;
      },
      intercept: async (messages) => {
        if (driver.container.name !== 'c1' || !messages.some((m) => noticeIdOfMessage(m) === hungId)) return false;
        // the Lambda dies mid-batch: the invocation never answers; nothing is deleted
        void c1(sqsEventOf(messages, queueArn())).catch(() => undefined);
        await Promise.race([
          hangReached,
          delay(5_000).then(() => Promise.reject(new Error('the hung notice was never reached'))),
        ]);
        const others = messages.map(noticeIdOfMessage).filter((id) => id !== hungId);
        await until('the rest of the dying batch delivered, the hung notice past its webhook', async () => {
          for (const id of others) {
            const customer = byNoticeId.get(id);
            if (customer === undefined || (await stateOf(customer.message))?.status !== 'delivered') return false;
          }
          return (await stateOf(hung.message))?.sentChannels.includes('webhook') === true;
        });
        driver.container = { name: 'c2', worker: c2 };
        return true;
      },
    };

    // act 1: the event source mapping polls until the queue is empty
    const polls = await drain(driver);

    // assert: the first poll met the faults — N 500s (> the channel's attempts) and 3 throttles
    const [first] = polls;
    expect(first?.container).toBe('c1');
    expect(receiver.failFirst).toBeGreaterThan(WEBHOOK_ATTEMPTS);
    expect(receiver.requests.filter((r) => r.status === 500)).toHaveLength(receiver.failFirst);
    expect(ses.calls.filter((c) => c.answer === 'TooManyRequestsException')).toHaveLength(SES_THROTTLED_CALLS);
    // 2 webhooks failed every attempt, 1 email both of its attempts: those 3 were reported, came back
    const firstIds = new Set(first?.messages.map((m) => m.MessageId));
    const firstWarnings = loggedWith(warn, 'notice not delivered').filter((w) => firstIds.has(w.messageId as string));
    expect(countBy(firstWarnings.map((w) => w.code as string))).toEqual(
      new Map([
        ['WEBHOOK_UNAVAILABLE', 2],
        ['EMAIL_UNAVAILABLE', 1],
      ]),
    );
    expect(first?.invocation?.failed).toHaveLength(3);
    expect(first?.invocation?.failed).toEqual(expect.arrayContaining(firstWarnings.map((w) => w.messageId)));
    // the poison: no channel serves its account — straight to the DLQ, not reported, not retried
    expect(loggedWith(error, 'notice not delivered')).toContainEqual(
      expect.objectContaining({ noticeId: poison.notice.noticeId, code: 'NOTICE_NO_CHANNEL', retryable: false }),
    );
    const poisonReceives = polls
      .flatMap((p) => p.messages)
      .filter((m) => noticeIdOfMessage(m) === poison.notice.noticeId);
    expect(poisonReceives).toHaveLength(1);

    // the Lambda died once, in c1, on the batch holding the hung notice; every message of that batch
    // came back to c2 (nothing was deleted); the hung notice resumed after its webhook, email sent once
    const died = polls.filter((p) => p.invocation === undefined);
    expect(died).toHaveLength(1);
    expect(died[0]?.container).toBe('c1');
    const diedIndex = polls.indexOf(died[0] as Poll);
    const later = polls.slice(diedIndex + 1);
    expect(later.every((p) => p.container === 'c2')).toBe(true);
    for (const m of died[0]?.messages ?? []) {
      const back = later.flatMap((p) => p.messages).filter((l) => l.MessageId === m.MessageId);
      expect(back.length, `message ${m.MessageId} came back after the Lambda died`).toBeGreaterThanOrEqual(1);
      expect(Number(back[0]?.Attributes?.ApproximateReceiveCount)).toBeGreaterThanOrEqual(2);
    }
    const hungDelivered = loggedWith(info, 'notice delivered').filter((d) => d.noticeId === hungId);
    // (a third lease when c2's throw after SES below happened to be on it)
    expect(hungDelivered).toEqual([
      expect.objectContaining({
        channels: ['webhook', 'email'],
        resumed: ['webhook'],
        claims: thrownAfterSes === hungId ? 3 : 2,
      }),
    ]);

    // c2's first email: SES took it, the worker threw; it came back to c2 and was not sent again
    expect(thrownAfterSes).toBeDefined();
    expect(loggedWith(error, 'notice not delivered')).toContainEqual(
      expect.objectContaining({ noticeId: thrownAfterSes, retryable: true, error: expect.stringContaining('crashed') }),
    );

    // no message was received as often as the queue's maxReceiveCount
    const receiveCounts = polls.flatMap((p) => p.messages).map((m) => Number(m.Attributes?.ApproximateReceiveCount));
    expect(Math.max(...receiveCounts)).toBeLessThan(MAX_RECEIVES);
    // every message of the queue was handed to the worker (the 5 queued twice among them)
    const handed = countBy(polls.flatMap((p) => p.messages).map(noticeIdOfMessage));
    for (const m of twice) expect(handed.get(m.notice.noticeId)).toBeGreaterThanOrEqual(2);

    // assert: exactly once. The worker delivered each notice once (and nothing for the poison)…
    const deliveredIds = loggedWith(info, 'notice delivered').map((d) => d.noticeId as string);
    expect(countBy(deliveredIds)).toEqual(new Map(customers.map((c) => [c.message.notice.noticeId, 1])));
    expect(loggedWith(info, 'notice delivered before: message dropped').length).toBeGreaterThanOrEqual(twice.length);
    // …the receiver took each webhook notice once, under its key, signed, at its account's webhook,
    // in its language; no key twice
    const webhookCustomers = customers.filter((c) => webhookLanguageOf(c.plan) !== undefined);
    const taken = takenByKey(receiver);
    expect(receiver.requests.every((r) => r.verdict.ok)).toBe(true);
    expect([...taken.keys()].sort()).toEqual(webhookCustomers.map((c) => c.message.notice.noticeId).sort());
    for (const c of webhookCustomers) {
      const [only, ...duplicates] = taken.get(c.message.notice.noticeId) ?? [];
      expect(duplicates).toEqual([]);
      expect(only?.path).toBe(hookPath(c.accountId));
      const body = JSON.parse(only?.body ?? '{}') as { noticeId: string; howToClaim: { text: string } };
      expect(body.noticeId).toBe(c.message.notice.noticeId);
      expect(/[\u4e00-\u9fff]/.test(body.howToClaim.text)).toBe(webhookLanguageOf(c.plan) === 'zh-CN');
    }
    // …SES took each email (a language group of a notice) once
    const expectedEmails = customers.flatMap((c) => emailsOf(c.accountId, c.plan));
    expect(sesTaken(ses.calls)).toEqual(new Map(expectedEmails.map((e) => [e, 1])));
    // …every record delivered through its channels, but the poison: failed, NOTICE_NO_CHANNEL
    for (const c of customers) {
      const state = await stateOf(c.message);
      expect(state, c.message.notice.noticeId).toMatchObject({
        status: 'delivered',
        deliveredChannels: channelsOf(c.plan),
      });
      // every channel; and of the parts, only this notice's (the last part of the last channel is
      // recorded by the delivered write, so which parts have an entry depends on the faults)
      expect(state?.sentChannels).toEqual(expect.arrayContaining(channelsOf(c.plan)));
      const parts = partsOf(c.accountId, c.plan, receiver.base);
      expect(state?.sentChannels.filter((s) => s.includes('/')).every((s) => parts.includes(s))).toBe(true);
      expect(state).not.toHaveProperty('leaseUntil');
    }
    const [poisonRecord] = await listNotices(table, POISON_ACCOUNT, JUNE);
    expect(poisonRecord?.status).toBe('failed');
    expect(poisonRecord?.outcome).toMatchObject({ failedCode: 'NOTICE_NO_CHANNEL', failures: 1 });
    // …the queue empty, the DLQ holding the poison alone
    expect(await approximateCount(sqs.queue.url)).toBe(0);
    expect(await approximateCount(sqs.deadLetterUrl)).toBe(1);

    // act 2: the worker polls on; the dead letter is looked at (it comes back a second later)
    const dead = await receive(sqs.deadLetterUrl);
    await visibilityTimeoutPasses();
    const idle = await drain({ container: { name: 'c2', worker: c2 } });
    // assert: nothing to do; the poison still in the DLQ, as queued, with why; still failed
    expect(idle).toEqual([]);
    expect(await receive()).toEqual([]);
    expect(await approximateCount(sqs.deadLetterUrl)).toBe(1);
    expect(dead).toHaveLength(1);
    expect(dead[0]?.Body).toBe(JSON.stringify(poison));
    expect(dead[0]?.MessageAttributes?.noticeId?.StringValue).toBe(poison.notice.noticeId);
    expect(dead[0]?.MessageAttributes?.failureCode?.StringValue).toBe('NOTICE_NO_CHANNEL');
    expect(dead[0]?.MessageAttributes?.failureReason?.StringValue).toContain(
      `no channel serves account ${POISON_ACCOUNT}`,
    );
    expect((await stateOf(poison))?.status).toBe('failed');

    // act 3: the operator stores the account's contact preferences and redrives the DLQ
    const fixed = contactOf(POISON_ACCOUNT, 'both-zh-en', receiver.base);
    await putContactPreferences(table, fixed);
    const run = await runMain(redriveArgs());
    // assert: 1 moved, the DLQ empty
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`moved 1 messages from ${sqs.deadLetterUrl} to ${sqs.queue.url}\n`);
    expect(await approximateCount(sqs.deadLetterUrl)).toBe(0);
    expect(await approximateCount(sqs.queue.url)).toBe(1);

    // act 4: the worker drains once more
    const afterRedrive = await drain({ container: { name: 'c2', worker: c2 } });
    // assert: delivered once, reading the preferences stored now (no kept snapshot); nothing else sent again
    expect(afterRedrive.flatMap((p) => p.invocation?.failed ?? [])).toEqual([]);
    expect(loggedWith(info, 'notice delivered').filter((d) => d.noticeId === poison.notice.noticeId)).toEqual([
      expect.objectContaining({ channels: ['webhook', 'email'], resumed: [], claims: 2 }),
    ]);
    expect(await stateOf(poison)).toMatchObject({
      status: 'delivered',
      deliveredChannels: ['webhook', 'email'],
      claims: 2,
    });
    const takenAfter = takenByKey(receiver);
    expect([...takenAfter.values()].every((requests) => requests.length === 1)).toBe(true);
    expect(takenAfter.get(poison.notice.noticeId)?.map((r) => r.path)).toEqual([hookPath(POISON_ACCOUNT)]);
    expect(sesTaken(ses.calls)).toEqual(
      new Map([...expectedEmails, ...emailsOf(POISON_ACCOUNT, 'both-zh-en')].map((e) => [e, 1])),
    );
    expect(await approximateCount(sqs.queue.url)).toBe(0);
    expect(await approximateCount(sqs.deadLetterUrl)).toBe(0);

    // R12: no personal datum in anything sent, logged, or dead-lettered
    expect(markersIn(JSON.stringify(receiver.requests))).toEqual([]);
    expect(markersIn(JSON.stringify(ses.calls.map((c) => c.input)))).toEqual([]);
    expect(markersIn(JSON.stringify([info.mock.calls, warn.mock.calls, error.mock.calls]))).toEqual([]);
    expect(markersIn(JSON.stringify(dead[0]?.MessageAttributes))).toEqual([]);
    // the messages did carry them (the worker dropped them at its edge)
    expect(markersIn(JSON.stringify(polls.flatMap((p) => p.messages.map((m) => m.Body))))).not.toEqual([]);
  });
});

describe('notice delivery: what reaches the DLQ, and what a redrive does with it', () => {
  it('a webhook down for good: the notice comes back until maxReceiveCount, is marked failed at its last receive, and SQS moves it to the DLQ; the poison redriven unfixed goes straight back; redriven once the receiver is back, the notice is delivered once', async () => {
    // arrange: acc-02 asks for a webhook only; the receiver answers 500 to everything
    const receiver = await startReceiver();
    receiver.failFirst = Number.POSITIVE_INFINITY;
    const ses = fakeSes(0);
    const { table, sqs } = local();
    const down = juneMessageOf(accountOf(2), 'ord-2');
    const poison = juneMessageOf(POISON_ACCOUNT, 'ord-99');
    const contact = contactOf(accountOf(2), 'webhook-zh', receiver.base);
    await putContactPreferences(table, contact);
    await createNotice(table, down.notice, contact);
    await createNotice(table, poison.notice);
    await sendNotices(sqs.queue, [down, poison]);
    for (const m of [down, poison]) await markEnqueued(table, m.notice, new Date(m.notice.createdAt));
    const worker = containerWith(ses);
    const error = vi.spyOn(logger, 'error');

    // act 1: the queue drains as the event source mapping drains it
    const polls = await drain({ container: { name: 'c1', worker } });
    // assert: the poison once, straight to the DLQ; the notice 5 times (2 attempts each), the last
    // receive marking it failed with why, then moved to the DLQ by the queue's redrive policy
    const receivesOf = (m: NoticeMessage) =>
      polls
        .flatMap((p) => p.messages)
        .filter((r) => noticeIdOfMessage(r) === m.notice.noticeId)
        .map((r) => r.Attributes?.ApproximateReceiveCount);
    expect(receivesOf(poison)).toEqual(['1']);
    expect(receivesOf(down)).toEqual(['1', '2', '3', '4', '5']);
    expect(receiver.requests.map((r) => r.status)).toEqual(Array(MAX_RECEIVES * WEBHOOK_ATTEMPTS).fill(500));
    const [record] = await listNotices(table, accountOf(2), JUNE);
    expect(record?.status).toBe('failed');
    expect(record?.outcome).toMatchObject({ failedCode: 'WEBHOOK_UNAVAILABLE', failures: 1 });
    expect(record?.outcome.failedReason).toMatch(/answered 500 after 2 attempt\(s\) \(after 5 receives\)$/);
    expect(await approximateCount(sqs.queue.url)).toBe(0);
    expect(await approximateCount(sqs.deadLetterUrl)).toBe(2);

    // act 2: the receiver is back; the operator redrives without fixing the poison's account
    receiver.failFirst = 0;
    const run = await runMain(redriveArgs());
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`moved 2 messages from ${sqs.deadLetterUrl} to ${sqs.queue.url}\n`);
    const again = await drain({ container: { name: 'c1', worker } });
    // assert: the notice delivered once, on its sixth lease; the poison back in the DLQ, failed twice
    expect(again.flatMap((p) => p.invocation?.failed ?? [])).toEqual([]);
    expect(await stateOf(down)).toMatchObject({ status: 'delivered', deliveredChannels: ['webhook'], claims: 6 });
    const taken = takenByKey(receiver);
    expect([...taken.keys()]).toEqual([down.notice.noticeId]);
    expect(taken.get(down.notice.noticeId)).toHaveLength(1);
    expect(ses.calls).toEqual([]);
    const [poisonRecord] = await listNotices(table, POISON_ACCOUNT, JUNE);
    expect(poisonRecord).toMatchObject({ status: 'failed', outcome: { failedCode: 'NOTICE_NO_CHANNEL', failures: 2 } });
    expect(await approximateCount(sqs.queue.url)).toBe(0);
    const dead = await receive(sqs.deadLetterUrl);
    expect(dead.map((m) => [noticeIdOfMessage(m), m.MessageAttributes?.failureCode?.StringValue])).toEqual([
      [poison.notice.noticeId, 'NOTICE_NO_CHANNEL'],
    ]);
    expect(loggedWith(error, 'notice not delivered').filter((e) => e.code === 'NOTICE_NO_CHANNEL')).toHaveLength(2);
  });
});
