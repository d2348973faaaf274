// Claims intake (SPEC R10) end to end, on dynalite with results made by the real month-end steps
// (the june example: acc-43 met the commitment, acc-44 missed it by 44 minutes → 10 %, voucher
// 30.00; window 2026-07-08 … 2026-08-29), plus acc-44's next order ord-45 (July and August 2026,
// not evaluated yet). Claims come in two ways:
//   - the ticket system's webhook: functions/claims-intake.ts makeHandler served as a Lambda
//     function URL over real HTTP on 127.0.0.1 (test/support/function-url.ts), signed bodies;
//   - the operator's `sla claims add` / `sla claims list` (cli/main.ts in-process).
// Every R10 reason is reached both ways. Refused requests (signature, shape, size, method) and
// bad options write nothing (a full table scan before and after). An accepted claim issues one
// voucher record in integer fen; a second accepted claim of the month, in sequence or at the same
// time, is `duplicate`; a claim id retried gets the stored verdict, even after a crash at any
// point of the recording.

import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_DEV = 'true';
});

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type AcceptedClaim,
  type ClaimRecord,
  getAcceptedClaim,
  getClaim,
  hasAcceptedClaim,
  listClaims,
  listVouchers,
  type VoucherIssuance,
} from '#adapters/dynamodb/claim-repository.ts';
import { type LocalDynamo, startLocalDynamo } from '#adapters/dynamodb/local-dynamodb.ts';
import { putOrder } from '#adapters/dynamodb/registry-repository.ts';
import { latestResults } from '#adapters/dynamodb/result-repository.ts';
import type { Table } from '#adapters/dynamodb/table.ts';
import {
  type FunctionUrlEvent,
  type FunctionUrlResult,
  type IntakeSettings,
  intakeSettings,
  MAX_BODY_BYTES,
  makeHandler,
} from '../../functions/claims-intake.ts';
import { logger } from '../../functions/commons/powertools.ts';
import { ConfigError } from '../../shared/config.ts';
import { signatureHeader } from '../../shared/notices/signature.ts';
import { slaAsync } from '../support/cli-async.ts';
import { type Item, scanAll, type TestTable, tableFactory } from '../support/dynamo.ts';
import { startFunctionUrl } from '../support/function-url.ts';
import type { LocalServer } from '../support/local-http.ts';
import { markersIn, PERSONAL } from '../support/markers.ts';
import { evaluateMonth, loadJune, settingsAt } from '../support/notice-scenario.ts';
import { linesOf, runMain, STACK_TRACE } from '../support/run-main.ts';

let dynamo: LocalDynamo | undefined;
const tables = tableFactory(() => {
  if (!dynamo) throw new Error('dynalite is not started');
  return dynamo;
}, 'claims');

beforeAll(async () => {
  dynamo = await startLocalDynamo('claims-0');
});

afterAll(async () => {
  tables.destroy();
  await dynamo?.close();
});

const SECRET = 'claims-test-secret-9b1e';
/** the clock of the intake: a day inside acc-44's window */
const NOW = new Date('2026-07-20T02:00:00Z');

/** The june example evaluated by the month-end steps, and ord-45 (July–August 2026) stored. */
const seeded = async (): Promise<TestTable> => {
  const t = await tables.fresh();
  await loadJune(t.table);
  await putOrder(t.table, {
    accountId: 'acc-44',
    orderId: 'ord-45',
    startDate: '2026-07-01',
    months: 2,
    cashPaid: '600.00',
  });
  await evaluateMonth(settingsAt(t.table, '2026-07-01T03:00:00+08:00'), {
    month: '2026-06',
    reason: 'scheduled',
    requestedBy: 'schedule',
  });
  return t;
};

const settingsOf = (table: Table, now: Date = NOW): IntakeSettings => ({
  table,
  timeZone: 'Asia/Shanghai',
  now: () => now,
  secret: async () => SECRET,
  maxBodyBytes: MAX_BODY_BYTES,
  toleranceSeconds: 300,
});

/** The intake as a function URL on 127.0.0.1, on `table`. */
const withIntake = async <T>(
  table: Table,
  work: (post: Poster, server: LocalServer) => Promise<T>,
  handler: (event: FunctionUrlEvent) => Promise<FunctionUrlResult> = makeHandler(settingsOf(table)),
): Promise<T> => {
  const server = await startFunctionUrl(handler);
  try {
    return await work(posterFor(server.url), server);
  } finally {
    await server.close();
  }
};

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

