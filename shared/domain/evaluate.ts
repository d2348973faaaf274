// Evaluation of service months and claims: the one place where SLA arithmetic lives.
//
// Primary course:
//   1. fold each minute's results into a verdict (R4): available, unavailable or excluded;
//   2. apply exclusion windows (R5), counting each excluded minute once under its lowest clause;
//   3. decide the tier by integer comparison (R6), spread the fee and compute the voucher (R7);
//   4. open a claim window for every miss (R9) and judge claims against it (R10).

import type { BusinessCalendar } from './business-calendar.ts';
import { type ClaimWindow, claimTiming, claimWindowFor } from './claim-window.ts';
import { type Coverage, coverageFor, type ExclusionWindow } from './exclusions.ts';
import { allocateByLargestRemainder, formatMoney, voucherFor } from './fees.ts';
import type { MinuteFacts } from './minute-facts.ts';
import { ANY_OK, CAUSES, CLAUSES, lowestCauseClause, PLATFORM_FAILURE } from './probe.ts';
import { type Order, type ServiceMonth, serviceMonthsOf } from './service-months.ts';
import { availabilityPercent, type CompensationPercent, compensationPercent } from './tiers.ts';

export interface MinuteCounts {
  readonly unavailableMinutes: number;
  readonly observedMinutes: number;
  /** clause (e.g. "4.1") → minutes, only clauses with at least one minute */
  readonly excludedMinutes: Record<string, number>;
  /** audit: window (`maintenance:<id>`, `exclusion:<id>`) or cause (`cause:<name>`) → minutes */
  readonly excludedBy: Record<string, number>;
}

