// Ingestion: two scheduled functions that turn probe results into minute facts, and the daily
// compaction that folds each sealed UTC day's hour items into one day item.
//
//   EventBridge Scheduler (Asia/Shanghai) ─► ingest-probe-feed     ─┐
//                                         ─► run-prober            ─┼─► SLA table (Query/GetItem/PutItem/UpdateItem)
//                      daily 11:00 ──────► compact-minute-facts  ─┘
//   undeliverable ticks, and invocations still failing after Lambda's retries ─► IngestDeadLetterQueue
//   alarms: errors of each function, QuarantinedRecords > 0 per source, a message in the dead-letter queue
import { CfnOutput, Duration, Stack, type StackProps, TimeZone, Validations } from 'aws-cdk-lib';
import { type Alarm, ComparisonOperator, type IAlarmAction, Metric, Stats } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { COMPACTION_SOURCE, FEED_SOURCE, PROBER_SOURCE } from '../../shared/adapters/dynamodb/keys.ts';
import { type SlaAlarmProps, slaAlarm } from '../constructs/alarm.ts';
import { METRICS_NAMESPACE, SlaFunction } from '../constructs/sla-function.ts';
import type { FeedTokenSecret } from './stateful-stack.ts';

/** The only table actions the ingest functions use: single-item conditional writes and paged Queries. */
export const INGEST_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
] as const;

/** The business calendar and claim windows are in China time; so are the schedules. */
export const POLICY_TIME_ZONE = TimeZone.ASIA_SHANGHAI;

/** Powertools service names are the ingest source names: the quarantine of service X is pk QUARANTINE#X. */
export const FEED_SERVICE = FEED_SOURCE;
export const PROBER_SERVICE = PROBER_SOURCE;
export const COMPACTION_SERVICE = COMPACTION_SOURCE;

/**
 * 11:00 Asia/Shanghai is 03:00 UTC: the UTC day before ended three hours earlier, past its seal
 * and the margin for an ingest run still writing (COMPACT_AFTER_MINUTES, 2 h 30).
 */
export const COMPACTION_SCHEDULE = 'cron(0 11 * * ? *)';

export interface IngestStackProps extends StackProps {
  readonly envName: string;
  /** the SLA table; when it has a customer-managed key, the functions may use that key too */
  readonly table: ITable;
  readonly feedBaseUrl: string;
  readonly feedTokenSecret: FeedTokenSecret;
  /** EventBridge Scheduler expressions, evaluated in Asia/Shanghai: `rate(10 minutes)`, `cron(…)` */
  readonly feedSchedule: string;
  readonly proberSchedule: string;
  readonly logRetention: RetentionDays;
  /** an SNS topic every alarm notifies; none: alarms are only visible in CloudWatch */
  readonly alarmTopicArn?: string | undefined;
}

