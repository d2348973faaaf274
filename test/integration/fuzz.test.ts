// Fuzzing `sla evaluate` in-process (fast-check, fixed seeds).
//
// 1. Mutated scenarios (contract examples and small generated ones; tree and text mutations) and
//    mutated probe NDJSON (byte flips, truncation, junk) never crash the CLI: exit 0 with a
//    report, or exit 2 with nothing on stdout and only `error: ` lines on stderr; never a stack.
// 2. Differential: valid NDJSON lines given with --probes (the byte-level fast path) give the
//    same report as the same lines put in the scenario's `probes` (the JSON.parse path),
//    ignoredProbes and droppedFields included.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONTRACTS, tempDir } from '../support/cli.ts';
import { linesOf, type MainRun, runMain, STACK_TRACE } from '../support/run-main.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
type Key = string | number;

const SEED = 0x51a_2026;
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
const KEPT = new Set(['accountId', 'function', 'at', 'ok', 'cause']);

// ---------------------------------------------------------------------------------------------
// What every run must look like

const expectReport = (value: unknown): void => {
  expect(value).toMatchObject({
    serviceMonths: expect.any(Array),
    claims: expect.any(Array),
    warnings: expect.any(Array),
    ignoredProbes: expect.any(Number),
    droppedFields: expect.any(Number),
  });
  const report = value as { serviceMonths: Record<string, unknown>[]; ignoredProbes: number; droppedFields: number };
  expect(Number.isInteger(report.ignoredProbes) && report.ignoredProbes >= 0).toBe(true);
  expect(Number.isInteger(report.droppedFields) && report.droppedFields >= 0).toBe(true);
  for (const month of report.serviceMonths) {
    expect(month.availabilityPercent).toMatch(/^\d{1,3}\.\d{6}$/);
    expect(month.fee).toMatch(/^\d+\.\d{2}$/);
    expect(month.voucher).toMatch(/^\d+\.\d{2}$/);
    expect([0, 10, 25, 100]).toContain(month.compensationPercent);
  }
};

/** Exit 0 with a report, or exit 2 with only `error: ` lines; never anything else. */
const expectSane = (run: MainRun): void => {
  expect(run.stderr).not.toMatch(STACK_TRACE);
  expect([0, 2]).toContain(run.status);
  if (run.status === 2) {
    expect(run.stdout).toBe('');
    const lines = linesOf(run.stderr);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(21);
    for (const line of lines) expect(line.startsWith('error: '), `stderr line ${JSON.stringify(line)}`).toBe(true);
  } else {
    expect(run.stderr).toBe('');
    expectReport(JSON.parse(run.stdout));
  }
};

// ---------------------------------------------------------------------------------------------
// Scenarios: the contract examples and small generated ones

const EXAMPLES = new Map<string, JsonObject>(
  ['june-43-vs-44', 'seed-service-months'].map((name) => [
    name,
    JSON.parse(readFileSync(join(CONTRACTS, 'examples', `${name}.scenario.json`), 'utf8')) as JsonObject,
  ]),
);

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
const dateArb = fc
  .record({
    y: fc.integer({ min: 2024, max: 2027 }),
    m: fc.integer({ min: 1, max: 12 }),
    d: fc.integer({ min: 1, max: 28 }),
  })
  .map(({ y, m, d }) => `${y}-${pad(m)}-${pad(d)}`);
const monthArb = fc
  .record({ y: fc.integer({ min: 2024, max: 2027 }), m: fc.integer({ min: 1, max: 12 }) })
  .map(({ y, m }) => `${y}-${pad(m)}`);
const offsetArb = fc.constantFrom('Z', '+08:00', '-05:00', '+05:45', '+14:00', '-12:00', '+00:00');
const instantArb = fc
  .record({
    date: dateArb,
    h: fc.integer({ min: 0, max: 23 }),
    mi: fc.integer({ min: 0, max: 59 }),
    s: fc.option(fc.integer({ min: 0, max: 59 })),
    frac: fc.option(fc.stringMatching(/^\d{1,9}$/)),
    offset: offsetArb,
  })
  .map(({ date, h, mi, s, frac, offset }) => {
    const seconds = s === null ? '' : `:${pad(s)}${frac === null ? '' : `.${frac}`}`;
    return `${date}T${pad(h)}:${pad(mi)}${seconds}${offset}`;
  });
