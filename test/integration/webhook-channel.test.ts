// The webhook channel (shared/notices/webhook-channel.ts) against a real receiver: a node:http
// server on 127.0.0.1 that verifies each request's signature with verifySignature (as a customer
// would), records it, dedupes by Idempotency-Key, and answers as each test scripts it. Then the
// notice worker (functions/notice-worker.ts makeHandler) on dynalite and local-aws-sqs with the
// webhook among its channels: an account whose contact preferences ask for a webhook gets the
// notice at the receiver once, across a failed attempt, a redelivery and a duplicate message; an
// account with two webhooks, each once, across a message back to another container.

import { readdirSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';

await vi.hoisted(() => import('../support/lambda-env.ts'));

import {
  createNotice,
  getNoticeState,
  listNotices,
  markEnqueued,
  type NoticeRecord,
  noticeIdOf,
} from '#adapters/dynamodb/notice-repository.ts';
import { type ContactPreferences, putContactPreferences } from '#adapters/dynamodb/registry-repository.ts';
import { type NoticeMessage, sendNotices } from '#adapters/sqs/notice-queue.ts';
import { logger } from '../../functions/commons/powertools.ts';
import { makeHandler, workerSettings } from '../../functions/notice-worker.ts';
import { NoticeLeaseLostError, OutboxChannel, outboxFileName } from '../../shared/notices/deliver.ts';
import { DEFAULT_TOLERANCE_SECONDS, verifySignature } from '../../shared/notices/signature.ts';
import {
  WebhookChannel,
  type WebhookChannelSettings,
  WebhookRejectedError,
  WebhookUnavailableError,
  webhookPartOf,
} from '../../shared/notices/webhook-channel.ts';
import { closedPort } from '../support/local-http.ts';
import { markersIn, PERSONAL } from '../support/markers.ts';
import { LEASE_SECONDS, useNoticeWorker, useWorkerEnv, visibilityTimeoutPasses } from '../support/notice-harness.ts';
import { type ChannelDelivery, channelDeliveryOf, JUNE, juneMessageOf } from '../support/notice-messages.ts';
import type { SqsWorker } from '../support/sqs-event-source.ts';
import { useWebhookReceivers } from '../support/webhook-receiver.ts';

const SECRET = 'whsec-integration-5c2e';

// ---------------------------------------------------------------------------------------------
// The receiver (test/support/webhook-receiver.ts), and a notice as the worker hands it to a channel

const startReceiver = useWebhookReceivers(SECRET);

const messageOf = (n: number): NoticeMessage => juneMessageOf(`acc-${n}`, `ord-${n}`);

const contactOf = (accountId: string, ...webhooks: [url: string, language: 'zh-CN' | 'en'][]): ContactPreferences => ({
  accountId,
  channels: [
    { kind: 'email', address: 'ops@customer.example', language: 'en' },
    ...webhooks.map(([url, language]) => ({ kind: 'webhook' as const, url, language })),
  ],
});

const deliveryTo = (url: string, n = 1): ChannelDelivery =>
  channelDeliveryOf(messageOf(n), contactOf(`acc-${n}`, [url, 'en']));

/** Small timeouts and backoffs: every test here takes well under a second of waiting. */
const channelWith = (overrides: Partial<WebhookChannelSettings> = {}): WebhookChannel =>
  new WebhookChannel({
    secret: SECRET,
    timeoutMs: 300,
    attempts: 3,
    backoffMs: 5,
    now: () => new Date(),
    ...overrides,
  });

// ---------------------------------------------------------------------------------------------

describe('webhook channel: what it sends', () => {
  it('POSTs the facts of R11 as JSON, signed, with the notice id as Idempotency-Key', async () => {
    // arrange
    const receiver = await startReceiver(() => 204);
    const delivery = deliveryTo(receiver.url);
    // act
    await channelWith().send(delivery);
    // assert
    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/hooks/sla', verdict: { ok: true } });
    expect(request?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(request?.headers['idempotency-key']).toBe('acc-1/ord-1/2026-06/window-open');
    expect(request?.headers['x-tcmpp-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(JSON.parse(request?.body ?? '')).toEqual({
      noticeId: 'acc-1/ord-1/2026-06/window-open',
      kind: 'window-open',
      accountId: 'acc-1',
      orderId: 'ord-1',
      month: JUNE,
      availabilityPercent: '99.898148',
      unavailableMinutes: 44,
      excludedMinutes: { '4.4': 10 },
      compensationPercent: 10,
      voucher: '30.00',
      claimWindow: { opensOn: '2026-07-08', closesOn: '2026-08-29' },
      howToClaim: {
        channel: 'ticket',
        userId: 'acc-1',
        orderId: 'ord-1',
        text: 'Open a ticket between 2026-07-08 and 2026-08-29 to claim the voucher, giving your user id acc-1 and order id ord-1.',
      },
    });
    expect(receiver.accepted.size).toBe(1);
  });

  it('the request as it left, verified as a receiver does: valid; with its body tampered, a mismatch; replayed past the window, stale', async () => {
    // arrange: one real request, taken off the wire by the local receiver
    const receiver = await startReceiver(() => 204);
    await channelWith().send(deliveryTo(receiver.url));
    const [request] = receiver.requests;
    const header = request?.headers['x-tcmpp-signature'];
    const body = request?.body ?? '';
    const signedAt = Number(/^t=(\d+),/.exec(String(header))?.[1]) * 1000;
    // act
    const asReceived = verifySignature(header, body, SECRET, new Date(signedAt));
    const tampered = verifySignature(header, body.replace('"30.00"', '"90.00"'), SECRET, new Date(signedAt));
    const replayed = verifySignature(header, body, SECRET, new Date(signedAt + (DEFAULT_TOLERANCE_SECONDS + 1) * 1000));
    const otherSecret = verifySignature(header, body, `${SECRET}-other`, new Date(signedAt));
    // assert
    expect(body).toContain('"30.00"');
    expect(asReceived).toEqual({ ok: true, timestamp: signedAt / 1000 });
    expect(tampered).toEqual({ ok: false, reason: 'mismatch' });
    expect(replayed).toEqual({ ok: false, reason: 'stale' });
    expect(otherSecret).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('builds the body from named fields only: personal data beside or inside the notice and report never leaves (R12)', async () => {
    // arrange: markers on the notice, the report, its excluded minutes and its claim window
    const receiver = await startReceiver(() => 200);
    const { notice, report } = messageOf(1);
    const delivery = channelDeliveryOf(
      {
        notice: { ...notice, idfa: PERSONAL.idfa, device: PERSONAL },
        report: {
          ...report,
          deviceModel: PERSONAL.deviceModel,
          location: PERSONAL.location,
          excludedMinutes: { '4.4': 10, [PERSONAL.deviceBrand]: 3 },
          claimWindow: { opensOn: '2026-07-08', closesOn: '2026-08-29', carrier: PERSONAL.carrier },
        },
      } as NoticeMessage,
      contactOf('acc-1', [receiver.url, 'en']),
    );
    // act
    await channelWith().send(delivery);
    // assert
    const body = receiver.requests[0]?.body ?? '';
    expect(markersIn(body)).toEqual([]);
    expect(body).not.toMatch(/idfa|deviceModel|device|location|carrier/i);
    const sent = JSON.parse(body) as Record<string, unknown>;
    expect(Object.keys(sent).sort()).toEqual(
      [
        'noticeId',
        'kind',
        'accountId',
        'orderId',
        'month',
        'availabilityPercent',
        'unavailableMinutes',
        'excludedMinutes',
        'compensationPercent',
        'voucher',
        'claimWindow',
        'howToClaim',
      ].sort(),
    );
    expect(sent.excludedMinutes).toEqual({ '4.4': 10 });
    expect(sent.claimWindow).toEqual({ opensOn: '2026-07-08', closesOn: '2026-08-29' });
  });

  it('a correction carries what the notice before it told', async () => {
    const receiver = await startReceiver(() => 200);
    const { notice, report } = messageOf(1);
    const correction: NoticeRecord = {
      ...notice,
      kind: 'correction',
      version: 2,
      noticeId: noticeIdOf({ ...notice, kind: 'correction', version: 2 }),
      compensationPercent: 25,
      voucher: '75.00',
      previous: { version: 1, compensationPercent: 10, voucher: '30.00' },
    };
    await channelWith().send(
      channelDeliveryOf(
        { notice: correction, report: { ...report, compensationPercent: 25, voucher: '75.00' } },
        contactOf('acc-1', [receiver.url, 'en']),
      ),
    );
    const sent = JSON.parse(receiver.requests[0]?.body ?? '');
    expect(sent).toMatchObject({
      noticeId: 'acc-1/ord-1/2026-06/correction/v2',
      kind: 'correction',
      compensationPercent: 25,
      voucher: '75.00',
      previous: { compensationPercent: 10, voucher: '30.00' },
    });
    expect(receiver.requests[0]?.headers['idempotency-key']).toBe('acc-1/ord-1/2026-06/correction/v2');
  });

  it('every webhook of the account, each in its language', async () => {
    // arrange
    const zh = await startReceiver(() => 200);
    const en = await startReceiver(() => 200);
    const delivery = channelDeliveryOf(messageOf(1), contactOf('acc-1', [zh.url, 'zh-CN'], [en.url, 'en']));
    // act
    await channelWith().send(delivery);
    // assert
    expect(JSON.parse(zh.requests[0]?.body ?? '').howToClaim.text).toBe(
      '请在 2026-07-08 至 2026-08-29 期间提交工单申请赔偿，注明用户 ID acc-1 和订单号 ord-1。',
    );
    expect(JSON.parse(en.requests[0]?.body ?? '').howToClaim.text).toMatch(/^Open a ticket between 2026-07-08/);
    expect([zh.accepted.size, en.accepted.size]).toEqual([1, 1]);
  });

  it('each webhook recorded, once it answered 2xx, as <index>-<16 hex of its URL’s SHA-256> (never the URL); one recorded before is not posted again, a different URL at its place is', async () => {
    // arrange: three webhooks; the first recorded under an earlier lease; the second recorded
    // too, but for the URL that was at its place then (the customer changed it since)
    const [a, b, c] = [await startReceiver(() => 200), await startReceiver(() => 200), await startReceiver(() => 200)];
    const withToken = `${c.url}?token=s3cret`;
    const delivery = channelDeliveryOf(
      messageOf(1),
      contactOf('acc-1', [a.url, 'en'], [b.url, 'zh-CN'], [withToken, 'en']),
      { sentParts: [webhookPartOf(0, a.url), webhookPartOf(1, 'https://hooks.customer.example/old')] },
    );
    // act
    await channelWith().send(delivery);
    // assert
    expect([a.requests.length, b.requests.length, c.requests.length]).toEqual([0, 1, 1]);
    expect(delivery.recorded).toEqual([webhookPartOf(1, b.url), webhookPartOf(2, withToken)]);
    for (const part of delivery.recorded) expect(part).toMatch(/^\d+-[0-9a-f]{16}$/);
    expect(JSON.stringify(delivery.recorded)).not.toMatch(/token|s3cret|127\.0\.0\.1|hooks/);
  });

  it('every webhook recorded before: nothing posted, the secret not even fetched', async () => {
    const receiver = await startReceiver(() => 200);
    const secret = vi.fn(async () => SECRET);
    const delivery = channelDeliveryOf(messageOf(1), contactOf('acc-1', [receiver.url, 'en']), {
      sentParts: [webhookPartOf(0, receiver.url)],
    });
    await channelWith({ secret }).send(delivery);
    expect(receiver.requests).toHaveLength(0);
    expect(secret).not.toHaveBeenCalled();
    expect(delivery.recorded).toEqual([]);
  });

  it('the lease lost while the first webhook is recorded: the send stops there, the second not posted', async () => {
    const [first, second] = [await startReceiver(() => 200), await startReceiver(() => 200)];
    const delivery = channelDeliveryOf(messageOf(1), contactOf('acc-1', [first.url, 'en'], [second.url, 'en']), {
      recordPart: async () => {
        throw new NoticeLeaseLostError('notice acc-1/ord-1/2026-06/window-open: another worker took the lease');
      },
    });
    await expect(channelWith().send(delivery)).rejects.toThrow(NoticeLeaseLostError);
    expect([first.requests.length, second.requests.length]).toEqual([1, 0]);
  });

  it('a secret from a provider (Secrets Manager in the Lambda) signs as the string does', async () => {
    const receiver = await startReceiver(() => 200);
    await channelWith({ secret: async () => SECRET }).send(deliveryTo(receiver.url));
    expect(receiver.requests.map((r) => r.verdict.ok)).toEqual([true]);
  });

  it('a wrong secret: the receiver refuses (401), a permanent error naming the status', async () => {
    const receiver = await startReceiver(() => 200);
    const send = channelWith({ secret: 'whsec-wrong' }).send(deliveryTo(receiver.url));
    await expect(send).rejects.toThrow(WebhookRejectedError);
    await expect(send).rejects.toMatchObject({ status: 401, retryable: false, code: 'WEBHOOK_REJECTED' });
    expect(receiver.requests.map((r) => r.verdict)).toEqual([{ ok: false, reason: 'mismatch' }]);
  });
});

describe('webhook channel: serves', () => {
  it('an account whose contact preferences hold a webhook; not one without, nor one without preferences', () => {
    const channel = channelWith();
    expect(channel.name).toBe('webhook');
    expect(channel.serves(contactOf('acc-1', ['https://hooks.customer.example/sla', 'en']))).toBe(true);
    expect(channel.serves(contactOf('acc-1'))).toBe(false);
    expect(channel.serves(undefined)).toBe(false);
  });
});

describe('webhook channel: answers and failures', () => {
  it('500, 500, then 200: taken after two retries; every attempt signed, under the same key; one delivery accepted', async () => {
    // arrange
    const receiver = await startReceiver((n) => (n <= 2 ? 500 : 200));
    // act
    await channelWith().send(deliveryTo(receiver.url));
    // assert
    expect(receiver.requests).toHaveLength(3);
    expect(receiver.requests.map((r) => r.verdict.ok)).toEqual([true, true, true]);
    expect(new Set(receiver.requests.map((r) => r.headers['idempotency-key']))).toEqual(
      new Set(['acc-1/ord-1/2026-06/window-open']),
    );
    expect(new Set(receiver.requests.map((r) => r.body)).size).toBe(1);
    expect([...receiver.accepted.keys()]).toEqual(['acc-1/ord-1/2026-06/window-open']);
  });

  it.each([429, 408, 502, 503])('%i then 200: retried, taken', async (status) => {
    const receiver = await startReceiver((n) => (n === 1 ? status : 200));
    await channelWith().send(deliveryTo(receiver.url));
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.accepted.size).toBe(1);
  });

  it('503 at every attempt: WebhookUnavailableError (retryable) naming the status and the attempts', async () => {
    // arrange
    const receiver = await startReceiver(() => 503);
    // act
    const send = channelWith({ attempts: 4 }).send(deliveryTo(receiver.url));
    // assert
    await expect(send).rejects.toThrow(WebhookUnavailableError);
    await expect(send).rejects.toMatchObject({
      code: 'WEBHOOK_UNAVAILABLE',
      retryable: true,
      status: 503,
      attempts: 4,
      noticeId: 'acc-1/ord-1/2026-06/window-open',
    });
    await expect(send).rejects.toThrow(/answered 503 after 4 attempt\(s\)/);
    expect(receiver.requests).toHaveLength(4);
    expect(receiver.accepted.size).toBe(0);
  });

  it.each([400, 404, 410, 422])(
    '%i: WebhookRejectedError (permanent) naming the status, not retried',
    async (status) => {
      // arrange
      const receiver = await startReceiver(() => status);
      // act
      const send = channelWith().send(deliveryTo(receiver.url));
      // assert
      await expect(send).rejects.toThrow(WebhookRejectedError);
      await expect(send).rejects.toMatchObject({ code: 'WEBHOOK_REJECTED', retryable: false, status });
      await expect(send).rejects.toThrow(new RegExp(`answered ${status}`));
      expect(receiver.requests).toHaveLength(1);
    },
  );

  it('no answer within the timeout: retried; taken at the next attempt', async () => {
    // arrange: the first request hangs
    const receiver = await startReceiver((n) => (n === 1 ? 'hang' : 200));
    // act
    const started = Date.now();
    await channelWith({ timeoutMs: 200 }).send(deliveryTo(receiver.url));
    // assert
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.accepted.size).toBe(1);
  });

  it('no answer at any attempt: WebhookUnavailableError naming the timeout', async () => {
    const receiver = await startReceiver(() => 'hang');
    const send = channelWith({ timeoutMs: 100, attempts: 2 }).send(deliveryTo(receiver.url));
    await expect(send).rejects.toMatchObject({
      name: 'WebhookUnavailableError',
      status: undefined,
      failure: 'timeout',
      attempts: 2,
    });
    await expect(send).rejects.toThrow(/gave no answer \(timeout\) after 2 attempt\(s\)/);
    expect(receiver.requests).toHaveLength(2);
  });

  it('a refused connection: retried, then WebhookUnavailableError (retryable)', async () => {
    const port = await closedPort();
    const send = channelWith({ attempts: 2 }).send(deliveryTo(`http://127.0.0.1:${port}/hooks/sla`));
    await expect(send).rejects.toMatchObject({
      name: 'WebhookUnavailableError',
      retryable: true,
      status: undefined,
      attempts: 2,
    });
  });

  it('a 302: WebhookRejectedError naming it; the redirect target is never called', async () => {
    // arrange
    const target = await startReceiver(() => 200);
    const receiver = await startReceiver(() => ({ status: 302, location: target.url }));
    // act
    const send = channelWith().send(deliveryTo(receiver.url));
    // assert
    await expect(send).rejects.toThrow(WebhookRejectedError);
    await expect(send).rejects.toMatchObject({ status: 302, retryable: false });
    await expect(send).rejects.toThrow(/answered 302: a redirect \(not followed\)/);
    expect(receiver.requests).toHaveLength(1);
    expect(target.requests).toHaveLength(0);
  });

  it('an http URL off this machine: refused before any call, naming only the origin', async () => {
    const fetch = vi.fn<typeof globalThis.fetch>();
    const send = channelWith({ fetch }).send(deliveryTo('http://hooks.customer.example/sla?token=abc'));
    await expect(send).rejects.toThrow(WebhookRejectedError);
    await expect(send).rejects.toThrow('webhook http://hooks.customer.example not an https URL');
    await expect(send).rejects.not.toThrow(/token/);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('backoff: exponential with full jitter (a random part of backoffMs × 2^(retry-1)), capped by maxBackoffMs', async () => {
    // arrange: a fetch that answers 503 and records when it was called
    const calls: number[] = [];
    const fetch: typeof globalThis.fetch = async () => {
      calls.push(performance.now());
      return new Response(null, { status: 503 });
    };
    const random = vi.fn(() => 0.999);
    // act
    const send = channelWith({ fetch, attempts: 4, backoffMs: 40, maxBackoffMs: 100, random }).send(
      deliveryTo('https://hooks.customer.example/sla'),
    );
    // assert: waits of ~40, ~80, ~100 (capped) ms
    await expect(send).rejects.toThrow(WebhookUnavailableError);
    expect(random).toHaveBeenCalledTimes(3);
    const waits = calls.slice(1).map((t, i) => t - (calls[i] ?? 0));
    expect(waits).toHaveLength(3);
    expect(waits[0]).toBeGreaterThanOrEqual(35);
    expect(waits[1]).toBeGreaterThanOrEqual(75);
    expect(waits[2]).toBeGreaterThanOrEqual(95);
    expect(waits[2]).toBeLessThan(400);
  });

  it('refuses settings that cannot work', () => {
    expect(() => channelWith({ attempts: 0 })).toThrow(/attempts must be a whole number ≥ 1/);
    expect(() => channelWith({ timeoutMs: 0 })).toThrow(/timeoutMs must be > 0/);
    expect(() => channelWith({ backoffMs: -1 })).toThrow(/backoffMs must be ≥ 0/);
  });
});

// ---------------------------------------------------------------------------------------------
// The worker with the webhook among its channels, on dynalite and local-aws-sqs

describe('notice worker with the webhook channel', () => {
  // the leases follow a controlled clock; the signature, the wall clock (the receiver checks it)
  const harness = useNoticeWorker('webhook', { outbox: true });
  const { local, outbox, recordAndQueue, receive, invoke, approximateCount, pollUntilEmpty, advance } = harness;

  const settingsWith = (webhook: WebhookChannel) => harness.settingsWith(new OutboxChannel(outbox()), webhook);

  /** Polls until the queue is empty; before each poll the clock passes the lease of the one before. */
  const drain = (worker: SqsWorker): Promise<(readonly string[])[]> =>
    pollUntilEmpty(async (messages) => (await invoke(worker, messages)).failed, {
      rounds: 8,
      advanceSeconds: LEASE_SECONDS + 1,
    });

  it('an account asking for a webhook gets the notice there once: across a 503, a duplicate message and a redelivery; another account only in the outbox', async () => {
    // arrange: acc-1 asks for a webhook (which fails its first request), acc-2 for email only;
    // acc-1's notice is queued twice (the month-end's retry)
    const receiver = await startReceiver((n) => (n === 1 ? 503 : 200));
    const { table, sqs } = local();
    await putContactPreferences(table, contactOf('acc-1', [receiver.url, 'en']));
    await putContactPreferences(table, contactOf('acc-2'));
    const [one, two] = [messageOf(1), messageOf(2)];
    await recordAndQueue([one, two]);
    await sendNotices(sqs.queue, [one]);
    const worker = makeHandler(settingsWith(channelWith({ attempts: 1 })));

    // act 1: every message until the queue is empty
    const failures = await drain(worker);
    // assert: the 503 failed acc-1's message once (one attempt a receive); it came back and was delivered
    expect(failures.flat().length).toBeGreaterThanOrEqual(1);
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests.map((r) => r.verdict.ok)).toEqual([true, true]);
    expect(receiver.requests.map((r) => r.headers['idempotency-key'])).toEqual([
      one.notice.noticeId,
      one.notice.noticeId,
    ]);
    expect([...receiver.accepted.keys()]).toEqual([one.notice.noticeId]);
    expect(JSON.parse(receiver.accepted.get(one.notice.noticeId) ?? '')).toMatchObject({
      noticeId: one.notice.noticeId,
      voucher: '30.00',
    });
    expect(await getNoticeState(table, one.notice)).toMatchObject({
      status: 'delivered',
      deliveredChannels: ['outbox', 'webhook'],
      // the channels; the webhook (the last part of the last channel) recorded by the delivered
      // write itself, not by a write of its own
      sentChannels: ['outbox', 'webhook'],
    });
    expect(await getNoticeState(table, two.notice)).toMatchObject({
      status: 'delivered',
      deliveredChannels: ['outbox'],
    });
    expect(readdirSync(outbox()).sort()).toEqual([one, two].map((m) => outboxFileName(m.notice.noticeId)).sort());

    // act 2: the message delivered again (its delete lost)
    await sendNotices(sqs.queue, [one]);
    const again = await drain(worker);
    // assert: dropped as a duplicate; the receiver was not called again
    expect(again).toEqual([[]]);
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.accepted.size).toBe(1);
    expect(await approximateCount(sqs.queue.url)).toBe(0);
    expect(await approximateCount(sqs.deadLetterUrl)).toBe(0);
  });

  it('two webhooks, the second answering 503 in the first container: the message back to a second container (a new channel) posts to the second only', async () => {
    // arrange: acc-1 asks for two webhooks; the second fails its first request (one attempt a receive)
    const [zh, en] = [await startReceiver(() => 200), await startReceiver((n) => (n === 1 ? 503 : 200))];
    const { table, sqs } = local();
    await putContactPreferences(table, contactOf('acc-1', [zh.url, 'zh-CN'], [en.url, 'en']));
    const one = messageOf(1);
    await recordAndQueue([one]);
    const first = makeHandler(settingsWith(channelWith({ attempts: 1 })));
    const second = makeHandler(settingsWith(channelWith({ attempts: 1 })));

    // act 1: the first container
    const received = await receive();
    expect((await invoke(first, received)).failed).toEqual(received.map((m) => m.MessageId));
    // assert: the outbox and the first webhook recorded under the lease; the second not
    expect([zh.requests.map((r) => r.status), en.requests.map((r) => r.status)]).toEqual([[200], [503]]);
    expect(await getNoticeState(table, one.notice)).toMatchObject({
      status: 'enqueued',
      sentChannels: ['outbox', `webhook/${webhookPartOf(0, zh.url)}`],
    });

    // act 2: the message back after the visibility timeout, the lease expired, to the second container
    advance(LEASE_SECONDS + 1);
    await visibilityTimeoutPasses();
    const back = await receive();
    expect(back.map((m) => m.MessageId)).toEqual(received.map((m) => m.MessageId));
    expect((await invoke(second, back)).failed).toEqual([]);

    // assert: each webhook posted to until it took the notice, once; the record delivered, with
    // the part the first container recorded (the second's last part is in the delivered write)
    expect([zh.requests.map((r) => r.status), en.requests.map((r) => r.status)]).toEqual([[200], [503, 200]]);
    expect([zh.accepted.size, en.accepted.size]).toEqual([1, 1]);
    expect(await getNoticeState(table, one.notice)).toMatchObject({
      status: 'delivered',
      deliveredChannels: ['outbox', 'webhook'],
      sentChannels: ['outbox', 'webhook', `webhook/${webhookPartOf(0, zh.url)}`].sort(),
      claims: 2,
    });
    expect(await approximateCount(sqs.queue.url)).toBe(0);
    expect(await approximateCount(sqs.deadLetterUrl)).toBe(0);
  });

  it('a webhook that refuses the notice (400): the message is reported failed with WEBHOOK_REJECTED, not retryable', async () => {
    // arrange
    const receiver = await startReceiver(() => 400);
    const { table } = local();
    await putContactPreferences(table, contactOf('acc-1', [receiver.url, 'zh-CN']));
    const one = messageOf(1);
    await recordAndQueue([one]);
    const error = vi.spyOn(logger, 'error');
    const worker = makeHandler(settingsWith(channelWith()));
    // act
    const messages = await receive();
    const { failed } = await invoke(worker, messages);
    // assert: one request, the message back for the queue's retries (then the DLQ)
    expect(failed).toEqual(messages.map((m) => m.MessageId));
    expect(receiver.requests).toHaveLength(1);
    expect(error).toHaveBeenCalledWith(
      'notice not delivered',
      expect.objectContaining({ noticeId: one.notice.noticeId, code: 'WEBHOOK_REJECTED', retryable: false }),
    );
    expect(await getNoticeState(table, one.notice)).toMatchObject({ status: 'failed', sentChannels: ['outbox'] });
    const [stored] = await listNotices(table, 'acc-1', one.notice.month);
    expect(stored?.outcome).toMatchObject({ failedCode: 'WEBHOOK_REJECTED', failures: 1 });
    expect(stored?.outcome.failedReason).toContain('400');
  });

  it('with the DLQ configured, a refused notice goes straight there with its reason; redriven after the customer fixed the webhook, it goes to the new one once', async () => {
    // arrange: the notice is decided with the preferences of the time (a webhook that refuses it)
    const refusing = await startReceiver(() => 400);
    const fixed = await startReceiver(() => 204);
    const { table, sqs } = local();
    const before = contactOf('acc-1', [refusing.url, 'en']);
    await putContactPreferences(table, before);
    const one = messageOf(1);
    await createNotice(table, one.notice, before);
    await sendNotices(sqs.queue, [one]);
    await markEnqueued(table, one.notice, new Date(one.notice.createdAt));
    const worker = makeHandler(settingsWith(channelWith()), {
      deadLetter: { client: sqs.queue.client, url: sqs.deadLetterUrl },
      maxReceives: 5,
    });
    // act: one receive; the message is not reported (the DLQ holds it), so it is deleted
    const { failed } = await invoke(worker, await receive());
    // assert
    expect(failed).toEqual([]);
    expect(await approximateCount(sqs.queue.url)).toBe(0);
    const dead = await receive(sqs.deadLetterUrl);
    expect(dead).toHaveLength(1);
    expect(dead[0]?.MessageAttributes?.failureCode?.StringValue).toBe('WEBHOOK_REJECTED');
    expect(dead[0]?.MessageAttributes?.noticeId?.StringValue).toBe(one.notice.noticeId);
    expect(dead[0]?.Body).toBe(JSON.stringify(one));
    expect((await getNoticeState(table, one.notice))?.status).toBe('failed');
    // the customer fixes the webhook; the dead letter is sent back (as `sla notices redrive` does):
    // this attempt reads the preferences as they are now, and delivers once, to the new webhook
    await putContactPreferences(table, contactOf('acc-1', [fixed.url, 'en']));
    await sendNotices(sqs.queue, [one]);
    expect((await invoke(worker, await receive())).failed).toEqual([]);
    expect((await getNoticeState(table, one.notice))?.status).toBe('delivered');
    expect(refusing.requests).toHaveLength(1);
    expect(fixed.accepted.size).toBe(1);
  });

  it('the first attempt uses the preferences kept with the notice: no read of its own', async () => {
    // arrange: kept with the notice, then the stored preferences are removed
    const receiver = await startReceiver(() => 204);
    const { table } = local();
    const one = messageOf(1);
    await createNotice(table, one.notice, contactOf('acc-1', [receiver.url, 'zh-CN']));
    await sendNotices(local().sqs.queue, [one]);
    // act
    const { failed } = await invoke(makeHandler(settingsWith(channelWith())), await receive());
    // assert: delivered to the kept webhook, though the account has no stored preferences
    expect(failed).toEqual([]);
    expect(receiver.accepted.size).toBe(1);
    expect((await getNoticeState(table, one.notice))?.status).toBe('delivered');
  });
});

describe('notice worker configuration: the webhook channel', () => {
  const workerEnv = useWorkerEnv();

  it('with WEBHOOK_SECRET_ID: the outbox and the webhook', () => {
    workerEnv({ WEBHOOK_SECRET_ID: 'sla/webhook-signing' });
    expect(workerSettings().channels.map((c) => c.name)).toEqual(['outbox', 'webhook']);
  });

  it('without it: the outbox only', () => {
    workerEnv();
    delete process.env.WEBHOOK_SECRET_ID;
    expect(workerSettings().channels.map((c) => c.name)).toEqual(['outbox']);
  });
});
