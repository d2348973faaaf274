// npm run bench:notices — 10,000 notices through the embedded SQS API (local-aws-sqs) and the real
// notice worker (functions/notice-worker.ts makeHandler, Powertools BatchProcessor) to a local
// webhook receiver that checks every signature.
//
// The stand-ins run in processes of their own: dynalite (scripts/bench/dynalite-server.mjs), the SQS
// API and the receiver (scripts/bench/notice-peers.ts); this process is the worker.
//
// Setup (not timed): 10,000 accounts, each with a webhook contact preference and one window-open
// notice recorded `enqueued` in dynalite (a child process: scripts/bench/dynalite-server.mjs).
// Timed: the notices are queued in batches of 10 by a producer process (scripts/bench/
// notice-producer.ts, as the month-end's NotifyBatch; 1 % of them twice: a duplicate run), while
// BENCH_POLLERS pollers play Lambda's event source mapping (receive 10 with every attribute,
// invoke the handler, delete what it did not report failed). The receiver answers 500 to the first
// attempt of 2 % of the notices, so the channel's retries run too. The clock stops when every
// notice is recorded delivered and the queue is empty.
//
//   {"notices","wallMs","perSecond","delivered","duplicates","lost", …}
//
//   delivered   notices the receiver took (its 2xx answers, one per Idempotency-Key)
//   duplicates  2xx answers for a key it had taken before (a second delivery: must be 0)
//   lost        notices not taken by the receiver, or not recorded delivered (must be 0)
//
// Env: BENCH_NOTICES (10000), BENCH_POLLERS (6).

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { BatchWriteItemCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { ensureTable } from '#adapters/dynamodb/create-table.ts';
import { CONTACT_PK, noticePk, noticeSk } from '#adapters/dynamodb/keys.ts';
import { getNoticeState, type NoticeRecord, noticeIdOf } from '#adapters/dynamodb/notice-repository.ts';
import { type ContactPreferences, canonicalJson } from '#adapters/dynamodb/registry-repository.ts';
import { localClientConfig, makeTable } from '#adapters/dynamodb/table.ts';
import { invokeLikeLambda, receiveForLambda } from '#adapters/sqs/lambda-event.ts';
import { makeNoticeQueue, type NoticeMessage } from '#adapters/sqs/notice-queue.ts';
import type { ServiceMonthReport } from '#domain/evaluate.ts';
import { runBounded } from '#ingest/ingest-probes.ts';
import { makeHandler } from '../../functions/notice-worker.ts';
import { WebhookChannel } from '../../shared/notices/webhook-channel.ts';

process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

const NOTICES = Number(process.env.BENCH_NOTICES ?? 10_000);
const POLLERS = Number(process.env.BENCH_POLLERS ?? 6);
const SECRET = 'bench-webhook-secret';
const MONTH = '2026-10';
const log = (message: string): void => void process.stderr.write(`${message}\n`);

// ---------------------------------------------------------------------------------------------
// Stand-ins, each in a process of its own so the worker here has a core as a Lambda would:
// dynalite (scripts/bench/dynalite-server.mjs); the SQS API and the webhook receiver
// (scripts/bench/notice-peers.ts)

const firstLine = async (child: { readonly stdout: Readable }): Promise<string> =>
  ((await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next()).value as string | undefined) ?? '{}';
const dynalite = spawn(process.execPath, [new URL('./dynalite-server.mjs', import.meta.url).pathname], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const peers = spawn(
  process.execPath,
  [new URL('../run-ts.mjs', import.meta.url).pathname, new URL('./notice-peers.ts', import.meta.url).pathname],
  { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, BENCH_SECRET: SECRET, BENCH_FLAKY_EVERY: '50' } },
);
const { port } = JSON.parse(await firstLine(dynalite)) as { port: number };
const peer = JSON.parse(await firstLine(peers)) as {
  sqsEndpoint: string;
  queueUrl: string;
  deadLetterUrl: string;
  hookUrl: string;
  statsUrl: string;
};
const table = makeTable('tcmpp-sla-bench-notices', localClientConfig(`http://127.0.0.1:${port}`));
await ensureTable(table);
const queue = makeNoticeQueue(peer.queueUrl, {
  endpoint: peer.sqsEndpoint,
  region: 'local',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
const hookUrl = peer.hookUrl;

// ---------------------------------------------------------------------------------------------
// Setup: contact preferences and recorded notices

const accountOf = (i: number): string => `acc-${String(i).padStart(5, '0')}`;
const report = (accountId: string, orderId: string): ServiceMonthReport => ({
  accountId,
  orderId,
  month: MONTH,
  firstDay: '2026-10-01',
  lastDay: '2026-10-31',
  days: 31,
  totalMinutes: 44_640,
  unavailableMinutes: 120,
  excludedMinutes: { '§4.1': 30 },
  observedMinutes: 44_640,
  availabilityPercent: '99.73',
  compensationPercent: 10,
  fee: '300.00',
  voucher: '30.00',
  claimWindow: { opensOn: '2026-11-02', closesOn: '2026-12-30' },
  excludedBy: { '§4.1': 30 },
});
const messages: NoticeMessage[] = [];
const writes: WriteRequest[] = [];
for (let i = 1; i <= NOTICES; i++) {
  const accountId = accountOf(i);
  const orderId = `ord-${i}`;
  const fields = {
    kind: 'window-open' as const,
    accountId,
    orderId,
    month: MONTH,
    version: 1,
    compensationPercent: 10,
    voucher: '30.00',
  };
  const notice: NoticeRecord = {
    noticeId: noticeIdOf(fields),
    ...fields,
    runId: 'bench',
    createdAt: '2026-11-02T00:00:00+08:00',
  };
  messages.push({ notice, report: report(accountId, orderId) });
  const contact: ContactPreferences = { accountId, channels: [{ kind: 'webhook', url: hookUrl, language: 'en' }] };
  writes.push(
    { PutRequest: { Item: { pk: { S: CONTACT_PK }, sk: { S: accountId }, doc: { S: canonicalJson(contact) } } } },
    {
      PutRequest: {
        Item: {
          pk: { S: noticePk(accountId) },
          sk: { S: noticeSk(MONTH, orderId, 'window-open') },
          doc: { S: JSON.stringify(notice) },
          status: { S: 'enqueued' },
          // as the month-end creates it (createNotice): the preferences kept with the notice
          contact: { S: canonicalJson(contact) },
        },
      },
    },
  );
}
let t = performance.now();
const chunks: WriteRequest[][] = [];
for (let i = 0; i < writes.length; i += 25) chunks.push(writes.slice(i, i + 25));
await runBounded(
  chunks.map((chunk) => async () => {
    let pending: WriteRequest[] = chunk;
    while (pending.length > 0) {
      const out = await table.client.send(new BatchWriteItemCommand({ RequestItems: { [table.name]: pending } }));
      pending = out.UnprocessedItems?.[table.name] ?? [];
    }
  }),
  8,
);
log(`setup: ${NOTICES} contacts and notices in ${Math.round(performance.now() - t)} ms`);

// ---------------------------------------------------------------------------------------------
// Timed: queue, and drain with the worker as Lambda's event source mapping does

const worker = makeHandler({
  table,
  channels: [
    new WebhookChannel({ secret: SECRET, timeoutMs: 5_000, attempts: 4, backoffMs: 50, now: () => new Date() }),
  ],
  leaseSeconds: 120,
  now: () => new Date(),
});
const queueArn = 'arn:aws:sqs:local:000000000000:notices';

let queued = false;
let reportedFailed = 0;
let invocations = 0;
const queueDepth = async (): Promise<number> => {
  const out = await queue.client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queue.url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
};
const poller = async (): Promise<void> => {
  for (;;) {
    const received = await receiveForLambda(queue.client, queue.url, 30);
    if (received.length === 0) {
      if (queued && (await queueDepth()) === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
      continue;
    }
    invocations++;
    const { failed } = await invokeLikeLambda(worker, received, queue, queueArn);
    reportedFailed += failed.length;
  }
};

/** CPU ms the dynalite process has used (Linux /proc; 0 elsewhere) */
const dynaliteCpuMs = (): number => {
  try {
    const fields = readFileSync(`/proc/${dynalite.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks (100/s)
  } catch {
    return 0;
  }
};
const duplicated = messages.filter((_, i) => i % 100 === 3);
const queuedFile = join(mkdtempSync(join(tmpdir(), 'bench-notices-')), 'messages.ndjson');
writeFileSync(queuedFile, [...messages, ...duplicated].map((m) => `${JSON.stringify(m)}\n`).join(''));
t = performance.now();
const cpu = process.cpuUsage();
const dynaliteCpu = dynaliteCpuMs();
const requestsBefore = table.meter.requests;
const byCommand = new Map<string, number>();
if (process.env.BENCH_DEBUG) {
  const send = table.client.send.bind(table.client);
  (table.client as unknown as { send: (c: { constructor: { name: string }; input: unknown }) => unknown }).send = (
    c,
  ) => {
    const name = `${c.constructor.name} ${JSON.stringify((c.input as { UpdateExpression?: string }).UpdateExpression ?? '')}`;
    byCommand.set(name, (byCommand.get(name) ?? 0) + 1);
    return send(c as never);
  };
}
const pollers = Array.from({ length: POLLERS }, poller);
// the producer (the month-end's NotifyBatch) is a process of its own
const producer = spawn(
  process.execPath,
  [
    new URL('../run-ts.mjs', import.meta.url).pathname,
    new URL('./notice-producer.ts', import.meta.url).pathname,
    queuedFile,
  ],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BENCH_SQS_ENDPOINT: peer.sqsEndpoint, BENCH_QUEUE_URL: peer.queueUrl },
  },
);
const producerExit = new Promise<number | null>((resolve) => producer.on('exit', resolve));
const { queued: queuedCount } = JSON.parse(await firstLine(producer)) as { queued: number };
if ((await producerExit) !== 0 || queuedCount !== messages.length + duplicated.length)
  throw new Error(`the producer queued ${queuedCount} of ${messages.length + duplicated.length} messages`);
queued = true;
await Promise.all(pollers);
const wallMs = Math.round(performance.now() - t);
const cpuUsed = process.cpuUsage(cpu);
const dynamoRequests = table.meter.requests - requestsBefore;
if (process.env.BENCH_DEBUG) log(JSON.stringify([...byCommand]));
const stats = (await (await fetch(peer.statsUrl)).json()) as {
  taken: Record<string, number>;
  failedOnce: number;
  requests: number;
  badSignatures: number;
};
const taken = new Map(Object.entries(stats.taken));
const dynaliteUsed = dynaliteCpuMs() - dynaliteCpu;

// ---------------------------------------------------------------------------------------------
// Verdict: every notice taken once by the receiver and recorded delivered

let recordedDelivered = 0;
await runBounded(
  messages.map((m) => async () => {
    if ((await getNoticeState(table, m.notice))?.status === 'delivered') recordedDelivered++;
  }),
  8,
);
const delivered = taken.size;
const duplicates = [...taken.values()].reduce((sum, n) => sum + n - 1, 0);
const lost = messages.filter((m) => !taken.has(m.notice.noticeId)).length + (NOTICES - recordedDelivered);

log(
  `${NOTICES} notices (+${duplicated.length} duplicate messages) in ${wallMs} ms: ${delivered} delivered, ` +
    `${duplicates} duplicates, ${lost} lost; ${stats.requests} webhook requests (${stats.failedOnce} answered 500), ` +
    `${invocations} invocations, ${reportedFailed} messages reported failed`,
);
const result = {
  notices: NOTICES,
  wallMs,
  perSecond: Math.round((NOTICES / wallMs) * 1000),
  delivered,
  duplicates,
  lost,
  duplicateMessages: duplicated.length,
  webhookRequests: stats.requests,
  webhook500s: stats.failedOnce,
  badSignatures: stats.badSignatures,
  recordedDelivered,
  pollers: POLLERS,
  workerCpuMsPerNotice: Number(((cpuUsed.user + cpuUsed.system) / 1000 / NOTICES).toFixed(2)),
  dynaliteCpuMsPerNotice: Number((dynaliteUsed / NOTICES).toFixed(2)),
  dynamoRequestsPerNotice: Number((dynamoRequests / NOTICES).toFixed(2)),
  peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
};
queue.client.destroy();
table.client.destroy();
dynalite.stdin.end();
peers.stdin.end();
console.log(JSON.stringify(result));
process.exit(0);
