// Scheduled daily: queues the reminders that fall due (shared/notices/reminders.ts, SPEC R11).
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { makeTable } from '../shared/adapters/dynamodb/table.ts';
import { makeNoticeQueue } from '../shared/adapters/sqs/notice-queue.ts';
import { intEnv, requireEnv, zoneEnv } from '../shared/config.ts';
import {
  DEFAULT_REMINDER_DAYS_BEFORE,
  DEFAULT_REMINDER_MAX_CATCH_UP_DAYS,
  enqueueDueReminders,
  type ReminderRun,
  type ReminderSettings,
} from '../shared/notices/reminders.ts';
import { logger, metrics } from './commons/powertools.ts';

/** Some reminders could not be decided or queued: the run fails (retried; the Errors alarm). */
export class ReminderRunError extends Error {
  override readonly name = 'ReminderRunError';
}

export const defaultSettings = (): ReminderSettings => ({
  table: makeTable(requireEnv('TABLE_NAME')),
  queue: makeNoticeQueue(requireEnv('NOTICE_QUEUE_URL')),
  timeZone: zoneEnv('POLICY_TIME_ZONE'),
  daysBefore: intEnv('REMINDER_DAYS_BEFORE', DEFAULT_REMINDER_DAYS_BEFORE, 1),
  maxCatchUpDays: intEnv('REMINDER_MAX_CATCH_UP_DAYS', DEFAULT_REMINDER_MAX_CATCH_UP_DAYS, 0),
  now: () => new Date(),
});

export const makeHandler = (settings: () => ReminderSettings) => async (): Promise<ReminderRun> => {
  const run = await enqueueDueReminders(settings());
  const { failed, ...counts } = run;
  logger.info('reminder run done', { ...counts, failedCount: failed.length });
  if (run.daysGivenUp > 0)
    logger.warn('days older than the catch-up window were not read', { daysGivenUp: run.daysGivenUp });
  metrics.addMetric('RemindersQueued', MetricUnit.Count, run.enqueued);
  metrics.addMetric('RemindersResent', MetricUnit.Count, run.resent);
  metrics.addMetric('RemindersSkippedClaimed', MetricUnit.Count, run.skippedClaimed);
  metrics.addMetric('RemindersFailed', MetricUnit.Count, failed.length);
  for (const f of failed)
    logger.error('a reminder could not be queued', { serviceMonth: f.serviceMonth, error: f.error });
  if (failed.length > 0)
    throw new ReminderRunError(
      `${failed.length} reminders could not be queued (first: ${failed[0]?.serviceMonth}: ${failed[0]?.error}); ` +
        'their days are read again by the next run',
    );
  return run;
};

let settings: ReminderSettings | undefined;
/** Clients are built once per container, on the first invocation (importing the module builds nothing). */
const once = (): ReminderSettings => {
  settings ??= defaultSettings();
  return settings;
};

export const handler = middy(makeHandler(once)).use(injectLambdaContext(logger)).use(logMetrics(metrics));
