// Parsing and validating an `sla evaluate` scenario (contracts/scenario.schema.json).
//
// Every problem is reported with its path (`orders[2].cashPaid`) and what is wrong; nothing is
// evaluated while any problem remains. zod checks the shape; the checks it cannot express
// (instants with offsets, calendar dates, money with 2 places, overlapping orders, windows that
// end before they start) are made here, with the same paths.

import { IANAZone } from 'luxon';
import { z } from 'zod';
import { BusinessCalendar } from '#domain/business-calendar.ts';
import type { Maintenance, OperatorExclusion } from '#domain/exclusions.ts';
import { parseMoney } from '#domain/fees.ts';
import { checkLocalDate, checkMonth, compareInstants, type Instant, parseInstant } from '#domain/instant.ts';
import { jsonSyntaxProblem } from '#domain/json-problem.ts';
import { type Clause, checkId, type ProbeFact, validateProbe } from '#domain/probe.ts';
import { type Order, servicePeriod } from '#domain/service-months.ts';

export interface InputProblem {
  readonly path: string;
  readonly message: string;
}

export interface Policy {
  readonly timeZone: string;
  readonly maintenanceMinNoticeHours: number;
  readonly strictCalendar: boolean;
}

export interface ScenarioClaim {
  /** the claim's own fields, as given, echoed in the report */
  readonly fields: Readonly<Record<string, string>>;
  readonly accountId?: string | undefined;
  readonly orderId?: string | undefined;
  readonly month?: string | undefined;
  readonly filedAt: Instant;
  readonly channel: string;
}

export interface Scenario {
  readonly policy: Policy;
  readonly calendar: BusinessCalendar;
  /** report only these calendar months; null: all */
  readonly months: ReadonlySet<string> | null;
  readonly orders: readonly Order[];
  readonly maintenance: readonly Maintenance[];
  readonly exclusions: readonly OperatorExclusion[];
  readonly claims: readonly ScenarioClaim[];
  readonly probes: readonly ProbeFact[];
}

export const DEFAULT_POLICY: Policy = {
  timeZone: 'Asia/Shanghai',
  maintenanceMinNoticeHours: 0,
  strictCalendar: false,
};

