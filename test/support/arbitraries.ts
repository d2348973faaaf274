import { seededRandom } from '../../shared/random.ts';
// Generators and independent oracles for the property tests (test/unit/properties.test.ts).
//
// The oracles use only the platform's Date, BigInt and JSON, never the engine's calendar, money
// or parsing code, so a property that compares the engine with them can fail.

import fc from 'fast-check';

// ---------------------------------------------------------------------------------------------
// Vocabulary of SPEC R4 (restated here, not imported, so a renamed constant in the engine shows)

export const CAUSE_NAMES = [
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
export const FUNCTION_NAMES = ['checkUpdate', 'publish', 'download', 'manage'] as const;
export const KNOWN_FIELDS: ReadonlySet<string> = new Set(['accountId', 'function', 'at', 'ok', 'cause']);
export const EXCLUSION_CLAUSES = ['4.2', '4.3', '4.4', '4.5', '4.6', '4.7', '4.8', '4.9'] as const;

/** Zones with one fixed offset through 2024–2027, so the oracle knows local midnight exactly. */
export const ZONES = [
  { name: 'Asia/Shanghai', offsetMinutes: 480 },
  { name: 'UTC', offsetMinutes: 0 },
  { name: 'Asia/Kolkata', offsetMinutes: 330 },
] as const;
export type Zone = (typeof ZONES)[number];

/** Account ids a scenario may use; the ones it does not use are unknown accounts for its probes. */
const ACCOUNT_POOL = ['acc-1', 'acc-2', 'acc-3', 'A.b_c:d@e-9', 'x', `long-${'q'.repeat(123)}`] as const;

// ---------------------------------------------------------------------------------------------
// Calendar oracle: the platform's Date (proleptic Gregorian, UTC), nothing else

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a calendar date; month and day may overflow as Date allows. */
export const epochDay = (year: number, month: number, day: number): number => {
  const t = new Date(0);
  t.setUTCFullYear(year, month - 1, day);
  return t.getTime() / DAY_MS;
};

export const daysInMonthOracle = (year: number, month: number): number =>
  epochDay(year, month + 1, 1) - epochDay(year, month, 1);

export const isoDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

const ymd = (day: number): { year: number; month: number; day: number } => {
  const d = new Date(day * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
};

export const pad = (n: number | bigint, width: number): string => String(n).padStart(width, '0');

export interface OracleMonth {
  readonly month: string;
  readonly firstDay: string;
  readonly lastDay: string;
  readonly days: number;
  readonly totalMinutes: number;
  readonly startMinute: number;
  readonly endMinute: number;
}

/** First day and first day after the service period of `months` months from `startDay` (R2: clamp to month end). */
export const oraclePeriodDays = (startDay: number, months: number): { startDay: number; endDay: number } => {
  const s = ymd(startDay);
  const index = s.month - 1 + months;
  const year = s.year + Math.floor(index / 12);
  const month = (index % 12) + 1;
  return { startDay, endDay: epochDay(year, month, Math.min(s.day, daysInMonthOracle(year, month))) };
};

/** The service months of an order (R2, R3), with epoch minutes for a zone of fixed offset. */
export const oracleServiceMonths = (startDate: string, months: number, offsetMinutes: number): OracleMonth[] => {
  const start = epochDay(Number(startDate.slice(0, 4)), Number(startDate.slice(5, 7)), Number(startDate.slice(8, 10)));
  const { endDay } = oraclePeriodDays(start, months);
  const out: OracleMonth[] = [];
  for (let first = start; first < endDay; ) {
    const f = ymd(first);
    const end = Math.min(epochDay(f.year, f.month + 1, 1), endDay);
    out.push({
      month: `${pad(f.year, 4)}-${pad(f.month, 2)}`,
      firstDay: isoDay(first),
      lastDay: isoDay(end - 1),
      days: end - first,
      totalMinutes: (end - first) * 1440,
      startMinute: first * 1440 - offsetMinutes,
      endMinute: end * 1440 - offsetMinutes,
    });
    first = end;
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// Money oracle: BigInt only

/** Parses a report amount ("123.45", exactly 2 places) into fen. */
export const fenOf = (text: string): bigint => {
  const m = /^(\d+)\.(\d{2})$/.exec(text);
  if (!m) throw new Error(`not a 2-place amount: ${text}`);
  return BigInt(m[1] ?? '') * 100n + BigInt(m[2] ?? '');
};

/** round half up of numerator / denominator, for non-negative operands. */
export const roundHalfUp = (numerator: bigint, denominator: bigint): bigint => {
  const q = numerator / denominator;
  const r = numerator % denominator;
  return 2n * r >= denominator ? q + 1n : q;
};

/** Compensation percent of SPEC R6 from availability (T−U)/T compared as rationals with 99.9 %, 99 %, 95 %. */
export const oracleCompensation = (unavailable: number, total: number): 0 | 10 | 25 | 100 => {
  const available = BigInt(total - unavailable);
  const t = BigInt(total);
  if (available * 1000n >= 999n * t) return 0;
  if (available * 100n >= 99n * t) return 10;
  if (available * 100n >= 95n * t) return 25;
  return 100;
};

/** Renders fen as a decimal with 0, 1 or 2 places, as an order's cashPaid may be written. */
const moneyText = (fen: bigint, style: number): string => {
  const whole = fen / 100n;
  const cents = fen % 100n;
  if (cents === 0n && style === 0) return `${whole}`;
  if (cents % 10n === 0n && style === 1) return `${whole}.${cents / 10n}`;
  return `${whole}.${pad(cents, 2)}`;
};

/** Up to 12 digits before the point, 2 after (R2). */
export const cashFenArb: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt(0n, 100_000n),
  fc.bigInt(0n, 99_999_999_999_999n),
  fc.constantFrom(0n, 1n, 99n, 100n, 99_999_999_999_999n),
);

// ---------------------------------------------------------------------------------------------
// Small deterministic PRNG for layout choices (chunk cuts, line endings) that need no shrinking

/** null `nullWeight` times out of `nullWeight + 1`, else a value of arb. */
export const rarely = <T>(arb: fc.Arbitrary<T>, nullWeight: number): fc.Arbitrary<T | null> =>
  fc.oneof({ arbitrary: fc.constant(null), weight: nullWeight }, { arbitrary: arb, weight: 1 });

/** Small deterministic PRNG for layouts that need no shrinking (shared/random.ts). */
export const prng = seededRandom;

export const pick = <T>(rng: () => number, items: readonly T[]): T => {
  const item = items[Math.floor(rng() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
};

export const shuffled = <T>(rng: () => number, items: readonly T[]): T[] => {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const a = out[i] as T;
    out[i] = out[j] as T;
    out[j] = a;
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// JSON text with random layout: whitespace, escapes, numbers in every grammar form

/** JSON whitespace that may appear inside a line (never a newline). */
export const wsArb: fc.Arbitrary<string> = fc.constantFrom('', '', '', '', ' ', '  ', '\t', '\r', ' \t ');

const hex4 = (unit: number, upper: boolean): string => {
  const h = unit.toString(16).padStart(4, '0');
  return `\\u${upper ? h.toUpperCase() : h}`;
};

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '/': '\\/',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

const isLoneSurrogate = (c: string): boolean => c.length === 1 && (c.charCodeAt(0) & 0xf800) === 0xd800;

/**
 * One character of a JSON string: `how` 0–4 raw when allowed, 5 short escape when there is one,
 * 6 \u lower case, 7 \u upper case. Quotes, backslashes, controls and lone surrogates are always escaped.
 */
const encodeChar = (c: string, how: number): string => {
  const code = c.codePointAt(0) ?? 0;
  const mustEscape = c === '"' || c === '\\' || code < 0x20 || isLoneSurrogate(c);
  if (how <= 4 && !mustEscape) return c;
  const short = SHORT_ESCAPES[c];
  if (how === 5 && short !== undefined) return short;
  let out = '';
  for (let i = 0; i < c.length; i++) out += hex4(c.charCodeAt(i), how === 7);
  return out;
};

export interface JsonStr {
  /** the decoded value */
  readonly value: string;
  /** its JSON text, quotes included */
  readonly text: string;
}

/** A string as JSON text with only the escapes JSON requires, except at `escapeAt` (escaped as \u). */
export const plainJsonString = (value: string, escapeAt = -1, upper = false): string => {
  const chars = [...value];
  return `"${chars.map((c, i) => encodeChar(c, i === escapeAt ? (upper ? 7 : 6) : 0)).join('')}"`;
};

const charArb: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }), weight: 4 },
  { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 2 },
  {
    arbitrary: fc.constantFrom(
      'é',
      '中',
      '文',
      '😀',
      '𝄞',
      '\u2028',
      '\u00a0',
      '\u007f',
      '\u0000',
      '\u001f',
      '"',
      '\\',
      '/',
      '\n',
      '\t',
      '\b',
      '\f',
      '\r',
      '\ud800',
      '\udfff',
    ),
    weight: 3,
  },
);

export const jsonStringArb: fc.Arbitrary<JsonStr> = fc
  .array(fc.tuple(charArb, fc.nat(7)), { maxLength: 8 })
  .map((pairs) => ({
    value: pairs.map(([c]) => c).join(''),
    text: `"${pairs.map(([c, how]) => encodeChar(c, how)).join('')}"`,
  }));

export const digitsArb = (min: number, max: number): fc.Arbitrary<string> =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((d) => d.join(''));

/** -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
const numberTextArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.boolean(),
    fc.oneof(
      fc.constant('0'),
      fc.tuple(fc.integer({ min: 1, max: 9 }), digitsArb(0, 20)).map(([h, t]) => `${h}${t}`),
    ),
    fc.option(digitsArb(1, 6)),
    fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), digitsArb(1, 4))),
  )
  .map(
    ([minus, int, frac, exp]) =>
      `${minus ? '-' : ''}${int}${frac === null ? '' : `.${frac}`}${exp === null ? '' : exp.join('')}`,
  );

type JsonTexts = {
  value: string;
  atom: string;
  array: string;
  object: string;
};

/** Any JSON value as text with random whitespace, nested at most a few levels. */
export const jsonValueTextArb: fc.Arbitrary<string> = fc.letrec<JsonTexts>((tie) => ({
  value: fc.oneof({ maxDepth: 3, depthSize: 'small' }, tie('atom'), tie('array'), tie('object')),
  atom: fc.oneof(
    jsonStringArb.map((s) => s.text),
    numberTextArb,
    fc.constantFrom('true', 'false', 'null'),
  ),
  array: fc
    .tuple(wsArb, fc.array(fc.tuple(wsArb, tie('value'), wsArb), { maxLength: 3 }))
    .map(([w, items]) => (items.length === 0 ? `[${w}]` : `[${items.map(([a, v, b]) => `${a}${v}${b}`).join(',')}]`)),
  object: fc
    .tuple(wsArb, fc.array(fc.tuple(wsArb, jsonStringArb, wsArb, wsArb, tie('value'), wsArb), { maxLength: 3 }))
    .map(([w, members]) =>
      members.length === 0
        ? `{${w}}`
        : `{${members.map(([a, k, b, c, v, d]) => `${a}${k.text}${b}:${c}${v}${d}`).join(',')}}`,
    ),
})).value;

// ---------------------------------------------------------------------------------------------
// Timestamps

export interface Offset {
  readonly text: string;
  readonly minutes: number;
}

export const offsetOf = (minutes: number): Offset => {
  const a = Math.abs(minutes);
  return { text: `${minutes < 0 ? '-' : '+'}${pad(Math.floor(a / 60), 2)}:${pad(a % 60, 2)}`, minutes };
};

/** Offsets from -12:00 to +14:00, the usual and the odd ones. */
export const offsetArb: fc.Arbitrary<Offset> = fc.oneof(
  fc.constantFrom<Offset>(
    { text: 'Z', minutes: 0 },
    { text: '+00:00', minutes: 0 },
    { text: '-00:00', minutes: 0 },
    { text: '+08:00', minutes: 480 },
    { text: '-12:00', minutes: -720 },
    { text: '+14:00', minutes: 840 },
    { text: '+05:45', minutes: 345 },
    { text: '-09:30', minutes: -570 },
  ),
  fc.integer({ min: -720, max: 840 }).map(offsetOf),
);

/** `YYYY-MM-DDThh:mm` of an epoch minute seen at an offset. */
const localMinuteText = (epochMinute: number, offset: Offset): string =>
  new Date((epochMinute + offset.minutes) * 60_000).toISOString().slice(0, 16);

/** A probe's `at`: the epoch minute, seconds and fraction digits, written at an offset. */
export const probeInstantText = (
  minute: number,
  second: number,
  fraction: string,
  offset: Offset,
  secondsShown: boolean,
): string => {
  const showSeconds = secondsShown || second !== 0 || fraction !== '';
  return `${localMinuteText(minute, offset)}${showSeconds ? `:${pad(second, 2)}` : ''}${fraction ? `.${fraction}` : ''}${offset.text}`;
};

const NS_PER_SECOND = 1_000_000_000n;
const NS_PER_MINUTE = 60n * NS_PER_SECOND;

/** An instant given in nanoseconds since the epoch, written at an offset with all its digits. */
export const nanosInstantText = (ns: bigint, offset: Offset): string => {
  const seconds = ns / NS_PER_SECOND;
  const sub = ns % NS_PER_SECOND;
  const local = new Date((Number(seconds) + offset.minutes * 60) * 1000).toISOString().slice(0, 19);
  const fraction = sub === 0n ? '' : `.${pad(sub, 9).replace(/0+$/, '')}`;
  return `${local}${fraction}${offset.text}`;
};

// ---------------------------------------------------------------------------------------------
// Probe lines

type KnownField = 'accountId' | 'function' | 'at' | 'ok' | 'cause';

export interface Extra {
  readonly name: string;
  readonly keyText: string;
  readonly valueText: string;
  readonly rank: number;
}

export interface LineStyle {
  /** whitespace pieces, used in turn */
  readonly ws: readonly string[];
  /** sort ranks of accountId, function, at, ok, cause */
  readonly ranks: readonly number[];
  readonly extras: readonly Extra[];
  /** one character of a kept string value written as \uXXXX (JSON.parse decodes it; the fast path cannot) */
  readonly escape: { readonly field: 'accountId' | 'function' | 'cause' | 'at'; readonly pos: number } | null;
  /** a kept field written twice, an invalid value first: JSON.parse keeps the last */
  readonly decoy: KnownField | null;
  readonly upperHex: boolean;
}

const EXTRA_NAMES = [
  'imei',
  'deviceModel',
  'brand',
  'osVersion',
  'clipboard',
  'location',
  'idfa',
  'mccMnc',
  'webviewUserAgent',
  '__proto__',
  'constructor',
  'toString',
  '',
  '位置',
  'ua😀',
  'Account',
  'accountid',
  'at ',
  'okay',
  'cause2',
];

/** Names of extra fields: mostly plain (the fast path reads them), sometimes with an escape or any string at all. */
const extraNameArb = (names: readonly string[]): fc.Arbitrary<JsonStr> =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...names).map((value) => ({ value, text: plainJsonString(value) })), weight: 6 },
    {
      arbitrary: fc
        .tuple(fc.constantFrom(...names), fc.nat(12), fc.boolean())
        .map(([value, escapeAt, upper]) => ({ value, text: plainJsonString(value, escapeAt, upper) })),
      weight: 1,
    },
    { arbitrary: jsonStringArb, weight: 2 },
  );

