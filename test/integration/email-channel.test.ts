// The email channel (shared/notices/email-channel.ts) with SES replaced at its SDK boundary (SES is
// the one AWS service with no local stand-in here): a client that records each SendEmailCommand and
// answers as each test scripts it, with the SDK's own exception classes; and once the real
// SESv2Client against a local HTTP server that answers as SES's API does. Then the notice worker
// (functions/notice-worker.ts makeHandler) on dynalite and local-aws-sqs with the email channel:
// an account with email preferences gets one SendEmail per language group across SES throttling,
// a duplicated message, a redelivery, and a message back to another container (each group SES
// took recorded on the notice).

import { afterEach, describe, expect, it, vi } from 'vitest';

await vi.hoisted(() => import('../support/lambda-env.ts'));

import {
  AccountSuspendedException,
  BadRequestException,
  InternalServiceErrorException,
  LimitExceededException,
  MailFromDomainNotVerifiedException,
  MessageRejected,
  NotFoundException,
  SESv2Client,
  SESv2ServiceException,
  SendEmailCommand,
  type SendEmailCommandInput,
  SendingPausedException,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import { getNoticeState } from '#adapters/dynamodb/notice-repository.ts';
import { type ContactPreferences, putContactPreferences } from '#adapters/dynamodb/registry-repository.ts';
import { type NoticeMessage, sendNotices } from '#adapters/sqs/notice-queue.ts';
import { logger } from '../../functions/commons/powertools.ts';
import { makeHandler, workerSettings } from '../../functions/notice-worker.ts';
import {
  EmailChannel,
  type EmailChannelSettings,
  EmailRejectedError,
  EmailUnavailableError,
  emailGroupsOf,
  emailPartOf,
  MAX_RECIPIENTS,
  type SesSendClient,
} from '../../shared/notices/email-channel.ts';
import type { Language } from '../../shared/notices/render.ts';
import { type LocalServer, readBody, startHttpServer } from '../support/local-http.ts';
import { LEASE_SECONDS, useNoticeWorker, useWorkerEnv, visibilityTimeoutPasses } from '../support/notice-harness.ts';
import { type ChannelDelivery, channelDeliveryOf, juneMessageOf } from '../support/notice-messages.ts';
import type { SqsWorker } from '../support/sqs-event-source.ts';

const FROM = 'sla-notices@tcmpp.example';
const ZH_1 = 'ops@customer.example';
const ZH_2 = 'finance@customer.example';
const EN_1 = 'cto@customer.example';

// ---------------------------------------------------------------------------------------------
// SES at its SDK boundary

/** What SES answers to its n-th SendEmail (1-based): taken, an error, or nothing until aborted. */
type Answer = 'ok' | Error | 'hang';

interface Sent {
  readonly input: SendEmailCommandInput;
  readonly language: string | undefined;
  readonly signal: AbortSignal | undefined;
  /** what SES answered */
  readonly answer: 'ok' | string;
}

interface FakeSes extends SesSendClient {
  readonly calls: Sent[];
  /** the SendEmails SES took */
  readonly taken: () => Sent[];
}

const sesError = <E extends SESv2ServiceException>(
  Exception: new (opts: { message: string; $metadata: { httpStatusCode: number } }) => E,
  status: number,
  message = 'scripted by the test',
): E => new Exception({ message, $metadata: { httpStatusCode: status } });

const throttled = () => sesError(TooManyRequestsException, 429, 'Too Many Requests');

const fakeSes = (script: (n: number, input: SendEmailCommandInput) => Answer): FakeSes => {
  const calls: Sent[] = [];
  return {
    calls,
    taken: () => calls.filter((c) => c.answer === 'ok'),
    send: (command, options) => {
      expect(command).toBeInstanceOf(SendEmailCommand);
      const { input } = command;
      const answer = script(calls.length + 1, input);
      const language = input.EmailTags?.find((t) => t.Name === 'notice-language')?.Value;
      const signal = options?.abortSignal;
      calls.push({ input, language, signal, answer: typeof answer === 'string' ? answer : answer.name });
      if (answer === 'ok') return Promise.resolve({ MessageId: `msg-${calls.length}` });
      if (answer === 'hang')
        return new Promise((_, reject) => {
          signal?.addEventListener('abort', () => reject(signal.reason));
        });
      return Promise.reject(answer);
    },
  };
};

/** The backoffs the channel waited, without waiting them. */
const recordedSleeps = (): { sleeps: number[]; sleep: (ms: number) => Promise<void> } => {
  const sleeps: number[] = [];
  return { sleeps, sleep: async (ms) => void sleeps.push(ms) };
};

const channelWith = (client: SesSendClient, overrides: Partial<EmailChannelSettings> = {}): EmailChannel =>
  new EmailChannel({
    client,
    fromAddress: FROM,
    configurationSetName: 'sla-notices',
    timeoutMs: 1_000,
    attempts: 3,
    backoffMs: 5,
    sleep: recordedSleeps().sleep,
    ...overrides,
  });

// ---------------------------------------------------------------------------------------------
// A notice and its report, as the worker hands them to a channel

const messageOf = (n: number, kind: 'window-open' | 'reminder' = 'window-open'): NoticeMessage =>
  juneMessageOf(`acc-${n}`, `ord-${n}`, { kind });

const contactOf = (accountId: string, ...emails: [address: string, language: Language][]): ContactPreferences => ({
  accountId,
  channels: [
    { kind: 'webhook', url: 'https://hooks.customer.example/sla', language: 'en' },
    ...emails.map(([address, language]) => ({ kind: 'email' as const, address, language })),
  ],
});

/** acc-1: two addresses in Chinese, one in English; `sentParts`: the groups recorded under earlier leases. */
const deliveryOf = (
  n = 1,
  kind: 'window-open' | 'reminder' = 'window-open',
  options: Parameters<typeof channelDeliveryOf>[2] = {},
): ChannelDelivery =>
  channelDeliveryOf(messageOf(n, kind), contactOf(`acc-${n}`, [ZH_1, 'zh-CN'], [EN_1, 'en'], [ZH_2, 'zh-CN']), options);

const enOnly = (n = 1): ChannelDelivery => channelDeliveryOf(messageOf(n), contactOf(`acc-${n}`, [EN_1, 'en']));

// ---------------------------------------------------------------------------------------------

describe('email channel: what it sends', () => {
  it('one SendEmail per language group: every address of the language in ToAddresses; subject, HTML and text in UTF-8; tagged with kind and language only', async () => {
    // arrange
    const ses = fakeSes(() => 'ok');
    const delivery = deliveryOf(1, 'reminder');
    // act
    await channelWith(ses).send(delivery);
    // assert
    expect(ses.calls).toHaveLength(2);
    const [zh, en] = ses.calls.map((c) => c.input);
    expect(zh).toMatchObject({
      FromEmailAddress: FROM,
      ConfigurationSetName: 'sla-notices',
      Destination: { ToAddresses: [ZH_1, ZH_2] },
      EmailTags: [
        { Name: 'notice-kind', Value: 'reminder' },
        { Name: 'notice-language', Value: 'zh-CN' },
      ],
    });
    expect(en).toMatchObject({ Destination: { ToAddresses: [EN_1] } });
    expect(en?.Destination).toEqual({ ToAddresses: [EN_1] });
    const simple = zh?.Content?.Simple;
    expect(simple?.Subject).toEqual({
      Data: 'TCMPP SLA 赔偿申请提醒：订单 ord-1 2026-06 服务月的申请将于 2026-08-29 截止',
      Charset: 'UTF-8',
    });
    expect(simple?.Body?.Html?.Charset).toBe('UTF-8');
    expect(simple?.Body?.Text?.Charset).toBe('UTF-8');
    expect(simple?.Body?.Html?.Data).toMatch(/^<!DOCTYPE html>/);
    expect(simple?.Body?.Text?.Data).toContain('注明用户 ID acc-1 和订单号 ord-1');
    expect(en?.Content?.Simple?.Body?.Text?.Data).toContain('giving your user id acc-1 and order id ord-1');
    // tags reach SES event destinations: no address, no id
    const tags = JSON.stringify([zh?.EmailTags, en?.EmailTags]);
    expect(tags).not.toMatch(/@|acc-1|ord-1/);
    for (const tag of [...(zh?.EmailTags ?? []), ...(en?.EmailTags ?? [])]) {
      expect(tag.Name).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(tag.Value).toMatch(/^[A-Za-z0-9_-]+$/);
    }
    // each attempt can be aborted (timeoutMs)
    expect(ses.calls.every((c) => c.signal instanceof AbortSignal)).toBe(true);
  });

  it('without a configuration set: none in the request', async () => {
    const ses = fakeSes(() => 'ok');
    await channelWith(ses, { configurationSetName: undefined }).send(enOnly());
    expect(ses.calls[0]?.input).not.toHaveProperty('ConfigurationSetName');
  });

  it('groups addresses: each once (case aside), by language in the order listed, at most 50 a message', () => {
    const many = Array.from({ length: 51 }, (_, i) => [`user${i}@customer.example`, 'en'] as [string, Language]);
    const groups = emailGroupsOf(
      contactOf('acc-1', [EN_1, 'en'], [ZH_1, 'zh-CN'], [' CTO@Customer.example ', 'en'], ...many),
    );
    expect(groups.map((g) => [g.language, g.addresses.length])).toEqual([
      ['en', MAX_RECIPIENTS],
      ['en', 2],
      ['zh-CN', 1],
    ]);
    expect(groups[0]?.addresses[0]).toBe(EN_1);
  });
});

describe('email channel: serves', () => {
  it('an account whose contact preferences hold an email; not a webhook-only one, nor one without preferences', () => {
    const channel = channelWith(fakeSes(() => 'ok'));
    expect(channel.name).toBe('email');
    expect(channel.serves(contactOf('acc-1', [EN_1, 'en']))).toBe(true);
    expect(channel.serves(contactOf('acc-1'))).toBe(false);
    expect(channel.serves(undefined)).toBe(false);
  });
});

describe('email channel: SES answers and failures', () => {
  it('throttled twice, then taken: one email sent, three attempts, backoffs with full jitter under their ceilings', async () => {
    // arrange
    const ses = fakeSes((n) => (n <= 2 ? throttled() : 'ok'));
    const { sleeps, sleep } = recordedSleeps();
    const random = vi.fn(() => 0.5);
    // act
    await channelWith(ses, { attempts: 3, backoffMs: 100, sleep, random }).send(enOnly());
    // assert
    expect(ses.calls.map((c) => c.answer)).toEqual(['TooManyRequestsException', 'TooManyRequestsException', 'ok']);
    expect(ses.taken()).toHaveLength(1);
    expect(new Set(ses.calls.map((c) => c.input.Content?.Simple?.Body?.Text?.Data)).size).toBe(1);
    expect(random).toHaveBeenCalledTimes(2);
    expect(sleeps).toEqual([50, 100]); // 0.5 × 100, 0.5 × 200
  });

  it('backoff: a random part of backoffMs × 2^(retry-1), never above maxBackoffMs', async () => {
    const ses = fakeSes(() => throttled());
    const { sleeps, sleep } = recordedSleeps();
    const send = channelWith(ses, { attempts: 5, backoffMs: 100, maxBackoffMs: 250, sleep, random: () => 0.999 }).send(
      enOnly(),
    );
    await expect(send).rejects.toThrow(EmailUnavailableError);
    expect(sleeps).toEqual([99, 199, 249, 249]);
  });

  it('backoff with real timers: the waits happen, bounded', async () => {
    const ses = fakeSes((n) => (n <= 2 ? throttled() : 'ok'));
    const started = performance.now();
    await channelWith(ses, { backoffMs: 40, random: () => 0.999, sleep: undefined }).send(enOnly());
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(39 + 79 - 5);
    expect(elapsed).toBeLessThan(1_000);
    expect(ses.taken()).toHaveLength(1);
  });

  it.each([
    ['LimitExceededException', () => sesError(LimitExceededException, 400)],
    ['InternalServiceErrorException (500)', () => sesError(InternalServiceErrorException, 500)],
    [
      'an unknown 503',
      () =>
        new SESv2ServiceException({
          name: 'ServiceUnavailable',
          $fault: 'server',
          $metadata: { httpStatusCode: 503 },
          message: 'x',
        }),
    ],
    ['a network error', () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
  ])('%s: retried, then taken', async (_, error) => {
    const ses = fakeSes((n) => (n === 1 ? error() : 'ok'));
    await channelWith(ses).send(enOnly());
    expect(ses.calls).toHaveLength(2);
    expect(ses.taken()).toHaveLength(1);
  });

  it('no answer within timeoutMs: the attempt is aborted and retried', async () => {
    const ses = fakeSes((n) => (n === 1 ? 'hang' : 'ok'));
    const started = performance.now();
    await channelWith(ses, { timeoutMs: 100 }).send(enOnly());
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    expect(ses.calls.map((c) => c.answer)).toEqual(['hang', 'ok']);
    expect(ses.calls[0]?.signal?.aborted).toBe(true);
  });

  it('throttled at every attempt: EmailUnavailableError (retryable) naming the attempts and the last SES error', async () => {
    // arrange
    const ses = fakeSes(() => throttled());
    // act
    const send = channelWith(ses, { attempts: 4 }).send(enOnly());
    // assert
    await expect(send).rejects.toThrow(EmailUnavailableError);
    await expect(send).rejects.toMatchObject({
      code: 'EMAIL_UNAVAILABLE',
      retryable: true,
      attempts: 4,
      sesError: 'TooManyRequestsException',
      language: 'en',
      noticeId: 'acc-1/ord-1/2026-06/window-open',
    });
    await expect(send).rejects.toThrow(
      'notice acc-1/ord-1/2026-06/window-open: SES did not take the en email after 4 attempt(s): TooManyRequestsException',
    );
    expect(ses.calls).toHaveLength(4);
    expect(ses.taken()).toHaveLength(0);
  });

  it('no answer at any attempt: EmailUnavailableError naming the timeout', async () => {
    const ses = fakeSes(() => 'hang');
    const send = channelWith(ses, { timeoutMs: 30, attempts: 2 }).send(enOnly());
    await expect(send).rejects.toMatchObject({ name: 'EmailUnavailableError', sesError: 'timeout', attempts: 2 });
  });

  it('sending paused: EmailUnavailableError at once (retryable later, by the queue), not retried now', async () => {
    const ses = fakeSes(() => sesError(SendingPausedException, 400));
    const send = channelWith(ses, { attempts: 4 }).send(enOnly());
    await expect(send).rejects.toMatchObject({
      name: 'EmailUnavailableError',
      retryable: true,
      attempts: 1,
      sesError: 'SendingPausedException',
    });
    await expect(send).rejects.toThrow(/sending is paused/);
    expect(ses.calls).toHaveLength(1);
  });

  it('MessageRejected: EmailRejectedError (permanent) naming the SES error, never the address SES quoted', async () => {
    // arrange: SES's message quotes the recipient
    const ses = fakeSes(() =>
      sesError(
        MessageRejected,
        400,
        `Email address is not verified. The following identities failed the check: ${EN_1}`,
      ),
    );
    // act
    const send = channelWith(ses).send(enOnly());
    // assert
    await expect(send).rejects.toThrow(EmailRejectedError);
    await expect(send).rejects.toMatchObject({
      code: 'EMAIL_REJECTED',
      retryable: false,
      sesError: 'MessageRejected',
      language: 'en',
    });
    const error = await send.catch((e: unknown) => e);
    expect(JSON.stringify({ ...(error as object), message: (error as Error).message })).not.toMatch(
      /customer\.example|not verified|identities/,
    );
    expect((error as Error).message).toBe(
      'notice acc-1/ord-1/2026-06/window-open: en email rejected by SES (MessageRejected): the message was refused',
    );
    expect(ses.calls).toHaveLength(1);
  });

  it.each([
    ['MailFromDomainNotVerifiedException', () => sesError(MailFromDomainNotVerifiedException, 400)],
    ['BadRequestException', () => sesError(BadRequestException, 400)],
    ['NotFoundException', () => sesError(NotFoundException, 404)],
    ['AccountSuspendedException', () => sesError(AccountSuspendedException, 400)],
    [
      'AccessDeniedException',
      () =>
        new SESv2ServiceException({
          name: 'AccessDeniedException',
          $fault: 'client',
          $metadata: { httpStatusCode: 403 },
          message: 'x',
        }),
    ],
  ])('%s: EmailRejectedError at once, not retried', async (name, error) => {
    const ses = fakeSes(() => error());
    const send = channelWith(ses).send(enOnly());
    await expect(send).rejects.toMatchObject({ name: 'EmailRejectedError', retryable: false, sesError: name });
    expect(ses.calls).toHaveLength(1);
  });

  it('an account without an email: EmailRejectedError, SES not called', async () => {
    const ses = fakeSes(() => 'ok');
    const send = channelWith(ses).send(channelDeliveryOf(messageOf(1), contactOf('acc-1')));
    await expect(send).rejects.toMatchObject({ code: 'EMAIL_REJECTED', sesError: undefined });
    expect(ses.calls).toHaveLength(0);
  });

  it('a group taken is not sent again: neither when a later group is retried, nor when send() is called again after it failed', async () => {
    // arrange: zh taken at once; en throttled at its 3 attempts, then taken
    const ses = fakeSes((n, input) => (input.Destination?.ToAddresses?.includes(EN_1) && n <= 4 ? throttled() : 'ok'));
    const channel = channelWith(ses, { attempts: 3 });
    // act 1
    await expect(channel.send(deliveryOf())).rejects.toThrow(EmailUnavailableError);
    // act 2: the message back (same container)
    await channel.send(deliveryOf());
    // assert
    expect(ses.calls.map((c) => [c.language, c.answer])).toEqual([
      ['zh-CN', 'ok'],
      ['en', 'TooManyRequestsException'],
      ['en', 'TooManyRequestsException'],
      ['en', 'TooManyRequestsException'],
      ['en', 'ok'],
    ]);
    expect(ses.taken().map((c) => c.language)).toEqual(['zh-CN', 'en']);
  });

  it('records each group SES took as <language>/<index in its language>, once SES took it; a group in sentParts is not sent', async () => {
    // arrange: 51 English addresses (two groups: en/0, en/1) and a Chinese one; en/0 recorded before
    const many = Array.from({ length: 51 }, (_, i) => [`user${i}@customer.example`, 'en'] as [string, Language]);
    const ses = fakeSes(() => 'ok');
    const delivery = channelDeliveryOf(messageOf(1), contactOf('acc-1', ...many, [ZH_1, 'zh-CN']), {
      sentParts: ['en/0'],
    });
    // act
    await channelWith(ses).send(delivery);
    // assert: the second English group and the Chinese one, each recorded; no address in a part
    expect(ses.taken().map((c) => [c.language, c.input.Destination?.ToAddresses?.length])).toEqual([
      ['en', 1],
      ['zh-CN', 1],
    ]);
    expect(delivery.recorded).toEqual(['en/1', 'zh-CN/0']);
    expect(emailGroupsOf(delivery.contact).map(emailPartOf)).toEqual(['en/0', 'en/1', 'zh-CN/0']);
  });

  it('another container (a new channel, nothing in memory) sends only the groups not recorded: a group taken before is not sent again', async () => {
    // arrange: the first container's SES takes zh-CN, throttles en at its only attempt
    const ses = fakeSes((n, input) => (input.Destination?.ToAddresses?.includes(EN_1) && n <= 2 ? throttled() : 'ok'));
    const first = deliveryOf();
    await expect(channelWith(ses, { attempts: 1 }).send(first)).rejects.toThrow(EmailUnavailableError);
    expect(first.recorded).toEqual(['zh-CN/0']);
    // act: the message back to another container, which reads the record's parts
    const second = deliveryOf(1, 'window-open', { sentParts: first.recorded });
    await channelWith(ses, { attempts: 1 }).send(second);
    // assert
    expect(ses.taken().map((c) => c.language)).toEqual(['zh-CN', 'en']);
    expect(second.recorded).toEqual(['en/0']);
  });

  it('SES took a group and recording it failed: the send fails; a retry in the same container does not send it again and records it then; the remaining limit: another container sends it again', async () => {
    // arrange: the first write recording a part fails (DynamoDB unavailable, or the lease lost)
    const ses = fakeSes(() => 'ok');
    const channel = channelWith(ses);
    const failing = deliveryOf(1, 'window-open', {
      recordPart: async () => {
        throw new Error('the record was not written');
      },
    });
    // act 1: SES takes zh-CN, its record fails: the send stops there
    await expect(channel.send(failing)).rejects.toThrow('the record was not written');
    expect(ses.taken().map((c) => c.language)).toEqual(['zh-CN']);
    // act 2: the message back to the same container (the record still without the part)
    const retry = deliveryOf();
    await channel.send(retry);
    // assert: zh-CN skipped (remembered) but recorded now; en sent and recorded
    expect(ses.taken().map((c) => c.language)).toEqual(['zh-CN', 'en']);
    expect(retry.recorded).toEqual(['zh-CN/0', 'en/0']);
    // act 3 (the limit): the same, back to another container instead
    await channelWith(ses).send(deliveryOf());
    expect(ses.taken().map((c) => c.language)).toEqual(['zh-CN', 'en', 'zh-CN', 'en']);
  });

  it('refuses settings that cannot work', () => {
    const ses = fakeSes(() => 'ok');
    expect(() => channelWith(ses, { attempts: 0 })).toThrow(/attempts must be a whole number ≥ 1/);
    expect(() => channelWith(ses, { timeoutMs: 0 })).toThrow(/timeoutMs must be > 0/);
    expect(() => channelWith(ses, { backoffMs: -1 })).toThrow(/backoffMs must be ≥ 0/);
    expect(() => channelWith(ses, { fromAddress: ' ' })).toThrow(/fromAddress is empty/);
  });
});

// ---------------------------------------------------------------------------------------------
// The real SESv2Client (retries off, as the worker builds it) against a local server answering as
// SES's API does: the SDK's own errors are classified as the fakes above are

describe('email channel with the real SESv2Client', () => {
  let server: LocalServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const sesAt = (url: string): SESv2Client =>
    new SESv2Client({
      endpoint: url,
      region: 'ap-shanghai-local',
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
      maxAttempts: 1,
    });

  it('429 TooManyRequestsException, then 200: retried by the channel, one request each; then a 400 MessageRejected is permanent', async () => {
    // arrange: SES's REST-JSON answers
    const requests: { path: string; body: Record<string, unknown> }[] = [];
    const answers: [number, string | undefined][] = [
      [429, 'TooManyRequestsException'],
      [200, undefined],
      [400, 'MessageRejected'],
    ];
    server = await startHttpServer(async (req, res) => {
      requests.push({ path: req.url ?? '', body: JSON.parse(await readBody(req)) });
      const [status, errorType] = answers[requests.length - 1] ?? [500, 'InternalServiceErrorException'];
      res.writeHead(status, {
        'content-type': 'application/json',
        ...(errorType === undefined ? {} : { 'x-amzn-errortype': errorType }),
      });
      res.end(JSON.stringify(errorType === undefined ? { MessageId: 'local-1' } : { message: `rejected ${EN_1}` }));
    });
    const channel = channelWith(sesAt(server.url));
    // act 1
    await channel.send(enOnly(1));
    // assert 1
    expect(requests.map((r) => r.path)).toEqual(['/v2/email/outbound-emails', '/v2/email/outbound-emails']);
    expect(requests[1]?.body).toMatchObject({
      FromEmailAddress: FROM,
      Destination: { ToAddresses: [EN_1] },
      EmailTags: [
        { Name: 'notice-kind', Value: 'window-open' },
        { Name: 'notice-language', Value: 'en' },
      ],
    });
    // act 2
    const send = channel.send(enOnly(2));
    // assert 2
    await expect(send).rejects.toMatchObject({ name: 'EmailRejectedError', sesError: 'MessageRejected' });
    await expect(send).rejects.not.toThrow(/customer\.example/);
    expect(requests).toHaveLength(3);
  });
});

// ---------------------------------------------------------------------------------------------
// The worker with the email channel, on dynalite and local-aws-sqs

describe('notice worker with the email channel', () => {
  const { local, settingsWith, recordAndQueue, receive, invoke, approximateCount, pollUntilEmpty, advance } =
    useNoticeWorker('email');

  /** Polls until the queue is empty; before each poll the clock passes the lease of the one before. */
  const drain = (worker: SqsWorker): Promise<(readonly string[])[]> =>
    pollUntilEmpty(async (messages) => (await invoke(worker, messages)).failed, {
      rounds: 8,
      advanceSeconds: LEASE_SECONDS + 1,
    });

  it('one SendEmail per language group: across SES throttling (a group failing after another was taken), a duplicate message and a redelivery', async () => {
    // arrange: acc-1 asks for two Chinese addresses and an English one; acc-2 for one English
    // address. SES throttles the first SendEmail, and the English one of acc-1 twice (its
    // attempts: the message fails and comes back). acc-1's notice is queued twice.
    const { table, sqs } = local();
    await putContactPreferences(table, contactOf('acc-1', [ZH_1, 'zh-CN'], [EN_1, 'en'], [ZH_2, 'zh-CN']));
    await putContactPreferences(table, contactOf('acc-2', ['billing@other.example', 'en']));
    let acc1English = 0;
    const ses = fakeSes((n, input) => {
      if (n === 1) return throttled();
      const english = input.Destination?.ToAddresses?.includes(EN_1) === true;
      if (english && ++acc1English <= 2) return throttled();
      return 'ok';
    });
    const [one, two] = [messageOf(1), messageOf(2)];
    await recordAndQueue([one, two]);
    await sendNotices(sqs.queue, [one]);
    const worker = makeHandler(settingsWith(channelWith(ses, { attempts: 2 })));

    // act 1: every message until the queue is empty
    const failures = await drain(worker);
    // assert: acc-1's message failed at least once (its English email throttled at both attempts), then delivered
    expect(failures.flat().length).toBeGreaterThanOrEqual(1);
    const taken = ses.taken().map((c) => c.input.Destination?.ToAddresses);
    expect(taken).toHaveLength(3);
    expect(taken).toEqual(expect.arrayContaining([[ZH_1, ZH_2], [EN_1], ['billing@other.example']]));
    expect(ses.calls.filter((c) => c.answer === 'TooManyRequestsException').length).toBeGreaterThanOrEqual(3);
    // the English group failed its attempts after the Chinese one was taken: the Chinese one was not sent again
    const toEnglish = ses.calls.filter((c) => c.input.Destination?.ToAddresses?.includes(EN_1));
    expect(toEnglish.filter((c) => c.answer === 'TooManyRequestsException').length).toBeGreaterThanOrEqual(2);
    expect(ses.calls.filter((c) => c.input.Destination?.ToAddresses?.includes(ZH_1) && c.answer === 'ok')).toHaveLength(
      1,
    );
    expect(await getNoticeState(table, one.notice)).toMatchObject({
      status: 'delivered',
      deliveredChannels: ['email'],
      // the channel, and the group SES took before the other failed; the last group of the last
      // channel is recorded by the delivered write itself
      sentChannels: ['email', 'email/zh-CN/0'],
    });
    expect(await getNoticeState(table, two.notice)).toMatchObject({
      status: 'delivered',
      deliveredChannels: ['email'],
    });

    // act 2: the message delivered again (its delete lost)
    const callsBefore = ses.calls.length;
    await sendNotices(sqs.queue, [one]);
    const again = await drain(worker);
    // assert: dropped as a duplicate; SES not called again
    expect(again).toEqual([[]]);
    expect(ses.calls).toHaveLength(callsBefore);
    expect(ses.taken()).toHaveLength(3);
    expect(await approximateCount(sqs.queue.url)).toBe(0);
    expect(await approximateCount(sqs.deadLetterUrl)).toBe(0);
  });

  it("two containers: the first one's SES takes zh-CN, then throttles en until its attempts run out; the message back to a second container (a new channel, nothing in memory) sends en only", async () => {
    // arrange: acc-1 asks for Chinese and English addresses; SES throttles English in the first container
    const { table, sqs } = local();
    await putContactPreferences(table, contactOf('acc-1', [ZH_1, 'zh-CN'], [EN_1, 'en'], [ZH_2, 'zh-CN']));
    const one = messageOf(1);
    await recordAndQueue([one]);
    let container = 1;
    const ses = fakeSes((_, input) =>
      container === 1 && input.Destination?.ToAddresses?.includes(EN_1) ? throttled() : 'ok',
    );
    const first = makeHandler(settingsWith(channelWith(ses, { attempts: 2 })));
    const second = makeHandler(settingsWith(channelWith(ses, { attempts: 2 })));

    // act 1: the first container
    const received = await receive();
    expect((await invoke(first, received)).failed).toEqual(received.map((m) => m.MessageId));
    // assert: zh-CN taken and recorded under the lease; en not taken; not delivered
    expect(ses.calls.map((c) => [c.language, c.answer])).toEqual([
      ['zh-CN', 'ok'],
      ['en', 'TooManyRequestsException'],
      ['en', 'TooManyRequestsException'],
    ]);
    expect(await getNoticeState(table, one.notice)).toMatchObject({
      status: 'enqueued',
      sentChannels: ['email/zh-CN/0'],
    });

    // act 2: the message back after the visibility timeout, the lease expired, to the second container
    container = 2;
    advance(LEASE_SECONDS + 1);
    await visibilityTimeoutPasses();
    const back = await receive();
    expect(back.map((m) => m.MessageId)).toEqual(received.map((m) => m.MessageId));
    expect((await invoke(second, back)).failed).toEqual([]);

    // assert: SES took zh-CN once and en once; the record delivered, with the groups it took
    expect(ses.calls.map((c) => [c.language, c.answer]).slice(3)).toEqual([['en', 'ok']]);
    expect(ses.taken().map((c) => c.input.Destination?.ToAddresses)).toEqual([[ZH_1, ZH_2], [EN_1]]);
    expect(await getNoticeState(table, one.notice)).toMatchObject({
      status: 'delivered',
      deliveredChannels: ['email'],
      sentChannels: ['email', 'email/zh-CN/0'],
      claims: 2,
    });
    expect(await approximateCount(sqs.queue.url)).toBe(0);
    expect(await approximateCount(sqs.deadLetterUrl)).toBe(0);
  });

  it('SES rejects the email: the message is reported failed with EMAIL_REJECTED, not retryable; no address in the log', async () => {
    // arrange
    const { table } = local();
    await putContactPreferences(table, contactOf('acc-1', [EN_1, 'en']));
    const one = messageOf(1);
    await recordAndQueue([one]);
    const ses = fakeSes(() => sesError(MessageRejected, 400, `not verified: ${EN_1}`));
    const logged = [vi.spyOn(logger, 'error'), vi.spyOn(logger, 'warn'), vi.spyOn(logger, 'info')];
    const worker = makeHandler(settingsWith(channelWith(ses)));
    // act
    const messages = await receive();
    const { failed } = await invoke(worker, messages);
    // assert
    expect(failed).toEqual(messages.map((m) => m.MessageId));
    expect(ses.calls).toHaveLength(1);
    expect(logged[0]).toHaveBeenCalledWith(
      'notice not delivered',
      expect.objectContaining({ noticeId: one.notice.noticeId, code: 'EMAIL_REJECTED', retryable: false }),
    );
    expect(JSON.stringify(logged.flatMap((spy) => spy.mock.calls))).not.toContain('customer.example');
    expect(await getNoticeState(table, one.notice)).not.toMatchObject({ status: 'delivered' });
  });
});

describe('notice worker configuration: the email channel', () => {
  const workerEnv = useWorkerEnv();

  it('with SES_FROM_ADDRESS: the outbox and email (and SES_CONFIGURATION_SET taken when set)', () => {
    workerEnv({ SES_FROM_ADDRESS: FROM, SES_CONFIGURATION_SET: 'sla-notices' });
    delete process.env.WEBHOOK_SECRET_ID;
    expect(workerSettings().channels.map((c) => c.name)).toEqual(['outbox', 'email']);
  });

  it('with the webhook secret too: outbox, webhook, email', () => {
    workerEnv({ SES_FROM_ADDRESS: FROM, WEBHOOK_SECRET_ID: 'sla/webhook-signing' });
    expect(workerSettings().channels.map((c) => c.name)).toEqual(['outbox', 'webhook', 'email']);
  });

  it('without it: no email channel', () => {
    workerEnv();
    delete process.env.SES_FROM_ADDRESS;
    delete process.env.WEBHOOK_SECRET_ID;
    expect(workerSettings().channels.map((c) => c.name)).toEqual(['outbox']);
  });
});
