// One way to raise an alarm in this app: one period, missing data is not a breach, and the
// environment's alarm action (an SNS topic) when one is configured.
import {
  Alarm,
  type ComparisonOperator,
  type IAlarmAction,
  type IMetric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';

export interface SlaAlarmProps {
  readonly metric: IMetric;
  readonly threshold: number;
  readonly comparisonOperator: ComparisonOperator;
  readonly description: string;
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
    evaluationPeriods: 1,
    treatMissingData: TreatMissingData.NOT_BREACHING,
    alarmDescription: props.description,
  });
  if (action !== undefined) alarm.addAlarmAction(action);
  return alarm;
};