const windowArb = fc
  .record({
    start: fc.integer({ min: Date.UTC(2025, 11, 1), max: Date.UTC(2027, 5, 30) }),
    minutes: fc.integer({ min: 1, max: 20_000 }),
  })
  .map(({ start, minutes }) => ({
    start: new Date(start).toISOString(),
    end: new Date(start + minutes * 60_000).toISOString(),
  }));
const idArb = fc.constantFrom('acc-1', 'acc-2', 'acc:3@x.y');
const moneyArb = fc
  .record({ whole: fc.integer({ min: 0, max: 99_999 }), cents: fc.option(fc.integer({ min: 0, max: 99 })) })
  .map(({ whole, cents }) => (cents === null ? String(whole) : `${whole}.${pad(cents)}`));

const orderArb = fc.record(
  {
    accountId: idArb,
    orderId: fc.constantFrom('o-1', 'o-2'),
    startDate: dateArb,
    months: fc.integer({ min: 1, max: 3 }),
    cashPaid: moneyArb,
    currency: fc.constantFrom('CNY', 'USD'),
  },
  { requiredKeys: ['accountId', 'orderId', 'startDate', 'months', 'cashPaid'] },
);
const probeArb = fc.record(
  {
    accountId: fc.oneof(idArb, fc.constant('acc-unknown')),
    function: fc.constantFrom(...FUNCTIONS),
    at: instantArb,
    ok: fc.boolean(),
    cause: fc.constantFrom(...CAUSES),
    deviceModel: fc.string(),
  },
  { requiredKeys: ['accountId', 'function', 'at', 'ok'] },
);
const maintenanceArb = fc
  .record(
    {
      id: fc.constantFrom('m-1', 'm-2', 'm-3'),
      announcedAt: instantArb,
      window: windowArb,
      accountIds: fc.array(idArb, { maxLength: 2 }),
      description: fc.string(),
    },
    { requiredKeys: ['id', 'announcedAt', 'window'] },
  )
  .map(({ window, ...rest }) => ({ ...rest, ...window }));
const exclusionArb = fc
  .record(
    {
      id: fc.constantFrom('x-1', 'x-2', 'x-3'),
      clause: fc.constantFrom('4.2', '4.3', '4.4', '4.5', '4.6', '4.7', '4.8', '4.9'),
      window: windowArb,
      accountIds: fc.array(idArb, { maxLength: 2 }),
      reason: fc.constantFrom('carrier outage', 'DDoS on the customer app', '法律规定'),
    },
    { requiredKeys: ['id', 'clause', 'window', 'reason'] },
  )
  .map(({ window, ...rest }) => ({ ...rest, ...window }));
const claimArb = fc.record(
  {
    accountId: idArb,
    orderId: fc.constantFrom('o-1', 'o-2'),
    month: monthArb,
    filedAt: instantArb,
    channel: fc.constantFrom('ticket', 'email'),
  },
  { requiredKeys: ['filedAt', 'channel'] },
);
const smallScenarioArb = fc
  .record(
    {
      policy: fc.record(
        {
          timeZone: fc.constantFrom('Asia/Shanghai', 'UTC', 'America/New_York', 'Asia/Kathmandu', 'Pacific/Chatham'),
          maintenanceMinNoticeHours: fc.oneof(
            fc.integer({ min: 0, max: 72 }),
            fc.double({ min: 0, max: 1e6, noNaN: true }),
          ),
          strictCalendar: fc.boolean(),
        },
        { requiredKeys: [] },
      ),
      calendar: fc.record(
        { holidays: fc.array(dateArb, { maxLength: 3 }), workdays: fc.array(dateArb, { maxLength: 3 }) },
        { requiredKeys: [] },
      ),
      months: fc.array(monthArb, { maxLength: 3 }),
      orders: fc.uniqueArray(orderArb, { minLength: 1, maxLength: 3, selector: (o) => o.accountId }),
      probes: fc.array(probeArb, { maxLength: 12 }),
      maintenance: fc.uniqueArray(maintenanceArb, { maxLength: 2, selector: (m) => m.id }),
      exclusions: fc.uniqueArray(exclusionArb, { maxLength: 2, selector: (e) => e.id }),
      claims: fc.array(claimArb, { maxLength: 3 }),
    },
    { requiredKeys: ['orders'] },
  )
  .map((s) => s as unknown as JsonObject);