// Strings are checked by the domain parsers, inside the schema, so that every problem of a
// document is reported in one pass with its path.
const checked = (check: (value: string) => string | null) =>
  z.string().superRefine((value, ctx) => {
    const problem = check(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
const id = checked(checkId);
const date = checked(checkLocalDate);
const month = checked(checkMonth);
const instant = checked((v) => {
  const parsed = parseInstant(v);
  return typeof parsed === 'string' ? parsed : null;
});
const money = checked((v) => {
  const parsed = parseMoney(v);
  return typeof parsed === 'string' ? parsed : null;
});
const idList = z.array(id);
const probe = z.unknown().superRefine((value, ctx) => {
  const fact = validateProbe(value);
  if (Array.isArray(fact)) {
    for (const p of fact) ctx.addIssue({ code: 'custom', message: p.message, path: p.field ? [p.field] : [] });
  }
});
const clause = z.enum(['4.2', '4.3', '4.4', '4.5', '4.6', '4.7', '4.8', '4.9']);

const schema = z.strictObject({
  policy: z
    .strictObject({
      timeZone: z.string().optional(),
      maintenanceMinNoticeHours: z.number().min(0).optional(),
      strictCalendar: z.boolean().optional(),
    })
    .optional(),
  calendar: z.strictObject({ holidays: z.array(date).optional(), workdays: z.array(date).optional() }).optional(),
  months: z.array(month).optional(),
  orders: z.array(
    z.strictObject({
      accountId: id,
      orderId: id,
      startDate: date,
      months: z.number().int().min(1).max(120),
      cashPaid: money,
      currency: z
        .string()
        .regex(/^[A-Z]{3}$/)
        .optional(),
    }),
  ),
  probes: z.array(probe).optional(),
  maintenance: z
    .array(
      z.strictObject({
        id,
        announcedAt: instant,
        start: instant,
        end: instant,
        accountIds: idList.optional(),
        description: z.string().optional(),
      }),
    )
    .optional(),
  exclusions: z
    .array(
      z.strictObject({
        id,
        clause,
        start: instant,
        end: instant,
        accountIds: idList.optional(),
        reason: z.string().trim().min(1),
      }),
    )
    .optional(),
  claims: z
    .array(
      z.strictObject({
        accountId: id.optional(),
        orderId: id.optional(),
        month: month.optional(),
        filedAt: instant,
        channel: z.string(),
      }),
    )
    .optional(),
});

type RawScenario = z.infer<typeof schema>;

export const formatPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>(
    (out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)),
    '',
  );

const describeIssue = (issue: z.core.$ZodIssue): InputProblem[] => {
  const path = formatPath(issue.path);
  switch (issue.code) {
    case 'invalid_type':
      return [
        {
          path,
          message:
            issue.input === undefined
              ? 'is required'
              : issue.expected === 'int'
                ? 'must be a whole number'
                : `must be ${issue.expected === 'object' ? 'an object' : issue.expected === 'array' ? 'an array' : `a ${issue.expected}`}`,
        },
      ];
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: 'is not a known field' }));
    case 'invalid_value':
      return [{ path, message: `must be one of ${issue.values.map(String).join(', ')}` }];
    case 'too_small':
      return [
        {
          path,
          message: issue.origin === 'string' ? 'must not be empty' : `must be at least ${String(issue.minimum)}`,
        },
      ];
    case 'too_big':
      return [{ path, message: `must be at most ${String(issue.maximum)}` }];
    case 'invalid_format':
      return [{ path, message: path.endsWith('currency') ? 'must be a 3-letter currency code' : issue.message }];
    default:
      return [{ path, message: issue.message }];
  }
};

/** Parses a scenario document; returns either the scenario or every problem found. */
export const parseScenario = (
  source: string,
  sourceName = 'input',
): { scenario: Scenario; problems?: undefined } | { scenario?: undefined; problems: InputProblem[] } => {
  let data: unknown;
  try {
    data = JSON.parse(source);
  } catch (e) {
    return { problems: [{ path: sourceName, message: `malformed JSON (${jsonSyntaxProblem(e)})` }] };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { problems: [{ path: sourceName, message: 'must be a JSON object (a scenario)' }] };
  }
  const shape = schema.safeParse(data, { reportInput: true });
  if (!shape.success) return { problems: shape.error.issues.flatMap(describeIssue) };
  return checkScenario(shape.data);
};

/** Parses a value the schema has already checked. */
const valid = <T>(parsed: T | string): T => {
  if (typeof parsed === 'string') throw new Error(`unchecked value: ${parsed}`);
  return parsed;
};

