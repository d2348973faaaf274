// The built-in prober end to end: runProber (and once the real handler of functions/run-prober.ts)
// against accounts registered with putProfile, each served by a real HTTP server on 127.0.0.1
// whose four function paths are scripted, the real table in dynalite, and a fake clock that the
// injected sleep moves forward (no test waits for a round interval).
// Classification: shared/ingest/prober.ts (header).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';

vi.hoisted(() => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_DEV = 'true';
});

import { PROBER_SOURCE } from '#adapters/dynamodb/keys.ts';
import { type LocalDynamo, startLocalDynamo } from '#adapters/dynamodb/local-dynamodb.ts';
import { readMinuteFacts } from '#adapters/dynamodb/minute-fact-repository.ts';
import {
  type AccountProfile,
  listIngestRuns,
  listQuarantined,
  type OrderRecord,
  putOrder,
  putProfile,
} from '#adapters/dynamodb/registry-repository.ts';
import { MinuteFacts } from '#domain/minute-facts.ts';
import { ANY_OK, CAUSES, type Cause, causeBit, OBSERVED, PLATFORM_FAILURE, type ProbeFunction } from '#domain/probe.ts';
import { FUNCTION_PATHS, probeRound } from '#ingest/prober.ts';
import { type ProberRunOptions, runProber } from '#ingest/run-prober.ts';
import { metrics } from '../../functions/commons/powertools.ts';
import { makeHandler } from '../../functions/run-prober.ts';
import { isoOf, minuteAt, storedFacts, ZONE } from '../support/ingest-facts.ts';
import { closedPort, delay, type LocalServer, startHttpServer } from '../support/local-http.ts';

// ---------------------------------------------------------------------------------------------
// scripted accounts

/** How one function path answers: a status after an optional delay, a hang, or a reset. */
type Behaviour =
  | { readonly status: number; readonly delayMs?: number; readonly headers?: Record<string, string> }
  | { readonly hang: true }
  | { readonly reset: true }
  | { readonly stallBody: number };

type Script = Readonly<Record<ProbeFunction, Behaviour>>;
const FUNCTIONS = Object.keys(FUNCTION_PATHS) as ProbeFunction[];
const all = (behaviour: Behaviour): Script => ({
  checkUpdate: behaviour,
  publish: behaviour,
  download: behaviour,
  manage: behaviour,
});

interface Traffic {
  inFlight: number;
  maxInFlight: number;
  /** account id → path → calls */
  readonly calls: Map<string, Map<string, number>>;
}

const newTraffic = (): Traffic => ({ inFlight: 0, maxInFlight: 0, calls: new Map() });

let servers: LocalServer[] = [];

/** An account's TCMPP endpoint: `{url}/tcmpp/{accountId}/{check-update|publish|download|manage}`. */
const startAccount = async (accountId: string, script: Script, traffic: Traffic): Promise<string> => {
  const byPath = new Map(FUNCTIONS.map((fn) => [FUNCTION_PATHS[fn], script[fn]]));
  const server = await startHttpServer(async (req: IncomingMessage, res: ServerResponse) => {
    const prefix = `/tcmpp/${accountId}/`;
    const path = (req.url ?? '').startsWith(prefix) ? (req.url ?? '').slice(prefix.length) : '';
    const calls = traffic.calls.get(accountId) ?? new Map<string, number>();
    traffic.calls.set(accountId, calls);
    calls.set(path, (calls.get(path) ?? 0) + 1);
    const behaviour = byPath.get(path) ?? { status: 404 };
    if ('hang' in behaviour) return; // never answers: the prober's timeout decides
    if ('reset' in behaviour) {
      req.socket.destroy();
      return;
    }
    if ('stallBody' in behaviour) {
      // the status line and part of the body, then nothing more
      res.writeHead(behaviour.stallBody, { 'content-type': 'application/json' });
      res.write('{"errcode":');
      return;
    }
    traffic.inFlight++;
    traffic.maxInFlight = Math.max(traffic.maxInFlight, traffic.inFlight);
    res.once('finish', () => {
      traffic.inFlight--;
    });
    if (behaviour.delayMs) await delay(behaviour.delayMs);
    res.writeHead(behaviour.status, { 'content-type': 'application/json', ...behaviour.headers });
    res.end(behaviour.status === 304 ? undefined : '{"errcode":0}');
  });
  servers.push(server);
  return `${server.url}/tcmpp/${accountId}`;
};

