// The month report's model: everything `report.html` shows, as language-neutral data, and the
// minute-level outage strip of each account, folded from the minute facts exactly as the engine
// counts them (evaluate.ts countMinutes), so the strip and the table can never disagree.
//
// Strip states of one account-minute of the calendar month:
//
//   no-service  outside every service month of the account in this month
//   no-data     in service, no probe result at all (the engine counts it available, not observed)
//   up          observed, with at least one success
//   down        observed, no success, a platform failure, and no exclusion window covers it
//               (the engine's unavailable minute)
//   excluded    observed, no success, and either a window covers it or it only had failures with
//               excluded causes; `clause` is the lowest clause among them (the engine's excluded)
//
// So over a service month: down = unavailableMinutes, excluded (by clause) = excludedMinutes,
// up + down + excluded = observedMinutes, and all five add up to the month's minutes.

import { DateTime } from 'luxon';
import type { NoticeStatus } from '#adapters/dynamodb/notice-repository.ts';
import type { ClaimWindow } from '#domain/claim-window.ts';
import { coverageFor, type ExclusionWindow } from '#domain/exclusions.ts';
import type { MinuteFacts } from '#domain/minute-facts.ts';
import { ANY_OK, CLAUSES, lowestCauseClause, PLATFORM_FAILURE } from '#domain/probe.ts';
import type { CompensationPercent } from '#domain/tiers.ts';

export const MONTH_REPORT_SCHEMA = 'tcmpp-sla.month-report/1';

export const STRIP_STATES = ['up', 'down', 'excluded', 'no-data', 'no-service'] as const;
export type StripState = (typeof STRIP_STATES)[number];

/** A run of consecutive minutes of one state; `startMinute` counts from the month's first minute. */
export interface StripRun {
  readonly startMinute: number;
  readonly length: number;
  readonly state: StripState;
  /** excluded runs: the clause (`"4.1"` … `"4.9"`) the minutes are excluded under */
  readonly clause?: string;
}

export interface AccountStrip {
  readonly accountId: string;
  /** contiguous, in order, covering [0, monthMinutes) */
  readonly runs: readonly StripRun[];
  /** minutes per state (the sums of the runs) */
  readonly minutes: Readonly<Record<StripState, number>>;
}

/** What a notice record says now (its status); `none`: no such notice was created. */
export type NoticeState = 'none' | NoticeStatus;

export interface NoticeSummary {
  /** the notice that the claim window is open (R11) */
  readonly windowOpen: NoticeState;
  /** the reminder before `closesOn` */
  readonly reminder: NoticeState;
  /** one per recalculated version that changed the tier or voucher after a notice */
  readonly corrections: readonly { readonly version: number; readonly status: NoticeState }[];
}

export interface ClaimSummary {
  readonly accepted: number;
  /** each rejected claim's R10 reason, in the order they were judged */
  readonly rejected: readonly { readonly reason: string }[];
}

export interface ServiceMonthRow {
  readonly accountId: string;
  readonly orderId: string;
  readonly firstDay: string;
  readonly lastDay: string;
  readonly days: number;
  readonly totalMinutes: number;
  readonly unavailableMinutes: number;
  readonly observedMinutes: number;
  /** clause → minutes, only clauses with at least one minute */
  readonly excludedMinutes: Readonly<Record<string, number>>;
  readonly availabilityPercent: string;
  readonly compensationPercent: CompensationPercent;
  readonly feeFen: number;
  readonly voucherFen: number;
  readonly claimWindow: ClaimWindow | null;
  /** the stored result's version and when it was evaluated (absent for an offline report) */
  readonly version?: number;
  readonly evaluatedAt?: string;
  /** absent: notices unknown (an offline report) */
  readonly notices?: NoticeSummary;
  /** absent: claims unknown */
  readonly claims?: ClaimSummary;
}

export interface TierCount {
  readonly compensationPercent: CompensationPercent;
  readonly serviceMonths: number;
  /** distinct accounts with a service month in this tier */
  readonly accounts: number;
  readonly voucherFen: number;
}

export interface AccountCoverage {
  readonly accountId: string;
  /** minutes with at least one probe result, over the account's service months of the month */
  readonly observedMinutes: number;
  readonly totalMinutes: number;
}

export interface MonthReportTotals {
  readonly accounts: number;
  readonly serviceMonths: number;
  /** service months that missed the commitment (compensation > 0) */
  readonly missed: number;
  readonly totalMinutes: number;
  readonly observedMinutes: number;
  readonly unavailableMinutes: number;
  readonly excludedMinutes: number;
  readonly feeFen: number;
  readonly voucherFen: number;
}

