// The probe-feed puller end to end: the real handler (functions/ingest-probe-feed.ts makeHandler),
// the real table in dynalite, a real HTTP feed on 127.0.0.1 with scripted answers, and a
// controlled clock. Feed contract: shared/ingest/pull-probe-feed.ts (header).
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';

vi.hoisted(() => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_DEV = 'true';
});

import { accountPk, FEED_SOURCE, hourSk } from '#adapters/dynamodb/keys.ts';
import { type LocalDynamo, startLocalDynamo } from '#adapters/dynamodb/local-dynamodb.ts';
import {
  advanceWatermark,
  listIngestRuns,
  listQuarantined,
  type OrderRecord,
  putOrder,
  readWatermark,
} from '#adapters/dynamodb/registry-repository.ts';
import { ANY_OK, CAUSES, causeBit, OBSERVED, PLATFORM_FAILURE, PROBE_FIELDS } from '#domain/probe.ts';
import { FeedError, type FeedRun } from '#ingest/pull-probe-feed.ts';
import { metrics } from '../../functions/commons/powertools.ts';
import { type FeedDeps, makeHandler } from '../../functions/ingest-probe-feed.ts';
import {
  isoOf,
  minuteAt,
  monthCounts,
  referenceFactList,
  referenceFacts,
  storedFactList,
  storedFacts,
  ZONE,
} from '../support/ingest-facts.ts';
import { closedPort, delay, type LocalServer, startHttpServer } from '../support/local-http.ts';

// ---------------------------------------------------------------------------------------------
// fixtures

const ORDERS: OrderRecord[] = [
  { accountId: 'acct-a', orderId: 'ord-a1', startDate: '2026-06-01', months: 1, cashPaid: '3000.00' },
  { accountId: 'acct-b', orderId: 'ord-b1', startDate: '2026-05-15', months: 2, cashPaid: '1200.50' },
];

type Fn = 'checkUpdate' | 'publish' | 'download' | 'manage';
const probe = (
  accountId: string,
  fn: Fn,
  at: string,
  ok: boolean,
  cause?: string,
  extra: Record<string, unknown> = {},
): string => JSON.stringify({ accountId, function: fn, at, ok, ...(cause ? { cause } : {}), ...extra });

// Four closed windows of one hour (UTC) after the seeded watermark; the clock is 02:15Z, lag 10.
const W22 = '2026-06-09T22:00:00.000Z';
const W23 = '2026-06-09T23:00:00.000Z';
const W00 = '2026-06-10T00:00:00.000Z';
const W01 = '2026-06-10T01:00:00.000Z';
const W02 = '2026-06-10T02:00:00.000Z';
const NOW = new Date('2026-06-10T02:15:00Z');

/** What the feed received in each window (keyed by the window's `from`). */
const baseFeed = (): Map<string, string[]> =>
  new Map([
    [
      W22,
      [
        probe('acct-a', 'checkUpdate', '2026-06-09T22:05:10Z', false, 'platform'),
        probe('acct-a', 'publish', '2026-06-09T22:05:40Z', true),
        probe('acct-a', 'download', '2026-06-09T22:06:00Z', false),
        probe('acct-b', 'download', '2026-06-10T06:30:00+08:00', false, 'platform'),
      ],
    ],
    [W23, []],
    [
      W00,
      [
        probe('acct-b', 'manage', '2026-06-10T00:10:00Z', false, 'credentials', { deviceModel: 'SM-S918B' }),
        probe('acct-x', 'manage', '2026-06-10T00:10:00Z', false, 'platform'),
        probe('acct-a', 'manage', '2026-06-10T00:30:00Z', false, 'platform'),
      ],
    ],
    [W01, [probe('acct-a', 'checkUpdate', '2026-06-10T01:59:59.999Z', false, 'platform')]],
  ]);

// ---------------------------------------------------------------------------------------------
// the scripted feed

interface FeedRequest {
  readonly path: string;
  readonly from: string;
  readonly to: string;
  readonly authorization: string | undefined;
  readonly accept: string | undefined;
  /** the stored watermark when the request arrived */
  readonly watermark: number | undefined;
}

/** How the feed answers one request: a status (200 serves the window's lines) or a custom reply. */
type Reply = number | ((req: IncomingMessage, res: ServerResponse, body: string) => Promise<void>);

let dynamo: LocalDynamo;
let feed: LocalServer;
let lines: Map<string, string[]>;
let requests: FeedRequest[];
let script: (from: string, attempt: number) => Reply;
let clock: Date;

const feedBody = (from: string): string => {
  const window = lines.get(from) ?? [];
  return window.length ? `${window.join('\n')}\n` : '';
};

const allLines = (): string[] => [...lines.values()].flat();

