// The embedded SQS API: local-aws-sqs in this process on a loopback port, with the notice queue
// and its dead-letter queue set up as the stateful stack sets them up. The same SDK code then
// runs locally and in AWS.

import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { createSqsServer } from 'local-aws-sqs';
import { makeNoticeQueue, type NoticeMessage, type NoticeQueue } from './notice-queue.ts';

export interface LocalSqs {
  readonly endpoint: string;
  readonly queue: NoticeQueue;
  readonly deadLetterUrl: string;
  close(): Promise<void>;
}

/** Mirrors infra/stacks/stateful-stack.ts (not imported: the CLI never loads aws-cdk-lib). */
const NOTICE_MAX_RECEIVES = 5;
const VISIBILITY_TIMEOUT_SECONDS = 360;

export const startLocalSqs = async (): Promise<LocalSqs> => {
  const accountId = '000000000000';
  const server = await createSqsServer({
    port: 0,
    hostname: '127.0.0.1',
    accountId,
    region: 'local',
    emulateQueueCreationLifecycle: false,
    queues: [
      { QueueName: 'notices-dlq', Attributes: { MessageRetentionPeriod: 14 * 86_400 } },
      {
        QueueName: 'notices',
        Attributes: {
          VisibilityTimeout: VISIBILITY_TIMEOUT_SECONDS,
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: `arn:aws:sqs:local:${accountId}:notices-dlq`,
            maxReceiveCount: NOTICE_MAX_RECEIVES,
          }),
        },
      },
    ],
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const endpoint = `http://127.0.0.1:${port}`;
  const queue = makeNoticeQueue(`${endpoint}/${accountId}/notices`, {
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    endpoint,
    queue,
    deadLetterUrl: `${endpoint}/${accountId}/notices-dlq`,
    close: async () => {
      queue.client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

/** Receives every message on the queue until it is empty, hands each to `onMessage`, deletes it. */
export const drainQueue = async (
  queue: NoticeQueue,
  onMessage: (message: NoticeMessage) => void | Promise<void>,
): Promise<number> => {
  let count = 0;
  for (;;) {
    const received = await queue.client.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        AttributeNames: ['All'],
      }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) return count;
    for (const m of messages) await onMessage(JSON.parse(m.Body ?? '{}') as NoticeMessage);
    await queue.client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
      }),
    );
    count += messages.length;
  }
};
