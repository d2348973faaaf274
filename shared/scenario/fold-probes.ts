// Folds a scenario's own (already validated) probes into minute facts, as the NDJSON scanner
// does for files: unknown accounts and results outside every service period are ignored and
// counted (R4), dropped fields are counted (R12).

import { inPeriods, type PeriodTable } from '#domain/account-periods.ts';
import type { MinuteFacts } from '#domain/minute-facts.ts';
import type { ProbeFact } from '#domain/probe.ts';

export const foldScenarioProbes = (
  probes: readonly ProbeFact[],
  periods: PeriodTable,
  facts: MinuteFacts,
): { ignoredProbes: number; droppedFields: number } => {
  let ignoredProbes = 0;
  let droppedFields = 0;
  for (const probe of probes) {
    droppedFields += probe.droppedFields;
    const accountPeriods = periods.get(probe.accountId);
    if (!accountPeriods || !inPeriods(accountPeriods, probe.minute)) ignoredProbes++;
    else facts.record(probe.accountId, probe.minute, probe.bits);
  }
  return { ignoredProbes, droppedFields };
};