type Base = { readonly example: string } | { readonly doc: JsonObject };
const baseArb: fc.Arbitrary<Base> = fc.oneof(
  fc.constantFrom(...EXAMPLES.keys()).map((example) => ({ example })),
  smallScenarioArb.map((doc) => ({ doc })),
);
const docOf = (base: Base): Json =>
  structuredClone('example' in base ? (EXAMPLES.get(base.example) ?? {}) : base.doc) as Json;

// ---------------------------------------------------------------------------------------------
// Mutations of the JSON tree

type TreeMutation =
  | { readonly kind: 'delete'; readonly at: number }
  | { readonly kind: 'replace'; readonly at: number; readonly value: Json }
  | { readonly kind: 'swapType'; readonly at: number }
  | { readonly kind: 'duplicate'; readonly at: number }
  | { readonly kind: 'addKey'; readonly at: number; readonly key: string; readonly value: Json };

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

const pathsOf = (value: Json, at: Key[] = [], out: Key[][] = []): Key[][] => {
  out.push(at);
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      pathsOf(v, [...at, i], out);
    });
  } else if (isObject(value)) for (const [k, v] of Object.entries(value)) pathsOf(v, [...at, k], out);
  return out;
};

const childOf = (value: Json | undefined, key: Key): Json | undefined => {
  if (Array.isArray(value) && typeof key === 'number') return value[key];
  if (isObject(value) && typeof key === 'string') return value[key];
  return undefined;
};

/** Sets an own property, even `__proto__`. */
const setKey = (target: JsonObject, key: string, value: Json): void => {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
};

const swapType = (v: Json): Json => {
  if (typeof v === 'string') return Number.isNaN(Number(v)) ? v.length : Number(v);
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 0;
  if (v === null) return {};
  if (Array.isArray(v)) return Object.fromEntries(v.map((x, i) => [String(i), x]));
  return Object.values(v);
};

/** Applies one mutation to the node it selects; returns the (possibly new) root. */
const applyTree = (root: Json, m: TreeMutation): Json => {
  const paths = pathsOf(root);
  const path = paths[m.at % paths.length] ?? [];
  const parent = path.slice(0, -1).reduce<Json | undefined>(childOf, root);
  const key = path[path.length - 1];
  const current = path.reduce<Json | undefined>(childOf, root) ?? null;
  const put = (value: Json): Json => {
    if (key === undefined) return value;
    if (Array.isArray(parent) && typeof key === 'number') parent[key] = value;
    else if (isObject(parent) && typeof key === 'string') setKey(parent, key, value);
    return root;
  };
  switch (m.kind) {
    case 'replace':
      return put(m.value);
    case 'swapType':
      return put(swapType(current));
    case 'addKey':
      if (isObject(current)) {
        setKey(current, m.key, m.value);
        return root;
      }
      if (Array.isArray(current)) {
        current.push(m.value);
        return root;
      }
      return put({ [m.key]: m.value });
    case 'duplicate':
      if (Array.isArray(parent) && typeof key === 'number') {
        parent.splice(key, 0, structuredClone(current));
        return root;
      }
      if (Array.isArray(current)) {
        current.push(...structuredClone(current));
        return root;
      }
      return put([current, structuredClone(current)]);
    case 'delete':
      if (key === undefined) return {};
      if (Array.isArray(parent) && typeof key === 'number') parent.splice(key, 1);
      else if (isObject(parent) && typeof key === 'string') delete parent[key];
      return root;
  }
};