const extraArb = (names: readonly string[]): fc.Arbitrary<Extra> =>
  fc
    .record({ key: extraNameArb(names), valueText: jsonValueTextArb, rank: fc.nat(9) })
    .filter(({ key }) => !KNOWN_FIELDS.has(key.value))
    .map(({ key, valueText, rank }) => ({ name: key.value, keyText: key.text, valueText, rank }));

/**
 * Layout of a probe line. `repeatedExtras`: extra fields may repeat a name (as JSON text permits:
 * JSON.parse keeps one member per name).
 */
export const lineStyleArb = (repeatedExtras: boolean): fc.Arbitrary<LineStyle> =>
  fc.record({
    ws: fc.array(wsArb, { minLength: 1, maxLength: 12 }),
    ranks: fc.array(fc.nat(9), { minLength: 5, maxLength: 5 }),
    extras: repeatedExtras
      ? fc.array(extraArb(['imei', 'x', '__proto__']), { maxLength: 5 })
      : fc.uniqueArray(extraArb(EXTRA_NAMES), { selector: (e) => e.name, maxLength: 4 }),
    escape: rarely(fc.record({ field: fc.constantFrom('accountId', 'function', 'cause', 'at'), pos: fc.nat(200) }), 8),
    decoy: rarely(fc.constantFrom<KnownField>('accountId', 'function', 'at', 'ok', 'cause'), 8),
    upperHex: fc.boolean(),
  });

