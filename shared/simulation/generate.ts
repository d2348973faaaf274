// A simulated service month for the embedded local run (`npm start`), deterministic from a seed:
// accounts with realistic orders, maintenance and exclusion windows, claims, and the probe feed
// with scripted incidents. The orders, windows and claims are a scenario of the `sla evaluate`
// contract (contracts/scenario.schema.json); the probe results are its NDJSON lines, grouped by
// the hourly feed window in which the probe system *received* them.
//
// Every account plays a role in a cycle of eight, so even 8 accounts show every case:
//
//   role              order shape         what happens in its service month
//   met               full month          a few short platform outages, within 99.9 %
//   tier-10           full month          outages (and the maintenance announced too late) → 10 %
//   tier-25           starts mid-month    a long outage → 25 % of a partial month's fee
//   tier-100          renewal             days down in the renewed order's part → 100 %
//   customer-caused   ends mid-month      failures from leaked credentials (§4.4) and misoperation (§4.5)
//   attack            full month          platform failures during a DDoS the operator excludes (§4.3)
//   probe-gap         full month          4 days without a single result: a coverage gap
//   at-the-limit      ends mid-month      exactly ⌊T/1000⌋ unavailable minutes (met); ⌊T/1000⌋+1 on odd cycles
//
// and, for everyone: a maintenance announced 3 days ahead (its failures excluded, §4.1), a
// prober gap of half an hour, results that arrive one window late, a feed window that is not
// ready when first asked, results before activation and after an order's end (ignored), and one
// account-day of results carrying end-user fields (dropped unread and counted, R12). Later cycles
// rotate the order shapes (monthly or annual orders, renewals, partial months, other fees).
//
// Cadence: one result per account-minute, the four functions in turn (CADENCE below). Production
// probes all four every minute; the minute facts are the same here (every scripted failure hits
// all four functions), at a quarter of the lines.

import { DateTime } from 'luxon';
import { BusinessCalendar } from '#domain/business-calendar.ts';
import { claimWindowFor } from '#domain/claim-window.ts';
import { formatMoney } from '#domain/fees.ts';
import { MINUTES_PER_DAY, MS_PER_MINUTE } from '#domain/instant.ts';
import { PROBE_FUNCTIONS } from '#domain/probe.ts';
import { seededRandom } from '../random.ts';

/** The simulation's policy zone (no daylight saving: every local stamp is +08:00). */
export const SIMULATION_ZONE = 'Asia/Shanghai';
const OFFSET = '+08:00';

export const CADENCE =
  'one probe result per account-minute, the four functions in turn (production: all four each minute — 4× the lines, the same minute facts)';

/** The probe feed's windows (functions/ingest-probe-feed.ts: FEED_WINDOW_MINUTES). */
export const FEED_WINDOW_MINUTES = 60;

export const ROLES = [
  'met',
  'tier-10',
  'tier-25',
  'tier-100',
  'customer-caused',
  'attack',
  'probe-gap',
  'at-the-limit',
] as const;
export type Role = (typeof ROLES)[number];

export const ORDER_SHAPES = ['full', 'starts-mid-month', 'ends-mid-month', 'renewal'] as const;
export type OrderShape = (typeof ORDER_SHAPES)[number];

/** Each role's order shape in the first cycle; later cycles rotate it. */
const FIRST_SHAPE: Record<Role, OrderShape> = {
  met: 'full',
  'tier-10': 'full',
  'tier-25': 'starts-mid-month',
  'tier-100': 'renewal',
  'customer-caused': 'ends-mid-month',
  attack: 'full',
  'probe-gap': 'full',
  'at-the-limit': 'ends-mid-month',
};

export interface SimulationOptions {
  /** the calendar month simulated, `YYYY-MM` */
  readonly month: string;
  readonly accounts: number;
  readonly seed: number;
}

