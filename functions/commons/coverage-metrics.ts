// Probe coverage of one ingest run (a feed window, a prober run), as the ingest alarms read it:
// AccountsExpected and AccountsWithoutProbes (Count), ProbeCoveragePercent (Percent, a whole
// number, only when an account was expected: 0 of 0 is no coverage figure at all).
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { coveragePercent, type IngestCoverage } from '../../shared/ingest/ingest-probes.ts';
import { metrics } from './powertools.ts';

export const addCoverageMetrics = (coverage: IngestCoverage): void => {
  metrics.addMetric('AccountsExpected', MetricUnit.Count, coverage.accountsExpected);
  metrics.addMetric('AccountsWithoutProbes', MetricUnit.Count, coverage.accountsExpected - coverage.accountsCovered);
  const percent = coveragePercent(coverage);
  if (percent !== undefined) metrics.addMetric('ProbeCoveragePercent', MetricUnit.Percent, percent);
};
