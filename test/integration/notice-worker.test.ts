// The notice worker (functions/notice-worker.ts makeHandler) on real stand-ins — dynalite and the
// embedded SQS API (local-aws-sqs) with the notice queue and its DLQ (maxReceiveCount 5) — driven
// as Lambda's event source mapping drives it: messages received with all their attributes, the
// SQS event built from them, the handler called, the messages it did not report deleted. A
// receive asks for a visibility timeout of 1 s (the queue's is 360 s), so a message that is not
// deleted is back a second later; the leases follow the worker's controlled clock.
//
// Each notice id is delivered once to the outbox: redelivered, queued twice, after a worker
// crashed between its claim and marking it delivered, with two workers on the same messages. A
// malformed body is reported (its field named, nothing of the body logged) and, after 5
// receives, sits in the DLQ.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';

await vi.hoisted(() => import('../support/lambda-env.ts'));

import { type Message, SendMessageCommand } from '@aws-sdk/client-sqs';
import {
  claimNotice,
  createNotice,
  listNotices,
  markEnqueued,
  type NoticeState,
  recordChannelSent,
} from '#adapters/dynamodb/notice-repository.ts';
import { type NoticeMessage, sendNotices } from '#adapters/sqs/notice-queue.ts';
import { logger } from '../../functions/commons/powertools.ts';
import { makeHandler } from '../../functions/notice-worker.ts';
import {
  deliverNotice,
  type NoticeChannel,
  NoticeLeaseLostError,
  OutboxChannel,
  outboxFileName,
} from '../../shared/notices/deliver.ts';
import { markersIn, PERSONAL } from '../support/markers.ts';
import { LEASE_SECONDS, T0, useNoticeWorker, visibilityTimeoutPasses } from '../support/notice-harness.ts';
import { channelDeliveryOf, JUNE, juneMessageOf } from '../support/notice-messages.ts';
import { type Invocation, type SqsWorker, sqsEventOf } from '../support/sqs-event-source.ts';

// a fresh queue (and DLQ), table and outbox for every test; the worker's clock at T0
const {
  local,
  outbox: outboxDir,
  queueArn,
  advance,
  settingsWith,
  recordAndQueue,
  stateOf,
  receive,
  invoke,
  approximateCount,
  pollUntilEmpty,
} = useNoticeWorker('worker', { outbox: true });

// ---------------------------------------------------------------------------------------------
// The controlled clock, the channels that count what they send

const clockAt = (seconds: number): string => new Date(T0.getTime() + seconds * 1000).toISOString();

/** Sends per notice id, across every channel made by `counting`. */
type Sends = Map<string, number>;

/** The outbox, counting each send; `fault` runs after the channel took the notice (a crash then). */
const counting = (sends: Sends, fault?: (noticeId: string, nth: number) => void): NoticeChannel => {
  const outboxChannel = new OutboxChannel(outboxDir());
  return {
    name: outboxChannel.name,
    serves: () => true,
    send: async (delivery) => {
      const nth = (sends.get(delivery.notice.noticeId) ?? 0) + 1;
      sends.set(delivery.notice.noticeId, nth);
      await outboxChannel.send(delivery);
      fault?.(delivery.notice.noticeId, nth);
    },
  };
};

// ---------------------------------------------------------------------------------------------
// Notices recorded and queued as the month-end's NotifyBatch does it

/** The window-open notice of account acc-<n> (and a correction, v2, when `correction`). */
const messageOf = (n: number, correction = false): NoticeMessage =>
  juneMessageOf(
    `acc-${n}`,
    `ord-${n}`,
    correction
      ? {
          kind: 'correction',
          version: 2,
          compensationPercent: 25,
          voucher: '75.00',
          previous: { version: 1, compensationPercent: 10, voucher: '30.00' },
        }
      : {},
  );

// ---------------------------------------------------------------------------------------------
// Lambda's event source mapping, one poll at a time

beforeEach(() => {
  expect(queueArn()).toMatch(/^arn:aws:sqs:local:000000000000:notices$/);
});

type Worker = SqsWorker;