const callsOf = (traffic: Traffic, accountId: string): Record<string, number> =>
  Object.fromEntries(traffic.calls.get(accountId) ?? []);

// ---------------------------------------------------------------------------------------------
// fixtures

const order = (accountId: string): OrderRecord => ({
  accountId,
  orderId: `ord-${accountId}`,
  startDate: '2026-06-01',
  months: 1,
  cashPaid: '1000.00',
});

const TIMEOUT_MS = 500;
const SLOW_MS = 120;
const T0 = new Date('2026-06-10T01:59:30Z');

const PF = OBSERVED | PLATFORM_FAILURE;
const OK = OBSERVED | ANY_OK;
const cause = (c: Cause): number => OBSERVED | causeBit(CAUSES.indexOf(c));

let dynamo: LocalDynamo;
let traffic: Traffic;
let clock: number;
let sleeps: number[];

const baseOptions = (overrides: Partial<ProberRunOptions> = {}): ProberRunOptions => ({
  table: dynamo.table,
  rounds: 3,
  roundIntervalMs: 60_000,
  timeoutMs: TIMEOUT_MS,
  concurrency: 8,
  timeZone: ZONE,
  retentionDaysAfterClaimClose: 30,
  now: () => new Date(clock),
  sleep: async (ms: number) => {
    sleeps.push(ms);
    clock += ms;
  },
  ...overrides,
});

/** Registers an account: its order (so results fall in a service period) and its profile. */
const register = async (accountId: string, baseUrl: string, options: { active?: boolean; order?: boolean } = {}) => {
  if (options.order ?? true) expect(await putOrder(dynamo.table, order(accountId))).toBe('created');
  const profile: AccountProfile = { accountId, baseUrl, active: options.active ?? true };
  await putProfile(dynamo.table, profile);
};

let tableNo = 0;
/** A fresh table, no servers, the clock at T0: before each test, or once for a describe. */
const useFreshState = (scope: 'each' | 'all'): void => {
  (scope === 'each' ? beforeEach : beforeAll)(async () => {
    dynamo = await startLocalDynamo(`sla-prober-${++tableNo}`);
    traffic = newTraffic();
    servers = [];
    clock = T0.getTime();
    sleeps = [];
  });
  (scope === 'each' ? afterEach : afterAll)(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await dynamo.close();
  });
};

// the three rounds: 01:59:30Z, 02:00:30Z, 02:01:30Z — across an hour boundary
const ROUND_MINUTES = [0, 1, 2].map((r) => minuteAt(T0.toISOString()) + r);

// ---------------------------------------------------------------------------------------------

