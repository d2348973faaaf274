// The notice worker: delivers each notice the month-end queued, once (functions/notice-worker.ts,
// shared/notices/deliver.ts).
//
//   NoticeQueue (StatefulStack) ─► notice-worker (SQS event source, 10 a batch, ReportBatchItemFailures)
//                                    │ GetItem, UpdateItem on the SLA table (lease, channels, delivered)
//                                    ▼ channels: see below
//   a message failing NOTICE_MAX_RECEIVES times ─► NoticeDeadLetterQueue (StatefulStack)
//   alarms: errors of the worker, a message in the dead-letter queue, the oldest notice waiting > 1 hour
//
// Lease sizing (shared/notices/deliver.ts): function timeout (60 s) ≤ lease (120 s) ≤ the notice
// queue's visibility timeout (360 s).
import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { type Alarm, ComparisonOperator, type IAlarmAction, Stats } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { type SlaAlarmProps, slaAlarm } from '../constructs/alarm.ts';
import { SlaFunction } from '../constructs/sla-function.ts';
import { NOTICE_WORKER_TIMEOUT_SECONDS } from './stateful-stack.ts';

/** Powertools service name of the worker. */
export const NOTICE_WORKER_SERVICE = 'notice-worker';

/**
 * The only table actions the worker uses (shared/adapters/dynamodb/notice-repository.ts,
 * registry-repository.ts): UpdateItem to take the lease, record a channel and mark delivered;
 * GetItem to read the notice's state and the account's contact preferences.
 */
export const NOTICE_WORKER_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:UpdateItem'] as const;

/** How long a worker holds a notice: ≥ the function timeout, ≤ the queue's visibility timeout. */
export const NOTICE_LEASE_SECONDS = 120;

/** Messages per invocation, and how long Lambda may wait to fill a batch. */
export const NOTICE_BATCH_SIZE = 10;
export const NOTICE_BATCHING_WINDOW_SECONDS = 5;

/** A notice older than this on the queue: the worker is not taking them. */
export const NOTICE_MAX_AGE_SECONDS = 3600;

export interface NoticesStackProps extends StackProps {
  readonly envName: string;
  readonly table: ITable;
  readonly tableKey: IKey;
  readonly noticeQueue: IQueue;
  readonly noticeDeadLetterQueue: IQueue;
  readonly logRetention: RetentionDays;
  /** an SNS topic every alarm notifies; none: alarms are only visible in CloudWatch */
  readonly alarmTopicArn?: string | undefined;
}

export class NoticesStack extends Stack {
  readonly workerFunction: SlaFunction;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: NoticesStackProps) {
    super(scope, id, props);

    this.workerFunction = new SlaFunction(this, 'NoticeWorkerFunction', {
      entry: 'functions/notice-worker.ts',
      serviceName: NOTICE_WORKER_SERVICE,
      description: `TCMPP SLA (${props.envName}): delivers each queued notice once`,
      memorySize: 256,
      // The notice queue's visibility timeout (StatefulStack) is six of these.
      timeout: Duration.seconds(NOTICE_WORKER_TIMEOUT_SECONDS),
      logRetention: props.logRetention,
      // What workerSettings() reads. No POLICY_TIME_ZONE: the worker reads no calendar.
      //
      // No OUTBOX_DIR: the outbox (files) is the embedded run's channel only. Until a channel
      // serves an account (the webhook below; email later), its notices fail as undeliverable —
      // never marked delivered — and move to the dead-letter queue after NOTICE_MAX_RECEIVES
      // (DeadLetterQueueAlarm), kept there ≥ 10 days for a redrive.
      //
      // The webhook channel is enabled by setting WEBHOOK_SECRET_ID (the signing secret's name or
      // ARN in Secrets Manager) and granting read on that secret (secret.grantRead(this.workerFunction)).
      environment: {
        TABLE_NAME: props.table.tableName,
        NOTICE_LEASE_SECONDS: String(NOTICE_LEASE_SECONDS),
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

    // Least privilege on the table: the item actions the code uses, on the table itself (no index:
    // the table has none).
    this.workerFunction.addToRolePolicy(
      new PolicyStatement({
        sid: 'SlaTableItems',
        actions: [...NOTICE_WORKER_TABLE_ACTIONS],
        resources: [props.table.tableArn],
      }),
    );
    props.tableKey.grantEncryptDecrypt(this.workerFunction);
    if (this.workerFunction.role !== undefined) {
      Validations.of(this.workerFunction.role).acknowledge(
        {
          id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
          reason:
            'Table key grant (tableKey.grantEncryptDecrypt): DynamoDB uses the table key on the caller’s behalf with the ReEncrypt* family; the statement names only the table’s key.',
        },
        {
          id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
          reason:
            'Table key grant (tableKey.grantEncryptDecrypt): DynamoDB uses the table key on the caller’s behalf with the GenerateDataKey* family; the statement names only the table’s key.',
        },
      );
    }

    const action =
      props.alarmTopicArn === undefined
        ? undefined
        : new SnsAction(Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn));
    // A whole batch failed (one failed message alone is reported, not an error): see the log.
    this.alarm('ErrorsAlarm', action, {
      metric: this.workerFunction.metricErrors({ period: Duration.minutes(5), statistic: Stats.SUM }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      description: 'The notice worker failed a whole batch at least once in 5 minutes: see its log group',
    });
    this.alarm('DeadLetterQueueAlarm', action, {
      metric: props.noticeDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: Stats.MAXIMUM,
      }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      description:
        'A notice could not be delivered after every retry: read NoticeDeadLetterQueue and the notice-worker log, fix, then redrive',
    });
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

    new CfnOutput(this, 'NoticeWorkerFunctionName', { value: this.workerFunction.functionName });
  }

  private alarm(id: string, action: IAlarmAction | undefined, props: SlaAlarmProps): void {
    this.alarms.push(slaAlarm(this, id, action, props));
  }
}