const handleFeed = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
  const url = new URL(req.url ?? '/', 'http://feed');
  const from = url.searchParams.get('from') ?? '';
  const watermark = await readWatermark(dynamo.table, FEED_SOURCE);
  requests.push({
    path: url.pathname,
    from,
    to: url.searchParams.get('to') ?? '',
    authorization: req.headers.authorization,
    accept: req.headers.accept,
    watermark,
  });
  if (url.pathname !== '/feed/v1/probe-results') {
    res.writeHead(400).end('wrong path');
    return;
  }
  const attempt = requests.filter((r) => r.from === from).length;
  const reply = script(from, attempt);
  const body = feedBody(from);
  if (typeof reply === 'function') return reply(req, res, body);
  if (reply !== 200) {
    res.writeHead(reply, { 'content-type': 'text/plain' }).end(`window ${from} answered ${reply}`);
    return;
  }
  res.writeHead(200, { 'content-type': 'application/x-ndjson' }).end(body);
};

const deps = (overrides: Partial<FeedDeps> = {}): FeedDeps => ({
  table: dynamo.table,
  baseUrl: `${feed.url}/feed/v1`,
  token: async () => 'feed-token-42',
  windowMinutes: 60,
  lagMinutes: 10,
  timeZone: ZONE,
  retentionDaysAfterClaimClose: 30,
  now: () => clock,
  ...overrides,
});

const run = (overrides: Partial<FeedDeps> = {}): Promise<FeedRun> => makeHandler(deps(overrides))();
const watermark = (): Promise<number | undefined> => readWatermark(dynamo.table, FEED_SOURCE);
const windowsOf = (r: FeedRun): string[] => r.windows.map((w) => w.from);

let tableNo = 0;
beforeEach(async () => {
  dynamo = await startLocalDynamo(`sla-feed-${++tableNo}`);
  feed = await startHttpServer(handleFeed);
  lines = baseFeed();
  requests = [];
  script = () => 200;
  clock = NOW;
  for (const order of ORDERS) expect(await putOrder(dynamo.table, order)).toBe('created');
  // an earlier run left the watermark at 22:00Z
  expect(await advanceWatermark(dynamo.table, FEED_SOURCE, undefined, minuteAt(W22))).toBe(true);
});

afterEach(async () => {
  await feed.close();
  await dynamo.close();
});

// ---------------------------------------------------------------------------------------------

describe('probe feed: catching up', () => {
  it('does every missed closed window in order, one watermark advance per window', async () => {
    // act
    const result = await run();
    // assert
    expect(windowsOf(result)).toEqual([W22, W23, W00, W01]);
    expect(result.windows.map((w) => w.to)).toEqual([W23, W00, W01, W02]);
    expect(result.stoppedBecause).toBe('caught-up');
    expect(result.watermark).toBe(W02);
    expect(await watermark()).toBe(minuteAt(W02));
    // each window was asked for once, in order, while the watermark stood at its start
    expect(requests.map((r) => [r.from, r.to, r.watermark])).toEqual([
      [W22, W23, minuteAt(W22)],
      [W23, W00, minuteAt(W23)],
      [W00, W01, minuteAt(W00)],
      [W01, W02, minuteAt(W01)],
    ]);
    const runs = await listIngestRuns(dynamo.table, FEED_SOURCE);
    expect(runs.map((r) => r.runId).sort()).toEqual([W22, W23, W00, W01]);
    // the 00:00 window: one unknown account ignored, one dropped end-user field (R12)
    expect(result.windows[2]?.summary).toMatchObject({ ignoredProbes: 1, droppedFields: 1, quarantined: 0 });
    expect(result.windows[1]?.summary).toMatchObject({ lines: 0, hourItems: 0 });
    expect(await storedFactList(dynamo.table)).toEqual(referenceFactList(ORDERS, allLines()));
  });

  it('stores the verdict bits of each minute (R4)', async () => {
    // act
    await run();
    // assert
    const facts = await storedFacts(dynamo.table);
    const pf = OBSERVED | PLATFORM_FAILURE;
    expect(facts.stateAt('acct-a', minuteAt('2026-06-09T22:05:00Z'))).toBe(pf | ANY_OK);
    // a failure without a cause is a platform failure (R4: default)
    expect(facts.stateAt('acct-a', minuteAt('2026-06-09T22:06:00Z'))).toBe(pf);
    expect(facts.stateAt('acct-b', minuteAt('2026-06-09T22:30:00Z'))).toBe(pf);
    expect(facts.stateAt('acct-b', minuteAt('2026-06-10T00:10:00Z'))).toBe(
      OBSERVED | causeBit(CAUSES.indexOf('credentials')),
    );
    expect(facts.stateAt('acct-a', minuteAt('2026-06-10T01:59:00Z'))).toBe(pf);
    expect(facts.stateAt('acct-a', minuteAt('2026-06-10T02:00:00Z'))).toBe(0);
  });

  it('a re-run with nothing new is a no-op: no request, no write, no run record', async () => {
    // arrange
    await run();
    const writeUnits = dynamo.table.meter.writeUnits;
    const runs = await listIngestRuns(dynamo.table, FEED_SOURCE);
    const asked = requests.length;
    expect(writeUnits).toBeGreaterThan(0);
    // act
    const again = await run();
    // assert
    expect(again.windows).toEqual([]);
    expect(again.stoppedBecause).toBe('caught-up');
    expect(again.watermark).toBe(W02);
    expect(requests.length).toBe(asked);
    expect(dynamo.table.meter.writeUnits).toBe(writeUnits);
    expect(await listIngestRuns(dynamo.table, FEED_SOURCE)).toEqual(runs);
  });

  it('the next window is done once the clock has passed its end plus the lag', async () => {
    // arrange
    await run();
    lines.set(W02, [probe('acct-a', 'publish', '2026-06-10T02:20:00Z', false, 'platform')]);
    // act: 03:09Z, the 02:00–03:00 window is not closed yet (lag 10 min)
    clock = new Date('2026-06-10T03:09:59Z');
    const early = await run();
    clock = new Date('2026-06-10T03:10:00Z');
    const onTime = await run();
    // assert
    expect(early.windows).toEqual([]);
    expect(windowsOf(onTime)).toEqual([W02]);
    expect(await watermark()).toBe(minuteAt('2026-06-10T03:00:00Z'));
    expect(await storedFactList(dynamo.table)).toEqual(referenceFactList(ORDERS, allLines()));
  });

  it('a long outage is caught up 24 windows per run, in order, without a gap', async () => {
    // arrange: the watermark is 30 hours behind
    const start = minuteAt(W02) - 30 * 60;
    await advanceWatermark(dynamo.table, FEED_SOURCE, minuteAt(W22), start);
    // act
    const first = await run();
    const second = await run();
    // assert
    expect(first.stoppedBecause).toBe('max-windows');
    expect(first.windows).toHaveLength(24);
    expect(second.stoppedBecause).toBe('caught-up');
    expect(second.windows).toHaveLength(6);
    const froms = [...windowsOf(first), ...windowsOf(second)].map(minuteAt);
    expect(froms).toEqual(Array.from({ length: 30 }, (_, i) => start + i * 60));
    expect(await watermark()).toBe(minuteAt(W02));
    expect(await storedFactList(dynamo.table)).toEqual(referenceFactList(ORDERS, allLines()));
  });
});

