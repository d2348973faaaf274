// Scheduled: pulls the probe feed's closed windows into minute facts (shared/ingest/pull-probe-feed.ts).
// Per window: the ingest counts and its probe coverage (commons/coverage-metrics.ts).
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import middy from '@middy/core';
import { makeTable, type Table } from '../shared/adapters/dynamodb/table.ts';
import { intEnv, optionalEnv, requireEnv, zoneEnv } from '../shared/config.ts';
import { type FeedRun, pullProbeFeed } from '../shared/ingest/pull-probe-feed.ts';
import { addCoverageMetrics } from './commons/coverage-metrics.ts';
import { logger, metrics } from './commons/powertools.ts';

export interface FeedDeps {
  readonly table: Table;
  readonly baseUrl: string;
  readonly token: () => Promise<string | undefined>;
  readonly windowMinutes: number;
  readonly lagMinutes: number;
  readonly timeZone: string;
  readonly retentionDaysAfterClaimClose: number;
  readonly now: () => Date;
  readonly fetch?: typeof fetch;
}

export const defaultDeps = (): FeedDeps => {
  const secretId = optionalEnv('FEED_TOKEN_SECRET_ID');
  return {
    table: makeTable(requireEnv('TABLE_NAME')),
    baseUrl: requireEnv('FEED_BASE_URL'),
    token: async () => (secretId ? ((await getSecret(secretId, { maxAge: 300 })) as string | undefined) : undefined),
    windowMinutes: intEnv('FEED_WINDOW_MINUTES', 60, 1),
    lagMinutes: intEnv('FEED_LAG_MINUTES', 10, 0),
    timeZone: zoneEnv('POLICY_TIME_ZONE'),
    retentionDaysAfterClaimClose: intEnv('RETENTION_DAYS_AFTER_CLAIM_CLOSE', 30, 0),
    now: () => new Date(),
  };
};

export const makeHandler = (deps: FeedDeps) => async (): Promise<FeedRun> => {
  const run = await pullProbeFeed({
    ...deps,
    token: await deps.token(),
    maxWindowsPerRun: 24,
    timeoutMs: 60_000,
  });
  for (const w of run.windows) {
    logger.info('probe feed window ingested', { from: w.from, to: w.to, ...w.summary });
    metrics.addMetric('ProbeResults', MetricUnit.Count, w.summary.probes);
    metrics.addMetric('IgnoredProbeResults', MetricUnit.Count, w.summary.ignoredProbes);
    metrics.addMetric('DroppedFields', MetricUnit.Count, w.summary.droppedFields);
    metrics.addMetric('QuarantinedRecords', MetricUnit.Count, w.summary.quarantined);
    metrics.addMetric('HourItemsWritten', MetricUnit.Count, w.summary.hourItems);
    addCoverageMetrics(w.summary);
  }
  metrics.addMetric('FeedWindows', MetricUnit.Count, run.windows.length);
  logger.info('probe feed run done', { stoppedBecause: run.stoppedBecause, watermark: run.watermark });
  return run;
};

let deps: FeedDeps | undefined;
/** Clients are built once per container, on the first invocation (importing the module builds nothing). */
const once = (): FeedDeps => {
  deps ??= defaultDeps();
  return deps;
};
export const handler = middy(() => makeHandler(once())())
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