const DECOYS: Readonly<Record<KnownField, string>> = {
  accountId: '"not an id!"',
  function: '"upload"',
  at: '"2026-06-10T09:00:05"',
  ok: '"yes"',
  cause: '"weather"',
};

export interface ProbeFields {
  readonly accountId: string;
  readonly fn: string;
  readonly at: string;
  readonly ok: boolean;
  /** null: no cause field (a failure then counts as platform) */
  readonly cause: string | null;
}

/** A probe result as one line of JSON text (no newline), and the fields it drops (R12). */
export const renderProbeLine = (p: ProbeFields, style: LineStyle): { text: string; droppedFields: number } => {
  const str = (field: 'accountId' | 'function' | 'cause' | 'at', value: string): string => {
    const e = style.escape;
    return plainJsonString(value, e && e.field === field ? e.pos % Math.max(1, value.length) : -1, style.upperHex);
  };
  const known: { key: KnownField; value: string }[] = [
    { key: 'accountId', value: str('accountId', p.accountId) },
    { key: 'function', value: str('function', p.fn) },
    { key: 'at', value: str('at', p.at) },
    { key: 'ok', value: p.ok ? 'true' : 'false' },
  ];
  if (p.cause !== null) known.push({ key: 'cause', value: str('cause', p.cause) });
  const members: { rank: number; order: number; keyText: string; valueText: string }[] = [];
  known.forEach(({ key, value }, i) => {
    const rank = style.ranks[i] ?? 0;
    if (style.decoy === key) members.push({ rank, order: -1, keyText: `"${key}"`, valueText: DECOYS[key] });
    members.push({ rank, order: i, keyText: `"${key}"`, valueText: value });
  });
  style.extras.forEach((e, i) => {
    members.push({ rank: e.rank, order: 10 + i, keyText: e.keyText, valueText: e.valueText });
  });
  members.sort((a, b) => a.rank - b.rank || a.order - b.order);
  let k = 0;
  const w = (): string => style.ws[k++ % style.ws.length] ?? '';
  let text = `${w()}{${w()}`;
  members.forEach((m, i) => {
    if (i > 0) text += `${w()},${w()}`;
    text += `${m.keyText}${w()}:${w()}${m.valueText}`;
  });
  text += `${w()}}${w()}`;
  return { text, droppedFields: new Set(style.extras.map((e) => e.name)).size };
};

