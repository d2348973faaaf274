// The peers of the notice worker for bench:notices, in a process of their own (as they would be
// other machines): the embedded SQS API (local-aws-sqs, the notice queue and its DLQ) and a
// webhook receiver that checks every signature and counts what it takes per Idempotency-Key.
// Prints {"sqsEndpoint","queueUrl","deadLetterUrl","hookUrl"} on its first line; GET /stats on
// the receiver answers the tallies. Ends when its parent closes stdin.
//
// Env: BENCH_SECRET (the signing secret), BENCH_FLAKY_EVERY (answer 500 to the first attempt of
// every Nth account's notice; 0: never).
import { createServer, type IncomingMessage } from 'node:http';
import { startLocalSqs } from '#adapters/sqs/local-sqs.ts';
import { SIGNATURE_HEADER, verifySignature } from '../../shared/notices/signature.ts';

const SECRET = process.env.BENCH_SECRET ?? '';
const FLAKY_EVERY = Number(process.env.BENCH_FLAKY_EVERY ?? 0);

const sqs = await startLocalSqs();

const taken = new Map<string, number>(); // Idempotency-Key → 2xx answers
const failedOnce = new Set<string>();
let requests = 0;
let badSignatures = 0;
const bodyOf = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
const receiver = createServer(async (req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ taken: Object.fromEntries(taken), failedOnce: failedOnce.size, requests, badSignatures }));
    return;
  }
  requests++;
  const body = await bodyOf(req);
  const verdict = verifySignature(req.headers[SIGNATURE_HEADER.toLowerCase()], body, SECRET, new Date());
  const key = String(req.headers['idempotency-key'] ?? '');
  if (!verdict.ok) {
    badSignatures++;
    res.writeHead(401).end();
    return;
  }
  const index = Number(key.split('/')[0]?.slice('acc-'.length));
  if (FLAKY_EVERY > 0 && index % FLAKY_EVERY === 7 && !failedOnce.has(key)) {
    failedOnce.add(key);
    res.writeHead(500).end();
    return;
  }
  taken.set(key, (taken.get(key) ?? 0) + 1);
  res.writeHead(204).end();
});
receiver.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const { port } = receiver.address() as { port: number };

process.stdout.write(
  `${JSON.stringify({
    sqsEndpoint: sqs.endpoint,
    queueUrl: sqs.queue.url,
    deadLetterUrl: sqs.deadLetterUrl,
    hookUrl: `http://127.0.0.1:${port}/hooks/sla`,
    statsUrl: `http://127.0.0.1:${port}/stats`,
  })}\n`,
);
process.stdin.on('end', async () => {
  receiver.close();
  await sqs.close();
  process.exit(0);
});
process.stdin.resume();