// The scenario's documents (contracts/scenario.schema.json), as the registry stores them too.
export interface OrderDoc {
  readonly accountId: string;
  readonly orderId: string;
  readonly startDate: string;
  readonly months: number;
  readonly cashPaid: string;
}
export interface MaintenanceDoc {
  readonly id: string;
  readonly announcedAt: string;
  readonly start: string;
  readonly end: string;
  readonly accountIds?: string[];
  readonly description: string;
}
export interface ExclusionDoc {
  readonly id: string;
  readonly clause: string;
  readonly start: string;
  readonly end: string;
  readonly reason: string;
  readonly accountIds?: string[];
}
export interface ClaimDoc {
  readonly accountId: string;
  readonly orderId?: string;
  readonly month: string;
  readonly filedAt: string;
  readonly channel: string;
}
export interface ScenarioDoc {
  /** only the simulated month is reported: the orders' other months have no probes here */
  readonly months: string[];
  readonly orders: OrderDoc[];
  readonly maintenance: MaintenanceDoc[];
  readonly exclusions: ExclusionDoc[];
  readonly claims: ClaimDoc[];
}

export interface SimulatedAccount {
  readonly accountId: string;
  readonly role: Role;
  readonly shape: OrderShape;
  /** where the built-in prober would reach the account's four functions */
  readonly baseUrl: string;
  readonly email: string;
  readonly language: 'zh-CN' | 'en';
  /** the tier its scripted incidents are meant to give the service month they hit (the report decides) */
  readonly intendedPercent: 0 | 10 | 25 | 100;
}

export type IncidentKind =
  | 'platform-outage'
  | 'maintenance-in-time'
  | 'maintenance-too-late'
  | 'credentials-failures'
  | 'customer-failures'
  | 'attack'
  | 'probe-gap'
  | 'prober-gap'
  | 'late-results'
  | 'feed-not-ready'
  | 'personal-data-fields';

export interface Incident {
  readonly kind: IncidentKind;
  /** empty: every account */
  readonly accountIds: readonly string[];
  readonly start: string;
  readonly end: string;
  readonly minutes: number;
  readonly note: string;
}

export interface ProbeFeed {
  /** epoch minute where the first window starts (the month's first local midnight) */
  readonly firstMinute: number;
  readonly windowMinutes: number;
  /** windows served: the month's hours and one more (results that arrived late) */
  readonly windows: number;
  /** windows the feed answers 503 (not ready) the first time they are asked for */
  readonly notReadyOnce: ReadonlySet<number>;
  /** NDJSON of the results received in window `w`; `count` gets the number of lines */
  body(w: number): { readonly text: string; readonly lines: number };
}

export interface Simulation {
  readonly options: SimulationOptions;
  readonly timeZone: string;
  readonly cadence: string;
  /** first epoch minute of the month (local midnight) and its length */
  readonly monthStartMinute: number;
  readonly monthMinutes: number;
  readonly accounts: readonly SimulatedAccount[];
  readonly scenario: ScenarioDoc;
  readonly incidents: readonly Incident[];
  readonly feed: ProbeFeed;
  /** the claim window of the month's service months that missed (R9: it depends only on the month) */
  readonly claimWindow: { readonly opensOn: string; readonly closesOn: string };
}

// Minute codes of an account's plan.
const NONE = 0;
const OK = 1;
const PLATFORM = 2;
const CREDENTIALS = 3;
const CUSTOMER = 4;
const FAILURE_TEXT = [
  '',
  '',
  '"ok":false,"cause":"platform"',
  '"ok":false,"cause":"credentials"',
  '"ok":false,"cause":"customer"',
];

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** The month's minutes as local stamps `YYYY-MM-DDTHH:MM` (the zone has no DST). */
const stampOf = (epochMinute: number): string => {
  const local = new Date(epochMinute * MS_PER_MINUTE + 8 * 3_600_000);
  return `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}`;
};

export const instantOf = (epochMinute: number): string => `${stampOf(epochMinute)}:00${OFFSET}`;

interface Segment {
  /** month minutes [from, to) of one service month inside the simulated month */
  readonly from: number;
  readonly to: number;
  readonly orderId: string;
}

