// One way to run a function on a schedule: EventBridge Scheduler in the policy zone (Asia/Shanghai),
// retried, and a tick that cannot be delivered goes to a dead-letter queue.
import { type Duration, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import type { CfnFunction, IFunction } from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** The business calendar and claim windows are in China time; so are the schedules. */
export const POLICY_TIME_ZONE = TimeZone.ASIA_SHANGHAI;

/** Attempts of the scheduler to deliver a tick before it goes to the dead-letter queue. */
export const SCHEDULE_RETRY_ATTEMPTS = 3;

export interface FunctionScheduleProps {
  /** `rate(10 minutes)`, `cron(0 9 * * ? *)`: evaluated in POLICY_TIME_ZONE */
  readonly expression: string;
  readonly deadLetterQueue: IQueue;
  /** a tick older than this is dropped into the dead-letter queue */
  readonly maxEventAge: Duration;
}

export const functionSchedule = (scope: Construct, id: string, fn: IFunction, props: FunctionScheduleProps) => {
  const schedule = new Schedule(scope, id, {
    schedule: ScheduleExpression.expression(props.expression, POLICY_TIME_ZONE),
    description: `Runs ${fn.node.id}`,
    target: new LambdaInvoke(fn, {
      deadLetterQueue: props.deadLetterQueue,
      retryAttempts: SCHEDULE_RETRY_ATTEMPTS,
      maxEventAge: props.maxEventAge,
    }),
  });
  // LambdaInvoke grants lambda:InvokeFunction on the function and on `<function ARN>:*` (its
  // versions and aliases) to the scheduler role it creates; acknowledged for this function only.
  const stack = Stack.of(scope);
  const functionArn = `<${stack.getLogicalId(fn.node.defaultChild as CfnFunction)}.Arn>`;
  Validations.of(stack).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${functionArn}:*]`,
    reason: `The ${id} role may invoke one function, ${fn.node.id}; the :* suffix added by the target only covers that function's versions and aliases.`,
  });
  return schedule;
};