const SPECIAL_STRINGS = [
  '',
  ' ',
  '2026-06-10T09:00:05',
  '2026-06-10T09:00:05Z',
  '2026-06-10T09:00:05.1234567891+08:00',
  '2026-06-10T24:00Z',
  '2026-06-10T09:00+24:00',
  '2026-02-30',
  '2026-02-30T00:00Z',
  '2026-06',
  '2026-13',
  '0000-01-01T00:00Z',
  '9999-12-31T23:59:59.999999999-23:59',
  '9999-12-01',
  '0000-02-29',
  '4.1',
  '4.2',
  '300.001',
  '300.00',
  '999999999999.99',
  '-1',
  '1e3',
  'acc-1',
  'ord-1',
  'publish',
  'platform',
  'ticket',
  'Asia/Shanghai',
  'Mars/Base',
  'Etc/GMT+14',
  '\u0000',
  'a\nb',
  '\u2028',
  '__proto__',
  'constructor',
  'x'.repeat(200),
];
const SPECIAL_NUMBERS = [0, -0, 1, -1, 1.5, 0.5, 120, 121, 1e21, -1e21, Number.MAX_SAFE_INTEGER, 1e308, 5e-324];
const KNOWN_KEYS = [
  'orders',
  'probes',
  'maintenance',
  'exclusions',
  'claims',
  'policy',
  'calendar',
  'months',
  'accountId',
  'orderId',
  'startDate',
  'cashPaid',
  'currency',
  'function',
  'at',
  'ok',
  'cause',
  'id',
  'announcedAt',
  'start',
  'end',
  'accountIds',
  'clause',
  'reason',
  'filedAt',
  'channel',
  'month',
  'timeZone',
  'holidays',
  'workdays',
  '__proto__',
];
const jsonValueArb: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }).map((v) => v as Json),
  fc.string({ unit: 'binary-ascii', maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.constantFrom(...SPECIAL_STRINGS),
  fc.constantFrom(...SPECIAL_NUMBERS),
  fc.double(),
  fc.constant(null),
  fc.boolean(),
);
/** field names no scenario knows, some that are hard to print on one line */
const ODD_KEYS = ['note\nto self', 'x\r', '\u2028', '', ' ', 'orders ', 'Orders', 'constructor', 'toString'];
const keyArb = fc.oneof(
  fc.constantFrom(...KNOWN_KEYS),
  fc.constantFrom(...ODD_KEYS),
  fc.string({ unit: 'binary-ascii', maxLength: 8 }),
);
const atArb = fc.nat();
const treeMutationArb: fc.Arbitrary<TreeMutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: atArb }),
  fc.record({ kind: fc.constant('replace' as const), at: atArb, value: jsonValueArb }),
  fc.record({ kind: fc.constant('swapType' as const), at: atArb }),
  fc.record({ kind: fc.constant('duplicate' as const), at: atArb }),
  fc.record({ kind: fc.constant('addKey' as const), at: atArb, key: keyArb, value: jsonValueArb }),
);

// ---------------------------------------------------------------------------------------------
// Mutations of the text

type TextMutation =
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'insert'; readonly at: number; readonly text: string }
  | { readonly kind: 'remove'; readonly at: number; readonly length: number }
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | {
      readonly kind: 'dupKey';
      readonly at: number;
      readonly key: string;
      readonly value: string;
      readonly last: boolean;
    };

const indexesOf = (text: string, char: string): number[] => {
  const out: number[] = [];
  for (let i = text.indexOf(char); i >= 0; i = text.indexOf(char, i + 1)) out.push(i);
  return out;
};

const applyText = (text: string, m: TextMutation): string => {
  const at = m.at % (text.length + 1);
  switch (m.kind) {
    case 'truncate':
      return text.slice(0, at);
    case 'insert':
      return text.slice(0, at) + m.text + text.slice(at);
    case 'remove':
      return text.slice(0, at) + text.slice(at + m.length);
    case 'flip': {
      if (at >= text.length) return text;
      return text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) ^ (1 << m.bit)) + text.slice(at + 1);
    }
    case 'dupKey': {
      // a key repeated in one object: before the existing one (it loses) or after it (it wins)
      const braces = indexesOf(text, m.last ? '}' : '{');
      const pos = braces[m.at % Math.max(1, braces.length)];
      if (pos === undefined) return text;
      const member = `${JSON.stringify(m.key)}:${m.value}`;
      return m.last
        ? `${text.slice(0, pos)},${member}${text.slice(pos)}`
        : `${text.slice(0, pos + 1)}${member},${text.slice(pos + 1)}`;
    }
  }
};

