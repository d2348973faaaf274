// The stand-ins the notice tests run on, and the notice worker driven on them as Lambda's event
// source mapping drives it (test/support/sqs-event-source.ts):
//   useStandIns      dynalite, started once, with tables on it; a fresh embedded SQS API
//                    (local-aws-sqs: the notice queue and its DLQ, maxReceiveCount 5) for every test;
//   noticeQueueVia, unreachableQueue   a client of that queue through another endpoint, or none;
//   useNoticeWorker  those, plus for every test a fresh table (and outbox), the worker's controlled
//                    clock, the queue's ARN; notices recorded and queued as the month-end's
//                    NotifyBatch does it; receives (1 s invisible), invocations, polls until the
//                    queue is empty, the queues' counts;
//   useWorkerEnv     the worker's environment for workerSettings(), restored after each test.
// Each registers its hooks where it is called: at a file's top level or in a describe.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand, type Message } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, beforeEach, expect, vi } from 'vitest';
import { type LocalDynamo, startLocalDynamo } from '#adapters/dynamodb/local-dynamodb.ts';
import { createNotice, getNoticeState, markEnqueued, type NoticeState } from '#adapters/dynamodb/notice-repository.ts';
import type { Table } from '#adapters/dynamodb/table.ts';
import { type LocalSqs, startLocalSqs } from '#adapters/sqs/local-sqs.ts';
import { makeNoticeQueue, type NoticeMessage, type NoticeQueue, sendNotices } from '#adapters/sqs/notice-queue.ts';
import type { DeliverSettings, NoticeChannel } from '../../shared/notices/deliver.ts';
import { type TestTable, tableFactory } from './dynamo.ts';
import { closedPort, delay } from './local-http.ts';
import { type Invocation, invokeLikeLambda, receiveForLambda, type SqsWorker } from './sqs-event-source.ts';

export interface StandIns {
  /** fresh tables on the dynalite (`<name>-1`, `<name>-2`, …) */
  readonly fresh: () => Promise<TestTable>;
  /** this test's embedded SQS API */
  readonly sqs: () => LocalSqs;
}

/** dynalite `<name>-0` for the file or describe, a fresh embedded SQS API for each of its tests. */
export const useStandIns = (name: string): StandIns => {
  let dynamo: LocalDynamo | undefined;
  const tables = tableFactory(() => {
    if (!dynamo) throw new Error('dynalite is not started');
    return dynamo;
  }, name);
  beforeAll(async () => {
    dynamo = await startLocalDynamo(`${name}-0`);
  });
  afterAll(async () => {
    tables.destroy();
    await dynamo?.close();
  });

  let sqs: LocalSqs | undefined;
  beforeEach(async () => {
    sqs = await startLocalSqs();
  });
  afterEach(async () => {
    await sqs?.close();
    sqs = undefined;
  });

  return {
    fresh: tables.fresh,
    sqs: () => {
      if (!sqs) throw new Error('the local SQS API is not started');
      return sqs;
    },
  };
};

/** A client of the notice queue at `queueUrl` that sends its calls to `endpoint`, `maxAttempts` each. */
export const noticeQueueVia = (queueUrl: string, endpoint: string, maxAttempts: number): NoticeQueue =>
  makeNoticeQueue(queueUrl, {
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts,
  });

/** A client of the notice queue at `queueUrl` whose endpoint refuses every connection (one attempt a call). */
export const unreachableQueue = async (queueUrl: string): Promise<NoticeQueue> =>
  noticeQueueVia(queueUrl, `http://127.0.0.1:${await closedPort()}`, 1);

// ---------------------------------------------------------------------------------------------
// The worker's side

/** Where the worker's clock stands at the start of every test: the claim windows' first day. */
export const T0 = new Date('2026-07-08T00:00:00+08:00');
export const LEASE_SECONDS = 120;

/** The 1 s visibility timeout of the messages received last passes: those not deleted are back. */
export const visibilityTimeoutPasses = (): Promise<void> => delay(1_100);

export interface PollOptions {
  /** polls at the most before the test fails (10) */
  readonly rounds?: number;
  /** how far the worker's clock moves before each poll that received messages (0) */
  readonly advanceSeconds?: number;
}

