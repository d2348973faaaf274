// Signed webhooks, both ways: our outgoing notices (shared/notices/webhook-channel.ts) and, later,
// the ticket system's calls to the claims intake. Nothing here knows what the body is.
//
//   X-Tcmpp-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 over `<t>.<body bytes>`>
//
// The timestamp is inside what is signed, so a captured request cannot be replayed with a fresh
// one; a receiver refuses a timestamp further than the tolerance (default 5 minutes) from its own
// clock, either way. A header may carry several v1 values (a secret being rotated: one per
// secret); it verifies when any of them does. Other keys (a future scheme) are ignored.
//
// Verification order: the header is read (missing, malformed), the signature is checked
// (mismatch), and only then the timestamp (stale, future) — a stale or future verdict is given to
// authentic requests only.

import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header, as sent; HTTP header names are case-insensitive (Node lowercases them). */
export const SIGNATURE_HEADER = 'X-Tcmpp-Signature';

export const DEFAULT_TOLERANCE_SECONDS = 300;

export type SignatureFailure = 'missing' | 'malformed' | 'stale' | 'future' | 'mismatch';

export type SignatureVerdict =
  | { readonly ok: true /** the signed timestamp, unix seconds */; readonly timestamp: number }
  | { readonly ok: false; readonly reason: SignatureFailure };

export type Secret = string | Uint8Array;
export type Body = string | Uint8Array;

const bytesOf = (value: Body): Uint8Array => (typeof value === 'string' ? Buffer.from(value, 'utf8') : value);

const keyOf = (secret: Secret): Uint8Array => {
  const key = bytesOf(secret);
  if (key.length === 0) throw new RangeError('the signing secret is empty');
  return key;
};

const digest = (key: Uint8Array, timestamp: number, body: Body): Buffer =>
  createHmac('sha256', key).update(`${timestamp}.`).update(bytesOf(body)).digest();

const unixSeconds = (at: Date): number => Math.floor(at.getTime() / 1000);

/** The hex HMAC-SHA256 of `<timestamp>.<body>`. */
export const signPayload = (body: Body, secret: Secret, timestamp: number): string => {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0)
    throw new RangeError(`the timestamp must be whole unix seconds, got ${timestamp}`);
  return digest(keyOf(secret), timestamp, body).toString('hex');
};

/** The signature header's value for a body sent at `now`: `t=<unix seconds>,v1=<hex>`. */
export const signatureHeader = (body: Body, secret: Secret, now: Date): string => {
  const timestamp = unixSeconds(now);
  return `t=${timestamp},v1=${signPayload(body, secret, timestamp)}`;
};

const TIMESTAMP = /^\d{1,15}$/;
const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;
const PART = /^([A-Za-z0-9]+)=(.*)$/;

/** The header's timestamp and v1 digests; undefined when it is not of the form above. */
const parseHeader = (value: string): { timestamp: number; digests: Buffer[] } | undefined => {
  let timestamp: number | undefined;
  const digests: Buffer[] = [];
  for (const raw of value.split(',')) {
    const part = PART.exec(raw.trim());
    if (!part) return undefined;
    const [, key, v = ''] = part;
    if (key === 't') {
      if (timestamp !== undefined || !TIMESTAMP.test(v)) return undefined;
      timestamp = Number(v);
    } else if (key === 'v1') {
      if (!HEX_SHA256.test(v)) return undefined;
      digests.push(Buffer.from(v, 'hex'));
    }
  }
  if (timestamp === undefined || digests.length === 0) return undefined;
  return { timestamp, digests };
};

/**
 * Whether `header` signs `body` (the raw bytes received, before any parsing) with `secret`, at a
 * timestamp within `toleranceSeconds` of `now`. A header given more than once (an array) is
 * malformed.
 */
export const verifySignature = (
  header: string | readonly string[] | null | undefined,
  body: Body,
  secret: Secret,
  now: Date,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): SignatureVerdict => {
  const key = keyOf(secret);
  if (header === undefined || header === null || header.length === 0) return { ok: false, reason: 'missing' };
  if (typeof header !== 'string') return { ok: false, reason: 'malformed' };
  const parsed = parseHeader(header);
  if (!parsed) return { ok: false, reason: 'malformed' };
  const expected = digest(key, parsed.timestamp, body);
  // every candidate is compared (no early exit): the time taken does not say which one matched
  let matched = false;
  for (const candidate of parsed.digests) matched = timingSafeEqual(candidate, expected) || matched;
  if (!matched) return { ok: false, reason: 'mismatch' };
  const age = unixSeconds(now) - parsed.timestamp;
  if (age > toleranceSeconds) return { ok: false, reason: 'stale' };
  if (-age > toleranceSeconds) return { ok: false, reason: 'future' };
  return { ok: true, timestamp: parsed.timestamp };
};