describe('probe feed: windows that are not ready', () => {
  it.each([425, 503, 202, 404])(
    '%i stops the run without moving the watermark; the next run gets it',
    async (status) => {
      // arrange
      script = (from, attempt) => (from === W00 && attempt === 1 ? status : 200);
      // act
      const first = await run();
      const afterFirst = await watermark();
      const factsAfterFirst = await storedFactList(dynamo.table);
      const second = await run();
      // assert
      expect(windowsOf(first)).toEqual([W22, W23]);
      expect(first.stoppedBecause).toBe('not-ready');
      expect(first.watermark).toBe(W00);
      expect(afterFirst).toBe(minuteAt(W00));
      expect(factsAfterFirst).toEqual(
        referenceFactList(ORDERS, [...(lines.get(W22) ?? []), ...(lines.get(W23) ?? [])]),
      );
      expect((await listIngestRuns(dynamo.table, FEED_SOURCE)).map((r) => r.runId).sort()).toEqual([
        W22,
        W23,
        W00,
        W01,
      ]);
      expect(windowsOf(second)).toEqual([W00, W01]);
      expect(second.stoppedBecause).toBe('caught-up');
      expect(await watermark()).toBe(minuteAt(W02));
      expect(requests.filter((r) => r.from === W00)).toHaveLength(2);
      expect(await storedFactList(dynamo.table)).toEqual(referenceFactList(ORDERS, allLines()));
    },
  );
});

