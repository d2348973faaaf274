// Month-end step 2 (inside the Map): evaluate a batch of accounts and record versioned results.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { BatchInput, BatchOutput } from '../shared/month-end/contracts.ts';
import { evaluateBatch, type MonthEndSettings } from '../shared/month-end/month-end-steps.ts';
import { monthEndSettings } from './commons/month-end-settings.ts';
import { logger, metrics } from './commons/powertools.ts';

export const makeHandler =
  (settings: () => MonthEndSettings) =>
  async (batch: BatchInput): Promise<BatchOutput> => {
    const output = await evaluateBatch(settings(), batch);
    for (const f of output.failed)
      logger.error('account evaluation failed', { accountId: f.accountId, error: f.error });
    metrics.addMetric('ServiceMonthsEvaluated', MetricUnit.Count, output.evaluated);
    metrics.addMetric('AccountsFailed', MetricUnit.Count, output.failedCount);
    metrics.addMetric('CoverageGaps', MetricUnit.Count, output.coverageGapCount);
    return output;
  };

export const handler = middy(makeHandler(monthEndSettings)).use(injectLambdaContext(logger)).use(logMetrics(metrics));