/** Polls until the queue is empty (at most `rounds` polls): every invocation, in order. */
const drain = (worker: Worker, rounds = 10): Promise<Invocation[]> =>
  pollUntilEmpty((messages) => invoke(worker, messages), { rounds });

/** Both queues empty (local-aws-sqs counts in-flight messages too). */
const expectQueuesEmpty = async (): Promise<void> => {
  expect(await approximateCount(local().sqs.queue.url)).toBe(0);
  expect(await approximateCount(local().sqs.deadLetterUrl)).toBe(0);
};

/** The id of the received message that carries the notice (its noticeId attribute). */
const messageIdOf = (messages: readonly Message[], noticeId: string): string =>
  messages.find((m) => m.MessageAttributes?.noticeId?.StringValue === noticeId)?.MessageId ?? '';

const outboxFiles = (): string[] => readdirSync(outboxDir()).sort();
const outboxMessage = (noticeId: string): unknown =>
  JSON.parse(readFileSync(join(outboxDir(), outboxFileName(noticeId)), 'utf8'));

const deliveredOnce = (state: NoticeState | undefined, at: string) =>
  expect(state).toMatchObject({
    status: 'delivered',
    deliveredAt: at,
    deliveredChannels: ['outbox'],
    sentChannels: ['outbox'],
  });

// ---------------------------------------------------------------------------------------------