describe('probe feed: repetition and lateness', () => {
  it('the same windows served twice (watermark reset) leave the stored facts identical', async () => {
    // arrange
    await run();
    const before = await storedFactList(dynamo.table);
    const countsBefore = monthCounts(ORDERS, await storedFacts(dynamo.table));
    // act: an operator resets the watermark; the feed serves the same four windows again
    expect(await advanceWatermark(dynamo.table, FEED_SOURCE, minuteAt(W02), minuteAt(W22))).toBe(true);
    const again = await run();
    // assert
    expect(windowsOf(again)).toEqual([W22, W23, W00, W01]);
    expect(await storedFactList(dynamo.table)).toEqual(before);
    expect(monthCounts(ORDERS, await storedFacts(dynamo.table))).toEqual(countsBefore);
    expect(before).toEqual(referenceFactList(ORDERS, allLines()));
  });

  it('a window that repeats records of an earlier window changes nothing', async () => {
    // arrange: the feed re-delivers the whole 22:00 window inside the 01:00 window
    lines.set(W01, [...(lines.get(W01) ?? []), ...(lines.get(W22) ?? [])]);
    // act
    await run();
    // assert
    expect(await storedFactList(dynamo.table)).toEqual(referenceFactList(ORDERS, allLines()));
  });

  it('a late result lands in the hour item of its own minute, verdicts as if on time', async () => {
    // arrange: results for 00:30Z and 23:59Z arrive in the 01:00 window, after their hours were written
    const late = [
      probe('acct-a', 'publish', '2026-06-10T08:30:20+08:00', true), // 00:30Z: makes the minute available
      probe('acct-a', 'download', '2026-06-10T00:31:00Z', false, 'platform'), // new unavailable minute
      probe('acct-b', 'publish', '2026-06-09T23:59:59Z', false, 'customer'),
    ];
    lines.set(W01, [...(lines.get(W01) ?? []), ...late]);
    // act
    await run();
    // assert: the raw hour item of 00:00–01:00Z holds the late minutes
    const item = await dynamo.table.client.send(
      new GetItemCommand({
        TableName: dynamo.table.name,
        Key: { pk: { S: accountPk('acct-a') }, sk: { S: hourSk(minuteAt(W00) / 60) } },
        ConsistentRead: true,
      }),
    );
    // runs of minutes: 30 ok; platform failures at 30 and (arriving a window later) at 31
    expect(item.Item?.ok?.SS?.sort()).toEqual(['30']);
    expect(item.Item?.pf?.SS?.sort()).toEqual(['30', '31']);
    const facts = await storedFacts(dynamo.table);
    expect(facts.stateAt('acct-a', minuteAt('2026-06-10T00:30:00Z'))).toBe(OBSERVED | ANY_OK | PLATFORM_FAILURE);
    expect(facts.stateAt('acct-a', minuteAt('2026-06-10T00:31:00Z'))).toBe(OBSERVED | PLATFORM_FAILURE);
    expect(facts.stateAt('acct-b', minuteAt('2026-06-09T23:59:00Z'))).toBe(
      OBSERVED | causeBit(CAUSES.indexOf('customer')),
    );
    // the month's verdicts are those of the same results delivered on time, in one batch
    const counts = monthCounts(ORDERS, facts);
    expect(counts).toEqual(monthCounts(ORDERS, referenceFacts(ORDERS, allLines())));
    const june = counts.find((c) => c.accountId === 'acct-a' && c.month === '2026-06')?.counts;
    // acct-a: 22:06, 00:31 and 01:59 unavailable; 22:05 and 00:30 had a success
    expect(june?.unavailableMinutes).toBe(3);
    expect(june?.observedMinutes).toBe(5);
  });

  it('a window larger than the scanner buffer (4 MiB), fast- and slow-path lines mixed, is read whole', async () => {
    // arrange: ~40 000 results in the 22:00 window, some late, some only JSON.parse can read
    const big: string[] = [];
    for (let i = 0; i < 40_000; i++) {
      const account = i % 2 === 0 ? 'acct-a' : 'acct-b';
      const at = isoOf(minuteAt(i % 11 === 0 ? W00 : W22) - 60 + (i % 120));
      const failure = i % 7 === 0 ? CAUSES[i % CAUSES.length] : undefined;
      const extra = { trace: 'x'.repeat(i % 53), n: i };
      big.push(
        i % 997 === 0
          ? JSON.stringify({ accountId: account, function: 'publish', at, ok: false, note: 'caf\\u00e9 ☕' }).replace(
              'acct-',
              'acct\\u002d',
            )
          : probe(account, 'download', at, failure === undefined, failure, extra),
      );
    }
    lines.set(W22, big);
    // act
    const result = await run();
    // assert
    expect(Buffer.byteLength(big.join('\n'))).toBeGreaterThan(4 * 1024 * 1024);
    expect(result.windows[0]?.summary).toMatchObject({ lines: 40_000, quarantined: 0 });
    expect(await storedFactList(dynamo.table)).toEqual(referenceFactList(ORDERS, allLines()));
  });

  it('lines cut anywhere by the transport are read whole', async () => {
    // arrange: the feed writes each window in 7-byte pieces
    script = () => async (_req, res, body) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      for (let i = 0; i < body.length; i += 7) {
        res.write(body.slice(i, i + 7));
        await delay(0);
      }
      res.end();
    };
    // act
    const result = await run();
    // assert
    expect(windowsOf(result)).toEqual([W22, W23, W00, W01]);
    expect(result.windows.reduce((n, w) => n + w.summary.quarantined, 0)).toBe(0);
    expect(await storedFactList(dynamo.table)).toEqual(referenceFactList(ORDERS, allLines()));
  });
});

