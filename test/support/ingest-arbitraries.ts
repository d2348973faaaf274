import { seededRandom } from '../../shared/random.ts';
// Random scenarios for the ingestion property (test/integration/ingest-property.test.ts): 1–3
// accounts with non-overlapping orders inside 2026, a few hours of probe results (in, at the edges
// of and outside service periods, and for unknown accounts; with personal fields to drop), announced
// maintenance (early or late) and operator exclusions near them — and how to feed the results to
// ingestion: several runs, random chunks, random order, duplicates.

import fc from 'fast-check';
import { DateTime } from 'luxon';
import type { ExclusionRecord, MaintenanceRecord, OrderRecord } from '#adapters/dynamodb/registry-repository.ts';
import { servicePeriod } from '#domain/service-months.ts';

export const ZONES = [
  { name: 'Asia/Shanghai', offsetMinutes: 480 },
  { name: 'UTC', offsetMinutes: 0 },
  { name: 'Asia/Kolkata', offsetMinutes: 330 },
] as const;

const ACCOUNT_POOL = ['acc-1', 'acc-2', 'acc-3', 'A.b_c:d@e-9'] as const;
const UNKNOWN_ACCOUNTS = ['ghost', 'acc-99'] as const;
const FUNCTIONS = ['checkUpdate', 'publish', 'download', 'manage'] as const;
const CAUSES = [
  'platform',
  'network',
  'attack',
  'credentials',
  'customer',
  'unsupported',
  'external',
  'suspended',
  'legal',
] as const;
const CLAUSES = ['4.2', '4.3', '4.4', '4.5', '4.6', '4.7', '4.8', '4.9'] as const;

const OFFSETS = [
  { text: 'Z', minutes: 0 },
  { text: '+00:00', minutes: 0 },
  { text: '+08:00', minutes: 480 },
  { text: '+05:30', minutes: 330 },
  { text: '-03:00', minutes: -180 },
  { text: '-09:30', minutes: -570 },
  { text: '+14:00', minutes: 840 },
] as const;
type Offset = (typeof OFFSETS)[number];

/** Personal fields a device may send (R12): dropped and counted by ingestion. */
const PERSONAL_FIELDS: readonly (readonly [string, unknown])[] = [
  ['idfa', '6D92078A-8246-4BA4-AE5B-76104861E7DC'],
  ['deviceModel', 'iPhone15,2'],
  ['deviceBrand', 'Apple'],
  ['osVersion', 'iOS 17.5 (21F79)'],
  ['location', { lat: 31.2304, lng: 121.4737, accuracy: 12.5 }],
  ['carrier', '中国移动 😀'],
  ['mcc', '460'],
  ['clipboard', 'line one\nline "two" \\ {not: json}'],
  ['bluetooth', { on: true, devices: ['AirPods'] }],
  ['processList', ['com.tencent.mm', 'com.example.app']],
  ['webviewUserAgent', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X)'],
  ['resolution', [1179, 2556]],
  ['nfc', null],
];

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** An instant (whole ms) written at an offset, with seconds, and milliseconds unless whole. */
export const instantText = (epochMs: number, offset: Offset, showMs: boolean): string => {
  const local = new Date(epochMs + offset.minutes * 60_000).toISOString();
  return `${showMs ? local.slice(0, 23) : local.slice(0, 19)}${offset.text}`;
};

export interface ProbeLine {
  /** one line of JSON text, no newline */
  readonly text: string;
  /** personal fields in it */
  readonly dropped: number;
}

export interface IngestScenario {
  readonly zone: (typeof ZONES)[number];
  readonly orders: readonly OrderRecord[];
  readonly maintenance: readonly MaintenanceRecord[];
  readonly exclusions: readonly ExclusionRecord[];
  readonly noticeHours: number | undefined;
  readonly probes: readonly ProbeLine[];
}

