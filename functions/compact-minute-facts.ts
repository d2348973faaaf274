// Scheduled daily: folds each sealed UTC day's hour items into day items (shared/ingest/compact-days.ts).
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { makeTable } from '../shared/adapters/dynamodb/table.ts';
import { intEnv, requireEnv, zoneEnv } from '../shared/config.ts';
import { type CompactionOptions, type CompactionRun, compactDays } from '../shared/ingest/compact-days.ts';
import { logger, metrics } from './commons/powertools.ts';

export const defaultOptions = (): CompactionOptions => ({
  table: makeTable(requireEnv('TABLE_NAME')),
  timeZone: zoneEnv('POLICY_TIME_ZONE'),
  retentionDaysAfterClaimClose: intEnv('RETENTION_DAYS_AFTER_CLAIM_CLOSE', 30, 0),
  maxDaysPerRun: intEnv('COMPACTION_MAX_DAYS_PER_RUN', 3, 1),
  concurrency: intEnv('COMPACTION_CONCURRENCY', 16, 1),
  now: () => new Date(),
});

export const makeHandler = (options: CompactionOptions) => async (): Promise<CompactionRun> => {
  const run = await compactDays(options);
  for (const day of run.days) {
    logger.info('day compacted', { ...day });
    metrics.addMetric('AccountDaysCompacted', MetricUnit.Count, day.accounts);
  }
  logger.info('compaction run done', { stoppedBecause: run.stoppedBecause, watermark: run.watermark });
  return run;
};

let options: CompactionOptions | undefined;
/** Clients are built once per container, on the first invocation (importing the module builds nothing). */
const once = (): CompactionOptions => {
  options ??= defaultOptions();
  return options;
};
export const handler = middy(() => makeHandler(once())())
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
