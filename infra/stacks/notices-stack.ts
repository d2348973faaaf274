// The notices: the worker delivers each notice the month-end (or the reminder run) queued, once
// (functions/notice-worker.ts, shared/notices/deliver.ts); the daily reminder run queues the
// reminders that fall due (functions/notice-reminders.ts, shared/notices/reminders.ts).
//
//   NoticeQueue (StatefulStack) ─► notice-worker (SQS event source, 10 a batch, ReportBatchItemFailures)
//                                    │ GetItem, UpdateItem on the SLA table (lease, channels, delivered, failed)
//                                    ▼ channels: webhook (WEBHOOK_SECRET_ID), email (SES_FROM_ADDRESS), see below
//   a permanent failure: sent to NoticeDeadLetterQueue at once (NOTICE_DLQ_URL); a retryable one
//   after NOTICE_MAX_RECEIVES deliveries
//
//   EventBridge Scheduler, daily 09:00 Asia/Shanghai (reminderSchedule) ─► notice-reminders
//       Query, BatchGetItem, GetItem, PutItem, UpdateItem on the table; SendMessage to NoticeQueue
//   undeliverable ticks, and runs still failing after Lambda's retries ─► ReminderDeadLetterQueue
//
//   alarms: errors of the worker and of the reminder run, failed notice messages that keep coming
//   back, a message in either dead-letter queue, the oldest notice waiting > 1 hour
//
// Lease sizing (shared/notices/deliver.ts): function timeout (60 s) ≤ lease (120 s) ≤ the notice
// queue's visibility timeout (360 s).
import { Arn, ArnFormat, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { type Alarm, ComparisonOperator, type IAlarmAction, Metric, Stats } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  alarmActionOf,
  deadLetterAlarmProps,
  functionErrorsAlarmProps,
  type SlaAlarmProps,
  slaAlarm,
} from '../constructs/alarm.ts';
import { functionSchedule, POLICY_TIME_ZONE } from '../constructs/function-schedule.ts';
import { METRICS_NAMESPACE, SlaFunction } from '../constructs/sla-function.ts';
import { grantTableItems, type TableAction } from '../constructs/table-access.ts';
import { NOTICE_MAX_RECEIVES, NOTICE_WORKER_TIMEOUT_SECONDS } from './stateful-stack.ts';

/** Powertools service names. */
export const NOTICE_WORKER_SERVICE = 'notice-worker';
export const NOTICE_REMINDERS_SERVICE = 'notice-reminders';

/**
 * The only table actions the worker uses (shared/adapters/dynamodb/notice-repository.ts,
 * registry-repository.ts): UpdateItem to take the lease, record a channel, mark delivered,
 * superseded or failed; GetItem to read the notice's state and the account's contact preferences
 * (a correction marks what it supersedes when it is created, so the worker needs no Query).
 */
export const NOTICE_WORKER_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:UpdateItem',
] as const satisfies readonly TableAction[];

/**
 * The reminder run's table actions (shared/notices/reminders.ts): Query the day's reminder index;
 * BatchGetItem the latest results and accepted-claim markers of the day's service months; GetItem
 * a version and the checkpoint; PutItem the reminder notice (conditional: once) and a moved index
 * entry; UpdateItem to mark it enqueued and move the checkpoint.
 */
export const NOTICE_REMINDERS_TABLE_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
] as const satisfies readonly TableAction[];

/** How long a worker holds a notice: ≥ the function timeout, ≤ the queue's visibility timeout. */
export const NOTICE_LEASE_SECONDS = 120;

/** Messages per invocation, and how long Lambda may wait to fill a batch. */
export const NOTICE_BATCH_SIZE = 10;
export const NOTICE_BATCHING_WINDOW_SECONDS = 5;

/** A notice older than this on the queue: the worker is not taking them. */
export const NOTICE_MAX_AGE_SECONDS = 3600;

/**
 * Failed notice messages: some in NOTICE_FAILURE_DATAPOINTS of NOTICE_FAILURE_PERIODS 5-minute
 * periods. A message that failed comes back after the visibility timeout (6 minutes), so one that
 * keeps failing shows in 2 of 3 periods; a one-off failure that the next delivery fixes does not.
 */
export const NOTICE_FAILURE_PERIODS = 3;
export const NOTICE_FAILURE_DATAPOINTS = 2;

/** The email channel: who the notices come from, and what the worker may send as. */
export interface NoticeEmail {
  readonly fromAddress: string;
  /** the verified SES identity (the address, or its domain) */
  readonly identityArn: string;
  /** an SES configuration set's name, in the identity's account and region */
  readonly configurationSet?: string | undefined;
}

