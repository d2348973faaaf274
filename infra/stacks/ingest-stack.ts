// Ingestion: two scheduled functions that turn probe results into minute facts, and the daily
// compaction that folds each sealed UTC day's hour items into one day item.
//
//   EventBridge Scheduler (Asia/Shanghai) ─► ingest-probe-feed     ─┐
//                                         ─► run-prober            ─┼─► SLA table (Query/GetItem/PutItem/UpdateItem)
//                      daily 11:00 ──────► compact-minute-facts  ─┘
//   undeliverable ticks, and invocations still failing after Lambda's retries ─► IngestDeadLetterQueue
//   alarms: errors of each function, QuarantinedRecords > 0 per source, probe coverage per source
//   (ProbeCoveragePercent below probeCoverageMinPercent for 3 feed windows / prober runs: some
//   accounts' probes stopped), no probe results at all per source (ProbeResults below the floor,
//   missing data breaching), a message in the dead-letter queue
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import {
  type Alarm,
  ComparisonOperator,
  type IAlarmAction,
  Metric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { COMPACTION_SOURCE, FEED_SOURCE, PROBER_SOURCE } from '../../shared/adapters/dynamodb/keys.ts';
import { alarmActionOf, deadLetterAlarmProps, type SlaAlarmProps, slaAlarm } from '../constructs/alarm.ts';
import { functionSchedule, POLICY_TIME_ZONE } from '../constructs/function-schedule.ts';
import { METRICS_NAMESPACE, SlaFunction } from '../constructs/sla-function.ts';
import { grantTableItems, type TableAction } from '../constructs/table-access.ts';
import { type SecretSource, secretOf } from './stateful-stack.ts';

export { POLICY_TIME_ZONE };

/** The only table actions the ingest functions use: single-item conditional writes and paged Queries. */
export const INGEST_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
] as const satisfies readonly TableAction[];

/** Powertools service names are the ingest source names: the quarantine of service X is pk QUARANTINE#X. */
export const FEED_SERVICE = FEED_SOURCE;
export const PROBER_SERVICE = PROBER_SOURCE;
export const COMPACTION_SERVICE = COMPACTION_SOURCE;

/**
 * 11:00 Asia/Shanghai is 03:00 UTC: the UTC day before ended three hours earlier, past its seal
 * and the margin for an ingest run still writing (COMPACT_AFTER_MINUTES, 2 h 30).
 */
export const COMPACTION_SCHEDULE = 'cron(0 11 * * ? *)';

/**
 * No probe results at all: ProbeResults, the probe results each source ingested. A source whose
 * sum stays below this for COVERAGE_PERIODS whole hours — missing data counts as a breach: a source
 * that stopped emitting is the drop to watch for — raises <Source>ProbeResultsLowAlarm. One per
 * hour is the floor that holds whatever the number of accounts; the feed delivers one closed
 * 60-minute window an hour, the prober a run every 10 minutes.
 */
export const MIN_PROBE_RESULTS_PER_HOUR = 1;
export const COVERAGE_PERIODS = 2;

/** The feed's window: one closed window an hour, each one ProbeCoveragePercent data point. */
export const FEED_WINDOW_MINUTES = 60;

/**
 * Probe coverage per account: each feed window and each prober run emits ProbeCoveragePercent, the
 * share of the accounts in service that had a probe result (functions/commons/coverage-metrics.ts).
 * Its minimum below probeCoverageMinPercent in this many consecutive periods — one period per
 * feed window, per prober run — raises <Source>ProbeCoverageAlarm: some accounts' probes stopped
 * while others go on, a gap a dispute would find. A period without a data point (a window not
 * ready yet, a run that ended across a period boundary) is skipped, not judged; a source that
 * stopped entirely is the ProbeResultsLowAlarm's.
 */
export const PROBE_COVERAGE_PERIODS = 3;

/** A period per prober run: `rate(N minutes|hours)` is its cadence; any other expression, an hour. */
export const proberCoveragePeriod = (schedule: string): Duration => {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours)\)$/.exec(schedule);
  const minutes = rate ? Number(rate[1]) * (rate[2]?.startsWith('hour') ? 60 : 1) : 60;
  // an alarm looks at most a day back: periods × PROBE_COVERAGE_PERIODS ≤ 24 h
  return Duration.minutes(Math.min(minutes, (24 * 60) / PROBE_COVERAGE_PERIODS));
};

export interface IngestStackProps extends StackProps {
  readonly envName: string;
  /** the SLA table; when it has a customer-managed key, the functions may use that key too */
  readonly table: ITable;
  readonly feedBaseUrl: string;
  readonly feedTokenSecret: SecretSource;
  /** EventBridge Scheduler expressions, evaluated in Asia/Shanghai: `rate(10 minutes)`, `cron(…)` */
  readonly feedSchedule: string;
  readonly proberSchedule: string;
  /** the probe coverage alarms' threshold, a whole percentage (config probeCoverageMinPercent) */
  readonly probeCoverageMinPercent: number;
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

    const feed = secretOf(this, 'FeedTokenSecret', props.feedTokenSecret);

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
        FEED_TOKEN_SECRET_ID: feed.secretId,
        FEED_WINDOW_MINUTES: String(FEED_WINDOW_MINUTES),
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
    // no deletes, no batch writes, no index ARNs (the table has no index).
    for (const fn of [this.feedFunction, this.proberFunction, this.compactionFunction]) {
      grantTableItems(fn, props.table, props.table.encryptionKey, INGEST_TABLE_ACTIONS);
    }
    feed.secret.grantRead(this.feedFunction);