describe('notice worker: each notice id delivered once', () => {
  it('every queued notice is delivered once to the outbox, recorded delivered, and deleted from the queue', async () => {
    // arrange: 23 notices (3 polls), 20 window-open and 3 corrections
    const messages = [
      ...Array.from({ length: 20 }, (_, i) => messageOf(i + 1)),
      // corrections of other accounts (a correction supersedes its own account's window-open)
      ...[21, 22, 23].map((n) => messageOf(n, true)),
    ];
    await recordAndQueue(messages);
    const sends: Sends = new Map();
    const worker = makeHandler(settingsWith(counting(sends)));
    // act
    const invocations = await drain(worker);
    // assert: three polls, nothing reported failed
    expect(invocations.map((i) => i.messageIds.length)).toEqual([10, 10, 3]);
    expect(invocations.map((i) => i.response)).toEqual([
      { batchItemFailures: [] },
      { batchItemFailures: [] },
      { batchItemFailures: [] },
    ]);
    // one send, one file per notice id: the notice and the report as queued
    const ids = messages.map((m) => m.notice.noticeId);
    expect([...sends.keys()].sort()).toEqual([...ids].sort());
    expect([...sends.values()].every((n) => n === 1)).toBe(true);
    expect(outboxFiles()).toEqual(ids.map(outboxFileName).sort());
    for (const m of messages) expect(outboxMessage(m.notice.noticeId)).toEqual(m);
    for (const m of messages) {
      const state = await stateOf(m);
      deliveredOnce(state, T0.toISOString());
      expect(state).toMatchObject({ claims: 1, notice: m.notice });
      expect(state).not.toHaveProperty('leaseUntil');
    }
    await expectQueuesEmpty();
  });

  it('a notice of an older version arriving after a newer one was delivered: superseded, not sent; the customer keeps the newer figures', async () => {
    // arrange: the correction (v2) is queued and delivered first, the window-open (v1) after it
    const windowOpen = messageOf(1);
    const correction = messageOf(1, true);
    const { table, sqs } = local();
    await createNotice(table, windowOpen.notice);
    await recordAndQueue([correction]);
    const sends: Sends = new Map();
    const worker = makeHandler(settingsWith(counting(sends)));
    await drain(worker);
    await sendNotices(sqs.queue, [windowOpen]);
    await markEnqueued(table, windowOpen.notice, T0);
    // act
    const invocations = await drain(worker);
    // assert: not reported failed, nothing sent, recorded superseded by the correction
    expect(invocations.flatMap((i) => i.failed)).toEqual([]);
    expect(sends.get(windowOpen.notice.noticeId)).toBeUndefined();
    expect(sends.get(correction.notice.noticeId)).toBe(1);
    const stored = await listNotices(table, 'acc-1', JUNE);
    expect(stored.map((n) => [n.kind, n.status])).toEqual([
      ['window-open', 'superseded'],
      ['correction', 'delivered'],
    ]);
    expect(stored[0]?.outcome.supersededBy).toBe(correction.notice.noticeId);
    // a redelivered copy is a duplicate, never a send
    await sendNotices(sqs.queue, [windowOpen]);
    await drain(worker);
    expect(sends.get(windowOpen.notice.noticeId)).toBeUndefined();
    await expectQueuesEmpty();
  });

  it('a notice delivered before the month-end marked it enqueued (the worker was quicker): it stays delivered', async () => {
    // arrange: recorded pending and queued; markEnqueued not yet done
    const message = messageOf(1);
    const { table, sqs } = local();
    await createNotice(table, message.notice);
    await sendNotices(sqs.queue, [message]);
    const sends: Sends = new Map();
    // act
    await drain(makeHandler(settingsWith(counting(sends))));
    await markEnqueued(table, message.notice, T0);
    // assert
    expect(sends.get(message.notice.noticeId)).toBe(1);
    deliveredOnce(await stateOf(message), T0.toISOString());
  });

  it('a message carrying fields beyond the notice and the report: delivered without them (R12)', async () => {
    // arrange: a message with personal data beside and inside its notice and report
    const message = messageOf(1);
    await recordAndQueue([messageOf(2)]);
    const { table, sqs } = local();
    await createNotice(table, message.notice);
    const body = JSON.stringify({
      notice: { ...message.notice, idfa: PERSONAL.idfa },
      report: { ...message.report, location: PERSONAL.location },
      device: PERSONAL,
    });
    await sqs.queue.client.send(
      new SendMessageCommand({
        QueueUrl: sqs.queue.url,
        MessageBody: body,
        MessageAttributes: { noticeId: { DataType: 'String', StringValue: message.notice.noticeId } },
      }),
    );
    const sends: Sends = new Map();
    // act
    const invocations = await drain(makeHandler(settingsWith(counting(sends))));
    // assert: the outbox holds the notice and report fields only
    expect(invocations.flatMap((i) => i.failed)).toEqual([]);
    expect(outboxMessage(message.notice.noticeId)).toEqual(message);
    expect(markersIn(readFileSync(join(outboxDir(), outboxFileName(message.notice.noticeId)), 'utf8'))).toEqual([]);
    deliveredOnce(await stateOf(message), T0.toISOString());
  });

  it('the same message delivered again (its delete lost): dropped as a duplicate, no second send, delivered as first recorded', async () => {
    // arrange
    const message = messageOf(1);
    await recordAndQueue([message, messageOf(2)]);
    const sends: Sends = new Map();
    const worker = makeHandler(settingsWith(counting(sends)));
    const first = await receive();
    expect(first).toHaveLength(2);
    expect(await worker(sqsEventOf(first, queueArn()))).toEqual({ batchItemFailures: [] });
    // act: the deletes never happened; an hour later the messages are back
    advance(3600);
    await visibilityTimeoutPasses();
    const again = await receive();
    const invocation = await invoke(worker, again);
    // assert: the same messages, both dropped (deleted) without a send
    expect(again.map((m) => m.MessageId).sort()).toEqual(first.map((m) => m.MessageId).sort());
    expect(again.map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual(['2', '2']);
    expect(invocation.response).toEqual({ batchItemFailures: [] });
    expect(Object.fromEntries(sends)).toEqual({
      [message.notice.noticeId]: 1,
      [messageOf(2).notice.noticeId]: 1,
    });
    expect(outboxFiles()).toHaveLength(2);
    const state = await stateOf(message);
    deliveredOnce(state, T0.toISOString());
    expect(state?.claims).toBe(1);
    await expectQueuesEmpty();
  });

  it('a notice queued twice (two messages, one batch): one send, one file; the second message is dropped', async () => {
    // arrange: the month-end's retry queued acc-1's notice again
    const twice = messageOf(1);
    await recordAndQueue([twice, messageOf(2)]);
    await sendNotices(local().sqs.queue, [twice]);
    const sends: Sends = new Map();
    const worker = makeHandler(settingsWith(counting(sends)));
    // act
    const invocations = await drain(worker);
    // assert: the second message either found the first one's live lease (reported, back, then
    // dropped) or found it delivered (dropped)
    expect(invocations[0]?.messageIds).toHaveLength(3);
    expect(invocations.flatMap((i) => i.failed).length).toBeLessThanOrEqual(1);
    expect(Object.fromEntries(sends)).toEqual({ [twice.notice.noticeId]: 1, [messageOf(2).notice.noticeId]: 1 });
    expect(outboxFiles()).toEqual([twice, messageOf(2)].map((m) => outboxFileName(m.notice.noticeId)).sort());
    const state = await stateOf(twice);
    deliveredOnce(state, T0.toISOString());
    expect(state?.claims).toBe(1);
    await expectQueuesEmpty();
  });

  it('a worker that crashes after its claim, before marking delivered: the message is back; refused while the lease lives; delivered once after it', async () => {
    // arrange: the outbox takes acc-2's notice, then the worker dies (once)
    const crashing = messageOf(2);
    const messages = [messageOf(1), crashing, messageOf(3)];
    await recordAndQueue(messages);
    const sends: Sends = new Map();
    const worker = makeHandler(
      settingsWith(
        counting(sends, (noticeId, nth) => {
          if (noticeId === crashing.notice.noticeId && nth === 1) throw new Error('worker crashed');
        }),
      ),
    );
    const warn = vi.spyOn(logger, 'warn');

    // act 1: the first poll
    const received = await receive();
    const first = await invoke(worker, received);
    // assert: only the crashed one is back; its record claimed, not delivered
    const crashedId = messageIdOf(received, crashing.notice.noticeId);
    expect(first.response).toEqual({ batchItemFailures: [{ itemIdentifier: crashedId }] });
    expect(await stateOf(crashing)).toMatchObject({
      status: 'enqueued',
      claims: 1,
      leaseUntil: T0.getTime() + LEASE_SECONDS * 1000,
      sentChannels: [],
    });

    // act 2: the message is back 60 s later, the lease still lives
    advance(60);
    await visibilityTimeoutPasses();
    const second = await invoke(worker, await receive());
    // assert: refused, retryable, nothing sent
    expect(second.messageIds).toEqual([crashedId]);
    expect(second.failed).toEqual([crashedId]);
    expect(second.error).toMatchObject({ name: 'FullBatchFailureError' });
    expect(warn).toHaveBeenCalledWith(
      'notice not delivered',
      expect.objectContaining({ noticeId: crashing.notice.noticeId, code: 'NOTICE_LEASED', retryable: true }),
    );
    expect(sends.get(crashing.notice.noticeId)).toBe(1);

    // act 3: back again after the lease
    advance(LEASE_SECONDS);
    await visibilityTimeoutPasses();
    const third = await invoke(worker, await receive());
    // assert: delivered, once recorded; the outbox file written again is the same one file
    expect(third.response).toEqual({ batchItemFailures: [] });
    expect(sends.get(crashing.notice.noticeId)).toBe(2);
    const state = await stateOf(crashing);
    deliveredOnce(state, clockAt(60 + LEASE_SECONDS));
    expect(state?.claims).toBe(2);
    expect(outboxFiles()).toEqual(messages.map((m) => outboxFileName(m.notice.noticeId)).sort());
    expect(outboxMessage(crashing.notice.noticeId)).toEqual(crashing);
    await expectQueuesEmpty();
  });

  it('a worker that died after the outbox took the notice and this was recorded: the next worker sends nothing again, marks it delivered', async () => {
    // arrange: the dead worker's claim and channel record, made by hand as deliverNotice makes them
    const message = messageOf(1);
    await recordAndQueue([message]);
    const { table } = local();
    expect(
      await claimNotice(table, message.notice, { token: 'dead-worker', now: T0, leaseSeconds: LEASE_SECONDS }),
    ).toMatchObject({ outcome: 'claimed' });
    await new OutboxChannel(outboxDir()).send(channelDeliveryOf(message, undefined));
    expect(await recordChannelSent(table, message.notice, 'dead-worker', 'outbox')).toBe(true);
    const sends: Sends = new Map();
    const settings = settingsWith(counting(sends));
    // act: after the lease
    advance(LEASE_SECONDS);
    const outcome = await deliverNotice(settings, message);
    // assert
    expect(outcome).toEqual({
      outcome: 'delivered',
      noticeId: message.notice.noticeId,
      channels: ['outbox'],
      resumed: ['outbox'],
      claims: 2,
    });
    expect(sends.size).toBe(0);
    deliveredOnce(await stateOf(message), clockAt(LEASE_SECONDS));
    expect(outboxFiles()).toEqual([outboxFileName(message.notice.noticeId)]);
  });

  it('a channel that sends in parts: each part recorded as <channel>/<part> under the lease; the next attempt hands the channel its own parts (sentParts), and sends only the others', async () => {
    // arrange: two channels of parts a and b; the second fails at b on its first attempt
    const message = messageOf(1);
    await recordAndQueue([message]);
    const handed: [string, readonly string[]][] = [];
    let failing = true;
    const parted = (name: string, fails: boolean): NoticeChannel => ({
      name,
      serves: () => true,
      send: async (delivery) => {
        handed.push([name, delivery.sentParts]);
        for (const part of ['a', 'b']) {
          if (delivery.sentParts.includes(part)) continue;
          if (fails && failing && part === 'b') throw new Error(`${name}/${part} not taken`);
          await delivery.recordPart(part);
        }
      },
    });
    const settings = settingsWith(parted('first', false), parted('second', true));
    // act 1
    await expect(deliverNotice(settings, message)).rejects.toThrow('second/b not taken');
    // assert: the first channel and its parts, the second's part a
    expect((await stateOf(message))?.sentChannels).toEqual(['first', 'first/a', 'first/b', 'second/a']);
    // act 2: after the lease
    failing = false;
    advance(LEASE_SECONDS);
    const outcome = await deliverNotice(settings, message);
    // assert: the first channel skipped whole; the second handed its own part only
    expect(outcome).toMatchObject({ outcome: 'delivered', channels: ['first', 'second'], resumed: ['first'] });
    expect(handed).toEqual([
      ['first', []],
      ['second', []],
      ['second', ['a']],
    ]);
    expect(await stateOf(message)).toMatchObject({
      status: 'delivered',
      sentChannels: ['first', 'first/a', 'first/b', 'second', 'second/a', 'second/b'],
    });
  });

  it('a part recorded after another worker took the lease: NoticeLeaseLostError, the part not recorded', async () => {
    // arrange: the channel's medium takes part a; before it is recorded the lease expires and another worker takes it
    const message = messageOf(1);
    await recordAndQueue([message]);
    const slow: NoticeChannel = {
      name: 'parted',
      serves: () => true,
      send: async (delivery) => {
        advance(LEASE_SECONDS + 1);
        const other = await claimNotice(local().table, message.notice, {
          token: 'other-worker',
          now: new Date(T0.getTime() + (LEASE_SECONDS + 1) * 1000),
          leaseSeconds: LEASE_SECONDS,
        });
        expect(other.outcome).toBe('claimed');
        await delivery.recordPart('a');
      },
    };
    // act
    const run = deliverNotice(settingsWith(slow), message);
    // assert
    await expect(run).rejects.toThrow(NoticeLeaseLostError);
    await expect(run).rejects.toThrow(
      `notice ${message.notice.noticeId}: another worker took the lease during channel parted (after part a)`,
    );
    expect(await stateOf(message)).toMatchObject({ status: 'enqueued', claims: 2, sentChannels: [] });
  });

  it('a worker that outlives its lease: the worker that took over delivers; the late one stops (NoticeLeaseLostError) and marks nothing', async () => {
    // arrange: the late worker's channel stalls past the lease; meanwhile another worker delivers
    const message = messageOf(1);
    await recordAndQueue([message]);
    const sends: Sends = new Map();
    const takeover = makeHandler(settingsWith(counting(sends)));
    const stalled = counting(sends);
    const late: NoticeChannel = {
      ...stalled,
      send: async (delivery) => {
        await stalled.send(delivery);
        advance(LEASE_SECONDS + 1);
        const messages = await receive();
        expect(await takeover(sqsEventOf(messages, queueArn()))).toEqual({ batchItemFailures: [] });
      },
    };
    // act
    const run = deliverNotice(settingsWith(late), message);
    // assert
    await expect(run).rejects.toThrow(NoticeLeaseLostError);
    await expect(run).rejects.toThrow(`notice ${message.notice.noticeId}: another worker took the lease`);
    expect(sends.get(message.notice.noticeId)).toBe(2);
    const state = await stateOf(message);
    deliveredOnce(state, clockAt(LEASE_SECONDS + 1));
    expect(state?.claims).toBe(2);
    expect(outboxFiles()).toEqual([outboxFileName(message.notice.noticeId)]);
  });

  it('two workers on the same messages at once: one delivery per notice, the other worker’s copy dropped or refused, then dropped', async () => {
    // arrange: both receive the same 10 messages; the outbox takes 20 ms a notice
    const messages = Array.from({ length: 10 }, (_, i) => messageOf(i + 1));
    await recordAndQueue(messages);
    const sends: Sends = new Map();
    const delivered = { a: new Set<string>(), b: new Set<string>() };
    const slow = (who: 'a' | 'b'): NoticeChannel => {
      const inner = counting(sends);
      return {
        ...inner,
        send: async (delivery) => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          await inner.send(delivery);
          delivered[who].add(delivery.notice.noticeId);
        },
      };
    };
    const workerA = makeHandler(settingsWith(slow('a')));
    const workerB = makeHandler(settingsWith(slow('b')));
    const forA = await receive();
    await visibilityTimeoutPasses();
    const forB = await receive();
    expect(forB.map((m) => m.MessageId).sort()).toEqual(forA.map((m) => m.MessageId).sort());
    expect(forA).toHaveLength(10);
    // act: both at once (B takes its batch in the other order)
    const [a, b] = await Promise.all([invoke(workerA, forA), invoke(workerB, [...forB].reverse())]);
    const rest = await drain(workerA);
    // assert: each notice sent once, by one of them
    const ids = messages.map((m) => m.notice.noticeId).sort();
    expect([...sends.keys()].sort()).toEqual(ids);
    expect([...sends.values()].every((n) => n === 1)).toBe(true);
    expect([...delivered.a, ...delivered.b].sort()).toEqual(ids);
    // a worker reported a message failed only when the other held the notice's lease; it came
    // back and was dropped as a duplicate
    const noticeOf = (messageId: string) =>
      forA.find((m) => m.MessageId === messageId)?.MessageAttributes?.noticeId?.StringValue ?? '';
    for (const id of a.failed) expect(delivered.b.has(noticeOf(id))).toBe(true);
    for (const id of b.failed) expect(delivered.a.has(noticeOf(id))).toBe(true);
    expect(rest.flatMap((i) => i.failed)).toEqual([]);
    for (const m of messages) {
      const state = await stateOf(m);
      deliveredOnce(state, T0.toISOString());
      expect(state?.claims).toBe(1);
    }
    expect(outboxFiles()).toEqual(ids.map(outboxFileName).sort());
    await expectQueuesEmpty();
  });
});

