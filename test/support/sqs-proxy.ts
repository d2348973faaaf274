// A scripted proxy in front of the embedded SQS API (AWS JSON 1.0 protocol): every request goes
// through to local-aws-sqs, except the SendMessageBatch entries the script refuses — those come
// back in `Failed`, as SQS reports an entry it did not accept.
import type { BatchResultErrorEntry, SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import type { LocalSqs } from '#adapters/sqs/local-sqs.ts';
import { makeNoticeQueue, type NoticeQueue } from '#adapters/sqs/notice-queue.ts';
import { startHttpServer } from './local-http.ts';

export interface Refusal {
  readonly code: string;
  /** true: the request is at fault (SQS will never take it); false: try again */
  readonly senderFault: boolean;
}

/** Decides an entry of the `call`-th SendMessageBatch request (1-based): refused, or passed on. */
export type RefusalScript = (entry: SendMessageBatchRequestEntry, call: number) => Refusal | undefined;

export interface SqsProxy {
  /** the notice queue of the embedded SQS API, reached through this proxy */
  readonly queue: NoticeQueue;
  /** how many SendMessageBatch requests came through, and their entries */
  readonly sendBatches: SendMessageBatchRequestEntry[][];
  script(refuse: RefusalScript | undefined): void;
  close(): Promise<void>;
}

const readBody = async (req: AsyncIterable<Buffer | string>): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
};

export const startSqsProxy = async (target: LocalSqs): Promise<SqsProxy> => {
  let refuse: RefusalScript | undefined;
  const sendBatches: SendMessageBatchRequestEntry[][] = [];
  const forward = async (headers: Record<string, string>, body: string) => {
    const response = await fetch(target.endpoint, { method: 'POST', headers, body });
    return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() };
  };
  const server = await startHttpServer(async (req, res) => {
    const body = await readBody(req);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string' && name !== 'host' && name !== 'content-length') headers[name] = value;
    }
    const reply = (status: number, type: string, text: string) => {
      res.writeHead(status, { 'content-type': type });
      res.end(text);
    };
    if (req.headers['x-amz-target'] !== 'AmazonSQS.SendMessageBatch') {
      const up = await forward(headers, body);
      reply(up.status, up.type, up.text);
      return;
    }
    const request = JSON.parse(body) as { Entries: SendMessageBatchRequestEntry[] };
    sendBatches.push(request.Entries);
    const call = sendBatches.length;
    const failed: BatchResultErrorEntry[] = [];
    const passed: SendMessageBatchRequestEntry[] = [];
    for (const entry of request.Entries) {
      const refusal = refuse?.(entry, call);
      if (refusal)
        failed.push({
          Id: entry.Id,
          Code: refusal.code,
          SenderFault: refusal.senderFault,
          Message: 'refused by the test',
        });
      else passed.push(entry);
    }
    if (passed.length === 0) {
      reply(200, 'application/x-amz-json-1.0', JSON.stringify({ Successful: [], Failed: failed }));
      return;
    }
    const up = await forward(headers, JSON.stringify({ ...request, Entries: passed }));
    if (up.status !== 200) {
      reply(up.status, up.type, up.text);
      return;
    }
    const result = JSON.parse(up.text) as { Successful?: unknown[]; Failed?: BatchResultErrorEntry[] };
    reply(
      200,
      up.type,
      JSON.stringify({ Successful: result.Successful ?? [], Failed: [...(result.Failed ?? []), ...failed] }),
    );
  });
  const queue = makeNoticeQueue(target.queue.url, {
    endpoint: server.url,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    queue,
    sendBatches,
    script: (next) => {
      refuse = next;
    },
    close: async () => {
      queue.client.destroy();
      await server.close();
    },
  };
};
