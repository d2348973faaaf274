// The month-end workflow: a Step Functions Standard state machine (JSONPath) over four functions.
//
//   EventBridge Scheduler, 1st of the month 02:00 Asia/Shanghai
//     │ {"reason":"scheduled","requestedBy":"schedule","scheduledTime":"<aws.scheduler.scheduled-time>"}
//     ▼
//   Plan ─► EvaluateBatches (DISTRIBUTED Map over $.batches: EvaluateBatch) ─► Summarise
//        ─► WaitForClaimWindows (until $.summary.opensAt)
//        ─► NotifyBatches (DISTRIBUTED Map over $.batches: NotifyBatch) ─► Done ({summary, notices})
//
//   Plan             month-end-plan            Query (orders), PutItem (the run's batches)
//   EvaluateBatch    month-end-evaluate-batch  BatchGetItem, GetItem, PutItem, Query, UpdateItem (the
//                                              batch's orders and pointers at once, facts, windows,
//                                              versioned results, the batch's outcome)
//   Summarise        month-end-summarise       nothing on the table
//   NotifyBatch      month-end-notify-batch    BatchGetItem, GetItem, PutItem, Query, UpdateItem (results, notices);
//                                              SendMessage to the notice queue
//   A scheduled start gives no month: Plan takes the month before `scheduledTime` in the policy
//   zone (shared/month-end/month-end-steps.ts withMonth). The Map items are batch numbers; each
//   batch's accounts are an item RUN#<runId> BATCH#<n>, so the state stays small for any number of
//   accounts. Billed state transitions per run: 7 + 2 per batch and Map (a child execution and its
//   task), retries aside: 10,000 accounts in batches of 100 make 407, 0.04 per account.
//   alarms: executions failed, timed out or aborted, accounts that failed alone (evaluation,
//   notices), a scheduled start dropped after every retry
//   Each Map has a Label: its child executions report AWS/States metrics under the state machine
//   ARN + `/<label>` (mapChildMetric), which the dashboard shows as Map failures.
import { CfnOutput, Duration, Fn, RemovalPolicy, Stack, type StackProps, Token, Validations } from 'aws-cdk-lib';
import { type Alarm, ComparisonOperator, type IAlarmAction, Metric, Stats } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleGroup,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import {
  type CfnStateMachine,
  DefinitionBody,
  DistributedMap,
  JitterType,
  JsonPath,
  LogLevel,
  Pass,
  type RetryProps,
  StateMachine,
  StateMachineType,
  TaskInput,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { alarmActionOf, type SlaAlarmProps, slaAlarm } from '../constructs/alarm.ts';
import { POLICY_TIME_ZONE } from '../constructs/function-schedule.ts';
import { METRICS_NAMESPACE, SlaFunction } from '../constructs/sla-function.ts';
import { grantTableItems, type TableAction } from '../constructs/table-access.ts';

/** Table actions of each month-end function: what its code calls, nothing more. */
export const MONTH_END_TABLE_ACTIONS = {
  plan: ['dynamodb:PutItem', 'dynamodb:Query'],
  // BatchGetItem: the LATEST pointers of a whole batch in one request
  evaluateBatch: [
    'dynamodb:BatchGetItem',
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:Query',
    'dynamodb:UpdateItem',
  ],
  summarise: [],
  notifyBatch: [
    'dynamodb:BatchGetItem',
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:Query',
    'dynamodb:UpdateItem',
  ],
} as const satisfies Record<string, readonly TableAction[]>;

/** Powertools service names: the `service` key of every log line and metric dimension. */
export const MONTH_END_SERVICES = {
  plan: 'month-end-plan',
  evaluateBatch: 'month-end-evaluate-batch',
  summarise: 'month-end-summarise',
  notifyBatch: 'month-end-notify-batch',
} as const;

/** The state names: they are what the local run binds its handlers to, and what the console shows. */
export const MONTH_END_STATES = {
  plan: 'Plan',
  evaluateBatches: 'EvaluateBatches',
  evaluateBatch: 'EvaluateBatch',
  summarise: 'Summarise',
  waitForClaimWindows: 'WaitForClaimWindows',
  notifyBatches: 'NotifyBatches',
  notifyBatch: 'NotifyBatch',
  done: 'Done',
} as const;

/** 1st of every month, 02:00 in the policy zone: the previous month is over everywhere in China. */
export const MONTH_END_SCHEDULE = ScheduleExpression.cron({
  minute: '0',
  hour: '2',
  day: '1',
  timeZone: POLICY_TIME_ZONE,
});

/** The month-end functions' settings (functions/commons/month-end-settings.ts reads them). */
export const MONTH_END_SETTINGS = {
  // 100 accounts a batch keeps billed state transitions at ~0.04 per account (see above) and a
  // batch well inside the function's timeout
  MONTH_END_BATCH_SIZE: '100',
  MAINTENANCE_MIN_NOTICE_HOURS: '0',
  COVERAGE_MIN_PERCENT: '90',
} as const;

/**
 * Lambda's own transient failures (service errors, throttling, SDK/network errors): retried with
 * exponential backoff and full jitter, so the Map's concurrent batches do not retry in step.
 * Errors of our code (a thrown use-case error) are not in the list: they fail the state at once.
 */
export const LAMBDA_TRANSIENT_RETRY: RetryProps = {
  errors: [
    'Lambda.ServiceException',
    'Lambda.AWSLambdaException',
    'Lambda.SdkClientException',
    'Lambda.TooManyRequestsException',
    'Lambda.ClientExecutionTimeoutException',
  ],
  interval: Duration.seconds(2),
  backoffRate: 2,
  maxAttempts: 6,
  maxDelay: Duration.seconds(60),
  jitterStrategy: JitterType.FULL,
};

/**
 * DynamoDB's transient errors, raised by a step after the SDK's own retries (a throttled table, a
 * service error): the steps are idempotent, so the state is retried, more slowly.
 */
export const DYNAMODB_TRANSIENT_RETRY: RetryProps = {
  errors: [
    'ProvisionedThroughputExceededException',
    'ThrottlingException',
    'RequestLimitExceeded',
    'InternalServerError',
    'ServiceUnavailable',
    'TimeoutError',
  ],
  interval: Duration.seconds(10),
  backoffRate: 2,
  maxAttempts: 4,
  maxDelay: Duration.minutes(2),
  jitterStrategy: JitterType.FULL,
};

export interface MonthEndStackProps extends StackProps {
  readonly envName: string;
  /** the SLA table (StatefulStack) */
  readonly table: ITable;
  /** the customer-managed key that encrypts the table (StatefulStack) */
  readonly tableKey: IKey;
  /** the notice queue (StatefulStack): NotifyBatch sends to it */
  readonly noticeQueue: IQueue;
  /** NotifyBatch indexes each window-open's reminder this many days before its window closes */
  readonly reminderDaysBefore: number;
  readonly logRetention: RetentionDays;
  /** an SNS topic every alarm notifies; none: alarms are only visible in CloudWatch */
  readonly alarmTopicArn?: string | undefined;
}

export class MonthEndStack extends Stack {
  readonly planFunction: SlaFunction;
  readonly evaluateBatchFunction: SlaFunction;
  readonly summariseFunction: SlaFunction;
  readonly notifyBatchFunction: SlaFunction;
  readonly stateMachine: StateMachine;
  readonly schedule: Schedule;
  readonly scheduleGroup: ScheduleGroup;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonthEndStackProps) {
    super(scope, id, props);

    const zone = { POLICY_TIME_ZONE: POLICY_TIME_ZONE.timezoneName };
    const withTable = { ...zone, TABLE_NAME: props.table.tableName, ...MONTH_END_SETTINGS };

    this.planFunction = new SlaFunction(this, 'PlanFunction', {
      entry: 'functions/month-end-plan.ts',
      serviceName: MONTH_END_SERVICES.plan,
      description: `TCMPP SLA (${props.envName}): month-end step 1, the accounts of the month in batches`,
      memorySize: 512,
      // One paged Query over the order partition.
      timeout: Duration.minutes(2),
      logRetention: props.logRetention,
      environment: withTable,
    });
    this.evaluateBatchFunction = new SlaFunction(this, 'EvaluateBatchFunction', {
      entry: 'functions/month-end-evaluate-batch.ts',
      serviceName: MONTH_END_SERVICES.evaluateBatch,
      description: `TCMPP SLA (${props.envName}): month-end step 2, evaluates a batch of accounts, versioned results`,
      memorySize: 1024,
      // Up to MONTH_END_BATCH_SIZE accounts, each a month of minute facts (~14 read units a month).
      timeout: Duration.minutes(10),
      logRetention: props.logRetention,
      environment: withTable,
    });
    this.summariseFunction = new SlaFunction(this, 'SummariseFunction', {
      entry: 'functions/month-end-summarise.ts',
      serviceName: MONTH_END_SERVICES.summarise,
      description: `TCMPP SLA (${props.envName}): month-end step 3, adds up the batches, when claim windows open`,
      memorySize: 256,
      timeout: Duration.seconds(30),
      logRetention: props.logRetention,
      // No TABLE_NAME: it reads nothing from the table.
      environment: zone,
    });

    this.notifyBatchFunction = new SlaFunction(this, 'NotifyBatchFunction', {
      entry: 'functions/month-end-notify-batch.ts',
      serviceName: MONTH_END_SERVICES.notifyBatch,
      description: `TCMPP SLA (${props.envName}): month-end step 4, queues the notices of a batch of accounts`,
      memorySize: 512,
      // Up to MONTH_END_BATCH_SIZE accounts, a few small reads each, sends in batches of 10.
      timeout: Duration.minutes(5),
      logRetention: props.logRetention,
      environment: {
        ...withTable,
        NOTICE_QUEUE_URL: props.noticeQueue.queueUrl,
        REMINDER_DAYS_BEFORE: String(props.reminderDaysBefore),
      },
    });
    // SendMessage only (grantSendMessages would add GetQueueAttributes and GetQueueUrl, unused)
    this.notifyBatchFunction.addToRolePolicy(
      new PolicyStatement({
        sid: 'NoticeQueueSend',
        actions: ['sqs:SendMessage'],
        resources: [props.noticeQueue.queueArn],
      }),
    );

    // Least privilege on the table: per function, the item actions its code uses, on the table
    // itself (no index: the table has none).
    for (const [fn, actions] of [
      [this.planFunction, MONTH_END_TABLE_ACTIONS.plan],
      [this.evaluateBatchFunction, MONTH_END_TABLE_ACTIONS.evaluateBatch],
      [this.notifyBatchFunction, MONTH_END_TABLE_ACTIONS.notifyBatch],
    ] as const) {
      grantTableItems(fn, props.table, props.tableKey, actions);
    }

    this.stateMachine = this.workflow(props);

    // Its own group, so that the group's metrics (a start dropped after every retry) are this
    // schedule's alone.
    // Holds nothing but the schedule: destroyed with the stack, so a redeploy can take its name again.
    this.scheduleGroup = new ScheduleGroup(this, 'MonthEndScheduleGroup', {
      scheduleGroupName: `tcmpp-sla-${props.envName}-month-end`,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.schedule = new Schedule(this, 'MonthEndSchedule', {
      schedule: MONTH_END_SCHEDULE,
      scheduleGroup: this.scheduleGroup,
      description: 'Starts the month-end workflow for the month that just ended',
      target: new StepFunctionsStartExecution(this.stateMachine, {
        // Scheduler cannot compute "the previous month": it passes its scheduled time, and Plan
        // takes the month before it in the policy zone.
        input: ScheduleTargetInput.fromObject({
          reason: 'scheduled',
          requestedBy: 'schedule',
          scheduledTime: ContextAttribute.scheduledTime,
        }),
        // A start that fails (throttling, a service error) is retried for up to a day: a month-end
        // run hours late is still the run. A duplicate start is harmless: the runId is
        // `scheduled-<month>` and an unchanged result adds no version. A start dropped after all
        // that raises ScheduleDroppedAlarm; the operator starts the month by hand. (No dead-letter
        // queue: the event it would keep says no more than the alarm — the month is the one
        // before the alarm's date.)
        retryAttempts: 10,
        maxEventAge: Duration.hours(24),
      }),
    });

    const action = alarmActionOf(this, props.alarmTopicArn);
    this.alarm('ExecutionsFailedAlarm', action, {
      metric: this.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: Stats.SUM }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      description: 'A month-end execution failed: open it in the Step Functions console, fix, and start it again',
    });
    this.alarm('ExecutionsTimedOutAlarm', action, {
      metric: this.stateMachine.metricTimedOut({ period: Duration.minutes(5), statistic: Stats.SUM }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      description: 'A month-end execution timed out: see its last state in the Step Functions console',
    });
    this.alarm('ExecutionsAbortedAlarm', action, {
      metric: this.stateMachine.metricAborted({ period: Duration.minutes(5), statistic: Stats.SUM }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      description:
        'A month-end execution was stopped before it ended: if by mistake, start the month again (a re-run is safe)',
    });
    // An account that fails alone does not fail the execution: its batch lists it in `failed`.
    this.alarm('AccountsFailedAlarm', action, {
      metric: new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: 'AccountsFailed',
        dimensionsMap: { service: MONTH_END_SERVICES.evaluateBatch },
        statistic: Stats.SUM,
        period: Duration.minutes(5),
      }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      description: `An account could not be evaluated: see the execution's Summarise output (failed) and the ${MONTH_END_SERVICES.evaluateBatch} log`,
    });
    // Notices that could not be decided for an account: a window-open notice may be missing.
    this.alarm('NoticeAccountsFailedAlarm', action, {
      metric: new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: 'NoticeAccountsFailed',
        dimensionsMap: { service: MONTH_END_SERVICES.notifyBatch },
        statistic: Stats.SUM,
        period: Duration.minutes(5),
      }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      description: `Notices of an account could not be decided: see the execution's output (notices[].failed) and the ${MONTH_END_SERVICES.notifyBatch} log; a later run decides them`,
    });
    this.alarm('ScheduleDroppedAlarm', action, {
      metric: this.scheduleGroup.metricDropped({ period: Duration.minutes(5), statistic: Stats.SUM }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      description:
        'The scheduled month-end start was dropped after every retry: start the month before today by hand (reason scheduled)',
    });

    new CfnOutput(this, 'StateMachineArn', { value: this.stateMachine.stateMachineArn });
  }

  private workflow(props: MonthEndStackProps): StateMachine {
    const plan = LambdaInvoke.jsonPath(this, MONTH_END_STATES.plan, {
      lambdaFunction: this.planFunction,
      comment: 'The accounts with a service month in the month, in batches; the month from scheduledTime if absent',
      // The state's output is the handler's return (PlanOutput), not Lambda's response envelope.
      outputPath: '$.Payload',
      retryOnServiceExceptions: false,
    })
      .addRetry(LAMBDA_TRANSIENT_RETRY)
      .addRetry(DYNAMODB_TRANSIENT_RETRY);

    const evaluateBatch = LambdaInvoke.jsonPath(this, MONTH_END_STATES.evaluateBatch, {
      lambdaFunction: this.evaluateBatchFunction,
      comment: 'Evaluates each account of the batch alone; records versioned results',
      outputPath: '$.Payload',
      retryOnServiceExceptions: false,
    })
      .addRetry(LAMBDA_TRANSIENT_RETRY)
      .addRetry(DYNAMODB_TRANSIENT_RETRY);

    const evaluateBatches = DistributedMap.jsonPath(this, MONTH_END_STATES.evaluateBatches, {
      comment: 'One child execution per batch of accounts',
      itemsPath: '$.batches',
      // Bounds the table's read load and the functions' concurrency.
      maxConcurrency: 10,
      label: MONTH_END_STATES.evaluateBatches,
      // The BatchOutputs go beside the plan, so month and runId travel on to Summarise.
      resultPath: '$.batchResults',
    }).itemProcessor(evaluateBatch);

    const summarise = LambdaInvoke.jsonPath(this, MONTH_END_STATES.summarise, {
      lambdaFunction: this.summariseFunction,
      comment: 'Adds up the batches; opensAt is when the month’s claim windows open',
      payload: TaskInput.fromObject({
        month: JsonPath.stringAt('$.month'),
        runId: JsonPath.stringAt('$.runId'),
        batches: JsonPath.listAt('$.batchResults'),
      }),
      resultSelector: { 'summary.$': '$.Payload' },
      // the summary goes beside the plan: the notices map over the same batches
      resultPath: '$.summarised',
      retryOnServiceExceptions: false,
    }).addRetry(LAMBDA_TRANSIENT_RETRY);

    const waitForClaimWindows = Wait.jsonPath(this, MONTH_END_STATES.waitForClaimWindows, {
      comment: 'Notices go out when the claim windows open, not before (SPEC R11); in the past: no wait',
      time: WaitTime.timestampPath('$.summarised.summary.opensAt'),
    });

    const notifyBatch = LambdaInvoke.jsonPath(this, MONTH_END_STATES.notifyBatch, {
      lambdaFunction: this.notifyBatchFunction,
      comment: 'Decides the notices of each account of the batch from the stored results, and queues them once',
      outputPath: '$.Payload',
      retryOnServiceExceptions: false,
    })
      .addRetry(LAMBDA_TRANSIENT_RETRY)
      .addRetry(DYNAMODB_TRANSIENT_RETRY)
      // the queue did not take some messages: they stay pending and the retry sends them
      // (NoticeRefusedError — a message the queue refuses as such — is not retried)
      .addRetry({ ...LAMBDA_TRANSIENT_RETRY, errors: ['NoticeEnqueueError'] });

    const notifyBatches = DistributedMap.jsonPath(this, MONTH_END_STATES.notifyBatches, {
      comment: 'One child execution per batch of accounts',
      itemsPath: '$.batches',
      itemSelector: {
        'runId.$': '$$.Map.Item.Value.runId',
        'batch.$': '$$.Map.Item.Value.batch',
        'month.$': '$$.Map.Item.Value.month',
        'opensAt.$': '$.summarised.summary.opensAt',
      },
      maxConcurrency: 10,
      label: MONTH_END_STATES.notifyBatches,
      resultPath: '$.notices',
    }).itemProcessor(notifyBatch);

    const done = Pass.jsonPath(this, MONTH_END_STATES.done, {
      comment: 'The output: the summary and each batch’s notices',
      parameters: { 'summary.$': '$.summarised.summary', 'notices.$': '$.notices' },
    });

    const logGroup = new LogGroup(this, 'MonthEndStateMachineLogGroup', {
      // Step Functions writes through CloudWatch Logs vended delivery; this prefix keeps the log
      // group out of the account's size-limited CloudWatch Logs resource policy.
      logGroupName: `/aws/vendedlogs/states/tcmpp-sla-${props.envName}-month-end`,
      retention: props.logRetention,
      // a fixed name: kept, it would stop the next deploy of this environment; the dispute record
      // is the table's versioned results, not these logs
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const stateMachine = new StateMachine(this, 'MonthEndStateMachine', {
      comment:
        'TCMPP SLA month-end: plan, evaluate account batches, summarise, wait for the claim windows, queue the notices',
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(
        plan.next(evaluateBatches).next(summarise).next(waitForClaimWindows).next(notifyBatches).next(done),
      ),
      // Longer than the longest wait for a finished month's claim windows (~15 days: October's
      // National Day week), and under the 24.8 days Node's setTimeout can count, which the local
      // run of this same definition (aws-local-stepfunctions) uses for TimeoutSeconds.
      timeout: Duration.days(24),
      tracingEnabled: true,
      // ALL events with their data: the payloads are account ids, month, counts, vouchers and
      // error messages of the month-end — business records, no personal data (SPEC R12: none is
      // stored) — and they are what an operator needs to see why a run failed or an account
      // was left out. A run is monthly: the volume is small.
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
    });

    // The state machine's role, as CDK writes it; each wildcard acknowledged on this state
    // machine only, with its reason.
    const role = Validations.of(stateMachine.role);
    role.acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray tracing (xray:PutTraceSegments, PutTelemetryRecords, GetSampling*) and the CloudWatch Logs vended delivery calls Step Functions logging needs (logs:*LogDelivery*, *ResourcePolic*, DescribeLogGroups) do not support resource-level permissions.',
    });
    for (const fn of [
      this.planFunction,
      this.evaluateBatchFunction,
      this.summariseFunction,
      this.notifyBatchFunction,
    ]) {
      const functionArn = `<${this.getLogicalId(fn.node.defaultChild as CfnFunction)}.Arn>`;
      role.acknowledge({
        id: `AwsSolutions-IAM5[Resource::${functionArn}:*]`,
        reason: `The state machine may invoke ${fn.node.id}; the :* suffix added by LambdaInvoke only covers that function's versions and aliases.`,
      });
    }
    // The Distributed Map runs each batch as a child execution of this state machine: it may
    // describe and stop this state machine's executions, and redrive its Map Runs' children.
    // Their names are made at run time.
    // cdk-nag names the ARN as written: literals where the stack's environment is known, else
    // the pseudo parameters.
    const part = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<${pseudo}>` : value);
    const stateMachineName = `{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${this.getLogicalId(stateMachine.node.defaultChild as CfnStateMachine)}"}]}]}`;
    const executions = `arn:${part(this.partition, 'AWS::Partition')}:states:${part(this.region, 'AWS::Region')}:${part(this.account, 'AWS::AccountId')}:execution:${stateMachineName}`;
    for (const [suffix, what] of [
      [':*', 'states:DescribeExecution and states:StopExecution on the executions'],
      // a labelled Map's child executions are named `<state machine>/<label>:<id>`
      ...[MONTH_END_STATES.evaluateBatches, MONTH_END_STATES.notifyBatches].map(
        (label) => [`/${label}:*`, `states:RedriveExecution on the child executions of the ${label} Map`] as const,
      ),
    ] as const) {
      Validations.of(stateMachine).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${executions}${suffix}]`,
        reason: `Distributed Map (DistributedMapPolicy): ${what} of this state machine only; their names are made at run time.`,
      });
    }
    return stateMachine;
  }

  /**
   * An AWS/States metric of the child executions of one Distributed Map (by its label): they report
   * under `<state machine ARN>/<label>`.
   */
  mapChildMetric(
    mapState: typeof MONTH_END_STATES.evaluateBatches | typeof MONTH_END_STATES.notifyBatches,
    metricName: 'ExecutionsFailed' | 'ExecutionsTimedOut' | 'ExecutionsAborted' | 'ExecutionsSucceeded',
    period = Duration.minutes(5),
  ): Metric {
    return new Metric({
      namespace: 'AWS/States',
      metricName,
      dimensionsMap: { StateMachineArn: Fn.join('/', [this.stateMachine.stateMachineArn, mapState]) },
      statistic: Stats.SUM,
      period,
      label: `${mapState} ${metricName}`,
    });
  }

  private alarm(id: string, action: IAlarmAction | undefined, props: SlaAlarmProps): void {
    this.alarms.push(slaAlarm(this, id, action, props));
  }
}
