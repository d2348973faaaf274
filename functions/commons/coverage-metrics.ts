// Probe coverage of one ingest run (a feed window, a prober run), as the ingest alarms read it:
// AccountsExpected and AccountsWithoutProbes (Count), ProbeCoveragePercent (Percent, a whole
// number, only when an account was expected: 0 of 0 is no coverage figure at all).
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { coveragePercent, type IngestCoverage } from '../../shared/ingest/ingest-probes.ts';
import { logger, metrics } from './powertools.ts';

/** The metrics, and a warning naming the first accounts without a result (account ids only). */
export const addCoverageMetrics = (coverage: IngestCoverage): void => {
  const without = coverage.accountsExpected - coverage.accountsCovered;
  if (without > 0)
    logger.warn('accounts without probe results in this run', {
      accountsWithoutProbes: without,
      accountsExpected: coverage.accountsExpected,
      firstAccounts: coverage.accountsUncovered ?? [],
    });
  metrics.addMetric('AccountsExpected', MetricUnit.Count, coverage.accountsExpected);
  metrics.addMetric('AccountsWithoutProbes', MetricUnit.Count, coverage.accountsExpected - coverage.accountsCovered);
  const percent = coveragePercent(coverage);
  if (percent !== undefined) metrics.addMetric('ProbeCoveragePercent', MetricUnit.Percent, percent);
};