const TOKENS = [
  '"',
  ',',
  '{',
  '}',
  '[',
  ']',
  ':',
  '\\',
  '\\u0000',
  '\\ud800',
  '\n',
  'null',
  '1e999',
  '-',
  '\u2028',
  '\ufeff',
  '\t',
];
const valueTextArb = jsonValueArb.map((v) => JSON.stringify(v));
const textMutationArb: fc.Arbitrary<TextMutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: atArb }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: atArb,
    text: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ unit: 'binary', minLength: 1, maxLength: 4 })),
  }),
  fc.record({ kind: fc.constant('remove' as const), at: atArb, length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('flip' as const), at: atArb, bit: fc.integer({ min: 0, max: 6 }) }),
  fc.record({
    kind: fc.constant('dupKey' as const),
    at: atArb,
    key: fc.constantFrom(...KNOWN_KEYS),
    value: valueTextArb,
    last: fc.boolean(),
  }),
);

// ---------------------------------------------------------------------------------------------
// Probe lines: one kept-field set, written in many equivalent ways

const escapeAt = (s: string, i: number): string => {
  if (s.length === 0) return '""';
  const k = i % s.length;
  const hex = s.charCodeAt(k).toString(16).padStart(4, '0');
  return `${JSON.stringify(s.slice(0, k)).slice(0, -1)}\\u${hex}${JSON.stringify(s.slice(k + 1)).slice(1)}`;
};

/** JSON text of a string, with one character written as \uXXXX when `escaped` is a number. */
const stringText = (s: string, escaped: number | null): string =>
  escaped === null ? JSON.stringify(s) : escapeAt(s, escaped);

