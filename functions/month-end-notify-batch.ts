// Month-end step 4 (inside the second Map, after the claim windows open): queue a batch's notices.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { makeTable } from '../shared/adapters/dynamodb/table.ts';
import { makeNoticeQueue } from '../shared/adapters/sqs/notice-queue.ts';
import { intEnv, requireEnv, zoneEnv } from '../shared/config.ts';
import type { NotifyInput, NotifyOutput } from '../shared/month-end/contracts.ts';
import { type NotifySettings, notifyBatch } from '../shared/month-end/notices.ts';
import { logger, metrics } from './commons/powertools.ts';

let settings: NotifySettings | undefined;

/** Built once per container, on first use. */
export const notifySettings = (): NotifySettings => {
  settings ??= {
    table: makeTable(requireEnv('TABLE_NAME')),
    queue: makeNoticeQueue(requireEnv('NOTICE_QUEUE_URL')),
    timeZone: zoneEnv('POLICY_TIME_ZONE'),
    reminderDaysBefore: intEnv('REMINDER_DAYS_BEFORE', 7, 1),
    now: () => new Date(),
  };
  return settings;
};

export const makeHandler =
  (settings: () => NotifySettings) =>
  async (input: NotifyInput): Promise<NotifyOutput> => {
    const output = await notifyBatch(settings(), input);
    for (const f of output.failed)
      logger.error('notices of an account failed', { accountId: f.accountId, error: f.error });
    metrics.addMetric('WindowOpenNoticesQueued', MetricUnit.Count, output.windowOpen);
    metrics.addMetric('CorrectionNoticesQueued', MetricUnit.Count, output.corrections);
    metrics.addMetric('NoticesResent', MetricUnit.Count, output.resent);
    metrics.addMetric('NoticeAccountsFailed', MetricUnit.Count, output.failedCount);
    return output;
  };

export const handler = middy(makeHandler(notifySettings)).use(injectLambdaContext(logger)).use(logMetrics(metrics));
