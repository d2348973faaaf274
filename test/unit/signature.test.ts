// Signed webhooks (shared/notices/signature.ts): `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`,
// verified with a tolerance of 5 minutes either way, each failure with its reason.
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TOLERANCE_SECONDS,
  signatureHeader,
  signPayload,
  verifySignature,
} from '../../shared/notices/signature.ts';

const SECRET = 'whsec-test-3f9a';
const NOW = new Date('2026-07-08T00:00:00+08:00');
const NOW_SECONDS = NOW.getTime() / 1000;
const BODY = JSON.stringify({ noticeId: 'acc-1/ord-1/2026-06/window-open', voucher: '30.00' });

const at = (secondsFromNow: number): Date => new Date(NOW.getTime() + secondsFromNow * 1000);

describe('signatureHeader / signPayload', () => {
  it('is t=<unix seconds>,v1=<hex HMAC-SHA256 over "<t>.<body>">', () => {
    // arrange
    const expected = createHmac('sha256', SECRET).update(`${NOW_SECONDS}.${BODY}`).digest('hex');
    // act
    const header = signatureHeader(BODY, SECRET, NOW);
    // assert
    expect(header).toBe(`t=${NOW_SECONDS},v1=${expected}`);
    expect(signPayload(BODY, SECRET, NOW_SECONDS)).toBe(expected);
  });

  it('takes whole seconds (milliseconds dropped)', () => {
    expect(signatureHeader(BODY, SECRET, new Date(NOW.getTime() + 999))).toBe(signatureHeader(BODY, SECRET, NOW));
  });

  it('refuses an empty secret, a timestamp that is not whole seconds', () => {
    expect(() => signatureHeader(BODY, '', NOW)).toThrow(/secret is empty/);
    expect(() => signPayload(BODY, SECRET, 1.5)).toThrow(/whole unix seconds/);
    expect(() => verifySignature('t=1,v1=00', BODY, new Uint8Array(), NOW)).toThrow(/secret is empty/);
  });
});

