// Lambda's SQS event source mapping, played against the embedded SQS API by the tests: the shared
// harness (shared/adapters/sqs/lambda-event.ts) with the tests' defaults — the notice queue, a
// visibility timeout of 1 s that a test waits out.
import type { Message } from '@aws-sdk/client-sqs';
import {
  type Invocation,
  invokeLikeLambda,
  receiveForLambda as receive,
  type SqsHandler,
  sqsEventOf,
} from '#adapters/sqs/lambda-event.ts';
import type { NoticeQueue } from '#adapters/sqs/notice-queue.ts';

export type SqsWorker = SqsHandler;
export { type Invocation, invokeLikeLambda, sqsEventOf };

/** Up to 10 messages, invisible for `visibilitySeconds` (1 s: a test waits it out). */
export const receiveForLambda = (queue: NoticeQueue, queueUrl = queue.url, visibilitySeconds = 1): Promise<Message[]> =>
  receive(queue.client, queueUrl, visibilitySeconds);