describe('probe feed: failures', () => {
  it('a 500 rejects the run with the status, and the watermark stays', async () => {
    // arrange
    script = (from, attempt) => (from === W22 && attempt === 1 ? 500 : 200);
    // act
    const error = await run().catch((e: unknown) => e);
    // assert
    expect(error).toBeInstanceOf(FeedError);
    expect(error).toMatchObject({ status: 500 });
    expect((error as Error).message).toMatch(/answered 500/);
    expect(await watermark()).toBe(minuteAt(W22));
    expect(await listIngestRuns(dynamo.table, FEED_SOURCE)).toEqual([]);
    expect(await storedFactList(dynamo.table)).toEqual([]);
    // the next run does the window
    const next = await run();
    expect(windowsOf(next)).toEqual([W22, W23, W00, W01]);
    expect(await storedFactList(dynamo.table)).toEqual(referenceFactList(ORDERS, allLines()));
  });

  it('a 500 after some windows keeps the windows done and stops at the failing one', async () => {
    // arrange
    script = (from) => (from === W00 ? 500 : 200);
    // act
    await expect(run()).rejects.toMatchObject({ status: 500 });
    // assert
    expect(await watermark()).toBe(minuteAt(W00));
    expect(requests.map((r) => r.from)).toEqual([W22, W23, W00]);
  });

  it('an unreachable feed (closed port) rejects, and the watermark stays', async () => {
    // arrange
    const port = await closedPort();
    // act
    const error = await run({ baseUrl: `http://127.0.0.1:${port}/feed/v1` }).catch((e: unknown) => e);
    // assert
    expect(error).toBeInstanceOf(FeedError);
    expect((error as Error).message).toMatch(/unreachable/);
    expect(await watermark()).toBe(minuteAt(W22));
    expect(await listIngestRuns(dynamo.table, FEED_SOURCE)).toEqual([]);
  });

  it('a body cut off mid-window rejects, stores nothing of it, and the next run gets it whole', async () => {
    // arrange: the first answer for 22:00 promises more bytes than it sends, then drops the connection
    script = (from, attempt) =>
      from === W22 && attempt === 1
        ? async (_req, res, body) => {
            res.writeHead(200, { 'content-type': 'application/x-ndjson', 'content-length': String(body.length + 100) });
            res.write(body.slice(0, Math.floor(body.length / 2)));
            await delay(20);
            res.destroy();
          }
        : 200;
    // act
    const failed = await run().then(
      () => 'resolved',
      () => 'rejected',
    );
    // assert
    expect(failed).toBe('rejected');
    expect(await watermark()).toBe(minuteAt(W22));
    expect(await storedFactList(dynamo.table)).toEqual([]);
    expect(windowsOf(await run())).toEqual([W22, W23, W00, W01]);
    expect(await storedFactList(dynamo.table)).toEqual(referenceFactList(ORDERS, allLines()));
  });
});

describe('probe feed: concurrent runs', () => {
  it('two handlers racing on the same window: the watermark advances once, facts identical', async () => {
    // arrange: the feed holds the 22:00 window until both runs have asked for it
    let release: () => void = () => {};
    const bothAsked = new Promise<void>((resolve) => {
      release = resolve;
    });
    script = (from, attempt) =>
      from === W22
        ? async (_req, res, body) => {
            if (attempt === 2) release();
            await Promise.race([bothAsked, delay(5_000)]);
            res.writeHead(200, { 'content-type': 'application/x-ndjson' }).end(body);
          }
        : 200;
    // act
    const [a, b] = await Promise.all([run(), run()]);
    // assert
    const outcomes = [a, b].map((r) => r.stoppedBecause).sort();
    expect(outcomes).toEqual(['caught-up', 'concurrent-run']);
    const loser = a.stoppedBecause === 'concurrent-run' ? a : b;
    const winner = loser === a ? b : a;
    expect(windowsOf(loser)).toEqual([W22]);
    expect(windowsOf(winner)).toEqual([W22, W23, W00, W01]);
    expect(await watermark()).toBe(minuteAt(W02));
    // 22:00 asked twice at the same watermark, every later window once
    expect(requests.map((r) => [r.from, r.watermark])).toEqual([
      [W22, minuteAt(W22)],
      [W22, minuteAt(W22)],
      [W23, minuteAt(W23)],
      [W00, minuteAt(W00)],
      [W01, minuteAt(W01)],
    ]);
    expect(await storedFactList(dynamo.table)).toEqual(referenceFactList(ORDERS, allLines()));
  });

  it('two first-ever runs (no watermark yet) racing: one of them sets it', async () => {
    // arrange: a table without a checkpoint; both runs start at the last closed window (01:00Z)
    await dynamo.close();
    dynamo = await startLocalDynamo(`sla-feed-${++tableNo}`);
    for (const order of ORDERS) await putOrder(dynamo.table, order);
    let release: () => void = () => {};
    const bothAsked = new Promise<void>((resolve) => {
      release = resolve;
    });
    script = (_from, attempt) => async (_req, res, body) => {
      if (attempt === 2) release();
      await Promise.race([bothAsked, delay(5_000)]);
      res.writeHead(200, { 'content-type': 'application/x-ndjson' }).end(body);
    };
    // act
    const [a, b] = await Promise.all([run(), run()]);
    // assert
    expect([a, b].map((r) => r.stoppedBecause).sort()).toEqual(['caught-up', 'concurrent-run']);
    expect([a, b].map(windowsOf)).toEqual([[W01], [W01]]);
    expect(await watermark()).toBe(minuteAt(W02));
    expect(await storedFactList(dynamo.table)).toEqual(referenceFactList(ORDERS, lines.get(W01) ?? []));
  });
});