describe('notice worker: messages it cannot deliver', () => {
  it('malformed bodies: reported by message id, the field named, nothing of the body logged; the others delivered; after 5 receives they sit in the DLQ', async () => {
    // arrange: 3 good notices; a notice without its voucher, carrying personal data; a body that is not JSON
    const good = [messageOf(1), messageOf(2), messageOf(3)];
    await recordAndQueue(good);
    const { notice, report } = messageOf(4);
    const { voucher: _, ...withoutVoucher } = notice;
    const missingField = JSON.stringify({ notice: { ...withoutVoucher, ...PERSONAL }, report, device: PERSONAL });
    const notJson = `{"notice": ${PERSONAL.idfa}`;
    const { sqs } = local();
    for (const body of [missingField, notJson]) {
      await sqs.queue.client.send(
        new SendMessageCommand({
          QueueUrl: sqs.queue.url,
          MessageBody: body,
          MessageAttributes: { noticeId: { DataType: 'String', StringValue: notice.noticeId } },
        }),
      );
    }
    const sends: Sends = new Map();
    const worker = makeHandler(settingsWith(counting(sends)));
    const error = vi.spyOn(logger, 'error');
    const warn = vi.spyOn(logger, 'warn');
    const info = vi.spyOn(logger, 'info');

    // act: the first poll
    const received = await receive();
    expect(received).toHaveLength(5);
    const first = await invoke(worker, received);
    // assert: both malformed messages named, the good ones delivered
    const idOf = (body: string) => received.find((m) => m.Body === body)?.MessageId ?? '';
    expect(first.response?.batchItemFailures).toHaveLength(2);
    expect(first.response?.batchItemFailures).toEqual(
      expect.arrayContaining([{ itemIdentifier: idOf(missingField) }, { itemIdentifier: idOf(notJson) }]),
    );
    expect(outboxFiles()).toEqual(good.map((m) => outboxFileName(m.notice.noticeId)).sort());
    expect(error).toHaveBeenCalledWith('notice message malformed', {
      messageId: idOf(missingField),
      noticeId: notice.noticeId,
      receiveCount: 1,
      code: 'NOTICE_MALFORMED',
      problems: [{ field: 'notice.voucher', problem: expect.stringMatching(/expected string/) }],
    });
    expect(error).toHaveBeenCalledWith('notice message malformed', {
      messageId: idOf(notJson),
      noticeId: notice.noticeId,
      receiveCount: 1,
      code: 'NOTICE_MALFORMED',
      problems: [{ field: 'body', problem: 'is not JSON' }],
    });

    // act: four more receives, each a whole batch that fails
    const later: Invocation[] = [];
    for (let n = 2; n <= 5; n++) {
      await visibilityTimeoutPasses();
      const messages = await receive();
      expect(messages.map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual([String(n), String(n)]);
      later.push(await invoke(worker, messages));
    }
    // assert: the handler failed each time (every record failed); now in the DLQ, as sent
    expect(later.map((i) => (i.error as Error | undefined)?.name)).toEqual(Array(4).fill('FullBatchFailureError'));
    await visibilityTimeoutPasses();
    expect(await receive()).toEqual([]);
    const dead = await receive(sqs.deadLetterUrl);
    expect(dead.map((m) => m.Body).sort()).toEqual([missingField, notJson].sort());
    expect(dead.map((m) => m.MessageAttributes?.noticeId?.StringValue)).toEqual([notice.noticeId, notice.noticeId]);
    expect(sends.size).toBe(3);
    // nothing personal in anything logged, at any level
    const logged = JSON.stringify([...error.mock.calls, ...warn.mock.calls, ...info.mock.calls]);
    expect(markersIn(logged)).toEqual([]);
    expect(logged).not.toContain('"notice":');
  });

  it('a message for a notice that is not recorded: reported with NOTICE_NOT_RECORDED naming it; nothing written, nothing sent', async () => {
    // arrange: queued, never recorded
    const unrecorded = messageOf(9);
    await sendNotices(local().sqs.queue, [unrecorded]);
    const sends: Sends = new Map();
    const worker = makeHandler(settingsWith(counting(sends)));
    const error = vi.spyOn(logger, 'error');
    // act
    const invocation = await invoke(worker, await receive());
    // assert
    expect(invocation.failed).toEqual(invocation.messageIds);
    expect(error).toHaveBeenCalledWith(
      'notice not delivered',
      expect.objectContaining({
        noticeId: unrecorded.notice.noticeId,
        code: 'NOTICE_NOT_RECORDED',
        retryable: false,
        error: `notice ${unrecorded.notice.noticeId} is not recorded`,
      }),
    );
    expect(await stateOf(unrecorded)).toBeUndefined();
    expect(sends.size).toBe(0);
    expect(outboxFiles()).toEqual([]);
  });
});