/** The scenario document `sla evaluate` reads, with the probe lines as its `probes`, verbatim. */
export const scenarioText = (s: IngestScenario): string => {
  const policy: Record<string, unknown> = { timeZone: s.zone.name };
  if (s.noticeHours !== undefined) policy.maintenanceMinNoticeHours = s.noticeHours;
  const head = [
    `"policy":${JSON.stringify(policy)}`,
    `"orders":${JSON.stringify(s.orders)}`,
    `"maintenance":${JSON.stringify(s.maintenance)}`,
    `"exclusions":${JSON.stringify(s.exclusions)}`,
  ].join(',');
  return `{${head},"probes":[${s.probes.map((p) => p.text).join(',')}]}`;
};

const orderSeedArb = fc.record({
  month: fc.integer({ min: 1, max: 11 }),
  day: fc.integer({ min: 1, max: 31 }),
  months: fc.integer({ min: 1, max: 2 }),
  gapDays: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 40 })),
  cashFen: fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 2_000_000_000 })),
});

const probeSpecArb = fc.record({
  dt: fc.nat(100_000),
  second: fc.integer({ min: 0, max: 59 }),
  ms: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 999 })),
  offset: fc.constantFrom(...OFFSETS),
  fn: fc.constantFrom(...FUNCTIONS),
  ok: fc.boolean(),
  cause: fc.option(fc.constantFrom(...CAUSES), { freq: 2 }),
  personal: fc.subarray([...PERSONAL_FIELDS.keys()], { maxLength: 5 }),
  ws: fc.constantFrom('', '', ' ', '\t', ' \t'),
  order: fc.array(fc.nat(20), { minLength: 18, maxLength: 18 }),
});

const clusterArb = fc.record({
  /** ≥ the number of accounts: an unknown account */
  accountRef: fc.nat(4),
  orderRef: fc.nat(3),
  where: fc.constantFrom('inside', 'inside', 'start', 'end', 'far'),
  frac: fc.integer({ min: 0, max: 1000 }),
  shift: fc.integer({ min: -240, max: 240 }),
  spread: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 240 })),
  probes: fc.array(probeSpecArb, { minLength: 1, maxLength: 14 }),
  /** a long run of failures, one a minute, to reach the tiers above 0 % */
  outage: fc.option(
    fc.record({
      length: fc.oneof(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 40, max: 240 })),
      cause: fc.option(fc.constantFrom(...CAUSES), { freq: 3 }),
    }),
    { freq: 3 },
  ),
});

const windowArb = fc.record({
  kind: fc.constantFrom('maintenance', 'exclusion'),
  clusterRef: fc.nat(10),
  startShiftSeconds: fc.integer({ min: -2 * 3600, max: 2 * 3600 }),
  startMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 999 })),
  durationSeconds: fc.oneof(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 1, max: 4 * 3600 })),
  noticeSeconds: fc.oneof(fc.integer({ min: -3600, max: 3 * 86_400 }), fc.constantFrom(0, 3600, 86_400)),
  clause: fc.constantFrom(...CLAUSES),
  accountRefs: fc.option(fc.uniqueArray(fc.nat(4), { minLength: 1, maxLength: 2 }), { freq: 2 }),
  offsets: fc.tuple(fc.constantFrom(...OFFSETS), fc.constantFrom(...OFFSETS), fc.constantFrom(...OFFSETS)),
});