export interface NoticeWorkerHarness {
  readonly local: () => { sqs: LocalSqs; table: Table };
  /** this test's outbox directory (with `{ outbox: true }`) */
  readonly outbox: () => string;
  readonly queueArn: () => string;
  /** moves the worker's clock */
  readonly advance: (seconds: number) => void;
  /** the worker's settings: this test's table, these channels, the controlled clock, LEASE_SECONDS */
  readonly settingsWith: (...channels: NoticeChannel[]) => DeliverSettings;
  /** Records each notice pending (a new record), queues it, marks it enqueued. */
  readonly recordAndQueue: (messages: readonly NoticeMessage[]) => Promise<void>;
  readonly stateOf: (message: NoticeMessage) => Promise<NoticeState | undefined>;
  /** Up to 10 messages of the notice queue (or `queueUrl`), with every attribute, invisible for 1 s. */
  readonly receive: (queueUrl?: string) => Promise<Message[]>;
  /** Lambda's event source mapping: the handler called, the messages it did not report deleted. */
  readonly invoke: (worker: SqsWorker, messages: readonly Message[]) => Promise<Invocation>;
  /** ApproximateNumberOfMessages (local-aws-sqs counts the messages in flight too) */
  readonly approximateCount: (queueUrl: string) => Promise<number>;
  /**
   * Polls until the notice queue is empty, each poll's messages handed to `poll` (with what the
   * polls before returned); a receive that comes back empty waits out the visibility timeout.
   */
  readonly pollUntilEmpty: <T>(
    poll: (messages: readonly Message[], earlier: readonly T[]) => Promise<T>,
    options?: PollOptions,
  ) => Promise<T[]>;
}

/** The stand-ins of `useStandIns(name)` and, for every test, a table, the clock at T0 (and an outbox). */
export const useNoticeWorker = (name: string, options: { readonly outbox?: boolean } = {}): NoticeWorkerHarness => {
  const standIns = useStandIns(name);
  let table: Table | undefined;
  let outbox: string | undefined;
  let queueArn = '';
  let clockMs = T0.getTime();

  beforeEach(async () => {
    clockMs = T0.getTime();
    table = (await standIns.fresh()).table;
    if (options.outbox) outbox = mkdtempSync(join(tmpdir(), `${name}-outbox-`));
    const { queue } = standIns.sqs();
    const attributes = await queue.client.send(
      new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['QueueArn'] }),
    );
    queueArn = attributes.Attributes?.QueueArn ?? '';
  });
  afterEach(() => {
    vi.restoreAllMocks();
    if (outbox !== undefined) rmSync(outbox, { recursive: true, force: true });
    outbox = undefined;
  });

  const local = (): { sqs: LocalSqs; table: Table } => {
    if (!table) throw new Error('the stand-ins are not started');
    return { sqs: standIns.sqs(), table };
  };

  const approximateCount = async (queueUrl: string): Promise<number> => {
    const attributes = await local().sqs.queue.client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    return Number(attributes.Attributes?.ApproximateNumberOfMessages ?? 'NaN');
  };

  const receive = (queueUrl = local().sqs.queue.url): Promise<Message[]> =>
    receiveForLambda(local().sqs.queue, queueUrl);

  const invoke = (worker: SqsWorker, messages: readonly Message[]): Promise<Invocation> =>
    invokeLikeLambda(worker, messages, local().sqs.queue, queueArn);

  const advance = (seconds: number): void => {
    clockMs += seconds * 1000;
  };

  return {
    local,
    outbox: () => {
      if (outbox === undefined) throw new Error('no outbox: useNoticeWorker(name, { outbox: true })');
      return outbox;
    },
    queueArn: () => queueArn,
    advance,
    settingsWith: (...channels) => ({
      table: local().table,
      channels,
      now: () => new Date(clockMs),
      leaseSeconds: LEASE_SECONDS,
    }),
    recordAndQueue: async (messages) => {
      const { table, sqs } = local();
      for (const m of messages) expect(await createNotice(table, m.notice)).toEqual({ created: true });
      await sendNotices(sqs.queue, messages);
      for (const m of messages) await markEnqueued(table, m.notice, new Date(m.notice.createdAt));
    },
    stateOf: (message) => getNoticeState(local().table, message.notice),
    receive,
    invoke,
    approximateCount,
    pollUntilEmpty: async <T>(
      poll: (messages: readonly Message[], earlier: readonly T[]) => Promise<T>,
      { rounds = 10, advanceSeconds = 0 }: PollOptions = {},
    ): Promise<T[]> => {
      const results: T[] = [];
      for (let round = 0; round < rounds; round++) {
        // local-aws-sqs counts the messages in flight too: 0 is every message deleted
        if ((await approximateCount(local().sqs.queue.url)) === 0) return results;
        const messages = await receive();
        if (messages.length === 0) {
          await visibilityTimeoutPasses();
          continue;
        }
        advance(advanceSeconds);
        results.push(await poll(messages, results));
      }
      throw new Error(`the queue is not empty after ${rounds} polls`);
    },
  };
};

/**
 * The notice worker's environment for workerSettings(): the process's own, TABLE_NAME and
 * OUTBOX_DIR, and `vars`; the process's own again after each test.
 */
export const useWorkerEnv = (): ((vars?: Record<string, string>) => void) => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });
  return (vars = {}) => {
    process.env = { ...saved, TABLE_NAME: 'sla-table', OUTBOX_DIR: '/tmp/sla-outbox', ...vars };
  };
};