describe('prober: classification of every answer, stored as minute facts', () => {
  /** account → script and the state its minutes must have */
  const cases: [accountId: string, script: Script | 'refused', state: number][] = [
    ['acct-ok', all({ status: 200 }), OK],
    ['acct-slow', all({ status: 204, delayMs: SLOW_MS }), OK],
    ['acct-timeout', all({ hang: true }), PF],
    [
      'acct-5xx',
      { checkUpdate: { status: 500 }, publish: { status: 502 }, download: { status: 503 }, manage: { status: 504 } },
      PF,
    ],
    ['acct-reset', all({ reset: true }), PF],
    ['acct-refused', 'refused', PF],
    [
      'acct-credentials',
      { checkUpdate: { status: 401 }, publish: { status: 403 }, download: { status: 401 }, manage: { status: 403 } },
      cause('credentials'),
    ],
    ['acct-throttled', all({ status: 429 }), cause('unsupported')],
    [
      'acct-customer',
      { checkUpdate: { status: 404 }, publish: { status: 400 }, download: { status: 404 }, manage: { status: 409 } },
      cause('customer'),
    ],
    ['acct-legal', all({ status: 451 }), cause('legal')],
    [
      'acct-mixed',
      { checkUpdate: { hang: true }, publish: { status: 200 }, download: { status: 401 }, manage: { status: 429 } },
      OK | PLATFORM_FAILURE | cause('credentials') | cause('unsupported'),
    ],
    [
      'acct-excluded-mix',
      { checkUpdate: { status: 451 }, publish: { status: 404 }, download: { status: 403 }, manage: { status: 429 } },
      cause('legal') | cause('customer') | cause('credentials') | cause('unsupported'),
    ],
  ];

  // one prober run for the whole describe: its tests read what it stored and what it called
  useFreshState('all');
  let summary: Awaited<ReturnType<typeof runProber>>;
  let elapsedMs = 0;
  beforeAll(async () => {
    const refused = await closedPort();
    for (const [accountId, script] of cases) {
      const baseUrl =
        script === 'refused'
          ? `http://127.0.0.1:${refused}/tcmpp/${accountId}`
          : await startAccount(accountId, script, traffic);
      await register(accountId, baseUrl);
    }
    // an inactive account (with an order) and an active one without any order
    await register('acct-inactive', await startAccount('acct-inactive', all({ status: 200 }), traffic), {
      active: false,
    });
    await register('acct-no-order', await startAccount('acct-no-order', all({ status: 500 }), traffic), {
      order: false,
    });
    const started = Date.now();
    summary = await runProber(baseOptions());
    elapsedMs = Date.now() - started;
  });

  it('runProber stores the documented state bits for each account and round minute', async () => {
    // assert
    const facts = await storedFacts(dynamo.table);
    for (const [accountId, , state] of cases) {
      expect(
        ROUND_MINUTES.map((m) => facts.stateAt(accountId, m)),
        accountId,
      ).toEqual([state, state, state]);
      expect(facts.stateAt(accountId, (ROUND_MINUTES[0] ?? 0) - 1), `${accountId} before`).toBe(0);
      expect(facts.stateAt(accountId, (ROUND_MINUTES[2] ?? 0) + 1), `${accountId} after`).toBe(0);
    }
    expect(ROUND_MINUTES.map((m) => facts.stateAt('acct-inactive', m))).toEqual([0, 0, 0]);
  });

  it('summarises the run and records it once', async () => {
    // assert
    const active = cases.length + 1;
    expect(summary).toMatchObject({
      accounts: active,
      probes: 3 * 4 * active,
      ignoredProbes: 3 * 4, // acct-no-order: no service period
      quarantined: 0,
      droppedFields: 0,
      hourItems: 2 * cases.length, // the 01:00 and 02:00 hour items of each account with an order
      // coverage: the accounts probed with an order in service (not acct-no-order, not acct-inactive)
      accountsExpected: cases.length,
      accountsCovered: cases.length,
    });
    const runs = await listIngestRuns(dynamo.table, PROBER_SOURCE);
    expect(runs.map((r) => [r.runId, r.probes, r.accountsExpected, r.accountsCovered])).toEqual([
      [T0.toISOString(), 3 * 4 * active, cases.length, cases.length],
    ]);
    expect(await listQuarantined(dynamo.table, PROBER_SOURCE)).toEqual([]);
  });

  it('sleeps the round interval on the fake clock, never in real time', () => {
    // assert
    expect(sleeps).toEqual([60_000, 60_000]);
    // three rounds, each bounded by one prober timeout (a few calls hang), not by the interval
    expect(elapsedMs).toBeLessThan(3 * (TIMEOUT_MS + 1_000));
  });

  it('calls every path of every active account once per round, and never an inactive account', () => {
    // assert
    const everyPathThrice = Object.fromEntries(FUNCTIONS.map((fn) => [FUNCTION_PATHS[fn], 3]));
    for (const [accountId, script] of cases) {
      if (script !== 'refused') expect(callsOf(traffic, accountId), accountId).toEqual(everyPathThrice);
    }
    expect(callsOf(traffic, 'acct-no-order')).toEqual(everyPathThrice);
    expect(callsOf(traffic, 'acct-inactive')).toEqual({});
  });

  it('readMinuteFacts of one account-hour returns exactly the round minutes in it', async () => {
    // act: the 02:00–03:00Z hour of acct-mixed
    const hour = minuteAt('2026-06-10T02:00:00Z');
    const facts = new MinuteFacts();
    await readMinuteFacts(dynamo.table, 'acct-mixed', hour, hour + 60, facts);
    // assert
    const seen: [string, number][] = [];
    facts.forEachObserved('acct-mixed', hour - 60, hour + 120, (minute, state) => {
      seen.push([isoOf(minute), state]);
    });
    const mixed = OK | PLATFORM_FAILURE | cause('credentials') | cause('unsupported');
    expect(seen).toEqual([
      ['2026-06-10T02:00:00.000Z', mixed],
      ['2026-06-10T02:01:00.000Z', mixed],
    ]);
  });
});

