// SQS-triggered (the notice queue, ReportBatchItemFailures): delivers each queued notice once
// (shared/notices/deliver.ts). Only the messages that failed are reported, so only they come back;
// one that keeps failing (a malformed body, a notice not recorded) ends in the DLQ after the
// queue's maxReceiveCount.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import middy from '@middy/core';
import { makeTable } from '../shared/adapters/dynamodb/table.ts';
import { ConfigError, intEnv, optionalEnv, requireEnv } from '../shared/config.ts';
import {
  type DeliverSettings,
  deliverNotice,
  MalformedNoticeError,
  NoticeDeliveryError,
  OutboxChannel,
  parseNoticeMessage,
} from '../shared/notices/deliver.ts';
import { WebhookChannel } from '../shared/notices/webhook-channel.ts';
import { logger, metrics } from './commons/powertools.ts';

/** An SQS message as Lambda's event source mapping hands it over. */
export interface SqsRecord {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, string | undefined>>;
  readonly messageAttributes: Readonly<
    Record<
      string,
      {
        readonly stringValue?: string;
        readonly binaryValue?: string;
        readonly stringListValues?: readonly string[];
        readonly binaryListValues?: readonly string[];
        readonly dataType: string;
      }
    >
  >;
  readonly md5OfBody: string;
  readonly eventSource: string;
  readonly eventSourceARN: string;
  readonly awsRegion: string;
}

export interface SqsEvent {
  readonly Records: readonly SqsRecord[];
}

export interface BatchResponse {
  readonly batchItemFailures: readonly { readonly itemIdentifier: string }[];
}

/**
 * The webhook channel, when WEBHOOK_SECRET_ID names the signing secret in Secrets Manager (read
 * through Powertools parameters, cached 5 minutes, so a rotated secret is taken up). Its retries
 * fit the function's 60 s: 4 attempts of at most 5 s, backoffs of at most 0.25 + 0.5 + 1 s.
 */
const webhookChannels = (): WebhookChannel[] => {
  const secretId = optionalEnv('WEBHOOK_SECRET_ID');
  if (secretId === undefined) return [];
  const secret = async (): Promise<string> => {
    const value = await getSecret(secretId, { maxAge: 300 });
    if (typeof value !== 'string' || value === '')
      throw new ConfigError('the secret named by WEBHOOK_SECRET_ID holds no webhook signing secret');
    return value;
  };
  return [new WebhookChannel({ secret, timeoutMs: 5_000, attempts: 4, backoffMs: 250, now: () => new Date() })];
};

/**
 * From the environment (written by the infra only): the outbox when OUTBOX_DIR is set (the
 * embedded run's channel: files, never in AWS, where /tmp dies with the container), and the
 * webhook when its secret is configured. A notice no channel serves fails (NoticeUndeliverableError)
 * and ends in the dead-letter queue, never marked delivered.
 */
export const workerSettings = (): DeliverSettings => {
  const outbox = optionalEnv('OUTBOX_DIR');
  return {
    table: makeTable(requireEnv('TABLE_NAME')),
    channels: [...(outbox === undefined ? [] : [new OutboxChannel(outbox)]), ...webhookChannels()],
    leaseSeconds: intEnv('NOTICE_LEASE_SECONDS', 120, 1),
    now: () => new Date(),
  };
};

export const makeHandler = (settings: DeliverSettings) => {
  const deliverRecord = async (record: SqsRecord, tally: Tally): Promise<void> => {
    // the message attribute names the notice even when the body cannot be read
    const noticeId = record.messageAttributes.noticeId?.stringValue;
    const receiveCount = Number(record.attributes.ApproximateReceiveCount ?? '0');
    try {
      const outcome = await deliverNotice(settings, parseNoticeMessage(record.body));
      if (outcome.outcome === 'duplicate') {
        tally.duplicates++;
        logger.info('notice delivered before: message dropped', { messageId: record.messageId, noticeId });
      } else {
        tally.delivered++;
        logger.info('notice delivered', { messageId: record.messageId, ...outcome });
      }
    } catch (e) {
      tally.failed++;
      const context = { messageId: record.messageId, noticeId, receiveCount };
      if (e instanceof MalformedNoticeError) {
        tally.malformed++;
        // the fields and what is wrong with them, never the body (it may hold anything)
        logger.error('notice message malformed', { ...context, code: e.code, problems: e.problems });
      } else if (e instanceof NoticeDeliveryError) {
        (e.retryable ? logger.warn : logger.error).call(logger, 'notice not delivered', {
          ...context,
          code: e.code,
          retryable: e.retryable,
          error: e.message,
        });
      } else {
        logger.error('notice not delivered', { ...context, retryable: true, error: errorText(e) });
      }
      throw e;
    }
  };

  return async (event: SqsEvent): Promise<BatchResponse> => {
    const tally: Tally = { delivered: 0, duplicates: 0, failed: 0, malformed: 0 };
    try {
      // a processor per invocation: it holds the batch's records and outcomes, so a handler that
      // is invoked again before the last call ended (a local run) keeps the batches apart
      return await processPartialResponse(
        { Records: [...event.Records] },
        (record: SqsRecord) => deliverRecord(record, tally),
        new BatchProcessor(EventType.SQS),
      );
    } finally {
      metrics.addMetric('NoticesDelivered', MetricUnit.Count, tally.delivered);
      metrics.addMetric('NoticeDuplicateMessages', MetricUnit.Count, tally.duplicates);
      metrics.addMetric('NoticeMessagesFailed', MetricUnit.Count, tally.failed);
      metrics.addMetric('NoticeMessagesMalformed', MetricUnit.Count, tally.malformed);
    }
  };
};

interface Tally {
  delivered: number;
  duplicates: number;
  failed: number;
  malformed: number;
}

const errorText = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

let worker: ((event: SqsEvent) => Promise<BatchResponse>) | undefined;
/** Settings and clients are built once per container, on the first invocation (importing the module builds nothing). */
const once = (): ((event: SqsEvent) => Promise<BatchResponse>) => {
  worker ??= makeHandler(workerSettings());
  return worker;
};
export const handler = middy((event: SqsEvent) => once()(event))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
