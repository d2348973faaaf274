// Helpers shared by the unit tests: run a scenario document through the same path as
// `sla evaluate` (parseScenario → periodTable → foldScenarioProbes → evaluateScenario), and
// build probe results and instants without going through the code under test.

import { periodTable } from '#domain/account-periods.ts';
import type { Instant } from '#domain/instant.ts';
import { MinuteFacts } from '#domain/minute-facts.ts';
import { validateProbe } from '#domain/probe.ts';
import { evaluateScenario, type Report } from '#scenario/evaluate-scenario.ts';
import { foldScenarioProbes } from '#scenario/fold-probes.ts';
import { type InputProblem, parseScenario } from '#scenario/parse-scenario.ts';

export const ZONE = 'Asia/Shanghai';

/** Either the report of a scenario document, or every problem found parsing or evaluating it. */
export const evaluateDocument = (
  doc: unknown,
): { report: Report; problems?: undefined } | { report?: undefined; problems: InputProblem[] } => {
  const parsed = parseScenario(JSON.stringify(doc));
  if (!parsed.scenario) return { problems: parsed.problems };
  const { scenario } = parsed;
  const facts = new MinuteFacts();
  const tally = foldScenarioProbes(scenario.probes, periodTable(scenario.orders, scenario.policy.timeZone), facts);
  return evaluateScenario(scenario, facts, tally);
};

/** The report of a scenario document that must be valid. */
export const runScenario = (doc: unknown): Report => {
  const result = evaluateDocument(doc);
  if (!result.report) throw new Error(`unexpected problems: ${JSON.stringify(result.problems)}`);
  return result.report;
};

/** The problems of a scenario document that must be invalid. */
export const scenarioProblems = (doc: unknown): InputProblem[] => {
  const result = evaluateDocument(doc);
  if (!result.problems) throw new Error('expected problems, got a report');
  return result.problems;
};

export interface RawProbe {
  readonly accountId: string;
  readonly function: string;
  readonly at: string;
  readonly ok: boolean;
  readonly cause?: string;
  readonly [extra: string]: unknown;
}

/**
 * `count` failed probe results, one in each consecutive clock minute from the minute of `from`
 * (an ISO instant with offset), 5 seconds into the minute, given in UTC (`…Z`).
 */
export const failuresEveryMinute = (accountId: string, from: string, count: number, cause = 'platform'): RawProbe[] =>
  Array.from({ length: count }, (_, i) => ({
    accountId,
    function: 'publish',
    at: new Date(Math.floor(Date.parse(from) / 60_000) * 60_000 + i * 60_000 + 5_000).toISOString(),
    ok: false,
    cause,
  }));

/** The epoch minute of an ISO instant with offset, computed with the platform's Date (not the engine). */
export const epochMinute = (iso: string): number => Math.floor(Date.parse(iso) / 60_000);

/** An Instant built by hand from an ISO string with offset (millisecond precision) plus extra nanoseconds. */
export const instantOf = (iso: string, subMsNanos = 0): Instant => ({ epochMs: Date.parse(iso), subMsNanos });

/** Validates a raw probe and records it into minute facts (the path the scanners use). */
export const recordProbe = (facts: MinuteFacts, probe: RawProbe): void => {
  const fact = validateProbe(probe);
  if (Array.isArray(fact)) throw new Error(`invalid probe in test arrangement: ${JSON.stringify(fact)}`);
  facts.record(fact.accountId, fact.minute, fact.bits);
};