describe('prober: one round, per function', () => {
  useFreshState('each');

  it('probeRound classifies each call as the documented mapping says', async () => {
    // arrange
    const script: Script = {
      checkUpdate: { status: 503 },
      publish: { status: 200, delayMs: SLOW_MS },
      download: { status: 451 },
      manage: { hang: true },
    };
    const baseUrl = await startAccount('acct-one', script, traffic);
    const refused = await closedPort();
    // act
    const outcomes = await probeRound(
      [
        { accountId: 'acct-one', baseUrl, active: true },
        { accountId: 'acct-gone', baseUrl: `http://127.0.0.1:${refused}/`, active: true },
        { accountId: 'acct-off', baseUrl, active: false },
      ],
      { timeoutMs: TIMEOUT_MS, concurrency: 3, now: () => T0 },
    );
    // assert
    const byCall = Object.fromEntries(
      outcomes.map((o) => [`${o.accountId}/${o.function}`, o.ok ? 'ok' : (o.cause ?? 'no cause')]),
    );
    expect(byCall).toEqual({
      'acct-one/checkUpdate': 'platform',
      'acct-one/publish': 'ok',
      'acct-one/download': 'legal',
      'acct-one/manage': 'platform',
      'acct-gone/checkUpdate': 'platform',
      'acct-gone/publish': 'platform',
      'acct-gone/download': 'platform',
      'acct-gone/manage': 'platform',
    });
    expect(outcomes.every((o) => o.at === T0.toISOString())).toBe(true);
    expect(outcomes.filter((o) => o.ok).every((o) => o.cause === undefined)).toBe(true);
  });

  it('an answer whose body never ends is classified by its status and does not hold the round', async () => {
    // arrange
    const baseUrl = await startAccount(
      'acct-stall',
      {
        checkUpdate: { stallBody: 200 },
        publish: { stallBody: 503 },
        download: { stallBody: 403 },
        manage: { status: 200 },
      },
      traffic,
    );
    const started = Date.now();
    // act
    const outcomes = await probeRound([{ accountId: 'acct-stall', baseUrl, active: true }], {
      timeoutMs: 10_000,
      concurrency: 1,
      now: () => T0,
    });
    // assert
    const byCall = Object.fromEntries(outcomes.map((o) => [o.function, o.ok ? 'ok' : (o.cause ?? 'no cause')]));
    expect(byCall).toEqual({ checkUpdate: 'ok', publish: 'platform', download: 'credentials', manage: 'ok' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a 3xx answer is ok (documented mapping), wherever its Location points', async () => {
    // arrange: the function answers with redirects; their targets are broken
    const refused = await closedPort();
    const baseUrl = await startAccount(
      'acct-redirect',
      {
        checkUpdate: { status: 304 },
        publish: { status: 302, headers: { location: `http://127.0.0.1:${refused}/moved` } },
        download: { status: 301, headers: { location: '/nowhere' } },
        manage: { status: 307, headers: { location: `http://127.0.0.1:${refused}/moved` } },
      },
      traffic,
    );
    // act
    const outcomes = await probeRound([{ accountId: 'acct-redirect', baseUrl, active: true }], {
      timeoutMs: TIMEOUT_MS,
      concurrency: 4,
      now: () => T0,
    });
    // assert
    const byCall = Object.fromEntries(outcomes.map((o) => [o.function, o.ok ? 'ok' : (o.cause ?? 'no cause')]));
    expect(byCall).toEqual({ checkUpdate: 'ok', publish: 'ok', download: 'ok', manage: 'ok' });
  });
});

describe('prober: bounded concurrency', () => {
  useFreshState('each');

  it.each([1, 3, 5])('never has more than %i calls in flight at the servers', async (concurrency) => {
    // arrange: four accounts whose every call takes a while
    for (let i = 0; i < 4; i++) {
      const accountId = `acct-c${i}`;
      await register(accountId, await startAccount(accountId, all({ status: 200, delayMs: 30 }), traffic));
    }
    // act
    const summary = await runProber(baseOptions({ concurrency, rounds: 2 }));
    // assert
    expect(traffic.maxInFlight).toBeLessThanOrEqual(concurrency);
    expect(traffic.maxInFlight).toBe(concurrency); // and the bound is used
    expect(summary).toMatchObject({ accounts: 4, probes: 2 * 4 * 4, quarantined: 0 });
    const facts = await storedFacts(dynamo.table);
    for (let i = 0; i < 4; i++) {
      expect(facts.stateAt(`acct-c${i}`, ROUND_MINUTES[0] ?? 0)).toBe(OK);
      expect(facts.stateAt(`acct-c${i}`, ROUND_MINUTES[1] ?? 0)).toBe(OK);
      expect(facts.stateAt(`acct-c${i}`, ROUND_MINUTES[2] ?? 0)).toBe(0);
    }
  });
});

describe('prober: rounds and the clock', () => {
  useFreshState('each');

  it('waits only what is left of the interval after a round that took time', async () => {
    // arrange: the clock moves 20 s during each round (each call takes a while on the fake clock)
    await register('acct-ok', await startAccount('acct-ok', all({ status: 200 }), traffic));
    const options = baseOptions({
      rounds: 3,
      fetch: async (input, init) => {
        clock += 5_000;
        return fetch(input, init);
      },
      concurrency: 1,
    });
    // act
    await runProber(options);
    // assert: 4 calls of 5 s per round → 40 s left of each 60 s interval
    expect(sleeps).toEqual([40_000, 40_000]);
    const facts = await storedFacts(dynamo.table);
    const first = minuteAt(T0.toISOString());
    // round starts 01:59:30, 02:00:30, 02:01:30; calls at +0, +5, +10, +15 s
    expect(facts.stateAt('acct-ok', first)).toBe(OK);
    expect(facts.stateAt('acct-ok', first + 1)).toBe(OK);
    expect(facts.stateAt('acct-ok', first + 2)).toBe(OK);
    expect(facts.stateAt('acct-ok', first + 3)).toBe(0);
  });

  it('a result outside every service period is ignored, not stored', async () => {
    // arrange: the order starts the next day (Shanghai), the probe runs today
    const baseUrl = await startAccount('acct-later', all({ status: 500 }), traffic);
    await putOrder(dynamo.table, { ...order('acct-later'), startDate: '2026-06-11' });
    await putProfile(dynamo.table, { accountId: 'acct-later', baseUrl, active: true });
    // act
    const summary = await runProber(baseOptions({ rounds: 2 }));
    // assert
    expect(summary).toMatchObject({
      accounts: 1,
      probes: 8,
      ignoredProbes: 8,
      hourItems: 0,
      accountsExpected: 0,
      accountsCovered: 0,
    });
    const facts = await storedFacts(dynamo.table);
    expect(facts.stateAt('acct-later', ROUND_MINUTES[0] ?? 0)).toBe(0);
  });
});

describe('prober: probe coverage of a run', () => {
  useFreshState('each');

  it('an order starting mid-run counts, and its rounds after the start cover it; one starting later is not expected', async () => {
    // arrange: rounds at 15:59:30, 16:00:30, 16:01:30Z; Shanghai midnight of June 10 is 16:00Z
    clock = Date.parse('2026-06-09T15:59:30Z');
    await register('acct-ok', await startAccount('acct-ok', all({ status: 200 }), traffic));
    for (const [accountId, startDate] of [
      ['acct-new', '2026-06-10'],
      ['acct-later', '2026-06-11'],
    ] as const) {
      const baseUrl = await startAccount(accountId, all({ status: 500 }), traffic);
      await putOrder(dynamo.table, { ...order(accountId), startDate });
      await putProfile(dynamo.table, { accountId, baseUrl, active: true });
    }
    // act
    const summary = await runProber(baseOptions());
    // assert: acct-new's first round is before its order (ignored), the next two are kept
    expect(summary).toMatchObject({
      accounts: 3,
      probes: 3 * 4 * 3,
      ignoredProbes: 4 + 3 * 4,
      accountsExpected: 2,
      accountsCovered: 2,
    });
    const facts = await storedFacts(dynamo.table);
    expect(facts.stateAt('acct-new', minuteAt('2026-06-09T15:59:00Z'))).toBe(0);
    expect(facts.stateAt('acct-new', minuteAt('2026-06-09T16:00:00Z'))).toBe(PF);
  });
});

describe('prober: the scheduled handler', () => {
  useFreshState('each');
  let added: MockInstance<(typeof metrics)['addMetric']>;

  beforeEach(() => {
    added = vi.spyOn(metrics, 'addMetric');
  });

  afterEach(() => {
    added.mockRestore();
  });

  it('functions/run-prober.ts makeHandler runs the rounds and stores the facts', async () => {
    // arrange
    await register('acct-ok', await startAccount('acct-ok', all({ status: 200 }), traffic));
    await register('acct-down', await startAccount('acct-down', all({ status: 503 }), traffic));
    await register('acct-keys', await startAccount('acct-keys', all({ status: 403 }), traffic));
    await register('acct-off', await startAccount('acct-off', all({ status: 200 }), traffic), { active: false });
    // act
    const summary = await makeHandler(baseOptions({ rounds: 2, concurrency: 4 }))();
    // assert
    expect(summary).toMatchObject({ accounts: 3, probes: 2 * 4 * 3, ignoredProbes: 0, quarantined: 0 });
    expect(sleeps).toEqual([60_000]);
    // coverage: every account probed had results (a failure is a result too)
    expect(
      added.mock.calls
        .filter(([name]) => ['AccountsExpected', 'AccountsWithoutProbes', 'ProbeCoveragePercent'].includes(name))
        .map(([name, unit, value]) => [name, String(unit), value]),
    ).toEqual([
      ['AccountsExpected', 'Count', 3],
      ['AccountsWithoutProbes', 'Count', 0],
      ['ProbeCoveragePercent', 'Percent', 100],
    ]);
    const facts = await storedFacts(dynamo.table);
    const [m0, m1, m2] = ROUND_MINUTES;
    for (const [accountId, state] of [
      ['acct-ok', OK],
      ['acct-down', PF],
      ['acct-keys', cause('credentials')],
      ['acct-off', 0],
    ] as const) {
      expect(
        [m0, m1, m2].map((m) => facts.stateAt(accountId, m ?? 0)),
        accountId,
      ).toEqual([state, state, 0]);
    }
    expect(callsOf(traffic, 'acct-off')).toEqual({});
  });
});