// ---------------------------------------------------------------------------------------------
// Scenarios

export interface OrderModel {
  readonly accountId: string;
  readonly orderId: string;
  readonly startDate: string;
  readonly months: number;
  readonly cashPaid: string;
  readonly cashPaidFen: bigint;
  /** oracle service period, epoch minutes [start, end) */
  readonly startMinute: number;
  readonly endMinute: number;
}

export interface ProbeModel {
  readonly accountId: string;
  /** the epoch minute the generator placed it in */
  readonly minute: number;
  readonly ok: boolean;
  /** null: no cause field (platform, for a failure) */
  readonly cause: string | null;
  readonly text: string;
  readonly droppedFields: number;
}

export interface WindowModel {
  /** `maintenance:<id>` or `exclusion:<id>` */
  readonly source: string;
  /** 1 for maintenance (§4.1), 2..9 for exclusions 4.2..4.9 */
  readonly clause: number;
  readonly startNs: bigint;
  readonly endNs: bigint;
  /** maintenance only */
  readonly announcedNs: bigint | null;
  readonly accountIds: readonly string[] | undefined;
}

export interface ScenarioModel {
  readonly zone: Zone;
  readonly accounts: readonly string[];
  readonly orders: readonly OrderModel[];
  readonly probes: readonly ProbeModel[];
  /** maintenance then exclusions, each in input order (the order the engine lists them) */
  readonly windows: readonly WindowModel[];
  readonly minNoticeHours: number;
  /** the scenario's members other than `probes`, as JSON text */
  readonly head: string;
}

/** The scenario document with these probe texts as its `probes`, verbatim. */
export const scenarioText = (model: ScenarioModel, probeTexts: readonly string[]): string =>
  `{${model.head},"probes":[${probeTexts.join(',')}]}`;

/** SPEC R4: a result of an unknown account, or outside every service period of its account, is ignored. */
export const oracleIgnored = (model: ScenarioModel, probe: ProbeModel): boolean =>
  !model.orders.some(
    (o) => o.accountId === probe.accountId && probe.minute >= o.startMinute && probe.minute < o.endMinute,
  );

const orderSeedArb = fc.record({
  year: fc.integer({ min: 2024, max: 2026 }),
  month: fc.integer({ min: 1, max: 12 }),
  day: fc.integer({ min: 1, max: 31 }),
  gapDays: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 60 })),
  months: fc.integer({ min: 1, max: 3 }),
  cash: cashFenArb,
  cashStyle: fc.nat(2),
});

