// A Lambda function URL on 127.0.0.1: each HTTP request becomes a payload format 2.0 event (as
// Lambda builds it: lower-case header names, repeated headers joined with commas, a text body
// as is and any other body base64-encoded) and the handler's result becomes the HTTP response.
import type { IncomingMessage } from 'node:http';
import type { FunctionUrlEvent, FunctionUrlResult } from '../../functions/claims-intake.ts';
import { type LocalServer, startHttpServer } from './local-http.ts';

const TEXT = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)\b)/i;

const readBody = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

/** The event Lambda builds for a function URL request (payload format 2.0). */
export const eventOf = (req: IncomingMessage, body: Buffer): FunctionUrlEvent => {
  const headers: Record<string, string> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] ?? '').toLowerCase();
    const value = req.rawHeaders[i + 1] ?? '';
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const text = TEXT.test(headers['content-type'] ?? '');
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    requestContext: {
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '',
        userAgent: headers['user-agent'] ?? '',
      },
    },
    ...(body.length > 0 ? { body: text ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !text,
  };
};

/** Serves `handler` as a function URL; close() when done. */
export const startFunctionUrl = (
  handler: (event: FunctionUrlEvent) => Promise<FunctionUrlResult>,
): Promise<LocalServer> =>
  startHttpServer(async (req, res) => {
    const result = await handler(eventOf(req, await readBody(req)));
    res.writeHead(result.statusCode, result.headers);
    res.end(result.body);
  });