export interface NoticesStackProps extends StackProps {
  readonly envName: string;
  readonly table: ITable;
  readonly tableKey: IKey;
  readonly noticeQueue: IQueue;
  readonly noticeDeadLetterQueue: IQueue;
  readonly logRetention: RetentionDays;
  /** an SNS topic every alarm notifies; none: alarms are only visible in CloudWatch */
  readonly alarmTopicArn?: string | undefined;
  /** the email channel; none: the worker sends no email */
  readonly email?: NoticeEmail | undefined;
  /** the Secrets Manager secret (by name) holding the webhook signing secret; none: no webhook channel */
  readonly webhookSecretName?: string | undefined;
  /** days before a claim window closes that its reminder is due */
  readonly reminderDaysBefore: number;
  /** when the reminder run runs, in Asia/Shanghai */
  readonly reminderSchedule: string;
}

export class NoticesStack extends Stack {
  readonly workerFunction: SlaFunction;
  readonly remindersFunction: SlaFunction;
  readonly reminderDeadLetterQueue: Queue;
  readonly reminderSchedule: Schedule;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: NoticesStackProps) {
    super(scope, id, props);

    const webhookSecret =
      props.webhookSecretName === undefined
        ? undefined
        : Secret.fromSecretNameV2(this, 'WebhookSecret', props.webhookSecretName);

    this.workerFunction = new SlaFunction(this, 'NoticeWorkerFunction', {
      entry: 'functions/notice-worker.ts',
      serviceName: NOTICE_WORKER_SERVICE,
      description: `TCMPP SLA (${props.envName}): delivers each queued notice once`,
      memorySize: 256,
      // The notice queue's visibility timeout (StatefulStack) is six of these.
      timeout: Duration.seconds(NOTICE_WORKER_TIMEOUT_SECONDS),
      logRetention: props.logRetention,
      // What workerSettings() and failureSettings() read. No POLICY_TIME_ZONE: the worker reads no
      // calendar. No OUTBOX_DIR: the outbox (files) is the embedded run's channel only.
      //
      // Channels: the webhook when its signing secret is configured (WEBHOOK_SECRET_ID, the
      // secret's name: never its value), email when its sender is (SES_FROM_ADDRESS). A notice no
      // channel serves fails as undeliverable — never marked delivered — and goes to the
      // dead-letter queue (DeadLetterQueueAlarm), kept there ≥ 10 days for a redrive.
      environment: {
        TABLE_NAME: props.table.tableName,
        NOTICE_LEASE_SECONDS: String(NOTICE_LEASE_SECONDS),
        NOTICE_DLQ_URL: props.noticeDeadLetterQueue.queueUrl,
        NOTICE_MAX_RECEIVES: String(NOTICE_MAX_RECEIVES),
        ...(webhookSecret === undefined ? {} : { WEBHOOK_SECRET_ID: webhookSecret.secretName }),
        ...(props.email === undefined
          ? {}
          : {
              SES_FROM_ADDRESS: props.email.fromAddress,
              ...(props.email.configurationSet === undefined
                ? {}
                : { SES_CONFIGURATION_SET: props.email.configurationSet }),
            }),
      },
    });

    // Each failed message is reported alone (the handler returns batchItemFailures): only those
    // come back. The event source grants what it needs of the queue (Receive, Delete,
    // ChangeMessageVisibility, GetQueueAttributes, GetQueueUrl) on the notice queue only.
    this.workerFunction.addEventSource(
      new SqsEventSource(props.noticeQueue, {
        batchSize: NOTICE_BATCH_SIZE,
        maxBatchingWindow: Duration.seconds(NOTICE_BATCHING_WINDOW_SECONDS),
        reportBatchItemFailures: true,
      }),
    );
    grantTableItems(this.workerFunction, props.table, props.tableKey, NOTICE_WORKER_TABLE_ACTIONS);
    // A permanent failure goes to the dead-letter queue at once, with its reason.
    this.workerFunction.addToRolePolicy(
      new PolicyStatement({
        sid: 'NoticeDeadLetterSend',
        actions: ['sqs:SendMessage'],
        resources: [props.noticeDeadLetterQueue.queueArn],
      }),
    );
    webhookSecret?.grantRead(this.workerFunction);
    if (props.email !== undefined) {
      this.workerFunction.addToRolePolicy(sesSendStatement(props.email));
    }

    this.reminderDeadLetterQueue = new Queue(this, 'ReminderDeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.remindersFunction = new SlaFunction(this, 'NoticeRemindersFunction', {
      entry: 'functions/notice-reminders.ts',
      serviceName: NOTICE_REMINDERS_SERVICE,
      description: `TCMPP SLA (${props.envName}): queues the reminders due today (SPEC R11)`,
      memorySize: 512,
      // One day's index (and up to two weeks' when catching up), sends in batches of 10.
      timeout: Duration.minutes(5),
      logRetention: props.logRetention,
      deadLetterQueue: this.reminderDeadLetterQueue,
      environment: {
        TABLE_NAME: props.table.tableName,
        NOTICE_QUEUE_URL: props.noticeQueue.queueUrl,
        REMINDER_DAYS_BEFORE: String(props.reminderDaysBefore),
        POLICY_TIME_ZONE: POLICY_TIME_ZONE.timezoneName,
      },
    });
    grantTableItems(this.remindersFunction, props.table, props.tableKey, NOTICE_REMINDERS_TABLE_ACTIONS);
    // SendMessage only (grantSendMessages would add GetQueueAttributes and GetQueueUrl, unused).
    this.remindersFunction.addToRolePolicy(
      new PolicyStatement({
        sid: 'NoticeQueueSend',
        actions: ['sqs:SendMessage'],
        resources: [props.noticeQueue.queueArn],
      }),
    );
    // A run that fails is retried by Lambda (twice), then its tick lands in the dead-letter queue;
    // the next day's run reads the days missed since its checkpoint anyway. A tick a few hours late
    // still reminds on the day.
    this.reminderSchedule = functionSchedule(this, 'ReminderSchedule', this.remindersFunction, {
      expression: props.reminderSchedule,
      deadLetterQueue: this.reminderDeadLetterQueue,
      maxEventAge: Duration.hours(6),
    });

    const action = alarmActionOf(this, props.alarmTopicArn);
    // A whole batch failed (one failed message alone is reported, not an error): see the log.
    this.alarm(
      'ErrorsAlarm',
      action,
      functionErrorsAlarmProps(
        this.workerFunction,
        'The notice worker failed a whole batch at least once in 5 minutes: see its log group',
      ),
    );
    this.alarm('NoticeFailuresAlarm', action, {
      metric: noticeWorkerMetric('NoticeMessagesFailed'),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: NOTICE_FAILURE_PERIODS,
      datapointsToAlarm: NOTICE_FAILURE_DATAPOINTS,
      description:
        'Notices keep failing delivery (NoticeMessagesFailed in 2 of 3 five-minute periods): a channel is down or refusing — see the notice-worker log (code, retryable)',
    });
    this.alarm(
      'DeadLetterQueueAlarm',
      action,
      deadLetterAlarmProps(
        props.noticeDeadLetterQueue,
        'A notice could not be delivered: read NoticeDeadLetterQueue (failureCode, failureReason) and the notice-worker log, fix, then redrive',
      ),
    );
    this.alarm('OldestNoticeAlarm', action, {
      metric: props.noticeQueue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(5),
        statistic: Stats.MAXIMUM,
      }),
      threshold: NOTICE_MAX_AGE_SECONDS,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      description:
        'A notice has waited on the notice queue for more than an hour: is the notice worker’s event source enabled, is it throttled?',
    });
    this.alarm(
      'RemindersErrorsAlarm',
      action,
      functionErrorsAlarmProps(
        this.remindersFunction,
        'The reminder run failed (some reminders could not be queued, or the run itself): see the notice-reminders log; the next run reads the missed days again',
      ),
    );
    this.alarm(
      'ReminderDeadLetterQueueAlarm',
      action,
      deadLetterAlarmProps(
        this.reminderDeadLetterQueue,
        'A reminder tick was not delivered, or its run failed after retries: read ReminderDeadLetterQueue, then invoke notice-reminders once by hand',
      ),
    );

    new CfnOutput(this, 'NoticeWorkerFunctionName', { value: this.workerFunction.functionName });
    new CfnOutput(this, 'NoticeRemindersFunctionName', { value: this.remindersFunction.functionName });
    new CfnOutput(this, 'ReminderDeadLetterQueueUrl', { value: this.reminderDeadLetterQueue.queueUrl });
  }

  private alarm(id: string, action: IAlarmAction | undefined, props: SlaAlarmProps): void {
    this.alarms.push(slaAlarm(this, id, action, props));
  }
}

/** A metric the notice worker emits (Powertools, `service` dimension), summed. */
export const noticeWorkerMetric = (metricName: string, period = Duration.minutes(5)): Metric =>
  new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: NOTICE_WORKER_SERVICE },
    statistic: Stats.SUM,
    period,
  });

/**
 * ses:SendEmail (SES v2) as the configured identity only, from the configured address only, and
 * through the configured configuration set when there is one (SendEmail names it as a resource).
 */
export const sesSendStatement = (email: NoticeEmail): PolicyStatement => {
  const identity = Arn.split(email.identityArn, ArnFormat.SLASH_RESOURCE_NAME);
  const configurationSetArn =
    email.configurationSet === undefined
      ? undefined
      : `arn:${identity.partition}:ses:${identity.region}:${identity.account}:configuration-set/${email.configurationSet}`;
  return new PolicyStatement({
    sid: 'SesSendEmail',
    actions: ['ses:SendEmail'],
    resources: [email.identityArn, ...(configurationSetArn === undefined ? [] : [configurationSetArn])],
    conditions: { StringEquals: { 'ses:FromAddress': email.fromAddress } },
  });
};
