// The producer for bench:notices, in a process of its own as the month-end's NotifyBatch is a
// Lambda of its own: queues the NoticeMessages of an NDJSON file (argv[2]) on the notice queue in
// batches of 10 (sendNotices, as NotifyBatch sends them), then prints {"queued":N} and exits.
// Env: BENCH_SQS_ENDPOINT, BENCH_QUEUE_URL.
import { readFileSync } from 'node:fs';
import { makeNoticeQueue, type NoticeMessage, sendNotices } from '#adapters/sqs/notice-queue.ts';

const file = process.argv[2] ?? '';
const messages = readFileSync(file, 'utf8')
  .split('\n')
  .filter((line) => line !== '')
  .map((line) => JSON.parse(line) as NoticeMessage);
const queue = makeNoticeQueue(process.env.BENCH_QUEUE_URL ?? '', {
  endpoint: process.env.BENCH_SQS_ENDPOINT ?? '',
  region: 'local',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
// the month-end sends batch after batch; a few batches at once, as several NotifyBatch runs would
const chunks: NoticeMessage[][] = [];
for (let i = 0; i < messages.length; i += 100) chunks.push(messages.slice(i, i + 100));
let next = 0;
await Promise.all(
  Array.from({ length: 4 }, async () => {
    while (next < chunks.length) await sendNotices(queue, chunks[next++] ?? []);
  }),
);
queue.client.destroy();
process.stdout.write(`${JSON.stringify({ queued: messages.length })}\n`);
