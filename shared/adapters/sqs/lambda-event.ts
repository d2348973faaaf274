// Lambda's SQS event source mapping, as the embedded runs play it (npm start, the benches, the
// tests): receive as the mapping does (every attribute, a visibility timeout), build the event
// Lambda builds, call the handler, delete the messages it did not report failed — all of them
// come back when it throws. The event's types are the handler's contract (functions/notice-worker.ts).
import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** An SQS message as Lambda's event source mapping hands it over. */
export interface SqsRecord {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, string | undefined>>;
  readonly messageAttributes: Readonly<
    Record<
      string,
      {
        readonly stringValue?: string;
        readonly binaryValue?: string;
        readonly stringListValues?: readonly string[];
        readonly binaryListValues?: readonly string[];
        readonly dataType: string;
      }
    >
  >;
  readonly md5OfBody: string;
  readonly eventSource: string;
  readonly eventSourceARN: string;
  readonly awsRegion: string;
}

export interface SqsEvent {
  readonly Records: readonly SqsRecord[];
}

export interface BatchResponse {
  readonly batchItemFailures: readonly { readonly itemIdentifier: string }[];
}

export type SqsHandler = (event: SqsEvent) => Promise<BatchResponse>;

/** Up to 10 messages, invisible for `visibilitySeconds` (the embedded runs wait it out). */
export const receiveForLambda = async (
  client: SQSClient,
  queueUrl: string,
  visibilitySeconds: number,
): Promise<Message[]> =>
  (
    await client.send(
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

/** Calls the handler with the messages, then deletes those it did not report, as Lambda does. */
export const invokeLikeLambda = async (
  handler: SqsHandler,
  messages: readonly Message[],
  queue: { readonly client: SQSClient; readonly url: string },
  queueArn: string,
): Promise<Invocation> => {
  const messageIds = messages.map((m) => m.MessageId ?? '');
  let response: BatchResponse | undefined;
  let error: unknown;
  try {
    response = await handler(sqsEventOf(messages, queueArn));
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