/** Counts the minutes of one service month (R4, R5). */
export const countMinutes = (
  month: ServiceMonth,
  facts: MinuteFacts,
  windows: readonly ExclusionWindow[],
): MinuteCounts => {
  const coverage: Coverage | null = coverageFor(month.accountId, month.startMinute, month.endMinute, windows);
  let unavailable = 0;
  let observed = 0;
  const byClause = new Uint32Array(CLAUSES.length);
  const bySource = new Map<string, number>();
  facts.forEachObserved(month.accountId, month.startMinute, month.endMinute, (minute, state) => {
    observed++;
    if (state & ANY_OK) return;
    const i = minute - month.startMinute;
    const windowClause = coverage ? (coverage.clause[i] ?? 0) : 0;
    if (state & PLATFORM_FAILURE && windowClause === 0) {
      unavailable++;
      return;
    }
    // Excluded: by a covering window, by an excluded cause, or both — once, under the lowest clause.
    const causeClause = lowestCauseClause(state);
    const byWindow = windowClause !== 0 && (causeClause === 0 || windowClause <= causeClause);
    const clause = byWindow ? windowClause : causeClause;
    const source = byWindow
      ? (coverage?.windows[coverage.window[i] ?? 0]?.source ?? '')
      : `cause:${CAUSES[causeClause - 1]}`;
    byClause[clause] = (byClause[clause] ?? 0) + 1;
    bySource.set(source, (bySource.get(source) ?? 0) + 1);
  });
  const excludedMinutes: Record<string, number> = {};
  byClause.forEach((n, code) => {
    if (n > 0) excludedMinutes[CLAUSES[code] ?? ''] = n;
  });
  const excludedBy = Object.fromEntries([...bySource].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { unavailableMinutes: unavailable, observedMinutes: observed, excludedMinutes, excludedBy };
};

export interface ServiceMonthReport {
  readonly accountId: string;
  readonly orderId: string;
  readonly month: string;
  readonly firstDay: string;
  readonly lastDay: string;
  readonly days: number;
  readonly totalMinutes: number;
  readonly unavailableMinutes: number;
  readonly excludedMinutes: Record<string, number>;
  readonly observedMinutes: number;
  readonly availabilityPercent: string;
  readonly compensationPercent: CompensationPercent;
  readonly fee: string;
  readonly voucher: string;
  readonly claimWindow: ClaimWindow | null;
  readonly excludedBy: Record<string, number>;
}

export interface EvaluatedMonth {
  readonly report: ServiceMonthReport;
  readonly feeFen: number;
  readonly voucherFen: number;
}

/** Evaluates every service month of an order; the order's cash is spread over all of them (R7). */
export const evaluateOrder = (
  order: Order,
  zone: string,
  facts: MinuteFacts,
  windows: readonly ExclusionWindow[],
  calendar: BusinessCalendar,
  /** evaluate only the service months it accepts (the fee is still spread over all of them) */
  only: (month: ServiceMonth) => boolean = () => true,
): EvaluatedMonth[] => {
  const months = serviceMonthsOf(order, zone);
  const fees = allocateByLargestRemainder(
    order.cashPaidFen,
    months.map((m) => m.days),
  );
  return months.flatMap((month, i) => {
    if (!only(month)) return [];
    const counts = countMinutes(month, facts, windows);
    const percent = compensationPercent(counts.unavailableMinutes, month.totalMinutes);
    const feeFen = fees[i] ?? 0;
    const voucherFen = voucherFor(feeFen, percent);
    const report: ServiceMonthReport = {
      accountId: month.accountId,
      orderId: month.orderId,
      month: month.month,
      firstDay: month.firstDay,
      lastDay: month.lastDay,
      days: month.days,
      totalMinutes: month.totalMinutes,
      unavailableMinutes: counts.unavailableMinutes,
      excludedMinutes: counts.excludedMinutes,
      observedMinutes: counts.observedMinutes,
      availabilityPercent: availabilityPercent(counts.unavailableMinutes, month.totalMinutes),
      compensationPercent: percent,
      fee: formatMoney(feeFen),
      voucher: formatMoney(voucherFen),
      claimWindow: percent > 0 ? claimWindowFor(month.lastDay, calendar) : null,
      excludedBy: counts.excludedBy,
    };
    return [{ report, feeFen, voucherFen }];
  });
};

export type ClaimReason =
  | 'missing-materials'
  | 'wrong-channel'
  | 'unknown-order'
  | 'not-eligible'
  | 'window-not-open'
  | 'window-closed'
  | 'duplicate';

export interface ClaimInput {
  readonly accountId?: string | undefined;
  readonly orderId?: string | undefined;
  readonly month?: string | undefined;
  /** the local day the claim was filed, in the policy zone */
  readonly filedDay: string;
  readonly channel: string;
}

export type ClaimVerdict =
  | { readonly accepted: true; readonly voucherFen: number }
  | { readonly accepted: false; readonly reason: ClaimReason };

export const serviceMonthKey = (accountId: string, orderId: string, month: string): string =>
  `${accountId}/${orderId}/${month}`;

/**
 * Judges one claim (R10): the first failing reason, in the order of the table.
 * `alreadyAccepted` holds the keys of service months with an accepted claim (recorded before,
 * or earlier in the same input); an accepted claim is added to it.
 */
export const judgeClaim = (
  claim: ClaimInput,
  months: ReadonlyMap<string, EvaluatedMonth>,
  alreadyAccepted: Set<string>,
): ClaimVerdict => {
  if (!claim.accountId || !claim.orderId) return { accepted: false, reason: 'missing-materials' };
  if (claim.channel !== 'ticket') return { accepted: false, reason: 'wrong-channel' };
  const key = serviceMonthKey(claim.accountId, claim.orderId, claim.month ?? '');
  const month = months.get(key);
  if (!month) return { accepted: false, reason: 'unknown-order' };
  const window = month.report.claimWindow;
  if (month.report.compensationPercent === 0 || !window) return { accepted: false, reason: 'not-eligible' };
  const timing = claimTiming(window, claim.filedDay);
  if (timing === 'early') return { accepted: false, reason: 'window-not-open' };
  if (timing === 'late') return { accepted: false, reason: 'window-closed' };
  if (alreadyAccepted.has(key)) return { accepted: false, reason: 'duplicate' };
  alreadyAccepted.add(key);
  return { accepted: true, voucherFen: month.voucherFen };
};
