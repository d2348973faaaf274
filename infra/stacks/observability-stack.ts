// One CloudWatch dashboard for the whole pipeline, row by row:
//
//   alarms     the state of every alarm of the app
//   ingest     probe results, probe coverage (percent, accounts without probes) and quarantined
//              records per source; errors (and the ingest DLQ), duration
//   month-end  executions started/succeeded/failed/timed out/aborted; Map failures (child
//              executions of each Distributed Map, accounts that failed alone); evaluated months
//   notices    queue depth and age of the oldest notice, dead-letter queues, worker outcomes, reminders
//   claims     verdicts (accepted, rejected, refused) and the function URL's answers
//   Lambda     errors and throttles per function
//   DynamoDB   consumed capacity and throttles of the table
//
// The alarms stay in the stacks of what they watch; this stack only reads. Metric names are the
// ones the functions emit (Powertools, namespace TcmppSla, dimension service).
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import {
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  type IAlarm,
  type IMetric,
  type IWidget,
  Metric,
  Stats,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { METRICS_NAMESPACE, type SlaFunction } from '../constructs/sla-function.ts';
import { type ClaimsStack, claimsMetric, claimsUrlMetric } from './claims-stack.ts';
import {
  accountsWithoutProbesOf,
  COMPACTION_SERVICE,
  FEED_SERVICE,
  type IngestStack,
  PROBER_SERVICE,
  probeCoveragePercentOf,
  probeResultsOf,
  quarantinedRecordsOf,
} from './ingest-stack.ts';
import { MONTH_END_SERVICES, MONTH_END_STATES, type MonthEndStack } from './month-end-stack.ts';
import { NOTICE_REMINDERS_SERVICE, type NoticesStack, noticeWorkerMetric } from './notices-stack.ts';

/** The dashboard's widget titles: what an operator looks for, and what the tests look for. */
export const DASHBOARD_WIDGETS = {
  alarms: 'Alarms',
  probeResults: 'Ingest: probe results',
  probeCoverage: 'Ingest: probe coverage and accounts without probes',
  quarantined: 'Ingest: quarantined records',
  ingestErrors: 'Ingest: errors and dead letters',
  ingestDuration: 'Ingest: duration',
  executions: 'Month-end: executions',
  mapFailures: 'Month-end: Map failures',
  evaluated: 'Month-end: service months evaluated',
  noticeQueue: 'Notices: queue depth and oldest notice',
  noticeDeadLetters: 'Notices: dead-letter queues',
  noticeDelivery: 'Notices: delivered, failed, duplicates',
  reminders: 'Notices: reminders',
  claimVerdicts: 'Claims: accepted and rejected',
  claimRequests: 'Claims: function URL answers',
  lambdaErrors: 'Lambda: errors per function',
  lambdaThrottles: 'Lambda: throttles per function',
  dynamoCapacity: 'DynamoDB: consumed capacity',
  dynamoThrottles: 'DynamoDB: throttles',
} as const;

export interface ObservabilityStackProps extends StackProps {
  readonly envName: string;
  readonly table: ITable;
  readonly noticeQueue: IQueue;
  readonly noticeDeadLetterQueue: IQueue;
  readonly ingest: IngestStack;
  readonly monthEnd: MonthEndStack;
  readonly notices: NoticesStack;
  readonly claims: ClaimsStack;
  /** every alarm of the app */
  readonly alarms: readonly IAlarm[];
}

const FIVE_MINUTES = Duration.minutes(5);

export class ObservabilityStack extends Stack {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);
    const { ingest, monthEnd, notices, claims } = props;
    const W = DASHBOARD_WIDGETS;

    const functions: [string, SlaFunction][] = [
      [FEED_SERVICE, ingest.feedFunction],
      [PROBER_SERVICE, ingest.proberFunction],
      [COMPACTION_SERVICE, ingest.compactionFunction],
      [MONTH_END_SERVICES.plan, monthEnd.planFunction],
      [MONTH_END_SERVICES.evaluateBatch, monthEnd.evaluateBatchFunction],
      [MONTH_END_SERVICES.summarise, monthEnd.summariseFunction],
      [MONTH_END_SERVICES.notifyBatch, monthEnd.notifyBatchFunction],
      ['notice-worker', notices.workerFunction],
      [NOTICE_REMINDERS_SERVICE, notices.remindersFunction],
      ['claims-intake', claims.intakeFunction],
    ];
    const ingestFunctions = functions.slice(0, 3);

    const sm = monthEnd.stateMachine;
    const executions = (metric: Metric, label: string) => metric.with({ label, period: Duration.hours(1) });

    const rows: IWidget[][] = [
      [
        new TextWidget({
          markdown: `# TCMPP SLA (${props.envName})\nIngest → month-end → notices; claims. Runbooks: each alarm's description.`,
          width: 24,
          height: 2,
        }),
      ],
      [new AlarmStatusWidget({ title: W.alarms, alarms: [...props.alarms], width: 24, height: 6 })],
      [
        graph(W.probeResults, [
          probeResultsOf(FEED_SERVICE, FIVE_MINUTES).with({ label: 'probe feed' }),
          probeResultsOf(PROBER_SERVICE, FIVE_MINUTES).with({ label: 'prober' }),
        ]),
        // the feed has one point an hour (a window), the prober one a run
        new GraphWidget({
          title: W.probeCoverage,
          left: [
            probeCoveragePercentOf(FEED_SERVICE, FIVE_MINUTES).with({ label: 'probe feed: coverage % (min)' }),
            probeCoveragePercentOf(PROBER_SERVICE, FIVE_MINUTES).with({ label: 'prober: coverage % (min)' }),
          ],
          right: [
            accountsWithoutProbesOf(FEED_SERVICE, FIVE_MINUTES).with({ label: 'probe feed: accounts without probes' }),
            accountsWithoutProbesOf(PROBER_SERVICE, FIVE_MINUTES).with({ label: 'prober: accounts without probes' }),
          ],
          leftYAxis: { min: 0, max: 100, showUnits: false, label: '%' },
          rightYAxis: { min: 0, showUnits: false, label: 'accounts' },
          width: 12,
          height: 6,
        }),
        graph(W.quarantined, [
          quarantinedRecordsOf(FEED_SERVICE, FIVE_MINUTES).with({ label: 'probe feed' }),
          quarantinedRecordsOf(PROBER_SERVICE, FIVE_MINUTES).with({ label: 'prober' }),
        ]),
      ],
      [
        graph(
          W.ingestErrors,
          ingestFunctions.map(([service, fn]) => fn.metricErrors({ period: FIVE_MINUTES, label: service })),
          [
            ingest.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
              period: FIVE_MINUTES,
              statistic: Stats.MAXIMUM,
              label: 'ingest dead-letter queue',
            }),
          ],
          12,
        ),
        graph(
          W.ingestDuration,
          ingestFunctions.map(([service, fn]) =>
            fn.metricDuration({ period: FIVE_MINUTES, statistic: Stats.MAXIMUM, label: `${service} (max)` }),
          ),
          [],
          12,
        ),
      ],
      [
        graph(
          W.executions,
          [
            executions(sm.metricStarted(), 'started'),
            executions(sm.metricSucceeded(), 'succeeded'),
            executions(sm.metricFailed(), 'failed'),
            executions(sm.metricTimedOut(), 'timed out'),
            executions(sm.metricAborted(), 'aborted'),
          ],
          [],
          8,
        ),
        graph(
          W.mapFailures,
          [
            monthEnd.mapChildMetric(MONTH_END_STATES.evaluateBatches, 'ExecutionsFailed', Duration.hours(1)),
            monthEnd.mapChildMetric(MONTH_END_STATES.notifyBatches, 'ExecutionsFailed', Duration.hours(1)),
            monthEnd.mapChildMetric(MONTH_END_STATES.evaluateBatches, 'ExecutionsTimedOut', Duration.hours(1)),
            monthEnd.mapChildMetric(MONTH_END_STATES.notifyBatches, 'ExecutionsTimedOut', Duration.hours(1)),
            serviceMetric(MONTH_END_SERVICES.evaluateBatch, 'AccountsFailed', 'accounts failed (evaluation)'),
            serviceMetric(MONTH_END_SERVICES.notifyBatch, 'NoticeAccountsFailed', 'accounts failed (notices)'),
          ],
          [],
          8,
        ),
        graph(
          W.evaluated,
          [
            serviceMetric(MONTH_END_SERVICES.evaluateBatch, 'ServiceMonthsEvaluated', 'service months evaluated'),
            serviceMetric(MONTH_END_SERVICES.evaluateBatch, 'CoverageGaps', 'coverage gaps'),
            serviceMetric(MONTH_END_SERVICES.notifyBatch, 'WindowOpenNoticesQueued', 'window-open notices queued'),
            serviceMetric(MONTH_END_SERVICES.notifyBatch, 'CorrectionNoticesQueued', 'correction notices queued'),
          ],
          [],
          8,
        ),
      ],
      [
        graph(
          W.noticeQueue,
          [
            props.noticeQueue.metricApproximateNumberOfMessagesVisible({
              period: FIVE_MINUTES,
              statistic: Stats.MAXIMUM,
              label: 'waiting',
            }),
            props.noticeQueue.metricApproximateNumberOfMessagesNotVisible({
              period: FIVE_MINUTES,
              statistic: Stats.MAXIMUM,
              label: 'in flight',
            }),
          ],
          [
            props.noticeQueue.metricApproximateAgeOfOldestMessage({
              period: FIVE_MINUTES,
              statistic: Stats.MAXIMUM,
              label: 'age of oldest (s)',
            }),
          ],
        ),
        graph(W.noticeDeadLetters, [
          props.noticeDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: FIVE_MINUTES,
            statistic: Stats.MAXIMUM,
            label: 'notice dead-letter queue',
          }),
          notices.reminderDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: FIVE_MINUTES,
            statistic: Stats.MAXIMUM,
            label: 'reminder dead-letter queue',
          }),
        ]),
        graph(W.noticeDelivery, [
          noticeWorkerMetric('NoticesDelivered').with({ label: 'delivered' }),
          noticeWorkerMetric('NoticeMessagesFailed').with({ label: 'failed' }),
          noticeWorkerMetric('NoticeDuplicateMessages').with({ label: 'duplicates' }),
          noticeWorkerMetric('NoticesSuperseded').with({ label: 'superseded' }),
          noticeWorkerMetric('NoticesDeadLettered').with({ label: 'dead-lettered' }),
        ]),
        graph(W.reminders, [
          serviceMetric(NOTICE_REMINDERS_SERVICE, 'RemindersQueued', 'queued'),
          serviceMetric(NOTICE_REMINDERS_SERVICE, 'RemindersSkippedClaimed', 'skipped: claimed'),
          serviceMetric(NOTICE_REMINDERS_SERVICE, 'RemindersFailed', 'failed'),
        ]),
      ],
      [
        graph(
          W.claimVerdicts,
          [
            claimsMetric('ClaimsAccepted').with({ label: 'accepted' }),
            claimsMetric('ClaimsRejected').with({ label: 'rejected' }),
            claimsMetric('ClaimsInvalid').with({ label: 'invalid (400)' }),
            claimsMetric('ClaimSignatureFailures').with({ label: 'bad signature (401)' }),
            claimsMetric('ClaimConflicts').with({ label: 'conflict (409)' }),
            claimsMetric('ClaimsFailed').with({ label: 'failed (500)' }),
          ],
          [],
          12,
        ),
        graph(
          W.claimRequests,
          [
            claimsUrlMetric(claims.intakeFunction, 'UrlRequestCount').with({ label: 'requests' }),
            claimsUrlMetric(claims.intakeFunction, 'Url4xxCount').with({ label: '4xx' }),
            claimsUrlMetric(claims.intakeFunction, 'Url5xxCount').with({ label: '5xx' }),
          ],
          [],
          12,
        ),
      ],
      [
        graph(
          W.lambdaErrors,
          functions.map(([service, fn]) => fn.metricErrors({ period: FIVE_MINUTES, label: service })),
          [],
          12,
        ),
        graph(
          W.lambdaThrottles,
          functions.map(([service, fn]) => fn.metricThrottles({ period: FIVE_MINUTES, label: service })),
          [],
          12,
        ),
      ],
      [
        graph(
          W.dynamoCapacity,
          [
            props.table.metricConsumedReadCapacityUnits({ period: FIVE_MINUTES, label: 'read units' }),
            props.table.metricConsumedWriteCapacityUnits({ period: FIVE_MINUTES, label: 'write units' }),
          ],
          [],
          12,
        ),
        graph(
          W.dynamoThrottles,
          [
            props.table.metric('ReadThrottleEvents', { period: FIVE_MINUTES, statistic: Stats.SUM, label: 'read' }),
            props.table.metric('WriteThrottleEvents', { period: FIVE_MINUTES, statistic: Stats.SUM, label: 'write' }),
          ],
          [],
          12,
        ),
      ],
    ];

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `TcmppSla-${props.envName}`,
      defaultInterval: Duration.days(7),
      widgets: rows,
    });
  }
}

/** A graph widget; a row of four by default (width 6). */
const graph = (title: string, left: IMetric[], right: IMetric[] = [], width = 6): GraphWidget =>
  new GraphWidget({ title, left, right, width, height: 6 });

/** A metric a function emits under its service name, summed over 5 minutes. */
const serviceMetric = (service: string, metricName: string, label: string): Metric =>
  new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service },
    statistic: Stats.SUM,
    period: FIVE_MINUTES,
    label,
  });