export interface MonthReportModel {
  readonly schema: typeof MONTH_REPORT_SCHEMA;
  /** calendar month `YYYY-MM` */
  readonly month: string;
  readonly timeZone: string;
  /** ISO instant the model was built */
  readonly generatedAt: string;
  /** epoch minute of the month's first local minute, and the month's minutes */
  readonly monthStartMinute: number;
  readonly monthMinutes: number;
  /** by accountId, then orderId */
  readonly rows: readonly ServiceMonthRow[];
  /** one per account, in account order */
  readonly strips: readonly AccountStrip[];
  /** always the four tiers, 0, 10, 25, 100 */
  readonly tiers: readonly TierCount[];
  readonly coverage: readonly AccountCoverage[];
  /** an account observed less than this share of its service minutes has a probing gap */
  readonly coverageMinPercent: number;
  readonly totals: MonthReportTotals;
  readonly warnings: readonly string[];
}

export const DEFAULT_COVERAGE_MIN_PERCENT = 90;

export const TIERS: readonly CompensationPercent[] = [0, 10, 25, 100];

/** [start, end) epoch minutes of the local calendar month `YYYY-MM` in `zone`. */
export const monthBounds = (month: string, zone: string): { startMinute: number; endMinute: number } => {
  const start = DateTime.fromISO(`${month}-01`, { zone }).startOf('day');
  if (!start.isValid) throw new RangeError(`not a month: ${month}`);
  const end = start.plus({ months: 1 });
  return { startMinute: Math.floor(start.toMillis() / 60_000), endMinute: Math.floor(end.toMillis() / 60_000) };
};

/** [start, end) epoch minutes of the local days firstDay..lastDay (inclusive) in `zone`. */
export const daysBounds = (
  firstDay: string,
  lastDay: string,
  zone: string,
): { startMinute: number; endMinute: number } => {
  const start = DateTime.fromISO(firstDay, { zone }).startOf('day');
  const end = DateTime.fromISO(lastDay, { zone }).startOf('day').plus({ days: 1 });
  return { startMinute: Math.floor(start.toMillis() / 60_000), endMinute: Math.floor(end.toMillis() / 60_000) };
};

const NO_SERVICE = 4;
const NO_DATA = 3;
const EXCLUDED = 2;
const DOWN = 1;
const UP = 0;

/**
 * The outage strip of one account over [monthStart, monthEnd): the minutes of `servicePeriods`
 * ([start, end) epoch minutes, the account's service months) classified as countMinutes does.
 */
export const accountStrip = (
  accountId: string,
  monthStart: number,
  monthEnd: number,
  servicePeriods: readonly { readonly startMinute: number; readonly endMinute: number }[],
  facts: MinuteFacts,
  windows: readonly ExclusionWindow[],
): AccountStrip => {
  const size = monthEnd - monthStart;
  const state = new Uint8Array(size).fill(NO_SERVICE);
  const clause = new Uint8Array(size);
  for (const period of servicePeriods) {
    const from = Math.max(period.startMinute, monthStart);
    const to = Math.min(period.endMinute, monthEnd);
    if (from >= to) continue;
    state.fill(NO_DATA, from - monthStart, to - monthStart);
    const coverage = coverageFor(accountId, from, to, windows);
    facts.forEachObserved(accountId, from, to, (minute, bits) => {
      const i = minute - monthStart;
      if (bits & ANY_OK) {
        state[i] = UP;
        return;
      }
      const windowClause = coverage ? (coverage.clause[minute - from] ?? 0) : 0;
      if (bits & PLATFORM_FAILURE && windowClause === 0) {
        state[i] = DOWN;
        return;
      }
      const causeClause = lowestCauseClause(bits);
      state[i] = EXCLUDED;
      clause[i] = windowClause !== 0 && (causeClause === 0 || windowClause <= causeClause) ? windowClause : causeClause;
    });
  }
  const runs: StripRun[] = [];
  const minutes: Record<StripState, number> = { up: 0, down: 0, excluded: 0, 'no-data': 0, 'no-service': 0 };
  for (let i = 0; i < size; ) {
    const s = state[i] ?? NO_SERVICE;
    const c = clause[i] ?? 0;
    let end = i + 1;
    while (end < size && state[end] === s && clause[end] === c) end++;
    const name = STRIP_STATES[s] ?? 'no-service';
    runs.push(
      s === EXCLUDED
        ? { startMinute: i, length: end - i, state: name, clause: CLAUSES[c] ?? '' }
        : {
            startMinute: i,
            length: end - i,
            state: name,
          },
    );
    minutes[name] += end - i;
    i = end;
  }
  return { accountId, runs, minutes };
};

/** Minutes per clause of an account's excluded strip runs. */
export const excludedByClause = (strip: AccountStrip): Record<string, number> => {
  const byClause: Record<string, number> = {};
  for (const run of strip.runs) {
    if (run.state === 'excluded') byClause[run.clause ?? ''] = (byClause[run.clause ?? ''] ?? 0) + run.length;
  }
  return byClause;
};

