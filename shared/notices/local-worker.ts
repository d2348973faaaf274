// The embedded runs' notice delivery (`npm start`, `sla recalc` run locally, `sla pipeline`): the
// real notice worker handler (functions/notice-worker.ts) driven as Lambda's SQS event source
// mapping drives it, with the outbox as its one channel. So the local runs deliver through the
// same lease-and-record path as AWS, and their notices end `delivered` on the store.
import type { Table } from '#adapters/dynamodb/table.ts';
import { invokeLikeLambda, receiveForLambda, type SqsHandler } from '#adapters/sqs/lambda-event.ts';
import type { NoticeQueue } from '#adapters/sqs/notice-queue.ts';
import { OutboxChannel } from './deliver.ts';

const LOCAL_QUEUE_ARN = 'arn:aws:sqs:local:000000000000:notices';

/**
 * Delivers every notice on the queue to `outboxDir` (one file a notice id) and returns how many
 * messages were taken. A message the worker reports failed comes back after a second (in AWS:
 * the visibility timeout) and is tried again, up to 6 empty polls; then the run fails, naming the
 * count (the messages are in the dead-letter queue after 5 receives).
 */
export const deliverQueuedNotices = async (
  table: Table,
  queue: NoticeQueue,
  outboxDir: string,
  now: () => Date = () => new Date(),
): Promise<number> => {
  const { makeHandler } = await import('../../functions/notice-worker.ts');
  const worker: SqsHandler = makeHandler({ table, channels: [new OutboxChannel(outboxDir)], leaseSeconds: 120, now });
  let taken = 0;
  let failures = 0;
  for (let empty = 0; empty < 1 || (failures > 0 && empty < 6); ) {
    const received = await receiveForLambda(queue.client, queue.url, 1);
    if (received.length === 0) {
      empty++;
      if (failures > 0) await new Promise((resolve) => setTimeout(resolve, 1_100));
      continue;
    }
    const { failed } = await invokeLikeLambda(worker, received, queue, LOCAL_QUEUE_ARN);
    failures += failed.length;
    taken += received.length - failed.length;
  }
  if (failures > 0) throw new Error(`notice worker: ${failures} deliveries failed (see the dead-letter queue)`);
  return taken;
};
