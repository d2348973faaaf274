// The notice queue: the month-end puts notices on it, the notice worker delivers them.
//
// A message is a NoticeMessage as JSON; its noticeId is the idempotency key (the worker delivers
// a notice id once, so a message queued twice is harmless). Sends go in batches of 10; entries the
// queue refuses for its own reasons are sent again with backoff, and a notice that still cannot
// be queued fails the call (the caller's retry finds the notice pending and sends it again).

import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  SQSClient,
  type SQSClientConfig,
} from '@aws-sdk/client-sqs';
import type { NoticeRecord } from '#adapters/dynamodb/notice-repository.ts';
import type { ServiceMonthReport } from '#domain/evaluate.ts';

export interface NoticeQueue {
  readonly client: SQSClient;
  readonly url: string;
}

/** What the worker needs to tell the customer: the notice and the facts of the version it announces. */
export interface NoticeMessage {
  readonly notice: NoticeRecord;
  readonly report: ServiceMonthReport;
}

/** The queue did not take a message for now (throttling, a service error, the network): retry. */
export class NoticeEnqueueError extends Error {
  override readonly name = 'NoticeEnqueueError';
}

/** The queue refused a message for what it is (too large, malformed): retrying cannot help. */
export class NoticeRefusedError extends Error {
  override readonly name = 'NoticeRefusedError';
}

export const makeNoticeQueue = (url: string, config: SQSClientConfig = {}): NoticeQueue => ({
  client: new SQSClient(config),
  url,
});

const MAX_BATCH = 10;

/** Queues the messages; resolves once every one is accepted. */
export const sendNotices = async (
  queue: NoticeQueue,
  messages: readonly NoticeMessage[],
  options: { attempts?: number; backoffMs?: number } = {},
): Promise<void> => {
  const attempts = options.attempts ?? 4;
  const backoffMs = options.backoffMs ?? 200;
  for (let i = 0; i < messages.length; i += MAX_BATCH) {
    let entries: SendMessageBatchRequestEntry[] = messages.slice(i, i + MAX_BATCH).map((m, k) => ({
      Id: `n${i + k}`,
      MessageBody: JSON.stringify(m),
      MessageAttributes: {
        noticeId: { DataType: 'String', StringValue: m.notice.noticeId },
        kind: { DataType: 'String', StringValue: m.notice.kind },
      },
    }));
    for (let attempt = 1; entries.length > 0; attempt++) {
      const result = await queue.client
        .send(new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: entries }))
        .catch((e: unknown) => {
          // the SDK has retried already; the step's retry comes next
          throw new NoticeEnqueueError(
            `the notice queue is not reachable: ${e instanceof Error ? e.message : String(e)}`,
          );
        });
      const failed = result.Failed ?? [];
      const ours = failed.find((f) => f.SenderFault);
      if (ours) throw new NoticeRefusedError(`the notice queue refused a message: ${ours.Code}: ${ours.Message ?? ''}`);
      const retry = new Set(failed.map((f) => f.Id));
      entries = entries.filter((e) => retry.has(e.Id));
      if (entries.length === 0) break;
      if (attempt >= attempts) {
        throw new NoticeEnqueueError(
          `the notice queue did not accept ${entries.length} messages after ${attempts} attempts: ${failed[0]?.Code ?? ''}`,
        );
      }
      // full jitter: batches of concurrent runs do not retry in step
      await new Promise((r) => setTimeout(r, Math.random() * backoffMs * 2 ** (attempt - 1)));
    }
  }
};