export class IngestStack extends Stack {
  readonly feedFunction: SlaFunction;
  readonly proberFunction: SlaFunction;
  readonly compactionFunction: SlaFunction;
  readonly deadLetterQueue: Queue;
  readonly feedSchedule: Schedule;
  readonly proberSchedule: Schedule;
  readonly compactionSchedule: Schedule;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: IngestStackProps) {
    super(scope, id, props);

    this.deadLetterQueue = new Queue(this, 'IngestDeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    const common = {
      TABLE_NAME: props.table.tableName,
      POLICY_TIME_ZONE: POLICY_TIME_ZONE.timezoneName,
      RETENTION_DAYS_AFTER_CLAIM_CLOSE: '30',
    };

    const feedSecret =
      'secret' in props.feedTokenSecret
        ? props.feedTokenSecret.secret
        : Secret.fromSecretNameV2(this, 'FeedTokenSecret', props.feedTokenSecret.secretName);

    this.feedFunction = new SlaFunction(this, 'FeedFunction', {
      entry: 'functions/ingest-probe-feed.ts',
      serviceName: FEED_SERVICE,
      description: `TCMPP SLA (${props.envName}): pulls closed probe feed windows into minute facts`,
      memorySize: 1024,
      // Up to 24 windows a run; a run cut short resumes from the watermark on the next tick.
      timeout: Duration.minutes(10),
      logRetention: props.logRetention,
      deadLetterQueue: this.deadLetterQueue,
      environment: {
        ...common,
        FEED_BASE_URL: props.feedBaseUrl,
        // an ARN for a secret of this app, the name for an imported one: GetSecretValue takes either
        FEED_TOKEN_SECRET_ID: 'secret' in props.feedTokenSecret ? feedSecret.secretArn : feedSecret.secretName,
        FEED_WINDOW_MINUTES: '60',
        FEED_LAG_MINUTES: '10',
      },
    });

    this.proberFunction = new SlaFunction(this, 'ProberFunction', {
      entry: 'functions/run-prober.ts',
      serviceName: PROBER_SERVICE,
      description: `TCMPP SLA (${props.envName}): built-in prober, 10 rounds a run, then ingests them`,
      memorySize: 512,
      // 10 rounds 60 s apart, each round bounded by the 5 s probe timeout.
      timeout: Duration.minutes(12),
      logRetention: props.logRetention,
      deadLetterQueue: this.deadLetterQueue,
      // A retried run would overlap the next scheduled one; the next run probes again instead.
      retryAttempts: 0,
      environment: {
        ...common,
        PROBER_TIMEOUT_MS: '5000',
        PROBER_CONCURRENCY: '32',
        PROBER_ROUNDS: '10',
        PROBER_ROUND_INTERVAL_MS: '60000',
      },
    });

    this.compactionFunction = new SlaFunction(this, 'CompactionFunction', {
      entry: 'functions/compact-minute-facts.ts',
      serviceName: COMPACTION_SERVICE,
      description: `TCMPP SLA (${props.envName}): folds each sealed UTC day's hour items into one day item per account`,
      memorySize: 512,
      // Up to 3 days a run (catch-up), each one Query and one PutItem per account, 16 at a time.
      timeout: Duration.minutes(15),
      logRetention: props.logRetention,
      deadLetterQueue: this.deadLetterQueue,
      environment: {
        ...common,
        COMPACTION_MAX_DAYS_PER_RUN: '3',
        COMPACTION_CONCURRENCY: '16',
      },
    });

    // Least privilege on the table: the item actions the code uses, on the table itself — no Scan,
    // no deletes, no batch writes, no index ARNs (the table has no index). Not grantReadWriteData,
    // which would add all of those.
    for (const fn of [this.feedFunction, this.proberFunction, this.compactionFunction]) {
      fn.addToRolePolicy(
        new PolicyStatement({
          sid: 'SlaTableItems',
          actions: [...INGEST_TABLE_ACTIONS],
          resources: [props.table.tableArn],
        }),
      );
      if (props.table.encryptionKey !== undefined) {
        props.table.encryptionKey.grantEncryptDecrypt(fn);
        if (fn.role !== undefined) {
          Validations.of(fn.role).acknowledge(
            {
              id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
              reason:
                'Table key grant (table.encryptionKey.grantEncryptDecrypt): DynamoDB uses the table key on the caller’s behalf with the ReEncrypt* family; the statement names only the table’s key.',
            },
            {
              id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
              reason:
                'Table key grant (table.encryptionKey.grantEncryptDecrypt): DynamoDB uses the table key on the caller’s behalf with the GenerateDataKey* family; the statement names only the table’s key.',
            },
          );
        }
      }
    }
    feedSecret.grantRead(this.feedFunction);

    this.feedSchedule = this.scheduleOf('FeedSchedule', this.feedFunction, props.feedSchedule);
    this.proberSchedule = this.scheduleOf('ProberSchedule', this.proberFunction, props.proberSchedule);
    // A missed day is caught up by the next run (the watermark): a tick a day late is worth nothing.
    this.compactionSchedule = this.scheduleOf('CompactionSchedule', this.compactionFunction, COMPACTION_SCHEDULE);

    const action =
      props.alarmTopicArn === undefined
        ? undefined
        : new SnsAction(Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn));
    for (const [name, fn] of [
      ['Feed', this.feedFunction],
      ['Prober', this.proberFunction],
      ['Compaction', this.compactionFunction],
    ] as const) {
      this.alarm(`${name}ErrorsAlarm`, action, {
        metric: fn.metricErrors({ period: Duration.minutes(10), statistic: Stats.SUM }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        description: `${fn.node.id} failed at least once in 10 minutes: see its log group`,
      });
    }
    for (const [name, service] of [
      ['Feed', FEED_SERVICE],
      ['Prober', PROBER_SERVICE],
    ] as const) {
      this.alarm(`${name}QuarantinedRecordsAlarm`, action, {
        metric: new Metric({
          namespace: METRICS_NAMESPACE,
          metricName: 'QuarantinedRecords',
          dimensionsMap: { service },
          statistic: Stats.SUM,
          period: Duration.minutes(10),
        }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        description: `${service} quarantined malformed records: query pk QUARANTINE#${service}`,
      });
    }
    this.alarm('DeadLetterQueueAlarm', action, {
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: Stats.MAXIMUM,
      }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      description: 'An ingest tick was not delivered, or its run failed after retries: read IngestDeadLetterQueue',
    });

    new CfnOutput(this, 'FeedFunctionName', { value: this.feedFunction.functionName });
    new CfnOutput(this, 'ProberFunctionName', { value: this.proberFunction.functionName });
    new CfnOutput(this, 'CompactionFunctionName', { value: this.compactionFunction.functionName });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.deadLetterQueue.queueUrl });
  }

  private scheduleOf(id: string, fn: SlaFunction, expression: string): Schedule {
    const schedule = new Schedule(this, id, {
      schedule: ScheduleExpression.expression(expression, POLICY_TIME_ZONE),
      description: `Runs ${fn.node.id}`,
      target: new LambdaInvoke(fn, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 3,
        // A tick older than the next one is worth nothing: the next run does its work.
        maxEventAge: Duration.minutes(10),
      }),
    });
    // LambdaInvoke grants lambda:InvokeFunction on the function and on `<function ARN>:*` (its
    // versions and aliases) to the scheduler role it creates; acknowledged for this function only.
    const functionArn = `<${this.getLogicalId(fn.node.defaultChild as CfnFunction)}.Arn>`;
    Validations.of(this).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${functionArn}:*]`,
      reason: `The ${id} role may invoke one function, ${fn.node.id}; the :* suffix added by the target only covers that function's versions and aliases.`,
    });
    return schedule;
  }

  private alarm(id: string, action: IAlarmAction | undefined, props: SlaAlarmProps): void {
    this.alarms.push(slaAlarm(this, id, action, props));
  }
}