const formatInstant = (ms: number, offsetMinutes: number, precision: number, zulu: boolean): string => {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString(); // YYYY-MM-DDThh:mm:ss.sssZ
  const clock = [local.slice(0, 16), local.slice(0, 19), local.slice(0, 23), `${local.slice(0, 23)}123456`][precision];
  if (offsetMinutes === 0 && zulu) return `${clock}Z`;
  const abs = Math.abs(offsetMinutes);
  return `${clock}${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
};

const HOT = Date.UTC(2026, 5, 10, 1, 0); // 2026-06-10T09:00+08:00
const instantTextArb = fc
  .record({
    ms: fc.oneof(
      fc.integer({ min: Date.UTC(2026, 4, 30), max: Date.UTC(2026, 7, 2) }),
      fc.integer({ min: HOT - 15 * 60_000, max: HOT + 15 * 60_000 }),
    ),
    offset: fc.constantFrom(0, 480, -300, 345, 840, -720, 330),
    precision: fc.integer({ min: 0, max: 3 }),
    zulu: fc.boolean(),
  })
  .map(({ ms, offset, precision, zulu }) => formatInstant(ms, offset, precision, zulu));

const EXTRA_KEYS = [
  'deviceModel',
  'idfa',
  'location',
  'carrier',
  'clipboard',
  'mcc',
  'webviewUA',
  'accountid',
  'OK',
  'At',
  'cause ',
  '',
  '__proto__',
  'constructor',
  'ключ',
];
const extraKeyArb = fc
  .oneof(fc.constantFrom(...EXTRA_KEYS), fc.string({ unit: 'binary', maxLength: 6 }))
  .filter((k) => !KEPT.has(k));
const DEEP = (n: number): string => `${'['.repeat(n)}${']'.repeat(n)}`;
const extraValueTextArb = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.string({ unit: 'binary', maxLength: 10 }).map((s) => JSON.stringify(s)),
  fc.constantFrom(
    '1e400',
    '-1e-400',
    '123456789012345678901234567890',
    '-0',
    '0.5e-10',
    '1E+2',
    '[]',
    '{}',
    '""',
    '"\\u0000\\ud800\\uDFFF"',
    '"\\"\\\\\\/\\b\\f\\n\\r\\t"',
    DEEP(20),
    DEEP(40),
    '{"accountId":"acc-2","at":"not a time","ok":"no","nested":{"cause":"x"}}',
    '[{"a":[1,{"b":null}]},true,false,null]',
    '"2026-06-10T09:00Z"',
  ),
);

interface LineSpec {
  /** [key text, value text], in line order */
  readonly members: readonly (readonly [string, string])[];
  readonly ws: string;
  readonly lead: string;
  readonly trail: string;
  readonly crlf: boolean;
}

const renderLine = (spec: LineSpec): string =>
  `${spec.lead}{${spec.members.map(([k, v]) => `${spec.ws}${k}${spec.ws}:${spec.ws}${v}${spec.ws}`).join(',')}}${spec.trail}${spec.crlf ? '\r' : ''}`;

const wsArb = fc.constantFrom('', '', '', ' ', '\t', '  ', ' \r ');

/** A line that is a valid probe, written in one of many equivalent ways. */
const validLineArb: fc.Arbitrary<LineSpec> = fc
  .record({
    accountId: fc.constantFrom('acc-1', 'acc-2', 'acc-9', 'acc:3@x.y'),
    fn: fc.constantFrom(...FUNCTIONS),
    at: instantTextArb,
    ok: fc.boolean(),
    cause: fc.option(fc.constantFrom(...CAUSES)),
    extras: fc.array(fc.tuple(extraKeyArb, extraValueTextArb), { maxLength: 4 }),
    /** repeat one extra field in the line */
    repeatExtra: fc.option(fc.nat()),
    /** an earlier member with a kept field's name and a junk value, overridden by the real one */
    junk: fc.option(fc.tuple(fc.nat(), valueTextArb)),
    keyEscape: fc.option(fc.tuple(fc.nat(), fc.nat())),
    valueEscape: fc.option(fc.tuple(fc.nat(), fc.nat())),
    order: fc.array(fc.double({ noNaN: true }), { minLength: 12, maxLength: 12 }),
    ws: wsArb,
    lead: wsArb,
    trail: wsArb,
    crlf: fc.boolean(),
  })
  .map((r) => {
    const kept: [string, string | boolean][] = [
      ['accountId', r.accountId],
      ['function', r.fn],
      ['at', r.at],
      ['ok', r.ok],
    ];
    if (r.cause !== null) kept.push(['cause', r.cause]);
    const keyEscaped = r.keyEscape ? r.keyEscape[0] % kept.length : -1;
    const valueEscaped = r.valueEscape ? r.valueEscape[0] % kept.length : -1;
    let members: (readonly [string, string])[] = [
      ...kept.map(([k, v], i): readonly [string, string] => [
        stringText(k, i === keyEscaped ? (r.keyEscape?.[1] ?? 0) : null),
        typeof v === 'boolean' ? String(v) : stringText(v, i === valueEscaped ? (r.valueEscape?.[1] ?? 0) : null),
      ]),
      ...r.extras.map(([k, v]): readonly [string, string] => [JSON.stringify(k), v]),
    ];
    const weights = r.order;
    members = members
      .map((m, i) => ({ m, w: weights[i % weights.length] ?? 0 }))
      .sort((a, b) => a.w - b.w)
      .map(({ m }) => m);
    if (r.repeatExtra !== null && r.extras.length > 0) {
      const [k, v] = r.extras[r.repeatExtra % r.extras.length] ?? ['', 'null'];
      members.splice(r.repeatExtra % (members.length + 1), 0, [JSON.stringify(k), v]);
    }
    if (r.junk !== null) {
      const [name] = kept[r.junk[0] % kept.length] ?? ['accountId'];
      const first = members.findIndex(([k]) => JSON.parse(k) === name);
      members.splice(Math.max(0, first), 0, [JSON.stringify(name), r.junk[1]]);
    }
    return { members, ws: r.ws, lead: r.lead, trail: r.trail, crlf: r.crlf };
  });

// ---------------------------------------------------------------------------------------------
// NDJSON files: valid, bent and junk lines, then byte mutations

type ByteMutation =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'remove'; readonly at: number; readonly length: number };

const applyBytes = (buf: Buffer, m: ByteMutation): Buffer => {
  const at = m.at % (buf.length + 1);
  switch (m.kind) {
    case 'flip': {
      if (at >= buf.length) return buf;
      const copy = Buffer.from(buf);
      copy[at] = (copy[at] ?? 0) ^ (1 << m.bit);
      return copy;
    }
    case 'truncate':
      return buf.subarray(0, at);
    case 'insert':
      return Buffer.concat([buf.subarray(0, at), m.bytes, buf.subarray(at)]);
    case 'remove':
      return Buffer.concat([buf.subarray(0, at), buf.subarray(at + m.length)]);
  }
};

const byteMutationArb: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: atArb, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: atArb }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: atArb,
    bytes: fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 4 }),
      fc.constantFrom(...TOKENS).map((t) => new Uint8Array(Buffer.from(t))),
    ),
  }),
  fc.record({ kind: fc.constant('remove' as const), at: atArb, length: fc.integer({ min: 1, max: 12 }) }),
);

/** A valid line with one member's value replaced by any JSON text. */
const bentLineArb = fc.tuple(validLineArb, fc.nat(), valueTextArb).map(([spec, n, value]) =>
  renderLine({
    ...spec,
    members: spec.members.map((m, i) => (i === n % spec.members.length ? [m[0], value] : m)),
  }),
);
const lineArb = fc.oneof(
  { weight: 12, arbitrary: validLineArb.map(renderLine) },
  { weight: 2, arbitrary: bentLineArb },
  { weight: 1, arbitrary: valueTextArb },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }).map((s) => s.replace(/\n/g, ' ')) },
  { weight: 1, arbitrary: fc.constantFrom('', '   ', '\r', '{}', '[]', 'null', '{"accountId":"acc-1"}') },
);

// A valid base for probe files: two accounts, windows that cover some of the hot minutes.
const PROBE_BASE: JsonObject = {
  orders: [
    { accountId: 'acc-1', orderId: 'o-1', startDate: '2026-06-01', months: 2, cashPaid: '600.00' },
    { accountId: 'acc-2', orderId: 'o-2', startDate: '2026-06-15', months: 1, cashPaid: '300.00' },
    { accountId: 'acc:3@x.y', orderId: 'o-3', startDate: '2026-06-10', months: 1, cashPaid: '100.00' },
  ],
  maintenance: [
    {
      id: 'mw-1',
      announcedAt: '2026-06-01T00:00:00+08:00',
      start: '2026-06-10T08:55:00+08:00',
      end: '2026-06-10T09:03:30+08:00',
      accountIds: ['acc-1'],
    },
  ],
  exclusions: [
    {
      id: 'ex-1',
      clause: '4.3',
      start: '2026-06-10T09:05:00+08:00',
      end: '2026-06-10T09:08:00+08:00',
      reason: 'attack on the customer app',
    },
  ],
  claims: [
    { accountId: 'acc-1', orderId: 'o-1', month: '2026-06', filedAt: '2026-07-15T10:00:00+08:00', channel: 'ticket' },
  ],
};

// ---------------------------------------------------------------------------------------------

describe('fuzz: sla evaluate never crashes', () => {
  const dir = tempDir();

  it('on mutated scenarios (contract examples and small generated ones)', async () => {
    await fc.assert(
      fc.asyncProperty(
        baseArb,
        fc.array(treeMutationArb, { maxLength: 4 }),
        // most runs stay well-formed JSON, so that the checks behind the parser are fuzzed too
        fc.oneof(
          { weight: 3, arbitrary: fc.constant([]) },
          { weight: 2, arbitrary: fc.array(textMutationArb, { minLength: 1, maxLength: 2 }) },
        ),
        fc.constantFrom(0, 0, 1),
        async (base, tree, text, indent) => {
          // arrange
          let doc = docOf(base);
          for (const m of tree) doc = applyTree(doc, m);
          let source = JSON.stringify(doc, null, indent);
          for (const m of text) source = applyText(source, m);
          // act
          const run = await runMain(['evaluate', '--input', '-'], { stdin: source });
          // assert
          expectSane(run);
        },
      ),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('on mutated probe NDJSON files', async () => {
    const first = join(dir, 'first.ndjson');
    const second = join(dir, 'second.ndjson');
    const baseText = JSON.stringify(PROBE_BASE);
    await fc.assert(
      fc.asyncProperty(
        fc.array(lineArb, { maxLength: 12 }),
        fc.oneof(fc.constant([]), fc.array(byteMutationArb, { minLength: 1, maxLength: 3 })),
        fc.boolean(),
        fc.constantFrom('none', 'other', 'same'),
        fc.array(lineArb, { maxLength: 4 }),
        async (lines, mutations, finalNewline, secondFile, secondLines) => {
          // arrange
          let bytes: Buffer = Buffer.from(`${lines.join('\n')}${finalNewline ? '\n' : ''}`);
          for (const m of mutations) bytes = applyBytes(bytes, m);
          writeFileSync(first, bytes);
          writeFileSync(second, secondLines.join('\r\n'));
          const args = ['evaluate', '--input', '-', '--probes', first];
          if (secondFile === 'other') args.push('--probes', second);
          if (secondFile === 'same') args.push('--probes', first);
          // act
          const run = await runMain(args, { stdin: baseText });
          // assert
          expectSane(run);
        },
      ),
      { seed: SEED + 1, numRuns: 400 },
    );
  });
});

describe('differential: --probes NDJSON (byte fast path) = scenario probes (JSON.parse)', () => {
  const dir = tempDir();
  const file = join(dir, 'probes.ndjson');
  const baseText = JSON.stringify(PROBE_BASE);

  /** Runs both ways and compares the reports. */
  const compare = async (lines: readonly string[], blankLines: readonly string[] = []): Promise<void> => {
    // arrange
    const ndjson = [...lines];
    blankLines.forEach((blank, i) => {
      ndjson.splice((i * 7) % (ndjson.length + 1), 0, blank);
    });
    writeFileSync(file, ndjson.join('\n'));
    const inScenario = `${baseText.slice(0, -1)},"probes":[${lines.join(',\n')}]}`;
    // act
    const viaFile = await runMain(['evaluate', '--input', '-', '--probes', file], { stdin: baseText });
    const viaScenario = await runMain(['evaluate', '--input', '-'], { stdin: inScenario });
    // assert
    expect(viaScenario.stderr).toBe('');
    expect(viaFile.stderr).toBe('');
    expect(viaScenario.status).toBe(0);
    expect(viaFile.status).toBe(0);
    expect(JSON.parse(viaFile.stdout)).toEqual(JSON.parse(viaScenario.stdout));
  };

  const core = '"function":"publish","at":"2026-06-10T09:00:05+08:00","ok":false';
  const tricky: readonly { readonly name: string; readonly lines: readonly string[] }[] = [
    { name: 'an escaped key', lines: [`{"\\u0061ccountId":"acc-1",${core}}`] },
    { name: 'an escaped value', lines: [`{"accountId":"\\u0061cc-1",${core}}`] },
    { name: 'a kept field twice (the last wins)', lines: [`{"accountId":"acc-2","accountId":"acc-1",${core}}`] },
    { name: 'ok twice', lines: [`{"accountId":"acc-1",${core},"ok":true}`] },
    {
      name: 'nested extras and a huge number',
      lines: [`{"accountId":"acc-1",${core},"deviceModel":"X1","idfa":{"v":[1,2,{"x":null}]},"n":1e400}`],
    },
    { name: 'an extra field twice', lines: [`{"accountId":"acc-1",${core},"deviceModel":"X1","deviceModel":"X2"}`] },
    { name: 'a __proto__ field', lines: [`{"accountId":"acc-1",${core},"__proto__":{"ok":true}}`] },
    { name: 'whitespace and CR', lines: [`\t{ "accountId" : "acc-1" , ${core} }  \r`] },
    { name: 'nesting deeper than 32', lines: [`{"accountId":"acc-1",${core},"deep":${DEEP(40)}}`] },
    {
      name: 'numbers beyond double range',
      lines: [`{"accountId":"acc-1",${core},"big":123456789012345678901234567890,"tiny":-1e-400}`],
    },
    {
      name: 'an unknown account and a probe outside every period',
      lines: [
        `{"accountId":"acc-9",${core}}`,
        `{"accountId":"acc-1","function":"manage","at":"2026-09-01T00:00Z","ok":true}`,
      ],
    },
  ];

  it.each(tricky)('on a hand-written line: $name', async ({ lines }) => {
    await compare(lines, ['', '  \r']);
  });

  it('on generated valid lines', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(validLineArb.map(renderLine), { minLength: 1, maxLength: 16 }),
        fc.array(fc.constantFrom('', ' ', '\t', '\r'), { maxLength: 2 }),
        async (lines, blanks) => {
          await compare(lines, blanks);
        },
      ),
      { seed: SEED + 2, numRuns: 300 },
    );
  });
});