describe('probe feed: malformed lines', () => {
  it('are counted and quarantined without their text; the good lines of the window are stored', async () => {
    // arrange
    const bad = [
      '{"accountId":"acct-a","function":"publish","at":"2026-06-09T22:10:00Z","ok":false,"imei":"356938035643809"',
      probe('acct-a', 'download', '2026-06-09T22:11:00Z', false, 'cosmic-rays', { deviceModel: 'Pixel 9 Pro' }),
      probe('acct-b', 'manage', '2026-06-09T22:12:00', false, 'platform', { carrier: 'China Mobile' }),
      '["acct-a","manage"]',
    ];
    const good = [
      probe('acct-a', 'checkUpdate', '2026-06-09T22:10:00Z', false, 'platform'),
      probe('acct-b', 'publish', '2026-06-09T22:13:00+00:00', false, 'platform', { osVersion: '17.2', idfa: 'x' }),
    ];
    // line numbers: 1 good, 2..3 bad, 4 blank, 5 bad, 6 good, 7 bad
    const window = [good[0] ?? '', bad[0] ?? '', bad[1] ?? '', '', bad[2] ?? '', good[1] ?? '', bad[3] ?? ''];
    lines.set(W22, window);
    // act
    const result = await run();
    // assert: the run went on through every window
    expect(windowsOf(result)).toEqual([W22, W23, W00, W01]);
    expect(result.stoppedBecause).toBe('caught-up');
    expect(await watermark()).toBe(minuteAt(W02));
    expect(result.windows[0]?.summary).toMatchObject({ lines: 7, quarantined: 4 });
    const quarantined = (await listQuarantined(dynamo.table, FEED_SOURCE)).sort((x, y) => x.line - y.line);
    expect(quarantined.map((q) => [q.runId, q.line])).toEqual([
      [W22, 2],
      [W22, 3],
      [W22, 5],
      [W22, 7],
    ]);
    expect(quarantined.map((q) => q.problems.map((p) => p.field))).toEqual([[''], ['cause'], ['at'], ['']]);
    expect(quarantined[0]?.problems[0]?.message).toMatch(/malformed JSON/);
    expect(quarantined[2]?.problems[0]?.message).toMatch(/no offset/);
    const quarantinedLines = [bad[0], bad[1], bad[2], bad[3]];
    quarantined.forEach((q, i) => {
      const text = quarantinedLines[i] ?? '';
      expect(q.sha256).toBe(createHash('sha256').update(text).digest('hex'));
      expect(q.bytes).toBe(Buffer.byteLength(text));
    });
    // kept fields only (R12): never the raw text, never an end-user field
    expect(quarantined[1]?.kept).toMatchObject({
      accountId: 'acct-a',
      function: 'download',
      at: '2026-06-09T22:11:00Z',
      ok: false,
    });
    for (const q of quarantined) expect(Object.keys(q.kept ?? {}).filter((k) => !PROBE_FIELDS.has(k))).toEqual([]);
    const stored = JSON.stringify(quarantined);
    for (const secret of ['356938035643809', 'Pixel 9 Pro', 'China Mobile', 'imei', 'deviceModel', 'carrier']) {
      expect(stored).not.toContain(secret);
    }
    // the good lines are stored
    const facts = await storedFacts(dynamo.table);
    expect(facts.stateAt('acct-a', minuteAt('2026-06-09T22:10:00Z'))).toBe(OBSERVED | PLATFORM_FAILURE);
    expect(facts.stateAt('acct-b', minuteAt('2026-06-09T22:13:00Z'))).toBe(OBSERVED | PLATFORM_FAILURE);
    expect(facts.stateAt('acct-a', minuteAt('2026-06-09T22:11:00Z'))).toBe(0);
    expect(facts.stateAt('acct-b', minuteAt('2026-06-09T22:12:00Z'))).toBe(0);
    expect(await storedFactList(dynamo.table)).toEqual(referenceFactList(ORDERS, allLines()));
  });
});