describe('verifySignature', () => {
  it('a valid signature: ok, with its timestamp', () => {
    // arrange
    const header = signatureHeader(BODY, SECRET, NOW);
    // act
    const verdict = verifySignature(header, BODY, SECRET, NOW);
    // assert
    expect(verdict).toEqual({ ok: true, timestamp: NOW_SECONDS });
  });

  it('the same bytes as a Buffer, and a binary secret, verify alike', () => {
    const secret = Buffer.from('00ff10ab', 'hex');
    const header = signatureHeader(Buffer.from(BODY), secret, NOW);
    expect(verifySignature(header, BODY, secret, NOW)).toEqual({ ok: true, timestamp: NOW_SECONDS });
  });

  it('a tampered body: mismatch', () => {
    const header = signatureHeader(BODY, SECRET, NOW);
    const tampered = BODY.replace('30.00', '90.00');
    expect(verifySignature(header, tampered, SECRET, NOW)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('another secret: mismatch', () => {
    const header = signatureHeader(BODY, SECRET, NOW);
    expect(verifySignature(header, BODY, 'whsec-other', NOW)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('a timestamp changed in the header (a replay made to look fresh): mismatch', () => {
    const old = signatureHeader(BODY, SECRET, at(-3600));
    const refreshed = old.replace(/^t=\d+/, `t=${NOW_SECONDS}`);
    expect(verifySignature(refreshed, BODY, SECRET, NOW)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it.each([
    [-DEFAULT_TOLERANCE_SECONDS, true],
    [-DEFAULT_TOLERANCE_SECONDS - 1, false],
    [-86_400, false],
  ])('signed %i s from now: ok=%s (older than the tolerance: stale)', (offset, ok) => {
    const verdict = verifySignature(signatureHeader(BODY, SECRET, at(offset)), BODY, SECRET, NOW);
    expect(verdict).toEqual(ok ? { ok: true, timestamp: NOW_SECONDS + offset } : { ok: false, reason: 'stale' });
  });

  it.each([
    [DEFAULT_TOLERANCE_SECONDS, true],
    [DEFAULT_TOLERANCE_SECONDS + 1, false],
    [365 * 86_400, false],
  ])('signed %i s from now: ok=%s (further ahead than the tolerance: future)', (offset, ok) => {
    const verdict = verifySignature(signatureHeader(BODY, SECRET, at(offset)), BODY, SECRET, NOW);
    expect(verdict).toEqual(ok ? { ok: true, timestamp: NOW_SECONDS + offset } : { ok: false, reason: 'future' });
  });

  it('a tolerance of its own', () => {
    const header = signatureHeader(BODY, SECRET, at(-61));
    expect(verifySignature(header, BODY, SECRET, NOW, 60)).toEqual({ ok: false, reason: 'stale' });
    expect(verifySignature(header, BODY, SECRET, NOW, 61)).toMatchObject({ ok: true });
  });

  it('a stale header with a wrong signature: mismatch (stale is said of authentic requests only)', () => {
    const header = signatureHeader(BODY, 'whsec-other', at(-3600));
    expect(verifySignature(header, BODY, SECRET, NOW)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['empty', ''],
    ['no values', []],
  ])('no header (%s): missing', (_, header) => {
    expect(verifySignature(header, BODY, SECRET, NOW)).toEqual({ ok: false, reason: 'missing' });
  });

  const v1 = signPayload(BODY, SECRET, NOW_SECONDS);
  it.each([
    ['garbage', 'not-a-signature'],
    ['no v1', `t=${NOW_SECONDS}`],
    ['no t', `v1=${v1}`],
    ['t twice', `t=${NOW_SECONDS},t=${NOW_SECONDS},v1=${v1}`],
    ['t not a number', `t=soon,v1=${v1}`],
    ['t negative', `t=-5,v1=${v1}`],
    ['t fractional', `t=${NOW_SECONDS}.5,v1=${v1}`],
    ['v1 short', `t=${NOW_SECONDS},v1=${v1.slice(2)}`],
    ['v1 not hex', `t=${NOW_SECONDS},v1=${'z'.repeat(64)}`],
    ['an empty part', `t=${NOW_SECONDS},,v1=${v1}`],
    ['the header given twice', [signatureHeader(BODY, SECRET, NOW), signatureHeader(BODY, SECRET, NOW)]],
  ])('%s: malformed', (_, header) => {
    expect(verifySignature(header, BODY, SECRET, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('spaces around parts, upper-case hex, an unknown scheme beside v1: ok', () => {
    const header = ` t=${NOW_SECONDS} , v0=abc, v1=${v1.toUpperCase()} `;
    expect(verifySignature(header, BODY, SECRET, NOW)).toEqual({ ok: true, timestamp: NOW_SECONDS });
  });

  it('several v1 values (a secret being rotated): ok when one of them signs the body', () => {
    const other = signPayload(BODY, 'whsec-old', NOW_SECONDS);
    const header = `t=${NOW_SECONDS},v1=${other},v1=${v1}`;
    expect(verifySignature(header, BODY, SECRET, NOW)).toMatchObject({ ok: true });
    expect(verifySignature(header, BODY, 'whsec-old', NOW)).toMatchObject({ ok: true });
    expect(verifySignature(header, BODY, 'whsec-third', NOW)).toEqual({ ok: false, reason: 'mismatch' });
  });
});

describe('verifySignature: properties', () => {
  const secrets = fc.oneof(fc.string({ minLength: 1 }), fc.uint8Array({ minLength: 1, maxLength: 64 }));
  const bodies = fc.oneof(fc.string(), fc.uint8Array({ maxLength: 512 }));
  const offsets = fc.integer({ min: -DEFAULT_TOLERANCE_SECONDS, max: DEFAULT_TOLERANCE_SECONDS });

  it('any body and secret, signed within the tolerance: verifies', () => {
    fc.assert(
      fc.property(bodies, secrets, offsets, (body, secret, offset) => {
        const header = signatureHeader(body, secret, at(offset));
        expect(verifySignature(header, body, secret, NOW)).toEqual({ ok: true, timestamp: NOW_SECONDS + offset });
      }),
    );
  });

  it('any single byte of the body changed: mismatch', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 512 }),
        secrets,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (body, secret, index, flip) => {
          const header = signatureHeader(body, secret, NOW);
          const changed = Uint8Array.from(body);
          const i = index % changed.length;
          changed[i] = (changed[i] ?? 0) ^ flip;
          expect(verifySignature(header, changed, secret, NOW)).toEqual({ ok: false, reason: 'mismatch' });
        },
      ),
    );
  });

  it('any byte appended or the last removed: mismatch', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 256 }),
        secrets,
        fc.integer({ min: 0, max: 255 }),
        (body, secret, extra) => {
          const header = signatureHeader(body, secret, NOW);
          expect(verifySignature(header, Uint8Array.of(...body, extra), secret, NOW)).toMatchObject({ ok: false });
          expect(verifySignature(header, body.subarray(0, -1), secret, NOW)).toMatchObject({ ok: false });
        },
      ),
    );
  });

  it('any other secret: mismatch', () => {
    fc.assert(
      fc.property(bodies, fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (body, a, b) => {
        fc.pre(a !== b);
        const header = signatureHeader(body, a, NOW);
        expect(verifySignature(header, body, b, NOW)).toEqual({ ok: false, reason: 'mismatch' });
      }),
    );
  });
});