interface PostOptions {
  /** the signature header; default: a valid one over the body sent, at NOW */
  readonly signature?: string | null;
  readonly method?: string;
  /** default application/json (a text body); another type arrives base64-encoded */
  readonly contentType?: string;
}

type Poster = (body: string | Record<string, unknown>, options?: PostOptions) => Promise<Answer>;

const posterFor =
  (url: string): Poster =>
  async (body, options = {}) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const signature = options.signature === undefined ? signatureHeader(text, SECRET, NOW) : options.signature;
    const response = await fetch(`${url}/claims`, {
      method: options.method ?? 'POST',
      headers: {
        'content-type': options.contentType ?? 'application/json',
        ...(signature === null ? {} : { 'X-Tcmpp-Signature': signature }),
      },
      ...(options.method === 'GET' ? {} : { body: text }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

/** The parsed documents of the items whose pk starts with `prefix`. */
const docsOf = (items: readonly Item[], prefix: string): unknown[] =>
  items.filter((i) => i.pk?.S?.startsWith(prefix)).map((i) => JSON.parse(i.doc?.S ?? 'null') as unknown);

// ---------------------------------------------------------------------------------------------
// Every R10 reason, in an order where each is the first failing one

interface Case {
  readonly name: string;
  readonly claim: Record<string, string>;
  readonly reason?: string;
  readonly voucher?: string;
}

const JUNE = { accountId: 'acc-44', orderId: 'ord-44', month: '2026-06', channel: 'ticket' };
const ON_TIME = '2026-07-08T09:30:00+08:00';

const CASES: readonly Case[] = [
  {
    name: 'no accountId',
    claim: { orderId: 'ord-44', month: '2026-06', filedAt: ON_TIME, channel: 'ticket' },
    reason: 'missing-materials',
  },
  {
    name: 'no orderId',
    claim: { accountId: 'acc-44', month: '2026-06', filedAt: ON_TIME, channel: 'ticket' },
    reason: 'missing-materials',
  },
  { name: 'filed by email', claim: { ...JUNE, filedAt: ON_TIME, channel: 'email' }, reason: 'wrong-channel' },
  {
    name: 'an order the account has not',
    claim: { ...JUNE, orderId: 'ord-99', filedAt: ON_TIME },
    reason: 'unknown-order',
  },
  {
    name: 'another account’s order',
    claim: { ...JUNE, accountId: 'acc-43', filedAt: ON_TIME },
    reason: 'unknown-order',
  },
  { name: 'a month before the order', claim: { ...JUNE, month: '2026-05', filedAt: ON_TIME }, reason: 'unknown-order' },
  {
    name: 'a month after the order',
    claim: { ...JUNE, orderId: 'ord-45', month: '2026-09', filedAt: ON_TIME },
    reason: 'unknown-order',
  },
  {
    name: 'a month that met the commitment',
    claim: { ...JUNE, accountId: 'acc-43', orderId: 'ord-43', filedAt: ON_TIME },
    reason: 'not-eligible',
  },
  {
    name: 'filed the day before opensOn (23:59:59 local)',
    claim: { ...JUNE, filedAt: '2026-07-07T23:59:59+08:00' },
    reason: 'window-not-open',
  },
  {
    name: 'a service month not evaluated yet',
    claim: { ...JUNE, orderId: 'ord-45', month: '2026-07', filedAt: '2026-07-20T10:00:00+08:00' },
    reason: 'window-not-open',
  },
  {
    name: 'filed the day after closesOn',
    claim: { ...JUNE, filedAt: '2026-08-30T00:00:00+08:00' },
    reason: 'window-closed',
  },
  // 2026-07-07T16:00Z is 2026-07-08 00:00 in Asia/Shanghai: opensOn, on time
  { name: 'filed on opensOn (local day)', claim: { ...JUNE, filedAt: '2026-07-07T16:00:00Z' }, voucher: '30.00' },
  {
    name: 'a second claim for the month',
    claim: { ...JUNE, filedAt: '2026-08-29T23:59:59+08:00' },
    reason: 'duplicate',
  },
  {
    name: 'late, after one was accepted: window-closed comes first',
    claim: { ...JUNE, filedAt: '2026-09-01T09:00:00+08:00' },
    reason: 'window-closed',
  },
];

const claimIdOf = (i: number): string => `TCK-${String(i + 1).padStart(4, '0')}`;

/** What the store must hold after every case: the verdicts, one accepted record, one voucher. */
const expectStoreAfterCases = async (table: Table, claimIds: readonly string[]): Promise<void> => {
  const all = await scanAll(table);
  const claims = docsOf(all, 'CLAIM#') as (ClaimRecord | AcceptedClaim)[];
  const records = claims.filter((c): c is ClaimRecord => 'verdict' in c);
  expect(records).toHaveLength(CASES.length);
  for (const [i, c] of CASES.entries()) {
    const stored = await getClaim(table, claimIds[i] ?? '');
    expect(stored, c.name).toMatchObject(
      c.reason
        ? { verdict: 'rejected', reason: c.reason }
        : { verdict: 'accepted', voucher: c.voucher, voucherFen: 3000 },
    );
  }
  const accepted = all.filter((i) => i.sk?.S?.endsWith('#ACCEPTED'));
  expect(accepted.map((i) => [i.pk?.S, i.sk?.S])).toEqual([['CLAIM#acc-44', '2026-06#ord-44#ACCEPTED']]);
  const vouchers = docsOf(all, 'VOUCHER#') as VoucherIssuance[];
  const acceptedId = claimIds[CASES.findIndex((c) => c.voucher)];
  expect(vouchers).toEqual([
    {
      accountId: 'acc-44',
      orderId: 'ord-44',
      month: '2026-06',
      amountFen: 3000,
      amount: '30.00',
      currency: 'CNY',
      service: 'TCMPP',
      nonCash: true,
      transferable: false,
      usableFor: expect.stringMatching(/TCMPP .*acc-44 only; not redeemable for cash; not transferable/),
      claimId: acceptedId,
      resultVersion: 1,
      issuedAt: expect.any(String),
    },
  ]);
  expect(Number.isInteger(vouchers[0]?.amountFen)).toBe(true);
  expect(await listVouchers(table, '2026-06')).toEqual(vouchers);
  expect(await listVouchers(table, '2026-07')).toEqual([]);
  expect(await hasAcceptedClaim(table, 'acc-44', 'ord-44', '2026-06')).toBe(true);
  expect(await hasAcceptedClaim(table, 'acc-43', 'ord-43', '2026-06')).toBe(false);
  expect(await hasAcceptedClaim(table, 'acc-44', 'ord-45', '2026-07')).toBe(false);
};

describe('claims intake: every R10 reason', () => {
  it('through the webhook (function URL over HTTP): each verdict answered and recorded', async () => {
    // arrange
    const { table } = await seeded();
    const [june44] = await latestResults(table, 'acc-44', '2026-06');
    expect(june44?.report.claimWindow).toEqual({ opensOn: '2026-07-08', closesOn: '2026-08-29' });

    await withIntake(table, async (post) => {
      for (const [i, c] of CASES.entries()) {
        // act
        const answer = await post({ claimId: claimIdOf(i), ...c.claim });
        // assert
        expect(answer, c.name).toEqual({
          status: 200,
          body: c.reason
            ? { claimId: claimIdOf(i), accepted: false, reason: c.reason }
            : { claimId: claimIdOf(i), accepted: true, voucher: c.voucher },
        });
      }
    });
    await expectStoreAfterCases(
      table,
      CASES.map((_, i) => claimIdOf(i)),
    );
  });

  it('through `sla claims add`: each verdict printed, exit 0; `sla claims list` shows them and the voucher', async () => {
    const { table, storeArgs } = await seeded();
    const optionOf: Record<string, string> = {
      accountId: '--account',
      orderId: '--order',
      month: '--month',
      filedAt: '--filed-at',
      channel: '--channel',
    };
    for (const [i, c] of CASES.entries()) {
      // act
      const argv = Object.entries(c.claim).flatMap(([field, value]) => [optionOf[field] ?? field, value]);
      const run = await runMain(['claims', 'add', '--claim-id', `CLI-${i}`, ...argv, ...storeArgs]);
      // assert
      expect(run.stderr, c.name).toBe('');
      expect(run.status, c.name).toBe(0);
      expect(run.stdout, c.name).toMatch(
        c.reason
          ? new RegExp(`^claim CLI-${i} for .*: rejected: ${c.reason}`)
          : /^claim CLI-\d+ for acc-44\/ord-44\/2026-06: accepted, voucher 30\.00 CNY \(result v1\)/,
      );
    }
    await expectStoreAfterCases(
      table,
      CASES.map((_, i) => `CLI-${i}`),
    );

    // the listing: every claim with its verdict, and the one voucher
    const list = await runMain(['claims', 'list', ...storeArgs]);
    expect(list.stderr).toBe('');
    expect(list.status).toBe(0);
    const lines = linesOf(list.stdout);
    expect(lines.filter((l) => l.startsWith('claim '))).toHaveLength(CASES.length);
    expect(lines.filter((l) => l.startsWith('voucher '))).toEqual([
      expect.stringMatching(/^voucher acc-44\/ord-44\/2026-06: 30\.00 CNY, claim CLI-11, result v1, issued /),
    ]);
    expect(lines.at(-1)).toMatch(new RegExp(`^${CASES.length} claims, 1 vouchers `));
    const json = await runMain(['claims', 'list', '--month', '2026-06', '--account', 'acc-44', '--json', ...storeArgs]);
    const listed = JSON.parse(json.stdout) as { claims: ClaimRecord[]; vouchers: VoucherIssuance[] };
    expect(listed.claims.every((c) => c.accountId === 'acc-44' && c.month === '2026-06')).toBe(true);
    expect(listed.claims.map((c) => c.reason ?? c.verdict).sort()).toEqual(
      [
        'duplicate',
        'missing-materials',
        'unknown-order',
        'accepted',
        'window-closed',
        'window-closed',
        'window-not-open',
        'wrong-channel',
      ].sort(),
    );
    expect(listed.vouchers).toMatchObject([{ accountId: 'acc-44', amountFen: 3000, claimId: 'CLI-11' }]);
    // a claim filed without an account id is listed under none
    const none = linesOf(list.stdout).find((l) => l.includes('(no account)'));
    expect(none).toMatch(/^claim CLI-0 \(no account\)\/ord-44\/2026-06 filed .*: rejected: missing-materials$/);
  });

  it('the bundled `sla` (a real process): claims add, then list --json', async () => {
    const { storeArgs } = await seeded();
    const add = await slaAsync([
      'claims',
      'add',
      '--claim-id',
      'TCK-BIN',
      '--account',
      'acc-44',
      '--order',
      'ord-44',
      '--month',
      '2026-06',
      '--filed-at',
      ON_TIME,
      ...storeArgs,
    ]);
    expect(add.stderr).toBe('');
    expect(add.status).toBe(0);
    expect(add.stdout).toMatch(
      /^claim TCK-BIN for acc-44\/ord-44\/2026-06: accepted, voucher 30\.00 CNY \(result v1\)/,
    );
    const list = await slaAsync(['claims', 'list', '--json', ...storeArgs]);
    expect(list.status).toBe(0);
    expect(JSON.parse(list.stdout)).toMatchObject({
      claims: [{ claimId: 'TCK-BIN', verdict: 'accepted', voucherFen: 3000, filedDay: '2026-07-08' }],
      vouchers: [{ claimId: 'TCK-BIN', amountFen: 3000, amount: '30.00', nonCash: true, transferable: false }],
    });
  });

  it('`sla claims add` run again is the same claim (derived id): the stored verdict, nothing added', async () => {
    const { table, storeArgs } = await seeded();
    const argv = [
      'claims',
      'add',
      '--account',
      'acc-44',
      '--order',
      'ord-44',
      '--month',
      '2026-06',
      '--filed-at',
      ON_TIME,
    ];
    const first = await runMain([...argv, ...storeArgs]);
    expect(first.stdout).toMatch(/^claim cli-[0-9a-f]{24} for acc-44\/ord-44\/2026-06: accepted, voucher 30\.00 CNY/);
    const before = await scanAll(table);
    const again = await runMain([...argv, ...storeArgs]);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/: accepted, voucher 30\.00 CNY \(result v1\) — recorded before /);
    expect(await scanAll(table)).toEqual(before);
  });
});

// ---------------------------------------------------------------------------------------------
// Requests refused: nothing written

describe('claims webhook: refused requests write nothing', () => {
  const GOOD = { claimId: 'TCK-1', ...JUNE, filedAt: ON_TIME };

  it('signature: valid is taken; a tampered body, a stale or future timestamp, a missing or malformed header are 401', async () => {
    const { table } = await seeded();
    await withIntake(table, async (post) => {
      const before = await scanAll(table);
      const text = JSON.stringify(GOOD);
      const seconds = NOW.getTime() / 1000;
      const refused: [string, string | Record<string, unknown>, PostOptions, string][] = [
        [
          'tampered body',
          JSON.stringify({ ...GOOD, month: '2026-07' }),
          { signature: signatureHeader(text, SECRET, NOW) },
          'mismatch',
        ],
        ['another secret', GOOD, { signature: signatureHeader(text, 'not-the-secret', NOW) }, 'mismatch'],
        [
          'stale (301 s old)',
          GOOD,
          { signature: signatureHeader(text, SECRET, new Date((seconds - 301) * 1000)) },
          'stale',
        ],
        [
          'future (301 s ahead)',
          GOOD,
          { signature: signatureHeader(text, SECRET, new Date((seconds + 301) * 1000)) },
          'future',
        ],
        ['missing header', GOOD, { signature: null }, 'missing'],
        ['malformed header', GOOD, { signature: 'sha256=abc' }, 'malformed'],
      ];
      for (const [name, body, options, reason] of refused) {
        const answer = await post(body, options);
        expect(answer, name).toEqual({ status: 401, body: { error: 'invalid-signature', reason } });
      }
      expect(await scanAll(table), 'nothing written').toEqual(before);

      // a valid signature 299 s old is taken
      const ok = await post(GOOD, { signature: signatureHeader(text, SECRET, new Date((seconds - 299) * 1000)) });
      expect(ok).toEqual({ status: 200, body: { claimId: 'TCK-1', accepted: true, voucher: '30.00' } });
    });
  });

  it('a body Lambda hands over base64-encoded (not a text type) is verified and read as its bytes', async () => {
    const { table } = await seeded();
    await withIntake(table, async (post) => {
      const answer = await post(GOOD, { contentType: 'application/octet-stream' });
      expect(answer).toEqual({ status: 200, body: { claimId: 'TCK-1', accepted: true, voucher: '30.00' } });
    });
  });

  it('null ids are missing materials (a verdict, recorded), not malformed', async () => {
    const { table } = await seeded();
    await withIntake(table, async (post) => {
      const answer = await post({ ...GOOD, accountId: null, orderId: null });
      expect(answer).toEqual({ status: 200, body: { claimId: 'TCK-1', accepted: false, reason: 'missing-materials' } });
    });
    expect(await getClaim(table, 'TCK-1')).toMatchObject({ verdict: 'rejected', reason: 'missing-materials' });
    expect((await getClaim(table, 'TCK-1'))?.accountId).toBeUndefined();
  });

  it('malformed payloads: 400 naming the field, nothing written, nothing of the body logged', async () => {
    const { table } = await seeded();
    const warn = vi.spyOn(logger, 'warn');
    const info = vi.spyOn(logger, 'info');
    try {
      await withIntake(table, async (post) => {
        const before = await scanAll(table);
        const bad: [string, string | Record<string, unknown>, string, RegExp][] = [
          ['not JSON', '{"claimId": "TCK-1",', 'body', /^malformed JSON/],
          ['an array', '[1, 2]', 'body', /must be a JSON object/],
          ['no claimId', { ...GOOD, claimId: undefined }, 'claimId', /is required/],
          ['claimId with a space', { ...GOOD, claimId: 'TCK 1' }, 'claimId', /characters outside/],
          ['accountId a number', { ...GOOD, accountId: 44 }, 'accountId', /must be a string/],
          ['orderId empty', { ...GOOD, orderId: '' }, 'orderId', /1 to 128 characters/],
          ['month 2026-13', { ...GOOD, month: '2026-13' }, 'month', /not a calendar month/],
          ['filedAt without offset', { ...GOOD, filedAt: '2026-07-08T09:30:00' }, 'filedAt', /has no offset/],
          ['no filedAt', { ...GOOD, filedAt: undefined }, 'filedAt', /is required/],
          ['channel missing', { ...GOOD, channel: undefined }, 'channel', /is required/],
          ['channel empty', { ...GOOD, channel: '' }, 'channel', /must not be empty/],
          ['personal data in an unknown field', { ...GOOD, idfa: PERSONAL.idfa }, 'idfa', /is not a known field/],
        ];
        for (const [name, body, field, problem] of bad) {
          const answer = await post(body);
          expect(answer.status, name).toBe(400);
          expect(answer.body.error, name).toBe('invalid-claim');
          const problems = answer.body.problems as { field: string; problem: string }[];
          expect(problems.find((p) => p.field === field)?.problem, `${name}: ${JSON.stringify(problems)}`).toMatch(
            problem,
          );
        }
        expect(await scanAll(table), 'nothing written').toEqual(before);
      });
      const logged = JSON.stringify([...warn.mock.calls, ...info.mock.calls]);
      expect(markersIn(logged)).toEqual([]);
      expect(logged).not.toContain('2026-07-08T09:30:00');
      expect(warn).toHaveBeenCalledWith('claim refused: invalid', { fields: ['idfa'] });
    } finally {
      warn.mockRestore();
      info.mockRestore();
    }
  });

  it('GET is 405; a body over 64 KB is 413; neither writes anything', async () => {
    const { table } = await seeded();
    await withIntake(table, async (post) => {
      const before = await scanAll(table);
      expect(await post(GOOD, { method: 'GET' })).toEqual({ status: 405, body: { error: 'method-not-allowed' } });
      const big = JSON.stringify({ ...GOOD, note: 'x'.repeat(MAX_BODY_BYTES) });
      expect(await post(big)).toEqual({ status: 413, body: { error: 'body-too-large', maxBytes: MAX_BODY_BYTES } });
      // exactly 64 KB passes the size check (and is then refused for its unknown field)
      const padded = JSON.stringify({ ...GOOD, note: '' });
      const edge = JSON.stringify({ ...GOOD, note: 'x'.repeat(MAX_BODY_BYTES - padded.length) });
      expect(Buffer.byteLength(edge)).toBe(MAX_BODY_BYTES);
      expect((await post(edge)).status).toBe(400);
      expect(await scanAll(table)).toEqual(before);
    });
  });

  it('`sla claims add` with bad options: exit 2 naming the option, nothing written', async () => {
    const { table, storeArgs } = await seeded();
    const before = await scanAll(table);
    const run = await runMain([
      'claims',
      'add',
      '--account',
      'acc 44',
      '--order',
      'ord-44',
      '--month',
      '2026-6',
      '--filed-at',
      '2026-07-08T09:30:00',
      '--channel',
      '',
      '--time-zone',
      'Mars/Base',
      ...storeArgs,
    ]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).not.toMatch(STACK_TRACE);
    const lines = linesOf(run.stderr);
    expect(lines).toEqual([
      expect.stringMatching(/^error: --account: "acc 44" has characters outside/),
      expect.stringMatching(/^error: --month: "2026-6" is not a month YYYY-MM/),
      expect.stringMatching(/^error: --filed-at: timestamp "2026-07-08T09:30:00" has no offset/),
      'error: --channel: must not be empty',
      'error: --time-zone: "Mars/Base" is not an IANA time zone',
    ]);
    const list = await runMain(['claims', 'list', '--month', '2026-6', '--account', 'a b', ...storeArgs]);
    expect(list.status).toBe(2);
    expect(linesOf(list.stderr)).toEqual([
      expect.stringMatching(/^error: --month: /),
      expect.stringMatching(/^error: --account: /),
    ]);
    expect(await scanAll(table)).toEqual(before);
  });
});

// ---------------------------------------------------------------------------------------------
// One accepted claim per service month; one verdict per claim id

describe('claims: duplicates and retries', () => {
  const claim = (claimId: string, filedAt = ON_TIME) => ({ claimId, ...JUNE, filedAt });

  it('five accepted claims for one service month at once: one accepted, four duplicate, one voucher', async () => {
    const { table } = await seeded();
    await withIntake(table, async (post) => {
      // act
      const answers = await Promise.all(['A', 'B', 'C', 'D', 'E'].map((id) => post(claim(`TCK-${id}`))));
      // assert
      expect(answers.every((a) => a.status === 200)).toBe(true);
      const accepted = answers.filter((a) => a.body.accepted === true);
      expect(accepted).toHaveLength(1);
      expect(answers.filter((a) => a.body.reason === 'duplicate')).toHaveLength(4);
      const all = await scanAll(table);
      expect(all.filter((i) => i.sk?.S?.endsWith('#ACCEPTED'))).toHaveLength(1);
      expect(docsOf(all, 'VOUCHER#')).toMatchObject([{ amountFen: 3000, claimId: accepted[0]?.body.claimId }]);
      expect((await getAcceptedClaim(table, 'acc-44', 'ord-44', '2026-06'))?.claimId).toBe(accepted[0]?.body.claimId);
    });
  });

  it('a claim id retried (in sequence and at once) gets the stored verdict and writes nothing more; other content is 409', async () => {
    const { table, storeArgs } = await seeded();
    await withIntake(table, async (post) => {
      const first = await post(claim('TCK-R'));
      expect(first).toEqual({ status: 200, body: { claimId: 'TCK-R', accepted: true, voucher: '30.00' } });
      const rejected = await post(claim('TCK-S', '2026-08-30T10:00:00+08:00'));
      expect(rejected.body).toEqual({ claimId: 'TCK-S', accepted: false, reason: 'window-closed' });
      const before = await scanAll(table);

      // the same content again: the same answers, one after the other and three at once
      expect(await post(claim('TCK-R'))).toEqual(first);
      expect(await post(claim('TCK-S', '2026-08-30T10:00:00+08:00'))).toEqual(rejected);
      expect(await Promise.all([1, 2, 3].map(() => post(claim('TCK-R'))))).toEqual([first, first, first]);
      expect(await scanAll(table)).toEqual(before);

      // the same id with other content: a conflict, nothing written
      const other = await post({ ...claim('TCK-R'), orderId: 'ord-45', month: '2026-07' });
      expect(other.status).toBe(409);
      expect(other.body).toMatchObject({ error: 'claim-conflict', claimId: 'TCK-R' });
      expect((await post(claim('TCK-R', '2026-07-09T09:30:00+08:00'))).status).toBe(409);
      expect(await scanAll(table)).toEqual(before);
    });
    // the CLI says the same for the same id
    const cli = await runMain([
      'claims',
      'add',
      '--claim-id',
      'TCK-R',
      '--account',
      'acc-44',
      '--order',
      'ord-45',
      '--month',
      '2026-07',
      '--filed-at',
      ON_TIME,
      ...storeArgs,
    ]);
    expect(cli.status).toBe(2);
    expect(cli.stderr).toMatch(
      /^error: --claim-id: claim TCK-R was filed before with other content \(acc-44\/ord-44\/2026-06/,
    );
  });

  /** The table, with the first request matching `crashOn` failing as if the process died there. */
  const crashing = (table: Table, crashOn: (name: string, input: Record<string, unknown>) => boolean): Table => {
    let crashed = false;
    const client = {
      send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        if (!crashed && crashOn(command.constructor.name, command.input)) {
          crashed = true;
          throw new Error('process died here');
        }
        return table.client.send(command as never);
      },
    };
    return { ...table, client: client as unknown as DynamoDBClient };
  };
  const skOf = (input: Record<string, unknown>): string => ((input.Item ?? input.Key) as Item | undefined)?.sk?.S ?? '';
  const pkOf = (input: Record<string, unknown>): string => ((input.Item ?? input.Key) as Item | undefined)?.pk?.S ?? '';

  const CRASH_POINTS: [string, (name: string, input: Record<string, unknown>) => boolean][] = [
    ['before anything is written', (name) => name === 'PutItemCommand'],
    ['after the claim id is taken', (name, input) => name === 'GetItemCommand' && skOf(input).includes('#C#')],
    ['while judging', (name, input) => name === 'GetItemCommand' && pkOf(input).startsWith('RESULT#')],
    ['after the accepted record (the commit point)', (_name, input) => pkOf(input).startsWith('VOUCHER#')],
    ['after the voucher', (name, input) => name === 'PutItemCommand' && skOf(input).includes('#C#')],
  ];

  it.each(CRASH_POINTS)(
    'a crash %s, then a retry: one accepted record, one voucher, one claim record',
    async (_, crashOn) => {
      const { table } = await seeded();
      // act: the first attempt dies; the ticket system sees a 500 and retries
      const failed = await makeHandler(settingsOf(crashing(table, crashOn)))(eventFor(claim('TCK-X')));
      expect(failed.statusCode).toBe(500);
      expect(JSON.parse(failed.body)).toEqual({ error: 'internal', retryable: true });
      // another claim for the month meanwhile: duplicate if the first one had committed
      const retried = await withIntake(table, (post) => post(claim('TCK-X')));
      // assert
      expect(retried).toEqual({ status: 200, body: { claimId: 'TCK-X', accepted: true, voucher: '30.00' } });
      const all = await scanAll(table);
      expect(all.filter((i) => i.sk?.S?.endsWith('#ACCEPTED'))).toHaveLength(1);
      expect(docsOf(all, 'VOUCHER#')).toMatchObject([{ claimId: 'TCK-X', amountFen: 3000 }]);
      expect((await listClaims(table, 'acc-44', '2026-06')).claims).toMatchObject([
        { claimId: 'TCK-X', verdict: 'accepted', voucherFen: 3000, resultVersion: 1 },
      ]);
    },
  );

  it('a crash after the commit point: a second claim meanwhile is duplicate; the first, retried, is accepted', async () => {
    const { table } = await seeded();
    const crashOn = CRASH_POINTS[3]?.[1] ?? (() => false);
    await makeHandler(settingsOf(crashing(table, crashOn)))(eventFor(claim('TCK-X')));
    await withIntake(table, async (post) => {
      expect((await post(claim('TCK-Y'))).body).toEqual({ claimId: 'TCK-Y', accepted: false, reason: 'duplicate' });
      expect((await post(claim('TCK-X'))).body).toEqual({ claimId: 'TCK-X', accepted: true, voucher: '30.00' });
    });
    expect(docsOf(await scanAll(table), 'VOUCHER#')).toMatchObject([{ claimId: 'TCK-X' }]);
  });
});

/** A signed function URL event, for calling a handler directly. */
const eventFor = (body: Record<string, unknown>): FunctionUrlEvent => {
  const text = JSON.stringify(body);
  return {
    version: '2.0',
    headers: { 'content-type': 'application/json', 'x-tcmpp-signature': signatureHeader(text, SECRET, NOW) },
    body: text,
    isBase64Encoded: false,
    requestContext: { http: { method: 'POST' } },
  };
};

describe('claims intake configuration', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it.each([
    ['TABLE_NAME', { CLAIMS_SECRET_ID: 'tcmpp/claims-webhook' }],
    ['CLAIMS_SECRET_ID', { TABLE_NAME: 'sla-table' }],
  ])('names a missing %s', (name, env) => {
    process.env = { ...saved, ...env };
    delete process.env[name];
    expect(() => intakeSettings()).toThrow(new ConfigError(`environment variable ${name} is required`));
  });

  it('names a malformed CLAIMS_SIGNATURE_TOLERANCE_SECONDS and POLICY_TIME_ZONE; takes the defaults', () => {
    const env = { TABLE_NAME: 'sla-table', CLAIMS_SECRET_ID: 'tcmpp/claims-webhook' };
    process.env = { ...saved, ...env, CLAIMS_SIGNATURE_TOLERANCE_SECONDS: '0' };
    expect(() => intakeSettings()).toThrow(/CLAIMS_SIGNATURE_TOLERANCE_SECONDS must be a whole number ≥ 1/);
    process.env = { ...saved, ...env, POLICY_TIME_ZONE: 'Mars/Base' };
    expect(() => intakeSettings()).toThrow(/POLICY_TIME_ZONE must be an IANA time zone/);
    process.env = { ...saved, ...env };
    delete process.env.POLICY_TIME_ZONE;
    delete process.env.CLAIMS_SIGNATURE_TOLERANCE_SECONDS;
    const settings = intakeSettings();
    expect(settings).toMatchObject({ timeZone: 'Asia/Shanghai', maxBodyBytes: 65_536, toleranceSeconds: 300 });
    expect(settings.table.name).toBe('sla-table');
    settings.table.client.destroy();
  });
});