const probeSpecArb = (repeatedExtras: boolean) =>
  fc.record({
    dt: fc.nat(1_000_000),
    second: fc.oneof(fc.constant(0), fc.nat(59)),
    fraction: fc.oneof(fc.constant(''), digitsArb(1, 9)),
    secondsShown: fc.boolean(),
    offset: offsetArb,
    fn: fc.constantFrom(...FUNCTION_NAMES),
    ok: fc.boolean(),
    cause: fc.option(
      fc.oneof(
        { arbitrary: fc.constant('platform'), weight: 2 },
        { arbitrary: fc.constantFrom(...CAUSE_NAMES), weight: 3 },
      ),
      { freq: 2 },
    ),
    style: lineStyleArb(repeatedExtras),
  });

const clusterArb = (repeatedExtras: boolean) =>
  fc.record({
    accountRef: fc.nat(9),
    orderRef: fc.nat(5),
    where: fc.constantFrom('inside', 'start', 'end'),
    frac: fc.integer({ min: 0, max: 1000 }),
    shift: fc.oneof(fc.integer({ min: -720, max: 720 }), fc.integer({ min: -2, max: 1 })),
    spread: fc.oneof(fc.integer({ min: 1, max: 240 }), fc.integer({ min: 1, max: 3 })),
    probes: fc.array(probeSpecArb(repeatedExtras), { minLength: 1, maxLength: 25 }),
  });

/** A long outage: one failing result a minute, written plainly (for tiers above 0 %). */
const outageArb = fc.record({
  accountRef: fc.nat(9),
  orderRef: fc.nat(5),
  frac: fc.integer({ min: 0, max: 1000 }),
  length: fc.oneof(
    fc.integer({ min: 0, max: 600 }),
    fc.integer({ min: 30, max: 60 }),
    fc.integer({ min: 400, max: 500 }),
    fc.integer({ min: 2000, max: 5000 }),
  ),
  cause: rarely(fc.constantFrom(...CAUSE_NAMES), 3),
});

const windowArb = fc.record({
  kind: fc.constantFrom('maintenance', 'exclusion'),
  accountRefs: fc.option(fc.uniqueArray(fc.nat(9), { maxLength: 3 }), { freq: 2 }),
  anchorRef: fc.nat(200),
  /** free: near a cluster; else an edge in the minute of one of the results */
  edge: fc.constantFrom('free', 'free', 'start-in-result-minute', 'end-in-result-minute'),
  edgeNanos: fc.oneof(fc.constantFrom(0, 1, 59_999_999_999), fc.integer({ min: 0, max: 59_999_999_999 })),
  startShiftSeconds: fc.oneof(fc.integer({ min: -3 * 3600, max: 3 * 3600 }), fc.integer({ min: -150, max: 150 })),
  startNanos: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 999_999_999 })),
  durationSeconds: fc.oneof(
    fc.integer({ min: 0, max: 180 }),
    fc.integer({ min: 0, max: 600 }),
    fc.integer({ min: 0, max: 8 * 3600 }),
  ),
  durationNanos: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 999_999_999 })),
  notice: fc.oneof(fc.integer({ min: -7200, max: 3 * 86_400 }), fc.constantFrom('zero', 'exact', 'one-ns-late')),
  clause: fc.constantFrom(...EXCLUSION_CLAUSES),
  offsets: fc.tuple(offsetArb, offsetArb, offsetArb),
});

const claimArb = fc.record({
  accountRef: fc.nat(9),
  orderRef: fc.nat(5),
  monthRef: fc.nat(4),
  filedDays: fc.integer({ min: -10, max: 80 }),
  channel: fc.constantFrom('ticket', 'ticket', 'email'),
  omit: fc.constantFrom('none', 'none', 'none', 'accountId', 'orderId', 'month'),
});

export interface ScenarioOptions {
  /** extra fields may repeat a name within a line */
  readonly repeatedExtras?: boolean;
  /** add long outages (one failing result a minute, for hours or days) */
  readonly heavy?: boolean;
  readonly maxClusters?: number;
}

/**
 * A random scenario: 1–4 accounts, 1–3 non-overlapping orders each (start 2024–2026, 1–3 months),
 * results clustered in a few hours in, at the edges of and outside service periods, for known and
 * unknown accounts; maintenance (announced early, exactly in time, or late) and operator exclusions
 * near them; a few claims.
 */