const byAccountThenOrder = (a: ServiceMonthRow, b: ServiceMonthRow): number =>
  a.accountId < b.accountId
    ? -1
    : a.accountId > b.accountId
      ? 1
      : a.orderId < b.orderId
        ? -1
        : a.orderId > b.orderId
          ? 1
          : 0;

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

/**
 * The model from its rows and the minute facts of their accounts: strips, tiers, coverage and
 * totals. A strip that disagrees with its stored rows (the facts or windows changed after the
 * evaluation) is kept, with a warning.
 */
export const assembleMonthReport = (input: {
  readonly month: string;
  readonly timeZone: string;
  readonly generatedAt: string;
  readonly rows: readonly ServiceMonthRow[];
  /** the strip of each account of the rows (see stripsOf) */
  readonly strips: ReadonlyMap<string, AccountStrip>;
  readonly warnings?: readonly string[];
  /** default 90, as the month-end's COVERAGE_MIN_PERCENT */
  readonly coverageMinPercent?: number;
}): MonthReportModel => {
  const { startMinute, endMinute } = monthBounds(input.month, input.timeZone);
  const rows = [...input.rows].sort(byAccountThenOrder);
  const accounts = [...new Set(rows.map((r) => r.accountId))];
  const warnings = [...(input.warnings ?? [])];
  const strips: AccountStrip[] = [];
  const coverage: AccountCoverage[] = [];
  for (const accountId of accounts) {
    const own = rows.filter((r) => r.accountId === accountId);
    const strip = input.strips.get(accountId);
    if (strip === undefined) throw new Error(`no strip for account ${accountId}`);
    strips.push(strip);
    const observed = sum(own.map((r) => r.observedMinutes));
    coverage.push({ accountId, observedMinutes: observed, totalMinutes: sum(own.map((r) => r.totalMinutes)) });
    const unavailable = sum(own.map((r) => r.unavailableMinutes));
    const excluded = sum(own.flatMap((r) => Object.values(r.excludedMinutes)));
    const { up, down, excluded: stripExcluded } = strip.minutes;
    if (down !== unavailable || stripExcluded !== excluded || up + down + stripExcluded !== observed) {
      warnings.push(
        `${accountId}: the minute facts now give ${down} unavailable, ${stripExcluded} excluded and ` +
          `${up + down + stripExcluded} observed minutes, the stored result ${unavailable}, ${excluded} and ` +
          `${observed} (facts or exclusion windows changed after the evaluation)`,
      );
    }
  }
  const tiers = TIERS.map((percent): TierCount => {
    const inTier = rows.filter((r) => r.compensationPercent === percent);
    return {
      compensationPercent: percent,
      serviceMonths: inTier.length,
      accounts: new Set(inTier.map((r) => r.accountId)).size,
      voucherFen: sum(inTier.map((r) => r.voucherFen)),
    };
  });
  return {
    schema: MONTH_REPORT_SCHEMA,
    month: input.month,
    timeZone: input.timeZone,
    generatedAt: input.generatedAt,
    monthStartMinute: startMinute,
    monthMinutes: endMinute - startMinute,
    rows,
    strips,
    tiers,
    coverage,
    coverageMinPercent: input.coverageMinPercent ?? DEFAULT_COVERAGE_MIN_PERCENT,
    totals: {
      accounts: accounts.length,
      serviceMonths: rows.length,
      missed: rows.filter((r) => r.compensationPercent > 0).length,
      totalMinutes: sum(rows.map((r) => r.totalMinutes)),
      observedMinutes: sum(rows.map((r) => r.observedMinutes)),
      unavailableMinutes: sum(rows.map((r) => r.unavailableMinutes)),
      excludedMinutes: sum(rows.flatMap((r) => Object.values(r.excludedMinutes))),
      feeFen: sum(rows.map((r) => r.feeFen)),
      voucherFen: sum(rows.map((r) => r.voucherFen)),
    },
    warnings,
  };
};

/** The strip of each account of `rows`, from facts holding their service months' minutes. */
export const stripsOf = (
  rows: readonly Pick<ServiceMonthRow, 'accountId' | 'firstDay' | 'lastDay'>[],
  month: string,
  zone: string,
  facts: MinuteFacts,
  windows: readonly ExclusionWindow[],
): Map<string, AccountStrip> => {
  const { startMinute, endMinute } = monthBounds(month, zone);
  const periods = new Map<string, { startMinute: number; endMinute: number }[]>();
  for (const row of rows) {
    const list = periods.get(row.accountId) ?? [];
    list.push(daysBounds(row.firstDay, row.lastDay, zone));
    periods.set(row.accountId, list);
  }
  return new Map(
    [...periods].map(([accountId, list]) => [
      accountId,
      accountStrip(accountId, startMinute, endMinute, list, facts, windows),
    ]),
  );
};
