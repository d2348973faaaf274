// One way to raise an alarm in this app: by default one period and missing data is not a breach;
// the environment's alarm action (an SNS topic) when one is configured.
import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IAlarmAction,
  type IMetric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export interface SlaAlarmProps {
  readonly metric: IMetric;
  readonly threshold: number;
  readonly comparisonOperator: ComparisonOperator;
  readonly description: string;
  /** periods looked at; default 1 */
  readonly evaluationPeriods?: number;
  /** of those, how many must breach; default all of them */
  readonly datapointsToAlarm?: number;
  /** default NOT_BREACHING: most metrics here are sparse (a function that did not run emits nothing) */
  readonly treatMissingData?: TreatMissingData;
}

export const slaAlarm = (
  scope: Construct,
  id: string,
  action: IAlarmAction | undefined,
  props: SlaAlarmProps,
): Alarm => {
  const alarm = new Alarm(scope, id, {
    metric: props.metric,
    threshold: props.threshold,
    comparisonOperator: props.comparisonOperator,
    evaluationPeriods: props.evaluationPeriods ?? 1,
    ...(props.datapointsToAlarm === undefined ? {} : { datapointsToAlarm: props.datapointsToAlarm }),
    treatMissingData: props.treatMissingData ?? TreatMissingData.NOT_BREACHING,
    alarmDescription: props.description,
  });
  if (action !== undefined) alarm.addAlarmAction(action);
  return alarm;
};

/** The environment's alarm topic as an alarm action (imported once per stack), or none. */
export const alarmActionOf = (scope: Construct, alarmTopicArn: string | undefined): IAlarmAction | undefined =>
  alarmTopicArn === undefined ? undefined : new SnsAction(Topic.fromTopicArn(scope, 'AlarmTopic', alarmTopicArn));

/** A dead-letter queue holding anything (its most visible messages in 5 minutes above 0). */
export const deadLetterAlarmProps = (queue: IQueue, description: string): SlaAlarmProps => ({
  metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: Stats.MAXIMUM }),
  threshold: 0,
  comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
  description,
});

/** A function that failed at least once in 5 minutes. */
export const functionErrorsAlarmProps = (fn: IFunction, description: string): SlaAlarmProps => ({
  metric: fn.metricErrors({ period: Duration.minutes(5), statistic: Stats.SUM }),
  threshold: 1,
  comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  description,
});