    // A tick older than the next one is worth nothing: the next run does its work.
    const tick = { deadLetterQueue: this.deadLetterQueue, maxEventAge: Duration.minutes(10) };
    this.feedSchedule = functionSchedule(this, 'FeedSchedule', this.feedFunction, {
      expression: props.feedSchedule,
      ...tick,
    });
    this.proberSchedule = functionSchedule(this, 'ProberSchedule', this.proberFunction, {
      expression: props.proberSchedule,
      ...tick,
    });
    // A missed day is caught up by the next run (the watermark): a tick a day late is worth nothing.
    this.compactionSchedule = functionSchedule(this, 'CompactionSchedule', this.compactionFunction, {
      expression: COMPACTION_SCHEDULE,
      ...tick,
    });

    const action = alarmActionOf(this, props.alarmTopicArn);
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
    for (const [name, service, period, runs] of [
      ['Feed', FEED_SERVICE, Duration.minutes(FEED_WINDOW_MINUTES), 'feed windows'],
      ['Prober', PROBER_SERVICE, proberCoveragePeriod(props.proberSchedule), 'prober runs'],
    ] as const) {
      this.alarm(`${name}ProbeCoverageAlarm`, action, {
        metric: probeCoveragePercentOf(service, period),
        threshold: props.probeCoverageMinPercent,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: PROBE_COVERAGE_PERIODS,
        // a period without a window or run says nothing about coverage (no data: ProbeResultsLowAlarm)
        treatMissingData: TreatMissingData.MISSING,
        description: `Probe coverage: in ${PROBE_COVERAGE_PERIODS} consecutive ${runs}, ${service} had a result for fewer than ${props.probeCoverageMinPercent} % of the accounts in service (ProbeCoveragePercent; AccountsWithoutProbes counts the others). Their unavailability goes unobserved and their months become coverage gaps: ${service === FEED_SERVICE ? 'ask the probe system why those accounts are no longer probed' : 'check those accounts’ profiles (base URL, active)'}. See the ${service} log group`,
      });
    }
    for (const [name, service] of [
      ['Feed', FEED_SERVICE],
      ['Prober', PROBER_SERVICE],
    ] as const) {
      this.alarm(`${name}QuarantinedRecordsAlarm`, action, {
        metric: quarantinedRecordsOf(service),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        description: `${service} quarantined malformed records: query pk QUARANTINE#${service}`,
      });
      this.alarm(`${name}ProbeResultsLowAlarm`, action, {
        metric: probeResultsOf(service),
        threshold: MIN_PROBE_RESULTS_PER_HOUR,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: COVERAGE_PERIODS,
        // no data is the drop itself: the source ran no ingest, or ingested nothing
        treatMissingData: TreatMissingData.BREACHING,
        description: `No probe results: ${service} ingested fewer than ${MIN_PROBE_RESULTS_PER_HOUR} probe result(s) an hour for ${COVERAGE_PERIODS} hours (no data counts): is its schedule enabled, is the ${service === FEED_SERVICE ? 'probe feed reachable and its token valid' : 'account registry empty'}? See the ${service} log group`,
      });
    }
    this.alarm(
      'DeadLetterQueueAlarm',
      action,
      deadLetterAlarmProps(
        this.deadLetterQueue,
        'An ingest tick was not delivered, or its run failed after retries: read IngestDeadLetterQueue',
      ),
    );

    new CfnOutput(this, 'FeedFunctionName', { value: this.feedFunction.functionName });
    new CfnOutput(this, 'ProberFunctionName', { value: this.proberFunction.functionName });
    new CfnOutput(this, 'CompactionFunctionName', { value: this.compactionFunction.functionName });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.deadLetterQueue.queueUrl });
  }

  private alarm(id: string, action: IAlarmAction | undefined, props: SlaAlarmProps): void {
    this.alarms.push(slaAlarm(this, id, action, props));
  }
}

/** The probe results a source ingested, summed per hour (Powertools' `service` dimension). */
export const probeResultsOf = (service: string, period = Duration.hours(1)): Metric =>
  new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: 'ProbeResults',
    dimensionsMap: { service },
    statistic: Stats.SUM,
    period,
  });

/** The lowest probe coverage (whole percent of the accounts in service) of a source's windows or runs in a period. */
export const probeCoveragePercentOf = (service: string, period: Duration): Metric =>
  new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: 'ProbeCoveragePercent',
    dimensionsMap: { service },
    statistic: Stats.MINIMUM,
    period,
  });

/** The most accounts in service without a probe result in one of a source's windows or runs in a period. */
export const accountsWithoutProbesOf = (service: string, period: Duration): Metric =>
  new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: 'AccountsWithoutProbes',
    dimensionsMap: { service },
    statistic: Stats.MAXIMUM,
    period,
  });

/** The malformed records a source quarantined. */
export const quarantinedRecordsOf = (service: string, period = Duration.minutes(10)): Metric =>
  new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: 'QuarantinedRecords',
    dimensionsMap: { service },
    statistic: Stats.SUM,
    period,
  });
