// Runs the rules engine on a parsed scenario and folded minute facts, producing the report of
// contracts/report.schema.json.
//
// Primary course:
//   1. evaluate every service month of every order (all of them: claims may name any month);
//   2. judge the claims in input order;
//   3. keep the months asked for, in key order, and gather the warnings.

import { UnknownCalendarYearError } from '#domain/business-calendar.ts';
import {
  type ClaimReason,
  type EvaluatedMonth,
  evaluateOrder,
  judgeClaim,
  type ServiceMonthReport,
  serviceMonthKey,
} from '#domain/evaluate.ts';
import { effectiveWindows } from '#domain/exclusions.ts';
import { formatMoney } from '#domain/fees.ts';
import { localDateOf } from '#domain/instant.ts';
import type { MinuteFacts } from '#domain/minute-facts.ts';
import type { InputProblem, Scenario } from './parse-scenario.ts';

export interface ClaimReport extends Readonly<Record<string, unknown>> {
  readonly accepted: boolean;
  readonly reason?: ClaimReason;
  readonly voucher?: string;
}

export interface Report {
  readonly serviceMonths: ServiceMonthReport[];
  readonly claims: ClaimReport[];
  readonly ignoredProbes: number;
  readonly droppedFields: number;
  readonly warnings: string[];
}

export interface ProbeTally {
  readonly ignoredProbes: number;
  readonly droppedFields: number;
}

/** Code-unit order of `accountId/orderId/month`, the order the contract's checker enforces. */
const byKey = (a: EvaluatedMonth, b: EvaluatedMonth): number => {
  const ka = serviceMonthKey(a.report.accountId, a.report.orderId, a.report.month);
  const kb = serviceMonthKey(b.report.accountId, b.report.orderId, b.report.month);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

export const evaluateScenario = (
  scenario: Scenario,
  facts: MinuteFacts,
  tally: ProbeTally,
): { report: Report; problems?: undefined } | { report?: undefined; problems: InputProblem[] } => {
  const zone = scenario.policy.timeZone;
  const { windows, warnings } = effectiveWindows(
    scenario.maintenance,
    scenario.exclusions,
    scenario.policy.maintenanceMinNoticeHours,
  );
  let evaluated: EvaluatedMonth[];
  try {
    evaluated = scenario.orders.flatMap((order) => evaluateOrder(order, zone, facts, windows, scenario.calendar));
  } catch (e) {
    if (e instanceof UnknownCalendarYearError)
      return { problems: [{ path: 'policy.strictCalendar', message: e.message }] };
    throw e;
  }
  const byMonthKey = new Map(
    evaluated.map((m) => [serviceMonthKey(m.report.accountId, m.report.orderId, m.report.month), m]),
  );

  const accepted = new Set<string>();
  const claims = scenario.claims.map((claim): ClaimReport => {
    const filedDay = localDateOf(claim.filedAt.epochMs, zone);
    const verdict = judgeClaim({ ...claim, filedDay }, byMonthKey, accepted);
    return verdict.accepted
      ? { ...claim.fields, accepted: true, voucher: formatMoney(verdict.voucherFen) }
      : { ...claim.fields, accepted: false, reason: verdict.reason };
  });

  const shown = evaluated.filter((m) => !scenario.months || scenario.months.has(m.report.month)).sort(byKey);
  const assumedYears = new Set(
    shown.filter((m) => m.report.claimWindow?.calendarAssumed).map((m) => m.report.claimWindow?.opensOn.slice(0, 4)),
  );
  const windowYears = new Set(
    shown.flatMap((m) => (m.report.claimWindow ? [Number(m.report.claimWindow.opensOn.slice(0, 4))] : [])),
  );
  for (const year of [...scenario.calendar.inputOnlyYears].filter((y) => windowYears.has(y)).sort()) {
    warnings.push(
      `business calendar: ${year} is not in the built-in China calendar; its claim windows rely on the scenario's calendar days alone (every other day of ${year} is taken as Monday–Friday)`,
    );
  }
  for (const year of assumedYears) {
    warnings.push(
      `business calendar: ${year} is not in the built-in China calendar; its claim windows assume Monday–Friday working days (calendarAssumed)`,
    );
  }
  return {
    report: {
      serviceMonths: shown.map((m) => m.report),
      claims,
      ignoredProbes: tally.ignoredProbes,
      droppedFields: tally.droppedFields,
      warnings,
    },
  };
};