describe('probe feed: retention of the hour items (R12 TTL)', () => {
  // the last UTC hours of June 2026 are the first hours of July in Shanghai
  const H15 = '2026-06-30T15:00:00.000Z'; // 23:00 June 30, Shanghai
  const H16 = '2026-06-30T16:00:00.000Z'; // 00:00 July 1, Shanghai

  const ttlOf = async (accountId: string, hourStart: string): Promise<number | undefined> => {
    const item = await dynamo.table.client.send(
      new GetItemCommand({
        TableName: dynamo.table.name,
        Key: { pk: { S: accountPk(accountId) }, sk: { S: hourSk(minuteAt(hourStart) / 60) } },
        ConsistentRead: true,
      }),
    );
    const ttl = item.Item?.ttl?.N;
    return ttl === undefined ? undefined : Number(ttl);
  };
  /** Start of the month after `month` in Shanghai, plus 60 days (the latest closesOn), plus the retention. */
  const expiry = (month: string, retentionDays: number): number =>
    DateTime.fromISO(`${month}-01T00:00`, { zone: ZONE })
      .plus({ months: 1, days: 60 + retentionDays })
      .toSeconds();

  const twoWindows = async (retentionDaysAfterClaimClose: number): Promise<FeedRun> => {
    const at = (await watermark()) ?? 0;
    expect(await advanceWatermark(dynamo.table, FEED_SOURCE, at, minuteAt(H16) - 60)).toBe(true);
    clock = new Date('2026-06-30T17:15:00Z'); // closed up to 17:05Z: the 15:00Z and 16:00Z windows
    return run({ retentionDaysAfterClaimClose });
  };

  beforeEach(() => {
    lines.set(H15, [probe('acct-b', 'publish', '2026-06-30T15:10:00Z', false, 'platform')]);
    lines.set(H16, [
      probe('acct-b', 'publish', '2026-07-01T00:30:00+08:00', false, 'platform'),
      // late: June 30 23:59 in Shanghai, received in the 16:00Z window
      probe('acct-b', 'manage', '2026-06-30T15:59:00Z', false, 'platform'),
    ]);
  });

  it('an hour item expires 60 days after its policy-zone month ends, plus the retention', async () => {
    // act
    const result = await twoWindows(30);
    // assert
    expect(windowsOf(result)).toEqual([H15, H16]);
    expect(await ttlOf('acct-b', H15)).toBe(expiry('2026-06', 30));
    expect(await ttlOf('acct-b', H16)).toBe(expiry('2026-07', 30));
  });

  it('a write applies the retention in force: raised, the expiry moves later; lowered, earlier, never before the claims close', async () => {
    // arrange
    await twoWindows(30);
    // act: the retention is raised, the same windows are ingested again; then lowered to 0
    await twoWindows(120);
    const raised = [await ttlOf('acct-b', H15), await ttlOf('acct-b', H16)];
    await twoWindows(0);
    const lowered = [await ttlOf('acct-b', H15), await ttlOf('acct-b', H16)];
    // assert (minute-fact-repository.ts: the policy in force when an hour is written)
    expect(raised).toEqual([expiry('2026-06', 120), expiry('2026-07', 120)]);
    expect(lowered).toEqual([expiry('2026-06', 0), expiry('2026-07', 0)]);
  });
});

