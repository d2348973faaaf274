// SQS-triggered (the notice queue, ReportBatchItemFailures): delivers each queued notice once
// (shared/notices/deliver.ts). Only the messages that failed are reported, so only they come back.
// A permanent failure goes straight to the DLQ (NOTICE_DLQ_URL) with its reason, and its notice is
// marked failed; a retryable one comes back until the queue's maxReceiveCount (see FailureSettings).
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { type MessageAttributeValue, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import { markFailed, type NoticeFailure } from '../shared/adapters/dynamodb/notice-repository.ts';
import { makeTable } from '../shared/adapters/dynamodb/table.ts';
import type { BatchResponse, SqsEvent, SqsRecord } from '../shared/adapters/sqs/lambda-event.ts';
import type { NoticeMessage } from '../shared/adapters/sqs/notice-queue.ts';
import { ConfigError, intEnv, optionalEnv, requireEnv } from '../shared/config.ts';
import {
  type DeliverSettings,
  deliverNotice,
  MalformedNoticeError,
  NoticeDeliveryError,
  OutboxChannel,
  parseNoticeMessage,
} from '../shared/notices/deliver.ts';
import { EmailChannel } from '../shared/notices/email-channel.ts';
import { WebhookChannel } from '../shared/notices/webhook-channel.ts';
import { logger, metrics } from './commons/powertools.ts';

export type { BatchResponse, SqsEvent, SqsRecord };

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

let ses: SESv2Client | undefined;

/**
 * The email channel, when SES_FROM_ADDRESS names the sender (an address of a verified SES
 * identity), through the configuration set SES_CONFIGURATION_SET if set. One SES client per
 * container, its own retries off (maxAttempts 1): the channel's are the only ones, so they fit the
 * function's 60 s — at most 2 emails a notice (one per language), each at most 3 attempts of 3 s
 * and backoffs of at most 0.25 + 0.5 s: ≤ 19.5 s, beside the webhook's ≤ 21.75 s.
 */
const emailChannels = (): EmailChannel[] => {
  const fromAddress = optionalEnv('SES_FROM_ADDRESS');
  if (fromAddress === undefined) return [];
  ses ??= new SESv2Client({ maxAttempts: 1 });
  return [
    new EmailChannel({
      client: ses,
      fromAddress,
      configurationSetName: optionalEnv('SES_CONFIGURATION_SET'),
      timeoutMs: 3_000,
      attempts: 3,
      backoffMs: 250,
      maxBackoffMs: 1_000,
    }),
  ];
};

/**
 * From the environment (written by the infra only): the outbox when OUTBOX_DIR is set (the
 * embedded run's channel: files, never in AWS, where /tmp dies with the container), the webhook
 * when its secret is configured, and email when its sender is. A notice no channel serves fails
 * (NoticeUndeliverableError) and ends in the dead-letter queue, never marked delivered.
 */
export const workerSettings = (): DeliverSettings => {
  const outbox = optionalEnv('OUTBOX_DIR');
  return {
    table: makeTable(requireEnv('TABLE_NAME')),
    channels: [...(outbox === undefined ? [] : [new OutboxChannel(outbox)]), ...webhookChannels(), ...emailChannels()],
    leaseSeconds: intEnv('NOTICE_LEASE_SECONDS', 120, 1),
    now: () => new Date(),
  };
};

/**
 * What the worker does with a notice that cannot be delivered (SPEC R11: it is never lost):
 *   - a permanent failure (a malformed body, a notice not recorded, no channel for the account, a
 *     channel that refuses it) goes straight to the dead-letter queue with its reason as message
 *     attributes, and its record is marked `failed` with the reason; the message is deleted from
 *     the queue. Without a DLQ URL it is reported failed and reaches the DLQ after maxReceives.
 *   - a retryable failure is reported, so the message comes back after the visibility timeout; at
 *     its last receive the record is marked `failed` with the reason before SQS moves it.
 * `sla notices redrive` moves dead letters back; a failed notice is taken again then.
 */
export interface FailureSettings {
  readonly deadLetter?: { readonly client: SQSClient; readonly url: string };
  /** the queue's maxReceiveCount */
  readonly maxReceives?: number;
}

export const failureSettings = (): FailureSettings => {
  const url = optionalEnv('NOTICE_DLQ_URL');
  return {
    ...(url === undefined ? {} : { deadLetter: { client: new SQSClient({}), url } }),
    maxReceives: intEnv('NOTICE_MAX_RECEIVES', 5, 1),
  };
};

const failureOf = (e: unknown): NoticeFailure =>
  e instanceof NoticeDeliveryError
    ? { code: e.code, reason: e.message }
    : { code: 'NOTICE_ERROR', reason: errorText(e) };

export const makeHandler = (settings: DeliverSettings, failures: FailureSettings = {}) => {
  const { deadLetter, maxReceives = 5 } = failures;

  /** the message, as it came, to the DLQ with why; true once the DLQ took it */
  const toDeadLetter = async (record: SqsRecord, failure: NoticeFailure): Promise<boolean> => {
    if (deadLetter === undefined) return false;
    const attributes: Record<string, MessageAttributeValue> = {};
    for (const [name, value] of Object.entries(record.messageAttributes)) {
      if (value.stringValue !== undefined)
        attributes[name] = { DataType: value.dataType, StringValue: value.stringValue };
    }
    attributes.failureCode = { DataType: 'String', StringValue: failure.code };
    attributes.failureReason = { DataType: 'String', StringValue: failure.reason.slice(0, 1000) };
    try {
      await deadLetter.client.send(
        new SendMessageCommand({ QueueUrl: deadLetter.url, MessageBody: record.body, MessageAttributes: attributes }),
      );
      return true;
    } catch (e) {
      logger.error('dead-letter queue did not take the message', { messageId: record.messageId, error: errorText(e) });
      return false;
    }
  };

  const recordFailure = async (message: NoticeMessage | undefined, failure: NoticeFailure): Promise<void> => {
    if (message === undefined) return;
    try {
      await markFailed(settings.table, message.notice, settings.now(), failure);
    } catch (e) {
      logger.error('notice failure not recorded', { noticeId: message.notice.noticeId, error: errorText(e) });
    }
  };

  const deliverRecord = async (record: SqsRecord, tally: Tally): Promise<void> => {
    // the message attribute names the notice even when the body cannot be read
    const noticeId = record.messageAttributes.noticeId?.stringValue;
    const receiveCount = Number(record.attributes.ApproximateReceiveCount ?? '0');
    let message: NoticeMessage | undefined;
    try {
      message = parseNoticeMessage(record.body);
      const outcome = await deliverNotice(settings, message);
      if (outcome.outcome === 'duplicate') {
        tally.duplicates++;
        logger.info('notice delivered before: message dropped', { messageId: record.messageId, noticeId });
      } else if (outcome.outcome === 'superseded') {
        tally.superseded++;
        logger.info('notice superseded by a later version delivered first: not sent', {
          messageId: record.messageId,
          ...outcome,
        });
      } else {
        tally.delivered++;
        logger.info('notice delivered', { messageId: record.messageId, ...outcome });
      }
    } catch (e) {
      tally.failed++;
      const context = { messageId: record.messageId, noticeId, receiveCount };
      const failure = failureOf(e);
      const permanent = e instanceof NoticeDeliveryError && !e.retryable;
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
      if (permanent) {
        await recordFailure(message, failure);
        if (await toDeadLetter(record, failure)) {
          tally.deadLettered++;
          return; // the DLQ holds it now: the message is deleted from the queue
        }
      } else if (receiveCount >= maxReceives) {
        // SQS moves it to the DLQ after this receive
        await recordFailure(message, {
          code: failure.code,
          reason: `${failure.reason} (after ${receiveCount} receives)`,
        });
      }
      throw e;
    }
  };

  return async (event: SqsEvent): Promise<BatchResponse> => {
    const tally: Tally = { delivered: 0, duplicates: 0, superseded: 0, failed: 0, malformed: 0, deadLettered: 0 };
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
      metrics.addMetric('NoticesSuperseded', MetricUnit.Count, tally.superseded);
      metrics.addMetric('NoticesDeadLettered', MetricUnit.Count, tally.deadLettered);
    }
  };
};

interface Tally {
  delivered: number;
  duplicates: number;
  superseded: number;
  failed: number;
  malformed: number;
  deadLettered: number;
}

const errorText = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

let worker: ((event: SqsEvent) => Promise<BatchResponse>) | undefined;
/** Settings and clients are built once per container, on the first invocation (importing the module builds nothing). */
const once = (): ((event: SqsEvent) => Promise<BatchResponse>) => {
  worker ??= makeHandler(workerSettings(), failureSettings());
  return worker;
};
export const handler = middy((event: SqsEvent) => once()(event))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