export const ingestScenarioArb: fc.Arbitrary<IngestScenario> = fc
  .record({
    zone: fc.constantFrom(...ZONES),
    accounts: fc.uniqueArray(fc.constantFrom(...ACCOUNT_POOL), { minLength: 1, maxLength: 3 }),
    orderSeeds: fc.array(fc.array(orderSeedArb, { minLength: 1, maxLength: 2 }), { minLength: 3, maxLength: 3 }),
    clusters: fc.array(clusterArb, { minLength: 1, maxLength: 4 }),
    windows: fc.array(windowArb, { maxLength: 4 }),
    noticeHours: fc.constantFrom(undefined, 0, 1, 24),
  })
  .map((g): IngestScenario => {
    const zone = g.zone;
    const accountOf = (ref: number): string =>
      g.accounts[ref] ?? UNKNOWN_ACCOUNTS[ref % UNKNOWN_ACCOUNTS.length] ?? 'ghost';

    // orders: one after another per account, all of each inside 2026
    const orders: (OrderRecord & { startMinute: number; endMinute: number })[] = [];
    g.accounts.forEach((accountId, a) => {
      let next: DateTime | null = null;
      for (const [k, s] of (g.orderSeeds[a] ?? []).entries()) {
        // a first order starts by October: 2 months from then still end in 2026
        const first: DateTime = DateTime.fromObject(
          { year: 2026, month: Math.min(s.month, 10), day: 1 },
          { zone: 'UTC' },
        );
        const start: DateTime =
          next === null ? first.set({ day: Math.min(s.day, first.daysInMonth ?? 28) }) : next.plus({ days: s.gapDays });
        const end = start.plus({ months: s.months });
        if (end.year > 2026 && !(end.year === 2027 && end.month === 1 && end.day === 1)) break;
        const order: OrderRecord = {
          accountId,
          orderId: `o-${k + 1}`,
          startDate: start.toISODate() ?? '',
          months: s.months,
          cashPaid: `${Math.floor(s.cashFen / 100)}.${pad(s.cashFen % 100, 2)}`,
        };
        const period = servicePeriod(order, zone.name);
        orders.push({ ...order, startMinute: period.startMinute, endMinute: period.endMinute });
        next = end;
      }
    });
    const orderOf = (accountId: string, ref: number) => {
      const own = orders.filter((o) => o.accountId === accountId);
      const list = own.length > 0 ? own : orders;
      const order = list[ref % list.length];
      if (!order) throw new Error('a scenario has at least one order');
      return order;
    };

    // probes, in clusters of a few hours at most
    const probes: ProbeLine[] = [];
    const anchors: number[] = [];
    for (const c of g.clusters) {
      const accountId = accountOf(c.accountRef);
      const o = orderOf(accountId, c.orderRef);
      const anchor =
        c.where === 'inside'
          ? o.startMinute + Math.floor(((o.endMinute - o.startMinute) * c.frac) / 1000)
          : c.where === 'start'
            ? o.startMinute + c.shift
            : c.where === 'end'
              ? o.endMinute + c.shift
              : o.endMinute + 40 * 1440 + c.shift;
      anchors.push(anchor);
      for (const p of c.probes) {
        const minute = anchor + (p.dt % c.spread);
        const at = instantText(minute * 60_000 + p.second * 1000 + p.ms, p.offset, p.ms !== 0);
        const members: [string, unknown][] = [
          ['accountId', accountId],
          ['function', p.fn],
          ['at', at],
          ['ok', p.ok],
        ];
        if (p.cause !== null) members.push(['cause', p.cause]);
        for (const i of p.personal) {
          const field = PERSONAL_FIELDS[i];
          if (field) members.push([field[0], field[1]]);
        }
        const ranked = members
          .map((m, i) => ({ m, rank: p.order[i] ?? i, i }))
          .sort((a, b) => a.rank - b.rank || a.i - b.i);
        const text = `{${p.ws}${ranked.map(({ m: [k, v] }) => `${JSON.stringify(k)}${p.ws}:${JSON.stringify(v)}`).join(`,${p.ws}`)}${p.ws}}`;
        probes.push({ text, dropped: p.personal.length });
      }
      if (c.outage) {
        const cause = c.outage.cause === null ? '' : `,"cause":"${c.outage.cause}"`;
        for (let m = anchor; m < anchor + c.outage.length; m++) {
          const at = `${new Date(m * 60_000 + 30_000).toISOString().slice(0, 19)}Z`;
          probes.push({
            text: `{"accountId":"${accountId}","function":"checkUpdate","at":"${at}","ok":false${cause},"deviceModel":"SM-G9910"}`,
            dropped: 1,
          });
        }
      }
    }

    // windows near the results
    const maintenance: MaintenanceRecord[] = [];
    const exclusions: ExclusionRecord[] = [];
    g.windows.forEach((w, i) => {
      const anchor = anchors[w.clusterRef % anchors.length] ?? 0;
      const startMs = anchor * 60_000 + w.startShiftSeconds * 1000 + w.startMs;
      const endMs = startMs + w.durationSeconds * 1000;
      const [o1, o2, o3] = w.offsets;
      const accountIds = w.accountRefs === null ? undefined : [...new Set(w.accountRefs.map(accountOf))];
      const start = instantText(startMs, o1, w.startMs !== 0);
      const end = instantText(endMs, o2, w.startMs !== 0);
      if (w.kind === 'maintenance') {
        maintenance.push({
          id: `mw-${i}`,
          announcedAt: instantText(startMs - w.noticeSeconds * 1000, o3, w.startMs !== 0),
          start,
          end,
          ...(accountIds ? { accountIds } : {}),
        });
      } else {
        exclusions.push({
          id: `ex-${i}`,
          clause: w.clause,
          start,
          end,
          reason: `operator note ${i}`,
          ...(accountIds ? { accountIds } : {}),
        });
      }
    });

    return {
      zone,
      orders: orders.map(({ startMinute: _s, endMinute: _e, ...order }) => order),
      maintenance,
      exclusions,
      noticeHours: g.noticeHours,
      probes,
    };
  });