/** The checks across fields, made once every field is well formed. */
const checkScenario = (
  raw: RawScenario,
): { scenario: Scenario; problems?: undefined } | { scenario?: undefined; problems: InputProblem[] } => {
  const problems: InputProblem[] = [];
  const problem = (path: string, message: string): void => {
    problems.push({ path, message });
  };

  const policy: Policy = { ...DEFAULT_POLICY, ...raw.policy };
  if (!IANAZone.isValidZone(policy.timeZone))
    problem('policy.timeZone', `"${policy.timeZone}" is not an IANA time zone`);

  const holidays = raw.calendar?.holidays ?? [];
  const workdays = raw.calendar?.workdays ?? [];
  workdays.forEach((d, i) => {
    if (holidays.includes(d)) problem(`calendar.workdays[${i}]`, `${d} is also listed as a holiday`);
  });

  const orders: Order[] = raw.orders.map((o) => ({ ...o, cashPaidFen: valid(parseMoney(o.cashPaid)) }));
  if (problems.length === 0) checkOrders(orders, policy.timeZone, problem);

  const window = (path: string, w: { start: string; end: string }) => {
    const start = valid(parseInstant(w.start));
    const end = valid(parseInstant(w.end));
    if (compareInstants(end, start) <= 0) problem(`${path}.end`, 'must be after start');
    return { start, end };
  };
  const maintenance: Maintenance[] = (raw.maintenance ?? []).map((m, i) => ({
    id: m.id,
    announcedAt: valid(parseInstant(m.announcedAt)),
    ...window(`maintenance[${i}]`, m),
    accountIds: m.accountIds,
  }));
  checkUniqueIds('maintenance', maintenance, problem);
  const exclusions: OperatorExclusion[] = (raw.exclusions ?? []).map((e, i) => ({
    id: e.id,
    clause: e.clause as Clause,
    reason: e.reason,
    ...window(`exclusions[${i}]`, e),
    accountIds: e.accountIds,
  }));
  checkUniqueIds('exclusions', exclusions, problem);

  const claims: ScenarioClaim[] = (raw.claims ?? []).map((c) => {
    const fields: Record<string, string> = {};
    for (const key of ['accountId', 'orderId', 'month', 'filedAt', 'channel'] as const) {
      const value = c[key];
      if (value !== undefined) fields[key] = value;
    }
    return { ...c, fields, filedAt: valid(parseInstant(c.filedAt)) };
  });

  const probes = (raw.probes ?? []).map((p) => {
    const fact = validateProbe(p);
    if (Array.isArray(fact)) throw new Error('unchecked probe');
    return fact;
  });

  if (problems.length > 0) return { problems };
  return {
    scenario: {
      policy,
      calendar: new BusinessCalendar({ holidays, workdays }, policy.strictCalendar),
      months: raw.months ? new Set(raw.months) : null,
      orders,
      maintenance,
      exclusions,
      claims,
      probes,
    },
  };
};

/** Two orders with the same ids, or two orders of one account whose periods overlap, are data errors (R2). */
const checkOrders = (
  orders: readonly Order[],
  zone: string,
  problem: (path: string, message: string) => void,
): void => {
  const byAccount = new Map<string, { index: number; order: Order; start: number; end: number; lastDay: string }[]>();
  const seen = new Map<string, number>();
  orders.forEach((order, index) => {
    const key = `${order.accountId}/${order.orderId}`;
    const first = seen.get(key);
    if (first !== undefined) problem(`orders[${index}].orderId`, `repeats orders[${first}] (${key})`);
    else seen.set(key, index);
    const period = servicePeriod(order, zone);
    const list = byAccount.get(order.accountId) ?? [];
    list.push({ index, order, start: period.startMinute, end: period.endMinute, lastDay: period.lastDay });
    byAccount.set(order.accountId, list);
  });
  for (const list of byAccount.values()) {
    list.sort((a, b) => a.start - b.start || a.index - b.index);
    let latest = list[0];
    for (const cur of list.slice(1)) {
      if (latest && cur.start < latest.end) {
        const [early, late] = latest.index < cur.index ? [latest, cur] : [cur, latest];
        problem(
          `orders[${late.index}]`,
          `overlaps orders[${early.index}] of account ${cur.order.accountId} (${early.order.orderId}: ${early.order.startDate}..${early.lastDay}, ${late.order.orderId}: ${late.order.startDate}..${late.lastDay})`,
        );
      }
      if (!latest || cur.end > latest.end) latest = cur;
    }
  }
};

const checkUniqueIds = (
  list: string,
  windows: readonly { id: string }[],
  problem: (path: string, message: string) => void,
): void => {
  const seen = new Map<string, number>();
  windows.forEach((w, i) => {
    const first = seen.get(w.id);
    if (first !== undefined) problem(`${list}[${i}].id`, `repeats ${list}[${first}].id "${w.id}"`);
    else seen.set(w.id, i);
  });
};