interface AccountPlan {
  readonly account: SimulatedAccount;
  readonly codes: Uint8Array;
  /** minutes already scripted (incidents keep apart) */
  readonly busy: Uint8Array;
  readonly segments: readonly Segment[];
  /** the service month the role's incidents hit */
  readonly target: Segment;
}

export const generateSimulation = (options: SimulationOptions): Simulation => {
  const random = seededRandom(options.seed);
  const between = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

  const zone = SIMULATION_ZONE;
  const first = DateTime.fromISO(`${options.month}-01`, { zone }).startOf('day');
  const days = first.daysInMonth ?? 30;
  const monthMinutes = days * MINUTES_PER_DAY;
  const monthStartMinute = Math.floor(first.toMillis() / MS_PER_MINUTE);
  const at = (m: number): string => instantOf(monthStartMinute + m);
  const dayStart = (day: number): number => (day - 1) * MINUTES_PER_DAY;
  const dateOf = (dt: DateTime): string => dt.toISODate() ?? '';
  const monthDay = (day: number): string => `${options.month}-${pad(day)}`;

  // --- global events, chosen first (incidents keep clear of them) -----------------------------
  // a maintenance announced 3 days ahead: the second Sunday, 02:00–03:30
  let sunday = 8;
  while (first.set({ day: sunday }).weekday !== 7) sunday++;
  const inTime = { from: dayStart(sunday) + 120, to: dayStart(sunday) + 210 };
  // one announced only at its start (R5: it must come strictly before): a weekday afternoon
  let lateDay = between(10, 20);
  while (first.set({ day: lateDay }).weekday > 5 || lateDay === sunday) lateDay++;
  const tooLate = { from: dayStart(lateDay) + 14 * 60, to: dayStart(lateDay) + 14 * 60 + 30 };
  // the prober down for everyone for half an hour
  const proberDay = between(3, days - 3);
  const proberGap = {
    from: dayStart(proberDay) + 17 * 60 + 5,
    to: dayStart(proberDay) + 17 * 60 + 5 + between(20, 40),
  };
  // the feed: two bursts of results one window late, one window not ready when first asked
  const lateBursts = [dayStart(5) + 10 * 60 + 55, dayStart(17) + 21 * 60 + 55]; // 5 minutes each
  const notReadyOnce = new Set([(dayStart(9) + 3 * 60) / FEED_WINDOW_MINUTES]);
  const isLate = (m: number): boolean => lateBursts.some((b) => m >= b && m < b + 5);

  // --- accounts and their orders ---------------------------------------------------------------
  const width = Math.max(3, String(options.accounts).length);
  const orders: OrderDoc[] = [];
  const plans: AccountPlan[] = [];
  for (let i = 0; i < options.accounts; i++) {
    const role = ROLES[i % ROLES.length] as Role;
    const cycle = Math.floor(i / ROLES.length);
    const shape = ORDER_SHAPES[(ORDER_SHAPES.indexOf(FIRST_SHAPE[role]) + cycle) % ORDER_SHAPES.length] as OrderShape;
    const number = pad(i + 1, width);
    const accountId = `acc-${number}`;
    // a monthly fee of 800.00–30,000.00 CNY; an annual order pays 10 months for 12
    const monthlyFen = between(800, 30_000) * 100 + pick([0, 0, 50, 99]);
    const cash = (months: number, fen = monthlyFen): string => formatMoney(months === 12 ? fen * 10 : fen * months);
    const segments: Segment[] = [];
    let probeFrom = 0;
    let probeTo = monthMinutes;
    if (shape === 'full') {
      if (random() < 0.5) {
        orders.push({ accountId, orderId: `ord-${number}-m`, startDate: monthDay(1), months: 1, cashPaid: cash(1) });
        segments.push({ from: 0, to: monthMinutes, orderId: `ord-${number}-m` });
      } else {
        const start = first.minus({ months: between(1, 11) }).set({ day: between(2, 28) });
        orders.push({
          accountId,
          orderId: `ord-${number}-y`,
          startDate: dateOf(start),
          months: 12,
          cashPaid: cash(12),
        });
        segments.push({ from: 0, to: monthMinutes, orderId: `ord-${number}-y` });
      }
    } else if (shape === 'starts-mid-month') {
      const day = between(6, 20);
      const months = pick([1, 3, 12]);
      orders.push({
        accountId,
        orderId: `ord-${number}-new`,
        startDate: monthDay(day),
        months,
        cashPaid: cash(months),
      });
      segments.push({ from: dayStart(day), to: monthMinutes, orderId: `ord-${number}-new` });
      probeFrom = dayStart(day - 1); // the prober knew the account a day before its activation
    } else {
      const day = shape === 'renewal' ? between(10, 22) : between(10, 24);
      const months = pick([1, 3, 6, 12]);
      const start = first.minus({ months }).set({ day });
      orders.push({ accountId, orderId: `ord-${number}-a`, startDate: dateOf(start), months, cashPaid: cash(months) });
      segments.push({ from: 0, to: dayStart(day), orderId: `ord-${number}-a` });
      if (shape === 'renewal') {
        // renewed on the day the first order ends, for a year, at a new price
        const renewedFen = Math.round((monthlyFen * pick([90, 110, 125, 150])) / 100);
        orders.push({
          accountId,
          orderId: `ord-${number}-b`,
          startDate: monthDay(day),
          months: 12,
          cashPaid: cash(12, renewedFen),
        });
        segments.push({ from: dayStart(day), to: monthMinutes, orderId: `ord-${number}-b` });
      } else {
        probeTo = dayStart(day + 1); // probed one more day after the service ended
      }
    }
    const target = segments.reduce((a, b) => (b.to - b.from > a.to - a.from ? b : a));
    const codes = new Uint8Array(monthMinutes);
    codes.fill(OK, probeFrom, probeTo);
    const account: SimulatedAccount = {
      accountId,
      role,
      shape,
      baseUrl: `https://${accountId}.tcmpp.example/fn/`,
      email: `ops@${accountId}.customer.example`,
      language: i % 3 === 0 ? 'en' : 'zh-CN',
      intendedPercent: 0,
    };
    plans.push({ account, codes, busy: new Uint8Array(monthMinutes), segments, target });
  }

  // --- incidents --------------------------------------------------------------------------------
  const incidents: Incident[] = [];
  const note = (kind: IncidentKind, accountIds: readonly string[], from: number, to: number, text: string): void => {
    incidents.push({ kind, accountIds, start: at(from), end: at(to), minutes: to - from, note: text });
  };
  const fill = (plan: AccountPlan, from: number, to: number, code: number): void => {
    for (let m = Math.max(from, 0); m < Math.min(to, monthMinutes); m++) {
      if (plan.codes[m] !== NONE) plan.codes[m] = code;
      plan.busy[m] = 1;
    }
  };
  const reserve = (plan: AccountPlan, from: number, to: number): void => {
    plan.busy.fill(1, from, to);
  };
  /**
   * The start of a free stretch of `length` minutes in the target service month, a minute apart
   * from anything scripted: a random free interval long enough, a random place in it; -1 if none.
   */
  const place = (plan: AccountPlan, length: number): number => {
    const { from, to } = plan.target;
    const room: [number, number][] = [];
    let m = from;
    while (m < to) {
      while (m < to && plan.busy[m] === 1) m++;
      const start = m;
      while (m < to && plan.busy[m] !== 1) m++;
      // a minute of margin on each side (at the month's edges too: no outage at 00:00 sharp)
      if (m - start - 2 >= length) room.push([start + 1, m - 1 - length]);
    }
    if (room.length === 0) return -1;
    const [lo, hi] = pick(room);
    return between(lo, hi);
  };
  const placed = (plan: AccountPlan, length: number): number => {
    const start = place(plan, length);
    if (start < 0) throw new Error(`simulation: no room for ${length} minutes in ${plan.account.accountId}'s month`);
    return start;
  };
  /** `total` platform minutes in about `parts` outages (a part with no room is split in two). */
  const outages = (plan: AccountPlan, total: number, parts: number, text: string): void => {
    const lengths: number[] = [];
    let left = total;
    for (let p = parts; p > 0 && left > 0; p--) {
      const length = p === 1 ? left : Math.max(1, Math.min(left - (p - 1), Math.round((left / p) * (0.5 + random()))));
      lengths.push(length);
      left -= length;
    }
    while (lengths.length > 0) {
      const length = lengths.shift() ?? 0;
      const start = place(plan, length);
      if (start < 0) {
        if (length < 2) throw new Error(`simulation: no room for an outage in ${plan.account.accountId}'s month`);
        lengths.push(Math.floor(length / 2), length - Math.floor(length / 2));
        continue;
      }
      fill(plan, start, start + length, PLATFORM);
      note('platform-outage', [plan.account.accountId], start, start + length, text);
    }
  };

  for (const plan of plans) {
    fill(plan, inTime.from, inTime.to, PLATFORM);
    fill(plan, proberGap.from, proberGap.to, NONE);
    reserve(plan, tooLate.from, tooLate.to);
  }
  note('maintenance-in-time', [], inTime.from, inTime.to, 'announced 3 days ahead: its failures are excluded (§4.1)');
  note(
    'prober-gap',
    [],
    proberGap.from,
    proberGap.to,
    'the prober was down: no result for anyone (unobserved, not unavailable)',
  );
  const tooLateAccounts: string[] = [];
  const percentOf = (u: number, t: number): 0 | 10 | 25 | 100 =>
    1000 * u <= t ? 0 : 100 * u <= t ? 10 : 20 * u <= t ? 25 : 100;

  const withIntent = new Map<string, SimulatedAccount>();
  for (const [i, plan] of plans.entries()) {
    const { account, target } = plan;
    const id = account.accountId;
    const total = target.to - target.from;
    const met = Math.floor(total / 1000);
    const ten = Math.floor(total / 100);
    const quarter = Math.floor(total / 20);
    let unavailable = 0;
    switch (account.role) {
      case 'met': {
        unavailable = between(0, Math.floor(met * 0.6));
        outages(plan, unavailable, between(1, 3), 'short outage: the month still meets 99.9 %');
        break;
      }
      case 'tier-10': {
        unavailable = between(met + 3, Math.max(met + 3, ten - 3));
        let left = unavailable;
        if (tooLate.from >= target.from && tooLate.to <= target.to && left > tooLate.to - tooLate.from + 2) {
          fill(plan, tooLate.from, tooLate.to, PLATFORM);
          tooLateAccounts.push(id);
          left -= tooLate.to - tooLate.from;
        }
        outages(plan, left, between(2, 4), 'outages past 99.9 %');
        break;
      }
      case 'tier-25':
        unavailable = between(ten + 10, Math.max(ten + 10, quarter - 10));
        outages(plan, unavailable, between(1, 2), 'a long outage: below 99 %');
        break;
      case 'tier-100':
        unavailable = between(quarter + 60, Math.min(quarter * 2, total - 2 * MINUTES_PER_DAY));
        outages(plan, unavailable, 1, 'days down: below 95 %');
        break;
      case 'customer-caused': {
        unavailable = between(0, Math.floor(met / 2));
        outages(plan, unavailable, 1, 'short outage');
        const leaked = between(180, 360);
        const s1 = placed(plan, leaked);
        fill(plan, s1, s1 + leaked, CREDENTIALS);
        note(
          'credentials-failures',
          [id],
          s1,
          s1 + leaked,
          "the customer's leaked credentials were revoked: 401s (§4.4)",
        );
        const misuse = between(40, 120);
        const s2 = placed(plan, misuse);
        fill(plan, s2, s2 + misuse, CUSTOMER);
        note('customer-failures', [id], s2, s2 + misuse, "the customer's misoperation: 4xx (§4.5)");
        break;
      }
      case 'attack': {
        unavailable = between(0, Math.floor(met / 2));
        outages(plan, unavailable, 1, 'short outage');
        // the prober sees platform failures; the operator excludes the attack (§4.3), with margins
        const length = between(120, 300);
        const start = placed(plan, length + 20);
        fill(plan, start + 10, start + 10 + length, PLATFORM);
        note(
          'attack',
          [id],
          start,
          start + length + 20,
          "DDoS on the customer's mini program: excluded by the operator (§4.3)",
        );
        break;
      }
      case 'probe-gap': {
        // anywhere in the month: whatever happens in it goes unseen
        const gap = 4 * MINUTES_PER_DAY;
        const start = between(target.from + 60, Math.max(target.from + 60, target.to - gap - 60));
        fill(plan, start, start + gap, NONE);
        note('probe-gap', [id], start, start + gap, 'no result for 4 days: a coverage gap, never counted as uptime');
        unavailable = between(0, Math.floor(met / 2));
        outages(plan, unavailable, 1, 'short outage');
        break;
      }
      case 'at-the-limit': {
        unavailable = met + (Math.floor(i / ROLES.length) % 2);
        outages(
          plan,
          unavailable,
          2,
          unavailable === met ? 'exactly ⌊T/1000⌋ minutes: 99.9 % met' : 'one minute past 99.9 %',
        );
        break;
      }
    }
    withIntent.set(id, { ...account, intendedPercent: percentOf(unavailable, total) });
  }
  if (tooLateAccounts.length > 0) {
    note(
      'maintenance-too-late',
      tooLateAccounts,
      tooLate.from,
      tooLate.to,
      'announced at its start: it excludes nothing (R5)',
    );
  }
  // the attack exclusions, from the incidents
  const exclusions: ExclusionDoc[] = incidents
    .filter((x) => x.kind === 'attack')
    .map((x, k) => ({
      id: `ex-ddos-${k + 1}`,
      clause: '4.3',
      start: x.start,
      end: x.end,
      reason: "DDoS on the customer's mini program (traffic-scrubbing ticket)",
      accountIds: [...x.accountIds],
    }));
  const maintenance: MaintenanceDoc[] = [
    {
      id: `mw-${options.month}-db`,
      announcedAt: at(inTime.from - 3 * MINUTES_PER_DAY - 16 * 60),
      start: at(inTime.from),
      end: at(inTime.to),
      description: 'database engine upgrade (announced 3 days ahead)',
    },
  ];
  if (tooLateAccounts.length > 0) {
    maintenance.push({
      id: `mw-${options.month}-hotfix`,
      announcedAt: at(tooLate.from),
      start: at(tooLate.from),
      end: at(tooLate.to),
      accountIds: tooLateAccounts,
      description: 'emergency gateway hotfix (announced when it began)',
    });
  }
  const personal = plans[0];
  const personalDay = dayStart(3);
  if (personal) {
    note(
      'personal-data-fields',
      [personal.account.accountId],
      personalDay,
      personalDay + MINUTES_PER_DAY,
      'results carrying end-user device fields: dropped unread and counted (R12)',
    );
  }
  for (const b of lateBursts) note('late-results', [], b, b + 5, 'received one feed window late');
  for (const w of notReadyOnce) {
    note(
      'feed-not-ready',
      [],
      w * FEED_WINDOW_MINUTES,
      (w + 1) * FEED_WINDOW_MINUTES,
      'the feed answers 503 once: the next run catches up',
    );
  }

  // --- claims -----------------------------------------------------------------------------------
  const { opensOn, closesOn } = claimWindowFor(first.endOf('month').toISODate() ?? '', new BusinessCalendar());
  const accounts = plans.map((p) => withIntent.get(p.account.accountId) ?? p.account);
  const targetOf = new Map(plans.map((p) => [p.account.accountId, p.target.orderId]));
  const missed = accounts.filter((a) => a.intendedPercent > 0);
  const metAccount = accounts.find((a) => a.intendedPercent === 0);
  const filed = (dayOffset: number, hhmm: string): string =>
    `${dateOf(DateTime.fromISO(opensOn, { zone }).plus({ days: dayOffset }))}T${hhmm}:00${OFFSET}`;
  /** `orderId` null: the claim names no order */
  const claimOf = (
    a: SimulatedAccount,
    when: string,
    channel = 'ticket',
    orderId: string | null = targetOf.get(a.accountId) ?? null,
  ): ClaimDoc => ({
    accountId: a.accountId,
    ...(orderId === null ? {} : { orderId }),
    month: options.month,
    filedAt: when,
    channel,
  });
  const [c1, c2, c3] = missed;
  const claims: ClaimDoc[] = [];
  if (c2) claims.push(claimOf(c2, filed(-3, '11:00'))); // before the window opens
  if (c1) claims.push(claimOf(c1, filed(0, '09:12')));
  if (c2) claims.push(claimOf(c2, filed(0, '10:05'), 'email')); // only the ticket system counts
  if (metAccount) claims.push(claimOf(metAccount, filed(0, '10:30'))); // met: not eligible
  if (c2) claims.push(claimOf(c2, filed(0, '11:00')));
  if (c3) claims.push(claimOf(c3, filed(0, '13:45'), 'ticket', `ord-${c3.accountId.slice(4)}-x`)); // a mistyped order
  if (c3) claims.push(claimOf(c3, filed(0, '14:02'), 'ticket', null)); // no order id: missing materials
  if (c1) claims.push(claimOf(c1, filed(0, '15:40'))); // again: a duplicate
  if (c3) claims.push(claimOf(c3, filed(0, '16:20')));

  // --- the feed ---------------------------------------------------------------------------------
  // each line: a per-account head, the minute's stamp (shared by every account), a per-account tail
  const heads = plans.map((p) => `{"accountId":"${p.account.accountId}","function":"`);
  const seconds = plans.map((_, a) => `:${pad((a * 7 + 3) % 60)}${OFFSET}",`);
  const personalIndex = personal ? 0 : -1;
  const PERSONAL = ',"deviceModel":"HUAWEI Mate 60","osVersion":"HarmonyOS 4.2"';
  const RESULT = ['', '"ok":true', ...FAILURE_TEXT.slice(2)];
  const minuteLines = (m: number, parts: string[]): void => {
    const stamp = `","at":"${stampOf(monthStartMinute + m)}`;
    const personalMinute = m >= personalDay && m < personalDay + MINUTES_PER_DAY;
    for (let a = 0; a < plans.length; a++) {
      const code = plans[a]?.codes[m] ?? NONE;
      if (code === NONE) continue;
      const extra = personalMinute && a === personalIndex ? PERSONAL : '';
      parts.push(`${heads[a]}${PROBE_FUNCTIONS[(m + a) % 4]}${stamp}${seconds[a]}${RESULT[code]}${extra}}\n`);
    }
  };
  const windows = days * 24 + 1;
  const body = (w: number): { text: string; lines: number } => {
    const parts: string[] = [];
    const from = w * FEED_WINDOW_MINUTES;
    // results of the previous window's last minutes that arrive only now
    for (let m = Math.max(from - FEED_WINDOW_MINUTES, 0); m < from && m < monthMinutes; m++)
      if (isLate(m)) minuteLines(m, parts);
    for (let m = from; m < from + FEED_WINDOW_MINUTES && m < monthMinutes; m++) if (!isLate(m)) minuteLines(m, parts);
    return { text: parts.join(''), lines: parts.length };
  };

  return {
    options,
    timeZone: zone,
    cadence: CADENCE,
    monthStartMinute,
    monthMinutes,
    accounts,
    scenario: { months: [options.month], orders, maintenance, exclusions, claims },
    incidents,
    feed: { firstMinute: monthStartMinute, windowMinutes: FEED_WINDOW_MINUTES, windows, notReadyOnce, body },
    claimWindow: { opensOn, closesOn },
  };
};