describe('probe feed: probe coverage per window', () => {
  // Shanghai midnight of June 10 is 16:00Z: with the watermark at 15:30Z, the windows 15:30–16:30Z
  // and 16:30–17:30Z are closed at 17:45Z, and orders starting June 10 start inside the first one.
  const M1530 = '2026-06-09T15:30:00.000Z';
  const M1630 = '2026-06-09T16:30:00.000Z';
  const order = (accountId: string, startDate: string, months = 1): OrderRecord => ({
    accountId,
    orderId: `ord-${accountId}`,
    startDate,
    months,
    cashPaid: '100.00',
  });
  const COVERAGE_METRICS = new Set(['AccountsExpected', 'AccountsWithoutProbes', 'ProbeCoveragePercent']);
  let added: MockInstance<(typeof metrics)['addMetric']>;

  /** The coverage metrics the handler emitted, in order: [name, unit, value]. */
  const coverageMetrics = (): [string, string, number][] =>
    added.mock.calls
      .filter(([name]) => COVERAGE_METRICS.has(name))
      .map(([name, unit, value]) => [name, String(unit), value]);

  const fromTheHalfHour = async (): Promise<FeedRun> => {
    expect(await advanceWatermark(dynamo.table, FEED_SOURCE, minuteAt(W22), minuteAt(M1530))).toBe(true);
    clock = new Date('2026-06-09T17:45:00Z');
    return run();
  };

  beforeEach(() => {
    added = vi.spyOn(metrics, 'addMetric');
  });

  afterEach(() => {
    added.mockRestore();
  });

  it('3 of 4 accounts in service with a result kept: expected 4, covered 3, 75 % — an order starting mid-window counts, results before activation cover nothing', async () => {
    // arrange: acct-a and acct-b (ORDERS) are in service all along; acct-c and acct-d from 16:00Z
    for (const o of [order('acct-c', '2026-06-10'), order('acct-d', '2026-06-10'), order('acct-f', '2026-06-11')]) {
      expect(await putOrder(dynamo.table, o)).toBe('created');
    }
    lines.set(M1530, [
      probe('acct-a', 'publish', '2026-06-09T15:35:00Z', true),
      probe('acct-b', 'manage', '2026-06-09T16:20:00Z', false, 'platform'),
      // acct-c: one result after its order started (16:00Z), one before (ignored)
      probe('acct-c', 'download', '2026-06-09T15:59:00Z', true),
      probe('acct-c', 'download', '2026-06-09T16:10:00Z', true),
      // acct-d: only results before its order started — ignored, so not covered
      probe('acct-d', 'publish', '2026-06-09T15:40:00Z', false, 'platform'),
      probe('acct-d', 'publish', '2026-06-09T15:59:59Z', true),
      // not expected: an order from June 11 (its result ignored), an unknown account
      probe('acct-f', 'publish', '2026-06-09T16:05:00Z', true),
      probe('acct-x', 'publish', '2026-06-09T16:05:00Z', true),
    ]);
    lines.set(M1630, [probe('acct-a', 'checkUpdate', '2026-06-09T16:40:00Z', true)]);
    // act
    const result = await fromTheHalfHour();
    // assert
    expect(windowsOf(result)).toEqual([M1530, M1630]);
    expect(result.windows[0]?.summary).toMatchObject({
      probes: 8,
      ignoredProbes: 5,
      accountsExpected: 4,
      accountsCovered: 3,
    });
    expect(result.windows[0]?.summary.accountsUncovered).toEqual(['acct-d']);
    // the next window: all four in service, only acct-a with a result
    expect(result.windows[1]?.summary).toMatchObject({ accountsExpected: 4, accountsCovered: 1 });
    expect(result.windows[1]?.summary.accountsUncovered).toEqual(['acct-b', 'acct-c', 'acct-d']);
    expect(coverageMetrics()).toEqual([
      ['AccountsExpected', 'Count', 4],
      ['AccountsWithoutProbes', 'Count', 1],
      ['ProbeCoveragePercent', 'Percent', 75],
      ['AccountsExpected', 'Count', 4],
      ['AccountsWithoutProbes', 'Count', 3],
      ['ProbeCoveragePercent', 'Percent', 25],
    ]);
    // the run records keep the counts (sla ingest runs)
    const runs = await listIngestRuns(dynamo.table, FEED_SOURCE);
    expect(runs.map((r) => [r.runId, r.accountsExpected, r.accountsCovered])).toEqual([
      [M1530, 4, 3],
      [M1630, 4, 1],
    ]);
  });

  it('an order ending mid-window counts; after its end, a late result of its own still covers nothing', async () => {
    // arrange: acct-e's order ends at Shanghai midnight, 16:00Z
    expect(await putOrder(dynamo.table, order('acct-e', '2026-05-10'))).toBe('created');
    lines.set(M1530, [probe('acct-e', 'publish', '2026-06-09T15:50:00Z', false, 'platform')]);
    lines.set(M1630, [
      probe('acct-a', 'publish', '2026-06-09T16:45:00Z', true),
      // late: a minute of acct-e's service period, received after it ended — kept, not counted
      probe('acct-e', 'manage', '2026-06-09T15:55:00Z', true),
    ]);
    // act
    const result = await fromTheHalfHour();
    // assert: 15:30–16:30Z expects acct-a, acct-b, acct-e; 16:30–17:30Z acct-a and acct-b
    expect(result.windows.map((w) => [w.summary.accountsExpected, w.summary.accountsCovered])).toEqual([
      [3, 1],
      [2, 1],
    ]);
    expect(result.windows[1]?.summary).toMatchObject({ ignoredProbes: 0, hourItems: 2 });
    expect(coverageMetrics().filter(([name]) => name === 'ProbeCoveragePercent')).toEqual([
      ['ProbeCoveragePercent', 'Percent', 33],
      ['ProbeCoveragePercent', 'Percent', 50],
    ]);
  });

  it('a window with no account in service: AccountsExpected 0, no coverage percent', async () => {
    // arrange: August, after every order's end
    const A00 = '2026-08-01T00:00:00.000Z';
    expect(await advanceWatermark(dynamo.table, FEED_SOURCE, minuteAt(W22), minuteAt(A00))).toBe(true);
    clock = new Date('2026-08-01T01:15:00Z');
    lines.set(A00, [probe('acct-a', 'publish', '2026-08-01T00:10:00Z', true)]);
    // act
    const result = await run();
    // assert
    expect(result.windows.map((w) => w.summary)).toMatchObject([
      { ignoredProbes: 1, accountsExpected: 0, accountsCovered: 0 },
    ]);
    expect(coverageMetrics()).toEqual([
      ['AccountsExpected', 'Count', 0],
      ['AccountsWithoutProbes', 'Count', 0],
    ]);
  });
});

describe('probe feed: the request', () => {
  it('carries the bearer token from token() and asks for NDJSON under the base path', async () => {
    // act
    await run({ token: async () => 'feed-token-42' });
    // assert
    expect(requests).toHaveLength(4);
    for (const r of requests) {
      expect(r.authorization).toBe('Bearer feed-token-42');
      expect(r.accept).toBe('application/x-ndjson');
      expect(r.path).toBe('/feed/v1/probe-results');
    }
  });

  it('sends no authorization header when there is no token', async () => {
    // act
    await run({ token: async () => undefined, baseUrl: `${feed.url}/feed/v1/` });
    // assert
    expect(requests).toHaveLength(4);
    for (const r of requests) {
      expect(r.authorization).toBeUndefined();
      expect(r.path).toBe('/feed/v1/probe-results');
    }
  });

  it('asks for each window with from and to as ISO instants', async () => {
    // act
    await run();
    // assert
    expect(requests[0]).toMatchObject({ from: W22, to: W23 });
    expect(isoOf(minuteAt(requests[3]?.to ?? ''))).toBe(W02);
  });
});
