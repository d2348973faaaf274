// Lambda's SQS event source mapping, played against the embedded SQS API: receive as the mapping
// does (every attribute, a short visibility timeout), build the event Lambda builds, call the
// handler, delete the messages it did not report failed (all come back when it throws).
import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { NoticeQueue } from '#adapters/sqs/notice-queue.ts';
import type { BatchResponse, SqsEvent } from '../../functions/notice-worker.ts';

export type SqsWorker = (event: SqsEvent) => Promise<BatchResponse>;

/** Up to 10 messages, invisible for `visibilitySeconds` (1 s: a test waits it out). */
export const receiveForLambda = async (
  queue: NoticeQueue,
  queueUrl = queue.url,
  visibilitySeconds = 1,
): Promise<Message[]> =>
  (
    await queue.client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: visibilitySeconds,
        AttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    )
  ).Messages ?? [];

/** The SQS event Lambda builds from received messages. */
export const sqsEventOf = (messages: readonly Message[], queueArn: string): SqsEvent => ({
  Records: messages.map((m) => ({
    messageId: m.MessageId ?? '',
    receiptHandle: m.ReceiptHandle ?? '',
    body: m.Body ?? '',
    attributes: { ...m.Attributes },
    messageAttributes: Object.fromEntries(
      Object.entries(m.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        {
          ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
          stringListValues: value.StringListValues ?? [],
          binaryListValues: [],
          dataType: value.DataType ?? 'String',
        },
      ]),
    ),
    md5OfBody: m.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'local',
  })),
});

export interface Invocation {
  readonly messageIds: readonly string[];
  /** the handler's answer; undefined when it threw (then the whole batch comes back) */
  readonly response: BatchResponse | undefined;
  readonly error: unknown;
  /** messages reported failed (all of them when the handler threw) */
  readonly failed: readonly string[];
}

/** Calls the worker with the messages, then deletes those it did not report, as Lambda does. */
export const invokeLikeLambda = async (
  worker: SqsWorker,
  messages: readonly Message[],
  queue: NoticeQueue,
  queueArn: string,
): Promise<Invocation> => {
  const messageIds = messages.map((m) => m.MessageId ?? '');
  let response: BatchResponse | undefined;
  let error: unknown;
  try {
    response = await worker(sqsEventOf(messages, queueArn));
  } catch (e) {
    error = e;
  }
  const failed = response ? response.batchItemFailures.map((f) => f.itemIdentifier) : messageIds;
  const done = messages.filter((m) => !failed.includes(m.MessageId ?? ''));
  if (done.length > 0) {
    // a message received again since (by another worker) may keep it: it comes back, and is
    // dropped then as a duplicate
    await queue.client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
      }),
    );
  }
  return { messageIds, response, error, failed };
};