// ---------------------------------------------------------------------------------------------
// How the results reach ingestion

export interface IngestLayout {
  /** ProbeIngest runs, 1 to 4 */
  readonly runs: number;
  readonly seed: number;
  /** a line is sent again (in any run) with this chance, up to 3 more times */
  readonly duplicateRate: number;
  readonly chunking: 'byte' | 'tiny' | 'small' | 'large' | 'whole' | 'mixed';
}

export const ingestLayoutArb: fc.Arbitrary<IngestLayout> = fc.record({
  runs: fc.integer({ min: 1, max: 4 }),
  seed: fc.integer(),
  duplicateRate: fc.constantFrom(0, 0.1, 0.3, 0.6),
  chunking: fc.constantFrom('byte', 'tiny', 'small', 'large', 'whole', 'mixed'),
});

/** Small deterministic PRNG for layouts that need no shrinking (shared/random.ts). */
export const prng = seededRandom;

export interface IngestBatch {
  /** indices into the scenario's probes, in the order sent (with repeats) */
  readonly lines: readonly number[];
  /** the NDJSON bytes, cut into the chunks pushed one by one */
  readonly chunks: readonly Uint8Array[];
}

/**
 * Splits the probe lines over `layout.runs` batches: every line at least once, some several times
 * (in the same or other batches), each batch shuffled, joined with \n or \r\n and blank lines,
 * then cut into chunks anywhere (inside lines and inside UTF-8 characters).
 */
export const batchesOf = (lineCount: number, texts: readonly string[], layout: IngestLayout): IngestBatch[] => {
  const rng = prng(layout.seed);
  const batches: number[][] = Array.from({ length: layout.runs }, () => []);
  for (let i = 0; i < lineCount; i++) {
    let copies = 1;
    while (copies < 4 && rng() < layout.duplicateRate) copies++;
    for (let c = 0; c < copies; c++) batches[Math.floor(rng() * layout.runs)]?.push(i);
  }
  return batches.map((lines) => {
    for (let i = lines.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      const a = lines[i] ?? 0;
      lines[i] = lines[j] ?? 0;
      lines[j] = a;
    }
    let text = '';
    for (const i of lines) {
      if (rng() < 0.05) text += rng() < 0.5 ? '\n' : ' \t\r\n';
      text += `${texts[i] ?? ''}${rng() < 0.3 ? '\r\n' : '\n'}`;
    }
    if (text.endsWith('\n') && rng() < 0.5) text = text.slice(0, text.endsWith('\r\n') ? -2 : -1);
    const bytes = new TextEncoder().encode(text);
    const chunks: Uint8Array[] = [];
    const mode =
      layout.chunking === 'mixed'
        ? ((['byte', 'tiny', 'small', 'large'] as const)[Math.floor(rng() * 4)] ?? 'small')
        : layout.chunking;
    const max = { byte: 1, tiny: 5, small: 97, large: 4096, whole: bytes.length }[mode];
    for (let at = 0; at < bytes.length; ) {
      const size = mode === 'byte' ? 1 : mode === 'whole' ? bytes.length : 1 + Math.floor(rng() * Math.max(1, max));
      chunks.push(bytes.subarray(at, Math.min(bytes.length, at + size)));
      at += size;
    }
    return { lines, chunks };
  });
};
