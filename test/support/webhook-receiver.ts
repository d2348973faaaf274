// A customer's webhook receiver for the notice tests: a node:http server on 127.0.0.1 that verifies
// each request's signature with verifySignature (as a customer would: a bad one is answered 401),
// records every request, answers the signed ones as the test scripts it, and keeps what it took
// (2xx) under each Idempotency-Key. The receivers a test started are closed after it.
import type { IncomingHttpHeaders } from 'node:http';
import { afterEach } from 'vitest';
import { type SignatureVerdict, verifySignature } from '../../shared/notices/signature.ts';
import { type LocalServer, readBody, startHttpServer } from './local-http.ts';

/**
 * What the receiver answers to its n-th request (1-based, every request counted, signed or not):
 * a status, a redirect, or nothing (the connection stays open until the client gives up).
 */
export type ReceiverAnswer = number | { readonly status: number; readonly location: string } | 'hang';

export interface ReceivedRequest {
  readonly path: string;
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  /** the Idempotency-Key header; '' without one */
  readonly key: string;
  readonly body: string;
  readonly verdict: SignatureVerdict;
  /** what the receiver answered: 401 to a bad signature, else as scripted; undefined: no answer */
  readonly status: number | undefined;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>`: any path under it reaches the receiver */
  readonly base: string;
  /** `<base>/hooks/sla` */
  readonly url: string;
  /** every request, in the order received */
  readonly requests: ReceivedRequest[];
  /** Idempotency-Key → the body first taken under it: each key taken once */
  readonly accepted: Map<string, string>;
}

export type StartReceiver = (script: (n: number) => ReceiverAnswer) => Promise<WebhookReceiver>;

/** Starts receivers that check signatures against `secret`; registers the afterEach that closes them. */
export const useWebhookReceivers = (secret: string): StartReceiver => {
  const servers: LocalServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  return async (script) => {
    const requests: ReceivedRequest[] = [];
    const accepted = new Map<string, string>();
    const server = await startHttpServer(async (req, res) => {
      const body = await readBody(req);
      const verdict = verifySignature(req.headers['x-tcmpp-signature'], body, secret, new Date());
      const header = req.headers['idempotency-key'];
      const key = typeof header === 'string' ? header : '';
      const answer = verdict.ok ? script(requests.length + 1) : 401;
      const status = answer === 'hang' ? undefined : typeof answer === 'number' ? answer : answer.status;
      requests.push({
        path: req.url ?? '',
        method: req.method ?? '',
        headers: req.headers,
        key,
        body,
        verdict,
        status,
      });
      if (!verdict.ok) {
        res.writeHead(401).end();
        return;
      }
      if (answer === 'hang') return; // no answer: the connection stays open until the client gives up
      if (typeof answer !== 'number') {
        res.writeHead(answer.status, { location: answer.location }).end();
        return;
      }
      if (answer >= 200 && answer < 300 && typeof header === 'string' && !accepted.has(header))
        accepted.set(header, body);
      res.writeHead(answer, { 'content-type': 'text/plain' }).end(`answer ${answer}`);
    });
    servers.push(server);
    return { base: server.url, url: `${server.url}/hooks/sla`, requests, accepted };
  };
};

/** Idempotency-Key → the requests the receiver took (2xx) under it. */
export const takenByKey = (receiver: WebhookReceiver): Map<string, ReceivedRequest[]> => {
  const taken = new Map<string, ReceivedRequest[]>();
  for (const r of receiver.requests.filter((r) => r.status !== undefined && r.status >= 200 && r.status < 300))
    taken.set(r.key, [...(taken.get(r.key) ?? []), r]);
  return taken;
};
