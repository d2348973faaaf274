// Scheduled: the built-in prober's rounds, ingested once per run (shared/ingest/run-prober.ts).
// Per run: the ingest counts and its probe coverage (commons/coverage-metrics.ts).
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { makeTable } from '../shared/adapters/dynamodb/table.ts';
import { intEnv, requireEnv, zoneEnv } from '../shared/config.ts';
import { type ProberRunOptions, runProber } from '../shared/ingest/run-prober.ts';
import { addCoverageMetrics } from './commons/coverage-metrics.ts';
import { logger, metrics } from './commons/powertools.ts';

export const defaultOptions = (): ProberRunOptions => ({
  table: makeTable(requireEnv('TABLE_NAME')),
  rounds: intEnv('PROBER_ROUNDS', 10, 1),
  roundIntervalMs: intEnv('PROBER_ROUND_INTERVAL_MS', 60_000, 0),
  timeoutMs: intEnv('PROBER_TIMEOUT_MS', 5_000, 1),
  concurrency: intEnv('PROBER_CONCURRENCY', 32, 1),
  timeZone: zoneEnv('POLICY_TIME_ZONE'),
  retentionDaysAfterClaimClose: intEnv('RETENTION_DAYS_AFTER_CLAIM_CLOSE', 30, 0),
  now: () => new Date(),
});

export const makeHandler = (options: ProberRunOptions) => async () => {
  const summary = await runProber(options);
  logger.info('prober run done', { ...summary });
  metrics.addMetric('ProbeResults', MetricUnit.Count, summary.probes);
  metrics.addMetric('QuarantinedRecords', MetricUnit.Count, summary.quarantined);
  metrics.addMetric('HourItemsWritten', MetricUnit.Count, summary.hourItems);
  addCoverageMetrics(summary);
  return summary;
};

let options: ProberRunOptions | undefined;
/** Clients are built once per container, on the first invocation (importing the module builds nothing). */
const once = (): ProberRunOptions => {
  options ??= defaultOptions();
  return options;
};
export const handler = middy(() => makeHandler(once())())
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