export const scenarioArb = (options: ScenarioOptions = {}): fc.Arbitrary<ScenarioModel> =>
  fc
    .record({
      zone: fc.constantFrom(...ZONES),
      accounts: fc.uniqueArray(fc.constantFrom(...ACCOUNT_POOL), { minLength: 1, maxLength: 4 }),
      orderSeeds: fc.array(fc.array(orderSeedArb, { minLength: 1, maxLength: 3 }), { minLength: 4, maxLength: 4 }),
      clusters: fc.array(clusterArb(options.repeatedExtras ?? false), { maxLength: options.maxClusters ?? 5 }),
      outages: options.heavy ? fc.array(outageArb, { minLength: 1, maxLength: 4 }) : fc.constant([]),
      windows: fc.array(windowArb, { maxLength: 4 }),
      noticeHours: fc.constantFrom(undefined, 0, 1, 24, 0.5),
      claims: fc.array(claimArb, { maxLength: 3 }),
    })
    .map((g): ScenarioModel => {
      const zone = g.zone;
      const unknownIds = [...ACCOUNT_POOL.filter((id) => !g.accounts.includes(id)), 'ghost'];
      const accountOf = (ref: number): string =>
        (ref < 8 ? g.accounts[ref % g.accounts.length] : unknownIds[ref % unknownIds.length]) ?? 'ghost';

      // orders: sequential per account, never overlapping, sometimes back to back
      const orders: OrderModel[] = [];
      g.accounts.forEach((accountId, a) => {
        let next: number | null = null;
        for (const [k, s] of (g.orderSeeds[a] ?? []).entries()) {
          const startDay: number =
            next === null
              ? epochDay(s.year, s.month, Math.min(s.day, daysInMonthOracle(s.year, s.month)))
              : next + s.gapDays;
          if (ymd(startDay).year > 2026) break;
          const { endDay } = oraclePeriodDays(startDay, s.months);
          orders.push({
            accountId,
            orderId: `o-${k + 1}`,
            startDate: isoDay(startDay),
            months: s.months,
            cashPaid: moneyText(s.cash, s.cashStyle),
            cashPaidFen: s.cash,
            startMinute: startDay * 1440 - zone.offsetMinutes,
            endMinute: endDay * 1440 - zone.offsetMinutes,
          });
          next = endDay;
        }
      });
      const orderOf = (accountId: string, ref: number): OrderModel => {
        const own = orders.filter((o) => o.accountId === accountId);
        const list = own.length > 0 ? own : orders;
        return list[ref % list.length] as OrderModel;
      };

      // probes, clustered
      const probes: ProbeModel[] = [];
      const anchors: number[] = [];
      for (const c of g.clusters) {
        const accountId = accountOf(c.accountRef);
        const o = orderOf(accountId, c.orderRef);
        const anchor =
          c.where === 'inside'
            ? o.startMinute + Math.floor(((o.endMinute - o.startMinute) * c.frac) / 1000)
            : (c.where === 'start' ? o.startMinute : o.endMinute) + c.shift;
        anchors.push(anchor);
        for (const p of c.probes) {
          const minute = anchor + (p.dt % c.spread);
          const at = probeInstantText(minute, p.second, p.fraction, p.offset, p.secondsShown);
          const line = renderProbeLine({ accountId, fn: p.fn, at, ok: p.ok, cause: p.cause }, p.style);
          probes.push({
            accountId,
            minute,
            ok: p.ok,
            cause: p.cause,
            text: line.text,
            droppedFields: line.droppedFields,
          });
        }
      }
      for (const outage of g.outages) {
        const accountId = g.accounts[outage.accountRef % g.accounts.length] ?? 'ghost';
        const o = orderOf(accountId, outage.orderRef);
        const first = o.startMinute + Math.floor(((o.endMinute - o.startMinute) * outage.frac) / 1000);
        anchors.push(first);
        const cause = outage.cause === null ? '' : `,"cause":"${outage.cause}"`;
        for (let minute = first; minute < first + outage.length; minute++) {
          const at = `${new Date(minute * 60_000).toISOString().slice(0, 16)}Z`;
          const text = `{"accountId":"${accountId}","function":"publish","at":"${at}","ok":false${cause}}`;
          probes.push({ accountId, minute, ok: false, cause: outage.cause, text, droppedFields: 0 });
        }
      }
      if (anchors.length === 0) for (const o of orders) anchors.push(o.startMinute);

      // windows near the results
      const minNoticeHours = g.noticeHours ?? 0;
      const requiredNs = BigInt(Math.round(minNoticeHours * 3600)) * NS_PER_SECOND;
      const maintenanceWindows: WindowModel[] = [];
      const exclusionWindows: WindowModel[] = [];
      const maintenance: Record<string, unknown>[] = [];
      const exclusions: Record<string, unknown>[] = [];
      g.windows.forEach((w, i) => {
        const onProbe = w.edge !== 'free' ? probes[w.anchorRef % Math.max(1, probes.length)] : undefined;
        const anchor = onProbe ? onProbe.minute : (anchors[w.anchorRef % anchors.length] ?? 0);
        const duration = BigInt(w.durationSeconds) * NS_PER_SECOND + BigInt(w.durationNanos);
        const length = duration > 0n ? duration : 1n;
        // an edge inside a result's minute, at its very start or anywhere in it, tests "overlaps any part"
        const edge = BigInt(anchor) * NS_PER_MINUTE + BigInt(w.edgeNanos);
        const start =
          w.edge === 'start-in-result-minute'
            ? edge
            : w.edge === 'end-in-result-minute'
              ? edge - length
              : BigInt(anchor * 60 + w.startShiftSeconds) * NS_PER_SECOND + BigInt(w.startNanos);
        const end = start + length;
        const [o1, o2, o3] = w.offsets;
        const accountIds = w.accountRefs === null ? undefined : w.accountRefs.map(accountOf);
        if (w.kind === 'maintenance') {
          const notice =
            w.notice === 'zero'
              ? 0n
              : w.notice === 'exact'
                ? requiredNs
                : w.notice === 'one-ns-late'
                  ? requiredNs - 1n
                  : BigInt(w.notice) * NS_PER_SECOND;
          maintenanceWindows.push({
            source: `maintenance:mw-${i}`,
            clause: 1,
            startNs: start,
            endNs: end,
            announcedNs: start - notice,
            accountIds,
          });
          maintenance.push({
            id: `mw-${i}`,
            announcedAt: nanosInstantText(start - notice, o3),
            start: nanosInstantText(start, o1),
            end: nanosInstantText(end, o2),
            ...(accountIds ? { accountIds: [...new Set(accountIds)] } : {}),
          });
        } else {
          exclusionWindows.push({
            source: `exclusion:ex-${i}`,
            clause: EXCLUSION_CLAUSES.indexOf(w.clause) + 2,
            startNs: start,
            endNs: end,
            announcedNs: null,
            accountIds,
          });
          exclusions.push({
            id: `ex-${i}`,
            clause: w.clause,
            start: nanosInstantText(start, o1),
            end: nanosInstantText(end, o2),
            reason: `operator note ${i}`,
            ...(accountIds ? { accountIds: [...new Set(accountIds)] } : {}),
          });
        }
      });

      // claims on any order's months, on time or not
      const claims = g.claims.map((c) => {
        const accountId = accountOf(c.accountRef);
        const o = orderOf(accountId, c.orderRef);
        const months = oracleServiceMonths(o.startDate, o.months, zone.offsetMinutes);
        const month = months[c.monthRef]?.month ?? '2099-01';
        const filedMinute = o.endMinute + c.filedDays * 1440 + 600;
        const claim: Record<string, string> = {
          accountId,
          orderId: o.orderId,
          month,
          filedAt: `${localMinuteText(filedMinute, offsetOf(zone.offsetMinutes))}:00${offsetOf(zone.offsetMinutes).text}`,
          channel: c.channel,
        };
        if (c.omit !== 'none') delete claim[c.omit];
        return claim;
      });

      const policy: Record<string, unknown> = {};
      if (zone.name !== 'Asia/Shanghai') policy.timeZone = zone.name;
      if (g.noticeHours !== undefined) policy.maintenanceMinNoticeHours = g.noticeHours;
      const head = [
        `"policy":${JSON.stringify(policy)}`,
        `"orders":${JSON.stringify(
          orders.map((o) => ({
            accountId: o.accountId,
            orderId: o.orderId,
            startDate: o.startDate,
            months: o.months,
            cashPaid: o.cashPaid,
          })),
        )}`,
        `"maintenance":${JSON.stringify(maintenance)}`,
        `"exclusions":${JSON.stringify(exclusions)}`,
        `"claims":${JSON.stringify(claims)}`,
      ].join(',');
      return {
        zone,
        accounts: g.accounts,
        orders,
        probes,
        windows: [...maintenanceWindows, ...exclusionWindows],
        minNoticeHours,
        head,
      };
    });

