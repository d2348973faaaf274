// One way to raise an alarm in this app: by default one period and missing data is not a breach;
// the environment's alarm action (an SNS topic) when one is configured.
import {
  Alarm,
  type ComparisonOperator,
  type IAlarmAction,
  type IMetric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
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