// ---------------------------------------------------------------------------------------------
// NDJSON layout

/** Joins lines with \n or \r\n, with blank and whitespace-only lines between, the last newline optional. */
export const ndjsonOf = (lines: readonly string[], rng: () => number): { text: string; lines: number } => {
  let text = '';
  for (const line of lines) {
    if (rng() < 0.1) text += `${pick(rng, ['', ' ', '\t', '\r', ' \r'])}\n`;
    text += `${line}${rng() < 0.25 ? '\r\n' : '\n'}`;
  }
  if (text.endsWith('\n') && rng() < 0.5) text = text.slice(0, text.endsWith('\r\n') ? -2 : -1);
  const newlines = text.split('\n').length - 1;
  return { text, lines: newlines + (text.length > 0 && !text.endsWith('\n') ? 1 : 0) };
};

export type ChunkMode = 'byte' | 'tiny' | 'small' | 'utf8' | 'whole';

/** Cut points (sorted, inside (0, length)) for pushing bytes in chunks. */
export const chunkCuts = (bytes: Uint8Array, mode: ChunkMode, rng: () => number): number[] => {
  const cuts: number[] = [];
  if (mode === 'whole') return cuts;
  if (mode === 'byte') {
    for (let i = 1; i < bytes.length; i++) cuts.push(i);
    return cuts;
  }
  if (mode === 'utf8') {
    // in the middle of multi-byte characters, plus a few anywhere
    for (let i = 1; i < bytes.length; i++) {
      const b = bytes[i] ?? 0;
      if (((b & 0xc0) === 0x80 && rng() < 0.7) || rng() < 0.02) cuts.push(i);
    }
    return cuts;
  }
  const max = mode === 'tiny' ? 4 : 64;
  for (let i = 1 + Math.floor(rng() * max); i < bytes.length; i += 1 + Math.floor(rng() * max)) cuts.push(i);
  return cuts;
};

export const chunksOf = (bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] => {
  const out: Uint8Array[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    out.push(bytes.subarray(from, cut));
    from = cut;
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// Instant oracle (SPEC R1): `YYYY-MM-DDThh:mm[:ss[.f{1,9}]]` then `Z` or `±hh:mm`, checked field by field

const ORACLE_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/** The epoch minute of a valid timestamp, or null when it must be rejected. */
export const oracleInstantMinute = (value: unknown): number | null => {
  if (typeof value !== 'string') return null;
  const m = ORACLE_INSTANT.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonthOracle(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let offset = 0;
  if (m[8] !== undefined) {
    const oh = Number(m[9]);
    const om = Number(m[10]);
    if (oh > 23 || om > 59) return null;
    offset = (m[8] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  return epochDay(year, month, day) * 1440 + hour * 60 + minute - offset;
};

const twoDigits = (typical: readonly [number, number], wide: readonly [number, number]): fc.Arbitrary<string> =>
  fc
    .oneof(
      { arbitrary: fc.integer({ min: typical[0], max: typical[1] }), weight: 5 },
      { arbitrary: fc.integer({ min: wide[0], max: wide[1] }), weight: 1 },
    )
    .map((n) => pad(n, 2));

/** Timestamp strings, valid and not: out-of-range fields, 0–11 fraction digits, odd offsets, one-character edits. */
export const timestampTextArb: fc.Arbitrary<string> = fc
  .record({
    year: fc
      .oneof(
        { arbitrary: fc.integer({ min: 2023, max: 2027 }), weight: 3 },
        { arbitrary: fc.integer({ min: 0, max: 9999 }), weight: 1 },
      )
      .map((y) => pad(y, 4)),
    month: twoDigits([1, 12], [0, 19]),
    day: fc.oneof(twoDigits([1, 28], [0, 39]), fc.constantFrom('29', '30', '31')),
    sep: fc.oneof(
      { arbitrary: fc.constant('T'), weight: 12 },
      { arbitrary: fc.constantFrom('t', ' ', 'Z'), weight: 1 },
    ),
    hour: twoDigits([0, 23], [0, 29]),
    minute: twoDigits([0, 59], [0, 69]),
    seconds: fc.option(twoDigits([0, 59], [0, 69]), { freq: 3 }),
    fraction: fc.option(
      fc.oneof({ arbitrary: digitsArb(1, 9), weight: 5 }, { arbitrary: digitsArb(0, 11), weight: 1 }),
      { freq: 2 },
    ),
    offset: fc.oneof(
      { arbitrary: offsetArb.map((o) => o.text), weight: 10 },
      {
        arbitrary: fc
          .tuple(fc.constantFrom('+', '-'), twoDigits([0, 14], [0, 29]), twoDigits([0, 59], [0, 69]))
          .map(([s, h, m]) => `${s}${h}:${m}`),
        weight: 3,
      },
      { arbitrary: fc.constantFrom('', 'z', '+08', '+0800', '+8:00', '+08:0', 'UTC', ' Z', '+08:00Z'), weight: 1 },
    ),
    edit: rarely(
      fc.record({
        kind: fc.constantFrom('insert', 'delete', 'replace'),
        pos: fc.nat(40),
        char: fc.constantFrom('0', '9', '-', ':', 'T', 'Z', '+', '.', ' ', 'é', '٣', '"', '\\'),
      }),
      6,
    ),
  })
  .map((t) => {
    const seconds = t.seconds === null ? '' : `:${t.seconds}`;
    const fraction = t.fraction === null ? '' : `.${t.fraction}`;
    const text = `${t.year}-${t.month}-${t.day}${t.sep}${t.hour}:${t.minute}${seconds}${fraction}${t.offset}`;
    if (t.edit === null) return text;
    const at = t.edit.pos % (text.length + 1);
    const cut = t.edit.kind === 'insert' ? at : at + 1;
    return `${text.slice(0, at)}${t.edit.kind === 'delete' ? '' : t.edit.char}${text.slice(cut)}`;
  });

// ---------------------------------------------------------------------------------------------
// Minute verdicts oracle (R4, R5 and docs/rules-decisions.md), minute by minute from the model

export interface OracleCounts {
  readonly unavailableMinutes: number;
  readonly observedMinutes: number;
  readonly excludedMinutes: Record<string, number>;
  readonly excludedBy: Record<string, number>;
}

/** Counts of every service month, keyed `accountId/orderId/month`. */
export const oracleVerdicts = (model: ScenarioModel): Map<string, OracleCounts> => {
  const required = BigInt(Math.round(model.minNoticeHours * 3600)) * NS_PER_SECOND;
  const windows = model.windows.filter(
    (w) => w.announcedNs === null || (w.startNs - w.announcedNs > 0n && w.startNs - w.announcedNs >= required),
  );
  const out = new Map<string, OracleCounts>();
  for (const order of model.orders) {
    // every result of the account, by minute
    const byMinute = new Map<number, { ok: boolean; platform: boolean; causes: number[] }>();
    for (const p of model.probes) {
      if (p.accountId !== order.accountId) continue;
      const m = byMinute.get(p.minute) ?? { ok: false, platform: false, causes: [] };
      if (p.ok) m.ok = true;
      else if (p.cause === null || p.cause === 'platform') m.platform = true;
      else m.causes.push(CAUSE_NAMES.indexOf(p.cause as (typeof CAUSE_NAMES)[number])); // network 1 … legal 8
      byMinute.set(p.minute, m);
    }
    for (const month of oracleServiceMonths(order.startDate, order.months, model.zone.offsetMinutes)) {
      let unavailable = 0;
      let observed = 0;
      const excludedMinutes: Record<string, number> = {};
      const excludedBy: Record<string, number> = {};
      for (const [minute, state] of byMinute) {
        if (minute < month.startMinute || minute >= month.endMinute) continue;
        observed++;
        if (state.ok) continue;
        // the covering window of the lowest clause, the first listed among equals
        let window: WindowModel | null = null;
        for (const w of windows) {
          if (w.accountIds && !w.accountIds.includes(order.accountId)) continue;
          const from = BigInt(minute) * NS_PER_MINUTE;
          if (!(w.startNs < from + NS_PER_MINUTE && w.endNs > from)) continue;
          if (!window || w.clause < window.clause) window = w;
        }
        if (state.platform && !window) {
          unavailable++;
          continue;
        }
        const causeClause = state.causes.length > 0 ? Math.min(...state.causes) + 1 : 0;
        const byWindow = window !== null && (causeClause === 0 || window.clause <= causeClause);
        const clause = byWindow && window ? window.clause : causeClause;
        const source = byWindow && window ? window.source : `cause:${CAUSE_NAMES[causeClause - 1]}`;
        excludedMinutes[`4.${clause}`] = (excludedMinutes[`4.${clause}`] ?? 0) + 1;
        excludedBy[source] = (excludedBy[source] ?? 0) + 1;
      }
      out.set(`${order.accountId}/${order.orderId}/${month.month}`, {
        unavailableMinutes: unavailable,
        observedMinutes: observed,
        excludedMinutes,
        excludedBy,
      });
    }
  }
  return out;
};
